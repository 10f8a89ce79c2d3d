/*
 * DPoP and certificate-bound tokens through the C ABI.
 *
 * Usage: test_dpop CORPUS
 *   CORPUS  tests/vectors/dpop/corpus.txt (written by `cargo run --example dpop_corpus`, whose
 *           header describes the format): every case is verified with jwks_verify_request_at
 *           and must get its verdict, and every refusal is answered consistently.
 *
 * Then: a replay store callback shared by two verifiers (a proof replayed to the other is
 * refused; the context is released once, after the last holder); a store that fails (503);
 * nonce callbacks; RFC 9449's example proof through jwks_verify_dpop_proof_at; eight threads
 * racing one proof through the callback store (exactly one accepted); the counters.
 * Exits 0 only if every check passed.
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_ITEMS 8

typedef struct {
  char name[128];
  long long now;
  char *options[MAX_ITEMS][2];
  size_t n_options;
  char *method, *uri, *route;
  char *auth[MAX_ITEMS];
  size_t n_auth;
  char *dpop[MAX_ITEMS];
  size_t n_dpop;
  char *cert_kind, *cert_value;
  char *expect[MAX_ITEMS];
  size_t n_expect;
} test_case;

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  memcpy(d, s, n + 1);
  return d;
}

static void clear_case(test_case *c) {
  for (size_t i = 0; i < c->n_options; i++) free(c->options[i][0]), free(c->options[i][1]);
  for (size_t i = 0; i < c->n_auth; i++) free(c->auth[i]);
  for (size_t i = 0; i < c->n_dpop; i++) free(c->dpop[i]);
  for (size_t i = 0; i < c->n_expect; i++) free(c->expect[i]);
  free(c->method), free(c->uri), free(c->route), free(c->cert_kind), free(c->cert_value);
  memset(c, 0, sizeof *c);
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* URL-decodes `s` in place (percent-escapes only); returns the length. */
static size_t percent_decode(char *s) {
  char *out = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0) {
      *out++ = (char)(hex_value(p[1]) * 16 + hex_value(p[2]));
      p += 2;
    } else {
      *out++ = *p;
    }
  }
  *out = '\0';
  return (size_t)(out - s);
}

static void apply_option(jwks_options *o, const char *name, const char *value) {
  jwks_result r;
  if (!strcmp(name, "token_scheme")) r = jwks_options_set_token_scheme(o, value);
  else if (!strcmp(name, "dpop_nonce_lifetime")) r = jwks_options_set_dpop_nonce_lifetime(o, (uint32_t)strtoul(value, NULL, 10));
  else if (!strcmp(name, "dpop_nonce_secret")) r = jwks_options_set_dpop_nonce_secret(o, value);
  else if (!strcmp(name, "allow_dpop_bound_bearer")) r = jwks_options_set_allow_dpop_bound_bearer(o, !strcmp(value, "true"));
  else if (!strcmp(name, "require_certificate_binding")) r = jwks_options_set_require_certificate_binding(o, !strcmp(value, "true"));
  else if (!strcmp(name, "algorithms")) r = jwks_options_add_algorithm(o, value);
  else r = JWKS_RESULT_INVALID_ARGUMENT;
  CHECK(r == JWKS_RESULT_OK, "option %s %s: %s", name, value, jwks_result_name(r));
}

static jwks_options *case_options(const test_case *c) {
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_add_issuer(o, "https://issuer.example") == JWKS_RESULT_OK, "issuer");
  CHECK(jwks_options_add_audience(o, "api") == JWKS_RESULT_OK, "audience");
  for (size_t i = 0; i < c->n_options; i++) apply_option(o, c->options[i][0], c->options[i][1]);
  return o;
}

static jwks_request *case_request(const test_case *c) {
  jwks_request *req = NULL;
  CHECK(jwks_request_new(c->method, c->uri, &req) == JWKS_RESULT_OK, "%s: request", c->name);
  for (size_t i = 0; i < c->n_auth; i++)
    CHECK(jwks_request_add_authorization(req, c->auth[i]) == JWKS_RESULT_OK, "authorization");
  for (size_t i = 0; i < c->n_dpop; i++) CHECK(jwks_request_add_dpop(req, c->dpop[i]) == JWKS_RESULT_OK, "dpop");
  if (c->cert_kind) {
    jwks_result r;
    if (!strcmp(c->cert_kind, "cert_pem_escaped")) {
      char *pem = dup_str(c->cert_value);
      size_t len = percent_decode(pem);
      r = jwks_request_set_client_cert_pem(req, pem, len);
      free(pem);
    } else if (!strcmp(c->cert_kind, "cert_nginx")) {
      r = jwks_request_set_client_cert_nginx(req, c->cert_value);
    } else {
      r = jwks_request_set_client_cert_xfcc(req, c->cert_value);
    }
    CHECK(r == JWKS_RESULT_OK, "%s: certificate", c->name);
  }
  if (c->route) CHECK(jwks_request_set_token_scheme(req, c->route) == JWKS_RESULT_OK, "route scheme");
  return req;
}

