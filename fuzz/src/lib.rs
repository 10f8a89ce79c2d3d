//! Shared pieces of the fuzz targets: fixed key sets and tokens taken from the public test
//! vectors, throwaway signing keys, and an independent `ring` check of a signature.
//!
//! The vectors are compiled in (`include_str!`) from `../tests/vectors`, so a fuzz binary
//! needs no files at run time and every run sees the same keys.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jwkskit::{Algorithm, KeySet, KeySetOptions, Policy, StaticSource, Verifier};
use ring::signature::{self, KeyPair};
use serde_json::{json, Value};

/// Wycheproof `json_web_signature_test.json`.
pub const WYCHEPROOF_JWS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/wycheproof/json_web_signature_test.json"
));

/// RFC 7515 / RFC 8037 examples, normalised to JSON.
pub const RFC_EXAMPLES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/rfc/rfc7515_rfc8037_rfc7638_examples.json"
));

/// A time at which the RFC 7515 example tokens (exp 1300819380) are still valid.
pub const FIXED_NOW: i64 = 1_300_000_000;

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("the vector files are valid JSON")
}

/// The public keys of the vector files, split into (asymmetric, HMAC) JWKS documents. Each
/// `kid` is kept once so that the vectors' valid tokens find exactly one key.
pub fn vector_key_sets() -> &'static (Value, Value) {
    static SETS: OnceLock<(Value, Value)> = OnceLock::new();
    SETS.get_or_init(|| {
        let mut asym = Vec::new();
        let mut oct = Vec::new();
        let mut kids = Vec::new();
        let mut add = |key: &Value| {
            if key.get("use").is_some_and(|u| u != "sig") || key.get("key_ops").is_some() {
                return;
            }
            if let Some(kid) = key.get("kid") {
                if kids.contains(kid) {
                    return;
                }
                kids.push(kid.clone());
            }
            let mut key = key.clone();
            // Private members are never needed to verify.
            if let Some(obj) = key.as_object_mut() {
                for private in ["d", "p", "q", "dp", "dq", "qi"] {
                    obj.remove(private);
                }
            }
            if key["kty"] == "oct" {
                oct.push(key);
            } else {
                asym.push(key);
            }
        };
        let wycheproof = parse(WYCHEPROOF_JWS);
        for group in wycheproof["testGroups"].as_array().into_iter().flatten() {
            if let Some(key) = group.get("public").or_else(|| group.get("private")) {
                add(key);
            }
        }
        let rfc = parse(RFC_EXAMPLES);
        for test in rfc["tests"].as_array().into_iter().flatten() {
            if let Some(key) = test.get("publicJwk") {
                add(key);
            }
        }
        (json!({ "keys": asym }), json!({ "keys": oct }))
    })
}

/// The vector key sets as JWKS documents (asymmetric, HMAC), serialised once: a target that
/// hands them to a parser per input should not pay for rendering them again each time.
pub fn vector_documents() -> &'static (Vec<u8>, Vec<u8>) {
    static DOCS: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    DOCS.get_or_init(|| {
        let (asym, oct) = vector_key_sets();
        (asym.to_string().into_bytes(), oct.to_string().into_bytes())
    })
}

/// Each key of the asymmetric vector set as a JWKS document of its own, rendered once.
pub fn vector_single_key_documents() -> &'static [Vec<u8>] {
    static DOCS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let (asym, _) = vector_key_sets();
        asym["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|key| json!({ "keys": [key] }).to_string().into_bytes())
            .collect()
    })
}

/// One item chosen by a hash of `data` (FNV-1a), so that any mutation of the input may pick
/// another one. Targets use it to do one expensive check per input instead of all of them.
pub fn pick<'a, T>(items: &'a [T], data: &[u8]) -> &'a T {
    &items[(fnv1a(data) % items.len() as u64) as usize]
}

