package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode"
)

// verifyJWS signs payload as is (EdDSA) and verifies it with VerifySignature: no claim rule
// applies, so any payload can be put to the getters.
func verifyJWS(t testing.TB, v *Verifier, payload string) *Token {
	t.Helper()
	k := testKeys(t)
	header := mustJSON(map[string]any{"alg": "EdDSA", "kid": "eddsa"})
	tok, err := v.VerifySignature([]byte(k.eddsa.SignRaw("EdDSA", header, []byte(payload))))
	if err != nil {
		t.Fatalf("VerifySignature(%q): %v", payload, err)
	}
	return tok
}

// verifyJWT signs payload as is (EdDSA) and verifies it with VerifyAt (exp not required).
func verifyJWT(t testing.TB, v *Verifier, payload string) (*Token, error) {
	t.Helper()
	k := testKeys(t)
	header := mustJSON(map[string]any{"alg": "EdDSA", "kid": "eddsa"})
	return v.VerifyAt(k.eddsa.SignRaw("EdDSA", header, []byte(payload)), testNow)
}

// The payload of the issue: two members whose names differ only in case. The library and
// its getters read "iss"; encoding/json would fill a field `json:"iss"` from "Iss" (the last
// one matching). UnmarshalClaims refuses it instead of decoding another value than the one
// validated.
func TestUnmarshalClaimsRefusesNamesThatDifferOnlyInCase(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true, Issuers: []string{"https://idp.example/"}})
	for _, payload := range []string{
		`{"iss":"https://idp.example/","Iss":"https://evil.example/","sub":"alice","Sub":"root","scope":"read","Scope":"admin"}`,
		`{"iss":"https://idp.example/","ISS":"https://evil.example/"}`,
		`{"iss":"https://idp.example/","x":{"role":"user","Role":"admin"}}`,
		`{"iss":"https://idp.example/","x":[{"kid":"a","\u212aid":"b"}]}`,
	} {
		tok, err := verifyJWT(t, v, payload)
		if err != nil {
			t.Fatalf("%s: %v", payload, err)
		}
		if iss, err := tok.ClaimString("iss"); err != nil || iss != "https://idp.example/" {
			t.Errorf("%s: ClaimString(iss) = %q, %v", payload, iss, err)
		}
		var claims struct {
			Iss   string `json:"iss"`
			Sub   string `json:"sub"`
			Scope string `json:"scope"`
		}
		err = tok.UnmarshalClaims(&claims)
		var e *Error
		if !errors.Is(err, ErrInvalidClaim) || !errors.As(err, &e) || !strings.Contains(e.Message, "differ only in case") {
			t.Errorf("%s: UnmarshalClaims = %+v, %v; want an ErrInvalidClaim error", payload, claims, err)
		}
		if claims.Iss != "" {
			t.Errorf("%s: UnmarshalClaims decoded iss = %q", payload, claims.Iss)
		}
		if err := tok.ClaimsCaseUnique(); !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("%s: ClaimsCaseUnique = %v", payload, err)
		}
	}
	// Without such names, UnmarshalClaims decodes what the getters read.
	tok, err := verifyJWT(t, v, `{"iss":"https://idp.example/","sub":"alice","x":{"iss":1},"y":[{"Iss":2}]}`)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if err := tok.UnmarshalClaims(&claims); err != nil || claims.Iss != "https://idp.example/" || claims.Sub != "alice" {
		t.Errorf("UnmarshalClaims = %+v, %v", claims, err)
	}
}

// The library's folding is a superset of Go's: for every rune and every other rune of its
// unicode.SimpleFold orbit (the classes of strings.EqualFold and encoding/json's name
// matching), a payload holding both as member names is refused.
func TestCaseFoldingCoversEverySimpleFoldPair(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	pairs := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		next := unicode.SimpleFold(r)
		if next <= r {
			// Each orbit is visited once, from its smallest rune, pair by pair around it.
			continue
		}
		prev := r
		for cur := next; cur != r; cur = unicode.SimpleFold(cur) {
			a, b := string(prev), string(cur)
			if !strings.EqualFold(a, b) {
				t.Fatalf("%U %U: not EqualFold", prev, cur)
			}
			payload := mustJSON(map[string]any{a: 1, b: 2})
			tok := verifyJWS(t, v, string(payload))
			if err := tok.ClaimsCaseUnique(); !errors.Is(err, ErrInvalidClaim) {
				t.Errorf("%U %U (%s): ClaimsCaseUnique = %v", prev, cur, payload, err)
			}
			pairs++
			prev = cur
		}
	}
	if pairs < 1400 {
		t.Errorf("only %d pairs checked", pairs)
	}
}

