//! A small JWKS endpoint on loopback: `/.well-known/jwks.json` and
//! `/.well-known/openid-configuration`, with `Cache-Control: max-age` and a strong `ETag`.
//!
//! HTTP is hyper's (HTTP/1.1, one request per connection) on a one-thread tokio runtime of
//! its own: every connection is a task with a deadline for its request head, so clients that
//! trickle bytes cannot starve the others. At most [`MAX_CONNECTIONS`] are open at once; when
//! a new client comes to a full server, the oldest connection still waiting for its request
//! head is closed to make room (see `connections`), so idle or trickling clients cannot lock
//! the others out either, and an answer under way is never cut. It is meant for development,
//! tests and demos, and binds 127.0.0.1 only. The `serve` feature (off by default).

mod connections;

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::Method;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use ring::digest;
use serde_json::{json, Value};
use tokio::task::AbortHandle;

use connections::{Connections, Phase, Room};

use super::keydir::{self, Listing};
use super::keys::SigningKey;
use crate::error::{err, Error, ErrorKind};

/// The path of the JWKS document.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The path of the OpenID Connect discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Connections open at once. Each costs a task and a socket (not a thread), and lives at most
/// twice [`ServeOptions::request_timeout`]. A client that comes when this many are open takes
/// the place of the oldest one still waiting for its request head (the nearest to its head
/// deadline), which is closed unanswered; only when every open connection is being answered
/// is the new client closed unanswered instead. One local client opening idle connections
/// therefore delays nobody: it only closes its own older ones (and, at worst, a client that
/// connected before them and has still not sent its request).
const MAX_CONNECTIONS: usize = 512;
/// Connections the kernel completes and queues before the server accepts them (the kernel caps
/// it at `net.core.somaxconn`). As large as [`MAX_CONNECTIONS`] rather than std's 128: when a
/// burst of connections overflows the queue, the kernel drops the next handshakes and those
/// clients wait a second or more to retry, whether or not the server had room for them.
const LISTEN_BACKLOG: u32 = MAX_CONNECTIONS as u32;
/// Largest accepted request head (request line and headers); larger ones get 431.
const MAX_HEAD_BYTES: usize = 8 * 1024;

