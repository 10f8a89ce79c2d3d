//! Checking one DPoP proof (RFC 9449 §4.3), and recording it in the replay store.
//!
//! The checks, cheapest first (the RFC allows any order; a proof's signature is checked only
//! once everything else about it holds):
//!
//! 1. one compact JWS, by the reader every token goes through ([`crate::token`]): strict
//!    base64url and JSON, size limits, no `crit`, `alg` a known signature algorithm;
//! 2. `typ` is `dpop+jwt`; `alg` is asymmetric and allowed by the policy;
//! 3. `jwk` is a public key (no private member, not `oct`) that passes every check a key of a
//!    JWKS passes ([`crate::jwk`]: sizes, curve points, ROCA...) and fits `alg` (parsed once
//!    per header: [`super::key_cache`]);
//! 4. `jti`, `htm`, `htu`, `iat` present with their types (and `ath` with an access token);
//! 5. `htm` is the request's method; `htu` its URI ([`super::htu`]); `ath` the access token's
//!    hash;
//! 6. `iat` within `dpop_max_age` before now and `dpop_leeway` after (and the leeway added to
//!    the age);
//! 7. with nonces on, `nonce` one the server issued recently;
//! 8. the signature verifies with `jwk`;
//! 9. then, when the request passed every other check, the replay store records the proof's
//!    key ([`crate::replay`]) or says it saw it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest;
use serde_json::Value;

use super::key_cache::{KeyCache, ProofKey};
use super::nonce::{is_nonce_syntax, NonceSource, RotatingNonces};
use super::{htu, DpopPolicy};
use crate::alg::Algorithm;
use crate::error::{err, shorten, Error, ErrorKind};
use crate::json::Field;
use crate::jwk::Jwk;
use crate::replay::{replay_key, MemoryReplayStore, ReplayStore, ReplayVerdict};
use crate::token::{self, Limits};

/// The `typ` of a DPoP proof.
pub const DPOP_TYP: &str = "dpop+jwt";
/// The longest `jti` accepted (RFC 9449 §11.1: refuse unnecessarily large values; a UUID is
/// 36 characters, 96 random bits in base64url 16).
pub const MAX_JTI_LEN: usize = 256;

/// JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4;
/// RFC 8037 §2).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What a proof is checked against: the request it came with.
#[derive(Debug, Clone, Copy)]
pub struct ProofTarget<'a> {
    /// The request's method (`htm` must equal it exactly), e.g. `GET`.
    pub method: &'a str,
    /// The request's absolute URI as the client addressed it (`htu` must name it, query and
    /// fragment aside); behind a proxy, the external URI.
    pub uri: &'a str,
    /// The access token sent with the proof, if any (`ath` must be its hash).
    pub access_token: Option<&'a [u8]>,
}

/// A proof that passed every check but the replay store.
#[derive(Debug)]
pub(crate) struct CheckedProof {
    key: Arc<ProofKey>,
    jti: String,
    iat: f64,
    header: Vec<u8>,
    payload: Vec<u8>,
    /// The nonce to send the client now, when it differs from the proof's (nonces on).
    fresh_nonce: Option<String>,
}

impl CheckedProof {
    /// The RFC 7638 thumbprint of the proof's key (what `cnf.jkt` must equal).
    pub(crate) fn jkt(&self) -> &str {
        self.key.jwk.thumbprint()
    }
}

/// A verified DPoP proof.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedProof {
    /// The RFC 7638 thumbprint of the proof's `jwk`.
    pub jkt: String,
    /// The proof's `alg`.
    pub alg: Algorithm,
    /// The proof's `jti`.
    pub jti: String,
    /// The proof's `iat`.
    pub iat: f64,
    /// The proof's decoded header.
    pub header: Vec<u8>,
    /// The proof's decoded payload.
    pub payload: Vec<u8>,
    /// With server nonces on, the nonce to send in `DPoP-Nonce` when the client's is no
    /// longer the current one; `None` otherwise.
    pub fresh_nonce: Option<String>,
}

