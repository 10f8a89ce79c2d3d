//! The answers to the proxy: allow (200, the configured claims as headers) or refuse (401,
//! 403, 503 and 400), with the `WWW-Authenticate` challenge the library's refusal rule
//! gives ([`Verifier::refusal`]), and the checks a route adds after verification
//! (its audiences and scopes).

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hyper::header::{HeaderName, HeaderValue, AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE};
use jwkskit::{unix_now, ErrorKind, ScopeMatch, VerifiedToken, Verifier};
use serde::Deserialize;
use serde_json::Value;

use super::config::{ClaimHeader, Config};
use super::routes::Route;

/// What `Retry-After` says when the keys are unavailable, in seconds.
pub const RETRY_AFTER_SECS: u32 = 5;

/// The outcome of a check, as the metrics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 200.
    Allow,
    /// 401: no token, or a token refused.
    Deny401,
    /// 403: a scope is missing, or the peer is not a trusted proxy.
    Deny403,
    /// 503: the keys are unavailable.
    Unavailable503,
    /// 400: the original request cannot be told or routed (or 500: misuse).
    BadRequest,
}

impl Decision {
    /// Every decision, in the order of the metrics.
    pub const ALL: [Decision; 5] = [
        Decision::Allow,
        Decision::Deny401,
        Decision::Deny403,
        Decision::Unavailable503,
        Decision::BadRequest,
    ];

    /// The metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny401 => "deny_401",
            Decision::Deny403 => "deny_403",
            Decision::Unavailable503 => "unavailable_503",
            Decision::BadRequest => "bad_request",
        }
    }
}

/// An answer, with what to log about it.
#[derive(Debug)]
pub struct Answer {
    /// How the metrics count it.
    pub decision: Decision,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Why it was refused (or which claims were left out), for the log; never the token.
    pub note: Option<String>,
}

impl Answer {
    /// A refusal with no challenge (400 for a request that cannot be told, 403 for a peer
    /// that is not trusted).
    pub fn plain(decision: Decision, status: u16, note: impl Into<String>) -> Answer {
        Answer {
            decision,
            status,
            headers: Vec::new(),
            note: Some(note.into()),
        }
    }

    /// Allowed without a token.
    pub fn anonymous() -> Answer {
        Answer {
            decision: Decision::Allow,
            status: 200,
            headers: Vec::new(),
            note: None,
        }
    }
}

