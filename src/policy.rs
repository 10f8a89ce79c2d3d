//! What a verifier accepts: the [`Policy`] settings, with the token cache's
//! [`TokenCacheOptions`]. Plain data, built once and shared by every verification; the checks
//! that apply it live in [`crate::claims`] and [`crate::verifier`].

use std::time::Duration;

use crate::alg::Algorithm;
use crate::catalogue::options::{self as opt, OptionSpec, Value};
use crate::dpop::{DpopPolicy, TokenScheme};
use crate::error::{Error, ErrorKind};
use crate::token::Limits;

/// What a verifier accepts. Built once, shared by every verification.
///
/// The defaults are the safe ones: the asymmetric algorithms only, `exp` required, no leeway,
/// and the default [`Limits`]. Issuers and audiences should be set for any real deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Allowed algorithms; empty means every asymmetric algorithm (never HMAC).
    pub algorithms: Vec<Algorithm>,
    /// Allowed `iss` values; empty means `iss` is not checked.
    pub issuers: Vec<String>,
    /// Allowed audiences; the token's `aud` must name at least one. Empty means a token that
    /// carries `aud` is rejected (RFC 7519 §4.1.3: we cannot identify with any value).
    pub audiences: Vec<String>,
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds (default 0).
    pub leeway: u64,
    /// Whether `exp` must be present (default true).
    pub require_exp: bool,
    /// The expected header `typ` (compared case-insensitively, `application/` optional).
    pub expected_typ: Option<String>,
    /// Claims that must be present.
    pub required_claims: Vec<String>,
    /// Maximum age of the token from its `iat`, in seconds (then `iat` is required).
    pub max_age: Option<u64>,
    /// Size and nesting limits.
    pub limits: Limits,
    /// The verified-token cache (on by default; see [`crate::token_cache`]).
    pub token_cache: TokenCacheOptions,
    /// What a request verification accepts of DPoP (see [`crate::dpop`]).
    pub dpop: DpopPolicy,
    /// Whether every token of a request verification must be bound to the client certificate
    /// (`cnf.x5t#S256`, RFC 8705; default false: a bound token is checked, an unbound one
    /// accepted).
    pub require_certificate_binding: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            algorithms: Vec::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: opt::LEEWAY.default_number(),
            require_exp: opt::REQUIRE_EXP.default_flag(),
            expected_typ: None,
            required_claims: Vec::new(),
            max_age: None,
            limits: Limits::default(),
            token_cache: TokenCacheOptions::default(),
            dpop: DpopPolicy::default(),
            require_certificate_binding: opt::REQUIRE_CERTIFICATE_BINDING.default_flag(),
        }
    }
}