/* Checks the answer to a refusal: the status and error of the catalogue, challenges for
 * 400/401/403, a nonce with use_dpop_nonce. */
static void check_refusal(const char *name, const jwks_verifier *v, const jwks_request *req, jwks_result r,
                          int64_t now) {
  jwks_refusal *ref = NULL;
  CHECK(jwks_verifier_refusal(v, req, r, "corpus", NULL, now, &ref) == JWKS_RESULT_OK, "%s: refusal", name);
  uint32_t status = jwks_refusal_status(ref);
  CHECK(status == jwks_result_http_status(r), "%s: status %u", name, status);
  const char *e = jwks_refusal_error(ref), *want = jwks_result_oauth_error(r);
  CHECK((e == NULL && want == NULL) || (e && want && !strcmp(e, want)), "%s: error %s", name, e ? e : "-");
  size_t n = jwks_refusal_challenge_count(ref);
  if (status == 400 || status == 401 || status == 403) {
    CHECK(n >= 1, "%s: no challenge", name);
    for (size_t i = 0; i < n; i++) {
      const char *ch = jwks_refusal_challenge(ref, i);
      CHECK(ch && (!strncmp(ch, "Bearer", 6) || !strncmp(ch, "DPoP", 4)), "%s: challenge %s", name, ch);
      CHECK(strstr(ch, "realm=\"corpus\"") != NULL, "%s: realm in %s", name, ch);
    }
  } else {
    CHECK(n == 0, "%s: %zu challenges for %u", name, n, status);
  }
  CHECK(jwks_refusal_challenge(ref, n) == NULL, "%s: past the end", name);
  if (r == JWKS_RESULT_DPOP_NONCE_REQUIRED) CHECK(jwks_refusal_dpop_nonce(ref) != NULL, "%s: nonce", name);
  CHECK(!strcmp(jwks_refusal_description(ref), jwks_result_description(r)), "%s: description", name);
  jwks_refusal_free(ref);
}

static char *jwks_json;
static test_case saved_valid; /* the first accepted DPoP case, for the tests after the corpus */

static void run_case(const test_case *c) {
  jwks_options *o = case_options(c);
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  CHECK(jwks_verifier_from_json(jwks_json, strlen(jwks_json), o, &v, &err) == JWKS_RESULT_OK, "%s: verifier: %s",
        c->name, err ? jwks_error_message(err) : "");
  jwks_error_free(err);
  jwks_options_free(o);
  jwks_request *req = case_request(c);
  for (size_t i = 0; i < c->n_expect; i++) {
    jwks_token *tok = NULL;
    err = NULL;
    jwks_result r = jwks_verify_request_at(v, req, c->now, &tok, &err);
    CHECK(!strcmp(jwks_result_name(r), c->expect[i]), "%s (verification %zu): %s, expected %s: %s", c->name, i + 1,
          jwks_result_name(r), c->expect[i], err ? jwks_error_message(err) : "");
    if (r == JWKS_RESULT_OK) {
      const char *scheme = jwks_token_scheme(tok);
      CHECK(scheme != NULL, "%s: scheme", c->name);
      if (scheme && !strcmp(scheme, "DPoP")) CHECK(jwks_token_dpop_jkt(tok) != NULL, "%s: jkt", c->name);
      if (c->cert_kind) CHECK(jwks_token_certificate_thumbprint(tok) != NULL, "%s: x5t", c->name);
    } else {
      CHECK(tok == NULL && err != NULL && jwks_error_code(err) == r, "%s: outputs on failure", c->name);
      check_refusal(c->name, v, req, r, c->now);
    }
    jwks_token_free(tok);
    jwks_error_free(err);
  }
  jwks_request_free(req);
  jwks_verifier_free(v);
}

