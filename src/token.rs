//! Compact JWS parsing: split, strict base64url, header (`alg`, `kid`, `typ`, `crit`).
//!
//! Nothing here trusts the token: every size is bounded before work proportional to it is
//! done, and every ambiguity (padding, duplicate members, unknown `crit`) is an error.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::alg::Algorithm;
use crate::error::{err, Error, ErrorKind};
use crate::json::{raw_str, Members, ObjectError};

/// Size and nesting limits applied to every token before any cryptography.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum length of the compact token, in bytes (default 16 KiB).
    pub max_token_len: usize,
    /// Maximum decoded header length, in bytes (default 4 KiB).
    pub max_header_len: usize,
    /// Maximum nesting of arrays/objects in the header and payload (default 16).
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_len: 16 * 1024,
            max_header_len: 4 * 1024,
            max_json_depth: 16,
        }
    }
}

/// The largest signature we can meet: RSA-8192.
const MAX_SIGNATURE_LEN: usize = 1024;

/// A compact JWS split and decoded, not yet verified.
#[derive(Debug)]
pub(crate) struct ParsedToken<'t> {
    /// The ASCII signing input `BASE64URL(header) '.' BASE64URL(payload)` as received.
    pub signing_input: &'t [u8],
    /// The decoded header JSON, followed by one NUL byte (for C callers).
    pub header: Vec<u8>,
    /// The decoded payload, followed by one NUL byte (for C callers).
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
    /// The header's `alg`, already known to be a supported algorithm.
    pub alg: Algorithm,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
    /// The header's `typ`, if any.
    pub typ: Option<String>,
}

/// Splits and decodes a compact JWS. Checks structure and the header; not the signature.
pub(crate) fn parse<'t>(token: &'t [u8], limits: &Limits) -> Result<ParsedToken<'t>, Error> {
    if token.len() > limits.max_token_len {
        return Err(err(
            ErrorKind::TooLarge,
            format!(
                "token is {} bytes; the limit is {}",
                token.len(),
                limits.max_token_len
            ),
        ));
    }
    if token.is_empty() {
        return Err(err(ErrorKind::Malformed, "token is empty"));
    }
    let (first, second) = dot_positions(token)?;
    let header_b64 = &token[..first];
    let payload_b64 = &token[first + 1..second];
    let sig_b64 = &token[second + 1..];
    if header_b64.is_empty() {
        return Err(err(ErrorKind::Malformed, "header segment is empty"));
    }
    // base64url without padding: every 4 characters carry 3 bytes.
    if header_b64.len() / 4 * 3 > limits.max_header_len {
        return Err(err(
            ErrorKind::TooLarge,
            format!(
                "header exceeds the limit of {} bytes",
                limits.max_header_len
            ),
        ));
    }
    if sig_b64.len() > (MAX_SIGNATURE_LEN * 4).div_ceil(3) {
        return Err(err(
            ErrorKind::Malformed,
            "signature is longer than any supported algorithm's",
        ));
    }
    let header = decode_with_nul(header_b64, "header")?;
    let payload = decode_with_nul(payload_b64, "payload").map_err(|e| {
        if payload_b64.contains(&b'.') {
            too_many_segments()
        } else {
            e
        }
    })?;
    let mut signature = Vec::with_capacity(sig_b64.len() * 3 / 4 + 1);
    URL_SAFE_NO_PAD
        .decode_vec(sig_b64, &mut signature)
        .map_err(|_| err(ErrorKind::Malformed, "signature is not strict base64url"))?;
    // The header is read before the empty signature is refused, so that the classic unsigned
    // token (`alg: none`, empty signature) is reported as the forbidden algorithm it is.
    let fields = parse_header(&header[..header.len() - 1], limits.max_json_depth)?;
    if signature.is_empty() {
        return Err(err(
            ErrorKind::Malformed,
            "signature segment is empty (unsigned tokens are never accepted)",
        ));
    }
    Ok(ParsedToken {
        signing_input: &token[..second],
        header,
        payload,
        signature,
        alg: fields.alg,
        kid: fields.kid,
        typ: fields.typ,
    })
}

