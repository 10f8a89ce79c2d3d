//! ES512 (ECDSA P-521 with SHA-512) signing keys, which ring does not have, with RustCrypto's
//! `p521` (the crate the verifier uses for ES512). The key file form is PKCS#8, as for the
//! other curves; signatures are the fixed-size R||S of 66 bytes each.

use p521::ecdsa::signature::RandomizedSigner;
use p521::ecdsa::{Signature, SigningKey as EcdsaKey};
use p521::elliptic_curve::Generate;
use p521::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ring::rand::SystemRandom;

use super::rng::SystemRng;
use crate::error::{err, Error, ErrorKind};

/// A P-521 private key ready to sign, with its public point.
pub(super) struct P521Key {
    key: EcdsaKey,
}

impl P521Key {
    /// A fresh key as PKCS#8 DER.
    pub fn generate_pkcs8() -> Result<Vec<u8>, Error> {
        let secret = p521::SecretKey::try_generate_from_rng(&mut SystemRng(SystemRandom::new()))
            .map_err(|e| err(ErrorKind::Internal, e.to_string()))?;
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| err(ErrorKind::Internal, format!("PKCS#8 encoding failed: {e}")))?;
        Ok(der.as_bytes().to_vec())
    }

    /// Reads a PKCS#8 P-521 private key; `None` if it is not one.
    pub fn from_pkcs8(der: &[u8]) -> Option<P521Key> {
        let secret = p521::SecretKey::from_pkcs8_der(der).ok()?;
        let key = EcdsaKey::from_bytes(&secret.to_bytes()).ok()?;
        Some(P521Key { key })
    }

    /// The public point's x and y, 66 bytes each.
    pub fn public_coordinates(&self) -> (Vec<u8>, Vec<u8>) {
        let point = p521::ecdsa::VerifyingKey::from(&self.key).to_sec1_point(false);
        let coordinate = |c: Option<&p521::FieldBytes>| c.map(|b| b.to_vec()).unwrap_or_default();
        (coordinate(point.x()), coordinate(point.y()))
    }

    /// The JWS signature: R||S, 132 bytes.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let signature: Signature = self
            .key
            .try_sign_with_rng(&mut SystemRng(SystemRandom::new()), message)
            .map_err(|e| err(ErrorKind::Internal, format!("ES512 signing failed: {e}")))?;
        Ok(signature.to_bytes().to_vec())
    }
}
