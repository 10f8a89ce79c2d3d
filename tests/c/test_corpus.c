/*
 * The cross-language corpus (tests/vectors/corpus/cases.txt, format in its README.md) through
 * the C API: every case verified with jwks_verify_at or jwks_verify_signature, twice (the
 * second time a JWT is answered by the token cache), and every query asked of both tokens with
 * the jwks_token_* functions. C expresses every query kind: none is skipped.
 *
 * Usage: test_corpus CORPUS_FILE. Exits 0 only if every answer is the expected one and the
 * cases and queries run are those the file's `end` record counts; prints the counts.
 */
#define _POSIX_C_SOURCE 200809L
#include "jwks.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_FIELDS 64
#define MAX_KEYSETS 8
#define MAX_POLICY 16
#define MAX_VALUES 64

/* A decoded field: its bytes, NUL-terminated in place (a field may itself hold a NUL). */
typedef struct {
  const char *p;
  size_t len;
} field;

typedef struct {
  char *name;
  char *json;
  size_t len;
} keyset;

static keyset keysets[MAX_KEYSETS];
static int nkeysets;

/* The case being run. */
static struct {
  char name[128];
  int line;
  const keyset *keys;
  char *policy_name[MAX_POLICY];
  char *policy_value[MAX_POLICY];
  int npolicy;
  char *token; /* exactly sized, no NUL: the API takes (pointer, length) */
  size_t token_len;
  jwks_verifier *verifier;
  jwks_token *tokens[2]; /* a full verification, then (for a JWT) a token cache hit */
  bool verified;
} cur;

static int cases_run, queries_run;

static char *copy(const char *p, size_t len) {
  char *s = malloc(len + 1);
  memcpy(s, p, len);
  s[len] = '\0';
  return s;
}

static bool is(field f, const char *s) { return f.len == strlen(s) && memcmp(f.p, s, f.len) == 0; }

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Decodes the percent-encoded field [s, end) in place and NUL-terminates it; false if it is
 * not well formed (an unencoded byte outside '!'..'~' or '=', a bad escape). `=>` stays. */
static bool decode(char *s, char *end, field *out) {
  out->p = s;
  if (end - s == 2 && s[0] == '=' && s[1] == '>') {
    out->len = 2;
    *end = '\0';
    return true;
  }
  char *w = s;
  for (char *r = s; r < end; r++) {
    unsigned char c = (unsigned char)*r;
    if (c == '%') {
      if (end - r < 3 || hex(r[1]) < 0 || hex(r[2]) < 0) return false;
      *w++ = (char)(hex(r[1]) * 16 + hex(r[2]));
      r += 2;
    } else if (c >= 0x21 && c <= 0x7e && c != '=') {
      *w++ = (char)c;
    } else {
      return false;
    }
  }
  out->len = (size_t)(w - s);
  *w = '\0';
  return true;
}

static void end_case(void) {
  for (int i = 0; i < cur.npolicy; i++) {
    free(cur.policy_name[i]);
    free(cur.policy_value[i]);
  }
  jwks_token_free(cur.tokens[0]);
  jwks_token_free(cur.tokens[1]);
  jwks_verifier_free(cur.verifier);
  free(cur.token);
  memset(&cur, 0, sizeof cur);
}

/* A field used as a C string: it must hold no NUL (C would cut it there). */
static bool c_string(field f, const char *what) {
  bool ok = strlen(f.p) == f.len;
  CHECK(ok, "%s line %d: %s holds a NUL, which a C string cannot", cur.name, cur.line, what);
  return ok;
}

static jwks_verifier *make_verifier(void) {
  jwks_options *opts = jwks_options_new();
  for (int i = 0; i < cur.npolicy; i++) {
    const char *name = cur.policy_name[i], *value = cur.policy_value[i];
    jwks_result r;
    if (strcmp(name, "iss") == 0) {
      r = jwks_options_add_issuer(opts, value);
    } else if (strcmp(name, "aud") == 0) {
      r = jwks_options_add_audience(opts, value);
    } else if (strcmp(name, "alg") == 0) {
      r = jwks_options_add_algorithm(opts, value);
    } else {
      CHECK(false, "%s: unknown policy setting %s", cur.name, name);
      continue;
    }
    CHECK(r == JWKS_RESULT_OK, "%s: policy %s %s: %s", cur.name, name, value, jwks_result_name(r));
  }
  jwks_verifier *v = NULL;
  jwks_error *err = NULL;
  jwks_result r = jwks_verifier_from_json(cur.keys->json, cur.keys->len, opts, &v, &err);
  CHECK(r == JWKS_RESULT_OK, "%s: key set %s: %s", cur.name, cur.keys->name,
        err ? jwks_error_message(err) : "");
  jwks_error_free(err);
  jwks_options_free(opts);
  return v;
}

