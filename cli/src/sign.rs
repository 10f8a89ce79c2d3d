//! `jwks sign`: a JWT from a key file and some claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::issuer::SigningKey;
use jwkskit::{unix_now, Algorithm};
use serde_json::{json, Map, Value};

use crate::args::{flag, multi, opt, parse, Parsed, Spec};
use crate::common::{emit, parse_duration, read_file, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks sign - sign a JWT

usage: jwks sign --key PRIVATE_FILE [--claims JSON|@FILE] [options]

  --key FILE        a key file from `jwks keygen`, or any unencrypted PKCS#8/PKCS#1 PEM
                    private key (alg then inferred: RSA RS256, P-256 ES256, P-384 ES384,
                    Ed25519 EdDSA)
  --alg ALG         override the key file's algorithm (e.g. PS256 for an RSA key)
  --kid KID         override the key file's kid
  --claims JSON     the claims object, inline or @FILE (default {})
  --iss ISS         set iss
  --sub SUB         set sub
  --aud AUD         set aud (repeatable; several make an array)
  --exp-in DUR      set exp to now + DUR (e.g. 10m, 1h, 90; negative for an expired token);
                    default: 1h, unless the claims have an exp
  --no-exp          make a token without exp (which `jwks verify` rejects unless given
                    --no-require-exp)
  --nbf-in DUR      set nbf to now + DUR
  --no-iat          do not add iat (added as now unless the claims have one)
  --now UNIX        the time to count from instead of the system clock
  --header JSON     extra header members (alg always comes from the key)
  --dpop-key FILE   bind the token to this DPoP key (a key file, PEM key or JWK):
                    cnf.jkt is its RFC 7638 thumbprint (RFC 9449 §6)
  --cnf-jkt JKT     bind the token to the DPoP key of this thumbprint (cnf.jkt)
  --json            print {\"token\", \"header\", \"claims\"} instead of the bare token

Prints the token and a newline.

exit codes:
  0  signed
  2  usage error, unreadable or unusable key file, or invalid claims
";

const SPECS: &[Spec] = &[
    opt("key"),
    opt("alg"),
    opt("kid"),
    opt("claims"),
    opt("iss"),
    opt("sub"),
    multi("aud"),
    opt("exp-in"),
    flag("no-exp"),
    opt("nbf-in"),
    flag("no-iat"),
    opt("now"),
    opt("header"),
    opt("dpop-key"),
    opt("cnf-jkt"),
    flag("json"),
];

/// The lifetime of a token signed without --exp-in (nor an exp in the claims): tokens
/// without exp are rejected by default, so a token made for a quick try must have one.
const DEFAULT_LIFETIME: i64 = 3600;

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let key_path = p.required("key")?;
    let alg = p
        .value("alg")
        .map(|name| {
            Algorithm::from_name(name)
                .ok_or_else(|| CliError::usage(format!("--alg {name:?} is not supported")))
        })
        .transpose()?;
    let key = SigningKey::from_key_file(&read_file(key_path, "key file")?, alg)
        .map_err(|e| CliError::usage(format!("{key_path}: {}", e.message())))?;
    let key = match p.value("kid") {
        Some(kid) => key.with_kid(kid),
        None => key,
    };
    let now = p.number::<i64>("now")?.unwrap_or_else(unix_now);
    let claims = build_claims(&p, now)?;
    let mut header = match p.value("header") {
        Some(text) => json_object(text, "--header")?,
        None => Map::new(),
    };
    header.entry("typ").or_insert_with(|| "JWT".into());
    let payload =
        serde_json::to_vec(&claims).map_err(|e| CliError::usage(format!("claims: {e}")))?;
    let token = key
        .sign_with_header(&header, &payload)
        .map_err(|e| CliError::usage(e.message().to_owned()))?;
    if p.flag("json") {
        let header_part = token.split('.').next().unwrap_or_default();
        let header: Value = URL_SAFE_NO_PAD
            .decode(header_part)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .unwrap_or(Value::Null);
        let out = json!({"token": token, "header": header, "claims": Value::Object(claims)});
        emit(&format!("{out}\n"));
    } else {
        emit(&format!("{token}\n"));
    }
    Ok(EXIT_OK)
}

fn json_object(text: &str, what: &str) -> Result<Map<String, Value>, CliError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(CliError::usage(format!("{what} must be a JSON object"))),
        Err(e) => Err(CliError::usage(format!("{what} is not valid JSON: {e}"))),
    }
}

