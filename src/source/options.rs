//! Settings for key sources that fetch: HTTP(S) endpoints, discovery and files.

use std::time::Duration;

use crate::catalogue::options::{self as opt, DefaultValue, OptionSpec, Value};
use crate::error::{err, Error, ErrorKind};

/// How a remote (or file) key source fetches and caches keys.
///
/// Defaults: https only, 5 s total timeout (2 s to connect), 1 MiB response cap, keys cached
/// for the response's `Cache-Control: max-age` clamped to [1 min, 24 h] or else 10 min,
/// unknown-`kid` refetches at most every 30 s, stale keys used for up to 24 h while the
/// endpoint fails, failed fetches retried after 1 s, doubling up to 1 min.
///
/// Settings are honoured as given or refused, never silently changed: the verifier
/// constructors refuse options that fail [`RemoteOptions::check`], whose ranges are those of
/// the options catalogue ([`crate::catalogue::options`]), the same for every language. Only a
/// server's `max-age` is clamped to the bounds.
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
    /// Total time allowed for one fetch (connect, TLS, redirects, headers and body; 1 ms to
    /// one hour).
    pub timeout: Duration,
    /// Time allowed to establish the connection (the total `timeout` bounds it too).
    pub connect_timeout: Duration,
    /// Largest accepted response body, in bytes.
    pub max_response_bytes: usize,
    /// Maximum number of keys in a fetched set.
    pub max_keys: usize,
    /// Load the keys when the verifier is created, failing there if they cannot be had
    /// (eager start); otherwise the first verification fetches them. A file source always
    /// reads its file at creation.
    pub fetch_at_start: bool,
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
    /// The defaults of the options catalogue ([`crate::catalogue::options`]).
    fn default() -> Self {
        let (min_ttl, max_ttl) = match opt::CACHE_TTL_BOUNDS.default {
            DefaultValue::Pair(min, max) => (min, max),
            _ => unreachable!("cache_ttl_bounds has a pair as default"),
        };
        RemoteOptions {
            allow_http: opt::ALLOW_HTTP.default_flag(),
            cache_ttl: opt::CACHE_TTL.default_seconds(),
            min_cache_ttl: Duration::from_secs(min_ttl),
            max_cache_ttl: Duration::from_secs(max_ttl),
            refresh_cooldown: opt::REFRESH_COOLDOWN.default_seconds(),
            max_stale: opt::MAX_STALE.default_seconds(),
            timeout: opt::HTTP_TIMEOUT.default_millis(),
            connect_timeout: opt::CONNECT_TIMEOUT.default_millis(),
            max_response_bytes: opt::MAX_RESPONSE_SIZE.default_number() as usize,
            max_keys: opt::MAX_KEYS.default_number() as usize,
            fetch_at_start: opt::FETCH_AT_START.default_flag(),
            headers: Vec::new(),
            ca_pem: None,
            proxy: None,
            proxy_from_env: opt::PROXY_FROM_ENV.default_flag(),
            user_agent: concat!("jwks/", env!("CARGO_PKG_VERSION")).to_string(),
            retry_min: opt::RETRY_MIN.default_millis(),
            retry_max: opt::RETRY_MAX.default_millis(),
        }
    }
}

