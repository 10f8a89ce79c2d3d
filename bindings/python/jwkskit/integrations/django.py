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

DPoP: ``TOKEN_SCHEME`` (``"bearer"``, ``"dpop"`` or ``"either"``; default: the verifier's
``token_scheme`` option), ``ROUTE_SCHEMES`` (exact paths with other schemes, e.g.
``{"/transfers": "dpop"}``), ``PUBLIC_URL`` (the external base URL for the proof's ``htu``;
by default the request's scheme and ``request.get_host()``, which Django checks against
``ALLOWED_HOSTS``) and ``CLIENT_CERT_HEADER`` (``("nginx", "X-Client-Cert")`` or ``("xfcc",
"X-Forwarded-Client-Cert")``) set the policy; refusals carry the library's answer and a new
nonce is set on the response as ``DPoP-Nonce``. Django's responses hold one header per name:
several ``WWW-Authenticate`` challenges go into one header, separated by commas, as RFC 9110
§11.6.1 allows.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from .._request import check_token_scheme
from .._verifier import VerifiedToken, Verifier
from .rules import AuthError, BoundTokenRefused, BearerRules
from .wsgi import authorization_values, credentials

__all__ = ["BearerAuthMiddleware", "require_scopes"]

_SETTING_KEYS = {
    "JWKS_URL",
    "ISSUER",
    "JWKS",
    "VERIFIER",
    "OPTIONS",
    "SCOPES",
    "EXEMPT_PATHS",
    "REALM",
    "RETRY_AFTER",
    "TOKEN_SCHEME",
    "ROUTE_SCHEMES",
    "PUBLIC_URL",
    "CLIENT_CERT_HEADER",
}
_SOURCES = ("JWKS_URL", "ISSUER", "JWKS", "VERIFIER")


def _response(e: AuthError) -> HttpResponse:
    response = HttpResponse(e.body_bytes(), status=e.status, content_type="application/json")
    for name, value in e.headers:
        # One header per name in a Django response: challenges are joined (RFC 9110 §11.6.1).
        response[name] = f"{response[name]}, {value}" if name in response else value
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
                token_scheme=conf.get("TOKEN_SCHEME"),
                public_url=conf.get("PUBLIC_URL"),
                client_cert_header=conf.get("CLIENT_CERT_HEADER"),
            )
            self.route_schemes = {
                path: str(check_token_scheme(scheme)) for path, scheme in (conf.get("ROUTE_SCHEMES") or {}).items()
            }
        except (ValueError, TypeError) as e:
            raise ImproperlyConfigured(f"JWKSKIT: {e}") from e
        self.exempt_paths = frozenset(conf.get("EXEMPT_PATHS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.claims = None  # type: ignore[attr-defined]
        if request.path_info in self.exempt_paths:
            return self.get_response(request)
        rules = self.rules
        route = self.route_schemes.get(request.path_info)
        c = None
        try:
            if route is None and not rules._requests:
                try:
                    token = rules.authenticate_token(authorization_values(request.META), request.META.get("QUERY_STRING", ""))
                except BoundTokenRefused:
                    # Bound to a key or a certificate: the binding is the request's to check.
                    c = self._credentials(request)
                    token = rules.authenticate_request(c, (), route)
            else:
                c = self._credentials(request)
                token = rules.authenticate_http_token(c, (), route)
        except AuthError as e:
            return _response(e)
        # For require_scopes: a token verified as a request is refused as one (its challenges).
        request._jwkskit_request = None if c is None or token.scheme is None else (c, route)  # type: ignore[attr-defined]
        request.claims = token.claims  # type: ignore[attr-defined]
        # For require_scopes: the rules, and the token whose scopes the library reads.
        request._jwkskit_rules = self.rules  # type: ignore[attr-defined]
        request._jwkskit_token = token  # type: ignore[attr-defined]
        response = self.get_response(request)
        if token.dpop_nonce is not None:
            response["DPoP-Nonce"] = token.dpop_nonce
        return response

    def _credentials(self, request: HttpRequest) -> Any:
        # The host Django validated against ALLOWED_HOSTS (get_host raises DisallowedHost for
        # another, which Django answers 400); the scheme as Django reads it
        # (SECURE_PROXY_SSL_HEADER).
        host = request.get_host() if self.rules.public_url is None else ""
        c = credentials(request.META, self.rules.client_cert_environ, host=host)
        c.scheme = request.scheme or c.scheme
        return c


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
                verified_as = getattr(request, "_jwkskit_request", None)
                if verified_as is None:
                    rules.check_scopes(token, scopes)
                else:
                    c, route = verified_as
                    rules._request_scopes(token, rules._request_of(c, route), scopes)
            except AuthError as e:
                return _response(e)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
