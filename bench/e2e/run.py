#!/usr/bin/env python3
"""The end-to-end benchmark's measurements (`make bench-e2e` runs scripts/bench-e2e.sh, which
builds and installs what this needs, then runs this, then bench/e2e/report.py).

    bench/e2e/run.py --work DIR [--seconds S] [--warmup S] [--rounds N] [--stacks go,wsgi,asgi,nginx]
                     [--algs RS256,ES256] [--modes one,clients,distinct] [--json FILE]

DIR holds bin/goserver (bench/e2e/goserver), bin/jwks (the tool, for `jwks authz`), venv/
(gunicorn, uvicorn, FastAPI, PyJWT and this repository's jwkskit) and tokens/
(bench/e2e/goserver/mint). For each stack and algorithm it starts its servers side by side
(three, or two for nginx, which has no peer), all verifying against one key endpoint served
here on loopback:

    go    net/http + jwks.Middleware | keyfunc v3 + golang-jwt v5 | no authentication
    wsgi  gunicorn (2 sync workers) + jwkskit's WSGI middleware | PyJWKClient + PyJWT | none
    asgi  uvicorn (2 workers) + FastAPI + jwkskit's BearerClaims | HTTPBearer + PyJWKClient +
          PyJWT | none
    nginx nginx (1 worker) + auth_request + `jwks authz`, in front of the Go server reading the
          X-Auth-Sub header | the same nginx and Go server, no auth_request
          (the nginx configuration is tests/gateway/nginx.conf, the one docs/gateway.md shows)

then, for each token mode (one: every request the same token; clients: 1,000 tokens in turn;
distinct: 50,000 tokens in turn, so that the token cache, 4,096 entries, mostly misses) and
each round, runs wrk against each server in turn (the order rotates from round to round):
a warm-up run, then a measured one. A measured run records wrk's requests and latency
percentiles, the CPU time of the server's processes and of wrk (from /proc and wait4), the
CPU the rest of the machine used meanwhile (/proc/stat minus those two), and the load average.
A run with any error or any answer other than 200 is recorded as such and the report counts it
as failed: a server refusing tokens fast must not pass for a fast server.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TICK = os.sysconf("SC_CLK_TCK")

# (stack, side) -> what the report calls it. Each stack lists this library's side first, then
# the peer, then the floor.
SIDES = {
    "go": ["jwks", "keyfunc", "none"],
    "wsgi": ["jwkskit", "pyjwt", "none"],
    "asgi": ["jwkskit", "pyjwt", "none"],
    "nginx": ["authz", "none"],
}
MODES = {"one": ("clients", 1), "clients": ("clients", 0), "distinct": ("distinct", 0)}


# ---------------------------------------------------------------------------------------------
# /proc


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(pid: int) -> List[int]:
    """pid and every process below it."""
    children: Dict[int, List[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_seconds(pids: List[int]) -> float:
    return sum(proc_cpu_seconds(p) for p in pids)


def machine_busy_seconds() -> Tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot, over all cores (/proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def cpu_by_process() -> Dict[int, Tuple[str, float]]:
    """pid -> (command name, CPU seconds) of every process now."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            text = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        out[int(d)] = (text[text.find("(") + 1:text.rfind(")")], (int(fields[11]) + int(fields[12])) / TICK)
    return out


def busiest_others(before: Dict[int, Tuple[str, float]], after: Dict[int, Tuple[str, float]],
                   exclude: List[int]) -> List[Dict[str, Any]]:
    """The other processes that used the most CPU between two snapshots (for the record)."""
    used = [(after[p][1] - before[p][1], p, after[p][0]) for p in after
            if p in before and p not in exclude and after[p][1] > before[p][1]]
    return [{"pid": p, "name": n, "cpu_s": round(c, 2)} for c, p, n in sorted(used, reverse=True)[:3]]


# ---------------------------------------------------------------------------------------------
# The key endpoint


