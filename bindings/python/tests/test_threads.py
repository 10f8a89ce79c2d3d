"""One verifier shared by many threads: every result checked, parallel speed-up, close races."""

from __future__ import annotations

import threading
import time

import pytest

import jwkskit
from jwkskit import _verifier

from conftest import AUDIENCE, ISSUER, NOW, claims, jwks_of, key

THREADS = 8
ROUNDS = 300


@pytest.fixture(scope="module")
def material():
    keys = [key("RS256", "rsa-1"), key("ES256", "ec-1"), key("EdDSA", "ed-1")]
    cases = []
    for i, k in enumerate(keys):
        cases.append((k.sign(claims(n=i)), None, {"n": i}))
        cases.append((k.sign(claims(exp=NOW - 5)), jwkskit.ExpiredToken, None))
        cases.append((k.sign(claims(aud="api://other")), jwkskit.WrongAudience, None))
        good = k.sign(claims(n=i))
        head, payload, sig = good.split(".")
        tampered = ".".join([head, k.sign(claims(n=i + 100)).split(".")[1], sig])
        cases.append((tampered, jwkskit.BadSignature, None))
    cases.append((key("EdDSA", "unknown").sign(claims()), jwkskit.UnknownKey, None))
    cases.append(("garbage", jwkskit.MalformedToken, None))
    return jwks_of(*keys), cases


def test_many_threads_share_one_verifier(material):
    doc, cases = material
    errors = []
    checked = [0] * THREADS
    with jwkskit.Verifier.from_jwks(doc, issuers=ISSUER, audiences=AUDIENCE) as v:
        barrier = threading.Barrier(THREADS)

        def work(t: int) -> None:
            barrier.wait()
            try:
                for r in range(ROUNDS):
                    token, exc, expect = cases[(r * 7 + t) % len(cases)]
                    if exc is None:
                        got = v.verify(token, now=NOW)
                        assert got["n"] == expect["n"] and got["sub"] == "user-1", got
                        t2 = v.verify_token(token, now=NOW)
                        assert t2.claims == got
                    else:
                        try:
                            v.verify(token, now=NOW)
                        except exc as e:
                            assert e.message
                        else:
                            raise AssertionError(f"{exc.__name__} expected")
                    checked[t] += 1
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert not any(th.is_alive() for th in threads), "threads hung"
    assert not errors, errors[:3]
    assert checked == [ROUNDS] * THREADS


def test_the_gil_is_released_during_the_library_call(material, server):
    """While one thread is inside a library call (a verification waiting on a slow key fetch),
    other Python threads keep running, and verify with another verifier."""
    doc, cases = material
    k = key("EdDSA", "ed-1")
    server.jwks = jwks_of(k)
    server.delay = 1.0
    token = cases[0][0]
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE) as remote, \
            jwkskit.Verifier.from_jwks(doc, issuers=ISSUER, audiences=AUDIENCE) as local:
        inside = threading.Event()
        done = []

        def slow() -> None:
            inside.set()
            done.append(remote.verify(k.sign(claims()), now=NOW))

        th = threading.Thread(target=slow)
        th.start()
        inside.wait()
        time.sleep(0.1)
        count = 0
        while th.is_alive() and count < 100000:
            local.verify(token, now=NOW)
            count += 1
        th.join(timeout=30)
        assert done and done[0]["sub"] == "user-1"
        # About 0.9 s of verifications ran beside the blocked call (thousands on any machine).
        assert count >= 200, count


@pytest.mark.parametrize("locked", [False, True], ids=["gil", "locked"])
def test_close_while_other_threads_verify(material, monkeypatch, locked):
    """Closing under load never crashes: calls in progress finish, later ones raise
    VerifierClosed, and the library object is freed by the last call out. Both ways of
    counting calls in progress: without a lock (relying on the GIL) and with one (the way of
    builds that can run without the GIL)."""
    monkeypatch.setattr(_verifier, "_LOCK_CALLS", locked)
    doc, cases = material
    token = cases[0][0]
    for _ in range(5):
        v = jwkskit.Verifier.from_jwks(doc, issuers=ISSUER, audiences=AUDIENCE)
        outcomes = {"ok": 0, "closed": 0}
        lock = threading.Lock()
        started = threading.Barrier(THREADS + 1)

        def work() -> None:
            started.wait()
            while True:
                try:
                    v.verify(token, now=NOW)
                    with lock:
                        outcomes["ok"] += 1
                except jwkskit.VerifierClosed:
                    with lock:
                        outcomes["closed"] += 1
                    return

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for th in threads:
            th.start()
        started.wait()
        time.sleep(0.02)
        v.close()
        for th in threads:
            th.join(timeout=60)
        assert not any(th.is_alive() for th in threads)
        assert outcomes["closed"] == THREADS
        assert v._owned is None and not v._active  # freed exactly once, after the last call
