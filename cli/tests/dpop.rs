//! `jwks dpop` (proof, verify, thumbprint) and `jwks sign --dpop-key/--cnf-jkt`: proofs minted
//! by the tool verify with the tool and with the library, mismatches are refused with the
//! core's refusal and `jwks verify`'s exit codes, and the RFC 9449 example proof verifies.

use std::path::PathBuf;
use std::process::Command;

use jwkskit::dpop::TokenScheme;
use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::{Algorithm, Policy, Request, Verifier};
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const URI: &str = "https://api.example.com/orders";
/// A nonce secret of the required 32 bytes.
const SECRET: &str = "0123456789abcdef0123456789abcdef";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// The single line printed (a token or a proof).
    fn line(&self) -> String {
        assert_eq!(self.code, 0, "{}{}", self.stdout, self.stderr);
        self.stdout.trim().to_owned()
    }
}

fn jwks(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_jwks"))
        .args(args)
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().expect("exited by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    run
}

#[track_caller]
fn expect(run: &Run, code: i32, needles: &[&str]) {
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, code, "exit code; output:\n{all}");
    for n in needles {
        assert!(all.contains(n), "missing {n:?} in:\n{all}");
    }
}

/// A directory of key files, removed at the end of the test.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "jwks-dpop-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// An issuer (key file, JWKS file, its library key) and a client key file.
struct Setup {
    dir: Dir,
    issuer: SigningKey,
    issuer_file: String,
    jwks_file: String,
    client: SigningKey,
    client_file: String,
}

fn setup(client: SigningKey) -> Setup {
    let dir = Dir::new("setup");
    let issuer = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("as-1");
    let issuer_file = dir.write("issuer.key", issuer.to_key_file());
    let jwks_file = dir.write("jwks.json", jwks_document(&[&issuer]).to_string());
    let client_file = dir.write("client.key", client.to_key_file());
    Setup {
        dir,
        issuer,
        issuer_file,
        jwks_file,
        client,
        client_file,
    }
}

impl Setup {
    /// A token bound to the client key by `jwks sign --dpop-key`.
    fn bound_token(&self) -> String {
        jwks(&[
            "sign",
            "--key",
            &self.issuer_file,
            "--aud",
            "https://api.example.com",
            "--now",
            &NOW.to_string(),
            "--dpop-key",
            &self.client_file,
        ])
        .line()
    }

    fn proof(&self, method: &str, uri: &str, token: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "dpop",
            "proof",
            "--key",
            &self.client_file,
            "--htm",
            method,
            "--htu",
            uri,
            "--ath-of",
            token,
        ];
        let iat = NOW.to_string();
        if !extra.contains(&"--iat") {
            args.extend(["--iat", &iat]);
        }
        args.extend_from_slice(extra);
        jwks(&args).line()
    }

    /// `jwks dpop verify` of a GET of [`URI`] with `authorization` and `dpop`, then `extra`, at
    /// [`NOW`] unless `extra` says `--now`.
    fn verify(&self, authorization: &str, dpop: &[&str], extra: &[&str]) -> Run {
        let now = NOW.to_string();
        let mut args = vec![
            "dpop",
            "verify",
            "--jwks",
            &self.jwks_file,
            "--aud",
            "https://api.example.com",
            "--method",
            "GET",
            "--uri",
            URI,
            "--authorization",
            authorization,
        ];
        if !extra.contains(&"--now") {
            args.extend(["--now", &now]);
        }
        for proof in dpop {
            args.extend(["--dpop", proof]);
        }
        args.extend_from_slice(extra);
        jwks(&args)
    }

    /// A library verifier with the same policy as `jwks dpop verify`'s default.
    fn library(&self) -> Verifier {
        let mut policy = Policy {
            audiences: vec!["https://api.example.com".into()],
            ..Policy::default()
        };
        policy.dpop.token_scheme = TokenScheme::Dpop;
        Verifier::from_json(
            jwks_document(&[&self.issuer]).to_string().as_bytes(),
            policy,
        )
        .unwrap()
    }
}

