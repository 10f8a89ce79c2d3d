//! Compact JWS signing (RFC 7515 §7.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use ring::rand::SystemRandom;
use serde_json::{Map, Value};

use super::keys::{KeyPair, SigningKey};
use crate::alg::Algorithm;
use crate::error::{err, Error, ErrorKind};

fn rsa_encoding(alg: Algorithm) -> Option<&'static dyn ring::signature::RsaEncoding> {
    use ring::signature::*;
    Some(match alg {
        Algorithm::RS256 => &RSA_PKCS1_SHA256,
        Algorithm::RS384 => &RSA_PKCS1_SHA384,
        Algorithm::RS512 => &RSA_PKCS1_SHA512,
        Algorithm::PS256 => &RSA_PSS_SHA256,
        Algorithm::PS384 => &RSA_PSS_SHA384,
        Algorithm::PS512 => &RSA_PSS_SHA512,
        _ => return None,
    })
}

impl SigningKey {
    /// Signs a JWT: header `{"alg", "kid", "typ": "JWT"}`, payload the claims as JSON.
    pub fn sign(&self, claims: &Value) -> Result<String, Error> {
        if !claims.is_object() {
            return Err(err(
                ErrorKind::InvalidArgument,
                "JWT claims must be a JSON object",
            ));
        }
        let mut header = Map::new();
        header.insert("typ".into(), "JWT".into());
        let payload = serde_json::to_vec(claims)
            .map_err(|e| err(ErrorKind::InvalidArgument, format!("claims: {e}")))?;
        self.sign_with_header(&header, &payload)
    }

    /// Signs any payload as a compact JWS. The header is `{"alg", "kid"}` with the members of
    /// `extra_header` merged in: `alg` always comes from the key (an extra `alg` that differs is
    /// an error); an extra `kid` replaces the key's, and `"kid": null` leaves `kid` out. No
    /// `typ` is added here.
    pub fn sign_with_header(
        &self,
        extra_header: &Map<String, Value>,
        payload: &[u8],
    ) -> Result<String, Error> {
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.name().into());
        header.insert("kid".into(), Value::String(self.kid.clone()));
        for (name, value) in extra_header {
            match (name.as_str(), value) {
                ("alg", v) if v.as_str() != Some(self.alg.name()) => {
                    return Err(err(
                        ErrorKind::InvalidArgument,
                        format!("the header alg {v} differs from the key's {}", self.alg),
                    ))
                }
                ("kid", Value::Null) => {
                    header.remove("kid");
                }
                _ => {
                    header.insert(name.clone(), value.clone());
                }
            }
        }
        let header_json = serde_json::to_vec(&Value::Object(header))
            .map_err(|e| err(ErrorKind::Internal, format!("header: {e}")))?;
        let mut token = URL_SAFE_NO_PAD.encode(header_json);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let signature = self.sign_bytes(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The raw JWS signature over `signing_input` (R||S for ECDSA).
    fn sign_bytes(&self, signing_input: &[u8]) -> Result<Vec<u8>, Error> {
        let failed = |_| err(ErrorKind::Internal, format!("{} signing failed", self.alg));
        let rng = SystemRandom::new();
        match &self.pair {
            KeyPair::Rsa(pair) => {
                let encoding = rsa_encoding(self.alg)
                    .ok_or_else(|| err(ErrorKind::Internal, "RSA key without an RSA alg"))?;
                let mut sig = vec![0u8; pair.public().modulus_len()];
                pair.sign(encoding, &rng, signing_input, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            KeyPair::Ecdsa(pair) => Ok(pair
                .sign(&rng, signing_input)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
            KeyPair::EcdsaP521(pair) => pair.sign(signing_input),
            KeyPair::Ed25519(pair) => Ok(pair.sign(signing_input).as_ref().to_vec()),
            KeyPair::Hmac(key) => Ok(hmac::sign(key, signing_input).as_ref().to_vec()),
        }
    }
}
