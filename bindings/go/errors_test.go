package jwks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// allSentinels lists every code sentinel with its code.
var allSentinels = []struct {
	err  *Error
	code Code
}{
	{ErrMalformed, CodeMalformed}, {ErrTooLarge, CodeTooLarge},
	{ErrAlgorithmNotAllowed, CodeAlgorithmNotAllowed}, {ErrCritUnsupported, CodeCritUnsupported},
	{ErrUnknownKey, CodeUnknownKey}, {ErrAmbiguousKey, CodeAmbiguousKey},
	{ErrKeyMismatch, CodeKeyMismatch}, {ErrBadSignature, CodeBadSignature},
	{ErrExpired, CodeExpired}, {ErrNotYetValid, CodeNotYetValid},
	{ErrIssuedInFuture, CodeIssuedInFuture}, {ErrTooOld, CodeTooOld},
	{ErrWrongIssuer, CodeWrongIssuer}, {ErrWrongAudience, CodeWrongAudience},
	{ErrMissingClaim, CodeMissingClaim}, {ErrInvalidClaim, CodeInvalidClaim},
	{ErrWrongType, CodeWrongType}, {ErrKeysUnavailable, CodeKeysUnavailable},
	{ErrKeySetInvalid, CodeKeySetInvalid}, {ErrNullArgument, CodeNullArgument},
	{ErrInvalidArgument, CodeInvalidArgument}, {ErrInsecureURL, CodeInsecureURL},
	{ErrInternal, CodeInternal}, {ErrNotFound, CodeNotFound}, {ErrTypeMismatch, CodeTypeMismatch},
	{ErrNoCredentials, CodeNoCredentials}, {ErrInvalidRequest, CodeInvalidRequest},
	{ErrSchemeNotAllowed, CodeSchemeNotAllowed}, {ErrInsufficientScope, CodeInsufficientScope},
	{ErrDpopProofInvalid, CodeDpopProofInvalid}, {ErrDpopProofMismatch, CodeDpopProofMismatch},
	{ErrDpopProofStale, CodeDpopProofStale}, {ErrDpopProofReplayed, CodeDpopProofReplayed},
	{ErrDpopNonceRequired, CodeDpopNonceRequired}, {ErrBindingMismatch, CodeBindingMismatch},
	{ErrTokenNotBound, CodeTokenNotBound}, {ErrBoundTokenAsBearer, CodeBoundTokenAsBearer},
	{ErrReplayStoreUnavailable, CodeReplayStoreUnavailable},
}

// The Go table of names and categories must agree with the library for every number.
func TestCodesMatchTheLibrary(t *testing.T) {
	known := 0
	for n := uint32(0); n < 1000; n++ {
		c := Code(n)
		if got, want := c.String(), cResultName(n); got != want {
			t.Errorf("code %d: Go name %q, library %q", n, got, want)
		}
		if got, want := c.Category(), cResultCategory(n); got != want {
			t.Errorf("code %d: Go category %v, library %v", n, got, want)
		}
		// One description per code, the same as C's (the middleware's error_description).
		if got, want := c.Description(), cResultDescription(n); got != want {
			t.Errorf("code %d: Go description %q, library %q", n, got, want)
		}
		if _, _, _, ok := codeInfo(c); ok {
			known++
		}
	}
	if known != len(allSentinels)+1 {
		t.Errorf("%d known codes, %d sentinels", known, len(allSentinels))
	}
}

