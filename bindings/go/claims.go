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
	"strings"
	"unsafe"
)

// The claim getters ask the C token (jwks_token_claim_*): the library reads the payload with
// the reader that validated it, so every language gets the same answer for the same token,
// and Go keeps no JSON reader of its own. The rules, for every getter: a claim absent, or any
// claim of a VerifySignature payload that the library does not read as claims (not JSON, not
// an object, a member name twice, a lone surrogate, a number out of range; see
// ClaimsReadable), is ErrNotFound; a claim of another type is ErrTypeMismatch.

// claim asks the C token for claim name as op says (value: the value of CLAIM_CONTAINS).
func (t *Token) claim(op C.int, name, value string) (C.gojwks_claim, error) {
	var out C.gojwks_claim
	if t == nil || t.c == nil {
		return out, newError(CodeNullArgument, "the token was not made by a Verifier")
	}
	if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
		return out, newError(CodeInvalidArgument, "a claim name or value contains a NUL byte")
	}
	// The strings are Go memory without pointers, read by C during the call only.
	C.gojwks_claim_get(t.c, op, (*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)),
		(*C.char)(unsafe.Pointer(unsafe.StringData(value))), C.size_t(len(value)), &out)
	runtime.KeepAlive(t.buf)
	runtime.KeepAlive(name)
	runtime.KeepAlive(value)
	switch code := Code(out.code); code {
	case CodeOK:
		return out, nil
	case CodeNotFound:
		return out, newError(code, "no claim "+strconv.Quote(name))
	case CodeTypeMismatch:
		what := map[C.int]string{C.GOJWKS_CLAIM_STRING: "a string", C.GOJWKS_CLAIM_INT: "an integer",
			C.GOJWKS_CLAIM_BOOL: "a boolean", C.GOJWKS_CLAIM_CONTAINS: "a string or an array"}[op]
		return out, newError(code, "the claim "+strconv.Quote(name)+" is not "+what)
	default:
		return out, newError(code, code.Description())
	}
}

// claimBytes views the bytes a getter returned (owned by the C token) in the Token's copy of
// the payload when they lie in the C token's payload (a plain string, any ClaimRaw), else
// copies them (a string with escapes, decoded).
func (t *Token) claimBytes(out *C.gojwks_claim) string {
	p, n := uintptr(unsafe.Pointer(out.str)), uintptr(out.len)
	if p >= t.cPayload && p+n <= t.cPayload+uintptr(len(t.payload)) {
		off := p - t.cPayload
		return bytesString(t.payload[off : off+n])
	}
	s := C.GoStringN(out.str, C.int(out.len))
	runtime.KeepAlive(t.buf)
	return s
}

// ClaimString returns the string claim name. The error is ErrNotFound if it is absent,
// ErrTypeMismatch if it is not a string.
func (t *Token) ClaimString(name string) (string, error) {
	out, err := t.claim(C.GOJWKS_CLAIM_STRING, name, "")
	if err != nil {
		return "", err
	}
	return t.claimBytes(&out), nil
}

// ClaimRaw returns the JSON of claim name's value exactly as the payload holds it (a string
// with its quotes and escapes, a number as written), or ErrNotFound.
func (t *Token) ClaimRaw(name string) (json.RawMessage, error) {
	out, err := t.claim(C.GOJWKS_CLAIM_JSON, name, "")
	if err != nil {
		return nil, err
	}
	return json.RawMessage(t.claimBytes(&out)), nil
}

// ClaimInt returns the integer claim name: a JSON number without fraction or exponent that
// fits in int64 (e.g. exp); -0 is not one (the library reads it as the floating-point negative
// zero). The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimInt(name string) (int64, error) {
	out, err := t.claim(C.GOJWKS_CLAIM_INT, name, "")
	if err != nil {
		return 0, err
	}
	return int64(out.i), nil
}

// ClaimBool returns the boolean claim name. The error is ErrNotFound or ErrTypeMismatch.
func (t *Token) ClaimBool(name string) (bool, error) {
	out, err := t.claim(C.GOJWKS_CLAIM_BOOL, name, "")
	if err != nil {
		return false, err
	}
	return out.b != 0, nil
}

// ClaimContains reports whether claim name equals value (a string claim) or contains it (an
// array claim, e.g. aud or groups). The error is ErrNotFound, or ErrTypeMismatch for a claim
// of another type.
func (t *Token) ClaimContains(name, value string) (bool, error) {
	out, err := t.claim(C.GOJWKS_CLAIM_CONTAINS, name, value)
	if err != nil {
		return false, err
	}
	return out.b != 0, nil
}

// tokenCall runs a C call taking the C token and an error out-parameter.
func (t *Token) tokenCall(f func(*C.jwks_token, **C.jwks_error) C.jwks_result) error {
	if t == nil || t.c == nil {
		return newError(CodeNullArgument, "the token was not made by a Verifier")
	}
	var cerr *C.jwks_error
	rc := f(t.c, &cerr)
	runtime.KeepAlive(t.buf)
	if rc != C.JWKS_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// ClaimsReadable returns nil if the payload is a claims object that the claim getters read:
// always for a token from Verify. For one from VerifySignature, the payload is read under the
// rules of the claim checks, and the error is the one Verify would give it (ErrInvalidClaim,
// or ErrTooLarge when nested too deep), saying why; then every getter answers ErrNotFound.
func (t *Token) ClaimsReadable() error {
	return t.tokenCall(func(p *C.jwks_token, e **C.jwks_error) C.jwks_result {
		return C.jwks_token_claims_readable(p, e)
	})
}

// ClaimsCaseUnique returns nil if no two member names of one object of the payload (at any
// depth) are equal under case folding, and otherwise an ErrInvalidClaim naming two of them
// (or the error of ClaimsReadable). The folding is a superset of Unicode simple case
// folding, the one of encoding/json and strings.EqualFold: "iss", "Iss" and "ISS" are one
// name, as are "k", "K" and the Kelvin sign U+212A, and "s", "S" and U+017F.
func (t *Token) ClaimsCaseUnique() error {
	return t.tokenCall(func(p *C.jwks_token, e **C.jwks_error) C.jwks_result {
		return C.jwks_token_claims_case_unique(p, e)
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
