//! What the README and the header promise about remote key sets, checked against real servers
//! on loopback: known kids never wait, one deadline per refresh, settings never silently
//! changed, no URL password in any message, redirects, which timeout fired, and a late key
//! picked up within one cooldown.

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jwkskit::{ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{loopback_options as opts, Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

/// Polls `f` every 10 ms until it holds or `limit` passes.
fn eventually(limit: Duration, f: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    f()
}

#[test]
fn a_known_kid_after_an_idle_period_past_expiry_does_not_wait_for_a_slow_endpoint() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    // The first answer is quick; later ones take 3 s.
    let server = Server::http(move |_, i| {
        let reply = Reply::json(doc.clone()).header("Cache-Control", "max-age=1");
        if i == 0 {
            reply
        } else {
            reply.delay(Duration::from_secs(3))
        }
    });
    let options = RemoteOptions {
        cache_ttl: Duration::from_secs(1),
        min_cache_ttl: Duration::from_secs(1),
        max_stale: Duration::from_secs(60),
        timeout: Duration::from_secs(5),
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    let token = key.token(ISS);
    v.verify(token.as_bytes()).unwrap();
    // Idle past the keys' 1 s lifetime.
    std::thread::sleep(Duration::from_millis(1300));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (v, token) = (v.clone(), token.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                v.verify(token.as_bytes()).unwrap();
                start.elapsed()
            })
        })
        .collect();
    for t in threads {
        let took = t.join().unwrap();
        assert!(
            took < Duration::from_millis(1000),
            "a known kid waited {took:?} for a 3 s endpoint"
        );
    }
    // One background refetch reached the server, and no second one while it runs.
    assert!(
        eventually(Duration::from_secs(2), || server.hits() == 2),
        "hits {}",
        server.hits()
    );
    for _ in 0..20 {
        v.verify(token.as_bytes()).unwrap();
    }
    assert_eq!(server.hits(), 2);
}

/// An identity provider whose discovery document and key set each take `delay`.
fn slow_idp(key: &TestKey, delay: Duration) -> Server {
    let doc = jwks(&[key]);
    let server = Server::http(|_, _| Reply::status(500));
    let base = server.base();
    server.set_handler(move |req, _| {
        let reply = if req.path == "/.well-known/openid-configuration" {
            Reply::json(format!(r#"{{"issuer":"{base}","jwks_uri":"{base}/keys"}}"#))
        } else {
            Reply::json(doc.clone())
        };
        reply.delay(delay)
    });
    server
}

#[test]
fn a_refresh_of_an_issuer_takes_one_timeout_for_discovery_and_keys_together() {
    let key = TestKey::new("k");
    // Each request alone fits in the 1.5 s timeout; both together do not.
    let server = slow_idp(&key, Duration::from_millis(1000));
    let options = RemoteOptions {
        timeout: Duration::from_millis(1500),
        ..opts()
    };
    let v = Verifier::from_issuer(&server.base(), Policy::default(), options).unwrap();
    let start = Instant::now();
    let e = v.refresh().unwrap_err();
    let took = start.elapsed();
    assert!(took < Duration::from_millis(2200), "took {took:?}");
    assert!(e.message().contains("timed out"), "{e}");
    assert!(e.message().contains("total timeout"), "{e}");
}

#[test]
fn a_refresh_of_three_slow_issuers_takes_one_timeout_not_three() {
    let key = TestKey::new("k");
    let servers: Vec<Server> = (0..3)
        .map(|_| slow_idp(&key, Duration::from_secs(4)))
        .collect();
    let policy = Policy {
        issuers: servers.iter().map(Server::base).collect(),
        ..Policy::default()
    };
    let options = RemoteOptions {
        timeout: Duration::from_secs(1),
        ..opts()
    };
    let v = Verifier::from_issuers(policy, options).unwrap();
    let start = Instant::now();
    let e = v.refresh().unwrap_err();
    let took = start.elapsed();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(
        took < Duration::from_millis(1900),
        "three issuers took {took:?} with a 1 s timeout"
    );
    assert_eq!(servers.iter().map(Server::hits).sum::<usize>(), 3);
}

#[test]
fn cache_ttl_settings_are_honoured_or_refused_never_changed() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])));
    let url = server.url("/jwks");
    // A ttl below the default 60 s minimum is refused, saying why.
    let short = RemoteOptions {
        cache_ttl: Duration::from_secs(1),
        ..opts()
    };
    let e = Verifier::from_url(&url, Policy::default(), short.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("cache ttl (1 s)"), "{e}");
    let e = Verifier::from_issuer(&server.base(), Policy::default(), short.clone()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    // A zero minimum is refused.
    let zero = RemoteOptions {
        min_cache_ttl: Duration::ZERO,
        ..opts()
    };
    let e = Verifier::from_url(&url, Policy::default(), zero).unwrap_err();
    assert!(
        e.message()
            .contains("cache_ttl_bounds: 0 s is outside its range, above 0 s"),
        "{e}"
    );
    assert_eq!(server.hits(), 0);
    // Lowering the minimum too makes the 1 s ttl hold: the keys are refetched after 1 s.
    let honoured = RemoteOptions {
        min_cache_ttl: Duration::from_secs(1),
        ..short
    };
    let v = Verifier::from_url(&url, Policy::default(), honoured).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    v.verify(key.token(ISS).as_bytes()).unwrap();
    assert!(
        eventually(Duration::from_secs(2), || server.hits() == 2),
        "hits {}",
        server.hits()
    );
}

