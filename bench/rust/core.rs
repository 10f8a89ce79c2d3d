//! The benchmark harness: verification cost through the Rust API and the C ABI next to a bare
//! `ring` verify of the same signing input, thread scaling, a remote source's cache hit, and
//! memory. `scripts/bench.sh` (`make bench`) drives it and adds the C, Python and Go rows.
//!
//! ```text
//! cargo bench --bench core -- fixtures DIR            write jwks.json, tokens.json, tokens.txt, jwks100.json
//! cargo bench --bench core -- run DIR OUT.json        ring vs Rust API vs C ABI, threads, remote, memory
//! cargo bench --bench core -- floor DIR OUT.json      the ring floor alone (around the Go/Python runs)
//! cargo bench --bench core -- memory DIR              (child process of `run`) RSS figures as JSON
//! cargo bench --bench core -- report DIR              merge DIR/*.json into DIR/results.json, print the table
//! cargo bench --bench core -- cache DIR               the token cache rows alone
//! cargo bench --bench core -- cache-soak [N] [D] [E]  N verifications over D distinct tokens, E entries: RSS
//! cargo bench --bench core -- dpop                    a DPoP-bound request vs ring; the replay store (1 M proofs)
//! cargo bench --bench core -- replay-soak [N]         (child process of `dpop`) N proofs through the replay store: RSS
//! cargo bench --bench core -- dpop-profile MODE N      N DPoP requests by one path (floor, rust, c), for callgrind
//! ```
//!
//! Machines are noisy, so every comparison is made in one process, in interleaved rounds (each
//! round times a batch of every variant, in rotating order) and reported as medians; the
//! ratios are medians of the per-round ratios. Built by `cargo test --all-targets` (without the
//! `--bench` argument) it runs a smoke pass instead: every path once on fresh fixtures.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::ffi::{
    jwks_options, jwks_options_add_algorithm, jwks_options_add_audience, jwks_options_add_issuer,
    jwks_options_free, jwks_options_new, jwks_options_set_token_cache, jwks_result, jwks_token,
    jwks_token_cache_stats, jwks_token_free, jwks_token_payload, jwks_verifier, jwks_verifier_free,
    jwks_verifier_from_json, jwks_verifier_token_cache_stats, jwks_verify,
};
use jwkskit::issuer::{jwks_document, JwksServer, ServeOptions, SigningKey};
use jwkskit::token_cache::DEFAULT_MAX_ENTRIES;
use jwkskit::{Algorithm, Policy, RemoteOptions, TokenCacheOptions, Verifier};
use ring::signature;
use serde_json::{json, Value};

const ISSUER: &str = "https://login.example.com/tenant-7f3a";
const AUDIENCE: &str = "https://api.example.com";
/// 2100-01-01: the tokens stay valid for every rerun.
const EXP: i64 = 4_102_444_800;
const IAT: i64 = 1_700_000_000;

/// The algorithms with a target (C ABI at most 1.10x ring).
const TARGET_ALGS: [&str; 4] = ["RS256-2048", "PS256", "ES256", "EdDSA"];
/// The algorithms with a token cache target (a hit at most 1 µs).
const CACHE_ALGS: [&str; 3] = ["RS256-2048", "ES256", "EdDSA"];
/// Tokens per cache case in each pool of distinct tokens (one-off misses, second sightings, the
/// cache-off side): the timed miss rows use each token of the first two at most once.
const POOL: usize = 4096;
/// Fill verifications that bring a cache to its bound before misses are timed: four times the
/// bound, so that every shard fills whatever the hash key.
const FILL_PER_ENTRY: u64 = 4;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let arg = |i: usize| -> &str { args.get(i).map(String::as_str).unwrap_or_else(|| usage()) };
    if !bench_mode && args.is_empty() {
        return smoke();
    }
    match arg(0) {
        "fixtures" => write_fixtures(Path::new(arg(1)), POOL),
        "run" => {
            let report = run(Path::new(arg(1)), &Settings::full());
            write_json(Path::new(arg(2)), &report);
        }
        "floor" => {
            let report = floor_only(Path::new(arg(1)));
            write_json(Path::new(arg(2)), &report);
        }
        "memory" => {
            let iterations = args.get(2).map_or(1_000_000, |n| n.parse().unwrap());
            println!("{}", memory(Path::new(arg(1)), iterations));
        }
        "report" => report(Path::new(arg(1))),
        "cache" => {
            let fx = load_fixtures(Path::new(arg(1)));
            println!("{}", token_cache(&fx, Path::new(arg(1)), &Settings::full()));
        }
        "cache-soak" => {
            let total = args.get(1).map_or(10_000_000, |n| n.parse().unwrap());
            let distinct = args.get(2).map_or(1_000_000, |n| n.parse().unwrap());
            let entries = args
                .get(3)
                .map_or(DEFAULT_MAX_ENTRIES, |n| n.parse().unwrap());
            println!("{}", cache_soak(total, distinct, entries));
        }
        "profile" => profile(Path::new(arg(1)), arg(2), arg(3), arg(4).parse().unwrap()),
        "dpop" => println!("{}", dpop(&Settings::full())),
        "dpop-profile" => dpop_profile(arg(1), arg(2).parse().unwrap()),
        "replay-soak" => {
            let total = args.get(1).map_or(1_000_000, |n| n.parse().unwrap());
            println!("{}", replay_soak(total));
        }
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: core fixtures DIR | run DIR OUT | floor DIR OUT | memory DIR [N] | report DIR"
    );
    std::process::exit(2)
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap() + "\n").unwrap();
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Fixtures

fn claims(alg: &str) -> Value {
    claims_variant(alg, "")
}

/// Distinct tokens of one case differ only in the `jti` suffix (same sizes, same work).
const VARIANTS: usize = 8;

fn claims_variant(alg: &str, suffix: &str) -> Value {
    json!({
        "iss": ISSUER, "sub": "auth0|5f8a2c1e9b3d4a0071c2e8f1",
        "aud": [AUDIENCE, "https://login.example.com/userinfo"],
        "iat": IAT, "exp": EXP, "azp": "k3JxN0pQr8sT2uV4wX6yZ8aB",
        "scope": "openid profile email read:orders write:orders",
        "email": "jane.doe@example.com", "email_verified": true,
        "jti": format!("9f1c2e3d-4b5a-6789-abcd-{alg}{suffix}"),
    })
}

fn rsa_key(file: &str, alg: Algorithm, kid: &str) -> SigningKey {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    SigningKey::from_pkcs8_pem(&pem, alg).unwrap().with_kid(kid)
}

fn generated(alg: Algorithm, kid: &str) -> SigningKey {
    SigningKey::generate(alg).unwrap().with_kid(kid)
}

/// Writes the shared fixtures: a JWKS of nine keys (the six under test among decoys, so the
/// kid lookup is real), one token per case (and `VARIANTS` distinct ones in tokens.json), the same as plain text for the C program, and a
/// 100-key set for the memory figure.
fn write_fixtures(dir: &Path, pool_size: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let cases = [
        (
            "RS256-2048",
            rsa_key("rsa2048.pem", Algorithm::RS256, "rsa-2048"),
        ),
        (
            "RS256-4096",
            rsa_key("rsa4096.pem", Algorithm::RS256, "rsa-4096"),
        ),
        (
            "PS256",
            rsa_key("rsa2048-b.pem", Algorithm::PS256, "rsa-pss-2048"),
        ),
        ("ES256", generated(Algorithm::ES256, "ec-p256")),
        ("ES384", generated(Algorithm::ES384, "ec-p384")),
        ("EdDSA", generated(Algorithm::EdDSA, "ed25519")),
    ];
    let decoys = [
        rsa_key("rsa3072.pem", Algorithm::RS256, "rsa-3072-previous"),
        generated(Algorithm::ES256, "ec-p256-next"),
        generated(Algorithm::EdDSA, "ed25519-next"),
    ];
    let mut keys: Vec<&SigningKey> = Vec::new();
    for (i, (_, key)) in cases.iter().enumerate() {
        keys.push(key);
        if let Some(d) = decoys.get(i) {
            keys.push(d);
        }
    }
    std::fs::write(dir.join("jwks.json"), jwks_document(&keys).to_string()).unwrap();
    let mut tokens = Vec::new();
    let mut text = format!("issuer {ISSUER}\naudience {AUDIENCE}\n");
    for (name, key) in &cases {
        let token = key.sign(&claims(key.alg().name())).unwrap();
        text.push_str(&format!("token {name} {} {token}\n", key.alg()));
        // For a floor in the C program: the key components and the signature, in hex.
        let jwk = key.public_jwk();
        let hex = |field: &str| -> String {
            jwk[field].as_str().map_or("-".into(), |v| {
                b64d(v).iter().map(|b| format!("{b:02x}")).collect()
            })
        };
        let (a, b) = match key.alg() {
            Algorithm::RS256 | Algorithm::PS256 => (hex("n"), hex("e")),
            Algorithm::EdDSA => (hex("x"), "-".into()),
            _ => (hex("x"), hex("y")),
        };
        let sig: String = b64d(&token[token.rfind('.').unwrap() + 1..])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        text.push_str(&format!("floor {name} {a} {b} {sig}\n"));
        // Several distinct tokens per case, for bindings that must not hit a per-argument cache
        // on every call (the Python benchmark cycles over them).
        let variants: Vec<String> = (0..VARIANTS)
            .map(|i| {
                key.sign(&claims_variant(key.alg().name(), &format!("-{i}")))
                    .unwrap()
            })
            .collect();
        tokens.push(
            json!({"name": name, "alg": key.alg().name(), "kid": key.kid(),
            "token": token, "variants": variants}),
        );
    }
    let doc = json!({"issuer": ISSUER, "audience": AUDIENCE, "tokens": tokens});
    write_json(&dir.join("tokens.json"), &doc);
    // Distinct tokens of the cache cases, so that every verification of them is a cache miss:
    // a pool of one-off tokens, one of tokens verified twice, one for the cache-off side.
    let mut distinct = serde_json::Map::new();
    for (name, key) in cases.iter().filter(|(n, _)| CACHE_ALGS.contains(n)) {
        let mut pools = serde_json::Map::new();
        for pool in ["miss", "twice", "off"] {
            let list: Vec<String> = (0..pool_size)
                .map(|i| {
                    let mut c = claims(key.alg().name());
                    // The same length in every pool: the same work per token.
                    c["jti"] = json!(format!("{}-{i:05}-{name}", &pool[..1]));
                    key.sign(&c).unwrap()
                })
                .collect();
            pools.insert(pool.to_string(), json!(list));
        }
        distinct.insert(name.to_string(), Value::Object(pools));
    }
    write_json(&dir.join("distinct.json"), &Value::Object(distinct));
    std::fs::write(dir.join("tokens.txt"), text).unwrap();

    // 100 keys: the nine above and 91 fresh EC and Ed25519 keys.
    let mut many: Vec<Value> = keys.iter().map(|k| k.public_jwk()).collect();
    let algs = [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA];
    for i in 0..91 {
        many.push(generated(algs[i % 3], &format!("extra-{i}")).public_jwk());
    }
    std::fs::write(
        dir.join("jwks100.json"),
        json!({ "keys": many }).to_string(),
    )
    .unwrap();
}

