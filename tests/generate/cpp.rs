//! The C++ wrapper's enums and option setters (regions of `include/jwks.hpp`):
//! `jwks::result` and `jwks::category`, named after the C constants they equal, and one
//! `jwks::options` setter per option with a C setter, converting by the option's unit.

use std::collections::BTreeMap;
use std::fmt::Write;

use jwkskit::catalogue::options::{self, CSetter, OptionSpec, Unit};
use jwkskit::error::OK_DESCRIPTION;
use jwkskit::{Category, ErrorKind};

use super::text::wrap;
use super::Output;

pub fn outputs(all: &mut BTreeMap<&'static str, Output>) {
    all.insert(
        "include/jwks.hpp",
        Output::Regions(vec![
            ("result codes", results()),
            ("categories", categories()),
            ("option setters", setters()),
        ]),
    );
}

fn results() -> String {
    let mut o = format!(
        "/// The stable result codes of the C ABI (`jwks_result`), same numbers.\n\
         enum class result : std::uint32_t {{\n  /// {OK_DESCRIPTION}\n  ok = JWKS_RESULT_OK,\n"
    );
    for k in ErrorKind::ALL {
        let name = k.name();
        writeln!(o, "  /// {}", k.description()).unwrap();
        writeln!(o, "  {} = JWKS_RESULT_{name},", name.to_ascii_lowercase()).unwrap();
    }
    o.push_str("};\n");
    o
}

fn categories() -> String {
    let mut o = String::from(
        "/// How a caller should treat a result (`jwks_category`).\n\
         enum class category : std::uint32_t {\n  ok = JWKS_CATEGORY_OK,\n",
    );
    for c in Category::ALL {
        let name = c.name();
        writeln!(o, "  /// {}", c.description()).unwrap();
        writeln!(o, "  {} = JWKS_CATEGORY_{name},", name.to_ascii_lowercase()).unwrap();
    }
    o.push_str("};\n");
    o
}

/// The name of an option's setter method: `add_issuer` for a list, else the option's name.
fn method(spec: &OptionSpec, c: &CSetter) -> String {
    match c.name.strip_prefix("jwks_options_add_") {
        Some(item) => format!("add_{item}"),
        None => spec.name.to_string(),
    }
}

/// The setters of `jwks::options`, one per option with a C setter.
fn setters() -> String {
    let mut o = String::new();
    for spec in options::ALL {
        let Some(c) = spec.c else { continue };
        let m = method(spec, &c);
        let mut doc = spec.doc.replace('`', "");
        write!(doc, " Default: {}.", spec.default_text()).unwrap();
        if spec.range.is_some() {
            write!(doc, " Range: {}.", spec.range_text()).unwrap();
        }
        o.push_str(&wrap(&doc, 112, "  /// "));
        let f = c.name;
        let p = c.params;
        let body = match spec.unit {
            Unit::Seconds => format!(
                "options &{m}(std::chrono::seconds s) {{ return u32(\"{m}\", {f}, s); }}"
            ),
            Unit::Milliseconds => format!(
                "options &{m}(std::chrono::milliseconds ms) {{ return u32(\"{m}\", {f}, ms); }}"
            ),
            Unit::Bytes => format!(
                "options &{m}(std::size_t {0}) {{\n    return check({f}(p_, {0}), \"{m}\", std::uint64_t{{{0}}});\n  }}",
                p[0]
            ),
            Unit::Count => format!(
                "options &{m}(std::uint32_t {0}) {{\n    return check({f}(p_, {0}), \"{m}\", std::uint64_t{{{0}}});\n  }}",
                p[0]
            ),
            Unit::Flag => format!(
                "options &{m}(bool {0}) {{ return check({f}(p_, {0}), \"{m}\", {0}); }}",
                p[0]
            ),
            Unit::Text | Unit::TextList if spec.hidden => format!(
                "options &{m}(std::string_view {0}) {{\n    detail::c_string c({0});\n    \
                 if (!c.ok()) nul_refused(\"{m}\", detail::hidden{{}});\n    \
                 return check({f}(p_, c.get()), \"{m}\", detail::hidden{{}});\n  }}",
                p[0]
            ),
            Unit::Text | Unit::TextList => format!(
                "options &{m}(std::string_view {0}) {{ return str(\"{m}\", {f}, {0}); }}",
                p[0]
            ),
            Unit::SecondsPair => format!(
                "options &{m}(std::chrono::seconds {0}, std::chrono::seconds {1}) {{\n    \
                 std::uint32_t lo = 0, hi = 0;\n    \
                 auto shown = std::make_pair({0}, {1});\n    \
                 if (!detail::to_u32({0}, lo) || !detail::to_u32({1}, hi))\n      \
                 detail::throw_option(result::invalid_argument, \"{m}\", shown, out_of_range);\n    \
                 return check({f}(p_, lo, hi), \"{m}\", shown);\n  }}",
                p[0].trim_end_matches("_seconds"),
                p[1].trim_end_matches("_seconds")
            ),
            Unit::TextPairs => format!(
                "options &{m}(std::string_view {0}, std::string_view {1}) {{\n    \
                 detail::c_string n({0}), v({1});\n    \
                 auto shown = std::make_pair({0}, detail::hidden{{}});\n    \
                 if (!n.ok() || !v.ok()) nul_refused(\"{m}\", shown);\n    \
                 return check({f}(p_, n.get(), v.get()), \"{m}\", shown);\n  }}",
                p[0],
                p[1]
            ),
            Unit::Pem => format!(
                "options &{m}(std::string_view {0}) {{\n    \
                 return check({f}(p_, {0}.data(), {0}.size()), \"{m}\", detail::hidden{{}});\n  }}",
                p[0]
            ),
        };
        writeln!(o, "  {}", split_long(&body)).unwrap();
    }
    o
}

/// A one-line member function longer than the header's 115 columns, as three lines.
fn split_long(body: &str) -> String {
    match body.split_once(" { return ") {
        Some((head, rest)) if !body.contains('\n') && body.len() + 2 > 115 => {
            let statement = rest.trim_end_matches(" }");
            format!("{head} {{\n    return {statement}\n  }}")
        }
        _ => body.to_string(),
    }
}
