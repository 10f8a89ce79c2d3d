//! One error type with stable numeric codes.
//!
//! [`ErrorKind`] is the source of truth for the numbers that the C ABI (`jwks_result`), the
//! Python exceptions and the Go sentinel errors expose. Numbers are never reused or renumbered;
//! new kinds get new numbers inside their category's range.

use std::fmt;

/// What went wrong, as a stable number.
///
/// Ranges: 1–99 the token was rejected (HTTP 401), 100–199 the keys are unavailable
/// (HTTP 503), 200–299 the caller misused the API, 300–399 a claim lookup found nothing.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The token is not a well-formed compact JWS/JWT (segments, base64url, JSON, UTF-8).
    Malformed = 1,
    /// A size or nesting limit was exceeded.
    TooLarge = 2,
    /// The header's `alg` is `none`, unknown, or not allowed by the policy or the key.
    AlgorithmNotAllowed = 3,
    /// The header lists a `crit` extension this library does not implement, or `crit` is invalid.
    CritUnsupported = 4,
    /// No key in the set matches the token's `kid` (or, without `kid`, its `alg`).
    UnknownKey = 5,
    /// The token's `kid` names more than one key of the set, so no key is chosen.
    AmbiguousKey = 6,
    /// The key named by `kid` cannot verify this `alg` (type, curve, `alg`, `use`, `key_ops`).
    KeyMismatch = 7,
    /// The signature does not verify.
    BadSignature = 8,
    /// `exp` is in the past (beyond the leeway).
    Expired = 9,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid = 10,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture = 11,
    /// `iat` is older than the policy's maximum token age.
    TooOld = 12,
    /// `iss` is missing or not on the allowlist.
    WrongIssuer = 13,
    /// `aud` is missing or names none of the allowed audiences.
    WrongAudience = 14,
    /// A required claim is absent.
    MissingClaim = 15,
    /// A claim has the wrong JSON type, or the payload is not a JSON object.
    InvalidClaim = 16,
    /// The header's `typ` is not the expected one.
    WrongType = 17,

    /// The keys could not be obtained (network, HTTP status, timeout, file) and none usable are cached.
    KeysUnavailable = 100,
    /// The key set is malformed, too large, or has no usable key.
    KeySetInvalid = 101,

    /// A required pointer argument was NULL.
    NullArgument = 200,
    /// An argument is invalid (bad UTF-8, unknown algorithm name, out-of-range value...).
    InvalidArgument = 201,
    /// A key URL is not https and plain http was not allowed.
    InsecureUrl = 202,
    /// An internal error was caught at the API boundary (a bug; please report it).
    Internal = 203,

    /// The requested claim is not present in the token.
    NotFound = 300,
    /// The requested claim is present but has a different JSON type.
    TypeMismatch = 301,
}

/// The broad class of an error, which decides how a server answers the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// The token is bad: answer 401.
    TokenRejected,
    /// The keys are unavailable: answer 503 (retrying later may succeed).
    KeysUnavailable,
    /// The caller used the API wrongly.
    Misuse,
    /// A claim lookup on a verified token found nothing (not a verification failure).
    Lookup,
}

