//! `jwks_token`: a verified token, its header, payload and typed claim getters.

use std::ffi::{c_char, CStr, CString};

use super::boundary::{boundary, free_box, null_arg, try_ref, try_str};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use crate::error::{Error, ErrorKind};
use crate::scopes::{self, ScopeMatch};
use crate::verified_token::VerifiedToken;

/// A verified token. Immutable: a `const jwks_token *` may be read from several threads.
/// Every pointer it hands out stays valid until `jwks_token_free`.
pub struct jwks_token {
    inner: VerifiedToken,
    /// What bound the token, when it came from a request verification.
    pub(crate) request: Option<Box<RequestFacts>>,
}

/// What bound a token that a request verification returned (`ffi/request.rs`), kept with the
/// token for its getters (NUL-terminated for C).
#[derive(Debug)]
pub(crate) struct RequestFacts {
    /// `Bearer` or `DPoP`.
    pub(crate) scheme: &'static CStr,
    /// The DPoP proof key's thumbprint.
    pub(crate) dpop_jkt: Option<CString>,
    /// The client certificate's thumbprint.
    pub(crate) certificate_thumbprint: Option<CString>,
    /// A new server nonce to send.
    pub(crate) dpop_nonce: Option<CString>,
}

impl jwks_token {
    pub(crate) fn new(inner: VerifiedToken) -> jwks_token {
        jwks_token {
            inner,
            request: None,
        }
    }
}

unsafe fn bytes_out(bytes_with_nul: &[u8], len: *mut usize) -> *const c_char {
    if !len.is_null() {
        *len = bytes_with_nul.len() - 1;
    }
    bytes_with_nul.as_ptr().cast()
}

/// The decoded payload (the claims JSON of a JWT), as received. NUL-terminated for
/// convenience; `*len` (if `len` is non-NULL) receives its length without the NUL (the payload
/// of a JWS may itself contain NUL bytes). Owned by `t`. NULL if `t` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_payload(
    t: *const jwks_token,
    len: *mut usize,
) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => bytes_out(t.inner.payload_with_nul(), len),
        None => std::ptr::null(),
    })
}

/// The decoded protected header JSON, as received. NUL-terminated; `*len` as for the payload.
/// Owned by `t`. NULL if `t` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_header(t: *const jwks_token, len: *mut usize) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => bytes_out(t.inner.header_with_nul(), len),
        None => std::ptr::null(),
    })
}

/// The algorithm that verified the token, e.g. `"RS256"`. Static string. NULL if `t` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_alg(t: *const jwks_token) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => t.inner.alg().c_name().as_ptr(),
        None => std::ptr::null(),
    })
}

/// The header's `kid`, NUL-terminated, owned by `t`; NULL if the header has none. A `kid`
/// holding a NUL character (`\u0000`), which C would read cut short, never gets this far:
/// such a header is refused as `JWKS_RESULT_MALFORMED`, so NULL always means "no kid".
#[no_mangle]
pub unsafe extern "C" fn jwks_token_kid(t: *const jwks_token) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => t.inner.kid_nul().map_or(std::ptr::null(), |k| k.as_c_ptr()),
        None => std::ptr::null(),
    })
}

/// The `kid` of the key that verified the signature, owned by `t`; NULL if that key has none
/// (a key whose `kid` holds a NUL character is skipped when the set is parsed, so it never
/// verifies a token).
#[no_mangle]
pub unsafe extern "C" fn jwks_token_key_id(t: *const jwks_token) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => t
            .inner
            .key_id_nul()
            .map_or(std::ptr::null(), |k| k.as_c_ptr()),
        None => std::ptr::null(),
    })
}

/// The RFC 7638 thumbprint of the key that verified the signature, owned by `t`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_key_thumbprint(t: *const jwks_token) -> *const c_char {
    boundary(std::ptr::null(), || match t.as_ref() {
        Some(t) => t.inner.key_thumbprint_nul().as_c_ptr(),
        None => std::ptr::null(),
    })
}

/// Frees a token and every pointer it handed out (payload, header, claim strings). NULL is a
/// no-op. This is the last call on `t`: after it the pointer is dangling, and freeing it
/// again is undefined behaviour (set your copy to NULL). Not thread-safe with other uses of
/// the same `t`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_free(t: *mut jwks_token) {
    boundary((), || free_box(t))
}

