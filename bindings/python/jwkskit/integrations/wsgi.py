"""WSGI middleware: every request must carry a valid access token.

Works with any WSGI application (Flask, Django, Pyramid, a bare callable); imports no
framework. The verified claims are put in ``environ["jwkskit.claims"]``; refusals are answered
here, as :mod:`.rules` says. A verification that must wait for a key fetch blocks its worker
thread only (WSGI servers serve other requests on other threads meanwhile).

DPoP: with ``token_scheme="dpop"`` or ``"either"`` (or the verifier's option, or per path in
``route_schemes``), ``Authorization: DPoP <token>`` is verified with its ``DPoP`` header
against the URI built from ``public_url`` (or ``wsgi.url_scheme`` and ``Host``) and
``SCRIPT_NAME`` + ``PATH_INFO``; see :mod:`.rules`. WSGI servers fold repeated headers into one
comma-joined value, which is refused as it is no single proof.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional

from .rules import AuthError, BoundTokenRefused, Credentials, MiddlewareBase, request_path

__all__ = ["BearerAuthMiddleware", "CLAIMS_KEY", "authorization_values", "credentials", "answer"]

#: The WSGI environ key holding the verified claims.
CLAIMS_KEY = "jwkskit.claims"


def authorization_values(environ: Dict[str, Any]) -> List[str]:
    """The ``Authorization`` header of a WSGI request as a list (empty when absent). WSGI
    servers fold repeated headers into one comma-joined value, which the rules then refuse as
    malformed."""
    value = environ.get("HTTP_AUTHORIZATION")
    return [] if value is None else [value]


def wsgi_host(environ: Dict[str, Any]) -> str:
    """The request's host as PEP 3333 reconstructs it: ``Host``, else the server's name and
    port."""
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    name, port = environ.get("SERVER_NAME", ""), str(environ.get("SERVER_PORT", ""))
    default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    return name if not port or port == default else f"{name}:{port}"


def credentials(
    environ: Dict[str, Any], client_cert_environ: Optional[str] = None, host: Optional[str] = None
) -> Credentials:
    """What a WSGI request carries for its authentication (see
    :class:`~jwkskit.integrations.rules.Credentials`); ``host`` overrides the environ's (e.g.
    Django's validated ``request.get_host()``)."""
    dpop = environ.get("HTTP_DPOP")
    return Credentials(
        environ.get("REQUEST_METHOD", "GET"),
        environ.get("wsgi.url_scheme", "http"),
        wsgi_host(environ) if host is None else host,
        request_path(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
        authorization_values(environ),
        [] if dpop is None else [dpop],
        environ.get("QUERY_STRING", ""),
        None if client_cert_environ is None else environ.get(client_cert_environ),
    )


def answer(e: AuthError, start_response: Callable[..., Any]) -> List[bytes]:
    """Answers a refusal through ``start_response``; returns the body iterable."""
    body = e.body_bytes()
    reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}
    start_response(
        f"{e.status} {reasons.get(e.status, 'Error')}",
        [*e.response_headers(), ("Content-Length", str(len(body)))],
    )
    return [body]


def _with_header(start_response: Callable[..., Any], name: str, value: str) -> Callable[..., Any]:
    def wrapped(status: str, headers: List[Any], *exc_info: Any) -> Any:
        return start_response(status, [*headers, (name, value)], *exc_info)

    return wrapped


class BearerAuthMiddleware(MiddlewareBase[Callable[..., Iterable[bytes]]]):
    """Wraps a WSGI app so that only requests with a valid access token reach it.

    Args:
        app: the WSGI application to protect.
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every request needs (space-separated string or iterable).
        exempt_paths: exact paths (``PATH_INFO``) served without a token.
        token_scheme: ``"bearer"``, ``"dpop"`` or ``"either"`` (default: the verifier's).
        route_schemes: exact paths (``PATH_INFO``) with other schemes, e.g.
            ``{"/transfers": "dpop"}``.
        public_url: the external base URL for DPoP's ``htu`` (e.g. ``"https://api.example.com"``).
        realm, retry_after, client_cert_header: see
            :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in self.exempt_paths:
            return self.app(environ, start_response)
        rules = self.rules
        route = self.route_schemes.get(path) if self.route_schemes else None  # type: ignore[arg-type]
        try:
            if route is None and not rules._requests:
                # The bearer-only hot path: the Authorization header alone.
                nonce = None
                try:
                    claims = rules.authenticate(authorization_values(environ), environ.get("QUERY_STRING", ""))
                except BoundTokenRefused:
                    # Bound to a key or a certificate: the binding is the request's to check.
                    claims = rules.authenticate_request(credentials(environ, rules.client_cert_environ)).claims
            else:
                claims, nonce = rules.authenticate_http(credentials(environ, rules.client_cert_environ), (), route)
        except AuthError as e:
            return answer(e, start_response)
        environ[CLAIMS_KEY] = claims
        if nonce is not None:
            start_response = _with_header(start_response, "DPoP-Nonce", nonce)
        return self.app(environ, start_response)
