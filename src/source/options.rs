//! Settings for key sources that fetch: HTTP(S) endpoints, discovery and files.

use std::time::Duration;

use crate::error::{err, Error, ErrorKind};

/// How a remote (or file) key source fetches and caches keys.
///
/// Defaults: https only, 5 s total timeout (2 s to connect), 1 MiB response cap, keys cached
/// for the response's `Cache-Control: max-age` clamped to [1 min, 24 h] or else 10 min,
/// unknown-`kid` refetches at most every 30 s, stale keys used for up to 24 h while the
/// endpoint fails, failed fetches retried after 1 s, doubling up to 1 min.
///
/// Settings are honoured as given or refused, never silently changed: a remote source refuses
/// options that fail [`RemoteOptions::check`]. Only a server's `max-age` is clamped to the
/// bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Allow plain `http://` URLs (for loopback tests and private networks only).
    pub allow_http: bool,
    /// Cache lifetime when the response has no usable `Cache-Control: max-age`; must lie
    /// within [`RemoteOptions::min_cache_ttl`, `RemoteOptions::max_cache_ttl`].
    pub cache_ttl: Duration,
    /// Lower clamp for a response's `max-age` (and the lifetime of `no-store` responses);
    /// never zero.
    pub min_cache_ttl: Duration,
    /// Upper clamp for a response's `max-age`.
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
    /// Explicit proxy URL for https and http URLs alike; `None` reads the environment when
    /// [`RemoteOptions::proxy_from_env`] is set.
    pub proxy: Option<String>,
    /// Whether to read the proxy from the environment when no explicit proxy is set (default
    /// true), like curl and Go: `https_proxy`/`HTTPS_PROXY` for https URLs,
    /// `http_proxy`/`HTTP_PROXY` for http URLs (ignored when `REQUEST_METHOD` is set: the
    /// "httpoxy" CGI attack), then `all_proxy`/`ALL_PROXY`; hosts on `NO_PROXY`/`no_proxy`
    /// are fetched directly. `HTTP_PROXY` is never used for https URLs.
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

impl RemoteOptions {
    /// Checks the settings that depend on each other, so none has to be changed behind the
    /// caller's back: the minimum cache lifetime is above zero (zero would turn every
    /// verification into a request to the identity provider), the minimum is not above the
    /// maximum, `cache_ttl` lies within them, and the timeout is not zero.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] saying which setting to change.
    pub fn check(&self) -> Result<(), Error> {
        let secs = |d: Duration| d.as_secs_f64();
        let bad = |m: String| Err(err(ErrorKind::InvalidArgument, m));
        if self.min_cache_ttl.is_zero() {
            return bad(
                "the minimum cache ttl is zero, which would fetch the keys on every \
                 verification; it must be above zero (at least 1 s in the C API)"
                    .into(),
            );
        }
        if self.min_cache_ttl > self.max_cache_ttl {
            return bad(format!(
                "the minimum cache ttl ({} s) is above the maximum ({} s)",
                secs(self.min_cache_ttl),
                secs(self.max_cache_ttl)
            ));
        }
        if self.cache_ttl < self.min_cache_ttl || self.cache_ttl > self.max_cache_ttl {
            return bad(format!(
                "the cache ttl ({} s) is outside the cache ttl bounds [{} s, {} s]: change the \
                 ttl or the bounds so that it lies within them",
                secs(self.cache_ttl),
                secs(self.min_cache_ttl),
                secs(self.max_cache_ttl)
            ));
        }
        if self.timeout.is_zero() {
            return bad("the HTTP timeout is zero".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_settings_are_honoured_or_refused() {
        assert!(RemoteOptions::default().check().is_ok());
        let with = |ttl: u64, min: u64, max: u64| RemoteOptions {
            cache_ttl: Duration::from_secs(ttl),
            min_cache_ttl: Duration::from_secs(min),
            max_cache_ttl: Duration::from_secs(max),
            ..RemoteOptions::default()
        };
        assert!(with(1, 1, 1).check().is_ok());
        assert!(with(5, 1, 10).check().is_ok());
        for (opts, word) in [
            (with(1, 60, 86_400), "outside"),
            (with(100_000, 60, 86_400), "outside"),
            (with(10, 0, 100), "above zero"),
            (with(10, 20, 5), "above the maximum"),
        ] {
            let e = opts.check().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().contains(word), "{e}");
        }
    }
}
