"""Shared helpers: keys and tokens (signed with PyJWT + cryptography), a loopback JWKS server."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

REPO = Path(__file__).resolve().parents[3]
VECTORS = Path(os.environ.get("JWKS_VECTORS", REPO / "tests" / "vectors"))
ISSUER = "https://issuer.test"
AUDIENCE = "api://test"
NOW = 1_700_000_000


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_vector(rel: str) -> Any:
    path = VECTORS / rel
    if not path.is_file():
        raise FileNotFoundError(
            f"test vectors not found at {path} (expected at tests/vectors of the repository; "
            "set JWKS_VECTORS to their directory)"
        )
    return json.loads(path.read_text())


def ec_coordinates(public: ec.EllipticCurvePublicKey) -> Dict[str, str]:
    """The JWK "x" and "y" of an EC public key, each the full size of its curve."""
    size = (public.curve.key_size + 7) // 8
    numbers = public.public_numbers()
    return {"x": b64(numbers.x.to_bytes(size, "big")), "y": b64(numbers.y.to_bytes(size, "big"))}


class Key:
    """A private key, its public JWK and a signer."""

    def __init__(self, alg: str, kid: Optional[str]) -> None:
        self.alg = alg
        self.kid = kid
        if alg.startswith(("RS", "PS")):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "ES384":
            self.private = ec.generate_private_key(ec.SECP384R1())
        elif alg == "ES512":
            self.private = ec.generate_private_key(ec.SECP521R1())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)
        algo = jwt.get_algorithm_by_name(alg if alg != "EdDSA" else "EdDSA")
        self.jwk: Dict[str, Any] = json.loads(algo.to_jwk(self.private.public_key()))
        if alg.startswith("ES"):
            # RFC 7518 s.6.2.1.2: each coordinate is the full size of the curve (66 bytes for
            # P-521). PyJWT before 2.10 drops leading zero bytes, which the library refuses.
            self.jwk.update(ec_coordinates(self.private.public_key()))
        if kid is not None:
            self.jwk["kid"] = kid

    def sign(self, claims: Dict[str, Any], headers: Optional[Dict[str, Any]] = None) -> str:
        h = {"kid": self.kid} if self.kid is not None else {}
        h.update(headers or {})
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=h)


_KEY_CACHE: Dict[Any, Key] = {}


def key(alg: str, kid: Optional[str] = "default") -> Key:
    """A key per (alg, kid), generated once per test session (RSA generation is slow)."""
    k = _KEY_CACHE.get((alg, kid))
    if k is None:
        k = _KEY_CACHE[(alg, kid)] = Key(alg, kid)
    return k


def claims(**extra: Any) -> Dict[str, Any]:
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": NOW - 10, "exp": NOW + 600}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def jwks_of(*keys: Key) -> Dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


class JwksServer:
    """A JWKS endpoint (and OpenID discovery document) on 127.0.0.1, in a thread."""

    def __init__(self) -> None:
        self.jwks: Dict[str, Any] = {"keys": []}
        self.status = 200
        self.delay = 0.0
        self.max_age: Optional[int] = None
        self.requests: List[Dict[str, Any]] = []
        self.issuer_override: Optional[str] = None
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with server.lock:
                    server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
                    delay, status = server.delay, server.status
                    doc = json.dumps(server.jwks).encode()
                if delay:
                    time.sleep(delay)
                if self.path == "/.well-known/openid-configuration":
                    doc = json.dumps(
                        {"issuer": server.issuer_override or server.base, "jwks_uri": server.base + "/jwks.json"}
                    ).encode()
                elif self.path != "/jwks.json":
                    status, doc = 404, b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(doc)))
                if server.max_age is not None:
                    self.send_header("Cache-Control", f"max-age={server.max_age}")
                self.end_headers()
                self.wfile.write(doc)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.base + "/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self, path: str = "/jwks.json") -> int:
        with self.lock:
            return sum(1 for r in self.requests if r["path"] == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = JwksServer()
    yield s
    s.close()
