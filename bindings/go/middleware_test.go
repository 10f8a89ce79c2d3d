package jwks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		values []string
		token  string
		err    error
	}{
		{[]string{"Bearer abc.def-_~+/=="}, "abc.def-_~+/==", nil},
		{[]string{"bearer abc"}, "abc", nil},
		{[]string{"BEARER abc"}, "abc", nil},
		{[]string{"Bearer   abc "}, "abc", nil},
		{nil, "", ErrNoBearer},
		{[]string{"Basic dXNlcjpwYXNz"}, "", ErrNoBearer},
		{[]string{"Bearerabc"}, "", ErrNoBearer},
		{[]string{""}, "", ErrMalformedAuthorization},
		{[]string{"Bearer"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer   "}, "", ErrMalformedAuthorization},
		{[]string{"Bearer\tabc"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer a b"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer a, Bearer b"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer a=b"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer ===="}, "", ErrMalformedAuthorization},
		{[]string{"Bearer a\x00"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer,abc"}, "", ErrMalformedAuthorization},
		{[]string{"Bearer\x00 abc"}, "", ErrMalformedAuthorization},
		{[]string{"Digest realm=\"x\""}, "", ErrNoBearer},
		{[]string{"Bearer a", "Bearer a"}, "", ErrMalformedAuthorization},
	} {
		token, err := BearerToken(c.values)
		if token != c.token || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", c.values, token, err, c.token, c.err)
		}
	}
}

func TestTokenScopes(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	now := time.Now().Unix()
	for _, c := range []struct {
		extra  map[string]any
		scopes []string
		err    bool
	}{
		{map[string]any{}, nil, false},
		{map[string]any{"scope": "a  b a"}, []string{"a", "b"}, false},
		{map[string]any{"scp": []string{"c", "a"}}, []string{"c", "a"}, false},
		{map[string]any{"scp": "c d"}, []string{"c", "d"}, false},
		{map[string]any{"scope": "a b", "scp": []string{"b", "c"}}, []string{"a", "b", "c"}, false},
		{map[string]any{"scope": []string{"a"}}, nil, true},
		{map[string]any{"scope": 7}, nil, true},
		{map[string]any{"scp": []any{"a", 1}}, nil, true},
		{map[string]any{"scp": map[string]any{"a": true}}, nil, true},
		// U+0020 alone separates scopes (RFC 6749 §3.3): a tab, a line feed, NBSP, NEL or
		// U+3000 is part of a scope (strings.Fields split on each of them before).
		{map[string]any{"scope": "a\tb c\nd e\u00a0f g\u0085h i\u3000j \u001ck"}, []string{"a\tb", "c\nd", "e\u00a0f", "g\u0085h", "i\u3000j", "\u001ck"}, false},
		{map[string]any{"scp": "a\u2003b"}, []string{"a\u2003b"}, false},
		// An scp element is one scope, taken whole (it was split before).
		{map[string]any{"scp": []string{"a b", "", "c"}}, []string{"a b", "c"}, false},
		{map[string]any{"scope": nil, "scp": nil}, nil, false},
	} {
		claims := jwttest.Claims(testIssuer, testAudience, now)
		delete(claims, "scope")
		for k, x := range c.extra {
			claims[k] = x
		}
		tok, err := v.Verify(key.Sign(claims))
		if err != nil {
			t.Fatal(err)
		}
		scopes, err := TokenScopes(tok)
		if (err != nil) != c.err || strings.Join(scopes, ",") != strings.Join(c.scopes, ",") {
			t.Errorf("%v: TokenScopes = %q, %v", c.extra, scopes, err)
		}
		// A malformed scope claim rejects the token (it was ErrTypeMismatch, a lookup error).
		if c.err && !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("%v: error %v is not ErrInvalidClaim", c.extra, err)
		}
		if c.err {
			continue
		}
		for _, s := range c.scopes {
			if strings.ContainsAny(s, " \t\n\u0085\u00a0\u2003\u3000\u001c") {
				// A scope holding a separator of another reading is never a required one.
				if CheckScope(s) == nil {
					t.Errorf("CheckScope(%q) accepted", s)
				}
				if _, err := tok.HasScopes(AnyScope, s); !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("HasScopes(%q): %v", s, err)
				}
				continue
			}
			if ok, err := tok.HasScopes(AllScopes, s); err != nil || !ok {
				t.Errorf("%v: HasScopes(%q) = %v, %v", c.extra, s, ok, err)
			}
		}
		for _, s := range []string{"a", "b", "f", "k"} {
			got, err := tok.HasScopes(AnyScope, s)
			want := false
			for _, g := range c.scopes {
				want = want || g == s
			}
			if err != nil || got != want {
				t.Errorf("%v: HasScopes(AnyScope, %q) = %v, %v; want %v", c.extra, s, got, err, want)
			}
		}
	}
}

