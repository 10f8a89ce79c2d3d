//! Arbitrary bytes as a JWT payload through `Policy::check_claims`, with a fuzz-chosen policy
//! and clock. Never a panic; an accepted payload is re-checked independently with serde_json.
#![no_main]

use jwkskit::{Category, Policy};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::Value;

/// The fuzz input: a fixed 32-byte prefix that picks the policy and the clock, then the payload.
///
/// A fixed layout (rather than `arbitrary`) keeps raw JSON payloads usable as seeds: the seed
/// builder writes a prefix and appends a payload taken from the vectors.
struct Input<'a> {
    now: i64,
    leeway: u64,
    max_age: Option<u64>,
    require_exp: bool,
    depth: usize,
    issuers: Vec<String>,
    audiences: Vec<String>,
    required_claims: Vec<String>,
    payload: &'a [u8],
}

const PREFIX: usize = 32;
const ISSUERS: [&str; 4] = [
    "joe",
    "https://issuer.example",
    "",
    "https://issuer.example/",
];
const AUDIENCES: [&str; 4] = ["api", "web", "", "https://api.example"];
const CLAIMS: [&str; 8] = ["sub", "exp", "iat", "nbf", "aud", "iss", "jti", ""];

fn pick(mask: u8, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, n)| n.to_string())
        .collect()
}

impl<'a> Input<'a> {
    fn decode(data: &'a [u8]) -> Option<Input<'a>> {
        if data.len() < PREFIX {
            return None;
        }
        let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
        let max_age = word(16);
        Some(Input {
            now: word(0) as i64,
            leeway: word(8),
            max_age: (max_age != 0).then_some(max_age),
            require_exp: data[24] & 1 == 1,
            depth: usize::from(data[25] % 40),
            issuers: pick(data[26], &ISSUERS),
            audiences: pick(data[27], &AUDIENCES),
            required_claims: pick(data[28], &CLAIMS),
            payload: &data[PREFIX..],
        })
    }
}

/// The payload's members, values unparsed (each is parsed where the policy reads it).
type Claims<'a> = HashMap<String, &'a RawValue>;

fn value(claims: &Claims<'_>, name: &str) -> Option<Value> {
    claims.get(name).map(|raw| {
        serde_json::from_str(raw.get())
            .unwrap_or_else(|e| panic!("{name} was accepted but does not parse: {e}"))
    })
}

fn number(claims: &Claims<'_>, name: &str) -> Option<f64> {
    value(claims, name).map(|v| {
        v.as_f64()
            .unwrap_or_else(|| panic!("{name} was accepted but is not a number: {v}"))
    })
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .expect("aud items were accepted, so they are strings")
            })
            .collect(),
        other => panic!("aud was accepted but is {other}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::decode(data) else {
        return;
    };
    let mut policy = Policy {
        leeway: input.leeway,
        require_exp: input.require_exp,
        issuers: input.issuers,
        audiences: input.audiences,
        required_claims: input.required_claims,
        max_age: input.max_age,
        ..Policy::default()
    };
    policy.limits.max_json_depth = input.depth;
    let now = input.now;
    match policy.check_claims(input.payload, now) {
        Err(e) => {
            assert_eq!(e.category(), Category::TokenRejected, "{e}");
            assert!(!e.message().is_empty());
        }
        Ok(()) => {
            let claims: Claims<'_> = serde_json::from_slice(input.payload)
                .expect("an accepted payload is a JSON object");
            // One reader: whatever is accepted, serde_json's `Value` (what the claim getters,
            // the bindings and the CLI show) reads whole, with one member per name.
            let whole: Value = serde_json::from_slice(input.payload)
                .expect("an accepted payload is readable as a whole");
            assert_eq!(whole.as_object().map(|m| m.len()), Some(claims.len()));
            let (now_f, leeway) = (now as f64, policy.leeway as f64);
            match number(&claims, "exp") {
                Some(exp) => assert!(now_f < exp + leeway, "expired token accepted"),
                None => assert!(!policy.require_exp, "missing exp accepted"),
            }
            if let Some(nbf) = number(&claims, "nbf") {
                assert!(now_f + leeway >= nbf, "token used before nbf");
            }
            let iat = number(&claims, "iat");
            if let Some(iat) = iat {
                assert!(iat <= now_f + leeway, "iat in the future accepted");
            }
            if let Some(max_age) = policy.max_age {
                let iat = iat.expect("max_age set but no iat");
                let limit = max_age.saturating_add(policy.leeway) as f64;
                assert!(now_f - iat <= limit, "too old token accepted");
            }
            if !policy.issuers.is_empty() {
                let iss = value(&claims, "iss").expect("iss is present");
                let iss = iss.as_str().expect("iss is a string");
                assert!(policy.issuers.iter().any(|i| i == iss));
            }
            match value(&claims, "aud") {
                Some(aud) => {
                    let auds = strings(&aud);
                    assert!(auds.iter().any(|a| policy.audiences.iter().any(|w| w == a)));
                }
                None => assert!(policy.audiences.is_empty(), "missing aud accepted"),
            }
            for name in &policy.required_claims {
                assert!(claims.contains_key(name), "missing required claim {name:?}");
            }
        }
    }
});
