#!/usr/bin/env bash
# Runs every test: Rust (unit, integration, vectors, header drift, doctests), C and C++
# (plain, ASan+UBSan, valgrind, static, installed), remote options for their effect and key
# rotation under load through the C ABI, Python (pytest, threads, fork) and Go (go test
# -race), then the demo. Needs only the toolchains; installs the rest itself.
# The sanitised fuzzing pass is not run here (it needs cargo-fuzz and minutes per target): CI
# runs it after this script, from .ci/run (scripts/fuzz.sh, AddressSanitizer, 30 s per target).
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