/* `verify jwt NOW => CODE` or `verify jws => CODE`. */
static void run_verify(const field *args, int nargs, field code) {
  CHECK(cur.keys && cur.token, "%s: verify before keys and token", cur.name);
  if (!cur.keys || !cur.token) return;
  bool jwt = nargs == 2 && is(args[0], "jwt");
  bool jws = nargs == 1 && is(args[0], "jws");
  CHECK(jwt || jws, "%s line %d: verify takes `jwt NOW` or `jws`", cur.name, cur.line);
  if (!jwt && !jws) return;
  long long now = jwt ? strtoll(args[1].p, NULL, 10) : 0;
  cur.verifier = make_verifier();
  if (!cur.verifier) return;
  for (int pass = 0; pass < 2; pass++) {
    jwks_token_cache_stats before = {0}, after = {0};
    jwks_verifier_token_cache_stats(cur.verifier, &before, sizeof before);
    jwks_error *err = NULL;
    jwks_result r = jwt ? jwks_verify_at(cur.verifier, cur.token, cur.token_len, now, &cur.tokens[pass], &err)
                        : jwks_verify_signature(cur.verifier, cur.token, cur.token_len, &cur.tokens[pass], &err);
    jwks_verifier_token_cache_stats(cur.verifier, &after, sizeof after);
    CHECK(is(code, jwks_result_name(r)), "%s (pass %d): verify gave %s (%s), expected %s", cur.name, pass,
          jwks_result_name(r), err ? jwks_error_message(err) : "", code.p);
    /* Outputs are written only on success; a failure always says why. */
    CHECK((r == JWKS_RESULT_OK) == (cur.tokens[pass] != NULL), "%s: token output", cur.name);
    CHECK((r == JWKS_RESULT_OK) == (err == NULL), "%s: error output", cur.name);
    jwks_error_free(err);
    if (pass == 1 && jwt && r == JWKS_RESULT_OK)
      CHECK(after.hits == before.hits + 1, "%s: the second verification was not a token cache hit", cur.name);
  }
  cur.verified = cur.tokens[0] != NULL && cur.tokens[1] != NULL;
}

/* The answer of one query on one token. */
typedef struct {
  jwks_result code;
  field values[MAX_VALUES];
  int nvalues;
  char buf[32]; /* an integer or a boolean, as text */
} answer;

static void one(answer *a, const char *p, size_t len) {
  a->values[0].p = p;
  a->values[0].len = len;
  a->nvalues = 1;
}

static void text(answer *a, const char *s) { one(a, s, strlen(s)); }

static void flag(answer *a, bool b) { text(a, b ? "true" : "false"); }

/* jwks_token_claims_readable or _case_unique: a failure must come with its message. */
static jwks_result checked(jwks_result (*f)(const jwks_token *, jwks_error **), const jwks_token *t) {
  jwks_error *err = NULL;
  jwks_result r = f(t, &err);
  if (r != JWKS_RESULT_OK) {
    CHECK(err && jwks_error_code(err) == r && strlen(jwks_error_message(err)) > 0, "%s: error details",
          cur.name);
  } else {
    CHECK(err == NULL, "%s: an error on success", cur.name);
  }
  jwks_error_free(err);
  return r;
}

static bool arity(const char *kind, int nargs, int want) {
  CHECK(nargs == want, "%s line %d: %s takes %d arguments, has %d", cur.name, cur.line, kind, want, nargs);
  return nargs == want;
}

