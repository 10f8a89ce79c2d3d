//! Soak test: many threads verify valid and invalid tokens through one remote verifier while
//! the key endpoint rotates its keys every second.
//!
//! Usage: `cargo run --release --example soak -- [SECONDS] [THREADS]` (default 60 s, 8
//! threads), or `scripts/soak.sh`. Exits 0 only with zero false rejections of valid tokens,
//! zero false accepts and flat memory.
//!
//! Rotation follows the documented procedure, one step per second (an "epoch"): during epoch
//! `e` the endpoint publishes the keys of epochs `e-1`, `e` and `e+1` — the next key is out a
//! whole epoch before it signs, the previous one stays a whole epoch after it stops — and
//! tokens are signed with key `e`. The verifier caches for one second (max-age 1, lower bound 1
//! s) and may refetch an unknown kid once a second. A valid token is therefore always signed by
//! a key that was published at least a second before, and must never be rejected.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jwkskit::issuer::{JwksServer, ServeOptions, SigningKey};
use jwkskit::{Algorithm, ErrorKind, Policy, RemoteOptions, Verifier};
use parking_lot::RwLock;
use serde_json::json;

const ISS: &str = "https://issuer.soak";

/// The tokens of the current epoch: one valid, and invalid ones with what they must give.
struct Epoch {
    valid: String,
    invalid: Vec<(ErrorKind, String)>,
}

#[derive(Default)]
struct Counts {
    valid_ok: AtomicU64,
    false_rejections: AtomicU64,
    invalid_rejected: AtomicU64,
    false_accepts: AtomicU64,
    wrong_reason: AtomicU64,
}

fn key(epoch: u64) -> SigningKey {
    let alg = if epoch.is_multiple_of(2) {
        Algorithm::ES256
    } else {
        Algorithm::EdDSA
    };
    SigningKey::generate(alg)
        .expect("generate key")
        .with_kid(format!("epoch-{epoch}"))
}

fn claims(exp_in: i64) -> serde_json::Value {
    let now = jwkskit::unix_now();
    json!({"iss": ISS, "aud": "soak", "sub": "user", "iat": now, "exp": now + exp_in})
}

