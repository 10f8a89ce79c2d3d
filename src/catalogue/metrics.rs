//! The metrics every exporter publishes for a verifier, declared once: their Prometheus names,
//! types, help texts and labels. The Python `prometheus_client` collector
//! (`jwkskit.prometheus`), the Go `client_golang` collector (`jwksprom`) and the `jwks` tool
//! read the tables generated from here, so a metric has one name in every language; the
//! README's list of metrics is generated too.
//!
//! Naming follows Prometheus' conventions: every name starts with `jwks_`, ends with its base
//! unit (`_seconds`, `_bytes`) when it has one, and a counter's with `_total`. Each sample
//! carries a [`VERIFIER_LABEL`] naming the verifier, given by whoever registers it, so one
//! process can export several.
//!
//! - every field of the statistics structs ([`super::stats::ALL`]) is a metric, named by
//!   [`StatField::metric`], its value converted to the base unit
//!   ([`StatUnit::to_base_unit`](super::stats::StatUnit::to_base_unit)); a value not known (negative) has no sample;
//! - [`VERIFICATIONS`]: the verifications a verifier answered, one sample per result (see
//!   [`verification_results`]) with the labels [`RESULT_LABEL`] and [`CATEGORY_LABEL`];
//! - [`READY`]: 1 when the verifier can verify without waiting for a key fetch, else 0.

use super::stats::{self, StatField, StatKind, StatsTable};
use crate::error::{Category, ErrorKind, OK_NAME};

/// The label naming the verifier a sample is about.
pub const VERIFIER_LABEL: &str = "verifier";
/// The label of [`VERIFICATIONS`] with the result's stable name (`OK`, `EXPIRED`, ...).
pub const RESULT_LABEL: &str = "result";
/// The label of [`VERIFICATIONS`] with the result's category (`ok`, `token_rejected`,
/// `keys_unavailable`, `misuse`), for sums such as "every 401".
pub const CATEGORY_LABEL: &str = "category";

/// A metric that is no field of a statistics struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricSpec {
    /// Its Prometheus name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: StatKind,
    /// Its help text.
    pub help: &'static str,
}

/// Verifications answered, by result.
pub const VERIFICATIONS: MetricSpec = MetricSpec {
    name: "jwks_verifications_total",
    kind: StatKind::Counter,
    help: "Verifications answered (JWT and JWS, token cache hits included), by result: OK or \
           the code of the failure, and its category.",
};

/// Whether the verifier can verify now without waiting for a key fetch.
pub const READY: MetricSpec = MetricSpec {
    name: "jwks_ready",
    kind: StatKind::Gauge,
    help: "1 when every issuer's keys are at hand to verify with, without waiting for a fetch \
           (not past their stale bound); else 0.",
};

/// Where an exporter reads a metric's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A field of a statistics struct: its value times
    /// [`StatUnit::to_base_unit`](super::stats::StatUnit::to_base_unit) of its unit,
    /// no sample when it is not known (negative).
    Field(&'static StatsTable, &'static StatField),
    /// The verification counts, one sample per [`verification_results`] entry.
    Verifications,
    /// Readiness, 1 or 0.
    Ready,
}

/// One metric as an exporter publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The Prometheus name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: StatKind,
    /// The help text (plain text, no code marks).
    pub help: String,
    /// Where its value comes from.
    pub source: Source,
}

/// Every metric, in the order exporters publish them: the verification counts, readiness,
/// the key source's fields, then the token cache's.
pub fn all() -> Vec<Metric> {
    let mut out = Vec::new();
    for spec in [VERIFICATIONS, READY] {
        out.push(Metric {
            name: spec.name,
            kind: spec.kind,
            help: spec.help.to_string(),
            source: if spec == READY {
                Source::Ready
            } else {
                Source::Verifications
            },
        });
    }
    for table in stats::ALL {
        for f in table.fields {
            out.push(Metric {
                name: f.metric,
                kind: f.kind,
                help: f.help(),
                source: Source::Field(table, f),
            });
        }
    }
    out
}

/// The value of [`CATEGORY_LABEL`] for a category.
pub fn category_label(category: Category) -> String {
    category.name().to_ascii_lowercase()
}

/// The results [`VERIFICATIONS`] has a sample for, each with its code, its name (the value of
/// [`RESULT_LABEL`]) and its category label: `OK` (code 0, category `ok`), then every code a
/// verification can end with, in code order (all but the claim lookups' codes, which only
/// reading a verified token's claims gives).
pub fn verification_results() -> Vec<(u32, &'static str, String)> {
    let mut out = vec![(0, OK_NAME, "ok".to_string())];
    for k in ErrorKind::ALL {
        if k.category() != Category::Lookup {
            out.push((k.code(), k.name(), category_label(k.category())));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::stats::StatUnit;

    /// The names follow Prometheus' conventions, and every name is used once.
    #[test]
    fn names_follow_the_conventions() {
        let metrics = all();
        let mut names: Vec<_> = metrics.iter().map(|m| m.name).collect();
        for m in &metrics {
            let n = m.name;
            assert!(n.starts_with("jwks_"), "{n}");
            assert!(
                n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{n}"
            );
            assert_eq!(n.ends_with("_total"), m.kind == StatKind::Counter, "{n}");
            assert!(!m.help.is_empty() && !m.help.contains('`'), "{n}");
            if let Source::Field(_, f) = m.source {
                let base = n.trim_end_matches("_total");
                match f.unit {
                    StatUnit::Milliseconds => assert!(base.ends_with("_seconds"), "{n}"),
                    StatUnit::Bytes => assert!(base.ends_with("_bytes"), "{n}"),
                    StatUnit::Count => {
                        assert!(
                            !base.ends_with("_seconds") && !base.ends_with("_bytes"),
                            "{n}"
                        )
                    }
                }
            }
        }
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a metric name is used twice");
        assert_eq!(
            metrics.len(),
            2 + stats::ALL.iter().map(|t| t.fields.len()).sum::<usize>()
        );
    }

    #[test]
    fn help_of_a_field_that_may_be_unknown_leaves_out_how_it_says_so() {
        let age = stats::SOURCE_STATS
            .fields
            .iter()
            .find(|f| f.name == "keys_age_ms")
            .unwrap();
        assert_eq!(
            age.help(),
            "Age of the current keys, since they were fetched or confirmed unchanged by a 304."
        );
        for table in stats::ALL {
            for f in table.fields {
                assert_eq!(
                    f.ty == stats::StatType::I64,
                    f.doc.contains("; -1 "),
                    "{}: a field that may be unknown says how, after `; -1`",
                    f.name
                );
            }
        }
    }

    #[test]
    fn verification_results_are_ok_then_every_code_but_the_lookups() {
        let results = verification_results();
        assert_eq!(results[0], (0, "OK", "ok".to_string()));
        assert!(results.contains(&(9, "EXPIRED", "token_rejected".to_string())));
        assert!(results.contains(&(100, "KEYS_UNAVAILABLE", "keys_unavailable".to_string())));
        assert!(results.contains(&(203, "INTERNAL", "misuse".to_string())));
        assert!(!results.iter().any(|r| r.0 >= 300));
        assert!(results.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
