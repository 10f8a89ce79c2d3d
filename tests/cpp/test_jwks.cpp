// Tests of include/jwks.hpp against the fixtures of examples/c_fixtures.rs and the DPoP corpus:
//   test_jwks FIXTURES_DIR [DPOP_CORPUS]   (default tests/vectors/dpop/corpus.txt)
// Every token of tokens.txt through the throwing and the non-throwing forms, claim access,
// the exception and error_code paths, moved-from handles, and 8 threads sharing one verifier.
#include <jwks.hpp>

#include <atomic>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                        \
    }                                                                    \
  } while (0)

// Runs f, which must throw jwks::error with the given code; returns its message.
template <class F>
std::string expect_error(F f, jwks::result code, int line) {
  try {
    f();
  } catch (const jwks::error &e) {
    if (e.code() != code) {
      std::fprintf(stderr, "line %d: jwks::error %s (%s), want %s\n", line, jwks::name_of(e.code()), e.what(),
                   jwks::name_of(code));
      ++failures;
    }
    if (e.category() != jwks::category_of(code) || e.error_code() != code) {
      std::fprintf(stderr, "line %d: category or error_code of %s wrong\n", line, e.what());
      ++failures;
    }
    return e.what();
  } catch (...) {
    std::fprintf(stderr, "line %d: another exception than jwks::error\n", line);
    ++failures;
    return {};
  }
  std::fprintf(stderr, "line %d: no exception, want %s\n", line, jwks::name_of(code));
  ++failures;
  return {};
}
#define EXPECT_ERROR(expr, code) expect_error([&] { (void)(expr); }, code, __LINE__)

std::string read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct fixture {
  jwks::result code;
  std::int64_t now;
  std::string name, token;
};

std::vector<fixture> read_tokens(const std::string &path) {
  std::istringstream in(read_file(path));
  std::vector<fixture> out;
  std::uint32_t code;
  fixture f{};
  while (in >> code >> f.now >> f.name >> f.token) {
    f.code = static_cast<jwks::result>(code);
    out.push_back(f);
  }
  return out;
}

jwks::verifier make_verifier(const std::string &jwks_json) {
  jwks::options opts;
  opts.add_issuer("https://issuer.test").add_audience("api");
  return jwks::verifier::from_json(jwks_json, opts);
}

void test_every_fixture(const jwks::verifier &v, const std::vector<fixture> &tokens) {
  int valid = 0, rejected = 0;
  for (const auto &f : tokens) {
    if (f.code == jwks::result::ok) {
      ++valid;
      jwks::token t = v.verify_at(f.token, f.now);
      CHECK(t);
      CHECK(t.claim_string("sub") == "user-42");
      CHECK(t.claim_int("level") == 7);
      CHECK(t.claim_bool("admin"));
      CHECK(t.claim_contains("groups", "ops"));
      CHECK(!t.claim_contains("groups", "root"));
      CHECK(t.claim_contains("aud", "api"));
      CHECK(t.claim_json("groups") == "[\"staff\",\"ops\"]");
      CHECK(t.claim_json("level") == "7");
      t.claims_readable();
      t.claims_case_unique();
      // "scope": "read write", read by the library.
      auto scopes = t.scopes();
      CHECK(scopes.size() == 2 && scopes[0] == "read" && scopes[1] == "write");
      CHECK(t.has_scopes({"read", "write"}));
      CHECK(!t.has_scopes({"read", "admin"}));
      CHECK(t.has_scopes({"admin", "write"}, jwks::scope_match::any));
      CHECK(t.has_scopes(std::vector<std::string>{"write"}));
      CHECK(t.has_scopes({}) && !t.has_scopes({}, jwks::scope_match::any));
      // A copy of the claims answers as the token does, after the token is gone.
      jwks::claims copy;
      {
        jwks::token t3 = v.verify_at(f.token, f.now);
        copy = jwks::claims(t3);
        CHECK(t3.claims_index().size() % 4 == 0 && t3.claims_index().size() >= 4 * 9);
      }
      CHECK(copy.claim_string("sub") == "user-42" && copy.claim_int("level") == 7 && copy.claim_bool("admin"));
      CHECK(copy.claim_contains("groups", "ops") && !copy.claim_contains("groups", "root"));
      CHECK(copy.claim_json("groups") == "[\"staff\",\"ops\"]");
      CHECK(copy.scopes() == std::vector<std::string>({"read", "write"}));
      CHECK(copy.has_scopes({"read", "write"}) && !copy.has_scopes({"admin"}));
      CHECK(copy.has_scopes({"admin", "read"}, jwks::scope_match::any));
      copy.claims_case_unique();
      EXPECT_ERROR(copy.claim_string("nope"), jwks::result::not_found);
      EXPECT_ERROR(copy.claim_int("sub"), jwks::result::type_mismatch);
      EXPECT_ERROR(copy.has_scopes({"a b"}), jwks::result::invalid_argument);
      std::error_code cec;
      CHECK(copy.claim_string("nope", cec).empty() && cec == jwks::result::not_found);
      CHECK(!copy.claim_bool("sub", cec) && cec == jwks::result::type_mismatch);
      CHECK(t.payload().find("\"sub\":\"user-42\"") != std::string_view::npos);
      CHECK(t.header().find(std::string("\"alg\":\"") + std::string(t.alg()) + "\"") != std::string_view::npos);
      CHECK(t.kid().has_value() && t.key_id() == t.kid());
      CHECK(t.key_thumbprint().size() == 43);  // base64url of a SHA-256
      // Non-throwing form: ec cleared on success.
      std::error_code ec = jwks::result::internal;
      jwks::token t2 = v.verify_at(f.token, f.now, ec);
      CHECK(!ec && t2 && t2.payload() == t.payload());
    } else {
      ++rejected;
      std::string what = EXPECT_ERROR(v.verify_at(f.token, f.now), f.code);
      CHECK(!what.empty());
      std::error_code ec;
      jwks::token t = v.verify_at(f.token, f.now, ec);
      CHECK(!t && t.payload().empty());
      CHECK(ec == f.code && ec.category() == jwks::error_category() && jwks::result_of(ec) == f.code);
      CHECK(jwks::category_of(jwks::result_of(ec)) == jwks::category::token_rejected);
    }
  }
  CHECK(valid == 4 && rejected >= 10);
}

