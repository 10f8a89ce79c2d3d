/*
 * Small C helpers for the Go package: they batch what would otherwise be several cgo calls
 * per verification (verify, then payload, header, alg, kid, key id, thumbprint, free) into
 * one, copying everything into a buffer owned by Go for the duration of the call only.
 */
#ifndef JWKS_GO_SHIM_H
#define JWKS_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>

/* In the default build (the prebuilt library of the module, see cgo.go), a missing header means
 * a checkout of the repository where the library was not put in place: say what to do, rather
 * than "jwks.h: No such file or directory" (or use a jwks.h of another version installed in
 * /usr/local/include). Every cgo file includes this header, so the message comes first
 * whichever file cgo compiles first. */
#if defined(JWKS_GO_BUNDLED) && defined(__has_include)
#if !__has_include("lib/jwks.h")
#error "bindings/go/lib/jwks.h and lib/linux_amd64/libjwks.a are missing: in a checkout of the repository, run scripts/dist-go.sh lib (it runs cargo build --release first), or build with -tags jwks_pkgconfig against an installed libjwks"
#endif
#endif

#include "jwks.h"

enum {
	GOJWKS_MODE_VERIFY = 0,
	GOJWKS_MODE_VERIFY_AT = 1,
	GOJWKS_MODE_VERIFY_SIGNATURE = 2,
};

/* Lengths of the parts copied back-to-back into the caller's buffer, in this order: header,
 * payload, alg, kid, key id, thumbprint. */
typedef struct gojwks_parts {
	/* JWKS_RESULT_OK, or the failure code (then `err` holds the details). */
	uint32_t code;
	/* Set when the verification succeeded but the buffer was too small: the token is kept
	 * here and `needed` says how many bytes to pass to gojwks_token_take. */
	jwks_token *token;
	size_t needed;
	jwks_error *err;
	size_t header_len;
	size_t payload_len;
	size_t alg_len;
	size_t kid_len;
	size_t key_id_len;
	size_t thumbprint_len;
	int32_t has_kid;
	int32_t has_key_id;
} gojwks_parts;

/* Verifies `token` (`len` bytes) in `mode` and fills `out`. On success, copies the token's
 * parts into `buf` (`cap` bytes) and frees the token, unless they do not fit (see `token`). */
void gojwks_verify(const jwks_verifier *v, int mode, const char *token, size_t len, int64_t now,
                   char *buf, size_t cap, gojwks_parts *out);

/* Copies the parts of `t` into `buf` (`cap` bytes, at least `out->needed`) and frees `t`. */
void gojwks_token_take(jwks_token *t, char *buf, size_t cap, gojwks_parts *out);

#endif /* JWKS_GO_SHIM_H */