func TestHasScopesAndMissingScopes(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	claims := jwttest.Claims(testIssuer, testAudience, time.Now().Unix())
	claims["scope"] = "read write"
	claims["scp"] = []string{"admin"}
	tok, err := v.Verify(key.Sign(claims))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		match  ScopeMatch
		scopes []string
		want   bool
	}{
		{AllScopes, []string{"read", "admin"}, true},
		{AllScopes, []string{"read", "delete"}, false},
		{AnyScope, []string{"delete", "admin"}, true},
		{AnyScope, []string{"delete", "drop"}, false},
		{AllScopes, nil, true},
		{AnyScope, nil, false},
	} {
		if got, err := tok.HasScopes(c.match, c.scopes...); err != nil || got != c.want {
			t.Errorf("HasScopes(%v, %q) = %v, %v", c.match, c.scopes, got, err)
		}
	}
	if missing, err := MissingScopes(tok, []string{"delete", "read", "drop"}); err != nil || strings.Join(missing, ",") != "delete,drop" {
		t.Errorf("MissingScopes = %q, %v", missing, err)
	}
	if missing, err := MissingScopes(tok, []string{"write", "admin"}); err != nil || missing != nil {
		t.Errorf("MissingScopes = %q, %v", missing, err)
	}
	for _, bad := range []string{"", "a b", "a\tb", "caf\u00e9", `a"b`, `a\b`, "a\x00b"} {
		if err := CheckScope(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("CheckScope(%q) = %v", bad, err)
		}
		if _, err := MissingScopes(tok, []string{"read", bad}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("MissingScopes(%q) = %v", bad, err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Middleware accepted the required scope %q", bad)
				}
			}()
			Middleware(v, &MiddlewareOptions{Scopes: []string{"read", bad}})
		}()
	}
	if err := CheckScope("https://graph.example/User.Read"); err != nil {
		t.Error(err)
	}
	// Authenticate with a scope that is not valid: the caller's mistake, 500.
	if _, aerr := Authenticate(v, []string{"Bearer " + key.Sign(claims)}, []string{"a b"}); aerr == nil || aerr.Status != 500 {
		t.Errorf("Authenticate with an invalid required scope: %+v", aerr)
	}
}

// whoami answers with the sub of the token the middleware put in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	tok, ok := TokenFromContext(r.Context())
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

type httpAnswer struct {
	status                   int
	body, challenge, retryIn string
}

func httpGet(t *testing.T, url string, authorization ...string) httpAnswer {
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
	return httpAnswer{res.StatusCode, strings.TrimSpace(string(body)), res.Header.Get("WWW-Authenticate"), res.Header.Get("Retry-After")}
}

