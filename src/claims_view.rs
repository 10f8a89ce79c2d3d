//! The claim queries, over a payload and the index of its members: the one implementation
//! behind every claim getter of every language.
//!
//! A [`ClaimsView`] is a payload the reader ([`crate::json`]) accepted as claims, with where
//! its top-level members lie ([`Members`](crate::members::Members) spans). The getters of a
//! [`VerifiedToken`](crate::VerifiedToken) make one over the token's own payload and index;
//! the C functions `jwks_claims_*` make one over a copy that a binding keeps after freeing the
//! token (Go, whose garbage collector would make a finalizer per token cost more than the
//! verification it follows). A view never trusts its index: every span is bounds- and
//! UTF-8-checked before use, and every value is decoded by serde_json, so a damaged copy gives
//! an error, never undefined behaviour.
//!
//! The answers:
//! - a name is found by its decoded name (`"s\u0075b"` is `sub`); absent is
//!   [`ErrorKind::NotFound`], another type than asked [`ErrorKind::TypeMismatch`];
//! - a string is its decoded text (a slice of the payload when it has no escape);
//! - an integer is a number without fraction or exponent that fits in `i64` (`-0` is the
//!   floating-point negative zero, not one);
//! - `contains` is equality for a string claim, any element equal for an array;
//! - scopes follow [`crate::scopes`].

use std::borrow::Cow;

use serde_json::{Number, Value};

use crate::case_fold;
use crate::error::{err, shorten, Error, ErrorKind};
use crate::members::Span;
use crate::scopes::{self, ScopeClaim, ScopeMatch};

/// A payload the reader accepted as claims, and where its top-level members lie.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClaimsView<'a> {
    payload: &'a [u8],
    index: &'a [Span],
}

/// A token's scopes in order: each one a range of `text`, ending at `ends[i]`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ScopeList {
    pub(crate) text: String,
    pub(crate) ends: Vec<usize>,
}

impl ScopeList {
    /// The scopes.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.ends.len()).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.text[start..self.ends[i]]
        })
    }
}

fn damaged() -> Error {
    err(
        ErrorKind::InvalidArgument,
        "the claims index does not fit the payload",
    )
}

fn mismatch(name: &str, what: &str) -> Error {
    err(
        ErrorKind::TypeMismatch,
        format!("the claim {:?} is not {what}", shorten(name)),
    )
}

fn internal(what: &str, e: impl std::fmt::Display) -> Error {
    err(ErrorKind::Internal, format!("cannot decode {what}: {e}"))
}

/// The text of a raw JSON string that has no escape (a slice of it), or `None`.
fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// A raw JSON string, decoded.
fn decode_string(raw: &str) -> Result<Cow<'_, str>, Error> {
    match plain_string(raw) {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => serde_json::from_str::<String>(raw)
            .map(Cow::Owned)
            .map_err(|e| internal("a string claim", e)),
    }
}

