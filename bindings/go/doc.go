// Package jwks verifies JSON Web Tokens against JSON Web Key Sets through libjwks, a Rust
// library with a C ABI (see include/jwks.h at the root of the repository).
//
// Create one Verifier per key source and share it across goroutines:
//
//	v, err := jwks.NewFromURL("https://issuer.example/.well-known/jwks.json", &jwks.Options{
//		Issuers:   []string{"https://issuer.example/"},
//		Audiences: []string{"my-api"},
//	})
//	if err != nil { ... }
//	defer v.Close()
//
//	tok, err := v.Verify(bearer)
//	switch {
//	case errors.Is(err, jwks.ErrTokenRejected): // answer 401
//	case errors.Is(err, jwks.ErrUnavailable):   // answer 503, the keys could not be fetched
//	case err != nil:                            // a bug or a closed verifier: answer 500
//	}
//	sub, err := tok.ClaimString("sub")
//
// Keys from a URL are fetched on first use and cached; a flood of tokens with unknown kids
// causes at most one refetch per Options.RefreshCooldown. The
// security defaults (no "none", algorithms tied to keys, exp required, https only, size
// limits) are the library's; Options only ever tighten or tune them.
//
// By default the package links the prebuilt static libjwks that the module carries
// (lib/linux_amd64/libjwks.a; in a checkout of the repository, `scripts/dist-go.sh lib` puts it
// there), so binaries need no libjwks at run time; with the build tag jwks_pkgconfig it links
// the library installed by `make install`, found through pkg-config. The package needs cgo.
// See README.md.
package jwks
