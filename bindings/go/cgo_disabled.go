//go:build !cgo && (jwks_pkgconfig || (linux && amd64))

package jwks

// The package is a cgo wrapper of libjwks and cannot be built without cgo. Rather than
// "undefined: ..." errors from the rest of the package (whose files all require cgo), the
// build stops on this identifier, whose name says what to do.
//
// Only where a library is at hand (the prebuilt one, or an installed one with jwks_pkgconfig):
// a cross build (GOARCH=arm64) has cgo off by default, and turning cgo on would not help it,
// so it gets the message of lib_unsupported.go instead.
var _ = jwks_requires_cgo__set_CGO_ENABLED_1_and_install_a_C_compiler
