//! `jwks_verifier`: creation from each key source, verification, refresh and statistics.

use std::ffi::{c_char, CString};
use std::path::Path;

use super::boundary::{boundary, free_box, null_arg, try_bytes, try_ref, try_str, write_out};
use super::error::{jwks_error, run};
use super::options::jwks_options;
use super::result::jwks_result;
use super::token::jwks_token;
use crate::catalogue::{SourceStats, TokenCacheStats};
use crate::error::{Error, ErrorKind};
use crate::verifier::{unix_now, Verifier};

/// A verifier: a key source plus a policy.
///
/// Thread-safe: one `const jwks_verifier *` may be used by any number of threads at once
/// (verification never waits on a key fetch for known keys). Free it once, with
/// `jwks_verifier_free`, after every other call on it has returned.
pub struct jwks_verifier {
    inner: Verifier,
}

impl jwks_verifier {
    /// The verifier.
    pub(crate) fn inner(&self) -> &Verifier {
        &self.inner
    }
}

/// The Rust name of the C `jwks_stats`: the core's [`SourceStats`], written as it is.
///
/// cbindgen:ignore
pub type jwks_stats = SourceStats;

/// The Rust name of the C `jwks_token_cache_stats`: the core's [`TokenCacheStats`].
///
/// cbindgen:ignore
pub type jwks_token_cache_stats = TokenCacheStats;

fn options_or_default(opts: *const jwks_options) -> jwks_options {
    // SAFETY: a non-NULL `opts` must point to live options (documented contract).
    unsafe { opts.as_ref() }.cloned().unwrap_or_default()
}

unsafe fn create(
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
    build: impl FnOnce() -> Result<Verifier, Error>,
) -> jwks_result {
    run(err, || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let inner = build()?;
        write_out(out, jwks_verifier { inner });
        Ok(())
    })
}

/// Creates a verifier over a JWKS document (or a single JWK) given as `len` bytes of JSON
/// (no NUL needed). `opts` may be NULL for defaults; it is copied. `oct` (HMAC) keys are used
/// only if an HS* algorithm was added to `opts`. On success writes a new verifier to `*out`
/// (free with `jwks_verifier_free`); on failure `*out` is untouched and, if `err` is non-NULL,
/// `*err` receives details (free with `jwks_error_free`).
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_from_json(
    jwks_json: *const c_char,
    len: usize,
    opts: *const jwks_options,
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    create(out, err, || {
        let json = try_bytes(jwks_json, len, "jwks_json")?;
        Verifier::from_json(json, options_or_default(opts).policy)
    })
}

/// Creates a verifier over a JWKS URL (https unless `jwks_options_set_allow_http`). No network
/// I/O happens here: the first verification fetches the keys (one fetch shared by all
/// concurrent callers), and they are cached and refreshed as the options say.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_from_url(
    url: *const c_char,
    opts: *const jwks_options,
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    create(out, err, || {
        let url = try_str(url, "url")?;
        let o = options_or_default(opts);
        Verifier::from_url(url, o.policy, o.remote)
    })
}

/// Creates a verifier for an OpenID Connect issuer: its `jwks_uri` is read from
/// `{issuer}/.well-known/openid-configuration` (whose `issuer` must match exactly) on first use.
/// The issuer is added to the allowed issuers.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_from_issuer(
    issuer: *const c_char,
    opts: *const jwks_options,
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    create(out, err, || {
        let issuer = try_str(issuer, "issuer")?;
        let o = options_or_default(opts);
        Verifier::from_issuer(issuer, o.policy, o.remote)
    })
}

/// Creates a verifier for every issuer added with `jwks_options_add_issuer`, each with its own
/// key set found by discovery; a token is routed by its `iss`, and only to an allowed issuer.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_from_issuers(
    opts: *const jwks_options,
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    create(out, err, || {
        if opts.is_null() {
            return Err(null_arg("opts"));
        }
        let o = options_or_default(opts);
        Verifier::from_issuers(o.policy, o.remote)
    })
}

/// Creates a verifier over a JWKS file, read now and reloaded when it changes (for a sidecar
/// that writes the keys). `oct` keys are used only if an HS* algorithm is allowed.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_from_file(
    path: *const c_char,
    opts: *const jwks_options,
    out: *mut *mut jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    create(out, err, || {
        let path = try_str(path, "path")?;
        let o = options_or_default(opts);
        Verifier::from_file(Path::new(path), o.policy, o.remote)
    })
}

/// Frees a verifier. NULL is a no-op. This is the last call on `v`: call it once, after every
/// other call on `v` (from any thread) has returned; after it the pointer is dangling, and
/// freeing it again is undefined behaviour (set your copy to NULL). Tokens and errors it
/// returned stay valid and are freed separately.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_free(v: *mut jwks_verifier) {
    boundary((), || free_box(v))
}

