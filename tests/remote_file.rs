//! The file key source through the public API.

mod support;

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::{Algorithm, ErrorKind, Policy, RemoteOptions, Verifier};
use support::tokens::jwks;
use support::TestKey;

const ISS: &str = "https://issuer.test";

struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, content: &str) -> TempFile {
        let dir =
            std::env::temp_dir().join(format!("jwks-remote-file-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwks.json");
        std::fs::write(&path, content).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

fn hs256_token(secret: &[u8], kid: &str) -> String {
    let header = format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#);
    let payload = format!(r#"{{"iss":"{ISS}","exp":{}}}"#, jwkskit::unix_now() + 60);
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

#[test]
fn a_file_verifies_and_refresh_rereads_it() {
    let k1 = TestKey::new("k1");
    let k2 = TestKey::new("k2");
    let file = TempFile::new("refresh", &jwks(&[&k1]));
    let v = Verifier::from_file(&file.0, Policy::default(), RemoteOptions::default()).unwrap();
    v.verify(k1.token(ISS).as_bytes()).unwrap();
    std::fs::write(&file.0, jwks(&[&k2])).unwrap();
    v.refresh().unwrap();
    v.verify(k2.token(ISS).as_bytes()).unwrap();
    let stats = v.stats();
    assert_eq!((stats.fetches, stats.failures, stats.key_count), (2, 0, 1));
    std::fs::write(&file.0, "nope").unwrap();
    assert_eq!(v.refresh().unwrap_err().kind(), ErrorKind::KeySetInvalid);
    v.verify(k2.token(ISS).as_bytes()).expect("old keys kept");
    assert_eq!(
        v.source().last_error().unwrap().kind(),
        ErrorKind::KeySetInvalid
    );
}

#[test]
fn oct_keys_from_a_file_only_when_the_policy_allows_hmac() {
    let secret = b"an-hmac-secret-of-thirty-two-byt";
    let doc = format!(
        r#"{{"keys":[{{"kty":"oct","kid":"h","k":"{}"}}]}}"#,
        URL_SAFE_NO_PAD.encode(secret)
    );
    let file = TempFile::new("oct", &doc);
    let e = Verifier::from_file(&file.0, Policy::default(), RemoteOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeySetInvalid);
    let hmac = Policy {
        algorithms: vec![Algorithm::HS256],
        ..Policy::default()
    };
    let v = Verifier::from_file(&file.0, hmac, RemoteOptions::default()).unwrap();
    v.verify(hs256_token(secret, "h").as_bytes()).unwrap();
}

#[test]
fn a_missing_file_fails_at_construction() {
    let e = Verifier::from_file(
        std::path::Path::new("/nonexistent/jwks.json"),
        Policy::default(),
        RemoteOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("/nonexistent/jwks.json"), "{e}");
}
