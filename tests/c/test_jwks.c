/*
 * C tests of libjwks, written only against include/jwks.h as a user would.
 *
 * Usage: test_jwks FIXTURE_DIR
 * FIXTURE_DIR holds jwks.json and tokens.txt ("EXPECTED_CODE NOW NAME TOKEN" per line), made
 * by `cargo run --example c_fixtures`. Exits 0 only if every check passed; prints
 * "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

typedef struct {
  unsigned code;
  long long now;
  char name[64];
  char *token; /* heap copy, exactly sized: ASan catches reads past the end */
  size_t len;
} token_case;

static token_case cases[64];
static int ncases;

static void load_cases(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/tokens.txt", dir);
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line && ncases < 64;
       line = strtok_r(NULL, "\n", &save)) {
    token_case *c = &cases[ncases];
    char token[20000];
    if (sscanf(line, "%u %lld %63s %19999s", &c->code, &c->now, c->name, token) != 4) continue;
    c->len = strlen(token);
    c->token = malloc(c->len); /* no NUL on purpose: the API takes (pointer, length) */
    memcpy(c->token, token, c->len);
    ncases++;
  }
  free(text);
}

static jwks_verifier *make_verifier(const char *jwks, size_t len) {
  jwks_options *opts = jwks_options_new();
  CHECK(jwks_options_add_issuer(opts, "https://issuer.test") == JWKS_RESULT_OK, "add_issuer");
  CHECK(jwks_options_add_audience(opts, "api") == JWKS_RESULT_OK, "add_audience");
  CHECK(jwks_options_set_leeway(opts, 0) == JWKS_RESULT_OK, "leeway");
  CHECK(jwks_options_set_require_exp(opts, true) == JWKS_RESULT_OK, "require_exp");
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  jwks_result r = jwks_verifier_from_json(jwks, len, opts, &v, &err);
  CHECK(r == JWKS_RESULT_OK, "from_json: %s", err ? jwks_error_message(err) : "");
  jwks_error_free(err);
  jwks_options_free(opts); /* options are copied: the verifier must not depend on them */
  return v;
}

static void test_version(void) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", JWKS_VERSION_MAJOR, JWKS_VERSION_MINOR,
           JWKS_VERSION_PATCH);
  CHECK(strcmp(jwks_version(), expected) == 0, "version %s vs %s", jwks_version(), expected);
}

