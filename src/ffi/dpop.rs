//! DPoP through the C ABI: a replay store and a nonce source of the caller's (callbacks), the
//! current nonce, a proof checked on its own, and the counters.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use super::boundary::{null_arg, try_bytes, try_mut, try_ref, try_str};
use super::error::{jwks_error, run};
use super::options::jwks_options;
use super::result::jwks_result;
use super::verifier::jwks_verifier;
use crate::catalogue::DpopStats;
use crate::dpop::{NonceSource, ProofTarget, SharedNonceSource};
use crate::error::{Error, ErrorKind};
use crate::replay::{ReplayStore, ReplayVerdict, SharedReplayStore};

/// What a replay store callback answers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jwks_replay_verdict {
    /// The key was not recorded (or its record had expired); the callback recorded it.
    Fresh = 0,
    /// The key is recorded and not expired: the proof is a replay.
    Seen = 1,
    /// The store could not answer (full, unreachable, timed out): the request is refused with
    /// `JWKS_RESULT_REPLAY_STORE_UNAVAILABLE` (answer 503), never accepted unrecorded.
    Unavailable = 2,
}

/// A replay store callback: record `key` (43 ASCII characters, NUL-terminated, valid during
/// the call) until `expires_at` (unix seconds; the record counts while `now <= expires_at`)
/// unless it is already recorded and unexpired, atomically (Redis: `SET key 1 NX EXAT
/// expires_at`), and answer a `jwks_replay_verdict` as a `uint32_t`. Called from any thread,
/// concurrently, during `jwks_verify_request` calls; it must not call back into the verifier.
pub type jwks_replay_check_fn = Option<
    unsafe extern "C" fn(ctx: *mut c_void, key: *const c_char, expires_at: i64, now: i64) -> u32,
>;

/// Releases a callback context: called once, when the last options or verifier holding the
/// callbacks is freed (from the thread that frees it).
pub type jwks_free_fn = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// A nonce source callback that issues the nonce to send now: writes it to `buf` (`cap`
/// bytes, at least 256; no NUL needed) and returns its length, or 0 if it cannot. A nonce is
/// 1 to `cap` printable ASCII characters without `"` and `\`. Called from any thread,
/// concurrently.
pub type jwks_nonce_issue_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, now: i64, buf: *mut c_char, cap: usize) -> usize>;

/// A nonce source callback that checks a proof's `nonce` (NUL-terminated, valid during the
/// call): true if it is one the server issued recently enough to accept at `now`. Called from
/// any thread, concurrently.
pub type jwks_nonce_check_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, nonce: *const c_char, now: i64) -> bool>;

/// A context pointer and its release.
struct Context {
    ctx: *mut c_void,
    free: jwks_free_fn,
}

// SAFETY: the caller promises (documented on the setters) that the callbacks may be called
// with `ctx` from any thread, concurrently, and that `free` may be called from any thread.
unsafe impl Send for Context {}
unsafe impl Sync for Context {}

impl Drop for Context {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the caller's release of its own context, called once (the Arc's last
            // reference is gone).
            unsafe { free(self.ctx) };
        }
    }
}

struct CReplayStore {
    check: unsafe extern "C" fn(*mut c_void, *const c_char, i64, i64) -> u32,
    context: Context,
}

impl ReplayStore for CReplayStore {
    fn check_and_insert(
        &self,
        key: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<ReplayVerdict, Error> {
        let key = CString::new(key)
            .map_err(|_| Error::new(ErrorKind::Internal, "a replay key holds NUL"))?;
        // SAFETY: the callback and context the caller registered; the key lives during the call.
        let verdict = unsafe { (self.check)(self.context.ctx, key.as_ptr(), expires_at, now) };
        match verdict {
            v if v == jwks_replay_verdict::Fresh as u32 => Ok(ReplayVerdict::Fresh),
            v if v == jwks_replay_verdict::Seen as u32 => Ok(ReplayVerdict::Seen),
            v if v == jwks_replay_verdict::Unavailable as u32 => Err(Error::new(
                ErrorKind::ReplayStoreUnavailable,
                "the DPoP replay store callback answered UNAVAILABLE",
            )),
            other => Err(Error::new(
                ErrorKind::ReplayStoreUnavailable,
                format!("the DPoP replay store callback answered {other}, which is no verdict"),
            )),
        }
    }
}

struct CNonceSource {
    issue: unsafe extern "C" fn(*mut c_void, i64, *mut c_char, usize) -> usize,
    check: unsafe extern "C" fn(*mut c_void, *const c_char, i64) -> bool,
    context: Context,
}

/// The buffer a nonce issuer writes to.
const NONCE_CAP: usize = 256;

impl NonceSource for CNonceSource {
    fn issue(&self, now: i64) -> Result<String, Error> {
        let mut buf = [0u8; NONCE_CAP];
        // SAFETY: the callback writes at most `NONCE_CAP` bytes to the buffer given.
        let len =
            unsafe { (self.issue)(self.context.ctx, now, buf.as_mut_ptr().cast(), NONCE_CAP) };
        if len == 0 || len > NONCE_CAP {
            return Err(Error::new(
                ErrorKind::Internal,
                format!(
                    "the DPoP nonce callback returned length {len} (1 to {NONCE_CAP} expected)"
                ),
            ));
        }
        String::from_utf8(buf[..len].to_vec()).map_err(|_| {
            Error::new(
                ErrorKind::Internal,
                "the DPoP nonce callback wrote non-UTF-8",
            )
        })
    }

