//! Verifying a request as a whole: its `Authorization` header (`Bearer` or `DPoP`), its DPoP
//! proof, the access token, and the token's binding to the proof's key or to the client
//! certificate (RFC 6750 §2.1, RFC 9449 §4.3 and §7, RFC 8705 §3).
//!
//! The order of the checks (each refusal names what failed):
//! 1. exactly one `Authorization` header, `scheme 1*SP token68`; none, or another scheme than
//!    `Bearer` and `DPoP`: [`ErrorKind::NoCredentials`]; several or malformed:
//!    [`ErrorKind::InvalidRequest`];
//! 2. the scheme is one the route or the verifier accepts (`token_scheme`);
//! 3. `DPoP`: exactly one `DPoP` header, and its proof passes every check but the replay store
//!    ([`crate::dpop::proof`]), with `ath` the hash of this token;
//! 4. the access token verifies (signature, claims; through the token cache);
//! 5. binding: with `DPoP`, `cnf.jkt` is the proof key's thumbprint; with `Bearer`, a token
//!    with `cnf.jkt` is refused unless `allow_dpop_bound_bearer`; a token with `cnf.x5t#S256`
//!    must match the client certificate (and one without is refused under
//!    `require_certificate_binding`);
//! 6. `DPoP`: the replay store records the proof, last, so that only a request that passed
//!    everything else spends its `jti`.

use super::{Binding, Verifier};
pub use crate::cnf::ClientCert;
use crate::cnf::Confirmation;
use crate::dpop::{ProofTarget, TokenScheme, VerifiedProof};
use crate::error::{err, Error, ErrorKind};
use crate::verified_token::VerifiedToken;

/// The `Authorization` scheme a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449 §7.1).
    Dpop,
}

impl Scheme {
    /// The scheme's name as sent: `Bearer` or `DPoP`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Bearer => "Bearer",
            Scheme::Dpop => "DPoP",
        }
    }
}

/// What a request verification needs of an HTTP request (or a gRPC call: method `POST`, the
/// URI of the method, metadata `authorization` and `dpop`).
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    method: &'a str,
    uri: &'a str,
    authorization: Vec<&'a str>,
    dpop: Vec<&'a str>,
    client_cert: Option<ClientCert<'a>>,
    token_scheme: Option<TokenScheme>,
}