/// Reads a string claim: on success `*out` points at its UTF-8 bytes (owned by `t`, NOT
/// NUL-terminated: a claim may hold a NUL character) and `*len` receives their length.
/// Returns `JWKS_RESULT_NOT_FOUND` when the token has no such claim, or when its payload is
/// not a claims object (a JWS from `jwks_verify_signature` whose payload is not JSON, not an
/// object, or breaks the reader's rules: a member name twice, a lone surrogate...; see
/// `jwks_token_claims_readable`), and `JWKS_RESULT_TYPE_MISMATCH` when the claim is not a
/// string. Every claim getter reads the payload the claim checks read, by the same reader.
/// Thread-safe (the claims are indexed on first use).
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claim_string(
    t: *const jwks_token,
    name: *const c_char,
    out: *mut *const c_char,
    len: *mut usize,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() || len.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        let s = t.inner.claim_str(try_str(name, "name")?)?;
        *out = s.as_ptr().cast();
        *len = s.len();
        Ok(())
    })
}

/// Reads an integer claim: a JSON number with no fraction or exponent that fits in int64, e.g.
/// `exp`. `-0` is not one (the reader takes it as the floating-point negative zero).
/// `JWKS_RESULT_NOT_FOUND` or `JWKS_RESULT_TYPE_MISMATCH` as for `jwks_token_claim_string`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claim_int(
    t: *const jwks_token,
    name: *const c_char,
    out: *mut i64,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        *out = t.inner.claim_i64(try_str(name, "name")?)?;
        Ok(())
    })
}

/// Reads a boolean claim. `JWKS_RESULT_NOT_FOUND` or `JWKS_RESULT_TYPE_MISMATCH` as for
/// `jwks_token_claim_string`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claim_bool(
    t: *const jwks_token,
    name: *const c_char,
    out: *mut bool,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        *out = t.inner.claim_bool(try_str(name, "name")?)?;
        Ok(())
    })
}

/// Sets `*out` to whether claim `name` equals `value` (a string claim) or contains it (an
/// array claim, e.g. `aud` or `groups`: any element that is that string).
/// `JWKS_RESULT_TYPE_MISMATCH` for other types; `JWKS_RESULT_NOT_FOUND` as for
/// `jwks_token_claim_string`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claim_contains(
    t: *const jwks_token,
    name: *const c_char,
    value: *const c_char,
    out: *mut bool,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        let name = try_str(name, "name")?;
        *out = t.inner.claim_contains(name, try_str(value, "value")?)?;
        Ok(())
    })
}

/// The JSON text of claim `name`'s value, exactly as the payload holds it (e.g. `"alice"`
/// with its quotes, `[1,2]`, `1.50`): on success `*out` points into the payload (owned by
/// `t`, NOT NUL-terminated) and `*len` receives the length. For values no typed getter
/// reads (objects, arrays, numbers as written). `JWKS_RESULT_NOT_FOUND` as for
/// `jwks_token_claim_string`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claim_json(
    t: *const jwks_token,
    name: *const c_char,
    out: *mut *const c_char,
    len: *mut usize,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() || len.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        let raw = t.inner.claim_json(try_str(name, "name")?)?;
        *out = raw.as_ptr().cast();
        *len = raw.len();
        Ok(())
    })
}

/// `JWKS_RESULT_OK` if the payload is a claims object the claim getters read: always for a
/// token from `jwks_verify`. For a JWS from `jwks_verify_signature`, the payload is read under
/// the rules of the claim checks (one JSON object, no member name twice at any depth, no lone
/// surrogate, numbers in range, the nesting limit) and, if they refuse it, the answer is what
/// `jwks_verify` gives such a payload, saying why: `JWKS_RESULT_INVALID_CLAIM`, or
/// `JWKS_RESULT_TOO_LARGE` when nested too deep (then every claim getter answers
/// `JWKS_RESULT_NOT_FOUND`, and the scope functions this error). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claims_readable(
    t: *const jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let t = try_ref(t, "token")?;
        t.inner.claims_readable()
    })
}

/// `JWKS_RESULT_OK` if no two member names of one object of the payload, at any depth, are
/// equal under case folding (a superset of Unicode simple case folding: `iss`, `Iss` and
/// `ISS`; `k`, `K` and the Kelvin sign U+212A; `s`, `S` and U+017F); otherwise
/// `JWKS_RESULT_INVALID_CLAIM` naming two such names. Claim names are case-sensitive, and the
/// getters read `iss` whatever else the payload holds, but a decoder that matches names
/// case-insensitively (Go's `encoding/json` into a struct) would read `Iss` as `iss`: call
/// this before handing the payload to one. A payload that is not claims gives the error of
/// `jwks_token_claims_readable`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claims_case_unique(
    t: *const jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let t = try_ref(t, "token")?;
        t.inner.claims_case_unique()
    })
}

