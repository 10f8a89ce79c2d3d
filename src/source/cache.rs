//! The cache of one remote key set: when to fetch, who fetches, and what to serve meanwhile.
//!
//! # Rules
//!
//! - Readers take an `Arc<KeySet>` snapshot under a read lock held for a pointer copy; no lock
//!   is ever held across a fetch, so verifying with known keys never waits on the network.
//! - One fetch at a time ("single flight"): callers that need a fetch while one is running
//!   wait for it instead of starting another. A cold cache fetches on first use.
//! - Freshness comes from `Cache-Control` (see [`super::cache_control`]). In the last 10–20 %
//!   of the lifetime the request that notices spawns a short-lived background thread to
//!   refresh (with `If-None-Match` when there is an `ETag`) and is served the current keys.
//! - Expired keys keep being served without waiting, up to `max_stale` past expiry, while one
//!   background refetch runs (after an idle period as during an outage): once keys were had,
//!   known `kid`s never wait for the network. Failed refetches are retried in the background,
//!   backing off exponentially between `retry_min` and `retry_max`.
//! - A fetch (discovery included, and its redirects) has one deadline, `timeout` after it
//!   starts.
//! - A failed fetch never replaces good keys. With no usable keys the error says why.
//! - An unknown `kid` triggers at most one fetch per `refresh_cooldown`; other unknown `kid`s
//!   meanwhile are rejected at once, and `kid`s a fresh fetch did not contain are remembered
//!   for one cooldown (see [`super::missing`]) so repeating them costs nothing, and a key
//!   published later is still picked up within one cooldown.
//! - No long-lived thread, and a fetch started by a thread that no longer exists (in a child
//!   after `fork`) is abandoned rather than waited on.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::cache_control;
use super::clock::{later, Clock};
use super::discovery;
use super::flight::Flight;
use super::http::{FetchResponse, Fetcher};
use super::key_source::SourceStats;
use super::missing::{MissingKids, MISSING_KID_MEMORY};
use super::options::RemoteOptions;
use super::shown_url::show_url;
use crate::error::{err, Error, ErrorKind};
use crate::keyset::{KeySet, KeySetOptions};
use crate::read_mostly::ReadMostly;

/// Where the key set lives.
#[derive(Clone)]
pub(crate) enum Target {
    /// A JWKS URL.
    Url(String),
    /// An issuer whose `jwks_uri` is found by discovery on the first fetch.
    Issuer(String),
}

/// Debug output (a verifier logged with `{:?}`) shows the URL without its userinfo.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, url) = match self {
            Target::Url(u) => ("Url", u),
            Target::Issuer(i) => ("Issuer", i),
        };
        f.debug_tuple(kind).field(&show_url(url)).finish()
    }
}

/// How a background refresh runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spawn {
    /// On a new short-lived thread.
    Thread,
    /// On the calling thread (deterministic tests).
    #[cfg(test)]
    Inline,
}

/// The keys and their timing, swapped as a whole.
#[derive(Debug)]
struct Snapshot {
    keys: Arc<KeySet>,
    validated_at: Instant,
    refresh_at: Instant,
    expires_at: Instant,
    etag: Option<String>,
}

#[derive(Debug)]
struct State {
    in_flight: Option<Arc<Flight>>,
    jwks_url: Option<String>,
    last_error: Option<Error>,
    failures_in_row: u32,
    next_retry_at: Option<Instant>,
    last_miss_fetch: Option<Instant>,
    missing: MissingKids,
}

#[derive(Debug, Default)]
struct Counters {
    fetches: AtomicU64,
    not_modified: AtomicU64,
    failures: AtomicU64,
    unknown_kid_refreshes: AtomicU64,
    cooldown_rejections: AtomicU64,
}

