//! The scopes a token grants, and the names of required scopes: one rule, which the C
//! functions (`jwks_token_scope*`, `jwks_token_has_scopes`, `jwks_scope_check`) and through
//! them every binding and integration (Python, Go, gRPC, C++) apply.
//!
//! # Granted scopes
//!
//! - `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3) is a string of scopes separated by the space
//!   character U+0020 alone (RFC 6749 §3.3: `scope-token *( SP scope-token )`). Leading,
//!   trailing and repeated spaces separate nothing: the empty pieces they make are dropped.
//!   Every other character belongs to a scope, tab, line feed, NBSP (U+00A0), NEL (U+0085) and
//!   U+3000 included: `"read\twrite"` is one scope, which no required scope equals (a
//!   required scope holds no such character).
//! - `scp` (Azure AD, Okta and others) is either such a string, split the same way, or an
//!   array of strings, each element one scope taken whole: an element holding a space is one
//!   scope that no required scope equals (a required scope holds no space); an empty element
//!   is dropped.
//! - The token's scopes are those of `scope` then those of `scp`, in order, each once.
//! - A claim that is absent or `null` grants nothing. A claim of any other shape (a number,
//!   an object, an array holding anything but strings, `scope` as an array) makes the token's
//!   scopes unreadable: [`ErrorKind::InvalidClaim`], a rejected token (HTTP 401
//!   `invalid_token` in the integrations), never "no scopes".
//!
//! # Required scopes
//!
//! A required scope is a scope-token of RFC 6749 §3.3: one or more of the printable ASCII
//! characters but space, `"` and `\` (`%x21 / %x23-5B / %x5D-7E`), so that it can be named
//! in a `WWW-Authenticate` header (RFC 6750 §3) and can never hold a separator of any
//! reading. [`check_required`] refuses any other with [`ErrorKind::InvalidArgument`]; the
//! integrations check their scopes when they are configured.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::{err, shorten, Error, ErrorKind};

/// How a list of required scopes is matched against a token's scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMatch {
    /// Every required scope must be granted (an empty list is always met).
    All,
    /// At least one required scope must be granted (an empty list is never met).
    Any,
}

/// A `scope` or `scp` claim, as far as the rule tells shapes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScopeClaim<'a> {
    /// Absent, or `null`.
    Absent,
    /// A string.
    Str(&'a str),
    /// An array of strings.
    Strings(Vec<&'a str>),
    /// An array holding something other than a string.
    MixedArray,
    /// A number, a boolean or an object.
    Other,
}

impl<'a> ScopeClaim<'a> {
    /// The shape of a claim's value (`None` when absent).
    pub(crate) fn of(value: Option<&'a Value>) -> ScopeClaim<'a> {
        match value {
            None | Some(Value::Null) => ScopeClaim::Absent,
            Some(Value::String(s)) => ScopeClaim::Str(s),
            Some(Value::Array(items)) => ScopeClaim::of_array(items),
            Some(_) => ScopeClaim::Other,
        }
    }

    /// The shape of an array claim.
    pub(crate) fn of_array(items: &'a [Value]) -> ScopeClaim<'a> {
        items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<&str>>>()
            .map_or(ScopeClaim::MixedArray, ScopeClaim::Strings)
    }
}

/// The scopes granted by a token whose claims `scope` and `scp` are these (`None` when
/// absent), in order and without duplicates (see the module docs).
pub fn granted<'a>(
    scope: Option<&'a Value>,
    scp: Option<&'a Value>,
) -> Result<Vec<&'a str>, Error> {
    granted_from(ScopeClaim::of(scope), ScopeClaim::of(scp))
}

/// [`granted`] for claims whose shapes are known.
pub(crate) fn granted_from<'a>(
    scope: ScopeClaim<'a>,
    scp: ScopeClaim<'a>,
) -> Result<Vec<&'a str>, Error> {
    let mut out: Vec<&'a str> = Vec::new();
    // Beyond a few scopes, a set: a 16 KiB token can carry thousands of one-letter scopes.
    let mut seen: Option<HashSet<&'a str>> = None;
    let mut add = |s: &'a str| {
        if s.is_empty() {
            return;
        }
        let new = match &mut seen {
            Some(set) => set.insert(s),
            None => !out.contains(&s),
        };
        if new {
            out.push(s);
            if out.len() == 16 {
                seen = Some(out.iter().copied().collect());
            }
        }
    };
    match scope {
        ScopeClaim::Absent => {}
        ScopeClaim::Str(s) => s.split(' ').for_each(&mut add),
        _ => {
            return Err(err(
                ErrorKind::InvalidClaim,
                "the scope claim is not a string of space-separated scopes",
            ))
        }
    }
    match scp {
        ScopeClaim::Absent => {}
        ScopeClaim::Str(s) => s.split(' ').for_each(&mut add),
        ScopeClaim::Strings(items) => items.into_iter().for_each(&mut add),
        ScopeClaim::MixedArray => {
            return Err(err(
                ErrorKind::InvalidClaim,
                "the scp claim is an array holding something other than strings",
            ))
        }
        ScopeClaim::Other => {
            return Err(err(
                ErrorKind::InvalidClaim,
                "the scp claim is neither a string nor an array of strings",
            ))
        }
    }
    Ok(out)
}

