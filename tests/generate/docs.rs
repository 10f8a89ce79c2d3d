//! Tables in the READMEs (regions between `<!-- BEGIN GENERATED: ... -->` and
//! `<!-- END GENERATED: ... -->`).

use std::collections::BTreeMap;
use std::fmt::Write;

use jwkskit::catalogue::options::{self, Unit};
use jwkskit::error::{OK_DESCRIPTION, OK_NAME};
use jwkskit::{Category, ErrorKind};

use super::Output;

pub fn outputs(all: &mut BTreeMap<&'static str, Output>) {
    all.insert(
        "README.md",
        Output::Regions(vec![
            ("result codes", result_codes()),
            ("options", options_table()),
            ("metrics", super::prometheus::readme_list()),
        ]),
    );
    all.insert(
        "bindings/python/README.md",
        Output::Regions(vec![("exception classes", python_classes())]),
    );
}

fn kinds_of(c: Category) -> impl Iterator<Item = ErrorKind> {
    ErrorKind::ALL
        .iter()
        .copied()
        .filter(move |k| k.category() == c)
}

fn result_codes() -> String {
    let mut o = String::from(
        "| code | name | category | description | server answer |\n|---|---|---|---|---|\n",
    );
    writeln!(o, "| 0 | `{OK_NAME}` | | {OK_DESCRIPTION} | |").unwrap();
    for c in Category::ALL {
        for k in kinds_of(c) {
            // The status, and the `error` of the challenge when there is one.
            let answer = match (k.http_status(), k.oauth_error()) {
                (Some(s), Some(e)) => format!("{s} `{e}`"),
                (Some(s), None) => s.to_string(),
                (None, _) => String::new(),
            };
            writeln!(
                o,
                "| {} | `{}` | {} | {} | {answer} |",
                k.code(),
                k.name(),
                c.name().to_ascii_lowercase().replace('_', " "),
                k.description()
            )
            .unwrap();
        }
    }
    o
}

fn python_classes() -> String {
    let mut o = String::from(
        "| category class | codes | subclasses (code) | answer |\n\
         |----------------|-------|-------------------|--------|\n",
    );
    for c in Category::ALL {
        let r = c.codes();
        let classes: Vec<String> = kinds_of(c)
            .map(|k| {
                let mut s = format!("`{}` ({})", k.python_class(), k.code());
                for base in k.python_bases() {
                    write!(s, ", also a `{base}`").unwrap();
                }
                s
            })
            .collect();
        let answer = match c.http_status() {
            Some(503) => "503, retry".to_string(),
            Some(s) => s.to_string(),
            None => String::new(),
        };
        writeln!(
            o,
            "| `{}` | {}-{} | {} | {answer} |",
            c.python_class(),
            r.start(),
            r.end(),
            classes.join(", ")
        )
        .unwrap();
    }
    o
}

fn options_table() -> String {
    let mut o = String::from(
        "| option | C setter | Python | Go | Rust | unit | default | range |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let code = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("`{s}`")
        }
    };
    for spec in options::ALL {
        let unit = match spec.unit {
            Unit::Seconds => "s",
            Unit::Milliseconds => "ms",
            Unit::Bytes => "bytes",
            Unit::Count => "count",
            Unit::Flag => "bool",
            Unit::Text => "string",
            Unit::TextList => "strings",
            Unit::SecondsPair => "s, s",
            Unit::TextPairs => "pairs",
            Unit::Pem => "PEM",
        };
        writeln!(
            o,
            "| `{}` | {} | {} | {} | {} | {unit} | {} | {} |",
            spec.name,
            code(spec.c.map_or("", |c| c.name)),
            code(spec.python.unwrap_or("")),
            spec.go
                .iter()
                .map(|g| code(g))
                .collect::<Vec<_>>()
                .join(", "),
            spec.rust
                .split(", ")
                .map(code)
                .collect::<Vec<_>>()
                .join(", "),
            spec.default_text(),
            spec.range_text()
        )
        .unwrap();
    }
    o
}
