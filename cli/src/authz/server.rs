//! The listener: hyper (HTTP/1.1, keep-alive) on a multi-threaded tokio runtime, the three
//! operational endpoints, a forward-auth decision on every other path, and the SIGHUP
//! reload that swaps the whole state at once (checks in flight finish on the one they took).

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use jwkskit::{unix_now, ErrorKind, Request as TokenRequest, VerifiedRequest, Verifier};
use parking_lot::RwLock;
use serde_json::json;
use tokio::signal::unix::{signal, Signal, SignalKind};

use super::answer::{self, Answer, Decision};
use super::config::{self, Config};
use super::issuers::{IssuerSettings, KeysFrom};
use super::metrics::{self, Counters};
use super::original;
use super::routes;
use crate::common::{format_utc, note};

/// Connections open at once; more wait in the kernel's queue.
const MAX_CONNECTIONS: usize = 10_000;
/// How long a client has to send a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head (a token may be 16 KiB and more).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Wait between attempts to load the keys of an issuer that is not ready.
const WARM_UP_INTERVAL: Duration = Duration::from_secs(1);

/// A configuration with its verifiers, one per issuer (same index).
pub struct State {
    /// The configuration.
    pub config: Config,
    /// The verifiers.
    pub verifiers: Vec<Verifier>,
}

impl State {
    /// Builds the verifiers of `config`, keeping those of `old` whose issuer settings did
    /// not change (with their keys and token cache).
    pub fn build(config: Config, old: Option<&State>) -> Result<State, String> {
        let mut verifiers = Vec::with_capacity(config.issuers.len());
        for settings in &config.issuers {
            let kept = old.and_then(|o| {
                o.config
                    .issuers
                    .iter()
                    .position(|s| s == settings)
                    .map(|i| o.verifiers[i].clone())
            });
            let v = match kept {
                Some(v) => v,
                None => verifier(settings).map_err(|e| {
                    format!(
                        "{}: issuer {:?}: {}",
                        config.file.display(),
                        settings.name,
                        e.message()
                    )
                })?,
            };
            verifiers.push(v);
        }
        Ok(State { config, verifiers })
    }

    /// Whether every issuer's keys are at hand.
    pub fn ready(&self) -> bool {
        self.verifiers.iter().all(Verifier::is_ready)
    }
}

fn verifier(s: &IssuerSettings) -> Result<Verifier, jwkskit::Error> {
    let (policy, remote) = (s.policy.clone(), s.remote.clone());
    match &s.keys {
        KeysFrom::Discovery => Verifier::from_issuer(&s.issuer, policy, remote),
        KeysFrom::Url(url) => Verifier::from_url(url, policy, remote),
        KeysFrom::File(path) => Verifier::from_file(path, policy, remote),
    }
}

/// What every connection shares.
pub struct Shared {
    state: RwLock<Arc<State>>,
    /// The server's counts.
    pub counters: Counters,
}

impl Shared {
    /// The state now (a reload replaces it; this one stays whole while held).
    pub fn current(&self) -> Arc<State> {
        self.state.read().clone()
    }
}

/// Serves until the process ends. `state` is the checked first configuration.
pub fn serve(
    state: State,
    listen: SocketAddr,
    announce: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let shared = Arc::new(Shared {
        state: RwLock::new(Arc::new(state)),
        counters: Counters::default(),
    });
    shared.counters.reloaded(true, unix_now());
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        // Caught before the address is announced: whoever sends SIGHUP after seeing it
        // gets a reload, never the default action (ending the process).
        let hangups = signal(SignalKind::hangup())
            .map_err(|e| format!("cannot catch SIGHUP for reloads: {e}"))?;
        announce(local);
        warm_up(&shared);
        tokio::spawn(reload_on_hangup(shared.clone(), hangups));
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return Ok(());
            };
            let (stream, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => {
                    // Out of descriptors, or a connection reset before it was accepted.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(handle(&shared, peer, req).await) }
                });
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEAD_TIMEOUT)
                    .max_buf_size(MAX_HEAD_BYTES)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                drop(permit);
            });
        }
    })
}