    fn check(&self, nonce: &str, now: i64) -> bool {
        let Ok(nonce) = CString::new(nonce) else {
            return false;
        };
        // SAFETY: the callback and context the caller registered; the nonce lives during the call.
        unsafe { (self.check)(self.context.ctx, nonce.as_ptr(), now) }
    }
}

/// Sets a replay store of the caller's (one a fleet shares, e.g. over Redis) instead of the
/// in-memory one: `check` is called once per DPoP proof that passed every other check. `ctx`
/// is passed to it as is; `free_ctx` (may be NULL) is called with `ctx` once, when the last
/// of these options and the verifiers made from them is freed. `check` must be safe to call
/// from any thread, concurrently (see `jwks_replay_check_fn`). Replaces a store set before
/// (releasing its context when nothing else holds it). Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_dpop_replay_store(
    opts: *mut jwks_options,
    check: jwks_replay_check_fn,
    free_ctx: jwks_free_fn,
    ctx: *mut c_void,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let o = try_mut(opts, "opts")?;
        let check = check.ok_or_else(|| null_arg("check"))?;
        let store = CReplayStore {
            check,
            context: Context {
                ctx,
                free: free_ctx,
            },
        };
        o.policy.dpop.replay_store = Some(SharedReplayStore(Arc::new(store)));
        Ok(())
    })
}

/// Sets a nonce source of the caller's instead of the built-in one (then nonces are on, and
/// `dpop_nonce_lifetime` unused): `issue` gives the nonce to send, `check` accepts a proof's.
/// `ctx` and `free_ctx` as for `jwks_options_set_dpop_replay_store`; both callbacks must be
/// safe to call from any thread, concurrently. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_dpop_nonce_source(
    opts: *mut jwks_options,
    issue: jwks_nonce_issue_fn,
    check: jwks_nonce_check_fn,
    free_ctx: jwks_free_fn,
    ctx: *mut c_void,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let o = try_mut(opts, "opts")?;
        let issue = issue.ok_or_else(|| null_arg("issue"))?;
        let check = check.ok_or_else(|| null_arg("check"))?;
        let source = CNonceSource {
            issue,
            check,
            context: Context {
                ctx,
                free: free_ctx,
            },
        };
        o.policy.dpop.nonce_source = Some(SharedNonceSource(Arc::new(source)));
        Ok(())
    })
}

/// Writes to `*out` the DPoP nonce to send now (a new NUL-terminated string; free with
/// `jwks_string_free`), or NULL when server nonces are off. `now` in unix seconds.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_dpop_nonce(
    v: *const jwks_verifier,
    now: i64,
    out: *mut *mut c_char,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        *out = match v.inner().dpop_nonce(now)? {
            Some(nonce) => CString::new(nonce)
                .map_err(|_| Error::new(ErrorKind::Internal, "a nonce holds NUL"))?
                .into_raw(),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Checks a DPoP proof on its own (`len` bytes) for a request of `method` and `uri`, with the
/// access token it came with (`access_token_len` bytes; NULL with length 0 for none, as at an
/// authorization server's token endpoint) at unix time `now`, and records it in the replay
/// store. On success writes the proof key's RFC 7638 thumbprint to `*jkt` (a new string; free
/// with `jwks_string_free`). Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jwks_verify_dpop_proof_at(
    v: *const jwks_verifier,
    proof: *const c_char,
    len: usize,
    method: *const c_char,
    uri: *const c_char,
    access_token: *const c_char,
    access_token_len: usize,
    now: i64,
    jkt: *mut *mut c_char,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        let proof = try_bytes(proof, len, "proof")?;
        let method = try_str(method, "method")?;
        let uri = try_str(uri, "uri")?;
        let token = if access_token.is_null() && access_token_len == 0 {
            None
        } else {
            Some(try_bytes(access_token, access_token_len, "access_token")?)
        };
        if jkt.is_null() {
            return Err(null_arg("jkt"));
        }
        let target = ProofTarget {
            method,
            uri,
            access_token: token,
        };
        let verified = v.inner().verify_dpop_proof_at(proof, &target, now)?;
        *jkt = CString::new(verified.jkt)
            .map_err(|_| Error::new(ErrorKind::Internal, "a thumbprint holds NUL"))?
            .into_raw();
        Ok(())
    })
}

