package jwksredis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
	"github.com/jwks-project/jwks/bindings/go/jwksredis"
	"github.com/redis/go-redis/v9"
)

const (
	issuer   = "https://issuer.example/"
	audience = "api://orders"
	uri      = "https://api.example.com/orders"
)

// startRedis runs a redis-server of its own on 127.0.0.1 (a free port, nothing saved to
// disk) for the test, and returns its address. No redis-server is a failure, not a skip:
// scripts/test-go.sh installs it.
func startRedis(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is needed (Debian: apt-get install redis-server): %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := lis.Addr().(*net.TCPAddr).Port
	lis.Close()
	var out bytes.Buffer
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func client(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// fixture is an issuer's key set, a client's proof key and a token bound to it.
type fixture struct {
	jwks     string
	proofKey *jwttest.Key
	token    string
}

func newFixture() *fixture {
	issuerKey := jwttest.NewEC("ES256", "k1")
	proofKey := jwttest.NewEC("ES256", "")
	claims := jwttest.Claims(issuer, audience, time.Now().Unix())
	claims["cnf"] = map[string]any{"jkt": proofKey.Thumbprint()}
	return &fixture{string(jwttest.JWKS(issuerKey)), proofKey, issuerKey.Sign(claims)}
}

func (f *fixture) proof() string {
	return f.proofKey.Proof(jwttest.ProofClaims("GET", uri, f.token, time.Now().Unix(), ""))
}

// verify verifies the request of token and proof with a verifier over a Store on addr, and
// returns the result's name.
func verify(jwksJSON, addr, token, proof string) (string, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	v, err := jwks.NewFromJSON([]byte(jwksJSON), &jwks.Options{
		Issuers: []string{issuer}, Audiences: []string{audience},
		TokenScheme: jwks.SchemeDPoP, ReplayStore: jwksredis.New(rdb, nil),
	})
	if err != nil {
		return "", err
	}
	defer v.Close()
	_, err = v.VerifyRequest(jwks.Request{Method: "GET", URI: uri,
		Authorization: []string{"DPoP " + token}, DPoP: []string{proof}})
	return name(err), nil
}

func name(err error) string {
	var e *jwks.Error
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &e):
		return e.Name
	}
	return err.Error()
}

// TestHelperProcess is the other server process of TestTwoProcesses: the test binary run
// again with JWKSREDIS_HELPER set. Otherwise it does nothing.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("JWKSREDIS_HELPER") != "1" {
		return
	}
	got, err := verify(os.Getenv("JWKSREDIS_JWKS"), os.Getenv("JWKSREDIS_ADDR"),
		os.Getenv("JWKSREDIS_TOKEN"), os.Getenv("JWKSREDIS_PROOF"))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("VERDICT", got)
	os.Exit(0)
}

// inProcess verifies in another process of the test binary, with its own verifier and
// Redis client, sharing only the Redis server.
func inProcess(t *testing.T, f *fixture, addr, proof string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "JWKSREDIS_HELPER=1", "JWKSREDIS_ADDR="+addr,
		"JWKSREDIS_JWKS="+f.jwks, "JWKSREDIS_TOKEN="+f.token, "JWKSREDIS_PROOF="+proof)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "VERDICT "); ok {
			return v
		}
	}
	t.Fatalf("helper process said %q", out)
	return ""
}

// Two server processes share one Redis: a proof accepted by one is a replay for the other,
// and a fresh proof is accepted by either.
func TestTwoProcesses(t *testing.T) {
	addr := startRedis(t)
	f := newFixture()
	proof := f.proof()
	if got := inProcess(t, f, addr, proof); got != "OK" {
		t.Fatalf("first process: %s", got)
	}
	if got := inProcess(t, f, addr, proof); got != "DPOP_PROOF_REPLAYED" {
		t.Fatalf("second process, the same proof: %s", got)
	}
	if got := inProcess(t, f, addr, f.proof()); got != "OK" {
		t.Fatalf("second process, a fresh proof: %s", got)
	}
	// And this process too, with a verifier of its own.
	if got, err := verify(f.jwks, addr, f.token, proof); err != nil || got != "DPOP_PROOF_REPLAYED" {
		t.Fatalf("third process: %s, %v", got, err)
	}
	// Two keys, each under the prefix, expiring one second after the library's expiry.
	keys, err := client(t, addr).Keys(context.Background(), "*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %q, %v", keys, err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, jwksredis.DefaultPrefix) || len(k) != len(jwksredis.DefaultPrefix)+43 {
			t.Errorf("key %q", k)
		}
		ttl, err := client(t, addr).TTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > 2*time.Minute {
			t.Errorf("%s: TTL %v, %v", k, ttl, err)
		}
	}
}

