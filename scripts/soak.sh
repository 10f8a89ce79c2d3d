#!/usr/bin/env bash
# Soak test (not part of CI): THREADS threads verify valid and invalid tokens through one
# remote verifier for SECONDS while a loopback key endpoint rotates its keys every second.
# Passes only with zero false rejections, zero false accepts and flat memory.
#
#   scripts/soak.sh [SECONDS] [THREADS]      (default 300 s, 8 threads)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet --example soak -- "${1:-300}" "${2:-8}"
