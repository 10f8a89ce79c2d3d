"""The Verifier API: verification results, options, error mapping per code, lifecycle."""

from __future__ import annotations

import datetime
import gc
import json
import os
import resource
import weakref

import jwt
import pytest

import jwkskit

from conftest import AUDIENCE, ISSUER, NOW, Key, b64, claims, jwks_of, key


@pytest.fixture(scope="module")
def keys():
    return [key("RS256", "rsa-1"), key("PS256", "pss-1"), key("ES256", "ec-1"), key("EdDSA", "ed-1")]


@pytest.fixture
def verifier(keys):
    with jwkskit.Verifier.from_jwks(jwks_of(*keys), issuers=ISSUER, audiences=AUDIENCE) as v:
        yield v


# ------------------------------------------------------------------------------------------
# Successful verification


@pytest.mark.parametrize("index", range(4))
def test_verify_returns_the_claims_for_each_algorithm(verifier, keys, index):
    k = keys[index]
    token = k.sign(claims(scope="read write", n=index))
    got = verifier.verify(token, now=NOW)
    assert got == claims(scope="read write", n=index)
    assert verifier.verify(token.encode(), now=NOW) == got
    assert verifier.verify(bytearray(token.encode()), now=NOW) == got
    assert verifier.verify(memoryview(token.encode()), now=NOW) == got


@pytest.mark.parametrize("now", [2**63, -(2**63) - 1, 2**70])
def test_a_time_outside_int64_is_refused_not_wrapped(verifier, keys, now):
    # 2**70 would reach the library as 0 (a time at which an expired token is valid).
    token = keys[0].sign(claims(exp=NOW - 10))
    for call in (verifier.verify, verifier.verify_token):
        with pytest.raises(jwkskit.InvalidArgument, match="64-bit unix time"):
            call(token, now=now)
    # The largest time is taken as it is: every token has expired by then.
    with pytest.raises(jwkskit.ExpiredToken):
        verifier.verify(keys[0].sign(claims()), now=2**63 - 1)


def test_verify_handles_tokens_longer_than_the_thread_buffer(keys):
    """A payload larger than the per-thread buffer takes a buffer of its own: same claims."""
    from jwkskit import _verifier

    big = claims(blob="x" * (_verifier._SCRATCH_LEN + 1000))
    token = keys[3].sign(big)
    assert len(token) > _verifier._SCRATCH_LEN
    with jwkskit.Verifier.from_jwks(jwks_of(keys[3]), issuers=ISSUER, audiences=AUDIENCE,
                                 max_token_size=64 * 1024) as v:
        assert v.verify(token, now=NOW) == big
        small = keys[3].sign(claims(n=1))
        assert v.verify(small, now=NOW) == claims(n=1)  # the thread buffer is still right


def test_verify_in_a_signal_handler_does_not_share_the_buffer_in_use(verifier, keys):
    """A verification that starts while this thread's buffer is in use (a signal handler
    running between two bytecodes of another verification) gets a buffer of its own."""
    from jwkskit import _verifier

    outer = keys[0].sign(claims(n="outer"))
    inner = keys[3].sign(claims(n="inner"))
    assert verifier.verify(outer, now=NOW)["n"] == "outer"
    mine = _verifier._take_scratch(10)
    try:
        other = _verifier._take_scratch(10)
        assert other is not mine
        _verifier._give_back(other)
        assert verifier.verify(inner, now=NOW)["n"] == "inner"
        assert bytes(mine.buf[: mine.size.value]).count(b"outer") == 1  # left as it was
    finally:
        _verifier._give_back(mine)
    assert _verifier._take_scratch(10) is mine
    _verifier._give_back(mine)


def test_verify_payload_is_the_same_as_the_token_path(verifier, keys):
    """The one-call path and the token-handle path agree, on success and on every failure."""
    cases = [keys[i].sign(claims(n=i)) for i in range(4)]
    cases += [keys[0].sign(claims(exp=NOW - 10)), keys[1].sign(claims(iss="https://evil")),
              key("ES256", "nobody").sign(claims()), "a.b.c", ""]
    for token in cases:
        try:
            want = ("ok", verifier.verify_token(token, now=NOW).claims)
        except jwkskit.JwksError as e:
            want = (type(e), e.code)
        try:
            got = ("ok", verifier.verify(token, now=NOW))
        except jwkskit.JwksError as e:
            got = (type(e), e.code)
        assert got == want, token


