package jwks

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Token schemes, for Request.TokenScheme, Options.TokenScheme and the middleware: which
// Authorization schemes a request verification accepts.
const (
	// SchemeBearer accepts `Authorization: Bearer <token>` only (RFC 6750).
	SchemeBearer = "bearer"
	// SchemeDPoP accepts `Authorization: DPoP <token>` with a DPoP proof only (RFC 9449).
	SchemeDPoP = "dpop"
	// SchemeEither accepts both.
	SchemeEither = "either"
)

type certKind int

const (
	certNone  certKind = C.GOJWKS_CERT_NONE
	certDER   certKind = C.GOJWKS_CERT_DER
	certPEM   certKind = C.GOJWKS_CERT_PEM
	certNginx certKind = C.GOJWKS_CERT_NGINX
	certXFCC  certKind = C.GOJWKS_CERT_XFCC
)

// ClientCert is the TLS client certificate of a request (RFC 8705), in the form the server
// has it; the zero value is "no certificate". Make one with ClientCertDER, ClientCertPEM,
// ClientCertNginx or ClientCertXFCC.
type ClientCert struct {
	kind certKind
	data string
}

// ClientCertDER is a certificate in DER, as crypto/tls hands it over
// (r.TLS.PeerCertificates[0].Raw).
func ClientCertDER(der []byte) ClientCert { return ClientCert{certDER, string(der)} }

// ClientCertPEM is a certificate in PEM (the first CERTIFICATE block is used).
func ClientCertPEM(pem []byte) ClientCert { return ClientCert{certPEM, string(pem)} }

// ClientCertNginx is nginx's $ssl_client_escaped_cert (URL-encoded PEM; "" or "-" means the
// client sent none), forwarded in a header that a trusted nginx overwrites.
func ClientCertNginx(escaped string) ClientCert { return ClientCert{certNginx, escaped} }

// ClientCertXFCC is Envoy's x-forwarded-client-cert, set by a trusted Envoy that sanitises
// the client's (its last element: Cert if present, else Hash).
func ClientCertXFCC(xfcc string) ClientCert { return ClientCert{certXFCC, xfcc} }

// IsZero reports whether c is "no certificate".
func (c ClientCert) IsZero() bool { return c.kind == certNone }

// Request is a request to verify as a whole (VerifyRequest): its access token in the
// Authorization header, with the Bearer or the DPoP scheme; its DPoP proof; its client
// certificate.
type Request struct {
	// Method is the HTTP method, e.g. "GET" (a proof's htm).
	Method string
	// URI is the absolute URI the client addressed, e.g. "https://api.example.com/orders"
	// (compared with a proof's htu after RFC 3986 normalisation; query and fragment are
	// ignored). Behind a proxy, the external URI, never one built from an unchecked Host.
	URI string
	// Authorization holds the values of every Authorization header (several are refused).
	Authorization []string
	// DPoP holds the values of every DPoP header (several are refused).
	DPoP []string
	// ClientCert is the client certificate, if any.
	ClientCert ClientCert
	// TokenScheme, if set (SchemeBearer, SchemeDPoP, SchemeEither), is the schemes this
	// request's route accepts instead of the verifier's Options.TokenScheme.
	TokenScheme string
}

// VerifiedRequest is a request that VerifyRequest accepted: its token (the embedded *Token
// with its getters) and what bound it.
type VerifiedRequest struct {
	*Token
	// Scheme is the scheme the token came with: "Bearer" or "DPoP".
	Scheme string
	// DPoPJKT is the RFC 7638 thumbprint of the DPoP proof's key (the token's cnf.jkt); ""
	// unless the token came with the DPoP scheme.
	DPoPJKT string
	// CertificateThumbprint is the x5t#S256 of the client certificate the token is bound to
	// (its cnf.x5t#S256); "" when the token is not certificate-bound.
	CertificateThumbprint string
	// DPoPNonce, with server nonces on, is the nonce to send in a DPoP-Nonce header of the
	// response; "" otherwise.
	DPoPNonce string
}

// cRequest owns a C jwks_request.
type cRequest struct{ ptr *C.jwks_request }

func (r *cRequest) free() {
	if r != nil && r.ptr != nil {
		C.jwks_request_free(r.ptr)
		r.ptr = nil
	}
}

