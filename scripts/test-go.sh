#!/usr/bin/env bash
# Go bindings: builds libjwks (cargo build --release, a no-op when up to date), then in
# bindings/go checks formatting (gofmt -l), runs go vet and go test -race over every package,
# checks that test binaries link libjwks statically, and finally runs a few tests against a
# `make install`ed copy of the library through pkg-config (-tags jwks_pkgconfig).
# Needs Go (1.22 or later), a C compiler, cargo, make and pkg-config; Go modules are
# downloaded through the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }

command -v go >/dev/null || { echo "test-go.sh: go is not installed (https://go.dev/dl/)" >&2; exit 1; }
export CGO_ENABLED=1
# The cgo directives link target/release/libjwks.a, whatever CARGO_TARGET_DIR says.
unset CARGO_TARGET_DIR

step "cargo build --release"
cargo build --release --quiet
test -f target/release/libjwks.a

cd bindings/go
step "go mod download"
go mod download

step "gofmt -l"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "gofmt would change:" >&2
    echo "$unformatted" >&2
    exit 1
fi

step "go vet ./..."
go vet ./...

step "go test -race -count=1 ./..."
# A hang (a deadlock in a key fetch, say) fails in minutes rather than go test's default 10.
go test -race -count=1 -timeout 300s ./...

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "static linking: the test binary needs no libjwks.so"
go test -c -o "$tmp/static.test" .
if readelf -d "$tmp/static.test" | grep 'NEEDED.*libjwks' >/dev/null; then
    echo "the default build links libjwks dynamically" >&2
    exit 1
fi
"$tmp/static.test" -test.run 'TestVersion|TestVerifyEachAlgorithm' -test.count=1

step "pkg-config build (-tags jwks_pkgconfig) against make install PREFIX=$tmp/prefix"
make -C "$root" --quiet install PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# The go build cache keys on CGO_LDFLAGS but not on what pkg-config printed: naming this
# prefix here keeps a cached package from linking against an earlier, deleted prefix.
CGO_LDFLAGS="-L$tmp/prefix/lib" go test -tags jwks_pkgconfig -c -o "$tmp/pkgconfig.test" .
# (grep reads all of readelf's output: `grep -q` could close the pipe early under pipefail.)
if ! readelf -d "$tmp/pkgconfig.test" | grep 'NEEDED.*libjwks' >/dev/null; then
    echo "the jwks_pkgconfig build does not use the installed libjwks.so" >&2
    exit 1
fi
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/pkgconfig.test" -test.run 'TestVersion|TestVerifyEachAlgorithm|TestCodesMatchTheLibrary' -test.count=1

echo
echo "Go tests passed"