def test_verify_token_gives_header_alg_kid_and_key(verifier, keys):
    k = keys[2]
    token = k.sign(claims(), headers={"typ": "JWT"})
    t = verifier.verify_token(token, now=NOW)
    assert isinstance(t, jwkskit.VerifiedToken)
    assert t.claims == claims()
    assert json.loads(t.payload) == claims()
    assert t.header == {"alg": "ES256", "kid": "ec-1", "typ": "JWT"}
    assert json.loads(t.header_json) == t.header
    assert (t.alg, t.kid, t.key_id) == ("ES256", "ec-1", "ec-1")
    assert len(t.key_thumbprint) == 43
    assert "ES256" in repr(t)


def test_verify_uses_the_system_clock_without_now(keys):
    import time

    k = keys[3]
    now = int(time.time())
    with jwkskit.Verifier.from_jwks(jwks_of(k)) as v:
        assert v.verify(k.sign({"sub": "x", "exp": now + 60}))["sub"] == "x"
        with pytest.raises(jwkskit.ExpiredToken):
            v.verify(k.sign({"sub": "x", "exp": now - 3600}))
        # now may be a float (e.g. time.time()).
        assert v.verify(k.sign({"exp": NOW + 1}), now=float(NOW))["exp"] == NOW + 1


def test_verify_signature_any_payload(keys):
    import jwt as pyjwt

    k = keys[3]
    jws = pyjwt.api_jws.encode(b"\x00binary\xffpayload", k.private, algorithm="EdDSA", headers={"kid": "ed-1"})
    with jwkskit.Verifier.from_jwks(jwks_of(k)) as v:
        assert v.verify_signature(jws) == b"\x00binary\xffpayload"
        t = v.verify_jws(jws)
        assert t.payload == b"\x00binary\xffpayload" and t.alg == "EdDSA"
        # The library's verdict on the payload as claims (a ValueError before).
        with pytest.raises(jwkskit.InvalidClaim):
            t.claims
        # As a JWT it is refused: the payload is not a JSON object.
        with pytest.raises(jwkskit.InvalidClaim):
            v.verify(jws, now=NOW)


def test_from_jwks_accepts_str_bytes_dict_and_a_single_jwk(keys):
    k = keys[3]
    token = k.sign(claims(aud=None))
    doc = jwks_of(k)
    for source in (doc, json.dumps(doc), json.dumps(doc).encode(), k.jwk):
        with jwkskit.Verifier.from_jwks(source) as v:
            assert v.verify(token, now=NOW)["sub"] == "user-1"
    with pytest.raises(TypeError):
        jwkskit.Verifier.from_jwks(42)  # type: ignore[arg-type]


def test_from_file(tmp_path, keys):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_of(keys[0])))
    with jwkskit.Verifier.from_file(path, issuers=[ISSUER], audiences=[AUDIENCE]) as v:
        assert v.verify(keys[0].sign(claims()), now=NOW)["sub"] == "user-1"
        assert v.stats().key_count == 1
    with pytest.raises(jwkskit.KeysUnavailable):
        jwkskit.Verifier.from_file(tmp_path / "missing.json")


def test_skipped_keys_and_stats(keys):
    doc = {"keys": [keys[3].jwk, {"kty": "RSA", "kid": "enc-1", "use": "enc", **{k: keys[0].jwk[k] for k in ("n", "e")}}, {"kty": "XYZ", "kid": "odd"}]}
    with jwkskit.Verifier.from_jwks(doc) as v:
        skipped = v.skipped_keys()
        assert [s["index"] for s in skipped] == [1, 2]
        assert [s.get("kid") for s in skipped] == ["enc-1", "odd"]
        assert all(s["reason"] for s in skipped)
        s = v.stats()
        assert isinstance(s, jwkskit.Stats)
        assert (s.key_count, s.skipped_count, s.fetches, s.failures) == (1, 2, 0, 0)
        v.refresh()  # a no-op for a static set
        assert v.last_error() is None


# ------------------------------------------------------------------------------------------
# Options


