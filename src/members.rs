//! Where the top-level members of a JSON object lie in its text: the index the claim getters
//! look names up in, so that reading one claim decodes that claim's value and nothing else.
//!
//! It indexes only text that the reader ([`crate::json`]) accepted as an object, and applies
//! none of its rules again: a member found here is the one the claim checks read (names are
//! unique there), and its value is decoded by serde_json from the very bytes the checks saw.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// Where one member lies in the text: its name as written (quotes included) from `[0]` to
/// `[1]`, its value as written from `[2]` to `[3]` (byte offsets). Four `u32`, as the C ABI
/// exports them (`jwks_token_claims_index`).
pub(crate) type Span = [u32; 4];

/// The spans of one object's top-level members, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Members(Box<[Span]>);

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

    /// The spans, in document order.
    pub(crate) fn spans(&self) -> &[Span] {
        &self.0
    }

    /// The heap bytes this index takes (counted in the token cache's byte bound).
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.0)
    }
}

/// The visitor of the top-level object: each member's name and value as raw JSON, whose
/// positions are where they lie in the text (serde_json borrows them from it).
struct Spans<'t>(&'t str);

impl Spans<'_> {
    fn span<E: serde::de::Error>(&self, raw: &RawValue) -> Result<[u32; 2], E> {
        let start = (raw.get().as_ptr() as usize)
            .checked_sub(self.0.as_ptr() as usize)
            .filter(|&s| s + raw.get().len() <= self.0.len())
            .ok_or_else(|| E::custom("a member is not borrowed from the text"))?;
        // The text is shorter than 4 GiB (checked by `index`).
        Ok([start as u32, (start + raw.get().len()) as u32])
    }
}

impl<'de> Visitor<'de> for Spans<'_> {
    type Value = Vec<Span>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Span>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(12));
        while let Some(name) = map.next_key::<&'de RawValue>()? {
            let value = map.next_value::<&'de RawValue>()?;
            let ([n0, n1], [v0, v1]) = (self.span(name)?, self.span(value)?);
            members.push([n0, n1, v0, v1]);
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_members_as_written() {
        let text = " { \"sub\" : \"a\\u0062\" ,\"n\":-0,\"s\\u0063ope\":\"x y\",\"o\":{\"sub\":1},\"a\":[1, {}] } ";
        let m = Members::index(text).unwrap();
        let shown: Vec<(&str, &str)> = m
            .spans()
            .iter()
            .map(|s| {
                (
                    &text[s[0] as usize..s[1] as usize],
                    &text[s[2] as usize..s[3] as usize],
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("\"sub\"", "\"a\\u0062\""),
                ("\"n\"", "-0"),
                ("\"s\\u0063ope\"", "\"x y\""),
                ("\"o\"", "{\"sub\":1}"),
                ("\"a\"", "[1, {}]"),
            ]
        );
        assert_eq!(m.heap_bytes(), 5 * 16);
        assert_eq!(Members::index("{}").unwrap().spans().len(), 0);
        for bad in ["[]", "1", "{", "{} x", ""] {
            assert!(Members::index(bad).is_err(), "{bad:?}");
        }
    }
}
