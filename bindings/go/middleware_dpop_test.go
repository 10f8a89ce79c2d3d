package jwks

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// dpopServer is a real net/http server behind Middleware with mo, answering the scheme and
// the jkt of the verified request.
func dpopServer(t *testing.T, f *dpopFixture, mo MiddlewareOptions) *httptest.Server {
	t.Helper()
	h := Middleware(f.v, &mo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vr, ok := VerifiedRequestFromContext(r.Context())
		tok, ok2 := TokenFromContext(r.Context())
		if !ok || !ok2 || tok != vr.Token {
			http.Error(w, "no verified request in the context", 500)
			return
		}
		io.WriteString(w, vr.Scheme+" "+vr.DPoPJKT+" "+vr.CertificateThumbprint)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status     int
	body       string
	challenges []string
	nonce      string
}

// call sends a request with the given Authorization and DPoP headers ("" for none).
func call(t *testing.T, c *http.Client, method, url, authorization string, dpop ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	for _, d := range dpop {
		req.Header.Add("DPoP", d)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(body), resp.Header.Values("WWW-Authenticate"), resp.Header.Get("DPoP-Nonce")}
}

// expect checks the status and the challenges: one per prefix given, each starting with its
// prefix, in any order (the library's order is not a promise of the RFCs).
func (a answer) expect(t *testing.T, what string, status int, challenges ...string) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d (%+v)", what, a.status, status, a)
		return
	}
	if len(a.challenges) != len(challenges) {
		t.Errorf("%s: challenges %q, want %d starting %q", what, a.challenges, len(challenges), challenges)
		return
	}
	used := make([]bool, len(a.challenges))
	for _, c := range challenges {
		found := false
		for i, got := range a.challenges {
			if !used[i] && strings.HasPrefix(got, c) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("%s: no challenge starting with %q in %q", what, c, a.challenges)
		}
	}
}

// challenge returns the challenge of scheme ("DPoP", "Bearer"), or "".
func (a answer) challenge(scheme string) string {
	for _, c := range a.challenges {
		if c == scheme || strings.HasPrefix(c, scheme+" ") {
			return c
		}
	}
	return ""
}

func TestMiddlewareDPoP(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	srv := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeEither, Realm: "orders"})
	c := srv.Client()
	url := srv.URL + "/orders"
	jkt := f.proofKey.Thumbprint()

	proof := f.proof("GET", url, "")
	a := call(t, c, "GET", url+"?page=2", "DPoP "+f.token, proof)
	a.expect(t, "DPoP", 200)
	if a.body != "DPoP "+jkt+" " {
		t.Errorf("DPoP: body %q", a.body)
	}
	call(t, c, "GET", url, "DPoP "+f.token, proof).expect(t, "replayed proof", 401, `DPoP realm="orders", error="invalid_dpop_proof"`, `Bearer realm="orders"`)
	call(t, c, "GET", url, "Bearer "+f.bearer).expect(t, "unbound Bearer", 200)
	call(t, c, "GET", url, "Bearer "+f.token).expect(t, "DPoP-bound token as Bearer", 401, "DPoP ", `Bearer realm="orders", error="invalid_token"`)
	call(t, c, "GET", url, "DPoP "+f.token).expect(t, "no proof", 401, `DPoP realm="orders", error="invalid_dpop_proof"`, "Bearer ")
	call(t, c, "GET", url, "DPoP "+f.token, f.proof("GET", url, ""), f.proof("GET", url, "")).expect(t, "two proofs", 401, `DPoP realm="orders", error="invalid_dpop_proof"`, "Bearer ")
	call(t, c, "GET", url, "DPoP "+f.token, f.proof("GET", srv.URL+"/other", "")).expect(t, "wrong htu", 401, `DPoP realm="orders", error="invalid_dpop_proof"`, "Bearer ")
	call(t, c, "POST", url, "DPoP "+f.token, f.proof("GET", url, "")).expect(t, "wrong htm", 401, `DPoP realm="orders", error="invalid_dpop_proof"`, "Bearer ")
	call(t, c, "GET", url, "DPoP "+f.bearer, f.proofKey.Proof(jwttest.ProofClaims("GET", url, f.bearer, time.Now().Unix(), ""))).expect(t, "unbound token as DPoP", 401, "DPoP ", "Bearer ")
	other := jwttest.NewEC("ES256", "")
	call(t, c, "GET", url, "DPoP "+f.token, other.Proof(jwttest.ProofClaims("GET", url, f.token, time.Now().Unix(), ""))).expect(t, "proof of another key", 401, "DPoP ", "Bearer ")
	// No credentials: both challenges, no error code (RFC 6750 §3.1).
	a = call(t, c, "GET", url, "")
	a.expect(t, "no credentials", 401, `DPoP realm="orders"`, `Bearer realm="orders"`)
	for _, ch := range a.challenges {
		if strings.Contains(ch, "error=") {
			t.Errorf("no credentials: %q", ch)
		}
	}
	call(t, c, "GET", url, "Bearer a b").expect(t, "malformed", 400, "DPoP ", "Bearer ")
	call(t, c, "GET", url+"?access_token=x", "").expect(t, "token in the query", 400, "Bearer ")
}