def test_options_policy(keys):
    k = keys[3]
    doc = jwks_of(k)
    late = k.sign(claims(exp=NOW - 5))
    with jwkskit.Verifier.from_jwks(doc, issuers=ISSUER, audiences=AUDIENCE, leeway=10) as v:
        assert v.verify(late, now=NOW)
    with jwkskit.Verifier.from_jwks(doc, issuers=ISSUER, audiences=AUDIENCE, leeway=datetime.timedelta(seconds=10)) as v:
        assert v.verify(late, now=NOW)
    no_exp = k.sign(claims(exp=None))
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE) as v:
        with pytest.raises(jwkskit.MissingClaim):
            v.verify(no_exp, now=NOW)
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE, require_exp=False) as v:
        assert v.verify(no_exp, now=NOW)["sub"] == "user-1"
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE, required_claims=["tenant"]) as v:
        with pytest.raises(jwkskit.MissingClaim, match="tenant"):
            v.verify(k.sign(claims()), now=NOW)
        assert v.verify(k.sign(claims(tenant="t")), now=NOW)["tenant"] == "t"
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE, typ="at+jwt") as v:
        with pytest.raises(jwkskit.WrongType):
            v.verify(k.sign(claims(), headers={"typ": "JWT"}), now=NOW)
        assert v.verify(k.sign(claims(), headers={"typ": "at+jwt"}), now=NOW)
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE, max_token_age=5) as v:
        with pytest.raises(jwkskit.TokenTooOld):
            v.verify(k.sign(claims(iat=NOW - 60)), now=NOW)
    with jwkskit.Verifier.from_jwks(doc, audiences=AUDIENCE, max_token_size=256) as v:
        with pytest.raises(jwkskit.TokenTooLarge):
            v.verify(k.sign(claims(pad="x" * 400)), now=NOW)
    with jwkskit.Verifier.from_jwks(jwks_of(*keys), audiences=AUDIENCE, algorithms=["EdDSA"]) as v:
        assert v.verify(k.sign(claims()), now=NOW)
        with pytest.raises(jwkskit.AlgorithmNotAllowed):
            v.verify(keys[0].sign(claims()), now=NOW)


def test_remote_options_are_accepted():
    with jwkskit.Verifier.from_url(
        "https://keys.invalid/jwks.json",
        cache_ttl=300,
        cache_ttl_bounds=(60, 3600),
        refresh_cooldown=datetime.timedelta(seconds=10),
        max_stale=600,
        http_timeout=1.5,
        connect_timeout=0.25,
        max_response_size=64 * 1024,
        headers={"Authorization": "Bearer x"},
        proxy="http://127.0.0.1:9",
        allow_http=False,
    ) as v:
        assert "keys.invalid" in repr(v)


@pytest.mark.parametrize(
    "opts, exc",
    [
        ({"algorithms": ["none"]}, jwkskit.InvalidArgument),
        ({"algorithms": "RS999"}, jwkskit.InvalidArgument),
        ({"issuers": [""]}, jwkskit.InvalidArgument),
        ({"issuers": ["a\0b"]}, jwkskit.InvalidArgument),
        ({"leeway": 0.5}, jwkskit.InvalidArgument),
        ({"leeway": -1}, jwkskit.InvalidArgument),
        ({"leeway": 10**11}, jwkskit.InvalidArgument),
        ({"leeway": 2 * 86400}, jwkskit.InvalidArgument),
        ({"http_timeout": 0.0005}, jwkskit.InvalidArgument),
        ({"cache_ttl": 0}, jwkskit.InvalidArgument),
        ({"headers": {"X-Bad": "a\r\nb"}}, jwkskit.InvalidArgument),
        ({"ca_pem": "not a pem"}, jwkskit.InvalidArgument),
        # Larger than size_t: ctypes would pass 2**64 + 100000 as 100000.
        ({"max_token_size": 2**64 + 100000}, jwkskit.InvalidArgument),
        ({"max_response_size": 2**64 + 100000}, jwkskit.InvalidArgument),
        ({"max_token_size": -1}, jwkskit.InvalidArgument),
        ({"leeway": "10"}, TypeError),
        ({"require_exp": 1}, TypeError),
        ({"audiences": [1]}, TypeError),
        ({"cache_ttl_bounds": (1, 2, 3)}, TypeError),
        ({"no_such_option": 1}, TypeError),
    ],
)
def test_invalid_options_are_refused(keys, opts, exc):
    with pytest.raises(exc) as info:
        jwkskit.Verifier.from_jwks(jwks_of(keys[3]), **opts)
    if isinstance(info.value, jwkskit.JwksError):
        assert info.value.code == 201 and info.value.category == jwkskit.Category.MISUSE
        assert info.value.message


