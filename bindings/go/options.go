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

// Options configure a Verifier. The zero value (or a nil *Options) gives the library's safe
// defaults: asymmetric algorithms only, exp required, no leeway, https only, a 10 minute
// cache, a 30 second unknown-kid cooldown and a 5 second HTTP timeout. A zero field always
// means "the default". Options are copied when the verifier is created.
//
// Durations counted in seconds by the library (Leeway, MaxTokenAge, CacheTTL, MinCacheTTL,
// MaxCacheTTL, RefreshCooldown, MaxStale) must be whole seconds; HTTPTimeout and
// ConnectTimeout whole milliseconds. Anything else, or a negative value, is refused with
// ErrInvalidArgument rather than rounded.
type Options struct {
	// Issuers are the allowed values of iss; with none, iss is not checked (NewFromIssuer
	// adds its issuer; NewFromIssuers needs at least one).
	Issuers []string
	// Audiences are the allowed audiences; with none, tokens carrying aud are rejected.
	Audiences []string
	// Algorithms allowed by JWA name ("RS256", "ES256", "EdDSA", "HS256", ...). With none,
	// every asymmetric algorithm fitting the key; HMAC only ever when listed here.
	Algorithms []string
	// Leeway is the clock-skew allowance for exp, nbf and iat (at most 24h).
	Leeway time.Duration
	// NoRequireExp accepts tokens without exp (by default exp is required).
	NoRequireExp bool
	// Typ, if set, is the required header typ (e.g. "at+jwt"; case-insensitive).
	Typ string
	// RequiredClaims must be present in every token (e.g. "sub").
	RequiredClaims []string
	// MaxTokenAge rejects tokens whose iat is older (and then requires iat).
	MaxTokenAge time.Duration
	// MaxTokenSize is the largest accepted token in bytes (default 16384; 256..1048576).
	MaxTokenSize int

	// AllowHTTP allows plain http:// key URLs (for tests and private networks).
	AllowHTTP bool
	// CacheTTL is how long fetched keys are cached without a Cache-Control max-age.
	CacheTTL time.Duration
	// MinCacheTTL and MaxCacheTTL bound a response's max-age (defaults 60s and 24h); set both
	// or neither.
	MinCacheTTL, MaxCacheTTL time.Duration
	// RefreshCooldown is the minimum interval between refetches caused by unknown kids.
	RefreshCooldown time.Duration
	// MaxStale is how long expired cached keys keep verifying while refreshes fail.
	MaxStale time.Duration
	// HTTPTimeout is the total time allowed for one key fetch (default 5s; at most 10m).
	HTTPTimeout time.Duration
	// ConnectTimeout is the time allowed to connect (default 2s; capped by HTTPTimeout).
	ConnectTimeout time.Duration
	// MaxResponseSize is the largest accepted key-set response in bytes (default 1 MiB).
	MaxResponseSize int
	// Headers are sent with every key fetch (e.g. an API key).
	Headers map[string]string
	// CAPEM holds extra trusted CA certificates (PEM) for key fetches.
	CAPEM []byte
	// Proxy is an explicit proxy URL for key fetches (default: HTTPS_PROXY/NO_PROXY).
	Proxy string

	// The verified-token cache: a token seen again is answered without its signature check,
	// with the verdict a full verification would give (time rules are checked again at each
	// call's time; entries die with the key set that verified them). On by default. Once
	// full, a token is stored on its second miss, so that one-off tokens displace nothing.

	// NoTokenCache turns the cache off.
	NoTokenCache bool
	// TokenCacheEntries is the most tokens kept (default 4096).
	TokenCacheEntries int
	// TokenCacheBytes is the most memory the cache may take in bytes (default 8 MiB).
	TokenCacheBytes int
	// TokenCacheMaxReuse is the longest an entry is reused (default 5m; whole seconds).
	TokenCacheMaxReuse time.Duration
}

// cOptions owns a C jwks_options built from Options; free it with free().
type cOptions struct {
	ptr *C.jwks_options
}

func (o cOptions) free() { C.jwks_options_free(o.ptr) }

