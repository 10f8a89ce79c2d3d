"""The README quickstart is examples/quickstart.py, verbatim, and it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
QUICKSTART = HERE / "examples" / "quickstart.py"


def test_readme_shows_the_quickstart_verbatim():
    readme = (HERE / "README.md").read_text()
    assert QUICKSTART.read_text().strip() in readme


def test_quickstart_runs():
    out = subprocess.run([sys.executable, str(QUICKSTART)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("(200, {") and "'sub': 'user-42'" in lines[0]
    assert lines[1].startswith("(401, 'BAD_SIGNATURE")
