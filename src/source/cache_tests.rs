//! The cache state machine with an injected fetcher and clock: no sockets, no sleeps.

use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;

use parking_lot::Condvar;

use super::*;

const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

fn doc(kids: &[&str]) -> Vec<u8> {
    let keys: Vec<String> = kids
        .iter()
        .map(|k| format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"{k}","x":"{X}"}}"#))
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(",")).into_bytes()
}

fn ok(kids: &[&str]) -> Result<FetchResponse, Error> {
    Ok(FetchResponse {
        body: doc(kids),
        ..FetchResponse::default()
    })
}

fn ok_with(
    kids: &[&str],
    etag: Option<&str>,
    cache_control: Option<&str>,
) -> Result<FetchResponse, Error> {
    Ok(FetchResponse {
        body: doc(kids),
        etag: etag.map(str::to_owned),
        cache_control: cache_control.map(str::to_owned),
        not_modified: false,
    })
}

fn not_modified() -> Result<FetchResponse, Error> {
    Ok(FetchResponse {
        not_modified: true,
        ..FetchResponse::default()
    })
}

fn down() -> Result<FetchResponse, Error> {
    Err(err(
        ErrorKind::KeysUnavailable,
        "fetching x: HTTP status 503",
    ))
}

/// A clock that only moves when told.
struct FakeClock {
    base: Instant,
    offset_ms: AtomicU64,
}

impl FakeClock {
    fn new() -> Arc<FakeClock> {
        Arc::new(FakeClock {
            base: Instant::now(),
            offset_ms: AtomicU64::new(0),
        })
    }

