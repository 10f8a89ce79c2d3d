//! Verification cost through the Rust API versus a bare `ring` verify of the same signing input.
//!
//! `cargo bench --bench core` prints, per algorithm, the time of each and their ratio. The two
//! are measured in interleaved batches in one run, so machine noise hits both alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwks::{Policy, Verifier};
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

struct Case {
    name: &'static str,
    token: String,
    floor: Box<dyn Fn() -> bool>,
    verifier: Verifier,
}

fn claims() -> serde_json::Value {
    json!({
        "iss": "https://login.example.com/tenant-7f3a", "sub": "auth0|5f8a2c1e9b3d4a0071c2e8f1",
        "aud": ["https://api.example.com", "https://example.us.auth0.com/userinfo"],
        "iat": NOW - 60, "exp": NOW + 3600, "azp": "k3JxN0pQr8sT2uV4wX6yZ8aB",
        "scope": "openid profile email read:orders write:orders",
        "email": "jane.doe@example.com", "email_verified": true, "jti": "9f1c2e3d-4b5a-6789-abcd-ef0123456789"
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn signing_input(alg: &str, kid: &str) -> String {
    let header = json!({"alg": alg, "kid": kid, "typ": "JWT"});
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims().to_string().as_bytes())
    )
}

/// A JWKS with the key under test among several decoys, so the kid lookup is real.
fn jwks_with(target: serde_json::Value) -> Vec<u8> {
    let rng = SystemRandom::new();
    let mut keys = Vec::new();
    for i in 0..4 {
        let pkcs8 = signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let kp = signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        keys.push(json!({"kty":"OKP","crv":"Ed25519","kid":format!("decoy-{i}"),"x":b64(kp.public_key().as_ref())}));
    }
    keys.insert(2, target);
    json!({ "keys": keys }).to_string().into_bytes()
}

fn policy() -> Policy {
    Policy {
        issuers: vec!["https://login.example.com/tenant-7f3a".into()],
        audiences: vec!["https://api.example.com".into()],
        ..Policy::default()
    }
}

fn rsa_case(
    name: &'static str,
    alg: &str,
    pem_file: &str,
    enc: &'static dyn signature::RsaEncoding,
    params: &'static signature::RsaParameters,
) -> Case {
    let pem = std::fs::read_to_string(format!(
        "{}/tests/data/{pem_file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let kp = signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let input = signing_input(alg, "bench");
    let mut sig = vec![0; kp.public().modulus_len()];
    kp.sign(enc, &SystemRandom::new(), input.as_bytes(), &mut sig)
        .unwrap();
    let comps: signature::RsaPublicKeyComponents<Vec<u8>> = kp.public().into();
    let (n, e) = (comps.n, comps.e);
    let jwk = json!({"kty":"RSA","kid":"bench","n":b64(&n),"e":b64(&e)});
    let token = format!("{input}.{}", b64(&sig));
    let comps = signature::RsaPublicKeyComponents { n, e };
    Case {
        name,
        token,
        verifier: Verifier::from_jwks_json(&jwks_with(jwk), policy()).unwrap(),
        floor: Box::new(move || comps.verify(params, input.as_bytes(), &sig).is_ok()),
    }
}

fn ec_case(
    name: &'static str,
    alg: &str,
    sign_alg: &'static signature::EcdsaSigningAlgorithm,
    verify_alg: &'static signature::EcdsaVerificationAlgorithm,
    crv: &str,
) -> Case {
    let rng = SystemRandom::new();
    let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(sign_alg, &rng).unwrap();
    let kp = signature::EcdsaKeyPair::from_pkcs8(sign_alg, pkcs8.as_ref(), &rng).unwrap();
    let input = signing_input(alg, "bench");
    let sig = kp.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec();
    let point = kp.public_key().as_ref().to_vec();
    let half = (point.len() - 1) / 2;
    let jwk = json!({"kty":"EC","crv":crv,"kid":"bench","x":b64(&point[1..1 + half]),"y":b64(&point[1 + half..])});
    let token = format!("{input}.{}", b64(&sig));
    Case {
        name,
        token,
        verifier: Verifier::from_jwks_json(&jwks_with(jwk), policy()).unwrap(),
        floor: Box::new(move || {
            signature::UnparsedPublicKey::new(verify_alg, &point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }),
    }
}

fn ed_case() -> Case {
    let rng = SystemRandom::new();
    let pkcs8 = signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let kp = signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let input = signing_input("EdDSA", "bench");
    let sig = kp.sign(input.as_bytes()).as_ref().to_vec();
    let public = kp.public_key().as_ref().to_vec();
    let jwk = json!({"kty":"OKP","crv":"Ed25519","kid":"bench","x":b64(&public)});
    let token = format!("{input}.{}", b64(&sig));
    Case {
        name: "EdDSA",
        token,
        verifier: Verifier::from_jwks_json(&jwks_with(jwk), policy()).unwrap(),
        floor: Box::new(move || {
            signature::UnparsedPublicKey::new(&signature::ED25519, &public)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }),
    }
}

/// HMAC costs about a microsecond, so this case shows the fixed cost of everything but crypto.
fn hs_case() -> Case {
    let secret = [7u8; 32];
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let input = signing_input("HS256", "bench");
    let tag = ring::hmac::sign(&key, input.as_bytes()).as_ref().to_vec();
    let jwk = json!({"kty":"oct","kid":"bench","k":b64(&secret)});
    let token = format!("{input}.{}", b64(&tag));
    let policy = Policy {
        algorithms: vec![jwks::Algorithm::HS256],
        ..policy()
    };
    let jwks = json!({"keys":[jwk]}).to_string().into_bytes();
    Case {
        name: "HS256",
        token,
        verifier: Verifier::from_jwks_json(&jwks, policy).unwrap(),
        floor: Box::new(move || ring::hmac::verify(&key, input.as_bytes(), &tag).is_ok()),
    }
}

fn time_batch(iters: u32, f: &dyn Fn() -> bool) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        assert!(black_box(f()));
    }
    start.elapsed()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let cases = [
        rsa_case(
            "RS256-2048",
            "RS256",
            "rsa2048.pem",
            &signature::RSA_PKCS1_SHA256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
        ),
        rsa_case(
            "RS256-4096",
            "RS256",
            "rsa4096.pem",
            &signature::RSA_PKCS1_SHA256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
        ),
        rsa_case(
            "PS256-2048",
            "PS256",
            "rsa2048.pem",
            &signature::RSA_PSS_SHA256,
            &signature::RSA_PSS_2048_8192_SHA256,
        ),
        ec_case(
            "ES256",
            "ES256",
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &signature::ECDSA_P256_SHA256_FIXED,
            "P-256",
        ),
        ec_case(
            "ES384",
            "ES384",
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            &signature::ECDSA_P384_SHA384_FIXED,
            "P-384",
        ),
        ed_case(),
        hs_case(),
    ];
    let rounds = if quick { 5 } else { 40 };
    println!(
        "{:<12} {:>12} {:>12} {:>8}",
        "alg", "ring µs", "jwks µs", "ratio"
    );
    let only = std::env::var("JWKS_BENCH_ONLY").ok();
    for case in cases
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| o == c.name))
    {
        let full = || {
            let t = case.verifier.verify_at(case.token.as_bytes(), NOW).unwrap();
            t.payload().len() > 10
        };
        // Batches sized to ~5 ms each, alternating, best-of to drop interference spikes.
        let probe = time_batch(20, &*case.floor);
        let iters =
            ((Duration::from_millis(5).as_nanos() / (probe.as_nanos() / 20).max(1)) as u32).max(10);
        let (mut floor, mut ours) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            floor.push(time_batch(iters, &*case.floor));
            ours.push(time_batch(iters, &full));
        }
        floor.sort();
        ours.sort();
        // Median of the per-batch times.
        let f = floor[rounds / 2].as_secs_f64() / f64::from(iters) * 1e6;
        let o = ours[rounds / 2].as_secs_f64() / f64::from(iters) * 1e6;
        println!("{:<12} {:>12.2} {:>12.2} {:>8.3}", case.name, f, o, o / f);
    }
}
