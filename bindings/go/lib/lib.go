// Package lib holds the prebuilt libjwks of the module: the header jwks.h here, and the static
// library in one directory per GOOS_GOARCH (linux_amd64/libjwks.a). The package jwks links
// them through cgo; this Go file only exists so that `go mod vendor` copies the directory.
//
// In a checkout of the repository these files are build products, not committed:
// `scripts/dist-go.sh lib` copies them from target/release and include/.
package lib
