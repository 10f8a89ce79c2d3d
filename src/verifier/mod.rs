//! A key source plus a policy: `verify(token, now)`.
//!
//! One verification is a straight line: parse the token ([`crate::token`]), get the keys
//! from the source, check the signature ([`crate::keyset`], [`crate::alg`]), check the claims
//! ([`crate::claims`]). The token cache ([`crate::token_cache`]) is a store this module
//! consults before that line and fills after it. Every way to build a verifier is in
//! `constructors`.

use std::sync::Arc;

use crate::catalogue::DpopStats;
use crate::claims::issuer;
use crate::cnf::Confirmation;
use crate::dpop::ProofVerifier;
use crate::error::{err, shorten, Error, ErrorKind};
use crate::jwk::Jwk;
use crate::keyset::{Candidates, KeySet};
use crate::nul_str::NulStr;
use crate::policy::Policy;
use crate::source::{KeyQuery, KeySource, SourceStats};
use crate::stripe;
use crate::token::{self, ParsedToken};
use crate::token_cache::{Facts, TokenCache, TokenCacheStats};
/// Re-exported here, where it has long been named (`jwkskit::verifier::VerifiedToken`).
pub use crate::verified_token::VerifiedToken;
use crate::verify_counts::{Counters, VerifyCounts};

mod constructors;
pub mod request;

/// Whether the caller of a verification checks a bound token's binding (`cnf`) itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binding {
    /// It does not: a bound token is refused (but for `allow_dpop_bound_bearer`).
    Unchecked,
    /// It does (a request verification): a bound token is returned for it to check.
    CheckedByCaller,
}

