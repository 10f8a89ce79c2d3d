#!/usr/bin/env bash
# The benchmarks (`make bench`; bench/README.md lists them): builds what it needs, writes one set of fixtures
# (target/bench/fixtures: a 9-key JWKS and RS256-2048, RS256-4096, PS256, ES256, ES384 and EdDSA
# tokens), then measures on them:
#   - the ring floor, the Rust API and the C ABI, interleaved in one process (bench/rust/core.rs),
#     plus thread scaling, a remote source's cache hit and memory;
#   - a C program linking libjwks (bench/c/verify_bench.c);
#   - the Go package, golang-jwt v5 and Go's crypto alone (bindings/go, BenchmarkFixtures);
#   - the Python package and PyJWT (bench/python/bench.py);
# and prints one table (targets marked PASS/FAIL) and writes target/bench/results.json; then
# bench/report.py appends the run to docs/bench-history.jsonl and writes docs/benchmarks.md and
# the README's bench block from it (every published figure comes from there).
# A side that fails to build or run (the ring floor, the C program, Go, Python, valgrind
# missing) does not stop the others: its figures are reported as NOT MEASURED and the command
# exits non-zero at the end. A missed target (FAIL) does not change the exit status.
# The duration of the run is in the report. Needs cargo, cc, go, valgrind and python3 (with
# venv and pip).
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
started=$(date +%s)
cat /proc/loadavg > "$out/loadavg_start" 2>/dev/null || true
# The commit measured (the report files this run rewrites do not count as changes).
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -z "$(git status --porcelain --untracked-files=no -- . ':!README.md' ':!docs')" ] \
        || commit="$commit+changes"
    echo "$commit" > "$out/commit"
fi
touch "$out/failed.txt"
# side NAME COMMAND...: runs COMMAND in a subshell that stops at its first failure; a failure
# is recorded in failed.txt (its figures become NOT MEASURED) and the other sides still run.
side() {
    local name=$1 rc=0
    shift
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "$name (exit $rc)" >> "$out/failed.txt"
        echo "bench.sh: $name failed (exit $rc): its figures are NOT MEASURED" >&2
    fi
}

step "cargo build --release; the Rust benchmark"
cargo build --release --quiet --lib
cargo bench --quiet --bench core --no-run

step "fixtures in $fixtures"
core fixtures "$fixtures"

step "ring floor, Rust API and C ABI (interleaved), threads, remote, memory"
side "the Rust harness (core run)" core run "$fixtures" "$out/rust.json"

step "token cache memory: 10M verifications over 1M distinct tokens, default bounds"
cache_soak() { core cache-soak > "$out/cache_soak.json.part" && mv "$out/cache_soak.json.part" "$out/cache_soak.json"; }
side "the token cache soak (core cache-soak)" cache_soak

# The C program and Go load a bare ring verify (bench/ring_floor, the library
# bench.py uses) and time it in their own process. Without it, each of their runs is compared
# with runs of the ring floor just before and just after it (much noisier).
runs=4
floor_so=
ring_floor() {
    cargo build --release --quiet --manifest-path bench/ring_floor/Cargo.toml \
        --target-dir target/python-bench
}
side "the ring floor library (bench/ring_floor)" ring_floor
if [ -f target/python-bench/release/libring_floor.so ]; then
    floor_so=$root/target/python-bench/release/libring_floor.so
fi

c_program() {
    cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude bench/c/verify_bench.c -o "$out/verify_bench" \
        target/release/libjwks.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
    core floor "$fixtures" "$out/floor_c_0.json"
    for i in $(seq 1 $runs); do
        "$out/verify_bench" "$fixtures" "$out/c_$i.json" 9 $floor_so
        core floor "$fixtures" "$out/floor_c_$i.json"
    done
}
step "C program (bench/c/verify_bench.c, static libjwks.a), $runs runs"
side "the C program (bench/c/verify_bench.c)" c_program