static size_t run_corpus(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  char *line = NULL;
  size_t cap = 0, cases = 0;
  ssize_t n;
  test_case c;
  memset(&c, 0, sizeof c);
  while ((n = getline(&line, &cap, f)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0 || line[0] == '#') continue;
    char *value = strchr(line, ' ');
    if (value) *value++ = '\0';
    else value = line + n;
    if (!strcmp(line, "jwks")) {
      free(jwks_json);
      jwks_json = dup_str(value);
    } else if (!strcmp(line, "case")) {
      clear_case(&c);
      snprintf(c.name, sizeof c.name, "%s", value);
    } else if (!strcmp(line, "now")) {
      c.now = strtoll(value, NULL, 10);
    } else if (!strcmp(line, "option") && c.n_options < MAX_ITEMS) {
      char *v = strchr(value, ' ');
      if (v) *v++ = '\0';
      c.options[c.n_options][0] = dup_str(value);
      c.options[c.n_options++][1] = dup_str(v ? v : "");
    } else if (!strcmp(line, "method")) {
      c.method = dup_str(value);
    } else if (!strcmp(line, "uri")) {
      c.uri = dup_str(value);
    } else if (!strcmp(line, "route_scheme")) {
      c.route = dup_str(value);
    } else if (!strcmp(line, "authorization") && c.n_auth < MAX_ITEMS) {
      c.auth[c.n_auth++] = dup_str(value);
    } else if (!strcmp(line, "dpop") && c.n_dpop < MAX_ITEMS) {
      c.dpop[c.n_dpop++] = dup_str(value);
    } else if (!strncmp(line, "cert_", 5)) {
      c.cert_kind = dup_str(line);
      c.cert_value = dup_str(value);
    } else if (!strcmp(line, "expect") && c.n_expect < MAX_ITEMS) {
      c.expect[c.n_expect++] = dup_str(value);
    } else if (!strcmp(line, "end")) {
      run_case(&c);
      cases++;
      if (!saved_valid.method && !strcmp(c.name, "dpop_valid")) {
        saved_valid = c; /* moved: not cleared */
        memset(&c, 0, sizeof c);
      }
    } else {
      CHECK(0, "unknown record %s", line);
    }
  }
  clear_case(&c);
  free(line);
  fclose(f);
  return cases;
}

/* A replay store callback: a mutex-guarded open-addressing set, as a shared store would be. */
typedef struct {
  pthread_mutex_t lock;
  char keys[1024][44];
  int64_t expiry[1024];
  int calls, freed, fail;
} store;

static uint32_t store_check(void *ctx, const char *key, int64_t expires_at, int64_t now) {
  store *s = ctx;
  pthread_mutex_lock(&s->lock);
  s->calls++;
  uint32_t verdict = JWKS_REPLAY_VERDICT_FRESH;
  if (s->fail) {
    verdict = JWKS_REPLAY_VERDICT_UNAVAILABLE;
  } else {
    size_t h = 0;
    for (const char *p = key; *p; p++) h = h * 31 + (unsigned char)*p;
    for (size_t i = 0; i < 1024; i++) {
      size_t at = (h + i) % 1024;
      if (s->keys[at][0] == '\0') {
        snprintf(s->keys[at], sizeof s->keys[at], "%s", key);
        s->expiry[at] = expires_at;
        break;
      }
      if (!strcmp(s->keys[at], key)) {
        if (now <= s->expiry[at]) verdict = JWKS_REPLAY_VERDICT_SEEN;
        else s->expiry[at] = expires_at;
        break;
      }
    }
  }
  pthread_mutex_unlock(&s->lock);
  return verdict;
}

static void store_free(void *ctx) {
  store *s = ctx;
  s->freed++;
}

static jwks_verifier *verifier_with(const test_case *c, jwks_options *o) {
  jwks_options_add_issuer(o, "https://issuer.example");
  jwks_options_add_audience(o, "api");
  for (size_t i = 0; i < c->n_options; i++) apply_option(o, c->options[i][0], c->options[i][1]);
  jwks_verifier *v = NULL;
  CHECK(jwks_verifier_from_json(jwks_json, strlen(jwks_json), o, &v, NULL) == JWKS_RESULT_OK, "verifier");
  return v;
}

