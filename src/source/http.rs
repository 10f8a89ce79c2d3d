//! Fetching a document over HTTP(S): the small [`Fetcher`] trait the cache is written against,
//! and its implementation on `ureq`.
//!
//! The rules every fetch follows: https only (unless plain http is explicitly allowed), a
//! connect timeout and a total timeout that covers redirects and the body, a cap on the body
//! size applied after decompression (so a gzip bomb fails as "too large"), redirects
//! followed by hand so that none changes the scheme, plain http ones stay on their host, and
//! custom headers never follow to another host, and URLs in messages without their userinfo.

use std::time::{Duration, Instant};

use ureq::http::{StatusCode, Uri};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    ConnectProxyConnector, Connector, RustlsConnector, TcpConnector,
};
use ureq::{Agent, Proxy};

use super::clock::later;
use super::options::RemoteOptions;
use super::progress::{self, Stage};
use super::proxy_env;
use super::shown_url::show_url;
use crate::error::{err, Error, ErrorKind};

/// At most this many redirects are followed for one fetch.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// What a successful fetch returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchResponse {
    /// The server answered `304 Not Modified` to our `If-None-Match` (then `body` is empty).
    pub not_modified: bool,
    /// The (decompressed) body of a `200` response.
    pub body: Vec<u8>,
    /// The response's `ETag`, if any.
    pub etag: Option<String>,
    /// The response's `Cache-Control`, if any.
    pub cache_control: Option<String>,
}

/// Gets a document. Implementations enforce their own limits and timeouts; every failure
/// (status, transport, size) is an [`Error`] of kind [`ErrorKind::KeysUnavailable`].
pub trait Fetcher: Send + Sync {
    /// GETs `url`, sending `If-None-Match: etag` when one is given.
    fn fetch(&self, url: &str, etag: Option<&str>) -> Result<FetchResponse, Error>;

    /// Like [`Fetcher::fetch`], finishing by `deadline` (a refresh that needs discovery and
    /// then the key set shares one deadline between both requests). The default ignores the
    /// deadline and calls `fetch`, whose own timeouts then apply.
    fn fetch_until(
        &self,
        url: &str,
        etag: Option<&str>,
        deadline: Instant,
    ) -> Result<FetchResponse, Error> {
        let _ = deadline;
        self.fetch(url, etag)
    }
}

/// Checks that `url` is an absolute `https` URL (or `http` when `allow_http`) with a host.
///
/// Errors: [`ErrorKind::InsecureUrl`] for `http` without `allow_http`,
/// [`ErrorKind::InvalidArgument`] for anything that does not parse or has another scheme.
pub fn check_url(url: &str, allow_http: bool) -> Result<Uri, Error> {
    let shown = show_url(url);
    let uri: Uri = url.parse().map_err(|e| {
        err(
            ErrorKind::InvalidArgument,
            format!("invalid URL {shown:?}: {e}"),
        )
    })?;
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") && host_ok => Ok(uri),
        Some(s) if s.eq_ignore_ascii_case("http") && host_ok => {
            if allow_http {
                Ok(uri)
            } else {
                Err(err(
                    ErrorKind::InsecureUrl,
                    format!("{shown:?} is not https and plain http is not allowed"),
                ))
            }
        }
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => Err(err(
            ErrorKind::InvalidArgument,
            format!("invalid URL {shown:?}: no host"),
        )),
        _ => Err(err(
            ErrorKind::InvalidArgument,
            format!("invalid URL {shown:?}: must be an absolute https URL"),
        )),
    }
}

/// A [`Fetcher`] on `ureq` agents configured from [`RemoteOptions`]: one for https URLs and
/// one for http URLs, because each scheme has its own proxy (see `proxy_env`).
pub struct HttpFetcher {
    https_agent: Agent,
    http_agent: Agent,
    headers: Vec<(String, String)>,
    allow_http: bool,
    timeout: Duration,
    connect_timeout: Duration,
    max_bytes: usize,
}

