#!/usr/bin/env bash
# The Go modules, the main one with the prebuilt static libjwks inside it.
#
#   scripts/dist-go.sh       writes dist/goproxy/, a Go module proxy directory (GOPROXY=file://...)
#                            holding, at the crate version, every Go module the repository
#                            publishes: github.com/jwks-project/jwks/bindings/go (the jwks
#                            package and the library), .../bindings/go/grpcjwks (the gRPC
#                            interceptors), .../bindings/go/jwksprom (the Prometheus collector) and
#                            .../bindings/go/jwksredis (the DPoP replay
#                            store over Redis), modules nested in the first; for each
#                            @v/list, vVERSION.info, vVERSION.mod, vVERSION.zip
#   scripts/dist-go.sh lib   only puts the library into the checkout (bindings/go/lib/jwks.h,
#                            bindings/go/lib/GOOS_GOARCH/libjwks.a and libjwks_sha256.go),
#                            which builds of the Go package from a checkout need
#
# The released library is libjwks.a linked against glibc 2.17 (scripts/dist-common.sh, the
# build the C tarball and the wheel ship); the checkout's (`lib`) is target/release/libjwks.a,
# the tests' build (cargo build --release when missing). Either is copied without its debug
# information, with include/jwks.h. Each module zip is made from the committed files of its
# directory, without tests and test helpers (they read the repository's test vectors) and
# without the modules nested in it, plus the library for the main module, by
# golang.org/x/mod/zip (scripts/dist-go/), and checked to build and vet before it is written.
#
# Each nested module is released as Go expects of one: its versions are tagged
# bindings/go/NAME/vX.Y.Z, it requires the main module at the same version, whose zip leaves
# its directory out (so that an import of the package has one module to come from), and it
# carries no `replace` (the checkout's points at ../). It is checked against the main module's
# zip just written, through the proxy directory, as its users will get it; its other
# requirements (gRPC, go-redis) come from the host's module cache or the Go module proxy,
# checked against its go.sum. Needs go (1.26 or later for the nested modules and scripts/dist-go; the main module
# needs 1.22), a C compiler, strip (binutils) and git; python3 and cargo for the release build.
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

if [ "$mode" = lib ]; then
    # The tests' build: cargo's for its host, which must be the platform above.
    library=target/release/libjwks.a
    if [ ! -f "$library" ]; then
        command -v cargo >/dev/null || die "$library is missing and cargo is not installed"
        (unset CARGO_TARGET_DIR; cargo build --release --quiet -p jwks-capi)
    fi
else
    command -v cargo >/dev/null || die "cargo is not installed (it builds libjwks)"
    # shellcheck source=scripts/dist-common.sh
    . scripts/dist-common.sh
    # -p jwks-capi: libjwks on its own, without the features the tool turns on.
    dist_build -p jwks-capi --lib
    library=$dist_out/libjwks.a
fi
case $(od -An -tx1 -j0 -N8 "$library" | tr -d ' \n') in
    213c617263683e0a) ;; # "!<arch>\n"
    *) die "$library is not an ar archive" ;;
esac
if command -v readelf >/dev/null; then
    machines=$(readelf -h "$library" 2>/dev/null | sed -n 's/^ *Machine: *//p' | sort -u)
    [ "$machines" = "Advanced Micro Devices X86-64" ] ||
        die "$library is not for $platform (objects for: ${machines:-nothing})"
fi

# Copies the library and header into $1 (a module root): lib/jwks.h, lib/$platform/libjwks.a.
place_lib() {
    local dest=$1
    mkdir -p "$dest/lib/$platform"
    # --strip-debug keeps the symbol tables the linker needs; the debug info is most of the
    # archive's size (74 MB -> 25 MB with [profile.release] debug = 1).
    strip --strip-debug -o "$dest/lib/$platform/libjwks.a.tmp" "$library"
    mv "$dest/lib/$platform/libjwks.a.tmp" "$dest/lib/$platform/libjwks.a"
    cp include/jwks.h "$dest/lib/jwks.h"
    # The go command hashes neither the header nor files named in #cgo LDFLAGS, so a new
    # library would leave packages and test results cached. Their hashes in a constant of the
    # package imported next to the archive change its export data, which the go command does
    # hash: the package jwks is rebuilt, and its tests rerun.
    local sum
    sum=$(cat "$dest/lib/$platform/libjwks.a" "$dest/lib/jwks.h" | sha256sum | cut -d' ' -f1)
    cat >"$dest/lib/$platform/libjwks_sha256.go" <<EOF
// Code generated by scripts/dist-go.sh; DO NOT EDIT.

package ${platform//_/}

// LibrarySHA256 is the SHA-256 of libjwks.a next to this file followed by ../jwks.h, so that a
// change of the library changes this package for the go command's caches.
const LibrarySHA256 = "$sum"
EOF
}

if [ "$mode" = lib ]; then
    place_lib bindings/go
    echo "dist-go.sh: bindings/go/lib/jwks.h and bindings/go/lib/$platform/libjwks.a are in place"
    exit 0
fi

# module_of DIR: the module path in DIR/go.mod.
module_of() { sed -n 's/^module[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$1/go.mod"; }
module=$(module_of bindings/go)
[ -n "$module" ] || die "no module line in bindings/go/go.mod"
# The nested modules that are released with the main one.
nested_modules="grpcjwks jwksprom jwksredis"
for name in $nested_modules; do
    [ "$(module_of "bindings/go/$name")" = "$module/$name" ] ||
        die "bindings/go/$name/go.mod names '$(module_of "bindings/go/$name")', not $module/$name"
done
# The modules are versioned with the crate: [workspace.package] version in Cargo.toml.
version=$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" { gsub(/[" ]/, "", $3); print $3; exit }
' Cargo.toml)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read [workspace.package] version from Cargo.toml (got '$version')"
version=v$version
case $module in
    *[A-Z]*) die "module path $module has upper-case letters: the proxy layout would need escaping" ;;
