package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// Token is a verified token.
//
// A Token is a plain Go value: everything it holds (the decoded header and payload as
// received, the algorithm, the kids and the key's thumbprint) was copied out of the C token
// in the same C call that verified it, and the C token was freed right there. So a Token
// needs no Close, has no finalizer, stays valid after its Verifier is closed, may be read by
// many goroutines at once, and costs one C call in all. Claim getters work in Go on that copy
// of the payload, with the same rules as the C getters (jwks_token_claim_*).
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
	// payloadIsObject: the payload is a UTF-8 JSON object (always so after Verify; checked
	// after VerifySignature). uniqueMembers: it has no duplicate member names (Verify's claim
	// checks refuse them).
	payloadIsObject bool
	uniqueMembers   bool
}

func newToken(buf []byte, parts *C.gojwks_parts) *Token {
	t := &Token{buf: buf, hasKid: parts.has_kid != 0, hasKeyID: parts.has_key_id != 0, payloadIsObject: true, uniqueMembers: true}
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

func isJSONObject(b []byte) bool {
	return utf8.Valid(b) && json.Valid(b) && firstNonSpace(b) == '{'
}

// Claims returns a copy of the decoded payload (for a JWT, the claims JSON object) exactly
// as received.
func (t *Token) Claims() json.RawMessage { return append(json.RawMessage(nil), t.payload...) }

// Header returns a copy of the decoded protected header JSON exactly as received.
func (t *Token) Header() json.RawMessage { return append(json.RawMessage(nil), t.header...) }

// UnmarshalClaims decodes the payload into v with encoding/json, numbers stored in interface
// values (map[string]any, any) as json.Number: the number exactly as written, never rounded
// through float64 (use its Int64, Float64 or String method). Typed fields decode as usual.
func (t *Token) UnmarshalClaims(v any) error { return decodeJSON(t.payload, v) }

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

// claim returns the raw JSON of claim name, or an ErrNotFound *Error.
func (t *Token) claim(name string) ([]byte, error) {
	if !t.payloadIsObject {
		return nil, newError(CodeNotFound, "the payload is not a JSON object")
	}
	raw, ok := findMember(t.payload, name, t.uniqueMembers)
	if !ok {
		return nil, newError(CodeNotFound, "no claim "+quote(name))
	}
	return raw, nil
}

func typeMismatch(what string) error {
	return newError(CodeTypeMismatch, "the claim is not "+what)
}

// ClaimRaw returns the JSON of claim name as received, or ErrNotFound.
func (t *Token) ClaimRaw(name string) (json.RawMessage, error) {
	raw, err := t.claim(name)
	if err != nil {
		return nil, err
	}
	return append(json.RawMessage(nil), raw...), nil
}

// ClaimString returns the string claim name. The error is ErrNotFound if it is absent,
// ErrTypeMismatch if it is not a string.
func (t *Token) ClaimString(name string) (string, error) {
	raw, err := t.claim(name)
	if err != nil {
		return "", err
	}
	s, ok := jsonString(raw)
	if !ok {
		return "", typeMismatch("a string")
	}
	return s, nil
}

// ClaimInt returns the integer claim name: a JSON number without fraction or exponent that
// fits in int64 (e.g. exp). The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimInt(name string) (int64, error) {
	raw, err := t.claim(name)
	if err != nil {
		return 0, err
	}
	n, ok := jsonInt(raw)
	if !ok {
		return 0, typeMismatch("an integer")
	}
	return n, nil
}

// ClaimBool returns the boolean claim name. The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimBool(name string) (bool, error) {
	raw, err := t.claim(name)
	if err != nil {
		return false, err
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, typeMismatch("a boolean")
}

// ClaimContains reports whether claim name equals value (a string claim) or contains it (an
// array claim, e.g. aud or groups). The error is ErrNotFound, or ErrTypeMismatch for a claim
// of another type.
func (t *Token) ClaimContains(name, value string) (bool, error) {
	raw, err := t.claim(name)
	if err != nil {
		return false, err
	}
	switch raw[0] {
	case '"':
		s, _ := jsonString(raw)
		return s == value, nil
	case '[':
		found := false
		forEachElement(raw, func(elem []byte) {
			if !found && elem[0] == '"' {
				s, _ := jsonString(elem)
				found = s == value
			}
		})
		return found, nil
	}
	return false, typeMismatch("a string or an array")
}
