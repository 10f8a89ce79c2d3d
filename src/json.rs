//! Strict, cheap JSON object parsing for token headers and payloads.
//!
//! A JOSE header or JWT payload must be one JSON object with no duplicate members (RFC 7515
//! §4, RFC 7519 §4): a duplicate `alg` or `exp` is an ambiguity an attacker can exploit when
//! two parsers disagree. Members are kept as raw JSON slices so that only the members we
//! need are decoded (by serde_json), and nesting is bounded while validating.

use std::borrow::Cow;

/// The top-level members of a JSON object, in document order, values left undecoded.
#[derive(Debug)]
pub(crate) struct Members<'a> {
    members: Vec<(Cow<'a, str>, &'a str)>,
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

/// Nesting beyond which no policy is honoured: the validator recurses once per level.
const HARD_DEPTH_LIMIT: usize = 128;

impl<'a> Members<'a> {
    /// Parses `bytes` as one JSON object (RFC 8259, nothing more: no comments, no trailing
    /// commas, no leading zeros, no raw control characters in strings), nested at most
    /// `max_depth` levels, the object itself being the first.
    pub(crate) fn parse(bytes: &'a [u8], max_depth: usize) -> Result<Members<'a>, ObjectError> {
        // One fast UTF-8 pass over the whole object, then a validator that works on bytes.
        // The validator exists because this runs twice on every token (header and claims)
        // and serde_json's raw-value deserialisation cost about half of the library's own work
        // per verification; tests compare it with serde_json on a corpus and random inputs.
        let text = std::str::from_utf8(bytes)
            .map_err(|e| ObjectError::Invalid(format!("invalid UTF-8: {e}")))?;
        let mut scan = Scanner {
            b: bytes,
            i: 0,
            max_depth: max_depth.min(HARD_DEPTH_LIMIT),
        };
        let mut members = Vec::with_capacity(16);
        scan.space();
        scan.expect(b'{', "expected a JSON object")?;
        if 1 > scan.max_depth {
            return Err(ObjectError::TooDeep(max_depth));
        }
        scan.space();
        if scan.peek() == Some(b'}') {
            scan.i += 1;
        } else {
            loop {
                let key_start = scan.i;
                if scan.peek() != Some(b'"') {
                    return scan.invalid("expected a member name");
                }
                let escaped = scan.string()?;
                let raw_key = &text[key_start..scan.i];
                let name = if escaped {
                    // Rare: decoded by serde_json, which also refuses lone surrogates here.
                    Cow::Owned(
                        serde_json::from_str::<String>(raw_key)
                            .map_err(|e| ObjectError::Invalid(format!("member name: {e}")))?,
                    )
                } else {
                    Cow::Borrowed(&raw_key[1..raw_key.len() - 1])
                };
                scan.space();
                scan.expect(b':', "expected ':'")?;
                scan.space();
                let value_start = scan.i;
                scan.value(1).map_err(|e| match e {
                    ObjectError::TooDeep(_) => ObjectError::TooDeep(max_depth),
                    other => other,
                })?;
                members.push((name, &text[value_start..scan.i]));
                scan.space();
                match scan.next() {
                    Some(b',') => scan.space(),
                    Some(b'}') => break,
                    _ => {
                        scan.i = scan.i.saturating_sub(1);
                        return scan.invalid("expected ',' or '}'");
                    }
                }
            }
        }
        scan.space();
        if scan.i != bytes.len() {
            return scan.invalid("trailing characters after the object");
        }
        if let Some(dup) = first_duplicate(&members) {
            return Err(ObjectError::Duplicate(dup.to_string()));
        }
        Ok(Members { members })
    }

    /// The raw JSON text of member `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
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

fn first_duplicate<'m>(members: &'m [(Cow<'_, str>, &str)]) -> Option<&'m str> {
    if members.len() <= 16 {
        // Pairwise, on a fingerprint (length and first bytes) first: claim names are short and
        // many have the same length, so most pairs are told apart without a memcmp.
        let fingerprint = |name: &str| {
            let b = name.as_bytes();
            let mut head = [0u8; 8];
            let n = b.len().min(7);
            head[..n].copy_from_slice(&b[..n]);
            head[7] = b.len() as u8;
            u64::from_le_bytes(head)
        };
        let mut seen = [0u64; 16];
        for (i, (a, _)) in members.iter().enumerate() {
            let f = fingerprint(a);
            if (0..i).any(|j| seen[j] == f && members[j].0 == *a) {
                return Some(a);
            }
            seen[i] = f;
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

/// A validating cursor over JSON text already known to be UTF-8.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    max_depth: usize,
}

/// Eight copies of a byte, for the word-at-a-time string scan.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// A mask with the high bit set in the first byte of `w` (in memory order: `w` is loaded little
/// endian) that is a quote, a backslash or a control character (< 0x20), the bytes that end the
/// fast path of a string; zero if there is none. Each of the three classic tricks may also flag
/// bytes after a real match (a borrow carries), never before one, so the lowest flag is exact.
fn special_mask(w: u64) -> u64 {
    const LO: u64 = splat(0x01);
    const HI: u64 = splat(0x80);
    let zero_in = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let quote = zero_in(w ^ splat(b'"'));
    let backslash = zero_in(w ^ splat(b'\\'));
    let control = w.wrapping_sub(splat(0x20)) & !w & HI;
    quote | backslash | control
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn invalid<T>(&self, what: &str) -> Result<T, ObjectError> {
        Err(ObjectError::Invalid(format!("{what} at byte {}", self.i)))
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), ObjectError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.invalid(what)
        }
    }

    /// Validates the value at the cursor, which sits inside `depth` containers.
    fn value(&mut self, depth: usize) -> Result<(), ObjectError> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{') => self.container(depth, b'}'),
            Some(b'[') => self.container(depth, b']'),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.invalid("expected a value"),
        }
    }

    /// An object (`close` is `}`) or array (`]`) nested below `depth` containers.
    fn container(&mut self, depth: usize, close: u8) -> Result<(), ObjectError> {
        if depth + 1 > self.max_depth {
            return Err(ObjectError::TooDeep(self.max_depth));
        }
        self.i += 1;
        self.space();
        if self.peek() == Some(close) {
            self.i += 1;
            return Ok(());
        }
        loop {
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return self.invalid("expected a member name");
                }
                self.string()?;
                self.space();
                self.expect(b':', "expected ':'")?;
                self.space();
            }
            self.value(depth + 1)?;
            self.space();
            match self.next() {
                Some(b',') => self.space(),
                Some(c) if c == close => return Ok(()),
                _ => {
                    self.i = self.i.saturating_sub(1);
                    return self.invalid("expected ',' or the end of the container");
                }
            }
        }
    }

