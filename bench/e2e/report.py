#!/usr/bin/env python3
"""The end-to-end benchmark report, written from one `make bench-e2e` run and the runs before it.

    bench/e2e/report.py RESULTS [--out FILE] [--raw FILE] [--history FILE] [--commit C] [--date D]

Reads RESULTS (bench/e2e/run.py's results.json), then:

* copies it to the raw file (default ``docs/benchmarks-e2e.json``);
* appends the run's summary (every ratio of the tables below) to the history (default
  ``docs/bench-e2e-history.jsonl``, one JSON object per line);
* writes the report (default ``docs/benchmarks-e2e.md``): the machine and how busy it was in
  each run, the targets as PASS, FAIL or NOT MEASURED, one table per stack (req/s, p50, p99 and
  CPU per request of this library's server, the peer's and the unprotected one's, and their
  ratios), every run of wrk, and the range of each ratio across the history's runs.

Ratios are taken side by side: within one round (the three servers measured one after the
other, the same tokens) and then the median over the rounds, with the lowest and highest
round. A run that had errors or answers other than 200 counts as not measured. The command
exits 1 when a figure of a target is not measured; a missed target does not change the exit
status.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

STACKS = {
    "go": ("Go: net/http + `jwks.Middleware` vs keyfunc v3 + golang-jwt v5", "jwks", "keyfunc"),
    "wsgi": ("Python WSGI: gunicorn (2 sync workers) + `jwkskit.integrations.wsgi` vs PyJWKClient + PyJWT",
             "jwkskit", "pyjwt"),
    "asgi": ("Python ASGI: uvicorn (2 workers) + FastAPI + `jwkskit.integrations.fastapi` vs HTTPBearer + "
             "PyJWKClient + PyJWT", "jwkskit", "pyjwt"),
    # No peer: what nginx + auth_request + jwks authz costs against the same nginx and upstream.
    "nginx": ("nginx + `auth_request` + `jwks authz` vs the same nginx and upstream without authentication",
              "authz", None),
}
MODE_TITLES = {"one": "one", "clients": "1000 clients", "distinct": "distinct"}
ALGS = ("RS256", "ES256")
MODES = ("one", "clients", "distinct")

# (stack, mode, figure, bound, "min" | "max", title). figure is a key of summary().
TARGETS = [
    ("go", "clients", "ours_over_floor", 0.90, "min", "Go, 1000 clients: req/s ×the unprotected server"),
    ("go", "distinct", "ours_over_peer", 1.20, "min", "Go, distinct tokens: req/s ×keyfunc + golang-jwt"),
    ("go", "distinct", "p50_ours_over_peer", 1.00, "max", "Go, distinct tokens: median latency ×keyfunc + golang-jwt"),
    ("wsgi", "clients", "ours_over_floor", 0.95, "min", "Python WSGI, 1000 clients: req/s ×the unprotected app"),
    ("nginx", "clients", "ours_over_floor", 0.75, "min",
     "nginx + jwks authz, 1000 clients: req/s ×the same nginx without authentication"),
]


# ---------------------------------------------------------------------------------------------
# Figures


def ok(run: Dict[str, Any]) -> bool:
    """A run counts when wrk saw no error and only 200 answers."""
    return run.get("requests", 0) > 0 and not any(run.get("errors", {}).values())


def rps(run: Dict[str, Any]) -> float:
    return float(run["requests"]) / (run["duration_us"] / 1e6)


def cpu_us(run: Dict[str, Any]) -> float:
    """The server's CPU per request, µs (all its processes)."""
    return float(run["server_cpu_s"]) * 1e6 / run["requests"]


def cpu_with_wrk_us(run: Dict[str, Any]) -> float:
    """The server's and wrk's CPU per request, µs: in a closed loop that saturates the cores it
    gets, a server's req/s is inversely proportional to it, whatever share of the cores other
    work leaves (wrk's start-up, reading its token pool, is included)."""
    return (float(run["server_cpu_s"]) + float(run.get("wrk_cpu_s", 0.0))) * 1e6 / run["requests"]


def others_cores(run: Dict[str, Any]) -> float:
    """What the rest of the machine used during the run, in cores: busy CPU minus the server's
    and wrk's, over the whole time between the two readings (wrk's start-up included)."""
    secs = run.get("wall_s") or run["duration_us"] / 1e6
    return max(0.0, run["busy_cpu_s"] - run["server_cpu_s"] - run.get("wrk_cpu_s", 0.0)) / secs


