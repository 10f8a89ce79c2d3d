//! The verified-token cache: a service sees the same token on every request until it expires,
//! so a verification that succeeded is kept and the next one of the same bytes is a lookup.
//!
//! A store with no policy of its own, which the verifier drives: `lookup` before a
//! verification, `confirm` of what it found against the source's current key set, `insert`
//! after a full verification.
//!
//! # Rules
//!
//! - Keyed on the exact token bytes: a SipHash with a random key per verifier (nobody can aim
//!   many tokens at one bucket) of the token's length and its last [`HASHED_TAIL`] bytes, then
//!   a full byte comparison. The tail lies in the signature, which differs between any two
//!   valid tokens, and only valid tokens are stored; hashing the tail alone keeps a miss from
//!   paying for hashing a kilobyte of token. Tokens that share a tail (forgeries of a cached
//!   token) meet at one position and are told apart by the comparison.
//! - Only successful verifications are kept. An entry holds the verified token (header,
//!   payload, alg, key identity), the index of its claims' members (so that a hit's claim
//!   getters parse no JSON; made when the entry is stored, counted in the byte bound), the
//!   time claims, the generation of the key set that verified it and, for a source that
//!   routes by issuer, the `iss` used to route.
//! - A hit answers exactly as a full verification would:
//!   - the source is asked for its current key set, as a verification would (so refreshes,
//!     expiry of remote keys and file reloads happen as without a cache), and the entry is used
//!     only if that set is the very one that verified it (same generation); otherwise it is
//!     dropped and the token verified again;
//!   - the time rules (`exp`, `nbf`, `iat` in the future, maximum age, leeway) are checked
//!     again at the caller's `now`, whatever `now` the first verification had;
//!   - everything else the verdict depends on (signature, header policy, `iss`, `aud`,
//!     required claims) depends only on the bytes, the key set and the verifier's fixed policy.
//! - An entry is reused for at most [`TokenCacheOptions::max_reuse`], and never past the
//!   token's `exp` plus leeway (as seen by the `now` of the verification that stored it).
//! - Bounded in entries and in bytes (each entry's bytes are counted with allocator overhead).
//!   Eviction is CLOCK (second chance): a hit sets a flag, the hand clears it, and only entries
//!   not hit since the hand last passed are evicted, so hot tokens stay.
//! - Admission on the second sighting once full: while a shard has room every verified token is
//!   stored; once it is full, a token is stored only if it missed recently before (its keyed
//!   hash is in the cache's doorkeeper, a small table of recent misses that were not stored).
//!   A token a client reuses is stored on its second request, while a flood of one-off tokens
//!   neither displaces anything nor pays for storing: their miss costs a lookup and one
//!   atomic store next to the full verification.
//! - No global lock: entries live in up to 16 shards (of at least 64 entries, unless the
//!   bound is smaller), each behind its own read-write lock; a hit takes one shard's read
//!   lock, whose readers do not share a cache line (`ReadMostly`), and writes nothing
//!   shared: counters are striped per thread, the hit flag is written once, the key set's
//!   generation is read without cloning the set.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::alg::Algorithm;
use crate::claims::TimeClaims;
use crate::members::Members;
use crate::nul_str::NulStr;
/// Re-exported here, beside the cache they configure.
pub use crate::policy::{
    TokenCacheOptions, DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_REUSE,
};
use crate::read_mostly::ReadMostly;
use crate::stripe::STRIPES;
use crate::verified_token::VerifiedToken;

pub use crate::catalogue::TokenCacheStats;

const MAX_SHARDS: usize = 16;
/// Fewest entries a shard is made for: a shard fills on its own (and then evicts, and stores
/// only second sightings), so a small cache is not cut into shards that fill while the cache
/// is mostly empty.
const MIN_SHARD_ENTRIES: usize = 64;
/// What one heap allocation costs beyond its payload (glibc: 16 bytes of header and rounding).
const ALLOC_OVERHEAD: usize = 16;
/// Index bytes per entry: a `u64 → u32` hash map bucket (16 bytes with its control byte,
/// rounded) at the lowest load a power-of-two table reaches (under half full).
const INDEX_COST: usize = 40;

