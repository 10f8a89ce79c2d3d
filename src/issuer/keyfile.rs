//! The key file format of the `jwks` tool: a private key with its `kid` and `alg`.
//!
//! Asymmetric keys are PKCS#8 PEM preceded by attribute lines, which PEM readers (OpenSSL,
//! rustls) skip as explanatory text (RFC 7468 §5.2):
//!
//! ```text
//! kid: "2024-06-signing"
//! alg: ES256
//! -----BEGIN PRIVATE KEY-----
//! ...
//! -----END PRIVATE KEY-----
//! ```
//!
//! HMAC secrets are a JSON JWK: `{"kty":"oct","k":"...","kid":"...","alg":"HS256"}`.
//! A plain PKCS#8 or PKCS#1 PEM file without attributes is read too: its `alg` is inferred
//! from the key (RSA: RS256, P-256: ES256, P-384: ES384, Ed25519: EdDSA) and its `kid` is
//! the thumbprint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use super::keys::{pem_to_pkcs8, pkcs8_family, SigningKey};
use crate::alg::{Algorithm, KeyFamily};
use crate::error::{err, Error, ErrorKind};

/// Key files larger than this are refused before parsing.
const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

fn invalid(message: impl Into<String>) -> Error {
    err(ErrorKind::InvalidArgument, message)
}

fn parse_alg(name: &str) -> Result<Algorithm, Error> {
    Algorithm::from_name(name).ok_or_else(|| {
        invalid(format!(
            "alg {name:?} is not a supported signature algorithm"
        ))
    })
}

fn default_alg(family: KeyFamily) -> Algorithm {
    match family {
        KeyFamily::Rsa => Algorithm::RS256,
        KeyFamily::EcP256 => Algorithm::ES256,
        KeyFamily::EcP384 => Algorithm::ES384,
        KeyFamily::EcP521 => Algorithm::ES512,
        KeyFamily::Ed25519 => Algorithm::EdDSA,
        KeyFamily::Oct => Algorithm::HS256,
    }
}

/// `kid` and `alg` attribute lines before the first PEM section.
fn pem_attributes(text: &str) -> Result<(Option<String>, Option<Algorithm>), Error> {
    let mut kid = None;
    let mut alg = None;
    for line in text.lines() {
        if line.starts_with("-----BEGIN ") {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim() {
            "kid" if value.starts_with('"') => {
                let parsed: String = serde_json::from_str(value)
                    .map_err(|_| invalid(format!("the kid attribute {value} is not valid JSON")))?;
                kid = Some(parsed);
            }
            "kid" => kid = Some(value.to_owned()),
            "alg" => alg = Some(parse_alg(value)?),
            _ => {}
        }
    }
    Ok((kid, alg))
}

impl SigningKey {
    /// Reads a key file (see the module docs). `alg` overrides the file's own algorithm (for
    /// example PS256 for an RSA key written as RS256).
    pub fn from_key_file(bytes: &[u8], alg: Option<Algorithm>) -> Result<SigningKey, Error> {
        if bytes.len() > MAX_KEY_FILE_BYTES {
            return Err(invalid(format!(
                "the key file is {} bytes; at most {MAX_KEY_FILE_BYTES} accepted",
                bytes.len()
            )));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| invalid("the key file is not UTF-8 text (PEM or JSON expected)"))?;
        if text.trim_start().starts_with('{') {
            return from_secret_jwk(text, alg);
        }
        let (kid, file_alg) = pem_attributes(text)?;
        let der = pem_to_pkcs8(bytes)?;
        let alg = match alg.or(file_alg) {
            Some(a) => a,
            None => default_alg(pkcs8_family(&der).ok_or_else(|| {
                invalid("the key is not an RSA, EC P-256, EC P-384 or Ed25519 private key")
            })?),
        };
        let key = SigningKey::from_pkcs8_der(&der, alg)?;
        Ok(match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    }

    /// The key file text for this key (see the module docs). It holds the private key.
    pub fn to_key_file(&self) -> String {
        match self.to_pkcs8_pem() {
            Some(pem) => format!(
                "kid: {}\nalg: {}\n{pem}",
                Value::String(self.kid().to_owned()),
                self.alg()
            ),
            None => format!("{}\n", self.public_jwk()),
        }
    }
}

fn from_secret_jwk(text: &str, alg: Option<Algorithm>) -> Result<SigningKey, Error> {
    let jwk: Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("the key file is not valid JSON: {e}")))?;
    let obj = jwk
        .as_object()
        .ok_or_else(|| invalid("the key file is not a JSON object"))?;
    let kty = obj.get("kty").and_then(Value::as_str).unwrap_or("");
    if kty != "oct" {
        let what = if obj.contains_key("d") {
            "a private JWK; only HMAC secrets are read as JWK, give asymmetric keys as PKCS#8 PEM"
        } else if obj.contains_key("keys") {
            "a JWKS (public keys); a private key is needed to sign"
        } else {
            "a public JWK; a private key is needed to sign"
        };
        return Err(invalid(format!("the key file is {what}")));
    }
    let k = obj
        .get("k")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the HMAC JWK has no string \"k\""))?;
    let secret = URL_SAFE_NO_PAD
        .decode(k)
        .map_err(|_| invalid("the HMAC JWK's \"k\" is not strict base64url"))?;
    let alg = match (alg, obj.get("alg").and_then(Value::as_str)) {
        (Some(a), _) => a,
        (None, Some(name)) => parse_alg(name)?,
        (None, None) => Algorithm::HS256,
    };
    let key = SigningKey::from_hmac_secret(&secret, alg)?;
    Ok(match obj.get("kid").and_then(Value::as_str) {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_generated_kind() {
        for alg in [
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::ES512,
            Algorithm::EdDSA,
            Algorithm::HS384,
        ] {
            let key = SigningKey::generate(alg)
                .unwrap()
                .with_kid("a \"quoted\" kid");
            let back = SigningKey::from_key_file(key.to_key_file().as_bytes(), None).unwrap();
            assert_eq!(back.alg(), alg);
            assert_eq!(back.kid(), key.kid());
            assert_eq!(back.public_jwk(), key.public_jwk());
        }
    }

    #[test]
    fn plain_pem_infers_alg_and_kid() {
        let key = SigningKey::generate(Algorithm::ES384).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let back = SigningKey::from_key_file(pem.as_bytes(), None).unwrap();
        assert_eq!(back.alg(), Algorithm::ES384);
        assert_eq!(back.kid(), back.thumbprint());
    }

    #[test]
    fn public_keys_are_refused_with_a_reason() {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let e =
            SigningKey::from_key_file(key.public_jwk().to_string().as_bytes(), None).unwrap_err();
        assert!(e.message().contains("public JWK"), "{e}");
        let e = SigningKey::from_key_file(b"alg: RS999\n", None).unwrap_err();
        assert!(e.message().contains("RS999"), "{e}");
    }
}
