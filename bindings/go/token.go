package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Token is a verified token.
//
// Everything a Token shows of itself (the decoded header and payload as received, the
// algorithm, the kids and the key's thumbprint) was copied out of the C token in the same C
// call that verified it; its claim getters (ClaimString, ClaimInt, ... and Scopes, HasScopes)
// ask the C token, so that they answer exactly as the library's getters do in every
// language: the payload is read by the one reader that validated it, never again in Go. The
// C token is kept until the Token is garbage-collected (a finalizer frees it), so a Token
// needs no Close, stays valid after its Verifier is closed, and may be read by many
// goroutines at once.
type Token struct {
	// buf holds header, payload, alg, kid, key id and thumbprint back to back; it is never
	// written after newToken, which lets the string fields share its memory.
	buf        []byte
	header     []byte
	payload    []byte
	alg        string
	kid        string
	keyID      string
	thumbprint string
	hasKid     bool
	hasKeyID   bool
	// c is the C token; cPayload where its payload lies (the same bytes as payload), to view
	// a claim string of it in payload instead of copying.
	c        *C.jwks_token
	cPayload uintptr
}

// tokensFreed counts the C tokens freed by finalizers (for the tests).
var tokensFreed atomic.Uint64

// newToken makes the Token of the parts copied into buf, owning the C token parts.token: a
// finalizer on buf frees it. buf, rather than a small object of its own: the cost of setting
// a finalizer grows with the finalizers already set on objects of the same memory span, and
// spans of buffers this size hold a dozen, where one of 8-byte objects holds a thousand. buf
// is shared by copies of the Token and by every string viewing it, which keep the C token
// alive with it; every C call on the token is followed by runtime.KeepAlive(t.buf).
func newToken(buf []byte, parts *C.gojwks_parts) *Token {
	c := parts.token
	if len(buf) == 0 {
		// Never empty: the thumbprint alone is 43 bytes. Kept safe all the same.
		buf = make([]byte, 1)[:0]
	}
	runtime.SetFinalizer(&buf[:1][0], func(*byte) {
		C.jwks_token_free(c)
		tokensFreed.Add(1)
	})
	t := &Token{buf: buf, hasKid: parts.has_kid != 0, hasKeyID: parts.has_key_id != 0, c: c,
		cPayload: uintptr(unsafe.Pointer(parts.payload))}
	off := 0
	take := func(n C.size_t) []byte {
		b := buf[off : off+int(n) : off+int(n)]
		off += int(n)
		return b
	}
	t.header = take(parts.header_len)
	t.payload = take(parts.payload_len)
	t.alg = algName(take(parts.alg_len))
	t.kid = bytesString(take(parts.kid_len))
	t.keyID = bytesString(take(parts.key_id_len))
	t.thumbprint = bytesString(take(parts.thumbprint_len))
	return t
}

// bytesString views b as a string without copying; b must never change afterwards.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Claims returns a copy of the decoded payload (for a JWT, the claims JSON object) exactly
// as received.
func (t *Token) Claims() json.RawMessage { return append(json.RawMessage(nil), t.payload...) }

// Header returns a copy of the decoded protected header JSON exactly as received.
func (t *Token) Header() json.RawMessage { return append(json.RawMessage(nil), t.header...) }

// Alg returns the algorithm that verified the token, e.g. "RS256".
func (t *Token) Alg() string { return t.alg }

// Kid returns the header's kid, or "" if it has none.
func (t *Token) Kid() string { return t.kid }

// HasKid reports whether the header has a kid (which may be "").
func (t *Token) HasKid() bool { return t.hasKid }

// KeyID returns the kid of the key that verified the signature, or "" if it has none.
func (t *Token) KeyID() string { return t.keyID }

// KeyThumbprint returns the RFC 7638 thumbprint of the key that verified the signature.
func (t *Token) KeyThumbprint() string { return t.thumbprint }
