// Command goserver is the Go service of the end-to-end benchmark (bench/e2e/run.py): one
// net/http server, GET /whoami, answered with the token's sub claim, behind one of
//
//	-auth jwks      this repository's jwks.Middleware over a verifier of the key URL
//	-auth keyfunc   keyfunc v3 + golang-jwt v5, the usual pair in Go services
//	-auth none      no authentication at all (the floor)
//	-auth header    the upstream of a proxy that authenticates (nginx + jwks authz): the
//	                sub is the X-Auth-Sub header the proxy sets, "anonymous" without one
//
// Both authenticating sides fetch the key set from -jwks (on loopback), allow only -alg, and
// check iss, aud and a required exp; the jwks side serves its token cache counters at GET
// /stats. With -debug ADDR, net/http/pprof is served there (for
// profiles and scheduler traces of the server under load; never during a measured run).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // only reachable through -debug
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	jwks "github.com/jwks-project/jwks/bindings/go"
)

func main() {
	auth := flag.String("auth", "jwks", "jwks, keyfunc, none or header")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	jwksURL := flag.String("jwks", "", "URL of the key set (http on loopback)")
	issuer := flag.String("issuer", "", "required iss")
	audience := flag.String("audience", "", "required aud")
	alg := flag.String("alg", "RS256", "the one algorithm allowed")
	debug := flag.String("debug", "", "serve net/http/pprof on this address")
	flag.Parse()

	mux := http.NewServeMux()
	protect, closeAuth, err := authentication(mux, *auth, *jwksURL, *issuer, *audience, *alg)
	if err != nil {
		log.Fatalf("goserver: %v", err)
	}
	defer closeAuth()
	mux.Handle("GET /whoami", protect(http.HandlerFunc(whoami)))

	if *debug != "" {
		go func() { log.Println(http.ListenAndServe(*debug, http.DefaultServeMux)) }()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("goserver: %v", err)
	}
	// The driver reads the address from the first line of stdout.
	fmt.Printf("listening %s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("goserver: %v", err)
	}
}

type subKey struct{}

// whoami answers with the caller's sub, read the way each side makes it available.
func whoami(w http.ResponseWriter, r *http.Request) {
	sub := "anonymous"
	if tok, ok := jwks.TokenFromContext(r.Context()); ok {
		s, err := tok.ClaimString("sub")
		if err != nil {
			http.Error(w, "no sub", http.StatusInternalServerError)
			return
		}
		sub = s
	} else if s, ok := r.Context().Value(subKey{}).(string); ok {
		sub = s
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("hello " + sub + "\n"))
}

// authentication returns the middleware of -auth and what closes it; the jwks side also
// serves its token cache counters at GET /stats (the driver checks the hit rate of each mode).
func authentication(mux *http.ServeMux, auth, url, issuer, audience, alg string) (func(http.Handler) http.Handler, func(), error) {
	switch auth {
	case "none":
		return func(h http.Handler) http.Handler { return h }, func() {}, nil
	case "header":
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if sub := r.Header.Get("X-Auth-Sub"); sub != "" {
					r = r.WithContext(context.WithValue(r.Context(), subKey{}, sub))
				}
				next.ServeHTTP(w, r)
			})
		}, func() {}, nil
	case "jwks":
		v, err := jwks.NewFromURL(url, &jwks.Options{
			AllowHTTP: true, Issuers: []string{issuer}, Audiences: []string{audience}, Algorithms: []string{alg},
		})
		if err != nil {
			return nil, nil, err
		}
		mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
			s, err := v.TokenCacheStats()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]uint64{"hits": s.Hits, "misses": s.Misses, "entries": s.Entries})
		})
		return jwks.Middleware(v, nil), func() { v.Close() }, nil
	case "keyfunc":
		ctx, cancel := context.WithCancel(context.Background())
		k, err := keyfunc.NewDefaultCtx(ctx, []string{url})
		if err != nil {
			cancel()
			return nil, nil, err
		}
		parser := jwt.NewParser(jwt.WithIssuer(issuer), jwt.WithAudience(audience),
			jwt.WithExpirationRequired(), jwt.WithValidMethods([]string{alg}))
		return keyfuncMiddleware(parser, k.Keyfunc), cancel, nil
	}
	return nil, nil, fmt.Errorf("unknown -auth %q", auth)
}

// keyfuncMiddleware is the bearer middleware a service writes around golang-jwt: the token
// after "Bearer ", parsed and validated, its sub put in the request context.
func keyfuncMiddleware(parser *jwt.Parser, kf jwt.Keyfunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
				w.Header().Set("WWW-Authenticate", "Bearer")
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			claims := jwt.MapClaims{}
			if _, err := parser.ParseWithClaims(h[7:], claims, kf); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			sub, _ := claims["sub"].(string)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), subKey{}, sub)))
		})
	}
}
