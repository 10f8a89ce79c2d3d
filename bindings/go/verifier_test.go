package jwks

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

var thumbprintPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func payloadOf(t *testing.T, token string) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyEachAlgorithm(t *testing.T) {
	v := newTestVerifier(t, nil)
	seen := map[string]bool{}
	for _, k := range testKeys(t).all() {
		now := time.Now()
		token := k.Sign(claimsAt(now))
		tok, err := v.Verify(token)
		if err != nil {
			t.Errorf("%s: Verify: %v", k.Alg, err)
			continue
		}
		if _, err := v.VerifyAt(token, now.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
			t.Errorf("%s: VerifyAt two hours later: %v, want ErrExpired", k.Alg, err)
		}
		if tok.Alg() != k.Alg || tok.Kid() != k.Kid || !tok.HasKid() || tok.KeyID() != k.Kid {
			t.Errorf("%s: alg %q kid %q key id %q", k.Alg, tok.Alg(), tok.Kid(), tok.KeyID())
		}
		if !thumbprintPattern.MatchString(tok.KeyThumbprint()) || seen[tok.KeyThumbprint()] {
			t.Errorf("%s: thumbprint %q", k.Alg, tok.KeyThumbprint())
		}
		seen[tok.KeyThumbprint()] = true
		if !bytes.Equal(tok.Claims(), payloadOf(t, token)) {
			t.Errorf("%s: Claims() is not the payload as received", k.Alg)
		}
		var header map[string]string
		if err := json.Unmarshal(tok.Header(), &header); err != nil || header["alg"] != k.Alg || header["typ"] != "JWT" {
			t.Errorf("%s: header %s (%v)", k.Alg, tok.Header(), err)
		}
		if sub, err := tok.ClaimString("sub"); sub != "user-1234567890" || err != nil {
			t.Errorf("%s: sub %q %v", k.Alg, sub, err)
		}
		if exp, err := tok.ClaimInt("exp"); exp != now.Unix()+3600 || err != nil {
			t.Errorf("%s: exp %d %v", k.Alg, exp, err)
		}
		var claims struct {
			Groups []string `json:"groups"`
			Email  string   `json:"email"`
		}
		if err := tok.UnmarshalClaims(&claims); err != nil || claims.Email != "jane.doe@example.com" || len(claims.Groups) != 3 {
			t.Errorf("%s: UnmarshalClaims %+v %v", k.Alg, claims, err)
		}
	}
}

