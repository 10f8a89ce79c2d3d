//go:build cgo

package jwks

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// A small scanner over the top level of a JSON object, so that reading one claim costs a walk
// over the payload's bytes instead of a full decode. It only ever sees text already known to
// be valid JSON (the library parsed the payload of every JWT it verified, and VerifySignature
// payloads are checked with json.Valid first), and still never reads out of bounds on any
// input: a scan that goes wrong reports "not found".

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func firstNonSpace(b []byte) byte {
	if i := skipSpace(b, 0); i < len(b) {
		return b[i]
	}
	return 0
}

// skipString returns the index after the string starting at b[i] == '"', or -1: the first
// quote after it that an even run of backslashes precedes.
func skipString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		if !escaped(b, q, i) {
			return q + 1
		}
		j = q + 1
	}
}

// escaped reports whether the quote at b[q] is escaped: an odd run of backslashes before it,
// counted back to (not including) b[floor].
func escaped(b []byte, q, floor int) bool {
	backslashes := 0
	for p := q - 1; p > floor && b[p] == '\\'; p-- {
		backslashes++
	}
	return backslashes%2 == 1
}

// skipValue returns the index after the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default:
		start := i
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
			i++
		}
		if i == start {
			return -1
		}
		return i
	}
}

// findMember returns the raw value of member name of the JSON object obj. With duplicate
// names the last one wins, as in the library's own claim getters; unique says obj is known to
// have none, so the first match can be returned at once.
func findMember(obj []byte, name string, unique bool) ([]byte, bool) {
	if unique {
		if raw, ok := findFlatMember(obj, name); ok {
			return raw, true
		}
	}
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return nil, false
	}
	var found []byte
	for i < len(obj) && obj[i] == '"' {
		end := skipString(obj, i)
		if end < 0 {
			return nil, false
		}
		key := obj[i:end]
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipSpace(obj, i+1)
		valueEnd := skipValue(obj, i)
		if valueEnd < 0 {
			return nil, false
		}
		if keyEquals(key, name) {
			found = obj[i:valueEnd:valueEnd]
			if unique {
				break
			}
		}
		i = skipSpace(obj, valueEnd)
		if i >= len(obj) || obj[i] != ',' {
			break
		}
		i = skipSpace(obj, i+1)
	}
	return found, found != nil
}

// findFlatMember is findMember's shortcut for the usual token: a valid JSON object with
// unique names and no object nested in it (no '{' after the first, not even in a string), and
// a plain name (ASCII letters, digits, '_', '-', '.', ':', starting with a letter or '_').
// Then one search for the name replaces the walk over every member before it (most of a
// claim read, as "sub" comes late in sorted claims), and the first `"name"` followed by ':'
// that is not inside a string is the member:
//   - a quote after an even run of backslashes is a string's delimiter; it cannot be a closing
//     one here, as valid JSON has only whitespace , : } ] after a string, never a letter or '_';
//   - so `"name"` is a whole string, a string followed by ':' is a member name, and without
//     nested objects every member name is at the top level; names being unique, it is the one.
//
// false means "not found this way" (the name may be written with escapes, or obj nests
// objects): the caller walks the object.
func findFlatMember(obj []byte, name string) ([]byte, bool) {
	if !plainName(name) {
		return nil, false
	}
	open := skipSpace(obj, 0)
	if open >= len(obj) || obj[open] != '{' || bytes.IndexByte(obj[open+1:], '{') >= 0 {
		return nil, false
	}
	text := bytesString(obj)
	for from := open + 1; from < len(text); {
		k := strings.Index(text[from:], name)
		if k < 0 {
			return nil, false
		}
		at, end := from+k, from+k+len(name)
		from = at + 1
		if text[at-1] != '"' || end >= len(text) || text[end] != '"' {
			continue
		}
		if escaped(obj, at-1, open) {
			continue
		}
		i := skipSpace(obj, end+1)
		if i >= len(obj) || obj[i] != ':' {
			continue
		}
		i = skipSpace(obj, i+1)
		valueEnd := skipValue(obj, i)
		if valueEnd < 0 {
			return nil, false
		}
		return obj[i:valueEnd:valueEnd], true
	}
	return nil, false
}

// plainName reports whether name is non-empty ASCII letters, digits, '_', '-', '.' and ':',
// starting with a letter or '_' (see findFlatMember).
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':')) {
			return false
		}
	}
	return len(name) > 0
}

// keyEquals compares a raw JSON string (quotes included) with name.
func keyEquals(raw []byte, name string) bool {
	inner := raw[1 : len(raw)-1]
	// An escape only ever makes the raw text longer than the name it spells, so raw text of
	// the name's length or shorter matches only as is.
	if len(inner) <= len(name) {
		return string(inner) == name
	}
	if !hasEscape(inner) {
		return false
	}
	s, ok := jsonString(raw)
	return ok && s == name
}

func hasEscape(raw []byte) bool { return bytes.IndexByte(raw, '\\') >= 0 }

// jsonString decodes a raw JSON string value. Without escapes the result aliases raw, which
// must therefore never change (it is always part of a token's immutable buffer).
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if !hasEscape(raw) {
		// A view, not a copy: raw is part of a token's buffer, which never changes.
		return bytesString(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// jsonInt decodes a raw JSON number written as an integer (no fraction, no exponent) that
// fits in int64, the rule of the library's jwks_token_claim_int. Like it, jsonInt refuses
// -0: the library reads -0 as the floating-point negative zero, not as an integer.
func jsonInt(raw []byte) (int64, bool) {
	if string(raw) == "-0" {
		return 0, false
	}
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// forEachElement calls f with each raw element of the JSON array arr.
func forEachElement(arr []byte, f func([]byte)) {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return
	}
	i = skipSpace(arr, i+1)
	for i < len(arr) && arr[i] != ']' {
		end := skipValue(arr, i)
		if end < 0 {
			return
		}
		f(arr[i:end])
		i = skipSpace(arr, end)
		if i >= len(arr) || arr[i] != ',' {
			return
		}
		i = skipSpace(arr, i+1)
	}
}

func quote(s string) string { return strconv.Quote(s) }

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
