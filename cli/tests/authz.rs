//! `jwks authz` end to end: the binary started on a free loopback port with a temporary
//! configuration, against the library's loopback JWKS server, asked as a proxy asks.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jwkskit::issuer::{JwksServer, ServeOptions, SigningKey};
use jwkskit::{unix_now, Algorithm};
use serde_json::{json, Value};

const PROXY_VARS: [&str; 6] = [
    "ALL_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "http_proxy",
    "https_proxy",
];

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "jwks-authz-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jwks"));
    for var in PROXY_VARS {
        c.env_remove(var);
    }
    c
}

/// A running `jwks authz`, killed on drop, its stderr collected line by line.
struct Authz {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Authz {
    fn start(config: &str) -> Authz {
        let mut child = command()
            .args(["authz", "--config", config, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let addr = first
            .strip_prefix("jwks authz: listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Authz { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// The log once it holds every needle (its lines arrive through a pipe and a thread).
    #[track_caller]
    fn wait_log(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if needles.iter().all(|n| log.contains(n)) {
                return log;
            }
            assert!(Instant::now() < deadline, "{needles:?} not in:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn hangup(&self) {
        let ok = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// A check as nginx's `auth_request` sends it.
    fn nginx(&self, method: &str, uri: &str, token: Option<&str>) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("X-Original-Method", method), ("X-Original-URI", uri)];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        request(&self.addr, "GET", "/auth", &headers)
    }

    fn get(&self, path: &str) -> Reply {
        request(&self.addr, "GET", path, &[])
    }
}

impl Drop for Authz {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request, `Connection: close`, the answer read with httparse.
fn request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        req.push_str("Host: authz.test\r\n");
    }
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let mut parsed = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut parsed);
    let httparse::Status::Complete(head) = resp.parse(&raw).unwrap() else {
        panic!("incomplete answer: {}", String::from_utf8_lossy(&raw));
    };
    Reply {
        status: resp.code.unwrap(),
        headers: resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&raw[head..]).into_owned(),
    }
}

fn key() -> SigningKey {
    SigningKey::generate(Algorithm::ES256)
        .unwrap()
        .with_kid("k1")
}

fn idp(key: &SigningKey) -> JwksServer {
    JwksServer::start_with_keys(&[key], ServeOptions::default()).unwrap()
}

fn token(key: &SigningKey, idp: &JwksServer, extra: Value) -> String {
    let mut claims =
        json!({"iss": idp.url(), "aud": "api", "sub": "alice", "exp": unix_now() + 600});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    key.sign(&claims).unwrap()
}

fn issuer_table(idp: &JwksServer) -> String {
    format!(
        "[[issuers]]\nname = \"main\"\nissuer = \"{}\"\njwks_url = \"{}\"\naudiences = [\"api\"]\nallow_http = true\n",
        idp.url(),
        idp.jwks_url()
    )
}

const ROUTES: &str = r#"
[claims_to_headers]
"X-Auth-Sub" = "sub"
"X-Auth-Level" = "level"
"X-Auth-Staff" = "staff"
"X-Auth-Groups" = "groups"
"X-Auth-Tenant" = "org.tenant"
"X-Auth-Note" = "note"
"X-Auth-Missing" = "nothing"
array_separator = ";"

[[routes]]
path_prefix = "/public/"
anonymous = true

[[routes]]
path_prefix = "/admin/"
scopes_all = ["admin"]

[[routes]]
path_prefix = "/partner/"
audiences = ["partner", "other-partner"]
"#;

fn check_config(text: &str) -> (i32, String) {
    let dir = TempDir::new("check");
    let path = dir.write("authz.toml", text);
    let out = command()
        .args(["authz", "--config", &path, "--check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap(), stderr)
}

#[test]
fn help_names_the_command() {
    let out = command().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("authz       a forward-auth server"));
    let out = command().args(["authz", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    for needle in [
        "jwks authz --config FILE",
        "trusted_proxies",
        "[[routes]]",
        "SIGHUP",
        "/readyz",
    ] {
        assert!(help.contains(needle), "{needle:?} not in {help}");
    }
    let out = command().args(["authz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config is required"));
}

#[test]
fn config_errors_name_file_line_column_and_key() {
    let issuer = "[[issuers]]\nname = \"main\"\nissuer = \"https://idp.example/\"\njwks_url = \"https://idp.example/jwks\"\n";
    let (code, out) = check_config(&format!("{issuer}{ROUTES}"));
    assert_eq!(code, 0, "{out}");
    for (text, needle) in [
        (
            format!("{issuer}\n[[routes]]\npath_prefix = \"/a/\"\n\n[[routes]]\npath_prefix = \"/b/\"\nscopes_all = \"admin\"\n"),
            "authz.toml:11:14: routes[1].scopes_all: ",
        ),
        (format!("bogus = 1\n{issuer}"), "authz.toml:1:1: bogus: unknown field"),
        (format!("{issuer}levay = 5\n"), "authz.toml:5:9: issuers[0].levay: unknown key"),
        (format!("{issuer}leeway = 999999\n"), "authz.toml:5:10: issuers[0].leeway: "),
        (format!("{issuer}token_cache = \"big\"\n"), "authz.toml:5:15: issuers[0].token_cache: expected a whole number"),
        (
            format!("{issuer}[[routes]]\nissuers = [\"nope\"]\n"),
            "authz.toml:6:12: routes[0].issuers[0]: no [[issuers]] is named \"nope\"",
        ),
        (
            format!("trusted_proxies = [\"10.0.0.0/99\"]\n{issuer}"),
            "authz.toml:1:20: trusted_proxies[0]: ",
        ),
        (
            format!("{issuer}[claims_to_headers]\n\"X Bad\" = \"sub\"\n"),
            "authz.toml:6:11: claims_to_headers.\"X Bad\": ",
        ),
        (
            format!("{issuer}[[routes]]\nscopes_any = [\"a b\"]\n"),
            "authz.toml:6:15: routes[0].scopes_any[0]: ",
        ),
        (
            format!("{issuer}[[routes]]\npath_prefix = \"/a/../b/\"\n"),
            "authz.toml:6:15: routes[0].path_prefix: ",
        ),
        (format!("proxy = \"apache\"\n{issuer}"), "authz.toml:1:9: proxy: \"apache\""),
        (
            format!("{issuer}token_scheme = \"dpop\"\n"),
            "issuers[0].token_scheme: jwks authz accepts Bearer tokens only",
        ),
        (format!("{issuer}discovery = true\n"), "issuers[0].discovery: give only one"),
        ("listen = [\n".to_owned(), "authz.toml:1:11: unclosed array"),
        ("[[routes]]\npath_prefix = \"/a/\"\n".to_owned(), "issuers: at least one"),
    ] {
        let (code, out) = check_config(&text);
        assert_eq!(code, 1, "{text}\n{out}");
        assert!(out.contains(needle), "{needle:?} not in {out:?} for\n{text}");
    }
}

/// The example of the interface description, as written, is a valid configuration.
const SPEC_EXAMPLE: &str = r#"
listen = "127.0.0.1:9181"
log_format = "text"                 # or "json"
proxy = "nginx"
trusted_proxies = ["127.0.0.1/32", "::1/128"]
envoy_path_prefix = "/authz"

[[issuers]]
name = "main"
issuer = "https://idp.example/"
discovery = true
audiences = ["api"]
allow_http = false
fetch_at_start = false
token_cache_bytes = 1048576
leeway = 30

[claims_to_headers]
"X-Auth-Sub" = "sub"
"X-Auth-Scope" = "scope"
"X-Auth-Tenant" = "org.tenant"
array_separator = ","

[[routes]]
host = "api.example"
path_prefix = "/admin/"
methods = ["GET", "POST"]
issuers = ["main"]
audiences = ["admin-api"]
scopes_all = ["admin"]
scopes_any = ["read", "write"]
anonymous = false

[default]
anonymous = false
"#;

#[test]
fn the_documented_example_is_valid_and_a_failed_eager_start_ends_the_command() {
    let (code, out) = check_config(SPEC_EXAMPLE);
    assert_eq!(code, 0, "{out}");

    // fetch_at_start: keys that cannot be had end the start (exit 2), with the reason.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = TempDir::new("eager");
    let config = dir.write(
        "authz.toml",
        &format!(
            "[[issuers]]\nname = \"main\"\nissuer = \"https://idp.example/\"\njwks_url = \"http://127.0.0.1:{port}/jwks\"\nallow_http = true\nfetch_at_start = true\nhttp_timeout = 2000\n"
        ),
    );
    let out = command()
        .args(["authz", "--config", &config, "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("issuer \"main\"") && stderr.contains("loading the keys at start"),
        "{stderr}"
    );
}

#[test]
fn routes_claims_and_refusals() {
    let key = key();
    let idp = idp(&key);
    let dir = TempDir::new("routes");
    let config = dir.write("authz.toml", &format!("{}{ROUTES}", issuer_table(&idp)));
    let authz = Authz::start(&config);

    let user = token(&key, &idp, json!({"scope": "read"}));
    let admin = token(&key, &idp, json!({"scope": "read admin"}));

    // Every spelling of /admin/x meets the /admin/ rule (403: no admin scope).
    for uri in [
        "/admin/x",
        "/api/../admin/x",
        "/%61dmin/x",
        "//admin/x",
        "/admin",
        "/public/../admin/x",
    ] {
        let r = authz.nginx("GET", uri, Some(&user));
        assert_eq!(r.status, 403, "{uri}: {r:?}");
        let challenge = r.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        assert!(challenge.contains("scope=\"admin\""), "{challenge}");
        assert_eq!(authz.nginx("GET", uri, Some(&admin)).status, 200, "{uri}");
    }
    assert_eq!(authz.nginx("GET", "/other", Some(&user)).status, 200);
    assert_eq!(authz.nginx("GET", "/public/x", None).status, 200);

    // Encoded separators, backslashes and bad encodings are refused, not routed.
    for uri in [
        "/admin%2Fx",
        "/public/..%2Fadmin/x",
        "/admin%5cx",
        "/public\\..\\admin",
        "/a%zz",
        "/a%00",
    ] {
        let r = authz.nginx("GET", uri, Some(&admin));
        assert_eq!(r.status, 400, "{uri}: {r:?}");
    }
    let r = request(&authz.addr, "GET", "/auth", &[("X-Original-Method", "GET")]);
    assert_eq!(r.status, 400);

    // No token: a challenge without error; a refused token: invalid_token with the reason.
    let r = authz.nginx("GET", "/other", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"jwks\""));
    let expired = token(&key, &idp, json!({"exp": unix_now() - 3600}));
    let wrong_aud = token(&key, &idp, json!({"aud": "other"}));
    let foreign = token(&key, &idp, json!({"iss": "https://elsewhere.example"}));
    for (t, description) in [
        (&expired, "the token has expired"),
        (&wrong_aud, "the audience is not allowed"),
        (&foreign, "the issuer is not allowed"),
        (&"not.a.token".to_owned(), "the token is malformed"),
    ] {
        let r = authz.nginx("GET", "/other", Some(t));
        assert_eq!(r.status, 401, "{description}");
        assert_eq!(
            r.header("www-authenticate").unwrap(),
            format!("Bearer realm=\"jwks\", error=\"invalid_token\", error_description=\"{description}\"")
        );
    }

    // A route's audiences replace the issuer's, there and only there.
    let partner = token(&key, &idp, json!({"aud": ["x", "partner"]}));
    assert_eq!(authz.nginx("GET", "/partner/x", Some(&partner)).status, 200);
    assert_eq!(authz.nginx("GET", "/other", Some(&partner)).status, 401);
    assert_eq!(authz.nginx("GET", "/partner/x", Some(&user)).status, 401);
    let no_aud = key
        .sign(&json!({"iss": idp.url(), "exp": unix_now() + 600}))
        .unwrap();
    assert_eq!(authz.nginx("GET", "/partner/x", Some(&no_aud)).status, 401);

    // Bound tokens sent as Bearer are refused: a DPoP-bound one, and a certificate-bound one
    // (a check carries no client certificate).
    for cnf in [
        json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}),
        json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}),
    ] {
        let bound = token(&key, &idp, json!({ "cnf": cnf }));
        let r = authz.nginx("GET", "/other", Some(&bound));
        assert_eq!(r.status, 401, "{cnf}: {r:?}");
        assert!(r
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\""));
    }
    // Two Authorization headers: 400 invalid_request, whichever holds a good token.
    let auth = format!("Bearer {admin}");
    let r = request(
        &authz.addr,
        "GET",
        "/auth",
        &[
            ("X-Original-Method", "GET"),
            ("X-Original-URI", "/other"),
            ("Authorization", &auth),
            ("Authorization", &auth),
        ],
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_request\""));

    // Claims to headers.
    let rich = token(
        &key,
        &idp,
        json!({"level": 3, "staff": true, "groups": ["a", "b", 7], "org": {"tenant": "t1"},
               "note": "evil\r\nX-Injected: 1"}),
    );
    let r = authz.nginx("GET", "/other", Some(&rich));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-auth-sub"), Some("alice"));
    assert_eq!(r.header("x-auth-level"), Some("3"));
    assert_eq!(r.header("x-auth-staff"), Some("true"));
    assert_eq!(r.header("x-auth-groups"), Some("a;b;7"));
    assert_eq!(r.header("x-auth-tenant"), Some("t1"));
    assert_eq!(r.header("x-auth-note"), None);
    assert_eq!(r.header("x-injected"), None);
    assert_eq!(r.header("x-auth-missing"), None);
    assert!(r.body.is_empty());

    // One log line per refusal, never the token.
    let log = authz.wait_log(&[
        "BOUND_TOKEN_AS_BEARER",
        "deny_403",
        "INSUFFICIENT_SCOPE",
        "EXPIRED",
        "claims left out",
        "note",
    ]);
    for t in [&user, &admin, &expired, &rich] {
        assert!(!log.contains(t.as_str()));
        assert!(!log.contains(t.split('.').nth(2).unwrap()));
    }
}

