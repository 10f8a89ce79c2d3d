//! `jwks_claims`: claim queries over a copy of a verified token's payload and of the index of
//! its members, kept by the caller after the token is freed.
//!
//! For bindings whose objects outlive the C call that verified them and whose memory is
//! managed by a garbage collector (Go): keeping a `jwks_token` per object would need a
//! finalizer per object, which costs more than the verification it follows. Such a binding
//! copies the payload and `jwks_token_claims_index` out of the token, frees the token, and
//! asks these functions, which give exactly the answers of the `jwks_token_*` getters on the
//! token they came from: the same code reads both.

use std::borrow::Cow;
use std::ffi::c_char;

use super::boundary::{null_arg, try_bytes, try_ref};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use super::token::jwks_scope_match;
use crate::claims_view::ClaimsView;
use crate::error::{Error, ErrorKind};
use crate::members::Span;

/// A copy of a verified token's claims: its payload, as `jwks_token_payload` gave it, and
/// where its members lie, as `jwks_token_claims_index` gave it. The memory is the caller's;
/// the functions read it during the call only. They check the index against the payload (a
/// damaged copy gives `JWKS_RESULT_INVALID_ARGUMENT`, never a crash) but cannot tell where
/// the payload came from: give them only copies made from a verified token.
#[repr(C)]
pub struct jwks_claims {
    /// The payload bytes (no NUL needed).
    pub payload: *const c_char,
    /// Their length.
    pub payload_len: usize,
    /// Four `uint32_t` per member: where its name and its value lie in the payload.
    pub index: *const u32,
    /// The number of members (the index holds four times as many `uint32_t`).
    pub members: usize,
}

/// What `jwks_claims_get` reads: one of the `JWKS_CLAIM_*` values.
pub type jwks_claim_kind = u32;
/// A string claim, decoded (as `jwks_token_claim_string`).
pub const JWKS_CLAIM_STRING: jwks_claim_kind = 0;
/// A claim's value as written (as `jwks_token_claim_json`).
pub const JWKS_CLAIM_JSON: jwks_claim_kind = 1;
/// An integer claim (as `jwks_token_claim_int`).
pub const JWKS_CLAIM_INT: jwks_claim_kind = 2;
/// A boolean claim (as `jwks_token_claim_bool`).
pub const JWKS_CLAIM_BOOL: jwks_claim_kind = 3;
/// Whether a claim equals or holds a string (as `jwks_token_claim_contains`).
pub const JWKS_CLAIM_CONTAINS: jwks_claim_kind = 4;

/// The answer of `jwks_claims_get`.
#[repr(C)]
pub struct jwks_claim_value {
    /// `JWKS_CLAIM_STRING` and `JWKS_CLAIM_JSON`: the bytes, in the payload, or in the
    /// caller's buffer for a string that had escapes (not NUL-terminated).
    pub str: *const c_char,
    /// Their length; for a decoded string that did not fit the buffer, the size it needs.
    pub len: usize,
    /// `JWKS_CLAIM_INT`: the integer.
    pub integer: i64,
    /// `JWKS_CLAIM_BOOL` and `JWKS_CLAIM_CONTAINS`: the answer.
    pub boolean: bool,
}

/// The view of a `jwks_claims`, its pointers checked.
unsafe fn view<'a>(c: *const jwks_claims) -> Result<ClaimsView<'a>, Error> {
    let c = try_ref(c, "claims")?;
    let payload = try_bytes(c.payload, c.payload_len, "claims->payload")?;
    if c.members == 0 {
        return Ok(ClaimsView::new(payload, &[]));
    }
    if c.index.is_null() {
        return Err(null_arg("claims->index"));
    }
    if c.members > isize::MAX as usize / std::mem::size_of::<Span>() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "claims->members is too large",
        ));
    }
    // `[u32; 4]` has the alignment of `u32`: the caller's array of uint32_t is one of spans.
    let index = std::slice::from_raw_parts(c.index.cast::<Span>(), c.members);
    Ok(ClaimsView::new(payload, index))
}

