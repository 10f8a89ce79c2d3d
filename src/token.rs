//! Compact JWS parsing: split, strict base64url, header (`alg`, `kid`, `typ`, `crit`).
//!
//! Nothing here trusts the token: every size is bounded before work proportional to it is
//! done, and every ambiguity (padding, duplicate members, unknown `crit`) is an error.

use crate::alg::Algorithm;
use crate::error::{err, Error, ErrorKind};
use std::borrow::Cow;

use crate::json::{raw_str, Members, ObjectError};
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

/// Set in every [`B64URL`] entry of a byte outside the base64url alphabet.
const NOT_B64: u32 = 0x8000_0000;

/// For each byte and each position in a 4-character quantum, the character's 6-bit value
/// shifted into place in the quantum's 24 bits; [`NOT_B64`] for bytes outside the alphabet.
static B64URL: [[u32; 256]; 4] = {
    let mut table = [[NOT_B64; 256]; 4];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        let c = alphabet[i] as usize;
        let v = i as u32;
        table[0][c] = v << 18;
        table[1][c] = v << 12;
        table[2][c] = v << 6;
        table[3][c] = v;
        i += 1;
    }
    table
};

/// Strict base64url without padding (RFC 7515 §2), appended to `out`: only the 64 alphabet
/// characters (no `=`, no whitespace, no `+` or `/`), no length of the form 4k+1, and the unused
/// low bits of the last character zero, so that every byte string has exactly one encoding.
/// Accepts exactly what `base64`'s `URL_SAFE_NO_PAD` engine accepts (a test compares them), in
/// half the instructions: this runs on every byte of every token. On error `out` holds partial
/// output; callers discard it.
pub(crate) fn decode_b64url(input: &[u8], out: &mut Vec<u8>) -> Result<(), ()> {
    let [t0, t1, t2, t3] = &B64URL;
    let tail = input.len() % 4;
    if tail == 1 {
        return Err(());
    }
    let full = input.len() / 4;
    let start = out.len();
    let len = full * 3 + tail.saturating_sub(1);
    out.resize(start + len, 0);
    let dst = &mut out[start..];
    let quantum = |q: &[u8]| {
        t0[usize::from(q[0])]
            | t1[usize::from(q[1])]
            | t2[usize::from(q[2])]
            | t3[usize::from(q[3])]
    };
    // Invalid characters are collected in `bad` and checked once, after the loops. Two quanta
    // (8 characters, 6 bytes) per step: one store instead of two partial ones.
    let mut bad = 0u32;
    let pairs = full / 2;
    for (q, d) in input[..pairs * 8]
        .chunks_exact(8)
        .zip(dst[..pairs * 6].chunks_exact_mut(6))
    {
        let (a, b) = (quantum(&q[..4]), quantum(&q[4..]));
        bad |= a | b;
        let six = (u64::from(a) << 24 | u64::from(b)).to_be_bytes();
        d.copy_from_slice(&six[2..]);
    }
    if full % 2 == 1 {
        let n = quantum(&input[pairs * 8..full * 4]);
        bad |= n;
        dst[pairs * 6..full * 3].copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let q = &input[full * 4..];
    let last = &mut dst[full * 3..];
    match tail {
        2 => {
            let n = t0[usize::from(q[0])] | t1[usize::from(q[1])];
            bad |= n;
            if n & 0xffff != 0 {
                return Err(());
            }
            last[0] = (n >> 16) as u8;
        }
        3 => {
            let n = t0[usize::from(q[0])] | t1[usize::from(q[1])] | t2[usize::from(q[2])];
            bad |= n;
            if n & 0xff != 0 {
                return Err(());
            }
            last[0] = (n >> 16) as u8;
            last[1] = (n >> 8) as u8;
        }
        _ => {}
    }
    if bad & NOT_B64 != 0 {
        return Err(());
    }
    Ok(())
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

pub(crate) fn parse_object<'a>(
    bytes: &'a [u8],
    what: &str,
    max_depth: usize,
) -> Result<Members<'a>, Error> {
    Members::parse(bytes, max_depth).map_err(|e| object_error(what, e))
}

fn optional_string<'a>(m: &Members<'a>, name: &str) -> Result<Option<Cow<'a, str>>, Error> {
    match m.get(name) {
        None => Ok(None),
        Some(raw) => raw_str(raw).map(Some).ok_or_else(|| {
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
        return Err(crit_error(crit));
    }
    if let Some(b64) = m.get("b64") {
        if b64 != "true" {
            return Err(err(
                ErrorKind::CritUnsupported,
                "header \"b64\" (RFC 7797 unencoded payload) is not supported",
            ));
        }
    }
    Ok(HeaderFields {
        alg,
        kid: optional_string(&m, "kid")?.map(|s| NulStr::new(&s)),
        typ: optional_string(&m, "typ")?.map(Cow::into_owned),
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

    /// The strict decoder accepts and produces exactly what base64's URL_SAFE_NO_PAD does.
    #[test]
    fn b64url_matches_the_base64_crate() {
        let check = |input: &[u8]| {
            let mut ours = Vec::new();
            let ours = decode_b64url(input, &mut ours).map(|()| ours);
            let theirs = URL_SAFE_NO_PAD.decode(input);
            assert_eq!(
                ours.ok(),
                theirs.ok(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        };
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        // Every 2- and 3-character tail after a full quantum: the trailing-bits rule.
        for &a in alphabet {
            for &b in alphabet.iter().step_by(if cfg!(miri) { 7 } else { 1 }) {
                check(&[b'Q', b'U', b'J', b'D', a, b]);
                for &c in alphabet.iter().step_by(if cfg!(miri) { 21 } else { 3 }) {
                    check(&[a, b, c]);
                }
            }
        }
        // Random strings over the alphabet plus characters that must be refused.
        let extra = b"=+/ \n.\0\xff\x80";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Miri interprets every step: fewer random strings there, the same checks.
        let rounds = if cfg!(miri) { 300 } else { 20_000 };
        for _ in 0..rounds {
            let len = (next() % 23) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 16 == 0 {
                        extra[(r >> 8) as usize % extra.len()]
                    } else {
                        alphabet[(r >> 8) as usize % 64]
                    }
                })
                .collect();
            check(&input);
        }
        check(b"");
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
}