// The getters are the library's: on random claims they agree with encoding/json's decoding
// of the same payload (names unique, no two differing only in case, as the library reads
// them), and a payload the library does not read as claims gives ErrNotFound for every
// claim, where encoding/json would pick the last of two members or replace a lone surrogate.
func TestGettersAgreeWithEncodingJSON(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	r := rand.New(rand.NewSource(1))
	names := []string{"sub", "aud", "exp", "x", "\"q\"", "é", "a\\b", "", "}", "[", ":", "Ab\u212a"}
	for i := 0; i < 300; i++ {
		obj := map[string]any{}
		for j := r.Intn(8); j > 0; j-- {
			obj[names[r.Intn(len(names))]] = randomJSON(r, 1)
		}
		payload := mustJSON(obj)
		if i%2 == 1 {
			var spaced bytes.Buffer
			if err := json.Indent(&spaced, payload, " \r", "\t "); err != nil {
				t.Fatal(err)
			}
			payload = spaced.Bytes()
		}
		tok := verifyJWS(t, v, string(payload))
		if err := tok.ClaimsReadable(); err != nil {
			t.Fatalf("%s: %v", payload, err)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(payload, &members); err != nil {
			t.Fatal(err)
		}
		for _, name := range append(names, "missing") {
			want, ok := members[name]
			raw, err := tok.ClaimRaw(name)
			if !ok {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("%s: ClaimRaw(%q) = %s, %v; want ErrNotFound", payload, name, raw, err)
				}
				continue
			}
			if err != nil || !bytes.Equal(raw, want) {
				t.Fatalf("%s: ClaimRaw(%q) = %s, %v; want %s", payload, name, raw, err, want)
			}
			var w any
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			s, err := tok.ClaimString(name)
			if ws, isString := w.(string); isString != (err == nil) || (isString && s != ws) {
				t.Fatalf("%s: ClaimString(%q) = %q, %v; want %#v", payload, name, s, err, w)
			}
			if !isStringValue(w) && !errors.Is(err, ErrTypeMismatch) {
				t.Fatalf("%s: ClaimString(%q) error %v", payload, name, err)
			}
			b, err := tok.ClaimBool(name)
			if wb, isBool := w.(bool); isBool != (err == nil) || (isBool && b != wb) {
				t.Fatalf("%s: ClaimBool(%q) = %v, %v; want %#v", payload, name, b, err, w)
			}
			n, err := tok.ClaimInt(name)
			var wn json.Number
			dec := json.NewDecoder(bytes.NewReader(want))
			dec.UseNumber()
			_ = dec.Decode(&wn)
			wi, intErr := wn.Int64()
			isInt := intErr == nil && !strings.ContainsAny(string(want), ".eE") && string(want) != "-0"
			if isInt != (err == nil) || (isInt && n != wi) {
				t.Fatalf("%s: ClaimInt(%q) = %d, %v; want %s", payload, name, n, err, want)
			}
			if items, isArray := w.([]any); isArray && len(items) > 0 {
				if s, ok := items[0].(string); ok {
					if has, err := tok.ClaimContains(name, s); err != nil || !has {
						t.Fatalf("%s: ClaimContains(%q, %q) = %v, %v", payload, name, s, has, err)
					}
				}
			}
		}
	}
}

func isStringValue(v any) bool { _, ok := v.(string); return ok }

