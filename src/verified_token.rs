//! A verified token: what a verification hands back, whether it ran in full or came from the
//! token cache.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::claim_reader::ClaimReader;
use crate::members::Members;
use crate::nul_str::NulStr;

/// A token whose signature (and, for a JWT verification, claims) checked out.
///
/// The header and payload are the bytes as received, base64url-decoded, never re-serialised.
/// The claims map is built on first use by the reader the claim checks use, from the same
/// bytes, so what [`claims`](Self::claims) shows is what was validated. The typed claim
/// getters ([`claim_str`](Self::claim_str), [`scopes`](Self::scopes), ...), the ones every
/// language's getters call, read the same bytes through an index of the claims' members,
/// which a token cache hit brings along.
#[derive(Debug)]
pub struct VerifiedToken {
    header: Vec<u8>,
    payload: Vec<u8>,
    alg: Algorithm,
    kid: Option<NulStr>,
    key_id: Option<NulStr>,
    key_thumbprint: NulStr,
    /// Nesting limit for reading the claims on first use (a JWS's payload need not be JSON).
    max_json_depth: usize,
    claims: OnceLock<Option<Map<String, Value>>>,
    /// What the typed claim getters have read.
    reader: ClaimReader,
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
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The former name of [`key_id`](Self::key_id), the name the C, Python and Go APIs use.
    #[deprecated(note = "renamed `key_id`")]
    #[doc(hidden)]
    pub fn key_kid(&self) -> Option<&str> {
        self.key_id()
    }

    /// The RFC 7638 thumbprint of the key that verified the signature.
    pub fn key_thumbprint(&self) -> &str {
        &self.key_thumbprint
    }

    /// [`kid`](Self::kid), NUL-terminated for C.
    pub(crate) fn kid_nul(&self) -> Option<&NulStr> {
        self.kid.as_ref()
    }

    /// [`key_id`](Self::key_id), NUL-terminated for C: shared with the key, no copy.
    pub(crate) fn key_id_nul(&self) -> Option<&NulStr> {
        self.key_id.as_ref()
    }

    /// [`key_thumbprint`](Self::key_thumbprint), NUL-terminated for C.
    pub(crate) fn key_thumbprint_nul(&self) -> &NulStr {
        &self.key_thumbprint
    }

    /// The claims as a JSON object; `None` if the payload is not one JSON object the claim
    /// checks would accept (possible only for a JWS verified by its signature alone).
    pub fn claims(&self) -> Option<&Map<String, Value>> {
        self.claims
            .get_or_init(|| crate::json::parse_object(self.payload(), self.max_json_depth).ok())
            .as_ref()
    }

    /// One claim, if present.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims()?.get(name)
    }

    /// The policy's nesting limit for reading the claims.
    pub(crate) fn max_json_depth(&self) -> usize {
        self.max_json_depth
    }

    /// What the typed claim getters have read.
    pub(crate) fn reader(&self) -> &ClaimReader {
        &self.reader
    }

    /// Marks the claims as read and accepted by the claim checks (a JWT verification): the
    /// getters need not check them again.
    pub(crate) fn claims_checked(mut self) -> VerifiedToken {
        self.reader = ClaimReader::checked();
        self
    }

    /// [`claims_checked`](Self::claims_checked), with the index of the claims' members that
    /// the token cache kept.
    pub(crate) fn with_members(mut self, members: Members) -> VerifiedToken {
        self.reader = ClaimReader::with_members(members);
        self
    }

    /// A verified token from its parts: the header and payload each followed by a NUL, the
    /// verifying key's `kid` and thumbprint, and the policy's nesting limit for reading the
    /// claims on first use. Its claims are not known to be readable (a JWS) until
    /// [`claims_checked`](Self::claims_checked).
    pub(crate) fn new(
        header: Vec<u8>,
        payload: Vec<u8>,
        alg: Algorithm,
        kid: Option<NulStr>,
        key_id: Option<NulStr>,
        key_thumbprint: NulStr,
        max_json_depth: usize,
    ) -> VerifiedToken {
        VerifiedToken {
            header,
            payload,
            alg,
            kid,
            key_id,
            key_thumbprint,
            max_json_depth,
            claims: OnceLock::new(),
            reader: ClaimReader::unchecked(),
        }
    }
}