impl<'a> Request<'a> {
    /// A request with its method (e.g. `GET`) and its absolute URI as the client addressed it
    /// (`https://api.example.com/orders?id=1`: what a DPoP proof's `htu` names; query and
    /// fragment are ignored). Behind a proxy that terminates TLS or rewrites paths, give the
    /// external URI (from configuration, or from forwarding headers the proxy sets and the
    /// client cannot), never one built from a `Host` header the client chose unchecked.
    pub fn new(method: &'a str, uri: &'a str) -> Request<'a> {
        Request {
            method,
            uri,
            ..Request::default()
        }
    }

    /// Adds the value of one `Authorization` header (call once per header received).
    pub fn authorization(mut self, value: &'a str) -> Request<'a> {
        self.authorization.push(value);
        self
    }

    /// Adds the value of one `DPoP` header (call once per header received).
    pub fn dpop(mut self, value: &'a str) -> Request<'a> {
        self.dpop.push(value);
        self
    }

    /// The client certificate (from the TLS layer or a trusted proxy's header).
    pub fn client_cert(mut self, cert: ClientCert<'a>) -> Request<'a> {
        self.client_cert = Some(cert);
        self
    }

    /// The schemes this request's route accepts, instead of the verifier's `token_scheme`.
    pub fn token_scheme(mut self, scheme: TokenScheme) -> Request<'a> {
        self.token_scheme = Some(scheme);
        self
    }

    /// The method.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The URI.
    pub fn uri(&self) -> &str {
        self.uri
    }

    /// The route's schemes, if it set them.
    pub fn route_scheme(&self) -> Option<TokenScheme> {
        self.token_scheme
    }

    /// The scheme the request used, when it used one unambiguously: exactly one
    /// `Authorization` header, of scheme `Bearer` or `DPoP`.
    pub fn scheme_used(&self) -> Option<Scheme> {
        credentials(&self.authorization).ok().map(|(s, _)| s)
    }
}

/// A request that passed: its verified access token and what bound it.
#[derive(Debug)]
pub struct VerifiedRequest {
    token: VerifiedToken,
    scheme: Scheme,
    proof: Option<VerifiedProof>,
    certificate_thumbprint: Option<String>,
}

impl VerifiedRequest {
    /// The verified access token.
    pub fn token(&self) -> &VerifiedToken {
        &self.token
    }

    /// The verified access token, taken.
    pub fn into_token(self) -> VerifiedToken {
        self.token
    }

    /// The scheme the token came with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The DPoP proof (scheme `DPoP`): its key's thumbprint is the token's `cnf.jkt`.
    pub fn proof(&self) -> Option<&VerifiedProof> {
        self.proof.as_ref()
    }

    /// The thumbprint of the DPoP key the token is bound to (scheme `DPoP`).
    pub fn dpop_jkt(&self) -> Option<&str> {
        self.proof.as_ref().map(|p| p.jkt.as_str())
    }

    /// The `x5t#S256` of the client certificate the token is bound to, when it is.
    pub fn certificate_thumbprint(&self) -> Option<&str> {
        self.certificate_thumbprint.as_deref()
    }

    /// With server nonces on, the nonce to send in a `DPoP-Nonce` header of the response,
    /// when the client's is not the current one.
    pub fn dpop_nonce(&self) -> Option<&str> {
        self.proof.as_ref().and_then(|p| p.fresh_nonce.as_deref())
    }

    /// Splits the verified request into its parts: the token, the scheme, the proof, the
    /// certificate thumbprint.
    pub fn into_parts(self) -> (VerifiedToken, Scheme, Option<VerifiedProof>, Option<String>) {
        (
            self.token,
            self.scheme,
            self.proof,
            self.certificate_thumbprint,
        )
    }
}

/// RFC 9110 `token` characters (an auth-scheme).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// The scheme and token of the request's one `Authorization` header.
fn credentials<'r>(values: &[&'r str]) -> Result<(Scheme, &'r str), Error> {
    let value = match values {
        [] => {
            return Err(err(
                ErrorKind::NoCredentials,
                "the request has no Authorization header",
            ))
        }
        [one] => one.trim_matches([' ', '\t']),
        _ => {
            return Err(err(
                ErrorKind::InvalidRequest,
                "the request has more than one Authorization header",
            ))
        }
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.is_empty() || !scheme.bytes().all(is_tchar) {
        return Err(err(
            ErrorKind::InvalidRequest,
            "the Authorization header is not `scheme credentials`",
        ));
    }
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(err(
            ErrorKind::NoCredentials,
            format!(
                "the Authorization scheme {:?} is neither Bearer nor DPoP",
                crate::error::shorten(scheme)
            ),
        ));
    };
    let token = rest.trim_start_matches(' ');
    if !is_token68(token) {
        return Err(err(
            ErrorKind::InvalidRequest,
            format!(
                "the Authorization header is not `{} <token>` (one token68 credential)",
                scheme.name()
            ),
        ));
    }
    Ok((scheme, token))
}

impl Verifier {
    /// Verifies a request at the system clock's current time (see
    /// [`verify_request_at`](Self::verify_request_at)).
    pub fn verify_request(&self, request: &Request<'_>) -> Result<VerifiedRequest, Error> {
        self.verify_request_at(request, super::unix_now())
    }

    /// Verifies a request at unix time `now`: its `Authorization` header, its DPoP proof, its
    /// access token and the token's binding (see the module docs for the order). On failure,
    /// [`Verifier::refusal`] says how to answer.
    pub fn verify_request_at(
        &self,
        request: &Request<'_>,
        now: i64,
    ) -> Result<VerifiedRequest, Error> {
        let policy = self.policy();
        let accepted = request.token_scheme.unwrap_or(policy.dpop.token_scheme);
        let (scheme, token) = credentials(&request.authorization)?;
        match scheme {
            Scheme::Bearer if !accepted.accepts_bearer() => {
                return Err(err(
                    ErrorKind::SchemeNotAllowed,
                    "the Bearer scheme is not accepted here: send the token as DPoP, with a proof",
                ))
            }
            Scheme::Dpop if !accepted.accepts_dpop() => {
                return Err(err(
                    ErrorKind::SchemeNotAllowed,
                    "the DPoP scheme is not accepted here: send the token as Bearer",
                ))
            }
            _ => {}
        }
        let depth = policy.limits.max_json_depth;
        match scheme {
            Scheme::Bearer => {
                let verified =
                    self.verify_token_at(token.as_bytes(), now, Binding::CheckedByCaller)?;
                let cnf = Confirmation::read(verified.payload(), depth)?;
                if cnf.jkt.is_some() && !policy.dpop.allow_bound_bearer {
                    return Err(err(
                        ErrorKind::BoundTokenAsBearer,
                        "the token is DPoP-bound (cnf.jkt): send it as DPoP, with a proof",
                    ));
                }
                let certificate_thumbprint = self.check_certificate(&cnf, request)?;
                Ok(VerifiedRequest {
                    token: verified,
                    scheme,
                    proof: None,
                    certificate_thumbprint,
                })
            }
            Scheme::Dpop => {
                let proof = match request.dpop.as_slice() {
                    [] => {
                        return Err(err(
                            ErrorKind::DpopProofInvalid,
                            "DPoP proof: the request has no DPoP header",
                        ))
                    }
                    [one] => one.trim_matches([' ', '\t']),
                    _ => {
                        return Err(err(
                            ErrorKind::DpopProofInvalid,
                            "DPoP proof: the request has more than one DPoP header",
                        ))
                    }
                };
                let target = ProofTarget {
                    method: request.method,
                    uri: request.uri,
                    access_token: Some(token.as_bytes()),
                };
                let dpop = &self.inner.dpop;
                let checked = dpop.check(proof.as_bytes(), &target, now)?;
                let verified =
                    self.verify_token_at(token.as_bytes(), now, Binding::CheckedByCaller)?;
                let cnf = Confirmation::read(verified.payload(), depth)?;
                match cnf.jkt.as_deref() {
                    None => {
                        return Err(err(
                            ErrorKind::TokenNotBound,
                            "the token has no cnf.jkt: it is not bound to a DPoP key",
                        ))
                    }
                    Some(jkt) if jkt != checked.jkt() => {
                        return Err(err(
                            ErrorKind::BindingMismatch,
                            "the token's cnf.jkt is not the thumbprint of the DPoP proof's key",
                        ))
                    }
                    Some(_) => {}
                }
                let certificate_thumbprint = self.check_certificate(&cnf, request)?;
                dpop.record(&checked, now)?;
                Ok(VerifiedRequest {
                    token: verified,
                    scheme,
                    proof: Some(VerifiedProof::from_checked(checked)),
                    certificate_thumbprint,
                })
            }
        }
    }

    /// The certificate binding (RFC 8705 §3): the token's `cnf.x5t#S256` against the client
    /// certificate, whose thumbprint is computed only when the token is bound to one.
    fn check_certificate(
        &self,
        cnf: &Confirmation,
        request: &Request<'_>,
    ) -> Result<Option<String>, Error> {
        let Some(bound) = &cnf.x5t_s256 else {
            if self.policy().require_certificate_binding {
                return Err(err(
                    ErrorKind::TokenNotBound,
                    "the token is not bound to a client certificate (no cnf.x5t#S256), and \
                     certificate binding is required",
                ));
            }
            return Ok(None);
        };
        let presented = match &request.client_cert {
            Some(cert) => cert.thumbprint()?,
            None => None,
        };
        match presented {
            Some(p) if &p == bound => Ok(Some(p)),
            Some(_) => Err(err(
                ErrorKind::BindingMismatch,
                "the token is bound to another client certificate (cnf.x5t#S256)",
            )),
            None => Err(err(
                ErrorKind::BindingMismatch,
                "the token is bound to a client certificate (cnf.x5t#S256), and the request \
                 presented none",
            )),
        }
    }

    /// Checks a DPoP proof on its own and records it in the replay store (an authorization
    /// server's token endpoint, where no access token comes with it; or a proof checked apart
    /// from its token). `target.access_token`, when given, must match the proof's `ath`.
    pub fn verify_dpop_proof_at(
        &self,
        proof: &[u8],
        target: &ProofTarget<'_>,
        now: i64,
    ) -> Result<VerifiedProof, Error> {
        self.inner.dpop.verify(proof, target, now)
    }

    /// The DPoP nonce to send now (in `DPoP-Nonce`), when server nonces are on.
    pub fn dpop_nonce(&self, now: i64) -> Result<Option<String>, Error> {
        self.inner.dpop.current_nonce(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_headers() {
        fn ok(v: &str) -> Result<(Scheme, &str), ErrorKind> {
            credentials(&[v]).map_err(|e| e.kind())
        }
        assert_eq!(
            ok("Bearer abc.def-_~+/=="),
            Ok((Scheme::Bearer, "abc.def-_~+/=="))
        );
        assert_eq!(ok("bearer   abc"), Ok((Scheme::Bearer, "abc")));
        assert_eq!(ok("  DPoP abc  "), Ok((Scheme::Dpop, "abc")));
        assert_eq!(ok("DPOP abc"), Ok((Scheme::Dpop, "abc")));
        assert_eq!(ok("Basic dXNlcjpw"), Err(ErrorKind::NoCredentials));
        assert_eq!(ok("Negotiate"), Err(ErrorKind::NoCredentials));
        for bad in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer a,b",
            "Bearer =abc",
            "Bearer a=b",
            "Bearer\tabc",
            "Bea(rer abc",
            "DPoP abc, DPoP def",
        ] {
            assert_eq!(ok(bad), Err(ErrorKind::InvalidRequest), "{bad:?}");
        }
        assert_eq!(
            credentials(&[]).unwrap_err().kind(),
            ErrorKind::NoCredentials
        );
        assert_eq!(
            credentials(&["Bearer a", "Bearer a"]).unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
    }
}
