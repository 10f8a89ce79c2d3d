//! `ring_floor_run`: verifies one signature `iterations` times with a bare ring call, the way
//! the floor of `bench/rust/core.rs` does, and returns the elapsed nanoseconds (or -1 if the
//! signature does not verify, -2 for an unknown algorithm). Timed inside Rust, so the figure
//! has no Python or ctypes cost in it.

use std::ffi::{c_char, CStr};
use std::hint::black_box;
use std::slice;
use std::time::Instant;

use ring::signature;

/// # Safety
/// Every pointer must be valid for its length (`alg` NUL-terminated).
#[no_mangle]
pub unsafe extern "C" fn ring_floor_run(
    alg: *const c_char,
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    input: *const u8,
    input_len: usize,
    sig: *const u8,
    sig_len: usize,
    iterations: u64,
) -> i64 {
    let alg = CStr::from_ptr(alg).to_str().unwrap_or("");
    let a = slice::from_raw_parts(a, a_len);
    let b = slice::from_raw_parts(b, b_len);
    let input = slice::from_raw_parts(input, input_len);
    let sig = slice::from_raw_parts(sig, sig_len);
    let run = |f: &dyn Fn() -> bool| -> i64 {
        if !f() {
            return -1;
        }
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(f());
        }
        start.elapsed().as_nanos() as i64
    };
    match alg {
        "RS256" | "PS256" => {
            let params: &'static signature::RsaParameters = if alg == "RS256" {
                &signature::RSA_PKCS1_2048_8192_SHA256
            } else {
                &signature::RSA_PSS_2048_8192_SHA256
            };
            // a = n, b = e
            let comps = signature::RsaPublicKeyComponents { n: a, e: b };
            run(&|| comps.verify(params, black_box(input), sig).is_ok())
        }
        "ES256" | "ES384" | "EdDSA" => {
            let (verify_alg, point): (&'static dyn signature::VerificationAlgorithm, Vec<u8>) =
                match alg {
                    "EdDSA" => (&signature::ED25519, a.to_vec()),
                    _ => {
                        // a = x, b = y
                        let mut p = vec![4u8];
                        p.extend_from_slice(a);
                        p.extend_from_slice(b);
                        if alg == "ES256" {
                            (&signature::ECDSA_P256_SHA256_FIXED, p)
                        } else {
                            (&signature::ECDSA_P384_SHA384_FIXED, p)
                        }
                    }
                };
            run(&|| {
                signature::UnparsedPublicKey::new(verify_alg, &point)
                    .verify(black_box(input), sig)
                    .is_ok()
            })
        }
        _ => -2,
    }
}
