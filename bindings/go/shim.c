#include <stdlib.h>
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

	/* The number of members, or why the payload is not claims. */
	size_t members = 0;
	jwks_error *claims_err = NULL;
	jwks_result claims_code = jwks_token_claims_index(t, NULL, 0, &members, &claims_err);
	if (claims_code != JWKS_RESULT_OK) {
		members = 0;
	}

	out->code = JWKS_RESULT_OK;
	out->err = NULL;
	out->members = members;
	out->claims_code = claims_code;
	out->claims_err = claims_err;
	out->header_len = header_len;
	out->payload_len = payload_len;
	out->alg_len = len_or_zero(alg);
	out->kid_len = len_or_zero(kid);
	out->key_id_len = len_or_zero(key_id);
	out->thumbprint_len = len_or_zero(thumbprint);
	out->has_kid = kid != NULL;
	out->has_key_id = key_id != NULL;
	size_t index_len = members * 4 * sizeof(uint32_t);
	out->needed = index_len + header_len + payload_len + out->alg_len + out->kid_len +
	              out->key_id_len + out->thumbprint_len;
	if (out->needed > cap) {
		/* Taken again with a buffer large enough: the claims' error is made again then. */
		jwks_error_free(claims_err);
		out->claims_err = NULL;
		out->token = t;
		return;
	}
	out->token = NULL;
	char *p = buf;
	if (members > 0) {
		size_t got = 0;
		if (jwks_token_claims_index(t, (uint32_t *)(void *)p, members * 4, &got, NULL) !=
		        JWKS_RESULT_OK ||
		    got != members) {
			out->members = 0;
			out->claims_code = JWKS_RESULT_INTERNAL;
		}
	}
	p += index_len;
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

static jwks_claims claims_of(const char *payload, size_t payload_len, const uint32_t *index,
                             size_t members) {
	jwks_claims c = {payload, payload_len, index, members};
	return c;
}

jwks_result gojwks_claims_get(const char *payload, size_t payload_len, const uint32_t *index,
                              size_t members, jwks_claim_kind kind, const char *name,
                              size_t name_len, const char *value, size_t value_len, char *buf,
                              size_t cap, jwks_claim_value *out) {
	jwks_claims c = claims_of(payload, payload_len, index, members);
	return jwks_claims_get(&c, kind, name, name_len, value, value_len, buf, cap, out);
}

jwks_result gojwks_claims_scopes(const char *payload, size_t payload_len, const uint32_t *index,
                                 size_t members, char *buf, size_t cap, size_t *ends,
                                 size_t ends_cap, size_t *len, size_t *count, jwks_error **err) {
	jwks_claims c = claims_of(payload, payload_len, index, members);
	return jwks_claims_scopes(&c, buf, cap, ends, ends_cap, len, count, err);
}

jwks_result gojwks_claims_has_scopes(const char *payload, size_t payload_len,
                                     const uint32_t *index, size_t members, const char *names,
                                     const size_t *lens, size_t count, jwks_scope_match how,
                                     bool *out, jwks_error **err) {
	jwks_claims c = claims_of(payload, payload_len, index, members);
	return jwks_claims_has_scopes(&c, names, lens, count, how, out, err);
}

jwks_result gojwks_claims_case_unique(const char *payload, size_t payload_len,
                                      const uint32_t *index, size_t members, jwks_error **err) {
	jwks_claims c = claims_of(payload, payload_len, index, members);
	return jwks_claims_case_unique(&c, err);
}

jwks_result gojwks_scope_check(const char *scope, size_t len, jwks_error **err) {
	char small[256];
	char *text = len < sizeof small ? small : malloc(len + 1);
	if (text == NULL) {
		return JWKS_RESULT_INTERNAL;
	}
	/* memcpy from NULL is undefined even for 0 bytes (Go passes NULL for an empty string). */
	if (len) memcpy(text, scope, len);
	text[len] = 0;
	jwks_result code = jwks_scope_check(text, err);
	if (text != small) {
		free(text);
	}
	return code;
}

/* ---- Request verification (DPoP, certificate-bound tokens) ---- */

/* Copies `n` bytes of `s` to `*p` and moves it on (memcpy from NULL is undefined even for 0
 * bytes, and absent strings are NULL). */
static void put(char **p, const char *s, size_t n) {
	if (n) memcpy(*p, s, n);
	*p += n;
}

