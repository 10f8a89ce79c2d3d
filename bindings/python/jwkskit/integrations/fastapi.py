"""A FastAPI dependency that yields the verified claims of the request's bearer token.

::

    bearer = BearerClaims(verifier)

    @app.get("/orders")
    async def orders(claims: dict = Security(bearer, scopes=["orders:read"])):
        ...

Scopes come from the constructor (every route) and from ``Security(..., scopes=[...])`` (that
route); ``Depends(bearer)`` works too. Refusals raise ``HTTPException`` with the status and
``WWW-Authenticate``/``Retry-After`` headers of :mod:`.rules`; the body is FastAPI's
``{"detail": {"error": ..., "error_description": ...}}``. The route is documented in OpenAPI as
using HTTP bearer authentication. Verification never blocks the event loop on a key fetch.
Needs ``pip install jwkskit[fastapi]``.

DPoP: ``BearerClaims(verifier, token_scheme="dpop")`` (or ``"either"``; one dependency per
policy, so that routes differ by the dependency they use) verifies ``Authorization: DPoP``
with its ``DPoP`` header(s) against ``public_url`` (or the request's scheme and ``Host``) and
the raw path, answers refusals with the library's challenges (each ``WWW-Authenticate`` its own
header) and ``DPoP-Nonce``, and sets ``DPoP-Nonce`` on the route's response when the library
hands out a new nonce. See :mod:`.rules`.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from fastapi import HTTPException, Request, Response
from fastapi.security import HTTPBearer, SecurityScopes

from .._verifier import Verifier
from .asgi import credentials
from .rules import AuthError, BoundTokenRefused, BearerRules

__all__ = ["BearerClaims"]


class BearerClaims(HTTPBearer):
    """The dependency: ``await`` it (FastAPI does) to get the claims ``dict``.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every route using this dependency needs.
        token_scheme: ``"bearer"``, ``"dpop"`` or ``"either"`` (default: the verifier's).
        public_url: the external base URL for DPoP's ``htu`` (e.g. ``"https://api.example.com"``).
        realm, retry_after, client_cert_header: see
            :class:`~jwkskit.integrations.rules.BearerRules`.
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
        # auto_error=False: the header is read and judged by the shared rules, not by HTTPBearer
        # (which is kept as the base class for its OpenAPI security scheme).
        super().__init__(auto_error=False)
        self.rules = BearerRules(
            verifier,
            scopes=scopes,
            realm=realm,
            retry_after=retry_after,
            token_scheme=token_scheme,
            public_url=public_url,
            client_cert_header=client_cert_header,
        )

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes, response: Response
    ) -> Dict[str, Any]:
        rules = self.rules
        try:
            if not rules._requests:
                authorization = request.headers.getlist("authorization")
                # The raw query string, rather than request.url.query: building the URL costs a
                # third of a cached verification, and only the access_token parameter is looked for.
                query = request.scope.get("query_string", b"")
                try:
                    return await rules.authenticate_async(authorization, query, security_scopes.scopes)
                except BoundTokenRefused:
                    pass  # bound to a key or a certificate: the binding is the request's to check
            c = credentials(request.scope, rules.client_cert_key)
            token = await rules.authenticate_request_async(c, security_scopes.scopes)
        except AuthError as e:
            raise _http_exception(e) from None
        if token.dpop_nonce is not None:
            response.headers["DPoP-Nonce"] = token.dpop_nonce
        return token.claims


class _RepeatedHeaders(Dict[str, str]):
    """Response headers where a name may repeat: a dict of each name's last value (for code
    that reads it as a mapping) whose ``items()`` lists every header, which is what Starlette's
    ``Response`` reads, so that each ``WWW-Authenticate`` challenge is a header of its own
    through FastAPI's own ``HTTPException`` handler."""

    def __init__(self, pairs: List[Tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = list(pairs)

    def items(self) -> Any:
        return list(self._pairs)


def _http_exception(e: AuthError) -> HTTPException:
    return HTTPException(status_code=e.status, detail=e.body, headers=_RepeatedHeaders(e.headers))
