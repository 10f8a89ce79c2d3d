package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"encoding/json"
	"unsafe"
)

// Token is a verified token.
//
// A Token is a plain Go value: everything it holds (the decoded header and payload as
// received, the index of the claims' members, the algorithm, the kids and the key's
// thumbprint) was copied out of the C token in the same C call that verified it, and the C
// token was freed right there. So a Token needs no Close, has no finalizer, stays valid after
// its Verifier is closed, may be read by many goroutines at once, and costs one C call in all.
// Its claim getters (ClaimString, ClaimInt, ..., Scopes, HasScopes) are one C call each on
// that copy (jwks_claims_*): the library reads the claims, with the code that answers its own
// getters on the C token, and Go keeps no JSON reader of its own.
type Token struct {
	// buf holds the index of the claims' members (4 uint32 per member), then header, payload,
	// alg, kid, key id and thumbprint back to back; it is never written after newToken,
	// which lets the string fields share its memory.
	buf        []byte
	members    int
	header     []byte
	payload    []byte
	alg        string
	kid        string
	keyID      string
	thumbprint string
	hasKid     bool
	hasKeyID   bool
	// claimsErr is why the payload is not claims (a VerifySignature payload the library
	// does not read as claims), or nil.
	claimsErr error
}

func newToken(buf []byte, parts *C.gojwks_parts) *Token {
	t := &Token{buf: buf, members: int(parts.members), hasKid: parts.has_kid != 0, hasKeyID: parts.has_key_id != 0}
	if parts.claims_code != C.JWKS_RESULT_OK {
		t.claimsErr = takeError(C.jwks_result(parts.claims_code), parts.claims_err)
	}
	off := 4 * 4 * t.members
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

// HasKeyID reports whether the key that verified the signature has a kid (which may be "").
func (t *Token) HasKeyID() bool { return t.hasKeyID }

// KeyThumbprint returns the RFC 7638 thumbprint of the key that verified the signature.
func (t *Token) KeyThumbprint() string { return t.thumbprint }
