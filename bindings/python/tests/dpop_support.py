"""DPoP helpers for the tests (no tests here): proofs signed with PyJWT and cryptography, the
RFC 7638 thumbprint of a proof key, DPoP-bound access tokens, and the corpus reader."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any, Dict, List, Optional
from urllib.parse import unquote

import jwt
from conftest import VECTORS, b64, ec_coordinates, key
from cryptography.hazmat.primitives.asymmetric import ec

import jwkskit

ISSUER = "https://issuer.test"


def thumbprint(jwk: Dict[str, Any]) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64(hashlib.sha256(canonical.encode()).digest())


class ProofKey:
    """A client's DPoP key (ES256) and its proofs."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.jwk = {"kty": "EC", "crv": "P-256", **ec_coordinates(self.private.public_key())}
        self.jkt = thumbprint(self.jwk)

    def proof(
        self,
        method: str,
        uri: str,
        access_token: Optional[str] = None,
        *,
        iat: Optional[int] = None,
        jti: Optional[str] = None,
        nonce: Optional[str] = None,
        jwk: Optional[Dict[str, Any]] = None,
        typ: Optional[str] = "dpop+jwt",
    ) -> str:
        claims: Dict[str, Any] = {
            "jti": jti or secrets.token_urlsafe(12),
            "htm": method,
            "htu": uri,
            "iat": int(time.time()) if iat is None else iat,
        }
        if access_token is not None:
            claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        if nonce is not None:
            claims["nonce"] = nonce
        headers: Dict[str, Any] = {"jwk": jwk or self.jwk}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(claims, self.private, algorithm="ES256", headers=headers)


def bound_token(jkt: str, *, audience: str, scope: Optional[str] = "orders:read", **extra: Any) -> str:
    """An access token valid now, bound to ``jkt`` (cnf.jkt), signed by key("RS256")."""
    now = int(time.time())
    c: Dict[str, Any] = {"iss": ISSUER, "aud": audience, "sub": "user-42", "iat": now - 5, "exp": now + 3600, "cnf": {"jkt": jkt}}
    if scope is not None:
        c["scope"] = scope
    c.update(extra)
    return key("RS256").sign(c)


class Case:
    """One case of tests/vectors/dpop/corpus.txt."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.now = 0
        self.options: Dict[str, Any] = {}
        self.method = ""
        self.uri = ""
        self.authorization: List[str] = []
        self.dpop: List[str] = []
        self.cert: Optional[jwkskit.ClientCert] = None
        self.cert_pem: Optional[str] = None
        self.route: Optional[str] = None
        self.expect: List[str] = []


def _option(name: str, value: str) -> Any:
    if name in ("allow_dpop_bound_bearer", "require_certificate_binding"):
        assert value in ("true", "false"), value
        return value == "true"
    if name == "dpop_nonce_lifetime":
        return int(value)
    if name in ("token_scheme", "dpop_nonce_secret", "algorithms"):
        return value
    raise AssertionError(f"the corpus has an option this reader does not know: {name}")


def read_corpus() -> "tuple[str, List[Case]]":
    """The corpus's key set and cases, read as examples/dpop_corpus.rs describes them."""
    path = VECTORS / "dpop" / "corpus.txt"
    jwks = ""
    cases: List[Case] = []
    case: Optional[Case] = None
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        k, _, value = line.partition(" ")
        if k == "jwks":
            jwks = value
            continue
        if k == "case":
            case = Case(value)
            continue
        assert case is not None, line
        if k == "now":
            case.now = int(value)
        elif k == "option":
            name, _, v = value.partition(" ")
            case.options[name] = _option(name, v)
        elif k == "method":
            case.method = value
        elif k == "uri":
            case.uri = value
        elif k == "authorization":
            case.authorization.append(value)
        elif k == "dpop":
            case.dpop.append(value)
        elif k == "cert_pem_escaped":
            case.cert_pem = unquote(value)
            case.cert = jwkskit.ClientCert.pem(case.cert_pem)
        elif k == "cert_nginx":
            case.cert = jwkskit.ClientCert.nginx(value)
        elif k == "cert_xfcc":
            case.cert = jwkskit.ClientCert.xfcc(value)
        elif k == "route_scheme":
            case.route = value
        elif k == "expect":
            case.expect.append(value)
        elif k == "end":
            cases.append(case)
            case = None
        else:
            raise AssertionError(f"unknown corpus record {k}")
    assert jwks and cases, "empty corpus"
    return jwks, cases


def pem_to_der(pem: str) -> bytes:
    body = pem.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    return base64.b64decode("".join(body.split()))
