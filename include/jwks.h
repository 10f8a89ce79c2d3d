/*
 * jwks — verify JSON Web Tokens against JSON Web Key Sets.
 *
 * This header is the C reference; it is generated from the Rust sources by cbindgen
 * (see cbindgen.toml) and checked in. Do not edit it by hand.
 *
 * Thread safety
 * -------------
 * A `const` pointer may be used from several threads at once; a non-const pointer may not.
 * So: one `const jwks_verifier *` is shared by all threads (verification never waits on a key
 * fetch for known keys), `const jwks_token *` and `const jwks_error *` may be read
 * concurrently, and a `jwks_options *` builder belongs to one thread at a time. Every
 * `*_free` must be the last call on its object. There is no thread-local state: failures are
 * reported through the returned `jwks_result` and an optional `jwks_error **err`.
 *
 * Ownership and errors
 * --------------------
 * Objects returned through `**out` are owned by the caller and freed with the matching
 * `*_free`, each of which accepts NULL. Outputs are written only on success. Pass NULL for
 * `err` when no details are wanted. Strings passed in are NUL-terminated UTF-8; tokens and
 * JSON are (pointer, length) and need no NUL. A NULL or invalid argument returns an error code
 * and never crashes; a panic inside the library is caught and reported as
 * JWKS_RESULT_INTERNAL.
 *
 * Result codes are stable numbers: 1-99 the token was rejected (answer HTTP 401), 100-199
 * the keys are unavailable (answer 503), 200-299 the API was misused, 300-399 a claim
 * lookup found nothing. See jwks_result_category().
 */

#ifndef JWKS_H
#define JWKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The longest `jti` accepted (RFC 9449 §11.1: refuse unnecessarily large values; a UUID is
 * 36 characters, 96 random bits in base64url 16).
 */
#define MAX_JTI_LEN 256

/**
 * Major version, equal to `JWKS_VERSION_MAJOR` in the header.
 */
#define JWKS_VERSION_MAJOR 0

/**
 * Minor version, equal to `JWKS_VERSION_MINOR` in the header.
 */
#define JWKS_VERSION_MINOR 2

/**
 * Patch version, equal to `JWKS_VERSION_PATCH` in the header.
 */
#define JWKS_VERSION_PATCH 0

/**
 * The length of an array indexed by result code that holds every code of this header
 * (one more than the largest), as `jwks_verifier_verify_counts` fills it.
 */
#define JWKS_VERIFY_COUNTS_LEN 302

/**
 * The smallest byte bound (`dpop_replay_cache_bytes`): 21 shards of 512 slots.
 */
#define MIN_BYTES (256 * 1024)

/**
 * The outcome of a call. `JWKS_RESULT_OK` (0) is success; every other value is an error.
 *
 * In C this is a `uint32_t`; the numbers are stable and never renumbered. Ranges: 1–99 the
 * token was rejected (answer HTTP 401), 100–199 the keys are unavailable (answer 503),
 * 200–299 the API was misused, 300–399 a claim lookup found nothing.
 */
enum jwks_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  JWKS_RESULT_OK = 0,
  /**
   * The token is not a well-formed compact JWS/JWT (segments, base64url, JSON, UTF-8).
   */
  JWKS_RESULT_MALFORMED = 1,
  /**
   * A size or nesting limit was exceeded.
   */
  JWKS_RESULT_TOO_LARGE = 2,
  /**
   * The header's `alg` is `none`, unknown, or not allowed by the policy or the key.
   */
  JWKS_RESULT_ALGORITHM_NOT_ALLOWED = 3,
  /**
   * The header lists a `crit` extension this library does not implement, or `crit` is invalid.
   */
  JWKS_RESULT_CRIT_UNSUPPORTED = 4,
  /**
   * No key in the set matches the token's `kid` (or, without `kid`, its `alg`).
   */
  JWKS_RESULT_UNKNOWN_KEY = 5,
  /**
   * The token's `kid` names more than one key of the set, so no key is chosen.
   */
  JWKS_RESULT_AMBIGUOUS_KEY = 6,
  /**
   * The key named by `kid` cannot verify this `alg` (type, curve, `alg`, `use`, `key_ops`).
   */
  JWKS_RESULT_KEY_MISMATCH = 7,
  /**
   * The signature does not verify.
   */
  JWKS_RESULT_BAD_SIGNATURE = 8,
  /**
   * `exp` is in the past (beyond the leeway).
   */
  JWKS_RESULT_EXPIRED = 9,
  /**
   * `nbf` is in the future (beyond the leeway).
   */
  JWKS_RESULT_NOT_YET_VALID = 10,
  /**
   * `iat` is in the future (beyond the leeway).
   */
  JWKS_RESULT_ISSUED_IN_FUTURE = 11,
  /**
   * `iat` is older than the policy's maximum token age.
   */
  JWKS_RESULT_TOO_OLD = 12,
  /**
   * `iss` is missing or not on the allowlist.
   */
  JWKS_RESULT_WRONG_ISSUER = 13,
  /**
   * `aud` is missing or names none of the allowed audiences.
   */
  JWKS_RESULT_WRONG_AUDIENCE = 14,
  /**
   * A required claim is absent.
   */
  JWKS_RESULT_MISSING_CLAIM = 15,
  /**
   * A claim has the wrong JSON type, or the payload is not a JSON object.
   */
  JWKS_RESULT_INVALID_CLAIM = 16,
  /**
   * The header's `typ` is not the expected one.
   */
  JWKS_RESULT_WRONG_TYPE = 17,
  /**
   * The request carries no access token (no `Authorization` header, or one of another
   * scheme): answered with a challenge and no error code (RFC 6750 §3.1).
   */
  JWKS_RESULT_NO_CREDENTIALS = 18,
  /**
   * The request is malformed: several `Authorization` headers, one that is not
   * `scheme token68`, an unusable request URI (HTTP 400, `invalid_request`).
   */
  JWKS_RESULT_INVALID_REQUEST = 19,
  /**
   * The `Authorization` scheme (`Bearer` or `DPoP`) is not one the verifier or the route
   * accepts (`token_scheme`).
   */
  JWKS_RESULT_SCHEME_NOT_ALLOWED = 20,
  /**
   * The token grants none or not all of the scopes the request needs (HTTP 403,
   * `insufficient_scope`).
   */
  JWKS_RESULT_INSUFFICIENT_SCOPE = 21,
  /**
   * The DPoP proof is not a valid proof (RFC 9449 §4.3): missing or repeated `DPoP`
   * header, not a compact JWS, `typ` not `dpop+jwt`, `alg` not an allowed asymmetric
   * algorithm, `jwk` missing, private or unusable, bad signature, a required claim missing.
   */
  JWKS_RESULT_DPOP_PROOF_INVALID = 22,
  /**
   * The DPoP proof was made for another request: `htm`, `htu` or `ath` differ from the
   * request's method, URI or access token.
   */
  JWKS_RESULT_DPOP_PROOF_MISMATCH = 23,
  /**
   * The DPoP proof's `iat` lies outside the accepted window (`dpop_max_age`,
   * `dpop_leeway`).
   */
  JWKS_RESULT_DPOP_PROOF_STALE = 24,
  /**
   * The DPoP proof's `jti` was seen before within its window: a replay.
   */
  JWKS_RESULT_DPOP_PROOF_REPLAYED = 25,
  /**
   * The DPoP proof lacks the server's current nonce, or carries one that is not valid
   * (RFC 9449 §8, §9: answered `use_dpop_nonce` with a `DPoP-Nonce` header).
   */
  JWKS_RESULT_DPOP_NONCE_REQUIRED = 26,
  /**
   * The token is bound (`cnf.jkt`, `cnf.x5t#S256`) to another key or certificate than the
   * request's DPoP proof key or client certificate, or to a certificate the request did
   * not present.
   */
  JWKS_RESULT_BINDING_MISMATCH = 27,
  /**
   * The token is not bound as the request requires: a token without `cnf.jkt` sent with
   * the `DPoP` scheme, or one without `cnf.x5t#S256` where certificate binding is required.
   */
  JWKS_RESULT_TOKEN_NOT_BOUND = 28,
  /**
   * A DPoP-bound token (`cnf.jkt`) was sent with the `Bearer` scheme (RFC 9449 §7.2), and
   * the policy refuses it (`allow_dpop_bound_bearer` off).
   */
  JWKS_RESULT_BOUND_TOKEN_AS_BEARER = 29,
  /**
   * The keys could not be obtained (network, HTTP status, timeout, file) and none usable are cached.
   */
  JWKS_RESULT_KEYS_UNAVAILABLE = 100,
  /**
   * The key set is malformed, too large, or has no usable key.
   */
  JWKS_RESULT_KEY_SET_INVALID = 101,
  /**
   * The DPoP replay store refused to record a proof: the in-memory store is full of proofs
   * still inside their window (it refuses rather than forgets), or a shared store failed.
   * Answer 503: the request may succeed later with a new proof.
   */
  JWKS_RESULT_REPLAY_STORE_UNAVAILABLE = 102,
  /**
   * A required pointer argument was NULL.
   */
  JWKS_RESULT_NULL_ARGUMENT = 200,
  /**
   * An argument is invalid (bad UTF-8, unknown algorithm name, out-of-range value...).
   */
  JWKS_RESULT_INVALID_ARGUMENT = 201,
  /**
   * A key URL is not https and plain http was not allowed.
   */
  JWKS_RESULT_INSECURE_URL = 202,
  /**
   * An internal error was caught at the API boundary (a bug; please report it).
   */
  JWKS_RESULT_INTERNAL = 203,
  /**
   * The requested claim is not present in the token.
   */
  JWKS_RESULT_NOT_FOUND = 300,
  /**
   * The requested claim is present but has a different JSON type.
   */
  JWKS_RESULT_TYPE_MISMATCH = 301,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum jwks_result jwks_result;
