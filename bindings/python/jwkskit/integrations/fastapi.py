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
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Union

from fastapi import HTTPException, Request
from fastapi.security import HTTPBearer, SecurityScopes

from .._verifier import Verifier
from .rules import AuthError, BearerRules

__all__ = ["BearerClaims"]


class BearerClaims(HTTPBearer):
    """The dependency: ``await`` it (FastAPI does) to get the claims ``dict``.

    Args:
        verifier: the :class:`~jwkskit.Verifier` to verify with.
        scopes: scopes every route using this dependency needs.
        realm, retry_after: see :class:`~jwkskit.integrations.rules.BearerRules`.
    """

    def __init__(
        self,
        verifier: Verifier,
        *,
        scopes: Union[None, str, Iterable[str]] = None,
        realm: Optional[str] = None,
        retry_after: int = 5,
    ) -> None:
        # auto_error=False: the header is read and judged by the shared rules, not by HTTPBearer
        # (which is kept as the base class for its OpenAPI security scheme).
        super().__init__(auto_error=False)
        self.rules = BearerRules(verifier, scopes=scopes, realm=realm, retry_after=retry_after)

    async def __call__(self, request: Request, security_scopes: SecurityScopes) -> Dict[str, Any]:  # type: ignore[override]
        authorization = request.headers.getlist("authorization")
        # The raw query string, rather than request.url.query: building the URL costs a third
        # of a cached verification, and only the access_token parameter is looked for.
        query = request.scope.get("query_string", b"")
        try:
            return await self.rules.authenticate_async(authorization, query, security_scopes.scopes)
        except AuthError as e:
            raise HTTPException(status_code=e.status, detail=e.body, headers=dict(e.headers)) from None
