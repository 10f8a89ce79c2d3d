//! How long a fetched key set stays fresh, from the response's `Cache-Control` header.

use std::time::Duration;

use super::options::RemoteOptions;

/// The freshness lifetime for a response with this `Cache-Control` value.
///
/// `max-age` is clamped to [`RemoteOptions::min_cache_ttl`, `RemoteOptions::max_cache_ttl`];
/// `no-store` and `no-cache` mean "as short as we allow" (the minimum): refetching a key set
/// on every token would turn each verification into a request to the identity provider.
/// Without a usable directive the lifetime is [`RemoteOptions::cache_ttl`] (also clamped, so
/// the bounds always hold).
pub(crate) fn ttl(cache_control: Option<&str>, opts: &RemoteOptions) -> Duration {
    let clamp = |d: Duration| {
        d.clamp(
            opts.min_cache_ttl,
            opts.max_cache_ttl.max(opts.min_cache_ttl),
        )
    };
    let Some(header) = cache_control else {
        return clamp(opts.cache_ttl);
    };
    let mut max_age = None;
    for directive in header.split(',') {
        let directive = directive.trim();
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return opts.min_cache_ttl;
        }
        if name.eq_ignore_ascii_case("max-age") && max_age.is_none() {
            // RFC 9111 §1.2.2: delta-seconds is 1*DIGIT; larger than we can hold means "very long".
            max_age = value
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
        }
    }
    match max_age {
        Some(secs) => clamp(Duration::from_secs(secs)),
        None => clamp(opts.cache_ttl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> RemoteOptions {
        RemoteOptions {
            cache_ttl: Duration::from_secs(600),
            min_cache_ttl: Duration::from_secs(60),
            max_cache_ttl: Duration::from_secs(3600),
            ..RemoteOptions::default()
        }
    }

    #[test]
    fn max_age_is_clamped() {
        let o = opts();
        let s = |v| ttl(Some(v), &o).as_secs();
        assert_eq!(s("max-age=300"), 300);
        assert_eq!(s("public, max-age=5"), 60);
        assert_eq!(s("max-age=86400, must-revalidate"), 3600);
        assert_eq!(s("MAX-AGE=120"), 120);
        assert_eq!(s("max-age=\"120\""), 120);
        assert_eq!(s("max-age=99999999999999999999999"), 3600);
    }

    #[test]
    fn no_store_and_no_cache_mean_minimum() {
        let o = opts();
        assert_eq!(ttl(Some("no-store"), &o).as_secs(), 60);
        assert_eq!(ttl(Some("max-age=3000, no-cache"), &o).as_secs(), 60);
    }

    #[test]
    fn unusable_or_absent_means_default() {
        let o = opts();
        assert_eq!(ttl(None, &o).as_secs(), 600);
        assert_eq!(ttl(Some("public"), &o).as_secs(), 600);
        assert_eq!(ttl(Some("max-age=-5"), &o).as_secs(), 600);
        assert_eq!(ttl(Some("max-age="), &o).as_secs(), 600);
        assert_eq!(ttl(Some("max-age=1e3"), &o).as_secs(), 600);
    }
}