#[test]
fn a_url_password_never_appears_in_errors_or_last_error() {
    let server = Server::fixed(Reply::status(500));
    let url = format!("http://user:secret@127.0.0.1:{}/jwks", server.port());
    let key = TestKey::new("k");
    let v = Verifier::from_url(&url, Policy::default(), opts()).unwrap();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("status 500"), "{e}");
    assert!(e.message().contains("127.0.0.1"), "{e}");
    assert!(!e.message().contains("secret"), "{e}");
    let last = v.source().last_error().unwrap();
    assert!(!last.message().contains("secret"), "{last}");
    let e = v.refresh().unwrap_err();
    assert!(!e.message().contains("secret"), "{e}");
    let source = jwkskit::source::RemoteSource::new(&url, &opts()).unwrap();
    let logged = format!("{source:?}");
    assert!(logged.contains("127.0.0.1"), "{logged}");
    assert!(!logged.contains("secret"), "{logged}");
    let issuers = vec![format!("http://user:secret@127.0.0.1:{}", server.port())];
    let multi = jwkskit::source::MultiIssuerSource::new(&issuers, &opts()).unwrap();
    let logged = format!("{multi:?}");
    assert!(logged.contains("127.0.0.1"), "{logged}");
    assert!(!logged.contains("secret"), "{logged}");
    // Refused before any fetch: http without allow_http, discovery of such an issuer.
    let e = Verifier::from_url(&url, Policy::default(), RemoteOptions::default()).unwrap_err();
    assert!(!e.message().contains("secret"), "{e}");
    let issuer = format!("http://user:secret@127.0.0.1:{}", server.port());
    let v = Verifier::from_issuer(&issuer, Policy::default(), opts()).unwrap();
    let e = v.verify(key.token(&issuer).as_bytes()).unwrap_err();
    assert!(!e.message().contains("secret"), "{e}");
    // The command-line tool: cli/tests/cli.rs, verify_never_shows_a_url_password.
}

