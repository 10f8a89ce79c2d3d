// Package linuxamd64 holds the prebuilt static libjwks.a for linux/amd64 (glibc), linked by
// the package jwks. This Go file only exists so that `go mod vendor` copies the directory.
package linuxamd64
