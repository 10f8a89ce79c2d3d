"""The rules every integration shares: reading the bearer token, reading scopes, and the
RFC 6750 answer for each failure. No framework is imported here.

Answers (RFC 6750 §3):

====================================  ======  ==============================================
case                                  status  ``WWW-Authenticate`` / headers
====================================  ======  ==============================================
no ``Authorization: Bearer`` header   401     ``Bearer`` (no error code, §3.1)
malformed header, several headers or  400     ``Bearer error="invalid_request"``
credentials, token in the query
token rejected (expired, bad          401     ``Bearer error="invalid_token",
signature, wrong audience, ...)               error_description="..."``
token lacks a required scope          403     ``Bearer error="insufficient_scope",
                                              scope="..."``
keys unavailable (key endpoint down)  503     ``Retry-After: N``
====================================  ======  ==============================================

The ``error_description`` is the result code's one-line description, the same in every
language (:attr:`jwkskit.JwksError.description`; the Go middleware and gRPC interceptors send
the same text), never the library's detailed message, which may name key ids or URLs. The body is JSON: ``{"error": ...,
"error_description": ...}``.

The header (RFC 6750 §2.1, RFC 7235): exactly one ``Authorization`` header whose value is the
scheme ``Bearer``, matched case-insensitively, one or more spaces, and one token68 credential.
Any other scheme (``Basic ...``) counts as no bearer token. An ``access_token`` query parameter
(RFC 6750 §2.3) is refused even next to a valid header, since query strings end up in logs;
form-encoded body tokens (§2.2) are not read.

Scopes (RFC 9068 §2.2.3, RFC 8693 §4.2): the union of ``scope``, a space-separated string,
and ``scp``, an array of strings or a space-separated string. A token carrying either claim
in another shape is rejected (``invalid_token``) when scopes are required; a token with
neither has no scopes.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, FrozenSet, Generic, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import parse_qsl

from .._verifier import Verifier
from ..errors import JwksError, KeysUnavailable, TokenRejected

__all__ = ["AuthError", "BearerRules", "bearer_token", "token_scopes", "required_scopes"]

# RFC 7235 §2.1 token68.
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_BEARER = re.compile(r"bearer +(.*)", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

Headers = List[Tuple[str, str]]


class AuthError(Exception):
    """A request refused: the HTTP status, headers and JSON body to answer with."""

    def __init__(
        self,
        status: int,
        error: Optional[str],
        description: Optional[str] = None,
        *,
        realm: Optional[str] = None,
        scope: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(description or error or "authentication required")
        #: The HTTP status: 400, 401, 403 or 503.
        self.status = status
        #: The RFC 6750 error code, or None (no token at all, or keys unavailable).
        self.error = error
        #: A short description that names no key, URL or token content.
        self.description = description
        #: The scopes the request needed (403 only), space-separated.
        self.scope = scope
        self.headers: Headers = []
        if status != 503:
            params = []
            if realm is not None:
                params.append(f'realm="{_quote(realm)}"')
            if error is not None:
                params.append(f'error="{error}"')
            if description is not None:
                params.append(f'error_description="{_quote(description)}"')
            if scope is not None:
                params.append(f'scope="{_quote(scope)}"')
            self.headers.append(("WWW-Authenticate", "Bearer" + (" " + ", ".join(params) if params else "")))
        if retry_after is not None:
            self.headers.append(("Retry-After", str(retry_after)))

    @property
    def body(self) -> Dict[str, str]:
        """The JSON body as a dict."""
        out = {"error": self.error or ("temporarily_unavailable" if self.status == 503 else "unauthorized")}
        if self.description:
            out["error_description"] = self.description
        if self.scope:
            out["scope"] = self.scope
        return out

    def body_bytes(self) -> bytes:
        """The JSON body, encoded."""
        return json.dumps(self.body).encode("utf-8")

    def response_headers(self) -> Headers:
        """The headers of the answer, ``Content-Type`` included."""
        return [("Content-Type", "application/json"), *self.headers]


def _quote(text: str) -> str:
    # RFC 6750 §3: error_description and scope exclude '"' and '\\'; keep printable ASCII.
    return "".join(c for c in text if 0x20 <= ord(c) < 0x7F and c not in '"\\')


def bearer_token(authorization: Sequence[str], query_string: Union[str, bytes] = "", *, realm: Optional[str] = None) -> str:
    """The bearer token of a request, from every ``Authorization`` header value it carried and
    its raw query string. Raises :class:`AuthError` (401 when there is none, 400 when the
    request is malformed)."""
    credential = _credential(authorization, query_string, realm)
    if not _TOKEN68.fullmatch(credential):
        raise _not_token68(realm)
    return credential


def _credential(authorization: Sequence[str], query_string: Union[str, bytes], realm: Optional[str]) -> str:
    """:func:`bearer_token` without its last check, that the credential is one token68:
    :meth:`BearerRules.authenticate` makes that check only when the verifier refuses the
    token, since a token it verifies is made of base64url characters and dots, all token68
    characters (scanning a ~700-character token costs a good part of a cached verification)."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    if query_string and any(k == "access_token" for k, _ in parse_qsl(query_string, keep_blank_values=True)):
        raise AuthError(400, "invalid_request", "access tokens are not accepted in the query string", realm=realm)
    if not authorization:
        raise AuthError(401, None, realm=realm)
    if len(authorization) > 1:
        raise AuthError(400, "invalid_request", "more than one Authorization header", realm=realm)
    value = authorization[0].strip(" \t")
    m = _BEARER.fullmatch(value)
    if m is None:
        scheme = value.split(" ", 1)[0]
        if value and _SCHEME.fullmatch(scheme) and scheme.lower() != "bearer":
            # Another scheme (Basic, Digest, ...): this resource needs a bearer token.
            raise AuthError(401, None, realm=realm)
        raise AuthError(400, "invalid_request", "the Authorization header is not 'Bearer <token>'", realm=realm)
    credential: str = m.group(1).strip(" ")
    if not credential:
        raise _not_token68(realm)
    return credential


