//! ring's system random generator as the `rand_core` (0.10) generator that RustCrypto's `p521`
//! (key generation, signature nonces) and `rsa` (prime search) ask for, so that all randomness
//! comes from one place.

use p521::elliptic_curve::rand_core::{TryCryptoRng, TryRng};
use ring::rand::{SecureRandom, SystemRandom};

/// [`SystemRandom`] behind the fallible `rand_core` traits: a failure of the operating
/// system's generator reaches the caller as an error, not a panic.
pub(crate) struct SystemRng(pub SystemRandom);

/// The operating system's random generator failed (ring says no more).
#[derive(Debug)]
pub(crate) struct RngFailure;

impl std::fmt::Display for RngFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the system random generator failed")
    }
}

impl std::error::Error for RngFailure {}

impl TryRng for SystemRng {
    type Error = RngFailure;

    fn try_next_u32(&mut self) -> Result<u32, RngFailure> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RngFailure> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RngFailure> {
        self.0.fill(dest).map_err(|_| RngFailure)
    }
}

impl TryCryptoRng for SystemRng {}
