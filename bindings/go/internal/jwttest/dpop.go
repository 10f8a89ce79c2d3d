package jwttest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
)

// Thumbprint returns the RFC 7638 thumbprint of the key's public JWK (its required members,
// in lexicographic order, hashed with SHA-256): the cnf.jkt of a token bound to it.
func (k *Key) Thumbprint() string {
	var names []string
	switch k.JWK["kty"] {
	case "EC":
		names = []string{"crv", "kty", "x", "y"}
	case "OKP":
		names = []string{"crv", "kty", "x"}
	case "RSA":
		names = []string{"e", "kty", "n"}
	default:
		panic("no thumbprint for this kty")
	}
	members := make(map[string]any, len(names))
	for _, n := range names {
		members[n] = k.JWK[n]
	}
	// encoding/json writes map members sorted by name, with no whitespace.
	b, err := json.Marshal(members)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return B64(sum[:])
}

// ProofClaims are the claims of a DPoP proof (RFC 9449 §4.2) for method and uri at iat, with
// a fresh jti, the ath of accessToken (none for "") and nonce (none for "").
func ProofClaims(method, uri, accessToken string, iat int64, nonce string) map[string]any {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		panic(err)
	}
	c := map[string]any{"jti": B64(jti), "htm": method, "htu": uri, "iat": iat}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = B64(sum[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// Proof signs claims as a DPoP proof of the key: typ dpop+jwt, the public JWK in the header.
func (k *Key) Proof(claims map[string]any) string {
	jwk := make(map[string]any, len(k.JWK))
	for n, v := range k.JWK {
		if n != "kid" {
			jwk[n] = v
		}
	}
	return k.SignWithHeader(map[string]any{"typ": "dpop+jwt", "alg": k.Alg, "jwk": jwk}, claims)
}