def serve_keys(jwks: bytes) -> Tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path != "/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=3600")
            self.send_header("Content-Length", str(len(jwks)))
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/jwks.json"


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One server under test: its processes, its address, its log."""

    def __init__(self, stack: str, side: str, alg: str, work: Path, keys_url: str, manifest: Dict[str, Any]):
        self.stack, self.side, self.alg = stack, side, alg
        self.name = f"{stack}/{side}"
        self.log_path = work / "logs" / f"{stack}-{side}-{alg}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        env = dict(os.environ)
        port = free_port()
        # Processes started before the one answering (the nginx stack's upstream and jwks
        # authz), stopped with it and counted with it.
        self.helpers: List[subprocess.Popen] = []
        if stack == "nginx":
            cmd = self.nginx_stack(side, alg, work, keys_url, manifest, port, log)
        elif stack == "go":
            cmd = [str(work / "bin" / "goserver"), "-auth", side, "-addr", f"127.0.0.1:{port}",
                   "-jwks", keys_url, "-issuer", manifest["issuer"], "-audience", manifest["audience"],
                   "-alg", alg]
        else:
            env.update(E2E_AUTH="jwkskit" if side == "jwkskit" else side, E2E_JWKS=keys_url,
                       E2E_ISSUER=manifest["issuer"], E2E_AUDIENCE=manifest["audience"], E2E_ALG=alg)
            env.pop("JWKS_LIBRARY", None)
            venv = work / "venv" / "bin"
            if stack == "wsgi":
                cmd = [str(venv / "gunicorn"), "--workers", "2", "--worker-class", "sync",
                       "--bind", f"127.0.0.1:{port}", "--chdir", str(HERE), "--log-level", "warning",
                       "pyapp:wsgi"]
            else:
                cmd = [str(venv / "uvicorn"), "pyapp:asgi", "--app-dir", str(HERE), "--host", "127.0.0.1",
                       "--port", str(port), "--workers", "2", "--no-access-log", "--log-level", "warning"]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(HERE),
                                     start_new_session=True)
        self.offset = 0  # where the next run's distinct tokens start (see measure)

    def nginx_stack(self, side: str, alg: str, work: Path, keys_url: str, manifest: Dict[str, Any], port: int,
                    log: Any) -> List[str]:
        """Starts the Go server as the upstream and, for the authz side, `jwks authz`; returns
        nginx's command, its configuration tests/gateway/nginx.conf filled in (for the floor,
        without its auth_request line: the same nginx and upstream, no authentication)."""
        d = work / "gateway" / f"{side}-{alg}"
        shutil.rmtree(d, ignore_errors=True)
        (d / "nginx-tmp").mkdir(parents=True)
        upstream = f"127.0.0.1:{free_port()}"
        self.helpers.append(subprocess.Popen(
            [str(work / "bin" / "goserver"), "-auth", "header", "-addr", upstream],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        self.authz = f"127.0.0.1:{free_port()}"
        if side == "authz":
            conf = d / "authz.toml"
            conf.write_text(AUTHZ_TOML.format(listen=self.authz, issuer=manifest["issuer"], jwks_url=keys_url,
                                              audience=manifest["audience"], alg=alg))
            self.helpers.append(subprocess.Popen(
                [str(work / "bin" / "jwks"), "authz", "--config", str(conf)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        text = (ROOT / "tests" / "gateway" / "nginx.conf").read_text()
        if side == "none":
            text = "\n".join(l for l in text.split("\n") if l.strip() != "auth_request /auth;")
        for name, value in {"DIR": str(d), "AUTHZ_ADDR": self.authz, "UPSTREAM_ADDR": upstream,
                            "NGINX_ADDR": f"127.0.0.1:{port}"}.items():
            text = text.replace(f"@{name}@", value)
        (d / "nginx.conf").write_text(text)
        return ["nginx", "-c", str(d / "nginx.conf"), "-e", str(d / "nginx-error.log")]

    def wait_ready(self, token: str, timeout: float = 60.0) -> None:
        """Until a request with a valid token is answered 200 with its sub; then checks that a
        token with a broken signature is refused (401), unless this is the floor."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            for p in [self.proc, *self.helpers]:
                if p.poll() is not None:
                    raise SystemExit(f"run.py: {self.name} {self.alg}: {p.args[0]} exited ({p.returncode}); "
                                     f"see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")
            try:
                status, body = http_get(self.url + "/whoami", token)
                if status == 200:
                    break
                last = (status, body)
            except OSError as e:
                last = e
            time.sleep(0.2)
        else:
            raise SystemExit(f"run.py: {self.name} {self.alg} not ready after {timeout:.0f}s: {last!r}")
        if self.side != "none":
            sub = json.loads(b64url(token.split(".")[1]))["sub"]
            if sub not in body:
                raise SystemExit(f"run.py: {self.name} answered {body!r}, not the token's sub {sub}")
            head, payload, sig = token.split(".")
            forged = f"{head}.{payload}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
            status, _ = http_get(self.url + "/whoami", forged)
            if status != 401:
                raise SystemExit(f"run.py: {self.name} answered {status} to a token with a broken signature")

    def pids(self) -> List[int]:
        return [p for proc in [self.proc, *self.helpers] for p in descendants(proc.pid)]

    def stats(self) -> Optional[Dict[str, Any]]:
        """The token cache counters of a Go jwks server (GET /stats) or of `jwks authz` (its
        /metrics); None elsewhere."""
        if self.stack == "nginx" and self.side == "authz":
            try:
                with urllib.request.urlopen(f"http://{self.authz}/metrics", timeout=5) as r:
                    text = r.read().decode()
            except OSError:
                return None
            out = {"hits": 0, "misses": 0}
            for line in text.splitlines():
                for key in out:
                    if line.startswith(f"jwks_token_cache_{key}_total{{"):
                        out[key] += int(float(line.rsplit(" ", 1)[1]))
            return out
        if self.stack != "go" or self.side != "jwks":
            return None
        try:
            with urllib.request.urlopen(self.url + "/stats", timeout=5) as r:
                return json.loads(r.read())  # type: ignore[no-any-return]
        except OSError:
            return None

    def stop(self) -> None:
        for proc in [self.proc, *self.helpers]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


