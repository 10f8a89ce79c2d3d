//! `jwks thumbprint`: RFC 7638 thumbprints of a JWK or of each key of a JWKS.

use jwkskit::issuer::SigningKey;
use serde_json::{json, Value};

use crate::args::{flag, parse, Spec};
use crate::common::{emit, read_file_or_stdin, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks thumbprint - RFC 7638 SHA-256 thumbprint of a JWK

usage: jwks thumbprint [FILE|-] [--json]

Reads a JWK (or a JWKS, then each of its keys, or a PEM key file, then its
public key) from FILE or stdin and prints
the base64url thumbprint, the usual default kid. Private members are ignored,
so a private key file's JWK gives the same thumbprint as its public key.

options:
  --json   {\"thumbprint\": \"...\"} or {\"keys\": [{\"kid\": ..., \"thumbprint\": ...}]}

exit codes:
  0  printed
  2  unreadable input, not JSON, or not a JWK with a thumbprint (kty RSA, EC, OKP, oct)
";

const SPECS: &[Spec] = &[flag("json")];

/// The thumbprint of one key: a JWK (public or private members), or a key file or PEM private
/// key (its public key's); what a DPoP-bound token's `cnf.jkt` names.
pub fn key_thumbprint(bytes: &[u8]) -> Result<String, CliError> {
    let jwk: Value = match serde_json::from_slice(bytes) {
        Ok(Value::Object(o)) if o.contains_key("keys") => {
            return Err(CliError::usage(
                "a JWKS, not one key: give the key's JWK or key file",
            ))
        }
        Ok(v) => v,
        Err(_) => SigningKey::from_key_file(bytes, None)
            .map_err(|e| CliError::usage(format!("not a usable key: {}", e.message())))?
            .public_jwk(),
    };
    jwkskit::thumbprint(&jwk).map_err(|e| CliError::usage(format!("not a usable JWK: {e}")))
}

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 1)?;
    let bytes = read_file_or_stdin(p.positional(), "JWK")?;
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        // A key file (PEM): the thumbprint of its public key.
        Err(_) if bytes.windows(11).any(|w| w == b"-----BEGIN ") => {
            SigningKey::from_key_file(&bytes, None)
                .map_err(|e| CliError::usage(format!("not a usable key file: {}", e.message())))?
                .public_jwk()
        }
        Err(e) => return Err(CliError::usage(format!("the input is not JSON: {e}"))),
    };
    let of = |jwk: &Value| {
        jwkskit::thumbprint(jwk).map_err(|e| CliError::usage(format!("not a usable JWK: {e}")))
    };
    if let Some(keys) = value.get("keys") {
        let keys = keys
            .as_array()
            .ok_or_else(|| CliError::usage("\"keys\" is not an array"))?;
        let mut rows = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let tp = of(key).map_err(|e| CliError::usage(format!("key {i}: {}", e.message)))?;
            rows.push((key.get("kid").cloned().unwrap_or(Value::Null), tp));
        }
        if p.flag("json") {
            let list: Vec<Value> = rows
                .iter()
                .map(|(kid, tp)| json!({"kid": kid, "thumbprint": tp}))
                .collect();
            emit(&format!("{}\n", json!({ "keys": list })));
        } else {
            let text: String = rows
                .iter()
                .map(|(kid, tp)| match kid {
                    Value::Null => format!("{tp}\n"),
                    kid => format!("{tp}  kid {kid}\n"),
                })
                .collect();
            emit(&text);
        }
        return Ok(EXIT_OK);
    }
    let tp = of(&value)?;
    if p.flag("json") {
        emit(&format!("{}\n", json!({ "thumbprint": tp })));
    } else {
        emit(&format!("{tp}\n"));
    }
    Ok(EXIT_OK)
}