// optionError reports a setter's refusal; the setters give no details, so the message names
// the field and adds the code's description.
func optionError(field string, code C.jwks_result) *Error {
	c := Code(code)
	return newError(c, fmt.Sprintf("Options.%s: %s", field, c.Description()))
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
	if err := o.applyTokenCache(ptr); err != nil {
		opts.free()
		return cOptions{}, err
	}
	return opts, nil
}

func (o *Options) applyTokenCache(p *C.jwks_options) error {
	if o.NoTokenCache {
		C.jwks_options_set_token_cache(p, 0)
	} else if o.TokenCacheEntries != 0 {
		if o.TokenCacheEntries < 0 || int64(o.TokenCacheEntries) > math.MaxUint32 {
			return invalidOption("TokenCacheEntries", "%d is outside 1..%d", o.TokenCacheEntries, uint32(math.MaxUint32))
		}
		if rc := C.jwks_options_set_token_cache(p, C.uint32_t(o.TokenCacheEntries)); rc != C.JWKS_RESULT_OK {
			return optionError("TokenCacheEntries", rc)
		}
	}
	if o.TokenCacheBytes != 0 {
		if o.TokenCacheBytes < 0 {
			return invalidOption("TokenCacheBytes", "negative size %d", o.TokenCacheBytes)
		}
		if rc := C.jwks_options_set_token_cache_bytes(p, C.size_t(o.TokenCacheBytes)); rc != C.JWKS_RESULT_OK {
			return optionError("TokenCacheBytes", rc)
		}
	}
	if o.TokenCacheMaxReuse != 0 {
		n, err := wholeUnits("TokenCacheMaxReuse", o.TokenCacheMaxReuse, time.Second)
		if err != nil {
			return err
		}
		if rc := C.jwks_options_set_token_cache_max_reuse(p, n); rc != C.JWKS_RESULT_OK {
			return optionError("TokenCacheMaxReuse", rc)
		}
	}
	return nil
}

