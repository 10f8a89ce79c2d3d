//! Typed reads of a verified token's claims: the one implementation behind the C getters
//! (`jwks_token_claim_*`, `jwks_token_scope*`, `jwks_token_has_scopes`), which the C++, Python
//! and Go bindings call, so that every language answers a claim query the same way.
//!
//! The claims are read by the reader the claim checks use ([`crate::json`]): a token from
//! [`Verifier::verify`](crate::Verifier::verify) passed them; for a JWS
//! ([`Verifier::verify_signature`](crate::Verifier::verify_signature)) the payload is read
//! under the same rules on first use, and every claim query on a payload they refuse (not
//! JSON, not an object, a member name twice, a lone surrogate...) answers
//! [`ErrorKind::NotFound`], and [`VerifiedToken::claims_readable`] says why.
//!
//! A getter looks the name up in an index of the top-level members ([`Members`]) and decodes
//! that member's value alone. The index is made once per token, and the token cache keeps it
//! with the entry (counted in its byte bound), so that a hit and a claim read parse no JSON.

use std::borrow::Cow;

use serde_json::Value;

use crate::claims_view::{ClaimsView, ScopeList};
use crate::error::{err, Error, ErrorKind};
use crate::members::{Members, Span};
use crate::scopes::ScopeMatch;
use crate::verified_token::VerifiedToken;

