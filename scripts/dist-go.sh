#!/usr/bin/env bash
# The Go module with the prebuilt static libjwks inside it.
#
#   scripts/dist-go.sh       writes dist/goproxy/, a Go module proxy directory (GOPROXY=file://...)
#                            holding github.com/jwks-project/jwks/bindings/go at the crate version:
#                            @v/list, vVERSION.info, vVERSION.mod, vVERSION.zip
#   scripts/dist-go.sh lib   only puts the library into the checkout (bindings/go/lib/jwks.h and
#                            bindings/go/lib/GOOS_GOARCH/libjwks.a), which builds of the Go
#                            package from a checkout need
#
# The library is target/release/libjwks.a (built with cargo build --release when missing),
# copied without its debug information, and include/jwks.h. The module zip is made from the
# committed files of bindings/go, without tests and test helpers (they read the repository's
# test vectors), plus the library, by golang.org/x/mod/zip (scripts/dist-go/), and checked to
# build and vet before it is written. Needs go, a C compiler, strip (binutils) and git.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

die() { echo "dist-go.sh: $*" >&2; exit 1; }

mode=${1:-proxy}
case $mode in
    proxy | lib) ;;
    *) die "usage: scripts/dist-go.sh [lib]" ;;
esac

command -v go >/dev/null || die "go is not installed (https://go.dev/dl/)"
command -v strip >/dev/null || die "strip is not installed (binutils)"

# Only linux/amd64 has a platform file (bindings/go/lib_linux_amd64.go) today.
platform=$(go env GOHOSTOS)_$(go env GOHOSTARCH)
[ "$platform" = linux_amd64 ] || die "no prebuilt library for $platform: only linux_amd64 is supported"

# libjwks.a is built for the host by cargo; make sure cargo's host is the same platform.
if [ ! -f target/release/libjwks.a ]; then
    command -v cargo >/dev/null || die "target/release/libjwks.a is missing and cargo is not installed"
    (unset CARGO_TARGET_DIR; cargo build --release --quiet -p jwks-capi)
fi
case $(od -An -tx1 -j0 -N8 target/release/libjwks.a | tr -d ' \n') in
    213c617263683e0a) ;; # "!<arch>\n"
    *) die "target/release/libjwks.a is not an ar archive" ;;
esac

# Copies the library and header into $1 (a module root): lib/jwks.h, lib/$platform/libjwks.a.
place_lib() {
    local dest=$1
    mkdir -p "$dest/lib/$platform"
    # --strip-debug keeps the symbol tables the linker needs; the debug info is most of the
    # archive's size (74 MB -> 25 MB with [profile.release] debug = 1).
    strip --strip-debug -o "$dest/lib/$platform/libjwks.a.tmp" target/release/libjwks.a
    mv "$dest/lib/$platform/libjwks.a.tmp" "$dest/lib/$platform/libjwks.a"
    cp include/jwks.h "$dest/lib/jwks.h"
}

if [ "$mode" = lib ]; then
    place_lib bindings/go
    echo "dist-go.sh: bindings/go/lib/jwks.h and bindings/go/lib/$platform/libjwks.a are in place"
    exit 0
fi

module=$(sed -n 's/^module[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' bindings/go/go.mod)
[ -n "$module" ] || die "no module line in bindings/go/go.mod"
# The module is versioned with the crate: [workspace.package] version in Cargo.toml.
version=$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" { gsub(/[" ]/, "", $3); print $3; exit }
' Cargo.toml)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read [workspace.package] version from Cargo.toml (got '$version')"
version=v$version
case $module in
    *[A-Z]*) die "module path $module has upper-case letters: the proxy layout would need escaping" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/module

# The committed files of the module, except tests, test helpers and test data.
mkdir -p "$stage"
git ls-files -z -- bindings/go | while IFS= read -r -d '' f; do
    rel=${f#bindings/go/}
    case $rel in
        *_test.go | internal/jwttest/* | internal/ringfloor/* | */testdata/* | testdata/* | .gitignore) continue ;;
    esac
    [ -f "$f" ] || continue
    mkdir -p "$stage/$(dirname "$rel")"
    cp "$f" "$stage/$rel"
done
[ -f "$stage/go.mod" ] || die "bindings/go/go.mod is not committed"
place_lib "$stage"
# The licence of the repository, when it has one, travels with the module (pkg.go.dev shows
# only modules with a recognised licence file at their root).
for f in LICENSE LICENSE-APACHE COPYING; do
    if [ -f "$f" ] && [ ! -e "$stage/LICENSE" ]; then cp "$f" "$stage/LICENSE"; fi
done

# The tests' requirements (golang-jwt) are not needed by what ships: tidy drops them, offline.
(cd "$stage" && GOFLAGS=-mod=mod GOPROXY=off GOWORK=off go mod tidy)
# (An empty go.sum says nothing; leave it out.)
[ -s "$stage/go.sum" ] || rm -f "$stage/go.sum"

# What ships must build and vet as it is, from its own directory.
(cd "$stage" && CGO_ENABLED=1 GOFLAGS=-mod=readonly GOPROXY=off GOWORK=off go vet ./...)

out=dist/goproxy/$module/@v
rm -rf dist/goproxy
mkdir -p "$out"
(cd scripts/dist-go && GOWORK=off go run . "$module" "$version" "$stage" "$root/$out/$version.zip")
cp "$stage/go.mod" "$out/$version.mod"
# The time of the release is the commit's (UTC, RFC 3339), so that the .info is reproducible.
when=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
printf '{"Version":"%s","Time":"%s"}\n' "$version" "$when" > "$out/$version.info"
printf '%s\n' "$version" > "$out/list"

size=$(stat -c %s "$out/$version.zip")
limit=12000000
echo "dist-go.sh: $out/$version.zip: $size bytes (limit 12000000)"
[ "$size" -le "$limit" ] || die "the module zip is larger than 12 MB"