struct Shared {
    target: Target,
    fetcher: Arc<dyn Fetcher>,
    clock: Arc<dyn Clock>,
    opts: RemoteOptions,
    parse: KeySetOptions,
    spawn: Spawn,
    current: ReadMostly<Option<Arc<Snapshot>>>,
    /// Until this many ms after `base`, requests in the refresh window or an outage serve the
    /// current keys without taking the state lock (a refresh is running or not yet due).
    quiet_until_ms: AtomicU64,
    base: Instant,
    state: Mutex<State>,
    counters: Counters,
}

/// A cached remote key set. Cheap to share: clones refer to the same cache.
#[derive(Clone)]
pub(crate) struct KeyCache {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("target", &self.shared.target)
            .finish_non_exhaustive()
    }
}

impl KeyCache {
    /// A cold cache; nothing is fetched until keys are asked for.
    pub(crate) fn new(
        target: Target,
        fetcher: Arc<dyn Fetcher>,
        clock: Arc<dyn Clock>,
        opts: RemoteOptions,
        spawn: Spawn,
    ) -> KeyCache {
        let parse = KeySetOptions {
            // Never HMAC secrets from the network.
            allow_oct: false,
            max_bytes: opts.max_response_bytes,
            max_keys: opts.max_keys,
        };
        let base = clock.now();
        let jwks_url = match &target {
            Target::Url(u) => Some(u.clone()),
            Target::Issuer(_) => None,
        };
        KeyCache {
            shared: Arc::new(Shared {
                target,
                fetcher,
                clock,
                parse,
                spawn,
                current: ReadMostly::new(None),
                quiet_until_ms: AtomicU64::new(0),
                base,
                state: Mutex::new(State {
                    in_flight: None,
                    jwks_url,
                    last_error: None,
                    failures_in_row: 0,
                    next_retry_at: None,
                    last_miss_fetch: None,
                    missing: MissingKids::new(MISSING_KID_MEMORY),
                }),
                counters: Counters::default(),
                opts,
            }),
        }
    }

    /// The keys to verify with now, fetching first if there are none usable.
    pub(crate) fn keys(&self) -> Result<Arc<KeySet>, Error> {
        let s = &self.shared;
        let now = s.clock.now();
        if let Some(keys) = s.fast_path(now, Arc::clone) {
            return Ok(keys);
        }
        s.keys_slow(now)
    }

    /// The generation of the set [`keys`](Self::keys) would return, with the same effects,
    /// without cloning the set's `Arc` on the fast path.
    pub(crate) fn generation(&self) -> Result<u64, Error> {
        let s = &self.shared;
        let now = s.clock.now();
        if let Some(generation) = s.fast_path(now, |keys| keys.generation()) {
            return Ok(generation);
        }
        Ok(s.keys_slow(now)?.generation())
    }

    /// A newer set for a token whose `kid` the current set lacks, if a fetch is allowed now.
    pub(crate) fn keys_after_miss(&self, kid: Option<&str>) -> Result<Option<Arc<KeySet>>, Error> {
        match kid {
            Some(kid) => self.shared.after_miss(kid),
            None => Ok(None),
        }
    }

    /// Fetches now (joining a fetch already running) and returns its outcome.
    pub(crate) fn refresh(&self) -> Result<(), Error> {
        self.shared.fetch_and_wait()
    }

    /// The counters and the current set's size and age.
    pub(crate) fn stats(&self) -> SourceStats {
        let s = &self.shared;
        let c = &s.counters;
        let now = s.clock.now();
        let snap = s.current.read().clone();
        SourceStats {
            fetches: c.fetches.load(Ordering::Relaxed),
            not_modified: c.not_modified.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            unknown_kid_refreshes: c.unknown_kid_refreshes.load(Ordering::Relaxed),
            cooldown_rejections: c.cooldown_rejections.load(Ordering::Relaxed),
            key_count: snap.as_ref().map_or(0, |s| s.keys.len() as u64),
            skipped_count: snap.as_ref().map_or(0, |s| s.keys.skipped().len() as u64),
            keys_age_ms: snap.as_ref().map_or(-1, |s| {
                i64::try_from(now.saturating_duration_since(s.validated_at).as_millis())
                    .unwrap_or(i64::MAX)
            }),
        }
    }

