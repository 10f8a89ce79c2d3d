//! Typed reads of a verified token's claims: the one implementation behind the C getters
//! (`jwks_token_claim_*`, `jwks_token_scope*`, `jwks_token_has_scopes`), which the C++, Python
//! and Go bindings call, so that every language answers a claim query the same way.
//!
//! The claims are read by the reader the claim checks use ([`crate::json`]): a token from
//! [`Verifier::verify`](crate::Verifier::verify) passed them; for a JWS
//! ([`Verifier::verify_signature`](crate::Verifier::verify_signature)) the payload is read
//! under the same rules on first use, and every claim query on a payload they refuse (not
//! JSON, not an object, a member name twice, a lone surrogate...) answers
//! [`ErrorKind::NotFound`], and [`ClaimReader::readable`] says why.
//!
//! A getter looks the name up in an index of the top-level members ([`Members`]) and decodes
//! that member's value alone.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::{Number, Value};

use crate::case_fold;
use crate::error::{err, shorten, Error, ErrorKind};
use crate::members::Members;
use crate::scopes::{self, ScopeClaim, ScopeMatch};
use crate::verified_token::VerifiedToken;

/// What has been read of one token's claims, built on first use. Holds no reference to the
/// token: every method takes it (always the same one).
#[derive(Debug)]
pub(crate) struct ClaimReader {
    /// `Some(limit)` while the payload is not known to be claims (a JWS): the nesting limit to
    /// read it under. `None` for a JWT, whose claims verification read.
    unchecked: Option<usize>,
    members: OnceLock<Result<Members, Error>>,
    scopes: OnceLock<Result<ScopeList, Error>>,
}

/// A token's scopes, each a range of one buffer.
#[derive(Debug, Default)]
struct ScopeList {
    text: String,
    ends: Vec<usize>,
}

impl ClaimReader {
    /// For a JWT whose claims verification read and accepted.
    pub(crate) fn for_jwt() -> ClaimReader {
        ClaimReader::new(None)
    }

    /// For a JWS whose payload has not been read: it is read under `max_json_depth` on first
    /// use (the policy's limit, the one claim checks use).
    pub(crate) fn for_jws(max_json_depth: usize) -> ClaimReader {
        ClaimReader::new(Some(max_json_depth))
    }

    fn new(unchecked: Option<usize>) -> ClaimReader {
        ClaimReader {
            unchecked,
            members: OnceLock::new(),
            scopes: OnceLock::new(),
        }
    }

