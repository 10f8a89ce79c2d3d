//! The issuer API: every algorithm signs tokens the verifier accepts, keys round-trip through
//! PEM and key files, and the JWKS server publishes, rotates and revalidates.

use std::io::{Read, Write};
use std::net::TcpStream;

use jwkskit::issuer::{jwks_document, load_key_dir, JwksServer, ServeOptions, SigningKey};
use jwkskit::{thumbprint, Algorithm, ErrorKind, Policy, Verifier};
use serde_json::{json, Map, Value};

const NOW: i64 = 1_700_000_000;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn key_for(alg: Algorithm) -> SigningKey {
    if alg.family() == jwkskit::KeyFamily::Rsa {
        SigningKey::from_pkcs8_pem(&data("rsa2048.pem"), alg).unwrap()
    } else {
        SigningKey::generate(alg).unwrap()
    }
}

fn verifier_for(keys: &[&SigningKey], algs: Vec<Algorithm>) -> Verifier {
    let doc = jwks_document(keys).to_string();
    let policy = Policy {
        algorithms: algs,
        ..Policy::default()
    };
    Verifier::from_json(doc.as_bytes(), policy).unwrap()
}

#[test]
fn every_algorithm_signs_a_token_that_verifies() {
    for alg in Algorithm::ALL {
        let key = key_for(alg);
        assert_eq!(key.alg(), alg);
        let token = key.sign(&json!({"sub": "alice", "exp": NOW + 60})).unwrap();
        let algs = if alg.is_hmac() { vec![alg] } else { vec![] };
        let v = verifier_for(&[&key], algs);
        let ok = v.verify_at(token.as_bytes(), NOW).unwrap_or_else(|e| {
            panic!("{alg}: {e}");
        });
        assert_eq!(ok.alg(), alg);
        assert_eq!(ok.key_id(), Some(key.kid()));
        assert_eq!(ok.claim("sub"), Some(&json!("alice")));
        let header: Value = serde_json::from_slice(ok.header()).unwrap();
        assert_eq!(
            header,
            json!({"alg": alg.name(), "kid": key.kid(), "typ": "JWT"})
        );
    }
}

#[test]
fn hmac_tokens_need_the_policy_to_allow_hmac() {
    let key = SigningKey::generate(Algorithm::HS256).unwrap();
    let token = key.sign(&json!({"exp": NOW + 60})).unwrap();
    let v = verifier_for(&[&key], vec![Algorithm::HS256]);
    assert!(v.verify_at(token.as_bytes(), NOW).is_ok());
    // The default policy never reads oct keys.
    let doc = jwks_document(&[&key]).to_string();
    let default = Verifier::from_json(doc.as_bytes(), Policy::default());
    match default {
        Err(e) => assert_eq!(e.kind(), ErrorKind::KeySetInvalid),
        Ok(v) => assert_eq!(
            v.verify_at(token.as_bytes(), NOW).unwrap_err().kind(),
            ErrorKind::AlgorithmNotAllowed
        ),
    }
}

#[test]
fn kid_defaults_to_the_thumbprint() {
    for alg in [Algorithm::ES256, Algorithm::EdDSA, Algorithm::PS256] {
        let key = key_for(alg);
        let jwk = key.public_jwk();
        assert_eq!(key.kid(), thumbprint(&jwk).unwrap());
        assert_eq!(key.kid(), key.thumbprint());
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["alg"], alg.name());
        let renamed = key.with_kid("k-2024");
        assert_eq!(renamed.kid(), "k-2024");
        assert_eq!(renamed.public_jwk()["kid"], "k-2024");
        // The thumbprint ignores kid.
        assert_eq!(
            thumbprint(&renamed.public_jwk()).unwrap(),
            renamed.thumbprint()
        );
    }
}

#[test]
fn public_jwks_hold_no_private_members() {
    for alg in [Algorithm::ES384, Algorithm::EdDSA, Algorithm::RS256] {
        let jwk = key_for(alg).public_jwk();
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(jwk.get(private).is_none(), "{alg} has {private}");
        }
    }
    assert_eq!(key_for(Algorithm::ES384).public_jwk()["crv"], "P-384");
}

