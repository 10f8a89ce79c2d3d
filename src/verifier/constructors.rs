//! Every way to build a [`Verifier`]: over any key source, a fixed JWKS document, a JWKS URL,
//! one issuer or several found by OIDC discovery, or a JWKS file on disk.

use std::path::Path;
use std::sync::Arc;

use super::{Inner, Verifier};
use crate::dpop::ProofVerifier;
use crate::error::{err, Error, ErrorKind};
use crate::keyset::{KeySet, KeySetOptions};
use crate::policy::Policy;
use crate::source::{
    FileSource, KeySource, MultiIssuerSource, RemoteOptions, RemoteSource, StaticSource,
};
use crate::token_cache::TokenCache;

impl Verifier {
    /// A verifier over any key source. Every constructor comes here, so every one refuses a
    /// policy that fails [`Policy::check`] (and those with remote options, options that fail
    /// [`RemoteOptions::check`]): a setting is used as given or refused, never clamped.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming the setting, its value and its range.
    pub fn new(source: impl KeySource + 'static, policy: Policy) -> Result<Verifier, Error> {
        policy.check()?;
        let dpop = ProofVerifier::new(&policy.dpop, &policy.algorithms, policy.limits)?;
        Ok(Verifier {
            inner: Arc::new(Inner {
                source: Box::new(source),
                cache: TokenCache::new(policy.token_cache),
                dpop,
                counts: Default::default(),
                policy,
            }),
        })
    }

    /// A verifier over a fixed JWKS (or single JWK) document. `oct` keys are read only when the
    /// policy allows an HMAC algorithm.
    pub fn from_json(json: &[u8], policy: Policy) -> Result<Verifier, Error> {
        let opts = KeySetOptions {
            allow_oct: policy.allows_hmac(),
            ..KeySetOptions::default()
        };
        let set = KeySet::parse(json, &opts)?;
        Verifier::new(StaticSource::new(set), policy)
    }

    /// The former name of [`from_json`](Self::from_json), the name the C and Go APIs use.
    #[deprecated(note = "renamed `from_json`")]
    #[doc(hidden)]
    pub fn from_jwks_json(json: &[u8], policy: Policy) -> Result<Verifier, Error> {
        Verifier::from_json(json, policy)
    }

    /// A verifier over a JWKS URL. No network I/O happens here unless
    /// [`RemoteOptions::fetch_at_start`] asks for it: the first verification fetches (once, for
    /// all concurrent callers). `oct` keys are never taken from a URL.
    ///
    /// Errors: [`ErrorKind::InsecureUrl`] for `http` without [`RemoteOptions::allow_http`],
    /// [`ErrorKind::InvalidArgument`] for a URL that does not parse or a bad option; with
    /// `fetch_at_start`, the fetch's error ([`ErrorKind::KeysUnavailable`],
    /// [`ErrorKind::KeySetInvalid`]).
    pub fn from_url(url: &str, policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        Verifier::started(RemoteSource::new(url, &remote)?, policy, &remote)
    }

    /// [`Verifier::new`], then, when `remote` asks for an eager start, the keys of every issuer
    /// loaded before the verifier is handed out: a configuration mistake (a wrong URL or
    /// issuer, a discovery document naming another issuer) or an unreachable endpoint fails
    /// here with the fetch's own error, not on every verification afterwards.
    fn started(
        source: impl KeySource + 'static,
        policy: Policy,
        remote: &RemoteOptions,
    ) -> Result<Verifier, Error> {
        let verifier = Verifier::new(source, policy)?;
        if remote.fetch_at_start {
            verifier.refresh().map_err(|e| {
                err(
                    e.kind(),
                    format!("loading the keys at start: {}", e.message()),
                )
            })?;
        }
        Ok(verifier)
    }

    /// A verifier for one issuer found by OIDC discovery (`/.well-known/openid-configuration`,
    /// fetched on first use, or at once with [`RemoteOptions::fetch_at_start`]). The issuer is
    /// added to the policy's allowlist.
    pub fn from_issuer(
        issuer: &str,
        mut policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        if !policy.issuers.iter().any(|i| i == issuer) {
            policy.issuers.push(issuer.to_string());
        }
        let source = RemoteSource::for_issuer(issuer, &remote)?;
        Verifier::started(source, policy, &remote)
    }

    /// A verifier for every issuer on the policy's allowlist, each found by discovery on first
    /// use (or every one at once with [`RemoteOptions::fetch_at_start`], which then fails if
    /// any issuer's keys cannot be had), routed by the token's `iss`. Errors with
    /// [`ErrorKind::InvalidArgument`] when the policy lists no issuer.
    pub fn from_issuers(policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        if policy.issuers.is_empty() {
            return Err(err(
                ErrorKind::InvalidArgument,
                "from_issuers needs at least one issuer on the policy",
            ));
        }
        let source = MultiIssuerSource::new(&policy.issuers, &remote)?;
        Verifier::started(source, policy, &remote)
    }

    /// A verifier over a JWKS file, read now (whatever [`RemoteOptions::fetch_at_start`] says)
    /// and reloaded when it changes (checked at most once a second). `oct` keys are read only
    /// when the policy allows an HMAC algorithm.
    ///
    /// Errors: [`ErrorKind::KeysUnavailable`] if the file cannot be read,
    /// [`ErrorKind::KeySetInvalid`] if its content is not a usable key set.
    pub fn from_file(
        path: &Path,
        policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        let source = FileSource::open(path, &remote, policy.allows_hmac())?;
        Verifier::new(source, policy)
    }
}