# `jwks authz` of the nginx stack: the one issuer of the tokens, its keys from the driver's
# endpoint, the algorithm of the run; the sub goes to the upstream as X-Auth-Sub.
AUTHZ_TOML = """\
listen = "{listen}"
proxy = "nginx"
trusted_proxies = ["127.0.0.1/32"]

[[issuers]]
name = "e2e"
issuer = "{issuer}"
jwks_url = "{jwks_url}"
audiences = ["{audience}"]
algorithms = ["{alg}"]
allow_http = true
fetch_at_start = true

[claims_to_headers]
"X-Auth-Sub" = "sub"
"""


def b64url(s: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def http_get(url: str, token: str) -> Tuple[int, str]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


# ---------------------------------------------------------------------------------------------
# wrk

RESULT = re.compile(r"^E2E_RESULT (\{.*\})$", re.M)


def wrk(server: Server, tokens: Path, pool: int, seconds: float, args: argparse.Namespace) -> Dict[str, Any]:
    """One wrk run against server; the counts, and the CPU of every party meanwhile."""
    env = dict(os.environ, E2E_TOKENS=str(tokens), E2E_POOL=str(pool), E2E_THREADS=str(args.threads),
               E2E_OFFSET=str(server.offset), E2E_PATH="/whoami")
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(HERE / "tokens.lua"), server.url + "/whoami"]
    pids = server.pids()
    load = loadavg()
    procs0 = cpu_by_process()
    busy0, total0 = machine_busy_seconds()
    srv0 = tree_cpu_seconds(pids)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    out, _ = p.communicate()
    # wrk has exited and been reaped: its CPU is in RUSAGE_CHILDREN now.
    wall = time.monotonic() - t0
    srv1 = tree_cpu_seconds(pids)
    busy1, total1 = machine_busy_seconds()
    procs1 = cpu_by_process()
    if p.returncode != 0:
        raise SystemExit(f"run.py: wrk failed ({p.returncode}) against {server.name}:\n{out}")
    m = RESULT.search(out)
    if m is None:
        raise SystemExit(f"run.py: no E2E_RESULT in wrk's output:\n{out}")
    r = json.loads(m.group(1))
    r["wall_s"] = wall
    r["server_cpu_s"] = srv1 - srv0
    r["busy_cpu_s"] = busy1 - busy0
    r["machine_cpu_s"] = total1 - total0
    r["loadavg"] = load
    r["others"] = busiest_others(procs0, procs1, pids + [os.getpid()])
    r["cores"] = os.cpu_count()
    # Start the next run of this server where this one stopped (tokens taken in turn).
    server.offset += r["requests"] // max(1, args.threads)
    return r


class WrkCPU:
    """wrk's CPU seconds, from the rusage of reaped children (wrk is the only child reaped)."""

    def __init__(self) -> None:
        self.last = self.now()

    @staticmethod
    def now() -> float:
        u = resource.getrusage(resource.RUSAGE_CHILDREN)
        return u.ru_utime + u.ru_stime

    def take(self) -> float:
        now = self.now()
        d, self.last = now - self.last, now
        return d


