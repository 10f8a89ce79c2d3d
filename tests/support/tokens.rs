//! Ed25519 signing keys for tests, with their public JWKs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

/// An Ed25519 key pair with a `kid`.
pub struct TestKey {
    pub kid: String,
    pair: Ed25519KeyPair,
}

impl TestKey {
    /// A fresh random key.
    pub fn new(kid: &str) -> TestKey {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("generate");
        TestKey {
            kid: kid.to_string(),
            pair: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("parse"),
        }
    }

    /// The public JWK (as a JSON object string).
    pub fn jwk(&self) -> String {
        format!(
            r#"{{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"{}","x":"{}"}}"#,
            self.kid,
            URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref())
        )
    }

    /// A token with this key's `kid` whose claims are `iss` and an `exp` an hour from now.
    pub fn token(&self, iss: &str) -> String {
        self.token_with_kid(&self.kid, iss)
    }

    /// A token signed by this key but naming `kid`.
    pub fn token_with_kid(&self, kid: &str, iss: &str) -> String {
        let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#);
        let exp = jwkskit::unix_now() + 3600;
        let payload = format!(r#"{{"iss":"{iss}","sub":"test","exp":{exp}}}"#);
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let sig = self.pair.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

/// A JWKS document with these keys.
pub fn jwks(keys: &[&TestKey]) -> String {
    let list: Vec<String> = keys.iter().map(|k| k.jwk()).collect();
    format!(r#"{{"keys":[{}]}}"#, list.join(","))
}
