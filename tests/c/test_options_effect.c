/*
 * Remote options tested for their effect through the C ABI, against a key server embedded in
 * this program (127.0.0.1, one thread): each option is set to a value whose effect shows, on
 * both sides of the value, so an ignored option or a seconds/milliseconds slip in a setter
 * fails. Covers cache_ttl, max_stale, http_timeout_ms, connect_timeout_ms,
 * max_response_size and extra headers (proxy and CA bundle are covered by the Python and Go
 * tests and tests/remote_proxy_env.rs, tests/remote_tls.rs).
 *
 * Usage: test_options_effect FIXTURE_DIR   (jwks.json and live.jwt from c_fixtures)
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SOCK_NONBLOCK, MSG_NOSIGNAL */
#include "jwks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static char *jwks_body, *token;
static size_t jwks_len, token_len;

/* The server's behaviour, changed by the tests between requests. */
static atomic_int delay_ms, status, max_age; /* max_age < 0: no Cache-Control */
static atomic_int padding;                   /* bytes of spaces appended to the body */
static atomic_int requests;
static char last_request[8192];
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static int server_fd;
static int server_port;

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    int c = accept(server_fd, NULL, NULL);
    if (c < 0) return NULL;
    char req[8192];
    size_t got = 0;
    while (got < sizeof req - 1) {
      ssize_t n = recv(c, req + got, sizeof req - 1 - got, 0);
      if (n <= 0) break;
      got += (size_t)n;
      req[got] = 0;
      if (strstr(req, "\r\n\r\n")) break;
    }
    req[got] = 0;
    pthread_mutex_lock(&last_lock);
    memcpy(last_request, req, got + 1);
    pthread_mutex_unlock(&last_lock);
    atomic_fetch_add(&requests, 1);
    sleep_ms(atomic_load(&delay_ms));
    int st = atomic_load(&status), age = atomic_load(&max_age), pad = atomic_load(&padding);
    char head[512];
    size_t body_len = st == 200 ? jwks_len + (size_t)pad : 0;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n",
                     st, body_len);
    if (age >= 0) n += snprintf(head + n, sizeof head - n, "Cache-Control: max-age=%d\r\n", age);
    n += snprintf(head + n, sizeof head - n, "\r\n");
    send(c, head, (size_t)n, MSG_NOSIGNAL);
    if (st == 200) {
      send(c, jwks_body, jwks_len, MSG_NOSIGNAL);
      for (int i = 0; i < pad; i++) send(c, " ", 1, MSG_NOSIGNAL);
    }
    close(c);
  }
}

static void reset_server(void) {
  atomic_store(&delay_ms, 0);
  atomic_store(&status, 200);
  atomic_store(&max_age, -1);
  atomic_store(&padding, 0);
  atomic_store(&requests, 0);
}

/* A remote verifier over the embedded server; `opts` is filled in by the caller first. */
static jwks_verifier *remote(jwks_options *opts, const char *url) {
  jwks_options_add_issuer(opts, "https://issuer.test");
  jwks_options_add_audience(opts, "api");
  jwks_options_set_allow_http(opts, true);
  char buf[128];
  if (!url) {
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d/jwks.json", server_port);
    url = buf;
  }
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  CHECK(jwks_verifier_from_url(url, opts, &v, &err) == JWKS_RESULT_OK, "from_url: %s",
        err ? jwks_error_message(err) : "");
  jwks_error_free(err);
  jwks_options_free(opts);
  return v;
}

static jwks_result verify(const jwks_verifier *v) {
  jwks_token *t = NULL;
  jwks_result r = jwks_verify(v, token, token_len, &t, NULL);
  jwks_token_free(t);
  return r;
}

/* Verifies until the server has seen `want` requests or `within` seconds have passed. */
static int refetched_within(const jwks_verifier *v, int want, double within) {
  double end = now_s() + within;
  while (atomic_load(&requests) < want && now_s() < end) {
    verify(v);
    sleep_ms(50);
  }
  return atomic_load(&requests) >= want;
}

static void test_cache_ttl_is_seconds(void) {
  reset_server();
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_cache_ttl_bounds(o, 1, 86400) == JWKS_RESULT_OK, "bounds");
  CHECK(jwks_options_set_cache_ttl(o, 2) == JWKS_RESULT_OK, "cache_ttl");
  jwks_verifier *v = remote(o, NULL);
  if (!v) return;
  CHECK(verify(v) == JWKS_RESULT_OK, "cache_ttl: first");
  sleep_ms(500);
  CHECK(verify(v) == JWKS_RESULT_OK, "cache_ttl: cached");
  CHECK(atomic_load(&requests) == 1, "refetched within a 2 s ttl: %d requests",
        atomic_load(&requests));
  sleep_ms(2000);
  CHECK(refetched_within(v, 2, 3.0), "not refetched 2.5 s into a 2 s ttl");
  jwks_verifier_free(v);
}

