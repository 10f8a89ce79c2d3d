//! The checks a [`Policy`] makes of a token: the header `typ`, and the claims (RFC 7519 §4.1)
//! applied after the signature.

use crate::error::{err, shorten, Error, ErrorKind};
use crate::json::{Field, Fields};
/// Re-exported here, where it has long been named (`jwkskit::claims::Policy`).
pub use crate::policy::Policy;
use crate::token::read_fields;

/// The time claims of a token whose claims passed, as numbers (absent claims are `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeClaims {
    /// `exp`.
    pub(crate) exp: Option<f64>,
    /// `nbf`.
    pub(crate) nbf: Option<f64>,
    /// `iat`.
    pub(crate) iat: Option<f64>,
}

impl Policy {
    /// Checks the header `typ` against [`Policy::expected_typ`].
    pub(crate) fn check_typ(&self, typ: Option<&str>) -> Result<(), Error> {
        let Some(expected) = &self.expected_typ else {
            return Ok(());
        };
        let normalise = |s: &str| {
            let lower = s.to_ascii_lowercase();
            lower
                .strip_prefix("application/")
                .map(str::to_owned)
                .unwrap_or(lower)
        };
        match typ {
            Some(t) if normalise(t) == normalise(expected) => Ok(()),
            Some(t) => Err(err(
                ErrorKind::WrongType,
                format!("typ is {:?}; expected {expected:?}", shorten(t)),
            )),
            None => Err(err(
                ErrorKind::WrongType,
                format!("the header has no typ; expected {expected:?}"),
            )),
        }
    }

    /// Validates the claims of a JWT payload at unix time `now`.
    ///
    /// The whole payload is read, by the one reader of the token's JSON (the one
    /// [`VerifiedToken::claims`](crate::verifier::VerifiedToken::claims) uses), and refused if any part
    /// of it could not be read; only the claims this policy checks are kept to check them.
    pub fn check_claims(&self, payload: &[u8], now: i64) -> Result<(), Error> {
        self.check_claims_times(payload, now).map(|_| ())
    }

    /// [`check_claims`](Self::check_claims), returning the token's time claims on success so
    /// that a cached verification can re-check them later without reading the payload again,
    /// and whether the token carries `cnf` (RFC 7800: it is bound to a key or a certificate).
    pub(crate) fn check_claims_times(
        &self,
        payload: &[u8],
        now: i64,
    ) -> Result<(TimeClaims, bool), Error> {
        let checked = |name: &str| {
            matches!(name, "exp" | "nbf" | "iat" | "iss" | "aud" | "cnf")
                || self.required_claims.iter().any(|c| c == name)
        };
        let fields = self.read_claims(payload, &checked)?;
        let times = self.check_fields(&fields, now)?;
        Ok((times, fields.get("cnf").is_some()))
    }

