//! Inputs the fuzz targets (fuzz/) found, replayed through the public API. Each test names the
//! target that found it and what went wrong before the fix.
//!
//! Tests in `pure` never reach `ring`, so scripts/miri.sh runs them under Miri too.

mod pure {
    use jwkskit::{ErrorKind, Policy};

    const NOW: i64 = 1_300_000_000;

    /// `claims`: a maximum age plus a leeway above `u64::MAX` overflowed (a panic in debug
    /// builds; in release the sum wrapped to a small age and rejected fresh tokens as too old).
    #[test]
    fn max_age_plus_leeway_does_not_overflow() {
        let policy = Policy {
            max_age: Some(u64::MAX - 5),
            leeway: 16,
            require_exp: false,
            ..Policy::default()
        };
        let fresh = format!(r#"{{"iat":{}}}"#, NOW - 10);
        assert_eq!(
            policy
                .check_claims(fresh.as_bytes(), NOW)
                .map_err(|e| e.kind()),
            Ok(())
        );
        let no_iat = policy.check_claims(b"{}", NOW).unwrap_err();
        assert_eq!(no_iat.kind(), ErrorKind::MissingClaim);
    }
}

/// Findings whose replay needs signatures (ring), so Miri cannot run them.
mod signed {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use jwkskit::issuer::SigningKey;
    use jwkskit::{Algorithm, Policy, Verifier};
    use serde_json::{json, Value};

    /// An RS256 signing key from a PEM file of tests/data, with `kid`.
    fn rs256_key(file: &str, kid: &str) -> SigningKey {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        SigningKey::from_pkcs8_pem(&pem, Algorithm::RS256)
            .unwrap()
            .with_kid(kid)
    }

    /// `verify_structured`: an RSA JWK whose `n` carries a leading zero octet. The library reads
    /// it as the same key (issuers that emit a sign byte exist); the target's oracle passed the
    /// non-minimal bytes to ring, which refuses them, and reported the accept as false. The
    /// oracle now normalises too; this pins the library's side: the token verifies, with the
    /// thumbprint of the members as published (RFC 7638 hashes them as given).
    #[test]
    fn rsa_modulus_with_a_leading_zero_is_the_same_key() {
        let key = rs256_key("rsa2048.pem", "padded");
        let mut jwk = key.public_jwk();
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        let padded = [&[0u8][..], &n].concat();
        jwk["n"] = Value::String(URL_SAFE_NO_PAD.encode(padded));
        let set = json!({ "keys": [jwk.clone()] }).to_string();
        let policy = Policy {
            require_exp: false,
            ..Policy::default()
        };
        let verifier = Verifier::from_json(set.as_bytes(), policy).unwrap();
        let token = key.sign(&json!({"sub": "x"})).unwrap();
        let verified = verifier.verify_at(token.as_bytes(), 1_300_000_000).unwrap();
        assert_eq!(
            verified.key_thumbprint(),
            jwkskit::thumbprint(&jwk).unwrap().as_str()
        );
        assert_ne!(
            verified.key_thumbprint(),
            jwkskit::thumbprint(&key.public_jwk()).unwrap().as_str()
        );
        // Another RSA key naming the same kid does not verify against it.
        let other = rs256_key("rsa2048-b.pem", "padded");
        let forged = other.sign(&json!({"sub": "x"})).unwrap();
        let e = verifier
            .verify_at(forged.as_bytes(), 1_300_000_000)
            .unwrap_err();
        assert_eq!(e.kind(), jwkskit::ErrorKind::BadSignature, "{e}");
    }

    /// `verify_structured`: a header member holding a number beyond f64's range (`1e999`).
    /// It is valid JSON grammar, and the library once accepted it in any member it did not
    /// read, while the target's oracle (serde_json's `Value`, the reader of the claim getters)
    /// refused it. Two readers that disagree are the bug: the token's JSON now has one reader,
    /// which refuses such a number wherever it is, in the header and in the claims.
    #[test]
    fn out_of_range_numbers_are_refused_wherever_they_are() {
        use ring::signature::{Ed25519KeyPair, KeyPair};
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        let set = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k","x":"{x}"}}]}}"#);
        let verifier = Verifier::from_json(set.as_bytes(), Policy::default()).unwrap();
        let token = |header: &str, payload: &str| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let sig = pair.sign(input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        };
        let now = 1_300_000_000;
        let ok = token(
            r#"{"alg":"EdDSA","kid":"k","x-big":9.2e18}"#,
            r#"{"exp":1300000100,"x-big":-9.2e18}"#,
        );
        let verified = verifier.verify_at(ok.as_bytes(), now).unwrap();
        assert_eq!(verified.claim("x-big"), Some(&json!(-9.2e18)));
        let big_header = token(
            r#"{"alg":"EdDSA","kid":"k","x-big":1e999}"#,
            r#"{"exp":1300000100}"#,
        );
        let e = verifier.verify_at(big_header.as_bytes(), now).unwrap_err();
        assert_eq!(e.kind(), jwkskit::ErrorKind::Malformed, "{e}");
        // Nor any number of magnitude 2^63 or more but an integer up to 2^64-1 (readers of
        // JSON disagree beyond the 64-bit range: src/json.rs, "Numbers").
        let big_header = token(
            r#"{"alg":"EdDSA","kid":"k","x-big":1e300}"#,
            r#"{"exp":1300000100}"#,
        );
        let e = verifier.verify_at(big_header.as_bytes(), now).unwrap_err();
        assert_eq!(e.kind(), jwkskit::ErrorKind::Malformed, "{e}");
        for payload in [
            r#"{"exp":1300000100,"x-big":-1e300}"#,
            r#"{"exp":1300000100,"x-big":18446744073709551616}"#,
            r#"{"exp":1300000100,"x-big":-1e999}"#,
            r#"{"exp":1300000100,"x":[{"y":1e999}]}"#,
            r#"{"exp":1e999}"#,
        ] {
            let t = token(r#"{"alg":"EdDSA","kid":"k"}"#, payload);
            let e = verifier.verify_at(t.as_bytes(), now).unwrap_err();
            assert_eq!(e.kind(), jwkskit::ErrorKind::InvalidClaim, "{payload}: {e}");
        }
    }
}
