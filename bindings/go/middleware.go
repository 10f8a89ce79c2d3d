//go:build cgo

package jwks

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TokenVerifier is what the middleware and the gRPC interceptors need; *Verifier implements
// it. Tests may pass their own.
type TokenVerifier interface {
	Verify(token string) (*Token, error)
}

// MiddlewareOptions tune Middleware; nil or the zero value is usable.
type MiddlewareOptions struct {
	// Realm, if set, is sent as the realm parameter of WWW-Authenticate.
	Realm string
	// Scopes are required scopes: a token must grant every one of them (see Token.Scopes for
	// where scopes are read from), or the request is answered 403 insufficient_scope. Each
	// must be a valid scope (CheckScope), or Middleware panics.
	Scopes []string
	// RetryAfter is the Retry-After of 503 answers (keys unavailable), sent in whole
	// seconds, rounded up; zero means 5 seconds.
	RetryAfter time.Duration
	// ErrorHandler, if set, answers every refused request instead of WriteAuthError. It may
	// log, change the body or the status, or call WriteAuthError itself. The request's
	// Authorization header holds the refused credential: do not log it.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err *AuthError)

	// TokenScheme, if set, verifies each request as a whole (Verifier.VerifyRequest) and
	// accepts the schemes it names: SchemeBearer (Bearer only, and a DPoP-bound token sent
	// as Bearer is refused, RFC 9449 §7.2), SchemeDPoP (`Authorization: DPoP <token>` with
	// its DPoP proof header, RFC 9449) or SchemeEither. Refusals are then the library's
	// (RFC 9449 §7.1): one WWW-Authenticate value per accepted scheme, a DPoP-Nonce header
	// when server nonces are on. It needs a *Verifier (Middleware panics otherwise). Unset,
	// tokens are Bearer tokens verified alone (Verify), as before DPoP.
	TokenScheme string
	// ExternalURL is the scheme and authority (and any path prefix a proxy strips) under
	// which clients address this handler, e.g. "https://api.example.com": a DPoP proof's
	// htu must equal ExternalURL followed by the request's path. Set it behind a proxy or a
	// TLS terminator, and wherever the Host header is not checked by the server: unset, the
	// URI is built from the connection (https with TLS, http without) and the Host header.
	ExternalURL string
	// ClientCert, if set, gives the request's client certificate (RFC 8705), e.g.
	// ClientCertNginx(r.Header.Get("X-Client-Cert")) behind a trusted nginx. Unset, the
	// certificate of the TLS connection, if any. Used only with TokenScheme.
	ClientCert func(r *http.Request) ClientCert
}

type tokenContextKey struct{}

// ContextWithToken returns a copy of ctx carrying the verified token tok, for
// TokenFromContext. Middleware and the gRPC interceptors (module grpcjwks) call it.
func ContextWithToken(ctx context.Context, tok *Token) context.Context {
	return context.WithValue(ctx, tokenContextKey{}, tok)
}

// TokenFromContext returns the verified token that Middleware (or a grpcjwks interceptor)
// stored in ctx; false if there is none.
func TokenFromContext(ctx context.Context) (*Token, bool) {
	tok, ok := ctx.Value(tokenContextKey{}).(*Token)
	return tok, ok && tok != nil
}