fn payload(jws: &str) -> Value {
    use base64::Engine;
    let part = jws.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn header(jws: &str) -> Value {
    use base64::Engine;
    let part = jws.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

// ---------------------------------------------------------------- mint and verify

#[test]
fn minted_proofs_verify_with_the_tool_and_the_library_for_every_key_type() {
    let rsa = std::fs::read(data("rsa2048.pem")).unwrap();
    let clients = [
        SigningKey::generate(Algorithm::ES256).unwrap(),
        SigningKey::generate(Algorithm::ES384).unwrap(),
        SigningKey::generate(Algorithm::EdDSA).unwrap(),
        SigningKey::from_key_file(&rsa, Some(Algorithm::RS256)).unwrap(),
        SigningKey::from_key_file(&rsa, Some(Algorithm::PS256)).unwrap(),
    ];
    for client in clients {
        let alg = client.alg().name();
        let s = setup(client);
        let token = s.bound_token();
        // jwks sign --dpop-key: cnf.jkt is the client key's thumbprint.
        assert_eq!(
            payload(&token)["cnf"]["jkt"],
            s.client.thumbprint(),
            "{alg}"
        );
        let proof = s.proof("GET", &format!("{URI}?page=2#top"), &token, &[]);
        let h = header(&proof);
        assert_eq!(h["typ"], "dpop+jwt", "{alg}");
        assert_eq!(h["alg"], alg);
        assert_eq!(
            h["jwk"],
            s.client.proof_jwk(),
            "{alg}: the public part only"
        );
        let body = payload(&proof);
        assert_eq!(body["htm"], "GET");
        assert_eq!(body["htu"], URI, "query and fragment left out");
        assert_eq!(body["iat"], NOW);
        assert_eq!(
            body["ath"],
            jwkskit::dpop::access_token_hash(token.as_bytes())
        );

        // The tool: valid, with the fields of the verdict.
        let authorization = format!("DPoP {token}");
        let run = s.verify(&authorization, &[&proof], &["--json"]);
        assert_eq!(run.code, 0, "{alg}: {}{}", run.stdout, run.stderr);
        let v = run.json();
        assert_eq!(v["valid"], true);
        assert_eq!(v["scheme"], "DPoP");
        assert_eq!(v["dpop_jkt"], s.client.thumbprint());
        assert_eq!(v["proof"]["alg"], alg);
        assert_eq!(v["proof"]["jti"], body["jti"]);
        assert_eq!(v["proof"]["iat"], NOW);
        assert_eq!(v["proof"]["payload"], body);
        assert_eq!(v["token"]["kid"], "as-1");
        assert_eq!(v["token"]["claims"]["cnf"]["jkt"], s.client.thumbprint());
        assert_eq!(v["now"], NOW);
        assert_eq!(v["dpop_nonce"], Value::Null);

        // The library, on the same request.
        let verifier = s.library();
        let request = Request::new("GET", URI)
            .authorization(&authorization)
            .dpop(&proof);
        let verified = verifier.verify_request_at(&request, NOW).unwrap();
        assert_eq!(verified.dpop_jkt(), Some(s.client.thumbprint().as_str()));
        // ... which records the proof: the same one again in that process is a replay.
        assert_eq!(
            verifier
                .verify_request_at(&request, NOW)
                .unwrap_err()
                .kind(),
            jwkskit::ErrorKind::DpopProofReplayed
        );
        drop(s.dir);
    }
}

#[test]
fn human_output_names_the_scheme_the_proof_and_the_token() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let token = s.bound_token();
    let proof = s.proof("GET", URI, &token, &["--jti", "proof-1"]);
    let run = s.verify(&format!("DPoP {token}"), &[&proof], &[]);
    expect(
        &run,
        0,
        &[
            "VALID  request verified at 2023-11-14 22:13:20 UTC (scheme DPoP)",
            &format!("jkt {}", s.client.thumbprint()),
            "jti \"proof-1\"",
            "kid \"as-1\"",
        ],
    );
}

#[test]
fn ath_given_as_is_equals_the_hash_of_the_token() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let token = s.bound_token();
    let ath = jwkskit::dpop::access_token_hash(token.as_bytes());
    let run = jwks(&[
        "dpop",
        "proof",
        "--key",
        &s.client_file,
        "--htm",
        "GET",
        "--htu",
        URI,
        "--ath",
        &ath,
        "--iat",
        &NOW.to_string(),
        "--nonce",
        "n-1",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["payload"]["ath"], ath);
    assert_eq!(v["payload"]["nonce"], "n-1");
    assert_eq!(v["jkt"], s.client.thumbprint());
    assert_eq!(payload(v["proof"].as_str().unwrap()), v["payload"]);
    // Two proofs minted alike differ by their random jti.
    let a = payload(&s.proof("GET", URI, &token, &[]));
    let b = payload(&s.proof("GET", URI, &token, &[]));
    assert_ne!(a["jti"], b["jti"]);
    let proof = v["proof"].as_str().unwrap();
    // A nonce the server did not ask for is not checked (nonces are off).
    expect(
        &s.verify(&format!("DPoP {token}"), &[proof], &[]),
        0,
        &["VALID"],
    );
}

// ---------------------------------------------------------------- refusals

#[test]
fn mismatched_method_or_uri_is_refused_with_the_cores_refusal() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let token = s.bound_token();
    let authorization = format!("DPoP {token}");
    let verifier = s.library();
    for (method, uri) in [("POST", URI), ("GET", "https://api.example.com/other")] {
        let proof = s.proof(method, uri, &token, &[]);
        let run = s.verify(&authorization, &[&proof], &["--json", "--realm", "api"]);
        assert_eq!(run.code, 1, "{method} {uri}: {}", run.stdout);
        let v = run.json();
        assert_eq!(v["valid"], false);
        assert_eq!(v["error"]["name"], "DPOP_PROOF_MISMATCH");
        assert_eq!(v["error"]["category"], "token_rejected");
        assert_eq!(v["refusal"]["status"], 401);
        assert_eq!(v["refusal"]["error"], "invalid_dpop_proof");
        // The challenges are the core's, word for word.
        let request = Request::new("GET", URI)
            .authorization(&authorization)
            .dpop(&proof);
        let e = verifier.verify_request_at(&request, NOW).unwrap_err();
        assert_eq!(e.kind(), jwkskit::ErrorKind::DpopProofMismatch);
        let refusal = verifier
            .refusal(e.kind(), Some(&request), Some("api"), None, NOW)
            .unwrap();
        assert_eq!(v["refusal"]["www_authenticate"], json!(refusal.challenges));
        assert!(
            refusal.challenges[0].starts_with("DPoP realm=\"api\", error=\"invalid_dpop_proof\"")
        );

        let human = s.verify(&authorization, &[&proof], &[]);
        expect(
            &human,
            1,
            &[
                "REFUSED  DPOP_PROOF_MISMATCH",
                "answer: HTTP 401",
                "WWW-Authenticate: DPoP error=\"invalid_dpop_proof\"",
            ],
        );
    }
}

