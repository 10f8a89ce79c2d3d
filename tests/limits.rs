//! Extreme values through the Rust API: 0, 1, `u32::MAX`, `usize::MAX`, `u64::MAX` seconds and
//! `Duration::MAX` in every numeric setting of `Policy`, `TokenCacheOptions` and
//! `RemoteOptions`. Each either works (the verifier is made and verifies, twice so that the
//! token cache answers, and at the extremes of time) or is refused by the constructor with
//! `InvalidArgument` naming the setting; none panics, aborts, hangs or allocates out of
//! proportion. The limits are the options catalogue's, the same a C caller meets in the
//! setters (`tests/c/test_limits.c`).

mod support;

use std::time::Duration;

use jwkskit::catalogue::options;
use jwkskit::{Category, ErrorKind, Policy, RemoteOptions, TokenCacheOptions, Verifier};
use support::{loopback_options, Reply, Server, TestKey};

const ISS: &str = "https://issuer.test";

/// What a setting's extreme value came to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    /// The verifier was made and verified.
    Works,
    /// The constructor refused it with InvalidArgument, naming the setting.
    Refused,
}
use Outcome::{Refused, Works};

struct Fixture {
    key: TestKey,
    jwks: String,
    server: Server,
}

impl Fixture {
    fn new() -> Fixture {
        let key = TestKey::new("k");
        let jwks = support::tokens::jwks(&[&key]);
        let served = jwks.clone();
        let server = Server::http(move |_, _| Reply::json(served.clone()));
        Fixture { key, jwks, server }
    }

    fn policy() -> Policy {
        Policy {
            issuers: vec![ISS.into()],
            ..Policy::default()
        }
    }

    /// Verifies with `v` now (twice) and at the extremes of time.
    fn verify_all_ways(&self, v: &Verifier, what: &str) {
        let token = self.key.token(ISS);
        for round in 0..2 {
            if let Err(e) = v.verify(token.as_bytes()) {
                // A verdict on the token (a maximum age it lacks an `iat` for) or a fetch
                // timing out under a 1 ms timeout: answers, not failures of the verifier.
                assert!(
                    matches!(
                        e.category(),
                        Category::TokenRejected | Category::KeysUnavailable
                    ),
                    "{what}, round {round}: {e}"
                );
            }
        }
        for now in [i64::MIN, -1, 0, i64::MAX] {
            let _ = v.verify_at(token.as_bytes(), now);
        }
    }

