#!/usr/bin/env bash
# The benchmark (`make bench`): builds what it needs, writes one set of fixtures
# (target/bench/fixtures: a 9-key JWKS and RS256-2048, RS256-4096, PS256, ES256, ES384 and EdDSA
# tokens), then measures on them:
#   - the ring floor, the Rust API and the C ABI, interleaved in one process (benches/core.rs),
#     plus thread scaling, a remote source's cache hit and memory;
#   - a C program linking libjwks (bench/verify_bench.c);
#   - the Go package, golang-jwt v5 and Go's crypto alone (bindings/go, BenchmarkFixtures);
#   - the Python package and PyJWT (bindings/python/bench.py);
# and prints one table (targets marked PASS/FAIL) and writes target/bench/results.json.
# Exits non-zero only if something fails to build or run, not on a missed target.
# Takes about 5 minutes on 2 cores. Needs cargo, cc, go and python3 (with venv and pip).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# libjwks.a for the C program and cgo is target/release's, whatever CARGO_TARGET_DIR says.
unset CARGO_TARGET_DIR
out=$root/target/bench
fixtures=$out/fixtures
step() { printf '\n--- %s\n' "$*" >&2; }

core() { cargo bench --quiet --bench core -- "$@"; }

rm -rf "$out"
mkdir -p "$out"

step "cargo build --release; the Rust benchmark"
cargo build --release --quiet --lib
cargo bench --quiet --bench core --no-run

step "fixtures in $fixtures"
core fixtures "$fixtures"

step "ring floor, Rust API and C ABI (interleaved), threads, remote, memory"
core run "$fixtures" "$out/rust.json"

step "C program (bench/verify_bench.c, static libjwks.a)"
cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude bench/verify_bench.c -o "$out/verify_bench" \
    target/release/libjwks.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
core floor "$fixtures" "$out/floor_c_before.json"
"$out/verify_bench" "$fixtures" "$out/c.json"
core floor "$fixtures" "$out/floor_c_after.json"

step "Go: this package vs golang-jwt v5 (go test -bench Fixtures)"
command -v go >/dev/null || { echo "bench.sh: go is not installed" >&2; exit 1; }
core floor "$fixtures" "$out/floor_go_before.json"
(cd bindings/go && CGO_ENABLED=1 JWKS_BENCH_FIXTURES=$fixtures \
    go test -run '^$' -bench '^BenchmarkFixtures$' -benchtime 300ms -count 5 -timeout 600s . ) \
    | tee "$out/go.txt" >&2
grep -q '^ok' "$out/go.txt"
core floor "$fixtures" "$out/floor_go_after.json"

step "Python: this package vs PyJWT (bindings/python/bench.py)"
if [ -f bindings/python/bench.py ]; then
    venv=${JWKS_PYTHON_VENV:-$root/target/python-venv}
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade "pip>=21.3"
    fi
    # Reinstalled every time so that the bundled libjwks is the one built from this tree.
    rm -rf bindings/python/build
    "$venv/bin/python" -m pip install --quiet "./bindings/python[test]"
    rm -rf bindings/python/build bindings/python/jwks.egg-info
    unset JWKS_LIBRARY
    core floor "$fixtures" "$out/floor_python_before.json"
    (cd / && "$venv/bin/python" "$root/bindings/python/bench.py" --fixtures "$fixtures" \
        --json "$out/python.json")
    core floor "$fixtures" "$out/floor_python_after.json"
else
    echo "python package not built (bindings/python/bench.py does not exist): no Python rows" >&2
fi

step "report"
core report "$out"
