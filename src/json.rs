//! The one reader of a token's JSON: its header and its payload.
//!
//! A JOSE header or JWT payload must be one JSON object with no duplicate members (RFC 7515
//! §4, RFC 7519 §4). Validation, the claim getters (Rust and C) and the command line tool all
//! read the object this module returns, so they cannot disagree about what a token says: two
//! readers that differ on duplicates, huge numbers or broken strings are a classic way to
//! smuggle a claim past one of them.
//!
//! serde_json does the parsing. Visitors on top of it build the [`Object`] ([`parse_object`])
//! or, for the checks made on every token, keep only the [`Field`]s those need
//! ([`read_fields`]); both apply the same rules, and refuse what serde_json's own `Value`
//! would let through or what a consumer could read differently:
//! - a member name twice in any object, at any depth (`{"x":{"role":"user","role":"admin"}}`);
//! - nesting deeper than the caller's limit (and never more than [`HARD_DEPTH_LIMIT`]).
//!
//! - a number that readers of JSON read as different values (see below).
//!
//! serde_json itself refuses, because every value is decoded and none skipped: numbers beyond
//! `f64` (`1e999`), lone surrogates (`"\ud800"`), bad UTF-8, a byte-order mark, trailing data.
//!
//! # Numbers
//!
//! Every language reads the claims from these bytes (C and C++ through the getters, Python's
//! `json`, Go's `encoding/json`), so a number must mean one value to all of them. They part
//! ways beyond 64 bits: serde_json (like JavaScript and most C parsers) rounds an integer
//! beyond the 64-bit range to the nearest `f64`, where Python and Go's `json.Number` keep it
//! exact. So:
//! - an integer written without fraction or exponent is read exactly when it lies in
//!   [-2^63, 2^64 - 1] (serde_json's `i64` and `u64`), and refused beyond;
//! - any other number (with a fraction or an exponent) is read as the nearest `f64`, correctly
//!   rounded (serde_json's `float_roundtrip`), as Python's `float()` and Go's
//!   `strconv.ParseFloat` read it; its magnitude must be below 2^63, since serde_json reads a
//!   longer integer as such a float too and cannot tell which of the two was written;
//! - `-0` (like `-0.0`) is the floating-point negative zero: a number, not an integer
//!   (`jwks_token_claim_int` answers `TYPE_MISMATCH`; Python's claims show `-0.0`).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// A decoded JSON object: a token's header or claims.
pub(crate) type Object = Map<String, Value>;

/// Why an object could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectError {
    /// Nesting deeper than allowed (the limit the caller asked for).
    TooDeep(usize),
    /// Not valid JSON, not an object, or bad UTF-8.
    Invalid(String),
    /// A member name appears twice in one object (at any depth).
    Duplicate(String),
}

/// Nesting beyond which no limit is honoured: below serde_json's own recursion limit (128),
/// so that our limit, with its clear error, is always the one that fires. It is also the top
/// of `max_json_depth`'s range in the options catalogue, so a checked `Policy` (every verifier
/// has one) never asks for more: the cap below only guards this reader's own callers.
pub(crate) const HARD_DEPTH_LIMIT: usize = 100;

/// Parses `bytes` as exactly one JSON object (RFC 8259; surrounding whitespace allowed),
/// nested at most `max_depth` levels, the object itself being the first.
pub(crate) fn parse_object(bytes: &[u8], max_depth: usize) -> Result<Object, ObjectError> {
    read(bytes, max_depth, |rules, de| {
        de.deserialize_map(WholeObject(rules))
    })
}

/// The top-level object for [`parse_object`]: every member built by [`Reader`].
struct WholeObject<'f>(Rules<'f>);

impl<'de> Visitor<'de> for WholeObject<'_> {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object, A::Error> {
        read_map(self.0, map)
    }
}

