"""Remote key sets against a JWKS endpoint on loopback: caching, rotation, refresh, outages,
discovery, several issuers, headers."""

from __future__ import annotations

import pytest

import jwkskit

from conftest import AUDIENCE, NOW, JwksServer, claims, jwks_of, key


def remote(server: JwksServer, **opts) -> jwkskit.Verifier:
    opts.setdefault("allow_http", True)
    opts.setdefault("audiences", AUDIENCE)
    return jwkskit.Verifier.from_url(server.url, **opts)


def test_one_fetch_serves_many_verifications(server):
    k = key("ES256", "ec-1")
    server.jwks = jwks_of(k)
    token = k.sign(claims())
    with remote(server) as v:
        assert v.stats().keys_age_ms is None  # nothing fetched at creation
        for _ in range(1000):
            assert v.verify(token, now=NOW)["sub"] == "user-1"
        s = v.stats()
        assert server.count() == 1 and s.fetches == 1 and s.key_count == 1
        assert s.keys_age_ms is not None and s.keys_age_ms >= 0
        assert v.last_error() is None


def test_rotation_unknown_kid_refetch_and_cooldown(server):
    old, new, rogue = key("EdDSA", "old"), key("EdDSA", "new"), key("EdDSA", "rogue")
    server.jwks = jwks_of(old)
    with remote(server, refresh_cooldown=3600) as v:
        assert v.verify(old.sign(claims()), now=NOW)
        server.jwks = jwks_of(old, new)
        # A token signed by the new key: one refetch, then it verifies.
        assert v.verify(new.sign(claims()), now=NOW)
        assert server.count() == 2 and v.stats().unknown_kid_refreshes == 1
        # Random kids within the cooldown are rejected without a fetch.
        for _ in range(50):
            with pytest.raises(jwkskit.UnknownKey):
                v.verify(rogue.sign(claims()), now=NOW)
        assert server.count() == 2
        assert v.stats().cooldown_rejections >= 49


def test_refresh_fetches_now(server):
    k = key("EdDSA", "ed-1")
    server.jwks = jwks_of(k)
    with remote(server) as v:
        v.refresh()
        assert server.count() == 1 and v.stats().key_count == 1
        v.refresh()
        assert server.count() == 2
        assert v.verify(k.sign(claims()), now=NOW)


def test_outage_keeps_cached_keys_and_reports_the_error(server):
    k = key("EdDSA", "ed-1")
    server.jwks = jwks_of(k)
    token = k.sign(claims())
    with remote(server) as v:
        assert v.verify(token, now=NOW)
        server.status = 503
        with pytest.raises(jwkskit.KeysUnavailable) as info:
            v.refresh()
        assert info.value.message
        assert v.verify(token, now=NOW)  # the cached keys still verify
        err = v.last_error()
        assert isinstance(err, jwkskit.KeysUnavailable) and "503" in err.message
        assert v.stats().failures >= 1
        server.status = 200
        v.refresh()
        assert v.last_error() is None


def test_cold_start_outage_is_keys_unavailable(server):
    server.status = 500
    with remote(server) as v:
        with pytest.raises(jwkskit.KeyFetchFailed):
            v.verify(key("EdDSA", "ed-1").sign(claims()), now=NOW)


def test_headers_are_sent_and_skipped_keys_fetch(server):
    k = key("EdDSA", "ed-1")
    server.jwks = {"keys": [k.jwk, {"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "kid": "mac"}]}
    with remote(server, headers={"X-Api-Key": "k-123"}) as v:
        skipped = v.skipped_keys()  # fetches the keys first
        assert [s.get("kid") for s in skipped] == ["mac"]
        assert server.requests[0]["headers"].get("x-api-key") == "k-123"


def test_http_needs_allow_http(server):
    with pytest.raises(jwkskit.InsecureURL):
        jwkskit.Verifier.from_url(server.url)


def test_discovery(server):
    k = key("RS256", "rsa-1")
    server.jwks = jwks_of(k)
    with jwkskit.Verifier.from_issuer(server.base, allow_http=True, audiences=AUDIENCE) as v:
        assert v.verify(k.sign(claims(iss=server.base)), now=NOW)["iss"] == server.base
        with pytest.raises(jwkskit.WrongIssuer):
            v.verify(k.sign(claims(iss="https://other.test")), now=NOW)
    assert server.count("/.well-known/openid-configuration") == 1
    server.issuer_override = "https://impostor.test"
    with jwkskit.Verifier.from_issuer(server.base, allow_http=True, audiences=AUDIENCE) as v:
        with pytest.raises(jwkskit.KeysUnavailable):
            v.verify(k.sign(claims(iss=server.base)), now=NOW)


def test_several_issuers():
    a, b = JwksServer(), JwksServer()
    try:
        ka, kb = key("EdDSA", "a"), key("ES256", "b")
        a.jwks, b.jwks = jwks_of(ka), jwks_of(kb)
        with jwkskit.Verifier.from_issuers([a.base, b.base], allow_http=True, audiences=AUDIENCE) as v:
            assert v.verify(ka.sign(claims(iss=a.base)), now=NOW)["iss"] == a.base
            assert v.verify(kb.sign(claims(iss=b.base)), now=NOW)["iss"] == b.base
            # Routed by iss: b's key is not in a's set.
            with pytest.raises(jwkskit.TokenRejected):
                v.verify(kb.sign(claims(iss=a.base)), now=NOW)
            with pytest.raises(jwkskit.WrongIssuer):
                v.verify(ka.sign(claims(iss="https://unknown.test")), now=NOW)
    finally:
        a.close()
        b.close()
