#!/usr/bin/env python3
"""Generates C calls that pass NULL for every pointer argument of every function in jwks.h.

Usage: gen_null_calls.py include/jwks.h OUT.inc

The output is included by tests/c/test_abuse.c. For each function it first makes one call with
valid arguments (checked to succeed, so that the NULL calls below fail because of the NULL and
not because of some other argument), then one call per pointer parameter with only that one
set to NULL. A function returning `jwks_result` must then return an error (or, for a
parameter the header documents as optional, anything but a crash); one returning a pointer
must return NULL or an empty string; outputs must stay untouched on failure. The header is
parsed, not listed by hand, so a function added later is covered without touching this file.
"""
import re
import sys

# Parameters that the header documents as optional (NULL allowed).
OPTIONAL = {"err", "len", "ctx"}
OPTIONAL_BY_FUNCTION = {
    ("jwks_verifier_refusal", "request"),
    ("jwks_verifier_refusal", "realm"),
    ("jwks_verifier_refusal", "scope"),
    ("jwks_verify_dpop_proof_at", "access_token"),
    ("jwks_verifier_from_json", "opts"),
    ("jwks_verifier_from_url", "opts"),
    ("jwks_verifier_from_issuer", "opts"),
    ("jwks_verifier_from_file", "opts"),
    # Read only for JWKS_CLAIM_CONTAINS; the valid call reads a string.
    ("jwks_claims_get", "value"),
}
# Functions whose valid-argument call is not expected to return OK (named with the reason).
NO_BASELINE = {
    # The PEM below is not a certificate; a NULL must still be refused.
    "jwks_options_set_ca_pem",
    # Discovery runs at construction against a port nothing listens on.
    "jwks_verifier_from_issuer",
    # The error accessors take an error, not a result.
    "jwks_error_code",
    # A DPoP proof is needed; tests/c/test_dpop.c verifies the RFC 9449 example through it.
    "jwks_verify_dpop_proof_at",
}
# Functions that release their argument: NULL must be accepted (called, nothing to check).
FREES = re.compile(r"_free$")