/// FNV-1a of `data`: a cheap, fixed hash for choices that must not change between runs.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Verifiers over the vector key sets: (asymmetric with the default policy, HMAC-only with
/// HS256/HS384/HS512 allowed).
pub fn vector_verifiers() -> &'static (Verifier, Verifier) {
    static VERIFIERS: OnceLock<(Verifier, Verifier)> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        let (asym, oct) = vector_key_sets();
        let asym = Verifier::from_json(asym.to_string().as_bytes(), Policy::default())
            .expect("the vectors' asymmetric keys parse");
        let hmac_policy = Policy {
            algorithms: vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
            ..Policy::default()
        };
        let oct = Verifier::from_json(oct.to_string().as_bytes(), hmac_policy)
            .expect("the vectors' HMAC keys parse");
        (asym, oct)
    })
}

/// Valid tokens from the vectors, one or more per key family, used to probe a fuzzed key set.
pub fn vector_tokens() -> &'static [Vec<u8>] {
    static TOKENS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let mut out = Vec::new();
        let wycheproof = parse(WYCHEPROOF_JWS);
        for group in wycheproof["testGroups"].as_array().into_iter().flatten() {
            // The first valid test of each group: one token per key.
            if let Some(t) = group["tests"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["result"] == "valid")
            {
                if let Some(jws) = t["jws"].as_str() {
                    out.push(jws.as_bytes().to_vec());
                }
            }
        }
        let rfc = parse(RFC_EXAMPLES);
        for test in rfc["tests"].as_array().into_iter().flatten() {
            if test["expected"] == "valid" {
                if let Some(jws) = test["jws"].as_str() {
                    out.push(jws.as_bytes().to_vec());
                }
            }
        }
        out.dedup();
        out
    })
}

/// A verifier over an already-parsed set, for a policy (which must pass `Policy::check`).
pub fn verifier_for(set: KeySet, policy: Policy) -> Verifier {
    Verifier::new(StaticSource::new(set), policy).expect("the fuzz policies are valid")
}

/// Key set options with or without `oct` keys.
pub fn set_options(allow_oct: bool) -> KeySetOptions {
    KeySetOptions {
        allow_oct,
        ..KeySetOptions::default()
    }
}

