//! The original request a check is about, as the trusted proxy tells it: method, host and
//! target from the headers of the proxy's kind (nginx `X-Original-*`, Caddy and Traefik
//! `X-Forwarded-*`), or the check itself for Envoy's `ext_authz` service. A peer that is not
//! a trusted proxy is refused before any of those headers is read.

use std::net::IpAddr;

use hyper::header::{HeaderMap, HOST};
use hyper::Method;

/// Which proxy sends the checks, and so which headers carry the original request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `auth_request`: `X-Original-Method`, `X-Original-URI`, `Host`.
    Nginx,
    /// `forward_auth` (Caddy, Traefik): `X-Forwarded-Method`, `-Uri`, `-Host`.
    Forwarded,
    /// Envoy's `ext_authz` HTTP service: the request itself, under `envoy_path_prefix`.
    Envoy,
}

/// The request a check is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original<'a> {
    /// Its method (as sent, upper-case expected).
    pub method: &'a str,
    /// Its `Host`, if any.
    pub host: Option<&'a str>,
    /// Its request target (path and query).
    pub target: &'a str,
}

/// Why the original request cannot be told (a 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The method header is absent or not text.
    Method,
    /// The target header is absent or not text.
    Target,
    /// Envoy's check did not come under `envoy_path_prefix`.
    Prefix,
}

impl Missing {
    /// What to log.
    pub fn describe(self, proxy: ProxyKind) -> &'static str {
        match (self, proxy) {
            (Missing::Method, ProxyKind::Nginx) => "no X-Original-Method header",
            (Missing::Target, ProxyKind::Nginx) => "no X-Original-URI header",
            (Missing::Method, _) => "no X-Forwarded-Method header",
            (Missing::Target, _) => "no X-Forwarded-Uri header",
            (Missing::Prefix, _) => "the check's path is not under envoy_path_prefix",
        }
    }
}

/// An IP network (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `ADDR/PREFIX` (or a bare address: the host alone).
    pub fn parse(text: &str) -> Result<Network, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max && p.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Network { addr, prefix })
    }

    /// Whether `ip` lies in the network (an IPv4-mapped IPv6 address as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(u128::from(net), u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    prefix == 0 || (a ^ b) >> (128 - u32::from(prefix)) == 0
}

/// Whether `peer` may send checks.
pub fn trusted(peer: IpAddr, trusted: &[Network]) -> bool {
    trusted.iter().any(|n| n.contains(peer))
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The original request of a check from a trusted peer.
pub fn extract<'a>(
    proxy: ProxyKind,
    envoy_prefix: &str,
    method: &'a Method,
    target: &'a str,
    headers: &'a HeaderMap,
) -> Result<Original<'a>, Missing> {
    match proxy {
        ProxyKind::Nginx => Ok(Original {
            method: text(headers, "x-original-method").ok_or(Missing::Method)?,
            target: text(headers, "x-original-uri").ok_or(Missing::Target)?,
            host: text(headers, HOST.as_str()),
        }),
        ProxyKind::Forwarded => Ok(Original {
            method: text(headers, "x-forwarded-method").ok_or(Missing::Method)?,
            target: text(headers, "x-forwarded-uri").ok_or(Missing::Target)?,
            host: text(headers, "x-forwarded-host"),
        }),
        ProxyKind::Envoy => {
            let rest = target.strip_prefix(envoy_prefix).ok_or(Missing::Prefix)?;
            if !(rest.is_empty() || rest.starts_with(['/', '?'])) {
                return Err(Missing::Prefix);
            }
            Ok(Original {
                method: method.as_str(),
                target: if rest.is_empty() || rest.starts_with('?') {
                    "/"
                } else {
                    rest
                },
                host: text(headers, HOST.as_str()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn each_proxy_kind() {
        let mut h = HeaderMap::new();
        h.insert("x-original-method", HeaderValue::from_static("POST"));
        h.insert("x-original-uri", HeaderValue::from_static("/admin/x?y"));
        h.insert("host", HeaderValue::from_static("api.example"));
        let get = Method::GET;
        let o = extract(ProxyKind::Nginx, "", &get, "/auth", &h).unwrap();
        assert_eq!(
            o,
            Original {
                method: "POST",
                host: Some("api.example"),
                target: "/admin/x?y"
            }
        );
        assert_eq!(
            extract(ProxyKind::Forwarded, "", &get, "/", &h),
            Err(Missing::Method)
        );
        h.insert("x-forwarded-method", HeaderValue::from_static("PUT"));
        h.insert("x-forwarded-uri", HeaderValue::from_static("/p"));
        let o = extract(ProxyKind::Forwarded, "", &get, "/", &h).unwrap();
        assert_eq!(
            o,
            Original {
                method: "PUT",
                host: None,
                target: "/p"
            }
        );
        let o = extract(ProxyKind::Envoy, "/authz", &get, "/authz/admin/x", &h).unwrap();
        assert_eq!(o.target, "/admin/x");
        assert_eq!(o.method, "GET");
        assert_eq!(
            extract(ProxyKind::Envoy, "/authz", &get, "/authzx", &h),
            Err(Missing::Prefix)
        );
        assert_eq!(
            extract(ProxyKind::Envoy, "/authz", &get, "/other", &h),
            Err(Missing::Prefix)
        );
    }

    #[test]
    fn networks() {
        let nets = [
            Network::parse("10.0.0.0/8").unwrap(),
            Network::parse("::1").unwrap(),
        ];
        assert!(trusted("10.2.3.4".parse().unwrap(), &nets));
        assert!(trusted("::ffff:10.2.3.4".parse().unwrap(), &nets));
        assert!(trusted("::1".parse().unwrap(), &nets));
        assert!(!trusted("11.0.0.1".parse().unwrap(), &nets));
        assert!(!trusted("127.0.0.1".parse().unwrap(), &nets));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("nope/8").is_err());
        assert!(Network::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
    }
}
