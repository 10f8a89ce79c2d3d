/*
 * Key rotation under load through the C ABI: THREADS threads verify continuously through one
 * remote verifier while the key endpoint (`jwks serve` over SERVED_DIR) rotates its keys.
 *
 * Usage: test_rotation SERVED_DIR STASH_DIR TOKENS_FILE JWKS_URL EPOCHS EPOCH_MS THREADS
 *   STASH_DIR    epoch-<e>.key for e in 0..EPOCHS (made by `jwks keygen --kid epoch-<e>`)
 *   TOKENS_FILE  "<epoch> <kind> <token>" lines; kinds: valid (signed by key e), expired
 *                (key e, exp in the past), impostor (kid epoch-<e>, another key)
 *   SERVED_DIR   starts empty; this program publishes and retires the keys in it
 *
 * Rotation follows the documented procedure, one step per epoch: during epoch e the endpoint
 * publishes keys e-1, e and e+1 (the next key is out a whole epoch before it signs; the
 * previous stays a whole epoch after it stops) and valid tokens are signed with key e. The
 * endpoint says max-age 1 and the verifier's lower cache bound and unknown-kid cooldown are 1 s,
 * so with epochs of 2 s or more:
 *   - a valid token of the current epoch is never rejected (false rejection);
 *   - a tampered, impostor or expired token is never accepted (false accept) and is rejected
 *     for its own reason;
 *   - a token signed by a key retired at least one epoch ago is rejected (a retired key that
 *     still verifies is a false accept).
 * Exits 0 only if all counts are as required and every kind was exercised.
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MAX_EPOCHS 32

typedef struct {
  char *valid, *tampered, *expired, *impostor;
} epoch_tokens;

static epoch_tokens tokens[MAX_EPOCHS];
static int epochs;
static atomic_int current;
static atomic_bool stop;
static jwks_verifier *verifier;

/* Only the first problems are printed: a broken build would print millions. */
static atomic_long reports;
#define REPORT(...)                                                      \
  do {                                                                   \
    if (atomic_fetch_add(&reports, 1) < 20) fprintf(stderr, __VA_ARGS__); \
  } while (0)

static atomic_long valid_ok, false_rejections, invalid_rejected, false_accepts, wrong_reason,
    retired_rejected, retired_accepted;

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *c = malloc(n + 1);
  memcpy(c, s, n + 1);
  return c;
}

static void load_tokens(const char *path) {
  char *text = read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    int e;
    char kind[32];
    char token[4096];
    if (sscanf(line, "%d %31s %4095s", &e, kind, token) != 3 || e < 0 || e >= MAX_EPOCHS) {
      fprintf(stderr, "bad token line: %s\n", line);
      exit(2);
    }
    epoch_tokens *t = &tokens[e];
    if (strcmp(kind, "valid") == 0) {
      t->valid = dup_str(token);
      /* Flip the first character of the signature: same header and payload, bad signature. */
      t->tampered = dup_str(token);
      char *sig = strrchr(t->tampered, '.') + 1;
      sig[0] = sig[0] == 'A' ? 'B' : 'A';
    } else if (strcmp(kind, "expired") == 0) {
      t->expired = dup_str(token);
    } else if (strcmp(kind, "impostor") == 0) {
      t->impostor = dup_str(token);
    }
  }
  free(text);
  for (int e = 0; e < epochs; e++) {
    if (!tokens[e].valid || !tokens[e].expired || !tokens[e].impostor) {
      fprintf(stderr, "epoch %d lacks a token kind\n", e);
      exit(2);
    }
  }
}

/* Verifies `token` and classifies the outcome against `want` (JWKS_RESULT_OK for a token that
 * must be accepted). */
static void check_one(const char *token, jwks_result want, int epoch, const char *what,
                      atomic_long *ok_count, atomic_long *bad_count) {
  jwks_error *err = NULL;
  jwks_token *tok = NULL;
  jwks_result r = jwks_verify(verifier, token, strlen(token), &tok, &err);
  jwks_token_free(tok);
  if (want == JWKS_RESULT_OK) {
    if (r == JWKS_RESULT_OK) {
      atomic_fetch_add(ok_count, 1);
    } else {
      atomic_fetch_add(bad_count, 1);
      REPORT("epoch %d: false rejection of the %s token: %s\n", epoch, what,
              err ? jwks_error_message(err) : jwks_result_name(r));
    }
  } else if (r == JWKS_RESULT_OK) {
    atomic_fetch_add(bad_count, 1);
    REPORT("epoch %d: false accept of the %s token\n", epoch, what);
  } else if (r == want || want == (jwks_result)-1) {
    atomic_fetch_add(ok_count, 1);
  } else {
    /* Rejected, but for another reason. */
    atomic_fetch_add(&wrong_reason, 1);
    REPORT("epoch %d: %s token: want %s, got %s (%s)\n", epoch, what,
            jwks_result_name(want), jwks_result_name(r), err ? jwks_error_message(err) : "");
  }
  jwks_error_free(err);
}

static void *worker(void *arg) {
  (void)arg;
  unsigned i = 0;
  while (!atomic_load(&stop)) {
    int e = atomic_load(&current);
    const epoch_tokens *t = &tokens[e];
    check_one(t->valid, JWKS_RESULT_OK, e, "valid", &valid_ok, &false_rejections);
    switch (i++ % 3) {
      case 0:
        check_one(t->tampered, JWKS_RESULT_BAD_SIGNATURE, e, "tampered", &invalid_rejected,
                  &false_accepts);
        break;
      case 1:
        check_one(t->impostor, JWKS_RESULT_BAD_SIGNATURE, e, "impostor", &invalid_rejected,
                  &false_accepts);
        break;
      default:
        check_one(t->expired, JWKS_RESULT_EXPIRED, e, "expired", &invalid_rejected,
                  &false_accepts);
    }
    /* Key e-3 was retired when epoch e-1 began, at least one epoch ago. */
    if (e >= 3) {
      check_one(tokens[e - 3].valid, JWKS_RESULT_UNKNOWN_KEY, e, "retired-key",
                &retired_rejected, &retired_accepted);
    }
  }
  return NULL;
}