// Throwaway keys generated for fuzzing only (PKCS#8, base64). They sign nothing real.
const RSA_2048_PKCS8: &str = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCmUkRfzjYFKAFlqYvOaP77u9SluH5urBRGXcZvsIpe8l9f+AtcXviJn57ZzMEaRWzDMh/q8yHV0Uc8coRvymTdlHoa1xVMxCkxzFn83d5N8aO97N4PbzzyvIekAcfrjEPJVk1XiazRcPz1aYbkr++TZWvDerHyIFVG17+X0Kj0D5eJUVwaCIn/pr0HJy1VPux7OV6kLKPTAlUp8TwNZzYDCt+gW7abUGbUjWwbQQrexboomtpXHl0E9nhglXnBwSedTS6rKNLgPLR11i5n20qEXre3kh3/zfoqqlkS5OvNPM0JfjErmuGI11b7hh+hSoj3AB3hNDaUgZsgGCMQwZyjAgMBAAECggEAAgD9VrPC7g6S71XUaJXWdjn6trRuV+8C0rlptqOURzVfjzLYQ2Vxh4onMJovvJ1LHiu9O4HXNB6wkqERyQPRpONkRTm2+Mg0QHSLcQLk6fnk7ljepAwqQJ883+3Iw6T0L1M23O/vtEyw/4clKB3M74p9R35zvmZDulxgsCrEN/Lv88CsunWAiELrTrtZxiTOpG7QlU7QcQsJN0a7xbR6DTPWuqn3J/AB1GnfDMcrI6xxlmoA/PUBNTFXMAGSJFXP2km6wXvkV3idxKMMuinHi8Ir481vRMgOMziMWZHR8JUnxYHBkJhR3F7FsDLOmZ6+VOfyn5rMgINIWs4RG3LEQQKBgQDgrb+H8RW+kpzWksSiBf6z4uRRt/NlmbGel76FmtT8dRq6gSlDawgbJ9Y7S9rUZzmOQ9cfvCt1B/gN1NGfIcdn2ectkpMk0yv2pr0fkKW4PPZtJ0sa24phrpiS7VP3uSxzhEtuFG10FtXI5ZcwDrh9mTZKy1JAkn5wUpHXJkoRWQKBgQC9geIT/KabY56o94sZ/5Chf3qW3mmyd/5HVDmBZL5lnzjKkVrXNTjwPUhafPpXQ4yKank5QZj6/PIaOQn3UOHTcXFWbMzaWcnKXwsg3OF/4jbdgZUf/dY2KHBTE76AqDL9nh8XZvjBxt/yiXPdRy0qFftB+3v+RYTUyuyEfIjCWwKBgQDemCT2qMpzOUv7ZgM7xpa2X6b2szmIQkHwLsSKF4DF8bseZdKcwZCRXuFnc9qErxQdt2aNQV8InnGKOnvHna6yW/cmdl4jkLewsTcT67nTk0pNkC1fmXw7FMCCaHDVL/czJzGYCNL7vZfmZlhoO11ayg05AsElyj1MSPHGZ1/gWQKBgCUoPF3S4hABvnA+6UVVuNQRnMXMIkleAbuWphfa2wIt8AK38WnVA68HNRKZArTth7b0HYS+efJsekPt/yhA8aZ1zdU2TAxcIpbNf+8XoBdlEYDpEYZOTRwdXbjMXEP5ttXHlS0PgaLtDagOj2tJs29XFAbh+nPmyZ63kxx/FomVAoGBAMkLdJ2U2uziRTOBKKeRJZfEOp7rvINWDfZEcerwsv5RyknZ+1g62uJdhgJAuKdVjD8/M924yeExYT5GGM4fZlWmNZhB9XwAXXDHDXmQdsOaVchsoKUipprBeJfv6+IrYDGQa6RIcH7CJ1ZaW6Dj3Z6TdT77/MT9e/JGdn4cdcyc";
const P256_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVmI74zrTl0NaVXgCuv4o0X0WRTIJfLda7vOcFpvzZhehRANCAATuAFZWtI/wtiMmZQxvR6AhhN/kwQG9FaOrEsh4smEM5fsD0OWditjvcEEMdMFeafwXpsF31A1tOm56Np9o/3Al";
const P384_PKCS8: &str = "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDQnKjibEphJGbZc2ztFlD3B3jd7Qnl+IrCQsjgsbBDTkQRdEIEPr4jL5qtle5wPlGhZANiAAQ6vGD5OaPs29kor9sgT284mm1tj82+c5GZQiGuwlOBP9HdcJxmtFGU9HnmF+j3M8o2PCw0VhxaHdUpTN166eUbbXe2rcF06DyMAwQ2rgXCrS+UQEQxoEiMiYfjP/2Rs1o=";
const ED25519_SEED: [u8; 32] = [7; 32];

/// A signing key of the fuzzing pool, with its public JWK members.
pub enum PoolKey {
    /// RSA-2048.
    Rsa(signature::RsaKeyPair),
    /// ECDSA P-256 or P-384 (fixed R||S signatures).
    Ecdsa(signature::EcdsaKeyPair, &'static str),
    /// Ed25519.
    Ed25519(signature::Ed25519KeyPair),
    /// An HMAC secret.
    Hmac(Vec<u8>),
}

impl PoolKey {
    /// The public JWK members (`kty` plus the key material) as JSON name/value pairs.
    /// Targets use [`pool_public_members`], which computes them once per key.
    pub fn public_members(&self) -> Vec<(&'static str, String)> {
        match self {
            PoolKey::Rsa(pair) => {
                let c = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                vec![("kty", "RSA".into()), ("n", b64(&c.n)), ("e", b64(&c.e))]
            }
            PoolKey::Ecdsa(pair, crv) => {
                let point = pair.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                vec![
                    ("kty", "EC".into()),
                    ("crv", (*crv).into()),
                    ("x", b64(&point[1..1 + size])),
                    ("y", b64(&point[1 + size..])),
                ]
            }
            PoolKey::Ed25519(pair) => vec![
                ("kty", "OKP".into()),
                ("crv", "Ed25519".into()),
                ("x", b64(pair.public_key().as_ref())),
            ],
            PoolKey::Hmac(secret) => vec![("kty", "oct".into()), ("k", b64(secret))],
        }
    }