func (o *Options) apply(p *C.jwks_options) error {
	strs := func(field string, values []string, add func(*C.jwks_options, *C.char) C.jwks_result) error {
		for _, v := range values {
			if rc := withCString(v, func(cs *C.char) C.jwks_result { return add(p, cs) }); rc != C.JWKS_RESULT_OK {
				return optionError(fmt.Sprintf("%s (%q)", field, v), rc)
			}
		}
		return nil
	}
	// C strings end at the first NUL: refuse one rather than silently cut the value short.
	for field, values := range map[string][]string{
		"Issuers": o.Issuers, "Audiences": o.Audiences, "Algorithms": o.Algorithms,
		"RequiredClaims": o.RequiredClaims, "Typ": {o.Typ}, "Proxy": {o.Proxy},
	} {
		for _, v := range values {
			if hasNUL(v) {
				return invalidOption(field, "%q contains a NUL byte", v)
			}
		}
	}
	for name, value := range o.Headers {
		if hasNUL(name) || hasNUL(value) {
			return invalidOption("Headers", "%q contains a NUL byte", name)
		}
	}

	if err := strs("Issuers", o.Issuers, func(p *C.jwks_options, s *C.char) C.jwks_result { return C.jwks_options_add_issuer(p, s) }); err != nil {
		return err
	}
	if err := strs("Audiences", o.Audiences, func(p *C.jwks_options, s *C.char) C.jwks_result { return C.jwks_options_add_audience(p, s) }); err != nil {
		return err
	}
	if err := strs("Algorithms", o.Algorithms, func(p *C.jwks_options, s *C.char) C.jwks_result { return C.jwks_options_add_algorithm(p, s) }); err != nil {
		return err
	}
	if err := strs("RequiredClaims", o.RequiredClaims, func(p *C.jwks_options, s *C.char) C.jwks_result {
		return C.jwks_options_add_required_claim(p, s)
	}); err != nil {
		return err
	}
	if o.Typ != "" {
		if err := strs("Typ", []string{o.Typ}, func(p *C.jwks_options, s *C.char) C.jwks_result { return C.jwks_options_set_typ(p, s) }); err != nil {
			return err
		}
	}
	if o.Proxy != "" {
		if err := strs("Proxy", []string{o.Proxy}, func(p *C.jwks_options, s *C.char) C.jwks_result { return C.jwks_options_set_proxy(p, s) }); err != nil {
			return err
		}
	}
	if o.NoRequireExp {
		C.jwks_options_set_require_exp(p, false)
	}
	if o.AllowHTTP {
		C.jwks_options_set_allow_http(p, true)
	}

	type durationSetter struct {
		field string
		value time.Duration
		unit  time.Duration
		set   func(C.uint32_t) C.jwks_result
	}
	setters := []durationSetter{
		{"Leeway", o.Leeway, time.Second, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_leeway(p, n) }},
		{"MaxTokenAge", o.MaxTokenAge, time.Second, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_max_token_age(p, n) }},
		{"CacheTTL", o.CacheTTL, time.Second, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_cache_ttl(p, n) }},
		{"RefreshCooldown", o.RefreshCooldown, time.Second, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_refresh_cooldown(p, n) }},
		{"MaxStale", o.MaxStale, time.Second, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_max_stale(p, n) }},
		// The total timeout first: the library caps the connect timeout by it.
		{"HTTPTimeout", o.HTTPTimeout, time.Millisecond, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_http_timeout_ms(p, n) }},
		{"ConnectTimeout", o.ConnectTimeout, time.Millisecond, func(n C.uint32_t) C.jwks_result { return C.jwks_options_set_connect_timeout_ms(p, n) }},
	}
	for _, s := range setters {
		if s.value == 0 {
			continue
		}
		n, err := wholeUnits(s.field, s.value, s.unit)
		if err != nil {
			return err
		}
		if rc := s.set(n); rc != C.JWKS_RESULT_OK {
			return optionError(s.field, rc)
		}
	}
	if o.MinCacheTTL != 0 || o.MaxCacheTTL != 0 {
		if o.MinCacheTTL == 0 || o.MaxCacheTTL == 0 {
			return invalidOption("MinCacheTTL", "set both MinCacheTTL and MaxCacheTTL, or neither")
		}
		lo, err := wholeUnits("MinCacheTTL", o.MinCacheTTL, time.Second)
		if err != nil {
			return err
		}
		hi, err := wholeUnits("MaxCacheTTL", o.MaxCacheTTL, time.Second)
		if err != nil {
			return err
		}
		if rc := C.jwks_options_set_cache_ttl_bounds(p, lo, hi); rc != C.JWKS_RESULT_OK {
			return optionError("MinCacheTTL/MaxCacheTTL", rc)
		}
	}
	if o.MaxTokenSize != 0 {
		if o.MaxTokenSize < 0 {
			return invalidOption("MaxTokenSize", "negative size %d", o.MaxTokenSize)
		}
		if rc := C.jwks_options_set_max_token_size(p, C.size_t(o.MaxTokenSize)); rc != C.JWKS_RESULT_OK {
			return optionError("MaxTokenSize", rc)
		}
	}
	if o.MaxResponseSize != 0 {
		if o.MaxResponseSize < 0 {
			return invalidOption("MaxResponseSize", "negative size %d", o.MaxResponseSize)
		}
		if rc := C.jwks_options_set_max_response_size(p, C.size_t(o.MaxResponseSize)); rc != C.JWKS_RESULT_OK {
			return optionError("MaxResponseSize", rc)
		}
	}
	// Sorted, so that the headers go out in the same order every time.
	names := make([]string, 0, len(o.Headers))
	for name := range o.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cn, cv := C.CString(name), C.CString(o.Headers[name])
		rc := C.jwks_options_add_http_header(p, cn, cv)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cv))
		if rc != C.JWKS_RESULT_OK {
			return optionError(fmt.Sprintf("Headers (%q)", name), rc)
		}
	}
	if len(o.CAPEM) > 0 {
		rc := C.jwks_options_set_ca_pem(p, (*C.char)(unsafe.Pointer(&o.CAPEM[0])), C.size_t(len(o.CAPEM)))
		if rc != C.JWKS_RESULT_OK {
			return optionError("CAPEM", rc)
		}
	}
	return nil
}

func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }
