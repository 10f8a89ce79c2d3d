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

/* What a verification copied into the caller's buffer, back to back in this order: the index
 * of the claims' members (4 uint32_t per member, jwks_token_claims_index), header, payload,
 * alg, kid, key id, thumbprint. */
typedef struct gojwks_parts {
	/* JWKS_RESULT_OK, or the failure code (then `err` holds the details). */
	uint32_t code;
	/* Set when the verification succeeded but the buffer was too small: the token is kept
	 * here and `needed` says how many bytes to pass to gojwks_token_take. */
	jwks_token *token;
	size_t needed;
	jwks_error *err;
	/* The members of the claims (the index holds four uint32_t each). */
	size_t members;
	/* JWKS_RESULT_OK if the payload is claims (always after a JWT verification); otherwise
	 * why not (jwks_token_claims_readable), with the details in `claims_err`. */
	uint32_t claims_code;
	jwks_error *claims_err;
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
 * index and parts into `buf` (`cap` bytes, 4-byte aligned) and frees the token, unless they
 * do not fit (see `token`). */
void gojwks_verify(const jwks_verifier *v, int mode, const char *token, size_t len, int64_t now,
                   char *buf, size_t cap, gojwks_parts *out);

/* Copies the index and parts of `t` into `buf` (`cap` bytes, at least `out->needed`, 4-byte
 * aligned) and frees `t`. */
void gojwks_token_take(jwks_token *t, char *buf, size_t cap, gojwks_parts *out);

/* The jwks_claims_* functions over a copy (`payload`, `index` of `members`), as Go passes
 * it: pointers into Go memory, for the call only (jwks_claims itself, holding pointers, may
 * not be Go memory passed to C). */
jwks_result gojwks_claims_get(const char *payload, size_t payload_len, const uint32_t *index,
                              size_t members, jwks_claim_kind kind, const char *name,
                              size_t name_len, const char *value, size_t value_len, char *buf,
                              size_t cap, jwks_claim_value *out);
jwks_result gojwks_claims_scopes(const char *payload, size_t payload_len, const uint32_t *index,
                                 size_t members, char *buf, size_t cap, size_t *ends,
                                 size_t ends_cap, size_t *len, size_t *count, jwks_error **err);
jwks_result gojwks_claims_has_scopes(const char *payload, size_t payload_len,
                                     const uint32_t *index, size_t members, const char *names,
                                     const size_t *lens, size_t count, jwks_scope_match how,
                                     bool *out, jwks_error **err);
jwks_result gojwks_claims_case_unique(const char *payload, size_t payload_len,
                                      const uint32_t *index, size_t members, jwks_error **err);

/* jwks_scope_check of `len` bytes. */
jwks_result gojwks_scope_check(const char *scope, size_t len, jwks_error **err);

/* ---- Request verification (DPoP, certificate-bound tokens) ---- */

enum {
	GOJWKS_CERT_NONE = 0,
	GOJWKS_CERT_DER = 1,
	GOJWKS_CERT_PEM = 2,
	GOJWKS_CERT_NGINX = 3,
	GOJWKS_CERT_XFCC = 4,
};

/* Builds a jwks_request in one call. `strings` holds NUL-terminated values back to back: the
 * method, the URI, `n_auth` Authorization values, `n_dpop` DPoP values, then the route's
 * scheme if `has_scheme`. `cert` (`cert_len` bytes) is the client certificate of `cert_kind`
 * (GOJWKS_CERT_*; NUL-terminated for NGINX and XFCC). All of it is Go memory read during the
 * call only: the request owns copies. */
jwks_result gojwks_request_new(const char *strings, size_t n_auth, size_t n_dpop, int has_scheme,
                               int cert_kind, const char *cert, size_t cert_len,
                               jwks_request **out);

/* Room for what bound a verified request (the jkt and certificate thumbprint, 43 characters
 * each, and a nonce of at most 256). */
#define GOJWKS_BINDING_CAP 512

/* What bound a verified request: the scheme (a static string), and the lengths of the jkt,
 * certificate thumbprint and nonce copied back to back into the binding buffer. */
typedef struct gojwks_binding {
	const char *scheme;
	size_t jkt_len;
	size_t thumbprint_len;
	size_t nonce_len;
} gojwks_binding;

/* Verifies `r` (at `now` if `at`, else at the system time) and fills `out` as gojwks_verify
 * does, and `b` with what bound it (its strings copied to `bbuf`, GOJWKS_BINDING_CAP bytes). */
void gojwks_verify_request(const jwks_verifier *v, const jwks_request *r, int at, int64_t now,
                           char *buf, size_t cap, gojwks_parts *out, char *bbuf,
                           gojwks_binding *b);

#define GOJWKS_MAX_CHALLENGES 8

/* A refusal copied out: its status, and the lengths of the strings copied back to back into
 * the caller's buffer (error, description, each challenge, nonce). `needed` is the room they
 * take: when it exceeds the buffer, nothing was copied. */
typedef struct gojwks_refusal {
	uint32_t status;
	int32_t has_error;
	int32_t has_nonce;
	size_t error_len;
	size_t description_len;
	size_t nonce_len;
	size_t challenges;
	size_t challenge_lens[GOJWKS_MAX_CHALLENGES];
	size_t needed;
} gojwks_refusal;

/* jwks_verifier_refusal, copied into `buf` (`cap` bytes) and freed. */
jwks_result gojwks_refusal_take(const jwks_verifier *v, const jwks_request *r, uint32_t code,
                                const char *realm, const char *scope, int64_t now, char *buf,
                                size_t cap, gojwks_refusal *out);

/* jwks_options_set_dpop_replay_store with the Go trampolines over a cgo.Handle. */
jwks_result gojwks_options_set_replay_store(jwks_options *opts, uintptr_t handle);

#endif /* JWKS_GO_SHIM_H */
