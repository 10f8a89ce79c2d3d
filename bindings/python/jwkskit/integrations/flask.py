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

DPoP: ``BearerAuth(verifier, token_scheme="either")`` for every route, or
``@auth.required("orders:write", token_scheme="dpop")`` for one, verifies ``Authorization:
DPoP`` with its ``DPoP`` header against ``public_url`` (or the request's scheme and ``Host``)
and the path; refusals carry the library's challenges and ``DPoP-Nonce``, and a new nonce the
library hands out is set on the view's response. See :mod:`.rules`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Optional, Tuple, TypeVar, Union

from flask import Flask, Response, g, make_response, request

from .._request import check_token_scheme
from .._verifier import Verifier
from .rules import AuthError, BoundTokenRefused, BearerRules
from .wsgi import credentials

__all__ = ["BearerAuth"]

F = TypeVar("F", bound=Callable[..., Any])


class BearerAuth:
    """The extension.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        app: a Flask app to register with (or call :meth:`init_app` later).
        scopes: scopes every protected route needs.
        token_scheme: ``"bearer"``, ``"dpop"`` or ``"either"`` (default: the verifier's).
        public_url: the external base URL for DPoP's ``htu`` (e.g. ``"https://api.example.com"``).
        realm, retry_after, client_cert_header: see
            :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    def __init__(
        self,
        verifier: Verifier,
        app: Optional[Flask] = None,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        realm: Optional[str] = None,
        retry_after: int = 5,
        token_scheme: Optional[str] = None,
        public_url: Optional[str] = None,
        client_cert_header: Optional[Tuple[str, str]] = None,
    ) -> None:
        self.rules = BearerRules(
            verifier,
            scopes=scopes,
            realm=realm,
            retry_after=retry_after,
            token_scheme=token_scheme,
            public_url=public_url,
            client_cert_header=client_cert_header,
        )
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Registers the extension as ``app.extensions["jwkskit"]``."""
        app.extensions["jwkskit"] = self

    def required(self, *scopes: str, token_scheme: Optional[str] = None) -> Callable[[F], F]:
        """A decorator: the route runs only for a valid token granting ``scopes`` (on top of the
        extension's), with the claims in ``flask.g.claims``; ``token_scheme`` is the route's
        (``"bearer"``, ``"dpop"`` or ``"either"``; default: the extension's)."""
        route = check_token_scheme(token_scheme)
        rules = self.rules

        def decorate(view: F) -> F:
            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                nonce = None
                try:
                    if route is None and not rules._requests:
                        try:
                            g.claims = rules.authenticate(
                                request.headers.getlist("Authorization"), request.query_string, scopes
                            )
                        except BoundTokenRefused:
                            # Bound to a key or a certificate: the binding is the request's.
                            c = credentials(request.environ, rules.client_cert_environ)
                            g.claims = rules.authenticate_request(c, scopes).claims
                    else:
                        c = credentials(request.environ, rules.client_cert_environ)
                        g.claims, nonce = rules.authenticate_http(c, scopes, route)
                except AuthError as e:
                    return Response(e.body_bytes(), status=e.status, headers=e.response_headers())
                if nonce is None:
                    return view(*args, **kwargs)
                response = make_response(view(*args, **kwargs))
                response.headers["DPoP-Nonce"] = nonce
                return response

            return wrapper  # type: ignore[return-value]

        return decorate