// Signature-only payloads the library does not read as claims: every getter answers
// ErrNotFound (it did answer "last one wins" in Go, and NOT_FOUND in C), ClaimsReadable says
// why, and UnmarshalClaims refuses them.
func TestJWSPayloadsThatAreNotClaims(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	for payload, why := range map[string]string{
		`{"sub":"first","sub":"second"}`:                 "duplicate",
		`{"sub":"first","\u0073ub":"second"}`:            "duplicate",
		`{"sub":"a","x":{"r":1,"r":2}}`:                  "duplicate",
		`{"sub":"a","x":"\ud800"}`:                       "escape",
		`{"sub":"a","x":123456789012345678901234567890}`: "out of range",
		`{"sub":"a","x":1e999}`:                          "number",
		`[1]`:                                            "object",
		`not json`:                                       "expected",
	} {
		tok := verifyJWS(t, v, payload)
		if s, err := tok.ClaimString("sub"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: ClaimString(sub) = %q, %v; want ErrNotFound", payload, s, err)
		}
		if raw, err := tok.ClaimRaw("sub"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: ClaimRaw(sub) = %s, %v", payload, raw, err)
		}
		if _, err := tok.Scopes(); !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("%s: Scopes: %v", payload, err)
		}
		err := tok.ClaimsReadable()
		var e *Error
		if !errors.Is(err, ErrInvalidClaim) || !errors.As(err, &e) || !strings.Contains(e.Message, why) {
			t.Errorf("%s: ClaimsReadable = %v; want ErrInvalidClaim saying %q", payload, err, why)
		}
		var m map[string]any
		if err := tok.UnmarshalClaims(&m); !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("%s: UnmarshalClaims = %v, %v", payload, m, err)
		}
	}
	// A readable payload reads as a JWT's.
	tok := verifyJWS(t, v, `{"sub":"alice","n":7}`)
	if s, err := tok.ClaimString("sub"); err != nil || s != "alice" {
		t.Errorf("ClaimString(sub) = %q, %v", s, err)
	}
	if err := tok.ClaimsReadable(); err != nil {
		t.Error(err)
	}
}

// randomJSON builds a random JSON value, biased towards the shapes of real claims; numbers
// stay within what the library reads (|x| < 2^63).
func randomJSON(r *rand.Rand, depth int) any {
	names := []string{"sub", "aud", "exp", "x", "\"q\"", "é", "a\\b", "", "}", "[", ":"}
	switch n := r.Intn(9); {
	case n == 0 && depth < 4:
		m := map[string]any{}
		for i := r.Intn(5); i > 0; i-- {
			m[names[r.Intn(len(names))]] = randomJSON(r, depth+1)
		}
		return m
	case n == 1 && depth < 4:
		a := make([]any, r.Intn(4))
		for i := range a {
			a[i] = randomJSON(r, depth+1)
		}
		return a
	case n == 2:
		return r.Int63() - r.Int63()
	case n == 3:
		return r.NormFloat64() * 1e6
	case n == 4:
		return r.Intn(2) == 0
	case n == 5:
		return nil
	default:
		return names[r.Intn(len(names))] + strings.Repeat("\t\"\\/\u2028😀,{", r.Intn(2))
	}
}

// The Go getters follow the C rules: jwks_token_claim_int answers TYPE_MISMATCH for -0 (the
// library reads it as the floating-point negative zero), so ClaimInt does too.
func TestClaimIntFollowsTheCRuleForMinusZero(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	tok, err := verifyJWT(t, v, `{"z":-0,"zero":0,"neg":-7,"min":-9223372036854775808,"max":18446744073709551615,"f":2.0}`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"zero": 0, "neg": -7, "min": -9223372036854775808} {
		if n, err := tok.ClaimInt(name); err != nil || n != want {
			t.Errorf("ClaimInt(%s) = %d, %v", name, n, err)
		}
	}
	for _, name := range []string{"z", "max", "f"} {
		if n, err := tok.ClaimInt(name); !errors.Is(err, ErrTypeMismatch) || n != 0 {
			t.Errorf("ClaimInt(%s) = %d, %v; want ErrTypeMismatch", name, n, err)
		}
	}
}