static void test_shared_store(void) {
  store *s = calloc(1, sizeof *s);
  pthread_mutex_init(&s->lock, NULL);
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_dpop_replay_store(o, NULL, NULL, s) == JWKS_RESULT_NULL_ARGUMENT, "NULL callback");
  CHECK(jwks_options_set_dpop_replay_store(o, store_check, store_free, s) == JWKS_RESULT_OK, "set store");
  /* Two processes of a fleet: two verifiers sharing the store. */
  jwks_verifier *a = verifier_with(&saved_valid, o), *b = verifier_with(&saved_valid, o);
  jwks_options_free(o);
  CHECK(s->freed == 0, "released while verifiers hold it");
  jwks_request *req = case_request(&saved_valid);
  jwks_token *t = NULL;
  CHECK(jwks_verify_request_at(a, req, saved_valid.now, &t, NULL) == JWKS_RESULT_OK, "first");
  jwks_token_free(t);
  t = NULL;
  CHECK(jwks_verify_request_at(b, req, saved_valid.now, &t, NULL) == JWKS_RESULT_DPOP_PROOF_REPLAYED,
        "replayed to the other verifier");
  CHECK(s->calls == 2, "%d calls", s->calls);
  jwks_dpop_stats stats;
  CHECK(jwks_verifier_dpop_stats(b, &stats, sizeof stats) == JWKS_RESULT_OK, "stats");
  CHECK(stats.replays == 1 && stats.proofs_rejected == 1 && stats.replay_entries == 0, "stats of b");
  CHECK(jwks_verifier_dpop_stats(a, &stats, 8) == JWKS_RESULT_OK && stats.proofs_verified == 1, "first field only");
  CHECK(jwks_verifier_dpop_stats(a, &stats, 7) == JWKS_RESULT_INVALID_ARGUMENT, "odd size");
  jwks_verifier_free(a);
  CHECK(s->freed == 0, "released while b holds it");
  jwks_verifier_free(b);
  CHECK(s->freed == 1, "released once, after the last holder (%d)", s->freed);

  /* A store that fails: 503, never accepted. */
  s->fail = 1;
  o = jwks_options_new();
  jwks_options_set_dpop_replay_store(o, store_check, NULL, s);
  jwks_verifier *down = verifier_with(&saved_valid, o);
  jwks_options_free(o);
  jwks_error *e = NULL;
  jwks_result r = jwks_verify_request_at(down, req, saved_valid.now, &t, &e);
  CHECK(r == JWKS_RESULT_REPLAY_STORE_UNAVAILABLE, "failing store: %s", jwks_result_name(r));
  CHECK(jwks_result_is_keys_unavailable(r) && jwks_result_http_status(r) == 503, "503");
  jwks_error_free(e);
  jwks_refusal *ref = NULL;
  CHECK(jwks_verifier_refusal(down, req, r, NULL, NULL, saved_valid.now, &ref) == JWKS_RESULT_OK, "refusal");
  CHECK(jwks_refusal_status(ref) == 503 && jwks_refusal_challenge_count(ref) == 0, "503 without challenge");
  jwks_refusal_free(ref);
  jwks_verifier_free(down);
  jwks_request_free(req);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

static size_t nonce_issue(void *ctx, int64_t now, char *buf, size_t cap) {
  (void)ctx, (void)now;
  const char *n = "nonce-42";
  if (cap < strlen(n)) return 0;
  memcpy(buf, n, strlen(n));
  return strlen(n);
}

static bool nonce_check(void *ctx, const char *nonce, int64_t now) {
  (void)ctx, (void)now;
  return !strcmp(nonce, "nonce-42");
}

static void test_nonce_callbacks(void) {
  int freed = 0;
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_dpop_nonce_source(o, nonce_issue, NULL, NULL, NULL) == JWKS_RESULT_NULL_ARGUMENT, "NULL");
  CHECK(jwks_options_set_dpop_nonce_source(o, nonce_issue, nonce_check, (jwks_free_fn)NULL, &freed) ==
            JWKS_RESULT_OK, "nonce source");
  jwks_verifier *v = verifier_with(&saved_valid, o);
  jwks_options_free(o);
  jwks_request *req = case_request(&saved_valid);
  jwks_token *t = NULL;
  jwks_result r = jwks_verify_request_at(v, req, saved_valid.now, &t, NULL);
  CHECK(r == JWKS_RESULT_DPOP_NONCE_REQUIRED, "no nonce in the proof: %s", jwks_result_name(r));
  jwks_refusal *ref = NULL;
  jwks_verifier_refusal(v, req, r, NULL, NULL, saved_valid.now, &ref);
  CHECK(jwks_refusal_dpop_nonce(ref) && !strcmp(jwks_refusal_dpop_nonce(ref), "nonce-42"), "DPoP-Nonce");
  CHECK(jwks_refusal_error(ref) && !strcmp(jwks_refusal_error(ref), "use_dpop_nonce"), "use_dpop_nonce");
  CHECK(jwks_refusal_status(ref) == 401, "401");
  jwks_refusal_free(ref);
  char *nonce = NULL;
  CHECK(jwks_verifier_dpop_nonce(v, 0, &nonce, NULL) == JWKS_RESULT_OK && nonce && !strcmp(nonce, "nonce-42"),
        "current nonce");
  jwks_string_free(nonce);
  jwks_verifier_free(v);
  /* Nonces off: no nonce, and the request passes. */
  o = jwks_options_new();
  jwks_verifier *plain = verifier_with(&saved_valid, o);
  jwks_options_free(o);
  nonce = (char *)"untouched";
  CHECK(jwks_verifier_dpop_nonce(plain, 0, &nonce, NULL) == JWKS_RESULT_OK && nonce == NULL, "no nonce");
  CHECK(jwks_verify_request_at(plain, req, saved_valid.now, &t, NULL) == JWKS_RESULT_OK, "without nonces");
  CHECK(jwks_token_dpop_nonce(t) == NULL, "no nonce to send");
  jwks_token_free(t);
  jwks_verifier_free(plain);
  jwks_request_free(req);
}

