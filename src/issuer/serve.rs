//! A small JWKS endpoint on loopback: `/.well-known/jwks.json` and
//! `/.well-known/openid-configuration`, with `Cache-Control: max-age` and a strong `ETag`.
//!
//! Built on `std::net` alone (one short-lived thread per connection, one request per
//! connection) so the library carries no HTTP server dependency. It is meant for development,
//! tests and demos, and binds 127.0.0.1 only.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use ring::digest;
use serde_json::{json, Value};

use super::http::{self, etag_matches, Request, Response};
use super::keydir::{self, Listing};
use super::keys::SigningKey;
use crate::error::{err, Error, ErrorKind};

/// The path of the JWKS document.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The path of the OpenID Connect discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Connections handled at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;

/// How a [`JwksServer`] listens and what it tells caches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// The loopback port; 0 picks a free one (see [`JwksServer::url`]).
    pub port: u16,
    /// The `Cache-Control: max-age` of both documents, in seconds (default 300).
    pub max_age: u64,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            port: 0,
            max_age: 300,
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
    accept_thread: Option<JoinHandle<()>>,
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
    stopping: AtomicBool,
    active: AtomicUsize,
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
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).map_err(|e| {
            err(
                ErrorKind::InvalidArgument,
                format!("cannot listen on 127.0.0.1:{}: {e}", opts.port),
            )
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| err(ErrorKind::Internal, format!("local address: {e}")))?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            stopping: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            jwks_requests: AtomicU64::new(0),
            discovery_requests: AtomicU64::new(0),
            not_modified: AtomicU64::new(0),
            state: Mutex::new(State {
                published,
                max_age: opts.max_age,
                forced_status: None,
                delay: Duration::ZERO,
            }),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = std::thread::Builder::new()
            .name("jwks-serve".into())
            .spawn(move || accept_loop(listener, accept_shared))
            .map_err(|e| err(ErrorKind::Internal, format!("cannot start a thread: {e}")))?;
        Ok(JwksServer {
            addr,
            shared,
            accept_thread: Some(accept_thread),
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

    /// Stops listening and waits for the accept thread. Requests in flight finish on their own.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(thread) = self.accept_thread.take() {
            // Wake the blocking accept; it sees the flag and returns.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            let _ = thread.join();
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Out of descriptors or similar: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if shared.active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let conn_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("jwks-serve-conn".into())
            .spawn(move || {
                handle_connection(&conn_shared, stream);
                conn_shared.active.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn handle_connection(shared: &Shared, mut stream: TcpStream) {
    let request = match http::read_request(&mut stream) {
        Ok(Ok(Some(r))) => r,
        Ok(Ok(None)) | Err(_) => return,
        Ok(Err(status)) => {
            let _ =
                http::write_response(&mut stream, &Response::error(status, "bad request"), false);
            return;
        }
    };
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let response = respond(shared, &request);
    let _ = http::write_response(&mut stream, &response, request.method == "HEAD");
}

fn respond(shared: &Shared, request: &Request) -> Response {
    let (forced, delay, max_age) = {
        let s = shared.state.lock();
        (s.forced_status, s.delay, s.max_age)
    };
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    let is_jwks = request.path == JWKS_PATH;
    let is_discovery = request.path == DISCOVERY_PATH;
    if is_jwks {
        shared.jwks_requests.fetch_add(1, Ordering::SeqCst);
    } else if is_discovery {
        shared.discovery_requests.fetch_add(1, Ordering::SeqCst);
    }
    if let Some(status) = forced {
        return Response::error(status, "simulated failure");
    }
    if request.method != "GET" && request.method != "HEAD" {
        let mut r = Response::error(405, "only GET and HEAD are supported");
        r.headers.push(("Allow", "GET, HEAD".into()));
        return r;
    }
    let document = if is_jwks {
        match jwks_document(shared) {
            Ok(doc) => doc,
            Err(e) => return Response::error(500, e.message()),
        }
    } else if is_discovery {
        Document::new(&json!({
            "issuer": shared.base_url,
            "jwks_uri": format!("{}{JWKS_PATH}", shared.base_url),
        }))
    } else {
        return Response::error(404, "not found");
    };
    let fresh = request
        .if_none_match
        .as_deref()
        .is_some_and(|inm| etag_matches(inm, &document.etag));
    let mut response = if fresh {
        shared.not_modified.fetch_add(1, Ordering::SeqCst);
        Response::new(304, Vec::new())
    } else {
        let mut r = Response::new(200, document.body.clone());
        r.headers.push(("Content-Type", "application/json".into()));
        r
    };
    response.headers.push(("ETag", document.etag.clone()));
    response
        .headers
        .push(("Cache-Control", format!("public, max-age={max_age}")));
    response
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