/// The bearer token of the `Authorization` header (scheme compared case-insensitively), if
/// there is one.
pub fn bearer(headers: &hyper::HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at(value.iter().position(|&b| b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

#[derive(Deserialize)]
struct IssOnly<'a> {
    #[serde(borrow)]
    iss: Option<Cow<'a, str>>,
}

/// The issuer (index) whose verifier checks `token` on `route`: the route's one issuer, or
/// among several the one the token's (as yet unverified) `iss` names.
pub fn pick_issuer(
    config: &Config,
    route: &Route,
    token: &[u8],
) -> Result<usize, (ErrorKind, String)> {
    if let [only] = route.issuers[..] {
        return Ok(only);
    }
    let malformed = || {
        (
            ErrorKind::Malformed,
            "the payload cannot be read for its iss".to_owned(),
        )
    };
    let payload = token.split(|&b| b == b'.').nth(1).ok_or_else(malformed)?;
    let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
    let claims: IssOnly<'_> = serde_json::from_slice(&json).map_err(|_| malformed())?;
    let iss = claims
        .iss
        .ok_or_else(|| (ErrorKind::WrongIssuer, "the token has no iss".to_owned()))?;
    route
        .issuers
        .iter()
        .copied()
        .find(|&i| config.issuers[i].issuer == iss)
        .ok_or_else(|| {
            (
                ErrorKind::WrongIssuer,
                format!("iss {:?} is not accepted on this route", shorten(&iss)),
            )
        })
}

fn shorten(s: &str) -> String {
    let cut: String = s.chars().take(80).collect();
    if cut.len() < s.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// The route's checks after verification: the audiences it asks (or the issuer's own), then
/// its scopes.
pub fn route_checks(
    config: &Config,
    route: &Route,
    issuer: usize,
    token: &VerifiedToken,
) -> Result<(), (ErrorKind, String)> {
    let wanted = route
        .audiences
        .as_ref()
        .unwrap_or(&config.issuer_audiences[issuer]);
    // The verifier accepted `aud` against every audience any route asks of the issuer; this
    // route may ask fewer.
    if config.issuers[issuer].policy.audiences.len() != wanted.len() {
        let ok = match token.claim_json("aud") {
            Err(e) if e.kind() == ErrorKind::NotFound => wanted.is_empty(),
            Err(e) => return Err((e.kind(), e.message().to_owned())),
            Ok(_) => wanted
                .iter()
                .any(|a| token.claim_contains("aud", a).unwrap_or(false)),
        };
        if !ok {
            return Err((
                ErrorKind::WrongAudience,
                "aud names none of the route's audiences".to_owned(),
            ));
        }
    }
    for (list, how) in [
        (&route.scopes_all, ScopeMatch::All),
        (&route.scopes_any, ScopeMatch::Any),
    ] {
        if list.is_empty() {
            continue;
        }
        let required: Vec<&str> = list.iter().map(String::as_str).collect();
        match token.has_scopes(&required, how) {
            Ok(true) => {}
            Ok(false) => {
                let how = if how == ScopeMatch::All {
                    "all of"
                } else {
                    "one of"
                };
                return Err((
                    ErrorKind::InsufficientScope,
                    format!("the route needs {how} {}", list.join(" ")),
                ));
            }
            Err(e) => return Err((e.kind(), e.message().to_owned())),
        }
    }
    Ok(())
}

/// The answer to a refused token (or missing one): the status of its kind, with the
/// library's challenge (realm `jwks`), and `Retry-After` on a 503.
pub fn refuse(verifier: &Verifier, route: &Route, kind: ErrorKind, note: String) -> Answer {
    let scope = (kind == ErrorKind::InsufficientScope).then(|| route.scope_text());
    let refusal = verifier.refusal(kind, None, Some("jwks"), scope.as_deref(), unix_now());
    let (status, challenges) = match refusal {
        Ok(r) => (r.status, r.challenges),
        Err(_) => (500, Vec::new()),
    };
    let mut headers = Vec::new();
    for c in challenges {
        if let Ok(v) = HeaderValue::from_str(&c) {
            headers.push((WWW_AUTHENTICATE, v));
        }
    }
    let decision = match status {
        401 => Decision::Deny401,
        403 => Decision::Deny403,
        503 => {
            headers.push((RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS)));
            Decision::Unavailable503
        }
        _ => Decision::BadRequest,
    };
    Answer {
        decision,
        status,
        headers,
        note: Some(format!("{}: {note}", kind.name())),
    }
}

/// The allow answer: one header per configured claim the token has, in its text form;
/// claims whose text holds a control character are left out (and named in the note).
pub fn allow(config: &Config, token: &VerifiedToken) -> Answer {
    let mut headers = Vec::with_capacity(config.claims.len());
    let mut left_out: Vec<&str> = Vec::new();
    for ch in &config.claims {
        let Some(text) = claim_text(token, ch, &config.array_separator) else {
            continue;
        };
        match header_value(&text) {
            Some(v) => headers.push((ch.header.clone(), v)),
            None => left_out.push(&ch.claim),
        }
    }
    Answer {
        decision: Decision::Allow,
        status: 200,
        headers,
        note: (!left_out.is_empty()).then(|| {
            format!(
                "allowed; claims left out of the headers (control characters): {}",
                left_out.join(", ")
            )
        }),
    }
}

fn header_value(text: &str) -> Option<HeaderValue> {
    if text.chars().any(char::is_control) {
        return None;
    }
    HeaderValue::from_str(text).ok()
}

/// A claim's text for a header: a string as is, a number or boolean in its JSON form, an
/// array's elements so (strings as is) joined by `sep`, an object as JSON; `None` when
/// absent or null. A top-level claim named exactly as written is taken first, then the
/// dotted path through nested objects.
pub fn claim_text<'t>(
    token: &'t VerifiedToken,
    ch: &ClaimHeader,
    sep: &str,
) -> Option<Cow<'t, str>> {
    match token.claim_json(&ch.claim) {
        Ok(raw) => match raw.as_bytes().first() {
            Some(b'"') => token.claim_str(&ch.claim).ok().map(Cow::Borrowed),
            Some(b'[' | b'{') => serde_json::from_str::<Value>(raw)
                .ok()
                .and_then(|v| render(&v, sep))
                .map(Cow::Owned),
            Some(b'n') | None => None,
            Some(_) => Some(Cow::Borrowed(raw.trim())),
        },
        Err(_) if ch.path.len() > 1 => {
            let top: Value = serde_json::from_str(token.claim_json(&ch.path[0]).ok()?).ok()?;
            let mut at = &top;
            for key in &ch.path[1..] {
                at = at.as_object()?.get(key)?;
            }
            render(at, sep).map(Cow::Owned)
        }
        Err(_) => None,
    }
}

