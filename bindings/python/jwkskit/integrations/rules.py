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

DPoP (RFC 9449) and certificate-bound tokens (RFC 8705): a route accepts the schemes its
``token_scheme`` says (``"bearer"``, ``"dpop"`` or ``"either"``; by default the verifier's
``token_scheme`` option). A route that accepts ``DPoP`` (or whose verifier requires certificate
binding) verifies the whole request with :meth:`jwkskit.Verifier.verify_request` and answers
refusals with the library's :meth:`jwkskit.Verifier.refusal` (RFC 9449 §7.1): the status,
every ``WWW-Authenticate`` challenge as its own header (``DPoP algs="..."``, and ``Bearer``
beside it when both schemes are accepted, the error on the scheme the client used), and a
``DPoP-Nonce`` header for ``use_dpop_nonce``; an accepted request whose proof carried a nonce
that is no longer the current one gets the new nonce in a ``DPoP-Nonce`` header of the
response. A bearer-only route keeps the one-call :meth:`jwkskit.Verifier.verify` and answers
as above; a token carrying ``cnf`` (bound to a key or a certificate), which the library
refuses when verified alone, is then verified as a request, so that a DPoP-bound token sent as
``Bearer`` is refused (RFC 9449 §7.2) and a certificate-bound one is checked against the
certificate.

The request URI a DPoP proof's ``htu`` must match is built from the request: scheme, host
(``Host``) and path. Behind a proxy, or wherever the ``Host`` header is not checked, give the
external base URL (``public_url="https://api.example.com"``, with the path prefix the proxy
strips, if any): the URI is then that base plus the request's path.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Generic, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import parse_qsl

from urllib.parse import quote, urlsplit

from .._request import ClientCert, Refusal, Request, check_token_scheme
from .._verifier import VerifiedToken, Verifier, _scope_array, check_scope
from ..errors import BoundTokenAsBearer, InvalidArgument, JwksError, KeysUnavailable, TokenRejected, VerifierClosed

__all__ = [
    "AuthError",
    "BearerRules",
    "Credentials",
    "bearer_token",
    "token_scopes",
    "required_scopes",
    "request_path",
]

#: Result codes the integrations answer with the library's refusal.
_INVALID_REQUEST = 19
_INSUFFICIENT_SCOPE = 21
_INVALID_CLAIM = 16

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
        challenges: Optional[Sequence[str]] = None,
        dpop_nonce: Optional[str] = None,
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
        if challenges is not None:
            # The library's answer (Verifier.refusal): one header per challenge, as built.
            self.headers.extend(("WWW-Authenticate", c) for c in challenges)
            if dpop_nonce is not None:
                self.headers.append(("DPoP-Nonce", dpop_nonce))
        elif status != 503:
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

    @classmethod
    def from_refusal(cls, refusal: Refusal, *, scope: Optional[str] = None, retry_after: Optional[int] = None) -> "AuthError":
        """The answer the library built (:meth:`jwkskit.Verifier.refusal`): its status, error,
        description, challenges and ``DPoP-Nonce``; ``Retry-After`` for a 503."""
        return cls(
            refusal.status,
            refusal.error,
            refusal.description,
            scope=scope if refusal.status == 403 else None,
            retry_after=retry_after if refusal.status == 503 else None,
            challenges=refusal.challenges,
            dpop_nonce=refusal.dpop_nonce,
        )

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


class BoundTokenRefused(AuthError):
    """The 401 of a bound token (``cnf``) verified alone: the bearer-only paths raise it so that
    an integration that has the request at hand verifies it as a whole instead
    (:meth:`Rules.authenticate_request`), where the binding is checked."""



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


#: Characters left as they are when a decoded path is percent-encoded again (RFC 3986 pchar
#: and "/"); the library compares ``htu`` after normalising percent-encoding anyway.
_PATH_SAFE = "/:@!$&'()*+,;=~-._"


def request_path(path: Union[str, bytes]) -> str:
    """A request path as sent on the wire: ``bytes`` (an ASGI ``raw_path``) as they are, a
    decoded ``str`` (WSGI's ``SCRIPT_NAME`` + ``PATH_INFO``, bytes as Latin-1 code points)
    percent-encoded again."""
    if isinstance(path, bytes):
        return path.decode("latin-1")
    return quote(path.encode("latin-1", "replace"), safe=_PATH_SAFE)


