//! `jwks inspect`: decode a token without verifying it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::unix_now;
use serde_json::{json, Value};

use crate::args::{flag, opt, parse, Spec};
use crate::common::{emit, indented_json, read_token, time_claim, CliError, CliResult, EXIT_OK};

pub const HELP: &str = "\
jwks inspect - decode a token WITHOUT verifying it

usage: jwks inspect [TOKEN|-] [--now UNIX] [--json]

Shows the header, the claims and the signature length, with exp/nbf/iat as
readable UTC times relative to now. Nothing shown is verified: anyone can
write any header and claims. Use `jwks verify` to check a token.

options:
  --now UNIX   relative times against this unix time instead of the system clock
  --json       {\"verified\": false, \"header\": {...}, \"claims\": {...}, ...}

exit codes:
  0  decoded
  1  the token cannot be decoded (not three base64url parts, header not JSON, ...)
  2  usage error or unreadable input
";

const SPECS: &[Spec] = &[opt("now"), flag("json")];

/// A token split and decoded, trusting nothing.
pub struct Decoded {
    /// The header, a JSON object.
    pub header: Value,
    /// The decoded payload bytes.
    pub payload: Vec<u8>,
    /// The payload as JSON, if it is JSON.
    pub claims: Option<Value>,
    /// The decoded signature length.
    pub signature_len: usize,
}

impl Decoded {
    /// `alg ES256, kid "abc"` from the header.
    pub fn summary(&self) -> String {
        let alg = match self.header.get("alg") {
            Some(Value::String(a)) => a.clone(),
            Some(other) => other.to_string(),
            None => "missing".into(),
        };
        match self.header.get("kid") {
            Some(kid) => format!("alg {alg}, kid {kid}"),
            None => format!("alg {alg}, no kid"),
        }
    }
}

fn segment(part: &str, name: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| format!("the {name} is not valid unpadded base64url"))
}

/// Splits and decodes a compact JWS without verifying anything.
pub fn decode_unverified(token: &str) -> Result<Decoded, String> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err("this is a JWE (encrypted token, 5 parts); only signed tokens (JWS, 3 parts) can be read".into()),
        n => return Err(format!("a JWT has 3 dot-separated parts; this has {n}")),
    }
    let header_bytes = segment(parts[0], "header")?;
    let header: Value = serde_json::from_slice(&header_bytes)
        .map_err(|e| format!("the header is not JSON: {e}"))?;
    if !header.is_object() {
        return Err("the header is not a JSON object".into());
    }
    let payload = segment(parts[1], "payload")?;
    let claims = serde_json::from_slice(&payload).ok();
    let signature_len = segment(parts[2], "signature")?.len();
    Ok(Decoded {
        header,
        payload,
        claims,
        signature_len,
    })
}

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 1)?;
    let now = p.number::<i64>("now")?.unwrap_or_else(unix_now);
    let token = read_token(p.positional())?;
    let d = decode_unverified(&token)
        .map_err(|m| CliError::rejected(format!("cannot decode the token: {m}")))?;
    let times: Vec<String> = ["iat", "nbf", "exp"]
        .iter()
        .filter_map(|name| {
            let v = d.claims.as_ref()?.get(*name)?;
            Some(time_claim(name, v, now))
        })
        .collect();
    if p.flag("json") {
        let payload_text = match &d.claims {
            Some(_) => Value::Null,
            None => String::from_utf8(d.payload.clone())
                .map(Value::String)
                .unwrap_or(Value::Null),
        };
        let out = json!({
            "verified": false,
            "header": d.header,
            "claims": d.claims,
            "payload_text": payload_text,
            "payload_len": d.payload.len(),
            "signature_len": d.signature_len,
            "times": times,
        });
        emit(&format!("{out}\n"));
        return Ok(EXIT_OK);
    }
    let mut s = String::from(
        "UNVERIFIED  decoded without checking the signature: do not trust these contents\n",
    );
    s.push_str("header:\n");
    s.push_str(&indented_json(&d.header, 2));
    match (&d.claims, std::str::from_utf8(&d.payload)) {
        (Some(claims), _) => {
            s.push_str("claims:\n");
            s.push_str(&indented_json(claims, 2));
        }
        (None, Ok(text)) => {
            s.push_str(&format!("payload (not JSON, {} bytes):\n", d.payload.len()));
            s.push_str(&format!("  {}\n", Value::String(text.to_owned())));
        }
        (None, Err(_)) => s.push_str(&format!(
            "payload: {} bytes of binary data\n",
            d.payload.len()
        )),
    }
    if !times.is_empty() {
        s.push_str("times:\n");
        for t in &times {
            s.push_str(&format!("  {t}\n"));
        }
    }
    s.push_str(&format!("signature: {} bytes\n", d.signature_len));
    emit(&s);
    Ok(EXIT_OK)
}
