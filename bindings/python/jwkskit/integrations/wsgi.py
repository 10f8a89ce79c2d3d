"""WSGI middleware: every request must carry a valid bearer token.

Works with any WSGI application (Flask, Django, Pyramid, a bare callable); imports no
framework. The verified claims are put in ``environ["jwkskit.claims"]``; refusals are answered
here, as :mod:`.rules` says. A verification that must wait for a key fetch blocks its worker
thread only (WSGI servers serve other requests on other threads meanwhile).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List

from .rules import AuthError, MiddlewareBase

__all__ = ["BearerAuthMiddleware", "CLAIMS_KEY", "authorization_values", "answer"]

#: The WSGI environ key holding the verified claims.
CLAIMS_KEY = "jwkskit.claims"


def authorization_values(environ: Dict[str, Any]) -> List[str]:
    """The ``Authorization`` header of a WSGI request as a list (empty when absent). WSGI
    servers fold repeated headers into one comma-joined value, which the rules then refuse as
    malformed."""
    value = environ.get("HTTP_AUTHORIZATION")
    return [] if value is None else [value]


def answer(e: AuthError, start_response: Callable[..., Any]) -> List[bytes]:
    """Answers a refusal through ``start_response``; returns the body iterable."""
    body = e.body_bytes()
    reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}
    start_response(
        f"{e.status} {reasons.get(e.status, 'Error')}",
        [*e.response_headers(), ("Content-Length", str(len(body)))],
    )
    return [body]


class BearerAuthMiddleware(MiddlewareBase[Callable[..., Iterable[bytes]]]):
    """Wraps a WSGI app so that only requests with a valid bearer token reach it.

    Args:
        app: the WSGI application to protect.
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every request needs (space-separated string or iterable).
        exempt_paths: exact paths (``PATH_INFO``) served without a token.
        realm, retry_after: see :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in self.exempt_paths:
            return self.app(environ, start_response)
        try:
            claims = self.rules.authenticate(authorization_values(environ), environ.get("QUERY_STRING", ""))
        except AuthError as e:
            return answer(e, start_response)
        environ[CLAIMS_KEY] = claims
        return self.app(environ, start_response)
