//! DPoP: tokens bound to a key the client proves on every request (RFC 9449).
//!
//! - [`proof`]: checking one proof (§4.3) and recording it in the replay store
//!   ([`crate::replay`]);
//! - [`htu`]: the target URI as a proof names it, compared after RFC 3986 normalisation;
//! - [`nonce`]: server-provided nonces (§8, §9);
//! - [`key_cache`]: each client key parsed and checked once.
//!
//! A request is verified as a whole by
//! [`Verifier::verify_request`](crate::Verifier::verify_request), which reads the
//! `Authorization` and `DPoP` headers, checks the proof and the access token, and the token's
//! binding to the proof's key (`cnf.jkt`) or to the client certificate (`cnf.x5t#S256`,
//! [`crate::cnf`]). [`DpopPolicy`] is what a verifier accepts.

mod htu;
mod key_cache;
pub mod nonce;
pub mod proof;

pub use nonce::{NonceSource, RotatingNonces, SharedNonceSource};
pub use proof::{access_token_hash, ProofTarget, ProofVerifier, VerifiedProof, DPOP_TYP};

use crate::catalogue::options::{self as opt};
use crate::error::{Error, ErrorKind};
use crate::replay::SharedReplayStore;

/// Which `Authorization` schemes a verifier (or a route) accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TokenScheme {
    /// `Bearer` only (RFC 6750): the default.
    #[default]
    Bearer,
    /// `DPoP` only (RFC 9449 §7.1): every request proves its key.
    Dpop,
    /// Either: `DPoP` with its proof, or `Bearer` (then a DPoP-bound token is refused unless
    /// `allow_dpop_bound_bearer`).
    Either,
}

impl TokenScheme {
    /// Every value, in the order of their names in the options catalogue.
    pub const ALL: [TokenScheme; 3] = [TokenScheme::Bearer, TokenScheme::Dpop, TokenScheme::Either];

    /// The option value: `bearer`, `dpop` or `either`.
    pub fn name(self) -> &'static str {
        match self {
            TokenScheme::Bearer => "bearer",
            TokenScheme::Dpop => "dpop",
            TokenScheme::Either => "either",
        }
    }

    /// The value named `name` (as [`TokenScheme::name`] spells it, in any case).
    pub fn from_name(name: &str) -> Result<TokenScheme, Error> {
        TokenScheme::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "token_scheme: {:?} is none of \"bearer\", \"dpop\", \"either\"",
                        crate::error::shorten(name)
                    ),
                )
            })
    }

    /// Whether `Authorization: Bearer` is accepted.
    pub fn accepts_bearer(self) -> bool {
        self != TokenScheme::Dpop
    }

    /// Whether `Authorization: DPoP` is accepted.
    pub fn accepts_dpop(self) -> bool {
        self != TokenScheme::Bearer
    }
}

/// What a verifier accepts of DPoP, part of its [`Policy`](crate::Policy). The defaults are
/// the options catalogue's: bearer tokens only; proofs, when accepted, at most 60 s old with
/// 5 s of leeway, recorded in a 16 MiB in-memory replay store; no nonces; a DPoP-bound token
/// refused as a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopPolicy {
    /// The schemes accepted (`token_scheme`).
    pub token_scheme: TokenScheme,
    /// The oldest a proof may be, from its `iat`, in seconds (`dpop_max_age`).
    pub max_age: u64,
    /// Clock skew tolerated for a proof's `iat` (ahead of now, and added to the age), in
    /// seconds (`dpop_leeway`).
    pub leeway: u64,
    /// The most memory the in-memory replay store takes (`dpop_replay_cache_bytes`).
    pub replay_cache_bytes: usize,
    /// With `Some(seconds)`, proofs must carry a server nonce, rotated that often by the
    /// built-in source (`dpop_nonce_lifetime`; `None` is off).
    pub nonce_lifetime: Option<u64>,
    /// The secret of the built-in nonces, for a fleet whose members accept each other's
    /// (`dpop_nonce_secret`, at least 32 bytes); `None`: drawn per verifier.
    pub nonce_secret: Option<String>,
    /// Whether a DPoP-bound token (`cnf.jkt`) is accepted with the `Bearer` scheme
    /// (`allow_dpop_bound_bearer`; RFC 9449 §7.2 says no).
    pub allow_bound_bearer: bool,
    /// A replay store to use instead of the in-memory one (shared by a fleet).
    pub replay_store: Option<SharedReplayStore>,
    /// A nonce source to use instead of the built-in one (then nonces are on whatever
    /// `nonce_lifetime` says).
    pub nonce_source: Option<SharedNonceSource>,
}

impl Default for DpopPolicy {
    fn default() -> Self {
        DpopPolicy {
            token_scheme: TokenScheme::Bearer,
            max_age: opt::DPOP_MAX_AGE.default_number(),
            leeway: opt::DPOP_LEEWAY.default_number(),
            replay_cache_bytes: opt::DPOP_REPLAY_CACHE_BYTES.default_number() as usize,
            nonce_lifetime: None,
            nonce_secret: None,
            allow_bound_bearer: opt::ALLOW_DPOP_BOUND_BEARER.default_flag(),
            replay_store: None,
            nonce_source: None,
        }
    }
}

impl DpopPolicy {
    /// Checks each setting against its range in the options catalogue.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming the setting, its value and its range.
    pub fn check(&self) -> Result<(), Error> {
        opt::DPOP_MAX_AGE.check(self.max_age)?;
        opt::DPOP_LEEWAY.check(self.leeway)?;
        opt::DPOP_REPLAY_CACHE_BYTES.check_usize(self.replay_cache_bytes)?;
        if self.nonce_lifetime == Some(0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "dpop_nonce_lifetime: Some(0) is no lifetime; use None to turn nonces off",
            ));
        }
        if let Some(lifetime) = self.nonce_lifetime {
            opt::DPOP_NONCE_LIFETIME.check(lifetime)?;
        }
        if let Some(secret) = &self.nonce_secret {
            opt::check_nonce_secret(secret)?;
        }
        Ok(())
    }
}
