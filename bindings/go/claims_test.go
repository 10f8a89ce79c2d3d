package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkFindMember compares the scanner with encoding/json on one object and one name.
func checkFindMember(t *testing.T, data []byte, name string) {
	t.Helper()
	got, found := findMember(data, name, false) // never panics, whatever data is
	if !utf8.Valid(data) || !json.Valid(data) || firstNonSpace(data) != '{' {
		return
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		t.Fatalf("encoding/json cannot read %q: %v", data, err)
	}
	want, ok := members[name]
	if found != ok {
		t.Fatalf("findMember(%q, %q): found %v, encoding/json %v", data, name, found, ok)
	}
	if !ok {
		return
	}
	// With unique names the first match is the only one.
	if first, _ := findMember(data, name, true); countMembers(t, data, name) == 1 && !bytes.Equal(first, got) {
		t.Fatalf("findMember(%q, %q, unique) = %q, want %q", data, name, first, got)
	}
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil || !reflect.DeepEqual(g, w) {
		t.Fatalf("findMember(%q, %q) = %q, encoding/json %q", data, name, got, want)
	}
	if s, ok := jsonString(got); ok != (got[0] == '"') || (ok && s != w) {
		t.Fatalf("jsonString(%q) = %q, %v; want %v", got, s, ok, w)
	}
}

