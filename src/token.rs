//! Compact JWS parsing: split, strict base64url, header (`alg`, `kid`, `typ`, `crit`).
//!
//! Nothing here trusts the token: every size is bounded before work proportional to it is
//! done, and every ambiguity (padding, duplicate members, unknown `crit`) is an error.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::alg::Algorithm;
use crate::catalogue::options as opt;
use crate::error::{err, Error, ErrorKind};
use crate::json::{Field, Fields, ObjectError};
use crate::nul_str::NulStr;

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
        // The defaults of the options catalogue.
        Limits {
            max_token_len: opt::MAX_TOKEN_SIZE.default_number() as usize,
            max_header_len: opt::MAX_HEADER_SIZE.default_number() as usize,
            max_json_depth: opt::MAX_JSON_DEPTH.default_number() as usize,
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
    /// The header's `kid`, if any (NUL-terminated too, for C callers).
    pub kid: Option<NulStr>,
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
    let mut signature = Vec::new();
    decode_b64url(sig_b64, &mut signature)
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
    let first = find_dot(token).ok_or_else(three)?;
    let last = rfind_dot(token).ok_or_else(three)?;
    if first == last {
        return Err(three());
    }
    Ok((first, last))
}

/// Whether any of the eight bytes of `word` is a dot (the exact "has zero byte" test on
/// `word ^ "........"`).
fn has_dot(word: [u8; 8]) -> bool {
    let x = u64::from_ne_bytes(word) ^ 0x2e2e_2e2e_2e2e_2e2e;
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 != 0
}

/// The first dot, skipping eight bytes at a time (tokens are a few hundred bytes of base64).
fn find_dot(s: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(chunk) = s.get(start..start + 8) {
        if has_dot(chunk.try_into().ok()?) {
            break;
        }
        start += 8;
    }
    s[start..]
        .iter()
        .position(|&b| b == b'.')
        .map(|i| start + i)
}

/// The last dot, skipping eight bytes at a time from the end.
fn rfind_dot(s: &[u8]) -> Option<usize> {
    let mut end = s.len();
    while end >= 8 {
        if has_dot(s[end - 8..end].try_into().ok()?) {
            break;
        }
        end -= 8;
    }
    s[..end].iter().rposition(|&b| b == b'.')
}

fn too_many_segments() -> Error {
    err(
        ErrorKind::Malformed,
        "token has more than three segments (JWE and JSON serialisation are not accepted)",
    )
}

fn decode_with_nul(b64: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(b64.len() / 4 * 3 + 3);
    decode_b64url(b64, &mut out).map_err(|_| {
        err(
            ErrorKind::Malformed,
            format!("{what} is not strict base64url"),
        )
    })?;
    out.push(0);
    Ok(out)
}

/// Strict base64url without padding (RFC 7515 §2): only the 64 alphabet characters (no `=`,
/// no whitespace, no `+` or `/`), no length of the form 4k+1, and the unused low bits of the
/// last character zero, so that every byte string has exactly one encoding and a token cannot
/// be altered without changing its signing input's meaning.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes strict base64url (see [`B64URL`]), appending to `out`. On error `out` may hold
/// partial output; callers discard it.
fn decode_b64url(input: &[u8], out: &mut Vec<u8>) -> Result<(), base64::DecodeError> {
    B64URL.decode_vec(input, out)
}

struct HeaderFields {
    alg: Algorithm,
    kid: Option<NulStr>,
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

/// Reads `bytes` as a token's JSON object (header or payload) with the one reader of
/// [`crate::json`], keeping only the top-level members `keep` names; `what` names the object
/// in errors.
pub(crate) fn read_fields<'a>(
    bytes: &'a [u8],
    what: &str,
    max_depth: usize,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Fields<'a>, Error> {
    crate::json::read_fields(bytes, max_depth, keep).map_err(|e| object_error(what, e))
}

fn optional_string(m: &Fields<'_>, name: &str) -> Result<Option<String>, Error> {
    match m.get(name) {
        None => Ok(None),
        Some(Field::Str(s)) => Ok(Some(s.clone().into_owned())),
        Some(_) => Err(err(
            ErrorKind::Malformed,
            format!("header {name:?} is not a string"),
        )),
    }
}

/// The header members the verifier acts on; the others are checked by the same reader but
/// not kept.
fn used_header_member(name: &str) -> bool {
    matches!(name, "alg" | "kid" | "typ" | "crit" | "b64")
}

fn parse_header(bytes: &[u8], max_depth: usize) -> Result<HeaderFields, Error> {
    let m = read_fields(bytes, "header", max_depth, &used_header_member)?;
    let alg_name = match m.get("alg") {
        None => return Err(err(ErrorKind::Malformed, "header has no \"alg\"")),
        Some(Field::Str(s)) => s.as_ref(),
        Some(_) => return Err(err(ErrorKind::Malformed, "header \"alg\" is not a string")),
    };
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| {
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
        return Err(crit_error(crit));
    }
    if let Some(b64) = m.get("b64") {
        if *b64 != Field::Bool(true) {
            return Err(err(
                ErrorKind::CritUnsupported,
                "header \"b64\" (RFC 7797 unencoded payload) is not supported",
            ));
        }
    }
    let kid = match m.get("kid") {
        None => None,
        // A C string ends at its first NUL, so a kid holding one would read as another kid (or
        // as none) to every C caller: such a header is refused, as the header docs say.
        Some(Field::Str(kid)) if kid.contains('\0') => {
            return Err(err(
                ErrorKind::Malformed,
                "header \"kid\" contains a NUL character (U+0000)",
            ))
        }
        Some(Field::Str(kid)) => Some(NulStr::new(kid)),
        Some(_) => return Err(err(ErrorKind::Malformed, "header \"kid\" is not a string")),
    };
    Ok(HeaderFields {
        alg,
        kid,
        typ: optional_string(&m, "typ")?,
    })
}

