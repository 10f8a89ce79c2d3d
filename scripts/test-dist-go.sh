#!/usr/bin/env bash
# Installs the released Go modules the way a Go user does and checks that they work, with no
# cargo or rustc on PATH, in new modules outside the repository, each with a fresh module
# cache, dist/goproxy as the first module proxy and, as the README says to, GONOSUMDB naming
# the repository's modules (which the checksum database cannot know before they are public):
#   - go get github.com/jwks-project/jwks/bindings/go@vVERSION with dist/goproxy as the only
#     proxy, go build, run: a token signed by Go's crypto is accepted, tampered tokens are
#     rejected; no libjwks.so is needed;
#   - the fully static build (-ldflags '-extldflags -static') builds and runs the same checks;
#   - go mod vendor carries the library (go build -mod=vendor);
#   - go vet passes on the module as downloaded;
#   - CGO_ENABLED=0, a platform without a prebuilt library (netbsd/amd64) and a cross build
#     (GOARCH=arm64, where cgo is off by default) fail with the messages that say what to do,
#     and with nothing else;
#   - go get github.com/jwks-project/jwks/bindings/go/grpcjwks@vVERSION (gRPC from the Go
#     module proxy after dist/goproxy, checked against the hashes of the repository's
#     grpcjwks/go.sum), then a gRPC server built from it, served on 127.0.0.1 and called over
#     TCP: a call with a token granting the scope is answered, unary and streaming; calls with
#     no token, an expired one or one without the scope are refused with their codes.
# Uses dist/goproxy as it is when it exists (make dist writes it), else runs scripts/dist-go.sh.
# Needs go, a C compiler and readelf, and the Go module proxy (JWKS_GO_UPSTREAM_PROXY, default
# https://proxy.golang.org) for gRPC. Exits non-zero on any failure.
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
grpc_module=$module/grpcjwks
zip_limit=$(python3 scripts/sizes.py limit go.zip)
for m in "$module" "$grpc_module" "$module/jwksprom" "$module/jwksredis"; do
    for f in list "$version.info" "$version.mod" "$version.zip"; do
        [ -s "$proxy/$m/@v/$f" ] || fail "dist/goproxy/$m/@v/$f is missing or empty"
    done
    grep -Fx "$version" "$proxy/$m/@v/list" >/dev/null || fail "$m: @v/list does not list $version"
    size=$(stat -c %s "$proxy/$m/@v/$version.zip")
    echo "$m@$version zip: $size bytes"
    [ "$size" -le "$zip_limit" ] || fail "the module zip of $m ($size bytes) is over the limit of $zip_limit"
done
# Nested modules as Go expects them: the main module's zip leaves the nested one out, and the
# nested one requires the main module at the version released with it, with no replace.
for name in grpcjwks jwksprom jwksredis; do
    if unzip -Z1 "$zip" | grep -F "@$version/$name/"; then fail "the zip of $module carries $name/ (above)"; fi
    nested_mod=$proxy/$module/$name/@v/$version.mod
    grep -E "^[[:space:]]*(require[[:space:]]+)?$module[[:space:]]+$version\$" "$nested_mod" >/dev/null ||
        fail "$module/$name@$version does not require $module $version"
    if grep -E '^[[:space:]]*replace' "$nested_mod"; then fail "$module/$name@$version has a replace directive"; fi
done