// Middleware returns a net/http middleware that lets through only requests with a valid
// bearer token (RFC 6750 §2.1) granting opts.Scopes, and puts the verified token in the
// request context (TokenFromContext). Refused requests are answered by opts.ErrorHandler,
// by default WriteAuthError:
//   - no bearer credential: 401, `WWW-Authenticate: Bearer`;
//   - a malformed Authorization header, several of them, or an access_token in the query
//     string (refused, since URLs end up in logs): 400, error="invalid_request";
//   - a rejected token (bad signature, expired, wrong audience, ...): 401,
//     error="invalid_token" and a short error_description of the reason (never the
//     library's detailed message, which may describe the keys);
//   - a missing scope: 403, error="insufficient_scope" and the scope required;
//   - keys unavailable (no usable keys can be obtained): 503 with Retry-After;
//   - anything else (a closed verifier, a bug): 500.
//
// The middleware is safe for concurrent use, as is a *Verifier. A nil v, or a required scope
// that is not valid (CheckScope), panics here, when the handler is built, rather than on the
// first request.
func Middleware(v TokenVerifier, opts *MiddlewareOptions) func(http.Handler) http.Handler {
	if isNilVerifier(v) {
		panic("jwks.Middleware: the verifier is nil")
	}
	var o MiddlewareOptions
	if opts != nil {
		o = *opts
		o.Scopes = append([]string(nil), opts.Scopes...)
	}
	checkScopes("jwks.Middleware", o.Scopes)
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	handle := o.ErrorHandler
	if handle == nil {
		handle = func(w http.ResponseWriter, _ *http.Request, err *AuthError) { WriteAuthError(w, err) }
	}
	if o.TokenScheme != "" {
		return requestMiddleware(v, &o, handle)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var tok *Token
			var aerr *AuthError
			// (An empty query string has no parameter to parse: most requests.)
			if r.URL.RawQuery != "" && r.URL.Query().Has("access_token") {
				aerr = &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
					Description: "access tokens in the query string are not accepted", Err: ErrBearerQuery}
			} else {
				tok, aerr = Authenticate(v, r.Header.Values("Authorization"), o.Scopes)
			}
			if aerr != nil {
				aerr.Realm = o.Realm
				if aerr.Status == http.StatusServiceUnavailable {
					aerr.RetryAfter = o.RetryAfter
				}
				handle(w, r, aerr)
				return
			}
			next.ServeHTTP(w, r.WithContext(ContextWithToken(r.Context(), tok)))
		})
	}
}

// Authenticate is the transport-independent part of Middleware, also used by the gRPC
// interceptors: it takes the values of the Authorization header (or metadata), extracts the
// one bearer token (BearerToken), verifies it with v and checks that it grants every scope
// in scopes. It returns the token, or an *AuthError saying how to answer (500 for a required
// scope that is not valid: see CheckScope).
func Authenticate(v TokenVerifier, authorization []string, scopes []string) (*Token, *AuthError) {
	// With this package's verifier, the credential's b64token syntax is checked only when the
	// verification fails (see bearerCredential): a verified token always has it. Another
	// TokenVerifier may accept anything, so its tokens are checked first.
	_, ours := v.(*Verifier)
	raw, err := bearerCredential(authorization)
	if err == nil && !ours && !isB64Token(raw) {
		err = errNotB64Token
	}
	if err != nil {
		return nil, credentialError(err)
	}
	tok, err := v.Verify(raw)
	if err != nil {
		if ours && !isB64Token(raw) {
			return nil, credentialError(errNotB64Token)
		}
		return nil, verifyError(err)
	}
	missing, err := MissingScopes(tok, scopes)
	if errors.Is(err, ErrTokenRejected) {
		return nil, &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token",
			Description: "invalid scope claim", Err: err}
	}
	if err != nil {
		// A required scope that is not valid: the caller's mistake.
		return nil, &AuthError{Status: http.StatusInternalServerError, Err: err}
	}
	if len(missing) > 0 {
		return nil, &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope",
			Description: "the token lacks a required scope", Scope: strings.Join(scopes, " "),
			Err: &MissingScopeError{Missing: missing}}
	}
	return tok, nil
}

// credentialError is the answer when the request carries no usable bearer credential.
func credentialError(err error) *AuthError {
	if errors.Is(err, ErrNoBearer) {
		return &AuthError{Status: http.StatusUnauthorized, Err: err}
	}
	return &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
		Description: "malformed Authorization header", Err: err}
}

