package jwks

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mapStore is a ReplayStore over a map, counting its calls.
type mapStore struct {
	mu    sync.Mutex
	keys  map[string]int64
	calls atomic.Int64
}

func (s *mapStore) Check(key string, expiresAt, now int64) ReplayVerdict {
	s.calls.Add(1)
	if len(key) != 43 || expiresAt <= now {
		return ReplayUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.keys[key]; ok && now <= exp {
		return ReplaySeen
	}
	s.keys[key] = expiresAt
	return ReplayFresh
}

const resource = "https://api.example.com/orders"

// A store of the caller's, called from many goroutines at once: each proof is accepted once,
// the same proof sent by every goroutine is accepted by exactly one, and the store saw every
// proof.
func TestReplayStoreConcurrent(t *testing.T) {
	store := &mapStore{keys: map[string]int64{}}
	f := newDPoPFixture(t, Options{TokenScheme: SchemeDPoP, ReplayStore: store})
	shared := f.proof("GET", resource, "")
	const goroutines, each = 16, 20
	var accepted, sharedAccepted, sharedReplayed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				req := Request{Method: "GET", URI: resource, Authorization: []string{"DPoP " + f.token},
					DPoP: []string{f.proof("GET", resource, "")}}
				vr, err := f.v.VerifyRequest(req)
				if err != nil {
					errs <- err
					continue
				}
				if vr.DPoPJKT != f.proofKey.Thumbprint() {
					errs <- fmt.Errorf("jkt %q", vr.DPoPJKT)
				}
				accepted.Add(1)
			}
			req := Request{Method: "GET", URI: resource, Authorization: []string{"DPoP " + f.token}, DPoP: []string{shared}}
			_, err := f.v.VerifyRequest(req)
			switch {
			case err == nil:
				sharedAccepted.Add(1)
			case errors.Is(err, ErrDpopProofReplayed):
				sharedReplayed.Add(1)
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if accepted.Load() != goroutines*each || sharedAccepted.Load() != 1 || sharedReplayed.Load() != goroutines-1 {
		t.Fatalf("accepted %d, shared proof accepted %d and replayed %d", accepted.Load(), sharedAccepted.Load(), sharedReplayed.Load())
	}
	if store.calls.Load() != goroutines*each+goroutines || len(store.keys) != goroutines*each+1 {
		t.Fatalf("store: %d calls, %d keys", store.calls.Load(), len(store.keys))
	}
	// The in-memory store was not used.
	st, err := f.v.DPoPStats()
	if err != nil || st.ReplayEntries != 0 || st.Replays != goroutines-1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
}

type panicStore struct{}

func (panicStore) Check(string, int64, int64) ReplayVerdict { panic("store exploded") }

type verdictStore ReplayVerdict

func (s verdictStore) Check(string, int64, int64) ReplayVerdict { return ReplayVerdict(s) }

// A store that panics, or answers no verdict, or says it is unavailable: the proof is refused
// with 503, never accepted, and the process goes on.
func TestReplayStoreFailures(t *testing.T) {
	for name, store := range map[string]ReplayStore{
		"panic":       panicStore{},
		"unavailable": verdictStore(ReplayUnavailable),
		"no verdict":  verdictStore(7),
		"seen":        verdictStore(ReplaySeen),
	} {
		f := newDPoPFixture(t, Options{TokenScheme: SchemeDPoP, ReplayStore: store})
		req := Request{Method: "GET", URI: resource, Authorization: []string{"DPoP " + f.token},
			DPoP: []string{f.proof("GET", resource, "")}}
		_, err := f.v.VerifyRequest(req)
		want, status := ErrReplayStoreUnavailable, 503
		if name == "seen" {
			want, status = ErrDpopProofReplayed, 401
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if r := f.v.Refusal(err, &req, "", ""); r.Status != status {
			t.Errorf("%s: refusal %+v", name, r)
		}
	}
}

// The store's handle is released when the last holder is freed: the verifier (Close), or
// the options alone when no verifier is made.
func TestReplayStoreReleased(t *testing.T) {
	before := replayStoresFreed.Load()
	v, err := NewFromJSON([]byte(`{"keys":[]}`), &Options{ReplayStore: &mapStore{}})
	if err == nil {
		v.Close()
		t.Fatal("an empty key set was accepted")
	}
	if got := replayStoresFreed.Load(); got != before+1 {
		t.Fatalf("after a failed creation: %d released, want %d", got-before, 1)
	}
	f := newDPoPFixture(t, Options{TokenScheme: SchemeDPoP, ReplayStore: &mapStore{keys: map[string]int64{}}})
	if got := replayStoresFreed.Load(); got != before+1 {
		t.Fatalf("released while the verifier lives")
	}
	f.v.Close()
	if got := replayStoresFreed.Load(); got != before+2 {
		t.Fatalf("after Close: %d released, want 2", got-before)
	}
}

// Server nonces: DPoPNonce gives one; a proof without it is answered use_dpop_nonce with a
// nonce, and a proof with it is accepted.
func TestDPoPNonce(t *testing.T) {
	f := newDPoPFixture(t, Options{TokenScheme: SchemeDPoP, DPoPNonceLifetime: 300 * time.Second})
	req := Request{Method: "POST", URI: resource, Authorization: []string{"DPoP " + f.token},
		DPoP: []string{f.proof("POST", resource, "")}}
	_, err := f.v.VerifyRequest(req)
	if !errors.Is(err, ErrDpopNonceRequired) {
		t.Fatalf("no nonce: %v", err)
	}
	r := f.v.Refusal(err, &req, "", "")
	if r.Status != 401 || r.Error != "use_dpop_nonce" || r.DPoPNonce == "" {
		t.Fatalf("refusal %+v", r)
	}
	req.DPoP = []string{f.proof("POST", resource, r.DPoPNonce)}
	if _, err := f.v.VerifyRequest(req); err != nil {
		t.Fatalf("with the nonce: %v", err)
	}
	n, err := f.v.DPoPNonce()
	if err != nil || n == "" {
		t.Fatalf("DPoPNonce: %q, %v", n, err)
	}
	off := newDPoPFixture(t, Options{TokenScheme: SchemeDPoP})
	if n, err := off.v.DPoPNonce(); err != nil || n != "" {
		t.Fatalf("nonces off: %q, %v", n, err)
	}
	off.v.Close()
	if _, err := off.v.DPoPNonce(); err != ErrClosed {
		t.Fatalf("closed: %v", err)
	}
	if _, err := off.v.VerifyRequest(req); err != ErrClosed {
		t.Fatalf("closed: %v", err)
	}
}

// Bad arguments are errors, never crashes: NUL bytes, a route scheme that is none.
func TestVerifyRequestBadArguments(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	for name, req := range map[string]Request{
		"NUL in the URI":    {Method: "GET", URI: "https://a\x00b/", Authorization: []string{"Bearer " + f.bearer}},
		"NUL in a header":   {Method: "GET", URI: resource, Authorization: []string{"Bearer \x00"}},
		"NUL in the cert":   {Method: "GET", URI: resource, ClientCert: ClientCertXFCC("a\x00")},
		"an unknown scheme": {Method: "GET", URI: resource, TokenScheme: "basic"},
	} {
		_, err := f.v.VerifyRequest(req)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if r := f.v.Refusal(errors.New("not the library's"), nil, "", ""); r.Status != 500 {
		t.Errorf("refusal of a foreign error: %+v", r)
	}
}
