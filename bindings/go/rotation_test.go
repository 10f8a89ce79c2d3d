package jwks

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// TestRotationUnderLoad: goroutines verify continuously through one remote Verifier while the
// endpoint rotates keys following the documented procedure, one step per epoch: during epoch e
// it publishes keys e-1, e and e+1 (the next key is out a whole epoch before it signs, the
// previous stays a whole epoch after it stops) with max-age 1, and valid tokens are signed by
// key e. Zero false rejections, zero false accepts (tampered, impostor, expired tokens, and
// tokens of a key retired at least an epoch ago), every rejection for its own reason. Run by
// scripts/test-go.sh under -race.
func TestRotationUnderLoad(t *testing.T) {
	const epochs, epoch, workers = 5, 2 * time.Second, 8
	type epochTokens struct{ valid, tampered, impostor, expired string }
	keys := make([]*jwttest.Key, epochs)
	tokens := make([]epochTokens, epochs)
	now := time.Now()
	for e := range keys {
		kid := fmt.Sprintf("epoch-%d", e)
		var impostor *jwttest.Key
		if e%2 == 0 {
			keys[e], impostor = jwttest.NewEC("ES256", kid), jwttest.NewEC("ES256", kid)
		} else {
			keys[e], impostor = jwttest.NewEd25519(kid), jwttest.NewEd25519(kid)
		}
		valid := keys[e].Sign(claimsAt(now))
		// Flip the signature's first character (the last one may carry unused bits, which
		// strict base64url refuses before any signature check).
		dot := strings.LastIndexByte(valid, '.')
		flipped := "A"
		if valid[dot+1] == 'A' {
			flipped = "B"
		}
		tokens[e] = epochTokens{
			valid:    valid,
			tampered: valid[:dot+1] + flipped + valid[dot+2:],
			impostor: impostor.Sign(claimsAt(now)),
			expired:  keys[e].Sign(claimsAt(now.Add(-time.Hour))),
		}
	}

	var current atomic.Int64
	var published sync.Map // epoch -> struct{}
	published.Store(0, struct{}{})
	published.Store(1, struct{}{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out []*jwttest.Key
		for e := range keys {
			if _, ok := published.Load(e); ok {
				out = append(out, keys[e])
			}
		}
		w.Header().Set("Cache-Control", "max-age=1")
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwttest.JWKS(out...))
	}))
	defer srv.Close()
	v, err := NewFromURL(srv.URL+"/jwks", &Options{
		Issuers: []string{testIssuer}, Audiences: []string{testAudience}, AllowHTTP: true,
		MinCacheTTL: time.Second, MaxCacheTTL: time.Hour, CacheTTL: time.Second,
		RefreshCooldown: time.Second, HTTPTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	var validOK, falseRejections, invalidRejected, falseAccepts, wrongReason, retiredRejected atomic.Int64
	var reports atomic.Int64
	report := func(format string, args ...any) {
		if reports.Add(1) <= 20 {
			t.Errorf(format, args...)
		}
	}
	check := func(e int64, what, token string, want *Error, ok, bad *atomic.Int64) {
		_, err := v.Verify(token)
		switch {
		case want == nil && err == nil:
			ok.Add(1)
		case want == nil:
			bad.Add(1)
			report("epoch %d: false rejection of the %s token: %v", e, what, err)
		case err == nil:
			bad.Add(1)
			report("epoch %d: false accept of the %s token", e, what)
		case errors.Is(err, want):
			ok.Add(1)
		default:
			wrongReason.Add(1)
			report("epoch %d: %s token: got %v, want %s", e, what, err, want.Name)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e := current.Load()
				tk := tokens[e]
				check(e, "valid", tk.valid, nil, &validOK, &falseRejections)
				switch i % 3 {
				case 0:
					check(e, "tampered", tk.tampered, ErrBadSignature, &invalidRejected, &falseAccepts)
				case 1:
					check(e, "impostor", tk.impostor, ErrBadSignature, &invalidRejected, &falseAccepts)
				default:
					check(e, "expired", tk.expired, ErrExpired, &invalidRejected, &falseAccepts)
				}
				if e >= 3 { // key e-3 was retired when epoch e-1 began
					check(e, "retired-key", tokens[e-3].valid, ErrUnknownKey, &retiredRejected, &falseAccepts)
				}
			}
		}()
	}
	for e := 1; e < epochs; e++ {
		time.Sleep(epoch)
		if e+1 < epochs {
			published.Store(e+1, struct{}{})
		}
		published.Delete(e - 2)
		current.Store(int64(e))
	}
	time.Sleep(epoch)
	close(stop)
	wg.Wait()
	stats, err := v.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d valid accepted, %d false rejections, %d invalid rejected, %d false accepts, %d wrong reasons, %d retired-key tokens rejected, %d fetches",
		validOK.Load(), falseRejections.Load(), invalidRejected.Load(), falseAccepts.Load(), wrongReason.Load(), retiredRejected.Load(), stats.Fetches)
	if falseRejections.Load() != 0 || falseAccepts.Load() != 0 || wrongReason.Load() != 0 {
		t.Fatal("rotation under load: see the errors above")
	}
	if validOK.Load() == 0 || invalidRejected.Load() == 0 || retiredRejected.Load() == 0 {
		t.Fatal("some kind of token was never verified")
	}
	if stats.Fetches < epochs {
		t.Fatalf("%d fetches for %d epochs: the keys did not rotate through the cache", stats.Fetches, epochs)
	}
}
