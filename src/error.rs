//! One error type with stable numeric codes.
//!
//! [`ErrorKind`] is the source of truth for the numbers that the C ABI (`jwks_result`), the
//! Python exceptions and the Go sentinel errors expose. Numbers are never reused or renumbered;
//! new kinds get new numbers inside their category's range.

use std::ffi::CStr;
use std::fmt;

/// A NUL-terminated copy of a literal, checked when the program is compiled.
pub(crate) const fn c_text(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a catalogue text must end with its only NUL"),
    }
}

/// Declares [`ErrorKind`] and everything said about each kind, from one table: the variant and
/// its documentation, the stable number, the stable name, the name of the exception class the
/// Python package raises, and the one-line description every language shows (C's
/// `jwks_result_description`, Python's and Go's `error_description` of an HTTP refusal). The
/// C enum `jwks_result` and the bindings' tables are generated from this one (`make generate`).
macro_rules! error_kinds {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $code:literal, $name:literal,
            python $python:literal $(($($python_base:literal),*))?, $description:literal;
    )*) => {
        /// What went wrong, as a stable number.
        ///
        /// Ranges: 1–99 the token was rejected (HTTP 401), 100–199 the keys are unavailable
        /// (HTTP 503), 200–299 the caller misused the API, 300–399 a claim lookup found nothing.
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $variant = $code,)*
        }

        impl ErrorKind {
            /// Every kind, in code order (for tests and bindings generators).
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant),*];

            /// A stable upper-case name, e.g. `BAD_SIGNATURE`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $name,)*
                }
            }

            /// [`ErrorKind::name`], NUL-terminated (for the C ABI).
            pub fn c_name(self) -> &'static CStr {
                match self {
                    $(ErrorKind::$variant => const { c_text(concat!($name, "\0")) },)*
                }
            }

            /// A one-line description of the kind, independent of any particular failure. It
            /// names no key, URL or claim value, so servers send it to clients as the
            /// `error_description` of a refusal; every language shows this same text.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $description,)*
                }
            }

            /// [`ErrorKind::description`], NUL-terminated (for the C ABI).
            pub fn c_description(self) -> &'static CStr {
                match self {
                    $(ErrorKind::$variant => const { c_text(concat!($description, "\0")) },)*
                }
            }

            /// The documentation of the variant (its `///` lines, one per line), which the
            /// generated C enum `jwks_result` carries too.
            pub fn doc(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => concat!($($doc, "\n"),*),)*
                }
            }

            /// The variant's name in Rust, e.g. `BadSignature` (the generated C enum's
            /// variants and the Go constants are named after it).
            pub fn variant(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => stringify!($variant),)*
                }
            }

            /// The exception class the Python package raises for this kind, e.g.
            /// `ExpiredToken` (part of that package's public API). It derives from its
            /// category's class ([`Category::python_class`]) and from
            /// [`ErrorKind::python_bases`].
            pub fn python_class(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $python,)*
                }
            }

            /// The Python built-in exceptions the class also derives from, e.g. `ValueError`.
            pub fn python_bases(self) -> &'static [&'static str] {
                match self {
                    $(ErrorKind::$variant => &[$($($python_base),*)?],)*
                }
            }
        }
    };
}

