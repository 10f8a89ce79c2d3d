//! Structured input: a key set built from fuzz-chosen JWK members over real key material, a
//! token assembled from fuzz-chosen header members, payload and signature, and a fuzz-chosen
//! policy and clock, through `verify_at`.
//!
//! Invariant: whatever is accepted verifies with `ring` directly (the key found by its
//! thumbprint, decoded here, not by the library), under an algorithm the policy allows and the
//! key permits, and never `none`.
#![no_main]

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

use arbitrary::Arbitrary;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwks_fuzz::{b64, pool_public_members, ring_verifies, sign_memo};
use jwkskit::{thumbprint, Algorithm, ErrorKind, Policy, Verifier};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const TEXTS: [&str; 16] = [
    "a",
    "b",
    "",
    "sig",
    "enc",
    "verify",
    "sign",
    "encrypt",
    "JWT",
    "at+jwt",
    "b64",
    "exp",
    "https://issuer.example",
    "api",
    "RSA",
    "EC",
];

/// A string, usually from a small vocabulary so that values collide and match.
#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Any(String),
}

impl Text {
    fn get(&self) -> &str {
        match self {
            Text::Known(i) => TEXTS[usize::from(*i) % TEXTS.len()],
            Text::Any(s) => s,
        }
    }
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self.get());
    }
}

/// Appends `s` as a JSON string. The documents are rendered into one buffer per input
/// (serde_json's own escaping, no intermediate strings): rendering them piece by piece was
/// a visible share of this target's time, mostly in the allocator.
fn write_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(out, s).expect("writing to a Vec cannot fail");
}

/// A JSON object being appended to a buffer, one member at a time.
struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        ObjectWriter { out, empty: true }
    }
    /// Writes the member's name; its value is appended to the buffer returned.
    fn member(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        write_str(self.out, name);
        self.out.push(b':');
        self.out
    }
    fn close(self) {
        self.out.push(b'}');
    }
}

#[derive(Arbitrary, Debug)]
enum AlgName {
    Alg(u8),
    None,
    Lowercase(u8),
    Encryption,
    Other(Text),
}

impl AlgName {
    fn get(&self) -> Cow<'_, str> {
        let pick = |i: &u8| Algorithm::ALL[usize::from(*i) % Algorithm::ALL.len()];
        match self {
            AlgName::Alg(i) => pick(i).name().into(),
            AlgName::None => "none".into(),
            AlgName::Lowercase(i) => pick(i).name().to_lowercase().into(),
            AlgName::Encryption => "RSA-OAEP".into(),
            AlgName::Other(t) => t.get().into(),
        }
    }
}

/// Any JSON value, or raw text that may not be JSON at all.
#[derive(Arbitrary, Debug)]
enum Json {
    Str(Text),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Array(Vec<Text>),
    Object(Vec<(Text, Text)>),
    Raw(String),
}

