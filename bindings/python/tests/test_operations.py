"""Operations: eager start (fetch_at_start), readiness and the verification counts, against a
JWKS endpoint on loopback."""

from __future__ import annotations

import json
import socket
import threading

import pytest

import jwkskit

from conftest import AUDIENCE, NOW, JwksServer, claims, jwks_of, key


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens (the port was bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks.json"


def test_a_good_endpoint_is_ready_at_once_with_eager_start(server):
    k = key("ES256", "ec-1")
    server.jwks = jwks_of(k)
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE, fetch_at_start=True) as v:
        assert server.count() == 1  # fetched by the constructor
        assert v.ready()
        assert v.verify(k.sign(claims()), now=NOW)["sub"] == "user-1"
        assert server.count() == 1
    # Without it, nothing is fetched and the verifier is not ready until the first fetch.
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE) as lazy:
        assert server.count() == 1 and not lazy.ready()
        lazy.refresh()
        assert lazy.ready()


def test_a_down_endpoint_fails_at_start():
    url = closed_port_url()
    with pytest.raises(jwkskit.KeysUnavailable) as info:
        jwkskit.Verifier.from_url(url, allow_http=True, fetch_at_start=True, http_timeout=3)
    assert "loading the keys at start" in info.value.message and "127.0.0.1" in info.value.message
    # Lazily, the constructor succeeds and every verification answers 503.
    with jwkskit.Verifier.from_url(url, allow_http=True, http_timeout=3) as v:
        assert not v.ready()
        with pytest.raises(jwkskit.KeysUnavailable):
            v.verify(key("ES256", "ec-1").sign(claims()), now=NOW)


def test_an_issuer_with_a_trailing_slash_fails_at_start_not_per_request(server):
    k = key("ES256", "ec-1")
    server.jwks = jwks_of(k)
    configured = server.base + "/"  # the discovery document names server.base
    with pytest.raises(jwkskit.KeysUnavailable) as info:
        jwkskit.Verifier.from_issuer(configured, allow_http=True, audiences=AUDIENCE, fetch_at_start=True)
    message = info.value.message
    assert f'names issuer "{server.base}", expected "{configured}"' in message, message
    assert "trailing slash" in message
    # Without eager start the mistake shows only when a token is verified.
    with jwkskit.Verifier.from_issuer(configured, allow_http=True, audiences=AUDIENCE) as v:
        with pytest.raises(jwkskit.KeysUnavailable, match="trailing slash"):
            v.verify(k.sign(claims(iss=configured)), now=NOW)


def test_an_invalid_key_set_fails_at_start(server):
    server.jwks = {"keys": "not a list"}
    with pytest.raises(jwkskit.KeySetInvalid):
        jwkskit.Verifier.from_url(server.url, allow_http=True, fetch_at_start=True)


def test_several_issuers_start_together_and_are_ready_together():
    a, b = JwksServer(), JwksServer()
    try:
        ka, kb = key("ES256", "a"), key("EdDSA", "b")
        a.jwks, b.jwks = jwks_of(ka), jwks_of(kb)
        with jwkskit.Verifier.from_issuers([a.base, b.base], allow_http=True, audiences=AUDIENCE, fetch_at_start=True) as v:
            assert v.ready() and a.count() == 1 and b.count() == 1
            assert v.verify(kb.sign(claims(iss=b.base)), now=NOW)["iss"] == b.base
        with jwkskit.Verifier.from_issuers([a.base, b.base], allow_http=True, audiences=AUDIENCE) as v:
            v.verify(ka.sign(claims(iss=a.base)), now=NOW)
            assert not v.ready()  # b has no keys yet
            v.verify(kb.sign(claims(iss=b.base)), now=NOW)
            assert v.ready()
        b.issuer_override = b.base + "/other"
        with pytest.raises(jwkskit.KeysUnavailable) as info:
            jwkskit.Verifier.from_issuers([a.base, b.base], allow_http=True, fetch_at_start=True)
        assert f'issuer "{b.base}"' in info.value.message
    finally:
        a.close()
        b.close()


def test_a_static_set_and_a_file_are_always_ready(tmp_path):
    k = key("EdDSA", "ed")
    with jwkskit.Verifier.from_jwks(jwks_of(k)) as v:
        assert v.ready()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_of(k)))
    with jwkskit.Verifier.from_file(path, fetch_at_start=True) as v:
        assert v.ready()
    v.close()
    with pytest.raises(jwkskit.VerifierClosed):
        v.ready()


def test_verifications_are_counted_by_result_from_threads(server):
    k, other = key("ES256", "ec-1"), key("ES256", "ec-other")
    server.jwks = jwks_of(k)
    good = k.sign(claims())
    expired = k.sign(claims(exp=NOW - 100))
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE, fetch_at_start=True) as v:
        counts = v.verify_counts()
        assert counts["OK"] == 0 and set(counts) >= {"OK", "EXPIRED", "BAD_SIGNATURE", "KEYS_UNAVAILABLE"}
        assert "NOT_FOUND" not in counts  # a claim lookup's code, never a verification's

        def work() -> None:
            for _ in range(200):
                v.verify(good, now=NOW)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with pytest.raises(jwkskit.ExpiredToken):
            v.verify(expired, now=NOW)
        with pytest.raises(jwkskit.MalformedToken):
            v.verify_signature("nope")
        with pytest.raises(jwkskit.UnknownKey):
            v.verify_token(other.sign(claims()), now=NOW)
        counts = v.verify_counts()
        assert counts["OK"] == 800
        assert counts["EXPIRED"] == 1 and counts["MALFORMED"] == 1 and counts["UNKNOWN_KEY"] == 1
        assert sum(counts.values()) == 803
        # 800 verifications of one token: the first verified in full, the rest cache hits.
        cache = v.token_cache_stats()
        assert cache.hits >= 796 and cache.hits + cache.misses >= 800