def _public_url(url: Optional[str]) -> Optional[str]:
    if url is None:
        return None
    if not isinstance(url, str):
        raise TypeError(f"public_url: expected str, got {type(url).__name__}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"public_url: {url!r} is not an external base URL such as 'https://api.example.com' "
            "(scheme, host, optional port and path prefix; no query)"
        )
    return url.rstrip("/")


def _client_cert_header(value: Optional[Tuple[str, str]]) -> Optional[Tuple[str, str]]:
    if value is None:
        return None
    try:
        kind, name = value
    except (TypeError, ValueError):
        raise TypeError("client_cert_header: expected a (kind, header name) pair, e.g. ('nginx', 'X-Client-Cert')") from None
    if kind not in ("nginx", "xfcc") or not isinstance(name, str) or not name:
        raise ValueError(
            f"client_cert_header: {value!r}: the kind is 'nginx' ($ssl_client_escaped_cert) or "
            "'xfcc' (Envoy's x-forwarded-client-cert), with the header's name"
        )
    return kind, name


class Credentials:
    """What a request carries for its authentication, as an integration reads it from its
    framework: method, scheme, host, path (percent-encoded, see :func:`request_path`), every
    ``Authorization`` and ``DPoP`` header value, the raw query string and the client
    certificate header's value (see ``client_cert_header``), if any."""

    __slots__ = ("method", "scheme", "host", "path", "authorization", "dpop", "query_string", "client_cert")

    def __init__(
        self,
        method: str,
        scheme: str,
        host: str,
        path: str,
        authorization: Sequence[str],
        dpop: Sequence[str] = (),
        query_string: Union[str, bytes] = "",
        client_cert: Optional[str] = None,
    ) -> None:
        self.method = method
        self.scheme = scheme
        self.host = host
        self.path = path
        self.authorization = authorization
        self.dpop = dpop
        self.query_string = query_string
        self.client_cert = client_cert