# ------------------------------------------------------------------------------------------
# Error mapping: one check per code the API can produce, with its category.


def test_token_rejected_codes(verifier, keys):
    k = keys[3]
    other = Key("EdDSA", "ed-1")  # same kid, different key: the signature does not verify
    unknown = key("EdDSA", "nobody")
    cases = [
        ("not.a.jwt", jwkskit.MalformedToken),
        ("e30.e30", jwkskit.MalformedToken),
        (b64(json.dumps({"alg": "none"}).encode()) + "." + b64(b"{}") + ".", jwkskit.AlgorithmNotAllowed),
        (k.sign(claims(), headers={"crit": ["exp"]}), jwkskit.CritUnsupported),
        (unknown.sign(claims()), jwkskit.UnknownKey),
        (other.sign(claims()), jwkskit.BadSignature),
        (k.sign(claims(exp=NOW - 1)), jwkskit.ExpiredToken),
        (k.sign(claims(nbf=NOW + 60)), jwkskit.NotYetValid),
        (k.sign(claims(iat=NOW + 60)), jwkskit.IssuedInFuture),
        (k.sign(claims(iss="https://evil.test")), jwkskit.WrongIssuer),
        (k.sign(claims(aud="api://other")), jwkskit.WrongAudience),
        (k.sign(claims(exp="soon")), jwkskit.InvalidClaim),
        ("x" * 20000, jwkskit.TokenTooLarge),
        ("ü.ü.ü", jwkskit.MalformedToken),
        ("\ud800.a.b", jwkskit.MalformedToken),
    ]
    for token, exc in cases:
        with pytest.raises(exc) as info:
            verifier.verify(token, now=NOW)
        e = info.value
        assert isinstance(e, jwkskit.TokenRejected) and isinstance(e, jwkskit.JwksError)
        assert e.category == jwkskit.Category.TOKEN_REJECTED
        assert 1 <= e.code <= 99 and e.name == jwkskit.result_name(e.code)
        assert e.message and e.message in str(e)


def test_key_mismatch_and_ambiguous_key(keys):
    ec = keys[2]
    # An EC key given the kid of an RSA token: the key cannot verify RS256.
    with jwkskit.Verifier.from_jwks({"keys": [dict(ec.jwk, kid="rsa-1")]}) as v:
        with pytest.raises(jwkskit.KeyMismatch):
            v.verify(keys[0].sign(claims(aud=None)), now=NOW)
    twice = {"keys": [keys[3].jwk, dict(key("EdDSA", "x").jwk, kid="ed-1")]}
    with jwkskit.Verifier.from_jwks(twice) as v:
        with pytest.raises(jwkskit.AmbiguousKey):
            v.verify(keys[3].sign(claims(aud=None)), now=NOW)


def test_keys_unavailable_codes(keys):
    for doc in ("not json", {"keys": []}, {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}):
        with pytest.raises(jwkskit.KeySetInvalid) as info:
            jwkskit.Verifier.from_jwks(doc)
        assert info.value.category == jwkskit.Category.KEYS_UNAVAILABLE and info.value.code == 101
    # Nothing listens on port 9 of the loopback: the fetch fails, no keys are cached.
    with jwkskit.Verifier.from_url("http://127.0.0.1:9/jwks.json", allow_http=True, http_timeout=2) as v:
        with pytest.raises(jwkskit.KeyFetchFailed) as info:
            v.verify(keys[3].sign(claims()), now=NOW)
        assert isinstance(info.value, jwkskit.KeysUnavailable) and info.value.code == 100
        err = v.last_error()
        assert isinstance(err, jwkskit.KeysUnavailable) and err.message
        with pytest.raises(jwkskit.KeysUnavailable):
            v.refresh()
        assert v.stats().failures >= 2 and v.stats().keys_age_ms is None


def test_misuse_codes():
    with pytest.raises(jwkskit.InsecureURL) as info:
        jwkskit.Verifier.from_url("http://127.0.0.1:9/jwks.json")
    assert info.value.category == jwkskit.Category.MISUSE and info.value.code == 202
    with pytest.raises(jwkskit.InvalidArgument) as info:
        jwkskit.Verifier.from_url("not a url")
    assert isinstance(info.value, ValueError)
    with pytest.raises(jwkskit.Misuse):
        jwkskit.Verifier.from_issuers([])