#else
typedef uint32_t jwks_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * How a caller should treat a result code.
 */
enum jwks_category
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * `JWKS_RESULT_OK`.
   */
  JWKS_CATEGORY_OK = 0,
  /**
   * The token is bad: answer HTTP 401.
   */
  JWKS_CATEGORY_TOKEN_REJECTED = 1,
  /**
   * The keys are unavailable: answer HTTP 503 and retry later.
   */
  JWKS_CATEGORY_KEYS_UNAVAILABLE = 2,
  /**
   * The API was misused (a bug in the caller), or the code is unknown.
   */
  JWKS_CATEGORY_MISUSE = 3,
  /**
   * A claim lookup on a verified token found nothing.
   */
  JWKS_CATEGORY_LOOKUP = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum jwks_category jwks_category;
#else
typedef uint32_t jwks_category;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a replay store callback answers.
 */
enum jwks_replay_verdict
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * The key was not recorded (or its record had expired); the callback recorded it.
   */
  JWKS_REPLAY_VERDICT_FRESH = 0,
  /**
   * The key is recorded and not expired: the proof is a replay.
   */
  JWKS_REPLAY_VERDICT_SEEN = 1,
  /**
   * The store could not answer (full, unreachable, timed out): the request is refused with
   * `JWKS_RESULT_REPLAY_STORE_UNAVAILABLE` (answer 503), never accepted unrecorded.
   */
  JWKS_REPLAY_VERDICT_UNAVAILABLE = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum jwks_replay_verdict jwks_replay_verdict;
#else
typedef uint32_t jwks_replay_verdict;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Which `Authorization` schemes a verifier (or a route) accepts.
 */
typedef struct TokenScheme TokenScheme;

/**
 * The details of a failure: its code and a precise message.
 *
 * Created by a failing call when the caller passed a non-NULL `jwks_error **err`; owned by
 * the caller, who frees it with `jwks_error_free`. Immutable, so a `const jwks_error *` may be
 * read from several threads.
 */
typedef struct jwks_error jwks_error;

/**
 * Options for creating a verifier. A builder: not thread-safe; use it from one thread, then
 * pass it (as `const`) to any number of `jwks_verifier_from_*` calls, which copy it.
 */
typedef struct jwks_options jwks_options;

/**
 * How to answer a refused request: status, `WWW-Authenticate` challenges, `DPoP-Nonce`
 * (RFC 6750 §3, RFC 9449 §7.1, §7.2, §9). Immutable: a `const jwks_refusal *` may be read
 * from several threads. Every string it hands out stays valid until `jwks_refusal_free`.
 */
typedef struct jwks_refusal jwks_refusal;

/**
 * A request to verify: its method, URI, `Authorization` and `DPoP` header values, client
 * certificate and the route's schemes. A builder: not thread-safe while it is being built;
 * once built, a `const jwks_request *` may be verified from several threads (each
 * verification copies nothing of it). Free it with `jwks_request_free`. It owns copies of
 * every string given to it.
 */
typedef struct jwks_request jwks_request;

/**
 * A verified token. Immutable: a `const jwks_token *` may be read from several threads.
 * Every pointer it hands out stays valid until `jwks_token_free`.
 */
typedef struct jwks_token jwks_token;

/**
 * A verifier: a key source plus a policy.
 *
 * Thread-safe: one `const jwks_verifier *` may be used by any number of threads at once
 * (verification never waits on a key fetch for known keys). Free it once, with
 * `jwks_verifier_free`, after every other call on it has returned.
 */
typedef struct jwks_verifier jwks_verifier;

/**
 * A copy of a verified token's claims: its payload, as `jwks_token_payload` gave it, and
 * where its members lie, as `jwks_token_claims_index` gave it. The memory is the caller's;
 * the functions read it during the call only. They check the index against the payload (a
 * damaged copy gives `JWKS_RESULT_INVALID_ARGUMENT`, never a crash) but cannot tell where
 * the payload came from: give them only copies made from a verified token.
 */
typedef struct jwks_claims {
  /**
   * The payload bytes (no NUL needed).
   */
  const char *payload;
  /**
   * Their length.
   */
  size_t payload_len;
  /**
   * Four `uint32_t` per member: where its name and its value lie in the payload.
   */
  const uint32_t *index;
  /**
   * The number of members (the index holds four times as many `uint32_t`).
   */
  size_t members;
} jwks_claims;

/**
 * What `jwks_claims_get` reads: one of the `JWKS_CLAIM_*` values.
 */
typedef uint32_t jwks_claim_kind;

/**
 * The answer of `jwks_claims_get`.
 */
typedef struct jwks_claim_value {
  /**
   * `JWKS_CLAIM_STRING` and `JWKS_CLAIM_JSON`: the bytes, in the payload, or in the
   * caller's buffer for a string that had escapes (not NUL-terminated).
   */
  const char *str;
  /**
   * Their length; for a decoded string that did not fit the buffer, the size it needs.
   */
  size_t len;
  /**
   * `JWKS_CLAIM_INT`: the integer.
   */
  int64_t integer;
  /**
   * `JWKS_CLAIM_BOOL` and `JWKS_CLAIM_CONTAINS`: the answer.
   */
  bool boolean;
} jwks_claim_value;

/**
 * How `jwks_token_has_scopes` matches the required scopes: `JWKS_SCOPE_MATCH_ALL` or
 * `JWKS_SCOPE_MATCH_ANY`.
 */
typedef uint32_t jwks_scope_match;

/**
 * A replay store callback: record `key` (43 ASCII characters, NUL-terminated, valid during
 * the call) until `expires_at` (unix seconds; the record counts while `now <= expires_at`)
 * unless it is already recorded and unexpired, atomically (Redis: `SET key 1 NX EXAT
 * expires_at`), and answer a `jwks_replay_verdict` as a `uint32_t`. Called from any thread,
 * concurrently, during `jwks_verify_request` calls; it must not call back into the verifier.
 */
typedef uint32_t (*jwks_replay_check_fn)(void *ctx, const char *key, int64_t expires_at, int64_t now);

/**
 * Releases a callback context: called once, when the last options or verifier holding the
 * callbacks is freed (from the thread that frees it).
 */
typedef void (*jwks_free_fn)(void *ctx);

/**
 * A nonce source callback that issues the nonce to send now: writes it to `buf` (`cap`
 * bytes, at least 256; no NUL needed) and returns its length, or 0 if it cannot. A nonce is
 * 1 to `cap` printable ASCII characters without `"` and `\`. Called from any thread,
 * concurrently.
 */
typedef size_t (*jwks_nonce_issue_fn)(void *ctx, int64_t now, char *buf, size_t cap);

/**
 * A nonce source callback that checks a proof's `nonce` (NUL-terminated, valid during the
 * call): true if it is one the server issued recently enough to accept at `now`. Called from
 * any thread, concurrently.
 */
typedef bool (*jwks_nonce_check_fn)(void *ctx, const char *nonce, int64_t now);

/**
 * The DPoP proof counters and the replay store's occupancy (filled by
 * `jwks_verifier_dpop_stats` in C, which writes as many bytes as the caller says it has).
 * Fields are only ever added at the end.
 */
