package jwks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// Remote options tested for their effect, not only for being accepted: each option is set to
// a value whose effect shows against a loopback server, on both sides of the value, so an
// ignored option or a seconds/milliseconds slip in a setter fails.

// effectServer is a JWKS endpoint whose delay, Cache-Control max-age, status and body can be
// changed while it runs; it counts the key-set requests and keeps the last request's headers.
type effectServer struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	body     []byte
	delay    time.Duration
	maxAge   int // -1: no Cache-Control
	status   int
	header   http.Header
}

func newEffectServer(t *testing.T, body []byte) *effectServer {
	t.Helper()
	s := &effectServer{body: body, maxAge: -1, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, delay, maxAge, status := s.body, s.delay, s.maxAge, s.status
		s.header = r.Header.Clone()
		s.mu.Unlock()
		s.requests.Add(1)
		time.Sleep(delay)
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		if maxAge >= 0 {
			w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", maxAge))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *effectServer) set(f func(s *effectServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// jwttestJWKS is the key set of the EdDSA test key alone.
func jwttestJWKS(k *keys) []byte { return jwttest.JWKS(k.eddsa) }

func effectVerifier(t *testing.T, url string, opts *Options) *Verifier {
	t.Helper()
	opts.Issuers = []string{testIssuer}
	opts.Audiences = []string{testAudience}
	opts.AllowHTTP = true
	v, err := NewFromURL(url, opts)
	if err != nil {
		t.Fatalf("NewFromURL: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// eventually verifies until the server has seen `want` requests, or fails after `within`.
func eventually(t *testing.T, v *Verifier, token string, s *effectServer, want int64, within time.Duration, why string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for s.requests.Load() < want && time.Now().Before(deadline) {
		v.Verify(token)
		time.Sleep(50 * time.Millisecond)
	}
	if got := s.requests.Load(); got < want {
		t.Fatalf("%d requests, want %d: %s", got, want, why)
	}
}

func TestEffectCacheTTLIsSeconds(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	s := newEffectServer(t, jwttestJWKS(k))
	v := effectVerifier(t, s.URL, &Options{CacheTTL: 2 * time.Second, MinCacheTTL: time.Second, MaxCacheTTL: 24 * time.Hour})
	token := k.eddsa.Sign(claimsAt(time.Now()))
	mustVerify(t, v, token, "first")
	time.Sleep(500 * time.Millisecond)
	mustVerify(t, v, token, "cached")
	if n := s.requests.Load(); n != 1 {
		t.Fatalf("%d requests within a 2s ttl: the ttl is shorter than 2s", n)
	}
	time.Sleep(2 * time.Second)
	eventually(t, v, token, s, 2, 3*time.Second, "not refetched 2.5s into a 2s ttl: the ttl is longer")
}

func TestEffectCacheTTLBoundsClampMaxAge(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	token := k.eddsa.Sign(claimsAt(time.Now()))
	// max-age=1 raised to the 2s lower bound.
	low := newEffectServer(t, jwttestJWKS(k))
	low.set(func(s *effectServer) { s.maxAge = 1 })
	v := effectVerifier(t, low.URL, &Options{CacheTTL: 2 * time.Second, MinCacheTTL: 2 * time.Second, MaxCacheTTL: 24 * time.Hour})
	mustVerify(t, v, token, "first")
	time.Sleep(1400 * time.Millisecond)
	mustVerify(t, v, token, "cached")
	if n := low.requests.Load(); n != 1 {
		t.Fatalf("refetched after 1.4s: max-age 1 was not raised to the 2s lower bound")
	}
	time.Sleep(time.Second)
	eventually(t, v, token, low, 2, 3*time.Second, "not refetched after the 2s lower bound")
	// max-age=3600 lowered to the 1s upper bound.
	high := newEffectServer(t, jwttestJWKS(k))
	high.set(func(s *effectServer) { s.maxAge = 3600 })
	w := effectVerifier(t, high.URL, &Options{CacheTTL: time.Second, MinCacheTTL: time.Second, MaxCacheTTL: time.Second})
	mustVerify(t, w, token, "first")
	time.Sleep(1300 * time.Millisecond)
	eventually(t, w, token, high, 2, 3*time.Second, "max-age 3600 not lowered to the 1s upper bound")
}

func TestEffectMaxStaleIsSeconds(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	s := newEffectServer(t, jwttestJWKS(k))
	s.set(func(s *effectServer) { s.maxAge = 1 })
	v := effectVerifier(t, s.URL, &Options{CacheTTL: time.Second, MinCacheTTL: time.Second, MaxCacheTTL: time.Hour, MaxStale: 3 * time.Second})
	token := k.eddsa.Sign(claimsAt(time.Now()))
	mustVerify(t, v, token, "first")
	fetched := time.Now()
	s.set(func(s *effectServer) { s.status = http.StatusServiceUnavailable })
	time.Sleep(2 * time.Second) // 1s past expiry, inside max_stale
	mustVerify(t, v, token, "stale keys inside MaxStale")
	time.Sleep(time.Until(fetched.Add(6 * time.Second))) // 5s past expiry
	_, err := v.Verify(token)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("5s past expiry with MaxStale 3s: got %v, want keys unavailable", err)
	}
}

func TestEffectHTTPTimeoutIsMilliseconds(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	s := newEffectServer(t, jwttestJWKS(k))
	s.set(func(s *effectServer) { s.delay = 1500 * time.Millisecond })
	token := k.eddsa.Sign(claimsAt(time.Now()))
	short := effectVerifier(t, s.URL, &Options{HTTPTimeout: 500 * time.Millisecond, ConnectTimeout: 500 * time.Millisecond})
	start := time.Now()
	_, err := short.Verify(token)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("0.5s timeout against a 1.5s answer: got %v, want keys unavailable", err)
	}
	if took := time.Since(start); took > 1400*time.Millisecond {
		t.Fatalf("a 0.5s timeout waited %v", took)
	}
	long := effectVerifier(t, s.URL, &Options{HTTPTimeout: 5 * time.Second})
	mustVerify(t, long, token, "5s timeout against a 1.5s answer")
}

func TestEffectConnectTimeoutIsMilliseconds(t *testing.T) {
	t.Parallel()
	// A listener (backlog 0) whose accept queue is full: further connects hang unanswered.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	var fillers []net.Conn
	defer func() {
		for _, c := range fillers {
			c.Close()
		}
	}()
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break // the queue is full
		}
		fillers = append(fillers, c)
	}
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Fatal("the loopback accept queue does not fill up here; cannot test ConnectTimeout")
	}
	k := testKeys(t)
	v := effectVerifier(t, "http://"+addr+"/jwks", &Options{ConnectTimeout: 500 * time.Millisecond, HTTPTimeout: 20 * time.Second})
	start := time.Now()
	_, err = v.Verify(k.eddsa.Sign(claimsAt(time.Now())))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want keys unavailable", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a 0.5s connect timeout took %v (the 20s total timeout?)", took)
	}
}

