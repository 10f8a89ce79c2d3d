"""Claims and scopes are read by the library: the typed getters of VerifiedToken, the one scope
rule, the claims dict reading what the library validated, and no cache of claims beside the
library's token cache."""

from __future__ import annotations

import gc
import json
import tracemalloc

import jwt as pyjwt
import pytest
from conftest import AUDIENCE, NOW, claims, jwks_of, key

import jwkskit


def raw(k, payload: str) -> str:
    """A JWS of ``payload`` exactly as written (PyJWT would re-serialise a dict)."""
    return pyjwt.api_jws.encode(payload.encode(), k.private, algorithm=k.alg, headers={"kid": k.kid})


@pytest.fixture(scope="module")
def k():
    return key("EdDSA", "ed-claims")


@pytest.fixture()
def v(k):
    with jwkskit.Verifier.from_jwks(jwks_of(k), require_exp=False) as verifier:
        yield verifier


def test_typed_getters_answer_as_the_library(v, k):
    t = v.verify_token(
        raw(k, r'{"sub":"alice","esc":"a\"b\u00e9","n":7,"neg":-0,"big":18446744073709551615,'
        r'"f":1.5,"b":true,"groups":["ops","\u0064ev"],"o":{"x":[1,2]},"nul":"a\u0000b"}'),
        now=NOW,
    )
    assert t.claim_string("sub") == "alice"
    assert t.claim_string("esc") == 'a"bé'
    assert t.claim_string("nul") == "a\0b"
    assert t.claim_int("n") == 7
    assert t.claim_bool("b") is True
    assert t.claim_contains("groups", "dev") and not t.claim_contains("groups", "root")
    assert t.claim_contains("sub", "alice")
    assert t.claim_json("o") == '{"x":[1,2]}'
    assert t.claim_json("esc") == r'"a\"b\u00e9"'
    assert t.claim_json("neg") == "-0"
    for name in ("neg", "big", "f", "sub"):
        with pytest.raises(jwkskit.ClaimTypeMismatch):
            t.claim_int(name)
    with pytest.raises(jwkskit.ClaimTypeMismatch):
        t.claim_string("n")
    with pytest.raises(jwkskit.ClaimTypeMismatch):
        t.claim_contains("o", "x")
    with pytest.raises(jwkskit.ClaimNotFound):
        t.claim_string("missing")
    with pytest.raises(jwkskit.InvalidArgument):
        t.claim_string("a\0b")
    # The dict reads what the getters read: -0 is the float -0.0, as in the library.
    c = t.claims
    assert c["neg"] == 0 and isinstance(c["neg"], float) and str(c["neg"]) == "-0.0"
    assert c["big"] == 18446744073709551615 and c["esc"] == 'a"bé'
    t.claims_readable()
    t.claims_case_unique()


def test_verify_reads_minus_zero_as_the_library_does(v, k):
    got = v.verify(raw(k, '{"a":-0,"b":[-0, 0, -0.0],"c":{"d":-0},"e":"-0","f":-0.5}'), now=NOW)
    assert [str(x) for x in (got["a"], *got["b"], got["c"]["d"])] == ["-0.0", "-0.0", "0", "-0.0", "-0.0"]
    assert got["e"] == "-0" and got["f"] == -0.5
    # Without -0 anywhere, the fast path: integers are int.
    assert v.verify(raw(k, '{"a":0,"b":10}'), now=NOW) == {"a": 0, "b": 10}


@pytest.mark.parametrize(
    "number",
    ["18446744073709551616", "123456789012345678901234567890", "-9223372036854775809", "1e300", "1e999"],
)
def test_numbers_beyond_64_bits_are_refused(v, k, number):
    # Python would read them exactly, the library (like JavaScript) as rounded floats: refused.
    with pytest.raises(jwkskit.InvalidClaim):
        v.verify(raw(k, '{"x":%s}' % number), now=NOW)


def test_exact_integers_agree(v, k):
    got = v.verify(raw(k, '{"a":9007199254740993,"b":-9223372036854775808,"c":18446744073709551615}'), now=NOW)
    assert got == {"a": 9007199254740993, "b": -(2**63), "c": 2**64 - 1}
    t = v.verify_token(raw(k, '{"a":9007199254740993}'), now=NOW)
    assert t.claim_int("a") == t.claims["a"] == 9007199254740993


@pytest.mark.parametrize(
    "payload, why",
    [
        ('{"sub":"a","sub":"b"}', "duplicate"),
        ('{"sub":"a","x":{"r":1,"r":2}}', "duplicate"),
        (r'{"sub":"a","x":"\ud800"}', "escape"),
        ('{"sub":"a","x":123456789012345678901234567890}', "out of range"),
        ("[1, 2]", "object"),
        ("not json", "expected"),
    ],
)
def test_jws_payloads_the_library_does_not_read_as_claims(v, k, payload, why):
    """Same verdict everywhere: C and Go answer NOT_FOUND for every claim, Python's claims
    raises the library's error (Python's json would have read the last "sub", or the lone
    surrogate)."""
    t = v.verify_jws(raw(k, payload))
    with pytest.raises(jwkskit.InvalidClaim) as e:
        t.claims
    assert why in e.value.message
    with pytest.raises(jwkskit.InvalidClaim):
        t.claims_readable()
    with pytest.raises(jwkskit.ClaimNotFound):
        t.claim_string("sub")
    with pytest.raises(jwkskit.InvalidClaim):
        t.scopes()
    with pytest.raises(jwkskit.InvalidClaim):
        v.verify(raw(k, payload), now=NOW)


