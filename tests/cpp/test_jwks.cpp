// Tests of include/jwks.hpp against the fixtures of examples/c_fixtures.rs:
//   test_jwks FIXTURES_DIR
// Every token of tokens.txt through the throwing and the non-throwing forms, claim access,
// the exception and error_code paths, moved-from handles, and 8 threads sharing one verifier.
#include <jwks.hpp>

#include <atomic>
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

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
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
  test_moved_from(jwks_json, *good);
  test_threads(v, tokens);
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