fn render(v: &Value, sep: &str) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(sep),
        ),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwkskit::issuer::{jwks_document, SigningKey};
    use jwkskit::{Algorithm, Policy};
    use serde_json::json;

    fn verified(claims: Value) -> VerifiedToken {
        let key = SigningKey::generate(Algorithm::ES256)
            .unwrap()
            .with_kid("k");
        let jwks = jwks_document(&[&key]).to_string();
        let verifier = Verifier::from_json(jwks.as_bytes(), Policy::default()).unwrap();
        verifier
            .verify(key.sign(&claims).unwrap().as_bytes())
            .unwrap()
    }

    fn header(claim: &str) -> ClaimHeader {
        ClaimHeader {
            header: HeaderName::from_static("x-claim"),
            claim: claim.to_owned(),
            path: claim.split('.').map(str::to_owned).collect(),
        }
    }

    #[test]
    fn claims_as_header_text() {
        let t = verified(json!({
            "exp": unix_now() + 600,
            "sub": "al\"ice\u{e9}", "n": 1.5e3, "i": -7, "b": false, "z": null,
            "arr": ["a", 2, true, {"k": "v"}], "org": {"tenant": "t1", "deep": {"x": [1, 2]}},
            "a.b": "dotted name", "a": {"b": "nested"}, "bad": "x\ny", "tab": "x\ty"
        }));
        let text = |c: &str| claim_text(&t, &header(c), ",").map(|c| c.into_owned());
        assert_eq!(text("sub").as_deref(), Some("al\"ice\u{e9}"));
        // Numbers as the token writes them (serde_json wrote 1.5e3 as 1500.0).
        assert_eq!(text("n").as_deref(), Some("1500.0"));
        assert_eq!(text("i").as_deref(), Some("-7"));
        assert_eq!(text("b").as_deref(), Some("false"));
        assert_eq!(text("z"), None);
        assert_eq!(text("absent"), None);
        assert_eq!(text("arr").as_deref(), Some("a,2,true,{\"k\":\"v\"}"));
        assert_eq!(text("org.tenant").as_deref(), Some("t1"));
        assert_eq!(text("org.deep.x").as_deref(), Some("1,2"));
        assert_eq!(text("org.none"), None);
        assert_eq!(text("sub.x"), None);
        assert_eq!(text("a.b").as_deref(), Some("dotted name"));
        // Control characters: the value has them, the header never does.
        assert_eq!(text("bad").as_deref(), Some("x\ny"));
        assert!(header_value("x\ny").is_none());
        assert!(header_value("x\ty").is_none());
        assert!(header_value("x\u{0}y").is_none());
        assert!(header_value("caf\u{e9}").is_some());
    }

    #[test]
    fn bearer_tokens() {
        let mut h = hyper::HeaderMap::new();
        assert_eq!(bearer(&h), None);
        for (value, want) in [
            ("Bearer abc", Some(&b"abc"[..])),
            ("bearer   abc ", Some(&b"abc"[..])),
            ("Basic abc", None),
            ("Bearer ", None),
            ("Bearer", None),
        ] {
            h.insert(AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer(&h), want, "{value:?}");
        }
    }
}