    /// Signs `msg` with `alg` if this key can; `None` when the key and `alg` do not go together.
    pub fn sign(&self, alg: Algorithm, msg: &[u8]) -> Option<Vec<u8>> {
        let rng = ring::rand::SystemRandom::new();
        match self {
            PoolKey::Rsa(pair) => {
                let encoding: &'static dyn signature::RsaEncoding = match alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                    _ => return None,
                };
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(encoding, &rng, msg, &mut sig).ok()?;
                Some(sig)
            }
            PoolKey::Ecdsa(pair, crv) => {
                let fits = matches!(
                    (alg, *crv),
                    (Algorithm::ES256, "P-256") | (Algorithm::ES384, "P-384")
                );
                fits.then(|| pair.sign(&rng, msg).ok().map(|s| s.as_ref().to_vec()))?
            }
            PoolKey::Ed25519(pair) => {
                (alg == Algorithm::EdDSA).then(|| pair.sign(msg).as_ref().to_vec())
            }
            PoolKey::Hmac(secret) => {
                let h = match alg {
                    Algorithm::HS256 => ring::hmac::HMAC_SHA256,
                    Algorithm::HS384 => ring::hmac::HMAC_SHA384,
                    Algorithm::HS512 => ring::hmac::HMAC_SHA512,
                    _ => return None,
                };
                let key = ring::hmac::Key::new(h, secret);
                Some(ring::hmac::sign(&key, msg).as_ref().to_vec())
            }
        }
    }
}

/// The signing pool: RSA-2048, P-256, P-384, Ed25519, and HMAC secrets of 32, 48 and 64 bytes
/// plus a 16-byte one that is too short for any HS* algorithm.
pub fn key_pool() -> &'static [PoolKey] {
    static POOL: OnceLock<Vec<PoolKey>> = OnceLock::new();
    POOL.get_or_init(|| {
        let rng = ring::rand::SystemRandom::new();
        let der = |text: &str| STANDARD.decode(text).expect("valid base64");
        vec![
            PoolKey::Rsa(
                signature::RsaKeyPair::from_pkcs8(&der(RSA_2048_PKCS8)).expect("RSA test key"),
            ),
            PoolKey::Ecdsa(
                signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der(P256_PKCS8),
                    &rng,
                )
                .expect("P-256 test key"),
                "P-256",
            ),
            PoolKey::Ecdsa(
                signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                    &der(P384_PKCS8),
                    &rng,
                )
                .expect("P-384 test key"),
                "P-384",
            ),
            PoolKey::Ed25519(
                signature::Ed25519KeyPair::from_seed_unchecked(&ED25519_SEED)
                    .expect("Ed25519 seed"),
            ),
            PoolKey::Hmac((0u8..32).collect()),
            PoolKey::Hmac((100u8..148).collect()),
            PoolKey::Hmac((1u8..=64).collect()),
            PoolKey::Hmac(vec![9; 16]),
        ]
    })
}

