//! OpenID Connect discovery against loopback servers: one issuer, several issuers routed by
//! `iss`, and the checks on the discovery document.

mod support;

use jwkskit::{ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

fn opts() -> RemoteOptions {
    RemoteOptions {
        // The library's connect timeout.
        connect_timeout: RemoteOptions::default().connect_timeout,
        ..support::loopback_options()
    }
}

/// An identity provider whose discovery document names `issuer` (`None`: its own base URL
/// plus `path`) and serves `keys` at `/keys`.
fn idp(path: &'static str, issuer: Option<String>, keys: &[&TestKey]) -> Server {
    let doc = jwks(keys);
    let server = Server::http(|_, _| Reply::status(500));
    let base = server.base();
    let issuer = issuer.unwrap_or_else(|| format!("{base}{path}"));
    let config_path = format!(
        "{}/.well-known/openid-configuration",
        path.trim_end_matches('/')
    );
    server.set_handler(move |req, _| {
        if req.path == config_path {
            Reply::json(format!(
                r#"{{"issuer":"{issuer}","jwks_uri":"{base}/keys"}}"#
            ))
        } else if req.path == "/keys" {
            Reply::json(doc.clone())
        } else {
            Reply::status(404)
        }
    });
    server
}

#[test]
fn from_issuer_discovers_the_key_set_on_first_use() {
    let key = TestKey::new("k");
    let server = idp("", None, &[&key]);
    let issuer = server.base();
    let v = Verifier::from_issuer(&issuer, Policy::default(), opts()).unwrap();
    assert_eq!(server.hits(), 0, "discovery is lazy");
    assert_eq!(v.policy().issuers, std::slice::from_ref(&issuer));
    for _ in 0..20 {
        v.verify(key.token(&issuer).as_bytes()).unwrap();
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/.well-known/openid-configuration", "/keys"]);
    // The issuer is on the allowlist: another issuer's token is rejected.
    let e = v
        .verify(key.token("https://other.test").as_bytes())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongIssuer);
}

#[test]
fn an_issuer_with_a_path_and_trailing_slash_follows_section_4() {
    let key = TestKey::new("k");
    let server = idp("/tenant/", None, &[&key]);
    let issuer = server.url("/tenant/");
    let v = Verifier::from_issuer(&issuer, Policy::default(), opts()).unwrap();
    v.verify(key.token(&issuer).as_bytes()).unwrap();
    assert_eq!(
        server.requests()[0].path,
        "/tenant/.well-known/openid-configuration"
    );
}

#[test]
fn a_document_naming_another_issuer_is_rejected() {
    let key = TestKey::new("k");
    let server = idp("", Some("https://evil.test".into()), &[&key]);
    let issuer = server.base();
    let v = Verifier::from_issuer(&issuer, Policy::default(), opts()).unwrap();
    let e = v.verify(key.token(&issuer).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("evil.test"), "{e}");
    assert_eq!(server.hits(), 1, "the keys were never fetched");
    assert!(v.source().last_error().is_some());
}

#[test]
fn discovery_failures_are_keys_unavailable() {
    let server = Server::fixed(Reply::json("not json"));
    let v = Verifier::from_issuer(&server.base(), Policy::default(), opts()).unwrap();
    let key = TestKey::new("k");
    let e = v.verify(key.token(&server.base()).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("not valid JSON"), "{e}");

    let e = Verifier::from_issuer(
        "http://idp.test",
        Policy::default(),
        RemoteOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsecureUrl);
    let e = Verifier::from_issuer("idp.test", Policy::default(), opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn several_issuers_are_routed_by_iss() {
    let ka = TestKey::new("shared-kid");
    let kb = TestKey::new("shared-kid");
    let a = idp("", None, &[&ka]);
    let b = idp("", None, &[&kb]);
    let policy = Policy {
        issuers: vec![a.base(), b.base()],
        ..Policy::default()
    };
    let v = Verifier::from_issuers(policy, opts()).unwrap();
    assert!(v.source().routes_by_issuer());
    assert_eq!(a.hits() + b.hits(), 0);
    v.verify(ka.token(&a.base()).as_bytes()).unwrap();
    v.verify(kb.token(&b.base()).as_bytes()).unwrap();
    // A token claiming issuer A but signed with B's key is checked against A's keys only.
    let e = v.verify(kb.token(&a.base()).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature);
    // An issuer not on the list is rejected before any key is looked at.
    let e = v
        .verify(ka.token("https://other.test").as_bytes())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongIssuer);
    assert_eq!((a.hits(), b.hits()), (2, 2));
    let stats = v.stats();
    assert_eq!((stats.fetches, stats.key_count), (4, 2));
    v.refresh().unwrap();
    assert_eq!((a.hits(), b.hits()), (3, 3));
}

#[test]
fn from_issuers_needs_issuers() {
    let e = Verifier::from_issuers(Policy::default(), opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}