// countMembers counts the top-level members of obj named name, with encoding/json's tokenizer.
func countMembers(t *testing.T, obj []byte, name string) int {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if key == name {
			n++
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// randomJSON builds a random JSON value, biased towards the shapes of real claims.
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

// Random objects, serialised compactly and with extra whitespace, with duplicate members
// spliced in: the scanner must agree with encoding/json on every name.
func TestFindMemberAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	names := []string{"sub", "aud", "exp", "x", "\"q\"", "é", "a\\b", "", "}", "[", ":", "missing"}
	for i := 0; i < 600; i++ {
		obj := map[string]any{}
		for j := r.Intn(8); j > 0; j-- {
			obj[names[r.Intn(len(names)-1)]] = randomJSON(r, 1)
		}
		compact := mustJSON(obj)
		var spaced bytes.Buffer
		if err := json.Indent(&spaced, compact, " \r", "\t "); err != nil {
			t.Fatal(err)
		}
		// A duplicate member, and a name written with an escape.
		dup := append([]byte(`{"sub":"first", "\u0073ub" : `), append(mustJSON(randomJSON(r, 1)), ',')...)
		dup = append(dup, compact[1:]...)
		if len(obj) == 0 {
			dup = []byte(`{"sub":"first","sub":2}`)
		}
		for _, data := range [][]byte{compact, spaced.Bytes(), dup} {
			for _, name := range names {
				checkFindMember(t, data, name)
			}
		}
	}
}

// The shortcut for flat objects with unique names (findFlatMember) against the walk, on the
// cases it must tell apart: the name inside a string value, as a value, after an escaped
// backslash, with spaces, written with an escape, and objects it must leave to the walk.
func TestFindFlatMember(t *testing.T) {
	for _, c := range []struct {
		obj, want string
		flat      bool // found by the shortcut (else by the walk, or not at all)
	}{
		{`{"a":"\"sub\":1","sub":2}`, `2`, true},
		{`{"\"sub":1,"sub":2}`, `2`, true},
		{`{"\\\"sub":1,"x\\":"sub","sub":7}`, `7`, true},
		{`{"\"sub":1}`, ``, false},
		{`{"a":"sub","sub":"v"}`, `"v"`, true},
		{`{"a":"x\\","sub":3}`, `3`, true},
		{`{"a":"\\\"sub\":9","sub" : [1,"sub"] }`, `[1,"sub"]`, true},
		{`{ "sub"  :  true }`, `true`, true},
		{`{"subject":1,"sub":null}`, `null`, true},
		{`{"xsub":1,"sub_":2,"sub":3}`, `3`, true},
		{`{"s\u0075b":4}`, `4`, false},
		{`{"o":{"sub":1},"sub":5}`, `5`, false},
		{`{"a":"{","sub":6}`, `6`, false},
		{`{"a":1}`, ``, false},
		{`{"a":"\"sub\":1"}`, ``, false},
	} {
		raw, flat := findFlatMember([]byte(c.obj), "sub")
		if flat != c.flat || (flat && string(raw) != c.want) {
			t.Errorf("findFlatMember(%s) = %q, %v; want %q, %v", c.obj, raw, flat, c.want, c.flat)
		}
		got, found := findMember([]byte(c.obj), "sub", true)
		walked, walkedFound := findMember([]byte(c.obj), "sub", false)
		if string(got) != c.want || found != (c.want != "") || found != walkedFound || !bytes.Equal(got, walked) {
			t.Errorf("findMember(%s) = %q, %v; the walk %q, %v; want %q", c.obj, got, found, walked, walkedFound, c.want)
		}
	}
	for _, name := range []string{"", "1a", "-a", "a b", `a"`, `a\`, "é", "}"} {
		if plainName(name) {
			t.Errorf("plainName(%q) = true", name)
		}
	}
	for _, name := range []string{"sub", "_x", "client_id", "https:ex.com", "a-b.c", "Z9"} {
		if !plainName(name) {
			t.Errorf("plainName(%q) = false", name)
		}
	}
}

func TestScannerOnBrokenInput(t *testing.T) {
	for _, data := range []string{"", "{", "{\"a", `{"a":`, `{"a":"x`, `{"a":[1,2`, `{"a" 1}`, `[1]`, `{"a":1,`, `{"a":}`, `"str"`, `{"a":1}x`, "\x00"} {
		for _, name := range []string{"a", ""} {
			if raw, ok := findMember([]byte(data), name, false); ok && !json.Valid(raw) {
				t.Errorf("findMember(%q, %q) = %q", data, name, raw)
			}
		}
		forEachElement([]byte(data), func([]byte) {})
	}
	if _, ok := jsonInt([]byte("-")); ok {
		t.Error("jsonInt accepted a lone minus")
	}
}

func FuzzFindMember(f *testing.F) {
	for _, seed := range []string{
		`{"sub":"x"}`, `{"a":{"sub":1},"sub":[1,"]"]}`, `{"s\u0075b":true,"sub":null}`,
		` { "sub" : "a\"b" } `, `{"sub":1,"sub":2}`, `{}`, `[]`, `{"a":"\\"}`,
	} {
		f.Add([]byte(seed), "sub")
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		checkFindMember(t, data, name)
		forEachElement(data, func(elem []byte) {
			if json.Valid(data) && !json.Valid(elem) {
				t.Fatalf("forEachElement(%q) gave %q", data, elem)
			}
		})
	})
}

// The Go getters follow the C rules: jwks_token_claim_int answers TYPE_MISMATCH for -0 (the
// library reads it as the floating-point negative zero), so ClaimInt must too.
func TestClaimIntFollowsTheCRuleForMinusZero(t *testing.T) {
	for raw, want := range map[string]bool{
		"0": true, "-1": true, "-9223372036854775808": true, "9223372036854775807": true,
		"-0": false, "-0.0": false, "0e0": false, "1.0": false, "9223372036854775808": false,
		"-9223372036854775809": false, "-": false, "": false,
	} {
		if _, ok := jsonInt([]byte(raw)); ok != want {
			t.Errorf("jsonInt(%q): ok %v, want %v", raw, ok, want)
		}
	}

	k := testKeys(t)
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	header := mustJSON(map[string]any{"alg": "EdDSA", "kid": "eddsa"})
	tok, err := v.VerifyAt(k.eddsa.SignRaw("EdDSA", header, []byte(`{"z":-0,"zero":0,"neg":-7}`)), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := tok.ClaimInt("z"); !errors.Is(err, ErrTypeMismatch) || n != 0 {
		t.Errorf("ClaimInt(-0) = %d, %v; want ErrTypeMismatch", n, err)
	}
	if n, err := tok.ClaimInt("zero"); err != nil || n != 0 {
		t.Errorf("ClaimInt(0) = %d, %v", n, err)
	}
	if n, err := tok.ClaimInt("neg"); err != nil || n != -7 {
		t.Errorf("ClaimInt(-7) = %d, %v", n, err)
	}
}

// UnmarshalClaims into interface values keeps numbers as written (json.Number), where
// float64 would round integers beyond 2^53; typed fields decode as before.
func TestUnmarshalClaimsKeepsBigIntegers(t *testing.T) {
	k := testKeys(t)
	v := newTestVerifier(t, &Options{NoRequireExp: true})
	header := mustJSON(map[string]any{"alg": "EdDSA", "kid": "eddsa"})
	payload := `{"id":9007199254740993,"huge":123456789012345678901234567890,"f":1.5,"neg":-0,
		"nested":{"n":[18446744073709551615]},"exp":1800003600}`
	tok, err := v.VerifyAt(k.eddsa.SignRaw("EdDSA", header, []byte(payload)), testNow)
	if err != nil {
		t.Fatal(err)
	}

	var m map[string]any
	if err := tok.UnmarshalClaims(&m); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"id": "9007199254740993", "huge": "123456789012345678901234567890", "f": "1.5", "neg": "-0"} {
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
		F   float64 `json:"f"`
		Exp int64   `json:"exp"`
	}
	if err := tok.UnmarshalClaims(&typed); err != nil || typed.ID != 9007199254740993 || typed.F != 1.5 || typed.Exp != 1800003600 {
		t.Errorf("typed: %+v, %v", typed, err)
	}
}

// Like json.Unmarshal, decodeJSON refuses data after the value (a VerifySignature payload
// need not be JSON at all).
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
