"""DPoP through every framework integration, each behind a real server on loopback (uvicorn for
the ASGI middleware and FastAPI, a threaded WSGI server for the WSGI middleware, Flask and
Django), with httpx as the client: proofs accepted, DPoP-bound tokens refused as Bearer, a
missing proof, a proof for another URI, a replay, the nonce challenge, both challenges when
either scheme is allowed, routes with their own schemes, and the external URI behind a proxy."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterator, List, Optional

import django
import httpx
import pytest
from django.conf import settings
from dpop_support import ProofKey, bound_token
from test_integrations_support import AUDIENCE, Uvicorn, Wsgi, remote_verifier, token

import django_app  # noqa: E402,I001  (examples/django_app.py, on sys.path through the support module)

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF="django_app",
        MIDDLEWARE=django_app.MIDDLEWARE,
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

import jwkskit  # noqa: E402

FRAMEWORKS = ["asgi", "fastapi", "wsgi", "flask", "django"]
PUBLIC = "https://api.example.com"


# ------------------------------------------------------------------------------------------------
# One app per framework: /orders accepts the verifier's schemes (or token_scheme), /pay DPoP only,
# /plain Bearer only. Each answers {"user": sub}.


def asgi_app(v: jwkskit.Verifier, **kw: Any) -> Any:
    from jwkskit.integrations.asgi import BearerAuthMiddleware

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        body = json.dumps({"user": scope["state"]["claims"]["sub"]}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return BearerAuthMiddleware(app, v, route_schemes={"/pay": "dpop", "/plain": "bearer"}, **kw)


def fastapi_app(v: jwkskit.Verifier, **kw: Any) -> Any:
    from fastapi import Depends, FastAPI

    from jwkskit.integrations.fastapi import BearerClaims

    app = FastAPI()
    orders = BearerClaims(v, **kw)
    pay = BearerClaims(v, **{**kw, "token_scheme": "dpop"})
    plain = BearerClaims(v, **{**kw, "token_scheme": "bearer"})

    @app.get("/orders")
    async def get_orders(claims: dict = Depends(orders)) -> Dict[str, Any]:
        return {"user": claims["sub"]}

    @app.get("/pay")
    async def get_pay(claims: dict = Depends(pay)) -> Dict[str, Any]:
        return {"user": claims["sub"]}

    @app.get("/plain")
    async def get_plain(claims: dict = Depends(plain)) -> Dict[str, Any]:
        return {"user": claims["sub"]}

    return app


def wsgi_app(v: jwkskit.Verifier, **kw: Any) -> Any:
    from jwkskit.integrations.wsgi import CLAIMS_KEY, BearerAuthMiddleware

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        body = json.dumps({"user": environ[CLAIMS_KEY]["sub"]}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return BearerAuthMiddleware(app, v, route_schemes={"/pay": "dpop", "/plain": "bearer"}, **kw)


def flask_app(v: jwkskit.Verifier, **kw: Any) -> Any:
    from flask import Flask, g

    from jwkskit.integrations.flask import BearerAuth

    app = Flask("dpop")
    auth = BearerAuth(v, app, **kw)

    @app.get("/orders")
    @auth.required()
    def orders() -> Dict[str, Any]:
        return {"user": g.claims["sub"]}

    @app.get("/pay")
    @auth.required(token_scheme="dpop")
    def pay() -> Dict[str, Any]:
        return {"user": g.claims["sub"]}

    @app.get("/plain")
    @auth.required(token_scheme="bearer")
    def plain() -> Dict[str, Any]:
        return {"user": g.claims["sub"]}

    return app


def django_wsgi(v: jwkskit.Verifier, **kw: Any) -> Any:
    # examples/django_app.py serves /orders (needing orders:read); /pay and /plain are the same
    # view under other paths, added here.
    from django.urls import path

    if not any(str(p.pattern) == "pay" for p in django_app.urlpatterns):
        django_app.urlpatterns += [path("pay", django_app.orders), path("plain", django_app.orders)]
    conf: Dict[str, Any] = {"VERIFIER": v, "ROUTE_SCHEMES": {"/pay": "dpop", "/plain": "bearer"}}
    if "token_scheme" in kw:
        conf["TOKEN_SCHEME"] = kw["token_scheme"]
    if "public_url" in kw:
        conf["PUBLIC_URL"] = kw["public_url"]
    if "scopes" in kw:
        conf["SCOPES"] = kw["scopes"]
    if "client_cert_header" in kw:
        conf["CLIENT_CERT_HEADER"] = kw["client_cert_header"]
    with override_settings(JWKSKIT=conf):
        return WSGIHandler()


MAKERS = {"asgi": asgi_app, "fastapi": fastapi_app, "wsgi": wsgi_app, "flask": flask_app, "django": django_wsgi}


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    started: List[Any] = []

    def start(framework: str, v: jwkskit.Verifier, **kw: Any) -> str:
        app = MAKERS[framework](v, **kw)
        s = (Uvicorn if framework in ("asgi", "fastapi") else Wsgi)(app)
        started.append(s)
        return str(s.base)

    yield start
    for s in started:
        s.close()


# ------------------------------------------------------------------------------------------------


def challenges(r: httpx.Response) -> List[str]:
    """The WWW-Authenticate challenges, one per header (Django joins them in one header)."""
    out: List[str] = []
    for value in r.headers.get_list("www-authenticate"):
        # A comma also separates a challenge's parameters: a challenge starts with its scheme.
        parts = value.split(", ")
        for p in parts:
            if p.startswith(("Bearer", "DPoP")) or not out:
                out.append(p)
            else:
                out[-1] += ", " + p
    return out


def schemes(r: httpx.Response) -> List[str]:
    return sorted(c.split(" ", 1)[0] for c in challenges(r))


def dpop_get(base: str, path: str, tok: str, proof: Optional[str], **headers: str) -> httpx.Response:
    h = {"Authorization": "DPoP " + tok, **headers}
    if proof is not None:
        h["DPoP"] = proof
    return httpx.get(base + path, headers=h, timeout=30)


def error_of(r: httpx.Response, scheme: str) -> Optional[str]:
    for c in challenges(r):
        if c.startswith(scheme) and 'error="' in c:
            return c.split('error="', 1)[1].split('"', 1)[0]
    return None


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_dpop_requests(framework, server, serve):
    v = remote_verifier(server, token_scheme="either")
    base = serve(framework, v)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    uri = base + "/orders"

    # Accepted: a DPoP-bound token with its proof.
    ok = dpop_get(base, "/orders", tok, pk.proof("GET", uri, tok))
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"user": "user-42"}
    assert "dpop-nonce" not in ok.headers

    # A plain bearer token is accepted too where either scheme is.
    assert httpx.get(uri, headers={"Authorization": "Bearer " + token()}, timeout=30).status_code == 200

    # A DPoP-bound token sent as Bearer (RFC 9449 §7.2).
    bearer = httpx.get(uri, headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert bearer.status_code == 401, bearer.text
    assert error_of(bearer, "Bearer") == "invalid_token"
    assert schemes(bearer) == ["Bearer", "DPoP"]

    # No proof.
    missing = dpop_get(base, "/orders", tok, None)
    assert missing.status_code == 401
    assert error_of(missing, "DPoP") == "invalid_dpop_proof"
    assert error_of(missing, "Bearer") is None, "the error is on the scheme the client used"

    # A proof for another URI, and for another method.
    for proof in (pk.proof("GET", "https://elsewhere.example/orders", tok), pk.proof("POST", uri, tok)):
        wrong = dpop_get(base, "/orders", tok, proof)
        assert wrong.status_code == 401 and error_of(wrong, "DPoP") == "invalid_dpop_proof"

    # A proof of another token (ath), and a proof signed by another key than cnf.jkt.
    other = bound_token(pk.jkt, audience=AUDIENCE, sub="someone-else")
    assert dpop_get(base, "/orders", tok, pk.proof("GET", uri, other)).status_code == 401
    assert dpop_get(base, "/orders", tok, ProofKey().proof("GET", uri, tok)).status_code == 401

    # A replay.
    proof = pk.proof("GET", uri, tok)
    assert dpop_get(base, "/orders", tok, proof).status_code == 200
    replay = dpop_get(base, "/orders", tok, proof)
    assert replay.status_code == 401 and error_of(replay, "DPoP") == "invalid_dpop_proof"

    # No credentials: both challenges, no error; the DPoP one names the algorithms.
    none = httpx.get(uri, timeout=30)
    assert none.status_code == 401
    assert schemes(none) == ["Bearer", "DPoP"]
    assert all("error=" not in c for c in challenges(none))
    assert any(c.startswith("DPoP") and 'algs="' in c for c in challenges(none))
    if framework != "django":
        assert len(none.headers.get_list("www-authenticate")) == 2, "each challenge is a header"

    # A DPoP-only route refuses Bearer, with only the DPoP challenge; accepts DPoP.
    pay = httpx.get(base + "/pay", headers={"Authorization": "Bearer " + token()}, timeout=30)
    assert pay.status_code == 401, pay.text
    assert schemes(pay) == ["DPoP"]
    assert dpop_get(base, "/pay", tok, pk.proof("GET", base + "/pay", tok)).status_code == 200

    # A Bearer-only route: the bound token is refused as Bearer there too.
    plain = httpx.get(base + "/plain", headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert plain.status_code == 401 and error_of(plain, "Bearer") == "invalid_token"
    assert httpx.get(base + "/plain", headers={"Authorization": "Bearer " + token()}, timeout=30).status_code == 200


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bearer_only_refuses_dpop_bound_tokens(framework, server, serve):
    # The default policy (bearer only): the one-call path, and a token with cnf verified
    # again as a request.
    v = remote_verifier(server)
    base = serve(framework, v)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    r = httpx.get(base + "/orders", headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert r.status_code == 401 and error_of(r, "Bearer") == "invalid_token", r.text
    assert "DPoP" not in schemes(r)
    ok = httpx.get(base + "/orders", headers={"Authorization": "Bearer " + token()}, timeout=30)
    assert ok.status_code == 200 and ok.json() == {"user": "user-42"}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_nonce_challenge(framework, server, serve):
    v = remote_verifier(server, token_scheme="dpop", dpop_nonce_lifetime=60)
    base = serve(framework, v)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    uri = base + "/orders"
    first = dpop_get(base, "/orders", tok, pk.proof("GET", uri, tok))
    assert first.status_code == 401, first.text
    assert error_of(first, "DPoP") == "use_dpop_nonce"
    nonce = first.headers["dpop-nonce"]
    assert nonce and nonce == v.dpop_nonce()
    again = dpop_get(base, "/orders", tok, pk.proof("GET", uri, tok, nonce=nonce))
    assert again.status_code == 200, again.text
    assert again.json() == {"user": "user-42"}
    # DPoP only: the no-credentials answer has the DPoP challenge alone.
    assert schemes(httpx.get(uri, timeout=30)) == ["DPoP"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_public_url_behind_a_proxy(framework, server, serve):
    v = remote_verifier(server)
    base = serve(framework, v, token_scheme="dpop", public_url=PUBLIC + "/")
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    ok = dpop_get(base, "/orders", tok, pk.proof("GET", PUBLIC + "/orders", tok))
    assert ok.status_code == 200, ok.text
    inner = dpop_get(base, "/orders", tok, pk.proof("GET", base + "/orders", tok))
    assert inner.status_code == 401 and error_of(inner, "DPoP") == "invalid_dpop_proof"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_insufficient_scope_with_dpop(framework, server, serve):
    v = remote_verifier(server, token_scheme="either")
    base = serve(framework, v, scopes="orders:write")
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE, scope="orders:read")
    r = dpop_get(base, "/orders", tok, pk.proof("GET", base + "/orders", tok))
    assert r.status_code == 403, r.text
    assert error_of(r, "DPoP") == "insufficient_scope" and error_of(r, "Bearer") is None
    assert any(c.startswith("DPoP") and 'scope="orders:write"' in c for c in challenges(r))
    ok = bound_token(pk.jkt, audience=AUDIENCE, scope="orders:read orders:write")
    assert dpop_get(base, "/orders", ok, pk.proof("GET", base + "/orders", ok)).status_code == 200


@pytest.mark.parametrize("framework", ["asgi", "fastapi"])
def test_two_dpop_headers_are_refused(framework, server, serve):
    # ASGI servers keep repeated headers apart (WSGI servers fold them into one value, which is
    # no proof either).
    v = remote_verifier(server, token_scheme="dpop")
    base = serve(framework, v)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    uri = base + "/orders"
    headers = [("Authorization", "DPoP " + tok), ("DPoP", pk.proof("GET", uri, tok)), ("DPoP", pk.proof("GET", uri, tok))]
    r = httpx.get(uri, headers=headers, timeout=30)
    assert r.status_code == 401 and error_of(r, "DPoP") == "invalid_dpop_proof"


def test_rules_reject_bad_settings(server):
    from jwkskit.integrations.rules import BearerRules

    v = remote_verifier(server)
    with pytest.raises(ValueError, match="public_url"):
        BearerRules(v, public_url="api.example.com")
    with pytest.raises(ValueError, match="public_url"):
        BearerRules(v, public_url="https://api.example.com/?x=1")
    with pytest.raises(jwkskit.InvalidArgument, match="token_scheme"):
        BearerRules(v, token_scheme="mtls")
    with pytest.raises(ValueError, match="client_cert_header"):
        BearerRules(v, client_cert_header=("apache", "X-Cert"))
    assert BearerRules(v, token_scheme="either").verifies_requests()
    assert not BearerRules(v).verifies_requests()
    assert BearerRules(v).verifies_requests("dpop")


# ------------------------------------------------------------------------------------------------
# The README's DPoP examples: shown verbatim, and they work.


@pytest.mark.parametrize("name", ["dpop_request.py", "dpop_fastapi.py"])
def test_readme_shows_the_dpop_examples_verbatim(name):
    from test_integrations_support import EXAMPLES

    text = (EXAMPLES / name).read_text().strip()
    assert "```python\n" + text + "\n```" in (EXAMPLES.parent / "README.md").read_text()


def test_readme_dpop_request_example(server):
    import dpop_request  # examples/dpop_request.py

    v = remote_verifier(server, token_scheme="either", dpop_nonce_lifetime=60)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    uri = "https://api.example.com/orders"
    status, headers, error = dpop_request.authenticate(v, "GET", uri, "DPoP " + tok, pk.proof("GET", uri, tok))
    assert (status, error) == (401, "use_dpop_nonce")
    nonce = dict(headers)["DPoP-Nonce"]
    assert [k for k, _ in headers].count("WWW-Authenticate") == 2
    status, headers, claims = dpop_request.authenticate(v, "GET", uri, "DPoP " + tok, pk.proof("GET", uri, tok, nonce=nonce))
    assert status == 200 and claims["sub"] == "user-42" and headers == []
    status, _, error = dpop_request.authenticate(v, "GET", uri, "Bearer " + tok, None)
    assert (status, error) == (401, "invalid_token")


def test_readme_dpop_fastapi_example(server):
    import dpop_fastapi  # examples/dpop_fastapi.py

    s = Uvicorn(dpop_fastapi.make_app(remote_verifier(server)))
    try:
        pk = ProofKey()
        tok = bound_token(pk.jkt, audience=AUDIENCE)
        r = dpop_get(s.base, "/transfers", tok, pk.proof("GET", PUBLIC + "/transfers", tok))
        assert r.status_code == 200, r.text
        assert r.json() == {"user": "user-42", "key": pk.jkt}
        r = httpx.get(s.base + "/transfers", headers={"Authorization": "Bearer " + token()}, timeout=30)
        assert r.status_code == 401 and schemes(r) == ["DPoP"]
    finally:
        s.close()


# ------------------------------------------------------------------------------------------------
# Certificate-bound tokens (RFC 8705), the certificate forwarded by a proxy in a header.


def _cert(name: str) -> "tuple[str, bytes]":
    from conftest import VECTORS
    from dpop_support import pem_to_der

    pem = (VECTORS / "dpop" / "keys" / f"{name}.pem").read_text()
    return pem, pem_to_der(pem)


def cert_bound_token(der: bytes, **extra: Any) -> str:
    import hashlib

    from conftest import b64

    return token(cnf={"x5t#S256": b64(hashlib.sha256(der).digest())}, **extra)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_certificate_bound_tokens(framework, server, serve):
    from urllib.parse import quote

    pem, der = _cert("client-cert")
    other_pem, _ = _cert("other-cert")
    tok = cert_bound_token(der)
    uri_headers = {"Authorization": "Bearer " + tok}
    for policy in ({}, {"require_certificate_binding": True}):
        v = remote_verifier(server, **policy)
        base = serve(framework, v, client_cert_header=("nginx", "X-Client-Cert"))
        ok = httpx.get(base + "/orders", headers={**uri_headers, "X-Client-Cert": quote(pem, safe="")}, timeout=30)
        assert ok.status_code == 200, (policy, ok.text)
        for cert in (None, quote(other_pem, safe=""), "-"):
            headers = dict(uri_headers) if cert is None else {**uri_headers, "X-Client-Cert": cert}
            r = httpx.get(base + "/orders", headers=headers, timeout=30)
            assert r.status_code == 401 and error_of(r, "Bearer") == "invalid_token", (policy, cert, r.text)
        # A token bound to nothing: accepted unless binding is required.
        plain = httpx.get(base + "/orders", headers={"Authorization": "Bearer " + token(), "X-Client-Cert": quote(pem, safe="")}, timeout=30)
        assert plain.status_code == (401 if policy else 200), (policy, plain.text)


def test_certificate_from_envoy_xfcc(server, serve):
    from urllib.parse import quote

    pem, der = _cert("client-cert")
    v = remote_verifier(server, require_certificate_binding=True)
    base = serve("asgi", v, client_cert_header=("xfcc", "X-Forwarded-Client-Cert"))
    xfcc = f'By=spiffe://proxy.example/front;Cert="{quote(pem, safe="")}"'
    r = httpx.get(base + "/orders", headers={"Authorization": "Bearer " + cert_bound_token(der), "X-Forwarded-Client-Cert": xfcc}, timeout=30)
    assert r.status_code == 200, r.text


# ------------------------------------------------------------------------------------------------
# Many clients at once, a Python replay store called from the server's threads.


def test_concurrent_dpop_requests_with_a_python_replay_store(server, serve):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()
    seen: Dict[str, int] = {}

    def store(key: str, expires_at: int, now: int) -> jwkskit.ReplayVerdict:
        with lock:
            if key in seen:
                return jwkskit.ReplayVerdict.SEEN
            seen[key] = expires_at
            return jwkskit.ReplayVerdict.FRESH

    v = remote_verifier(server, token_scheme="dpop", dpop_replay_store=store)
    base = serve("wsgi", v)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUDIENCE)
    proofs = [pk.proof("GET", base + "/orders", tok) for _ in range(64)]
    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(lambda p: dpop_get(base, "/orders", tok, p).status_code, proofs))
        again = list(pool.map(lambda p: dpop_get(base, "/orders", tok, p).status_code, proofs))
    assert first == [200] * 64 and again == [401] * 64
    assert len(seen) == 64
