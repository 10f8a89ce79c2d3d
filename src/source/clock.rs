//! Time as the key cache sees it: an injectable monotonic [`Clock`], and [`later`], the
//! deadline arithmetic that never overflows.

use std::time::{Duration, Instant};

/// A source of the current time (injected so tests can move it).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// `t + d`, or as far ahead as the platform allows when that overflows (durations come from
/// the caller and may be huge).
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 86_400);
    t.checked_add(d).or_else(|| t.checked_add(FAR)).unwrap_or(t)
}