impl Policy {
    /// Checks every setting against its range in the options catalogue
    /// ([`crate::catalogue::options`]), the limits a C caller's setters apply: an empty issuer,
    /// a leeway over a day, a maximum age of `Some(0)` (`None` is off) or beyond what C can
    /// express, size and depth limits outside their ranges, and the token cache's
    /// ([`TokenCacheOptions::check`]). The verifier constructors call it.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming the setting, its value and its range.
    pub fn check(&self) -> Result<(), Error> {
        for issuer in &self.issuers {
            opt::check_issuer(issuer)?;
        }
        opt::LEEWAY.check(self.leeway)?;
        if self.max_age == Some(0) {
            // 0 is C's "off"; in Rust off is `None`, and a maximum age of 0 s would refuse
            // every token but one issued this very second.
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_token_age: Some(0) would refuse nearly every token; use None to turn it off",
            ));
        }
        if let Some(age) = self.max_age {
            opt::MAX_TOKEN_AGE.check(age)?;
        }
        opt::MAX_TOKEN_SIZE.check_usize(self.limits.max_token_len)?;
        opt::MAX_HEADER_SIZE.check_usize(self.limits.max_header_len)?;
        opt::MAX_JSON_DEPTH.check_usize(self.limits.max_json_depth)?;
        self.dpop.check()?;
        self.token_cache.check()
    }

    /// Stores a value for one of the policy's options (those of [`opt::Group::Policy`] and
    /// [`opt::Group::TokenCache`] that C can set), checked against its range: what the C
    /// setters call, and a configuration file that names options as the catalogue does.
    /// A list option adds one value per call.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] for a value out of range or of the wrong form;
    /// [`ErrorKind::Internal`] for an option this struct does not store.
    pub fn store(&mut self, spec: &OptionSpec, v: Value<'_>) -> Result<(), Error> {
        match spec.name {
            "issuers" => {
                let issuer = spec.text(v)?;
                opt::check_issuer(issuer)?;
                self.issuers.push(issuer.to_owned());
            }
            "audiences" => self.audiences.push(spec.text(v)?.to_owned()),
            "algorithms" => {
                let alg: Algorithm = spec.text(v)?.parse()?;
                if !self.algorithms.contains(&alg) {
                    self.algorithms.push(alg);
                }
            }
            "leeway" => self.leeway = spec.seconds(v)?.as_secs(),
            "require_exp" => self.require_exp = spec.flag(v)?,
            "typ" => self.expected_typ = Some(spec.text(v)?.to_owned()),
            "required_claims" => self.required_claims.push(spec.text(v)?.to_owned()),
            "max_token_age" => {
                let age = spec.seconds(v)?.as_secs();
                self.max_age = (age > 0).then_some(age);
            }
            "max_token_size" => self.limits.max_token_len = spec.size(v)?,
            "token_scheme" => self.dpop.token_scheme = TokenScheme::from_name(spec.text(v)?)?,
            "dpop_max_age" => self.dpop.max_age = spec.seconds(v)?.as_secs(),
            "dpop_leeway" => self.dpop.leeway = spec.seconds(v)?.as_secs(),
            "dpop_replay_cache_bytes" => self.dpop.replay_cache_bytes = spec.size(v)?,
            "dpop_nonce_lifetime" => {
                let lifetime = spec.seconds(v)?.as_secs();
                self.dpop.nonce_lifetime = (lifetime > 0).then_some(lifetime);
            }
            "dpop_nonce_secret" => {
                let secret = spec.text(v)?;
                opt::check_nonce_secret(secret)?;
                self.dpop.nonce_secret = Some(secret.to_owned());
            }
            "allow_dpop_bound_bearer" => self.dpop.allow_bound_bearer = spec.flag(v)?,
            "require_certificate_binding" => self.require_certificate_binding = spec.flag(v)?,
            "token_cache" => self.token_cache.max_entries = spec.count(v)?,
            "token_cache_bytes" => self.token_cache.max_bytes = spec.size(v)?,
            "token_cache_max_reuse" => self.token_cache.max_reuse = spec.seconds(v)?,
            _ => return Err(spec.not_stored()),
        }
        Ok(())
    }

    /// Whether the policy lets `alg` through.
    pub fn allows(&self, alg: Algorithm) -> bool {
        if self.algorithms.is_empty() {
            !alg.is_hmac()
        } else {
            self.algorithms.contains(&alg)
        }
    }

    /// Whether any HMAC algorithm is allowed (then `oct` keys may be used from local sources).
    pub fn allows_hmac(&self) -> bool {
        self.algorithms.iter().any(|a| a.is_hmac())
    }
}

/// The token cache settings, part of a verifier's [`Policy`].
///
/// On by default with a modest bound: a hit answers exactly as a full verification would (see
/// [`crate::token_cache`]), so the cache never changes a verdict; it only saves the signature
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheOptions {
    /// Most verified tokens kept; 0 turns the cache off (default 4096).
    pub max_entries: u32,
    /// Most bytes the cache may take: its entries with their allocator overhead, and the
    /// doorkeeper of recent misses (a few percent of this; default 8 MiB).
    pub max_bytes: usize,
    /// Longest time an entry is reused after the verification that stored it (default 5 min).
    pub max_reuse: Duration,
}

impl Default for TokenCacheOptions {
    fn default() -> Self {
        TokenCacheOptions {
            max_entries: DEFAULT_MAX_ENTRIES,
            max_bytes: DEFAULT_MAX_BYTES,
            max_reuse: DEFAULT_MAX_REUSE,
        }
    }
}

impl TokenCacheOptions {
    /// Checks each setting against its range in the options catalogue: `max_entries` any
    /// (0 turns the cache off), `max_bytes` at least 4096, `max_reuse` 1 s to one day.
    ///
    /// Errors: [`ErrorKind::InvalidArgument`] naming the setting, its value and its range.
    pub fn check(&self) -> Result<(), Error> {
        opt::TOKEN_CACHE.check(u64::from(self.max_entries))?;
        opt::TOKEN_CACHE_BYTES.check_usize(self.max_bytes)?;
        opt::TOKEN_CACHE_MAX_REUSE.check_duration(self.max_reuse)?;
        Ok(())
    }
}

/// Default [`TokenCacheOptions::max_entries`] (from the options catalogue).
pub const DEFAULT_MAX_ENTRIES: u32 = opt::TOKEN_CACHE.default_number() as u32;
/// Default [`TokenCacheOptions::max_bytes`] (from the options catalogue).
pub const DEFAULT_MAX_BYTES: usize = opt::TOKEN_CACHE_BYTES.default_number() as usize;
/// Default [`TokenCacheOptions::max_reuse`] (from the options catalogue).
pub const DEFAULT_MAX_REUSE: Duration = opt::TOKEN_CACHE_MAX_REUSE.default_seconds();
