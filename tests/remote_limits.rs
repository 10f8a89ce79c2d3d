//! Fetch failures against a real loopback server: each fails cleanly, within the configured
//! limits, with a reason, and never with a panic or a hang.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use jwkskit::{Category, Error, ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::{Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

fn opts() -> RemoteOptions {
    RemoteOptions {
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_millis(500),
        ..support::loopback_options()
    }
}

/// The error of the first verification against `url`, and how long it took.
fn first_error(url: &str, options: RemoteOptions) -> (Error, Duration) {
    let key = TestKey::new("k");
    let v = Verifier::from_url(url, Policy::default(), options).unwrap();
    let start = Instant::now();
    let e = v.verify(key.token(ISS).as_bytes()).unwrap_err();
    let took = start.elapsed();
    assert_eq!(e.category(), Category::KeysUnavailable, "{e}");
    assert_eq!(v.source().last_error().as_ref(), Some(&e));
    assert_eq!(v.stats().failures, 1);
    (e, took)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn an_8_mb_body_fails_fast() {
    let server = Server::fixed(Reply::huge(b' ', 8 * 1024 * 1024));
    let (e, took) = first_error(&server.url("/jwks"), opts());
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("exceeds 1048576 bytes"), "{e}");
    assert!(took < Duration::from_millis(900), "{took:?}");
}

#[test]
fn an_8_mb_body_without_content_length_stops_at_the_cap() {
    let server = Server::fixed(Reply::huge(b' ', 8 * 1024 * 1024).no_length());
    let options = RemoteOptions {
        max_response_bytes: 64 * 1024,
        ..opts()
    };
    let (e, took) = first_error(&server.url("/jwks"), options);
    assert!(e.message().contains("exceeds 65536 bytes"), "{e}");
    assert!(took < Duration::from_millis(900), "{took:?}");
}

#[test]
fn a_gzip_bomb_is_capped_after_decompression() {
    let bomb = gzip(&vec![b' '; 32 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    let server = Server::fixed(Reply::new(200, bomb).header("Content-Encoding", "gzip"));
    let (e, took) = first_error(&server.url("/jwks"), opts());
    assert!(e.message().contains("exceeds 1048576 bytes"), "{e}");
    assert!(took < Duration::from_millis(900), "{took:?}");
}

#[test]
fn a_gzipped_key_set_is_decompressed() {
    let key = TestKey::new("k");
    let body = gzip(jwks(&[&key]).as_bytes());
    let server = Server::fixed(Reply::new(200, body).header("Content-Encoding", "gzip"));
    let v = Verifier::from_url(&server.url("/jwks"), Policy::default(), opts()).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
    let sent = server.requests()[0]
        .header("accept-encoding")
        .map(str::to_owned);
    assert!(sent.unwrap_or_default().contains("gzip"));
}

#[test]
fn a_5_second_server_times_out_after_the_configured_second() {
    let server = Server::fixed(Reply::json("{}").delay(Duration::from_secs(5)));
    let (e, took) = first_error(&server.url("/jwks"), opts());
    assert!(e.message().contains("timed out"), "{e}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[test]
fn a_slow_drip_body_times_out_within_the_total_timeout() {
    let key = TestKey::new("k");
    // Headers at once, then one byte every 100 ms: about 20 s for the whole body.
    let server = Server::fixed(Reply::json(jwks(&[&key])).drip(1, Duration::from_millis(100)));
    let (e, took) = first_error(&server.url("/jwks"), opts());
    assert!(e.message().contains("timed out"), "{e}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[test]
fn a_truncated_body_fails() {
    let key = TestKey::new("k");
    let server = Server::fixed(Reply::json(jwks(&[&key])).cut_after(40));
    let (e, _) = first_error(&server.url("/jwks"), opts());
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable, "{e}");
    assert!(e.message().contains("closed early"), "{e}");
}

#[test]
fn server_errors_name_the_status() {
    for status in [500, 502, 503, 404, 401] {
        let server = Server::fixed(Reply::status(status));
        let (e, _) = first_error(&server.url("/jwks"), opts());
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
        assert!(
            e.message().contains(&format!("HTTP status {status}")),
            "{e}"
        );
    }
}

#[test]
fn connection_refused_is_keys_unavailable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (e, took) = first_error(&format!("http://127.0.0.1:{port}/jwks"), opts());
    assert!(e.message().contains("refused"), "{e}");
    assert!(took < Duration::from_millis(900));
}

#[test]
fn bodies_that_are_not_key_sets_are_key_set_invalid() {
    let cases: [&[u8]; 5] = [
        b"<html>oops</html>",
        b"",
        b"[]",
        br#"{"keys":[]}"#,
        br#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}]}"#,
    ];
    for body in cases {
        let server = Server::fixed(Reply::json(body.to_vec()));
        let (e, _) = first_error(&server.url("/jwks"), opts());
        assert_eq!(e.kind(), ErrorKind::KeySetInvalid, "{e}");
        assert!(e.message().contains("key set from"), "{e}");
    }
}

#[test]
fn plain_http_redirects_are_followed_within_bounds() {
    let key = TestKey::new("k");
    let doc = jwks(&[&key]);
    let server = Server::http(move |req, _| match req.path.as_str() {
        "/old" => Reply::redirect(301, "/new"),
        "/new" => Reply::redirect(307, "keys"),
        "/keys" => Reply::json(doc.clone()),
        _ => Reply::redirect(302, "/loop"),
    });
    let v = Verifier::from_url(&server.url("/old"), Policy::default(), opts()).unwrap();
    v.verify(key.token(ISS).as_bytes()).unwrap();
    assert_eq!(server.hits(), 3);
    let (e, _) = first_error(&server.url("/loop"), opts());
    assert!(e.message().contains("redirects"), "{e}");
    let (e, _) = first_error(&server.url("/nowhere"), opts());
    assert!(e.message().contains("redirects"), "{e}");
}