func TestMiddlewareAnswers(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	open := httptest.NewServer(Middleware(v, nil)(whoami))
	defer open.Close()
	scoped := httptest.NewServer(Middleware(v, &MiddlewareOptions{Realm: "orders", Scopes: []string{"orders:read", "orders:write"}})(whoami))
	defer scoped.Close()

	now := time.Now().Unix()
	sign := func(extra map[string]any) string {
		claims := jwttest.Claims(testIssuer, testAudience, now)
		delete(claims, "scope") // jwttest.Claims grants a few
		for k, x := range extra {
			claims[k] = x
		}
		return key.Sign(claims)
	}
	good := sign(nil)
	expired := sign(map[string]any{"exp": now - 600})
	otherAudience := sign(map[string]any{"aud": "api://billing"})
	otherKey := jwttest.NewEC("ES256", "k1").Sign(jwttest.Claims(testIssuer, testAudience, now))

	if r := httpGet(t, open.URL, "Bearer "+good); r.status != 200 || r.body != "user-1234567890" {
		t.Errorf("good token: %+v", r)
	}
	if r := httpGet(t, open.URL, "bEaReR  "+good); r.status != 200 || r.body != "user-1234567890" {
		t.Errorf("mixed-case scheme: %+v", r)
	}
	invalid := func(c Code) string {
		return `Bearer error="invalid_token", error_description="` + c.Description() + `"`
	}
	const badRequest = `Bearer error="invalid_request", error_description="malformed Authorization header"`
	for name, c := range map[string]struct {
		url       string
		auth      []string
		status    int
		challenge string
	}{
		"no credentials":         {open.URL, nil, 401, `Bearer`},
		"no credentials, realm":  {scoped.URL, nil, 401, `Bearer realm="orders"`},
		"basic credentials":      {open.URL, []string{"Basic dXNlcjpwYXNz"}, 401, `Bearer`},
		"bearer without token":   {open.URL, []string{"Bearer"}, 400, badRequest},
		"two credentials":        {open.URL, []string{"Bearer " + good + ", Bearer " + good}, 400, badRequest},
		"two headers":            {open.URL, []string{"Bearer " + good, "Bearer " + good}, 400, badRequest},
		"garbage token":          {open.URL, []string{"Bearer abc"}, 401, invalid(CodeMalformed)},
		"expired token":          {open.URL, []string{"Bearer " + expired}, 401, invalid(CodeExpired)},
		"wrong audience":         {open.URL, []string{"Bearer " + otherAudience}, 401, invalid(CodeWrongAudience)},
		"another key":            {open.URL, []string{"Bearer " + otherKey}, 401, invalid(CodeBadSignature)},
		"query-string token":     {open.URL + "?access_token=" + good, nil, 400, `Bearer error="invalid_request", error_description="access tokens in the query string are not accepted"`},
		"encoded query token":    {open.URL + "?a=1&access%5Ftoken=" + good, []string{"Bearer " + good}, 400, `Bearer error="invalid_request", error_description="access tokens in the query string are not accepted"`},
		"query and header token": {open.URL + "?access_token=" + good, []string{"Bearer " + good}, 400, `Bearer error="invalid_request", error_description="access tokens in the query string are not accepted"`},
		"no scope": {scoped.URL, []string{"Bearer " + good}, 403,
			`Bearer realm="orders", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:read orders:write"`},
		"one scope of two": {scoped.URL, []string{"Bearer " + sign(map[string]any{"scope": "orders:read"})}, 403,
			`Bearer realm="orders", error="insufficient_scope", error_description="the token lacks a required scope", scope="orders:read orders:write"`},
		"scope of the wrong type": {scoped.URL, []string{"Bearer " + sign(map[string]any{"scope": []string{"orders:read", "orders:write"}})}, 401,
			`Bearer realm="orders", error="invalid_token", error_description="invalid scope claim"`},
		"expired, scoped": {scoped.URL, []string{"Bearer " + expired}, 401,
			`Bearer realm="orders", error="invalid_token", error_description="` + CodeExpired.Description() + `"`},
	} {
		r := httpGet(t, c.url, c.auth...)
		if r.status != c.status || r.challenge != c.challenge || r.retryIn != "" {
			t.Errorf("%s: got %d %q, want %d %q", name, r.status, r.challenge, c.status, c.challenge)
		}
		if strings.Contains(r.body, "user-1234567890") {
			t.Errorf("%s: the handler ran: %q", name, r.body)
		}
	}
	for name, extra := range map[string]map[string]any{
		"scope":           {"scope": "orders:write admin orders:read"},
		"scp array":       {"scp": []string{"orders:read", "orders:write"}},
		"scp string":      {"scp": "orders:write orders:read"},
		"scope and scp":   {"scope": "orders:read", "scp": []string{"orders:write"}},
		"scope, scp null": {"scope": "orders:read orders:write", "scp": nil},
	} {
		if r := httpGet(t, scoped.URL, "Bearer "+sign(extra)); r.status != 200 || r.body != "user-1234567890" {
			t.Errorf("scopes in %s: %+v", name, r)
		}
	}

	// A closed verifier is a server bug: 500, no challenge.
	v.Close()
	if r := httpGet(t, open.URL, "Bearer "+good); r.status != 500 || r.challenge != "" {
		t.Errorf("closed verifier: %+v", r)
	}
}

