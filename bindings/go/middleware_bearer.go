//go:build cgo

package jwks

import (
	"errors"
	"strings"
)

// ErrNoBearer is returned by BearerToken when the request has no bearer credential: no
// Authorization header, or one of another scheme (e.g. Basic). Answer 401 with a bare
// `WWW-Authenticate: Bearer` challenge.
var ErrNoBearer = errors.New("jwks: no bearer token in the Authorization header")

// ErrBearerQuery is the error of a request that carries an access_token in its query string
// (RFC 6750 §2.3), which Middleware refuses: URLs are logged and cached, headers are not.
var ErrBearerQuery = errors.New("jwks: access_token in the query string is not accepted")

// ErrMalformedAuthorization is returned by BearerToken for an Authorization header that
// is not exactly one `Bearer <token>` credential. Answer 400 invalid_request.
var ErrMalformedAuthorization = errors.New("jwks: malformed Authorization header")

// BearerToken returns the token of the Authorization header whose values (all the fields
// of that name, as http.Header.Values or gRPC metadata return them) are given, following
// RFC 6750 §2.1: exactly one field, the scheme "Bearer" in any case, one or more spaces,
// then one b64token (letters, digits, "-._~+/", then optional "=" padding), nothing after
// it. The error is ErrNoBearer when there is no field or its scheme is another one, and
// wraps ErrMalformedAuthorization otherwise (several fields, no token, a second
// credential, a character outside b64token).
func BearerToken(values []string) (string, error) {
	token, err := bearerCredential(values)
	if err != nil {
		return "", err
	}
	if !isB64Token(token) {
		return "", errNotB64Token
	}
	return token, nil
}

// bearerCredential is BearerToken without its last check, that the credential is one
// b64token: Authenticate makes that check only when the library refuses the token, since a
// token that the library verifies is made of base64url characters and dots, all of which
// are b64token characters (a ~700-byte token costs about as long to scan byte by byte as a
// token cache hit).
func bearerCredential(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", ErrNoBearer
	case 1:
	default:
		return "", malformed("several Authorization fields")
	}
	v := strings.Trim(values[0], " \t") // optional whitespace around a field value
	if v == "" {
		return "", malformed("empty Authorization field")
	}
	scheme, rest, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		// An auth-scheme is an RFC 9110 token: "Bearer\tabc" or "Bearer,abc" is malformed,
		// "Basic" or "Bearerabc" is another scheme.
		if !isHTTPToken(scheme) {
			return "", malformed("the scheme is not followed by a space")
		}
		return "", ErrNoBearer
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", malformed("no token after Bearer")
	}
	return token, nil
}

var errNotB64Token = malformed("the token is not one b64token (RFC 6750 §2.1)")

func malformed(why string) error {
	return &bearerError{why}
}

type bearerError struct{ why string }

func (e *bearerError) Error() string        { return ErrMalformedAuthorization.Error() + ": " + e.why }
func (e *bearerError) Is(target error) bool { return target == ErrMalformedAuthorization }

// isB64Token reports whether s matches b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
// "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

// isHTTPToken reports whether s is an RFC 9110 token (1*tchar).
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
