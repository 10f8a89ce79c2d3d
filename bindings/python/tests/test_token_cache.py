"""The verified-token cache through Python: the same verdicts with and without it, time rules
on a hit, rotation, each call its own claims dict, counters and options."""

from __future__ import annotations

import threading

import pytest

import jwkskit

from conftest import AUDIENCE, ISSUER, NOW, JwksServer, claims, jwks_of, key


def pair(jwks, **opts):
    opts.setdefault("audiences", AUDIENCE)
    on = jwkskit.Verifier.from_jwks(jwks, token_cache=64, **opts)
    off = jwkskit.Verifier.from_jwks(jwks, token_cache=0, **opts)
    return on, off


def outcome(v, token, now):
    try:
        return ("ok", v.verify(token, now=now))
    except jwkskit.JwksError as e:
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_verdicts_match_no_cache_each_token_twice(alg):
    k = key(alg, "k")
    tokens = [
        k.sign(claims()),
        k.sign(claims(exp=NOW - 1)),
        k.sign(claims(nbf=NOW + 100)),
        k.sign(claims(iat=NOW + 5)),
        k.sign(claims(aud="other")),
        k.sign(claims(iss="https://evil.test")),
        k.sign(claims(exp=None)),
    ]
    on, off = pair(jwks_of(k), issuers=ISSUER)
    with on, off:
        for token in tokens:
            for now in (NOW, NOW + 100, NOW + 599, NOW + 600, NOW - 11, NOW - 1000, NOW):
                want = outcome(off, token, now)
                assert outcome(on, token, now) == want
                assert outcome(on, token, now) == want
        assert on.token_cache_stats().hits > 20
        assert off.token_cache_stats() == jwkskit.TokenCacheStats(0, 0, 0, 0, 0, 0, 0)


def test_a_hit_rechecks_time_at_the_callers_now():
    k = key("EdDSA", "ed")
    token = k.sign(claims(nbf=NOW - 5))
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE, leeway=30) as v:
        assert v.verify(token, now=NOW)["sub"] == "user-1"
        with pytest.raises(jwkskit.ExpiredToken):
            v.verify(token, now=NOW + 600 + 30 + 1)
        with pytest.raises(jwkskit.NotYetValid):
            v.verify(token, now=NOW - 5 - 30 - 1)
        s = v.token_cache_stats()
        assert (s.hits, s.misses, s.entries) == (2, 1, 1)


def test_each_caller_gets_its_own_claims():
    k = key("ES256", "ec")
    token = k.sign(claims(aud=[AUDIENCE, "x"], roles={"admin": [1, 2]}))
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE) as v:
        first = v.verify(token, now=NOW)
        want = {k2: (list(v2) if isinstance(v2, list) else v2) for k2, v2 in first.items()}
        want["roles"] = {"admin": [1, 2]}
        first["sub"] = "mutated"
        first["aud"].append("mutated")
        first["roles"]["admin"].append(3)
        for _ in range(3):
            again = v.verify(token, now=NOW)
            assert again == want
            again["aud"].clear()
            again["roles"]["admin"].clear()
        # A one-character change is a miss, rejected on its own.
        bad = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        hits = v.token_cache_stats().hits
        with pytest.raises(jwkskit.TokenRejected):
            v.verify(bad, now=NOW)
        assert v.token_cache_stats().hits == hits


def test_rotation_turns_a_cached_token_into_unknown_key(server: JwksServer):
    a, b = key("EdDSA", "rot-a"), key("EdDSA", "rot-b")
    server.jwks = jwks_of(a, b)
    token = a.sign(claims())
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE) as v:
        assert v.verify(token, now=NOW)["sub"] == "user-1"
        assert v.verify(token, now=NOW)["sub"] == "user-1"
        assert v.token_cache_stats().hits == 1
        server.jwks = jwks_of(b)
        v.refresh()
        with pytest.raises(jwkskit.UnknownKey):
            v.verify(token, now=NOW)
        assert v.token_cache_stats().hits == 1


def test_threads_share_the_cache():
    k = key("EdDSA", "ed")
    tokens = [k.sign(claims(sub=f"u{i}")) for i in range(8)]
    errors = []
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences=AUDIENCE, token_cache=4) as v:

        def work(i):
            try:
                for j in range(300):
                    t = tokens[(i + j) % len(tokens)]
                    assert v.verify(t, now=NOW)["sub"] == f"u{(i + j) % len(tokens)}"
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s = v.token_cache_stats()
    assert not errors
    assert s.entries <= 4 and s.hits + s.misses == 8 * 300 and s.evictions > 0


def test_options_are_checked():
    k = key("EdDSA", "ed")
    with jwkskit.Verifier.from_jwks(
        jwks_of(k), token_cache=10, token_cache_bytes=1 << 16, token_cache_max_reuse=5
    ) as v:
        s = v.token_cache_stats()
        assert (s.max_entries, s.max_bytes) == (10, 1 << 16)
    with pytest.raises(jwkskit.InvalidArgument):
        jwkskit.Verifier.from_jwks(jwks_of(k), token_cache_bytes=10)
    with pytest.raises(jwkskit.InvalidArgument):
        jwkskit.Verifier.from_jwks(jwks_of(k), token_cache_max_reuse=0)
    with pytest.raises(jwkskit.InvalidArgument):
        jwkskit.Verifier.from_jwks(jwks_of(k), token_cache=-1)
    with pytest.raises(TypeError):
        jwkskit.Verifier.from_jwks(jwks_of(k), token_cache="many")
    with jwkskit.Verifier.from_jwks(jwks_of(k)) as v:
        assert v.token_cache_stats().max_entries == 4096  # on by default