#[test]
fn plain_http_redirects_stay_on_their_host_and_port() {
    let key = TestKey::new("k");
    let elsewhere = Server::fixed(Reply::json(jwks(&[&key])));
    let target = elsewhere.url("/jwks");
    let doc = jwks(&[&key]);
    let origin = Server::http(move |req, _| match req.path.as_str() {
        "/away" => Reply::redirect(302, &target),
        "/moved" => Reply::redirect(301, "/jwks"),
        "/jwks" => Reply::json(doc.clone()),
        _ => Reply::status(404),
    });
    let token = key.token(ISS);
    // To another port of the same host: refused, never fetched.
    let v = Verifier::from_url(&origin.url("/away"), Policy::default(), opts()).unwrap();
    let e = v.verify(token.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("refused redirect"), "{e}");
    assert!(e.message().contains("same host and port"), "{e}");
    assert_eq!(elsewhere.hits(), 0);
    // Within the same host and port: followed.
    let v = Verifier::from_url(&origin.url("/moved"), Policy::default(), opts()).unwrap();
    v.verify(token.as_bytes()).unwrap();
}

/// A listener that accepts connections and never sends a byte (until dropped).
struct Silent {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let s = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(mut c) = conn {
                    // Read (and ignore) what the client sends, answering nothing.
                    let _ = c.set_read_timeout(Some(Duration::from_millis(10)));
                    let _ = c.read(&mut [0u8; 512]);
                    held.push(c);
                }
            }
        });
        Silent { port, stop }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

#[test]
fn a_server_that_accepts_but_never_speaks_tls_is_reported_as_a_handshake_timeout() {
    let silent = Silent::start();
    let options = RemoteOptions {
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_millis(500),
        ..opts()
    };
    let url = format!("https://127.0.0.1:{}/jwks", silent.port);
    let v = Verifier::from_url(&url, Policy::default(), options.clone()).unwrap();
    let start = Instant::now();
    let e = v.refresh().unwrap_err();
    let took = start.elapsed();
    assert!(took < Duration::from_millis(2000), "took {took:?}");
    assert!(
        e.message()
            .contains("timed out during the TLS handshake (connect timeout 500ms)"),
        "{e}"
    );
    // Plain http: the connection is made, the response never comes; the total timeout fires.
    let url = format!("http://127.0.0.1:{}/jwks", silent.port);
    let options = RemoteOptions {
        timeout: Duration::from_millis(800),
        ..options
    };
    let v = Verifier::from_url(&url, Policy::default(), options).unwrap();
    let e = v.refresh().unwrap_err();
    assert!(
        e.message()
            .contains("timed out waiting for the response (total timeout 800ms)"),
        "{e}"
    );
}

#[test]
fn a_kid_flooded_before_its_key_is_published_is_picked_up_within_one_cooldown() {
    let known = TestKey::new("known");
    let late = TestKey::new("late");
    let before = jwks(&[&known]);
    let after = jwks(&[&known, &late]);
    let published = Arc::new(AtomicBool::new(false));
    let p = Arc::clone(&published);
    let server = Server::http(move |_, _| {
        if p.load(Ordering::SeqCst) {
            Reply::json(after.clone())
        } else {
            Reply::json(before.clone())
        }
    });
    let cooldown = Duration::from_secs(1);
    let options = RemoteOptions {
        refresh_cooldown: cooldown,
        ..opts()
    };
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), options).unwrap();
    v.verify(known.token(ISS).as_bytes()).unwrap();
    let token = late.token(ISS);
    // Tokens naming "late" for 3.3 s before its key exists.
    let flood = Instant::now();
    while flood.elapsed() < Duration::from_millis(3300) {
        let e = v.verify(token.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownKey, "{e}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The flood cost at most one fetch per cooldown.
    assert!(server.hits() <= 1 + 4, "{} fetches", server.hits());
    published.store(true, Ordering::SeqCst);
    let start = Instant::now();
    while v.verify(token.as_bytes()).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "never picked up");
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    assert!(
        took < cooldown + Duration::from_millis(500),
        "picked up {took:?} after publication with a {cooldown:?} cooldown"
    );
}
