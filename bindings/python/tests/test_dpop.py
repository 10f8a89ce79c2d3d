"""Request verification through the Python API: the cross-language corpus
(tests/vectors/dpop/corpus.txt), the RFC 9449 examples, the answers, client certificates, and
replay stores and nonce sources written in Python, called from many threads."""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Set, Tuple

import pytest
from conftest import VECTORS, jwks_of, key
from dpop_support import ISSUER, ProofKey, bound_token, pem_to_der, read_corpus

import jwkskit
from jwkskit import _ffi, _request

lib = _ffi.lib
AUD = "api"
URI = "https://api.example.com/orders"

JWKS, CASES = read_corpus()


def corpus_verifier(case: Any, **extra: Any) -> jwkskit.Verifier:
    return jwkskit.Verifier.from_jwks(JWKS, issuers="https://issuer.example", audiences="api", **case.options, **extra)


def check_refusal(v: jwkskit.Verifier, e: jwkskit.JwksError, name: str) -> None:
    """The answer to a refusal, as the C test checks it: status and error of the catalogue,
    challenges for 400/401/403 (with the realm), a nonce with use_dpop_nonce."""
    r = v.refusal(e, realm="corpus")
    assert r.status == lib.jwks_result_http_status(e.code), name
    want = lib.jwks_result_oauth_error(e.code)
    assert r.error == (None if want is None else want.decode()), name
    assert r.description == e.description, name
    if r.status in (400, 401, 403):
        assert r.challenges, name
        for c in r.challenges:
            assert c.startswith(("Bearer", "DPoP")), (name, c)
            assert 'realm="corpus"' in c, (name, c)
    else:
        assert r.challenges == [], name
    if e.name == "DPOP_NONCE_REQUIRED":
        assert r.dpop_nonce, name
        assert ("DPoP-Nonce", r.dpop_nonce) in r.headers()
    assert [v for k, v in r.headers() if k == "WWW-Authenticate"] == r.challenges


def run_case(case: Any, cert: Any) -> List[str]:
    v = corpus_verifier(case)
    got = []
    for i, want in enumerate(case.expect):
        try:
            t = v.verify_request(
                case.method,
                case.uri,
                authorization=case.authorization,
                dpop=case.dpop,
                client_cert=cert,
                token_scheme=case.route,
                now=case.now,
            )
        except jwkskit.JwksError as e:
            got.append(e.name)
            assert e.request.uri == case.uri  # type: ignore[attr-defined]
            check_refusal(v, e, f"{case.name} #{i + 1}")
            continue
        got.append("OK")
        assert t.scheme in ("Bearer", "DPoP"), case.name
        if t.scheme == "DPoP":
            assert t.dpop_jkt and t.dpop_jkt == t.claims["cnf"]["jkt"], case.name
        else:
            assert t.dpop_jkt is None
        if cert is not None:
            assert t.certificate_thumbprint == t.claims["cnf"]["x5t#S256"], case.name
        assert t.claims["iss"] == "https://issuer.example"
    v.close()
    return got


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus(case):
    assert run_case(case, case.cert) == case.expect


def test_corpus_covers_what_it_must():
    names = {c.name for c in CASES}
    verdicts = {e for c in CASES for e in c.expect}
    # The negative cases every language must refuse alike.
    for v in ("DPOP_PROOF_MISMATCH", "DPOP_PROOF_STALE", "DPOP_PROOF_REPLAYED", "DPOP_PROOF_INVALID",
              "BINDING_MISMATCH", "BOUND_TOKEN_AS_BEARER", "DPOP_NONCE_REQUIRED", "TOKEN_NOT_BOUND"):
        assert v in verdicts, v
    assert len(CASES) >= 50 and "dpop_valid" in names
    assert any(len(c.dpop) == 2 for c in CASES), "two DPoP headers"


def test_corpus_certificates_as_der_bytes_and_pem_text():
    # The cases that carry the certificate as PEM, given as DER bytes and as a PEM str.
    cases = [c for c in CASES if c.cert_pem is not None]
    assert cases
    for case in cases:
        assert run_case(case, pem_to_der(case.cert_pem)) == case.expect, case.name
        assert run_case(case, case.cert_pem) == case.expect, case.name


