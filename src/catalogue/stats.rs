//! The statistics fields, declared once. The structs [`SourceStats`](crate::SourceStats) and
//! [`TokenCacheStats`](crate::TokenCacheStats)
//! (which the C ABI writes as they are, as `jwks_stats` and `jwks_token_cache_stats`) are
//! generated from these tables, and so are the Python and Go structures; a metrics exporter
//! walks [`StatsTable::fields`] with `SourceStats::values` (or `TokenCacheStats::values`) to
//! name, type and describe each value.
//!
//! Fields are only ever appended: their order is the C layout.

/// The type of a field in Rust and C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatType {
    /// `u64` / `uint64_t`.
    U64,
    /// `i64` / `int64_t`: a value that may be unknown, which is then negative (Python shows
    /// None).
    I64,
}

/// How a metrics exporter presents a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatKind {
    /// Only ever grows (Prometheus `counter`, named with `_total`).
    Counter,
    /// A value now (Prometheus `gauge`).
    Gauge,
}

/// The unit of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatUnit {
    /// A number of events or things.
    Count,
    /// Bytes.
    Bytes,
    /// Milliseconds (the field's name ends in `_ms`; Go shows a `time.Duration`).
    Milliseconds,
}

/// One field of a statistics struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatField {
    /// The field's name in Rust, C and Python (`snake_case`).
    pub name: &'static str,
    /// Its type.
    pub ty: StatType,
    /// Counter or gauge.
    pub kind: StatKind,
    /// Its unit.
    pub unit: StatUnit,
    /// The name of its metric, in Prometheus' conventions (see [`super::metrics`]): `jwks_`
    /// first, the base unit last (`_seconds`, `_bytes`), and `_total` after a counter's.
    pub metric: &'static str,
    /// One sentence for every language's documentation and a metric's help text.
    pub doc: &'static str,
}

/// A statistics struct: its names and fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsTable {
    /// The Rust name, e.g. `SourceStats`.
    pub rust: &'static str,
    /// The C name, e.g. `jwks_stats`.
    pub c: &'static str,
    /// The Python and Go name, e.g. `Stats`.
    pub binding: &'static str,
    /// The struct's documentation (every language).
    pub doc: &'static str,
    /// The fields, in layout order.
    pub fields: &'static [StatField],
}

/// A field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatValue {
    /// A [`StatType::U64`] field.
    U64(u64),
    /// A [`StatType::I64`] field (negative: not known).
    I64(i64),
}

impl StatValue {
    /// The value as a float, as metrics systems take it (`None` when not known).
    pub fn as_f64(self) -> Option<f64> {
        match self {
            StatValue::U64(v) => Some(v as f64),
            StatValue::I64(v) if v < 0 => None,
            StatValue::I64(v) => Some(v as f64),
        }
    }
}

const fn field(
    name: &'static str,
    ty: StatType,
    kind: StatKind,
    unit: StatUnit,
    metric: &'static str,
    doc: &'static str,
) -> StatField {
    StatField {
        name,
        ty,
        kind,
        unit,
        metric,
        doc,
    }
}

impl StatField {
    /// The help text of the field's metric: its documentation without code marks and, for a
    /// field that may be unknown (whose metric then has no sample), without the clause after
    /// `; -1` that says so.
    pub fn help(&self) -> String {
        let text = match self.doc.split_once("; -1") {
            Some((known, _)) => format!("{known}."),
            None => self.doc.to_string(),
        };
        text.replace('`', "")
    }
}

impl StatUnit {
    /// What a value in this unit is multiplied by to be in the metric's base unit
    /// (milliseconds to seconds).
    pub fn to_base_unit(self) -> f64 {
        match self {
            StatUnit::Milliseconds => 0.001,
            StatUnit::Count | StatUnit::Bytes => 1.0,
        }
    }
}

use StatKind::{Counter, Gauge};
use StatType::{I64, U64};
use StatUnit::{Bytes, Count, Milliseconds};