static void key_path(char *buf, size_t n, const char *dir, int e) {
  snprintf(buf, n, "%s/epoch-%d.key", dir, e);
}

/* Publishing is a hard link and retiring an unlink, so the endpoint never sees a half-written
 * key file. */
static void publish(const char *served, const char *stash, int e) {
  if (e < 0 || e >= epochs) return;
  char from[4096], to[4096];
  key_path(from, sizeof from, stash, e);
  key_path(to, sizeof to, served, e);
  if (link(from, to) != 0) {
    fprintf(stderr, "publish %s: %s\n", to, strerror(errno));
    exit(2);
  }
}

static void retire(const char *served, int e) {
  if (e < 0 || e >= epochs) return;
  char path[4096];
  key_path(path, sizeof path, served, e);
  if (unlink(path) != 0) {
    fprintf(stderr, "retire %s: %s\n", path, strerror(errno));
    exit(2);
  }
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr,
            "usage: %s SERVED_DIR STASH_DIR TOKENS_FILE JWKS_URL EPOCHS EPOCH_MS THREADS\n",
            argv[0]);
    return 2;
  }
  const char *served = argv[1], *stash = argv[2], *url = argv[4];
  epochs = atoi(argv[5]);
  long epoch_ms = atol(argv[6]);
  int nthreads = atoi(argv[7]);
  if (epochs < 5 || epochs > MAX_EPOCHS || epoch_ms < 2000 || nthreads < 1 || nthreads > 64) {
    fprintf(stderr, "need 5..%d epochs of at least 2000 ms and 1..64 threads\n", MAX_EPOCHS);
    return 2;
  }
  load_tokens(argv[3]);

  /* Epoch 0: keys 0 and 1 are out (there is no key -1). */
  publish(served, stash, 0);
  publish(served, stash, 1);

  jwks_options *opts = jwks_options_new();
  CHECK(jwks_options_set_allow_http(opts, true) == JWKS_RESULT_OK, "allow_http");
  CHECK(jwks_options_add_issuer(opts, "https://issuer.rotation") == JWKS_RESULT_OK, "issuer");
  CHECK(jwks_options_add_audience(opts, "rotation") == JWKS_RESULT_OK, "audience");
  CHECK(jwks_options_set_cache_ttl_bounds(opts, 1, 86400) == JWKS_RESULT_OK, "ttl bounds");
  CHECK(jwks_options_set_cache_ttl(opts, 1) == JWKS_RESULT_OK, "ttl");
  CHECK(jwks_options_set_refresh_cooldown(opts, 1) == JWKS_RESULT_OK, "cooldown");
  jwks_error *err = NULL;
  jwks_result r = jwks_verifier_from_url(url, opts, &verifier, &err);
  CHECK(r == JWKS_RESULT_OK, "from_url: %s", err ? jwks_error_message(err) : "");
  jwks_error_free(err);
  jwks_options_free(opts);
  if (!verifier) return 1;

  pthread_t threads[64];
  for (int i = 0; i < nthreads; i++) pthread_create(&threads[i], NULL, worker, NULL);
  for (int e = 1; e < epochs; e++) {
    sleep_ms(epoch_ms);
    /* Entering epoch e: the next key comes out, the key two epochs old is retired, then
     * tokens switch to key e (published a whole epoch ago). */
    publish(served, stash, e + 1);
    retire(served, e - 2);
    atomic_store(&current, e);
  }
  sleep_ms(epoch_ms);
  atomic_store(&stop, true);
  for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);

  jwks_stats stats;
  CHECK(jwks_verifier_stats(verifier, &stats) == JWKS_RESULT_OK, "stats");
  printf("rotation: %d epochs of %ld ms, %d threads: %ld valid accepted, %ld false rejections, "
         "%ld invalid rejected, %ld false accepts, %ld wrong reasons, %ld retired-key tokens "
         "rejected, %ld accepted; %llu fetches\n",
         epochs, epoch_ms, nthreads, atomic_load(&valid_ok), atomic_load(&false_rejections),
         atomic_load(&invalid_rejected), atomic_load(&false_accepts), atomic_load(&wrong_reason),
         atomic_load(&retired_rejected), atomic_load(&retired_accepted),
         (unsigned long long)stats.fetches);
  CHECK(atomic_load(&false_rejections) == 0, "false rejections");
  CHECK(atomic_load(&false_accepts) == 0, "false accepts");
  CHECK(atomic_load(&retired_accepted) == 0, "tokens of retired keys accepted");
  CHECK(atomic_load(&wrong_reason) == 0, "rejections for the wrong reason");
  CHECK(atomic_load(&valid_ok) > 0 && atomic_load(&invalid_rejected) > 0 &&
            atomic_load(&retired_rejected) > 0,
        "every kind of token was verified");
  /* The keys really rotated: one fetch per epoch at least. */
  CHECK(stats.fetches >= (unsigned long long)epochs, "%llu fetches for %d epochs",
        (unsigned long long)stats.fetches, epochs);
  jwks_verifier_free(verifier);
  for (int e = 0; e < epochs; e++) {
    free(tokens[e].valid);
    free(tokens[e].tampered);
    free(tokens[e].expired);
    free(tokens[e].impostor);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