impl VerifiedToken {
    /// The index of the claims' members, made on first use; the error of
    /// [`claims_readable`](Self::claims_readable) if the payload is not claims.
    fn members(&self) -> Result<&Members, Error> {
        let reader = self.reader();
        reader
            .members
            .get_or_init(|| {
                if !reader.checked {
                    // As the claim checks refuse it: too deep is TOO_LARGE, the rest
                    // INVALID_CLAIM.
                    let limit = self.max_json_depth();
                    crate::token::read_fields(self.payload(), "payload", limit, &|_| false)
                        .map_err(|e| {
                            let kind = match e.kind() {
                                ErrorKind::Malformed => ErrorKind::InvalidClaim,
                                other => other,
                            };
                            err(
                                kind,
                                format!("the payload is not a claims object: {}", e.message()),
                            )
                        })?;
                }
                self.index_members()
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Indexes the members of claims the reader accepted.
    fn index_members(&self) -> Result<Members, Error> {
        let text = std::str::from_utf8(self.payload())
            .map_err(|_| err(ErrorKind::Internal, "the claims are not UTF-8"))?;
        Members::index(text)
            .map_err(|e| err(ErrorKind::Internal, format!("cannot index the claims: {e}")))
    }

    /// The index of the claims' members for the token cache (claims the checks accepted).
    pub(crate) fn members_for_cache(&self) -> Option<Members> {
        match self.reader().members.get() {
            Some(Ok(members)) => Some(members.clone()),
            _ => self.index_members().ok(),
        }
    }

    /// The claims as a view for the queries; [`ErrorKind::NotFound`] saying why when the
    /// payload is not claims (every claim query answers so then).
    fn view(&self) -> Result<ClaimsView<'_>, Error> {
        match self.members() {
            Ok(members) => Ok(ClaimsView::new(self.payload(), members.spans())),
            Err(e) if e.kind() == ErrorKind::Internal => Err(e),
            Err(e) => Err(err(
                ErrorKind::NotFound,
                format!("no claims: {}", e.message()),
            )),
        }
    }

    /// Where the claims' members lie in the payload, for a binding that keeps a copy of the
    /// payload and answers claim queries over it (`jwks_token_claims_index`); the error of
    /// [`claims_readable`](Self::claims_readable) if the payload is not claims.
    pub(crate) fn claims_index(&self) -> Result<&[Span], Error> {
        self.members().map(Members::spans)
    }

    /// `Ok` if the payload is a claims object that the getters read (always so for a token
    /// from [`Verifier::verify`](crate::Verifier::verify)); otherwise the error the claim
    /// checks give such a payload ([`ErrorKind::InvalidClaim`], or [`ErrorKind::TooLarge`]
    /// when nested too deep), saying why.
    pub fn claims_readable(&self) -> Result<(), Error> {
        self.members().map(|_| ())
    }

    /// The value of claim `name` as written in the payload; [`ErrorKind::NotFound`] when the
    /// token has no such claim or its payload is not claims.
    pub fn claim_json(&self, name: &str) -> Result<&str, Error> {
        self.view()?.json(name)
    }

    /// The string claim `name`: [`ErrorKind::NotFound`] (as for
    /// [`claim_json`](Self::claim_json)), or [`ErrorKind::TypeMismatch`] when not a string.
    pub fn claim_str(&self, name: &str) -> Result<&str, Error> {
        match self.view()?.string(name)? {
            Cow::Borrowed(s) => Ok(s),
            // Decoded (it had escapes): the token's decoded claims hold it for its lifetime.
            Cow::Owned(_) => self
                .claim(name)
                .and_then(Value::as_str)
                .ok_or_else(|| err(ErrorKind::Internal, "cannot decode a string claim")),
        }
    }

    /// The integer claim `name`: a number without fraction or exponent that fits in `i64`
    /// (`-0` is the floating-point negative zero, not an integer).
    pub fn claim_i64(&self, name: &str) -> Result<i64, Error> {
        self.view()?.int(name)
    }

    /// The boolean claim `name`.
    pub fn claim_bool(&self, name: &str) -> Result<bool, Error> {
        self.view()?.bool(name)
    }

    /// Whether claim `name` equals `value` (a string claim) or holds it (an array claim: any
    /// element that is that string); [`ErrorKind::TypeMismatch`] for another type.
    pub fn claim_contains(&self, name: &str, value: &str) -> Result<bool, Error> {
        self.view()?.contains(name, value)
    }

    /// The scopes, read once.
    fn scope_list(&self) -> Result<&ScopeList, Error> {
        self.reader()
            .scopes
            .get_or_init(|| {
                // An unreadable payload is not "no scopes": its own error.
                let members = self.members()?;
                ClaimsView::new(self.payload(), members.spans()).scopes()
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The scopes the token grants, in order, each once (see [`crate::scopes`]):
    /// [`ErrorKind::InvalidClaim`] if `scope` or `scp` has another shape; the error of
    /// [`claims_readable`](Self::claims_readable) if the payload is not claims.
    pub fn scopes(&self) -> Result<impl ExactSizeIterator<Item = &str>, Error> {
        Ok(self.scope_list()?.iter())
    }

    /// Whether the token's scopes meet `required` under `how`; each required scope is
    /// checked first ([`crate::scopes::check_required`]: [`ErrorKind::InvalidArgument`]).
    pub fn has_scopes(&self, required: &[&str], how: ScopeMatch) -> Result<bool, Error> {
        ClaimsView::has_scopes(self.scope_list()?, required, how)
    }

    /// `Ok` if no two member names of one object of the payload (at any depth) differ only in
    /// case (under case folding, a superset of Unicode simple case folding); otherwise [`ErrorKind::InvalidClaim`] naming two of
    /// them (or the error of [`claims_readable`](Self::claims_readable)).
    pub fn claims_case_unique(&self) -> Result<(), Error> {
        self.claims_readable()?;
        let claims = self
            .claims()
            .ok_or_else(|| err(ErrorKind::Internal, "cannot read the claims"))?;
        ClaimsView::case_unique(claims)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;
    use crate::alg::Algorithm;
    use crate::issuer::{jwks_document, SigningKey};
    use crate::policy::Policy;
    use crate::verifier::Verifier;

    const NOW: i64 = 1_700_000_000;

    /// A verifier with the token cache on, one with it off, and a token of `payload`.
    fn verifiers_and_token(payload: &str) -> (Verifier, Verifier, String) {
        let key = SigningKey::generate(Algorithm::EdDSA)
            .unwrap()
            .with_kid("k");
        let jwks = jwks_document(&[&key]).to_string();
        let policy = Policy {
            require_exp: false,
            ..Policy::default()
        };
        let mut off = policy.clone();
        off.token_cache.max_entries = 0;
        let on = Verifier::from_json(jwks.as_bytes(), policy).unwrap();
        let off = Verifier::from_json(jwks.as_bytes(), off).unwrap();
        let token = key
            .sign_with_header(&Map::new(), payload.as_bytes())
            .unwrap();
        (on, off, token)
    }

    fn verifier_and_token(payload: &str) -> (Verifier, String) {
        let (on, _, token) = verifiers_and_token(payload);
        (on, token)
    }

    /// Every answer a token can give, for comparing two tokens.
    fn answers(t: &VerifiedToken) -> Vec<String> {
        let mut out = Vec::new();
        for name in ["sub", "n", "neg", "b", "groups", "esc", "scope", "missing"] {
            out.push(format!(
                "{name}: {:?} {:?} {:?} {:?} {:?}",
                t.claim_str(name),
                t.claim_i64(name),
                t.claim_bool(name),
                t.claim_contains(name, "ops"),
                t.claim_json(name)
            ));
        }
        out.push(format!("{:?}", t.scopes().map(|s| s.collect::<Vec<_>>())));
        out.push(format!(
            "{:?}",
            t.has_scopes(&["read", "write"], ScopeMatch::All)
        ));
        out.push(format!("{:?}", t.claims_case_unique()));
        out
    }

    /// A token cache hit answers every claim query as the full verification does, from the
    /// index the cache kept: the hit's token has it before any getter runs.
    #[test]
    fn a_hit_reads_claims_from_the_index_the_cache_kept() {
        let payload = r#"{"sub":"alice","n":7,"neg":-0,"b":true,"groups":["ops","dev"],"esc":"a\u0062","scope":"read write","Sub":"x"}"#;
        let (v, off, token) = verifiers_and_token(payload);
        let first = v.verify_at(token.as_bytes(), NOW).unwrap();
        assert!(
            first.reader().members.get().is_none(),
            "indexed on first use"
        );
        let hit = v.verify_at(token.as_bytes(), NOW).unwrap();
        assert_eq!(v.token_cache_stats().hits, 1);
        assert!(
            matches!(hit.reader().members.get(), Some(Ok(_))),
            "a hit brings the index"
        );
        assert_eq!(hit.claims_index().unwrap(), first.claims_index().unwrap());
        assert_eq!(answers(&first), answers(&hit));
        assert_eq!(hit.claim_str("esc").unwrap(), "ab");
        assert_eq!(hit.scopes().unwrap().collect::<Vec<_>>(), ["read", "write"]);
        assert_eq!(
            hit.claims_case_unique().unwrap_err().kind(),
            ErrorKind::InvalidClaim
        );
        // The same token verified without a cache answers alike.
        let uncached = off.verify_at(token.as_bytes(), NOW).unwrap();
        assert_eq!(answers(&uncached), answers(&hit));
    }

    /// A JWS whose payload is not claims: every getter NOT_FOUND, scopes and the checks the
    /// verdict of the claim checks.
    #[test]
    fn a_jws_payload_is_read_under_the_claim_rules() {
        let (v, token) = verifier_and_token(r#"{"sub":"a","sub":"b","scope":"x"}"#);
        let t = v.verify_signature(token.as_bytes()).unwrap();
        assert_eq!(t.claim_str("sub").unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(
            t.claim_json("scope").unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(t.scopes().err().unwrap().kind(), ErrorKind::InvalidClaim);
        assert_eq!(
            t.claims_readable().unwrap_err().kind(),
            ErrorKind::InvalidClaim
        );
        assert!(t.claims().is_none());
        let (v, token) = verifier_and_token(r#"{"sub":"a","scope":"x y"}"#);
        let t = v.verify_signature(token.as_bytes()).unwrap();
        assert_eq!(t.claim_str("sub").unwrap(), "a");
        assert!(t.has_scopes(&["y"], ScopeMatch::All).unwrap());
    }
}