/// A verifier's key source counters ([`SourceStats`](crate::SourceStats), `jwks_stats`).
pub const SOURCE_STATS: StatsTable = StatsTable {
    rust: "SourceStats",
    c: "jwks_stats",
    binding: "Stats",
    doc: "A verifier's key source counters, for metrics (filled by `jwks_verifier_stats` in C). \
          Sources that never fetch report zeros for the fetch counters. Fields may be added at \
          the end in a later minor version; never reordered.",
    fields: &[
        field(
            "fetches",
            U64,
            Counter,
            Count,
            "jwks_key_fetches_total",
            "Key fetches attempted (HTTP requests or file reads).",
        ),
        field(
            "not_modified",
            U64,
            Counter,
            Count,
            "jwks_key_fetches_not_modified_total",
            "Fetches answered `304 Not Modified`.",
        ),
        field(
            "failures",
            U64,
            Counter,
            Count,
            "jwks_key_fetch_failures_total",
            "Fetches that failed (network, status, body, parse).",
        ),
        field(
            "unknown_kid_refreshes",
            U64,
            Counter,
            Count,
            "jwks_unknown_kid_refreshes_total",
            "Refetches caused by an unknown `kid`.",
        ),
        field(
            "cooldown_rejections",
            U64,
            Counter,
            Count,
            "jwks_unknown_kid_cooldown_rejections_total",
            "Unknown-`kid` tokens rejected without a fetch because of the cooldown.",
        ),
        field(
            "key_count",
            U64,
            Gauge,
            Count,
            "jwks_keys",
            "Usable keys in the current set.",
        ),
        field(
            "skipped_count",
            U64,
            Gauge,
            Count,
            "jwks_keys_skipped",
            "Entries of the current set that were skipped.",
        ),
        field(
            "keys_age_ms",
            I64,
            Gauge,
            Milliseconds,
            "jwks_keys_age_seconds",
            "Age of the current keys, since they were fetched or confirmed unchanged by a \
             `304`; -1 if no keys have been obtained yet.",
        ),
    ],
};

/// The verified-token cache's counters ([`TokenCacheStats`](crate::TokenCacheStats),
/// `jwks_token_cache_stats`).
pub const TOKEN_CACHE_STATS: StatsTable = StatsTable {
    rust: "TokenCacheStats",
    c: "jwks_token_cache_stats",
    binding: "TokenCacheStats",
    doc: "The verified-token cache's counters (all zero when it is off; filled by \
          `jwks_verifier_token_cache_stats` in C, which writes as many bytes as the caller says \
          it has). Fields are only ever added at the end.",
    fields: &[
        field(
            "hits",
            U64,
            Counter,
            Count,
            "jwks_token_cache_hits_total",
            "Verifications answered from the cache.",
        ),
        field(
            "misses",
            U64,
            Counter,
            Count,
            "jwks_token_cache_misses_total",
            "Verifications that found no usable entry (absent, stale key set, reused too long) \
             and were verified in full.",
        ),
        field(
            "evictions",
            U64,
            Counter,
            Count,
            "jwks_token_cache_evictions_total",
            "Entries removed to make room.",
        ),
        field(
            "entries",
            U64,
            Gauge,
            Count,
            "jwks_token_cache_entries",
            "Entries now.",
        ),
        field(
            "bytes",
            U64,
            Gauge,
            Bytes,
            "jwks_token_cache_bytes",
            "Bytes the entries take now (allocator overhead included; the doorkeeper's fixed \
             few percent of the byte bound is not counted here).",
        ),
        field(
            "max_entries",
            U64,
            Gauge,
            Count,
            "jwks_token_cache_max_entries",
            "The entry bound (0 when the cache is off).",
        ),
        field(
            "max_bytes",
            U64,
            Gauge,
            Bytes,
            "jwks_token_cache_max_bytes",
            "The byte bound.",
        ),
    ],
};