// newCRequest builds the C request from req in one C call: its strings go back to back,
// NUL-terminated, in one Go buffer read by C during the call.
func newCRequest(req *Request) (*cRequest, error) {
	n := len(req.Method) + len(req.URI) + len(req.TokenScheme) + 3
	for _, s := range req.Authorization {
		n += len(s) + 1
	}
	for _, s := range req.DPoP {
		n += len(s) + 1
	}
	buf := make([]byte, 0, n)
	add := func(what, s string) error {
		if strings.IndexByte(s, 0) >= 0 {
			return newError(CodeInvalidArgument, "the request's "+what+" contains a NUL byte")
		}
		buf = append(append(buf, s...), 0)
		return nil
	}
	if err := add("method", req.Method); err != nil {
		return nil, err
	}
	if err := add("URI", req.URI); err != nil {
		return nil, err
	}
	for _, s := range req.Authorization {
		if err := add("Authorization header", s); err != nil {
			return nil, err
		}
	}
	for _, s := range req.DPoP {
		if err := add("DPoP header", s); err != nil {
			return nil, err
		}
	}
	hasScheme := C.int(0)
	if req.TokenScheme != "" {
		hasScheme = 1
		if err := add("token scheme", req.TokenScheme); err != nil {
			return nil, err
		}
	}
	var cert []byte
	switch req.ClientCert.kind {
	case certNone:
	case certDER, certPEM:
		cert = []byte(req.ClientCert.data)
	default:
		if strings.IndexByte(req.ClientCert.data, 0) >= 0 {
			return nil, newError(CodeInvalidArgument, "the request's client certificate contains a NUL byte")
		}
		cert = append([]byte(req.ClientCert.data), 0)
	}
	var certPtr *C.char
	if len(cert) > 0 {
		certPtr = (*C.char)(unsafe.Pointer(&cert[0]))
	}
	var out *C.jwks_request
	rc := C.gojwks_request_new((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(req.Authorization)),
		C.size_t(len(req.DPoP)), hasScheme, C.int(req.ClientCert.kind), certPtr, C.size_t(len(cert)), &out)
	runtime.KeepAlive(buf)
	runtime.KeepAlive(cert)
	if rc != C.JWKS_RESULT_OK {
		// (The request builders report a code, no details.)
		return nil, newError(Code(rc), "the request (method, URI, headers, client certificate or scheme) was refused: "+Code(rc).Description())
	}
	return &cRequest{out}, nil
}

// requestScratch is what C writes into during a request verification (no Go pointers).
type requestScratch struct {
	parts   C.gojwks_parts
	binding C.gojwks_binding
	buf     [scratchSize]byte
	bbuf    [C.GOJWKS_BINDING_CAP]byte
}

var requestScratchPool = sync.Pool{New: func() any { return new(requestScratch) }}

// VerifyRequest verifies a request at the current time (RFC 6750, RFC 9449, RFC 8705): its
// one Authorization header, with a scheme the verifier (Options.TokenScheme) or the route
// (req.TokenScheme) accepts; with the DPoP scheme, its DPoP proof (recorded in the replay
// store last) and the token's cnf.jkt; the access token as Verify does; and the token's
// binding to the client certificate (cnf.x5t#S256). A DPoP-bound token sent as Bearer is
// refused (ErrBoundTokenAsBearer) unless Options.AllowDPoPBoundBearer.
//
// The error is an *Error (or ErrClosed); Refusal turns it into the answer to send.
func (v *Verifier) VerifyRequest(req Request) (*VerifiedRequest, error) {
	vr, cr, err := v.verifyRequest(&req, false, 0)
	cr.free()
	return vr, err
}

// VerifyRequestAt is VerifyRequest at the given time instead of the system clock.
func (v *Verifier) VerifyRequestAt(req Request, now time.Time) (*VerifiedRequest, error) {
	vr, cr, err := v.verifyRequest(&req, true, now.Unix())
	cr.free()
	return vr, err
}

