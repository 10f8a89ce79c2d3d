//! The C++ wrapper's enums (regions of `include/jwks.hpp`): `jwks::result` and
//! `jwks::category`, named after the C constants they equal.

use std::collections::BTreeMap;
use std::fmt::Write;

use jwkskit::error::OK_DESCRIPTION;
use jwkskit::{Category, ErrorKind};

use super::Output;

pub fn outputs(all: &mut BTreeMap<&'static str, Output>) {
    all.insert(
        "include/jwks.hpp",
        Output::Regions(vec![
            ("result codes", results()),
            ("categories", categories()),
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