impl VerifiedProof {
    pub(crate) fn from_checked(p: CheckedProof) -> VerifiedProof {
        VerifiedProof {
            jkt: p.key.jwk.thumbprint().to_owned(),
            alg: p.key.alg,
            jti: p.jti,
            iat: p.iat,
            header: p.header,
            payload: p.payload,
            fresh_nonce: p.fresh_nonce,
        }
    }
}

/// The DPoP proof counters (see the statistics catalogue's `DPOP_STATS`).
#[derive(Debug, Default)]
pub(crate) struct ProofCounters {
    pub(crate) verified: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) replays: AtomicU64,
    pub(crate) store_refusals: AtomicU64,
    pub(crate) nonce_challenges: AtomicU64,
}

/// Checks DPoP proofs under a policy, with its replay store and nonces. Thread-safe; one per
/// verifier.
pub struct ProofVerifier {
    max_age: i64,
    leeway: i64,
    algorithms: Vec<Algorithm>,
    limits: Limits,
    keys: KeyCache,
    replay_bytes: usize,
    custom_store: Option<Arc<dyn ReplayStore>>,
    /// The in-memory store, made on first use (a verifier that sees no proof allocates none).
    memory_store: OnceLock<MemoryReplayStore>,
    nonces: Option<Arc<dyn NonceSource>>,
    pub(crate) counters: ProofCounters,
}

