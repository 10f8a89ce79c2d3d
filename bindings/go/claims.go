//go:build cgo

package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strconv"
	"unsafe"
)

// The claim getters ask the library (jwks_claims_*), over the Token's copy of the payload and
// of the index of its members: the library reads the claims with the code that answers its own
// getters (jwks_token_claim_*), so every language gets the same answer for the same token,
// and Go keeps no JSON reader of its own. The rules, for every getter: a claim absent, or any
// claim of a VerifySignature payload that the library does not read as claims (not JSON, not
// an object, a member name twice, a lone surrogate, a number out of range; see
// ClaimsReadable), is ErrNotFound; a claim of another type is ErrTypeMismatch.

// claimsArgs are the C arguments describing the Token's copy of its claims: Go memory,
// passed for the duration of one call.
func (t *Token) claimsArgs() (*C.char, C.size_t, *C.uint32_t, C.size_t) {
	var payload *C.char
	if len(t.payload) > 0 {
		payload = (*C.char)(unsafe.Pointer(&t.payload[0]))
	}
	var index *C.uint32_t
	if t.members > 0 {
		index = (*C.uint32_t)(unsafe.Pointer(&t.buf[0]))
	}
	return payload, C.size_t(len(t.payload)), index, C.size_t(t.members)
}

// usable is nil if t can answer claim queries: made by a Verifier, its payload claims.
func (t *Token) usable() error {
	if t == nil || t.buf == nil {
		return newError(CodeNullArgument, "the token was not made by a Verifier")
	}
	return nil
}

// claim asks the library for claim name as kind says (value: the value of CLAIM_CONTAINS).
func (t *Token) claim(kind C.jwks_claim_kind, name, value string) (C.jwks_claim_value, error) {
	var out C.jwks_claim_value
	if err := t.usable(); err != nil {
		return out, err
	}
	if t.claimsErr != nil {
		return out, newError(CodeNotFound, "no claim "+strconv.Quote(name)+": "+t.claimsErr.(*Error).Message)
	}
	payload, payloadLen, index, members := t.claimsArgs()
	// The strings are Go memory without pointers, read by C during the call only.
	rc := C.gojwks_claims_get(payload, payloadLen, index, members, kind,
		(*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)),
		(*C.char)(unsafe.Pointer(unsafe.StringData(value))), C.size_t(len(value)), nil, 0, &out)
	if rc == C.JWKS_RESULT_INVALID_ARGUMENT && kind == C.JWKS_CLAIM_STRING && out.len > 0 {
		// A string with escapes, decoded: into a buffer of the size it needs.
		buf := make([]byte, int(out.len))
		rc = C.gojwks_claims_get(payload, payloadLen, index, members, kind,
			(*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)), nil, 0,
			(*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &out)
		runtime.KeepAlive(buf)
	}
	runtime.KeepAlive(t)
	runtime.KeepAlive(name)
	runtime.KeepAlive(value)
	switch code := Code(rc); code {
	case CodeOK:
		return out, nil
	case CodeNotFound:
		return out, newError(code, "no claim "+strconv.Quote(name))
	case CodeTypeMismatch:
		what := map[C.jwks_claim_kind]string{C.JWKS_CLAIM_STRING: "a string", C.JWKS_CLAIM_INT: "an integer",
			C.JWKS_CLAIM_BOOL: "a boolean", C.JWKS_CLAIM_CONTAINS: "a string or an array"}[kind]
		return out, newError(code, "the claim "+strconv.Quote(name)+" is not "+what)
	default:
		return out, newError(code, code.Description())
	}
}

// claimBytes views the bytes a getter returned: in the Token's payload (a plain string, any
// ClaimRaw), without a copy, else (a string with escapes, decoded into a buffer of its own,
// which nothing writes again) as they are.
func (t *Token) claimBytes(out *C.jwks_claim_value) string {
	if out.len == 0 {
		return ""
	}
	p, n := uintptr(unsafe.Pointer(out.str)), uintptr(out.len)
	if len(t.payload) > 0 {
		base := uintptr(unsafe.Pointer(&t.payload[0]))
		if p >= base && p+n <= base+uintptr(len(t.payload)) {
			off := p - base
			return bytesString(t.payload[off : off+n])
		}
	}
	return unsafe.String((*byte)(unsafe.Pointer(out.str)), int(n))
}

// ClaimString returns the string claim name. The error is ErrNotFound if it is absent,
// ErrTypeMismatch if it is not a string.
func (t *Token) ClaimString(name string) (string, error) {
	out, err := t.claim(C.JWKS_CLAIM_STRING, name, "")
	if err != nil {
		return "", err
	}
	return t.claimBytes(&out), nil
}