# ---------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("E2E_SECONDS", 5)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("E2E_WARMUP", 1)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("E2E_ROUNDS", 3)))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--stacks", default=os.environ.get("E2E_STACKS", "go,wsgi,asgi,nginx"))
    ap.add_argument("--algs", default=os.environ.get("E2E_ALGS", "RS256,ES256"))
    ap.add_argument("--modes", default=os.environ.get("E2E_MODES", "one,clients,distinct"))
    ap.add_argument("--json", type=Path, help="results file (default WORK/results.json)")
    args = ap.parse_args(argv)
    args.work = args.work.resolve()  # the servers run in bench/e2e
    if shutil.which("wrk") is None:
        raise SystemExit("run.py: wrk is not installed (apt-get install wrk)")
    if "nginx" in args.stacks.split(",") and shutil.which("nginx") is None:
        raise SystemExit("run.py: nginx is not installed (apt-get install nginx)")
    stacks = [s for s in args.stacks.split(",") if s]
    for s in stacks:
        if s not in SIDES:
            raise SystemExit(f"run.py: unknown stack {s!r} (go, wsgi, asgi, nginx)")
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            raise SystemExit(f"run.py: unknown mode {m!r} (one, clients, distinct)")
    tokens = args.work / "tokens"
    manifest = json.loads((tokens / "manifest.json").read_text())
    if manifest["expires"] < time.time() + 3600:
        raise SystemExit("run.py: the tokens expire within the hour: mint them again")
    keys, keys_url = serve_keys((tokens / "jwks.json").read_bytes())

    started = time.time()
    results: Dict[str, Any] = {
        "started": started, "loadavg_start": loadavg(), "cores": os.cpu_count(), "cpu": cpu_name(),
        "config": {"seconds": args.seconds, "warmup": args.warmup, "rounds": args.rounds,
                   "threads": args.threads, "connections": args.connections,
                   "pools": {"clients": manifest["clients"], "distinct": manifest["distinct"]}},
        "versions": versions(args.work),
        "runs": [],
    }
    wrk_cpu = WrkCPU()
    try:
        for stack in stacks:
            for alg in [a for a in args.algs.split(",") if a]:
                servers = [Server(stack, side, alg, args.work, keys_url, manifest) for side in SIDES[stack]]
                try:
                    first = (tokens / f"{alg}-clients.txt").read_text().split("\n", 1)[0]
                    for s in servers:
                        s.wait_ready(first)
                    for mode in modes:
                        pool_name, pool = MODES[mode]
                        pool_file = tokens / f"{alg}-{pool_name}.txt"
                        for rnd in range(args.rounds):
                            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
                            for s in order:
                                if args.warmup > 0:
                                    wrk(s, pool_file, pool, args.warmup, args)
                                    wrk_cpu.take()
                                before = s.stats()
                                r = wrk(s, pool_file, pool, args.seconds, args)
                                r["wrk_cpu_s"] = wrk_cpu.take()
                                after = s.stats()
                                if before is not None and after is not None:
                                    r["token_cache"] = {k: after[k] - before[k] for k in ("hits", "misses")}
                                r.update(stack=stack, side=s.side, alg=alg, mode=mode, round=rnd + 1)
                                results["runs"].append(r)
                                print(summary_line(r), flush=True)
                finally:
                    for s in servers:
                        s.stop()
    finally:
        keys.shutdown()
    results["seconds"] = time.time() - started
    results["loadavg_end"] = loadavg()
    out = args.json or args.work / "results.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


def summary_line(r: Dict[str, Any]) -> str:
    secs = r["duration_us"] / 1e6
    bad = sum(r["errors"].values())
    other = max(0.0, r["busy_cpu_s"] - r["server_cpu_s"] - r["wrk_cpu_s"]) / r["wall_s"]
    tc = r.get("token_cache")
    return (f"{r['stack']:4} {r['alg']} {r['mode']:8} round {r['round']} {r['side']:8} "
            f"{r['requests'] / secs:9.0f} req/s  p50 {r['latency_us']['p50'] / 1000:6.2f} ms  "
            f"p99 {r['latency_us']['p99'] / 1000:6.2f} ms  "
            f"server {r['server_cpu_s'] * 1e6 / max(1, r['requests']):6.1f} µs/req  "
            f"others {other:.2f} cores  load {r['loadavg'].split()[0]}"
            + (f"  errors {bad}" if bad else "")
            + (f"  cache hits {tc['hits']} misses {tc['misses']}" if tc else ""))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def versions(work: Path) -> Dict[str, str]:
    """The versions of what is measured (the peers are pinned by scripts/bench-e2e.sh)."""
    out: Dict[str, str] = {}
    try:
        out["go"] = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    py = work / "venv" / "bin" / "python"
    if py.exists():
        code = ("import importlib.metadata as m, json, sys\n"
                "print(json.dumps({'python': sys.version.split()[0], **{p: m.version(p) for p in "
                "('jwkskit', 'PyJWT', 'cryptography', 'gunicorn', 'uvicorn', 'fastapi')}}))")
        res = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
        if res.returncode == 0:
            out.update(json.loads(res.stdout))
    gomod = HERE / "goserver" / "go.mod"
    for line in gomod.read_text().splitlines():
        m = re.match(r"\s*(github\.com/\S+/(keyfunc/v3|jwt/v5))\s+(v\S+)", line)
        if m:
            out[m.group(1)] = m.group(3)
    try:
        nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
        out["nginx"] = nginx.strip().rsplit("/", 1)[-1]
    except OSError:
        pass
    try:
        out["wrk"] = " ".join(subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1:2])
    except OSError:
        pass
    return out


if __name__ == "__main__":
    sys.exit(main())
