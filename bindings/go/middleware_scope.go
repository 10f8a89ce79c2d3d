//go:build cgo

package jwks

import (
	"encoding/json"
	"errors"
	"strings"
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

// TokenScopes returns the scopes a verified token grants, in order and without duplicates:
// the union of the claim "scope", a string of space-separated scopes (RFC 8693 §4.2, RFC
// 9068 §2.2.3), and the claim "scp", either such a string or an array of strings, one scope
// each (used by Azure AD, Okta and others). An absent claim grants nothing. A "scope" that is
// not a string, or an "scp" that is neither a string nor an array of strings, is an error
// (the Middleware answers 401 invalid_token): a token that means to grant scopes in a
// form this function does not read should be refused, not read as granting none.
func TokenScopes(tok *Token) ([]string, error) {
	var scopes []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			scopes = append(scopes, s)
		}
	}
	for _, name := range []string{"scope", "scp"} {
		raw, err := tok.ClaimRaw(name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			for _, f := range strings.Fields(s) {
				add(f)
			}
			continue
		}
		var list []string
		if name == "scp" && raw[0] == '[' && json.Unmarshal(raw, &list) == nil {
			for _, f := range list {
				add(f)
			}
			continue
		}
		if name == "scope" {
			return nil, newError(CodeTypeMismatch, `the claim "scope" is not a string`)
		}
		return nil, newError(CodeTypeMismatch, `the claim "scp" is neither a string nor an array of strings`)
	}
	return scopes, nil
}

// MissingScopes returns the scopes of required that tok does not grant (TokenScopes), nil
// if it grants them all; the error is the one of TokenScopes.
func MissingScopes(tok *Token, required []string) ([]string, error) {
	if len(required) == 0 {
		return nil, nil
	}
	granted, err := TokenScopes(tok)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, r := range required {
		found := false
		for _, g := range granted {
			if g == r {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, r)
		}
	}
	return missing, nil
}