    fn members(&self, t: &VerifiedToken) -> Result<&Members, Error> {
        self.members
            .get_or_init(|| {
                if let Some(limit) = self.unchecked {
                    // As the claim checks refuse it: too deep is TOO_LARGE, the rest
                    // INVALID_CLAIM.
                    crate::token::read_fields(t.payload(), "payload", limit, &|_| false).map_err(
                        |e| {
                            let kind = match e.kind() {
                                ErrorKind::Malformed => ErrorKind::InvalidClaim,
                                other => other,
                            };
                            err(
                                kind,
                                format!("the payload is not a claims object: {}", e.message()),
                            )
                        },
                    )?;
                }
                // Accepted by the reader, so valid UTF-8 and an object.
                let text = std::str::from_utf8(t.payload())
                    .map_err(|_| err(ErrorKind::Internal, "the claims are not UTF-8"))?;
                Members::index(text)
                    .map_err(|e| err(ErrorKind::Internal, format!("cannot index the claims: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// `Ok` if the payload is a claims object that the getters read (always so for a JWT);
    /// otherwise the error the claim checks give it ([`ErrorKind::InvalidClaim`], or
    /// [`ErrorKind::TooLarge`] when nested too deep), saying why.
    pub(crate) fn readable(&self, t: &VerifiedToken) -> Result<(), Error> {
        self.members(t).map(|_| ())
    }

    /// The value of claim `name` as written in the payload: [`ErrorKind::NotFound`] when the
    /// token has no such claim or its payload is not claims.
    pub(crate) fn raw<'t>(&self, t: &'t VerifiedToken, name: &str) -> Result<&'t str, Error> {
        let not_found = |why: &str| {
            err(
                ErrorKind::NotFound,
                format!("no claim {:?}{why}", shorten(name)),
            )
        };
        let members = self.members(t).map_err(|e| match e.kind() {
            ErrorKind::Internal => e,
            _ => not_found(&format!(": {}", e.message())),
        })?;
        // Checked UTF-8 when indexed.
        let text = std::str::from_utf8(t.payload()).unwrap_or_default();
        members.get(text, name).ok_or_else(|| not_found(""))
    }

    /// The string claim `name`: a slice of the payload, or of the decoded claims when the
    /// string has escapes.
    pub(crate) fn string<'t>(&self, t: &'t VerifiedToken, name: &str) -> Result<&'t str, Error> {
        let raw = self.raw(t, name)?;
        match plain_string(raw) {
            Some(s) => Ok(s),
            None if raw.starts_with('"') => t
                .claims()
                .and_then(|c| c.get(name))
                .and_then(Value::as_str)
                .ok_or_else(|| err(ErrorKind::Internal, "cannot decode a string claim")),
            None => Err(mismatch("a string")),
        }
    }

    /// The integer claim `name`: a number without fraction or exponent that fits in `i64`
    /// (`-0` is the floating-point negative zero, not an integer).
    pub(crate) fn int(&self, t: &VerifiedToken, name: &str) -> Result<i64, Error> {
        self.raw(t, name)?
            .parse::<Number>()
            .ok()
            .and_then(|n| n.as_i64())
            .ok_or_else(|| mismatch("an integer"))
    }

    /// The boolean claim `name`.
    pub(crate) fn bool(&self, t: &VerifiedToken, name: &str) -> Result<bool, Error> {
        match self.raw(t, name)? {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(mismatch("a boolean")),
        }
    }

    /// Whether claim `name` equals `value` (a string claim) or holds it (an array claim: any
    /// element that is that string).
    pub(crate) fn contains(
        &self,
        t: &VerifiedToken,
        name: &str,
        value: &str,
    ) -> Result<bool, Error> {
        let raw = self.raw(t, name)?;
        if raw.starts_with('"') {
            return Ok(decode_string(raw)? == value);
        }
        if raw.starts_with('[') {
            let items: Vec<Value> = serde_json::from_str(raw)
                .map_err(|e| err(ErrorKind::Internal, format!("cannot decode a claim: {e}")))?;
            return Ok(items.iter().any(|i| i.as_str() == Some(value)));
        }
        Err(mismatch("a string or an array"))
    }

    /// The scopes the token grants (see [`crate::scopes`]); [`ErrorKind::InvalidClaim`] if
    /// `scope` or `scp` has another shape, or the payload is not claims.
    pub(crate) fn scopes(
        &self,
        t: &VerifiedToken,
    ) -> Result<impl ExactSizeIterator<Item = &str>, Error> {
        let list = self
            .scopes
            .get_or_init(|| self.read_scopes(t))
            .as_ref()
            .map_err(Clone::clone)?;
        Ok((0..list.ends.len()).map(move |i| {
            let start = if i == 0 { 0 } else { list.ends[i - 1] };
            &list.text[start..list.ends[i]]
        }))
    }

    /// Scope `index` of [`ClaimReader::scopes`], if there is one.
    pub(crate) fn scope(&self, t: &VerifiedToken, index: usize) -> Result<Option<&str>, Error> {
        Ok(self.scopes(t)?.nth(index))
    }

    /// Whether the token's scopes meet `required` under `how`; the required scopes are checked
    /// first ([`scopes::check_required`]).
    pub(crate) fn has_scopes(
        &self,
        t: &VerifiedToken,
        required: &[&str],
        how: ScopeMatch,
    ) -> Result<bool, Error> {
        for r in required {
            scopes::check_required(r)?;
        }
        let granted: Vec<&str> = self.scopes(t)?.collect();
        Ok(scopes::grants(&granted, required, how))
    }

    fn read_scopes(&self, t: &VerifiedToken) -> Result<ScopeList, Error> {
        let claim = |name: &str| match self.raw(t, name) {
            Ok(raw) => Ok(Some(raw)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // An unreadable payload is not "no scopes".
                self.readable(t)?;
                Ok(None)
            }
            Err(e) => Err(e),
        };
        let (scope, scp) = (claim("scope")?, claim("scp")?);
        let (scope, scp) = (Decoded::of(scope)?, Decoded::of(scp)?);
        let granted = scopes::granted_from(scope.claim(), scp.claim())?;
        let mut list = ScopeList {
            text: String::with_capacity(granted.iter().map(|s| s.len()).sum()),
            ends: Vec::with_capacity(granted.len()),
        };
        for s in granted {
            list.text.push_str(s);
            list.ends.push(list.text.len());
        }
        Ok(list)
    }

    /// `Ok` if no two member names of one object of the payload (at any depth) differ only in
    /// case (see [`crate::case_fold`]); otherwise [`ErrorKind::InvalidClaim`] naming two of
    /// them (or why the payload is not claims).
    pub(crate) fn case_unique(&self, t: &VerifiedToken) -> Result<(), Error> {
        self.readable(t)?;
        let claims = t
            .claims()
            .ok_or_else(|| err(ErrorKind::Internal, "cannot read the claims"))?;
        match case_fold::first_collision(claims) {
            None => Ok(()),
            Some((a, b)) => Err(err(
                ErrorKind::InvalidClaim,
                format!(
                    "the member names {:?} and {:?} differ only in case: a decoder that matches \
                     names case-insensitively would read them as one",
                    shorten(&a),
                    shorten(&b)
                ),
            )),
        }
    }
}

fn mismatch(what: &str) -> Error {
    err(ErrorKind::TypeMismatch, format!("the claim is not {what}"))
}

/// The text of a raw JSON string that has no escape (a slice of it), or `None`.
fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// A raw JSON string, decoded.
fn decode_string(raw: &str) -> Result<Cow<'_, str>, Error> {
    match plain_string(raw) {
        Some(s) => Ok(Cow::Borrowed(s)),
        None => serde_json::from_str::<String>(raw)
            .map(Cow::Owned)
            .map_err(|e| {
                err(
                    ErrorKind::Internal,
                    format!("cannot decode a string claim: {e}"),
                )
            }),
    }
}

/// A `scope` or `scp` claim decoded as far as the scope rule needs.
enum Decoded<'t> {
    Absent,
    Str(Cow<'t, str>),
    Array(Vec<Value>),
    Other,
}

impl<'t> Decoded<'t> {
    fn of(raw: Option<&'t str>) -> Result<Decoded<'t>, Error> {
        Ok(match raw {
            None | Some("null") => Decoded::Absent,
            Some(raw) if raw.starts_with('"') => Decoded::Str(decode_string(raw)?),
            Some(raw) if raw.starts_with('[') => Decoded::Array(
                serde_json::from_str(raw)
                    .map_err(|e| err(ErrorKind::Internal, format!("cannot decode a claim: {e}")))?,
            ),
            Some(_) => Decoded::Other,
        })
    }

    fn claim(&self) -> ScopeClaim<'_> {
        match self {
            Decoded::Absent => ScopeClaim::Absent,
            Decoded::Str(s) => ScopeClaim::Str(s),
            Decoded::Array(items) => ScopeClaim::of_array(items),
            Decoded::Other => ScopeClaim::Other,
        }
    }
}