void test_errors(const jwks::verifier &v, const fixture &good, const std::string &jwks_json) {
  jwks::token t = v.verify_at(good.token, good.now);
  // Claim lookups: exceptions of category lookup, or error codes.
  std::string what = EXPECT_ERROR(t.claim_string("nope"), jwks::result::not_found);
  CHECK(what.find("nope") != std::string::npos);
  EXPECT_ERROR(t.claim_int("sub"), jwks::result::type_mismatch);
  EXPECT_ERROR(t.claim_bool("level"), jwks::result::type_mismatch);
  try {
    (void)t.claim_string("nope");
  } catch (const jwks::error &e) {
    CHECK(e.category() == jwks::category::lookup);
  }
  std::error_code ec;
  CHECK(t.claim_string("nope", ec).empty() && ec == jwks::result::not_found);
  CHECK(t.claim_int("level", ec) == 7 && !ec);
  CHECK(!t.claim_bool("sub", ec) && ec == jwks::result::type_mismatch);
  CHECK(t.claim_contains("groups", "staff", ec) && !ec);
  // A NUL inside a name is refused, never cut at the NUL ("sub\0x" is not "sub").
  CHECK(t.claim_string(std::string_view("sub\0x", 5), ec).empty() && ec == jwks::result::invalid_argument);
  EXPECT_ERROR(t.claim_string(std::string_view("sub\0x", 5)), jwks::result::invalid_argument);
  // A claim name longer than the on-stack buffer.
  CHECK(t.claim_string(std::string(300, 'x'), ec).empty() && ec == jwks::result::not_found);
  EXPECT_ERROR(t.claim_json("nope"), jwks::result::not_found);
  CHECK(t.claim_json("nope", ec).empty() && ec == jwks::result::not_found);
  CHECK(t.claims_readable(ec) && !ec);
  CHECK(t.claims_case_unique(ec) && !ec);
  // Required scopes: checked by the library.
  jwks::check_scope("read:orders");
  what = EXPECT_ERROR(jwks::check_scope("read write"), jwks::result::invalid_argument);
  CHECK(what.find("read write") != std::string::npos);
  CHECK(!jwks::check_scope("a\tb", ec) && ec == jwks::result::invalid_argument);
  CHECK(!jwks::check_scope(std::string_view("a\0b", 3), ec) && ec == jwks::result::invalid_argument);
  EXPECT_ERROR(t.has_scopes({"read", "a b"}), jwks::result::invalid_argument);
  CHECK(!t.has_scopes({"read", ""}, jwks::scope_match::any, ec) && ec == jwks::result::invalid_argument);
  CHECK(t.has_scopes({"read"}, jwks::scope_match::all, ec) && !ec);
  CHECK(!t.has_scopes({std::string_view("re\0ad", 5)}, jwks::scope_match::all, ec) &&
        ec == jwks::result::invalid_argument);
  CHECK(t.scopes(ec).size() == 2 && !ec);

  // Building: bad key sets and bad options throw with the library's message.
  what = EXPECT_ERROR(jwks::verifier::from_json("{not json", jwks::options()), jwks::result::key_set_invalid);
  CHECK(!what.empty());
  jwks::verifier bad = jwks::verifier::from_json("{not json", jwks::options(), ec);
  CHECK(!bad && ec == jwks::result::key_set_invalid);
  jwks::options opts;
  EXPECT_ERROR(opts.add_algorithm("none"), jwks::result::invalid_argument);
  EXPECT_ERROR(opts.add_issuer(std::string_view("https://a\0b", 11)), jwks::result::invalid_argument);
  EXPECT_ERROR(opts.leeway(std::chrono::seconds(-1)), jwks::result::invalid_argument);
  EXPECT_ERROR(opts.cache_ttl(std::chrono::seconds(0)), jwks::result::invalid_argument);
  EXPECT_ERROR(jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts), jwks::result::insecure_url);
  // A plain-http URL that nothing listens on: keys unavailable, category keys_unavailable.
  opts.allow_http(true).http_timeout(std::chrono::milliseconds(2000));
  jwks::verifier remote = jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts);
  // No keys yet: verifying would wait for a fetch; a static key set never does.
  CHECK(remote.would_block(good.token) && !v.would_block(good.token));
  CHECK(remote.would_block(good.token, ec) && !ec);
  try {
    (void)remote.verify(good.token);
    CHECK(false);
  } catch (const jwks::error &e) {
    CHECK(e.category() == jwks::category::keys_unavailable);
  }
  CHECK(!remote.verify(good.token, ec) && jwks::category_of(jwks::result_of(ec)) == jwks::category::keys_unavailable);
  CHECK(remote.last_error().has_value());
  CHECK(remote.stats().failures >= 1);

  // std::error_code integration.
  std::error_code expired = jwks::result::expired;
  CHECK(expired.message() == std::string("EXPIRED: ") + jwks::description_of(jwks::result::expired));
  CHECK(std::string(expired.category().name()) == "jwks");
  CHECK(jwks::result_of(std::make_error_code(std::errc::invalid_argument)) == jwks::result::internal);
  // Everything else of the verifier.
  CHECK(v.skipped_keys() == "[]");
  v.refresh();
  CHECK(v.stats().key_count == 4);
  CHECK(!v.last_error());
  (void)jwks_json;
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// Checks that `what` holds `part`; names the line and both strings when it does not.
void expect_detail(const std::string &what, const std::string &part, int line) {
  if (!contains(what, part)) {
    std::fprintf(stderr, "line %d: message \"%s\" lacks \"%s\"\n", line, what.c_str(), part.c_str());
    ++failures;
  }
}
#define EXPECT_DETAIL(what, part) expect_detail(what, part, __LINE__)

