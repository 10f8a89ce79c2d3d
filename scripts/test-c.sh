#!/usr/bin/env bash
# C tests: the same programs built five ways, tests/c/test_jwks.c run against fixtures signed
# by the issuer API and tests/c/test_corpus.c against the cross-language corpus
# (tests/vectors/corpus/cases.txt):
#   1. against libjwks.so                       2. under AddressSanitizer + UBSan
#   3. under valgrind (memcheck, leak check)      4. statically linked against libjwks.a
#   5. against an installed copy found through pkg-config (checks `make install`)
# then the ABI abuse tests (tests/c/test_abuse.c: NULL for every pointer argument of every
# function, generated from the header; freed handles; 16 threads verifying through a remote
# verifier while another forces refreshes against `jwks serve` on loopback) under ASan+UBSan
# and valgrind, the option limits (tests/c/test_limits.c: 0, 1 and the type's maximum
# through every numeric setter, then verifications with what was taken) under both too, and
# DPoP (tests/c/test_dpop.c: the corpus of tests/vectors/dpop/, callbacks, threads) all three ways.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/c-tests
mkdir -p "$out"

# libjwks on its own, so that it is built without the tool's features (Cargo.toml).
cargo build --release -p jwks-capi
cargo build --release --bin jwks
# The library's soname is libjwks.so.0: programs linked against target/release load that name.
ln -sf libjwks.so target/release/libjwks.so.0
cargo run --release --quiet --example c_fixtures -- "$out/fixtures"

echo "== exported symbols: only jwks_*"
exported=$(nm -D --defined-only target/release/libjwks.so | awk '{print $NF}')
[ "$(grep -c '^jwks_' <<<"$exported")" -ge 50 ] || { echo "jwks_* symbols missing"; exit 1; }
if grep -v '^jwks_' <<<"$exported"; then echo "libjwks.so exports the symbols above"; exit 1; fi

cflags=(-std=c11 -Wall -Wextra -Werror -g -Iinclude)
libs=(-lpthread)
rel=$root/target/release
corpus=$root/tests/vectors/corpus/cases.txt

echo "== C tests: shared library"
cc "${cflags[@]}" tests/c/test_jwks.c -o "$out/jwks_shared" -L"$rel" -ljwks "${libs[@]}"
LD_LIBRARY_PATH=$rel "$out/jwks_shared" "$out/fixtures"
cc "${cflags[@]}" tests/c/test_corpus.c -o "$out/corpus_shared" -L"$rel" -ljwks "${libs[@]}"
LD_LIBRARY_PATH=$rel "$out/corpus_shared" "$corpus"

echo "== C tests: AddressSanitizer + UndefinedBehaviorSanitizer"
for prog in jwks corpus; do
  cc "${cflags[@]}" -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
    "tests/c/test_$prog.c" -o "$out/${prog}_asan" -L"$rel" -ljwks "${libs[@]}"
  # Prove the binary is instrumented: an unchecked run would pass silently.
  # (grep reads the whole listing: `grep -q` would close the pipe early and fail under pipefail.)
  symbols=$(nm "$out/${prog}_asan")
  grep '__asan_init' >/dev/null <<<"$symbols" || { echo "ASan not linked in"; exit 1; }
  grep '__ubsan_handle' >/dev/null <<<"$symbols" || { echo "UBSan not linked in"; exit 1; }
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LD_LIBRARY_PATH=$rel "$out/jwks_asan" "$out/fixtures"
LD_LIBRARY_PATH=$rel "$out/corpus_asan" "$corpus"
unset ASAN_OPTIONS UBSAN_OPTIONS

echo "== C tests: valgrind"
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
  fi
fi
command -v valgrind >/dev/null || { echo "valgrind is required for the C tests"; exit 1; }
LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  "$out/jwks_shared" "$out/fixtures"
LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  "$out/corpus_shared" "$corpus"

echo "== C tests: static library"
for prog in jwks corpus; do
  cc "${cflags[@]}" "tests/c/test_$prog.c" -o "$out/${prog}_static" "$rel/libjwks.a" \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
  if ldd "$out/${prog}_static" | grep libjwks >/dev/null; then echo "static binary still links libjwks.so"; exit 1; fi
done
"$out/jwks_static" "$out/fixtures"
"$out/corpus_static" "$corpus"

