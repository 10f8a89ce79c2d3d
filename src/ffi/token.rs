//! `jwks_token`: a verified token, its header, payload and typed claim getters.

use std::ffi::c_char;

use serde_json::Value;

use super::boundary::{boundary, free_box, null_arg, try_ref, try_str};
use super::error::run;
use super::result::jwks_result;
use crate::error::{Error, ErrorKind};
use crate::verifier::VerifiedToken;

/// A verified token. Immutable: a `const jwks_token *` may be read from several threads.
/// Every pointer it hands out stays valid until `jwks_token_free`.
pub struct jwks_token {
    inner: VerifiedToken,
}

impl jwks_token {
    pub(crate) fn new(inner: VerifiedToken) -> jwks_token {
        jwks_token { inner }
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

/// Looks up a top-level claim of the (JSON object) payload.
unsafe fn claim<'a>(t: *const jwks_token, name: *const c_char) -> Result<&'a Value, Error> {
    let t = try_ref(t, "token")?;
    let name = try_str(name, "name")?;
    t.inner
        .claim(name)
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no claim {name:?}")))
}

fn mismatch(what: &str) -> Error {
    Error::new(ErrorKind::TypeMismatch, format!("the claim is not {what}"))
}

/// Reads a string claim: on success `*out` points at its UTF-8 bytes (owned by `t`, NOT
/// NUL-terminated) and `*len` receives their length. Returns `JWKS_RESULT_NOT_FOUND` or
/// `JWKS_RESULT_TYPE_MISMATCH` when absent or not a string.
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
        let s = claim(t, name)?
            .as_str()
            .ok_or_else(|| mismatch("a string"))?;
        *out = s.as_ptr().cast();
        *len = s.len();
        Ok(())
    })
}

/// Reads an integer claim (a JSON number with no fraction that fits in int64, e.g. `exp`).
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
        *out = claim(t, name)?
            .as_i64()
            .ok_or_else(|| mismatch("an integer"))?;
        Ok(())
    })
}

/// Reads a boolean claim.
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
        *out = claim(t, name)?
            .as_bool()
            .ok_or_else(|| mismatch("a boolean"))?;
        Ok(())
    })
}

/// Sets `*out` to whether claim `name` equals `value` (a string claim) or contains it (an
/// array claim, e.g. `aud` or `groups`). `JWKS_RESULT_TYPE_MISMATCH` for other types.
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
        let value = try_str(value, "value")?;
        *out = match claim(t, name)? {
            Value::String(s) => s == value,
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some(value)),
            _ => return Err(mismatch("a string or an array")),
        };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    use serde_json::{json, Map};

    use super::*;
    use crate::alg::Algorithm;
    use crate::ffi::{
        jwks_error_free, jwks_verifier_free, jwks_verifier_from_json, jwks_verify_at,
    };
    use crate::issuer::{jwks_document, SigningKey};

    const NOW: i64 = 1_700_000_000;

    /// Verifies `payload` (signed as is) through the C ABI; the result code and the token.
    fn verify(payload: &str) -> (jwks_result, *mut jwks_token) {
        let key = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("k");
        let jwks = jwks_document(&[&key]).to_string();
        let token = key
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
            let mut e = null_mut();
            let code = jwks_verify_at(v, token.as_ptr().cast(), token.len(), NOW, &mut t, &mut e);
            jwks_error_free(e);
            jwks_verifier_free(v);
            (code, t)
        }
    }

    fn int(t: *const jwks_token, name: &CStr) -> Result<i64, jwks_result> {
        let mut out = 0;
        match unsafe { jwks_token_claim_int(t, name.as_ptr(), &mut out) } {
            jwks_result::Ok => Ok(out),
            code => Err(code),
        }
    }

    fn string(t: *const jwks_token, name: &CStr) -> Result<String, jwks_result> {
        let (mut out, mut len) = (null(), 0);
        match unsafe { jwks_token_claim_string(t, name.as_ptr(), &mut out, &mut len) } {
            jwks_result::Ok => {
                let bytes = unsafe { std::slice::from_raw_parts(out.cast::<u8>(), len) };
                Ok(String::from_utf8(bytes.to_vec()).unwrap())
            }
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
        let ok = json!({"sub": "alice", "exp": exp, "x": {"role": "user"}, "big": 1e300});
        let (code, t) = verify(&ok.to_string());
        assert_eq!(code, jwks_result::Ok);
        assert_eq!(string(t, c"sub").as_deref(), Ok("alice"));
        assert_eq!(int(t, c"exp"), Ok(exp));
        assert_eq!(int(t, c"nope"), Err(jwks_result::NotFound));
        unsafe { jwks_token_free(t) };
    }

    /// `-0` is a number with a sign, not an integer; huge integers do not fit int64.
    #[test]
    fn integer_getter_refuses_what_is_not_an_int64() {
        let payload = format!(
            r#"{{"exp":{},"neg":-0,"big":123456789012345678901234567890,"i":-7}}"#,
            NOW + 60
        );
        let (code, t) = verify(&payload);
        assert_eq!(code, jwks_result::Ok);
        assert_eq!(int(t, c"neg"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t, c"big"), Err(jwks_result::TypeMismatch));
        assert_eq!(int(t, c"i"), Ok(-7));
        unsafe { jwks_token_free(t) };
    }
}