/* RFC 9449 §7.1's example proof (unwrapped from the RFC 8792 folding), its access token and
 * the thumbprint of its key (§6.1). */
static const char *rfc_proof =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0"
    "RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAt"
    "MjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9w"
    "cm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtz"
    "bVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";
static const char *rfc_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
static const char *rfc_uri = "https://resource.example.org/protectedresource";
static const int64_t rfc_iat = 1562262618;

static void test_rfc_proof(void) {
  jwks_verifier *v = NULL;
  jwks_verifier_from_json(jwks_json, strlen(jwks_json), NULL, &v, NULL);
  char *jkt = NULL;
  jwks_error *e = NULL;
  jwks_result r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, rfc_token,
                                            strlen(rfc_token), rfc_iat, &jkt, &e);
  CHECK(r == JWKS_RESULT_OK, "RFC proof: %s %s", jwks_result_name(r), e ? jwks_error_message(e) : "");
  CHECK(jkt && !strcmp(jkt, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"), "jkt %s", jkt ? jkt : "-");
  jwks_string_free(jkt);
  jwks_error_free(e);
  jkt = NULL;
  r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, rfc_token, strlen(rfc_token),
                                rfc_iat + 1, &jkt, NULL);
  CHECK(r == JWKS_RESULT_DPOP_PROOF_REPLAYED && jkt == NULL, "again: %s", jwks_result_name(r));
  r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, NULL, 0, rfc_iat, &jkt, NULL);
  CHECK(r == JWKS_RESULT_DPOP_PROOF_REPLAYED, "without its token, the replay is still seen: %s",
        jwks_result_name(r));
  jwks_verifier_free(v);
  jwks_verifier_from_json(jwks_json, strlen(jwks_json), NULL, &v, NULL);
  r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "POST", rfc_uri, rfc_token, strlen(rfc_token),
                                rfc_iat, &jkt, NULL);
  CHECK(r == JWKS_RESULT_DPOP_PROOF_MISMATCH, "POST: %s", jwks_result_name(r));
  r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, "other", 5, rfc_iat, &jkt, NULL);
  CHECK(r == JWKS_RESULT_DPOP_PROOF_MISMATCH, "another token: %s", jwks_result_name(r));
  r = jwks_verify_dpop_proof_at(v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, rfc_token, strlen(rfc_token),
                                rfc_iat + 3600, &jkt, NULL);
  CHECK(r == JWKS_RESULT_DPOP_PROOF_STALE, "an hour later: %s", jwks_result_name(r));
  jwks_verifier_free(v);
}

/* Eight threads sending the same proof at once through the callback store: one accepted. */
typedef struct {
  const jwks_verifier *v;
  int ok, replayed, other;
} racer;

static pthread_barrier_t start_line;

static void *race(void *p) {
  racer *w = p;
  pthread_barrier_wait(&start_line);
  char *jkt = NULL;
  jwks_result r = jwks_verify_dpop_proof_at(w->v, rfc_proof, strlen(rfc_proof), "GET", rfc_uri, rfc_token,
                                            strlen(rfc_token), rfc_iat, &jkt, NULL);
  if (r == JWKS_RESULT_OK) w->ok++;
  else if (r == JWKS_RESULT_DPOP_PROOF_REPLAYED) w->replayed++;
  else w->other++;
  jwks_string_free(jkt);
  return NULL;
}