typedef struct jwks_dpop_stats {
  /**
   * DPoP proofs accepted (every check passed, the replay store recorded them).
   */
  uint64_t proofs_verified;
  /**
   * DPoP proofs refused, whatever the reason (replays included).
   */
  uint64_t proofs_rejected;
  /**
   * DPoP proofs refused because their `jti` was seen within its window.
   */
  uint64_t replays;
  /**
   * DPoP proofs refused because the replay store was full of unexpired keys or failed
   * (answered 503).
   */
  uint64_t store_refusals;
  /**
   * DPoP proofs refused for a missing or stale server nonce (`use_dpop_nonce`).
   */
  uint64_t nonce_challenges;
  /**
   * Keys the in-memory replay store holds now, expired ones not yet removed included (0 with
   * a shared store).
   */
  uint64_t replay_entries;
  /**
   * The most keys the in-memory replay store can hold (0 until its first proof, and with a
   * shared store).
   */
  uint64_t replay_max_entries;
  /**
   * Bytes the in-memory replay store has allocated (its shards' tables, each allocated whole
   * on its first proof).
   */
  uint64_t replay_bytes;
  /**
   * The in-memory replay store's byte bound (`dpop_replay_cache_bytes`).
   */
  uint64_t replay_max_bytes;
} jwks_dpop_stats;

/**
 * A verifier's key source counters, for metrics (filled by `jwks_verifier_stats` in C).
 * Sources that never fetch report zeros for the fetch counters. Fields may be added at the end
 * in a later minor version; never reordered.
 */
typedef struct jwks_stats {
  /**
   * Key fetches attempted (HTTP requests or file reads).
   */
  uint64_t fetches;
  /**
   * Fetches answered `304 Not Modified`.
   */
  uint64_t not_modified;
  /**
   * Fetches that failed (network, status, body, parse).
   */
  uint64_t failures;
  /**
   * Refetches caused by an unknown `kid`.
   */
  uint64_t unknown_kid_refreshes;
  /**
   * Unknown-`kid` tokens rejected without a fetch because of the cooldown.
   */
  uint64_t cooldown_rejections;
  /**
   * Usable keys in the current set.
   */
  uint64_t key_count;
  /**
   * Entries of the current set that were skipped.
   */
  uint64_t skipped_count;
  /**
   * Age of the current keys, since they were fetched or confirmed unchanged by a `304`; -1
   * if no keys have been obtained yet.
   */
  int64_t keys_age_ms;
} jwks_stats;

/**
 * The verified-token cache's counters (all zero when it is off; filled by
 * `jwks_verifier_token_cache_stats` in C, which writes as many bytes as the caller says it
 * has). Fields are only ever added at the end.
 */
typedef struct jwks_token_cache_stats {
  /**
   * Verifications answered from the cache.
   */
  uint64_t hits;
  /**
   * Verifications that found no usable entry (absent, stale key set, reused too long) and
   * were verified in full.
   */
  uint64_t misses;
  /**
   * Entries removed to make room.
   */
  uint64_t evictions;
  /**
   * Entries now.
   */
  uint64_t entries;
  /**
   * Bytes the entries take now (allocator overhead included; the doorkeeper's fixed few
   * percent of the byte bound is not counted here).
   */
  uint64_t bytes;
  /**
   * The entry bound (0 when the cache is off).
   */
  uint64_t max_entries;
  /**
   * The byte bound.
   */
  uint64_t max_bytes;
} jwks_token_cache_stats;







/**
 * A string claim, decoded (as `jwks_token_claim_string`).
 */
#define JWKS_CLAIM_STRING 0

/**
 * A claim's value as written (as `jwks_token_claim_json`).
 */
#define JWKS_CLAIM_JSON 1

/**
 * An integer claim (as `jwks_token_claim_int`).
 */
#define JWKS_CLAIM_INT 2

/**
 * A boolean claim (as `jwks_token_claim_bool`).
 */
#define JWKS_CLAIM_BOOL 3

/**
 * Whether a claim equals or holds a string (as `jwks_token_claim_contains`).
 */
#define JWKS_CLAIM_CONTAINS 4

/**
 * Every required scope must be granted (an empty list is always met).
 */
#define JWKS_SCOPE_MATCH_ALL 0

/**
 * At least one required scope must be granted (an empty list is never met).
 */
#define JWKS_SCOPE_MATCH_ANY 1

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The library version as a NUL-terminated string, e.g. `"0.2.0"`. Static; never free it.
 */
const char *jwks_version(void);

/**
 * Reads claim `name` (`name_len` bytes of UTF-8, no NUL needed) as `kind` says, into
 * `*out`: the same answers, and the same `JWKS_RESULT_NOT_FOUND` and
 * `JWKS_RESULT_TYPE_MISMATCH`, as the `jwks_token_claim_*` getter of that kind on the token
 * the copy came from. `value` (`value_len` bytes) is the string of `JWKS_CLAIM_CONTAINS`
 * (NULL with 0 otherwise). A string claim without escapes points into the payload; one with
 * escapes is decoded into `buf` (`cap` bytes; NULL with 0 is fine until one is met): if it
 * does not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with the size it needs in
 * `out->len` (the only failure that writes an output). Thread-safe.
 */
jwks_result jwks_claims_get(const struct jwks_claims *c,
                            jwks_claim_kind kind,
                            const char *name,
                            size_t name_len,
                            const char *value,
                            size_t value_len,
                            char *buf,
                            size_t cap,
                            struct jwks_claim_value *out);

/**
 * The scopes the claims grant, as `jwks_token_scope_count` and `jwks_token_scope` read them
 * (and with their errors): their bytes back to back in `buf` (`cap` bytes), the end of each
 * in `ends` (`ends_cap` entries, offsets into `buf`), their total length in `*len` and their
 * number in `*count`. If they do not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with
 * the sizes needed in `*len` and `*count`. Thread-safe.
 */
jwks_result jwks_claims_scopes(const struct jwks_claims *c,
                               char *buf,
                               size_t cap,
                               size_t *ends,
                               size_t ends_cap,
                               size_t *len,
                               size_t *count,
                               struct jwks_error **err);

/**
 * As `jwks_token_has_scopes`, over a copy of the claims, with the `count` required scopes
 * back to back in `names` (no NULs), the length of each in `lens`. Thread-safe.
 */
jwks_result jwks_claims_has_scopes(const struct jwks_claims *c,
                                   const char *names,
                                   const size_t *lens,
                                   size_t count,
                                   jwks_scope_match how,
                                   bool *out,
                                   struct jwks_error **err);

/**
 * As `jwks_token_claims_case_unique`, over a copy of the claims. Thread-safe.
 */
jwks_result jwks_claims_case_unique(const struct jwks_claims *c, struct jwks_error **err);

/**
 * Sets a replay store of the caller's (one a fleet shares, e.g. over Redis) instead of the
 * in-memory one: `check` is called once per DPoP proof that passed every other check. `ctx`
 * is passed to it as is; `free_ctx` (may be NULL) is called with `ctx` once, when the last
 * of these options and the verifiers made from them is freed. `check` must be safe to call
 * from any thread, concurrently (see `jwks_replay_check_fn`). Replaces a store set before
 * (releasing its context when nothing else holds it). Not thread-safe (a builder).
 */
jwks_result jwks_options_set_dpop_replay_store(struct jwks_options *opts,
                                               jwks_replay_check_fn check,
                                               jwks_free_fn free_ctx,
                                               void *ctx);

/**
 * Sets a nonce source of the caller's instead of the built-in one (then nonces are on, and
 * `dpop_nonce_lifetime` unused): `issue` gives the nonce to send, `check` accepts a proof's.
 * `ctx` and `free_ctx` as for `jwks_options_set_dpop_replay_store`; both callbacks must be
 * safe to call from any thread, concurrently. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_dpop_nonce_source(struct jwks_options *opts,
                                               jwks_nonce_issue_fn issue,
                                               jwks_nonce_check_fn check,
                                               jwks_free_fn free_ctx,
                                               void *ctx);

/**
 * Writes to `*out` the DPoP nonce to send now (a new NUL-terminated string; free with
 * `jwks_string_free`), or NULL when server nonces are off. `now` in unix seconds.
 * Thread-safe.
 */
jwks_result jwks_verifier_dpop_nonce(const struct jwks_verifier *v,
                                     int64_t now,
                                     char **out,
                                     struct jwks_error **err);

