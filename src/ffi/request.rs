//! `jwks_request`: a request to verify as a whole (`Authorization` and `DPoP` headers, client
//! certificate), its verification, what bound the token, and `jwks_refusal`, the answer to a
//! refused request.

use std::ffi::{c_char, CStr, CString};

use super::boundary::{
    boundary, free_box, null_arg, try_bytes, try_mut, try_ref, try_str, write_out,
};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use super::token::{jwks_token, RequestFacts};
use super::verifier::jwks_verifier;
use crate::cnf::ClientCert;
use crate::dpop::TokenScheme;
use crate::error::{Error, ErrorKind};
use crate::verifier::request::{Request, Scheme};
use crate::verifier::unix_now;

/// The client certificate a request carries, as given.
#[derive(Debug, Clone)]
enum Cert {
    Der(Vec<u8>),
    Pem(Vec<u8>),
    Nginx(String),
    Xfcc(String),
}

/// A request to verify: its method, URI, `Authorization` and `DPoP` header values, client
/// certificate and the route's schemes. A builder: not thread-safe while it is being built;
/// once built, a `const jwks_request *` may be verified from several threads (each
/// verification copies nothing of it). Free it with `jwks_request_free`. It owns copies of
/// every string given to it.
#[derive(Debug, Clone)]
pub struct jwks_request {
    method: String,
    uri: String,
    authorization: Vec<String>,
    dpop: Vec<String>,
    cert: Option<Cert>,
    token_scheme: Option<TokenScheme>,
}

impl jwks_request {
    fn view(&self) -> Request<'_> {
        let mut r = Request::new(&self.method, &self.uri);
        for a in &self.authorization {
            r = r.authorization(a);
        }
        for d in &self.dpop {
            r = r.dpop(d);
        }
        if let Some(cert) = &self.cert {
            r = r.client_cert(match cert {
                Cert::Der(der) => ClientCert::Der(der),
                Cert::Pem(pem) => ClientCert::Pem(pem),
                Cert::Nginx(s) => ClientCert::NginxEscaped(s),
                Cert::Xfcc(s) => ClientCert::Xfcc(s),
            });
        }
        if let Some(s) = self.token_scheme {
            r = r.token_scheme(s);
        }
        r
    }
}

fn c_string(s: &str) -> CString {
    // Thumbprints and nonces are ASCII without NUL (checked where they are made).
    CString::new(s).unwrap_or_default()
}

/// Creates a request for `method` (e.g. `"GET"`) and `uri`, the absolute URI as the client
/// addressed it (`https://api.example.com/orders?id=1`; query and fragment are ignored; behind
/// a proxy, the external URI, never one built from an unchecked `Host` header). Writes a new
/// request to `*out` (free with `jwks_request_free`). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_request_new(
    method: *const c_char,
    uri: *const c_char,
    out: *mut *mut jwks_request,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let method = try_str(method, "method")?;
        let uri = try_str(uri, "uri")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        write_out(
            out,
            jwks_request {
                method: method.to_owned(),
                uri: uri.to_owned(),
                authorization: Vec::new(),
                dpop: Vec::new(),
                cert: None,
                token_scheme: None,
            },
        );
        Ok(())
    })
}

/// Frees a request. NULL is a no-op. This is the last call on `r`: after it the pointer is
/// dangling, and freeing it again is undefined behaviour (set your copy to NULL). Not
/// thread-safe with other uses of the same `r`.
#[no_mangle]
pub unsafe extern "C" fn jwks_request_free(r: *mut jwks_request) {
    boundary((), || free_box(r))
}

unsafe fn edit(
    r: *mut jwks_request,
    f: impl FnOnce(&mut jwks_request) -> Result<(), Error>,
) -> jwks_result {
    run(std::ptr::null_mut(), || f(try_mut(r, "request")?))
}

/// Adds the value of one `Authorization` header (call once per header the request carried:
/// two are refused as `JWKS_RESULT_INVALID_REQUEST` when verified). Copied. Not thread-safe
/// (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_add_authorization(
    r: *mut jwks_request,
    value: *const c_char,
) -> jwks_result {
    edit(r, |r| {
        r.authorization.push(try_str(value, "value")?.to_owned());
        Ok(())
    })
}

/// Adds the value of one `DPoP` header (call once per header: two are refused as
/// `JWKS_RESULT_DPOP_PROOF_INVALID`). Copied. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_add_dpop(
    r: *mut jwks_request,
    value: *const c_char,
) -> jwks_result {
    edit(r, |r| {
        r.dpop.push(try_str(value, "value")?.to_owned());
        Ok(())
    })
}

/// Sets the client certificate as DER (`len` bytes), as a TLS library hands it over. Copied;
/// replaces any certificate set before. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_set_client_cert_der(
    r: *mut jwks_request,
    der: *const u8,
    len: usize,
) -> jwks_result {
    edit(r, |r| {
        let der = try_bytes(der.cast(), len, "der")?;
        r.cert = Some(Cert::Der(der.to_vec()));
        Ok(())
    })
}

