//! Striped counters: each thread adds to its own stripe (one of [`STRIPES`], each on its own
//! cache lines), so threads counting at once do not pass one cache line between their cores;
//! a reader sums the stripes. Used for the counters written on every verification (the token
//! cache's hits and misses, the verifications by result).

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many stripes a set of counters has (threads beyond this share stripes).
pub(crate) const STRIPES: usize = 8;

/// This thread's stripe, fixed for the thread's life (threads are numbered round-robin).
pub(crate) fn index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    INDEX.with(|i| *i)
}