struct Fixture {
    name: String,
    alg: Algorithm,
    token: String,
    floor: Box<dyn Fn() -> bool + Send + Sync>,
}

struct Fixtures {
    jwks: Vec<u8>,
    cases: Vec<Fixture>,
}

fn b64d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn load_fixtures(dir: &Path) -> Fixtures {
    let jwks = std::fs::read(dir.join("jwks.json")).unwrap();
    let set: Value = serde_json::from_slice(&jwks).unwrap();
    let doc = read_json(&dir.join("tokens.json"));
    let cases = doc["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let token = t["token"].as_str().unwrap().to_string();
            let alg: Algorithm = t["alg"].as_str().unwrap().parse().unwrap();
            let jwk = set["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == t["kid"])
                .unwrap()
                .clone();
            Fixture {
                name: t["name"].as_str().unwrap().to_string(),
                alg,
                floor: floor_for(alg, &jwk, &token),
                token,
            }
        })
        .collect();
    Fixtures { jwks, cases }
}

/// The bare ring verify of the token's signing input with the key's components: what the
/// library cannot avoid. The signature and key are decoded beforehand, outside the timing.
fn floor_for(alg: Algorithm, jwk: &Value, token: &str) -> Box<dyn Fn() -> bool + Send + Sync> {
    let dot = token.rfind('.').unwrap();
    let input = token.as_bytes()[..dot].to_vec();
    let sig = b64d(&token[dot + 1..]);
    let field = |name: &str| b64d(jwk[name].as_str().unwrap());
    match alg {
        Algorithm::RS256 | Algorithm::PS256 => {
            let params: &'static signature::RsaParameters = if alg == Algorithm::RS256 {
                &signature::RSA_PKCS1_2048_8192_SHA256
            } else {
                &signature::RSA_PSS_2048_8192_SHA256
            };
            let comps = signature::RsaPublicKeyComponents {
                n: field("n"),
                e: field("e"),
            };
            Box::new(move || comps.verify(params, &input, &sig).is_ok())
        }
        Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA => {
            let (verify_alg, point): (&'static dyn signature::VerificationAlgorithm, Vec<u8>) =
                match alg {
                    Algorithm::EdDSA => (&signature::ED25519, field("x")),
                    _ => {
                        let mut p = vec![4u8];
                        p.extend(field("x"));
                        p.extend(field("y"));
                        if alg == Algorithm::ES256 {
                            (&signature::ECDSA_P256_SHA256_FIXED, p)
                        } else {
                            (&signature::ECDSA_P384_SHA384_FIXED, p)
                        }
                    }
                };
            Box::new(move || {
                signature::UnparsedPublicKey::new(verify_alg, &point)
                    .verify(&input, &sig)
                    .is_ok()
            })
        }
        _ => panic!("no floor for {alg}"),
    }
}