go_side() {
    command -v go >/dev/null || { echo "bench.sh: go is not installed" >&2; exit 1; }
    ./scripts/dist-go.sh lib >/dev/null # the cgo package links bindings/go/lib/linux_amd64/libjwks.a
    (cd bindings/go && CGO_ENABLED=1 go test -c -o "$out/go.test" .)
    core floor "$fixtures" "$out/floor_go_0.json"
    for i in $(seq 1 $runs); do
        (cd bindings/go && JWKS_BENCH_FIXTURES=$fixtures JWKS_BENCH_RING_FLOOR=$floor_so \
            "$out/go.test" -test.run '^$' -test.bench '^BenchmarkFixtures$' -test.benchtime 250ms \
            -test.count 1) \
            | tee "$out/go_$i.txt" >&2
        grep -q '^PASS' "$out/go_$i.txt"
        # The ratios reported: each side timed in alternating short rounds (its own loop: 1x).
        (cd bindings/go && JWKS_BENCH_FIXTURES=$fixtures JWKS_BENCH_RING_FLOOR=$floor_so \
            "$out/go.test" -test.run '^$' -test.bench '^BenchmarkInterleaved$' -test.benchtime 1x) \
            | tee "$out/go_interleaved_$i.txt" >&2
        grep -q '^PASS' "$out/go_interleaved_$i.txt"
        cat "$out/go_interleaved_$i.txt" >> "$out/go_$i.txt"
        core floor "$fixtures" "$out/floor_go_$i.json"
    done
}
step "Go: this package vs golang-jwt v5 and the ring floor (BenchmarkFixtures, BenchmarkInterleaved), $runs runs"
side "Go (bindings/go)" go_side

python_side() {
    venv=${JWKS_PYTHON_VENV:-$root/target/python-venv}
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade "pip>=21.3"
    fi
    # Reinstalled every time so that the bundled libjwks is the one built from this tree.
    rm -rf bindings/python/build
    "$venv/bin/python" -m pip install --quiet "./bindings/python[test]" >"$out/pip.log" 2>&1 \
        || { cat "$out/pip.log" >&2; exit 1; }
    rm -rf bindings/python/build bindings/python/jwkskit.egg-info
    unset JWKS_LIBRARY
    (cd / && "$venv/bin/python" "$root/bench/python/bench.py" --fixtures "$fixtures" \
        --json "$out/python.json")
}
step "Python: this package vs PyJWT (bench/python/bench.py)"
side "Python (bench/python/bench.py)" python_side

instructions() {
    command -v valgrind >/dev/null || { echo "bench.sh: valgrind is not installed" >&2; exit 1; }
    # Instruction counts do not depend on the machine's load: the difference between 21 and 1
    # verifications, divided by 20, for the C ABI path and for the bare ring verify.
    # Counting needs no debug info (release ships none). To see where the instructions go, the
    # `profiling` profile is the same build with line tables:
    #   cargo bench --profile profiling --bench core --no-run, then callgrind + callgrind_annotate.
    bin=$(cargo bench --bench core --no-run --message-format=json 2>/dev/null \
        | grep -o '"executable":"[^"]*/deps/core-[^"]*"' | cut -d'"' -f4 | tail -n 1)
    test -x "$bin"
    count() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" profile "$fixtures" "$1" "$2" "$3" 2>&1 \
            | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    {
        printf '{"instructions": {'
        sep=
        for name in RS256-2048 RS256-4096 PS256 ES256 ES384 EdDSA; do
            f=$(( ($(count "$name" floor 21) - $(count "$name" floor 1)) / 20 ))
            c=$(( ($(count "$name" c 21) - $(count "$name" c 1)) / 20 ))
            # A token cache hit (the cache on, the same token again).
            h=$(( ($(count "$name" c-hit 21) - $(count "$name" c-hit 1)) / 20 ))
            # A miss of a full cache (distinct tokens in turn) against no cache on the same tokens.
            m=0 d=0
            case $name in RS256-2048|ES256|EdDSA)
                m=$(( ($(count "$name" c-miss 101) - $(count "$name" c-miss 1)) / 100 ))
                d=$(( ($(count "$name" c-distinct 101) - $(count "$name" c-distinct 1)) / 100 )) ;;
            esac
            printf '%s"%s": {"ring": %d, "c_abi": %d, "c_abi_hit": %d, "c_abi_miss": %d, "c_abi_distinct": %d}' \
                "$sep" "$name" "$f" "$c" "$h" "$m" "$d"
            sep=", "
            echo "  $name: ring $f, C ABI $c, C ABI cache hit $h instructions" >&2
        done
        printf '}}\n'
    } > "$out/instructions.json.part"
    mv "$out/instructions.json.part" "$out/instructions.json"
}
step "instructions per verification (valgrind --tool=callgrind): C ABI vs ring floor"
side "callgrind instruction counts (valgrind)" instructions

step "report"
side "the table (core report)" core report "$out"
echo $(( $(date +%s) - started )) > "$out/seconds"
python3 bench/report.py "$out"
