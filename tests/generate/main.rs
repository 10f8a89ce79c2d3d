//! The generator of every file derived from the core's catalogues (`src/catalogue/`), and its
//! drift test: `cargo test` fails when a checked-in copy differs from what the generator
//! writes now (edited by hand, or a catalogue changed without regenerating).
//!
//! `make generate` (that is, `JWKS_BLESS=1 cargo test --test generate`, then the header's
//! `JWKS_BLESS=1 cargo test --test header`) writes them. A file is either generated whole or
//! has regions between `BEGIN GENERATED: name` and `END GENERATED: name` marker lines
//! (in any comment syntax), whose lines are replaced and the rest left as written.

mod cpp;
mod docs;
mod go;
mod prometheus;
mod python;
mod rust;
mod text;

use std::collections::BTreeMap;
use std::path::Path;

/// What the generator writes into one file.
pub enum Output {
    /// The whole file.
    Whole(String),
    /// The lines of named regions, the rest of the file hand-written.
    Regions(Vec<(&'static str, String)>),
}

/// Every generated file (path from the repository root) with its content.
fn outputs() -> BTreeMap<&'static str, Output> {
    let mut all = BTreeMap::new();
    rust::outputs(&mut all);
    go::outputs(&mut all);
    prometheus::outputs(&mut all);
    python::outputs(&mut all);
    cpp::outputs(&mut all);
    docs::outputs(&mut all);
    all
}

/// `text` with the lines of each region replaced; panics on a missing marker, and on a marker
/// of a region the generator does not write (which would stay as it is, unchecked).
fn fill_regions(path: &str, text: &str, regions: &[(&str, String)]) -> String {
    for line in text.lines() {
        if let Some((_, rest)) = line.split_once("BEGIN GENERATED: ") {
            assert!(
                regions.iter().any(|(name, _)| rest.starts_with(name)),
                "{path}: the generator writes no region for `{}`",
                line.trim()
            );
        }
    }
    let mut out = text.to_string();
    for (name, body) in regions {
        let begin = format!("BEGIN GENERATED: {name}");
        let end = format!("END GENERATED: {name}");
        let start = out
            .find(&begin)
            .unwrap_or_else(|| panic!("{path}: no line with `{begin}`"));
        let start = start + out[start..].find('\n').expect("a line after the marker") + 1;
        let stop = start
            + out[start..]
                .find(&end)
                .unwrap_or_else(|| panic!("{path}: no line with `{end}` after `{begin}`"));
        let stop = out[..stop].rfind('\n').map_or(0, |i| i + 1);
        assert!(stop >= start, "{path}: `{end}` on the line of `{begin}`");
        out.replace_range(start..stop, body);
    }
    out
}

#[test]
fn generated_files_match_the_catalogues() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("JWKS_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, output) in outputs() {
        let file = root.join(path);
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        let wanted = match &output {
            Output::Whole(text) => text.clone(),
            Output::Regions(regions) => fill_regions(path, &current, regions),
        };
        if wanted != current {
            if bless {
                std::fs::write(&file, &wanted).unwrap_or_else(|e| panic!("write {path}: {e}"));
            } else {
                stale.push(path);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from the catalogues: {stale:?}. Change the catalogue in src/ \
         (not the generated copy), then run `make generate`"
    );
}

#[test]
fn regions_are_replaced_between_their_markers() {
    let text = "a\n// BEGIN GENERATED: x\nold\nlines\n// END GENERATED: x\nb\n";
    let out = fill_regions("t", text, &[("x", "new\n".to_string())]);
    assert_eq!(
        out,
        "a\n// BEGIN GENERATED: x\nnew\n// END GENERATED: x\nb\n"
    );
    let empty = fill_regions("t", &out, &[("x", String::new())]);
    assert_eq!(empty, "a\n// BEGIN GENERATED: x\n// END GENERATED: x\nb\n");
}
