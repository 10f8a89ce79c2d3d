"""Fork safety: a child process inherits a remote verifier and uses it, including when the
parent had a key fetch in flight (in another thread) at the moment of the fork.

Each child is watched with a deadline, so a hang fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback

import pytest

import jwkskit

from conftest import AUDIENCE, NOW, claims, jwks_of, key

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")

CHILD_DEADLINE = 30.0


def run_in_child(body) -> None:
    """Runs body() in a forked child; fails with the child's traceback, or if it hangs."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running any parent cleanup
        os.close(read_fd)
        status = 0
        try:
            body()
        except BaseException:  # noqa: BLE001
            os.write(write_fd, traceback.format_exc().encode())
            status = 1
        os.close(write_fd)
        os._exit(status)
    os.close(write_fd)
    deadline = time.monotonic() + CHILD_DEADLINE
    status = None
    while time.monotonic() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        time.sleep(0.02)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_fd)
        pytest.fail(f"the forked child hung for {CHILD_DEADLINE:.0f} s and was killed")
    report = b""
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        report += chunk
    os.close(read_fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (
        f"child failed (status {status}):\n{report.decode(errors='replace')}"
    )


def test_child_verifies_and_refreshes(server):
    old, new = key("EdDSA", "old"), key("ES256", "new")
    server.jwks = jwks_of(old)
    token = old.sign(claims())
    with jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE, refresh_cooldown=0) as v:
        assert v.verify(token, now=NOW)
        assert server.count() == 1
        server.jwks = jwks_of(old, new)

        def child() -> None:
            assert v.verify(token, now=NOW)["sub"] == "user-1"  # the inherited cache
            v.refresh()
            assert v.last_error() is None
            assert v.verify(new.sign(claims()), now=NOW)["sub"] == "user-1"
            assert v.stats().key_count == 2
            v.close()
            with pytest.raises(jwkskit.VerifierClosed):
                v.verify(token, now=NOW)

        run_in_child(child)
        # The parent is unaffected, and the child's fetch reached the server.
        assert v.verify(token, now=NOW)
        assert server.count() >= 2


def test_fork_during_a_fetch_in_flight(server):
    """The parent has a refresh in flight in another thread when it forks. The child has no
    such thread: its own refresh and unknown-kid fetches must not wait on it forever."""
    k, later = key("EdDSA", "ed-1"), key("EdDSA", "later")
    server.jwks = jwks_of(k)
    token = k.sign(claims())
    with jwkskit.Verifier.from_url(
        server.url, allow_http=True, audiences=AUDIENCE, http_timeout=10, refresh_cooldown=0
    ) as v:
        assert v.verify(token, now=NOW)
        server.delay = 1.5
        server.jwks = jwks_of(k, later)
        inflight = threading.Thread(target=v.refresh)
        inflight.start()
        deadline = time.monotonic() + 10
        while server.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.count() == 2, "the parent's refresh did not start"

        def child() -> None:
            assert v.verify(token, now=NOW)["sub"] == "user-1"
            start = time.monotonic()
            v.refresh()
            assert time.monotonic() - start < 15
            assert v.verify(later.sign(claims()), now=NOW)["sub"] == "user-1"

        run_in_child(child)
        inflight.join(timeout=30)
        assert not inflight.is_alive()
        assert v.verify(later.sign(claims()), now=NOW)


def test_fork_while_other_threads_verify(server):
    """Threads inside verify() at the fork never return in the child; the child's verifier
    still works and can be closed (its in-flight counter and lock are renewed)."""
    k = key("RS256", "rsa-1")
    server.jwks = jwks_of(k)
    token = k.sign(claims())
    v = jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE)
    assert v.verify(token, now=NOW)
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            v.verify(token, now=NOW)

    threads = [threading.Thread(target=spin) for _ in range(4)]
    for th in threads:
        th.start()
    try:
        for _ in range(5):

            def child() -> None:
                for _ in range(20):
                    assert v.verify(token, now=NOW)["sub"] == "user-1"
                v.refresh()
                v.close()
                assert v.closed
                assert v._owned is None, "calls the parent's threads had in progress still count"

            run_in_child(child)
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=30)
    v.close()
