#!/usr/bin/env bash
# Remote verifiers through the C ABI, each program built plain and with ASan+UBSan:
# 1. Options for their effect (tests/c/test_options_effect.c, against a key server embedded in
#    the program): cache_ttl, max_stale, http/connect timeouts, max_response_size, headers.
# 2. Key rotation under load: tests/c/test_rotation.c verifies from THREADS
# threads through one remote verifier while `jwks serve` on loopback rotates keys every
# EPOCH_MS (next key published an epoch before it signs, tokens switch to it, old key
# retired), and fails on any false rejection, false accept or retired key still accepted.
#
#   scripts/test-c-remote.sh [EPOCHS] [EPOCH_MS] [THREADS]    (default 5 epochs of 2000 ms, 8 threads)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-5}
epoch_ms=${2:-2000}
threads=${3:-8}
rel=$PWD/target/release
out=$PWD/target/rotation-test

# libjwks on its own, so that it is built without the tool's features (Cargo.toml).
cargo build --release --quiet -p jwks-capi
cargo build --release --quiet --bin jwks
ln -sf libjwks.so "$rel/libjwks.so.0"
cargo run --release --quiet --example c_fixtures -- "$out-fixtures"

cflags=(-std=c11 -Wall -Wextra -Werror -g -Iinclude -Itests/c)
asan=(-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LD_LIBRARY_PATH=$rel

cc "${cflags[@]}" tests/c/test_options_effect.c -o "$rel/../test_options_effect" -L"$rel" -ljwks -lpthread
cc "${cflags[@]}" "${asan[@]}" tests/c/test_options_effect.c -o "$rel/../test_options_effect_asan" \
  -L"$rel" -ljwks -lpthread
echo "== remote options for their effect (plain)"
"$rel/../test_options_effect" "$out-fixtures"
echo "== remote options for their effect (ASan+UBSan)"
"$rel/../test_options_effect_asan" "$out-fixtures"

cc "${cflags[@]}" tests/c/test_rotation.c -o "$rel/../test_rotation" -L"$rel" -ljwks -lpthread
cc "${cflags[@]}" "${asan[@]}" \
  tests/c/test_rotation.c -o "$rel/../test_rotation_asan" -L"$rel" -ljwks -lpthread

run() {
  local name=$1
  shift
  rm -rf "$out"
  mkdir -p "$out/stash" "$out/impostors" "$out/served"
  : >"$out/keygen.log"
  # One key per epoch, ES256 and EdDSA alternating, and an impostor with the same kid.
  for e in $(seq 0 $((epochs - 1))); do
    alg=$([ $((e % 2)) = 0 ] && echo ES256 || echo EdDSA)
    "$rel/jwks" keygen --alg "$alg" --kid "epoch-$e" --out "$out/stash/epoch-$e.key" >>"$out/keygen.log" 2>&1
    "$rel/jwks" keygen --alg "$alg" --kid "epoch-$e" --out "$out/impostors/epoch-$e.key" >>"$out/keygen.log" 2>&1
    common=(--iss https://issuer.rotation --aud rotation --sub user)
    echo "$e valid $("$rel/jwks" sign --key "$out/stash/epoch-$e.key" "${common[@]}" --exp-in 10m)"
    echo "$e expired $("$rel/jwks" sign --key "$out/stash/epoch-$e.key" "${common[@]}" --exp-in=-5m)"
    echo "$e impostor $("$rel/jwks" sign --key "$out/impostors/epoch-$e.key" "${common[@]}" --exp-in 10m)"
  done >"$out/tokens.txt"

  # Created here: the background job may not have opened it when the loop below first reads.
  : >"$out/serve.log"
  "$rel/jwks" serve --dir "$out/served" --port 0 --max-age 1 >"$out/serve.log" 2>&1 &
  serve_pid=$!
  trap 'kill $serve_pid 2>/dev/null || true' EXIT
  url=
  for _ in $(seq 100); do
    url=$(sed -n 's/^jwks_uri: *//p' "$out/serve.log" || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "jwks serve did not start:"; cat "$out/serve.log"; exit 1; }
  echo "== rotation under load ($name)"
  status=0
  "$@" "$out/served" "$out/stash" "$out/tokens.txt" "$url" "$epochs" "$epoch_ms" "$threads" || status=$?
  kill $serve_pid
  wait $serve_pid 2>/dev/null || true
  trap - EXIT
  [ "$status" = 0 ] || { echo "rotation test ($name) failed"; exit 1; }
}

run plain "$rel/../test_rotation"
run "ASan+UBSan" "$rel/../test_rotation_asan"
echo "remote C tests: passed"
