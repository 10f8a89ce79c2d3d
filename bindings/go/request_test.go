package jwks

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// dpopCase is one case of tests/vectors/dpop/corpus.txt (examples/dpop_corpus.rs describes
// the format).
type dpopCase struct {
	name, method, uri, routeScheme, certKind, certValue string
	now                                                 int64
	options                                             [][2]string
	auth, dpop, expect                                  []string
}

func readDPoPCorpus(t *testing.T) (string, []dpopCase) {
	t.Helper()
	f, err := os.Open(filepath.Join(jwttest.VectorsDir(), "dpop", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var jwksJSON string
	var cases []dpopCase
	var c *dpopCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		if key == "jwks" {
			jwksJSON = value
			continue
		}
		if key == "case" {
			c = &dpopCase{name: value}
			continue
		}
		if c == nil {
			t.Fatalf("a record outside a case: %q", line)
		}
		switch key {
		case "now":
			if c.now, err = strconv.ParseInt(value, 10, 64); err != nil {
				t.Fatal(err)
			}
		case "option":
			n, v, _ := strings.Cut(value, " ")
			c.options = append(c.options, [2]string{n, v})
		case "method":
			c.method = value
		case "uri":
			c.uri = value
		case "authorization":
			c.auth = append(c.auth, value)
		case "dpop":
			c.dpop = append(c.dpop, value)
		case "cert_pem_escaped", "cert_nginx", "cert_xfcc":
			c.certKind, c.certValue = key, value
		case "route_scheme":
			c.routeScheme = value
		case "expect":
			c.expect = append(c.expect, value)
		case "end":
			cases = append(cases, *c)
			c = nil
		default:
			t.Fatalf("unknown record %q", key)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return jwksJSON, cases
}

func (c *dpopCase) verifier(t *testing.T, jwksJSON string, extra func(*Options)) *Verifier {
	t.Helper()
	opts := Options{Issuers: []string{"https://issuer.example"}, Audiences: []string{"api"}}
	for _, o := range c.options {
		switch o[0] {
		case "token_scheme":
			opts.TokenScheme = o[1]
		case "dpop_nonce_lifetime":
			n, err := strconv.Atoi(o[1])
			if err != nil {
				t.Fatal(err)
			}
			opts.DPoPNonceLifetime = time.Duration(n) * time.Second
		case "dpop_nonce_secret":
			opts.DPoPNonceSecret = o[1]
		case "allow_dpop_bound_bearer":
			opts.AllowDPoPBoundBearer = o[1] == "true"
		case "require_certificate_binding":
			opts.RequireCertificateBinding = o[1] == "true"
		case "algorithms":
			opts.Algorithms = append(opts.Algorithms, o[1])
		default:
			t.Fatalf("%s: unknown option %s", c.name, o[0])
		}
	}
	if extra != nil {
		extra(&opts)
	}
	v, err := NewFromJSON([]byte(jwksJSON), &opts)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func (c *dpopCase) request(t *testing.T) Request {
	t.Helper()
	req := Request{Method: c.method, URI: c.uri, Authorization: c.auth, DPoP: c.dpop, TokenScheme: c.routeScheme}
	switch c.certKind {
	case "cert_pem_escaped":
		pem, err := url.PathUnescape(c.certValue)
		if err != nil {
			t.Fatal(err)
		}
		req.ClientCert = ClientCertPEM([]byte(pem))
	case "cert_nginx":
		req.ClientCert = ClientCertNginx(c.certValue)
	case "cert_xfcc":
		req.ClientCert = ClientCertXFCC(c.certValue)
	}
	return req
}

func resultName(err error) string {
	if err == nil {
		return "OK"
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return err.Error()
}

// Every case of the corpus gets its verdicts, in order, from one verifier; each refusal is the
// library's answer for its code.
func TestDPoPCorpus(t *testing.T) {
	jwksJSON, cases := readDPoPCorpus(t)
	if len(cases) < 50 {
		t.Fatalf("%d cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("%s twice", c.name)
		}
		seen[c.name] = true
		v := c.verifier(t, jwksJSON, nil)
		req := c.request(t)
		for i, want := range c.expect {
			vr, err := v.VerifyRequestAt(req, time.Unix(c.now, 0))
			if got := resultName(err); got != want {
				t.Errorf("%s (verification %d): %s, want %s (%v)", c.name, i+1, got, want, err)
				continue
			}
			if err == nil {
				if vr.Scheme != "Bearer" && vr.Scheme != "DPoP" {
					t.Errorf("%s: scheme %q", c.name, vr.Scheme)
				}
				if (vr.Scheme == "DPoP") != (vr.DPoPJKT != "") {
					t.Errorf("%s: scheme %s with jkt %q", c.name, vr.Scheme, vr.DPoPJKT)
				}
				if sub, err := vr.ClaimString("sub"); err != nil || sub == "" {
					t.Errorf("%s: sub %q, %v", c.name, sub, err)
				}
				continue
			}
			code := err.(*Error).Code
			r := v.Refusal(err, &req, "go", "")
			if r.Status != code.HTTPStatus() || r.Error != code.OAuthError() || r.Description != code.Description() {
				t.Errorf("%s: refusal %+v for %s (status %d, error %q)", c.name, r, want, code.HTTPStatus(), code.OAuthError())
			}
			if r.Status == 401 && len(r.Challenges) == 0 {
				t.Errorf("%s: a 401 without a challenge", c.name)
			}
			for _, ch := range r.Challenges {
				if !strings.HasPrefix(ch, "DPoP ") && !strings.HasPrefix(ch, "Bearer ") || !strings.Contains(ch, `realm="go"`) {
					t.Errorf("%s: challenge %q", c.name, ch)
				}
			}
			if want == "DPOP_NONCE_REQUIRED" && r.DPoPNonce == "" {
				t.Errorf("%s: use_dpop_nonce without a DPoP-Nonce", c.name)
			}
		}
	}
}

// The corpus' certificate-bound cases with the certificate given as DER (as crypto/tls has
// it) get the verdicts they get with PEM.
func TestDPoPCorpusDER(t *testing.T) {
	jwksJSON, cases := readDPoPCorpus(t)
	n := 0
	for _, c := range cases {
		if c.certKind != "cert_pem_escaped" {
			continue
		}
		pem, _ := url.PathUnescape(c.certValue)
		der := pemToDER(t, pem)
		req := c.request(t)
		req.ClientCert = ClientCertDER(der)
		v := c.verifier(t, jwksJSON, nil)
		_, err := v.VerifyRequestAt(req, time.Unix(c.now, 0))
		if got := resultName(err); got != c.expect[0] {
			t.Errorf("%s with DER: %s, want %s", c.name, got, c.expect[0])
		}
		n++
	}
	if n == 0 {
		t.Fatal("no certificate case")
	}
}

// RFC 9449's example proofs (Section 4.1, 5, 7.1): accepted once at their time, with the
// RFC's jkt; replayed, refused; for another method or URI, refused.
func TestRFC9449Examples(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(jwttest.VectorsDir(), "rfc9449", "examples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		JKT    string `json:"jkt"`
		Proofs []struct {
			Name        string  `json:"name"`
			Method      string  `json:"method"`
			URI         string  `json:"uri"`
			IAT         int64   `json:"iat"`
			AccessToken *string `json:"access_token"`
			Proof       string  `json:"proof"`
		} `json:"proofs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Proofs) != 3 {
		t.Fatalf("%d proofs", len(doc.Proofs))
	}
	for _, p := range doc.Proofs {
		at := ""
		if p.AccessToken != nil {
			at = *p.AccessToken
		}
		v := newTestVerifier(t, nil)
		now := time.Unix(p.IAT+1, 0)
		jkt, err := v.VerifyDPoPProofAt(p.Proof, p.Method, p.URI, at, now)
		if err != nil || jkt != doc.JKT {
			t.Fatalf("%s: %q, %v", p.Name, jkt, err)
		}
		if _, err := v.VerifyDPoPProofAt(p.Proof, p.Method, p.URI, at, now); !errors.Is(err, ErrDpopProofReplayed) {
			t.Errorf("%s again: %v", p.Name, err)
		}
		other := "POST"
		if p.Method == "POST" {
			other = "GET"
		}
		fresh := newTestVerifier(t, nil)
		if _, err := fresh.VerifyDPoPProofAt(p.Proof, other, p.URI, at, now); !errors.Is(err, ErrDpopProofMismatch) {
			t.Errorf("%s as %s: %v", p.Name, other, err)
		}
		if _, err := fresh.VerifyDPoPProofAt(p.Proof, p.Method, "https://server.example.com/other", at, now); !errors.Is(err, ErrDpopProofMismatch) {
			t.Errorf("%s elsewhere: %v", p.Name, err)
		}
		if _, err := fresh.VerifyDPoPProofAt(p.Proof, p.Method, p.URI, at, time.Unix(p.IAT+600, 0)); !errors.Is(err, ErrDpopProofStale) {
			t.Errorf("%s 600 s later: %v", p.Name, err)
		}
		// The same URI otherwise written (RFC 3986 normalisation).
		loud := strings.Replace(p.URI, "https://", "HTTPS://", 1)
		if _, err := fresh.VerifyDPoPProofAt(p.Proof, p.Method, loud, at, now); err != nil {
			t.Errorf("%s at %s: %v", p.Name, loud, err)
		}
	}
}