# The proxy for everything dist/goproxy does not hold (gRPC), read before GOPROXY is replaced.
upstream=${JWKS_GO_UPSTREAM_PROXY:-https://proxy.golang.org}

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
# artefact as the only proxy. (The build cache is content-addressed and may be shared.) The
# checksum database is the default one, and GONOSUMDB what the README tells users to set: the
# go command then asks the database about no module of the repository, and about nothing
# else here (the main module requires nothing).
export GOPATH=$tmp/gopath GOMODCACHE=$tmp/gopath/pkg/mod
export GOPROXY=file://$proxy GOSUMDB=sum.golang.org GONOSUMDB=github.com/jwks-project/jwks
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
export GONOSUMCHECK= GONOPROXY= GOPRIVATE= GOINSECURE= CGO_ENABLED=1
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

step "a cross build (GOARCH=arm64, cgo off by default): fails on the missing library, not on cgo"
expect_failure "GOARCH=arm64" \
    jwks_has_no_prebuilt_library_for_this_GOOS_GOARCH__install_libjwks_and_build_with_tags_jwks_pkgconfig \
    -u CGO_ENABLED GOOS=linux GOARCH=arm64

step "go get $grpc_module@$version; a gRPC server built from it, called on 127.0.0.1"
grpc_app=$tmp/grpc-app
mkdir -p "$grpc_app"
cd "$grpc_app"
go mod init example.com/grpcapp
# gRPC and the rest come from the Go module proxy. The checksum database is out of reach here,
# so their hashes are those the repository recorded (bindings/go/grpcjwks/go.sum): the go
# command checks every download against them, and asks the database about any module they
# do not cover (and then fails). The repository's own modules are in GONOSUMDB.
cp "$root/bindings/go/grpcjwks/go.sum" go.sum
cat >main.go <<'GO'
// A gRPC server (the health service behind the grpcjwks interceptors, requiring the scope
// health:read) served on 127.0.0.1, and calls to it over TCP with tokens signed here (RS256,
// Go's crypto). Exits non-zero if any answer is not the expected one.
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/grpcjwks"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
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

func sign(key *rsa.PrivateKey, claims map[string]any) string {
	input := encode(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"}) + "." + encode(claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	must(err)
	return input + "." + b64.EncodeToString(sig)
}

func main() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	set, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": b64.EncodeToString(key.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	must(err)
	v, err := jwks.NewFromJSON(set, &jwks.Options{
		Issuers: []string{"https://issuer.example/"}, Audiences: []string{"api://health"},
	})
	must(err)
	defer v.Close()

	opts := &grpcjwks.Options{Scopes: []string{"health:read"}}
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(grpcjwks.UnaryServerInterceptor(v, opts)),
		grpc.StreamInterceptor(grpcjwks.StreamServerInterceptor(v, opts)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	go func() { must(srv.Serve(lis)) }()
	defer srv.Stop()
	fmt.Println("serving gRPC on", lis.Addr())

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(err)
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	now := time.Now().Unix()
	claims := func(scope string, exp int64) map[string]any {
		return map[string]any{"iss": "https://issuer.example/", "aud": "api://health",
			"sub": "svc-1", "scope": scope, "iat": now, "exp": exp}
	}
	calls := []struct {
		name, token string
		want        codes.Code
	}{
		{"a token granting health:read", sign(key, claims("health:read", now+600)), codes.OK},
		{"no token", "", codes.Unauthenticated},
		{"an expired token", sign(key, claims("health:read", now-60)), codes.Unauthenticated},
		{"a token without the scope", sign(key, claims("other", now+600)), codes.PermissionDenied},
		{"a token signed by another key", sign(other, claims("health:read", now+600)), codes.Unauthenticated},
	}
	withToken := func(token string) (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		return ctx, cancel
	}
	for _, c := range calls {
		ctx, cancel := withToken(c.token)
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if got := status.Code(err); got != c.want {
			must(fmt.Errorf("Check with %s: %v, want %v", c.name, err, c.want))
		}
		if c.want == codes.OK && resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			must(fmt.Errorf("Check with %s: status %v", c.name, resp.GetStatus()))
		}
		fmt.Printf("unary Check, %s: %v\n", c.name, status.Code(err))
	}
	// The stream interceptor: Watch sends its first message only to an authorised caller.
	for _, c := range calls[:2] {
		ctx, cancel := withToken(c.token)
		stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{})
		must(err)
		resp, err := stream.Recv()
		cancel()
		if got := status.Code(err); got != c.want {
			must(fmt.Errorf("Watch with %s: %v, want %v", c.name, err, c.want))
		}
		if c.want == codes.OK && resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			must(fmt.Errorf("Watch with %s: status %v", c.name, resp.GetStatus()))
		}
		fmt.Printf("stream Watch, %s: %v\n", c.name, status.Code(err))
	}
	fmt.Println("OK")
}
GO
GOPROXY="file://$proxy,$upstream" go get "$grpc_module@$version"
GOPROXY="file://$proxy,$upstream" go mod tidy
for m in "$module" "$grpc_module"; do
    [ "$(go list -m -f '{{.Version}}' "$m")" = "$version" ] || fail "the gRPC app does not use $m $version"
    case $(go list -m -f '{{.Dir}}' "$m") in
        "$GOMODCACHE"/*) ;;
        *) fail "$m was not taken from the module cache" ;;
    esac
done
# Every hash in go.sum but those of the repository's modules is one the repository recorded.
if extra=$(grep -v -F "github.com/jwks-project/jwks/" go.sum | grep -v -x -F -f "$root/bindings/go/grpcjwks/go.sum"); then
    fail "go.sum holds hashes the repository did not record: $extra"
fi
GOPROXY=off go build -o grpc-app .
if readelf -d grpc-app | grep -E 'NEEDED.*(libjwks|libgcc_s)' >/dev/null; then
    fail "the gRPC server needs libjwks or libgcc_s at run time"
fi
run_checks ./grpc-app

echo
echo "Go modules from dist/goproxy: $module@$version installed, built (default, fully static," \
    "vendored) and verified; $grpc_module@$version serving gRPC on loopback"