/// How a [`JwksServer`] listens and what it tells caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// The loopback port; 0 picks a free one (see [`JwksServer::url`]).
    pub port: u16,
    /// The `Cache-Control: max-age` of both documents, in seconds (default 300).
    pub max_age: u64,
    /// How long a client has, from connecting, to send its whole request head (default 5 s);
    /// the connection is closed after twice that in any case.
    pub request_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            port: 0,
            max_age: 300,
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// A running JWKS endpoint on 127.0.0.1. Stopped by [`JwksServer::stop`] or on drop.
///
/// In directory mode ([`JwksServer::start`]) the directory is listed on every request and
/// its key files are reread whenever a file is added, removed or modified, so rotating keys
/// is adding and removing files. [`JwksServer::start_with_jwks`] serves a fixed document that
/// [`JwksServer::set_jwks`] replaces. Counters let tests assert how often clients fetched, and
/// [`JwksServer::set_status`] / [`JwksServer::set_delay`] simulate an ailing endpoint.
pub struct JwksServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Dropping or sending on it ends the runtime, and with it every connection.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime_thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for JwksServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksServer")
            .field("url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

struct Shared {
    base_url: String,
    /// The open connections, each with the handle that aborts its task.
    connections: Mutex<Connections<AbortHandle>>,
    requests: AtomicU64,
    jwks_requests: AtomicU64,
    discovery_requests: AtomicU64,
    not_modified: AtomicU64,
    state: Mutex<State>,
}

struct State {
    published: Published,
    max_age: u64,
    forced_status: Option<u16>,
    delay: Duration,
    request_timeout: Duration,
}

enum Published {
    Dir {
        dir: PathBuf,
        cache: Option<(Listing, Arc<Document>)>,
    },
    Fixed(Arc<Document>),
}

/// A response body with its strong validator.
struct Document {
    body: Vec<u8>,
    etag: String,
}

impl Document {
    fn new(value: &Value) -> Arc<Document> {
        let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
        body.push(b'\n');
        let hash = digest::digest(&digest::SHA256, &body);
        let hex: String = hash.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Arc::new(Document {
            body,
            etag: format!("\"{hex}\""),
        })
    }
}

/// The public JWKS of some signing keys; HMAC keys are left out (their JWK is the secret).
fn public_document(keys: &[&SigningKey]) -> Value {
    let keys: Vec<Value> = keys
        .iter()
        .filter(|k| !k.is_hmac())
        .map(|k| k.public_jwk())
        .collect();
    json!({ "keys": keys })
}

impl JwksServer {
    /// Serves the public keys of every key file in `dir` (see [`super::load_key_dir`]).
    /// The directory must be readable now; later read failures answer 500.
    pub fn start(dir: impl Into<PathBuf>, opts: ServeOptions) -> Result<JwksServer, Error> {
        let dir = dir.into();
        keydir::list(&dir)?;
        JwksServer::launch(Published::Dir { dir, cache: None }, opts)
    }

    /// Serves a fixed JWKS document (served as given: do not put secrets in it).
    pub fn start_with_jwks(jwks: &Value, opts: ServeOptions) -> Result<JwksServer, Error> {
        JwksServer::launch(Published::Fixed(Document::new(jwks)), opts)
    }

    /// Serves the public JWKs of `keys` (HMAC keys are left out).
    pub fn start_with_keys(keys: &[&SigningKey], opts: ServeOptions) -> Result<JwksServer, Error> {
        JwksServer::start_with_jwks(&public_document(keys), opts)
    }

    fn launch(published: Published, opts: ServeOptions) -> Result<JwksServer, Error> {
        if opts.request_timeout.is_zero() {
            return Err(err(
                ErrorKind::InvalidArgument,
                "the request timeout must be greater than zero",
            ));
        }
        let internal =
            |what: &str, e: std::io::Error| err(ErrorKind::Internal, format!("{what}: {e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| internal("cannot start the server runtime", e))?;
        // Bound here, synchronously, so that a taken port is the caller's error.
        let listener = {
            let _entered = runtime.enter();
            listen(opts.port)?
        };
        let addr = listener
            .local_addr()
            .map_err(|e| internal("local address", e))?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            connections: Mutex::new(Connections::new(MAX_CONNECTIONS)),
            requests: AtomicU64::new(0),
            jwks_requests: AtomicU64::new(0),
            discovery_requests: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            state: Mutex::new(State {
                published,
                max_age: opts.max_age,
                forced_status: None,
                delay: Duration::ZERO,
                request_timeout: opts.request_timeout,
            }),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let accept_shared = Arc::clone(&shared);
        let runtime_thread = std::thread::Builder::new()
            .name("jwks-serve".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(accept_loop(listener, accept_shared));
                    // Either a stop or a dropped sender ends the server.
                    let _ = stopped.await;
                });
                // Dropping the runtime cancels the accept loop and every connection task.
                drop(runtime);
            })
            .map_err(|e| internal("cannot start a thread", e))?;
        Ok(JwksServer {
            addr,
            shared,
            stop: Some(stop),
            runtime_thread: Some(runtime_thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (also the issuer in the discovery document).
    pub fn url(&self) -> &str {
        &self.shared.base_url
    }

    /// The JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.shared.base_url)
    }

    /// The discovery document URL.
    pub fn discovery_url(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.shared.base_url)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests received, on any path (including 304s and errors).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Requests for the JWKS document.
    pub fn jwks_request_count(&self) -> u64 {
        self.shared.jwks_requests.load(Ordering::SeqCst)
    }

    /// Requests for the discovery document.
    pub fn discovery_request_count(&self) -> u64 {
        self.shared.discovery_requests.load(Ordering::SeqCst)
    }

    /// Requests answered `304 Not Modified`.
    pub fn not_modified_count(&self) -> u64 {
        self.shared.not_modified.load(Ordering::SeqCst)
    }

    /// Replaces the served document with a fixed JWKS (leaving directory mode, if in it).
    pub fn set_jwks(&self, jwks: &Value) {
        self.shared.state.lock().published = Published::Fixed(Document::new(jwks));
    }

    /// Replaces the served document with the public JWKs of `keys` (HMAC keys left out).
    pub fn set_keys(&self, keys: &[&SigningKey]) {
        self.set_jwks(&public_document(keys));
    }

    /// Changes the `Cache-Control: max-age` sent from now on.
    pub fn set_max_age(&self, seconds: u64) {
        self.shared.state.lock().max_age = seconds;
    }

    /// Answers every request with this status and an error body (e.g. 503), or serves
    /// normally again with `None`.
    pub fn set_status(&self, status: Option<u16>) {
        self.shared.state.lock().forced_status = status;
    }

    /// Waits this long before answering each request (to exercise client timeouts).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.state.lock().delay = delay;
    }

    /// Stops listening, closes every connection and waits for the server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.runtime_thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Listens on 127.0.0.1:`port` (in the server runtime's context).
fn listen(port: u16) -> Result<tokio::net::TcpListener, Error> {
    let cannot = |e: std::io::Error| {
        err(
            ErrorKind::InvalidArgument,
            format!("cannot listen on 127.0.0.1:{port}: {e}"),
        )
    };
    let socket = tokio::net::TcpSocket::new_v4().map_err(cannot)?;
    // As std's TcpListener::bind does: a restarted server can take its port back at once.
    socket.set_reuseaddr(true).map_err(cannot)?;
    socket
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(cannot)?;
    socket.listen(LISTEN_BACKLOG).map_err(cannot)
}

/// Serves connections until the runtime is dropped. Each connection is its own task, so a
/// slow client costs a few kilobytes, not a thread; the connection cap only bounds memory.
async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors or similar: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let mut connections = shared.connections.lock();
        let evicted = match connections.make_room() {
            Room::Free => None,
            Room::Made(oldest_idle) => Some(oldest_idle),
            // Every connection is being answered: this one is closed (dropped) unanswered.
            Room::Full => continue,
        };
        let id = connections.next_id();
        let phase = Arc::new(Phase::default());
        let registered = Registered {
            shared: Arc::clone(&shared),
            id,
        };
        let conn_phase = Arc::clone(&phase);
        // Spawned and registered under one lock, so that the task cannot end (and unregister)
        // before it is registered.
        let task = tokio::spawn(async move {
            serve_connection(&registered.shared, stream, conn_phase).await;
            drop(registered);
        });
        connections.insert(phase, task.abort_handle());
        drop(connections);
        // Aborted outside the lock: the task drops its connection (closing the socket) and
        // unregisters when the runtime next runs it; it is idle, so it is never polled again.
        if let Some(task) = evicted {
            task.abort();
        }
    }
}

/// Unregisters a connection when its task ends or is aborted.
struct Registered {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.shared.connections.lock().remove(self.id);
    }
}

