//! The configuration file of `jwks authz`: TOML read with serde, then checked, every error
//! naming the file, the line and column, and the key (`authz.toml:12:1: routes[1].scopes_all:
//! ...`). Unknown keys are errors. What comes out is ready to serve: header names compiled,
//! networks parsed, issuer settings as the library's [`Policy`] and [`RemoteOptions`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use hyper::header::HeaderName;
use serde::Deserialize;
use toml::Spanned;

use super::config_error::{ConfigError, Locator};
use super::issuers::{self, IssuerSettings};
use super::original::{Network, ProxyKind};
use super::routes::{self, Route};

/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9181";

/// A configured response header and the claim it carries.
#[derive(Debug, Clone)]
pub struct ClaimHeader {
    /// The header (validated and lower-cased once, at load).
    pub header: HeaderName,
    /// The claim as written (a top-level claim of that exact name is taken first).
    pub claim: String,
    /// The claim's path split on dots, for nested claims.
    pub path: Vec<String>,
}

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// Where the file says to listen (`--listen` may override it).
    pub listen: SocketAddr,
    /// One JSON object per log line.
    pub log_json: bool,
    /// Which headers carry the original request.
    pub proxy: ProxyKind,
    /// Peers allowed to send checks.
    pub trusted_proxies: Vec<Network>,
    /// The path prefix Envoy puts before the original path.
    pub envoy_path_prefix: String,
    /// The issuers, in the file's order.
    pub issuers: Vec<IssuerSettings>,
    /// Each issuer's own audiences (by index), for routes that do not set theirs.
    pub issuer_audiences: Vec<Vec<String>>,
    /// Claims copied to the allow answer's headers.
    pub claims: Vec<ClaimHeader>,
    /// What joins the elements of an array claim.
    pub array_separator: String,
    /// The routes, first match wins.
    pub routes: Vec<Route>,
    /// What applies when no route matches.
    pub default: Route,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<Spanned<String>>,
    log_format: Option<Spanned<String>>,
    proxy: Option<Spanned<String>>,
    trusted_proxies: Option<Vec<Spanned<String>>>,
    envoy_path_prefix: Option<Spanned<String>>,
    #[serde(default)]
    issuers: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    claims_to_headers: Option<BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    routes: Vec<Spanned<RawRoute>>,
    default: Option<RawDefault>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    host: Option<Spanned<String>>,
    path_prefix: Option<Spanned<String>>,
    methods: Option<Vec<Spanned<String>>>,
    issuers: Option<Vec<Spanned<String>>>,
    audiences: Option<Vec<String>>,
    scopes_all: Option<Vec<Spanned<String>>>,
    scopes_any: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    anonymous: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefault {
    #[serde(default)]
    anonymous: bool,
}

/// Reads and checks a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        message: format!("{shown}: cannot read the configuration: {e}"),
    })?;
    parse(&text, path)
}

/// Checks a configuration given as text (`path` names it in errors and anchors relative
/// `jwks_file` paths).
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let at = Locator {
        text,
        file: path.display().to_string(),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| at.error(e.span(), "", e.message()))?;
    let raw: RawConfig = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = key_path(e.path());
        let inner = e.inner();
        at.error(inner.span(), &key, inner.message())
    })?;
    build(raw, path, &at)
}

/// `routes[1].scopes_all`: the path serde followed, without the private names of the
/// [`Spanned`] wrappers.
fn key_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if key.starts_with("$__serde_spanned") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

