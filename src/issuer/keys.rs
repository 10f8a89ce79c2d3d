//! Private signing keys: generation with `ring`, PKCS#8 import and export, the public JWK.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents,
};
use ring::{error::KeyRejected, hmac};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use serde_json::{Map, Value};

use super::der::{pem_encode, pkcs8_from_pkcs1_rsa};
use super::p521_key::P521Key;
use crate::alg::{Algorithm, KeyFamily};
use crate::error::{err, Error, ErrorKind};
use crate::jwk::{MAX_RSA_BITS, MIN_RSA_BITS};

/// A private key that signs tokens with one algorithm, under one `kid`.
///
/// `Send + Sync`: one key may sign from many threads at once. The secret never appears in
/// `Debug` output.
pub struct SigningKey {
    pub(super) alg: Algorithm,
    pub(super) kid: String,
    pub(super) pair: KeyPair,
    /// The PKCS#8 document the key came from or was generated as (`None` for HMAC).
    pkcs8: Option<Vec<u8>>,
    /// The key members of the JWK (`kty`, `crv`, `x`, `y` / `n`, `e` / `k`).
    key_members: Map<String, Value>,
}

/// The `ring` object that does the signing.
pub(super) enum KeyPair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    /// ES512, which ring lacks.
    EcdsaP521(Box<P521Key>),
    Ed25519(Ed25519KeyPair),
    Hmac(hmac::Key),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn b64(bytes: &[u8]) -> Value {
    Value::String(URL_SAFE_NO_PAD.encode(bytes))
}

fn invalid(message: impl Into<String>) -> Error {
    err(ErrorKind::InvalidArgument, message)
}

fn rejected(alg: Algorithm, e: KeyRejected) -> Error {
    invalid(format!("the key cannot be used for {alg}: {e}"))
}

fn ecdsa_signing(alg: Algorithm) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

/// What kind of key a PKCS#8 document holds, found by asking `ring` to load it each way.
pub(super) fn pkcs8_family(der: &[u8]) -> Option<KeyFamily> {
    let rng = SystemRandom::new();
    if Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).is_ok() {
        Some(KeyFamily::Ed25519)
    } else if EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
        .is_ok()
    {
        Some(KeyFamily::EcP256)
    } else if EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng)
        .is_ok()
    {
        Some(KeyFamily::EcP384)
    } else if P521Key::from_pkcs8(der).is_some() {
        Some(KeyFamily::EcP521)
    } else if RsaKeyPair::from_pkcs8(der).is_ok() {
        Some(KeyFamily::Rsa)
    } else {
        None
    }
}

/// The PKCS#8 DER of the first private key in a PEM input (PKCS#1 RSA keys are wrapped).
pub(super) fn pem_to_pkcs8(pem: &[u8]) -> Result<Vec<u8>, Error> {
    let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => invalid(
            "no unencrypted private key found in the PEM input (expected \
             \"-----BEGIN PRIVATE KEY-----\"; decrypt an encrypted key first with \
             `openssl pkcs8 -topk8 -nocrypt`)",
        ),
        other => invalid(format!("the PEM input is malformed: {other:?}")),
    })?;
    match der {
        PrivateKeyDer::Pkcs8(k) => Ok(k.secret_pkcs8_der().to_vec()),
        PrivateKeyDer::Pkcs1(k) => Ok(pkcs8_from_pkcs1_rsa(k.secret_pkcs1_der())),
        PrivateKeyDer::Sec1(_) => Err(invalid(
            "SEC1 \"EC PRIVATE KEY\" files are not supported; convert with \
             `openssl pkcs8 -topk8 -nocrypt -in KEY.pem`",
        )),
        _ => Err(invalid("unsupported private key format")),
    }
}

pub(super) fn family_name(family: KeyFamily) -> &'static str {
    match family {
        KeyFamily::Rsa => "an RSA key",
        KeyFamily::EcP256 => "an EC P-256 key",
        KeyFamily::EcP384 => "an EC P-384 key",
        KeyFamily::EcP521 => "an EC P-521 key",
        KeyFamily::Ed25519 => "an Ed25519 key",
        KeyFamily::Oct => "an HMAC secret",
    }
}

fn bit_len(be: &[u8]) -> usize {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    match be.get(first) {
        None => 0,
        Some(&top) => (be.len() - first) * 8 - top.leading_zeros() as usize,
    }
}

