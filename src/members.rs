//! Where the top-level members of a JSON object lie in its text: the index the claim getters
//! look names up in, so that reading one claim decodes that claim's value and nothing else.
//!
//! It indexes only text that the reader ([`crate::json`]) accepted as an object, and applies
//! none of its rules again: a member found here is the one the claim checks read (names are
//! unique there), and its value is decoded by serde_json from the very bytes the checks saw.

use std::fmt;
use std::ops::Range;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The spans of one object's top-level members, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Members(Box<[Member]>);

/// One member: its name as written (quotes included) and its value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Member {
    name: (u32, u32),
    value: (u32, u32),
}

fn range((start, end): (u32, u32)) -> Range<usize> {
    start as usize..end as usize
}

impl Members {
    /// Indexes `text`, a JSON object the reader accepted. An error means that `text` is not
    /// such an object (or is 4 GiB or more).
    pub(crate) fn index(text: &str) -> Result<Members, serde_json::Error> {
        if u32::try_from(text.len()).is_err() {
            return Err(serde::de::Error::custom("the object is too large to index"));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de.deserialize_map(Spans(text))?;
        de.end()?;
        Ok(Members(members.into_boxed_slice()))
    }

    /// The value of member `name` in `text` (the text this index was made from), as written.
    pub(crate) fn get<'t>(&self, text: &'t str, name: &str) -> Option<&'t str> {
        self.0.iter().find_map(|m| {
            let raw = &text[range(m.name)];
            let inner = &raw[1..raw.len() - 1];
            let equal = if inner.contains('\\') {
                serde_json::from_str::<String>(raw).is_ok_and(|n| n == name)
            } else {
                inner == name
            };
            equal.then(|| &text[range(m.value)])
        })
    }
}

/// The visitor of the top-level object: each member's name and value as raw JSON, whose
/// positions are where they lie in the text (serde_json borrows them from it).
struct Spans<'t>(&'t str);

impl Spans<'_> {
    fn span<E: serde::de::Error>(&self, raw: &RawValue) -> Result<(u32, u32), E> {
        let start = (raw.get().as_ptr() as usize)
            .checked_sub(self.0.as_ptr() as usize)
            .filter(|&s| s + raw.get().len() <= self.0.len())
            .ok_or_else(|| E::custom("a member is not borrowed from the text"))?;
        // The text is shorter than 4 GiB (checked by `index`).
        Ok((start as u32, (start + raw.get().len()) as u32))
    }
}

impl<'de> Visitor<'de> for Spans<'_> {
    type Value = Vec<Member>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Member>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(12));
        while let Some(name) = map.next_key::<&'de RawValue>()? {
            let value = map.next_value::<&'de RawValue>()?;
            members.push(Member {
                name: self.span(name)?,
                value: self.span(value)?,
            });
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_members_as_written() {
        let text = " { \"sub\" : \"a\\u0062\" ,\"n\":-0,\"s\\u0063ope\":\"x y\",\"o\":{\"sub\":1},\"a\":[1, {}] } ";
        let m = Members::index(text).unwrap();
        assert_eq!(m.0.len(), 5);
        assert_eq!(m.get(text, "sub"), Some("\"a\\u0062\""));
        assert_eq!(m.get(text, "n"), Some("-0"));
        assert_eq!(m.get(text, "scope"), Some("\"x y\""));
        assert_eq!(m.get(text, "o"), Some("{\"sub\":1}"));
        assert_eq!(m.get(text, "a"), Some("[1, {}]"));
        assert_eq!(m.get(text, "s\\u0063ope"), None);
        assert_eq!(m.get(text, "missing"), None);
        assert_eq!(Members::index("{}").unwrap().0.len(), 0);
        for bad in ["[]", "1", "{", "{} x", ""] {
            assert!(Members::index(bad).is_err(), "{bad:?}");
        }
    }
}
