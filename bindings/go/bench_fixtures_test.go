package jwks

// Benchmarks on the shared fixtures that scripts/bench.sh (make bench) writes, so that the Go
// rows sit next to the Rust, C and Python rows on the same tokens and keys:
//
//	JWKS_BENCH_FIXTURES=target/bench/fixtures JWKS_BENCH_RING_FLOOR=path/to/libring_floor.so \
//	    go test -run '^$' -bench 'Fixtures|Interleaved' -benchtime 1x
//
// BenchmarkFixtures gives each side its own sub-benchmark (allocations included);
// BenchmarkInterleaved times the sides in alternating short rounds and reports the median of
// the per-round ratios, which is what the benchmark report uses: on a machine whose speed
// drifts from one second to the next (docs/benchmarks.md, "Measured while designing"), sides
// timed seconds apart cannot be compared.

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
	"github.com/jwks-project/jwks/bindings/go/internal/ringfloor"
)

// fixtureCase is one token of the fixtures with each side's verification, checked to accept
// it before anything is timed.
type fixtureCase struct {
	name, alg string
	// jwks verifies with this package and reads "sub" (token cache off: a whole verification).
	jwks func() bool
	// jwksHit does the same through a verifier with the token cache on (its default): after
	// the first call, a cache hit, as for a client that sends its token with every request.
	jwksHit func() bool
	// golangJWT parses with golang-jwt v5 (same policy) and reads "sub".
	golangJWT func() bool
	// goCrypto is Go's signature check alone.
	goCrypto func() bool
	// floor runs n bare ring verifications of the same signature, timed inside Rust; nil
	// without JWKS_BENCH_RING_FLOOR.
	floor func(n int) time.Duration
}