def test_exceptions_pickle_and_compare():
    import pickle

    e = jwkskit.ExpiredToken(9, "exp 5 is before now 10")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is jwkskit.ExpiredToken and (back.code, back.message) == (9, e.message)
    assert jwkskit.JwksError(12345, "x").name == "UNKNOWN"


def test_failures_do_not_leak(verifier, keys):
    """Error messages are copied and freed at once: many failures leave the memory flat."""
    bad = keys[3].sign(claims(exp=NOW - 1))
    unknown = key("EdDSA", "nobody").sign(claims())

    def burst():
        for _ in range(20000):
            for token in (bad, unknown, "a.b.c"):
                try:
                    verifier.verify(token, now=NOW)
                except jwkskit.TokenRejected:
                    pass

    burst()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    burst()
    burst()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 2048, f"max RSS grew by {after - before} KiB over 120000 failures"


def test_tokens_do_not_leak(verifier, keys):
    token = keys[3].sign(claims())
    for _ in range(3000):
        verifier.verify_token(token, now=NOW)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(20000):
        verifier.verify(token, now=NOW)
        verifier.verify_token(token, now=NOW)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 2048, f"max RSS grew by {after - before} KiB"


# ------------------------------------------------------------------------------------------
# Lifecycle


def test_close_is_idempotent_and_use_after_close_raises(keys):
    v = jwkskit.Verifier.from_jwks(jwks_of(keys[3]))
    token = keys[3].sign(claims(aud=None))
    assert v.verify(token, now=NOW)
    assert not v.closed
    v.close()
    v.close()
    assert v.closed and "closed" in repr(v)
    for call in (
        lambda: v.verify(token, now=NOW),
        lambda: v.verify(token),
        lambda: v.verify_token(token),
        lambda: v.verify_signature(token),
        lambda: v.verify_jws(token),
        v.refresh,
        v.stats,
        v.last_error,
        v.skipped_keys,
    ):
        with pytest.raises(jwkskit.VerifierClosed, match="closed"):
            call()
    assert issubclass(jwkskit.VerifierClosed, jwkskit.Misuse)


def test_context_manager_closes(keys):
    with jwkskit.Verifier.from_jwks(jwks_of(keys[3])) as v:
        assert not v.closed
    assert v.closed
    with pytest.raises(jwkskit.VerifierClosed):
        v.stats()


def test_garbage_collected_verifier_is_freed(keys, monkeypatch):
    from jwkskit import _verifier

    freed = []
    real_free = _verifier.lib.jwks_verifier_free

    class Spy:
        def __getattr__(self, name):
            return getattr(real_lib, name)

    real_lib = _verifier.lib
    spy = Spy()
    spy.jwks_verifier_free = lambda h: (freed.append(h), real_free(h))  # type: ignore[attr-defined]
    monkeypatch.setattr(_verifier, "lib", spy)
    v = jwkskit.Verifier.from_jwks(jwks_of(keys[3]))
    ref = weakref.ref(v)
    del v
    gc.collect()
    assert ref() is None
    assert len(freed) == 1


def test_verifier_cannot_be_constructed_directly():
    with pytest.raises(TypeError, match="from_jwks"):
        jwkskit.Verifier()


def test_package_metadata():
    assert jwkskit.__version__ == "0.2.0"
    assert jwkskit.library_version.split(".")[0] == "0"
    assert os.path.isfile(jwkskit.library_path)


def test_kid_holding_nul_is_refused():
    """A kid holding a NUL, which C reads cut short, is refused as malformed (so ``kid`` is
    None only for a header without one); a key whose kid holds one is skipped."""
    k = key("EdDSA", "k")
    with jwkskit.Verifier.from_jwks(jwks_of(k)) as v:
        for kid in ("k\0", "\0", "k\0evil"):
            token = k.sign(claims(), headers={"kid": kid})
            for call in (lambda: v.verify_token(token, now=NOW), lambda: v.verify_jws(token)):
                with pytest.raises(jwkskit.MalformedToken, match="NUL"):
                    call()
    nul = key("EdDSA", "a\0b")
    with jwkskit.Verifier.from_jwks(jwks_of(nul, k)) as v:
        skipped = v.skipped_keys()
        assert len(skipped) == 1 and "NUL" in skipped[0]["reason"], skipped
        no_kid = jwt.encode(claims(aud=None), nul.private, algorithm="EdDSA")
        with pytest.raises(jwkskit.BadSignature):
            v.verify(no_kid, now=NOW)
