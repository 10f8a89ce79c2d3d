#!/usr/bin/env bash
# Go bindings: builds libjwks (cargo build --release, a no-op when up to date) and puts it into
# bindings/go/lib (scripts/dist-go.sh lib), then in bindings/go checks formatting (gofmt -l),
# runs go vet and go test -race over every package (and the corpus test again with -v, for the
# counts it logs), checks that test binaries link libjwks statically and that a checkout
# without the prebuilt library fails with a message saying what to do, and finally runs a few tests against a `make install`ed copy of the library
# through pkg-config (-tags jwks_pkgconfig). scripts/test-dist-go.sh tests the released module.
# Needs Go 1.26 or later (grpcjwks's, jwksprom's and jwksredis's go.mod; the jwks module alone
# needs 1.22), a C compiler, cargo, make, pkg-config and redis-server (installed with apt-get
# when missing, as root); Go modules are downloaded through the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }

command -v go >/dev/null || { echo "test-go.sh: go is not installed (https://go.dev/dl/)" >&2; exit 1; }
export CGO_ENABLED=1
# scripts/dist-go.sh copies target/release/libjwks.a, whatever CARGO_TARGET_DIR says.
unset CARGO_TARGET_DIR

step "cargo build --release -p jwks-capi; the prebuilt library into bindings/go/lib"
# libjwks on its own, so that it is built without the tool's features (Cargo.toml).
cargo build --release --quiet -p jwks-capi
test -f target/release/libjwks.a
# The cgo directives link bindings/go/lib/linux_amd64/libjwks.a (as in the released module).
./scripts/dist-go.sh lib

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

step "the cross-language corpus (tests/vectors/corpus/cases.txt): what TestCorpus counted"
# go test shows a passing test's log only with -v.
corpus_log=$(go test -race -count=1 -run '^TestCorpus$' -v . 2>&1) || { echo "$corpus_log"; exit 1; }
grep -F 'corpus (Go):' <<<"$corpus_log" || { echo "$corpus_log"; echo "TestCorpus printed no counts" >&2; exit 1; }

step "grpcjwks (a module of its own, gRPC interceptors): go vet, go test -race"
(cd grpcjwks && go mod download && go vet ./... && go test -race -count=1 -timeout 300s ./...)

step "jwksprom (a module of its own, the Prometheus collector): go vet, go test -race"
(cd jwksprom && go mod download && go vet ./... && go test -race -count=1 -timeout 300s ./...)

step "jwksredis (a module of its own, the DPoP replay store over Redis): go vet, go test -race"
# Its tests run their own redis-server on 127.0.0.1 (a free port, nothing saved) and fail
# without one: install Debian's when it is missing and we may.
if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    else
        echo "test-go.sh: jwksredis needs redis-server (Debian: apt-get install redis-server)" >&2
        exit 1
    fi
fi
(cd jwksredis && go mod download && go vet ./... && go test -race -count=1 -timeout 300s ./...)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "static linking: the test binary needs no libjwks.so"
go test -c -o "$tmp/static.test" .
if readelf -d "$tmp/static.test" | grep 'NEEDED.*libjwks' >/dev/null; then
    echo "the default build links libjwks dynamically" >&2
    exit 1
fi
"$tmp/static.test" -test.run 'TestVersion|TestVerifyEachAlgorithm' -test.count=1

step "a checkout without the prebuilt library: the build says what to do"
# A copy of the module's committed files (no lib/jwks.h, no libjwks.a). Its directory is new,
# so the build cache (whose keys include the package directory) cannot answer for it.
mkdir "$tmp/bare"
git -C "$root" ls-files -z -- bindings/go | while IFS= read -r -d '' f; do
    mkdir -p "$tmp/bare/$(dirname "${f#bindings/go/}")"
    cp "$root/$f" "$tmp/bare/${f#bindings/go/}"
done
test ! -e "$tmp/bare/lib/linux_amd64/libjwks.a"
# bare_build NAME: go build in the copy must fail, naming the archive and the command to run.
bare_build() {
    if (cd "$tmp/bare" && go build -o /dev/null . >"$tmp/$1.log" 2>&1); then
        echo "the package built without its prebuilt library ($1)" >&2
        exit 1
    fi
    if ! grep -F 'libjwks.a' "$tmp/$1.log" | grep -F 'run scripts/dist-go.sh lib' >/dev/null; then
        echo "the build without the prebuilt library ($1) does not say what to do:" >&2
        cat "$tmp/$1.log" >&2
        exit 1
    fi
}
bare_build "no header, no archive"
cp lib/jwks.h "$tmp/bare/lib/jwks.h"
bare_build "no archive"
grep -F 'lib/linux_amd64/libjwks.a is missing' "$tmp/no archive.log" >/dev/null

step "a fully static test binary (-extldflags -static) builds and runs"
go test -c -ldflags '-extldflags -static' -o "$tmp/fully-static.test" . 2>"$tmp/fully-static.log" || {
    cat "$tmp/fully-static.log" >&2
    exit 1
}
if readelf -d "$tmp/fully-static.test" | grep NEEDED >/dev/null; then
    echo "the -extldflags -static build needs shared libraries" >&2
    exit 1
fi
"$tmp/fully-static.test" -test.run 'TestVersion|TestVerifyEachAlgorithm' -test.count=1

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
