//! `Verifier::would_block` (the C `jwks_verifier_would_block`) against a real key server on
//! loopback: it answers at once, without I/O, and agrees with whether a verification waits.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jwkskit::{Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

fn opts() -> RemoteOptions {
    RemoteOptions {
        timeout: Duration::from_secs(5),
        // The library's connect timeout.
        connect_timeout: RemoteOptions::default().connect_timeout,
        refresh_cooldown: Duration::from_secs(60),
        ..support::loopback_options()
    }
}

#[test]
fn would_block_follows_cold_start_a_running_fetch_and_unknown_kids() {
    let key = TestKey::new("k1");
    let body = jwks(&[&key]);
    let server =
        Server::http(move |_, _| Reply::json(body.clone()).delay(Duration::from_millis(800)));
    let v =
        Arc::new(Verifier::from_url(&server.url("/jwks.json"), Policy::default(), opts()).unwrap());
    let token = key.token(ISS);

    assert!(v.would_block(token.as_bytes()), "cold");
    assert_eq!(server.hits(), 0, "asking fetches nothing");

    let verifying = {
        let (v, token) = (Arc::clone(&v), token.clone());
        std::thread::spawn(move || v.verify(token.as_bytes()).map(|_| ()))
    };
    while server.hits() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let asked = Instant::now();
    assert!(
        v.would_block(token.as_bytes()),
        "a fetch is running and there are no keys yet"
    );
    assert!(
        asked.elapsed() < Duration::from_millis(200),
        "answered without waiting for it"
    );
    verifying.join().unwrap().unwrap();

    assert!(!v.would_block(token.as_bytes()), "keys cached");
    let stranger = key.token_with_kid("k2", ISS);
    assert!(
        v.would_block(stranger.as_bytes()),
        "an unknown kid may refetch"
    );
    assert!(v.verify(stranger.as_bytes()).is_err());
    assert_eq!(server.hits(), 2);
    assert!(
        !v.would_block(stranger.as_bytes()),
        "just missed: rejected at once"
    );
    let other = key.token_with_kid("k3", ISS);
    assert!(
        !v.would_block(other.as_bytes()),
        "within the cooldown: rejected at once"
    );
    let started = Instant::now();
    assert!(v.verify(other.as_bytes()).is_err());
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "and indeed it did not wait"
    );
    assert!(
        !v.would_block(b"not a token"),
        "malformed: fails before any key lookup"
    );
}

#[test]
fn would_block_is_false_while_a_failed_fetch_backs_off_and_for_static_keys() {
    let server = Server::fixed(Reply::status(500));
    let key = TestKey::new("k1");
    let v = Verifier::from_url(&server.url("/jwks.json"), Policy::default(), opts()).unwrap();
    let token = key.token(ISS);
    assert!(v.would_block(token.as_bytes()));
    assert!(v.verify(token.as_bytes()).is_err());
    assert!(
        !v.would_block(token.as_bytes()),
        "the retry is not due: fails at once"
    );

    let fixed = Verifier::from_json(jwks(&[&key]).as_bytes(), Policy::default()).unwrap();
    assert!(!fixed.would_block(token.as_bytes()));
    assert!(!fixed.would_block(key.token_with_kid("k2", ISS).as_bytes()));
}

/// The names `would_block`, `key_id` and `from_json` replaced (the names of the C, Python and
/// Go APIs) still compile and answer the same, so that code written against them keeps working.
#[test]
#[allow(deprecated)]
fn the_former_names_answer_as_the_new_ones() {
    let key = TestKey::new("k1");
    let set = jwks(&[&key]);
    let now = Verifier::from_json(set.as_bytes(), Policy::default()).unwrap();
    let then = Verifier::from_jwks_json(set.as_bytes(), Policy::default()).unwrap();
    let token = key.token(ISS);
    let verified = then.verify(token.as_bytes()).unwrap();
    assert_eq!(verified.key_kid(), Some("k1"));
    assert_eq!(verified.key_kid(), verified.key_id());
    assert!(!then.would_wait(token.as_bytes()));
    assert_eq!(
        now.would_block(token.as_bytes()),
        then.would_wait(token.as_bytes())
    );
}
