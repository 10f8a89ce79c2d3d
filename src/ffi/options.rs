//! `jwks_options`: the policy and fetch settings, copied into each verifier at creation. Its
//! setters are generated from the options catalogue (`options_gen.rs`).

use super::boundary::{boundary, free_box, try_mut};
use super::error::{jwks_error, run};
use super::result::jwks_result;
use crate::catalogue::options::{Group, OptionSpec, Value};
use crate::error::Error;
use crate::policy::Policy;
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
        match spec.group {
            Group::Policy | Group::TokenCache => o.policy.store(spec, value()?),
            Group::Remote => o.remote.store(spec, value()?),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::options::{Unit, ALL};
    use crate::error::ErrorKind;

    /// Every option with a C setter is stored by the struct of its group: a catalogue entry
    /// without its field would answer `JWKS_RESULT_INTERNAL` from its generated setter.
    #[test]
    fn every_option_with_a_c_setter_is_stored() {
        for spec in ALL.iter().filter(|s| s.c.is_some()) {
            let low = spec.range.map_or(1, |r| r.min.max(1));
            let value = match spec.unit {
                Unit::Seconds | Unit::Milliseconds | Unit::Count => Value::U32(low as u32),
                Unit::Bytes => Value::Usize(low as usize),
                Unit::Flag => Value::Flag(true),
                Unit::Text | Unit::TextList => Value::Text(match spec.name {
                    "token_scheme" => "either",
                    "dpop_nonce_secret" => "a secret of thirty-two bytes or more",
                    _ => "RS256",
                }),
                Unit::SecondsPair => Value::U32Pair(1, 2),
                Unit::TextPairs => Value::TextPair("X-Key", "v"),
                Unit::Pem => Value::Bytes(b"-----BEGIN CERTIFICATE-----"),
            };
            let mut opts = jwks_options::default();
            let code = unsafe { set(&mut opts, spec, || Ok(value)) };
            assert_eq!(code, jwks_result::Ok, "{}", spec.name);
            let mut wrong = jwks_options::default();
            let code = unsafe { set(&mut wrong, spec, || Ok(Value::Bytes(b""))) };
            let expected = if spec.unit == Unit::Pem {
                jwks_result::InvalidArgument // no certificate in it
            } else {
                jwks_result::from(ErrorKind::Internal) // a binding's bug, never a crash
            };
            assert_eq!(code, expected, "{}", spec.name);
        }
    }
}
