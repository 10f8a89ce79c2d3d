// Command mint writes the key set and the token pools of the end-to-end benchmark into -out:
//
//	jwks.json              the public keys (one RSA-2048 key for RS256, one P-256 key for ES256)
//	RS256-clients.txt      -clients tokens, one a line (the "one" mode sends the first)
//	RS256-distinct.txt     -distinct tokens
//	ES256-clients.txt, ES256-distinct.txt   the same for ES256
//	manifest.json          what was minted, and when the tokens expire
//
// Every token differs (its sub and jti), expires -ttl from now, and carries iss, aud, iat and a
// scope, like an access token of an identity provider. Keys are new on every run; signing is
// spread over every core (50,000 RS256 signatures take about half a minute on two).
package main

import (
	"bufio"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func main() {
	out := flag.String("out", "", "directory to write into (required)")
	issuer := flag.String("issuer", "https://issuer.e2e.test/", "iss of the tokens")
	audience := flag.String("audience", "api://e2e", "aud of the tokens")
	clients := flag.Int("clients", 1000, "tokens of the clients pool")
	distinct := flag.Int("distinct", 50000, "tokens of the distinct pool")
	ttl := flag.Duration("ttl", 24*time.Hour, "lifetime of the tokens")
	flag.Parse()
	if *out == "" {
		log.Fatal("mint: -out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	fixed := func(n *big.Int) string { return b64(n.FillBytes(make([]byte, 32))) }
	set := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "e2e-rsa", "alg": "RS256", "use": "sig",
			"n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "e2e-ec", "alg": "ES256", "use": "sig", "crv": "P-256",
			"x": fixed(ecKey.X), "y": fixed(ecKey.Y)},
	}}
	write(filepath.Join(*out, "jwks.json"), mustJSON(set))

	now := time.Now()
	exp := now.Add(*ttl)
	signers := []struct {
		alg    string
		method jwt.SigningMethod
		kid    string
		key    crypto.Signer
	}{
		{"RS256", jwt.SigningMethodRS256, "e2e-rsa", rsaKey},
		{"ES256", jwt.SigningMethodES256, "e2e-ec", ecKey},
	}
	for _, s := range signers {
		for _, pool := range []struct {
			name string
			n    int
		}{{"clients", *clients}, {"distinct", *distinct}} {
			tokens := make([]string, pool.n)
			var wg sync.WaitGroup
			workers := runtime.NumCPU()
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := w; i < pool.n; i += workers {
						t := jwt.NewWithClaims(s.method, jwt.MapClaims{
							"iss": *issuer, "aud": *audience,
							"sub":   fmt.Sprintf("user-%s-%s-%06d", s.alg, pool.name, i),
							"jti":   fmt.Sprintf("%s-%s-%d-%d", s.alg, pool.name, i, now.UnixNano()),
							"iat":   now.Unix(),
							"exp":   exp.Unix(),
							"scope": "orders:read orders:write profile",
						})
						t.Header["kid"] = s.kid
						signed, err := t.SignedString(s.key)
						if err != nil {
							log.Fatal(err)
						}
						tokens[i] = signed
					}
				}(w)
			}
			wg.Wait()
			path := filepath.Join(*out, s.alg+"-"+pool.name+".txt")
			f, err := os.Create(path)
			if err != nil {
				log.Fatal(err)
			}
			bw := bufio.NewWriter(f)
			for _, t := range tokens {
				bw.WriteString(t)
				bw.WriteByte('\n')
			}
			if err := bw.Flush(); err != nil {
				log.Fatal(err)
			}
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
		}
	}
	write(filepath.Join(*out, "manifest.json"), mustJSON(map[string]any{
		"issuer": *issuer, "audience": *audience, "clients": *clients, "distinct": *distinct,
		"minted": now.Unix(), "expires": exp.Unix(), "algorithms": []string{"RS256", "ES256"},
	}))
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	return append(b, '\n')
}

func write(path string, b []byte) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