def test_names_that_differ_only_in_case(v, k):
    t = v.verify_token(raw(k, '{"iss":"https://idp.example/","Iss":"https://evil.example/"}'), now=NOW)
    assert t.claim_string("iss") == "https://idp.example/" == t.claims["iss"]
    with pytest.raises(jwkskit.InvalidClaim) as e:
        t.claims_case_unique()
    assert '"Iss" and "iss"' in e.value.message
    for nested in ['{"x":{"\\u212a":1,"k":2}}', '{"x":[{"s":1,"\\u017f":2}]}']:
        with pytest.raises(jwkskit.InvalidClaim):
            v.verify_token(raw(k, nested), now=NOW).claims_case_unique()
    v.verify_token(raw(k, '{"iss":"a","x":{"Iss":1}}'), now=NOW).claims_case_unique()


@pytest.mark.parametrize(
    "payload, scopes",
    [
        ({}, ()),
        ({"scope": "a b  c "}, ("a", "b", "c")),
        ({"scope": "a\tb c\nd e\u00a0f g\u0085h i\u3000j \x1ck"}, ("a\tb", "c\nd", "e\u00a0f", "g\u0085h", "i\u3000j", "\x1ck")),
        ({"scp": ["a", "b c", "", "a"]}, ("a", "b c")),
        ({"scp": "a b"}, ("a", "b")),
        ({"scope": "b a", "scp": ["a", "c"]}, ("b", "a", "c")),
        ({"scope": None}, ()),
    ],
)
def test_scopes_by_the_one_rule(v, k, payload, scopes):
    t = v.verify_token(raw(k, json.dumps(payload)), now=NOW)
    assert t.scopes() == scopes
    valid = [s for s in scopes if " " not in s and s.isascii() and s.isprintable() and s.strip() == s]
    assert t.has_scopes(*valid)
    assert t.has_scopes() is True and t.has_scopes(any=True) is False
    assert not t.has_scopes("zzz") and t.has_scopes("zzz", *valid[:1], any=True) == bool(valid)


@pytest.mark.parametrize(
    "payload", [{"scope": ["a"]}, {"scope": 1}, {"scp": ["a", 1]}, {"scp": {"a": True}}, {"scope": "a", "scp": False}]
)
def test_scopes_of_another_shape_reject_the_token(v, k, payload):
    t = v.verify_token(raw(k, json.dumps(payload)), now=NOW)
    with pytest.raises(jwkskit.InvalidClaim):
        t.scopes()
    with pytest.raises(jwkskit.InvalidClaim):
        t.has_scopes("a")


def test_required_scopes_are_checked_by_the_library(v, k):
    t = v.verify_token(raw(k, '{"scope":"read"}'), now=NOW)
    for bad in ("", "a b", "a\tb", "café", 'a"b', "a\\b", "\x7f"):
        with pytest.raises(jwkskit.InvalidArgument):
            jwkskit.check_scope(bad)
        with pytest.raises(jwkskit.InvalidArgument):
            t.has_scopes("read", bad)
    jwkskit.check_scope("https://graph.example/User.Read")


def test_getters_of_a_token_not_made_by_a_verifier():
    t = jwkskit.VerifiedToken(b"{}", b"{}", "EdDSA", None, None, "x")
    with pytest.raises(jwkskit.NullArgument):
        t.claim_string("sub")
    with pytest.raises(jwkskit.NullArgument):
        t.scopes()


def test_tokens_are_freed_and_outlive_their_verifier(k):
    v = jwkskit.Verifier.from_jwks(jwks_of(k), require_exp=False)
    t = v.verify_token(raw(k, '{"sub":"alice","scope":"a b"}'), now=NOW)
    v.close()
    assert t.claim_string("sub") == "alice" and t.scopes() == ("a", "b")
    # The header, alg, kids and thumbprint are read from the library token when asked.
    assert t.alg == "EdDSA" and t.kid == "ed-claims" and t.key_id == "ed-claims"
    assert len(t.key_thumbprint) == 43 and json.loads(t.header_json)["alg"] == "EdDSA"
    import copy

    c = copy.copy(t)
    del t
    gc.collect()
    assert c.claim_string("sub") == "alice" and c.alg == "EdDSA"


def test_no_cache_of_claims_beside_the_token_cache():
    """Python keeps nothing per token: many distinct large tokens verified through a verifier
    whose token cache holds 4 KiB leave no Python memory behind (a memo of 1024 decoded claims
    dicts beside the cache used to keep about 100 MB for tokens like these)."""
    k = key("ES256", "ec-mem")
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE, token_cache_bytes=4096) as v:
        tokens = [
            k.sign(claims(jti=str(i), blob=[f"{i}-{j}-" + "x" * 40 for j in range(200)]))
            for i in range(300)
        ]
        assert len(tokens[0]) > 11_000
        for t in tokens[:10]:
            v.verify(t, now=NOW)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(2):
                for t in tokens:
                    assert v.verify(t, now=NOW)["sub"] == "user-1"
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert kept < 256 * 1024, f"{kept} bytes kept by 300 verifications"