// jwks::error carries the library's precise message (which claim, which kid, which bound), not
// only the code's one-line description: the wrapper reads the C error after the call that
// fills it (the order in which a call's arguments are evaluated is unspecified, and g++
// evaluates them right to left).
void test_detailed_messages(const jwks::verifier &v, const std::vector<fixture> &tokens) {
  for (const auto &f : tokens) {
    if (f.code == jwks::result::ok) continue;
    std::string what = EXPECT_ERROR(v.verify_at(f.token, f.now), f.code);
    if (what.empty() || what == jwks::description_of(f.code)) {
      std::fprintf(stderr, "%s: the message is the code's description, not the library's: \"%s\"\n",
                   f.name.c_str(), what.c_str());
      ++failures;
    }
    if (f.name == "expired") {
      EXPECT_DETAIL(what, "exp " + std::to_string(f.now - 1) + " is 1 s before now " + std::to_string(f.now));
      // The system clock: the same claim named, now a later time.
      EXPECT_DETAIL(EXPECT_ERROR(v.verify(f.token), f.code), "exp " + std::to_string(f.now - 1) + " is ");
    }
    if (f.name == "unknown_kid") {
      EXPECT_DETAIL(what, "no key with kid \"nobody\"");
      EXPECT_DETAIL(EXPECT_ERROR(v.verify_signature(f.token), f.code), "no key with kid \"nobody\"");
    }
    if (f.name == "alg_none") EXPECT_DETAIL(what, "alg \"none\"");
  }
  // A bad key set names what is wrong with it.
  EXPECT_DETAIL(EXPECT_ERROR(jwks::verifier::from_json("{not json", jwks::options()), jwks::result::key_set_invalid),
                "not valid JSON");
  // A bad option value found when the verifier is made: the message names the value and bounds.
  jwks::options opts;
  opts.cache_ttl(std::chrono::seconds(30));
  std::string what =
      EXPECT_ERROR(jwks::verifier::from_url("https://127.0.0.1:1/jwks", opts), jwks::result::invalid_argument);
  EXPECT_DETAIL(what, "cache ttl (30 s)");
  EXPECT_DETAIL(what, "[60 s, 86400 s]");
  // A failed fetch names the URL.
  opts.cache_ttl(std::chrono::seconds(600)).allow_http(true).http_timeout(std::chrono::milliseconds(2000));
  jwks::verifier remote = jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts);
  EXPECT_DETAIL(EXPECT_ERROR(remote.skipped_keys(), jwks::result::keys_unavailable), "http://127.0.0.1:1/jwks");
  EXPECT_DETAIL(EXPECT_ERROR(remote.refresh(), jwks::result::keys_unavailable), "http://127.0.0.1:1/jwks");
  // A value a setter refuses: the C setter returns a code only, so the wrapper names the
  // option and the value it was given.
  what = EXPECT_ERROR(opts.leeway(std::chrono::seconds(999999)), jwks::result::invalid_argument);
  EXPECT_DETAIL(what, "leeway(999999 s)");
  EXPECT_DETAIL(what, jwks::description_of(jwks::result::invalid_argument));
  EXPECT_DETAIL(EXPECT_ERROR(opts.add_algorithm("none"), jwks::result::invalid_argument), "add_algorithm(\"none\")");
  EXPECT_DETAIL(EXPECT_ERROR(opts.http_timeout(std::chrono::milliseconds(0)), jwks::result::invalid_argument),
                "http_timeout(0 ms)");
  // The most keys a fetched set may hold: at least one (the library's range, as in C).
  EXPECT_DETAIL(EXPECT_ERROR(opts.max_keys(0), jwks::result::invalid_argument), "max_keys(0)");
  opts.max_keys(1).max_keys(4096);
  // Values that may be secret are never shown: a header value, a proxy URL, a PEM.
  what = EXPECT_ERROR(opts.add_http_header("X-Api-Key", "s3cret\r\nInjected: 1"), jwks::result::invalid_argument);
  EXPECT_DETAIL(what, "add_http_header(\"X-Api-Key\", ...)");
  CHECK(!contains(what, "s3cret"));
  what = EXPECT_ERROR(opts.proxy("http://user:s3cret@proxy.test/\xff"), jwks::result::invalid_argument);  // not UTF-8
  CHECK(contains(what, "proxy(...)") && !contains(what, "s3cret"));
  what = EXPECT_ERROR(opts.ca_pem("s3cret"), jwks::result::invalid_argument);
  CHECK(contains(what, "ca_pem(...)") && !contains(what, "s3cret"));
  // A value the C type cannot hold is refused before the call, with the same shape.
  EXPECT_DETAIL(EXPECT_ERROR(opts.leeway(std::chrono::seconds(-1)), jwks::result::invalid_argument), "leeway(-1 s)");
}

