package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"strconv"
)

// Code is a stable result code of the C library (jwks_result). The numbers never change:
// 1-99 the token was rejected, 100-199 the keys are unavailable, 200-299 the API was misused,
// 300-399 a claim lookup found nothing.
type Code uint32

// The result codes, equal to the JWKS_RESULT_* constants of jwks.h.
const (
	CodeOK                  Code = 0
	CodeMalformed           Code = 1
	CodeTooLarge            Code = 2
	CodeAlgorithmNotAllowed Code = 3
	CodeCritUnsupported     Code = 4
	CodeUnknownKey          Code = 5
	CodeAmbiguousKey        Code = 6
	CodeKeyMismatch         Code = 7
	CodeBadSignature        Code = 8
	CodeExpired             Code = 9
	CodeNotYetValid         Code = 10
	CodeIssuedInFuture      Code = 11
	CodeTooOld              Code = 12
	CodeWrongIssuer         Code = 13
	CodeWrongAudience       Code = 14
	CodeMissingClaim        Code = 15
	CodeInvalidClaim        Code = 16
	CodeWrongType           Code = 17
	CodeKeysUnavailable     Code = 100
	CodeKeySetInvalid       Code = 101
	CodeNullArgument        Code = 200
	CodeInvalidArgument     Code = 201
	CodeInsecureURL         Code = 202
	CodeInternal            Code = 203
	CodeNotFound            Code = 300
	CodeTypeMismatch        Code = 301
)

// codeNames holds the stable names of jwks_result_name, kept in Go so that building an error
// costs no extra C call (a test checks that both agree).
var codeNames = map[Code]string{
	CodeOK:                  "OK",
	CodeMalformed:           "MALFORMED",
	CodeTooLarge:            "TOO_LARGE",
	CodeAlgorithmNotAllowed: "ALGORITHM_NOT_ALLOWED",
	CodeCritUnsupported:     "CRIT_UNSUPPORTED",
	CodeUnknownKey:          "UNKNOWN_KEY",
	CodeAmbiguousKey:        "AMBIGUOUS_KEY",
	CodeKeyMismatch:         "KEY_MISMATCH",
	CodeBadSignature:        "BAD_SIGNATURE",
	CodeExpired:             "EXPIRED",
	CodeNotYetValid:         "NOT_YET_VALID",
	CodeIssuedInFuture:      "ISSUED_IN_FUTURE",
	CodeTooOld:              "TOO_OLD",
	CodeWrongIssuer:         "WRONG_ISSUER",
	CodeWrongAudience:       "WRONG_AUDIENCE",
	CodeMissingClaim:        "MISSING_CLAIM",
	CodeInvalidClaim:        "INVALID_CLAIM",
	CodeWrongType:           "WRONG_TYPE",
	CodeKeysUnavailable:     "KEYS_UNAVAILABLE",
	CodeKeySetInvalid:       "KEY_SET_INVALID",
	CodeNullArgument:        "NULL_ARGUMENT",
	CodeInvalidArgument:     "INVALID_ARGUMENT",
	CodeInsecureURL:         "INSECURE_URL",
	CodeInternal:            "INTERNAL",
	CodeNotFound:            "NOT_FOUND",
	CodeTypeMismatch:        "TYPE_MISMATCH",
}

// String returns the stable name of the code, e.g. "BAD_SIGNATURE", or "UNKNOWN".
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return "UNKNOWN"
}

// Description returns a one-line English description of the code, from the library.
func (c Code) Description() string {
	return C.GoString(C.jwks_result_description(C.uint32_t(c)))
}

// Category returns how a caller should treat the code.
func (c Code) Category() Category {
	switch {
	case c == CodeOK:
		return CategoryOK
	case codeNames[c] == "":
		return CategoryMisuse
	case c < 100:
		return CategoryTokenRejected
	case c < 200:
		return CategoryKeysUnavailable
	case c >= 300 && c < 400:
		return CategoryLookup
	default:
		return CategoryMisuse
	}
}

// Category says how a caller should treat a failure (jwks_category).
type Category uint32

// The categories, equal to the JWKS_CATEGORY_* constants of jwks.h.
const (
	// CategoryOK is the category of CodeOK.
	CategoryOK Category = 0
	// CategoryTokenRejected: the token is bad; answer HTTP 401.
	CategoryTokenRejected Category = 1
	// CategoryKeysUnavailable: the keys could not be obtained; answer HTTP 503, retry later.
	CategoryKeysUnavailable Category = 2
	// CategoryMisuse: the API was misused (a bug in the caller), or the code is unknown.
	CategoryMisuse Category = 3
	// CategoryLookup: a claim lookup on a verified token found nothing.
	CategoryLookup Category = 4
)

// String returns a short lower-case name of the category.
func (c Category) String() string {
	switch c {
	case CategoryOK:
		return "ok"
	case CategoryTokenRejected:
		return "token rejected"
	case CategoryKeysUnavailable:
		return "keys unavailable"
	case CategoryMisuse:
		return "misuse"
	case CategoryLookup:
		return "lookup"
	}
	return "category " + strconv.FormatUint(uint64(c), 10)
}