def rounds_of(runs: List[Dict[str, Any]], stack: str, alg: str, mode: str) -> Dict[int, Dict[str, Dict[str, Any]]]:
    """round -> side -> run, for one (stack, alg, mode)."""
    out: Dict[int, Dict[str, Dict[str, Any]]] = {}
    for r in runs:
        if r["stack"] == stack and r["alg"] == alg and r["mode"] == mode:
            out.setdefault(r["round"], {})[r["side"]] = r
    return out


Span = Tuple[float, float, float]  # median, lowest, highest


def span_of(values: List[float]) -> Optional[Span]:
    return (statistics.median(values), min(values), max(values)) if values else None


def summary(runs: List[Dict[str, Any]], stack: str, alg: str, mode: str) -> Dict[str, Optional[Span]]:
    """The figures of one table row: each the median over the rounds (lowest, highest) of a
    per-round figure; ratios are taken within a round."""
    _, ours, peer = STACKS[stack]
    per: Dict[str, List[float]] = {}

    def add(key: str, value: float) -> None:
        per.setdefault(key, []).append(value)

    for sides in rounds_of(runs, stack, alg, mode).values():
        good = {s: r for s, r in sides.items() if ok(r)}
        for side, key in ((ours, "ours"), (peer, "peer"), ("none", "floor")):
            if side in good:
                r = good[side]
                add(f"rps_{key}", rps(r))
                add(f"p50_{key}", r["latency_us"]["p50"] / 1000)
                add(f"p99_{key}", r["latency_us"]["p99"] / 1000)
                add(f"cpu_{key}", cpu_us(r))
        if ours in good and peer in good:
            add("ours_over_peer", rps(good[ours]) / rps(good[peer]))
            add("ours_over_peer_cpu", cpu_with_wrk_us(good[peer]) / cpu_with_wrk_us(good[ours]))
            add("p50_ours_over_peer", good[ours]["latency_us"]["p50"] / good[peer]["latency_us"]["p50"])
            add("p99_ours_over_peer", good[ours]["latency_us"]["p99"] / good[peer]["latency_us"]["p99"])
        if "none" in good:
            for side, key in ((ours, "ours"), (peer, "peer")):
                if side in good:
                    add(f"{key}_over_floor", rps(good[side]) / rps(good["none"]))
                    add(f"{key}_over_floor_cpu", cpu_with_wrk_us(good["none"]) / cpu_with_wrk_us(good[side]))
                    add(f"cpu_{key}_above_floor", cpu_us(good[side]) - cpu_us(good["none"]))
            if ours in good:
                add("p50_ours_over_floor", good[ours]["latency_us"]["p50"] / good["none"]["latency_us"]["p50"])
                add("p99_ours_over_floor", good[ours]["latency_us"]["p99"] / good["none"]["latency_us"]["p99"])
        if ours in good and peer in good and "none" in good:
            a = cpu_us(good[ours]) - cpu_us(good["none"])
            b = cpu_us(good[peer]) - cpu_us(good["none"])
            if b > 0:
                add("cpu_above_floor_ours_over_peer", a / b)
    keys = ["rps_ours", "rps_peer", "rps_floor", "ours_over_peer", "ours_over_floor", "peer_over_floor",
            "p50_ours", "p50_peer", "p50_floor", "p50_ours_over_peer", "p99_ours", "p99_peer", "p99_floor",
            "p99_ours_over_peer", "cpu_ours", "cpu_peer", "cpu_floor", "cpu_ours_above_floor",
            "cpu_peer_above_floor", "cpu_above_floor_ours_over_peer", "ours_over_peer_cpu", "ours_over_floor_cpu",
            "peer_over_floor_cpu", "p50_ours_over_floor", "p99_ours_over_floor"]
    return {k: span_of(per.get(k, [])) for k in keys}


def present(runs: List[Dict[str, Any]]) -> List[Tuple[str, str, str]]:
    seen = {(r["stack"], r["alg"], r["mode"]) for r in runs}
    return [(s, a, m) for s in STACKS for a in ALGS for m in MODES if (s, a, m) in seen]