// The token cache: its options, and its counters through token_cache_stats().
void test_token_cache(const std::string &jwks_json, const fixture &good, const fixture &expired) {
  jwks::options opts;
  opts.add_issuer("https://issuer.test").add_audience("api");
  opts.token_cache(16).token_cache_bytes(1 << 16).token_cache_max_reuse(std::chrono::seconds(60));
  jwks::verifier v = jwks::verifier::from_json(jwks_json, opts);
  jwks_token_cache_stats s = v.token_cache_stats();
  CHECK(s.max_entries == 16 && s.max_bytes == 1 << 16);
  CHECK(s.hits == 0 && s.misses == 0 && s.entries == 0 && s.bytes == 0);
  // The first verification is a miss and stores the token; the same token again is a hit.
  jwks::token first = v.verify_at(good.token, good.now);
  s = v.token_cache_stats();
  CHECK(s.misses == 1 && s.hits == 0 && s.entries == 1 && s.bytes > 0);
  jwks::token again = v.verify_at(good.token, good.now + 1);
  s = v.token_cache_stats();
  CHECK(s.hits == 1 && s.misses == 1 && s.entries == 1 && s.evictions == 0);
  // A hit answers exactly as a full verification: the same token, the same claims.
  CHECK(again.payload() == first.payload() && again.claim_string("sub") == "user-42");
  // Each form of verification goes through the cache (a payload copy, a non-throwing call).
  CHECK(v.verify_payload_at(good.token, good.now + 2) == std::string(first.payload()));
  std::error_code ec;
  CHECK(v.verify_at(good.token, good.now + 3, ec) && !ec);
  s = v.token_cache_stats(ec);
  CHECK(!ec && s.hits == 3 && s.misses == 1);
  // The time rules are checked again at each call's time: past its exp, the cached token is
  // refused as expired, with the library's message.
  std::string what = EXPECT_ERROR(v.verify_at(good.token, good.now + 601), jwks::result::expired);
  EXPECT_DETAIL(what, "before now " + std::to_string(good.now + 601));
  // A rejected token is not stored.
  EXPECT_ERROR(v.verify_at(expired.token, expired.now), jwks::result::expired);
  CHECK(v.token_cache_stats().entries <= 1);

  // The cache off: every verification is in full, the counters stay at zero.
  jwks::options off;
  off.add_issuer("https://issuer.test").add_audience("api").token_cache(0);
  jwks::verifier w = jwks::verifier::from_json(jwks_json, off);
  (void)w.verify_at(good.token, good.now);
  (void)w.verify_at(good.token, good.now);
  s = w.token_cache_stats();
  CHECK(s.hits == 0 && s.misses == 0 && s.entries == 0 && s.max_entries == 0);

  // Refused values, each named in the message.
  jwks::options bad;
  what = EXPECT_ERROR(bad.token_cache_bytes(100), jwks::result::invalid_argument);
  EXPECT_DETAIL(what, "jwks::options::token_cache_bytes(100)");
  EXPECT_DETAIL(EXPECT_ERROR(bad.token_cache_max_reuse(std::chrono::seconds(0)), jwks::result::invalid_argument),
                "token_cache_max_reuse(0 s)");
  EXPECT_DETAIL(EXPECT_ERROR(bad.token_cache_max_reuse(std::chrono::hours(25)), jwks::result::invalid_argument),
                "token_cache_max_reuse(90000 s)");
  bad.token_cache_bytes(4096).token_cache_max_reuse(std::chrono::seconds(1)).token_cache(1);  // the bounds

  // An empty handle.
  jwks::verifier empty;
  EXPECT_ERROR(empty.token_cache_stats(), jwks::result::null_argument);
  s = empty.token_cache_stats(ec);
  CHECK(ec == jwks::result::null_argument && s.hits == 0 && s.max_entries == 0);
  jwks::options moved = std::move(bad);
  EXPECT_DETAIL(EXPECT_ERROR(bad.token_cache(8), jwks::result::null_argument), "empty (moved from)");
}

// verify_payload: the claims JSON copied out, no token handle.
void test_verify_payload(const jwks::verifier &v, const fixture &good, const fixture &expired,
                         const std::string &live) {
  jwks::token t = v.verify_at(good.token, good.now);
  std::string payload = v.verify_payload_at(good.token, good.now);
  CHECK(!payload.empty() && payload == std::string(t.payload()));
  std::error_code ec = jwks::result::internal;
  CHECK(v.verify_payload_at(good.token, good.now, ec) == payload && !ec);
  // The system clock.
  jwks::token l = v.verify(live);
  CHECK(v.verify_payload(live) == std::string(l.payload()));
  CHECK(v.verify_payload(live, ec) == std::string(l.payload()) && !ec);
  // Failures: the code (and, when thrown, the library's message); nothing returned.
  std::string what = EXPECT_ERROR(v.verify_payload_at(expired.token, expired.now), jwks::result::expired);
  EXPECT_DETAIL(what, "exp " + std::to_string(expired.now - 1) + " is 1 s before now");
  CHECK(v.verify_payload_at(expired.token, expired.now, ec).empty() && ec == jwks::result::expired);
  EXPECT_DETAIL(EXPECT_ERROR(v.verify_payload(expired.token), jwks::result::expired), "exp ");
  CHECK(v.verify_payload(expired.token, ec).empty() && ec == jwks::result::expired);
  // An empty token (a zero-byte buffer) is malformed, not a crash.
  EXPECT_ERROR(v.verify_payload(""), jwks::result::malformed);
  CHECK(v.verify_payload_at("", good.now, ec).empty() && ec == jwks::result::malformed);
  jwks::verifier empty;
  EXPECT_ERROR(empty.verify_payload_at(good.token, good.now), jwks::result::null_argument);
  CHECK(empty.verify_payload(good.token, ec).empty() && ec == jwks::result::null_argument);
}