/// We implement no extensions, so any `crit` is refused; the message says which case it is.
fn crit_error(crit: &Field<'_>) -> Error {
    match crit {
        Field::Strs(names) if names.is_empty() => err(
            ErrorKind::CritUnsupported,
            "header \"crit\" is an empty array (RFC 7515 §4.1.11 forbids it)",
        ),
        Field::Strs(names) => {
            let first: String = names[0].chars().take(32).collect();
            err(
                ErrorKind::CritUnsupported,
                format!("header \"crit\" requires unsupported extension {first:?}"),
            )
        }
        _ => err(
            ErrorKind::CritUnsupported,
            "header \"crit\" is not an array of strings",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn dots_are_found_like_a_byte_scan() {
        for len in 0..40 {
            for a in 0..len {
                for b in a..len {
                    let mut s = vec![b'A'; len];
                    s[a] = b'.';
                    s[b] = b'.';
                    assert_eq!(find_dot(&s), s.iter().position(|&c| c == b'.'));
                    assert_eq!(rfind_dot(&s), s.iter().rposition(|&c| c == b'.'));
                }
            }
            let s = vec![b'-'; len];
            assert_eq!((find_dot(&s), rfind_dot(&s)), (None, None));
            // Bytes next to '.' in value must not be taken for it.
            let s: Vec<u8> = (0..len).map(|i| [b'-', b'/', 0xae, 0x2f][i % 4]).collect();
            assert_eq!((find_dot(&s), rfind_dot(&s)), (None, None));
        }
    }

    fn strict(input: &[u8]) -> Option<Vec<u8>> {
        let mut out = vec![0xaa];
        decode_b64url(input, &mut out).ok()?;
        assert_eq!(out[0], 0xaa, "decoding appends");
        Some(out[1..].to_vec())
    }

    /// Exactly one encoding per byte string: no padding, no whitespace, no standard-alphabet
    /// characters, no 4k+1 length, no non-zero unused bits.
    #[test]
    fn b64url_is_strict() {
        assert_eq!(strict(b"").unwrap(), b"");
        assert_eq!(strict(b"QQ").unwrap(), b"A");
        assert_eq!(strict(b"QUI").unwrap(), b"AB");
        assert_eq!(strict(b"QUJD").unwrap(), b"ABC");
        assert_eq!(strict(b"-_8").unwrap(), [0xfb, 0xff]);
        for bad in [
            &b"QQ=="[..],
            b"QQ=",
            b"QUI=",
            b"QUJD====",
            b"Q",
            b"QUJDR",
            b"QR",
            b"QUJ",
            b"+/8",
            b"QU JD",
            b"QUJD\n",
            b" QUJD",
            b"QUJD.",
            b"QU\0D",
            b"QU\xffD",
        ] {
            assert!(strict(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
        // The trailing-bits rule on every 2- and 3-character tail: exactly the canonical ones
        // (4 of 64 last characters after one, 16 of 64 after two) are accepted, and each
        // round-trips.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let (mut two, mut three) = (0, 0);
        for &b in alphabet {
            if let Some(bytes) = strict(&[b'Q', b]) {
                assert_eq!(URL_SAFE_NO_PAD.encode(&bytes).as_bytes(), [b'Q', b]);
                two += 1;
            }
            if let Some(bytes) = strict(&[b'Q', b'U', b]) {
                assert_eq!(URL_SAFE_NO_PAD.encode(&bytes).as_bytes(), [b'Q', b'U', b]);
                three += 1;
            }
        }
        assert_eq!((two, three), (4, 16));
    }

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

    /// Whatever the claim getters could not read is refused in the header too, at any depth:
    /// the header has one reader.
    #[test]
    fn rejects_headers_a_getter_could_not_read() {
        for header in [
            r#"{"alg":"ES256","x":1e999}"#,
            r#"{"alg":"ES256","x":"\ud800"}"#,
            r#"{"alg":"ES256","x":{"role":"user","role":"admin"}}"#,
            r#"{"alg":"ES256","x":[{"a":1,"a":1}]}"#,
            // Beyond the 64-bit range, readers of JSON disagree (json.rs, "Numbers").
            r#"{"alg":"ES256","x":123456789012345678901234567890}"#,
        ] {
            assert_eq!(kind(&token(header, "{}")), ErrorKind::Malformed, "{header}");
        }
        let big = token(r#"{"alg":"ES256","x":18446744073709551615}"#, "{}");
        assert!(parse(big.as_bytes(), &Limits::default()).is_ok());
    }
}
