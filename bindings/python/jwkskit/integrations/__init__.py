"""Framework integrations: protect routes with a :class:`jwkskit.Verifier`.

One module per framework, each importing only its framework (install the matching extra,
e.g. ``pip install jwkskit[fastapi]``), over the shared rules of :mod:`.rules`:

- :mod:`jwkskit.integrations.asgi`: ASGI middleware for any ASGI app (Starlette, FastAPI, ...).
- :mod:`jwkskit.integrations.fastapi`: a FastAPI dependency yielding the verified claims.
- :mod:`jwkskit.integrations.wsgi`: WSGI middleware for any WSGI app.
- :mod:`jwkskit.integrations.flask`: a Flask extension with a route decorator.
- :mod:`jwkskit.integrations.django`: a settings-driven Django middleware.

Every integration answers as RFC 6750 says (see :mod:`.rules`): no token 401, rejected token
401 ``invalid_token``, missing scope 403 ``insufficient_scope``, keys unavailable 503 with
``Retry-After``, malformed request 400 ``invalid_request``. Routes may accept DPoP
(RFC 9449) and certificate-bound tokens (RFC 8705): ``token_scheme=``, ``public_url=``,
``client_cert_header=`` (see :mod:`.rules`), answered with the library's refusals.
"""

from .rules import AuthError, BearerRules, bearer_token, token_scopes

__all__ = ["AuthError", "BearerRules", "bearer_token", "token_scopes"]
