//! Fault injection: a key server that misbehaves after (or instead of) a good answer. Every
//! fault must end in a clear error within a bounded time, and keys fetched before the fault
//! must keep verifying.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jwkskit::{Category, ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, ServerCert, TestCa, TestKey};

const ISS: &str = "https://issuer.test";

fn opts() -> RemoteOptions {
    RemoteOptions {
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_millis(500),
        refresh_cooldown: Duration::from_secs(30),
        ..support::loopback_options()
    }
}

/// Bodies that are not key sets, each with a word its error message must contain.
fn bad_bodies() -> Vec<(&'static str, Reply, &'static str)> {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":{}1{}}}]}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    vec![
        (
            "invalid UTF-8",
            Reply::json(b"{\"keys\":[{\"kty\":\"\xff\xfe\"}]}".to_vec()),
            "key set",
        ),
        ("deeply nested arrays", Reply::json(deep), "key set"),
        ("deeply nested key", Reply::json(deep_object), "key set"),
        ("not JSON", Reply::json(b"\x00\x01\x02".to_vec()), "key set"),
        (
            "reset mid-body",
            Reply::json(vec![b' '; 4096]).cut_after(100),
            "closed early",
        ),
        (
            "endless body",
            Reply::huge(b' ', 64 << 20).no_length(),
            "exceeds",
        ),
        (
            "slow drip",
            Reply::json(vec![b' '; 4096]).drip(1, Duration::from_millis(50)),
            "timed out",
        ),
        ("server error", Reply::status(500), "status 500"),
        ("not found", Reply::status(404), "404"),
    ]
}

#[test]
fn each_fault_is_a_clear_error_and_good_keys_are_kept() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let token = key.token(ISS);
    for (name, reply, word) in bad_bodies() {
        let good = doc.clone();
        let server = Server::http(move |_, _| Reply::json(good.clone()));
        let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
        v.verify(token.as_bytes()).unwrap();

        server.set_handler(move |_, _| reply.clone());
        let start = Instant::now();
        let e = v.refresh().unwrap_err();
        let took = start.elapsed();
        assert!(
            matches!(e.category(), Category::KeysUnavailable),
            "{name}: {e}"
        );
        assert!(e.message().contains(word), "{name}: {e}");
        assert!(took < Duration::from_secs(3), "{name}: took {took:?}");
        // The keys from before the fault keep verifying, without waiting.
        let start = Instant::now();
        v.verify(token.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: good key dropped: {e}"));
        assert!(start.elapsed() < Duration::from_millis(200), "{name}");
        assert_eq!(v.stats().key_count, 1, "{name}");
        assert!(v.stats().failures >= 1, "{name}");
    }
}

#[test]
fn the_same_faults_on_a_cold_start_are_keys_unavailable() {
    let key = TestKey::new("k");
    for (name, reply, _) in bad_bodies() {
        let server = Server::fixed(reply);
        let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
        let start = Instant::now();
        let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
        assert_eq!(e.category(), Category::KeysUnavailable, "{name}: {e}");
        assert!(start.elapsed() < Duration::from_secs(3), "{name}");
    }
}

#[test]
fn a_key_set_that_changes_on_every_request_costs_bounded_fetches() {
    // Every answer is a different random key: tokens for earlier keys go unknown, and a
    // flood of unknown kids must still be limited by the cooldown.
    let first = Arc::new(TestKey::new("k-0"));
    let served = Arc::new(AtomicUsize::new(0));
    let (f, n) = (Arc::clone(&first), Arc::clone(&served));
    let server = Server::http(move |_, _| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        if i == 0 {
            Reply::json(jwks(&[&f]))
        } else {
            Reply::json(jwks(&[&TestKey::new(&format!("k-{i}"))]))
        }
    });
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    v.verify(first.token(ISS).as_bytes()).unwrap();
    let stranger = TestKey::new("x");
    for i in 0..500 {
        let e = v
            .verify(
                stranger
                    .token_with_kid(&format!("random-{i}"), ISS)
                    .as_bytes(),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
    }
    assert!(server.hits() <= 2, "{} fetches", server.hits());
    // The refetch replaced k-0 with the server's new key: k-0 tokens are now unknown, cleanly.
    if server.hits() == 2 {
        let e = v.verify(first.token(ISS).as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
    }
}

/// An HTTPS server presenting a certificate of `kind` and serving `key`, and a verifier that
/// trusts the server's CA.
fn https_key_server(kind: ServerCert, key: &TestKey) -> (Server, Verifier) {
    let ca = TestCa::with_server_cert(kind);
    let doc = jwks(&[key]);
    let server = Server::https(ca.server_config(), move |_, _| Reply::json(doc.clone()));
    let options = RemoteOptions {
        allow_http: false,
        ca_pem: Some(ca.ca_pem.as_bytes().to_vec()),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    (server, v)
}

#[test]
fn bad_certificates_are_refused_before_any_request() {
    let key = TestKey::new("k");
    for kind in [
        ServerCert::WrongHost,
        ServerCert::Expired,
        ServerCert::SelfSigned,
    ] {
        let (server, v) = https_key_server(kind, &key);
        let start = Instant::now();
        let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable, "{e}");
        assert!(
            e.message().to_ascii_lowercase().contains("certificate"),
            "{e}"
        );
        assert!(start.elapsed() < Duration::from_secs(3));
        assert_eq!(server.hits(), 0, "no request after a failed handshake");
    }
    // The control: the same setup with a good certificate verifies.
    let (_server, v) = https_key_server(ServerCert::Good, &key);
    v.verify(key.token(ISS).as_bytes()).unwrap();
}

#[test]
fn redirects_to_http_and_to_other_hosts() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let other = Server::http(move |_, _| Reply::json(doc.clone()));
    let target = other.url("/jwks");
    // An https server redirecting to plain http is refused even with http allowed.
    let ca = TestCa::new();
    let t = target.clone();
    let tls = Server::https(ca.server_config(), move |_, _| Reply::redirect(302, &t));
    let options = RemoteOptions {
        ca_pem: Some(ca.ca_pem.as_bytes().to_vec()),
        ..opts()
    };
    let v = Verifier::from_url(&tls.url("/jwks"), Policy::default(), options).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.category(), Category::KeysUnavailable, "{e}");
    assert!(e.message().contains("http"), "{e}");
    assert_eq!(other.hits(), 0, "the http target was never asked");
    // An http-to-http redirect to another host (port) is refused even with http allowed:
    // over plain http nothing proves where the redirect came from.
    let t = target.clone();
    let hop = Server::http(move |_, _| Reply::redirect(302, &t));
    let v = Verifier::from_url(&hop.url("/jwks"), Policy::default(), opts()).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert!(e.message().contains("same host and port"), "{e}");
    assert_eq!(other.hits(), 0);
}
