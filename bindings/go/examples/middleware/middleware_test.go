package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

const (
	issuer   = "https://issuer.example/"
	audience = "api://orders"
)

// whoami answers with the sub of the verified token.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	tok, ok := Token(r.Context())
	if !ok {
		http.Error(w, "no token in the context", http.StatusInternalServerError)
		return
	}
	sub, err := tok.ClaimString("sub")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, sub)
})

type response struct {
	status             int
	body, authenticate string
	retryAfter         string
}

func get(t *testing.T, url string, authorization ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range authorization {
		req.Header.Add("Authorization", a)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, strings.TrimSpace(string(body)), res.Header.Get("WWW-Authenticate"), res.Header.Get("Retry-After")}
}

func TestMiddleware(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := jwks.NewFromJSON(jwttest.JWKS(key), &jwks.Options{Issuers: []string{issuer}, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []error
	srv := httptest.NewServer(Require(v, Options{Realm: "orders", OnError: func(_ *http.Request, err error) {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
	}})(whoami))
	defer srv.Close()

	now := time.Now().Unix()
	good := key.Sign(jwttest.Claims(issuer, audience, now))
	expiredClaims := jwttest.Claims(issuer, audience, now)
	expiredClaims["exp"] = now - 600
	expired := key.Sign(expiredClaims)
	other := jwttest.NewEC("ES256", "k1").Sign(jwttest.Claims(issuer, audience, now))

	if r := get(t, srv.URL, "Bearer "+good); r.status != 200 || r.body != "user-1234567890" {
		t.Errorf("good token: %+v", r)
	}
	if r := get(t, srv.URL, "bearer  "+good); r.status != 200 {
		t.Errorf("lower-case scheme: %+v", r)
	}
	for name, c := range map[string]struct {
		auth      []string
		status    int
		challenge string
	}{
		"no credentials":       {nil, 401, `Bearer realm="orders"`},
		"basic credentials":    {[]string{"Basic dXNlcjpwYXNz"}, 401, `Bearer realm="orders"`},
		"bearer without token": {[]string{"Bearer"}, 400, `Bearer realm="orders", error="invalid_request", error_description="malformed Authorization header"`},
		"two headers":          {[]string{"Bearer " + good, "Bearer " + good}, 400, `Bearer realm="orders", error="invalid_request", error_description="malformed Authorization header"`},
		"garbage token":        {[]string{"Bearer abc"}, 401, `Bearer realm="orders", error="invalid_token", error_description="` + jwks.CodeMalformed.Description() + `"`},
		"expired token":        {[]string{"Bearer " + expired}, 401, `Bearer realm="orders", error="invalid_token", error_description="` + jwks.CodeExpired.Description() + `"`},
		"another key":          {[]string{"Bearer " + other}, 401, `Bearer realm="orders", error="invalid_token", error_description="` + jwks.CodeBadSignature.Description() + `"`},
	} {
		r := get(t, srv.URL, c.auth...)
		if r.status != c.status || r.authenticate != c.challenge {
			t.Errorf("%s: got %d %q, want %d %q", name, r.status, r.authenticate, c.status, c.challenge)
		}
	}
	mu.Lock()
	if len(seen) != 3 {
		t.Errorf("OnError saw %v, want the 3 rejected tokens", seen)
	}
	for _, err := range seen {
		if !errors.Is(err, jwks.ErrTokenRejected) {
			t.Errorf("OnError saw %v", err)
		}
	}
	mu.Unlock()

	// A closed verifier is a server bug: 500, no challenge.
	v.Close()
	if r := get(t, srv.URL, "Bearer "+good); r.status != 500 || r.authenticate != "" {
		t.Errorf("closed verifier: %+v", r)
	}
}
