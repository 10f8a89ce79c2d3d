//! The README's Rust example (section "Rust"), run as it is written there: the block between
//! the markers below must equal the README's, and it must print the subject's string value.

use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::Algorithm;

const BEGIN: &str = "// readme:begin\n";
const END: &str = "// readme:end";

/// The README's ```rust block of the section "## Rust", without its fences.
fn readme_block() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Rust\n")
        .nth(1)
        .expect("README has a section ## Rust");
    let start = section.find("```rust\n").expect("a ```rust block") + "```rust\n".len();
    let len = section[start..].find("```\n").expect("the block ends");
    section[start..start + len].to_owned()
}

/// This file's copy of the example: the lines between the markers, unindented.
fn copy_here() -> String {
    let source = include_str!("readme_rust.rs");
    // The second BEGIN: the first is the constant above.
    let start = source.rfind(BEGIN).unwrap() + BEGIN.len();
    let len = source[start..].find(END).unwrap();
    let unindented: String = source[start..start + len]
        .lines()
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    // (The blank line before the end marker keeps rustfmt from aligning it with the trailing
    // comment above it.)
    format!("{}\n", unindented.trim_end())
}

#[test]
fn the_readme_example_is_the_one_tested_here() {
    assert_eq!(readme_block(), copy_here());
}

#[test]
fn the_readme_example_prints_the_subject_without_json_quotes() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let jwks_json = jwks_document(&[&key]).to_string();
    let now = jwkskit::unix_now();
    let claims = serde_json::json!({
        "iss": "https://issuer.example", "aud": "api", "sub": "alice", "exp": now + 600
    });
    let bearer = key.sign(&claims).unwrap();
    let printed = (|| -> Result<Option<String>, jwkskit::Error> {
        // readme:begin
        use jwkskit::{Policy, Verifier};

        let policy = Policy {
            issuers: vec!["https://issuer.example".into()],
            audiences: vec!["api".into()],
            ..Policy::default()
        };
        let verifier = Verifier::from_json(jwks_json.as_bytes(), policy)?;
        let token = verifier.verify(bearer.as_bytes())?; // or verify_at(token, unix_seconds)

        // claim() is the JSON value ("alice", quotes included); as_str() the string inside
        let sub = token.claim("sub").and_then(|v| v.as_str());
        println!("{}", sub.unwrap_or("(no sub)")); // alice

        // readme:end
        Ok(sub.map(str::to_owned))
    })()
    .unwrap();
    assert_eq!(printed.as_deref(), Some("alice"));
}
