#!/usr/bin/env python3
"""The sizes of the release artefacts, the limits they must keep, and the figures of the READMEs.

    scripts/sizes.py measure [DIST]   measures the artefacts of DIST (default dist/) and writes
                                      DIST/sizes.json (`make dist` runs it); prints the table
    scripts/sizes.py check [DIST]     measures again, fails when an artefact passes its limit,
                                      when DIST/sizes.json says otherwise, or when a README
                                      figure differs from the one these sizes give
                                      (scripts/test-dist.sh runs it)
    scripts/sizes.py update [DIST]    rewrites the README figures from these sizes
    scripts/sizes.py limit NAME       prints a limit in bytes, for the scripts that enforce it

The READMEs hold no size written by hand. A figure is a marked region that this script fills:

    <!-- size:KEY -->2.8 MB<!-- /size -->            KEY a size or limit below, in MB (10^6 bytes)
    <!-- size:KEY bytes -->2,000,000 bytes<!-- /size -->   the same in bytes
    <!-- sizes:table -->...<!-- /sizes:table -->    the table of every artefact

and `check` also fails on a figure in MB or kB outside such a region, so that a size cannot be
written by hand again. Sizes are shown in MB with one decimal (or "< 0.1 MB"), which a small
change of the code seldom moves; the exact bytes are in DIST/sizes.json.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", ROOT / "bindings" / "python" / "README.md", ROOT / "bindings" / "go" / "README.md"]
GO_MODULE = "github.com/jwks-project/jwks/bindings/go"

# The most each artefact may weigh, in bytes (MB = 10^6 bytes). Every script that enforces one
# asks this table (`scripts/sizes.py limit NAME`).
LIMITS: Dict[str, int] = {
    "libjwks.so": 3_500_000,  # stripped, as shipped in the C tarball and the wheel
    "wheel": 2_000_000,
    "go.zip": 12_000_000,  # each Go module zip
}

# key -> (what it is, for the table)
LABELS: Dict[str, str] = {
    "tarball": "C tarball `jwks-VERSION-linux-x86_64.tar.gz`",
    "tarball.libjwks.so": "  its `lib/libjwks.so.VERSION` (stripped)",
    "tarball.libjwks.a": "  its `lib/libjwks.a` (debug info stripped)",
    "tarball.jwks": "  its `bin/jwks` (stripped)",
    "wheel": "Python wheel `jwkskit-VERSION-py3-none-manylinux…whl`",
    "wheel.libjwks.so": "  its `jwkskit/libjwks.so` (stripped)",
    "sdist": "Python sdist `jwkskit-VERSION.tar.gz`",
    "go.zip": "Go module zip `bindings/go@vVERSION`",
    "go.libjwks.a": "  its `lib/linux_amd64/libjwks.a` (debug info stripped)",
    "grpcjwks.zip": "Go module zip `bindings/go/grpcjwks@vVERSION`",
    "crate": "Rust crate `jwkskit-VERSION.crate`",
    "cli-crate": "Rust crate `jwkskit-cli-VERSION.crate` (the `jwks` tool)",
}


def one(paths: List[Path], what: str) -> Optional[Path]:
    if len(paths) > 1:
        raise SystemExit(f"sizes.py: more than one {what}: {[p.name for p in paths]}")
    return paths[0] if paths else None


def member_size(archive: Path, suffix: str) -> int:
    """The size of the one member of a tar.gz or zip whose name ends with suffix."""
    if archive.name.endswith(".tar.gz") or archive.name.endswith(".crate"):
        with tarfile.open(archive) as t:
            found = [m.size for m in t.getmembers() if m.isfile() and m.name.endswith(suffix)]
    else:
        with zipfile.ZipFile(archive) as z:
            found = [i.file_size for i in z.infolist() if i.filename.endswith(suffix)]
    if len(found) != 1:
        raise SystemExit(f"sizes.py: {archive.name} has {len(found)} members named *{suffix}")
    return found[0]


def measure(dist: Path) -> Dict[str, int]:
    """Every size of the artefacts present in dist (a kind not built is left out)."""
    sizes: Dict[str, int] = {}
    tarball = one(sorted(dist.glob("jwks-*-linux-x86_64.tar.gz")), "C tarball")
    if tarball:
        version = tarball.name[len("jwks-"):-len("-linux-x86_64.tar.gz")]
        sizes["tarball"] = tarball.stat().st_size
        sizes["tarball.libjwks.so"] = member_size(tarball, f"/lib/libjwks.so.{version}")
        sizes["tarball.libjwks.a"] = member_size(tarball, "/lib/libjwks.a")
        sizes["tarball.jwks"] = member_size(tarball, "/bin/jwks")
    wheel = one(sorted(dist.glob("jwkskit-*.whl")), "wheel")
    if wheel:
        sizes["wheel"] = wheel.stat().st_size
        sizes["wheel.libjwks.so"] = member_size(wheel, "jwkskit/libjwks.so")
    sdist = one(sorted(dist.glob("jwkskit-*.tar.gz")), "sdist")
    if sdist:
        sizes["sdist"] = sdist.stat().st_size
    go = one(sorted((dist / "goproxy" / GO_MODULE / "@v").glob("*.zip")), "Go module zip")
    if go:
        sizes["go.zip"] = go.stat().st_size
        sizes["go.libjwks.a"] = member_size(go, "/lib/linux_amd64/libjwks.a")
    grpc = one(sorted((dist / "goproxy" / GO_MODULE / "grpcjwks" / "@v").glob("*.zip")), "grpcjwks zip")
    if grpc:
        sizes["grpcjwks.zip"] = grpc.stat().st_size
    crate = one(sorted(dist.glob("jwkskit-[0-9]*.crate")), "jwkskit crate")
    if crate:
        sizes["crate"] = crate.stat().st_size
    cli = one(sorted(dist.glob("jwkskit-cli-*.crate")), "jwkskit-cli crate")
    if cli:
        sizes["cli-crate"] = cli.stat().st_size
    return sizes


def over_limits(sizes: Dict[str, int]) -> List[str]:
    checked = {"tarball.libjwks.so": "libjwks.so", "wheel.libjwks.so": "libjwks.so", "wheel": "wheel",
               "go.zip": "go.zip", "grpcjwks.zip": "go.zip"}
    return [f"{key} is {sizes[key]:,} bytes, over the limit of {LIMITS[limit]:,}"
            for key, limit in checked.items() if key in sizes and sizes[key] > LIMITS[limit]]


def in_mb(n: int) -> str:
    # Below 0.1 MB a figure in kB would move with every edit of a small module or crate.
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else "< 0.1 MB"


def limit_mb(n: int) -> str:
    return f"{n / 1e6:g} MB"


def crate_version() -> str:
    """[workspace.package] version of Cargo.toml, which every artefact carries."""
    section = ""
    for line in (ROOT / "Cargo.toml").read_text().splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[workspace.package]" and line.split("=")[0].strip() == "version":
            return line.split("=", 1)[1].strip().strip('"')
    raise SystemExit("sizes.py: no [workspace.package] version in Cargo.toml")


def table(sizes: Dict[str, int]) -> List[str]:
    limit_of = {"tarball.libjwks.so": "libjwks.so", "wheel.libjwks.so": "libjwks.so", "wheel": "wheel",
                "go.zip": "go.zip", "grpcjwks.zip": "go.zip"}
    lines = ["| artefact | size | limit |", "|---|---|---|"]
    for key, label in LABELS.items():
        if key not in sizes:
            continue
        indent = label.startswith("  ")
        name = ("↳ " if indent else "") + label.strip().replace("VERSION", crate_version())
        limit = limit_mb(LIMITS[limit_of[key]]) if key in limit_of else ""
        lines.append(f"| {name} | {in_mb(sizes[key])} | {limit} |")
    return lines


FIGURE = re.compile(r"<!-- size:([\w.-]+)(?: (bytes))? -->(.*?)<!-- /size -->", re.S)
TABLE = re.compile(r"(<!-- sizes:table -->\n)(.*?)(<!-- /sizes:table -->)", re.S)
# A size written by hand: a number in MB or kB (the units the artefacts are given in).
BARE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:MB|kB)\b")


def figure(key: str, style: Optional[str], sizes: Dict[str, int]) -> str:
    if key.startswith("limit."):
        n = LIMITS.get(key[len("limit."):])
        if n is None:
            raise SystemExit(f"sizes.py: no limit {key}")
        return f"{n:,} bytes" if style == "bytes" else limit_mb(n)
    if key not in sizes:
        raise KeyError(key)
    return f"{sizes[key]:,} bytes" if style == "bytes" else in_mb(sizes[key])


def render(text: str, sizes: Dict[str, int]) -> Tuple[str, List[str]]:
    """The text with every region filled from sizes, and the regions whose size is unknown."""
    unknown: List[str] = []

    def fill(m: "re.Match[str]") -> str:
        try:
            value = figure(m.group(1), m.group(2), sizes)
        except KeyError:
            unknown.append(m.group(1))
            return m.group(0)
        style = f" {m.group(2)}" if m.group(2) else ""
        return f"<!-- size:{m.group(1)}{style} -->{value}<!-- /size -->"

    text = FIGURE.sub(fill, text)
    text = TABLE.sub(lambda m: m.group(1) + "\n".join(table(sizes)) + "\n" + m.group(3), text)
    return text, unknown


def bare_figures(text: str) -> List[str]:
    """Sizes in MB or kB outside the marked regions."""
    stripped = TABLE.sub("", FIGURE.sub("", text))
    return [m.group(0) for m in BARE.finditer(stripped)]


def diff_lines(old: str, new: str) -> List[str]:
    """The lines that differ, as a unified diff (README, then generated)."""
    return ["    " + line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), "README",
                                                          "generated", n=0, lineterm="")]


def load_or_measure(dist: Path) -> Dict[str, int]:
    sizes = measure(dist)
    if not sizes:
        raise SystemExit(f"sizes.py: no artefact in {dist}: run `make dist` first")
    return sizes


def cmd_measure(dist: Path) -> int:
    sizes = load_or_measure(dist)
    (dist / "sizes.json").write_text(json.dumps(sizes, indent=2, sort_keys=True) + "\n")
    for line in table(sizes):
        print(line)
    for key, n in sorted(sizes.items()):
        print(f"  {key:<20} {n:>12,} bytes")
    problems = over_limits(sizes)
    for p in problems:
        print(f"sizes.py: {p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_check(dist: Path, readmes: List[Path]) -> int:
    sizes = load_or_measure(dist)
    failures = over_limits(sizes)
    recorded_path = dist / "sizes.json"
    if recorded_path.is_file():
        recorded = json.loads(recorded_path.read_text())
        if recorded != sizes:
            failures.append(f"{recorded_path} does not hold the sizes of the artefacts beside it")
    else:
        failures.append(f"no {recorded_path} (`make dist` writes it)")
    for key, n in sorted(sizes.items()):
        print(f"  {key:<20} {n:>12,} bytes  {in_mb(n)}")
    for readme in readmes:
        text = readme.read_text()
        new, unknown = render(text, sizes)
        name = readme.relative_to(ROOT) if ROOT in readme.parents else readme
        for key in unknown:
            failures.append(f"{name}: no size {key} among the artefacts")
        if new != text:
            failures.append(f"{name}: figures differ from the artefacts':\n" + "\n".join(diff_lines(text, new)))
        for bare in bare_figures(text):
            failures.append(f"{name}: the size {bare!r} is not a marked figure (<!-- size:KEY -->)")
    if failures:
        for f in failures:
            print(f"sizes.py: FAIL: {f}", file=sys.stderr)
        print("sizes.py: after `make dist`, `scripts/sizes.py update` writes the READMEs' figures "
              "from dist/", file=sys.stderr)
        return 1
    print(f"sizes.py: {len(sizes)} sizes within their limits; the figures of "
          f"{len(readmes)} READMEs are the artefacts'")
    return 0


def cmd_update(dist: Path, readmes: List[Path]) -> int:
    sizes = load_or_measure(dist)
    status = 0
    for readme in readmes:
        text = readme.read_text()
        new, unknown = render(text, sizes)
        for key in unknown:
            print(f"sizes.py: {readme}: no size {key} among the artefacts", file=sys.stderr)
            status = 1
        if new != text:
            readme.write_text(new)
            print(f"sizes.py: updated {readme}")
    return status


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in ("measure", "check", "update", "limit"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "limit":
        if len(argv) != 2 or argv[1] not in LIMITS:
            print(f"sizes.py limit NAME: one of {', '.join(LIMITS)}", file=sys.stderr)
            return 2
        print(LIMITS[argv[1]])
        return 0
    dist = Path(argv[1]) if len(argv) > 1 else ROOT / "dist"
    commands: Dict[str, Callable[[], int]] = {
        "measure": lambda: cmd_measure(dist),
        "check": lambda: cmd_check(dist, READMES),
        "update": lambda: cmd_update(dist, READMES),
    }
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
