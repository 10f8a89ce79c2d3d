package jwks

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// BenchmarkMiddlewareHit times one request through Middleware with a token the verifier has
// seen before (a token cache hit), the handler reading the sub claim, next to its parts:
//
//	floor        the handler alone (no authentication), on the same request
//	bearer       BearerToken on the request's Authorization header
//	verify       Verify + ClaimString("sub"), as BenchmarkTokenCache's hit
//	middleware   the whole of Middleware + the handler
//
// middleware - floor is what Middleware adds to a request; middleware - bearer - verify is
// the rest of its work (the query check, the context, the request copy).
//
//	go test -run x -bench MiddlewareHit -benchmem
func BenchmarkMiddlewareHit(b *testing.B) {
	k := testKeys(b)
	for _, key := range []*jwttest.Key{k.rs256, k.es256} {
		v := newTestVerifier(b, nil)
		token := key.Sign(claimsAt(time.Now()))
		req := httptest.NewRequest(http.MethodGet, "/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		handler := func(w http.ResponseWriter, r *http.Request) {
			sub := "anonymous"
			if tok, ok := TokenFromContext(r.Context()); ok {
				sub, _ = tok.ClaimString("sub")
			}
			w.WriteHeader(len(sub)%2 + 200) // uses sub; 200 or 201
		}
		protected := Middleware(v, nil)(http.HandlerFunc(handler))
		w := &discardWriter{h: http.Header{}}
		protected.ServeHTTP(w, req)
		if w.status < 200 || w.status > 201 {
			b.Fatalf("%s: status %d", key.Alg, w.status)
		}
		b.Run(key.Alg+"/floor", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				handler(w, req)
			}
		})
		b.Run(key.Alg+"/bearer", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := BearerToken(req.Header.Values("Authorization")); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(key.Alg+"/verify", func(b *testing.B) {
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
		b.Run(key.Alg+"/middleware", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				protected.ServeHTTP(w, req)
			}
			if w.status < 200 || w.status > 201 {
				b.Fatalf("status %d", w.status)
			}
		})
		v.Close()
	}
}

// discardWriter is the cheapest http.ResponseWriter, so that the benchmark times the
// middleware rather than a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// BenchmarkMiddlewareRequest times one request through Middleware with each way of
// verifying, ES256 tokens the verifier has seen before (token cache hits):
//
//	bearer          no TokenScheme: the Bearer path (Verify), as BenchmarkMiddlewareHit
//	request-bearer  TokenScheme SchemeBearer: the request verified as a whole (VerifyRequest)
//	dpop            TokenScheme SchemeDPoP, each request with a new proof (made beforehand,
//	                outside the timing): the proof's signature check is never cached
//
//	go test -run x -bench MiddlewareRequest -benchmem
func BenchmarkMiddlewareRequest(b *testing.B) {
	f := newDPoPFixture(b, Options{DPoPReplayCacheBytes: 64 << 20})
	const url = "https://api.example.com/orders"
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	run := func(b *testing.B, mo *MiddlewareOptions, auth string, proofs func(n int) []string) {
		protected := Middleware(f.v, mo)(handler)
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", auth)
		w := &discardWriter{h: http.Header{}}
		var ps []string
		if proofs != nil {
			ps = proofs(b.N)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if ps != nil {
				req.Header.Set("DPoP", ps[i])
			}
			protected.ServeHTTP(w, req)
		}
		b.StopTimer()
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
	b.Run("bearer", func(b *testing.B) { run(b, nil, "Bearer "+f.bearer, nil) })
	b.Run("request-bearer", func(b *testing.B) {
		run(b, &MiddlewareOptions{TokenScheme: SchemeBearer}, "Bearer "+f.bearer, nil)
	})
	b.Run("dpop", func(b *testing.B) {
		run(b, &MiddlewareOptions{TokenScheme: SchemeDPoP, ExternalURL: "https://api.example.com"}, "DPoP "+f.token,
			func(n int) []string {
				ps := make([]string, n)
				for i := range ps {
					ps[i] = f.proof("GET", url, "")
				}
				return ps
			})
	})
}