/// The Rust name of the C `jwks_dpop_stats`: the core's [`DpopStats`].
///
/// cbindgen:ignore
pub type jwks_dpop_stats = DpopStats;

/// Fills `*out` with the DPoP counters and the replay store's occupancy. `size` is
/// `sizeof(jwks_dpop_stats)` as the caller knows it: the first `size` bytes are written
/// (fields the library does not know are zeroed). `JWKS_RESULT_INVALID_ARGUMENT` if `size` is
/// 0 or not a multiple of 8. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_dpop_stats(
    v: *const jwks_verifier,
    out: *mut DpopStats,
    size: usize,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        if size == 0 || !size.is_multiple_of(8) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "size must be sizeof(jwks_dpop_stats)",
            ));
        }
        let ours = v.inner().dpop_stats();
        let n = size.min(std::mem::size_of::<DpopStats>());
        let dst = out.cast::<u8>();
        // SAFETY: the caller gave `size` writable bytes at `out` (documented contract).
        std::ptr::write_bytes(dst, 0, size);
        std::ptr::copy_nonoverlapping(std::ptr::addr_of!(ours).cast::<u8>(), dst, n);
        Ok(())
    })
}

/// The HTTP status that answers a request refused with `code`: 401, 400
/// (`JWKS_RESULT_INVALID_REQUEST`), 403 (`JWKS_RESULT_INSUFFICIENT_SCOPE`), 503 (keys or
/// replay store unavailable), 500 (misuse, unknown codes); 0 for `JWKS_RESULT_OK` and the
/// claim lookup codes, which refuse nothing. Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_http_status(code: u32) -> u32 {
    if code == 0 {
        return 0;
    }
    ErrorKind::from_code(code).map_or(500, |k| k.http_status().map_or(0, u32::from))
}

/// The RFC 6750 / RFC 9449 `error` code of a refusal with `code` (`"invalid_token"`,
/// `"invalid_dpop_proof"`, `"use_dpop_nonce"`, `"invalid_request"`, `"insufficient_scope"`;
/// static), or NULL when the answer carries none. Thread-safe.
#[no_mangle]
pub extern "C" fn jwks_result_oauth_error(code: u32) -> *const c_char {
    let error = ErrorKind::from_code(code).and_then(|k| k.oauth_error());
    match error {
        Some("invalid_token") => c"invalid_token".as_ptr(),
        Some("invalid_dpop_proof") => c"invalid_dpop_proof".as_ptr(),
        Some("use_dpop_nonce") => c"use_dpop_nonce".as_ptr(),
        Some("invalid_request") => c"invalid_request".as_ptr(),
        Some("insufficient_scope") => c"insufficient_scope".as_ptr(),
        _ => std::ptr::null(),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    /// Every `error` code the catalogue gives has its static C string here.
    #[test]
    fn every_oauth_error_has_its_c_string() {
        for k in ErrorKind::ALL {
            let c = jwks_result_oauth_error(k.code());
            match k.oauth_error() {
                Some(e) => {
                    assert!(!c.is_null(), "{k:?}");
                    assert_eq!(unsafe { CStr::from_ptr(c) }.to_str(), Ok(e));
                }
                None => assert!(c.is_null(), "{k:?}"),
            }
        }
        assert_eq!(jwks_result_http_status(0), 0);
        assert_eq!(jwks_result_http_status(9999), 500);
        assert_eq!(jwks_result_http_status(ErrorKind::NotFound.code()), 0);
        assert_eq!(
            jwks_result_http_status(ErrorKind::InvalidRequest.code()),
            400
        );
    }
}