/// A (pointer, length) UTF-8 string argument.
unsafe fn text<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Error> {
    std::str::from_utf8(try_bytes(ptr, len, name)?).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} is not valid UTF-8"),
        )
    })
}

/// Reads claim `name` (`name_len` bytes of UTF-8, no NUL needed) as `kind` says, into
/// `*out`: the same answers, and the same `JWKS_RESULT_NOT_FOUND` and
/// `JWKS_RESULT_TYPE_MISMATCH`, as the `jwks_token_claim_*` getter of that kind on the token
/// the copy came from. `value` (`value_len` bytes) is the string of `JWKS_CLAIM_CONTAINS`
/// (NULL with 0 otherwise). A string claim without escapes points into the payload; one with
/// escapes is decoded into `buf` (`cap` bytes; NULL with 0 is fine until one is met): if it
/// does not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with the size it needs in
/// `out->len` (the only failure that writes an output). Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jwks_claims_get(
    c: *const jwks_claims,
    kind: jwks_claim_kind,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
    buf: *mut c_char,
    cap: usize,
    out: *mut jwks_claim_value,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        if buf.is_null() && cap != 0 {
            return Err(null_arg("buf"));
        }
        let view = view(c)?;
        let name = text(name, name_len, "name")?;
        let out = &mut *out;
        match kind {
            JWKS_CLAIM_STRING => match view.string(name)? {
                Cow::Borrowed(s) => {
                    out.str = s.as_ptr().cast();
                    out.len = s.len();
                }
                Cow::Owned(s) => {
                    if s.len() > cap {
                        out.len = s.len();
                        return Err(Error::new(
                            ErrorKind::InvalidArgument,
                            format!("buf is {cap} bytes; the string needs {}", s.len()),
                        ));
                    }
                    // SAFETY: `buf` is writable for `cap` bytes (documented contract), which
                    // the string fits; it is our own allocation, so they cannot overlap.
                    std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
                    out.str = buf;
                    out.len = s.len();
                }
            },
            JWKS_CLAIM_JSON => {
                let raw = view.json(name)?;
                out.str = raw.as_ptr().cast();
                out.len = raw.len();
            }
            JWKS_CLAIM_INT => out.integer = view.int(name)?,
            JWKS_CLAIM_BOOL => out.boolean = view.bool(name)?,
            JWKS_CLAIM_CONTAINS => {
                out.boolean = view.contains(name, text(value, value_len, "value")?)?;
            }
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("kind {other} is not a JWKS_CLAIM_* value"),
                ))
            }
        }
        Ok(())
    })
}

/// The scopes the claims grant, as `jwks_token_scope_count` and `jwks_token_scope` read them
/// (and with their errors): their bytes back to back in `buf` (`cap` bytes), the end of each
/// in `ends` (`ends_cap` entries, offsets into `buf`), their total length in `*len` and their
/// number in `*count`. If they do not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with
/// the sizes needed in `*len` and `*count`. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jwks_claims_scopes(
    c: *const jwks_claims,
    buf: *mut c_char,
    cap: usize,
    ends: *mut usize,
    ends_cap: usize,
    len: *mut usize,
    count: *mut usize,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        if len.is_null() || count.is_null() {
            return Err(null_arg("len"));
        }
        if (buf.is_null() && cap != 0) || (ends.is_null() && ends_cap != 0) {
            return Err(null_arg("buf"));
        }
        let list = view(c)?.scopes()?;
        if list.text.len() > cap || list.ends.len() > ends_cap {
            *len = list.text.len();
            *count = list.ends.len();
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "the scopes need {} bytes and {} ends",
                    list.text.len(),
                    list.ends.len()
                ),
            ));
        }
        // SAFETY: both are writable for their capacities (documented contract), which the
        // scopes fit; they are our own allocations, so they cannot overlap.
        std::ptr::copy_nonoverlapping(list.text.as_ptr(), buf.cast::<u8>(), list.text.len());
        std::ptr::copy_nonoverlapping(list.ends.as_ptr(), ends, list.ends.len());
        *len = list.text.len();
        *count = list.ends.len();
        Ok(())
    })
}

