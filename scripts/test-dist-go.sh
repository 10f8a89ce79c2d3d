#!/usr/bin/env bash
# Installs the released Go module the way a Go user does and checks that it works, with no
# cargo or rustc on PATH: in a new module outside the repository, with a fresh module cache
# and dist/goproxy as the only module proxy (GOPROXY=file://..., GOSUMDB=off),
#   - go get github.com/jwks-project/jwks/bindings/go@vVERSION, go build, run: a token signed
#     by Go's crypto is accepted, tampered tokens are rejected; no libjwks.so is needed;
#   - the fully static build (-ldflags '-extldflags -static') builds and runs the same checks;
#   - go mod vendor carries the library (go build -mod=vendor);
#   - go vet passes on the module as downloaded;
#   - CGO_ENABLED=0 and a platform without a prebuilt library fail with the messages that say
#     what to do, and with nothing else.
# Uses dist/goproxy as it is when it exists (make dist writes it), else runs scripts/dist-go.sh.
# Needs go, a C compiler and readelf. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }
fail() { echo "test-dist-go.sh: $*" >&2; exit 1; }

command -v go >/dev/null || fail "go is not installed (https://go.dev/dl/)"
module=$(sed -n 's/^module[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' bindings/go/go.mod)
version=v$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" { gsub(/[" ]/, "", $3); print $3; exit }
' Cargo.toml)
proxy=$root/dist/goproxy
if [ ! -f "$proxy/$module/@v/$version.zip" ]; then
    step "scripts/dist-go.sh (no $version in dist/goproxy yet)"
    ./scripts/dist-go.sh
fi
zip=$proxy/$module/@v/$version.zip
for f in list "$version.info" "$version.mod" "$version.zip"; do
    [ -s "$proxy/$module/@v/$f" ] || fail "dist/goproxy/$module/@v/$f is missing or empty"
done
grep -Fx "$version" "$proxy/$module/@v/list" >/dev/null || fail "@v/list does not list $version"
size=$(stat -c %s "$zip")
echo "module zip: $size bytes"
[ "$size" -le 12000000 ] || fail "the module zip ($size bytes) is larger than 12 MB"

tmp=$(mktemp -d)
# The module cache is read-only (go's choice): make it writable so that it can be removed.
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# PATH without cargo and rustc: every directory holding one of them is dropped.
path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -n "$d" ] || continue
    if [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ]; then continue; fi
    path=${path:+$path:}$d
done
export PATH=$path
if command -v cargo >/dev/null || command -v rustc >/dev/null; then fail "cargo or rustc is still on PATH"; fi
command -v go >/dev/null || fail "go shares a directory with cargo or rustc; put it elsewhere on PATH"
command -v cc >/dev/null || command -v gcc >/dev/null || fail "no C compiler on PATH without cargo"

# Go sees nothing of the checkout: its own GOPATH and module cache, no workspace, and the
# artefact as the only proxy. (The build cache is content-addressed and may be shared.)
export GOPATH=$tmp/gopath GOMODCACHE=$tmp/gopath/pkg/mod
export GOPROXY=file://$proxy GOSUMDB=off GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
export GONOSUMDB= GONOPROXY= GOPRIVATE= GOINSECURE= CGO_ENABLED=1
unset GOROOT_FINAL CGO_LDFLAGS CGO_CFLAGS PKG_CONFIG_PATH

app=$tmp/app
mkdir -p "$app"
cd "$app"

step "go mod init example.com/app; go get $module@$version"
go mod init example.com/app
cat >main.go <<'EOF'
// Verifies a token signed here (RS256, Go's crypto) with the jwks package, then checks that
// tampered tokens are rejected. Exits non-zero if anything is not as expected.
package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
)

var b64 = base64.RawURLEncoding

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
}

func encode(v any) string {
	b, err := json.Marshal(v)
	must(err)
	return b64.EncodeToString(b)
}

