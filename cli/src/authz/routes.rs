//! Which rule applies to a request: the path normalised as a server would read it (so that
//! `/api/../admin/x`, `/%61dmin/x` and `//admin/x` all meet the `/admin/` rule), then the
//! routes in order, first match wins. Plain functions, tested without sockets.

use std::borrow::Cow;
use std::fmt;

/// One routing rule (or the default, which matches everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The host, lower-case without port; `None` matches any.
    pub host: Option<String>,
    /// Matched against the normalised path; a prefix ending in `/` also matches the path
    /// without that slash (`/admin/` matches `/admin`).
    pub path_prefix: String,
    /// Upper-case methods; empty matches any.
    pub methods: Vec<String>,
    /// Indices of the issuers whose tokens are accepted.
    pub issuers: Vec<usize>,
    /// The audiences a token must name; `None`: each issuer's own.
    pub audiences: Option<Vec<String>>,
    /// Scopes a token must all have.
    pub scopes_all: Vec<String>,
    /// Scopes of which a token must have one (empty: no such rule).
    pub scopes_any: Vec<String>,
    /// Allowed without a token.
    pub anonymous: bool,
    /// Its place in the file (`None` for the default), for logs.
    pub index: Option<usize>,
}

impl Route {
    /// The rule used when no route matches.
    pub fn default_route(anonymous: bool, issuers: Vec<usize>) -> Route {
        Route {
            host: None,
            path_prefix: "/".to_owned(),
            methods: Vec::new(),
            issuers,
            audiences: None,
            scopes_all: Vec::new(),
            scopes_any: Vec::new(),
            anonymous,
            index: None,
        }
    }

    /// Whether the rule applies to a request (`host` as [`host_name`] gives it, `path`
    /// normalised).
    pub fn matches(&self, host: Option<&str>, method: &str, path: &str) -> bool {
        if let Some(want) = &self.host {
            if !host.is_some_and(|h| h.eq_ignore_ascii_case(want)) {
                return false;
            }
        }
        if !self.methods.is_empty() && !self.methods.iter().any(|m| m == method) {
            return false;
        }
        path.starts_with(&self.path_prefix)
            || (self.path_prefix.len() > 1
                && self.path_prefix.ends_with('/')
                && path == &self.path_prefix[..self.path_prefix.len() - 1])
    }

    /// The scopes named in an `insufficient_scope` challenge.
    pub fn scope_text(&self) -> String {
        let mut all = self.scopes_all.clone();
        all.extend(self.scopes_any.iter().cloned());
        all.join(" ")
    }
}

/// The first route that applies, else `default`.
pub fn find<'a>(
    routes: &'a [Route],
    default: &'a Route,
    host: Option<&str>,
    method: &str,
    path: &str,
) -> &'a Route {
    routes
        .iter()
        .find(|r| r.matches(host, method, path))
        .unwrap_or(default)
}

/// The host name of a `Host` value, without port or trailing dot, as given (routes compare
/// it case-insensitively); `None` when it is not a host.
pub fn host_name(host: &str) -> Option<&str> {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        &host[..rest.find(']')? + 2]
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    let name = name.trim_end_matches('.');
    let fits = |b: u8| b.is_ascii_graphic() && !matches!(b, b'/' | b'\\' | b'@' | b'?' | b'#');
    (!name.is_empty() && name.bytes().all(fits)).then_some(name)
}

/// [`host_name`] lower-cased: a route's host as configured.
pub fn host_key(host: &str) -> Option<String> {
    host_name(host).map(str::to_ascii_lowercase)
}

/// Why a path cannot be routed (a 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Not an absolute path.
    NotAbsolute,
    /// `%2F` or `%5C`: an encoded slash or backslash, which servers disagree about.
    EncodedSeparator,
    /// A backslash, NUL, or another control character.
    ForbiddenCharacter,
    /// `%` not followed by two hex digits.
    BadPercent,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotAbsolute => "the path does not start with /",
            PathError::EncodedSeparator => "the path holds an encoded / or \\ (%2F, %5C)",
            PathError::ForbiddenCharacter => "the path holds a backslash or a control character",
            PathError::BadPercent => "the path holds an invalid percent-encoding",
        })
    }
}

/// The path of a request target as routes see it: query and fragment removed,
/// percent-encoded unreserved characters decoded (other encodings kept, hex upper-cased),
/// repeated slashes merged, `.` and `..` segments resolved (RFC 3986 §5.2.4). Refuses an
/// encoded `/` or `\`, a backslash, NUL or other control characters, and bad encodings.
pub fn normalise(target: &str) -> Result<Cow<'_, str>, PathError> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    if is_normal(path) {
        return Ok(Cow::Borrowed(path));
    }
    let bytes = path.as_bytes();
    let mut decoded = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(PathError::BadPercent);
            };
            let v = (h * 16 + l) as u8;
            match v {
                b'/' | b'\\' => return Err(PathError::EncodedSeparator),
                0..=0x1f | 0x7f => return Err(PathError::ForbiddenCharacter),
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    decoded.push(v as char)
                }
                _ => decoded.push_str(&format!("%{v:02X}")),
            }
            i += 3;
            continue;
        }
        if b == b'\\' || b < 0x20 || b == 0x7f {
            return Err(PathError::ForbiddenCharacter);
        }
        // Bytes of a UTF-8 sequence stay as they are: `path` is a str.
        let len = utf8_len(b);
        decoded.push_str(&path[i..i + len]);
        i += len;
    }
    Ok(Cow::Owned(remove_dot_segments(&decoded)))
}

