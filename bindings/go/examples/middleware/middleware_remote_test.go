package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// When the keys cannot be fetched, clients get 503 and Retry-After, not 401.
func TestMiddlewareKeysUnavailable(t *testing.T) {
	keysDown := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer keysDown.Close()
	v, err := jwks.NewFromURL(keysDown.URL+"/jwks", &jwks.Options{AllowHTTP: true, Audiences: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(Require(v, Options{RetryAfter: "30"})(whoami))
	defer srv.Close()
	key := jwttest.NewEC("ES256", "k1")
	r := get(t, srv.URL, "Bearer "+key.Sign(jwttest.Claims(issuer, audience, time.Now().Unix())))
	if r.status != 503 || r.retryAfter != "30" || r.authenticate != "" {
		t.Errorf("keys unavailable: %+v", r)
	}
}
