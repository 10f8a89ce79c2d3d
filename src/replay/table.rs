//! One shard's table of the in-memory replay store: fingerprints with their expiry, in a
//! fixed array allocated once and never grown or moved.
//!
//! Why not `std::collections::HashMap` with a reserved capacity: a hashbrown table marks some
//! removed slots as tombstones, which count against its room, and an insert that finds no room
//! left reallocates the table at twice its size (holding both while it moves): a store whose
//! entries come and go would outgrow its byte bound. Here removal is backward-shift deletion
//! (linear probing keeps no tombstones), so the array is all the memory there is.
//!
//! Open addressing, linear probing, at most three quarters full (so probes stay short and
//! there is always an empty slot). A slot holds a fingerprint (never 0, which marks an empty
//! slot) and its expiry. Fingerprints are keyed hashes (see the store), so their low bits
//! place them evenly.

/// A fingerprint and its expiry; fingerprint 0 is an empty slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    fingerprint: u64,
    expiry: i64,
}

/// Bytes of one slot.
pub(super) const SLOT_BYTES: usize = std::mem::size_of::<Slot>();

/// What [`Table::check_and_insert`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Recorded (new, or over its own expired record).
    Fresh,
    /// Present and not expired.
    Seen,
    /// Absent, and the table holds its most entries.
    Full,
}

/// See the module docs.
#[derive(Debug)]
pub(super) struct Table {
    slots: Box<[Slot]>,
    len: usize,
    /// No entry expires before this (a lower bound: `i64::MIN` until the first sweep).
    earliest: i64,
}

impl Table {
    /// A table of `slots` slots (a power of two, at least 4), zeroed.
    pub(super) fn new(slots: usize) -> Table {
        debug_assert!(slots.is_power_of_two() && slots >= 4);
        Table {
            slots: vec![Slot::default(); slots].into_boxed_slice(),
            len: 0,
            earliest: i64::MIN,
        }
    }

    /// The most entries a table of `slots` slots holds.
    pub(super) fn capacity_of(slots: usize) -> usize {
        slots / 4 * 3
    }

