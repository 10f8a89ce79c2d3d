/*
 * jwks.hpp — a header-only C++17 wrapper over the C ABI of libjwks (jwks.h).
 *
 * Link with libjwks as for C (`-ljwks`, or `pkg-config --libs jwks`); nothing else to build.
 *
 *   jwks::options opts;
 *   opts.add_issuer("https://login.example.com/").add_audience("api://orders");
 *   auto verifier = jwks::verifier::from_url("https://login.example.com/jwks.json", opts);
 *   jwks::token tok = verifier.verify(bearer);            // throws jwks::error
 *   std::string_view sub = tok.claim_string("sub");
 *
 * Handles
 * -------
 * `jwks::options`, `jwks::verifier` and `jwks::token` each own one C object and free it in
 * their destructor; they are move-only. A moved-from handle is empty (`!handle`): calls on it
 * fail with `jwks::result::null_argument` (as the C functions do for NULL) and never crash;
 * its views are empty. `std::string_view` results point into the handle's C object and stay
 * valid until that handle is destroyed or assigned to (not when it is moved from: the moved-to
 * handle owns the same object).
 *
 * Errors
 * ------
 * Failures throw `jwks::error` (a `std::runtime_error`) carrying the stable result `code()`,
 * its `name()` ("EXPIRED"), its `category()` (token rejected: answer 401; keys unavailable:
 * answer 503; misuse; lookup) and the library's precise message as `what()` (e.g. "exp
 * 1699999999 is 1 s before now 1700000000 (leeway 0 s)", "no key with kid \"k2\" in the set").
 * The C option setters report a code only, so a refused option names the setter and the
 * value instead: "jwks::options::leeway(999999 s): an argument is invalid".
 * Every call of `jwks::verifier` and `jwks::token` that can fail has a non-throwing overload
 * taking a `std::error_code &`, which is cleared on success and set to the result code
 * (category `jwks::error_category()`) on failure (the code only: the detailed message comes
 * with the exception); those overloads never throw `jwks::error` (only `std::bad_alloc`, for
 * claim names or C strings longer than 255 bytes, or for the strings they return). The
 * setters of `jwks::options` only throw: options are built once, before the first verifier.
 * Strings passed to the C ABI must not contain NUL bytes; one that does fails with
 * `invalid_argument` rather than being silently cut.
 *
 * Thread safety (as in jwks.h)
 * ----------------------------
 * The const member functions of `jwks::verifier` (verify, refresh, stats, ...) may be called
 * from any number of threads at once on one verifier; `jwks::token` and `jwks::error` are
 * immutable and may be read from several threads. `jwks::options` is a builder for one
 * thread at a time. Destroying, moving or assigning a handle must not race with any other use
 * of it: destroy a shared verifier after every thread has finished with it.
 */
#ifndef JWKS_HPP
#define JWKS_HPP

#include "jwks.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace jwks {

// BEGIN GENERATED: result codes (do not edit; make generate)
/// The stable result codes of the C ABI (`jwks_result`), same numbers.
enum class result : std::uint32_t {
  /// success
  ok = JWKS_RESULT_OK,
  /// the token is malformed
  malformed = JWKS_RESULT_MALFORMED,
  /// a size or nesting limit was exceeded
  too_large = JWKS_RESULT_TOO_LARGE,
  /// the algorithm is not allowed
  algorithm_not_allowed = JWKS_RESULT_ALGORITHM_NOT_ALLOWED,
  /// the token requires an unsupported extension (crit)
  crit_unsupported = JWKS_RESULT_CRIT_UNSUPPORTED,
  /// no matching key in the key set
  unknown_key = JWKS_RESULT_UNKNOWN_KEY,
  /// the kid names more than one key
  ambiguous_key = JWKS_RESULT_AMBIGUOUS_KEY,
  /// the key cannot verify this algorithm
  key_mismatch = JWKS_RESULT_KEY_MISMATCH,
  /// the signature does not verify
  bad_signature = JWKS_RESULT_BAD_SIGNATURE,
  /// the token has expired
  expired = JWKS_RESULT_EXPIRED,
  /// the token is not valid yet
  not_yet_valid = JWKS_RESULT_NOT_YET_VALID,
  /// the token was issued in the future
  issued_in_future = JWKS_RESULT_ISSUED_IN_FUTURE,
  /// the token is older than the maximum age
  too_old = JWKS_RESULT_TOO_OLD,
  /// the issuer is not allowed
  wrong_issuer = JWKS_RESULT_WRONG_ISSUER,
  /// the audience is not allowed
  wrong_audience = JWKS_RESULT_WRONG_AUDIENCE,
  /// a required claim is missing
  missing_claim = JWKS_RESULT_MISSING_CLAIM,
  /// a claim has an invalid value
  invalid_claim = JWKS_RESULT_INVALID_CLAIM,
  /// the token type (typ) is not the expected one
  wrong_type = JWKS_RESULT_WRONG_TYPE,
  /// the request carries no access token
  no_credentials = JWKS_RESULT_NO_CREDENTIALS,
  /// the request is malformed
  invalid_request = JWKS_RESULT_INVALID_REQUEST,
  /// the authorization scheme is not accepted here
  scheme_not_allowed = JWKS_RESULT_SCHEME_NOT_ALLOWED,
  /// the token lacks a required scope
  insufficient_scope = JWKS_RESULT_INSUFFICIENT_SCOPE,
  /// the DPoP proof is invalid
  dpop_proof_invalid = JWKS_RESULT_DPOP_PROOF_INVALID,
  /// the DPoP proof is for another request or token
  dpop_proof_mismatch = JWKS_RESULT_DPOP_PROOF_MISMATCH,
  /// the DPoP proof is too old or issued in the future
  dpop_proof_stale = JWKS_RESULT_DPOP_PROOF_STALE,
  /// the DPoP proof was already used
  dpop_proof_replayed = JWKS_RESULT_DPOP_PROOF_REPLAYED,
  /// a fresh DPoP nonce is required
  dpop_nonce_required = JWKS_RESULT_DPOP_NONCE_REQUIRED,
  /// the token's key or certificate binding does not match the request
  binding_mismatch = JWKS_RESULT_BINDING_MISMATCH,
  /// the token is not bound as the request requires
  token_not_bound = JWKS_RESULT_TOKEN_NOT_BOUND,
  /// a DPoP-bound token was sent as a bearer token
  bound_token_as_bearer = JWKS_RESULT_BOUND_TOKEN_AS_BEARER,
  /// the keys are unavailable
  keys_unavailable = JWKS_RESULT_KEYS_UNAVAILABLE,
  /// the key set is invalid
  key_set_invalid = JWKS_RESULT_KEY_SET_INVALID,
  /// the DPoP replay store is full or unavailable
  replay_store_unavailable = JWKS_RESULT_REPLAY_STORE_UNAVAILABLE,
  /// a required argument was NULL
  null_argument = JWKS_RESULT_NULL_ARGUMENT,
  /// an argument is invalid
  invalid_argument = JWKS_RESULT_INVALID_ARGUMENT,
  /// the URL is not https and plain http is not allowed
  insecure_url = JWKS_RESULT_INSECURE_URL,
  /// internal error
  internal = JWKS_RESULT_INTERNAL,
  /// the claim is not present
  not_found = JWKS_RESULT_NOT_FOUND,
  /// the claim has a different type
  type_mismatch = JWKS_RESULT_TYPE_MISMATCH,
};
// END GENERATED: result codes

// BEGIN GENERATED: categories (do not edit; make generate)
/// How a caller should treat a result (`jwks_category`).
enum class category : std::uint32_t {
  ok = JWKS_CATEGORY_OK,
  /// The token is bad: answer HTTP 401.
  token_rejected = JWKS_CATEGORY_TOKEN_REJECTED,
  /// The keys are unavailable: answer HTTP 503 and retry later.
  keys_unavailable = JWKS_CATEGORY_KEYS_UNAVAILABLE,
  /// The API was misused (a bug in the caller), or the code is unknown.
  misuse = JWKS_CATEGORY_MISUSE,
  /// A claim lookup on a verified token found nothing.
  lookup = JWKS_CATEGORY_LOOKUP,
};
// END GENERATED: categories

/// The category of a result code (unknown codes are `misuse`). Thread-safe.
inline jwks::category category_of(result code) noexcept {
  return static_cast<jwks::category>(jwks_result_category(static_cast<std::uint32_t>(code)));
}

/// True if the code means the token was rejected (answer HTTP 401). Thread-safe.
inline bool is_token_rejected(result code) noexcept {
  return jwks_result_is_token_rejected(static_cast<std::uint32_t>(code));
}

/// True if the code means the keys are unavailable (answer HTTP 503). Thread-safe.
inline bool is_keys_unavailable(result code) noexcept {
  return jwks_result_is_keys_unavailable(static_cast<std::uint32_t>(code));
}

/// The stable name of a result code, e.g. "BAD_SIGNATURE". Static string. Thread-safe.
inline const char *name_of(result code) noexcept {
  return jwks_result_name(static_cast<std::uint32_t>(code));
}

/// A one-line English description of a result code. Static string. Thread-safe.
inline const char *description_of(result code) noexcept {
  return jwks_result_description(static_cast<std::uint32_t>(code));
}