/// An object found where `rules` apply, every member built by [`Reader`].
fn read_map<'de, A: MapAccess<'de>>(rules: Rules<'_>, mut map: A) -> Result<Object, A::Error> {
    let inner = Reader(rules.enter()?);
    let mut object = Map::new();
    while let Some(name) = map.next_key::<String>()? {
        let value = map.next_value_seed(inner)?;
        match object.entry(name) {
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
            Entry::Occupied(slot) => {
                return Err(rules.fail(ObjectError::Duplicate(slot.key().clone())))
            }
        }
    }
    Ok(object)
}

/// Reads `bytes` under exactly the rules of [`parse_object`] (it accepts and refuses the same
/// inputs) but keeps only the top-level members whose name `keep` accepts, as [`Field`]s
/// borrowed from `bytes`: the checks made on every token then build no map and copy no
/// string.
pub(crate) fn read_fields<'a>(
    bytes: &'a [u8],
    max_depth: usize,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Fields<'a>, ObjectError> {
    read(bytes, max_depth, |rules, de| {
        de.deserialize_map(TopLevel { rules, keep })
    })
}

/// What [`read_object_member`] found of the member it was asked for.
#[derive(Debug)]
pub(crate) enum MemberObject<'a> {
    /// The object has no such member.
    Absent,
    /// The member's value is not an object.
    NotObject,
    /// The member is an object: its members that `keep` names.
    Object(Fields<'a>),
}

/// Reads `bytes` under exactly the rules of [`parse_object`], keeping of the top-level member
/// `name`, when its value is an object, that object's members which `keep` names (as
/// [`read_fields`] keeps top-level ones): e.g. a token's `cnf` confirmation members.
pub(crate) fn read_object_member<'a>(
    bytes: &'a [u8],
    max_depth: usize,
    name: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Result<MemberObject<'a>, ObjectError> {
    read(bytes, max_depth, |rules, de| {
        de.deserialize_map(MemberTop { rules, name, keep })
    })
}

/// The top-level object for [`read_object_member`].
struct MemberTop<'f, 'k> {
    rules: Rules<'f>,
    name: &'k str,
    keep: &'k dyn Fn(&str) -> bool,
}

impl<'de> Visitor<'de> for MemberTop<'_, '_> {
    type Value = MemberObject<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MemberObject<'de>, A::Error> {
        let inner = self.rules.enter()?;
        let mut found = MemberObject::Absent;
        let mut names = Names::default();
        while let Some(name) = map.next_key_seed(Name)? {
            if name == self.name {
                found = map.next_value_seed(InnerObject {
                    rules: inner,
                    keep: self.keep,
                })?;
            } else {
                map.next_value_seed(Check(inner))?;
            }
            if !names.insert(name.clone()) {
                return Err(inner.fail(ObjectError::Duplicate(name.into_owned())));
            }
        }
        Ok(found)
    }
}

/// The value of the member [`read_object_member`] looks for: its kept members if an object,
/// any other value checked as [`Check`] does.
#[derive(Clone, Copy)]
struct InnerObject<'f, 'k> {
    rules: Rules<'f>,
    keep: &'k dyn Fn(&str) -> bool,
}

