//! The proxy for a fetch from the environment, following curl and Go.
//!
//! - https URLs: `https_proxy`, then `HTTPS_PROXY`, then `all_proxy`, then `ALL_PROXY`.
//! - http URLs: `http_proxy`, then `HTTP_PROXY`, then `all_proxy`, then `ALL_PROXY`; but when
//!   `REQUEST_METHOD` is set (the process runs as a CGI script) `http_proxy`/`HTTP_PROXY` are
//!   ignored, because a CGI server turns a request's `Proxy:` header into `HTTP_PROXY`
//!   ("httpoxy").
//! - `NO_PROXY` (or `no_proxy`): comma-separated hosts that are fetched directly (`host`,
//!   `.suffix` or `*.suffix`, or `*` for all).
//!
//! `HTTP_PROXY` is never used for https URLs. An empty variable counts as unset.

use ureq::{Proxy, ProxyProtocol};

use super::shown_url::show_url;
use crate::error::{err, Error, ErrorKind};

/// Where variables are read from (the process environment, or a map in tests).
pub(crate) trait Env {
    /// The variable's value, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// The names read for a URL scheme, in order of preference.
pub(crate) fn names(https: bool, env: &dyn Env) -> Vec<&'static str> {
    let mut out = Vec::new();
    if https {
        out.extend(["https_proxy", "HTTPS_PROXY"]);
    } else if env.var("REQUEST_METHOD").is_none() {
        out.extend(["http_proxy", "HTTP_PROXY"]);
    }
    out.extend(["all_proxy", "ALL_PROXY"]);
    out
}

/// The proxy for https (or http) URLs from `env`, with its `NO_PROXY` exemptions, or `None`.
///
/// Errors: [`ErrorKind::InvalidArgument`] naming the variable when its value is not a proxy
/// URL (a typo must not silently bypass the proxy).
pub(crate) fn proxy_for(https: bool, env: &dyn Env) -> Result<Option<Proxy>, Error> {
    let Some((name, value)) = names(https, env)
        .into_iter()
        .find_map(|n| env.var(n).map(|v| (n, v)))
    else {
        return Ok(None);
    };
    let invalid = |e: &dyn std::fmt::Display| {
        err(
            ErrorKind::InvalidArgument,
            format!("invalid proxy URL {:?} in {name}: {e}", show_url(&value)),
        )
    };
    let parsed = Proxy::new(value.trim()).map_err(|e| invalid(&e))?;
    let parsed = connect_only(parsed, name, &value)?;
    let mut builder = Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port())
        .resolve_target(parsed.resolve_target());
    if let Some(user) = parsed.username() {
        builder = builder.username(user);
    }
    if let Some(password) = parsed.password() {
        builder = builder.password(password);
    }
    if let Some(list) = env.var("NO_PROXY").or_else(|| env.var("no_proxy")) {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            builder = builder.no_proxy(entry);
        }
    }
    builder.build().map(Some).map_err(|e| invalid(&e))
}

/// `proxy` if it is an HTTP(S) CONNECT proxy. SOCKS proxies are refused rather than
/// silently bypassed (the HTTP stack is built without SOCKS support). `source` names where
/// the URL came from, for the message.
pub(crate) fn connect_only(proxy: Proxy, source: &str, url: &str) -> Result<Proxy, Error> {
    match proxy.protocol() {
        ProxyProtocol::Http | ProxyProtocol::Https => Ok(proxy),
        other => Err(err(
            ErrorKind::InvalidArgument,
            format!(
                "proxy URL {:?} in {source}: {other:?} proxies are not supported (only http and \
                 https CONNECT proxies)",
                show_url(url)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Map(HashMap<&'static str, &'static str>);

    impl Env for Map {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .get(name)
                .map(|v| v.to_string())
                .filter(|v| !v.is_empty())
        }
    }

    fn env(vars: &[(&'static str, &'static str)]) -> Map {
        Map(vars.iter().copied().collect())
    }

    fn host(https: bool, e: &Map) -> Option<String> {
        proxy_for(https, e)
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn each_scheme_reads_its_own_variables() {
        let e = env(&[("HTTP_PROXY", "http://h:1")]);
        assert_eq!(host(true, &e), None, "HTTP_PROXY never serves https");
        assert_eq!(host(false, &e).as_deref(), Some("h:1"));
        let e = env(&[("HTTPS_PROXY", "http://s:2"), ("HTTP_PROXY", "http://h:1")]);
        assert_eq!(host(true, &e).as_deref(), Some("s:2"));
        assert_eq!(host(false, &e).as_deref(), Some("h:1"));
        let e = env(&[
            ("https_proxy", "http://lower:3"),
            ("HTTPS_PROXY", "http://s:2"),
        ]);
        assert_eq!(host(true, &e).as_deref(), Some("lower:3"));
        let e = env(&[("ALL_PROXY", "http://a:4"), ("HTTPS_PROXY", "")]);
        assert_eq!(host(true, &e).as_deref(), Some("a:4"));
        assert_eq!(host(false, &e).as_deref(), Some("a:4"));
    }

    #[test]
    fn http_proxy_is_ignored_under_cgi() {
        let e = env(&[
            ("HTTP_PROXY", "http://attacker:1"),
            ("http_proxy", "http://attacker:1"),
            ("REQUEST_METHOD", "GET"),
        ]);
        assert_eq!(host(false, &e), None);
        let e = env(&[
            ("HTTP_PROXY", "http://attacker:1"),
            ("ALL_PROXY", "http://corp:8"),
            ("REQUEST_METHOD", "GET"),
        ]);
        assert_eq!(host(false, &e).as_deref(), Some("corp:8"));
    }

    #[test]
    fn no_proxy_exempts_hosts_and_bad_values_are_errors() {
        let e = env(&[
            ("HTTPS_PROXY", "http://s:2"),
            ("NO_PROXY", "internal, .corp"),
        ]);
        let p = proxy_for(true, &e).unwrap().unwrap();
        assert!(p.is_no_proxy(&"https://internal/k".parse().unwrap()));
        assert!(p.is_no_proxy(&"https://a.corp/k".parse().unwrap()));
        assert!(!p.is_no_proxy(&"https://idp.example/k".parse().unwrap()));
        let e = env(&[("ALL_PROXY", "socks5://u:secret@corp:1080")]);
        let msg = proxy_for(true, &e).unwrap_err().message().to_string();
        assert!(
            msg.contains("not supported") && msg.contains("ALL_PROXY"),
            "{msg}"
        );
        assert!(!msg.contains("secret"), "{msg}");
        let e = env(&[("HTTPS_PROXY", "http://u:secret@[bad")]);
        let msg = proxy_for(true, &e).unwrap_err().message().to_string();
        assert!(msg.contains("HTTPS_PROXY"), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
    }
}
