#!/usr/bin/env bash
# Python bindings: creates a virtual environment (target/python-venv, or $JWKS_PYTHON_VENV),
# installs the package from bindings/python the way a user would (`pip install
# ./bindings/python[test]`: setup.py runs `cargo build --release --lib` and bundles libjwks
# inside the package; pytest, pytest-timeout, PyJWT, cryptography and the frameworks the
# integration tests serve with (FastAPI, uvicorn, httpx, Flask, Django) and the redis client come
# from PyPI), then runs the tests against the installed package with no JWKS_LIBRARY set, and the
# README quickstart. jwkskit.redis is tested against a real redis-server, which the tests start on
# loopback: it is installed with apt-get when missing (as root), and the run fails if it cannot be.
# Needs python3 (3.8 or later, with venv and pip) and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }

python=${PYTHON:-python3}
venv=${JWKS_PYTHON_VENV:-$root/target/python-venv}
command -v "$python" >/dev/null || { echo "test-python.sh: $python is not installed" >&2; exit 1; }
# The tests must use the library bundled by the install, not an override.
unset JWKS_LIBRARY

step "virtual environment in $venv"
if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
fi
# pip >= 21.3 builds a local directory in place, so setup.py finds the crate two levels up.
"$venv/bin/python" -m pip install --quiet --upgrade "pip>=21.3"

step "pip install ./bindings/python[test]"
rm -rf bindings/python/build
# A local directory is always rebuilt and reinstalled (cargo itself skips an up-to-date build).
"$venv/bin/python" -m pip install --quiet "./bindings/python[test]"
rm -rf bindings/python/build bindings/python/jwkskit.egg-info

# Run from outside the source tree so that `import jwkskit` is the installed package.
cd "$root/bindings/python/tests"
"$venv/bin/python" - <<'PY'
import os, sys, jwkskit
site = os.path.realpath(sys.prefix)
assert os.path.realpath(jwkskit.__file__).startswith(site), f"jwkskit imported from {jwkskit.__file__}, not the venv"
assert os.path.realpath(jwkskit.library_path).startswith(site), f"libjwks loaded from {jwkskit.library_path}"
print(f"jwkskit {jwkskit.__version__}, libjwks {jwkskit.library_version} at {jwkskit.library_path}")
PY

step "redis-server (for jwkskit.redis)"
if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; } \
            || { echo "test-python.sh: cannot install redis-server" >&2; exit 1; }
    else
        echo "test-python.sh: redis-server is needed (Debian: apt-get install redis-server, as root)" >&2
        exit 1
    fi
fi
redis-server --version
# The Redis tests fail, rather than skip, when redis-server is missing.
export JWKS_REQUIRE_REDIS=1

step "pytest"
"$venv/bin/python" -m pytest -p no:cacheprovider --timeout 180 -q -rs

step "README quickstart (bindings/python/examples/quickstart.py)"
out=$(cd / && "$venv/bin/python" "$root/bindings/python/examples/quickstart.py")
echo "$out"
grep -q "^(200, {.*'sub': 'user-42'" <<<"$out"
grep -q "^(401, 'BAD_SIGNATURE" <<<"$out"

echo
echo "python tests passed"