echo "== C tests: installed copy through pkg-config"
prefix=$out/prefix
rm -rf "$prefix"
make --no-print-directory -s install PREFIX="$prefix" >/dev/null
readelf -d "$prefix/lib/libjwks.so" | grep 'SONAME.*libjwks.so.0' >/dev/null || { echo "missing soname"; exit 1; }
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
for prog in jwks corpus; do
  if command -v pkg-config >/dev/null; then
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Werror "tests/c/test_$prog.c" -o "$out/${prog}_installed" \
      $(pkg-config --cflags --libs jwks) -lpthread
  else
    cc -std=c11 -Wall -Werror "tests/c/test_$prog.c" -o "$out/${prog}_installed" \
      -I"$prefix/include" -L"$prefix/lib" -ljwks -lpthread
  fi
done
LD_LIBRARY_PATH=$prefix/lib "$out/jwks_installed" "$out/fixtures"
LD_LIBRARY_PATH=$prefix/lib "$out/corpus_installed" "$corpus"

echo "== C quickstart from the README"
python3 - "$root/README.md" "$root/examples/c/quickstart.c" <<'PY'
import sys
readme, example = (open(p).read() for p in sys.argv[1:])
if "```c\n" + example + "```" not in readme:
    sys.exit("README.md's C quickstart differs from examples/c/quickstart.c")
PY
cc -std=c11 -Wall -Werror examples/c/quickstart.c -o "$out/quickstart" -I"$prefix/include" -L"$prefix/lib" -ljwks
export LD_LIBRARY_PATH=$prefix/lib
said=$("$out/quickstart" "$out/fixtures/jwks.json" "$(cat "$out/fixtures/live.jwt")" https://issuer.test api)
[ "$said" = "valid: sub=user-42 alg=RS256 kid=rsa-1" ] || { echo "quickstart said: $said"; exit 1; }
set +e
"$out/quickstart" "$out/fixtures/jwks.json" "$(cat "$out/fixtures/live.jwt")" https://issuer.test other >/dev/null
rejected=$?
set -e
[ "$rejected" = 1 ] || { echo "quickstart: wrong audience should exit 1, got $rejected"; exit 1; }

echo "== C ABI abuse tests"
python3 tests/c/gen_null_calls.py include/jwks.h "$out/null_calls.inc"
serve_log=$out/serve.log
: >"$serve_log"  # exists before the server writes to it, so the polling below can read it
"$rel/jwks" serve --dir "$out/fixtures/keys" --port 0 --max-age 1 >"$serve_log" 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^jwks_uri: *//p' "$serve_log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "jwks serve did not start:"; cat "$serve_log"; exit 1; }
cc "${cflags[@]}" -I"$out" -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=all tests/c/test_abuse.c -o "$out/abuse_asan" -L"$rel" -ljwks "${libs[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LD_LIBRARY_PATH=$rel "$out/abuse_asan" "$out/fixtures" "$url"
cc "${cflags[@]}" -I"$out" tests/c/test_abuse.c -o "$out/abuse" -L"$rel" -ljwks "${libs[@]}"
LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  "$out/abuse" "$out/fixtures" "$url"

echo "== C DPoP and certificate binding: the corpus, callbacks, threads (plain, ASan+UBSan, valgrind)"
corpus=tests/vectors/dpop/corpus.txt
cc "${cflags[@]}" tests/c/test_dpop.c -o "$out/dpop" -L"$rel" -ljwks "${libs[@]}"
LD_LIBRARY_PATH=$rel "$out/dpop" "$corpus"
cc "${cflags[@]}" -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=all tests/c/test_dpop.c -o "$out/dpop_asan" -L"$rel" -ljwks "${libs[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LD_LIBRARY_PATH=$rel "$out/dpop_asan" "$corpus"
LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  "$out/dpop" "$corpus"

echo "== C option limits: 0, 1 and the type's maximum through every setter"
cc "${cflags[@]}" -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=all tests/c/test_limits.c -o "$out/limits_asan" -L"$rel" -ljwks "${libs[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LD_LIBRARY_PATH=$rel "$out/limits_asan" "$out/fixtures" "$url"
cc "${cflags[@]}" tests/c/test_limits.c -o "$out/limits" -L"$rel" -ljwks "${libs[@]}"
LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
  "$out/limits" "$out/fixtures" "$url"
kill $serve_pid

echo "C tests: all builds passed"