// The result-code helpers and the error's name.
void test_codes(const jwks::verifier &v, const fixture &expired) {
  int rejected = 0, unavailable = 0;
  for (std::uint32_t n = 0; n < 400; ++n) {
    auto code = static_cast<jwks::result>(n);
    bool r = jwks::is_token_rejected(code), u = jwks::is_keys_unavailable(code);
    CHECK(r == (jwks::category_of(code) == jwks::category::token_rejected));
    CHECK(u == (jwks::category_of(code) == jwks::category::keys_unavailable));
    rejected += r;
    unavailable += u;
  }
  CHECK(jwks::is_token_rejected(jwks::result::expired) && !jwks::is_token_rejected(jwks::result::keys_unavailable));
  CHECK(jwks::is_keys_unavailable(jwks::result::keys_unavailable) && !jwks::is_keys_unavailable(jwks::result::ok));
  CHECK(rejected == 29 && unavailable == 3);
  try {
    (void)v.verify_at(expired.token, expired.now);
    CHECK(false);
  } catch (const jwks::error &e) {
    CHECK(e.code() == jwks::result::expired && std::string(e.name()) == "EXPIRED");
    CHECK(e.category() == jwks::category::token_rejected && jwks::is_token_rejected(e.code()));
    CHECK(contains(e.what(), "exp " + std::to_string(expired.now - 1)));
  }
}