func TestHMACOnlyWhenAllowed(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	hs := jwttest.NewHMAC("HS256", "hs", secret)
	jwks := jwttest.JWKS(hs)
	if _, err := NewFromJSON(jwks, nil); !errors.Is(err, ErrKeySetInvalid) {
		t.Errorf("oct-only set without HS*: %v, want ErrKeySetInvalid", err)
	}
	v, err := NewFromJSON(jwks, &Options{Algorithms: []string{"HS256"}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok, err := v.VerifyAt(hs.Sign(claimsAt(testNow)), testNow)
	if err != nil || tok.Alg() != "HS256" {
		t.Fatalf("HS256: %v", err)
	}
}

func TestTokenIsAPlainValue(t *testing.T) {
	k := testKeys(t)
	v, err := NewFromJSON(jwttest.JWKS(k.es256), &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	token := k.es256.Sign(claimsAt(testNow))
	tok, err := v.VerifyAt(token, testNow)
	if err != nil {
		t.Fatal(err)
	}
	// Claims and Header are copies: changing them changes nothing in the token.
	c := tok.Claims()
	for i := range c {
		c[i] = 'x'
	}
	h := tok.Header()
	for i := range h {
		h[i] = 'x'
	}
	if !bytes.Equal(tok.Claims(), payloadOf(t, token)) || tok.Header()[0] != '{' {
		t.Fatal("the token changed through a returned slice")
	}
	// The token outlives its verifier.
	v.Close()
	runtime.GC()
	if sub, err := tok.ClaimString("sub"); err != nil || sub != "user-1234567890" || tok.KeyID() != "es256" {
		t.Fatalf("after Close: %q %v", sub, err)
	}
}

// Tokens whose parts do not fit the scratch space take the second copy path.
func TestLargeTokens(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, nil)
	for _, size := range []int{scratchSize - 600, scratchSize, scratchSize + 1, 2 * scratchSize} {
		claims := withClaims(map[string]any{"pad": strings.Repeat("p", size)})
		token := k.es256.Sign(claims)
		tok, err := v.VerifyAt(token, testNow)
		if err != nil {
			t.Fatalf("%d-byte claim: %v", size, err)
		}
		if !bytes.Equal(tok.Claims(), payloadOf(t, token)) || tok.Kid() != "es256" || tok.KeyID() != "es256" || tok.Alg() != "ES256" {
			t.Fatalf("%d-byte claim: token parts differ", size)
		}
		if pad, err := tok.ClaimString("pad"); err != nil || len(pad) != size || !thumbprintPattern.MatchString(tok.KeyThumbprint()) {
			t.Fatalf("%d-byte claim: pad %d bytes, %v", size, len(pad), err)
		}
	}
}

func TestLongKids(t *testing.T) {
	long := strings.Repeat("k", 3000)
	key := jwttest.NewEd25519(long)
	// A key whose kid is long, named by a token without kid: the header is short but the
	// key's kid is not.
	other := jwttest.NewEd25519("")
	other.JWK["kid"] = strings.Repeat("z", 5000)
	v, err := NewFromJSON(jwttest.JWKSOf(key.JWK, other.JWK), &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok, err := v.VerifyAt(key.Sign(claimsAt(testNow)), testNow)
	if err != nil || tok.Kid() != long || tok.KeyID() != long {
		t.Fatalf("long kid: %v", err)
	}
	noKid := other.SignWithHeader(map[string]any{"alg": "EdDSA"}, claimsAt(testNow))
	tok, err = v.VerifyAt(noKid, testNow)
	if err != nil || tok.HasKid() || tok.Kid() != "" || tok.KeyID() != other.JWK["kid"] {
		t.Fatalf("token without kid: %v (kid %q, key id %q)", err, tok.Kid(), tok.KeyID())
	}
	if sub, _ := tok.ClaimString("sub"); sub != "user-1234567890" || !thumbprintPattern.MatchString(tok.KeyThumbprint()) {
		t.Fatalf("token without kid: sub %q thumbprint %q", sub, tok.KeyThumbprint())
	}
}

// A kid holding a NUL, which C reads cut short, is refused as malformed (so HasKid is never
// false for a header that has one); a key whose kid holds one is skipped.
func TestKidHoldingNul(t *testing.T) {
	key := jwttest.NewEd25519("k")
	v, err := NewFromJSON(jwttest.JWKS(key), &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, kid := range []string{"k\x00", "\x00", "k\x00evil"} {
		token := key.SignWithHeader(map[string]any{"alg": "EdDSA", "kid": kid}, claimsAt(testNow))
		for _, verify := range []func() (*Token, error){
			func() (*Token, error) { return v.VerifyAt(token, testNow) },
			func() (*Token, error) { return v.VerifySignature([]byte(token)) },
		} {
			tok, err := verify()
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "NUL") {
				t.Errorf("kid %q: %v (has kid %v), want ErrMalformed naming the NUL", kid, err, tok != nil && tok.HasKid())
			}
		}
	}
	nul := jwttest.NewEd25519("a\x00b")
	v2, err := NewFromJSON(jwttest.JWKS(nul, key), &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	skipped, err := v2.SkippedKeys()
	if err != nil || len(skipped) != 1 || !strings.Contains(skipped[0].Reason, "NUL") {
		t.Fatalf("skipped keys: %+v, %v", skipped, err)
	}
	noKid := nul.SignWithHeader(map[string]any{"alg": "EdDSA"}, claimsAt(testNow))
	if _, err := v2.VerifyAt(noKid, testNow); !errors.Is(err, ErrBadSignature) {
		t.Errorf("token of the skipped key: %v, want ErrBadSignature", err)
	}
}

func TestVerifySignatureAnyPayload(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, nil)
	header := mustJSON(map[string]any{"alg": "ES256", "kid": "es256"})
	binary := []byte{0, 1, 2, 0xff, '{'}
	tok, err := v.VerifySignature([]byte(k.es256.SignRaw("ES256", header, binary)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(tok.Claims(), binary) {
		t.Errorf("payload %q", tok.Claims())
	}
	if _, err := tok.ClaimString("sub"); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of a binary payload: %v, want ErrNotFound", err)
	}
	// No claim checks: an expired token's signature still verifies.
	expired := k.es256.Sign(withClaims(map[string]any{"exp": 1}))
	if _, err := v.VerifySignature([]byte(expired)); err != nil {
		t.Errorf("expired token, signature only: %v", err)
	}
	// Duplicate members are refused by Verify; with VerifySignature the signature verifies,
	// and the library does not read the payload as claims: every getter answers ErrNotFound,
	// as in C (Go answered "last one wins" before).
	dup := k.es256.SignRaw("ES256", header, []byte(`{"sub":"first","sub":"last"}`))
	tok, err = v.VerifySignature([]byte(dup))
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := tok.ClaimString("sub"); !errors.Is(err, ErrNotFound) {
		t.Errorf("duplicate sub: %q, %v; want ErrNotFound", sub, err)
	}
	if err := tok.ClaimsReadable(); !errors.Is(err, ErrInvalidClaim) {
		t.Errorf("ClaimsReadable of duplicate members: %v", err)
	}
	if _, err := v.VerifyAt(dup, testNow); !errors.Is(err, ErrInvalidClaim) {
		t.Errorf("duplicate members through Verify: %v, want ErrInvalidClaim", err)
	}
	if _, err := v.VerifySignature(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("nil JWS: %v", err)
	}
}

func TestClaimGetters(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, &Options{NoRequireExp: true, Audiences: []string{"a1"}})
	payload := `{ "aud" : ["a0","a1"], "s":"plain", "esc":"tab\tquote\"uni\u00e9\ud83d\ude00",
		"nested":{"sub":"inner","x":[1,{"y":"}"}]}, "i":-42, "zero":-0, "big":9223372036854775807,
		"huge":9223372036854775808, "exp1":1e3, "frac":1.0, "t":true, "f":false, "n":null,
		"arr":["x",1,{"x":"x"},["x"]], "\u0073ub":"escaped-name", "emptyarr":[], "emptyobj":{} }`
	header := mustJSON(map[string]any{"alg": "EdDSA", "kid": "eddsa"})
	tok, err := v.VerifyAt(k.eddsa.SignRaw("EdDSA", header, []byte(payload)), testNow)
	if err != nil {
		t.Fatal(err)
	}
	str := func(name, want string, wantErr error) {
		t.Helper()
		got, err := tok.ClaimString(name)
		if got != want || !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Errorf("ClaimString(%q) = %q, %v; want %q, %v", name, got, err, want, wantErr)
		}
	}
	str("s", "plain", nil)
	str("esc", "tab\tquote\"uni\u00e9\U0001F600", nil)
	str("sub", "escaped-name", nil) // the only top-level sub is spelled with an escape
	str("x", "", ErrNotFound)       // only nested
	str("y", "", ErrNotFound)
	str("i", "", ErrTypeMismatch)
	str("n", "", ErrTypeMismatch)
	str("nested", "", ErrTypeMismatch)

	integer := func(name string, want int64, wantErr error) {
		t.Helper()
		got, err := tok.ClaimInt(name)
		if got != want || !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Errorf("ClaimInt(%q) = %d, %v; want %d, %v", name, got, err, want, wantErr)
		}
	}
	integer("i", -42, nil)
	integer("zero", 0, ErrTypeMismatch) // -0, which the C getter refuses too
	integer("big", 9223372036854775807, nil)
	integer("huge", 0, ErrTypeMismatch)
	integer("exp1", 0, ErrTypeMismatch)
	integer("frac", 0, ErrTypeMismatch)
	integer("s", 0, ErrTypeMismatch)
	integer("nope", 0, ErrNotFound)

	if b, err := tok.ClaimBool("t"); !b || err != nil {
		t.Errorf("ClaimBool(t) = %v, %v", b, err)
	}
	if b, err := tok.ClaimBool("f"); b || err != nil {
		t.Errorf("ClaimBool(f) = %v, %v", b, err)
	}
	if _, err := tok.ClaimBool("n"); !errors.Is(err, ErrTypeMismatch) {
		t.Errorf("ClaimBool(n): %v", err)
	}

	contains := func(name, value string, want bool, wantErr error) {
		t.Helper()
		got, err := tok.ClaimContains(name, value)
		if got != want || !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Errorf("ClaimContains(%q, %q) = %v, %v; want %v, %v", name, value, got, err, want, wantErr)
		}
	}
	contains("aud", "a1", true, nil)
	contains("aud", "a2", false, nil)
	contains("s", "plain", true, nil)
	contains("s", "plai", false, nil)
	contains("arr", "x", true, nil)
	contains("arr", "1", false, nil)
	contains("emptyarr", "x", false, nil)
	contains("i", "x", false, ErrTypeMismatch)
	contains("emptyobj", "x", false, ErrTypeMismatch)
	contains("nope", "x", false, ErrNotFound)

	if raw, err := tok.ClaimRaw("nested"); err != nil || string(raw) != `{"sub":"inner","x":[1,{"y":"}"}]}` {
		t.Errorf("ClaimRaw(nested) = %s, %v", raw, err)
	}
}