// ClaimRaw returns the JSON of claim name's value exactly as the payload holds it (a string
// with its quotes and escapes, a number as written), or ErrNotFound.
func (t *Token) ClaimRaw(name string) (json.RawMessage, error) {
	out, err := t.claim(C.JWKS_CLAIM_JSON, name, "")
	if err != nil {
		return nil, err
	}
	return json.RawMessage(t.claimBytes(&out)), nil
}

// ClaimInt returns the integer claim name: a JSON number without fraction or exponent that
// fits in int64 (e.g. exp); -0 is not one (the library reads it as the floating-point negative
// zero). The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimInt(name string) (int64, error) {
	out, err := t.claim(C.JWKS_CLAIM_INT, name, "")
	if err != nil {
		return 0, err
	}
	return int64(out.integer), nil
}

// ClaimBool returns the boolean claim name. The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimBool(name string) (bool, error) {
	out, err := t.claim(C.JWKS_CLAIM_BOOL, name, "")
	if err != nil {
		return false, err
	}
	return bool(out.boolean), nil
}

// ClaimContains reports whether claim name equals value (a string claim) or contains it (an
// array claim, e.g. aud or groups). The error is ErrNotFound, or ErrTypeMismatch for a claim
// of another type.
func (t *Token) ClaimContains(name, value string) (bool, error) {
	out, err := t.claim(C.JWKS_CLAIM_CONTAINS, name, value)
	if err != nil {
		return false, err
	}
	return bool(out.boolean), nil
}

// claimsCall runs a jwks_claims_* call over the Token's copy of its claims, which must be
// claims (else the error is why not).
func (t *Token) claimsCall(f func(*C.char, C.size_t, *C.uint32_t, C.size_t, **C.jwks_error) C.jwks_result) error {
	if err := t.usable(); err != nil {
		return err
	}
	if t.claimsErr != nil {
		return t.claimsErr
	}
	var cerr *C.jwks_error
	payload, payloadLen, index, members := t.claimsArgs()
	rc := f(payload, payloadLen, index, members, &cerr)
	runtime.KeepAlive(t)
	if rc != C.JWKS_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// ClaimsReadable returns nil if the payload is a claims object that the claim getters read:
// always for a token from Verify. For one from VerifySignature, the library read the payload
// under the rules of the claim checks when it verified it, and the error is the one Verify
// would give it (ErrInvalidClaim, or ErrTooLarge when nested too deep), saying why; then every
// getter answers ErrNotFound.
func (t *Token) ClaimsReadable() error {
	if err := t.usable(); err != nil {
		return err
	}
	return t.claimsErr
}

// ClaimsCaseUnique returns nil if no two member names of one object of the payload (at any
// depth) are equal under case folding, and otherwise an ErrInvalidClaim naming two of them
// (or the error of ClaimsReadable). The folding is a superset of Unicode simple case
// folding, the one of encoding/json and strings.EqualFold: "iss", "Iss" and "ISS" are one
// name, as are "k", "K" and the Kelvin sign U+212A, and "s", "S" and U+017F.
func (t *Token) ClaimsCaseUnique() error {
	return t.claimsCall(func(p *C.char, n C.size_t, i *C.uint32_t, m C.size_t, e **C.jwks_error) C.jwks_result {
		return C.gojwks_claims_case_unique(p, n, i, m, e)
	})
}

// UnmarshalClaims decodes the payload into v with encoding/json, numbers stored in interface
// values (map[string]any, any) as json.Number: the number exactly as written, never rounded
// through float64 (use its Int64, Float64 or String method). Typed fields decode as usual.
//
// encoding/json fills a struct field from any member whose name equals the field's under
// case folding, the last one winning: given {"iss":"https://idp.example/",
// "Iss":"https://evil.example/"}, the claim checks and ClaimString("iss") read the first, a
// field `json:"iss"` would get the second. So UnmarshalClaims first asks the library whether
// two member names of one object, at any depth, differ only in case (ClaimsCaseUnique), and
// refuses such a payload with that ErrInvalidClaim error, as it refuses a VerifySignature
// payload that is not claims (ClaimsReadable): whatever it decodes is then the value the
// library validated. (The library refuses every number beyond the 64-bit range, and duplicate
// names, invalid UTF-8 and lone surrogates, where encoding/json would pick or replace.)
func (t *Token) UnmarshalClaims(v any) error {
	if err := t.ClaimsCaseUnique(); err != nil {
		return err
	}
	return decodeJSON(t.payload, v)
}

// decodeJSON decodes the single JSON value data into v like json.Unmarshal, except that a
// number stored in an interface value becomes a json.Number holding the number as written
// instead of a float64, which would silently round integers beyond 2^53 (ids, big counters).
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// json.Unmarshal refuses anything after the value; a Decoder would leave it unread.
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("jwks: invalid data after the top-level JSON value")
	}
	return nil
}