/// Entry buffers are allocated in multiples of this many bytes (see `TokenCache::insert`).
const BUFFER_ROUNDING: usize = 64;

/// Bytes at the end of a token that are hashed (see the module docs).
pub const HASHED_TAIL: usize = 32;

/// Doorkeeper positions per entry of the bound: a one-off token is remembered for about this
/// many times the cache's entries in misses.
const DOORKEEPER_PER_ENTRY: usize = 2;

/// Doorkeeper positions for `entries` held: a power of two, at least one.
fn positions(entries: usize) -> usize {
    entries
        .max(1)
        .saturating_mul(DOORKEEPER_PER_ENTRY)
        .checked_next_power_of_two()
        .unwrap_or(1 << (usize::BITS - 1))
}

/// Everything a hit needs.
struct Slot {
    /// The token, then the header and the payload each with its NUL: one allocation, whose
    /// capacity (counted in `cost`) may exceed them when it was an evicted entry's.
    bytes: Vec<u8>,
    token_len: usize,
    header_len: usize,
    hash: u64,
    alg: Algorithm,
    kid: Option<NulStr>,
    key_id: Option<NulStr>,
    key_thumbprint: NulStr,
    times: TimeClaims,
    /// Whether the token carries `cnf` (see [`Facts::bound`]).
    bound: bool,
    generation: u64,
    issuer: Option<Box<str>>,
    /// Where the claims' members lie in the payload, for the claim getters of a hit (see
    /// [`crate::claim_reader`]); `None` only if the payload could not be indexed.
    members: Option<Members>,
    /// After this the entry is not reused (`max_reuse`, or the token's `exp`).
    deadline: Instant,
    /// Set by a hit, cleared by the eviction hand.
    visited: AtomicBool,
    cost: usize,
}

impl Slot {
    /// The bytes an entry takes: `bytes` of buffer capacity, `issuer` bytes of routing issuer,
    /// `members` bytes of the claims' index.
    fn cost_of(bytes: usize, issuer: usize, members: usize) -> usize {
        let heap = |n: usize| if n == 0 { 0 } else { n + ALLOC_OVERHEAD };
        // The slot twice: a shard's Vec of slots may have up to twice the room it uses.
        2 * std::mem::size_of::<Slot>() + INDEX_COST + heap(bytes) + heap(issuer) + heap(members)
    }

    fn token(&self) -> &[u8] {
        &self.bytes[..self.token_len]
    }

    /// A verified token for the caller, as the full verification made it, with the index of
    /// its claims. The strings and the index are copied, not shared: cloning a shared one
    /// writes its reference count, a cache line that threads hitting the same entry would pass
    /// back and forth.
    fn verified(&self, max_json_depth: usize) -> VerifiedToken {
        let (header, payload) = self.bytes[self.token_len..].split_at(self.header_len);
        let copy = |s: &NulStr| NulStr::new(s);
        let verified = VerifiedToken::new(
            header.to_vec(),
            payload.to_vec(),
            self.alg,
            self.kid.as_ref().map(copy),
            self.key_id.as_ref().map(copy),
            copy(&self.key_thumbprint),
            max_json_depth,
        );
        match &self.members {
            Some(members) => verified.with_members(members.clone()),
            None => verified.claims_checked(),
        }
    }
}

/// A `u64` that is already a keyed hash: the index uses it as is.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("the index only hashes u64 keys")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Default)]
struct Shard {
    /// Keyed hash → position in `slots`. Two tokens with the same 64-bit keyed hash (never in
    /// practice) share one position: the newer replaces the older.
    index: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    slots: Vec<Slot>,
    hand: usize,
    bytes: usize,
}

impl Shard {
    fn find(&self, hash: u64, token: &[u8]) -> Option<&Slot> {
        let slot = &self.slots[*self.index.get(&hash)? as usize];
        (slot.token() == token).then_some(slot)
    }

    fn remove_at(&mut self, i: usize) -> Slot {
        let gone = self.slots.swap_remove(i);
        self.index.remove(&gone.hash);
        self.bytes -= gone.cost;
        if let Some(moved) = self.slots.get(i) {
            self.index.insert(moved.hash, i as u32);
        }
        if self.hand >= self.slots.len() {
            self.hand = 0;
        }
        gone
    }

