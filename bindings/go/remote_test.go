package jwks

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// keyServer is a local JWKS endpoint (127.0.0.1, port chosen by the system) whose key set and
// status can be changed by the test, counting the requests it serves.
type keyServer struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	jwks     []byte
	status   int
	headers  http.Header
	// discovery, if set, is served at /.well-known/openid-configuration.
	discovery []byte
}

func newKeyServer(t *testing.T, keys ...*jwttest.Key) *keyServer {
	t.Helper()
	s := &keyServer{jwks: jwttest.JWKS(keys...), status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		jwks, status, discovery := s.jwks, s.status, s.discovery
		s.headers = r.Header.Clone()
		s.mu.Unlock()
		if r.URL.Path == "/.well-known/openid-configuration" && discovery != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Write(discovery)
			return
		}
		if r.URL.Path != "/jwks" {
			http.NotFound(w, r)
			return
		}
		s.requests.Add(1)
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *keyServer) setKeys(keys ...*jwttest.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jwks = jwttest.JWKS(keys...)
}

func (s *keyServer) setStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *keyServer) lastHeader(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers.Get(name)
}

func remoteOptions() *Options {
	return &Options{
		Issuers: []string{testIssuer}, Audiences: []string{testAudience},
		AllowHTTP: true, HTTPTimeout: 3 * time.Second, RefreshCooldown: time.Hour,
	}
}

func newURLVerifier(t *testing.T, s *keyServer, opts *Options) *Verifier {
	t.Helper()
	v, err := NewFromURL(s.URL+"/jwks", opts)
	if err != nil {
		t.Fatalf("NewFromURL: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func mustVerify(t *testing.T, v *Verifier, token, what string) *Token {
	t.Helper()
	tok, err := v.Verify(token)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return tok
}

// Creation does no I/O; the first verification fetches once, and every later token with a
// known kid is verified from the cache.
func TestURLKnownKidsCostOneFetch(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.es256, k.rs256)
	opts := remoteOptions()
	opts.Headers = map[string]string{"X-Api-Key": "k-123"}
	v := newURLVerifier(t, s, opts)
	if n := s.requests.Load(); n != 0 {
		t.Fatalf("%d requests before the first verification", n)
	}
	for i := 0; i < 50; i++ {
		key := k.es256
		if i%2 == 1 {
			key = k.rs256
		}
		mustVerify(t, v, key.Sign(claimsAt(time.Now())), fmt.Sprintf("token %d", i))
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d key fetches for 50 known-kid tokens, want 1", n)
	}
	if got := s.lastHeader("X-Api-Key"); got != "k-123" {
		t.Errorf("X-Api-Key sent as %q", got)
	}
	st, err := v.Stats()
	if err != nil || st.Fetches != 1 || st.KeyCount != 2 || st.Failures != 0 || st.KeysAge < 0 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	if err := v.LastError(); err != nil {
		t.Errorf("LastError = %v", err)
	}
}

// A cold start under concurrent load fetches once, shared by all callers.
func TestURLColdStartSharesOneFetch(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.eddsa)
	v := newURLVerifier(t, s, remoteOptions())
	token := k.eddsa.Sign(claimsAt(time.Now()))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := v.Verify(token); err != nil {
				t.Errorf("Verify: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d key fetches for a concurrent cold start, want 1", n)
	}
}

// A new kid after a key rotation costs one refetch; a flood of unknown kids costs no more
// than that within the cooldown.
func TestURLRotationAndUnknownKidFlood(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.es256)
	v := newURLVerifier(t, s, remoteOptions())
	mustVerify(t, v, k.es256.Sign(claimsAt(time.Now())), "before rotation")

	rotated := jwttest.NewEC("ES256", "es256-next")
	s.setKeys(k.es256, rotated)
	mustVerify(t, v, rotated.Sign(claimsAt(time.Now())), "new kid after rotation")
	mustVerify(t, v, rotated.Sign(claimsAt(time.Now())), "new kid again")
	if n := s.requests.Load(); n != 2 {
		t.Fatalf("%d key fetches after one rotation, want 2", n)
	}

	for i := 0; i < 100; i++ {
		forged := jwttest.NewEd25519(fmt.Sprintf("random-%d", i))
		if _, err := v.Verify(forged.Sign(claimsAt(time.Now()))); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("unknown kid %d: %v, want ErrUnknownKey", i, err)
		}
	}
	if n := s.requests.Load(); n > 3 {
		t.Errorf("%d key fetches after 100 unknown kids, want at most 3", n)
	}
	st, err := v.Stats()
	if err != nil || st.UnknownKidRefreshes < 1 || st.CooldownRejections < 99 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	// Known kids still verify without a fetch.
	before := s.requests.Load()
	mustVerify(t, v, k.es256.Sign(claimsAt(time.Now())), "old kid after the flood")
	if s.requests.Load() != before {
		t.Error("a known kid caused a fetch")
	}
}

