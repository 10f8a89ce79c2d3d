//! The cross-language corpus file (`tests/vectors/corpus/cases.txt`): its model, its writer
//! and its reader. The format is described in `tests/vectors/corpus/README.md`; in short, one
//! record per line, fields separated by a tab, every field percent-encoded (bytes outside
//! `!`..`~`, and `%` and `=`, as `%XX`), a query's arguments and its answer on either side of
//! a field `=>`.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;

/// The format's name and version, on the first record line.
pub const FORMAT: &str = "jwks-corpus";
/// The version of the format this reader and writer speak.
pub const VERSION: &str = "1";

/// Where the corpus lives in the repository.
pub fn path() -> PathBuf {
    // From the library's crate or the tool's (`cli/`, one level down in the workspace).
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = "tests/vectors/corpus/cases.txt";
    manifest
        .ancestors()
        .map(|dir| dir.join(file))
        .find(|p| p.exists())
        .unwrap_or_else(|| manifest.join(file))
}

/// The whole corpus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Corpus {
    /// Comment lines written before the first record (without their `# `).
    pub preamble: Vec<String>,
    /// Named key sets (JWKS JSON), referred to by the cases.
    pub keysets: Vec<(String, Vec<u8>)>,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

/// One token, how it is verified, and the queries on the verified token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Case {
    /// A unique name.
    pub name: String,
    /// What the case is about (written as a comment; not read back).
    pub note: String,
    /// The name of the key set.
    pub keys: String,
    /// Policy settings, in order: (name, value); the names are `iss`, `aud` and `alg`, each
    /// repeatable.
    pub policy: Vec<(String, Vec<u8>)>,
    /// The compact token.
    pub token: String,
    /// The verification: `verify` with the mode (`jwt` NOW or `jws`) and the expected result.
    pub verify: Query,
    /// The queries on the verified token (none when the verification fails).
    pub queries: Vec<Query>,
}

/// A query and its expected answer: `kind args... => code values...`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub kind: String,
    pub args: Vec<Vec<u8>>,
    /// The expected result code's name (`OK`, `NOT_FOUND`, `INVALID_CLAIM`, ...).
    pub code: String,
    /// The expected values when the code is `OK`.
    pub values: Vec<Vec<u8>>,
}

impl Corpus {
    /// The number of queries, the verifications not counted.
    pub fn query_count(&self) -> usize {
        self.cases.iter().map(|c| c.queries.len()).sum()
    }

    /// The key set named `name`.
    pub fn keyset(&self, name: &str) -> Option<&[u8]> {
        self.keysets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, j)| j.as_slice())
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            if line.is_empty() {
                out.push_str("#\n");
            } else {
                writeln!(out, "# {line}").unwrap();
            }
        }
        line(
            &mut out,
            &[b"format", FORMAT.as_bytes(), VERSION.as_bytes()],
        );
        for (name, json) in &self.keysets {
            line(&mut out, &[b"keyset", name.as_bytes(), json]);
        }
        for case in &self.cases {
            out.push('\n');
            for note in case.note.lines() {
                writeln!(out, "# {note}").unwrap();
            }
            line(&mut out, &[b"case", case.name.as_bytes()]);
            line(&mut out, &[b"keys", case.keys.as_bytes()]);
            for (name, value) in &case.policy {
                line(&mut out, &[b"policy", name.as_bytes(), value]);
            }
            line(&mut out, &[b"token", case.token.as_bytes()]);
            query_line(&mut out, &case.verify);
            for q in &case.queries {
                query_line(&mut out, q);
            }
        }
        out.push('\n');
        let (cases, queries) = (self.cases.len().to_string(), self.query_count().to_string());
        line(&mut out, &[b"end", cases.as_bytes(), queries.as_bytes()]);
        out
    }

    /// Reads a corpus, checking its structure (not the meaning of its queries: that is each
    /// runner's).
    pub fn parse(text: &str) -> Result<Corpus, String> {
        let mut corpus = Corpus::default();
        let mut format_seen = false;
        let mut end: Option<(usize, usize)> = None;
        let mut case: Option<Case> = None;
        for (n, raw) in text.lines().enumerate() {
            let at = |m: String| format!("line {}: {m}", n + 1);
            if raw.is_empty() || raw.starts_with('#') {
                if !format_seen && raw.starts_with('#') {
                    corpus
                        .preamble
                        .push(raw.trim_start_matches('#').trim_start().to_owned());
                }
                continue;
            }
            if end.is_some() {
                return Err(at("a record after `end`".into()));
            }
            let fields: Vec<Vec<u8>> = raw
                .split('\t')
                .map(decode)
                .collect::<Result<_, _>>()
                .map_err(at)?;
            let kind = text_of(&fields[0]).map_err(at)?;
            if !format_seen {
                if kind != "format" || fields.len() != 3 {
                    return Err(at("the first record must be `format jwks-corpus 1`".into()));
                }
                if fields[1] != FORMAT.as_bytes() || fields[2] != VERSION.as_bytes() {
                    return Err(at(format!("not format {FORMAT} {VERSION}")));
                }
                format_seen = true;
                continue;
            }
            let want = |k: usize| -> Result<(), String> {
                if fields.len() == k {
                    Ok(())
                } else {
                    Err(at(format!("`{kind}` takes {} fields", k - 1)))
                }
            };
            match kind {
                "keyset" => {
                    want(3)?;
                    if case.is_some() {
                        return Err(at("key sets come before the cases".into()));
                    }
                    corpus
                        .keysets
                        .push((text_of(&fields[1]).map_err(at)?.into(), fields[2].clone()));
                }
                "case" => {
                    want(2)?;
                    if let Some(done) = case.take() {
                        corpus.cases.push(finish(done).map_err(at)?);
                    }
                    let name = text_of(&fields[1]).map_err(at)?.to_owned();
                    if corpus.cases.iter().any(|c| c.name == name) {
                        return Err(at(format!("case {name} twice")));
                    }
                    case = Some(Case {
                        name,
                        ..Case::default()
                    });
                }
                "end" => {
                    want(3)?;
                    if let Some(done) = case.take() {
                        corpus.cases.push(finish(done).map_err(at)?);
                    }
                    let count = |f: &[u8]| {
                        text_of(f)?
                            .parse::<usize>()
                            .map_err(|e| format!("bad count: {e}"))
                    };
                    end = Some((
                        count(&fields[1]).map_err(at)?,
                        count(&fields[2]).map_err(at)?,
                    ));
                }
                _ => {
                    let Some(c) = case.as_mut() else {
                        return Err(at(format!("`{kind}` outside a case")));
                    };
                    match kind {
                        "keys" => {
                            want(2)?;
                            let name = text_of(&fields[1]).map_err(at)?;
                            if corpus.keyset(name).is_none() {
                                return Err(at(format!("no key set {name}")));
                            }
                            c.keys = name.into();
                        }
                        "policy" => {
                            want(3)?;
                            let name = text_of(&fields[1]).map_err(at)?;
                            c.policy.push((name.into(), fields[2].clone()));
                        }
                        "token" => {
                            want(2)?;
                            c.token = text_of(&fields[1]).map_err(at)?.into();
                        }
                        _ => {
                            let q = query(&fields).map_err(at)?;
                            if q.kind == "verify" {
                                if !c.verify.kind.is_empty() {
                                    return Err(at("a second `verify` in a case".into()));
                                }
                                c.verify = q;
                            } else if c.verify.kind.is_empty() {
                                return Err(at(format!("`{}` before `verify`", q.kind)));
                            } else if c.verify.code != "OK" {
                                return Err(at("a query on a token that is refused".into()));
                            } else {
                                c.queries.push(q);
                            }
                        }
                    }
                }
            }
        }
        let Some((cases, queries)) = end else {
            return Err("no `end` record: the file is cut short".into());
        };
        if cases != corpus.cases.len() || queries != corpus.query_count() {
            return Err(format!(
                "`end` counts {cases} cases and {queries} queries; the file has {} and {}",
                corpus.cases.len(),
                corpus.query_count()
            ));
        }
        Ok(corpus)
    }
}

