package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

func pemToDER(t *testing.T, text string) []byte {
	t.Helper()
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block.Bytes
}

// dpopFixture is an issuer's verifier, a client's proof key and a token bound to it.
type dpopFixture struct {
	v        *Verifier
	proofKey *jwttest.Key
	token    string // bound to proofKey (cnf.jkt)
	bearer   string // unbound
}

// newDPoPFixture makes a verifier over the test keys with opts (the test issuer and audience
// are added), and tokens valid now.
func newDPoPFixture(t testing.TB, opts Options) *dpopFixture {
	t.Helper()
	opts.Issuers = []string{testIssuer}
	opts.Audiences = []string{testAudience}
	f := &dpopFixture{v: newTestVerifier(t, &opts), proofKey: jwttest.NewEC("ES256", "")}
	now := time.Now()
	claims := claimsAt(now)
	claims["cnf"] = map[string]any{"jkt": f.proofKey.Thumbprint()}
	f.token = testKeys(t).es256.Sign(claims)
	f.bearer = testKeys(t).es256.Sign(claimsAt(now))
	return f
}

// proof makes a fresh proof for method and uri with the bound token, now.
func (f *dpopFixture) proof(method, uri, nonce string) string {
	return f.proofKey.Proof(jwttest.ProofClaims(method, uri, f.token, time.Now().Unix(), nonce))
}

// selfSigned makes a self-signed client certificate.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