/// Loads the keys of each issuer that is not ready, on a thread of its own, until it is
/// (so that /readyz turns 200 without waiting for traffic), or until a reload drops it.
fn warm_up(shared: &Arc<Shared>) {
    let state = shared.current();
    for (settings, v) in state.config.issuers.iter().zip(&state.verifiers) {
        if v.is_ready() {
            continue;
        }
        let (shared, settings, v) = (shared.clone(), settings.clone(), v.clone());
        std::thread::spawn(move || loop {
            let _ = v.refresh();
            if v.is_ready() {
                return;
            }
            std::thread::sleep(WARM_UP_INTERVAL);
            if !shared.current().config.issuers.contains(&settings) {
                return;
            }
        });
    }
}

async fn reload_on_hangup(shared: Arc<Shared>, mut hangups: Signal) {
    while hangups.recv().await.is_some() {
        let s = shared.clone();
        // Building verifiers may fetch keys (fetch_at_start): off the event loop.
        let _ = tokio::task::spawn_blocking(move || reload(&s)).await;
    }
}

/// Rereads the file; on success swaps the state, else keeps the old one and says why.
pub fn reload(shared: &Arc<Shared>) {
    let old = shared.current();
    let result = config::load(&old.config.file)
        .map_err(|e| e.message)
        .and_then(|c| {
            if c.listen != old.config.listen {
                log_event(
                    c.log_json,
                    unix_now(),
                    "reload",
                    &format!(
                        "listen changed to {}: it takes effect at the next start",
                        c.listen
                    ),
                );
            }
            State::build(c, Some(&old))
        });
    let now = unix_now();
    match result {
        Ok(new) => {
            let kept = new
                .verifiers
                .iter()
                .filter(|v| old.verifiers.iter().any(|o| same(o, v)))
                .count();
            *shared.state.write() = Arc::new(new);
            log_event(
                old.config.log_json,
                now,
                "reload",
                &format!("configuration reloaded ({kept} issuer(s) kept their keys and cache)"),
            );
            // Counted after the log line, so that whoever sees the count finds the line.
            shared.counters.reloaded(true, now);
            warm_up(shared);
        }
        Err(message) => {
            log_event(
                old.config.log_json,
                now,
                "reload_failed",
                &format!("configuration not reloaded, the previous one stays: {message}"),
            );
            shared.counters.reloaded(false, now);
        }
    }
}

fn same(a: &Verifier, b: &Verifier) -> bool {
    std::ptr::eq(a.policy(), b.policy())
}

fn log_event(json: bool, now: i64, event: &str, message: &str) {
    if json {
        note(&json!({"time": format_utc(now), "event": event, "message": message}).to_string());
    } else {
        note(&format!("{} {event}: {message}", format_utc(now)));
    }
}

fn text(
    status: StatusCode,
    body: impl Into<Bytes>,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

async fn handle(
    shared: &Shared,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    match req.uri().path() {
        "/healthz" => return text(StatusCode::OK, "ok\n", "text/plain; charset=utf-8"),
        "/readyz" => {
            let state = shared.current();
            return if state.ready() {
                text(StatusCode::OK, "ready\n", "text/plain; charset=utf-8")
            } else {
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "keys not loaded yet\n",
                    "text/plain; charset=utf-8",
                )
            };
        }
        "/metrics" => {
            let state = shared.current();
            let body = metrics::render(&shared.counters, &state.config, &state.verifiers);
            return text(
                StatusCode::OK,
                body,
                "text/plain; version=0.0.4; charset=utf-8",
            );
        }
        _ => {}
    }
    let started = Instant::now();
    let state = shared.current();
    let (answer, about) = decide(&state, peer.ip(), &req).await;
    shared.counters.record(answer.decision, started.elapsed());
    if let Some(why) = &answer.note {
        log_decision(&state.config, peer, &answer, why, &about);
    }
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        headers.append(name, value);
    }
    response
}

/// What the log says about the original request (borrowed: nothing is copied for a check
/// that is not logged).
#[derive(Default)]
struct About<'a> {
    method: &'a str,
    host: &'a str,
    path: Cow<'a, str>,
    /// The route's index; `None` for the default.
    route: Option<Option<usize>>,
    issuer: &'a str,
}