// UnmarshalClaims into interface values keeps numbers as written (json.Number), where
// float64 would round integers beyond 2^53; typed fields decode as before. Integers beyond
// the 64-bit range, which readers of JSON read differently, are refused by the library.
func TestUnmarshalClaimsKeepsBigIntegers(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	payload := `{"id":9007199254740993,"u":18446744073709551615,"f":1.5,"neg":-0,
		"nested":{"n":[18446744073709551615]},"exp":1800003600}`
	tok, err := verifyJWT(t, v, payload)
	if err != nil {
		t.Fatal(err)
	}

	var m map[string]any
	if err := tok.UnmarshalClaims(&m); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"id": "9007199254740993", "u": "18446744073709551615", "f": "1.5", "neg": "-0"} {
		if got, ok := m[name].(json.Number); !ok || got.String() != want {
			t.Errorf("claim %s = %#v, want json.Number(%s)", name, m[name], want)
		}
	}
	if id, err := m["id"].(json.Number).Int64(); err != nil || id != 9007199254740993 {
		t.Errorf("id.Int64() = %d, %v", id, err)
	}
	inner := m["nested"].(map[string]any)["n"].([]any)[0]
	if got, ok := inner.(json.Number); !ok || got.String() != "18446744073709551615" {
		t.Errorf("nested number = %#v", inner)
	}
	var anyValue any
	if err := tok.UnmarshalClaims(&anyValue); err != nil || anyValue.(map[string]any)["id"] != json.Number("9007199254740993") {
		t.Errorf("into any: %#v, %v", anyValue, err)
	}

	var typed struct {
		ID  uint64  `json:"id"`
		U   uint64  `json:"u"`
		F   float64 `json:"f"`
		Exp int64   `json:"exp"`
	}
	if err := tok.UnmarshalClaims(&typed); err != nil || typed.ID != 9007199254740993 || typed.U != 18446744073709551615 || typed.F != 1.5 || typed.Exp != 1800003600 {
		t.Errorf("typed: %+v, %v", typed, err)
	}

	for _, huge := range []string{"18446744073709551616", "123456789012345678901234567890", "-9223372036854775809", "1e300"} {
		if _, err := verifyJWT(t, v, `{"x":`+huge+`}`); !errors.Is(err, ErrInvalidClaim) {
			t.Errorf("%s: %v; want ErrInvalidClaim", huge, err)
		}
	}
}

// Like json.Unmarshal, decodeJSON refuses data after the value.
func TestDecodeJSONRefusesTrailingData(t *testing.T) {
	var m map[string]any
	for _, bad := range []string{`{"a":1} {"b":2}`, `{"a":1}x`, `{"a":1`, ``, `nope`} {
		if err := decodeJSON([]byte(bad), &m); err == nil {
			t.Errorf("decodeJSON(%q) accepted", bad)
		}
	}
	if err := decodeJSON([]byte(" {\"a\":1} \n"), &m); err != nil || m["a"] != json.Number("1") {
		t.Errorf("decodeJSON with spaces: %v, %#v", err, m)
	}
}

// A string claim without escapes is a view of the Token's payload (which it keeps alive),
// one with escapes the library's decoding in memory of its own; both stay valid when the Token
// is gone.
func TestClaimStringsOutliveTheToken(t *testing.T) {
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	payload := `{"plain":"alice","esc":"a\"b\u00e9","scope":"r\u0065ad write"}`
	read := func() (string, string, []string, json.RawMessage) {
		tok, err := verifyJWT(t, v, payload)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := tok.ClaimString("plain")
		esc, _ := tok.ClaimString("esc")
		scopes, _ := tok.Scopes()
		raw, _ := tok.ClaimRaw("esc")
		return plain, esc, scopes, raw
	}
	plain, esc, scopes, raw := read()
	for i := 0; i < 3; i++ {
		runtime.GC()
		// Garbage over the memory the token had, if it were freed.
		_ = strings.Repeat("x", 4096)
	}
	if got := fmt.Sprint(plain, "|", esc, "|", scopes, "|", string(raw)); got != `alice|a"bé|[read write]|"a\"b\u00e9"` {
		t.Errorf("after the token: %s", got)
	}
}

// A Token not made by a Verifier (the zero value) answers errors, never crashes.
func TestZeroTokenGetters(t *testing.T) {
	var tok Token
	if _, err := tok.ClaimString("sub"); !errors.Is(err, ErrNullArgument) {
		t.Errorf("ClaimString: %v", err)
	}
	if _, err := tok.Scopes(); !errors.Is(err, ErrNullArgument) {
		t.Errorf("Scopes: %v", err)
	}
	if err := tok.UnmarshalClaims(&map[string]any{}); !errors.Is(err, ErrNullArgument) {
		t.Errorf("UnmarshalClaims: %v", err)
	}
	var nilTok *Token
	if _, err := nilTok.ClaimInt("exp"); !errors.Is(err, ErrNullArgument) {
		t.Errorf("nil ClaimInt: %v", err)
	}
	if !reflect.DeepEqual(tok.Claims(), json.RawMessage(nil)) && len(tok.Claims()) != 0 {
		t.Errorf("Claims of the zero token: %q", tok.Claims())
	}
}
