//! The cross-language corpus (`tests/vectors/corpus/cases.txt`): the file is exactly what the
//! generator (`cases.rs`) writes, it reads back as written, and the core gives every answer it
//! expects. The C, C++, Python and Go runners and the command line tool's test check their
//! own language against the same file.
//!
//! `BLESS=1 cargo test --test corpus` rewrites the file from the generator.

mod build;
mod cases;
mod format;
mod keys;
mod run;

use format::{encode, Corpus};
use serde_json::Value;

fn checked_in() -> String {
    std::fs::read_to_string(format::path()).expect("tests/vectors/corpus/cases.txt")
}

#[test]
fn the_file_is_what_the_generator_writes() {
    let generated = cases::corpus().to_text();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(format::path(), &generated).unwrap();
        return;
    }
    let file = checked_in();
    if file != generated {
        let line = file
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(file.lines().count().min(generated.lines().count()), |n| n);
        panic!(
            "tests/vectors/corpus/cases.txt differs from what tests/corpus writes, from line {}:\n  \
             file:      {:?}\n  generated: {:?}\nrun `BLESS=1 cargo test --test corpus` after \
             changing the cases, and review the difference",
            line + 1,
            file.lines().nth(line),
            generated.lines().nth(line)
        );
    }
}

/// Generating twice writes the same bytes: the signatures are deterministic.
#[test]
fn generating_is_deterministic() {
    assert_eq!(cases::corpus().to_text(), cases::corpus().to_text());
}

#[test]
fn the_file_reads_back_as_generated() {
    let mut generated = cases::corpus();
    for c in &mut generated.cases {
        c.note.clear();
    }
    let read = Corpus::parse(&generated.to_text()).unwrap();
    assert_eq!(read, generated);
}

#[test]
fn every_byte_survives_the_encoding() {
    let all: Vec<u8> = (0..=255).collect();
    let text = encode(&all);
    assert!(text
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b'='));
    assert_eq!(format::decode(&text).unwrap(), all);
    for bad in ["%", "%4", "%G0", "a b", "a\tb", "é", "a=b"] {
        assert!(format::decode(bad).is_err(), "{bad:?}");
    }
}

/// The reader refuses a file cut short, a count that is off, and queries where none belong.
#[test]
fn the_reader_refuses_broken_files() {
    let text = checked_in();
    let cut = &text[..text.rfind("\nend\t").unwrap() + 1];
    assert!(Corpus::parse(cut).unwrap_err().contains("cut short"));
    let (body, end) = text.split_at(text.rfind("\nend\t").unwrap() + 1);
    let counts: Vec<&str> = end.trim_end().split('\t').collect();
    let off = format!(
        "{body}end\t{}\t{}\n",
        counts[1],
        counts[2].parse::<usize>().unwrap() + 1
    );
    assert!(Corpus::parse(&off).unwrap_err().contains("counts"));
    let refused = text.replacen(
        "verify\tjwt\t1700000000\t=>\tEXPIRED\n",
        "verify\tjwt\t1700000000\t=>\tEXPIRED\nreadable\t=>\tOK\n",
        1,
    );
    assert_ne!(refused, text);
    assert!(Corpus::parse(&refused).unwrap_err().contains("refused"));
    assert!(Corpus::parse("format\tjwks-corpus\t2\nend\t0\t0\n").is_err());
}

/// The corpus covers what it promises: every query kind, both modes, refusals and answers.
#[test]
fn the_corpus_covers_every_query_kind() {
    let corpus = Corpus::parse(&checked_in()).unwrap();
    let mut kinds: Vec<&str> = corpus
        .cases
        .iter()
        .flat_map(|c| c.queries.iter().map(|q| q.kind.as_str()))
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "alg",
            "bool",
            "case_unique",
            "contains",
            "has_scopes",
            "int",
            "json",
            "key_id",
            "kid",
            "payload",
            "readable",
            "scopes",
            "string"
        ]
    );
    for mode in [&b"jwt"[..], b"jws"] {
        for ok in [true, false] {
            assert!(
                corpus
                    .cases
                    .iter()
                    .any(|c| c.verify.args[0] == mode && (c.verify.code == "OK") == ok),
                "{mode:?} {ok}"
            );
        }
    }
}