/// One request per connection, within deadlines: the request head must arrive within
/// `request_timeout` of the connection's start however slowly it trickles in (hyper's header
/// read timeout), and the whole exchange must end within twice that (plus any simulated
/// delay), so a client that never reads the answer cannot hold the connection either.
///
/// Hyper calls the service once the request head is whole, which is when the connection
/// stops being idle and can no longer be closed to make room.
async fn serve_connection(shared: &Arc<Shared>, stream: tokio::net::TcpStream, phase: Arc<Phase>) {
    let (request_timeout, delay) = {
        let s = shared.state.lock();
        (s.request_timeout, s.delay)
    };
    let service_shared = Arc::clone(shared);
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let shared = Arc::clone(&service_shared);
        let answering = phase.start_answering();
        async move {
            if !answering {
                // Closed to make room just as its head arrived; the abort follows.
                return Ok::<_, Infallible>(error_reply(503, "the server is full"));
            }
            Ok(respond(&shared, &request).await)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(request_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    let deadline = request_timeout.saturating_mul(2).saturating_add(delay);
    // Errors (a client that went away, a malformed request hyper already answered) and the
    // deadline both simply end the connection.
    let _ = tokio::time::timeout(deadline, connection).await;
}

type Reply = hyper::Response<Full<Bytes>>;

fn reply(status: u16, headers: Vec<(&'static str, String)>, body: Vec<u8>) -> Reply {
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

fn error_reply(status: u16, message: &str) -> Reply {
    let body = json!({ "error": message }).to_string().into_bytes();
    reply(
        status,
        vec![("Content-Type", "application/json".into())],
        body,
    )
}

async fn respond(shared: &Shared, request: &hyper::Request<Incoming>) -> Reply {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let (forced, delay, max_age) = {
        let s = shared.state.lock();
        (s.forced_status, s.delay, s.max_age)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let path = request.uri().path();
    let is_jwks = path == JWKS_PATH;
    let is_discovery = path == DISCOVERY_PATH;
    if is_jwks {
        shared.jwks_requests.fetch_add(1, Ordering::SeqCst);
    } else if is_discovery {
        shared.discovery_requests.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(status) = forced {
        return error_reply(status, "simulated failure");
    }
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        let mut r = error_reply(405, "only GET and HEAD are supported");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let document = if is_jwks {
        match jwks_document(shared) {
            Ok(doc) => doc,
            // The detail (which names the directory) is for the operator, not for clients.
            Err(_) => return error_reply(500, "the key directory cannot be read"),
        }
    } else if is_discovery {
        Document::new(&json!({
            "issuer": shared.base_url,
            "jwks_uri": format!("{}{JWKS_PATH}", shared.base_url),
        }))
    } else {
        return error_reply(404, "not found");
    };
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| etag_matches(inm, &document.etag));
    let mut headers = vec![
        ("ETag", document.etag.clone()),
        ("Cache-Control", format!("public, max-age={max_age}")),
    ];
    if fresh {
        shared.not_modified.fetch_add(1, Ordering::SeqCst);
        return reply(304, headers, Vec::new());
    }
    headers.push(("Content-Type", "application/json".into()));
    // hyper sends no body for HEAD and keeps the length of the GET answer.
    reply(200, headers, document.body.clone())
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, RFC 9110 §13.1.2).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let target = bare(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == target)
}

/// The current JWKS document; in directory mode, reread when the listing changed.
fn jwks_document(shared: &Shared) -> Result<Arc<Document>, Error> {
    let mut state = shared.state.lock();
    match &mut state.published {
        Published::Fixed(doc) => Ok(Arc::clone(doc)),
        Published::Dir { dir, cache } => {
            let listing = keydir::list(dir)?;
            if let Some((seen, doc)) = cache {
                if *seen == listing {
                    return Ok(Arc::clone(doc));
                }
            }
            let doc = Document::new(&keydir::load_listing(&listing).jwks);
            *cache = Some((listing, Arc::clone(&doc)));
            Ok(doc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_weakly() {
        assert!(etag_matches("\"a\", W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
    }
}
