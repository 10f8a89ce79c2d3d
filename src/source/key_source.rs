//! The [`KeySource`] trait every source implements, what a verification asks of one
//! ([`KeyQuery`]) and the counters it reports ([`SourceStats`]).

use std::sync::Arc;

/// The counters, declared with the other statistics in the catalogue (their struct is
/// generated, and is what the C API writes).
pub use crate::catalogue::SourceStats;
use crate::error::Error;
use crate::keyset::KeySet;

/// What a verification asks of a source.
#[derive(Debug, Clone, Copy)]
pub struct KeyQuery<'a> {
    /// The token's `kid`, if any.
    pub kid: Option<&'a str>,
    /// The token's `iss` (only read for sources that route by issuer).
    pub issuer: Option<&'a str>,
}

/// A provider of key sets.
pub trait KeySource: Send + Sync {
    /// The current key set (a cold remote source fetches here, once, for all callers).
    fn keys(&self, query: &KeyQuery<'_>) -> Result<Arc<KeySet>, Error>;

    /// The [generation](KeySet::generation) of the set [`keys`](KeySource::keys) would return,
    /// with the same effects (a due refresh starts, expired keys give the same error). A token
    /// cache hit needs only this; a source whose set is shared between threads answers it
    /// without cloning the set's `Arc`, whose count every thread would otherwise write.
    fn generation(&self, query: &KeyQuery<'_>) -> Result<u64, Error> {
        Ok(self.keys(query)?.generation())
    }

    /// Called when `query.kid` is not in the set `keys` returned. A source that can refresh
    /// returns a newer set if policy (cooldown) allows a fetch now, else `Ok(None)` at once.
    fn keys_after_miss(&self, _query: &KeyQuery<'_>) -> Result<Option<Arc<KeySet>>, Error> {
        Ok(None)
    }

    /// Whether [`KeyQuery::issuer`] must be filled in (the source routes by issuer).
    fn routes_by_issuer(&self) -> bool {
        false
    }

    /// Forces a refresh now (no-op for static sources).
    fn refresh(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Counters for metrics.
    fn stats(&self) -> SourceStats;

    /// The last fetch error, if the most recent fetch failed.
    fn last_error(&self) -> Option<Error> {
        None
    }

    /// Whether keys are at hand to verify with now, without waiting for a fetch: for every
    /// issuer the source serves, keys were had and are not past their stale bound. Never
    /// blocks, does no I/O and starts no fetch. A source that always holds keys (a fixed set,
    /// a file read at creation) is always ready.
    fn is_ready(&self) -> bool {
        true
    }

    /// Whether [`KeySource::keys`] (and, for a `kid` the keys lack, [`KeySource::keys_after_miss`])
    /// would wait for a network fetch now. Never blocks and does no I/O; it may err towards
    /// `true` (the caller then merely moves the call off its thread), never towards `false`.
    fn would_block(&self, _query: &KeyQuery<'_>) -> bool {
        false
    }
}
