#!/usr/bin/env python3
"""The published benchmark report, written from one `make bench` run and the runs before it.

    bench/report.py RESULTS_DIR [--history FILE] [--out FILE] [--readme FILE]...
    bench/report.py --check [--history FILE] [--out FILE] [--readme FILE]...

Reads RESULTS_DIR/results.json (written by ``bench/rust/core.rs report``), RESULTS_DIR/failed.txt
(one line per side of the benchmark that failed to build or run, written by scripts/bench.sh),
RESULTS_DIR/loadavg_start (``/proc/loadavg`` when the run began), RESULTS_DIR/commit (the commit
measured; else the repository's HEAD now) and RESULTS_DIR/seconds (how long the run took). Then:

* appends the run to the history (default ``docs/bench-history.jsonl``, one JSON object per
  line, kept in the repository);
* writes the report (default ``docs/benchmarks.md``): the machine and how busy it was, the
  table of this run, every target as PASS, FAIL or NOT MEASURED, the speed-ups over PyJWT and
  golang-jwt for every algorithm, and the range of each figure across the runs of the history;
  the part of the report from its ``## Measured while designing`` heading on is kept by hand
  (the figures behind design choices that the code's comments refer to) and left as it is;
* replaces the block between ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` of the README
  (default ``README.md``) with a short summary of the same figures, and fills every figure
  marked ``<!-- bench:KEY -->...<!-- /bench -->`` in the text of the READMEs (default: the
  top-level one and those of bindings/python and bindings/go) with its span over the runs of
  the history (KEY: see ``figures``).

``--check`` writes nothing and exits with status 1 when the report, the block or a marked figure
differs from what the history gives (bench/test_report.py runs it on the committed files, in
scripts/test.sh), so that no benchmark figure is edited by hand.

Every figure in those files comes from here. A figure that the run could not take (the ring
floor not built, valgrind missing, a side that failed) is written as NOT MEASURED, and the
command exits with status 1 after writing everything else; a missed target (FAIL) does not
change the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

CASES = ["RS256-2048", "RS256-4096", "PS256", "ES256", "ES384", "EdDSA"]

# (key in results.json's cases, column title, digits, what is missing when it is absent)
COLUMNS: List[Tuple[str, str, int, str]] = [
    ("ring_us", "ring µs", 1, "the Rust harness (bench/rust/core.rs run)"),
    ("rust_ratio", "Rust ×ring", 3, "the Rust harness (bench/rust/core.rs run)"),
    ("c_abi_ratio", "C ABI ×ring", 3, "the Rust harness (bench/rust/core.rs run)"),
    ("instructions_ratio", "C ABI instr. ×ring", 3, "callgrind (valgrind missing or failed)"),
    ("c_program_ratio", "C prog ×ring", 3, "the C program (bench/verify_bench.c)"),
    ("python_ratio", "Python ×ring", 3, "Python (bench.py, or its ring floor)"),
    ("pyjwt_over_python", "PyJWT/Python", 2, "Python (bench.py)"),
    ("go_ratio", "Go ×ring", 3, "Go (BenchmarkInterleaved, or its ring floor)"),
    ("golang_jwt_over_go", "golang-jwt/Go", 2, "Go (BenchmarkInterleaved)"),
]

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
# A figure in a README's text: <!-- bench:KEY -->1.0–2.0<!-- /bench -->, KEY one of figures().
FIGURE = re.compile(r"<!-- bench:([a-z0-9_]+) -->([^<]*)<!-- /bench -->")

# The heading of the report's hand-kept end: from it on, the report is left as it is.
KEPT = "## Measured while designing"

# Figures of results.json's cases kept with the token cache's: the hits through the bindings
# and the peers' full verifications.
REPEATED_FROM_CASES = ("python_hit_us", "go_hit_us", "pyjwt_us", "golang_jwt_us")


def repeated_token_table(entry: Dict[str, Any]) -> List[str]:
    """µs per request for a token seen before: this library's cache hit through each front door,
    next to a bare ring verify and the peers, which verify the token again every time."""
    tc = entry.get("token_cache") or {}
    if not tc:
        return []
    lines = [
        "| repeated token, µs per request | C ABI | Python | Go | bare ring verify | PyJWT | golang-jwt |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in tc.items():
        cells = [fmt(r.get(k), d) for k, d in (("hit_us", 2), ("python_hit_us", 2), ("go_hit_us", 2),
                                                 ("ring_us", 1), ("pyjwt_us", 1), ("golang_jwt_us", 1))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def fmt(v: Optional[float], digits: int) -> str:
    return "NOT MEASURED" if v is None else f"{v:.{digits}f}"


def git_commit(repo: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_run(results_dir: Path) -> Tuple[Dict[str, Any], List[str], str]:
    """results.json (empty when the run did not get that far), the failed sides, the load
    average at the start."""
    path = results_dir / "results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    failed_path = results_dir / "failed.txt"
    failed = [l.strip() for l in failed_path.read_text().splitlines() if l.strip()] \
        if failed_path.is_file() else []
    seconds = results_dir / "seconds"
    if seconds.is_file():
        results.setdefault("machine", {})["seconds"] = int(seconds.read_text().strip() or 0)
    start = results_dir / "loadavg_start"
    loadavg_start = start.read_text().strip() if start.is_file() else ""
    return results, failed, loadavg_start


def history_entry(results: Dict[str, Any], failed: List[str], loadavg_start: str, date: str,
                  commit: str) -> Dict[str, Any]:
    """What the history keeps of one run: every figure of the table, the targets, the load."""
    cases = results.get("cases", {})
    entry: Dict[str, Any] = {
        "date": date,
        "commit": commit,
        "machine": {k: results.get("machine", {}).get(k) for k in ("cpu", "cores")},
        "loadavg_start": loadavg_start,
        "loadavg_end": results.get("machine", {}).get("loadavg_at_end", ""),
        "seconds": results.get("machine", {}).get("seconds"),
        "failed": failed,
        "cases": {name: {key: cases.get(name, {}).get(key) for key, *_ in COLUMNS} for name in CASES},
    }
    th = results.get("threads") or {}
    entry["threads"] = {k: th.get(k) for k in ("scaling", "ring_scaling")}
    mem = results.get("memory") or {}
    entry["memory"] = {k: mem.get(k) for k in ("verifier_100_keys_kib", "growth_kib")}
    tc = results.get("token_cache") or {}
    # A hit through each front door, and what the peers pay for the same request (they verify
    # the token again every time).
    entry["token_cache"] = {
        name: {**{k: row.get(k) for k in ("ring_us", "hit_us", "ring_over_hit", "miss_over_no_cache",
                                          "twice_over_no_cache")},
               **{k: cases.get(name, {}).get(k) for k in REPEATED_FROM_CASES}}
        for name, row in (tc.get("cases") or {}).items()
    }
    soak = results.get("token_cache_soak") or {}
    entry["token_cache_soak"] = {k: soak.get(k) for k in ("verifications", "distinct_tokens",
                                                          "growth_kib", "growth_over_bound")}
    entry["targets"] = results.get("targets", [])
    return entry


def read_history(path: Path) -> List[Dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_of(text: str) -> Optional[float]:
    """The one-minute load average of a /proc/loadavg line."""
    try:
        return float(text.split()[0])
    except (IndexError, ValueError):
        return None


def not_measured(entry: Dict[str, Any]) -> List[str]:
    """Every figure of the run that is missing, with what it would have come from."""
    missing = [f"{side}: failed to build or run" for side in entry["failed"]]
    for name in CASES:
        for key, title, _, source in COLUMNS:
            if entry["cases"][name].get(key) is None:
                missing.append(f"{name} {title} (from {source})")
    if entry["threads"].get("scaling") is None:
        missing.append("thread scaling (from the Rust harness)")
    if entry["memory"].get("growth_kib") is None:
        missing.append("memory (from the Rust harness)")
    if not entry.get("token_cache"):
        missing.append("token cache hit and miss (from the Rust harness)")
    for name, r in (entry.get("token_cache") or {}).items():
        for key in REPEATED_FROM_CASES:
            if r.get(key) is None:
                missing.append(f"{name} repeated token {key} (from the Python and Go sides)")
    if entry.get("token_cache_soak", {}).get("growth_over_bound") is None:
        missing.append("token cache memory (from core cache-soak)")
    return missing


def ranges(history: List[Dict[str, Any]]) -> Dict[Tuple[str, str], Tuple[float, float, int]]:
    """(case, key) -> (lowest, highest, how many runs measured it), over the history."""
    out: Dict[Tuple[str, str], Tuple[float, float, int]] = {}
    for name in CASES:
        for key, *_ in COLUMNS:
            values = [e["cases"].get(name, {}).get(key) for e in history]
            values = [v for v in values if v is not None]
            if values:
                out[(name, key)] = (min(values), max(values), len(values))
    return out


def span(r: Optional[Tuple[float, float, int]], digits: int) -> str:
    if r is None:
        return "NOT MEASURED"
    lo, hi, _ = r
    return f"{lo:.{digits}f}" if f"{lo:.{digits}f}" == f"{hi:.{digits}f}" else f"{lo:.{digits}f}–{hi:.{digits}f}"


def quiet_note(entry: Dict[str, Any]) -> str:
    cores = entry["machine"].get("cores") or os.cpu_count() or 1
    loads = [x for x in (load_of(entry["loadavg_start"]), load_of(entry["loadavg_end"])) if x is not None]
    if not loads:
        return "load average: unknown"
    worst = max(loads)
    text = (f"load average {entry['loadavg_start'].split()[0] if entry['loadavg_start'] else '?'} "
            f"at the start, {entry['loadavg_end'].split()[0] if entry['loadavg_end'] else '?'} at the end, "
            f"on {cores} cores")
    if worst > cores:
        return (f"**NOT a quiet machine**: {text}. Other work shared the cores during this run: "
                "time ratios move by ±10% or more under such load (every side is timed in "
                "alternation with the bare ring verify, which removes most but not all of it); "
                "the instruction counts do not depend on load")
    return f"a quiet machine: {text}"


def table(entry: Dict[str, Any]) -> List[str]:
    head = "| token | " + " | ".join(t for _, t, *_ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
    for name in CASES:
        row = entry["cases"][name]
        cells = [fmt(row.get(key), digits) for key, _, digits, _ in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def speedups(entry: Dict[str, Any]) -> List[str]:
    lines = []
    for name in CASES:
        row = entry["cases"][name]
        py, go = row.get("pyjwt_over_python"), row.get("golang_jwt_over_go")
        note = ""
        if name == "ES384":
            note = (" — slower than both where the figure is below 1: ring's P-384 verify is "
                    "slower than OpenSSL's (under PyJWT) and Go's crypto/ecdsa, and it is most "
                    "of the time on every side")
        times = lambda v: "NOT MEASURED" if v is None else f"{v:.2f}×"  # noqa: E731
        lines.append(f"- {name}: PyJWT/Python {times(py)}, golang-jwt/Go {times(go)}{note}")
    return lines


def report_text(entry: Dict[str, Any], history: List[Dict[str, Any]], missing: List[str]) -> str:
    m = entry["machine"]
    rg = ranges(history)
    out = [
        "# Benchmark report",
        "",
        "Generated by `make bench` (`scripts/bench.sh` → `bench/report.py`) from",
        "`target/bench/results.json` and `docs/bench-history.jsonl`; do not edit by hand (but for",
        f"its last part, \"{KEPT[3:]}\", which is kept by hand).",
        "What is measured and how is described in the README's Benchmarks section.",
        "",
        f"Last run: {entry['date']}, commit {entry['commit']}, {m.get('cpu') or '?'}, "
        f"{m.get('cores')} cores; `make bench` took "
        f"{'?' if entry.get('seconds') is None else round(entry['seconds'] / 60)} minutes.",
        "",
        quiet_note(entry) + ".",
        "",
        "## This run",
        "",
        "×ring = time (or instructions) / those of a bare ring verify of the same signing input, "
        "timed in the same process in alternating rounds (lower is better); PyJWT/Python and "
        "golang-jwt/Go = how many times faster this library is than that one.",
        "",
        *table(entry),
        "",
    ]
    th = entry["threads"]
    if th.get("scaling") is not None:
        out.append(f"Two threads sharing one verifier (C ABI, RS256-2048): {th['scaling']:.2f}× the "
                   f"throughput of one; the bare ring verify at the same moment: "
                   f"{th['ring_scaling']:.2f}×.")
    mem = entry["memory"]
    if mem.get("growth_kib") is not None:
        out.append(f"Memory: a verifier over 100 keys {mem['verifier_100_keys_kib']} KiB; RSS growth "
                   f"over a million C ABI verifications {mem['growth_kib']} KiB.")
    tc = entry.get("token_cache") or {}
    if tc:
        out += ["", "### Token cache (C ABI; hit = the same token again, miss = a token a full cache "
                "has not seen; first two = a token's first two sightings by a full cache, the second "
                "stored)", ""]
        for name, r in tc.items():
            out.append(f"- {name}: hit {fmt(r.get('hit_us'), 3)} µs ({fmt(r.get('ring_over_hit'), 0)}× "
                       f"faster than the bare ring verify); miss {fmt(r.get('miss_over_no_cache'), 3)}× "
                       f"the cache-off verification; first two {fmt(r.get('twice_over_no_cache'), 3)}× "
                       "two cache-off verifications; a hit through Python's `verify()` (claims dict "
                       f"included) {fmt(r.get('python_hit_us'), 2)} µs, through Go's `Verify` + "
                       f"`ClaimString` {fmt(r.get('go_hit_us'), 2)} µs")
    soak = entry.get("token_cache_soak") or {}
    if soak.get("growth_over_bound") is not None:
        out.append(f"- memory: {soak['verifications']} verifications over {soak['distinct_tokens']} "
                   f"distinct tokens: RSS +{soak['growth_kib']} KiB, {soak['growth_over_bound']:.3f}× "
                   "the cache's byte bound")
    out += ["", "### Speed-ups over the libraries users would pick instead", "", *speedups(entry), ""]
    out += ["### Targets", ""]
    for t in entry["targets"]:
        out.append(f"- {'PASS' if t['pass'] else 'FAIL'} {t['target']}")
    for line in missing:
        out.append(f"- NOT MEASURED {line}")
    out += [
        "",
        f"## Across runs ({len(history)} run{'s' if len(history) != 1 else ''} in "
        "`docs/bench-history.jsonl`, "
        f"{history[0]['date'] if history else '?'} to {history[-1]['date'] if history else '?'})",
        "",
        "Lowest–highest of each figure over the runs of the history (each run also records its "
        "load average there).",
        "",
        "| token | " + " | ".join(t for _, t, *_ in COLUMNS) + " |",
        "|" + "---|" * (len(COLUMNS) + 1),
    ]
    for name in CASES:
        out.append(f"| {name} | " + " | ".join(span(rg.get((name, key)), d) for key, _, d, _ in COLUMNS) + " |")
    scal = [e["threads"].get("scaling") for e in history if e["threads"].get("scaling") is not None]
    ring_scal = [e["threads"].get("ring_scaling") for e in history if e["threads"].get("ring_scaling") is not None]
    if scal:
        out += ["", f"Two threads: {span((min(scal), max(scal), len(scal)), 2)}× of one "
                    f"(bare ring at the same moments: "
                    f"{span((min(ring_scal), max(ring_scal), len(ring_scal)), 2)}×)."]
    return "\n".join(out) + "\n"


def readme_block(entry: Dict[str, Any], history: List[Dict[str, Any]], missing: List[str]) -> str:
    rg = ranges(history)
    lines = [
        BEGIN,
        f"Last `make bench`: {entry['date']}, commit {entry['commit']}; {quiet_note(entry)}.",
        f"Ranges over the {len(history)} run(s) of `docs/bench-history.jsonl`; the full report, "
        "with this run's table and every target, is [docs/benchmarks.md](docs/benchmarks.md).",
        "",
        "| token | " + " | ".join(t for _, t, *_ in COLUMNS[1:]) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for name in CASES:
        lines.append(f"| {name} | " + " | ".join(span(rg.get((name, key)), d) for key, _, d, _ in COLUMNS[1:]) + " |")
    repeated = repeated_token_table(entry)
    if repeated:
        lines += ["", "A client sends its token with every request until it expires; this library "
                  "answers a token it verified before from its token cache (the same verdict; see "
                  "\"Repeated tokens\"), while the peers verify it again each time (this run):", "",
                  *repeated]
    if missing:
        lines += ["", f"NOT MEASURED in the last run: {len(missing)} figure(s); see docs/benchmarks.md."]
    lines.append(END)
    return "\n".join(lines)


def figures(history: List[Dict[str, Any]]) -> Dict[str, str]:
    """The figures the READMEs quote in their text, each the span over the runs of the history."""

    def over_runs(key: str, names: Optional[Tuple[str, ...]] = None, section: str = "token_cache",
                  digits: int = 1) -> str:
        values = [row.get(key) for e in history for name, row in (e.get(section) or {}).items()
                  if names is None or name in names]
        values = [v for v in values if v is not None]
        return span((min(values), max(values), len(values)), digits) if values else "NOT MEASURED"

    # The fastest run of each algorithm's bare ring verify: from the cheapest to the dearest.
    fastest = [min(vs) for vs in ([e["cases"].get(n, {}).get("ring_us") for e in history] for n in CASES)
               if any(v is not None for v in vs) for vs in [[v for v in vs if v is not None]]]
    return {
        "cache_hit_us": over_runs("hit_us"),
        "ring_us_fastest": span((min(fastest), max(fastest), len(fastest)), 0) if fastest else "NOT MEASURED",
        "cache_miss_ratio": over_runs("miss_over_no_cache", digits=3),
        "cache_first_two_ratio": over_runs("twice_over_no_cache", digits=3),
    }


def fill_figures(text: str, figs: Dict[str, str]) -> Tuple[str, List[str]]:
    """The text with every <!-- bench:KEY --> figure filled in, and the unknown keys."""
    unknown: List[str] = []

    def fill(m: "re.Match[str]") -> str:
        if m.group(1) not in figs:
            unknown.append(m.group(1))
            return m.group(0)
        return f"<!-- bench:{m.group(1)} -->{figs[m.group(1)]}<!-- /bench -->"

    return FIGURE.sub(fill, text), unknown


def expected_files(history: List[Dict[str, Any]], readmes: List[Path], out: Path) -> Dict[Path, str]:
    """What the report and the READMEs must hold for this history: the report and the block
    from its last run, the text figures from all of them."""
    entry = history[-1]
    missing = not_measured(entry)
    figs = figures(history)
    files = {out: report_text(entry, history, missing) + kept_part(out)}
    for readme in readmes:
        text = readme.read_text()
        if BEGIN in text:
            text = replace_block(text, readme_block(entry, history, missing))
        files[readme] = fill_figures(text, figs)[0]
    return files


def check(history_path: Path, readmes: List[Path], out: Path) -> int:
    """Exit status 1 when a figure of the report or a README is not what the history gives."""
    history = read_history(history_path)
    if not history:
        print(f"report.py: no runs in {history_path}", file=sys.stderr)
        return 1
    failures = []
    for readme in readmes:
        for key in fill_figures(readme.read_text(), figures(history))[1]:
            failures.append(f"{readme}: no figure {key}")
    for path, want in expected_files(history, readmes, out).items():
        have = path.read_text() if path.is_file() else ""
        if have != want:
            lines = [f"    README:    {a.strip()}\n    generated: {b.strip()}"
                     for a, b in zip(have.splitlines(), want.splitlines()) if a != b]
            failures.append(f"{path}: differs from what {history_path.name} gives:\n" + "\n".join(lines[:10]))
    for f in failures:
        print(f"report.py: FAIL: {f}", file=sys.stderr)
    if not failures:
        print(f"report.py: the benchmark figures of {len(readmes)} README(s) and {out.name} are those of "
              f"the {len(history)} runs of {history_path.name}")
    return 1 if failures else 0


def replace_block(text: str, block: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"report.py: the README has no {BEGIN} ... {END} block")
    return text[:start] + block + text[end + len(END):]


def kept_part(report_file: Path) -> str:
    """The hand-kept end of the report as it is now (from the KEPT heading on), or ""."""
    if not report_file.is_file():
        return ""
    text = report_file.read_text()
    at = text.find("\n" + KEPT + "\n")
    return "" if at < 0 else text[at:]


def main(argv: Optional[List[str]] = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results_dir", type=Path, nargs="?")
    ap.add_argument("--history", type=Path, default=repo / "docs" / "bench-history.jsonl")
    ap.add_argument("--out", type=Path, default=repo / "docs" / "benchmarks.md")
    ap.add_argument("--readme", type=Path, action="append",
                    help="a README with the block or text figures (repeatable; default: README.md and "
                    "those of bindings/python and bindings/go)")
    ap.add_argument("--date", help="the run's date (default: now, UTC)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing: fail when the report or a README differs from what the history gives")
    args = ap.parse_args(argv)
    readmes = args.readme or [repo / "README.md", repo / "bindings" / "python" / "README.md",
                              repo / "bindings" / "go" / "README.md"]
    if args.check:
        return check(args.history, readmes, args.out)
    if args.results_dir is None:
        ap.error("RESULTS_DIR is needed, unless --check")

    results, failed, loadavg_start = load_run(args.results_dir)
    if not results:
        failed = failed + ["the report (no results.json)"]
    import datetime

    date = args.date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit_file = args.results_dir / "commit"
    commit = commit_file.read_text().strip() if commit_file.is_file() else git_commit(repo)
    entry = history_entry(results, failed, loadavg_start, date, commit)
    missing = not_measured(entry)

    args.history.parent.mkdir(parents=True, exist_ok=True)
    with args.history.open("a") as f:
        f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    history = read_history(args.history)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for path, text in expected_files(history, readmes, args.out).items():
        path.write_text(text)
    print(f"wrote {args.out}, {', '.join(str(r) for r in readmes)} (bench block and figures); "
          f"appended to {args.history}")
    print(quiet_note(entry).replace("**", ""))
    if missing:
        print(f"NOT MEASURED ({len(missing)}):", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
