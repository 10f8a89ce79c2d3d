//! A bounded memory of `kid`s that a fresh fetch did not contain.
//!
//! A flood of tokens naming the same bad `kid` then costs no fetch at all, and does not use up
//! the unknown-`kid` cooldown that a genuinely new key needs. A `kid` is remembered for one
//! cooldown after the fetch that lacked it, never longer: a `kid` that appears late (a token
//! issued before its key was published) must be picked up within one cooldown of the key's
//! publication however many tokens named it before. Repeating a missing `kid` therefore costs
//! at most one fetch per cooldown, the same bound the cooldown puts on every unknown `kid`.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use super::clock::later;

/// How many `kid`s are remembered; the oldest entry is forgotten first.
pub(crate) const MISSING_KID_MEMORY: usize = 1024;

/// Recently missing `kid`s, stored as keyed hashes so memory stays small whatever their length.
#[derive(Debug)]
pub(crate) struct MissingKids {
    hasher: RandomState,
    /// Until when each `kid` blocks a fetch.
    entries: HashMap<u64, Instant>,
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
        self.entries.get(&h).is_some_and(|until| now < *until)
    }

    /// Records that a fetch at `now` did not contain `kid`: it blocks fetches for one
    /// `cooldown` from `now` (a later miss moves that window, it never lengthens it).
    pub(crate) fn note(&mut self, kid: &str, now: Instant, cooldown: Duration) {
        let h = self.hasher.hash_one(kid);
        if !self.entries.contains_key(&h) {
            if self.order.len() >= self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.entries.remove(&old);
                }
            }
            self.order.push_back(h);
        }
        self.entries.insert(h, later(now, cooldown));
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
    fn remembers_for_one_cooldown_however_often_missed_and_forgets_oldest() {
        let t0 = Instant::now();
        let cd = Duration::from_secs(10);
        let mut m = MissingKids::new(3);
        assert!(!m.blocks("a", t0));
        m.note("a", t0, cd);
        assert!(m.blocks("a", t0 + Duration::from_secs(9)));
        assert!(!m.blocks("a", t0 + Duration::from_secs(10)));
        // Missed again and again: still one cooldown from the last miss, not more.
        for i in 0..20 {
            m.note("a", t0 + cd * i, cd);
        }
        let last = t0 + cd * 19;
        assert!(m.blocks("a", last + Duration::from_secs(9)));
        assert!(!m.blocks("a", last + Duration::from_secs(10)));

        m.note("a", t0, cd);
        for kid in ["b", "c", "d"] {
            m.note(kid, t0, cd);
        }
        assert_eq!(m.len(), 3);
        assert!(!m.blocks("a", t0), "oldest entry forgotten");
        assert!(m.blocks("d", t0));
    }
}
