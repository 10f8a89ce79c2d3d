//! The C ABI: the only place with `unsafe`.
//!
//! Conventions (after rustls-ffi): opaque handles owned through `Box`; every exported body runs
//! inside `boundary::boundary`, which turns a panic into `JWKS_RESULT_INTERNAL` (or
//! NULL) instead of unwinding into C; NULL and invalid arguments return an error code; outputs
//! are written only on success; every `_free` accepts NULL. There is no thread-local "last
//! error": failures are reported through an optional `jwks_error **` out-parameter.
#![allow(unsafe_code)]
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod claims;
mod dpop;
mod error;
mod options;
mod options_gen;
mod request;
mod result;
mod result_codes;
mod token;
mod verifier;

pub use claims::*;
pub use dpop::*;
pub use error::*;
pub use options::*;
pub use options_gen::*;
pub use request::*;
pub use result::*;
pub use token::*;
pub use verifier::*;

use std::ffi::c_char;

/// The library version as a NUL-terminated string, e.g. `"0.2.0"`. Static; never free it.
#[no_mangle]
pub extern "C" fn jwks_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Major version, equal to `JWKS_VERSION_MAJOR` in the header.
pub const JWKS_VERSION_MAJOR: u32 = 0;
/// Minor version, equal to `JWKS_VERSION_MINOR` in the header.
pub const JWKS_VERSION_MINOR: u32 = 2;
/// Patch version, equal to `JWKS_VERSION_PATCH` in the header.
pub const JWKS_VERSION_PATCH: u32 = 0;

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn version_constants_match_cargo() {
        let v = unsafe { CStr::from_ptr(jwks_version()) }.to_str().unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
        assert_eq!(
            JWKS_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            JWKS_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            JWKS_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
    }
}
