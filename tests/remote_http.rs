//! The remote key source against a real HTTP server on loopback: caching, rotation,
//! `Cache-Control`, `ETag`, unknown `kid`s, cold starts and outages.

mod support;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use jwkskit::{Category, ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{loopback_options as opts, Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

#[test]
fn a_thousand_verifications_of_known_kids_cost_one_fetch() {
    let k1 = TestKey::new("k1");
    let k2 = TestKey::new("k2");
    let server = Server::fixed(Reply::json(jwks(&[&k1, &k2])));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    assert_eq!(server.hits(), 0, "no I/O at construction");
    let tokens = [k1.token(ISS), k2.token(ISS)];
    for i in 0..1000 {
        let t = v.verify(tokens[i % 2].as_bytes()).unwrap();
        assert_eq!(t.key_id(), Some(if i % 2 == 0 { "k1" } else { "k2" }));
    }
    assert_eq!(server.hits(), 1);
    let stats = v.stats();
    assert_eq!(stats.fetches, 1);
    assert_eq!(stats.failures, 0);
    assert_eq!(stats.key_count, 2);
    assert_eq!(stats.skipped_count, 0);
    assert!(stats.keys_age_ms >= 0);
    assert_eq!(v.source().last_error(), None);
}

#[test]
fn a_flood_of_unknown_kids_from_eight_threads_costs_at_most_one_fetch() {
    let known = TestKey::new("known");
    let attacker = TestKey::new("attacker");
    let server = Server::fixed(Reply::json(jwks(&[&known])));
    let options = RemoteOptions {
        refresh_cooldown: Duration::from_secs(60),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    v.verify(known.token(ISS).as_bytes()).unwrap();
    assert_eq!(server.hits(), 1);
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let v = v.clone();
            let barrier = Arc::clone(&barrier);
            let tokens: Vec<String> = (0..50)
                .map(|i| attacker.token_with_kid(&format!("rnd-{t}-{i}-{}", i * 7919 + t), ISS))
                .collect();
            std::thread::spawn(move || {
                barrier.wait();
                tokens
                    .iter()
                    .map(|tok| v.verify(tok.as_bytes()).unwrap_err().kind())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let kinds: Vec<ErrorKind> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(kinds.len(), 400);
    assert!(
        kinds.iter().all(|k| *k == ErrorKind::UnknownKey),
        "{kinds:?}"
    );
    assert!(server.hits() <= 2, "{} fetches", server.hits());
    let stats = v.stats();
    assert_eq!(stats.unknown_kid_refreshes, server.hits() as u64 - 1);
    assert!(stats.cooldown_rejections >= 350, "{stats:?}");
    // Known kids still verify, without a fetch.
    v.verify(known.token(ISS).as_bytes()).unwrap();
    assert!(server.hits() <= 2);
}

#[test]
fn sixteen_cold_callers_share_one_slow_fetch() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])).delay(Duration::from_millis(300)));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    let token = key.token(ISS);
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (v, token, barrier) = (v.clone(), token.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                v.verify(token.as_bytes())
                    .map(|t| t.key_id().map(str::to_owned))
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap().as_deref(), Some("k"));
    }
    assert_eq!(server.hits(), 1);
    assert_eq!(v.stats().fetches, 1);
}

#[test]
fn an_outage_after_the_ttl_keeps_known_tokens_verifying_with_few_retries() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::fixed(Reply::json(doc));
    let options = RemoteOptions {
        cache_ttl: Duration::from_millis(300),
        min_cache_ttl: Duration::from_millis(100),
        retry_min: Duration::from_millis(100),
        retry_max: Duration::from_millis(400),
        max_stale: Duration::from_secs(60),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    let token = key.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    server.set_handler(|_, _| Reply::status(503));
    let start = Instant::now();
    let mut verified = 0;
    while start.elapsed() < Duration::from_millis(1500) {
        v.verify(token.as_bytes())
            .expect("stale keys keep verifying");
        verified += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(verified > 100);
    // Refresh from ~240 ms, then retries after ~100, 200, 400, 400 ms: a handful, not hundreds.
    let retries = server.hits() - 1;
    assert!((2..=10).contains(&retries), "{retries} retries");
    let stats = v.stats();
    assert!(stats.failures >= 2, "{stats:?}");
    assert!(stats.keys_age_ms >= 1000, "{stats:?}");
    let last = v.source().last_error().expect("last error");
    assert_eq!(last.kind(), ErrorKind::KeysUnavailable);
    assert!(last.message().contains("503"), "{last}");
    // refresh() forces a fetch and reports its error.
    let e = v.refresh().unwrap_err();
    assert!(e.message().contains("503"));
}

#[test]
fn stale_keys_stop_verifying_past_max_stale() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])));
    let options = RemoteOptions {
        cache_ttl: Duration::from_millis(100),
        min_cache_ttl: Duration::from_millis(100),
        max_stale: Duration::from_millis(300),
        retry_min: Duration::from_millis(50),
        retry_max: Duration::from_millis(100),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    let token = key.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    server.set_handler(|_, _| Reply::status(500));
    std::thread::sleep(Duration::from_millis(150));
    v.verify(token.as_bytes()).expect("within max_stale");
    std::thread::sleep(Duration::from_millis(400));
    let e = v.verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert_eq!(e.category(), Category::KeysUnavailable);
    assert!(e.message().contains("500"), "{e}");
    // The endpoint recovers: keys are back.
    let doc = jwks(&[&key]);
    server.set_handler(move |_, _| Reply::json(doc.clone()));
    v.refresh().unwrap();
    v.verify(token.as_bytes()).unwrap();
}

