"""Verification never blocks an event loop on a key fetch: Verifier.would_block (the C query
jwks_verifier_would_block) and verify_async, and a live uvicorn server that keeps answering
while a key fetch of 2 s is in progress."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

import httpx
import pytest
from conftest import jwks_of, key
from fastapi import Depends, FastAPI, Request
from test_integrations_support import AUDIENCE, Uvicorn, get, remote_verifier, token

import jwkskit
from jwkskit.integrations.fastapi import BearerClaims


def test_would_block_follows_the_key_cache(server):
    v = remote_verifier(server, refresh_cooldown=60)
    t = token()
    assert v.would_block(t), "cold: the first verification fetches"
    assert server.count() == 0, "asking fetches nothing"
    v.verify(t)
    assert not v.would_block(t), "keys cached"
    other = token(kid="rotated")
    assert v.would_block(other), "an unknown kid may refetch"
    with pytest.raises(jwkskit.UnknownKey):
        v.verify(other)
    assert server.count() == 2
    assert not v.would_block(other), "that kid was just missed: rejected at once"
    assert not v.would_block(token(kid="another")), "within the cooldown no refetch happens"
    assert not v.would_block("not.a.token"), "a malformed token fails before any key lookup"
    assert not v.would_block(b""), "an empty token too"


def test_would_block_after_a_failed_fetch_is_false_while_backing_off(server):
    server.status = 500
    v = remote_verifier(server)
    assert v.would_block(token())
    with pytest.raises(jwkskit.KeysUnavailable):
        v.verify(token())
    assert not v.would_block(token()), "the retry is not due: verification fails at once"


def test_would_block_is_false_for_a_static_key_set():
    v = jwkskit.Verifier.from_jwks(jwks_of(key("RS256")), audiences=AUDIENCE)
    assert not v.would_block(token())
    v.close()
    with pytest.raises(jwkskit.VerifierClosed):
        v.would_block(token())


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0

    def submit(self, *args, **kwargs):  # type: ignore[override]
        self.submitted += 1
        return super().submit(*args, **kwargs)


def run_with_executor(coro_fn):
    async def main(executor):
        asyncio.get_running_loop().set_default_executor(executor)
        return await coro_fn()

    executor = CountingExecutor()
    try:
        return asyncio.run(main(executor)), executor.submitted
    finally:
        executor.shutdown()


def test_verify_async_uses_a_thread_only_when_a_fetch_is_pending(server):
    v = remote_verifier(server)
    t = token()
    claims, threads = run_with_executor(lambda: v.verify_async(t))
    assert claims["sub"] == "user-42" and threads == 1, "cold: off the loop"
    claims, threads = run_with_executor(lambda: v.verify_async(t))
    assert claims["sub"] == "user-42" and threads == 0, "keys cached: a direct call"
    with pytest.raises(jwkskit.WrongAudience):
        run_with_executor(lambda: v.verify_async(token(aud="api://other")))


def _app(verifier_cold, verifier_warm, blocking: bool):
    """/slow needs the cold verifier, /fast a warm one, /health none: all on one event loop."""
    app = FastAPI()
    if blocking:
        # What the integration must not do: a synchronous verify on the event loop.
        async def slow_dep(request: Request):
            return verifier_cold.verify(request.headers["authorization"].split()[1])
    else:
        slow_dep = BearerClaims(verifier_cold)  # type: ignore[assignment]

    @app.get("/slow")
    async def slow(claims: dict = Depends(slow_dep)):
        return {"user": claims["sub"]}

    @app.get("/fast")
    async def fast(claims: dict = Depends(BearerClaims(verifier_warm))):
        return {"user": claims["sub"]}

    @app.get("/health")
    async def health():
        return {"ok": True}

    return app


def _latencies_during_a_slow_fetch(server, blocking: bool):
    server.delay = 2.0
    cold = remote_verifier(server)
    warm = jwkskit.Verifier.from_jwks(jwks_of(key("RS256")), audiences=AUDIENCE)
    s = Uvicorn(_app(cold, warm, blocking))
    try:
        slow = {}

        def call_slow():
            t0 = time.monotonic()
            slow["r"] = get(s.base, "/slow", auth="Bearer " + token())
            slow["t"] = time.monotonic() - t0

        thread = threading.Thread(target=call_slow)
        thread.start()
        deadline = time.monotonic() + 5
        while server.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.count() == 1, "the key fetch started"
        latencies = []
        with httpx.Client(timeout=30) as client:
            for path in ("/health", "/fast") * 3:
                t0 = time.monotonic()
                r = client.get(s.base + path, headers={"Authorization": "Bearer " + token()})
                latencies.append(time.monotonic() - t0)
                assert r.status_code == 200, r.text
        fetch_running = thread.is_alive()
        thread.join(30)
        assert slow["r"].status_code == 200 and slow["t"] >= 1.9
        return latencies, fetch_running
    finally:
        s.close()


def test_other_requests_are_served_while_a_key_fetch_of_two_seconds_runs(server):
    latencies, fetch_running = _latencies_during_a_slow_fetch(server, blocking=False)
    assert fetch_running, "every other request finished while the fetch was still running"
    # "Well under 2 s", with room for a loaded machine; the control below stalls for ~2 s.
    assert max(latencies) < 1.0, latencies


def test_the_event_loop_test_detects_a_blocking_verify(server):
    """The control: a dependency that verifies synchronously on the loop stalls the others."""
    latencies, _ = _latencies_during_a_slow_fetch(server, blocking=True)
    assert max(latencies) > 1.5, latencies
