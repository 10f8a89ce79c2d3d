//! One test per attack class of the security defaults, through the public `Verifier` API, each
//! asserting the exact `ErrorKind`. Tokens are signed with `ring` directly (tests/common), and
//! every attack has a matching well-formed token that verifies, so a rejection is known to come
//! from the attack and not from a broken fixture.

mod common;

use common::{b64, compact, hmac_sign, jwks, TestKey};
use jwkskit::{Algorithm, ErrorKind, Limits, Policy, VerifiedToken, Verifier};
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;

fn claims() -> Value {
    json!({"sub": "user", "iat": NOW - 10, "exp": NOW + 600})
}

fn verifier(keys: &[Value], policy: Policy) -> Verifier {
    Verifier::from_json(&jwks(keys), policy).expect("key set parses")
}

fn allowing(algs: &[Algorithm]) -> Policy {
    Policy {
        algorithms: algs.to_vec(),
        ..Policy::default()
    }
}

#[track_caller]
fn kind_of(r: Result<VerifiedToken, jwkskit::Error>) -> ErrorKind {
    match r {
        Ok(t) => panic!("accepted: header {}", String::from_utf8_lossy(t.header())),
        Err(e) => e.kind(),
    }
}

/// Asserts the kind from both `verify_at` (JWT) and `verify_signature` (JWS).
#[track_caller]
fn assert_both(v: &Verifier, token: &str, want: ErrorKind) {
    let jwt = v.verify_at(token.as_bytes(), NOW);
    assert_eq!(kind_of(jwt), want, "verify_at: {}", shown(token));
    let jws = v.verify_signature(token.as_bytes());
    assert_eq!(kind_of(jws), want, "verify_signature: {}", shown(token));
}

#[track_caller]
fn assert_accepts(v: &Verifier, token: &str) -> VerifiedToken {
    v.verify_at(token.as_bytes(), NOW)
        .unwrap_or_else(|e| panic!("rejected ({}: {e}): {}", e.kind().name(), shown(token)))
}

fn shown(token: &str) -> String {
    token.chars().take(120).collect()
}

fn payload() -> Vec<u8> {
    claims().to_string().into_bytes()
}

#[test]
fn alg_none_is_never_accepted() {
    let key = TestKey::ed25519(Some("k"));
    let good = key.jwt("EdDSA", &claims());
    for policy in [Policy::default(), allowing(&Algorithm::ALL)] {
        let v = verifier(&[key.public_jwk()], policy);
        assert_accepts(&v, &good);
        for name in ["none", "None", "NONE", "nOnE"] {
            for header in [
                json!({"alg": name}).to_string(),
                json!({"alg": name, "kid": "k"}).to_string(),
                json!({"alg": name, "typ": "JWT"}).to_string(),
            ] {
                let input = format!("{}.{}", b64(&header), b64(payload()));
                // Unsigned, as RFC 7515 A.5 would have it.
                assert_both(&v, &format!("{input}."), ErrorKind::AlgorithmNotAllowed);
                // With a real signature over the input, with garbage, with an HMAC tag.
                let sig = key.sign("EdDSA", input.as_bytes());
                assert_both(
                    &v,
                    &format!("{input}.{}", b64(sig)),
                    ErrorKind::AlgorithmNotAllowed,
                );
                assert_both(&v, &format!("{input}.AAAA"), ErrorKind::AlgorithmNotAllowed);
                let tag = hmac_sign("HS256", b"", input.as_bytes());
                assert_both(
                    &v,
                    &format!("{input}.{}", b64(tag)),
                    ErrorKind::AlgorithmNotAllowed,
                );
            }
        }
    }
}

/// The forms in which an attacker may feed a public key to an HMAC verifier as the secret.
fn public_key_secrets(key: &TestKey) -> Vec<(&'static str, Vec<u8>)> {
    let pem = key.spki_pem();
    let mut jwk_no_kid = key.public_jwk();
    jwk_no_kid.as_object_mut().unwrap().remove("kid");
    vec![
        ("PEM", pem.clone().into_bytes()),
        (
            "PEM without final newline",
            pem.trim_end().as_bytes().to_vec(),
        ),
        ("SPKI DER", key.spki_der()),
        ("JWK JSON", key.public_jwk().to_string().into_bytes()),
        ("JWK JSON without kid", jwk_no_kid.to_string().into_bytes()),
        ("JWKS JSON", jwks(&[key.public_jwk()])),
    ]
}

