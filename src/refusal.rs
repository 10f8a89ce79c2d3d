//! How a server answers a refused request: status, `WWW-Authenticate` challenges and
//! `DPoP-Nonce` (RFC 6750 §3, RFC 9449 §7.1, §7.2 and §9), one rule for every integration.
//!
//! - The status and the `error` code come from the error catalogue
//!   ([`ErrorKind::http_status`], [`ErrorKind::oauth_error`]): 401 `invalid_token`,
//!   `invalid_dpop_proof`, `use_dpop_nonce`; 400 `invalid_request`; 403 `insufficient_scope`;
//!   401 with no error code when the request carried no token; 503 and 500 with no challenge.
//! - One challenge per scheme accepted (by the route, else the verifier): `Bearer`, then
//!   `DPoP` with `algs`, the algorithms a proof may use. The error goes on the challenge of
//!   the scheme the request used (the `DPoP` one for a proof's error), or on each challenge
//!   when that cannot be told (RFC 9449 §7.2).
//! - With server nonces on, a 401 to a verifier that accepts DPoP carries the current nonce
//!   in `DPoP-Nonce` (always with `use_dpop_nonce`).
//! - `error_description` is the code's one-line description, the same in every language,
//!   never the detailed message (which may name keys or URLs).

use crate::dpop::TokenScheme;
use crate::error::{Error, ErrorKind};
use crate::verifier::request::{Request, Scheme};
use crate::verifier::Verifier;

/// The answer to a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What was refused.
    pub kind: ErrorKind,
    /// The HTTP status: 400, 401, 403, 500 or 503.
    pub status: u16,
    /// The `error` code of the challenge and the body (`invalid_token`...), or `None`.
    pub error: Option<&'static str>,
    /// The `error_description`: the code's one-line description.
    pub description: &'static str,
    /// The values of the `WWW-Authenticate` headers, one header each (none for 500 and 503).
    pub challenges: Vec<String>,
    /// The value of a `DPoP-Nonce` header, when one is to be sent.
    pub dpop_nonce: Option<String>,
}

/// Keeps a realm a quoted-string: `"` and `\` escaped, characters outside printable ASCII
/// dropped.
fn quote_realm(realm: &str) -> String {
    let mut out = String::with_capacity(realm.len() + 2);
    out.push('"');
    for c in realm.chars().filter(|c| (' '..='~').contains(c)) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// An RFC 6750 parameter value (`error_description`, `scope`): printable ASCII without `"`
/// and `\` (any other character becomes `?`).
fn quote_plain(value: &str) -> String {
    let body: String = value
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) && c != '"' && c != '\\' {
                c
            } else {
                '?'
            }
        })
        .collect();
    format!("\"{body}\"")
}

impl Verifier {
    /// How to answer a request refused with `kind` (the code of the error that
    /// [`verify_request`](Self::verify_request) or a scope check returned). `request` (if
    /// given) tells the scheme used and the route's schemes; `realm` and `scope` (the scopes
    /// needed, for [`ErrorKind::InsufficientScope`]) are added to the challenge when given;
    /// `now` is for the DPoP nonce.
    ///
    /// Errors: [`ErrorKind::Internal`] if the nonce source fails.
    pub fn refusal(
        &self,
        kind: ErrorKind,
        request: Option<&Request<'_>>,
        realm: Option<&str>,
        scope: Option<&str>,
        now: i64,
    ) -> Result<Refusal, Error> {
        let status = kind.http_status().unwrap_or(500);
        let error = kind.oauth_error();
        let mut refusal = Refusal {
            kind,
            status,
            error,
            description: kind.description(),
            challenges: Vec::new(),
            dpop_nonce: None,
        };
        if !matches!(status, 400 | 401 | 403) {
            return Ok(refusal);
        }
        let accepted = request
            .and_then(Request::route_scheme)
            .unwrap_or(self.policy().dpop.token_scheme);
        let used = request.and_then(Request::scheme_used);
        let used_accepted = used.filter(|u| match u {
            Scheme::Bearer => accepted.accepts_bearer(),
            Scheme::Dpop => accepted.accepts_dpop(),
        });
        let schemes = [
            (Scheme::Bearer, accepted.accepts_bearer()),
            (Scheme::Dpop, accepted.accepts_dpop()),
        ];
        for (scheme, on) in schemes {
            if !on {
                continue;
            }
            let carries_error = error.is_some()
                && if kind.is_dpop_proof_error() {
                    scheme == Scheme::Dpop
                } else {
                    used_accepted.is_none_or(|u| u == scheme)
                };
            let mut params = Vec::new();
            if let Some(realm) = realm {
                params.push(format!("realm={}", quote_realm(realm)));
            }
            if carries_error {
                if let Some(e) = error {
                    params.push(format!("error=\"{e}\""));
                    params.push(format!(
                        "error_description={}",
                        quote_plain(kind.description())
                    ));
                }
                if let Some(scope) = scope {
                    params.push(format!("scope={}", quote_plain(scope)));
                }
            }
            if scheme == Scheme::Dpop {
                let algs: Vec<&str> = self
                    .dpop_verifier()
                    .algorithms()
                    .iter()
                    .map(|a| a.name())
                    .collect();
                params.push(format!("algs=\"{}\"", algs.join(" ")));
            }
            let mut challenge = scheme.name().to_owned();
            if !params.is_empty() {
                challenge.push(' ');
                challenge.push_str(&params.join(", "));
            }
            refusal.challenges.push(challenge);
        }
        let dpop_matters = accepted != TokenScheme::Bearer || kind == ErrorKind::DpopNonceRequired;
        if status == 401 && dpop_matters {
            refusal.dpop_nonce = self.dpop_nonce(now)?;
        }
        Ok(refusal)
    }
}
