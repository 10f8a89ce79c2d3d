package jwks

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Version returns the version of the linked C library, e.g. "0.2.0".
func Version() string { return C.GoString(C.jwks_version()) }

// Verifier verifies tokens against a key set under a policy. It wraps one C jwks_verifier.
//
// A Verifier is safe for concurrent use: share one across all goroutines. Close releases the
// C verifier; it may run concurrently with verifications (it waits for those in progress, and
// every later call returns ErrClosed). A finalizer closes a Verifier that becomes unreachable,
// but prefer an explicit Close.
type Verifier struct {
	// mu guards ptr: every C call on it holds the read lock; Close takes the write lock, so
	// the C verifier is never freed while a call is using it.
	mu  sync.RWMutex
	ptr *C.jwks_verifier
}

// verifiersFreed counts the C verifiers freed by Close (explicitly or from the finalizer). It
// lets the tests prove that a dropped Verifier's C memory is released; one atomic add per Close
// costs nothing next to the free itself.
var verifiersFreed atomic.Uint64

type createFunc func(opts *C.jwks_options, out **C.jwks_verifier, err **C.jwks_error) C.jwks_result

func newVerifier(opts *Options, create createFunc) (*Verifier, error) {
	copts, err := opts.build()
	if err != nil {
		return nil, err
	}
	defer copts.free()
	var ptr *C.jwks_verifier
	var cerr *C.jwks_error
	if rc := create(copts.ptr, &ptr, &cerr); rc != C.JWKS_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	v := &Verifier{ptr: ptr}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// cString copies a string argument for C, refusing an embedded NUL (which C would silently
// treat as the end of the string). The caller frees the result.
func cString(what, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, newError(CodeInvalidArgument, what+" contains a NUL byte")
	}
	return C.CString(s), nil
}

// NewFromJSON creates a verifier over a JWKS document (or a single JWK). The document is
// parsed now; entries that cannot be used are skipped (see SkippedKeys), and a set with no
// usable key is refused with ErrKeySetInvalid. oct (HMAC) keys are used only when an HS*
// algorithm is listed in opts.Algorithms.
func NewFromJSON(jwks []byte, opts *Options) (*Verifier, error) {
	var p *C.char
	if len(jwks) > 0 {
		p = (*C.char)(unsafe.Pointer(&jwks[0]))
	}
	v, err := newVerifier(opts, func(o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return C.jwks_verifier_from_json(p, C.size_t(len(jwks)), o, out, e)
	})
	runtime.KeepAlive(jwks)
	return v, err
}

// NewFromURL creates a verifier over a JWKS URL (https unless opts.AllowHTTP). No network I/O
// happens here: the first verification fetches the keys, which are then cached and refreshed
// as the options say (Cache-Control, CacheTTL, unknown-kid refetches limited by
// RefreshCooldown, stale keys kept up to MaxStale while the endpoint fails).
func NewFromURL(url string, opts *Options) (*Verifier, error) {
	return newWithString("url", url, opts, func(s *C.char, o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return C.jwks_verifier_from_url(s, o, out, e)
	})
}

// NewFromIssuer creates a verifier for an OpenID Connect issuer: the jwks_uri is read from
// {issuer}/.well-known/openid-configuration (whose issuer must match exactly) on first use,
// and the issuer is added to the allowed issuers.
func NewFromIssuer(issuer string, opts *Options) (*Verifier, error) {
	return newWithString("issuer", issuer, opts, func(s *C.char, o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return C.jwks_verifier_from_issuer(s, o, out, e)
	})
}

// NewFromIssuers creates a verifier for every issuer of opts.Issuers, each with its own key
// set found by discovery; a token is routed by its iss, and only to an allowed issuer.
func NewFromIssuers(opts *Options) (*Verifier, error) {
	return newVerifier(opts, func(o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return C.jwks_verifier_from_issuers(o, out, e)
	})
}