// Check directly: SET NX EXAT semantics, the expiry one second past expiresAt, and one Fresh
// among many goroutines checking the same key at once.
func TestCheck(t *testing.T) {
	addr := startRedis(t)
	rdb := client(t, addr)
	s := jwksredis.New(rdb, &jwksredis.Options{Prefix: "test:"})
	now := time.Now().Unix()
	key := strings.Repeat("k", 43)
	if v := s.Check(key, now+60, now); v != jwks.ReplayFresh {
		t.Fatalf("first: %v", v)
	}
	if v := s.Check(key, now+60, now); v != jwks.ReplaySeen {
		t.Fatalf("again: %v", v)
	}
	at, err := rdb.ExpireTime(context.Background(), "test:"+key).Result()
	if err != nil || at != time.Duration(now+61)*time.Second {
		t.Fatalf("expire time %v, %v", at, err)
	}
	const goroutines = 32
	var wg sync.WaitGroup
	verdicts := make(chan jwks.ReplayVerdict, goroutines)
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verdicts <- s.Check(strings.Repeat("c", 43), now+60, now)
		}()
	}
	wg.Wait()
	close(verdicts)
	count := map[jwks.ReplayVerdict]int{}
	for v := range verdicts {
		count[v]++
	}
	if count[jwks.ReplayFresh] != 1 || count[jwks.ReplaySeen] != goroutines-1 {
		t.Fatalf("verdicts %v", count)
	}
}

// One verifier, many goroutines, one proof each and one proof all share: each is accepted
// once.
func TestConcurrentRequests(t *testing.T) {
	addr := startRedis(t)
	f := newFixture()
	v, err := jwks.NewFromJSON([]byte(f.jwks), &jwks.Options{
		Issuers: []string{issuer}, Audiences: []string{audience},
		TokenScheme: jwks.SchemeDPoP, ReplayStore: jwksredis.New(client(t, addr), nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	shared := f.proof()
	const goroutines = 16
	var wg sync.WaitGroup
	results := make(chan string, 2*goroutines)
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range []string{f.proof(), shared} {
				_, err := v.VerifyRequest(jwks.Request{Method: "GET", URI: uri,
					Authorization: []string{"DPoP " + f.token}, DPoP: []string{p}})
				results <- name(err)
			}
		}()
	}
	wg.Wait()
	close(results)
	count := map[string]int{}
	for r := range results {
		count[r]++
	}
	if count["OK"] != goroutines+1 || count["DPOP_PROOF_REPLAYED"] != goroutines-1 {
		t.Fatalf("results %v", count)
	}
}

// Redis unreachable: the proof is refused as store-failed (503), never accepted.
func TestUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	s := jwksredis.New(rdb, &jwksredis.Options{Timeout: 2 * time.Second})
	if v := s.Check(strings.Repeat("k", 43), time.Now().Unix()+60, time.Now().Unix()); v != jwks.ReplayUnavailable {
		t.Fatalf("Check: %v", v)
	}
	f := newFixture()
	v, err := jwks.NewFromJSON([]byte(f.jwks), &jwks.Options{
		Issuers: []string{issuer}, Audiences: []string{audience},
		TokenScheme: jwks.SchemeDPoP, ReplayStore: s,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	req := jwks.Request{Method: "GET", URI: uri, Authorization: []string{"DPoP " + f.token}, DPoP: []string{f.proof()}}
	_, err = v.VerifyRequest(req)
	if !errors.Is(err, jwks.ErrReplayStoreUnavailable) {
		t.Fatalf("VerifyRequest: %v", err)
	}
	if r := v.Refusal(err, &req, "", ""); r.Status != 503 {
		t.Fatalf("refusal %+v", r)
	}
}

// A Redis that answers too slowly is a failure too, within the timeout (with a client that
// honours context deadlines).
func TestTimeout(t *testing.T) {
	// A listener that accepts and never answers.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: lis.Addr().String(), MaxRetries: -1, ContextTimeoutEnabled: true})
	defer rdb.Close()
	s := jwksredis.New(rdb, &jwksredis.Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	if v := s.Check(strings.Repeat("k", 43), time.Now().Unix()+60, time.Now().Unix()); v != jwks.ReplayUnavailable {
		t.Fatalf("Check: %v", v)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
}