    /// The error of the most recent fetch, if it failed.
    pub(crate) fn last_error(&self) -> Option<Error> {
        self.shared.state.lock().last_error.clone()
    }

    /// How many callers wait on the fetch in progress (tests of single flight).
    #[cfg(test)]
    pub(crate) fn waiters(&self) -> u64 {
        let st = self.shared.state.lock();
        st.in_flight
            .as_ref()
            .map_or(0, |f| f.waiters.load(Ordering::Relaxed))
    }

    /// Waits for a fetch in progress, if any (tests of background refreshes).
    #[cfg(test)]
    pub(crate) fn wait_idle(&self) {
        let flight = self.shared.state.lock().in_flight.clone();
        if let Some(f) = flight {
            let _ = f.wait(self.shared.wait_limit());
        }
    }
}

impl Shared {
    /// How long a caller waits for someone else's fetch: the fetch's deadline (which covers
    /// discovery too) plus room for parsing.
    fn wait_limit(&self) -> Duration {
        self.opts.timeout.saturating_add(Duration::from_secs(2))
    }

    fn ms(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.base).as_millis()).unwrap_or(u64::MAX)
    }

    /// `read` of the current keys when they need no attention now: before the refresh time,
    /// or while a refresh runs (or an outage is being ridden out) and they are within the
    /// stale bound. Only this shared read happens on every verification.
    fn fast_path<R>(&self, now: Instant, read: impl FnOnce(&Arc<KeySet>) -> R) -> Option<R> {
        let current = self.current.read();
        let snap = current.as_ref()?;
        (now < snap.refresh_at
            || (self.ms(now) < self.quiet_until_ms.load(Ordering::Relaxed)
                && now < later(snap.expires_at, self.opts.max_stale)))
        .then(|| read(&snap.keys))
    }

    fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.current.read().clone()
    }

    fn keys_slow(self: &Arc<Self>, now: Instant) -> Result<Arc<KeySet>, Error> {
        let snap = self.snapshot();
        if let Some(snap) = &snap {
            if now < snap.expires_at {
                self.refresh_in_background(now);
                return Ok(Arc::clone(&snap.keys));
            }
            if now < later(snap.expires_at, self.opts.max_stale) {
                // Expired but within the stale bound (after an idle period, or an outage):
                // serve these keys now and let one background fetch replace them.
                self.refresh_in_background(now);
                return Ok(self.usable_keys(snap));
            }
        }
        // No keys, or keys past the stale bound: a fetch is needed, unless one just failed.
        {
            let st = self.state.lock();
            if let (Some(retry), Some(e)) = (st.next_retry_at, &st.last_error) {
                if now < retry
                    && !st
                        .in_flight
                        .as_ref()
                        .is_some_and(|f| f.alive(self.wait_limit()))
                {
                    return Err(self.no_keys_error(snap.as_deref(), now, e.clone()));
                }
            }
        }
        match self.fetch_and_wait() {
            Ok(()) => match self.snapshot() {
                Some(fresh) => Ok(Arc::clone(&fresh.keys)),
                None => Err(err(ErrorKind::KeysUnavailable, "no keys after a fetch")),
            },
            Err(e) => Err(self.no_keys_error(snap.as_deref(), now, e)),
        }
    }

    /// The newest snapshot's keys, or `fallback`'s if there is none.
    fn usable_keys(&self, fallback: &Arc<Snapshot>) -> Arc<KeySet> {
        self.snapshot()
            .map_or_else(|| Arc::clone(&fallback.keys), |s| Arc::clone(&s.keys))
    }

    fn no_keys_error(&self, stale: Option<&Snapshot>, now: Instant, cause: Error) -> Error {
        match stale {
            Some(snap) => err(
                ErrorKind::KeysUnavailable,
                format!(
                    "cached keys expired {}s ago, beyond the {}s allowed while refreshes fail; \
                     last error: {}",
                    now.saturating_duration_since(snap.expires_at).as_secs(),
                    self.opts.max_stale.as_secs(),
                    cause.message()
                ),
            ),
            None => cause,
        }
    }

    fn after_miss(self: &Arc<Self>, kid: &str) -> Result<Option<Arc<KeySet>>, Error> {
        let now = self.clock.now();
        let rejected = || {
            self.counters
                .cooldown_rejections
                .fetch_add(1, Ordering::Relaxed);
            Ok(None)
        };
        let joined = {
            let mut st = self.state.lock();
            if st.missing.blocks(kid, now) {
                drop(st);
                return rejected();
            }
            match &st.in_flight {
                Some(f) if f.alive(self.wait_limit()) => Some(Arc::clone(f)),
                _ => {
                    let cooling = st
                        .last_miss_fetch
                        .is_some_and(|t| now < later(t, self.opts.refresh_cooldown));
                    let backing_off = st.next_retry_at.is_some_and(|t| now < t);
                    if cooling || backing_off {
                        drop(st);
                        return rejected();
                    }
                    st.last_miss_fetch = Some(now);
                    None
                }
            }
        };
        if let Some(flight) = joined {
            // Someone is already fetching: share that fetch.
            let _ = flight.wait(self.wait_limit());
            return Ok(self
                .snapshot()
                .filter(|s| fits(&s.keys, kid))
                .map(|s| Arc::clone(&s.keys)));
        }
        self.counters
            .unknown_kid_refreshes
            .fetch_add(1, Ordering::Relaxed);
        self.fetch_and_wait()?;
        let fresh = self.snapshot();
        match fresh {
            Some(s) if fits(&s.keys, kid) => Ok(Some(Arc::clone(&s.keys))),
            _ => {
                let mut st = self.state.lock();
                let fetched_at = self.clock.now();
                st.missing.note(kid, fetched_at, self.opts.refresh_cooldown);
                Ok(None)
            }
        }
    }

    /// Joins the running fetch or runs one on this thread, then returns its outcome.
    fn fetch_and_wait(self: &Arc<Self>) -> Result<(), Error> {
        let (flight, lead) = self.join_or_lead();
        if lead {
            self.run(&flight);
        }
        flight.wait(self.wait_limit())
    }

    fn join_or_lead(&self) -> (Arc<Flight>, bool) {
        let mut st = self.state.lock();
        if let Some(f) = &st.in_flight {
            if f.alive(self.wait_limit()) {
                return (Arc::clone(f), false);
            }
        }
        let f = Flight::new();
        st.in_flight = Some(Arc::clone(&f));
        (f, true)
    }

    /// Starts a background refresh unless one is running or a retry is not due yet. Either
    /// way the caller serves the current keys; until something changes, so can the fast path.
    fn refresh_in_background(self: &Arc<Self>, now: Instant) {
        let flight = {
            let mut st = self.state.lock();
            let busy = st
                .in_flight
                .as_ref()
                .is_some_and(|f| f.alive(self.wait_limit()));
            let retry_at = st.next_retry_at.filter(|t| now < *t);
            if busy || retry_at.is_some() {
                // `finish` clears this when the running fetch ends.
                let until = retry_at.unwrap_or(later(now, self.wait_limit()));
                self.quiet_until_ms.store(self.ms(until), Ordering::Relaxed);
                return;
            }
            let f = Flight::new();
            st.in_flight = Some(Arc::clone(&f));
            f
        };
        match self.spawn {
            Spawn::Thread => {
                let shared = Arc::clone(self);
                let f = Arc::clone(&flight);
                let spawned = std::thread::Builder::new()
                    .name("jwks-refresh".into())
                    .spawn(move || shared.run(&f));
                if let Err(e) = spawned {
                    self.finish(
                        &flight,
                        Err(err(
                            ErrorKind::KeysUnavailable,
                            format!("could not start a refresh thread: {e}"),
                        )),
                    );
                }
            }
            #[cfg(test)]
            Spawn::Inline => self.run(&flight),
        }
    }

    /// Performs the fetch for `flight` and publishes the outcome.
    fn run(&self, flight: &Arc<Flight>) {
        /// Completes the flight even if the fetcher panics, so no waiter hangs.
        struct Guard<'a> {
            shared: &'a Shared,
            flight: &'a Arc<Flight>,
        }
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                if self.flight.done.lock().is_none() {
                    self.shared.finish(
                        self.flight,
                        Err(err(ErrorKind::Internal, "the key fetch panicked")),
                    );
                }
            }
        }
        let guard = Guard {
            shared: self,
            flight,
        };
        let deadline = later(Instant::now(), self.opts.timeout);
        let result = self.fetch_once(deadline);
        guard.shared.finish(flight, result);
    }

    fn finish(&self, flight: &Arc<Flight>, result: Result<(), Error>) {
        {
            let mut st = self.state.lock();
            if st
                .in_flight
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, flight))
            {
                st.in_flight = None;
            }
            self.quiet_until_ms.store(0, Ordering::Relaxed);
        }
        flight.complete(result);
    }

    /// One fetch (after discovery if needed, both within `deadline`), applied to the cache.
    fn fetch_once(&self, deadline: Instant) -> Result<(), Error> {
        let known = self.state.lock().jwks_url.clone();
        let url = match known {
            Some(u) => Ok(u),
            None => self.discover(deadline),
        };
        let outcome = url.and_then(|url| {
            let etag = self.snapshot().and_then(|s| s.etag.clone());
            self.counters.fetches.fetch_add(1, Ordering::Relaxed);
            self.fetcher.fetch_until(&url, etag.as_deref(), deadline)
        });
        let now = self.clock.now();
        let applied = outcome.and_then(|resp| self.apply(resp, now));
        let mut st = self.state.lock();
        match &applied {
            Ok(()) => {
                st.failures_in_row = 0;
                st.next_retry_at = None;
                st.last_error = None;
            }
            Err(e) => {
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
                st.failures_in_row = st.failures_in_row.saturating_add(1);
                st.next_retry_at = Some(later(now, self.backoff(st.failures_in_row)));
                st.last_error = Some(e.clone());
            }
        }
        applied
    }

    fn discover(&self, deadline: Instant) -> Result<String, Error> {
        let Target::Issuer(issuer) = &self.target else {
            return Err(err(ErrorKind::Internal, "no key set URL"));
        };
        self.counters.fetches.fetch_add(1, Ordering::Relaxed);
        let url = discovery::discover(
            self.fetcher.as_ref(),
            issuer,
            self.opts.allow_http,
            deadline,
        )?;
        self.state.lock().jwks_url = Some(url.clone());
        Ok(url)
    }

    /// Installs a fetched set (or extends the current one on `304`).
    fn apply(&self, resp: FetchResponse, now: Instant) -> Result<(), Error> {
        let ttl = cache_control::ttl(resp.cache_control.as_deref(), &self.opts);
        let (refresh_at, expires_at) = (
            later(now, ttl.mul_f64(1.0 - jitter(0.10, 0.20))),
            later(now, ttl),
        );
        let old = self.snapshot();
        let snap = if resp.not_modified {
            let Some(old) = old else {
                return Err(err(
                    ErrorKind::KeysUnavailable,
                    "304 Not Modified but no keys are cached",
                ));
            };
            self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
            Snapshot {
                keys: Arc::clone(&old.keys),
                validated_at: now,
                refresh_at,
                expires_at,
                etag: resp.etag.or_else(|| old.etag.clone()),
            }
        } else {
            let keys = KeySet::parse(&resp.body, &self.parse)
                .map_err(|e| err(e.kind(), format!("{}: {}", self.describe(), e.message())))?;
            Snapshot {
                keys: Arc::new(keys),
                validated_at: now,
                refresh_at,
                expires_at,
                etag: resp.etag,
            }
        };
        *self.current.write() = Some(Arc::new(snap));
        Ok(())
    }

    fn describe(&self) -> String {
        let url = match &self.target {
            Target::Url(u) => u.clone(),
            Target::Issuer(i) => self
                .state
                .lock()
                .jwks_url
                .clone()
                .unwrap_or_else(|| i.clone()),
        };
        format!(
            "key set from {}",
            show_url(url.split('?').next().unwrap_or(""))
        )
    }

    /// The wait before retry number `failures` (1 = the first retry), with jitter: from
    /// `retry_min`, doubling, up to `retry_max` (`RemoteOptions::check` keeps them in order
    /// and above zero).
    fn backoff(&self, failures: u32) -> Duration {
        let doubled = self
            .opts
            .retry_min
            .saturating_mul(1u32 << failures.saturating_sub(1).min(20));
        let wait = doubled.min(self.opts.retry_max);
        // Checked: a huge wait times the jitter must not overflow (it stays as it is).
        Duration::try_from_secs_f64(wait.as_secs_f64() * (1.0 - jitter(0.0, 0.2))).unwrap_or(wait)
    }
}

