/*
 * ABI abuse tests of libjwks: what a careless or hostile caller can do through jwks.h.
 *
 * Usage: test_abuse FIXTURE_DIR JWKS_URL
 *   FIXTURE_DIR  made by `cargo run --example c_fixtures` (jwks.json, live.jwt, remote.jwt,
 *                remote-unknown.jwt)
 *   JWKS_URL     a loopback http:// endpoint serving the key of remote.jwt (`jwks serve`)
 *
 * 1. NULL for every pointer argument of every function in the header (the calls are generated
 *    from the header by gen_null_calls.py into null_calls.inc).
 * 2. The freed-and-NULL'd handle pattern, double frees through NULL.
 * 3. Sixteen threads verifying through a remote verifier while another forces refreshes.
 * Exits 0 only if every check passed.
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

/* A fixture file that must exist. */
static char *fixture(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *text = read_file(path, len);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  return text;
}

/* Valid arguments for the generated calls. */
typedef struct {
  char *jwks;
  size_t jwks_len;
  char jwks_path[4096];
  char *token;
  size_t token_len;
  int64_t now;
  jwks_options *opts;
  jwks_verifier *verifier;
  jwks_token *token_handle;
  jwks_error *error;
  /* A copy of the live token's claims (jwks_claims_*). */
  uint32_t claims_index[64];
  jwks_claims claims;
  char authorization[16384];
  jwks_request *request;         /* Bearer with the live token: verifies */
  jwks_request *scratch_request; /* what the generated setters change */
  jwks_refusal *refusal;
} context;

/* Callbacks for the DPoP setters: never called by the abuse tests (no proof verifies). */
static int abuse_ctx;
static const uint8_t abuse_der[] = {0x30, 0x03, 0x02, 0x01, 0x00};
static uint32_t abuse_replay_check(void *c, const char *key, int64_t expires_at, int64_t now) {
  (void)c, (void)key, (void)expires_at, (void)now;
  return JWKS_REPLAY_VERDICT_UNAVAILABLE;
}
static size_t abuse_nonce_issue(void *c, int64_t now, char *buf, size_t cap) {
  (void)c, (void)now, (void)buf, (void)cap;
  return 0;
}
static bool abuse_nonce_check(void *c, const char *nonce, int64_t now) {
  (void)c, (void)nonce, (void)now;
  return false;
}
static void abuse_free(void *c) { (void)c; }

