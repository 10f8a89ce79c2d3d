#!/usr/bin/env bash
# Runs every test: Rust (unit, integration, vectors, header drift, doctests), C and C++
# (plain, ASan+UBSan, valgrind, static, installed), remote options for their effect and key
# rotation under load through the C ABI, DPoP proofs minted by other implementations (npm
# `dpop` and `jose`), Python (pytest, threads, fork) and Go (go test -race), `jwks authz`
# behind real nginx and Caddy (scripts/test-gateway.sh), a short fuzzing pass of every
# cargo-fuzz target under AddressSanitizer (scripts/fuzz.sh, FUZZ_SECONDS per target, default
# 30), then the demo. Needs only the toolchains; installs the rest itself (cargo-fuzz from
# crates.io; nginx, caddy and prometheus with apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n===== %s =====\n' "$*"; }

step "Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

step "Rust: tests"
cargo test --all-targets
# --all-targets does not include doctests: the examples in the docs must run too.
cargo test --doc

step "C ABI tests"
./scripts/test-c.sh
./scripts/test-cpp.sh

step "Remote verifiers through the C ABI: options for their effect, rotation under load"
./scripts/test-c-remote.sh

step "Interoperability: DPoP proofs and tokens minted by the npm packages dpop and jose"
./scripts/test-interop.sh

step "Python tests"
./scripts/test-python.sh

step "Go tests"
./scripts/test-go.sh

step "Gateway: jwks authz behind nginx and Caddy, scraped by Prometheus"
./scripts/test-gateway.sh

step "Benchmark report (bench/report.py)"
python3 -m unittest discover -s bench -p 'test_report.py'

step "End-to-end benchmark report (bench/e2e/report.py)"
python3 -m unittest discover -s bench/e2e -p 'test_report.py'

step "Fuzzing: every target under AddressSanitizer, ${FUZZ_SECONDS:-30} s each"
./scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

step "Demo"
cargo run --release --quiet --bin jwks -- demo

echo
echo "all test suites passed"
