//! # jwks
//!
//! Verify JSON Web Tokens (RFC 7519) and JSON Web Signatures (RFC 7515, compact form) against
//! JSON Web Key Sets (RFC 7517), with `ring` doing all signature math.
//!
//! ```
//! use jwkskit::{Policy, Verifier, ErrorKind};
//!
//! let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
//!     "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
//! let policy = Policy { issuers: vec!["https://issuer.example".into()], ..Policy::default() };
//! let verifier = Verifier::from_json(jwks, policy).unwrap();
//! let err = verifier.verify_at(b"not.a.token", 1_700_000_000).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Malformed);
//! ```
//!
//! Sender-constrained tokens (DPoP, RFC 9449; certificate-bound, RFC 8705) are verified a
//! request at a time by [`Verifier::verify_request`]: see [`dpop`], [`cnf`], [`replay`] and
//! [`refusal`] (how to answer a refused request).
//!
//! Security defaults: only asymmetric algorithms unless HMAC is explicitly allowed; `none` is
//! never accepted; the key must fit the algorithm; `exp` is required; no leeway; strict
//! base64url and JSON; size limits on everything. See the module docs for each rule.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod alg;
mod case_fold;
pub mod catalogue;
mod claim_getters;
mod claim_reader;
pub mod claims;
mod claims_view;
pub mod cnf;
pub mod dpop;
pub mod error;
pub mod ffi;
pub mod issuer;
mod json;
pub mod jwk;
pub mod keyset;
mod members;
pub mod metrics;
mod nul_str;
pub mod policy;
mod read_mostly;
pub mod refusal;
pub mod replay;
mod roca;
pub mod scopes;
pub mod source;
mod stripe;
pub mod token;
pub mod token_cache;
mod verified_token;
pub mod verifier;
pub mod verify_counts;

pub use alg::{Algorithm, KeyFamily};
pub use catalogue::DpopStats;
pub use error::{Category, Error, ErrorKind};
pub use jwk::{thumbprint, Jwk};
pub use keyset::{KeySet, KeySetOptions, SkippedKey};
pub use policy::{Policy, TokenCacheOptions};
pub use scopes::ScopeMatch;
pub use source::{KeyQuery, KeySource, RemoteOptions, SourceStats, StaticSource};
pub use token::Limits;
pub use token_cache::TokenCacheStats;
pub use verifier::request::{ClientCert, Request, Scheme, VerifiedRequest};
pub use verifier::{unix_now, VerifiedToken, Verifier};
pub use verify_counts::VerifyCounts;

/// The library version (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