    /// A string at the cursor (on its opening quote); returns whether it has escapes.
    fn string(&mut self) -> Result<bool, ObjectError> {
        self.i += 1;
        let mut escaped = false;
        loop {
            // Straight to the next byte that needs a look: eight at a time, then one at a time
            // in the last few bytes.
            loop {
                let Some(chunk) = self.b.get(self.i..self.i + 8) else {
                    while self
                        .peek()
                        .is_some_and(|c| c != b'"' && c != b'\\' && c >= 0x20)
                    {
                        self.i += 1;
                    }
                    break;
                };
                let mask = special_mask(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
                if mask != 0 {
                    self.i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            match self.next() {
                None => return self.invalid("unterminated string"),
                Some(b'"') => return Ok(escaped),
                Some(b'\\') => {
                    escaped = true;
                    match self.next() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            let hex = self.b.get(self.i..self.i + 4);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return self.invalid("invalid \\u escape");
                            }
                            // As serde_json when it skips a value: any code unit, paired or not;
                            // a member that is read is decoded, and refused, by serde_json.
                            self.i += 4;
                        }
                        _ => {
                            self.i = self.i.saturating_sub(1);
                            return self.invalid("invalid escape");
                        }
                    }
                }
                Some(0x00..=0x1f) => {
                    self.i -= 1;
                    return self.invalid("control character in a string");
                }
                Some(_) => {}
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ObjectError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            self.invalid("invalid literal")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), ObjectError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.invalid("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), ObjectError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return self.invalid("invalid number");
        }
        self.digits();
        Ok(())
    }
}

/// Decodes a raw member as a string, borrowing when it has no escapes.
pub(crate) fn raw_str(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
}

/// Decodes a raw member that is an array of strings (each borrowed when it has no escapes);
/// `None` if it is anything else. `raw` must come from [`Members`], so it is valid JSON.
pub(crate) fn raw_str_array(raw: &str) -> Option<Vec<Cow<'_, str>>> {
    let inner = raw.strip_prefix('[')?.strip_suffix(']')?;
    let mut scan = Scanner {
        b: inner.as_bytes(),
        i: 0,
        max_depth: 1,
    };
    let mut out = Vec::new();
    scan.space();
    while scan.peek().is_some() {
        let start = scan.i;
        if scan.peek() != Some(b'"') {
            return None;
        }
        scan.string().ok()?;
        out.push(raw_str(&inner[start..scan.i])?);
        scan.space();
        match scan.next() {
            Some(b',') => scan.space(),
            None => break,
            Some(_) => return None,
        }
    }
    Some(out)
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