/// `key_pool()[index].public_members()`, computed once per key: extracting and encoding an
/// RSA modulus on every input was a twentieth of the structured target's time.
pub fn pool_public_members(index: usize) -> &'static [(&'static str, String)] {
    static MEMBERS: OnceLock<Vec<Vec<(&'static str, String)>>> = OnceLock::new();
    let members = MEMBERS.get_or_init(|| key_pool().iter().map(PoolKey::public_members).collect());
    &members[index % members.len()]
}

/// `key_pool()[index].sign(alg, msg)`, remembered for the last few thousand signing inputs.
///
/// RSA-2048 and P-384 signing take a millisecond or more in an instrumented build, which held
/// the structured target to a few hundred executions a second; libFuzzer's mutations mostly
/// leave the signed header and payload alone (they change the keys, policy or clock), so most
/// inputs find their signature here. A remembered signature is as valid as a fresh one (PSS and
/// ECDSA signatures are randomised anyway).
pub fn sign_memo(index: usize, alg: Algorithm, msg: &[u8]) -> Option<Vec<u8>> {
    type Memo = HashMap<(usize, Algorithm, Vec<u8>), Option<Vec<u8>>>;
    const CAPACITY: usize = 4096;
    thread_local! {
        static MEMO: RefCell<Memo> = RefCell::new(HashMap::new());
    }
    let pool = key_pool();
    let index = index % pool.len();
    let key = (index, alg, msg.to_vec());
    if let Some(sig) = MEMO.with(|m| m.borrow().get(&key).cloned()) {
        return sig;
    }
    // An RSA-2048 signature takes about a millisecond, as long as a few dozen inputs: with
    // every new message signed, RSA signing was a fifth of the structured target's time. One
    // new message in RSA_SIGNS_ONE_IN is signed, chosen by a hash of the message (so an input
    // always gets the same answer); the others get no signature, a token that fails early.
    // The accepting path after an RSA verification is the one every algorithm shares.
    const RSA_SIGNS_ONE_IN: u64 = 8;
    let rsa = matches!(pool[index], PoolKey::Rsa(_));
    let sig = if rsa && !fnv1a(msg).is_multiple_of(RSA_SIGNS_ONE_IN) {
        None
    } else {
        pool[index].sign(alg, msg)
    };
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= CAPACITY {
            m.clear();
        }
        m.insert(key, sig.clone());
    });
    sig
}

/// Checks a signature with `ring` directly from the JWK's members, without the library's key
/// parsing: the independent oracle of the structured target. `false` when the JWK does not
/// decode into a key for `alg`.
pub fn ring_verifies(jwk: &Value, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
    let member = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
    };
    let kty = jwk.get("kty").and_then(Value::as_str);
    let crv = jwk.get("crv").and_then(Value::as_str);
    match (alg, kty, crv) {
        (
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
            Some("RSA"),
            _,
        ) => {
            let (Some(n), Some(e)) = (member("n"), member("e")) else {
                return false;
            };
            let params: &signature::RsaParameters = match alg {
                Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                _ => &signature::RSA_PSS_2048_8192_SHA512,
            };
            // The library reads RSA integers with leading zero octets (some issuers emit
            // them, e.g. a sign byte on the modulus) as the same key; ring wants them minimal.
            let minimal =
                |v: &[u8]| v[v.iter().position(|&b| b != 0).unwrap_or(v.len())..].to_vec();
            signature::RsaPublicKeyComponents {
                n: minimal(&n),
                e: minimal(&e),
            }
            .verify(params, msg, sig)
            .is_ok()
        }
        (Algorithm::ES256, Some("EC"), Some("P-256"))
        | (Algorithm::ES384, Some("EC"), Some("P-384")) => {
            let (Some(x), Some(y)) = (member("x"), member("y")) else {
                return false;
            };
            let point = [&[4u8][..], &x, &y].concat();
            let verify_alg = if alg == Algorithm::ES256 {
                &signature::ECDSA_P256_SHA256_FIXED
            } else {
                &signature::ECDSA_P384_SHA384_FIXED
            };
            signature::UnparsedPublicKey::new(verify_alg, point)
                .verify(msg, sig)
                .is_ok()
        }
        (Algorithm::EdDSA, Some("OKP"), Some("Ed25519")) => {
            let Some(x) = member("x") else { return false };
            signature::UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(msg, sig)
                .is_ok()
        }
        (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512, Some("oct"), _) => {
            let Some(k) = member("k") else { return false };
            let h = match alg {
                Algorithm::HS256 => ring::hmac::HMAC_SHA256,
                Algorithm::HS384 => ring::hmac::HMAC_SHA384,
                _ => ring::hmac::HMAC_SHA512,
            };
            ring::hmac::verify(&ring::hmac::Key::new(h, &k), msg, sig).is_ok()
        }
        _ => false,
    }
}
