//go:build cgo

package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"unsafe"
)

// MissingScopeError lists the required scopes a token does not grant.
type MissingScopeError struct {
	// Missing are the required scopes absent from the token, in the order required.
	Missing []string
}

// Error names the missing scopes.
func (e *MissingScopeError) Error() string {
	return "jwks: the token lacks the scope " + strings.Join(e.Missing, " ")
}

// ScopeMatch says how HasScopes matches a list of required scopes.
type ScopeMatch uint32

const (
	// AllScopes: every required scope must be granted (an empty list is always met).
	AllScopes ScopeMatch = C.JWKS_SCOPE_MATCH_ALL
	// AnyScope: at least one required scope must be granted (an empty list is never met).
	AnyScope ScopeMatch = C.JWKS_SCOPE_MATCH_ANY
)

// Scopes returns the scopes the token grants, read by the library (jwks_claims_scopes, the
// rule of jwks_token_scope_count), the same in every language: the claim "scope", a string
// split on the space character U+0020 alone (leading, trailing and repeated spaces separate
// nothing; a tab, NBSP, NEL or U+3000 is part of a scope), then the claim "scp", either such
// a string or an array of strings, each element one scope taken whole (an element holding a
// space is one scope, which no required scope can equal); in order, each once. An absent or
// null claim grants nothing. A "scope" that is not a string, or an "scp" that is neither a
// string nor an array of strings, is an ErrInvalidClaim error (the Middleware answers 401
// invalid_token): a token that means to grant scopes in a form that is not read must be
// refused, not read as granting none.
func (t *Token) Scopes() ([]string, error) {
	var n, count C.size_t
	var text []byte
	var ends []C.size_t
	for {
		err := t.claimsCall(func(p *C.char, pn C.size_t, i *C.uint32_t, m C.size_t, e **C.jwks_error) C.jwks_result {
			var buf *C.char
			if len(text) > 0 {
				buf = (*C.char)(unsafe.Pointer(&text[0]))
			}
			var endsPtr *C.size_t
			if len(ends) > 0 {
				endsPtr = &ends[0]
			}
			return C.gojwks_claims_scopes(p, pn, i, m, buf, C.size_t(len(text)), endsPtr, C.size_t(len(ends)), &n, &count, e)
		})
		if err == nil {
			break
		}
		// Too small a room: the sizes needed are in n and count.
		if !errors.Is(err, ErrInvalidArgument) || (int(n) <= len(text) && int(count) <= len(ends)) {
			return nil, err
		}
		text, ends = make([]byte, int(n)), make([]C.size_t, int(count))
	}
	scopes := make([]string, 0, int(count))
	start := 0
	for _, end := range ends[:count] {
		// text is written by C once and never again: the scopes may view it.
		scopes = append(scopes, bytesString(text[start:int(end)]))
		start = int(end)
	}
	return scopes, nil
}

// HasScopes reports whether the token grants the scopes: all of them (AllScopes) or at least
// one (AnyScope). A required scope that is not valid (CheckScope) is an ErrInvalidArgument
// error; the token's scopes are those of Scopes, with its errors.
func (t *Token) HasScopes(match ScopeMatch, scopes ...string) (bool, error) {
	var out C.bool
	// The names back to back, with their lengths: Go memory without pointers, for the call.
	lens := make([]C.size_t, len(scopes)+1)
	var joined string
	if len(scopes) == 1 {
		joined = scopes[0]
	} else {
		joined = strings.Join(scopes, "")
	}
	for i, s := range scopes {
		lens[i] = C.size_t(len(s))
	}
	err := t.claimsCall(func(p *C.char, n C.size_t, i *C.uint32_t, m C.size_t, e **C.jwks_error) C.jwks_result {
		return C.gojwks_claims_has_scopes(p, n, i, m, (*C.char)(unsafe.Pointer(unsafe.StringData(joined))),
			&lens[0], C.size_t(len(scopes)), C.jwks_scope_match(match), &out, e)
	})
	runtime.KeepAlive(joined)
	if err != nil {
		return false, err
	}
	return bool(out), nil
}

// TokenScopes returns the scopes a verified token grants (see Token.Scopes).
func TokenScopes(tok *Token) ([]string, error) { return tok.Scopes() }

// MissingScopes returns the scopes of required that tok does not grant (Token.Scopes), in
// the order required, nil if it grants them all. The error is the one of Token.Scopes, or an
// ErrInvalidArgument error for a required scope that is not valid (CheckScope).
func MissingScopes(tok *Token, required []string) ([]string, error) {
	if len(required) == 0 {
		return nil, nil
	}
	all, err := tok.HasScopes(AllScopes, required...)
	if err != nil || all {
		return nil, err
	}
	var missing []string
	for _, r := range required {
		if has, err := tok.HasScopes(AllScopes, r); err != nil {
			return nil, err
		} else if !has {
			missing = append(missing, r)
		}
	}
	return missing, nil
}

// CheckScope returns nil if scope can be a required scope, and otherwise an
// ErrInvalidArgument error saying why: a scope-token of RFC 6749 §3.3, one or more printable
// ASCII characters other than space, '"' and '\' (the library's rule, jwks_scope_check). A
// required scope holds no separator of any reading of a token's scopes, and can be named in a
// WWW-Authenticate header. Middleware and the grpcjwks interceptors check their scopes with
// it when they are built.
func CheckScope(scope string) error {
	if strings.IndexByte(scope, 0) >= 0 {
		return newError(CodeInvalidArgument, "the required scope "+quoteParam(scope)+" contains a NUL byte")
	}
	var cerr *C.jwks_error
	rc := C.gojwks_scope_check((*C.char)(unsafe.Pointer(unsafe.StringData(scope))), C.size_t(len(scope)), &cerr)
	runtime.KeepAlive(scope)
	if rc != C.JWKS_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// checkScopes panics, naming who, if a scope of scopes is not valid (CheckScope): required
// scopes are configuration, refused when a handler is built rather than on every request.
func checkScopes(who string, scopes []string) {
	for _, s := range scopes {
		if err := CheckScope(s); err != nil {
			panic(who + ": " + err.Error())
		}
	}
}