error_kinds! {
    /// The token is not a well-formed compact JWS/JWT (segments, base64url, JSON, UTF-8).
    Malformed = 1, "MALFORMED", python "MalformedToken", "the token is malformed";
    /// A size or nesting limit was exceeded.
    TooLarge = 2, "TOO_LARGE", python "TokenTooLarge", "a size or nesting limit was exceeded";
    /// The header's `alg` is `none`, unknown, or not allowed by the policy or the key.
    AlgorithmNotAllowed = 3, "ALGORITHM_NOT_ALLOWED", python "AlgorithmNotAllowed",
        "the algorithm is not allowed";
    /// The header lists a `crit` extension this library does not implement, or `crit` is invalid.
    CritUnsupported = 4, "CRIT_UNSUPPORTED", python "CritUnsupported",
        "the token requires an unsupported extension (crit)";
    /// No key in the set matches the token's `kid` (or, without `kid`, its `alg`).
    UnknownKey = 5, "UNKNOWN_KEY", python "UnknownKey", "no matching key in the key set";
    /// The token's `kid` names more than one key of the set, so no key is chosen.
    AmbiguousKey = 6, "AMBIGUOUS_KEY", python "AmbiguousKey", "the kid names more than one key";
    /// The key named by `kid` cannot verify this `alg` (type, curve, `alg`, `use`, `key_ops`).
    KeyMismatch = 7, "KEY_MISMATCH", python "KeyMismatch", "the key cannot verify this algorithm";
    /// The signature does not verify.
    BadSignature = 8, "BAD_SIGNATURE", python "BadSignature", "the signature does not verify";
    /// `exp` is in the past (beyond the leeway).
    Expired = 9, "EXPIRED", python "ExpiredToken", "the token has expired";
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid = 10, "NOT_YET_VALID", python "NotYetValid", "the token is not valid yet";
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture = 11, "ISSUED_IN_FUTURE", python "IssuedInFuture",
        "the token was issued in the future";
    /// `iat` is older than the policy's maximum token age.
    TooOld = 12, "TOO_OLD", python "TokenTooOld", "the token is older than the maximum age";
    /// `iss` is missing or not on the allowlist.
    WrongIssuer = 13, "WRONG_ISSUER", python "WrongIssuer", "the issuer is not allowed";
    /// `aud` is missing or names none of the allowed audiences.
    WrongAudience = 14, "WRONG_AUDIENCE", python "WrongAudience", "the audience is not allowed";
    /// A required claim is absent.
    MissingClaim = 15, "MISSING_CLAIM", python "MissingClaim", "a required claim is missing";
    /// A claim has the wrong JSON type, or the payload is not a JSON object.
    InvalidClaim = 16, "INVALID_CLAIM", python "InvalidClaim", "a claim has an invalid value";
    /// The header's `typ` is not the expected one.
    WrongType = 17, "WRONG_TYPE", python "WrongType",
        "the token type (typ) is not the expected one";
    /// The request carries no access token (no `Authorization` header, or one of another
    /// scheme): answered with a challenge and no error code (RFC 6750 §3.1).
    NoCredentials = 18, "NO_CREDENTIALS", python "NoCredentials",
        "the request carries no access token";
    /// The request is malformed: several `Authorization` headers, one that is not
    /// `scheme token68`, an unusable request URI (HTTP 400, `invalid_request`).
    InvalidRequest = 19, "INVALID_REQUEST", python "InvalidRequest",
        "the request is malformed";
    /// The `Authorization` scheme (`Bearer` or `DPoP`) is not one the verifier or the route
    /// accepts (`token_scheme`).
    SchemeNotAllowed = 20, "SCHEME_NOT_ALLOWED", python "SchemeNotAllowed",
        "the authorization scheme is not accepted here";
    /// The token grants none or not all of the scopes the request needs (HTTP 403,
    /// `insufficient_scope`).
    InsufficientScope = 21, "INSUFFICIENT_SCOPE", python "InsufficientScope",
        "the token lacks a required scope";
    /// The DPoP proof is not a valid proof (RFC 9449 §4.3): missing or repeated `DPoP`
    /// header, not a compact JWS, `typ` not `dpop+jwt`, `alg` not an allowed asymmetric
    /// algorithm, `jwk` missing, private or unusable, bad signature, a required claim missing.
    DpopProofInvalid = 22, "DPOP_PROOF_INVALID", python "InvalidDpopProof",
        "the DPoP proof is invalid";
    /// The DPoP proof was made for another request: `htm`, `htu` or `ath` differ from the
    /// request's method, URI or access token.
    DpopProofMismatch = 23, "DPOP_PROOF_MISMATCH", python "DpopProofMismatch",
        "the DPoP proof is for another request or token";
    /// The DPoP proof's `iat` lies outside the accepted window (`dpop_max_age`,
    /// `dpop_leeway`).
    DpopProofStale = 24, "DPOP_PROOF_STALE", python "DpopProofStale",
        "the DPoP proof is too old or issued in the future";
    /// The DPoP proof's `jti` was seen before within its window: a replay.
    DpopProofReplayed = 25, "DPOP_PROOF_REPLAYED", python "DpopProofReplayed",
        "the DPoP proof was already used";
    /// The DPoP proof lacks the server's current nonce, or carries one that is not valid
    /// (RFC 9449 §8, §9: answered `use_dpop_nonce` with a `DPoP-Nonce` header).
    DpopNonceRequired = 26, "DPOP_NONCE_REQUIRED", python "UseDpopNonce",
        "a fresh DPoP nonce is required";
    /// The token is bound (`cnf.jkt`, `cnf.x5t#S256`) to another key or certificate than the
    /// request's DPoP proof key or client certificate, or to a certificate the request did
    /// not present.
    BindingMismatch = 27, "BINDING_MISMATCH", python "BindingMismatch",
        "the token's key or certificate binding does not match the request";
    /// The token is not bound as the request requires: a token without `cnf.jkt` sent with
    /// the `DPoP` scheme, or one without `cnf.x5t#S256` where certificate binding is required.
    TokenNotBound = 28, "TOKEN_NOT_BOUND", python "TokenNotBound",
        "the token is not bound as the request requires";
    /// A DPoP-bound token (`cnf.jkt`) was sent with the `Bearer` scheme (RFC 9449 §7.2), and
    /// the policy refuses it (`allow_dpop_bound_bearer` off).
    BoundTokenAsBearer = 29, "BOUND_TOKEN_AS_BEARER", python "BoundTokenAsBearer",
        "a DPoP-bound token was sent as a bearer token";

    /// The keys could not be obtained (network, HTTP status, timeout, file) and none usable are cached.
    KeysUnavailable = 100, "KEYS_UNAVAILABLE", python "KeyFetchFailed", "the keys are unavailable";
    /// The key set is malformed, too large, or has no usable key.
    KeySetInvalid = 101, "KEY_SET_INVALID", python "KeySetInvalid", "the key set is invalid";
    /// The DPoP replay store refused to record a proof: the in-memory store is full of proofs
    /// still inside their window (it refuses rather than forgets), or a shared store failed.
    /// Answer 503: the request may succeed later with a new proof.
    ReplayStoreUnavailable = 102, "REPLAY_STORE_UNAVAILABLE", python "ReplayStoreUnavailable",
        "the DPoP replay store is full or unavailable";

    /// A required pointer argument was NULL.
    NullArgument = 200, "NULL_ARGUMENT", python "NullArgument", "a required argument was NULL";
    /// An argument is invalid (bad UTF-8, unknown algorithm name, out-of-range value...).
    InvalidArgument = 201, "INVALID_ARGUMENT", python "InvalidArgument" ("ValueError"),
        "an argument is invalid";
    /// A key URL is not https and plain http was not allowed.
    InsecureUrl = 202, "INSECURE_URL", python "InsecureURL",
        "the URL is not https and plain http is not allowed";
    /// An internal error was caught at the API boundary (a bug; please report it).
    Internal = 203, "INTERNAL", python "InternalError", "internal error";

    /// The requested claim is not present in the token.
    NotFound = 300, "NOT_FOUND", python "ClaimNotFound", "the claim is not present";
    /// The requested claim is present but has a different JSON type.
    TypeMismatch = 301, "TYPE_MISMATCH", python "ClaimTypeMismatch", "the claim has a different type";
}

