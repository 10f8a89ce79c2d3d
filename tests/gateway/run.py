#!/usr/bin/env python3
"""The gateway tests: `jwks authz` behind a real nginx (auth_request) and a real Caddy
(forward_auth), scraped by a real Prometheus, driven over HTTP from here.

    python3 tests/gateway/run.py --jwks target/release/jwks [--work DIR] [--keep]

Started on 127.0.0.1, each on a free port, from the templates of this directory filled in
a temporary directory: `jwks serve` for the issuer "main" (keys and discovery), an upstream
that echoes the headers it received (upstream.py), two `jwks authz` (authz.toml, one with
proxy = "nginx", one with proxy = "caddy"), nginx (nginx.conf), Caddy (Caddyfile) and
Prometheus (prometheus.yml). The issuer "partner" is down at the start and started midway.
Every assertion is printed; any failure makes the exit status 1. scripts/test-gateway.sh
installs the servers and builds the tool first.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

failures = []
passed = 0


def check(name, ok, detail=""):
    """One assertion: printed, and remembered when it fails."""
    global passed
    if ok:
        passed += 1
        print(f"  ok    {name}", flush=True)
    else:
        failures.append(name)
        print(f"  FAIL  {name}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def section(title):
    print(f"\n-- {title}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(template, dest, values):
    """Copies a template of this directory to dest with its @NAME@ placeholders filled."""
    with open(os.path.join(HERE, template)) as f:
        text = f.read()
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    # (The templates' comments speak of "@NAME@ values".)
    left = [p for p in re.findall(r"@[A-Z_]+@", text) if p != "@NAME@"]
    if left:
        raise SystemExit(f"{template}: placeholders left unfilled: {sorted(set(left))}")
    with open(dest, "w") as f:
        f.write(text)
    return dest


class Processes:
    """The servers started here, each with its log file; all stopped at the end."""

    def __init__(self, work):
        self.work = work
        self.procs = {}

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.work, f"{name}.log"), "ab")
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        self.procs[name] = proc
        return proc

    def log(self, name):
        with open(os.path.join(self.work, f"{name}.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self, name):
        return self.procs[name].poll() is None

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        # nginx and Caddy stop at SIGTERM (nginx: fast shutdown), the others too.
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)


def wait_until(what, predicate, timeout=15.0, interval=0.05, procs=None, name=None):
    """Until predicate() is true; when name is given, fails at once if that process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name and not procs.alive(name):
            raise SystemExit(f"{name} exited while waiting for {what}:\n{procs.log(name)[-1500:]}")
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def request(addr, path, headers=None, method="GET", source=None, timeout=10):
    """One request on a new connection, the path sent as given: (status, headers, body).
    headers: the response's header list (name, value) as received."""
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(
        host, int(port), timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = dict(headers or {})
        if not any(k.lower() == "host" for k in sent):
            conn.putheader("Host", addr)
        for k, v in sent.items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.getheaders(), body
    finally:
        conn.close()


def header_values(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def curl_raw(url, headers):
    """curl with --path-as-is (no dot-segment removal, no merging): the status code."""
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is"]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=15)
    return int(out.stdout or 0)


def upstream_saw(body):
    """The echo upstream's view: {header name (lower case): [values]} and the path."""
    data = json.loads(body)
    seen = {}
    for k, v in data["headers"]:
        seen.setdefault(k.lower(), []).append(v)
    return data["path"], seen


class Tokens:
    """Tokens minted with `jwks sign` from keys made with `jwks keygen`."""

    def __init__(self, jwks, work, issuers):
        self.jwks = jwks
        self.issuers = issuers
        self.keys = {}
        for name in issuers:
            served = os.path.join(work, f"keys-{name}")
            os.makedirs(served)
            key = os.path.join(served, f"{name}.key")
            run([jwks, "keygen", "--alg", "ES256", "--kid", f"{name}-1", "--out", key])
            self.keys[name] = key
        # A key of nobody's, with the main issuer's kid: a valid-looking token it signs
        # fails its signature.
        self.stranger = os.path.join(work, "stranger.key")
        run([jwks, "keygen", "--alg", "ES256", "--kid", "main-1", "--out", self.stranger])

    def sign(self, issuer="main", aud="api", exp_in="10m", key=None, **claims):
        argv = [self.jwks, "sign", "--key", key or self.keys[issuer]]
        argv += ["--iss", self.issuers[issuer], "--aud", aud, "--exp-in", exp_in]
        argv += ["--claims", json.dumps(claims)]
        return run(argv).strip()


def run(argv):
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def metric_value(text, name, labels):
    """The value of one sample of a Prometheus text exposition, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            return float(value)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwks", required=True, help="the jwks tool")
    ap.add_argument("--work", help="directory for the configurations and logs (default: temp)")
    ap.add_argument("--keep", action="store_true", help="leave the work directory")
    args = ap.parse_args()
    started = time.monotonic()
    work = args.work or tempfile.mkdtemp(prefix="jwks-gateway-")
    os.makedirs(work, exist_ok=True)
    jwks = os.path.abspath(args.jwks)
    procs = Processes(work)
    try:
        run_tests(jwks, work, procs)
    except SystemExit as e:
        # A server that does not start, or a step that cannot go on: the rest is not run.
        failures.append(f"stopped: {e}")
        print(f"  FAIL  stopped: {e}", flush=True)
    finally:
        procs.stop_all()
        if failures or args.keep:
            print(f"\nconfigurations and logs: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{passed} passed, {len(failures)} failed, {time.monotonic() - started:.1f} s")
    if failures:
        print("failed:\n  " + "\n  ".join(failures))
        sys.exit(1)


def run_tests(jwks, work, procs):
    ports = {n: free_port() for n in ("main", "partner", "upstream", "authz_nginx",
                                      "authz_caddy", "nginx", "caddy", "prometheus")}
    addr = {n: f"127.0.0.1:{p}" for n, p in ports.items()}
    issuers = {"main": f"http://{addr['main']}", "partner": f"http://{addr['partner']}"}
    tokens = Tokens(jwks, work, issuers)

    section("starting: jwks serve (main), the upstream, jwks authz x2, nginx, Caddy, Prometheus")
    procs.start("issuer-main", [jwks, "serve", "--dir", os.path.dirname(tokens.keys["main"]),
                                "--port", str(ports["main"])])
    wait_until("jwks serve (main)", lambda: request(
        addr["main"], "/.well-known/openid-configuration")[0] == 200, procs=procs,
        name="issuer-main")
    procs.start("upstream", [sys.executable, os.path.join(HERE, "upstream.py"),
                             str(ports["upstream"])])
    wait_until("the upstream", lambda: request(addr["upstream"], "/")[0] == 200, procs=procs,
               name="upstream")

    authz_conf = {}
    for proxy in ("nginx", "caddy"):
        conf = fill("authz.toml", os.path.join(work, f"authz-{proxy}.toml"), {
            "LISTEN": addr[f"authz_{proxy}"], "PROXY": proxy,
            "MAIN_ISSUER": issuers["main"], "PARTNER_ISSUER": issuers["partner"],
        })
        authz_conf[proxy] = conf
        check_run = subprocess.run([jwks, "authz", "--config", conf, "--check"],
                                   capture_output=True, text=True)
        check(f"jwks authz --check accepts authz.toml (proxy = {proxy})",
              check_run.returncode == 0, check_run.stderr.strip())
        procs.start(f"authz-{proxy}", [jwks, "authz", "--config", conf])
    for proxy in ("nginx", "caddy"):
        wait_until(f"jwks authz ({proxy})", lambda: request(
            addr[f"authz_{proxy}"], "/healthz")[0] == 200, procs=procs, name=f"authz-{proxy}")

    os.makedirs(os.path.join(work, "nginx-tmp"))
    nginx_conf = fill("nginx.conf", os.path.join(work, "nginx.conf"), {
        "DIR": work, "AUTHZ_ADDR": addr["authz_nginx"], "UPSTREAM_ADDR": addr["upstream"],
        "NGINX_ADDR": addr["nginx"],
    })
    procs.start("nginx", ["nginx", "-c", nginx_conf, "-e", os.path.join(work, "nginx-error.log")])
    caddy_home = os.path.join(work, "caddy-home")
    os.makedirs(caddy_home)
    caddyfile = fill("Caddyfile", os.path.join(work, "Caddyfile"), {
        "CADDY_ADDR": addr["caddy"], "CADDY_HOST": "127.0.0.1",
        "AUTHZ_ADDR": addr["authz_caddy"], "UPSTREAM_ADDR": addr["upstream"],
    })
    caddy_env = dict(os.environ, HOME=caddy_home, XDG_CONFIG_HOME=caddy_home,
                     XDG_DATA_HOME=caddy_home)
    procs.start("caddy", ["caddy", "run", "--config", caddyfile, "--adapter", "caddyfile"],
                env=caddy_env)
    prom_conf = fill("prometheus.yml", os.path.join(work, "prometheus.yml"), {
        "AUTHZ_NGINX_ADDR": addr["authz_nginx"], "AUTHZ_CADDY_ADDR": addr["authz_caddy"],
    })
    procs.start("prometheus", ["prometheus", f"--config.file={prom_conf}",
                               f"--storage.tsdb.path={os.path.join(work, 'prometheus-data')}",
                               f"--web.listen-address={addr['prometheus']}"])
    # Answered by jwks authz through the proxy (no token: 401) once both are up.
    wait_until("nginx", lambda: request(addr["nginx"], "/api/x")[0] == 401, procs=procs,
               name="nginx")
    wait_until("Caddy", lambda: request(addr["caddy"], "/api/x")[0] == 401, procs=procs,
               name="caddy")
    wait_until("Prometheus", lambda: request(addr["prometheus"], "/-/ready")[0] == 200, 30,
               procs=procs, name="prometheus")

    reader = tokens.sign(sub="alice", scope="read write", org={"tenant": "acme"},
                         roles=["dev", "ops"])
    no_org = tokens.sign(sub="bob", scope="read")
    admin = tokens.sign(sub="root", scope="admin read")
    expired = tokens.sign(sub="alice", scope="read", exp_in="-10m")
    wrong_aud = tokens.sign(sub="alice", scope="read", aud="other")
    forged = tokens.sign(sub="alice", scope="read", key=tokens.stranger)
    partner = tokens.sign(issuer="partner", sub="pat", scope="read")
    numeric = tokens.sign(sub="carol", scope="read", org={"tenant": 7})
    smuggler = tokens.sign(sub="dave", scope="read", org={"tenant": "acme\r\nX-Evil: 1"})
    all_tokens = [reader, no_org, admin, expired, wrong_aud, forged, partner, numeric,
                  smuggler]

    def bearer(token):
        return {"Authorization": f"Bearer {token}"}

    for proxy in ("nginx", "caddy"):
        front = addr[proxy]
        name = "nginx (auth_request)" if proxy == "nginx" else "Caddy (forward_auth)"
        section(f"{name} -> jwks authz -> upstream")

        status, headers, body = request(front, "/api/items?page=2",
                                        dict(bearer(reader), **{"X-Auth-Sub": "mallory",
                                                                "X-Auth-Admin": "yes"}))
        check(f"{proxy}: valid token -> 200", status == 200, f"{status} {body[:200]!r}")
        if status == 200:
            path, seen = upstream_saw(body)
            check(f"{proxy}: upstream gets the original path and query",
                  path == "/api/items?page=2", path)
            check(f"{proxy}: upstream sees X-Auth-Sub: alice (once; the client's mallory gone)",
                  seen.get("x-auth-sub") == ["alice"], seen.get("x-auth-sub"))
            check(f"{proxy}: upstream sees X-Auth-Scope: read write",
                  seen.get("x-auth-scope") == ["read write"], seen.get("x-auth-scope"))
            check(f"{proxy}: upstream sees the nested claim X-Auth-Tenant: acme",
                  seen.get("x-auth-tenant") == ["acme"], seen.get("x-auth-tenant"))
            check(f"{proxy}: upstream sees the array claim X-Auth-Roles: dev,ops",
                  seen.get("x-auth-roles") == ["dev,ops"], seen.get("x-auth-roles"))
            if proxy == "caddy":
                check("caddy: a client-sent X-Auth-Admin (not a claim header) is stripped",
                      "x-auth-admin" not in seen, seen.get("x-auth-admin"))

        status, _, body = request(front, "/api/items", dict(bearer(no_org), **{
            "X-Auth-Tenant": "evil-corp"}))
        seen = upstream_saw(body)[1] if status == 200 else {}
        check(f"{proxy}: absent claim -> no X-Auth-Tenant at the upstream (client's dropped)",
              status == 200 and "x-auth-tenant" not in seen and "x-auth-roles" not in seen,
              f"{status} {seen.get('x-auth-tenant')} {seen.get('x-auth-roles')}")

        status, _, body = request(front, "/api/items", bearer(numeric))
        seen = upstream_saw(body)[1] if status == 200 else {}
        check(f"{proxy}: a number claim -> X-Auth-Tenant: 7 (its JSON form)",
              seen.get("x-auth-tenant") == ["7"], f"{status} {seen.get('x-auth-tenant')}")
        status, _, body = request(front, "/api/items", bearer(smuggler))
        seen = upstream_saw(body)[1] if status == 200 else {}
        check(f"{proxy}: a claim with CR LF -> 200 without that header (no X-Evil either)",
              status == 200 and "x-auth-tenant" not in seen and "x-evil" not in seen
              and seen.get("x-auth-sub") == ["dave"],
              f"{status} {seen.get('x-auth-tenant')} {seen.get('x-evil')}")

        status, _, body = request(front, "/api/public/status", {"X-Auth-Sub": "mallory"})
        seen = upstream_saw(body)[1] if status == 200 else {}
        check(f"{proxy}: anonymous route, no token -> 200, client-sent X-Auth-Sub not passed on",
              status == 200 and "x-auth-sub" not in seen, f"{status} {seen.get('x-auth-sub')}")

        for what, hdrs, error in [
            ("missing token", {}, None),
            ("bad signature", bearer(forged), "invalid_token"),
            ("expired token", bearer(expired), "invalid_token"),
            ("wrong audience", bearer(wrong_aud), "invalid_token"),
            ("not a JWT", bearer("abc.def"), "invalid_token"),
        ]:
            status, headers, _ = request(front, "/api/items", hdrs)
            challenges = header_values(headers, "WWW-Authenticate")
            ok = status == 401 and len(challenges) == 1 and challenges[0].startswith(
                'Bearer realm="jwks"')
            if ok and error:
                ok = f'error="{error}"' in challenges[0] and "error_description=" in challenges[0]
            if ok and not error:
                ok = "error=" not in challenges[0]
            check(f"{proxy}: {what} -> 401, one WWW-Authenticate "
                  + (f'with error="{error}"' if error else "without error attributes"),
                  ok, f"{status} {challenges}")

        status, headers, _ = request(front, "/admin/users", bearer(reader))
        challenges = header_values(headers, "WWW-Authenticate")
        check(f"{proxy}: missing scope -> 403 with one insufficient_scope challenge",
              status == 403 and len(challenges) == 1
              and 'error="insufficient_scope"' in challenges[0]
              and 'scope="admin"' in challenges[0],
              f"{status} {challenges}")
        status, _, _ = request(front, "/admin/users", bearer(admin))
        check(f"{proxy}: scope admin -> 200 on /admin/", status == 200, status)

        status, headers, _ = request(front, "/partner/orders", bearer(partner))
        retry = header_values(headers, "Retry-After")
        check(f"{proxy}: keys unavailable (partner issuer down) -> 503 with one Retry-After",
              status == 503 and len(retry) == 1 and retry[0].isdigit(), f"{status} {retry}")

        base = f"http://{front}"
        for raw in ("/api/../admin/x", "/%61dmin/x", "//admin/x", "/api/public/../../admin/x",
                    "/api/./../admin/x", "/ADMIN/../admin/x"):
            code = curl_raw(base + raw, bearer(reader))
            check(f"{proxy}: {raw} (curl --path-as-is) does not dodge the /admin/ rule -> 403",
                  code == 403, code)
        code = curl_raw(base + "/api/public/../../admin/x", {})
        check(f"{proxy}: /api/public/../../admin/x without a token -> 401 (not anonymous)",
              code == 401, code)
        code = curl_raw(base + "/admin%2Fx", bearer(admin))
        check(f"{proxy}: an encoded slash (/admin%2Fx) -> 400", code == 400, code)
        # A token in the query (which no route accepts) must not reach the log either, even
        # when the path is refused.
        code = curl_raw(base + f"/admin%2Fx?access_token={no_org}", {})
        check(f"{proxy}: /admin%2Fx?access_token=... -> 400", code == 400, code)
        code = curl_raw(base + f"/api/items?access_token={no_org}", {})
        check(f"{proxy}: /api/items?access_token=... (no header) -> 401", code == 401, code)

        for spoof in ("X-Original-URI", "X-Forwarded-Uri"):
            status, _, _ = request(front, "/admin/x", {spoof: "/api/public"})
            check(f"{proxy}: client-sent {spoof}: /api/public for /admin/x -> 401",
                  status == 401, status)
        status, _, _ = request(front, "/api/public/x", method="POST")
        check(f"{proxy}: POST to the GET-only anonymous route -> 401", status == 401, status)
        status, _, _ = request(front, "/api/public/x", {"X-Original-Method": "GET",
                                                        "X-Forwarded-Method": "GET"},
                               method="POST")
        check(f"{proxy}: a client-sent X-*-Method: GET does not make that POST anonymous -> 401",
              status == 401, status)

    section("jwks authz directly")
    for proxy in ("nginx", "caddy"):
        a = addr[f"authz_{proxy}"]
        status, _, body = request(a, "/healthz")
        check(f"authz-{proxy}: /healthz -> 200 ok", status == 200 and body.strip() == b"ok",
              f"{status} {body!r}")
        status, _, _ = request(a, "/readyz")
        check(f"authz-{proxy}: /readyz -> 503 while the partner issuer is down", status == 503,
              status)
    hdrs = dict(bearer(admin), **{"X-Original-URI": "/admin/x", "X-Original-Method": "GET"})
    status, _, _ = request(addr["authz_nginx"], "/auth", hdrs)
    check("authz: a trusted peer (127.0.0.1) with X-Original-URI -> 200", status == 200, status)
    status, _, _ = request(addr["authz_nginx"], "/auth", hdrs, source="127.0.0.2")
    check("authz: an untrusted peer (127.0.0.2) setting X-Original-URI -> 403", status == 403,
          status)

    section("the partner issuer comes up: 503 then 200")
    procs.start("issuer-partner", [jwks, "serve", "--dir",
                                   os.path.dirname(tokens.keys["partner"]),
                                   "--port", str(ports["partner"])])
    t0 = time.monotonic()
    for proxy in ("nginx", "caddy"):
        statuses = []

        def up():
            statuses.append(request(addr[proxy], "/partner/orders", bearer(partner))[0])
            return statuses[-1] == 200
        try:
            wait_until(f"{proxy}: partner token -> 200", up, timeout=15, interval=0.1)
        except SystemExit:
            pass
        check(f"{proxy}: partner token -> 200 once its issuer is up "
              f"({time.monotonic() - t0:.1f} s after it started)",
              statuses and statuses[-1] == 200 and set(statuses) <= {200, 503},
              sorted(set(statuses)))
        status, _, _ = request(addr[f"authz_{proxy}"], "/readyz")
        check(f"authz-{proxy}: /readyz -> 200 once every issuer has keys", status == 200, status)
        status, _, _ = request(addr[proxy], "/partner/orders", bearer(reader))
        check(f"{proxy}: main's token on the partner-only route -> 401", status == 401, status)

    section("SIGHUP reloads under load (nginx -> jwks authz)")
    reload_under_load(addr, authz_conf["nginx"], procs, bearer(reader))

    section("Prometheus scrapes jwks authz")
    metrics_checks(addr)

    section("logs")
    for proxy in ("nginx", "caddy"):
        log = procs.log(f"authz-{proxy}")
        # Any part of a token: its signature, or a JWT's first two segments (even cut short).
        leaked = [t for t in all_tokens if t.rsplit(".", 1)[1] in log]
        leaked += re.findall(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}", log)
        check(f"authz-{proxy}: no token, nor any part of one, in the log", not leaked,
              f"{len(leaked)} found: {[x[:60] for x in leaked[:2]]}")
        # (The start line, "jwks authz: listening on ADDR", is text whatever log_format says.)
        lines = [line for line in log.splitlines()
                 if line.strip() and not line.startswith("jwks authz: listening on ")]
        bad = []
        for line in lines:
            try:
                json.loads(line)
            except ValueError:
                bad.append(line)
        check(f"authz-{proxy}: log_format = \"json\": every line is a JSON object "
              f"({len(lines)} lines)", lines and not bad, bad[:2])
    for name in ("nginx", "caddy", "prometheus", "authz-nginx", "authz-caddy", "upstream"):
        check(f"{name} still running", procs.alive(name))


def reload_under_load(addr, conf, procs, auth):
    """Requests from 8 threads through nginx while jwks authz reloads its file 6 times (one of
    them a broken file): not one request may fail."""
    with open(conf) as f:
        original = f.read()
    probe_route = '\n[[routes]]\npath_prefix = "/reload-probe/"\nanonymous = true\n'
    stop = threading.Event()
    results = {"ok": 0, "failed": []}
    lock = threading.Lock()
    host, port = addr["nginx"].split(":")

    def load():
        conn = None
        while not stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("GET", "/api/items", headers=auth)
                resp = conn.getresponse()
                resp.read()
                if resp.will_close:
                    conn.close()
                    conn = None
                with lock:
                    if resp.status == 200:
                        results["ok"] += 1
                    else:
                        results["failed"].append(resp.status)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    results["failed"].append(repr(e))
                conn = None

    def metric(name, labels):
        return metric_value(request(addr["authz_nginx"], "/metrics")[2].decode(), name, labels)

    ok_before = metric("jwks_authz_config_reloads_total", {"result": "ok"}) or 0
    failed_before = metric("jwks_authz_config_reloads_total", {"result": "failed"}) or 0
    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    pid = procs.procs["authz-nginx"].pid
    probe = []
    try:
        time.sleep(0.5)
        for i in range(6):
            broken = i == 3
            with_probe = i % 2 == 0
            with open(conf + ".new", "w") as f:
                if broken:
                    f.write(original + "\n[[routes]]\npath_prefix = 42\n")
                else:
                    f.write(original + (probe_route if with_probe else ""))
            os.replace(conf + ".new", conf)
            os.kill(pid, signal.SIGHUP)
            time.sleep(0.6)
            probe.append((broken, with_probe,
                          request(addr["nginx"], "/reload-probe/x")[0]))
    finally:
        stop.set()
        for t in threads:
            t.join()
        with open(conf, "w") as f:
            f.write(original)
    failed = results["failed"]
    check(f"{results['ok']} requests during 6 reloads, none failed",
          results["ok"] > 100 and not failed,
          f"{len(failed)} failed: {sorted(set(map(str, failed)))[:5]}")
    # Reloads 0, 2, 4 add an anonymous route, 1 and 5 remove it, 3 is broken (the route of
    # reload 2 stays).
    expect = [200, 401, 200, 200, 200, 401]
    check("each reload takes effect (an anonymous route added and removed); the broken file "
          "keeps the previous configuration", [p[2] for p in probe] == expect,
          f"{[p[2] for p in probe]} != {expect}")
    ok_after = metric("jwks_authz_config_reloads_total", {"result": "ok"})
    failed_after = metric("jwks_authz_config_reloads_total", {"result": "failed"})
    check("jwks_authz_config_reloads_total: ok +5, failed +1",
          ok_after == ok_before + 5 and failed_after == failed_before + 1,
          f"ok {ok_before}->{ok_after}, failed {failed_before}->{failed_after}")
    check("jwks authz still running after the reloads", procs.alive("authz-nginx"))
    log = procs.log("authz-nginx")
    kept = log.count("configuration reloaded (2 issuer(s) kept their keys and cache)")
    check("each good reload keeps both issuers' verifiers (their settings did not change)",
          kept >= 5, f"{kept} reload lines say so")
    check("the broken reload is logged with the file's line and key",
          re.search(r"authz-nginx\.toml:\d+:\d+", log) is not None
          and "path_prefix" in log, log[-400:])


def metrics_checks(addr):
    text = request(addr["authz_nginx"], "/metrics")[2].decode()
    for decision in ("allow", "deny_401", "deny_403", "unavailable_503", "bad_request"):
        v = metric_value(text, "jwks_authz_requests_total", {"decision": decision})
        check(f'/metrics: jwks_authz_requests_total{{decision="{decision}"}} > 0',
              v is not None and v > 0, v)
    v = metric_value(text, "jwks_verifications_total", {"verifier": "main", "result": "OK"})
    check('/metrics: the library\'s jwks_verifications_total{verifier="main",result="OK"} > 0',
          v is not None and v > 0, v)
    v = metric_value(text, "jwks_ready", {"verifier": "partner"})
    check('/metrics: jwks_ready{verifier="partner"} = 1', v == 1, v)
    v = metric_value(text, "jwks_authz_request_duration_seconds_count", {})
    check("/metrics: jwks_authz_request_duration_seconds histogram counts requests",
          v is not None and v > 0, v)

    query = "/api/v1/query?query=" + urllib.parse.quote("jwks_authz_requests_total")
    target = addr["authz_nginx"]
    got = {}

    def scraped():
        # Every request above has been made; wait for a scrape that saw the last ones.
        status, _, body = request(addr["prometheus"], query)
        if status != 200:
            return False
        data = json.loads(body)
        got.clear()
        for r in data["data"]["result"]:
            if r["metric"].get("instance") == target:
                got[r["metric"].get("decision")] = float(r["value"][1])
        want = metric_value(request(target, "/metrics")[2].decode(),
                            "jwks_authz_requests_total", {"decision": "allow"})
        return got.get("allow") == want

    try:
        wait_until("Prometheus to scrape jwks authz", scraped, timeout=10, interval=0.5)
    except SystemExit:
        pass
    check("Prometheus /api/v1/query jwks_authz_requests_total: allow, deny_401, deny_403 and "
          "unavailable_503 of the nginx instance, as /metrics has them",
          all(got.get(d, 0) > 0 for d in ("allow", "deny_401", "deny_403", "unavailable_503")),
          got)
    health = []

    def targets_up():
        status, _, body = request(addr["prometheus"], "/api/v1/targets")
        health[:] = [t["health"] for t in json.loads(body)["data"]["activeTargets"]] \
            if status == 200 else []
        return health == ["up", "up"]
    try:
        wait_until("both targets up", targets_up, timeout=10, interval=0.5)
    except SystemExit:
        pass
    check("Prometheus: both jwks authz targets are up", health == ["up", "up"], health)


if __name__ == "__main__":
    main()
