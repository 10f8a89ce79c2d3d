//! The verified-token cache: every verdict through a cache-on verifier (each token twice) is the
//! one a cache-off verifier gives; key rotation, file reloads and time rules on a hit; one-bit
//! changes; bounds under floods; eight threads hitting, missing and refreshing.

mod common;
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::TestKey;
use jwkskit::{
    Algorithm, Error, ErrorKind, KeySet, KeySetOptions, Policy, RemoteOptions, TokenCacheOptions,
    VerifiedToken, Verifier,
};
use serde_json::{json, Value};
use support::tokens::jwks as ed_jwks;
use support::{loopback_options as remote_opts, Reply, Server};

const NOW: i64 = 1_700_000_000;
const ISS: &str = "https://issuer.test";

/// What a caller can observe of a verification.
type Seen = Result<
    (
        Vec<u8>,
        Vec<u8>,
        Algorithm,
        Option<String>,
        Option<String>,
        String,
    ),
    (ErrorKind, String),
>;

fn seen(r: Result<VerifiedToken, Error>) -> Seen {
    match r {
        Ok(t) => Ok((
            t.header().to_vec(),
            t.payload().to_vec(),
            t.alg(),
            t.kid().map(str::to_owned),
            t.key_id().map(str::to_owned),
            t.key_thumbprint().to_owned(),
        )),
        Err(e) => Err((e.kind(), e.message().to_owned())),
    }
}

fn with_cache(policy: &Policy, max_entries: u32) -> Policy {
    Policy {
        token_cache: TokenCacheOptions {
            max_entries,
            ..TokenCacheOptions::default()
        },
        ..policy.clone()
    }
}

/// A cache-on and a cache-off verifier over the same keys.
fn pair(jwks: &[u8], policy: &Policy) -> (Verifier, Verifier) {
    let on = Verifier::from_json(jwks, with_cache(policy, 1024)).unwrap();
    let off = Verifier::from_json(jwks, with_cache(policy, 0)).unwrap();
    (on, off)
}

/// Verifies `token` at each `now` (in the order given) twice through `on` and once through
/// `off`; all three must agree. Returns how many of the cache-on answers were hits.
fn agree(on: &Verifier, off: &Verifier, token: &[u8], nows: &[i64], what: &str) -> u64 {
    let before = on.token_cache_stats().hits;
    for &now in nows {
        let reference = seen(off.verify_at(token, now));
        for round in 0..2 {
            let got = seen(on.verify_at(token, now));
            assert_eq!(got, reference, "{what} at {now}, round {round}");
        }
        // The signature-only path is not cached but must not be disturbed either.
        assert_eq!(
            seen(on.verify_signature(token)),
            seen(off.verify_signature(token)),
            "{what}: verify_signature"
        );
    }
    on.token_cache_stats().hits - before
}

