package jwks

// The cross-language corpus (tests/vectors/corpus/cases.txt, format in its README.md) through
// the public API: every case verified with VerifyAt (a JWT at its time, twice: the second time
// from the token cache) or VerifySignature, and every query asked of the Token's getters. Go
// expresses every query kind: none is skipped.
//
// Where UnmarshalClaims can say the same, it is checked too: it refuses a payload that is not
// claims with the readable verdict and one whose member names differ only in case with the
// case-uniqueness verdict (into a map and into a struct), and otherwise a claim read as a
// string, an integer, a boolean or a JSON value equals what a map[string]any (numbers as
// json.Number) or a map[string]json.RawMessage holds, an absent one is not in it, and
// ClaimContains agrees with it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// corpusSkippedKinds are the query kinds this runner cannot ask (asserted: a kind moved here is
// a decision).
var corpusSkippedKinds = []string{}

type corpusQuery struct {
	line   int
	kind   string
	args   [][]byte
	code   string
	values [][]byte
}

type corpusCase struct {
	name    string
	keys    string
	policy  [][2]string
	token   string
	verify  *corpusQuery
	queries []corpusQuery
}

type corpusFile struct {
	keysets      map[string][]byte
	cases        []*corpusCase
	endCases     int
	endQueries   int
	queriesCount int
}

// corpusDecode is a field's bytes: every byte outside '!'..'~', and '%' and '=', is %XX.
func corpusDecode(field string) ([]byte, error) {
	if field == "=>" {
		return []byte(field), nil
	}
	var out []byte
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c == '%':
			if i+2 >= len(field) {
				return nil, fmt.Errorf("bad escape in %q", field)
			}
			b, err := strconv.ParseUint(field[i+1:i+3], 16, 8)
			if err != nil || strings.ContainsAny(field[i+1:i+3], "+-") {
				return nil, fmt.Errorf("bad escape in %q", field)
			}
			out = append(out, byte(b))
			i += 2
		case c >= 0x21 && c <= 0x7e && c != '=':
			out = append(out, c)
		default:
			return nil, fmt.Errorf("byte %#x not encoded in %q", c, field)
		}
	}
	return out, nil
}

func readCorpus(text string) (*corpusFile, error) {
	f := &corpusFile{keysets: map[string][]byte{}, endCases: -1}
	formatSeen := false
	for n, line := range strings.Split(text, "\n") {
		n++
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f.endCases >= 0 {
			return nil, fmt.Errorf("line %d: a record after end", n)
		}
		var fields [][]byte
		for _, raw := range strings.Split(line, "\t") {
			b, err := corpusDecode(raw)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			fields = append(fields, b)
		}
		kind := string(fields[0])
		var cur *corpusCase
		if len(f.cases) > 0 {
			cur = f.cases[len(f.cases)-1]
		}
		switch {
		case !formatSeen:
			if len(fields) != 3 || kind != "format" || string(fields[1]) != "jwks-corpus" || string(fields[2]) != "1" {
				return nil, fmt.Errorf("line %d: not `format jwks-corpus 1`", n)
			}
			formatSeen = true
		case kind == "keyset" && len(fields) == 3:
			f.keysets[string(fields[1])] = fields[2]
		case kind == "case" && len(fields) == 2:
			f.cases = append(f.cases, &corpusCase{name: string(fields[1])})
		case kind == "end" && len(fields) == 3:
			var err1, err2 error
			f.endCases, err1 = strconv.Atoi(string(fields[1]))
			f.endQueries, err2 = strconv.Atoi(string(fields[2]))
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("line %d: bad counts", n)
			}
		case cur == nil:
			return nil, fmt.Errorf("line %d: %s outside a case", n, kind)
		case kind == "keys" && len(fields) == 2:
			cur.keys = string(fields[1])
		case kind == "policy" && len(fields) == 3:
			cur.policy = append(cur.policy, [2]string{string(fields[1]), string(fields[2])})
		case kind == "token" && len(fields) == 2:
			cur.token = string(fields[1])
		default:
			arrow := -1
			for i := 1; i < len(fields); i++ {
				if string(fields[i]) == "=>" {
					arrow = i
					break
				}
			}
			if arrow < 0 || arrow+1 >= len(fields) {
				return nil, fmt.Errorf("line %d: not a known record, nor a query (`kind args => code`)", n)
			}
			q := corpusQuery{line: n, kind: kind, args: fields[1:arrow], code: string(fields[arrow+1]), values: fields[arrow+2:]}
			if kind == "verify" {
				cur.verify = &q
			} else if cur.verify == nil || cur.verify.code != "OK" {
				return nil, fmt.Errorf("line %d: a query on no token", n)
			} else {
				cur.queries = append(cur.queries, q)
				f.queriesCount++
			}
		}
	}
	if f.endCases < 0 {
		return nil, errors.New("the file has no end record: cut short")
	}
	return f, nil
}

