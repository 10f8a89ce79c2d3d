"""verify() is re-entrant: a signal handler that verifies in the middle of another verification
on the same thread gets its own answer, and the interrupted call still gets its own."""

from __future__ import annotations

import signal
import sys
import time

import pytest

import jwkskit

from conftest import AUDIENCE, ISSUER, NOW, claims, jwks_of, key

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)"
)

SECONDS = 4.0


def test_verify_from_a_signal_handler_in_a_loop():
    k = key("EdDSA", "ed-reentry")
    # Three tokens of three lengths: the main loop alternates two of them, so that its
    # per-call state changes on every call, and the handler verifies the third.
    short = k.sign(claims(n=1))
    long = k.sign(claims(n=2, pad="x" * 40))
    other = k.sign(claims(n=3, pad="y" * 400))
    assert len({len(short), len(long), len(other)}) == 3
    failures = []
    handled = [0]
    with jwkskit.Verifier.from_jwks(jwks_of(k), issuers=ISSUER, audiences=AUDIENCE) as v:

        def handler(signum, frame):
            try:
                got = v.verify(other, now=NOW)
                if got.get("n") != 3:
                    failures.append(("handler", got))
            except jwkskit.JwksError as e:
                failures.append(("handler", repr(e)))
            handled[0] += 1

        previous = signal.signal(signal.SIGALRM, handler)
        # A short interval: the interpreter runs the handler at the next bytecode boundary
        # that checks for signals, which lands anywhere inside verify().
        signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
        try:
            deadline = time.monotonic() + SECONDS
            calls = 0
            while time.monotonic() < deadline:
                for token, n in ((short, 1), (long, 2)):
                    try:
                        got = v.verify(token, now=NOW)
                        if got.get("n") != n:
                            failures.append(("main", got))
                    except jwkskit.JwksError as e:
                        failures.append(("main", repr(e)))
                    try:
                        t = v.verify_token(token, now=NOW)
                        if t.claims.get("n") != n:
                            failures.append(("main token", t.claims))
                    except jwkskit.JwksError as e:
                        failures.append(("main token", repr(e)))
                    calls += 2
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, previous)
    print(f"{calls} calls, {handled[0]} handler calls, {len(failures)} failures", file=sys.stderr)
    assert handled[0] > 1000, f"the handler ran only {handled[0]} times"
    assert not failures, f"{len(failures)} wrong answers, first: {failures[:3]}"