jwks_result gojwks_request_new(const char *strings, size_t n_auth, size_t n_dpop, int has_scheme,
                               int cert_kind, const char *cert, size_t cert_len,
                               jwks_request **out) {
	const char *method = strings;
	const char *uri = method + strlen(method) + 1;
	const char *p = uri + strlen(uri) + 1;
	jwks_request *r = NULL;
	jwks_result code = jwks_request_new(method, uri, &r);
	for (size_t i = 0; code == JWKS_RESULT_OK && i < n_auth; i++) {
		code = jwks_request_add_authorization(r, p);
		p += strlen(p) + 1;
	}
	for (size_t i = 0; code == JWKS_RESULT_OK && i < n_dpop; i++) {
		code = jwks_request_add_dpop(r, p);
		p += strlen(p) + 1;
	}
	if (code == JWKS_RESULT_OK && has_scheme) {
		code = jwks_request_set_token_scheme(r, p);
	}
	if (code == JWKS_RESULT_OK) {
		switch (cert_kind) {
		case GOJWKS_CERT_NONE:
			break;
		case GOJWKS_CERT_DER:
			code = jwks_request_set_client_cert_der(r, (const uint8_t *)cert, cert_len);
			break;
		case GOJWKS_CERT_PEM:
			code = jwks_request_set_client_cert_pem(r, cert, cert_len);
			break;
		case GOJWKS_CERT_NGINX:
			code = jwks_request_set_client_cert_nginx(r, cert);
			break;
		case GOJWKS_CERT_XFCC:
			code = jwks_request_set_client_cert_xfcc(r, cert);
			break;
		default:
			code = JWKS_RESULT_INVALID_ARGUMENT;
			break;
		}
	}
	if (code != JWKS_RESULT_OK) {
		jwks_request_free(r);
		return code;
	}
	*out = r;
	return JWKS_RESULT_OK;
}

void gojwks_verify_request(const jwks_verifier *v, const jwks_request *r, int at, int64_t now,
                           char *buf, size_t cap, gojwks_parts *out, char *bbuf,
                           gojwks_binding *b) {
	jwks_token *t = NULL;
	jwks_error *err = NULL;
	jwks_result code = at ? jwks_verify_request_at(v, r, now, &t, &err)
	                      : jwks_verify_request(v, r, &t, &err);
	memset(b, 0, sizeof *b);
	if (code != JWKS_RESULT_OK) {
		memset(out, 0, sizeof *out);
		out->code = code;
		out->err = err;
		return;
	}
	const char *jkt = jwks_token_dpop_jkt(t);
	const char *thumbprint = jwks_token_certificate_thumbprint(t);
	const char *nonce = jwks_token_dpop_nonce(t);
	b->scheme = jwks_token_scheme(t);
	b->jkt_len = len_or_zero(jkt);
	b->thumbprint_len = len_or_zero(thumbprint);
	b->nonce_len = len_or_zero(nonce);
	if (b->jkt_len + b->thumbprint_len + b->nonce_len > GOJWKS_BINDING_CAP) {
		/* Not within the library's bounds: refuse rather than cut them short. */
		jwks_token_free(t);
		memset(b, 0, sizeof *b);
		memset(out, 0, sizeof *out);
		out->code = JWKS_RESULT_INTERNAL;
		return;
	}
	char *p = bbuf;
	put(&p, jkt, b->jkt_len);
	put(&p, thumbprint, b->thumbprint_len);
	put(&p, nonce, b->nonce_len);
	gojwks_token_take(t, buf, cap, out);
}

jwks_result gojwks_refusal_take(const jwks_verifier *v, const jwks_request *r, uint32_t code,
                                const char *realm, const char *scope, int64_t now, char *buf,
                                size_t cap, gojwks_refusal *out) {
	jwks_refusal *ref = NULL;
	memset(out, 0, sizeof *out);
	jwks_result rc = jwks_verifier_refusal(v, r, code, realm, scope, now, &ref);
	if (rc != JWKS_RESULT_OK) {
		return rc;
	}
	const char *error = jwks_refusal_error(ref);
	const char *description = jwks_refusal_description(ref);
	const char *nonce = jwks_refusal_dpop_nonce(ref);
	size_t count = jwks_refusal_challenge_count(ref);
	if (count > GOJWKS_MAX_CHALLENGES) {
		jwks_refusal_free(ref);
		return JWKS_RESULT_INTERNAL;
	}
	out->status = jwks_refusal_status(ref);
	out->has_error = error != NULL;
	out->has_nonce = nonce != NULL;
	out->error_len = len_or_zero(error);
	out->description_len = len_or_zero(description);
	out->nonce_len = len_or_zero(nonce);
	out->challenges = count;
	size_t needed = out->error_len + out->description_len + out->nonce_len;
	for (size_t i = 0; i < count; i++) {
		out->challenge_lens[i] = len_or_zero(jwks_refusal_challenge(ref, i));
		needed += out->challenge_lens[i];
	}
	out->needed = needed;
	if (needed <= cap) {
		char *p = buf;
		put(&p, error, out->error_len);
		put(&p, description, out->description_len);
		for (size_t i = 0; i < count; i++) {
			put(&p, jwks_refusal_challenge(ref, i), out->challenge_lens[i]);
		}
		put(&p, nonce, out->nonce_len);
	}
	jwks_refusal_free(ref);
	return JWKS_RESULT_OK;
}