impl Json {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Str(t) => t.write_json(out),
            Json::Int(i) => write!(out, "{i}").expect("writing to a Vec cannot fail"),
            Json::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => write!(out, "{n}").expect("writing to a Vec cannot fail"),
                None => out.extend_from_slice(b"1e999"),
            },
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Null => out.extend_from_slice(b"null"),
            Json::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json(out);
                }
                out.push(b']');
            }
            Json::Object(members) => {
                let mut object = ObjectWriter::open(out);
                for (k, v) in members {
                    v.write_json(object.member(k.get()));
                }
                object.close();
            }
            Json::Raw(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

/// Replace a member (`Set`), leave it out (`Drop`), or keep what the key material gives.
#[derive(Arbitrary, Debug)]
enum Override {
    Keep,
    Drop,
    Set(Json),
}

#[derive(Arbitrary, Debug)]
enum Mangle {
    None,
    /// XOR one byte of the first material member (n, x or k).
    Flip(u16, u8),
    /// A leading zero byte on the first material member.
    LeadingZero,
    /// base64 padding on the first material member.
    Padding,
    /// Cut the first material member short.
    Truncate(u16),
}

#[derive(Arbitrary, Debug)]
struct KeySpec {
    pool: u8,
    kty: Override,
    crv: Override,
    kid: Option<Json>,
    alg: Option<AlgName>,
    use_: Option<Json>,
    key_ops: Option<Json>,
    mangle: Mangle,
    extra: Vec<(Text, Json)>,
}

#[derive(Arbitrary, Debug)]
struct HeaderSpec {
    alg: Option<AlgName>,
    alg_json: Option<Json>,
    kid: Option<Json>,
    typ: Option<Json>,
    crit: Option<Json>,
    extra: Vec<(Text, Json)>,
    raw: Option<Vec<u8>>,
}

#[derive(Arbitrary, Debug)]
struct PayloadSpec {
    exp: Option<i32>,
    nbf: Option<i32>,
    iat: Option<i32>,
    iss: Option<Json>,
    aud: Option<Json>,
    extra: Vec<(Text, Json)>,
    raw: Option<Vec<u8>>,
}

#[derive(Arbitrary, Debug)]
enum SigSpec {
    /// Sign with a key of the pool under an algorithm.
    Sign(u8, u8),
    /// Sign, then flip one bit.
    SignFlipped(u8, u8, u16),
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct PolicySpec {
    algorithms: Vec<u8>,
    issuers: Vec<Text>,
    audiences: Vec<Text>,
    leeway: u16,
    require_exp: bool,
    typ: Option<Text>,
    max_age: Option<u32>,
}

#[derive(Arbitrary, Debug)]
enum Framing {
    Plain,
    ExtraDot,
    TrailingNewline,
    PaddedSignature,
}

#[derive(Arbitrary, Debug)]
struct Input {
    keys: Vec<KeySpec>,
    header: HeaderSpec,
    payload: PayloadSpec,
    sig: SigSpec,
    policy: PolicySpec,
    now: i32,
    framing: Framing,
}

const BASE_TIME: i64 = 1_700_000_000;

type Made = Result<Rc<Verifier>, jwkskit::Error>;

thread_local! {
    /// Verifiers (or the parse error) by key set document and policy.
    static VERIFIERS: RefCell<HashMap<Vec<u8>, Made>> = RefCell::new(HashMap::new());
}

/// Appends the key's JWK: the pool key's public members, changed as the spec says.
fn write_jwk(spec: &KeySpec, out: &mut Vec<u8>) {
    let mut object = ObjectWriter::open(out);
    let mut mangled = false;
    for (name, value) in pool_public_members(usize::from(spec.pool)) {
        match (*name, &spec.kty, &spec.crv) {
            ("kty", Override::Drop, _) | ("crv", _, Override::Drop) => {}
            ("kty", Override::Set(j), _) | ("crv", _, Override::Set(j)) => {
                j.write(object.member(name))
            }
            ("kty" | "crv" | "e" | "y", _, _) => write_str(object.member(name), value),
            _ if mangled => write_str(object.member(name), value),
            _ => {
                mangled = true;
                write_str(object.member(name), &mangle(value, &spec.mangle));
            }
        }
    }
    if let Some(kid) = &spec.kid {
        kid.write(object.member("kid"));
    }
    if let Some(alg) = &spec.alg {
        write_str(object.member("alg"), &alg.get());
    }
    if let Some(u) = &spec.use_ {
        u.write(object.member("use"));
    }
    if let Some(ops) = &spec.key_ops {
        ops.write(object.member("key_ops"));
    }
    for (name, value) in &spec.extra {
        value.write(object.member(name.get()));
    }
    object.close();
}

fn mangle<'a>(b64_value: &'a str, how: &Mangle) -> Cow<'a, str> {
    let mut bytes = match how {
        Mangle::None => return b64_value.into(),
        Mangle::Padding => return format!("{b64_value}=").into(),
        _ => URL_SAFE_NO_PAD.decode(b64_value).unwrap_or_default(),
    };
    match how {
        Mangle::Flip(at, xor) => {
            if !bytes.is_empty() {
                let i = usize::from(*at) % bytes.len();
                bytes[i] ^= xor;
            }
        }
        Mangle::LeadingZero => bytes.insert(0, 0),
        Mangle::Truncate(n) => bytes.truncate(usize::from(*n) % (bytes.len() + 1)),
        Mangle::None | Mangle::Padding => unreachable!("returned above"),
    }
    b64(&bytes).into()
}

