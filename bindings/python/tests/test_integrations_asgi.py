"""The ASGI middleware and the FastAPI dependency behind uvicorn, with httpx as the client
(examples/asgi_app.py and examples/fastapi_app.py, as the README shows them)."""

from __future__ import annotations

import pytest

import fastapi  # noqa: E402,F401
import uvicorn  # noqa: E402,F401

from test_integrations_support import (  # noqa: E402  (puts examples/ on sys.path)
    Uvicorn,
    check_common_answers,
    check_keys_down,
    get,
    remote_verifier,
    serve_fixture,
    token,
)

import asgi_app  # noqa: E402,I001  (examples/asgi_app.py)
import fastapi_app  # noqa: E402  (examples/fastapi_app.py)

import jwkskit  # noqa: E402


serve = serve_fixture(Uvicorn)


def test_asgi_middleware_answers_as_rfc_6750_says(server, serve):
    base = serve(asgi_app.make_app(remote_verifier(server)))
    check_common_answers(base, lambda r: r.text[len("hello ") :] if r.text.startswith("hello ") else r.text)
    # Two Authorization headers are refused, not one of them picked.
    import httpx

    two = httpx.get(base + "/orders", headers=[("Authorization", "Bearer " + token())] * 2, timeout=30)
    assert two.status_code == 400 and 'error="invalid_request"' in two.headers["www-authenticate"]
    assert server.count() == 1, "one key fetch served every request"


def test_asgi_middleware_exempt_path_needs_no_token(server, serve):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"up"})

    from jwkskit.integrations.asgi import BearerAuthMiddleware

    base = serve(BearerAuthMiddleware(app, remote_verifier(server), exempt_paths=["/health"]))
    assert get(base, "/health").text == "up"
    assert get(base, "/other").status_code == 401
    assert server.count() == 0, "no fetch for exempt or token-less requests"


def test_asgi_middleware_keys_down_is_503(server, serve):
    check_keys_down(lambda v: serve(asgi_app.make_app(v)), server)


def test_fastapi_dependency_answers_as_rfc_6750_says(server, serve):
    base = serve(fastapi_app.make_app(remote_verifier(server)))
    check_common_answers(base, lambda r: r.json()["user"])
    body = get(base, auth="Bearer " + token(scope="profile")).json()
    assert body == {
        "detail": {
            "error": "insufficient_scope",
            "error_description": "the token lacks a required scope",
            "scope": "orders:read",
        }
    }


def test_fastapi_dependency_combines_constructor_and_route_scopes(server, serve):
    from fastapi import FastAPI, Security

    from jwkskit.integrations.fastapi import BearerClaims

    app = FastAPI()
    bearer = BearerClaims(remote_verifier(server), scopes="api", realm="orders")

    @app.get("/orders")
    async def orders(claims: dict = Security(bearer, scopes=["orders:write"])):
        return claims

    base = serve(app)
    assert get(base, auth="Bearer " + token(scope="api orders:write")).status_code == 200
    r = get(base, auth="Bearer " + token(scope="orders:write"))
    assert r.status_code == 403
    assert r.headers["www-authenticate"] == (
        'Bearer realm="orders", error="insufficient_scope", '
        'error_description="the token lacks a required scope", scope="api orders:write"'
    )
    # The route is documented as bearer-protected.
    schema = get(base, "/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerClaims"]["scheme"] == "bearer"


def test_fastapi_dependency_keys_down_is_503(server, serve):
    check_keys_down(lambda v: serve(fastapi_app.make_app(v)), server)


def test_closed_verifier_is_a_server_error_not_a_401(server, serve):
    v = remote_verifier(server)
    base = serve(fastapi_app.make_app(v))
    v.close()
    with pytest.raises(jwkskit.VerifierClosed):
        v.verify(token())
    r = get(base, auth="Bearer " + token())
    assert r.status_code == 500