#[test]
fn hmac_signed_with_a_public_key_is_refused() {
    let keys = [
        (TestKey::rsa("rsa2048.pem", Some("rsa")), "RS256"),
        (TestKey::p256(Some("ec")), "ES256"),
        (TestKey::p384(Some("ec384")), "ES384"),
        (TestKey::ed25519(Some("ed")), "EdDSA"),
    ];
    let set: Vec<Value> = keys.iter().map(|(k, _)| k.public_jwk()).collect();
    let default = verifier(&set, Policy::default());
    let hmac_and_asymmetric = verifier(
        &set,
        allowing(&[
            Algorithm::HS256,
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ]),
    );
    let hmac_only = verifier(
        &set,
        allowing(&[Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]),
    );
    for (key, alg) in &keys {
        // The honest token verifies where its algorithm is allowed.
        let honest = key.jwt(alg, &claims());
        assert_accepts(&default, &honest);
        assert_accepts(&hmac_and_asymmetric, &honest);
        let kid = key.kid.as_deref().unwrap();
        for (form, secret) in public_key_secrets(key) {
            for hs in ["HS256", "HS384", "HS512"] {
                for with_kid in [true, false] {
                    let header = if with_kid {
                        json!({"alg": hs, "kid": kid})
                    } else {
                        json!({"alg": hs})
                    };
                    let input = format!("{}.{}", b64(header.to_string()), b64(payload()));
                    let tag = hmac_sign(hs, &secret, input.as_bytes());
                    let token = format!("{input}.{}", b64(tag));
                    let what = format!("{hs} keyed with the {form} of {kid}, kid: {with_kid}");
                    let r = default.verify_at(token.as_bytes(), NOW);
                    assert_eq!(kind_of(r), ErrorKind::AlgorithmNotAllowed, "{what}");
                    // Even where HMAC is allowed, an asymmetric key is never an HMAC secret:
                    // the named key does not fit, and without a kid no key can verify HS*.
                    let want = if with_kid {
                        ErrorKind::KeyMismatch
                    } else {
                        ErrorKind::UnknownKey
                    };
                    for v in [&hmac_and_asymmetric, &hmac_only] {
                        assert_eq!(kind_of(v.verify_at(token.as_bytes(), NOW)), want, "{what}");
                        assert_eq!(
                            kind_of(v.verify_signature(token.as_bytes())),
                            want,
                            "{what}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn key_type_must_fit_the_algorithm() {
    let rsa = TestKey::rsa("rsa2048.pem", Some("rsa"));
    let rsa_rs256 = TestKey::rsa("rsa2048-b.pem", Some("rsa-rs256"));
    let p256 = TestKey::p256(Some("p256"));
    let p384 = TestKey::p384(Some("p384"));
    let ed = TestKey::ed25519(Some("ed"));
    let mut restricted = rsa_rs256.public_jwk();
    restricted["alg"] = json!("RS256");
    let v = verifier(
        &[
            rsa.public_jwk(),
            restricted,
            p256.public_jwk(),
            p384.public_jwk(),
            ed.public_jwk(),
        ],
        Policy::default(),
    );
    for (key, alg) in [
        (&rsa, "RS256"),
        (&rsa, "PS256"),
        (&rsa_rs256, "RS256"),
        (&p256, "ES256"),
        (&p384, "ES384"),
        (&ed, "EdDSA"),
    ] {
        assert_accepts(&v, &key.jwt(alg, &claims()));
    }
    // A token signed by `signer` with `alg`, naming `kid`.
    let forged = |signer: &TestKey, alg: &str, kid: &str| {
        let header = json!({"alg": alg, "kid": kid}).to_string();
        signer.token_with_header(alg, &header, &payload())
    };
    // RS256 naming an EC key.
    assert_both(&v, &forged(&rsa, "RS256", "p256"), ErrorKind::KeyMismatch);
    // ES256 naming a P-384 key, and ES384 naming a P-256 key.
    assert_both(&v, &forged(&p256, "ES256", "p384"), ErrorKind::KeyMismatch);
    assert_both(&v, &forged(&p384, "ES384", "p256"), ErrorKind::KeyMismatch);
    // EdDSA naming an EC key, ES256 naming the Ed25519 key, RSA naming either.
    assert_both(&v, &forged(&ed, "EdDSA", "p256"), ErrorKind::KeyMismatch);
    assert_both(&v, &forged(&p256, "ES256", "ed"), ErrorKind::KeyMismatch);
    assert_both(&v, &forged(&rsa, "PS256", "ed"), ErrorKind::KeyMismatch);
    // PS256 against a key whose own alg is RS256 (a valid PSS signature by that very key).
    assert_both(
        &v,
        &forged(&rsa_rs256, "PS256", "rsa-rs256"),
        ErrorKind::KeyMismatch,
    );
    assert_both(
        &v,
        &forged(&rsa_rs256, "RS384", "rsa-rs256"),
        ErrorKind::KeyMismatch,
    );
    // Without a kid, only keys that fit the algorithm are candidates.
    let only_p384 = verifier(&[p384.public_jwk()], Policy::default());
    let es256 = p256.token_with_header("ES256", r#"{"alg":"ES256"}"#, &payload());
    assert_both(&only_p384, &es256, ErrorKind::UnknownKey);
    // The policy's allowlist comes first.
    let es_only = verifier(
        &[rsa.public_jwk(), p256.public_jwk()],
        allowing(&[Algorithm::ES256]),
    );
    assert_both(
        &es_only,
        &rsa.jwt("RS256", &claims()),
        ErrorKind::AlgorithmNotAllowed,
    );
    assert_accepts(&es_only, &p256.jwt("ES256", &claims()));
}

#[test]
fn embedded_key_headers_never_pick_a_key() {
    let victim = TestKey::p256(Some("victim"));
    let attacker = TestKey::p256(Some("attacker"));
    let v = verifier(&[victim.public_jwk()], Policy::default());
    assert_accepts(&v, &victim.jwt("ES256", &claims()));
    let attacker_jwk = attacker.public_jwk();
    let embedded: Vec<(&str, Value)> = vec![
        ("jwk", attacker_jwk.clone()),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        (
            "x5c",
            json!([base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                attacker.spki_der()
            )]),
        ),
    ];
    for (member, value) in embedded {
        for (kid, want) in [
            // Naming the victim's kid: the victim's key is used, and the signature fails.
            (Some("victim"), ErrorKind::BadSignature),
            // Naming the attacker's own kid: no such key in the set.
            (Some("attacker"), ErrorKind::UnknownKey),
            // No kid: the set's ES256 keys are tried, never the embedded one.
            (None, ErrorKind::BadSignature),
        ] {
            let mut header = json!({"alg": "ES256"});
            header[member] = value.clone();
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            let token = attacker.token_with_header("ES256", &header.to_string(), &payload());
            assert_both(&v, &token, want);
            // The same token is valid for a verifier that really holds the attacker's key
            // (without a kid, so that it is a candidate whatever kid the token names).
            let mut anonymous = attacker_jwk.clone();
            anonymous.as_object_mut().unwrap().remove("kid");
            let theirs = verifier(&[anonymous], Policy::default());
            assert_accepts(&theirs, &token);
        }
    }
}

/// Group orders (big-endian) of P-256 and P-384.
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P384_N: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf\
                      581a0db248b0a77aecec196accc52973";

#[test]
fn psychic_ecdsa_signatures_are_refused() {
    for (key, alg, n_hex) in [
        (TestKey::p256(Some("k")), "ES256", P256_N),
        (TestKey::p384(Some("k")), "ES384", P384_N),
    ] {
        let v = verifier(&[key.public_jwk()], Policy::default());
        assert_accepts(&v, &key.jwt(alg, &claims()));
        let n = common::unhex(n_hex);
        let size = n.len();
        let zero = vec![0u8; size];
        let mut one = vec![0u8; size];
        one[size - 1] = 1;
        let ff = vec![0xffu8; size];
        let header = key.header(alg).to_string();
        for (name, r, s) in [
            ("r = s = 0", &zero, &zero),
            ("r = s = n", &n, &n),
            ("r = 0, s = n", &zero, &n),
            ("r = n, s = 0", &n, &zero),
            ("r = s = 1", &one, &one),
            ("r = s = 2^k - 1", &ff, &ff),
        ] {
            let sig = [r.as_slice(), s.as_slice()].concat();
            let token = compact(&header, &payload(), &sig);
            let got = kind_of(v.verify_at(token.as_bytes(), NOW));
            assert_eq!(got, ErrorKind::BadSignature, "{alg} {name}");
        }
    }
}

/// `n - s` for big-endian numbers of equal length, `s < n`.
fn sub_be(n: &[u8], s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; n.len()];
    let mut borrow = 0i16;
    for i in (0..n.len()).rev() {
        let mut d = i16::from(n[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0);
    out
}

#[test]
fn ecdsa_signature_encoding() {
    for (key, alg, n_hex) in [
        (TestKey::p256(Some("k")), "ES256", P256_N),
        (TestKey::p384(Some("k")), "ES384", P384_N),
    ] {
        let v = verifier(&[key.public_jwk()], Policy::default());
        let header = key.header(alg).to_string();
        let input = format!("{}.{}", b64(&header), b64(payload()));
        // DER (ASN.1) signatures are not JWS signatures, even when they are correct.
        let der = key.sign_ecdsa_der(input.as_bytes());
        let token = format!("{input}.{}", b64(&der));
        assert_both(&v, &token, ErrorKind::BadSignature);
        // R||S with a byte too many or too few.
        let sig = key.sign(alg, input.as_bytes());
        let long = [sig.as_slice(), &[0]].concat();
        assert_both(
            &v,
            &format!("{input}.{}", b64(long)),
            ErrorKind::BadSignature,
        );
        assert_both(
            &v,
            &format!("{input}.{}", b64(&sig[1..])),
            ErrorKind::BadSignature,
        );
        // High S (n - s) is as valid as low S: JWS does not require normalised signatures.
        let size = sig.len() / 2;
        let n = common::unhex(n_hex);
        let high = [&sig[..size], sub_be(&n, &sig[size..]).as_slice()].concat();
        assert_ne!(high, sig);
        assert_accepts(&v, &format!("{input}.{}", b64(&sig)));
        let t = assert_accepts(&v, &format!("{input}.{}", b64(&high)));
        assert_eq!(t.alg().name(), alg);
    }
}

#[test]
fn crit_is_refused() {
    let key = TestKey::ed25519(Some("k"));
    let v = verifier(&[key.public_jwk()], Policy::default());
    assert_accepts(&v, &key.jwt("EdDSA", &claims()));
    for header in [
        r#"{"alg":"EdDSA","kid":"k","crit":["exp"],"exp":1800000000}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["b64"],"b64":false}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["b64"],"b64":true}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["http://example.com/ext"],"http://example.com/ext":1}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["missing"]}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["alg"]}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":[]}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":"exp","exp":1}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":[1]}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":null}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":{}}"#,
        r#"{"alg":"EdDSA","kid":"k","crit":["exp","exp"],"exp":1}"#,
        // RFC 7797 unencoded payload, even without crit.
        r#"{"alg":"EdDSA","kid":"k","b64":false}"#,
    ] {
        let token = key.token_with_header("EdDSA", header, &payload());
        assert_both(&v, &token, ErrorKind::CritUnsupported);
    }
}

#[test]
fn malformed_structure_is_refused() {
    let key = TestKey::ed25519(Some("k"));
    let v = verifier(&[key.public_jwk()], Policy::default());
    let good = key.jwt("EdDSA", &claims());
    assert_accepts(&v, &good);
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let malformed = [
        // Segments.
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        format!("{h}.{p}.{s}.{s}.{s}"),
        h.to_string(),
        String::new(),
        ".".into(),
        "..".into(),
        "....".into(),
        format!(".{p}.{s}"),
        format!("{h}.{p}."),
        format!("..{s}"),
        // Padding.
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{p}.{s}=="),
        format!("{h}.{p}.{s}="),
        // Whitespace.
        format!(" {good}"),
        format!("{good} "),
        format!("{good}\n"),
        format!("{good}\r\n"),
        format!("{h} .{p}.{s}"),
        format!("{h}.{p}.\t{s}"),
        format!(
            "{h}.{p}.{}",
            s.replacen(&s[..4], &format!("{} ", &s[..4]), 1)
        ),
        // Bytes outside base64url.
        format!("{h}.{p}.{s}\0"),
        format!("{h}.{p}.é{s}"),
        format!("{h}.{p}.*{}", &s[1..]),
    ];
    for token in &malformed {
        assert_ne!(token, &good);
        assert_both(&v, token, ErrorKind::Malformed);
    }

    // '+' and '/' belong to standard base64: refused even with a signature over those exact
    // characters (payload bytes fb ff encode as "-_8" in base64url, "+/8" in base64).
    let header = key.header("EdDSA").to_string();
    let std_input = format!("{}.+/8", b64(&header));
    let std_token = format!(
        "{std_input}.{}",
        b64(key.sign("EdDSA", std_input.as_bytes()))
    );
    assert_both(&v, &std_token, ErrorKind::Malformed);
    let url_token = key.token_with_header("EdDSA", &header, &[0xfb, 0xff]);
    assert!(url_token.contains(".-_8."));
    v.verify_signature(url_token.as_bytes()).unwrap();

    // Headers that are signed correctly but are not one JSON object with a string alg.
    for bad_header in [
        &b"{\"alg\":\"EdDSA\",\"kid\":\"k\",\"x\":\"\xff\xfe\"}"[..],
        b"\xef\xbb\xbf{\"alg\":\"EdDSA\",\"kid\":\"k\"}",
        br#"["alg","EdDSA"]"#,
        br#""EdDSA""#,
        b"null",
        b"",
        b"{}",
        br#"{"kid":"k"}"#,
        br#"{"alg":null,"kid":"k"}"#,
        br#"{"alg":["EdDSA"],"kid":"k"}"#,
        br#"{"alg":"EdDSA","kid":"k"} trailing"#,
        br#"{"alg":"EdDSA","kid":"k"}{}"#,
        br#"{"alg":"EdDSA","kid":"k",}"#,
        br#"{"alg":"EdDSA","kid":7}"#,
        br#"{"alg":"EdDSA","alg":"EdDSA","kid":"k"}"#,
        br#"{"alg":"EdDSA","kid":"k","alg":"none"}"#,
        br#"{"alg":"none","alg":"EdDSA","kid":"k"}"#,
        br#"{"alg":"EdDSA","kid":"k","kid":"other"}"#,
        br#"{"alg":"EdDSA","kid":"k","\u0061lg":"none"}"#,
    ] {
        let input = format!("{}.{}", b64(bad_header), b64(payload()));
        let token = format!("{input}.{}", b64(key.sign("EdDSA", input.as_bytes())));
        assert_both(&v, &token, ErrorKind::Malformed);
    }

    // A payload that is not a JSON object (or not UTF-8): a valid JWS, not a valid JWT.
    for body in [
        &b""[..],
        b"\xff\xfe",
        b"[1]",
        b"hello",
        br#"{"exp":1800000000,"exp":1}"#,
    ] {
        let token = key.token_with_header("EdDSA", &header, body);
        v.verify_signature(token.as_bytes()).unwrap();
        assert_eq!(
            kind_of(v.verify_at(token.as_bytes(), NOW)),
            ErrorKind::InvalidClaim,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

/// Two readers of one token that disagree are a classic JWT hole. The token's JSON has one
/// reader, so a token that verifies is one whose every claim `claims()` (and the C getters, and
/// the CLI) can read, with one value per name at every depth: a number beyond f64, a lone
/// surrogate or a duplicate member anywhere is refused, in the claims and in the header.
#[test]
fn json_that_two_readers_could_read_differently_is_refused() {
    let key = TestKey::ed25519(Some("k"));
    let v = verifier(&[key.public_jwk()], Policy::default());
    let header = key.header("EdDSA").to_string();
    let exp = NOW + 600;
    let claims_with = |member: &str| format!(r#"{{"sub":"user","exp":{exp},{member}}}"#);
    // The control: the same shape, readable, verifies and every claim reads back.
    let fine = key.token_with_header(
        "EdDSA",
        &header,
        claims_with(r#""x":{"role":"user","n":1e18,"s":"\ud83d\ude00"}"#).as_bytes(),
    );
    let t = assert_accepts(&v, &fine);
    assert_eq!(t.claim("sub"), Some(&json!("user")));
    assert_eq!(t.claim("x").unwrap()["role"], "user");
    assert_eq!(t.claim("x").unwrap()["s"], "\u{1f600}");
    for member in [
        r#""x":1e999"#,
        r#""x":-1e999"#,
        r#""x":[0,{"y":1E400}]"#,
        r#""x":"\ud800""#,
        r#""x":"\udc00\ud800""#,
        r#""x":{"\ud800":1}"#,
        r#""x":{"role":"user","role":"admin"}"#,
        r#""x":{"role":"user","\u0072ole":"admin"}"#,
        r#""x":[{"a":{"b":1,"b":1}}]"#,
        // Numbers beyond the 64-bit range: Python and Go's json.Number read them exactly,
        // serde_json and JavaScript as rounded floats.
        r#""x":18446744073709551616"#,
        r#""x":[-9223372036854775809]"#,
        r#""x":{"n":1e300}"#,
    ] {
        let claims = claims_with(member);
        let token = key.token_with_header("EdDSA", &header, claims.as_bytes());
        assert_eq!(
            kind_of(v.verify_at(token.as_bytes(), NOW)),
            ErrorKind::InvalidClaim,
            "{claims}"
        );
        // As a JWS its payload need not be JSON, but it is not read as claims either.
        let jws = v.verify_signature(token.as_bytes()).unwrap();
        assert!(jws.claims().is_none(), "{claims}");
        // In the header the same members make the token malformed.
        let bad_header = format!(r#"{{"alg":"EdDSA","kid":"k",{member}}}"#);
        let token = key.token_with_header("EdDSA", &bad_header, &payload());
        assert_both(&v, &token, ErrorKind::Malformed);
    }
    // Bad UTF-8 inside a nested string of the claims.
    let mut bytes = claims_with(r#""x":{"y":"??"}"#).into_bytes();
    let at = bytes.windows(2).position(|w| w == b"??").unwrap();
    bytes[at..at + 2].copy_from_slice(b"\xc3\x28");
    let token = key.token_with_header("EdDSA", &header, &bytes);
    assert_eq!(
        kind_of(v.verify_at(token.as_bytes(), NOW)),
        ErrorKind::InvalidClaim
    );
}

#[test]
fn oversized_inputs_are_refused_early() {
    let key = TestKey::ed25519(Some("k"));
    let v = verifier(&[key.public_jwk()], Policy::default());
    assert_accepts(&v, &key.jwt("EdDSA", &claims()));
    let megabyte_of_dots = ".".repeat(1024 * 1024);
    let ten_megabytes = "a".repeat(10 * 1024 * 1024);
    let ten_megabytes_of_dots = ".".repeat(10 * 1024 * 1024);
    // Coarse bound only: a thousand rejections of each finish (each is a length check).
    for _ in 0..1000 {
        for token in [&megabyte_of_dots, &ten_megabytes, &ten_megabytes_of_dots] {
            let r = v.verify_at(token.as_bytes(), NOW);
            assert_eq!(kind_of(r), ErrorKind::TooLarge);
            let r = v.verify_signature(token.as_bytes());
            assert_eq!(kind_of(r), ErrorKind::TooLarge);
        }
    }
    // With the token limit raised (to its most, 1 MiB), a megabyte of dots is refused for its
    // segment count after looking at three dots, not after splitting all of them.
    let roomy = verifier(
        &[key.public_jwk()],
        Policy {
            limits: Limits {
                max_token_len: 1024 * 1024,
                ..Limits::default()
            },
            ..Policy::default()
        },
    );
    for _ in 0..1000 {
        assert_eq!(
            kind_of(roomy.verify_at(megabyte_of_dots.as_bytes(), NOW)),
            ErrorKind::Malformed
        );
    }

    // A header over its own limit (4 KiB), inside a token under the token limit.
    let big_header = json!({"alg": "EdDSA", "kid": "k", "pad": "x".repeat(5000)}).to_string();
    let token = key.token_with_header("EdDSA", &big_header, &payload());
    assert!(token.len() < Limits::default().max_token_len);
    assert_both(&v, &token, ErrorKind::TooLarge);
    // Deep nesting in the header or the claims.
    let deep_header = format!(
        r#"{{"alg":"EdDSA","kid":"k","x":{}{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let token = key.token_with_header("EdDSA", &deep_header, &payload());
    assert_both(&v, &token, ErrorKind::TooLarge);
    let deep_claims = format!(
        r#"{{"exp":1800000000,"x":{}{}}}"#,
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let token = key.token_with_header(
        "EdDSA",
        &key.header("EdDSA").to_string(),
        deep_claims.as_bytes(),
    );
    assert_eq!(
        kind_of(v.verify_at(token.as_bytes(), NOW)),
        ErrorKind::TooLarge
    );
    // A signature longer than any algorithm's (RSA-8192 is 1024 bytes).
    let input = format!(
        "{}.{}",
        b64(key.header("EdDSA").to_string()),
        b64(payload())
    );
    let token = format!("{input}.{}", b64(vec![7u8; 2000]));
    assert_both(&v, &token, ErrorKind::Malformed);
}

#[test]
fn claim_failures_have_their_own_kinds() {
    let key = TestKey::ed25519(Some("k"));
    let policy = Policy {
        issuers: vec!["https://issuer.example".into()],
        audiences: vec!["api".into()],
        ..Policy::default()
    };
    let v = verifier(&[key.public_jwk()], policy.clone());
    let base = json!({
        "iss": "https://issuer.example",
        "aud": "api",
        "sub": "user",
        "iat": NOW - 10,
        "exp": NOW + 600,
    });
    let with = |changes: Value| {
        let mut c = base.clone();
        for (k, val) in changes.as_object().unwrap() {
            if val.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = val.clone();
            }
        }
        key.jwt("EdDSA", &c)
    };
    assert_accepts(&v, &with(json!({})));
    assert_accepts(&v, &with(json!({"aud": ["other", "api"]})));
    assert_accepts(&v, &with(json!({"nbf": NOW})));
    let cases = [
        (json!({"exp": NOW}), ErrorKind::Expired),
        (json!({"exp": NOW - 1}), ErrorKind::Expired),
        (json!({"exp": null}), ErrorKind::MissingClaim),
        (json!({"exp": "1800000000"}), ErrorKind::InvalidClaim),
        (json!({"exp": true}), ErrorKind::InvalidClaim),
        (json!({"nbf": NOW + 10}), ErrorKind::NotYetValid),
        (json!({"nbf": "soon"}), ErrorKind::InvalidClaim),
        (json!({"iat": NOW + 10}), ErrorKind::IssuedInFuture),
        (
            json!({"iss": "https://evil.example"}),
            ErrorKind::WrongIssuer,
        ),
        (
            json!({"iss": "https://issuer.example/"}),
            ErrorKind::WrongIssuer,
        ),
        (json!({"iss": null}), ErrorKind::WrongIssuer),
        (json!({"iss": 7}), ErrorKind::InvalidClaim),
        (json!({"aud": "web"}), ErrorKind::WrongAudience),
        (json!({"aud": ["web", "app"]}), ErrorKind::WrongAudience),
        (json!({"aud": []}), ErrorKind::WrongAudience),
        (json!({"aud": null}), ErrorKind::WrongAudience),
        (json!({"aud": 1}), ErrorKind::InvalidClaim),
    ];
    for (change, want) in cases {
        let token = with(change.clone());
        assert_eq!(
            kind_of(v.verify_at(token.as_bytes(), NOW)),
            want,
            "{change}"
        );
        // The signature itself is fine: JWS-only verification accepts it.
        v.verify_signature(token.as_bytes()).unwrap();
    }
    // The signature is checked before the claims: an expired forgery is a bad signature.
    let expired = with(json!({"exp": NOW - 100}));
    let (input, _) = expired.rsplit_once('.').unwrap();
    let forged = format!("{input}.{}", b64([0u8; 64]));
    assert_eq!(
        kind_of(v.verify_at(forged.as_bytes(), NOW)),
        ErrorKind::BadSignature
    );

    // No audience configured: a token that names one is refused.
    let no_aud = verifier(&[key.public_jwk()], Policy::default());
    assert_eq!(
        kind_of(no_aud.verify_at(with(json!({})).as_bytes(), NOW)),
        ErrorKind::WrongAudience
    );
    assert_accepts(&no_aud, &with(json!({"aud": null})));
    // Leeway is explicit and bounded.
    let lenient = verifier(
        &[key.public_jwk()],
        Policy {
            leeway: 30,
            ..policy.clone()
        },
    );
    assert_accepts(
        &lenient,
        &with(json!({"exp": NOW - 10, "nbf": NOW + 10, "iat": NOW + 10})),
    );
    assert_eq!(
        kind_of(lenient.verify_at(with(json!({"exp": NOW - 31})).as_bytes(), NOW)),
        ErrorKind::Expired
    );
    // Maximum age needs iat.
    let aged = verifier(
        &[key.public_jwk()],
        Policy {
            max_age: Some(60),
            ..policy.clone()
        },
    );
    assert_eq!(
        kind_of(aged.verify_at(with(json!({"iat": NOW - 120})).as_bytes(), NOW)),
        ErrorKind::TooOld
    );
    assert_eq!(
        kind_of(aged.verify_at(with(json!({"iat": null})).as_bytes(), NOW)),
        ErrorKind::MissingClaim
    );
    // Required claims and typ.
    let strict = verifier(
        &[key.public_jwk()],
        Policy {
            required_claims: vec!["jti".into()],
            expected_typ: Some("at+jwt".into()),
            ..policy
        },
    );
    let header = json!({"alg": "EdDSA", "kid": "k", "typ": "at+jwt"}).to_string();
    let mut c = base.clone();
    c["jti"] = json!("id-1");
    assert_accepts(
        &strict,
        &key.token_with_header("EdDSA", &header, c.to_string().as_bytes()),
    );
    let no_jti = key.token_with_header("EdDSA", &header, base.to_string().as_bytes());
    assert_eq!(
        kind_of(strict.verify_at(no_jti.as_bytes(), NOW)),
        ErrorKind::MissingClaim
    );
    let jwt_typ = key.token_with_header(
        "EdDSA",
        r#"{"alg":"EdDSA","kid":"k","typ":"JWT"}"#,
        c.to_string().as_bytes(),
    );
    assert_both(&strict, &jwt_typ, ErrorKind::WrongType);
}

#[test]
fn encryption_keys_never_verify() {
    let signing = TestKey::ed25519(Some("sig"));
    let enc_use = TestKey::p256(Some("enc-use"));
    let enc_ops = TestKey::p256(Some("enc-ops"));
    let enc_alg = TestKey::rsa("rsa2048.pem", Some("enc-alg"));
    let sign_only_ops = TestKey::p384(Some("sign-ops"));
    let mut jwk_use = enc_use.public_jwk();
    jwk_use["use"] = json!("enc");
    jwk_use["alg"] = json!("ES256");
    let mut jwk_ops = enc_ops.public_jwk();
    jwk_ops["key_ops"] = json!(["encrypt", "wrapKey"]);
    let mut jwk_alg = enc_alg.public_jwk();
    jwk_alg["alg"] = json!("RSA-OAEP");
    let mut jwk_sign_ops = sign_only_ops.public_jwk();
    jwk_sign_ops["key_ops"] = json!(["sign"]);
    let v = verifier(
        &[
            signing.public_jwk(),
            jwk_use.clone(),
            jwk_ops.clone(),
            jwk_alg.clone(),
            jwk_sign_ops.clone(),
        ],
        Policy::default(),
    );
    assert_accepts(&v, &signing.jwt("EdDSA", &claims()));
    for (key, alg) in [
        (&enc_use, "ES256"),
        (&enc_ops, "ES256"),
        (&enc_alg, "RS256"),
        (&sign_only_ops, "ES384"),
    ] {
        // Named by kid, or found by trying keys: never used.
        assert_both(&v, &key.jwt(alg, &claims()), ErrorKind::UnknownKey);
        let anonymous = key.token_with_header(alg, &json!({"alg": alg}).to_string(), &payload());
        assert_both(&v, &anonymous, ErrorKind::UnknownKey);
    }
    // A set holding only encryption keys has nothing to verify with.
    let err = Verifier::from_json(&jwks(&[jwk_use, jwk_ops, jwk_alg]), Policy::default());
    assert_eq!(err.unwrap_err().kind(), ErrorKind::KeySetInvalid);
}

#[test]
fn ambiguous_kid_is_refused() {
    let a = TestKey::p256(Some("dup"));
    let b = TestKey::p256(Some("dup"));
    let ed = TestKey::ed25519(Some("dup"));
    let token_a = a.jwt("ES256", &claims());
    // Two different keys under one kid: whichever signed, the kid is ambiguous.
    let v = verifier(&[a.public_jwk(), b.public_jwk()], Policy::default());
    assert_both(&v, &token_a, ErrorKind::AmbiguousKey);
    assert_both(&v, &b.jwt("ES256", &claims()), ErrorKind::AmbiguousKey);
    // Different key types under one kid.
    let v = verifier(&[a.public_jwk(), ed.public_jwk()], Policy::default());
    assert_both(&v, &token_a, ErrorKind::AmbiguousKey);
    assert_both(&v, &ed.jwt("EdDSA", &claims()), ErrorKind::AmbiguousKey);
    // A broken entry with the same kid still makes it ambiguous.
    let mut broken = b.public_jwk();
    broken["y"] = broken["x"].clone();
    let v = verifier(&[a.public_jwk(), broken], Policy::default());
    assert_both(&v, &token_a, ErrorKind::AmbiguousKey);
    // The same key listed twice is one key.
    let v = verifier(&[a.public_jwk(), a.public_jwk()], Policy::default());
    assert_accepts(&v, &token_a);
    // Other kids of the set stay usable.
    let other = TestKey::p256(Some("other"));
    let v = verifier(
        &[a.public_jwk(), b.public_jwk(), other.public_jwk()],
        Policy::default(),
    );
    assert_accepts(&v, &other.jwt("ES256", &claims()));
    assert_both(&v, &token_a, ErrorKind::AmbiguousKey);
}

#[test]
fn oct_keys_mixed_with_asymmetric_keys_are_never_used() {
    let secret = [0x5au8; 32];
    let oct = TestKey::oct(&secret, Some("h"));
    let ec = TestKey::p256(Some("e"));
    let both = allowing(&[Algorithm::HS256, Algorithm::ES256]);
    // On its own, with HS256 allowed, the oct key works.
    let alone = verifier(&[oct.public_jwk()], both.clone());
    let hs = oct.jwt("HS256", &claims());
    assert_accepts(&alone, &hs);
    // Next to an asymmetric key, it is dropped: by kid or by trying keys.
    let mixed = verifier(&[oct.public_jwk(), ec.public_jwk()], both);
    assert_accepts(&mixed, &ec.jwt("ES256", &claims()));
    assert_both(&mixed, &hs, ErrorKind::UnknownKey);
    let anonymous = oct.token_with_header("HS256", r#"{"alg":"HS256"}"#, &payload());
    assert_both(&mixed, &anonymous, ErrorKind::UnknownKey);
    // Without HS* in the policy, oct keys are not read at all; HS256 is not allowed.
    let err = Verifier::from_json(&jwks(&[oct.public_jwk()]), Policy::default());
    assert_eq!(err.unwrap_err().kind(), ErrorKind::KeySetInvalid);
    let asym = verifier(&[oct.public_jwk(), ec.public_jwk()], Policy::default());
    assert_both(&asym, &hs, ErrorKind::AlgorithmNotAllowed);
    // HMAC keys shorter than the hash are refused; a 32-byte key cannot do HS384.
    let short = TestKey::oct(&[1u8; 31], Some("short"));
    let err = Verifier::from_json(&jwks(&[short.public_jwk()]), allowing(&[Algorithm::HS256]));
    assert_eq!(err.unwrap_err().kind(), ErrorKind::KeySetInvalid);
    let all_hs = verifier(
        &[oct.public_jwk()],
        allowing(&[Algorithm::HS256, Algorithm::HS384]),
    );
    assert_both(
        &all_hs,
        &oct.jwt("HS384", &claims()),
        ErrorKind::KeyMismatch,
    );
}

/// A `kid` holding a NUL would read, in C, as the part before the NUL (or as no kid at all):
/// refused in a token header, and a key carrying one is skipped.
#[test]
fn kid_holding_nul_is_refused() {
    let key = TestKey::p256(Some("k"));
    let v = verifier(&[key.public_jwk()], Policy::default());
    assert_accepts(&v, &key.jwt("ES256", &claims()));
    for kid in ["k\u{0}", "\u{0}", "\u{0}k", "k\u{0}evil"] {
        let header = json!({"alg": "ES256", "kid": kid}).to_string();
        assert!(header.contains("\\u0000"), "{header}");
        let token = key.token_with_header("ES256", &header, &payload());
        assert_both(&v, &token, ErrorKind::Malformed);
        let e = v.verify_at(token.as_bytes(), NOW).unwrap_err();
        assert!(e.message().contains("NUL"), "{e}");
    }

    // A key whose kid holds a NUL is skipped (with the reason); the others stay usable, and a
    // token without kid is never verified by the skipped key.
    let nul = TestKey::p256(Some("a\u{0}b"));
    let v = verifier(&[nul.public_jwk(), key.public_jwk()], Policy::default());
    let set = v
        .source()
        .keys(&jwkskit::KeyQuery {
            kid: None,
            issuer: None,
        })
        .unwrap();
    let skipped = set.skipped();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].reason.contains("NUL"), "{:?}", skipped[0]);
    assert_accepts(&v, &key.jwt("ES256", &claims()));
    let anonymous = json!({"alg": "ES256"}).to_string();
    let token = nul.token_with_header("ES256", &anonymous, &payload());
    assert_both(&v, &token, ErrorKind::BadSignature);
}
