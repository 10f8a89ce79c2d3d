/* Verify a JWT from the command line against a JWKS file:
 *   quickstart JWKS_FILE TOKEN ISSUER AUDIENCE
 * Exit status: 0 valid, 1 rejected (HTTP 401), 2 keys unavailable or misuse (HTTP 503/500). */
#include <jwks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s JWKS_FILE TOKEN ISSUER AUDIENCE\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  char jwks[65536];
  size_t jwks_len = fread(jwks, 1, sizeof jwks, f);
  fclose(f);

  jwks_options *opts = jwks_options_new();
  jwks_options_add_issuer(opts, argv[3]);
  jwks_options_add_audience(opts, argv[4]);

  jwks_verifier *verifier = NULL;
  jwks_error *err = NULL;
  if (jwks_verifier_from_json(jwks, jwks_len, opts, &verifier, &err) != JWKS_RESULT_OK) {
    fprintf(stderr, "bad key set: %s\n", jwks_error_message(err));
    jwks_error_free(err);
    jwks_options_free(opts);
    return 2;
  }
  jwks_options_free(opts); /* copied into the verifier */

  jwks_token *token = NULL;
  jwks_result r = jwks_verify(verifier, argv[2], strlen(argv[2]), &token, &err);
  int status;
  if (r == JWKS_RESULT_OK) {
    const char *sub;
    size_t sub_len;
    if (jwks_token_claim_string(token, "sub", &sub, &sub_len) == JWKS_RESULT_OK)
      printf("valid: sub=%.*s alg=%s kid=%s\n", (int)sub_len, sub, jwks_token_alg(token),
             jwks_token_kid(token) ? jwks_token_kid(token) : "-");
    else
      printf("valid: %s\n", jwks_token_payload(token, NULL));
    status = 0;
  } else {
    printf("%s: %s (%s)\n", jwks_result_is_token_rejected(r) ? "rejected" : "unavailable",
           jwks_error_message(err), jwks_result_name(r));
    status = jwks_result_is_token_rejected(r) ? 1 : 2;
  }
  jwks_token_free(token);
  jwks_error_free(err);
  jwks_verifier_free(verifier);
  return status;
}