/// How `jwks_token_has_scopes` matches the required scopes: `JWKS_SCOPE_MATCH_ALL` or
/// `JWKS_SCOPE_MATCH_ANY`.
pub type jwks_scope_match = u32;
/// Every required scope must be granted (an empty list is always met).
pub const JWKS_SCOPE_MATCH_ALL: jwks_scope_match = 0;
/// At least one required scope must be granted (an empty list is never met).
pub const JWKS_SCOPE_MATCH_ANY: jwks_scope_match = 1;

/// The number of scopes the token grants, in `*count`. The scopes are: the claim `scope`, a
/// string split on the space character U+0020 alone (empty pieces from leading, trailing or
/// repeated spaces are dropped; a tab, NBSP, NEL or U+3000 is part of a scope, not a
/// separator), then the claim `scp`, either such a string or an array of strings, each
/// element one scope taken whole (an element holding a space is one scope, which no required
/// scope equals); in order, each once. An absent or `null` claim grants nothing. A `scope`
/// that is not a string, or an `scp` that is neither a string nor an array of strings, is
/// `JWKS_RESULT_INVALID_CLAIM` (a rejected token: answer 401); a payload that is not claims
/// gives the error of `jwks_token_claims_readable`. Read once per token. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_scope_count(
    t: *const jwks_token,
    count: *mut usize,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        if count.is_null() {
            return Err(null_arg("count"));
        }
        let t = try_ref(t, "token")?;
        *count = t.inner.scopes()?.len();
        Ok(())
    })
}

/// Scope `index` (from 0, below `jwks_token_scope_count`'s count) of the token: `*out` points
/// at its UTF-8 bytes (owned by `t`, NOT NUL-terminated) and `*len` receives their length.
/// `JWKS_RESULT_INVALID_ARGUMENT` when `index` is not below the count; the errors of
/// `jwks_token_scope_count` otherwise. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_scope(
    t: *const jwks_token,
    index: usize,
    out: *mut *const c_char,
    len: *mut usize,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() || len.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        let s = t.inner.scopes()?.nth(index).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("index {index} is not below the number of scopes"),
            )
        })?;
        *out = s.as_ptr().cast();
        *len = s.len();
        Ok(())
    })
}

/// Sets `*out` to whether the token grants the `count` scopes of `scopes` (NUL-terminated
/// strings; the array may be NULL when `count` is 0): all of them (`JWKS_SCOPE_MATCH_ALL`)
/// or at least one (`JWKS_SCOPE_MATCH_ANY`). Each required scope must be a valid one
/// (`jwks_scope_check`), else `JWKS_RESULT_INVALID_ARGUMENT`; the token's scopes are those of
/// `jwks_token_scope_count`, with its errors. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_has_scopes(
    t: *const jwks_token,
    scopes: *const *const c_char,
    count: usize,
    how: jwks_scope_match,
    out: *mut bool,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let t = try_ref(t, "token")?;
        let how = scope_match(how)?;
        let required = strings(scopes, count, "scopes")?;
        *out = t.inner.has_scopes(&required, how)?;
        Ok(())
    })
}

/// The [`ScopeMatch`] of a `jwks_scope_match`.
pub(crate) fn scope_match(how: jwks_scope_match) -> Result<ScopeMatch, Error> {
    match how {
        JWKS_SCOPE_MATCH_ALL => Ok(ScopeMatch::All),
        JWKS_SCOPE_MATCH_ANY => Ok(ScopeMatch::Any),
        other => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("how is {other}: not JWKS_SCOPE_MATCH_ALL or JWKS_SCOPE_MATCH_ANY"),
        )),
    }
}