/// The policy of the full-verification rows: the token cache off, so that repeating one token
/// measures a whole verification (the cache has rows of its own).
fn policy() -> Policy {
    Policy {
        issuers: vec![ISSUER.into()],
        audiences: vec![AUDIENCE.into()],
        token_cache: TokenCacheOptions {
            max_entries: 0,
            ..TokenCacheOptions::default()
        },
        ..Policy::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The C ABI, called exactly as a C program calls it.

/// A `jwks_verifier *` shared between threads, as the C contract allows.
struct CVerifier(*mut jwks_verifier);
// SAFETY: the C ABI documents a `const jwks_verifier *` as usable from any thread at once.
unsafe impl Send for CVerifier {}
unsafe impl Sync for CVerifier {}

impl CVerifier {
    /// A verifier with the token cache off (see [`policy`]).
    fn new(jwks: &[u8], hmac: bool) -> CVerifier {
        CVerifier::with_cache(jwks, hmac, 0)
    }

    /// A verifier whose token cache keeps `entries` tokens (0: off), other bounds default.
    fn with_cache(jwks: &[u8], hmac: bool, entries: u32) -> CVerifier {
        let issuer = CString::new(ISSUER).unwrap();
        let audience = CString::new(AUDIENCE).unwrap();
        // SAFETY: every pointer is valid for the call; the options are freed after use.
        unsafe {
            let opts: *mut jwks_options = jwks_options_new();
            assert_eq!(
                jwks_options_add_issuer(opts, issuer.as_ptr()),
                jwks_result::Ok
            );
            assert_eq!(
                jwks_options_add_audience(opts, audience.as_ptr()),
                jwks_result::Ok
            );
            if hmac {
                let alg = CString::new("HS256").unwrap();
                assert_eq!(
                    jwks_options_add_algorithm(opts, alg.as_ptr()),
                    jwks_result::Ok
                );
            }
            assert_eq!(jwks_options_set_token_cache(opts, entries), jwks_result::Ok);
            let mut v = null_mut();
            let r =
                jwks_verifier_from_json(jwks.as_ptr().cast(), jwks.len(), opts, &mut v, null_mut());
            jwks_options_free(opts);
            assert_eq!(r, jwks_result::Ok);
            CVerifier(v)
        }
    }

    /// `jwks_verify`, `jwks_token_payload`, `jwks_token_free`: one request's worth.
    fn verify(&self, token: &str) -> bool {
        // SAFETY: the verifier is live; the token pointer and length describe `token`.
        unsafe {
            let mut out: *mut jwks_token = null_mut();
            let r = jwks_verify(
                self.0,
                token.as_ptr().cast(),
                token.len(),
                &mut out,
                null_mut(),
            );
            if r != jwks_result::Ok {
                return false;
            }
            let mut len = 0usize;
            let payload = jwks_token_payload(out, &mut len);
            black_box((payload, len));
            jwks_token_free(out);
            len > 0
        }
    }

    /// A rejected token: the error object is asked for and freed, as a server would.
    fn reject(&self, token: &str) -> bool {
        // SAFETY: as above; the error is freed.
        unsafe {
            let mut out: *mut jwks_token = null_mut();
            let mut err = null_mut();
            let r = jwks_verify(
                self.0,
                token.as_ptr().cast(),
                token.len(),
                &mut out,
                &mut err,
            );
            jwkskit::ffi::jwks_error_free(err);
            r != jwks_result::Ok
        }
    }
}

impl CVerifier {
    /// The token cache's counters.
    fn cache_stats(&self) -> jwks_token_cache_stats {
        let mut s = jwks_token_cache_stats::default();
        // SAFETY: the verifier is live; `s` is a writable struct of the size passed.
        let r =
            unsafe { jwks_verifier_token_cache_stats(self.0, &mut s, std::mem::size_of_val(&s)) };
        assert_eq!(r, jwks_result::Ok);
        s
    }
}

impl Drop for CVerifier {
    fn drop(&mut self) {
        // SAFETY: created by jwks_verifier_from_json, freed once.
        unsafe { jwks_verifier_free(self.0) }
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

struct Settings {
    /// Interleaved rounds per case.
    rounds: usize,
    /// Target duration of one batch.
    batch: Duration,
    /// Duration of one thread-scaling phase and the number of phases of each kind.
    phase: Duration,
    phases: usize,
    memory_iterations: u64,
    /// The entry bound of the full cache the miss rows go through.
    miss_cache_entries: u32,
    /// Proofs through the replay store in its soak.
    replay_proofs: usize,
}

impl Settings {
    fn full() -> Settings {
        Settings {
            rounds: 31,
            batch: Duration::from_millis(6),
            phase: Duration::from_millis(400),
            phases: 5,
            memory_iterations: 1_000_000,
            miss_cache_entries: DEFAULT_MAX_ENTRIES,
            replay_proofs: 1_000_000,
        }
    }
}

fn batch_ns(iters: u64, f: &dyn Fn() -> bool) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        assert!(black_box(f()));
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `f` for half a second: the first timings of a run are otherwise slower (frequency
/// scaling, cold caches), which would favour whatever is timed later.
fn warm_up(f: &dyn Fn() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        assert!(black_box(f()));
    }
}

/// Times each variant in `rounds` interleaved rounds (the order rotating every round) and
/// returns the per-round nanoseconds per call of each.
fn interleaved(variants: &[&dyn Fn() -> bool], rounds: usize, batch: Duration) -> Vec<Vec<f64>> {
    interleaved_upto(variants, rounds, batch, u64::MAX)
}

/// [`interleaved`], calling each variant at most `most` times in all (the first 13 more), for
/// variants that use up a pool of tokens.
fn interleaved_upto(
    variants: &[&dyn Fn() -> bool],
    rounds: usize,
    batch: Duration,
    most: u64,
) -> Vec<Vec<f64>> {
    for v in variants {
        batch_ns(3, *v); // warm caches and lazy state
    }
    let probe = batch_ns(10, variants[0]);
    let iters = ((batch.as_nanos() as f64 / probe) as u64)
        .min(most / rounds as u64)
        .max(3);
    let mut times = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            times[i].push(batch_ns(iters, variants[i]));
        }
    }
    times
}

fn ratio(ours: &[f64], floor: &[f64]) -> f64 {
    median(ours.iter().zip(floor).map(|(o, f)| o / f).collect())
}

fn us(ns: f64) -> f64 {
    (ns / 10.0).round() / 100.0
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ---------------------------------------------------------------------------------------------
// The measurements

fn run(dir: &Path, s: &Settings) -> Value {
    let fx = load_fixtures(dir);
    let rust = Verifier::from_json(&fx.jwks, policy()).unwrap();
    let c = CVerifier::new(&fx.jwks, false);
    warm_up(&*fx.cases[0].floor);
    let mut cases = serde_json::Map::new();
    for case in &fx.cases {
        let floor = &*case.floor;
        let api = || {
            let t = rust.verify(case.token.as_bytes()).unwrap();
            t.payload().len() > 10
        };
        let ffi = || c.verify(&case.token);
        let t = interleaved(&[floor, &api, &ffi], s.rounds, s.batch);
        let row = json!({
            "alg": case.alg.name(),
            "ring_us": us(median(t[0].clone())),
            "rust_us": us(median(t[1].clone())),
            "c_abi_us": us(median(t[2].clone())),
            "rust_ratio": r3(ratio(&t[1], &t[0])),
            "c_abi_ratio": r3(ratio(&t[2], &t[0])),
        });
        eprintln!("  {:<11} {row}", case.name);
        cases.insert(case.name.clone(), row);
    }
    let threads = thread_scaling(&fx, &c, s);
    eprintln!("  threads {threads}");
    let token_cache = token_cache(&fx, dir, s);
    eprintln!("  token cache {token_cache}");
    let remote = remote_vs_static(&fx, &rust, s);
    eprintln!("  remote {remote}");
    // Memory in a fresh process, so that nothing measured above is in its resident size.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "memory",
            dir.to_str().unwrap(),
            &s.memory_iterations.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let memory: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("  memory {memory}");
    let dpop = dpop(s);
    eprintln!("  dpop {dpop}");
    json!({"cases": cases, "threads": threads, "remote": remote, "memory": memory, "token_cache": token_cache, "dpop": dpop})
}

/// The token cache through the C ABI, interleaved with the bare ring verify and a cache-off
/// verifier: a hit (the same token again); a miss in a full cache (the default bound, filled
/// beforehand) of a token never seen before, against the cache-off verifier on distinct tokens
/// of its own; a token's first two sightings in that full cache (the second is stored in an
/// evicted entry's place) against two cache-off verifications; and 1 against 2 threads
/// hitting, beside the bare ring verify's own scaling in the same minutes.
fn token_cache(fx: &Fixtures, dir: &Path, s: &Settings) -> Value {
    let distinct = read_json(&dir.join("distinct.json"));
    let off = CVerifier::new(&fx.jwks, false);
    let on = CVerifier::with_cache(&fx.jwks, false, DEFAULT_MAX_ENTRIES);
    // The miss rows' verifiers accept the fill tokens too, both of them (the same key set on
    // both sides).
    let filler = fill_key();
    let jwks = with_fill_key(&fx.jwks, &filler);
    let off_x = CVerifier::new(&jwks, false);
    let full = CVerifier::with_cache(&jwks, false, s.miss_cache_entries);
    fill(&full, &filler);
    let filled = full.cache_stats();
    let mut rows = serde_json::Map::new();
    for case in fx
        .cases
        .iter()
        .filter(|c| CACHE_ALGS.contains(&c.name.as_str()))
    {
        let pool = |name: &str| pool_of(&distinct, &case.name, name);
        let (miss_pool, twice_pool, off_pool) = (pool("miss"), pool("twice"), pool("off"));
        let floor = &*case.floor;
        let no_cache = || off.verify(&case.token);
        let hit = || on.verify(&case.token);
        let t = interleaved(&[floor, &no_cache, &hit], s.rounds, s.batch);
        // Each side has its own distinct tokens: on the same tokens, the side timed second
        // would find the bytes the first had just read still in the CPU's caches. The one-off
        // and twice pools are used up in order (never a token twice), the cache-off one cycled.
        let (i, j, k) = Default::default();
        let miss = || full.verify(next(&i, &miss_pool));
        let twice = || {
            let token = next(&k, &twice_pool);
            full.verify(token) && full.verify(token)
        };
        let no_cache_distinct = || off_x.verify(next(&j, &off_pool));
        let no_cache_two = || no_cache_distinct() && no_cache_distinct();
        // Each pair timed on its own, so that the two sides of a ratio run back to back; in
        // twice the rounds of shorter batches, as the figure is a ratio near 1 with a target.
        let before = full.cache_stats();
        let size = miss_pool.len().min(twice_pool.len());
        assert!(size > 13, "distinct.json lacks the pools of {}", case.name);
        let most = size as u64 - 13;
        let rounds = 2 * s.rounds;
        let m = interleaved_upto(&[&miss, &no_cache_distinct], rounds, s.batch / 3, most);
        let w = interleaved_upto(&[&twice, &no_cache_two], rounds, s.batch / 3, most);
        let after = full.cache_stats();
        assert!(
            i.get() <= size && k.get() <= size,
            "a one-off token was used twice"
        );
        assert_eq!(after.hits, before.hits, "the miss rows must not hit");
        assert!(
            after.evictions - before.evictions >= k.get() as u64,
            "each second sighting is stored in an evicted entry's place"
        );
        let row = json!({
            "ring_us": us(median(t[0].clone())),
            "c_abi_us": us(median(t[1].clone())),
            "hit_us": us(median(t[2].clone())),
            "ring_over_hit": r3(ratio(&t[0], &t[2])),
            "miss_us": us(median(m[0].clone())),
            "c_abi_distinct_us": us(median(m[1].clone())),
            "miss_over_no_cache": r3(ratio(&m[0], &m[1])),
            "twice_us": us(median(w[0].clone())),
            "twice_over_no_cache": r3(ratio(&w[0], &w[1])),
            "one_off_misses": i.get(),
            "stored_second_sightings": k.get(),
        });
        eprintln!("  cache {:<11} {row}", case.name);
        rows.insert(case.name.clone(), row);
    }
    let full_stats = full.cache_stats();
    let case = fx.cases.iter().find(|c| c.name == "RS256-2048").unwrap();
    let hit = || on.verify(&case.token);
    let floor = &*case.floor;
    let (mut h1, mut h2, mut f1, mut f2) = (vec![], vec![], vec![], vec![]);
    for _ in 0..s.phases {
        h1.push(throughput(1, s.phase, &hit));
        h2.push(throughput(2, s.phase, &hit));
        f1.push(throughput(1, s.phase, floor));
        f2.push(throughput(2, s.phase, floor));
    }
    let stats = on.cache_stats();
    json!({
        "cases": rows,
        "threads": {
            "token": case.name,
            "one_thread_per_s": median(h1.clone()).round(),
            "two_threads_per_s": median(h2.clone()).round(),
            "scaling": r3(ratio(&h2, &h1)),
            "ring_scaling": r3(ratio(&f2, &f1)),
        },
        "hits": stats.hits,
        "misses": stats.misses + full_stats.misses - filled.misses,
    })
}

/// The tokens of one pool of `case` in distinct.json (none for a case without pools).
fn pool_of(distinct: &Value, case: &str, pool: &str) -> Vec<String> {
    distinct[case][pool]
        .as_array()
        .map(|a| a.iter().map(|t| t.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The token at `turn` in `tokens` (cycling), and `turn` moved on.
fn next<'a>(turn: &std::cell::Cell<usize>, tokens: &'a [String]) -> &'a str {
    let i = turn.get();
    turn.set(i + 1);
    &tokens[i % tokens.len()]
}

/// The key of the fill tokens: Ed25519, quick to sign and verify, from a fixed seed, so that
/// the fill is the same work in every process (callgrind's counts of a mode are subtracted).
fn fill_key() -> SigningKey {
    // PKCS#8 v1 of an Ed25519 private key: the fixed prefix, then the 32-byte seed.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(b"cache-fill-seed-cache-fill-seed-");
    SigningKey::from_pkcs8_der(&der, Algorithm::EdDSA)
        .unwrap()
        .with_kid("fill")
}

/// `jwks` with `key` added.
fn with_fill_key(jwks: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut set: Value = serde_json::from_slice(jwks).unwrap();
    set["keys"].as_array_mut().unwrap().push(key.public_jwk());
    set.to_string().into_bytes()
}

/// Brings `v`'s cache (key set from [`with_fill_key`]) to its bound with distinct tokens of
/// `key`, so that a later miss finds it full.
fn fill(v: &CVerifier, key: &SigningKey) {
    let bound = v.cache_stats().max_entries;
    for i in 0..bound * FILL_PER_ENTRY {
        let mut c = claims("EdDSA");
        c["jti"] = json!(format!("fill-{i:06}"));
        assert!(v.verify(&key.sign(&c).unwrap()));
    }
    let s = v.cache_stats();
    assert_eq!(s.entries, s.max_entries, "the cache did not fill: {s:?}");
}

/// A valid HS256 token under `secret` and `kid`, told apart by `jti`.
fn hs256_token(secret: &[u8], kid: &str, jti: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#));
    let mut c = claims("HS256");
    c["jti"] = json!(jti);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(c.to_string()));
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The token cache's memory bound: `total` verifications through the C ABI over `distinct`
/// distinct valid HS256 tokens (made on the fly, so that only the cache holds any), half of
/// them among 2048 hot tokens, with the default bounds. Reports the resident size before the
/// verifier and at the end, against the configured byte bound. With `entries` above the
/// default, the byte bound is the one that binds.
fn cache_soak(total: u64, distinct: u64, entries: u32) -> Value {
    const SECRET: &[u8] = b"cache-soak-secret-cache-soak-key";
    let jwks = json!({"keys": [{"kty": "oct", "kid": "hs", "alg": "HS256",
        "k": URL_SAFE_NO_PAD.encode(SECRET)}]})
    .to_string();
    let make = |i: u64| hs256_token(SECRET, "hs", &format!("soak-{i:08}"));
    let before = rss_kib();
    let v = CVerifier::with_cache(jwks.as_bytes(), true, entries);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut peak = before;
    let start = Instant::now();
    for n in 0..total {
        // xorshift64: a fixed, cheap sequence.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = if x & 1 == 0 {
            (x >> 1) % 2048
        } else {
            (x >> 1) % distinct
        };
        assert!(v.verify(&make(i)), "verification {n}");
        if n % 100_000 == 0 {
            peak = peak.max(rss_kib());
        }
    }
    let end = rss_kib();
    peak = peak.max(end);
    let st = v.cache_stats();
    let bound_kib = st.max_bytes / 1024;
    json!({
        "verifications": total,
        "distinct_tokens": distinct,
        "seconds": r3(start.elapsed().as_secs_f64()),
        "hits": st.hits,
        "misses": st.misses,
        "evictions": st.evictions,
        "entries": st.entries,
        "cache_bytes_counted": st.bytes,
        "max_bytes": st.max_bytes,
        "max_entries": st.max_entries,
        "rss_before_kib": before,
        "rss_end_kib": end,
        "rss_peak_kib": peak,
        "growth_kib": peak as i64 - before as i64,
        "growth_over_bound": r3((peak as f64 - before as f64) / bound_kib as f64),
    })
}

/// `N` verifications of one token by one path, for `valgrind --tool=callgrind`: the difference
/// in instructions between `c` (or `rust`) and `floor` is the library's own cost.
fn profile(dir: &Path, name: &str, mode: &str, n: u64) {
    let fx = load_fixtures(dir);
    let case = fx
        .cases
        .iter()
        .find(|c| c.name == name)
        .expect("no such token");
    let rust = Verifier::from_json(&fx.jwks, policy()).unwrap();
    let c = CVerifier::new(&fx.jwks, false);
    let hit = CVerifier::with_cache(&fx.jwks, false, DEFAULT_MAX_ENTRIES);
    // For the miss modes: one-off tokens through a full cache ("c-miss"), distinct tokens
    // through none ("c-distinct"), as in the timed miss rows.
    // A small cache: the instructions of a miss do not depend on its size, and the fill is
    // counted in both counts of a mode (whose difference is taken), quickly.
    let filler = fill_key();
    let jwks = with_fill_key(&fx.jwks, &filler);
    let full = CVerifier::with_cache(&jwks, false, 64);
    let off_x = CVerifier::new(&jwks, false);
    let distinct = read_json(&dir.join("distinct.json"));
    let (miss_pool, off_pool) = (
        pool_of(&distinct, name, "miss"),
        pool_of(&distinct, name, "off"),
    );
    let turn = std::cell::Cell::new(0usize);
    let f: Box<dyn Fn() -> bool> = match mode {
        "floor" => Box::new(|| (case.floor)()),
        "rust" => Box::new(|| rust.verify(case.token.as_bytes()).is_ok()),
        "c" => Box::new(|| c.verify(&case.token)),
        "c-hit" => Box::new(|| hit.verify(&case.token)),
        "c-miss" => Box::new(|| full.verify(next(&turn, &miss_pool))),
        "c-distinct" => Box::new(|| off_x.verify(next(&turn, &off_pool))),
        _ => usage(),
    };
    if mode == "c-miss" {
        // A fixed number of fill verifications, the same in every count of this mode.
        fill(&full, &filler);
        assert!(
            n as usize <= miss_pool.len(),
            "more misses than one-off tokens"
        );
    }
    for _ in 0..n {
        assert!(black_box(f()));
    }
}

/// The ring floor alone, measured next to (before and after) the Go and Python runs.
fn floor_only(dir: &Path) -> Value {
    let fx = load_fixtures(dir);
    let mut floors = serde_json::Map::new();
    warm_up(&*fx.cases[0].floor);
    for case in &fx.cases {
        let t = interleaved(&[&*case.floor], 9, Duration::from_millis(6));
        floors.insert(case.name.clone(), json!(us(median(t[0].clone()))));
    }
    json!({ "floor": floors })
}

/// Verifications per second with `threads` threads for `phase`, all sharing `f`.
fn throughput(threads: usize, phase: Duration, f: &(dyn Fn() -> bool + Sync)) -> f64 {
    let stop = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    assert!(f());
                    n += 1;
                }
                count.fetch_add(n, Ordering::Relaxed);
            });
        }
        std::thread::sleep(phase);
        stop.store(true, Ordering::Relaxed);
    });
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// 1 and 2 threads sharing one verifier through the C ABI (RS256-2048), alternating, and the
/// same for the bare ring floor: the floor's scaling is what the machine gives at that moment.
fn thread_scaling(fx: &Fixtures, c: &CVerifier, s: &Settings) -> Value {
    let case = fx.cases.iter().find(|c| c.name == "RS256-2048").unwrap();
    let ours = || c.verify(&case.token);
    let floor = &*case.floor;
    let (mut o1, mut o2, mut f1, mut f2) = (vec![], vec![], vec![], vec![]);
    for _ in 0..s.phases {
        o1.push(throughput(1, s.phase, &ours));
        o2.push(throughput(2, s.phase, &ours));
        f1.push(throughput(1, s.phase, floor));
        f2.push(throughput(2, s.phase, floor));
    }
    let scaling = ratio(&o2, &o1);
    json!({
        "token": case.name,
        "one_thread_per_s": median(o1).round(),
        "two_threads_per_s": median(o2).round(),
        "scaling": r3(scaling),
        "ring_scaling": r3(ratio(&f2, &f1)),
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
    })
}