    /// Reads a JWT payload as a claims object, keeping the members `keep` names.
    pub(crate) fn read_claims<'a>(
        &self,
        payload: &'a [u8],
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Fields<'a>, Error> {
        read_fields(payload, "payload", self.limits.max_json_depth, keep).map_err(|e| {
            // A payload that is not an object is a claims problem, not a structural one.
            if e.kind() == ErrorKind::Malformed {
                err(ErrorKind::InvalidClaim, e.message())
            } else {
                e
            }
        })
    }

    /// Validates the claims read by [`Policy::read_claims`] at unix time `now`; returns the
    /// time claims.
    fn check_fields(&self, claims: &Fields<'_>, now: i64) -> Result<TimeClaims, Error> {
        // Each date is read lazily inside check_times_of, so that an expired token with a
        // malformed nbf is still reported as expired.
        let times = self.check_times_of(
            || numeric_date(claims, "exp"),
            || numeric_date(claims, "nbf"),
            || numeric_date(claims, "iat"),
            now,
        )?;
        self.check_issuer(claims)?;
        self.check_audience(claims)?;
        for name in &self.required_claims {
            if claims.get(name).is_none() {
                return Err(err(
                    ErrorKind::MissingClaim,
                    format!("the token has no {:?} claim", shorten(name)),
                ));
            }
        }
        Ok(times)
    }

    /// Re-checks the time rules (`exp`, `nbf`, `iat` in the future, maximum age, with the
    /// leeway) for claims already read, at `now`: what a cache hit must check again.
    pub(crate) fn check_times(&self, t: &TimeClaims, now: i64) -> Result<(), Error> {
        self.check_times_of(|| Ok(t.exp), || Ok(t.nbf), || Ok(t.iat), now)
            .map(|_| ())
    }

    /// The time rules, in the order their errors take precedence.
    fn check_times_of(
        &self,
        exp: impl FnOnce() -> Result<Option<f64>, Error>,
        nbf: impl FnOnce() -> Result<Option<f64>, Error>,
        iat: impl FnOnce() -> Result<Option<f64>, Error>,
        now: i64,
    ) -> Result<TimeClaims, Error> {
        let now_f = now as f64;
        let leeway = self.leeway as f64;
        let exp = exp()?;
        match exp {
            Some(exp) if now_f >= exp + leeway => {
                return Err(err(
                    ErrorKind::Expired,
                    format!(
                        "exp {} is {} s before now {now} (leeway {} s)",
                        exp,
                        now_f - exp,
                        self.leeway
                    ),
                ))
            }
            None if self.require_exp => {
                return Err(err(ErrorKind::MissingClaim, "the token has no exp claim"))
            }
            _ => {}
        }
        let nbf = nbf()?;
        if let Some(nbf) = nbf {
            if now_f + leeway < nbf {
                return Err(err(
                    ErrorKind::NotYetValid,
                    format!(
                        "nbf {} is {} s after now {now} (leeway {} s)",
                        nbf,
                        nbf - now_f,
                        self.leeway
                    ),
                ));
            }
        }
        let iat = iat()?;
        if let Some(iat) = iat {
            if iat > now_f + leeway {
                return Err(err(
                    ErrorKind::IssuedInFuture,
                    format!(
                        "iat {} is {} s after now {now} (leeway {} s)",
                        iat,
                        iat - now_f,
                        self.leeway
                    ),
                ));
            }
        }
        if let Some(max_age) = self.max_age {
            let iat = iat.ok_or_else(|| {
                err(
                    ErrorKind::MissingClaim,
                    "the token has no iat claim (a maximum age is set)",
                )
            })?;
            if now_f - iat > max_age.saturating_add(self.leeway) as f64 {
                return Err(err(
                    ErrorKind::TooOld,
                    format!(
                        "issued {} s ago; the maximum age is {max_age} s",
                        now_f - iat
                    ),
                ));
            }
        }
        Ok(TimeClaims { exp, nbf, iat })
    }

    fn check_issuer(&self, claims: &Fields<'_>) -> Result<(), Error> {
        if self.issuers.is_empty() {
            return Ok(());
        }
        let iss = issuer(claims)?;
        if self.issuers.iter().any(|i| i == iss) {
            Ok(())
        } else {
            Err(err(
                ErrorKind::WrongIssuer,
                format!("iss {:?} is not an allowed issuer", shorten(iss)),
            ))
        }
    }

    fn check_audience(&self, claims: &Fields<'_>) -> Result<(), Error> {
        let Some(aud) = claims.get("aud") else {
            return if self.audiences.is_empty() {
                Ok(())
            } else {
                Err(err(ErrorKind::WrongAudience, "the token has no aud claim"))
            };
        };
        let auds = audiences_of(aud)?;
        if self.audiences.is_empty() {
            return Err(err(
                ErrorKind::WrongAudience,
                "the token has an aud claim but no audience is configured",
            ));
        }
        if auds
            .iter()
            .any(|a| self.audiences.iter().any(|want| want == a))
        {
            Ok(())
        } else {
            let shown = auds.first().map(|a| shorten(a)).unwrap_or_default();
            Err(err(
                ErrorKind::WrongAudience,
                format!("aud {shown:?} names none of the allowed audiences"),
            ))
        }
    }
}

/// The token's `iss`: `WrongIssuer` when absent, `InvalidClaim` when not a string.
pub(crate) fn issuer<'f>(claims: &'f Fields<'_>) -> Result<&'f str, Error> {
    match claims.get("iss") {
        None => Err(err(ErrorKind::WrongIssuer, "the token has no iss claim")),
        Some(Field::Str(iss)) => Ok(iss),
        Some(_) => Err(err(ErrorKind::InvalidClaim, "iss is not a string")),
    }
}

/// `aud` as a list: a string is one audience (RFC 7519 §4.1.3).
fn audiences_of<'f>(aud: &'f Field<'_>) -> Result<Vec<&'f str>, Error> {
    match aud {
        Field::Str(s) => Ok(vec![s]),
        Field::Strs(items) => Ok(items.iter().map(|a| a.as_ref()).collect()),
        _ => Err(err(
            ErrorKind::InvalidClaim,
            "aud is neither a string nor an array of strings",
        )),
    }
}

