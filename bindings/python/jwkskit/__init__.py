"""Verify JSON Web Tokens against JSON Web Key Sets, with libjwks (Rust, ring) doing the work.

>>> import jwkskit
>>> verifier = jwkskit.Verifier.from_url(
...     "https://login.example.com/.well-known/jwks.json",
...     issuers="https://login.example.com/", audiences="api://orders")
>>> claims = verifier.verify(bearer_token)           # doctest: +SKIP

Every failure is a :class:`JwksError`; catch :class:`TokenRejected` (answer 401),
:class:`KeysUnavailable` (answer 503) or one of the per-code subclasses
(:class:`ExpiredToken`, :class:`BadSignature`, ...).
"""

from __future__ import annotations

from . import _ffi
from ._options import FromIssuersOptions, VerifierOptions
from ._request import ClientCert, NonceSource, Refusal, ReplayStore, ReplayVerdict, Request
from ._verifier import DPoPStats, KeySet, Stats, Token, TokenCacheStats, VerifiedToken, Verifier, check_scope
from .errors import *  # noqa: F401,F403
from .errors import CODE_NAMES, Category, JwksError, __all__ as _errors_all

__version__ = "0.2.0"

#: The version of the loaded libjwks, e.g. ``"0.2.0"``.
library_version: str = _ffi.library_version
#: The path of the loaded libjwks.
library_path: str = str(_ffi.library_path)


def result_name(code: int) -> str:
    """The stable name of a result code, e.g. ``"BAD_SIGNATURE"`` (``"UNKNOWN"`` if none)."""
    return str(_ffi.lib.jwks_result_name(code).decode("ascii"))


def result_description(code: int) -> str:
    """A one-line English description of a result code."""
    return str(_ffi.lib.jwks_result_description(code).decode("utf-8", "replace"))


__all__ = [
    "Verifier",
    "VerifiedToken",
    "Stats",
    "TokenCacheStats",
    "DPoPStats",
    "Token",
    "KeySet",
    "check_scope",
    "Request",
    "ClientCert",
    "Refusal",
    "ReplayVerdict",
    "ReplayStore",
    "NonceSource",
    "VerifierOptions",
    "FromIssuersOptions",
    "library_version",
    "library_path",
    "result_name",
    "result_description",
    *_errors_all,
]