/// A verifier over a JWKS URL on loopback, keys cached after the first fetch, against the
/// static verifier on the same keys.
fn remote_vs_static(fx: &Fixtures, stat: &Verifier, s: &Settings) -> Value {
    let doc: Value = serde_json::from_slice(&fx.jwks).unwrap();
    let server = JwksServer::start_with_jwks(&doc, ServeOptions::default()).unwrap();
    let remote_opts = RemoteOptions {
        allow_http: true,
        proxy_from_env: false,
        ..RemoteOptions::default()
    };
    let remote = Verifier::from_url(&server.jwks_url(), policy(), remote_opts).unwrap();
    let mut rows = serde_json::Map::new();
    for case in fx
        .cases
        .iter()
        .filter(|c| ["RS256-2048", "ES256", "EdDSA"].contains(&c.name.as_str()))
    {
        let tok = case.token.as_bytes();
        let r = || remote.verify(tok).is_ok();
        let st = || stat.verify(tok).is_ok();
        let t = interleaved(&[&st, &r], s.rounds, s.batch);
        rows.insert(
            case.name.clone(),
            json!({
                "static_us": us(median(t[0].clone())),
                "remote_us": us(median(t[1].clone())),
                "ratio": r3(ratio(&t[1], &t[0])),
            }),
        );
    }
    let fetches = server.jwks_request_count();
    server.stop();
    json!({"cases": rows, "fetches": fetches})
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Resident size before and after building a verifier over 100 keys, then `iterations`
/// verifications through the C ABI: 98% HS256 (so a million fit in seconds; every
/// verification allocates and frees the same token objects whatever the algorithm), 1% the
/// asymmetric fixtures and 1% rejected tokens (error objects allocated and freed). Growth is
/// the RSS after all of them minus the RSS after the first tenth.
fn memory(dir: &Path, iterations: u64) -> Value {
    let fx = load_fixtures(dir);
    let many = std::fs::read(dir.join("jwks100.json")).unwrap();
    let before = rss_kib();
    let hundred = CVerifier::new(&many, false);
    let after = rss_kib();

    let hs = SigningKey::generate(Algorithm::HS256)
        .unwrap()
        .with_kid("hs");
    let hs_jwks = jwks_document(&[&hs]).to_string();
    let hs_token = hs.sign(&claims("HS256")).unwrap();
    let hmac = CVerifier::new(hs_jwks.as_bytes(), true);
    let bad = {
        let t = &fx.cases[0].token;
        let mut b = t[..t.len() - 8].to_string();
        b.push_str("AAAAAAAA");
        b
    };
    let mut warm = 0;
    for i in 0..iterations {
        let ok = match i % 100 {
            0 => hundred.verify(&fx.cases[(i / 100) as usize % fx.cases.len()].token),
            1 => hundred.reject(&bad),
            _ => hmac.verify(&hs_token),
        };
        assert!(ok, "iteration {i}");
        if i + 1 == iterations / 10 {
            warm = rss_kib();
        }
    }
    let end = rss_kib();
    json!({
        "rss_before_kib": before,
        "rss_with_100_keys_kib": after,
        "verifier_100_keys_kib": after.saturating_sub(before),
        "iterations": iterations,
        "rss_after_warmup_kib": warm,
        "rss_end_kib": end,
        "growth_kib": end as i64 - warm as i64,
    })
}

// ---------------------------------------------------------------------------------------------
// The report: one table and results.json from the files the other runs wrote.

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// The lines of Go benchmark output whose name starts with `prefix`: the rest of the name
/// without the `-GOMAXPROCS` suffix, and the fields after it.
fn go_bench_lines<'t>(
    text: &'t str,
    prefix: &'t str,
) -> impl Iterator<Item = (&'t str, Vec<&'t str>)> {
    text.lines().filter_map(move |line| {
        let mut fields = line.split_whitespace();
        let name = fields.next()?.strip_prefix(prefix)?;
        let name = match name.rsplit_once('-') {
            Some((n, cpus)) if cpus.chars().all(|c| c.is_ascii_digit()) => n,
            _ => name,
        };
        Some((name, fields.collect()))
    })
}