// verifyRequest verifies req and returns the C request too (nil if it could not be built),
// for a refusal; the caller frees it.
func (v *Verifier) verifyRequest(req *Request, at bool, now int64) (*VerifiedRequest, *cRequest, error) {
	cr, err := newCRequest(req)
	if err != nil {
		return nil, nil, err
	}
	s := requestScratchPool.Get().(*requestScratch)
	defer requestScratchPool.Put(s)
	if !v.acquire() {
		return nil, cr, ErrClosed
	}
	cat := C.int(0)
	if at {
		cat = 1
	}
	C.gojwks_verify_request(v.ptr, cr.ptr, cat, C.int64_t(now),
		(*C.char)(unsafe.Pointer(&s.buf[0])), scratchSize, &s.parts,
		(*C.char)(unsafe.Pointer(&s.bbuf[0])), &s.binding)
	v.mu.RUnlock()
	runtime.KeepAlive(v)
	if s.parts.code != C.JWKS_RESULT_OK {
		return nil, cr, takeError(C.jwks_result(s.parts.code), s.parts.err)
	}
	buf := make([]byte, int(s.parts.needed))
	if s.parts.token != nil {
		C.gojwks_token_take(s.parts.token, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &s.parts)
	} else {
		copy(buf, s.buf[:len(buf)])
	}
	vr := &VerifiedRequest{Token: newToken(buf, &s.parts)}
	if s.binding.scheme != nil {
		vr.Scheme = C.GoString(s.binding.scheme)
	}
	b := s.bbuf[:]
	take := func(n C.size_t) string {
		out := string(b[:int(n)])
		b = b[int(n):]
		return out
	}
	vr.DPoPJKT = take(s.binding.jkt_len)
	vr.CertificateThumbprint = take(s.binding.thumbprint_len)
	vr.DPoPNonce = take(s.binding.nonce_len)
	return vr, cr, nil
}

// Refusal is how to answer a refused request (RFC 6750 §3, RFC 9449 §7.1, §7.2, §9), as the
// library words it, the same in every language.
type Refusal struct {
	// Status is the HTTP status: 400, 401, 403, 500 or 503.
	Status int
	// Error is the error code of the challenge and the body ("invalid_token",
	// "invalid_dpop_proof", "use_dpop_nonce", "invalid_request", "insufficient_scope"), or ""
	// (no token was sent, 500, 503).
	Error string
	// Description is the code's one-line description (the error_description).
	Description string
	// Challenges are the WWW-Authenticate values to send, each as its own header (a DPoP
	// and a Bearer challenge when both schemes are accepted; none for 500 and 503).
	Challenges []string
	// DPoPNonce is the value of a DPoP-Nonce header to send, or "".
	DPoPNonce string
}

// Refusal returns the answer to a request refused with err: an error of VerifyRequest, a
// *MissingScopeError (403 insufficient_scope; scope then names the scopes needed), or any
// other *Error. req (may be nil) tells the scheme the client used and the route's schemes;
// realm and scope may be "". An error that is not the library's (ErrClosed, say) gives a
// bare 500.
func (v *Verifier) Refusal(err error, req *Request, realm, scope string) Refusal {
	var cr *cRequest
	if req != nil {
		var berr error
		if cr, berr = newCRequest(req); berr != nil {
			cr = nil
		}
	}
	r := v.refusal(err, cr, realm, scope, time.Now().Unix())
	cr.free()
	return r
}

// refusalCode is the result code that answers err, or false for an error that is not one of
// the library's.
func refusalCode(err error) (Code, bool) {
	var e *Error
	var missing *MissingScopeError
	switch {
	case errors.As(err, &missing):
		return CodeInsufficientScope, true
	case errors.As(err, &e) && e.Code != CodeOK:
		return e.Code, true
	}
	return 0, false
}