    fn set(&self, secs: f64) {
        self.offset_ms
            .store((secs * 1000.0) as u64, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Answers from a script (the last answer repeats), recording each call's URL and ETag.
/// While `gate` is closed, fetches block.
struct Script {
    answers: Mutex<VecDeque<Result<FetchResponse, Error>>>,
    last: Mutex<Option<Result<FetchResponse, Error>>>,
    calls: Mutex<Vec<(String, Option<String>)>>,
    gate: Mutex<bool>,
    opened: Condvar,
    entered: AtomicUsize,
}

impl Script {
    fn new(answers: Vec<Result<FetchResponse, Error>>) -> Arc<Script> {
        Arc::new(Script {
            answers: Mutex::new(answers.into()),
            last: Mutex::new(None),
            calls: Mutex::new(Vec::new()),
            gate: Mutex::new(true),
            opened: Condvar::new(),
            entered: AtomicUsize::new(0),
        })
    }

    fn push(&self, answer: Result<FetchResponse, Error>) {
        self.answers.lock().push_back(answer);
    }

    fn calls(&self) -> usize {
        self.calls.lock().len()
    }

    fn etags(&self) -> Vec<Option<String>> {
        self.calls.lock().iter().map(|c| c.1.clone()).collect()
    }

    fn close(&self) {
        *self.gate.lock() = false;
    }

    fn open(&self) {
        *self.gate.lock() = true;
        self.opened.notify_all();
    }
}

impl Fetcher for Script {
    fn fetch(&self, url: &str, etag: Option<&str>) -> Result<FetchResponse, Error> {
        self.calls
            .lock()
            .push((url.to_string(), etag.map(str::to_owned)));
        self.entered.fetch_add(1, Ordering::SeqCst);
        let mut open = self.gate.lock();
        while !*open {
            self.opened.wait(&mut open);
        }
        drop(open);
        let next = self.answers.lock().pop_front();
        let mut last = self.last.lock();
        match next {
            Some(a) => {
                *last = Some(a.clone());
                a
            }
            None => last.clone().expect("script has an answer"),
        }
    }
}

fn options() -> RemoteOptions {
    RemoteOptions {
        cache_ttl: Duration::from_secs(100),
        min_cache_ttl: Duration::from_secs(10),
        max_cache_ttl: Duration::from_secs(1000),
        refresh_cooldown: Duration::from_secs(30),
        max_stale: Duration::from_secs(500),
        retry_min: Duration::from_secs(1),
        retry_max: Duration::from_secs(60),
        ..RemoteOptions::default()
    }
}

fn cache_with(script: &Arc<Script>, clock: &Arc<FakeClock>, opts: RemoteOptions) -> KeyCache {
    KeyCache::new(
        Target::Url("https://idp.example/jwks".into()),
        Arc::clone(script) as Arc<dyn Fetcher>,
        Arc::clone(clock) as Arc<dyn Clock>,
        opts,
        Spawn::Inline,
    )
}

fn cache(script: &Arc<Script>, clock: &Arc<FakeClock>) -> KeyCache {
    cache_with(script, clock, options())
}

fn kids(set: &KeySet) -> Vec<String> {
    set.keys()
        .iter()
        .filter_map(|k| k.kid().map(str::to_owned))
        .collect()
}

#[test]
fn fetches_once_then_serves_from_cache_until_the_refresh_window() {
    let script = Script::new(vec![ok(&["a"]), ok(&["b"])]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    assert_eq!(script.calls(), 0);
    assert_eq!(c.stats().keys_age_ms, -1);
    assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    for t in [0.0, 10.0, 50.0, 79.9] {
        clock.set(t);
        assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    }
    assert_eq!(script.calls(), 1);
    // In the last 10-20 % of the 100 s lifetime a refresh happens; by 90 s it surely has.
    clock.set(90.0);
    c.keys().unwrap();
    assert_eq!(script.calls(), 2);
    assert_eq!(kids(&c.keys().unwrap()), ["b"]);
    let stats = c.stats();
    assert_eq!((stats.fetches, stats.failures, stats.key_count), (2, 0, 1));
    assert_eq!(stats.keys_age_ms, 0);
    clock.set(95.0);
    assert_eq!(c.stats().keys_age_ms, 5000);
}

#[test]
fn max_age_sets_the_lifetime_within_the_clamp() {
    for (header, lifetime) in [
        ("max-age=300", 300.0),
        ("max-age=1", 10.0),
        ("max-age=99999", 1000.0),
        ("no-store", 10.0),
    ] {
        let script = Script::new(vec![ok_with(&["a"], None, Some(header))]);
        let clock = FakeClock::new();
        let c = cache(&script, &clock);
        c.keys().unwrap();
        clock.set(lifetime * 0.79);
        c.keys().unwrap();
        assert_eq!(script.calls(), 1, "{header}: no refresh before 80 %");
        clock.set(lifetime * 0.91);
        c.keys().unwrap();
        assert_eq!(script.calls(), 2, "{header}: refresh by 90 %");
    }
}

#[test]
fn etag_revalidation_keeps_keys_and_extends_their_life() {
    let script = Script::new(vec![ok_with(&["a"], Some("\"v1\""), None), not_modified()]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    let first = c.keys().unwrap();
    clock.set(95.0);
    c.keys().unwrap();
    assert_eq!(script.etags(), [None, Some("\"v1\"".to_string())]);
    let stats = c.stats();
    assert_eq!((stats.fetches, stats.not_modified), (2, 1));
    assert!(Arc::ptr_eq(&first, &c.keys().unwrap()), "same set kept");
    // The 304 started a new 100 s lifetime at 95 s.
    clock.set(170.0);
    c.keys().unwrap();
    assert_eq!(script.calls(), 2);
    assert_eq!(c.stats().keys_age_ms, 75_000);
    // The ETag is still sent on the next revalidation.
    clock.set(190.0);
    c.keys().unwrap();
    assert_eq!(script.etags()[2].as_deref(), Some("\"v1\""));
}

#[test]
fn unknown_kids_refetch_once_per_cooldown() {
    let script = Script::new(vec![ok(&["a"]), ok(&["a", "b"])]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    // The first unknown kid refetches at once, and finds the new key.
    let newer = c.keys_after_miss(Some("b")).unwrap().expect("refetched");
    assert!(newer.contains_kid("b"));
    assert_eq!(script.calls(), 2);
    // Within the cooldown, other unknown kids are rejected without a fetch.
    clock.set(10.0);
    for kid in ["x", "y", "z"] {
        assert!(c.keys_after_miss(Some(kid)).unwrap().is_none());
    }
    assert_eq!(script.calls(), 2);
    let stats = c.stats();
    assert_eq!(
        (stats.unknown_kid_refreshes, stats.cooldown_rejections),
        (1, 3)
    );
    // After the cooldown, one more.
    clock.set(31.0);
    assert!(c.keys_after_miss(Some("x")).unwrap().is_none());
    assert_eq!(script.calls(), 3);
    assert!(c.keys_after_miss(Some("y")).unwrap().is_none());
    assert_eq!(script.calls(), 3);
    assert_eq!(c.stats().unknown_kid_refreshes, 2);
    // A token without kid never triggers a fetch.
    assert!(c.keys_after_miss(None).unwrap().is_none());
    assert_eq!(script.calls(), 3);
}

#[test]
fn a_repeated_bad_kid_is_remembered_and_does_not_use_up_the_cooldown() {
    let script = Script::new(vec![ok(&["a"])]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    assert!(c.keys_after_miss(Some("bad")).unwrap().is_none()); // fetch 2, t=0
    clock.set(30.0);
    assert!(c.keys_after_miss(Some("bad")).unwrap().is_none()); // fetch 3: cooldown over
    assert_eq!(script.calls(), 3);
    // Missing at t=30: remembered until t=60 while other kids may fetch.
    clock.set(45.0);
    assert!(c.keys_after_miss(Some("bad")).unwrap().is_none());
    assert_eq!(script.calls(), 3);
    clock.set(61.0);
    assert!(c.keys_after_miss(Some("new")).unwrap().is_none());
    assert_eq!(script.calls(), 4);
}

#[test]
fn a_kid_flooded_before_its_key_exists_is_picked_up_within_one_cooldown() {
    let script = Script::new(vec![ok(&["a"])]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    // Tokens naming "late" every second for 211 s, before its key is published.
    let mut t = 0.0;
    while t <= 211.0 {
        clock.set(t);
        assert!(c.keys_after_miss(Some("late")).unwrap().is_none(), "{t}");
        t += 1.0;
    }
    // At most one fetch per 30 s cooldown for the flood (8 windows).
    assert!(script.calls() - 1 <= 8, "{} fetches", script.calls() - 1);
    // Published at 211.5: found within one cooldown (+1 s of polling), not 16.
    script.push(ok(&["a", "late"]));
    let published = 211.5;
    let mut t = published;
    let found = loop {
        clock.set(t);
        if c.keys_after_miss(Some("late")).unwrap().is_some() {
            break t;
        }
        assert!(t < published + 600.0, "never picked up");
        t += 1.0;
    };
    assert!(
        found - published <= 31.0,
        "picked up {}s after publication",
        found - published
    );
}

#[test]
fn outage_serves_stale_keys_with_backoff_up_to_the_bound() {
    let script = Script::new(vec![ok(&["a"]), down()]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    // Every second from 80 s to 600 s (expiry at 100 s, stale bound at 600 s).
    let mut t = 80.0;
    while t < 600.0 {
        clock.set(t);
        assert_eq!(kids(&c.keys().unwrap()), ["a"], "stale keys at {t}");
        t += 1.0;
    }
    // Retries back off 1, 2, 4 ... 60 s: about 15 attempts in 520 s, not 520.
    let attempts = script.calls() - 1;
    assert!((8..=20).contains(&attempts), "{attempts} retries");
    let stats = c.stats();
    assert_eq!(stats.failures as usize, attempts);
    assert_eq!(c.last_error().unwrap().kind(), ErrorKind::KeysUnavailable);
    // Past the bound the keys are no longer used.
    clock.set(700.0);
    let e = c.keys().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("503"), "{e}");
    assert!(e.message().contains("expired"), "{e}");
    // Recovery brings fresh keys.
    script.push(ok(&["b"]));
    clock.set(1000.0);
    assert_eq!(kids(&c.keys().unwrap()), ["b"]);
    assert_eq!(c.last_error(), None);
}

#[test]
fn expired_keys_are_served_at_once_while_one_background_refetch_runs() {
    let script = Script::new(vec![ok(&["a"]), ok(&["b"])]);
    let clock = FakeClock::new();
    let c = KeyCache::new(
        Target::Url("https://idp.example/jwks".into()),
        Arc::clone(&script) as Arc<dyn Fetcher>,
        Arc::clone(&clock) as Arc<dyn Clock>,
        options(),
        Spawn::Thread,
    );
    c.keys().unwrap();
    // Idle past expiry (100 s) but within max-stale (500 s), with the endpoint slow: every
    // caller is answered with the expired keys without waiting.
    script.close();
    clock.set(150.0);
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..4 {
        let (c, tx) = (c.clone(), tx.clone());
        std::thread::spawn(move || {
            let got: Vec<_> = (0..50).map(|_| kids(&c.keys().unwrap())).collect();
            let _ = tx.send(got);
        });
    }
    let answers: Vec<_> = (0..4)
        .map(|_| rx.recv_timeout(Duration::from_secs(2)))
        .collect();
    while script.entered.load(Ordering::SeqCst) < 2 {
        std::thread::yield_now();
    }
    let calls = script.calls();
    script.open();
    for a in answers {
        let a = a.expect("a known kid waited for the fetch");
        assert!(a.iter().all(|k| k == &["a"]), "{a:?}");
    }
    assert_eq!(calls, 2, "one background refetch");
    c.wait_idle();
    assert_eq!(kids(&c.keys().unwrap()), ["b"]);
}

#[test]
fn a_refresh_gives_discovery_and_the_key_set_one_deadline() {
    struct Idp(Mutex<Vec<Instant>>);
    impl Fetcher for Idp {
        fn fetch(&self, _: &str, _: Option<&str>) -> Result<FetchResponse, Error> {
            panic!("the cache passes its deadline")
        }
        fn fetch_until(
            &self,
            url: &str,
            _: Option<&str>,
            deadline: Instant,
        ) -> Result<FetchResponse, Error> {
            self.0.lock().push(deadline);
            let body = if url.ends_with("openid-configuration") {
                br#"{"issuer":"https://idp.example","jwks_uri":"https://idp.example/k"}"#.to_vec()
            } else {
                doc(&["a"])
            };
            Ok(FetchResponse {
                body,
                ..FetchResponse::default()
            })
        }
    }
    let idp = Arc::new(Idp(Mutex::new(Vec::new())));
    let c = KeyCache::new(
        Target::Issuer("https://idp.example".into()),
        Arc::clone(&idp) as Arc<dyn Fetcher>,
        FakeClock::new() as Arc<dyn Clock>,
        RemoteOptions {
            timeout: Duration::from_secs(7),
            ..options()
        },
        Spawn::Inline,
    );
    let before = Instant::now();
    c.refresh().unwrap();
    let deadlines = idp.0.lock().clone();
    assert_eq!(deadlines.len(), 2);
    assert_eq!(
        deadlines[0], deadlines[1],
        "discovery and keys share the deadline"
    );
    assert!(deadlines[0] >= before + Duration::from_secs(7));
    assert!(deadlines[0] <= Instant::now() + Duration::from_secs(7));
}

#[test]
fn a_failed_fetch_never_drops_good_keys() {
    let bad_json = Ok(FetchResponse {
        body: b"<html>".to_vec(),
        ..FetchResponse::default()
    });
    let script = Script::new(vec![ok(&["a"]), bad_json]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    assert!(c.refresh().is_err());
    assert_eq!(c.last_error().unwrap().kind(), ErrorKind::KeySetInvalid);
    assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    assert_eq!(c.stats().key_count, 1);
}

#[test]
fn cold_failures_back_off_and_report_the_reason() {
    let script = Script::new(vec![down()]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    let e = c.keys().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
    assert!(e.message().contains("503"));
    // Within the backoff, no new fetch: the last error at once.
    for _ in 0..10 {
        assert_eq!(c.keys().unwrap_err(), e);
    }
    assert_eq!(script.calls(), 1);
    clock.set(1.5);
    c.keys().unwrap_err();
    assert_eq!(script.calls(), 2);
    // refresh() always fetches.
    script.push(ok(&["a"]));
    c.refresh().unwrap();
    assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    assert_eq!(c.stats().failures, 2);
}

#[test]
fn oct_keys_are_never_taken_from_a_fetch() {
    let body =
        br#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}]}"#;
    let script = Script::new(vec![Ok(FetchResponse {
        body: body.to_vec(),
        ..FetchResponse::default()
    })]);
    let c = cache(&script, &FakeClock::new());
    assert_eq!(c.keys().unwrap_err().kind(), ErrorKind::KeySetInvalid);
}

#[test]
fn concurrent_cold_callers_share_one_fetch() {
    let script = Script::new(vec![ok(&["a"])]);
    script.close();
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.keys().map(|k| k.len()))
        })
        .collect();
    // Let every thread reach the cache, then release the one fetch.
    while script.entered.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    script.open();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 1);
    }
    assert_eq!(script.calls(), 1);
}

#[test]
fn unknown_kids_during_a_fetch_join_it() {
    let script = Script::new(vec![ok(&["a"]), ok(&["a", "b"])]);
    let clock = FakeClock::new();
    let c = cache(&script, &clock);
    c.keys().unwrap();
    script.close();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let c = c.clone();
            std::thread::spawn(move || {
                let kid = if i % 2 == 0 {
                    "b".to_string()
                } else {
                    format!("r{i}")
                };
                c.keys_after_miss(Some(&kid)).map(|s| s.is_some())
            })
        })
        .collect();
    // The leader is in the fetcher; the seven others wait on its fetch.
    while script.entered.load(Ordering::SeqCst) < 2 || c.waiters() < 7 {
        std::thread::yield_now();
    }
    script.open();
    let found: Vec<bool> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert_eq!(script.calls(), 2, "one refetch for all");
    assert!(
        found.iter().step_by(2).all(|f| *f),
        "b found by every b caller"
    );
    assert!(
        found.iter().skip(1).step_by(2).all(|f| !*f),
        "random kids not found"
    );
    assert_eq!(c.stats().cooldown_rejections, 0, "joined, not rejected");
}

#[test]
fn a_panicking_fetcher_fails_the_fetch_without_hanging_anyone() {
    struct Panics;
    impl Fetcher for Panics {
        fn fetch(&self, _: &str, _: Option<&str>) -> Result<FetchResponse, Error> {
            panic!("fetcher bug")
        }
    }
    let c = KeyCache::new(
        Target::Url("https://idp.example/jwks".into()),
        Arc::new(Panics),
        FakeClock::new(),
        options(),
        Spawn::Inline,
    );
    let c2 = c.clone();
    let r = std::thread::spawn(move || c2.keys()).join();
    assert!(r.is_err(), "the panic reaches the caller's thread");
    // The flight was completed by the guard: a new caller is not stuck behind it.
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.refresh()));
    assert!(e.is_err());
    assert!(c.shared.state.lock().in_flight.is_none());
}

#[test]
fn background_refresh_runs_on_a_thread_and_serves_current_keys_meanwhile() {
    let script = Script::new(vec![ok(&["a"]), ok(&["b"])]);
    let clock = FakeClock::new();
    let c = KeyCache::new(
        Target::Url("https://idp.example/jwks".into()),
        Arc::clone(&script) as Arc<dyn Fetcher>,
        Arc::clone(&clock) as Arc<dyn Clock>,
        options(),
        Spawn::Thread,
    );
    c.keys().unwrap();
    script.close();
    clock.set(95.0);
    // The refresh is blocked in the fetcher; requests are still answered with "a".
    for _ in 0..100 {
        assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    }
    while script.entered.load(Ordering::SeqCst) < 2 {
        std::thread::yield_now();
    }
    assert_eq!(script.calls(), 2, "one background refresh at a time");
    script.open();
    c.wait_idle();
    assert_eq!(kids(&c.keys().unwrap()), ["b"]);
}

#[test]
fn discovery_runs_in_the_first_fetch() {
    struct Idp(AtomicUsize);
    impl Fetcher for Idp {
        fn fetch(&self, url: &str, _: Option<&str>) -> Result<FetchResponse, Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let body = match url {
                "https://idp.example/.well-known/openid-configuration" => {
                    br#"{"issuer":"https://idp.example","jwks_uri":"https://keys.idp.example/k"}"#
                        .to_vec()
                }
                "https://keys.idp.example/k" => doc(&["a"]),
                other => panic!("unexpected {other}"),
            };
            Ok(FetchResponse {
                body,
                ..FetchResponse::default()
            })
        }
    }
    let idp = Arc::new(Idp(AtomicUsize::new(0)));
    let clock = FakeClock::new();
    let c = KeyCache::new(
        Target::Issuer("https://idp.example".into()),
        Arc::clone(&idp) as Arc<dyn Fetcher>,
        Arc::clone(&clock) as Arc<dyn Clock>,
        options(),
        Spawn::Inline,
    );
    assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    assert_eq!(idp.0.load(Ordering::SeqCst), 2);
    clock.set(95.0);
    c.keys().unwrap();
    assert_eq!(idp.0.load(Ordering::SeqCst), 3, "discovery is not repeated");
}

