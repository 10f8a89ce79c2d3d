//! `GET /metrics`: the Prometheus text format (0.0.4), written from the library's samples
//! of each issuer's verifier (label `verifier="<issuer name>"`) and the server's own counts:
//! decisions, their duration, and configuration reloads.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use jwkskit::catalogue::metrics::{self as catalogue, VERIFIER_LABEL};
use jwkskit::catalogue::stats::StatKind;
use jwkskit::metrics::samples;
use jwkskit::Verifier;

use super::answer::Decision;
use super::config::Config;
use super::original::ProxyKind;

/// Upper bounds of the decision duration histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.1, 0.5, 2.5,
];

/// The server's own counts, shared by every connection (atomics: no lock on a decision).
#[derive(Debug, Default)]
pub struct Counters {
    decisions: [AtomicU64; 5],
    /// Per bucket (not cumulative), the last one being +Inf.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    duration_nanos: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_reload: AtomicI64,
    last_reload_ok: AtomicI64,
}

impl Counters {
    /// Counts a decision and how long it took.
    pub fn record(&self, decision: Decision, took: Duration) {
        let at = Decision::ALL
            .iter()
            .position(|d| *d == decision)
            .unwrap_or(0);
        self.decisions[at].fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.duration_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Counts a configuration load (the first, or a reload) at unix time `now`.
    pub fn reloaded(&self, ok: bool, now: i64) {
        if ok {
            self.reloads_ok.fetch_add(1, Ordering::Relaxed);
            self.last_reload_ok.store(now, Ordering::Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        }
        self.last_reload.store(now, Ordering::Relaxed);
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// The whole exposition.
pub fn render(counters: &Counters, config: &Config, verifiers: &[Verifier]) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let per_issuer: Vec<(&str, Vec<jwkskit::metrics::Sample>)> = config
        .issuers
        .iter()
        .zip(verifiers)
        .map(|(s, v)| (s.name.as_str(), samples(v)))
        .collect();
    for metric in catalogue::all() {
        let kind = match metric.kind {
            StatKind::Counter => "counter",
            StatKind::Gauge => "gauge",
        };
        header(&mut out, metric.name, kind, &metric.help);
        for (name, list) in &per_issuer {
            for s in list.iter().filter(|s| s.metric.name == metric.name) {
                let _ = write!(
                    out,
                    "{}{{{VERIFIER_LABEL}=\"{}\"",
                    metric.name,
                    escape_label(name)
                );
                for (k, v) in &s.labels {
                    let _ = write!(out, ",{k}=\"{}\"", escape_label(v));
                }
                let _ = writeln!(out, "}} {}", number(s.value));
            }
        }
    }

    header(
        &mut out,
        "jwks_authz_requests_total",
        "counter",
        "Forward-auth checks answered, by decision.",
    );
    for (d, c) in Decision::ALL.iter().zip(&counters.decisions) {
        let _ = writeln!(
            out,
            "jwks_authz_requests_total{{decision=\"{}\"}} {}",
            d.label(),
            c.load(Ordering::Relaxed)
        );
    }

    let name = "jwks_authz_request_duration_seconds";
    header(
        &mut out,
        name,
        "histogram",
        "Time to decide a forward-auth check, from its request head to its answer.",
    );
    let mut cumulative = 0u64;
    for (i, b) in counters.buckets.iter().enumerate() {
        cumulative += b.load(Ordering::Relaxed);
        let le = BUCKETS.get(i).map_or("+Inf".to_owned(), |v| number(*v));
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let sum = counters.duration_nanos.load(Ordering::Relaxed) as f64 / 1e9;
    let _ = writeln!(out, "{name}_sum {}", number(sum));
    let _ = writeln!(out, "{name}_count {cumulative}");

    header(
        &mut out,
        "jwks_authz_config_reloads_total",
        "counter",
        "Configuration loads (at start and on SIGHUP), by result.",
    );
    let _ = writeln!(
        out,
        "jwks_authz_config_reloads_total{{result=\"ok\"}} {}",
        counters.reloads_ok.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "jwks_authz_config_reloads_total{{result=\"failed\"}} {}",
        counters.reloads_failed.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "jwks_authz_config_last_reload_timestamp_seconds",
        "gauge",
        "Unix time of the last configuration load, whatever its result.",
    );
    let _ = writeln!(
        out,
        "jwks_authz_config_last_reload_timestamp_seconds {}",
        counters.last_reload.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "jwks_authz_config_last_reload_success_timestamp_seconds",
        "gauge",
        "Unix time of the last configuration load that took effect.",
    );
    let _ = writeln!(
        out,
        "jwks_authz_config_last_reload_success_timestamp_seconds {}",
        counters.last_reload_ok.load(Ordering::Relaxed)
    );

    let proxy = match config.proxy {
        ProxyKind::Nginx => "nginx",
        ProxyKind::Forwarded => "forwarded",
        ProxyKind::Envoy => "envoy",
    };
    header(
        &mut out,
        "jwks_authz_config_info",
        "gauge",
        "The configuration in effect: its proxy kind and how many issuers and routes it has.",
    );
    let _ = writeln!(
        out,
        "jwks_authz_config_info{{proxy=\"{proxy}\",issuers=\"{}\",routes=\"{}\"}} 1",
        config.issuers.len(),
        config.routes.len()
    );
    out
}
