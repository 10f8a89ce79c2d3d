//! The issuer side: signing keys, signing tokens, and publishing the public keys as a JWKS.
//!
//! `JwksServer` (and the HTTP server it runs on) is the `serve` feature, and RSA key
//! generation (`SigningKey::generate_rsa`) the `rsa-keygen` feature: both off by default (a
//! library dependency brings neither tokio, hyper nor `rsa`), and on in the `jwks` tool
//! (the crate jwkskit-cli).
//!
//! Used by the `jwks` command line tool (`keygen`, `sign`, `serve`, `demo`) and by tests that
//! need real tokens and a real endpoint.
//!
//! ```
//! use jwkskit::issuer::{jwks_document, SigningKey};
//! use jwkskit::{Algorithm, Policy, Verifier};
//!
//! let key = SigningKey::generate(Algorithm::ES256).unwrap();
//! let token = key.sign(&serde_json::json!({"sub": "alice", "exp": 2_000_000_000})).unwrap();
//! let jwks = jwks_document(&[&key]).to_string();
//! let verifier = Verifier::from_json(jwks.as_bytes(), Policy::default()).unwrap();
//! let verified = verifier.verify_at(token.as_bytes(), 1_700_000_000).unwrap();
//! assert_eq!(verified.key_id(), Some(key.kid()));
//! ```

mod der;
mod dpop;
mod keydir;
mod keyfile;
mod keys;
mod p521_key;
mod rng;
#[cfg(feature = "rsa-keygen")]
mod rsa_keygen;
#[cfg(feature = "serve")]
mod serve;
mod signing;

pub use dpop::ProofClaims;
pub use keydir::{load_key_dir, KeyDir, SkippedFile};
pub use keys::SigningKey;
#[cfg(feature = "serve")]
pub use serve::{JwksServer, ServeOptions, DISCOVERY_PATH, JWKS_PATH};

use serde_json::{json, Value};

/// `{"keys": [...]}` with [`SigningKey::public_jwk`] of each key.
///
/// HMAC keys appear with their secret (that is how they verify): such a document is for local
/// verifiers only and must never be published. `JwksServer` (feature `serve`) leaves HMAC keys
/// out.
pub fn jwks_document(keys: &[&SigningKey]) -> Value {
    let keys: Vec<Value> = keys.iter().map(|k| k.public_jwk()).collect();
    json!({ "keys": keys })
}
