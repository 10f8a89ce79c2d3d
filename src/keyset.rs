//! A parsed JSON Web Key Set: the usable keys, a `kid` index, and what was skipped and why.
//!
//! # Rules
//!
//! - A key that is unsupported (secp256k1, Ed448, unknown `kty`), malformed, too weak, or meant for
//!   encryption is skipped and listed in [`KeySet::skipped`]; the other keys stay usable. A set
//!   with no usable key is an error.
//! - Duplicate `kid`: if two *signing* entries (usable, or skipped for being malformed or
//!   unsupported) share a `kid` and are not the same key, that `kid` is ambiguous and tokens
//!   naming it are rejected with [`ErrorKind::AmbiguousKey`]. The same key listed twice is
//!   kept once. Entries meant for encryption never make a `kid` ambiguous.
//! - A set that mixes `oct` keys with asymmetric keys never uses its `oct` keys, and `oct`
//!   keys are only read at all when the caller allows it ([`KeySetOptions::allow_oct`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::alg::{Algorithm, KeyFamily};
use crate::error::{err, shorten, Error, ErrorKind};
use crate::jwk::Jwk;

/// Limits and permissions for parsing a key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySetOptions {
    /// Whether `oct` (HMAC) keys may be used. Never true for keys fetched from a URL.
    pub allow_oct: bool,
    /// Maximum size of the JSON document, in bytes (default 1 MiB).
    pub max_bytes: usize,
    /// Maximum number of entries in `keys` (default 256).
    pub max_keys: usize,
}

impl Default for KeySetOptions {
    fn default() -> Self {
        KeySetOptions {
            allow_oct: false,
            max_bytes: 1024 * 1024,
            max_keys: 256,
        }
    }
}

/// An entry of the set that is not used to verify, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position of the entry in the `keys` array.
    pub index: usize,
    /// Its `kid`, if it had a string one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

#[derive(Debug, Clone, Copy)]
enum KidEntry {
    One(usize),
    Ambiguous,
}

/// The keys that a token can be checked against, ready for `ring`.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<Jwk>,
    by_kid: HashMap<String, KidEntry>,
    skipped: Vec<SkippedKey>,
    generation: u64,
}

/// Hands every parsed set its own generation number, so that anything derived from one
/// snapshot (a cached verification) can tell when a source has swapped in another.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// At most this many keys are tried for a token that names no `kid`.
pub const MAX_KEYS_WITHOUT_KID: usize = 8;

