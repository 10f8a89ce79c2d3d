//go:build cgo && !jwks_pkgconfig && linux && amd64

package jwks

// The prebuilt libjwks for linux/amd64 (glibc), linked statically, and the system libraries
// the Rust standard library inside it needs. The unwinder is libgcc_eh (static) rather than
// libgcc_s (shared): Rust needs an unwinder for the panic boundary of the C ABI
// (catch_unwind), and libgcc_s has no static form, so with it a fully static binary
// (-ldflags '-extldflags -static') would not link; libgcc_eh works for both.
//
// The blank import of the directory's package makes `go mod vendor` copy the archive.

/*
#cgo LDFLAGS: ${SRCDIR}/lib/linux_amd64/libjwks.a -lgcc_eh -lutil -lrt -lpthread -lm -ldl
#if !__has_include("lib/linux_amd64/libjwks.a")
#error "bindings/go/lib/linux_amd64/libjwks.a is missing: in a checkout of the repository, run scripts/dist-go.sh lib (it runs cargo build --release first), or build with -tags jwks_pkgconfig against an installed libjwks"
#endif
*/
import "C"

import _ "github.com/jwks-project/jwks/bindings/go/lib/linux_amd64"
