package jwks

// Every #cgo directive of the package lives here.
//
// By default the package links the static library built by `cargo build --release` at the
// root of this repository, so binaries need no libjwks at run time. With the build tag
// jwks_pkgconfig it uses the library installed by `make install` instead, found through
// pkg-config (which links the shared libjwks.so).
//
// The Rust static library needs the C runtime pieces listed here (threads, math, dynamic
// loading for the TLS stack, and the unwinder that Rust's panic boundary relies on).

/*
#cgo !jwks_pkgconfig CFLAGS: -I${SRCDIR}/../../include
#cgo !jwks_pkgconfig LDFLAGS: ${SRCDIR}/../../target/release/libjwks.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
#cgo jwks_pkgconfig pkg-config: jwks
#include "shim.h"
*/
import "C"
