//! `jwks keygen`: a new signing key file (or an imported RSA key) and its public JWK.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use jwkskit::issuer::SigningKey;
use jwkskit::{Algorithm, KeyFamily};
use serde_json::{json, Value};

use crate::args::{flag, opt, parse, Spec};
use crate::common::{emit, note, read_file, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks keygen - create a signing key file and print its public JWK

usage: jwks keygen --alg ALG --out PRIVATE_FILE [--kid KID] [--bits N] [--jwk-out FILE] [--json]
       jwks keygen --alg RS256|PS256|... --rsa-pem RSA_KEY.pem --out PRIVATE_FILE

  --alg ALG          ES256, ES384, ES512 or EdDSA; RS256, RS384, RS512, PS256, PS384 or PS512
                     (an RSA key of --bits); HS256, HS384 or HS512 (a random secret as
                     long as the hash)
  --bits N           RSA modulus size: 2048, 3072 (default) or 4096
  --rsa-pem FILE     import an existing PKCS#8 or PKCS#1 PEM RSA key (at least 2048 bits)
                     instead of generating one
  --kid KID          the key id (default: the RFC 7638 thumbprint of the public key)
  --out FILE         the private key file, created with mode 0600
  --jwk-out FILE     write the public JWK there (mode 0644) instead of stdout
  --json             print {\"kid\", \"alg\", \"kty\", \"out\", \"jwk_out\", \"jwk\"} on stdout
                     (for HS*: no \"jwk\", the secret is never printed)

Neither --out nor --jwk-out is ever overwritten, and neither follows a symbolic link:
an existing name (file or link) is refused and nothing is written.

The key file is PKCS#8 PEM preceded by `kid:` and `alg:` lines (OpenSSL reads it
as is); for HS* it is the secret as a JWK, which is also the verification key
(`jwks verify --jwks FILE --alg HS256`) and is never printed or published.
Put key files in a directory served by `jwks serve` to publish them; `jwks verify
--jwks` reads a key file's public part too.

exit codes:
  0  key written
  2  usage error, unreadable --rsa-pem, unusable key, or an output file exists
";

const SPECS: &[Spec] = &[
    opt("alg"),
    opt("kid"),
    opt("bits"),
    opt("out"),
    opt("jwk-out"),
    opt("rsa-pem"),
    flag("json"),
];

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let alg_name = p.required("alg")?;
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| {
        CliError::usage(format!("--alg {alg_name:?} is not a supported algorithm"))
    })?;
    let out = p.required("out")?;
    let is_rsa = alg.family() == KeyFamily::Rsa;
    let bits = p.number::<usize>("bits")?;
    if bits.is_some() && (!is_rsa || p.value("rsa-pem").is_some()) {
        return Err(CliError::usage(
            "--bits is for generating RSA keys (RS*/PS* without --rsa-pem)",
        ));
    }
    if bits.is_some_and(|b| !SigningKey::rsa_key_bits().contains(&b)) {
        return Err(CliError::usage("--bits must be 2048, 3072 or 4096"));
    }
    let jwk_out = p.value("jwk-out");
    if alg.is_hmac() && jwk_out.is_some() {
        return Err(CliError::usage(
            "HMAC keys have no public part: the --out file is the verification key",
        ));
    }
    if jwk_out == Some(out) {
        return Err(CliError::usage("--out and --jwk-out name the same file"));
    }
    let key = match p.value("rsa-pem") {
        Some(path) => {
            let pem = read_file(path, "RSA key")?;
            SigningKey::from_key_file(&pem, Some(alg))
                .map_err(|e| CliError::usage(format!("{path}: {}", e.message())))?
        }
        None if is_rsa => SigningKey::generate_rsa(alg, bits.unwrap_or(3072))
            .map_err(|e| CliError::usage(e.message().to_owned()))?,
        None => SigningKey::generate(alg).map_err(|e| CliError::usage(e.message().to_owned()))?,
    };
    let key = match p.value("kid") {
        Some("") => return Err(CliError::usage("--kid cannot be empty")),
        Some(kid) => key.with_kid(kid),
        None => key,
    };
    // Both files are created before either is written, so that a refused --jwk-out leaves
    // no new private key behind.
    let mut private = create_new(out, 0o600)?;
    let public = match jwk_out.map(|path| create_new(path, 0o644)) {
        Some(Err(e)) => {
            drop(private);
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
        Some(Ok(file)) => Some(file),
        None => None,
    };
    write_all(&mut private, out, key.to_key_file().as_bytes())?;
    let jwk = (!key.is_hmac()).then(|| key.public_jwk());
    if let (Some(mut file), Some(path), Some(jwk)) = (public, jwk_out, &jwk) {
        write_all(&mut file, path, pretty(jwk).as_bytes())?;
    }
    if p.flag("json") {
        let mut summary = json!({
            "kid": key.kid(),
            "alg": alg.name(),
            "kty": key.public_jwk()["kty"],
            "out": out,
            "jwk_out": jwk_out,
        });
        if let Some(jwk) = &jwk {
            summary["jwk"] = jwk.clone();
        }
        emit(&format!("{summary}\n"));
        return Ok(EXIT_OK);
    }
    let Some(jwk) = jwk else {
        note(&format!(
            "{alg} secret written to {out} (mode 0600), kid {:?}; it is both the signing and \
             the verification key: keep it secret",
            key.kid()
        ));
        return Ok(EXIT_OK);
    };
    note(&format!(
        "private key written to {out} (mode 0600), kid {:?}",
        key.kid()
    ));
    match jwk_out {
        Some(path) => note(&format!("public JWK written to {path}")),
        None => emit(&pretty(&jwk)),
    }
    Ok(EXIT_OK)
}

fn pretty(value: &Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// Creates `path` with `mode`, refusing an existing name: O_EXCL also refuses a symbolic link
/// (even a dangling one) instead of following it.
fn create_new(path: &str, mode: u32) -> Result<File, CliError> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CliError::usage(format!("{path} exists; refusing to overwrite it"))
            } else {
                CliError::unavailable(format!("cannot create {path}: {e}"))
            }
        })
}

fn write_all(file: &mut File, path: &str, contents: &[u8]) -> Result<(), CliError> {
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::unavailable(format!("cannot write {path}: {e}")))
}
