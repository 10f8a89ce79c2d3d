//! DPoP (RFC 9449) and certificate-bound tokens (RFC 8705) through the public API: the RFC's
//! example proofs, the checked-in corpus of request verifications (which C, Python and Go run
//! too), the answers to refused requests, server nonces, replay stores (the in-memory one's
//! bound and its promise never to forget a `jti` inside its window, over a million proofs;
//! a store of the caller's), and the proof key rules.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jwkskit::dpop::{ProofTarget, RotatingNonces, TokenScheme};
use jwkskit::issuer::{jwks_document, ProofClaims, SigningKey};
use jwkskit::replay::{
    replay_key, MemoryReplayStore, ReplayStore, ReplayVerdict, SharedReplayStore,
};
use jwkskit::{Algorithm, ClientCert, Error, ErrorKind, Policy, Request, Scheme, Verifier};
use serde_json::{json, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kind_name(r: &Result<impl Sized, Error>) -> String {
    match r {
        Ok(_) => "OK".into(),
        Err(e) => e.kind().name().into(),
    }
}

// ---------------------------------------------------------------------------------------
// RFC 9449's examples

#[test]
fn rfc9449_example_proofs() {
    let doc: Value = serde_json::from_slice(
        &std::fs::read(format!("{ROOT}/tests/vectors/rfc9449/examples.json")).unwrap(),
    )
    .unwrap();
    // The proofs need no key set; any verifier checks them.
    let issuer = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwks = jwks_document(&[&issuer]).to_string();
    let verifier = Verifier::from_json(jwks.as_bytes(), Policy::default()).unwrap();
    assert_eq!(
        jwkskit::thumbprint(&doc["jwk"]).unwrap(),
        doc["jkt"].as_str().unwrap()
    );
    assert_eq!(
        jwkskit::dpop::access_token_hash(doc["access_token"].as_str().unwrap().as_bytes()),
        doc["ath"].as_str().unwrap()
    );
    for p in doc["proofs"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let proof = p["proof"].as_str().unwrap().as_bytes();
        let iat = p["iat"].as_i64().unwrap();
        let at = p["access_token"].as_str().map(str::as_bytes);
        let target = ProofTarget {
            method: p["method"].as_str().unwrap(),
            uri: p["uri"].as_str().unwrap(),
            access_token: at,
        };
        let verified = verifier
            .verify_dpop_proof_at(proof, &target, iat + 1)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.jkt, doc["jkt"].as_str().unwrap(), "{name}");
        assert_eq!(verified.alg, Algorithm::ES256);
        // Sent again: a replay.
        let again = verifier.verify_dpop_proof_at(proof, &target, iat + 2);
        assert_eq!(kind_name(&again), "DPOP_PROOF_REPLAYED", "{name}");
        // Everything around it is refused.
        let fresh = || Verifier::from_json(jwks.as_bytes(), Policy::default()).unwrap();
        let check =
            |t: &ProofTarget<'_>, now: i64| kind_name(&fresh().verify_dpop_proof_at(proof, t, now));
        assert_eq!(check(&target, iat + 600), "DPOP_PROOF_STALE", "{name}");
        assert_eq!(check(&target, iat - 60), "DPOP_PROOF_STALE", "{name}");
        let post_or_get = if target.method == "GET" {
            "POST"
        } else {
            "GET"
        };
        let method = ProofTarget {
            method: post_or_get,
            ..target
        };
        assert_eq!(check(&method, iat), "DPOP_PROOF_MISMATCH", "{name}");
        let uri = ProofTarget {
            uri: "https://server.example.com/other",
            ..target
        };
        assert_eq!(check(&uri, iat), "DPOP_PROOF_MISMATCH", "{name}");
        let token = ProofTarget {
            access_token: Some(b"another token"),
            ..target
        };
        let expected = if at.is_some() {
            "DPOP_PROOF_MISMATCH"
        } else {
            "DPOP_PROOF_INVALID" // no ath to match
        };
        assert_eq!(check(&token, iat), expected, "{name}");
        // The same URI written otherwise (RFC 3986 normalisation).
        let loud = target.uri.replace("https://", "HTTPS://");
        let port = loud
            .replacen(".com/", ".com:443/", 1)
            .replacen(".org/", ".org:443/", 1);
        let normalised = ProofTarget {
            uri: &port,
            ..target
        };
        assert_eq!(check(&normalised, iat), "OK", "{name}: {port}");
    }
    // The refresh proof reuses the token request's jti 2680 s later: past the window, fresh.
    let proofs = doc["proofs"].as_array().unwrap();
    let (first, refresh) = (&proofs[0], &proofs[1]);
    assert_eq!(
        first["proof"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .map(|_| ()),
        Some(())
    );
    let v = Verifier::from_json(jwks.as_bytes(), Policy::default()).unwrap();
    for p in [first, refresh] {
        let target = ProofTarget {
            method: "POST",
            uri: "https://server.example.com/token",
            access_token: None,
        };
        let now = p["iat"].as_i64().unwrap();
        v.verify_dpop_proof_at(p["proof"].as_str().unwrap().as_bytes(), &target, now)
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// The corpus

/// One case of `tests/vectors/dpop/corpus.txt`.
#[derive(Default, Debug)]
struct Case {
    name: String,
    now: i64,
    options: Vec<(String, String)>,
    method: String,
    uri: String,
    authorization: Vec<String>,
    dpop: Vec<String>,
    cert: Option<(String, String)>,
    route_scheme: Option<String>,
    expect: Vec<String>,
}

fn corpus() -> (String, Vec<Case>) {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/vectors/dpop/corpus.txt")).unwrap();
    let mut jwks = String::new();
    let mut cases = Vec::new();
    let mut case: Option<Case> = None;
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        let value = value.to_string();
        if key == "jwks" {
            jwks = value;
            continue;
        }
        if key == "case" {
            case = Some(Case {
                name: value,
                ..Case::default()
            });
            continue;
        }
        let c = case.as_mut().expect("a record outside a case");
        match key {
            "now" => c.now = value.parse().unwrap(),
            "option" => {
                let (n, v) = value.split_once(' ').unwrap();
                c.options.push((n.into(), v.into()));
            }
            "method" => c.method = value,
            "uri" => c.uri = value,
            "authorization" => c.authorization.push(value),
            "dpop" => c.dpop.push(value),
            "cert_pem_escaped" | "cert_nginx" | "cert_xfcc" => c.cert = Some((key.into(), value)),
            "route_scheme" => c.route_scheme = Some(value),
            "expect" => c.expect.push(value),
            "end" => cases.push(case.take().unwrap()),
            other => panic!("unknown record {other:?}"),
        }
    }
    (jwks, cases)
}

fn corpus_verifier(jwks: &str, options: &[(String, String)]) -> Verifier {
    let mut policy = Policy {
        issuers: vec!["https://issuer.example".into()],
        audiences: vec!["api".into()],
        ..Policy::default()
    };
    for (name, value) in options {
        match name.as_str() {
            "token_scheme" => policy.dpop.token_scheme = TokenScheme::from_name(value).unwrap(),
            "dpop_nonce_lifetime" => policy.dpop.nonce_lifetime = Some(value.parse().unwrap()),
            "dpop_nonce_secret" => policy.dpop.nonce_secret = Some(value.clone()),
            "allow_dpop_bound_bearer" => policy.dpop.allow_bound_bearer = value == "true",
            "require_certificate_binding" => policy.require_certificate_binding = value == "true",
            "algorithms" => policy.algorithms.push(value.parse().unwrap()),
            other => panic!("unknown option {other}"),
        }
    }
    Verifier::from_json(jwks.as_bytes(), policy).unwrap()
}

/// Every case gets its verdict, each `expect` in order from one verifier.
#[test]
fn corpus_verdicts() {
    let (jwks, cases) = corpus();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut seen = HashMap::new();
    for case in &cases {
        assert!(
            seen.insert(case.name.clone(), ()).is_none(),
            "{} twice",
            case.name
        );
        let verifier = corpus_verifier(&jwks, &case.options);
        let pem;
        let mut request = Request::new(&case.method, &case.uri);
        for a in &case.authorization {
            request = request.authorization(a);
        }
        for d in &case.dpop {
            request = request.dpop(d);
        }
        if let Some((kind, value)) = &case.cert {
            request = request.client_cert(match kind.as_str() {
                "cert_pem_escaped" => {
                    pem = percent_encoding::percent_decode_str(value).collect::<Vec<u8>>();
                    ClientCert::Pem(&pem)
                }
                "cert_nginx" => ClientCert::NginxEscaped(value),
                _ => ClientCert::Xfcc(value),
            });
        }
        if let Some(s) = &case.route_scheme {
            request = request.token_scheme(TokenScheme::from_name(s).unwrap());
        }
        for (i, expect) in case.expect.iter().enumerate() {
            let got = verifier.verify_request_at(&request, case.now);
            assert_eq!(
                &kind_name(&got),
                expect,
                "{} (verification {}): {:?}",
                case.name,
                i + 1,
                got.as_ref().err()
            );
        }
    }
    // Every request-level code is exercised by the corpus.
    let verdicts: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.expect.iter().map(String::as_str))
        .collect();
    for kind in [
        ErrorKind::NoCredentials,
        ErrorKind::InvalidRequest,
        ErrorKind::SchemeNotAllowed,
        ErrorKind::DpopProofInvalid,
        ErrorKind::DpopProofMismatch,
        ErrorKind::DpopProofStale,
        ErrorKind::DpopProofReplayed,
        ErrorKind::DpopNonceRequired,
        ErrorKind::BindingMismatch,
        ErrorKind::TokenNotBound,
        ErrorKind::BoundTokenAsBearer,
    ] {
        assert!(verdicts.contains(&kind.name()), "no case for {kind:?}");
    }
}

// ---------------------------------------------------------------------------------------
// A small world of keys

struct World {
    issuer: SigningKey,
    client: SigningKey,
    jwks: String,
}

const NOW: i64 = 1_700_000_000;
const URI: &str = "https://api.example.com/orders";

impl World {
    fn new() -> World {
        let issuer = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("as-1");
        let client = SigningKey::generate(Algorithm::ES256).unwrap();
        let jwks = jwks_document(&[&issuer]).to_string();
        World {
            issuer,
            client,
            jwks,
        }
    }

    fn verifier(&self, edit: impl FnOnce(&mut Policy)) -> Verifier {
        let mut policy = Policy::default();
        policy.dpop.token_scheme = TokenScheme::Either;
        edit(&mut policy);
        Verifier::from_json(self.jwks.as_bytes(), policy).unwrap()
    }

    fn token(&self, cnf: Value) -> String {
        self.issuer
            .sign(&json!({"sub": "u", "exp": NOW + 3600, "cnf": cnf}))
            .unwrap()
    }

    fn bound(&self) -> String {
        self.token(json!({"jkt": self.client.thumbprint()}))
    }

    fn proof(&self, token: &str, now: i64, nonce: Option<&str>) -> String {
        self.client
            .sign_dpop_proof(&ProofClaims {
                method: "GET",
                uri: URI,
                iat: now,
                access_token: Some(token),
                nonce,
                ..ProofClaims::default()
            })
            .unwrap()
    }
}

#[test]
fn verified_request_reports_its_binding() {
    let w = World::new();
    let v = w.verifier(|_| {});
    let token = w.bound();
    let auth = format!("DPoP {token}");
    let proof = w.proof(&token, NOW, None);
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let ok = v.verify_request_at(&req, NOW).unwrap();
    assert_eq!(ok.scheme(), Scheme::Dpop);
    assert_eq!(ok.dpop_jkt(), Some(w.client.thumbprint().as_str()));
    assert_eq!(ok.certificate_thumbprint(), None);
    assert_eq!(ok.dpop_nonce(), None);
    assert_eq!(ok.token().claim("sub"), Some(&json!("u")));
    let stats = v.dpop_stats();
    assert_eq!((stats.proofs_verified, stats.proofs_rejected), (1, 0));
    assert!(stats.replay_entries == 1 && stats.replay_max_entries > 0);
    assert!(stats.replay_bytes > 0 && stats.replay_bytes <= stats.replay_max_bytes);
    // Replayed: refused and counted.
    assert_eq!(
        kind_name(&v.verify_request_at(&req, NOW + 1)),
        "DPOP_PROOF_REPLAYED"
    );
    let stats = v.dpop_stats();
    assert_eq!((stats.replays, stats.proofs_rejected), (1, 1));
    // A proof refused before the store is not recorded: its jti stays unspent.
    let other = SigningKey::generate(Algorithm::ES256).unwrap();
    let wrong = w.token(json!({"jkt": other.thumbprint()}));
    let auth_wrong = format!("DPoP {wrong}");
    let proof_wrong = w.proof(&wrong, NOW, None);
    let req = Request::new("GET", URI)
        .authorization(&auth_wrong)
        .dpop(&proof_wrong);
    assert_eq!(
        kind_name(&v.verify_request_at(&req, NOW)),
        "BINDING_MISMATCH"
    );
    assert_eq!(v.dpop_stats().replay_entries, 1);
}

/// A bound token verified alone (`verify`, the token without its request) is refused: the
/// holder of a leaked DPoP- or certificate-bound token must not get in by calling the one-token
/// API, in any language. Through the token cache too: a request verification that stored the
/// token does not make a later `verify` of it pass. An unbound token is not affected.
#[test]
fn bound_tokens_are_refused_when_verified_alone() {
    let w = World::new();
    for cache in [true, false] {
        let v = w.verifier(|p| {
            if !cache {
                p.token_cache.max_entries = 0;
            }
        });
        let dpop_bound = w.bound();
        let cert_bound =
            w.token(json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}));
        let other_cnf = w.token(json!({"jwk": {"kty": "OKP"}}));
        let unbound = w
            .issuer
            .sign(&json!({"sub": "u", "exp": NOW + 3600}))
            .unwrap();
        // The request verification first, so that the token cache holds the token.
        let auth = format!("DPoP {dpop_bound}");
        let proof = w.proof(&dpop_bound, NOW, None);
        let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
        assert!(v.verify_request_at(&req, NOW).is_ok(), "cache {cache}");
        for (token, says) in [
            (&dpop_bound, "DPoP-bound (cnf.jkt)"),
            (&cert_bound, "client certificate (cnf.x5t#S256)"),
            (&other_cnf, "does not check"),
        ] {
            for _ in 0..3 {
                let e = v.verify_at(token.as_bytes(), NOW).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::BoundTokenAsBearer, "cache {cache}");
                assert!(e.message().contains(says), "{}", e.message());
            }
        }
        assert!(v.verify_at(unbound.as_bytes(), NOW).is_ok());
        // Sent as Bearer in a request: refused the same way.
        let bearer = format!("Bearer {dpop_bound}");
        let req = Request::new("GET", URI).authorization(&bearer);
        assert_eq!(
            kind_name(&v.verify_request_at(&req, NOW)),
            "BOUND_TOKEN_AS_BEARER"
        );
        // allow_dpop_bound_bearer lets a DPoP-bound token alone through, nothing else.
        let lax = w.verifier(|p| p.dpop.allow_bound_bearer = true);
        assert!(lax.verify_at(dpop_bound.as_bytes(), NOW).is_ok());
        assert_eq!(
            kind_name(&lax.verify_at(cert_bound.as_bytes(), NOW)),
            "BOUND_TOKEN_AS_BEARER"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Answers

#[test]
fn refusals_follow_rfc6750_and_rfc9449() {
    let w = World::new();
    let v = w.verifier(|p| p.algorithms = vec![Algorithm::ES256, Algorithm::PS256]);
    // In the policy's order (RFC 9449 §7.1's example).
    let algs = r#"algs="ES256 PS256""#;
    // No credentials: both challenges, no error (RFC 9449 §7.2, first example).
    let none = Request::new("GET", URI);
    let r = v
        .refusal(ErrorKind::NoCredentials, Some(&none), None, None, NOW)
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.error, None);
    assert_eq!(
        r.challenges,
        vec!["Bearer".to_string(), format!("DPoP {algs}")]
    );
    assert_eq!(r.dpop_nonce, None);
    // An invalid bearer token: the error on the Bearer challenge only (second example).
    let bearer = Request::new("GET", URI).authorization("Bearer abc");
    let r = v
        .refusal(ErrorKind::Expired, Some(&bearer), Some("orders"), None, NOW)
        .unwrap();
    assert_eq!(
        r.challenges,
        vec![
            r#"Bearer realm="orders", error="invalid_token", error_description="the token has expired""#
                .to_string(),
            format!(r#"DPoP realm="orders", {algs}"#)
        ]
    );
    // Two Authorization headers: ambiguous, the error on both, 400 (third example).
    let two = Request::new("GET", URI)
        .authorization("Bearer a")
        .authorization("DPoP a");
    let r = v
        .refusal(ErrorKind::InvalidRequest, Some(&two), None, None, NOW)
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.challenges
            .iter()
            .all(|c| c.contains(r#"error="invalid_request""#)),
        "{r:?}"
    );
    // A proof's error goes on the DPoP challenge, whatever the scheme.
    let dpop = Request::new("GET", URI).authorization("DPoP abc");
    for (kind, code) in [
        (ErrorKind::DpopProofInvalid, "invalid_dpop_proof"),
        (ErrorKind::DpopProofReplayed, "invalid_dpop_proof"),
        (ErrorKind::DpopNonceRequired, "use_dpop_nonce"),
    ] {
        let r = v.refusal(kind, Some(&dpop), None, None, NOW).unwrap();
        assert_eq!(r.challenges[0], "Bearer");
        assert_eq!(
            r.challenges[1],
            format!(
                r#"DPoP error="{code}", error_description="{}", {algs}"#,
                kind.description()
            )
        );
    }
    // A key binding refused (RFC 9449 §7.1's example): invalid_token on DPoP.
    let r = v
        .refusal(ErrorKind::BindingMismatch, Some(&dpop), None, None, NOW)
        .unwrap();
    assert!(
        r.challenges[1].starts_with(r#"DPoP error="invalid_token""#),
        "{r:?}"
    );
    assert_eq!(r.challenges[0], "Bearer");
    // Scope: 403 with the scope.
    let r = v
        .refusal(
            ErrorKind::InsufficientScope,
            Some(&bearer),
            None,
            Some("orders:read"),
            NOW,
        )
        .unwrap();
    assert_eq!(r.status, 403);
    assert!(r.challenges[0].ends_with(r#"scope="orders:read""#), "{r:?}");
    // 503 and 500: no challenge.
    for kind in [
        ErrorKind::KeysUnavailable,
        ErrorKind::ReplayStoreUnavailable,
        ErrorKind::Internal,
    ] {
        let r = v.refusal(kind, Some(&dpop), None, None, NOW).unwrap();
        assert!(r.challenges.is_empty());
        assert_eq!(
            r.status,
            if kind == ErrorKind::Internal {
                500
            } else {
                503
            }
        );
    }
    // A Bearer-only route: one challenge; a DPoP-only verifier: the DPoP one.
    let route = Request::new("GET", URI).token_scheme(TokenScheme::Bearer);
    let r = v
        .refusal(ErrorKind::NoCredentials, Some(&route), None, None, NOW)
        .unwrap();
    assert_eq!(r.challenges, vec!["Bearer".to_string()]);
    let only = w.verifier(|p| p.dpop.token_scheme = TokenScheme::Dpop);
    let r = only
        .refusal(ErrorKind::SchemeNotAllowed, Some(&bearer), None, None, NOW)
        .unwrap();
    assert_eq!(r.challenges.len(), 1);
    assert!(r.challenges[0].starts_with(r#"DPoP error="invalid_token""#));
    assert!(
        r.challenges[0].contains("algs=\"RS256 RS384"),
        "every asymmetric alg: {r:?}"
    );
    // A realm is a quoted-string.
    let r = v
        .refusal(
            ErrorKind::NoCredentials,
            None,
            Some("a \"b\" \\ é"),
            None,
            NOW,
        )
        .unwrap();
    assert_eq!(r.challenges[0], r#"Bearer realm="a \"b\" \\ ""#);
}

// ---------------------------------------------------------------------------------------
// Nonces

#[test]
fn nonce_round_trip() {
    let w = World::new();
    let v = w.verifier(|p| p.dpop.nonce_lifetime = Some(60));
    let token = w.bound();
    let auth = format!("DPoP {token}");
    let proof = w.proof(&token, NOW, None);
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let e = v.verify_request_at(&req, NOW).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DpopNonceRequired);
    let r = v.refusal(e.kind(), Some(&req), None, None, NOW).unwrap();
    let nonce = r.dpop_nonce.clone().expect("a nonce with use_dpop_nonce");
    assert_eq!(Some(nonce.clone()), v.dpop_nonce(NOW).unwrap());
    // Retried with it: accepted, and no new nonce to send yet.
    let proof = w.proof(&token, NOW, Some(&nonce));
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let ok = v.verify_request_at(&req, NOW).unwrap();
    assert_eq!(ok.dpop_nonce(), None);
    // A period later the nonce is still accepted, and the response carries the next one.
    let later = NOW + 60;
    let proof = w.proof(&token, later, Some(&nonce));
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let ok = v.verify_request_at(&req, later).unwrap();
    let next = ok.dpop_nonce().expect("the next nonce");
    assert_ne!(next, nonce);
    // Two periods later it is refused.
    let much_later = NOW + 130;
    let proof = w.proof(&token, much_later, Some(&nonce));
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    assert_eq!(
        kind_name(&v.verify_request_at(&req, much_later)),
        "DPOP_NONCE_REQUIRED"
    );
    assert_eq!(v.dpop_stats().nonce_challenges, 2);
    // A fleet sharing the secret accepts each other's nonces.
    let secret = "a secret the fleet shares, 32 bytes+".to_string();
    let a = w.verifier(|p| {
        p.dpop.nonce_lifetime = Some(60);
        p.dpop.nonce_secret = Some(secret.clone());
    });
    let b = w.verifier(|p| {
        p.dpop.nonce_lifetime = Some(60);
        p.dpop.nonce_secret = Some(secret.clone());
    });
    let from_a = a.dpop_nonce(NOW).unwrap().unwrap();
    let proof = w.proof(&token, NOW, Some(&from_a));
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    b.verify_request_at(&req, NOW).unwrap();
    let nonces = RotatingNonces::new(60, Some(secret.as_bytes())).unwrap();
    assert_eq!(
        jwkskit::dpop::NonceSource::issue(&nonces, NOW).unwrap(),
        from_a
    );
}

// ---------------------------------------------------------------------------------------
// Replay stores

/// A store of the caller's, as a fleet would share (here a map), counting its calls; then one
/// that fails.
#[test]
fn a_replay_store_of_the_callers() {
    #[derive(Default)]
    struct Map {
        keys: Mutex<HashMap<String, i64>>,
        calls: AtomicUsize,
    }
    impl ReplayStore for Map {
        fn check_and_insert(&self, key: &str, exp: i64, now: i64) -> Result<ReplayVerdict, Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(key.len(), 43);
            let mut keys = self.keys.lock().unwrap();
            match keys.get(key) {
                Some(e) if now <= *e => Ok(ReplayVerdict::Seen),
                _ => {
                    keys.insert(key.to_string(), exp);
                    Ok(ReplayVerdict::Fresh)
                }
            }
        }
    }
    let w = World::new();
    let shared = Arc::new(Map::default());
    let store = SharedReplayStore(shared.clone());
    // Two verifiers (two processes of a fleet) sharing the store.
    let a = w.verifier(|p| p.dpop.replay_store = Some(store.clone()));
    let b = w.verifier(|p| p.dpop.replay_store = Some(store.clone()));
    let token = w.bound();
    let auth = format!("DPoP {token}");
    let proof = w.proof(&token, NOW, None);
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    a.verify_request_at(&req, NOW).unwrap();
    assert_eq!(
        kind_name(&b.verify_request_at(&req, NOW)),
        "DPOP_PROOF_REPLAYED"
    );
    assert_eq!(shared.calls.load(Ordering::SeqCst), 2);
    let (key, expiry) = shared
        .keys
        .lock()
        .unwrap()
        .iter()
        .next()
        .map(|(k, e)| (k.clone(), *e))
        .unwrap();
    let jti = {
        let payload = proof.split('.').nth(1).unwrap();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()["jti"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(key, replay_key(&w.client.thumbprint(), &jti));
    // iat + dpop_max_age (60) + dpop_leeway (5) + 1.
    assert_eq!(expiry, NOW + 66);

    struct Down;
    impl ReplayStore for Down {
        fn check_and_insert(&self, _: &str, _: i64, _: i64) -> Result<ReplayVerdict, Error> {
            Err(Error::new(ErrorKind::KeysUnavailable, "connection refused"))
        }
    }
    let down = w.verifier(|p| p.dpop.replay_store = Some(SharedReplayStore::new(Down)));
    let proof = w.proof(&token, NOW, None);
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let e = down.verify_request_at(&req, NOW).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ReplayStoreUnavailable);
    assert!(e.message().contains("connection refused"), "{e}");
    assert_eq!(down.dpop_stats().store_refusals, 1);
}

/// A million proofs through the in-memory store at 10,000 a second: none refused, memory
/// within its bound, and every key still known at the last second of its window (so none was
/// forgotten early); the figure for the time is the benchmark's.
#[test]
fn a_million_proofs_never_forget_a_live_jti() {
    const TOTAL: usize = 1_000_000;
    const RATE: usize = 10_000;
    const WINDOW: i64 = 66; // dpop_max_age 60 + dpop_leeway 5 + 1
    let store = MemoryReplayStore::new(16 << 20);
    assert!(store.max_entries() >= RATE * WINDOW as usize, "{store:?}");
    let key = |i: usize| replay_key("client-thumbprint", &format!("jti-{i}"));
    let start = 1_700_000_000i64;
    let mut checked = 0;
    for i in 0..TOTAL {
        let now = start + (i / RATE) as i64;
        let r = store.check_and_insert(&key(i), now + WINDOW, now);
        assert_eq!(r, Ok(ReplayVerdict::Fresh), "proof {i}");
        // At the last second of a window, every key of that window is still there.
        if i % RATE == RATE - 1 && i / RATE >= WINDOW as usize {
            let second = i / RATE - WINDOW as usize;
            for j in second * RATE..(second + 1) * RATE {
                let then = start + second as i64;
                assert_eq!(
                    store.check_and_insert(&key(j), then + WINDOW, now),
                    Ok(ReplayVerdict::Seen),
                    "key {j} forgotten at {now}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, (TOTAL / RATE - WINDOW as usize) * RATE);
    let (entries, max_entries, bytes, max_bytes) = store.occupancy();
    assert!(entries <= max_entries);
    assert!(bytes <= max_bytes, "{bytes} > {max_bytes}");
    assert_eq!(store.refusals(), 0);
}

// ---------------------------------------------------------------------------------------
// Proof keys

#[test]
fn proof_keys_are_checked_as_jwks_keys() {
    let w = World::new();
    let v = w.verifier(|_| {});
    let token = w.bound();
    let target = ProofTarget {
        method: "GET",
        uri: URI,
        access_token: Some(token.as_bytes()),
    };
    let payload = json!({"jti": "k1", "htm": "GET", "htu": URI, "iat": NOW,
        "ath": jwkskit::dpop::access_token_hash(token.as_bytes())});
    let with_jwk = |jwk: Value| {
        let mut h = serde_json::Map::new();
        h.insert("jwk".into(), jwk);
        w.client.sign_dpop_payload(&h, &payload).unwrap()
    };
    let mut off_curve = w.client.proof_jwk();
    let y = off_curve["y"].as_str().unwrap().to_owned();
    let flipped = if y.ends_with('A') { "Q" } else { "A" };
    off_curve["y"] = json!(format!("{}{flipped}", &y[..y.len() - 1]));
    let mut wrong_curve = w.client.proof_jwk();
    wrong_curve["crv"] = json!("P-384");
    let mut with_use = w.client.proof_jwk();
    with_use["use"] = json!("enc");
    for (name, jwk) in [
        ("off the curve", off_curve),
        ("another curve", wrong_curve),
        ("use enc", with_use),
        ("not an object", json!("key")),
        (
            "an oct key",
            json!({"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}),
        ),
    ] {
        let proof = with_jwk(jwk);
        let e = v
            .verify_dpop_proof_at(proof.as_bytes(), &target, NOW)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DpopProofInvalid, "{name}: {e}");
    }
    // One client key is parsed once: many proofs, one cached key.
    for i in 0..5 {
        let proof = w
            .client
            .sign_dpop_payload(
                &serde_json::Map::new(),
                &json!({"jti": format!("c{i}"), "htm": "GET",
                "htu": URI, "iat": NOW, "ath": jwkskit::dpop::access_token_hash(token.as_bytes())}),
            )
            .unwrap();
        v.verify_dpop_proof_at(proof.as_bytes(), &target, NOW)
            .unwrap();
    }
}

/// The issuer's key in a proof never verifies an access token, and a token's header `jwk`
/// never picks its key (the corpus has both cases; here the verdicts name why).
#[test]
fn header_keys_never_verify_access_tokens() {
    let w = World::new();
    let v = w.verifier(|_| {});
    // A token signed by the client's own key, carrying its jwk in the header.
    let mut h = serde_json::Map::new();
    h.insert("jwk".into(), w.client.proof_jwk());
    h.insert("kid".into(), json!("as-1"));
    let forged = w
        .client
        .sign_with_header(
            &h,
            &serde_json::to_vec(&json!({"sub": "admin", "exp": NOW + 60,
                "cnf": {"jkt": w.client.thumbprint()}}))
            .unwrap(),
        )
        .unwrap();
    let auth = format!("DPoP {forged}");
    let proof = w.proof(&forged, NOW, None);
    let req = Request::new("GET", URI).authorization(&auth).dpop(&proof);
    let e = v.verify_request_at(&req, NOW).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadSignature, "{e}");
    assert_eq!(
        v.dpop_stats().replay_entries,
        0,
        "a refused request spends no jti"
    );
    let _ = &w.issuer;
}