/// Go benchmark lines: `BenchmarkFixtures/RS256-2048/jwks-2   1234   45678 ns/op ...`: every
/// repetition (`-count`) in µs, in order.
fn parse_go(text: &str) -> BTreeMap<(String, String), Vec<f64>> {
    let mut all: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for (name, fields) in go_bench_lines(text, "BenchmarkFixtures/") {
        let Some(pos) = fields.iter().position(|f| *f == "ns/op") else {
            continue;
        };
        let ns: f64 = fields[pos - 1].parse().unwrap();
        if let Some((case, side)) = name.split_once('/') {
            all.entry((case.to_string(), side.to_string()))
                .or_default()
                .push(ns / 1000.0);
        }
    }
    all
}

/// BenchmarkInterleaved lines: `BenchmarkInterleaved/RS256-2048-2  1  N ns/op  45638 jwks-ns/op
/// 37877 ring-ns/op  1.196 x-ring ...`: each case's custom metrics, by unit.
fn parse_go_interleaved(text: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut all: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for (case, fields) in go_bench_lines(text, "BenchmarkInterleaved/") {
        let metrics = all.entry(case.to_string()).or_default();
        for pair in fields.windows(2) {
            if let Ok(v) = pair[0].parse::<f64>() {
                if pair[1].chars().any(|c| c.is_ascii_alphabetic()) {
                    metrics.insert(pair[1].to_string(), v);
                }
            }
        }
    }
    all
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.digits$}"))
}