# A valid value for each parameter, by (function, name) first, then by name, then by type.
VALUE_BY_FUNCTION = {
    ("jwks_verifier_from_url", "url"): "\"https://127.0.0.1:1/jwks.json\"",
    ("jwks_verifier_from_issuer", "issuer"): "\"https://127.0.0.1:1\"",
    ("jwks_verifier_from_json", "len"): "ctx->jwks_len",
    ("jwks_options_add_http_header", "name"): "\"X-Test\"",
    ("jwks_options_add_http_header", "value"): "\"1\"",
    ("jwks_options_set_ca_pem", "len"): "1",
    ("jwks_options_set_max_response_size", "bytes"): "1048576",
    ("jwks_token_claim_string", "name"): "\"sub\"",
    ("jwks_token_claim_int", "name"): "\"exp\"",
    ("jwks_token_claim_bool", "name"): "\"admin\"",
    ("jwks_token_claim_contains", "name"): "\"groups\"",
    ("jwks_token_claim_contains", "value"): "\"ops\"",
    ("jwks_verify_payload", "cap"): "sizeof out_buf",
    ("jwks_verify_payload_at", "cap"): "sizeof out_buf",
    ("jwks_verifier_token_cache_stats", "size"): "sizeof out_cache_stats",
    ("jwks_verifier_verify_counts", "len"): "JWKS_VERIFY_COUNTS_LEN",
    ("jwks_options_set_token_cache_bytes", "max_bytes"): "1048576",
    # The shared options then make a verifier over the 4-key fixture set.
    ("jwks_options_set_max_keys", "count"): "256",
    # ... and make jwks_verifier_from_url with its unreachable URL without fetching.
    ("jwks_options_set_fetch_at_start", "fetch"): "false",
    ("jwks_token_scope", "index"): "0",
    ("jwks_token_has_scopes", "count"): "1",
    ("jwks_token_claims_index", "index"): "out_index",
    ("jwks_token_claims_index", "cap"): "64",
    ("jwks_claims_get", "name_len"): "3",
    ("jwks_claims_get", "value"): "\"ops\"",
    ("jwks_claims_get", "value_len"): "3",
    ("jwks_claims_get", "cap"): "sizeof out_buf",
    ("jwks_claims_scopes", "cap"): "sizeof out_buf",
    ("jwks_claims_scopes", "ends"): "out_ends",
    ("jwks_claims_scopes", "ends_cap"): "16",
    ("jwks_claims_has_scopes", "names"): "\"read\"",
    ("jwks_claims_has_scopes", "lens"): "lens_read",
    ("jwks_claims_has_scopes", "count"): "1",
    ("jwks_options_set_dpop_replay_cache_bytes", "max_bytes"): "1048576",
    ("jwks_options_set_dpop_max_age", "seconds"): "60",
    ("jwks_request_add_authorization", "value"): "ctx->authorization",
    ("jwks_request_add_dpop", "value"): "\"abc\"",
    ("jwks_request_set_client_cert_der", "der"): "abuse_der",
    ("jwks_request_set_client_cert_der", "len"): "sizeof abuse_der",
    ("jwks_request_set_client_cert_pem", "len"): "1",
    ("jwks_verifier_dpop_stats", "size"): "sizeof out_dpop_stats",
    ("jwks_verifier_refusal", "code"): "JWKS_RESULT_EXPIRED",
    ("jwks_verifier_refusal", "scope"): "\"orders:read\"",
    ("jwks_verify_dpop_proof_at", "access_token_len"): "0",
}
VALUE_BY_NAME = {
    "issuer": "\"https://issuer.test\"",
    "audience": "\"api\"",
    "alg": "\"RS256\"",
    "proxy_url": "\"http://127.0.0.1:3128\"",
    "typ": "\"JWT\"",
    "name": "\"sub\"",
    "pem": "\"x\"",
    "jwks_json": "ctx->jwks",
    "path": "ctx->jwks_path",
    "token": "ctx->token",
    "jws": "ctx->token",
    "now": "ctx->now",
    "scope": "\"read\"",
    "method": "\"GET\"",
    "uri": "\"https://api.example/x\"",
    "scheme": "\"either\"",
    "secret": "\"a secret of thirty-two bytes or more\"",
    "escaped": "\"\"",
    "xfcc": "\"Hash=00\"",
    "realm": "\"api\"",
    "proof": "ctx->token",
    "access_token": "NULL",
}
VALUE_BY_TYPE = {
    "struct jwks_options *": "ctx->opts",
    "const struct jwks_options *": "ctx->opts",
    "const struct jwks_verifier *": "ctx->verifier",
    "const struct jwks_token *": "ctx->token_handle",
    "const struct jwks_error *": "ctx->error",
    "struct jwks_verifier **": "&out_verifier",
    "struct jwks_token **": "&out_token",
    "struct jwks_error **": "&out_error",
    "struct jwks_stats *": "&out_stats",
    "struct jwks_token_cache_stats *": "&out_cache_stats",
    "struct jwks_dpop_stats *": "&out_dpop_stats",
    "struct jwks_request *": "ctx->scratch_request",
    "const struct jwks_request *": "ctx->request",
    "struct jwks_request **": "&out_request",
    "const struct jwks_refusal *": "ctx->refusal",
    "struct jwks_refusal **": "&out_refusal",
    "jwks_replay_check_fn": "abuse_replay_check",
    "jwks_nonce_issue_fn": "abuse_nonce_issue",
    "jwks_nonce_check_fn": "abuse_nonce_check",
    "jwks_free_fn": "abuse_free",
    "void *": "&abuse_ctx",
    "uint64_t *": "out_counts",
    "char *": "out_buf",
    "char **": "&out_string",
    "const char **": "&out_chars",
    "size_t *": "&out_len",
    "int64_t *": "&out_int",
    "bool *": "&out_bool",
    "size_t": "ctx->token_len",
    "uint32_t": "1",
    "bool": "true",
    "int64_t": "ctx->now",
    "const char *const *": "required_scopes",
    "const struct jwks_claims *": "&ctx->claims",
    "struct jwks_claim_value *": "&out_claim",
    "jwks_claim_kind": "JWKS_CLAIM_STRING",
    "jwks_scope_match": "JWKS_SCOPE_MATCH_ALL",
}


