//! `ReadMostly`: a read-write lock for data read on every verification and written rarely (the
//! token cache's shards, a remote source's current key set).
//!
//! Every reader of a plain read-write lock writes the lock's one word, so two threads reading
//! the same lock at once pass that cache line back and forth between their cores, and token
//! cache hits from two threads ran slower than from one (docs/benchmarks.md, "Measured while
//! designing"). This wraps
//! `crossbeam_utils::sync::ShardedLock`, which gives each thread its own reader lock on its own
//! cache line; a writer takes them all, which costs nothing next to the fetch or the full
//! verification that precedes every write here.

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};
use std::sync::PoisonError;

/// A read-write lock whose readers do not share a cache line (see the module docs).
#[derive(Default)]
pub(crate) struct ReadMostly<T>(ShardedLock<T>);

impl<T> ReadMostly<T> {
    /// A lock holding `value`.
    pub(crate) fn new(value: T) -> ReadMostly<T> {
        ReadMostly(ShardedLock::new(value))
    }

    /// Shared access. A poisoned lock (a writer panicked) is used as is, as `parking_lot`'s
    /// locks are: the writes here do not panic midway.
    pub(crate) fn read(&self) -> ShardedLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access (takes every reader's lock).
    pub(crate) fn write(&self) -> ShardedLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}
