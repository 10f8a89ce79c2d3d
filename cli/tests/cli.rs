//! The `jwks` binary: every subcommand, its output and its documented exit code
//! (0 ok, 1 token rejected, 2 usage error or keys unavailable), and never a panic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::Algorithm;
use serde_json::{json, Value};

/// The cross-language corpus's file format (tests/vectors/corpus/README.md).
#[path = "../../tests/corpus/format.rs"]
mod corpus_format;

const NOW: i64 = 1_700_000_000;

const PROXY_VARS: [&str; 6] = [
    "ALL_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "http_proxy",
    "https_proxy",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn jwks_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jwks"));
    // Every URL in these tests is on loopback; a proxy from the environment must not interfere.
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    run
}

fn jwks(args: &[&str]) -> Run {
    jwks_with_stdin(args, b"")
}

#[track_caller]
fn expect(run: &Run, code: i32, needles: &[&str]) {
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.code, code,
        "exit code; stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for n in needles {
        assert!(all.contains(n), "missing {n:?} in:\n{all}");
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "jwks-cli-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        std::fs::write(self.0.join(name), contents).unwrap();
        self.path(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file of tests/data/ (links to the library's test data, so that the published crate
/// carries them).
fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A key, its key file and a JWKS file holding its public key.
struct Fixture {
    dir: TempDir,
    key: SigningKey,
    key_file: String,
    jwks_file: String,
}

fn fixture(alg: Algorithm) -> Fixture {
    let dir = TempDir::new("fx");
    let key = SigningKey::generate(alg).unwrap().with_kid("main");
    let key_file = dir.write("main.pem", key.to_key_file());
    let jwks_file = dir.write("jwks.json", jwks_document(&[&key]).to_string());
    Fixture {
        dir,
        key,
        key_file,
        jwks_file,
    }
}

fn sign(key: &SigningKey, claims: Value) -> String {
    key.sign(&claims).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------- help and usage

#[test]
fn help_lists_commands_and_exit_codes() {
    let run = jwks(&["--help"]);
    expect(
        &run,
        0,
        &[
            "verify",
            "inspect",
            "serve",
            "exit codes",
            "keys are unavailable",
        ],
    );
    for cmd in [
        "verify",
        "inspect",
        "thumbprint",
        "keygen",
        "sign",
        "serve",
        "demo",
    ] {
        let run = jwks(&[cmd, "--help"]);
        expect(&run, 0, &[&format!("jwks {cmd}")]);
        let run = jwks(&["help", cmd]);
        expect(&run, 0, &[&format!("jwks {cmd}")]);
    }
    expect(
        &jwks(&["verify", "--help"]),
        0,
        &["exit codes", "1  rejected", "2  usage error"],
    );
    expect(
        &jwks(&["serve", "--help"]),
        0,
        &["Rotation procedure", "longest token lifetime"],
    );
    expect(&jwks(&[]), 2, &["usage"]);
    expect(
        &jwks(&["frobnicate"]),
        2,
        &["unknown command \"frobnicate\""],
    );
    expect(
        &jwks(&["inspect", "--bogus"]),
        2,
        &["unknown option --bogus"],
    );
    expect(&jwks(&["sign", "--key"]), 2, &["--key needs a value"]);
    expect(&jwks(&["--version"]), 0, &[jwkskit::VERSION]);
}

// ---------------------------------------------------------------- keygen

#[test]
fn keygen_writes_a_private_file_0600_and_prints_the_public_jwk() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("keygen");
    let out = dir.path("k.pem");
    let run = jwks(&["keygen", "--alg", "ES384", "--out", &out]);
    expect(&run, 0, &["\"crv\": \"P-384\"", "mode 0600"]);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let jwk: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(jwk.get("d").is_none());
    assert_eq!(jwk["kid"], jwkskit::thumbprint(&jwk).unwrap());
    let key = SigningKey::from_key_file(&std::fs::read(&out).unwrap(), None).unwrap();
    assert_eq!(key.public_jwk(), jwk);

    expect(
        &jwks(&["keygen", "--alg", "ES384", "--out", &out]),
        2,
        &["exists; refusing to overwrite"],
    );
    let jwk_out = dir.path("k2.jwk");
    let run = jwks(&[
        "keygen",
        "--alg",
        "EdDSA",
        "--kid",
        "ed-1",
        "--out",
        &dir.path("k2.pem"),
        "--jwk-out",
        &jwk_out,
    ]);
    expect(&run, 0, &["kid \"ed-1\""]);
    assert!(run.stdout.is_empty());
    let jwk: Value = serde_json::from_slice(&std::fs::read(&jwk_out).unwrap()).unwrap();
    assert_eq!(
        (jwk["kid"].as_str(), jwk["crv"].as_str()),
        (Some("ed-1"), Some("Ed25519"))
    );
}

#[test]
fn keygen_jwk_out_never_overwrites_nor_follows_links() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("keygen-jwk-out");
    // An existing file (here: another private key) is refused, and no private key is left.
    let precious = dir.write("precious.pem", "-----BEGIN PRIVATE KEY-----\nsecret\n");
    let out = dir.path("new.pem");
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "ES256",
            "--out",
            &out,
            "--jwk-out",
            &precious,
        ]),
        2,
        &["precious.pem exists; refusing to overwrite"],
    );
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "-----BEGIN PRIVATE KEY-----\nsecret\n"
    );
    assert!(!std::path::Path::new(&out).exists());
    // A symbolic link is not followed, whether its target exists or not.
    let link = dir.path("link.jwk");
    symlink(&precious, &link).unwrap();
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "ES256",
            "--out",
            &out,
            "--jwk-out",
            &link,
        ]),
        2,
        &["exists; refusing to overwrite"],
    );
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "-----BEGIN PRIVATE KEY-----\nsecret\n"
    );
    let dangling = dir.path("dangling.jwk");
    symlink(dir.path("target-to-be.jwk"), &dangling).unwrap();
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "ES256",
            "--out",
            &out,
            "--jwk-out",
            &dangling,
        ]),
        2,
        &["exists; refusing to overwrite"],
    );
    assert!(!std::path::Path::new(&dir.path("target-to-be.jwk")).exists());
    assert!(!std::path::Path::new(&out).exists());
    // --out as a link is refused the same way.
    expect(
        &jwks(&["keygen", "--alg", "ES256", "--out", &link]),
        2,
        &["exists; refusing to overwrite"],
    );
    expect(
        &jwks(&["keygen", "--alg", "ES256", "--out", &out, "--jwk-out", &out]),
        2,
        &["same file"],
    );
}

