#!/usr/bin/env bash
# Runs the unit tests of the C ABI (src/ffi) and the pure-Rust parsing and policy tests under
# Miri, which checks the `unsafe` code for undefined behaviour (use after free, double free,
# out-of-bounds reads, invalid pointer casts under strict provenance, leaks).
#
#   scripts/miri.sh
#
# Exit status: 0 all passed; 1 a test failed or Miri found undefined behaviour; 77 not run,
# because Miri is not installed and could not be installed (the reason is printed).
#
# What runs and why only that: Miri interprets Rust and cannot call foreign code, and `ring`
# (all signature math, SHA-256 thumbprints, EC point checks) is C and assembly. So the tests
# that parse a key or verify a signature cannot run here; the ones below never call `ring`:
#   ffi::            the C ABI unit tests (version, result codes)
#   claims/json/token/alg/error/roca unit tests   the parsers and policy checks
#   fuzz_regressions pure::   fuzz findings in code that does not reach `ring`
# The C ABI's handling of real tokens is covered by the `ffi` fuzz target under
# AddressSanitizer/LeakSanitizer (scripts/fuzz.sh) and by the C tests.
#
# Miri needs a nightly toolchain with the `miri` and `rust-src` components:
#   rustup toolchain install nightly --component miri rust-src
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

not_run() {
    echo "NOT RUN: $1" >&2
    echo "Miri needs: rustup toolchain install nightly --component miri rust-src" >&2
    exit 77
}

command -v rustup >/dev/null 2>&1 || not_run "rustup is not installed, so no nightly toolchain can be selected"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "== installing the nightly toolchain with miri"
    rustup toolchain install nightly --profile minimal --component miri rust-src \
        || not_run "the nightly toolchain could not be installed (no access to the Rust distribution server?)"
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "== adding the miri component to nightly"
    rustup component add --toolchain nightly miri rust-src \
        || not_run "the miri component could not be installed (no access to the Rust distribution server?)"
fi
echo "== $(cargo +nightly miri --version)"
cargo +nightly miri setup

# Strict provenance: integer-to-pointer casts are reported instead of being guessed at.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"

echo "== unit tests: the C ABI and the ring-free parsers"
cargo +nightly miri test --lib -- \
    ffi:: claims::tests json::tests token::tests alg::tests error::tests roca::tests

echo "== fuzz regressions that do not reach ring"
cargo +nightly miri test --test fuzz_regressions -- pure::

echo "miri: all selected tests passed"