static void test_cases(const jwks_verifier *v) {
  for (int i = 0; i < ncases; i++) {
    token_case *c = &cases[i];
    jwks_token *tok = NULL;
    jwks_error *err = NULL;
    jwks_result r = jwks_verify_at(v, c->token, c->len, c->now, &tok, &err);
    CHECK(r == c->code, "%s: got %u (%s: %s), want %u", c->name, r, jwks_result_name(r),
          err ? jwks_error_message(err) : "", c->code);
    if (r == JWKS_RESULT_OK) {
      CHECK(tok != NULL && err == NULL, "%s: outputs on success", c->name);
      size_t plen = 0, hlen = 0;
      const char *payload = jwks_token_payload(tok, &plen);
      const char *header = jwks_token_header(tok, &hlen);
      CHECK(payload && plen > 0 && payload[plen] == 0, "%s: payload", c->name);
      CHECK(header && strstr(header, "\"alg\"") != NULL, "%s: header %s", c->name, header);
      CHECK(strcmp(jwks_token_alg(tok), "") != 0, "%s: alg", c->name);
      CHECK(jwks_token_kid(tok) && jwks_token_key_id(tok) &&
                strcmp(jwks_token_kid(tok), jwks_token_key_id(tok)) == 0,
            "%s: kid", c->name);
      CHECK(strlen(jwks_token_key_thumbprint(tok)) == 43, "%s: thumbprint", c->name);
      const char *s = NULL;
      size_t slen = 0;
      CHECK(jwks_token_claim_string(tok, "sub", &s, &slen) == JWKS_RESULT_OK && slen == 7 &&
                memcmp(s, "user-42", 7) == 0,
            "%s: sub", c->name);
      int64_t level = 0;
      CHECK(jwks_token_claim_int(tok, "level", &level) == JWKS_RESULT_OK && level == 7, "level");
      bool admin = false, has = false;
      CHECK(jwks_token_claim_bool(tok, "admin", &admin) == JWKS_RESULT_OK && admin, "admin");
      CHECK(jwks_token_claim_contains(tok, "groups", "ops", &has) == JWKS_RESULT_OK && has, "ops");
      CHECK(jwks_token_claim_contains(tok, "groups", "root", &has) == JWKS_RESULT_OK && !has,
            "root");
      CHECK(jwks_token_claim_contains(tok, "aud", "api", &has) == JWKS_RESULT_OK && has, "aud");
      CHECK(jwks_token_claim_string(tok, "missing", &s, &slen) == JWKS_RESULT_NOT_FOUND, "nf");
      CHECK(jwks_token_claim_int(tok, "sub", &level) == JWKS_RESULT_TYPE_MISMATCH, "mismatch");
      CHECK(jwks_token_claim_bool(tok, "level", &admin) == JWKS_RESULT_TYPE_MISMATCH, "mm");
      CHECK(jwks_token_claim_json(tok, "groups", &s, &slen) == JWKS_RESULT_OK &&
                slen == 15 && memcmp(s, "[\"staff\",\"ops\"]", 15) == 0,
            "%s: groups as JSON", c->name);
      CHECK(jwks_token_claim_json(tok, "missing", &s, &slen) == JWKS_RESULT_NOT_FOUND, "json nf");
      CHECK(jwks_token_claims_readable(tok, NULL) == JWKS_RESULT_OK, "%s: readable", c->name);
      CHECK(jwks_token_claims_case_unique(tok, NULL) == JWKS_RESULT_OK, "%s: case", c->name);
      /* "scope": "read write" */
      size_t nscopes = 0;
      CHECK(jwks_token_scope_count(tok, &nscopes, NULL) == JWKS_RESULT_OK && nscopes == 2,
            "%s: scope count %zu", c->name, nscopes);
      CHECK(jwks_token_scope(tok, 1, &s, &slen) == JWKS_RESULT_OK && slen == 5 &&
                memcmp(s, "write", 5) == 0,
            "%s: scope 1", c->name);
      CHECK(jwks_token_scope(tok, 2, &s, &slen) == JWKS_RESULT_INVALID_ARGUMENT, "scope 2");
      const char *both[] = {"read", "write"}, *other[] = {"admin", "read"};
      CHECK(jwks_token_has_scopes(tok, both, 2, JWKS_SCOPE_MATCH_ALL, &has, NULL) ==
                    JWKS_RESULT_OK && has,
            "%s: all of read write", c->name);
      CHECK(jwks_token_has_scopes(tok, other, 2, JWKS_SCOPE_MATCH_ALL, &has, NULL) ==
                    JWKS_RESULT_OK && !has,
            "%s: all of admin read", c->name);
      CHECK(jwks_token_has_scopes(tok, other, 2, JWKS_SCOPE_MATCH_ANY, &has, NULL) ==
                    JWKS_RESULT_OK && has,
            "%s: any of admin read", c->name);
      const char *spaced[] = {"read write"};
      CHECK(jwks_token_has_scopes(tok, spaced, 1, JWKS_SCOPE_MATCH_ANY, &has, NULL) ==
                JWKS_RESULT_INVALID_ARGUMENT,
            "%s: a required scope with a space", c->name);
      /* A copy of the claims (payload and index) answers as the token, once it is freed. */
      size_t members = 0;
      CHECK(jwks_token_claims_index(tok, NULL, 0, &members, NULL) == JWKS_RESULT_OK &&
                members == 9,
            "%s: %zu members", c->name, members);
      uint32_t *index = calloc(members * 4, sizeof *index);
      CHECK(jwks_token_claims_index(tok, index, 4, &members, NULL) == JWKS_RESULT_INVALID_ARGUMENT &&
                members == 9,
            "%s: index too small", c->name);
      CHECK(jwks_token_claims_index(tok, index, members * 4, &members, NULL) == JWKS_RESULT_OK,
            "%s: index", c->name);
      char *copy = malloc(plen);
      memcpy(copy, payload, plen);
      jwks_token_free(tok);
      tok = NULL;
      jwks_claims claims = {copy, plen, index, members};
      jwks_claim_value value;
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_STRING, "sub", 3, NULL, 0, NULL, 0, &value) ==
                    JWKS_RESULT_OK &&
                value.len == 7 && memcmp(value.str, "user-42", 7) == 0 && value.str >= copy &&
                value.str < copy + plen,
            "%s: copy sub", c->name);
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_INT, "level", 5, NULL, 0, NULL, 0, &value) ==
                    JWKS_RESULT_OK && value.integer == 7,
            "%s: copy level", c->name);
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_CONTAINS, "groups", 6, "ops", 3, NULL, 0, &value) ==
                    JWKS_RESULT_OK && value.boolean,
            "%s: copy groups", c->name);
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_BOOL, "level", 5, NULL, 0, NULL, 0, &value) ==
                JWKS_RESULT_TYPE_MISMATCH,
            "%s: copy mismatch", c->name);
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_JSON, "nope", 4, NULL, 0, NULL, 0, &value) ==
                JWKS_RESULT_NOT_FOUND,
            "%s: copy not found", c->name);
      char text[32];
      size_t ends[4], tlen = 0, count = 0;
      CHECK(jwks_claims_scopes(&claims, text, sizeof text, ends, 4, &tlen, &count, NULL) ==
                    JWKS_RESULT_OK && count == 2 && tlen == 9 && ends[0] == 4 &&
                    memcmp(text, "readwrite", 9) == 0,
            "%s: copy scopes", c->name);
      size_t lens[] = {4, 5};
      CHECK(jwks_claims_has_scopes(&claims, "readwrite", lens, 2, JWKS_SCOPE_MATCH_ALL, &has,
                                   NULL) == JWKS_RESULT_OK && has,
            "%s: copy has scopes", c->name);
      CHECK(jwks_claims_case_unique(&claims, NULL) == JWKS_RESULT_OK, "%s: copy case", c->name);
      index[1] = 100000; /* damaged: an error, never a read out of bounds */
      CHECK(jwks_claims_get(&claims, JWKS_CLAIM_JSON, "sub", 3, NULL, 0, NULL, 0, &value) ==
                JWKS_RESULT_INVALID_ARGUMENT,
            "%s: damaged copy", c->name);
      free(copy);
      free(index);
    } else {
      CHECK(tok == NULL, "%s: no token on failure", c->name);
      CHECK(err != NULL && jwks_error_code(err) == r, "%s: error code", c->name);
      CHECK(err != NULL && strlen(jwks_error_message(err)) > 0, "%s: message", c->name);
      CHECK(jwks_result_is_token_rejected(r), "%s: category", c->name);
      CHECK(jwks_result_category(r) == JWKS_CATEGORY_TOKEN_REJECTED, "%s: category", c->name);
    }
    jwks_token_free(tok);
    jwks_error_free(err);
    /* err may be NULL: same code, no details. */
    tok = NULL;
    CHECK(jwks_verify_at(v, c->token, c->len, c->now, &tok, NULL) == c->code, "%s", c->name);
    jwks_token_free(tok);
  }
}

