//! Strict, cheap JSON object parsing for token headers and payloads.
//!
//! A JOSE header or JWT payload must be one JSON object with no duplicate members (RFC 7515
//! §4, RFC 7519 §4): a duplicate `alg` or `exp` is an ambiguity an attacker can exploit when
//! two parsers disagree. Members are kept as raw JSON slices so that only the members we
//! need are decoded, and nesting is bounded before serde sees the input.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The top-level members of a JSON object, in document order, values left undecoded.
#[derive(Debug)]
pub(crate) struct Members<'a> {
    members: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// Why an object could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ObjectError {
    /// Nesting deeper than allowed.
    TooDeep(usize),
    /// Not valid JSON, not an object, or bad UTF-8.
    Invalid(String),
    /// A member name appears twice.
    Duplicate(String),
}

impl<'a> Members<'a> {
    /// Parses `bytes` as one JSON object, nested at most `max_depth` levels.
    pub(crate) fn parse(bytes: &'a [u8], max_depth: usize) -> Result<Members<'a>, ObjectError> {
        // serde_json bounds recursion itself (at 128), so the stack is safe while parsing; the
        // tighter policy limit is then checked only inside the few values that nest at all.
        // One fast UTF-8 pass over the whole object, then a parser that can trust it, rather
        // than serde_json validating each raw member slice again.
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ObjectError::Invalid(format!("invalid UTF-8: {e}")))?;
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de
            .deserialize_map(MembersVisitor)
            .map_err(|e| ObjectError::Invalid(e.to_string()))?;
        de.end().map_err(|e| ObjectError::Invalid(e.to_string()))?;
        for (_, value) in &members {
            if value.get().starts_with(['{', '[']) {
                check_depth(value.get().as_bytes(), max_depth.saturating_sub(1))
                    .map_err(|_| ObjectError::TooDeep(max_depth))?;
            }
        }
        if let Some(dup) = first_duplicate(&members) {
            return Err(ObjectError::Duplicate(dup.to_string()));
        }
        Ok(Members { members })
    }

    /// The raw value of member `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.members
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }

    /// Whether member `name` is present.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

fn first_duplicate<'m>(members: &'m [(Cow<'_, str>, &RawValue)]) -> Option<&'m str> {
    if members.len() <= 16 {
        for (i, (a, _)) in members.iter().enumerate() {
            if members[..i].iter().any(|(b, _)| a == b) {
                return Some(a);
            }
        }
        None
    } else {
        let mut seen = std::collections::HashSet::with_capacity(members.len());
        members
            .iter()
            .find(|(k, _)| !seen.insert(k.as_ref()))
            .map(|(k, _)| k.as_ref())
    }
}

/// Rejects input nested deeper than `max` arrays/objects, without allocating.
fn check_depth(bytes: &[u8], max: usize) -> Result<(), ObjectError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(ObjectError::TooDeep(max));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(MemberName(name)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            out.push((name, value));
        }
        Ok(out)
    }
}

/// A member name, borrowed from the input unless it contains escapes.
struct MemberName<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v)))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

/// Decodes a raw member as a string, borrowing when it has no escapes.
pub(crate) fn raw_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members_and_rejects_duplicates() {
        let m = Members::parse(br#"{"alg":"RS256","kid":"a\u0062","x":{"y":[1,2]}}"#, 8).unwrap();
        assert_eq!(raw_str(m.get("alg").unwrap()).unwrap(), "RS256");
        assert_eq!(raw_str(m.get("kid").unwrap()).unwrap(), "ab");
        assert!(m.get("nope").is_none());
        assert!(matches!(
            Members::parse(br#"{"alg":"RS256","alg":"none"}"#, 8),
            Err(ObjectError::Duplicate(_))
        ));
        // Escaped spellings of the same name are still duplicates.
        assert!(matches!(
            Members::parse(br#"{"alg":"RS256","\u0061lg":"none"}"#, 8),
            Err(ObjectError::Duplicate(_))
        ));
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_depth() {
        for bad in [
            &b"[]"[..],
            b"1",
            b"\"s\"",
            b"{} {}",
            b"{",
            b"",
            b"{\"a\":1,}",
            b"\xff",
        ] {
            assert!(Members::parse(bad, 8).is_err(), "{bad:?}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            Members::parse(deep.as_bytes(), 16).unwrap_err(),
            ObjectError::TooDeep(16)
        );
        // Brackets inside strings do not count.
        assert!(Members::parse(br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[\"[["}"#, 2).is_ok());
    }

    #[test]
    fn many_members_duplicate_detection() {
        let mut s = String::from("{");
        for i in 0..100 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k7\":0}");
        assert!(
            matches!(Members::parse(s.as_bytes(), 4), Err(ObjectError::Duplicate(d)) if d == "k7")
        );
    }
}