static void test_null_everywhere(context *ctx) {
  jwks_verifier *out_verifier;
  jwks_token *out_token;
  jwks_error *out_error;
  jwks_stats out_stats;
  jwks_token_cache_stats out_cache_stats;
  jwks_dpop_stats out_dpop_stats;
  jwks_request *out_request;
  jwks_refusal *out_refusal;
  uint64_t out_counts[JWKS_VERIFY_COUNTS_LEN];
  char *out_string;
  const char *out_chars;
  size_t out_len;
  char out_buf[16384];
  int64_t out_int;
  bool out_bool;
  const char *const required_scopes[] = {"read"};
  const size_t lens_read[] = {4};
  jwks_claim_value out_claim;
  size_t out_ends[16];
  uint32_t out_index[64];
  int calls = 0;

#define RESET_OUTPUTS()  \
  do {                   \
    out_verifier = NULL; \
    out_request = NULL;  \
    out_refusal = NULL;  \
    out_token = NULL;    \
    out_error = NULL;    \
    out_string = NULL;   \
    out_chars = NULL;    \
  } while (0)
#define RELEASE_OUTPUTS()                \
  do {                                   \
    jwks_verifier_free(out_verifier);    \
    jwks_request_free(out_request);      \
    jwks_refusal_free(out_refusal);      \
    (void)out_dpop_stats;                \
    jwks_token_free(out_token);          \
    jwks_error_free(out_error);          \
    jwks_string_free(out_string);        \
    (void)out_stats, (void)out_len;      \
    (void)out_cache_stats, (void)out_counts; \
    (void)out_buf;                       \
    (void)out_int, (void)out_bool;       \
    (void)required_scopes, (void)lens_read; \
    (void)out_claim, (void)out_ends;     \
    (void)out_index;                     \
  } while (0)
#define UNTOUCHED() (!out_verifier && !out_token && !out_string && !out_chars && !out_request && !out_refusal)
#define BASELINE(label, expr)                                                            \
  do {                                                                                   \
    jwks_result r_ = (expr);                                                             \
    CHECK(r_ == JWKS_RESULT_OK, "%s with valid arguments: %s (%s)", label,               \
          jwks_result_name(r_), out_error ? jwks_error_message(out_error) : "");         \
  } while (0)
#define EXPECT_ERROR(label, expr)                                                        \
  do {                                                                                   \
    jwks_result r_ = (expr);                                                             \
    calls++;                                                                             \
    CHECK(r_ != JWKS_RESULT_OK && jwks_result_category(r_) == JWKS_CATEGORY_MISUSE,      \
          "%s returned %s", label, jwks_result_name(r_));                                \
    CHECK(UNTOUCHED(), "%s wrote an output on failure", label);                          \
    CHECK(!out_error || jwks_error_code(out_error) == r_, "%s: error code differs", label); \
  } while (0)
#define ANY_RESULT(label, expr)                                                          \
  do {                                                                                   \
    jwks_result r_ = (expr);                                                             \
    calls++;                                                                             \
    CHECK(r_ == JWKS_RESULT_OK || UNTOUCHED(), "%s wrote an output on failure", label);  \
  } while (0)
#define EXPECT_NULL_OR_EMPTY(label, expr)                                                \
  do {                                                                                   \
    const char *p_ = (expr);                                                             \
    calls++;                                                                             \
    CHECK(p_ == NULL || p_[0] == '\0', "%s returned \"%s\"", label, p_);                 \
  } while (0)
#define ANY_POINTER(label, expr) \
  do {                           \
    (void)(expr);                \
    calls++;                     \
  } while (0)
#define NOTE_CALL(label) calls++

#include "null_calls.inc"

  CHECK(calls == NULL_CALL_COUNT && calls > 60, "%d NULL calls made", calls);
  printf("NULL-argument calls: %d\n", calls);
}