/* jwks_verify_payload_at gives the same verdict as jwks_verify_at for every case and, on
 * success, the same payload bytes, without a token handle; a short buffer is refused with the
 * size needed. */
static void test_verify_payload(const jwks_verifier *v, const char *dir) {
  for (int i = 0; i < ncases; i++) {
    token_case *c = &cases[i];
    jwks_token *tok = NULL;
    jwks_result want = jwks_verify_at(v, c->token, c->len, c->now, &tok, NULL);
    size_t want_len = 0;
    const char *want_payload = tok ? jwks_token_payload(tok, &want_len) : NULL;

    char *buf = malloc(c->len); /* len bytes always fit the payload */
    size_t got_len = 12345;
    jwks_error *err = NULL;
    jwks_result r = jwks_verify_payload_at(v, c->token, c->len, c->now, buf, c->len, &got_len, &err);
    CHECK(r == want && r == c->code, "%s: payload path got %u, want %u", c->name, r, want);
    if (r == JWKS_RESULT_OK) {
      CHECK(err == NULL, "%s: no error on success", c->name);
      CHECK(got_len == want_len && memcmp(buf, want_payload, want_len) == 0,
            "%s: payload differs (%zu vs %zu bytes)", c->name, got_len, want_len);
      /* One byte short: refused, nothing copied, the size needed told. */
      memset(buf, '#', c->len);
      size_t needed = 0;
      r = jwks_verify_payload_at(v, c->token, c->len, c->now, buf, want_len - 1, &needed, &err);
      CHECK(r == JWKS_RESULT_INVALID_ARGUMENT && needed == want_len, "%s: short buffer: %u, %zu",
            c->name, r, needed);
      CHECK(err != NULL && strstr(jwks_error_message(err), "payload") != NULL,
            "%s: short buffer message", c->name);
      CHECK(buf[0] == '#', "%s: nothing copied into a short buffer", c->name);
      jwks_error_free(err);
      err = NULL;
      /* A size query: no buffer at all. */
      needed = 0;
      r = jwks_verify_payload_at(v, c->token, c->len, c->now, NULL, 0, &needed, NULL);
      CHECK(r == JWKS_RESULT_INVALID_ARGUMENT && needed == want_len, "%s: size query", c->name);
    } else {
      CHECK(err != NULL && jwks_error_code(err) == r, "%s: error code", c->name);
      CHECK(got_len == 12345, "%s: payload_len untouched on a rejected token", c->name);
    }
    jwks_error_free(err);
    free(buf);
    jwks_token_free(tok);
  }
  /* The system-clock variant, on a token valid now. */
  char path[4096];
  snprintf(path, sizeof path, "%s/live.jwt", dir);
  size_t live_len = 0;
  char *live = read_file(path, &live_len);
  CHECK(live != NULL, "read %s", path);
  if (live) {
    while (live_len > 0 && (live[live_len - 1] == '\n' || live[live_len - 1] == '\r')) live_len--;
    char buf[4096];
    size_t got = 0;
    jwks_error *err = NULL;
    jwks_result r = jwks_verify_payload(v, live, live_len, buf, sizeof buf, &got, &err);
    CHECK(r == JWKS_RESULT_OK, "jwks_verify_payload(live.jwt): %s", err ? jwks_error_message(err) : "");
    CHECK(got > 2 && buf[0] == '{' && buf[got - 1] == '}', "live payload is an object");
    jwks_error_free(err);
    free(live);
  }
  /* A NULL buffer with a non-zero capacity is a NULL argument, not a crash. */
  size_t n = 0;
  CHECK(jwks_verify_payload_at(v, cases[0].token, cases[0].len, cases[0].now, NULL, 10, &n, NULL) ==
            JWKS_RESULT_NULL_ARGUMENT,
        "NULL buf");
}