namespace detail {
class error_category_impl final : public std::error_category {
 public:
  const char *name() const noexcept override { return "jwks"; }
  std::string message(int code) const override {
    auto c = static_cast<std::uint32_t>(code);
    return std::string(jwks_result_name(c)) + ": " + jwks_result_description(c);
  }
};
}  // namespace detail

/// The std::error_category of `jwks::result` codes (name "jwks").
inline const std::error_category &error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

/// A std::error_code for a result code.
inline std::error_code make_error_code(result code) noexcept {
  return {static_cast<int>(code), error_category()};
}

/// The result code of an error code of `jwks::error_category()`; `result::ok` when `ec` is
/// clear, `result::internal` for an error code of another category.
inline result result_of(const std::error_code &ec) noexcept {
  if (!ec) return result::ok;
  if (ec.category() != error_category()) return result::internal;
  return static_cast<result>(ec.value());
}

/// A failure of the library: the result code, its stable name, its category and the library's
/// precise message (`what()`: which claim, which kid, which bound; never key material).
/// Immutable; may be read from several threads.
class error : public std::runtime_error {
 public:
  error(result code, const std::string &message) : std::runtime_error(message), code_(code) {}

  /// The stable result code.
  result code() const noexcept { return code_; }
  /// The code's stable name, e.g. "EXPIRED". Static string.
  const char *name() const noexcept { return name_of(code_); }
  /// How to treat it: token_rejected (401), keys_unavailable (503), misuse, lookup.
  jwks::category category() const noexcept { return category_of(code_); }
  /// The code as a std::error_code.
  std::error_code error_code() const noexcept { return make_error_code(code_); }

 private:
  result code_;
};

namespace detail {

/// Owns a jwks_error * for the duration of a call.
struct c_error {
  jwks_error *p = nullptr;
  c_error() = default;
  c_error(const c_error &) = delete;
  c_error &operator=(const c_error &) = delete;
  ~c_error() { jwks_error_free(p); }
};

/// Owns a string the library returned for freeing (jwks_string_free).
struct c_owned_string {
  char *p = nullptr;
  c_owned_string() = default;
  c_owned_string(const c_owned_string &) = delete;
  c_owned_string &operator=(const c_owned_string &) = delete;
  ~c_owned_string() { jwks_string_free(p); }
  std::string str() const { return p == nullptr ? std::string() : std::string(p); }
};

/// Throws the jwks::error of a failed call: the C error's message if there is one, else the
/// code's description.
[[noreturn]] inline void throw_error(jwks_result r, const jwks_error *e) {
  auto code = static_cast<result>(r);
  if (e != nullptr) throw error(code, jwks_error_message(e));
  throw error(code, description_of(code));
}

/// Throws for a failed call that reports no details.
inline void check(jwks_result r) {
  if (r != JWKS_RESULT_OK) throw_error(r, nullptr);
}

/// Throws for a failed call that filled `e`. Takes the holder, not its pointer: written
/// `check(f(&e.p), e.p)`, the pointer could be read before `f` runs (the order in which a
/// call's arguments are evaluated is unspecified; g++ goes right to left) and the library's
/// message would be lost. Here it is read in the body, after every argument (the call) is done.
inline void check(jwks_result r, const c_error &e) {
  if (r != JWKS_RESULT_OK) throw_error(r, e.p);
}

/// Sets ec from r; true on success.
inline bool set(std::error_code &ec, jwks_result r) noexcept {
  if (r == JWKS_RESULT_OK) {
    ec.clear();
    return true;
  }
  ec = make_error_code(static_cast<result>(r));
  return false;
}

/// A NUL-terminated copy of a string_view for a C call, on the stack when short. `ok()` is
/// false when the text contains a NUL byte, which C would silently cut there.
class c_string {
 public:
  explicit c_string(std::string_view s) : ok_(s.find('\0') == std::string_view::npos) {
    if (s.size() < sizeof small_) {
      std::memcpy(small_, s.data(), s.size());
      small_[s.size()] = '\0';
      ptr_ = small_;
    } else {
      large_.assign(s.data(), s.size());
      ptr_ = large_.c_str();
    }
  }
  c_string(const c_string &) = delete;
  c_string &operator=(const c_string &) = delete;
  bool ok() const noexcept { return ok_; }
  const char *get() const noexcept { return ptr_; }

 private:
  bool ok_;
  const char *ptr_ = nullptr;
  char small_[256];
  std::string large_;
};

inline jwks_result nul_in_string() noexcept { return JWKS_RESULT_INVALID_ARGUMENT; }
constexpr const char *nul_message = "a string argument contains a NUL byte";

/// Seconds or milliseconds as the uint32_t the C ABI takes; false if out of range.
template <class Rep, class Period>
bool to_u32(std::chrono::duration<Rep, Period> d, std::uint32_t &out) noexcept {
  if (d.count() < 0 || static_cast<unsigned long long>(d.count()) > std::numeric_limits<std::uint32_t>::max())
    return false;
  out = static_cast<std::uint32_t>(d.count());
  return true;
}

/// A value given to an options setter, as its error message shows it. Secrets (proxy URLs
/// with credentials, header values, PEM) are passed as `hidden` and never shown.
struct hidden {};
inline std::string show(hidden) { return "..."; }
inline std::string show(bool b) { return b ? "true" : "false"; }
inline std::string show(std::uint64_t n) { return std::to_string(n); }
inline std::string show(std::string_view s) {
  constexpr std::size_t most = 100;
  if (s.size() <= most) return "\"" + std::string(s) + "\"";
  return "\"" + std::string(s.substr(0, most)) + "...\"";
}
inline std::string show(std::chrono::seconds d) { return std::to_string(d.count()) + " s"; }
inline std::string show(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }
template <class A, class B>
std::string show(const std::pair<A, B> &p) {
  return show(p.first) + ", " + show(p.second);
}

/// Throws for a value an options setter refused. The C setters return a code only, so the
/// message names the C++ setter and the value it was given: "jwks::options::leeway(999999
/// s): an argument is invalid".
template <class V>
[[noreturn]] void throw_option(result code, const char *setter, const V &value, const char *why) {
  throw error(code, std::string("jwks::options::") + setter + "(" + show(value) + "): " + why);
}

}  // namespace detail

