/* The C row of the benchmark: a C program linking libjwks, verifying the shared fixture tokens
 * the way a server does per request (jwks_verify, jwks_token_payload, jwks_token_free).
 *
 *   verify_bench FIXTURE_DIR OUT.json [ROUNDS [RING_FLOOR_SO]]
 *
 * Reads FIXTURE_DIR/jwks.json and FIXTURE_DIR/tokens.txt ("issuer ...", "audience ...",
 * "token NAME ALG TOKEN" and "floor NAME A_HEX B_HEX SIG_HEX" lines). Per token, it times
 * ROUNDS (default 21) rounds of batches of about 6 ms and reports the median.
 *
 * With RING_FLOOR_SO (a shared library exporting ring_floor_run, as built from
 * bench/ring_floor), each round also times the bare ring verify of the same
 * signing input in this process, alternating with the jwks batch, and the median of the
 * per-round ratios is reported too: machines are noisy, and figures from different processes
 * differ by more than the overhead being measured.
 *
 * Writes {"c": {"NAME": microseconds, ...}, "ring": {...}, "ratio": {...}}. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwks.h"

#define MAX_TOKENS 16
#define MAX_ROUNDS 101

typedef int64_t (*ring_floor_fn)(const char *alg, const uint8_t *a, size_t a_len,
                                 const uint8_t *b, size_t b_len, const uint8_t *input,
                                 size_t input_len, const uint8_t *sig, size_t sig_len,
                                 uint64_t iterations);

struct fixture {
  char *name, *alg, *token;
  uint8_t *a, *b, *sig;
  size_t a_len, b_len, sig_len;
};

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Decodes hex ("-" is empty) into a new buffer. */
static uint8_t *unhex(const char *hex, size_t *len) {
  if (strcmp(hex, "-") == 0) { *len = 0; return malloc(1); }
  size_t n = strlen(hex) / 2;
  uint8_t *out = malloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) { fprintf(stderr, "bad hex\n"); exit(1); }
    out[i] = (uint8_t)v;
  }
  *len = n;
  return out;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t sink;

static void verify_once(const jwks_verifier *v, const char *token, size_t len) {
  jwks_token *t = NULL;
  jwks_error *err = NULL;
  jwks_result r = jwks_verify(v, token, len, &t, &err);
  if (r != JWKS_RESULT_OK) {
    fprintf(stderr, "verify failed: %s: %s\n", jwks_result_name(r), jwks_error_message(err));
    exit(1);
  }
  size_t plen = 0;
  const char *payload = jwks_token_payload(t, &plen);
  sink += plen + (size_t)(payload[0] == '{');
  jwks_token_free(t);
}

static double batch_ns(const jwks_verifier *v, const char *token, size_t len, long iters) {
  double start = now_ns();
  for (long i = 0; i < iters; i++) verify_once(v, token, len);
  return (now_ns() - start) / (double)iters;
}

