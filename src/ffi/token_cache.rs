//! The token cache settings of `jwks_options` (kept apart from the other setters).

use std::time::Duration;

use super::boundary::try_mut;
use super::error::{jwks_error, run};
use super::options::jwks_options;
use super::result::jwks_result;
use crate::error::{Error, ErrorKind};

unsafe fn set(
    opts: *mut jwks_options,
    f: impl FnOnce(&mut jwks_options) -> Result<(), Error>,
) -> jwks_result {
    run(std::ptr::null_mut::<*mut jwks_error>(), || {
        f(try_mut(opts, "opts")?)
    })
}

/// Sets how many verified tokens a verifier keeps so that a token seen again is answered
/// without its signature check (default 4096; 0 turns the cache off). A cached answer is
/// always the one a full verification would give: the time rules are checked again at each
/// call's time, and an entry is dropped when the key set changes. Once the cache is full, a
/// token is stored on its second miss, so that one-off tokens displace nothing. Not
/// thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_token_cache(
    opts: *mut jwks_options,
    max_entries: u32,
) -> jwks_result {
    set(opts, |o| {
        o.policy.token_cache.max_entries = max_entries;
        Ok(())
    })
}

/// Sets the most memory the token cache may take, in bytes, allocator overhead included
/// (default 8 MiB; at least 4096). Returns `JWKS_RESULT_INVALID_ARGUMENT` below 4096. Not
/// thread-safe (a builder).
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_token_cache_bytes(
    opts: *mut jwks_options,
    max_bytes: usize,
) -> jwks_result {
    set(opts, |o| {
        if max_bytes < 4096 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "token cache byte bound below 4096",
            ));
        }
        o.policy.token_cache.max_bytes = max_bytes;
        Ok(())
    })
}

/// Sets the longest time a cached verification is reused, in seconds (default 300; 1 to
/// 86400), after which the token is verified again. Never longer than the token's `exp`
/// either. Returns `JWKS_RESULT_INVALID_ARGUMENT` outside 1..=86400. Not thread-safe.
#[no_mangle]
pub unsafe extern "C" fn jwks_options_set_token_cache_max_reuse(
    opts: *mut jwks_options,
    seconds: u32,
) -> jwks_result {
    set(opts, |o| {
        if !(1..=86_400).contains(&seconds) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "token cache reuse time outside 1..=86400 s",
            ));
        }
        o.policy.token_cache.max_reuse = Duration::from_secs(u64::from(seconds));
        Ok(())
    })
}