impl<'a> ClaimsView<'a> {
    /// A view of `payload` (claims the reader accepted) with its members' `index`.
    pub(crate) fn new(payload: &'a [u8], index: &'a [Span]) -> ClaimsView<'a> {
        ClaimsView { payload, index }
    }

    /// The text of bytes `start..end` of the payload, checked.
    fn text(&self, start: u32, end: u32) -> Result<&'a str, Error> {
        let bytes = self
            .payload
            .get(start as usize..end as usize)
            .ok_or_else(damaged)?;
        std::str::from_utf8(bytes).map_err(|_| damaged())
    }

    /// The value of member `name` as written, if there is one.
    pub(crate) fn find(&self, name: &str) -> Result<Option<&'a str>, Error> {
        for span in self.index {
            let raw = self.text(span[0], span[1])?;
            let inner = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .ok_or_else(damaged)?;
            let equal = if inner.contains('\\') {
                serde_json::from_str::<String>(raw).map_err(|_| damaged())? == name
            } else {
                inner == name
            };
            if equal {
                return self.text(span[2], span[3]).map(Some);
            }
        }
        Ok(None)
    }

    /// The value of claim `name` as written: [`ErrorKind::NotFound`] when absent.
    pub(crate) fn json(&self, name: &str) -> Result<&'a str, Error> {
        self.find(name)?
            .ok_or_else(|| err(ErrorKind::NotFound, format!("no claim {:?}", shorten(name))))
    }

    /// The string claim `name`, decoded.
    pub(crate) fn string(&self, name: &str) -> Result<Cow<'a, str>, Error> {
        let raw = self.json(name)?;
        if !raw.starts_with('"') {
            return Err(mismatch(name, "a string"));
        }
        decode_string(raw)
    }

    /// The integer claim `name`.
    pub(crate) fn int(&self, name: &str) -> Result<i64, Error> {
        self.json(name)?
            .parse::<Number>()
            .ok()
            .and_then(|n| n.as_i64())
            .ok_or_else(|| mismatch(name, "an integer"))
    }

    /// The boolean claim `name`.
    pub(crate) fn bool(&self, name: &str) -> Result<bool, Error> {
        match self.json(name)? {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(mismatch(name, "a boolean")),
        }
    }

    /// Whether claim `name` equals `value` (a string) or holds it (an array).
    pub(crate) fn contains(&self, name: &str, value: &str) -> Result<bool, Error> {
        let raw = self.json(name)?;
        if raw.starts_with('"') {
            return Ok(decode_string(raw)? == value);
        }
        if raw.starts_with('[') {
            let items: Vec<Value> =
                serde_json::from_str(raw).map_err(|e| internal("an array claim", e))?;
            return Ok(items.iter().any(|i| i.as_str() == Some(value)));
        }
        Err(mismatch(name, "a string or an array"))
    }

    /// The scopes the claims grant (see [`crate::scopes`]).
    pub(crate) fn scopes(&self) -> Result<ScopeList, Error> {
        let (scope, scp) = (
            Decoded::of(self.find("scope")?)?,
            Decoded::of(self.find("scp")?)?,
        );
        let granted = scopes::granted_from(scope.claim(), scp.claim())?;
        let mut list = ScopeList {
            text: String::with_capacity(granted.iter().map(|s| s.len()).sum()),
            ends: Vec::with_capacity(granted.len()),
        };
        for s in granted {
            list.text.push_str(s);
            list.ends.push(list.text.len());
        }
        Ok(list)
    }

    /// Whether `granted` (the claims' scopes) meet `required` under `how`; each required
    /// scope is checked first ([`scopes::check_required`]).
    pub(crate) fn has_scopes(
        granted: &ScopeList,
        required: &[&str],
        how: ScopeMatch,
    ) -> Result<bool, Error> {
        for r in required {
            scopes::check_required(r)?;
        }
        let granted: Vec<&str> = granted.iter().collect();
        Ok(scopes::grants(&granted, required, how))
    }

    /// `Ok` if no two member names of one object of the claims (at any depth) are equal
    /// under case folding (see [`crate::case_fold`]); [`ErrorKind::InvalidClaim`] naming
    /// two of them otherwise.
    pub(crate) fn case_unique(claims: &serde_json::Map<String, Value>) -> Result<(), Error> {
        match case_fold::first_collision(claims) {
            None => Ok(()),
            Some((a, b)) => Err(err(
                ErrorKind::InvalidClaim,
                format!(
                    "the member names {:?} and {:?} differ only in case: a decoder that matches \
                     names case-insensitively would read them as one",
                    shorten(&a),
                    shorten(&b)
                ),
            )),
        }
    }

    /// The claims as a JSON object, read as the reader reads them (for checks over every
    /// object: [`case_unique`](Self::case_unique)).
    pub(crate) fn object(&self) -> Result<serde_json::Map<String, Value>, Error> {
        crate::json::parse_object(self.payload, usize::MAX).map_err(|_| damaged())
    }
}

