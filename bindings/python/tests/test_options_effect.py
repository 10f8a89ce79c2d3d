"""Remote options tested for their effect, not only for being accepted.

Each test sets an option to a value whose effect can be observed against a loopback server,
and checks the effect on both sides of the value, so that a seconds/milliseconds slip in a
setter (or an option silently ignored) fails: cache_ttl, cache_ttl_bounds, max_stale,
http_timeout, connect_timeout, max_response_size, headers, proxy and the CA bundle.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import jwkskit

from conftest import AUDIENCE, NOW, JwksServer, claims, jwks_of, key


def remote(url: str, **opts: Any) -> jwkskit.Verifier:
    opts.setdefault("allow_http", True)
    opts.setdefault("audiences", AUDIENCE)
    return jwkskit.Verifier.from_url(url, **opts)


def wait_for(cond, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


@pytest.fixture
def signed(server):
    k = key("EdDSA", "eff-1")
    server.jwks = jwks_of(k)
    return k.sign(claims())


def test_cache_ttl_is_seconds(server, signed):
    # No max-age from the server: the configured ttl (2 s) decides when keys are refetched.
    with remote(server.url, cache_ttl=2, cache_ttl_bounds=(1, 86400)) as v:
        assert v.verify(signed, now=NOW)
        time.sleep(0.5)
        assert v.verify(signed, now=NOW)
        assert server.count() == 1, "refetched within the ttl: the ttl is shorter than 2 s"
        time.sleep(2.0)
        v.verify(signed, now=NOW)
        assert wait_for(lambda: (v.verify(signed, now=NOW), server.count())[1] >= 2, 3.0), (
            "not refetched 2.5 s into a 2 s ttl: the ttl is longer than 2 s"
        )


def test_cache_ttl_bounds_clamp_max_age(server, signed):
    # The server says max-age=1; a lower bound of 2 s keeps the keys 2 s.
    server.max_age = 1
    with remote(server.url, cache_ttl=2, cache_ttl_bounds=(2, 86400)) as v:
        assert v.verify(signed, now=NOW)
        time.sleep(1.4)
        assert v.verify(signed, now=NOW)
        assert server.count() == 1, "refetched after 1.4 s: the lower bound was not 2 s"
        time.sleep(1.2)
        assert wait_for(lambda: (v.verify(signed, now=NOW), server.count())[1] >= 2, 3.0)
    # The server says max-age=3600; an upper bound of 1 s refetches after 1 s.
    server.requests.clear()
    server.max_age = 3600
    with remote(server.url, cache_ttl=1, cache_ttl_bounds=(1, 1)) as v:
        assert v.verify(signed, now=NOW)
        time.sleep(1.3)
        assert wait_for(lambda: (v.verify(signed, now=NOW), server.count())[1] >= 2, 3.0), (
            "max-age 3600 not clamped to the 1 s upper bound"
        )


def test_max_stale_is_seconds(server, signed):
    server.max_age = 1
    with remote(server.url, cache_ttl=1, cache_ttl_bounds=(1, 86400), max_stale=3) as v:
        assert v.verify(signed, now=NOW)
        fetched = time.monotonic()
        server.status = 503
        # 1 s past expiry (2 s after the fetch), within max_stale: the stale keys verify.
        time.sleep(2.0)
        assert v.verify(signed, now=NOW), "stale keys refused within max_stale"
        # 5 s past expiry, beyond max_stale: the keys are unavailable.
        time.sleep(max(0.0, fetched + 6.0 - time.monotonic()))
        with pytest.raises(jwkskit.KeysUnavailable):
            v.verify(signed, now=NOW)


def test_http_timeout_is_milliseconds_from_seconds(server, signed):
    server.delay = 1.5
    # 0.5 s: the fetch is abandoned well before the server answers.
    with remote(server.url, http_timeout=0.5) as v:
        start = time.monotonic()
        with pytest.raises(jwkskit.KeysUnavailable):
            v.verify(signed, now=NOW)
        assert time.monotonic() - start < 1.4, "a 0.5 s timeout waited for the 1.5 s answer"
    # 5 s: the slow answer arrives in time.
    with remote(server.url, http_timeout=datetime.timedelta(seconds=5)) as v:
        assert v.verify(signed, now=NOW)


def _unaccepting_listener():
    """A loopback listener whose accept queue is full, so further connects hang in SYN."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(listener.getsockname())
        except BlockingIOError:
            pass
        fillers.append(s)
    time.sleep(0.2)
    return listener, fillers


