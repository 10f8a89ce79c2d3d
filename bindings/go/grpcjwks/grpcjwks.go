// Package grpcjwks authenticates gRPC calls with bearer JWTs verified by the jwks package:
// unary and stream server interceptors that read the "authorization" metadata (one
// "Bearer <token>" value, as in HTTP), verify the token, check required scopes and put the
// verified token in the call's context (jwks.TokenFromContext).
//
// With Options.TokenScheme, calls are verified as whole requests instead (RFC 9449 DPoP,
// RFC 8705 certificate-bound tokens): "authorization: DPoP <token>" with its proof in the
// "dpop" metadata, made for POST and Options.BaseURL + the full method name; refusals carry
// the library's WWW-Authenticate challenges and DPoP nonce in the trailer.
//
// It is a module of its own (github.com/jwks-project/jwks/bindings/go/grpcjwks), so that
// users of the jwks package do not depend on gRPC.
//
// Refused calls end with a status:
//   - no bearer token, a malformed authorization value, a rejected token: codes.Unauthenticated
//     (with the same short description as the HTTP middleware, never key material);
//   - a required scope missing: codes.PermissionDenied;
//   - keys unavailable: codes.Unavailable (which gRPC clients may retry);
//   - anything else (a closed verifier): codes.Internal;
//   - a full method name that does not start with "/": codes.Unimplemented (see Method names).
//
// # Method names
//
// A gRPC full method name is "/package.Service/Method", and the interceptors accept no other
// form: a call whose full method name does not start with "/" ends with codes.Unimplemented
// ("malformed method name"), before Skip, MethodScopes or the token are looked at. Such a
// call is never let through by Skip and never falls back to the default Scopes. gRPC servers
// before 1.79.3 routed a request whose HTTP/2 :path lacked the leading "/" to the method all
// the same, and gave the stream interceptor that raw path as the full method name
// (CVE-2026-33186), so a stream on "grpc.health.v1.Health/Watch" missed the MethodScopes entry
// of "/grpc.health.v1.Health/Watch" and needed only the default Scopes. This module requires a
// gRPC that refuses such paths itself, with the same code (1.85.0 in go.mod; the fix is in
// 1.79.3 and later); the interceptors keep their own check for any server or gRPC version (a
// replace, a vendored copy) that passes such names on. Unimplemented rather than
// PermissionDenied: the call names no method of the server, no token was examined, and a client
// gets one answer whichever layer refuses it. ErrorStatus is not called for it (there is no
// token error to describe).
//
// For the same reason every MethodScopes key must start with "/": a key that does not could
// never match a call, so the interceptors refuse it (panic) when they are built.
package grpcjwks

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	jwks "github.com/jwks-project/jwks/bindings/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Options tune the interceptors; nil or the zero value is usable.
type Options struct {
	// Scopes are required of every call, unless MethodScopes names its method. Here and in
	// MethodScopes, each must be a valid scope (jwks.CheckScope), or building the
	// interceptors panics.
	Scopes []string
	// MethodScopes are the scopes required by the methods it names, by full method name
	// ("/package.Service/Method"), instead of Scopes. Every key must start with "/" (see
	// Method names). The map is copied when the interceptors are built.
	MethodScopes map[string][]string
	// Skip, if set, lets the calls for which it returns true through unauthenticated (e.g.
	// the health service); they have no token in their context. It is only asked about full
	// method names that start with "/".
	Skip func(fullMethod string) bool
	// ErrorStatus, if set, makes the status of every refused call instead of Status, e.g.
	// to log or to add details; it may call Status itself.
	ErrorStatus func(ctx context.Context, fullMethod string, err *jwks.AuthError) *status.Status

	// TokenScheme, if set, verifies each call as a whole request (jwks.AuthenticateRequest)
	// and accepts the schemes it names: jwks.SchemeBearer (Bearer only; a DPoP-bound token
	// sent as Bearer is refused), jwks.SchemeDPoP ("authorization: DPoP <token>" with its
	// proof in the "dpop" metadata, RFC 9449) or jwks.SchemeEither. A proof is made for the
	// method POST and the URI BaseURL followed by the full method name. Refusals carry the
	// library's WWW-Authenticate challenges in the "www-authenticate" trailer (one value each)
	// and, with server nonces on, the nonce in the "dpop-nonce" trailer; an accepted call with
	// a new nonce gets it in the "dpop-nonce" header. It needs a *jwks.Verifier. Unset, tokens
	// are Bearer tokens verified alone, as before DPoP.
	TokenScheme string
	// BaseURL is the scheme and authority under which clients address the server, e.g.
	// "https://api.example.com" (required with TokenScheme): a call's htu is BaseURL +
	// "/package.Service/Method".
	BaseURL string
}