static void test_freed_handles(context *ctx) {
  jwks_verifier *v = NULL;
  CHECK(jwks_verifier_from_json(ctx->jwks, ctx->jwks_len, NULL, &v, NULL) == JWKS_RESULT_OK,
        "verifier");
  jwks_verifier_free(v);
  v = NULL; /* the documented pattern: free, then NULL the pointer */
  jwks_verifier_free(v);
  jwks_token *t = NULL;
  jwks_error *e = NULL;
  CHECK(jwks_verify(v, ctx->token, ctx->token_len, &t, &e) == JWKS_RESULT_NULL_ARGUMENT,
        "verify on a NULL'd handle");
  CHECK(t == NULL && e != NULL, "outputs");
  CHECK(strstr(jwks_error_message(e), "verifier") != NULL, "message names the argument: %s",
        jwks_error_message(e));
  jwks_error_free(e);
  e = NULL;
  jwks_error_free(e);
  jwks_options *o = jwks_options_new();
  jwks_options_free(o);
  o = NULL;
  CHECK(jwks_options_add_issuer(o, "x") == JWKS_RESULT_NULL_ARGUMENT, "options NULL'd");
  jwks_options_free(o);

  /* Lengths that do not match the data: shorter reads only `len` bytes; zero is empty. */
  CHECK(jwks_verifier_from_json(ctx->jwks, ctx->jwks_len / 2, NULL, &v, NULL) ==
            JWKS_RESULT_KEY_SET_INVALID, "truncated key set");
  CHECK(jwks_verifier_from_json(ctx->jwks, 0, NULL, &v, NULL) == JWKS_RESULT_KEY_SET_INVALID,
        "zero-length key set");
  CHECK(v == NULL, "no verifier");
  /* Non-UTF-8 in every string option. */
  jwks_options *bad = jwks_options_new();
  const char *invalid = "\xc3\x28\xff";
  CHECK(jwks_options_add_issuer(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "issuer");
  CHECK(jwks_options_add_audience(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "aud");
  CHECK(jwks_options_add_algorithm(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "alg");
  CHECK(jwks_options_set_typ(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "typ");
  CHECK(jwks_options_add_required_claim(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "claim");
  CHECK(jwks_options_set_proxy(bad, invalid) == JWKS_RESULT_INVALID_ARGUMENT, "proxy");
  CHECK(jwks_options_add_http_header(bad, invalid, "v") == JWKS_RESULT_INVALID_ARGUMENT, "hdr");
  CHECK(jwks_verifier_from_file(invalid, bad, &v, NULL) == JWKS_RESULT_INVALID_ARGUMENT, "path");
  jwks_options_free(bad);
  jwks_token *tok = NULL;
  CHECK(jwks_verify(ctx->verifier, ctx->token, ctx->token_len, &tok, NULL) == JWKS_RESULT_OK,
        "live token");
  bool b;
  CHECK(jwks_token_claim_bool(tok, invalid, &b) != JWKS_RESULT_OK, "claim name not UTF-8");
  jwks_token_free(tok);
}

/* Sixteen threads verifying while another thread forces refreshes. */
typedef struct {
  const jwks_verifier *v;
  const char *good;
  const char *unknown;
  int wrong;
  int verified;
} worker;

static volatile int refreshing = 1;

static void *verify_loop(void *p) {
  worker *w = p;
  for (int i = 0; i < 400; i++) {
    jwks_token *t = NULL;
    jwks_error *e = NULL;
    jwks_result r = jwks_verify(w->v, w->good, strlen(w->good), &t, &e);
    if (r == JWKS_RESULT_OK) {
      w->verified++;
    } else {
      w->wrong++;
      if (w->wrong < 3) fprintf(stderr, "valid token: %s\n", jwks_error_message(e));
    }
    jwks_token_free(t);
    jwks_error_free(e);
    if (i % 8 == 0) {
      t = NULL;
      r = jwks_verify(w->v, w->unknown, strlen(w->unknown), &t, NULL);
      if (r != JWKS_RESULT_UNKNOWN_KEY || t != NULL) w->wrong++;
    }
  }
  return NULL;
}

static void *refresh_loop(void *p) {
  const jwks_verifier *v = p;
  int *failures = calloc(1, sizeof *failures);
  while (refreshing) {
    jwks_error *e = NULL;
    if (jwks_verifier_refresh(v, &e) != JWKS_RESULT_OK) {
      (*failures)++;
      fprintf(stderr, "refresh: %s\n", jwks_error_message(e));
    }
    jwks_error_free(e);
  }
  return failures;
}

static void test_threads_and_refreshes(const char *dir, const char *url) {
  char *good = fixture(dir, "remote.jwt", NULL);
  char *unknown = fixture(dir, "remote-unknown.jwt", NULL);
  jwks_options *opts = jwks_options_new();
  jwks_options_set_allow_http(opts, true);
  jwks_options_add_issuer(opts, "https://issuer.test");
  jwks_options_add_audience(opts, "api");
  /* Generous: valgrind runs one thread at a time, so the refreshing thread waits its turn
   * behind sixteen verifying ones. */
  jwks_options_set_http_timeout_ms(opts, 60000);
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  CHECK(jwks_verifier_from_url(url, opts, &v, &err) == JWKS_RESULT_OK, "from_url: %s",
        jwks_error_message(err));
  jwks_options_free(opts);
  jwks_error_free(err);
  if (!v) return;

  enum { N = 16 };
  pthread_t threads[N], refresher;
  worker w[N];
  refreshing = 1;
  pthread_create(&refresher, NULL, refresh_loop, v);
  for (int i = 0; i < N; i++) {
    w[i] = (worker){v, good, unknown, 0, 0};
    pthread_create(&threads[i], NULL, verify_loop, &w[i]);
  }
  int wrong = 0, verified = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    wrong += w[i].wrong;
    verified += w[i].verified;
  }
  refreshing = 0;
  void *failures;
  pthread_join(refresher, &failures);
  jwks_stats st;
  CHECK(jwks_verifier_stats(v, &st) == JWKS_RESULT_OK, "stats");
  printf("remote: %d verified by %d threads during %llu fetches (%llu not modified)\n", verified,
         N, (unsigned long long)st.fetches, (unsigned long long)st.not_modified);
  CHECK(wrong == 0 && verified == N * 400, "%d wrong results, %d verified", wrong, verified);
  CHECK(*(int *)failures == 0, "%d refreshes failed", *(int *)failures);
  CHECK(st.fetches >= 2 && st.failures == 0, "fetches %llu failures %llu",
        (unsigned long long)st.fetches, (unsigned long long)st.failures);
  free(failures);
  jwks_verifier_free(v);
  free(good);
  free(unknown);
}

/* The token cache under eight threads: hits of the good token, misses of changed copies
 * (rejected), unknown kids, and a thread forcing refreshes; then a rotation that takes the
 * good token's key out of the endpoint must turn its cached verdict into UNKNOWN_KEY. */
typedef struct {
  const jwks_verifier *v;
  const char *good;
  int wrong;
} cache_worker;

static void *cache_loop(void *p) {
  cache_worker *w = p;
  size_t len = strlen(w->good);
  char *bad = malloc(len);
  for (int i = 0; i < 300; i++) {
    jwks_token *t = NULL;
    if (jwks_verify(w->v, w->good, len, &t, NULL) != JWKS_RESULT_OK) w->wrong++;
    jwks_token_free(t);
    memcpy(bad, w->good, len);
    bad[(size_t)i * 13 % len] ^= 0x02;
    t = NULL;
    if (jwks_verify(w->v, bad, len, &t, NULL) == JWKS_RESULT_OK || t != NULL) w->wrong++;
    jwks_token_free(t);
  }
  free(bad);
  return NULL;
}

static void test_token_cache_threads_and_rotation(const char *dir, const char *url) {
  char *good = fixture(dir, "remote.jwt", NULL);
  jwks_options *opts = jwks_options_new();
  jwks_options_set_allow_http(opts, true);
  jwks_options_add_issuer(opts, "https://issuer.test");
  jwks_options_add_audience(opts, "api");
  jwks_options_set_http_timeout_ms(opts, 60000);
  jwks_options_set_token_cache(opts, 64);
  jwks_verifier *v = NULL;
  CHECK(jwks_verifier_from_url(url, opts, &v, NULL) == JWKS_RESULT_OK, "from_url");
  jwks_options_free(opts);
  if (!v || !good) return;
  enum { N = 8 };
  pthread_t threads[N], refresher;
  cache_worker w[N];
  refreshing = 1;
  pthread_create(&refresher, NULL, refresh_loop, v);
  for (int i = 0; i < N; i++) {
    w[i] = (cache_worker){v, good, 0};
    pthread_create(&threads[i], NULL, cache_loop, &w[i]);
  }
  int wrong = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    wrong += w[i].wrong;
  }
  refreshing = 0;
  void *failures;
  pthread_join(refresher, &failures);
  free(failures);
  jwks_token_cache_stats s;
  CHECK(jwks_verifier_token_cache_stats(v, &s, sizeof s) == JWKS_RESULT_OK, "cache stats");
  printf("token cache: %llu hits, %llu misses by %d threads during refreshes\n",
         (unsigned long long)s.hits, (unsigned long long)s.misses, N);
  CHECK(wrong == 0, "%d wrong results", wrong);
  CHECK(s.hits > 0 && s.misses >= N * 300 && s.entries <= 64, "hits %llu misses %llu",
        (unsigned long long)s.hits, (unsigned long long)s.misses);

  /* Rotation: the key is taken out of the served directory (and put back afterwards). */
  char key[4096], away[4096];
  snprintf(key, sizeof key, "%s/keys/ec-1.key", dir);
  snprintf(away, sizeof away, "%s/ec-1.key.retired", dir); /* out of the served directory */
  jwks_token *t = NULL;
  CHECK(jwks_verify(v, good, strlen(good), &t, NULL) == JWKS_RESULT_OK, "cached");
  jwks_token_free(t);
  CHECK(jwks_verifier_token_cache_stats(v, &s, sizeof s) == JWKS_RESULT_OK, "cache stats");
  uint64_t hits = s.hits;
  CHECK(rename(key, away) == 0, "retire ec-1");
  jwks_error *e = NULL;
  CHECK(jwks_verifier_refresh(v, &e) == JWKS_RESULT_OK, "refresh: %s",
        e ? jwks_error_message(e) : "");
  jwks_error_free(e);
  t = NULL;
  jwks_result r = jwks_verify(v, good, strlen(good), &t, NULL);
  CHECK(r == JWKS_RESULT_UNKNOWN_KEY && t == NULL, "after rotation: %d", (int)r);
  jwks_token_free(t);
  CHECK(rename(away, key) == 0, "restore ec-1");
  CHECK(jwks_verifier_token_cache_stats(v, &s, sizeof s) == JWKS_RESULT_OK && s.hits == hits,
        "the rotated-out token was answered from the cache");
  jwks_verifier_free(v);
  free(good);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FIXTURE_DIR JWKS_URL\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  context ctx = {0};
  ctx.jwks = fixture(dir, "jwks.json", &ctx.jwks_len);
  snprintf(ctx.jwks_path, sizeof ctx.jwks_path, "%s/jwks.json", dir);
  ctx.token = fixture(dir, "live.jwt", &ctx.token_len);
  ctx.now = (int64_t)time(NULL);
  ctx.opts = jwks_options_new();
  jwks_options_add_issuer(ctx.opts, "https://issuer.test");
  jwks_options_add_audience(ctx.opts, "api");
  CHECK(jwks_verifier_from_json(ctx.jwks, ctx.jwks_len, ctx.opts, &ctx.verifier, NULL) ==
            JWKS_RESULT_OK, "verifier");
  CHECK(jwks_verify(ctx.verifier, ctx.token, ctx.token_len, &ctx.token_handle, NULL) ==
            JWKS_RESULT_OK, "live token");
  size_t members = 0;
  CHECK(jwks_token_claims_index(ctx.token_handle, ctx.claims_index, 64, &members, NULL) ==
            JWKS_RESULT_OK,
        "claims index");
  size_t payload_len = 0;
  ctx.claims.payload = jwks_token_payload(ctx.token_handle, &payload_len);
  ctx.claims.payload_len = payload_len;
  ctx.claims.index = ctx.claims_index;
  ctx.claims.members = members;
  jwks_token *none = NULL;
  CHECK(jwks_verify(ctx.verifier, "x.y.z", 5, &none, &ctx.error) == JWKS_RESULT_MALFORMED,
        "an error to inspect");
  snprintf(ctx.authorization, sizeof ctx.authorization, "Bearer %s", ctx.token);
  CHECK(jwks_request_new("GET", "https://api.example/x", &ctx.request) == JWKS_RESULT_OK, "request");
  CHECK(jwks_request_add_authorization(ctx.request, ctx.authorization) == JWKS_RESULT_OK, "authorization");
  CHECK(jwks_request_new("GET", "https://api.example/x", &ctx.scratch_request) == JWKS_RESULT_OK, "scratch");
  CHECK(jwks_verifier_refusal(ctx.verifier, ctx.request, JWKS_RESULT_EXPIRED, NULL, NULL, ctx.now, &ctx.refusal) ==
            JWKS_RESULT_OK, "a refusal to inspect");
  if (ctx.verifier && ctx.token_handle && ctx.error && ctx.refusal) {
    test_null_everywhere(&ctx);
    test_freed_handles(&ctx);
  }
  test_threads_and_refreshes(dir, argv[2]);
  test_token_cache_threads_and_rotation(dir, argv[2]);

  jwks_token_free(ctx.token_handle);
  jwks_request_free(ctx.request);
  jwks_request_free(ctx.scratch_request);
  jwks_refusal_free(ctx.refusal);
  jwks_error_free(ctx.error);
  jwks_verifier_free(ctx.verifier);
  jwks_options_free(ctx.opts);
  free(ctx.jwks);
  free(ctx.token);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
