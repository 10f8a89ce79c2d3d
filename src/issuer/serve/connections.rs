//! The open connections of a [`super::JwksServer`], oldest first, so that a full server
//! closes an idle connection to answer a new client instead of turning the client away.
//!
//! A connection is *idle* until its whole request head has arrived and *answering* from then
//! on (one request per connection, so it never goes back). Only idle connections are ever
//! closed to make room: an answer under way is never cut. The phase is an atomic that the
//! connection and the registry both move with a compare-and-swap, so "started answering" and
//! "closed to make room" cannot both happen to one connection.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

const IDLE: u8 = 0;
const ANSWERING: u8 = 1;
const EVICTED: u8 = 2;

/// Where one connection is: waiting for its request head, or answering it.
#[derive(Debug, Default)]
pub(super) struct Phase(AtomicU8);

impl Phase {
    /// Marks the connection as answering; false when it was already closed to make room
    /// (it must then not answer).
    pub(super) fn start_answering(&self) -> bool {
        self.0
            .compare_exchange(IDLE, ANSWERING, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Marks an idle connection as closed to make room; false when it is answering.
    fn evict(&self) -> bool {
        self.0
            .compare_exchange(IDLE, EVICTED, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }
}

/// What [`Connections::make_room`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Room<H> {
    /// Below capacity: nothing to close.
    Free,
    /// At capacity: the oldest idle connection was taken out; close it with this handle.
    Made(H),
    /// Every connection is answering: the new one must be refused.
    Full,
}

/// The open connections, each with its phase and a handle `H` that closes it.
#[derive(Debug)]
pub(super) struct Connections<H> {
    capacity: usize,
    next_id: u64,
    /// By id, which is the order of arrival: the first entry is the oldest connection.
    open: BTreeMap<u64, (Arc<Phase>, H)>,
}

impl<H> Connections<H> {
    /// An empty registry that holds at most `capacity` connections.
    pub(super) fn new(capacity: usize) -> Self {
        Connections {
            capacity,
            next_id: 0,
            open: BTreeMap::new(),
        }
    }

    /// Connections registered and not yet removed or evicted.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.open.len()
    }

    /// Makes room for one more connection: at capacity, by taking out the oldest idle one
    /// (marked so that it can no longer start answering), whose handle the caller must use
    /// to close it.
    pub(super) fn make_room(&mut self) -> Room<H> {
        if self.open.len() < self.capacity {
            return Room::Free;
        }
        let oldest_idle = self
            .open
            .iter()
            .find_map(|(&id, (phase, _))| phase.evict().then_some(id));
        match oldest_idle.and_then(|id| self.open.remove(&id)) {
            Some((_, handle)) => Room::Made(handle),
            None => Room::Full,
        }
    }

    /// The id the next registered connection gets (to give its task before registering it).
    pub(super) fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Registers a connection under [`Connections::next_id`]; call [`Connections::make_room`]
    /// first.
    pub(super) fn insert(&mut self, phase: Arc<Phase>, handle: H) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.open.insert(id, (phase, handle));
        id
    }

    /// Forgets a connection that ended (nothing happens if it was evicted already).
    pub(super) fn remove(&mut self, id: u64) {
        self.open.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(c: &mut Connections<u64>) -> (u64, Arc<Phase>) {
        let phase = Arc::new(Phase::default());
        let id = c.next_id();
        assert_eq!(c.insert(Arc::clone(&phase), id), id);
        (id, phase)
    }

    #[test]
    fn a_full_registry_gives_up_its_oldest_idle_connection() {
        let mut c = Connections::new(3);
        let (first, first_phase) = register(&mut c);
        let (second, _) = register(&mut c);
        assert_eq!(c.make_room(), Room::Free);
        let (third, _) = register(&mut c);
        // The oldest one is answering: the next oldest goes.
        assert!(first_phase.start_answering());
        assert_eq!(c.make_room(), Room::Made(second));
        assert_eq!(c.len(), 2);
        let (_, fourth_phase) = register(&mut c);
        assert_eq!(c.make_room(), Room::Made(third));
        register(&mut c);
        // An answering connection is not evicted; one that ended leaves room.
        assert!(fourth_phase.start_answering());
        assert!(!fourth_phase.evict());
        c.remove(first);
        assert_eq!(c.len(), 2);
        assert_eq!(c.make_room(), Room::Free);
    }

    #[test]
    fn a_registry_of_answering_connections_has_no_room() {
        let mut c = Connections::new(2);
        let (_, a) = register(&mut c);
        let (_, b) = register(&mut c);
        assert!(a.start_answering() && b.start_answering());
        assert_eq!(c.make_room(), Room::Full);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn an_evicted_connection_does_not_answer() {
        let mut c = Connections::new(1);
        let (_, phase) = register(&mut c);
        assert_eq!(c.make_room(), Room::Made(0));
        assert!(!phase.start_answering());
        assert_eq!(c.len(), 0);
    }
}
