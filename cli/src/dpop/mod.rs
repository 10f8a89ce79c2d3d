//! `jwks dpop`: DPoP (RFC 9449) from the command line: mint a proof, verify a request with its
//! proof, give the thumbprint a token's `cnf.jkt` names.

mod proof;
mod verify;

use crate::common::{CliError, CliResult};

pub const HELP: &str = "\
jwks dpop - DPoP proofs (RFC 9449): mint them, verify requests that carry them

usage: jwks dpop proof --key FILE --htm METHOD --htu URI [options]
       jwks dpop verify (--jwks FILE|URL | --issuer URL) --method METHOD --uri URI
                        --authorization 'DPoP TOKEN' --dpop PROOF [options]
       jwks dpop thumbprint [FILE|-] [--json]

commands:
  proof       mint a DPoP proof signed with a key file (jwks dpop proof --help)
  verify      verify a whole request: Authorization, DPoP proof, access token, binding;
              print the verdict, or the refusal a server answers (jwks dpop verify --help)
  thumbprint  the key's RFC 7638 thumbprint, what a bound token's cnf.jkt names (the same
              as `jwks thumbprint`; a key file gives its public key's)

A token is bound to a proof key with `jwks sign --dpop-key FILE` (or --cnf-jkt JKT).
";

/// The help of `jwks dpop SUBCOMMAND --help`, or the overview.
pub fn help_for(args: &[String]) -> &'static str {
    match args.first().map(String::as_str) {
        Some("proof") => proof::HELP,
        Some("verify") => verify::HELP,
        Some("thumbprint") => crate::thumbprint::HELP,
        _ => HELP,
    }
}

pub fn run(args: &[String]) -> CliResult {
    let Some(sub) = args.first() else {
        return Err(CliError::usage(
            "which one? jwks dpop proof|verify|thumbprint (jwks dpop --help)",
        ));
    };
    let rest = &args[1..];
    match sub.as_str() {
        "proof" => proof::run(rest),
        "verify" => verify::run(rest),
        "thumbprint" => crate::thumbprint::run(rest),
        other => Err(CliError::usage(format!(
            "unknown dpop command {other:?}: proof, verify or thumbprint"
        ))),
    }
}
