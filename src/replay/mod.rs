//! The DPoP replay store: each proof's `jti` is recorded until the proof could no longer be
//! accepted, and a proof whose `jti` is already recorded is a replay (RFC 9449 §11.1).
//!
//! [`ReplayStore`] is the interface: one atomic check-and-insert of a key with its expiry,
//! whose failure (a store that is full or unreachable) is told apart from "seen". A verifier
//! uses the bounded in-memory [`MemoryReplayStore`] unless it is given another (a store a
//! fleet shares: a C callback, a Python callable, a Go interface, or a Rust type).
//!
//! # The key
//!
//! [`replay_key`]: base64url(SHA-256(thumbprint of the proof's key, 0x00, `jti`)), 43 ASCII
//! characters whatever the `jti` (which the client chooses, so its length is not stored). The
//! thumbprint scopes a `jti` to the key that signed it: one client cannot spend another's
//! `jti`.
//!
//! # The in-memory store
//!
//! - Memory bound: the byte bound is divided into 16 to 31 shards, each one fixed table
//!   ([`table`]) allocated whole the first time the shard is used and never grown or moved, so
//!   the store never holds more than its bound. A slot is 16 bytes: a 64-bit fingerprint of
//!   the key (SipHash with a key drawn per store, so nobody can aim keys at one slot or forge
//!   a collision) and the expiry; a table holds at most three quarters of its slots.
//! - Never forgets a key before its expiry: entries are removed only once expired, when a
//!   shard is full (one pass over the shard, at most once per second per shard: a full shard
//!   remembers the earliest expiry it holds). A shard full of unexpired entries refuses the
//!   new proof with [`ErrorKind::ReplayStoreUnavailable`] (answer 503) rather than forget one.
//! - False replays: two keys share a fingerprint with probability about (entries held) /
//!   2^64 per insert, 5·10^-14 with a million held.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use parking_lot::Mutex;
use ring::digest;

use crate::error::{Error, ErrorKind};

/// What a store says of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayVerdict {
    /// The key was not recorded (or its record had expired); it is recorded now.
    Fresh,
    /// The key is recorded and not expired: a replay.
    Seen,
}

/// A store of proof keys, shared by every thread of a verifier (and, for a shared store, by
/// every process of a fleet).
pub trait ReplayStore: Send + Sync {
    /// Records `key` (43 ASCII characters, [`replay_key`]) until `expires_at` (unix seconds,
    /// inclusive: the record counts while `now <= expires_at`), unless it is already recorded
    /// and unexpired; atomically, so that two requests racing with one proof see one
    /// [`ReplayVerdict::Fresh`]. `now` is the verification's time.
    ///
    /// Errors: a store that cannot answer (full, unreachable, timed out). The verifier
    /// reports them as [`ErrorKind::ReplayStoreUnavailable`] (HTTP 503); it never accepts a
    /// proof the store could not record.
    fn check_and_insert(
        &self,
        key: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<ReplayVerdict, Error>;

    /// The store's occupancy, if it knows it: `(entries, max_entries, bytes, max_bytes)`.
    /// Shared stores report zeros.
    fn occupancy(&self) -> (u64, u64, u64, u64) {
        (0, 0, 0, 0)
    }
}

/// A replay store shared by options and verifiers: compared by identity, so that a
/// [`Policy`](crate::Policy) holding one stays comparable.
#[derive(Clone)]
pub struct SharedReplayStore(pub Arc<dyn ReplayStore>);

impl SharedReplayStore {
    /// Wraps a store.
    pub fn new(store: impl ReplayStore + 'static) -> SharedReplayStore {
        SharedReplayStore(Arc::new(store))
    }
}

impl std::fmt::Debug for SharedReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedReplayStore(..)")
    }
}

impl PartialEq for SharedReplayStore {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedReplayStore {}

/// The key under which a proof is recorded: base64url(SHA-256(`thumbprint`, 0x00, `jti`)).
pub fn replay_key(thumbprint: &str, jti: &str) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(thumbprint.as_bytes());
    ctx.update(&[0]);
    ctx.update(jti.as_bytes());
    URL_SAFE_NO_PAD.encode(ctx.finish())
}

mod table;

use table::{Outcome, Table, SLOT_BYTES};