/// Checks that `scope` can be a required scope: an RFC 6749 §3.3 scope-token (see the module
/// docs); [`ErrorKind::InvalidArgument`] otherwise.
pub fn check_required(scope: &str) -> Result<(), Error> {
    if scope.is_empty() {
        return Err(err(ErrorKind::InvalidArgument, "a required scope is empty"));
    }
    match scope
        .chars()
        .find(|&c| !matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e'))
    {
        None => Ok(()),
        Some(c) => Err(err(
            ErrorKind::InvalidArgument,
            format!(
                "the required scope {:?} holds {c:?}: a scope is printable ASCII without space, '\"' or '\\' (RFC 6749 section 3.3)",
                shorten(scope)
            ),
        )),
    }
}

/// Whether `granted` (a token's scopes) meets `required` under `how`. The required scopes are
/// compared as given: check them with [`check_required`] first.
pub fn grants(granted: &[&str], required: &[&str], how: ScopeMatch) -> bool {
    let set: Option<HashSet<&str>> =
        (granted.len() > 16 && required.len() > 1).then(|| granted.iter().copied().collect());
    let has = |r: &&str| match &set {
        Some(set) => set.contains(r),
        None => granted.contains(r),
    };
    match how {
        ScopeMatch::All => required.iter().all(has),
        ScopeMatch::Any => required.iter().any(has),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scopes(claims: Value) -> Result<Vec<String>, ErrorKind> {
        granted(claims.get("scope"), claims.get("scp"))
            .map(|v| v.into_iter().map(str::to_owned).collect())
            .map_err(|e| e.kind())
    }

    #[test]
    fn scope_is_split_on_the_space_character_alone() {
        assert_eq!(
            scopes(json!({"scope": "read write  admin "})).unwrap(),
            ["read", "write", "admin"]
        );
        assert_eq!(
            scopes(json!({"scope": "  "})).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(scopes(json!({"scope": ""})).unwrap(), Vec::<String>::new());
        for sep in [
            "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{a0}", "\u{85}", "\u{3000}", "\u{1c}",
            "\u{2028}",
        ] {
            let joined = format!("read{sep}write");
            assert_eq!(
                scopes(json!({ "scope": joined })).unwrap(),
                vec![joined.clone()],
                "{sep:?}"
            );
            assert_eq!(
                scopes(json!({ "scp": joined })).unwrap(),
                vec![joined.clone()]
            );
        }
    }

    #[test]
    fn scp_array_elements_are_taken_whole() {
        assert_eq!(
            scopes(json!({"scp": ["read", "read write", "", "write", "read"]})).unwrap(),
            ["read", "read write", "write"]
        );
        assert_eq!(
            scopes(json!({"scope": "a b", "scp": ["b", "c"]})).unwrap(),
            ["a", "b", "c"]
        );
        assert_eq!(
            scopes(json!({"scope": "b a", "scp": "a c b"})).unwrap(),
            ["b", "a", "c"]
        );
        assert_eq!(scopes(json!({"scp": []})).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn absent_or_null_grants_nothing_other_shapes_are_invalid() {
        assert_eq!(scopes(json!({})).unwrap(), Vec::<String>::new());
        assert_eq!(
            scopes(json!({"scope": null, "scp": null})).unwrap(),
            Vec::<String>::new()
        );
        for bad in [
            json!({"scope": ["read"]}),
            json!({"scope": 1}),
            json!({"scope": true}),
            json!({"scope": {"read": true}}),
            json!({"scp": 1}),
            json!({"scp": {"read": true}}),
            json!({"scp": ["read", 1]}),
            json!({"scp": ["read", null]}),
            json!({"scp": [["read"]]}),
            json!({"scope": "read", "scp": false}),
        ] {
            assert_eq!(scopes(bad.clone()), Err(ErrorKind::InvalidClaim), "{bad}");
        }
    }

    #[test]
    fn required_scopes_are_scope_tokens() {
        for ok in [
            "read",
            "read:orders",
            "https://graph.example/User.Read",
            "a!#$%&'()*+,-./[]^_`{|}~",
        ] {
            assert_eq!(check_required(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            " ",
            "read write",
            "read\t",
            "\u{a0}",
            "caf\u{e9}",
            "a\"b",
            "a\\b",
            "\u{7f}",
            "\u{0}",
            "\u{3000}",
        ] {
            assert_eq!(
                check_required(bad).map_err(|e| e.kind()),
                Err(ErrorKind::InvalidArgument),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn all_and_any() {
        let g = ["read", "write"];
        assert!(grants(&g, &["read", "write"], ScopeMatch::All));
        assert!(!grants(&g, &["read", "admin"], ScopeMatch::All));
        assert!(grants(&g, &["read", "admin"], ScopeMatch::Any));
        assert!(!grants(&g, &["admin"], ScopeMatch::Any));
        assert!(grants(&g, &[], ScopeMatch::All));
        assert!(!grants(&g, &[], ScopeMatch::Any));
        assert!(!grants(&[], &["read"], ScopeMatch::All));
    }

    #[test]
    fn many_scopes() {
        let many: String = (0..5000).map(|i| format!("s{} ", i % 3000)).collect();
        let g = scopes(json!({ "scope": many, "scp": ["s1", "new"] })).unwrap();
        assert_eq!(g.len(), 3001);
        assert_eq!(
            (g[0].as_str(), g[2999].as_str(), g[3000].as_str()),
            ("s0", "s2999", "new")
        );
        let g: Vec<&str> = g.iter().map(String::as_str).collect();
        assert!(grants(&g, &["s5", "new"], ScopeMatch::All));
        assert!(!grants(&g, &["s5", "s3000"], ScopeMatch::All));
        assert!(grants(&g, &["x", "s2999"], ScopeMatch::Any));
    }
}
