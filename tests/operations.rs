//! Operations against loopback servers: eager start (`fetch_at_start`) failing at
//! construction with the fetch's own error, readiness, the verification counts and the
//! metric samples named by the catalogue.

mod support;

use std::time::Duration;

use jwkskit::catalogue::metrics;
use jwkskit::{ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestCa, TestKey};

fn eager() -> RemoteOptions {
    RemoteOptions {
        fetch_at_start: true,
        ..support::loopback_options()
    }
}

/// An identity provider whose discovery document names `named` (its base URL when `None`) and
/// serves `keys` at `/keys`.
fn idp(named: Option<&str>, keys: &[&TestKey]) -> Server {
    let doc = jwks(keys);
    let server = Server::http(|_, _| Reply::status(500));
    let base = server.base();
    let named = named.map_or_else(|| base.clone(), str::to_string);
    server.set_handler(move |req, _| match req.path.as_str() {
        "/.well-known/openid-configuration" => Reply::json(format!(
            r#"{{"issuer":"{named}","jwks_uri":"{base}/keys"}}"#
        )),
        "/keys" => Reply::json(doc.clone()),
        _ => Reply::status(404),
    });
    server
}

/// A URL on loopback where nothing listens.
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/jwks")
}

#[test]
fn a_good_endpoint_is_ready_at_once() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), eager()).unwrap();
    assert_eq!(server.hits(), 1, "fetched by the constructor");
    assert!(v.is_ready());
    v.verify(key.token("https://i.test").as_bytes()).unwrap();
    assert_eq!(server.hits(), 1);

    let lazy = Verifier::from_url(
        &server.url("/jwks"),
        Policy::default(),
        support::loopback_options(),
    )
    .unwrap();
    assert_eq!(server.hits(), 1, "nothing fetched without fetch_at_start");
    assert!(!lazy.is_ready());
    lazy.verify(key.token("https://i.test").as_bytes()).unwrap();
    assert!(lazy.is_ready());
}