#[test]
fn rotation_picks_up_a_new_kid_with_one_refetch() {
    let old = TestKey::new("old");
    let new = TestKey::new("new");
    let server = Server::fixed(Reply::json(jwks(&[&old])));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    v.verify(old.token(ISS).as_bytes()).unwrap();
    let rotated = jwks(&[&new]);
    server.set_handler(move |_, _| Reply::json(rotated.clone()));
    let t = v.verify(new.token(ISS).as_bytes()).unwrap();
    assert_eq!(t.key_id(), Some("new"));
    assert_eq!(server.hits(), 2);
    assert_eq!(v.stats().unknown_kid_refreshes, 1);
    // The retired key is gone; within the cooldown that costs no fetch.
    let e = v.verify(old.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownKey);
    assert_eq!(server.hits(), 2);
}

#[test]
fn max_age_and_etag_revalidation() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::http(move |req, _| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304).header("Cache-Control", "max-age=600")
        } else {
            Reply::json(doc.clone())
                .header("ETag", "\"v1\"")
                .header("Cache-Control", "public, max-age=1")
        }
    });
    let options = RemoteOptions {
        min_cache_ttl: Duration::from_millis(500),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    let token = key.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    // Expired: served at once while a background revalidation runs.
    v.verify(token.as_bytes()).unwrap();
    let start = Instant::now();
    while v.stats().not_modified == 0 && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.hits(), 2, "max-age=1 expired the keys");
    let reqs = server.requests();
    assert_eq!(reqs[0].header("if-none-match"), None);
    assert_eq!(reqs[1].header("if-none-match"), Some("\"v1\""));
    let stats = v.stats();
    assert_eq!((stats.fetches, stats.not_modified), (2, 1));
    assert_eq!(stats.key_count, 1);
    // The 304 said max-age=600: no more fetches.
    for _ in 0..50 {
        v.verify(token.as_bytes()).unwrap();
    }
    assert_eq!(server.hits(), 2);
}

#[test]
fn user_agent_and_custom_headers_are_sent() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])));
    let options = RemoteOptions {
        user_agent: "acme-gateway/2.1".into(),
        headers: vec![("X-Api-Key".into(), "s3cret".into())],
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    v.refresh().unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.path, "/jwks");
    assert_eq!(req.header("user-agent"), Some("acme-gateway/2.1"));
    assert_eq!(req.header("x-api-key"), Some("s3cret"));
}

#[test]
fn urls_are_checked_at_construction_without_io() {
    let p = Policy::default;
    let strict = RemoteOptions::default();
    let e = Verifier::from_url("http://127.0.0.1:9/jwks", p(), strict.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsecureUrl);
    for bad in ["", "jwks.json", "ftp://127.0.0.1/jwks", "https://"] {
        let e = Verifier::from_url(bad, p(), strict.clone()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad:?}");
    }
    // An https URL nobody serves is fine until used.
    let v = Verifier::from_url("https://127.0.0.1:9/jwks", p(), strict).unwrap();
    assert_eq!(v.stats().fetches, 0);
    assert_eq!(v.stats().keys_age_ms, -1);
}

#[test]
fn an_explicit_proxy_carries_the_request() {
    let key = TestKey::new("k");
    let proxy = Server::fixed(Reply::json(jwks(&[&key])));
    let options = RemoteOptions {
        proxy: Some(proxy.base()),
        ..opts()
    };
    // The host does not exist: only the proxy can answer.
    let v = Verifier::from_url("http://jwks.invalid/keys", Policy::default(), options).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
    assert_eq!(proxy.hits(), 1);
    let reqs = proxy.requests();
    assert_eq!(reqs[0].method, "CONNECT");
    assert_eq!(reqs[0].path, "jwks.invalid:80");
    assert_eq!(reqs[1].path, "/keys");

    let bad = RemoteOptions {
        proxy: Some("::not a proxy::".into()),
        ..opts()
    };
    let e = Verifier::from_url("http://jwks.invalid/keys", Policy::default(), bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}
