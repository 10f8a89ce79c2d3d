//go:build cgo

package jwks

// Every #cgo directive of the package lives here, except the LDFLAGS of the prebuilt library,
// which are in one file per platform (lib_linux_amd64.go, ...).
//
// By default the package links the prebuilt static library that the module carries in
// lib/GOOS_GOARCH/libjwks.a, with the header lib/jwks.h, so that binaries need no libjwks at
// run time and no Rust toolchain is needed to build them. In a checkout of the repository
// those files are build products (not committed): `scripts/dist-go.sh lib` puts them there.
// With the build tag jwks_pkgconfig the package uses the library installed by `make install`
// instead, found through pkg-config (which links the shared libjwks.so).
//
// JWKS_GO_BUNDLED tells shim.h to check that lib/jwks.h is there, and to say what to do if not.

/*
#cgo !jwks_pkgconfig CFLAGS: -I${SRCDIR}/lib -DJWKS_GO_BUNDLED=1
#cgo jwks_pkgconfig pkg-config: jwks
#include "shim.h"
*/
import "C"

// Makes `go mod vendor` copy lib/jwks.h (see lib/lib.go).
import _ "github.com/jwks-project/jwks/bindings/go/lib"