/// Sets the client certificate as PEM (`len` bytes; the first `CERTIFICATE` block is used).
/// Copied; replaces any certificate set before. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_set_client_cert_pem(
    r: *mut jwks_request,
    pem: *const c_char,
    len: usize,
) -> jwks_result {
    edit(r, |r| {
        r.cert = Some(Cert::Pem(try_bytes(pem, len, "pem")?.to_vec()));
        Ok(())
    })
}

/// Sets the client certificate from nginx's `$ssl_client_escaped_cert` (URL-encoded PEM; an
/// empty value or `-` means the client sent none), forwarded by a trusted nginx that
/// overwrites the header. Copied. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_set_client_cert_nginx(
    r: *mut jwks_request,
    escaped: *const c_char,
) -> jwks_result {
    edit(r, |r| {
        r.cert = Some(Cert::Nginx(try_str(escaped, "escaped")?.to_owned()));
        Ok(())
    })
}

/// Sets the client certificate from Envoy's `x-forwarded-client-cert`, set by a trusted Envoy
/// that sanitises the client's (`forward_client_cert_details: SANITIZE_SET`, or
/// `APPEND_FORWARD`): the last element is the client of the last hop; its `Cert` (URL-encoded
/// PEM) if present, else its `Hash`. Copied. Not thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_set_client_cert_xfcc(
    r: *mut jwks_request,
    xfcc: *const c_char,
) -> jwks_result {
    edit(r, |r| {
        r.cert = Some(Cert::Xfcc(try_str(xfcc, "xfcc")?.to_owned()));
        Ok(())
    })
}

/// Sets the schemes this request's route accepts, instead of the verifier's `token_scheme`:
/// `"bearer"`, `"dpop"` or `"either"` (`JWKS_RESULT_INVALID_ARGUMENT` for another). Not
/// thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_request_set_token_scheme(
    r: *mut jwks_request,
    scheme: *const c_char,
) -> jwks_result {
    edit(r, |r| {
        r.token_scheme = Some(TokenScheme::from_name(try_str(scheme, "scheme")?)?);
        Ok(())
    })
}

/// Verifies a request at the current system time: its one `Authorization` header (`Bearer`
/// or `DPoP`, as `token_scheme` allows), its DPoP proof (RFC 9449 §4.3, recorded in the replay
/// store last), the access token (as `jwks_verify`), and the token's binding: `cnf.jkt` to
/// the proof's key, `cnf.x5t#S256` to the client certificate. On success writes a new
/// `jwks_token` to `*out` (free with `jwks_token_free`), whose `jwks_token_scheme`,
/// `jwks_token_dpop_jkt`, `jwks_token_certificate_thumbprint` and `jwks_token_dpop_nonce` say
/// what bound it. On failure, `jwks_verifier_refusal` gives the answer. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verify_request(
    v: *const jwks_verifier,
    request: *const jwks_request,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    jwks_verify_request_at(v, request, unix_now(), out, err)
}

/// Like `jwks_verify_request`, at unix time `now` (seconds).
#[no_mangle]
pub unsafe extern "C" fn jwks_verify_request_at(
    v: *const jwks_verifier,
    request: *const jwks_request,
    now: i64,
    out: *mut *mut jwks_token,
    err: *mut *mut jwks_error,
) -> jwks_result {
    run(err, || {
        let v = try_ref(v, "verifier")?;
        let request = try_ref(request, "request")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let verified = v.inner().verify_request_at(&request.view(), now)?;
        let facts = RequestFacts {
            scheme: match verified.scheme() {
                Scheme::Bearer => c"Bearer",
                Scheme::Dpop => c"DPoP",
            },
            dpop_jkt: verified.dpop_jkt().map(c_string),
            certificate_thumbprint: verified.certificate_thumbprint().map(c_string),
            dpop_nonce: verified.dpop_nonce().map(c_string),
        };
        let mut token = jwks_token::new(verified.into_token());
        token.request = Some(Box::new(facts));
        write_out(out, token);
        Ok(())
    })
}

unsafe fn fact(
    t: *const jwks_token,
    get: impl FnOnce(&RequestFacts) -> *const c_char,
) -> *const c_char {
    boundary(std::ptr::null(), || {
        match t.as_ref().and_then(|t| t.request.as_deref()) {
            Some(facts) => get(facts),
            None => std::ptr::null(),
        }
    })
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// The scheme the token came with, `"Bearer"` or `"DPoP"` (static); NULL for a token not
/// verified by `jwks_verify_request`, or a NULL `t`.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_scheme(t: *const jwks_token) -> *const c_char {
    fact(t, |f| f.scheme.as_ptr())
}

/// The RFC 7638 thumbprint of the DPoP proof's key (equal to the token's `cnf.jkt`), owned
/// by `t`; NULL unless the token came with the `DPoP` scheme.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_dpop_jkt(t: *const jwks_token) -> *const c_char {
    fact(t, |f| opt_ptr(&f.dpop_jkt))
}

/// The `x5t#S256` of the client certificate the token is bound to (equal to its
/// `cnf.x5t#S256`), owned by `t`; NULL when the token is not certificate-bound.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_certificate_thumbprint(t: *const jwks_token) -> *const c_char {
    fact(t, |f| opt_ptr(&f.certificate_thumbprint))
}