/// Positions of the first and last dots. Only the header and signature are scanned here: a dot
/// inside the payload is caught by the strict base64url decoding that follows (and then
/// reported as an extra segment).
fn dot_positions(token: &[u8]) -> Result<(usize, usize), Error> {
    let three = || {
        err(
            ErrorKind::Malformed,
            "token must have three dot-separated segments",
        )
    };
    let first = token.iter().position(|&b| b == b'.').ok_or_else(three)?;
    let last = token.iter().rposition(|&b| b == b'.').ok_or_else(three)?;
    if first == last {
        return Err(three());
    }
    Ok((first, last))
}

fn too_many_segments() -> Error {
    err(
        ErrorKind::Malformed,
        "token has more than three segments (JWE and JSON serialisation are not accepted)",
    )
}

fn decode_with_nul(b64: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(b64.len() * 3 / 4 + 2);
    URL_SAFE_NO_PAD.decode_vec(b64, &mut out).map_err(|_| {
        err(
            ErrorKind::Malformed,
            format!("{what} is not strict base64url"),
        )
    })?;
    out.push(0);
    Ok(out)
}

struct HeaderFields {
    alg: Algorithm,
    kid: Option<String>,
    typ: Option<String>,
}

fn object_error(what: &str, e: ObjectError) -> Error {
    match e {
        ObjectError::TooDeep(max) => err(
            ErrorKind::TooLarge,
            format!("{what} JSON is nested deeper than {max} levels"),
        ),
        ObjectError::Invalid(m) => err(
            ErrorKind::Malformed,
            format!("{what} is not a JSON object: {m}"),
        ),
        ObjectError::Duplicate(name) => err(
            ErrorKind::Malformed,
            format!("{what} has a duplicate member {name:?}"),
        ),
    }
}

pub(crate) fn parse_object<'a>(
    bytes: &'a [u8],
    what: &str,
    max_depth: usize,
) -> Result<Members<'a>, Error> {
    Members::parse(bytes, max_depth).map_err(|e| object_error(what, e))
}

fn optional_string(m: &Members<'_>, name: &str) -> Result<Option<String>, Error> {
    match m.get(name) {
        None => Ok(None),
        Some(raw) => raw_str(raw).map(|s| Some(s.into_owned())).ok_or_else(|| {
            err(
                ErrorKind::Malformed,
                format!("header {name:?} is not a string"),
            )
        }),
    }
}

fn parse_header(bytes: &[u8], max_depth: usize) -> Result<HeaderFields, Error> {
    let m = parse_object(bytes, "header", max_depth)?;
    let alg_raw = m
        .get("alg")
        .ok_or_else(|| err(ErrorKind::Malformed, "header has no \"alg\""))?;
    let alg_name = raw_str(alg_raw)
        .ok_or_else(|| err(ErrorKind::Malformed, "header \"alg\" is not a string"))?;
    let alg = Algorithm::from_name(&alg_name).ok_or_else(|| {
        let shown: String = alg_name.chars().take(32).collect();
        if shown.eq_ignore_ascii_case("none") {
            err(
                ErrorKind::AlgorithmNotAllowed,
                format!("alg {shown:?} is never accepted"),
            )
        } else {
            err(
                ErrorKind::AlgorithmNotAllowed,
                format!("alg {shown:?} is not supported"),
            )
        }
    })?;
    if let Some(crit) = m.get("crit") {
        return Err(crit_error(crit.get()));
    }
    if let Some(b64) = m.get("b64") {
        if b64.get() != "true" {
            return Err(err(
                ErrorKind::CritUnsupported,
                "header \"b64\" (RFC 7797 unencoded payload) is not supported",
            ));
        }
    }
    Ok(HeaderFields {
        alg,
        kid: optional_string(&m, "kid")?,
        typ: optional_string(&m, "typ")?,
    })
}