fn build_header(spec: &HeaderSpec) -> Vec<u8> {
    if let Some(raw) = &spec.raw {
        return raw.clone();
    }
    let mut out = Vec::with_capacity(256);
    let mut object = ObjectWriter::open(&mut out);
    if let Some(alg) = &spec.alg {
        write_str(object.member("alg"), &alg.get());
    }
    if let Some(alg) = &spec.alg_json {
        alg.write(object.member("alg"));
    }
    for (name, value) in [("kid", &spec.kid), ("typ", &spec.typ), ("crit", &spec.crit)] {
        if let Some(v) = value {
            v.write(object.member(name));
        }
    }
    for (name, value) in &spec.extra {
        value.write(object.member(name.get()));
    }
    object.close();
    out
}

fn build_payload(spec: &PayloadSpec) -> Vec<u8> {
    if let Some(raw) = &spec.raw {
        return raw.clone();
    }
    let mut out = Vec::with_capacity(256);
    let mut object = ObjectWriter::open(&mut out);
    for (name, offset) in [("exp", spec.exp), ("nbf", spec.nbf), ("iat", spec.iat)] {
        if let Some(offset) = offset {
            write!(object.member(name), "{}", BASE_TIME + i64::from(offset))
                .expect("writing to a Vec cannot fail");
        }
    }
    for (name, value) in [("iss", &spec.iss), ("aud", &spec.aud)] {
        if let Some(v) = value {
            v.write(object.member(name));
        }
    }
    for (name, value) in &spec.extra {
        value.write(object.member(name.get()));
    }
    object.close();
    out
}

fn build_policy(spec: &PolicySpec) -> Policy {
    let mut algorithms: Vec<Algorithm> = spec
        .algorithms
        .iter()
        .map(|i| Algorithm::ALL[usize::from(*i) % Algorithm::ALL.len()])
        .collect();
    algorithms.dedup();
    Policy {
        algorithms,
        // Within the ranges Policy::check applies (an empty issuer or a maximum age of 0 is
        // refused when the verifier is made), so that made verifiers exercise verification.
        issuers: spec
            .issuers
            .iter()
            .map(|t| t.get().to_string())
            .filter(|i| !i.is_empty())
            .collect(),
        audiences: spec.audiences.iter().map(|t| t.get().to_string()).collect(),
        leeway: u64::from(spec.leeway % 600),
        require_exp: spec.require_exp,
        expected_typ: spec.typ.as_ref().map(|t| t.get().to_string()),
        max_age: spec.max_age.filter(|a| *a > 0).map(u64::from),
        ..Policy::default()
    }
}

