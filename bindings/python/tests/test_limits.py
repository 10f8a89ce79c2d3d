"""Extreme values through every numeric option: 0, 1, the largest value of the C parameter
(2**32 - 1 or SIZE_MAX), one past it, huge timedeltas. Each either works (a verifier over a URL
is made and verifies, twice so that the token cache answers) or raises InvalidArgument: never a
crash, a hang or a huge allocation. Whether a value is taken is decided by the library (the core's
options catalogue, whose ranges ``_generated.OPTIONS`` carries): this package only refuses what
the C parameter cannot hold.
"""

from __future__ import annotations

import ctypes
import datetime
from typing import Any, List, Optional, Tuple

import pytest

import jwkskit
from jwkskit._generated import OPTIONS, Option

from conftest import AUDIENCE, NOW, claims, jwks_of, key

U32_MAX = 2**32 - 1
SIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1

NUMERIC = [o for o in OPTIONS if o.unit in ("seconds", "milliseconds", "bytes", "count")]


def _c_max(option: Option) -> int:
    return SIZE_MAX if option.unit == "bytes" else U32_MAX


def _values(option: Option) -> List[Tuple[Any, Optional[int]]]:
    """(Python value, the number the C setter gets, or None when Python cannot pass it)."""
    top = _c_max(option)
    if option.unit == "milliseconds":
        # Given in seconds, passed in milliseconds.
        return [
            (0, 0),
            (0.001, 1),
            (1, 1000),
            (top // 1000, top // 1000 * 1000),
            (top / 1000 + 1, None),
            (datetime.timedelta.max, None),
        ]
    values: List[Tuple[Any, Optional[int]]] = [(0, 0), (1, 1), (top, top), (top + 1, None)]
    if option.unit == "seconds":
        values.append((datetime.timedelta.max, None))
    return values


def _taken(option: Option, n: int) -> bool:
    """Whether the core's range takes ``n`` (in the C setter's unit)."""
    if n == 0 and option.zero_is_off:
        return True
    low = option.low if option.low is not None else 0
    high = option.high if option.high is not None else _c_max(option)
    return low <= n <= high


@pytest.fixture
def served(server):
    k = key("EdDSA", "limits-1")
    server.jwks = jwks_of(k)
    return k.sign(claims())


def _cases():
    for option in NUMERIC:
        for value, n in _values(option):
            yield pytest.param(option, value, n, id=f"{option.name}={value!r}")


@pytest.mark.parametrize("option,value,n", list(_cases()))
def test_every_numeric_option_at_its_extremes_works_or_is_refused(server, served, option, value, n):
    given = {option.name: value}
    if option.name == "cache_ttl":
        # The ttl must lie within the bounds (checked at creation): widen them, so that only the
        # ttl's own range decides.
        given["cache_ttl_bounds"] = (1, U32_MAX)
    try:
        v = jwkskit.Verifier.from_url(server.url, allow_http=True, audiences=AUDIENCE, **given)
    except jwkskit.InvalidArgument as e:
        assert n is None or not _taken(option, n), f"{option.name}={value!r} refused: {e}"
        assert option.name in str(e)
        if n is not None and option.range:
            assert option.range in str(e), "the refusal states the core's range"
        return
    assert n is not None and _taken(option, n), f"{option.name}={value!r} was taken"
    with v:
        for _ in range(2):
            try:
                v.verify(served, now=NOW)
            except jwkskit.TokenRejected:
                pass  # e.g. max_token_age=1 s: the token is older; a verdict, not a failure
            except jwkskit.KeysUnavailable:
                # A 1 ms timeout may fail to fetch from loopback: an answer, not a failure.
                assert option.unit == "milliseconds"
        for now in (-(2**63), -1, 0, 2**63 - 1):
            try:
                v.verify(served, now=now)
            except jwkskit.TokenRejected:
                pass
            except jwkskit.KeysUnavailable:
                assert option.unit == "milliseconds"


def test_every_option_at_its_largest_together(server, served):
    """The token cache as large as C can ask (taken as entries come, not up front), keys kept
    for ever, the longest timeouts: a verifier that works."""
    with jwkskit.Verifier.from_url(
        server.url,
        allow_http=True,
        audiences=AUDIENCE,
        token_cache=U32_MAX,
        token_cache_bytes=SIZE_MAX,
        token_cache_max_reuse=86400,
        leeway=86400,
        max_token_age=U32_MAX,
        cache_ttl=U32_MAX,
        cache_ttl_bounds=(1, U32_MAX),
        refresh_cooldown=U32_MAX,
        max_stale=U32_MAX,
        http_timeout=3600,
        connect_timeout=3600,
        max_response_size=SIZE_MAX,
        max_keys=U32_MAX,
    ) as v:
        assert v.verify(served, now=NOW)["sub"]
        assert v.verify(served, now=NOW)["sub"]
        stats = v.token_cache_stats()
        assert stats.hits >= 1 and stats.max_entries == U32_MAX and stats.max_bytes == SIZE_MAX


def test_the_python_table_states_the_ranges_the_library_applies():
    """For every numeric option: its low bound and its high bound are taken by the C setter,
    one past either is refused (the table is generated from the core; this checks the setter
    agrees with it at run time)."""
    lib = jwkskit._ffi.lib
    for option in NUMERIC:
        if option.low is None:
            continue
        setter = getattr(lib, option.setter)
        top = _c_max(option)
        probes = [(option.low, True), (option.high, True)]
        if option.low > 0 and not (option.zero_is_off and option.low == 1):
            probes.append((option.low - 1, False))
        if option.high < top:
            probes.append((option.high + 1, False))
        for n, want in probes:
            opts = lib.jwks_options_new()
            try:
                rc = setter(opts, n)
            finally:
                lib.jwks_options_free(opts)
            assert (rc == 0) == want, f"{option.setter}({n}) returned {rc}"