impl std::fmt::Debug for ProofVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofVerifier")
            .field("max_age", &self.max_age)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl ProofVerifier {
    /// A proof verifier for `policy`, allowing the asymmetric algorithms of `algorithms` (all
    /// asymmetric ones when it is empty), with `limits` on the proof's size.
    pub fn new(
        policy: &DpopPolicy,
        algorithms: &[Algorithm],
        limits: Limits,
    ) -> Result<ProofVerifier, Error> {
        let nonces: Option<Arc<dyn NonceSource>> =
            match (&policy.nonce_source, policy.nonce_lifetime) {
                (Some(source), _) => Some(Arc::clone(&source.0)),
                (None, Some(lifetime)) => Some(Arc::new(RotatingNonces::new(
                    lifetime,
                    policy.nonce_secret.as_deref().map(str::as_bytes),
                )?)),
                (None, None) => None,
            };
        Ok(ProofVerifier {
            max_age: secs(policy.max_age),
            leeway: secs(policy.leeway),
            algorithms: algorithms
                .iter()
                .copied()
                .filter(|a| !a.is_hmac())
                .collect(),
            limits,
            keys: KeyCache::default(),
            replay_bytes: policy.replay_cache_bytes,
            custom_store: policy.replay_store.as_ref().map(|s| Arc::clone(&s.0)),
            memory_store: OnceLock::new(),
            nonces,
            counters: ProofCounters::default(),
        })
    }

    /// The algorithms a proof may use, for the `algs` of a `DPoP` challenge.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        if self.algorithms.is_empty() {
            Algorithm::ASYMMETRIC.to_vec()
        } else {
            self.algorithms.clone()
        }
    }

    fn allows(&self, alg: Algorithm) -> bool {
        !alg.is_hmac() && (self.algorithms.is_empty() || self.algorithms.contains(&alg))
    }

    /// Whether server nonces are on.
    pub fn nonces_on(&self) -> bool {
        self.nonces.is_some()
    }

    /// The nonce to send now (`DPoP-Nonce`), if nonces are on.
    pub fn current_nonce(&self, now: i64) -> Result<Option<String>, Error> {
        let Some(source) = &self.nonces else {
            return Ok(None);
        };
        let nonce = source.issue(now)?;
        if !is_nonce_syntax(&nonce) {
            return Err(err(
                ErrorKind::Internal,
                "the DPoP nonce source issued a nonce that is not 1*NQCHAR (RFC 9449 §8.1)",
            ));
        }
        Ok(Some(nonce))
    }

    fn store(&self) -> &dyn ReplayStore {
        match &self.custom_store {
            Some(store) => store.as_ref(),
            None => self
                .memory_store
                .get_or_init(|| MemoryReplayStore::new(self.replay_bytes)),
        }
    }

    /// The replay store's occupancy `(entries, max_entries, bytes, max_bytes)`; zeros until
    /// the in-memory store is first used, and for a shared store.
    pub(crate) fn store_occupancy(&self) -> (u64, u64, u64, u64) {
        match (&self.custom_store, self.memory_store.get()) {
            (Some(store), _) => store.occupancy(),
            (None, Some(store)) => store.occupancy(),
            (None, None) => (0, 0, 0, self.replay_bytes as u64),
        }
    }

    /// Checks a proof and records it in the replay store: [`check`](Self::check) then
    /// [`record`](Self::record), for a caller with no other check to make between them (an
    /// authorization server's token endpoint, the command line tool).
    pub fn verify(
        &self,
        proof: &[u8],
        target: &ProofTarget<'_>,
        now: i64,
    ) -> Result<VerifiedProof, Error> {
        let checked = self.check(proof, target, now)?;
        self.record(&checked, now)?;
        Ok(VerifiedProof::from_checked(checked))
    }

    /// Every check of a proof but the replay store (see the module docs).
    pub(crate) fn check(
        &self,
        proof: &[u8],
        target: &ProofTarget<'_>,
        now: i64,
    ) -> Result<CheckedProof, Error> {
        let checked = self.check_inner(proof, target, now);
        if checked.is_err() {
            self.counters.rejected.fetch_add(1, Ordering::Relaxed);
        }
        checked
    }

    fn check_inner(
        &self,
        proof: &[u8],
        target: &ProofTarget<'_>,
        now: i64,
    ) -> Result<CheckedProof, Error> {
        let parsed = token::parse(proof, &self.limits).map_err(|e| invalid(e.message()))?;
        match parsed.typ.as_deref() {
            Some(t) if is_dpop_typ(t) => {}
            Some(t) => {
                return Err(invalid(&format!(
                    "typ is {:?}, not \"dpop+jwt\"",
                    shorten(t)
                )))
            }
            None => return Err(invalid("the header has no typ (\"dpop+jwt\" required)")),
        }
        if !self.allows(parsed.alg) {
            return Err(invalid(&format!(
                "alg {} is not allowed for proofs (an asymmetric algorithm of the policy)",
                parsed.alg
            )));
        }
        let alg = parsed.alg;
        let depth = self.limits.max_json_depth;
        let header_json = &parsed.header[..parsed.header.len() - 1];
        let key = self
            .keys
            .get_or_parse(header_json, || parse_key(header_json, alg, depth))?;

        let payload = &parsed.payload[..parsed.payload.len() - 1];
        let claims = token::read_fields(payload, "proof payload", depth, &|n| {
            matches!(n, "jti" | "htm" | "htu" | "iat" | "ath" | "nonce")
        })
        .map_err(|e| invalid(e.message()))?;
        let text = |name: &str| -> Result<Option<&str>, Error> {
            match claims.get(name) {
                None => Ok(None),
                Some(Field::Str(s)) => Ok(Some(s.as_ref())),
                Some(_) => Err(invalid(&format!("the {name} claim is not a string"))),
            }
        };
        let required = |name: &str| -> Result<&str, Error> {
            text(name)?.ok_or_else(|| invalid(&format!("the proof has no {name} claim")))
        };
        let jti = required("jti")?;
        if jti.is_empty() || jti.len() > MAX_JTI_LEN {
            return Err(invalid(&format!(
                "jti is {} bytes; 1 to {MAX_JTI_LEN} accepted",
                jti.len()
            )));
        }
        let htm = required("htm")?;
        let htu_claim = required("htu")?;
        let iat = match claims.get("iat") {
            Some(Field::Num(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(_) => return Err(invalid("the iat claim is not a number")),
            None => return Err(invalid("the proof has no iat claim")),
        };
        if !iat.is_finite() {
            return Err(invalid("the iat claim is not a finite number"));
        }
        let ath = text("ath")?;
        if target.access_token.is_some() && ath.is_none() {
            return Err(invalid(
                "the proof has no ath claim (required with an access token)",
            ));
        }
        let nonce = text("nonce")?;

        if htm != target.method {
            return Err(mismatch(&format!(
                "htm {:?} is not the request's method {:?}",
                shorten(htm),
                shorten(target.method)
            )));
        }
        match htu::same_target(htu_claim, target.uri) {
            Ok(true) => {}
            Ok(false) => {
                return Err(mismatch(&format!(
                    "htu {:?} does not name the request's URI {:?} (behind a proxy, give the \
                     external URI)",
                    shorten(htu_claim),
                    shorten(target.uri.split(['?', '#']).next().unwrap_or_default())
                )))
            }
            Err(why) => {
                return Err(err(
                    ErrorKind::InvalidRequest,
                    format!("the request URI {:?} is {why}", shorten(target.uri)),
                ))
            }
        }
        let now_f = now as f64;
        if iat > now_f + self.leeway as f64 {
            return Err(err(
                ErrorKind::DpopProofStale,
                format!(
                    "the DPoP proof's iat {iat} is {} s after now {now} (dpop_leeway {} s)",
                    iat - now_f,
                    self.leeway
                ),
            ));
        }
        if now_f - iat > (self.max_age + self.leeway) as f64 {
            return Err(err(
                ErrorKind::DpopProofStale,
                format!(
                    "the DPoP proof was issued {} s ago; dpop_max_age is {} s (dpop_leeway {} s)",
                    now_f - iat,
                    self.max_age,
                    self.leeway
                ),
            ));
        }
        if let (Some(token), Some(ath)) = (target.access_token, ath) {
            if ath != access_token_hash(token) {
                return Err(mismatch(
                    "ath is not the hash of the request's access token",
                ));
            }
        }
        let mut fresh_nonce = None;
        if let Some(source) = &self.nonces {
            let current = self.current_nonce(now)?;
            match nonce {
                Some(n) if source.check(n, now) => {
                    if current.as_deref() != Some(n) {
                        fresh_nonce = current;
                    }
                }
                given => {
                    self.counters
                        .nonce_challenges
                        .fetch_add(1, Ordering::Relaxed);
                    return Err(err(
                        ErrorKind::DpopNonceRequired,
                        if given.is_some() {
                            "the DPoP proof's nonce is not a current one of this server"
                        } else {
                            "the DPoP proof has no nonce, and this server requires one"
                        },
                    ));
                }
            }
        }
        if !key.jwk.verify(alg, parsed.signing_input, &parsed.signature) {
            return Err(invalid(&format!(
                "the {alg} signature does not verify with the proof's jwk"
            )));
        }
        Ok(CheckedProof {
            jti: jti.to_owned(),
            key,
            iat,
            fresh_nonce,
            header: header_json.to_vec(),
            payload: payload.to_vec(),
        })
    }

    /// Records a checked proof in the replay store: refused as a replay if its key was seen
    /// within its window, or with [`ErrorKind::ReplayStoreUnavailable`] if the store cannot
    /// record it (never accepted unrecorded).
    pub(crate) fn record(&self, proof: &CheckedProof, now: i64) -> Result<(), Error> {
        let key = replay_key(proof.jkt(), &proof.jti);
        // The proof is accepted while now <= iat + max_age + leeway; one second more covers
        // callers whose clocks read a second apart.
        let expires_at = (proof.iat.ceil() as i64)
            .saturating_add(self.max_age)
            .saturating_add(self.leeway)
            .saturating_add(1);
        match self.store().check_and_insert(&key, expires_at, now) {
            Ok(ReplayVerdict::Fresh) => {
                self.counters.verified.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Ok(ReplayVerdict::Seen) => {
                self.counters.replays.fetch_add(1, Ordering::Relaxed);
                self.counters.rejected.fetch_add(1, Ordering::Relaxed);
                Err(err(
                    ErrorKind::DpopProofReplayed,
                    format!(
                        "the DPoP proof's jti {:?} was already used with this key",
                        shorten(&proof.jti)
                    ),
                ))
            }
            Err(e) => {
                self.counters.store_refusals.fetch_add(1, Ordering::Relaxed);
                Err(if e.kind() == ErrorKind::ReplayStoreUnavailable {
                    e
                } else {
                    err(
                        ErrorKind::ReplayStoreUnavailable,
                        format!("the DPoP replay store failed: {}", e.message()),
                    )
                })
            }
        }
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

fn invalid(why: &str) -> Error {
    err(ErrorKind::DpopProofInvalid, format!("DPoP proof: {why}"))
}

fn mismatch(why: &str) -> Error {
    err(ErrorKind::DpopProofMismatch, format!("DPoP proof: {why}"))
}

/// `dpop+jwt`, compared as `typ` values are (case-insensitive, `application/` optional).
fn is_dpop_typ(typ: &str) -> bool {
    let lower = typ.to_ascii_lowercase();
    lower.strip_prefix("application/").unwrap_or(&lower) == DPOP_TYP
}

/// `ath`: base64url(SHA-256(the access token's ASCII)) (RFC 9449 §4.2).
pub fn access_token_hash(token: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token))
}

/// Reads and checks the `jwk` of a proof header: the one place a key embedded in a header is
/// used, only ever to verify the proof it came in.
fn parse_key(header: &[u8], alg: Algorithm, max_depth: usize) -> Result<ProofKey, Error> {
    let object = crate::json::parse_object(header, max_depth)
        .map_err(|_| invalid("the header cannot be read"))?;
    let jwk = match object.get("jwk") {
        None => return Err(invalid("the header has no jwk")),
        Some(Value::Object(jwk)) => jwk,
        Some(_) => return Err(invalid("the header's jwk is not a JSON object")),
    };
    if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(invalid(&format!(
            "the jwk has the private or secret member {private:?} (a proof carries a public key)"
        )));
    }
    if jwk.get("kty").and_then(Value::as_str) == Some("oct") {
        return Err(invalid("the jwk is a symmetric (oct) key"));
    }
    let key = Jwk::from_json(&Value::Object(jwk.clone()))
        .map_err(|r| invalid(&format!("the jwk is not usable: {}", r.reason)))?;
    if !key.fits(alg) {
        return Err(invalid(&format!("the jwk cannot verify {alg}")));
    }
    Ok(ProofKey { jwk: key, alg })
}

#[cfg(test)]
impl ProofVerifier {
    pub(crate) fn cached_keys(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::{ProofClaims, SigningKey};

    #[test]
    fn each_client_key_is_parsed_once_and_refused_keys_are_not_kept() {
        let v = ProofVerifier::new(&DpopPolicy::default(), &[], Limits::default()).unwrap();
        let client = SigningKey::generate(Algorithm::ES256).unwrap();
        let target = ProofTarget {
            method: "GET",
            uri: "https://a.example/x",
            access_token: None,
        };
        for iat in 0..5 {
            let proof = client
                .sign_dpop_proof(&ProofClaims {
                    method: "GET",
                    uri: "https://a.example/x",
                    iat: 1000 + iat,
                    ..ProofClaims::default()
                })
                .unwrap();
            v.verify(proof.as_bytes(), &target, 1004).unwrap();
        }
        assert_eq!(v.cached_keys(), 1);
        let mut private = client.proof_jwk();
        private["d"] = "AAAA".into();
        let mut h = serde_json::Map::new();
        h.insert("jwk".into(), private);
        let proof = client
            .sign_dpop_payload(
                &h,
                &serde_json::json!({"jti": "j", "htm": "GET", "htu": "https://a.example/x", "iat": 1004}),
            )
            .unwrap();
        let e = v.verify(proof.as_bytes(), &target, 1004).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DpopProofInvalid);
        assert!(e.message().contains("\"d\""), "{e}");
        assert_eq!(v.cached_keys(), 1);
    }
}
