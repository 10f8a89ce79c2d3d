package jwks

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

func cacheStats(t *testing.T, v *Verifier) TokenCacheStats {
	t.Helper()
	s, err := v.TokenCacheStats()
	if err != nil {
		t.Fatalf("TokenCacheStats: %v", err)
	}
	return s
}

// outcome is what a caller sees of one verification.
func outcome(v *Verifier, token string, now time.Time) string {
	tok, err := v.VerifyAt(token, now)
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok: " + string(tok.Claims()) + " " + tok.Alg() + " " + tok.KeyID() + " " + tok.KeyThumbprint()
}

// Every token twice through a cache-on verifier: the same verdicts as a cache-off one, at
// times before, inside and after the token's validity.
func TestTokenCacheVerdictsMatchNoCache(t *testing.T) {
	k := testKeys(t)
	on := newTestVerifier(t, &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}, TokenCacheEntries: 64})
	off := newTestVerifier(t, &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}, NoTokenCache: true})
	var tokens []string
	for _, key := range k.all() {
		tokens = append(tokens,
			key.Sign(claimsAt(testNow)),
			key.Sign(withClaims(map[string]any{"exp": testNow.Unix() - 1})),
			key.Sign(withClaims(map[string]any{"aud": "other"})),
			key.Sign(withClaims(map[string]any{"nbf": testNow.Unix() + 100})),
		)
	}
	nows := []time.Time{testNow, testNow.Add(100 * time.Second), testNow.Add(3599 * time.Second),
		testNow.Add(3600 * time.Second), testNow.Add(-61 * time.Second), testNow.Add(-time.Hour), testNow}
	for i, token := range tokens {
		for _, now := range nows {
			want := outcome(off, token, now)
			for round := 0; round < 2; round++ {
				if got := outcome(on, token, now); got != want {
					t.Fatalf("token %d at %v round %d: %s, want %s", i, now.Unix(), round, got, want)
				}
			}
		}
	}
	if s := cacheStats(t, on); s.Hits < 50 || s.MaxEntries != 64 {
		t.Fatalf("the cache was not exercised: %+v", s)
	}
	if s := cacheStats(t, off); s != (TokenCacheStats{}) {
		t.Fatalf("cache off: %+v", s)
	}
}

func TestTokenCacheTimeRulesOnAHit(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}, Leeway: 30 * time.Second})
	token := k.eddsa.Sign(claimsAt(testNow)) // nbf = now-60, exp = now+3600
	if _, err := v.VerifyAt(token, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAt(token, testNow.Add((3600+30+1)*time.Second)); !errors.Is(err, ErrExpired) {
		t.Fatalf("exp+leeway+1: %v", err)
	}
	if _, err := v.VerifyAt(token, testNow.Add(-(60+30+1)*time.Second)); !errors.Is(err, ErrNotYetValid) {
		t.Fatalf("before nbf: %v", err)
	}
	if s := cacheStats(t, v); s.Hits != 2 || s.Misses != 1 || s.Entries != 1 {
		t.Fatalf("%+v", s)
	}
}

func TestTokenCacheRotation(t *testing.T) {
	a, b := jwttest.NewEd25519("rot-a"), jwttest.NewEd25519("rot-b")
	s := newKeyServer(t, a, b)
	v := newURLVerifier(t, s, remoteOptions())
	token := a.Sign(claimsAt(time.Now()))
	mustVerify(t, v, token, "first")
	mustVerify(t, v, token, "second")
	if st := cacheStats(t, v); st.Hits != 1 {
		t.Fatalf("%+v", st)
	}
	s.setKeys(b)
	if err := v.Refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(token); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after rotation: %v", err)
	}
	if st := cacheStats(t, v); st.Hits != 1 {
		t.Fatalf("answered from a stale entry: %+v", st)
	}
}

// Eight goroutines hitting, missing (changed copies) and refreshing at once (run with -race).
func TestTokenCacheConcurrent(t *testing.T) {
	a := jwttest.NewEd25519("conc-a")
	s := newKeyServer(t, a)
	v := newURLVerifier(t, s, remoteOptions())
	good := a.Sign(claimsAt(time.Now()))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if g == 7 && i%20 == 0 {
					if err := v.Refresh(); err != nil {
						errs <- err
						return
					}
					continue
				}
				tok, err := v.Verify(good)
				if err != nil {
					errs <- err
					return
				}
				if sub, _ := tok.ClaimString("sub"); sub == "" {
					errs <- errors.New("no sub")
					return
				}
				bad := []byte(good)
				bad[(g*31+i)%len(bad)] ^= 2
				if _, err := v.Verify(string(bad)); err == nil {
					errs <- errors.New("a changed token verified")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if st := cacheStats(t, v); st.Hits == 0 || st.Misses < 7*190 {
		t.Fatalf("%+v", st)
	}
}

func TestTokenCacheOptions(t *testing.T) {
	k := testKeys(t)
	jwks := jwttest.JWKS(k.eddsa)
	for _, bad := range []Options{{TokenCacheEntries: -1}, {TokenCacheBytes: 10}, {TokenCacheMaxReuse: 1500 * time.Millisecond}} {
		if _, err := NewFromJSON(jwks, &bad); !errors.Is(err, ErrInvalidArgument) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
	v, err := NewFromJSON(jwks, &Options{TokenCacheEntries: 10, TokenCacheBytes: 1 << 16, TokenCacheMaxReuse: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if s := cacheStats(t, v); s.MaxEntries != 10 || s.MaxBytes != 1<<16 {
		t.Fatalf("%+v", s)
	}
	d, err := NewFromJSON(jwks, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if s := cacheStats(t, d); s.MaxEntries != 4096 {
		t.Fatalf("default: %+v", s)
	}
}