    /// Moves the hand to an entry not hit since the hand last passed it, clearing the hit
    /// flags it passes over (CLOCK); returns that entry's position.
    fn victim(&mut self) -> usize {
        loop {
            if self.slots[self.hand].visited.swap(false, Ordering::Relaxed) {
                self.hand = (self.hand + 1) % self.slots.len();
            } else {
                return self.hand;
            }
        }
    }

    /// Stores `slot` in place of the entry at `i` and moves the hand past it; returns the
    /// entry it replaced.
    fn replace_at(&mut self, i: usize, slot: Slot) -> Slot {
        self.index.remove(&self.slots[i].hash);
        self.index.insert(slot.hash, i as u32);
        self.bytes = self.bytes + slot.cost - self.slots[i].cost;
        self.hand = (i + 1) % self.slots.len();
        std::mem::replace(&mut self.slots[i], slot)
    }
}

/// Per-thread stripes of the hit and miss counters, so that threads hitting the cache at once
/// do not write the same cache line.
#[repr(align(128))]
#[derive(Default)]
struct Stripe {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A bounded, sharded cache of verified tokens for one verifier.
pub(crate) struct TokenCache {
    hasher: RandomState,
    shards: Box<[ReadMostly<Shard>]>,
    shard_entries: usize,
    shard_bytes: usize,
    max_reuse: Duration,
    stripes: [Stripe; STRIPES],
    evictions: AtomicU64,
    /// The keyed hashes of recent misses not stored because the shard was full, one per
    /// position (direct-mapped, a power of two long): a second miss that finds its hash here
    /// is stored. Written without a lock: a lost or torn race only delays one admission.
    /// Made when a shard first fills (a cache that never fills never pays for it), sized by
    /// the entries held then: the cache's memory follows its use, never `max_entries` up front.
    doorkeeper: OnceLock<Box<[AtomicU64]>>,
    /// The most positions the doorkeeper may have (a power of two), reserved out of the byte
    /// bound.
    doorkeeper_max: usize,
    options: TokenCacheOptions,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache with these bounds, or `None` if they turn it off.
    pub(crate) fn new(options: TokenCacheOptions) -> Option<TokenCache> {
        let max_entries = options.max_entries as usize;
        if max_entries == 0 || options.max_bytes == 0 || options.max_reuse.is_zero() {
            return None;
        }
        // A power of two, so that the per-shard bounds add up to at most the configured ones,
        // and no more shards than the bound fills with `MIN_SHARD_ENTRIES` each.
        let mut shards = MAX_SHARDS;
        while shards > 1 && max_entries / shards < MIN_SHARD_ENTRIES {
            shards /= 2;
        }
        let shard_entries = max_entries / shards;
        // The doorkeeper's most positions follow the entries that can be held, and their bytes
        // come out of the byte bound (at most a few percent of it: a position is 8 bytes, an
        // entry hundreds). Nothing is allocated here.
        let most_held = max_entries.min(options.max_bytes / Slot::cost_of(BUFFER_ROUNDING, 0, 0));
        let doorkeeper_max = positions(most_held);
        let entry_bytes = options
            .max_bytes
            .saturating_sub(doorkeeper_max.saturating_mul(std::mem::size_of::<AtomicU64>()));
        Some(TokenCache {
            hasher: RandomState::new(),
            shards: (0..shards).map(|_| ReadMostly::default()).collect(),
            shard_entries,
            shard_bytes: entry_bytes / shards,
            max_reuse: options.max_reuse,
            stripes: Default::default(),
            evictions: AtomicU64::new(0),
            doorkeeper: OnceLock::new(),
            doorkeeper_max,
            options,
        })
    }

    fn shard(&self, hash: u64) -> &ReadMostly<Shard> {
        // The top bits pick the shard; the index's own hash table uses the low ones.
        &self.shards[(hash >> 58) as usize % self.shards.len()]
    }

