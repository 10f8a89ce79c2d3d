"""Tests of bench/e2e/report.py: python3 -m unittest discover -s bench/e2e -p 'test_report.py'"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List

import report


def run(stack: str, side: str, alg: str, mode: str, rnd: int, rps: float, p50_ms: float, cpu_us: float,
        **extra: Any) -> Dict[str, Any]:
    """One wrk run of 5 s at rps requests per second."""
    requests = int(rps * 5)
    r = {
        "stack": stack, "side": side, "alg": alg, "mode": mode, "round": rnd,
        "requests": requests, "duration_us": 5_000_000, "wall_s": 5.0,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
        "latency_us": {"p50": int(p50_ms * 1000), "p90": int(p50_ms * 2000), "p99": int(p50_ms * 3000),
                       "mean": p50_ms * 1000, "max": int(p50_ms * 9000)},
        "server_cpu_s": cpu_us * requests / 1e6, "wrk_cpu_s": 10e-6 * requests,
        "busy_cpu_s": cpu_us * requests / 1e6 + 10e-6 * requests + 0.1, "machine_cpu_s": 10.0,
        "loadavg": "0.50 0.40 0.30 1/80 1", "others": [{"pid": 9, "name": "cc1", "cpu_s": 0.1}],
    }
    r.update(extra)
    return r


def results(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"started": 1_800_000_000, "loadavg_start": "0.40 0.40 0.30 1/80 1",
            "loadavg_end": "0.60 0.40 0.30 1/80 1", "cores": 2, "cpu": "test cpu", "seconds": 600,
            "config": {"seconds": 5, "warmup": 1, "rounds": 3, "threads": 2, "connections": 32,
                       "pools": {"clients": 1000, "distinct": 50000}},
            "versions": {"go": "go1.26"}, "runs": runs}


def go_rows(alg: str, mode: str, ours: List[float], peer: List[float], floor: List[float],
            p50: tuple = (0.5, 0.6, 0.4)) -> List[Dict[str, Any]]:
    out = []
    for i in range(len(ours)):
        out.append(run("go", "jwks", alg, mode, i + 1, ours[i], p50[0], 22.0))
        out.append(run("go", "keyfunc", alg, mode, i + 1, peer[i], p50[1], 30.0))
        out.append(run("go", "none", alg, mode, i + 1, floor[i], p50[2], 20.0))
    return out


class ReportTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())

    def write(self, res: Dict[str, Any]) -> int:
        path = self.tmp / "results.json"
        path.write_text(json.dumps(res))
        args = [str(path), "--out", str(self.tmp / "e2e.md"), "--raw", str(self.tmp / "raw.json"),
                "--history", str(self.tmp / "history.jsonl"), "--commit", "abc1234"]
        with contextlib.redirect_stdout(io.StringIO()):
            return report.main(args)

    def test_ratios_are_taken_within_a_round_then_the_median(self) -> None:
        # Round 2 is slower for every server (the machine was busy): the within-round ratio is
        # still 2.0 in every round, where a ratio of medians would not see it that way.
        runs = go_rows("RS256", "distinct", ours=[2000, 1000, 2200], peer=[1000, 500, 1100],
                       floor=[4000, 2000, 4400])
        s = report.summary(runs, "go", "RS256", "distinct")
        self.assertEqual(s["ours_over_peer"], (2.0, 2.0, 2.0))
        self.assertEqual(s["ours_over_floor"], (0.5, 0.5, 0.5))
        self.assertEqual(s["rps_ours"], (2000, 1000, 2200))
        self.assertAlmostEqual(s["p50_ours_over_peer"][0], 0.5 / 0.6)
        # CPU above the floor: 22 - 20 against 30 - 20.
        self.assertAlmostEqual(s["cpu_ours_above_floor"][0], 2.0)
        self.assertAlmostEqual(s["cpu_above_floor_ours_over_peer"][0], 0.2)

    def test_targets_pass_fail_and_not_measured(self) -> None:
        runs = (go_rows("RS256", "clients", [950] * 3, [300] * 3, [1000] * 3)
                + go_rows("ES256", "clients", [850] * 3, [300] * 3, [1000] * 3)
                + go_rows("RS256", "distinct", [130] * 3, [100] * 3, [1000] * 3, p50=(0.5, 0.6, 0.2)))
        verdicts = {t: r for r, t in report.targets(runs)}
        # Server 22 + wrk 10 µs per request against the floor's 20 + 10 and the peer's 30 + 10.
        self.assertEqual(verdicts["Go, 1000 clients: req/s ×the unprotected server, RS256: 0.95× ≥ 0.90 "
                                  "(CPU-bound estimate 0.94×)"], "PASS")
        self.assertEqual(verdicts["Go, 1000 clients: req/s ×the unprotected server, ES256: 0.85× ≥ 0.90 "
                                  "(CPU-bound estimate 0.94×)"], "FAIL")
        self.assertEqual(verdicts["Go, distinct tokens: req/s ×keyfunc + golang-jwt, RS256: 1.30× ≥ 1.20 "
                                  "(CPU-bound estimate 1.25×)"], "PASS")
        self.assertEqual(verdicts["Go, distinct tokens: median latency ×keyfunc + golang-jwt, RS256: 0.83× ≤ 1.00"],
                         "PASS")
        self.assertEqual(verdicts["Go, distinct tokens: req/s ×keyfunc + golang-jwt, ES256 (bound ≥ 1.20)"],
                         "NOT MEASURED")
        self.assertEqual(verdicts["Python WSGI, 1000 clients: req/s ×the unprotected app, RS256 (bound ≥ 0.95)"],
                         "NOT MEASURED")

    def test_a_run_with_errors_is_not_measured(self) -> None:
        runs = go_rows("RS256", "clients", [950] * 3, [300] * 3, [1000] * 3)
        for r in runs:
            if r["side"] == "jwks":
                r["errors"]["status"] = 12  # answered 401: fast, and worthless
        s = report.summary(runs, "go", "RS256", "clients")
        self.assertIsNone(s["ours_over_floor"])
        self.assertIsNone(s["rps_ours"])
        self.assertIsNotNone(s["peer_over_floor"])
        self.write(results(runs))
        doc = (self.tmp / "e2e.md").read_text()
        self.assertIn("FAILED status 12", doc)
        self.assertIn("NOT MEASURED Go, 1000 clients: req/s ×the unprotected server, RS256", doc)

    def test_report_files_and_history(self) -> None:
        runs = (go_rows("RS256", "clients", [950] * 3, [300] * 3, [1000] * 3)
                + go_rows("ES256", "clients", [920] * 3, [300] * 3, [1000] * 3)
                + go_rows("RS256", "distinct", [130] * 3, [100] * 3, [1000] * 3, p50=(0.5, 0.6, 0.2))
                + go_rows("ES256", "distinct", [125] * 3, [100] * 3, [1000] * 3, p50=(0.5, 0.6, 0.2)))
        for rnd in (1, 2, 3):
            for alg in ("RS256", "ES256"):
                runs.append(run("wsgi", "jwkskit", alg, "clients", rnd, 960, 5.0, 200.0))
                runs.append(run("wsgi", "pyjwt", alg, "clients", rnd, 500, 9.0, 400.0))
                runs.append(run("wsgi", "none", alg, "clients", rnd, 1000, 4.0, 190.0))
                runs.append(run("nginx", "authz", alg, "clients", rnd, 8000, 2.0, 60.0))
                runs.append(run("nginx", "none", alg, "clients", rnd, 10000, 1.0, 40.0))
        self.assertEqual(self.write(results(runs)), 0)
        doc = (self.tmp / "e2e.md").read_text()
        self.assertIn("commit abc1234", doc)
        self.assertIn("a quiet machine", doc)
        self.assertNotIn("NOT MEASURED", doc)
        self.assertNotIn("FAIL", doc)
        self.assertIn("| RS256 | distinct | 130 / 100 / 1000 | 1.30× | 0.13× | 0.10× | 1.25×, 0.94× |", doc)
        self.assertIn("### Python WSGI", doc)
        self.assertNotIn("### Python ASGI", doc)  # not run
        raw = json.loads((self.tmp / "raw.json").read_text())
        self.assertEqual(len(raw["runs"]), len(runs))
        # A second run: the history has two entries, and the ranges cover both.
        for r in runs:
            if r["stack"] == "go" and r["side"] == "jwks" and r["mode"] == "distinct" and r["alg"] == "RS256":
                r["requests"] = 140 * 5
        self.assertEqual(self.write(results(runs)), 0)
        history = (self.tmp / "history.jsonl").read_text().splitlines()
        self.assertEqual(len(history), 2)
        self.assertEqual(json.loads(history[1])["rows"]["go/RS256/distinct"]["ours_over_peer"], 1.4)
        self.assertIn("| go / RS256 / distinct | 1.30–1.40 |", (self.tmp / "e2e.md").read_text())

    def test_a_stack_without_a_peer(self) -> None:
        # nginx + jwks authz has only the floor to be compared with.
        runs = []
        for rnd, (ours, floor) in enumerate([(7600, 10000), (8000, 10000), (4000, 5000)], 1):
            runs.append(run("nginx", "authz", "RS256", "clients", rnd, ours, 2.0, 60.0))
            runs.append(run("nginx", "none", "RS256", "clients", rnd, floor, 1.0, 40.0))
            runs.append(run("nginx", "authz", "RS256", "distinct", rnd, ours / 4, 8.0, 200.0))
            runs.append(run("nginx", "none", "RS256", "distinct", rnd, floor, 1.0, 40.0))
        s = report.summary(runs, "nginx", "RS256", "clients")
        self.assertEqual(s["ours_over_floor"], (0.8, 0.76, 0.8))
        self.assertEqual(s["p99_ours_over_floor"], (2.0, 2.0, 2.0))
        self.assertIsNone(s["ours_over_peer"])
        verdicts = {t: r for r, t in report.targets(runs)}
        self.assertEqual(verdicts["nginx + jwks authz, 1000 clients: req/s ×the same nginx without "
                                  "authentication, RS256: 0.80× (0.76–0.80) ≥ 0.75 (CPU-bound estimate 0.71×)"],
                         "PASS")
        self.write(results(runs))
        doc = (self.tmp / "e2e.md").read_text()
        self.assertIn("### nginx + `auth_request` + `jwks authz`", doc)
        self.assertIn("| RS256 | 1000 clients | 7600 / 10000 | 0.80× (0.76–0.80) | 0.71× | 2.00 / 1.00 | 2.00× "
                      "| 6.00 / 3.00 | 2.00× | 60.0 / 40.0 | 20.0 |", doc)
        self.assertIn("| RS256 | distinct | 1900 / 10000 | 0.20× (0.19–0.20) |", doc)

    def test_a_busy_machine_is_said_so(self) -> None:
        runs = go_rows("RS256", "one", [950] * 3, [300] * 3, [1000] * 3)
        runs[0]["busy_cpu_s"] += 5.0  # a core of other work during a 5-second run
        self.write(results(runs))
        doc = (self.tmp / "e2e.md").read_text()
        self.assertIn("**NOT a quiet machine**", doc)
        self.assertIn("1 of 9 runs shared the machine", doc)


if __name__ == "__main__":
    unittest.main()