fn report(dir: &Path) {
    let rust = read_json(&dir.join("rust.json"));
    let load = |name: &str| {
        let p = dir.join(name);
        p.exists().then(|| read_json(&p))
    };
    let python = load("python.json");
    let instructions = load("instructions.json");
    // The rows measured in other processes (the C program, Go) ran K times, alternating with
    // K + 1 runs of the ring floor: run i is compared with the mean of the floors just before
    // and just after it, and the median over the runs is reported.
    let floors = |kind: &str| -> Vec<Value> {
        (0..)
            .map_while(|i| load(&format!("floor_{kind}_{i}.json")))
            .collect()
    };
    let (c_floors, go_floors) = (floors("c"), floors("go"));
    let c_runs: Vec<Value> = (1..c_floors.len())
        .map_while(|i| load(&format!("c_{i}.json")))
        .collect();
    let go_texts: Vec<String> = (1..go_floors.len())
        .map_while(|i| std::fs::read_to_string(dir.join(format!("go_{i}.txt"))).ok())
        .collect();
    let go_runs: Vec<BTreeMap<(String, String), Vec<f64>>> =
        go_texts.iter().map(|t| parse_go(t)).collect();
    let go_interleaved: Vec<_> = go_texts.iter().map(|t| parse_go_interleaved(t)).collect();
    // The median over the runs of one BenchmarkInterleaved metric of one case.
    let go_metric = |name: &str, unit: &str| -> Option<f64> {
        let v: Vec<f64> = go_interleaved
            .iter()
            .filter_map(|r| r.get(name)?.get(unit).copied())
            .collect();
        (!v.is_empty()).then(|| median(v))
    };
    let alternating = |floors: &[Value], runs: &[Option<f64>], name: &str| -> Option<(f64, f64)> {
        let mut ratios = Vec::new();
        let mut times = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            let before = num(&floors.get(i)?["floor"][name])?;
            let after = num(&floors.get(i + 1)?["floor"][name])?;
            ratios.push((*run)? / ((before + after) / 2.0));
            times.push((*run)?);
        }
        (!runs.is_empty()).then(|| (median(times), median(ratios)))
    };
    // Per run, the median over its repetitions.
    let go_side = |name: &str, side: &str| -> Vec<Option<f64>> {
        go_runs
            .iter()
            .map(|r| {
                r.get(&(name.to_string(), side.to_string()))
                    .map(|v| median(v.clone()))
            })
            .collect()
    };
    // Every repetition of every run, for the ratio of two sides timed one after the other.
    let go_pairs = |name: &str, a: &str, b: &str| -> Option<f64> {
        let mut ratios = Vec::new();
        for r in &go_runs {
            let x = r.get(&(name.to_string(), a.to_string()))?;
            let y = r.get(&(name.to_string(), b.to_string()))?;
            ratios.extend(x.iter().zip(y).map(|(x, y)| x / y));
        }
        (!ratios.is_empty()).then(|| median(ratios))
    };
    let go_median = |name: &str, side: &str| -> Option<f64> {
        let v: Option<Vec<f64>> = go_side(name, side).into_iter().collect();
        v.filter(|v| !v.is_empty()).map(median)
    };

    let mut rows = serde_json::Map::new();
    let mut targets: Vec<(String, bool)> = Vec::new();
    let m = machine();
    println!();
    println!(
        "machine: {}, {} cores; load average at the end: {}",
        m["cpu"].as_str().unwrap_or("?"),
        m["cores"],
        m["loadavg_at_end"].as_str().unwrap_or("?")
    );
    println!(
        "{:<11} {:>8} | {:>6} {:>6} {:>13} | {:>6} | {:>6} {:>7} | {:>6} {:>8}",
        "",
        "ring µs",
        "Rust",
        "C ABI",
        "C ABI instr.",
        "C prog",
        "Python",
        "PyJWT/",
        "Go",
        "golang-"
    );
    println!(
        "{:<11} {:>8} | {:>6} {:>6} {:>13} | {:>6} | {:>6} {:>7} | {:>6} {:>8}",
        "token",
        "(floor)",
        "×ring",
        "×ring",
        "×ring (+k)",
        "×ring",
        "×ring",
        "Python",
        "×ring",
        "jwt/Go"
    );
    println!("{}", "-".repeat(106));
    let cases = rust["cases"].as_object().unwrap();
    let order = [
        "RS256-2048",
        "RS256-4096",
        "PS256",
        "ES256",
        "ES384",
        "EdDSA",
    ];
    let (mut c_targets, mut py_targets, mut go_targets) = (vec![], vec![], vec![]);
    for name in order
        .iter()
        .map(|n| n.to_string())
        .filter(|n| cases.contains_key(n))
    {
        let name = &name;
        let r = &cases[name];
        let c = alternating(
            &c_floors,
            &c_runs
                .iter()
                .map(|r| num(&r["c"][name]))
                .collect::<Vec<_>>(),
            name,
        );
        let (c_us, mut c_ratio) = (c.map(|c| c.0), c.map(|c| c.1));
        // With the ring floor loaded into the C program, its own interleaved ratio.
        let in_process: Option<Vec<f64>> = c_runs.iter().map(|r| num(&r["ratio"][name])).collect();
        if let Some(r) = in_process.filter(|r| !r.is_empty()) {
            c_ratio = Some(median(r));
        }
        let py = python.as_ref().map(|p| &p["python"][name]);
        let py_us = py.and_then(|p| num(&p["jwks_us"]));
        let pyjwt_us = py.and_then(|p| num(&p["pyjwt_us"]));
        // bench.py times its own ring floor, interleaved in its process, when it can build it.
        let py_floor = py.and_then(|p| num(&p["ring_us"]));
        // The median of its per-round ratios when bench.py gives it, else the ratio of medians.
        let py_ratio = py
            .and_then(|p| num(&p["jwks_over_ring"]))
            .or_else(|| py_us.zip(py_floor).map(|(a, f)| a / f));
        let pyjwt_over_py = py
            .and_then(|p| num(&p["pyjwt_over_jwks"]))
            .or_else(|| pyjwt_us.zip(py_us).map(|(a, b)| a / b));
        let go = alternating(&go_floors, &go_side(name, "jwks"), name);
        let (mut go_us, mut go_ratio) = (go.map(|g| g.0), go.map(|g| g.1));
        if let Some(ns) = go_metric(name, "jwks-ns/op") {
            go_us = Some(ns / 1000.0);
        }
        // With the ring floor loaded into the Go benchmark, its in-process ratio: from the
        // interleaved rounds when they ran, else from the sub-benchmarks run one after the other.
        if let Some(r) = go_metric(name, "x-ring").or_else(|| go_pairs(name, "jwks", "ring-floor"))
        {
            go_ratio = Some(r);
        }
        let gojwt_us = go_metric(name, "golang-jwt-ns/op")
            .map(|ns| ns / 1000.0)
            .or_else(|| go_median(name, "golang-jwt"));
        let gocrypto_us = go_median(name, "go-crypto-only");
        // A token cache hit through the bindings: Python's verify() with the claims dict
        // (bench.py's "hit"), Go's Verify + ClaimString (BenchmarkFixtures' "jwks-hit").
        let py_hit_us = py.and_then(|p| num(&p["hit_us"]));
        let go_hit_us = go_median(name, "jwks-hit");
        if CACHE_ALGS.contains(&name.as_str()) {
            if let Some(us) = py_hit_us {
                py_targets.push((
                    format!("Python {name} cache hit {us:.2} µs ≤ 5 µs"),
                    us <= 5.0,
                ));
            }
            if let Some(us) = go_hit_us {
                go_targets.push((format!("Go {name} cache hit {us:.2} µs ≤ 2 µs"), us <= 2.0));
            }
        }
        let gojwt_over_go =
            go_metric(name, "golang-jwt/jwks").or_else(|| go_pairs(name, "golang-jwt", "jwks"));
        let instr = instructions.as_ref().map(|i| &i["instructions"][name]);
        let instr_ring = instr.and_then(|i| num(&i["ring"]));
        let instr_c = instr.and_then(|i| num(&i["c_abi"]));
        let instr_ratio = instr_c.zip(instr_ring).map(|(c, f)| c / f);
        let instr_text = instr_c.zip(instr_ring).map_or("-".into(), |(c, f)| {
            format!("{:.3} ({:+.1})", c / f, (c - f) / 1000.0)
        });
        println!(
            "{:<11} {:>8} | {:>6} {:>6} {:>13} | {:>6} | {:>6} {:>7} | {:>6} {:>8}",
            name,
            fmt(num(&r["ring_us"]), 1),
            fmt(num(&r["rust_ratio"]), 3),
            fmt(num(&r["c_abi_ratio"]), 3),
            instr_text,
            fmt(c_ratio, 3),
            fmt(py_ratio, 3),
            fmt(pyjwt_over_py, 2),
            fmt(go_ratio, 3),
            fmt(gojwt_over_go, 2),
        );
        if TARGET_ALGS.contains(&name.as_str()) {
            let cr = num(&r["c_abi_ratio"]).unwrap();
            c_targets.push((format!("C ABI {name} {cr:.3}× ring ≤ 1.10"), cr <= 1.10));
            if let Some(ir) = instr_ratio {
                c_targets.push((
                    format!("C ABI {name} {ir:.3}× ring's instructions ≤ 1.10"),
                    ir <= 1.10,
                ));
            }
        }
        if let Some(p) = py_ratio {
            py_targets.push((format!("Python {name} {p:.3}× ring ≤ 1.25"), p <= 1.25));
        }
        if let Some(g) = go_ratio {
            go_targets.push((format!("Go {name} {g:.3}× ring ≤ 1.15"), g <= 1.15));
        }
        // Speed-ups over the libraries users would pick instead: PyJWT (4× for RSA, 2.5× for
        // ES256 and EdDSA) and golang-jwt (a goal of 1.5× for RSA).
        let min_pyjwt = match name.as_str() {
            "RS256-2048" | "PS256" => Some(4.0),
            "ES256" | "EdDSA" => Some(2.5),
            _ => None,
        };
        if let Some((want, got)) = min_pyjwt.zip(pyjwt_over_py) {
            py_targets.push((
                format!("Python {name} {got:.2}× faster than PyJWT ≥ {want}"),
                got >= want,
            ));
        }
        if let (true, Some(got)) = (
            matches!(name.as_str(), "RS256-2048" | "PS256"),
            gojwt_over_go,
        ) {
            go_targets.push((
                format!("Go {name} {got:.2}× faster than golang-jwt ≥ 1.5 (goal)"),
                got >= 1.5,
            ));
        }
        let mut row = r.as_object().unwrap().clone();
        let mut put = |k: &str, v: Option<f64>, digits: f64| {
            if let Some(v) = v {
                row.insert(k.into(), json!((v * digits).round() / digits));
            }
        };
        put("instructions_ring", instr_ring, 1.0);
        put("instructions_c_abi", instr_c, 1.0);
        put("instructions_ratio", instr_ratio, 10000.0);
        put("c_program_us", c_us, 100.0);
        put("c_program_ratio", c_ratio, 1000.0);
        put("python_us", py_us, 100.0);
        put("pyjwt_us", pyjwt_us, 100.0);
        put("python_ratio", py_ratio, 1000.0);
        put("pyjwt_over_python", pyjwt_over_py, 100.0);
        put("go_us", go_us, 100.0);
        put("golang_jwt_us", gojwt_us, 100.0);
        put("go_crypto_only_us", gocrypto_us, 100.0);
        put("python_hit_us", py_hit_us, 1000.0);
        put("go_hit_us", go_hit_us, 1000.0);
        put("go_ratio", go_ratio, 1000.0);
        put("golang_jwt_over_go", gojwt_over_go, 100.0);
        rows.insert(name.clone(), Value::Object(row));
    }
    targets.extend(c_targets);
    targets.extend(py_targets);
    targets.extend(go_targets);
    println!();
    println!(
        "ratios: ×ring = time / bare ring verify of the same signing input (lower is better);"
    );
    println!("PyJWT/Python and golang-jwt/Go = how many times faster this library is.");
    println!(
        "C ABI instr.: instructions per verification (callgrind) through the C ABI over those"
    );
    println!(
        "of the bare ring verify, and the difference in thousands: the same on a busy machine."
    );
    println!(
        "Every other ×ring ratio compares with a bare ring verify timed in the same process, in"
    );
    println!("alternation (the C program, Go and Python load a ring floor library); medians over");
    println!(
        "rounds, and over {} C program and {} Go runs.",
        c_runs.len(),
        go_runs.len()
    );

    let th = &rust["threads"];
    let scaling = num(&th["scaling"]).unwrap();
    println!();
    println!(
        "threads ({}, C ABI, one verifier): 1 → {:.0}/s, 2 → {:.0}/s, scaling {:.2}× (bare ring on this machine now: {:.2}×)",
        th["token"].as_str().unwrap(),
        num(&th["one_thread_per_s"]).unwrap(),
        num(&th["two_threads_per_s"]).unwrap(),
        scaling,
        num(&th["ring_scaling"]).unwrap(),
    );
    targets.push((
        format!("2 threads {scaling:.2}× of 1 ≥ 1.8"),
        scaling >= 1.8,
    ));
    // On a machine whose other work takes the second core, no program scales: compare with
    // what the bare ring verify got in the same minutes.
    let ring_scaling = num(&th["ring_scaling"]).unwrap();
    targets.push((
        format!(
            "2 threads scale {:.2} as well as the bare ring verify does now ≥ 0.95",
            scaling / ring_scaling
        ),
        scaling / ring_scaling >= 0.95,
    ));
    let rem = &rust["remote"];
    let mut remote_line = String::new();
    for (name, r) in rem["cases"].as_object().unwrap() {
        remote_line.push_str(&format!(
            " {name} {:.1}/{:.1} µs = {:.3}×;",
            num(&r["remote_us"]).unwrap(),
            num(&r["static_us"]).unwrap(),
            num(&r["ratio"]).unwrap()
        ));
    }
    println!(
        "remote cache hit vs static (remote/static):{remote_line} {} fetch(es) in all",
        rem["fetches"]
    );
    let mem = &rust["memory"];
    let growth = mem["growth_kib"].as_i64().unwrap();
    println!(
        "memory: verifier with 100 keys {} KiB (process RSS {} KiB); {} verifications: RSS {} → {} KiB, growth {} KiB",
        mem["verifier_100_keys_kib"],
        mem["rss_with_100_keys_kib"],
        mem["iterations"],
        mem["rss_after_warmup_kib"],
        mem["rss_end_kib"],
        growth,
    );
    // A leak of even one small allocation per verification would be tens of MiB here.
    targets.push((
        format!("memory growth {growth} KiB over 900k verifications ≈ 0 (< 64)"),
        growth < 64,
    ));
    let tc = &rust["token_cache"];
    println!();
    println!("token cache (C ABI; hit = the same token again, miss = a token never seen before by a full cache,");
    println!("  first two = a token's first two sightings by a full cache, the second stored in an evicted entry's place):");
    for (name, r) in tc["cases"].as_object().unwrap() {
        let f = |k: &str| num(&r[k]).unwrap();
        println!(
            "  {name:<11} ring {:.2} µs, no cache {:.2} µs, hit {:.3} µs ({:.0}× faster than ring), miss {:.2} µs ({:.3}× the no-cache verify), first two {:.3}× two no-cache verifies",
            f("ring_us"), f("c_abi_us"), f("hit_us"), f("ring_over_hit"), f("miss_us"), f("miss_over_no_cache"),
            num(&r["twice_over_no_cache"]).unwrap_or(f64::NAN),
        );
        targets.push((
            format!("{name} cache hit {:.3} µs ≤ 1 µs", f("hit_us")),
            f("hit_us") <= 1.0,
        ));
        if name == "RS256-2048" {
            targets.push((
                format!(
                    "{name} cache hit {:.0}× faster than ring ≥ 25×",
                    f("ring_over_hit")
                ),
                f("ring_over_hit") >= 25.0,
            ));
        }
        targets.push((
            format!(
                "{name} cache miss {:.3}× the no-cache verify ≤ 1.02",
                f("miss_over_no_cache")
            ),
            f("miss_over_no_cache") <= 1.02,
        ));
    }
    if let Some(ins) = &instructions {
        for name in CACHE_ALGS {
            let r = &ins["instructions"][name];
            if let (Some(ring), Some(hit)) = (num(&r["ring"]), num(&r["c_abi_hit"])) {
                println!(
                    "  {name:<11} instructions: ring {ring:.0}, cache hit {hit:.0} ({:.0}× fewer)",
                    ring / hit
                );
                if let (Some(miss), Some(off)) = (num(&r["c_abi_miss"]), num(&r["c_abi_distinct"]))
                {
                    println!(
                        "  {name:<11} instructions: cache miss {miss:.0}, no cache {off:.0} ({:.4}×)",
                        miss / off
                    );
                    targets.push((
                        format!(
                            "{name} cache miss {:.4}× the no-cache instructions ≤ 1.02",
                            miss / off
                        ),
                        miss / off <= 1.02,
                    ));
                }
                if name == "RS256-2048" {
                    targets.push((
                        format!(
                            "{name} cache hit {:.0}× fewer instructions than ring ≥ 25×",
                            ring / hit
                        ),
                        ring / hit >= 25.0,
                    ));
                }
            }
        }
    }
    let th = &tc["threads"];
    let hit_scaling = num(&th["scaling"]).unwrap();
    println!(
        "  threads hitting ({}): 1 → {:.0}/s, 2 → {:.0}/s, scaling {:.2}× (bare ring now: {:.2}×)",
        th["token"].as_str().unwrap(),
        num(&th["one_thread_per_s"]).unwrap(),
        num(&th["two_threads_per_s"]).unwrap(),
        hit_scaling,
        num(&th["ring_scaling"]).unwrap(),
    );
    targets.push((
        format!("2 threads hitting {hit_scaling:.2}× of 1 ≥ 1.8"),
        hit_scaling >= 1.8,
    ));
    let hit_vs_ring = hit_scaling / num(&th["ring_scaling"]).unwrap();
    targets.push((
        format!("2 threads hitting scale {hit_vs_ring:.2} as well as the bare ring verify does now ≥ 0.95"),
        hit_vs_ring >= 0.95,
    ));
    let soak = load("cache_soak.json");
    if let Some(soak) = &soak {
        let over = num(&soak["growth_over_bound"]).unwrap();
        println!(
            "  memory: {} verifications over {} distinct tokens, default bounds: RSS {} → peak {} KiB (+{} KiB = {:.3}× the {} KiB bound), {} entries",
            soak["verifications"], soak["distinct_tokens"], soak["rss_before_kib"], soak["rss_peak_kib"],
            soak["growth_kib"], over, soak["max_bytes"].as_u64().unwrap() / 1024, soak["entries"],
        );
        targets.push((
            format!("token cache RSS growth {over:.3}× its byte bound ≤ 1.10"),
            over <= 1.10,
        ));
    }
    let dp = &rust["dpop"];
    if let (Some(c_ratio), Some(replay)) = (num(&dp["c_abi_ratio"]), dp.get("replay")) {
        println!();
        println!(
            "DPoP (an ES256 proof, new each call, with an ES256 access token the token cache holds): \
             Rust {} µs = {}× ring, C ABI {} µs = {}× ring ({} µs)",
            fmt(num(&dp["rust_us"]), 2),
            fmt(num(&dp["rust_ratio"]), 3),
            fmt(num(&dp["c_abi_us"]), 2),
            fmt(Some(c_ratio), 3),
            fmt(num(&dp["ring_us"]), 2),
        );
        let over = num(&replay["rss_over_bound"]).unwrap_or(f64::INFINITY);
        let forgotten = replay["forgotten_inside_window"]
            .as_u64()
            .unwrap_or(u64::MAX);
        println!(
            "replay store: {} proofs at {} ns each, RSS +{} KiB = {}× its {}-byte bound, {} refused, {} forgotten inside their window",
            replay["proofs"], replay["ns_per_proof"], replay["rss_growth_kib"], fmt(Some(over), 3),
            replay["max_bytes"], replay["refusals"], forgotten
        );
        targets.push((
            format!("DPoP-bound request (C ABI) {c_ratio:.3}× ring ≤ 1.15"),
            c_ratio <= 1.15,
        ));
        targets.push((
            format!(
                "replay store: {} proofs, RSS {over:.3}× its bound ≤ 1, none forgotten inside its window",
                replay["proofs"]
            ),
            over <= 1.0 && forgotten == 0 && replay["refusals"] == 0,
        ));
    }
    println!();
    println!("targets:");
    for (what, ok) in &targets {
        println!("  {} {what}", verdict(*ok));
    }
    let python_note = if python.is_none() {
        "python package not built"
    } else {
        ""
    };
    let results = json!({
        "machine": m,
        "cases": rows,
        "threads": rust["threads"],
        "remote": rust["remote"],
        "memory": rust["memory"],
        "token_cache": rust["token_cache"],
        "token_cache_soak": soak,
        "dpop": rust["dpop"],
        "targets": targets.iter().map(|(w, ok)| json!({"target": w, "pass": ok})).collect::<Vec<_>>(),
        "notes": python_note,
    });
    write_json(&dir.join("results.json"), &results);
    println!("\nwrote {}", dir.join("results.json").display());
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "loadavg_at_end": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
    })
}

