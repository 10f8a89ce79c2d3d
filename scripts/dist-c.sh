#!/usr/bin/env bash
# The C release: dist/jwks-VERSION-linux-x86_64.tar.gz, unpacked as
#   jwks-VERSION/include/jwks.h                  (and jwks.hpp when the repository has one)
#   jwks-VERSION/lib/libjwks.so.VERSION          stripped, soname libjwks.so.MAJOR
#   jwks-VERSION/lib/libjwks.so.MAJOR -> libjwks.so.VERSION, libjwks.so -> libjwks.so.MAJOR
#   jwks-VERSION/lib/libjwks.a                   debug info stripped
#   jwks-VERSION/lib/pkgconfig/jwks.pc           prefix relative to the .pc file (${pcfiledir})
#   jwks-VERSION/bin/jwks                        stripped
#   jwks-VERSION/share/jwks/quickstart.c (and quickstart.cpp with jwks.hpp), LICENSE, README
# The archive is reproducible: fixed owner, order and times (SOURCE_DATE_EPOCH, else the time of
# the last commit). Usage: scripts/dist-c.sh [OUT_DIR]   (default: dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$root/dist}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
[ -n "$version" ] || { echo "dist-c.sh: no version in Cargo.toml" >&2; exit 1; }
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "dist-c.sh: builds linux-x86_64 only" >&2; exit 1; }
name=jwks-$version
tarball=$out/$name-linux-x86_64.tar.gz
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# Linked against glibc 2.17 (scripts/dist-common.sh), the build the wheel and the Go module
# ship too. libjwks on its own, so that it is built without the tool's features (Cargo.toml).
# shellcheck source=scripts/dist-common.sh
. scripts/dist-common.sh
dist_build -p jwks-capi --lib
dist_build -p jwkskit-cli --bin jwks
rel=$dist_out
if [ "$dist_glibc" = system ]; then glibc_note="the build machine's glibc"; else glibc_note="glibc $dist_glibc or later"; fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
d=$stage/$name
install -d "$d/include" "$d/lib/pkgconfig" "$d/bin" "$d/share/jwks"

install -m 0644 include/jwks.h "$d/include/jwks.h"
if [ -f include/jwks.hpp ]; then install -m 0644 include/jwks.hpp "$d/include/jwks.hpp"; fi

# --strip-unneeded keeps the dynamic symbol table (the jwks_ functions) and drops the rest.
strip --strip-unneeded -o "$d/lib/libjwks.so.$version" "$rel/libjwks.so"
chmod 0755 "$d/lib/libjwks.so.$version"
soname=$(readelf -d "$d/lib/libjwks.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libjwks.so.$major" ] || { echo "dist-c.sh: soname is '$soname'" >&2; exit 1; }
ln -s "libjwks.so.$version" "$d/lib/libjwks.so.$major"
ln -s "libjwks.so.$major" "$d/lib/libjwks.so"
# Only debug sections: the archive's symbol tables are what a linker needs.
strip --strip-debug -o "$d/lib/libjwks.a" "$rel/libjwks.a"
chmod 0644 "$d/lib/libjwks.a"
strip -o "$d/bin/jwks" "$rel/jwks"
chmod 0755 "$d/bin/jwks"

sed -e 's|@PREFIX@|${pcfiledir}/../..|' -e "s|@VERSION@|$version|" jwks.pc.in \
  > "$d/lib/pkgconfig/jwks.pc"
install -m 0644 examples/c/quickstart.c "$d/share/jwks/quickstart.c"
if [ -f include/jwks.hpp ] && [ -f examples/cpp/quickstart.cpp ]; then
  install -m 0644 examples/cpp/quickstart.cpp "$d/share/jwks/quickstart.cpp"
fi
install -m 0644 LICENSE "$d/LICENSE"
cat > "$d/README" <<EOF
jwks $version for linux x86_64 ($glibc_note): verify JSON Web Tokens against JSON Web Key Sets.

  include/jwks.h       the C API; every function documents ownership and thread safety
  include/jwks.hpp     the header-only C++17 wrapper (when present), linked like C
  lib/libjwks.so*      the shared library (soname libjwks.so.$major)
  lib/libjwks.a        the static library
  lib/pkgconfig/       jwks.pc, usable where this directory is unpacked
  bin/jwks             the command-line tool (jwks --help)
  share/jwks/          quickstart.c (and quickstart.cpp), complete examples

Point pkg-config at this copy, or copy its directories under a prefix
(cp -a include lib bin share /usr/local/):

  export PKG_CONFIG_PATH=\$PWD/lib/pkgconfig

lib/pkgconfig/jwks.pc finds the rest relative to the directory where pkg-config finds it, so
copy it with the tree: a symbolic link to it from another directory names the wrong prefix.

Dynamic link (run with LD_LIBRARY_PATH=\$PWD/lib, or keep the -rpath):

  cc app.c \$(pkg-config --cflags --libs jwks) -Wl,-rpath,\$PWD/lib

Static libjwks, system libraries shared (the program does not need libjwks.so):

  cc app.c \$(pkg-config --cflags jwks) \$(pkg-config --variable=libdir jwks)/libjwks.a \\
     \$(pkg-config --variable=syslibs jwks)

Fully static executable:

  cc -static app.c \$(pkg-config --cflags --static --libs jwks)

Licence: Apache-2.0 (LICENSE).
EOF
chmod 0644 "$d/README"

mkdir -p "$out"
rm -f "$tarball"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  --mode='u+rwX,go+rX,go-w' -C "$stage" -cf - "$name" | gzip -9 -n > "$tarball"
echo "dist-c.sh: $tarball ($(stat -c %s "$tarball") bytes)"
