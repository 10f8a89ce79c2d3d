//! Just enough HTTP/1.1 to serve two small JSON documents on loopback: one request per
//! connection (`Connection: close`), GET and HEAD only, bounded request heads, timeouts.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Largest accepted request head (request line and headers).
const MAX_HEAD_BYTES: usize = 8 * 1024;
/// How long a client may take to send its request or read the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The parts of a request the server looks at.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    pub if_none_match: Option<String>,
}

/// A response about to be written.
pub(super) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }

    pub fn error(status: u16, message: &str) -> Response {
        let body = serde_json::json!({ "error": message })
            .to_string()
            .into_bytes();
        let mut r = Response::new(status, body);
        r.headers.push(("Content-Type", "application/json".into()));
        r
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Reads one request head from the stream. `Ok(None)` when the client closed without sending.
pub(super) fn read_request(stream: &mut TcpStream) -> io::Result<Result<Option<Request>, u16>> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = find_head_end(&head) {
            head.truncate(end);
            break;
        }
        if head.len() > MAX_HEAD_BYTES {
            return Ok(Err(431));
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(if head.is_empty() { Ok(None) } else { Err(400) });
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(parse_head(&head).map(Some).ok_or(400))
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Parses the request line and the headers we use.
pub(super) fn parse_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !version.starts_with("HTTP/1.") || method.is_empty() {
        return None;
    }
    let path = target.split(['?', '#']).next().unwrap_or("").to_owned();
    let mut if_none_match = None;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("if-none-match") {
            if_none_match = Some(value.trim().to_owned());
        }
    }
    Some(Request {
        method: method.to_owned(),
        path,
        if_none_match,
    })
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, RFC 9110 §13.1.2).
pub(super) fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let target = bare(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == target)
}

/// Writes the response and closes the write side.
pub(super) fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    head_only: bool,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    )
    .into_bytes();
    for (name, value) in &response.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if !head_only && response.status != 304 {
        out.extend_from_slice(&response.body);
    }
    stream.write_all(&out)?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_request_head() {
        let r = parse_head(
            b"GET /.well-known/jwks.json?x=1 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"abc\"",
        )
        .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/.well-known/jwks.json");
        assert_eq!(r.if_none_match.as_deref(), Some("\"abc\""));
        assert!(parse_head(b"GET /\r\n").is_none());
        assert!(parse_head(b"GET / HTTP/1.1\r\nno colon").is_none());
        assert!(parse_head(b"GET / SPDY/3").is_none());
    }

    #[test]
    fn etags_compare_weakly() {
        assert!(etag_matches("\"a\", W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
    }
}
