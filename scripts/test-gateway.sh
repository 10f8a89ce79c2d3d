#!/usr/bin/env bash
# `jwks authz` behind the real proxies: nginx (auth_request) and Caddy (forward_auth) in front
# of it and of an upstream that echoes the headers it gets, Prometheus scraping its metrics,
# all on 127.0.0.1 from the configurations of tests/gateway/ (filled in a temporary
# directory), driven over HTTP by tests/gateway/run.py: claim headers, 401/403/503 answers and
# their challenges through each proxy, route rules against crafted paths, headers a client
# forges, SIGHUP reloads under load, the metrics in Prometheus. Every assertion is printed.
#
# Installs nginx, caddy and prometheus with apt-get when missing (Debian 12: nginx 1.22,
# caddy 2.6, prometheus 2.42), as root; fails when they are missing and it is not root.
#   scripts/test-gateway.sh [--keep]     (--keep: leave the temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
die() { echo "test-gateway.sh: $*" >&2; exit 1; }

echo "== the configurations in docs/gateway.md are those tested here"
python3 tests/gateway/docs_copies.py

missing=()
# (Each command is its Debian package's name.)
for cmd in nginx caddy prometheus curl; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing: ${missing[*]} (apt-get install ${missing[*]}, as root)"
    echo "== apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    # Where systemd runs, Debian starts the packaged services (nginx on :80, prometheus on
    # :9090): these tests run their own copies, on free ports of 127.0.0.1.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
for cmd in nginx caddy prometheus curl; do
    command -v "$cmd" >/dev/null || die "$cmd could not be installed"
done
echo "== $(nginx -v 2>&1), caddy $(caddy version | cut -d' ' -f1)," \
    "$(prometheus --version 2>&1 | head -n 1)"

echo "== the jwks tool (cargo build --release --bin jwks)"
nice cargo build --release --quiet -p jwkskit-cli --bin jwks
built=$(date +%s)

echo "== the gateway tests (tests/gateway/run.py)"
python3 tests/gateway/run.py --jwks target/release/jwks "$@"

end=$(date +%s)
echo "gateway tests passed: $((end - start)) s" \
    "($((built - start)) s installing and building, $((end - built)) s testing)"