func TestStatsAndSkippedKeys(t *testing.T) {
	k := testKeys(t)
	enc := k.es384.With(map[string]any{"kid": "enc-1", "use": "enc"})
	v, err := NewFromJSON(jwttest.JWKSOf(k.es256.JWK, enc, k.eddsa.JWK), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	s, err := v.Stats()
	if err != nil || s.KeyCount != 2 || s.SkippedCount != 1 || s.Fetches != 0 || s.Failures != 0 {
		t.Errorf("Stats = %+v, %v", s, err)
	}
	skipped, err := v.SkippedKeys()
	if err != nil || len(skipped) != 1 || skipped[0].Index != 1 || skipped[0].Kid != "enc-1" || !strings.Contains(skipped[0].Reason, "enc") {
		t.Errorf("SkippedKeys = %+v, %v", skipped, err)
	}
	if err := v.Refresh(); err != nil {
		t.Errorf("Refresh of a static set: %v", err)
	}
	if err := v.LastError(); err != nil {
		t.Errorf("LastError of a static set: %v", err)
	}
	// The encryption key is never used to verify.
	if _, err := v.VerifyAt(k.es384.SignWithHeader(map[string]any{"alg": "ES384", "kid": "enc-1"}, withClaims(map[string]any{"aud": nil})), testNow); !errors.Is(err, ErrTokenRejected) {
		t.Errorf("token naming the encryption key: %v", err)
	}
}

// Many goroutines share one verifier, each checking its results.
func TestConcurrentVerify(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, nil)
	type job struct {
		token string
		alg   string
		want  error
	}
	var jobs []job
	for _, key := range k.all() {
		good := key.Sign(claimsAt(testNow))
		jobs = append(jobs,
			job{good, key.Alg, nil},
			job{flipSignatureBit(t, good), key.Alg, ErrBadSignature},
			job{key.Sign(withClaims(map[string]any{"exp": testNow.Unix() - 5})), key.Alg, ErrExpired})
	}
	const goroutines, rounds = 8, 40
	var wg sync.WaitGroup
	var failures atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				j := jobs[(g+r)%len(jobs)]
				tok, err := v.VerifyAt(j.token, testNow)
				ok := j.want == nil && err == nil && tok.Alg() == j.alg
				if j.want != nil {
					ok = errors.Is(err, j.want) && tok == nil
				}
				if ok && tok != nil {
					sub, err := tok.ClaimString("sub")
					ok = err == nil && sub == "user-1234567890"
				}
				if !ok {
					failures.Add(1)
					t.Errorf("goroutine %d: %s: got %v, want %v", g, j.alg, err, j.want)
				}
			}
		}(g)
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d failures", failures.Load())
	}
}

