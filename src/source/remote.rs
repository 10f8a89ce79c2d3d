//! Remote key sources: an HTTPS JWKS endpoint with a cache, OIDC discovery, several issuers,
//! and a JWKS file on disk — and the [`Verifier`] constructors for each.

use std::path::Path;
use std::sync::Arc;

use super::cache::{KeyCache, Spawn, SystemClock, Target};
use super::discovery::configuration_url;
use super::file::FileSource;
use super::http::{check_url, Fetcher, HttpFetcher};
use super::multi::MultiIssuerSource;
use super::{KeyQuery, KeySource, RemoteOptions, SourceStats};
use crate::claims::Policy;
use crate::error::{err, Error, ErrorKind};
use crate::keyset::KeySet;
use crate::verifier::Verifier;

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

    fn would_wait(&self, query: &KeyQuery<'_>) -> bool {
        self.cache.would_wait(query.kid)
    }
}

impl Verifier {
    /// A verifier over a JWKS URL. No network I/O happens here: the first verification fetches
    /// (once, for all concurrent callers). `oct` keys are never taken from a URL.
    ///
    /// Errors: [`ErrorKind::InsecureUrl`] for `http` without [`RemoteOptions::allow_http`],
    /// [`ErrorKind::InvalidArgument`] for a URL that does not parse or a bad option.
    pub fn from_url(url: &str, policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        Ok(Verifier::new(RemoteSource::new(url, &remote)?, policy))
    }

    /// A verifier for one issuer found by OIDC discovery (`/.well-known/openid-configuration`,
    /// fetched on first use). The issuer is added to the policy's allowlist.
    pub fn from_issuer(
        issuer: &str,
        mut policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        let source = RemoteSource::for_issuer(issuer, &remote)?;
        if !policy.issuers.iter().any(|i| i == issuer) {
            policy.issuers.push(issuer.to_string());
        }
        Ok(Verifier::new(source, policy))
    }

    /// A verifier for every issuer on the policy's allowlist, each found by discovery on first
    /// use, routed by the token's `iss`. Errors with [`ErrorKind::InvalidArgument`] when the
    /// policy lists no issuer.
    pub fn from_issuers(policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        if policy.issuers.is_empty() {
            return Err(err(
                ErrorKind::InvalidArgument,
                "from_issuers needs at least one issuer on the policy",
            ));
        }
        let source = MultiIssuerSource::new(&policy.issuers, &remote)?;
        Ok(Verifier::new(source, policy))
    }

    /// A verifier over a JWKS file, read now and reloaded when it changes (checked at most once
    /// a second). `oct` keys are read only when the policy allows an HMAC algorithm.
    ///
    /// Errors: [`ErrorKind::KeysUnavailable`] if the file cannot be read,
    /// [`ErrorKind::KeySetInvalid`] if its content is not a usable key set.
    pub fn from_file(
        path: &Path,
        policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        let source = FileSource::open(path, &remote, policy.allows_hmac())?;
        Ok(Verifier::new(source, policy))
    }
}
