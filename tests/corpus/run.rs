//! The Rust runner: every case of the corpus through the Rust API (`Verifier`,
//! `VerifiedToken`), which the C functions and through them every binding call.

use jwkskit::{Algorithm, Error, Policy, ScopeMatch, VerifiedToken, Verifier};

use super::format::{text_of, Case, Corpus, Query};

/// What a query answered: the code's name and, on success, the values.
pub type Answer = (String, Vec<Vec<u8>>);

fn code(e: &Error) -> String {
    e.kind().name().to_owned()
}

fn ok(values: Vec<Vec<u8>>) -> Answer {
    ("OK".into(), values)
}

fn flag(b: bool) -> Vec<Vec<u8>> {
    vec![if b {
        b"true".to_vec()
    } else {
        b"false".to_vec()
    }]
}

fn answer<T>(r: Result<T, Error>, values: impl FnOnce(T) -> Vec<Vec<u8>>) -> Answer {
    match r {
        Ok(v) => ok(values(v)),
        Err(e) => (code(&e), vec![]),
    }
}

/// The policy a case names.
pub fn policy(case: &Case) -> Result<Policy, String> {
    let mut p = Policy::default();
    for (name, value) in &case.policy {
        let value = text_of(value)?.to_owned();
        match name.as_str() {
            "iss" => p.issuers.push(value),
            "aud" => p.audiences.push(value),
            "alg" => p
                .algorithms
                .push(Algorithm::from_name(&value).ok_or_else(|| format!("no algorithm {value}"))?),
            other => return Err(format!("unknown policy setting {other}")),
        }
    }
    Ok(p)
}

/// The verifier of a case: its key set under its policy.
pub fn verifier(corpus: &Corpus, case: &Case) -> Result<Verifier, String> {
    let keys = corpus
        .keyset(&case.keys)
        .ok_or_else(|| format!("no key set {}", case.keys))?;
    Verifier::from_json(keys, policy(case)?).map_err(|e| format!("key set {}: {e}", case.keys))
}

/// Verifies a case's token as its `verify` line says.
pub fn verify(verifier: &Verifier, case: &Case) -> Result<Result<VerifiedToken, Error>, String> {
    let token = case.token.as_bytes();
    let v = &case.verify;
    Ok(
        match v.args.iter().map(Vec::as_slice).collect::<Vec<_>>()[..] {
            [b"jwt", now] => {
                let now = text_of(now)?
                    .parse::<i64>()
                    .map_err(|e| format!("now: {e}"))?;
                verifier.verify_at(token, now)
            }
            [b"jws"] => verifier.verify_signature(token),
            _ => return Err("verify takes `jwt NOW` or `jws`".into()),
        },
    )
}

/// A query's answer from a verified token.
pub fn ask(t: &VerifiedToken, q: &Query) -> Result<Answer, String> {
    let arg = |i: usize| -> Result<&str, String> {
        text_of(
            q.args
                .get(i)
                .ok_or_else(|| format!("{}: too few arguments", q.kind))?,
        )
    };
    let arity = |n: usize| -> Result<(), String> {
        if q.args.len() == n {
            Ok(())
        } else {
            Err(format!("{} takes {n} arguments", q.kind))
        }
    };
    let one = |s: &[u8]| vec![s.to_vec()];
    Ok(match q.kind.as_str() {
        "payload" => {
            arity(0)?;
            ok(one(t.payload()))
        }
        "alg" => {
            arity(0)?;
            ok(one(t.alg().name().as_bytes()))
        }
        "kid" => {
            arity(0)?;
            match t.kid() {
                Some(k) => ok(one(k.as_bytes())),
                None => ("NOT_FOUND".into(), vec![]),
            }
        }
        "key_id" => {
            arity(0)?;
            match t.key_id() {
                Some(k) => ok(one(k.as_bytes())),
                None => ("NOT_FOUND".into(), vec![]),
            }
        }
        "readable" => {
            arity(0)?;
            answer(t.claims_readable(), |()| vec![])
        }
        "case_unique" => {
            arity(0)?;
            answer(t.claims_case_unique(), |()| vec![])
        }
        "string" => {
            arity(1)?;
            answer(t.claim_str(arg(0)?), |s| one(s.as_bytes()))
        }
        "json" => {
            arity(1)?;
            answer(t.claim_json(arg(0)?), |s| one(s.as_bytes()))
        }
        "int" => {
            arity(1)?;
            answer(t.claim_i64(arg(0)?), |n| one(n.to_string().as_bytes()))
        }
        "bool" => {
            arity(1)?;
            answer(t.claim_bool(arg(0)?), flag)
        }
        "contains" => {
            arity(2)?;
            answer(t.claim_contains(arg(0)?, arg(1)?), flag)
        }
        "scopes" => {
            arity(0)?;
            answer(t.scopes(), |s| s.map(|s| s.as_bytes().to_vec()).collect())
        }
        "has_scopes" => {
            let how = match arg(0)? {
                "all" => ScopeMatch::All,
                "any" => ScopeMatch::Any,
                other => return Err(format!("has_scopes: {other} is not all or any")),
            };
            let required = (1..q.args.len()).map(arg).collect::<Result<Vec<_>, _>>()?;
            answer(t.has_scopes(&required, how), flag)
        }
        other => return Err(format!("unknown query kind {other}")),
    })
}