#[test]
fn a_down_endpoint_fails_at_start_and_per_request_without_it() {
    let url = closed_url();
    let e = Verifier::from_url(&url, Policy::default(), eager()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(
        e.message()
            .starts_with("loading the keys at start: fetching http://127.0.0.1:"),
        "{e}"
    );
    let v = Verifier::from_url(&url, Policy::default(), support::loopback_options()).unwrap();
    assert!(!v.is_ready());
    let e = v
        .verify(TestKey::new("k").token("https://i.test").as_bytes())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(!v.is_ready());
}

#[test]
fn an_issuer_differing_by_a_trailing_slash_fails_at_start_naming_both() {
    let key = TestKey::new("k");
    let server = idp(None, &[&key]);
    let configured = format!("{}/", server.base());
    let e = Verifier::from_issuer(&configured, Policy::default(), eager()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    let m = e.message();
    assert!(
        m.contains(&format!(
            "names issuer {:?}, expected {configured:?}",
            server.base()
        )),
        "{m}"
    );
    assert!(m.contains("differ only by a trailing slash"), "{m}");
    // Without eager start it is made, and the mistake shows on every verification.
    let v =
        Verifier::from_issuer(&configured, Policy::default(), support::loopback_options()).unwrap();
    for _ in 0..2 {
        let e = v.verify(key.token(&configured).as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
        assert!(e.message().contains("trailing slash"), "{e}");
    }
    // Spelt as the document names it, it starts.
    let v = Verifier::from_issuer(&server.base(), Policy::default(), eager()).unwrap();
    assert!(v.is_ready());
}

#[test]
fn an_invalid_key_set_fails_at_start() {
    let server = Server::fixed(Reply::json(r#"{"keys":[{"kty":"RSA"}]}"#));
    let e = Verifier::from_url(&server.url("/jwks"), Policy::default(), eager()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeySetInvalid, "{e}");
}

#[test]
fn a_certificate_from_an_untrusted_ca_fails_at_start() {
    let server_ca = TestCa::new();
    let other_ca = TestCa::new();
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::https(server_ca.server_config(), move |_, _| {
        Reply::json(doc.clone())
    });
    let opts = RemoteOptions {
        ca_pem: Some(other_ca.ca_pem.as_bytes().to_vec()),
        ..eager()
    };
    let e = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(
        e.message().to_ascii_lowercase().contains("certificate"),
        "{e}"
    );
}

#[test]
fn several_issuers_start_together_and_are_ready_together() {
    let (ka, kb) = (TestKey::new("a"), TestKey::new("b"));
    let (a, b) = (idp(None, &[&ka]), idp(None, &[&kb]));
    let policy = Policy {
        issuers: vec![a.base(), b.base()],
        ..Policy::default()
    };
    let v = Verifier::from_issuers(policy.clone(), eager()).unwrap();
    assert!(v.is_ready());
    assert_eq!((a.hits(), b.hits()), (2, 2), "discovery and keys of each");

    let lazy = Verifier::from_issuers(policy.clone(), support::loopback_options()).unwrap();
    lazy.verify(ka.token(&a.base()).as_bytes()).unwrap();
    assert!(!lazy.is_ready(), "b has no keys yet");
    lazy.verify(kb.token(&b.base()).as_bytes()).unwrap();
    assert!(lazy.is_ready());

    // One issuer down: the error names it.
    let down = closed_url();
    let down_issuer = down.trim_end_matches("/jwks").to_string();
    let policy = Policy {
        issuers: vec![a.base(), down_issuer.clone()],
        ..Policy::default()
    };
    let e = Verifier::from_issuers(policy, eager()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(
        e.message().starts_with(&format!(
            "loading the keys at start: issuer {down_issuer:?}: "
        )),
        "{e}"
    );
}

#[test]
fn a_fixed_set_and_a_file_are_always_ready() {
    let key = TestKey::new("k");
    let v = Verifier::from_json(jwks(&[&key]).as_bytes(), Policy::default()).unwrap();
    assert!(v.is_ready());
    let dir = std::env::temp_dir().join(format!("jwks-ops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    std::fs::write(&path, jwks(&[&key])).unwrap();
    let v = Verifier::from_file(&path, Policy::default(), eager()).unwrap();
    assert!(v.is_ready());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keys_past_their_stale_bound_are_not_ready() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])).header("Cache-Control", "max-age=1"));
    let opts = RemoteOptions {
        min_cache_ttl: Duration::from_millis(300),
        cache_ttl: Duration::from_millis(300),
        max_stale: Duration::from_millis(300),
        ..eager()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts).unwrap();
    assert!(v.is_ready());
    // The endpoint goes down; the keys expire (1 s) and pass their stale bound (0.3 s more).
    server.set_handler(|_, _| Reply::status(503));
    std::thread::sleep(Duration::from_millis(1600));
    assert!(!v.is_ready());
    // Readiness fetched nothing.
    assert_eq!(server.hits(), 1);
}

#[test]
fn verifications_are_counted_by_result_and_sampled_by_the_catalogue() {
    let key = TestKey::new("k");
    let other = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), eager()).unwrap();
    let good = key.token("https://i.test");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    v.verify(good.as_bytes()).unwrap();
                }
            });
        }
    });
    let forged = other.token("https://i.test");
    assert_eq!(
        v.verify(forged.as_bytes()).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    assert_eq!(
        v.verify_signature(b"a.b").unwrap_err().kind(),
        ErrorKind::Malformed
    );
    let counts = v.verify_counts();
    assert_eq!(counts.succeeded(), 200);
    assert_eq!(counts.failed(ErrorKind::BadSignature), 1);
    assert_eq!(counts.failed(ErrorKind::Malformed), 1);
    assert_eq!(counts.failed_total(), 2);

    let samples = jwkskit::metrics::samples(&v);
    let find = |name: &str, result: Option<&str>| {
        samples
            .iter()
            .find(|s| {
                s.metric.name == name && result.is_none_or(|r| s.labels.iter().any(|(_, v)| v == r))
            })
            .unwrap_or_else(|| panic!("no sample of {name} {result:?}"))
            .value
    };
    assert_eq!(find("jwks_verifications_total", Some("OK")), 200.0);
    assert_eq!(find("jwks_verifications_total", Some("BAD_SIGNATURE")), 1.0);
    assert_eq!(find("jwks_ready", None), 1.0);
    assert_eq!(find("jwks_key_fetches_total", None), 1.0);
    assert!(find("jwks_token_cache_hits_total", None) >= 196.0);
    let age = find("jwks_keys_age_seconds", None);
    assert!(
        (0.0..60.0).contains(&age),
        "seconds, not milliseconds: {age}"
    );
    // Every metric of the catalogue has its samples: one per result for the counts.
    let names: std::collections::BTreeSet<_> = samples.iter().map(|s| s.metric.name).collect();
    assert_eq!(names.len(), metrics::all().len());
    let per_result = samples
        .iter()
        .filter(|s| s.metric.name == metrics::VERIFICATIONS.name)
        .count();
    assert_eq!(per_result, metrics::verification_results().len());
}

#[test]
fn a_verifier_without_keys_has_no_age_sample() {
    let v = Verifier::from_url(
        &closed_url(),
        Policy::default(),
        support::loopback_options(),
    )
    .unwrap();
    let samples = jwkskit::metrics::samples(&v);
    assert!(samples
        .iter()
        .all(|s| s.metric.name != "jwks_keys_age_seconds"));
    let ready = samples
        .iter()
        .find(|s| s.metric.name == "jwks_ready")
        .unwrap();
    assert_eq!(ready.value, 0.0);
}
