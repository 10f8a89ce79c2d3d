//! The checked-in C header must equal what cbindgen generates from the sources.
//! Regenerate with `JWKS_BLESS=1 cargo test --test header`.

use std::path::Path;

#[test]
fn header_matches_sources() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("UTF-8 header");
    let path = root.join("include/jwks.h");
    if std::env::var_os("JWKS_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/jwks.h");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/jwks.h is out of date: run `JWKS_BLESS=1 cargo test --test header`"
    );
}

#[test]
fn header_version_macros_match_cargo() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/jwks.h")).unwrap();
    for (name, value) in [
        ("JWKS_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("JWKS_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("JWKS_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        let line = format!("#define {name} {value}");
        assert!(header.contains(&line), "header lacks `{line}`");
    }
}

/// Every `*_free` function says in the header that it is the last call on its object, since
/// a second free (of an error, say) is a double free that C callers must be told about.
#[test]
fn every_free_function_says_it_is_the_last_call() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/jwks.h")).unwrap();
    let mut frees = 0;
    let mut doc = String::new();
    for line in header.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("/**") {
            doc.clear();
        }
        if trimmed.starts_with('*') || trimmed.starts_with("/**") {
            let text = trimmed.trim_start_matches("/**").trim_start_matches('*');
            doc.push_str(text.trim_end_matches('/').trim());
            doc.push(' ');
            continue;
        }
        if let Some(name) = trimmed
            .split('(')
            .next()
            .and_then(|head| head.split_whitespace().last())
            .map(|n| n.trim_start_matches('*'))
            .filter(|n| n.starts_with("jwks_") && n.ends_with("_free"))
        {
            frees += 1;
            assert!(
                doc.contains("last call") && doc.contains("undefined behaviour"),
                "{name}: the header must say it is the last call on its object: {doc}"
            );
        }
        if !trimmed.is_empty() {
            doc.clear();
        }
    }
    assert!(frees >= 5, "found {frees} *_free functions");
}
