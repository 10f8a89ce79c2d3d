//! A remote key source: an HTTPS JWKS endpoint, or an issuer's found by OIDC discovery,
//! fetched and cached.

use std::sync::Arc;

use super::cache::{KeyCache, Spawn, Target};
use super::clock::SystemClock;
use super::discovery::configuration_url;
use super::http::{check_url, Fetcher, HttpFetcher};
use super::key_source::{KeyQuery, KeySource, SourceStats};
use super::options::RemoteOptions;
use crate::error::Error;
use crate::keyset::KeySet;

/// Keys fetched from a JWKS URL (or found by OIDC discovery) and cached; see the `cache`
/// module's rules. Construction does no network I/O.
#[derive(Debug, Clone)]
pub struct RemoteSource {
    cache: KeyCache,
}

impl RemoteSource {
    /// A source over a JWKS URL, fetched with HTTPS (`ureq`) under `opts`.
    ///
    /// Errors: [`ErrorKind::InsecureUrl`] for `http` without [`RemoteOptions::allow_http`],
    /// [`ErrorKind::InvalidArgument`] for a URL that does not parse or a bad option (see
    /// [`RemoteOptions::check`]).
    ///
    /// [`ErrorKind::InsecureUrl`]: crate::error::ErrorKind::InsecureUrl
    /// [`ErrorKind::InvalidArgument`]: crate::error::ErrorKind::InvalidArgument
    pub fn new(url: &str, opts: &RemoteOptions) -> Result<RemoteSource, Error> {
        check_url(url, opts.allow_http)?;
        opts.check()?;
        let fetcher = Arc::new(HttpFetcher::new(opts)?);
        RemoteSource::with_fetcher(url, opts, fetcher)
    }

    /// A source over a JWKS URL fetched by a caller-supplied [`Fetcher`] (for another HTTP
    /// stack). The cache, limits and policies are the same.
    pub fn with_fetcher(
        url: &str,
        opts: &RemoteOptions,
        fetcher: Arc<dyn Fetcher>,
    ) -> Result<RemoteSource, Error> {
        check_url(url, opts.allow_http)?;
        opts.check()?;
        Ok(RemoteSource {
            cache: KeyCache::new(
                Target::Url(url.to_string()),
                fetcher,
                Arc::new(SystemClock),
                opts.clone(),
                Spawn::Thread,
            ),
        })
    }

    /// A source for `issuer`: its `jwks_uri` is found by OIDC discovery on first use, and the
    /// discovery document must name exactly this issuer.
    pub fn for_issuer(issuer: &str, opts: &RemoteOptions) -> Result<RemoteSource, Error> {
        configuration_url(issuer, opts.allow_http)?;
        opts.check()?;
        let fetcher = Arc::new(HttpFetcher::new(opts)?);
        Ok(RemoteSource::issuer_with(issuer, opts, fetcher))
    }

    pub(crate) fn issuer_with(
        issuer: &str,
        opts: &RemoteOptions,
        fetcher: Arc<dyn Fetcher>,
    ) -> RemoteSource {
        RemoteSource {
            cache: KeyCache::new(
                Target::Issuer(issuer.to_string()),
                fetcher,
                Arc::new(SystemClock),
                opts.clone(),
                Spawn::Thread,
            ),
        }
    }
}

impl KeySource for RemoteSource {
    fn keys(&self, _query: &KeyQuery<'_>) -> Result<Arc<KeySet>, Error> {
        self.cache.keys()
    }

    fn generation(&self, _query: &KeyQuery<'_>) -> Result<u64, Error> {
        self.cache.generation()
    }

    fn keys_after_miss(&self, query: &KeyQuery<'_>) -> Result<Option<Arc<KeySet>>, Error> {
        self.cache.keys_after_miss(query.kid)
    }

    fn refresh(&self) -> Result<(), Error> {
        self.cache.refresh()
    }

    fn stats(&self) -> SourceStats {
        self.cache.stats()
    }

    fn last_error(&self) -> Option<Error> {
        self.cache.last_error()
    }

    fn would_block(&self, query: &KeyQuery<'_>) -> bool {
        self.cache.would_block(query.kid)
    }

    fn is_ready(&self) -> bool {
        self.cache.is_ready()
    }
}
