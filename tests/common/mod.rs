//! Helpers shared by the integration tests: encoding, and signing keys built with `ring` directly
//! (so the tests never depend on the library to produce the tokens they check).

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{json, Value};

/// The repository root (where Cargo.toml is).
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// base64url without padding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; panics on bad input (test data only).
pub fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_else(|e| panic!("bad base64url {s:?}: {e}"))
}

/// Decodes lower- or upper-case hex; panics on bad input (test data only).
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|_| panic!("bad hex {s:?}")))
        .collect()
}

/// `header.payload.signature` from raw parts.
pub fn compact(header_json: &str, payload: &[u8], sig: &[u8]) -> String {
    format!("{}.{}.{}", b64(header_json), b64(payload), b64(sig))
}

/// A JWKS document holding `keys`.
pub fn jwks(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

/// The body of a PEM file, decoded.
pub fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    STANDARD.decode(body).expect("PEM body is base64")
}

/// HMAC of `msg` under `secret` for HS256/HS384/HS512.
pub fn hmac_sign(alg: &str, secret: &[u8], msg: &[u8]) -> Vec<u8> {
    let a = match alg {
        "HS256" => hmac::HMAC_SHA256,
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        other => panic!("not an HMAC alg: {other}"),
    };
    hmac::sign(&hmac::Key::new(a, secret), msg)
        .as_ref()
        .to_vec()
}

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// SubjectPublicKeyInfo DER from an AlgorithmIdentifier (DER) and the public key bytes.
fn spki(algorithm_identifier: &[u8], public_key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(public_key);
    let mut body = algorithm_identifier.to_vec();
    body.extend(der(0x03, &bits));
    der(0x30, &body)
}

/// The private half of a test key.
pub enum Private {
    /// ECDSA; the PKCS#8 document is kept to re-load the key with the DER (ASN.1) signer.
    Ec {
        pair: EcdsaKeyPair,
        pkcs8: Vec<u8>,
        p384: bool,
    },
    /// Ed25519.
    Ed(Ed25519KeyPair),
    /// RSA (loaded from a PKCS#8 PEM file).
    Rsa(RsaKeyPair),
    /// An HMAC secret.
    Oct(Vec<u8>),
}

/// A signing key with an optional `kid`, able to produce its public JWK and signed tokens.
pub struct TestKey {
    pub private: Private,
    pub kid: Option<String>,
}

impl TestKey {
    fn ec(kid: Option<&str>, p384: bool) -> TestKey {
        let rng = SystemRandom::new();
        let alg = if p384 {
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING
        } else {
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING
        };
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        TestKey {
            private: Private::Ec {
                pair,
                pkcs8: pkcs8.as_ref().to_vec(),
                p384,
            },
            kid: kid.map(str::to_owned),
        }
    }

    /// A fresh P-256 key.
    pub fn p256(kid: Option<&str>) -> TestKey {
        Self::ec(kid, false)
    }

    /// A fresh P-384 key.
    pub fn p384(kid: Option<&str>) -> TestKey {
        Self::ec(kid, true)
    }