// ---------------------------------------------------------------------------------------------
// Smoke pass for `cargo test --all-targets`: every path once, tiny counts.

// ---------------------------------------------------------------------------------------------
// DPoP

const DPOP_URI: &str = "https://api.example.com/orders";

/// A request with a DPoP proof through the Rust API and the C ABI, beside a bare ring ES256
/// verify of the proof: an ES256 proof (each call a new one, as a client sends) and an ES256
/// access token that the token cache already holds, so that the request costs the proof's
/// signature check and everything around it. Then the replay store's figures, from a child
/// process ([`replay_soak`]).
fn dpop(s: &Settings) -> Value {
    let issuer = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("as-1");
    let client = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwks = jwks_document(&[&issuer]).to_string();
    let mut p = policy();
    p.token_cache = TokenCacheOptions::default();
    p.dpop.token_scheme = jwkskit::dpop::TokenScheme::Dpop;
    let rust = Verifier::from_json(jwks.as_bytes(), p).unwrap();
    let c = CDpopVerifier::new(jwks.as_bytes());
    let now = IAT;
    let token = issuer
        .sign(
            &json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": IAT, "exp": EXP,
            "scope": "orders:read", "cnf": {"jkt": client.thumbprint()}}),
        )
        .unwrap();
    let authorization = format!("DPoP {token}");
    // Each variant gets its own proofs: a proof is refused once it has been used.
    let per_variant = s.rounds * ((s.batch.as_nanos() / 40_000) as usize + 1) + 64;
    let mint = |n: usize| -> Vec<String> {
        (0..n)
            .map(|_| {
                client
                    .sign_dpop_proof(&jwkskit::issuer::ProofClaims {
                        method: "GET",
                        uri: DPOP_URI,
                        iat: now,
                        access_token: Some(&token),
                        ..Default::default()
                    })
                    .unwrap()
            })
            .collect()
    };
    let (rust_pool, c_pool) = (mint(per_variant), mint(per_variant));
    let floor = floor_for(Algorithm::ES256, &client.proof_jwk(), &rust_pool[0]);
    let (rust_turn, c_turn) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let api = || {
        let proof = next(&rust_turn, &rust_pool);
        let request = jwkskit::Request::new("GET", DPOP_URI)
            .authorization(&authorization)
            .dpop(proof);
        rust.verify_request_at(&request, now).is_ok()
    };
    let ffi = || c.verify(&authorization, next(&c_turn, &c_pool), now);
    warm_up(&*floor);
    let t = interleaved_upto(
        &[&*floor, &api, &ffi],
        s.rounds,
        s.batch,
        per_variant as u64 - 20,
    );
    let stats = rust.dpop_stats();
    assert_eq!(stats.proofs_rejected, 0);
    assert!(rust.token_cache_stats().hits > 0);
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["replay-soak", &s.replay_proofs.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "replay-soak child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replay: Value = serde_json::from_slice(&out.stdout).unwrap();
    json!({
        "ring_us": us(median(t[0].clone())),
        "rust_us": us(median(t[1].clone())),
        "c_abi_us": us(median(t[2].clone())),
        "rust_ratio": r3(ratio(&t[1], &t[0])),
        "c_abi_ratio": r3(ratio(&t[2], &t[0])),
        "proofs_verified": stats.proofs_verified,
        "replay": replay,
    })
}