func (v *Verifier) refusal(err error, cr *cRequest, realm, scope string, now int64) Refusal {
	internal := Refusal{Status: 500, Description: CodeInternal.Description()}
	code, ok := refusalCode(err)
	if !ok {
		return internal
	}
	var creq *C.jwks_request
	if cr != nil {
		creq = cr.ptr
	}
	var crealm, cscope *C.char
	if realm != "" && !hasNUL(realm) {
		crealm = C.CString(realm)
		defer C.free(unsafe.Pointer(crealm))
	}
	if scope != "" && !hasNUL(scope) {
		cscope = C.CString(scope)
		defer C.free(unsafe.Pointer(cscope))
	}
	// Room for the usual answer; a long realm or scope appears in each challenge.
	buf := make([]byte, 1024+4*(len(realm)+len(scope)))
	var out C.gojwks_refusal
	for {
		if !v.acquire() {
			return internal
		}
		rc := C.gojwks_refusal_take(v.ptr, creq, C.uint32_t(code), crealm, cscope, C.int64_t(now),
			(*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &out)
		v.mu.RUnlock()
		runtime.KeepAlive(v)
		if rc != C.JWKS_RESULT_OK {
			return internal
		}
		if int(out.needed) <= len(buf) {
			break
		}
		buf = make([]byte, int(out.needed))
	}
	b := buf
	take := func(n C.size_t) string {
		s := string(b[:int(n)])
		b = b[int(n):]
		return s
	}
	r := Refusal{Status: int(out.status)}
	r.Error = take(out.error_len)
	r.Description = take(out.description_len)
	for i := 0; i < int(out.challenges); i++ {
		r.Challenges = append(r.Challenges, take(out.challenge_lens[i]))
	}
	r.DPoPNonce = take(out.nonce_len)
	return r
}

// DPoPNonce returns the DPoP nonce to send now (RFC 9449 §9), or "" when server nonces are off
// (Options.DPoPNonceLifetime).
func (v *Verifier) DPoPNonce() (string, error) {
	return v.dpopNonce(time.Now().Unix())
}

func (v *Verifier) dpopNonce(now int64) (string, error) {
	if !v.acquire() {
		return "", ErrClosed
	}
	defer v.mu.RUnlock()
	var out *C.char
	var cerr *C.jwks_error
	rc := C.jwks_verifier_dpop_nonce(v.ptr, C.int64_t(now), &out, &cerr)
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return "", takeError(rc, cerr)
	}
	if out == nil {
		return "", nil
	}
	s := C.GoString(out)
	C.jwks_string_free(out)
	return s, nil
}

// VerifyDPoPProofAt checks a DPoP proof on its own (RFC 9449 §4.3) for a request of method
// and uri at the given time, with the access token it came with ("" for none, as at an
// authorization server's token endpoint), and records it in the replay store. It returns the
// RFC 7638 thumbprint of the proof's key (the jkt to bind a token to).
func (v *Verifier) VerifyDPoPProofAt(proof, method, uri, accessToken string, now time.Time) (string, error) {
	cm, err := cString("method", method)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cm))
	cu, err := cString("uri", uri)
	if err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(cu))
	if !v.acquire() {
		return "", ErrClosed
	}
	defer v.mu.RUnlock()
	var at *C.char
	if accessToken != "" {
		at = (*C.char)(unsafe.Pointer(unsafe.StringData(accessToken)))
	}
	var jkt *C.char
	var cerr *C.jwks_error
	rc := C.jwks_verify_dpop_proof_at(v.ptr, (*C.char)(unsafe.Pointer(unsafe.StringData(proof))), C.size_t(len(proof)),
		cm, cu, at, C.size_t(len(accessToken)), C.int64_t(now.Unix()), &jkt, &cerr)
	runtime.KeepAlive(v)
	runtime.KeepAlive(proof)
	runtime.KeepAlive(accessToken)
	if rc != C.JWKS_RESULT_OK {
		return "", takeError(rc, cerr)
	}
	s := C.GoString(jkt)
	C.jwks_string_free(jkt)
	return s, nil
}

// HTTPStatus is the HTTP status that answers a request refused with c (jwks_result_http_status):
// 401, 400 (CodeInvalidRequest), 403 (CodeInsufficientScope), 503 (keys or replay store
// unavailable), 500 (misuse, unknown codes); 0 for CodeOK and the claim lookup codes.
func (c Code) HTTPStatus() int { return int(C.jwks_result_http_status(C.uint32_t(c))) }

// OAuthError is the RFC 6750 / RFC 9449 error code of a refusal with c
// (jwks_result_oauth_error), e.g. "invalid_dpop_proof", or "" when the answer carries none.
func (c Code) OAuthError() string {
	s := C.jwks_result_oauth_error(C.uint32_t(c))
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