// Close may race with verifications: each call either completes or returns ErrClosed, and
// nothing crashes; afterwards every method returns ErrClosed and Close can be repeated.
func TestCloseWhileVerifying(t *testing.T) {
	k := testKeys(t)
	token := k.es256.Sign(claimsAt(testNow))
	for round := 0; round < 5; round++ {
		v, err := NewFromJSON(jwttest.JWKS(k.all()...), &defaultTestOptions)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var verified, closed, exited atomic.Int64
		start := make(chan struct{})
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer exited.Add(1)
				<-start
				for {
					_, err := v.VerifyAt(token, testNow)
					switch {
					case err == nil:
						verified.Add(1)
					case errors.Is(err, ErrClosed):
						closed.Add(1)
						return
					default:
						t.Errorf("unexpected error: %v", err)
						return
					}
				}
			}()
		}
		close(start)
		// Let some verifications through before closing (no timing is asserted).
		for verified.Load() < 20 && exited.Load() == 0 {
			runtime.Gosched()
		}
		var closers sync.WaitGroup
		for c := 0; c < 3; c++ {
			closers.Add(1)
			go func() {
				defer closers.Done()
				if err := v.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
		}
		closers.Wait()
		wg.Wait()
		if closed.Load() != 6 {
			t.Fatalf("%d goroutines saw ErrClosed, want 6", closed.Load())
		}
		checkClosed(t, v, token)
	}
}

