#include <stdlib.h>
#include <string.h>

#include "shim.h"

static size_t len_or_zero(const char *s) { return s == NULL ? 0 : strlen(s); }

void gojwks_token_copy(jwks_token *t, char *buf, size_t cap, gojwks_parts *out) {
	size_t header_len = 0, payload_len = 0;
	const char *header = jwks_token_header(t, &header_len);
	const char *payload = jwks_token_payload(t, &payload_len);
	const char *alg = jwks_token_alg(t);
	const char *kid = jwks_token_kid(t);
	const char *key_id = jwks_token_key_id(t);
	const char *thumbprint = jwks_token_key_thumbprint(t);

	out->code = JWKS_RESULT_OK;
	out->err = NULL;
	out->token = t;
	out->payload = payload;
	out->header_len = header_len;
	out->payload_len = payload_len;
	out->alg_len = len_or_zero(alg);
	out->kid_len = len_or_zero(kid);
	out->key_id_len = len_or_zero(key_id);
	out->thumbprint_len = len_or_zero(thumbprint);
	out->has_kid = kid != NULL;
	out->has_key_id = key_id != NULL;
	out->needed = header_len + payload_len + out->alg_len + out->kid_len + out->key_id_len +
	              out->thumbprint_len;
	out->copied = out->needed <= cap;
	if (!out->copied) {
		return;
	}
	char *p = buf;
	memcpy(p, header, header_len), p += header_len;
	memcpy(p, payload, payload_len), p += payload_len;
	memcpy(p, alg, out->alg_len), p += out->alg_len;
	memcpy(p, kid, out->kid_len), p += out->kid_len;
	memcpy(p, key_id, out->key_id_len), p += out->key_id_len;
	memcpy(p, thumbprint, out->thumbprint_len);
}

void gojwks_verify(const jwks_verifier *v, int mode, const char *token, size_t len, int64_t now,
                   char *buf, size_t cap, gojwks_parts *out) {
	jwks_token *t = NULL;
	jwks_error *err = NULL;
	jwks_result code;
	switch (mode) {
	case GOJWKS_MODE_VERIFY:
		code = jwks_verify(v, token, len, &t, &err);
		break;
	case GOJWKS_MODE_VERIFY_AT:
		code = jwks_verify_at(v, token, len, now, &t, &err);
		break;
	case GOJWKS_MODE_VERIFY_SIGNATURE:
		code = jwks_verify_signature(v, token, len, &t, &err);
		break;
	default:
		code = JWKS_RESULT_INVALID_ARGUMENT;
		break;
	}
	if (code != JWKS_RESULT_OK) {
		memset(out, 0, sizeof *out);
		out->code = code;
		out->err = err;
		return;
	}
	gojwks_token_copy(t, buf, cap, out);
}

/* NUL-terminated copies of (pointer, length) strings: in `small` when they fit, else in one
 * allocation (freed with release_copies). NULL if out of memory. */
static char *copies(char *small, size_t small_cap, size_t total) {
	return total <= small_cap ? small : malloc(total);
}

static void release_copies(char *small, char *p) {
	if (p != small) {
		free(p);
	}
}

void gojwks_claim_get(const jwks_token *t, int op, const char *name, size_t name_len,
                      const char *value, size_t value_len, gojwks_claim *out) {
	char small[256];
	char *text = copies(small, sizeof small, name_len + value_len + 2);
	memset(out, 0, sizeof *out);
	if (text == NULL) {
		out->code = JWKS_RESULT_INTERNAL;
		return;
	}
	char *c_name = text, *c_value = text + name_len + 1;
	/* memcpy from NULL is undefined even for 0 bytes (Go passes NULL for an empty string). */
	if (name_len) memcpy(c_name, name, name_len);
	if (value_len) memcpy(c_value, value, value_len);
	c_name[name_len] = 0;
	c_value[value_len] = 0;
	bool b = false;
	switch (op) {
	case GOJWKS_CLAIM_STRING:
		out->code = jwks_token_claim_string(t, c_name, &out->str, &out->len);
		break;
	case GOJWKS_CLAIM_JSON:
		out->code = jwks_token_claim_json(t, c_name, &out->str, &out->len);
		break;
	case GOJWKS_CLAIM_INT:
		out->code = jwks_token_claim_int(t, c_name, &out->i);
		break;
	case GOJWKS_CLAIM_BOOL:
		out->code = jwks_token_claim_bool(t, c_name, &b);
		break;
	case GOJWKS_CLAIM_CONTAINS:
		out->code = jwks_token_claim_contains(t, c_name, c_value, &b);
		break;
	default:
		out->code = JWKS_RESULT_INVALID_ARGUMENT;
		break;
	}
	out->b = b;
	release_copies(small, text);
}

jwks_result gojwks_has_scopes(const jwks_token *t, const char *names, const size_t *lens,
                              size_t n, jwks_scope_match how, bool *out, jwks_error **err) {
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += lens[i] + 1;
	}
	char small[256];
	const char *small_ptrs[16];
	char *text = copies(small, sizeof small, total);
	const char **ptrs = n <= 16 ? small_ptrs : malloc(n * sizeof *ptrs);
	jwks_result code = JWKS_RESULT_INTERNAL;
	if (text != NULL && ptrs != NULL) {
		char *p = text;
		for (size_t i = 0; i < n; i++) {
			if (lens[i]) memcpy(p, names, lens[i]);
			p[lens[i]] = 0;
			ptrs[i] = p;
			p += lens[i] + 1;
			names += lens[i];
		}
		code = jwks_token_has_scopes(t, ptrs, n, how, out, err);
	}
	release_copies(small, text);
	if (ptrs != small_ptrs) {
		free(ptrs);
	}
	return code;
}

jwks_result gojwks_scope_check(const char *scope, size_t len, jwks_error **err) {
	char small[256];
	char *text = copies(small, sizeof small, len + 1);
	if (text == NULL) {
		return JWKS_RESULT_INTERNAL;
	}
	if (len) memcpy(text, scope, len);
	text[len] = 0;
	jwks_result code = jwks_scope_check(text, err);
	release_copies(small, text);
	return code;
}
