//! Helpers for the remote key source tests: a scriptable HTTP(S) server on loopback, a test
//! certificate authority, and Ed25519 keys that sign tokens.
#![allow(dead_code, unused_imports)]

pub mod server;
pub mod tls;
pub mod tokens;

pub use server::{Reply, Request, Server};
pub use tls::{ServerCert, TestCa};
pub use tokens::TestKey;