impl std::fmt::Debug for HttpFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpFetcher")
            .field("allow_http", &self.allow_http)
            .field("timeout", &self.timeout)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl HttpFetcher {
    /// Builds the agent (no network I/O). Errors with [`ErrorKind::InvalidArgument`] for
    /// options that fail [`RemoteOptions::check`] (a timeout outside 1 ms to one hour, say), a
    /// bad CA bundle, proxy URL or header.
    pub fn new(opts: &RemoteOptions) -> Result<HttpFetcher, Error> {
        // The timeouts are used as given: their ranges are checked here, not cut.
        opts.check()?;
        for (name, value) in &opts.headers {
            ureq::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                err(
                    ErrorKind::InvalidArgument,
                    format!("invalid header name {name:?}"),
                )
            })?;
            ureq::http::HeaderValue::from_str(value).map_err(|_| {
                err(
                    ErrorKind::InvalidArgument,
                    format!("invalid value for header {name:?}"),
                )
            })?;
        }
        let (https_proxy, http_proxy) = match &opts.proxy {
            Some(p) => {
                let proxy = Proxy::new(p).map_err(|e| {
                    err(
                        ErrorKind::InvalidArgument,
                        format!("invalid proxy URL {:?}: {e}", show_url(p)),
                    )
                })?;
                let proxy = proxy_env::connect_only(proxy, "the proxy option", p)?;
                (Some(proxy.clone()), Some(proxy))
            }
            None if opts.proxy_from_env => {
                let env = proxy_env::ProcessEnv;
                (
                    proxy_env::proxy_for(true, &env)?,
                    proxy_env::proxy_for(false, &env)?,
                )
            }
            None => (None, None),
        };
        let mut tls = TlsConfig::builder();
        if let Some(pem) = &opts.ca_pem {
            tls = tls.root_certs(roots_with(pem)?);
        }
        let tls = tls.build();
        // Two deadlines: the connection's, and the whole fetch's, which bounds it too.
        let (timeout, connect) = (opts.timeout, opts.connect_timeout);
        let agent = |proxy: Option<Proxy>| {
            let config = Agent::config_builder()
                .https_only(!opts.allow_http)
                .http_status_as_error(false)
                // Followed by hand in `fetch`, so each hop's scheme and host are checked.
                .max_redirects(0)
                .timeout_global(Some(timeout))
                .timeout_connect(Some(connect))
                .user_agent(opts.user_agent.as_str())
                .accept("application/jwk-set+json, application/json")
                .proxy(proxy)
                // No pooled connections: fetches are minutes apart, and a connection inherited
                // by a forked child would be shared by two processes.
                .max_idle_connections(0)
                .max_idle_connections_per_host(0)
                .tls_config(tls.clone())
                .build();
            Agent::with_parts(config, connector(), DefaultResolver::default())
        };
        Ok(HttpFetcher {
            https_agent: agent(https_proxy),
            http_agent: agent(http_proxy),
            headers: opts.headers.clone(),
            allow_http: opts.allow_http,
            timeout,
            connect_timeout: connect,
            max_bytes: opts.max_response_bytes,
        })
    }

    fn get(
        &self,
        uri: &Uri,
        etag: Option<&str>,
        with_headers: bool,
        remaining: Duration,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let https = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let agent = if https {
            &self.https_agent
        } else {
            &self.http_agent
        };
        let mut req = agent.get(uri);
        if with_headers {
            for (name, value) in &self.headers {
                req = req.header(name.as_str(), value.as_str());
            }
        }
        if let Some(tag) = etag {
            req = req.header("If-None-Match", tag);
        }
        progress::start(https);
        req.config()
            .timeout_global(Some(remaining))
            .build()
            .call()
            .map_err(|e| self.transport_error(uri, &e))
    }

    /// A transport failure, saying which timeout fired and at what stage.
    fn transport_error(&self, uri: &Uri, e: &ureq::Error) -> Error {
        transport_error(uri, e, self.timeout, self.connect_timeout)
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, url: &str, etag: Option<&str>) -> Result<FetchResponse, Error> {
        self.fetch_until(url, etag, later(Instant::now(), self.timeout))
    }

    fn fetch_until(
        &self,
        url: &str,
        etag: Option<&str>,
        deadline: Instant,
    ) -> Result<FetchResponse, Error> {
        let deadline = deadline.min(later(Instant::now(), self.timeout));
        let original = check_url(url, self.allow_http)?;
        let mut uri = original.clone();
        for _ in 0..=MAX_REDIRECTS {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(unavailable(
                    &uri,
                    format!(
                        "timed out before the request was sent (total timeout {:?} for the \
                         refresh, discovery and redirects included)",
                        self.timeout
                    ),
                ));
            }
            let same_host = uri.authority() == original.authority();
            let mut resp = self.get(&uri, etag, same_host, remaining)?;
            let status = resp.status();
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let etag = header("etag");
            let cache_control = header("cache-control");
            match status {
                StatusCode::OK => {
                    progress::set(Stage::Body);
                    let body = read_body(&mut resp, &uri, self.max_bytes)
                        .map_err(|e| e.unwrap_or_else(|e| self.transport_error(&uri, &e)))?;
                    return Ok(FetchResponse {
                        not_modified: false,
                        body,
                        etag,
                        cache_control,
                    });
                }
                StatusCode::NOT_MODIFIED => {
                    return Ok(FetchResponse {
                        not_modified: true,
                        body: Vec::new(),
                        etag,
                        cache_control,
                    })
                }
                StatusCode::MOVED_PERMANENTLY
                | StatusCode::FOUND
                | StatusCode::SEE_OTHER
                | StatusCode::TEMPORARY_REDIRECT
                | StatusCode::PERMANENT_REDIRECT => {
                    let location = header("location").ok_or_else(|| {
                        unavailable(
                            &uri,
                            format!("HTTP status {} without Location", status.as_u16()),
                        )
                    })?;
                    uri = self.redirect_target(&uri, &location)?;
                }
                _ => {
                    return Err(unavailable(
                        &uri,
                        format!("HTTP status {}", status.as_u16()),
                    ));
                }
            }
        }
        Err(unavailable(
            &original,
            format!("more than {MAX_REDIRECTS} redirects"),
        ))
    }
}