func TestEffectMaxResponseSizeIsBytes(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	// The usable key plus keys of an unsupported curve the library skips: about 3 KB.
	var pad []string
	for i := 0; i < 20; i++ {
		pad = append(pad, fmt.Sprintf(`{"kty":"OKP","crv":"X448","kid":"pad-%d","x":"%s"}`, i, strings.Repeat("A", 100)))
	}
	base := jwttestJWKS(k)
	body := append(bytes.TrimSuffix(bytes.TrimSpace(base), []byte("]}")), []byte(","+strings.Join(pad, ",")+"]}")...)
	if len(body) <= 2048 || len(body) >= 8192 {
		t.Fatalf("key set is %d bytes, want between 2 and 8 KiB", len(body))
	}
	s := newEffectServer(t, body)
	token := k.eddsa.Sign(claimsAt(time.Now()))
	small := effectVerifier(t, s.URL, &Options{MaxResponseSize: 2048})
	if _, err := small.Verify(token); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a %d-byte key set under a 2048-byte limit: got %v", len(body), err)
	}
	big := effectVerifier(t, s.URL, &Options{MaxResponseSize: 8192})
	mustVerify(t, big, token, "8192-byte limit")
}

func TestEffectHeadersReachTheServer(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	s := newEffectServer(t, jwttestJWKS(k))
	v := effectVerifier(t, s.URL, &Options{Headers: map[string]string{"Authorization": "Bearer t-1", "X-Tenant": "blue"}})
	mustVerify(t, v, k.eddsa.Sign(claimsAt(time.Now())), "with headers")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.header.Get("Authorization") != "Bearer t-1" || s.header.Get("X-Tenant") != "blue" {
		t.Fatalf("headers sent: %v", s.header)
	}
}

// tunnelProxy is a forward proxy that sends every CONNECT tunnel (and plain proxied request)
// to target, whatever host was asked for, recording the request lines.
type tunnelProxy struct {
	*httptest.Server
	mu    sync.Mutex
	asked []string
}

func newTunnelProxy(t *testing.T, target string) *tunnelProxy {
	p := &tunnelProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.asked = append(p.asked, r.Method+" "+r.Host+r.URL.Path)
		p.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer up.Close()
		if r.Method != http.MethodConnect {
			r.URL.Scheme, r.URL.Host, r.RequestURI = "", "", ""
			r.Write(up)
			resp, err := io.ReadAll(up)
			if err == nil {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Write(resp)
				conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		done := make(chan struct{})
		go func() { io.Copy(conn, up); close(done) }()
		io.Copy(up, buf)
		<-done
	}))
	t.Cleanup(p.Close)
	return p
}

func TestEffectProxyCarriesTheFetch(t *testing.T) {
	t.Parallel()
	k := testKeys(t)
	s := newEffectServer(t, jwttestJWKS(k))
	p := newTunnelProxy(t, s.Listener.Addr().String())
	token := k.eddsa.Sign(claimsAt(time.Now()))
	// The host does not resolve: only the proxy reaches the key server.
	url := "http://jwks.invalid/jwks"
	v := effectVerifier(t, url, &Options{Proxy: p.URL, HTTPTimeout: 5 * time.Second})
	mustVerify(t, v, token, "through the proxy")
	p.mu.Lock()
	asked := append([]string(nil), p.asked...)
	p.mu.Unlock()
	if len(asked) == 0 || !strings.Contains(asked[0], "jwks.invalid") {
		t.Fatalf("proxy saw %v", asked)
	}
	if s.requests.Load() != 1 {
		t.Fatalf("key server saw %d requests", s.requests.Load())
	}
	direct := effectVerifier(t, url, &Options{HTTPTimeout: 5 * time.Second})
	if _, err := direct.Verify(token); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("without the proxy: got %v, want keys unavailable", err)
	}
}
