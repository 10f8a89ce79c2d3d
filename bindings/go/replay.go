package jwks

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
)

// replayStoresFreed counts the ReplayStore handles the library released (for the tests).
var replayStoresFreed atomic.Uint64

// ReplayVerdict is what a ReplayStore answers for a DPoP proof (jwks_replay_verdict).
type ReplayVerdict uint32

const (
	// ReplayFresh: the key was not recorded (or its record had expired); the store recorded it.
	ReplayFresh ReplayVerdict = C.JWKS_REPLAY_VERDICT_FRESH
	// ReplaySeen: the key is recorded and not expired: the proof is a replay.
	ReplaySeen ReplayVerdict = C.JWKS_REPLAY_VERDICT_SEEN
	// ReplayUnavailable: the store could not answer (full, unreachable, timed out). The
	// request is refused with ErrReplayStoreUnavailable (HTTP 503), never accepted unrecorded.
	ReplayUnavailable ReplayVerdict = C.JWKS_REPLAY_VERDICT_UNAVAILABLE
)

// ReplayStore records the DPoP proofs a verifier accepted, so that a proof is accepted once
// across every server sharing the store (module jwksredis has one over Redis). Set it with
// Options.ReplayStore; without one, each verifier keeps its own in memory.
//
// Check records key (43 ASCII characters, derived from the proof's jti and key) until
// expiresAt (unix seconds; the record counts while now <= expiresAt) unless it is already
// recorded and unexpired, atomically (Redis: SET key 1 NX EXAT expiresAt), and says which
// happened. It is called once per proof that passed every other check, from any goroutine,
// concurrently, during VerifyRequest; it must not call the Verifier. A panic in Check, or a
// verdict that is none of the three, counts as ReplayUnavailable.
type ReplayStore interface {
	Check(key string, expiresAt, now int64) ReplayVerdict
}

//export gojwksReplayCheck
func gojwksReplayCheck(handle C.uintptr_t, key *C.char, expiresAt, now C.int64_t) (verdict C.uint32_t) {
	// A panic must not unwind through the library's frames (which would abort the process).
	defer func() {
		if recover() != nil {
			verdict = C.JWKS_REPLAY_VERDICT_UNAVAILABLE
		}
	}()
	store := cgo.Handle(handle).Value().(ReplayStore)
	switch v := store.Check(C.GoString(key), int64(expiresAt), int64(now)); v {
	case ReplayFresh, ReplaySeen, ReplayUnavailable:
		return C.uint32_t(v)
	default:
		return C.JWKS_REPLAY_VERDICT_UNAVAILABLE
	}
}

//export gojwksReplayFree
func gojwksReplayFree(handle C.uintptr_t) {
	cgo.Handle(handle).Delete()
	replayStoresFreed.Add(1)
}

// applyCallbacks sets the options that are Go values rather than catalogue options (called
// last by the generated apply).
func (o *Options) applyCallbacks(p *C.jwks_options) error {
	if o.ReplayStore == nil {
		return nil
	}
	// The handle lives as long as the C options and the verifiers made from them: the library
	// calls gojwksReplayFree when the last of them is freed.
	h := cgo.NewHandle(o.ReplayStore)
	if rc := C.gojwks_options_set_replay_store(p, C.uintptr_t(h)); rc != C.JWKS_RESULT_OK {
		h.Delete()
		return optionError("ReplayStore", rc)
	}
	return nil
}