func TestSentinelsAndCategories(t *testing.T) {
	for _, s := range allSentinels {
		e := newError(s.code, "some detail")
		if !errors.Is(e, s.err) {
			t.Errorf("%v is not %v", e, s.err)
		}
		for _, other := range allSentinels {
			if other.code != s.code && errors.Is(e, other.err) {
				t.Errorf("%v matches %v", e, other.err)
			}
		}
		cats := map[error]bool{
			ErrTokenRejected: s.code >= 1 && s.code <= 99,
			ErrUnavailable:   s.code >= 100 && s.code <= 199,
			ErrMisuse:        s.code >= 200 && s.code <= 299,
			ErrLookup:        s.code >= 300 && s.code <= 399,
		}
		for cat, want := range cats {
			if errors.Is(e, cat) != want {
				t.Errorf("errors.Is(%v, %v) = %v", e, cat, !want)
			}
		}
		if IsTokenRejected(e) != cats[ErrTokenRejected] || IsUnavailable(e) != cats[ErrUnavailable] {
			t.Errorf("%v: IsTokenRejected/IsUnavailable disagree with the category", e)
		}
		if e.Name != s.code.String() || s.err.Name != e.Name || e.Category != s.code.Category() {
			t.Errorf("%v: name %q category %v", e, e.Name, e.Category)
		}
		if got := e.Error(); got != "jwks: "+e.Name+": some detail" {
			t.Errorf("Error() = %q", got)
		}
	}
	if errors.Is(ErrClosed, ErrMisuse) || errors.Is(ErrClosed, ErrTokenRejected) {
		t.Error("ErrClosed matches a category")
	}
}

// requireError checks err against the sentinel, the category, and the *Error fields.
func requireError(t *testing.T, what string, err error, want *Error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want %s", what, want.Name)
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: %T %v is not an *Error", what, err, err)
		return
	}
	if !errors.Is(err, want) || e.Code != want.Code || e.Name != want.Name {
		t.Errorf("%s: got %v, want %s", what, err, want.Name)
	}
	if e.Category != want.Code.Category() {
		t.Errorf("%s: category %v, want %v", what, e.Category, want.Code.Category())
	}
	if strings.TrimSpace(e.Message) == "" {
		t.Errorf("%s: empty message", what)
	}
}