/// The DPoP proof counters and the replay store's occupancy ([`DpopStats`](crate::DpopStats),
/// `jwks_dpop_stats`).
pub const DPOP_STATS: StatsTable = StatsTable {
    rust: "DpopStats",
    c: "jwks_dpop_stats",
    binding: "DPoPStats",
    doc: "The DPoP proof counters and the replay store's occupancy (filled by \
          `jwks_verifier_dpop_stats` in C, which writes as many bytes as the caller says it \
          has). Fields are only ever added at the end.",
    fields: &[
        field(
            "proofs_verified",
            U64,
            Counter,
            Count,
            "jwks_dpop_proofs_verified_total",
            "DPoP proofs accepted (every check passed, the replay store recorded them).",
        ),
        field(
            "proofs_rejected",
            U64,
            Counter,
            Count,
            "jwks_dpop_proofs_rejected_total",
            "DPoP proofs refused, whatever the reason (replays included).",
        ),
        field(
            "replays",
            U64,
            Counter,
            Count,
            "jwks_dpop_replays_total",
            "DPoP proofs refused because their `jti` was seen within its window.",
        ),
        field(
            "store_refusals",
            U64,
            Counter,
            Count,
            "jwks_dpop_replay_store_refusals_total",
            "DPoP proofs refused because the replay store was full of unexpired keys or \
             failed (answered 503).",
        ),
        field(
            "nonce_challenges",
            U64,
            Counter,
            Count,
            "jwks_dpop_nonce_challenges_total",
            "DPoP proofs refused for a missing or stale server nonce (`use_dpop_nonce`).",
        ),
        field(
            "replay_entries",
            U64,
            Gauge,
            Count,
            "jwks_dpop_replay_entries",
            "Keys the in-memory replay store holds now, expired ones not yet removed included \
             (0 with a shared store).",
        ),
        field(
            "replay_max_entries",
            U64,
            Gauge,
            Count,
            "jwks_dpop_replay_max_entries",
            "The most keys the in-memory replay store can hold (0 until its first proof, and \
             with a shared store).",
        ),
        field(
            "replay_bytes",
            U64,
            Gauge,
            Bytes,
            "jwks_dpop_replay_bytes",
            "Bytes the in-memory replay store has allocated (its shards' tables, each \
             allocated whole on its first proof).",
        ),
        field(
            "replay_max_bytes",
            U64,
            Gauge,
            Bytes,
            "jwks_dpop_replay_max_bytes",
            "The in-memory replay store's byte bound (`dpop_replay_cache_bytes`).",
        ),
    ],
};

/// Every statistics struct.
pub const ALL: [&StatsTable; 3] = [&SOURCE_STATS, &TOKEN_CACHE_STATS, &DPOP_STATS];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{SourceStats, TokenCacheStats};

    /// The generated `values` walk the fields in table order: a value set in one field shows
    /// at that field's index only.
    #[test]
    fn values_follow_the_table() {
        let s = SourceStats {
            not_modified: 7,
            keys_age_ms: -1,
            ..SourceStats::default()
        };
        let names: Vec<_> = SOURCE_STATS.fields.iter().map(|f| f.name).collect();
        let values = s.values();
        assert_eq!(values.len(), names.len());
        assert_eq!(
            values[names.iter().position(|n| *n == "not_modified").unwrap()],
            StatValue::U64(7)
        );
        assert_eq!(values[names.len() - 1], StatValue::I64(-1));
        assert_eq!(values[names.len() - 1].as_f64(), None);
        let t = TokenCacheStats {
            max_bytes: 9,
            ..TokenCacheStats::default()
        };
        assert_eq!(t.values().last(), Some(&StatValue::U64(9)));
        for table in ALL {
            for f in table.fields {
                assert!(
                    f.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{}",
                    f.name
                );
                assert_eq!(
                    f.unit == StatUnit::Milliseconds,
                    f.name.ends_with("_ms"),
                    "{}",
                    f.name
                );
            }
        }
    }
}
