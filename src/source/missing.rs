//! A bounded memory of `kid`s that a fresh fetch did not contain.
//!
//! A flood of tokens naming the same bad `kid` then costs no fetch at all, and does not use up
//! the unknown-`kid` cooldown that a genuinely new key needs. Each further miss of the same
//! `kid` doubles how long it is remembered (up to 16 cooldowns), so a `kid` that appears late
//! (a token issued before its key was published) is still looked up again soon.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

/// How many `kid`s are remembered; the oldest entry is forgotten first.
pub(crate) const MISSING_KID_MEMORY: usize = 1024;

/// The longest a `kid` is remembered, in cooldowns.
const MAX_COOLDOWNS: u32 = 16;

#[derive(Debug, Clone, Copy)]
struct Entry {
    misses: u32,
    until: Instant,
}

/// Recently missing `kid`s, stored as keyed hashes so memory stays small whatever their length.
#[derive(Debug)]
pub(crate) struct MissingKids {
    hasher: RandomState,
    entries: HashMap<u64, Entry>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl MissingKids {
    pub(crate) fn new(capacity: usize) -> MissingKids {
        MissingKids {
            hasher: RandomState::new(),
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Whether `kid` was found missing recently enough that no fetch should be made for it.
    pub(crate) fn blocks(&self, kid: &str, now: Instant) -> bool {
        let h = self.hasher.hash_one(kid);
        self.entries.get(&h).is_some_and(|e| now < e.until)
    }

    /// Records that a fetch at `now` did not contain `kid`.
    pub(crate) fn note(&mut self, kid: &str, now: Instant, cooldown: Duration) {
        let h = self.hasher.hash_one(kid);
        let misses = match self.entries.get(&h) {
            Some(e) => e.misses.saturating_add(1),
            None => {
                if self.order.len() >= self.capacity {
                    if let Some(old) = self.order.pop_front() {
                        self.entries.remove(&old);
                    }
                }
                self.order.push_back(h);
                1
            }
        };
        let factor = 1u32 << (misses - 1).min(MAX_COOLDOWNS.trailing_zeros());
        let until = super::cache::later(now, cooldown.saturating_mul(factor));
        self.entries.insert(h, Entry { misses, until });
    }

    /// How many `kid`s are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_with_doubling_and_forgets_oldest() {
        let t0 = Instant::now();
        let cd = Duration::from_secs(10);
        let mut m = MissingKids::new(3);
        assert!(!m.blocks("a", t0));
        m.note("a", t0, cd);
        assert!(m.blocks("a", t0 + Duration::from_secs(9)));
        assert!(!m.blocks("a", t0 + Duration::from_secs(10)));
        m.note("a", t0 + cd, cd);
        assert!(m.blocks("a", t0 + Duration::from_secs(29)));
        assert!(!m.blocks("a", t0 + Duration::from_secs(30)));
        for _ in 0..20 {
            m.note("a", t0, cd);
        }
        assert!(m.blocks("a", t0 + Duration::from_secs(159)));
        assert!(!m.blocks("a", t0 + Duration::from_secs(160)));

        for kid in ["b", "c", "d"] {
            m.note(kid, t0, cd);
        }
        assert_eq!(m.len(), 3);
        assert!(!m.blocks("a", t0), "oldest entry forgotten");
        assert!(m.blocks("d", t0));
    }
}