fn build(raw: RawConfig, path: &Path, at: &Locator<'_>) -> Result<Config, ConfigError> {
    let listen = match &raw.listen {
        None => DEFAULT_LISTEN.parse().expect("the default address parses"),
        Some(l) => l.get_ref().parse().map_err(|_| {
            at.at(
                l,
                "listen",
                format!(
                    "{:?} is not an address and port like 127.0.0.1:9181",
                    l.get_ref()
                ),
            )
        })?,
    };
    let log_json = match raw.log_format.as_ref().map(|f| (f, f.get_ref().as_str())) {
        None | Some((_, "text")) => false,
        Some((_, "json")) => true,
        Some((f, other)) => {
            return Err(at.at(
                f,
                "log_format",
                format!("{other:?}: expected \"text\" or \"json\""),
            ))
        }
    };
    let proxy = match raw.proxy.as_ref().map(|p| (p, p.get_ref().as_str())) {
        None | Some((_, "nginx")) => ProxyKind::Nginx,
        Some((_, "caddy" | "traefik")) => ProxyKind::Forwarded,
        Some((_, "envoy")) => ProxyKind::Envoy,
        Some((p, other)) => {
            return Err(at.at(
                p,
                "proxy",
                format!("{other:?}: expected \"nginx\", \"caddy\", \"traefik\" or \"envoy\""),
            ))
        }
    };
    let trusted_proxies = match &raw.trusted_proxies {
        None => vec![
            Network::parse("127.0.0.1/32").unwrap(),
            Network::parse("::1/128").unwrap(),
        ],
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, n)| {
                Network::parse(n.get_ref())
                    .map_err(|m| at.at(n, &format!("trusted_proxies[{i}]"), m))
            })
            .collect::<Result<_, _>>()?,
    };
    let envoy_path_prefix = match &raw.envoy_path_prefix {
        None => String::new(),
        Some(p) => {
            let v = p.get_ref().trim_end_matches('/');
            if !p.get_ref().starts_with('/') || v.contains(['?', '#', '%']) {
                return Err(at.at(p, "envoy_path_prefix", "expected a path such as \"/authz\""));
            }
            v.to_owned()
        }
    };

    let mut issuers = Vec::new();
    let mut issuer_audiences = Vec::new();
    for (i, table) in raw.issuers.iter().enumerate() {
        let (settings, audiences) = issuers::issuer(table, i, path, at)?;
        if issuers
            .iter()
            .any(|o: &IssuerSettings| o.name == settings.name)
        {
            return Err(at.at(
                table,
                &format!("issuers[{i}].name"),
                format!("the name {:?} is used twice", settings.name),
            ));
        }
        issuers.push(settings);
        issuer_audiences.push(audiences);
    }

    let mut claims = Vec::new();
    let mut array_separator = ",".to_owned();
    for (header, claim) in raw.claims_to_headers.iter().flatten() {
        let key = format!("claims_to_headers.{header:?}");
        if header == "array_separator" {
            if claim.get_ref().chars().any(|c| c.is_control()) {
                return Err(at.at(
                    claim,
                    "claims_to_headers.array_separator",
                    "holds a control character",
                ));
            }
            array_separator = claim.get_ref().clone();
            continue;
        }
        let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
            at.at(
                claim,
                &key,
                format!("{header:?} is not a header name (RFC 7230 token)"),
            )
        })?;
        if RESERVED_HEADERS.contains(&name.as_str()) {
            return Err(at.at(
                claim,
                &key,
                format!("{header:?} cannot carry a claim: it belongs to the HTTP exchange"),
            ));
        }
        let c = claim.get_ref();
        if c.is_empty() || c.split('.').any(str::is_empty) {
            return Err(at.at(
                claim,
                &key,
                format!("{c:?} is not a claim name or dotted path"),
            ));
        }
        claims.push(ClaimHeader {
            header: name,
            claim: c.clone(),
            path: c.split('.').map(str::to_owned).collect(),
        });
    }

    let mut out_routes = Vec::new();
    for (i, r) in raw.routes.iter().enumerate() {
        out_routes.push(route(r, i, &issuers, at)?);
    }
    let default = Route::default_route(
        raw.default.as_ref().is_some_and(|d| d.anonymous),
        (0..issuers.len()).collect(),
    );
    if issuers.is_empty() && (!default.anonymous || out_routes.iter().any(|r| !r.anonymous)) {
        return Err(at.error(
            None,
            "issuers",
            "at least one [[issuers]] table is needed to check tokens",
        ));
    }

    // Every audience a route may ask of an issuer goes on its verifier's policy; each route's
    // own are checked after verification (answer.rs).
    for (i, settings) in issuers.iter_mut().enumerate() {
        let mut all = issuer_audiences[i].clone();
        for r in &out_routes {
            if let (Some(auds), true) = (&r.audiences, r.issuers.contains(&i)) {
                for a in auds {
                    if !all.contains(a) {
                        all.push(a.clone());
                    }
                }
            }
        }
        settings.policy.audiences = all;
    }

    Ok(Config {
        file: path.to_path_buf(),
        listen,
        log_json,
        proxy,
        trusted_proxies,
        envoy_path_prefix,
        issuers,
        issuer_audiences,
        claims,
        array_separator,
        routes: out_routes,
        default,
    })
}

