/* The C side of a Go ReplayStore: trampolines from the library's callback to the exported Go
 * functions (replay.go), the context being a cgo.Handle. */
#include "shim.h"
#include "_cgo_export.h"

static uint32_t replay_check(void *ctx, const char *key, int64_t expires_at, int64_t now) {
	return gojwksReplayCheck((uintptr_t)ctx, (char *)key, expires_at, now);
}

static void replay_free(void *ctx) { gojwksReplayFree((uintptr_t)ctx); }

jwks_result gojwks_options_set_replay_store(jwks_options *opts, uintptr_t handle) {
	return jwks_options_set_dpop_replay_store(opts, replay_check, replay_free, (void *)handle);
}
