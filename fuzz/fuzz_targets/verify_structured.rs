//! Structured input: a key set built from fuzz-chosen JWK members over real key material, a
//! token assembled from fuzz-chosen header members, payload and signature, and a fuzz-chosen
//! policy and clock, through `verify_at`.
//!
//! Invariant: whatever is accepted verifies with `ring` directly (the key found by its
//! thumbprint, decoded here, not by the library), under an algorithm the policy allows and the
//! key permits, and never `none`.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use arbitrary::Arbitrary;
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
    fn get(&self) -> String {
        match self {
            Text::Known(i) => TEXTS[usize::from(*i) % TEXTS.len()].to_string(),
            Text::Any(s) => s.clone(),
        }
    }
    fn json(&self) -> String {
        Value::String(self.get()).to_string()
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
    fn get(&self) -> String {
        let pick = |i: &u8| Algorithm::ALL[usize::from(*i) % Algorithm::ALL.len()];
        match self {
            AlgName::Alg(i) => pick(i).name().to_string(),
            AlgName::None => "none".into(),
            AlgName::Lowercase(i) => pick(i).name().to_lowercase(),
            AlgName::Encryption => "RSA-OAEP".into(),
            AlgName::Other(t) => t.get(),
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
    fn render(&self) -> String {
        match self {
            Json::Str(t) => t.json(),
            Json::Int(i) => i.to_string(),
            Json::Float(f) => serde_json::Number::from_f64(*f)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "1e999".into()),
            Json::Bool(b) => b.to_string(),
            Json::Null => "null".into(),
            Json::Array(items) => {
                let items: Vec<String> = items.iter().map(Text::json).collect();
                format!("[{}]", items.join(","))
            }
            Json::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", k.json(), v.json()))
                    .collect();
                format!("{{{}}}", members.join(","))
            }
            Json::Raw(s) => s.clone(),
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
    static VERIFIERS: RefCell<HashMap<String, Made>> = RefCell::new(HashMap::new());
}

fn build_jwk(spec: &KeySpec) -> String {
    let mut members: Vec<(String, String)> = Vec::new();
    let mut mangled = false;
    for (name, value) in pool_public_members(usize::from(spec.pool)) {
        let (name, value) = (*name, value.clone());
        let rendered = match (name, &spec.kty, &spec.crv) {
            ("kty", Override::Drop, _) | ("crv", _, Override::Drop) => continue,
            ("kty", Override::Set(j), _) | ("crv", _, Override::Set(j)) => j.render(),
            ("kty" | "crv" | "e" | "y", _, _) => Value::String(value).to_string(),
            _ if mangled => Value::String(value).to_string(),
            _ => {
                mangled = true;
                Value::String(mangle(&value, &spec.mangle)).to_string()
            }
        };
        members.push((name.to_string(), rendered));
    }
    if let Some(kid) = &spec.kid {
        members.push(("kid".into(), kid.render()));
    }
    if let Some(alg) = &spec.alg {
        members.push(("alg".into(), Value::String(alg.get()).to_string()));
    }
    if let Some(u) = &spec.use_ {
        members.push(("use".into(), u.render()));
    }
    if let Some(ops) = &spec.key_ops {
        members.push(("key_ops".into(), ops.render()));
    }
    for (name, value) in &spec.extra {
        members.push((name.get(), value.render()));
    }
    object(&members)
}

fn mangle(b64_value: &str, how: &Mangle) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let mut bytes = URL_SAFE_NO_PAD.decode(b64_value).unwrap_or_default();
    match how {
        Mangle::None => return b64_value.to_string(),
        Mangle::Flip(at, xor) => {
            if !bytes.is_empty() {
                let i = usize::from(*at) % bytes.len();
                bytes[i] ^= xor;
            }
        }
        Mangle::LeadingZero => bytes.insert(0, 0),
        Mangle::Padding => return format!("{b64_value}="),
        Mangle::Truncate(n) => bytes.truncate(usize::from(*n) % (bytes.len() + 1)),
    }
    b64(&bytes)
}

fn object(members: &[(String, String)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn build_header(spec: &HeaderSpec) -> Vec<u8> {
    if let Some(raw) = &spec.raw {
        return raw.clone();
    }
    let mut members = Vec::new();
    if let Some(alg) = &spec.alg {
        members.push(("alg".into(), Value::String(alg.get()).to_string()));
    }
    if let Some(alg) = &spec.alg_json {
        members.push(("alg".into(), alg.render()));
    }
    for (name, value) in [("kid", &spec.kid), ("typ", &spec.typ), ("crit", &spec.crit)] {
        if let Some(v) = value {
            members.push((name.to_string(), v.render()));
        }
    }
    for (name, value) in &spec.extra {
        members.push((name.get(), value.render()));
    }
    object(&members).into_bytes()
}

fn build_payload(spec: &PayloadSpec) -> Vec<u8> {
    if let Some(raw) = &spec.raw {
        return raw.clone();
    }
    let mut members = Vec::new();
    for (name, offset) in [("exp", spec.exp), ("nbf", spec.nbf), ("iat", spec.iat)] {
        if let Some(offset) = offset {
            members.push((
                name.to_string(),
                (BASE_TIME + i64::from(offset)).to_string(),
            ));
        }
    }
    for (name, value) in [("iss", &spec.iss), ("aud", &spec.aud)] {
        if let Some(v) = value {
            members.push((name.to_string(), v.render()));
        }
    }
    for (name, value) in &spec.extra {
        members.push((name.get(), value.render()));
    }
    object(&members).into_bytes()
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
        issuers: spec.issuers.iter().map(Text::get).collect(),
        audiences: spec.audiences.iter().map(Text::get).collect(),
        leeway: u64::from(spec.leeway % 600),
        require_exp: spec.require_exp,
        expected_typ: spec.typ.as_ref().map(Text::get),
        max_age: spec.max_age.map(u64::from),
        ..Policy::default()
    }
}

fuzz_target!(|input: Input| {
    if input.keys.len() > 6 {
        return;
    }
    let jwks = format!(
        "{{\"keys\":[{}]}}",
        input
            .keys
            .iter()
            .map(build_jwk)
            .collect::<Vec<_>>()
            .join(",")
    );
    let policy = build_policy(&input.policy);
    // Parsing RSA keys is most of an input's cost in an instrumented build, and most mutations
    // leave the keys and the policy alone: verifiers are remembered per (key set, policy).
    let memo_key = format!("{jwks}\u{0}{:?}", input.policy);
    let known = VERIFIERS.with(|m| m.borrow().get(&memo_key).cloned());
    let verifier = match known {
        Some(v) => v,
        None => {
            let made = Verifier::from_jwks_json(jwks.as_bytes(), policy.clone()).map(Rc::new);
            if let Err(e) = &made {
                assert_eq!(e.kind(), ErrorKind::KeySetInvalid, "{e}");
            }
            VERIFIERS.with(|m| {
                let mut m = m.borrow_mut();
                if m.len() >= 512 {
                    m.clear();
                }
                m.insert(memo_key, made.clone());
            });
            made
        }
    };
    let Ok(verifier) = verifier else {
        return;
    };

    let header = build_header(&input.header);
    let payload = build_payload(&input.payload);
    let signing_input = format!("{}.{}", b64(&header), b64(&payload));
    let sig = match &input.sig {
        SigSpec::Sign(key, alg) | SigSpec::SignFlipped(key, alg, _) => {
            let alg = Algorithm::ALL[usize::from(*alg) % Algorithm::ALL.len()];
            let mut sig =
                sign_memo(usize::from(*key), alg, signing_input.as_bytes()).unwrap_or_default();
            if let (SigSpec::SignFlipped(_, _, bit), false) = (&input.sig, sig.is_empty()) {
                let bit = usize::from(*bit) % (sig.len() * 8);
                sig[bit / 8] ^= 1 << (bit % 8);
            }
            sig
        }
        SigSpec::Raw(bytes) => bytes.clone(),
    };
    let mut token = format!("{signing_input}.{}", b64(&sig));
    match input.framing {
        Framing::Plain => {}
        Framing::ExtraDot => token.push('.'),
        Framing::TrailingNewline => token.push('\n'),
        Framing::PaddedSignature => token.push('='),
    }
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
    let doc: Value = serde_json::from_str(&jwks).expect("accepted set is JSON");
    let header_kid = header_json.get("kid").and_then(Value::as_str);
    if let (Some(kid), Some(key_kid)) = (header_kid, verified.key_kid()) {
        assert_eq!(kid, key_kid, "a token naming one kid verified with another");
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
        let kid_ok = jwk.get("kid").and_then(Value::as_str) == verified.key_kid();
        alg_ok && use_ok && ops_ok && kid_ok
    };
    let sig_ok = doc["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .filter(|jwk| thumbprint(jwk).ok().as_deref() == Some(verified.key_thumbprint()))
        .any(|jwk| permits(jwk) && ring_verifies(jwk, alg, signing_input.as_bytes(), &sig));
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
