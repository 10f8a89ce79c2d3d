//! Settings for key sources that fetch: HTTP(S) endpoints, discovery and files.

use std::time::Duration;

/// How a remote (or file) key source fetches and caches keys.
///
/// Defaults: https only, 5 s total timeout (2 s to connect), 1 MiB response cap, keys cached
/// for the response's `Cache-Control: max-age` clamped to [1 min, 24 h] or else 10 min,
/// unknown-`kid` refetches at most every 30 s, stale keys used for up to 24 h while the
/// endpoint fails, failed fetches retried after 1 s, doubling up to 1 min.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Allow plain `http://` URLs (for loopback tests and private networks only).
    pub allow_http: bool,
    /// Cache lifetime when the response has no usable `Cache-Control: max-age`.
    pub cache_ttl: Duration,
    /// Lower clamp for `max-age`.
    pub min_cache_ttl: Duration,
    /// Upper clamp for `max-age`.
    pub max_cache_ttl: Duration,
    /// Minimum interval between refetches triggered by unknown `kid`s.
    pub refresh_cooldown: Duration,
    /// How long past expiry cached keys keep verifying while refreshes fail.
    pub max_stale: Duration,
    /// Total time allowed for one fetch (connect, TLS, redirects, headers and body; at most
    /// one hour).
    pub timeout: Duration,
    /// Time allowed to establish the connection (capped by `timeout`).
    pub connect_timeout: Duration,
    /// Largest accepted response body, in bytes.
    pub max_response_bytes: usize,
    /// Maximum number of keys in a fetched set.
    pub max_keys: usize,
    /// Extra request headers (e.g. an API key for a private identity provider).
    pub headers: Vec<(String, String)>,
    /// Extra trusted CA certificates, PEM, for private identity providers (trusted in
    /// addition to the web roots).
    pub ca_pem: Option<Vec<u8>>,
    /// Explicit proxy URL; `None` uses `HTTPS_PROXY`/`NO_PROXY` from the environment when
    /// [`RemoteOptions::proxy_from_env`] is set.
    pub proxy: Option<String>,
    /// Whether to read `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` and `NO_PROXY` when no explicit
    /// proxy is set (default true).
    pub proxy_from_env: bool,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Wait after the first failed fetch before retrying; doubles with each further failure.
    pub retry_min: Duration,
    /// Longest wait between retries of a failing endpoint.
    pub retry_max: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            allow_http: false,
            cache_ttl: Duration::from_secs(600),
            min_cache_ttl: Duration::from_secs(60),
            max_cache_ttl: Duration::from_secs(24 * 3600),
            refresh_cooldown: Duration::from_secs(30),
            max_stale: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_response_bytes: 1024 * 1024,
            max_keys: 256,
            headers: Vec::new(),
            ca_pem: None,
            proxy: None,
            proxy_from_env: true,
            user_agent: concat!("jwks/", env!("CARGO_PKG_VERSION")).to_string(),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
        }
    }
}
