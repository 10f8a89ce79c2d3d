#!/usr/bin/env bash
# Installs the C release tarball the way a C user does, with no Rust toolchain on PATH:
# unpacks dist/jwks-VERSION-linux-x86_64.tar.gz into a temporary directory, checks its layout,
# and through its jwks.pc builds examples/c/quickstart.c three ways, each verifying tokens made
# by the tarball's own `bin/jwks`:
#   1. dynamically (libjwks.so found through an rpath);
#   2. with libjwks.a and the system libraries shared (no libjwks.so needed: checked with
#      readelf, then run with every libjwks.so of the tarball deleted);
#   3. fully static (`cc -static`: no dynamic section at all);
# and the C++ quickstart against jwks.hpp when the repository has the wrapper; then the tree
# copied under a prefix (cp -a), found through its copied jwks.pc, and a symbolic link to
# jwks.pc, which names the link's directory as the prefix (the README says to copy); and the
# quickstart linked against libjwks.a with glibc 2.17 (zig cc, ziglang from PyPI as in
# scripts/dist-common.sh), which runs and needs nothing newer.
# Then checks the sizes of the shipped binaries. Run by scripts/test-dist.sh after `make dist`.
# Usage: scripts/test-dist-c.sh [DIST_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=${1:-$root/dist}
fail() { echo "test-dist-c: FAIL: $*" >&2; exit 1; }

if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  fail "cargo or rustc is on PATH; run scripts/test-dist.sh, which removes them from PATH"
fi

