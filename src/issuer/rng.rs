//! ring's system random generator as the `rand_core` (0.6) generator that RustCrypto's `p521`
//! (key generation, signature nonces) and `rsa` (prime search) ask for, so that all randomness
//! comes from one place.

use p521::elliptic_curve::rand_core::{self, CryptoRng, RngCore};
use ring::rand::{SecureRandom, SystemRandom};

/// [`SystemRandom`] behind the `rand_core` traits.
pub(crate) struct SystemRng(pub SystemRandom);

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The trait cannot report a failure here; without the operating system's generator
        // there is nothing safe left to do.
        if self.try_fill_bytes(dest).is_err() {
            panic!("the system random generator failed");
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.fill(dest).map_err(|_| {
            let code = core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                .unwrap_or(core::num::NonZeroU32::MIN);
            rand_core::Error::from(code)
        })
    }
}

impl CryptoRng for SystemRng {}