/// Options for creating a verifier (`jwks_options`): a builder whose setters return `*this`
/// and throw `jwks::error` (invalid_argument) for refused values, its message naming the
/// setter and the value. Setters have no non-throwing form: options are built once, before
/// the first verifier. Not thread-safe: build it in one thread; verifiers copy it, so it may
/// be destroyed or reused afterwards. Move-only.
class options {
 public:
  /// The library's safe defaults. Throws std::bad_alloc if memory is exhausted.
  options() : p_(jwks_options_new()) {
    if (p_ == nullptr) throw std::bad_alloc();
  }
  ~options() { jwks_options_free(p_); }
  options(options &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  options &operator=(options &&other) noexcept {
    if (this != &other) {
      jwks_options_free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  options(const options &) = delete;
  options &operator=(const options &) = delete;

  /// False for a moved-from handle.
  explicit operator bool() const noexcept { return p_ != nullptr; }
  /// The C object, owned by this handle (NULL when moved from).
  const jwks_options *get() const noexcept { return p_; }
  jwks_options *get() noexcept { return p_; }

  // BEGIN GENERATED: option setters (do not edit; make generate)
  /// The allowed values of iss (none may be empty); with none, iss is not checked. Default: none.
  options &add_issuer(std::string_view issuer) { return str("add_issuer", jwks_options_add_issuer, issuer); }
  /// The allowed audiences: a token's aud must name one of them; with none, tokens that carry aud are rejected
  /// (RFC 7519 §4.1.3). Default: none.
  options &add_audience(std::string_view audience) {
    return str("add_audience", jwks_options_add_audience, audience);
  }
  /// The allowed algorithms by JWA name (RS256, ES256, EdDSA, HS256...). With none, every asymmetric algorithm
  /// that fits the key; HMAC only ever when listed. none and unknown names are refused. Default: none.
  options &add_algorithm(std::string_view alg) { return str("add_algorithm", jwks_options_add_algorithm, alg); }
  /// The clock-skew leeway for exp, nbf and iat. Default: 0 s. Range: 0 to 86400 s.
  options &leeway(std::chrono::seconds s) { return u32("leeway", jwks_options_set_leeway, s); }
  /// Whether exp must be present. Default: on.
  options &require_exp(bool require) {
    return check(jwks_options_set_require_exp(p_, require), "require_exp", require);
  }
  /// The required header typ (case-insensitive; application/ optional), e.g. at+jwt for OAuth access tokens
  /// (RFC 9068). Default: none.
  options &typ(std::string_view typ) { return str("typ", jwks_options_set_typ, typ); }
  /// Claims every token must carry (e.g. sub). Default: none.
  options &add_required_claim(std::string_view name) {
    return str("add_required_claim", jwks_options_add_required_claim, name);
  }
  /// Rejects tokens whose iat is older than this (then iat is required). Default: off. Range: 1 to
  /// 4294967295 s, or 0 for off.
  options &max_token_age(std::chrono::seconds s) {
    return u32("max_token_age", jwks_options_set_max_token_age, s);
  }
  /// The largest accepted token. Default: 16384 bytes. Range: 256 to 1048576 bytes.
  options &max_token_size(std::size_t bytes) {
    return check(jwks_options_set_max_token_size(p_, bytes), "max_token_size", std::uint64_t{bytes});
  }
  /// The Authorization schemes a request verification accepts: bearer (RFC 6750), dpop (RFC 9449: the token
  /// with a DPoP proof of its key), or either. A route may ask for another when it verifies a request. Default:
  /// `bearer`.
  options &token_scheme(std::string_view scheme) {
    return str("token_scheme", jwks_options_set_token_scheme, scheme);
  }
  /// The oldest a DPoP proof may be, from its iat; its jti is remembered that long (plus the leeway) to refuse
  /// a replay. Default: 60 s. Range: above 0 s, at most 3600 s.
  options &dpop_max_age(std::chrono::seconds s) { return u32("dpop_max_age", jwks_options_set_dpop_max_age, s); }
  /// The clock-skew leeway for a DPoP proof's iat: how far ahead of the server's clock it may be, and how much
  /// older than dpop_max_age. Default: 5 s. Range: 0 to 300 s.
  options &dpop_leeway(std::chrono::seconds s) { return u32("dpop_leeway", jwks_options_set_dpop_leeway, s); }
  /// The most memory the in-memory DPoP replay store takes (each shard's table is allocated on its first
  /// proof). It never forgets a jti inside its window: when full of them it refuses new proofs
  /// (REPLAY_STORE_UNAVAILABLE, answer 503). About 45,000 proofs per MiB: the default holds 66 s of proofs
  /// (window and leeway) at 11,000 a second. Unused with a shared replay store. Default: 16777216 bytes. Range:
  /// at least 262144 bytes.
  options &dpop_replay_cache_bytes(std::size_t max_bytes) {
    return check(jwks_options_set_dpop_replay_cache_bytes(p_, max_bytes), "dpop_replay_cache_bytes", std::uint64_t{max_bytes});
  }
  /// Server nonces (RFC 9449 §9): a proof must carry a nonce the server issued (sent in DPoP-Nonce with a
  /// use_dpop_nonce refusal); the built-in nonce changes this often and is accepted for one period more.
  /// Default: off. Range: 1 to 86400 s, or 0 for off.
  options &dpop_nonce_lifetime(std::chrono::seconds s) {
    return u32("dpop_nonce_lifetime", jwks_options_set_dpop_nonce_lifetime, s);
  }
  /// The secret (at least 32 bytes) under which the built-in nonces are made, so that every server of a fleet
  /// accepts the others' nonces; by default each verifier draws its own. Default: none.
  options &dpop_nonce_secret(std::string_view secret) {
    detail::c_string c(secret);
    if (!c.ok()) nul_refused("dpop_nonce_secret", detail::hidden{});
    return check(jwks_options_set_dpop_nonce_secret(p_, c.get()), "dpop_nonce_secret", detail::hidden{});
  }
  /// Accepts a DPoP-bound token (one with cnf.jkt) sent with the Bearer scheme, without a proof; RFC 9449 §7.2
  /// says to refuse it, which is the default. Default: off.
  options &allow_dpop_bound_bearer(bool allow) {
    return check(jwks_options_set_allow_dpop_bound_bearer(p_, allow), "allow_dpop_bound_bearer", allow);
  }
  /// Requires every token of a request verification to be bound to the client certificate (cnf.x5t#S256, RFC
  /// 8705 §3). Without it, a token that is bound is still checked against the certificate, and refused without
  /// one. Default: off.
  options &require_certificate_binding(bool require) {
    return check(jwks_options_set_require_certificate_binding(p_, require), "require_certificate_binding", require);
  }
  /// How many verified tokens a verifier keeps, so that a token seen again is answered without its signature
  /// check, with the verdict a full verification would give (the time rules are checked again at each call's
  /// time; an entry is dropped when the key set changes). Once the cache is full, a token is stored on its
  /// second miss, so that one-off tokens displace nothing. Memory grows with the entries stored, up to
  /// token_cache_bytes. Default: 4096. Range: 1 to 4294967295, or 0 for off.
  options &token_cache(std::uint32_t max_entries) {
    return check(jwks_options_set_token_cache(p_, max_entries), "token_cache", std::uint64_t{max_entries});
  }
  /// The most memory the token cache may take, allocator overhead included; it is taken as entries are stored,
  /// not up front. Default: 8388608 bytes. Range: at least 4096 bytes.
  options &token_cache_bytes(std::size_t max_bytes) {
    return check(jwks_options_set_token_cache_bytes(p_, max_bytes), "token_cache_bytes", std::uint64_t{max_bytes});
  }
  /// The longest time a cached verification is reused, after which the token is verified again; never past the
  /// token's exp either. Default: 300 s. Range: above 0 s, at most 86400 s.
  options &token_cache_max_reuse(std::chrono::seconds s) {
    return u32("token_cache_max_reuse", jwks_options_set_token_cache_max_reuse, s);
  }
  /// Allows plain http:// key URLs (for tests and private networks). Default: off.
  options &allow_http(bool allow) { return check(jwks_options_set_allow_http(p_, allow), "allow_http", allow); }
  /// How long fetched keys are cached when the response has no Cache-Control: max-age. Used as given, never
  /// clamped: it must also lie within cache_ttl_bounds, which is checked when a verifier is created (so the two
  /// may be set in either order). Default: 600 s. Range: above 0 s, at most 4294967295 s.
  options &cache_ttl(std::chrono::seconds s) { return u32("cache_ttl", jwks_options_set_cache_ttl, s); }
  /// The minimum and maximum that a response's max-age is clamped to (the server's value, not a setting); the
  /// minimum is also the lifetime of a no-store/no-cache response. The minimum may not exceed the maximum.
  /// Default: 60 s and 86400 s. Range: above 0 s, at most 4294967295 s.
  options &cache_ttl_bounds(std::chrono::seconds min, std::chrono::seconds max) {
    std::uint32_t lo = 0, hi = 0;
    auto shown = std::make_pair(min, max);
    if (!detail::to_u32(min, lo) || !detail::to_u32(max, hi))
      detail::throw_option(result::invalid_argument, "cache_ttl_bounds", shown, out_of_range);
    return check(jwks_options_set_cache_ttl_bounds(p_, lo, hi), "cache_ttl_bounds", shown);
  }
  /// The minimum interval between refetches caused by unknown kids; in between, tokens with unknown kids are
  /// rejected at once. Default: 30 s. Range: 0 to 4294967295 s.
  options &refresh_cooldown(std::chrono::seconds s) {
    return u32("refresh_cooldown", jwks_options_set_refresh_cooldown, s);
  }
  /// How long past their expiry cached keys keep verifying while refreshes fail. Default: 86400 s. Range: 0 to
  /// 4294967295 s.
  options &max_stale(std::chrono::seconds s) { return u32("max_stale", jwks_options_set_max_stale, s); }
  /// The total time allowed for one key fetch (connect, TLS, redirects, headers and body; one deadline covers a
  /// whole refresh, discovery included). Default: 5000 ms. Range: above 0 ms, at most 3600000 ms.
  options &http_timeout(std::chrono::milliseconds ms) {
    return u32("http_timeout", jwks_options_set_http_timeout_ms, ms);
  }
  /// The time allowed to connect (TCP, proxy and TLS handshake); the total timeout bounds the whole fetch,
  /// connection included, whichever ends first. Default: 2000 ms. Range: above 0 ms, at most 3600000 ms.
  options &connect_timeout(std::chrono::milliseconds ms) {
    return u32("connect_timeout", jwks_options_set_connect_timeout_ms, ms);
  }
  /// The largest accepted key-set response (after decompression). Default: 1048576 bytes. Range: at least
  /// 1024 bytes.
  options &max_response_size(std::size_t bytes) {
    return check(jwks_options_set_max_response_size(p_, bytes), "max_response_size", std::uint64_t{bytes});
  }
  /// Headers sent with every key fetch (e.g. an API key; not sent to another host after a redirect). Names and
  /// values must be UTF-8 without CR, LF or NUL; names not empty and without : or spaces. Default: none.
  options &add_http_header(std::string_view name, std::string_view value) {
    detail::c_string n(name), v(value);
    auto shown = std::make_pair(name, detail::hidden{});
    if (!n.ok() || !v.ok()) nul_refused("add_http_header", shown);
    return check(jwks_options_add_http_header(p_, n.get(), v.get()), "add_http_header", shown);
  }
  /// CA certificates (PEM) trusted for key fetches in addition to the system's web roots, for private identity
  /// providers. Default: none.
  options &ca_pem(std::string_view pem) {
    return check(jwks_options_set_ca_pem(p_, pem.data(), pem.size()), "ca_pem", detail::hidden{});
  }
  /// An explicit proxy URL for key fetches, for https and http URLs alike (default: from the environment:
  /// https_proxy/HTTPS_PROXY for https URLs, http_proxy/HTTP_PROXY for http URLs unless REQUEST_METHOD is set,
  /// then all_proxy/ALL_PROXY; hosts on NO_PROXY/no_proxy are fetched directly). Default: none.
  options &proxy(std::string_view proxy_url) {
    detail::c_string c(proxy_url);
    if (!c.ok()) nul_refused("proxy", detail::hidden{});
    return check(jwks_options_set_proxy(p_, c.get()), "proxy", detail::hidden{});
  }
  /// The most entries a fetched key set (URL, issuer, file) may hold; a larger set is refused as invalid and
  /// the keys already held stay in use. Raise it for identity providers that publish many keys (multi-tenant
  /// sets). Default: 256. Range: 1 to 4294967295.
  options &max_keys(std::uint32_t count) {
    return check(jwks_options_set_max_keys(p_, count), "max_keys", std::uint64_t{count});
  }
  /// Loads every issuer's keys when the verifier is created (URL, issuer, issuers; a file is always read then)
  /// and fails there with the fetch's error, so that a wrong URL or issuer, an unreachable endpoint or an
  /// invalid key set stops a service at start instead of answering 503 to every request. Off, the first
  /// verification fetches. Default: off.
  options &fetch_at_start(bool fetch) {
    return check(jwks_options_set_fetch_at_start(p_, fetch), "fetch_at_start", fetch);
  }
  // END GENERATED: option setters

  /// A DPoP replay store of the caller's (one a fleet shares) instead of the in-memory one:
  /// see jwks_options_set_dpop_replay_store. `check` is called from any thread, concurrently;
  /// `free_ctx` (may be null) releases `ctx` once nothing holds the callbacks. Throws
  /// jwks::error for a null `check`.
  options &dpop_replay_store(jwks_replay_check_fn check, jwks_free_fn free_ctx, void *ctx) {
    return check_cb(jwks_options_set_dpop_replay_store(p_, check, free_ctx, ctx), "dpop_replay_store");
  }
  /// A DPoP nonce source of the caller's instead of the built-in one: see
  /// jwks_options_set_dpop_nonce_source. Throws jwks::error for a null callback.
  options &dpop_nonce_source(jwks_nonce_issue_fn issue, jwks_nonce_check_fn check, jwks_free_fn free_ctx,
                             void *ctx) {
    return check_cb(jwks_options_set_dpop_nonce_source(p_, issue, check, free_ctx, ctx), "dpop_nonce_source");
  }

 private:
  options &check_cb(jwks_result r, const char *setter) {
    if (r == JWKS_RESULT_OK) return *this;
    detail::throw_option(static_cast<result>(r), setter, detail::hidden{}, description_of(static_cast<result>(r)));
  }
  static constexpr const char *out_of_range = "out of the range of the C API (0 to 4294967295)";

  /// Throws for a refused value (code r), unless r is OK; returns *this.
  template <class V>
  options &check(jwks_result r, const char *setter, const V &value) {
    if (r == JWKS_RESULT_OK) return *this;
    auto code = static_cast<result>(r);
    const char *why = code == result::null_argument && p_ == nullptr ? "the options handle is empty (moved from)"
                                                                      : description_of(code);
    detail::throw_option(code, setter, value, why);
  }
  template <class V>
  [[noreturn]] static void nul_refused(const char *setter, const V &value) {
    detail::throw_option(result::invalid_argument, setter, value, detail::nul_message);
  }
  options &str(const char *setter, jwks_result (*f)(jwks_options *, const char *), std::string_view s) {
    detail::c_string c(s);
    // The value holds a NUL, so it is not shown (a terminal would cut it there too).
    if (!c.ok()) nul_refused(setter, detail::hidden{});
    return check(f(p_, c.get()), setter, s);
  }
  template <class Duration>
  options &u32(const char *setter, jwks_result (*f)(jwks_options *, std::uint32_t), Duration d) {
    std::uint32_t v = 0;
    if (!detail::to_u32(d, v)) detail::throw_option(result::invalid_argument, setter, d, out_of_range);
    return check(f(p_, v), setter, d);
  }

  jwks_options *p_;
};

/// How token::has_scopes matches the required scopes (`jwks_scope_match`).
enum class scope_match : std::uint32_t {
  all = JWKS_SCOPE_MATCH_ALL,  ///< every required scope must be granted
  any = JWKS_SCOPE_MATCH_ANY,  ///< at least one must be
};

/// Returns if `scope` can be a required scope: an RFC 6749 scope-token, printable ASCII
/// without space, '"' or '\\' (the library's rule); throws invalid_argument saying why not.
inline void check_scope(std::string_view scope) {
  detail::c_string c(scope);
  if (!c.ok()) throw error(result::invalid_argument, detail::nul_message);
  detail::c_error e;
  detail::check(jwks_scope_check(c.get(), &e.p), e);
}
/// Non-throwing form: false and ec set when `scope` is not valid.
inline bool check_scope(std::string_view scope, std::error_code &ec) {
  detail::c_string c(scope);
  return detail::set(ec, c.ok() ? jwks_scope_check(c.get(), nullptr) : detail::nul_in_string());
}

/// A verified token (`jwks_token`): immutable, may be read from several threads. Views it
/// returns stay valid until the handle is destroyed or assigned to. Move-only. A
/// default-constructed or moved-from token is empty (`!tok`).
class token {
 public:
  token() noexcept = default;
  /// Takes ownership of a C token.
  explicit token(jwks_token *p) noexcept : p_(p) {}
  ~token() { jwks_token_free(p_); }
  token(token &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  token &operator=(token &&other) noexcept {
    if (this != &other) {
      jwks_token_free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  token(const token &) = delete;
  token &operator=(const token &) = delete;

  /// False for an empty handle (default-constructed, moved from, or a failed verify).
  explicit operator bool() const noexcept { return p_ != nullptr; }
  /// The C object, owned by this handle.
  const jwks_token *get() const noexcept { return p_; }

  /// The claims JSON as received (empty for an empty handle).
  std::string_view payload() const noexcept { return part(jwks_token_payload); }
  /// The protected header JSON as received.
  std::string_view header() const noexcept { return part(jwks_token_header); }
  /// The algorithm that verified the token, e.g. "RS256".
  std::string_view alg() const noexcept { return view(jwks_token_alg(p_)); }
  /// The header's kid, if any.
  std::optional<std::string_view> kid() const noexcept { return opt(jwks_token_kid(p_)); }
  /// The kid of the key that verified the signature, if it has one.
  std::optional<std::string_view> key_id() const noexcept { return opt(jwks_token_key_id(p_)); }
  /// The RFC 7638 thumbprint of the key that verified the signature.
  std::string_view key_thumbprint() const noexcept { return view(jwks_token_key_thumbprint(p_)); }
  /// For a token of verify_request: the scheme it came with, "Bearer" or "DPoP".
  std::optional<std::string_view> scheme() const noexcept { return opt(jwks_token_scheme(p_)); }
  /// For a DPoP request: the thumbprint of the proof's key (the token's cnf.jkt).
  std::optional<std::string_view> dpop_jkt() const noexcept { return opt(jwks_token_dpop_jkt(p_)); }
  /// For a certificate-bound token: the client certificate's x5t#S256.
  std::optional<std::string_view> certificate_thumbprint() const noexcept {
    return opt(jwks_token_certificate_thumbprint(p_));
  }
  /// With server nonces on: the nonce to send in a DPoP-Nonce header of the response.
  std::optional<std::string_view> dpop_nonce() const noexcept { return opt(jwks_token_dpop_nonce(p_)); }

  /// The string claim `name` (a view into the token). Throws jwks::error: not_found,
  /// type_mismatch.
  std::string_view claim_string(std::string_view name) const {
    std::error_code ec;
    auto v = claim_string(name, ec);
    if (ec) throw_lookup(ec, name);
    return v;
  }
  /// Non-throwing form: empty and ec set on failure.
  std::string_view claim_string(std::string_view name, std::error_code &ec) const {
    detail::c_string n(name);
    const char *out = nullptr;
    std::size_t len = 0;
    if (!detail::set(ec, n.ok() ? jwks_token_claim_string(p_, n.get(), &out, &len) : detail::nul_in_string()))
      return {};
    return {out, len};
  }
  /// The integer claim `name` (fits in int64, no fraction). Throws jwks::error.
  std::int64_t claim_int(std::string_view name) const {
    std::error_code ec;
    auto v = claim_int(name, ec);
    if (ec) throw_lookup(ec, name);
    return v;
  }
  /// Non-throwing form: 0 and ec set on failure.
  std::int64_t claim_int(std::string_view name, std::error_code &ec) const {
    detail::c_string n(name);
    std::int64_t out = 0;
    if (!detail::set(ec, n.ok() ? jwks_token_claim_int(p_, n.get(), &out) : detail::nul_in_string())) return 0;
    return out;
  }
  /// The boolean claim `name`. Throws jwks::error.
  bool claim_bool(std::string_view name) const {
    std::error_code ec;
    auto v = claim_bool(name, ec);
    if (ec) throw_lookup(ec, name);
    return v;
  }
  /// Non-throwing form: false and ec set on failure.
  bool claim_bool(std::string_view name, std::error_code &ec) const {
    detail::c_string n(name);
    bool out = false;
    if (!detail::set(ec, n.ok() ? jwks_token_claim_bool(p_, n.get(), &out) : detail::nul_in_string())) return false;
    return out;
  }
  /// Whether claim `name` equals `value` (a string claim) or contains it (an array claim,
  /// e.g. aud or groups). Throws jwks::error.
  bool claim_contains(std::string_view name, std::string_view value) const {
    std::error_code ec;
    auto v = claim_contains(name, value, ec);
    if (ec) throw_lookup(ec, name);
    return v;
  }
  /// Non-throwing form: false and ec set on failure.
  bool claim_contains(std::string_view name, std::string_view value, std::error_code &ec) const {
    detail::c_string n(name), v(value);
    bool out = false;
    jwks_result r = n.ok() && v.ok() ? jwks_token_claim_contains(p_, n.get(), v.get(), &out) : detail::nul_in_string();
    if (!detail::set(ec, r)) return false;
    return out;
  }
  /// The JSON text of claim `name`'s value exactly as the payload holds it (a string with its
  /// quotes and escapes, a number as written; a view into the token). Throws jwks::error
  /// (not_found).
  std::string_view claim_json(std::string_view name) const {
    std::error_code ec;
    auto v = claim_json(name, ec);
    if (ec) throw_lookup(ec, name);
    return v;
  }
  /// Non-throwing form: empty and ec set on failure.
  std::string_view claim_json(std::string_view name, std::error_code &ec) const {
    detail::c_string n(name);
    const char *out = nullptr;
    std::size_t len = 0;
    if (!detail::set(ec, n.ok() ? jwks_token_claim_json(p_, n.get(), &out, &len) : detail::nul_in_string()))
      return {};
    return {out, len};
  }

  /// Returns if the library reads the payload as claims (always after verify); throws its
  /// verdict otherwise (invalid_claim or too_large, saying why; after verify_signature).
  void claims_readable() const {
    detail::c_error e;
    detail::check(jwks_token_claims_readable(p_, &e.p), e);
  }
  /// Non-throwing form: false and ec set when the payload is not claims.
  bool claims_readable(std::error_code &ec) const noexcept {
    return detail::set(ec, jwks_token_claims_readable(p_, nullptr));
  }
  /// Returns if no two member names of one object of the payload (at any depth) are equal
  /// under case folding ("iss" and "Iss"); throws invalid_claim naming two such names
  /// otherwise (check before handing the payload to a case-insensitive decoder).
  void claims_case_unique() const {
    detail::c_error e;
    detail::check(jwks_token_claims_case_unique(p_, &e.p), e);
  }
  /// Non-throwing form: false and ec set when two names differ only in case.
  bool claims_case_unique(std::error_code &ec) const noexcept {
    return detail::set(ec, jwks_token_claims_case_unique(p_, nullptr));
  }

  /// The scopes the token grants, read by the library: `scope` split on the space character
  /// alone, then `scp` (such a string, or an array of strings each taken whole); in order,
  /// each once (views into the token). Throws invalid_claim when `scope` or `scp` has another
  /// shape.
  std::vector<std::string_view> scopes() const {
    detail::c_error e;
    std::size_t n = 0;
    detail::check(jwks_token_scope_count(p_, &n, &e.p), e);
    std::error_code ec;
    auto v = scopes(ec);
    if (ec) detail::throw_error(static_cast<jwks_result>(result_of(ec)), nullptr);
    return v;
  }
  /// Non-throwing form: empty and ec set on failure.
  std::vector<std::string_view> scopes(std::error_code &ec) const {
    std::size_t n = 0;
    if (!detail::set(ec, jwks_token_scope_count(p_, &n, nullptr))) return {};
    std::vector<std::string_view> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; i++) {
      const char *s = nullptr;
      std::size_t len = 0;
      if (!detail::set(ec, jwks_token_scope(p_, i, &s, &len))) return {};
      out.emplace_back(s, len);
    }
    return out;
  }
  /// Where the claims' members lie in the payload (four entries per member:
  /// jwks_token_claims_index), for a jwks::claims copy. Throws the error of claims_readable()
  /// when the payload is not claims.
  std::vector<std::uint32_t> claims_index() const {
    detail::c_error e;
    std::size_t members = 0;
    detail::check(jwks_token_claims_index(p_, nullptr, 0, &members, &e.p), e);
    std::vector<std::uint32_t> index(members * 4);
    detail::check(jwks_token_claims_index(p_, index.data(), index.size(), &members, nullptr));
    return index;
  }

  /// Whether the token grants every one of `required` (scope_match::all; an empty list is
  /// always met) or at least one (scope_match::any; an empty list never is). Throws
  /// invalid_argument for a required scope that is not valid (jwks::check_scope), and the
  /// errors of scopes().
  template <class Strings = std::initializer_list<std::string_view>>
  bool has_scopes(const Strings &required, scope_match how = scope_match::all) const {
    detail::c_error e;
    bool out = false;
    jwks_result r = has_scopes_call(required, how, out, &e.p);
    detail::check(r, e);
    return out;
  }
  /// Non-throwing form: false and ec set on failure.
  template <class Strings = std::initializer_list<std::string_view>>
  bool has_scopes(const Strings &required, scope_match how, std::error_code &ec) const {
    bool out = false;
    if (!detail::set(ec, has_scopes_call(required, how, out, nullptr))) return false;
    return out;
  }

 private:
  template <class Strings>
  jwks_result has_scopes_call(const Strings &required, scope_match how, bool &out, jwks_error **err) const {
    std::vector<std::string> copies;
    for (const auto &s : required) {
      std::string_view v(s);
      if (v.find('\0') != std::string_view::npos) return detail::nul_in_string();
      copies.emplace_back(v);
    }
    std::vector<const char *> ptrs;
    ptrs.reserve(copies.size());
    for (const auto &c : copies) ptrs.push_back(c.c_str());
    return jwks_token_has_scopes(p_, ptrs.data(), ptrs.size(), static_cast<jwks_scope_match>(how), &out, err);
  }
  std::string_view part(const char *(*f)(const jwks_token *, std::size_t *)) const noexcept {
    std::size_t len = 0;
    const char *s = f(p_, &len);
    return s == nullptr ? std::string_view() : std::string_view(s, len);
  }
  static std::string_view view(const char *s) noexcept { return s == nullptr ? std::string_view() : s; }
  static std::optional<std::string_view> opt(const char *s) noexcept {
    if (s == nullptr) return std::nullopt;
    return std::string_view(s);
  }
  [[noreturn]] static void throw_lookup(const std::error_code &ec, std::string_view name) {
    result code = result_of(ec);
    throw error(code, std::string("claim \"") + std::string(name) + "\": " + description_of(code));
  }

  jwks_token *p_ = nullptr;
};

/// A copy of a verified token's claims (its payload and the index of its members,
/// `jwks_claims`) that outlives the token and answers the same claim queries with the same
/// results (`jwks_claims_*`, the code of the token's getters): for keeping claims longer than a
/// token handle. Copyable; immutable, may be read from several threads.
class claims {
 public:
  claims() = default;
  /// Copies the claims of `t`. Throws the error of token::claims_readable() when its payload
  /// is not claims.
  explicit claims(const token &t) : payload_(t.payload()), index_(t.claims_index()) {}

  /// The payload, as the token had it.
  const std::string &payload() const noexcept { return payload_; }

  /// The string claim `name`, decoded. Throws jwks::error: not_found, type_mismatch.
  std::string claim_string(std::string_view name) const { return throwing(&claims::claim_string, name); }
  /// Non-throwing form: empty and ec set on failure.
  std::string claim_string(std::string_view name, std::error_code &ec) const {
    jwks_claim_value v{};
    jwks_result r = get(JWKS_CLAIM_STRING, name, {}, nullptr, 0, v);
    if (r == JWKS_RESULT_INVALID_ARGUMENT && v.len > 0) {
      std::string decoded(v.len, '\0');  // a string with escapes: decoded into room of its own
      r = get(JWKS_CLAIM_STRING, name, {}, decoded.data(), decoded.size(), v);
      if (!detail::set(ec, r)) return {};
      return decoded;
    }
    if (!detail::set(ec, r)) return {};
    return std::string(v.str, v.len);
  }
  /// The value of claim `name` as written (a view into payload()). Throws jwks::error.
  std::string_view claim_json(std::string_view name) const { return throwing(&claims::claim_json, name); }
  /// Non-throwing form: empty and ec set on failure.
  std::string_view claim_json(std::string_view name, std::error_code &ec) const {
    jwks_claim_value v{};
    if (!detail::set(ec, get(JWKS_CLAIM_JSON, name, {}, nullptr, 0, v))) return {};
    return {v.str, v.len};
  }
  /// The integer claim `name` (fits in int64, no fraction). Throws jwks::error.
  std::int64_t claim_int(std::string_view name) const { return throwing(&claims::claim_int, name); }
  /// Non-throwing form: 0 and ec set on failure.
  std::int64_t claim_int(std::string_view name, std::error_code &ec) const {
    jwks_claim_value v{};
    if (!detail::set(ec, get(JWKS_CLAIM_INT, name, {}, nullptr, 0, v))) return 0;
    return v.integer;
  }
  /// The boolean claim `name`. Throws jwks::error.
  bool claim_bool(std::string_view name) const { return throwing(&claims::claim_bool, name); }
  /// Non-throwing form: false and ec set on failure.
  bool claim_bool(std::string_view name, std::error_code &ec) const {
    jwks_claim_value v{};
    if (!detail::set(ec, get(JWKS_CLAIM_BOOL, name, {}, nullptr, 0, v))) return false;
    return v.boolean;
  }
  /// Whether claim `name` equals `value` or contains it. Throws jwks::error.
  bool claim_contains(std::string_view name, std::string_view value) const {
    std::error_code ec;
    bool b = claim_contains(name, value, ec);
    if (ec) detail::throw_error(static_cast<jwks_result>(result_of(ec)), nullptr);
    return b;
  }
  /// Non-throwing form: false and ec set on failure.
  bool claim_contains(std::string_view name, std::string_view value, std::error_code &ec) const {
    jwks_claim_value v{};
    if (!detail::set(ec, get(JWKS_CLAIM_CONTAINS, name, value, nullptr, 0, v))) return false;
    return v.boolean;
  }
  /// The scopes the claims grant (as token::scopes()). Throws jwks::error (invalid_claim).
  std::vector<std::string> scopes() const {
    detail::c_error e;
    jwks_claims c = view();
    std::size_t len = 0, count = 0;
    jwks_result r = jwks_claims_scopes(&c, nullptr, 0, nullptr, 0, &len, &count, &e.p);
    if (r == JWKS_RESULT_INVALID_ARGUMENT) {  // the sizes are known now
      jwks_error_free(e.p);
      e.p = nullptr;
      std::string text(len, '\0');
      std::vector<std::size_t> ends(count);
      r = jwks_claims_scopes(&c, text.data(), text.size(), ends.data(), ends.size(), &len, &count, &e.p);
      detail::check(r, e);
      std::vector<std::string> out;
      std::size_t start = 0;
      for (std::size_t end : ends) {
        out.emplace_back(text, start, end - start);
        start = end;
      }
      return out;
    }
    detail::check(r, e);
    return {};
  }
  /// As token::has_scopes. Throws jwks::error.
  template <class Strings = std::initializer_list<std::string_view>>
  bool has_scopes(const Strings &required, scope_match how = scope_match::all) const {
    std::string names;
    std::vector<std::size_t> lens;
    for (const auto &s : required) {
      std::string_view v(s);
      names.append(v.data(), v.size());
      lens.push_back(v.size());
    }
    jwks_claims c = view();
    detail::c_error e;
    bool out = false;
    jwks_result r = jwks_claims_has_scopes(&c, names.data(), lens.data(), lens.size(),
                                           static_cast<jwks_scope_match>(how), &out, &e.p);
    detail::check(r, e);
    return out;
  }
  /// As token::claims_case_unique.
  void claims_case_unique() const {
    jwks_claims c = view();
    detail::c_error e;
    detail::check(jwks_claims_case_unique(&c, &e.p), e);
  }

 private:
  jwks_claims view() const noexcept {
    return jwks_claims{payload_.data(), payload_.size(), index_.data(), index_.size() / 4};
  }
  jwks_result get(jwks_claim_kind kind, std::string_view name, std::string_view value, char *buf,
                  std::size_t cap, jwks_claim_value &out) const noexcept {
    jwks_claims c = view();
    return jwks_claims_get(&c, kind, name.data(), name.size(), value.data(), value.size(), buf, cap, &out);
  }
  template <class T>
  T throwing(T (claims::*f)(std::string_view, std::error_code &) const, std::string_view name) const {
    std::error_code ec;
    T v = (this->*f)(name, ec);
    if (ec) {
      result code = result_of(ec);
      throw error(code, std::string("claim \"") + std::string(name) + "\": " + description_of(code));
    }
    return v;
  }

  std::string payload_;
  std::vector<std::uint32_t> index_;
};

/// A request to verify as a whole (`jwks_request`): method, URI as the client addressed it
/// (behind a proxy, the external URI), the values of its Authorization and DPoP headers, the
/// client certificate, the route's schemes. A builder whose calls return `*this` and throw
/// jwks::error; a built request may be verified from several threads. Move-only.
class request {
 public:
  /// Throws jwks::error (invalid_argument for a NUL in a string).
  request(std::string_view method, std::string_view uri) {
    detail::c_string m(method), u(uri);
    if (!m.ok() || !u.ok()) throw error(result::invalid_argument, detail::nul_message);
    detail::check(jwks_request_new(m.get(), u.get(), &p_));
  }
  ~request() { jwks_request_free(p_); }
  request(request &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  request &operator=(request &&other) noexcept {
    if (this != &other) {
      jwks_request_free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  request(const request &) = delete;
  request &operator=(const request &) = delete;

  /// The C object, owned by this handle.
  const jwks_request *get() const noexcept { return p_; }
  /// Adds the value of one Authorization header (once per header received).
  request &add_authorization(std::string_view value) { return str(jwks_request_add_authorization, value); }
  /// Adds the value of one DPoP header (once per header received).
  request &add_dpop(std::string_view value) { return str(jwks_request_add_dpop, value); }
  /// The client certificate as DER.
  request &client_cert_der(std::string_view der) {
    detail::check(jwks_request_set_client_cert_der(p_, reinterpret_cast<const std::uint8_t *>(der.data()), der.size()));
    return *this;
  }
  /// The client certificate as PEM.
  request &client_cert_pem(std::string_view pem) {
    detail::check(jwks_request_set_client_cert_pem(p_, pem.data(), pem.size()));
    return *this;
  }
  /// The client certificate from nginx's $ssl_client_escaped_cert (empty: none).
  request &client_cert_nginx(std::string_view escaped) { return str(jwks_request_set_client_cert_nginx, escaped); }
  /// The client certificate from Envoy's x-forwarded-client-cert.
  request &client_cert_xfcc(std::string_view xfcc) { return str(jwks_request_set_client_cert_xfcc, xfcc); }
  /// The schemes this route accepts: "bearer", "dpop" or "either".
  request &token_scheme(std::string_view scheme) { return str(jwks_request_set_token_scheme, scheme); }

 private:
  request &str(jwks_result (*f)(jwks_request *, const char *), std::string_view s) {
    detail::c_string c(s);
    if (!c.ok()) throw error(result::invalid_argument, detail::nul_message);
    detail::check(f(p_, c.get()));
    return *this;
  }
  jwks_request *p_ = nullptr;
};

/// How to answer a refused request (`jwks_refusal`): status, WWW-Authenticate challenges (one
/// header each), DPoP-Nonce. Immutable; views stay valid while it lives. Move-only.
class refusal {
 public:
  explicit refusal(jwks_refusal *p) noexcept : p_(p) {}
  ~refusal() { jwks_refusal_free(p_); }
  refusal(refusal &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  refusal &operator=(refusal &&other) noexcept {
    if (this != &other) {
      jwks_refusal_free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  refusal(const refusal &) = delete;
  refusal &operator=(const refusal &) = delete;

  /// The HTTP status: 400, 401, 403, 500 or 503.
  std::uint32_t status() const noexcept { return jwks_refusal_status(p_); }
  /// The error code ("invalid_token", "invalid_dpop_proof", ...), if any.
  std::optional<std::string_view> error() const noexcept { return opt(jwks_refusal_error(p_)); }
  /// The error_description.
  std::string_view description() const noexcept {
    const char *d = jwks_refusal_description(p_);
    return d == nullptr ? std::string_view() : d;
  }
  /// The WWW-Authenticate values, one header each.
  std::vector<std::string_view> challenges() const {
    std::vector<std::string_view> out;
    std::size_t n = jwks_refusal_challenge_count(p_);
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(jwks_refusal_challenge(p_, i));
    return out;
  }
  /// The DPoP-Nonce value to send, if any.
  std::optional<std::string_view> dpop_nonce() const noexcept { return opt(jwks_refusal_dpop_nonce(p_)); }

 private:
  static std::optional<std::string_view> opt(const char *s) noexcept {
    if (s == nullptr) return std::nullopt;
    return std::string_view(s);
  }
  jwks_refusal *p_ = nullptr;
};

/// The HTTP status answering a refusal with `code` (0 for ok and lookups).
inline std::uint32_t http_status(result code) noexcept { return jwks_result_http_status(static_cast<std::uint32_t>(code)); }
/// The RFC 6750 / RFC 9449 error code of a refusal with `code`, if it has one.
inline std::optional<std::string_view> oauth_error(result code) noexcept {
  const char *e = jwks_result_oauth_error(static_cast<std::uint32_t>(code));
  if (e == nullptr) return std::nullopt;
  return std::string_view(e);
}

/// A verifier (`jwks_verifier`): a key source plus a policy. Its const member functions are
/// thread-safe: share one verifier between all threads (by reference or pointer), and destroy
/// it only after every other call on it has returned. Move-only; a moved-from verifier is empty
/// and its calls fail with null_argument.
/// How many verifications a verifier answered since it was made, by result code
/// (`verifier::verify_counts()`): `counts[result::ok]` the successes, `counts[result::expired]`
/// the expired tokens, and so on.
struct verify_counts {
  /// The counts indexed by result code, as `jwks_verifier_verify_counts` fills them.
  std::array<std::uint64_t, JWKS_VERIFY_COUNTS_LEN> by_code{};
  /// The count of one result (0 for a number that is no code).
  std::uint64_t operator[](result r) const noexcept {
    const auto i = static_cast<std::size_t>(r);
    return i < by_code.size() ? by_code[i] : 0;
  }
  /// The verifications that succeeded.
  std::uint64_t succeeded() const noexcept { return by_code[JWKS_RESULT_OK]; }
  /// The verifications that failed, whatever the reason.
  std::uint64_t failed() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 1; i < by_code.size(); ++i) n += by_code[i];
    return n;
  }
};

class verifier {
 public:
  verifier() noexcept = default;
  /// Takes ownership of a C verifier.
  explicit verifier(jwks_verifier *p) noexcept : p_(p) {}
  ~verifier() { jwks_verifier_free(p_); }
  verifier(verifier &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  verifier &operator=(verifier &&other) noexcept {
    if (this != &other) {
      jwks_verifier_free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }
  verifier(const verifier &) = delete;
  verifier &operator=(const verifier &) = delete;

  /// False for an empty handle.
  explicit operator bool() const noexcept { return p_ != nullptr; }
  /// The C object, owned by this handle.
  const jwks_verifier *get() const noexcept { return p_; }

  /// A verifier over a JWKS document (or one JWK) as JSON. Throws jwks::error.
  static verifier from_json(std::string_view json, const options &opts) { return from_json(json, opts_of(opts)); }
  static verifier from_json(std::string_view json, const jwks_options *opts = nullptr) {
    return make([&](jwks_verifier **out, jwks_error **err) {
      return jwks_verifier_from_json(json.data(), json.size(), opts, out, err);
    });
  }
  /// Non-throwing form: an empty verifier and ec set on failure.
  static verifier from_json(std::string_view json, const options &opts, std::error_code &ec) {
    if (!opts) return empty(ec);
    return make(
        [&](jwks_verifier **out, jwks_error **err) {
          return jwks_verifier_from_json(json.data(), json.size(), opts.get(), out, err);
        },
        ec);
  }
  /// A verifier over a JWKS URL (keys fetched on first use). Throws jwks::error.
  static verifier from_url(std::string_view url, const options &opts) {
    return from_string(jwks_verifier_from_url, url, opts_of(opts));
  }
  /// Non-throwing form of from_url: an empty verifier and ec set on failure.
  static verifier from_url(std::string_view url, const options &opts, std::error_code &ec) {
    return from_string(jwks_verifier_from_url, url, opts, ec);
  }
  /// A verifier for an OpenID Connect issuer (discovery). Throws jwks::error.
  static verifier from_issuer(std::string_view issuer, const options &opts) {
    return from_string(jwks_verifier_from_issuer, issuer, opts_of(opts));
  }
  /// Non-throwing form of from_issuer.
  static verifier from_issuer(std::string_view issuer, const options &opts, std::error_code &ec) {
    return from_string(jwks_verifier_from_issuer, issuer, opts, ec);
  }
  /// A verifier for every issuer added to `opts`, tokens routed by iss. Throws jwks::error.
  static verifier from_issuers(const options &opts) {
    return make([&](jwks_verifier **out, jwks_error **err) { return jwks_verifier_from_issuers(opts_of(opts), out, err); });
  }
  /// Non-throwing form of from_issuers.
  static verifier from_issuers(const options &opts, std::error_code &ec) {
    if (!opts) return empty(ec);
    return make([&](jwks_verifier **out, jwks_error **err) { return jwks_verifier_from_issuers(opts.get(), out, err); },
                ec);
  }
  /// A verifier over a JWKS file, reloaded when it changes. Throws jwks::error.
  static verifier from_file(std::string_view path, const options &opts) {
    return from_string(jwks_verifier_from_file, path, opts_of(opts));
  }
  /// Non-throwing form of from_file.
  static verifier from_file(std::string_view path, const options &opts, std::error_code &ec) {
    return from_string(jwks_verifier_from_file, path, opts, ec);
  }

  /// Verifies a JWT at the current time. Throws jwks::error (category token_rejected: answer
  /// 401; keys_unavailable: answer 503). Thread-safe.
  token verify(std::string_view jwt) const {
    return call([&](jwks_token **out, jwks_error **err) { return jwks_verify(p_, jwt.data(), jwt.size(), out, err); });
  }
  /// Non-throwing form: an empty token and ec set on failure. Thread-safe.
  token verify(std::string_view jwt, std::error_code &ec) const noexcept {
    jwks_token *out = nullptr;
    detail::set(ec, jwks_verify(p_, jwt.data(), jwt.size(), &out, nullptr));
    return token(out);
  }
  /// Verifies a JWT at unix time `now` (seconds). Throws jwks::error. Thread-safe.
  token verify_at(std::string_view jwt, std::int64_t now) const {
    return call([&](jwks_token **out, jwks_error **err) {
      return jwks_verify_at(p_, jwt.data(), jwt.size(), now, out, err);
    });
  }
  /// Non-throwing form of verify_at. Thread-safe.
  token verify_at(std::string_view jwt, std::int64_t now, std::error_code &ec) const noexcept {
    jwks_token *out = nullptr;
    detail::set(ec, jwks_verify_at(p_, jwt.data(), jwt.size(), now, &out, nullptr));
    return token(out);
  }
  /// Verifies a compact JWS: signature and header policy only. Throws jwks::error.
  token verify_signature(std::string_view jws) const {
    return call([&](jwks_token **out, jwks_error **err) {
      return jwks_verify_signature(p_, jws.data(), jws.size(), out, err);
    });
  }
  /// Non-throwing form of verify_signature. Thread-safe.
  token verify_signature(std::string_view jws, std::error_code &ec) const noexcept {
    jwks_token *out = nullptr;
    detail::set(ec, jwks_verify_signature(p_, jws.data(), jws.size(), &out, nullptr));
    return token(out);
  }
  /// Verifies a JWT at the current time like verify() and returns a copy of its payload (the
  /// claims JSON), making no token handle. Throws jwks::error. Thread-safe.
  std::string verify_payload(std::string_view jwt) const {
    return payload(jwt.size(), [&](char *buf, std::size_t cap, std::size_t *len, jwks_error **err) {
      return jwks_verify_payload(p_, jwt.data(), jwt.size(), buf, cap, len, err);
    });
  }
  /// Non-throwing form of verify_payload: empty and ec set on failure. Thread-safe.
  std::string verify_payload(std::string_view jwt, std::error_code &ec) const {
    return payload(
        jwt.size(),
        [&](char *buf, std::size_t cap, std::size_t *len, jwks_error **err) {
          return jwks_verify_payload(p_, jwt.data(), jwt.size(), buf, cap, len, err);
        },
        ec);
  }
  /// Like verify_payload, at unix time `now` (seconds). Throws jwks::error. Thread-safe.
  std::string verify_payload_at(std::string_view jwt, std::int64_t now) const {
    return payload(jwt.size(), [&](char *buf, std::size_t cap, std::size_t *len, jwks_error **err) {
      return jwks_verify_payload_at(p_, jwt.data(), jwt.size(), now, buf, cap, len, err);
    });
  }
  /// Non-throwing form of verify_payload_at. Thread-safe.
  std::string verify_payload_at(std::string_view jwt, std::int64_t now, std::error_code &ec) const {
    return payload(
        jwt.size(),
        [&](char *buf, std::size_t cap, std::size_t *len, jwks_error **err) {
          return jwks_verify_payload_at(p_, jwt.data(), jwt.size(), now, buf, cap, len, err);
        },
        ec);
  }

  /// Verifies a request (Authorization and DPoP headers, the token, its binding) at the
  /// current time. Throws jwks::error; refusal() says how to answer. Thread-safe.
  token verify_request(const request &req) const {
    return call([&](jwks_token **out, jwks_error **err) { return jwks_verify_request(p_, req.get(), out, err); });
  }
  /// Non-throwing form of verify_request. Thread-safe.
  token verify_request(const request &req, std::error_code &ec) const noexcept {
    jwks_token *out = nullptr;
    detail::set(ec, jwks_verify_request(p_, req.get(), &out, nullptr));
    return token(out);
  }
  /// Verifies a request at unix time `now`. Throws jwks::error. Thread-safe.
  token verify_request_at(const request &req, std::int64_t now) const {
    return call(
        [&](jwks_token **out, jwks_error **err) { return jwks_verify_request_at(p_, req.get(), now, out, err); });
  }
  /// Non-throwing form of verify_request_at. Thread-safe.
  token verify_request_at(const request &req, std::int64_t now, std::error_code &ec) const noexcept {
    jwks_token *out = nullptr;
    detail::set(ec, jwks_verify_request_at(p_, req.get(), now, &out, nullptr));
    return token(out);
  }
  /// How to answer a request refused with `code`: `req` may be null; `realm` and `scope` may
  /// be empty (not sent). Throws jwks::error. Thread-safe.
  jwks::refusal refusal(result code, const request *req, std::string_view realm, std::string_view scope,
                        std::int64_t now) const {
    detail::c_string r(realm), s(scope);
    if (!r.ok() || !s.ok()) throw error(result::invalid_argument, detail::nul_message);
    jwks_refusal *out = nullptr;
    detail::check(jwks_verifier_refusal(p_, req == nullptr ? nullptr : req->get(), static_cast<std::uint32_t>(code),
                                        realm.empty() ? nullptr : r.get(), scope.empty() ? nullptr : s.get(), now,
                                        &out));
    return jwks::refusal(out);
  }
  /// The DPoP nonce to send now, if server nonces are on. Throws jwks::error. Thread-safe.
  std::optional<std::string> dpop_nonce(std::int64_t now) const {
    detail::c_error e;
    detail::c_owned_string out;
    detail::check(jwks_verifier_dpop_nonce(p_, now, &out.p, &e.p), e);
    if (out.p == nullptr) return std::nullopt;
    return out.str();
  }
  /// Checks a DPoP proof on its own (with the access token it came with, or empty for none)
  /// and records it; returns the thumbprint of its key. Throws jwks::error. Thread-safe.
  std::string verify_dpop_proof_at(std::string_view proof, std::string_view method, std::string_view uri,
                                   std::string_view access_token, std::int64_t now) const {
    detail::c_string m(method), u(uri);
    if (!m.ok() || !u.ok()) throw error(result::invalid_argument, detail::nul_message);
    detail::c_error e;
    detail::c_owned_string jkt;
    detail::check(jwks_verify_dpop_proof_at(p_, proof.data(), proof.size(), m.get(), u.get(),
                                            access_token.empty() ? nullptr : access_token.data(),
                                            access_token.size(), now, &jkt.p, &e.p),
                  e);
    return jkt.str();
  }
  /// The DPoP counters and the replay store's occupancy. Throws jwks::error (only for an
  /// empty handle). Thread-safe.
  jwks_dpop_stats dpop_stats() const {
    jwks_dpop_stats s{};
    detail::check(jwks_verifier_dpop_stats(p_, &s, sizeof s));
    return s;
  }

  /// Whether verifying `jwt` now would wait for a key fetch (no keys yet, keys past their
  /// stale bound, an unknown kid while a refetch is allowed); returns at once, never fetches.
  /// For event loops: verify inline on false, on a worker thread on true. Throws jwks::error
  /// (null_argument for an empty handle). Thread-safe.
  bool would_block(std::string_view jwt) const {
    bool out = false;
    detail::check(jwks_verifier_would_block(p_, jwt.data(), jwt.size(), &out));
    return out;
  }
  /// Non-throwing form of would_block: false and ec set on failure. Thread-safe.
  bool would_block(std::string_view jwt, std::error_code &ec) const noexcept {
    bool out = false;
    if (!detail::set(ec, jwks_verifier_would_block(p_, jwt.data(), jwt.size(), &out))) return false;
    return out;
  }
  /// Fetches the keys now (remote and file sources). Throws jwks::error. Thread-safe.
  void refresh() const {
    detail::c_error e;
    detail::check(jwks_verifier_refresh(p_, &e.p), e);
  }
  /// Non-throwing form of refresh. Thread-safe.
  void refresh(std::error_code &ec) const noexcept { detail::set(ec, jwks_verifier_refresh(p_, nullptr)); }
  /// The verifier's counters. Throws jwks::error (only for an empty handle). Thread-safe.
  jwks_stats stats() const {
    jwks_stats s{};
    detail::check(jwks_verifier_stats(p_, &s));
    return s;
  }
  /// Non-throwing form of stats: all zero and ec set on failure. Thread-safe.
  jwks_stats stats(std::error_code &ec) const noexcept {
    jwks_stats s{};
    if (!detail::set(ec, jwks_verifier_stats(p_, &s))) return jwks_stats{};
    return s;
  }
  /// The token cache's counters (hits, misses, evictions, entries, bytes and the bounds; all
  /// zero when the cache is off). Throws jwks::error (only for an empty handle). Thread-safe.
  jwks_token_cache_stats token_cache_stats() const {
    jwks_token_cache_stats s{};
    detail::check(jwks_verifier_token_cache_stats(p_, &s, sizeof s));
    return s;
  }
  /// Non-throwing form of token_cache_stats: all zero and ec set on failure. Thread-safe.
  jwks_token_cache_stats token_cache_stats(std::error_code &ec) const noexcept {
    jwks_token_cache_stats s{};
    if (!detail::set(ec, jwks_verifier_token_cache_stats(p_, &s, sizeof s))) return jwks_token_cache_stats{};
    return s;
  }
  /// Whether the verifier can verify now without waiting for a key fetch: every issuer it
  /// serves has keys not past their stale bound (always true over a fixed set or a file; over a
  /// URL or issuer, false until the first fetch succeeds: see options::fetch_at_start). Never
  /// fetches, waits or does I/O: for readiness probes. Throws jwks::error (only for an empty
  /// handle). Thread-safe.
  bool ready() const {
    bool out = false;
    detail::check(jwks_verifier_ready(p_, &out));
    return out;
  }
  /// Non-throwing form of ready: false and ec set on failure. Thread-safe.
  bool ready(std::error_code &ec) const noexcept {
    bool out = false;
    if (!detail::set(ec, jwks_verifier_ready(p_, &out))) return false;
    return out;
  }
  /// How many verifications the verifier answered, by result (token cache hits included).
  /// Throws jwks::error (only for an empty handle). Thread-safe.
  jwks::verify_counts verify_counts() const {
    jwks::verify_counts c;
    detail::check(jwks_verifier_verify_counts(p_, c.by_code.data(), c.by_code.size()));
    return c;
  }
  /// Non-throwing form of verify_counts: all zero and ec set on failure. Thread-safe.
  jwks::verify_counts verify_counts(std::error_code &ec) const noexcept {
    jwks::verify_counts c;
    if (!detail::set(ec, jwks_verifier_verify_counts(p_, c.by_code.data(), c.by_code.size())))
      return jwks::verify_counts{};
    return c;
  }
  /// The last key-fetch error, if the last fetch failed. Throws jwks::error (only for an
  /// empty handle). Thread-safe.
  std::optional<error> last_error() const {
    detail::c_error e;
    detail::check(jwks_verifier_last_error(p_, &e.p));
    return error_of(e);
  }
  /// Non-throwing form of last_error: nothing and ec set on failure. Thread-safe.
  std::optional<error> last_error(std::error_code &ec) const {
    detail::c_error e;
    if (!detail::set(ec, jwks_verifier_last_error(p_, &e.p))) return std::nullopt;
    return error_of(e);
  }
  /// A JSON array describing the entries of the key set that are not used. For a remote
  /// source with no keys yet this fetches them. Throws jwks::error. Thread-safe.
  std::string skipped_keys() const {
    detail::c_error e;
    detail::c_owned_string out;
    detail::check(jwks_verifier_skipped_keys(p_, &out.p, &e.p), e);
    return out.str();
  }
  /// Non-throwing form of skipped_keys: empty and ec set on failure. Thread-safe.
  std::string skipped_keys(std::error_code &ec) const {
    detail::c_owned_string out;
    if (!detail::set(ec, jwks_verifier_skipped_keys(p_, &out.p, nullptr))) return {};
    return out.str();
  }

 private:
  /// The C options of a handle; a moved-from one is refused rather than read as "defaults".
  static const jwks_options *opts_of(const options &opts) {
    if (!opts) throw error(result::null_argument, "the options handle is empty (moved from)");
    return opts.get();
  }
  static verifier empty(std::error_code &ec) noexcept {
    ec = make_error_code(result::null_argument);
    return verifier();
  }
  template <class F>
  static verifier make(F f) {
    jwks_verifier *out = nullptr;
    detail::c_error e;
    detail::check(f(&out, &e.p), e);
    return verifier(out);
  }
  template <class F>
  static verifier make(F f, std::error_code &ec) {
    jwks_verifier *out = nullptr;
    detail::set(ec, f(&out, nullptr));
    return verifier(out);
  }
  using from_string_fn = jwks_result (*)(const char *, const jwks_options *, jwks_verifier **, jwks_error **);
  static verifier from_string(from_string_fn f, std::string_view s, const jwks_options *opts) {
    detail::c_string c(s);
    if (!c.ok()) throw error(result::invalid_argument, detail::nul_message);
    return make([&](jwks_verifier **out, jwks_error **err) { return f(c.get(), opts, out, err); });
  }
  static verifier from_string(from_string_fn f, std::string_view s, const options &opts, std::error_code &ec) {
    if (!opts) return empty(ec);
    detail::c_string c(s);
    if (!c.ok()) {
      ec = make_error_code(result::invalid_argument);
      return verifier();
    }
    return make([&](jwks_verifier **out, jwks_error **err) { return f(c.get(), opts.get(), out, err); }, ec);
  }
  template <class F>
  static token call(F f) {
    jwks_token *out = nullptr;
    detail::c_error e;
    detail::check(f(&out, &e.p), e);
    return token(out);
  }
  /// Runs a jwks_verify_payload* call into a buffer of `cap` bytes: the payload is decoded from
  /// part of the token, so the token's length always fits it.
  template <class F>
  static std::string payload(std::size_t cap, F f) {
    std::string buf(cap, '\0');
    std::size_t len = 0;
    detail::c_error e;
    detail::check(f(buf.data(), buf.size(), &len, &e.p), e);
    buf.resize(len);
    return buf;
  }
  template <class F>
  static std::string payload(std::size_t cap, F f, std::error_code &ec) {
    std::string buf(cap, '\0');
    std::size_t len = 0;
    if (!detail::set(ec, f(buf.data(), buf.size(), &len, nullptr))) return {};
    buf.resize(len);
    return buf;
  }
  static std::optional<error> error_of(const detail::c_error &e) {
    if (e.p == nullptr) return std::nullopt;
    return error(static_cast<result>(jwks_error_code(e.p)), jwks_error_message(e.p));
  }

  jwks_verifier *p_ = nullptr;
};

/// The library version, e.g. "0.2.0". Thread-safe.
inline const char *version() noexcept { return jwks_version(); }

}  // namespace jwks

namespace std {
template <>
struct is_error_code_enum<jwks::result> : true_type {};
}  // namespace std

#endif  // JWKS_HPP
