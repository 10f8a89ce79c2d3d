//! A fixed key set given by the caller.

use std::sync::Arc;

use super::key_source::{KeyQuery, KeySource, SourceStats};
use crate::error::Error;
use crate::keyset::KeySet;

/// A key set that never changes.
#[derive(Debug, Clone)]
pub struct StaticSource {
    keys: Arc<KeySet>,
}

impl StaticSource {
    /// Wraps a parsed set.
    pub fn new(keys: KeySet) -> StaticSource {
        StaticSource {
            keys: Arc::new(keys),
        }
    }
}

impl KeySource for StaticSource {
    fn keys(&self, _query: &KeyQuery<'_>) -> Result<Arc<KeySet>, Error> {
        Ok(Arc::clone(&self.keys))
    }

    fn generation(&self, _query: &KeyQuery<'_>) -> Result<u64, Error> {
        Ok(self.keys.generation())
    }

    fn stats(&self) -> SourceStats {
        SourceStats {
            key_count: self.keys.len() as u64,
            skipped_count: self.keys.skipped().len() as u64,
            keys_age_ms: 0,
            ..SourceStats::default()
        }
    }
}
