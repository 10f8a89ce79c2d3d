//! Arbitrary bytes as a JWKS document through `KeySet::parse` (with and without `oct` keys),
//! then key selection and verification of one of the vectors' valid tokens (chosen by a hash
//! of the input) against whatever parsed.
//!
//! One token per input, not all of them: a set that parses the vectors' keys would otherwise
//! run two dozen RSA and ECDSA verifications per input (twice), which held the target to a few
//! hundred executions a second without reaching more of the parser.
#![no_main]

use jwks_fuzz::{pick, set_options, vector_tokens, verifier_for};
use jwkskit::{Algorithm, Category, ErrorKind, KeyFamily, KeySet, Policy, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for allow_oct in [false, true] {
        let opts = set_options(allow_oct);
        let set = match KeySet::parse(data, &opts) {
            Ok(set) => set,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::KeySetInvalid, "{e}");
                continue;
            }
        };
        assert!(!set.is_empty() && set.len() <= opts.max_keys);
        let has_asymmetric = set.keys().iter().any(|k| k.family() != KeyFamily::Oct);
        for key in set.keys() {
            if key.family() == KeyFamily::Oct {
                assert!(allow_oct, "an oct key was kept without allow_oct");
                assert!(
                    !has_asymmetric,
                    "an oct key was kept beside asymmetric keys"
                );
            }
            assert_eq!(key.thumbprint().len(), 43, "SHA-256 in base64url");
            if let Some(alg) = key.alg() {
                assert_eq!(alg.family(), key.family());
            }
        }
        for skipped in set.skipped() {
            assert!(!skipped.reason.is_empty());
        }
        let thumbprints: Vec<String> = set.keys().iter().map(|k| k.thumbprint().into()).collect();
        let policy = Policy {
            algorithms: if allow_oct {
                Algorithm::ALL.to_vec()
            } else {
                Vec::new()
            },
            ..Policy::default()
        };
        // The public constructor must agree with the set parsed here (it allows oct keys
        // only when HMAC algorithms are allowed, so it is compared in that case). It is a
        // third parse of the input, so it runs for one input in four (chosen by a hash of the
        // input): the same check over a quarter of the executions, for a sixth less time.
        if allow_oct && *pick(&[true, false, false, false], data) {
            assert!(
                Verifier::from_json(data, policy.clone()).is_ok(),
                "from_json refused a set KeySet::parse accepted"
            );
        }
        let verifier = verifier_for(set, policy);
        match verifier.verify_signature(pick(vector_tokens(), data).as_slice()) {
            Ok(t) => {
                assert!(thumbprints.iter().any(|p| p == t.key_thumbprint()));
                if let (Some(kid), Some(key_id)) = (t.kid(), t.key_id()) {
                    assert_eq!(kid, key_id, "a kid-named token verified with another kid");
                }
            }
            Err(e) => assert_eq!(e.category(), Category::TokenRejected, "{e}"),
        }
    }
});