// UnaryServerInterceptor returns an interceptor that authenticates unary calls with v.
// It is safe for concurrent use, as is a *jwks.Verifier.
func UnaryServerInterceptor(v jwks.TokenVerifier, opts *Options) grpc.UnaryServerInterceptor {
	a := newAuth(v, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := a.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor returns an interceptor that authenticates streaming calls with v,
// once when the stream starts. It is safe for concurrent use.
func StreamServerInterceptor(v jwks.TokenVerifier, opts *Options) grpc.StreamServerInterceptor {
	a := newAuth(v, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := a.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &authenticatedStream{ss, ctx})
	}
}

// authenticatedStream is a ServerStream whose context carries the verified token.
type authenticatedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *authenticatedStream) Context() context.Context { return s.ctx }

type auth struct {
	v    jwks.TokenVerifier
	opts Options
	// request is the verifier when calls are verified as whole requests (TokenScheme).
	request *jwks.Verifier
	base    string
}

func newAuth(v jwks.TokenVerifier, opts *Options) *auth {
	if p, ok := v.(*jwks.Verifier); v == nil || ok && p == nil {
		// Refused when the server is built, not on the first call.
		panic("grpcjwks: the verifier is nil")
	}
	a := &auth{v: v}
	if opts != nil {
		a.opts = *opts
	}
	checkScopes := func(what string, scopes []string) {
		for _, s := range scopes {
			if err := jwks.CheckScope(s); err != nil {
				panic(fmt.Sprintf("grpcjwks: %s: %v", what, err))
			}
		}
	}
	checkScopes("Scopes", a.opts.Scopes)
	if a.opts.TokenScheme != "" {
		switch a.opts.TokenScheme {
		case jwks.SchemeBearer, jwks.SchemeDPoP, jwks.SchemeEither:
		default:
			panic(fmt.Sprintf("grpcjwks: TokenScheme is %q: one of \"bearer\", \"dpop\", \"either\"", a.opts.TokenScheme))
		}
		p, ok := v.(*jwks.Verifier)
		if !ok {
			panic("grpcjwks: TokenScheme needs a *jwks.Verifier")
		}
		a.request = p
		a.base = strings.TrimSuffix(a.opts.BaseURL, "/")
		if !strings.HasPrefix(a.base, "https://") && !strings.HasPrefix(a.base, "http://") {
			panic("grpcjwks: TokenScheme needs BaseURL, starting with https:// or http://")
		}
	}
	if a.opts.MethodScopes != nil {
		scopes := make(map[string][]string, len(a.opts.MethodScopes))
		for method, s := range a.opts.MethodScopes {
			if !strings.HasPrefix(method, "/") {
				panic(fmt.Sprintf("grpcjwks: MethodScopes names %q: a full method name starts with \"/\" (\"/package.Service/Method\")", method))
			}
			checkScopes(fmt.Sprintf("MethodScopes[%q]", method), s)
			scopes[method] = s
		}
		a.opts.MethodScopes = scopes
	}
	return a
}

