package jwks

import (
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// BenchmarkTokenCache times Verify + one claim of the same token again and again: "hit" with
// the token cache on (the default), "full" with it off (a whole verification every time).
func BenchmarkTokenCache(b *testing.B) {
	k := testKeys(b)
	for _, key := range []*jwttest.Key{k.rs256, k.es256, k.eddsa} {
		token := key.Sign(claimsAt(time.Now()))
		for _, side := range []struct {
			name string
			off  bool
		}{{"hit", false}, {"full", true}} {
			v, err := NewFromJSON(jwttest.JWKS(key), &Options{
				Issuers: []string{testIssuer}, Audiences: []string{testAudience}, NoTokenCache: side.off,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(key.Alg+"/"+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					tok, err := v.Verify(token)
					if err != nil {
						b.Fatal(err)
					}
					if sub, err := tok.ClaimString("sub"); err != nil || sub == "" {
						b.Fatal("no sub")
					}
				}
			})
			v.Close()
		}
	}
}