def test_connect_timeout_is_milliseconds_from_seconds():
    listener, fillers = _unaccepting_listener()
    try:
        port = listener.getsockname()[1]
        probe = socket.socket()
        probe.settimeout(0.5)
        try:
            probe.connect(("127.0.0.1", port))
            pytest.fail("the loopback accept queue does not fill up here; cannot test connect_timeout")
        except socket.timeout:
            pass
        finally:
            probe.close()
        url = f"http://127.0.0.1:{port}/jwks.json"
        with remote(url, connect_timeout=0.5, http_timeout=20) as v:
            start = time.monotonic()
            with pytest.raises(jwkskit.KeysUnavailable):
                v.verify(key("EdDSA", "eff-1").sign(claims()), now=NOW)
            took = time.monotonic() - start
        assert took < 5, f"a 0.5 s connect timeout took {took:.1f} s (the 20 s total timeout?)"
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_max_response_size_is_bytes(server):
    k = key("EdDSA", "eff-1")
    # A key set of about 3 KB: the usable key plus padding keys the library skips.
    pad = [{"kty": "OKP", "crv": "X448", "kid": f"pad-{i}", "x": "A" * 100} for i in range(20)]
    server.jwks = {"keys": [k.jwk] + pad}
    size = len(json.dumps(server.jwks))
    assert 2048 < size < 8192
    token = k.sign(claims())
    with remote(server.url, max_response_size=2048) as v:
        with pytest.raises(jwkskit.KeysUnavailable):
            v.verify(token, now=NOW)
    with remote(server.url, max_response_size=8192) as v:
        assert v.verify(token, now=NOW)


def test_headers_reach_the_server(server, signed):
    with remote(server.url, headers=[("Authorization", "Bearer t-1"), ("X-Tenant", "blue")]) as v:
        assert v.verify(signed, now=NOW)
    sent = server.requests[0]["headers"]
    assert sent.get("authorization") == "Bearer t-1" and sent.get("x-tenant") == "blue"


class _Proxy:
    """A forward proxy on loopback that records each request line and sends every tunnel
    (CONNECT) or plain request to `target` (host, port), whatever host was asked for."""

    def __init__(self, target) -> None:
        self.lines: List[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_CONNECT(self) -> None:  # noqa: N802
                proxy.lines.append(self.requestline)
                upstream = socket.create_connection(target)
                self.send_response(200, "Connection established")
                self.end_headers()
                self._pipe(upstream)

            def _pipe(self, upstream: socket.socket) -> None:
                client = self.connection

                def copy(src: socket.socket, dst: socket.socket) -> None:
                    try:
                        while True:
                            data = src.recv(65536)
                            if not data:
                                break
                            dst.sendall(data)
                    except OSError:
                        pass
                    finally:
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass

                t = threading.Thread(target=copy, args=(upstream, client), daemon=True)
                t.start()
                copy(client, upstream)
                t.join(5)
                upstream.close()
                self.close_connection = True

            def do_GET(self) -> None:  # noqa: N802
                proxy.lines.append(self.requestline)
                path = self.path.split("/", 3)[-1] if self.path.startswith("http") else self.path
                with socket.create_connection(target) as up:
                    up.sendall(f"GET /{path.lstrip('/')} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
                    data = b""
                    while True:
                        chunk = up.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                self.wfile.write(data)
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_proxy_carries_the_fetch(server, signed):
    proxy = _Proxy(server.httpd.server_address[:2])
    try:
        # The host does not resolve: only the proxy can reach the key server.
        url = "http://jwks.invalid/jwks.json"
        with remote(url, proxy=proxy.url) as v:
            assert v.verify(signed, now=NOW)
        assert proxy.lines and "jwks.invalid" in proxy.lines[0], proxy.lines
        assert server.count() == 1
        with remote(url) as v:
            with pytest.raises(jwkskit.KeysUnavailable):
                v.verify(signed, now=NOW)
    finally:
        proxy.close()


def _private_ca_and_cert(tmp_path):
    """A private CA and a certificate for 127.0.0.1 signed by it; returns (ca_pem, cert, key)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwks test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file = tmp_path / "cert.pem"
    key_file = tmp_path / "key.pem"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file


def test_ca_bundle_makes_a_private_ca_trusted(tmp_path):
    ca_pem, cert_file, key_file = _private_ca_and_cert(tmp_path)
    s = JwksServer()
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert_file), str(key_file))
        s.httpd.socket = ctx.wrap_socket(s.httpd.socket, server_side=True)
        k = key("EdDSA", "eff-1")
        s.jwks = jwks_of(k)
        url = s.url.replace("http://", "https://")
        token = k.sign(claims())
        # Without the CA the certificate is not trusted.
        with jwkskit.Verifier.from_url(url, audiences=AUDIENCE) as v:
            with pytest.raises(jwkskit.KeysUnavailable):
                v.verify(token, now=NOW)
        # With it (as PEM text, and as a file) the same endpoint serves the keys.
        with jwkskit.Verifier.from_url(url, audiences=AUDIENCE, ca_pem=ca_pem) as v:
            assert v.verify(token, now=NOW)
        ca_file = tmp_path / "ca.pem"
        ca_file.write_text(ca_pem)
        with jwkskit.Verifier.from_url(url, audiences=AUDIENCE, ca_file=ca_file) as v:
            assert v.verify(token, now=NOW)
    finally:
        s.close()
