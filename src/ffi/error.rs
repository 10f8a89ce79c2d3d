//! `jwks_error`: the details of one failure, and [`run`], which reports a failure through one.

use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::boundary::{boundary, free_box};
use super::result::jwks_result;
use crate::error::{Error, ErrorKind};

/// The details of a failure: its code and a precise message.
///
/// Created by a failing call when the caller passed a non-NULL `jwks_error **err`; owned by
/// the caller, who frees it with `jwks_error_free`. Immutable, so a `const jwks_error *` may be
/// read from several threads.
pub struct jwks_error {
    code: jwks_result,
    message: CString,
}

impl jwks_error {
    pub(crate) fn boxed(e: Error) -> *mut jwks_error {
        // Messages are built by us; an interior NUL (from a hostile kid, say) is replaced.
        let message = CString::new(e.message().replace('\0', "\\0")).unwrap_or_default();
        Box::into_raw(Box::new(jwks_error {
            code: jwks_result::from(e.kind()),
            message,
        }))
    }
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

/// The result code of the failure. `e` may be NULL, which gives `JWKS_RESULT_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn jwks_error_code(e: *const jwks_error) -> jwks_result {
    boundary(jwks_result::Internal, || match e.as_ref() {
        Some(e) => e.code,
        None => jwks_result::NullArgument,
    })
}

/// The message, NUL-terminated UTF-8, owned by `e` (valid until `jwks_error_free(e)`).
/// Returns `""` if `e` is NULL. Messages never contain key material.
#[no_mangle]
pub unsafe extern "C" fn jwks_error_message(e: *const jwks_error) -> *const c_char {
    boundary(c"".as_ptr(), || match e.as_ref() {
        Some(e) => e.message.as_ptr(),
        None => c"".as_ptr(),
    })
}

/// Frees an error. NULL is a no-op. This is the last call on `e`: after it the pointer and
/// the message it returned are dangling, and freeing it again is undefined behaviour (a
/// double free; set your copy to NULL). Not thread-safe with other uses of the same `e`.
#[no_mangle]
pub unsafe extern "C" fn jwks_error_free(e: *mut jwks_error) {
    boundary((), || free_box(e))
}

/// Frees a string returned by this library (e.g. by `jwks_verifier_skipped_keys`). NULL is a
/// no-op. This is the last call on `s`: after it the pointer is dangling, and freeing it
/// again is undefined behaviour (set your copy to NULL). Only strings this library returned
/// for freeing may be passed (never `jwks_error_message` or a token's strings).
#[no_mangle]
pub unsafe extern "C" fn jwks_string_free(s: *mut c_char) {
    boundary((), || {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
    })
}