/// The keys chosen for one token.
pub(crate) enum Candidates<'a> {
    /// The key named by the token's `kid`.
    One(&'a Jwk),
    /// Keys that fit the algorithm, for a token without a (matching) `kid`.
    Several(Vec<&'a Jwk>),
}

impl KeySet {
    /// Parses a JWKS document (`{"keys":[...]}`) or a single JWK object.
    pub fn parse(json: &[u8], opts: &KeySetOptions) -> Result<KeySet, Error> {
        if json.len() > opts.max_bytes {
            return Err(err(
                ErrorKind::KeySetInvalid,
                format!(
                    "key set is {} bytes; the limit is {}",
                    json.len(),
                    opts.max_bytes
                ),
            ));
        }
        let doc: Value = serde_json::from_slice(json).map_err(|e| {
            err(
                ErrorKind::KeySetInvalid,
                format!("key set is not valid JSON: {e}"),
            )
        })?;
        Self::from_value(&doc, opts)
    }

    /// Builds a set from an already-parsed JWKS or single JWK.
    pub fn from_value(doc: &Value, opts: &KeySetOptions) -> Result<KeySet, Error> {
        let obj = doc
            .as_object()
            .ok_or_else(|| err(ErrorKind::KeySetInvalid, "key set is not a JSON object"))?;
        let single;
        let entries: &[Value] = match obj.get("keys") {
            Some(Value::Array(keys)) => keys,
            Some(_) => return Err(err(ErrorKind::KeySetInvalid, "\"keys\" is not an array")),
            None if obj.contains_key("kty") => {
                single = [doc.clone()];
                &single
            }
            None => {
                return Err(err(
                    ErrorKind::KeySetInvalid,
                    "key set has no \"keys\" array",
                ))
            }
        };
        if entries.len() > opts.max_keys {
            return Err(err(
                ErrorKind::KeySetInvalid,
                format!(
                    "key set has {} keys; the limit is {}",
                    entries.len(),
                    opts.max_keys
                ),
            ));
        }
        Self::build(entries, opts)
    }

    fn build(entries: &[Value], opts: &KeySetOptions) -> Result<KeySet, Error> {
        let mut keys: Vec<Jwk> = Vec::new();
        let mut skipped = Vec::new();
        // kid -> thumbprints of signing entries (None for entries that failed to parse).
        let mut signing_kids: HashMap<String, Vec<Option<String>>> = HashMap::new();
        let mut skip = |index: usize, kid: Option<String>, reason: String| {
            skipped.push(SkippedKey { index, kid, reason });
        };
        for (index, entry) in entries.iter().enumerate() {
            let kid = entry.get("kid").and_then(Value::as_str).map(str::to_owned);
            match Jwk::from_json(entry) {
                Ok(jwk) => {
                    if let Some(k) = &kid {
                        signing_kids
                            .entry(k.clone())
                            .or_default()
                            .push(Some(jwk.thumbprint.to_string()));
                    }
                    let duplicate = keys.iter().any(|other| {
                        other.thumbprint == jwk.thumbprint
                            && other.kid == jwk.kid
                            && other.alg == jwk.alg
                    });
                    if duplicate {
                        skip(
                            index,
                            kid,
                            "the same key is listed earlier in the set".into(),
                        );
                    } else {
                        keys.push(jwk);
                    }
                }
                Err(rejection) => {
                    if rejection.signing {
                        if let Some(k) = &kid {
                            signing_kids.entry(k.clone()).or_default().push(None);
                        }
                    }
                    skip(index, kid, rejection.reason);
                }
            }
        }
        let has_asymmetric = keys.iter().any(|k| k.family() != KeyFamily::Oct);
        let has_oct = keys.iter().any(|k| k.family() == KeyFamily::Oct);
        if has_oct && (!opts.allow_oct || has_asymmetric) {
            let reason = if opts.allow_oct {
                "oct key in a set that also has asymmetric keys (ambiguous; never used)"
            } else {
                "oct (HMAC) keys are not allowed from this source"
            };
            let mut kept = Vec::with_capacity(keys.len());
            for jwk in keys {
                if jwk.family() == KeyFamily::Oct {
                    let index = entries
                        .iter()
                        .position(|e| e.get("kid").and_then(Value::as_str) == jwk.kid())
                        .unwrap_or(0);
                    skipped.push(SkippedKey {
                        index,
                        kid: jwk.kid().map(str::to_owned),
                        reason: reason.into(),
                    });
                } else {
                    kept.push(jwk);
                }
            }
            keys = kept;
        }
        skipped.sort_by_key(|s| s.index);
        if keys.is_empty() {
            let detail = skipped
                .iter()
                .take(3)
                .map(|s| s.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(err(
                ErrorKind::KeySetInvalid,
                if detail.is_empty() {
                    "key set has no keys".to_string()
                } else {
                    format!("key set has no usable key ({detail})")
                },
            ));
        }
        let mut by_kid = HashMap::new();
        for (i, jwk) in keys.iter().enumerate() {
            if let Some(kid) = jwk.kid() {
                let thumbs = &signing_kids[kid];
                let distinct = thumbs
                    .iter()
                    .any(|t| t.as_deref() != Some(&*jwk.thumbprint))
                    || keys.iter().filter(|k| k.kid() == Some(kid)).count() > 1;
                let entry = if distinct {
                    KidEntry::Ambiguous
                } else {
                    KidEntry::One(i)
                };
                by_kid.insert(kid.to_owned(), entry);
            }
        }
        // A kid carried only by broken signing entries still makes a usable one ambiguous above;
        // kids that only broken entries carry stay unknown.
        Ok(KeySet {
            keys,
            by_kid,
            skipped,
            generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// A number unique to this parsed set in this process: a source that replaces its keys
    /// (a refresh, a rotation, a file reload) hands out a set with a new generation, so equal
    /// generations mean the very same keys.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The usable keys, in set order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a set with no usable key is never built.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The entries that were not made into keys, and why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Whether the set has a usable key with this `kid` (ambiguous ones included).
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.by_kid.contains_key(kid)
    }

    /// Chooses the key(s) for a token with header `alg` and optional `kid`.
    ///
    /// With a `kid`, the key with that `kid` (it must fit `alg`), or, when no key has that
    /// `kid`, the keys without any `kid` that fit `alg`. Without a `kid`, up to
    /// [`MAX_KEYS_WITHOUT_KID`] keys that fit `alg`.
    pub(crate) fn select(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Candidates<'_>, Error> {
        if let Some(kid) = kid {
            match self.by_kid.get(kid) {
                Some(KidEntry::One(i)) => {
                    let key = &self.keys[*i];
                    return if key.fits(alg) {
                        Ok(Candidates::One(key))
                    } else {
                        Err(err(
                            ErrorKind::KeyMismatch,
                            format!(
                                "key {:?} cannot verify {alg} (key is {:?}{})",
                                shorten(kid),
                                key.family(),
                                key.alg.map(|a| format!(", alg {a}")).unwrap_or_default()
                            ),
                        ))
                    };
                }
                Some(KidEntry::Ambiguous) => {
                    return Err(err(
                        ErrorKind::AmbiguousKey,
                        format!("kid {:?} names more than one key in the set", shorten(kid)),
                    ))
                }
                None => {
                    let kidless = self.fitting(alg, |k| k.kid.is_none());
                    if kidless.is_empty() {
                        return Err(err(
                            ErrorKind::UnknownKey,
                            format!("no key with kid {:?} in the set", shorten(kid)),
                        ));
                    }
                    return Ok(Candidates::Several(kidless));
                }
            }
        }
        let fitting = self.fitting(alg, |_| true);
        if fitting.is_empty() {
            return Err(err(
                ErrorKind::UnknownKey,
                format!("the token has no kid and no key in the set can verify {alg}"),
            ));
        }
        Ok(Candidates::Several(fitting))
    }

    fn fitting(&self, alg: Algorithm, filter: impl Fn(&Jwk) -> bool) -> Vec<&Jwk> {
        self.keys
            .iter()
            .filter(|k| filter(k) && k.fits(alg))
            .take(MAX_KEYS_WITHOUT_KID)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn parse(v: Value, allow_oct: bool) -> Result<KeySet, Error> {
        KeySet::from_value(
            &v,
            &KeySetOptions {
                allow_oct,
                ..KeySetOptions::default()
            },
        )
    }

    #[test]
    fn skips_bad_keys_and_keeps_good_ones() {
        let set = parse(
            json!({"keys":[
                {"kty":"OKP","crv":"Ed448","x":"AA","kid":"a"},
                {"kty":"OKP","crv":"Ed25519","x":ED_X,"kid":"b"},
                {"kty":"XYZ","kid":"c"},
                {"kty":"RSA","n":"AQAB","e":"AQAB","kid":"d","use":"enc","alg":"RSA-OAEP"},
                "not a key"
            ]}),
            false,
        )
        .unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set.skipped().len(), 4);
        assert_eq!(set.skipped()[0].kid.as_deref(), Some("a"));
        assert!(set.contains_kid("b"));
        assert!(matches!(
            set.select(Some("b"), Algorithm::EdDSA),
            Ok(Candidates::One(_))
        ));
        assert_eq!(
            set.select(Some("b"), Algorithm::ES256)
                .err()
                .unwrap()
                .kind(),
            ErrorKind::KeyMismatch
        );
        assert_eq!(
            set.select(Some("zzz"), Algorithm::EdDSA)
                .err()
                .unwrap()
                .kind(),
            ErrorKind::UnknownKey
        );
    }

    #[test]
    fn empty_and_unusable_sets_are_errors() {
        assert_eq!(
            parse(json!({"keys":[]}), false).unwrap_err().kind(),
            ErrorKind::KeySetInvalid
        );
        assert_eq!(
            parse(
                json!({"keys":[{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}]}),
                false
            )
            .unwrap_err()
            .kind(),
            ErrorKind::KeySetInvalid
        );
        assert!(parse(json!([]), false).is_err());
        assert!(parse(json!({"keys":{}}), false).is_err());
        let big = KeySet::parse(&vec![b' '; 2 * 1024 * 1024], &KeySetOptions::default());
        assert_eq!(big.unwrap_err().kind(), ErrorKind::KeySetInvalid);
    }

    #[test]
    fn duplicate_kids() {
        let ed = json!({"kty":"OKP","crv":"Ed25519","x":ED_X,"kid":"k"});
        let ec = json!({"kty":"EC","crv":"P-256","x":EC_X,"y":EC_Y,"kid":"k"});
        // The same key twice is one key.
        let set = parse(json!({"keys":[ed, ed]}), false).unwrap();
        assert!(matches!(
            set.select(Some("k"), Algorithm::EdDSA),
            Ok(Candidates::One(_))
        ));
        // Two different keys: ambiguous.
        let set = parse(json!({"keys":[ed, ec]}), false).unwrap();
        assert_eq!(
            set.select(Some("k"), Algorithm::EdDSA)
                .err()
                .unwrap()
                .kind(),
            ErrorKind::AmbiguousKey
        );
        // A broken signing entry with the same kid also makes it ambiguous.
        let broken = json!({"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"k"});
        let set = parse(json!({"keys":[ed, broken]}), false).unwrap();
        assert_eq!(
            set.select(Some("k"), Algorithm::EdDSA)
                .err()
                .unwrap()
                .kind(),
            ErrorKind::AmbiguousKey
        );
        // An encryption key with the same kid does not.
        let enc = json!({"kty":"EC","crv":"P-256","x":EC_X,"y":EC_Y,"kid":"k","use":"enc"});
        let set = parse(json!({"keys":[ed, enc]}), false).unwrap();
        assert!(matches!(
            set.select(Some("k"), Algorithm::EdDSA),
            Ok(Candidates::One(_))
        ));
    }

    #[test]
    fn oct_keys_only_when_allowed_and_not_mixed() {
        let oct = json!({"kty":"oct","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","kid":"h"});
        let ed = json!({"kty":"OKP","crv":"Ed25519","x":ED_X,"kid":"e"});
        assert_eq!(
            parse(json!({"keys":[oct]}), false).unwrap_err().kind(),
            ErrorKind::KeySetInvalid
        );
        let set = parse(json!({"keys":[oct]}), true).unwrap();
        assert!(matches!(
            set.select(Some("h"), Algorithm::HS256),
            Ok(Candidates::One(_))
        ));
        let mixed = parse(json!({"keys":[oct, ed]}), true).unwrap();
        assert!(!mixed.contains_kid("h"));
        assert_eq!(mixed.skipped().len(), 1);
    }

    #[test]
    fn selection_without_kid() {
        let ed = json!({"kty":"OKP","crv":"Ed25519","x":ED_X});
        let ec = json!({"kty":"EC","crv":"P-256","x":EC_X,"y":EC_Y,"kid":"ec"});
        let set = parse(json!({"keys":[ed, ec]}), false).unwrap();
        match set.select(None, Algorithm::ES256) {
            Ok(Candidates::Several(v)) => assert_eq!(v.len(), 1),
            _ => panic!("expected candidates"),
        }
        // An unknown kid falls back to the keys that have no kid.
        assert!(matches!(
            set.select(Some("x"), Algorithm::EdDSA),
            Ok(Candidates::Several(_))
        ));
        assert!(set.select(Some("x"), Algorithm::ES384).is_err());
    }
}
