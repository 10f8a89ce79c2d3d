//! Result codes, categories and their names.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use crate::error::{Category, ErrorKind};

/// The outcome of a call. `JWKS_RESULT_OK` (0) is success; every other value is an error.
///
/// In C this is a `uint32_t`; the numbers are stable and never renumbered. Ranges: 1–99 the
/// token was rejected (answer HTTP 401), 100–199 the keys are unavailable (answer 503),
/// 200–299 the API was misused, 300–399 a claim lookup found nothing.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jwks_result {
    /// Success.
    Ok = 0,
    /// The token is not a well-formed compact JWS/JWT.
    Malformed = 1,
    /// A size or nesting limit was exceeded.
    TooLarge = 2,
    /// The algorithm is `none`, unknown, or not allowed.
    AlgorithmNotAllowed = 3,
    /// The header requires an unsupported extension (`crit`).
    CritUnsupported = 4,
    /// No key matches the token's `kid`.
    UnknownKey = 5,
    /// The token's `kid` names more than one key.
    AmbiguousKey = 6,
    /// The key cannot verify this algorithm.
    KeyMismatch = 7,
    /// The signature does not verify.
    BadSignature = 8,
    /// `exp` is in the past.
    Expired = 9,
    /// `nbf` is in the future.
    NotYetValid = 10,
    /// `iat` is in the future.
    IssuedInFuture = 11,
    /// The token is older than the maximum age.
    TooOld = 12,
    /// `iss` is missing or not allowed.
    WrongIssuer = 13,
    /// `aud` is missing or not allowed.
    WrongAudience = 14,
    /// A required claim is missing.
    MissingClaim = 15,
    /// A claim has an invalid type or value, or the payload is not a JSON object.
    InvalidClaim = 16,
    /// The header `typ` is not the expected one.
    WrongType = 17,
    /// The keys could not be obtained and none usable are cached.
    KeysUnavailable = 100,
    /// The key set is malformed, too large, or has no usable key.
    KeySetInvalid = 101,
    /// A required pointer argument was NULL.
    NullArgument = 200,
    /// An argument is invalid.
    InvalidArgument = 201,
    /// The URL is not https and plain http was not allowed.
    InsecureUrl = 202,
    /// An internal error was caught at the boundary (a bug).
    Internal = 203,
    /// The claim is not present.
    NotFound = 300,
    /// The claim has a different JSON type.
    TypeMismatch = 301,
}

impl From<ErrorKind> for jwks_result {
    fn from(kind: ErrorKind) -> jwks_result {
        match kind {
            ErrorKind::Malformed => jwks_result::Malformed,
            ErrorKind::TooLarge => jwks_result::TooLarge,
            ErrorKind::AlgorithmNotAllowed => jwks_result::AlgorithmNotAllowed,
            ErrorKind::CritUnsupported => jwks_result::CritUnsupported,
            ErrorKind::UnknownKey => jwks_result::UnknownKey,
            ErrorKind::AmbiguousKey => jwks_result::AmbiguousKey,
            ErrorKind::KeyMismatch => jwks_result::KeyMismatch,
            ErrorKind::BadSignature => jwks_result::BadSignature,
            ErrorKind::Expired => jwks_result::Expired,
            ErrorKind::NotYetValid => jwks_result::NotYetValid,
            ErrorKind::IssuedInFuture => jwks_result::IssuedInFuture,
            ErrorKind::TooOld => jwks_result::TooOld,
            ErrorKind::WrongIssuer => jwks_result::WrongIssuer,
            ErrorKind::WrongAudience => jwks_result::WrongAudience,
            ErrorKind::MissingClaim => jwks_result::MissingClaim,
            ErrorKind::InvalidClaim => jwks_result::InvalidClaim,
            ErrorKind::WrongType => jwks_result::WrongType,
            ErrorKind::KeysUnavailable => jwks_result::KeysUnavailable,
            ErrorKind::KeySetInvalid => jwks_result::KeySetInvalid,
            ErrorKind::NullArgument => jwks_result::NullArgument,
            ErrorKind::InvalidArgument => jwks_result::InvalidArgument,
            ErrorKind::InsecureUrl => jwks_result::InsecureUrl,
            ErrorKind::Internal => jwks_result::Internal,
            ErrorKind::NotFound => jwks_result::NotFound,
            ErrorKind::TypeMismatch => jwks_result::TypeMismatch,
        }
    }
}