impl RemoteOptions {
    /// Stores a value for one of the options of [`opt::Group::Remote`] that C can set,
    /// checked against its range: what the C setters call, and a configuration file that
    /// names options as the catalogue does. `headers` adds one header per call.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] for a value out of range or of the wrong form;
    /// [`ErrorKind::Internal`] for an option this struct does not store.
    pub fn store(&mut self, spec: &OptionSpec, v: Value<'_>) -> Result<(), Error> {
        match spec.name {
            "allow_http" => self.allow_http = spec.flag(v)?,
            "cache_ttl" => self.cache_ttl = spec.seconds(v)?,
            "cache_ttl_bounds" => {
                let (min, max) = spec.seconds_pair(v)?;
                opt::check_ttl_bounds(min, max)?;
                (self.min_cache_ttl, self.max_cache_ttl) = (min, max);
            }
            "refresh_cooldown" => self.refresh_cooldown = spec.seconds(v)?,
            "max_stale" => self.max_stale = spec.seconds(v)?,
            "http_timeout" => self.timeout = spec.millis(v)?,
            "connect_timeout" => self.connect_timeout = spec.millis(v)?,
            "max_response_size" => self.max_response_bytes = spec.size(v)?,
            "headers" => {
                let (name, value) = spec.text_pair(v)?;
                opt::check_header(name, value)?;
                self.headers.push((name.to_owned(), value.to_owned()));
            }
            "ca_pem" => {
                let pem = spec.bytes(v)?;
                opt::check_pem(pem)?;
                self.ca_pem = Some(pem.to_vec());
            }
            "proxy" => self.proxy = Some(spec.text(v)?.to_owned()),
            "max_keys" => self.max_keys = spec.count(v)? as usize,
            "fetch_at_start" => self.fetch_at_start = spec.flag(v)?,
            _ => return Err(spec.not_stored()),
        }
        Ok(())
    }

    /// Checks every setting against its range in the options catalogue (the limits a C
    /// caller's setters apply), then the settings that depend on each other, so none has to
    /// be changed behind the caller's back: the minimum cache lifetime is not above the
    /// maximum, `cache_ttl` lies within them, `retry_max` is not below `retry_min`; headers,
    /// the user agent and the PEM are well-formed. The verifier constructors call it.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming the setting, its value and its range.
    pub fn check(&self) -> Result<(), Error> {
        opt::CACHE_TTL.check_duration(self.cache_ttl)?;
        opt::CACHE_TTL_BOUNDS.check_duration(self.min_cache_ttl)?;
        opt::CACHE_TTL_BOUNDS.check_duration(self.max_cache_ttl)?;
        opt::REFRESH_COOLDOWN.check_duration(self.refresh_cooldown)?;
        opt::MAX_STALE.check_duration(self.max_stale)?;
        opt::HTTP_TIMEOUT.check_duration(self.timeout)?;
        opt::CONNECT_TIMEOUT.check_duration(self.connect_timeout)?;
        opt::MAX_RESPONSE_SIZE.check_usize(self.max_response_bytes)?;
        opt::MAX_KEYS.check_usize(self.max_keys)?;
        opt::RETRY_MIN.check_duration(self.retry_min)?;
        opt::RETRY_MAX.check_duration(self.retry_max)?;
        for (name, value) in &self.headers {
            opt::check_header(name, value)?;
        }
        if let Some(pem) = &self.ca_pem {
            opt::check_pem(pem)?;
        }
        if self.user_agent.contains(['\r', '\n', '\0']) {
            return Err(err(
                ErrorKind::InvalidArgument,
                "user_agent: holds CR, LF or NUL",
            ));
        }
        opt::check_ttl_bounds(self.min_cache_ttl, self.max_cache_ttl)?;
        if self.cache_ttl < self.min_cache_ttl || self.cache_ttl > self.max_cache_ttl {
            return Err(err(
                ErrorKind::InvalidArgument,
                format!(
                    "cache_ttl: the cache ttl ({}) is outside the cache ttl bounds [{}, {}]: \
                     change the ttl or the bounds (cache_ttl_bounds) so that it lies within them",
                    opt::CACHE_TTL.show(self.cache_ttl),
                    opt::CACHE_TTL.show(self.min_cache_ttl),
                    opt::CACHE_TTL.show(self.max_cache_ttl)
                ),
            ));
        }
        if self.retry_max < self.retry_min {
            return Err(err(
                ErrorKind::InvalidArgument,
                format!(
                    "retry_max: {} is below retry_min ({})",
                    opt::RETRY_MAX.show(self.retry_max),
                    opt::RETRY_MIN.show(self.retry_min)
                ),
            ));
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
            (
                with(10, 0, 100),
                "cache_ttl_bounds: 0 s is outside its range, above 0 s, at most 4294967295 s",
            ),
            (with(10, 20, 5), "above the maximum"),
        ] {
            let e = opts.check().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().contains(word), "{e}");
        }
    }
}