def prototypes(header: str):
    text = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    pattern = re.compile(r"^([a-z][\w \*]*?\**)\s*\b(jwks_\w+)\(([^)]*)\);", re.M)
    for m in pattern.finditer(text):
        ret = " ".join(m.group(1).split())
        params = []
        raw = " ".join(m.group(3).split())
        if raw != "void":
            for p in raw.split(","):
                p = p.strip()
                name = re.search(r"(\w+)$", p).group(1)
                ctype = p[: -len(name)].strip()
                params.append((ctype, name))
        yield ret, m.group(2), params


def value(fn, ctype, name):
    if (fn, name) in VALUE_BY_FUNCTION:
        return VALUE_BY_FUNCTION[(fn, name)]
    if "*" not in ctype and ctype in VALUE_BY_TYPE and name != "now":
        return VALUE_BY_TYPE[ctype]
    if ctype == "const char *" and name in VALUE_BY_NAME:
        return VALUE_BY_NAME[name]
    if name in VALUE_BY_NAME and "*" not in ctype:
        return VALUE_BY_NAME[name]
    if ctype in VALUE_BY_TYPE:
        return VALUE_BY_TYPE[ctype]
    raise SystemExit(f"gen_null_calls.py: no value for {fn}({ctype} {name}); extend the tables")


def call(fn, args):
    return f"{fn}({', '.join(args)})"


def main():
    header_path, out_path = sys.argv[1:3]
    out = ["/* Generated by tests/c/gen_null_calls.py from include/jwks.h; do not edit. */"]
    count = 0
    for ret, fn, params in prototypes(open(header_path).read()):
        pointers = [i for i, (t, _) in enumerate(params) if "*" in t]
        if not pointers:
            continue
        out.append(f"/* {ret} {fn}({', '.join(t + ' ' + n for t, n in params)}) */")
        if FREES.search(fn):
            out.append(f"{call(fn, ['NULL'])};")
            out.append(f"NOTE_CALL(\"{fn}(NULL)\");")
            count += 1
            continue
        args = [value(fn, t, n) for t, n in params]
        if ret == "jwks_result" and fn not in NO_BASELINE:
            out.append("RESET_OUTPUTS();")
            out.append(f"BASELINE(\"{fn}\", {call(fn, args)});")
            out.append("RELEASE_OUTPUTS();")
        for i in pointers:
            ctype, name = params[i]
            nulled = list(args)
            nulled[i] = "NULL"
            label = f"{fn}({name}=NULL)"
            optional = name in OPTIONAL or (fn, name) in OPTIONAL_BY_FUNCTION
            out.append("RESET_OUTPUTS();")
            if ret == "jwks_result":
                macro = "ANY_RESULT" if optional else "EXPECT_ERROR"
                out.append(f"{macro}(\"{label}\", {call(fn, nulled)});")
            elif ret.endswith("*"):
                macro = "ANY_POINTER" if optional else "EXPECT_NULL_OR_EMPTY"
                out.append(f"{macro}(\"{label}\", {call(fn, nulled)});")
            else:
                out.append(f"(void){call(fn, nulled)};")
                out.append(f"NOTE_CALL(\"{label}\");")
            out.append("RELEASE_OUTPUTS();")
            count += 1
    out.append(f"#define NULL_CALL_COUNT {count}")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