/* Asks `kind args` of token t; false if the query cannot be asked (already reported). */
static bool ask(const jwks_token *t, field kind, const field *args, int nargs, answer *a) {
  memset(a, 0, sizeof *a);
  const char *out = NULL;
  size_t len = 0;
  if (is(kind, "payload")) {
    if (!arity("payload", nargs, 0)) return false;
    out = jwks_token_payload(t, &len);
    one(a, out, len);
  } else if (is(kind, "alg")) {
    if (!arity("alg", nargs, 0)) return false;
    text(a, jwks_token_alg(t));
  } else if (is(kind, "kid") || is(kind, "key_id")) {
    if (!arity("kid", nargs, 0)) return false;
    out = is(kind, "kid") ? jwks_token_kid(t) : jwks_token_key_id(t);
    if (out)
      text(a, out);
    else
      a->code = JWKS_RESULT_NOT_FOUND;
  } else if (is(kind, "readable")) {
    if (!arity("readable", nargs, 0)) return false;
    a->code = checked(jwks_token_claims_readable, t);
  } else if (is(kind, "case_unique")) {
    if (!arity("case_unique", nargs, 0)) return false;
    a->code = checked(jwks_token_claims_case_unique, t);
  } else if (is(kind, "string") || is(kind, "json")) {
    if (!arity("string", nargs, 1) || !c_string(args[0], "the name")) return false;
    a->code = is(kind, "string") ? jwks_token_claim_string(t, args[0].p, &out, &len)
                                 : jwks_token_claim_json(t, args[0].p, &out, &len);
    if (a->code == JWKS_RESULT_OK) one(a, out, len);
  } else if (is(kind, "int")) {
    if (!arity("int", nargs, 1) || !c_string(args[0], "the name")) return false;
    int64_t n = 0;
    a->code = jwks_token_claim_int(t, args[0].p, &n);
    snprintf(a->buf, sizeof a->buf, "%" PRId64, n);
    if (a->code == JWKS_RESULT_OK) text(a, a->buf);
  } else if (is(kind, "bool")) {
    if (!arity("bool", nargs, 1) || !c_string(args[0], "the name")) return false;
    bool b = false;
    a->code = jwks_token_claim_bool(t, args[0].p, &b);
    if (a->code == JWKS_RESULT_OK) flag(a, b);
  } else if (is(kind, "contains")) {
    if (!arity("contains", nargs, 2) || !c_string(args[0], "the name") || !c_string(args[1], "the value"))
      return false;
    bool b = false;
    a->code = jwks_token_claim_contains(t, args[0].p, args[1].p, &b);
    if (a->code == JWKS_RESULT_OK) flag(a, b);
  } else if (is(kind, "scopes")) {
    if (!arity("scopes", nargs, 0)) return false;
    size_t count = 0;
    jwks_error *err = NULL;
    a->code = jwks_token_scope_count(t, &count, &err);
    CHECK((a->code == JWKS_RESULT_OK) == (err == NULL), "%s: scope_count error output", cur.name);
    jwks_error_free(err);
    if (a->code != JWKS_RESULT_OK) return true;
    CHECK(count <= MAX_VALUES, "%s: %zu scopes", cur.name, count);
    if (count > MAX_VALUES) return false;
    for (size_t i = 0; i < count; i++) {
      jwks_result r = jwks_token_scope(t, i, &a->values[i].p, &a->values[i].len);
      CHECK(r == JWKS_RESULT_OK, "%s: scope %zu: %s", cur.name, i, jwks_result_name(r));
    }
    a->nvalues = (int)count;
    CHECK(jwks_token_scope(t, count, &out, &len) == JWKS_RESULT_INVALID_ARGUMENT, "%s: scope past the count",
          cur.name);
  } else if (is(kind, "has_scopes")) {
    if (nargs < 1 || !(is(args[0], "all") || is(args[0], "any"))) {
      CHECK(false, "%s line %d: has_scopes takes all or any, then the scopes", cur.name, cur.line);
      return false;
    }
    const char *required[MAX_FIELDS];
    for (int i = 1; i < nargs; i++) {
      if (!c_string(args[i], "a required scope")) return false;
      required[i - 1] = args[i].p;
    }
    bool b = false;
    jwks_error *err = NULL;
    a->code = jwks_token_has_scopes(t, nargs > 1 ? required : NULL, (size_t)(nargs - 1),
                                    is(args[0], "all") ? JWKS_SCOPE_MATCH_ALL : JWKS_SCOPE_MATCH_ANY, &b, &err);
    CHECK((a->code == JWKS_RESULT_OK) == (err == NULL), "%s: has_scopes error output", cur.name);
    jwks_error_free(err);
    if (a->code == JWKS_RESULT_OK) flag(a, b);
  } else {
    CHECK(false, "%s line %d: unknown query kind %s", cur.name, cur.line, kind.p);
    return false;
  }
  return true;
}

/* Prints a field for a failure report, escaping what is not printable ASCII. */
static void show(FILE *f, field v) {
  for (size_t i = 0; i < v.len; i++) {
    unsigned char c = (unsigned char)v.p[i];
    if (c >= 0x21 && c <= 0x7e && c != '%')
      fputc(c, f);
    else
      fprintf(f, "%%%02X", c);
  }
}