def test_rfc9449_examples():
    doc = json.loads((VECTORS / "rfc9449" / "examples.json").read_text())
    fresh = lambda: jwkskit.Verifier.from_jwks(jwks_of(key("ES256")))  # noqa: E731
    v = fresh()
    for p in doc["proofs"]:
        iat, at = p["iat"], p["access_token"]
        jkt = v.verify_dpop_proof(p["proof"], p["method"], p["uri"], access_token=at, now=iat + 1)
        assert jkt == doc["jkt"], p["name"]
        with pytest.raises(jwkskit.DpopProofReplayed):
            v.verify_dpop_proof(p["proof"], p["method"], p["uri"], access_token=at, now=iat + 2)
        with pytest.raises(jwkskit.DpopProofStale):
            fresh().verify_dpop_proof(p["proof"], p["method"], p["uri"], access_token=at, now=iat + 600)
        other = "GET" if p["method"] == "POST" else "POST"
        with pytest.raises(jwkskit.DpopProofMismatch):
            fresh().verify_dpop_proof(p["proof"], other, p["uri"], access_token=at, now=iat)
        with pytest.raises(jwkskit.DpopProofMismatch):
            fresh().verify_dpop_proof(p["proof"], p["method"], "https://server.example.com/other", access_token=at, now=iat)
    # The resource request's proof names the access token (ath): another token does not fit.
    resource = doc["proofs"][-1]
    with pytest.raises(jwkskit.DpopProofMismatch):
        fresh().verify_dpop_proof(resource["proof"], "GET", resource["uri"], access_token="another", now=resource["iat"])


# ------------------------------------------------------------------------------------------------
# The Python API itself


def dpop_verifier(**options: Any) -> jwkskit.Verifier:
    options.setdefault("token_scheme", "either")
    return jwkskit.Verifier.from_jwks(jwks_of(key("RS256")), issuers=ISSUER, audiences=AUD, **options)


def test_verify_request_accepts_a_request_object_and_header_lists():
    v = dpop_verifier()
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    req = jwkskit.Request("GET", URI, authorization=["DPoP " + tok], dpop=pk.proof("GET", URI, tok))
    t = v.verify_request(req)
    assert (t.scheme, t.dpop_jkt, t.certificate_thumbprint, t.dpop_nonce) == ("DPoP", pk.jkt, None, None)
    assert t.claims["sub"] == "user-42" and t.claims == json.loads(t.payload)
    # A request is refused when given with its parts as well.
    with pytest.raises(TypeError):
        v.verify_request(req, URI)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        v.verify_request("GET")
    # A token of verify_token has no request attributes.
    plain = v.verify_token(key("RS256").sign({"iss": ISSUER, "aud": AUD, "exp": int(time.time()) + 60}))
    assert (plain.scheme, plain.dpop_jkt, plain.certificate_thumbprint, plain.dpop_nonce) == (None, None, None, None)


def test_two_dpop_headers_are_refused_each_passed_on():
    v = dpop_verifier()
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proofs = [pk.proof("GET", URI, tok), pk.proof("GET", URI, tok)]
    with pytest.raises(jwkskit.InvalidDpopProof) as e:
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proofs)
    assert "more than one" in e.value.message
    # Either one alone is accepted.
    assert v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proofs[1]).scheme == "DPoP"
    # Two Authorization headers likewise.
    with pytest.raises(jwkskit.InvalidRequest):
        v.verify_request("GET", URI, authorization=["DPoP " + tok] * 2, dpop=pk.proof("GET", URI, tok))


def test_refusals_carry_the_challenges_of_the_route():
    v = dpop_verifier()
    with pytest.raises(jwkskit.NoCredentials) as e:
        v.verify_request("GET", URI)
    r = v.refusal(e.value, realm="api")
    assert r.status == 401 and r.error is None
    assert [c.split(" ")[0] for c in r.challenges] == ["Bearer", "DPoP"] or [c.split(" ")[0] for c in r.challenges] == ["DPoP", "Bearer"]
    dpop = [c for c in r.challenges if c.startswith("DPoP")][0]
    assert 'algs="' in dpop and 'realm="api"' in dpop
    # The route's schemes: DPoP only.
    with pytest.raises(jwkskit.NoCredentials) as e:
        v.verify_request("GET", URI, token_scheme="dpop")
    assert [c.split(" ")[0] for c in v.refusal(e.value).challenges] == ["DPoP"]
    # By code, with scopes.
    r = v.refusal(21, scope=["a", "b"])  # INSUFFICIENT_SCOPE
    assert r.status == 403 and r.error == "insufficient_scope"
    assert any('scope="a b"' in c for c in r.challenges)
    with pytest.raises(jwkskit.InvalidArgument):
        v.refusal(0)
    with pytest.raises(TypeError):
        v.refusal("DPOP")  # type: ignore[arg-type]


