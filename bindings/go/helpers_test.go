package jwks

import (
	"sync"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// testNow is the fixed clock of the tests that use VerifyAt.
var testNow = time.Unix(1_800_000_000, 0)

const (
	testIssuer   = "https://issuer.example/"
	testAudience = "api://orders"
)

// keys is one signing key per supported asymmetric algorithm, shared by the tests.
type keys struct {
	rs256, ps256, es256, es384, eddsa *jwttest.Key
}

func (k *keys) all() []*jwttest.Key {
	return []*jwttest.Key{k.rs256, k.ps256, k.es256, k.es384, k.eddsa}
}

var (
	testKeysOnce sync.Once
	testKeysVal  *keys
	testKeysErr  error
)

// testKeys loads the RSA keys from tests/data (ring cannot generate RSA keys, and generating
// them in Go is slow) and generates the others once per test binary.
func testKeys(t testing.TB) *keys {
	t.Helper()
	testKeysOnce.Do(func() {
		rs, err := jwttest.LoadRSA("rsa2048.pem", "RS256", "rs256")
		if err != nil {
			testKeysErr = err
			return
		}
		ps, err := jwttest.LoadRSA("rsa2048-b.pem", "PS256", "ps256")
		if err != nil {
			testKeysErr = err
			return
		}
		testKeysVal = &keys{
			rs256: rs,
			ps256: ps,
			es256: jwttest.NewEC("ES256", "es256"),
			es384: jwttest.NewEC("ES384", "es384"),
			eddsa: jwttest.NewEd25519("eddsa"),
		}
	})
	if testKeysErr != nil {
		t.Fatalf("test keys: %v", testKeysErr)
	}
	return testKeysVal
}

// claimsAt returns the standard test claims at time now.
func claimsAt(now time.Time) map[string]any {
	return jwttest.Claims(testIssuer, testAudience, now.Unix())
}

// withClaims returns the standard claims at testNow with changes; a nil value deletes.
func withClaims(changes map[string]any) map[string]any {
	c := claimsAt(testNow)
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

var defaultTestOptions = Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}}

// newTestVerifier returns a verifier over all the test keys, closed at the end of the test.
func newTestVerifier(t testing.TB, opts *Options) *Verifier {
	t.Helper()
	if opts == nil {
		o := defaultTestOptions
		opts = &o
	}
	v, err := NewFromJSON(jwttest.JWKS(testKeys(t).all()...), opts)
	if err != nil {
		t.Fatalf("NewFromJSON: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}