#[test]
fn untrusted_peers_and_other_proxies() {
    let key = key();
    let idp = idp(&key);
    let dir = TempDir::new("peers");
    let good = token(&key, &idp, json!({}));

    let config = dir.write(
        "untrusted.toml",
        &format!("trusted_proxies = [\"10.0.0.0/8\"]\n{}", issuer_table(&idp)),
    );
    let authz = Authz::start(&config);
    let r = authz.nginx("GET", "/x", Some(&good));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.header("www-authenticate").is_none());
    assert_eq!(authz.get("/healthz").status, 200);
    authz.wait_log(&["not a trusted proxy"]);
    drop(authz);

    let config = dir.write(
        "caddy.toml",
        &format!("proxy = \"caddy\"\nlog_format = \"json\"\n{}[[routes]]\nhost = \"api.example\"\npath_prefix = \"/admin/\"\nscopes_all = [\"admin\"]\n", issuer_table(&idp)),
    );
    let authz = Authz::start(&config);
    let ask = |host: &str, uri: &str| {
        let auth = format!("Bearer {good}");
        request(
            &authz.addr,
            "GET",
            "/",
            &[
                ("X-Forwarded-Method", "GET"),
                ("X-Forwarded-Uri", uri),
                ("X-Forwarded-Host", host),
                ("Authorization", &auth),
            ],
        )
        .status
    };
    assert_eq!(ask("API.example:443", "/x/../admin/y"), 403);
    assert_eq!(ask("other.example", "/admin/y"), 200);
    // log_format = "json": one object per refusal.
    let log = authz.wait_log(&["deny_403"]);
    let line: Value =
        serde_json::from_str(log.lines().find(|l| l.contains("deny_403")).unwrap()).unwrap();
    assert_eq!(line["decision"], "deny_403");
    assert_eq!(line["path"], "/admin/y");
    assert_eq!(line["host"], "API.example:443");
    assert_eq!(line["route"], "routes[0]");
    assert!(line["reason"]
        .as_str()
        .unwrap()
        .contains("INSUFFICIENT_SCOPE"));
    drop(authz);

    let config = dir.write(
        "envoy.toml",
        &format!("proxy = \"envoy\"\nenvoy_path_prefix = \"/authz\"\n{}[[routes]]\npath_prefix = \"/admin/\"\nscopes_all = [\"admin\"]\n", issuer_table(&idp)),
    );
    let authz = Authz::start(&config);
    let auth = format!("Bearer {good}");
    assert_eq!(
        request(
            &authz.addr,
            "POST",
            "/authz/admin/x",
            &[("Authorization", &auth)]
        )
        .status,
        403
    );
    assert_eq!(
        request(
            &authz.addr,
            "POST",
            "/authz/other",
            &[("Authorization", &auth)]
        )
        .status,
        200
    );
    assert_eq!(
        request(
            &authz.addr,
            "POST",
            "/elsewhere",
            &[("Authorization", &auth)]
        )
        .status,
        400
    );
}

