#!/usr/bin/env bash
# C++ tests of the header-only wrapper include/jwks.hpp. First tests/cpp/check_coverage.py:
# every function of include/jwks.h is called by jwks.hpp, and its generated lists (result
# codes, categories) match the C enums. Then tests/cpp/test_jwks.cpp (every fixture token
# through the throwing and non-throwing forms, the library's detailed messages in jwks::error,
# claims, the token cache, moved-from handles, 8 threads sharing one verifier) and
# tests/cpp/test_corpus.cpp (the cross-language corpus, tests/vectors/corpus/cases.txt) built
# with g++ and clang++ (-std=c++17 -Wall -Wextra -Werror) and run plain, under
# AddressSanitizer + UBSan, and under valgrind; then the
# README's C++ example (examples/cpp/quickstart.cpp) is checked against the file, built
# against a `make install`ed copy and run. Installs clang and valgrind with apt-get when
# missing and running as root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/cpp-tests
rel=$root/target/release
mkdir -p "$out"

# apt_install PACKAGE COMMAND: installs PACKAGE when COMMAND is missing (as root only).
apt_install() {
  if ! command -v "$2" >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq "$1") >/dev/null
  fi
  command -v "$2" >/dev/null || { echo "test-cpp.sh: $2 is required (apt-get install $1)" >&2; exit 1; }
}
echo "== C++ wrapper covers the C API"
python3 tests/cpp/check_coverage.py include/jwks.h include/jwks.hpp

apt_install g++ g++
apt_install clang clang++
apt_install valgrind valgrind

cargo build --release --lib
# The library's soname is libjwks.so.0: programs linked against target/release load that name.
ln -sf libjwks.so "$rel/libjwks.so.0"
cargo run --release --quiet --example c_fixtures -- "$out/fixtures"

# DWARF 4: the valgrind of Debian 12 cannot read the DWARF 5 that clang 14 writes by default.
flags=(-std=c++17 -Wall -Wextra -Werror -gdwarf-4 -Iinclude)
sanitize=(-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Each test program and its argument.
programs=(jwks corpus)
declare -A input=([jwks]=$out/fixtures [corpus]=$root/tests/vectors/corpus/cases.txt)

for cxx in g++ clang++; do
  echo "== C++ tests: $cxx"
  for prog in "${programs[@]}"; do
    "$cxx" "${flags[@]}" "tests/cpp/test_$prog.cpp" -o "$out/${prog}_$cxx" -L"$rel" -ljwks -lpthread
    LD_LIBRARY_PATH=$rel "$out/${prog}_$cxx" "${input[$prog]}"
  done

  echo "== C++ tests: $cxx, AddressSanitizer + UndefinedBehaviorSanitizer"
  for prog in "${programs[@]}"; do
    "$cxx" "${flags[@]}" "${sanitize[@]}" "tests/cpp/test_$prog.cpp" -o "$out/${prog}_${cxx}_asan" -L"$rel" -ljwks -lpthread
    # Prove the binary is instrumented: an unchecked run would pass silently.
    symbols=$(nm "$out/${prog}_${cxx}_asan")
    grep '__asan_init' >/dev/null <<<"$symbols" || { echo "ASan not linked in ($cxx)"; exit 1; }
    grep '__ubsan_handle' >/dev/null <<<"$symbols" || { echo "UBSan not linked in ($cxx)"; exit 1; }
    LD_LIBRARY_PATH=$rel "$out/${prog}_${cxx}_asan" "${input[$prog]}"
  done

  echo "== C++ tests: $cxx, valgrind"
  for prog in "${programs[@]}"; do
    LD_LIBRARY_PATH=$rel valgrind --quiet --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
      "$out/${prog}_$cxx" "${input[$prog]}"
  done
done

echo "== C++ example from the README"
python3 - "$root/README.md" "$root/examples/cpp/quickstart.cpp" <<'PY'
import sys, textwrap
readme, example = (open(p).read() for p in sys.argv[1:])
begin, end = "  // README begin\n", "  // README end\n"
if example.count(begin) != 1 or example.count(end) != 1:
    sys.exit("examples/cpp/quickstart.cpp needs one README begin and one README end marker")
snippet = textwrap.dedent(example.split(begin)[1].split(end)[0])
if snippet.count("\n") > 10:
    sys.exit("the README's C++ example is longer than ten lines")
if "```cpp\n" + snippet + "```" not in readme:
    sys.exit("README.md's C++ example differs from examples/cpp/quickstart.cpp:\n" + snippet)
PY
prefix=$out/prefix
rm -rf "$prefix"
make --no-print-directory -s install PREFIX="$prefix" >/dev/null
test -f "$prefix/include/jwks.hpp" || { echo "make install does not install jwks.hpp"; exit 1; }
for cxx in g++ clang++; do
  "$cxx" -std=c++17 -Wall -Wextra -Werror examples/cpp/quickstart.cpp -o "$out/quickstart_$cxx" \
    -I"$prefix/include" -L"$prefix/lib" -ljwks
done
export LD_LIBRARY_PATH=$prefix/lib
token=$(cat "$out/fixtures/live.jwt")
said=$("$out/quickstart_g++" "$out/fixtures/jwks.json" "$token" https://issuer.test api)
[ "$said" = "valid: sub=user-42 alg=RS256" ] || { echo "quickstart said: $said"; exit 1; }
set +e
said=$("$out/quickstart_clang++" "$out/fixtures/jwks.json" "$token" https://issuer.test other)
rejected=$?
set -e
[ "$rejected" = 1 ] || { echo "quickstart: wrong audience should exit 1, got $rejected ($said)"; exit 1; }
case $said in "refused: "*"(WRONG_AUDIENCE)") ;; *) echo "quickstart said: $said"; exit 1 ;; esac

echo "C++ tests: all builds passed"
