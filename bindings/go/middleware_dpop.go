//go:build cgo

package jwks

import (
	"context"
	"net/http"
	"strings"
	"time"
)

type verifiedRequestContextKey struct{}

// ContextWithVerifiedRequest returns a copy of ctx carrying vr (and its token, for
// TokenFromContext), for VerifiedRequestFromContext.
func ContextWithVerifiedRequest(ctx context.Context, vr *VerifiedRequest) context.Context {
	return context.WithValue(ContextWithToken(ctx, vr.Token), verifiedRequestContextKey{}, vr)
}

// VerifiedRequestFromContext returns the verified request that Middleware (with
// MiddlewareOptions.TokenScheme) or a grpcjwks interceptor (with Options.TokenScheme) stored
// in ctx: the token and what bound it (scheme, DPoP key thumbprint, certificate thumbprint).
func VerifiedRequestFromContext(ctx context.Context) (*VerifiedRequest, bool) {
	vr, ok := ctx.Value(verifiedRequestContextKey{}).(*VerifiedRequest)
	return vr, ok && vr != nil
}

// AuthenticateRequest is the transport-independent part of Middleware with a TokenScheme,
// also used by the gRPC interceptors: it verifies req (VerifyRequest) and checks that its
// token grants every scope in scopes. It returns the verified request, or an *AuthError
// holding the library's answer (Refusal): status, error code, description, challenges (with
// realm, if set) and DPoP nonce.
func AuthenticateRequest(v *Verifier, req Request, scopes []string, realm string) (*VerifiedRequest, *AuthError) {
	now := time.Now().Unix()
	vr, cr, err := v.verifyRequest(&req, true, now)
	defer cr.free()
	scope := ""
	if err == nil {
		missing, serr := MissingScopes(vr.Token, scopes)
		switch {
		case serr != nil:
			// A scope claim of the wrong shape (401 invalid_token), or a required scope that
			// is not valid: the caller's mistake (500).
			err = serr
		case len(missing) > 0:
			err = &MissingScopeError{Missing: missing}
			scope = strings.Join(scopes, " ")
		default:
			return vr, nil
		}
	}
	ref := v.refusal(err, cr, realm, scope, now)
	return nil, &AuthError{Status: ref.Status, Code: ref.Error, Description: ref.Description,
		Scope: scope, Realm: realm, Challenges: ref.Challenges, DPoPNonce: ref.DPoPNonce, Err: err}
}

// requestMiddleware is Middleware with o.TokenScheme: each request verified as a whole.
func requestMiddleware(tv TokenVerifier, o *MiddlewareOptions, handle func(http.ResponseWriter, *http.Request, *AuthError)) func(http.Handler) http.Handler {
	v, ok := tv.(*Verifier)
	if !ok {
		panic("jwks.Middleware: MiddlewareOptions.TokenScheme needs a *jwks.Verifier")
	}
	switch o.TokenScheme {
	case SchemeBearer, SchemeDPoP, SchemeEither:
	default:
		panic("jwks.Middleware: MiddlewareOptions.TokenScheme is " + quoteParam(o.TokenScheme) +
			": one of \"bearer\", \"dpop\", \"either\"")
	}
	base := strings.TrimSuffix(o.ExternalURL, "/")
	if base != "" && !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		panic("jwks.Middleware: MiddlewareOptions.ExternalURL must start with https:// or http://")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var aerr *AuthError
			var vr *VerifiedRequest
			if r.URL.RawQuery != "" && r.URL.Query().Has("access_token") {
				aerr = &AuthError{Status: http.StatusBadRequest, Code: "invalid_request",
					Description: "access tokens in the query string are not accepted", Err: ErrBearerQuery}
			} else {
				req := Request{
					Method:        r.Method,
					URI:           requestURI(base, r),
					Authorization: r.Header.Values("Authorization"),
					DPoP:          r.Header.Values("DPoP"),
					TokenScheme:   o.TokenScheme,
				}
				if o.ClientCert != nil {
					req.ClientCert = o.ClientCert(r)
				} else if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
					req.ClientCert = ClientCertDER(r.TLS.PeerCertificates[0].Raw)
				}
				vr, aerr = AuthenticateRequest(v, req, o.Scopes, o.Realm)
			}
			if aerr != nil {
				aerr.Realm = o.Realm
				if aerr.Status == http.StatusServiceUnavailable {
					aerr.RetryAfter = o.RetryAfter
				}
				handle(w, r, aerr)
				return
			}
			if vr.DPoPNonce != "" {
				w.Header().Set("DPoP-Nonce", vr.DPoPNonce)
			}
			next.ServeHTTP(w, r.WithContext(ContextWithVerifiedRequest(r.Context(), vr)))
		})
	}
}

// requestURI is the URI the client addressed: base (MiddlewareOptions.ExternalURL) or the
// connection's scheme and the Host header, then the path as it was sent.
func requestURI(base string, r *http.Request) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if base != "" {
		return base + path
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host + path
}
