//! `jwks_options`: the policy and fetch settings, copied into each verifier at creation.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::{boundary, free_box, try_bytes, try_mut, try_str};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use crate::alg::Algorithm;
use crate::claims::Policy;
use crate::error::{Error, ErrorKind};
use crate::source::RemoteOptions;

/// Options for creating a verifier. A builder: not thread-safe; use it from one thread, then
/// pass it (as `const`) to any number of `jwks_verifier_from_*` calls, which copy it.
#[derive(Debug, Clone, Default)]
pub struct jwks_options {
    pub(crate) policy: Policy,
    pub(crate) remote: RemoteOptions,
}

/// Creates options with the safe defaults (asymmetric algorithms only, `exp` required, no
/// leeway, https only, 10 min cache, 30 s unknown-kid cooldown, 5 s HTTP timeout).
/// Free with `jwks_options_free`. Returns NULL only if memory is exhausted.
#[no_mangle]
pub extern "C" fn jwks_options_new() -> *mut jwks_options {
    boundary(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(jwks_options::default()))
    })
}

/// Frees options. NULL is a no-op. Verifiers created from them are unaffected. This is the
/// last call on `opts`: after it the pointer is dangling, and freeing it again is undefined
/// behaviour (set your copy to NULL). Not thread-safe with other uses of the same `opts`.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_free(opts: *mut jwks_options) {
    boundary((), || free_box(opts))
}

/// Applies `f` to the options behind `opts` (no error details for setters).
unsafe fn set(
    opts: *mut jwks_options,
    f: impl FnOnce(&mut jwks_options) -> Result<(), Error>,
) -> jwks_result {
    run(std::ptr::null_mut::<*mut jwks_error>(), || {
        f(try_mut(opts, "opts")?)
    })
}

fn secs(seconds: u32) -> Duration {
    Duration::from_secs(u64::from(seconds))
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Adds an allowed issuer (`iss`). With none, `iss` is not checked. Returns
/// `JWKS_RESULT_NULL_ARGUMENT` or `JWKS_RESULT_INVALID_ARGUMENT` (not UTF-8, empty).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_add_issuer(
    opts: *mut jwks_options,
    issuer: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        let issuer = try_str(issuer, "issuer")?;
        if issuer.is_empty() {
            return Err(invalid("issuer is empty"));
        }
        o.policy.issuers.push(issuer.to_owned());
        Ok(())
    })
}

/// Adds an allowed audience. A token's `aud` must name one of them; with none, tokens that
/// carry `aud` are rejected (RFC 7519 §4.1.3).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_add_audience(
    opts: *mut jwks_options,
    audience: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        o.policy
            .audiences
            .push(try_str(audience, "audience")?.to_owned());
        Ok(())
    })
}

/// Adds an allowed algorithm by its JWA name (`"RS256"`, `"ES256"`, `"EdDSA"`, `"HS256"`...).
/// With none, every asymmetric algorithm is allowed; HMAC only ever when added here. `"none"`
/// and unknown names return `JWKS_RESULT_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_add_algorithm(
    opts: *mut jwks_options,
    alg: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        let alg: Algorithm = try_str(alg, "alg")?.parse()?;
        if !o.policy.algorithms.contains(&alg) {
            o.policy.algorithms.push(alg);
        }
        Ok(())
    })
}

/// Sets the clock-skew leeway for `exp`, `nbf` and `iat` (default 0 s; at most 1 day).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_leeway(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        if seconds > 86_400 {
            return Err(invalid("leeway above one day"));
        }
        o.policy.leeway = u64::from(seconds);
        Ok(())
    })
}

/// Sets whether `exp` must be present (default true).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_require_exp(
    opts: *mut jwks_options,
    require: bool,
) -> jwks_result {
    set(opts, |o| {
        o.policy.require_exp = require;
        Ok(())
    })
}

/// Allows plain `http://` key URLs (default false: https only). For tests and private networks.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_allow_http(
    opts: *mut jwks_options,
    allow: bool,
) -> jwks_result {
    set(opts, |o| {
        o.remote.allow_http = allow;
        Ok(())
    })
}

/// Sets how long fetched keys are cached when the response has no `Cache-Control: max-age`
/// (default 600 s). The value is used as given, never clamped: it must lie within the cache
/// ttl bounds (default [60 s, 86400 s]; to go below 60 s lower the minimum with
/// `jwks_options_set_cache_ttl_bounds`, in either order). 0 returns
/// `JWKS_RESULT_INVALID_ARGUMENT` here; a ttl outside the bounds makes
/// `jwks_verifier_from_url`/`_from_issuer`/`_from_issuers` return
/// `JWKS_RESULT_INVALID_ARGUMENT` with a message naming both.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_cache_ttl(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        if seconds == 0 {
            return Err(invalid("cache ttl must be at least 1 s"));
        }
        o.remote.cache_ttl = secs(seconds);
        Ok(())
    })
}