/// The name of code 0, success (`jwks_result_name(0)` and the bindings' tables).
pub const OK_NAME: &str = "OK";
/// The description of code 0, success.
pub const OK_DESCRIPTION: &str = "success";
/// The name shown for a number that is no code.
pub const UNKNOWN_NAME: &str = "UNKNOWN";
/// The description shown for a number that is no code.
pub const UNKNOWN_DESCRIPTION: &str = "unknown result code";

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

impl Category {
    /// Every category, in the order of their C numbers (`jwks_category`, 1 to 4).
    pub const ALL: [Category; 4] = [
        Category::TokenRejected,
        Category::KeysUnavailable,
        Category::Misuse,
        Category::Lookup,
    ];

    /// The stable number of the C enum `jwks_category` (0 is reserved for success).
    pub fn code(self) -> u32 {
        match self {
            Category::TokenRejected => 1,
            Category::KeysUnavailable => 2,
            Category::Misuse => 3,
            Category::Lookup => 4,
        }
    }

    /// A stable upper-case name, e.g. `TOKEN_REJECTED`.
    pub fn name(self) -> &'static str {
        match self {
            Category::TokenRejected => "TOKEN_REJECTED",
            Category::KeysUnavailable => "KEYS_UNAVAILABLE",
            Category::Misuse => "MISUSE",
            Category::Lookup => "LOOKUP",
        }
    }

    /// What a caller does about a code of this category (the docs of `jwks_category` and of
    /// the bindings' category constants).
    pub fn description(self) -> &'static str {
        match self {
            Category::TokenRejected => "The token is bad: answer HTTP 401.",
            Category::KeysUnavailable => {
                "The keys are unavailable: answer HTTP 503 and retry later."
            }
            Category::Misuse => {
                "The API was misused (a bug in the caller), or the code is unknown."
            }
            Category::Lookup => "A claim lookup on a verified token found nothing.",
        }
    }

    /// The HTTP status a server answers with (none for a lookup, which is no refusal).
    pub fn http_status(self) -> Option<u16> {
        match self {
            Category::TokenRejected => Some(401),
            Category::KeysUnavailable => Some(503),
            Category::Misuse => Some(500),
            Category::Lookup => None,
        }
    }

    /// The Python package's exception class for the category, the base of its kinds'.
    pub fn python_class(self) -> &'static str {
        match self {
            Category::TokenRejected => "TokenRejected",
            Category::KeysUnavailable => "KeysUnavailable",
            Category::Misuse => "Misuse",
            Category::Lookup => "LookupFailed",
        }
    }

    /// The range of codes of this category (unknown codes count as misuse).
    pub fn codes(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Category::TokenRejected => 1..=99,
            Category::KeysUnavailable => 100..=199,
            Category::Misuse => 200..=299,
            Category::Lookup => 300..=399,
        }
    }
}