/// A request's `Authorization` and `DPoP` headers, more options, the refusal and its status.
type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a str, u64);

#[test]
fn other_refusals_keep_jwks_verify_exit_codes() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let token = s.bound_token();
    let proof = s.proof("GET", URI, &token, &[]);
    let dpop = format!("DPoP {token}");
    let bearer = format!("Bearer {token}");
    let cases: &[Case] = &[
        (&dpop, &[&proof, &proof], &[], "DPOP_PROOF_INVALID", 401),
        (&dpop, &[], &[], "DPOP_PROOF_INVALID", 401),
        (&bearer, &[], &[], "SCHEME_NOT_ALLOWED", 401),
        (
            &bearer,
            &[],
            &["--token-scheme", "either"],
            "BOUND_TOKEN_AS_BEARER",
            401,
        ),
        (
            &dpop,
            &[&proof],
            &["--token-scheme", "bearer"],
            "SCHEME_NOT_ALLOWED",
            401,
        ),
        (
            &dpop,
            &[&proof],
            &[
                "--dpop-max-age",
                "1",
                "--dpop-leeway",
                "0",
                "--now",
                "1700000010",
            ],
            "DPOP_PROOF_STALE",
            401,
        ),
        ("DPoP a b", &[&proof], &[], "INVALID_REQUEST", 400),
        ("Basic dXNlcjpw", &[], &[], "NO_CREDENTIALS", 401),
    ];
    for (authorization, proofs, extra, name, status) in cases {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        let run = s.verify(authorization, proofs, &args);
        assert_eq!(run.code, 1, "{name}: {}{}", run.stdout, run.stderr);
        let v = run.json();
        assert_eq!(v["error"]["name"], *name, "{}", run.stdout);
        assert_eq!(v["refusal"]["status"], *status, "{name}");
    }
    // Missing credentials: a challenge without an error code (RFC 6750 §3.1).
    let v = s.verify("Basic dXNlcjpw", &[], &["--json"]).json();
    assert_eq!(v["refusal"]["error"], Value::Null);
    assert_eq!(
        v["refusal"]["www_authenticate"][0]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("DPoP")
    );
    // Keys unavailable: exit 2, as jwks verify.
    let run = jwks(&[
        "dpop",
        "verify",
        "--jwks",
        "/nonexistent/jwks.json",
        "--method",
        "GET",
        "--uri",
        URI,
        "--authorization",
        &dpop,
        "--dpop",
        &proof,
        "--json",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json()["error"]["name"], "KEYS_UNAVAILABLE");
}

