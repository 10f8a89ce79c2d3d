package jwks

import (
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// closedURL is an http URL on loopback where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/jwks"
}

// With FetchAtStart the constructor fetches and the verifier is ready at once; without it,
// nothing is fetched until the first verification.
func TestFetchAtStartGoodEndpoint(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.es256)
	opts := remoteOptions()
	opts.FetchAtStart = true
	v := newURLVerifier(t, s, opts)
	if n := s.requests.Load(); n != 1 {
		t.Fatalf("%d requests at start, want 1", n)
	}
	if !v.Ready() {
		t.Fatal("not ready after an eager start")
	}
	mustVerify(t, v, k.es256.Sign(claimsAt(time.Now())), "eager")
	lazy := newURLVerifier(t, s, remoteOptions())
	if n := s.requests.Load(); n != 1 || lazy.Ready() {
		t.Fatalf("lazy: %d requests, ready %v", n, lazy.Ready())
	}
	mustVerify(t, lazy, k.es256.Sign(claimsAt(time.Now())), "lazy")
	if !lazy.Ready() {
		t.Fatal("not ready after the first fetch")
	}
	lazy.Close()
	if lazy.Ready() {
		t.Fatal("a closed verifier is ready")
	}
}

// A down endpoint, a failing one and a discovery document naming the issuer with another
// trailing slash fail at construction with eager start, and only at verification without it.
func TestFetchAtStartFailures(t *testing.T) {
	k := testKeys(t)
	opts := remoteOptions()
	opts.FetchAtStart = true
	opts.HTTPTimeout = 2 * time.Second

	_, err := NewFromURL(closedURL(t), opts)
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "loading the keys at start") {
		t.Fatalf("down endpoint: %v", err)
	}

	s := newKeyServer(t, k.es256)
	s.setStatus(503)
	if _, err := NewFromURL(s.URL+"/jwks", opts); !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503 endpoint: %v", err)
	}
	s.setStatus(200)

	s.mu.Lock()
	s.discovery = []byte(`{"issuer":"` + s.URL + `","jwks_uri":"` + s.URL + `/jwks"}`)
	s.mu.Unlock()
	configured := s.URL + "/"
	_, err = NewFromIssuer(configured, opts)
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("misnamed issuer: %v", err)
	}
	for _, part := range []string{`names issuer "` + s.URL + `"`, `expected "` + configured + `"`, "trailing slash"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("the error lacks %q: %v", part, err)
		}
	}
	lazyOpts := remoteOptions()
	lazy, err := NewFromIssuer(configured, lazyOpts)
	if err != nil {
		t.Fatalf("lazily: %v", err)
	}
	defer lazy.Close()
	token := k.es256.Sign(withClaims(map[string]any{"iss": configured}))
	if _, err := lazy.VerifyAt(token, testNow); !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "trailing slash") {
		t.Fatalf("lazily, at verification: %v", err)
	}
	if lazy.Ready() {
		t.Fatal("ready without keys")
	}
}

// Verifications are counted by result, from goroutines (run with -race); the counts of a
// closed verifier are ErrClosed.
func TestVerifyCounts(t *testing.T) {
	k := testKeys(t)
	v, err := NewFromJSON(jwttest.JWKS(k.es256), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Ready() {
		t.Fatal("a fixed key set is not ready")
	}
	good := k.es256.Sign(claimsAt(testNow))
	expired := k.es256.Sign(claimsAt(testNow.Add(-24 * time.Hour)))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := v.VerifyAt(good, testNow); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := v.VerifyAt(expired, testNow); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := v.VerifySignature([]byte("a.b")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed: %v", err)
	}
	c, err := v.VerifyCounts()
	if err != nil {
		t.Fatal(err)
	}
	if c.Succeeded() != 400 || c.Get(CodeOK) != 400 || c.Get(CodeExpired) != 1 || c.Get(CodeMalformed) != 1 || c.Failed() != 2 {
		t.Fatalf("counts: ok %d expired %d malformed %d failed %d", c.Get(CodeOK), c.Get(CodeExpired), c.Get(CodeMalformed), c.Failed())
	}
	if c.Get(Code(9999)) != 0 {
		t.Fatal("a number that is no code has a count")
	}
	v.Close()
	if _, err := v.VerifyCounts(); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}
