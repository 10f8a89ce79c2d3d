//! The [`KeySource`] trait every source implements, what a verification asks of one
//! ([`KeyQuery`]) and the counters it reports ([`SourceStats`]).

use std::sync::Arc;

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

/// Counters for metrics. Sources that never fetch report zeros for the fetch counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Fetch attempts (HTTP requests or file reads).
    pub fetches: u64,
    /// Fetches answered `304 Not Modified`.
    pub not_modified: u64,
    /// Fetches that failed (network, status, body, parse).
    pub failures: u64,
    /// Refetches triggered by an unknown `kid`.
    pub unknown_kid_refreshes: u64,
    /// Unknown-`kid` tokens rejected without a fetch because of the cooldown.
    pub cooldown_rejections: u64,
    /// Usable keys in the current set.
    pub key_count: u64,
    /// Entries of the current set that were skipped.
    pub skipped_count: u64,
    /// Age of the current keys in milliseconds, or -1 if there are none yet.
    pub keys_age_ms: i64,
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

    /// Whether [`KeySource::keys`] (and, for a `kid` the keys lack, [`KeySource::keys_after_miss`])
    /// would wait for a network fetch now. Never blocks and does no I/O; it may err towards
    /// `true` (the caller then merely moves the call off its thread), never towards `false`.
    fn would_block(&self, _query: &KeyQuery<'_>) -> bool {
        false
    }
}