#[test]
fn a_server_nonce_is_asked_for_then_accepted() {
    let s = setup(SigningKey::generate(Algorithm::EdDSA).unwrap());
    let token = s.bound_token();
    let authorization = format!("DPoP {token}");
    let nonces = ["--nonce-secret", SECRET, "--json"];
    let first = s.proof("GET", URI, &token, &[]);
    let run = s.verify(&authorization, &[&first], &nonces);
    assert_eq!(run.code, 1);
    let v = run.json();
    assert_eq!(v["error"]["name"], "DPOP_NONCE_REQUIRED");
    assert_eq!(v["refusal"]["error"], "use_dpop_nonce");
    let nonce = v["refusal"]["dpop_nonce"]
        .as_str()
        .expect("a DPoP-Nonce")
        .to_owned();
    let human = s.verify(&authorization, &[&first], &nonces[..2]);
    expect(&human, 1, &[&format!("DPoP-Nonce: {nonce}")]);
    // A fleet sharing the secret accepts the nonce in another run.
    let second = s.proof("GET", URI, &token, &["--nonce", &nonce]);
    let run = s.verify(&authorization, &[&second], &nonces);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["valid"], true);
    // Another secret's server does not.
    let other = ["--nonce-secret", "another secret of at least 32 bytes!!"];
    expect(
        &s.verify(&authorization, &[&second], &other),
        1,
        &["DPOP_NONCE_REQUIRED"],
    );
}

// ---------------------------------------------------------------- RFC 9449 examples

