//! What the claim getters of a [`VerifiedToken`](crate::VerifiedToken) have read of its claims
//! (the index of the top-level members, [`Members`]), made once per token on first use or
//! brought by a token cache hit; the getters themselves are in [`crate::claim_getters`].

use std::sync::OnceLock;

use crate::claims_view::ScopeList;
use crate::error::Error;
use crate::members::Members;

/// What the getters have read of one token's claims, built on first use (or brought by a
/// token cache hit). Part of the [`VerifiedToken`](crate::VerifiedToken).
#[derive(Debug)]
pub(crate) struct ClaimReader {
    /// Whether the claim checks read and accepted the payload (a JWT); if not (a JWS), it is
    /// read under their rules on first use.
    pub(crate) checked: bool,
    /// The index of the top-level members, or why the payload is not claims.
    pub(crate) members: OnceLock<Result<Members, Error>>,
    /// The token's scopes (`scope` or `scp`), or why they cannot be read.
    pub(crate) scopes: OnceLock<Result<ScopeList, Error>>,
}

impl ClaimReader {
    /// For a payload not known to be claims (a JWS).
    pub(crate) fn unchecked() -> ClaimReader {
        ClaimReader {
            checked: false,
            members: OnceLock::new(),
            scopes: OnceLock::new(),
        }
    }

    /// For claims the claim checks read and accepted (a JWT).
    pub(crate) fn checked() -> ClaimReader {
        ClaimReader {
            checked: true,
            ..ClaimReader::unchecked()
        }
    }

    /// For checked claims whose members were indexed already (a token cache hit).
    pub(crate) fn with_members(members: Members) -> ClaimReader {
        let reader = ClaimReader::checked();
        // A fresh OnceLock: set cannot fail.
        let _ = reader.members.set(Ok(members));
        reader
    }
}