    /// A fresh Ed25519 key.
    pub fn ed25519(kid: Option<&str>) -> TestKey {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        TestKey {
            private: Private::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()),
            kid: kid.map(str::to_owned),
        }
    }

    /// An RSA key from `tests/data/<file>` (PKCS#8 PEM).
    pub fn rsa(file: &str, kid: Option<&str>) -> TestKey {
        let path = format!("{ROOT}/tests/data/{file}");
        let pem = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let pair = RsaKeyPair::from_pkcs8(&pem_body(&pem)).expect("RSA PKCS#8 key");
        TestKey {
            private: Private::Rsa(pair),
            kid: kid.map(str::to_owned),
        }
    }

    /// An HMAC secret.
    pub fn oct(secret: &[u8], kid: Option<&str>) -> TestKey {
        TestKey {
            private: Private::Oct(secret.to_vec()),
            kid: kid.map(str::to_owned),
        }
    }

    /// The public JWK (for `oct`, the secret itself), with `kid` when the key has one.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = match &self.private {
            Private::Ec { pair, p384, .. } => {
                let point = pair.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                json!({
                    "kty": "EC",
                    "crv": if *p384 { "P-384" } else { "P-256" },
                    "x": b64(&point[1..1 + size]),
                    "y": b64(&point[1 + size..]),
                })
            }
            Private::Ed(pair) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": b64(pair.public_key().as_ref()),
            }),
            Private::Rsa(pair) => {
                let c: signature::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
                json!({"kty": "RSA", "n": b64(&c.n), "e": b64(&c.e)})
            }
            Private::Oct(k) => json!({"kty": "oct", "k": b64(k)}),
        };
        if let Some(kid) = &self.kid {
            jwk["kid"] = json!(kid);
        }
        jwk
    }

    /// The public key as SubjectPublicKeyInfo DER (asymmetric keys only).
    pub fn spki_der(&self) -> Vec<u8> {
        match &self.private {
            Private::Ec { pair, p384, .. } => {
                let curve_oid: &[u8] = if *p384 {
                    &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
                } else {
                    &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
                };
                let mut alg = vec![0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
                alg.extend_from_slice(curve_oid);
                spki(&der(0x30, &alg), pair.public_key().as_ref())
            }
            Private::Ed(pair) => spki(
                &der(0x30, &[0x06, 0x03, 0x2b, 0x65, 0x70]),
                pair.public_key().as_ref(),
            ),
            Private::Rsa(pair) => {
                let alg = [
                    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
                ];
                // ring's RSA public key bytes are the PKCS#1 RSAPublicKey DER.
                spki(&der(0x30, &alg), pair.public().as_ref())
            }
            Private::Oct(_) => panic!("an oct key has no SPKI"),
        }
    }

    /// The public key as a PEM `PUBLIC KEY` block (64-character lines, trailing newline).
    pub fn spki_pem(&self) -> String {
        let body = STANDARD.encode(self.spki_der());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// Signs `msg` with `alg` (which must suit the key).
    pub fn sign(&self, alg: &str, msg: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.private {
            Private::Ec { pair, .. } => {
                assert!(alg == "ES256" || alg == "ES384", "{alg} with an EC key");
                pair.sign(&rng, msg).unwrap().as_ref().to_vec()
            }
            Private::Ed(pair) => {
                assert_eq!(alg, "EdDSA");
                pair.sign(msg).as_ref().to_vec()
            }
            Private::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    "RS256" => &signature::RSA_PKCS1_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "PS384" => &signature::RSA_PSS_SHA384,
                    "PS512" => &signature::RSA_PSS_SHA512,
                    other => panic!("{other} with an RSA key"),
                };
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, msg, &mut sig).unwrap();
                sig
            }
            Private::Oct(k) => hmac_sign(alg, k, msg),
        }
    }

    /// An ECDSA signature in DER (ASN.1) form, which JWS forbids.
    pub fn sign_ecdsa_der(&self, msg: &[u8]) -> Vec<u8> {
        let Private::Ec { pkcs8, p384, .. } = &self.private else {
            panic!("not an EC key");
        };
        let alg = if *p384 {
            &signature::ECDSA_P384_SHA384_ASN1_SIGNING
        } else {
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING
        };
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).unwrap();
        pair.sign(&rng, msg).unwrap().as_ref().to_vec()
    }

    /// A compact JWS with the given header (any JSON text) and payload, signed with `alg`.
    pub fn token_with_header(&self, alg: &str, header_json: &str, payload: &[u8]) -> String {
        let input = format!("{}.{}", b64(header_json), b64(payload));
        let sig = self.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(sig))
    }

    /// The standard header for this key: `alg`, and `kid` when the key has one.
    pub fn header(&self, alg: &str) -> Value {
        let mut h = json!({ "alg": alg });
        if let Some(kid) = &self.kid {
            h["kid"] = json!(kid);
        }
        h
    }

    /// A signed JWT with the standard header and `claims` as payload.
    pub fn jwt(&self, alg: &str, claims: &Value) -> String {
        self.token_with_header(
            alg,
            &self.header(alg).to_string(),
            claims.to_string().as_bytes(),
        )
    }
}
