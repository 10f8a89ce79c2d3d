//! The proxy from the environment (`HTTP(S)_PROXY`, `ALL_PROXY`, `NO_PROXY`, and
//! `REQUEST_METHOD` for CGI). Tests in their own binary, serialized, because they set
//! process-wide environment variables.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use jwkskit::{Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

/// The proxy variables this binary sets; each test starts with none of them.
const VARS: [&str; 9] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// Serializes the tests (they share the process environment) and clears the variables.
fn clean_env() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for name in VARS {
        std::env::remove_var(name);
    }
    guard
}

#[test]
fn the_environment_proxy_is_used_except_for_no_proxy_hosts() {
    let _env = clean_env();
    let key = TestKey::new("k");
    let proxy = Server::fixed(Reply::json(jwks(&[&key])));
    let direct = Server::fixed(Reply::json(jwks(&[&key])));
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

/// Fetches `url` once (the outcome does not matter) with proxies from the environment.
fn fetch_once(url: &str) {
    let options = RemoteOptions {
        allow_http: true,
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(500),
        ..RemoteOptions::default()
    };
    let key = TestKey::new("k");
    let v = Verifier::from_url(url, Policy::default(), options).unwrap();
    let _ = v.verify(key.token("https://issuer.test").as_bytes());
}

#[test]
fn https_urls_use_https_proxy_or_all_proxy_never_http_proxy() {
    let _env = clean_env();
    let proxy = Server::fixed(Reply::status(500));
    let direct = Server::fixed(Reply::status(500));
    let https_url = format!("https://127.0.0.1:{}/keys", direct.port());
    let connects = || {
        proxy
            .requests()
            .iter()
            .filter(|r| r.method == "CONNECT")
            .count()
    };

    std::env::set_var("HTTP_PROXY", proxy.base());
    std::env::set_var("http_proxy", proxy.base());
    fetch_once(&https_url);
    assert_eq!(
        proxy.hits() + connects(),
        0,
        "HTTP_PROXY used for an https URL"
    );

    std::env::set_var("HTTPS_PROXY", proxy.base());
    fetch_once(&https_url);
    assert_eq!(connects(), 1, "HTTPS_PROXY not used for an https URL");
    assert_eq!(
        proxy.requests()[0].path,
        format!("127.0.0.1:{}", direct.port())
    );

    std::env::remove_var("HTTPS_PROXY");
    std::env::set_var("ALL_PROXY", proxy.base());
    fetch_once(&https_url);
    assert_eq!(connects(), 2, "ALL_PROXY not used for an https URL");
}

#[test]
fn http_proxy_is_ignored_under_cgi() {
    let _env = clean_env();
    let key = TestKey::new("k");
    let proxy = Server::fixed(Reply::json(jwks(&[&key])));
    let direct = Server::fixed(Reply::json(jwks(&[&key])));
    // A CGI server turns a request's "Proxy:" header into HTTP_PROXY (httpoxy).
    std::env::set_var("REQUEST_METHOD", "GET");
    std::env::set_var("HTTP_PROXY", proxy.base());
    std::env::set_var("http_proxy", proxy.base());
    fetch_once(&direct.url("/keys"));
    assert_eq!((proxy.hits(), direct.hits()), (0, 1));
    // Outside CGI the same variable is used for http URLs.
    std::env::remove_var("REQUEST_METHOD");
    fetch_once(&direct.url("/keys"));
    assert_eq!((proxy.hits(), direct.hits()), (1, 1));
}
