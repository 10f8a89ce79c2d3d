//! A verifier's metrics as samples, named and typed by the metrics catalogue
//! ([`crate::catalogue::metrics`]), for an exporter to write in its format: the Rust side of
//! what the Python and Go collectors publish, with the same names, help texts and labels.
//!
//! ```
//! use jwkskit::{metrics, Policy, Verifier};
//!
//! let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
//!     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
//! let verifier = Verifier::from_json(jwks, Policy::default()).unwrap();
//! let _ = verifier.verify(b"not.a.token");
//! let samples = metrics::samples(&verifier);
//! let malformed = samples
//!     .iter()
//!     .find(|s| s.metric.name == "jwks_verifications_total" && s.labels[0].1 == "MALFORMED")
//!     .unwrap();
//! assert_eq!(malformed.value, 1.0);
//! ```

use crate::catalogue::metrics::{self, Metric, Source, CATEGORY_LABEL, RESULT_LABEL};
use crate::catalogue::stats::StatValue;
use crate::catalogue::{DpopStats, SourceStats, TokenCacheStats};
use crate::verifier::Verifier;

/// One value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The metric (name, type, help).
    pub metric: Metric,
    /// Its labels besides the verifier's name, which the exporter adds
    /// ([`VERIFIER_LABEL`](crate::catalogue::metrics::VERIFIER_LABEL)).
    pub labels: Vec<(&'static str, String)>,
    /// The value, in the metric's base unit.
    pub value: f64,
}

/// Every sample of `verifier`'s metrics now, in the order of the catalogue
/// ([`metrics::all`]), a metric's samples together; a value not known (the keys' age before
/// any keys were had) has none. Takes no lock that a verification holds and does no I/O.
pub fn samples(verifier: &Verifier) -> Vec<Sample> {
    let stats = verifier.stats();
    let cache = verifier.token_cache_stats();
    let counts = verifier.verify_counts();
    let dpop = verifier.dpop_stats();
    let mut out = Vec::new();
    for metric in metrics::all() {
        match metric.source {
            Source::Verifications => {
                for (code, name, category) in metrics::verification_results() {
                    out.push(Sample {
                        metric: metric.clone(),
                        labels: vec![(RESULT_LABEL, name.to_string()), (CATEGORY_LABEL, category)],
                        value: counts.by_code(code) as f64,
                    });
                }
            }
            Source::Ready => out.push(Sample {
                metric,
                labels: Vec::new(),
                value: if verifier.is_ready() { 1.0 } else { 0.0 },
            }),
            Source::Field(table, field) => {
                let values = if table == SourceStats::table() {
                    stats.values().to_vec()
                } else if table == TokenCacheStats::table() {
                    cache.values().to_vec()
                } else if table == DpopStats::table() {
                    dpop.values().to_vec()
                } else {
                    continue;
                };
                let at = table.fields.iter().position(|f| f == field);
                let value: Option<StatValue> = at.and_then(|i| values.get(i).copied());
                if let Some(v) = value.and_then(StatValue::as_f64) {
                    out.push(Sample {
                        metric,
                        labels: Vec::new(),
                        value: v * field.unit.to_base_unit(),
                    });
                }
            }
        }
    }
    out
}