/// Sets the bounds that a response's `max-age` is clamped to (defaults 60 s and 86400 s);
/// the minimum is also the lifetime of a `no-store`/`no-cache` response. Only the server's
/// `max-age` is clamped: the ttl set with `jwks_options_set_cache_ttl` must lie within the
/// bounds (checked when a remote verifier is created). Returns
/// `JWKS_RESULT_INVALID_ARGUMENT` for a zero minimum (every verification would fetch the
/// keys) or a minimum above the maximum.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_cache_ttl_bounds(
    opts: *mut jwks_options,
    min_seconds: u32,
    max_seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        if min_seconds == 0 {
            return Err(invalid("minimum cache ttl must be at least 1 s"));
        }
        if min_seconds > max_seconds {
            return Err(invalid("minimum cache ttl above the maximum"));
        }
        o.remote.min_cache_ttl = secs(min_seconds);
        o.remote.max_cache_ttl = secs(max_seconds);
        Ok(())
    })
}

/// Sets the minimum interval between refetches caused by unknown `kid`s (default 30 s).
/// Between them, tokens with unknown `kid`s are rejected at once.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_refresh_cooldown(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        o.remote.refresh_cooldown = secs(seconds);
        Ok(())
    })
}

/// Sets how long past their expiry cached keys keep verifying while refreshes fail
/// (default 86400 s).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_max_stale(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        o.remote.max_stale = secs(seconds);
        Ok(())
    })
}

/// Sets the total time allowed for one key fetch, in milliseconds (default 5000; 1..=600000).
/// The connect timeout is capped by it.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_http_timeout_ms(
    opts: *mut jwks_options,
    ms: u32,
) -> jwks_result {
    set(opts, |o| {
        if ms == 0 || ms > 600_000 {
            return Err(invalid("http timeout must be 1..=600000 ms"));
        }
        o.remote.timeout = Duration::from_millis(u64::from(ms));
        o.remote.connect_timeout = o.remote.connect_timeout.min(o.remote.timeout);
        Ok(())
    })
}

/// Sets the time allowed to connect, in milliseconds (default 2000; capped by the total timeout).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_connect_timeout_ms(
    opts: *mut jwks_options,
    ms: u32,
) -> jwks_result {
    set(opts, |o| {
        if ms == 0 {
            return Err(invalid("connect timeout must be at least 1 ms"));
        }
        o.remote.connect_timeout = Duration::from_millis(u64::from(ms)).min(o.remote.timeout);
        Ok(())
    })
}

/// Sets the largest accepted key-set response, in bytes (default 1 MiB; at least 1 KiB).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_max_response_size(
    opts: *mut jwks_options,
    bytes: usize,
) -> jwks_result {
    set(opts, |o| {
        if bytes < 1024 {
            return Err(invalid("max response size must be at least 1024 bytes"));
        }
        o.remote.max_response_bytes = bytes;
        Ok(())
    })
}

/// Adds a header sent with every key fetch (e.g. an API key). Name and value must be UTF-8
/// without CR/LF.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_add_http_header(
    opts: *mut jwks_options,
    name: *const c_char,
    value: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        let name = try_str(name, "name")?;
        let value = try_str(value, "value")?;
        let bad = |s: &str| s.contains(['\r', '\n', '\0']);
        if name.is_empty() || bad(name) || bad(value) || name.contains([':', ' ']) {
            return Err(invalid("invalid header name or value"));
        }
        o.remote.headers.push((name.to_owned(), value.to_owned()));
        Ok(())
    })
}

/// Trusts the CA certificates in `pem` (PEM text, `len` bytes) for key fetches, in addition
/// to the system's web roots. For private identity providers.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_ca_pem(
    opts: *mut jwks_options,
    pem: *const c_char,
    len: usize,
) -> jwks_result {
    set(opts, |o| {
        let pem = try_bytes(pem, len, "pem")?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(invalid("no PEM certificate found"));
        }
        o.remote.ca_pem = Some(pem.to_vec());
        Ok(())
    })
}

/// Sets an explicit proxy URL for key fetches, used for https and http URLs alike (default:
/// from the environment: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY`
/// for http URLs unless `REQUEST_METHOD` is set, then `all_proxy`/`ALL_PROXY`; hosts on
/// `NO_PROXY`/`no_proxy` are fetched directly).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_proxy(
    opts: *mut jwks_options,
    proxy_url: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        o.remote.proxy = Some(try_str(proxy_url, "proxy_url")?.to_owned());
        Ok(())
    })
}

/// Requires the header `typ` to equal `typ` (case-insensitive; `application/` optional), e.g.
/// `"at+jwt"` for OAuth access tokens (RFC 9068).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_typ(
    opts: *mut jwks_options,
    typ: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        o.policy.expected_typ = Some(try_str(typ, "typ")?.to_owned());
        Ok(())
    })
}

/// Adds a claim that every token must carry (e.g. `"sub"`).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_add_required_claim(
    opts: *mut jwks_options,
    name: *const c_char,
) -> jwks_result {
    set(opts, |o| {
        o.policy
            .required_claims
            .push(try_str(name, "name")?.to_owned());
        Ok(())
    })
}

/// Rejects tokens whose `iat` is more than `seconds` ago (then `iat` is required). 0 disables.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_max_token_age(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        o.policy.max_age = (seconds > 0).then_some(u64::from(seconds));
        Ok(())
    })
}

/// Sets the largest accepted token, in bytes (default 16384; 256..=1048576).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_max_token_size(
    opts: *mut jwks_options,
    bytes: usize,
) -> jwks_result {
    set(opts, |o| {
        if !(256..=1024 * 1024).contains(&bytes) {
            return Err(invalid("max token size must be 256..=1048576 bytes"));
        }
        o.policy.limits.max_token_len = bytes;
        Ok(())
    })
}