// An endpoint that fails before any key was obtained gives keys-unavailable (503), not a
// token rejection; once keys are cached, an outage does not stop verification.
func TestURLOutage(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.es256)
	s.setStatus(http.StatusInternalServerError)
	v := newURLVerifier(t, s, remoteOptions())
	token := k.es256.Sign(claimsAt(time.Now()))
	_, err := v.Verify(token)
	requireError(t, "endpoint down at start", err, ErrKeysUnavailable)
	if !IsUnavailable(err) || IsTokenRejected(err) {
		t.Errorf("%v: not in the keys-unavailable category", err)
	}
	if last := v.LastError(); !errors.Is(last, ErrUnavailable) {
		t.Errorf("LastError = %v", last)
	}
	if st, _ := v.Stats(); st.Failures < 1 || st.KeysAge >= 0 {
		t.Errorf("Stats = %+v", st)
	}

	s.setStatus(http.StatusOK)
	if err := v.Refresh(); err != nil {
		t.Fatalf("Refresh after recovery: %v", err)
	}
	mustVerify(t, v, token, "after recovery")
	if err := v.LastError(); err != nil {
		t.Errorf("LastError after recovery = %v", err)
	}

	s.setStatus(http.StatusServiceUnavailable)
	if err := v.Refresh(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Refresh during an outage: %v", err)
	}
	if v.LastError() == nil {
		t.Error("no LastError during an outage")
	}
	mustVerify(t, v, token, "cached keys during an outage")
}

func TestURLNeedsHTTPS(t *testing.T) {
	opts := remoteOptions()
	opts.AllowHTTP = false
	v, err := NewFromURL("http://127.0.0.1:9/jwks", opts)
	if err == nil {
		// The check may also happen on first use; either way nothing is fetched.
		_, err = v.Verify("e30.e30.e30")
		v.Close()
	}
	requireError(t, "http URL without AllowHTTP", err, ErrInsecureURL)
	if _, err := NewFromURL("https://a\x00b/jwks", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in URL: %v", err)
	}
}

func TestIssuerDiscovery(t *testing.T) {
	k := testKeys(t)
	s := newKeyServer(t, k.ps256)
	issuer := s.URL
	s.mu.Lock()
	s.discovery = mustJSON(map[string]any{"issuer": issuer, "jwks_uri": s.URL + "/jwks"})
	s.mu.Unlock()
	v, err := NewFromIssuer(issuer, &Options{AllowHTTP: true, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := mustVerify(t, v, k.ps256.Sign(jwttest.Claims(issuer, testAudience, time.Now().Unix())), "issuer token")
	if tok.Alg() != "PS256" {
		t.Errorf("alg %q", tok.Alg())
	}
	// The issuer is enforced.
	_, err = v.Verify(k.ps256.Sign(jwttest.Claims("https://other.example/", testAudience, time.Now().Unix())))
	requireError(t, "token from another issuer", err, ErrWrongIssuer)
}

func TestMultipleIssuers(t *testing.T) {
	k := testKeys(t)
	a := newKeyServer(t, k.es256)
	b := newKeyServer(t, k.eddsa)
	for _, s := range []*keyServer{a, b} {
		s.mu.Lock()
		s.discovery = mustJSON(map[string]any{"issuer": s.URL, "jwks_uri": s.URL + "/jwks"})
		s.mu.Unlock()
	}
	v, err := NewFromIssuers(&Options{Issuers: []string{a.URL, b.URL}, Audiences: []string{testAudience}, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	now := time.Now().Unix()
	mustVerify(t, v, k.es256.Sign(jwttest.Claims(a.URL, testAudience, now)), "issuer a")
	mustVerify(t, v, k.eddsa.Sign(jwttest.Claims(b.URL, testAudience, now)), "issuer b")
	// Issuer b's key does not verify issuer a's tokens.
	_, err = v.Verify(k.eddsa.Sign(jwttest.Claims(a.URL, testAudience, now)))
	if !errors.Is(err, ErrTokenRejected) {
		t.Errorf("a token claiming issuer a signed with b's key: %v", err)
	}
	if _, err := NewFromIssuers(nil); !errors.Is(err, ErrMisuse) {
		t.Errorf("NewFromIssuers without issuers: %v", err)
	}
}

func TestFileSource(t *testing.T) {
	k := testKeys(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwttest.JWKS(k.es384), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := NewFromFile(path, &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	mustVerify(t, v, k.es384.Sign(claimsAt(time.Now())), "key from the file")
	// A sidecar rotates the file; Refresh makes the reload deterministic here.
	if err := os.WriteFile(path, jwttest.JWKS(k.es384, k.eddsa), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	mustVerify(t, v, k.eddsa.Sign(claimsAt(time.Now())), "key added to the file")

	_, err = NewFromFile(filepath.Join(t.TempDir(), "missing.json"), nil)
	if err == nil || !(errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidArgument)) {
		t.Errorf("missing file: %v", err)
	}
	if err != nil && !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("the error does not name the file: %v", err)
	}
}

// An https endpoint with a private CA verifies only once that CA is trusted (Options.CAPEM).
func TestURLWithPrivateCA(t *testing.T) {
	k := testKeys(t)
	ca, cert, err := jwttest.PrivateCA()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(jwttest.JWKS(k.es256))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// The refused handshake of the untrusted client is expected; keep it out of the output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	token := k.es256.Sign(claimsAt(time.Now()))

	untrusted, err := NewFromURL(srv.URL+"/jwks", &Options{Audiences: []string{testAudience}, HTTPTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer untrusted.Close()
	_, err = untrusted.Verify(token)
	requireError(t, "unknown CA", err, ErrKeysUnavailable)

	trusted, err := NewFromURL(srv.URL+"/jwks", &Options{Audiences: []string{testAudience}, CAPEM: ca, HTTPTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer trusted.Close()
	mustVerify(t, trusted, token, "private CA trusted")
}