def targets(runs: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """(PASS | FAIL | NOT MEASURED, text) for each target and algorithm."""
    out = []
    for stack, mode, key, bound, kind, title in TARGETS:
        for alg in ALGS:
            s = summary(runs, stack, alg, mode).get(key)
            sign = "≥" if kind == "min" else "≤"
            if s is None:
                out.append(("NOT MEASURED", f"{title}, {alg} (bound {sign} {bound:.2f})"))
                continue
            good = s[0] >= bound if kind == "min" else s[0] <= bound
            by_cpu = summary(runs, stack, alg, mode).get(key + "_cpu") if key.endswith(("_peer", "_floor")) else None
            extra = "" if by_cpu is None else f" (CPU-bound estimate {ratio(by_cpu)})"
            out.append(("PASS" if good else "FAIL", f"{title}, {alg}: {ratio(s)} {sign} {bound:.2f}{extra}"))
    return out


# ---------------------------------------------------------------------------------------------
# Text


def num(v: Optional[Span], digits: int) -> str:
    return "—" if v is None else f"{v[0]:.{digits}f}"


def ratio(v: Optional[Span]) -> str:
    """The median ratio, with the range of the rounds when they differ."""
    if v is None:
        return "—"
    mid, lo, hi = v
    text = f"{mid:.2f}×"
    return text if f"{lo:.2f}" == f"{hi:.2f}" else f"{text} ({lo:.2f}–{hi:.2f})"


def three(s: Dict[str, Optional[Span]], key: str, digits: int) -> str:
    return " / ".join(num(s[f"{key}_{side}"], digits) for side in ("ours", "peer", "floor"))


def floor_table(runs: List[Dict[str, Any]], stack: str) -> List[str]:
    """The table of a stack without a peer: this library's side against the floor only."""
    title, ours, _ = STACKS[stack]
    lines = [
        f"### {title}",
        "",
        f"Each cell: {ours} / no authentication, or a ratio {ours} ÷ no authentication, the median of the "
        "rounds (lowest–highest round).",
        "",
        "| alg | tokens | req/s | ×floor | ×floor by CPU | p50 ms | p50 ×floor | p99 ms | p99 ×floor "
        "| CPU µs/req | above floor, µs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s_, alg, mode in present(runs):
        if s_ != stack:
            continue
        s = summary(runs, stack, alg, mode)

        def two(key: str, digits: int) -> str:
            return f"{num(s[key + '_ours'], digits)} / {num(s[key + '_floor'], digits)}"
        lines.append(
            f"| {alg} | {MODE_TITLES[mode]} | {two('rps', 0)} | {ratio(s['ours_over_floor'])} "
            f"| {num(s['ours_over_floor_cpu'], 2)}× | {two('p50', 2)} | {ratio(s['p50_ours_over_floor'])} "
            f"| {two('p99', 2)} | {ratio(s['p99_ours_over_floor'])} | {two('cpu', 1)} "
            f"| {num(s['cpu_ours_above_floor'], 1)} |")
    return lines + [""]


def stack_table(runs: List[Dict[str, Any]], stack: str) -> List[str]:
    title, ours, peer = STACKS[stack]
    if peer is None:
        return floor_table(runs, stack)
    lines = [
        f"### {title}",
        "",
        f"Each cell: {ours} / {peer} / no authentication, or a ratio {ours} ÷ {peer} (or ÷ the floor), "
        "the median of the rounds (lowest–highest round).",
        "",
        "| alg | tokens | req/s | ×peer | ×floor | peer ×floor | ×peer, ×floor by CPU | p50 ms | p50 ×peer "
        "| p99 ms | p99 ×peer | CPU µs/req | above floor, µs | above floor ×peer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s_, alg, mode in present(runs):
        if s_ != stack:
            continue
        s = summary(runs, stack, alg, mode)
        lines.append(
            f"| {alg} | {MODE_TITLES[mode]} | {three(s, 'rps', 0)} | {ratio(s['ours_over_peer'])} "
            f"| {ratio(s['ours_over_floor'])} | {ratio(s['peer_over_floor'])} "
            f"| {num(s['ours_over_peer_cpu'], 2)}×, {num(s['ours_over_floor_cpu'], 2)}× | {three(s, 'p50', 2)} "
            f"| {ratio(s['p50_ours_over_peer'])} | {three(s, 'p99', 2)} | {ratio(s['p99_ours_over_peer'])} "
            f"| {three(s, 'cpu', 1)} | {num(s['cpu_ours_above_floor'], 1)} / {num(s['cpu_peer_above_floor'], 1)} "
            f"| {ratio(s['cpu_above_floor_ours_over_peer'])} |")
    return lines + [""]


def runs_table(runs: List[Dict[str, Any]]) -> List[str]:
    lines = [
        "| stack | alg | tokens | round | server | req/s | p50 ms | p99 ms | server CPU µs/req | wrk CPU µs/req "
        "| others, cores | load | cache hits | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        tc = r.get("token_cache")
        hits = "" if not tc else f"{100 * tc['hits'] / max(1, tc['hits'] + tc['misses']):.0f}%"
        bad = {k: v for k, v in r.get("errors", {}).items() if v}
        status = "ok" if ok(r) else "FAILED " + ", ".join(f"{k} {v}" for k, v in bad.items())
        lines.append(
            f"| {r['stack']} | {r['alg']} | {MODE_TITLES[r['mode']]} | {r['round']} | {r['side']} "
            f"| {rps(r):.0f} | {r['latency_us']['p50'] / 1000:.2f} | {r['latency_us']['p99'] / 1000:.2f} "
            f"| {cpu_us(r):.1f} | {r.get('wrk_cpu_s', 0) * 1e6 / max(1, r['requests']):.1f} "
            f"| {others_cores(r):.2f} | {r['loadavg'].split()[0]} | {hits} | {status} |")
    return lines


def load_note(results: Dict[str, Any]) -> List[str]:
    runs = results["runs"]
    cores = results.get("cores") or 1
    if not runs:
        return ["No run."]
    others = [others_cores(r) for r in runs]
    loads = [float(r["loadavg"].split()[0]) for r in runs]
    busy = [r for r in runs if others_cores(r) > 0.25]
    names: Dict[str, float] = {}
    for r in runs:
        for p in r.get("others", []):
            names[p["name"]] = names.get(p["name"], 0.0) + p["cpu_s"]
    top = ", ".join(f"{n} {c:.0f} s" for n, c in sorted(names.items(), key=lambda x: -x[1])[:5])
    quiet = max(others) <= 0.25
    head = "a quiet machine" if quiet else "**NOT a quiet machine**"
    return [
        f"{head}: load average {results['loadavg_start'].split()[0]} at the start, "
        f"{results.get('loadavg_end', '?').split()[0]} at the end, {min(loads):.2f}–{max(loads):.2f} at the "
        f"start of the measured runs, on {cores} cores. Other processes used {statistics.median(others):.2f} "
        f"cores during the median run, {max(others):.2f} at most; {len(busy)} of {len(runs)} runs shared "
        "the machine with more than a quarter of a core of other work"
        + (f" (most CPU among the others: {top})" if top else "") + ".",
        "",
        "Each run's load and the other processes' CPU are in the table of runs below. wrk and the "
        "server share the cores, so wrk's CPU is part of every figure; ratios within a round "
        "(servers measured one after the other) remove most of what other work adds, not all of it.",
    ]


def history_entry(results: Dict[str, Any], date: str, commit: str) -> Dict[str, Any]:
    runs = results["runs"]
    rows = {}
    for stack, alg, mode in present(runs):
        s = summary(runs, stack, alg, mode)
        rows[f"{stack}/{alg}/{mode}"] = {k: None if v is None else round(v[0], 4) for k, v in s.items()}
    return {
        "date": date, "commit": commit, "cpu": results.get("cpu"), "cores": results.get("cores"),
        "loadavg_start": results.get("loadavg_start"), "loadavg_end": results.get("loadavg_end"),
        "others_cores_max": round(max((others_cores(r) for r in runs), default=0.0), 3),
        "config": results.get("config"), "rows": rows,
        "targets": [{"result": r, "target": t} for r, t in targets(runs)],
    }


HISTORY_KEYS = [("ours_over_peer", "×peer"), ("ours_over_floor", "×floor"), ("p50_ours_over_peer", "p50 ×peer"),
                ("cpu_above_floor_ours_over_peer", "CPU above floor ×peer")]


def history_table(history: List[Dict[str, Any]]) -> List[str]:
    rows: Dict[str, Dict[str, List[float]]] = {}
    for e in history:
        for name, row in e.get("rows", {}).items():
            for key, _ in HISTORY_KEYS:
                if row.get(key) is not None:
                    rows.setdefault(name, {}).setdefault(key, []).append(row[key])
    lines = ["| stack / alg / tokens | " + " | ".join(t for _, t in HISTORY_KEYS) + " | runs |",
             "|" + "---|" * (len(HISTORY_KEYS) + 2)]
    for name in sorted(rows, key=_row_order):
        cells = []
        for key, _ in HISTORY_KEYS:
            v = rows[name].get(key)
            cells.append("—" if not v else (f"{min(v):.2f}" if f"{min(v):.2f}" == f"{max(v):.2f}"
                                            else f"{min(v):.2f}–{max(v):.2f}"))
        n = max((len(v) for v in rows[name].values()), default=0)
        lines.append(f"| {name.replace('/', ' / ').replace('clients', '1000 clients')} | " + " | ".join(cells)
                     + f" | {n} |")
    return lines


def _row_order(name: str) -> Tuple[int, int, int]:
    stack, alg, mode = name.split("/")
    return (list(STACKS).index(stack) if stack in STACKS else 9, ALGS.index(alg) if alg in ALGS else 9,
            MODES.index(mode) if mode in MODES else 9)


def report_text(results: Dict[str, Any], history: List[Dict[str, Any]], date: str, commit: str) -> str:
    runs = results["runs"]
    cfg = results.get("config", {})
    v = results.get("versions", {})
    versions = ", ".join(f"{k} {val}" for k, val in v.items())
    out = [
        "# End-to-end benchmark report",
        "",
        "Generated by `make bench-e2e` (`scripts/bench-e2e.sh` → `bench/e2e/run.py` → `bench/e2e/report.py`); "
        "the raw figures are in `docs/benchmarks-e2e.json`, the runs before this one in "
        "`docs/bench-e2e-history.jsonl`; do not edit by hand. `bench/e2e/README.md` says what is measured and how.",
        "",
        f"Last run: {date}, commit {commit}, {results.get('cpu', '?')}, {results.get('cores')} cores; "
        f"it took {round(results.get('seconds', 0) / 60)} minutes. wrk -t{cfg.get('threads')} "
        f"-c{cfg.get('connections')} on loopback, {cfg.get('seconds'):g} s per measured run after a "
        f"{cfg.get('warmup'):g} s warm-up, {cfg.get('rounds')} rounds, the servers of a stack in turn within "
        "each round (the order rotates). Tokens: one = every request the same token; 1000 clients = "
        f"{cfg.get('pools', {}).get('clients')} tokens in turn; distinct = "
        f"{cfg.get('pools', {}).get('distinct')} tokens in turn (the token cache, 4096 entries, mostly misses).",
        "",
        f"Versions: {versions}.",
        "",
        *load_note(results),
        "",
        "## Targets",
        "",
        *[f"- {r} {t}" for r, t in targets(runs)],
        "",
        "## This run",
        "",
        "req/s: requests per second; p50, p99: wrk's latency percentiles; CPU µs/req: the CPU time of all "
        "the server's processes (from /proc) per request; above floor: that minus the unprotected "
        "server's, i.e. what authentication costs per request. ×peer, ×floor by CPU: the ratio of "
        "the CPU per request of the server and wrk together (the peer's or the floor's ÷ ours), "
        "which is what the req/s ratio comes to when the server and wrk saturate the cores they "
        "get: on a shared machine the req/s ratios move with the share of the cores each run got, "
        "this estimate much less (it includes wrk's start-up, which flatters no side).",
        "",
    ]
    for stack in STACKS:
        if any(r["stack"] == stack for r in runs):
            out += stack_table(runs, stack)
    out += [f"## Across runs ({len(history)} in `docs/bench-e2e-history.jsonl`)", "",
            "Lowest–highest over the runs of the history of each median ratio (ours ÷ peer, ours ÷ floor).", "",
            *history_table(history), "", "## Every measured run", "", *runs_table(runs), ""]
    return "\n".join(out)


def git_commit(repo: Path) -> str:
    try:
        c = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":!docs"], capture_output=True, text=True, check=True).stdout.strip()
        return c + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Optional[List[str]] = None) -> int:
    repo = Path(__file__).resolve().parent.parent.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path)
    ap.add_argument("--out", type=Path, default=repo / "docs" / "benchmarks-e2e.md")
    ap.add_argument("--raw", type=Path, default=repo / "docs" / "benchmarks-e2e.json")
    ap.add_argument("--history", type=Path, default=repo / "docs" / "bench-e2e-history.jsonl")
    ap.add_argument("--commit", help="the commit measured (default: the repository's HEAD)")
    ap.add_argument("--date", help="the run's date (default: when it started, UTC)")
    args = ap.parse_args(argv)

    results = json.loads(args.results.read_text())
    date = args.date or datetime.datetime.fromtimestamp(results.get("started", 0), datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    commit = args.commit or results.get("commit") or git_commit(repo)
    for p in (args.out, args.raw, args.history):
        p.parent.mkdir(parents=True, exist_ok=True)
    args.raw.write_text(json.dumps(results, indent=1) + "\n")
    entry = history_entry(results, date, commit)
    with args.history.open("a") as f:
        f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    history = [json.loads(l) for l in args.history.read_text().splitlines() if l.strip()]
    args.out.write_text(report_text(results, history, date, commit))
    print(f"wrote {args.out}, {args.raw}; appended to {args.history}")
    missing = 0
    for r, t in targets(results["runs"]):
        print(f"  {r} {t}")
        missing += r == "NOT MEASURED"
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
