package jwks

// Benchmarks: this package's Verify against golang-jwt/jwt/v5 with a JWKS-derived keyfunc,
// on the same tokens, keys and policy, in one run (machines are noisy: compare the ratios).
//
//	go test -run x -bench . -benchtime 2s
//
// The fixture benchmarks that scripts/bench.sh runs are in bench_fixtures_test.go.
//
// Both sides check the signature, iss, aud and a required exp, restrict the algorithm, and
// read the "sub" claim; golang-jwt's keyfunc looks the kid up in a map built once from the
// same JWKS document the jwks verifier was created from. go-crypto-only is the floor of the
// golang-jwt side: Go's signature check alone.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwks-project/jwks/bindings/go/internal/jwttest"
)

// publicKeysFromJWKS builds golang-jwt verification keys from a JWKS document, by kid.
func publicKeysFromJWKS(doc []byte) (map[string]any, error) {
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		return nil, err
	}
	b64 := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			panic(err)
		}
		return b
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		switch k["kty"] {
		case "RSA":
			keys[k["kid"]] = &rsa.PublicKey{N: new(big.Int).SetBytes(b64(k["n"])), E: int(new(big.Int).SetBytes(b64(k["e"])).Int64())}
		case "EC":
			curve := elliptic.P256()
			if k["crv"] == "P-384" {
				curve = elliptic.P384()
			}
			keys[k["kid"]] = &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(b64(k["x"])), Y: new(big.Int).SetBytes(b64(k["y"]))}
		case "OKP":
			keys[k["kid"]] = ed25519.PublicKey(b64(k["x"]))
		default:
			return nil, fmt.Errorf("unsupported kty %q", k["kty"])
		}
	}
	return keys, nil
}

func BenchmarkVerify(b *testing.B) {
	k := testKeys(b)
	doc := jwttest.JWKS(k.rs256, k.ps256, k.es256, k.eddsa)
	v, goKeys, keyfunc := benchSubjects(b, doc, testIssuer, testAudience)
	defer v.Close()
	for _, key := range []*jwttest.Key{k.rs256, k.ps256, k.es256, k.eddsa} {
		token := key.Sign(claimsAt(time.Now()))
		parser := jwt.NewParser(
			jwt.WithIssuer(testIssuer),
			jwt.WithAudience(testAudience),
			jwt.WithExpirationRequired(),
			jwt.WithValidMethods([]string{key.Alg}),
		)
		// Both must accept the token before being timed.
		if tok, err := v.Verify(token); err != nil {
			b.Fatalf("%s: jwks: %v", key.Alg, err)
		} else if sub, _ := tok.ClaimString("sub"); sub != "user-1234567890" {
			b.Fatalf("%s: jwks: sub %q", key.Alg, sub)
		}
		if _, err := parser.Parse(token, keyfunc); err != nil {
			b.Fatalf("%s: golang-jwt: %v", key.Alg, err)
		}

		b.Run(key.Alg+"/jwks", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(token)))
			for i := 0; i < b.N; i++ {
				tok, err := v.Verify(token)
				if err != nil {
					b.Fatal(err)
				}
				if sub, err := tok.ClaimString("sub"); err != nil || len(sub) == 0 {
					b.Fatal("no sub")
				}
			}
		})
		// The floor of the golang-jwt side: Go's crypto on the signing input alone.
		b.Run(key.Alg+"/go-crypto-only", func(b *testing.B) {
			verify := goCryptoVerifier(b, key, goKeys[key.Kid], token)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if !verify() {
					b.Fatal("signature does not verify")
				}
			}
		})
		b.Run(key.Alg+"/golang-jwt", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(token)))
			for i := 0; i < b.N; i++ {
				tok, err := parser.Parse(token, keyfunc)
				if err != nil {
					b.Fatal(err)
				}
				if sub, ok := tok.Claims.(jwt.MapClaims)["sub"].(string); !ok || len(sub) == 0 {
					b.Fatal("no sub")
				}
			}
		})
	}
}

