package jwks

import (
	"bytes"
	"encoding/json"
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