/// As `jwks_token_has_scopes`, over a copy of the claims, with the `count` required scopes
/// back to back in `names` (no NULs), the length of each in `lens`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_claims_has_scopes(
    c: *const jwks_claims,
    names: *const c_char,
    lens: *const usize,
    count: usize,
    how: jwks_scope_match,
    out: *mut bool,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let how = super::token::scope_match(how)?;
        let view = view(c)?;
        let mut required = Vec::with_capacity(count);
        if count > 0 {
            if lens.is_null() {
                return Err(null_arg("lens"));
            }
            let lens = std::slice::from_raw_parts(lens, count);
            let total = lens
                .iter()
                .try_fold(0usize, |a, &l| a.checked_add(l))
                .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "lens overflow"))?;
            let all = text(names, total, "names")?;
            let mut at = 0;
            for &l in lens {
                let s = all.get(at..at + l).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        "a required scope ends inside a character",
                    )
                })?;
                required.push(s);
                at += l;
            }
        }
        *out = ClaimsView::has_scopes(&view.scopes()?, &required, how)?;
        Ok(())
    })
}

/// As `jwks_token_claims_case_unique`, over a copy of the claims. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_claims_case_unique(
    c: *const jwks_claims,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let view = view(c)?;
        ClaimsView::case_unique(&view.object()?)
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};

    use serde_json::Map;

    use super::*;
    use crate::alg::Algorithm;
    use crate::ffi::{
        jwks_token, jwks_token_claim_bool, jwks_token_claim_contains, jwks_token_claim_int,
        jwks_token_claim_json, jwks_token_claim_string, jwks_token_claims_case_unique,
        jwks_token_claims_index, jwks_token_free, jwks_token_has_scopes, jwks_token_payload,
        jwks_token_scope, jwks_token_scope_count, jwks_verifier_free, jwks_verifier_from_json,
        jwks_verify_signature, JWKS_SCOPE_MATCH_ALL, JWKS_SCOPE_MATCH_ANY,
    };
    use crate::issuer::{jwks_document, SigningKey};

    /// A token of `payload` (a JWS: any payload), through the C ABI.
    fn token(payload: &str) -> *mut jwks_token {
        let key = SigningKey::generate(Algorithm::EdDSA)
            .unwrap()
            .with_kid("k");
        let jwks = jwks_document(&[&key]).to_string();
        let jws = key
            .sign_with_header(&Map::new(), payload.as_bytes())
            .unwrap();
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
            let code = jwks_verify_signature(v, jws.as_ptr().cast(), jws.len(), &mut t, null_mut());
            assert_eq!(code, jwks_result::Ok);
            jwks_verifier_free(v);
            t
        }
    }

    /// The caller's copy: payload and index, in fresh memory.
    struct Copy {
        payload: Vec<u8>,
        index: Vec<u32>,
    }

    impl Copy {
        fn of(t: *const jwks_token) -> Result<Copy, jwks_result> {
            unsafe {
                let mut len = 0;
                let p = jwks_token_payload(t, &mut len);
                let payload = std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec();
                let mut members = 0;
                let code = jwks_token_claims_index(t, null_mut(), 0, &mut members, null_mut());
                if code != jwks_result::Ok {
                    return Err(code);
                }
                if members > 0 {
                    // Too small a room: the number of members, no output but that.
                    let mut one = [0u32; 3];
                    let mut told = 0;
                    let code =
                        jwks_token_claims_index(t, one.as_mut_ptr(), 3, &mut told, null_mut());
                    assert_eq!((code, told), (jwks_result::InvalidArgument, members));
                    assert_eq!(one, [0; 3]);
                }
                let mut index = vec![0u32; members * 4];
                let code = jwks_token_claims_index(
                    t,
                    index.as_mut_ptr(),
                    index.len(),
                    &mut members,
                    null_mut(),
                );
                assert_eq!(code, jwks_result::Ok);
                Ok(Copy { payload, index })
            }
        }

        fn claims(&self) -> jwks_claims {
            jwks_claims {
                payload: self.payload.as_ptr().cast(),
                payload_len: self.payload.len(),
                index: self.index.as_ptr(),
                members: self.index.len() / 4,
            }
        }
    }

    fn value() -> jwks_claim_value {
        jwks_claim_value {
            str: null(),
            len: 0,
            integer: 0,
            boolean: false,
        }
    }

    /// Every answer of the copy, as text.
    fn copy_answers(c: &jwks_claims, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for kind in [
            JWKS_CLAIM_STRING,
            JWKS_CLAIM_JSON,
            JWKS_CLAIM_INT,
            JWKS_CLAIM_BOOL,
            JWKS_CLAIM_CONTAINS,
        ] {
            let mut v = value();
            let mut buf = [0u8; 8];
            let mut code = unsafe {
                jwks_claims_get(
                    c,
                    kind,
                    name.as_ptr().cast(),
                    name.len(),
                    "ops".as_ptr().cast(),
                    3,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut v,
                )
            };
            let mut big = vec![0u8; v.len];
            if code == jwks_result::InvalidArgument && kind == JWKS_CLAIM_STRING {
                code = unsafe {
                    jwks_claims_get(
                        c,
                        kind,
                        name.as_ptr().cast(),
                        name.len(),
                        null(),
                        0,
                        big.as_mut_ptr().cast(),
                        big.len(),
                        &mut v,
                    )
                };
            }
            out.push(match (code, kind) {
                (jwks_result::Ok, JWKS_CLAIM_STRING | JWKS_CLAIM_JSON) => String::from_utf8(
                    unsafe { std::slice::from_raw_parts(v.str.cast::<u8>(), v.len) }.to_vec(),
                )
                .unwrap(),
                (jwks_result::Ok, JWKS_CLAIM_INT) => v.integer.to_string(),
                (jwks_result::Ok, _) => v.boolean.to_string(),
                (code, _) => format!("{code:?}"),
            });
        }
        out
    }

    /// The same answers from the token's getters.
    fn token_answers(t: *const jwks_token, name: &str) -> Vec<String> {
        let n = CString::new(name).unwrap();
        let mut out = Vec::new();
        unsafe {
            let (mut p, mut l) = (null(), 0);
            for f in [jwks_token_claim_string, jwks_token_claim_json] {
                out.push(match f(t, n.as_ptr(), &mut p, &mut l) {
                    jwks_result::Ok => {
                        String::from_utf8(std::slice::from_raw_parts(p.cast::<u8>(), l).to_vec())
                            .unwrap()
                    }
                    code => format!("{code:?}"),
                });
            }
            let mut i = 0;
            out.push(match jwks_token_claim_int(t, n.as_ptr(), &mut i) {
                jwks_result::Ok => i.to_string(),
                code => format!("{code:?}"),
            });
            let mut b = false;
            out.push(match jwks_token_claim_bool(t, n.as_ptr(), &mut b) {
                jwks_result::Ok => b.to_string(),
                code => format!("{code:?}"),
            });
            out.push(
                match jwks_token_claim_contains(t, n.as_ptr(), c"ops".as_ptr(), &mut b) {
                    jwks_result::Ok => b.to_string(),
                    code => format!("{code:?}"),
                },
            );
        }
        out
    }

    fn copy_scopes(c: &jwks_claims) -> Result<Vec<String>, jwks_result> {
        let (mut len, mut count) = (0, 0);
        let code = unsafe {
            jwks_claims_scopes(
                c,
                null_mut(),
                0,
                null_mut(),
                0,
                &mut len,
                &mut count,
                null_mut(),
            )
        };
        if code != jwks_result::Ok && code != jwks_result::InvalidArgument {
            return Err(code);
        }
        let (mut buf, mut ends) = (vec![0u8; len], vec![0usize; count]);
        let code = unsafe {
            jwks_claims_scopes(
                c,
                buf.as_mut_ptr().cast(),
                buf.len(),
                ends.as_mut_ptr(),
                ends.len(),
                &mut len,
                &mut count,
                null_mut(),
            )
        };
        assert_eq!(code, jwks_result::Ok);
        let mut start = 0;
        Ok(ends
            .iter()
            .map(|&e| {
                let s = String::from_utf8(buf[start..e].to_vec()).unwrap();
                start = e;
                s
            })
            .collect())
    }

    fn token_scopes(t: *const jwks_token) -> Result<Vec<String>, jwks_result> {
        let mut n = 0;
        let code = unsafe { jwks_token_scope_count(t, &mut n, null_mut()) };
        if code != jwks_result::Ok {
            return Err(code);
        }
        Ok((0..n)
            .map(|i| {
                let (mut p, mut l) = (null(), 0);
                assert_eq!(
                    unsafe { jwks_token_scope(t, i, &mut p, &mut l) },
                    jwks_result::Ok
                );
                String::from_utf8(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), l) }.to_vec())
                    .unwrap()
            })
            .collect())
    }

    /// A copy of the claims answers every query as the token does.
    #[test]
    fn a_copy_answers_as_the_token() {
        let names = [
            "sub", "n", "neg", "b", "groups", "esc", "long", "scope", "scp", "o", "Sub", "missing",
            "é",
        ];
        for payload in [
            r#"{"sub":"alice","n":7,"neg":-0,"b":true,"groups":["ops","d\u0065v"],"esc":"a\u0062","long":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9","scope":"read  write","scp":["a b","ops"],"o":{"k":1},"\u00e9":1}"#,
            r#"{"scope":["bad"],"Sub":"x","sub":"y"}"#,
            r#"{"scp":{"a":1},"groups":"ops"}"#,
            r#"{}"#,
        ] {
            let t = token(payload);
            let copy = Copy::of(t).unwrap();
            let c = copy.claims();
            for name in names {
                assert_eq!(
                    copy_answers(&c, name),
                    token_answers(t, name),
                    "{payload} {name}"
                );
            }
            assert_eq!(copy_scopes(&c), token_scopes(t), "{payload}");
            for (required, how) in [
                (&["read"][..], JWKS_SCOPE_MATCH_ALL),
                (&["x", "ops"], JWKS_SCOPE_MATCH_ANY),
                (&["a b"], JWKS_SCOPE_MATCH_ALL),
            ] {
                let cs: Vec<CString> = required.iter().map(|s| CString::new(*s).unwrap()).collect();
                let ptrs: Vec<*const c_char> = cs.iter().map(|s| s.as_ptr()).collect();
                let joined: String = required.concat();
                let lens: Vec<usize> = required.iter().map(|s| s.len()).collect();
                let (mut a, mut b) = (false, false);
                let ca = unsafe {
                    jwks_token_has_scopes(t, ptrs.as_ptr(), ptrs.len(), how, &mut a, null_mut())
                };
                let cb = unsafe {
                    jwks_claims_has_scopes(
                        &c,
                        joined.as_ptr().cast(),
                        lens.as_ptr(),
                        lens.len(),
                        how,
                        &mut b,
                        null_mut(),
                    )
                };
                assert_eq!((ca, a), (cb, b), "{payload} {required:?}");
            }
            let ca = unsafe { jwks_token_claims_case_unique(t, null_mut()) };
            let cb = unsafe { jwks_claims_case_unique(&c, null_mut()) };
            assert_eq!(ca, cb, "{payload}");
            unsafe { jwks_token_free(t) };
        }
    }

    /// A payload that is not claims has no index: the error of jwks_token_claims_readable.
    #[test]
    fn no_index_for_a_payload_that_is_not_claims() {
        let t = token(r#"{"sub":"a","sub":"b"}"#);
        let mut members = 7;
        let mut e = null_mut();
        let code = unsafe { jwks_token_claims_index(t, null_mut(), 0, &mut members, &mut e) };
        assert_eq!(code, jwks_result::InvalidClaim);
        assert_eq!(members, 7, "no output on failure");
        let message = unsafe { CStr::from_ptr(crate::ffi::jwks_error_message(e)) };
        assert!(message.to_str().unwrap().contains("duplicate"));
        unsafe {
            crate::ffi::jwks_error_free(e);
            jwks_token_free(t);
        }
    }

    /// Damaged copies and bad arguments are errors, never crashes.
    #[test]
    fn damaged_copies_and_bad_arguments() {
        let t = token(r#"{"sub":"alice","n":1}"#);
        let copy = Copy::of(t).unwrap();
        let mut v = value();
        let get = |c: &jwks_claims, name: &str, v: &mut jwks_claim_value| unsafe {
            jwks_claims_get(
                c,
                JWKS_CLAIM_STRING,
                name.as_ptr().cast(),
                name.len(),
                null(),
                0,
                null_mut(),
                0,
                v,
            )
        };
        let mut bad = Copy {
            payload: copy.payload.clone(),
            index: copy.index.clone(),
        };
        bad.index[3] = 10_000;
        assert_eq!(
            get(&bad.claims(), "sub", &mut v),
            jwks_result::InvalidArgument
        );
        let short = Copy {
            payload: copy.payload[..5].to_vec(),
            index: copy.index.clone(),
        };
        assert_eq!(
            get(&short.claims(), "n", &mut v),
            jwks_result::InvalidArgument
        );
        let mut c = copy.claims();
        c.index = null();
        assert_eq!(get(&c, "sub", &mut v), jwks_result::NullArgument);
        c = copy.claims();
        c.members = usize::MAX;
        assert_eq!(get(&c, "sub", &mut v), jwks_result::InvalidArgument);
        c = copy.claims();
        assert_eq!(get(&c, "sub", &mut v), jwks_result::Ok);
        assert_eq!(
            unsafe {
                jwks_claims_get(
                    null(),
                    0,
                    "s".as_ptr().cast(),
                    1,
                    null(),
                    0,
                    null_mut(),
                    0,
                    &mut v,
                )
            },
            jwks_result::NullArgument
        );
        assert_eq!(
            unsafe {
                jwks_claims_get(
                    &c,
                    9,
                    "s".as_ptr().cast(),
                    1,
                    null(),
                    0,
                    null_mut(),
                    0,
                    &mut v,
                )
            },
            jwks_result::InvalidArgument
        );
        assert_eq!(
            unsafe {
                jwks_claims_get(
                    &c,
                    0,
                    b"\xff".as_ptr().cast(),
                    1,
                    null(),
                    0,
                    null_mut(),
                    0,
                    &mut v,
                )
            },
            jwks_result::InvalidArgument
        );
        assert_eq!(
            unsafe {
                jwks_claims_get(
                    &c,
                    0,
                    "s".as_ptr().cast(),
                    1,
                    null(),
                    0,
                    null_mut(),
                    0,
                    null_mut(),
                )
            },
            jwks_result::NullArgument
        );
        let mut out = false;
        let lens = [2usize];
        assert_eq!(
            unsafe {
                jwks_claims_has_scopes(
                    &c,
                    "é".as_ptr().cast(),
                    [1usize].as_ptr(),
                    1,
                    JWKS_SCOPE_MATCH_ALL,
                    &mut out,
                    null_mut(),
                )
            },
            jwks_result::InvalidArgument
        );
        assert_eq!(
            unsafe {
                jwks_claims_has_scopes(
                    &c,
                    "ab".as_ptr().cast(),
                    lens.as_ptr(),
                    1,
                    5,
                    &mut out,
                    null_mut(),
                )
            },
            jwks_result::InvalidArgument
        );
        assert_eq!(
            unsafe {
                jwks_claims_has_scopes(
                    &c,
                    "ab".as_ptr().cast(),
                    null(),
                    1,
                    JWKS_SCOPE_MATCH_ALL,
                    &mut out,
                    null_mut(),
                )
            },
            jwks_result::NullArgument
        );
        unsafe { jwks_token_free(t) };
    }
}
