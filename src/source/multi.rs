//! Several issuers, each with its own discovered key set, chosen by the token's `iss`.

use std::sync::Arc;

use super::discovery::configuration_url;
use super::http::{Fetcher, HttpFetcher};
use super::key_source::{KeyQuery, KeySource, SourceStats};
use super::options::RemoteOptions;
use super::remote::RemoteSource;
use super::shown_url::show_url;
use crate::error::{err, shorten, Error, ErrorKind};
use crate::keyset::KeySet;

/// One [`RemoteSource`] per issuer. Tokens are routed by their `iss` (which the verifier has
/// already checked against the policy's allowlist); an issuer's keys never verify another
/// issuer's tokens.
#[derive(Clone)]
pub struct MultiIssuerSource {
    issuers: Vec<(String, RemoteSource)>,
}

/// Lists the issuers' sources, whose Debug output shows URLs without userinfo.
impl std::fmt::Debug for MultiIssuerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.issuers.iter().map(|(_, s)| s))
            .finish()
    }
}

impl MultiIssuerSource {
    /// A source per issuer, sharing one HTTP agent. No network I/O happens here.
    pub fn new(issuers: &[String], opts: &RemoteOptions) -> Result<MultiIssuerSource, Error> {
        let fetcher: Arc<dyn Fetcher> = Arc::new(HttpFetcher::new(opts)?);
        MultiIssuerSource::with_fetcher(issuers, opts, fetcher)
    }

    pub(crate) fn with_fetcher(
        issuers: &[String],
        opts: &RemoteOptions,
        fetcher: Arc<dyn Fetcher>,
    ) -> Result<MultiIssuerSource, Error> {
        opts.check()?;
        let mut out: Vec<(String, RemoteSource)> = Vec::new();
        for issuer in issuers {
            configuration_url(issuer, opts.allow_http)?;
            if out.iter().any(|(i, _)| i == issuer) {
                continue;
            }
            let source = RemoteSource::issuer_with(issuer, opts, Arc::clone(&fetcher));
            out.push((issuer.clone(), source));
        }
        Ok(MultiIssuerSource { issuers: out })
    }

    fn route(&self, query: &KeyQuery<'_>) -> Result<&RemoteSource, Error> {
        let iss = query
            .issuer
            .ok_or_else(|| err(ErrorKind::WrongIssuer, "the token has no iss claim"))?;
        self.issuers
            .iter()
            .find(|(i, _)| i == iss)
            .map(|(_, s)| s)
            .ok_or_else(|| {
                err(
                    ErrorKind::WrongIssuer,
                    format!("iss {:?} is not an allowed issuer", shorten(iss)),
                )
            })
    }
}

impl KeySource for MultiIssuerSource {
    fn keys(&self, query: &KeyQuery<'_>) -> Result<Arc<KeySet>, Error> {
        self.route(query)?.keys(query)
    }

    fn generation(&self, query: &KeyQuery<'_>) -> Result<u64, Error> {
        self.route(query)?.generation(query)
    }

    fn keys_after_miss(&self, query: &KeyQuery<'_>) -> Result<Option<Arc<KeySet>>, Error> {
        self.route(query)?.keys_after_miss(query)
    }

    fn routes_by_issuer(&self) -> bool {
        true
    }

    /// Refreshes every issuer at once, each on its own thread, so the whole refresh takes one
    /// fetch deadline, not one per issuer; returns the first failed issuer's error, its
    /// message prefixed with the issuer.
    fn refresh(&self) -> Result<(), Error> {
        let results: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let running: Vec<_> = self
                .issuers
                .iter()
                .map(|(_, s)| {
                    std::thread::Builder::new()
                        .name("jwks-refresh".into())
                        .spawn_scoped(scope, move || s.refresh())
                        // No thread to be had: refresh this issuer here instead.
                        .map_err(|_| s.refresh())
                })
                .collect();
            running
                .into_iter()
                .map(|t| match t {
                    Ok(handle) => handle.join().unwrap_or_else(|_| {
                        Err(err(ErrorKind::Internal, "the key refresh panicked"))
                    }),
                    Err(done) => done,
                })
                .collect()
        });
        let failed = self.issuers.iter().zip(results).find(|(_, r)| r.is_err());
        match failed {
            Some(((issuer, _), Err(e))) => Err(err(
                e.kind(),
                format!("issuer {:?}: {}", show_url(issuer), e.message()),
            )),
            _ => Ok(()),
        }
    }

    /// Whether every issuer has keys to verify with now.
    fn is_ready(&self) -> bool {
        self.issuers.iter().all(|(_, s)| s.is_ready())
    }

    /// Counters summed over the issuers; `keys_age_ms` is the oldest set's age.
    fn stats(&self) -> SourceStats {
        let mut total = SourceStats {
            keys_age_ms: -1,
            ..SourceStats::default()
        };
        for (_, s) in &self.issuers {
            let st = s.stats();
            total.fetches += st.fetches;
            total.not_modified += st.not_modified;
            total.failures += st.failures;
            total.unknown_kid_refreshes += st.unknown_kid_refreshes;
            total.cooldown_rejections += st.cooldown_rejections;
            total.key_count += st.key_count;
            total.skipped_count += st.skipped_count;
            total.keys_age_ms = total.keys_age_ms.max(st.keys_age_ms);
        }
        total
    }

    /// The first issuer's last error, if any issuer's most recent fetch failed.
    fn last_error(&self) -> Option<Error> {
        self.issuers.iter().find_map(|(_, s)| s.last_error())
    }

    /// A token routed to no issuer is refused at once, without a fetch.
    fn would_block(&self, query: &KeyQuery<'_>) -> bool {
        self.route(query).is_ok_and(|s| s.would_block(query))
    }
}
