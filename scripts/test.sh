#!/usr/bin/env bash
# Runs every test: Rust, C, Python, Go.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets
