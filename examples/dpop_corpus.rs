//! Writes the DPoP and certificate-binding corpus, `tests/vectors/dpop/corpus.txt`: request
//! verifications and the verdict each must get, which the Rust, C, Python and Go tests run.
//!
//! Usage: `cargo run --example dpop_corpus`. The keys and certificates are fixed files in
//! `tests/vectors/dpop/keys/` (made on the first run, then reused), so the corpus changes only
//! in its signatures (ECDSA's are randomised) when it is written again.
//!
//! The format, one record per line, `KEY VALUE` (VALUE is the rest of the line):
//! - before the first case, `jwks JSON`: the key set every case's verifier is built from, with
//!   `issuers https://issuer.example` and `audiences api` always set;
//! - `case NAME` starts a case; then `now UNIX_TIME`; `option NAME VALUE` (an option of the
//!   catalogue, by its name: `token_scheme`, `dpop_nonce_lifetime`, `dpop_nonce_secret`,
//!   `allow_dpop_bound_bearer`, `require_certificate_binding`, `algorithms`); `method`, `uri`;
//!   `authorization VALUE` and `dpop VALUE`, once per header; `cert_pem_escaped` (the client
//!   certificate as URL-encoded PEM), `cert_nginx` (nginx's `$ssl_client_escaped_cert`),
//!   `cert_xfcc` (Envoy's header); `route_scheme` (the route's `token_scheme`);
//! - `expect RESULT_NAME` once per verification of the request, in order, by one verifier
//!   (`OK`, or a result code's name: a second `expect` after `OK` checks a replay);
//! - `end` closes the case. Lines starting with `#` are comments.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwkskit::dpop::NonceSource;
use jwkskit::dpop::RotatingNonces;
use jwkskit::issuer::{jwks_document, ProofClaims, SigningKey};
use jwkskit::Algorithm;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use ring::digest;
use serde_json::{json, Map, Value};

const NOW: i64 = 1_700_000_000;
const ISSUER: &str = "https://issuer.example";
const URI: &str = "https://api.example.com/orders";
const NONCE_SECRET: &str = "corpus nonce secret, 32 bytes or more";

fn key(dir: &Path, name: &str, alg: Algorithm) -> Result<SigningKey, Box<dyn std::error::Error>> {
    let path = dir.join(format!("{name}.pem"));
    if !path.exists() {
        let key = SigningKey::generate(alg)?;
        std::fs::write(&path, key.to_pkcs8_pem().ok_or("no PEM")?)?;
    }
    Ok(SigningKey::from_pkcs8_pem(&std::fs::read(&path)?, alg)?)
}

/// A client certificate (PEM, DER), made once.
fn cert(dir: &Path, name: &str) -> Result<(String, Vec<u8>), Box<dyn std::error::Error>> {
    let path = dir.join(format!("{name}.pem"));
    if !path.exists() {
        let made = rcgen::generate_simple_self_signed(vec![format!("{name}.example")])?;
        std::fs::write(&path, made.cert.pem())?;
    }
    let pem = std::fs::read_to_string(&path)?;
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|c: rustls_pki_types::CertificateDer<'_>| c.as_ref().to_vec())
        .map_err(|e| format!("{name}: {e}"))?;
    Ok((pem, der))
}

fn x5t(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, der))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn escape(pem: &str) -> String {
    utf8_percent_encode(pem, NON_ALPHANUMERIC).to_string()
}

