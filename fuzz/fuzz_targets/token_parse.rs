//! Arbitrary bytes as a compact token, through `verify_signature` and `verify_at` against the
//! vectors' fixed key sets (token parsing, header parsing, key selection, the ring call).
#![no_main]

use jwks_fuzz::{vector_verifiers, FIXED_NOW};
use jwkskit::{Algorithm, Category};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (asym, hmac) = vector_verifiers();
    for verifier in [asym, hmac] {
        let signature = verifier.verify_signature(data);
        let full = verifier.verify_at(data, FIXED_NOW);
        if let Ok(t) = &full {
            // A token that passes the claims has a signature that passes too.
            let sig = signature
                .as_ref()
                .expect("verify_at accepted what verify_signature refused");
            assert_eq!(sig.key_thumbprint(), t.key_thumbprint());
            assert_eq!(sig.payload(), t.payload());
        }
        match &signature {
            Ok(t) => {
                assert!(verifier.policy().allows(t.alg()));
                assert_ne!(t.alg().name(), "none");
                // The header handed back is the one that was signed, as received.
                let header: serde_json::Value =
                    serde_json::from_slice(t.header()).expect("an accepted header is JSON");
                assert_eq!(header["alg"], t.alg().name());
                assert_eq!(Algorithm::from_name(t.alg().name()), Some(t.alg()));
            }
            Err(e) => {
                assert!(!e.message().is_empty());
                // A static key set is always there: any failure is the token's fault (401).
                assert_eq!(e.category(), Category::TokenRejected, "{e}");
            }
        }
        if let Err(e) = &full {
            assert_eq!(e.category(), Category::TokenRejected, "{e}");
        }
    }
});
