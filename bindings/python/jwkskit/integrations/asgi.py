"""ASGI middleware: every HTTP request must carry a valid bearer token.

Works with any ASGI 3 application (Starlette, FastAPI, Quart, a bare callable); imports no
framework. The verified claims are put in ``scope["state"]["claims"]`` (``request.state.claims``
in Starlette and FastAPI). Refusals are answered here, as :mod:`.rules` says. Verification
never blocks the event loop on a key fetch (see :meth:`jwkskit.Verifier.verify_async`).
WebSocket connections are refused with close code 1008 unless authenticated;
lifespan events pass through.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from .rules import AuthError, MiddlewareBase

__all__ = ["BearerAuthMiddleware"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BearerAuthMiddleware(MiddlewareBase[App]):
    """Wraps an ASGI app so that only requests with a valid bearer token reach it.

    Args:
        app: the ASGI application to protect.
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every request needs (space-separated string or iterable).
        exempt_paths: exact paths served without a token (e.g. ``["/health"]``).
        realm, retry_after: see :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket") or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        authorization = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == b"authorization"]
        try:
            claims = await self.rules.authenticate_async(authorization, scope.get("query_string", b""))
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
        await self.app(scope, receive, send)


async def _answer(send: Send, e: AuthError) -> None:
    body = e.body_bytes()
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in e.response_headers()]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": e.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