/// How a caller should treat a result code.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jwks_category {
    /// `JWKS_RESULT_OK`.
    Ok = 0,
    /// The token is bad: answer 401.
    TokenRejected = 1,
    /// The keys are unavailable: answer 503 and retry later.
    KeysUnavailable = 2,
    /// The API was misused (a bug in the caller), or the code is unknown.
    Misuse = 3,
    /// A claim lookup on a verified token found nothing.
    Lookup = 4,
}

/// The category of a result code. Unknown codes are `JWKS_CATEGORY_MISUSE`. Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_category(code: u32) -> jwks_category {
    if code == 0 {
        return jwks_category::Ok;
    }
    match ErrorKind::from_code(code).map(ErrorKind::category) {
        Some(Category::TokenRejected) => jwks_category::TokenRejected,
        Some(Category::KeysUnavailable) => jwks_category::KeysUnavailable,
        Some(Category::Lookup) => jwks_category::Lookup,
        Some(Category::Misuse) | None => jwks_category::Misuse,
    }
}

/// True if `code` means the token was rejected (answer HTTP 401). Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_is_token_rejected(code: u32) -> bool {
    jwks_result_category(code) == jwks_category::TokenRejected
}

/// True if `code` means the keys are unavailable (answer HTTP 503). Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_is_keys_unavailable(code: u32) -> bool {
    jwks_result_category(code) == jwks_category::KeysUnavailable
}

/// The stable name of a result code without prefix, e.g. `"BAD_SIGNATURE"`; `"OK"` for 0 and
/// `"UNKNOWN"` for a number that is not a code. Static NUL-terminated string; never free it.
#[no_mangle]
pub extern "C" fn jwks_result_name(code: u32) -> *const c_char {
    match code {
        0 => c"OK".as_ptr(),
        _ => texts(code).map_or(c"UNKNOWN".as_ptr(), |t| t.name.as_ptr()),
    }
}

/// A one-line English description of a result code. Static NUL-terminated string; never free it.
#[no_mangle]
pub extern "C" fn jwks_result_description(code: u32) -> *const c_char {
    match code {
        0 => c"success".as_ptr(),
        _ => texts(code).map_or(c"unknown result code".as_ptr(), |t| t.description.as_ptr()),
    }
}

struct Texts {
    code: u32,
    name: CString,
    description: CString,
}

/// NUL-terminated copies of [`ErrorKind::name`] and [`ErrorKind::description`], built once
/// and kept for the life of the process.
fn texts(code: u32) -> Option<&'static Texts> {
    static TABLE: OnceLock<Vec<Texts>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            ErrorKind::ALL
                .iter()
                .map(|k| Texts {
                    code: k.code(),
                    name: CString::new(k.name()).unwrap_or_default(),
                    description: CString::new(k.description()).unwrap_or_default(),
                })
                .collect()
        })
        .iter()
        .find(|t| t.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_the_same_number() {
        for kind in ErrorKind::ALL {
            assert_eq!(jwks_result::from(*kind) as u32, kind.code(), "{kind:?}");
        }
    }

    #[test]
    fn names_and_categories() {
        let name = |c| {
            unsafe { std::ffi::CStr::from_ptr(jwks_result_name(c)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(name(0), "OK");
        assert_eq!(name(8), "BAD_SIGNATURE");
        assert_eq!(name(77), "UNKNOWN");
        assert!(jwks_result_is_token_rejected(9));
        assert!(!jwks_result_is_token_rejected(100));
        assert!(jwks_result_is_keys_unavailable(101));
        assert_eq!(jwks_result_category(0), jwks_category::Ok);
        assert_eq!(jwks_result_category(12345), jwks_category::Misuse);
        assert_eq!(jwks_result_category(300), jwks_category::Lookup);
    }
}