static double floor_ns(ring_floor_fn floor, const struct fixture *f, long iters) {
  size_t input_len = (size_t)(strrchr(f->token, '.') - f->token);
  int64_t ns = floor(f->alg, f->a, f->a_len, f->b, f->b_len, (const uint8_t *)f->token, input_len,
                     f->sig, f->sig_len, (uint64_t)iters);
  if (ns < 0) { fprintf(stderr, "ring floor failed for %s: %lld\n", f->name, (long long)ns); exit(1); }
  return (double)ns / (double)iters;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct fixture *find(struct fixture *fx, int count, const char *name) {
  for (int i = 0; i < count; i++)
    if (strcmp(fx[i].name, name) == 0) return &fx[i];
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s FIXTURE_DIR OUT.json [ROUNDS [RING_FLOOR_SO]]\n", argv[0]);
    return 2;
  }
  int rounds = argc >= 4 ? atoi(argv[3]) : 21;
  if (rounds < 1 || rounds > MAX_ROUNDS) {
    fprintf(stderr, "ROUNDS must be 1..%d\n", MAX_ROUNDS);
    return 2;
  }
  ring_floor_fn floor = NULL;
  if (argc == 5) {
    void *lib = dlopen(argv[4], RTLD_NOW | RTLD_LOCAL);
    if (!lib || !(floor = (ring_floor_fn)(uintptr_t)dlsym(lib, "ring_floor_run"))) {
      fprintf(stderr, "%s: %s\n", argv[4], dlerror());
      return 1;
    }
  }

  char path[4096];
  size_t jwks_len, text_len;
  snprintf(path, sizeof path, "%s/jwks.json", argv[1]);
  char *jwks = read_file(path, &jwks_len);
  snprintf(path, sizeof path, "%s/tokens.txt", argv[1]);
  char *text = read_file(path, &text_len);

  jwks_options *opts = jwks_options_new();
  /* Every round verifies the same tokens again: with the token cache on (the default) this
   * would time cache hits, not verifications. The cache has its own rows (core cache). */
  if (jwks_options_set_token_cache(opts, 0) != JWKS_RESULT_OK) {
    fprintf(stderr, "cannot turn the token cache off\n");
    return 1;
  }
  struct fixture fx[MAX_TOKENS];
  int count = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (strncmp(line, "issuer ", 7) == 0) {
      jwks_options_add_issuer(opts, line + 7);
    } else if (strncmp(line, "audience ", 9) == 0) {
      jwks_options_add_audience(opts, line + 9);
    } else if (strncmp(line, "token ", 6) == 0 && count < MAX_TOKENS) {
      char *s2 = NULL;
      struct fixture *f = &fx[count++];
      memset(f, 0, sizeof *f);
      strtok_r(line, " ", &s2);
      f->name = strtok_r(NULL, " ", &s2);
      f->alg = strtok_r(NULL, " ", &s2);
      f->token = strtok_r(NULL, " ", &s2);
      if (!f->token) { fprintf(stderr, "bad token line\n"); return 1; }
    } else if (strncmp(line, "floor ", 6) == 0) {
      char *s2 = NULL;
      strtok_r(line, " ", &s2);
      struct fixture *f = find(fx, count, strtok_r(NULL, " ", &s2));
      char *a = strtok_r(NULL, " ", &s2), *b = strtok_r(NULL, " ", &s2);
      char *sig = strtok_r(NULL, " ", &s2);
      if (!f || !sig) { fprintf(stderr, "bad floor line\n"); return 1; }
      f->a = unhex(a, &f->a_len);
      f->b = unhex(b, &f->b_len);
      f->sig = unhex(sig, &f->sig_len);
    }
  }
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  if (jwks_verifier_from_json(jwks, jwks_len, opts, &v, &err) != JWKS_RESULT_OK) {
    fprintf(stderr, "key set: %s\n", jwks_error_message(err));
    return 1;
  }
  jwks_options_free(opts);
  if (floor)
    for (int i = 0; i < count; i++)
      if (!fx[i].sig) { fprintf(stderr, "no floor line for %s\n", fx[i].name); return 1; }

  /* Warm up (CPU frequency, caches) for half a second before timing anything. */
  for (double start = now_ns(); now_ns() - start < 5e8;)
    verify_once(v, fx[0].token, strlen(fx[0].token));

  double us[MAX_TOKENS], ring_us[MAX_TOKENS], ratio[MAX_TOKENS];
  for (int i = 0; i < count; i++) {
    size_t len = strlen(fx[i].token);
    double probe = batch_ns(v, fx[i].token, len, 10);
    long iters = (long)(6e6 / probe);
    if (iters < 3) iters = 3;
    double t[MAX_ROUNDS], fl[MAX_ROUNDS], r[MAX_ROUNDS];
    for (int k = 0; k < rounds; k++) {
      /* Alternate which goes first, so neither always follows the other. */
      if (floor && k % 2) fl[k] = floor_ns(floor, &fx[i], iters);
      t[k] = batch_ns(v, fx[i].token, len, iters);
      if (floor && !(k % 2)) fl[k] = floor_ns(floor, &fx[i], iters);
      if (floor) r[k] = t[k] / fl[k];
    }
    us[i] = median(t, rounds) / 1000.0;
    ring_us[i] = floor ? median(fl, rounds) / 1000.0 : 0;
    ratio[i] = floor ? median(r, rounds) : 0;
    fprintf(stderr, "  C program %-11s %8.2f us", fx[i].name, us[i]);
    if (floor) fprintf(stderr, "   ring %8.2f us   ratio %.3f", ring_us[i], ratio[i]);
    fprintf(stderr, "\n");
  }

  FILE *out = fopen(argv[2], "w");
  if (!out) { perror(argv[2]); return 1; }
  const char *keys[] = {"c", "ring", "ratio"};
  double *vals[] = {us, ring_us, ratio};
  fprintf(out, "{");
  for (int k = 0; k < (floor ? 3 : 1); k++) {
    fprintf(out, "%s\"%s\": {", k ? ", " : "", keys[k]);
    for (int i = 0; i < count; i++)
      fprintf(out, "%s\"%s\": %.4f", i ? ", " : "", fx[i].name, vals[k][i]);
    fprintf(out, "}");
  }
  fprintf(out, "}\n");
  fclose(out);
  jwks_verifier_free(v);
  for (int i = 0; i < count; i++) { free(fx[i].a); free(fx[i].b); free(fx[i].sig); }
  free(jwks);
  free(text);
  return 0;
}
