#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ and runs each one for SECONDS (default 60) on its
# corpus: the committed minimised corpus fuzz/corpus-min/<target>/ (where the last long run
# ended) plus seeds built from the repository's tests/vectors. Fails if any target finds a
# crash, a timeout or an out-of-memory input, and fails (never falls back) when the
# AddressSanitizer build cannot be made. CI runs it from .ci/run.
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment:
#   FUZZ_TARGETS     space-separated subset of targets (default: all of them)
#   FUZZ_RUNS        stop each target after this many executions (SECONDS stays the cap);
#                    the summary gives each target's executions and the time they took
#   FUZZ_SANITIZER   address (default) or none; `none` only when asked for (a local run
#                    without ASan); a failed ASan build fails the run
#   FUZZ_SAVE_MIN    1: after the run, minimise each corpus (cargo fuzz cmin) and replace
#                    fuzz/corpus-min/<target>/ with it, to commit after a long run
#   FUZZ_TOOLCHAIN   nightly or stable (default: nightly when rustup has it, else stable)
#   FUZZ_LOG_DIR     where the libFuzzer logs go (default: a fresh temporary directory)
#   ASAN_OPTIONS     honoured when set; otherwise the run uses FAST_ASAN_OPTIONS below
#   CARGO_TARGET_DIR is honoured (default: fuzz/target, ignored by git)
#
# Toolchain: cargo-fuzz passes -Z flags (-Zsanitizer=address, sancov passes) to rustc, so it
# needs a nightly compiler. Without one, the stable compiler accepts them when RUSTC_BOOTSTRAP=1
# is set; the stable toolchain ships the ASan runtime, so AddressSanitizer and LeakSanitizer
# work there too. Exact commands this script runs, for example:
#   RUSTC_BOOTSTRAP=1 cargo fuzz build -a -s address          (in fuzz/, stable toolchain)
#   cargo +nightly fuzz build -a -s address                   (nightly toolchain)
#   cargo fuzz run -a token_parse corpus/token_parse -- -max_total_time=60 -max_len=20000 \
#       -rss_limit_mb=2048 -timeout=10
# `-a` keeps debug assertions (integer overflow checks) on in the fuzzed build.
#
# Refresh the committed corpus after a long run:  FUZZ_SAVE_MIN=1 scripts/fuzz.sh 3600
#
# Reproduce a finding:  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -a TARGET artifacts/TARGET/crash-...)
# Minimise it:          (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin -a TARGET artifacts/TARGET/crash-...)
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
    echo "usage: $0 [SECONDS]  (a positive whole number of seconds per target)" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ_DIR="$ROOT/fuzz"
ALL_TARGETS="token_parse jwks_parse claims verify_structured ffi"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
SANITIZER="${FUZZ_SANITIZER:-address}"
LOG_DIR="${FUZZ_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/jwks-fuzz.XXXXXX")}"
mkdir -p "$LOG_DIR"

# AddressSanitizer's runtime options for the run. Two of its defaults cost more than half of
# every execution here (measured on the ffi target, same seed, 30 s: about 1.7x the executions
# without them) and find nothing in this code that the others do not:
# - detect_stack_use_after_return: every function with a stack buffer gets a "fake stack"
#   frame on the heap; safe Rust cannot return a dangling stack reference, and the C ABI's
#   out-pointers are written by the callee, not returned;
# - malloc_context_size: the stack trace recorded at every allocation and free, which only
#   adds detail to a report (where a freed or leaked block came from), not detection.
# When a run finds something, the input is run again with both switched on (FULL_ASAN_OPTIONS:
# ASan's default allocation stacks, and fake stacks, which some builds leave off by default),
# so the report in the log has every stack. Set ASAN_OPTIONS to choose for yourself.
FAST_ASAN_OPTIONS="detect_stack_use_after_return=0:malloc_context_size=0"
FULL_ASAN_OPTIONS="detect_stack_use_after_return=1:malloc_context_size=30"
export ASAN_OPTIONS="${ASAN_OPTIONS:-$FAST_ASAN_OPTIONS}"

# Longest input per target: just above each input's own size limit, so the limits are
# exercised without spending the run on huge inputs.
max_len() {
    case "$1" in
        token_parse) echo 20000 ;;   # tokens: 16 KiB limit
        # Key sets: room for five RSA-4096 keys. A larger limit let the corpus fill with
        # sets of many KB that cost a whole serde_json parse each and reach no new code (the
        # key count limit is a unit test): at 32 KiB the target ran under 1,000 exec/s, at
        # 8 KiB it slowed from 3,500 to 2,400 exec/s within half an hour.
        jwks_parse) echo 4096 ;;
        claims) echo 4128 ;;         # 32-byte policy prefix + payload
        verify_structured) echo 8192 ;;
        ffi) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

# libFuzzer options of one target beyond the common ones.
# verify_structured keeps verifiers, signatures and its verifiers' token caches from one input
# to the next on purpose, so most inputs that add to them allocate more than they free, and
# libFuzzer's per-input leak check runs each such input a second time to look for a leak (a
# tenth of the target's time). LeakSanitizer still checks the whole process when it exits.
extra_flags() {
    case "$1" in
        verify_structured) echo -detect_leaks=0 ;;
    esac
}

