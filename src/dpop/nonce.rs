//! Server-provided DPoP nonces (RFC 9449 §8, §9): with nonces on, a proof must carry a nonce
//! the server issued recently, and a request without one is answered `use_dpop_nonce` with a
//! fresh nonce in the `DPoP-Nonce` header.
//!
//! [`NonceSource`] issues and checks them. The built-in [`RotatingNonces`] needs no state: a
//! nonce is the number of its period (of `dpop_nonce_lifetime` seconds) and an HMAC-SHA-256 of
//! that number under a secret, so any process with the same secret checks any other's nonces
//! (set `dpop_nonce_secret` for a fleet; by default each verifier draws its own). A nonce is
//! accepted during its period and the next one, so a client's nonce outlives a rotation by a
//! period at least.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, ErrorKind};

/// Issues and checks server nonces. Called from any thread, concurrently.
pub trait NonceSource: Send + Sync {
    /// The nonce to send now (in `DPoP-Nonce`): `nonce = 1*NQCHAR` (RFC 9449 §8.1), that is
    /// printable ASCII without `"` and `\`.
    fn issue(&self, now: i64) -> Result<String, Error>;

    /// Whether a proof's `nonce` is one this source issued recently enough to accept now.
    fn check(&self, nonce: &str, now: i64) -> bool;
}

/// A nonce source shared by options and verifiers, compared by identity (as
/// [`SharedReplayStore`](crate::replay::SharedReplayStore)).
#[derive(Clone)]
pub struct SharedNonceSource(pub Arc<dyn NonceSource>);

impl SharedNonceSource {
    /// Wraps a source.
    pub fn new(source: impl NonceSource + 'static) -> SharedNonceSource {
        SharedNonceSource(Arc::new(source))
    }
}

impl std::fmt::Debug for SharedNonceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedNonceSource(..)")
    }
}

impl PartialEq for SharedNonceSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedNonceSource {}

/// Whether `nonce` has the syntax of RFC 9449 §8.1 (`1*NQCHAR`).
pub fn is_nonce_syntax(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// The built-in nonce source (see the module docs).
pub struct RotatingNonces {
    key: hmac::Key,
    lifetime: i64,
}

impl std::fmt::Debug for RotatingNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingNonces")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// The context string under the HMAC, so that the secret signs nothing else by accident.
const CONTEXT: &[u8] = b"jwks DPoP nonce v1\0";

impl RotatingNonces {
    /// Nonces valid for `lifetime_secs` (> 0) and the period after, under `secret`, or a
    /// secret drawn now when `None` (then only this source accepts them).
    pub fn new(lifetime_secs: u64, secret: Option<&[u8]>) -> Result<RotatingNonces, Error> {
        if lifetime_secs == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "dpop_nonce_lifetime: 0 turns nonces off; a rotating source needs a lifetime",
            ));
        }
        let mut drawn = [0u8; 32];
        let secret = match secret {
            Some(s) => s,
            None => {
                SystemRandom::new().fill(&mut drawn).map_err(|_| {
                    Error::new(
                        ErrorKind::Internal,
                        "no randomness for the DPoP nonce secret",
                    )
                })?;
                &drawn
            }
        };
        Ok(RotatingNonces {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            lifetime: i64::try_from(lifetime_secs).unwrap_or(i64::MAX),
        })
    }

    fn period(&self, now: i64) -> i64 {
        now.div_euclid(self.lifetime)
    }

    fn nonce_for(&self, period: i64) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(CONTEXT);
        ctx.update(&period.to_be_bytes());
        let tag = ctx.sign();
        let mut bytes = period.to_be_bytes().to_vec();
        bytes.extend_from_slice(tag.as_ref());
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

impl NonceSource for RotatingNonces {
    fn issue(&self, now: i64) -> Result<String, Error> {
        Ok(self.nonce_for(self.period(now)))
    }

    fn check(&self, nonce: &str, now: i64) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(nonce) else {
            return false;
        };
        if bytes.len() != 8 + 32 {
            return false;
        }
        let (period_bytes, tag) = bytes.split_at(8);
        let period = i64::from_be_bytes(period_bytes.try_into().unwrap_or_default());
        let current = self.period(now);
        if period != current && Some(period) != current.checked_sub(1) {
            return false;
        }
        let mut message = CONTEXT.to_vec();
        message.extend_from_slice(period_bytes);
        // `hmac::verify` compares in constant time.
        hmac::verify(&self.key, &message, tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_rotate_and_are_accepted_for_a_period_after() {
        let n = RotatingNonces::new(60, Some(b"a shared secret of at least 32 bytes!")).unwrap();
        let first = n.issue(1_000_020).unwrap();
        assert!(is_nonce_syntax(&first));
        assert_eq!(n.issue(1_000_079).unwrap(), first, "same period");
        assert!(n.check(&first, 1_000_030));
        let next = n.issue(1_000_080).unwrap();
        assert_ne!(next, first);
        assert!(n.check(&first, 1_000_080), "the previous period's nonce");
        assert!(!n.check(&first, 1_000_140), "two periods on");
        assert!(!n.check(&next, 1_000_020), "a nonce from the future");
        // Same secret, another process: accepted; another secret: refused.
        let fleet =
            RotatingNonces::new(60, Some(b"a shared secret of at least 32 bytes!")).unwrap();
        assert!(fleet.check(&first, 1_000_030));
        let other = RotatingNonces::new(60, None).unwrap();
        assert!(!other.check(&first, 1_000_030));
        // Tampering with the period or the tag.
        let mut bytes = URL_SAFE_NO_PAD.decode(&first).unwrap();
        bytes[7] ^= 1;
        assert!(!n.check(&URL_SAFE_NO_PAD.encode(&bytes), 1_000_030));
        for bad in ["", "x", "a=b", &first[..first.len() - 1]] {
            assert!(!n.check(bad, 1_000_030), "{bad}");
        }
        assert!(RotatingNonces::new(0, None).is_err());
    }

    #[test]
    fn nonce_syntax() {
        assert!(is_nonce_syntax("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
        for bad in ["", "a b", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(!is_nonce_syntax(bad), "{bad:?}");
        }
    }
}