#[test]
fn the_rfc_9449_example_proofs_verify_at_their_time() {
    let examples: Value =
        serde_json::from_slice(&std::fs::read(data("rfc9449-examples.json")).unwrap()).unwrap();
    let jkt = examples["jkt"].as_str().unwrap();
    for example in examples["proofs"].as_array().unwrap() {
        let (method, uri) = (
            example["method"].as_str().unwrap(),
            example["uri"].as_str().unwrap(),
        );
        let proof = example["proof"].as_str().unwrap();
        let iat = example["iat"].to_string();
        let mut args = vec![
            "dpop",
            "verify",
            "--proof-only",
            "--method",
            method,
            "--uri",
            uri,
            "--dpop",
            proof,
            "--json",
        ];
        let authorization;
        if let Some(token) = example["access_token"].as_str() {
            authorization = format!("DPoP {token}");
            args.extend(["--authorization", &authorization]);
        }
        let mut at = args.clone();
        at.extend(["--now", &iat]);
        let run = jwks(&at);
        assert_eq!(run.code, 0, "{}: {}", example["name"], run.stdout);
        let v = run.json();
        assert_eq!(v["dpop_jkt"], jkt);
        assert_eq!(v["proof"]["iat"], example["iat"]);
        assert_eq!(v["token"], Value::Null, "no access token is verified");
        // Today, years later: stale.
        let run = jwks(&args);
        assert_eq!(run.code, 1);
        assert_eq!(run.json()["error"]["name"], "DPOP_PROOF_STALE");
        // Another URI: refused.
        let mut other = at.clone();
        other[4] = "https://elsewhere.example/x";
        assert_eq!(jwks(&other).json()["error"]["name"], "DPOP_PROOF_MISMATCH");
    }
    // The example's key thumbprint, from its JWK.
    let dir = Dir::new("rfc");
    let jwk = dir.write("key.jwk", examples["jwk"].to_string());
    assert_eq!(jwks(&["dpop", "thumbprint", &jwk]).line(), jkt);
}

// ---------------------------------------------------------------- binding and bad input