impl ErrorKind {
    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind for a numeric code, if it is one.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The category of this kind, from the range its code lies in.
    pub fn category(self) -> Category {
        Category::ALL
            .into_iter()
            .find(|c| c.codes().contains(&self.code()))
            .unwrap_or(Category::Misuse)
    }
}

impl ErrorKind {
    /// The HTTP status a server answers a request refused with this kind: 401 for a rejected
    /// token, but 400 for [`ErrorKind::InvalidRequest`] and 403 for
    /// [`ErrorKind::InsufficientScope`]; 503 when keys or the replay store are unavailable;
    /// 500 for misuse; `None` for a lookup, which refuses nothing.
    pub fn http_status(self) -> Option<u16> {
        match self {
            ErrorKind::InvalidRequest => Some(400),
            ErrorKind::InsufficientScope => Some(403),
            _ => self.category().http_status(),
        }
    }

    /// The `error` of the `WWW-Authenticate` challenge (RFC 6750 §3.1, RFC 9449 §7.1, §9):
    /// `invalid_token` for a rejected token, `invalid_dpop_proof` for a bad DPoP proof,
    /// `use_dpop_nonce` when a nonce is needed, `invalid_request`, `insufficient_scope`; `None`
    /// when the request carried no token (§3.1: no error code) and for answers that are no
    /// refusal of the token (503, 500).
    pub fn oauth_error(self) -> Option<&'static str> {
        match self {
            ErrorKind::NoCredentials => None,
            ErrorKind::InvalidRequest => Some("invalid_request"),
            ErrorKind::InsufficientScope => Some("insufficient_scope"),
            ErrorKind::DpopProofInvalid
            | ErrorKind::DpopProofMismatch
            | ErrorKind::DpopProofStale
            | ErrorKind::DpopProofReplayed => Some("invalid_dpop_proof"),
            ErrorKind::DpopNonceRequired => Some("use_dpop_nonce"),
            _ if self.category() == Category::TokenRejected => Some("invalid_token"),
            _ => None,
        }
    }

    /// Whether the refusal concerns the DPoP proof (its error belongs on the `DPoP`
    /// challenge alone, RFC 9449 §7.2).
    pub fn is_dpop_proof_error(self) -> bool {
        matches!(
            self.oauth_error(),
            Some("invalid_dpop_proof" | "use_dpop_nonce")
        )
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

    /// Every code lies in its category's range, and the texts can travel: names are upper
    /// snake case, descriptions fit an RFC 6750 `error_description` (printable ASCII without
    /// `"` and `\\`, one line), so that servers can send them as they are.
    #[test]
    fn catalogue_texts_are_well_formed() {
        let mut python = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(
                Category::ALL.iter().any(|c| c.codes().contains(&k.code())),
                "{k:?} lies in no category's range"
            );
            assert!(
                k.name()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{k:?}"
            );
            let d = k.description();
            assert!(!d.is_empty() && d.len() < 80, "{k:?}: {d}");
            assert!(
                d.bytes()
                    .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'),
                "{k:?}: {d}"
            );
            assert_eq!(k.c_name().to_str(), Ok(k.name()));
            assert_eq!(k.c_description().to_str(), Ok(d));
            assert!(!k.doc().trim().is_empty(), "{k:?} has no documentation");
            assert!(python.insert(k.python_class()), "{k:?}: Python class twice");
        }
    }
}
