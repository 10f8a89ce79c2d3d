#include <string.h>

#include "shim.h"

static size_t len_or_zero(const char *s) { return s == NULL ? 0 : strlen(s); }

void gojwks_token_take(jwks_token *t, char *buf, size_t cap, gojwks_parts *out) {
	size_t header_len = 0, payload_len = 0;
	const char *header = jwks_token_header(t, &header_len);
	const char *payload = jwks_token_payload(t, &payload_len);
	const char *alg = jwks_token_alg(t);
	const char *kid = jwks_token_kid(t);
	const char *key_id = jwks_token_key_id(t);
	const char *thumbprint = jwks_token_key_thumbprint(t);

	out->code = JWKS_RESULT_OK;
	out->err = NULL;
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
	if (out->needed > cap) {
		out->token = t;
		return;
	}
	out->token = NULL;
	char *p = buf;
	memcpy(p, header, header_len), p += header_len;
	memcpy(p, payload, payload_len), p += payload_len;
	memcpy(p, alg, out->alg_len), p += out->alg_len;
	memcpy(p, kid, out->kid_len), p += out->kid_len;
	memcpy(p, key_id, out->key_id_len), p += out->key_id_len;
	memcpy(p, thumbprint, out->thumbprint_len);
	jwks_token_free(t);
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
	gojwks_token_take(t, buf, cap, out);
}