#[test]
fn claims_verdicts_are_the_same_with_and_without_the_cache() {
    let keys = [
        (TestKey::rsa("rsa2048.pem", Some("rsa")), "RS256"),
        (TestKey::rsa("rsa2048.pem", Some("rsa")), "PS256"),
        (TestKey::p256(Some("ec")), "ES256"),
        (TestKey::p384(Some("ec384")), "ES384"),
        (TestKey::ed25519(Some("ed")), "EdDSA"),
        (
            TestKey::oct(b"0123456789abcdef0123456789abcdef", Some("hs")),
            "HS256",
        ),
    ];
    let jwks = common::jwks(&[
        keys[0].0.public_jwk(),
        keys[2].0.public_jwk(),
        keys[3].0.public_jwk(),
        keys[4].0.public_jwk(),
        keys[5].0.public_jwk(),
    ]);
    let base = Policy {
        algorithms: vec![
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
            Algorithm::HS256,
        ],
        ..Policy::default()
    };
    let policies = [
        base.clone(),
        Policy {
            issuers: vec![ISS.into()],
            audiences: vec!["api".into()],
            ..base.clone()
        },
        Policy {
            leeway: 30,
            max_age: Some(600),
            ..base.clone()
        },
        Policy {
            required_claims: vec!["sub".into()],
            require_exp: false,
            expected_typ: Some("JWT".into()),
            ..base.clone()
        },
    ];
    let claim_sets = [
        json!({"iss": ISS, "aud": "api", "sub": "a", "exp": NOW + 3600, "iat": NOW - 10}),
        json!({"iss": ISS, "exp": NOW + 100, "nbf": NOW + 50, "iat": NOW}),
        json!({"iss": ISS, "exp": NOW - 1}),
        json!({"iss": ISS, "exp": NOW + 3600, "iat": NOW + 40}),
        json!({"iss": ISS, "sub": "b"}),
        json!({"iss": "https://other.test", "aud": ["api", "x"], "exp": NOW + 10}),
        json!({"iss": ISS, "aud": "web", "exp": NOW + 10, "sub": "c"}),
        json!({"iss": ISS, "exp": "soon"}),
        json!({"iss": ISS, "exp": NOW - 5, "nbf": "later"}),
        json!({"iss": ISS, "exp": NOW as f64 + 1000.5, "iat": NOW - 700, "sub": "d"}),
        json!([1, 2, 3]),
    ];
    // Earlier and later than the first verification, and at each edge.
    let nows = [
        NOW,
        NOW - 100_000,
        NOW + 49,
        NOW + 50,
        NOW + 99,
        NOW + 100,
        NOW + 129,
        NOW + 130,
        NOW + 3599,
        NOW + 3600,
        NOW - 31,
        NOW,
    ];
    let mut hits = 0;
    let mut cases = 0;
    for policy in &policies {
        let (on, off) = pair(&jwks, policy);
        for (key, alg) in &keys {
            for claims in &claim_sets {
                let mut header = key.header(alg);
                header["typ"] = json!("JWT");
                let token =
                    key.token_with_header(alg, &header.to_string(), claims.to_string().as_bytes());
                hits += agree(
                    &on,
                    &off,
                    token.as_bytes(),
                    &nows,
                    &format!("{alg} {claims}"),
                );
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 4 * 6 * 11);
    // Most of the second verifications (and the later nows) are answered by the cache.
    assert!(hits > 500, "only {hits} hits: the cache was not exercised");
}

fn vectors(rel: &str) -> Value {
    let path = format!("{}/tests/vectors/{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn hmac_or_default(jwk: &Value) -> Policy {
    if jwk["kty"] == "oct" || jwk["keys"].get(0).is_some_and(|k| k["kty"] == "oct") {
        Policy {
            algorithms: vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512],
            ..Policy::default()
        }
    } else {
        Policy::default()
    }
}

#[test]
fn public_vectors_give_the_same_verdicts_with_and_without_the_cache() {
    // The RFC 7515 A.1 example is a JWT whose exp is 1300819380.
    let nows = [
        0,
        1_300_819_379,
        1_300_819_380,
        1_300_819_381,
        NOW,
        1_300_819_000,
    ];
    let mut hits = 0;
    let mut count = 0;
    let doc = vectors("rfc/rfc7515_rfc8037_rfc7638_examples.json");
    for t in doc["tests"].as_array().unwrap() {
        let Some(key) = t.get("publicJwk").filter(|k| !k.is_null()) else {
            continue;
        };
        let jwks = key.to_string();
        let policy = hmac_or_default(key);
        let on = Verifier::from_json(jwks.as_bytes(), with_cache(&policy, 64));
        let off = Verifier::from_json(jwks.as_bytes(), with_cache(&policy, 0));
        let (Ok(on), Ok(off)) = (on, off) else {
            continue; // a key the library does not support (ES512): no verifier either way
        };
        let jws = t["jws"].as_str().unwrap();
        hits += agree(&on, &off, jws.as_bytes(), &nows, t["id"].as_str().unwrap());
        count += 1;
    }
    let doc = vectors("wycheproof/json_web_signature_test.json");
    for group in doc["testGroups"].as_array().unwrap() {
        let (keys, policy) = match group.get("public") {
            Some(public) => (public, Policy::default()),
            None => (&group["private"], hmac_or_default(&json!({"kty": "oct"}))),
        };
        let jwks = serde_json::to_vec(keys).unwrap();
        let on = Verifier::from_json(&jwks, with_cache(&policy, 64));
        let off = Verifier::from_json(&jwks, with_cache(&policy, 0));
        let (Ok(on), Ok(off)) = (on, off) else {
            continue; // the key set itself is rejected (P-521), the same without a cache
        };
        for t in group["tests"].as_array().unwrap() {
            let jws = match &t["jws"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            hits += agree(
                &on,
                &off,
                jws.as_bytes(),
                &nows,
                &format!("tcId {}", t["tcId"]),
            );
            count += 1;
        }
    }
    assert!(count > 300, "{count} vectors");
    assert!(hits > 0, "no vector was ever answered from the cache");
}

fn ed_verifier(keys: &[&support::TestKey], policy: Policy) -> Verifier {
    Verifier::from_json(ed_jwks(keys).as_bytes(), policy).unwrap()
}

#[test]
fn a_hit_rechecks_the_time_rules_at_the_callers_now() {
    let key = TestKey::ed25519(Some("ed"));
    let jwks = common::jwks(&[key.public_jwk()]);
    let policy = Policy {
        leeway: 30,
        ..Policy::default()
    };
    let v = Verifier::from_json(&jwks, policy).unwrap();
    let exp = NOW + 600;
    let nbf = NOW - 100;
    let token = key.jwt("EdDSA", &json!({"exp": exp, "nbf": nbf, "iat": NOW - 100}));
    v.verify_at(token.as_bytes(), NOW).unwrap();
    assert_eq!(v.token_cache_stats().misses, 1);
    v.verify_at(token.as_bytes(), exp + 29).unwrap();
    let e = v.verify_at(token.as_bytes(), exp + 30 + 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired, "{e}");
    let e = v.verify_at(token.as_bytes(), exp + 30).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Expired, "{e}");
    // Earlier than the verification that stored it.
    let e = v.verify_at(token.as_bytes(), nbf - 30 - 1).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotYetValid, "{e}");
    v.verify_at(token.as_bytes(), nbf - 30).unwrap();
    let s = v.token_cache_stats();
    assert_eq!((s.hits, s.misses, s.entries), (5, 1, 1), "{s:?}");
}

#[test]
fn an_entry_is_not_reused_past_max_reuse() {
    let key = TestKey::ed25519(Some("ed"));
    let jwks = common::jwks(&[key.public_jwk()]);
    let policy = Policy {
        token_cache: TokenCacheOptions {
            max_reuse: Duration::from_millis(200),
            ..TokenCacheOptions::default()
        },
        ..Policy::default()
    };
    let v = Verifier::from_json(&jwks, policy).unwrap();
    let token = key.jwt("EdDSA", &json!({"exp": NOW + 3600}));
    v.verify_at(token.as_bytes(), NOW).unwrap();
    v.verify_at(token.as_bytes(), NOW).unwrap();
    std::thread::sleep(Duration::from_millis(250));
    v.verify_at(token.as_bytes(), NOW).unwrap();
    let s = v.token_cache_stats();
    assert_eq!((s.hits, s.misses), (1, 2), "{s:?}");
}

#[test]
fn an_entry_is_not_reused_past_exp_as_the_storing_verification_saw_it() {
    let key = TestKey::ed25519(Some("ed"));
    let v = Verifier::from_json(&common::jwks(&[key.public_jwk()]), Policy::default()).unwrap();
    // One second of life left at the storing verification's now: reused for at most 1 s.
    let token = key.jwt("EdDSA", &json!({"exp": NOW + 1}));
    v.verify_at(token.as_bytes(), NOW).unwrap();
    v.verify_at(token.as_bytes(), NOW).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    v.verify_at(token.as_bytes(), NOW).unwrap();
    let s = v.token_cache_stats();
    assert_eq!((s.hits, s.misses), (1, 2), "{s:?}");
}

#[test]
fn a_one_bit_change_anywhere_is_a_miss_and_is_rejected_on_its_own() {
    let key = TestKey::ed25519(Some("ed"));
    let v = Verifier::from_json(&common::jwks(&[key.public_jwk()]), Policy::default()).unwrap();
    let token = key
        .jwt("EdDSA", &json!({"iss": ISS, "exp": NOW + 3600}))
        .into_bytes();
    v.verify_at(&token, NOW).unwrap();
    v.verify_at(&token, NOW).unwrap();
    let start = v.token_cache_stats();
    assert_eq!((start.hits, start.misses), (1, 1));
    let mut changed = 0;
    for i in 0..token.len() {
        for bit in 0..8 {
            let mut t = token.clone();
            t[i] ^= 1 << bit;
            let r = v.verify_at(&t, NOW);
            // Base64url allows a few spellings of the last character's unused bits; none is
            // accepted (strict decoding), so every change is a rejection.
            assert!(r.is_err(), "byte {i} bit {bit} accepted");
            changed += 1;
        }
    }
    let s = v.token_cache_stats();
    assert_eq!(
        s.hits, start.hits,
        "a changed token was answered from the cache"
    );
    assert_eq!(s.misses - start.misses, changed);
    assert_eq!(s.entries, 1);
    // The original is still a hit.
    v.verify_at(&token, NOW).unwrap();
    assert_eq!(v.token_cache_stats().hits, start.hits + 1);
}

#[test]
fn a_cached_token_is_rejected_after_its_key_is_rotated_out_of_the_endpoint() {
    let a = support::TestKey::new("a");
    let b = support::TestKey::new("b");
    let doc = Arc::new(parking_lot::Mutex::new(ed_jwks(&[&a, &b])));
    let served = Arc::clone(&doc);
    let server = Server::http(move |_, _| Reply::json(served.lock().clone()));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), remote_opts()).unwrap();
    let token = a.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    v.verify(token.as_bytes()).unwrap();
    assert_eq!(v.token_cache_stats().hits, 1);
    *doc.lock() = ed_jwks(&[&b]);
    v.refresh().unwrap();
    let e = v.verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
    assert_eq!(v.token_cache_stats().hits, 1, "answered from a stale entry");
    assert_eq!(
        v.token_cache_stats().entries,
        0,
        "the stale entry is dropped"
    );
    // A refresh to different keys invalidates even a token whose key stayed.
    let tb = b.token(ISS);
    v.verify(tb.as_bytes()).unwrap();
    let c = support::TestKey::new("c");
    *doc.lock() = ed_jwks(&[&b, &c]);
    v.refresh().unwrap();
    let before = v.token_cache_stats();
    v.verify(tb.as_bytes()).unwrap();
    assert_eq!(v.token_cache_stats().misses, before.misses + 1);
}