/// Verifies tokens against a key source under a policy. `Send + Sync`; clones share state.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    source: Box<dyn KeySource>,
    policy: Policy,
    cache: Option<TokenCache>,
    /// DPoP proofs: their keys, replay store and nonces.
    dpop: ProofVerifier,
    counts: Counters,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The key source.
    pub fn source(&self) -> &dyn KeySource {
        self.inner.source.as_ref()
    }

    /// Verifies a JWT (signature and claims) at the system clock's current time.
    pub fn verify(&self, token: &[u8]) -> Result<VerifiedToken, Error> {
        self.verify_at(token, unix_now())
    }

    /// Verifies a JWT (signature and claims) at unix time `now`, through the token cache if
    /// the policy has one (the verdict is the same either way). Counted in
    /// [`Verifier::verify_counts`].
    ///
    /// A token that carries `cnf` (RFC 7800: bound to a DPoP key or a client certificate) is
    /// refused with [`ErrorKind::BoundTokenAsBearer`]: whoever holds it must also prove the
    /// binding, which only [`verify_request`](Self::verify_request) checks. The one exception
    /// is a DPoP-bound token (`cnf.jkt` alone) under
    /// [`DpopPolicy::allow_bound_bearer`](crate::dpop::DpopPolicy::allow_bound_bearer).
    pub fn verify_at(&self, token: &[u8], now: i64) -> Result<VerifiedToken, Error> {
        self.verify_token_at(token, now, Binding::Unchecked)
    }

    /// [`verify_at`](Self::verify_at), where `binding` says whether the caller checks a bound
    /// token's binding itself (a request verification) or not.
    pub(crate) fn verify_token_at(
        &self,
        token: &[u8],
        now: i64,
        binding: Binding,
    ) -> Result<VerifiedToken, Error> {
        // Each outcome is counted where it is made, and the token moved once into the
        // caller's: counting a local copy before returning it cost every hit a copy of the
        // verified token (docs/benchmarks.md, "Measured while designing"). The thread's stripe
        // of the counters is looked up once, for the token cache's counters and ours.
        let stripe = stripe::index();
        let counts = &self.inner.counts;
        let failed = |e: Error| counts.failed(stripe, e);
        let Some(cache) = &self.inner.cache else {
            let (verified, facts) = self.verify_fresh(token, now).map_err(failed)?;
            if facts.bound && binding == Binding::Unchecked {
                self.refuse_unproven(&verified).map_err(failed)?;
            }
            counts.succeeded(stripe);
            return Ok(verified);
        };
        let policy = &self.inner.policy;
        let (probe, hit) = cache.lookup(token, policy.limits.max_json_depth, stripe);
        if let Some(hit) = hit {
            // The source is asked as a verification would ask it (so refreshes and expiry
            // happen as without a cache); the entry answers only if the keys that verified it
            // are still the current ones. The cache's lock is not held: asking may fetch.
            let query = KeyQuery {
                kid: hit.verified.kid(),
                issuer: hit.issuer.as_deref(),
            };
            let generation = self.inner.source.generation(&query).map_err(failed)?;
            if cache.confirm(&probe, &hit, generation) {
                policy.check_times(&hit.times, now).map_err(failed)?;
                if hit.bound && binding == Binding::Unchecked {
                    self.refuse_unproven(&hit.verified).map_err(failed)?;
                }
                counts.succeeded(stripe);
                return Ok(hit.verified);
            }
        }
        let (verified, facts) = self.verify_fresh(token, now).map_err(failed)?;
        let bound = facts.bound;
        // Stored even when refused below: it is valid, and a request verification that
        // proves its binding may ask for it next.
        cache.insert(probe, &verified, facts, now, policy.leeway);
        if bound && binding == Binding::Unchecked {
            self.refuse_unproven(&verified).map_err(failed)?;
        }
        counts.succeeded(stripe);
        Ok(verified)
    }

    /// The refusal of a bound token (one with `cnf`) verified without its binding, unless the
    /// policy accepts it: a DPoP-bound token (`cnf.jkt` and no certificate binding) under
    /// `allow_dpop_bound_bearer`.
    fn refuse_unproven(&self, verified: &VerifiedToken) -> Result<(), Error> {
        let policy = &self.inner.policy;
        let cnf = Confirmation::read(verified.payload(), policy.limits.max_json_depth)?;
        let message = match (&cnf.jkt, &cnf.x5t_s256) {
            (Some(_), None) if policy.dpop.allow_bound_bearer => return Ok(()),
            (Some(_), _) => {
                "the token is DPoP-bound (cnf.jkt): verify the request with its DPoP proof \
                 (verify_request), not the token alone"
            }
            (None, Some(_)) => {
                "the token is bound to a client certificate (cnf.x5t#S256): verify the request \
                 with the certificate (verify_request), not the token alone"
            }
            (None, None) => {
                "the token is bound to a key (cnf) by a method this library does not check: \
                 it cannot be accepted without proof of possession"
            }
        };
        Err(err(ErrorKind::BoundTokenAsBearer, message))
    }

    /// The full verification, and what the token cache keeps besides the token.
    fn verify_fresh(&self, token: &[u8], now: i64) -> Result<(VerifiedToken, Facts), Error> {
        let policy = &self.inner.policy;
        let parsed = token::parse(token, &policy.limits)?;
        let (verified, generation, issuer) = self.check_signature(parsed)?;
        // Read whole, by the same reader as `claims()`, which builds its map on first use:
        // building it here would cost every verification a measurable share of a signature
        // check (docs/benchmarks.md, "Measured while designing").
        let (times, bound) = policy.check_claims_times(verified.payload(), now)?;
        let facts = Facts {
            times,
            bound,
            generation,
            issuer,
        };
        Ok((verified.claims_checked(), facts))
    }

    /// Verifies a JWS signature and the header policy only; the payload need not be JSON.
    /// Counted in [`Verifier::verify_counts`].
    pub fn verify_signature(&self, jws: &[u8]) -> Result<VerifiedToken, Error> {
        let stripe = stripe::index();
        let counts = &self.inner.counts;
        let parsed =
            token::parse(jws, &self.inner.policy.limits).map_err(|e| counts.failed(stripe, e))?;
        let (verified, _, _) = self
            .check_signature(parsed)
            .map_err(|e| counts.failed(stripe, e))?;
        counts.succeeded(stripe);
        Ok(verified)
    }

    /// How many verifications ([`verify`](Self::verify), [`verify_at`](Self::verify_at),
    /// [`verify_signature`](Self::verify_signature), through the token cache or not) this
    /// verifier answered since it was made, by result. Reading them takes no lock.
    pub fn verify_counts(&self) -> VerifyCounts {
        self.inner.counts.snapshot()
    }

    /// Whether the verifier can verify now without waiting for a key fetch: every issuer it
    /// serves has keys that are not past their stale bound (a fixed key set and a file, read
    /// when the verifier was made, always have). Never blocks, does no I/O and starts no
    /// fetch: a readiness probe may call it as often as it likes. A remote verifier made
    /// without [`RemoteOptions::fetch_at_start`](crate::RemoteOptions::fetch_at_start) is not
    /// ready until its first fetch (a verification or [`refresh`](Self::refresh)) succeeds;
    /// one serving several issuers is ready once every issuer is.
    pub fn is_ready(&self) -> bool {
        self.inner.source.is_ready()
    }

    /// The token cache's counters (all zero, with zero bounds, when it is off).
    pub fn token_cache_stats(&self) -> TokenCacheStats {
        self.inner
            .cache
            .as_ref()
            .map_or_else(TokenCacheStats::default, TokenCache::stats)
    }

    /// The DPoP proof counters and the replay store's occupancy.
    pub fn dpop_stats(&self) -> DpopStats {
        let dpop = &self.inner.dpop;
        let c = &dpop.counters;
        let (replay_entries, replay_max_entries, replay_bytes, replay_max_bytes) =
            dpop.store_occupancy();
        let n = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        DpopStats {
            proofs_verified: n(&c.verified),
            proofs_rejected: n(&c.rejected),
            replays: n(&c.replays),
            store_refusals: n(&c.store_refusals),
            nonce_challenges: n(&c.nonce_challenges),
            replay_entries,
            replay_max_entries,
            replay_bytes,
            replay_max_bytes,
        }
    }

    /// The DPoP proof verifier: the algorithms a proof may use, its replay store, its nonces.
    pub fn dpop_verifier(&self) -> &ProofVerifier {
        &self.inner.dpop
    }

    /// Forces the source to refresh its keys.
    pub fn refresh(&self) -> Result<(), Error> {
        self.inner.source.refresh()
    }

    /// The source's counters.
    pub fn stats(&self) -> SourceStats {
        self.inner.source.stats()
    }

    /// Checks the header policy and the signature; also returns the generation of the key set
    /// that verified it and the `iss` the source was asked for (if it routes by issuer).
    fn check_signature(
        &self,
        parsed: ParsedToken<'_>,
    ) -> Result<(VerifiedToken, u64, Option<String>), Error> {
        let policy = &self.inner.policy;
        if !policy.allows(parsed.alg) {
            return Err(err(
                ErrorKind::AlgorithmNotAllowed,
                format!("alg {} is not allowed by the policy", parsed.alg),
            ));
        }
        policy.check_typ(parsed.typ.as_deref())?;
        let source = self.inner.source.as_ref();
        let issuer = if source.routes_by_issuer() {
            Some(self.issuer_of(&parsed.payload)?)
        } else {
            None
        };
        let query = KeyQuery {
            kid: parsed.kid.as_deref(),
            issuer: issuer.as_deref(),
        };
        let set = source.keys(&query)?;
        let (key, generation) = match self.verify_with(&set, &parsed) {
            Err(e) if e.kind() == ErrorKind::UnknownKey && parsed.kid.is_some() => {
                match source.keys_after_miss(&query)? {
                    Some(newer) => (self.verify_with(&newer, &parsed)?, newer.generation()),
                    None => return Err(e),
                }
            }
            other => (other?, set.generation()),
        };
        let verified = VerifiedToken::new(
            parsed.header,
            parsed.payload,
            parsed.alg,
            parsed.kid,
            key.0,
            key.1,
            policy.limits.max_json_depth,
        );
        Ok((verified, generation, issuer))
    }

    /// Verifies against one snapshot; returns the verifying key's kid and thumbprint.
    fn verify_with(
        &self,
        set: &KeySet,
        parsed: &ParsedToken<'_>,
    ) -> Result<(Option<NulStr>, NulStr), Error> {
        let sig = parsed.signature.as_slice();
        let ok = |k: &Jwk| (k.kid.clone(), k.thumbprint.clone());
        match set.select(parsed.kid.as_deref(), parsed.alg)? {
            Candidates::One(key) => {
                if key.verify(parsed.alg, parsed.signing_input, sig) {
                    Ok(ok(key))
                } else {
                    Err(err(
                        ErrorKind::BadSignature,
                        format!(
                            "{} signature does not verify with key {:?}",
                            parsed.alg,
                            shorten(key.kid().unwrap_or(""))
                        ),
                    ))
                }
            }
            Candidates::Several(keys) => keys
                .iter()
                .find(|k| k.verify(parsed.alg, parsed.signing_input, sig))
                .map(|k| ok(k))
                .ok_or_else(|| {
                    err(
                        ErrorKind::BadSignature,
                        format!(
                            "{} signature does not verify with any of the {} candidate keys",
                            parsed.alg,
                            keys.len()
                        ),
                    )
                }),
        }
    }

    /// The token's `iss`, read before the signature only to route to the issuer's key set.
    fn issuer_of(&self, payload_with_nul: &[u8]) -> Result<String, Error> {
        let payload = &payload_with_nul[..payload_with_nul.len() - 1];
        let policy = &self.inner.policy;
        let claims = token::read_fields(payload, "payload", policy.limits.max_json_depth, &|n| {
            n == "iss"
        })?;
        let iss = issuer(&claims)?;
        if !policy.issuers.is_empty() && !policy.issuers.iter().any(|i| i == iss) {
            return Err(err(
                ErrorKind::WrongIssuer,
                format!("iss {:?} is not an allowed issuer", shorten(iss)),
            ));
        }
        Ok(iss.to_owned())
    }
}