#[derive(Default)]
struct Case {
    name: &'static str,
    comment: &'static str,
    now: i64,
    options: Vec<(&'static str, String)>,
    method: &'static str,
    uri: String,
    authorization: Vec<String>,
    dpop: Vec<String>,
    cert: Vec<(&'static str, String)>,
    route_scheme: Option<&'static str>,
    expect: Vec<&'static str>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/vectors/dpop");
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys)?;
    let issuer = key(&keys, "issuer-es256", Algorithm::ES256)?.with_kid("issuer-1");
    let client = key(&keys, "client-es256", Algorithm::ES256)?;
    let other = key(&keys, "other-es256", Algorithm::ES256)?;
    let ed = key(&keys, "client-ed25519", Algorithm::EdDSA)?;
    let rsa_pem = std::fs::read(root.join("tests/data/rsa2048.pem"))?;
    let ps = SigningKey::from_pkcs8_pem(&rsa_pem, Algorithm::PS256)?;
    let (cert_pem, cert_der) = cert(&keys, "client-cert")?;
    let (other_pem, other_der) = cert(&keys, "other-cert")?;

    let token = |extra: Value| -> String {
        let mut claims = json!({
            "iss": ISSUER, "aud": "api", "sub": "user-42",
            "iat": NOW - 60, "exp": NOW + 3600,
        });
        if let (Value::Object(c), Value::Object(more)) = (&mut claims, extra) {
            c.extend(more);
        }
        issuer.sign(&claims).expect("sign")
    };
    let bound = |k: &SigningKey| token(json!({"cnf": {"jkt": k.thumbprint()}}));
    let at_client = bound(&client);
    let at_unbound = token(json!({}));
    let at_cert = token(json!({"cnf": {"x5t#S256": x5t(&cert_der)}}));
    let proof = |k: &SigningKey, method: &str, uri: &str, at: Option<&str>, iat: i64| {
        k.sign_dpop_proof(&ProofClaims {
            method,
            uri,
            iat,
            access_token: at,
            ..ProofClaims::default()
        })
        .expect("proof")
    };
    let good = proof(&client, "GET", URI, Some(&at_client), NOW);
    let payload = |extra: Value| {
        let mut p = json!({
            "jti": "corpus-jti-1", "htm": "GET", "htu": URI, "iat": NOW,
            "ath": jwkskit::dpop::access_token_hash(at_client.as_bytes()),
        });
        if let (Value::Object(c), Value::Object(more)) = (&mut p, extra) {
            for (k, v) in more {
                if v.is_null() {
                    c.remove(&k);
                } else {
                    c.insert(k, v);
                }
            }
        }
        p
    };
    let header = |v: Value| -> Map<String, Value> { v.as_object().cloned().unwrap_or_default() };
    let custom = |k: &SigningKey, h: Value, p: Value| {
        k.sign_dpop_payload(&header(h), &payload(p)).expect("proof")
    };
    let dpop_auth = |t: &str| format!("DPoP {t}");
    let bearer_auth = |t: &str| format!("Bearer {t}");

    let base = |name, comment, at: &str, dpop: Vec<String>, expect: Vec<&'static str>| Case {
        name,
        comment,
        now: NOW,
        options: vec![("token_scheme", "either".into())],
        method: "GET",
        uri: URI.into(),
        authorization: vec![dpop_auth(at)],
        dpop,
        expect,
        ..Case::default()
    };
    let mut cases = Vec::new();