# cargo-fuzz itself comes from crates.io.
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz (cargo install cargo-fuzz)"
    cargo install --locked cargo-fuzz
fi

TOOLCHAIN="${FUZZ_TOOLCHAIN:-}"
if [ -z "$TOOLCHAIN" ]; then
    if command -v rustup >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
        TOOLCHAIN=nightly
    else
        TOOLCHAIN=stable
    fi
fi
case "$TOOLCHAIN" in
    nightly) FUZZ=(cargo +nightly fuzz); RUSTC_VERSION="$(rustc +nightly --version)" ;;
    stable) export RUSTC_BOOTSTRAP=1; FUZZ=(cargo fuzz); RUSTC_VERSION="$(rustc --version)" ;;
    *) echo "FUZZ_TOOLCHAIN must be nightly or stable, not '$TOOLCHAIN'" >&2; exit 2 ;;
esac
echo "== toolchain: $TOOLCHAIN ($RUSTC_VERSION), sanitizer: $SANITIZER, ASAN_OPTIONS=$ASAN_OPTIONS"

cd "$FUZZ_DIR"

echo "== seed corpora from tests/vectors"
python3 "$FUZZ_DIR/seed.py" "$ROOT/tests/vectors"

build() {
    # Targets are built in one cargo invocation, so the library is compiled once.
    "${FUZZ[@]}" build -a -s "$1"
}
echo "== building the fuzz targets (sanitizer: $SANITIZER)"
if ! build "$SANITIZER"; then
    echo "FAIL: the fuzz targets do not build with -s $SANITIZER; no fuzzing was done" >&2
    exit 1
fi

failed=()
summary=()
for target in $TARGETS; do
    corpus="$FUZZ_DIR/corpus/$target"
    mkdir -p "$corpus" "$FUZZ_DIR/artifacts/$target"
    if [ -d "$FUZZ_DIR/corpus-min/$target" ]; then
        cp -n "$FUZZ_DIR/corpus-min/$target/"* "$corpus/" 2>/dev/null || true
    fi
    if [ -z "$(ls -A "$corpus")" ]; then
        echo "FAIL: $target has an empty corpus (no fuzz/corpus-min/$target, no seeds)" >&2
        exit 1
    fi
    log="$LOG_DIR/$target.log"
    before=$(find "$FUZZ_DIR/artifacts/$target" -type f | wc -l)
    echo "== $target: ${SECONDS_PER_TARGET}s, max_len $(max_len "$target"), log $log"
    status=0
    runs=()
    [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
    started=$(date +%s)
    "${FUZZ[@]}" run -a -s "$SANITIZER" "$target" "$corpus" -- \
        -max_total_time="$SECONDS_PER_TARGET" "${runs[@]}" \
        -max_len="$(max_len "$target")" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 $(extra_flags "$target") >"$log" 2>&1 || status=$?
    took=$(( $(date +%s) - started ))
    after=$(find "$FUZZ_DIR/artifacts/$target" -type f | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/.*DONE .*exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -1)
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        failed+=("$target")
        summary+=("$target: FAILED (exit $status) after ${execs:-?} executions")
        echo "FAIL: $target found a crash, timeout or OOM; the input is in fuzz/artifacts/$target/" >&2
        if [ "$SANITIZER" = address ]; then
            # The run's report has no allocation stacks (FAST_ASAN_OPTIONS): run each new
            # finding again with FULL_ASAN_OPTIONS so that the log has the whole report.
            find "$FUZZ_DIR/artifacts/$target" -type f -newermt "@$started" | while read -r input; do
                echo "== again with ASAN_OPTIONS=$FULL_ASAN_OPTIONS: $input" >>"$log"
                ASAN_OPTIONS="$FULL_ASAN_OPTIONS" "${FUZZ[@]}" run -a -s "$SANITIZER" "$target" \
                    "$input" -- -runs=1 >>"$log" 2>&1 || true
            done
        fi
        grep -E "panicked|ERROR:|SUMMARY:|Test unit written|^\s*cargo fuzz" "$log" | head -20 >&2 || true
    elif [ "${FUZZ_SAVE_MIN:-0}" = 1 ]; then
        echo "== $target: minimising the corpus into fuzz/corpus-min/$target"
        "${FUZZ[@]}" cmin -a -s "$SANITIZER" "$target" "$corpus" -- -max_len="$(max_len "$target")" \
            >>"$log" 2>&1 || { echo "FAIL: cargo fuzz cmin $target (log $log)" >&2; exit 1; }
        rm -rf "$FUZZ_DIR/corpus-min/$target"
        mkdir -p "$FUZZ_DIR/corpus-min/$target"
        cp "$corpus/"* "$FUZZ_DIR/corpus-min/$target/"
        summary+=("$target: ok, ${execs:-?} executions in ${took}s, corpus minimised to $(ls "$corpus" | wc -l) files")
    else
        summary+=("$target: ok, ${execs:-?} executions (${rate:-?} exec/s) in ${took}s")
    fi
done

echo "== summary (sanitizer: $SANITIZER, toolchain: $TOOLCHAIN)"
printf '   %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAIL: ${failed[*]}" >&2
    exit 1
fi
echo "all fuzz targets ran clean"