impl HttpFetcher {
    /// Where a redirect from `from` to `location` goes, if we may follow it. A redirect never
    /// changes the scheme; from https it may go to any https URL (the certificate proves the
    /// host), from plain http (only fetched when allowed) only to the same host and port, so
    /// an http endpoint cannot send the fetcher to another machine (a cloud metadata address,
    /// an internal service) over an unauthenticated channel.
    fn redirect_target(&self, from: &Uri, location: &str) -> Result<Uri, Error> {
        let target = resolve(from, location)
            .ok_or_else(|| unavailable(from, "redirect to an invalid Location"))?;
        let is = |u: &Uri, scheme: &str| {
            u.scheme_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        };
        let refuse = |why: &str| {
            Err(unavailable(
                from,
                format!("refused redirect to {:?} ({why})", show_url(location)),
            ))
        };
        if is(from, "https") {
            if is(&target, "https") {
                return Ok(target);
            }
            return refuse("redirects from https must stay on https");
        }
        if !(is(from, "http") && is(&target, "http") && self.allow_http) {
            return refuse("redirects never change the scheme");
        }
        let same_place = from.host().map(str::to_ascii_lowercase)
            == target.host().map(str::to_ascii_lowercase)
            && port_of(from) == port_of(&target);
        if same_place {
            Ok(target)
        } else {
            refuse("plain http redirects must stay on the same host and port")
        }
    }
}

/// The trust roots: the web roots plus the CA certificates in `pem`.
fn roots_with(pem: &[u8]) -> Result<RootCerts, Error> {
    let mut extra = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => extra.push(c),
            Ok(_) => {}
            Err(e) => {
                return Err(err(
                    ErrorKind::InvalidArgument,
                    format!("invalid CA PEM: {e}"),
                ));
            }
        }
    }
    if extra.is_empty() {
        return Err(err(
            ErrorKind::InvalidArgument,
            "the CA PEM has no certificate",
        ));
    }
    let web = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned());
    Ok(RootCerts::from(web.chain(extra)))
}

