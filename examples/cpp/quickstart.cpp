// Verify a JWT from the command line against a JWKS file, with the C++ wrapper jwks.hpp:
//   quickstart JWKS_FILE TOKEN ISSUER AUDIENCE
// Exit status: 0 valid, 1 rejected (HTTP 401), 2 keys unavailable or misuse (HTTP 503/500).
// The README shows the lines between the README markers (a test checks the copy).
#include <jwks.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " JWKS_FILE TOKEN ISSUER AUDIENCE\n";
    return 2;
  }
  std::ostringstream jwks_json;
  jwks_json << std::ifstream(argv[1]).rdbuf();
  std::string_view bearer = argv[2], issuer = argv[3], audience = argv[4];
  // README begin
  jwks::options opts;
  opts.add_issuer(issuer).add_audience(audience);
  const auto verifier = jwks::verifier::from_json(jwks_json.str(), opts);  // or from_url(...)
  try {
    jwks::token tok = verifier.verify(bearer);
    std::cout << "valid: sub=" << tok.claim_string("sub") << " alg=" << tok.alg() << "\n";
  } catch (const jwks::error &e) {
    std::cout << "refused: " << e.what() << " (" << jwks::name_of(e.code()) << ")\n";
    return e.category() == jwks::category::token_rejected ? 1 : 2;
  }
  // README end
  return 0;
}
