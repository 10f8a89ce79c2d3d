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
	/* The verified token, on success: kept (never freed here), for the claim getters. */
	jwks_token *token;
	/* Whether the parts were copied: not when the buffer was too small, then `needed` says
	 * how many bytes to pass to gojwks_token_copy. */
	int32_t copied;
	size_t needed;
	/* Where the token's payload lies, to tell a claim string inside it. */
	const char *payload;
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
 * parts into `buf` (`cap` bytes) unless they do not fit (see `copied`); the token is kept in
 * `out->token`, for the caller to free. */
void gojwks_verify(const jwks_verifier *v, int mode, const char *token, size_t len, int64_t now,
                   char *buf, size_t cap, gojwks_parts *out);

/* Copies the parts of `t` into `buf` (`cap` bytes, at least `out->needed`). */
void gojwks_token_copy(jwks_token *t, char *buf, size_t cap, gojwks_parts *out);

/* The claim getters, with names as Go passes them: (pointer, length), no NUL (copied here with
 * one). */
enum {
	GOJWKS_CLAIM_STRING = 0,
	GOJWKS_CLAIM_JSON = 1,
	GOJWKS_CLAIM_INT = 2,
	GOJWKS_CLAIM_BOOL = 3,
	GOJWKS_CLAIM_CONTAINS = 4,
};

typedef struct gojwks_claim {
	uint32_t code;
	/* GOJWKS_CLAIM_STRING and GOJWKS_CLAIM_JSON: the bytes, owned by the token. */
	const char *str;
	size_t len;
	int64_t i;
	/* GOJWKS_CLAIM_BOOL and GOJWKS_CLAIM_CONTAINS. */
	int32_t b;
} gojwks_claim;

/* Reads claim `name` of `t` as `op` says (`value` is the value of GOJWKS_CLAIM_CONTAINS). */
void gojwks_claim_get(const jwks_token *t, int op, const char *name, size_t name_len,
                      const char *value, size_t value_len, gojwks_claim *out);

/* jwks_token_has_scopes over `n` scopes given back to back in `names`, their lengths in `lens`
 * (no NULs). */
jwks_result gojwks_has_scopes(const jwks_token *t, const char *names, const size_t *lens,
                              size_t n, jwks_scope_match how, bool *out, jwks_error **err);

/* jwks_scope_check of `len` bytes. */
jwks_result gojwks_scope_check(const char *scope, size_t len, jwks_error **err);

#endif /* JWKS_GO_SHIM_H */