    /// Whether a token whose miss found its shard full (holding `entries`) is stored: yes if
    /// it missed recently (its hash is in the doorkeeper), else its hash is remembered for
    /// next time.
    fn admit(&self, hash: u64, entries: usize) -> bool {
        let doorkeeper = self.doorkeeper.get_or_init(|| {
            // The shards fill alike (the keyed hash spreads tokens evenly), so the first full
            // one tells how many entries the whole cache holds.
            let held = entries.saturating_mul(self.shards.len());
            let n = positions(held).min(self.doorkeeper_max);
            (0..n).map(|_| AtomicU64::new(0)).collect()
        });
        // Bits the shard choice (the top ones) and the index's table (the low ones) do not
        // lean on, so that a shard's tokens spread over the whole doorkeeper.
        let at = (hash >> 16) as usize & (doorkeeper.len() - 1);
        let seen = &doorkeeper[at];
        if seen.load(Ordering::Relaxed) == hash {
            return true;
        }
        seen.store(hash, Ordering::Relaxed);
        false
    }

    /// Looks `token` up. A stored entry comes back as a [`Hit`] that the caller must
    /// [`confirm`](Self::confirm) against the source's current key set before using it; a
    /// token with no entry counts as a miss. Either way the [`Probe`] is what a later
    /// [`insert`](Self::insert) of this token needs.
    pub(crate) fn lookup<'t>(
        &self,
        token: &'t [u8],
        max_json_depth: usize,
        stripe: usize,
    ) -> (Probe<'t>, Option<Hit>) {
        let tail = &token[token.len().saturating_sub(HASHED_TAIL)..];
        let hash = self.hasher.hash_one((token.len(), tail));
        let (found, occupancy) = {
            let shard = self.shard(hash).read();
            let found = shard.find(hash, token).map(|s| {
                if !s.visited.load(Ordering::Relaxed) {
                    s.visited.store(true, Ordering::Relaxed);
                }
                Hit {
                    verified: s.verified(max_json_depth),
                    times: s.times,
                    bound: s.bound,
                    generation: s.generation,
                    issuer: s.issuer.clone(),
                    deadline: s.deadline,
                }
            });
            (found, (shard.slots.len(), shard.bytes))
        };
        if found.is_none() {
            self.stripes[stripe].misses.fetch_add(1, Ordering::Relaxed);
        }
        let probe = Probe {
            hash,
            token,
            occupancy,
            stripe,
        };
        (probe, found)
    }

