//! RSA key generation, which ring does not have, with RustCrypto's `rsa`; the `rsa-keygen`
//! feature (off by default). The key is handed over as PKCS#8 and signs through ring like an imported key:
//! `rsa` only does the prime search, with ring's random generator (see `rng`).

use ring::rand::SystemRandom;
use rsa::pkcs8::EncodePrivateKey;

use super::keys::SigningKey;
use super::rng::SystemRng;
use crate::alg::{Algorithm, KeyFamily};
use crate::error::{err, Error, ErrorKind};

/// The RSA modulus sizes [`SigningKey::generate_rsa`] makes, in bits. (A function, not a
/// public constant, so that the C header generator leaves it out.)
const RSA_KEY_BITS: [usize; 3] = [2048, 3072, 4096];

impl SigningKey {
    /// The RSA modulus sizes [`SigningKey::generate_rsa`] makes, in bits: 2048, 3072, 4096.
    pub fn rsa_key_bits() -> &'static [usize] {
        &RSA_KEY_BITS
    }

    /// Generates an RSA key of `bits` (2048, 3072 or 4096; public exponent 65537) for an
    /// RS* or PS* algorithm. Takes from a fraction of a second (2048) to several seconds
    /// (4096) in a release build.
    pub fn generate_rsa(alg: Algorithm, bits: usize) -> Result<SigningKey, Error> {
        if alg.family() != KeyFamily::Rsa {
            return Err(err(
                ErrorKind::InvalidArgument,
                format!("{alg} is not an RSA algorithm"),
            ));
        }
        if !RSA_KEY_BITS.contains(&bits) {
            return Err(err(
                ErrorKind::InvalidArgument,
                format!("RSA keys are generated with 2048, 3072 or 4096 bits, not {bits}"),
            ));
        }
        let internal = |what: &str, e: &dyn std::fmt::Display| {
            err(ErrorKind::Internal, format!("{what}: {e}"))
        };
        let key = rsa::PrivateKey::new(&mut SystemRng(SystemRandom::new()), bits)
            .map_err(|e| internal("RSA key generation failed", &e))?;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| internal("PKCS#8 encoding failed", &e))?;
        SigningKey::from_pkcs8_der(der.as_bytes(), alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_sizes_and_algorithms() {
        let e = SigningKey::generate_rsa(Algorithm::RS256, 1024).unwrap_err();
        assert!(e.message().contains("not 1024"), "{e}");
        let e = SigningKey::generate_rsa(Algorithm::ES256, 2048).unwrap_err();
        assert!(e.message().contains("not an RSA"), "{e}");
    }
}