/// Resolves a `Location` header against the URL it came from (RFC 3986 §5.2, without dot
/// segment removal, which the server does).
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    let location = location.trim();
    if location.is_empty() {
        return None;
    }
    let scheme = base.scheme_str()?;
    let authority = base.authority()?.as_str();
    let absolute = if location.contains("://") {
        location.to_string()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else if location.starts_with('?') {
        format!("{scheme}://{authority}{}{location}", base.path())
    } else {
        let path = base.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{scheme}://{authority}{dir}{location}")
    };
    let uri: Uri = absolute.parse().ok()?;
    uri.host().filter(|h| !h.is_empty())?;
    Some(uri)
}

/// The port of an http(s) URL, explicit or the scheme's default.
fn port_of(uri: &Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => Some(443),
        Some(s) if s.eq_ignore_ascii_case("http") => Some(80),
        _ => None,
    })
}

/// Reads the body with the size cap applied to the decompressed bytes. A transport failure
/// comes back as `Err(Err(e))` for the caller to describe.
fn read_body(
    resp: &mut ureq::http::Response<ureq::Body>,
    uri: &Uri,
    max_bytes: usize,
) -> Result<Vec<u8>, Result<Error, ureq::Error>> {
    let too_large = || unavailable(uri, format!("response body exceeds {max_bytes} bytes"));
    // A declared length over the cap fails before a byte of the body is read.
    let declared = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(Ok(too_large()));
    }
    resp.body_mut()
        .with_config()
        .limit(max_bytes as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => Ok(too_large()),
            other => Err(other),
        })
}

/// Describes a transport failure. A timeout names the timeout that fired (connect or total)
/// and the stage the fetch was in (connecting, TLS handshake, waiting for the response,
/// reading the body), so "the server accepts but never speaks TLS" reads differently from
/// "the server is slow to answer".
fn transport_error(uri: &Uri, e: &ureq::Error, timeout: Duration, connect: Duration) -> Error {
    let stage = progress::current().describe();
    let reason = match e {
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            format!("timed out {stage} (connect timeout {connect:?})")
        }
        ureq::Error::Timeout(ureq::Timeout::Global) => {
            format!("timed out {stage} (total timeout {timeout:?})")
        }
        ureq::Error::Timeout(other) => format!("timed out {stage} ({other} timeout)"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("timed out {stage}")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".to_string()
        }
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            ) =>
        {
            format!("connection closed early ({io})")
        }
        ureq::Error::BodyExceedsLimit(n) => format!("response body exceeds {n} bytes"),
        ureq::Error::RequireHttpsOnly(_) => "plain http is not allowed".to_string(),
        ureq::Error::Decompress(_, io) => format!("invalid compressed body: {io}"),
        other => other.to_string(),
    };
    // The transport's own messages could quote the URL; never its credentials.
    let reason = match uri.authority().and_then(|a| a.as_str().rsplit_once('@')) {
        Some((userinfo, _)) if !userinfo.is_empty() => reason.replace(userinfo, "***"),
        _ => reason,
    };
    unavailable(uri, reason)
}

/// A keys-unavailable error naming the URL (without its userinfo or query, which may carry a
/// secret).
pub(crate) fn unavailable(uri: &Uri, reason: impl std::fmt::Display) -> Error {
    let shown = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or(""),
        uri.authority().map_or("", |a| a.as_str()),
        uri.path()
    );
    err(
        ErrorKind::KeysUnavailable,
        format!("fetching {}: {reason}", show_url(&shown)),
    )
}

