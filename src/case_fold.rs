//! Member names that differ only in case.
//!
//! JSON member names are case-sensitive, and so are claim names (RFC 7519 §4), but some
//! decoders match them case-insensitively: Go's `encoding/json` fills a struct field from a
//! member whose name equals the field's under Unicode simple case folding, the last such
//! member winning. A payload holding both `"iss":"https://idp.example/"` and
//! `"Iss":"https://evil.example/"` is then two tokens: the claim checks and the getters read
//! `iss`, such a decoder reads `Iss`. [`first_collision`] finds the names that would be read
//! as one, so that a binding can refuse to hand such a payload to such a decoder.
//!
//! The folding is a superset of Go's (`bytes.EqualFold`, whose classes are those of
//! `unicode.SimpleFold`): each character is mapped to lower case, upper case, then lower case
//! again, with Rust's full mappings (`char::to_lowercase`, `char::to_uppercase`). Every class
//! of simple folding ends at one string (`K`, `k` and the Kelvin sign U+212A all give `k`; `S`,
//! `s` and the long s U+017F give `s`; `ß` and `ẞ` give `ss`), and a few more names meet
//! (`ss` and `ß`, `ﬀ` and `ff`): refusing those as well costs nothing real. The Go tests
//! check every pair of `unicode.SimpleFold` against the library.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

/// `name` folded: names equal under case folding have equal foldings.
pub(crate) fn fold(name: &str) -> Cow<'_, str> {
    // ASCII without upper case letters folds to itself, as most claim names do.
    if name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .flat_map(char::to_lowercase)
            .flat_map(char::to_uppercase)
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// Two member names of one object in `object` (itself or any object nested in it, in arrays
/// too) that are different but equal under case folding, if there are any. When there are
/// several such pairs, the one reported is the outermost object's, then the first in the order
/// of the names.
pub(crate) fn first_collision(object: &Map<String, Value>) -> Option<(String, String)> {
    let mut seen: HashMap<Cow<'_, str>, &str> = HashMap::with_capacity(object.len());
    for name in object.keys() {
        if let Some(first) = seen.insert(fold(name), name) {
            return Some((first.to_owned(), name.clone()));
        }
    }
    object.values().find_map(nested_collision)
}

fn nested_collision(value: &Value) -> Option<(String, String)> {
    match value {
        Value::Object(o) => first_collision(o),
        Value::Array(items) => items.iter().find_map(nested_collision),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collision(v: Value) -> Option<(String, String)> {
        first_collision(v.as_object().unwrap())
    }

    #[test]
    fn tricky_pairs_fold_together() {
        for class in [
            &["K", "k", "\u{212a}"][..],
            &["S", "s", "\u{17f}"],
            &["\u{df}", "\u{1e9e}", "ss", "SS", "sS"],
            &["\u{3a3}", "\u{3c3}", "\u{3c2}"],
            &["\u{398}", "\u{3b8}", "\u{3d1}", "\u{3f4}"],
            &["\u{b5}", "\u{3bc}", "\u{39c}"],
            &["\u{c5}", "\u{e5}", "\u{212b}"],
            &["\u{1c4}", "\u{1c5}", "\u{1c6}"],
            &["\u{399}", "\u{3b9}", "\u{345}", "\u{1fbe}"],
            &["\u{390}", "\u{1fd3}"],
            &["\u{13a0}", "\u{ab70}"],
            &["\u{10400}", "\u{10428}"],
            &["Iss", "iss", "ISS", "iSs"],
            // More than simple folding (Go's) joins: the dotless i goes to I, then i.
            &["\u{131}", "i", "I"],
        ] {
            for a in class {
                for b in class {
                    assert_eq!(fold(a), fold(b), "{a:?} {b:?}");
                }
            }
        }
        // Different letters stay apart.
        for (a, b) in [
            ("iss", "isa"),
            ("\u{130}", "i"),
            ("a", "\u{e0}"),
            ("\u{3c3}", "s"),
        ] {
            assert_ne!(fold(a), fold(b), "{a:?} {b:?}");
        }
        assert!(matches!(fold("client_id"), Cow::Borrowed(_)));
    }

    #[test]
    fn finds_names_that_differ_only_in_case_at_any_depth() {
        assert_eq!(
            collision(json!({"iss": "https://idp.example/", "Iss": "https://evil.example/"})),
            Some(("Iss".into(), "iss".into()))
        );
        assert!(collision(json!({"a": {"b": [{"role": 1, "ROLE": 2}]}})).is_some());
        assert!(collision(json!({"a": [[{"x": {"\u{212a}": 1, "k": 2}}]]})).is_some());
        assert!(
            collision(json!({"a": {"k": 1}, "b": {"K": 1}, "c": [{"k": 1}, {"K": 2}]})).is_none()
        );
        assert!(collision(json!({"iss": "a", "sub": "b", "aud": ["x", "X"]})).is_none());
        assert!(collision(json!({})).is_none());
    }
}