/// Whether `set` has a key for `kid` (or keys without a `kid`, which such tokens may use).
fn fits(set: &KeySet, kid: &str) -> bool {
    set.contains_kid(kid) || set.keys().iter().any(|k| k.kid().is_none())
}

/// A pseudo-random fraction in [lo, hi), for spreading refreshes of many processes apart.
fn jitter(lo: f64, hi: f64) -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let h = std::collections::hash_map::RandomState::new()
        .hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    let unit = (h >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * unit
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;

impl KeyCache {
    /// Whether keys are cached and within their stale bound: [`KeyCache::keys`] would answer
    /// without waiting for a fetch. Reads the current snapshot only.
    pub(crate) fn is_ready(&self) -> bool {
        let s = &self.shared;
        let now = s.clock.now();
        s.current
            .read()
            .as_ref()
            .is_some_and(|snap| now < later(snap.expires_at, s.opts.max_stale))
    }

    /// Whether [`KeyCache::keys`] followed, for a `kid` the keys lack, by
    /// [`KeyCache::keys_after_miss`] would wait for a fetch now (its own or one running).
    /// Reads state only; mirrors the decisions of `keys_slow` and `after_miss`.
    pub(crate) fn would_block(&self, kid: Option<&str>) -> bool {
        let s = &self.shared;
        let now = s.clock.now();
        let snap = s.snapshot();
        let usable = snap
            .as_ref()
            .filter(|snap| now < later(snap.expires_at, s.opts.max_stale));
        let Some(snap) = usable else {
            // Cold, or past the stale bound: `keys` fetches unless a failed fetch's retry is
            // not due yet and nothing runs, in which case it fails at once.
            let st = s.state.lock();
            let running = st
                .in_flight
                .as_ref()
                .is_some_and(|f| f.alive(s.wait_limit()));
            let backing_off = st.next_retry_at.is_some_and(|t| now < t) && st.last_error.is_some();
            return running || !backing_off;
        };
        match kid {
            Some(kid) if !fits(&snap.keys, kid) => {
                let st = s.state.lock();
                if st.missing.blocks(kid, now) {
                    return false;
                }
                if st
                    .in_flight
                    .as_ref()
                    .is_some_and(|f| f.alive(s.wait_limit()))
                {
                    return true;
                }
                let cooling = st
                    .last_miss_fetch
                    .is_some_and(|t| now < later(t, s.opts.refresh_cooldown));
                let backing_off = st.next_retry_at.is_some_and(|t| now < t);
                !(cooling || backing_off)
            }
            _ => false,
        }
    }
}
