"""The WSGI middleware and the Flask extension behind a threaded WSGI server on loopback,
with httpx as the client (examples/flask_app.py as the README shows it)."""

from __future__ import annotations

import json
import threading
import time

import flask  # noqa: F401  (a test requirement: a missing one fails)
from test_integrations_support import (  # puts examples/ on sys.path
    Wsgi,
    check_common_answers,
    check_keys_down,
    get,
    remote_verifier,
    serve_fixture,
    token,
)

import flask_app  # noqa: E402,I001  (examples/flask_app.py)
from jwkskit.integrations.wsgi import CLAIMS_KEY, BearerAuthMiddleware


serve = serve_fixture(Wsgi)


def hello(environ, start_response):
    body = json.dumps({"user": environ[CLAIMS_KEY]["sub"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def test_wsgi_middleware_answers_as_rfc_6750_says(server, serve):
    base = serve(BearerAuthMiddleware(hello, remote_verifier(server), scopes=["orders:read"]))
    check_common_answers(base, lambda r: r.json()["user"])
    assert server.count() == 1


def test_wsgi_middleware_keys_down_is_503(server, serve):
    check_keys_down(lambda v: serve(BearerAuthMiddleware(hello, v, scopes="orders:read")), server)


def test_wsgi_middleware_exempt_paths(server, serve):
    def up(environ, start_response):
        start_response("200 OK", [])
        return [b"up" if CLAIMS_KEY not in environ else b"claims?"]

    base = serve(BearerAuthMiddleware(up, remote_verifier(server), exempt_paths=["/health"]))
    assert get(base, "/health").text == "up"
    assert get(base, "/orders").status_code == 401


def test_flask_extension_answers_as_rfc_6750_says(server, serve):
    app = flask_app.make_app(remote_verifier(server))
    base = serve(app)
    check_common_answers(base, lambda r: r.json()["user"])
    r = get(base, auth="Bearer " + token(scope="profile"))
    assert r.json() == {"error": "insufficient_scope", "error_description": "the token lacks a required scope", "scope": "orders:read"}


def test_flask_extension_keys_down_is_503(server, serve):
    check_keys_down(lambda v: serve(flask_app.make_app(v)), server)


def test_flask_init_app_and_extension_scopes(server, serve):
    from flask import Flask, g

    from jwkskit.integrations.flask import BearerAuth

    app = Flask(__name__)
    auth = BearerAuth(remote_verifier(server), app, scopes="api")
    assert app.extensions["jwkskit"] is auth

    @app.get("/orders")
    @auth.required("orders:read")
    def orders():
        return {"scope": g.claims["scope"]}

    base = serve(app)
    assert get(base, auth="Bearer " + token(scope="api orders:read")).json() == {"scope": "api orders:read"}
    r = get(base, auth="Bearer " + token(scope="orders:read"))
    assert r.status_code == 403 and 'scope="api orders:read"' in r.headers["www-authenticate"]


def test_wsgi_threads_keep_serving_while_one_waits_for_keys(server, serve):
    """A WSGI worker waiting on a key fetch holds its own thread only."""
    server.delay = 2.0
    cold = remote_verifier(server)

    def health(environ, start_response):
        start_response("200 OK", [])
        return [b"up"]

    base = serve(BearerAuthMiddleware(health, cold, exempt_paths=["/health"]))
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=get(base, auth="Bearer " + token())))
    t.start()
    time.sleep(0.3)
    started = time.monotonic()
    for _ in range(5):
        assert get(base, "/health").text == "up"
    assert time.monotonic() - started < 1.0
    assert t.is_alive(), "the key fetch was still running meanwhile"
    t.join(30)
    assert slow["r"].status_code == 200