static void run_query(field kind, const field *args, int nargs, field code, const field *values, int nvalues) {
  CHECK(cur.verified, "%s line %d: %s on a token that was not verified", cur.name, cur.line, kind.p);
  if (!cur.verified) return;
  queries_run++;
  for (int pass = 0; pass < 2; pass++) {
    answer a;
    if (!ask(cur.tokens[pass], kind, args, nargs, &a)) continue;
    bool same = is(code, jwks_result_name(a.code)) && a.nvalues == nvalues;
    for (int i = 0; same && i < nvalues; i++)
      same = a.values[i].len == values[i].len && memcmp(a.values[i].p, values[i].p, values[i].len) == 0;
    CHECK(same, "%s line %d (pass %d): %s gave %s", cur.name, cur.line, pass, kind.p, jwks_result_name(a.code));
    if (!same) {
      fprintf(stderr, "  got:     ");
      for (int i = 0; i < a.nvalues; i++) show(stderr, a.values[i]), fputc(' ', stderr);
      fprintf(stderr, "\n  expected: %s ", code.p);
      for (int i = 0; i < nvalues; i++) show(stderr, values[i]), fputc(' ', stderr);
      fputc('\n', stderr);
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_FILE\n", argv[0]);
    return 2;
  }
  size_t size;
  char *text = read_file(argv[1], &size);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  bool format_seen = false, end_seen = false;
  int line_no = 0;
  char *next = text;
  while (next) {
    char *line = next;
    char *nl = strchr(line, '\n');
    next = nl ? nl + 1 : NULL;
    if (nl) *nl = '\0';
    line_no++;
    cur.line = line_no;
    if (line[0] == '\0' || line[0] == '#') continue;
    CHECK(!end_seen, "line %d: a record after end", line_no);
    field f[MAX_FIELDS];
    int n = 0;
    bool ok = true;
    for (char *s = line;;) {
      char *tab = strchr(s, '\t');
      char *end = tab ? tab : s + strlen(s);
      CHECK(n < MAX_FIELDS, "line %d: too many fields", line_no);
      if (n == MAX_FIELDS) {
        ok = false;
        break;
      }
      if (!decode(s, end, &f[n++])) {
        CHECK(false, "line %d: field %d is not well encoded", line_no, n);
        ok = false;
      }
      if (!tab) break;
      s = tab + 1;
    }
    if (!ok) continue;
    if (!format_seen) {
      format_seen = n == 3 && is(f[0], "format") && is(f[1], "jwks-corpus") && is(f[2], "1");
      CHECK(format_seen, "line %d: not `format jwks-corpus 1`", line_no);
      if (!format_seen) break;
      continue;
    }
    if (is(f[0], "keyset") && n == 3 && nkeysets < MAX_KEYSETS) {
      keyset *k = &keysets[nkeysets++];
      k->name = copy(f[1].p, f[1].len);
      k->json = copy(f[2].p, f[2].len);
      k->len = f[2].len;
    } else if (is(f[0], "case") && n == 2) {
      end_case();
      cases_run++;
      snprintf(cur.name, sizeof cur.name, "%s", f[1].p);
    } else if (is(f[0], "keys") && n == 2) {
      for (int i = 0; i < nkeysets; i++)
        if (is(f[1], keysets[i].name)) cur.keys = &keysets[i];
      CHECK(cur.keys, "%s: no key set %s", cur.name, f[1].p);
    } else if (is(f[0], "policy") && n == 3 && cur.npolicy < MAX_POLICY) {
      if (!c_string(f[2], "a policy value")) continue;
      cur.policy_name[cur.npolicy] = copy(f[1].p, f[1].len);
      cur.policy_value[cur.npolicy++] = copy(f[2].p, f[2].len);
    } else if (is(f[0], "token") && n == 2) {
      cur.token = malloc(f[1].len);
      memcpy(cur.token, f[1].p, f[1].len);
      cur.token_len = f[1].len;
    } else if (is(f[0], "end") && n == 3) {
      end_case();
      end_seen = true;
      int cases = atoi(f[1].p), queries = atoi(f[2].p);
      CHECK(cases == cases_run && queries == queries_run, "end counts %d cases and %d queries; ran %d and %d",
            cases, queries, cases_run, queries_run);
    } else {
      int arrow = -1;
      for (int i = 1; i < n; i++)
        if (is(f[i], "=>")) arrow = i;
      CHECK(arrow > 0 && arrow + 1 < n, "line %d: not a known record, nor a query (`kind args => code`)", line_no);
      if (arrow < 0 || arrow + 1 >= n) continue;
      CHECK(cur.name[0], "line %d: a query outside a case", line_no);
      if (is(f[0], "verify"))
        run_verify(&f[1], arrow - 1, f[arrow + 1]);
      else
        run_query(f[0], &f[1], arrow - 1, f[arrow + 1], &f[arrow + 2], n - arrow - 2);
    }
  }
  CHECK(end_seen, "the file has no end record: cut short");
  CHECK(cases_run > 0 && queries_run > 0, "nothing ran");
  for (int i = 0; i < nkeysets; i++) {
    free(keysets[i].name);
    free(keysets[i].json);
  }
  free(text);
  printf("corpus (C): %d cases, %d queries checked, each asked of two verifications of its token "
         "(a JWT's second answered by the token cache); query kinds skipped: none\n",
         cases_run, queries_run);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