#[test]
fn tampered_tokens_fail() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let v = verifier_for(&[&key], vec![]);
    let token = key.sign(&json!({"sub": "alice", "exp": NOW + 60})).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let forged_payload = base64_url(br#"{"sub":"mallory","exp":1700000060}"#);
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(
        v.verify_at(forged.as_bytes(), NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
    // Another key under the same kid does not verify either.
    let other = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid(key.kid());
    let token = other.sign(&json!({"exp": NOW + 60})).unwrap();
    assert_eq!(
        v.verify_at(token.as_bytes(), NOW).unwrap_err().kind(),
        ErrorKind::BadSignature
    );
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn pem_round_trip() {
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let key = SigningKey::generate(alg).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = SigningKey::from_pkcs8_pem(pem.as_bytes(), alg).unwrap();
        assert_eq!(back.public_jwk(), key.public_jwk());
        // A token from the reloaded key verifies with the original's JWKS.
        let v = verifier_for(&[&key], vec![]);
        let token = back.sign(&json!({"exp": NOW + 1})).unwrap();
        assert!(v.verify_at(token.as_bytes(), NOW).is_ok());
    }
    let rsa = SigningKey::from_pkcs8_pem(&data("rsa3072.pem"), Algorithm::RS384).unwrap();
    let pem = rsa.to_pkcs8_pem().unwrap();
    let back = SigningKey::from_pkcs8_pem(pem.as_bytes(), Algorithm::PS512).unwrap();
    assert_eq!(back.kid(), rsa.kid());
    assert!(SigningKey::generate(Algorithm::HS512)
        .unwrap()
        .to_pkcs8_pem()
        .is_none());
}

#[test]
fn rsa_keys_of_every_size_and_pkcs1() {
    for name in ["rsa2048.pem", "rsa2048-b.pem", "rsa3072.pem", "rsa4096.pem"] {
        let key = SigningKey::from_pkcs8_pem(&data(name), Algorithm::PS256).unwrap();
        let v = verifier_for(&[&key], vec![]);
        let token = key.sign(&json!({"exp": NOW + 1})).unwrap();
        assert!(v.verify_at(token.as_bytes(), NOW).is_ok(), "{name}");
    }
    // The same key as PKCS#1 ("RSA PRIVATE KEY"): strip the PKCS#8 wrapper by hand.
    let key = SigningKey::from_pkcs8_pem(&data("rsa2048.pem"), Algorithm::RS256).unwrap();
    let pkcs1 = pkcs8_to_pkcs1_pem(&data("rsa2048.pem"));
    let back = SigningKey::from_pkcs8_pem(pkcs1.as_bytes(), Algorithm::RS256).unwrap();
    assert_eq!(back.public_jwk(), key.public_jwk());
}

/// The RSAPrivateKey inside a PKCS#8 document (the OCTET STRING after the algorithm id).
fn pkcs8_to_pkcs1_pem(pem: &[u8]) -> String {
    use base64::Engine;
    let b64: String = std::str::from_utf8(pem)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    // SEQUENCE(len 82 xx xx) INTEGER 0 (3) AlgorithmIdentifier (15) OCTET STRING(82 xx xx).
    assert_eq!(&der[4..7], &[2, 1, 0]);
    let inner = &der[7 + 15 + 4..];
    let body = base64::engine::general_purpose::STANDARD.encode(inner);
    let lines: Vec<String> = body
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

#[test]
fn wrong_key_types_are_refused_with_a_reason() {
    let rsa = data("rsa2048.pem");
    let e = SigningKey::from_pkcs8_pem(&rsa, Algorithm::ES256).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("RSA key"), "{e}");
    let ec = SigningKey::generate(Algorithm::ES384)
        .unwrap()
        .to_pkcs8_pem()
        .unwrap();
    let e = SigningKey::from_pkcs8_pem(ec.as_bytes(), Algorithm::ES256).unwrap_err();
    assert!(e.message().contains("P-384"), "{e}");
    let e = SigningKey::from_pkcs8_pem(ec.as_bytes(), Algorithm::RS256).unwrap_err();
    assert!(e.message().contains("P-384"), "{e}");
    let e = SigningKey::from_pkcs8_pem(b"hello", Algorithm::ES256).unwrap_err();
    assert!(e.message().contains("no unencrypted private key"), "{e}");
    let e = SigningKey::from_pkcs8_pem(
        b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        Algorithm::ES256,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    // RSA keys are generated (3072 bits by default), and only for RSA algorithms and sizes.
    let rsa = SigningKey::generate(Algorithm::PS256).unwrap();
    let n = rsa.public_jwk()["n"].as_str().unwrap().to_owned();
    assert_eq!(
        n.len(),
        512,
        "3072 bits are 384 bytes, 512 base64url characters"
    );
    let token = rsa.sign(&json!({"exp": NOW + 60})).unwrap();
    verifier_for(&[&rsa], vec![])
        .verify_at(token.as_bytes(), NOW)
        .unwrap();
    let e = SigningKey::generate_rsa(Algorithm::RS256, 1024).unwrap_err();
    assert!(e.message().contains("2048, 3072 or 4096"), "{e}");
    let e = SigningKey::generate_rsa(Algorithm::EdDSA, 2048).unwrap_err();
    assert!(e.message().contains("not an RSA algorithm"), "{e}");
    let e = SigningKey::from_hmac_secret(&[1; 47], Algorithm::HS384).unwrap_err();
    assert!(e.message().contains("at least 48"), "{e}");
    let e = SigningKey::from_hmac_secret(&[1; 64], Algorithm::ES256).unwrap_err();
    assert!(e.message().contains("not an HMAC"), "{e}");
}

#[test]
fn hmac_secrets_have_the_hash_length() {
    for (alg, len) in [
        (Algorithm::HS256, 32usize),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let key = SigningKey::generate(alg).unwrap();
        let k = key.public_jwk()["k"].as_str().unwrap().to_owned();
        assert_eq!(k.len(), (len * 4).div_ceil(3), "{alg}");
        assert_ne!(SigningKey::generate(alg).unwrap().public_jwk()["k"], k);
    }
}

#[test]
fn sign_with_header_merges_and_guards_alg() {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let v = verifier_for(&[&key], vec![]);
    let mut extra = Map::new();
    extra.insert("jku".into(), json!("https://attacker.example/jwks"));
    extra.insert("cty".into(), json!("text/plain"));
    let jws = key.sign_with_header(&extra, b"not json").unwrap();
    let ok = v.verify_signature(jws.as_bytes()).unwrap();
    assert_eq!(ok.payload(), b"not json");
    let header: Value = serde_json::from_slice(ok.header()).unwrap();
    assert_eq!(header["jku"], "https://attacker.example/jwks");
    assert!(header.get("typ").is_none());

    extra.clear();
    extra.insert("alg".into(), json!("none"));
    let e = key.sign_with_header(&extra, b"{}").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);

    extra.clear();
    extra.insert("kid".into(), Value::Null);
    let jws = key.sign_with_header(&extra, b"{}").unwrap();
    let ok = v.verify_signature(jws.as_bytes()).unwrap();
    assert_eq!(ok.kid(), None);

    extra.clear();
    extra.insert("crit".into(), json!(["exp"]));
    extra.insert("exp".into(), json!(1));
    let jws = key.sign_with_header(&extra, b"{}").unwrap();
    assert_eq!(
        v.verify_signature(jws.as_bytes()).unwrap_err().kind(),
        ErrorKind::CritUnsupported
    );
    assert_eq!(
        key.sign(&json!([1, 2])).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn key_files_round_trip_and_override_alg() {
    let rsa = SigningKey::from_pkcs8_pem(&data("rsa2048.pem"), Algorithm::PS384)
        .unwrap()
        .with_kid("rsa-1");
    let file = rsa.to_key_file();
    assert!(file.starts_with("kid: \"rsa-1\"\nalg: PS384\n-----BEGIN PRIVATE KEY-----"));
    let back = SigningKey::from_key_file(file.as_bytes(), None).unwrap();
    assert_eq!((back.kid(), back.alg()), ("rsa-1", Algorithm::PS384));
    let back = SigningKey::from_key_file(file.as_bytes(), Some(Algorithm::RS512)).unwrap();
    assert_eq!(back.alg(), Algorithm::RS512);
    // The plain test PEM infers RS256.
    let plain = SigningKey::from_key_file(&data("rsa2048.pem"), None).unwrap();
    assert_eq!(plain.alg(), Algorithm::RS256);
    let hs = SigningKey::generate(Algorithm::HS512)
        .unwrap()
        .with_kid("h");
    let back = SigningKey::from_key_file(hs.to_key_file().as_bytes(), None).unwrap();
    assert_eq!(back.public_jwk(), hs.public_jwk());
}

fn http_get(url: &str, extra_headers: &str) -> (u16, String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra_headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn server_publishes_a_directory_with_etag_and_rotation() {
    let dir = tempdir("serve");
    let k1 = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("one");
    std::fs::write(dir.join("one.pem"), k1.to_key_file()).unwrap();
    // Never published: an HMAC secret, garbage, a hidden file.
    let hs = SigningKey::generate(Algorithm::HS256).unwrap();
    std::fs::write(dir.join("secret.jwk"), hs.to_key_file()).unwrap();
    std::fs::write(dir.join("junk.txt"), "hello").unwrap();
    std::fs::write(dir.join(".hidden.pem"), k1.to_key_file()).unwrap();

    let server = JwksServer::start(
        &dir,
        ServeOptions {
            port: 0,
            max_age: 42,
            ..ServeOptions::default()
        },
    )
    .unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let (status, head, body) = http_get(&server.jwks_url(), "");
    assert_eq!(status, 200);
    assert_eq!(header(&head, "cache-control"), Some("public, max-age=42"));
    let etag = header(&head, "etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc, json!({"keys": [k1.public_jwk()]}));
    assert!(!body.contains(hs.public_jwk()["k"].as_str().unwrap()));

    let (status, _, body) = http_get(&server.jwks_url(), &format!("If-None-Match: {etag}\r\n"));
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(server.not_modified_count(), 1);

    // Rotation: publish the next key, then retire the old one.
    let k2 = SigningKey::generate(Algorithm::EdDSA).unwrap();
    std::fs::write(dir.join("two.pem"), k2.to_key_file()).unwrap();
    let (status, head, body) = http_get(&server.jwks_url(), &format!("If-None-Match: {etag}\r\n"));
    assert_eq!(status, 200);
    assert_ne!(header(&head, "etag"), Some(etag.as_str()));
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["keys"].as_array().unwrap().len(), 2);
    std::fs::remove_file(dir.join("one.pem")).unwrap();
    let (_, _, body) = http_get(&server.jwks_url(), "");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc, json!({"keys": [k2.public_jwk()]}));

    let (status, _, body) = http_get(&server.discovery_url(), "");
    assert_eq!(status, 200);
    let disco: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(disco["issuer"], server.url());
    assert_eq!(disco["jwks_uri"], server.jwks_url());

    let (status, _, _) = http_get(&format!("{}/nope", server.url()), "");
    assert_eq!(status, 404);
    assert_eq!(server.jwks_request_count(), 4);
    assert_eq!(server.discovery_request_count(), 1);
    assert_eq!(server.request_count(), 6);

    server.set_status(Some(503));
    assert_eq!(http_get(&server.jwks_url(), "").0, 503);
    server.set_status(None);
    assert_eq!(http_get(&server.jwks_url(), "").0, 200);
    server.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn key_dir_reports_skipped_files() {
    let dir = tempdir("keydir");
    let k = SigningKey::generate(Algorithm::ES384)
        .unwrap()
        .with_kid("same");
    std::fs::write(dir.join("a.pem"), k.to_key_file()).unwrap();
    let other = SigningKey::generate(Algorithm::ES384)
        .unwrap()
        .with_kid("same");
    std::fs::write(dir.join("b.pem"), other.to_key_file()).unwrap();
    let public = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let mut public_jwk = public.public_jwk();
    public_jwk.as_object_mut().unwrap().remove("kid");
    std::fs::write(dir.join("c.json"), public_jwk.to_string()).unwrap();
    std::fs::write(dir.join("d.json"), r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).unwrap();
    let loaded = load_key_dir(&dir).unwrap();
    let keys = loaded.jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], k.public_jwk());
    // A public JWK without kid gets its thumbprint.
    assert_eq!(keys[1]["kid"], public.thumbprint());
    let skipped: Vec<&str> = loaded.skipped.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(skipped, ["b.pem", "d.json"]);
    assert!(loaded.skipped[0].reason.contains("already published"));
    std::fs::remove_dir_all(&dir).unwrap();
    let e = load_key_dir(&dir).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(JwksServer::start(&dir, ServeOptions::default()).is_err());
}

#[test]
fn server_with_fixed_keys_leaves_hmac_out() {
    let es = SigningKey::generate(Algorithm::ES256).unwrap();
    let hs = SigningKey::generate(Algorithm::HS256).unwrap();
    let server = JwksServer::start_with_keys(&[&es, &hs], ServeOptions::default()).unwrap();
    let (_, _, body) = http_get(&server.jwks_url(), "");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc, json!({"keys": [es.public_jwk()]}));
    server.set_keys(&[]);
    let (_, _, body) = http_get(&server.jwks_url(), "");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"keys": []})
    );
    // A request that is not HTTP gets a 400, and the server keeps serving.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"hello\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert_eq!(http_get(&server.jwks_url(), "").0, 200);
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "jwks-issuer-{tag}-{}-{}",
        std::process::id(),
        jwkskit::unix_now()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `n` connections that each send the start of a request one byte at a time, never
