//! `jwks_options`: the policy and fetch settings, copied into each verifier at creation. Its
//! setters are generated from the options catalogue (`options_gen.rs`).

use super::boundary::{boundary, free_box, try_mut};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use crate::catalogue::options::{OptionSpec, Value};
use crate::policy::Policy;
use crate::error::Error;
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

/// Runs a setter: `value` converts the C arguments, and the option checks and stores it (no
/// error details for setters: the code says enough, and the bindings name the option).
pub(crate) unsafe fn set<'a>(
    opts: *mut jwks_options,
    spec: &OptionSpec,
    value: impl FnOnce() -> Result<Value<'a>, Error>,
) -> jwks_result {
    run(std::ptr::null_mut::<*mut jwks_error>(), || {
        let o = try_mut(opts, "opts")?;
        (spec.apply)(&mut o.policy, &mut o.remote, value()?)
    })
}