/// What the allocator takes beside a table's slots: a table is one allocation of whole pages
/// (glibc maps one above 128 KiB on its own, with a header that spills into one more page).
const TABLE_OVERHEAD: usize = 4096;
/// The fewest shards; the actual number lies below twice this.
const MIN_SHARDS: usize = 16;
/// The smallest byte bound (`dpop_replay_cache_bytes`): 21 shards of 512 slots.
pub const MIN_BYTES: usize = 256 * 1024;

/// The bounded in-memory [`ReplayStore`] (see the module docs).
pub struct MemoryReplayStore {
    shards: Box<[Mutex<Option<Table>>]>,
    hasher: RandomState,
    /// Slots of each shard's table (a power of two).
    shard_slots: usize,
    max_bytes: usize,
    refusals: AtomicU64,
}

impl std::fmt::Debug for MemoryReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryReplayStore")
            .field("shards", &self.shards.len())
            .field("max_entries", &self.max_entries())
            .finish_non_exhaustive()
    }
}

impl MemoryReplayStore {
    /// A store that takes at most `max_bytes` (at least [`MIN_BYTES`]), allocated shard by
    /// shard as keys arrive.
    pub fn new(max_bytes: usize) -> MemoryReplayStore {
        let max_bytes = max_bytes.max(MIN_BYTES);
        // A power of two of slots per shard, and as many shards of it as fit (16 to 31).
        let slots = prev_power_of_two((max_bytes / MIN_SHARDS - TABLE_OVERHEAD) / SLOT_BYTES);
        let count = (max_bytes / (slots * SLOT_BYTES + TABLE_OVERHEAD)).max(1);
        MemoryReplayStore {
            shards: (0..count).map(|_| Mutex::new(None)).collect(),
            hasher: RandomState::new(),
            shard_slots: slots,
            max_bytes,
            refusals: AtomicU64::new(0),
        }
    }

    /// The most keys the store can hold at once.
    pub fn max_entries(&self) -> usize {
        Table::capacity_of(self.shard_slots) * self.shards.len()
    }

    /// Bytes of one shard's table once allocated, the allocator's share included.
    fn shard_bytes(&self) -> usize {
        self.shard_slots * SLOT_BYTES + TABLE_OVERHEAD
    }

    /// Proofs refused because a shard was full of unexpired keys.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    fn fingerprint(&self, key: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(key.as_bytes());
        h.finish()
    }

    fn shard_of(&self, fingerprint: u64) -> &Mutex<Option<Table>> {
        // Bits 32..63 pick the shard (multiply-shift: any number of shards); a table places
        // a fingerprint by its low bits, which stay spread within a shard.
        let mid = (fingerprint >> 32) & 0xffff_ffff;
        let i = (mid * self.shards.len() as u64) >> 32;
        &self.shards[i as usize]
    }
}

