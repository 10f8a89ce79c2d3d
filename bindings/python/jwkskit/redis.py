"""A DPoP replay store in Redis, shared by every process of a fleet (``pip install
jwkskit[redis]``, the ``redis`` package).

::

    import redis
    from jwkskit.redis import RedisReplayStore

    store = RedisReplayStore(redis.Redis(host="replay.internal", socket_timeout=0.2))
    verifier = jwkskit.Verifier.from_issuer(issuer, token_scheme="dpop", dpop_replay_store=store)

Each proof's key is recorded with ``SET <prefix><key> 1 NX EXAT <expires_at>``: atomic, so
that of two processes given the same proof at once exactly one accepts it, and dropped by Redis
when the proof's window ends. When Redis fails (unreachable, timed out, an error answer) the
proof is refused (``ReplayStoreUnavailable``, answer 503), never accepted unrecorded: give the
client a short ``socket_timeout`` so that a slow Redis costs a request little. The store is
called from any thread, concurrently: a ``redis.Redis`` client is thread-safe (it pools its
connections).
"""

from __future__ import annotations

import logging
from typing import Any

import redis as _redis

from ._request import ReplayVerdict

__all__ = ["RedisReplayStore"]

_log = logging.getLogger("jwkskit")


class RedisReplayStore:
    """A replay store for ``dpop_replay_store=``, over a ``redis.Redis`` client.

    Args:
        client: a ``redis.Redis`` (or ``redis.RedisCluster``) client, shared by every verifier
            of the process.
        prefix: what every key starts with, so that the proofs' keys keep to a name space of
            their own (default ``"jwkskit:dpop:"``).
    """

    def __init__(self, client: Any, prefix: str = "jwkskit:dpop:") -> None:
        if not hasattr(client, "set"):
            raise TypeError(f"client: expected a redis.Redis client, got {type(client).__name__}")
        if not isinstance(prefix, str):
            raise TypeError(f"prefix: expected str, got {type(prefix).__name__}")
        self.client = client
        self.prefix = prefix

    def __call__(self, key: str, expires_at: int, now: int) -> ReplayVerdict:
        """Records ``key`` until ``expires_at`` unless it is recorded already."""
        try:
            # EXAT: the record lasts until the proof's window ends, whatever the clocks of the
            # other processes (a record counts while now <= expires_at: it goes a second
            # later); NX: only the first of concurrent SETs of one key succeeds.
            recorded = self.client.set(self.prefix + key, b"1", nx=True, exat=max(int(expires_at), int(now)) + 1)
        except _redis.RedisError as e:
            _log.warning("jwkskit: the Redis replay store failed (%s); the proof is refused", e)
            return ReplayVerdict.UNAVAILABLE
        return ReplayVerdict.FRESH if recorded else ReplayVerdict.SEEN

    check = __call__

    def __repr__(self) -> str:
        return f"RedisReplayStore({self.client!r}, prefix={self.prefix!r})"
