//! How a URL (or issuer) appears in messages and `Debug` output: any userinfo hidden, long
//! ones cut, so that neither a password nor a hostile value reaches a log.

/// A URL (or issuer) for a message: any userinfo (`user:password@`) replaced by `***@`, and
/// long ones cut, so a hostile value cannot flood logs.
pub(crate) fn show_url(url: &str) -> String {
    const MAX: usize = 200;
    let url = redact_userinfo(url);
    match url.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &url[..cut]),
        None => url,
    }
}

/// `url` with the userinfo of its authority replaced by `***`. The authority runs from after
/// `scheme://` (or the start, for a URL without a scheme) to the first `/`, `?` or `#`; the
/// last `@` in it ends the userinfo (RFC 3986 §3.2).
fn redact_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_hidden() {
        assert_eq!(
            show_url("https://user:secret@idp.example/jwks?a=b@c"),
            "https://***@idp.example/jwks?a=b@c"
        );
        assert_eq!(show_url("user:secret@idp.example/x"), "***@idp.example/x");
        assert_eq!(
            show_url("https://idp.example/a@b"),
            "https://idp.example/a@b"
        );
        let long = format!("https://idp.example/{}", "a".repeat(300));
        assert_eq!(show_url(&long).chars().count(), 203);
    }
}