/// Headers of the exchange itself, which a claim must not set.
const RESERVED_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "content-type",
    "date",
    "keep-alive",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "www-authenticate",
];

fn route(
    r: &Spanned<RawRoute>,
    i: usize,
    issuers: &[IssuerSettings],
    at: &Locator<'_>,
) -> Result<Route, ConfigError> {
    let key = |k: &str| format!("routes[{i}].{k}");
    let raw = r.get_ref();
    let host = match &raw.host {
        None => None,
        Some(h) => Some(
            routes::host_key(h.get_ref())
                .ok_or_else(|| at.at(h, &key("host"), "expected a host name"))?,
        ),
    };
    let path_prefix = match &raw.path_prefix {
        None => "/".to_owned(),
        Some(p) => {
            let normal = routes::normalise(p.get_ref())
                .map_err(|e| at.at(p, &key("path_prefix"), format!("{:?}: {e}", p.get_ref())))?;
            if normal != *p.get_ref() || p.get_ref().contains(['?', '%']) {
                return Err(at.at(p, &key("path_prefix"), format!(
                    "{:?} is not a normalised path (requests are matched after normalisation: write it as {normal:?}, without percent-encoding or query)",
                    p.get_ref()
                )));
            }
            normal.into_owned()
        }
    };
    let mut methods = Vec::new();
    for (j, m) in raw.methods.iter().flatten().enumerate() {
        let s = m.get_ref();
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
        {
            return Err(at.at(
                m,
                &format!("routes[{i}].methods[{j}]"),
                format!("{s:?} is not an HTTP method"),
            ));
        }
        methods.push(s.to_ascii_uppercase());
    }
    let mut route_issuers = Vec::new();
    match &raw.issuers {
        None => route_issuers.extend(0..issuers.len()),
        Some(names) => {
            for (j, n) in names.iter().enumerate() {
                let idx = issuers
                    .iter()
                    .position(|s| s.name == *n.get_ref())
                    .ok_or_else(|| {
                        at.at(
                            n,
                            &format!("routes[{i}].issuers[{j}]"),
                            format!("no [[issuers]] is named {:?}", n.get_ref()),
                        )
                    })?;
                route_issuers.push(idx);
            }
            if route_issuers.is_empty() && !raw.anonymous {
                return Err(at.at(
                    r,
                    &key("issuers"),
                    "an empty list accepts no token: leave it out for every issuer",
                ));
            }
        }
    }
    let scopes =
        |list: &Option<Vec<Spanned<String>>>, name: &str| -> Result<Vec<String>, ConfigError> {
            let mut out = Vec::new();
            for (j, s) in list.iter().flatten().enumerate() {
                jwkskit::scopes::check_required(s.get_ref())
                    .map_err(|e| at.at(s, &format!("routes[{i}].{name}[{j}]"), e.message()))?;
                out.push(s.get_ref().clone());
            }
            Ok(out)
        };
    let scopes_all = scopes(&raw.scopes_all, "scopes_all")?;
    let scopes_any = scopes(&raw.scopes_any, "scopes_any")?;
    if raw.scopes_any.as_ref().is_some_and(Vec::is_empty) {
        return Err(at.at(
            r,
            &key("scopes_any"),
            "an empty list is never met: leave it out",
        ));
    }
    if raw.anonymous
        && (!scopes_all.is_empty() || !scopes_any.is_empty() || raw.audiences.is_some())
    {
        return Err(at.at(
            r,
            &key("anonymous"),
            "an anonymous route checks no token: it cannot require scopes or audiences",
        ));
    }
    Ok(Route {
        host,
        path_prefix,
        methods,
        issuers: route_issuers,
        audiences: raw.audiences.clone(),
        scopes_all,
        scopes_any,
        anonymous: raw.anonymous,
        index: Some(i),
    })
}
