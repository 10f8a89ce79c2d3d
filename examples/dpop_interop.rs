//! Verifies the DPoP requests that another implementation minted (tests/interop/dpop/mint.mjs:
//! the npm packages `dpop` and `jose`) and checks each verdict.
//!
//! Usage: `cargo run --example dpop_interop -- FILE.json` (scripts/test-interop.sh makes the
//! file). Exits 1 if any verdict differs.

use jwkskit::dpop::TokenScheme;
use jwkskit::{Policy, Request, Verifier};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: dpop_interop FILE.json")?;
    let doc: Value = serde_json::from_slice(&std::fs::read(&path)?)?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default()
    };
    let jwks = doc["jwks"].to_string();
    let mut wrong = 0;
    let cases = doc["cases"].as_array().ok_or("no cases")?;
    for case in cases {
        let mut policy = Policy {
            issuers: vec![text(&doc["issuer"])],
            audiences: vec![text(&doc["audience"])],
            ..Policy::default()
        };
        policy.dpop.token_scheme = TokenScheme::Either;
        let verifier = Verifier::from_json(jwks.as_bytes(), policy)?;
        let (method, uri) = (text(&case["method"]), text(&case["uri"]));
        let (authorization, dpop) = (list(&case["authorization"]), list(&case["dpop"]));
        let mut request = Request::new(&method, &uri);
        for a in &authorization {
            request = request.authorization(a);
        }
        for d in &dpop {
            request = request.dpop(d);
        }
        let now = case["now"].as_i64().ok_or("no now")?;
        for (i, expect) in list(&case["expect"]).iter().enumerate() {
            let got = match verifier.verify_request_at(&request, now) {
                Ok(_) => "OK".to_owned(),
                Err(e) => format!("{} ({})", e.kind().name(), e.message()),
            };
            let ok = got.split(' ').next() == Some(expect.as_str());
            println!(
                "{} {} #{}: {got}",
                if ok { "ok  " } else { "FAIL" },
                text(&case["name"]),
                i + 1
            );
            wrong += usize::from(!ok);
        }
    }
    println!(
        "{} cases from other implementations, {wrong} verdicts differ",
        cases.len()
    );
    if wrong > 0 {
        std::process::exit(1);
    }
    Ok(())
}
