//! A small builder for the corpus's cases: a case is a token, how it is verified, and the
//! answers the cases file (`cases.rs`) declares for its queries.

use serde_json::Value;

use super::format::{Case, Corpus, Query};
use super::keys::Key;

/// The time every JWT of the corpus is verified at.
pub const NOW: i64 = 1_700_000_000;

/// The expected result code names.
pub const OK: &str = "OK";
pub const NOT_FOUND: &str = "NOT_FOUND";
pub const TYPE_MISMATCH: &str = "TYPE_MISMATCH";
pub const INVALID_CLAIM: &str = "INVALID_CLAIM";
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
pub const TOO_LARGE: &str = "TOO_LARGE";
pub const MALFORMED: &str = "MALFORMED";

/// `has_scopes`: every required scope, or at least one.
pub const ALL: &str = "all";
pub const ANY: &str = "any";

/// The corpus being built.
pub struct Builder {
    pub corpus: Corpus,
}

/// A case being built, and what it was signed with (for the answers every verified token
/// gives: its payload, algorithm, header kid and the verifying key's kid).
pub struct CaseBuilder {
    case: Case,
    signed: Option<Signed>,
}

struct Signed {
    payload: Vec<u8>,
    alg: String,
    header_kid: Option<String>,
    key_kid: Option<String>,
}

impl Builder {
    pub fn new(preamble: &[&str]) -> Builder {
        Builder {
            corpus: Corpus {
                preamble: preamble.iter().map(|s| s.to_string()).collect(),
                ..Corpus::default()
            },
        }
    }

    pub fn keyset(&mut self, name: &str, jwks: Vec<u8>) {
        self.corpus.keysets.push((name.into(), jwks));
    }

    /// Adds a finished case.
    pub fn add(&mut self, case: &mut CaseBuilder) {
        let done = std::mem::replace(
            case,
            CaseBuilder {
                case: Case::default(),
                signed: None,
            },
        );
        assert!(
            !done.case.verify.kind.is_empty(),
            "{}: no verify",
            done.case.name
        );
        self.corpus.cases.push(done.case);
    }
}

/// Starts a case over key set `main`.
pub fn case(name: &str, note: &str) -> CaseBuilder {
    CaseBuilder {
        case: Case {
            name: name.into(),
            note: note.into(),
            keys: "main".into(),
            ..Case::default()
        },
        signed: None,
    }
}

fn query(kind: &str, args: &[&[u8]], answer: Result<Vec<Vec<u8>>, &str>) -> Query {
    let (code, values) = match answer {
        Ok(values) => (OK.to_owned(), values),
        Err(code) => (code.to_owned(), Vec::new()),
    };
    Query {
        kind: kind.into(),
        args: args.iter().map(|a| a.to_vec()).collect(),
        code,
        values,
    }
}

fn one(v: impl AsRef<[u8]>) -> Vec<Vec<u8>> {
    vec![v.as_ref().to_vec()]
}

fn flag(b: bool) -> Vec<Vec<u8>> {
    one(if b { "true" } else { "false" })
}

/// The kid of a JOSE header, decoded (None when absent or not a string).
fn header_kid(header: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(header).ok()?;
    v.get("kid")?.as_str().map(str::to_owned)
}

impl CaseBuilder {
    pub fn keys(&mut self, keyset: &str) -> &mut Self {
        self.case.keys = keyset.into();
        self
    }

    pub fn policy(&mut self, name: &str, value: &str) -> &mut Self {
        self.case
            .policy
            .push((name.into(), value.as_bytes().to_vec()));
        self
    }

    /// The usual policy: the issuer and audience of [`claims`](super::cases::claims).
    pub fn iss_aud(&mut self) -> &mut Self {
        self.policy("iss", super::cases::ISS)
            .policy("aud", super::cases::AUD)
    }