#[test]
fn keygen_makes_rsa_keys_of_each_size_that_sign_verifiable_tokens() {
    let dir = TempDir::new("keygen-rsa-gen");
    for (alg, bits) in [
        ("RS256", "2048"),
        ("PS256", "2048"),
        ("RS384", "3072"),
        ("PS384", "3072"),
        ("RS512", "4096"),
        ("PS512", "2048"),
    ] {
        let out = dir.path(&format!("{alg}.pem"));
        let run = jwks(&[
            "keygen", "--alg", alg, "--bits", bits, "--out", &out, "--json",
        ]);
        expect(&run, 0, &[]);
        let summary: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            (summary["alg"].as_str(), summary["kty"].as_str()),
            (Some(alg), Some("RSA"))
        );
        let n = URL_SAFE_NO_PAD
            .decode(summary["jwk"]["n"].as_str().unwrap())
            .unwrap();
        assert_eq!(n.len() * 8, bits.parse::<usize>().unwrap(), "{alg}");
        assert_eq!(n[0] >> 7, 1, "{alg}: top bit set");
        let jwks_file = dir.write(
            &format!("{alg}.json"),
            json!({"keys": [summary["jwk"]]}).to_string(),
        );
        let token = jwks(&["sign", "--key", &out, "--exp-in", "5m", "--sub", "rsa"]);
        expect(&token, 0, &[]);
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.stdout.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg);
        expect(
            &jwks(&["verify", token.stdout.trim(), "--jwks", &jwks_file]),
            0,
            &["VALID", "\"sub\": \"rsa\""],
        );
    }
    // The default size is 3072 bits.
    let run = jwks(&[
        "keygen",
        "--alg",
        "RS256",
        "--out",
        &dir.path("d.pem"),
        "--json",
    ]);
    expect(&run, 0, &[]);
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    let n = URL_SAFE_NO_PAD
        .decode(summary["jwk"]["n"].as_str().unwrap())
        .unwrap();
    assert_eq!(n.len(), 384);
    for bad in [
        &[
            "keygen",
            "--alg",
            "RS256",
            "--bits",
            "1024",
            "--out",
            &dir.path("x.pem"),
        ][..],
        &[
            "keygen",
            "--alg",
            "ES256",
            "--bits",
            "2048",
            "--out",
            &dir.path("y.pem"),
        ],
    ] {
        expect(&jwks(bad), 2, &["--bits"]);
    }
    assert!(!std::path::Path::new(&dir.path("x.pem")).exists());
}

#[test]
fn keygen_imports_an_rsa_key() {
    let dir = TempDir::new("keygen-rsa");
    let run = jwks(&[
        "keygen",
        "--alg",
        "PS256",
        "--rsa-pem",
        &data("rsa2048.pem"),
        "--out",
        &dir.path("r.pem"),
    ]);
    expect(&run, 0, &["\"kty\": \"RSA\"", "\"alg\": \"PS256\""]);
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "ES256",
            "--rsa-pem",
            &data("rsa2048.pem"),
            "--out",
            &dir.path("x.pem"),
        ]),
        2,
        &["an RSA key, which cannot sign ES256"],
    );
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "RS256",
            "--rsa-pem",
            &dir.path("missing.pem"),
            "--out",
            &dir.path("y.pem"),
        ]),
        2,
        &["cannot read RSA key"],
    );
    expect(
        &jwks(&["keygen", "--alg", "none", "--out", &dir.path("z")]),
        2,
        &["not a supported"],
    );
    expect(
        &jwks(&["keygen", "--alg", "ES256"]),
        2,
        &["--out is required"],
    );
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "ES256",
            "--out",
            &dir.path("no/such/dir/k.pem"),
        ]),
        2,
        &["cannot create"],
    );
}

#[test]
fn keygen_hmac_never_prints_the_secret() {
    let dir = TempDir::new("keygen-hs");
    let out = dir.path("h.jwk");
    let run = jwks(&["keygen", "--alg", "HS512", "--out", &out]);
    expect(&run, 0, &["verification key"]);
    let secret: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let k = secret["k"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(k).unwrap().len(), 64);
    assert!(!run.stdout.contains(k) && !run.stderr.contains(k));
    expect(
        &jwks(&[
            "keygen",
            "--alg",
            "HS256",
            "--out",
            &dir.path("h2"),
            "--jwk-out",
            &dir.path("p"),
        ]),
        2,
        &["no public part"],
    );
}

// ---------------------------------------------------------------- sign and verify

#[test]
fn sign_then_verify_round_trip() {
    let fx = fixture(Algorithm::ES256);
    let run = jwks(&[
        "sign",
        "--key",
        &fx.key_file,
        "--iss",
        "https://issuer.test",
        "--aud",
        "api",
        "--sub",
        "alice",
        "--exp-in",
        "10m",
        "--now",
        &NOW.to_string(),
        "--claims",
        r#"{"scope":"read"}"#,
    ]);
    expect(&run, 0, &[]);
    let token = run.stdout.trim().to_owned();
    let run = jwks(&[
        "verify",
        &token,
        "--jwks",
        &fx.jwks_file,
        "--aud",
        "api",
        "--iss",
        "https://issuer.test",
        "--now",
        &(NOW + 60).to_string(),
    ]);
    expect(
        &run,
        0,
        &[
            "VALID",
            "kid \"main\"",
            &fx.key.thumbprint(),
            "alg ES256",
            "\"scope\": \"read\"",
            "exp 1700000600 (2023-11-14 22:23:20 UTC, expires in 9 min)",
        ],
    );
    // From stdin, with a pasted Bearer prefix, as JSON.
    let run = jwks_with_stdin(
        &[
            "verify",
            "-",
            "--jwks",
            &fx.jwks_file,
            "--aud",
            "api",
            "--now",
            &NOW.to_string(),
            "--json",
        ],
        format!("Bearer {token}\n").as_bytes(),
    );
    expect(&run, 0, &[]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["key"]["kid"], "main");
    assert_eq!(v["claims"]["sub"], "alice");
    assert_eq!(v["claims"]["iat"], NOW);
}