fn prev_power_of_two(n: usize) -> usize {
    match n {
        0 => 1,
        n => 1 << (usize::BITS - 1 - n.leading_zeros()),
    }
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_insert(
        &self,
        key: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<ReplayVerdict, Error> {
        let fingerprint = self.fingerprint(key);
        let mut shard = self.shard_of(fingerprint).lock();
        let table = shard.get_or_insert_with(|| Table::new(self.shard_slots));
        match table.check_and_insert(fingerprint, expires_at, now) {
            Outcome::Fresh => Ok(ReplayVerdict::Fresh),
            Outcome::Seen => Ok(ReplayVerdict::Seen),
            Outcome::Full => {
                self.refusals.fetch_add(1, Ordering::Relaxed);
                Err(Error::new(
                    ErrorKind::ReplayStoreUnavailable,
                    format!(
                        "the DPoP replay store is full: its {} keys are all inside their window \
                         (dpop_replay_cache_bytes {} bytes); a proof is refused rather than a \
                         key forgotten",
                        self.max_entries(),
                        self.max_bytes
                    ),
                ))
            }
        }
    }

    fn occupancy(&self) -> (u64, u64, u64, u64) {
        let (mut entries, mut bytes) = (0u64, 0u64);
        for shard in self.shards.iter() {
            if let Some(table) = &*shard.lock() {
                entries += table.len() as u64;
                bytes += self.shard_bytes() as u64;
            }
        }
        (
            entries,
            self.max_entries() as u64,
            bytes,
            self.max_bytes as u64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_43_characters_and_scoped_to_the_key() {
        let a = replay_key("thumb-a", "jti-1");
        assert_eq!(a.len(), 43);
        assert_ne!(a, replay_key("thumb-b", "jti-1"));
        assert_ne!(a, replay_key("thumb-a", "jti-2"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(replay_key("ab", "c"), replay_key("a", "bc"));
        assert_eq!(replay_key("", &"x".repeat(10_000)).len(), 43);
    }

    #[test]
    fn the_bound_holds() {
        for bytes in [MIN_BYTES, 300_000, 1 << 20, 16 << 20, 100 << 20] {
            let store = MemoryReplayStore::new(bytes);
            assert!((MIN_SHARDS..2 * MIN_SHARDS).contains(&store.shards.len()));
            assert!(store.shard_bytes() * store.shards.len() <= bytes, "{bytes}");
            // At least a third of the bound's worth of entries.
            assert!(store.max_entries() * SLOT_BYTES * 3 >= bytes, "{bytes}");
        }
        assert_eq!(
            MemoryReplayStore::new(0).max_bytes,
            MIN_BYTES,
            "below the minimum"
        );
    }

    #[test]
    fn seen_until_expiry_then_fresh() {
        let store = MemoryReplayStore::new(MIN_BYTES);
        let k = replay_key("t", "j");
        assert_eq!(
            store.check_and_insert(&k, 100, 50),
            Ok(ReplayVerdict::Fresh)
        );
        assert_eq!(store.check_and_insert(&k, 100, 50), Ok(ReplayVerdict::Seen));
        assert_eq!(
            store.check_and_insert(&k, 100, 100),
            Ok(ReplayVerdict::Seen)
        );
        // Past its expiry the key may be used again (its proof would be refused as stale).
        assert_eq!(
            store.check_and_insert(&k, 200, 101),
            Ok(ReplayVerdict::Fresh)
        );
        assert_eq!(
            store.check_and_insert(&k, 200, 150),
            Ok(ReplayVerdict::Seen)
        );
        assert_eq!(store.occupancy().0, 1);
    }

    /// Full of unexpired keys: refused, counted, nothing forgotten; once keys expire, room
    /// is made by removing exactly the expired ones.
    #[test]
    fn refuses_rather_than_forgets() {
        let store = MemoryReplayStore::new(MIN_BYTES);
        let max = store.max_entries();
        let mut accepted = Vec::new();
        let mut refused = 0;
        // Twice the bound, all expiring at 1000: every shard fills, then refuses.
        for i in 0..2 * max {
            let k = replay_key("t", &i.to_string());
            match store.check_and_insert(&k, 1000, 10) {
                Ok(ReplayVerdict::Fresh) => accepted.push(k),
                Ok(ReplayVerdict::Seen) => panic!("a fresh key seen"),
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::ReplayStoreUnavailable);
                    refused += 1;
                }
            }
        }
        assert_eq!(accepted.len(), max, "every shard filled to its capacity");
        assert_eq!(refused, max);
        assert_eq!(store.refusals(), max as u64);
        for k in &accepted {
            assert_eq!(
                store.check_and_insert(k, 1000, 999),
                Ok(ReplayVerdict::Seen)
            );
        }
        // At 1001 every key has expired: new keys are taken, by sweeping.
        for i in 0..max / 2 {
            let k = replay_key("u", &i.to_string());
            assert_eq!(
                store.check_and_insert(&k, 2000, 1001),
                Ok(ReplayVerdict::Fresh)
            );
        }
        let (entries, max_entries, bytes, max_bytes) = store.occupancy();
        assert!(entries <= max_entries);
        assert!(bytes <= max_bytes);
    }

    #[test]
    fn racing_threads_see_one_fresh() {
        let store = Arc::new(MemoryReplayStore::new(1 << 20));
        for round in 0..200 {
            let k = replay_key("t", &format!("race-{round}"));
            let fresh: usize = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        let store = &store;
                        let k = &k;
                        s.spawn(move || {
                            store.check_and_insert(k, 100, 1) == Ok(ReplayVerdict::Fresh)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| usize::from(h.join().unwrap()))
                    .sum()
            });
            assert_eq!(fresh, 1, "round {round}");
        }
    }
}
