"""jwkskit.redis against a real redis-server on loopback (started here on a free port with a
temporary configuration that saves nothing, stopped afterwards): a proof accepted by one
process is refused as a replay by another, each proof is accepted exactly once when two
processes race on it, and a failing Redis refuses (503) rather than accepts.

scripts/test-python.sh installs redis-server when it is missing and sets JWKS_REQUIRE_REDIS=1,
so that these tests fail rather than skip there."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from conftest import jwks_of, key
from dpop_support import ISSUER, ProofKey, bound_token

import jwkskit

AUD = "api"
URI = "https://api.example.com/orders"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (Debian: apt-get install redis-server)"
            if os.environ.get("JWKS_REQUIRE_REDIS") == "1":
                pytest.fail(message)
            pytest.skip(message)
        self.port = _free_port()
        conf = tmp / "redis.conf"
        conf.write_text(
            f"bind 127.0.0.1\nport {self.port}\nsave \"\"\nappendonly no\ndir {tmp}\n"
            "daemonize no\nprotected-mode yes\nlogfile \"\"\n"
        )
        self.proc = subprocess.Popen([binary, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        import redis

        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.client.ping():
                    break
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.stop()
                raise RuntimeError(f"redis-server did not start: {err}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    s = RedisServer(tmp_path)
    yield s
    s.stop()


def verifier(port: int, **store_options: Any) -> jwkskit.Verifier:
    import redis

    from jwkskit.redis import RedisReplayStore

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    store = RedisReplayStore(client, **store_options)
    return jwkskit.Verifier.from_jwks(
        jwks_of(key("RS256")), issuers=ISSUER, audiences=AUD, token_scheme="dpop", dpop_replay_store=store
    )


# Run in a separate interpreter: reads {"jwks", "port", "token", "proofs"} on stdin, verifies
# every proof once, prints the result name of each as JSON.
PROCESS = r"""
import json, sys
import redis
import jwkskit
from jwkskit.redis import RedisReplayStore
job = json.load(sys.stdin)
store = RedisReplayStore(redis.Redis(host="127.0.0.1", port=job["port"], socket_timeout=2))
v = jwkskit.Verifier.from_jwks(job["jwks"], issuers=job["issuer"], audiences="api", token_scheme="dpop",
                               dpop_replay_store=store)
out = []
for proof in job["proofs"]:
    try:
        v.verify_request("GET", job["uri"], authorization="DPoP " + job["token"], dpop=proof)
        out.append("OK")
    except jwkskit.JwksError as e:
        out.append(e.name)
print(json.dumps(out))
"""


def run_processes(jobs: List[Dict[str, Any]]) -> List[List[str]]:
    procs = [
        subprocess.Popen([sys.executable, "-c", PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in jobs
    ]
    for p, job in zip(procs, jobs):
        assert p.stdin is not None
        p.stdin.write(json.dumps(job))
        p.stdin.close()
    results = []
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        out, err = p.stdout.read(), p.stderr.read()
        assert p.wait(120) == 0, err
        results.append(json.loads(out))
    return results


def test_a_proof_accepted_by_one_process_is_a_replay_in_another(redis_server):
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proof = pk.proof("GET", URI, tok)
    job = {"jwks": jwks_of(key("RS256")), "issuer": ISSUER, "port": redis_server.port, "uri": URI, "token": tok, "proofs": [proof]}
    (first,) = run_processes([job])
    assert first == ["OK"]
    (second,) = run_processes([job])
    assert second == ["DPOP_PROOF_REPLAYED"]
    # The key is in Redis under the prefix, with the proof's window as its expiry.
    keys = redis_server.client.keys("jwkskit:dpop:*")
    assert len(keys) == 1 and len(keys[0]) == len("jwkskit:dpop:") + 43
    ttl = redis_server.client.ttl(keys[0])
    assert 0 < ttl <= 60 + 5 + 2


def test_two_processes_racing_accept_each_proof_once(redis_server):
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proofs = [pk.proof("GET", URI, tok) for _ in range(100)]
    job = {"jwks": jwks_of(key("RS256")), "issuer": ISSUER, "port": redis_server.port, "uri": URI, "token": tok}
    # Each process verifies every proof, in opposite orders, at the same time.
    a, b = run_processes([{**job, "proofs": proofs}, {**job, "proofs": proofs[::-1]}])
    b = b[::-1]
    for i, pair in enumerate(zip(a, b)):
        assert sorted(pair) == ["DPOP_PROOF_REPLAYED", "OK"], (i, pair)
    assert len(redis_server.client.keys("jwkskit:dpop:*")) == 100


def test_in_process_and_prefix(redis_server):
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    proof = pk.proof("GET", URI, tok)
    one = verifier(redis_server.port, prefix="svc-a:")
    other = verifier(redis_server.port, prefix="svc-b:")
    assert one.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof).dpop_jkt == pk.jkt
    with pytest.raises(jwkskit.DpopProofReplayed):
        one.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof)
    # Another name space does not see the first's keys.
    assert other.verify_request("GET", URI, authorization="DPoP " + tok, dpop=proof).scheme == "DPoP"
    assert len(redis_server.client.keys("svc-a:*")) == 1 and len(redis_server.client.keys("svc-b:*")) == 1


def test_a_failing_redis_refuses(redis_server, caplog):
    pk = ProofKey()
    tok = bound_token(pk.jkt, audience=AUD)
    v = verifier(redis_server.port)
    assert v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok)).scheme == "DPoP"
    redis_server.stop()
    with pytest.raises(jwkskit.ReplayStoreUnavailable) as e:
        v.verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok))
    r = v.refusal(e.value)
    assert r.status == 503 and r.challenges == []
    assert any("Redis replay store failed" in rec.getMessage() for rec in caplog.records)
    # Nothing listening at all.
    with pytest.raises(jwkskit.ReplayStoreUnavailable):
        verifier(_free_port()).verify_request("GET", URI, authorization="DPoP " + tok, dpop=pk.proof("GET", URI, tok))


def test_store_arguments_are_checked():
    from jwkskit.redis import RedisReplayStore

    with pytest.raises(TypeError):
        RedisReplayStore(object())
    with pytest.raises(TypeError):
        RedisReplayStore(type("C", (), {"set": None})(), prefix=1)  # type: ignore[arg-type]


def test_the_core_package_does_not_import_redis():
    code = "import sys, jwkskit, jwkskit.integrations.rules; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