/// `n` DPoP-bound requests of [`dpop`] by one path (`floor`: ring on the proof; `rust`; `c`),
/// for `valgrind --tool=callgrind`: the difference in instructions between two counts of a
/// mode is the cost of their difference in requests. The proofs are minted for the largest
/// count that makes sense under callgrind (1000) whatever `n`, so minting cancels out.
fn dpop_profile(mode: &str, n: usize) {
    const POOL: usize = 1000;
    assert!(
        n <= POOL,
        "at most {POOL} requests: a proof is accepted once"
    );
    let issuer = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("as-1");
    let client = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwks = jwks_document(&[&issuer]).to_string();
    let mut p = policy();
    p.token_cache = TokenCacheOptions::default();
    p.dpop.token_scheme = jwkskit::dpop::TokenScheme::Dpop;
    let rust = Verifier::from_json(jwks.as_bytes(), p).unwrap();
    let c = CDpopVerifier::new(jwks.as_bytes());
    let token = issuer
        .sign(
            &json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": IAT, "exp": EXP,
            "scope": "orders:read", "cnf": {"jkt": client.thumbprint()}}),
        )
        .unwrap();
    let authorization = format!("DPoP {token}");
    let pool: Vec<String> = (0..POOL)
        .map(|_| {
            client
                .sign_dpop_proof(&jwkskit::issuer::ProofClaims {
                    method: "GET",
                    uri: DPOP_URI,
                    iat: IAT,
                    access_token: Some(&token),
                    ..Default::default()
                })
                .unwrap()
        })
        .collect();
    let floor = floor_for(Algorithm::ES256, &client.proof_jwk(), &pool[0]);
    // The access token in the token cache, as in the timed rows (their warm-up puts it there).
    let warm = client
        .sign_dpop_proof(&jwkskit::issuer::ProofClaims {
            method: "GET",
            uri: DPOP_URI,
            iat: IAT,
            access_token: Some(&token),
            ..Default::default()
        })
        .unwrap();
    let request = jwkskit::Request::new("GET", DPOP_URI)
        .authorization(&authorization)
        .dpop(&warm);
    assert!(rust.verify_request_at(&request, IAT).is_ok());
    assert!(c.verify(&authorization, &warm, IAT));
    for proof in &pool[..n] {
        let ok = match mode {
            "floor" => floor(),
            "rust" => {
                let request = jwkskit::Request::new("GET", DPOP_URI)
                    .authorization(&authorization)
                    .dpop(proof);
                rust.verify_request_at(&request, IAT).is_ok()
            }
            "c" => c.verify(&authorization, proof, IAT),
            _ => usage(),
        };
        assert!(black_box(ok));
    }
}

/// `total` proofs through a fresh in-memory replay store of the default bound, at 10,000 a
/// second of the callers' clock: the time per proof, the store's resident memory against its
/// bound, no proof refused, and every key still known at the last second of its window.
fn replay_soak(total: usize) -> Value {
    use jwkskit::replay::{replay_key, MemoryReplayStore, ReplayStore, ReplayVerdict};
    const RATE: usize = 10_000;
    const WINDOW: i64 = 66; // dpop_max_age 60 + dpop_leeway 5 + 1
    let bound = jwkskit::Policy::default().dpop.replay_cache_bytes;
    // Keys are made as proofs arrive (a list of a million would move the allocator's
    // thresholds and blur what the store itself takes).
    let key = |i: usize| replay_key("client-thumbprint", &format!("jti-{i}"));
    let probe = key(0);
    let before = rss_kib();
    let store = MemoryReplayStore::new(bound);
    let start = Instant::now();
    for i in 0..total {
        let now = IAT + (i / RATE) as i64;
        assert_eq!(
            store.check_and_insert(&key(i), now + WINDOW, now),
            Ok(ReplayVerdict::Fresh)
        );
    }
    let ns = start.elapsed().as_nanos() as f64 / total as f64;
    let grown = rss_kib().saturating_sub(before);
    let last = IAT + ((total - 1) / RATE) as i64;
    let mut forgotten = 0;
    for i in 0..total {
        let then = IAT + (i / RATE) as i64;
        if then + WINDOW >= last
            && store.check_and_insert(&key(i), then + WINDOW, last) != Ok(ReplayVerdict::Seen)
        {
            forgotten += 1;
        }
    }
    black_box(probe);
    let (entries, max_entries, bytes, max_bytes) = store.occupancy();
    json!({
        "proofs": total,
        "ns_per_proof": (ns * 10.0).round() / 10.0,
        "refusals": store.refusals(),
        "forgotten_inside_window": forgotten,
        "entries": entries,
        "max_entries": max_entries,
        "bytes": bytes,
        "max_bytes": max_bytes,
        "rss_growth_kib": grown,
        "rss_over_bound": r3(grown as f64 * 1024.0 / max_bytes as f64),
    })
}

/// A DPoP verifier through the C ABI, its requests built per call as a C server builds them.
struct CDpopVerifier(*mut jwks_verifier);

impl CDpopVerifier {
    fn new(jwks: &[u8]) -> CDpopVerifier {
        let c = |s: &str| CString::new(s).unwrap();
        // SAFETY: every pointer is valid for the call; the options are freed after use.
        unsafe {
            let opts = jwks_options_new();
            assert_eq!(
                jwks_options_add_issuer(opts, c(ISSUER).as_ptr()),
                jwks_result::Ok
            );
            assert_eq!(
                jwks_options_add_audience(opts, c(AUDIENCE).as_ptr()),
                jwks_result::Ok
            );
            assert_eq!(
                jwkskit::ffi::jwks_options_set_token_scheme(opts, c("dpop").as_ptr()),
                jwks_result::Ok
            );
            let mut v = null_mut();
            let r =
                jwks_verifier_from_json(jwks.as_ptr().cast(), jwks.len(), opts, &mut v, null_mut());
            jwks_options_free(opts);
            assert_eq!(r, jwks_result::Ok);
            CDpopVerifier(v)
        }
    }

    fn verify(&self, authorization: &str, proof: &str, now: i64) -> bool {
        use jwkskit::ffi::{
            jwks_request_add_authorization, jwks_request_add_dpop, jwks_request_free,
            jwks_request_new, jwks_verify_request_at,
        };
        // The C strings a server would have from its HTTP parser.
        let (method, uri) = (c"GET", c"https://api.example.com/orders");
        let auth = CString::new(authorization).unwrap();
        let dpop = CString::new(proof).unwrap();
        // SAFETY: valid pointers; the request and token are freed here.
        unsafe {
            let mut req = null_mut();
            assert_eq!(
                jwks_request_new(method.as_ptr(), uri.as_ptr(), &mut req),
                jwks_result::Ok
            );
            jwks_request_add_authorization(req, auth.as_ptr());
            jwks_request_add_dpop(req, dpop.as_ptr());
            let mut t: *mut jwks_token = null_mut();
            let r = jwks_verify_request_at(self.0, req, now, &mut t, null_mut());
            jwks_token_free(t);
            jwks_request_free(req);
            r == jwks_result::Ok
        }
    }
}

impl Drop for CDpopVerifier {
    fn drop(&mut self) {
        // SAFETY: the verifier this wrapper made.
        unsafe { jwks_verifier_free(self.0) }
    }
}

fn smoke() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("jwks-bench-smoke-{}", std::process::id()));
    write_fixtures(&dir, 40);
    let fx = load_fixtures(&dir);
    assert_eq!(fx.cases.len(), 6);
    let rust = Verifier::from_json(&fx.jwks, policy()).unwrap();
    let c = CVerifier::new(&fx.jwks, false);
    for case in &fx.cases {
        assert!((case.floor)(), "{}", case.name);
        assert!(rust.verify(case.token.as_bytes()).is_ok(), "{}", case.name);
        assert!(c.verify(&case.token), "{}", case.name);
    }
    let s = Settings {
        rounds: 1,
        batch: Duration::from_micros(1),
        phase: Duration::from_millis(20),
        phases: 1,
        memory_iterations: 300,
        miss_cache_entries: 16,
        replay_proofs: 2000,
    };
    let small = Fixtures {
        jwks: fx.jwks.clone(),
        cases: fx
            .cases
            .into_iter()
            .filter(|c| c.name != "RS256-4096")
            .collect(),
    };
    assert!(
        thread_scaling(&small, &c, &s)["one_thread_per_s"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(remote_vs_static(&small, &rust, &s)["fetches"], 1);
    assert!(token_cache(&small, &dir, &s)["hits"].as_u64().unwrap() > 0);
    let soak = cache_soak(3000, 500, DEFAULT_MAX_ENTRIES);
    assert!(soak["hits"].as_u64().unwrap() > 0 && soak["entries"].as_u64().unwrap() <= 4096);
    let d = dpop(&s);
    assert_eq!(d["replay"]["forgotten_inside_window"], 0, "{d}");
    assert_eq!(d["replay"]["refusals"], 0, "{d}");
    for mode in ["floor", "rust", "c"] {
        dpop_profile(mode, 3);
    }
    let m = memory(&dir, s.memory_iterations);
    assert!(m["verifier_100_keys_kib"].as_u64().is_some());
    let go = parse_go("BenchmarkFixtures/ES256/jwks-2   \t 100\t  51234 ns/op\t 1 B/op\n");
    assert_eq!(go[&("ES256".to_string(), "jwks".to_string())], [51.234]);
    std::fs::remove_dir_all(&dir).unwrap();
    println!("bench smoke pass: fixtures, ring floor, Rust API, C ABI, threads, remote, memory, token cache, DPoP");
}
