//! Writes the key set and tokens that the C tests (tests/c/) verify, using the issuer API.
//!
//! Usage: `cargo run --release --example c_fixtures -- DIR`. Writes `DIR/jwks.json` and
//! `DIR/tokens.txt`, one case per line: `EXPECTED_CODE NOW NAME TOKEN`; `DIR/live.jwt`, valid
//! now against `jwks.json`; and for the remote tests a key directory `DIR/keys/` for
//! `jwks serve` with `DIR/remote.jwt` (valid now) and `DIR/remote-unknown.jwt` (unknown kid).

use std::fmt::Write as _;
use std::path::PathBuf;

use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::{Algorithm, ErrorKind};
use serde_json::{json, Map, Value};

const NOW: i64 = 1_700_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: c_fixtures DIR")?);
    std::fs::create_dir_all(&dir)?;
    let root = env!("CARGO_MANIFEST_DIR");
    let rsa_pem = std::fs::read(format!("{root}/tests/data/rsa2048.pem"))?;
    let rs = SigningKey::from_pkcs8_pem(&rsa_pem, Algorithm::RS256)?.with_kid("rsa-1");
    let ps = SigningKey::from_pkcs8_pem(&rsa_pem, Algorithm::PS256)?.with_kid("rsa-pss-1");
    let es = SigningKey::generate(Algorithm::ES256)?.with_kid("ec-1");
    let ed = SigningKey::generate(Algorithm::EdDSA)?.with_kid("ed-1");
    let stranger = SigningKey::generate(Algorithm::ES256)?.with_kid("ec-1");
    let unknown = SigningKey::generate(Algorithm::ES256)?.with_kid("nobody");
    std::fs::write(
        dir.join("jwks.json"),
        jwks_document(&[&rs, &ps, &es, &ed]).to_string(),
    )?;

    let claims = |extra: Value| {
        let mut c = json!({
            "iss": "https://issuer.test", "aud": "api", "sub": "user-42",
            "iat": NOW - 10, "exp": NOW + 600, "admin": true, "level": 7,
            "groups": ["staff", "ops"], "scope": "read write"
        });
        if let (Value::Object(base), Value::Object(more)) = (&mut c, extra) {
            base.extend(more);
        }
        c
    };
    let mut out = String::new();
    let mut case = |code: u32, name: &str, token: String| {
        writeln!(out, "{code} {NOW} {name} {token}").unwrap();
    };
    let ok = 0;
    case(ok, "rs256", rs.sign(&claims(json!({})))?);
    case(ok, "ps256", ps.sign(&claims(json!({})))?);
    case(ok, "es256", es.sign(&claims(json!({})))?);
    case(ok, "eddsa", ed.sign(&claims(json!({})))?);
    let code = |k: ErrorKind| k.code();
    case(
        code(ErrorKind::Expired),
        "expired",
        es.sign(&claims(json!({"exp": NOW - 1})))?,
    );
    case(
        code(ErrorKind::NotYetValid),
        "nbf",
        es.sign(&claims(json!({"nbf": NOW + 100})))?,
    );
    case(
        code(ErrorKind::WrongIssuer),
        "issuer",
        es.sign(&claims(json!({"iss": "https://evil.test"})))?,
    );
    case(
        code(ErrorKind::WrongAudience),
        "audience",
        es.sign(&claims(json!({"aud": "other"})))?,
    );
    case(
        code(ErrorKind::BadSignature),
        "forged",
        stranger.sign(&claims(json!({})))?,
    );
    case(
        code(ErrorKind::UnknownKey),
        "unknown_kid",
        unknown.sign(&claims(json!({})))?,
    );
    let good = es.sign(&claims(json!({})))?;
    let (head, sig) = good.rsplit_once('.').ok_or("token")?;
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    case(
        code(ErrorKind::BadSignature),
        "tampered",
        format!("{head}.{flipped}{}", &sig[1..]),
    );
    case(code(ErrorKind::Malformed), "two_segments", head.to_string());
    let mut crit = Map::new();
    crit.insert("crit".into(), json!(["exp"]));
    case(
        code(ErrorKind::CritUnsupported),
        "crit",
        es.sign_with_header(&crit, claims(json!({})).to_string().as_bytes())?,
    );
    // alg "none": an unsigned token with an empty signature.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none_head = b64(&json!({"alg": "none", "kid": "ec-1"}));
    case(
        code(ErrorKind::AlgorithmNotAllowed),
        "alg_none",
        format!("{none_head}.{}.c2ln", b64(&claims(json!({})))),
    );
    case(code(ErrorKind::KeyMismatch), "key_mismatch", {
        // An ES256 header naming the RSA key.
        let mut h = Map::new();
        h.insert("kid".into(), json!("rsa-1"));
        es.sign_with_header(&h, claims(json!({})).to_string().as_bytes())?
    });
    case(code(ErrorKind::Malformed), "kid_nul", {
        // A kid that C would read as "ec-1": refused as malformed.
        let mut h = Map::new();
        h.insert("kid".into(), json!("ec-1\u{0}x"));
        es.sign_with_header(&h, claims(json!({})).to_string().as_bytes())?
    });
    std::fs::write(dir.join("tokens.txt"), out)?;
    // One token valid at the real current time, for programs that use the system clock.
    let now = jwkskit::unix_now();
    let live = claims(json!({"iat": now - 5, "exp": now + 3600}));
    std::fs::write(dir.join("live.jwt"), rs.sign(&live)?)?;
    // A key directory for `jwks serve` and live tokens for the remote-verifier tests.
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys)?;
    std::fs::write(keys.join("ec-1.key"), es.to_key_file())?;
    // A second published key, so that the cache rotation test can take ec-1 away.
    let next = SigningKey::generate(Algorithm::EdDSA)?.with_kid("ed-next");
    std::fs::write(keys.join("ed-next.key"), next.to_key_file())?;
    std::fs::write(dir.join("remote.jwt"), es.sign(&live)?)?;
    std::fs::write(dir.join("remote-unknown.jwt"), unknown.sign(&live)?)?;
    Ok(())
}