/// A metric sample: name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

/// `name{labels} value` lines, checked against the format: each sample's metric (or its
/// histogram family) declared by a `# TYPE` line before it, values numbers.
fn parse_metrics(text: &str) -> Vec<Sample> {
    let mut types: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            types.push((name.to_owned(), kind.to_owned()));
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = value
            .replace("+Inf", "inf")
            .parse()
            .unwrap_or_else(|_| panic!("{line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series, Vec::new()),
            Some((n, l)) => {
                let l = l.strip_suffix('}').unwrap();
                let labels = l
                    .split("\",")
                    .map(|kv| {
                        let (k, v) = kv.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (n, labels)
            }
        };
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{line}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.iter().any(|(t, k)| t == f && k == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.iter().any(|(t, _)| t == family), "no TYPE for {line}");
        out.push((name.to_owned(), labels, value));
    }
    out
}

fn metric(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(a, b)| a == k && b == v))
        })
        .unwrap_or_else(|| panic!("no {name} {labels:?}"))
        .2
}

#[test]
fn metrics_count_decisions_and_readyz_follows_the_keys() {
    let key = key();
    let idp = idp(&key);
    idp.set_status(Some(503));
    let dir = TempDir::new("metrics");
    let config = dir.write("authz.toml", &format!("{}{ROUTES}", issuer_table(&idp)));
    let authz = Authz::start(&config);
    let user = token(&key, &idp, json!({"scope": "read"}));

    assert_eq!(authz.get("/healthz").body, "ok\n");
    assert_eq!(authz.get("/readyz").status, 503);
    let r = authz.nginx("GET", "/other", Some(&user));
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.header("retry-after"), Some("5"));

    idp.set_status(None);
    let deadline = Instant::now() + Duration::from_secs(30);
    while authz.get("/readyz").status != 200 {
        assert!(Instant::now() < deadline, "never ready: {}", authz.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..3 {
        assert_eq!(authz.nginx("GET", "/other", Some(&user)).status, 200);
    }
    assert_eq!(authz.nginx("GET", "/admin/x", Some(&user)).status, 403);
    assert_eq!(authz.nginx("GET", "/x", None).status, 401);
    assert_eq!(authz.nginx("GET", "/a%2Fb", None).status, 400);

    let r = authz.get("/metrics");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let samples = parse_metrics(&r.body);
    let decisions = |d: &str| metric(&samples, "jwks_authz_requests_total", &[("decision", d)]);
    assert_eq!(decisions("allow"), 3.0);
    assert_eq!(decisions("deny_403"), 1.0);
    assert_eq!(decisions("deny_401"), 1.0);
    assert_eq!(decisions("unavailable_503"), 1.0);
    assert_eq!(decisions("bad_request"), 1.0);
    assert_eq!(
        metric(&samples, "jwks_authz_request_duration_seconds_count", &[]),
        7.0
    );
    assert_eq!(
        metric(
            &samples,
            "jwks_authz_request_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        7.0
    );
    assert_eq!(
        metric(
            &samples,
            "jwks_authz_config_reloads_total",
            &[("result", "ok")]
        ),
        1.0
    );
    assert_eq!(metric(&samples, "jwks_ready", &[("verifier", "main")]), 1.0);
    // The library counts its verifications: 4 OK (the 403 had a valid token), 1 unavailable.
    assert_eq!(
        metric(
            &samples,
            "jwks_verifications_total",
            &[("verifier", "main"), ("result", "OK")]
        ),
        4.0
    );
    assert_eq!(
        metric(
            &samples,
            "jwks_verifications_total",
            &[("verifier", "main"), ("result", "KEYS_UNAVAILABLE")]
        ),
        1.0
    );
}

#[test]
fn sighup_reloads_a_good_file_and_keeps_the_old_one_on_a_bad_one() {
    let key = key();
    let idp = idp(&key);
    let dir = TempDir::new("reload");
    let first = format!("{}{ROUTES}", issuer_table(&idp));
    let config = dir.write("authz.toml", &first);
    let authz = Authz::start(&config);
    let user = token(&key, &idp, json!({"scope": "read"}));
    assert_eq!(authz.nginx("GET", "/admin/x", Some(&user)).status, 403);
    let fetches = idp.jwks_request_count();

    let reloads = |result: &str| {
        let samples = parse_metrics(&authz.get("/metrics").body);
        metric(
            &samples,
            "jwks_authz_config_reloads_total",
            &[("result", result)],
        )
    };
    let wait_for = |result: &str, n: f64| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while reloads(result) < n {
            assert!(Instant::now() < deadline, "no reload: {}", authz.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    // A good file: /admin/ now asks for "read" only; the issuer is unchanged, so its keys
    // stay (no fetch).
    dir.write(
        "authz.toml",
        &first.replace("scopes_all = [\"admin\"]", "scopes_all = [\"read\"]"),
    );
    authz.hangup();
    wait_for("ok", 2.0);
    assert_eq!(authz.nginx("GET", "/admin/x", Some(&user)).status, 200);
    assert_eq!(idp.jwks_request_count(), fetches);

    // A bad file: logged, counted, and the running configuration stays.
    dir.write(
        "authz.toml",
        &format!("{first}\n[[routes]]\nscopes_all = \"oops\"\n"),
    );
    authz.hangup();
    wait_for("failed", 1.0);
    assert_eq!(reloads("ok"), 2.0);
    assert_eq!(authz.nginx("GET", "/admin/x", Some(&user)).status, 200);
    authz.wait_log(&["not reloaded", "routes[3].scopes_all"]);
}
