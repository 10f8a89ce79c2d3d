package jwks

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unsafe"
)

// The Options struct and its apply method are generated from the library's options catalogue
// (options_gen.go): each field calls its C setter through one of the helpers below, which
// convert Go values by kind (whole seconds or milliseconds of a time.Duration, sizes, counts,
// strings without NUL) and leave the ranges to the library.

// cOptions owns a C jwks_options built from Options; free it with free().
type cOptions struct {
	ptr *C.jwks_options
}

func (o cOptions) free() { C.jwks_options_free(o.ptr) }

// optionError reports a setter's refusal; the setters give no details, so the message names
// the field and adds the code's description and the range the library accepts.
func optionError(field string, code C.jwks_result) *Error {
	c := Code(code)
	message := fmt.Sprintf("Options.%s: %s", field, c.Description())
	if r := optionRange(field); r != "" && c == CodeInvalidArgument {
		message += " (range: " + r + ")"
	}
	return newError(c, message)
}

func invalidOption(field, format string, args ...any) *Error {
	return newError(CodeInvalidArgument, "Options."+field+": "+fmt.Sprintf(format, args...))
}

// wholeUnits converts d to a whole number of unit, refusing negative, fractional or too large
// values.
func wholeUnits(field string, d, unit time.Duration) (C.uint32_t, *Error) {
	if d < 0 {
		return 0, invalidOption(field, "negative duration %v", d)
	}
	if d%unit != 0 {
		return 0, invalidOption(field, "%v is not a whole number of %v", d, unit)
	}
	n := d / unit
	if n > math.MaxUint32 {
		return 0, invalidOption(field, "%v is too large", d)
	}
	return C.uint32_t(n), nil
}

// withCString calls f with a C copy of s, freed afterwards.
func withCString(s string, f func(*C.char) C.jwks_result) C.jwks_result {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	return f(cs)
}

// build makes the C options (the defaults for a nil *Options).
func (o *Options) build() (cOptions, error) {
	ptr := C.jwks_options_new()
	if ptr == nil {
		return cOptions{}, newError(CodeInternal, "jwks_options_new returned NULL")
	}
	opts := cOptions{ptr}
	if o == nil {
		return opts, nil
	}
	if err := o.apply(ptr); err != nil {
		opts.free()
		return cOptions{}, err
	}
	return opts, nil
}

func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// check turns a setter's result into an error naming the field.
func check(field string, rc C.jwks_result) error {
	if rc != C.JWKS_RESULT_OK {
		return optionError(field, rc)
	}
	return nil
}

// setDuration sets a duration counted in whole units (skipped when zero).
func setDuration(field string, d, unit time.Duration, set func(C.uint32_t) C.jwks_result) error {
	if d == 0 {
		return nil
	}
	n, err := wholeUnits(field, d, unit)
	if err != nil {
		return err
	}
	return check(field, set(n))
}

// setDurationPair sets a (minimum, maximum) pair of durations: both or neither.
func setDurationPair(minField, maxField string, lo, hi, unit time.Duration, set func(C.uint32_t, C.uint32_t) C.jwks_result) error {
	if lo == 0 && hi == 0 {
		return nil
	}
	if lo == 0 || hi == 0 {
		return invalidOption(minField, "set both %s and %s, or neither", minField, maxField)
	}
	a, err := wholeUnits(minField, lo, unit)
	if err != nil {
		return err
	}
	b, err := wholeUnits(maxField, hi, unit)
	if err != nil {
		return err
	}
	return check(minField+"/"+maxField, set(a, b))
}

// setSize sets a size in bytes (skipped when zero).
func setSize(field string, n int, set func(C.size_t) C.jwks_result) error {
	if n == 0 {
		return nil
	}
	if n < 0 {
		return invalidOption(field, "negative size %d", n)
	}
	return check(field, set(C.size_t(n)))
}

// setCount sets a count (skipped when zero), or 0 when off is set.
func setCount(field string, n int, off bool, set func(C.uint32_t) C.jwks_result) error {
	if off {
		return check(field, set(0))
	}
	if n == 0 {
		return nil
	}
	if n < 0 || int64(n) > math.MaxUint32 {
		// cgo would pass it modulo 2^32: a huge count would become a small one.
		return invalidOption(field, "%d is not a count the C API can take (0 to %d)", n, uint32(math.MaxUint32))
	}
	return check(field, set(C.uint32_t(n)))
}

// setFlag calls set when the field is true (false is the default).
func setFlag(field string, on bool, set func() C.jwks_result) error {
	if !on {
		return nil
	}
	return check(field, set())
}

// setString sets a string (skipped when empty).
func setString(field, value string, set func(*C.char) C.jwks_result) error {
	if value == "" {
		return nil
	}
	return addStrings(field, []string{value}, set)
}

// addStrings adds each string of a list.
func addStrings(field string, values []string, add func(*C.char) C.jwks_result) error {
	for _, v := range values {
		// C strings end at the first NUL: refuse one rather than silently cut the value short.
		if hasNUL(v) {
			return invalidOption(field, "%q contains a NUL byte", v)
		}
		if rc := withCString(v, add); rc != C.JWKS_RESULT_OK {
			return optionError(fmt.Sprintf("%s (%q)", field, v), rc)
		}
	}
	return nil
}

// addPairs adds each (name, value) pair, sorted by name so that they go out in the same order
// every time. Values are never shown in messages.
func addPairs(field string, pairs map[string]string, add func(name, value *C.char) C.jwks_result) error {
	names := make([]string, 0, len(pairs))
	for name := range pairs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if hasNUL(name) || hasNUL(pairs[name]) {
			return invalidOption(field, "%q contains a NUL byte", name)
		}
		cn, cv := C.CString(name), C.CString(pairs[name])
		rc := add(cn, cv)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cv))
		if rc != C.JWKS_RESULT_OK {
			return optionError(fmt.Sprintf("%s (%q)", field, name), rc)
		}
	}
	return nil
}

// setBytes sets a byte string (skipped when empty).
func setBytes(field string, b []byte, set func(*C.char, C.size_t) C.jwks_result) error {
	if len(b) == 0 {
		return nil
	}
	return check(field, set((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))))
}
