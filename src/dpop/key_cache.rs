//! The keys of DPoP proofs, parsed once per client key.
//!
//! A client signs every proof with one key, so every proof it sends has the same header
//! (`typ`, `alg`, `jwk`): the header's bytes are the key of this cache, and a hit skips reading
//! the `jwk` and checking the key (an EC point check costs as much as a signature check). A
//! miss parses and checks the key exactly as a key of a JWKS is ([`crate::jwk`]), plus the
//! checks a proof's key needs; only keys that pass are kept. Bounded in entries and bytes; when
//! full, an arbitrary entry makes room.

use std::collections::HashMap;
use std::hash::RandomState;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::alg::Algorithm;
use crate::error::Error;
use crate::jwk::Jwk;

/// A proof key that passed every check, for the algorithm of its header.
#[derive(Debug)]
pub(crate) struct ProofKey {
    /// The key.
    pub(crate) jwk: Jwk,
    /// The header's `alg`, which the key fits.
    pub(crate) alg: Algorithm,
}

/// Most keys kept.
const MAX_ENTRIES: usize = 1024;
/// Most header bytes kept (headers are a few hundred bytes; an RSA key's about 500).
const MAX_BYTES: usize = 1 << 20;

#[derive(Default)]
struct Entries {
    map: HashMap<Box<[u8]>, Arc<ProofKey>, RandomState>,
    bytes: usize,
}

/// See the module docs.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: RwLock<Entries>,
}

impl KeyCache {
    /// The key for a proof header, parsed by `parse` on a miss.
    pub(crate) fn get_or_parse(
        &self,
        header: &[u8],
        parse: impl FnOnce() -> Result<ProofKey, Error>,
    ) -> Result<Arc<ProofKey>, Error> {
        if let Some(key) = self.entries.read().map.get(header) {
            return Ok(Arc::clone(key));
        }
        let key = Arc::new(parse()?);
        let mut entries = self.entries.write();
        while !entries.map.is_empty()
            && (entries.map.len() >= MAX_ENTRIES || entries.bytes + header.len() > MAX_BYTES)
        {
            let victim = entries.map.keys().next().cloned();
            if let Some(victim) = victim {
                entries.bytes -= victim.len();
                entries.map.remove(&victim);
            }
        }
        if header.len() <= MAX_BYTES && !entries.map.contains_key(header) {
            entries.bytes += header.len();
            entries.map.insert(header.into(), Arc::clone(&key));
        }
        Ok(key)
    }

    /// Keys held now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.read().map.len()
    }
}