/// With server nonces on, the nonce to send in a `DPoP-Nonce` header of the response (the
/// client's is no longer the current one), owned by `t`; NULL otherwise.
#[no_mangle]
pub unsafe extern "C" fn jwks_token_dpop_nonce(t: *const jwks_token) -> *const c_char {
    fact(t, |f| opt_ptr(&f.dpop_nonce))
}

/// How to answer a refused request: status, `WWW-Authenticate` challenges, `DPoP-Nonce`
/// (RFC 6750 §3, RFC 9449 §7.1, §7.2, §9). Immutable: a `const jwks_refusal *` may be read
/// from several threads. Every string it hands out stays valid until `jwks_refusal_free`.
#[derive(Debug)]
pub struct jwks_refusal {
    status: u32,
    error: Option<CString>,
    description: &'static CStr,
    challenges: Vec<CString>,
    dpop_nonce: Option<CString>,
}

/// Builds the answer to a request refused with `code` (what `jwks_verify_request` returned,
/// or `JWKS_RESULT_INSUFFICIENT_SCOPE` after a scope check of the caller's). `request` (may be
/// NULL) tells the scheme the client used and the route's schemes; `realm` and `scope` (the
/// scopes needed, space-separated) may be NULL; `now` is for the DPoP nonce (unix seconds).
/// Writes a new `jwks_refusal` to `*out` (free with `jwks_refusal_free`).
/// `JWKS_RESULT_INVALID_ARGUMENT` if `code` is `JWKS_RESULT_OK` or no code. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_verifier_refusal(
    v: *const jwks_verifier,
    request: *const jwks_request,
    code: u32,
    realm: *const c_char,
    scope: *const c_char,
    now: i64,
    out: *mut *mut jwks_refusal,
) -> jwks_result {
    run(std::ptr::null_mut(), || {
        let v = try_ref(v, "verifier")?;
        if out.is_null() {
            return Err(null_arg("out"));
        }
        let kind = ErrorKind::from_code(code).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("code {code} is not a refusal's result code"),
            )
        })?;
        let view = request.as_ref().map(jwks_request::view);
        let realm = if realm.is_null() {
            None
        } else {
            Some(try_str(realm, "realm")?)
        };
        let scope = if scope.is_null() {
            None
        } else {
            Some(try_str(scope, "scope")?)
        };
        let r = v.inner().refusal(kind, view.as_ref(), realm, scope, now)?;
        write_out(
            out,
            jwks_refusal {
                status: u32::from(r.status),
                error: r.error.map(c_string),
                description: kind.c_description(),
                challenges: r.challenges.iter().map(|c| c_string(c)).collect(),
                dpop_nonce: r.dpop_nonce.as_deref().map(c_string),
            },
        );
        Ok(())
    })
}

/// The HTTP status to answer with: 400, 401, 403, 500 or 503; 0 if `r` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_status(r: *const jwks_refusal) -> u32 {
    boundary(0, || r.as_ref().map_or(0, |r| r.status))
}

/// The `error` code for the challenge and the body (`"invalid_token"`, `"invalid_dpop_proof"`,
/// `"use_dpop_nonce"`, `"invalid_request"`, `"insufficient_scope"`), owned by `r`; NULL when
/// there is none (no token was sent, 500, 503).
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_error(r: *const jwks_refusal) -> *const c_char {
    boundary(std::ptr::null(), || {
        r.as_ref().map_or(std::ptr::null(), |r| opt_ptr(&r.error))
    })
}

/// The `error_description`: the code's one-line description (static); NULL if `r` is NULL.
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_description(r: *const jwks_refusal) -> *const c_char {
    boundary(std::ptr::null(), || {
        r.as_ref()
            .map_or(std::ptr::null(), |r| r.description.as_ptr())
    })
}

/// How many `WWW-Authenticate` headers to send (one per challenge; 0 for 500 and 503).
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_challenge_count(r: *const jwks_refusal) -> usize {
    boundary(0, || r.as_ref().map_or(0, |r| r.challenges.len()))
}

/// The value of the `index`-th `WWW-Authenticate` header, owned by `r`; NULL past the end.
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_challenge(
    r: *const jwks_refusal,
    index: usize,
) -> *const c_char {
    boundary(std::ptr::null(), || {
        r.as_ref()
            .and_then(|r| r.challenges.get(index))
            .map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

/// The value of a `DPoP-Nonce` header to send, owned by `r`; NULL when none is to be sent.
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_dpop_nonce(r: *const jwks_refusal) -> *const c_char {
    boundary(std::ptr::null(), || {
        r.as_ref()
            .map_or(std::ptr::null(), |r| opt_ptr(&r.dpop_nonce))
    })
}

/// Frees a refusal and every string it handed out. NULL is a no-op. This is the last call on
/// `r`: after it the pointer is dangling, and freeing it again is undefined behaviour (set your
/// copy to NULL). Not thread-safe with other uses of the same `r`.
#[no_mangle]
pub unsafe extern "C" fn jwks_refusal_free(r: *mut jwks_refusal) {
    boundary((), || free_box(r))
}