unsafe fn verify_with(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
    check: impl FnOnce(&Verifier, &[u8]) -> Result<crate::VerifiedToken, Error>,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let token = try_bytes(token, len, "token")?;
        let verified = check(&v.inner, token)?;
        write_out(out, jwks_token::new(verified));
        Ok(())
    })
}

/// Verifies a JWT (signature, header policy and claims) at the current system time.
/// `token` is `len` bytes (no NUL needed). On success writes a new `jwks_token` to `*out`
/// (free with `jwks_token_free`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verify(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    verify_with(v, token, len, out, err, |v, t| v.verify_at(t, unix_now()))
}

/// Like `jwks_verify`, at unix time `now` (seconds) instead of the system clock.
#[no_mangle]
pub unsafe extern "C" fn jwks_verify_at(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    now: i64,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    verify_with(v, token, len, out, err, |v, t| v.verify_at(t, now))
}

/// Verifies a compact JWS: signature and header policy only (no claims); the payload need not
/// be JSON. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verify_signature(
    v: *const jwks_verifier,
    jws: *const c_char,
    len: usize,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    verify_with(v, jws, len, out, err, |v, t| v.verify_signature(t))
}

/// Verifies a JWT like `jwks_verify` and copies its payload (the claims JSON, not
/// NUL-terminated) into `buf`, `cap` bytes, writing its length to `*payload_len`; no token
/// handle is made, so nothing is left to free. The payload is decoded from part of the token,
/// so a `cap` of at least `len` always fits. If the token is valid but its payload does not
/// fit, returns `JWKS_RESULT_INVALID_ARGUMENT` with the size needed in `*payload_len` (the
/// only failure that writes an output). `buf` may be NULL only if `cap` is 0. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verify_payload(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    buf: *mut c_char,
    cap: usize,
    payload_len: *mut usize,
    err: *mut *mut jwks_error,
) -> jwks_result {
    jwks_verify_payload_at(v, token, len, unix_now(), buf, cap, payload_len, err)
}

/// Like `jwks_verify_payload`, at unix time `now` (seconds) instead of the system clock.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jwks_verify_payload_at(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    now: i64,
    buf: *mut c_char,
    cap: usize,
    payload_len: *mut usize,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        if buf.is_null() && cap != 0 {
            return Err(null_arg("buf"));
        }
        if payload_len.is_null() {
            return Err(null_arg("payload_len"));
        }
        let token = try_bytes(token, len, "token")?;
        let verified = v.inner.verify_at(token, now)?;
        let payload = verified.payload();
        if payload.len() > cap {
            // Told even on failure, so that the caller can retry with a large enough buffer.
            *payload_len = payload.len();
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "buf is {cap} bytes; the payload is {} (a buffer of len bytes always fits)",
                    payload.len()
                ),
            ));
        }
        // SAFETY: `buf` is writable for `cap` bytes (documented contract) and `cap` fits the
        // payload; the payload is our own allocation, so the two cannot overlap.
        std::ptr::copy_nonoverlapping(payload.as_ptr(), buf.cast::<u8>(), payload.len());
        *payload_len = payload.len();
        Ok(())
    })
}

/// Fetches the keys now (for remote and file sources; a no-op for a static set). Blocks for
/// about the HTTP timeout at most: one deadline covers the whole refresh (discovery, key
/// set, redirects), and the issuers of a `jwks_verifier_from_issuers` verifier are refreshed
/// in parallel. A refresh already running is joined, not repeated. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_refresh(
    v: *const jwks_verifier,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || try_ref(v, "verifier")?.inner.refresh())
}

/// Fills `*out` with the verifier's counters. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_stats(
    v: *const jwks_verifier,
    out: *mut SourceStats,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        *out = v.inner.stats();
        Ok(())
    })
}

/// Writes the last key-fetch error to `*out` (a new `jwks_error`, free with
/// `jwks_error_free`), or NULL if the last fetch succeeded or none was made. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_last_error(
    v: *const jwks_verifier,
    out: *mut *mut jwks_error,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        *out = match v.inner.source().last_error() {
            Some(e) => jwks_error::boxed(e),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Writes to `*out` a JSON array describing the entries of the current key set that are not
/// used, e.g. `[{"index":2,"kid":"enc-1","reason":"use is \"enc\", not \"sig\""}]` (a new
/// NUL-terminated string; free with `jwks_string_free`). For a remote source with no keys yet
/// this fetches them. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_skipped_keys(
    v: *const jwks_verifier,
    out: *mut *mut c_char,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let set = v.inner.source().keys(&crate::KeyQuery {
            kid: None,
            issuer: None,
        })?;
        let list: Vec<serde_json::Value> = set
            .skipped()
            .iter()
            .map(|s| serde_json::json!({"index": s.index, "kid": s.kid, "reason": s.reason}))
            .collect();
        let text = serde_json::Value::from(list).to_string();
        let c = CString::new(text)
            .map_err(|_| Error::new(ErrorKind::Internal, "NUL in JSON output"))?;
        *out = c.into_raw();
        Ok(())
    })
}

