#!/usr/bin/env bash
# Runs every test: Rust (unit, integration, vectors, header drift), C (plain, ASan+UBSan,
# valgrind, static, installed), Python (pytest, threads, fork) and Go (go test -race), then a
# short fuzzing pass and the demo. Needs only the toolchains; installs the rest itself.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n===== %s =====\n' "$*"; }

step "Rust: format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

step "Rust: tests"
cargo test --all-targets

step "C ABI tests"
./scripts/test-c.sh
./scripts/test-cpp.sh

step "Python tests"
./scripts/test-python.sh

step "Go tests"
./scripts/test-go.sh

step "Benchmark report (bench/report.py)"
python3 -m unittest discover -s bench -p 'test_report.py'

step "Demo"
cargo run --release --quiet --bin jwks -- demo

echo
echo "all test suites passed"