func (a *auth) authenticate(ctx context.Context, method string) (context.Context, error) {
	// First of all: neither Skip nor a missing MethodScopes entry may decide for a name that
	// is not a full method name (see Method names in the package doc).
	if !strings.HasPrefix(method, "/") {
		return nil, status.Errorf(codes.Unimplemented, "malformed method name: %q", method)
	}
	if a.opts.Skip != nil && a.opts.Skip(method) {
		return ctx, nil
	}
	scopes, ok := a.opts.MethodScopes[method]
	if !ok {
		scopes = a.opts.Scopes
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if a.request != nil {
		return a.authenticateRequest(ctx, method, md, scopes)
	}
	tok, aerr := jwks.Authenticate(a.v, md.Get("authorization"), scopes)
	if aerr != nil {
		return nil, a.refuse(ctx, method, aerr)
	}
	return jwks.ContextWithToken(ctx, tok), nil
}

func (a *auth) refuse(ctx context.Context, method string, aerr *jwks.AuthError) error {
	st := Status(aerr)
	if a.opts.ErrorStatus != nil {
		st = a.opts.ErrorStatus(ctx, method, aerr)
	}
	return st.Err()
}

// authenticateRequest verifies the call as a request: POST to BaseURL + method, with the
// authorization and dpop metadata and the TLS client certificate, if any.
func (a *auth) authenticateRequest(ctx context.Context, method string, md metadata.MD, scopes []string) (context.Context, error) {
	req := jwks.Request{
		Method:        http.MethodPost,
		URI:           a.base + method,
		Authorization: md.Get("authorization"),
		DPoP:          md.Get("dpop"),
		TokenScheme:   a.opts.TokenScheme,
	}
	if p, ok := peer.FromContext(ctx); ok {
		if ti, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(ti.State.PeerCertificates) > 0 {
			req.ClientCert = jwks.ClientCertDER(ti.State.PeerCertificates[0].Raw)
		}
	}
	vr, aerr := jwks.AuthenticateRequest(a.request, req, scopes, "")
	if aerr != nil {
		trailer := metadata.MD{}
		if len(aerr.Challenges) > 0 {
			trailer.Append("www-authenticate", aerr.Challenges...)
		}
		if aerr.DPoPNonce != "" {
			trailer.Set("dpop-nonce", aerr.DPoPNonce)
		}
		if len(trailer) > 0 {
			// (An error here means the stream is already done: nothing to tell the client.)
			_ = grpc.SetTrailer(ctx, trailer)
		}
		return nil, a.refuse(ctx, method, aerr)
	}
	if vr.DPoPNonce != "" {
		_ = grpc.SetHeader(ctx, metadata.Pairs("dpop-nonce", vr.DPoPNonce))
	}
	return jwks.ContextWithVerifiedRequest(ctx, vr), nil
}

// Status is the default status of a refused call: codes.Unauthenticated for no token, a
// malformed authorization value or a rejected token, codes.PermissionDenied for a missing
// scope, codes.Unavailable when no keys can be obtained, codes.Internal otherwise. Its
// message is the RFC 6750 error code and the short description (e.g. "invalid_token: token
// expired"), or the scopes required.
func Status(err *jwks.AuthError) *status.Status {
	switch err.Status {
	case http.StatusUnauthorized, http.StatusBadRequest:
		if err.Code == "" && len(err.Challenges) > 0 {
			// (A whole-request verification, TokenScheme: the scheme may be DPoP.)
			return status.New(codes.Unauthenticated, "no access token in the authorization metadata")
		}
		if err.Code == "" {
			return status.New(codes.Unauthenticated, "no bearer token in the authorization metadata")
		}
		return status.New(codes.Unauthenticated, err.Code+": "+err.Description)
	case http.StatusForbidden:
		return status.New(codes.PermissionDenied, "insufficient_scope: the token lacks a required scope of: "+err.Scope)
	case http.StatusServiceUnavailable:
		return status.New(codes.Unavailable, "the keys to verify the token are unavailable; retry later")
	default:
		return status.New(codes.Internal, "the token could not be verified")
	}
}
