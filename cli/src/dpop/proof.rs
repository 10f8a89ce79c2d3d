//! `jwks dpop proof`: a DPoP proof minted by the library's issuer code
//! ([`SigningKey::sign_dpop_proof`]) with a key file.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::issuer::{ProofClaims, SigningKey};
use jwkskit::{unix_now, Algorithm};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

use crate::args::{flag, opt, parse, Spec};
use crate::common::{emit, read_file, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks dpop proof - mint a DPoP proof (RFC 9449 §4)

usage: jwks dpop proof --key FILE --htm METHOD --htu URI [options]

  --key FILE      the client's private key: a key file from `jwks keygen`, or an
                  unencrypted PKCS#8/PKCS#1 PEM key (alg inferred: RSA RS256, P-256 ES256,
                  P-384 ES384, Ed25519 EdDSA); its public part goes in the header's jwk
  --alg ALG       override the key's algorithm (e.g. PS256 for an RSA key)
  --htm METHOD    the request's method, e.g. GET
  --htu URI       the request's URI, e.g. https://api.example.com/orders (its query and
                  fragment are left out of htu)
  --ath-of TOKEN  the access token sent with the proof (or @FILE): ath is its hash
  --ath ATH       ath as given (base64url SHA-256 of the token), instead of --ath-of
  --nonce NONCE   the server's nonce (from a DPoP-Nonce header)
  --iat UNIX      the creation time (default: now)
  --jti JTI       the proof's unique id (default: 128 random bits)
  --json          print {\"proof\", \"header\", \"payload\", \"jkt\"} instead of the bare proof

Prints the proof (for the DPoP header) and a newline. The header is
{\"typ\": \"dpop+jwt\", \"alg\", \"jwk\"}; `jwks dpop thumbprint FILE` gives the jkt that
a token bound to this key carries in cnf.jkt.

exit codes:
  0  minted
  2  usage error, unreadable or unusable key file (HMAC keys cannot sign proofs)
";

const SPECS: &[Spec] = &[
    opt("key"),
    opt("alg"),
    opt("htm"),
    opt("htu"),
    opt("ath-of"),
    opt("ath"),
    opt("nonce"),
    opt("iat"),
    opt("jti"),
    flag("json"),
];

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
    let method = p.required("htm")?;
    check_method(method)?;
    let uri = p.required("htu")?;
    check_uri(uri)?;
    let iat = p.number::<i64>("iat")?.unwrap_or_else(unix_now);
    let access_token = match p.value("ath-of") {
        Some(arg) => Some(token_arg(arg)?),
        None => None,
    };
    for (name, value) in [("nonce", p.value("nonce")), ("jti", p.value("jti"))] {
        if value.is_some_and(str::is_empty) {
            return Err(CliError::usage(format!("--{name} is empty")));
        }
    }
    let claims = ProofClaims {
        method,
        uri,
        iat,
        access_token: access_token.as_deref(),
        nonce: p.value("nonce"),
        jti: p.value("jti"),
    };
    let proof = match p.value("ath") {
        None => key
            .sign_dpop_proof(&claims)
            .map_err(|e| CliError::usage(e.message().to_owned()))?,
        Some(_) if access_token.is_some() => {
            return Err(CliError::usage("give --ath-of or --ath, not both"))
        }
        Some(ath) => with_ath(&key, &claims, ath)?,
    };
    if p.flag("json") {
        let part = |i: usize| -> Value {
            proof
                .split('.')
                .nth(i)
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null)
        };
        let out = json!({
            "proof": proof,
            "header": part(0),
            "payload": part(1),
            "jkt": key.thumbprint(),
        });
        emit(&format!("{out}\n"));
    } else {
        emit(&format!("{proof}\n"));
    }
    Ok(EXIT_OK)
}

/// A proof whose `ath` is given as is (a hash computed elsewhere), signed by the library's
/// proof signer with the payload [`SigningKey::sign_dpop_proof`] would make.
fn with_ath(key: &SigningKey, claims: &ProofClaims<'_>, ath: &str) -> Result<String, CliError> {
    let base64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !base64url(ath) {
        return Err(CliError::usage(
            "--ath is not base64url (the SHA-256 of the access token, 43 characters)",
        ));
    }
    let jti = match claims.jti {
        Some(j) => j.to_owned(),
        None => {
            let mut raw = [0u8; 16];
            SystemRandom::new()
                .fill(&mut raw)
                .map_err(|_| CliError::unavailable("the system random generator failed"))?;
            URL_SAFE_NO_PAD.encode(raw)
        }
    };
    let mut payload = json!({
        "jti": jti,
        "htm": claims.method,
        "htu": claims.uri.split(['?', '#']).next().unwrap_or_default(),
        "iat": claims.iat,
        "ath": ath,
    });
    if let Some(nonce) = claims.nonce {
        payload["nonce"] = nonce.into();
    }
    key.sign_dpop_payload(&Map::new(), &payload)
        .map_err(|e| CliError::usage(e.message().to_owned()))
}

/// An access token given inline, or `@FILE`; a leading `DPoP ` or `Bearer ` is dropped.
pub fn token_arg(arg: &str) -> Result<String, CliError> {
    let text = match arg.strip_prefix('@') {
        Some(path) => String::from_utf8(read_file(path, "token file")?)
            .map_err(|_| CliError::usage(format!("{path} is not UTF-8")))?,
        None => arg.to_owned(),
    };
    let text = text.trim();
    let token = ["DPoP ", "Bearer "]
        .iter()
        .find_map(|scheme| {
            text.get(..scheme.len())
                .filter(|head| head.eq_ignore_ascii_case(scheme))
                .map(|_| text[scheme.len()..].trim())
        })
        .unwrap_or(text);
    if token.is_empty() {
        return Err(CliError::usage("the access token is empty"));
    }
    Ok(token.to_owned())
}

/// An HTTP method is an RFC 9110 token (`htm` is compared to the request's exactly).
fn check_method(method: &str) -> Result<(), CliError> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || !method.bytes().all(tchar) {
        return Err(CliError::usage(format!(
            "--htm {method:?} is not an HTTP method (e.g. GET, POST)"
        )));
    }
    Ok(())
}

/// `htu` is an absolute http(s) URI with a host (RFC 9449 §4.2).
fn check_uri(uri: &str) -> Result<(), CliError> {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        uri.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &uri[scheme.len()..])
    });
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', '?', '#']) => Ok(()),
        _ => Err(CliError::usage(format!(
            "--htu {uri:?} is not an absolute http(s) URI (e.g. https://api.example.com/orders)"
        ))),
    }
}