/// The connector chain of `ureq`'s default one for our features (CONNECT proxy, TCP, rustls),
/// with markers that record how far each connection got, for timeout messages.
fn connector() -> impl Connector<()> {
    ().chain(ConnectProxyConnector::default())
        .chain(TcpConnector::default())
        .chain(progress::Reached(Stage::Connected))
        .chain(RustlsConnector::default())
        .chain(progress::Reached(Stage::Response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://example.com/jwks", false).is_ok());
        assert!(check_url("HTTPS://example.com", false).is_ok());
        let e = check_url("http://example.com/jwks", false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InsecureUrl);
        assert!(check_url("http://127.0.0.1:8080/jwks", true).is_ok());
        for bad in [
            "",
            "not a url",
            "ftp://example.com/x",
            "/jwks",
            "https://",
            "file:///etc/passwd",
        ] {
            let e = check_url(bad, true).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn locations_resolve_against_the_base() {
        let base: Uri = "https://a.example/x/y/jwks?q=1".parse().unwrap();
        let r = |l| resolve(&base, l).map(|u| u.to_string());
        assert_eq!(
            r("https://b.example/k").as_deref(),
            Some("https://b.example/k")
        );
        assert_eq!(r("//c.example/k").as_deref(), Some("https://c.example/k"));
        assert_eq!(r("/k").as_deref(), Some("https://a.example/k"));
        assert_eq!(r("k2").as_deref(), Some("https://a.example/x/y/k2"));
        assert_eq!(r("?v=2").as_deref(), Some("https://a.example/x/y/jwks?v=2"));
        assert_eq!(r(""), None);
    }

    #[test]
    fn redirects_keep_the_scheme_and_plain_http_ones_the_host() {
        let f = HttpFetcher::new(&RemoteOptions {
            allow_http: true,
            proxy_from_env: false,
            ..RemoteOptions::default()
        })
        .unwrap();
        let https: Uri = "https://a.example/jwks".parse().unwrap();
        let http: Uri = "http://a.example:8080/jwks".parse().unwrap();
        assert!(f.redirect_target(&https, "https://b.example/").is_ok());
        let e = f.redirect_target(&https, "http://b.example/").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KeysUnavailable);
        assert!(f.redirect_target(&http, "/other").is_ok());
        assert!(f.redirect_target(&http, "http://A.example:8080/k").is_ok());
        for refused in [
            "http://b.example:8080/",
            "http://a.example:8081/",
            "http://a.example/",
            "http://169.254.169.254/latest/meta-data/",
            "https://a.example:8080/",
            "ftp://a.example:8080/",
        ] {
            let e = f.redirect_target(&http, refused).unwrap_err();
            assert!(e.message().contains("refused redirect"), "{refused}: {e}");
        }
        let strict = HttpFetcher::new(&RemoteOptions::default()).unwrap();
        assert!(strict.redirect_target(&http, "/other").is_err());
    }

    #[test]
    fn userinfo_never_appears_in_messages() {
        let e = check_url("http://user:secret@idp.example/jwks", false).unwrap_err();
        assert!(!e.message().contains("secret"), "{e}");
        let uri: Uri = "https://user:secret@idp.example/jwks".parse().unwrap();
        let e = unavailable(&uri, "HTTP status 500");
        assert!(!e.message().contains("secret"), "{e}");
        assert!(e.message().contains("idp.example/jwks"), "{e}");
    }

    #[test]
    fn bad_settings_are_invalid_arguments() {
        let bad = |o: RemoteOptions| HttpFetcher::new(&o).unwrap_err().kind();
        let ca = RemoteOptions {
            ca_pem: Some(b"not pem".to_vec()),
            ..RemoteOptions::default()
        };
        assert_eq!(bad(ca), ErrorKind::InvalidArgument);
        let header = RemoteOptions {
            headers: vec![("bad name".into(), "v".into())],
            ..RemoteOptions::default()
        };
        assert_eq!(bad(header), ErrorKind::InvalidArgument);
        let timeout = RemoteOptions {
            timeout: Duration::ZERO,
            ..RemoteOptions::default()
        };
        assert_eq!(bad(timeout), ErrorKind::InvalidArgument);
    }
}