/// `verify --json` prints the claims (and header) as the token carries them: integers beyond
/// 64 bits and `-0` as written, not turned into floats; members in the token's order.
#[test]
fn verify_json_prints_claims_as_written() {
    let fx = fixture(Algorithm::ES256);
    let payload = format!(
        "{{\"exp\":{},\"big\":9007199254740993,\"neg\":-0,\"u\":18446744073709551615,\n\
         \"f\":1.50,\"sub\":\"\\u00e9\",\"nested\":{{\"n\":-9223372036854775808}}}}",
        NOW + 60
    );
    let token = fx
        .key
        .sign_with_header(&serde_json::Map::new(), payload.as_bytes())
        .unwrap();
    let now = NOW.to_string();
    let run = jwks(&[
        "verify",
        &token,
        "--jwks",
        &fx.jwks_file,
        "--now",
        &now,
        "--json",
    ]);
    expect(&run, 0, &[]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let claims_text = format!("\"claims\":{}", payload.replace('\n', " "));
    assert!(
        run.stdout.contains(&claims_text),
        "{claims_text} not in {}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains(r#""header":{"alg":"ES256","kid":"main"}"#));
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["key"]["kid"], "main");
    assert_eq!(v["claims"]["sub"], "é");
    assert_eq!(v["now"], NOW);
    assert_eq!(v["scopes"], json!([]));
    assert_eq!(v["claim_names_case_unique"], true);
}

/// `--json` gives the scopes the token grants as every binding reads them, the scope claims'
/// error when they have another shape, and whether member names differ only in case.
#[test]
fn verify_json_reports_scopes_and_case_collisions() {
    let fx = fixture(Algorithm::ES256);
    let now = NOW.to_string();
    let exp = NOW + 60;
    for (payload, scopes, unique) in [
        (
            format!(r#"{{"exp":{exp},"scope":"read\twrite  admin","scp":["a b","read"]}}"#),
            json!(["read\twrite", "admin", "a b", "read"]),
            true,
        ),
        (
            format!(r#"{{"exp":{exp},"iss":"a","Iss":"b","scope":"x"}}"#),
            json!(["x"]),
            false,
        ),
        (
            format!(r#"{{"exp":{exp},"scope":["read"]}}"#),
            Value::Null,
            true,
        ),
    ] {
        let token = fx
            .key
            .sign_with_header(&serde_json::Map::new(), payload.as_bytes())
            .unwrap();
        let run = jwks(&[
            "verify",
            &token,
            "--jwks",
            &fx.jwks_file,
            "--now",
            &now,
            "--json",
        ]);
        expect(&run, 0, &[]);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["claim_names_case_unique"], unique, "{payload}");
        if scopes.is_null() {
            assert_eq!(v["scopes_error"]["name"], "INVALID_CLAIM", "{payload}");
            assert!(v.get("scopes").is_none());
        } else {
            assert_eq!(v["scopes"], scopes, "{payload}");
        }
    }
}

/// The verifier and `--json` read the token's JSON alike: what a reader could not decode, or
/// could read two ways, is rejected, never reported valid with `"claims": null` or with one
/// of two values.
#[test]
fn verify_json_refuses_claims_it_could_not_print() {
    let fx = fixture(Algorithm::ES256);
    let now = NOW.to_string();
    for (payload, reason) in [
        (r#"{"exp":1700000060,"x":1e999}"#, "number out of range"),
        // Beyond the 64-bit range readers of JSON disagree (exact in Python, rounded here).
        (
            r#"{"exp":1700000060,"x":123456789012345678901234567890}"#,
            "out of range",
        ),
        (
            r#"{"exp":1700000060,"x":[18446744073709551616]}"#,
            "out of range",
        ),
        (r#"{"exp":1700000060,"x":"\ud800"}"#, "hex escape"),
        (
            r#"{"exp":1700000060,"x":{"role":"user","role":"admin"}}"#,
            "duplicate member",
        ),
    ] {
        let token = fx
            .key
            .sign_with_header(&serde_json::Map::new(), payload.as_bytes())
            .unwrap();
        let run = jwks(&[
            "verify",
            &token,
            "--jwks",
            &fx.jwks_file,
            "--now",
            &now,
            "--json",
        ]);
        expect(&run, 1, &["INVALID_CLAIM", reason]);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(v["valid"], false, "{payload}");
        assert_eq!(v["error"]["name"], "INVALID_CLAIM", "{payload}");
    }
}

#[test]
fn sign_with_multiple_audiences_overrides_and_rsa() {
    let dir = TempDir::new("sign");
    let run = jwks(&[
        "sign",
        "--key",
        &data("rsa2048.pem"),
        "--alg",
        "PS384",
        "--kid",
        "r1",
        "--aud",
        "a",
        "--aud",
        "b",
        "--no-iat",
        "--header",
        r#"{"typ":"at+jwt"}"#,
    ]);
    expect(&run, 0, &[]);
    let token = run.stdout.trim();
    let run = jwks(&["inspect", token, "--json"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["header"],
        json!({"alg": "PS384", "kid": "r1", "typ": "at+jwt"})
    );
    assert_eq!(v["claims"]["aud"], json!(["a", "b"]));
    // No iat (--no-iat), and the default lifetime's exp.
    let names: Vec<&String> = v["claims"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["aud", "exp"]);
    let key = SigningKey::from_key_file(
        &std::fs::read(data("rsa2048.pem")).unwrap(),
        Some(Algorithm::PS384),
    )
    .unwrap()
    .with_kid("r1");
    let jwks_file = dir.write("rsa.json", jwks_document(&[&key]).to_string());
    let run = jwks(&[
        "verify",
        token,
        "--jwks",
        &jwks_file,
        "--aud",
        "b",
        "--no-require-exp",
        "--typ",
        "at+jwt",
    ]);
    expect(&run, 0, &["VALID", "alg PS384"]);
    let run = jwks(&[
        "verify",
        token,
        "--jwks",
        &jwks_file,
        "--aud",
        "b",
        "--no-require-exp",
        "--typ",
        "JWT",
    ]);
    expect(&run, 1, &["WRONG_TYPE"]);
}

#[test]
fn sign_reports_bad_input() {
    let fx = fixture(Algorithm::EdDSA);
    expect(&jwks(&["sign"]), 2, &["--key is required"]);
    expect(
        &jwks(&["sign", "--key", &fx.dir.path("missing.pem")]),
        2,
        &["cannot read key file"],
    );
    let public = fx.dir.write("pub.jwk", fx.key.public_jwk().to_string());
    expect(
        &jwks(&["sign", "--key", &public]),
        2,
        &["public JWK", "private key is needed"],
    );
    expect(&jwks(&["sign", "--key", &fx.jwks_file]), 2, &["JWKS"]);
    let junk = fx.dir.write("junk.pem", "not a key at all");
    expect(
        &jwks(&["sign", "--key", &junk]),
        2,
        &["no unencrypted private key"],
    );
    expect(
        &jwks(&["sign", "--key", &fx.key_file, "--alg", "ES256"]),
        2,
        &["Ed25519 key, which cannot sign ES256"],
    );
    expect(
        &jwks(&["sign", "--key", &fx.key_file, "--claims", "{nope"]),
        2,
        &["--claims is not valid JSON"],
    );
    expect(
        &jwks(&["sign", "--key", &fx.key_file, "--claims", "[1]"]),
        2,
        &["must be a JSON object"],
    );
    expect(
        &jwks(&[
            "sign",
            "--key",
            &fx.key_file,
            "--claims",
            &format!("@{}", fx.dir.path("none.json")),
        ]),
        2,
        &["cannot read claims file"],
    );
    expect(
        &jwks(&["sign", "--key", &fx.key_file, "--exp-in", "soon"]),
        2,
        &["--exp-in expects a duration"],
    );
    expect(
        &jwks(&[
            "sign",
            "--key",
            &fx.key_file,
            "--header",
            r#"{"alg":"none"}"#,
        ]),
        2,
        &["differs from the key"],
    );
    let claims = fx.dir.write("claims.json", r#"{"role":"admin"}"#);
    let run = jwks(&[
        "sign",
        "--key",
        &fx.key_file,
        "--claims",
        &format!("@{claims}"),
    ]);
    expect(&run, 0, &[]);
    assert!(jwks(&["inspect", run.stdout.trim()])
        .stdout
        .contains("\"role\": \"admin\""));
}

/// Each rejection class: exit 1, the error name and a useful reason.
#[test]
fn verify_explains_each_rejection() {
    let fx = fixture(Algorithm::ES256);
    let now = NOW.to_string();
    let verify = |token: &str, extra: &[&str]| {
        let mut args = vec!["verify", token, "--jwks", &fx.jwks_file, "--now", &now];
        args.extend_from_slice(extra);
        jwks(&args)
    };

    let expired = sign(&fx.key, json!({"exp": NOW - 3 * 3600}));
    expect(
        &verify(&expired, &[]),
        1,
        &[
            "REJECTED",
            "EXPIRED (code 9)",
            "expired 3 h ago",
            "--leeway",
        ],
    );
    expect(&verify(&expired, &["--leeway", "4h"]), 0, &["VALID"]);

    let good = sign(
        &fx.key,
        json!({"exp": NOW + 60, "aud": "api", "iss": "https://a"}),
    );
    let parts: Vec<&str> = good.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(br#"{"exp":1700000060,"aud":"api","iss":"https://a","admin":true}"#),
        parts[2]
    );
    expect(
        &verify(&forged, &["--aud", "api"]),
        1,
        &["BAD_SIGNATURE (code 8)", "does not verify", "altered"],
    );

    expect(&verify(&good, &[]), 1, &["WRONG_AUDIENCE", "--aud"]);
    expect(
        &verify(&good, &["--aud", "other"]),
        1,
        &["WRONG_AUDIENCE (code 14)", "aud is \"api\"; allowed: other"],
    );
    expect(
        &verify(&good, &["--aud", "api", "--iss", "https://b"]),
        1,
        &["WRONG_ISSUER (code 13)", "\"https://a\""],
    );

    let stranger = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("stranger");
    let unknown = sign(&stranger, json!({"exp": NOW + 60}));
    expect(
        &verify(&unknown, &[]),
        1,
        &[
            "UNKNOWN_KEY (code 5)",
            "\"stranger\"",
            "the key set has 1 key: kid \"main\"",
        ],
    );

    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(br#"{"exp":1700000060}"#)
    );
    expect(
        &verify(&none, &[]),
        1,
        &["ALGORITHM_NOT_ALLOWED (code 3)", "never accepted"],
    );

    let later = sign(&fx.key, json!({"exp": NOW + 7200, "nbf": NOW + 3600}));
    expect(
        &verify(&later, &[]),
        1,
        &["NOT_YET_VALID (code 10)", "not valid for another 60 min"],
    );

    let no_exp = sign(&fx.key, json!({"sub": "x"}));
    expect(
        &verify(&no_exp, &[]),
        1,
        &["MISSING_CLAIM", "--no-require-exp"],
    );
    expect(&verify(&no_exp, &["--no-require-exp"]), 0, &["VALID"]);

    expect(&verify("abc", &[]), 1, &["MALFORMED (code 1)"]);
    expect(&verify("a.b.c", &[]), 1, &["MALFORMED"]);

    // JSON output carries the same facts.
    let run = verify(&expired, &["--json"]);
    expect(&run, 1, &[]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["name"], "EXPIRED");
    assert_eq!(v["error"]["code"], 9);
    assert_eq!(v["error"]["category"], "token_rejected");
    assert_eq!(v["header"]["kid"], "main");
}

#[test]
fn verify_hmac_only_when_named() {
    let dir = TempDir::new("hmac");
    let key = SigningKey::generate(Algorithm::HS256)
        .unwrap()
        .with_kid("h");
    let secret = dir.write("secret.jwk", key.to_key_file());
    let token = sign(&key, json!({"exp": NOW + 60}));
    let now = NOW.to_string();
    // Without --alg the oct key is not even read: the set is unusable (exit 2), with a hint.
    let run = jwks(&["verify", &token, "--jwks", &secret, "--now", &now]);
    expect(&run, 2, &["KEY_SET_INVALID", "--alg HS256"]);
    let run = jwks(&[
        "verify", &token, "--jwks", &secret, "--now", &now, "--alg", "HS256",
    ]);
    expect(&run, 0, &["VALID", "alg HS256"]);
    // An asymmetric token while only HS256 is allowed.
    let es = SigningKey::generate(Algorithm::ES256).unwrap();
    let es_token = sign(&es, json!({"exp": NOW + 60}));
    expect(
        &jwks(&[
            "verify", &es_token, "--jwks", &secret, "--now", &now, "--alg", "HS256",
        ]),
        1,
        &["ALGORITHM_NOT_ALLOWED", "allowed: HS256"],
    );
}

#[test]
fn verify_usage_and_key_problems_exit_2() {
    let fx = fixture(Algorithm::ES256);
    let token = sign(&fx.key, json!({"exp": NOW + 60}));
    expect(
        &jwks(&["verify", &token]),
        2,
        &["--jwks FILE|URL or --issuer URL"],
    );
    expect(
        &jwks(&[
            "verify",
            &token,
            "--jwks",
            &fx.jwks_file,
            "--issuer",
            "https://a",
        ]),
        2,
        &["not both"],
    );
    expect(
        &jwks(&["verify", &token, "--jwks", &fx.jwks_file, "--alg", "none"]),
        2,
        &["alg none is never accepted"],
    );
    expect(
        &jwks(&["verify", &token, "--jwks", &fx.jwks_file, "--alg", "XS1"]),
        2,
        &["not a supported"],
    );
    expect(
        &jwks(&["verify", &token, "--jwks", &fx.jwks_file, "--leeway", "-5"]),
        2,
        &["negative"],
    );
    expect(
        &jwks(&["verify", &token, "--jwks", &fx.jwks_file, "--now", "soon"]),
        2,
        &["--now expects a number"],
    );
    expect(
        &jwks_with_stdin(&["verify", "-", "--jwks", &fx.jwks_file], b"  \n"),
        2,
        &["empty"],
    );
    expect(
        &jwks_with_stdin(&["verify", "-", "--jwks", &fx.jwks_file], b"\xff\xfe"),
        1,
        &["not UTF-8"],
    );

    let missing = fx.dir.path("missing.json");
    expect(
        &jwks(&["verify", &token, "--jwks", &missing]),
        2,
        &[
            "KEYS UNAVAILABLE",
            "KEYS_UNAVAILABLE (code 100)",
            "cannot read key set",
        ],
    );
    let bad = fx.dir.write("bad.json", "{\"keys\": 5}");
    expect(
        &jwks(&["verify", &token, "--jwks", &bad]),
        2,
        &["KEY_SET_INVALID"],
    );
    // A directory is read as `jwks serve` publishes it (here: the fixture's key file).
    let dir = fx.dir.0.to_string_lossy().into_owned();
    expect(
        &jwks(&["verify", &token, "--jwks", &dir, "--now", &NOW.to_string()]),
        0,
        &["VALID"],
    );

    let run = jwks(&["verify", &token, "--jwks", &missing, "--json"]);
    expect(&run, 2, &[]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["error"]["category"], "keys_unavailable");
}

#[test]
fn verify_against_an_unreachable_url_is_keys_unavailable() {
    let fx = fixture(Algorithm::ES256);
    let token = sign(&fx.key, json!({"exp": NOW + 60}));
    // A loopback port that was free a moment ago: nothing listens there.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let run = jwks(&["verify", &token, "--jwks", &url, "--allow-http"]);
    expect(&run, 2, &["KEYS UNAVAILABLE", "KEYS_UNAVAILABLE"]);
    let run = jwks(&[
        "verify",
        &token,
        "--issuer",
        &format!("http://127.0.0.1:{port}"),
        "--allow-http",
    ]);
    expect(&run, 2, &["KEYS_UNAVAILABLE"]);
}

#[test]
fn verify_never_shows_a_url_password() {
    let fx = fixture(Algorithm::ES256);
    let token = sign(&fx.key, json!({"exp": NOW + 60}));
    // A key server that answers every request with status 500.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut head = [0u8; 4096];
            let _ = conn.read(&mut head);
            let _ = conn.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let url = format!("http://user:secret@127.0.0.1:{port}/jwks");
    for extra in [&[][..], &["--json"][..]] {
        let mut args = vec!["verify", &token, "--jwks", &url, "--allow-http"];
        args.extend_from_slice(extra);
        let run = jwks(&args);
        expect(&run, 2, &["127.0.0.1"]);
        let text = format!("{}{}", run.stdout, run.stderr);
        assert!(!text.contains("secret"), "{text}");
    }
}

#[test]
fn verify_through_a_url_and_discovery() {
    use jwkskit::issuer::{JwksServer, ServeOptions};
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("remote");
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    let url = server.jwks_url();
    let token = sign(&key, json!({"iss": server.url(), "exp": NOW + 60}));
    let now = NOW.to_string();

    let run = jwks(&[
        "verify",
        &token,
        "--jwks",
        &url,
        "--allow-http",
        "--now",
        &now,
    ]);
    expect(&run, 0, &["VALID", "kid \"remote\""]);
    assert_eq!(server.jwks_request_count(), 1);

    let run = jwks(&["verify", &token, "--jwks", &url, "--now", &now]);
    expect(&run, 2, &["INSECURE_URL", "--allow-http"]);

    let run = jwks(&[
        "verify",
        &token,
        "--issuer",
        server.url(),
        "--allow-http",
        "--now",
        &now,
    ]);
    expect(&run, 0, &["VALID"]);
    assert_eq!(server.discovery_request_count(), 1);

    let foreign = sign(
        &key,
        json!({"iss": "https://elsewhere.test", "exp": NOW + 60}),
    );
    let run = jwks(&[
        "verify",
        &foreign,
        "--issuer",
        server.url(),
        "--allow-http",
        "--now",
        &now,
    ]);
    expect(&run, 1, &["WRONG_ISSUER"]);

    server.set_status(Some(503));
    let run = jwks(&[
        "verify",
        &token,
        "--jwks",
        &url,
        "--allow-http",
        "--now",
        &now,
    ]);
    expect(&run, 2, &["KEYS UNAVAILABLE", "KEYS_UNAVAILABLE", "503"]);
    server.stop();
}

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_decodes_without_verifying() {
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("k");
    let token = sign(
        &key,
        json!({"sub": "bob", "iat": NOW - 4 * 3600, "exp": NOW - 3 * 3600}),
    );
    let run = jwks(&["inspect", &token, "--now", &NOW.to_string()]);
    expect(
        &run,
        0,
        &[
            "UNVERIFIED",
            "\"kid\": \"k\"",
            "\"sub\": \"bob\"",
            "exp 1699989200 (2023-11-14 19:13:20 UTC, expired 3 h ago)",
            "iat 1699985600 (2023-11-14 18:13:20 UTC, issued 4 h ago)",
            "signature: 64 bytes",
        ],
    );
    let run = jwks_with_stdin(&["inspect", "--json"], token.as_bytes());
    expect(&run, 0, &[]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["claims"]["sub"], "bob");
    assert_eq!(v["signature_len"], 64);

    let mut extra = serde_json::Map::new();
    extra.insert("cty".into(), json!("text/plain"));
    let jws = key.sign_with_header(&extra, b"hello world").unwrap();
    expect(
        &jwks(&["inspect", &jws]),
        0,
        &["payload (not JSON, 11 bytes)", "\"hello world\""],
    );
}

#[test]
fn inspect_rejects_undecodable_tokens() {
    expect(
        &jwks(&["inspect", "abc"]),
        1,
        &["cannot decode", "3 dot-separated parts; this has 1"],
    );
    expect(&jwks(&["inspect", "a.b.c.d.e"]), 1, &["JWE"]);
    expect(
        &jwks(&["inspect", "!!.e30.AA"]),
        1,
        &["header is not valid unpadded base64url"],
    );
    let not_json = format!("{}.e30.AA", b64(b"hello"));
    expect(&jwks(&["inspect", &not_json]), 1, &["header is not JSON"]);
    let array = format!("{}.e30.AA", b64(b"[1]"));
    expect(&jwks(&["inspect", &array]), 1, &["not a JSON object"]);
    let padded = format!("{}.e30=.AA", b64(br#"{"alg":"ES256"}"#));
    expect(
        &jwks(&["inspect", &padded]),
        1,
        &["payload is not valid unpadded base64url"],
    );
    expect(&jwks(&["inspect", "a", "b"]), 2, &["unexpected argument"]);
}

// ---------------------------------------------------------------- thumbprint

#[test]
fn thumbprint_of_jwk_jwks_and_key_file() {
    let dir = TempDir::new("tp");
    let rfc = dir.write(
        "rfc.json",
        r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    );
    let run = jwks(&["thumbprint", &rfc]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\n")
    );
    let run = jwks_with_stdin(
        &["thumbprint", "-", "--json"],
        &std::fs::read(&rfc).unwrap(),
    );
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["thumbprint"],
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );

    let a = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("a");
    let b = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let set = dir.write("set.json", jwks_document(&[&a, &b]).to_string());
    let run = jwks(&["thumbprint", &set]);
    expect(
        &run,
        0,
        &[&format!("{}  kid \"a\"", a.thumbprint()), &b.thumbprint()],
    );
    let key_file = dir.write("a.pem", a.to_key_file());
    assert_eq!(
        jwks(&["thumbprint", &key_file]).stdout.trim(),
        a.thumbprint()
    );

    expect(
        &jwks(&["thumbprint", &dir.path("missing")]),
        2,
        &["cannot read JWK"],
    );
    let junk = dir.write("junk", "nope");
    expect(&jwks(&["thumbprint", &junk]), 2, &["not JSON"]);
    let weird = dir.write("weird.json", r#"{"kty":"XYZ"}"#);
    expect(
        &jwks(&["thumbprint", &weird]),
        2,
        &["no thumbprint is defined for kty \"XYZ\""],
    );
    let partial = dir.write("partial.json", r#"{"kty":"EC","crv":"P-256","x":"AA"}"#);
    expect(
        &jwks(&["thumbprint", &partial]),
        2,
        &["missing string member \"y\""],
    );
    let bad_set = dir.write("badset.json", r#"{"keys":[{"kty":"oct"}]}"#);
    expect(&jwks(&["thumbprint", &bad_set]), 2, &["key 0"]);
}

// ---------------------------------------------------------------- serve

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (head[9..12].parse().unwrap(), body.to_owned())
}

#[test]
fn serve_publishes_the_directory() {
    let dir = TempDir::new("serve");
    let key = SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("s1");
    dir.write("s1.pem", key.to_key_file());
    dir.write("broken.pem", "garbage");
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_jwks"))
            .args([
                "serve",
                "--dir",
                &dir.0.to_string_lossy(),
                "--max-age",
                "60",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("listening on ")
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let rest: Vec<String> = lines.take(4).map(|l| l.unwrap()).collect();
    assert!(rest[0].starts_with("jwks_uri: "), "{rest:?}");
    assert!(rest[2].contains("serving 1 key(s)"), "{rest:?}");
    assert!(rest[3].contains("kid \"s1\""), "{rest:?}");
    let (status, body) = http_get(&format!("{base}/.well-known/jwks.json"));
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc, json!({"keys": [key.public_jwk()]}));
    // The JWKS served verifies a token signed by the key.
    let jwks_file = dir.write("served.json", &body);
    let token = sign(&key, json!({"exp": NOW + 60}));
    expect(
        &jwks(&[
            "verify",
            &token,
            "--jwks",
            &jwks_file,
            "--now",
            &NOW.to_string(),
        ]),
        0,
        &["VALID"],
    );
}

#[test]
fn serve_reports_bad_directories_and_ports() {
    let dir = TempDir::new("serve-bad");
    expect(
        &jwks(&["serve", "--dir", &dir.path("missing")]),
        2,
        &["cannot read key directory"],
    );
    expect(&jwks(&["serve"]), 2, &["--dir is required"]);
    expect(
        &jwks(&["serve", "--dir", &dir.path(""), "--port", "70000"]),
        2,
        &["--port expects a number"],
    );
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    expect(
        &jwks(&["serve", "--dir", &dir.path(""), "--port", &port]),
        2,
        &["cannot listen"],
    );
}

// ---------------------------------------------------------------- demo

#[test]
fn demo_runs_every_step() {
    let run = jwks(&["demo"]);
    expect(
        &run,
        0,
        &[
            "after 1 fetch",
            "still 1 fetch",
            "after exactly one refetch",
            "without a fetch",
            "tampered token rejected: BAD_SIGNATURE",
            "expired token rejected: EXPIRED",
            "wrong-audience token rejected: WRONG_AUDIENCE",
            "cache statistics: 2 fetches",
            "all 9 steps behaved as expected",
        ],
    );
    assert!(!run.stdout.contains('\u{2717}'), "{}", run.stdout);
}

// ---------------------------------------------------------------- papercuts

fn claims_of(token: &str) -> Value {
    let payload = token.trim().split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn sign_gives_tokens_a_default_lifetime_that_verify_accepts() {
    let fx = fixture(Algorithm::ES256);
    let now = NOW.to_string();
    let run = jwks(&["sign", "--key", &fx.key_file, "--now", &now]);
    expect(&run, 0, &[]);
    assert_eq!(claims_of(&run.stdout)["exp"], json!(NOW + 3600));
    expect(
        &jwks(&[
            "verify",
            run.stdout.trim(),
            "--jwks",
            &fx.jwks_file,
            "--now",
            &now,
        ]),
        0,
        &["VALID"],
    );
    // An exp in the claims is kept; --no-exp makes a token without one, on request only.
    let run = jwks(&[
        "sign",
        "--key",
        &fx.key_file,
        "--now",
        &now,
        "--claims",
        &json!({"exp": NOW + 5}).to_string(),
    ]);
    assert_eq!(claims_of(&run.stdout)["exp"], json!(NOW + 5));
    let run = jwks(&["sign", "--key", &fx.key_file, "--now", &now, "--no-exp"]);
    expect(&run, 0, &[]);
    assert!(claims_of(&run.stdout).get("exp").is_none());
    expect(
        &jwks(&["sign", "--key", &fx.key_file, "--no-exp", "--exp-in", "5m"]),
        2,
        &["--no-exp contradicts"],
    );
    expect(&jwks(&["sign", "--help"]), 0, &["default: 1h"]);
}

#[test]
fn verify_reads_a_key_file_or_a_key_directory() {
    let fx = fixture(Algorithm::EdDSA);
    let token = sign(&fx.key, json!({"sub": "k", "exp": NOW + 60}));
    let now = NOW.to_string();
    // The key file written by keygen: its public part verifies.
    expect(
        &jwks(&["verify", &token, "--jwks", &fx.key_file, "--now", &now]),
        0,
        &["VALID", "kid \"main\""],
    );
    // The directory `jwks serve` publishes.
    let dir = TempDir::new("verify-dir");
    dir.write("main.pem", fx.key.to_key_file());
    dir.write("notes.txt", "not a key");
    let other = SigningKey::generate(Algorithm::ES256).unwrap();
    dir.write("other.pem", other.to_key_file());
    expect(
        &jwks(&["verify", &token, "--jwks", &dir.path(""), "--now", &now]),
        0,
        &["VALID", "kid \"main\""],
    );
    // What is expected, when it is none of these.
    let empty = TempDir::new("verify-empty");
    empty.write("notes.txt", "not a key");
    expect(
        &jwks(&["verify", &token, "--jwks", &empty.path(""), "--now", &now]),
        2,
        &["has no public key", "notes.txt"],
    );
    let junk = fx.dir.write("junk.txt", "hello");
    expect(
        &jwks(&["verify", &token, "--jwks", &junk, "--now", &now]),
        2,
        &["neither JSON (a JWKS or a JWK) nor a key file"],
    );
}

#[test]
fn verify_issuer_mismatch_is_misuse_naming_both_issuers() {
    use jwkskit::issuer::{JwksServer, ServeOptions};
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let server = JwksServer::start_with_keys(&[&key], ServeOptions::default()).unwrap();
    let token = sign(&key, json!({"iss": server.url(), "exp": NOW + 60}));
    let with_slash = format!("{}/", server.url());
    let run = jwks(&[
        "verify",
        &token,
        "--issuer",
        &with_slash,
        "--allow-http",
        "--now",
        &NOW.to_string(),
        "--json",
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["error"]["category"], "misuse", "{out}");
    assert_eq!(out["error"]["name"], "INVALID_ARGUMENT", "{out}");
    let message = out["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{with_slash:?}"))
            && message.contains(&format!("{:?}", server.url()))
            && message.contains("trailing slash"),
        "{message}"
    );
    let run = jwks(&[
        "verify",
        &token,
        "--issuer",
        &with_slash,
        "--allow-http",
        "--now",
        &NOW.to_string(),
    ]);
    expect(&run, 2, &["ERROR", "INVALID_ARGUMENT", "trailing slash"]);
    assert!(!run.stdout.contains("KEYS UNAVAILABLE"), "{}", run.stdout);
    server.stop();
}

/// Lines of a child's stream, read on a thread so that a test can wait with a deadline.
fn line_channel(stream: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[track_caller]
fn next_line_with(rx: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    panic!("no line with {needle:?} within 10 s; saw {seen:?}");
}

#[test]
fn serve_logs_keys_added_and_removed() {
    for json_mode in [false, true] {
        let dir = TempDir::new("serve-log");
        let first = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("first");
        dir.write("first.pem", first.to_key_file());
        let mut args = vec!["serve".to_owned(), "--dir".into(), dir.path("")];
        if json_mode {
            args.push("--json".into());
        }
        let mut child = Child(
            Command::new(env!("CARGO_BIN_EXE_jwks"))
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let stdout = line_channel(child.0.stdout.take().unwrap());
        let stderr = line_channel(child.0.stderr.take().unwrap());
        let start = next_line_with(&stdout, "listening");
        if json_mode {
            let start: Value = serde_json::from_str(&start).unwrap();
            assert_eq!(start["keys"][0]["kid"], "first", "{start}");
            assert!(start["jwks_uri"].as_str().unwrap().ends_with("/jwks.json"));
        }
        let second = SigningKey::generate(Algorithm::EdDSA)
            .unwrap()
            .with_kid("second");
        dir.write("second.pem", second.to_key_file());
        let added = next_line_with(&stderr, "second");
        std::fs::remove_file(dir.path("first.pem")).unwrap();
        let removed = next_line_with(&stderr, "first");
        if json_mode {
            let added: Value = serde_json::from_str(&added).unwrap();
            assert_eq!(added["event"], "key_added");
            assert_eq!(added["key"]["kid"], "second");
            let removed: Value = serde_json::from_str(&removed).unwrap();
            assert_eq!(removed["event"], "key_removed");
            assert_eq!(removed["key"]["kid"], "first");
        } else {
            assert!(
                added.contains("key added: kid \"second\" (OKP EdDSA)"),
                "{added}"
            );
            assert!(
                removed.contains("key removed: kid \"first\" (EC ES256)"),
                "{removed}"
            );
        }
    }
}

#[test]
fn json_output_on_every_command_also_for_failures() {
    let fx = fixture(Algorithm::ES256);
    let now = NOW.to_string();
    let token = sign(&fx.key, json!({"sub": "j", "exp": NOW + 60}));
    let object = |run: &Run| -> Value {
        let v: Value = serde_json::from_str(run.stdout.trim())
            .unwrap_or_else(|e| panic!("{e}: {:?} / {:?}", run.stdout, run.stderr));
        assert!(v.is_object(), "{v}");
        v
    };
    let run = jwks(&[
        "verify",
        &token,
        "--jwks",
        &fx.jwks_file,
        "--now",
        &now,
        "--json",
    ]);
    assert_eq!(object(&run)["valid"], true);
    let run = jwks(&["inspect", &token, "--json"]);
    assert_eq!(object(&run)["claims"]["sub"], "j");
    let run = jwks(&["thumbprint", &fx.jwks_file, "--json"]);
    assert_eq!(object(&run)["keys"][0]["kid"], "main");
    let run = jwks(&["sign", "--key", &fx.key_file, "--sub", "s", "--json"]);
    let signed = object(&run);
    assert_eq!(signed["claims"]["sub"], "s");
    assert_eq!(signed["header"]["kid"], "main");
    assert_eq!(claims_of(signed["token"].as_str().unwrap())["sub"], "s");
    let run = jwks(&[
        "keygen",
        "--alg",
        "ES384",
        "--out",
        &fx.dir.path("k.pem"),
        "--json",
    ]);
    let made = object(&run);
    assert_eq!(made["jwk"]["crv"], "P-384");
    assert_eq!(made["kid"], made["jwk"]["kid"]);
    let run = jwks(&["demo", "--json"]);
    let demo = object(&run);
    assert_eq!(demo["ok"], true, "{demo}");
    assert!(demo["steps"].as_array().unwrap().len() >= 5);

    // Failures, from each command: one JSON object on stdout, the exit code inside.
    for (args, code) in [
        (vec!["inspect", "abc", "--json"], 1),
        (vec!["thumbprint", "/nonexistent/jwk", "--json"], 2),
        (vec!["sign", "--key", "/nonexistent/key", "--json"], 2),
        (vec!["keygen", "--alg", "XX", "--out", "x", "--json"], 2),
        (vec!["serve", "--dir", "/nonexistent/dir", "--json"], 2),
        (vec!["demo", "--nope", "--json"], 2),
        (vec!["verify", &token, "--json"], 2),
    ] {
        let run = jwks(&args);
        assert_eq!(run.code, code, "{args:?}");
        let v = object(&run);
        assert_eq!(v["error"]["exit_code"], code, "{args:?}: {v}");
        assert_eq!(v["error"]["command"], args[0], "{args:?}: {v}");
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    // verify's verdicts keep their own shape.
    let run = jwks(&["verify", &token, "--jwks", "/nonexistent", "--json"]);
    assert_eq!(object(&run)["error"]["name"], "KEYS_UNAVAILABLE");
}

#[test]
fn keygen_and_sign_make_es512_tokens_that_verify() {
    let dir = TempDir::new("es512");
    let out = dir.path("p521.pem");
    let run = jwks(&["keygen", "--alg", "ES512", "--out", &out]);
    expect(&run, 0, &["\"crv\": \"P-521\""]);
    let jwk: Value = serde_json::from_str(&run.stdout).unwrap();
    for c in ["x", "y"] {
        let bytes = URL_SAFE_NO_PAD.decode(jwk[c].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 66, "{c}");
    }
    let jwks_file = dir.write("jwks.json", json!({"keys": [jwk]}).to_string());
    let token = jwks(&["sign", "--key", &out, "--sub", "p521"]);
    expect(&token, 0, &[]);
    let token = token.stdout.trim();
    let signature = URL_SAFE_NO_PAD
        .decode(token.rsplit('.').next().unwrap())
        .unwrap();
    assert_eq!(signature.len(), 132, "R||S of 66 bytes each");
    expect(
        &jwks(&["verify", token, "--jwks", &jwks_file]),
        0,
        &["VALID", "alg ES512", "\"sub\": \"p521\""],
    );
    // The key file verifies too, and a changed signature does not.
    expect(&jwks(&["verify", token, "--jwks", &out]), 0, &["VALID"]);
    let mut forged = signature.clone();
    forged[10] ^= 1;
    let (signed, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(forged));
    expect(
        &jwks(&["verify", &forged, "--jwks", &jwks_file]),
        1,
        &["BAD_SIGNATURE"],
    );
    // A plain PKCS#8 P-521 PEM (no kid/alg lines) is read as ES512.
    let key = SigningKey::from_key_file(&std::fs::read(&out).unwrap(), None).unwrap();
    let plain = dir.write("plain.pem", key.to_pkcs8_pem().unwrap());
    let run = jwks(&["sign", "--key", &plain, "--json"]);
    expect(&run, 0, &[]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["header"]["alg"], "ES512");
}

// ---------------------------------------------------------------- the cross-language corpus

/// The corpus (tests/vectors/corpus/cases.txt) through `jwks verify --json`, for what the tool
/// can express: the verdict on a JWT at the case's time under its key set and policy (exit code
/// and `error.name`), and of a valid token its payload (`claims`, as written on one line), its
/// algorithm, its kid, the verifying key's kid, its scopes (or `scopes_error`) and whether its
/// member names are unique under case folding (`claim_names_case_unique`). The tool verifies
/// JWTs only, and prints no typed claim reads: the cases and query kinds it cannot express are
/// fixed lists, asserted, and every case and query of the file is counted as run or skipped.
#[test]
fn corpus_through_verify_json() {
    use corpus_format::{text_of, Corpus, Query};
    use serde_json::value::RawValue;
    use std::collections::{BTreeSet, HashMap};

    const SKIPPED_MODES: &[&str] = &["jws"];
    const SKIPPED_KINDS: &[&str] = &[
        "bool",
        "contains",
        "has_scopes",
        "int",
        "json",
        "readable",
        "string",
    ];
    let text = std::fs::read_to_string(corpus_format::path()).unwrap();
    let corpus = Corpus::parse(&text).unwrap();
    let dir = TempDir::new("corpus");
    let mut problems = Vec::new();
    let (mut cases, mut queries, mut skipped_cases, mut skipped_queries) = (0, 0, 0, 0);
    let mut skipped_kinds_seen = BTreeSet::new();
    for case in &corpus.cases {
        let mode = text_of(&case.verify.args[0]).unwrap();
        if SKIPPED_MODES.contains(&mode) {
            skipped_cases += 1;
            skipped_queries += case.queries.len();
            continue;
        }
        assert_eq!(
            mode, "jwt",
            "{}: a verify mode this test does not know",
            case.name
        );
        cases += 1;
        let jwks_file = dir.write(
            &format!("{}.json", case.keys),
            corpus.keyset(&case.keys).unwrap(),
        );
        let now = text_of(&case.verify.args[1]).unwrap();
        let mut args = vec![
            "verify".to_owned(),
            case.token.clone(),
            "--jwks".into(),
            jwks_file,
            "--now".into(),
            now.into(),
            "--json".into(),
        ];
        for (name, value) in &case.policy {
            assert!(["iss", "aud", "alg"].contains(&name.as_str()), "{name}");
            args.push(format!("--{name}"));
            args.push(text_of(value).unwrap().to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = jwks(&args);
        let out: HashMap<String, Box<RawValue>> = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", case.name, run.stdout));
        let field = |name: &str| -> Value {
            out.get(name)
                .map_or(Value::Null, |raw| serde_json::from_str(raw.get()).unwrap())
        };
        let (verdict, exit) = if field("valid") == json!(true) {
            ("OK".to_owned(), 0)
        } else {
            let name = field("error")["name"].as_str().unwrap_or("?").to_owned();
            (name, 1)
        };
        if verdict != case.verify.code || run.code != exit {
            problems.push(format!(
                "{}: verdict {verdict} (exit {}), expected {}",
                case.name, run.code, case.verify.code
            ));
            continue;
        }
        for q in &case.queries {
            if SKIPPED_KINDS.contains(&q.kind.as_str()) {
                skipped_queries += 1;
                skipped_kinds_seen.insert(q.kind.clone());
                continue;
            }
            queries += 1;
            let string = |v: &Value| -> (String, Vec<Vec<u8>>) {
                match v.as_str() {
                    Some(s) => ("OK".into(), vec![s.as_bytes().to_vec()]),
                    None => ("NOT_FOUND".into(), vec![]),
                }
            };
            let got: (String, Vec<Vec<u8>>) = match q.kind.as_str() {
                // The claims as written, on one line (line breaks between tokens as spaces).
                "payload" => ("OK".into(), vec![out["claims"].get().as_bytes().to_vec()]),
                "alg" => string(&field("alg")),
                "kid" => string(&field("kid")),
                "key_id" => string(&field("key")["kid"]),
                "case_unique" => match field("claim_names_case_unique") {
                    Value::Bool(true) => ("OK".into(), vec![]),
                    Value::Bool(false) => ("INVALID_CLAIM".into(), vec![]),
                    other => panic!("{}: claim_names_case_unique {other}", case.name),
                },
                "scopes" => match (field("scopes"), field("scopes_error")) {
                    (Value::Array(list), Value::Null) => (
                        "OK".into(),
                        list.iter()
                            .map(|s| s.as_str().unwrap().as_bytes().to_vec())
                            .collect(),
                    ),
                    (Value::Null, e) => (e["name"].as_str().unwrap().to_owned(), vec![]),
                    other => panic!("{}: scopes {other:?}", case.name),
                },
                other => panic!(
                    "{}: a query kind this test does not know: {other}",
                    case.name
                ),
            };
            let expected: &Query = q;
            let expected_values: Vec<Vec<u8>> = if q.kind == "payload" {
                // `verify --json` prints the claims on one line.
                let one_line = String::from_utf8(expected.values[0].clone())
                    .unwrap()
                    .replace(['\n', '\r'], " ");
                vec![one_line.into_bytes()]
            } else {
                expected.values.clone()
            };
            if got != (expected.code.clone(), expected_values) {
                let show = |v: &[Vec<u8>]| -> Vec<String> {
                    v.iter().map(|b| corpus_format::encode(b)).collect()
                };
                problems.push(format!(
                    "{}: {} gave {} {:?}, expected {} {:?}",
                    case.name,
                    q.kind,
                    got.0,
                    show(&got.1),
                    expected.code,
                    show(&expected.values)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(cases + skipped_cases, corpus.cases.len());
    assert_eq!(queries + skipped_queries, corpus.query_count());
    // The skipped kinds are the ones the file has and the tool cannot express, and no more.
    let listed: BTreeSet<String> = SKIPPED_KINDS.iter().map(|s| s.to_string()).collect();
    assert_eq!(skipped_kinds_seen, listed);
    assert!(cases > 0 && queries > 0 && skipped_cases > 0);
    println!(
        "corpus (jwks verify --json): {cases} cases and {queries} queries checked; skipped {skipped_cases} \
         cases (verified by their signature alone: the tool verifies JWTs) and {skipped_queries} \
         queries (of the kinds {})",
        SKIPPED_KINDS.join(", ")
    );
}