/// Where the claims' members lie in the payload, for claim queries over a copy of the token
/// (`jwks_claims`, for bindings that keep the payload after freeing the token): four
/// `uint32_t` per top-level member, in order (its name as written, quotes included, from the
/// offset in the first to the one in the second; its value as written from the third to the
/// fourth: byte offsets into the payload), into `index`
/// (`cap` entries), and the number of members into `*members`. With `index` NULL and `cap`
/// 0, only the number of members is written (ask it first to size `index`, four entries per
/// member). If they do not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with the number
/// of members in `*members`. A payload that is not claims gives the error of
/// `jwks_token_claims_readable`. The index of a token from the token cache comes with it; of
/// another, it is made on first use. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_claims_index(
    t: *const jwks_token,
    index: *mut u32,
    cap: usize,
    members: *mut usize,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        if members.is_null() {
            return Err(null_arg("members"));
        }
        if index.is_null() && cap != 0 {
            return Err(null_arg("index"));
        }
        let spans = try_ref(t, "token")?.inner.claims_index()?;
        if index.is_null() {
            *members = spans.len();
            return Ok(());
        }
        if spans.len() > cap / 4 {
            *members = spans.len();
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "index has room for {cap} entries; the claims need {}",
                    spans.len() * 4
                ),
            ));
        }
        // SAFETY: `index` is writable for `cap` entries (documented contract), which the spans
        // fit; they are our own allocation, so they cannot overlap.
        std::ptr::copy_nonoverlapping(spans.as_ptr().cast::<u32>(), index, spans.len() * 4);
        *members = spans.len();
        Ok(())
    })
}

/// `JWKS_RESULT_OK` if `scope` (NUL-terminated) can be a required scope: a scope-token of RFC
/// 6749 section 3.3, one or more printable ASCII characters other than space, `"` and `\`;
/// otherwise `JWKS_RESULT_INVALID_ARGUMENT` saying why. The integrations (Python, Go, gRPC)
/// check their required scopes with it when they are configured. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_scope_check(
    scope: *const c_char,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || scopes::check_required(try_str(scope, "scope")?))
}

