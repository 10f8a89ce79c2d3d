//! The remote key source against a real HTTP server on loopback: caching, rotation,
//! `Cache-Control`, `ETag`, unknown `kid`s, cold starts and outages.

mod support;

use std::time::Duration;

use jwks::{Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

fn opts() -> RemoteOptions {
    RemoteOptions {
        allow_http: true,
        proxy_from_env: false,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        ..RemoteOptions::default()
    }
}

#[test]
fn a_thousand_verifications_of_known_kids_cost_one_fetch() {
    let k1 = TestKey::new("k1");
    let k2 = TestKey::new("k2");
    let doc = jwks(&[&k1, &k2]);
    let server = Server::fixed(Reply::json(doc));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    assert_eq!(server.hits(), 0, "no I/O at construction");
    let tokens = [k1.token(ISS), k2.token(ISS)];
    for i in 0..1000 {
        let t = v.verify(tokens[i % 2].as_bytes()).unwrap();
        assert_eq!(t.key_kid(), Some(if i % 2 == 0 { "k1" } else { "k2" }));
    }
    assert_eq!(server.hits(), 1);
    let stats = v.stats();
    assert_eq!(stats.fetches, 1);
    assert_eq!(stats.failures, 0);
    assert_eq!(stats.key_count, 2);
    assert!(stats.keys_age_ms >= 0);
    assert_eq!(v.source().last_error(), None);
}
