/* The C row of the benchmark: a C program linking libjwks, verifying the shared fixture tokens
 * the way a server does per request (jwks_verify, jwks_token_payload, jwks_token_free).
 *
 *   verify_bench FIXTURE_DIR OUT.json
 *
 * Reads FIXTURE_DIR/jwks.json and FIXTURE_DIR/tokens.txt ("issuer ...", "audience ...",
 * "token NAME ALG TOKEN" lines) and writes {"c": {"NAME": microseconds, ...}}: per token, the
 * median over rounds of batches of about 6 ms. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwks.h"

#define MAX_TOKENS 16
#define ROUNDS 21

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

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s FIXTURE_DIR OUT.json\n", argv[0]); return 2; }
  char path[4096];
  size_t jwks_len, text_len;
  snprintf(path, sizeof path, "%s/jwks.json", argv[1]);
  char *jwks = read_file(path, &jwks_len);
  snprintf(path, sizeof path, "%s/tokens.txt", argv[1]);
  char *text = read_file(path, &text_len);

  jwks_options *opts = jwks_options_new();
  char *names[MAX_TOKENS], *tokens[MAX_TOKENS];
  int count = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "issuer ", 7) == 0) {
      jwks_options_add_issuer(opts, line + 7);
    } else if (strncmp(line, "audience ", 9) == 0) {
      jwks_options_add_audience(opts, line + 9);
    } else if (strncmp(line, "token ", 6) == 0 && count < MAX_TOKENS) {
      char *name = line + 6;
      char *alg = strchr(name, ' ');
      char *token = alg ? strchr(alg + 1, ' ') : NULL;
      if (!token) { fprintf(stderr, "bad line: %s\n", line); return 1; }
      *alg = 0;
      names[count] = name;
      tokens[count] = token + 1;
      count++;
    }
  }
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  if (jwks_verifier_from_json(jwks, jwks_len, opts, &v, &err) != JWKS_RESULT_OK) {
    fprintf(stderr, "key set: %s\n", jwks_error_message(err));
    return 1;
  }
  jwks_options_free(opts);

  FILE *out = fopen(argv[2], "w");
  if (!out) { perror(argv[2]); return 1; }
  /* Warm up (CPU frequency, caches) for half a second before timing anything. */
  for (double start = now_ns(); now_ns() - start < 5e8;)
    verify_once(v, tokens[0], strlen(tokens[0]));
  fprintf(out, "{\"c\": {");
  for (int i = 0; i < count; i++) {
    size_t len = strlen(tokens[i]);
    double probe = batch_ns(v, tokens[i], len, 10);
    long iters = (long)(6e6 / probe);
    if (iters < 3) iters = 3;
    double times[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) times[r] = batch_ns(v, tokens[i], len, iters);
    qsort(times, ROUNDS, sizeof times[0], cmp_double);
    double us = times[ROUNDS / 2] / 1000.0;
    fprintf(stderr, "  C program %-11s %.2f us\n", names[i], us);
    fprintf(out, "%s\"%s\": %.3f", i ? ", " : "", names[i], us);
  }
  fprintf(out, "}}\n");
  fclose(out);
  jwks_verifier_free(v);
  free(jwks);
  free(text);
  return 0;
}