    /// The previous implementation, on serde_json: what the validator must agree with.
    fn serde_members(bytes: &[u8]) -> Option<Vec<(String, String)>> {
        use serde::de::{Deserializer, MapAccess, Visitor};
        use serde_json::value::RawValue;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: &'de RawValue = map.next_value()?;
                    out.push((k, v.get().to_string()));
                }
                Ok(out)
            }
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut de = serde_json::Deserializer::from_str(text);
        let members = (&mut de).deserialize_map(V).ok()?;
        de.end().ok()?;
        Some(members)
    }

    fn ours(bytes: &[u8]) -> Option<Vec<(String, String)>> {
        match Members::parse(bytes, 100) {
            Ok(m) => Some(
                m.members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            Err(ObjectError::Duplicate(_)) => None,
            Err(_) => None,
        }
    }

    fn without_duplicates(m: Option<Vec<(String, String)>>) -> Option<Vec<(String, String)>> {
        let m = m?;
        let mut names: Vec<&String> = m.iter().map(|(k, _)| k).collect();
        names.sort();
        names.dedup();
        (names.len() == m.len()).then_some(m)
    }

    /// Asserts that both accept (with the same members) or both refuse; returns whether
    /// they accepted.
    fn agree(input: &[u8]) -> bool {
        let want = without_duplicates(serde_members(input));
        assert_eq!(ours(input), want, "{:?}", String::from_utf8_lossy(input));
        want.is_some()
    }

    #[test]
    fn agrees_with_serde_json_on_edge_cases() {
        let cases: &[&[u8]] = &[
            br#"{}"#,
            b" \t\n\r{ \t\n\r} \t\n\r",
            br#"{"a":1}"#,
            br#"{"a":-0,"b":0.5,"c":1e5,"d":1E+5,"e":-1.5e-300,"f":1e999}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":-}"#,
            br#"{"a":1e}"#,
            br#"{"a":+1}"#,
            br#"{"a":0x10}"#,
            br#"{"a":true,"b":false,"c":null}"#,
            br#"{"a":tru}"#,
            br#"{"a":nul}"#,
            br#"{"a":True}"#,
            br#"{"a":"\"\\\/\b\f\n\r\t\u0041\u00e9"}"#,
            br#"{"a":"\x"}"#,
            br#"{"a":"\u12"}"#,
            br#"{"a":"\u12G4"}"#,
            br#"{"a":"\ud800"}"#,
            br#"{"a":"\ud83d\ude00"}"#,
            br#"{"\ud800":1}"#,
            br#"{"\u0061":1}"#,
            "{\"a\":\"\u{1}\"}".as_bytes(),
            "{\"a\":\"\u{7f}\"}".as_bytes(),
            "{\"a\":\"é🙂\"}".as_bytes(),
            b"{\"a\":\"\xff\"}",
            br#"{"a":[1,[2,{"b":[]}],"x"]}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":[,1]}"#,
            br#"{"a":{"b":1,}}"#,
            br#"{"a":{"b"}}"#,
            br#"{"a":{"b":}}"#,
            br#"{"a":{1:2}}"#,
            br#"{"a":1,}"#,
            br#"{,"a":1}"#,
            br#"{"a" 1}"#,
            br#"{"a":1 "b":2}"#,
            br#"{"a":1}}"#,
            br#"{"a":1} x"#,
            br#"{"a":"#,
            br#"{"a":"abc"#,
            br#"{"a""#,
            br#"{'a':1}"#,
            br#"{a:1}"#,
            br#"[]"#,
            br#""s""#,
            b"",
            b"\xef\xbb\xbf{}",
            b"{\"a\":1,\"a\":2}",
            br#"{"a":"12345678\"12345678","b":"1234567\\"}"#,
            br#"{"long":"0123456789abcdef0123456789abcdef0123456789abcdef\n"}"#,
        ];
        for c in cases {
            agree(c);
        }
    }

    /// Random JSON-like inputs, mostly invalid, and valid objects with one byte changed.
    #[test]
    fn agrees_with_serde_json_on_random_inputs() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        const PIECES: &[&str] = &[
            "{", "}", "[", "]", "\"", "\\", ":", ",", " ", "\n", "0", "1", "9", "-", ".", "e", "E",
            "+", "true", "false", "null", "tru", "\"a\"", "\"b\"", "\\u0041", "\\ud800", "\\u00",
            "é", "\u{1}", "\t", "x", "\"k\":", "00", "1.5", "\\n",
        ];
        let cases = if cfg!(miri) { 200 } else { 20_000 };
        let mut accepted = 0;
        for _ in 0..cases {
            let mut s = String::from("{");
            for _ in 0..rand(12) {
                s.push_str(PIECES[rand(PIECES.len())]);
            }
            s.push('}');
            accepted += usize::from(agree(s.as_bytes()));
        }
        assert!(
            accepted > 0,
            "no random input was valid: the test compares nothing"
        );
        const VALID: &[&str] = &[
            r#"{"iss":"https://issuer.example","aud":["api","web"],"exp":1700000000,"nbf":1.5e9}"#,
            r#"{"a":{"b":[1,2,{"c":null}],"d":"\u00e9\"x"},"e":[true,false,-0.0e-1]}"#,
            r#"{"sub":"user-42","groups":["ops","dev"],"admin":true,"n":[[],{}]}"#,
        ];
        let bytes: &[u8] = b"{}[]\":,\\ 0-.eE+tfnu\x01\x7f\xc3";
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
            let ok = agree(&v);
            (valid, invalid) = (valid + usize::from(ok), invalid + usize::from(!ok));
        }
        // Both outcomes are exercised, not just one.
        assert!(
            valid > cases / 50 && invalid > cases / 50,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn string_arrays() {
        let m = Members::parse(
            br#"{"a":[ "x" , "y\"z", "\u0041" ],"b":[],"c":["x",1],"d":"s"}"#,
            4,
        )
        .unwrap();
        let a: Vec<String> = raw_str_array(m.get("a").unwrap())
            .unwrap()
            .into_iter()
            .map(|s| s.into_owned())
            .collect();
        assert_eq!(a, ["x", "y\"z", "A"]);
        assert_eq!(raw_str_array(m.get("b").unwrap()).unwrap().len(), 0);
        assert!(raw_str_array(m.get("c").unwrap()).is_none());
        assert!(raw_str_array(m.get("d").unwrap()).is_none());
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