def test_bad_request_parts_are_refused_clearly():
    v = dpop_verifier()
    with pytest.raises(jwkskit.InvalidArgument, match="token_scheme"):
        v.verify_request("GET", URI, token_scheme="mtls")
    with pytest.raises(jwkskit.InvalidArgument, match="NUL"):
        v.verify_request("GET", URI, authorization="DPoP a\0b")
    with pytest.raises(TypeError, match="client_cert"):
        v.verify_request("GET", URI, client_cert=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        jwkskit.ClientCert.nginx(b"x")  # type: ignore[arg-type]
    with pytest.raises(jwkskit.InvalidArgument):
        jwkskit.Verifier.from_jwks(jwks_of(key("RS256")), token_scheme="mtls")
    # A malformed certificate: the library says so.
    with pytest.raises(jwkskit.JwksError):
        v.verify_request("GET", URI, authorization="Bearer x", client_cert=b"not a certificate")


def test_server_nonces():
    v = dpop_verifier(dpop_nonce_lifetime=60)
    nonce = v.dpop_nonce()
    assert nonce and nonce == v.dpop_nonce()
    assert dpop_verifier().dpop_nonce() is None
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    with pytest.raises(jwkskit.UseDpopNonce) as e:
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok))
    r = v.refusal(e.value)
    assert r.status == 401 and r.error == "use_dpop_nonce" and r.dpop_nonce
    t = v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok, nonce=r.dpop_nonce))
    assert t.scheme == "DPoP" and t.dpop_nonce is None


