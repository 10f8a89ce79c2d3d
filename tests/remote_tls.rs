//! The remote key source over HTTPS: a private CA trusted through `ca_pem`, a wrong CA
//! refused, and redirects that would leave https refused.

mod support;

use std::time::Duration;

use jwkskit::{ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestCa, TestKey};

const ISS: &str = "https://issuer.test";

fn opts(ca: &TestCa) -> RemoteOptions {
    RemoteOptions {
        ca_pem: Some(ca.ca_pem.as_bytes().to_vec()),
        proxy_from_env: false,
        timeout: Duration::from_secs(2),
        ..RemoteOptions::default()
    }
}

#[test]
fn https_with_a_private_ca_verifies() {
    let ca = TestCa::new();
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::https(ca.server_config(), move |_, _| Reply::json(doc.clone()));
    assert!(server.base().starts_with("https://127.0.0.1:"));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts(&ca)).unwrap();
    for _ in 0..10 {
        v.verify(key.token(ISS).as_bytes()).unwrap();
    }
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let server_ca = TestCa::new();
    let other_ca = TestCa::new();
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::https(server_ca.server_config(), move |_, _| {
        Reply::json(doc.clone())
    });
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts(&other_ca)).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(
        e.message().to_ascii_lowercase().contains("certificate"),
        "{e}"
    );
    assert_eq!(server.hits(), 0, "no request after a failed handshake");

    // Without the private CA, only the web roots are trusted: refused as well.
    let web_only = RemoteOptions {
        ca_pem: None,
        ..opts(&other_ca)
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), web_only).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
}

#[test]
fn redirects_from_https_to_http_are_refused_even_when_http_is_allowed() {
    let ca = TestCa::new();
    let key = TestKey::new("k");
    let plain = Server::fixed(Reply::json(jwks(&[&key])));
    let target = plain.url("/jwks");
    let doc = jwks(&[&key]);
    let server = Server::https(ca.server_config(), move |req, _| match req.path.as_str() {
        "/to-http" => Reply::redirect(302, &target),
        "/to-https" => Reply::redirect(301, "/jwks"),
        _ => Reply::json(doc.clone()),
    });
    let options = RemoteOptions {
        allow_http: true,
        ..opts(&ca)
    };
    let v =
        Verifier::from_url(&server.url("/to-http"), Policy::default(), options.clone()).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("refused redirect"), "{e}");
    assert_eq!(plain.hits(), 0);

    let v = Verifier::from_url(&server.url("/to-https"), Policy::default(), options).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
}

#[test]
fn custom_headers_do_not_follow_a_redirect_to_another_host() {
    let ca = TestCa::new();
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let other = Server::https(ca.server_config(), move |_, _| Reply::json(doc.clone()));
    // Same address, other name: a different authority as far as the client is concerned.
    let target = format!("https://localhost:{}/jwks", other.port());
    let first = Server::https(ca.server_config(), move |_, _| {
        Reply::redirect(302, &target)
    });
    let options = RemoteOptions {
        headers: vec![("Authorization".into(), "Bearer s3cret".into())],
        ..opts(&ca)
    };
    let v = Verifier::from_url(&first.url("/jwks"), Policy::default(), options).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
    assert_eq!(
        first.requests()[0].header("authorization"),
        Some("Bearer s3cret")
    );
    assert_eq!(other.requests()[0].header("authorization"), None);
}

#[test]
fn a_bad_ca_bundle_is_an_invalid_argument() {
    let options = RemoteOptions {
        ca_pem: Some(
            b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        ..RemoteOptions::default()
    };
    let e = Verifier::from_url("https://127.0.0.1:9/jwks", Policy::default(), options).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}
