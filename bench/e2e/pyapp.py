"""The Python services of the end-to-end benchmark (bench/e2e/run.py): GET /whoami answered
with the token's sub claim, as a WSGI app (``wsgi``, for gunicorn) and as a FastAPI app
(``asgi``, for uvicorn). The environment chooses the authentication:

    E2E_AUTH=jwkskit   this repository's integration: jwkskit.integrations.wsgi's
                       BearerAuthMiddleware (WSGI) or .fastapi's BearerClaims (FastAPI)
    E2E_AUTH=pyjwt     PyJWKClient + PyJWT, the usual pair, in the usual shape (a WSGI
                       middleware; FastAPI's HTTPBearer dependency)
    E2E_AUTH=none      no authentication (the floor)

and E2E_JWKS (the key URL, on loopback), E2E_ISSUER, E2E_AUDIENCE, E2E_ALG (the one algorithm
allowed). Both authenticating sides check the signature, iss, aud and a required exp.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, List

AUTH = os.environ.get("E2E_AUTH", "none")
JWKS_URL = os.environ.get("E2E_JWKS", "")
ISSUER = os.environ.get("E2E_ISSUER", "")
AUDIENCE = os.environ.get("E2E_AUDIENCE", "")
ALG = os.environ.get("E2E_ALG", "RS256")

if AUTH not in ("jwkskit", "pyjwt", "none"):
    raise SystemExit(f"pyapp: E2E_AUTH={AUTH!r}: expected jwkskit, pyjwt or none")


def _jwkskit_verifier() -> Any:
    import jwkskit

    return jwkskit.Verifier.from_url(
        JWKS_URL, allow_http=True, issuers=[ISSUER], audiences=[AUDIENCE], algorithms=[ALG]
    )


def _pyjwt_decoder() -> Callable[[str], Dict[str, Any]]:
    import jwt

    client = jwt.PyJWKClient(JWKS_URL)

    def decode(token: str) -> Dict[str, Any]:
        key = client.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=[ALG], audience=AUDIENCE, issuer=ISSUER,
                          options={"require": ["exp"]})

    return decode


# --------------------------------------------------------------------------------------------
# WSGI (gunicorn)

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]


def _whoami(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    claims = environ.get("jwkskit.claims") or environ.get("e2e.claims")
    sub = claims["sub"] if claims is not None else "anonymous"
    body = f"hello {sub}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _pyjwt_wsgi(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    import jwt

    decode = _pyjwt_decoder()

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return _refuse(start_response, "Bearer")
        try:
            environ["e2e.claims"] = decode(token.strip())
        except (jwt.PyJWTError, jwt.PyJWKClientError):
            return _refuse(start_response, 'Bearer error="invalid_token"')
        return app(environ, start_response)

    return middleware


def _refuse(start_response: StartResponse, challenge: str) -> List[bytes]:
    body = b'{"error": "invalid_token"}'
    start_response("401 Unauthorized", [("Content-Type", "application/json"),
                                        ("WWW-Authenticate", challenge),
                                        ("Content-Length", str(len(body)))])
    return [body]


def _make_wsgi() -> Callable[..., Iterable[bytes]]:
    if AUTH == "jwkskit":
        from jwkskit.integrations.wsgi import BearerAuthMiddleware

        return BearerAuthMiddleware(_whoami, _jwkskit_verifier())
    if AUTH == "pyjwt":
        return _pyjwt_wsgi(_whoami)
    return _whoami


# --------------------------------------------------------------------------------------------
# ASGI (FastAPI under uvicorn): imported only when asked for, so that the WSGI side does not
# need FastAPI.


def _make_asgi() -> Any:
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import PlainTextResponse
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    if AUTH == "jwkskit":
        from jwkskit.integrations.fastapi import BearerClaims

        claims_of: Any = BearerClaims(_jwkskit_verifier())
    elif AUTH == "pyjwt":
        import jwt

        decode = _pyjwt_decoder()
        bearer = HTTPBearer()

        # The shape of FastAPI's security tutorials: HTTPBearer, then PyJWT on the credential.
        async def claims_of(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> Dict[str, Any]:
            try:
                return decode(creds.credentials)
            except (jwt.PyJWTError, jwt.PyJWKClientError):
                raise HTTPException(status_code=401, detail="invalid token",
                                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    else:
        async def claims_of() -> Dict[str, Any]:
            return {"sub": "anonymous"}

    @api.get("/whoami", response_class=PlainTextResponse)
    async def whoami(claims: Dict[str, Any] = Depends(claims_of)) -> str:
        return f"hello {claims['sub']}\n"

    return api


def __getattr__(name: str) -> Any:
    # Built on first access (per worker process), after gunicorn or uvicorn forked.
    if name == "wsgi":
        app = _make_wsgi()
    elif name == "asgi":
        app = _make_asgi()
    else:
        raise AttributeError(name)
    globals()[name] = app
    return app
