//! The signature algorithms we verify, which key fits which, and the `ring` call for each.

use std::ffi::CStr;

use ring::{hmac, signature};

use crate::error::c_text;

/// Declares [`Algorithm`] from one list: each variant is named by its registered JWA name
/// (`RS256`, `EdDSA`...), which [`Algorithm::name`] and the NUL-terminated
/// [`Algorithm::c_name`] return; the bindings' tables are generated from the same list.
macro_rules! algorithms {
    ($($(#[doc = $doc:literal])* $variant:ident,)*) => {
        /// A JWS signature algorithm (RFC 7518 §3, RFC 8037 §3.1).
        ///
        /// `none` is deliberately absent: it can never be named, so it can never be accepted.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Algorithm {
            $($(#[doc = $doc])* $variant,)*
        }

        const COUNT: usize = [$(Algorithm::$variant),*].len();

        impl Algorithm {
            /// Every supported algorithm.
            pub const ALL: [Algorithm; COUNT] = [$(Algorithm::$variant),*];

            /// The registered name, e.g. `"RS256"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Algorithm::$variant => stringify!($variant),)*
                }
            }

            /// [`Algorithm::name`], NUL-terminated (for the C ABI).
            pub fn c_name(self) -> &'static CStr {
                match self {
                    $(Algorithm::$variant => {
                        const { c_text(concat!(stringify!($variant), "\0")) }
                    })*
                }
            }

            /// The documentation of the variant (its `///` lines, one per line).
            pub fn doc(self) -> &'static str {
                match self {
                    $(Algorithm::$variant => concat!($($doc, "\n"),*),)*
                }
            }
        }
    };
}

algorithms! {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, salt length 48.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, salt length 64.
    PS512,
    /// ECDSA on P-256 with SHA-256, signature R||S (64 bytes).
    ES256,
    /// ECDSA on P-384 with SHA-384, signature R||S (96 bytes).
    ES384,
    /// ECDSA on P-521 with SHA-512, signature R||S (132 bytes).
    ES512,
    /// EdDSA with Ed25519.
    EdDSA,
    /// HMAC with SHA-256 (only when allowed by policy and backed by an `oct` key).
    HS256,
    /// HMAC with SHA-384 (only when allowed by policy and backed by an `oct` key).
    HS384,
    /// HMAC with SHA-512 (only when allowed by policy and backed by an `oct` key).
    HS512,
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// `kty: RSA`.
    Rsa,
    /// `kty: EC`, `crv: P-256`.
    EcP256,
    /// `kty: EC`, `crv: P-384`.
    EcP384,
    /// `kty: EC`, `crv: P-521`.
    EcP521,
    /// `kty: OKP`, `crv: Ed25519`.
    Ed25519,
    /// `kty: oct` (HMAC secret).
    Oct,
}

