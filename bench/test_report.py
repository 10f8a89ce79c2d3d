"""Tests of bench/report.py: python3 -m unittest discover -s bench -p 'test_report.py'"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import report

README = "# x\n\nbefore\n\n<!-- bench:begin -->\nold figures 1.227\n<!-- bench:end -->\n\nafter\n"


def full_results(scale: float = 1.0) -> dict:
    row = {key: round(1.05 * scale, 3) for key, *_ in report.COLUMNS}
    row.update({"python_hit_us": 1.5, "go_hit_us": 1.25, "pyjwt_us": 90.0, "golang_jwt_us": 28.0})
    return {
        "machine": {"cpu": "test cpu", "cores": 2, "loadavg_at_end": "0.50 0.40 0.30 1/80 1"},
        "cases": {name: dict(row) for name in report.CASES},
        "threads": {"scaling": 1.9 * scale, "ring_scaling": 1.95},
        "memory": {"verifier_100_keys_kib": 896, "growth_kib": 0},
        "token_cache": {"cases": {"RS256-2048": {"ring_us": 25.0, "hit_us": 0.4, "ring_over_hit": 62.0,
                                                 "miss_over_no_cache": 1.01, "twice_over_no_cache": 1.03}}},
        "token_cache_soak": {"verifications": 10, "distinct_tokens": 5, "growth_kib": 100,
                             "growth_over_bound": 0.7},
        "targets": [{"target": "C ABI RS256-2048 1.050× ring ≤ 1.10", "pass": True}],
    }


class ReportTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        self.run_dir = self.tmp / "run"
        self.run_dir.mkdir()
        (self.run_dir / "loadavg_start").write_text("0.40 0.40 0.30 1/80 1\n")
        self.readme = self.tmp / "README.md"
        self.readme.write_text(README)
        self.history = self.tmp / "history.jsonl"
        self.out = self.tmp / "benchmarks.md"

    def run_report(self, results: dict) -> int:
        (self.run_dir / "results.json").write_text(json.dumps(results))
        args = [str(self.run_dir), "--history", str(self.history), "--out", str(self.out),
                "--readme", str(self.readme), "--date", "2026-01-01 00:00 UTC"]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return report.main(args)

    def test_complete_run_passes_and_replaces_only_the_block(self) -> None:
        self.assertEqual(self.run_report(full_results()), 0)
        text = self.readme.read_text()
        self.assertNotIn("1.227", text)
        self.assertTrue(text.startswith("# x\n\nbefore\n\n<!-- bench:begin -->"))
        self.assertTrue(text.endswith("<!-- bench:end -->\n\nafter\n"))
        self.assertIn("| RS256-2048 | 1.050 |", text)
        # The repeated-token row: this library's hits beside the peers' full verifications.
        self.assertIn("| RS256-2048 | 0.40 | 1.50 | 1.25 | 25.0 | 90.0 | 28.0 |", text)
        self.assertNotIn("NOT MEASURED", self.out.read_text())
        self.assertIn("a quiet machine", self.out.read_text())

    def test_a_missing_figure_is_not_measured_and_fails(self) -> None:
        results = full_results()
        del results["cases"]["ES384"]["python_ratio"]
        del results["token_cache_soak"]
        (self.run_dir / "failed.txt").write_text("callgrind instruction counts (valgrind) (exit 1)\n")
        self.assertEqual(self.run_report(results), 1)
        doc = self.out.read_text()
        self.assertIn("NOT MEASURED ES384 Python ×ring", doc)
        self.assertIn("NOT MEASURED callgrind instruction counts", doc)
        self.assertIn("NOT MEASURED token cache memory", doc)
        self.assertIn("NOT MEASURED", self.readme.read_text())

    def test_no_results_at_all_fails(self) -> None:
        (self.run_dir / "failed.txt").write_text("the Rust harness (core run) (exit 101)\n")
        args = [str(self.run_dir), "--history", str(self.history), "--out", str(self.out),
                "--readme", str(self.readme)]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(report.main(args), 1)

    def test_ranges_come_from_the_history(self) -> None:
        self.assertEqual(self.run_report(full_results(1.0)), 0)
        self.assertEqual(self.run_report(full_results(1.1)), 0)
        self.assertEqual(len(self.history.read_text().splitlines()), 2)
        # 1.05 and 1.155: the README block and the report give the range over both runs.
        self.assertIn("1.050–1.155", self.readme.read_text())
        self.assertIn("2 runs", self.out.read_text())

    def test_the_hand_kept_end_survives_a_run(self) -> None:
        kept = f"\n{report.KEPT}\n\n- a figure written by hand: 0.4× the rate of one\n"
        self.out.write_text("# old generated text 9.999\n" + kept)
        self.assertEqual(self.run_report(full_results()), 0)
        doc = self.out.read_text()
        self.assertNotIn("9.999", doc)
        self.assertTrue(doc.endswith(kept), doc[-200:])
        self.assertEqual(doc.count(report.KEPT), 1)
        self.assertIn("| RS256-2048 | 1.1 | 1.050 |", doc)

    def test_a_busy_machine_is_said_to_be(self) -> None:
        results = full_results()
        results["machine"]["loadavg_at_end"] = "11.20 10.00 9.00 3/200 7"
        self.assertEqual(self.run_report(results), 0)
        self.assertIn("NOT a quiet machine", self.out.read_text())

    def test_text_figures_are_filled_from_the_history_and_checked(self) -> None:
        self.readme.write_text(README + "a hit takes <!-- bench:cache_hit_us -->9.9<!-- /bench --> µs\n")
        self.assertEqual(self.run_report(full_results()), 0)
        self.assertIn("<!-- bench:cache_hit_us -->0.4<!-- /bench --> µs", self.readme.read_text())
        check = ["--check", "--history", str(self.history), "--out", str(self.out), "--readme", str(self.readme)]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(report.main(check), 0)
        # A figure edited by hand, in the text or in the block, fails the check.
        for old, new in (("-->0.4<", "-->0.3<"), ("| RS256-2048 | 1.050 |", "| RS256-2048 | 1.040 |")):
            text = self.readme.read_text()
            self.readme.write_text(text.replace(old, new))
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                self.assertEqual(report.main(check), 1, old)
            self.assertIn("differs", err.getvalue())
            self.readme.write_text(text)
        # So does a figure the report does not know.
        self.readme.write_text(self.readme.read_text() + "<!-- bench:no_such_figure -->1<!-- /bench -->\n")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(report.main(check), 1)


class CommittedFiguresTest(unittest.TestCase):
    def test_the_readmes_and_the_report_hold_the_figures_of_the_history(self) -> None:
        """Every benchmark figure the READMEs and docs/benchmarks.md quote is the one
        bench/report.py derives from docs/bench-history.jsonl (`make bench` writes them)."""
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = report.main(["--check"])
        self.assertEqual(status, 0, err.getvalue())


if __name__ == "__main__":
    unittest.main()