func main() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	set, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": b64.EncodeToString(key.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	must(err)
	now := time.Now().Unix()
	input := encode(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"}) + "." +
		encode(map[string]any{"iss": "https://issuer.example/", "aud": "api://app",
			"sub": "user-42", "iat": now, "exp": now + 600})
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	must(err)
	token := input + "." + b64.EncodeToString(sig)

	v, err := jwks.NewFromJSON(set, &jwks.Options{
		Issuers:   []string{"https://issuer.example/"},
		Audiences: []string{"api://app"},
	})
	must(err)
	defer v.Close()

	tok, err := v.Verify(token)
	must(err)
	sub, err := tok.ClaimString("sub")
	must(err)
	if sub != "user-42" {
		must(fmt.Errorf("sub is %q, want user-42", sub))
	}
	fmt.Printf("accepted: sub=%s (libjwks %s)\n", sub, jwks.Version())

	parts := strings.Split(token, ".")
	otherPayload := encode(map[string]any{"iss": "https://issuer.example/", "aud": "api://app",
		"sub": "admin", "iat": now, "exp": now + 600})
	// Another base64url character in the middle of the signature: still well-formed.
	flipped := []byte(parts[2])
	if flipped[10] == 'A' {
		flipped[10] = 'B'
	} else {
		flipped[10] = 'A'
	}
	for name, bad := range map[string]string{
		"payload replaced": parts[0] + "." + otherPayload + "." + parts[2],
		"signature changed": parts[0] + "." + parts[1] + "." + string(flipped),
	} {
		_, err := v.Verify(bad)
		if !errors.Is(err, jwks.ErrBadSignature) {
			must(fmt.Errorf("%s: want ErrBadSignature, got %v", name, err))
		}
		fmt.Printf("rejected (%s): %v\n", name, err)
	}
	fmt.Println("OK")
}
EOF
go get "$module@$version"
grep -F "$module $version" go.mod >/dev/null || fail "go.mod does not require $module $version"
moddir=$(go list -m -f '{{.Dir}}' "$module")
case $moddir in
    "$GOMODCACHE"/*) ;;
    *) fail "the module was not taken from the module cache but from $moddir" ;;
esac

# run_checks BINARY: runs it and checks what it printed.
run_checks() {
    "$1" >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log" >&2; fail "$1 failed"; }
    cat "$tmp/run.log"
    grep -x 'OK' "$tmp/run.log" >/dev/null || fail "$1 did not finish its checks"
}

step "go build; run (the default: libjwks linked statically)"
go build -o app .
if readelf -d app | grep -E 'NEEDED.*(libjwks|libgcc_s)' >/dev/null; then
    fail "the default build needs libjwks or libgcc_s at run time"
fi
run_checks ./app

step "go build -ldflags '-extldflags -static'; run (fully static)"
# glibc warns at link time that getaddrinfo, getpwuid_r and dlopen in a static binary need its
# shared NSS libraries at run time (see bindings/go/README.md); the build must still pass.
go build -ldflags '-extldflags -static' -o app-static . 2>"$tmp/static.log" || {
    cat "$tmp/static.log" >&2
    fail "the fully static build failed"
}
if readelf -d app-static | grep NEEDED >/dev/null; then fail "the static binary needs shared libraries"; fi
readelf -l app-static | grep -F 'INTERP' >/dev/null && fail "the static binary has a program interpreter"
run_checks ./app-static

step "go mod vendor; go build -mod=vendor"
go mod vendor
[ -f "vendor/$module/lib/linux_amd64/libjwks.a" ] || fail "go mod vendor left out lib/linux_amd64/libjwks.a"
[ -f "vendor/$module/lib/jwks.h" ] || fail "go mod vendor left out lib/jwks.h"
GOFLAGS=-mod=vendor go build -o app-vendored .
run_checks ./app-vendored
rm -rf vendor

step "go vet of the module as downloaded"
(cd "$moddir" && GOFLAGS=-mod=readonly go vet ./...)

# expect_failure NAME IDENTIFIER ENV...: go build with ENV must fail on IDENTIFIER and nothing
# else (no other "undefined:", no linker or C compiler error).
expect_failure() {
    local name=$1 ident=$2
    shift 2
    if env "$@" go build -o /dev/null . >"$tmp/fail.log" 2>&1; then
        fail "$name: the build succeeded"
    fi
    cat "$tmp/fail.log"
    grep -F "undefined: $ident" "$tmp/fail.log" >/dev/null || fail "$name: the build did not fail on $ident"
    local other
    other=$(grep -v -e '^#' -e "undefined: $ident" "$tmp/fail.log" || true)
    [ -z "$other" ] || fail "$name: other errors besides $ident: $other"
}

step "CGO_ENABLED=0 go build: fails saying what to do"
expect_failure "CGO_ENABLED=0" jwks_requires_cgo__set_CGO_ENABLED_1_and_install_a_C_compiler CGO_ENABLED=0

step "a platform without a prebuilt library (netbsd/amd64): fails saying what to do"
# netbsd/amd64 is a platform whose cgo parts the host's C compiler can still compile, so the
# build gets as far as type-checking the package (no linking: the message comes first).
expect_failure "GOOS=netbsd" \
    jwks_has_no_prebuilt_library_for_this_GOOS_GOARCH__install_libjwks_and_build_with_tags_jwks_pkgconfig \
    GOOS=netbsd GOARCH=amd64 CGO_ENABLED=1

echo
echo "Go module $module@$version from dist/goproxy: installed, built (default, fully static, vendored) and verified"