#[test]
fn cnf_jkt_binds_and_thumbprints_agree() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let jkt = s.client.thumbprint();
    assert_eq!(jwks(&["dpop", "thumbprint", &s.client_file]).line(), jkt);
    assert_eq!(jwks(&["thumbprint", &s.client_file]).line(), jkt);
    let public = s.dir.write("client.jwk", s.client.public_jwk().to_string());
    let now = NOW.to_string();
    for binding in [["--cnf-jkt", jkt.as_str()], ["--dpop-key", public.as_str()]] {
        let mut args = vec![
            "sign",
            "--key",
            &s.issuer_file,
            "--now",
            &now,
            "--claims",
            r#"{"cnf":{"x":1}}"#,
        ];
        args.extend_from_slice(&binding);
        let token = jwks(&args).line();
        assert_eq!(
            payload(&token)["cnf"],
            json!({"x": 1, "jkt": jkt}),
            "{binding:?}"
        );
    }
    let sign = |extra: &[&str]| {
        let mut args = vec!["sign", "--key", &s.issuer_file];
        args.extend_from_slice(extra);
        jwks(&args)
    };
    expect(&sign(&["--cnf-jkt", "short"]), 2, &["not an RFC 7638"]);
    expect(
        &sign(&["--cnf-jkt", &jkt, "--dpop-key", &public]),
        2,
        &["not both"],
    );
    expect(
        &sign(&["--dpop-key", &s.jwks_file]),
        2,
        &["a JWKS, not one key"],
    );
    expect(
        &sign(&["--claims", r#"{"cnf":{"jkt":"other"}}"#, "--cnf-jkt", &jkt]),
        2,
        &["another key"],
    );
    expect(
        &sign(&["--claims", r#"{"cnf":"x"}"#, "--cnf-jkt", &jkt]),
        2,
        &["not an object"],
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let hmac = s.dir.write(
        "hmac.jwk",
        SigningKey::generate(Algorithm::HS256)
            .unwrap()
            .to_key_file(),
    );
    let proof = |extra: &[&str]| {
        let mut args = vec!["dpop", "proof", "--key", &s.client_file];
        args.extend_from_slice(extra);
        jwks(&args)
    };
    let ok = ["--htm", "GET", "--htu", URI];
    expect(&proof(&["--htm", "GET"]), 2, &["--htu is required"]);
    expect(
        &proof(&["--htm", "G ET", "--htu", URI]),
        2,
        &["not an HTTP method"],
    );
    for bad in [
        "/orders",
        "api.example.com/orders",
        "https://",
        "ftp://x/y",
        "https:///x",
    ] {
        expect(
            &proof(&["--htm", "GET", "--htu", bad]),
            2,
            &["not an absolute http(s) URI"],
        );
    }
    let mut both = ok.to_vec();
    both.extend(["--ath", "abc", "--ath-of", "tok"]);
    expect(&proof(&both), 2, &["not both"]);
    let mut bad_ath = ok.to_vec();
    bad_ath.extend(["--ath", "a+b="]);
    expect(&proof(&bad_ath), 2, &["--ath is not base64url"]);
    let mut empty_jti = ok.to_vec();
    empty_jti.extend(["--jti", ""]);
    expect(&proof(&empty_jti), 2, &["--jti is empty"]);
    expect(
        &jwks(&[
            "dpop", "proof", "--key", &hmac, "--htm", "GET", "--htu", URI,
        ]),
        2,
        &["asymmetric key"],
    );
    // A private JWK: the key files read asymmetric keys as PKCS#8 PEM only, and say so.
    let mut private = s.client.public_jwk();
    private["d"] = json!("AAAA");
    let jwk = s.dir.write("client.jwk", private.to_string());
    expect(
        &jwks(&["dpop", "proof", "--key", &jwk, "--htm", "GET", "--htu", URI]),
        2,
        &["a private JWK", "PKCS#8 PEM"],
    );
    expect(
        &jwks(&[
            "dpop",
            "proof",
            "--key",
            "/nonexistent",
            "--htm",
            "GET",
            "--htu",
            URI,
        ]),
        2,
        &["cannot read"],
    );
    let verify = |extra: &[&str]| {
        let mut args = vec!["dpop", "verify", "--jwks", &s.jwks_file];
        args.extend_from_slice(extra);
        jwks(&args)
    };
    expect(
        &verify(&["--method", "GET", "--uri", URI]),
        2,
        &["--authorization and --dpop"],
    );
    expect(
        &verify(&["--uri", URI, "--dpop", "x"]),
        2,
        &["--method is required"],
    );
    let base = [
        "--method",
        "GET",
        "--uri",
        URI,
        "--dpop",
        "x",
        "--authorization",
        "DPoP t",
    ];
    for (extra, needle) in [
        (&["--token-scheme", "mtls"][..], "--token-scheme: \"mtls\""),
        (
            &["--nonce-lifetime", "60"],
            "--nonce-lifetime needs --nonce-secret",
        ),
        (&["--nonce-secret", "short"], "dpop_nonce_secret"),
        (&["--dpop-max-age", "-5"], "cannot be negative"),
        (&["--proof-only", "--dpop", "y"], "one --dpop"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        expect(&verify(&args), 2, &[needle]);
    }
    expect(&jwks(&["dpop"]), 2, &["proof|verify|thumbprint"]);
    expect(&jwks(&["dpop", "mint"]), 2, &["unknown dpop command"]);
    // A --json failure is still one JSON object.
    let run = jwks(&["dpop", "proof", "--json"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json()["error"]["command"], "dpop");
}

#[test]
fn each_dpop_command_has_its_help() {
    expect(
        &jwks(&["dpop", "proof", "--help"]),
        0,
        &["jwks dpop proof - mint", "--ath-of"],
    );
    expect(
        &jwks(&["dpop", "verify", "--help"]),
        0,
        &["jwks dpop verify - verify", "--proof-only"],
    );
    expect(&jwks(&["dpop", "thumbprint", "--help"]), 0, &["RFC 7638"]);
    expect(
        &jwks(&["dpop", "--help"]),
        0,
        &["commands:", "proof", "verify"],
    );
    expect(&jwks(&["help", "dpop", "verify"]), 0, &["--token-scheme"]);
    expect(&jwks(&["--help"]), 0, &["dpop        DPoP"]);
    expect(&jwks(&["sign", "--help"]), 0, &["--dpop-key", "--cnf-jkt"]);
}

#[test]
fn certificate_bound_tokens_need_their_client_certificate() {
    let s = setup(SigningKey::generate(Algorithm::ES256).unwrap());
    let pem = std::fs::read(data("client-cert.pem")).unwrap();
    let x5t = jwkskit::ClientCert::Pem(&pem)
        .thumbprint()
        .unwrap()
        .unwrap();
    let claims = json!({"cnf": {"x5t#S256": x5t}}).to_string();
    let token = jwks(&[
        "sign",
        "--key",
        &s.issuer_file,
        "--aud",
        "https://api.example.com",
        "--now",
        &NOW.to_string(),
        "--claims",
        &claims,
    ])
    .line();
    let bearer = format!("Bearer {token}");
    let scheme = ["--token-scheme", "bearer", "--json"];
    let with = |cert: &str| {
        let mut args = scheme.to_vec();
        args.extend(["--client-cert", cert]);
        s.verify(&bearer, &[], &args)
    };
    let run = with(&data("client-cert.pem"));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let v = run.json();
    assert_eq!(v["scheme"], "Bearer");
    assert_eq!(v["certificate_thumbprint"], x5t.as_str());
    assert_eq!(v["dpop_jkt"], Value::Null);
    // The same certificate in DER.
    let der = s.dir.write("client.der", pem_to_der(&pem));
    assert_eq!(with(&der).json()["certificate_thumbprint"], x5t.as_str());
    for run in [
        with(&data("other-cert.pem")),
        s.verify(&bearer, &[], &scheme),
    ] {
        assert_eq!(run.code, 1);
        let v = run.json();
        assert_eq!(v["error"]["name"], "BINDING_MISMATCH");
        assert_eq!(v["refusal"]["status"], 401);
        assert_eq!(v["refusal"]["error"], "invalid_token");
    }
}

/// The DER of a PEM certificate.
fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).unwrap();
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

// ---------------------------------------------------------------- the README

/// The text of the README's DPoP paragraph of "Command-line tool": its ```sh block and the
/// refusal it shows.
fn readme_dpop_blocks() -> (String, String) {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the repository's README");
    let start = readme
        .find("DPoP (RFC 9449, see [Sender-constrained tokens]")
        .expect("the README's DPoP paragraph of the tool");
    let mut blocks = readme[start..].split("```").skip(1).step_by(2);
    let script = blocks
        .next()
        .unwrap()
        .strip_prefix("sh\n")
        .unwrap()
        .to_owned();
    let refusal = blocks.next().unwrap().trim_start_matches('\n').to_owned();
    (script, refusal)
}

#[test]
fn the_readme_commands_run_as_written() {
    let (script, refusal) = readme_dpop_blocks();
    let dir = Dir::new("readme");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_jwks"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let examples: Value =
        serde_json::from_slice(&std::fs::read(data("rfc9449-examples.json")).unwrap()).unwrap();
    // The key directory of the section's first example, then the DPoP block as written, and
    // the refused request the README shows (the same request with another method).
    let full = format!(
        "set -eu\nmkdir keys\njwks keygen --alg ES256 --out keys/signing.key --kid k1 >/dev/null 2>&1\n\
         {script}\n\
         jwks dpop verify --jwks keys --aud api --method POST --uri https://api.example/orders \
         --authorization \"DPoP $TOKEN\" --dpop \"$PROOF\" && exit 9 || test $? -eq 1\n"
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&full)
        .current_dir(&dir.0)
        .env("PATH", path)
        .env(
            "RFC9449_PROOF",
            examples["proofs"][0]["proof"].as_str().unwrap(),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("VALID  request verified at"), "{stdout}");
    assert!(
        stdout.contains("VALID  DPoP proof verified at 2019-07-04 17:50:16 UTC"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(&refusal),
        "the README's refusal:\n{refusal}\nprinted:\n{stdout}"
    );
}