static void test_threads(void) {
  for (int round = 0; round < 20; round++) {
    store *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    jwks_options *o = jwks_options_new();
    jwks_options_set_dpop_replay_store(o, store_check, store_free, s);
    jwks_verifier *v = NULL;
    jwks_verifier_from_json(jwks_json, strlen(jwks_json), o, &v, NULL);
    jwks_options_free(o);
    enum { N = 8 };
    pthread_t threads[N];
    racer workers[N];
    pthread_barrier_init(&start_line, NULL, N);
    for (int i = 0; i < N; i++) {
      workers[i] = (racer){v, 0, 0, 0};
      pthread_create(&threads[i], NULL, race, &workers[i]);
    }
    int ok = 0, replayed = 0, other = 0;
    for (int i = 0; i < N; i++) {
      pthread_join(threads[i], NULL);
      ok += workers[i].ok, replayed += workers[i].replayed, other += workers[i].other;
    }
    pthread_barrier_destroy(&start_line);
    CHECK(ok == 1 && replayed == N - 1 && other == 0, "round %d: %d accepted, %d replays, %d other", round, ok,
          replayed, other);
    jwks_verifier_free(v);
    CHECK(s->freed == 1, "context released");
    pthread_mutex_destroy(&s->lock);
    free(s);
  }
}

static void test_misuse(void) {
  jwks_request *req = NULL;
  CHECK(jwks_request_new("GET", "https://a.example/", &req) == JWKS_RESULT_OK, "request");
  CHECK(jwks_request_set_token_scheme(req, "mtls") == JWKS_RESULT_INVALID_ARGUMENT, "unknown scheme");
  CHECK(jwks_request_add_dpop(req, "\xc3\x28") == JWKS_RESULT_INVALID_ARGUMENT, "bad UTF-8");
  jwks_verifier *v = NULL;
  jwks_verifier_from_json(jwks_json, strlen(jwks_json), NULL, &v, NULL);
  jwks_refusal *ref = NULL;
  CHECK(jwks_verifier_refusal(v, req, 0, NULL, NULL, 0, &ref) == JWKS_RESULT_INVALID_ARGUMENT && !ref, "code 0");
  CHECK(jwks_verifier_refusal(v, req, 77, NULL, NULL, 0, &ref) == JWKS_RESULT_INVALID_ARGUMENT && !ref, "no code");
  CHECK(jwks_verifier_refusal(v, NULL, JWKS_RESULT_INSUFFICIENT_SCOPE, NULL, "orders:read", 0, &ref) ==
            JWKS_RESULT_OK, "scope");
  CHECK(jwks_refusal_status(ref) == 403, "403");
  CHECK(strstr(jwks_refusal_challenge(ref, 0), "scope=\"orders:read\"") != NULL, "%s", jwks_refusal_challenge(ref, 0));
  jwks_refusal_free(ref);
  /* A DER certificate that is no DER. */
  const uint8_t junk[4] = {1, 2, 3, 4};
  jwks_request *bound = NULL;
  jwks_request_new("GET", "https://a.example/", &bound);
  CHECK(jwks_request_set_client_cert_der(bound, junk, sizeof junk) == JWKS_RESULT_OK, "DER is copied as given");
  jwks_request_free(bound);
  CHECK(jwks_result_http_status(JWKS_RESULT_OK) == 0 && jwks_result_http_status(JWKS_RESULT_INVALID_REQUEST) == 400,
        "statuses");
  CHECK(jwks_result_oauth_error(JWKS_RESULT_NO_CREDENTIALS) == NULL, "no error code without a token");
  CHECK(!strcmp(jwks_result_oauth_error(JWKS_RESULT_DPOP_PROOF_STALE), "invalid_dpop_proof"), "proof errors");
  jwks_verifier_free(v);
  jwks_request_free(req);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS\n", argv[0]);
    return 2;
  }
  (void)read_file; /* check.h's, unused here */
  size_t cases = run_corpus(argv[1]);
  CHECK(cases >= 50, "%zu cases", cases);
  CHECK(saved_valid.method != NULL, "the corpus has dpop_valid");
  test_shared_store();
  test_nonce_callbacks();
  test_rfc_proof();
  test_threads();
  test_misuse();
  clear_case(&saved_valid);
  free(jwks_json);
  printf("DPoP corpus: %zu cases; %d passed, %d failed\n", cases, passed, failed);
  return failed ? 1 : 0;
}