// ringFloorKey returns the key components ring_floor_run takes for the key kid.
func ringFloorKey(b *testing.B, keys []map[string]string, kid, alg string) ([]byte, []byte) {
	dec := func(s string) []byte {
		if s == "" {
			return nil
		}
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	for _, k := range keys {
		if k["kid"] == kid {
			switch alg {
			case "RS256", "PS256":
				return dec(k["n"]), dec(k["e"])
			case "EdDSA":
				return dec(k["x"]), nil
			default:
				return dec(k["x"]), dec(k["y"])
			}
		}
	}
	b.Fatalf("no key %q", kid)
	return nil, nil
}

// goCryptoVerifier returns a function checking token's signature with Go's crypto only (the
// hash of the signing input and the signature primitive; no parsing, no claims).
func goCryptoVerifier(b *testing.B, key *jwttest.Key, public any, token string) func() bool {
	i := strings.LastIndexByte(token, '.')
	input := []byte(token[:i])
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	switch key.Alg {
	case "RS256":
		return func() bool {
			h := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(public.(*rsa.PublicKey), crypto.SHA256, h[:], sig) == nil
		}
	case "PS256":
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		return func() bool {
			h := sha256.Sum256(input)
			return rsa.VerifyPSS(public.(*rsa.PublicKey), crypto.SHA256, h[:], sig, opts) == nil
		}
	case "ES256":
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return func() bool {
			h := sha256.Sum256(input)
			return ecdsa.Verify(public.(*ecdsa.PublicKey), h[:], r, s)
		}
	case "ES384":
		r, s := new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])
		return func() bool {
			h := sha512.Sum384(input)
			return ecdsa.Verify(public.(*ecdsa.PublicKey), h[:], r, s)
		}
	case "EdDSA":
		return func() bool { return ed25519.Verify(public.(ed25519.PublicKey), input, sig) }
	}
	b.Fatalf("no Go verifier for %s", key.Alg)
	return nil
}

// BenchmarkOverhead isolates the costs around the signature check: a rejected malformed token
// (one C call and an error), and reading one claim from a verified token (Go only; "sub" is
// the last member here, where a walk over the members would cost the most).
func BenchmarkOverhead(b *testing.B) {
	k := testKeys(b)
	v, err := NewFromJSON(jwttest.JWKS(k.eddsa), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.Run("cgo-call", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if cResultCategory(8) != CategoryTokenRejected {
				b.Fatal("wrong category")
			}
		}
	})
	b.Run("malformed-token", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := v.Verify("abc"); err == nil {
				b.Fatal("accepted")
			}
		}
	})
	tok, err := v.Verify(k.eddsa.Sign(claimsAt(time.Now())))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("claim-string", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if s, err := tok.ClaimString("sub"); err != nil || s == "" {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyParallel runs Verify on all cores at once with one shared verifier.
func BenchmarkVerifyParallel(b *testing.B) {
	k := testKeys(b)
	v, err := NewFromJSON(jwttest.JWKS(k.es256), &Options{Issuers: []string{testIssuer}, Audiences: []string{testAudience}, NoTokenCache: true})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	token := k.es256.Sign(claimsAt(time.Now()))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchSubjects builds both sides of a comparison from one JWKS: this package's verifier and,
// for golang-jwt, the public keys by kid with a keyfunc that looks the token's kid up there.
func benchSubjects(b *testing.B, doc []byte, issuer, audience string) (*Verifier, map[string]any, jwt.Keyfunc) {
	b.Helper()
	// The token cache off: these benchmarks repeat one token to time whole verifications
	// (BenchmarkTokenCache times the cache).
	v, err := NewFromJSON(doc, &Options{Issuers: []string{issuer}, Audiences: []string{audience}, NoTokenCache: true})
	if err != nil {
		b.Fatal(err)
	}
	goKeys, err := publicKeysFromJWKS(doc)
	if err != nil {
		v.Close()
		b.Fatal(err)
	}
	keyfunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := goKeys[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return key, nil
	}
	return v, goKeys, keyfunc
}
