//! One fetch shared by every caller that needs it ("single flight").
//!
//! The thread that starts a fetch runs it and publishes the outcome; the others wait on the
//! flight, never on a lock held across I/O. A flight remembers the process that started it,
//! so in a child after `fork` (where that thread does not exist) it is ignored, not awaited.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::clock::later;
use crate::error::{err, Error, ErrorKind};

/// A fetch in progress and, once done, its outcome.
#[derive(Debug)]
pub(crate) struct Flight {
    pub(crate) pid: u32,
    pub(crate) started: Instant,
    pub(crate) done: Mutex<Option<Result<(), Error>>>,
    pub(crate) cv: Condvar,
    pub(crate) waiters: AtomicU64,
}

impl Flight {
    pub(crate) fn new() -> Arc<Flight> {
        Arc::new(Flight {
            pid: std::process::id(),
            started: Instant::now(),
            done: Mutex::new(None),
            cv: Condvar::new(),
            waiters: AtomicU64::new(0),
        })
    }

    /// Whether the thread running this fetch can still finish it.
    pub(crate) fn alive(&self, limit: Duration) -> bool {
        self.pid == std::process::id() && self.started.elapsed() < limit
    }

    pub(crate) fn complete(&self, result: Result<(), Error>) {
        let mut done = self.done.lock();
        if done.is_none() {
            *done = Some(result);
        }
        self.cv.notify_all();
    }

    pub(crate) fn wait(&self, limit: Duration) -> Result<(), Error> {
        let deadline = later(self.started, limit);
        let mut done = self.done.lock();
        self.waiters.fetch_add(1, Ordering::Relaxed);
        while done.is_none() {
            if self.cv.wait_until(&mut done, deadline).timed_out() {
                return done.clone().unwrap_or_else(|| {
                    Err(err(
                        ErrorKind::KeysUnavailable,
                        "the key fetch in progress did not finish in time",
                    ))
                });
            }
        }
        done.clone().unwrap_or(Ok(()))
    }
}
