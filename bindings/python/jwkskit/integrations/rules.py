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

Scopes (RFC 9068 §2.2.3, RFC 8693 §4.2) are read by the library, the same way in every
language (:meth:`jwkskit.VerifiedToken.scopes`): ``scope``, a string split on the space
character alone (a tab, NBSP, NEL or U+3000 is part of a scope), then ``scp``, such a string
or an array of strings each taken whole. A token carrying either claim in another shape is
rejected (``invalid_token``) when scopes are required; a token with neither has no scopes.
Required scopes are checked when they are given (:func:`jwkskit.check_scope`: printable ASCII
without space, ``"`` or ``\\``), so that a misspelt one fails at start-up, not on requests.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Generic, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import parse_qsl

from .._verifier import VerifiedToken, Verifier, _scope_array, check_scope
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


def token_scopes(token: VerifiedToken) -> Tuple[str, ...]:
    """The scopes a verified token grants, in order, read by the library (see
    :meth:`jwkskit.VerifiedToken.scopes`). Raises :class:`jwkskit.InvalidClaim` if ``scope``
    or ``scp`` has another shape."""
    return token.scopes()


def required_scopes(scopes: Union[None, str, Iterable[str]]) -> Tuple[str, ...]:
    """Required scopes, given as one string of scopes separated by spaces (RFC 6749 §3.3: the
    space character alone) or as an iterable of scopes, each checked by the library
    (:func:`jwkskit.check_scope`; :class:`jwkskit.InvalidArgument`, a ``ValueError``, if one
    is not a valid scope). Duplicates are dropped."""
    if scopes is None:
        return ()
    if isinstance(scopes, str):
        items = [s for s in scopes.split(" ") if s]
    else:
        items = list(scopes)
    for s in items:
        check_scope(s)
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
        # The required scopes as the library takes them, by the extra scopes of a route:
        # made once per route, not per request.
        self._arrays: Dict[Tuple[str, ...], Any] = {(): (self.scopes, _scope_array(self.scopes))}
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

    def _requires_scopes(self, extra: Iterable[str]) -> bool:
        return bool(self.scopes or extra)

    def check_scopes(self, token: VerifiedToken, extra: Iterable[str] = ()) -> None:
        """Raises :class:`AuthError` 403 unless ``token`` grants every required scope (those
        of the rules and ``extra``), 401 ``invalid_token`` if its scopes cannot be read."""
        if not self.scopes and not extra:
            return  # nothing required (most requests of most services): no work
        if isinstance(extra, str):
            key: Tuple[str, ...] = tuple(s for s in extra.split(" ") if s)
        else:
            key = extra if isinstance(extra, tuple) else tuple(extra)
        known = self._arrays.get(key)
        if known is None:
            needed = self.scopes + tuple(s for s in required_scopes(key) if s not in self.scopes)
            known = (needed, _scope_array(needed))
            if len(self._arrays) < 256:  # a few per route; bounded whatever the callers pass
                self._arrays[key] = known
        needed, array = known
        if not needed:
            return
        try:
            granted = token._has_scopes(array)
        except TokenRejected:
            raise AuthError(401, "invalid_token", "the token has an invalid scope claim", realm=self.realm) from None
        if not granted:
            raise AuthError(
                403,
                "insufficient_scope",
                "the token lacks a required scope",
                realm=self.realm,
                scope=" ".join(needed),
            )

    def authenticate_token(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> VerifiedToken:
        """The verified token of a request, or :class:`AuthError`. Blocks while keys are
        fetched: for threads (WSGI), not event loops."""
        token = _credential(authorization, query_string, self.realm)
        try:
            verified = self.verifier.verify_token(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None
        self.check_scopes(verified, scopes)
        return verified

    def authenticate(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> Dict[str, Any]:
        """The verified claims of a request (see :meth:`authenticate_token`). With no scope to
        check, this is the one-call :meth:`jwkskit.Verifier.verify`, which hands back the claims
        without making a token object."""
        if self._requires_scopes(scopes):
            return self.authenticate_token(authorization, query_string, scopes).claims
        token = _credential(authorization, query_string, self.realm)
        try:
            return self.verifier.verify(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None

    async def authenticate_token_async(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> VerifiedToken:
        """Like :meth:`authenticate_token`, for event loops: a verification that would wait
        for a key fetch runs on a worker thread (see :meth:`jwkskit.Verifier.would_block`)."""
        token = _credential(authorization, query_string, self.realm)
        try:
            if self.verifier.would_block(token):
                import asyncio

                loop = asyncio.get_running_loop()
                verified = await loop.run_in_executor(None, self.verifier.verify_token, token)
            else:
                verified = self.verifier.verify_token(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None
        self.check_scopes(verified, scopes)
        return verified

    async def authenticate_async(
        self, authorization: Sequence[str], query_string: Union[str, bytes] = "", scopes: Iterable[str] = ()
    ) -> Dict[str, Any]:
        """The verified claims of a request (see :meth:`authenticate_token_async`); with no
        scope to check, :meth:`jwkskit.Verifier.verify_async` hands back the claims at once."""
        if self._requires_scopes(scopes):
            return (await self.authenticate_token_async(authorization, query_string, scopes)).claims
        token = _credential(authorization, query_string, self.realm)
        try:
            return await self.verifier.verify_async(token)
        except JwksError as e:
            raise self._refusal_of(token, e) from None


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
