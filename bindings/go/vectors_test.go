package jwks

// Public test vectors run through the Go API (and so through the C ABI): the RFC 7515 / 8037
// examples, the RFC 7520 cookbook and the Wycheproof JWS/JWK files. Every vector is counted:
// matched, known label issue (either outcome; listed in wycheproof_known_issues.json), or a
// mismatch, which fails the test. ES512 (P-521) vectors run like the others and are also
// counted apart.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

func loadVector(t *testing.T, rel string) map[string]any {
	t.Helper()
	path := filepath.Join(jwttest.VectorsDir(), rel)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read the test vectors (expected next to the repository): %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(text, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var hmacOptions = &Options{Algorithms: []string{"HS256", "HS384", "HS512"}}

// tally counts the outcomes of one vector file.
type tally struct {
	file                         string
	matched, es512               int
	knownIssue, knownIssueAccept int
	mismatches                   []string
}

func (ty *tally) total() int {
	return ty.matched + ty.knownIssue + len(ty.mismatches)
}

func (ty *tally) label(id, label string, err error) {
	switch {
	case label == "valid" && err == nil, label == "invalid" && err != nil:
		ty.matched++
	case label == "valid":
		ty.mismatches = append(ty.mismatches, fmt.Sprintf("%s: valid vector rejected: %v", id, err))
	case label == "invalid":
		ty.mismatches = append(ty.mismatches, id+": invalid vector accepted")
	default:
		ty.mismatches = append(ty.mismatches, fmt.Sprintf("%s: unknown label %q", id, label))
	}
}

func (ty *tally) report(t *testing.T) {
	t.Helper()
	t.Logf("%-40s total %4d | matched %4d | known-issue %2d (accepted %d) | ES512 %3d | MISMATCHES %d",
		ty.file, ty.total(), ty.matched, ty.knownIssue, ty.knownIssueAccept, ty.es512, len(ty.mismatches))
	for _, m := range ty.mismatches {
		t.Errorf("%s: MISMATCH %s", ty.file, m)
	}
}

func headerAlg(jws string) string {
	head, _, _ := strings.Cut(jws, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	_ = json.Unmarshal(b, &h)
	return h.Alg
}

// knownIssues returns the tcIds whose label may go either way, for the file they concern.
func knownIssues(t *testing.T) (string, map[int]bool) {
	doc := loadVector(t, "wycheproof_known_issues.json")
	either := map[int]bool{}
	for _, issue := range doc["issues"].([]any) {
		m := issue.(map[string]any)
		if _, ok := m["suggest"]; !ok {
			continue // labels that need a policy we enforce: asserted like any other
		}
		for _, id := range m["tcIds"].([]any) {
			either[int(id.(float64))] = true
		}
	}
	return filepath.Base(doc["file"].(string)), either
}

func runWycheproofJWS(t *testing.T, name string) *tally {
	doc := loadVector(t, "wycheproof/"+name)
	issuesFile, either := knownIssues(t)
	if issuesFile != name {
		either = nil
	}
	ty := &tally{file: name}
	for _, g := range doc["testGroups"].([]any) {
		group := g.(map[string]any)
		// Verifiers get the public keys; symmetric groups only have the (secret) private set.
		keys, opts := group["public"], (*Options)(nil)
		if keys == nil {
			keys, opts = group["private"], hmacOptions
		}
		v, createErr := NewFromJSON(mustJSON(keys), opts)
		for _, tc := range group["tests"].([]any) {
			test := tc.(map[string]any)
			tcID := int(test["tcId"].(float64))
			id := fmt.Sprintf("tcId %d (%v)", tcID, test["comment"])
			// A JSON-serialised JWS is handed over as its JSON text, as a caller would.
			jws, ok := test["jws"].(string)
			if !ok {
				jws = string(mustJSON(test["jws"]))
			}
			err := createErr
			if v != nil {
				var tok *Token
				tok, err = v.VerifySignature([]byte(jws))
				if err == nil && tok.Alg() == "" {
					err = errors.New("verified token without an algorithm")
				}
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Category == CategoryMisuse || e.Message == "" {
					ty.mismatches = append(ty.mismatches, fmt.Sprintf("%s: not a proper rejection: %#v", id, err))
					continue
				}
			}
			if headerAlg(jws) == "ES512" {
				ty.es512++
			}
			switch {
			case either[tcID]:
				ty.knownIssue++
				if err == nil {
					ty.knownIssueAccept++
				}
			default:
				ty.label(id, test["result"].(string), err)
			}
		}
		if v != nil {
			v.Close()
		}
	}
	return ty
}

func TestWycheproofJSONWebSignature(t *testing.T) {
	ty := runWycheproofJWS(t, "json_web_signature_test.json")
	if ty.total() != 401 {
		t.Errorf("counted %d vectors, want 401", ty.total())
	}
	// RFC 7520 figure 27 (tcIds 347, 351), a known label issue: its key says alg "ES521".
	if ty.es512 != 2 {
		t.Errorf("counted %d ES512 vectors, want 2", ty.es512)
	}
	ty.report(t)
}

func TestWycheproofJSONWebKey(t *testing.T) {
	ty := runWycheproofJWS(t, "json_web_key_test.json")
	if ty.total() != 26 {
		t.Errorf("counted %d vectors, want 26", ty.total())
	}
	ty.report(t)
}

func optionsForJWK(jwk map[string]any) *Options {
	if jwk["kty"] == "oct" {
		return hmacOptions
	}
	return nil
}

func flipSignatureBit(t *testing.T, jws string) string {
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil || len(sig) == 0 {
		t.Fatalf("bad signature in %q", jws)
	}
	sig[0] ^= 1
	return jws[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestRFC7515AndRFC8037Examples(t *testing.T) {
	doc := loadVector(t, "rfc/rfc7515_rfc8037_rfc7638_examples.json")
	ty := &tally{file: "rfc7515_rfc8037_rfc7638_examples.json"}
	// The RFC 8037 key, for the unsecured A.5 example which comes without one.
	fallback := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	for _, raw := range doc["tests"].([]any) {
		test := raw.(map[string]any)
		id, alg, jws := test["id"].(string), test["alg"].(string), test["jws"].(string)
		key, _ := test["publicJwk"].(map[string]any)
		if key == nil {
			key = fallback
		}
		v, err := NewFromJSON(mustJSON(key), optionsForJWK(key))
		var tok *Token
		if err == nil {
			tok, err = v.VerifySignature([]byte(jws))
			v.Close()
		}
		if alg == "ES512" {
			ty.es512++
		}
		switch {
		case alg == "none":
			if !errors.Is(err, ErrAlgorithmNotAllowed) {
				t.Errorf("%s: alg none: got %v, want ErrAlgorithmNotAllowed", id, err)
			}
		case test["expected"] == "invalid":
			if !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: got %v, want ErrBadSignature", id, err)
			}
		}
		if tok != nil {
			if payload, ok := test["payload"].(string); ok && string(tok.Claims()) != payload {
				t.Errorf("%s: payload %q, want %q", id, tok.Claims(), payload)
			}
			if tok.Alg() != alg {
				t.Errorf("%s: alg %q, want %q", id, tok.Alg(), alg)
			}
		}
		ty.label(id, test["expected"].(string), err)
	}
	if want := int(doc["numberOfTests"].(float64)); ty.total() != want {
		t.Errorf("counted %d vectors, want %d", ty.total(), want)
	}
	// RFC 7515 A.4 verifies and its flipped-bit copy does not.
	if ty.es512 != 2 {
		t.Errorf("counted %d ES512 examples, want 2", ty.es512)
	}
	ty.report(t)
}

// The Go API reports a key's RFC 7638 thumbprint with each token it verifies, so a thumbprint
// example is checked through an example token signed by that key (RFC 8037 A.3 / A.4); an
// example key without any token (RFC 7638 s.3.1, a bare RSA public key) is checked to be
// accepted as a key, and its thumbprint is left to the core's own tests.
func TestRFC7638Thumbprints(t *testing.T) {
	doc := loadVector(t, "rfc/rfc7515_rfc8037_rfc7638_examples.json")
	thumbs := doc["thumbprints"].([]any)
	if len(thumbs) != 2 {
		t.Fatalf("%d thumbprint examples, want 2", len(thumbs))
	}
	checked := 0
	for _, raw := range thumbs {
		test := raw.(map[string]any)
		jwk := test["jwk"].(map[string]any)
		want := test["thumbprint"].(string)
		v, err := NewFromJSON(mustJSON(jwk), nil)
		if err != nil {
			t.Errorf("%s: %v", test["id"], err)
			continue
		}
		if skipped, err := v.SkippedKeys(); err != nil || len(skipped) != 0 {
			t.Errorf("%s: skipped %v, %v", test["id"], skipped, err)
		}
		for _, rawTest := range doc["tests"].([]any) {
			example := rawTest.(map[string]any)
			key, _ := example["publicJwk"].(map[string]any)
			if example["expected"] != "valid" || key == nil || key["kty"] != jwk["kty"] || key["x"] != jwk["x"] || key["n"] != jwk["n"] {
				continue
			}
			tok, err := v.VerifySignature([]byte(example["jws"].(string)))
			if err != nil {
				t.Errorf("%s via %s: %v", test["id"], example["id"], err)
				continue
			}
			if tok.KeyThumbprint() != want {
				t.Errorf("%s via %s: thumbprint %q, want %q", test["id"], example["id"], tok.KeyThumbprint(), want)
			}
			checked++
		}
		v.Close()
	}
	if checked != 1 {
		t.Errorf("checked %d thumbprints through tokens, want 1 (RFC 8037 A.3)", checked)
	}
}

func TestRFC7520Cookbook(t *testing.T) {
	ty := &tally{file: "rfc7520 cookbook (jws 4.1-4.4, curve25519)"}
	for _, file := range []string{
		"rfc7520/jws/4_1.rsa_v15_signature.json",
		"rfc7520/jws/4_2.rsa-pss_signature.json",
		"rfc7520/jws/4_3.ecdsa_signature.json",
		"rfc7520/jws/4_4.hmac-sha2_integrity_protection.json",
		"rfc7520/curve25519/jws.json",
	} {
		doc := loadVector(t, file)
		input := doc["input"].(map[string]any)
		key := publicPart(input["key"].(map[string]any))
		alg := input["alg"].(string)
		compact := doc["output"].(map[string]any)["compact"].(string)
		v, err := NewFromJSON(mustJSON(key), optionsForJWK(key))
		if alg == "ES512" {
			ty.es512++
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		tok, err := v.VerifySignature([]byte(compact))
		if err == nil {
			if string(tok.Claims()) != input["payload"].(string) {
				t.Errorf("%s: payload differs", file)
			}
			kid, hasKid := key["kid"].(string)
			if tok.Alg() != alg || tok.Kid() != kid || tok.HasKid() != hasKid || tok.KeyID() != kid {
				t.Errorf("%s: alg %q kid %q key id %q", file, tok.Alg(), tok.Kid(), tok.KeyID())
			}
		}
		ty.label(file, "valid", err)
		_, err = v.VerifySignature([]byte(flipSignatureBit(t, compact)))
		if err != nil && !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s (flipped bit): got %v, want ErrBadSignature", file, err)
		}
		ty.label(file+" (flipped bit)", "invalid", err)
		v.Close()
	}
	if ty.total() != 10 || ty.es512 != 1 {
		t.Errorf("counted %d vectors (%d ES512), want 10 (1: RFC 7520 4.3)", ty.total(), ty.es512)
	}
	ty.report(t)
}

// publicPart drops the private members of a JWK, leaving what a verifier is given.
func publicPart(jwk map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range jwk {
		out[k] = v
	}
	if jwk["kty"] != "oct" {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
			delete(out, private)
		}
	}
	return out
}

// ES512 end to end: a P-521 key and tokens made by Go's crypto/ecdsa verify through the
// library; a changed payload, a DER signature and a key of another curve do not.
func TestES512TokensMadeByGoVerify(t *testing.T) {
	k := jwttest.NewEC("ES512", "p521")
	v, err := NewFromJSON(jwttest.JWKS(k), &Options{NoRequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	token := k.Sign(map[string]any{"sub": "alice"})
	tok, err := v.Verify(token)
	if err != nil {
		t.Fatalf("ES512 token: %v", err)
	}
	if sub, _ := tok.ClaimString("sub"); tok.Alg() != "ES512" || tok.KeyID() != "p521" || sub != "alice" {
		t.Errorf("alg %q key %q sub %q", tok.Alg(), tok.KeyID(), sub)
	}
	head, _, _ := strings.Cut(token, ".")
	sig := token[strings.LastIndexByte(token, '.')+1:]
	other := head + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"mallory"}`)) + "." + sig
	if _, err := v.Verify(other); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed payload: %v, want ErrBadSignature", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(sig)
	if len(raw) != 132 {
		t.Fatalf("ES512 signature is %d bytes, want 132", len(raw))
	}
	// The same R and S as ASN.1 DER: refused, only raw R||S is JWS.
	der := derSignature(raw[:66], raw[66:])
	input := token[:strings.LastIndexByte(token, '.')]
	if _, err := v.Verify(input + "." + base64.RawURLEncoding.EncodeToString(der)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("DER signature: %v, want ErrBadSignature", err)
	}
	// A P-256 key cannot verify ES512, whatever the token says.
	p256 := jwttest.NewEC("ES256", "p521")
	w, err := NewFromJSON(jwttest.JWKS(p256), &Options{NoRequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Verify(token); err == nil {
		t.Error("a P-256 key verified an ES512 token")
	}
}

// derSignature encodes r and s (big-endian) as an ASN.1 DER ECDSA-Sig-Value.
func derSignature(r, s []byte) []byte {
	integer := func(v []byte) []byte {
		for len(v) > 1 && v[0] == 0 {
			v = v[1:]
		}
		if v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		return append([]byte{0x02, byte(len(v))}, v...)
	}
	body := append(integer(r), integer(s)...)
	return append([]byte{0x30, 0x81, byte(len(body))}, body...)
}
