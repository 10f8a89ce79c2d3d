//! A directory of key files, published as a JWKS: rotation is adding and removing files.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::keys::SigningKey;
use crate::error::{err, Error, ErrorKind};
use crate::jwk::Jwk;

/// Files larger than this are not key files and are skipped.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// At most this many files are read from a key directory.
const MAX_FILES: usize = 256;

/// The members of a JWK that are public; everything else (`d`, `p`, `q`, `k`...) is dropped.
const PUBLIC_MEMBERS: &[&str] = &[
    "kty", "crv", "x", "y", "n", "e", "kid", "alg", "use", "key_ops",
];

/// The public keys found in a key directory.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDir {
    /// `{"keys": [...]}`, one public JWK per usable file, in file name order.
    pub jwks: Value,
    /// Files that were not published, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// A file of a key directory that was not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file name.
    pub file: String,
    /// Why it was skipped.
    pub reason: String,
}

/// What a directory listing looked like, to notice changes without rereading every file.
pub(super) type Listing = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Lists the candidate key files: regular, not hidden, not editor backups.
pub(super) fn list(dir: &Path) -> Result<Listing, Error> {
    let entries = fs::read_dir(dir).map_err(|e| {
        err(
            ErrorKind::KeysUnavailable,
            format!("cannot read key directory {}: {e}", dir.display()),
        )
    })?;
    let mut listing = Listing::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = entry.path();
        // Follows symlinks, so a directory of links to key files works.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_file() {
            listing.push((path, meta.len(), meta.modified().ok()));
        }
    }
    listing.sort();
    Ok(listing)
}

/// Reads every key file of a directory and builds the public JWKS.
///
/// Accepted files: key files written by `jwks keygen` or any unencrypted PKCS#8/PKCS#1 PEM
/// private key (see [`SigningKey::from_key_file`]), and public JWK JSON files. HMAC secrets are
/// never published. A file that cannot be read or parsed is skipped and reported; a `kid`
/// already published by an earlier file (in name order) is skipped too, since verifiers
/// refuse ambiguous `kid`s.
pub fn load_key_dir(dir: &Path) -> Result<KeyDir, Error> {
    Ok(load_listing(&list(dir)?))
}

pub(super) fn load_listing(listing: &Listing) -> KeyDir {
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    let mut kids = std::collections::HashSet::new();
    for (path, len, _) in listing.iter().take(MAX_FILES) {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let result = if *len > MAX_FILE_BYTES {
            Err(format!("larger than {MAX_FILE_BYTES} bytes"))
        } else {
            fs::read(path)
                .map_err(|e| format!("cannot read: {e}"))
                .and_then(|bytes| public_jwk_of_file(&bytes))
        };
        match result {
            Ok(jwk) => {
                let kid = jwk["kid"].as_str().unwrap_or_default().to_owned();
                if kids.insert(kid.clone()) {
                    keys.push(jwk);
                } else {
                    skipped.push(SkippedFile {
                        file,
                        reason: format!("kid {kid:?} is already published by another file"),
                    });
                }
            }
            Err(reason) => skipped.push(SkippedFile { file, reason }),
        }
    }
    if listing.len() > MAX_FILES {
        skipped.push(SkippedFile {
            file: String::new(),
            reason: format!("only the first {MAX_FILES} files are read"),
        });
    }
    KeyDir {
        jwks: json!({ "keys": keys }),
        skipped,
    }
}

fn public_jwk_of_file(bytes: &[u8]) -> Result<Value, String> {
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    if !is_json {
        let key = SigningKey::from_key_file(bytes, None).map_err(|e| e.message().to_owned())?;
        return Ok(key.public_jwk());
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    if obj.get("kty").and_then(Value::as_str) == Some("oct") {
        return Err("HMAC secrets are never published".into());
    }
    if obj.contains_key("keys") {
        return Err("a JWKS; put one key per file".into());
    }
    let mut public: Map<String, Value> = PUBLIC_MEMBERS
        .iter()
        .filter_map(|m| obj.get(*m).map(|v| ((*m).to_owned(), v.clone())))
        .collect();
    let parsed = Jwk::from_json(&Value::Object(public.clone())).map_err(|r| r.reason)?;
    if parsed.kid().is_none() {
        public.insert("kid".into(), parsed.thumbprint().into());
    }
    Ok(Value::Object(public))
}
