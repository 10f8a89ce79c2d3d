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
