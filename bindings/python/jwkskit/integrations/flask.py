"""A Flask extension: a route decorator that requires a valid bearer token.

::

    auth = BearerAuth(verifier)

    @app.get("/orders")
    @auth.required("orders:read")
    def orders():
        return {"user": g.claims["sub"]}

The verified claims are in ``flask.g.claims`` during the request. Refusals are answered as
:mod:`.rules` says (a JSON body and ``WWW-Authenticate``/``Retry-After`` headers). For a whole
app, :class:`jwkskit.integrations.wsgi.BearerAuthMiddleware` wraps ``app.wsgi_app`` instead.
``BearerAuth(verifier).init_app(app)`` also stores the extension in ``app.extensions``.
Needs ``pip install jwkskit[flask]``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Optional, TypeVar, Union

from flask import Flask, Response, g, request

from .._verifier import Verifier
from .rules import AuthError, BearerRules

__all__ = ["BearerAuth"]

F = TypeVar("F", bound=Callable[..., Any])


class BearerAuth:
    """The extension.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        app: a Flask app to register with (or call :meth:`init_app` later).
        scopes: scopes every protected route needs.
        realm, retry_after: see :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    def __init__(
        self,
        verifier: Verifier,
        app: Optional[Flask] = None,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        realm: Optional[str] = None,
        retry_after: int = 5,
    ) -> None:
        self.rules = BearerRules(verifier, scopes=scopes, realm=realm, retry_after=retry_after)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Registers the extension as ``app.extensions["jwkskit"]``."""
        app.extensions["jwkskit"] = self

    def required(self, *scopes: str) -> Callable[[F], F]:
        """A decorator: the route runs only for a valid token granting ``scopes`` (on top of the
        extension's), with the claims in ``flask.g.claims``."""

        def decorate(view: F) -> F:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    g.claims = self.rules.authenticate(
                        request.headers.getlist("Authorization"), request.query_string, scopes
                    )
                except AuthError as e:
                    return Response(e.body_bytes(), status=e.status, headers=e.response_headers())
                return view(*args, **kwargs)

            return wrapper  # type: ignore[return-value]

        return decorate