/// Reads a NumericDate claim (RFC 7519 §2: a JSON number of seconds, possibly fractional).
fn numeric_date(claims: &Fields<'_>, name: &str) -> Result<Option<f64>, Error> {
    match claims.get(name) {
        None => Ok(None),
        // The reader refuses numbers beyond f64, so every number is finite; checked all the same.
        Some(Field::Num(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| err(ErrorKind::InvalidClaim, format!("{name} is not a number"))),
        Some(_) => Err(err(
            ErrorKind::InvalidClaim,
            format!("{name} is not a number"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn check(policy: &Policy, payload: &str) -> Result<(), ErrorKind> {
        policy
            .check_claims(payload.as_bytes(), NOW)
            .map_err(|e| e.kind())
    }

    #[test]
    fn time_claims() {
        let p = Policy::default();
        assert_eq!(check(&p, r#"{"exp":1700000001}"#), Ok(()));
        assert_eq!(check(&p, r#"{"exp":1700000000}"#), Err(ErrorKind::Expired));
        assert_eq!(check(&p, r#"{"exp":1700000000.5}"#), Ok(()));
        assert_eq!(check(&p, r#"{}"#), Err(ErrorKind::MissingClaim));
        assert_eq!(
            check(&p, r#"{"exp":"1700000001"}"#),
            Err(ErrorKind::InvalidClaim)
        );
        assert_eq!(check(&p, r#"{"exp":1e400}"#), Err(ErrorKind::InvalidClaim));
        assert_eq!(
            check(&p, r#"{"exp":1700000100,"nbf":1700000001}"#),
            Err(ErrorKind::NotYetValid)
        );
        assert_eq!(
            check(&p, r#"{"exp":1700000100,"iat":1700000001}"#),
            Err(ErrorKind::IssuedInFuture)
        );
        let lenient = Policy {
            leeway: 5,
            require_exp: false,
            ..Policy::default()
        };
        assert_eq!(
            check(&lenient, r#"{"exp":1699999996,"nbf":1700000005}"#),
            Ok(())
        );
        assert_eq!(
            check(&lenient, r#"{"exp":1699999995}"#),
            Err(ErrorKind::Expired)
        );
        assert_eq!(check(&lenient, r#"{}"#), Ok(()));
        let aged = Policy {
            max_age: Some(60),
            ..Policy::default()
        };
        assert_eq!(
            check(&aged, r#"{"exp":1700000100,"iat":1699999000}"#),
            Err(ErrorKind::TooOld)
        );
        assert_eq!(
            check(&aged, r#"{"exp":1700000100}"#),
            Err(ErrorKind::MissingClaim)
        );
        assert_eq!(
            check(&aged, r#"{"exp":1700000100,"iat":1699999990}"#),
            Ok(())
        );
    }

    #[test]
    fn issuer_audience_required() {
        let p = Policy {
            issuers: vec!["https://a".into()],
            audiences: vec!["api".into(), "web".into()],
            required_claims: vec!["sub".into()],
            ..Policy::default()
        };
        let ok = r#"{"exp":1800000000,"iss":"https://a","aud":["x","web"],"sub":"u"}"#;
        assert_eq!(check(&p, ok), Ok(()));
        assert_eq!(
            check(
                &p,
                r#"{"exp":1800000000,"iss":"https://b","aud":"api","sub":"u"}"#
            ),
            Err(ErrorKind::WrongIssuer)
        );
        assert_eq!(
            check(&p, r#"{"exp":1800000000,"aud":"api","sub":"u"}"#),
            Err(ErrorKind::WrongIssuer)
        );
        assert_eq!(
            check(&p, r#"{"exp":1800000000,"iss":7,"aud":"api","sub":"u"}"#),
            Err(ErrorKind::InvalidClaim)
        );
        assert_eq!(
            check(
                &p,
                r#"{"exp":1800000000,"iss":"https://a","aud":"x","sub":"u"}"#
            ),
            Err(ErrorKind::WrongAudience)
        );
        assert_eq!(
            check(&p, r#"{"exp":1800000000,"iss":"https://a","sub":"u"}"#),
            Err(ErrorKind::WrongAudience)
        );
        assert_eq!(
            check(
                &p,
                r#"{"exp":1800000000,"iss":"https://a","aud":[1],"sub":"u"}"#
            ),
            Err(ErrorKind::InvalidClaim)
        );
        assert_eq!(
            check(&p, r#"{"exp":1800000000,"iss":"https://a","aud":"api"}"#),
            Err(ErrorKind::MissingClaim)
        );
        // No audience configured: a token carrying aud is rejected.
        assert_eq!(
            check(&Policy::default(), r#"{"exp":1800000000,"aud":"api"}"#),
            Err(ErrorKind::WrongAudience)
        );
    }

    #[test]
    fn payload_must_be_an_object_without_duplicates() {
        let p = Policy::default();
        assert_eq!(check(&p, "[]"), Err(ErrorKind::InvalidClaim));
        assert_eq!(check(&p, "hello"), Err(ErrorKind::InvalidClaim));
        assert_eq!(
            check(&p, r#"{"exp":1800000000,"exp":1}"#),
            Err(ErrorKind::InvalidClaim)
        );
    }

    #[test]
    fn typ_check() {
        let p = Policy {
            expected_typ: Some("at+jwt".into()),
            ..Policy::default()
        };
        assert!(p.check_typ(Some("application/AT+JWT")).is_ok());
        assert_eq!(
            p.check_typ(Some("JWT")).unwrap_err().kind(),
            ErrorKind::WrongType
        );
        assert_eq!(p.check_typ(None).unwrap_err().kind(), ErrorKind::WrongType);
        assert!(Policy::default().check_typ(None).is_ok());
    }
}
