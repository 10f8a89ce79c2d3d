/*
 * Extreme values through every numeric option setter of jwks.h: 0, 1 and the largest value
 * of the parameter's type (UINT32_MAX, SIZE_MAX). Each is either taken (JWKS_RESULT_OK) or
 * refused by the setter itself with JWKS_RESULT_INVALID_ARGUMENT, as the core's options
 * catalogue says; a verifier made with a value that was taken then verifies tokens (from a
 * key set and from a URL, twice so that the token cache answers) without a crash, a hang or
 * an allocation out of proportion (ASan and valgrind run this program; either aborts on an
 * allocation of many GiB).
 *
 * Usage: test_limits FIXTURE_DIR JWKS_URL (as test_abuse).
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static char *jwks_json, *live, *remote;
static size_t jwks_len;
static const char *url;

static jwks_options *base_options(void) {
  jwks_options *opts = jwks_options_new();
  jwks_options_add_issuer(opts, "https://issuer.test");
  jwks_options_add_audience(opts, "api");
  jwks_options_set_allow_http(opts, true);
  return opts;
}

static const char *name_of(jwks_result r) { return jwks_result_name((uint32_t)r); }

/* Verifies `token` twice (the second from the token cache when it is on) at the current
 * time, then at the extremes of int64_t: each call answers with a code, and a token is handed
 * out only on success. A verdict on the token (too old for a 1 s maximum age) or, for a
 * remote set, keys that cannot be had (a 1 ms timeout, a set with more keys than max_keys) is
 * an answer; misuse or an internal error is not. */
static void verify_all_ways(const char *what, jwks_verifier *v, const char *token, bool remote_keys) {
  for (int round = 0; round < 2; round++) {
    jwks_token *t = NULL;
    jwks_result r = jwks_verify(v, token, strlen(token), &t, NULL);
    jwks_category c = jwks_result_category((uint32_t)r);
    bool fine = c == JWKS_CATEGORY_OK || c == JWKS_CATEGORY_TOKEN_REJECTED ||
                (remote_keys && c == JWKS_CATEGORY_KEYS_UNAVAILABLE);
    CHECK(fine && (t != NULL) == (r == JWKS_RESULT_OK), "%s: verify %d: %s", what, round, name_of(r));
    jwks_token_free(t);
  }
  int64_t extremes[] = {INT64_MIN, -1, 0, INT64_MAX};
  for (size_t i = 0; i < sizeof extremes / sizeof *extremes; i++) {
    jwks_token *t = NULL;
    jwks_result r = jwks_verify_at(v, token, strlen(token), extremes[i], &t, NULL);
    CHECK((t != NULL) == (r == JWKS_RESULT_OK), "%s: verify_at %lld: %s", what, (long long)extremes[i],
          name_of(r));
    jwks_token_free(t);
  }
}

/* Makes verifiers from `opts` over the key set and over the URL and verifies with each. A
 * verifier may be refused at creation only with INVALID_ARGUMENT (a check relating two
 * settings, e.g. the cache ttl outside its bounds). */
static void exercise(const char *what, const jwks_options *opts) {
  jwks_verifier *v = NULL;
  jwks_result r = jwks_verifier_from_json(jwks_json, jwks_len, opts, &v, NULL);
  CHECK(r == JWKS_RESULT_OK || r == JWKS_RESULT_INVALID_ARGUMENT, "%s: from_json: %s", what, name_of(r));
  if (v) verify_all_ways(what, v, live, false);
  jwks_verifier_free(v);

  v = NULL;
  r = jwks_verifier_from_url(url, opts, &v, NULL);
  CHECK(r == JWKS_RESULT_OK || r == JWKS_RESULT_INVALID_ARGUMENT, "%s: from_url: %s", what, name_of(r));
  if (v) verify_all_ways(what, v, remote, true);
  jwks_verifier_free(v);
}

typedef jwks_result (*u32_setter)(jwks_options *, uint32_t);
typedef jwks_result (*size_setter)(jwks_options *, size_t);

static int taken, refused;

static void u32_case(const char *name, u32_setter set, uint32_t value, jwks_result want) {
  jwks_options *opts = base_options();
  jwks_result r = set(opts, value);
  CHECK(r == want, "%s(%lu): %s, expected %s", name, (unsigned long)value, name_of(r), name_of(want));
  if (r == JWKS_RESULT_OK) {
    taken++;
    char what[128];
    snprintf(what, sizeof what, "%s(%lu)", name, (unsigned long)value);
    exercise(what, opts);
  } else {
    refused++;
  }
  jwks_options_free(opts);
}

static void size_case(const char *name, size_setter set, size_t value, jwks_result want) {
  jwks_options *opts = base_options();
  jwks_result r = set(opts, value);
  CHECK(r == want, "%s(%zu): %s, expected %s", name, value, name_of(r), name_of(want));
  if (r == JWKS_RESULT_OK) {
    taken++;
    char what[128];
    snprintf(what, sizeof what, "%s(%zu)", name, value);
    exercise(what, opts);
  } else {
    refused++;
  }
  jwks_options_free(opts);
}

