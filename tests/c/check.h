/* Shared by the C test programs: a CHECK macro that counts and reports, and file reading. */
#ifndef JWKS_TEST_CHECK_H
#define JWKS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

/* Counts a passed check, or reports the failed condition with a printf-style message. */
#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (cond) {                                                       \
      passed++;                                                       \
    } else {                                                          \
      failed++;                                                       \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

/* The whole file, NUL-terminated, with trailing newlines removed; NULL if unreadable. The
 * caller frees it. `len` (if non-NULL) receives the length. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r')) got--;
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

#endif