static void test_max_stale_is_seconds(void) {
  reset_server();
  atomic_store(&max_age, 1);
  jwks_options *o = jwks_options_new();
  jwks_options_set_cache_ttl_bounds(o, 1, 86400);
  jwks_options_set_cache_ttl(o, 1);
  CHECK(jwks_options_set_max_stale(o, 3) == JWKS_RESULT_OK, "max_stale");
  jwks_verifier *v = remote(o, NULL);
  if (!v) return;
  CHECK(verify(v) == JWKS_RESULT_OK, "max_stale: first");
  double fetched = now_s();
  atomic_store(&status, 503);
  sleep_ms(2000); /* 1 s past expiry, inside max_stale */
  jwks_result r = verify(v);
  CHECK(r == JWKS_RESULT_OK, "stale keys refused inside max_stale: %s", jwks_result_name(r));
  double wait = fetched + 6.0 - now_s(); /* 5 s past expiry, beyond it */
  if (wait > 0) sleep_ms((long)(wait * 1000));
  r = verify(v);
  CHECK(jwks_result_is_keys_unavailable(r), "5 s past expiry with max_stale 3: %s",
        jwks_result_name(r));
  jwks_verifier_free(v);
}

static void test_http_timeout_is_milliseconds(void) {
  reset_server();
  atomic_store(&delay_ms, 1500);
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_http_timeout_ms(o, 500) == JWKS_RESULT_OK, "http_timeout_ms");
  jwks_verifier *v = remote(o, NULL);
  if (v) {
    double start = now_s();
    jwks_result r = verify(v);
    double took = now_s() - start;
    CHECK(jwks_result_is_keys_unavailable(r), "500 ms timeout, 1.5 s answer: %s",
          jwks_result_name(r));
    CHECK(took < 1.4, "a 500 ms timeout waited %.2f s", took);
    jwks_verifier_free(v);
  }
  o = jwks_options_new();
  jwks_options_set_http_timeout_ms(o, 5000);
  v = remote(o, NULL);
  if (v) {
    CHECK(verify(v) == JWKS_RESULT_OK, "5000 ms timeout, 1.5 s answer");
    jwks_verifier_free(v);
  }
}

static void test_connect_timeout_is_milliseconds(void) {
  /* A listener (backlog 0) whose accept queue is full: further connects hang. */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  bind(l, (struct sockaddr *)&a, sizeof a);
  listen(l, 0);
  getsockname(l, (struct sockaddr *)&a, &alen);
  int fillers[4];
  for (int i = 0; i < 4; i++) {
    fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(fillers[i], (struct sockaddr *)&a, sizeof a);
  }
  sleep_ms(200);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/jwks.json", ntohs(a.sin_port));
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_http_timeout_ms(o, 20000) == JWKS_RESULT_OK, "http timeout");
  CHECK(jwks_options_set_connect_timeout_ms(o, 500) == JWKS_RESULT_OK, "connect_timeout_ms");
  jwks_verifier *v = remote(o, url);
  if (v) {
    double start = now_s();
    jwks_result r = verify(v);
    double took = now_s() - start;
    CHECK(jwks_result_is_keys_unavailable(r), "connect timeout: %s", jwks_result_name(r));
    CHECK(took < 5.0, "a 500 ms connect timeout took %.1f s (the 20 s total?)", took);
    jwks_verifier_free(v);
  }
  for (int i = 0; i < 4; i++) close(fillers[i]);
  close(l);
}

static void test_max_response_size_is_bytes(void) {
  reset_server();
  /* Pad the body to just over 2 KiB more than the key set itself. */
  atomic_store(&padding, 2048);
  size_t total = jwks_len + 2048;
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_max_response_size(o, total - 1) == JWKS_RESULT_OK, "size");
  jwks_verifier *v = remote(o, NULL);
  if (v) {
    jwks_result r = verify(v);
    CHECK(jwks_result_is_keys_unavailable(r), "%zu-byte body, %zu-byte limit: %s", total,
          total - 1, jwks_result_name(r));
    jwks_verifier_free(v);
  }
  o = jwks_options_new();
  jwks_options_set_max_response_size(o, total);
  v = remote(o, NULL);
  if (v) {
    CHECK(verify(v) == JWKS_RESULT_OK, "%zu-byte body, %zu-byte limit", total, total);
    jwks_verifier_free(v);
  }
}