// loadFixtureCases reads JWKS_BENCH_FIXTURES (jwks.json, tokens.json) and builds both sides
// from the same JWKS document and policy. The returned function closes the verifier.
func loadFixtureCases(b *testing.B) ([]fixtureCase, func()) {
	b.Helper()
	dir := os.Getenv("JWKS_BENCH_FIXTURES")
	if dir == "" {
		b.Skip("JWKS_BENCH_FIXTURES is not set (scripts/bench.sh sets it)")
	}
	doc, err := os.ReadFile(filepath.Join(dir, "jwks.json"))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil {
		b.Fatal(err)
	}
	var fx struct {
		Issuer   string `json:"issuer"`
		Audience string `json:"audience"`
		Tokens   []struct {
			Name, Alg, Kid, Token string
		} `json:"tokens"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		b.Fatal(err)
	}
	var jwkSet struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &jwkSet); err != nil {
		b.Fatal(err)
	}
	var floor *ringfloor.Floor
	if path := os.Getenv("JWKS_BENCH_RING_FLOOR"); path != "" {
		if floor, err = ringfloor.Open(path); err != nil {
			b.Fatal(err)
		}
	}
	v, goKeys, keyfunc := benchSubjects(b, doc, fx.Issuer, fx.Audience)
	cached, err := NewFromJSON(doc, &Options{Issuers: []string{fx.Issuer}, Audiences: []string{fx.Audience}})
	if err != nil {
		v.Close()
		b.Fatal(err)
	}
	var cases []fixtureCase
	for _, tc := range fx.Tokens {
		token := tc.Token
		parser := jwt.NewParser(
			jwt.WithIssuer(fx.Issuer),
			jwt.WithAudience(fx.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithValidMethods([]string{tc.Alg}),
		)
		c := fixtureCase{name: tc.Name, alg: tc.Alg}
		verifyWith := func(v *Verifier) func() bool {
			return func() bool {
				tok, err := v.Verify(token)
				if err != nil {
					return false
				}
				sub, err := tok.ClaimString("sub")
				return err == nil && sub != ""
			}
		}
		c.jwks, c.jwksHit = verifyWith(v), verifyWith(cached)
		c.golangJWT = func() bool {
			tok, err := parser.Parse(token, keyfunc)
			if err != nil {
				return false
			}
			sub, ok := tok.Claims.(jwt.MapClaims)["sub"].(string)
			return ok && sub != ""
		}
		c.goCrypto = goCryptoVerifier(b, &jwttest.Key{Alg: tc.Alg}, goKeys[tc.Kid], token)
		if floor != nil {
			a, bb := ringFloorKey(b, jwkSet.Keys, tc.Kid, tc.Alg)
			dot := strings.LastIndexByte(token, '.')
			sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
			if err != nil {
				b.Fatal(err)
			}
			input := []byte(token[:dot])
			alg := tc.Alg
			c.floor = func(n int) time.Duration {
				ns := floor.Run(alg, a, bb, input, sig, n)
				if ns < 0 {
					b.Fatalf("%s: ring floor: signature does not verify", tc.Name)
				}
				return time.Duration(ns)
			}
		}
		for side, f := range map[string]func() bool{"jwks": c.jwks, "jwks-hit": c.jwksHit, "golang-jwt": c.golangJWT, "go-crypto-only": c.goCrypto} {
			if !f() {
				b.Fatalf("%s: %s does not accept the token", tc.Name, side)
			}
		}
		cases = append(cases, c)
	}
	return cases, func() { v.Close(); cached.Close() }
}

// BenchmarkFixtures compares this package (a whole verification, and a token cache hit),
// golang-jwt v5, Go's crypto alone and (with JWKS_BENCH_RING_FLOOR) the ring floor, each in
// its own sub-benchmark.
func BenchmarkFixtures(b *testing.B) {
	cases, done := loadFixtureCases(b)
	defer done()
	loop := func(f func() bool) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if !f() {
					b.Fatal("verification failed")
				}
			}
		}
	}
	for _, c := range cases {
		b.Run(c.name+"/jwks", loop(c.jwks))
		b.Run(c.name+"/jwks-hit", loop(c.jwksHit))
		if c.floor != nil {
			floor := c.floor
			b.Run(c.name+"/ring-floor", func(b *testing.B) { floor(b.N) })
		}
		b.Run(c.name+"/golang-jwt", loop(c.golangJWT))
		b.Run(c.name+"/go-crypto-only", loop(c.goCrypto))
	}
}

// interleavedRounds and interleavedRound set how BenchmarkInterleaved alternates: each round
// times every side for about interleavedRound, one after the other, starting with a different
// side each round.
const (
	interleavedRounds = 21
	interleavedRound  = 8 * time.Millisecond
)

// BenchmarkInterleaved times, per token, this package, the ring floor and golang-jwt in
// alternating short rounds, and reports the medians per verification and the median of the
// per-round ratios as metrics (jwks-ns/op, ring-ns/op, golang-jwt-ns/op, x-ring,
// golang-jwt/jwks). It does its own rounds: run it with -benchtime 1x.
func BenchmarkInterleaved(b *testing.B) {
	if os.Getenv("JWKS_BENCH_RING_FLOOR") == "" {
		b.Skip("JWKS_BENCH_RING_FLOOR is not set (scripts/bench.sh sets it)")
	}
	cases, done := loadFixtureCases(b)
	defer done()
	for _, c := range cases {
		c := c
		b.Run(c.name, func(b *testing.B) {
			timed := func(f func() bool) func(n int) time.Duration {
				return func(n int) time.Duration {
					start := time.Now()
					for i := 0; i < n; i++ {
						if !f() {
							b.Fatal("verification failed")
						}
					}
					return time.Since(start)
				}
			}
			sides := []func(n int) time.Duration{timed(c.jwks), c.floor, timed(c.golangJWT)}
			counts := make([]int, len(sides))
			for i, side := range sides {
				counts[i] = calibrate(side, interleavedRound)
			}
			perOp := make([][]float64, len(sides))
			var xRing, goOverJwks []float64
			for r := 0; r < interleavedRounds; r++ {
				t := make([]float64, len(sides))
				// The order rotates every round (as in the Rust and C benchmarks), so no side
				// always runs first after another side warmed the caches or the clock.
				for k := range sides {
					i := (r + k) % len(sides)
					t[i] = float64(sides[i](counts[i])) / float64(counts[i])
					perOp[i] = append(perOp[i], t[i])
				}
				xRing = append(xRing, t[0]/t[1])
				goOverJwks = append(goOverJwks, t[2]/t[0])
			}
			b.ReportMetric(median(perOp[0]), "jwks-ns/op")
			b.ReportMetric(median(perOp[1]), "ring-ns/op")
			b.ReportMetric(median(perOp[2]), "golang-jwt-ns/op")
			b.ReportMetric(median(xRing), "x-ring")
			b.ReportMetric(median(goOverJwks), "golang-jwt/jwks")
		})
	}
}

// calibrate returns how many operations of side take about d.
func calibrate(side func(n int) time.Duration, d time.Duration) int {
	n := 1
	for {
		t := side(n)
		if t >= d/4 || n >= 1<<20 {
			return max(1, int(float64(n)*float64(d)/float64(max(t, time.Nanosecond))))
		}
		n *= 2
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
