//! A small scriptable HTTP/1.1 server on 127.0.0.1, plain or TLS, for the remote source tests.
//!
//! Each connection gets one response (`Connection: close`), chosen by the handler from the
//! request and its index. The server counts requests and stops when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target: a path, an absolute URL, or `host:port` for `CONNECT`.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the body is sent.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    /// `len` copies of `byte`, streamed without buffering.
    Repeat {
        byte: u8,
        len: usize,
    },
}

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Wait before sending anything.
    pub delay: Duration,
    /// Send the body in chunks of this size with this pause between them.
    pub drip: Option<(usize, Duration)>,
    /// Close the connection after this many body bytes (a truncated body).
    pub cut_after: Option<usize>,
    /// Leave out `Content-Length` (the body ends when the connection closes).
    pub no_length: bool,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(body.into()),
            delay: Duration::ZERO,
            drip: None,
            cut_after: None,
            no_length: false,
        }
    }

    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(200, body).header("Content-Type", "application/json")
    }

    pub fn status(status: u16) -> Reply {
        Reply::new(status, Vec::new())
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    pub fn huge(byte: u8, len: usize) -> Reply {
        Reply {
            body: Body::Repeat { byte, len },
            ..Reply::status(200)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    pub fn drip(mut self, chunk: usize, pause: Duration) -> Reply {
        self.drip = Some((chunk, pause));
        self
    }

    pub fn cut_after(mut self, n: usize) -> Reply {
        self.cut_after = Some(n);
        self
    }

    pub fn no_length(mut self) -> Reply {
        self.no_length = true;
        self
    }

    fn body_len(&self) -> usize {
        match &self.body {
            Body::Bytes(b) => b.len(),
            Body::Repeat { len, .. } => *len,
        }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

struct Shared {
    handler: Mutex<Arc<Handler>>,
    hits: AtomicUsize,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// A running server. Dropping it stops accepting and joins the accept thread.
pub struct Server {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// A plain HTTP server.
    pub fn http(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(None, Arc::new(handler))
    }

    /// An HTTPS server with the given TLS configuration.
    pub fn https(
        tls: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::start(Some(tls), Arc::new(handler))
    }

    /// A server that always sends the same reply.
    pub fn fixed(reply: Reply) -> Server {
        Server::http(move |_, _| reply.clone())
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            handler: Mutex::new(handler),
            hits: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            tls,
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(&s, conn));
            }
        });
        Server {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// Replaces the handler (e.g. to start failing).
    pub fn set_handler(&self, handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) {
        *self.shared.handler.lock().unwrap() = Arc::new(handler);
    }

    /// The base URL (`http://127.0.0.1:PORT` or `https://...`).
    pub fn base(&self) -> String {
        let scheme = if self.shared.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Requests whose headers were read so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve(shared: &Shared, tcp: TcpStream) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(10)));
    match &shared.tls {
        None => {
            let mut tcp = tcp;
            respond(shared, &mut tcp);
            let _ = tcp.flush();
            let _ = tcp.shutdown(Shutdown::Both);
        }
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
                return;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            respond(shared, &mut tls);
            tls.conn.send_close_notify();
            let _ = tls.flush();
            let _ = tls.sock.shutdown(Shutdown::Both);
        }
    }
}

fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 64 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_string();
    let path = start.next()?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path,
        headers,
    })
}

fn respond(shared: &Shared, stream: &mut (impl Read + Write)) {
    let Some(mut req) = read_request(stream) else {
        return;
    };
    // Acting as a proxy: accept the tunnel, then serve the request that comes through it.
    if req.method == "CONNECT" {
        shared.requests.lock().unwrap().push(req.clone());
        if stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .and_then(|_| stream.flush())
            .is_err()
        {
            return;
        }
        let Some(inner) = read_request(stream) else {
            return;
        };
        req = inner;
    }
    let index = shared.hits.fetch_add(1, Ordering::SeqCst);
    shared.requests.lock().unwrap().push(req.clone());
    let handler = Arc::clone(&shared.handler.lock().unwrap());
    let reply = handler(&req, index);
    if shared.stop.load(Ordering::SeqCst) {
        return;
    }
    std::thread::sleep(reply.delay);
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nConnection: close\r\n",
        reply.status
    );
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if !reply.no_length && reply.status != 304 {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body_len()));
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let total = reply.cut_after.unwrap_or(usize::MAX).min(reply.body_len());
    let (chunk, pause) = reply.drip.unwrap_or((64 * 1024, Duration::ZERO));
    let mut sent = 0;
    while sent < total {
        let n = chunk.min(total - sent).max(1);
        let piece: Vec<u8> = match &reply.body {
            Body::Bytes(b) => b[sent..sent + n].to_vec(),
            Body::Repeat { byte, .. } => vec![*byte; n],
        };
        if stream
            .write_all(&piece)
            .and_then(|_| stream.flush())
            .is_err()
        {
            return;
        }
        sent += n;
        if !pause.is_zero() && sent < total {
            std::thread::sleep(pause);
        }
    }
}