    /// Whether `hit` may answer, now that the source's current key set has `generation`: it
    /// must be the set that verified the token, and the entry within its reuse deadline.
    /// Counts a hit; otherwise drops the entry and counts a miss.
    pub(crate) fn confirm(&self, probe: &Probe<'_>, hit: &Hit, generation: u64) -> bool {
        let stripe = &self.stripes[probe.stripe];
        if generation == hit.generation && Instant::now() < hit.deadline {
            stripe.hits.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        self.remove(probe.hash, probe.token);
        stripe.misses.fetch_add(1, Ordering::Relaxed);
        false
    }

    fn remove(&self, hash: u64, token: &[u8]) {
        let mut shard = self.shard(hash).write();
        if let Some(&i) = shard.index.get(&hash) {
            if shard.slots[i as usize].token() == token {
                let gone = shard.remove_at(i as usize);
                drop(shard);
                drop(gone);
            }
        }
    }

    /// Stores a verification of the token `probe` looked up, made at `now` with `leeway`
    /// (once the shard is full, only on the token's second miss; see the module docs).
    pub(crate) fn insert(
        &self,
        probe: Probe<'_>,
        verified: &VerifiedToken,
        facts: Facts,
        now: i64,
        leeway: u64,
    ) {
        let Probe {
            hash,
            token,
            occupancy: (entries, bytes),
            ..
        } = probe;
        // Never reused past exp + leeway as the storing verification saw the time.
        let mut reuse = self.max_reuse;
        if let Some(exp) = facts.times.exp {
            let left = exp + leeway as f64 - now as f64;
            if left <= 0.0 {
                return;
            }
            reuse = reuse.min(Duration::try_from_secs_f64(left).unwrap_or(reuse));
        }
        // `reuse` is at most a day (TokenCacheOptions::check), but an instant that cannot be
        // represented is no reason to panic: such an entry is simply not stored.
        let Some(deadline) = Instant::now().checked_add(reuse) else {
            return;
        };
        let (header, payload) = (verified.header_with_nul(), verified.payload_with_nul());
        let len = token.len() + header.len() + payload.len();
        let issuer_len = facts.issuer.as_ref().map_or(0, String::len);
        // A new buffer is rounded up, so that a later token a few bytes longer (another `sub`,
        // a later `exp`) can take it over when this entry is evicted.
        let capacity = len.next_multiple_of(BUFFER_ROUNDING);
        let cost = Slot::cost_of(capacity, issuer_len, 0);
        if cost > self.shard_bytes {
            return;
        }
        // The shard as the lookup saw it: storing into a full one evicts, so only a token seen
        // before is worth it (see the module docs).
        let full = entries >= self.shard_entries || bytes + cost > self.shard_bytes;
        if full && !self.admit(hash, entries) {
            return;
        }
        // The claims are indexed only now: a miss that is not stored (a one-off token in a
        // full shard) does not pay for it.
        let members = verified.members_for_cache();
        let members_len = members.as_ref().map_or(0, Members::heap_bytes);
        let cost = Slot::cost_of(capacity, issuer_len, members_len);
        if cost > self.shard_bytes {
            return;
        }
        // The buffer is filled under the lock, once it is known whether an evicted entry's can
        // be reused: a buffer of a kilobyte (an RS256 token with its header and claims) is past
        // glibc's per-thread cache, and allocating and freeing one is a large share of a miss
        // (docs/benchmarks.md, "Measured while designing").
        let fill = |mut buffer: Vec<u8>| {
            buffer.clear();
            buffer.extend_from_slice(token);
            buffer.extend_from_slice(header);
            buffer.extend_from_slice(payload);
            buffer
        };
        let slot = Slot {
            bytes: Vec::new(),
            token_len: token.len(),
            header_len: header.len(),
            hash,
            alg: verified.alg(),
            kid: verified.kid_nul().cloned(),
            key_id: verified.key_id_nul().cloned(),
            key_thumbprint: verified.key_thumbprint_nul().clone(),
            times: facts.times,
            bound: facts.bound,
            generation: facts.generation,
            issuer: facts.issuer.map(String::into_boxed_str),
            members,
            deadline,
            visited: AtomicBool::new(false),
            cost,
        };
        // The entries removed are freed after the lock is released (usually one: no Vec).
        let (mut replaced, mut victim, mut more) = (None, None, Vec::new());
        let mut shard = self.shard(hash).write();
        if let Some(&i) = shard.index.get(&hash) {
            // Another thread stored it meanwhile (or another token with the same hash): replace.
            replaced = Some(shard.remove_at(i as usize));
        }
        let mut evicted = 0;
        let mut slot = Some(slot);
        while !shard.slots.is_empty()
            && (shard.slots.len() >= self.shard_entries || shard.bytes + cost > self.shard_bytes)
        {
            let i = shard.victim();
            evicted += 1;
            // The victim's buffer, if it holds this entry, is not over twice its size and fits
            // the byte bound (its capacity is what the entry is counted at).
            let freed = shard.bytes - shard.slots[i].cost;
            let room = shard.slots[i].bytes.capacity();
            let reuse = (len..=2 * len).contains(&room)
                && freed + Slot::cost_of(room, issuer_len, members_len) <= self.shard_bytes;
            let new_cost = if reuse {
                Slot::cost_of(room, issuer_len, members_len)
            } else {
                cost
            };
            if freed + new_cost <= self.shard_bytes {
                // The usual case: the new entry takes the victim's place.
                let mut new = slot.take().expect("stored once");
                new.bytes = fill(if reuse {
                    std::mem::take(&mut shard.slots[i].bytes)
                } else {
                    Vec::with_capacity(capacity)
                });
                new.cost = new_cost;
                victim = Some(shard.replace_at(i, new));
                break;
            }
            // A large entry needs the room of several.
            more.push(shard.remove_at(i));
        }
        if let Some(mut slot) = slot {
            slot.bytes = fill(Vec::with_capacity(capacity));
            shard.bytes += cost;
            let at = shard.slots.len() as u32;
            shard.index.insert(hash, at);
            shard.slots.push(slot);
        }
        drop(shard);
        if evicted > 0 {
            self.evictions.fetch_add(evicted, Ordering::Relaxed);
        }
        drop((replaced, victim, more));
    }

    /// The counters.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        let mut s = TokenCacheStats {
            evictions: self.evictions.load(Ordering::Relaxed),
            max_entries: u64::from(self.options.max_entries),
            max_bytes: self.options.max_bytes as u64,
            ..TokenCacheStats::default()
        };
        for stripe in &self.stripes {
            s.hits += stripe.hits.load(Ordering::Relaxed);
            s.misses += stripe.misses.load(Ordering::Relaxed);
        }
        for shard in self.shards.iter() {
            let shard = shard.read();
            s.entries += shard.slots.len() as u64;
            s.bytes += shard.bytes as u64;
        }
        s
    }
}