// NewFromFile creates a verifier over a JWKS file, read now and reloaded when it changes
// (for a sidecar that writes the keys). oct keys are used only if an HS* algorithm is allowed.
func NewFromFile(path string, opts *Options) (*Verifier, error) {
	return newWithString("path", path, opts, func(s *C.char, o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return C.jwks_verifier_from_file(s, o, out, e)
	})
}

func newWithString(what, s string, opts *Options, create func(*C.char, *C.jwks_options, **C.jwks_verifier, **C.jwks_error) C.jwks_result) (*Verifier, error) {
	cs, err := cString(what, s)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cs))
	return newVerifier(opts, func(o *C.jwks_options, out **C.jwks_verifier, e **C.jwks_error) C.jwks_result {
		return create(cs, o, out, e)
	})
}

// acquire takes the read lock if the verifier is open (and not nil); the caller then calls
// v.mu.RUnlock.
func (v *Verifier) acquire() bool {
	if v == nil {
		return false
	}
	v.mu.RLock()
	if v.ptr == nil {
		v.mu.RUnlock()
		return false
	}
	return true
}

// Close frees the C verifier. It waits for calls in progress on other goroutines; afterwards
// every method returns ErrClosed. Closing twice is fine. It always returns nil.
func (v *Verifier) Close() error {
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		C.jwks_verifier_free(v.ptr)
		verifiersFreed.Add(1)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// Verify verifies a JWT (signature, header policy and claims) at the current time. The error
// is an *Error (see the sentinels: errors.Is(err, ErrTokenRejected) means HTTP 401,
// errors.Is(err, ErrUnavailable) means 503), or ErrClosed.
func (v *Verifier) Verify(token string) (*Token, error) {
	return v.verify(C.GOJWKS_MODE_VERIFY, unsafe.StringData(token), len(token), 0)
}

// VerifyAt is Verify at the given time instead of the system clock.
func (v *Verifier) VerifyAt(token string, now time.Time) (*Token, error) {
	return v.verify(C.GOJWKS_MODE_VERIFY_AT, unsafe.StringData(token), len(token), now.Unix())
}

// VerifySignature verifies a compact JWS: the signature and the header policy only (no
// claims); the payload need not be JSON.
func (v *Verifier) VerifySignature(jws []byte) (*Token, error) {
	var p *byte
	if len(jws) > 0 {
		p = &jws[0]
	}
	t, err := v.verify(C.GOJWKS_MODE_VERIFY_SIGNATURE, p, len(jws), 0)
	runtime.KeepAlive(jws)
	return t, err
}

// scratchSize is the room for a verified token's parts (decoded header and payload, alg, kids,
// thumbprint) in the pooled buffer; larger tokens take a second C call (gojwks_token_take).
const scratchSize = 4096

// scratch is what C writes into during a verification. It holds no Go pointers, so it may be
// passed to C; it is pooled, and each Token gets an exact-size copy of its parts. buf is
// 8-byte aligned (it follows parts, whose size is a multiple of 8): the index of the claims'
// members, uint32 values, comes first in it.
type scratch struct {
	parts C.gojwks_parts
	buf   [scratchSize]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (v *Verifier) verify(mode C.int, data *byte, n int, now int64) (*Token, error) {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if !v.acquire() {
		return nil, ErrClosed
	}
	// The token and the scratch space are Go memory handed to C for this call only.
	C.gojwks_verify(v.ptr, mode, (*C.char)(unsafe.Pointer(data)), C.size_t(n), C.int64_t(now),
		(*C.char)(unsafe.Pointer(&s.buf[0])), scratchSize, &s.parts)
	v.mu.RUnlock()
	runtime.KeepAlive(v)
	if s.parts.code != C.JWKS_RESULT_OK {
		return nil, takeError(C.jwks_result(s.parts.code), s.parts.err)
	}
	buf := make([]byte, int(s.parts.needed))
	if s.parts.token != nil {
		// Too large for the scratch space: the C token was kept; it owns its data, so this
		// needs no lock.
		C.gojwks_token_take(s.parts.token, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &s.parts)
	} else {
		copy(buf, s.buf[:len(buf)])
	}
	return newToken(buf, &s.parts), nil
}

// Refresh fetches the keys now (for URL, issuer and file verifiers; a no-op for a static set).
// It blocks for at most the HTTP timeout.
func (v *Verifier) Refresh() error {
	if !v.acquire() {
		return ErrClosed
	}
	defer v.mu.RUnlock()
	var cerr *C.jwks_error
	rc := C.jwks_verifier_refresh(v.ptr, &cerr)
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// Stats returns the verifier's counters.
func (v *Verifier) Stats() (Stats, error) {
	if !v.acquire() {
		return Stats{}, ErrClosed
	}
	defer v.mu.RUnlock()
	var s C.jwks_stats
	rc := C.jwks_verifier_stats(v.ptr, &s)
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return Stats{}, takeError(rc, nil)
	}
	return statsFromC(&s), nil
}

// millisOrNegative converts a count of milliseconds that is negative when not known (the
// statistics' I64 fields), keeping it negative.
func millisOrNegative(ms int64) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// LastError returns the error of the last key fetch, or nil if it succeeded or none was made
// (or the verifier is closed).
func (v *Verifier) LastError() error {
	if !v.acquire() {
		return nil
	}
	defer v.mu.RUnlock()
	var cerr *C.jwks_error
	rc := C.jwks_verifier_last_error(v.ptr, &cerr)
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return takeError(rc, nil)
	}
	if cerr == nil {
		return nil
	}
	return takeError(C.JWKS_RESULT_OK, cerr)
}

// SkippedKey describes an entry of the key set that is not used, and why.
type SkippedKey struct {
	// Index is the entry's position in the set's "keys" array.
	Index int `json:"index"`
	// Kid is the entry's kid, or "" if it has none.
	Kid string `json:"kid"`
	// Reason says why the entry is not used.
	Reason string `json:"reason"`
}

// SkippedKeys lists the entries of the current key set that are not used (for a URL verifier
// with no keys yet, this fetches them).
func (v *Verifier) SkippedKeys() ([]SkippedKey, error) {
	if !v.acquire() {
		return nil, ErrClosed
	}
	defer v.mu.RUnlock()
	var out *C.char
	var cerr *C.jwks_error
	rc := C.jwks_verifier_skipped_keys(v.ptr, &out, &cerr)
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	text := C.GoString(out)
	C.jwks_string_free(out)
	skipped := []SkippedKey{}
	if err := json.Unmarshal([]byte(text), &skipped); err != nil {
		return nil, newError(CodeInternal, "cannot read the skipped-key report: "+err.Error())
	}
	return skipped, nil
}

// TokenCacheStats returns the verified-token cache's counters (all zero when it is off).
func (v *Verifier) TokenCacheStats() (TokenCacheStats, error) {
	if !v.acquire() {
		return TokenCacheStats{}, ErrClosed
	}
	defer v.mu.RUnlock()
	var s C.jwks_token_cache_stats
	rc := C.jwks_verifier_token_cache_stats(v.ptr, &s, C.size_t(unsafe.Sizeof(s)))
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return TokenCacheStats{}, takeError(rc, nil)
	}
	return tokenCacheStatsFromC(&s), nil
}

// DPoPStats returns the DPoP proof counters and the in-memory replay store's occupancy.
func (v *Verifier) DPoPStats() (DPoPStats, error) {
	if !v.acquire() {
		return DPoPStats{}, ErrClosed
	}
	defer v.mu.RUnlock()
	var s C.jwks_dpop_stats
	rc := C.jwks_verifier_dpop_stats(v.ptr, &s, C.size_t(unsafe.Sizeof(s)))
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return DPoPStats{}, takeError(rc, nil)
	}
	return dPoPStatsFromC(&s), nil
}
