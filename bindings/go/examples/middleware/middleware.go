// Package middleware is a net/http middleware that authenticates requests with a bearer JWT
// (RFC 6750) verified by a jwks.Verifier, and puts the verified token in the request context.
//
// Responses follow the categories of the library's errors:
//   - no credentials: 401 with `WWW-Authenticate: Bearer realm="..."`;
//   - a malformed Authorization header: 400 with `error="invalid_request"`;
//   - a rejected token (bad signature, expired, wrong audience, ...): 401 with
//     `error="invalid_token"` and a generic description of the reason;
//   - keys unavailable (the identity provider cannot be reached and no keys are cached): 503
//     with Retry-After, so that clients retry instead of discarding a good token;
//   - anything else (a closed verifier, a bug): 500.
package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"

	jwks "github.com/jwks-project/jwks/bindings/go"
)

// TokenVerifier is what the middleware needs; *jwks.Verifier implements it.
type TokenVerifier interface {
	Verify(token string) (*jwks.Token, error)
}

// Options tune the middleware; the zero value is usable.
type Options struct {
	// Realm is sent in WWW-Authenticate (default "api").
	Realm string
	// RetryAfter is the Retry-After value, in seconds, of 503 answers (default "5").
	RetryAfter string
	// OnError, if set, is told about every failure (e.g. for logging); it must not write to w.
	OnError func(r *http.Request, err error)
}

type contextKey struct{}

// Token returns the verified token the middleware stored in ctx.
func Token(ctx context.Context) (*jwks.Token, bool) {
	t, ok := ctx.Value(contextKey{}).(*jwks.Token)
	return t, ok
}

// Require returns a middleware that lets only requests with a valid bearer token through.
func Require(v TokenVerifier, opts Options) func(http.Handler) http.Handler {
	if opts.Realm == "" {
		opts.Realm = "api"
	}
	if opts.RetryAfter == "" {
		opts.RetryAfter = "5"
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, status := bearer(r)
			if status != 0 {
				challenge := `Bearer realm="` + opts.Realm + `"`
				if status == http.StatusBadRequest {
					challenge += `, error="invalid_request", error_description="malformed Authorization header"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				http.Error(w, http.StatusText(status), status)
				return
			}
			tok, err := v.Verify(token)
			if err != nil {
				if opts.OnError != nil {
					opts.OnError(r, err)
				}
				writeError(w, err, opts)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, tok)))
		})
	}
}

// bearer extracts the token of an "Authorization: Bearer <token>" header; status is 401 when
// there are no credentials, 400 when the header is malformed.
func bearer(r *http.Request) (token string, status int) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", http.StatusUnauthorized
	}
	if len(values) > 1 {
		return "", http.StatusBadRequest
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", http.StatusUnauthorized // another scheme (e.g. Basic): no bearer credentials
	}
	if !ok {
		return "", http.StatusBadRequest
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", http.StatusBadRequest
	}
	return token, 0
}

func writeError(w http.ResponseWriter, err error, opts Options) {
	var e *jwks.Error
	switch {
	case errors.Is(err, jwks.ErrTokenRejected) && errors.As(err, &e):
		// The generic description of the code, not the detailed message: clients learn why
		// the token was refused (expired, wrong audience, ...) but nothing about the keys.
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+opts.Realm+`", error="invalid_token", error_description="`+
			strings.ReplaceAll(e.Code.Description(), `"`, `'`)+`"`)
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
	case errors.Is(err, jwks.ErrUnavailable):
		w.Header().Set("Retry-After", opts.RetryAfter)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
	default:
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}
