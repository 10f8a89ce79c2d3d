//go:build !cgo

package jwks

// The package is a cgo wrapper of libjwks and cannot be built without cgo. Rather than
// "undefined: ..." errors from the rest of the package (whose files all require cgo), the
// build stops on this identifier, whose name says what to do.
var _ = jwks_requires_cgo__set_CGO_ENABLED_1_and_install_a_C_compiler
