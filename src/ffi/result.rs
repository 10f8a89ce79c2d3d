//! Result codes, categories and their names (the enums are generated: `result_codes.rs`).

use std::ffi::c_char;

/// The enums are generated from the error catalogue; they are this module's to the rest of
/// the C layer.
pub use super::result_codes::{jwks_category, jwks_result, JWKS_VERIFY_COUNTS_LEN};
use crate::error::ErrorKind;

/// The category of a result code. Unknown codes are `JWKS_CATEGORY_MISUSE`. Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_category(code: u32) -> jwks_category {
    if code == 0 {
        return jwks_category::Ok;
    }
    ErrorKind::from_code(code).map_or(jwks_category::Misuse, |k| k.category().into())
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
        _ => ErrorKind::from_code(code).map_or(c"UNKNOWN".as_ptr(), |k| k.c_name().as_ptr()),
    }
}

/// A one-line English description of a result code. Static NUL-terminated string; never free it.
#[no_mangle]
pub extern "C" fn jwks_result_description(code: u32) -> *const c_char {
    match code {
        0 => c"success".as_ptr(),
        _ => ErrorKind::from_code(code).map_or(c"unknown result code".as_ptr(), |k| {
            k.c_description().as_ptr()
        }),
    }
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
        let description = |c| {
            unsafe { std::ffi::CStr::from_ptr(jwks_result_description(c)) }
                .to_str()
                .unwrap()
        };
        // The texts for codes that are no kind are the core's, which the bindings show too.
        assert_eq!(name(0), crate::error::OK_NAME);
        assert_eq!(name(77), crate::error::UNKNOWN_NAME);
        assert_eq!(description(0), crate::error::OK_DESCRIPTION);
        assert_eq!(description(77), crate::error::UNKNOWN_DESCRIPTION);
        assert!(jwks_result_is_token_rejected(9));
        assert!(!jwks_result_is_token_rejected(100));
        assert!(jwks_result_is_keys_unavailable(101));
        assert_eq!(jwks_result_category(0), jwks_category::Ok);
        assert_eq!(jwks_result_category(12345), jwks_category::Misuse);
        assert_eq!(jwks_result_category(300), jwks_category::Lookup);
    }
}

#[cfg(test)]
mod counts_len {
    /// The header's array length is the core's: every code has its element.
    #[test]
    fn verify_counts_len_is_the_cores() {
        assert_eq!(
            super::JWKS_VERIFY_COUNTS_LEN,
            crate::verify_counts::RESULT_SLOTS
        );
    }
}
