//! A key source plus a policy: `verify(token, now)`.

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::claims::{issuer, Policy};
use crate::error::{err, Error, ErrorKind};
use crate::jwk::Jwk;
use crate::keyset::{shorten, Candidates, KeySet, KeySetOptions};
use crate::nul_str::NulStr;
use crate::source::{KeyQuery, KeySource, SourceStats, StaticSource};
use crate::token::{self, ParsedToken};
use crate::token_cache::{Facts, TokenCache, TokenCacheStats};

/// Verifies tokens against a key source under a policy. `Send + Sync`; clones share state.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    source: Box<dyn KeySource>,
    policy: Policy,
    cache: Option<TokenCache>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// A token whose signature (and, for [`Verifier::verify`], claims) checked out.
///
/// The header and payload are the bytes as received, base64url-decoded, never re-serialised.
/// The claims map is built on first use by the reader the claim checks use, from the same
/// bytes, so what [`claims`](Self::claims) shows is what was validated.
#[derive(Debug)]
pub struct VerifiedToken {
    header: Vec<u8>,
    payload: Vec<u8>,
    alg: Algorithm,
    kid: Option<NulStr>,
    key_kid: Option<NulStr>,
    key_thumbprint: NulStr,
    /// Nesting limit for reading the claims on first use (a JWS's payload need not be JSON).
    max_json_depth: usize,
    claims: OnceLock<Option<Map<String, Value>>>,
}

impl VerifiedToken {
    /// The decoded header JSON.
    pub fn header(&self) -> &[u8] {
        &self.header[..self.header.len() - 1]
    }

    /// The decoded payload (the claims JSON of a JWT).
    pub fn payload(&self) -> &[u8] {
        &self.payload[..self.payload.len() - 1]
    }

    /// The header followed by a NUL byte (for C callers).
    pub fn header_with_nul(&self) -> &[u8] {
        &self.header
    }

    /// The payload followed by a NUL byte (for C callers).
    pub fn payload_with_nul(&self) -> &[u8] {
        &self.payload
    }

    /// The algorithm that verified the signature.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The `kid` of the key that verified the signature, if that key has one.
    pub fn key_kid(&self) -> Option<&str> {
        self.key_kid.as_deref()
    }

    /// The RFC 7638 thumbprint of the key that verified the signature.
    pub fn key_thumbprint(&self) -> &str {
        &self.key_thumbprint
    }

    /// [`kid`](Self::kid), NUL-terminated for C.
    pub(crate) fn kid_nul(&self) -> Option<&NulStr> {
        self.kid.as_ref()
    }

    /// [`key_kid`](Self::key_kid), NUL-terminated for C: shared with the key, no copy.
    pub(crate) fn key_kid_nul(&self) -> Option<&NulStr> {
        self.key_kid.as_ref()
    }

    /// [`key_thumbprint`](Self::key_thumbprint), NUL-terminated for C.
    pub(crate) fn key_thumbprint_nul(&self) -> &NulStr {
        &self.key_thumbprint
    }

    /// The claims as a JSON object; `None` if the payload is not one JSON object the claim
    /// checks would accept (possible only for [`Verifier::verify_signature`]).
    pub fn claims(&self) -> Option<&Map<String, Value>> {
        self.claims
            .get_or_init(|| crate::json::parse_object(self.payload(), self.max_json_depth).ok())
            .as_ref()
    }

    /// One claim, if present.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims()?.get(name)
    }

    /// A verified token from what the token cache kept of one (header and payload each
    /// followed by a NUL; the policy's nesting limit for reading the claims).
    pub(crate) fn from_parts(
        header: Vec<u8>,
        payload: Vec<u8>,
        alg: Algorithm,
        kid: Option<NulStr>,
        key_kid: Option<NulStr>,
        key_thumbprint: NulStr,
        max_json_depth: usize,
    ) -> VerifiedToken {
        VerifiedToken {
            header,
            payload,
            alg,
            kid,
            key_kid,
            key_thumbprint,
            max_json_depth,
            claims: OnceLock::new(),
        }
    }
}

impl Verifier {
    /// A verifier over any key source.
    pub fn new(source: impl KeySource + 'static, policy: Policy) -> Verifier {
        Verifier {
            inner: Arc::new(Inner {
                source: Box::new(source),
                cache: TokenCache::new(policy.token_cache),
                policy,
            }),
        }
    }

    /// A verifier over a fixed JWKS (or single JWK) document. `oct` keys are read only when the
    /// policy allows an HMAC algorithm.
    pub fn from_jwks_json(json: &[u8], policy: Policy) -> Result<Verifier, Error> {
        let opts = KeySetOptions {
            allow_oct: policy.allows_hmac(),
            ..KeySetOptions::default()
        };
        let set = KeySet::parse(json, &opts)?;
        Ok(Verifier::new(StaticSource::new(set), policy))
    }

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
    /// the policy has one (the verdict is the same either way).
    pub fn verify_at(&self, token: &[u8], now: i64) -> Result<VerifiedToken, Error> {
        match &self.inner.cache {
            Some(cache) => cache.verify(self, token, now),
            None => Ok(self.verify_fresh(token, now)?.0),
        }
    }

    /// The full verification, and what the token cache keeps besides the token.
    pub(crate) fn verify_fresh(
        &self,
        token: &[u8],
        now: i64,
    ) -> Result<(VerifiedToken, Facts), Error> {
        let policy = &self.inner.policy;
        let parsed = token::parse(token, &policy.limits)?;
        let (verified, generation, issuer) = self.check_signature(parsed)?;
        // Read whole, by the same reader as `claims()`, which builds its map on first use:
        // building it here would cost every verification about 2% of an RS256-2048 verify.
        let times = policy.check_claims_times(verified.payload(), now)?;
        let facts = Facts {
            times,
            generation,
            issuer,
        };
        Ok((verified, facts))
    }

    /// Verifies a JWS signature and the header policy only; the payload need not be JSON.
    pub fn verify_signature(&self, jws: &[u8]) -> Result<VerifiedToken, Error> {
        let parsed = token::parse(jws, &self.inner.policy.limits)?;
        Ok(self.check_signature(parsed)?.0)
    }

    /// The token cache's counters (all zero, with zero bounds, when it is off).
    pub fn token_cache_stats(&self) -> TokenCacheStats {
        self.inner
            .cache
            .as_ref()
            .map_or_else(TokenCacheStats::default, TokenCache::stats)
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
        let verified = VerifiedToken {
            header: parsed.header,
            payload: parsed.payload,
            alg: parsed.alg,
            kid: parsed.kid,
            key_kid: key.0,
            key_thumbprint: key.1,
            max_json_depth: policy.limits.max_json_depth,
            claims: OnceLock::new(),
        };
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

/// Seconds since the unix epoch from the system clock (the only place the core reads it).
pub fn unix_now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
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
    pub fn would_wait(&self, token: &[u8]) -> bool {
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
        source.would_wait(&KeyQuery {
            kid: parsed.kid.as_deref(),
            issuer: issuer.as_deref(),
        })
    }
}