impl Algorithm {
    /// The asymmetric algorithms, allowed by default when a policy names none.
    pub const ASYMMETRIC: [Algorithm; 10] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// Parses a registered `alg` name, exactly (case-sensitive, as RFC 7515 requires).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Self::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The key family this algorithm needs.
    pub fn family(self) -> KeyFamily {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyFamily::Rsa,
            Algorithm::ES256 => KeyFamily::EcP256,
            Algorithm::ES384 => KeyFamily::EcP384,
            Algorithm::ES512 => KeyFamily::EcP521,
            Algorithm::EdDSA => KeyFamily::Ed25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyFamily::Oct,
        }
    }

    /// True for the HMAC algorithms.
    pub fn is_hmac(self) -> bool {
        self.family() == KeyFamily::Oct
    }

    /// The exact signature length for fixed-size algorithms (ECDSA, EdDSA, HMAC).
    pub fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Algorithm::ES256 => Some(64),
            Algorithm::ES384 => Some(96),
            Algorithm::ES512 => Some(132),
            Algorithm::EdDSA => Some(64),
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    /// The minimum HMAC secret length for HS* (RFC 7518 §3.2: at least the hash output size).
    pub fn min_hmac_key_len(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    pub(crate) fn rsa_params(self) -> Option<&'static signature::RsaParameters> {
        Some(match self {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(s).ok_or_else(|| {
            crate::error::Error::new(
                crate::error::ErrorKind::InvalidArgument,
                format!("unknown or unsupported algorithm {s:?}"),
            )
        })
    }
}

/// Public key material, parsed once into what `ring` consumes.
pub(crate) enum KeyMaterial {
    /// RSA modulus and exponent, big-endian, without leading zeros.
    Rsa(signature::RsaPublicKeyComponents<Vec<u8>>),
    /// An uncompressed EC point (0x04 || X || Y), validated on its curve (P-256, P-384).
    Ec { family: KeyFamily, point: Vec<u8> },
    /// A P-521 public key, validated on the curve. ring has no P-521, so RustCrypto's `p521`
    /// verifies ES512; boxed because the parsed point is much larger than the other variants.
    EcP521(Box<p521::ecdsa::VerifyingKey>),
    /// An Ed25519 public key.
    Ed25519([u8; 32]),
    /// An HMAC secret, prepared for each HS* algorithm it is long enough for.
    Oct(Box<HmacKeys>),
}

/// An HMAC secret prepared for each HS* algorithm it is long enough for.
pub(crate) struct HmacKeys {
    pub(crate) len: usize,
    pub(crate) hs256: hmac::Key,
    pub(crate) hs384: Option<hmac::Key>,
    pub(crate) hs512: Option<hmac::Key>,
}

impl KeyMaterial {
    /// The family of this key.
    pub(crate) fn family(&self) -> KeyFamily {
        match self {
            KeyMaterial::Rsa(_) => KeyFamily::Rsa,
            KeyMaterial::Ec { family, .. } => *family,
            KeyMaterial::EcP521(_) => KeyFamily::EcP521,
            KeyMaterial::Ed25519(_) => KeyFamily::Ed25519,
            KeyMaterial::Oct(_) => KeyFamily::Oct,
        }
    }

    /// Whether this key can verify `alg` at all (type, curve, HMAC secret length).
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        if alg.family() != self.family() {
            return false;
        }
        match self {
            KeyMaterial::Oct(keys) => alg.min_hmac_key_len().is_some_and(|min| keys.len >= min),
            _ => true,
        }
    }

    /// Verifies `sig` over `msg` with `alg`. The caller has checked [`KeyMaterial::fits`].
    pub(crate) fn verify(&self, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
        if let Some(len) = alg.fixed_signature_len() {
            // ECDSA must be exactly R||S of the curve size (RFC 7518 §3.4), never DER.
            if sig.len() != len {
                return false;
            }
        }
        match (self, alg) {
            (KeyMaterial::Rsa(components), _) => match alg.rsa_params() {
                Some(params) => components.verify(params, msg, sig).is_ok(),
                None => false,
            },
            (KeyMaterial::Ec { point, .. }, Algorithm::ES256) => {
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            (KeyMaterial::Ec { point, .. }, Algorithm::ES384) => {
                signature::UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            (KeyMaterial::EcP521(key), Algorithm::ES512) => verify_es512(key, msg, sig),
            (KeyMaterial::Ed25519(key), Algorithm::EdDSA) => {
                signature::UnparsedPublicKey::new(&signature::ED25519, key)
                    .verify(msg, sig)
                    .is_ok()
            }
            (KeyMaterial::Oct(keys), _) => {
                let key = match alg {
                    Algorithm::HS256 => Some(&keys.hs256),
                    Algorithm::HS384 => keys.hs384.as_ref(),
                    Algorithm::HS512 => keys.hs512.as_ref(),
                    _ => None,
                };
                // hmac::verify compares in constant time.
                key.is_some_and(|k| hmac::verify(k, msg, sig).is_ok())
            }
            _ => false,
        }
    }
}

/// ES512: `sig` is R||S, 66 bytes each (the caller checked the length). Like ring for P-256 and
/// P-384, R and S must be in [1, n-1] and a high S is accepted (ECDSA signatures are malleable;
/// JWS does not require low S, and Wycheproof counts high-S signatures as valid).
fn verify_es512(key: &p521::ecdsa::VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    use p521::ecdsa::signature::Verifier;
    match p521::ecdsa::Signature::from_slice(sig) {
        Ok(sig) => key.verify(msg, &sig).is_ok(),
        Err(_) => false,
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets; public keys are summarised.
        match self {
            KeyMaterial::Rsa(c) => write!(f, "Rsa({} bits)", c.n.len() * 8),
            KeyMaterial::Ec { family, .. } => write!(f, "Ec({family:?})"),
            KeyMaterial::EcP521(_) => f.write_str("Ec(EcP521)"),
            KeyMaterial::Ed25519(_) => f.write_str("Ed25519"),
            KeyMaterial::Oct(keys) => write!(f, "Oct({} bytes)", keys.len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
            assert_eq!(a.c_name().to_str(), Ok(a.name()));
        }
        for bad in [
            "none", "None", "NONE", "rs256", "es512", "ES521", "HS1", "", "EdDSA ",
        ] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn asymmetric_excludes_hmac() {
        assert!(Algorithm::ASYMMETRIC.iter().all(|a| !a.is_hmac()));
        assert!(Algorithm::HS384.is_hmac());
    }
}
