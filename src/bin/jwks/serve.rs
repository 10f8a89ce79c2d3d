//! `jwks serve`: publish a key directory as a JWKS on loopback.

use jwkskit::issuer::{load_key_dir, JwksServer, ServeOptions};

use crate::args::{opt, parse, Spec};
use crate::common::{emit, note, CliError, CliResult};

pub const HELP: &str = "\
jwks serve - publish the public keys of a directory as a JWKS on 127.0.0.1

usage: jwks serve --dir KEYS_DIR [--port N] [--max-age SECS]

  --dir DIR        the key directory: key files from `jwks keygen`, plain PKCS#8 PEM private
                   keys, or public JWK JSON files; hidden files and HMAC secrets are never
                   published, unreadable or invalid files are skipped (and reported here)
  --port N         the loopback port (default 0: a free port, printed at start)
  --max-age SECS   Cache-Control max-age of both documents (default 300)

Endpoints (GET/HEAD; strong ETag, If-None-Match answered with 304):
  /.well-known/jwks.json               {\"keys\": [...]}
  /.well-known/openid-configuration    {\"issuer\": <base URL>, \"jwks_uri\": <JWKS URL>}

The directory is listed on every request and reread when a file is added, removed or
changed: rotating keys is adding and removing files.

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

const SPECS: &[Spec] = &[opt("dir"), opt("port"), opt("max-age")];

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let dir = p.required("dir")?;
    let opts = ServeOptions {
        port: p.number::<u16>("port")?.unwrap_or(0),
        max_age: p.number::<u64>("max-age")?.unwrap_or(300),
    };
    let loaded = load_key_dir(dir.as_ref()).map_err(|e| CliError::unavailable(e.message()))?;
    let server = JwksServer::start(dir, opts.clone())
        .map_err(|e| CliError::unavailable(e.message().to_owned()))?;
    let keys = loaded.jwks["keys"].as_array().cloned().unwrap_or_default();
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
        s.push_str(&format!(
            "  kid {} ({} {})\n",
            k["kid"],
            k["kty"].as_str().unwrap_or("?"),
            k["alg"].as_str().unwrap_or("no alg")
        ));
    }
    emit(&s);
    for skipped in &loaded.skipped {
        note(&format!("skipped {}: {}", skipped.file, skipped.reason));
    }
    loop {
        // The server runs on its own threads; this one only waits for the signal.
        std::thread::park();
    }
}