// Every token-rejected code, produced by the library through the Go API.
func TestTokenRejectedErrors(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, nil)
	es := k.es256
	dup := jwttest.NewEC("ES256", "dup")
	dup2 := jwttest.NewEC("ES256", "dup")
	ambiguous, err := NewFromJSON(jwttest.JWKS(es, dup, dup2), &defaultTestOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer ambiguous.Close()
	strict, err := NewFromJSON(jwttest.JWKS(k.all()...), &Options{
		Issuers: []string{testIssuer}, Audiences: []string{testAudience},
		RequiredClaims: []string{"tenant"}, Typ: "at+jwt", MaxTokenAge: time.Hour,
		Algorithms: []string{"ES256", "RS256"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()

	good := es.Sign(claimsAt(testNow))
	header := func(extra map[string]any) map[string]any {
		h := map[string]any{"alg": "ES256", "kid": "es256", "typ": "JWT"}
		for n, val := range extra {
			h[n] = val
		}
		return h
	}
	atJWT := header(map[string]any{"typ": "at+jwt"})
	cases := []struct {
		name  string
		v     *Verifier
		token string
		want  *Error
	}{
		{"not three parts", v, "abc.def", ErrMalformed},
		{"bad base64", v, "e30.e30.!!!", ErrMalformed},
		{"empty", v, "", ErrMalformed},
		{"oversized", v, es.Sign(withClaims(map[string]any{"pad": strings.Repeat("x", 20000)})), ErrTooLarge},
		{"alg none", v, jwttest.B64([]byte(`{"alg":"none"}`)) + "." + jwttest.B64(mustJSON(claimsAt(testNow))) + ".", ErrAlgorithmNotAllowed},
		{"alg outside the allowlist", strict, k.eddsa.Sign(claimsAt(testNow)), ErrAlgorithmNotAllowed},
		{"crit", v, es.SignWithHeader(header(map[string]any{"crit": []string{"exp-ext"}, "exp-ext": 1}), claimsAt(testNow)), ErrCritUnsupported},
		{"unknown kid", v, es.SignWithHeader(header(map[string]any{"kid": "nope"}), claimsAt(testNow)), ErrUnknownKey},
		{"ambiguous kid", ambiguous, dup.Sign(claimsAt(testNow)), ErrAmbiguousKey},
		{"RS256 naming an EC key", v, k.rs256.SignWithHeader(map[string]any{"alg": "RS256", "kid": "es256"}, claimsAt(testNow)), ErrKeyMismatch},
		{"flipped signature bit", v, flipSignatureBit(t, good), ErrBadSignature},
		{"signed by another key", v, jwttest.NewEC("ES256", "es256").Sign(claimsAt(testNow)), ErrBadSignature},
		{"expired", v, es.Sign(withClaims(map[string]any{"exp": testNow.Unix() - 1})), ErrExpired},
		{"not yet valid", v, es.Sign(withClaims(map[string]any{"nbf": testNow.Unix() + 60})), ErrNotYetValid},
		{"issued in the future", v, es.Sign(withClaims(map[string]any{"iat": testNow.Unix() + 60})), ErrIssuedInFuture},
		{"too old", strict, es.SignWithHeader(atJWT, withClaims(map[string]any{"tenant": "t", "iat": testNow.Unix() - 7200})), ErrTooOld},
		{"wrong issuer", v, es.Sign(withClaims(map[string]any{"iss": "https://evil.example/"})), ErrWrongIssuer},
		{"missing issuer", v, es.Sign(withClaims(map[string]any{"iss": nil})), ErrWrongIssuer},
		{"wrong audience", v, es.Sign(withClaims(map[string]any{"aud": "api://other"})), ErrWrongAudience},
		{"missing exp", v, es.Sign(withClaims(map[string]any{"exp": nil})), ErrMissingClaim},
		{"missing required claim", strict, es.SignWithHeader(atJWT, claimsAt(testNow)), ErrMissingClaim},
		{"exp not a number", v, es.Sign(withClaims(map[string]any{"exp": "tomorrow"})), ErrInvalidClaim},
		{"payload not an object", v, es.SignRaw("ES256", mustJSON(header(nil)), []byte(`[1,2]`)), ErrInvalidClaim},
		{"wrong typ", strict, es.Sign(withClaims(map[string]any{"tenant": "t"})), ErrWrongType},
	}
	for _, c := range cases {
		_, err := c.v.VerifyAt(c.token, testNow)
		requireError(t, c.name, err, c.want)
		if !errors.Is(err, ErrTokenRejected) || IsUnavailable(err) {
			t.Errorf("%s: %v is not in the token-rejected category", c.name, err)
		}
	}
	// The same tokens, fixed, are accepted: the cases above fail for the reason named.
	if _, err := v.VerifyAt(good, testNow); err != nil {
		t.Errorf("good token: %v", err)
	}
	if _, err := strict.VerifyAt(es.SignWithHeader(atJWT, withClaims(map[string]any{"tenant": "t"})), testNow); err != nil {
		t.Errorf("good token under the strict policy: %v", err)
	}
	if _, err := ambiguous.VerifyAt(good, testNow); err != nil {
		t.Errorf("good token with an ambiguous set: %v", err)
	}
}

func TestKeySetAndOptionErrors(t *testing.T) {
	k := testKeys(t)
	jwks := jwttest.JWKS(k.es256)
	for _, c := range []struct {
		name string
		json []byte
		opts *Options
		want *Error
	}{
		{"not JSON", []byte("not json"), nil, ErrKeySetInvalid},
		{"empty", nil, nil, ErrKeySetInvalid},
		{"no keys", []byte(`{"keys":[]}`), nil, ErrKeySetInvalid},
		{"only an oct key without HS*", jwttest.JWKS(jwttest.NewHMAC("HS256", "h", make([]byte, 32))), nil, ErrKeySetInvalid},
		{"only a P-521 key", []byte(`{"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLL1Xmdd6a2PWbuT89LH7fJXaEwzpi83LKtqdHt61DUOO74SOsXDnNhNnbDxv","y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"}`), nil, ErrKeySetInvalid},
		{"alg none", jwks, &Options{Algorithms: []string{"none"}}, ErrInvalidArgument},
		{"unknown alg", jwks, &Options{Algorithms: []string{"RS1"}}, ErrInvalidArgument},
		{"negative leeway", jwks, &Options{Leeway: -time.Second}, ErrInvalidArgument},
		{"fractional leeway", jwks, &Options{Leeway: 1500 * time.Millisecond}, ErrInvalidArgument},
		{"leeway above a day", jwks, &Options{Leeway: 25 * time.Hour}, ErrInvalidArgument},
		{"tiny token limit", jwks, &Options{MaxTokenSize: 10}, ErrInvalidArgument},
		{"negative token limit", jwks, &Options{MaxTokenSize: -1}, ErrInvalidArgument},
		{"http timeout too long", jwks, &Options{HTTPTimeout: time.Hour + time.Millisecond}, ErrInvalidArgument},
		{"sub-millisecond timeout", jwks, &Options{HTTPTimeout: time.Microsecond}, ErrInvalidArgument},
		{"one cache bound", jwks, &Options{MinCacheTTL: time.Minute}, ErrInvalidArgument},
		{"cache bounds reversed", jwks, &Options{MinCacheTTL: time.Hour, MaxCacheTTL: time.Minute}, ErrInvalidArgument},
		{"small response limit", jwks, &Options{MaxResponseSize: 10}, ErrInvalidArgument},
		{"NUL in an issuer", jwks, &Options{Issuers: []string{"a\x00b"}}, ErrInvalidArgument},
		{"empty issuer", jwks, &Options{Issuers: []string{""}}, ErrInvalidArgument},
		{"CR in a header", jwks, &Options{Headers: map[string]string{"X-Key": "a\r\nb"}}, ErrInvalidArgument},
		{"CA without a certificate", jwks, &Options{CAPEM: []byte("nothing here")}, ErrInvalidArgument},
	} {
		v, err := NewFromJSON(c.json, c.opts)
		if v != nil {
			v.Close()
		}
		requireError(t, c.name, err, c.want)
	}
	// Option errors say which field is wrong.
	_, err := NewFromJSON(jwks, &Options{Leeway: 1500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "Options.Leeway") {
		t.Errorf("leeway error does not name the field: %v", err)
	}
	_, err = NewFromJSON(jwks, &Options{Algorithms: []string{"ES256", "none"}})
	if err == nil || !strings.Contains(err.Error(), `"none"`) {
		t.Errorf("algorithm error does not name the value: %v", err)
	}
	// Every option the library knows, set to a legal value, is accepted.
	v, err := NewFromJSON(jwks, &Options{
		Issuers: []string{testIssuer}, Audiences: []string{testAudience}, Algorithms: []string{"ES256"},
		Leeway: 30 * time.Second, NoRequireExp: true, Typ: "JWT", RequiredClaims: []string{"sub"},
		MaxTokenAge: time.Hour, MaxTokenSize: 4096, AllowHTTP: true, CacheTTL: time.Minute,
		MinCacheTTL: time.Second, MaxCacheTTL: time.Hour, RefreshCooldown: 10 * time.Second,
		MaxStale: time.Hour, HTTPTimeout: 1500 * time.Millisecond, ConnectTimeout: 500 * time.Millisecond,
		MaxResponseSize: 1 << 16, Headers: map[string]string{"X-Api-Key": "secret"},
		Proxy: "http://127.0.0.1:3128",
	})
	if err != nil {
		t.Fatalf("all options: %v", err)
	}
	defer v.Close()
	// NoRequireExp and Leeway took effect.
	claims := withClaims(map[string]any{"exp": nil})
	if _, err := v.VerifyAt(k.es256.Sign(claims), testNow); err != nil {
		t.Errorf("NoRequireExp: %v", err)
	}
	claims = withClaims(map[string]any{"exp": testNow.Unix() - 20})
	if _, err := v.VerifyAt(k.es256.Sign(claims), testNow); err != nil {
		t.Errorf("Leeway: %v", err)
	}
}

func TestClaimLookupErrors(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, nil)
	tok, err := v.VerifyAt(k.es256.Sign(withClaims(map[string]any{"n": 1.5})), testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tok.ClaimString("missing")
	requireError(t, "absent claim", err, ErrNotFound)
	_, err = tok.ClaimString("exp")
	requireError(t, "int as string", err, ErrTypeMismatch)
	_, err = tok.ClaimInt("n")
	requireError(t, "float as int", err, ErrTypeMismatch)
	_, err = tok.ClaimBool("sub")
	requireError(t, "string as bool", err, ErrTypeMismatch)
	_, err = tok.ClaimContains("exp", "x")
	requireError(t, "contains on a number", err, ErrTypeMismatch)
	if !errors.Is(err, ErrLookup) || IsTokenRejected(err) {
		t.Errorf("%v: not in the lookup category", err)
	}
}
