//! The catalogues that every language shares, declared once: what the C header, the C++
//! wrapper and the Python and Go bindings say about them is generated from here.
//!
//! - error codes: [`ErrorKind`](crate::ErrorKind) (number, name, category, description,
//!   Python class), declared in `error.rs`, and the [`Category`](crate::Category) of each;
//! - algorithm names: [`Algorithm`](crate::Algorithm), declared in `alg.rs`;
//! - statistics fields: [`stats`], the counters of [`SourceStats`], [`TokenCacheStats`] and
//!   [`DpopStats`], whose structs (shared with the C ABI as `jwks_stats`,
//!   `jwks_token_cache_stats` and `jwks_dpop_stats`) are generated from the tables;
//! - options: [`options`], every verifier option with its name in each language, unit,
//!   default and range;
//! - metrics: [`metrics`], the Prometheus name, type and help of every statistic, the
//!   verification counts and readiness, as every exporter publishes them.
//!
//! `make generate` runs the generator (`tests/generate/`), which writes every derived file and
//! then the header; in `cargo test` the same generator fails when a checked-in file differs
//! from what it would write, so a copy cannot drift from its declaration.

pub mod metrics;
pub mod options;
pub mod stats;
mod stats_gen;

pub use stats_gen::{DpopStats, SourceStats, TokenCacheStats};
