//! The proxy from the environment (`HTTP(S)_PROXY`, `NO_PROXY`). One test in its own binary,
//! because it sets process-wide environment variables.

mod support;

use std::time::Duration;

use jwkskit::{Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

#[test]
fn the_environment_proxy_is_used_except_for_no_proxy_hosts() {
    let key = TestKey::new("k");
    let proxy = Server::fixed(Reply::json(jwks(&[&key])));
    let direct = Server::fixed(Reply::json(jwks(&[&key])));
    for name in [
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "http_proxy",
        "no_proxy",
    ] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTP_PROXY", proxy.base());
    std::env::set_var("NO_PROXY", "127.0.0.1,localhost");
    let options = RemoteOptions {
        allow_http: true,
        timeout: Duration::from_secs(2),
        ..RemoteOptions::default()
    };
    let token = key.token("https://issuer.test");

    let via_proxy = Verifier::from_url(
        "http://jwks.invalid/keys",
        Policy::default(),
        options.clone(),
    )
    .unwrap();
    via_proxy.verify(token.as_bytes()).unwrap();
    assert_eq!(proxy.requests()[0].path, "jwks.invalid:80");

    let bypass =
        Verifier::from_url(&direct.url("/keys"), Policy::default(), options.clone()).unwrap();
    bypass.verify(token.as_bytes()).unwrap();
    assert_eq!((proxy.hits(), direct.hits()), (1, 1));

    // proxy_from_env = false ignores the environment (even with no NO_PROXY exemption).
    std::env::set_var("NO_PROXY", "");
    let with_env = Verifier::from_url(&direct.url("/keys"), Policy::default(), options.clone());
    with_env.unwrap().verify(token.as_bytes()).unwrap();
    assert_eq!((proxy.hits(), direct.hits()), (2, 1));
    let no_env = RemoteOptions {
        proxy_from_env: false,
        ..options
    };
    let v = Verifier::from_url(&direct.url("/keys"), Policy::default(), no_env).unwrap();
    v.verify(token.as_bytes()).unwrap();
    assert_eq!((proxy.hits(), direct.hits()), (2, 2));
}