    /// Entries held (expired ones not yet removed included).
    pub(super) fn len(&self) -> usize {
        self.len
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn home(&self, fingerprint: u64) -> usize {
        fingerprint as usize & self.mask()
    }

    /// Records `fingerprint` until `expiry` unless it is recorded and `now <= expiry` of its
    /// record. When the table is full, expired entries are removed first (at most once per
    /// distinct `now` that finds something expired).
    pub(super) fn check_and_insert(&mut self, fingerprint: u64, expiry: i64, now: i64) -> Outcome {
        let fingerprint = fingerprint.max(1);
        let mut i = self.home(fingerprint);
        loop {
            let slot = &mut self.slots[i];
            if slot.fingerprint == 0 {
                break;
            }
            if slot.fingerprint == fingerprint {
                if now <= slot.expiry {
                    return Outcome::Seen;
                }
                slot.expiry = expiry;
                self.earliest = self.earliest.min(expiry);
                return Outcome::Fresh;
            }
            i = (i + 1) & self.mask();
        }
        if self.len >= Table::capacity_of(self.slots.len()) {
            if now <= self.earliest {
                return Outcome::Full;
            }
            self.sweep(now);
            if self.len >= Table::capacity_of(self.slots.len()) {
                return Outcome::Full;
            }
            // The sweep moved entries: find the empty slot again.
            i = self.home(fingerprint);
            while self.slots[i].fingerprint != 0 {
                i = (i + 1) & self.mask();
            }
        }
        self.slots[i] = Slot {
            fingerprint,
            expiry,
        };
        self.len += 1;
        self.earliest = self.earliest.min(expiry);
        Outcome::Fresh
    }

    /// Removes every entry with `expiry < now` and records the earliest expiry left.
    fn sweep(&mut self, now: i64) {
        let n = self.slots.len();
        // Start just after an empty slot (there is one: the table is at most 3/4 full), so
        // that no run of entries wraps around the start and every entry moved by a removal
        // lands where the walk has yet to look.
        let start = match self.slots.iter().position(|s| s.fingerprint == 0) {
            Some(e) => e + 1,
            None => return,
        };
        let mut earliest = i64::MAX;
        let mut step = 0;
        while step < n {
            let i = (start + step) & self.mask();
            let slot = self.slots[i];
            if slot.fingerprint != 0 && slot.expiry < now {
                self.remove_at(i);
                // Another entry may have moved into `i`: look at it again.
                continue;
            }
            if slot.fingerprint != 0 {
                earliest = earliest.min(slot.expiry);
            }
            step += 1;
        }
        self.earliest = earliest;
    }

    /// Backward-shift deletion: empties slot `hole`, moving back each later entry of its run
    /// that may sit there (one whose home is not between the hole and its slot).
    fn remove_at(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let slot = self.slots[j];
            if slot.fingerprint == 0 {
                break;
            }
            let home = self.home(slot.fingerprint);
            // The entry stays if its home lies cyclically in (hole, j].
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = slot;
                hole = j;
            }
        }
        self.slots[hole] = Slot::default();
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a model (a map), with fingerprints crowded into few home slots so that runs are
    /// long, wrap around the end, and removals shift entries across the wrap.
    #[test]
    fn agrees_with_a_model() {
        use std::collections::HashMap;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut seen = [0usize; 3];
        for round in 0..200 {
            let slots = 16usize << (round % 3);
            let mut t = Table::new(slots);
            let mut model: HashMap<u64, i64> = HashMap::new();
            let mut now = 0i64;
            for _ in 0..2000 {
                now += rand(3) as i64;
                // A fingerprint homed in the last four slots or the first two, from a small
                // set, so that keys repeat.
                let home =
                    [slots - 4, slots - 3, slots - 2, slots - 1, 0, 1][rand(6) as usize] as u64;
                let fp = home | ((1 + rand(12)) << 8);
                let expiry = now + rand(24) as i64;
                let live = model.values().filter(|e| now <= **e).count();
                let full = live >= Table::capacity_of(slots);
                // An expired record may have been swept already (then the key is absent).
                let allowed: &[Outcome] = match model.get(&fp) {
                    Some(e) if now <= *e => &[Outcome::Seen],
                    Some(_) if full => &[Outcome::Fresh, Outcome::Full],
                    Some(_) => &[Outcome::Fresh],
                    None if full => &[Outcome::Full],
                    None => &[Outcome::Fresh],
                };
                let got = t.check_and_insert(fp, expiry, now);
                seen[got as usize] += 1;
                if got == Outcome::Fresh {
                    model.insert(fp, expiry);
                }
                // Full only when every held entry is live; never Fresh over a live record.
                assert!(
                    allowed.contains(&got),
                    "round {round}, fp {fp:x}, now {now}: {got:?}"
                );
                assert!(t.len() <= Table::capacity_of(slots));
                // Every entry of the table is found where probing looks, once.
                for (at, slot) in t.slots.iter().enumerate() {
                    if slot.fingerprint == 0 {
                        continue;
                    }
                    let mut i = t.home(slot.fingerprint);
                    while t.slots[i].fingerprint != slot.fingerprint {
                        assert_ne!(
                            t.slots[i].fingerprint, 0,
                            "entry at {at} unreachable, round {round}"
                        );
                        i = (i + 1) & t.mask();
                    }
                    assert_eq!(i, at, "a fingerprint twice, round {round}");
                }
                // Every live key of the model is found where probing looks.
                for (&k, &e) in &model {
                    if now <= e {
                        let mut i = t.home(k);
                        while t.slots[i].fingerprint != k {
                            assert_ne!(t.slots[i].fingerprint, 0, "live key {k:x} lost");
                            i = (i + 1) & t.mask();
                        }
                    }
                }
            }
        }
        assert!(seen.iter().all(|&n| n > 100), "outcomes {seen:?}");
    }

    #[test]
    fn zero_is_no_fingerprint_and_outcomes_are_all_exercised() {
        let mut t = Table::new(4);
        assert_eq!(t.check_and_insert(0, 10, 0), Outcome::Fresh);
        assert_eq!(t.check_and_insert(0, 10, 0), Outcome::Seen);
        assert_eq!(t.len(), 1);
    }
}