def _not_token68(realm: Optional[str]) -> AuthError:
    return AuthError(400, "invalid_request", "the Authorization header is not 'Bearer <token>'", realm=realm)


def token_scopes(claims: Mapping[str, Any]) -> FrozenSet[str]:
    """The scopes a token grants: ``scope`` (space-separated string) together with ``scp``
    (array of strings, or space-separated string). Raises ``ValueError`` if either claim has
    another shape."""
    out: set = set()
    scope = claims.get("scope")
    if scope is not None:
        if not isinstance(scope, str):
            raise ValueError("the scope claim is not a string")
        out.update(scope.split())
    scp = claims.get("scp")
    if scp is not None:
        if isinstance(scp, str):
            out.update(scp.split())
        elif isinstance(scp, list) and all(isinstance(s, str) for s in scp):
            for s in scp:
                out.update(s.split())
        else:
            raise ValueError("the scp claim is not a string or an array of strings")
    return frozenset(out)


def required_scopes(scopes: Union[None, str, Iterable[str]]) -> Tuple[str, ...]:
    """Scopes given as one space-separated string or an iterable, validated (RFC 6749 §3.3)."""
    if scopes is None:
        return ()
    items = scopes.split() if isinstance(scopes, str) else [s for group in scopes for s in group.split()]
    for s in items:
        if not all(0x21 <= ord(c) <= 0x7E and c not in '"\\' for c in s):
            raise ValueError(f"invalid scope {s!r}")
    return tuple(dict.fromkeys(items))