/// Whether `path` (absolute, without query) is already normal: no percent sign, backslash or
/// control character, no empty, `.` or `..` segment but a final empty one.
fn is_normal(path: &str) -> bool {
    let clean = path
        .bytes()
        .all(|b| b >= 0x20 && b != 0x7f && b != b'%' && b != b'\\');
    let segments = path[1..].split('/');
    let count = path[1..].split('/').count();
    clean
        && segments
            .enumerate()
            .all(|(i, s)| !matches!(s, "." | "..") && (!s.is_empty() || i + 1 == count))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// RFC 3986 §5.2.4 over segments, with empty segments (repeated slashes) dropped; the
/// result keeps a trailing slash when the input ends in one (or in `.`/`..`).
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut trailing = false;
    for segment in path.split('/').skip(1) {
        trailing = false;
        match segment {
            "" => trailing = true,
            "." => trailing = true,
            ".." => {
                out.pop();
                trailing = true;
            }
            s => out.push(s),
        }
    }
    let mut result = String::with_capacity(path.len());
    for s in &out {
        result.push('/');
        result.push_str(s);
    }
    if trailing || out.is_empty() {
        result.push('/');
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        for (input, want) in [
            ("/", "/"),
            ("/admin/x", "/admin/x"),
            ("/api/../admin/x", "/admin/x"),
            ("/%61dmin/x", "/admin/x"),
            ("//admin/x", "/admin/x"),
            ("/admin//x", "/admin/x"),
            ("/./admin/./x", "/admin/x"),
            ("/../../admin/x", "/admin/x"),
            ("/%2e%2E/admin/x?q=1#f", "/admin/x"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/a/", "/a/"),
            ("/a%20b", "/a%20b"),
            ("/a%c3%a9", "/a%C3%A9"),
            ("/caf\u{e9}", "/caf\u{e9}"),
            ("/?x", "/"),
        ] {
            assert_eq!(normalise(input).as_deref(), Ok(want), "{input}");
        }
        for (input, want) in [
            ("/admin%2Fx", PathError::EncodedSeparator),
            ("/admin%2fx", PathError::EncodedSeparator),
            ("/admin%5Cx", PathError::EncodedSeparator),
            ("/admin\\x", PathError::ForbiddenCharacter),
            ("/a%00", PathError::ForbiddenCharacter),
            ("/a\u{0}", PathError::ForbiddenCharacter),
            ("/a\r\n", PathError::ForbiddenCharacter),
            ("/a%zz", PathError::BadPercent),
            ("/a%4", PathError::BadPercent),
            ("admin", PathError::NotAbsolute),
            ("", PathError::NotAbsolute),
        ] {
            assert_eq!(normalise(input), Err(want), "{input:?}");
        }
    }

    fn route(prefix: &str) -> Route {
        Route {
            path_prefix: prefix.to_owned(),
            ..Route::default_route(false, vec![0])
        }
    }

    #[test]
    fn matching() {
        let admin = Route {
            host: Some("api.example".into()),
            methods: vec!["GET".into()],
            ..route("/admin/")
        };
        let routes = [admin.clone(), route("/")];
        let default = Route::default_route(true, vec![]);
        let host = host_name("API.Example:8443");
        for target in ["/api/../admin/x", "/%61dmin/x", "//admin/x", "/admin"] {
            let path = normalise(target).unwrap();
            assert_eq!(
                find(&routes, &default, host, "GET", &path),
                &admin,
                "{target}"
            );
        }
        assert_eq!(
            find(&routes, &default, host, "POST", "/admin/x"),
            &routes[1]
        );
        assert_eq!(
            find(&routes, &default, Some("other"), "GET", "/admin/x"),
            &routes[1]
        );
        assert_eq!(
            find(&routes, &default, host, "GET", "/administrator"),
            &routes[1]
        );
        assert_eq!(find(&routes[..1], &default, None, "GET", "/x"), &default);
    }

    #[test]
    fn hosts() {
        assert_eq!(host_key("Example.COM").as_deref(), Some("example.com"));
        assert_eq!(host_key("example.com:80").as_deref(), Some("example.com"));
        assert_eq!(host_key("example.com.").as_deref(), Some("example.com"));
        assert_eq!(host_key("[::1]:8080").as_deref(), Some("[::1]"));
        assert_eq!(host_key(""), None);
        assert_eq!(host_key("a/b"), None);
        assert_eq!(host_key("[::1"), None);
    }
}
