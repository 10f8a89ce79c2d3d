//! What a verifier accepts: the [`Policy`] settings, with the token cache's
//! [`TokenCacheOptions`]. Plain data, built once and shared by every verification; the checks
//! that apply it live in [`crate::claims`] and [`crate::verifier`].

use std::time::Duration;

use crate::alg::Algorithm;
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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            algorithms: Vec::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: 0,
            require_exp: true,
            expected_typ: None,
            required_claims: Vec::new(),
            max_age: None,
            limits: Limits::default(),
            token_cache: TokenCacheOptions::default(),
        }
    }
}

impl Policy {
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

/// Default [`TokenCacheOptions::max_entries`].
pub const DEFAULT_MAX_ENTRIES: u32 = 4096;
/// Default [`TokenCacheOptions::max_bytes`].
pub const DEFAULT_MAX_BYTES: usize = 8 << 20;
/// Default [`TokenCacheOptions::max_reuse`].
pub const DEFAULT_MAX_REUSE: Duration = Duration::from_secs(300);