impl ErrorKind {
    /// Every kind, in code order (for tests and bindings generators).
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Malformed,
        ErrorKind::TooLarge,
        ErrorKind::AlgorithmNotAllowed,
        ErrorKind::CritUnsupported,
        ErrorKind::UnknownKey,
        ErrorKind::AmbiguousKey,
        ErrorKind::KeyMismatch,
        ErrorKind::BadSignature,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::IssuedInFuture,
        ErrorKind::TooOld,
        ErrorKind::WrongIssuer,
        ErrorKind::WrongAudience,
        ErrorKind::MissingClaim,
        ErrorKind::InvalidClaim,
        ErrorKind::WrongType,
        ErrorKind::KeysUnavailable,
        ErrorKind::KeySetInvalid,
        ErrorKind::NullArgument,
        ErrorKind::InvalidArgument,
        ErrorKind::InsecureUrl,
        ErrorKind::Internal,
        ErrorKind::NotFound,
        ErrorKind::TypeMismatch,
    ];

    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind for a numeric code, if it is one.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The category of this kind.
    pub fn category(self) -> Category {
        match self.code() {
            1..=99 => Category::TokenRejected,
            100..=199 => Category::KeysUnavailable,
            300..=399 => Category::Lookup,
            _ => Category::Misuse,
        }
    }

    /// A stable upper-case name, e.g. `BAD_SIGNATURE`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "MALFORMED",
            ErrorKind::TooLarge => "TOO_LARGE",
            ErrorKind::AlgorithmNotAllowed => "ALGORITHM_NOT_ALLOWED",
            ErrorKind::CritUnsupported => "CRIT_UNSUPPORTED",
            ErrorKind::UnknownKey => "UNKNOWN_KEY",
            ErrorKind::AmbiguousKey => "AMBIGUOUS_KEY",
            ErrorKind::KeyMismatch => "KEY_MISMATCH",
            ErrorKind::BadSignature => "BAD_SIGNATURE",
            ErrorKind::Expired => "EXPIRED",
            ErrorKind::NotYetValid => "NOT_YET_VALID",
            ErrorKind::IssuedInFuture => "ISSUED_IN_FUTURE",
            ErrorKind::TooOld => "TOO_OLD",
            ErrorKind::WrongIssuer => "WRONG_ISSUER",
            ErrorKind::WrongAudience => "WRONG_AUDIENCE",
            ErrorKind::MissingClaim => "MISSING_CLAIM",
            ErrorKind::InvalidClaim => "INVALID_CLAIM",
            ErrorKind::WrongType => "WRONG_TYPE",
            ErrorKind::KeysUnavailable => "KEYS_UNAVAILABLE",
            ErrorKind::KeySetInvalid => "KEY_SET_INVALID",
            ErrorKind::NullArgument => "NULL_ARGUMENT",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::InsecureUrl => "INSECURE_URL",
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::TypeMismatch => "TYPE_MISMATCH",
        }
    }

    /// A one-line description of the kind, independent of any particular failure.
    pub fn description(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "the token is malformed",
            ErrorKind::TooLarge => "a size or nesting limit was exceeded",
            ErrorKind::AlgorithmNotAllowed => "the algorithm is not allowed",
            ErrorKind::CritUnsupported => "the token requires an unsupported extension (crit)",
            ErrorKind::UnknownKey => "no matching key in the key set",
            ErrorKind::AmbiguousKey => "the kid names more than one key",
            ErrorKind::KeyMismatch => "the key cannot verify this algorithm",
            ErrorKind::BadSignature => "the signature does not verify",
            ErrorKind::Expired => "the token has expired",
            ErrorKind::NotYetValid => "the token is not valid yet",
            ErrorKind::IssuedInFuture => "the token was issued in the future",
            ErrorKind::TooOld => "the token is older than the maximum age",
            ErrorKind::WrongIssuer => "the issuer is not allowed",
            ErrorKind::WrongAudience => "the audience is not allowed",
            ErrorKind::MissingClaim => "a required claim is missing",
            ErrorKind::InvalidClaim => "a claim has an invalid value",
            ErrorKind::WrongType => "the token type (typ) is not the expected one",
            ErrorKind::KeysUnavailable => "the keys are unavailable",
            ErrorKind::KeySetInvalid => "the key set is invalid",
            ErrorKind::NullArgument => "a required argument was NULL",
            ErrorKind::InvalidArgument => "an argument is invalid",
            ErrorKind::InsecureUrl => "the URL is not https and plain http is not allowed",
            ErrorKind::Internal => "internal error",
            ErrorKind::NotFound => "the claim is not present",
            ErrorKind::TypeMismatch => "the claim has a different type",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// A failure: its [`ErrorKind`] and a precise message (which claim, which kid, which limit).
///
/// Messages never contain key material or signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// A new error of `kind` with a specific message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What went wrong, as a stable code.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The broad class (token rejected, keys unavailable, misuse).
    pub fn category(&self) -> Category {
        self.kind.category()
    }

    /// The precise message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for building an error in the core.
pub(crate) fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message)
}

/// Keeps attacker-chosen strings short in messages.
pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() <= 64 {
        s.to_string()
    } else {
        let head: String = s.chars().take(61).collect();
        format!("{head}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.code()), "duplicate code {}", k.code());
            assert_eq!(ErrorKind::from_code(k.code()), Some(*k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(9999), None);
    }

    #[test]
    fn categories_follow_ranges() {
        assert_eq!(ErrorKind::BadSignature.category(), Category::TokenRejected);
        assert_eq!(
            ErrorKind::KeysUnavailable.category(),
            Category::KeysUnavailable
        );
        assert_eq!(ErrorKind::NullArgument.category(), Category::Misuse);
        assert_eq!(ErrorKind::NotFound.category(), Category::Lookup);
    }

    #[test]
    fn codes_are_stable() {
        // These numbers are part of the ABI; changing one is a breaking change.
        assert_eq!(ErrorKind::Malformed.code(), 1);
        assert_eq!(ErrorKind::BadSignature.code(), 8);
        assert_eq!(ErrorKind::Expired.code(), 9);
        assert_eq!(ErrorKind::WrongType.code(), 17);
        assert_eq!(ErrorKind::KeysUnavailable.code(), 100);
        assert_eq!(ErrorKind::Internal.code(), 203);
        assert_eq!(ErrorKind::TypeMismatch.code(), 301);
    }
}