fn build_claims(p: &Parsed, now: i64) -> Result<Map<String, Value>, CliError> {
    let mut claims = match p.value("claims") {
        Some(text) => match text.strip_prefix('@') {
            Some(path) => {
                let bytes = read_file(path, "claims file")?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| CliError::usage(format!("{path} is not UTF-8")))?;
                json_object(&text, path)?
            }
            None => json_object(text, "--claims")?,
        },
        None => Map::new(),
    };
    for name in ["iss", "sub"] {
        if let Some(v) = p.value(name) {
            claims.insert(name.into(), v.into());
        }
    }
    match p.values("aud") {
        [] => {}
        [one] => {
            claims.insert("aud".into(), one.as_str().into());
        }
        many => {
            claims.insert("aud".into(), many.to_vec().into());
        }
    }
    if p.flag("no-exp") {
        if p.value("exp-in").is_some() || claims.contains_key("exp") {
            return Err(CliError::usage(
                "--no-exp contradicts --exp-in or the exp in the claims",
            ));
        }
    } else if p.value("exp-in").is_none() {
        claims
            .entry("exp")
            .or_insert_with(|| now.saturating_add(DEFAULT_LIFETIME).into());
    }
    for (option, claim) in [("exp-in", "exp"), ("nbf-in", "nbf")] {
        if let Some(text) = p.value(option) {
            let at = now.saturating_add(parse_duration(text, option)?);
            claims.insert(claim.into(), at.into());
        }
    }
    if !p.flag("no-iat") {
        claims.entry("iat").or_insert_with(|| now.into());
    }
    if let Some(jkt) = dpop_binding(p)? {
        let cnf = claims
            .entry("cnf")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(cnf) = cnf else {
            return Err(CliError::usage("the claims' cnf is not an object"));
        };
        if cnf.get("jkt").is_some_and(|old| old.as_str() != Some(&jkt)) {
            return Err(CliError::usage(
                "the claims' cnf.jkt names another key than --dpop-key/--cnf-jkt",
            ));
        }
        cnf.insert("jkt".into(), jkt.into());
    }
    Ok(claims)
}

/// The `cnf.jkt` of `--dpop-key FILE` (its thumbprint) or `--cnf-jkt JKT`.
fn dpop_binding(p: &Parsed) -> Result<Option<String>, CliError> {
    match (p.value("dpop-key"), p.value("cnf-jkt")) {
        (Some(_), Some(_)) => Err(CliError::usage("give --dpop-key or --cnf-jkt, not both")),
        (Some(path), None) => {
            let bytes = read_file(path, "DPoP key")?;
            crate::thumbprint::key_thumbprint(&bytes)
                .map(Some)
                .map_err(|e| CliError::usage(format!("--dpop-key {path}: {}", e.message)))
        }
        (None, Some(jkt)) => {
            // A SHA-256 thumbprint: 32 bytes in unpadded base64url.
            let ok =
                jkt.len() == 43 && URL_SAFE_NO_PAD.decode(jkt).is_ok_and(|raw| raw.len() == 32);
            if !ok {
                return Err(CliError::usage(format!(
                    "--cnf-jkt {jkt:?} is not an RFC 7638 SHA-256 thumbprint (43 base64url \
                     characters; `jwks dpop thumbprint KEY` prints one)"
                )));
            }
            Ok(Some(jkt.to_owned()))
        }
        (None, None) => Ok(None),
    }
}