/// The Rust `claims()` map agrees with the getters where it can say the same.
fn check_map(t: &jwkskit::VerifiedToken, q: &format::Query, problems: &mut Vec<String>) {
    let Some(claims) = t.claims() else {
        if q.kind != "readable"
            && q.code == "OK"
            && !matches!(q.kind.as_str(), "payload" | "alg" | "kid" | "key_id")
        {
            problems.push(format!("{}: no claims map, yet answered", q.kind));
        }
        return;
    };
    let name = match q.args.first() {
        Some(n) => String::from_utf8(n.clone()).unwrap(),
        None => return,
    };
    let got = claims.get(&name);
    let expected: Option<Value> = match (q.kind.as_str(), q.code.as_str()) {
        ("string", "OK") => Some(Value::String(
            String::from_utf8(q.values[0].clone()).unwrap(),
        )),
        ("int", "OK") => Some(Value::from(
            std::str::from_utf8(&q.values[0])
                .unwrap()
                .parse::<i64>()
                .unwrap(),
        )),
        ("bool", "OK") => Some(Value::Bool(q.values[0] == b"true")),
        ("json", "OK") => Some(serde_json::from_slice(&q.values[0]).unwrap()),
        (_, "NOT_FOUND") => {
            if got.is_some() {
                problems.push(format!("{} {name}: NOT_FOUND, but the map has it", q.kind));
            }
            None
        }
        _ => None,
    };
    if let Some(expected) = expected {
        if got != Some(&expected) {
            problems.push(format!("{} {name}: the map has {got:?}", q.kind));
        }
    }
}

/// Every case through the Rust API, each query asked of two verifications of its token (a
/// JWT's second answered by the token cache).
#[test]
fn the_core_gives_every_expected_answer() {
    let corpus = Corpus::parse(&checked_in()).unwrap();
    let mut problems = Vec::new();
    let mut queries = 0;
    let mut hits = 0;
    for case in &corpus.cases {
        let verifier = run::verifier(&corpus, case).unwrap();
        for pass in ["full verification", "token cache hit"] {
            let before = verifier.token_cache_stats().hits;
            let verified = run::verify(&verifier, case).unwrap();
            let hit = verifier.token_cache_stats().hits > before;
            if hit {
                hits += 1;
            }
            if pass == "token cache hit"
                && case.verify.code == "OK"
                && case.verify.args[0] == b"jwt"
                && !hit
            {
                problems.push(format!(
                    "{}: the second verification was not a cache hit",
                    case.name
                ));
            }
            let got = match &verified {
                Ok(_) => "OK".to_owned(),
                Err(e) => e.kind().name().to_owned(),
            };
            if got != case.verify.code {
                let why = verified
                    .as_ref()
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                problems.push(format!(
                    "{} ({pass}): verify gave {got} ({why}), expected {}",
                    case.name, case.verify.code
                ));
                continue;
            }
            let Ok(t) = verified else { continue };
            for q in &case.queries {
                let (code, values) = run::ask(&t, q).unwrap();
                if code != q.code || values != q.values {
                    let show = |v: &[Vec<u8>]| v.iter().map(|b| encode(b)).collect::<Vec<_>>();
                    problems.push(format!(
                        "{} ({pass}): {} {:?} gave {code} {:?}, expected {} {:?}",
                        case.name,
                        q.kind,
                        show(&q.args),
                        show(&values),
                        q.code,
                        show(&q.values)
                    ));
                }
                let mut map_problems = Vec::new();
                check_map(&t, q, &mut map_problems);
                problems.extend(
                    map_problems
                        .into_iter()
                        .map(|m| format!("{} ({pass}): claims(): {m}", case.name)),
                );
                if pass == "full verification" {
                    queries += 1;
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(queries, corpus.query_count());
    assert!(hits > 0);
    println!(
        "corpus (Rust): {} cases, {queries} queries checked, each asked of two verifications of its token (a JWT's second answered by the token cache)",
        corpus.cases.len()
    );
}