impl<'de> DeserializeSeed<'de> for InnerObject<'_, '_> {
    type Value = MemberObject<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for InnerObject<'_, '_> {
    type Value = MemberObject<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(MemberObject::NotObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(MemberObject::NotObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(MemberObject::NotObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(MemberObject::NotObject)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Check(self.rules)
            .visit_f64(v)
            .map(|()| MemberObject::NotObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(MemberObject::NotObject)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Check(self.rules)
            .visit_seq(seq)
            .map(|()| MemberObject::NotObject)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        TopLevel {
            rules: self.rules,
            keep: self.keep,
        }
        .visit_map(map)
        .map(MemberObject::Object)
    }
}

/// Runs `visit` over `bytes` as the whole JSON text, under fresh [`Rules`].
fn read<'a, T>(
    bytes: &'a [u8],
    max_depth: usize,
    visit: impl FnOnce(
        Rules<'_>,
        &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
    ) -> Result<T, serde_json::Error>,
) -> Result<T, ObjectError> {
    let failure = Cell::new(None);
    let rules = Rules {
        depth: 0,
        limit: max_depth.min(HARD_DEPTH_LIMIT),
        asked: max_depth,
        failure: &failure,
    };
    // One UTF-8 check of the whole text (then serde_json skips its per-string one).
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ObjectError::Invalid(format!("invalid UTF-8: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = visit(rules, &mut de).and_then(|value| de.end().map(|()| value));
    // A limit or a duplicate is reported as such, not as serde_json's wrapping of it.
    parsed.map_err(|e| {
        failure
            .take()
            .unwrap_or_else(|| ObjectError::Invalid(e.to_string()))
    })
}

/// What [`read_fields`] keeps of a member's value: what the checks on it need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// A number (always finite).
    Num(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array whose items are all strings (or that is empty).
    Strs(Vec<Cow<'a, str>>),
    /// Any other array, or an object: checked under the rules, not kept.
    Other,
}

/// The top-level members [`read_fields`] kept, in document order (at most a handful).
#[derive(Debug, Default)]
pub(crate) struct Fields<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

impl<'a> Fields<'a> {
    /// The kept member `name`, if the object has it.
    pub(crate) fn get(&self, name: &str) -> Option<&Field<'a>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }
}

/// The limits every value is read under, and where a broken rule is recorded (serde_json's
/// error only carries a message). `depth` counts the containers around the value being read.
#[derive(Clone, Copy)]
struct Rules<'f> {
    depth: usize,
    limit: usize,
    asked: usize,
    failure: &'f Cell<Option<ObjectError>>,
}

impl Rules<'_> {
    /// The rules for the members or elements of a container found at this depth.
    fn enter<E: serde::de::Error>(self) -> Result<Self, E> {
        let depth = self.depth + 1;
        if depth > self.limit {
            return Err(self.fail(ObjectError::TooDeep(self.asked)));
        }
        Ok(Rules { depth, ..self })
    }

    /// A number serde_json read as a float (a fraction or an exponent, an integer beyond the
    /// 64-bit range, or `-0`): refused when its magnitude is 2^63 or more (see the module docs).
    fn float<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        if v.abs() < LIMIT {
            if let Some(n) = Number::from_f64(v) {
                return Ok(n);
            }
        }
        Err(self.fail(ObjectError::Invalid(format!(
            "number {v:e} is out of range: readers of JSON disagree on numbers of magnitude 2^63 \
             or more (an integer must lie in [-2^63, 2^64-1])"
        ))))
    }

    /// Records why reading stopped and returns an error that stops it.
    fn fail<E: serde::de::Error>(self, why: ObjectError) -> E {
        let e = E::custom(match &why {
            ObjectError::TooDeep(max) => format!("nested deeper than {max} levels"),
            ObjectError::Duplicate(name) => format!("duplicate member {name:?}"),
            ObjectError::Invalid(m) => m.clone(),
        });
        self.failure.set(Some(why));
        e
    }
}

/// The names of one object's members, to refuse a second occurrence. Borrowed from the input
/// when they have no escapes. Objects are small: a linear scan, then a set for large ones.
#[derive(Default)]
struct Names<'de> {
    list: Vec<Cow<'de, str>>,
    set: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> Names<'de> {
    /// Adds `name`; false if it was already there.
    fn insert(&mut self, name: Cow<'de, str>) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(name);
        }
        if self.list.contains(&name) {
            return false;
        }
        if self.list.is_empty() {
            self.list.reserve(8);
        }
        self.list.push(name);
        if self.list.len() > 16 {
            self.set = Some(self.list.drain(..).collect());
        }
        true
    }
}

/// A member name, borrowed when it has no escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// The top-level object for [`read_fields`]: kept members captured, the others only checked.
struct TopLevel<'f, 'k> {
    rules: Rules<'f>,
    keep: &'k dyn Fn(&str) -> bool,
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
        let inner = self.rules.enter()?;
        let mut kept = Fields::default();
        let mut names = Names::default();
        while let Some(name) = map.next_key_seed(Name)? {
            if (self.keep)(&name) {
                let field = map.next_value_seed(Capture(inner))?;
                kept.0.push((name.clone(), field));
            } else {
                map.next_value_seed(Check(inner))?;
            }
            if !names.insert(name.clone()) {
                return Err(inner.fail(ObjectError::Duplicate(name.into_owned())));
            }
        }
        Ok(kept)
    }
}

