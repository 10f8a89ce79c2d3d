#!/usr/bin/env bash
# Interoperability: DPoP proofs and DPoP-bound access tokens minted by other implementations
# (the npm packages `dpop` and `jose`, pinned by tests/interop/dpop/package-lock.json and
# installed here with `npm ci`) are verified by the library, each with its expected verdict
# (examples/dpop_interop.rs). Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-interop.sh: node and npm are required" >&2; exit 1; }
out=target/interop
mkdir -p "$out"
(cd tests/interop/dpop && npm ci --no-audit --no-fund --silent)
node tests/interop/dpop/mint.mjs > "$out/dpop.json"
cargo run --quiet --example dpop_interop -- "$out/dpop.json"