impl SigningKey {
    /// Generates a fresh key: ES256, ES384 and EdDSA with `ring`; HS256/384/512 as a random
    /// secret as long as the hash output. RS*/PS*: a 3072-bit key with the `rsa-keygen` feature
    /// (see `SigningKey::generate_rsa`); without it [`ErrorKind::InvalidArgument`] (`ring` has
    /// no RSA key generation): load one with [`SigningKey::from_pkcs8_pem`].
    pub fn generate(alg: Algorithm) -> Result<SigningKey, Error> {
        let rng = SystemRandom::new();
        let fail = |_| err(ErrorKind::Internal, "the system random generator failed");
        match alg.family() {
            KeyFamily::EcP256 | KeyFamily::EcP384 => {
                let signing = ecdsa_signing(alg).ok_or_else(|| invalid("not an ECDSA alg"))?;
                let doc = EcdsaKeyPair::generate_pkcs8(signing, &rng).map_err(fail)?;
                SigningKey::from_pkcs8_der(doc.as_ref(), alg)
            }
            KeyFamily::Ed25519 => {
                let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(fail)?;
                SigningKey::from_pkcs8_der(doc.as_ref(), alg)
            }
            KeyFamily::Oct => {
                let len = alg.min_hmac_key_len().unwrap_or(64);
                let mut secret = vec![0u8; len];
                rng.fill(&mut secret).map_err(fail)?;
                SigningKey::from_hmac_secret(&secret, alg)
            }
            KeyFamily::EcP521 => SigningKey::from_pkcs8_der(&P521Key::generate_pkcs8()?, alg),
            #[cfg(feature = "rsa-keygen")]
            KeyFamily::Rsa => SigningKey::generate_rsa(alg, 3072),
            #[cfg(not(feature = "rsa-keygen"))]
            KeyFamily::Rsa => Err(invalid(format!(
                "{alg} keys cannot be generated here (ring has no RSA key generation); create one \
                 with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` and load it"
            ))),
        }
    }

    /// Loads a private key from PEM: `PRIVATE KEY` (PKCS#8: RSA, EC P-256/P-384, Ed25519) or
    /// `RSA PRIVATE KEY` (PKCS#1). Text around the PEM section is ignored. Encrypted keys and
    /// `EC PRIVATE KEY` (SEC1) are refused with a hint to convert them to PKCS#8.
    pub fn from_pkcs8_pem(pem: &[u8], alg: Algorithm) -> Result<SigningKey, Error> {
        SigningKey::from_pkcs8_der(&pem_to_pkcs8(pem)?, alg)
    }