/// Captures a kept member's value as a [`Field`], under the [`Rules`] (what it does not keep,
/// it checks as [`Check`] does).
#[derive(Clone, Copy)]
struct Capture<'f>(Rules<'f>);

impl<'de> DeserializeSeed<'de> for Capture<'_> {
    type Value = Field<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Capture<'_> {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Field<'de>, E> {
        Ok(Field::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Field<'de>, E> {
        Ok(Field::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Field<'de>, E> {
        Ok(Field::Num(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Field<'de>, E> {
        Ok(Field::Num(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Field<'de>, E> {
        self.0.float(v).map(Field::Num)
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        let inner = self.0.enter()?;
        let mut strings = Some(Vec::new());
        while let Some(item) = seq.next_element_seed(Capture(inner))? {
            match (item, &mut strings) {
                (Field::Str(s), Some(list)) => list.push(s),
                _ => strings = None,
            }
        }
        Ok(strings.map_or(Field::Other, Field::Strs))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
        Check(self.0).visit_map(map).map(|()| Field::Other)
    }
}

/// Checks a value under the [`Rules`] without keeping it: every string and number is still
/// decoded (`deserialize_any`, never `ignored_any`), so it refuses exactly what [`Reader`]
/// refuses.
#[derive(Clone, Copy)]
struct Check<'f>(Rules<'f>);

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.0.float(v).map(|_| ())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = Check(self.0.enter()?);
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = Check(self.0.enter()?);
        let mut names = Names::default();
        while let Some(name) = map.next_key_seed(Name)? {
            map.next_value_seed(inner)?;
            if !names.insert(name.clone()) {
                return Err(self.0.fail(ObjectError::Duplicate(name.into_owned())));
            }
        }
        Ok(())
    }
}

/// Builds a [`Value`] from what serde_json decodes, under the [`Rules`].
#[derive(Clone, Copy)]
struct Reader<'f>(Rules<'f>);

impl<'de> DeserializeSeed<'de> for Reader<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        // `any`, never `ignored_any`: every string and number is decoded, so whatever a
        // getter could not read is refused here.
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Reader<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.float(v).map(Value::Number)
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = Reader(self.0.enter()?);
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        read_map(self.0, map).map(Value::Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses with both paths of the reader, keeping every member and keeping none, and
    /// asserts that they accept and refuse alike.
    fn parse(bytes: &[u8]) -> Result<Object, ObjectError> {
        let all = parse_object(bytes, 16);
        for keep in [(|_| false) as fn(&str) -> bool, |_| true] {
            let fields = read_fields(bytes, 16, &keep);
            assert_eq!(
                all.as_ref().map(|_| ()),
                fields.as_ref().map(|_| ()),
                "{}",
                String::from_utf8_lossy(bytes)
            );
            if let (Ok(all), Ok(fields)) = (&all, &fields) {
                assert_eq!(fields.0.len(), if keep("") { all.len() } else { 0 });
            }
        }
        all
    }

    #[test]
    fn keeps_only_the_fields_asked_for() {
        let bytes = br#"{"alg":"RS256","x":{"y":[1,"\u0041"]},"kid":"\u006b","aud":["a","b"],"crit":[1],"n":-0,"b":true,"z":null}"#;
        let m = read_fields(bytes, 16, &|n| n != "x").unwrap();
        assert_eq!(m.0.len(), 7);
        assert_eq!(m.get("alg"), Some(&Field::Str("RS256".into())));
        assert!(matches!(m.get("alg"), Some(Field::Str(Cow::Borrowed(_)))));
        assert_eq!(m.get("kid"), Some(&Field::Str("k".into())));
        assert_eq!(
            m.get("aud"),
            Some(&Field::Strs(vec!["a".into(), "b".into()]))
        );
        assert_eq!(m.get("crit"), Some(&Field::Other));
        assert_eq!(
            m.get("n"),
            Some(&Field::Num(Number::from_f64(-0.0).unwrap()))
        );
        assert_eq!(m.get("b"), Some(&Field::Bool(true)));
        assert_eq!(m.get("z"), Some(&Field::Null));
        assert_eq!(m.get("x"), None);
        let m = read_fields(bytes, 16, &|n| n == "x").unwrap();
        assert_eq!(m.get("x"), Some(&Field::Other));
        assert_eq!(
            read_fields(br#"{"a":[]}"#, 16, &|_| true).unwrap().get("a"),
            Some(&Field::Strs(vec![]))
        );
        for keep in [
            (|n: &str| n == "a") as fn(&str) -> bool,
            |_| false,
            |_| true,
        ] {
            assert_eq!(
                read_fields(br#"{"a":1,"b":2,"a":3}"#, 16, &keep).unwrap_err(),
                ObjectError::Duplicate("a".into())
            );
            assert_eq!(
                read_fields(br#"{"b":1,"\u0062":2}"#, 16, &keep).unwrap_err(),
                ObjectError::Duplicate("b".into())
            );
        }
    }

    #[test]
    fn parses_members_and_rejects_duplicates() {
        let m = parse(br#"{"alg":"RS256","kid":"a\u0062","x":{"y":[1,2]}}"#).unwrap();
        assert_eq!(m["alg"], "RS256");
        assert_eq!(m["kid"], "ab");
        assert_eq!(m["x"]["y"][1], 2);
        assert!(!m.contains_key("nope"));
        assert_eq!(
            parse(br#"{"alg":"RS256","alg":"none"}"#).unwrap_err(),
            ObjectError::Duplicate("alg".into())
        );
        // Escaped spellings of the same name are still duplicates.
        assert_eq!(
            parse(br#"{"alg":"RS256","\u0061lg":"none"}"#).unwrap_err(),
            ObjectError::Duplicate("alg".into())
        );
    }

    /// A duplicate is refused in every object, however deep, in arrays too.
    #[test]
    fn rejects_nested_duplicates() {
        for bad in [
            &br#"{"x":{"role":"user","role":"admin"}}"#[..],
            br#"{"a":[{"b":1},{"c":1,"c":2}]}"#,
            br#"{"a":{"b":{"c":{"d":1,"e":2,"d":3}}}}"#,
            br#"{"a":{"r\u006fle":1,"role":2}}"#,
        ] {
            assert!(
                matches!(parse(bad), Err(ObjectError::Duplicate(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // The same name in sibling objects is not a duplicate.
        assert!(parse(br#"{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}"#).is_ok());
    }

    /// What a getter could not read is refused wherever it is, not only in members we use.
    #[test]
    fn rejects_what_a_reader_could_not_decode() {
        for bad in [
            &br#"{"x":1e999}"#[..],
            br#"{"x":-1e999}"#,
            br#"{"x":[1,{"y":1E400}]}"#,
            br#"{"x":"\ud800"}"#,
            br#"{"x":"\udc00"}"#,
            br#"{"x":["a","\ud83dx"]}"#,
            br#"{"\ud800":1}"#,
            b"{\"x\":\"\xff\"}",
            b"{\"x\":\"\xed\xa0\x80\"}",
            b"{\"\xc3\":1}",
        ] {
            assert!(
                matches!(parse(bad), Err(ObjectError::Invalid(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // A paired surrogate and -0 are fine.
        let m = parse(br#"{"x":"\ud83d\ude00","z":-0}"#).unwrap();
        assert_eq!(m["x"], "\u{1f600}");
        assert_eq!(m["z"].as_f64(), Some(0.0));
        assert_eq!(m["z"].as_i64(), None);
    }

    /// Integers are read exactly in [-2^63, 2^64-1] and refused beyond; other numbers are read
    /// as the nearest f64 below 2^63 in magnitude (the module docs, "Numbers").
    #[test]
    fn numbers_mean_one_value_to_every_reader() {
        for (text, exact) in [
            ("18446744073709551615", Number::from(u64::MAX)),
            ("-9223372036854775808", Number::from(i64::MIN)),
            ("9007199254740993", Number::from(9_007_199_254_740_993u64)),
            ("9223372036854775807", Number::from(i64::MAX)),
            ("9223372036854775808", Number::from(1u64 << 63)),
        ] {
            let doc = format!(r#"{{"n":{text},"a":[{text}],"o":{{"n":{text}}}}}"#);
            let m = parse(doc.as_bytes()).unwrap();
            assert_eq!(m["n"], Value::Number(exact.clone()), "{text}");
            assert_eq!(m["o"]["n"], Value::Number(exact), "{text}");
        }
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "-123456789012345678901234567890",
            "9223372036854775808.0",
            "9.3e18",
            "-9.223372036854775808e18",
            "1e300",
            "-1e300",
            "1e999",
        ] {
            for doc in [
                format!(r#"{{"n":{text}}}"#),
                format!(r#"{{"a":[1,{text}]}}"#),
                format!(r#"{{"o":{{"n":{text}}}}}"#),
            ] {
                assert!(
                    matches!(parse(doc.as_bytes()), Err(ObjectError::Invalid(m)) if m.contains("out of range")),
                    "{doc}"
                );
            }
        }
        for (text, value) in [
            ("9.2e18", 9.2e18f64),
            ("-9.2e18", -9.2e18),
            ("1.5", 1.5),
            ("1e-400", 0.0),
            ("-0.0", -0.0),
            ("-0", -0.0),
            ("1E2", 100.0),
            // Correctly rounded (float_roundtrip), as Python and Go read it.
            ("2.2250738585072011e-308", 2.225_073_858_507_201e-308),
            ("0.30000000000000004", 0.300_000_000_000_000_04),
            ("9.223372036854775e18", 9.223_372_036_854_775e18),
        ] {
            let doc = format!(r#"{{"n":{text}}}"#);
            let m = parse(doc.as_bytes()).unwrap();
            let got = m["n"].as_f64().unwrap();
            assert_eq!(got.to_bits(), value.to_bits(), "{text}");
            assert_eq!(
                got.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
    }

    /// serde_json's parse of numbers with a fraction or an exponent is the correctly rounded
    /// one (Rust's own `str::parse`), on many random spellings.
    #[test]
    fn floats_are_correctly_rounded() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let cases = if cfg!(miri) { 100 } else { 20_000 };
        for _ in 0..cases {
            // At least one digit on each side of the point.
            let digits = format!("{}0", rand() % 10_000_000_000_000_000_000);
            let cut = 1 + (rand() as usize) % (digits.len() - 1);
            let exp = (rand() % 40) as i64 - 30;
            let text = format!("{}.{}e{exp}", &digits[..cut], &digits[cut..]);
            let doc = format!(r#"{{"n":{text}}}"#);
            let parsed = text.parse::<f64>().unwrap();
            match parse(doc.as_bytes()) {
                Ok(m) => assert_eq!(
                    m["n"].as_f64().unwrap().to_bits(),
                    parsed.to_bits(),
                    "{text}"
                ),
                Err(_) => assert!(parsed.abs() >= 2f64.powi(63), "{text}"),
            }
        }
    }

    #[test]
    fn rejects_non_objects_trailing_data_and_bad_grammar() {
        for bad in [
            &b"[]"[..],
            b"1",
            b"\"s\"",
            b"null",
            b"{} {}",
            b"{}x",
            b"{",
            b"",
            b" ",
            b"\xff",
            b"\xef\xbb\xbf{}",
            br#"{"a":1,}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":+1}"#,
            br#"{"a":tru}"#,
            br#"{"a":"\x"}"#,
            br#"{"a":"\u12G4"}"#,
            br#"{'a':1}"#,
            br#"{a:1}"#,
            "{\"a\":\"\u{1}\"}".as_bytes(),
        ] {
            assert!(
                matches!(parse(bad), Err(ObjectError::Invalid(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let m = parse(b" \t\n\r{ \"a\" : [ ] , \"b\":{}} \t\n\r").unwrap();
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn depth_is_limited() {
        let nested = |levels: usize| {
            format!(
                "{{\"a\":{}{}}}",
                "[".repeat(levels - 1),
                "]".repeat(levels - 1)
            )
        };
        // The object is the first level, each bracket one more.
        assert!(parse_object(nested(16).as_bytes(), 16).is_ok());
        for keep in [(|_| false) as fn(&str) -> bool, |_| true] {
            assert!(read_fields(nested(16).as_bytes(), 16, &keep).is_ok());
            assert_eq!(
                read_fields(nested(17).as_bytes(), 16, &keep).unwrap_err(),
                ObjectError::TooDeep(16)
            );
        }
        assert_eq!(
            parse_object(nested(17).as_bytes(), 16).unwrap_err(),
            ObjectError::TooDeep(16)
        );
        assert_eq!(parse_object(b"{}", 0).unwrap_err(), ObjectError::TooDeep(0));
        // Objects count as arrays do.
        assert_eq!(
            parse_object(br#"{"a":{"b":{}}}"#, 2).unwrap_err(),
            ObjectError::TooDeep(2)
        );
        // Brackets inside strings do not count.
        assert!(parse_object(br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[\"[["}"#, 1).is_ok());
        // A limit above the hard one is clamped to it, and still reported as a depth error,
        // far below what would exhaust the stack.
        let deep = nested(5000);
        assert_eq!(
            parse_object(deep.as_bytes(), 1_000_000).unwrap_err(),
            ObjectError::TooDeep(1_000_000)
        );
        assert!(parse_object(nested(HARD_DEPTH_LIMIT).as_bytes(), 1_000_000).is_ok());
    }

    /// Whatever this reader accepts, serde_json's own `Value` reads the same way: no member
    /// seen by one reader and not by the other.
    #[test]
    fn agrees_with_serde_json_value_on_what_it_accepts() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        const VALID: &[&str] = &[
            r#"{"iss":"https://issuer.example","aud":["api","web"],"exp":1700000000,"nbf":1.5e9}"#,
            r#"{"a":{"b":[1,2,{"c":null}],"d":"\u00e9\"x"},"e":[true,false,-0.0e-1]}"#,
            r#"{"sub":"user-42","groups":["ops","dev"],"admin":true,"n":[[],{}]}"#,
        ];
        let bytes: &[u8] = b"{}[]\":,\\ 0-.eE+tfnu\x01\x7f\xc3";
        let cases = if cfg!(miri) { 200 } else { 20_000 };
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..cases {
            let mut v = VALID[rand(VALID.len())].as_bytes().to_vec();
            for _ in 0..1 + rand(2) {
                let at = rand(v.len());
                match rand(3) {
                    0 => v[at] = bytes[rand(bytes.len())],
                    1 => {
                        v.remove(at);
                    }
                    _ => v.insert(at, bytes[rand(bytes.len())]),
                }
            }
            match parse(&v) {
                Ok(ours) => {
                    let theirs: Value = serde_json::from_slice(&v).unwrap();
                    assert_eq!(Value::Object(ours), theirs);
                    valid += 1;
                }
                Err(_) => invalid += 1,
            }
        }
        // Both outcomes are exercised, not just one.
        assert!(
            valid > cases / 50 && invalid > cases / 50,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn many_members_duplicate_detection() {
        let mut s = String::from("{");
        for i in 0..100 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k7\":0}");
        assert_eq!(
            parse(s.as_bytes()).unwrap_err(),
            ObjectError::Duplicate("k7".into())
        );
        // Nested, past the switch from a list to a set.
        let nested = format!("{{\"x\":{s}}}");
        assert_eq!(
            parse(nested.as_bytes()).unwrap_err(),
            ObjectError::Duplicate("k7".into())
        );
        let fine = format!("{{\"x\":{}}}", s.replace(",\"k7\":0}", "}"));
        assert!(parse(fine.as_bytes()).is_ok());
    }
}
