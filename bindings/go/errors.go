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

// The names, descriptions and categories of the codes, their constants and sentinel errors
// are generated from the library's catalogue (catalogue_gen.go), so that they cannot differ
// from what the C library says.

// String returns the stable name of the code, e.g. "BAD_SIGNATURE", or "UNKNOWN".
func (c Code) String() string {
	name, _, _, _ := codeInfo(c)
	return name
}

// Description returns the code's one-line English description, the same in every language
// (jwks_result_description): it names no key, URL or claim value, so the middleware sends it
// as the error_description of a refusal.
func (c Code) Description() string {
	_, description, _, _ := codeInfo(c)
	return description
}

// Category returns how a caller should treat the code (CategoryMisuse for an unknown code).
func (c Code) Category() Category {
	_, _, category, _ := codeInfo(c)
	return category
}

// Category says how a caller should treat a failure (jwks_category).
type Category uint32

// String returns a short lower-case name of the category.
func (c Category) String() string {
	if name, ok := categoryName(c); ok {
		return name
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

// IsTokenRejected reports whether err means the token is bad (answer HTTP 401).
func IsTokenRejected(err error) bool { return errors.Is(err, ErrTokenRejected) }

// IsUnavailable reports whether err means the keys could not be obtained (answer HTTP 503).
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// cResultName and cResultCategory ask the C library directly (for the tests, which cannot
// use cgo themselves).
func cResultName(code uint32) string { return C.GoString(C.jwks_result_name(C.uint32_t(code))) }

func cResultDescription(code uint32) string {
	return C.GoString(C.jwks_result_description(C.uint32_t(code)))
}

func cResultCategory(code uint32) Category { return Category(C.jwks_result_category(C.uint32_t(code))) }