async fn decide<'a>(
    state: &'a State,
    peer: IpAddr,
    req: &'a Request<Incoming>,
) -> (Answer, About<'a>) {
    let config = &state.config;
    let mut about = About::default();
    if !original::trusted(peer, &config.trusted_proxies) {
        let a = Answer::plain(Decision::Deny403, 403, "the peer is not a trusted proxy");
        return (a, about);
    }
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let orig = match original::extract(
        config.proxy,
        &config.envoy_path_prefix,
        req.method(),
        target,
        req.headers(),
    ) {
        Ok(o) => o,
        Err(m) => {
            return (
                Answer::plain(Decision::BadRequest, 400, m.describe(config.proxy)),
                about,
            )
        }
    };
    about.method = orig.method;
    about.host = orig.host.unwrap_or("");
    let path = match routes::normalise(orig.target) {
        Ok(p) => p,
        Err(e) => {
            // Without the query: it may carry a token (`?access_token=`), which is never logged.
            let path = orig.target.split('?').next().unwrap_or_default();
            about.path = Cow::Owned(path.chars().take(200).collect());
            return (
                Answer::plain(Decision::BadRequest, 400, e.to_string()),
                about,
            );
        }
    };
    let host = orig.host.and_then(routes::host_name);
    let route = routes::find(&config.routes, &config.default, host, orig.method, &path);
    about.path = path;
    about.route = Some(route.index);
    if route.anonymous {
        return (Answer::anonymous(), about);
    }
    // A route that needs a token has at least one issuer (config.rs).
    let first = &state.verifiers[route.issuers[0]];
    // The library's request verification, not the token's alone: it refuses a DPoP-bound
    // token sent as Bearer and a certificate-bound one without its certificate (which a
    // forward-auth check does not carry), and tells a missing credential from a malformed one.
    let mut request = TokenRequest::new(orig.method, orig.target);
    for value in req.headers().get_all(AUTHORIZATION) {
        let Ok(value) = value.to_str() else {
            let why = "the Authorization header is not text".to_owned();
            return (
                answer::refuse(first, route, ErrorKind::InvalidRequest, why),
                about,
            );
        };
        request = request.authorization(value);
    }
    let token = answer::bearer(req.headers());
    let issuer = match token.map(|t| answer::pick_issuer(config, route, t)) {
        None => route.issuers[0],
        Some(Ok(i)) => i,
        Some(Err((kind, why))) => return (answer::refuse(first, route, kind, why), about),
    };
    about.issuer = &config.issuers[issuer].name;
    let verifier = &state.verifiers[issuer];
    let verified = if token.is_some_and(|t| verifier.would_block(t)) {
        // A key fetch: on a thread that may block, not on the event loop.
        let v = verifier.clone();
        let (method, target) = (orig.method.to_owned(), orig.target.to_owned());
        let values: Vec<String> = req
            .headers()
            .get_all(AUTHORIZATION)
            .iter()
            .filter_map(|h| h.to_str().ok().map(str::to_owned))
            .collect();
        let task = tokio::task::spawn_blocking(move || {
            let request = values
                .iter()
                .fold(TokenRequest::new(&method, &target), |r, a| {
                    r.authorization(a)
                });
            v.verify_request(&request).map(VerifiedRequest::into_token)
        });
        task.await.unwrap_or_else(|_| {
            Err(jwkskit::Error::new(
                ErrorKind::Internal,
                "the verification task failed",
            ))
        })
    } else {
        verifier
            .verify_request(&request)
            .map(VerifiedRequest::into_token)
    };
    let token = match verified {
        Ok(t) => t,
        Err(e) => {
            return (
                answer::refuse(verifier, route, e.kind(), e.message().to_owned()),
                about,
            )
        }
    };
    if let Err((kind, why)) = answer::route_checks(config, route, issuer, &token) {
        return (answer::refuse(verifier, route, kind, why), about);
    }
    (answer::allow(config, &token), about)
}

fn log_decision(config: &Config, peer: SocketAddr, answer: &Answer, why: &str, about: &About) {
    let now = unix_now();
    let route = match about.route {
        None => String::new(),
        Some(None) => "default".to_owned(),
        Some(Some(i)) => format!("routes[{i}]"),
    };
    if config.log_json {
        let line = json!({
            "time": format_utc(now),
            "decision": answer.decision.label(),
            "status": answer.status,
            "peer": peer.ip().to_string(),
            "method": about.method,
            "host": about.host,
            "path": about.path,
            "route": route,
            "issuer": about.issuer,
            "reason": why,
        });
        note(&line.to_string());
    } else {
        note(&format!(
            "{} {} {} peer={} method={:?} host={:?} path={:?} route={} issuer={:?} reason={:?}",
            format_utc(now),
            answer.decision.label(),
            answer.status,
            peer.ip(),
            about.method,
            about.host,
            about.path,
            route,
            about.issuer,
            why
        ));
    }
}
