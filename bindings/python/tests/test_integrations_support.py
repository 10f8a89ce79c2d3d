"""Shared pieces of the framework integration tests (no tests here): real servers on loopback
(uvicorn for ASGI, a threaded wsgiref server for WSGI), tokens valid at the current time, and
the checks every integration must pass (RFC 6750 answers)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Callable, Dict, Iterator, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from conftest import JwksServer, jwks_of, key

import jwkskit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

AUDIENCE = "api://orders"


def token(scope: Optional[str] = "orders:read", *, kid: str = "default", **extra: Any) -> str:
    """A token valid now (for an hour) for AUDIENCE, signed by key("RS256", kid)."""
    now = int(time.time())
    c: Dict[str, Any] = {"iss": "https://issuer.test", "aud": AUDIENCE, "sub": "user-42", "iat": now - 5, "exp": now + 3600}
    if scope is not None:
        c["scope"] = scope
    c.update(extra)
    return key("RS256", kid).sign({k: v for k, v in c.items() if v is not None})


def remote_verifier(server: JwksServer, **options: Any) -> jwkskit.Verifier:
    """A verifier over the loopback JWKS server, which is made to serve key("RS256")."""
    server.jwks = jwks_of(key("RS256"))
    options.setdefault("audiences", AUDIENCE)
    return jwkskit.Verifier.from_url(server.url, allow_http=True, **options)


class Uvicorn:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class Wsgi:
    """A WSGI app served by a threaded wsgiref server on 127.0.0.1."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.httpd = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_fixture(server_class: Callable[[Any], Any]) -> Any:
    """A ``serve`` fixture: ``serve(app)`` serves the app with ``server_class`` (:class:`Uvicorn`
    or :class:`Wsgi`) and returns its base URL; the servers are closed after the test."""

    @pytest.fixture
    def serve() -> Iterator[Callable[[Any], str]]:
        started = []

        def start(app: Any) -> str:
            s = server_class(app)
            started.append(s)
            return str(s.base)

        yield start
        for s in started:
            s.close()

    return serve


def get(base: str, path: str = "/orders", auth: Optional[str] = None, **kw: Any) -> httpx.Response:
    headers = {} if auth is None else {"Authorization": auth}
    return httpx.get(base + path, headers=headers, timeout=30, **kw)


def www_authenticate(r: httpx.Response) -> str:
    return r.headers.get("www-authenticate", "")


def check_common_answers(base: str, user_in: Callable[[httpx.Response], str]) -> None:
    """The cases every integration answers alike, against a warm or cold verifier over a live
    key server: valid, expired, wrong audience, missing scope, no header, malformed header,
    other scheme, lower-case scheme, token in the query string."""
    ok = get(base, auth="Bearer " + token())
    assert ok.status_code == 200, ok.text
    assert user_in(ok) == "user-42"

    lower = get(base, auth="bearer " + token())
    assert lower.status_code == 200, "the scheme is case-insensitive (RFC 6750 2.1)"

    scp = get(base, auth="Bearer " + token(scope=None, scp=["profile", "orders:read"]))
    assert scp.status_code == 200, "scp as an array grants scopes"

    expired = get(base, auth="Bearer " + token(exp=int(time.time()) - 600, iat=int(time.time()) - 1200))
    assert expired.status_code == 401
    assert 'error="invalid_token"' in www_authenticate(expired)
    assert 'error_description="the token has expired"' in www_authenticate(expired)

    audience = get(base, auth="Bearer " + token(aud="api://other"))
    assert audience.status_code == 401
    assert 'error="invalid_token"' in www_authenticate(audience)
    assert "audience" in www_authenticate(audience)

    forged = get(base, auth="Bearer " + token()[:-4] + "AAAA")
    assert forged.status_code == 401 and 'error="invalid_token"' in www_authenticate(forged)
    # No key material, kid or URL in the answer.
    for text in (www_authenticate(forged), forged.text):
        assert "default" not in text and "127.0.0.1" not in text and key("RS256").jwk["n"][:16] not in text

    scope = get(base, auth="Bearer " + token(scope="profile"))
    assert scope.status_code == 403
    assert 'error="insufficient_scope"' in www_authenticate(scope)
    assert 'scope="orders:read"' in www_authenticate(scope)

    none = get(base)
    assert none.status_code == 401
    assert www_authenticate(none).startswith("Bearer")
    assert "error=" not in www_authenticate(none), "no error code without credentials (RFC 6750 3.1)"

    for other in ("Basic dXNlcjpwYXNz", "Bearertoken"):
        r = get(base, auth=other)
        assert r.status_code == 401 and "error=" not in www_authenticate(r), "another scheme is no bearer token"

    for bad in ("Bearer", "Bearer a b", "Bearer " + token() + ", Bearer " + token(), "Bearer\tx.y.z", "Bearer tök"):
        r = httpx.get(base + "/orders", headers=[("Authorization", bad.encode("utf-8"))], timeout=30)
        assert r.status_code == 400, (bad, r.status_code)
        assert 'error="invalid_request"' in www_authenticate(r), bad

    query = get(base, params={"access_token": token()}, auth="Bearer " + token())
    assert query.status_code == 400 and 'error="invalid_request"' in www_authenticate(query)
    query_only = get(base, params={"access_token": token()})
    assert query_only.status_code == 400


def check_keys_down(base_for: Callable[[jwkskit.Verifier], str], server: JwksServer) -> None:
    """Keys unavailable (endpoint answering 500, then no endpoint at all) -> 503 + Retry-After."""
    server.status = 500
    v = remote_verifier(server, http_timeout=2)
    base = base_for(v)
    r = get(base, auth="Bearer " + token())
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    assert "127.0.0.1" not in r.text

    gone = jwkskit.Verifier.from_url("http://127.0.0.1:9/jwks.json", allow_http=True, audiences=AUDIENCE, http_timeout=2)
    r = get(base_for(gone), auth="Bearer " + token())
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