class SetStore:
    """A replay store: a set of keys with their expiry, under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: Dict[str, int] = {}
        self.calls: List[Tuple[str, int, int]] = []

    def __call__(self, key: str, expires_at: int, now: int) -> jwkskit.ReplayVerdict:
        with self.lock:
            self.calls.append((key, expires_at, now))
            if key in self.keys and now <= self.keys[key]:
                return jwkskit.ReplayVerdict.SEEN
            self.keys[key] = expires_at
            return jwkskit.ReplayVerdict.FRESH


def test_a_python_replay_store_replaces_the_memory_one():
    store = SetStore()
    v = dpop_verifier(dpop_replay_store=store)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proof = pk.proof("GET", URI, tok)
    now = int(time.time())
    v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof, now=now)
    ((k, expires_at, seen_now),) = store.calls
    assert len(k) == 43 and k.isascii() and seen_now == now and now < expires_at <= now + 120
    with pytest.raises(jwkskit.DpopProofReplayed):
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof, now=now)
    assert len(store.calls) == 2 and store.calls[1][0] == k
    assert v.dpop_stats().replay_entries == 0, "the memory store is not used"
    # A second verifier over the same store refuses the proof too (a fleet's shared store).
    with pytest.raises(jwkskit.DpopProofReplayed):
        dpop_verifier(dpop_replay_store=store).verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof, now=now)
    # An object with a check method works as well.
    class Checker:
        def check(self, key: str, expires_at: int, now: int) -> jwkskit.ReplayVerdict:
            return jwkskit.ReplayVerdict.SEEN

    with pytest.raises(jwkskit.DpopProofReplayed):
        dpop_verifier(dpop_replay_store=Checker()).verify_request(
            "GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok)
        )
    with pytest.raises(TypeError, match="dpop_replay_store"):
        dpop_verifier(dpop_replay_store=42)


@pytest.mark.parametrize(
    "answer",
    [RuntimeError("redis down"), KeyboardInterrupt(), True, None, "FRESH", 7, -1, 0.0],
    ids=["exception", "keyboard-interrupt", "bool", "none", "str", "seven", "minus-one", "float"],
)
def test_a_failing_replay_store_refuses(answer, caplog):
    def store(key: str, expires_at: int, now: int) -> Any:
        if isinstance(answer, BaseException):
            raise answer
        return answer

    v = dpop_verifier(dpop_replay_store=store)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    with caplog.at_level(logging.ERROR, logger="jwkskit"):
        with pytest.raises(jwkskit.ReplayStoreUnavailable) as e:
            v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok))
    r = v.refusal(e.value)
    assert r.status == 503 and r.challenges == [] and r.error is None
    assert caplog.records, "the failure is logged"
    assert v.dpop_stats().store_refusals == 1


def test_the_store_lives_as_long_as_the_verifier():
    gc.collect()  # the verifiers of other tests
    held = len(_request._held)

    def make() -> jwkskit.Verifier:
        return dpop_verifier(dpop_replay_store=SetStore())  # no other reference to the store

    v = make()
    gc.collect()
    assert len(_request._held) == held + 1
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proof = pk.proof("GET", URI, tok)
    v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof)
    with pytest.raises(jwkskit.DpopProofReplayed):
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof)
    v.close()
    gc.collect()
    assert len(_request._held) == held, "the library released the store with the verifier"


def test_replay_store_called_from_many_threads():
    store = SetStore()
    v = dpop_verifier(dpop_replay_store=store)
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proofs = [pk.proof("GET", URI, tok) for _ in range(200)]

    def verify(proof: str) -> str:
        try:
            return str(v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof).scheme)
        except jwkskit.JwksError as e:
            return e.name

    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(verify, proofs))
        # Every proof again, twice at once: each is refused both times.
        again = list(pool.map(verify, proofs + proofs))
    assert first == ["DPoP"] * 200
    assert again == ["DPOP_PROOF_REPLAYED"] * 400
    assert len(store.keys) == 200 and len(store.calls) == 600
    # A store that raises, from many threads: refused, never a crash.
    failing = dpop_verifier(dpop_replay_store=lambda *a: 1 / 0)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda p: _name(failing, tok, p), [pk.proof("GET", URI, tok) for _ in range(64)]))
    assert got == ["REPLAY_STORE_UNAVAILABLE"] * 64


def _name(v: jwkskit.Verifier, tok: str, proof: str) -> str:
    try:
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof)
        return "OK"
    except jwkskit.JwksError as e:
        return e.name


class PeriodNonces(jwkskit.NonceSource):
    def __init__(self) -> None:
        self.issued: Set[str] = set()
        self.fail_issue = False
        self.fail_check = False

    def issue(self, now: int) -> str:
        if self.fail_issue:
            raise RuntimeError("no nonce")
        n = f"n-{now // 30}"
        self.issued.add(n)
        return n

    def check(self, nonce: str, now: int) -> bool:
        if self.fail_check:
            raise RuntimeError("cannot check")
        return nonce == f"n-{now // 30}"


def test_a_python_nonce_source(caplog):
    source = PeriodNonces()
    v = dpop_verifier(dpop_nonce_source=source)
    now = int(time.time())
    assert v.dpop_nonce(now=now) == f"n-{now // 30}"
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    with pytest.raises(jwkskit.UseDpopNonce) as e:
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok, iat=now), now=now)
    assert v.refusal(e.value, now=now).dpop_nonce == f"n-{now // 30}"
    t = v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok, iat=now, nonce=f"n-{now // 30}"), now=now)
    assert t.scheme == "DPoP"
    with pytest.raises(jwkskit.UseDpopNonce):
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok, iat=now, nonce="n-0"), now=now)
    # Failures: no nonce issued, and a nonce that cannot be checked is refused.
    source.fail_check = True
    with caplog.at_level(logging.ERROR, logger="jwkskit"):
        with pytest.raises(jwkskit.UseDpopNonce):
            v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok, iat=now, nonce=f"n-{now // 30}"), now=now)
        source.fail_issue = True
        # No nonce to send: the library cannot build the answer (a server error).
        with pytest.raises(jwkskit.InternalError):
            v.refusal(jwkskit.UseDpopNonce(26), now=now)
        with pytest.raises(jwkskit.InternalError):
            v.dpop_nonce(now=now)
    with pytest.raises(TypeError, match="dpop_nonce_source"):
        dpop_verifier(dpop_nonce_source=lambda now: "x")


def test_a_closed_verifier_refuses_requests():
    v = dpop_verifier()
    v.close()
    with pytest.raises(jwkskit.VerifierClosed):
        v.verify_request("GET", URI, authorization="Bearer x")
    with pytest.raises(jwkskit.VerifierClosed):
        v.refusal(18)
