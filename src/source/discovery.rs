//! OpenID Connect Discovery 1.0: from an issuer to its `jwks_uri`.

use std::time::Instant;

use serde_json::Value;

use super::http::{check_url, Fetcher};
use super::shown_url::show_url;
use crate::error::{err, Error, ErrorKind};

/// Largest accepted discovery document (they are a few KiB in practice).
const MAX_DISCOVERY_BYTES: usize = 256 * 1024;

/// Checks an issuer identifier (an https URL, or http when allowed, with no query or fragment;
/// OIDC Discovery §2) and returns its configuration URL (§4: the issuer with any trailing `/`
/// removed, then `/.well-known/openid-configuration`).
pub(crate) fn configuration_url(issuer: &str, allow_http: bool) -> Result<String, Error> {
    check_url(issuer, allow_http)?;
    if issuer.contains(['?', '#']) {
        return Err(err(
            ErrorKind::InvalidArgument,
            format!("issuer {:?} has a query or fragment", show_url(issuer)),
        ));
    }
    Ok(format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
}

/// Fetches the issuer's discovery document and returns its `jwks_uri`, after checking that
/// the document names exactly this issuer and that `jwks_uri` is https (or allowed http).
pub(crate) fn discover(
    fetcher: &dyn Fetcher,
    issuer: &str,
    allow_http: bool,
    deadline: Instant,
) -> Result<String, Error> {
    let url = configuration_url(issuer, allow_http)?;
    let resp = fetcher.fetch_until(&url, None, deadline)?;
    let bad = |what: String| {
        err(
            ErrorKind::KeysUnavailable,
            format!("discovery at {}: {what}", show_url(&url)),
        )
    };
    if resp.not_modified {
        return Err(bad("unexpected 304 Not Modified".into()));
    }
    if resp.body.len() > MAX_DISCOVERY_BYTES {
        return Err(bad(format!("document exceeds {MAX_DISCOVERY_BYTES} bytes")));
    }
    let doc: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| bad(format!("document is not valid JSON: {e}")))?;
    let named = doc
        .get("issuer")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("document has no issuer".into()))?;
    // §4.3: the issuer returned must be identical to the one the configuration was asked for.
    if named != issuer {
        let hint = if named.trim_end_matches('/') == issuer.trim_end_matches('/') {
            " (they differ only by a trailing slash: configure the issuer as the document \
             names it)"
        } else {
            ""
        };
        return Err(bad(format!(
            "document names issuer {:?}, expected {:?}{hint}",
            show_url(named),
            show_url(issuer)
        )));
    }
    let jwks_uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("document has no jwks_uri".into()))?;
    check_url(jwks_uri, allow_http).map_err(|e| bad(format!("jwks_uri: {}", e.message())))?;
    Ok(jwks_uri.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::http::FetchResponse;

    struct Doc(String);

    fn soon() -> Instant {
        Instant::now() + std::time::Duration::from_secs(5)
    }

    impl Fetcher for Doc {
        fn fetch(&self, url: &str, _etag: Option<&str>) -> Result<FetchResponse, Error> {
            assert!(url.ends_with("/.well-known/openid-configuration"), "{url}");
            Ok(FetchResponse {
                body: self.0.as_bytes().to_vec(),
                ..FetchResponse::default()
            })
        }
    }

    #[test]
    fn configuration_url_follows_section_4() {
        let c = |i| configuration_url(i, false).unwrap();
        assert_eq!(
            c("https://a.example"),
            "https://a.example/.well-known/openid-configuration"
        );
        assert_eq!(
            c("https://a.example/tenant/"),
            "https://a.example/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            configuration_url("http://a.example", false)
                .unwrap_err()
                .kind(),
            ErrorKind::InsecureUrl
        );
        assert_eq!(
            configuration_url("https://a.example/?x=1", false)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn issuer_must_match_exactly_and_jwks_uri_be_https() {
        let ok =
            Doc(r#"{"issuer":"https://a.example","jwks_uri":"https://a.example/keys"}"#.into());
        assert_eq!(
            discover(&ok, "https://a.example", false, soon()).unwrap(),
            "https://a.example/keys"
        );
        let e = discover(&ok, "https://a.example/", false, soon()).unwrap_err();
        let m = e.message();
        assert!(
            m.contains(r#"names issuer "https://a.example", expected "https://a.example/""#)
                && m.contains("differ only by a trailing slash"),
            "{e}"
        );
        let other_path = discover(&ok, "https://a.example/x", false, soon()).unwrap_err();
        assert!(
            !other_path.message().contains("trailing slash"),
            "{other_path}"
        );
        let other =
            Doc(r#"{"issuer":"https://evil.example","jwks_uri":"https://a.example/k"}"#.into());
        assert_eq!(
            discover(&other, "https://a.example", false, soon())
                .unwrap_err()
                .kind(),
            ErrorKind::KeysUnavailable
        );
        let http = Doc(r#"{"issuer":"https://a.example","jwks_uri":"http://a.example/k"}"#.into());
        let e = discover(&http, "https://a.example", false, soon()).unwrap_err();
        assert!(e.message().contains("jwks_uri"), "{e}");
        for body in [r#"{"issuer":"https://a.example"}"#, "[]", "nope"] {
            assert!(discover(&Doc(body.into()), "https://a.example", false, soon()).is_err());
        }
    }
}