shopt -s nullglob
tarballs=("$dist"/jwks-*-linux-x86_64.tar.gz)
[ ${#tarballs[@]} = 1 ] || fail "expected one $dist/jwks-*-linux-x86_64.tar.gz, found ${#tarballs[@]}"
tarball=${tarballs[0]}
version=$(basename "$tarball" | sed 's/^jwks-\(.*\)-linux-x86_64\.tar\.gz$/\1/')
major=${version%%.*}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
pkg=$tmp/jwks-$version
[ -d "$pkg" ] || fail "the tarball does not unpack into jwks-$version/"

echo "== layout of $(basename "$tarball")"
for f in include/jwks.h "lib/libjwks.so.$version" lib/libjwks.a lib/pkgconfig/jwks.pc bin/jwks \
  LICENSE README share/jwks/quickstart.c; do
  [ -f "$pkg/$f" ] || fail "missing $f"
done
[ "$(readlink "$pkg/lib/libjwks.so.$major")" = "libjwks.so.$version" ] || fail "bad soname link"
[ "$(readlink "$pkg/lib/libjwks.so")" = "libjwks.so.$major" ] || fail "bad dev link"
readelf -d "$pkg/lib/libjwks.so.$version" | grep "Library soname: \[libjwks.so.$major\]" >/dev/null \
  || fail "libjwks.so has no soname libjwks.so.$major"
grep -q 'Apache License' "$pkg/LICENSE" || fail "LICENSE is not the Apache-2.0 text"
cmp -s "$pkg/include/jwks.h" include/jwks.h || fail "include/jwks.h differs from the repository's"
cmp -s "$pkg/share/jwks/quickstart.c" examples/c/quickstart.c || fail "quickstart.c differs"
# Shipped binaries carry no debug information and, but for the archive, no symbol table.
for f in "lib/libjwks.so.$version" bin/jwks lib/libjwks.a; do
  if readelf -S -W "$pkg/$f" 2>/dev/null | grep '\.debug_'; then fail "$f has debug sections"; fi
done
for f in "lib/libjwks.so.$version" bin/jwks; do
  if readelf -S -W "$pkg/$f" | grep ' \.symtab '; then fail "$f is not stripped"; fi
done

echo "== bin/jwks --version"
said=$("$pkg/bin/jwks" --version)
[ "$said" = "jwks $version" ] || fail "bin/jwks --version said '$said'"

echo "== tokens made with bin/jwks"
fx=$tmp/fixtures
mkdir -p "$fx"
"$pkg/bin/jwks" keygen --alg ES256 --kid ec-1 --out "$fx/ec.key" --jwk-out "$fx/ec.jwk"
"$pkg/bin/jwks" keygen --alg RS256 --rsa-pem tests/data/rsa2048.pem --kid rsa-1 \
  --out "$fx/rsa.key" --jwk-out "$fx/rsa.jwk"
printf '{"keys":[%s,%s]}\n' "$(cat "$fx/ec.jwk")" "$(cat "$fx/rsa.jwk")" > "$fx/jwks.json"
iss=https://issuer.test
"$pkg/bin/jwks" sign --key "$fx/ec.key" --iss "$iss" --aud api --sub alice --exp-in 1h > "$fx/ec.jwt"
"$pkg/bin/jwks" sign --key "$fx/rsa.key" --iss "$iss" --aud api --sub bob --exp-in 1h > "$fx/rsa.jwt"
"$pkg/bin/jwks" sign --key "$fx/ec.key" --iss "$iss" --aud api --sub carol --exp-in -1h > "$fx/expired.jwt"

# check PROGRAM: the quickstart accepts the two valid tokens and rejects the others (exit 1).
check() {
  local prog=$1 said status
  said=$("$prog" "$fx/jwks.json" "$(cat "$fx/ec.jwt")" "$iss" api)
  [ "$said" = "valid: sub=alice alg=ES256 kid=ec-1" ] || fail "$prog said '$said'"
  said=$("$prog" "$fx/jwks.json" "$(cat "$fx/rsa.jwt")" "$iss" api)
  [ "$said" = "valid: sub=bob alg=RS256 kid=rsa-1" ] || fail "$prog said '$said'"
  set +e
  said=$("$prog" "$fx/jwks.json" "$(cat "$fx/ec.jwt")" "$iss" other)
  status=$?
  set -e
  [ "$status" = 1 ] && [[ "$said" == *WRONG_AUDIENCE* ]] || fail "$prog: wrong audience gave $status '$said'"
  set +e
  said=$("$prog" "$fx/jwks.json" "$(cat "$fx/expired.jwt")" "$iss" api)
  status=$?
  set -e
  [ "$status" = 1 ] && [[ "$said" == *EXPIRED* ]] || fail "$prog: expired token gave $status '$said'"
}

export PKG_CONFIG_PATH=$pkg/lib/pkgconfig
command -v pkg-config >/dev/null || fail "pkg-config is required"
[ "$(pkg-config --modversion jwks)" = "$version" ] || fail "pkg-config finds another jwks"
cflags=(-std=c11 -Wall -Wextra -Werror)
src=$pkg/share/jwks/quickstart.c
libdir=$(pkg-config --variable=libdir jwks)

echo "== dynamic: cc app.c \$(pkg-config --cflags --libs jwks)"
# shellcheck disable=SC2046
cc "${cflags[@]}" "$src" -o "$tmp/quickstart-dynamic" $(pkg-config --cflags --libs jwks) \
  -Wl,-rpath,"$pkg/lib"
readelf -d "$tmp/quickstart-dynamic" | grep "NEEDED.*\[libjwks.so.$major\]" >/dev/null \
  || fail "the dynamic build does not load libjwks.so.$major"
check "$tmp/quickstart-dynamic"
# Also as the README says without an rpath: LD_LIBRARY_PATH.
# shellcheck disable=SC2046
cc "${cflags[@]}" "$src" -o "$tmp/quickstart-ldpath" $(pkg-config --cflags --libs jwks)
LD_LIBRARY_PATH=$pkg/lib check "$tmp/quickstart-ldpath"

echo "== static libjwks.a, shared system libraries"
# shellcheck disable=SC2046
cc "${cflags[@]}" "$src" -o "$tmp/quickstart-static" $(pkg-config --cflags jwks) \
  "$libdir/libjwks.a" $(pkg-config --variable=syslibs jwks)
if readelf -d "$tmp/quickstart-static" | grep 'libjwks'; then fail "the static build needs libjwks.so"; fi

echo "== fully static: cc -static app.c \$(pkg-config --cflags --static --libs jwks)"
# glibc warns that getaddrinfo in a static program loads the NSS modules of the glibc it was
# built with at run time: true, and the reason the README recommends the build above.
# shellcheck disable=SC2046
cc "${cflags[@]}" -static "$src" -o "$tmp/quickstart-full-static" \
  $(pkg-config --cflags --static --libs jwks) 2>"$tmp/static-link.log" \
  || { cat "$tmp/static-link.log" >&2; fail "cc -static failed"; }
if readelf -d "$tmp/quickstart-full-static" 2>/dev/null | grep NEEDED; then
  fail "the fully static build has dynamic dependencies"
fi
if readelf -l "$tmp/quickstart-full-static" | grep 'program interpreter' >/dev/null; then
  fail "the fully static build has a program interpreter"
fi

# The C++ wrapper, when the repository has one: the tarball carries it, and the C++ quickstart
# builds against the tarball's static library and verifies.
if [ -f include/jwks.hpp ]; then
  echo "== C++: jwks.hpp and share/jwks/quickstart.cpp, static libjwks.a"
  cmp -s "$pkg/include/jwks.hpp" include/jwks.hpp || fail "include/jwks.hpp missing or different"
  cmp -s "$pkg/share/jwks/quickstart.cpp" examples/cpp/quickstart.cpp || fail "quickstart.cpp missing or different"
  # shellcheck disable=SC2046
  c++ -std=c++17 -Wall -Wextra -Werror "$pkg/share/jwks/quickstart.cpp" -o "$tmp/quickstart-cpp" \
    $(pkg-config --cflags jwks) "$libdir/libjwks.a" $(pkg-config --variable=syslibs jwks)
  said=$("$tmp/quickstart-cpp" "$fx/jwks.json" "$(cat "$fx/ec.jwt")" "$iss" api)
  [ "$said" = "valid: sub=alice alg=ES256" ] || fail "the C++ quickstart said '$said'"
  set +e
  said=$("$tmp/quickstart-cpp" "$fx/jwks.json" "$(cat "$fx/expired.jwt")" "$iss" api)
  status=$?
  set -e
  [ "$status" = 1 ] && [[ "$said" == *EXPIRED* ]] || fail "C++: expired token gave $status '$said'"
fi

echo "== the tree copied under a prefix; jwks.pc copied, not linked"
prefix=$tmp/prefix
mkdir -p "$prefix"
cp -a "$pkg/include" "$pkg/lib" "$pkg/bin" "$pkg/share" "$prefix/"
# shellcheck disable=SC2046
PKG_CONFIG_PATH=$prefix/lib/pkgconfig cc "${cflags[@]}" "$src" -o "$tmp/quickstart-prefix" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs jwks) -Wl,-rpath,"$prefix/lib"
readelf -d "$tmp/quickstart-prefix" | grep -F "RUNPATH" | grep -F "$prefix/lib" >/dev/null \
  || fail "the copied tree's build has no rpath to $prefix/lib"
check "$tmp/quickstart-prefix"
linked=$tmp/linked/lib/pkgconfig
mkdir -p "$linked"
ln -s "$prefix/lib/pkgconfig/jwks.pc" "$linked/jwks.pc"
said=$(PKG_CONFIG_PATH=$linked pkg-config --variable=includedir jwks)
[ "$(cd "$said" 2>/dev/null && pwd)" != "$(cd "$prefix/include" && pwd)" ] \
  || fail "a symbolic link to jwks.pc found the real prefix: the README's warning is out of date"
echo "  a symbolic link to jwks.pc names $said (as the README warns)"

echo "== libjwks.a linked with glibc 2.17 (zig cc -target x86_64-linux-gnu.2.17)"
zig_pin=$(sed -n 's/^dist_zig_tools=(\(ziglang==[^ )]*\).*/\1/p' scripts/dist-common.sh)
[ -n "$zig_pin" ] || fail "no ziglang pin in scripts/dist-common.sh"
python3 -m venv "$tmp/zig-venv"
"$tmp/zig-venv/bin/python" -m pip install --quiet "$zig_pin"
# zig brings its own unwinder (libunwind) in place of libgcc_eh.
syslibs_zig=$(pkg-config --variable=syslibs jwks | sed 's/-lgcc_eh/-lunwind/')
# shellcheck disable=SC2046,SC2086
"$tmp/zig-venv/bin/python" -m ziglang cc -target x86_64-linux-gnu.2.17 -std=c11 -Wall -Werror "$src" \
  -o "$tmp/quickstart-glibc217" $(pkg-config --cflags jwks) "$libdir/libjwks.a" $syslibs_zig \
  || fail "the quickstart does not link against libjwks.a with glibc 2.17"
"$root/scripts/glibc-needs.py" --max 2.17 "$tmp/quickstart-glibc217" \
  || fail "the quickstart linked with glibc 2.17 needs a newer one"
check "$tmp/quickstart-glibc217"

# Without any libjwks.so the two static builds still run (and the dynamic one cannot).
rm -f "$pkg"/lib/libjwks.so*
check "$tmp/quickstart-static"
check "$tmp/quickstart-full-static"
if "$tmp/quickstart-dynamic" "$fx/jwks.json" x "$iss" api >/dev/null 2>&1; then
  fail "the dynamic build ran without libjwks.so: the deletion above proves nothing"
fi

echo "== sizes"
tar -xzf "$tarball" -C "$tmp" "jwks-$version/lib/libjwks.so.$version"
so=$(stat -c %s "$pkg/lib/libjwks.so.$version")
a=$(stat -c %s "$pkg/lib/libjwks.a")
bin=$(stat -c %s "$pkg/bin/jwks")
limit=$(python3 scripts/sizes.py limit libjwks.so)
printf '  libjwks.so %d bytes (limit %d), libjwks.a %d, bin/jwks %d, tarball %d\n' \
  "$so" "$limit" "$a" "$bin" "$(stat -c %s "$tarball")"
[ "$so" -le "$limit" ] || fail "stripped libjwks.so is $so bytes, over the limit of $limit"

echo "test-dist-c: tarball installs, links dynamically, statically and fully statically, verifies"
