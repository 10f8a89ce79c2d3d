//! `jwks`: verify, inspect and issue JSON Web Tokens; publish and rotate JSON Web Key Sets; mint
//! and check DPoP proofs.

#![deny(unsafe_code)]

// One file per subcommand, beside this one.

mod args;
mod authz;
mod common;
mod demo;
mod dpop;
mod inspect;
mod keygen;
mod serve;
mod sign;
mod thumbprint;
mod verify;

use common::{emit, note, CliResult, EXIT_OK, EXIT_TROUBLE};

const HELP: &str = "\
jwks - verify JSON Web Tokens against JSON Web Key Sets, and issue them

usage: jwks <command> [options]     (jwks <command> --help for details)

commands:
  verify      verify a token's signature and claims; explain any rejection
  inspect     decode a token WITHOUT verifying it (header, claims, readable times)
  thumbprint  RFC 7638 thumbprint of a JWK (or of each key of a JWKS)
  keygen      generate a signing key (RS*, PS*, ES*, EdDSA, HS*) or import one
  sign        sign a JWT with a key file
  dpop        DPoP (RFC 9449): mint a proof, verify a request with its proof
  serve       publish a directory of keys as a JWKS on 127.0.0.1 (rotation = files)
  authz       a forward-auth server for nginx, Caddy, Traefik and Envoy (TOML config)
  demo        a self-checking tour: local issuer, remote verifier, rotation, attacks

exit codes:
  0  the token is valid / the command succeeded
  1  the token was rejected (verify), or cannot be decoded (inspect)
  2  usage error, unreadable input, or the keys are unavailable

options for every command:
  --help   the command's options
  --json   the output as one JSON object on stdout (jwks serve: one per line); a failure
           that ends the command prints {\"error\": {\"command\", \"message\", \"exit_code\"}}
           (jwks verify reports a verdict as {\"valid\": false, \"error\": {...}})
";

type Command = (&'static str, fn(&[String]) -> CliResult);

fn command(name: &str) -> Option<Command> {
    Some(match name {
        "verify" => (verify::HELP, verify::run),
        "inspect" => (inspect::HELP, inspect::run),
        "thumbprint" => (thumbprint::HELP, thumbprint::run),
        "keygen" => (keygen::HELP, keygen::run),
        "sign" => (sign::HELP, sign::run),
        "dpop" => (dpop::HELP, dpop::run),
        "serve" => (serve::HELP, serve::run),
        "authz" => (authz::HELP, authz::run),
        "demo" => (demo::HELP, demo::run),
        _ => return None,
    })
}

fn run(args: Vec<String>) -> i32 {
    let Some(name) = args.first() else {
        note(HELP);
        return EXIT_TROUBLE;
    };
    match name.as_str() {
        "--help" | "-h" | "help" => {
            match args.get(1).map(String::as_str) {
                Some("dpop") => emit(dpop::help_for(&args[2..])),
                Some(n) => emit(command(n).map_or(HELP, |(help, _)| help)),
                None => emit(HELP),
            }
            return EXIT_OK;
        }
        "--version" | "-V" => {
            emit(&format!("jwks {}\n", jwkskit::VERSION));
            return EXIT_OK;
        }
        _ => {}
    }
    let Some((help, run)) = command(name) else {
        note(&format!(
            "jwks: unknown command {name:?}; run `jwks --help` for the list"
        ));
        return EXIT_TROUBLE;
    };
    let rest = &args[1..];
    if args::wants_help(rest) {
        // `jwks dpop proof --help`: the help of the dpop command named.
        emit(if name == "dpop" {
            dpop::help_for(rest)
        } else {
            help
        });
        return EXIT_OK;
    }
    match run(rest) {
        Ok(code) => code,
        Err(e) => {
            note(&format!("jwks {name}: {}", e.message));
            if args::wants_json(rest) {
                // A JSON consumer gets an object on stdout for a failure too.
                let out = serde_json::json!({
                    "error": {"command": name, "message": e.message, "exit_code": e.code}
                });
                emit(&format!("{out}\n"));
            }
            e.code
        }
    }
}

fn main() {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(a) => args.push(a),
            Err(raw) => {
                note(&format!("jwks: argument {raw:?} is not valid UTF-8"));
                std::process::exit(EXIT_TROUBLE);
            }
        }
    }
    std::process::exit(run(args));
}