static void test_null_and_garbage(const jwks_verifier *v) {
  jwks_token *tok = NULL;
  jwks_error *err = NULL;
  const char *t = cases[0].token;
  size_t n = cases[0].len;
  CHECK(jwks_verify(NULL, t, n, &tok, &err) == JWKS_RESULT_NULL_ARGUMENT, "null v");
  CHECK(err && jwks_error_code(err) == JWKS_RESULT_NULL_ARGUMENT, "null v err");
  jwks_error_free(err);
  err = NULL;
  CHECK(jwks_verify(v, NULL, n, &tok, NULL) == JWKS_RESULT_NULL_ARGUMENT, "null token");
  CHECK(jwks_verify(v, NULL, 0, &tok, NULL) == JWKS_RESULT_MALFORMED, "empty token");
  CHECK(jwks_verify(v, t, n, NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "null out");
  CHECK(jwks_verify_signature(v, t, n, NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "null out");
  CHECK(tok == NULL, "out untouched");
  /* A length shorter than the token: the library must read only `len` bytes. */
  CHECK(jwks_verify_at(v, t, n - 5, cases[0].now, &tok, NULL) != JWKS_RESULT_OK, "short len");
  CHECK(tok == NULL, "out untouched");
  /* Binary garbage, embedded NULs, invalid UTF-8. */
  const char garbage[] = {'\xff', '.', '\0', '.', '\xfe', 'a', '\x80'};
  CHECK(jwks_verify(v, garbage, sizeof garbage, &tok, NULL) == JWKS_RESULT_MALFORMED, "garbage");
  /* Oversized input is rejected by size, not parsed. */
  size_t big = 10u * 1024 * 1024;
  char *huge = malloc(big);
  memset(huge, '.', big);
  CHECK(jwks_verify(v, huge, big, &tok, NULL) == JWKS_RESULT_TOO_LARGE, "huge");
  free(huge);

  jwks_verifier *v2 = NULL;
  CHECK(jwks_verifier_from_json(NULL, 5, NULL, &v2, NULL) ==
            JWKS_RESULT_NULL_ARGUMENT, "from_json null");
  CHECK(jwks_verifier_from_json("{}", 2, NULL, NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "out");
  CHECK(jwks_verifier_from_json("{", 1, NULL, &v2, &err) == JWKS_RESULT_KEY_SET_INVALID, "bad");
  CHECK(v2 == NULL && err && jwks_result_is_keys_unavailable(jwks_error_code(err)), "cat");
  jwks_error_free(err);
  err = NULL;
  CHECK(jwks_verifier_from_json("{\"keys\":[]}", 11, NULL, &v2, NULL) ==
            JWKS_RESULT_KEY_SET_INVALID, "empty set");
  CHECK(jwks_verifier_from_url(NULL, NULL, &v2, NULL) == JWKS_RESULT_NULL_ARGUMENT, "url");
  CHECK(jwks_verifier_from_url("http://127.0.0.1:9/jwks", NULL, &v2, NULL) ==
            JWKS_RESULT_INSECURE_URL, "http refused by default");
  CHECK(jwks_verifier_from_url("\xff\xfe", NULL, &v2, NULL) == JWKS_RESULT_INVALID_ARGUMENT,
        "non-UTF-8 url");
  CHECK(jwks_verifier_from_issuer(NULL, NULL, &v2, NULL) == JWKS_RESULT_NULL_ARGUMENT, "iss");
  CHECK(jwks_verifier_from_issuers(NULL, &v2, NULL) == JWKS_RESULT_NULL_ARGUMENT, "issuers");
  CHECK(jwks_verifier_from_file(NULL, NULL, &v2, NULL) == JWKS_RESULT_NULL_ARGUMENT, "file");
  CHECK(v2 == NULL, "no verifier on failure");

  /* Options: NULL handle and invalid values. */
  CHECK(jwks_options_add_issuer(NULL, "x") == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_add_audience(NULL, "x") == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_add_algorithm(NULL, "RS256") == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_leeway(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_require_exp(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_allow_http(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_cache_ttl(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_refresh_cooldown(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  CHECK(jwks_options_set_http_timeout_ms(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "opts null");
  jwks_options *opts = jwks_options_new();
  CHECK(jwks_options_add_algorithm(opts, "none") == JWKS_RESULT_INVALID_ARGUMENT, "none");
  CHECK(jwks_options_add_algorithm(opts, "rs256") == JWKS_RESULT_INVALID_ARGUMENT, "case");
  CHECK(jwks_options_add_algorithm(opts, NULL) == JWKS_RESULT_NULL_ARGUMENT, "null alg");
  CHECK(jwks_options_add_issuer(opts, "\xc3\x28") == JWKS_RESULT_INVALID_ARGUMENT, "utf8");
  CHECK(jwks_options_set_http_timeout_ms(opts, 0) == JWKS_RESULT_INVALID_ARGUMENT, "timeout");
  CHECK(jwks_options_add_http_header(opts, "X-Key", "a\r\nb") == JWKS_RESULT_INVALID_ARGUMENT,
        "header injection");
  CHECK(jwks_options_set_ca_pem(opts, "junk", 4) == JWKS_RESULT_INVALID_ARGUMENT, "pem");
  /* The cache ttl is honoured or refused, never silently raised to the minimum bound. */
  CHECK(jwks_options_set_cache_ttl(opts, 0) == JWKS_RESULT_INVALID_ARGUMENT, "zero ttl");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 0, 100) == JWKS_RESULT_INVALID_ARGUMENT,
        "zero minimum ttl");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 200, 100) == JWKS_RESULT_INVALID_ARGUMENT,
        "minimum above maximum");
  CHECK(jwks_options_set_cache_ttl(opts, 1) == JWKS_RESULT_OK, "ttl 1 s set");
  jwks_error *ttl_err = NULL;
  CHECK(jwks_verifier_from_url("https://127.0.0.1:9/jwks", opts, &v2, &ttl_err) ==
            JWKS_RESULT_INVALID_ARGUMENT, "ttl below the 60 s minimum refused at creation");
  CHECK(v2 == NULL, "no verifier with a refused ttl");
  CHECK(ttl_err && strstr(jwks_error_message(ttl_err), "cache ttl (1 s)") != NULL,
        "the error names the ttl");
  jwks_error_free(ttl_err);
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 1, 100) == JWKS_RESULT_OK, "bounds [1, 100]");
  CHECK(jwks_verifier_from_url("https://127.0.0.1:9/jwks", opts, &v2, NULL) == JWKS_RESULT_OK,
        "ttl within the bounds accepted");
  jwks_verifier_free(v2);
  v2 = NULL;
  jwks_options_free(opts);

  /* Token and error accessors with NULL. */
  size_t len = 99;
  CHECK(jwks_token_payload(NULL, &len) == NULL && len == 99, "payload null");
  CHECK(jwks_token_header(NULL, NULL) == NULL, "header null");
  CHECK(jwks_token_alg(NULL) == NULL && jwks_token_kid(NULL) == NULL, "alg/kid null");
  CHECK(jwks_token_key_id(NULL) == NULL && jwks_token_key_thumbprint(NULL) == NULL, "key null");
  const char *s;
  int64_t i;
  bool b;
  CHECK(jwks_token_claim_string(NULL, "sub", &s, &len) == JWKS_RESULT_NULL_ARGUMENT, "cs");
  CHECK(jwks_token_claim_int(NULL, "exp", &i) == JWKS_RESULT_NULL_ARGUMENT, "ci");
  CHECK(jwks_token_claim_bool(NULL, "x", &b) == JWKS_RESULT_NULL_ARGUMENT, "cb");
  CHECK(jwks_token_claim_contains(NULL, "x", "y", &b) == JWKS_RESULT_NULL_ARGUMENT, "cc");
  CHECK(jwks_scope_check("read:orders", NULL) == JWKS_RESULT_OK, "scope check");
  {
    jwks_error *e = NULL;
    CHECK(jwks_scope_check("read\twrite", &e) == JWKS_RESULT_INVALID_ARGUMENT && e &&
              strstr(jwks_error_message(e), "read\\twrite") != NULL,
          "scope check: %s", e ? jwks_error_message(e) : "");
    jwks_error_free(e);
  }
  CHECK(jwks_scope_check("", NULL) == JWKS_RESULT_INVALID_ARGUMENT, "empty scope");
  CHECK(jwks_scope_check(NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "NULL scope");
  CHECK(jwks_error_code(NULL) == JWKS_RESULT_NULL_ARGUMENT, "error code null");
  CHECK(strcmp(jwks_error_message(NULL), "") == 0, "error message null");
  CHECK(jwks_verifier_refresh(NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "refresh null");
  jwks_stats st;
  CHECK(jwks_verifier_stats(NULL, &st) == JWKS_RESULT_NULL_ARGUMENT, "stats null");
  CHECK(jwks_verifier_stats(v, NULL) == JWKS_RESULT_NULL_ARGUMENT, "stats out null");
  CHECK(jwks_verifier_last_error(NULL, &err) == JWKS_RESULT_NULL_ARGUMENT, "last_error");
  char *skipped = NULL;
  CHECK(jwks_verifier_skipped_keys(NULL, &skipped, NULL) == JWKS_RESULT_NULL_ARGUMENT, "sk");
  /* Every free accepts NULL. */
  jwks_options_free(NULL);
  jwks_verifier_free(NULL);
  jwks_token_free(NULL);
  jwks_error_free(NULL);
  jwks_string_free(NULL);

  /* Result helpers on unknown numbers. */
  CHECK(strcmp(jwks_result_name(0), "OK") == 0, "name ok");
  CHECK(strcmp(jwks_result_name(8), "BAD_SIGNATURE") == 0, "name 8");
  CHECK(strcmp(jwks_result_name(123456), "UNKNOWN") == 0, "name unknown");
  CHECK(strlen(jwks_result_description(JWKS_RESULT_EXPIRED)) > 0, "description");
  CHECK(jwks_result_category(123456) == JWKS_CATEGORY_MISUSE, "category unknown");
  CHECK(jwks_result_is_keys_unavailable(JWKS_RESULT_KEYS_UNAVAILABLE), "503");
  CHECK(!jwks_result_is_token_rejected(JWKS_RESULT_KEYS_UNAVAILABLE), "not 401");
}

static void test_static_introspection(const jwks_verifier *v) {
  jwks_stats st;
  memset(&st, 0xff, sizeof st);
  CHECK(jwks_verifier_stats(v, &st) == JWKS_RESULT_OK, "stats");
  CHECK(st.key_count == 4 && st.fetches == 0 && st.skipped_count == 0, "stats %llu",
        (unsigned long long)st.key_count);
  jwks_error *err = (jwks_error *)1;
  CHECK(jwks_verifier_last_error(v, &err) == JWKS_RESULT_OK && err == NULL, "no last error");
  char *skipped = NULL;
  CHECK(jwks_verifier_skipped_keys(v, &skipped, NULL) == JWKS_RESULT_OK, "skipped");
  CHECK(skipped && strcmp(skipped, "[]") == 0, "skipped %s", skipped ? skipped : "(null)");
  jwks_string_free(skipped);
  CHECK(jwks_verifier_refresh(v, NULL) == JWKS_RESULT_OK, "refresh static");

  /* A set with one usable key and two skipped ones reports them. */
  const char *mixed =
      "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"AA\",\"kid\":\"a\"},"
      "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
      "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}";
  jwks_verifier *m = NULL;
  CHECK(jwks_verifier_from_json(mixed, strlen(mixed), NULL, &m, NULL) == JWKS_RESULT_OK, "mixed");
  CHECK(jwks_verifier_skipped_keys(m, &skipped, NULL) == JWKS_RESULT_OK, "skipped");
  CHECK(skipped && strstr(skipped, "\"kid\":\"enc\"") && strstr(skipped, "Ed448"), "%s", skipped);
  jwks_string_free(skipped);
  jwks_verifier_free(m);
}

typedef struct {
  const jwks_verifier *v;
  int errors;
} thread_arg;

static void *verify_many(void *p) {
  thread_arg *a = p;
  for (int round = 0; round < 50; round++) {
    for (int i = 0; i < ncases; i++) {
      jwks_token *tok = NULL;
      jwks_error *err = NULL;
      jwks_result r = jwks_verify_at(a->v, cases[i].token, cases[i].len, cases[i].now, &tok, &err);
      if (r != cases[i].code) a->errors++;
      if (r == JWKS_RESULT_OK) {
        size_t len;
        if (!jwks_token_payload(tok, &len) || len == 0) a->errors++;
      } else if (!err || jwks_error_code(err) != r) {
        a->errors++;
      }
      jwks_token_free(tok);
      jwks_error_free(err);
    }
  }
  return NULL;
}

static void test_threads(const jwks_verifier *v) {
  enum { N = 8 };
  pthread_t threads[N];
  thread_arg args[N];
  for (int i = 0; i < N; i++) {
    args[i].v = v;
    args[i].errors = 0;
    pthread_create(&threads[i], NULL, verify_many, &args[i]);
  }
  int errors = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    errors += args[i].errors;
  }
  CHECK(errors == 0, "%d wrong results across threads", errors);
}

static const token_case *find_case(const char *name) {
  for (int i = 0; i < ncases; i++)
    if (strcmp(cases[i].name, name) == 0) return &cases[i];
  return NULL;
}

static jwks_result verify_case_at(const jwks_verifier *v, const char *token, size_t len,
                                  long long now) {
  jwks_token *t = NULL;
  jwks_result r = jwks_verify_at(v, token, len, now, &t, NULL);
  CHECK((r == JWKS_RESULT_OK) == (t != NULL), "a token handle exactly on success");
  jwks_token_free(t);
  return r;
}

static jwks_token_cache_stats cache_stats(const jwks_verifier *v) {
  jwks_token_cache_stats s;
  memset(&s, 0xff, sizeof s);
  CHECK(jwks_verifier_token_cache_stats(v, &s, sizeof s) == JWKS_RESULT_OK, "cache stats");
  return s;
}

/* The verified-token cache: hits answer as a full verification would (time rules at each
 * call's time, one-bit changes are misses), the bounds and the stats struct's size rule. */
static void test_token_cache(const char *jwks, size_t jwks_len) {
  jwks_options *opts = jwks_options_new();
  jwks_options_add_issuer(opts, "https://issuer.test");
  jwks_options_add_audience(opts, "api");
  CHECK(jwks_options_set_token_cache(opts, 16) == JWKS_RESULT_OK, "set_token_cache");
  CHECK(jwks_options_set_token_cache_bytes(opts, 1 << 20) == JWKS_RESULT_OK, "bytes");
  CHECK(jwks_options_set_token_cache_max_reuse(opts, 60) == JWKS_RESULT_OK, "max_reuse");
  CHECK(jwks_options_set_token_cache_bytes(opts, 100) == JWKS_RESULT_INVALID_ARGUMENT,
        "a byte bound below 4096");
  CHECK(jwks_options_set_token_cache_max_reuse(opts, 0) == JWKS_RESULT_INVALID_ARGUMENT,
        "a reuse time of 0");
  CHECK(jwks_options_set_token_cache(NULL, 1) == JWKS_RESULT_NULL_ARGUMENT, "NULL opts");
  jwks_verifier *v = NULL;
  CHECK(jwks_verifier_from_json(jwks, jwks_len, opts, &v, NULL) == JWKS_RESULT_OK, "verifier");
  if (!v) {
    jwks_options_free(opts);
    return;
  }
  const token_case *rs = find_case("rs256"), *nbf = find_case("nbf");
  CHECK(rs && nbf, "fixtures rs256 and nbf");
  if (!rs || !nbf) return;
  long long now = rs->now, exp = rs->now + 600; /* c_fixtures: exp = NOW + 600, nbf NOW+100 */
  CHECK(verify_case_at(v, rs->token, rs->len, now) == JWKS_RESULT_OK, "first: a miss");
  CHECK(verify_case_at(v, rs->token, rs->len, now) == JWKS_RESULT_OK, "second: a hit");
  jwks_token_cache_stats s = cache_stats(v);
  CHECK(s.hits == 1 && s.misses == 1 && s.entries == 1 && s.max_entries == 16 &&
            s.max_bytes == 1 << 20 && s.bytes > rs->len && s.evictions == 0,
        "hits %llu misses %llu entries %llu", (unsigned long long)s.hits,
        (unsigned long long)s.misses, (unsigned long long)s.entries);
  /* Time rules on a hit, at the caller's time, even earlier than the first verification. */
  CHECK(verify_case_at(v, rs->token, rs->len, exp - 1) == JWKS_RESULT_OK, "before exp");
  CHECK(verify_case_at(v, rs->token, rs->len, exp + 1) == JWKS_RESULT_EXPIRED, "exp + 1");
  CHECK(verify_case_at(v, rs->token, rs->len, now - 11) == JWKS_RESULT_ISSUED_IN_FUTURE,
        "before iat");
  CHECK(verify_case_at(v, nbf->token, nbf->len, now + 100) == JWKS_RESULT_OK, "at nbf");
  CHECK(verify_case_at(v, nbf->token, nbf->len, now + 99) == JWKS_RESULT_NOT_YET_VALID,
        "before nbf, on a hit");
  s = cache_stats(v);
  CHECK(s.hits == 5 && s.misses == 2, "hits %llu misses %llu", (unsigned long long)s.hits,
        (unsigned long long)s.misses);
  /* One bit changed anywhere: a miss, verified (and rejected) on its own. */
  char *copy = malloc(rs->len);
  int accepted = 0;
  for (size_t i = 0; i < rs->len; i += 7) {
    memcpy(copy, rs->token, rs->len);
    copy[i] ^= 0x01;
    if (verify_case_at(v, copy, rs->len, now) == JWKS_RESULT_OK) accepted++;
  }
  free(copy);
  jwks_token_cache_stats after = cache_stats(v);
  CHECK(accepted == 0 && after.hits == s.hits, "%d changed tokens accepted, hits %llu", accepted,
        (unsigned long long)after.hits);
  /* A caller that knows only the first field gets only that; sizes must be multiples of 8. */
  uint64_t first[2] = {0, 12345};
  CHECK(jwks_verifier_token_cache_stats(v, (jwks_token_cache_stats *)(void *)first, 8) ==
            JWKS_RESULT_OK && first[0] == after.hits && first[1] == 12345,
        "size 8 writes 8 bytes");
  CHECK(jwks_verifier_token_cache_stats(v, &after, 0) == JWKS_RESULT_INVALID_ARGUMENT, "size 0");
  CHECK(jwks_verifier_token_cache_stats(v, &after, 12) == JWKS_RESULT_INVALID_ARGUMENT, "size 12");
  CHECK(jwks_verifier_token_cache_stats(NULL, &after, sizeof after) == JWKS_RESULT_NULL_ARGUMENT,
        "NULL verifier");
  jwks_verifier_free(v);

  /* 0 turns it off: nothing is kept, every counter stays 0. */
  CHECK(jwks_options_set_token_cache(opts, 0) == JWKS_RESULT_OK, "off");
  v = NULL;
  CHECK(jwks_verifier_from_json(jwks, jwks_len, opts, &v, NULL) == JWKS_RESULT_OK, "verifier");
  if (v) {
    verify_case_at(v, rs->token, rs->len, now);
    verify_case_at(v, rs->token, rs->len, now);
    s = cache_stats(v);
    CHECK(s.hits == 0 && s.misses == 0 && s.entries == 0 && s.max_entries == 0, "off: zeros");
  }
  jwks_verifier_free(v);
  jwks_options_free(opts);
}

/* A token (and an error) outlive the verifier that made them, as the header allows: every
 * accessor still returns what it returned before jwks_verifier_free. Under ASan and valgrind
 * (scripts/test-c.sh) a token that kept pointing into the freed verifier is an invalid read;
 * in the plain build a second verifier reuses the freed memory, so stale data shows up as a
 * changed value. */
static char *copy_str(const char *s, size_t len) {
  char *c = malloc(len + 1);
  memcpy(c, s, len);
  c[len] = 0;
  return c;
}

static void test_token_outlives_verifier(const char *jwks, size_t len) {
  const token_case *ok = NULL, *bad = NULL;
  for (int i = 0; i < ncases; i++) {
    if (!ok && cases[i].code == JWKS_RESULT_OK) ok = &cases[i];
    if (!bad && cases[i].code == JWKS_RESULT_BAD_SIGNATURE) bad = &cases[i];
  }
  CHECK(ok && bad, "fixtures have a valid and a bad-signature token");
  if (!ok || !bad) return;
  jwks_verifier *v = make_verifier(jwks, len);
  if (!v) return;
  jwks_token *tok = NULL, *none = NULL;
  jwks_error *err = NULL;
  CHECK(jwks_verify_at(v, ok->token, ok->len, ok->now, &tok, NULL) == JWKS_RESULT_OK, "%s",
        ok->name);
  CHECK(jwks_verify_at(v, bad->token, bad->len, bad->now, &none, &err) ==
            JWKS_RESULT_BAD_SIGNATURE,
        "%s", bad->name);
  if (!tok || !err) {
    jwks_token_free(tok);
    jwks_error_free(err);
    jwks_verifier_free(v);
    return;
  }
  size_t plen = 0, hlen = 0, slen = 0;
  const char *p = jwks_token_payload(tok, &plen);
  const char *h = jwks_token_header(tok, &hlen);
  const char *s = NULL;
  CHECK(jwks_token_claim_string(tok, "sub", &s, &slen) == JWKS_RESULT_OK, "sub before free");
  char *payload = copy_str(p, plen), *header = copy_str(h, hlen);
  char *alg = copy_str(jwks_token_alg(tok), strlen(jwks_token_alg(tok)));
  char *kid = copy_str(jwks_token_kid(tok), strlen(jwks_token_kid(tok)));
  char *key_id = copy_str(jwks_token_key_id(tok), strlen(jwks_token_key_id(tok)));
  const char *tp = jwks_token_key_thumbprint(tok);
  char *thumb = copy_str(tp, strlen(tp));
  char *sub = copy_str(s, slen);
  char *message = copy_str(jwks_error_message(err), strlen(jwks_error_message(err)));

  jwks_verifier_free(v);
  /* Reuse the freed memory: a second verifier, and a verification on it. */
  jwks_verifier *v2 = make_verifier(jwks, len);
  jwks_token *tok2 = NULL;
  if (v2) jwks_verify_at(v2, ok->token, ok->len, ok->now, &tok2, NULL);

  p = jwks_token_payload(tok, &plen);
  h = jwks_token_header(tok, &hlen);
  CHECK(plen == strlen(payload) && memcmp(p, payload, plen) == 0, "payload after free");
  CHECK(hlen == strlen(header) && memcmp(h, header, hlen) == 0, "header after free");
  CHECK(strcmp(jwks_token_alg(tok), alg) == 0, "alg after free");
  CHECK(strcmp(jwks_token_kid(tok), kid) == 0, "kid after free");
  CHECK(strcmp(jwks_token_key_id(tok), key_id) == 0, "key_id after free");
  CHECK(strcmp(jwks_token_key_thumbprint(tok), thumb) == 0, "thumbprint after free");
  CHECK(jwks_token_claim_string(tok, "sub", &s, &slen) == JWKS_RESULT_OK &&
            slen == strlen(sub) && memcmp(s, sub, slen) == 0,
        "sub after free");
  int64_t level = 0;
  CHECK(jwks_token_claim_int(tok, "level", &level) == JWKS_RESULT_OK && level == 7,
        "level after free");
  bool has = false;
  CHECK(jwks_token_claim_contains(tok, "groups", "ops", &has) == JWKS_RESULT_OK && has,
        "groups after free");
  CHECK(jwks_error_code(err) == JWKS_RESULT_BAD_SIGNATURE, "error code after free");
  CHECK(strcmp(jwks_error_message(err), message) == 0, "error message after free");

  jwks_token_free(tok);
  jwks_error_free(err);
  jwks_token_free(tok2);
  jwks_verifier_free(v2);
  free(payload);
  free(header);
  free(alg);
  free(kid);
  free(key_id);
  free(thumb);
  free(sub);
  free(message);
}

/* Readiness of a fixed key set (always), and the verifications counted by result code: every
 * fixture case once, twice for the valid ones (the second a token cache hit, counted too). */
static void test_ready_and_verify_counts(const char *jwks, size_t len) {
  jwks_verifier *v = make_verifier(jwks, len);
  if (!v) return;
  bool ready = false;
  CHECK(jwks_verifier_ready(v, &ready) == JWKS_RESULT_OK && ready, "a fixed set is ready");
  CHECK(jwks_verifier_ready(NULL, &ready) == JWKS_RESULT_NULL_ARGUMENT, "ready(NULL)");
  uint64_t want[JWKS_VERIFY_COUNTS_LEN] = {0};
  for (int i = 0; i < ncases; i++) {
    jwks_result r = verify_case_at(v, cases[i].token, cases[i].len, cases[i].now);
    CHECK(r == cases[i].code, "%s: %s", cases[i].name, jwks_result_name(r));
    want[r]++;
    if (r == JWKS_RESULT_OK) {
      verify_case_at(v, cases[i].token, cases[i].len, cases[i].now);
      want[r]++;
    }
  }
  /* A NULL token is refused at the boundary: not a verification the verifier answered. */
  jwks_token *t = NULL;
  CHECK(jwks_verify(v, NULL, 5, &t, NULL) == JWKS_RESULT_NULL_ARGUMENT, "NULL token");
  uint64_t got[JWKS_VERIFY_COUNTS_LEN + 4];
  memset(got, 0xff, sizeof got);
  CHECK(jwks_verifier_verify_counts(v, got, JWKS_VERIFY_COUNTS_LEN + 4) == JWKS_RESULT_OK,
        "verify_counts");
  int differing = 0;
  for (size_t code = 0; code < JWKS_VERIFY_COUNTS_LEN; code++) {
    if (got[code] != want[code]) {
      differing++;
      fprintf(stderr, "code %zu (%s): counted %llu, expected %llu\n", code,
              jwks_result_name((jwks_result)code), (unsigned long long)got[code],
              (unsigned long long)want[code]);
    }
  }
  CHECK(differing == 0, "%d codes counted differently", differing);
  CHECK(want[JWKS_RESULT_OK] >= 2 && want[JWKS_RESULT_EXPIRED] >= 1, "the fixtures cover both");
  for (size_t i = JWKS_VERIFY_COUNTS_LEN; i < JWKS_VERIFY_COUNTS_LEN + 4; i++)
    CHECK(got[i] == 0, "element %zu past the library's codes is zeroed", i);
  /* A shorter array (an older header): only the codes it holds are written. */
  uint64_t short_counts[3] = {7, 7, 7};
  CHECK(jwks_verifier_verify_counts(v, short_counts, 2) == JWKS_RESULT_OK, "len 2");
  CHECK(short_counts[0] == want[0] && short_counts[1] == want[1] && short_counts[2] == 7,
        "len 2 writes two elements");
  CHECK(jwks_verifier_verify_counts(v, got, 0) == JWKS_RESULT_INVALID_ARGUMENT, "len 0");
  CHECK(jwks_verifier_verify_counts(v, NULL, 4) == JWKS_RESULT_NULL_ARGUMENT, "NULL counts");
  CHECK(jwks_verifier_verify_counts(NULL, got, 4) == JWKS_RESULT_NULL_ARGUMENT, "NULL v");
  jwks_verifier_free(v);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/jwks.json", argv[1]);
  size_t len;
  char *jwks = read_file(path, &len);
  if (!jwks) {
    fprintf(stderr, "cannot read %s\n", path);
    return 2;
  }
  load_cases(argv[1]);
  CHECK(ncases >= 10, "only %d cases", ncases);
  test_version();
  test_token_outlives_verifier(jwks, len);
  jwks_verifier *v = make_verifier(jwks, len);
  test_token_cache(jwks, len);
  test_ready_and_verify_counts(jwks, len);
  free(jwks); /* the verifier keeps no pointer into the input */
  if (v) {
    test_cases(v);
    test_verify_payload(v, argv[1]);
    test_null_and_garbage(v);
    test_static_introspection(v);
    test_threads(v);
  }
  jwks_verifier_free(v);
  for (int i = 0; i < ncases; i++) free(cases[i].token);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