#define OK JWKS_RESULT_OK
#define BAD JWKS_RESULT_INVALID_ARGUMENT
#define U32(f, zero, one, max)                   \
  do {                                           \
    u32_case(#f, f, 0, zero);                    \
    u32_case(#f, f, 1, one);                     \
    u32_case(#f, f, UINT32_MAX, max);            \
  } while (0)
#define SIZE(f, zero, one, max)                  \
  do {                                           \
    size_case(#f, f, 0, zero);                   \
    size_case(#f, f, 1, one);                    \
    size_case(#f, f, SIZE_MAX, max);             \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FIXTURE_DIR JWKS_URL\n", argv[0]);
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/jwks.json", argv[1]);
  jwks_json = read_file(path, &jwks_len);
  snprintf(path, sizeof path, "%s/live.jwt", argv[1]);
  live = read_file(path, NULL);
  snprintf(path, sizeof path, "%s/remote.jwt", argv[1]);
  remote = read_file(path, NULL);
  url = argv[2];
  if (!jwks_json || !live || !remote) {
    fprintf(stderr, "missing fixtures in %s\n", argv[1]);
    return 2;
  }

  /* One row per setter: what 0, 1 and the type's maximum get (src/catalogue/options.rs). */
  U32(jwks_options_set_leeway, OK, OK, BAD);
  U32(jwks_options_set_max_token_age, OK, OK, OK);
  SIZE(jwks_options_set_max_token_size, BAD, BAD, BAD);
  U32(jwks_options_set_token_cache, OK, OK, OK);
  SIZE(jwks_options_set_token_cache_bytes, BAD, BAD, OK);
  U32(jwks_options_set_token_cache_max_reuse, BAD, OK, BAD);
  U32(jwks_options_set_cache_ttl, BAD, OK, OK);
  U32(jwks_options_set_refresh_cooldown, OK, OK, OK);
  U32(jwks_options_set_max_stale, OK, OK, OK);
  U32(jwks_options_set_http_timeout_ms, BAD, OK, BAD);
  U32(jwks_options_set_connect_timeout_ms, BAD, OK, BAD);
  SIZE(jwks_options_set_max_response_size, BAD, BAD, OK);
  U32(jwks_options_set_max_keys, BAD, OK, OK);

  /* The bounds, alone and with a ttl that lies within them. */
  jwks_options *opts = base_options();
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 0, 0) == BAD, "bounds 0, 0");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 0, UINT32_MAX) == BAD, "bounds 0, max");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, UINT32_MAX, 1) == BAD, "bounds max, 1");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, UINT32_MAX, UINT32_MAX) == OK, "bounds max, max");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 1, UINT32_MAX) == OK, "bounds 1, max");
  CHECK(jwks_options_set_cache_ttl(opts, UINT32_MAX) == OK, "ttl max");
  exercise("ttl and bounds at the maximum", opts);
  jwks_options_free(opts);

  /* Everything at once at its largest accepted value: the token cache as large as C can ask
   * (allocated as entries come, not up front), keys kept forever, the longest timeouts. */
  opts = base_options();
  CHECK(jwks_options_set_token_cache(opts, UINT32_MAX) == OK, "entries");
  CHECK(jwks_options_set_token_cache_bytes(opts, SIZE_MAX) == OK, "bytes");
  CHECK(jwks_options_set_token_cache_max_reuse(opts, 86400) == OK, "reuse");
  CHECK(jwks_options_set_leeway(opts, 86400) == OK, "leeway");
  CHECK(jwks_options_set_max_token_age(opts, UINT32_MAX) == OK, "age");
  CHECK(jwks_options_set_max_token_size(opts, 1024 * 1024) == OK, "token size");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 1, UINT32_MAX) == OK, "bounds");
  CHECK(jwks_options_set_cache_ttl(opts, UINT32_MAX) == OK, "ttl");
  CHECK(jwks_options_set_refresh_cooldown(opts, UINT32_MAX) == OK, "cooldown");
  CHECK(jwks_options_set_max_stale(opts, UINT32_MAX) == OK, "stale");
  CHECK(jwks_options_set_http_timeout_ms(opts, 3600000) == OK, "timeout");
  CHECK(jwks_options_set_connect_timeout_ms(opts, 3600000) == OK, "connect");
  CHECK(jwks_options_set_max_response_size(opts, SIZE_MAX) == OK, "response");
  CHECK(jwks_options_set_max_keys(opts, UINT32_MAX) == OK, "keys");
  exercise("every option at its largest", opts);
  jwks_verifier *v = NULL;
  CHECK(jwks_verifier_from_json(jwks_json, jwks_len, opts, &v, NULL) == OK, "verifier");
  if (v) {
    verify_all_ways("largest, cache stats", v, live, false);
    jwks_token_cache_stats s;
    CHECK(jwks_verifier_token_cache_stats(v, &s, sizeof s) == OK, "stats");
    CHECK(s.hits >= 1 && s.max_entries == UINT32_MAX && s.max_bytes == (uint64_t)SIZE_MAX,
          "hits %llu, bounds %llu, %llu", (unsigned long long)s.hits, (unsigned long long)s.max_entries,
          (unsigned long long)s.max_bytes);
  }
  jwks_verifier_free(v);
  jwks_options_free(opts);

  printf("limits: %d values taken, %d refused by their setter\n", taken, refused);
  free(jwks_json);
  free(live);
  free(remote);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
