package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Ready reports whether the verifier can verify now without waiting for a key fetch: every
// issuer it serves has keys that are not past their stale bound. Always true for a verifier
// over a fixed key set or a file; for one over a URL or issuer(s), false until its first fetch
// succeeds (at creation with Options.FetchAtStart, or the first verification or Refresh), and
// again if its keys go past the stale bound while fetches fail; for several issuers, true only
// when every issuer is. It never fetches, waits or does I/O, so a readiness probe may call it
// on every request. A closed verifier is not ready.
func (v *Verifier) Ready() bool {
	if !v.acquire() {
		return false
	}
	defer v.mu.RUnlock()
	var out C.bool
	rc := C.jwks_verifier_ready(v.ptr, &out)
	runtime.KeepAlive(v)
	return rc == C.JWKS_RESULT_OK && bool(out)
}

// VerifyCounts are how many verifications a Verifier answered since it was made, by result
// code: CodeOK for the successes, the code of the failure otherwise. Verify, VerifyAt and
// VerifySignature are counted as the library decided them, token cache hits included.
type VerifyCounts struct {
	byCode [C.JWKS_VERIFY_COUNTS_LEN]uint64
}

// Get returns the count of one result code (0 for a number that is no code).
func (c *VerifyCounts) Get(code Code) uint64 {
	if uint64(code) >= uint64(len(c.byCode)) {
		return 0
	}
	return c.byCode[code]
}

// Succeeded returns the count of verifications that succeeded.
func (c *VerifyCounts) Succeeded() uint64 { return c.byCode[CodeOK] }

// Failed returns the count of verifications that failed, whatever the reason.
func (c *VerifyCounts) Failed() uint64 {
	var n uint64
	for _, v := range c.byCode[1:] {
		n += v
	}
	return n
}

// VerifyCounts returns how many verifications the verifier answered, by result. Reading them
// takes no lock that a verification holds.
func (v *Verifier) VerifyCounts() (VerifyCounts, error) {
	var out VerifyCounts
	if !v.acquire() {
		return out, ErrClosed
	}
	defer v.mu.RUnlock()
	rc := C.jwks_verifier_verify_counts(v.ptr, (*C.uint64_t)(unsafe.Pointer(&out.byCode[0])), C.size_t(len(out.byCode)))
	runtime.KeepAlive(v)
	if rc != C.JWKS_RESULT_OK {
		return VerifyCounts{}, takeError(rc, nil)
	}
	return out, nil
}
