//! `jwks keygen`: a new signing key file (or an imported RSA key) and its public JWK.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use jwkskit::issuer::SigningKey;
use jwkskit::Algorithm;

use crate::args::{opt, parse, Spec};
use crate::common::{emit, note, read_file, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks keygen - create a signing key file and print its public JWK

usage: jwks keygen --alg ALG --out PRIVATE_FILE [--kid KID] [--jwk-out FILE]
       jwks keygen --alg RS256|PS256|... --rsa-pem RSA_KEY.pem --out PRIVATE_FILE

  --alg ALG          ES256, ES384 or EdDSA (generated), HS256, HS384 or HS512 (a random
                     secret as long as the hash), or RS*/PS* with --rsa-pem
  --rsa-pem FILE     import an existing PKCS#8 or PKCS#1 PEM RSA key (at least 2048 bits);
                     RSA keys are not generated here: `openssl genpkey -algorithm RSA
                     -pkeyopt rsa_keygen_bits:3072 -out rsa.pem`
  --kid KID          the key id (default: the RFC 7638 thumbprint of the public key)
  --out FILE         the private key file, created with mode 0600; never overwritten
  --jwk-out FILE     write the public JWK there instead of stdout

The key file is PKCS#8 PEM preceded by `kid:` and `alg:` lines (OpenSSL reads it
as is); for HS* it is the secret as a JWK, which is also the verification key
(`jwks verify --jwks FILE --alg HS256`) and is never printed or published.
Put key files in a directory served by `jwks serve` to publish them.

exit codes:
  0  key written
  2  usage error, unreadable --rsa-pem, unusable key, or the output file exists
";

const SPECS: &[Spec] = &[
    opt("alg"),
    opt("kid"),
    opt("out"),
    opt("jwk-out"),
    opt("rsa-pem"),
];

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let alg_name = p.required("alg")?;
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| {
        CliError::usage(format!("--alg {alg_name:?} is not a supported algorithm"))
    })?;
    let out = p.required("out")?;
    let key = match p.value("rsa-pem") {
        Some(path) => {
            let pem = read_file(path, "RSA key")?;
            SigningKey::from_key_file(&pem, Some(alg))
                .map_err(|e| CliError::usage(format!("{path}: {}", e.message())))?
        }
        None => SigningKey::generate(alg).map_err(|e| {
            let extra = if alg.family() == jwkskit::KeyFamily::Rsa {
                "; then import it with --rsa-pem FILE"
            } else {
                ""
            };
            CliError::usage(format!("{}{extra}", e.message()))
        })?,
    };
    let key = match p.value("kid") {
        Some("") => return Err(CliError::usage("--kid cannot be empty")),
        Some(kid) => key.with_kid(kid),
        None => key,
    };
    if key.is_hmac() && p.value("jwk-out").is_some() {
        return Err(CliError::usage(
            "HMAC keys have no public part: the --out file is the verification key",
        ));
    }
    write_private(out, key.to_key_file().as_bytes())?;
    if key.is_hmac() {
        note(&format!(
            "{alg} secret written to {out} (mode 0600), kid {:?}; it is both the signing and \
             the verification key: keep it secret",
            key.kid()
        ));
        return Ok(EXIT_OK);
    }
    note(&format!(
        "private key written to {out} (mode 0600), kid {:?}",
        key.kid()
    ));
    let jwk = format!(
        "{}\n",
        serde_json::to_string_pretty(&key.public_jwk()).unwrap_or_default()
    );
    match p.value("jwk-out") {
        Some(path) => std::fs::write(path, jwk)
            .map_err(|e| CliError::unavailable(format!("cannot write {path}: {e}")))?,
        None => emit(&jwk),
    }
    Ok(EXIT_OK)
}

/// Creates `path` with mode 0600, refusing to replace an existing file.
fn write_private(path: &str, contents: &[u8]) -> Result<(), CliError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CliError::usage(format!("{path} exists; refusing to overwrite a key file"))
            } else {
                CliError::unavailable(format!("cannot create {path}: {e}"))
            }
        })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::unavailable(format!("cannot write {path}: {e}")))
}
