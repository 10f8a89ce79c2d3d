//! libjwks: the C library of `jwkskit`.
//!
//! The `extern "C"` functions live in `jwkskit::ffi` (declared by `include/jwks.h`); linking
//! that module into this `cdylib`/`staticlib` exports them as `libjwks.so` and `libjwks.a`.

pub use jwkskit::ffi::*;