    /// Signs `payload` under the header `{"alg":ALG,"kid":KID}` of `key` (without kid when
    /// the key has none).
    pub fn by(&mut self, key: &Key, payload: impl AsRef<[u8]>) -> &mut Self {
        let header = match &key.kid {
            Some(kid) => format!(
                r#"{{"alg":"{}","kid":{}}}"#,
                key.alg,
                serde_json::to_string(kid).unwrap()
            ),
            None => format!(r#"{{"alg":"{}"}}"#, key.alg),
        };
        self.signed(key, &header, payload)
    }

    /// Signs `payload` under exactly this header.
    pub fn signed(&mut self, key: &Key, header: &str, payload: impl AsRef<[u8]>) -> &mut Self {
        let payload = payload.as_ref();
        self.case.token = key.token(header.as_bytes(), payload);
        self.signed = Some(Signed {
            payload: payload.to_vec(),
            alg: key.alg.into(),
            header_kid: header_kid(header.as_bytes()),
            key_kid: key.kid.clone(),
        });
        self
    }

    /// Uses exactly this token.
    pub fn token(&mut self, token: String) -> &mut Self {
        self.case.token = token;
        self.signed = None;
        self
    }

    /// Verified as a JWT at [`NOW`]; then the answers every verified token gives.
    pub fn jwt(&mut self, expect: &str) -> &mut Self {
        let now = NOW.to_string();
        self.verify(&[b"jwt", now.as_bytes()], expect)
    }

    /// Verified by its signature alone (a JWS); then the answers every verified token gives.
    pub fn jws(&mut self, expect: &str) -> &mut Self {
        self.verify(&[b"jws"], expect)
    }

    fn verify(&mut self, args: &[&[u8]], expect: &str) -> &mut Self {
        self.case.verify = query(
            "verify",
            args,
            if expect == OK {
                Ok(vec![])
            } else {
                Err(expect)
            },
        );
        if expect == OK {
            let s = self
                .signed
                .as_ref()
                .expect("a token verified OK was signed here");
            let (payload, alg, kid, key_kid) = (
                s.payload.clone(),
                s.alg.clone(),
                s.header_kid.clone(),
                s.key_kid.clone(),
            );
            self.push(query("payload", &[], Ok(one(payload))));
            self.push(query("alg", &[], Ok(one(alg))));
            self.push(query("kid", &[], kid.map(one).ok_or(NOT_FOUND)));
            self.push(query("key_id", &[], key_kid.map(one).ok_or(NOT_FOUND)));
        }
        self
    }

    fn push(&mut self, q: Query) -> &mut Self {
        assert_eq!(
            self.case.verify.code, OK,
            "{}: a query on a refused token",
            self.case.name
        );
        self.case.queries.push(q);
        self
    }

    /// `jwks_token_claims_readable`: Ok, or the code.
    pub fn readable(&mut self, answer: Result<(), &str>) -> &mut Self {
        self.push(query("readable", &[], answer.map(|()| vec![])))
    }

    /// `jwks_token_claims_case_unique`.
    pub fn case_unique(&mut self, answer: Result<(), &str>) -> &mut Self {
        self.push(query("case_unique", &[], answer.map(|()| vec![])))
    }

    /// `jwks_token_claim_string`: the decoded string.
    pub fn string(&mut self, name: &str, answer: Result<&str, &str>) -> &mut Self {
        self.push(query("string", &[name.as_bytes()], answer.map(one)))
    }

    /// `jwks_token_claim_int`.
    pub fn int(&mut self, name: &str, answer: Result<i64, &str>) -> &mut Self {
        self.push(query(
            "int",
            &[name.as_bytes()],
            answer.map(|n| one(n.to_string())),
        ))
    }

    /// `jwks_token_claim_bool`.
    pub fn bool(&mut self, name: &str, answer: Result<bool, &str>) -> &mut Self {
        self.push(query("bool", &[name.as_bytes()], answer.map(flag)))
    }

    /// `jwks_token_claim_json`: the value as written.
    pub fn json(&mut self, name: &str, answer: Result<&str, &str>) -> &mut Self {
        self.push(query("json", &[name.as_bytes()], answer.map(one)))
    }

    /// `jwks_token_claim_contains`.
    pub fn contains(&mut self, name: &str, value: &str, answer: Result<bool, &str>) -> &mut Self {
        self.push(query(
            "contains",
            &[name.as_bytes(), value.as_bytes()],
            answer.map(flag),
        ))
    }

    /// `jwks_token_scope_count` and `jwks_token_scope`: the scopes in order.
    pub fn scopes(&mut self, answer: Result<&[&str], &str>) -> &mut Self {
        self.push(query(
            "scopes",
            &[],
            answer.map(|list| list.iter().map(|s| s.as_bytes().to_vec()).collect()),
        ))
    }

    /// `jwks_token_has_scopes`, matching [`ALL`] or [`ANY`] of `required`.
    pub fn has_scopes(
        &mut self,
        how: &str,
        required: &[&str],
        answer: Result<bool, &str>,
    ) -> &mut Self {
        let mut args: Vec<&[u8]> = vec![how.as_bytes()];
        args.extend(required.iter().map(|s| s.as_bytes()));
        self.push(query("has_scopes", &args, answer.map(flag)))
    }
}