/// We implement no extensions, so any `crit` is refused; the message says which case it is.
fn crit_error(raw: &str) -> Error {
    match serde_json::from_str::<Vec<String>>(raw) {
        Ok(names) if names.is_empty() => err(
            ErrorKind::CritUnsupported,
            "header \"crit\" is an empty array (RFC 7515 §4.1.11 forbids it)",
        ),
        Ok(names) => {
            let first: String = names[0].chars().take(32).collect();
            err(
                ErrorKind::CritUnsupported,
                format!("header \"crit\" requires unsupported extension {first:?}"),
            )
        }
        Err(_) => err(
            ErrorKind::CritUnsupported,
            "header \"crit\" is not an array of strings",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    fn kind(t: &str) -> ErrorKind {
        parse(t.as_bytes(), &Limits::default()).unwrap_err().kind()
    }

    #[test]
    fn parses_a_good_token() {
        let t = token(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
            r#"{"sub":"x"}"#,
        );
        let p = parse(t.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(p.alg, Algorithm::ES256);
        assert_eq!(p.kid.as_deref(), Some("k1"));
        assert_eq!(p.typ.as_deref(), Some("JWT"));
        assert_eq!(&p.payload[..p.payload.len() - 1], br#"{"sub":"x"}"#);
        assert_eq!(p.signature, b"sig");
        assert_eq!(p.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
    }

    #[test]
    fn rejects_bad_structure() {
        let good = token(r#"{"alg":"RS256"}"#, "{}");
        assert_eq!(kind(""), ErrorKind::Malformed);
        assert_eq!(kind("a.b"), ErrorKind::Malformed);
        assert_eq!(kind("a.b.c.d.e"), ErrorKind::Malformed);
        assert_eq!(kind(&format!("{good}.")), ErrorKind::Malformed);
        assert_eq!(kind(&format!("{good}=")), ErrorKind::Malformed);
        assert_eq!(kind(&format!(" {good}")), ErrorKind::Malformed);
        assert_eq!(kind(&good.replacen('.', "=.", 1)), ErrorKind::Malformed);
        let (head, _) = good.rsplit_once('.').unwrap();
        assert_eq!(kind(&format!("{head}.")), ErrorKind::Malformed);
        assert_eq!(
            kind(&format!(".{}", &good[good.find('.').unwrap() + 1..])),
            ErrorKind::Malformed
        );
        assert_eq!(kind(&".".repeat(10_000)), ErrorKind::Malformed);
        assert_eq!(kind(&"a".repeat(20_000)), ErrorKind::TooLarge);
        // '+' and '/' belong to standard base64, not base64url.
        let sig_std = format!("{head}.ab+/");
        assert_eq!(kind(&sig_std), ErrorKind::Malformed);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(
            kind(&token(r#"{"alg":"none"}"#, "{}")),
            ErrorKind::AlgorithmNotAllowed
        );
        assert_eq!(
            kind(&token(r#"{"alg":"NoNe"}"#, "{}")),
            ErrorKind::AlgorithmNotAllowed
        );
        // Unsigned: still reported as the forbidden algorithm, not as a missing signature.
        let unsigned = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64("{}"));
        assert_eq!(kind(&unsigned), ErrorKind::AlgorithmNotAllowed);
        let unsigned_rs = format!("{}.{}.", b64(r#"{"alg":"RS256"}"#), b64("{}"));
        assert_eq!(kind(&unsigned_rs), ErrorKind::Malformed);
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","alg":"none"}"#, "{}")),
            ErrorKind::Malformed
        );
        assert_eq!(kind(&token(r#"{"alg":256}"#, "{}")), ErrorKind::Malformed);
        assert_eq!(kind(&token(r#"{"kid":"a"}"#, "{}")), ErrorKind::Malformed);
        assert_eq!(kind(&token(r#"["alg"]"#, "{}")), ErrorKind::Malformed);
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","kid":5}"#, "{}")),
            ErrorKind::Malformed
        );
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "{}")),
            ErrorKind::CritUnsupported
        );
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","crit":[]}"#, "{}")),
            ErrorKind::CritUnsupported
        );
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","crit":"b64"}"#, "{}")),
            ErrorKind::CritUnsupported
        );
        assert_eq!(
            kind(&token(r#"{"alg":"RS256","b64":false}"#, "{}")),
            ErrorKind::CritUnsupported
        );
        let deep = format!(
            r#"{{"alg":"RS256","x":{}{}}}"#,
            "[".repeat(30),
            "]".repeat(30)
        );
        assert_eq!(kind(&token(&deep, "{}")), ErrorKind::TooLarge);
        let bad_utf8 = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(b"{\"alg\":\"RS256\",\"x\":\"\xff\"}"),
            b64("{}"),
            b64("s")
        );
        assert_eq!(kind(&bad_utf8), ErrorKind::Malformed);
    }
}