// Error is a failure reported by the library: its stable code and name, its category, and the
// library's precise message (which never contains key material).
//
// Compare with the sentinels through errors.Is: errors.Is(err, ErrExpired) matches any
// *Error with CodeExpired, and errors.Is(err, ErrTokenRejected) matches every code of the
// token-rejected category.
type Error struct {
	Code     Code
	Name     string
	Message  string
	Category Category
}

// Error implements error: "jwks: NAME: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return "jwks: " + e.Name
	}
	return "jwks: " + e.Name + ": " + e.Message
}

// Is reports whether target is the sentinel of e's code or of e's category.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case *Error:
		return t.Code == e.Code
	case *categoryError:
		return t.category == e.Category
	}
	return false
}

// newError builds an *Error for a code with the given message.
func newError(code Code, message string) *Error {
	return &Error{Code: code, Name: code.String(), Message: message, Category: code.Category()}
}

// takeError turns a C jwks_error into an *Error and frees it at once. A NULL err (no details)
// gets the code's description as its message.
func takeError(code C.jwks_result, err *C.jwks_error) *Error {
	if err == nil {
		c := Code(code)
		return newError(c, c.Description())
	}
	e := newError(Code(C.jwks_error_code(err)), C.GoString(C.jwks_error_message(err)))
	C.jwks_error_free(err)
	return e
}

// categoryError is the type of the category sentinels.
type categoryError struct {
	category Category
	text     string
}

func (c *categoryError) Error() string { return c.text }

func sentinel(code Code) *Error {
	return &Error{Code: code, Name: code.String(), Category: code.Category()}
}

// Category sentinels: errors.Is(err, ErrTokenRejected) holds for every code 1-99.
var (
	// ErrTokenRejected matches every failure for which the token itself is to blame (the
	// codes 1-99): answer HTTP 401.
	ErrTokenRejected error = &categoryError{CategoryTokenRejected, "jwks: token rejected"}
	// ErrUnavailable matches every failure to obtain usable keys (ErrKeysUnavailable and
	// ErrKeySetInvalid): answer HTTP 503 and retry later. Prefer it to ErrKeysUnavailable
	// when choosing a status code.
	ErrUnavailable error = &categoryError{CategoryKeysUnavailable, "jwks: keys unavailable"}
	// ErrMisuse matches every failure caused by a bad argument or a bug (codes 200-299).
	ErrMisuse error = &categoryError{CategoryMisuse, "jwks: API misuse"}
	// ErrLookup matches a claim getter finding nothing (ErrNotFound, ErrTypeMismatch).
	ErrLookup error = &categoryError{CategoryLookup, "jwks: claim lookup failed"}
)

// ErrClosed is returned by every method of a Verifier after Close.
var ErrClosed = errors.New("jwks: the verifier is closed")

// Sentinels, one per code: errors.Is(err, ErrExpired) holds for any *Error with CodeExpired.
var (
	ErrMalformed           = sentinel(CodeMalformed)
	ErrTooLarge            = sentinel(CodeTooLarge)
	ErrAlgorithmNotAllowed = sentinel(CodeAlgorithmNotAllowed)
	ErrCritUnsupported     = sentinel(CodeCritUnsupported)
	ErrUnknownKey          = sentinel(CodeUnknownKey)
	ErrAmbiguousKey        = sentinel(CodeAmbiguousKey)
	ErrKeyMismatch         = sentinel(CodeKeyMismatch)
	ErrBadSignature        = sentinel(CodeBadSignature)
	ErrExpired             = sentinel(CodeExpired)
	ErrNotYetValid         = sentinel(CodeNotYetValid)
	ErrIssuedInFuture      = sentinel(CodeIssuedInFuture)
	ErrTooOld              = sentinel(CodeTooOld)
	ErrWrongIssuer         = sentinel(CodeWrongIssuer)
	ErrWrongAudience       = sentinel(CodeWrongAudience)
	ErrMissingClaim        = sentinel(CodeMissingClaim)
	ErrInvalidClaim        = sentinel(CodeInvalidClaim)
	ErrWrongType           = sentinel(CodeWrongType)
	ErrKeysUnavailable     = sentinel(CodeKeysUnavailable)
	ErrKeySetInvalid       = sentinel(CodeKeySetInvalid)
	ErrNullArgument        = sentinel(CodeNullArgument)
	ErrInvalidArgument     = sentinel(CodeInvalidArgument)
	ErrInsecureURL         = sentinel(CodeInsecureURL)
	ErrInternal            = sentinel(CodeInternal)
	ErrNotFound            = sentinel(CodeNotFound)
	ErrTypeMismatch        = sentinel(CodeTypeMismatch)
)

// IsTokenRejected reports whether err means the token is bad (answer HTTP 401).
func IsTokenRejected(err error) bool { return errors.Is(err, ErrTokenRejected) }

// IsUnavailable reports whether err means the keys could not be obtained (answer HTTP 503).
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// cResultName and cResultCategory ask the C library directly (for the tests, which cannot
// use cgo themselves).
func cResultName(code uint32) string { return C.GoString(C.jwks_result_name(C.uint32_t(code))) }

func cResultCategory(code uint32) Category { return Category(C.jwks_result_category(C.uint32_t(code))) }