// The other verifier factories and accessors, in their throwing and non-throwing forms.
void test_factories(const std::string &dir, const fixture &good) {
  std::error_code ec;
  jwks::options opts;
  opts.add_issuer("https://issuer.test").add_audience("api");
  // A key set file, read now.
  jwks::verifier f = jwks::verifier::from_file(dir + "/jwks.json", opts);
  CHECK(f.verify_at(good.token, good.now).claim_string("sub") == "user-42");
  jwks::verifier g = jwks::verifier::from_file(dir + "/jwks.json", opts, ec);
  CHECK(g && !ec && g.stats(ec).key_count == 4 && !ec);
  CHECK(g.skipped_keys(ec) == "[]" && !ec);
  CHECK(!g.last_error(ec) && !ec);
  EXPECT_ERROR(jwks::verifier::from_file(dir + "/no-such-file.json", opts), jwks::result::keys_unavailable);
  jwks::verifier missing = jwks::verifier::from_file(dir + "/no-such-file.json", opts, ec);
  CHECK(!missing && ec == jwks::result::keys_unavailable);
  // URLs: nothing fetched when made; http refused unless allowed; a NUL refused.
  jwks::verifier u = jwks::verifier::from_url("https://127.0.0.1:1/jwks", opts, ec);
  CHECK(u && !ec);
  CHECK(!jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts, ec) && ec == jwks::result::insecure_url);
  CHECK(!jwks::verifier::from_url(std::string_view("https://a\0b", 11), opts, ec) &&
        ec == jwks::result::invalid_argument);
  CHECK(!jwks::verifier::from_issuer("http://127.0.0.1:1", opts, ec) && ec == jwks::result::insecure_url);
  EXPECT_ERROR(jwks::verifier::from_issuer("http://127.0.0.1:1", opts), jwks::result::insecure_url);
  CHECK(!jwks::verifier::from_issuer(std::string_view("https://a\0b", 11), opts, ec) &&
        ec == jwks::result::invalid_argument);
  jwks::verifier issuers = jwks::verifier::from_issuers(opts, ec);
  CHECK(issuers && !ec);
  // With no issuer to route to, from_issuers refuses.
  jwks::options no_issuer;
  jwks::verifier none = jwks::verifier::from_issuers(no_issuer, ec);
  CHECK(!none && ec && jwks::category_of(jwks::result_of(ec)) == jwks::category::misuse);
  CHECK(!EXPECT_ERROR(jwks::verifier::from_issuers(no_issuer), jwks::result_of(ec)).empty());
  // A remote source that cannot be reached: the non-throwing accessors report it.
  jwks::options http;
  http.allow_http(true).http_timeout(std::chrono::milliseconds(2000));
  jwks::verifier remote = jwks::verifier::from_url("http://127.0.0.1:1/jwks", http, ec);
  CHECK(remote && !ec);
  CHECK(remote.skipped_keys(ec).empty() && ec == jwks::result::keys_unavailable);
  std::optional<jwks::error> last = remote.last_error(ec);
  CHECK(!ec && last && last->code() == jwks::result::keys_unavailable && contains(last->what(), "127.0.0.1:1"));
  // Moved-from options and empty verifiers: null_argument, never defaults or a crash.
  jwks::options gone = std::move(opts);
  CHECK(!jwks::verifier::from_file(dir + "/jwks.json", opts, ec) && ec == jwks::result::null_argument);
  CHECK(!jwks::verifier::from_url("https://127.0.0.1:1/jwks", opts, ec) && ec == jwks::result::null_argument);
  CHECK(!jwks::verifier::from_issuer("https://127.0.0.1:1", opts, ec) && ec == jwks::result::null_argument);
  CHECK(!jwks::verifier::from_issuers(opts, ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(jwks::verifier::from_issuers(opts), jwks::result::null_argument);
  jwks::verifier empty;
  CHECK(empty.stats(ec).key_count == 0 && ec == jwks::result::null_argument);
  CHECK(empty.skipped_keys(ec).empty() && ec == jwks::result::null_argument);
  CHECK(!empty.last_error(ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(empty.last_error(), jwks::result::null_argument);
  EXPECT_ERROR(empty.skipped_keys(), jwks::result::null_argument);
}

void test_moved_from(const std::string &jwks_json, const fixture &good) {
  jwks::verifier v = make_verifier(jwks_json);
  jwks::verifier w = std::move(v);
  CHECK(!v && w);
  EXPECT_ERROR(v.verify_at(good.token, good.now), jwks::result::null_argument);
  std::error_code ec;
  CHECK(!v.verify_at(good.token, good.now, ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(v.refresh(), jwks::result::null_argument);
  EXPECT_ERROR(v.stats(), jwks::result::null_argument);
  EXPECT_ERROR(v.would_block(good.token), jwks::result::null_argument);
  CHECK(!v.would_block(good.token, ec) && ec == jwks::result::null_argument);

  jwks::token t = w.verify_at(good.token, good.now);
  std::string_view sub = t.claim_string("sub");
  jwks::token u = std::move(t);
  // The moved-to handle owns the same C token: views taken before the move stay valid.
  CHECK(sub == "user-42" && u.claim_string("sub") == "user-42");
  CHECK(!t && t.payload().empty() && t.header().empty() && t.alg().empty() && !t.kid());
  EXPECT_ERROR(t.claim_string("sub"), jwks::result::null_argument);
  CHECK(!t.claim_bool("admin", ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(t.scopes(), jwks::result::null_argument);
  EXPECT_ERROR(t.has_scopes({"read"}), jwks::result::null_argument);
  EXPECT_ERROR(t.claims_case_unique(), jwks::result::null_argument);
  CHECK(!t.claims_readable(ec) && ec == jwks::result::null_argument);
  CHECK(t.claim_json("sub", ec).empty() && ec == jwks::result::null_argument);

  // Move assignment frees what the target held (valgrind and ASan check there is no leak).
  jwks::token other = w.verify_at(good.token, good.now);
  other = std::move(u);
  CHECK(other && !u && other.claim_string("sub") == "user-42");
  jwks::token &same = other;
  other = std::move(same);  // self-move leaves it usable
  CHECK(other);
  w = jwks::verifier::from_json(jwks_json);  // replaces (and frees) the previous verifier

  jwks::options opts;
  jwks::options moved = std::move(opts);
  CHECK(!opts && moved);
  EXPECT_ERROR(opts.add_issuer("https://issuer.test"), jwks::result::null_argument);
  // A moved-from options handle is refused, never taken for "the defaults".
  EXPECT_ERROR(jwks::verifier::from_json(jwks_json, opts), jwks::result::null_argument);
  CHECK(!jwks::verifier::from_json(jwks_json, opts, ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(jwks::verifier::from_url("https://example.test/jwks", opts), jwks::result::null_argument);
}

// Operations: readiness, the verification counts and eager start.
void test_operations(const std::string &jwks_json, const fixture &good, const fixture &expired) {
  jwks::verifier v = make_verifier(jwks_json);
  CHECK(v.ready());
  (void)v.verify_at(good.token, good.now);
  (void)v.verify_at(good.token, good.now);  // a token cache hit, counted too
  EXPECT_ERROR(v.verify_at(expired.token, expired.now), jwks::result::expired);
  std::error_code ec;
  CHECK(!v.verify_at("x", good.now, ec) && ec == jwks::result::malformed);
  jwks::verify_counts c = v.verify_counts();
  CHECK(c[jwks::result::ok] == 2 && c.succeeded() == 2);
  CHECK(c[jwks::result::expired] == 1 && c[jwks::result::malformed] == 1 && c.failed() == 2);
  CHECK(c[jwks::result::bad_signature] == 0 && c.by_code.size() == JWKS_VERIFY_COUNTS_LEN);
  CHECK(v.verify_counts(ec).succeeded() == 2 && !ec);

  // Eager start: an endpoint nothing listens on fails at construction, with the fetch's error.
  jwks::options opts;
  opts.allow_http(true).http_timeout(std::chrono::milliseconds(2000)).fetch_at_start(true);
  std::string what = EXPECT_ERROR(jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts),
                                  jwks::result::keys_unavailable);
  EXPECT_DETAIL(what, "loading the keys at start");
  CHECK(!jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts, ec) && ec == jwks::result::keys_unavailable);
  // Lazily, it is made, and is not ready.
  jwks::verifier lazy = jwks::verifier::from_url("http://127.0.0.1:1/jwks", opts.fetch_at_start(false));
  CHECK(!lazy.ready() && !lazy.ready(ec) && !ec);

  jwks::verifier empty;
  EXPECT_ERROR(empty.ready(), jwks::result::null_argument);
  CHECK(!empty.ready(ec) && ec == jwks::result::null_argument);
  EXPECT_ERROR(empty.verify_counts(), jwks::result::null_argument);
  CHECK(empty.verify_counts(ec).succeeded() == 0 && ec == jwks::result::null_argument);
}

void test_threads(const jwks::verifier &v, const std::vector<fixture> &tokens) {
  std::atomic<int> wrong{0}, verified{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 50; ++round) {
        for (std::size_t k = 0; k < tokens.size(); ++k) {
          const fixture &f = tokens[(k + i) % tokens.size()];
          std::error_code ec;
          jwks::token t = v.verify_at(f.token, f.now, ec);
          if (jwks::result_of(ec) != f.code) ++wrong;
          if (t) {
            if (t.claim_string("sub") != "user-42") ++wrong;
            ++verified;
          }
        }
      }
    });
  }
  for (auto &t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(verified == 8 * 50 * 4);
}

}  // namespace

// The DPoP corpus (tests/vectors/dpop/corpus.txt) through jwks::request, verify_request_at and
// refusal, and the DPoP calls of jwks::verifier and jwks::options.
struct dpop_case {
  std::string name, method, uri, route, cert_kind, cert_value;
  long long now = 0;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> auth, dpop, expect;
};

std::string percent_decode(const std::string &s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::uint32_t replay_calls = 0;
std::uint32_t reject_all(void *, const char *, std::int64_t, std::int64_t) {
  ++replay_calls;
  return JWKS_REPLAY_VERDICT_UNAVAILABLE;
}
std::size_t issue_nonce(void *, std::int64_t, char *buf, std::size_t cap) {
  const std::string n = "cpp-nonce";
  if (cap < n.size()) return 0;
  std::memcpy(buf, n.data(), n.size());
  return n.size();
}
bool check_nonce(void *, const char *nonce, std::int64_t) { return std::string(nonce) == "cpp-nonce"; }

jwks::verifier dpop_verifier(const std::string &jwks_json, const dpop_case &c, jwks::options o) {
  o.add_issuer("https://issuer.example").add_audience("api");
  for (const auto &[name, value] : c.options) {
    if (name == "token_scheme") o.token_scheme(value);
    else if (name == "dpop_nonce_lifetime") o.dpop_nonce_lifetime(std::chrono::seconds(std::stoul(value)));
    else if (name == "dpop_nonce_secret") o.dpop_nonce_secret(value);
    else if (name == "allow_dpop_bound_bearer") o.allow_dpop_bound_bearer(value == "true");
    else if (name == "require_certificate_binding") o.require_certificate_binding(value == "true");
    else if (name == "algorithms") o.add_algorithm(value);
    else CHECK(false && "unknown option");
  }
  return jwks::verifier::from_json(jwks_json, o.get());
}

jwks::request dpop_request(const dpop_case &c) {
  jwks::request req(c.method, c.uri);
  for (const auto &a : c.auth) req.add_authorization(a);
  for (const auto &d : c.dpop) req.add_dpop(d);
  if (c.cert_kind == "cert_pem_escaped") req.client_cert_pem(percent_decode(c.cert_value));
  else if (c.cert_kind == "cert_nginx") req.client_cert_nginx(c.cert_value);
  else if (c.cert_kind == "cert_xfcc") req.client_cert_xfcc(c.cert_value);
  if (!c.route.empty()) req.token_scheme(c.route);
  return req;
}

void test_dpop(const std::string &path) {
  std::ifstream in(path);
  CHECK(in.good());
  std::string line, jwks_json;
  dpop_case c, valid;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sp = line.find(' ');
    std::string key = line.substr(0, sp), value = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "jwks") jwks_json = value;
    else if (key == "case") {
      c = dpop_case();
      c.name = value;
    }
    else if (key == "now") c.now = std::stoll(value);
    else if (key == "option") c.options.emplace_back(value.substr(0, value.find(' ')), value.substr(value.find(' ') + 1));
    else if (key == "method") c.method = value;
    else if (key == "uri") c.uri = value;
    else if (key == "route_scheme") c.route = value;
    else if (key == "authorization") c.auth.push_back(value);
    else if (key == "dpop") c.dpop.push_back(value);
    else if (key.rfind("cert_", 0) == 0) c.cert_kind = key, c.cert_value = value;
    else if (key == "expect") c.expect.push_back(value);
    else if (key == "end") {
      ++cases;
      if (c.name == "dpop_valid") valid = c;
      jwks::verifier v = dpop_verifier(jwks_json, c, jwks::options());
      jwks::request req = dpop_request(c);
      for (const auto &want : c.expect) {
        std::error_code ec;
        jwks::token t = v.verify_request_at(req, c.now, ec);
        std::string got = ec ? jwks::name_of(static_cast<jwks::result>(ec.value())) : "OK";
        if (got != want) std::fprintf(stderr, "%s: %s, want %s\n", c.name.c_str(), got.c_str(), want.c_str());
        CHECK(got == want);
        if (!ec) {
          CHECK(t.scheme().has_value());
        } else {
          auto code = static_cast<jwks::result>(ec.value());
          jwks::refusal r = v.refusal(code, &req, "cpp", "", c.now);
          CHECK(r.status() == jwks::http_status(code));
          CHECK(r.error() == jwks::oauth_error(code));
          if (r.status() == 401) CHECK(!r.challenges().empty());
        }
      }
    }
  }
  CHECK(cases >= 50);
  CHECK(!valid.name.empty());
  // The throwing form, the binding getters, the counters.
  {
    jwks::verifier v = dpop_verifier(jwks_json, valid, jwks::options());
    jwks::request req = dpop_request(valid);
    jwks::token t = v.verify_request_at(req, valid.now);
    CHECK(t.scheme() == std::optional<std::string_view>("DPoP"));
    CHECK(t.dpop_jkt().has_value() && !t.certificate_thumbprint() && !t.dpop_nonce());
    expect_error([&] { v.verify_request_at(req, valid.now); }, jwks::result::dpop_proof_replayed, __LINE__);
    jwks_dpop_stats st = v.dpop_stats();
    CHECK(st.proofs_verified == 1 && st.replays == 1 && st.replay_entries == 1);
    CHECK(!v.dpop_nonce(valid.now).has_value());
    expect_error([&] { v.verify_request(req); }, jwks::result::dpop_proof_stale, __LINE__);
    expect_error([&] { v.verify_dpop_proof_at(valid.dpop.at(0), "GET", valid.uri, "not its token", valid.now); },
                 jwks::result::dpop_proof_mismatch, __LINE__);
    std::error_code ec;
    CHECK(!v.verify_request(req, ec) && ec == jwks::result::dpop_proof_stale);
  }
  // A failing replay store of the caller's, then a nonce source.
  {
    jwks::options o;
    o.dpop_replay_store(reject_all, nullptr, nullptr);
    expect_error([&] { jwks::options().dpop_replay_store(nullptr, nullptr, nullptr); }, jwks::result::null_argument,
                 __LINE__);
    jwks::verifier v = dpop_verifier(jwks_json, valid, std::move(o));
    jwks::request req = dpop_request(valid);
    expect_error([&] { v.verify_request_at(req, valid.now); }, jwks::result::replay_store_unavailable, __LINE__);
    CHECK(replay_calls == 1);
    jwks::refusal r = v.refusal(jwks::result::replay_store_unavailable, &req, "", "", valid.now);
    CHECK(r.status() == 503 && r.challenges().empty() && !r.error());
  }
  {
    jwks::options o;
    o.dpop_nonce_source(issue_nonce, check_nonce, nullptr, nullptr);
    jwks::verifier v = dpop_verifier(jwks_json, valid, std::move(o));
    jwks::request req = dpop_request(valid);
    expect_error([&] { v.verify_request_at(req, valid.now); }, jwks::result::dpop_nonce_required, __LINE__);
    jwks::refusal r = v.refusal(jwks::result::dpop_nonce_required, &req, "", "", valid.now);
    CHECK(r.dpop_nonce() == std::optional<std::string_view>("cpp-nonce"));
    CHECK(r.error() == std::optional<std::string_view>("use_dpop_nonce"));
    CHECK(r.description() == jwks::description_of(jwks::result::dpop_nonce_required));
    CHECK(v.dpop_nonce(0) == std::optional<std::string>("cpp-nonce"));
  }
  {
    jwks::request req("GET", "https://a.example/");
    req.client_cert_der(std::string("\x30\x03\x02\x01\x00", 5));
    expect_error([&] { req.token_scheme("mtls"); }, jwks::result::invalid_argument, __LINE__);
    expect_error([] { jwks::request bad("GET", std::string("a\0b", 3)); }, jwks::result::invalid_argument, __LINE__);
  }
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s FIXTURES_DIR [DPOP_CORPUS]\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  std::string jwks_json = read_file(dir + "/jwks.json");
  std::vector<fixture> tokens = read_tokens(dir + "/tokens.txt");
  CHECK(tokens.size() >= 14);
  const fixture *good = nullptr;
  for (const auto &f : tokens)
    if (f.code == jwks::result::ok && good == nullptr) good = &f;
  if (good == nullptr) {
    std::fprintf(stderr, "no valid token in the fixtures\n");
    return 2;
  }
  jwks::verifier v = make_verifier(jwks_json);
  test_every_fixture(v, tokens);
  test_errors(v, *good, jwks_json);
  test_detailed_messages(v, tokens);
  const fixture *expired = nullptr;
  for (const auto &f : tokens)
    if (f.name == "expired") expired = &f;
  if (expired == nullptr) {
    std::fprintf(stderr, "no expired token in the fixtures\n");
    return 2;
  }
  test_token_cache(jwks_json, *good, *expired);
  test_operations(jwks_json, *good, *expired);
  test_verify_payload(v, *good, *expired, read_file(dir + "/live.jwt"));
  test_codes(v, *expired);
  test_factories(dir, *good);
  test_moved_from(jwks_json, *good);
  test_threads(v, tokens);
  test_dpop(argc == 3 ? argv[2] : "tests/vectors/dpop/corpus.txt");
  // A token valid now, through verify() and the system clock.
  jwks::token live = v.verify(read_file(dir + "/live.jwt"));
  CHECK(live.alg() == "RS256" && live.kid() == std::optional<std::string_view>("rsa-1"));
  CHECK(std::string(jwks::version()) == std::to_string(JWKS_VERSION_MAJOR) + "." + std::to_string(JWKS_VERSION_MINOR) +
                                            "." + std::to_string(JWKS_VERSION_PATCH));
  if (failures != 0) {
    std::fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  std::printf("C++ tests passed\n");
  return 0;
}