/// Writes to `*out` whether verifying `token` (`len` bytes, no NUL needed) with `v` now would
/// wait for a key fetch: no keys yet (cold start), keys past their stale bound, or a `kid`
/// the current keys lack while a refetch is allowed or already running. Returns at once: it
/// never fetches, waits or blocks on I/O. A token that would be refused before its keys are
/// looked up (malformed, algorithm not allowed, issuer not routed) writes false.
///
/// `true` may turn out pessimistic (the fetch finishes first); `false` is exact at the moment
/// of asking, though another thread may start a fetch right after. Meant for event loops:
/// verify inline on false, on a worker thread on true. Nothing is allocated; on failure (NULL
/// `v`, `out` or `token` with a non-zero `len`) `*out` is untouched. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_would_block(
    v: *const jwks_verifier,
    token: *const c_char,
    len: usize,
    out: *mut bool,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let token = try_bytes(token, len, "token")?;
        *out = v.inner.would_block(token);
        Ok(())
    })
}

/// Fills `*out` with the token cache's counters (all zero when the cache is off). `size` is
/// `sizeof(jwks_token_cache_stats)` as the caller knows it: the first `size` bytes are written
/// (fields the library does not know are zeroed), so programs built against an older or newer
/// header keep working. Returns `JWKS_RESULT_INVALID_ARGUMENT` if `size` is 0 or not a
/// multiple of 8. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_token_cache_stats(
    v: *const jwks_verifier,
    out: *mut TokenCacheStats,
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
                "size must be sizeof(jwks_token_cache_stats)",
            ));
        }
        let ours = v.inner.token_cache_stats();
        let n = size.min(std::mem::size_of::<TokenCacheStats>());
        let dst = out.cast::<u8>();
        // SAFETY: the caller gave `size` writable bytes at `out` (documented contract); the
        // source is a local of at least `n` bytes.
        std::ptr::write_bytes(dst, 0, size);
        std::ptr::copy_nonoverlapping(std::ptr::addr_of!(ours).cast::<u8>(), dst, n);
        Ok(())
    })
}

/// Writes to `*out` whether `v` can verify now without waiting for a key fetch: every issuer
/// it serves has keys that are not past their stale bound. Always true for a verifier over a
/// fixed key set or a file (read when it was made); for one over a URL or issuer(s), false
/// until its first fetch succeeds (at creation with `jwks_options_set_fetch_at_start`, or the
/// first verification or `jwks_verifier_refresh`), and again if its keys go past the stale
/// bound while fetches fail; for several issuers, true only when every issuer is. Returns at
/// once: it never fetches, waits or blocks on I/O, so a readiness probe may call it on every
/// request. On failure (NULL `v` or `out`) `*out` is untouched. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_ready(
    v: *const jwks_verifier,
    out: *mut bool,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        *out = v.inner.is_ready();
        Ok(())
    })
}

/// Writes to `counts[code]` how many verifications `v` answered with result `code` since it
/// was made: `counts[JWKS_RESULT_OK]` the successes, `counts[JWKS_RESULT_EXPIRED]` the expired
/// tokens, and so on. Counted are `jwks_verify`, `jwks_verify_at`, `jwks_verify_payload`,
/// `jwks_verify_payload_at` and `jwks_verify_signature` as the verifier decided them, token
/// cache hits included (a call refused for its own arguments, such as a NULL token, never
/// reaches the verifier and is not counted).
///
/// `len` is the number of elements of `counts`: `JWKS_VERIFY_COUNTS_LEN` holds every code of
/// this header. Elements at or past the library's own length, and those of numbers that are
/// no result code, are set to 0; codes at or past `len` are not written, so a program built
/// against an older or newer header keeps working. Returns `JWKS_RESULT_INVALID_ARGUMENT` if
/// `len` is 0 (or too large for an array). Reading takes no lock; the counts of one call are
/// not a snapshot across codes (verifications finishing meanwhile may or may not be in
/// them). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_verify_counts(
    v: *const jwks_verifier,
    counts: *mut u64,
    len: usize,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if counts.is_null() {
            return Err(null_arg("counts"));
        }
        if len == 0 || len > isize::MAX as usize / std::mem::size_of::<u64>() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "len must be the number of elements of counts (JWKS_VERIFY_COUNTS_LEN)",
            ));
        }
        let ours = v.inner.verify_counts();
        // SAFETY: the caller gave `len` writable elements at `counts` (documented contract).
        let out = std::slice::from_raw_parts_mut(counts, len);
        for (code, slot) in out.iter_mut().enumerate() {
            *slot = u32::try_from(code).map_or(0, |c| ours.by_code(c));
        }
        Ok(())
    })
}