esac
# Each nested module must require the main module at the version released with it.
for name in $nested_modules; do
    required=$(awk -v m="$module" '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' "bindings/go/$name/go.mod")
    [ "$required" = "$version" ] ||
        die "bindings/go/$name/go.mod requires $module ${required:-(nothing)}, not $version: update its require line"
done

tmp=$(mktemp -d)
# The module cache is read-only (go's choice): make it writable so that it can be removed.
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# stage_module SRC DEST: the committed files of the module in SRC, except tests, test helpers,
# test data and the modules nested in it, into DEST.
stage_module() {
    local src=$1 dest=$2 f rel nested
    nested=$(git ls-files -- "$src" | sed -n "s|^$src/\(.*\)/go\.mod\$|\1/|p")
    mkdir -p "$dest"
    while IFS= read -r -d '' f; do
        rel=${f#"$src"/}
        case $rel in
            *_test.go | internal/jwttest/* | internal/ringfloor/* | */testdata/* | testdata/* | .gitignore) continue ;;
        esac
        for n in $nested; do case $rel in "$n"*) continue 2 ;; esac; done
        [ -f "$f" ] || continue
        mkdir -p "$dest/$(dirname "$rel")"
        cp "$f" "$dest/$rel"
    done < <(git ls-files -z -- "$src")
    [ -f "$dest/go.mod" ] || die "$src/go.mod is not committed"
    # The licence of the repository, when it has one, travels with the module (pkg.go.dev shows
    # only modules with a recognised licence file at their root).
    for f in LICENSE LICENSE-APACHE COPYING; do
        if [ -f "$f" ] && [ ! -e "$dest/LICENSE" ]; then cp "$f" "$dest/LICENSE"; fi
    done
}

# publish MODULE STAGE: writes the module zip, .mod, .info and list into dist/goproxy.
publish() {
    local mod=$1 stage=$2 out
    out=dist/goproxy/$mod/@v
    mkdir -p "$out"
    (cd scripts/dist-go && GOWORK=off go run . "$mod" "$version" "$stage" "$root/$out/$version.zip")
    cp "$stage/go.mod" "$out/$version.mod"
    # The time of the release is the commit's (UTC, RFC 3339), so that the .info is reproducible.
    printf '{"Version":"%s","Time":"%s"}\n' "$version" "$when" >"$out/$version.info"
    printf '%s\n' "$version" >"$out/list"
    local size
    size=$(stat -c %s "$out/$version.zip")
    echo "dist-go.sh: $out/$version.zip: $size bytes (limit $zip_limit)"
    [ "$size" -le "$zip_limit" ] || die "the module zip of $mod is larger than $zip_limit bytes"
}
zip_limit=$(python3 scripts/sizes.py limit go.zip)
when=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
rm -rf dist/goproxy

# The main module: the jwks package and the library.
stage=$tmp/module
stage_module bindings/go "$stage"
place_lib "$stage"
# The tests' requirements (golang-jwt) are not needed by what ships: tidy drops them, offline.
(cd "$stage" && GOFLAGS=-mod=mod GOPROXY=off GOWORK=off go mod tidy)
# (An empty go.sum says nothing; leave it out.)
[ -s "$stage/go.sum" ] || rm -f "$stage/go.sum"
# What ships must build and vet as it is, from its own directory.
(cd "$stage" && CGO_ENABLED=1 GOFLAGS=-mod=readonly GOPROXY=off GOWORK=off go vet ./...)
publish "$module" "$stage"

# The nested modules, each checked against the main module as just published: a module
# cache of their own (the host's must never hold this version of the main module, which changes
# with every build until the release), the proxy directory first, then the host's module cache
# and its proxy for gRPC, go-redis and the rest, whose hashes their go.sum holds; no checksum
# database for the repository's own modules, which it does not know before they are published.
host_modcache=$(go env GOMODCACHE)
upstream=$(go env GOPROXY)
for name in $nested_modules; do
    nested_stage=$tmp/$name
    stage_module "bindings/go/$name" "$nested_stage"
    (cd "$nested_stage" && go mod edit -dropreplace="$module")
    (
        cd "$nested_stage"
        export GOMODCACHE=$tmp/modcache GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=1
        export GOPROXY="file://$root/dist/goproxy,file://$host_modcache/cache/download,$upstream"
        export GONOSUMDB=${module%/bindings/go}
        go mod tidy
        go vet ./...
        # The main module as published, at the version released with it.
        [ "$(go list -m -f '{{.Version}}' "$module")" = "$version" ] || die "$name does not build against $module $version"
        case $(go list -m -f '{{.Dir}}' "$module") in
            "$GOMODCACHE"/*) ;;
            *) die "$name was checked against a $module outside the module cache" ;;
        esac
    )
    if grep -E '^[[:space:]]*replace' "$nested_stage/go.mod"; then die "the $name go.mod keeps a replace"; fi
    publish "$module/$name" "$nested_stage"
done