    /// Makes a verifier over the key set (policy only) and one over the URL, and verifies.
    fn outcome(&self, what: &str, setting: &str, policy: Policy, remote: RemoteOptions) -> Outcome {
        let made = [
            Verifier::from_json(self.jwks.as_bytes(), policy.clone()),
            Verifier::from_url(&self.server.url("/jwks.json"), policy, remote),
        ];
        let mut outcomes = Vec::new();
        for v in made {
            match v {
                Ok(v) => {
                    self.verify_all_ways(&v, what);
                    outcomes.push(Works);
                }
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{what}: {e}");
                    assert!(
                        e.message().contains(setting),
                        "{what}: {e} does not name {setting}"
                    );
                    outcomes.push(Refused);
                }
            }
        }
        // A remote-only setting leaves the key-set verifier as it is.
        outcomes.pop().unwrap()
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

const U32: u64 = u32::MAX as u64;

#[test]
fn extreme_policy_values_work_or_are_refused() {
    let f = Fixture::new();
    let remote = loopback_options;
    let with = |p: Policy| (p, remote());
    let cases: Vec<(&str, &str, (Policy, RemoteOptions), Outcome)> = vec![
        (
            "leeway 0",
            "leeway",
            with(Policy {
                leeway: 0,
                ..Fixture::policy()
            }),
            Works,
        ),
        (
            "leeway 1",
            "leeway",
            with(Policy {
                leeway: 1,
                ..Fixture::policy()
            }),
            Works,
        ),
        (
            "leeway 1 day",
            "leeway",
            with(Policy {
                leeway: 86_400,
                ..Fixture::policy()
            }),
            Works,
        ),
        (
            "leeway u32::MAX",
            "leeway",
            with(Policy {
                leeway: U32,
                ..Fixture::policy()
            }),
            Refused,
        ),
        (
            "leeway u64::MAX",
            "leeway",
            with(Policy {
                leeway: u64::MAX,
                ..Fixture::policy()
            }),
            Refused,
        ),
        (
            "max age 0",
            "max_token_age",
            with(Policy {
                max_age: Some(0),
                ..Fixture::policy()
            }),
            Refused,
        ),
        (
            "max age 1",
            "max_token_age",
            with(Policy {
                max_age: Some(1),
                ..Fixture::policy()
            }),
            Works,
        ),
        (
            "max age u32::MAX",
            "max_token_age",
            with(Policy {
                max_age: Some(U32),
                ..Fixture::policy()
            }),
            Works,
        ),
        (
            "max age u64::MAX",
            "max_token_age",
            with(Policy {
                max_age: Some(u64::MAX),
                ..Fixture::policy()
            }),
            Refused,
        ),
        (
            "issuer empty",
            "issuers",
            with(Policy {
                issuers: vec![String::new()],
                ..Fixture::policy()
            }),
            Refused,
        ),
    ];
    for (what, setting, (policy, remote), want) in cases {
        assert_eq!(f.outcome(what, setting, policy, remote), want, "{what}");
    }
    let limits = |f: &dyn Fn(&mut jwkskit::Limits)| {
        let mut p = Fixture::policy();
        f(&mut p.limits);
        with(p)
    };
    for (what, setting, (policy, remote), want) in [
        (
            "token size 0",
            "max_token_size",
            limits(&|l| l.max_token_len = 0),
            Refused,
        ),
        (
            "token size 1",
            "max_token_size",
            limits(&|l| l.max_token_len = 1),
            Refused,
        ),
        (
            "token size 1 MiB",
            "max_token_size",
            limits(&|l| l.max_token_len = 1 << 20),
            Works,
        ),
        (
            "token size usize::MAX",
            "max_token_size",
            limits(&|l| l.max_token_len = usize::MAX),
            Refused,
        ),
        (
            "header size 0",
            "max_header_size",
            limits(&|l| l.max_header_len = 0),
            Refused,
        ),
        (
            "header size usize::MAX",
            "max_header_size",
            limits(&|l| l.max_header_len = usize::MAX),
            Refused,
        ),
        (
            "json depth 0",
            "max_json_depth",
            limits(&|l| l.max_json_depth = 0),
            Refused,
        ),
        (
            "json depth 1",
            "max_json_depth",
            limits(&|l| l.max_json_depth = 1),
            Works,
        ),
        (
            "json depth usize::MAX",
            "max_json_depth",
            limits(&|l| l.max_json_depth = usize::MAX),
            Refused,
        ),
    ] {
        assert_eq!(f.outcome(what, setting, policy, remote), want, "{what}");
    }
}

#[test]
fn extreme_token_cache_values_work_or_are_refused() {
    let f = Fixture::new();
    let cache = |c: TokenCacheOptions| {
        (
            Policy {
                token_cache: c,
                ..Fixture::policy()
            },
            loopback_options(),
        )
    };
    let d = TokenCacheOptions::default();
    for (what, setting, (policy, remote), want) in [
        (
            "entries 0 (off)",
            "token_cache",
            cache(TokenCacheOptions {
                max_entries: 0,
                ..d
            }),
            Works,
        ),
        (
            "entries 1",
            "token_cache",
            cache(TokenCacheOptions {
                max_entries: 1,
                ..d
            }),
            Works,
        ),
        (
            "entries u32::MAX",
            "token_cache",
            cache(TokenCacheOptions {
                max_entries: u32::MAX,
                ..d
            }),
            Works,
        ),
        (
            "bytes 0",
            "token_cache_bytes",
            cache(TokenCacheOptions { max_bytes: 0, ..d }),
            Refused,
        ),
        (
            "bytes 1",
            "token_cache_bytes",
            cache(TokenCacheOptions { max_bytes: 1, ..d }),
            Refused,
        ),
        (
            "bytes usize::MAX",
            "token_cache_bytes",
            cache(TokenCacheOptions {
                max_bytes: usize::MAX,
                ..d
            }),
            Works,
        ),
        (
            "entries u32::MAX and bytes usize::MAX",
            "token_cache",
            cache(TokenCacheOptions {
                max_entries: u32::MAX,
                max_bytes: usize::MAX,
                ..d
            }),
            Works,
        ),
        (
            "reuse 0",
            "token_cache_max_reuse",
            cache(TokenCacheOptions {
                max_reuse: Duration::ZERO,
                ..d
            }),
            Refused,
        ),
        (
            "reuse 1 s",
            "token_cache_max_reuse",
            cache(TokenCacheOptions {
                max_reuse: secs(1),
                ..d
            }),
            Works,
        ),
        (
            "reuse 1 day",
            "token_cache_max_reuse",
            cache(TokenCacheOptions {
                max_reuse: secs(86_400),
                ..d
            }),
            Works,
        ),
        (
            "reuse u64::MAX s",
            "token_cache_max_reuse",
            cache(TokenCacheOptions {
                max_reuse: secs(u64::MAX),
                ..d
            }),
            Refused,
        ),
        (
            "reuse Duration::MAX",
            "token_cache_max_reuse",
            cache(TokenCacheOptions {
                max_reuse: Duration::MAX,
                ..d
            }),
            Refused,
        ),
    ] {
        assert_eq!(f.outcome(what, setting, policy, remote), want, "{what}");
    }
}

#[test]
fn extreme_remote_values_work_or_are_refused() {
    let f = Fixture::new();
    let r = |edit: &dyn Fn(&mut RemoteOptions)| {
        let mut o = loopback_options();
        edit(&mut o);
        (Fixture::policy(), o)
    };
    type Case<'a> = (&'a str, &'a str, (Policy, RemoteOptions), Outcome);
    let mut cases: Vec<Case> = Vec::new();
    // Every duration of RemoteOptions at 0, 1 s, u32::MAX s, u64::MAX s and Duration::MAX, with
    // what its range says (the ttl and its bounds are moved together, so that only the range
    // of the one under test decides).
    type Field = fn(&mut RemoteOptions) -> &mut Duration;
    let durations: [(&str, Field, [Outcome; 5]); 8] = [
        (
            "cache_ttl",
            |o| &mut o.cache_ttl,
            [Refused, Works, Works, Refused, Refused],
        ),
        (
            "cache_ttl_bounds",
            |o| &mut o.max_cache_ttl,
            [Refused, Works, Works, Refused, Refused],
        ),
        (
            "refresh_cooldown",
            |o| &mut o.refresh_cooldown,
            [Works, Works, Works, Refused, Refused],
        ),
        (
            "max_stale",
            |o| &mut o.max_stale,
            [Works, Works, Works, Refused, Refused],
        ),
        (
            "http_timeout",
            |o| &mut o.timeout,
            [Refused, Works, Refused, Refused, Refused],
        ),
        (
            "connect_timeout",
            |o| &mut o.connect_timeout,
            [Refused, Works, Refused, Refused, Refused],
        ),
        (
            "retry_min",
            |o| &mut o.retry_min,
            [Refused, Works, Refused, Refused, Refused],
        ),
        (
            "retry_max",
            |o| &mut o.retry_max,
            [Refused, Works, Refused, Refused, Refused],
        ),
    ];
    let values = [
        Duration::ZERO,
        secs(1),
        secs(U32),
        secs(u64::MAX),
        Duration::MAX,
    ];
    let mut owned = Vec::new();
    for (setting, field, wants) in durations {
        for (value, want) in values.into_iter().zip(wants) {
            let mut o = loopback_options();
            // The ttl must lie within its bounds and retry_max above retry_min: widen the
            // others so that only the range of `setting` decides.
            o.min_cache_ttl = secs(1);
            o.max_cache_ttl = secs(U32);
            o.cache_ttl = secs(1);
            o.retry_min = Duration::from_millis(1);
            *field(&mut o) = value;
            owned.push((format!("{setting} = {value:?}"), setting, o, want));
        }
    }
    for (what, setting, o, want) in &owned {
        cases.push((
            what.as_str(),
            setting,
            (Fixture::policy(), o.clone()),
            *want,
        ));
    }
    cases.extend([
        (
            "response 0",
            "max_response_size",
            r(&|o| o.max_response_bytes = 0),
            Refused,
        ),
        (
            "response 1",
            "max_response_size",
            r(&|o| o.max_response_bytes = 1),
            Refused,
        ),
        (
            "response usize::MAX",
            "max_response_size",
            r(&|o| o.max_response_bytes = usize::MAX),
            Works,
        ),
        ("keys 0", "max_keys", r(&|o| o.max_keys = 0), Refused),
        ("keys 1", "max_keys", r(&|o| o.max_keys = 1), Works),
        (
            "keys u32::MAX",
            "max_keys",
            r(&|o| o.max_keys = u32::MAX as usize),
            Works,
        ),
        (
            "keys usize::MAX",
            "max_keys",
            r(&|o| o.max_keys = usize::MAX),
            Refused,
        ),
        (
            "bounds reversed",
            "cache_ttl_bounds",
            r(&|o| {
                o.min_cache_ttl = secs(10);
                o.max_cache_ttl = secs(5);
                o.cache_ttl = secs(7);
            }),
            Refused,
        ),
        (
            "header with CR",
            "headers",
            r(&|o| o.headers.push(("x".into(), "a\rb".into()))),
            Refused,
        ),
    ]);
    for (what, setting, (policy, remote), want) in cases {
        assert_eq!(f.outcome(what, setting, policy, remote), want, "{what}");
    }
}

/// The catalogue's ranges are what the C setters apply: a Rust value at a bound works and one
/// past it is refused, for every numeric option with a range.
#[test]
fn every_range_has_both_bounds_enforced_for_rust_callers() {
    for spec in options::ALL {
        let Some(range) = spec.range else { continue };
        assert!(spec.check(range.min).is_ok(), "{}", spec.name);
        assert!(spec.check(range.max).is_ok(), "{}", spec.name);
        if range.min > 0 && !(spec.zero_is_off && range.min == 1) {
            let e = spec.check(range.min - 1).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().starts_with(spec.name), "{e}");
            assert!(e.message().contains(&spec.range_text()), "{e}");
        }
        if let Some(past) = range.max.checked_add(1) {
            assert!(spec.check(past).is_err(), "{}", spec.name);
        }
    }
}