impl Verifier {
    /// Whether [`Verifier::verify`] of `token` would wait for a key fetch now: no keys yet
    /// (cold start, or keys past their stale bound), or a `kid` the keys lack while a refetch
    /// is allowed or running. Never blocks and does no I/O, so an event loop can call it to
    /// decide whether to verify inline or on a worker thread. A token refused before keys are
    /// looked up (malformed, algorithm not allowed, issuer not routed) never waits. The answer
    /// may be `true` when the verification turns out not to wait, never `false` when it does
    /// at the moment of asking (another thread may start a fetch a moment later).
    pub fn would_block(&self, token: &[u8]) -> bool {
        let policy = &self.inner.policy;
        let Ok(parsed) = token::parse(token, &policy.limits) else {
            return false;
        };
        if !policy.allows(parsed.alg) {
            return false;
        }
        let source = self.inner.source.as_ref();
        let issuer = if source.routes_by_issuer() {
            match self.issuer_of(&parsed.payload) {
                Ok(iss) => Some(iss),
                Err(_) => return false,
            }
        } else {
            None
        };
        source.would_block(&KeyQuery {
            kid: parsed.kid.as_deref(),
            issuer: issuer.as_deref(),
        })
    }

    /// The former name of [`would_block`](Self::would_block), the name the C, Python and Go
    /// APIs use.
    #[deprecated(note = "renamed `would_block`")]
    #[doc(hidden)]
    pub fn would_wait(&self, token: &[u8]) -> bool {
        self.would_block(token)
    }
}

/// Seconds since the unix epoch from the system clock (the only place the core reads it).
pub fn unix_now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
