//! `jwks authz`: a forward-auth server. A reverse proxy (nginx `auth_request`, Caddy and
//! Traefik `forward_auth`, Envoy `ext_authz`) asks it about each request; it answers 200
//! (with claims as headers) or refuses with the status and challenge the library's refusal
//! rule gives. Verification is the library's, with its token cache.

mod answer;
mod config;
mod config_error;
mod issuers;
mod metrics;
mod original;
mod routes;
mod server;

use std::path::Path;

use crate::args::{flag, opt, parse, Spec};
use crate::common::{emit, note, CliError, CliResult, EXIT_OK, EXIT_REJECTED};

pub const HELP: &str = "\
jwks authz - a forward-auth server: a reverse proxy asks it whether each request may pass

usage: jwks authz --config FILE [--listen ADDR] [--check]

  --config FILE   the configuration (TOML; every error names file:line:column and the key)
  --listen ADDR   listen here instead of the file's `listen` (default 127.0.0.1:9181)
  --check         read and check the configuration, then exit (0 valid, 1 with the error)

The proxy sends a check for each request of its clients, with the client's Authorization
header; the original request comes from the proxy's headers (`proxy`):
  nginx            X-Original-Method, X-Original-URI, Host          (auth_request)
  caddy, traefik   X-Forwarded-Method, X-Forwarded-Uri, X-Forwarded-Host  (forward_auth)
  envoy            the check itself (ext_authz HTTP service), its path under envoy_path_prefix
Only peers in `trusted_proxies` (default loopback) get an answer other than 403.
Tokens come as `Authorization: Bearer`: a check carries neither a DPoP proof's target nor
the client certificate, so a DPoP-bound or certificate-bound token is refused (401).

The path is normalised before the routes see it (percent-encoded unreserved characters
decoded, // merged, . and .. resolved, query dropped); %2F, %5C, backslashes, control
characters and bad encodings are refused with 400. Routes are tried in order (host, path
prefix, methods), the first match decides; `[default]` when none does.

Answers:
  200  allowed; one header per [claims_to_headers] claim the token has (a claim whose value
       holds a control character is left out and logged)
  401  no token, or a refused token: WWW-Authenticate: Bearer realm=\"jwks\", error=...
  403  a scope the route needs is missing (error=\"insufficient_scope\"), or the peer is
       not a trusted proxy
  503  the issuer's keys are unavailable (Retry-After)
  400  the original request is missing or cannot be routed
Endpoints on their exact paths (no check): GET /healthz (200 ok), /readyz (503 until every
issuer's keys are loaded, then 200), /metrics (Prometheus text).

SIGHUP rereads the file: a valid one replaces the configuration at once (issuers whose
settings did not change keep their keys and token cache); an invalid one is logged and
counted, and the running configuration stays. One log line per refusal on stderr (JSON
with log_format = \"json\"); never the token.

Configuration:
  listen = \"127.0.0.1:9181\"
  log_format = \"text\"                 # or \"json\"
  proxy = \"nginx\"                     # nginx, caddy, traefik, envoy
  trusted_proxies = [\"127.0.0.1/32\", \"::1/128\"]
  envoy_path_prefix = \"/authz\"        # envoy only

  [[issuers]]
  name = \"main\"
  issuer = \"https://idp.example/\"
  discovery = true                    # or jwks_url = \"...\", or jwks_file = \"path\"
  audiences = [\"api\"]
  # any library option by its name: allow_http, fetch_at_start, leeway, algorithms,
  # token_cache, token_cache_bytes, cache_ttl, http_timeout, ... (the README's table)

  [claims_to_headers]                 # header = claim (dots for nested claims)
  \"X-Auth-Sub\" = \"sub\"
  \"X-Auth-Tenant\" = \"org.tenant\"
  array_separator = \",\"

  [[routes]]                          # all keys optional
  host = \"api.example\"                # exact, case-insensitive, port ignored
  path_prefix = \"/admin/\"             # also matches /admin
  methods = [\"GET\", \"POST\"]
  issuers = [\"main\"]                  # default: every issuer
  audiences = [\"admin-api\"]           # instead of the issuer's
  scopes_all = [\"admin\"]
  scopes_any = [\"read\", \"write\"]
  anonymous = false                   # true: no token needed

  [default]
  anonymous = false                   # default: a valid token of any issuer

exit codes:
  1  --check: the configuration is invalid
  2  usage error, an invalid or unreadable configuration, an issuer that cannot be set up
     (with fetch_at_start, keys that cannot be loaded), or the address is not available
";

const SPECS: &[Spec] = &[opt("config"), opt("listen"), flag("check")];

pub fn run(args: &[String]) -> CliResult {
    let p = parse(args, SPECS, 0)?;
    let file = p.required("config")?;
    let config = config::load(Path::new(file));
    if p.flag("check") {
        return Ok(match config {
            Ok(c) => {
                emit(&format!(
                    "{file}: valid ({} issuer(s), {} route(s))\n",
                    c.issuers.len(),
                    c.routes.len()
                ));
                EXIT_OK
            }
            Err(e) => {
                note(&e.message);
                EXIT_REJECTED
            }
        });
    }
    let config = config.map_err(|e| CliError::usage(e.message))?;
    let listen = match p.value("listen") {
        None => config.listen,
        Some(l) => l.parse().map_err(|_| {
            CliError::usage(format!(
                "--listen expects an address and port like 127.0.0.1:9181, got {l:?}"
            ))
        })?,
    };
    let state = server::State::build(config, None).map_err(CliError::unavailable)?;
    server::serve(state, listen, |addr| {
        note(&format!("jwks authz: listening on {addr}"));
    })
    .map_err(CliError::unavailable)?;
    Ok(EXIT_OK)
}
