"""A Django middleware, configured in settings, that requires a valid bearer token and puts
the verified claims on ``request.claims``.

::

    MIDDLEWARE = [..., "jwkskit.integrations.django.BearerAuthMiddleware"]
    JWKSKIT = {
        "JWKS_URL": "https://login.example.com/.well-known/jwks.json",
        "OPTIONS": {"issuers": "https://login.example.com/", "audiences": "api://orders"},
        "SCOPES": "orders:read",         # optional: needed by every request
        "EXEMPT_PATHS": ["/health"],     # optional: served without a token
    }

Keys come from exactly one of ``JWKS_URL`` (:meth:`~jwkskit.Verifier.from_url`), ``ISSUER``
(:meth:`~jwkskit.Verifier.from_issuer`), ``JWKS`` (a key set, :meth:`~jwkskit.Verifier.from_jwks`)
or ``VERIFIER`` (a ready :class:`~jwkskit.Verifier`); ``OPTIONS`` are the verifier's keyword
options; ``REALM`` and ``RETRY_AFTER`` tune the answers. A view needing more scopes uses
:func:`require_scopes`. Refusals are answered as :mod:`.rules` says. Needs
``pip install jwkskit[django]``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from .._verifier import Verifier
from .rules import AuthError, BearerRules
from .wsgi import authorization_values

__all__ = ["BearerAuthMiddleware", "require_scopes"]

_SETTING_KEYS = {"JWKS_URL", "ISSUER", "JWKS", "VERIFIER", "OPTIONS", "SCOPES", "EXEMPT_PATHS", "REALM", "RETRY_AFTER"}
_SOURCES = ("JWKS_URL", "ISSUER", "JWKS", "VERIFIER")


def _response(e: AuthError) -> HttpResponse:
    response = HttpResponse(e.body_bytes(), status=e.status, content_type="application/json")
    for name, value in e.headers:
        response[name] = value
    return response


def _verifier_from(conf: Dict[str, Any]) -> Verifier:
    given = [k for k in _SOURCES if conf.get(k) is not None]
    if len(given) != 1:
        raise ImproperlyConfigured(f"JWKSKIT needs exactly one of {', '.join(_SOURCES)}; it has {given or 'none'}")
    options = conf.get("OPTIONS") or {}
    source = given[0]
    if source == "VERIFIER":
        if options:
            raise ImproperlyConfigured("JWKSKIT: OPTIONS cannot apply to a ready VERIFIER")
        if not isinstance(conf["VERIFIER"], Verifier):
            raise ImproperlyConfigured("JWKSKIT['VERIFIER'] is not a jwkskit.Verifier")
        return conf["VERIFIER"]  # type: ignore[no-any-return]
    make = {"JWKS_URL": Verifier.from_url, "ISSUER": Verifier.from_issuer, "JWKS": Verifier.from_jwks}[source]
    return make(conf[source], **options)


class BearerAuthMiddleware:
    """Refuses requests without a valid bearer token; sets ``request.claims`` on the others
    (``None`` on exempt paths). Configured by the ``JWKSKIT`` setting (see the module docs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        conf = getattr(settings, "JWKSKIT", None)
        if not isinstance(conf, dict):
            raise ImproperlyConfigured("the JWKSKIT setting (a dict) is needed by BearerAuthMiddleware")
        unknown = set(conf) - _SETTING_KEYS
        if unknown:
            raise ImproperlyConfigured(f"JWKSKIT has unknown keys: {', '.join(sorted(unknown))}")
        try:
            self.rules = BearerRules(
                _verifier_from(conf),
                scopes=conf.get("SCOPES"),
                realm=conf.get("REALM"),
                retry_after=conf.get("RETRY_AFTER", 5),
            )
        except (ValueError, TypeError) as e:
            raise ImproperlyConfigured(f"JWKSKIT: {e}") from e
        self.exempt_paths = frozenset(conf.get("EXEMPT_PATHS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.claims = None  # type: ignore[attr-defined]
        if request.path_info in self.exempt_paths:
            return self.get_response(request)
        try:
            token = self.rules.authenticate_token(
                authorization_values(request.META), request.META.get("QUERY_STRING", "")
            )
        except AuthError as e:
            return _response(e)
        request.claims = token.claims  # type: ignore[attr-defined]
        # For require_scopes: the rules, and the token whose scopes the library reads.
        request._jwkskit_rules = self.rules  # type: ignore[attr-defined]
        request._jwkskit_token = token  # type: ignore[attr-defined]
        return self.get_response(request)


def require_scopes(*scopes: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: answers 403 ``insufficient_scope`` unless the claims the middleware
    verified grant ``scopes`` (the middleware must run first)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            rules: Optional[BearerRules] = getattr(request, "_jwkskit_rules", None)
            token: Optional[VerifiedToken] = getattr(request, "_jwkskit_token", None)
            if rules is None or token is None or getattr(request, "claims", None) is None:
                raise ImproperlyConfigured(
                    f"{view.__name__} needs jwkskit.integrations.django.BearerAuthMiddleware in MIDDLEWARE"
                    " and a path it does not exempt"
                )
            try:
                rules.check_scopes(token, scopes)
            except AuthError as e:
                return _response(e)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