#[test]
fn a_fetch_left_behind_by_another_process_is_not_waited_on() {
    // What a child sees after `fork` while the parent was fetching: a flight whose thread
    // does not exist here.
    let script = Script::new(vec![ok(&["a"])]);
    let c = cache(&script, &FakeClock::new());
    let orphan = Arc::new(Flight {
        pid: std::process::id().wrapping_add(1),
        started: Instant::now(),
        done: Mutex::new(None),
        cv: Condvar::new(),
        waiters: AtomicU64::new(0),
    });
    c.shared.state.lock().in_flight = Some(orphan);
    let start = Instant::now();
    assert_eq!(kids(&c.keys().unwrap()), ["a"]);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(script.calls(), 1);
}

#[test]
fn huge_durations_do_not_overflow() {
    let script = Script::new(vec![ok_with(&["a"], None, Some("max-age=99999999999"))]);
    let clock = FakeClock::new();
    let huge = RemoteOptions {
        cache_ttl: Duration::MAX,
        max_cache_ttl: Duration::MAX,
        refresh_cooldown: Duration::MAX,
        max_stale: Duration::MAX,
        retry_min: Duration::MAX,
        retry_max: Duration::MAX,
        ..options()
    };
    let c = cache_with(&script, &clock, huge);
    c.keys().unwrap();
    assert!(c.keys_after_miss(Some("x")).unwrap().is_none());
    assert!(c.keys_after_miss(Some("y")).unwrap().is_none());
    clock.set(1e9);
    c.keys().unwrap();
    script.push(down());
    assert!(c.refresh().is_err());
    c.keys().unwrap();
}