/**
 * Checks a DPoP proof on its own (`len` bytes) for a request of `method` and `uri`, with the
 * access token it came with (`access_token_len` bytes; NULL with length 0 for none, as at an
 * authorization server's token endpoint) at unix time `now`, and records it in the replay
 * store. On success writes the proof key's RFC 7638 thumbprint to `*jkt` (a new string; free
 * with `jwks_string_free`). Thread-safe.
 */
jwks_result jwks_verify_dpop_proof_at(const struct jwks_verifier *v,
                                      const char *proof,
                                      size_t len,
                                      const char *method,
                                      const char *uri,
                                      const char *access_token,
                                      size_t access_token_len,
                                      int64_t now,
                                      char **jkt,
                                      struct jwks_error **err);

/**
 * Fills `*out` with the DPoP counters and the replay store's occupancy. `size` is
 * `sizeof(jwks_dpop_stats)` as the caller knows it: the first `size` bytes are written
 * (fields the library does not know are zeroed). `JWKS_RESULT_INVALID_ARGUMENT` if `size` is
 * 0 or not a multiple of 8. Thread-safe.
 */
jwks_result jwks_verifier_dpop_stats(const struct jwks_verifier *v,
                                     struct jwks_dpop_stats *out,
                                     size_t size);

/**
 * The HTTP status that answers a request refused with `code`: 401, 400
 * (`JWKS_RESULT_INVALID_REQUEST`), 403 (`JWKS_RESULT_INSUFFICIENT_SCOPE`), 503 (keys or
 * replay store unavailable), 500 (misuse, unknown codes); 0 for `JWKS_RESULT_OK` and the
 * claim lookup codes, which refuse nothing. Thread-safe.
 */
uint32_t jwks_result_http_status(uint32_t code);

/**
 * The RFC 6750 / RFC 9449 `error` code of a refusal with `code` (`"invalid_token"`,
 * `"invalid_dpop_proof"`, `"use_dpop_nonce"`, `"invalid_request"`, `"insufficient_scope"`;
 * static), or NULL when the answer carries none. Thread-safe.
 */
const char *jwks_result_oauth_error(uint32_t code);

/**
 * The result code of the failure. `e` may be NULL, which gives `JWKS_RESULT_NULL_ARGUMENT`.
 */
jwks_result jwks_error_code(const struct jwks_error *e);

/**
 * The message, NUL-terminated UTF-8, owned by `e` (valid until `jwks_error_free(e)`).
 * Returns `""` if `e` is NULL. Messages never contain key material.
 */
const char *jwks_error_message(const struct jwks_error *e);

/**
 * Frees an error. NULL is a no-op. This is the last call on `e`: after it the pointer and
 * the message it returned are dangling, and freeing it again is undefined behaviour (a
 * double free; set your copy to NULL). Not thread-safe with other uses of the same `e`.
 */
void jwks_error_free(struct jwks_error *e);

/**
 * Frees a string returned by this library (e.g. by `jwks_verifier_skipped_keys`). NULL is a
 * no-op. This is the last call on `s`: after it the pointer is dangling, and freeing it
 * again is undefined behaviour (set your copy to NULL). Only strings this library returned
 * for freeing may be passed (never `jwks_error_message` or a token's strings).
 */
void jwks_string_free(char *s);

/**
 * Creates options with the safe defaults (asymmetric algorithms only, `exp` required, no
 * leeway, https only, 10 min cache, 30 s unknown-kid cooldown, 5 s HTTP timeout).
 * Free with `jwks_options_free`. Returns NULL only if memory is exhausted.
 */
struct jwks_options *jwks_options_new(void);

/**
 * Frees options. NULL is a no-op. Verifiers created from them are unaffected. This is the
 * last call on `opts`: after it the pointer is dangling, and freeing it again is undefined
 * behaviour (set your copy to NULL). Not thread-safe with other uses of the same `opts`.
 */
void jwks_options_free(struct jwks_options *opts);

/**
 * Adds to `issuers` (one per call): the allowed values of `iss` (none may be empty); with
 * none, `iss` is not checked. Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_add_issuer(struct jwks_options *opts, const char *issuer);

/**
 * Adds to `audiences` (one per call): the allowed audiences: a token's `aud` must name one of
 * them; with none, tokens that carry `aud` are rejected (RFC 7519 §4.1.3). Default: none. Not
 * thread-safe (a builder).
 */
jwks_result jwks_options_add_audience(struct jwks_options *opts, const char *audience);

/**
 * Adds to `algorithms` (one per call): the allowed algorithms by JWA name (`RS256`, `ES256`,
 * `EdDSA`, `HS256`...). With none, every asymmetric algorithm that fits the key; HMAC only
 * ever when listed. `none` and unknown names are refused. Default: none. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_add_algorithm(struct jwks_options *opts, const char *alg);

/**
 * Sets `leeway`: the clock-skew leeway for `exp`, `nbf` and `iat`. In seconds. Default: 0 s.
 * Range: 0 to 86400 s; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_leeway(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `require_exp`: whether `exp` must be present. Default: on. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_require_exp(struct jwks_options *opts, bool require);

/**
 * Sets `typ`: the required header `typ` (case-insensitive; `application/` optional), e.g.
 * `at+jwt` for OAuth access tokens (RFC 9068). Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_typ(struct jwks_options *opts, const char *typ);

/**
 * Adds to `required_claims` (one per call): claims every token must carry (e.g. `sub`).
 * Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_add_required_claim(struct jwks_options *opts, const char *name);

/**
 * Sets `max_token_age`: rejects tokens whose `iat` is older than this (then `iat` is
 * required). In seconds. Default: off. Range: 1 to 4294967295 s, or 0 for off; outside it,
 * returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_max_token_age(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `max_token_size`: the largest accepted token. In bytes. Default: 16384 bytes. Range:
 * 256 to 1048576 bytes; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_max_token_size(struct jwks_options *opts, size_t bytes);

/**
 * Sets `token_scheme`: the `Authorization` schemes a request verification accepts: `bearer`
 * (RFC 6750), `dpop` (RFC 9449: the token with a DPoP proof of its key), or `either`. A route
 * may ask for another when it verifies a request. Default: `bearer`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_token_scheme(struct jwks_options *opts, const char *scheme);

/**
 * Sets `dpop_max_age`: the oldest a DPoP proof may be, from its `iat`; its `jti` is remembered
 * that long (plus the leeway) to refuse a replay. In seconds. Default: 60 s. Range: above 0 s,
 * at most 3600 s; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_dpop_max_age(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `dpop_leeway`: the clock-skew leeway for a DPoP proof's `iat`: how far ahead of the
 * server's clock it may be, and how much older than `dpop_max_age`. In seconds. Default: 5 s.
 * Range: 0 to 300 s; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_dpop_leeway(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `dpop_replay_cache_bytes`: the most memory the in-memory DPoP replay store takes (each
 * shard's table is allocated on its first proof). It never forgets a `jti` inside its window:
 * when full of them it refuses new proofs (`REPLAY_STORE_UNAVAILABLE`, answer 503). About
 * 45,000 proofs per MiB: the default holds 66 s of proofs (window and leeway) at 11,000 a
 * second. Unused with a shared replay store. In bytes. Default: 16777216 bytes. Range: at
 * least 262144 bytes; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_dpop_replay_cache_bytes(struct jwks_options *opts, size_t max_bytes);

/**
 * Sets `dpop_nonce_lifetime`: server nonces (RFC 9449 §9): a proof must carry a nonce the
 * server issued (sent in `DPoP-Nonce` with a `use_dpop_nonce` refusal); the built-in nonce
 * changes this often and is accepted for one period more. In seconds. Default: off. Range: 1
 * to 86400 s, or 0 for off; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not
 * thread-safe (a builder).
 */
