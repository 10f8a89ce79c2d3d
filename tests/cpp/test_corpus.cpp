// The cross-language corpus (tests/vectors/corpus/cases.txt, format in its README.md) through
// include/jwks.hpp:
//   test_corpus CORPUS_FILE
// Every case verified with verifier::verify_at or verify_signature, twice (the second time a
// JWT is answered by the token cache); every query asked of both tokens through the
// non-throwing (std::error_code) and the throwing (jwks::error) forms of jwks::token, and of a
// jwks::claims copy of each where the copy has the query (it has no kid, key id, algorithm or
// readability: those are the token's). jwks::token expresses every query kind: none is
// skipped. Exits 0 only if every answer is the expected one and the counts are the file's.
#include <jwks.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;
int checks = 0;

void fail(const std::string &what) {
  std::fprintf(stderr, "FAIL %s\n", what.c_str());
  ++failures;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A percent-encoded field's bytes; nullopt if it is not well formed. `=>` stays.
std::optional<std::string> decode(std::string_view s) {
  if (s == "=>") return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size(); i++) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c >= 0x21 && c <= 0x7e && c != '=') {
      out.push_back(static_cast<char>(c));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// For failure reports: what is not printable ASCII, escaped.
std::string shown(const std::string &s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (c >= 0x21 && c <= 0x7e && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

struct answer {
  std::string code = "OK";
  std::vector<std::string> values;
  bool operator==(const answer &o) const { return code == o.code && values == o.values; }
};

std::string str(const answer &a) {
  std::string s = a.code;
  for (const auto &v : a.values) s += " " + shown(v);
  return s;
}

answer failed_with(jwks::result r) { return {jwks::name_of(r), {}}; }
answer failed_with(const std::error_code &ec) { return failed_with(jwks::result_of(ec)); }
answer value(std::string v) { return {"OK", {std::move(v)}}; }
answer flag(bool b) { return value(b ? "true" : "false"); }

struct query {
  std::string kind;
  std::vector<std::string> args;
  answer expected;
};

// A non-throwing call: its answer, from the value or the error code.
template <class F, class To>
answer ec_call(F f, To to) {
  std::error_code ec;
  auto v = f(ec);
  if (ec) return failed_with(ec);
  return to(v);
}

answer of_sv(const std::string_view &s) { return value(std::string(s)); }
answer of_str(const std::string &s) { return value(s); }
answer of_int(const std::int64_t &n) { return value(std::to_string(n)); }
answer of_bool(const bool &b) { return flag(b); }

jwks::scope_match how_of(const std::string &s) { return s == "any" ? jwks::scope_match::any : jwks::scope_match::all; }

std::vector<std::string_view> required_of(const query &q) {
  return std::vector<std::string_view>(q.args.begin() + 1, q.args.end());
}

bool arity_ok(const query &q) {
  const std::size_t n = q.args.size();
  const std::string &k = q.kind;
  if (k == "payload" || k == "alg" || k == "kid" || k == "key_id" || k == "readable" || k == "case_unique" ||
      k == "scopes")
    return n == 0;
  if (k == "string" || k == "json" || k == "int" || k == "bool") return n == 1;
  if (k == "contains") return n == 2;
  if (k == "has_scopes") return n >= 1 && (q.args[0] == "all" || q.args[0] == "any");
  return false;
}

// The token's answer through the non-throwing forms.
answer ask(const jwks::token &t, const query &q) {
  const auto &a = q.args;
  const std::string &k = q.kind;
  if (k == "payload") return value(std::string(t.payload()));
  if (k == "alg") return value(std::string(t.alg()));
  if (k == "kid" || k == "key_id") {
    auto v = k == "kid" ? t.kid() : t.key_id();
    return v ? value(std::string(*v)) : failed_with(jwks::result::not_found);
  }
  if (k == "readable" || k == "case_unique") {
    std::error_code ec;
    bool ok = k == "readable" ? t.claims_readable(ec) : t.claims_case_unique(ec);
    if (ok == bool(ec)) fail(q.kind + ": the bool and the error code disagree");
    return ec ? failed_with(ec) : answer{};
  }
  if (k == "string") return ec_call([&](std::error_code &ec) { return t.claim_string(a[0], ec); }, of_sv);
  if (k == "json") return ec_call([&](std::error_code &ec) { return t.claim_json(a[0], ec); }, of_sv);
  if (k == "int") return ec_call([&](std::error_code &ec) { return t.claim_int(a[0], ec); }, of_int);
  if (k == "bool") return ec_call([&](std::error_code &ec) { return t.claim_bool(a[0], ec); }, of_bool);
  if (k == "contains")
    return ec_call([&](std::error_code &ec) { return t.claim_contains(a[0], a[1], ec); }, of_bool);
  if (k == "scopes") {
    std::error_code ec;
    auto list = t.scopes(ec);
    if (ec) return failed_with(ec);
    answer out;
    for (auto s : list) out.values.emplace_back(s);
    return out;
  }
  // has_scopes
  return ec_call([&](std::error_code &ec) { return t.has_scopes(required_of(q), how_of(a[0]), ec); }, of_bool);
}

// The token's answer through the throwing forms.
answer ask_throwing(const jwks::token &t, const query &q) {
  const auto &a = q.args;
  const std::string &k = q.kind;
  try {
    if (k == "readable") {
      t.claims_readable();
      return {};
    }
    if (k == "case_unique") {
      t.claims_case_unique();
      return {};
    }
    if (k == "string") return value(std::string(t.claim_string(a[0])));
    if (k == "json") return value(std::string(t.claim_json(a[0])));
    if (k == "int") return value(std::to_string(t.claim_int(a[0])));
    if (k == "bool") return flag(t.claim_bool(a[0]));
    if (k == "contains") return flag(t.claim_contains(a[0], a[1]));
    if (k == "scopes") {
      answer out;
      for (auto s : t.scopes()) out.values.emplace_back(s);
      return out;
    }
    if (k == "has_scopes") return flag(t.has_scopes(required_of(q), how_of(a[0])));
    return ask(t, q);  // the getters that cannot fail
  } catch (const jwks::error &e) {
    if (std::string(e.what()).empty()) fail(q.kind + ": a jwks::error without a message");
    return failed_with(e.code());
  }
}

// The answer of a jwks::claims copy; nullopt for the token's own queries.
std::optional<answer> ask_copy(const jwks::claims &c, const query &q) {
  const auto &a = q.args;
  const std::string &k = q.kind;
  if (k == "payload") return value(c.payload());
  if (k == "alg" || k == "kid" || k == "key_id" || k == "readable") return std::nullopt;
  if (k == "case_unique") {
    try {
      c.claims_case_unique();
      return answer{};
    } catch (const jwks::error &e) {
      return failed_with(e.code());
    }
  }
  if (k == "string") return ec_call([&](std::error_code &ec) { return c.claim_string(a[0], ec); }, of_str);
  if (k == "json") return ec_call([&](std::error_code &ec) { return c.claim_json(a[0], ec); }, of_sv);
  if (k == "int") return ec_call([&](std::error_code &ec) { return c.claim_int(a[0], ec); }, of_int);
  if (k == "bool") return ec_call([&](std::error_code &ec) { return c.claim_bool(a[0], ec); }, of_bool);
  if (k == "contains")
    return ec_call([&](std::error_code &ec) { return c.claim_contains(a[0], a[1], ec); }, of_bool);
  try {
    if (k == "scopes") {
      answer out;
      out.values = c.scopes();
      return out;
    }
    return flag(c.has_scopes(required_of(q), how_of(a[0])));
  } catch (const jwks::error &e) {
    return failed_with(e.code());
  }
}

// The case being run.
struct current {
  std::string name;
  std::string keys;
  std::vector<std::pair<std::string, std::string>> policy;
  std::string token;
  std::optional<jwks::verifier> verifier;
  std::vector<jwks::token> tokens;          // a full verification, then a token cache hit
  std::vector<std::optional<jwks::claims>> copies;  // their jwks::claims copies, when readable
  bool verified = false;
};

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_FILE\n", argv[0]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> keysets;
  current cur;
  int cases = 0, queries = 0, copy_queries = 0, line_no = 0;
  bool format_seen = false, end_seen = false;
  std::string line;
  auto at = [&](const std::string &what) { return cur.name + " line " + std::to_string(line_no) + ": " + what; };
  auto expect = [&](const answer &got, const answer &want, const std::string &what) {
    ++checks;
    if (!(got == want)) fail(at(what + " gave " + str(got) + ", expected " + str(want)));
  };
  while (std::getline(file, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (end_seen) fail(at("a record after end"));
    std::vector<std::string> f;
    bool well_formed = true;
    std::size_t start = 0;
    for (;;) {
      std::size_t tab = line.find('\t', start);
      auto field = decode(std::string_view(line).substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (!field) well_formed = false;
      f.push_back(field.value_or(""));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (!well_formed) {
      fail(at("a field is not well encoded"));
      continue;
    }
    if (!format_seen) {
      format_seen = f.size() == 3 && f[0] == "format" && f[1] == "jwks-corpus" && f[2] == "1";
      if (!format_seen) {
        fail(at("not `format jwks-corpus 1`"));
        break;
      }
      continue;
    }
    const std::string &kind = f[0];
    if (kind == "keyset" && f.size() == 3) {
      keysets.emplace_back(f[1], f[2]);
    } else if (kind == "case" && f.size() == 2) {
      cur = current{};
      cur.name = f[1];
      ++cases;
    } else if (kind == "keys" && f.size() == 2) {
      cur.keys = f[1];
    } else if (kind == "policy" && f.size() == 3) {
      cur.policy.emplace_back(f[1], f[2]);
    } else if (kind == "token" && f.size() == 2) {
      cur.token = f[1];
    } else if (kind == "end" && f.size() == 3) {
      end_seen = true;
      cur = current{};
      if (std::to_string(cases) != f[1] || std::to_string(queries) != f[2])
        fail("end counts " + f[1] + " cases and " + f[2] + " queries; ran " + std::to_string(cases) + " and " +
             std::to_string(queries));
    } else {
      std::size_t arrow = 0;
      for (std::size_t i = 1; i < f.size(); i++)
        if (f[i] == "=>") arrow = i;
      if (arrow == 0 || arrow + 1 >= f.size()) {
        fail(at("not a known record, nor a query (`kind args => code`)"));
        continue;
      }
      query q{kind, {f.begin() + 1, f.begin() + static_cast<long>(arrow)}, {f[arrow + 1], {}}};
      q.expected.values.assign(f.begin() + static_cast<long>(arrow) + 2, f.end());
      if (kind == "verify") {
        bool jwt = q.args.size() == 2 && q.args[0] == "jwt", jws = q.args.size() == 1 && q.args[0] == "jws";
        if (!jwt && !jws) {
          fail(at("verify takes `jwt NOW` or `jws`"));
          continue;
        }
        jwks::options opts;
        for (const auto &[name, val] : cur.policy) {
          if (name == "iss")
            opts.add_issuer(val);
          else if (name == "aud")
            opts.add_audience(val);
          else if (name == "alg")
            opts.add_algorithm(val);
          else
            fail(at("unknown policy setting " + name));
        }
        const std::string *json = nullptr;
        for (const auto &[name, j] : keysets)
          if (name == cur.keys) json = &j;
        if (!json) {
          fail(at("no key set " + cur.keys));
          continue;
        }
        cur.verifier = jwks::verifier::from_json(*json, opts);
        for (int pass = 0; pass < 2; pass++) {
          auto hits = cur.verifier->token_cache_stats().hits;
          std::error_code ec;
          jwks::token t = jwt ? cur.verifier->verify_at(cur.token, std::stoll(q.args[1]), ec)
                              : cur.verifier->verify_signature(cur.token, ec);
          expect(ec ? failed_with(ec) : answer{}, q.expected, "verify (pass " + std::to_string(pass) + ")");
          // The throwing form, with the library's message.
          try {
            if (jwt)
              (void)cur.verifier->verify_at(cur.token, std::stoll(q.args[1]));
            else
              (void)cur.verifier->verify_signature(cur.token);
            expect(answer{}, q.expected, "verify, throwing");
          } catch (const jwks::error &e) {
            expect(failed_with(e.code()), q.expected, std::string("verify, throwing (") + e.what() + ")");
          }
          if (pass == 1 && jwt && !ec && cur.verifier->token_cache_stats().hits <= hits)
            fail(at("the second verification was not a token cache hit"));
          if (t) {
            std::error_code readable;
            std::optional<jwks::claims> copy;
            if (t.claims_readable(readable)) copy.emplace(t);
            cur.copies.push_back(std::move(copy));
            cur.tokens.push_back(std::move(t));
          }
        }
        cur.verified = cur.tokens.size() == 2;
        continue;
      }
      if (!cur.verified) {
        fail(at(kind + " on a token that was not verified"));
        continue;
      }
      if (!arity_ok(q)) {
        fail(at("unknown query kind or wrong arguments: " + kind));
        continue;
      }
      ++queries;
      for (std::size_t pass = 0; pass < 2; pass++) {
        const std::string p = " (pass " + std::to_string(pass) + ")";
        expect(ask(cur.tokens[pass], q), q.expected, kind + p);
        expect(ask_throwing(cur.tokens[pass], q), q.expected, kind + ", throwing" + p);
        if (cur.copies[pass]) {
          if (auto got = ask_copy(*cur.copies[pass], q)) {
            expect(*got, q.expected, kind + ", jwks::claims copy" + p);
            if (pass == 0) ++copy_queries;
          }
        } else if (q.kind == "readable" && q.expected.code == "OK") {
          fail(at("readable, yet no jwks::claims copy"));
        }
      }
      // A payload that is not claims has no copy: making one throws the readable verdict.
      if (q.kind == "readable" && q.expected.code != "OK") {
        try {
          jwks::claims c(cur.tokens[0]);
          fail(at("a jwks::claims copy of a payload that is not claims"));
        } catch (const jwks::error &e) {
          expect(failed_with(e.code()), q.expected, "jwks::claims copy of the payload");
        }
      }
    }
  }
  if (!end_seen) fail("the file has no end record: cut short");
  if (cases == 0 || queries == 0) fail("nothing ran");
  std::printf("corpus (C++): %d cases, %d queries checked, each asked of two verifications of its token (a "
              "JWT's second answered by the token cache), through the non-throwing and throwing forms; %d of "
              "them also of a jwks::claims copy; query kinds skipped: none\n",
              cases, queries, copy_queries);
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
