"""ASGI middleware: every HTTP request must carry a valid access token.

Works with any ASGI 3 application (Starlette, FastAPI, Quart, a bare callable); imports no
framework. The verified claims are put in ``scope["state"]["claims"]`` (``request.state.claims``
in Starlette and FastAPI). Refusals are answered here, as :mod:`.rules` says. Verification
never blocks the event loop on a key fetch (see :meth:`jwkskit.Verifier.verify_async`).
WebSocket connections are refused with close code 1008 unless authenticated;
lifespan events pass through.

DPoP: with ``token_scheme="dpop"`` or ``"either"`` (or the verifier's option, or per path in
``route_schemes``), ``Authorization: DPoP <token>`` is verified with its ``DPoP`` header(s)
against the URI built from ``public_url`` (or the request's scheme and ``Host``) and the raw
path; see :mod:`.rules`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, MutableMapping, Optional

from .rules import AuthError, BoundTokenRefused, Credentials, MiddlewareBase, request_path

__all__ = ["BearerAuthMiddleware", "credentials"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def credentials(scope: Scope, client_cert_key: Optional[str] = None) -> Credentials:
    """What an ASGI request carries for its authentication (see
    :class:`~jwkskit.integrations.rules.Credentials`): every header value as sent, the raw
    path (``raw_path``, else ``root_path`` + ``path`` encoded again)."""
    authorization: List[str] = []
    dpop: List[str] = []
    host = ""
    cert: Optional[str] = None
    wanted = None if client_cert_key is None else client_cert_key.encode("latin-1")
    for k, v in scope.get("headers", ()):
        name = k.lower()
        if name == b"authorization":
            authorization.append(v.decode("latin-1"))
        elif name == b"dpop":
            dpop.append(v.decode("latin-1"))
        elif name == b"host":
            host = v.decode("latin-1")
        elif wanted is not None and name == wanted:
            cert = v.decode("latin-1")
    if not host:
        server = scope.get("server")
        if server:
            host = f"{server[0]}:{server[1]}" if server[1] is not None else str(server[0])
    raw = scope.get("raw_path")
    if raw is not None:
        path: Any = raw.split(b"?", 1)[0]
    else:
        path = scope.get("root_path", "") + scope.get("path", "")
    kind = scope.get("type")
    scheme = scope.get("scheme") or ("ws" if kind == "websocket" else "http")
    # A WebSocket handshake is an HTTP GET to the http(s) URI (RFC 6455 §4.1).
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    method = scope.get("method", "GET") if kind == "http" else "GET"
    return Credentials(
        method, scheme, host, request_path(path), authorization, dpop, scope.get("query_string", b""), cert
    )


class BearerAuthMiddleware(MiddlewareBase[App]):
    """Wraps an ASGI app so that only requests with a valid access token reach it.

    Args:
        app: the ASGI application to protect.
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every request needs (space-separated string or iterable).
        exempt_paths: exact paths served without a token (e.g. ``["/health"]``).
        token_scheme: ``"bearer"``, ``"dpop"`` or ``"either"`` (default: the verifier's).
        route_schemes: exact paths with other schemes, e.g. ``{"/transfers": "dpop"}``.
        public_url: the external base URL for DPoP's ``htu`` (e.g. ``"https://api.example.com"``).
        realm, retry_after, client_cert_header: see
            :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        path = scope.get("path")
        if kind not in ("http", "websocket") or path in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        rules = self.rules
        route = self.route_schemes.get(path) if self.route_schemes else None  # type: ignore[arg-type]
        nonce: Optional[str] = None
        try:
            if route is None and not rules._requests:
                # The bearer-only hot path: the Authorization header alone.
                authorization = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == b"authorization"]
                try:
                    claims = await rules.authenticate_async(authorization, scope.get("query_string", b""))
                except BoundTokenRefused:
                    # Bound to a key or a certificate: the binding is the request's to check.
                    token = await rules.authenticate_request_async(credentials(scope, rules.client_cert_key))
                    claims = token.claims
            else:
                claims, nonce = await rules.authenticate_http_async(credentials(scope, rules.client_cert_key), (), route)
        except AuthError as e:
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _answer(send, e)
            return
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["claims"] = claims
        if nonce is not None and kind == "http":
            send = _with_header(send, b"dpop-nonce", nonce.encode("latin-1"))
        await self.app(scope, receive, send)


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    """``send`` adding a header to the response's start."""

    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message.get("type") == "http.response.start":
            message = dict(message)
            message["headers"] = [*message.get("headers", ()), (name, value)]
        await send(message)

    return wrapped


async def _answer(send: Send, e: AuthError) -> None:
    body = e.body_bytes()
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in e.response_headers()]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": e.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
