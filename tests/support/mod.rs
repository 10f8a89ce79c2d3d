//! Helpers for the remote key source tests: a scriptable HTTP(S) server on loopback, a test
//! certificate authority, and Ed25519 keys that sign tokens.
#![allow(dead_code, unused_imports)]

pub mod server;
pub mod tls;
pub mod tokens;

pub use server::{Reply, Request, Server};
pub use tls::{ServerCert, TestCa};
pub use tokens::TestKey;

use std::time::Duration;

use jwkskit::RemoteOptions;

/// Options for a source fetching from the loopback test server: plain http allowed, no proxy
/// from the environment, a 2 s fetch and 1 s connect timeout (tests change what they need).
pub fn loopback_options() -> RemoteOptions {
    RemoteOptions {
        allow_http: true,
        proxy_from_env: false,
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(1),
        ..RemoteOptions::default()
    }
}