/// Reads an array of `count` NUL-terminated UTF-8 strings (NULL only when `count` is 0).
unsafe fn strings<'a>(
    array: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<&'a str>, Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if array.is_null() {
        return Err(null_arg(name));
    }
    if count > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name}: count is too large"),
        ));
    }
    std::slice::from_raw_parts(array, count)
        .iter()
        .enumerate()
        .map(|(i, &p)| try_str(p, &format!("{name}[{i}]")))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    use serde_json::{json, Map};

    use super::*;
    use crate::alg::Algorithm;
    use crate::ffi::{
        jwks_error_free, jwks_error_message, jwks_verifier_free, jwks_verifier_from_json,
        jwks_verify_at, jwks_verify_signature,
    };
    use crate::issuer::{jwks_document, SigningKey};

    const NOW: i64 = 1_700_000_000;

    /// Verifies `payload` (signed as is) through the C ABI, as a JWT (`jwks_verify_at`) or a
    /// JWS (`jwks_verify_signature`); the result code and the token.
    fn verify_as(payload: &[u8], jws: bool) -> (jwks_result, *mut jwks_token) {
        let key = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("k");
        let jwks = jwks_document(&[&key]).to_string();
        let token = key.sign_with_header(&Map::new(), payload).unwrap();
        unsafe {
            let mut v = null_mut();
            let code = jwks_verifier_from_json(
                jwks.as_ptr().cast(),
                jwks.len(),
                null(),
                &mut v,
                null_mut(),
            );
            assert_eq!(code, jwks_result::Ok);
            let mut t = null_mut();
            let mut e = null_mut();
            let code = if jws {
                jwks_verify_signature(v, token.as_ptr().cast(), token.len(), &mut t, &mut e)
            } else {
                jwks_verify_at(v, token.as_ptr().cast(), token.len(), NOW, &mut t, &mut e)
            };
            jwks_error_free(e);
            jwks_verifier_free(v);
            (code, t)
        }
    }

    fn verify(payload: &str) -> (jwks_result, *mut jwks_token) {
        verify_as(payload.as_bytes(), false)
    }

    /// A token that verifies (as a JWT, or as a JWS).
    fn token(payload: &str, jws: bool) -> Token {
        let (code, t) = verify_as(payload.as_bytes(), jws);
        assert_eq!(code, jwks_result::Ok, "{payload}");
        Token(t)
    }

    /// Frees the token when dropped.
    struct Token(*mut jwks_token);

    impl Drop for Token {
        fn drop(&mut self) {
            unsafe { jwks_token_free(self.0) }
        }
    }

    fn text(out: *const c_char, len: usize) -> String {
        let bytes = unsafe { std::slice::from_raw_parts(out.cast::<u8>(), len) };
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn int(t: *const jwks_token, name: &CStr) -> Result<i64, jwks_result> {
        let mut out = 0;
        match unsafe { jwks_token_claim_int(t, name.as_ptr(), &mut out) } {
            jwks_result::Ok => Ok(out),
            code => Err(code),
        }
    }

    fn boolean(t: *const jwks_token, name: &CStr) -> Result<bool, jwks_result> {
        let mut out = false;
        match unsafe { jwks_token_claim_bool(t, name.as_ptr(), &mut out) } {
            jwks_result::Ok => Ok(out),
            code => Err(code),
        }
    }

    fn string(t: *const jwks_token, name: &CStr) -> Result<String, jwks_result> {
        let (mut out, mut len) = (null(), 0);
        match unsafe { jwks_token_claim_string(t, name.as_ptr(), &mut out, &mut len) } {
            jwks_result::Ok => Ok(text(out, len)),
            code => Err(code),
        }
    }

    fn raw(t: *const jwks_token, name: &CStr) -> Result<String, jwks_result> {
        let (mut out, mut len) = (null(), 0);
        match unsafe { jwks_token_claim_json(t, name.as_ptr(), &mut out, &mut len) } {
            jwks_result::Ok => Ok(text(out, len)),
            code => Err(code),
        }
    }

    fn contains(t: *const jwks_token, name: &CStr, value: &CStr) -> Result<bool, jwks_result> {
        let mut out = false;
        match unsafe { jwks_token_claim_contains(t, name.as_ptr(), value.as_ptr(), &mut out) } {
            jwks_result::Ok => Ok(out),
            code => Err(code),
        }
    }

    /// The result of a call taking `jwks_error **`, with the message.
    fn checked(
        f: impl FnOnce(*mut *mut jwks_error) -> jwks_result,
    ) -> Result<(), (jwks_result, String)> {
        let mut e = null_mut();
        let code = f(&mut e);
        let message = if e.is_null() {
            String::new()
        } else {
            let m = unsafe { CStr::from_ptr(jwks_error_message(e)) };
            m.to_string_lossy().into_owned()
        };
        unsafe { jwks_error_free(e) };
        match code {
            jwks_result::Ok => Ok(()),
            code => Err((code, message)),
        }
    }

    fn scopes(t: *const jwks_token) -> Result<Vec<String>, jwks_result> {
        let mut n = 0;
        let code = unsafe { jwks_token_scope_count(t, &mut n, null_mut()) };
        if code != jwks_result::Ok {
            return Err(code);
        }
        let list = (0..n)
            .map(|i| {
                let (mut out, mut len) = (null(), 0);
                let code = unsafe { jwks_token_scope(t, i, &mut out, &mut len) };
                assert_eq!(code, jwks_result::Ok);
                text(out, len)
            })
            .collect();
        let (mut out, mut len) = (null(), 0);
        let code = unsafe { jwks_token_scope(t, n, &mut out, &mut len) };
        assert_eq!(code, jwks_result::InvalidArgument);
        Ok(list)
    }

    fn has_scopes(
        t: *const jwks_token,
        required: &[&CStr],
        how: jwks_scope_match,
    ) -> Result<bool, jwks_result> {
        let ptrs: Vec<*const c_char> = required.iter().map(|s| s.as_ptr()).collect();
        let mut out = false;
        match unsafe {
            jwks_token_has_scopes(t, ptrs.as_ptr(), ptrs.len(), how, &mut out, null_mut())
        } {
            jwks_result::Ok => Ok(out),
            code => Err(code),
        }
    }

    /// A token is either refused, or every claim it carries is readable by the getters: no
    /// member the getters' reader cannot decode (which left every getter answering NOT_FOUND,
    /// `sub` and `exp` included), and no member name twice at any depth (which a C consumer's
    /// parser and another language's could each resolve differently).
    #[test]
    fn getters_read_what_verification_accepted() {
        let exp = NOW + 60;
        for payload in [
            format!(r#"{{"sub":"alice","exp":{exp},"x":1e999}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":-1e999}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":1e300}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":18446744073709551616}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":"\ud800"}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":["\udc00"]}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":{{"role":"user","role":"admin"}}}}"#),
            format!(r#"{{"sub":"alice","exp":{exp},"x":[{{"role":"user","r\u006fle":"admin"}}]}}"#),
        ] {
            let (code, t) = verify(&payload);
            if !t.is_null() {
                let sub = string(t, c"sub");
                let exp_read = int(t, c"exp");
                unsafe { jwks_token_free(t) };
                panic!("accepted {payload}: sub {sub:?}, exp {exp_read:?}");
            }
            assert_eq!(code, jwks_result::InvalidClaim, "{payload}");
        }
        // The same tokens without the unreadable member verify, and the getters read them.
        let ok = json!({"sub": "alice", "exp": exp, "x": {"role": "user"}, "big": 1e18});
        let (code, t) = verify(&ok.to_string());
        assert_eq!(code, jwks_result::Ok);
        assert_eq!(string(t, c"sub").as_deref(), Ok("alice"));
        assert_eq!(int(t, c"exp"), Ok(exp));
        assert_eq!(int(t, c"nope"), Err(jwks_result::NotFound));
        unsafe { jwks_token_free(t) };
    }

    /// `-0` is a number with a sign, not an integer; integers beyond int64 (up to 2^64-1)
    /// verify but are not int64.
    #[test]
    fn integer_getter_refuses_what_is_not_an_int64() {
        let payload = format!(
            r#"{{"exp":{},"neg":-0,"big":18446744073709551615,"i":-7,"f":1.0,"e":1e2,"min":-9223372036854775808}}"#,
            NOW + 60
        );
        let t = token(&payload, false);
        assert_eq!(int(t.0, c"neg"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t.0, c"big"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t.0, c"f"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t.0, c"e"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t.0, c"i"), Ok(-7));
        assert_eq!(int(t.0, c"min"), Ok(i64::MIN));
        assert_eq!(raw(t.0, c"big").as_deref(), Ok("18446744073709551615"));
        assert_eq!(raw(t.0, c"neg").as_deref(), Ok("-0"));
    }

    #[test]
    fn getters_by_type() {
        let payload = format!(
            r#"{{"exp":{}, "s" : "a\"b\u00e9\n", "plain":"x y", "nul":"a\u0000b", "b":true, "f":false,
               "n":null, "groups":["api","w\u0065b"], "o":{{"k":[1,"v"]}}, "\u0065sc":"named with an escape"}}"#,
            NOW + 60
        );
        let t = token(&payload, false);
        let t = t.0;
        assert_eq!(string(t, c"s").as_deref(), Ok("a\"b\u{e9}\n"));
        assert_eq!(string(t, c"plain").as_deref(), Ok("x y"));
        assert_eq!(string(t, c"nul").as_deref(), Ok("a\0b"));
        assert_eq!(string(t, c"esc").as_deref(), Ok("named with an escape"));
        assert_eq!(string(t, c"b"), Err(jwks_result::TypeMismatch));
        assert_eq!(string(t, c"n"), Err(jwks_result::TypeMismatch));
        assert_eq!(boolean(t, c"b"), Ok(true));
        assert_eq!(boolean(t, c"f"), Ok(false));
        assert_eq!(boolean(t, c"s"), Err(jwks_result::TypeMismatch));
        assert_eq!(contains(t, c"groups", c"web"), Ok(true));
        assert_eq!(contains(t, c"groups", c"x"), Ok(false));
        assert_eq!(contains(t, c"s", c"a\"b\u{e9}\n"), Ok(true));
        assert_eq!(contains(t, c"o", c"v"), Err(jwks_result::TypeMismatch));
        assert_eq!(contains(t, c"missing", c"v"), Err(jwks_result::NotFound));
        assert_eq!(raw(t, c"o").as_deref(), Ok(r#"{"k":[1,"v"]}"#));
        assert_eq!(raw(t, c"s").as_deref(), Ok(r#""a\"b\u00e9\n""#));
        assert_eq!(raw(t, c"groups").as_deref(), Ok(r#"["api","w\u0065b"]"#));
        assert_eq!(raw(t, c"n").as_deref(), Ok("null"));
        assert_eq!(raw(t, c"\\u0065sc"), Err(jwks_result::NotFound));
        // NULL arguments are errors, never crashes.
        let (mut out, mut len) = (null(), 0);
        unsafe {
            assert_eq!(
                jwks_token_claim_json(null(), c"s".as_ptr(), &mut out, &mut len),
                jwks_result::NullArgument
            );
            assert_eq!(
                jwks_token_claim_json(t, null(), &mut out, &mut len),
                jwks_result::NullArgument
            );
            assert_eq!(
                jwks_token_claim_json(t, c"s".as_ptr(), null_mut(), &mut len),
                jwks_result::NullArgument
            );
        }
    }

    /// A JWS payload the claim checks would refuse gives NOT_FOUND for every claim (as many
    /// readers would each resolve it differently), and `jwks_token_claims_readable` says why.
    #[test]
    fn jws_payloads_that_are_not_claims() {
        for (payload, why) in [
            (&br#"{"sub":"a","sub":"b"}"#[..], "duplicate"),
            (br#"{"sub":"a","x":{"r":1,"r":2}}"#, "duplicate"),
            (br#"{"sub":"a","x":"\ud800"}"#, "escape"),
            (br#"{"sub":"a","x":1e999}"#, "number"),
            (
                br#"{"sub":"a","x":123456789012345678901234567890}"#,
                "out of range",
            ),
            (b"[1,2]", "object"),
            (b"not json", "expected"),
            (b"", "EOF"),
            (b"{\"sub\":\"\xff\"}", "UTF-8"),
            (
                br#"{"sub":"a","x":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"#,
                "nested",
            ),
        ] {
            let shown = String::from_utf8_lossy(payload);
            let (code, t) = verify_as(payload, true);
            assert_eq!(code, jwks_result::Ok, "{shown}");
            let t = Token(t);
            assert_eq!(string(t.0, c"sub"), Err(jwks_result::NotFound), "{shown}");
            assert_eq!(raw(t.0, c"sub"), Err(jwks_result::NotFound), "{shown}");
            assert_eq!(int(t.0, c"x"), Err(jwks_result::NotFound), "{shown}");
            // The verdict of the claim checks on the same payload.
            let verdict = verify_as(payload, false).0;
            let expected = if why == "nested" {
                jwks_result::TooLarge
            } else {
                jwks_result::InvalidClaim
            };
            assert_eq!(verdict, expected, "{shown}");
            assert_eq!(scopes(t.0), Err(verdict), "{shown}");
            let (code, message) =
                checked(|e| unsafe { jwks_token_claims_readable(t.0, e) }).unwrap_err();
            assert_eq!(code, verdict, "{shown}");
            assert!(message.contains(why), "{shown}: {message}");
            let (code, _) =
                checked(|e| unsafe { jwks_token_claims_case_unique(t.0, e) }).unwrap_err();
            assert_eq!(code, verdict, "{shown}");
        }
        // A JWS whose payload is claims reads as a JWT does.
        let t = token(r#"{"sub":"a","scope":"x y"}"#, true);
        assert_eq!(string(t.0, c"sub").as_deref(), Ok("a"));
        assert_eq!(scopes(t.0), Ok(vec!["x".into(), "y".into()]));
        assert_eq!(
            checked(|e| unsafe { jwks_token_claims_readable(t.0, e) }),
            Ok(())
        );
    }

    /// Names that differ only in case: the getters read the exact name, and
    /// `jwks_token_claims_case_unique` refuses the payload for case-insensitive decoders.
    #[test]
    fn names_differing_only_in_case() {
        let exp = NOW + 60;
        let t = token(
            &format!(
                r#"{{"exp":{exp},"iss":"https://idp.example/","Iss":"https://evil.example/"}}"#
            ),
            false,
        );
        assert_eq!(string(t.0, c"iss").as_deref(), Ok("https://idp.example/"));
        assert_eq!(string(t.0, c"Iss").as_deref(), Ok("https://evil.example/"));
        let (code, message) =
            checked(|e| unsafe { jwks_token_claims_case_unique(t.0, e) }).unwrap_err();
        assert_eq!(code, jwks_result::InvalidClaim);
        assert!(message.contains(r#""Iss" and "iss""#), "{message}");
        for nested in [
            r#"{"x":{"\u212a":1,"k":2}}"#,
            r#"{"x":[{"s":1,"\u017f":2}]}"#,
            r#"{"ROLE":1,"x":{"role":1,"Role":2}}"#,
        ] {
            let t = token(nested, true);
            assert!(
                checked(|e| unsafe { jwks_token_claims_case_unique(t.0, e) }).is_err(),
                "{nested}"
            );
        }
        for fine in [
            format!(r#"{{"exp":{exp},"iss":"a","sub":"b","x":{{"iss":1}},"y":[{{"Iss":1}}]}}"#),
            format!(r#"{{"exp":{exp},"aud":["API","api"]}}"#),
        ] {
            let t = token(&fine, true);
            assert_eq!(
                checked(|e| unsafe { jwks_token_claims_case_unique(t.0, e) }),
                Ok(()),
                "{fine}"
            );
        }
    }

    #[test]
    fn scopes_by_the_one_rule() {
        let exp = NOW + 60;
        let t = token(
            &format!(
                r#"{{"exp":{exp},"scope":" read  write\tadmin\u00a0x read","scp":["write","a b","","\u0063ustom"]}}"#
            ),
            false,
        );
        let t = t.0;
        assert_eq!(
            scopes(t),
            Ok(vec![
                "read".into(),
                "write\tadmin\u{a0}x".into(),
                "write".into(),
                "a b".into(),
                "custom".into()
            ])
        );
        assert_eq!(
            has_scopes(t, &[c"read", c"write"], JWKS_SCOPE_MATCH_ALL),
            Ok(true)
        );
        assert_eq!(
            has_scopes(t, &[c"read", c"admin"], JWKS_SCOPE_MATCH_ALL),
            Ok(false)
        );
        assert_eq!(
            has_scopes(t, &[c"admin", c"custom"], JWKS_SCOPE_MATCH_ANY),
            Ok(true)
        );
        assert_eq!(
            has_scopes(t, &[c"admin", c"x"], JWKS_SCOPE_MATCH_ANY),
            Ok(false)
        );
        assert_eq!(has_scopes(t, &[], JWKS_SCOPE_MATCH_ALL), Ok(true));
        assert_eq!(has_scopes(t, &[], JWKS_SCOPE_MATCH_ANY), Ok(false));
        assert_eq!(
            has_scopes(t, &[c"read", c"a b"], JWKS_SCOPE_MATCH_ALL),
            Err(jwks_result::InvalidArgument)
        );
        assert_eq!(
            has_scopes(t, &[c"read", c""], JWKS_SCOPE_MATCH_ANY),
            Err(jwks_result::InvalidArgument)
        );
        assert_eq!(
            has_scopes(t, &[c"read"], 2),
            Err(jwks_result::InvalidArgument)
        );
        let mut out = false;
        unsafe {
            assert_eq!(
                jwks_token_has_scopes(t, null(), 0, JWKS_SCOPE_MATCH_ALL, &mut out, null_mut()),
                jwks_result::Ok
            );
            assert!(out);
            assert_eq!(
                jwks_token_has_scopes(t, null(), 1, JWKS_SCOPE_MATCH_ALL, &mut out, null_mut()),
                jwks_result::NullArgument
            );
            let with_null = [c"read".as_ptr(), null()];
            assert_eq!(
                jwks_token_has_scopes(
                    t,
                    with_null.as_ptr(),
                    2,
                    JWKS_SCOPE_MATCH_ALL,
                    &mut out,
                    null_mut()
                ),
                jwks_result::NullArgument
            );
        }
        for (claims, granted) in [
            (json!({}), Ok(vec![])),
            (json!({"scope": null}), Ok(vec![])),
            (
                json!({"scope": "a", "scp": "b a"}),
                Ok(vec!["a".to_owned(), "b".into()]),
            ),
            (json!({"scope": ["a"]}), Err(jwks_result::InvalidClaim)),
            (json!({"scope": 1}), Err(jwks_result::InvalidClaim)),
            (json!({"scp": ["a", 1]}), Err(jwks_result::InvalidClaim)),
            (json!({"scp": {"a": true}}), Err(jwks_result::InvalidClaim)),
        ] {
            let mut claims = claims;
            claims["exp"] = json!(exp);
            let t = token(&claims.to_string(), false);
            assert_eq!(scopes(t.0), granted, "{claims}");
            if granted.is_err() {
                assert_eq!(
                    has_scopes(t.0, &[c"a"], JWKS_SCOPE_MATCH_ALL),
                    Err(jwks_result::InvalidClaim)
                );
            }
        }
    }

    #[test]
    fn scope_check() {
        let check =
            |s: &CStr| checked(|e| unsafe { jwks_scope_check(s.as_ptr(), e) }).map_err(|(c, _)| c);
        assert_eq!(check(c"read:orders"), Ok(()));
        for bad in [
            c"",
            c"a b",
            c"a\tb",
            c"caf\xc3\xa9",
            c"a\"b",
            c"a\\b",
            c"\xff",
        ] {
            assert_eq!(check(bad), Err(jwks_result::InvalidArgument), "{bad:?}");
        }
        assert_eq!(
            checked(|e| unsafe { jwks_scope_check(null(), e) }).map_err(|(c, _)| c),
            Err(jwks_result::NullArgument)
        );
    }
}
