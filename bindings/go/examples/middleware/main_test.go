package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

const (
	issuer   = "https://issuer.example/"
	audience = "api://orders"
)

type answer struct {
	status                   int
	body, challenge, retryIn string
}

func do(t *testing.T, method, url, authorization string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, strings.TrimSpace(string(body)), res.Header.Get("WWW-Authenticate"), res.Header.Get("Retry-After")}
}

// The example server behind a real listener, with real clients.
func TestOrders(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := jwks.NewFromJSON(jwttest.JWKS(key), &jwks.Options{Issuers: []string{issuer}, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(routes(v))
	defer srv.Close()

	now := time.Now().Unix()
	sign := func(scope string) string {
		claims := jwttest.Claims(issuer, audience, now)
		claims["scope"] = scope
		return key.Sign(claims)
	}
	if r := do(t, "GET", srv.URL+"/orders", "Bearer "+sign("orders:read")); r.status != 200 || r.body != "orders of user-1234567890" {
		t.Errorf("token with orders:read: %+v", r)
	}
	if r := do(t, "GET", srv.URL+"/orders", "Bearer "+sign("orders:write")); r.status != 403 ||
		r.challenge != `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:read"` {
		t.Errorf("token without orders:read: %+v", r)
	}
	if r := do(t, "GET", srv.URL+"/orders", ""); r.status != 401 || r.challenge != "Bearer" {
		t.Errorf("no token: %+v", r)
	}
	claims := jwttest.Claims(issuer, audience, now)
	claims["exp"] = now - 600
	if r := do(t, "GET", srv.URL+"/orders", "Bearer "+key.Sign(claims)); r.status != 401 ||
		r.challenge != `Bearer error="invalid_token", error_description="`+jwks.CodeExpired.Description()+`"` {
		t.Errorf("expired token: %+v", r)
	}
	if r := do(t, "POST", srv.URL+"/orders", "Bearer "+sign("orders:read")); r.status != 405 {
		t.Errorf("POST: %+v", r)
	}
}

// When the key set cannot be fetched, clients get 503 and Retry-After, not 401.
func TestOrdersKeysUnavailable(t *testing.T) {
	keysDown := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer keysDown.Close()
	v, err := jwks.NewFromURL(keysDown.URL+"/jwks", &jwks.Options{AllowHTTP: true, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(routes(v))
	defer srv.Close()
	token := jwttest.NewEC("ES256", "k1").Sign(jwttest.Claims(issuer, audience, time.Now().Unix()))
	if r := do(t, "GET", srv.URL+"/orders", "Bearer "+token); r.status != 503 || r.retryIn != "5" || r.challenge != "" {
		t.Errorf("keys unavailable: %+v", r)
	}
}

// bindings/go/README.md shows routes exactly as this file has it.
func TestReadmeShowsRoutes(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(src), "func routes(")
	end := strings.Index(string(src[start:]), "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("main.go has no func routes")
	}
	snippet := string(src[start : start+end+3])
	if n := strings.Count(snippet, "\n"); n > 10 {
		t.Errorf("routes has %d lines; the README shows at most 10", n)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+snippet+"```\n") {
		t.Errorf("README.md does not show routes of examples/middleware/main.go as it is:\n%s", snippet)
	}
}