#[test]
fn a_cached_token_is_rejected_after_a_file_source_reloads_without_its_key() {
    let a = support::TestKey::new("a");
    let b = support::TestKey::new("b");
    let dir = std::env::temp_dir().join(format!("jwks-token-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    std::fs::write(&path, ed_jwks(&[&a, &b])).unwrap();
    let v = Verifier::from_file(&path, Policy::default(), RemoteOptions::default()).unwrap();
    let token = a.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    v.verify(token.as_bytes()).unwrap();
    assert_eq!(v.token_cache_stats().hits, 1);
    std::fs::write(&path, ed_jwks(&[&b])).unwrap();
    v.refresh().unwrap();
    let e = v.verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
    assert_eq!(v.token_cache_stats().hits, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_parsed_key_set_has_its_own_generation() {
    let a = support::TestKey::new("a");
    let doc = ed_jwks(&[&a]);
    let opts = KeySetOptions::default();
    let one = KeySet::parse(doc.as_bytes(), &opts).unwrap();
    let two = KeySet::parse(doc.as_bytes(), &opts).unwrap();
    assert_ne!(one.generation(), two.generation());
    // A static source hands out the same set (and generation) every time.
    let v = ed_verifier(&[&a], Policy::default());
    let q = jwkskit::KeyQuery {
        kid: None,
        issuer: None,
    };
    let g = v.source().keys(&q).unwrap().generation();
    assert_eq!(v.source().keys(&q).unwrap().generation(), g);
}

#[test]
fn a_multi_issuer_verifier_routes_hits_by_issuer_and_drops_them_on_rotation() {
    let a = support::TestKey::new("a");
    let b = support::TestKey::new("b");
    let doc = Arc::new(parking_lot::Mutex::new(ed_jwks(&[&a])));
    let served = Arc::clone(&doc);
    let base = Arc::new(parking_lot::Mutex::new(String::new()));
    let base_in = Arc::clone(&base);
    let server = Server::http(move |req, _| {
        if req.path.ends_with("/.well-known/openid-configuration") {
            let issuer = base_in.lock().clone();
            Reply::json(format!(
                r#"{{"issuer":"{issuer}","jwks_uri":"{issuer}/jwks"}}"#
            ))
        } else {
            Reply::json(served.lock().clone())
        }
    });
    let issuer = server.base();
    *base.lock() = issuer.clone();
    let policy = Policy {
        issuers: vec![issuer.clone()],
        ..Policy::default()
    };
    let v = Verifier::from_issuers(policy, remote_opts()).unwrap();
    let token = a.token(&issuer);
    v.verify(token.as_bytes()).unwrap();
    v.verify(token.as_bytes()).unwrap();
    assert_eq!(v.token_cache_stats().hits, 1);
    *doc.lock() = ed_jwks(&[&b]);
    v.refresh().unwrap();
    let e = v.verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
    assert_eq!(v.token_cache_stats().hits, 1);
}

fn hs_token(secret: &[u8], i: u64) -> String {
    let header = common::b64(r#"{"alg":"HS256","kid":"hs"}"#);
    let payload = common::b64(format!(r#"{{"sub":"user-{i}","exp":{}}}"#, NOW + 3600));
    let input = format!("{header}.{payload}");
    let sig = common::hmac_sign("HS256", secret, input.as_bytes());
    format!("{input}.{}", common::b64(sig))
}

fn hs_verifier(secret: &[u8], cache: TokenCacheOptions) -> Verifier {
    let jwks = common::jwks(&[TestKey::oct(secret, Some("hs")).public_jwk()]);
    let policy = Policy {
        algorithms: vec![Algorithm::HS256],
        token_cache: cache,
        ..Policy::default()
    };
    Verifier::from_json(&jwks, policy).unwrap()
}

#[test]
fn floods_of_valid_and_forged_tokens_stay_within_the_bounds_and_hot_tokens_stay() {
    let secret = b"flood-secret-flood-secret-flood-";
    let cache = TokenCacheOptions {
        max_entries: 256,
        max_bytes: 1 << 30,
        ..TokenCacheOptions::default()
    };
    let v = hs_verifier(secret, cache);
    let hot = hs_token(secret, u64::MAX);
    v.verify_at(hot.as_bytes(), NOW).unwrap();
    for i in 0..20_000 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
        if i % 64 == 0 {
            v.verify_at(hot.as_bytes(), NOW).unwrap();
        }
        // A forged one (wrong secret) is never stored.
        assert!(v.verify_at(hs_token(b"wrong", i).as_bytes(), NOW).is_err());
        let s = v.token_cache_stats();
        assert!(s.entries <= 256, "{s:?}");
    }
    // Once full, a one-off token is not stored: the flood displaced nothing.
    let s = v.token_cache_stats();
    assert!(s.entries > 200 && s.evictions == 0, "{s:?}");
    let hits = s.hits;
    v.verify_at(hot.as_bytes(), NOW).unwrap();
    assert_eq!(
        v.token_cache_stats().hits,
        hits + 1,
        "the hot token was evicted"
    );

    // Tokens seen twice are stored, and they all pass through: none of the early ones is still
    // held (each shard's hand moves on after an eviction instead of always reusing one
    // position).
    let v = hs_verifier(
        secret,
        TokenCacheOptions {
            max_entries: 32,
            ..cache
        },
    );
    for i in 0..2_000 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
    }
    let before = v.token_cache_stats();
    assert!(
        before.evictions > 1_900 && before.entries <= 32,
        "{before:?}"
    );
    for i in 0..1_500 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
    }
    let s = v.token_cache_stats();
    assert_eq!(s.hits, before.hits, "early tokens stayed resident: {s:?}");

    // The byte bound, with room for far fewer entries than the entry bound.
    let small = TokenCacheOptions {
        max_entries: 100_000,
        max_bytes: 64 << 10,
        ..TokenCacheOptions::default()
    };
    let v = hs_verifier(secret, small);
    for i in 0..5_000 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
        let s = v.token_cache_stats();
        assert!(s.bytes <= 64 << 10, "{s:?}");
    }
    let s = v.token_cache_stats();
    assert!(s.entries > 20 && s.entries < 500, "{s:?}");
}

#[test]
fn once_full_a_token_is_stored_on_its_second_miss() {
    let secret = b"admit-secret-admit-secret-admit-";
    let v = hs_verifier(
        secret,
        TokenCacheOptions {
            max_entries: 16,
            ..TokenCacheOptions::default()
        },
    );
    // While there is room, every verified token is stored: the first 16 all are (a small
    // bound is not cut into shards that fill on their own).
    for i in 0..16 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
    }
    assert_eq!(v.token_cache_stats().entries, 16);
    for i in 16..200 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
    }
    let full = v.token_cache_stats();
    assert_eq!(full.entries, 16, "{full:?}");
    let t = hs_token(secret, 1_000);
    let stats = || {
        let s = v.token_cache_stats();
        (s.hits - full.hits, s.misses - full.misses, s.evictions)
    };
    v.verify_at(t.as_bytes(), NOW).unwrap();
    assert_eq!(stats(), (0, 1, 0), "a first miss is remembered, not stored");
    v.verify_at(t.as_bytes(), NOW).unwrap();
    assert_eq!(
        stats(),
        (0, 2, 1),
        "the second miss is stored in an evicted entry's place"
    );
    v.verify_at(t.as_bytes(), NOW).unwrap();
    assert_eq!(stats(), (1, 2, 1), "then it hits");
    // A forged copy is verified on its own and rejected, whether seen once or twice.
    let forged = hs_token(b"wrong", 1_000);
    for _ in 0..3 {
        assert!(v.verify_at(forged.as_bytes(), NOW).is_err());
    }
    assert_eq!(stats(), (1, 5, 1));
}

#[test]
fn entries_of_many_sizes_hold_their_own_bytes_and_stay_within_the_byte_bound() {
    // An entry may take over an evicted entry's buffer: whatever sizes come and go, a hit
    // hands back exactly its own token's header and payload, and the bound holds.
    let secret = b"sizes-secret-sizes-secret-sizes-";
    let bound = 48 << 10;
    let v = hs_verifier(
        secret,
        TokenCacheOptions {
            max_entries: 64,
            max_bytes: bound,
            ..TokenCacheOptions::default()
        },
    );
    let header = common::b64(r#"{"alg":"HS256","kid":"hs"}"#);
    let make = |i: u64| {
        let pad = "x".repeat(((i * 7919) % 1500) as usize);
        let payload = format!(r#"{{"sub":"user-{i}","pad":"{pad}","exp":{}}}"#, NOW + 3600);
        let input = format!("{header}.{}", common::b64(&payload));
        let sig = common::hmac_sign("HS256", secret, input.as_bytes());
        (format!("{input}.{}", common::b64(sig)), payload)
    };
    for i in 0..3_000u64 {
        for j in [i, i.saturating_sub(1), i.saturating_sub(5)] {
            let (token, payload) = make(j);
            let got = v.verify_at(token.as_bytes(), NOW).unwrap();
            assert_eq!(got.payload(), payload.as_bytes(), "token {j}");
            assert_eq!(got.header(), br#"{"alg":"HS256","kid":"hs"}"#);
        }
        let s = v.token_cache_stats();
        assert!(s.bytes <= bound as u64 && s.entries <= 64, "{s:?}");
    }
    let s = v.token_cache_stats();
    assert!(s.hits > 1_000 && s.evictions > 1_000, "{s:?}");
}

#[test]
fn a_zero_bound_turns_the_cache_off() {
    let secret = b"off-secret-off-secret-off-secret";
    let v = hs_verifier(
        secret,
        TokenCacheOptions {
            max_entries: 0,
            ..TokenCacheOptions::default()
        },
    );
    let t = hs_token(secret, 1);
    v.verify_at(t.as_bytes(), NOW).unwrap();
    v.verify_at(t.as_bytes(), NOW).unwrap();
    assert_eq!(v.token_cache_stats(), jwkskit::TokenCacheStats::default());
    // One entry: bounds smaller than the shard count still hold.
    let v = hs_verifier(
        secret,
        TokenCacheOptions {
            max_entries: 1,
            ..TokenCacheOptions::default()
        },
    );
    for i in 0..50 {
        v.verify_at(hs_token(secret, i).as_bytes(), NOW).unwrap();
        assert!(v.token_cache_stats().entries <= 1);
    }
}

#[test]
fn eight_threads_hitting_missing_and_refreshing_agree_with_no_cache() {
    let a = support::TestKey::new("a");
    let b = support::TestKey::new("b");
    let doc = Arc::new(parking_lot::Mutex::new(ed_jwks(&[&a, &b])));
    let served = Arc::clone(&doc);
    let server = Server::http(move |_, _| Reply::json(served.lock().clone()));
    let opts = RemoteOptions {
        refresh_cooldown: Duration::from_millis(1),
        ..remote_opts()
    };
    let policy = with_cache(&Policy::default(), 64);
    let v = Verifier::from_url(&server.url("/jwks"), policy, opts).unwrap();
    let tokens: Vec<String> = (0..16)
        .map(|_| a.token(ISS))
        .chain((0..16).map(|_| b.token(ISS)))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::scope(|s| {
        for t in 0..8 {
            let (v, tokens, stop, doc) = (&v, &tokens, &stop, &doc);
            let (a, b) = (&a, &b);
            s.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    if t == 7 && i % 50 == 0 {
                        // Rotates between {a, b} and {b} and refreshes.
                        let set = if i % 100 == 0 {
                            ed_jwks(&[a, b])
                        } else {
                            ed_jwks(&[b])
                        };
                        *doc.lock() = set;
                        let _ = v.refresh();
                        continue;
                    }
                    let token = &tokens[i % tokens.len()];
                    let r = v.verify(token.as_bytes());
                    let is_b = i % tokens.len() >= 16;
                    // b is always served; a only while the set has it.
                    if is_b {
                        r.unwrap();
                    } else if let Err(e) = r {
                        assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
                    }
                    // A mangled copy is never a hit.
                    let mut bad = token.clone().into_bytes();
                    let at = i % bad.len();
                    bad[at] ^= 4;
                    assert!(v.verify(&bad).is_err());
                }
            });
        }
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::Relaxed);
    });
    // After the last state is settled, a verdict matches the endpoint's keys.
    *doc.lock() = ed_jwks(&[&b]);
    v.refresh().unwrap();
    for t in &tokens[..16] {
        assert_eq!(
            v.verify(t.as_bytes()).unwrap_err().kind(),
            ErrorKind::UnknownKey
        );
    }
    let s = v.token_cache_stats();
    assert!(s.hits > 0 && s.misses > 0 && s.entries <= 64, "{s:?}");
}