/// finishing it, until the returned flag is set.
fn slow_clients(
    addr: std::net::SocketAddr,
    n: usize,
) -> (
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    std::thread::JoinHandle<()>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut conns: Vec<TcpStream> = (0..n).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&done);
    let thread = std::thread::spawn(move || {
        let request = b"GET /.well-known/jwks.json HTTP/1.1\r\nX-Slow: ";
        let mut i = 0;
        while !flag.load(Ordering::SeqCst) {
            let byte = request.get(i).copied().unwrap_or(b'a');
            // A connection the server closed just stops counting.
            for c in &mut conns {
                let _ = c.write_all(&[byte]);
            }
            i += 1;
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    (done, thread)
}

#[test]
fn slow_clients_do_not_stop_a_normal_client() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    // 200 connections trickling bytes, more than the server had threads for.
    let (done, dribbler) = slow_clients(server.addr(), 200);
    std::thread::sleep(std::time::Duration::from_millis(500));
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let (status, _, body) = http_get(&server.jwks_url(), "");
        let took = started.elapsed();
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"keys": [key.public_jwk()]})
        );
        assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    dribbler.join().unwrap();
    server.stop();
}

#[test]
fn a_request_head_has_a_deadline_however_slowly_it_arrives() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let opts = ServeOptions {
        request_timeout: std::time::Duration::from_secs(1),
        ..ServeOptions::default()
    };
    let server = JwksServer::start_with_keys(&[&key], opts).unwrap();
    let mut conn = TcpStream::connect(server.addr()).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_millis(100)))
        .unwrap();
    let started = std::time::Instant::now();
    let request = b"GET /.well-known/jwks.json HTTP/1.1\r\nX-Slow: ";
    // One byte every 100 ms, each well within any per-read timeout: only a deadline for the
    // whole head ends this.
    let closed = loop {
        let elapsed = started.elapsed();
        if elapsed > std::time::Duration::from_secs(6) {
            break None;
        }
        let i = (elapsed.as_millis() / 100) as usize;
        if conn
            .write_all(&[request.get(i).copied().unwrap_or(b'a')])
            .is_err()
        {
            break Some(elapsed);
        }
        let mut buf = [0u8; 512];
        match conn.read(&mut buf) {
            Ok(_) => break Some(started.elapsed()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break Some(started.elapsed()),
        }
    };
    let closed = closed.expect("the server kept a trickling connection open for 6 s");
    assert!(
        closed >= std::time::Duration::from_millis(900),
        "closed too early: {closed:?}"
    );
    assert_eq!(http_get(&server.jwks_url(), "").0, 200);
    server.stop();
}

