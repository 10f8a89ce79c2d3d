#!/usr/bin/env bash
# The end-to-end benchmark (`make bench-e2e`; not part of `make test` or `make bench`): services
# under load, as their owners measure them. It builds the Go server (bench/e2e/goserver: net/http
# with jwks.Middleware, with keyfunc v3 + golang-jwt v5, with no authentication, or behind nginx
# + auth_request + `jwks authz`) and the jwks tool, installs
# the Python side into its own venv (gunicorn, uvicorn, FastAPI, PyJWT and this repository's
# jwkskit, the peers at pinned versions), mints the keys and token pools (bench/e2e/goserver/
# mint), then bench/e2e/run.py drives wrk against each server in three token modes and
# rounds alternating the servers, and bench/e2e/report.py writes docs/benchmarks-e2e.md (with
# docs/benchmarks-e2e.json, the raw figures, and a line in docs/bench-e2e-history.jsonl).
#
# Environment: E2E_SECONDS (per measured run, default 5), E2E_WARMUP (1), E2E_ROUNDS (3),
# E2E_STACKS (go,wsgi,asgi,nginx), E2E_ALGS (RS256,ES256), E2E_MODES (one,clients,distinct),
# E2E_NO_REPORT=1 to leave docs/ alone (the results stay in target/bench-e2e/results.json).
# Needs cargo, go, a C compiler, python3 (venv, pip), wrk and nginx (both installed with apt-get
# when missing and running as root). About 27 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
unset CARGO_TARGET_DIR
work=$root/target/bench-e2e
step() { printf '\n--- %s\n' "$*" >&2; }
die() { echo "bench-e2e.sh: $*" >&2; exit 1; }

# The peers, pinned: what a service would install today.
PY_PEERS=(PyJWT==2.15.1 cryptography==50.0.2 gunicorn==27.0.1 "uvicorn[standard]==0.55.0" fastapi==0.165.0)
# (keyfunc v3.9.2 and golang-jwt v5.3.1 are pinned in bench/e2e/goserver/go.mod.)

mkdir -p "$work/bin" "$work/logs"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no -- . ':!docs' 2>/dev/null)" ] || commit="$commit+changes"

step "wrk and nginx"
need=(wrk)
case ",${E2E_STACKS:-go,wsgi,asgi,nginx}," in *,nginx,*) need+=(nginx) ;; esac
missing=()
for p in "${need[@]}"; do command -v "$p" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "not installed: ${missing[*]} (apt-get install ${missing[*]}, as root)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for p in "${need[@]}"; do command -v "$p" >/dev/null || die "$p could not be installed"; done

step "libjwks (cargo build --release -p jwks-capi), the jwks tool, the Go server and the minting tool"
command -v go >/dev/null || die "go is not installed"
cargo build --release --quiet -p jwks-capi
# Apart: built together, the tool's features would be unified into libjwks (Cargo.toml).
cargo build --release --quiet -p jwkskit-cli --bin jwks
cp target/release/jwks "$work/bin/jwks"
./scripts/dist-go.sh lib >/dev/null
(cd bench/e2e/goserver && CGO_ENABLED=1 go build -o "$work/bin/goserver" . && go build -o "$work/bin/mint" ./mint)

step "the Python venv ($work/venv): ${PY_PEERS[*]} and ./bindings/python"
venv=$work/venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade "pip>=21.3"
fi
"$venv/bin/python" -m pip install --quiet "${PY_PEERS[@]}" >"$work/logs/pip.log" 2>&1 \
    || { cat "$work/logs/pip.log" >&2; exit 1; }
# Reinstalled every time, so that the bundled libjwks is the one built from this tree.
rm -rf bindings/python/build
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps ./bindings/python >>"$work/logs/pip.log" 2>&1 \
    || { cat "$work/logs/pip.log" >&2; exit 1; }
rm -rf bindings/python/build bindings/python/jwkskit.egg-info

step "keys and token pools ($work/tokens)"
# Minted again when missing or when the tokens expire within 3 hours.
if ! python3 - "$work/tokens/manifest.json" <<'PY'
import json, sys, time
try:
    m = json.load(open(sys.argv[1]))
except OSError:
    sys.exit(1)
sys.exit(0 if m["expires"] > time.time() + 3 * 3600 and m["distinct"] == 50000 and m["clients"] == 1000 else 1)
PY
then
    rm -rf "$work/tokens"
    "$work/bin/mint" -out "$work/tokens" -clients 1000 -distinct 50000
fi

step "the measurements (bench/e2e/run.py)"
python3 bench/e2e/run.py --work "$work" --json "$work/results.json"

if [ "${E2E_NO_REPORT:-}" = 1 ]; then
    echo "results: $work/results.json (E2E_NO_REPORT=1: docs/ left alone)"
    exit 0
fi
step "the report (bench/e2e/report.py)"
python3 bench/e2e/report.py "$work/results.json" --commit "$commit"
