//! Inputs the fuzz targets (fuzz/) found, replayed through the public API. Each test names the
//! target that found it and what went wrong before the fix.
//!
//! Tests in `pure` never reach `ring`, so scripts/miri.sh runs them under Miri too.

mod pure {
    use jwks::{ErrorKind, Policy};

    const NOW: i64 = 1_300_000_000;

    /// `claims`: a maximum age plus a leeway above `u64::MAX` overflowed (a panic in debug
    /// builds; in release the sum wrapped to a small age and rejected fresh tokens as too old).
    #[test]
    fn max_age_plus_leeway_does_not_overflow() {
        let policy = Policy {
            max_age: Some(u64::MAX - 5),
            leeway: 16,
            require_exp: false,
            ..Policy::default()
        };
        let fresh = format!(r#"{{"iat":{}}}"#, NOW - 10);
        assert_eq!(
            policy
                .check_claims(fresh.as_bytes(), NOW)
                .map_err(|e| e.kind()),
            Ok(())
        );
        let no_iat = policy.check_claims(b"{}", NOW).unwrap_err();
        assert_eq!(no_iat.kind(), ErrorKind::MissingClaim);
    }
}