#[test]
fn a_missing_key_directory_is_a_500_without_its_path() {
    let dir = tempdir("serve-gone");
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    std::fs::write(dir.join("k.pem"), key.to_key_file()).unwrap();
    let server = JwksServer::start(&dir, ServeOptions::default()).unwrap();
    assert_eq!(http_get(&server.jwks_url(), "").0, 200);
    std::fs::remove_dir_all(&dir).unwrap();
    let (status, head, body) = http_get(&server.jwks_url(), "");
    assert_eq!(status, 500);
    let dir_text = dir.to_string_lossy();
    let tag = dir.file_name().unwrap().to_string_lossy();
    assert!(
        !head.contains(&*tag) && !body.contains(&*tag) && !body.contains(&*dir_text),
        "{head}\n{body}"
    );
    assert!(body.contains("key directory cannot be read"), "{body}");
    server.stop();
}

#[test]
fn head_requests_get_the_length_and_no_body() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    let (_, _, body) = http_get(&server.jwks_url(), "");
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "HEAD /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, rest) = out.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(
        header(head, "content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(rest, "");
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "POST /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 405"), "{out}");
    assert_eq!(header(&out, "allow"), Some("GET, HEAD"));
    server.stop();
}

/// One GET on a fresh connection that gives up after `limit`: the status and body, or why
/// there was no answer (closed unanswered, timed out).
fn get_within(url: &str, limit: std::time::Duration) -> Result<(u16, String), String> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(limit)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("send: {e}"))?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)
        .map_err(|e| format!("no whole answer within {limit:?}: {e}"))?;
    let out = String::from_utf8(out).map_err(|e| e.to_string())?;
    let (head, body) = out
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("closed without an answer: {out:?}"))?;
    let status = head[9..12]
        .parse()
        .map_err(|_| format!("bad head {head:?}"))?;
    Ok((status, body.to_owned()))
}