    /// Loads a private key from PKCS#8 DER (RSA for RS*/PS*, at least 2048 bits; EC P-256 for
    /// ES256; EC P-384 for ES384; Ed25519 for EdDSA).
    pub fn from_pkcs8_der(der: &[u8], alg: Algorithm) -> Result<SigningKey, Error> {
        let rng = SystemRandom::new();
        let wrong_type = |e: KeyRejected| match pkcs8_family(der) {
            Some(family) if family != alg.family() => invalid(format!(
                "the key is {}, which cannot sign {alg}",
                family_name(family)
            )),
            _ => rejected(alg, e),
        };
        let mut members = Map::new();
        let pair = match alg.family() {
            KeyFamily::Rsa => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(wrong_type)?;
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                let bits = bit_len(&public.n);
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(invalid(format!(
                        "the RSA key is {bits} bits; {MIN_RSA_BITS} to {MAX_RSA_BITS} required"
                    )));
                }
                members.insert("kty".into(), "RSA".into());
                members.insert("n".into(), b64(&public.n));
                members.insert("e".into(), b64(&public.e));
                KeyPair::Rsa(pair)
            }
            KeyFamily::EcP256 | KeyFamily::EcP384 => {
                let signing = ecdsa_signing(alg).ok_or_else(|| invalid("not an ECDSA alg"))?;
                let pair = EcdsaKeyPair::from_pkcs8(signing, der, &rng).map_err(wrong_type)?;
                // Uncompressed point: 0x04 || X || Y, coordinates of equal length.
                let point = pair.public_key().as_ref();
                let coord = (point.len() - 1) / 2;
                let crv = if alg == Algorithm::ES256 {
                    "P-256"
                } else {
                    "P-384"
                };
                members.insert("kty".into(), "EC".into());
                members.insert("crv".into(), crv.into());
                members.insert("x".into(), b64(&point[1..1 + coord]));
                members.insert("y".into(), b64(&point[1 + coord..]));
                KeyPair::Ecdsa(pair)
            }
            KeyFamily::Ed25519 => {
                // Accept PKCS#8 v1 too (what OpenSSL writes); v2 public keys are checked.
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(wrong_type)?;
                members.insert("kty".into(), "OKP".into());
                members.insert("crv".into(), "Ed25519".into());
                members.insert("x".into(), b64(pair.public_key().as_ref()));
                KeyPair::Ed25519(pair)
            }
            KeyFamily::EcP521 => {
                let Some(pair) = P521Key::from_pkcs8(der) else {
                    return Err(match pkcs8_family(der) {
                        Some(family) => invalid(format!(
                            "the key is {}, which cannot sign {alg}",
                            family_name(family)
                        )),
                        None => invalid(format!("the key cannot be used for {alg}")),
                    });
                };
                let (x, y) = pair.public_coordinates();
                members.insert("kty".into(), "EC".into());
                members.insert("crv".into(), "P-521".into());
                members.insert("x".into(), b64(&x));
                members.insert("y".into(), b64(&y));
                KeyPair::EcdsaP521(Box::new(pair))
            }
            KeyFamily::Oct => {
                return Err(invalid(
                    "HMAC secrets have no PKCS#8 form; use SigningKey::from_hmac_secret",
                ))
            }
        };
        Ok(SigningKey::assemble(alg, pair, Some(der.to_vec()), members))
    }

    /// An HMAC key (HS256/384/512) from a secret at least as long as the hash output.
    pub fn from_hmac_secret(secret: &[u8], alg: Algorithm) -> Result<SigningKey, Error> {
        let (Some(algorithm), Some(min)) = (hmac_algorithm(alg), alg.min_hmac_key_len()) else {
            return Err(invalid(format!("{alg} is not an HMAC algorithm")));
        };
        if secret.len() < min {
            return Err(invalid(format!(
                "the {alg} secret is {} bytes; at least {min} required",
                secret.len()
            )));
        }
        let mut members = Map::new();
        members.insert("kty".into(), "oct".into());
        members.insert("k".into(), b64(secret));
        let pair = KeyPair::Hmac(hmac::Key::new(algorithm, secret));
        Ok(SigningKey::assemble(alg, pair, None, members))
    }

    fn assemble(
        alg: Algorithm,
        pair: KeyPair,
        pkcs8: Option<Vec<u8>>,
        key_members: Map<String, Value>,
    ) -> SigningKey {
        let kid = crate::jwk::thumbprint(&Value::Object(key_members.clone())).unwrap_or_default();
        SigningKey {
            alg,
            kid,
            pair,
            pkcs8,
            key_members,
        }
    }

    /// The same key under another `kid` (the default is the RFC 7638 thumbprint).
    pub fn with_kid(mut self, kid: impl Into<String>) -> SigningKey {
        self.kid = kid.into();
        self
    }

    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Whether this is an HMAC secret (whose "public" JWK is the secret itself).
    pub fn is_hmac(&self) -> bool {
        self.alg.is_hmac()
    }

    /// The RFC 7638 thumbprint of the key (independent of `kid`).
    pub fn thumbprint(&self) -> String {
        crate::jwk::thumbprint(&Value::Object(self.key_members.clone())).unwrap_or_default()
    }

    /// The JWK that verifies this key's signatures: `kty` and the key members (`crv`/`x`/`y`,
    /// `n`/`e`), plus `kid`, `alg` and `"use": "sig"`.
    ///
    /// **For HMAC keys this is the secret** (`kty: oct` with `k`): it verifies because it is
    /// the key. Never publish it; `JwksServer` (feature `serve`) leaves HMAC keys out.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.key_members.clone();
        jwk.insert("kid".into(), Value::String(self.kid.clone()));
        jwk.insert("alg".into(), self.alg.name().into());
        jwk.insert("use".into(), "sig".into());
        Value::Object(jwk)
    }

    /// The PKCS#8 private key as PEM (`-----BEGIN PRIVATE KEY-----`), or `None` for HMAC keys
    /// (export those with [`SigningKey::public_jwk`], which holds the secret).
    pub fn to_pkcs8_pem(&self) -> Option<String> {
        self.pkcs8
            .as_deref()
            .map(|der| pem_encode("PRIVATE KEY", der))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SigningKey>();
    }

    #[test]
    fn bit_len_counts_from_the_top_bit() {
        assert_eq!(bit_len(&[0, 0x01, 0xff]), 9);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[]), 0);
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = SigningKey::generate(Algorithm::HS256).unwrap();
        let k = key.public_jwk()["k"].as_str().unwrap().to_owned();
        assert!(!format!("{key:?}").contains(&k));
    }
}
