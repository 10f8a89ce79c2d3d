//! What a plain `jwkskit` dependency brings: the crates verification needs, and none of the
//! `jwks` tool's server stack (tokio, hyper, RSA key generation), which are the optional
//! features `serve` and `rsa-keygen` (the tool, the package `jwkskit-cli`, turns them on).
//! Counted with `cargo tree -p jwkskit -e normal` against the committed Cargo.lock, offline.

use std::collections::BTreeSet;
use std::process::Command;

/// The most packages (jwkskit included) that a default `jwkskit` dependency may bring on this
/// platform. A new dependency of the library raises the count: raise this bound with it, in
/// the same commit, when the crate earns its place. 86 since request verification: `fluent-uri`
/// (RFC 3986 normalisation of a DPoP `htu`; with `ref-cast` and its derive) and `xfcc-parser`
/// (Envoy's client-certificate header; with `nom` and `strum`), 14 packages, half of them
/// derive macros that run at build time only.
const BUDGET: usize = 86;

/// Crates that only the tool and the loopback JWKS server use.
const SERVER_STACK: &[&str] = &["tokio", "hyper", "hyper-util", "http-body-util", "rsa"];

/// The packages of `cargo tree -p jwkskit -e normal` with the given extra arguments, as
/// "name vX.Y.Z" (each once).
fn packages(extra: &[&str]) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "jwkskit", "-e", "normal", "--prefix", "none"])
        .args(["--locked", "--offline", "--format", "{p}"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            // "name vX.Y.Z (path) (*)": the name and version are the package.
            let mut words = l.split_whitespace();
            format!(
                "{} {}",
                words.next().unwrap_or(""),
                words.next().unwrap_or("")
            )
        })
        .filter(|p| !p.trim().is_empty())
        .collect()
}

fn names(packages: &BTreeSet<String>) -> BTreeSet<&str> {
    packages
        .iter()
        .map(|p| p.split(' ').next().unwrap())
        .collect()
}

#[test]
fn a_default_dependency_brings_no_server_stack() {
    let default = packages(&[]);
    let names = names(&default);
    let found: Vec<&&str> = SERVER_STACK
        .iter()
        .filter(|c| names.contains(**c))
        .collect();
    assert!(
        found.is_empty(),
        "a plain jwkskit dependency brings {found:?}, which only the jwks tool needs"
    );
    assert!(
        default.len() <= BUDGET,
        "a plain jwkskit dependency brings {} packages, over the budget of {BUDGET}:\n{}",
        default.len(),
        default.iter().cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_server_features_bring_the_server_stack_and_only_add_to_the_default() {
    // The count above must not pass only because cargo tree saw nothing.
    let default = packages(&[]);
    for needed in ["ring", "serde_json", "ureq", "rustls"] {
        assert!(
            names(&default).contains(needed),
            "{needed} missing from {default:?}"
        );
    }
    let full = packages(&["--features", "serve rsa-keygen"]);
    assert!(default.is_subset(&full));
    for c in SERVER_STACK {
        assert!(names(&full).contains(c), "the features do not bring {c}");
    }
}