// DPoP only, Bearer only: one challenge, of the scheme accepted; the other scheme refused.
func TestMiddlewareDPoPPolicies(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	dpop := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeDPoP})
	url := dpop.URL + "/orders"
	call(t, dpop.Client(), "GET", url, "DPoP "+f.token, f.proof("GET", url, "")).expect(t, "dpop: DPoP", 200)
	call(t, dpop.Client(), "GET", url, "Bearer "+f.bearer).expect(t, "dpop: Bearer", 401, "DPoP ")
	call(t, dpop.Client(), "GET", url, "").expect(t, "dpop: nothing", 401, "DPoP ")

	bearer := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeBearer, Scopes: []string{"orders:read"}})
	url = bearer.URL + "/orders"
	call(t, bearer.Client(), "GET", url, "Bearer "+f.bearer).expect(t, "bearer: Bearer", 200)
	call(t, bearer.Client(), "GET", url, "Bearer "+f.token).expect(t, "bearer: bound token", 401, `Bearer error="invalid_token"`)
	call(t, bearer.Client(), "GET", url, "DPoP "+f.token, f.proof("GET", url, "")).expect(t, "bearer: DPoP", 401, "Bearer ")

	scoped := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeEither, Scopes: []string{"orders:admin"}})
	url = scoped.URL + "/orders"
	a := call(t, scoped.Client(), "GET", url, "DPoP "+f.token, f.proof("GET", url, ""))
	a.expect(t, "missing scope", 403, "DPoP ", "Bearer")
	if ch := a.challenge("DPoP"); !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="orders:admin"`) {
		t.Errorf("missing scope: %q", a.challenges)
	}
}

// Server nonces through the middleware: the first proof is answered use_dpop_nonce with a
// DPoP-Nonce header; the retry with that nonce passes.
func TestMiddlewareDPoPNonce(t *testing.T) {
	f := newDPoPFixture(t, Options{DPoPNonceLifetime: 300 * time.Second})
	srv := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeDPoP})
	url := srv.URL + "/orders"
	a := call(t, srv.Client(), "POST", url, "DPoP "+f.token, f.proof("POST", url, ""))
	a.expect(t, "no nonce", 401, `DPoP error="use_dpop_nonce"`)
	if a.nonce == "" {
		t.Fatal("no DPoP-Nonce header")
	}
	call(t, srv.Client(), "POST", url, "DPoP "+f.token, f.proof("POST", url, a.nonce)).expect(t, "with the nonce", 200)
	call(t, srv.Client(), "POST", url, "DPoP "+f.token, f.proof("POST", url, "made-up")).expect(t, "a made-up nonce", 401, `DPoP error="use_dpop_nonce"`)
}

// Behind a proxy: htu is ExternalURL + the path, whatever the Host header says.
func TestMiddlewareDPoPExternalURL(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	srv := dpopServer(t, f, MiddlewareOptions{TokenScheme: SchemeDPoP, ExternalURL: "https://api.example.com/"})
	call(t, srv.Client(), "GET", srv.URL+"/orders", "DPoP "+f.token, f.proof("GET", "https://api.example.com/orders", "")).expect(t, "external htu", 200)
	call(t, srv.Client(), "GET", srv.URL+"/orders", "DPoP "+f.token, f.proof("GET", srv.URL+"/orders", "")).expect(t, "internal htu", 401, "DPoP ")
	for _, bad := range []MiddlewareOptions{{TokenScheme: "basic"}, {TokenScheme: SchemeDPoP, ExternalURL: "api.example.com"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v did not panic", bad)
				}
			}()
			Middleware(f.v, &bad)
		}()
	}
}

// A certificate-bound token (RFC 8705) over a TLS connection with a client certificate: the
// middleware takes the certificate from the connection.
func TestMiddlewareCertificateBound(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	caPEM, serverCert, err := jwttest.PrivateCA()
	if err != nil {
		t.Fatal(err)
	}
	clientCert := selfSigned(t)
	sum := sha256.Sum256(clientCert.Certificate[0])
	claims := claimsAt(time.Now())
	claims["cnf"] = map[string]any{"x5t#S256": jwttest.B64(sum[:])}
	bound := testKeys(t).es256.Sign(claims)

	mo := MiddlewareOptions{TokenScheme: SchemeEither}
	h := Middleware(f.v, &mo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vr, _ := VerifiedRequestFromContext(r.Context())
		io.WriteString(w, vr.CertificateThumbprint)
	}))
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA")
	}
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
	}
	a := call(t, client(clientCert), "GET", srv.URL+"/orders", "Bearer "+bound)
	a.expect(t, "bound token with its certificate", 200)
	if a.body != jwttest.B64(sum[:]) {
		t.Errorf("thumbprint %q", a.body)
	}
	call(t, client(), "GET", srv.URL+"/orders", "Bearer "+bound).expect(t, "bound token without a certificate", 401, "DPoP ", `Bearer error="invalid_token"`)
	call(t, client(selfSigned(t)), "GET", srv.URL+"/orders", "Bearer "+bound).expect(t, "bound token with another certificate", 401, "DPoP ", `Bearer error="invalid_token"`)
}

// Behind a trusted nginx: the certificate comes from the header it sets (ClientCert hook).
func TestMiddlewareClientCertHook(t *testing.T) {
	f := newDPoPFixture(t, Options{})
	cert := selfSigned(t)
	sum := sha256.Sum256(cert.Certificate[0])
	claims := claimsAt(time.Now())
	claims["cnf"] = map[string]any{"x5t#S256": jwttest.B64(sum[:])}
	bound := testKeys(t).es256.Sign(claims)
	mo := MiddlewareOptions{TokenScheme: SchemeBearer, ExternalURL: "https://api.example.com",
		ClientCert: func(r *http.Request) ClientCert { return ClientCertNginx(r.Header.Get("X-Client-Cert")) }}
	h := Middleware(f.v, &mo)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vr, _ := VerifiedRequestFromContext(r.Context())
		io.WriteString(w, vr.CertificateThumbprint)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	for _, c := range []struct {
		header string
		status int
	}{
		{url.PathEscape(pemText), 200},
		{"-", 401}, // nginx: no certificate
		{url.PathEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t).Certificate[0]}))), 401},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/orders", nil)
		req.Header.Set("Authorization", "Bearer "+bound)
		req.Header.Set("X-Client-Cert", c.header)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || c.status == 200 && string(body) != jwttest.B64(sum[:]) {
			t.Errorf("X-Client-Cert %.20q: %d %q, want %d", c.header, resp.StatusCode, body, c.status)
		}
	}
}