    // Accepted.
    cases.push(base(
        "dpop_valid",
        "a DPoP-bound token with its proof",
        &at_client,
        vec![good.clone()],
        vec!["OK"],
    ));
    cases.push(base(
        "dpop_replayed",
        "the same proof twice: the second is a replay",
        &at_client,
        vec![proof(&client, "GET", URI, Some(&at_client), NOW)],
        vec!["OK", "DPOP_PROOF_REPLAYED"],
    ));
    cases.push(Case {
        uri: "https://api.example.com/orders?page=2#top".into(),
        ..base(
            "dpop_htu_normalised",
            "htu in another case, with the default port; the request URI with a query",
            &at_client,
            vec![proof(
                &client,
                "GET",
                "HTTPS://API.Example.COM:443/%6frders",
                Some(&at_client),
                NOW,
            )],
            vec!["OK"],
        )
    });
    let at_ed = bound(&ed);
    cases.push(base(
        "dpop_eddsa",
        "an Ed25519 proof key",
        &at_ed,
        vec![proof(&ed, "GET", URI, Some(&at_ed), NOW)],
        vec!["OK"],
    ));
    let at_ps = bound(&ps);
    cases.push(base(
        "dpop_ps256",
        "an RSA (PS256) proof key",
        &at_ps,
        vec![proof(&ps, "GET", URI, Some(&at_ps), NOW)],
        vec!["OK"],
    ));
    cases.push(Case {
        authorization: vec![bearer_auth(&at_unbound)],
        dpop: vec![],
        ..base(
            "bearer_unbound",
            "an unbound token as Bearer, either scheme accepted",
            "",
            vec![],
            vec!["OK"],
        )
    });
    let nonce = RotatingNonces::new(300, Some(NONCE_SECRET.as_bytes()))?.issue(NOW)?;
    let nonce_options = vec![
        ("token_scheme", "dpop".to_string()),
        ("dpop_nonce_lifetime", "300".to_string()),
        ("dpop_nonce_secret", NONCE_SECRET.to_string()),
    ];
    cases.push(Case {
        options: nonce_options.clone(),
        ..base(
            "dpop_nonce_valid",
            "server nonces on; the proof carries the current one",
            &at_client,
            vec![client.sign_dpop_proof(&ProofClaims {
                method: "GET",
                uri: URI,
                iat: NOW,
                access_token: Some(&at_client),
                nonce: Some(&nonce),
                ..ProofClaims::default()
            })?],
            vec!["OK"],
        )
    });
    for (name, comment, cert) in [
        ("cert_bound_pem", "a certificate-bound token as Bearer, the certificate as PEM", ("cert_pem_escaped", escape(&cert_pem))),
        ("cert_bound_nginx", "the certificate from nginx's $ssl_client_escaped_cert", ("cert_nginx", escape(&cert_pem))),
        (
            "cert_bound_xfcc",
            "the certificate from Envoy's x-forwarded-client-cert: the last element is the client",
            (
                "cert_xfcc",
                format!(
                    "By=spiffe://proxy.example/front;Hash={};Cert=\"{}\";Subject=\"CN=other\",By=spiffe://proxy.example/edge;Hash={};Cert=\"{}\";Subject=\"CN=client\";URI=spiffe://client.example",
                    hex(digest::digest(&digest::SHA256, &other_der).as_ref()),
                    escape(&other_pem),
                    hex(digest::digest(&digest::SHA256, &cert_der).as_ref()),
                    escape(&cert_pem)
                ),
            ),
        ),
        (
            "cert_bound_xfcc_hash_only",
            "Envoy forwarding the Hash alone",
            ("cert_xfcc", format!("By=spiffe://proxy.example/edge;Hash={};URI=spiffe://client.example", hex(digest::digest(&digest::SHA256, &cert_der).as_ref()))),
        ),
    ] {
        cases.push(Case {
            authorization: vec![bearer_auth(&at_cert)],
            cert: vec![cert],
            ..base(name, comment, "", vec![], vec!["OK"])
        });
    }