func corpusCode(err error) string {
	if err == nil {
		return "OK"
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return "not a *jwks.Error: " + err.Error()
}

func corpusFlag(b bool) [][]byte {
	if b {
		return [][]byte{[]byte("true")}
	}
	return [][]byte{[]byte("false")}
}

// corpusAsk is a Token getter's answer to q: the code's name and, on success, the values.
func corpusAsk(tok *Token, q *corpusQuery) (string, [][]byte, error) {
	arg := func(i int) string { return string(q.args[i]) }
	want := func(n int) error {
		if len(q.args) != n {
			return fmt.Errorf("line %d: %s takes %d arguments", q.line, q.kind, n)
		}
		return nil
	}
	one := func(s string, err error) (string, [][]byte, error) {
		if err != nil {
			return corpusCode(err), nil, nil
		}
		return "OK", [][]byte{[]byte(s)}, nil
	}
	boolean := func(b bool, err error) (string, [][]byte, error) {
		if err != nil {
			return corpusCode(err), nil, nil
		}
		return "OK", corpusFlag(b), nil
	}
	var arity error
	switch q.kind {
	case "payload", "alg", "kid", "key_id", "readable", "case_unique", "scopes":
		arity = want(0)
	case "string", "json", "int", "bool":
		arity = want(1)
	case "contains":
		arity = want(2)
	case "has_scopes":
		if len(q.args) < 1 || (arg(0) != "all" && arg(0) != "any") {
			arity = fmt.Errorf("line %d: has_scopes takes all or any, then the scopes", q.line)
		}
	default:
		return "", nil, fmt.Errorf("line %d: unknown query kind %s", q.line, q.kind)
	}
	if arity != nil {
		return "", nil, arity
	}
	switch q.kind {
	case "payload":
		return one(string(tok.Claims()), nil)
	case "alg":
		return one(tok.Alg(), nil)
	case "kid":
		if !tok.HasKid() {
			return "NOT_FOUND", nil, nil
		}
		return one(tok.Kid(), nil)
	case "key_id":
		if !tok.HasKeyID() {
			return "NOT_FOUND", nil, nil
		}
		return one(tok.KeyID(), nil)
	case "readable":
		return corpusCode(tok.ClaimsReadable()), nil, nil
	case "case_unique":
		return corpusCode(tok.ClaimsCaseUnique()), nil, nil
	case "string":
		return one(tok.ClaimString(arg(0)))
	case "json":
		raw, err := tok.ClaimRaw(arg(0))
		return one(string(raw), err)
	case "int":
		n, err := tok.ClaimInt(arg(0))
		return one(strconv.FormatInt(n, 10), err)
	case "bool":
		return boolean(tok.ClaimBool(arg(0)))
	case "contains":
		return boolean(tok.ClaimContains(arg(0), arg(1)))
	case "scopes":
		scopes, err := tok.Scopes()
		if err != nil {
			return corpusCode(err), nil, nil
		}
		values := [][]byte{}
		for _, s := range scopes {
			values = append(values, []byte(s))
		}
		return "OK", values, nil
	default: // has_scopes
		match := AllScopes
		if arg(0) == "any" {
			match = AnyScope
		}
		required := []string{}
		for i := 1; i < len(q.args); i++ {
			required = append(required, arg(i))
		}
		return boolean(tok.HasScopes(match, required...))
	}
}

// corpusMapSays checks the answer q expects against what UnmarshalClaims decodes, where a map
// can say the same; "" when it agrees, "-" when the map cannot express the query.
func corpusMapSays(claims map[string]any, raws map[string]json.RawMessage, q *corpusQuery) string {
	switch q.kind {
	case "string", "json", "int", "bool", "contains":
	default:
		return "-"
	}
	name := string(q.args[0])
	v, present := claims[name]
	if q.code == "NOT_FOUND" {
		if present {
			return fmt.Sprintf("%q is in the map", name)
		}
		return ""
	}
	if !present {
		return fmt.Sprintf("%q is not in the map", name)
	}
	ok := true
	switch q.kind {
	case "string":
		s, isString := v.(string)
		ok = isString == (q.code == "OK") && (q.code != "OK" || s == string(q.values[0]))
	case "bool":
		b, isBool := v.(bool)
		ok = isBool == (q.code == "OK") && (q.code != "OK" || b == (string(q.values[0]) == "true"))
	case "int":
		if q.code != "OK" {
			// json.Number's Int64 reads -0 as 0 (strconv.ParseInt): the map cannot say
			// "not an integer" the library's way.
			return "-"
		}
		n, isNumber := v.(json.Number)
		ok = isNumber && n.String() == string(q.values[0])
	case "json":
		ok = bytes.Equal(raws[name], q.values[0])
	case "contains":
		want := string(q.args[1])
		switch x := v.(type) {
		case string:
			ok = q.code == "OK" && (x == want) == (string(q.values[0]) == "true")
		case []any:
			held := false
			for _, e := range x {
				if s, isString := e.(string); isString && s == want {
					held = true
				}
			}
			ok = q.code == "OK" && held == (string(q.values[0]) == "true")
		default:
			ok = q.code != "OK"
		}
	}
	if !ok {
		return fmt.Sprintf("the map has %#v", v)
	}
	return ""
}

func TestCorpus(t *testing.T) {
	path := filepath.Join(jwttest.VectorsDir(), "corpus", "cases.txt")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read the corpus (tests/vectors/corpus of the repository): %v", err)
	}
	corpus, err := readCorpus(string(text))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	queries, mapChecks := 0, 0
	for _, c := range corpus.cases {
		if c.verify == nil || corpus.keysets[c.keys] == nil || c.token == "" {
			t.Fatalf("%s: no keys, token or verify", c.name)
		}
		opts := &Options{}
		for _, p := range c.policy {
			switch p[0] {
			case "iss":
				opts.Issuers = append(opts.Issuers, p[1])
			case "aud":
				opts.Audiences = append(opts.Audiences, p[1])
			case "alg":
				opts.Algorithms = append(opts.Algorithms, p[1])
			default:
				t.Fatalf("%s: unknown policy setting %s", c.name, p[0])
			}
		}
		v, err := NewFromJSON(corpus.keysets[c.keys], opts)
		if err != nil {
			t.Fatalf("%s: NewFromJSON: %v", c.name, err)
		}
		var tokens []*Token
		for pass := 0; pass < 2; pass++ {
			before, _ := v.TokenCacheStats()
			var tok *Token
			switch mode := string(c.verify.args[0]); {
			case mode == "jwt" && len(c.verify.args) == 2:
				now, err2 := strconv.ParseInt(string(c.verify.args[1]), 10, 64)
				if err2 != nil {
					t.Fatalf("%s: now: %v", c.name, err2)
				}
				tok, err = v.VerifyAt(c.token, time.Unix(now, 0))
				after, _ := v.TokenCacheStats()
				if pass == 1 && err == nil && after.Hits != before.Hits+1 {
					t.Errorf("%s: the second verification was not a token cache hit", c.name)
				}
			case mode == "jws" && len(c.verify.args) == 1:
				tok, err = v.VerifySignature([]byte(c.token))
			default:
				t.Fatalf("%s: verify takes `jwt NOW` or `jws`", c.name)
			}
			if got := corpusCode(err); got != c.verify.code {
				t.Errorf("%s (pass %d): verify gave %s (%v), expected %s", c.name, pass, got, err, c.verify.code)
			}
			if tok != nil {
				tokens = append(tokens, tok)
			}
		}
		v.Close()
		if len(tokens) != 2 {
			continue
		}
		// What UnmarshalClaims decodes, into a map of values and a map of raw values.
		var claims map[string]any
		var raws map[string]json.RawMessage
		unmarshalErr := tokens[0].UnmarshalClaims(&claims)
		if unmarshalErr == nil {
			if err := tokens[0].UnmarshalClaims(&raws); err != nil {
				t.Errorf("%s: UnmarshalClaims into raw values: %v", c.name, err)
			}
		}
		for i := range c.queries {
			q := &c.queries[i]
			for _, kind := range corpusSkippedKinds {
				if kind == q.kind {
					t.Fatalf("line %d: %s is skipped", q.line, kind)
				}
			}
			queries++
			for pass, tok := range tokens {
				code, values, err := corpusAsk(tok, q)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				same := code == q.code && len(values) == len(q.values)
				for i := 0; same && i < len(values); i++ {
					same = bytes.Equal(values[i], q.values[i])
				}
				if !same {
					t.Errorf("%s line %d (pass %d): %s %q gave %s %q, expected %s %q", c.name, q.line, pass, q.kind,
						q.args, code, values, q.code, q.values)
				}
			}
			switch {
			case q.kind == "readable" && q.code != "OK", q.kind == "case_unique" && q.code != "OK":
				// UnmarshalClaims refuses what the library does not read as claims, or what a
				// case-insensitive decoder would read otherwise: into a map and into a struct.
				var fields struct {
					Iss string `json:"iss"`
					Sub string `json:"sub"`
				}
				if got := corpusCode(unmarshalErr); got != q.code {
					t.Errorf("%s line %d: UnmarshalClaims into a map gave %s, %s gave %s", c.name, q.line, got, q.kind, q.code)
				}
				if got := corpusCode(tokens[1].UnmarshalClaims(&fields)); got != q.code {
					t.Errorf("%s line %d: UnmarshalClaims into a struct gave %s, %s gave %s", c.name, q.line, got, q.kind, q.code)
				}
				mapChecks++
			case q.kind == "case_unique":
				if unmarshalErr != nil {
					t.Errorf("%s line %d: UnmarshalClaims: %v, yet the names are case-unique", c.name, q.line, unmarshalErr)
				}
				mapChecks++
			case unmarshalErr == nil:
				switch wrong := corpusMapSays(claims, raws, q); wrong {
				case "-":
				case "":
					mapChecks++
				default:
					t.Errorf("%s line %d: %s %q %s: %s", c.name, q.line, q.kind, q.args, q.code, wrong)
				}
			}
		}
	}
	if len(corpus.cases) != corpus.endCases || queries != corpus.endQueries || queries != corpus.queriesCount {
		t.Errorf("ran %d cases and %d queries; the file counts %d and %d", len(corpus.cases), queries, corpus.endCases, corpus.endQueries)
	}
	if mapChecks == 0 {
		t.Error("no query checked through UnmarshalClaims")
	}
	skipped := strings.Join(corpusSkippedKinds, ", ")
	if skipped == "" {
		skipped = "none"
	}
	t.Logf("corpus (Go): %d cases, %d queries checked through Token's getters, each asked of two verifications of its token (a JWT's second answered by the token cache), %d of them also through UnmarshalClaims; query kinds skipped: %s",
		len(corpus.cases), queries, mapChecks, skipped)
}

func TestCorpusReaderRefusesAFileCutShort(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(jwttest.VectorsDir(), "corpus", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cut := string(text[:bytes.LastIndex(text, []byte("\nend\t"))+1])
	if _, err := readCorpus(cut); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("a file cut short: %v", err)
	}
	for _, bad := range []string{"%", "%4", "%G0", "%+1", "a b", "a=b"} {
		if _, err := corpusDecode(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}