// isNilVerifier reports whether v is nil or a nil *Verifier.
func isNilVerifier(v TokenVerifier) bool {
	if v == nil {
		return true
	}
	p, ok := v.(*Verifier)
	return ok && p == nil
}

// verifyError classifies an error of Verify.
func verifyError(err error) *AuthError {
	var e *Error
	switch {
	case errors.Is(err, ErrTokenRejected) && errors.As(err, &e):
		// The generic description of the code ("token expired"), not e.Message: clients
		// learn why the token was refused but nothing about the keys.
		return &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token",
			Description: e.Code.Description(), Err: err}
	case errors.Is(err, ErrUnavailable):
		return &AuthError{Status: http.StatusServiceUnavailable, Err: err}
	default:
		return &AuthError{Status: http.StatusInternalServerError, Err: err}
	}
}

// AuthError is why Middleware or Authenticate refused a request, and how to answer it.
type AuthError struct {
	// Status is the HTTP status: 400, 401, 403, 500 or 503.
	Status int
	// Code is the RFC 6750 error code ("invalid_request", "invalid_token",
	// "insufficient_scope"), or "" (no credentials, 500, 503).
	Code string
	// Description is a short English error_description for the client; never key material.
	Description string
	// Scope is the space-separated list of scopes required (insufficient_scope only).
	Scope string
	// Realm is the realm of the challenge, from MiddlewareOptions.Realm.
	Realm string
	// RetryAfter is the Retry-After of a 503 answer.
	RetryAfter time.Duration
	// Challenges, when set (the answers of AuthenticateRequest), are the WWW-Authenticate
	// values to send, each as its own header, instead of Challenge.
	Challenges []string
	// DPoPNonce, when set, is the value of a DPoP-Nonce header to send (RFC 9449 §9).
	DPoPNonce string
	// Err is the underlying error: ErrNoBearer, a BearerToken error, the *Error of Verify,
	// a *MissingScopeError, ...; for logs, not for clients.
	Err error
}

// Error describes the refusal, with the underlying error.
func (e *AuthError) Error() string {
	msg := "jwks: request refused (" + strconv.Itoa(e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	msg += ")"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, so that errors.Is(err, jwks.ErrExpired) works.
func (e *AuthError) Unwrap() error { return e.Err }

// Challenge returns the WWW-Authenticate value of the answer (RFC 6750 §3), or "" for
// answers that carry none (500, 503).
func (e *AuthError) Challenge() string {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusBadRequest, http.StatusForbidden:
	default:
		return ""
	}
	var params []string
	add := func(name, value string) {
		if value != "" {
			params = append(params, name+"="+quoteParam(value))
		}
	}
	add("realm", e.Realm)
	add("error", e.Code)
	add("error_description", e.Description)
	add("scope", e.Scope)
	if len(params) == 0 {
		return "Bearer"
	}
	return "Bearer " + strings.Join(params, ", ")
}

// quoteParam makes an RFC 9110 quoted-string. RFC 6750 restricts error_description and scope to
// printable ASCII without '"' and '\'; anything else is replaced rather than escaped.
func quoteParam(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			c = '?'
		}
		b = append(b, c)
	}
	return string(append(b, '"'))
}

// WriteAuthError writes the default answer for err: its status, its challenges in
// WWW-Authenticate (one header each), DPoP-Nonce when set, Retry-After for 503, and the
// status text as a plain-text body.
func WriteAuthError(w http.ResponseWriter, err *AuthError) {
	if len(err.Challenges) > 0 {
		for _, c := range err.Challenges {
			w.Header().Add("WWW-Authenticate", c)
		}
	} else if c := err.Challenge(); c != "" {
		w.Header().Set("WWW-Authenticate", c)
	}
	if err.DPoPNonce != "" {
		w.Header().Set("DPoP-Nonce", err.DPoPNonce)
	}
	if err.Status == http.StatusServiceUnavailable {
		secs := int64((err.RetryAfter + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	http.Error(w, http.StatusText(err.Status), err.Status)
}