/// A `scope` or `scp` claim decoded as far as the scope rule needs.
enum Decoded<'t> {
    Absent,
    Str(Cow<'t, str>),
    Array(Vec<Value>),
    Other,
}

impl<'t> Decoded<'t> {
    fn of(raw: Option<&'t str>) -> Result<Decoded<'t>, Error> {
        Ok(match raw {
            None | Some("null") => Decoded::Absent,
            Some(raw) if raw.starts_with('"') => Decoded::Str(decode_string(raw)?),
            Some(raw) if raw.starts_with('[') => {
                Decoded::Array(serde_json::from_str(raw).map_err(|e| internal("a scope claim", e))?)
            }
            Some(_) => Decoded::Other,
        })
    }

    fn claim(&self) -> ScopeClaim<'_> {
        match self {
            Decoded::Absent => ScopeClaim::Absent,
            Decoded::Str(s) => ScopeClaim::Str(s),
            Decoded::Array(items) => ScopeClaim::of_array(items),
            Decoded::Other => ScopeClaim::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::Members;

    fn view_of(text: &str, f: impl FnOnce(ClaimsView<'_>)) {
        let members = Members::index(text).unwrap();
        f(ClaimsView::new(text.as_bytes(), members.spans()));
    }

    #[test]
    fn answers_each_query() {
        let text = r#"{"sub":"alice","esc":"a\u0062","n":-7,"neg":-0,"f":1.5,"b":false,"aud":["x","y"],"s\u0063ope":"read  write","o":{}}"#;
        view_of(text, |v| {
            assert_eq!(v.string("sub").unwrap(), "alice");
            assert!(matches!(v.string("sub").unwrap(), Cow::Borrowed(_)));
            assert_eq!(v.string("esc").unwrap(), "ab");
            assert_eq!(v.int("n").unwrap(), -7);
            for name in ["neg", "f", "sub", "o"] {
                assert_eq!(v.int(name).unwrap_err().kind(), ErrorKind::TypeMismatch);
            }
            assert!(!v.bool("b").unwrap());
            assert!(v.contains("aud", "y").unwrap() && !v.contains("aud", "z").unwrap());
            assert!(v.contains("sub", "alice").unwrap());
            assert_eq!(
                v.contains("n", "x").unwrap_err().kind(),
                ErrorKind::TypeMismatch
            );
            assert_eq!(v.json("o").unwrap(), "{}");
            assert_eq!(v.json("nope").unwrap_err().kind(), ErrorKind::NotFound);
            let scopes = v.scopes().unwrap();
            assert_eq!(scopes.iter().collect::<Vec<_>>(), ["read", "write"]);
            assert!(ClaimsView::has_scopes(&scopes, &["write"], ScopeMatch::All).unwrap());
            assert!(ClaimsView::case_unique(&v.object().unwrap()).is_ok());
        });
    }

    /// A damaged index (out of bounds, inside a character, not a name) is an error.
    #[test]
    fn a_damaged_index_is_an_error() {
        let text = r#"{"é":"x","b":1}"#;
        let members = Members::index(text).unwrap();
        let good = members.spans().to_vec();
        let mut cases = vec![];
        let mut out_of_bounds = good.clone();
        out_of_bounds[1][3] = 1000;
        cases.push(out_of_bounds);
        let mut inside_a_char = good.clone();
        inside_a_char[0][1] = 3;
        cases.push(inside_a_char);
        let mut not_a_name = good.clone();
        not_a_name[0] = [0, 1, 2, 3];
        cases.push(not_a_name);
        let mut reversed = good.clone();
        reversed[1][2] = reversed[1][3] + 1;
        cases.push(reversed);
        for index in &cases {
            let v = ClaimsView::new(text.as_bytes(), index);
            assert_eq!(
                v.json("b").unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{index:?}"
            );
        }
        // Not the payload it was made from: the values it points at are decoded, not trusted.
        let other = br#"{"e":"x","b":[]}"#;
        let v = ClaimsView::new(other, &good);
        assert!(v.int("b").is_err());
    }
}