// The description of a rejected token is the code's generic one: the library's detailed
// message (which may name kids or key parameters) never reaches the client.
func TestMiddlewareDescriptionLeaksNoDetail(t *testing.T) {
	key := jwttest.NewEC("ES256", "secret-kid-name")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var seen *AuthError
	srv := httptest.NewServer(Middleware(v, &MiddlewareOptions{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err *AuthError) {
		seen = err
		WriteAuthError(w, err)
	}})(whoami))
	defer srv.Close()
	unknown := jwttest.NewEC("ES256", "unknown-kid-name").Sign(jwttest.Claims(testIssuer, testAudience, time.Now().Unix()))
	r := httpGet(t, srv.URL, "Bearer "+unknown)
	var e *Error
	if seen == nil || !errors.As(seen, &e) || e.Code != CodeUnknownKey {
		t.Fatalf("ErrorHandler saw %v", seen)
	}
	if !strings.Contains(e.Message, "unknown-kid-name") {
		t.Fatalf("the library's message %q does not name the kid: this test proves nothing", e.Message)
	}
	if r.status != 401 || strings.Contains(r.challenge+r.body, "kid-name") || !strings.Contains(r.challenge, CodeUnknownKey.Description()) {
		t.Errorf("answer %+v", r)
	}
}

func TestMiddlewareErrorHandler(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var mu sync.Mutex
	var seen []*AuthError
	srv := httptest.NewServer(Middleware(v, &MiddlewareOptions{
		Scopes: []string{"a"},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err *AuthError) {
			mu.Lock()
			seen = append(seen, err)
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(err.Status)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Code, "path": r.URL.Path})
		},
	})(whoami))
	defer srv.Close()
	now := time.Now().Unix()
	claims := jwttest.Claims(testIssuer, testAudience, now)
	claims["exp"] = now - 600
	r := httpGet(t, srv.URL+"/x", "Bearer "+key.Sign(claims))
	if r.status != 401 || r.body != `{"error":"invalid_token","path":"/x"}` || r.challenge != "" {
		t.Errorf("expired: %+v", r)
	}
	r = httpGet(t, srv.URL+"/y", "Bearer "+key.Sign(jwttest.Claims(testIssuer, testAudience, now)))
	if r.status != 403 || r.body != `{"error":"insufficient_scope","path":"/y"}` {
		t.Errorf("missing scope: %+v", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || !errors.Is(seen[0], ErrExpired) || !errors.Is(seen[0], ErrTokenRejected) {
		t.Fatalf("ErrorHandler saw %v", seen)
	}
	var missing *MissingScopeError
	if !errors.As(seen[1], &missing) || len(missing.Missing) != 1 || missing.Missing[0] != "a" || seen[1].Scope != "a" {
		t.Errorf("missing scope error: %v", seen[1])
	}
}

// When no keys can be obtained, clients get 503 and Retry-After, not 401.
func TestMiddlewareKeysUnavailable(t *testing.T) {
	keysDown := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer keysDown.Close()
	v, err := NewFromURL(keysDown.URL+"/jwks", &Options{AllowHTTP: true, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	token := jwttest.NewEC("ES256", "k1").Sign(jwttest.Claims(testIssuer, testAudience, time.Now().Unix()))
	for retry, want := range map[time.Duration]string{0: "5", 30 * time.Second: "30", 1500 * time.Millisecond: "2"} {
		srv := httptest.NewServer(Middleware(v, &MiddlewareOptions{RetryAfter: retry, Realm: "r"})(whoami))
		r := httpGet(t, srv.URL, "Bearer "+token)
		srv.Close()
		if r.status != 503 || r.retryIn != want || r.challenge != "" {
			t.Errorf("RetryAfter %v: %+v, want 503 with Retry-After %s", retry, r, want)
		}
	}
}

// Many clients at once through one middleware and one verifier (run with -race).
func TestMiddlewareConcurrentClients(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	srv := httptest.NewServer(Middleware(v, &MiddlewareOptions{Scopes: []string{"read"}})(whoami))
	defer srv.Close()
	now := time.Now().Unix()
	var wg sync.WaitGroup
	errs := make(chan string, 8*40)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				claims := jwttest.Claims(testIssuer, testAudience, now)
				claims["sub"] = fmt.Sprintf("user-%d-%d", g, i)
				want := 200
				if i%2 == 0 {
					claims["scope"] = "read"
				} else {
					want = 403
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				req.Header.Set("Authorization", "Bearer "+key.Sign(claims))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err.Error()
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != want || (want == 200 && string(body) != claims["sub"]) {
					errs <- fmt.Sprintf("%v: %d %q", claims["sub"], res.StatusCode, body)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestTokenFromContextEmpty(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if tok, ok := TokenFromContext(req.Context()); ok || tok != nil {
		t.Errorf("TokenFromContext of a bare context = %v, %v", tok, ok)
	}
	if _, ok := TokenFromContext(ContextWithToken(req.Context(), nil)); ok {
		t.Error("a nil token counts as present")
	}
}

// A nil verifier is refused when the middleware is built, not on the first request.
func TestMiddlewareNilVerifier(t *testing.T) {
	for name, v := range map[string]TokenVerifier{"nil": nil, "nil *Verifier": (*Verifier)(nil)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "verifier is nil") {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			Middleware(v, nil)
		}()
	}
}

// BenchmarkMiddleware compares a bare Verify with a request through the middleware (header
// parsing, Verify, the scope check, the context) on the same ES256 token, in one run.
func BenchmarkMiddleware(b *testing.B) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Audiences: []string{testAudience}})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	claims := jwttest.Claims(testIssuer, testAudience, time.Now().Unix())
	claims["scope"] = "openid orders:read"
	token := key.Sign(claims)
	b.Run("verify", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := v.Verify(token); err != nil {
				b.Fatal(err)
			}
		}
	})
	h := Middleware(v, &MiddlewareOptions{Scopes: []string{"orders:read"}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	serve := func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
	b.Run("middleware", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			serve()
		}
	})
	// Alternating rounds of each, so that the ratio (the median of the per-round ratios)
	// holds while the machine's speed drifts; reported as middleware/verify.
	b.Run("interleaved", func(b *testing.B) {
		const rounds, per = 21, 50
		ratios := make([]float64, 0, rounds)
		for i := 0; i < b.N; i++ {
			ratios = ratios[:0]
			for r := -1; r < rounds; r++ { // round -1 warms up and is not counted
				t0 := time.Now()
				for k := 0; k < per; k++ {
					if _, err := v.Verify(token); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				for k := 0; k < per; k++ {
					serve()
				}
				if r >= 0 {
					ratios = append(ratios, float64(time.Since(t1))/float64(t1.Sub(t0)))
				}
			}
		}
		sort.Float64s(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "middleware/verify")
	})
}

// acceptAll is a TokenVerifier that accepts every token, to show what reaches Verify.
type acceptAll struct{ seen []string }

func (a *acceptAll) Verify(token string) (*Token, error) {
	a.seen = append(a.seen, token)
	return &Token{payload: []byte(`{}`)}, nil
}

// Authenticate checks the credential's b64token syntax after a failed verification when the
// verifier is a *Verifier (a verified token is always a b64token), before it for any other
// TokenVerifier: either way, every Authorization value gets the answer BearerToken's verdict
// gives (400 malformed, 401 no bearer), and a token that is not a b64token is never accepted.
func TestAuthenticateCredentialSyntax(t *testing.T) {
	key := jwttest.NewEC("ES256", "k1")
	v, err := NewFromJSON(jwttest.JWKS(key), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	good := key.Sign(jwttest.Claims(testIssuer, testAudience, time.Now().Unix()))
	cases := [][]string{
		{"Bearer " + good}, {"bearer  " + good + " "}, nil, {""}, {"Basic dXNlcjpwYXNz"}, {"Bearerabc"},
		{"Bearer"}, {"Bearer   "}, {"Bearer\tabc"}, {"Bearer a b"}, {"Bearer " + good + " x"},
		{"Bearer " + good + ", Bearer " + good}, {"Bearer " + good, "Bearer " + good}, {"Bearer a=b"},
		{"Bearer ===="}, {"Bearer a\x00"}, {"Bearer " + good + "\x00"}, {"Bearer,abc"},
		{"Bearer " + good + "=="}, {"Bearer abc.def-_~+/=="}, {"Bearer " + strings.Replace(good, ".", "..", 1)},
		{"Bearer " + good[:len(good)-1] + "é"}, {"Bearer " + good[:len(good)-1] + "\x7f"},
	}
	for _, values := range cases {
		_, bearerErr := BearerToken(values)
		for _, tv := range []TokenVerifier{v, &acceptAll{}} {
			tok, aerr := Authenticate(tv, values, nil)
			switch {
			case errors.Is(bearerErr, ErrNoBearer):
				if aerr == nil || aerr.Status != http.StatusUnauthorized || aerr.Code != "" || !errors.Is(aerr, ErrNoBearer) {
					t.Errorf("%T %q: %v, want 401 without a code", tv, values, aerr)
				}
			case bearerErr != nil:
				if aerr == nil || aerr.Status != http.StatusBadRequest || aerr.Code != "invalid_request" ||
					!errors.Is(aerr, ErrMalformedAuthorization) || aerr.Err.Error() != bearerErr.Error() {
					t.Errorf("%T %q: %v, want 400 invalid_request (%v)", tv, values, aerr, bearerErr)
				}
			case tv == TokenVerifier(v) && strings.TrimSpace(values[0]) != "bearer  "+good && values[0] != "Bearer "+good:
				// A b64token that is not a valid JWT: the library's verdict.
				if aerr == nil || aerr.Status != http.StatusUnauthorized || aerr.Code != "invalid_token" {
					t.Errorf("%T %q: %v, want 401 invalid_token", tv, values, aerr)
				}
			default:
				if aerr != nil || tok == nil {
					t.Errorf("%T %q: %v, want the token accepted", tv, values, aerr)
				}
			}
		}
	}
	// The permissive verifier saw only b64tokens.
	a := &acceptAll{}
	for _, values := range cases {
		Authenticate(a, values, nil)
	}
	for _, s := range a.seen {
		if !isB64Token(s) {
			t.Errorf("a TokenVerifier was given %q, which is not a b64token", s)
		}
	}
}