fn make_epoch(current: &SigningKey, epoch: u64) -> Epoch {
    let valid = current.sign(&claims(300)).expect("sign");
    let (head, sig) = valid.rsplit_once('.').expect("token");
    let flipped = if sig.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{head}.{flipped}{}", &sig[1..]);
    let impostor = key(epoch).sign(&claims(300)).expect("sign"); // same kid, other key
    let unknown = key(epoch)
        .with_kid(format!("never-published-{epoch}"))
        .sign(&claims(300))
        .expect("sign");
    let expired = current.sign(&claims(-120)).expect("sign");
    Epoch {
        valid,
        invalid: vec![
            (ErrorKind::BadSignature, tampered),
            (ErrorKind::BadSignature, impostor),
            (ErrorKind::UnknownKey, unknown),
            (ErrorKind::Expired, expired),
        ],
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(60, |s| s.parse().expect("SECONDS"));
    let threads: usize = args.next().map_or(8, |s| s.parse().expect("THREADS"));

    let mut keys: Vec<SigningKey> = (0..2).map(key).collect();
    let server = JwksServer::start_with_keys(
        &[&keys[0], &keys[1]],
        ServeOptions {
            port: 0,
            max_age: 1,
            ..ServeOptions::default()
        },
    )
    .expect("start the key endpoint");
    let remote = RemoteOptions {
        allow_http: true,
        proxy_from_env: false,
        min_cache_ttl: Duration::from_secs(1),
        refresh_cooldown: Duration::from_secs(1),
        ..RemoteOptions::default()
    };
    let policy = Policy {
        issuers: vec![ISS.into()],
        audiences: vec!["soak".into()],
        ..Policy::default()
    };
    let verifier =
        Arc::new(Verifier::from_url(&server.jwks_url(), policy, remote).expect("verifier"));
    let epoch_tokens = Arc::new(RwLock::new(Arc::new(make_epoch(&keys[0], 0))));
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (v, tokens, c, stop) = (
                Arc::clone(&verifier),
                Arc::clone(&epoch_tokens),
                Arc::clone(&counts),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let epoch = Arc::clone(&tokens.read());
                    match v.verify(epoch.valid.as_bytes()) {
                        Ok(_) => c.valid_ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("false rejection: {e}");
                            c.false_rejections.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    let (want, bad) = &epoch.invalid[i % epoch.invalid.len()];
                    match v.verify(bad.as_bytes()) {
                        Ok(_) => {
                            eprintln!("false accept of a token that must give {want:?}");
                            c.false_accepts.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) if e.kind() == *want => {
                            c.invalid_rejected.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            // Rejected, but for another reason: reported, not a false accept.
                            eprintln!("expected {want:?}, got {e}");
                            c.wrong_reason.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    i += 1;
                }
            })
        })
        .collect();

    let start = Instant::now();
    let mut baseline_rss = 0;
    let mut peak_rss = 0;
    println!(
        "soak: {threads} threads, {seconds} s, keys rotating every second at {}",
        server.jwks_url()
    );
    for epoch in 1..=seconds {
        std::thread::sleep(Duration::from_secs(epoch).saturating_sub(start.elapsed()));
        // Epoch `epoch`: publish epoch-1, epoch, epoch+1; sign with `epoch`.
        keys.push(key(epoch + 1));
        if keys.len() > 3 {
            keys.remove(0);
        }
        let published: Vec<&SigningKey> = keys.iter().collect();
        server.set_keys(&published);
        let current = &keys[keys.len() - 2];
        *epoch_tokens.write() = Arc::new(make_epoch(current, epoch));
        let rss = rss_kib();
        // The first tenth (at least 5 s) warms up caches, thread stacks and the allocator.
        if epoch == (seconds / 10).max(5) {
            baseline_rss = rss;
        }
        peak_rss = peak_rss.max(rss);
        if epoch % 10 == 0 {
            let s = verifier.stats();
            println!(
                "  {epoch:>4} s: {} valid verified, {} invalid rejected, {} fetches, RSS {} KiB",
                counts.valid_ok.load(Ordering::Relaxed),
                counts.invalid_rejected.load(Ordering::Relaxed),
                s.fetches,
                rss
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    let end_rss = rss_kib();
    let s = verifier.stats();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let growth = end_rss.saturating_sub(baseline_rss);
    println!(
        "soak: {} valid verified, {} false rejections; {} invalid rejected, {} false accepts, \
         {} rejected for another reason; {} fetches ({} not modified, {} failed); RSS {} KiB \
         after warm-up, {} KiB at the end (peak {} KiB)",
        get(&counts.valid_ok),
        get(&counts.false_rejections),
        get(&counts.invalid_rejected),
        get(&counts.false_accepts),
        get(&counts.wrong_reason),
        s.fetches,
        s.not_modified,
        s.failures,
        baseline_rss,
        end_rss,
        peak_rss
    );
    server.stop();
    let mut ok = true;
    if get(&counts.false_rejections) > 0 || get(&counts.false_accepts) > 0 {
        ok = false;
    }
    if get(&counts.valid_ok) == 0 || get(&counts.invalid_rejected) == 0 {
        println!("FAIL: nothing was verified");
        ok = false;
    }
    // Flat memory: allow 4 MiB of allocator and page-cache noise over the run.
    if baseline_rss > 0 && growth > 4096 {
        println!("FAIL: memory grew by {growth} KiB after warm-up");
        ok = false;
    }
    println!("{}", if ok { "soak: PASS" } else { "soak: FAIL" });
    std::process::exit(if ok { 0 } else { 1 });
}
