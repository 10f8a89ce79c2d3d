// Package jwttest makes keys, key sets and signed tokens for the tests and benchmarks of the
// jwks package, with nothing but the standard library's crypto.
package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// RepoRoot is the root of the repository (two levels above bindings/go).
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("jwttest: cannot locate the source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", "..", ".."))
}

// VectorsDir is the directory of the public test vectors, tests/vectors of the repository.
func VectorsDir() string { return filepath.Join(RepoRoot(), "tests", "vectors") }

// B64 is base64url without padding.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Key is a signing key with its public JWK.
type Key struct {
	// Alg is the JWS algorithm the key signs with.
	Alg string
	// Kid is the key's kid ("" for none).
	Kid string
	// Private is the private key (*rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey) or
	// the HMAC secret ([]byte).
	Private any
	// JWK is the public JWK (for oct keys, the secret).
	JWK map[string]any
}

// LoadRSA loads a PKCS#8 RSA key from tests/data (e.g. "rsa2048.pem").
func LoadRSA(name, alg, kid string) (*Key, error) {
	text, err := os.ReadFile(filepath.Join(RepoRoot(), "tests", "data", name))
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", name)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", name)
	}
	return RSAKey(priv, alg, kid), nil
}

// RSAKey wraps an RSA private key.
func RSAKey(priv *rsa.PrivateKey, alg, kid string) *Key {
	jwk := map[string]any{
		"kty": "RSA",
		"n":   B64(priv.N.Bytes()),
		"e":   B64(big.NewInt(int64(priv.E)).Bytes()),
	}
	return newKey(alg, kid, priv, jwk)
}

// NewEC generates an EC key for ES256 (P-256) or ES384 (P-384).
func NewEC(alg, kid string) *Key {
	curve, crv := elliptic.P256(), "P-256"
	switch alg {
	case "ES384":
		curve, crv = elliptic.P384(), "P-384"
	case "ES512":
		curve, crv = elliptic.P521(), "P-521"
	}
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		panic(err)
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		panic(err)
	}
	point := pub.Bytes() // 0x04 || X || Y
	size := (len(point) - 1) / 2
	jwk := map[string]any{
		"kty": "EC",
		"crv": crv,
		"x":   B64(point[1 : 1+size]),
		"y":   B64(point[1+size:]),
	}
	return newKey(alg, kid, priv, jwk)
}

// NewEd25519 generates an Ed25519 key (EdDSA).
func NewEd25519(kid string) *Key {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": B64(pub)}
	return newKey("EdDSA", kid, priv, jwk)
}

// NewHMAC makes an oct key for HS256/384/512 from secret.
func NewHMAC(alg, kid string, secret []byte) *Key {
	return newKey(alg, kid, secret, map[string]any{"kty": "oct", "k": B64(secret)})
}

func newKey(alg, kid string, priv any, jwk map[string]any) *Key {
	if kid != "" {
		jwk["kid"] = kid
	}
	return &Key{Alg: alg, Kid: kid, Private: priv, JWK: jwk}
}

// With returns the public JWK with extra members (e.g. "alg", "use").
func (k *Key) With(extra map[string]any) map[string]any {
	out := make(map[string]any, len(k.JWK)+len(extra))
	for n, v := range k.JWK {
		out[n] = v
	}
	for n, v := range extra {
		out[n] = v
	}
	return out
}

// JWKS returns {"keys": [...]} of the keys' public JWKs.
func JWKS(keys ...*Key) []byte {
	jwks := make([]map[string]any, len(keys))
	for i, k := range keys {
		jwks[i] = k.JWK
	}
	return JWKSOf(jwks...)
}

// JWKSOf returns {"keys": [...]} of the given JWKs.
func JWKSOf(jwks ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": jwks})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign signs claims with the header {"alg", "kid" (if any), "typ": "JWT"}.
func (k *Key) Sign(claims any) string {
	header := map[string]any{"alg": k.Alg, "typ": "JWT"}
	if k.Kid != "" {
		header["kid"] = k.Kid
	}
	return k.SignWithHeader(header, claims)
}

// SignWithHeader signs claims under exactly the given header.
func (k *Key) SignWithHeader(header map[string]any, claims any) string {
	h, err := json.Marshal(header)
	if err != nil {
		panic(err)
	}
	var p []byte
	if raw, ok := claims.([]byte); ok {
		p = raw
	} else if p, err = json.Marshal(claims); err != nil {
		panic(err)
	}
	alg, _ := header["alg"].(string)
	return k.SignRaw(alg, h, p)
}

// SignRaw signs header and payload bytes with alg (which need not be the key's own).
func (k *Key) SignRaw(alg string, header, payload []byte) string {
	input := B64(header) + "." + B64(payload)
	return input + "." + B64(k.signature(alg, []byte(input)))
}

func hashFor(alg string) crypto.Hash {
	switch {
	case strings.HasSuffix(alg, "384"):
		return crypto.SHA384
	case strings.HasSuffix(alg, "512"):
		return crypto.SHA512
	}
	return crypto.SHA256
}

func (k *Key) signature(alg string, input []byte) []byte {
	hash := hashFor(alg)
	digest := func() []byte {
		h := hash.New()
		h.Write(input)
		return h.Sum(nil)
	}
	var sig []byte
	var err error
	switch priv := k.Private.(type) {
	case *rsa.PrivateKey:
		if strings.HasPrefix(alg, "PS") {
			sig, err = rsa.SignPSS(rand.Reader, priv, hash, digest(), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, priv, hash, digest())
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, digest())
		if err == nil {
			size := (priv.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, input)
	case []byte:
		mac := hmac.New(hash.New, priv)
		mac.Write(input)
		sig = mac.Sum(nil)
	default:
		panic(fmt.Sprintf("jwttest: unsupported key %T", k.Private))
	}
	if err != nil {
		panic(err)
	}
	return sig
}

// Claims are typical access-token claims (about 300 bytes of JSON) for issuer iss and
// audience aud, valid from now-60s to now+3600s.
func Claims(iss, aud string, now int64) map[string]any {
	return map[string]any{
		"iss":       iss,
		"sub":       "user-1234567890",
		"aud":       aud,
		"iat":       now - 60,
		"nbf":       now - 60,
		"exp":       now + 3600,
		"jti":       "4f1c2a3b-9d8e-4c7b-a6f5-0e1d2c3b4a59",
		"scope":     "openid profile email orders:read orders:write",
		"email":     "jane.doe@example.com",
		"name":      "Jane Doe",
		"groups":    []string{"admins", "developers", "on-call"},
		"client_id": "web-frontend",
		"azp":       "web-frontend",
	}
}