/// Lets this process hold `needed` descriptors (a client and a server side per connection):
/// the soft limit is often 1024, the hard one higher.
fn allow_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < needed as libc::rlim_t {
            assert!(
                limit.rlim_max >= needed as libc::rlim_t,
                "this test needs {needed} open files, the hard limit is {}",
                limit.rlim_max
            );
            limit.rlim_cur = needed as libc::rlim_t;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

/// Opens `n` connections that send nothing.
fn idle_clients(addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    (0..n).map(|_| TcpStream::connect(addr).unwrap()).collect()
}

/// Whether the server closed this connection (an end of file or a reset within `wait`).
fn closed_by_server(conn: &mut TcpStream, wait: std::time::Duration) -> bool {
    conn.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 64];
    match conn.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn a_full_server_closes_its_oldest_idle_connection_for_a_new_client() {
    allow_open_files(4096);
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let expected = json!({"keys": [key.public_jwk()]});
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    // More idle connections than the server holds (512): each one past the cap takes the
    // place of the oldest.
    let mut idle = idle_clients(server.addr(), 600);
    let limit = std::time::Duration::from_secs(1);
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let answer = get_within(&server.jwks_url(), limit);
        let took = started.elapsed();
        let (status, body) = answer.unwrap_or_else(|e| panic!("after {took:?}: {e}"));
        assert_eq!(status, 200);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
        assert!(took < limit, "took {took:?}");
    }
    let short = std::time::Duration::from_millis(200);
    assert!(
        closed_by_server(&mut idle[0], short),
        "the oldest idle connection is still open"
    );
    assert!(
        !closed_by_server(&mut idle[599], short),
        "the newest idle connection was closed"
    );
    drop(idle);
    let (status, body) = get_within(&server.jwks_url(), limit).unwrap();
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
    server.stop();
}

