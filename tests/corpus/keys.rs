//! The corpus's fixed keys: derived from fixed labels, and signing deterministically (Ed25519,
//! and ECDSA with RFC 6979 nonces), so that the generator writes the same tokens every time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::{json, Value};

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 32 bytes derived from a label: the keys are fixed and their origin is plain.
fn secret(label: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, label.as_bytes());
    digest.as_ref().try_into().unwrap()
}

enum Signer {
    Ed(Ed25519KeyPair),
    Es(Box<p256::ecdsa::SigningKey>),
}

/// A signing key and its public JWK.
pub struct Key {
    /// The JWK's `kid`, if it has one.
    pub kid: Option<String>,
    /// The JWA name of its algorithm.
    pub alg: &'static str,
    signer: Signer,
}

impl Key {
    /// An Ed25519 key whose seed is derived from `label`.
    pub fn ed25519(label: &str, kid: &str) -> Key {
        let pair = Ed25519KeyPair::from_seed_unchecked(&secret(label)).unwrap();
        Key {
            kid: Some(kid.into()),
            alg: "EdDSA",
            signer: Signer::Ed(pair),
        }
    }

    /// A P-256 key whose secret scalar is derived from `label`.
    pub fn es256(label: &str, kid: &str) -> Key {
        let key = p256::ecdsa::SigningKey::from_slice(&secret(label)).unwrap();
        Key {
            kid: Some(kid.into()),
            alg: "ES256",
            signer: Signer::Es(Box::new(key)),
        }
    }

    /// The same key without a kid.
    pub fn without_kid(mut self) -> Key {
        self.kid = None;
        self
    }

    /// The public JWK.
    pub fn jwk(&self) -> Value {
        let mut jwk = self.jwk_with_kid();
        if self.kid.is_none() {
            jwk.as_object_mut().unwrap().remove("kid");
        }
        jwk
    }

    fn jwk_with_kid(&self) -> Value {
        match &self.signer {
            Signer::Ed(pair) => json!({
                "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()),
                "kid": self.kid, "alg": self.alg, "use": "sig",
            }),
            Signer::Es(key) => {
                let point = key.verifying_key().to_sec1_point(false);
                // Uncompressed: 0x04, then x and y of 32 bytes each.
                let xy = &point.as_bytes()[1..];
                json!({
                    "kty": "EC", "crv": "P-256", "x": b64(&xy[..32]), "y": b64(&xy[32..]),
                    "kid": self.kid, "alg": self.alg, "use": "sig",
                })
            }
        }
    }

    /// The signature of `input` (for ES256, R || S).
    pub fn sign(&self, input: &[u8]) -> Vec<u8> {
        match &self.signer {
            Signer::Ed(pair) => pair.sign(input).as_ref().to_vec(),
            Signer::Es(key) => {
                let sig: p256::ecdsa::Signature = key.sign(input);
                sig.to_bytes().to_vec()
            }
        }
    }

    /// A compact JWS of `header` and `payload`, both exactly these bytes.
    pub fn token(&self, header: &[u8], payload: &[u8]) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = self.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

/// A JWKS document of `keys`, its members in a fixed order.
pub fn jwks(keys: &[&Key]) -> Vec<u8> {
    let keys: Vec<Value> = keys.iter().map(|k| k.jwk()).collect();
    json!({ "keys": keys }).to_string().into_bytes()
}
