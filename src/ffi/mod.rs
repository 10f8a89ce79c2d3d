//! The C ABI: the only place with `unsafe`.
//!
//! Conventions (after rustls-ffi): opaque handles owned through `Box`; every exported body runs
//! inside [`boundary`], which turns a panic into `JWKS_RESULT_INTERNAL` (or
//! NULL) instead of unwinding into C; NULL and invalid arguments return an error code; outputs
//! are written only on success; every `_free` accepts NULL. There is no thread-local "last
//! error": failures are reported through an optional `jwks_error **` out-parameter.
#![allow(unsafe_code)]
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod error;
mod options;
mod result;
mod token;
mod token_cache;
mod verifier;

pub use error::*;
pub use options::*;
pub use result::*;
pub use token::*;
pub use token_cache::*;
pub use verifier::*;

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, ErrorKind};

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

/// Runs `f`, converting a panic into `on_panic`.
pub(crate) fn boundary<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Runs `f` and reports its error through `err` (when non-NULL) as a `jwks_result`.
pub(crate) fn run(err: *mut *mut jwks_error, f: impl FnOnce() -> Result<(), Error>) -> jwks_result {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::new(
            ErrorKind::Internal,
            "internal error: a panic was caught at the C boundary",
        ))
    });
    match outcome {
        Ok(()) => jwks_result::Ok,
        Err(e) => {
            let code = jwks_result::from(e.kind());
            if !err.is_null() {
                // SAFETY: the caller passed a writable `jwks_error **` (documented contract).
                unsafe { *err = jwks_error::boxed(e) };
            }
            code
        }
    }
}

pub(crate) fn null_arg(name: &str) -> Error {
    Error::new(ErrorKind::NullArgument, format!("{name} is NULL"))
}

/// Borrows a handle, or fails with NULL_ARGUMENT.
pub(crate) unsafe fn try_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    ptr.as_ref().ok_or_else(|| null_arg(name))
}

/// Borrows a mutable handle, or fails with NULL_ARGUMENT.
pub(crate) unsafe fn try_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    ptr.as_mut().ok_or_else(|| null_arg(name))
}

/// Reads a NUL-terminated UTF-8 string argument.
pub(crate) unsafe fn try_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(null_arg(name));
    }
    CStr::from_ptr(ptr).to_str().map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} is not valid UTF-8"),
        )
    })
}

/// Borrows a (pointer, length) byte argument; a NULL pointer is allowed only with length 0.
pub(crate) unsafe fn try_bytes<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(null_arg(name))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} length is too large"),
        ));
    }
    Ok(std::slice::from_raw_parts(ptr.cast::<u8>(), len))
}

/// Writes a boxed value to an out-pointer (checked non-NULL beforehand).
pub(crate) unsafe fn write_out<T>(out: *mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Frees a boxed handle; NULL is a no-op.
pub(crate) unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        drop(Box::from_raw(ptr));
    }
}

#[cfg(test)]
mod tests {
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
