// Command middleware is a small HTTP server whose GET /orders answers only requests with a
// bearer token, verified against a JSON Web Key Set, that grants the scope orders:read: the
// net/http integration of the jwks package (jwks.Middleware) in use.
//
//	middleware -jwks https://login.example.com/.well-known/jwks.json \
//	    -issuer https://login.example.com/ -audience api://orders -addr 127.0.0.1:8080
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	jwks "github.com/jwks-project/jwks/bindings/go"
)

func main() {
	jwksURL := flag.String("jwks", "", "URL of the JSON Web Key Set (required)")
	issuer := flag.String("issuer", "", "required iss of the tokens")
	audience := flag.String("audience", "", "required aud of the tokens")
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	if *jwksURL == "" {
		log.Fatal("-jwks is required")
	}
	opts := &jwks.Options{}
	if *issuer != "" {
		opts.Issuers = []string{*issuer}
	}
	if *audience != "" {
		opts.Audiences = []string{*audience}
	}
	v, err := jwks.NewFromURL(*jwksURL, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	log.Fatal(http.ListenAndServe(*addr, routes(v)))
}

// routes is the server's handler; bindings/go/README.md shows it (a test checks the copy).
func routes(v jwks.TokenVerifier) http.Handler {
	mux := http.NewServeMux()
	needOrders := jwks.Middleware(v, &jwks.MiddlewareOptions{Scopes: []string{"orders:read"}})
	mux.Handle("GET /orders", needOrders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwks.TokenFromContext(r.Context()) // always set behind the middleware
		sub, _ := tok.ClaimString("sub")
		fmt.Fprintf(w, "orders of %s\n", sub)
	})))
	return mux
}