fuzz_target!(|input: Input| {
    if input.keys.len() > 6 {
        return;
    }
    // The key set document, then the policy, in one buffer: together they are the memo key.
    let mut memo_key = Vec::with_capacity(4096);
    memo_key.extend_from_slice(b"{\"keys\":[");
    for (i, key) in input.keys.iter().enumerate() {
        if i > 0 {
            memo_key.push(b',');
        }
        write_jwk(key, &mut memo_key);
    }
    memo_key.extend_from_slice(b"]}");
    let jwks_len = memo_key.len();
    write!(memo_key, "\u{0}{:?}", input.policy).expect("writing to a Vec cannot fail");
    let jwks = &memo_key[..jwks_len];
    let policy = build_policy(&input.policy);
    // Parsing RSA keys is most of an input's cost in an instrumented build, and most mutations
    // leave the keys and the policy alone: verifiers are remembered per (key set, policy).
    let known = VERIFIERS.with(|m| m.borrow().get(memo_key.as_slice()).cloned());
    let verifier = match known {
        Some(v) => v,
        None => {
            let made = Verifier::from_json(jwks, policy.clone()).map(Rc::new);
            if let Err(e) = &made {
                assert_eq!(e.kind(), ErrorKind::KeySetInvalid, "{e}");
            }
            VERIFIERS.with(|m| {
                let mut m = m.borrow_mut();
                if m.len() >= 512 {
                    m.clear();
                }
                m.insert(memo_key.clone(), made.clone());
            });
            made
        }
    };
    let Ok(verifier) = verifier else {
        return;
    };

    let header = build_header(&input.header);
    let payload = build_payload(&input.payload);
    // The token in one buffer: header and payload encoded, then the signature of that prefix.
    let mut token = String::with_capacity(4 * (header.len() + payload.len()) / 3 + 1024);
    URL_SAFE_NO_PAD.encode_string(&header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signing_len = token.len();
    let sig = match &input.sig {
        SigSpec::Sign(key, alg) | SigSpec::SignFlipped(key, alg, _) => {
            let alg = Algorithm::ALL[usize::from(*alg) % Algorithm::ALL.len()];
            let mut sig = sign_memo(usize::from(*key), alg, token.as_bytes()).unwrap_or_default();
            if let (SigSpec::SignFlipped(_, _, bit), false) = (&input.sig, sig.is_empty()) {
                let bit = usize::from(*bit) % (sig.len() * 8);
                sig[bit / 8] ^= 1 << (bit % 8);
            }
            sig
        }
        SigSpec::Raw(bytes) => bytes.clone(),
    };
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&sig, &mut token);
    match input.framing {
        Framing::Plain => {}
        Framing::ExtraDot => token.push('.'),
        Framing::TrailingNewline => token.push('\n'),
        Framing::PaddedSignature => token.push('='),
    }
    let signing_input = &token.as_bytes()[..signing_len];
    let now = BASE_TIME + i64::from(input.now);

    let verified = match verifier.verify_at(token.as_bytes(), now) {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.message().is_empty());
            assert!(
                e.kind().code() < 100,
                "a static set reported a non-token failure: {e}"
            );
            return;
        }
    };

    // Only well-framed tokens are accepted, and the header and payload are handed back as signed.
    assert!(
        matches!(input.framing, Framing::Plain),
        "a badly framed token was accepted"
    );
    assert_eq!(verified.header(), header.as_slice());
    assert_eq!(verified.payload(), payload.as_slice());
    let alg = verified.alg();

    // The algorithm: from the allowlist (the asymmetric ones when it is empty), never none.
    if policy.algorithms.is_empty() {
        assert!(!alg.is_hmac(), "HMAC accepted without being allowed");
    } else {
        assert!(
            policy.algorithms.contains(&alg),
            "{alg} is not in the allowlist"
        );
    }
    let header_json: Value = oracle_json(&header).expect("accepted header is JSON");
    assert_eq!(header_json["alg"].as_str(), Some(alg.name()));
    assert_ne!(header_json["alg"].as_str(), Some("none"));

    // The signature: some key of the set with the reported thumbprint (and kid) permits `alg`
    // and verifies with ring directly.
    let doc: Value = serde_json::from_slice(jwks).expect("accepted set is JSON");
    let header_kid = header_json.get("kid").and_then(Value::as_str);
    if let (Some(kid), Some(key_id)) = (header_kid, verified.key_id()) {
        assert_eq!(kid, key_id, "a token naming one kid verified with another");
    }
    let permits = |jwk: &Value| {
        let alg_ok = jwk
            .get("alg")
            .is_none_or(|a| a.as_str() == Some(alg.name()));
        let use_ok = jwk.get("use").is_none_or(|u| u == "sig");
        let ops_ok = jwk.get("key_ops").is_none_or(|ops| {
            ops.as_array()
                .is_some_and(|ops| ops.iter().any(|o| o == "verify"))
        });
        let kid_ok = jwk.get("kid").and_then(Value::as_str) == verified.key_id();
        alg_ok && use_ok && ops_ok && kid_ok
    };
    let sig_ok = doc["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .filter(|jwk| thumbprint(jwk).ok().as_deref() == Some(verified.key_thumbprint()))
        .any(|jwk| permits(jwk) && ring_verifies(jwk, alg, signing_input, &sig));
    assert!(
        sig_ok,
        "accepted a token that ring does not verify with the reported key"
    );

    // The claims: exp when required, and the time window.
    let claims: Value = oracle_json(&payload).expect("accepted payload is JSON");
    let leeway = policy.leeway as f64;
    match claims.get("exp").and_then(Value::as_f64) {
        Some(exp) => assert!((now as f64) < exp + leeway, "expired token accepted"),
        None => assert!(!policy.require_exp, "token without exp accepted"),
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_f64) {
        assert!(nbf <= now as f64 + leeway, "token accepted before nbf");
    }
});

/// Parses what the library accepted, for the checks above, with serde_json's `Value`: the
/// token's JSON has one reader, so whatever it accepted (header and claims) parses whole here,
/// numbers beyond f64's range and lone surrogates included (they are refused).
fn oracle_json(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice(bytes)
}
