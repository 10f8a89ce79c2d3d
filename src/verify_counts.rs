//! How many verifications a verifier answered, by result: successes, and failures by
//! [`ErrorKind`]. The verifier counts every JWT and JWS verification it answers (the token
//! cache's hits included), so that every language's metrics report the same numbers.
//!
//! Counting is on every verification's path, so it writes nothing another thread writes: the
//! counters are striped per thread (`src/stripe.rs`), one relaxed atomic add each, and a
//! reader sums the stripes. A snapshot is not atomic across results (a verification finishing
//! meanwhile may be in it or not), as any set of counters read while they move.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind};
use crate::stripe::STRIPES;

/// One more than the largest result code: the length of an array indexed by result code that
/// holds every code (`JWKS_VERIFY_COUNTS_LEN` in C, where `jwks_verifier_verify_counts` fills
/// such an array).
pub const RESULT_SLOTS: usize = largest_code() + 1;

/// Results counted: success, then every kind in the order of [`ErrorKind::ALL`].
const RESULTS: usize = ErrorKind::ALL.len() + 1;

const fn largest_code() -> usize {
    let mut largest = 0;
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        let code = ErrorKind::ALL[i] as usize;
        if code > largest {
            largest = code;
        }
        i += 1;
    }
    largest
}

/// The slot of each code among [`RESULTS`] (0 success), `u8::MAX` for a number that is none.
const SLOT_OF_CODE: [u8; RESULT_SLOTS] = {
    let mut table = [u8::MAX; RESULT_SLOTS];
    table[0] = 0;
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        table[ErrorKind::ALL[i] as usize] = (i + 1) as u8;
        i += 1;
    }
    table
};

fn slot(kind: ErrorKind) -> usize {
    SLOT_OF_CODE[kind as usize] as usize
}

/// One thread's counters, on cache lines of their own.
#[repr(align(128))]
struct Stripe {
    counts: [AtomicU64; RESULTS],
}

// Written out because `Default` is derived for arrays of at most 32 elements only.
impl Default for Stripe {
    fn default() -> Self {
        Stripe {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// The counters a verifier keeps.
#[derive(Default)]
pub(crate) struct Counters {
    stripes: [Stripe; STRIPES],
}

impl Counters {
    /// Counts a verification that succeeded, in `stripe` (the calling thread's,
    /// [`index`](crate::stripe::index)).
    #[inline]
    pub(crate) fn succeeded(&self, stripe: usize) {
        self.stripes[stripe].counts[0].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a verification that failed with `e`, in `stripe`; returns `e`.
    #[inline]
    pub(crate) fn failed(&self, stripe: usize, e: Error) -> Error {
        self.stripes[stripe].counts[slot(e.kind())].fetch_add(1, Ordering::Relaxed);
        e
    }

    /// The sums of the stripes.
    pub(crate) fn snapshot(&self) -> VerifyCounts {
        let mut counts = [0u64; RESULTS];
        for stripe in &self.stripes {
            for (sum, c) in counts.iter_mut().zip(&stripe.counts) {
                *sum += c.load(Ordering::Relaxed);
            }
        }
        VerifyCounts { counts }
    }
}

/// How many verifications a verifier answered since it was made, by result
/// ([`Verifier::verify_counts`](crate::Verifier::verify_counts)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyCounts {
    counts: [u64; RESULTS],
}

impl Default for VerifyCounts {
    fn default() -> Self {
        VerifyCounts {
            counts: [0; RESULTS],
        }
    }
}

impl VerifyCounts {
    /// Verifications that succeeded.
    pub fn succeeded(&self) -> u64 {
        self.counts[0]
    }

    /// Verifications that failed with `kind`.
    pub fn failed(&self, kind: ErrorKind) -> u64 {
        self.counts[slot(kind)]
    }

    /// Verifications that failed, whatever the reason.
    pub fn failed_total(&self) -> u64 {
        self.counts[1..].iter().sum()
    }

    /// Verifications of result code `code` (0: success); 0 for a number that is no code.
    pub fn by_code(&self, code: u32) -> u64 {
        match SLOT_OF_CODE.get(code as usize) {
            Some(&s) if s != u8::MAX => self.counts[s as usize],
            _ => 0,
        }
    }

    /// Every result with its count: `None` (success) first, then every kind in code order.
    pub fn iter(&self) -> impl Iterator<Item = (Option<ErrorKind>, u64)> + '_ {
        std::iter::once(None)
            .chain(ErrorKind::ALL.iter().copied().map(Some))
            .zip(self.counts.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe;

    #[test]
    fn every_code_has_its_own_slot() {
        let mut seen = [false; RESULTS];
        for k in ErrorKind::ALL {
            let s = slot(*k);
            assert!(s > 0 && s < RESULTS && !seen[s], "{k:?}");
            seen[s] = true;
        }
        assert_eq!(RESULT_SLOTS, 302, "the largest code is TYPE_MISMATCH, 301");
    }

    #[test]
    fn counts_sum_over_threads_and_are_read_by_kind_and_code() {
        let c = Counters::default();
        std::thread::scope(|s| {
            for t in 0..12 {
                let c = &c;
                s.spawn(move || {
                    for _ in 0..100 {
                        c.succeeded(stripe::index());
                    }
                    if t % 2 == 0 {
                        c.failed(stripe::index(), Error::new(ErrorKind::Expired, "x"));
                    }
                });
            }
        });
        c.failed(0, Error::new(ErrorKind::KeysUnavailable, "y"));
        let n = c.snapshot();
        assert_eq!(n.succeeded(), 1200);
        assert_eq!(n.failed(ErrorKind::Expired), 6);
        assert_eq!(n.by_code(9), 6);
        assert_eq!(n.by_code(100), 1);
        assert_eq!(n.by_code(0), 1200);
        assert_eq!(n.by_code(99), 0);
        assert_eq!(n.by_code(u32::MAX), 0);
        assert_eq!(n.failed_total(), 7);
        let listed: Vec<_> = n.iter().filter(|(_, v)| *v > 0).collect();
        assert_eq!(
            listed,
            [
                (None, 1200),
                (Some(ErrorKind::Expired), 6),
                (Some(ErrorKind::KeysUnavailable), 1)
            ]
        );
    }
}
