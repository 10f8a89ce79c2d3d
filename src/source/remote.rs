//! Remote key sources: an HTTPS JWKS endpoint with a cache, OIDC discovery, several issuers,
//! and a JWKS file on disk.
//!
//! PLACEHOLDER: constructors below return an error until the remote source lands.

use std::path::Path;

use super::RemoteOptions;
use crate::claims::Policy;
use crate::error::{err, Error, ErrorKind};
use crate::verifier::Verifier;

impl Verifier {
    /// A verifier over a JWKS URL. No network I/O happens here: the first verification fetches
    /// (once, for all concurrent callers).
    pub fn from_url(url: &str, policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        let _ = (url, policy, remote);
        Err(err(
            ErrorKind::KeysUnavailable,
            "remote key sets are not available yet",
        ))
    }

    /// A verifier for one issuer found by OIDC discovery (`/.well-known/openid-configuration`).
    /// The issuer is added to the policy's allowlist.
    pub fn from_issuer(
        issuer: &str,
        policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        let _ = (issuer, policy, remote);
        Err(err(
            ErrorKind::KeysUnavailable,
            "remote key sets are not available yet",
        ))
    }

    /// A verifier for every issuer on the policy's allowlist, each found by discovery, routed by
    /// the token's `iss`.
    pub fn from_issuers(policy: Policy, remote: RemoteOptions) -> Result<Verifier, Error> {
        let _ = (policy, remote);
        Err(err(
            ErrorKind::KeysUnavailable,
            "remote key sets are not available yet",
        ))
    }

    /// A verifier over a JWKS file, reloaded when it changes.
    pub fn from_file(
        path: &Path,
        policy: Policy,
        remote: RemoteOptions,
    ) -> Result<Verifier, Error> {
        let _ = (path, policy, remote);
        Err(err(
            ErrorKind::KeysUnavailable,
            "file key sets are not available yet",
        ))
    }
}