static void test_headers_reach_the_server(void) {
  reset_server();
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_add_http_header(o, "X-Tenant", "blue") == JWKS_RESULT_OK, "header");
  CHECK(jwks_options_add_http_header(o, "Authorization", "Bearer t-1") == JWKS_RESULT_OK, "h2");
  jwks_verifier *v = remote(o, NULL);
  if (!v) return;
  CHECK(verify(v) == JWKS_RESULT_OK, "headers: verify");
  pthread_mutex_lock(&last_lock);
  CHECK(strstr(last_request, "\r\nx-tenant: blue\r\n") || strstr(last_request, "\r\nX-Tenant: blue\r\n"),
        "X-Tenant not sent: %s", last_request);
  CHECK(strstr(last_request, "Bearer t-1\r\n") != NULL, "Authorization not sent");
  pthread_mutex_unlock(&last_lock);
  jwks_verifier_free(v);
}

static bool is_ready(const jwks_verifier *v) {
  bool ready = false;
  CHECK(jwks_verifier_ready(v, &ready) == JWKS_RESULT_OK, "ready");
  return ready;
}

/* fetch_at_start: the keys are fetched by the constructor, which fails when they cannot be had;
 * without it nothing is fetched and the verifier is not ready until a fetch succeeds. */
static void test_fetch_at_start(void) {
  reset_server();
  jwks_options *o = jwks_options_new();
  CHECK(jwks_options_set_fetch_at_start(o, true) == JWKS_RESULT_OK, "set_fetch_at_start");
  jwks_verifier *v = remote(o, NULL);
  if (!v) return;
  CHECK(atomic_load(&requests) == 1, "fetched at start: %d requests", atomic_load(&requests));
  CHECK(is_ready(v), "ready at once");
  CHECK(verify(v) == JWKS_RESULT_OK && atomic_load(&requests) == 1, "verified without a fetch");
  jwks_verifier_free(v);

  reset_server();
  atomic_store(&status, 503);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/jwks.json", server_port);
  o = jwks_options_new();
  jwks_options_set_allow_http(o, true);
  jwks_options_set_fetch_at_start(o, true);
  jwks_verifier *failed_v = NULL;
  jwks_error *err = NULL;
  jwks_result r = jwks_verifier_from_url(url, o, &failed_v, &err);
  CHECK(r == JWKS_RESULT_KEYS_UNAVAILABLE && failed_v == NULL, "a failing endpoint at start: %s",
        jwks_result_name(r));
  CHECK(err && strstr(jwks_error_message(err), "loading the keys at start") &&
            strstr(jwks_error_message(err), "503"),
        "the error says why: %s", err ? jwks_error_message(err) : "(none)");
  jwks_error_free(err);
  jwks_options_free(o);

  /* Lazily, the same endpoint gives a verifier that answers 503 until the keys are had. */
  v = remote(jwks_options_new(), NULL);
  if (!v) return;
  CHECK(atomic_load(&requests) == 1 && !is_ready(v), "not fetched, not ready");
  CHECK(verify(v) == JWKS_RESULT_KEYS_UNAVAILABLE && !is_ready(v), "503 per request");
  atomic_store(&status, 200);
  CHECK(jwks_verifier_refresh(v, NULL) == JWKS_RESULT_OK && is_ready(v), "ready after a fetch");
  CHECK(verify(v) == JWKS_RESULT_OK, "verified");
  jwks_verifier_free(v);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/jwks.json", argv[1]);
  jwks_body = read_file(path, &jwks_len);
  snprintf(path, sizeof path, "%s/live.jwt", argv[1]);
  token = read_file(path, &token_len);
  if (!jwks_body || !token) {
    fprintf(stderr, "cannot read the fixtures in %s\n", argv[1]);
    return 2;
  }
  server_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (bind(server_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(server_fd, 64) != 0) {
    perror("listen");
    return 2;
  }
  getsockname(server_fd, (struct sockaddr *)&a, &alen);
  server_port = ntohs(a.sin_port);
  pthread_t th;
  pthread_create(&th, NULL, serve, NULL);
  pthread_detach(th);

  test_fetch_at_start();
  test_headers_reach_the_server();
  test_max_response_size_is_bytes();
  test_http_timeout_is_milliseconds();
  test_connect_timeout_is_milliseconds();
  test_cache_ttl_is_seconds();
  test_max_stale_is_seconds();

  free(jwks_body);
  free(token);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
