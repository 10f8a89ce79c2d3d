//! The target URI of a request as a DPoP proof names it (`htu`, RFC 9449 §4.2): compared with
//! the request's URI without query and fragment, after the syntax- and scheme-based
//! normalisation of RFC 3986 §6.2.2–6.2.3 (fluent-uri does the normalising): scheme and host
//! in lower case, percent-encodings in upper case and decoded where they stand for an
//! unreserved character, dot segments removed, the scheme's default port dropped, an empty
//! path made `/`.

use fluent_uri::Uri;

/// `uri` without query and fragment, normalised; `Err` says why it is not an absolute URI
/// with an authority (`scheme://host...`).
pub(crate) fn normalise(uri: &str) -> Result<String, String> {
    // In a URI, `?` and `#` cannot stand before the query and the fragment (neither may
    // appear in the scheme, the authority or the path unencoded).
    let target = uri.split(['?', '#']).next().unwrap_or_default();
    let parsed = Uri::parse(target).map_err(|e| format!("not a URI ({e})"))?;
    if !parsed.has_authority() {
        return Err("not an absolute URI with a host (scheme://host/path)".into());
    }
    let normal = parsed.normalize();
    let mut text = normal.as_str().to_owned();
    if normal.path().as_str().is_empty() {
        // RFC 3986 §6.2.3: `http://example.com` is `http://example.com/`.
        text.push('/');
    }
    Ok(text)
}

/// Whether the proof's `htu` names the request's URI: equal as written (the common case, no
/// work), or equal once both are normalised. `Err` if the request's URI is not an absolute
/// URI (the proof's `htu` not being one is a mismatch).
pub(crate) fn same_target(htu: &str, request_uri: &str) -> Result<bool, String> {
    let request = request_uri.split(['?', '#']).next().unwrap_or_default();
    if htu == request {
        // Written alike, so alike once normalised; the request's URI is still checked to be
        // one (parsing it costs no allocation).
        return match Uri::parse(request) {
            Ok(uri) if uri.has_authority() => Ok(true),
            _ => normalise(request).map(|_| true),
        };
    }
    let request = normalise(request)?;
    Ok(normalise(htu).is_ok_and(|h| h == request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_normalisation() {
        for (a, b) in [
            (
                "https://server.example.com/token",
                "https://server.example.com/token",
            ),
            (
                "HTTPS://Server.Example.COM/token",
                "https://server.example.com/token",
            ),
            (
                "https://server.example.com:443/token",
                "https://server.example.com/token",
            ),
            (
                "http://server.example.com:80/token",
                "http://server.example.com/token",
            ),
            ("https://server.example.com", "https://server.example.com/"),
            (
                "https://server.example.com:/x",
                "https://server.example.com/x",
            ),
            (
                "https://a.example/%7euser/a%2fb",
                "https://a.example/~user/a%2Fb",
            ),
            ("https://a.example/a/./b/../c", "https://a.example/a/c"),
            ("https://a.example/x?q=1#f", "https://a.example/x"),
            ("https://a.example/x", "https://a.example/x?other=2"),
        ] {
            assert_eq!(same_target(a, b), Ok(true), "{a} vs {b}");
            assert_eq!(same_target(b, a), Ok(true), "{b} vs {a}");
        }
        for (a, b) in [
            ("https://a.example/x", "http://a.example/x"),
            ("https://a.example:8443/x", "https://a.example/x"),
            ("https://a.example/x", "https://a.example/X"),
            ("https://a.example/x", "https://b.example/x"),
            ("https://a.example/x/", "https://a.example/x"),
            ("https://a.example/a%2fb", "https://a.example/a/b"),
            ("/x", "https://a.example/x"),
            ("not a uri", "https://a.example/x"),
        ] {
            assert_eq!(same_target(a, b), Ok(false), "{a} vs {b}");
        }
        assert!(same_target("https://a.example/x", "/x").is_err());
        assert!(same_target("https://a.example/x", "https://a b/x").is_err());
        assert!(normalise("mailto:x@example.com").is_err());
    }
}