class BearerRules:
    """A verifier plus the answer settings: authenticates one request's credentials.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with (shared, thread-safe).
        scopes: scopes every request must have (a space-separated string or an iterable).
        realm: the ``realm`` of ``WWW-Authenticate``, if wanted.
        retry_after: seconds in ``Retry-After`` when the keys are unavailable (default 5).
        token_scheme: the ``Authorization`` schemes accepted: ``"bearer"``, ``"dpop"`` or
            ``"either"`` (default: the verifier's ``token_scheme`` option).
        public_url: the external base URL the clients address (``"https://api.example.com"``,
            with the path prefix a proxy strips, if any), from which the URI a DPoP proof's
            ``htu`` must match is built; by default the request's own scheme and ``Host``.
        client_cert_header: where a trusted proxy puts the client certificate, for
            certificate-bound tokens: ``("nginx", "X-Client-Cert")`` (nginx's
            ``$ssl_client_escaped_cert``) or ``("xfcc", "X-Forwarded-Client-Cert")`` (Envoy).
            The proxy must overwrite what a client sends in that header.
    """

    def __init__(
        self,
        verifier: Verifier,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        realm: Optional[str] = None,
        retry_after: int = 5,
        token_scheme: Optional[str] = None,
        public_url: Optional[str] = None,
        client_cert_header: Optional[Tuple[str, str]] = None,
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
        self.token_scheme = check_token_scheme(token_scheme)
        self.public_url = _public_url(public_url)
        self.client_cert_header = _client_cert_header(client_cert_header)
        #: The client certificate header's name, lower-case (ASGI) and as a WSGI environ key.
        self.client_cert_key: Optional[str] = None
        self.client_cert_environ: Optional[str] = None
        if self.client_cert_header is not None:
            name = self.client_cert_header[1]
            self.client_cert_key = name.lower()
            self.client_cert_environ = "HTTP_" + name.upper().replace("-", "_")
        # Whether requests of the default route verify whole requests, decided once: the
        # bearer-only hot path then costs one attribute read.
        self._requests = self.scheme_of() != "bearer" or verifier.requires_certificate_binding

    def token(self, authorization: Sequence[str], query_string: Union[str, bytes] = "") -> str:
        """The request's bearer token (see :func:`bearer_token`)."""
        return bearer_token(authorization, query_string, realm=self.realm)

    def refusal(self, e: JwksError) -> AuthError:
        """The answer for a verification failure; misuse (a closed verifier, ...) is re-raised."""
        if isinstance(e, TokenRejected):
            # The code's one-line description, the same in every language: never the library's
            # detailed message, which may name key ids, issuers or URLs.
            desc = e.description
            kind = BoundTokenRefused if isinstance(e, BoundTokenAsBearer) else AuthError
            return kind(401, "invalid_token", desc, realm=self.realm)
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

    # ------------------------------------------------------------------------------------------
    # Whole requests: DPoP and certificate-bound tokens

    def scheme_of(self, route_scheme: Optional[str] = None) -> str:
        """The schemes a route accepts: its own, else the rules', else the verifier's."""
        return route_scheme or self.token_scheme or self.verifier.token_scheme

    def verifies_requests(self, route_scheme: Optional[str] = None) -> bool:
        """Whether a route verifies whole requests (:meth:`authenticate_request`) rather than
        bearer tokens alone: when it accepts ``DPoP``, or certificate binding is required."""
        if route_scheme is None:
            return self._requests
        return route_scheme != "bearer" or self.verifier.requires_certificate_binding

    def request_uri(self, c: Credentials) -> str:
        """The absolute URI the client addressed: ``public_url`` (or the request's scheme and
        host) followed by the request's path."""
        if self.public_url is not None:
            return self.public_url + c.path
        return f"{c.scheme}://{c.host}{c.path}"

    def _request_of(self, c: Credentials, route_scheme: Optional[str]) -> Request:
        cert: Optional[ClientCert] = None
        if self.client_cert_header is not None and c.client_cert is not None:
            kind = self.client_cert_header[0]
            cert = ClientCert.nginx(c.client_cert) if kind == "nginx" else ClientCert.xfcc(c.client_cert)
        scheme = route_scheme or self.token_scheme
        try:
            return Request(
                c.method,
                self.request_uri(c),
                authorization=list(c.authorization),
                dpop=list(c.dpop),
                client_cert=cert,
                token_scheme=scheme,
            )
        except InvalidArgument:
            # An unusable URI, method or header (the library says why): a malformed request.
            fallback = Request("GET", "https://invalid.invalid/", token_scheme=scheme)
            raise self._answer(_INVALID_REQUEST, fallback) from None

    def _answer(self, error: Union[JwksError, int], request: Request, scope: Optional[str] = None) -> AuthError:
        """The library's refusal as an :class:`AuthError` (a client certificate header that
        contradicts itself is answered 500, as the library says); a closed verifier is
        re-raised."""
        if isinstance(error, VerifierClosed):
            raise error
        refusal = self.verifier.refusal(error, request, realm=self.realm, scope=scope)
        return AuthError.from_refusal(refusal, scope=scope, retry_after=self.retry_after)

    def _request_scopes(self, token: VerifiedToken, request: Request, extra: Iterable[str]) -> None:
        try:
            self.check_scopes(token, extra)
        except AuthError as e:
            code = _INSUFFICIENT_SCOPE if e.status == 403 else _INVALID_CLAIM
            raise self._answer(code, request, e.scope) from None

    def _check_query(self, c: Credentials, route_scheme: Optional[str]) -> None:
        query = c.query_string
        if isinstance(query, bytes):
            query = query.decode("latin-1")
        if query and any(k == "access_token" for k, _ in parse_qsl(query, keep_blank_values=True)):
            raise self._answer(_INVALID_REQUEST, self._request_of(c, route_scheme))

    def authenticate_request(
        self, c: Credentials, scopes: Iterable[str] = (), route_scheme: Optional[str] = None
    ) -> VerifiedToken:
        """The verified token of a whole request (:meth:`jwkskit.Verifier.verify_request`), or
        :class:`AuthError` with the library's answer. Its ``dpop_nonce``, when set, goes into a
        ``DPoP-Nonce`` header of the response. Blocks while keys are fetched."""
        self._check_query(c, route_scheme)
        request = self._request_of(c, route_scheme)
        try:
            token = self.verifier.verify_request(request)
        except JwksError as e:
            raise self._answer(e, request) from None
        self._request_scopes(token, request, scopes)
        return token

    async def authenticate_request_async(
        self, c: Credentials, scopes: Iterable[str] = (), route_scheme: Optional[str] = None
    ) -> VerifiedToken:
        """Like :meth:`authenticate_request`, for event loops: a verification that would wait
        for a key fetch runs on a worker thread."""
        self._check_query(c, route_scheme)
        request = self._request_of(c, route_scheme)
        credential = c.authorization[0].strip(" \t").partition(" ")[2].strip(" ") if len(c.authorization) == 1 else ""
        try:
            if credential and self.verifier.would_block(credential):
                import asyncio

                loop = asyncio.get_running_loop()
                token = await loop.run_in_executor(None, self.verifier.verify_request, request)
            else:
                token = self.verifier.verify_request(request)
        except JwksError as e:
            raise self._answer(e, request) from None
        self._request_scopes(token, request, scopes)
        return token

    def authenticate_http(
        self, c: Credentials, scopes: Iterable[str] = (), route_scheme: Optional[str] = None
    ) -> Tuple[Dict[str, Any], Optional[str]]:
        """The verified claims of a request and the ``DPoP-Nonce`` to answer with (or None):
        a bearer-only route takes the one-call path (:meth:`authenticate`), any other verifies
        the whole request (:meth:`authenticate_request`)."""
        if self._requests if route_scheme is None else self.verifies_requests(route_scheme):
            token = self.authenticate_request(c, scopes, route_scheme)
            return token.claims, token.dpop_nonce
        try:
            return self.authenticate(c.authorization, c.query_string, scopes), None
        except BoundTokenRefused:
            # Bound to a key or a certificate: the binding is the request's to check.
            return self.authenticate_request(c, scopes, route_scheme).claims, None

    async def authenticate_http_async(
        self, c: Credentials, scopes: Iterable[str] = (), route_scheme: Optional[str] = None
    ) -> Tuple[Dict[str, Any], Optional[str]]:
        """Like :meth:`authenticate_http`, for event loops."""
        if self._requests if route_scheme is None else self.verifies_requests(route_scheme):
            token = await self.authenticate_request_async(c, scopes, route_scheme)
            return token.claims, token.dpop_nonce
        try:
            return await self.authenticate_async(c.authorization, c.query_string, scopes), None
        except BoundTokenRefused:
            return (await self.authenticate_request_async(c, scopes, route_scheme)).claims, None

    def authenticate_http_token(
        self, c: Credentials, scopes: Iterable[str] = (), route_scheme: Optional[str] = None
    ) -> VerifiedToken:
        """Like :meth:`authenticate_http`, returning the :class:`~jwkskit.VerifiedToken`."""
        if self.verifies_requests(route_scheme):
            return self.authenticate_request(c, scopes, route_scheme)
        try:
            return self.authenticate_token(c.authorization, c.query_string, scopes)
        except BoundTokenRefused:
            return self.authenticate_request(c, scopes, route_scheme)


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
        token_scheme: Optional[str] = None,
        route_schemes: Optional[Dict[str, str]] = None,
        public_url: Optional[str] = None,
        client_cert_header: Optional[Tuple[str, str]] = None,
    ) -> None:
        self.app = app
        self.rules = BearerRules(
            verifier,
            scopes=scopes,
            realm=realm,
            retry_after=retry_after,
            token_scheme=token_scheme,
            public_url=public_url,
            client_cert_header=client_cert_header,
        )
        self.exempt_paths = frozenset(exempt_paths)
        #: Exact paths whose schemes differ from ``token_scheme`` (e.g. ``{"/pay": "dpop"}``).
        self.route_schemes: Dict[str, str] = {
            path: str(check_token_scheme(scheme)) for path, scheme in (route_schemes or {}).items()
        }