/// A case is complete: keys, a token and a verification.
fn finish(case: Case) -> Result<Case, String> {
    if case.keys.is_empty() || case.token.is_empty() || case.verify.kind.is_empty() {
        return Err(format!(
            "case {} lacks `keys`, `token` or `verify`",
            case.name
        ));
    }
    Ok(case)
}

/// A query line: `kind args... => code values...`.
fn query(fields: &[Vec<u8>]) -> Result<Query, String> {
    let arrow = fields
        .iter()
        .position(|f| f == b"=>")
        .ok_or_else(|| "a query without `=>`".to_owned())?;
    let answer = &fields[arrow + 1..];
    let Some(code) = answer.first() else {
        return Err("a query without an expected code".into());
    };
    let code = text_of(code)?.to_owned();
    if code != "OK" && answer.len() > 1 {
        return Err(format!("values after {code}"));
    }
    Ok(Query {
        kind: text_of(&fields[0])?.to_owned(),
        args: fields[1..arrow].to_vec(),
        code,
        values: answer[1..].to_vec(),
    })
}

fn line(out: &mut String, fields: &[&[u8]]) {
    let encoded: Vec<String> = fields.iter().map(|f| encode(f)).collect();
    out.push_str(&encoded.join("\t"));
    out.push('\n');
}

fn query_line(out: &mut String, q: &Query) {
    let mut fields: Vec<&[u8]> = vec![q.kind.as_bytes()];
    fields.extend(q.args.iter().map(Vec::as_slice));
    fields.push(b"=>");
    fields.push(q.code.as_bytes());
    fields.extend(q.values.iter().map(Vec::as_slice));
    // `=>` is the one field written as is: encoded, a value never reads as one.
    let encoded: Vec<String> = fields
        .iter()
        .map(|f| {
            if *f == b"=>" {
                "=>".to_owned()
            } else {
                encode(f)
            }
        })
        .collect();
    out.push_str(&encoded.join("\t"));
    out.push('\n');
}

/// Percent-encodes every byte outside `!`..`~`, and `%` and `=`.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x21..=0x7e).contains(&b) && b != b'%' && b != b'=' {
            s.push(b as char);
        } else {
            write!(s, "%{b:02X}").unwrap();
        }
    }
    s
}

/// The bytes of a field (`=>` stays as is).
pub fn decode(field: &str) -> Result<Vec<u8>, String> {
    if field == "=>" {
        return Ok(b"=>".to_vec());
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad escape in {field:?}"))?;
            out.push(hex);
            i += 3;
        } else if (0x21..=0x7e).contains(&b) && b != b'=' {
            out.push(b);
            i += 1;
        } else {
            return Err(format!("byte {b:#04x} not encoded in {field:?}"));
        }
    }
    Ok(out)
}

/// A field as UTF-8 text.
pub fn text_of(field: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(field).map_err(|_| format!("{:?} is not UTF-8", encode(field)))
}