#[test]
fn a_connection_being_answered_is_not_closed_for_a_new_client() {
    allow_open_files(4096);
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let expected = json!({"keys": [key.public_jwk()]});
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    // The oldest connection of all is one whose answer is under way (held for 3 s).
    server.set_delay(std::time::Duration::from_secs(3));
    let url = server.jwks_url();
    let slow = std::thread::spawn(move || get_within(&url, std::time::Duration::from_secs(10)));
    let waiting = std::time::Instant::now();
    while server.request_count() == 0 {
        assert!(waiting.elapsed() < std::time::Duration::from_secs(5));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // The request was counted just before the server read the delay to wait: let it.
    std::thread::sleep(std::time::Duration::from_millis(100));
    server.set_delay(std::time::Duration::ZERO);
    let idle = idle_clients(server.addr(), 600);
    let limit = std::time::Duration::from_secs(1);
    let started = std::time::Instant::now();
    let answer = get_within(&server.jwks_url(), limit);
    let took = started.elapsed();
    assert!(
        !slow.is_finished(),
        "the slow answer ended before the server was full: the test proves nothing"
    );
    let (status, body) = answer.unwrap_or_else(|e| panic!("after {took:?}: {e}"));
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
    assert!(took < limit, "took {took:?}");
    let (status, body) = slow.join().unwrap().expect("the answer under way was cut");
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), expected);
    drop(idle);
    server.stop();
}
