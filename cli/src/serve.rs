//! `jwks serve`: publish a key directory as a JWKS on loopback.

use std::path::Path;
use std::time::Duration;

use jwkskit::issuer::{load_key_dir, JwksServer, KeyDir, ServeOptions};
use jwkskit::unix_now;
use serde_json::{json, Value};

use crate::args::{flag, opt, parse, Spec};
use crate::common::{emit, format_utc, note, CliError, CliResult};

pub const HELP: &str = "\
jwks serve - publish the public keys of a directory as a JWKS on 127.0.0.1

usage: jwks serve --dir KEYS_DIR [--port N] [--max-age SECS] [--json]

  --dir DIR        the key directory: key files from `jwks keygen`, plain PKCS#8 PEM private
                   keys, or public JWK JSON files; hidden files and HMAC secrets are never
                   published, unreadable or invalid files are skipped (and reported here)
  --port N         the loopback port (default 0: a free port, printed at start)
  --max-age SECS   Cache-Control max-age of both documents (default 300)
  --json           the start as one JSON object on stdout ({\"listening\", \"jwks_uri\",
                   \"keys\", ...}) and each log line on stderr as a JSON object ({\"event\":
                   \"key_added\"|\"key_removed\"|..., \"time\", \"key\", \"message\"})

Endpoints (GET/HEAD; strong ETag, If-None-Match answered with 304):
  /.well-known/jwks.json               {\"keys\": [...]}
  /.well-known/openid-configuration    {\"issuer\": <base URL>, \"jwks_uri\": <JWKS URL>}

The directory is listed on every request and reread when a file is added, removed or
changed: rotating keys is adding and removing files. Each key added or removed is logged
on stderr with its kid (checked every second). A client has 5 seconds from connecting to
send its request; answers carry no file system paths (a directory that cannot be read is
a 500 with a generic message, and the detail is logged here).

Rotation procedure:
  1. jwks keygen --alg ES256 --out DIR/next.pem     publish the next key before it signs
  2. wait at least max-age (plus the verifiers' own cache limit) so every verifier has it
  3. start signing with the new key
  4. remove the old key file after the longest token lifetime has passed, so tokens it
     signed stay verifiable until they expire

Runs until interrupted (Ctrl-C). Binds 127.0.0.1 only: put a TLS reverse proxy in front
for anything beyond local testing.

exit codes:
  2  usage error, unreadable directory, or the port is not available
";

const SPECS: &[Spec] = &[opt("dir"), opt("port"), opt("max-age"), flag("json")];

/// How often the directory is looked at for the key change log.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let json = p.flag("json");
    let dir = p.required("dir")?;
    let opts = ServeOptions {
        port: p.number::<u16>("port")?.unwrap_or(0),
        max_age: p.number::<u64>("max-age")?.unwrap_or(300),
        ..ServeOptions::default()
    };
    let loaded = load_key_dir(dir.as_ref()).map_err(|e| CliError::unavailable(e.message()))?;
    let server = JwksServer::start(dir, opts.clone())
        .map_err(|e| CliError::unavailable(e.message().to_owned()))?;
    let keys = public_keys(&loaded);
    if json {
        let out = json!({
            "listening": server.url(),
            "jwks_uri": server.jwks_url(),
            "issuer": server.url(),
            "discovery": server.discovery_url(),
            "dir": dir,
            "max_age": opts.max_age,
            "keys": keys.iter().map(key_summary).collect::<Vec<_>>(),
            "skipped": loaded.skipped.iter()
                .map(|s| json!({"file": s.file, "reason": s.reason}))
                .collect::<Vec<_>>(),
        });
        emit(&format!("{out}\n"));
    } else {
        let mut s = format!(
            "listening on {} (Ctrl-C to stop)\njwks_uri: {}\nissuer:   {} (discovery: {})\n",
            server.url(),
            server.jwks_url(),
            server.url(),
            server.discovery_url()
        );
        s.push_str(&format!(
            "serving {} key(s) from {dir}, Cache-Control max-age={}\n",
            keys.len(),
            opts.max_age
        ));
        for k in &keys {
            s.push_str(&format!("  kid {} ({})\n", k["kid"], describe(k)));
        }
        emit(&s);
        for skipped in &loaded.skipped {
            note(&format!("skipped {}: {}", skipped.file, skipped.reason));
        }
    }
    watch(Path::new(dir), keys, json)
}

/// The server runs on its own thread; this one logs to stderr, one line per event, each key
/// added to or removed from the directory and each change in its readability, so an operator
/// sees a rotation happen.
fn watch(dir: &Path, mut keys: Vec<Value>, json: bool) -> ! {
    let mut unreadable: Option<String> = None;
    loop {
        std::thread::sleep(WATCH_INTERVAL);
        let now = unix_now();
        let loaded = match load_key_dir(dir) {
            Ok(loaded) => loaded,
            Err(e) => {
                if unreadable.as_deref() != Some(e.message()) {
                    log(json, now, "directory_unreadable", None, e.message());
                    unreadable = Some(e.message().to_owned());
                }
                continue;
            }
        };
        if unreadable.take().is_some() {
            log(
                json,
                now,
                "directory_readable",
                None,
                "the key directory is readable again",
            );
        }
        let current = public_keys(&loaded);
        for (event, from, to) in [
            ("key_removed", &keys, &current),
            ("key_added", &current, &keys),
        ] {
            for k in from
                .iter()
                .filter(|k| !to.iter().any(|o| o["kid"] == k["kid"]))
            {
                let verb = if event == "key_added" {
                    "added"
                } else {
                    "removed"
                };
                log(
                    json,
                    now,
                    event,
                    Some(k),
                    &format!("key {verb}: kid {} ({})", k["kid"], describe(k)),
                );
            }
        }
        keys = current;
    }
}

fn log(json: bool, now: i64, event: &str, key: Option<&Value>, message: &str) {
    if json {
        let mut out = json!({"event": event, "time": now, "message": message});
        if let Some(k) = key {
            out["key"] = key_summary(k);
        }
        note(&out.to_string());
    } else {
        note(&format!("{} {message}", format_utc(now)));
    }
}

fn public_keys(loaded: &KeyDir) -> Vec<Value> {
    loaded.jwks["keys"].as_array().cloned().unwrap_or_default()
}

fn key_summary(k: &Value) -> Value {
    json!({"kid": k["kid"], "kty": k["kty"], "alg": k["alg"]})
}

fn describe(k: &Value) -> String {
    format!(
        "{} {}",
        k["kty"].as_str().unwrap_or("?"),
        k["alg"].as_str().unwrap_or("no alg")
    )
}