    // The negative corpus.
    let neg = |name, comment, proof: String, expect| {
        base(name, comment, &at_client, vec![proof], vec![expect])
    };
    cases.push(neg(
        "wrong_htm",
        "htm POST on a GET",
        proof(&client, "POST", URI, Some(&at_client), NOW),
        "DPOP_PROOF_MISMATCH",
    ));
    cases.push(neg(
        "wrong_htu",
        "htu of another resource",
        proof(
            &client,
            "GET",
            "https://api.example.com/admin",
            Some(&at_client),
            NOW,
        ),
        "DPOP_PROOF_MISMATCH",
    ));
    cases.push(neg(
        "wrong_htu_scheme",
        "htu over http",
        proof(
            &client,
            "GET",
            "http://api.example.com/orders",
            Some(&at_client),
            NOW,
        ),
        "DPOP_PROOF_MISMATCH",
    ));
    cases.push(neg(
        "stale_iat",
        "iat 10 minutes ago (dpop_max_age 60 s)",
        proof(&client, "GET", URI, Some(&at_client), NOW - 600),
        "DPOP_PROOF_STALE",
    ));
    cases.push(neg(
        "future_iat",
        "iat a minute ahead (dpop_leeway 5 s)",
        proof(&client, "GET", URI, Some(&at_client), NOW + 60),
        "DPOP_PROOF_STALE",
    ));
    cases.push(neg(
        "ath_other_token",
        "ath of another access token",
        proof(&client, "GET", URI, Some(&at_unbound), NOW),
        "DPOP_PROOF_MISMATCH",
    ));
    cases.push(neg(
        "ath_missing",
        "no ath with an access token",
        custom(&client, json!({}), json!({"ath": null})),
        "DPOP_PROOF_INVALID",
    ));
    let mut private = client.proof_jwk();
    private["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
    cases.push(neg(
        "jwk_private",
        "the jwk carries the private member d",
        custom(&client, json!({"jwk": private}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    let hs = SigningKey::from_hmac_secret(&[9u8; 32], Algorithm::HS256)?;
    let hs_proof = {
        let mut h = Map::new();
        h.insert("typ".into(), "dpop+jwt".into());
        h.insert("kid".into(), Value::Null);
        h.insert("jwk".into(), hs.public_jwk());
        hs.sign_with_header(&h, &serde_json::to_vec(&payload(json!({})))?)?
    };
    cases.push(neg(
        "symmetric_alg",
        "HS256 with an oct jwk",
        hs_proof,
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "typ_missing",
        "no typ",
        custom(&client, json!({"typ": null}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "typ_jwt",
        "typ JWT",
        custom(&client, json!({"typ": "JWT"}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "jwk_missing",
        "no jwk",
        custom(&client, json!({"jwk": null}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "jwk_other_key",
        "signed by one key, another in jwk",
        custom(&client, json!({"jwk": other.proof_jwk()}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "jti_missing",
        "no jti",
        custom(&client, json!({}), json!({"jti": null})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "iat_string",
        "iat as a string",
        custom(&client, json!({}), json!({"iat": NOW.to_string()})),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(neg(
        "crit_header",
        "a crit extension",
        custom(&client, json!({"crit": ["exp"], "exp": 1}), json!({})),
        "DPOP_PROOF_INVALID",
    ));
    let mut tampered = good.clone();
    let last = tampered.pop().expect("signature");
    tampered.push(if last == 'A' { 'Q' } else { 'A' });
    cases.push(neg(
        "bad_signature",
        "the signature's last character changed",
        tampered,
        "DPOP_PROOF_INVALID",
    ));
    let (head, rest) = good.split_once('.').expect("dots");
    let body = rest.rsplit_once('.').expect("dots").0;
    let none_header = URL_SAFE_NO_PAD
        .encode(json!({"typ": "dpop+jwt", "alg": "none", "jwk": client.proof_jwk()}).to_string());
    let _ = head;
    cases.push(neg(
        "alg_none",
        "alg none, no signature",
        format!("{none_header}.{body}."),
        "DPOP_PROOF_INVALID",
    ));
    cases.push(Case {
        dpop: vec![
            good.clone(),
            proof(&client, "GET", URI, Some(&at_client), NOW),
        ],
        ..neg(
            "two_dpop_headers",
            "two DPoP headers",
            String::new(),
            "DPOP_PROOF_INVALID",
        )
    });
    cases.push(Case {
        dpop: vec![],
        ..neg(
            "no_dpop_header",
            "the DPoP scheme without a proof",
            String::new(),
            "DPOP_PROOF_INVALID",
        )
    });
    // The proof's key is the access token issuer's: a header key never verifies a token, and
    // the token is bound to the client's key.
    cases.push(neg(
        "proof_by_issuer_key",
        "the proof signed by the access token's issuer key",
        proof(&issuer, "GET", URI, Some(&at_client), NOW),
        "BINDING_MISMATCH",
    ));
    // An access token the client minted with its own key and a kid of the issuer's: the
    // verifier's keys decide, never the proof's jwk nor a jwk in the token's header.
    let forged = {
        let mut h = Map::new();
        h.insert("typ".into(), "JWT".into());
        h.insert("kid".into(), "issuer-1".into());
        h.insert("jwk".into(), client.proof_jwk());
        let claims = json!({"iss": ISSUER, "aud": "api", "sub": "admin", "exp": NOW + 3600, "cnf": {"jkt": client.thumbprint()}});
        client.sign_with_header(&h, &serde_json::to_vec(&claims)?)?
    };
    cases.push(base(
        "token_signed_by_proof_key",
        "an access token signed with the proof's key (kid and jwk of its own)",
        &forged,
        vec![proof(&client, "GET", URI, Some(&forged), NOW)],
        vec!["BAD_SIGNATURE"],
    ));
    let at_other = bound(&other);
    cases.push(base(
        "thumbprint_mismatch",
        "the token bound to another key than the proof's",
        &at_other,
        vec![proof(&client, "GET", URI, Some(&at_other), NOW)],
        vec!["BINDING_MISMATCH"],
    ));
    cases.push(base(
        "unbound_token_as_dpop",
        "a token without cnf.jkt with the DPoP scheme",
        &at_unbound,
        vec![proof(&client, "GET", URI, Some(&at_unbound), NOW)],
        vec!["TOKEN_NOT_BOUND"],
    ));
    cases.push(Case {
        authorization: vec![bearer_auth(&at_client)],
        dpop: vec![],
        ..neg(
            "dpop_bound_as_bearer",
            "a DPoP-bound token sent as Bearer",
            String::new(),
            "BOUND_TOKEN_AS_BEARER",
        )
    });
    cases.push(Case {
        authorization: vec![bearer_auth(&at_client)],
        dpop: vec![],
        options: vec![
            ("token_scheme", "either".into()),
            ("allow_dpop_bound_bearer", "true".into()),
        ],
        ..neg(
            "dpop_bound_as_bearer_allowed",
            "the same, allowed by allow_dpop_bound_bearer",
            String::new(),
            "OK",
        )
    });
    let expired = token(json!({"exp": NOW - 10, "cnf": {"jkt": client.thumbprint()}}));
    cases.push(base(
        "token_expired",
        "a valid proof with an expired token",
        &expired,
        vec![proof(&client, "GET", URI, Some(&expired), NOW)],
        vec!["EXPIRED"],
    ));
    cases.push(Case {
        options: vec![("token_scheme", "dpop".into())],
        authorization: vec![bearer_auth(&at_unbound)],
        dpop: vec![],
        ..neg(
            "bearer_to_dpop_only",
            "Bearer where only DPoP is accepted",
            String::new(),
            "SCHEME_NOT_ALLOWED",
        )
    });
    cases.push(Case {
        options: vec![("token_scheme", "bearer".into())],
        ..neg(
            "dpop_to_bearer_only",
            "DPoP where only Bearer is accepted",
            good.clone(),
            "SCHEME_NOT_ALLOWED",
        )
    });
    cases.push(Case {
        route_scheme: Some("bearer"),
        ..neg(
            "dpop_to_bearer_route",
            "DPoP on a route that accepts Bearer only",
            good.clone(),
            "SCHEME_NOT_ALLOWED",
        )
    });
    cases.push(Case {
        authorization: vec![],
        ..neg(
            "no_authorization",
            "no Authorization header",
            good.clone(),
            "NO_CREDENTIALS",
        )
    });
    cases.push(Case {
        authorization: vec!["Basic dXNlcjpwYXNz".into()],
        dpop: vec![],
        ..neg(
            "basic_scheme",
            "another scheme",
            String::new(),
            "NO_CREDENTIALS",
        )
    });
    cases.push(Case {
        authorization: vec![dpop_auth(&at_client), dpop_auth(&at_client)],
        ..neg(
            "two_authorization",
            "two Authorization headers",
            good.clone(),
            "INVALID_REQUEST",
        )
    });
    cases.push(Case {
        authorization: vec![format!("DPoP {at_client} extra")],
        ..neg(
            "malformed_authorization",
            "two credentials in one header",
            good.clone(),
            "INVALID_REQUEST",
        )
    });
    cases.push(Case {
        uri: "/orders".into(),
        ..neg(
            "relative_request_uri",
            "the server gave a relative URI",
            good.clone(),
            "INVALID_REQUEST",
        )
    });
    cases.push(Case {
        options: nonce_options.clone(),
        ..neg(
            "nonce_missing",
            "server nonces on, the proof has none",
            good.clone(),
            "DPOP_NONCE_REQUIRED",
        )
    });
    let old_nonce = RotatingNonces::new(300, Some(NONCE_SECRET.as_bytes()))?.issue(NOW - 900)?;
    cases.push(Case {
        options: nonce_options.clone(),
        ..neg(
            "nonce_stale",
            "server nonces on, the proof's is three periods old",
            client.sign_dpop_proof(&ProofClaims {
                method: "GET",
                uri: URI,
                iat: NOW,
                access_token: Some(&at_client),
                nonce: Some(&old_nonce),
                ..ProofClaims::default()
            })?,
            "DPOP_NONCE_REQUIRED",
        )
    });
    cases.push(Case {
        options: vec![
            ("token_scheme", "either".into()),
            ("algorithms", "ES256".into()),
        ],
        ..base(
            "alg_not_allowed",
            "an EdDSA proof where the policy allows ES256 only",
            &at_ed,
            vec![proof(&ed, "GET", URI, Some(&at_ed), NOW)],
            vec!["DPOP_PROOF_INVALID"],
        )
    });
    cases.push(Case {
        authorization: vec![bearer_auth(&at_cert)],
        dpop: vec![],
        cert: vec![("cert_pem_escaped", escape(&other_pem))],
        ..neg(
            "cert_mismatch",
            "a certificate-bound token with another certificate",
            String::new(),
            "BINDING_MISMATCH",
        )
    });
    cases.push(Case {
        authorization: vec![bearer_auth(&at_cert)],
        dpop: vec![],
        ..neg(
            "cert_missing",
            "a certificate-bound token without a certificate",
            String::new(),
            "BINDING_MISMATCH",
        )
    });
    cases.push(Case {
        authorization: vec![bearer_auth(&at_cert)],
        dpop: vec![],
        cert: vec![("cert_nginx", String::new())],
        ..neg(
            "cert_nginx_empty",
            "nginx says the client sent no certificate",
            String::new(),
            "BINDING_MISMATCH",
        )
    });
    cases.push(Case {
        options: vec![
            ("token_scheme", "either".into()),
            ("require_certificate_binding", "true".into()),
        ],
        authorization: vec![bearer_auth(&at_unbound)],
        dpop: vec![],
        cert: vec![("cert_pem_escaped", escape(&cert_pem))],
        ..neg(
            "cert_binding_required",
            "an unbound token where certificate binding is required",
            String::new(),
            "TOKEN_NOT_BOUND",
        )
    });
    cases.push(Case {
        authorization: vec![bearer_auth(&at_cert)],
        dpop: vec![],
        cert: vec![(
            "cert_xfcc",
            format!(
                "Hash={};Cert=\"{}\"",
                hex(digest::digest(&digest::SHA256, &other_der).as_ref()),
                escape(&cert_pem)
            ),
        )],
        ..neg(
            "xfcc_hash_disagrees",
            "an XFCC whose Hash is not its Cert's",
            String::new(),
            "INVALID_ARGUMENT",
        )
    });
    let at_both = token(json!({"cnf": {"jkt": client.thumbprint(), "x5t#S256": x5t(&cert_der)}}));
    cases.push(Case {
        cert: vec![("cert_pem_escaped", escape(&other_pem))],
        ..base(
            "dpop_and_cert_mismatch",
            "bound to both; the proof is right, the certificate another",
            &at_both,
            vec![proof(&client, "GET", URI, Some(&at_both), NOW)],
            vec!["BINDING_MISMATCH"],
        )
    });
    cases.push(Case {
        cert: vec![("cert_pem_escaped", escape(&cert_pem))],
        ..base(
            "dpop_and_cert_valid",
            "bound to both, both right",
            &at_both,
            vec![proof(&client, "GET", URI, Some(&at_both), NOW)],
            vec!["OK"],
        )
    });

    let mut out = String::new();
    writeln!(
        out,
        "# The DPoP and certificate-binding corpus: written by `cargo run --example dpop_corpus`"
    )?;
    writeln!(
        out,
        "# (examples/dpop_corpus.rs, which describes the format); do not edit by hand."
    )?;
    writeln!(
        out,
        "# Every verifier: issuers {ISSUER}, audiences api, then the case's options."
    )?;
    writeln!(out, "jwks {}", jwks_document(&[&issuer]))?;
    for c in &cases {
        writeln!(out, "\ncase {}", c.name)?;
        writeln!(out, "# {}", c.comment)?;
        writeln!(out, "now {}", c.now)?;
        for (name, value) in &c.options {
            writeln!(out, "option {name} {value}")?;
        }
        writeln!(out, "method {}", c.method)?;
        writeln!(out, "uri {}", c.uri)?;
        if let Some(s) = c.route_scheme {
            writeln!(out, "route_scheme {s}")?;
        }
        for a in &c.authorization {
            writeln!(out, "authorization {a}")?;
        }
        for d in &c.dpop {
            writeln!(out, "dpop {d}")?;
        }
        for (kind, value) in &c.cert {
            writeln!(out, "{kind} {value}")?;
        }
        for e in &c.expect {
            writeln!(out, "expect {e}")?;
        }
        writeln!(out, "end")?;
    }
    std::fs::write(dir.join("corpus.txt"), out)?;
    println!(
        "wrote {} cases to {}",
        cases.len(),
        dir.join("corpus.txt").display()
    );
    Ok(())
}
