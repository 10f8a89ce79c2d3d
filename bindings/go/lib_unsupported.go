//go:build !jwks_pkgconfig && !(linux && amd64)

package jwks

// The module carries a prebuilt libjwks for linux/amd64 only. Elsewhere, the build stops on
// this identifier, whose name says what to do: build and install libjwks for the platform
// (cargo build --release; make install) and build with the jwks_pkgconfig tag.
//
// With cgo on or off: a cross build (GOARCH=arm64 on linux/amd64) has cgo off by default, and
// the missing library, not cgo, is what it must hear about first.
var _ = jwks_has_no_prebuilt_library_for_this_GOOS_GOARCH__install_libjwks_and_build_with_tags_jwks_pkgconfig