class BearerRules:
    """A verifier plus the answer settings: authenticates one request's credentials.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with (shared, thread-safe).
        scopes: scopes every request must have (a space-separated string or an iterable).
        realm: the ``realm`` of ``WWW-Authenticate``, if wanted.
        retry_after: seconds in ``Retry-After`` when the keys are unavailable (default 5).
    """

    def __init__(
        self,
        verifier: Verifier,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        realm: Optional[str] = None,
        retry_after: int = 5,
    ) -> None:
        if not isinstance(verifier, Verifier):
            raise TypeError(f"verifier: expected a jwkskit.Verifier, got {type(verifier).__name__}")
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError(f"retry_after: expected a whole number of seconds >= 0, got {retry_after!r}")
        self.verifier = verifier
        self.scopes = required_scopes(scopes)
        self.realm = realm
        self.retry_after = retry_after

    def token(self, authorization: Sequence[str], query_string: Union[str, bytes] = "") -> str:
        """The request's bearer token (see :func:`bearer_token`)."""
        return bearer_token(authorization, query_string, realm=self.realm)

    def refusal(self, e: JwksError) -> AuthError:
        """The answer for a verification failure; misuse (a closed verifier, ...) is re-raised."""
        if isinstance(e, TokenRejected):
            # The code's one-line description, the same in every language: never the library's
            # detailed message, which may name key ids, issuers or URLs.
            desc = e.description
            return AuthError(401, "invalid_token", desc, realm=self.realm)
        if isinstance(e, KeysUnavailable):
            return AuthError(503, None, "the signing keys are unavailable; retry later", retry_after=self.retry_after)
        raise e

    def _refusal_of(self, credential: str, e: JwksError) -> AuthError:
        """The answer when the verifier refused ``credential``: 400 if it is not even a token68
        (see :func:`_credential`), else :meth:`refusal`."""
        if not _TOKEN68.fullmatch(credential):
            return _not_token68(self.realm)
        return self.refusal(e)

    def check_scopes(self, claims: Mapping[str, Any], extra: Iterable[str] = ()) -> None:
        """Raises :class:`AuthError` 403 unless ``claims`` grant every required scope."""
        if not self.scopes and not extra:
            return  # nothing required (most requests of most services): no work
        needed = self.scopes + tuple(s for s in required_scopes(extra) if s not in self.scopes)
        if not needed:
            return
        try:
            granted = token_scopes(claims)
        except ValueError as e:
            raise AuthError(401, "invalid_token", str(e), realm=self.realm) from None
        if not all(s in granted for s in needed):
            raise AuthError(
                403,
                "insufficient_scope",
                "the token lacks a required scope",
                realm=self.realm,
                scope=" ".join(needed),
            )

    def authenticate(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> Dict[str, Any]:
        """The verified claims of a request, or :class:`AuthError`. Blocks while keys are
        fetched: for threads (WSGI), not event loops."""
        token = _credential(authorization, query_string, self.realm)
        try:
            claims = self.verifier.verify(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None
        self.check_scopes(claims, scopes)
        return claims

    async def authenticate_async(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> Dict[str, Any]:
        """Like :meth:`authenticate`, for event loops: a verification that would wait for a key
        fetch runs on a worker thread (see :meth:`jwkskit.Verifier.verify_async`)."""
        token = _credential(authorization, query_string, self.realm)
        try:
            claims = await self.verifier.verify_async(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None
        self.check_scopes(claims, scopes)
        return claims


_App = TypeVar("_App")


class MiddlewareBase(Generic[_App]):
    """What the ASGI and WSGI middleware share: the wrapped app, the rules and the paths served
    without a token. Each middleware documents its arguments."""

    def __init__(
        self,
        app: _App,
        verifier: Verifier,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        exempt_paths: Iterable[str] = (),
        realm: Optional[str] = None,
        retry_after: int = 5,
    ) -> None:
        self.app = app
        self.rules = BearerRules(verifier, scopes=scopes, realm=realm, retry_after=retry_after)
        self.exempt_paths = frozenset(exempt_paths)