jwks_result jwks_options_set_dpop_nonce_lifetime(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `dpop_nonce_secret`: the secret (at least 32 bytes) under which the built-in nonces are
 * made, so that every server of a fleet accepts the others' nonces; by default each verifier
 * draws its own. Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_dpop_nonce_secret(struct jwks_options *opts, const char *secret);

/**
 * Sets `allow_dpop_bound_bearer`: accepts a DPoP-bound token (one with `cnf.jkt`) sent with
 * the `Bearer` scheme, without a proof; RFC 9449 §7.2 says to refuse it, which is the
 * default. Default: off. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_allow_dpop_bound_bearer(struct jwks_options *opts, bool allow);

/**
 * Sets `require_certificate_binding`: requires every token of a request verification to be
 * bound to the client certificate (`cnf.x5t#S256`, RFC 8705 §3). Without it, a token that is
 * bound is still checked against the certificate, and refused without one. Default: off. Not
 * thread-safe (a builder).
 */
jwks_result jwks_options_set_require_certificate_binding(struct jwks_options *opts, bool require);

/**
 * Sets `token_cache`: how many verified tokens a verifier keeps, so that a token seen again is
 * answered without its signature check, with the verdict a full verification would give (the
 * time rules are checked again at each call's time; an entry is dropped when the key set
 * changes). Once the cache is full, a token is stored on its second miss, so that one-off
 * tokens displace nothing. Memory grows with the entries stored, up to `token_cache_bytes`.
 * Default: 4096. Range: 1 to 4294967295, or 0 for off; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_token_cache(struct jwks_options *opts, uint32_t max_entries);

/**
 * Sets `token_cache_bytes`: the most memory the token cache may take, allocator overhead
 * included; it is taken as entries are stored, not up front. In bytes. Default: 8388608 bytes.
 * Range: at least 4096 bytes; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not
 * thread-safe (a builder).
 */
jwks_result jwks_options_set_token_cache_bytes(struct jwks_options *opts, size_t max_bytes);

/**
 * Sets `token_cache_max_reuse`: the longest time a cached verification is reused, after which
 * the token is verified again; never past the token's `exp` either. In seconds. Default:
 * 300 s. Range: above 0 s, at most 86400 s; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_token_cache_max_reuse(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `allow_http`: allows plain `http://` key URLs (for tests and private networks).
 * Default: off. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_allow_http(struct jwks_options *opts, bool allow);

/**
 * Sets `cache_ttl`: how long fetched keys are cached when the response has no `Cache-Control:
 * max-age`. Used as given, never clamped: it must also lie within `cache_ttl_bounds`, which is
 * checked when a verifier is created (so the two may be set in either order). In seconds.
 * Default: 600 s. Range: above 0 s, at most 4294967295 s; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_cache_ttl(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `cache_ttl_bounds`: the minimum and maximum that a response's `max-age` is clamped to
 * (the server's value, not a setting); the minimum is also the lifetime of a
 * `no-store`/`no-cache` response. The minimum may not exceed the maximum. In seconds. Default:
 * 60 s and 86400 s. Range: above 0 s, at most 4294967295 s; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_cache_ttl_bounds(struct jwks_options *opts,
                                              uint32_t min_seconds,
                                              uint32_t max_seconds);

/**
 * Sets `refresh_cooldown`: the minimum interval between refetches caused by unknown `kid`s; in
 * between, tokens with unknown `kid`s are rejected at once. In seconds. Default: 30 s. Range:
 * 0 to 4294967295 s; outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a
 * builder).
 */
jwks_result jwks_options_set_refresh_cooldown(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `max_stale`: how long past their expiry cached keys keep verifying while refreshes
 * fail. In seconds. Default: 86400 s. Range: 0 to 4294967295 s; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_max_stale(struct jwks_options *opts, uint32_t seconds);

/**
 * Sets `http_timeout`: the total time allowed for one key fetch (connect, TLS, redirects,
 * headers and body; one deadline covers a whole refresh, discovery included). In milliseconds.
 * Default: 5000 ms. Range: above 0 ms, at most 3600000 ms; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_http_timeout_ms(struct jwks_options *opts, uint32_t ms);

/**
 * Sets `connect_timeout`: the time allowed to connect (TCP, proxy and TLS handshake); the
 * total timeout bounds the whole fetch, connection included, whichever ends first. In
 * milliseconds. Default: 2000 ms. Range: above 0 ms, at most 3600000 ms; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_connect_timeout_ms(struct jwks_options *opts, uint32_t ms);

/**
 * Sets `max_response_size`: the largest accepted key-set response (after decompression). In
 * bytes. Default: 1048576 bytes. Range: at least 1024 bytes; outside it, returns
 * `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_max_response_size(struct jwks_options *opts, size_t bytes);

/**
 * Adds to `headers` (one per call): headers sent with every key fetch (e.g. an API key; not
 * sent to another host after a redirect). Names and values must be UTF-8 without CR, LF or
 * NUL; names not empty and without `:` or spaces. Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_add_http_header(struct jwks_options *opts,
                                         const char *name,
                                         const char *value);

/**
 * Sets `ca_pem`: cA certificates (PEM) trusted for key fetches in addition to the system's web
 * roots, for private identity providers. Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_ca_pem(struct jwks_options *opts, const char *pem, size_t len);

/**
 * Sets `proxy`: an explicit proxy URL for key fetches, for https and http URLs alike (default:
 * from the environment: `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY`
 * for http URLs unless `REQUEST_METHOD` is set, then `all_proxy`/`ALL_PROXY`; hosts on
 * `NO_PROXY`/`no_proxy` are fetched directly). Default: none. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_proxy(struct jwks_options *opts, const char *proxy_url);

/**
 * Sets `max_keys`: the most entries a fetched key set (URL, issuer, file) may hold; a larger
 * set is refused as invalid and the keys already held stay in use. Raise it for identity
 * providers that publish many keys (multi-tenant sets). Default: 256. Range: 1 to 4294967295;
 * outside it, returns `JWKS_RESULT_INVALID_ARGUMENT`. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_max_keys(struct jwks_options *opts, uint32_t count);

/**
 * Sets `fetch_at_start`: loads every issuer's keys when the verifier is created (URL, issuer,
 * issuers; a file is always read then) and fails there with the fetch's error, so that a wrong
 * URL or issuer, an unreachable endpoint or an invalid key set stops a service at start
 * instead of answering 503 to every request. Off, the first verification fetches. Default:
 * off. Not thread-safe (a builder).
 */
jwks_result jwks_options_set_fetch_at_start(struct jwks_options *opts, bool fetch);

/**
 * Creates a request for `method` (e.g. `"GET"`) and `uri`, the absolute URI as the client
 * addressed it (`https://api.example.com/orders?id=1`; query and fragment are ignored; behind
 * a proxy, the external URI, never one built from an unchecked `Host` header). Writes a new
 * request to `*out` (free with `jwks_request_free`). Thread-safe.
 */
jwks_result jwks_request_new(const char *method, const char *uri, struct jwks_request **out);

/**
 * Frees a request. NULL is a no-op. This is the last call on `r`: after it the pointer is
 * dangling, and freeing it again is undefined behaviour (set your copy to NULL). Not
 * thread-safe with other uses of the same `r`.
 */
void jwks_request_free(struct jwks_request *r);

/**
 * Adds the value of one `Authorization` header (call once per header the request carried:
 * two are refused as `JWKS_RESULT_INVALID_REQUEST` when verified). Copied. Not thread-safe
 * (a builder).
 */
jwks_result jwks_request_add_authorization(struct jwks_request *r, const char *value);

/**
 * Adds the value of one `DPoP` header (call once per header: two are refused as
 * `JWKS_RESULT_DPOP_PROOF_INVALID`). Copied. Not thread-safe (a builder).
 */
jwks_result jwks_request_add_dpop(struct jwks_request *r, const char *value);

/**
 * Sets the client certificate as DER (`len` bytes), as a TLS library hands it over. Copied;
 * replaces any certificate set before. Not thread-safe (a builder).
 */
jwks_result jwks_request_set_client_cert_der(struct jwks_request *r,
                                             const uint8_t *der,
                                             size_t len);

/**
 * Sets the client certificate as PEM (`len` bytes; the first `CERTIFICATE` block is used).
 * Copied; replaces any certificate set before. Not thread-safe (a builder).
 */
jwks_result jwks_request_set_client_cert_pem(struct jwks_request *r, const char *pem, size_t len);

/**
 * Sets the client certificate from nginx's `$ssl_client_escaped_cert` (URL-encoded PEM; an
 * empty value or `-` means the client sent none), forwarded by a trusted nginx that
 * overwrites the header. Copied. Not thread-safe (a builder).
 */
jwks_result jwks_request_set_client_cert_nginx(struct jwks_request *r, const char *escaped);

/**
 * Sets the client certificate from Envoy's `x-forwarded-client-cert`, set by a trusted Envoy
 * that sanitises the client's (`forward_client_cert_details: SANITIZE_SET`, or
 * `APPEND_FORWARD`): the last element is the client of the last hop; its `Cert` (URL-encoded
 * PEM) if present, else its `Hash`. Copied. Not thread-safe (a builder).
 */
jwks_result jwks_request_set_client_cert_xfcc(struct jwks_request *r, const char *xfcc);

/**
 * Sets the schemes this request's route accepts, instead of the verifier's `token_scheme`:
 * `"bearer"`, `"dpop"` or `"either"` (`JWKS_RESULT_INVALID_ARGUMENT` for another). Not
 * thread-safe (a builder).
 */
jwks_result jwks_request_set_token_scheme(struct jwks_request *r, const char *scheme);

/**
 * Verifies a request at the current system time: its one `Authorization` header (`Bearer`
 * or `DPoP`, as `token_scheme` allows), its DPoP proof (RFC 9449 §4.3, recorded in the replay
 * store last), the access token (as `jwks_verify`), and the token's binding: `cnf.jkt` to
 * the proof's key, `cnf.x5t#S256` to the client certificate. On success writes a new
 * `jwks_token` to `*out` (free with `jwks_token_free`), whose `jwks_token_scheme`,
 * `jwks_token_dpop_jkt`, `jwks_token_certificate_thumbprint` and `jwks_token_dpop_nonce` say
 * what bound it. On failure, `jwks_verifier_refusal` gives the answer. Thread-safe.
 */
jwks_result jwks_verify_request(const struct jwks_verifier *v,
                                const struct jwks_request *request,
                                struct jwks_token **out,
                                struct jwks_error **err);

/**
 * Like `jwks_verify_request`, at unix time `now` (seconds).
 */
jwks_result jwks_verify_request_at(const struct jwks_verifier *v,
                                   const struct jwks_request *request,
                                   int64_t now,
                                   struct jwks_token **out,
                                   struct jwks_error **err);

/**
 * The scheme the token came with, `"Bearer"` or `"DPoP"` (static); NULL for a token not
 * verified by `jwks_verify_request`, or a NULL `t`.
 */
const char *jwks_token_scheme(const struct jwks_token *t);

/**
 * The RFC 7638 thumbprint of the DPoP proof's key (equal to the token's `cnf.jkt`), owned
 * by `t`; NULL unless the token came with the `DPoP` scheme.
 */
const char *jwks_token_dpop_jkt(const struct jwks_token *t);

/**
 * The `x5t#S256` of the client certificate the token is bound to (equal to its
 * `cnf.x5t#S256`), owned by `t`; NULL when the token is not certificate-bound.
 */
const char *jwks_token_certificate_thumbprint(const struct jwks_token *t);

/**
 * With server nonces on, the nonce to send in a `DPoP-Nonce` header of the response (the
 * client's is no longer the current one), owned by `t`; NULL otherwise.
 */
const char *jwks_token_dpop_nonce(const struct jwks_token *t);

/**
 * Builds the answer to a request refused with `code` (what `jwks_verify_request` returned,
 * or `JWKS_RESULT_INSUFFICIENT_SCOPE` after a scope check of the caller's). `request` (may be
 * NULL) tells the scheme the client used and the route's schemes; `realm` and `scope` (the
 * scopes needed, space-separated) may be NULL; `now` is for the DPoP nonce (unix seconds).
 * Writes a new `jwks_refusal` to `*out` (free with `jwks_refusal_free`).
 * `JWKS_RESULT_INVALID_ARGUMENT` if `code` is `JWKS_RESULT_OK` or no code. Thread-safe.
 */
jwks_result jwks_verifier_refusal(const struct jwks_verifier *v,
                                  const struct jwks_request *request,
                                  uint32_t code,
                                  const char *realm,
                                  const char *scope,
                                  int64_t now,
                                  struct jwks_refusal **out);

/**
 * The HTTP status to answer with: 400, 401, 403, 500 or 503; 0 if `r` is NULL.
 */
uint32_t jwks_refusal_status(const struct jwks_refusal *r);

/**
 * The `error` code for the challenge and the body (`"invalid_token"`, `"invalid_dpop_proof"`,
 * `"use_dpop_nonce"`, `"invalid_request"`, `"insufficient_scope"`), owned by `r`; NULL when
 * there is none (no token was sent, 500, 503).
 */
const char *jwks_refusal_error(const struct jwks_refusal *r);

/**
 * The `error_description`: the code's one-line description (static); NULL if `r` is NULL.
 */
const char *jwks_refusal_description(const struct jwks_refusal *r);

/**
 * How many `WWW-Authenticate` headers to send (one per challenge; 0 for 500 and 503).
 */
size_t jwks_refusal_challenge_count(const struct jwks_refusal *r);

/**
 * The value of the `index`-th `WWW-Authenticate` header, owned by `r`; NULL past the end.
 */
const char *jwks_refusal_challenge(const struct jwks_refusal *r, size_t index);

/**
 * The value of a `DPoP-Nonce` header to send, owned by `r`; NULL when none is to be sent.
 */
const char *jwks_refusal_dpop_nonce(const struct jwks_refusal *r);

/**
 * Frees a refusal and every string it handed out. NULL is a no-op. This is the last call on
 * `r`: after it the pointer is dangling, and freeing it again is undefined behaviour (set your
 * copy to NULL). Not thread-safe with other uses of the same `r`.
 */
void jwks_refusal_free(struct jwks_refusal *r);

/**
 * The category of a result code. Unknown codes are `JWKS_CATEGORY_MISUSE`. Thread-safe.
 */
jwks_category jwks_result_category(uint32_t code);

/**
 * True if `code` means the token was rejected (answer HTTP 401). Thread-safe.
 */
bool jwks_result_is_token_rejected(uint32_t code);

/**
 * True if `code` means the keys are unavailable (answer HTTP 503). Thread-safe.
 */
bool jwks_result_is_keys_unavailable(uint32_t code);

/**
 * The stable name of a result code without prefix, e.g. `"BAD_SIGNATURE"`; `"OK"` for 0 and
 * `"UNKNOWN"` for a number that is not a code. Static NUL-terminated string; never free it.
 */
const char *jwks_result_name(uint32_t code);

/**
 * A one-line English description of a result code. Static NUL-terminated string; never free it.
 */
const char *jwks_result_description(uint32_t code);

/**
 * The decoded payload (the claims JSON of a JWT), as received. NUL-terminated for
 * convenience; `*len` (if `len` is non-NULL) receives its length without the NUL (the payload
 * of a JWS may itself contain NUL bytes). Owned by `t`. NULL if `t` is NULL.
 */
const char *jwks_token_payload(const struct jwks_token *t, size_t *len);

/**
 * The decoded protected header JSON, as received. NUL-terminated; `*len` as for the payload.
 * Owned by `t`. NULL if `t` is NULL.
 */
const char *jwks_token_header(const struct jwks_token *t, size_t *len);

/**
 * The algorithm that verified the token, e.g. `"RS256"`. Static string. NULL if `t` is NULL.
 */
const char *jwks_token_alg(const struct jwks_token *t);

/**
 * The header's `kid`, NUL-terminated, owned by `t`; NULL if the header has none. A `kid`
 * holding a NUL character (`\u0000`), which C would read cut short, never gets this far:
 * such a header is refused as `JWKS_RESULT_MALFORMED`, so NULL always means "no kid".
 */
const char *jwks_token_kid(const struct jwks_token *t);

/**
 * The `kid` of the key that verified the signature, owned by `t`; NULL if that key has none
 * (a key whose `kid` holds a NUL character is skipped when the set is parsed, so it never
 * verifies a token).
 */
const char *jwks_token_key_id(const struct jwks_token *t);

/**
 * The RFC 7638 thumbprint of the key that verified the signature, owned by `t`.
 */
const char *jwks_token_key_thumbprint(const struct jwks_token *t);

/**
 * Frees a token and every pointer it handed out (payload, header, claim strings). NULL is a
 * no-op. This is the last call on `t`: after it the pointer is dangling, and freeing it
 * again is undefined behaviour (set your copy to NULL). Not thread-safe with other uses of
 * the same `t`.
 */
void jwks_token_free(struct jwks_token *t);

/**
 * Reads a string claim: on success `*out` points at its UTF-8 bytes (owned by `t`, NOT
 * NUL-terminated: a claim may hold a NUL character) and `*len` receives their length.
 * Returns `JWKS_RESULT_NOT_FOUND` when the token has no such claim, or when its payload is
 * not a claims object (a JWS from `jwks_verify_signature` whose payload is not JSON, not an
 * object, or breaks the reader's rules: a member name twice, a lone surrogate...; see
 * `jwks_token_claims_readable`), and `JWKS_RESULT_TYPE_MISMATCH` when the claim is not a
 * string. Every claim getter reads the payload the claim checks read, by the same reader.
 * Thread-safe (the claims are indexed on first use).
 */
jwks_result jwks_token_claim_string(const struct jwks_token *t,
                                    const char *name,
                                    const char **out,
                                    size_t *len);

/**
 * Reads an integer claim: a JSON number with no fraction or exponent that fits in int64, e.g.
 * `exp`. `-0` is not one (the reader takes it as the floating-point negative zero).
 * `JWKS_RESULT_NOT_FOUND` or `JWKS_RESULT_TYPE_MISMATCH` as for `jwks_token_claim_string`.
 */
jwks_result jwks_token_claim_int(const struct jwks_token *t, const char *name, int64_t *out);

/**
 * Reads a boolean claim. `JWKS_RESULT_NOT_FOUND` or `JWKS_RESULT_TYPE_MISMATCH` as for
 * `jwks_token_claim_string`.
 */
jwks_result jwks_token_claim_bool(const struct jwks_token *t, const char *name, bool *out);

/**
 * Sets `*out` to whether claim `name` equals `value` (a string claim) or contains it (an
 * array claim, e.g. `aud` or `groups`: any element that is that string).
 * `JWKS_RESULT_TYPE_MISMATCH` for other types; `JWKS_RESULT_NOT_FOUND` as for
 * `jwks_token_claim_string`.
 */
jwks_result jwks_token_claim_contains(const struct jwks_token *t,
                                      const char *name,
                                      const char *value,
                                      bool *out);

/**
 * The JSON text of claim `name`'s value, exactly as the payload holds it (e.g. `"alice"`
 * with its quotes, `[1,2]`, `1.50`): on success `*out` points into the payload (owned by
 * `t`, NOT NUL-terminated) and `*len` receives the length. For values no typed getter
 * reads (objects, arrays, numbers as written). `JWKS_RESULT_NOT_FOUND` as for
 * `jwks_token_claim_string`.
 */
jwks_result jwks_token_claim_json(const struct jwks_token *t,
                                  const char *name,
                                  const char **out,
                                  size_t *len);

/**
 * `JWKS_RESULT_OK` if the payload is a claims object the claim getters read: always for a
 * token from `jwks_verify`. For a JWS from `jwks_verify_signature`, the payload is read under
 * the rules of the claim checks (one JSON object, no member name twice at any depth, no lone
 * surrogate, numbers in range, the nesting limit) and, if they refuse it, the answer is what
 * `jwks_verify` gives such a payload, saying why: `JWKS_RESULT_INVALID_CLAIM`, or
 * `JWKS_RESULT_TOO_LARGE` when nested too deep (then every claim getter answers
 * `JWKS_RESULT_NOT_FOUND`, and the scope functions this error). Thread-safe.
 */
jwks_result jwks_token_claims_readable(const struct jwks_token *t, struct jwks_error **err);

/**
 * `JWKS_RESULT_OK` if no two member names of one object of the payload, at any depth, are
 * equal under case folding (a superset of Unicode simple case folding: `iss`, `Iss` and
 * `ISS`; `k`, `K` and the Kelvin sign U+212A; `s`, `S` and U+017F); otherwise
 * `JWKS_RESULT_INVALID_CLAIM` naming two such names. Claim names are case-sensitive, and the
 * getters read `iss` whatever else the payload holds, but a decoder that matches names
 * case-insensitively (Go's `encoding/json` into a struct) would read `Iss` as `iss`: call
 * this before handing the payload to one. A payload that is not claims gives the error of
 * `jwks_token_claims_readable`. Thread-safe.
 */
jwks_result jwks_token_claims_case_unique(const struct jwks_token *t, struct jwks_error **err);

/**
 * The number of scopes the token grants, in `*count`. The scopes are: the claim `scope`, a
 * string split on the space character U+0020 alone (empty pieces from leading, trailing or
 * repeated spaces are dropped; a tab, NBSP, NEL or U+3000 is part of a scope, not a
 * separator), then the claim `scp`, either such a string or an array of strings, each
 * element one scope taken whole (an element holding a space is one scope, which no required
 * scope equals); in order, each once. An absent or `null` claim grants nothing. A `scope`
 * that is not a string, or an `scp` that is neither a string nor an array of strings, is
 * `JWKS_RESULT_INVALID_CLAIM` (a rejected token: answer 401); a payload that is not claims
 * gives the error of `jwks_token_claims_readable`. Read once per token. Thread-safe.
 */
jwks_result jwks_token_scope_count(const struct jwks_token *t,
                                   size_t *count,
                                   struct jwks_error **err);

/**
 * Scope `index` (from 0, below `jwks_token_scope_count`'s count) of the token: `*out` points
 * at its UTF-8 bytes (owned by `t`, NOT NUL-terminated) and `*len` receives their length.
 * `JWKS_RESULT_INVALID_ARGUMENT` when `index` is not below the count; the errors of
 * `jwks_token_scope_count` otherwise. Thread-safe.
 */
jwks_result jwks_token_scope(const struct jwks_token *t,
                             size_t index,
                             const char **out,
                             size_t *len);

/**
 * Sets `*out` to whether the token grants the `count` scopes of `scopes` (NUL-terminated
 * strings; the array may be NULL when `count` is 0): all of them (`JWKS_SCOPE_MATCH_ALL`)
 * or at least one (`JWKS_SCOPE_MATCH_ANY`). Each required scope must be a valid one
 * (`jwks_scope_check`), else `JWKS_RESULT_INVALID_ARGUMENT`; the token's scopes are those of
 * `jwks_token_scope_count`, with its errors. Thread-safe.
 */
jwks_result jwks_token_has_scopes(const struct jwks_token *t,
                                  const char *const *scopes,
                                  size_t count,
                                  jwks_scope_match how,
                                  bool *out,
                                  struct jwks_error **err);

/**
 * Where the claims' members lie in the payload, for claim queries over a copy of the token
 * (`jwks_claims`, for bindings that keep the payload after freeing the token): four
 * `uint32_t` per top-level member, in order (its name as written, quotes included, from the
 * offset in the first to the one in the second; its value as written from the third to the
 * fourth: byte offsets into the payload), into `index`
 * (`cap` entries), and the number of members into `*members`. With `index` NULL and `cap`
 * 0, only the number of members is written (ask it first to size `index`, four entries per
 * member). If they do not fit, the answer is `JWKS_RESULT_INVALID_ARGUMENT` with the number
 * of members in `*members`. A payload that is not claims gives the error of
 * `jwks_token_claims_readable`. The index of a token from the token cache comes with it; of
 * another, it is made on first use. Thread-safe.
 */
jwks_result jwks_token_claims_index(const struct jwks_token *t,
                                    uint32_t *index,
                                    size_t cap,
                                    size_t *members,
                                    struct jwks_error **err);

/**
 * `JWKS_RESULT_OK` if `scope` (NUL-terminated) can be a required scope: a scope-token of RFC
 * 6749 section 3.3, one or more printable ASCII characters other than space, `"` and `\`;
 * otherwise `JWKS_RESULT_INVALID_ARGUMENT` saying why. The integrations (Python, Go, gRPC)
 * check their required scopes with it when they are configured. Thread-safe.
 */
jwks_result jwks_scope_check(const char *scope, struct jwks_error **err);

/**
 * Creates a verifier over a JWKS document (or a single JWK) given as `len` bytes of JSON
 * (no NUL needed). `opts` may be NULL for defaults; it is copied. `oct` (HMAC) keys are used
 * only if an HS* algorithm was added to `opts`. On success writes a new verifier to `*out`
 * (free with `jwks_verifier_free`); on failure `*out` is untouched and, if `err` is non-NULL,
 * `*err` receives details (free with `jwks_error_free`).
 */
jwks_result jwks_verifier_from_json(const char *jwks_json,
                                    size_t len,
                                    const struct jwks_options *opts,
                                    struct jwks_verifier **out,
                                    struct jwks_error **err);

/**
 * Creates a verifier over a JWKS URL (https unless `jwks_options_set_allow_http`). No network
 * I/O happens here: the first verification fetches the keys (one fetch shared by all
 * concurrent callers), and they are cached and refreshed as the options say.
 */
jwks_result jwks_verifier_from_url(const char *url,
                                   const struct jwks_options *opts,
                                   struct jwks_verifier **out,
                                   struct jwks_error **err);

/**
 * Creates a verifier for an OpenID Connect issuer: its `jwks_uri` is read from
 * `{issuer}/.well-known/openid-configuration` (whose `issuer` must match exactly) on first use.
 * The issuer is added to the allowed issuers.
 */
jwks_result jwks_verifier_from_issuer(const char *issuer,
                                      const struct jwks_options *opts,
                                      struct jwks_verifier **out,
                                      struct jwks_error **err);

/**
 * Creates a verifier for every issuer added with `jwks_options_add_issuer`, each with its own
 * key set found by discovery; a token is routed by its `iss`, and only to an allowed issuer.
 */
jwks_result jwks_verifier_from_issuers(const struct jwks_options *opts,
                                       struct jwks_verifier **out,
                                       struct jwks_error **err);

/**
 * Creates a verifier over a JWKS file, read now and reloaded when it changes (for a sidecar
 * that writes the keys). `oct` keys are used only if an HS* algorithm is allowed.
 */
jwks_result jwks_verifier_from_file(const char *path,
                                    const struct jwks_options *opts,
                                    struct jwks_verifier **out,
                                    struct jwks_error **err);

/**
 * Frees a verifier. NULL is a no-op. This is the last call on `v`: call it once, after every
 * other call on `v` (from any thread) has returned; after it the pointer is dangling, and
 * freeing it again is undefined behaviour (set your copy to NULL). Tokens and errors it
 * returned stay valid and are freed separately.
 */
void jwks_verifier_free(struct jwks_verifier *v);

/**
 * Verifies a JWT (signature, header policy and claims) at the current system time.
 * `token` is `len` bytes (no NUL needed). On success writes a new `jwks_token` to `*out`
 * (free with `jwks_token_free`). Thread-safe.
 */
jwks_result jwks_verify(const struct jwks_verifier *v,
                        const char *token,
                        size_t len,
                        struct jwks_token **out,
                        struct jwks_error **err);

/**
 * Like `jwks_verify`, at unix time `now` (seconds) instead of the system clock.
 */
jwks_result jwks_verify_at(const struct jwks_verifier *v,
                           const char *token,
                           size_t len,
                           int64_t now,
                           struct jwks_token **out,
                           struct jwks_error **err);

/**
 * Verifies a compact JWS: signature and header policy only (no claims); the payload need not
 * be JSON. Thread-safe.
 */
jwks_result jwks_verify_signature(const struct jwks_verifier *v,
                                  const char *jws,
                                  size_t len,
                                  struct jwks_token **out,
                                  struct jwks_error **err);

/**
 * Verifies a JWT like `jwks_verify` and copies its payload (the claims JSON, not
 * NUL-terminated) into `buf`, `cap` bytes, writing its length to `*payload_len`; no token
 * handle is made, so nothing is left to free. The payload is decoded from part of the token,
 * so a `cap` of at least `len` always fits. If the token is valid but its payload does not
 * fit, returns `JWKS_RESULT_INVALID_ARGUMENT` with the size needed in `*payload_len` (the
 * only failure that writes an output). `buf` may be NULL only if `cap` is 0. Thread-safe.
 */
jwks_result jwks_verify_payload(const struct jwks_verifier *v,
                                const char *token,
                                size_t len,
                                char *buf,
                                size_t cap,
                                size_t *payload_len,
                                struct jwks_error **err);

/**
 * Like `jwks_verify_payload`, at unix time `now` (seconds) instead of the system clock.
 */
jwks_result jwks_verify_payload_at(const struct jwks_verifier *v,
                                   const char *token,
                                   size_t len,
                                   int64_t now,
                                   char *buf,
                                   size_t cap,
                                   size_t *payload_len,
                                   struct jwks_error **err);

/**
 * Fetches the keys now (for remote and file sources; a no-op for a static set). Blocks for
 * about the HTTP timeout at most: one deadline covers the whole refresh (discovery, key
 * set, redirects), and the issuers of a `jwks_verifier_from_issuers` verifier are refreshed
 * in parallel. A refresh already running is joined, not repeated. Thread-safe.
 */
jwks_result jwks_verifier_refresh(const struct jwks_verifier *v, struct jwks_error **err);

/**
 * Fills `*out` with the verifier's counters. Thread-safe.
 */
jwks_result jwks_verifier_stats(const struct jwks_verifier *v, struct jwks_stats *out);

/**
 * Writes the last key-fetch error to `*out` (a new `jwks_error`, free with
 * `jwks_error_free`), or NULL if the last fetch succeeded or none was made. Thread-safe.
 */
jwks_result jwks_verifier_last_error(const struct jwks_verifier *v, struct jwks_error **out);

/**
 * Writes to `*out` a JSON array describing the entries of the current key set that are not
 * used, e.g. `[{"index":2,"kid":"enc-1","reason":"use is \"enc\", not \"sig\""}]` (a new
 * NUL-terminated string; free with `jwks_string_free`). For a remote source with no keys yet
 * this fetches them. Thread-safe.
 */
jwks_result jwks_verifier_skipped_keys(const struct jwks_verifier *v,
                                       char **out,
                                       struct jwks_error **err);

/**
 * Writes to `*out` whether verifying `token` (`len` bytes, no NUL needed) with `v` now would
 * wait for a key fetch: no keys yet (cold start), keys past their stale bound, or a `kid`
 * the current keys lack while a refetch is allowed or already running. Returns at once: it
 * never fetches, waits or blocks on I/O. A token that would be refused before its keys are
 * looked up (malformed, algorithm not allowed, issuer not routed) writes false.
 *
 * `true` may turn out pessimistic (the fetch finishes first); `false` is exact at the moment
 * of asking, though another thread may start a fetch right after. Meant for event loops:
 * verify inline on false, on a worker thread on true. Nothing is allocated; on failure (NULL
 * `v`, `out` or `token` with a non-zero `len`) `*out` is untouched. Thread-safe.
 */
jwks_result jwks_verifier_would_block(const struct jwks_verifier *v,
                                      const char *token,
                                      size_t len,
                                      bool *out);

/**
 * Fills `*out` with the token cache's counters (all zero when the cache is off). `size` is
 * `sizeof(jwks_token_cache_stats)` as the caller knows it: the first `size` bytes are written
 * (fields the library does not know are zeroed), so programs built against an older or newer
 * header keep working. Returns `JWKS_RESULT_INVALID_ARGUMENT` if `size` is 0 or not a
 * multiple of 8. Thread-safe.
 */
jwks_result jwks_verifier_token_cache_stats(const struct jwks_verifier *v,
                                            struct jwks_token_cache_stats *out,
                                            size_t size);

/**
 * Writes to `*out` whether `v` can verify now without waiting for a key fetch: every issuer
 * it serves has keys that are not past their stale bound. Always true for a verifier over a
 * fixed key set or a file (read when it was made); for one over a URL or issuer(s), false
 * until its first fetch succeeds (at creation with `jwks_options_set_fetch_at_start`, or the
 * first verification or `jwks_verifier_refresh`), and again if its keys go past the stale
 * bound while fetches fail; for several issuers, true only when every issuer is. Returns at
 * once: it never fetches, waits or blocks on I/O, so a readiness probe may call it on every
 * request. On failure (NULL `v` or `out`) `*out` is untouched. Thread-safe.
 */
jwks_result jwks_verifier_ready(const struct jwks_verifier *v, bool *out);

/**
 * Writes to `counts[code]` how many verifications `v` answered with result `code` since it
 * was made: `counts[JWKS_RESULT_OK]` the successes, `counts[JWKS_RESULT_EXPIRED]` the expired
 * tokens, and so on. Counted are `jwks_verify`, `jwks_verify_at`, `jwks_verify_payload`,
 * `jwks_verify_payload_at` and `jwks_verify_signature` as the verifier decided them, token
 * cache hits included (a call refused for its own arguments, such as a NULL token, never
 * reaches the verifier and is not counted).
 *
 * `len` is the number of elements of `counts`: `JWKS_VERIFY_COUNTS_LEN` holds every code of
 * this header. Elements at or past the library's own length, and those of numbers that are
 * no result code, are set to 0; codes at or past `len` are not written, so a program built
 * against an older or newer header keeps working. Returns `JWKS_RESULT_INVALID_ARGUMENT` if
 * `len` is 0 (or too large for an array). Reading takes no lock; the counts of one call are
 * not a snapshot across codes (verifications finishing meanwhile may or may not be in
 * them). Thread-safe.
 */
jwks_result jwks_verifier_verify_counts(const struct jwks_verifier *v,
                                        uint64_t *counts,
                                        size_t len);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* JWKS_H */