/// A token as `lookup` saw it: its keyed hash, and its shard's entries and
/// bytes at that moment.
pub(crate) struct Probe<'a> {
    hash: u64,
    token: &'a [u8],
    occupancy: (usize, usize),
    /// The calling thread's stripe of the counters ([`index`](crate::stripe::index)), looked up once per
    /// verification by the verifier, which counts in the same stripe.
    stripe: usize,
}

/// A stored entry found by `lookup`, not yet confirmed.
pub(crate) struct Hit {
    /// The verified token, as the full verification made it.
    pub(crate) verified: VerifiedToken,
    /// The time claims, which the caller checks again at its `now`.
    pub(crate) times: TimeClaims,
    /// Whether the token carries `cnf` (see [`Facts::bound`]).
    pub(crate) bound: bool,
    /// The generation of the key set that verified it.
    generation: u64,
    /// The `iss` the source routed by, if it routes by issuer.
    pub(crate) issuer: Option<Box<str>>,
    /// After this the entry is not reused.
    deadline: Instant,
}

/// What a full verification tells the cache besides the token.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The time claims, for re-checking on a hit.
    pub(crate) times: TimeClaims,
    /// Whether the token carries `cnf` (RFC 7800): bound to a key or a certificate, it is
    /// accepted only by a request verification that checks the binding.
    pub(crate) bound: bool,
    /// The generation of the key set that verified the signature.
    pub(crate) generation: u64,
    /// The `iss` the source routed by, if it routes by issuer.
    pub(crate) issuer: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest bounds C can ask for allocate nothing in proportion to them: the shards
    /// start empty and the doorkeeper is made when a shard first fills, sized by what it holds
    /// (it was `2 * max_entries` positions up front, 64 GiB for `u32::MAX` entries).
    #[test]
    fn memory_follows_use_not_the_bounds() {
        let cache = TokenCache::new(TokenCacheOptions {
            max_entries: u32::MAX,
            max_bytes: usize::MAX,
            ..TokenCacheOptions::default()
        })
        .expect("on");
        assert!(cache.doorkeeper.get().is_none());
        assert_eq!(cache.shards.len(), MAX_SHARDS);
        // A first full shard of 100 entries: the doorkeeper fits 16 shards of 100.
        assert!(!cache.admit(7 << 16, 100), "first sighting");
        let made = cache.doorkeeper.get().expect("made").len();
        assert_eq!(made, positions(100 * MAX_SHARDS));
        assert!(made <= 4096, "{made} positions");
        assert!(cache.admit(7 << 16, 100), "second sighting");
        // Within the positions reserved out of a small byte bound.
        let small = TokenCache::new(TokenCacheOptions {
            max_entries: u32::MAX,
            max_bytes: 4096,
            ..TokenCacheOptions::default()
        })
        .expect("on");
        small.admit(1, usize::MAX);
        assert!(small.doorkeeper.get().unwrap().len() <= small.doorkeeper_max);
        assert_eq!(positions(usize::MAX), 1 << (usize::BITS - 1));
    }
}