// A nil or zero Verifier behaves as a closed one instead of crashing.
func TestNilAndZeroVerifier(t *testing.T) {
	token := testKeys(t).es256.Sign(claimsAt(testNow))
	var nilVerifier *Verifier
	checkClosed(t, nilVerifier, token)
	checkClosed(t, &Verifier{}, token)
}

func checkClosed(t *testing.T, v *Verifier, token string) {
	t.Helper()
	if _, err := v.Verify(token); err != ErrClosed {
		t.Errorf("Verify after Close: %v", err)
	}
	if _, err := v.VerifyAt(token, testNow); err != ErrClosed {
		t.Errorf("VerifyAt after Close: %v", err)
	}
	if _, err := v.VerifySignature([]byte(token)); err != ErrClosed {
		t.Errorf("VerifySignature after Close: %v", err)
	}
	if err := v.Refresh(); err != ErrClosed {
		t.Errorf("Refresh after Close: %v", err)
	}
	if _, err := v.Stats(); err != ErrClosed {
		t.Errorf("Stats after Close: %v", err)
	}
	if _, err := v.SkippedKeys(); err != ErrClosed {
		t.Errorf("SkippedKeys after Close: %v", err)
	}
	if err := v.LastError(); err != nil {
		t.Errorf("LastError after Close: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Verifiers dropped without Close are freed by their finalizer; run a collection over many
// of them, interleaved with verifications on a live one.
func TestFinalizerFreesDroppedVerifiers(t *testing.T) {
	k := testKeys(t)
	jwks := jwttest.JWKS(k.all()...)
	live := newTestVerifier(t, nil)
	token := k.eddsa.Sign(claimsAt(testNow))
	const dropped = 200
	before := verifiersFreed.Load()
	for i := 0; i < dropped; i++ {
		v, err := NewFromJSON(jwks, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifySignature([]byte(token)); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			runtime.GC()
		}
	}
	// Finalizers run on their own goroutine after a GC cycle: collect until (nearly) every
	// dropped verifier has been freed, or give up after a generous deadline. Other tests may
	// free verifiers meanwhile, so count at least the dropped ones; a conservative GC may keep
	// a few alive, hence the small margin.
	want := uint64(dropped - 10)
	deadline := time.Now().Add(10 * time.Second)
	for verifiersFreed.Load()-before < want && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := verifiersFreed.Load() - before; got < want {
		t.Fatalf("%d of %d dropped verifiers were freed; the finalizer does not free them", got, dropped)
	}
	if _, err := live.VerifyAt(token, testNow); err != nil {
		t.Fatal(err)
	}
	// An explicit Close frees at once and clears the finalizer, so nothing is freed twice.
	v, err := NewFromJSON(jwks, nil)
	if err != nil {
		t.Fatal(err)
	}
	mid := verifiersFreed.Load()
	v.Close()
	v.Close()
	if got := verifiersFreed.Load() - mid; got != 1 {
		t.Fatalf("Close twice freed %d verifiers, want 1", got)
	}
}

func TestVersion(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(Version()) {
		t.Errorf("Version() = %q", Version())
	}
}

func ExampleVerifier_Verify() {
	jwks := []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	v, err := NewFromJSON(jwks, &Options{Issuers: []string{"https://issuer.example/"}})
	if err != nil {
		panic(err)
	}
	defer v.Close()
	_, err = v.Verify("eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.AAAA")
	fmt.Println(errors.Is(err, ErrTokenRejected), errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadSignature))
	// Output: true true
}
