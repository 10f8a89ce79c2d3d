#!/usr/bin/env python3
"""The oldest glibc each ELF file can be used with, and a check against a limit.

    scripts/glibc-needs.py [--max 2.17] FILE...

For a shared library or an executable, what the dynamic loader demands: the newest GLIBC_x.y
of its version needs (``objdump -p``, "Version References"; a weak symbol's version is needed
too). For a static archive, which has no version needs of its own (a program linked against it
gets those of the glibc it is linked with), what a link against an old glibc demands: every
symbol the archive's objects use and do not define themselves (``nm``, strong undefined ones;
weak ones may be absent) that glibc's libraries define must exist in glibc version x.y or
older, taken from the versions under which the build machine's glibc defines it (glibc never
drops a symbol version); the archive needs the newest of those minima. Symbols glibc does not
define (the unwinder's, from libgcc) do not count, nor the stat family, which glibc before 2.33
linked into every program from libc_nonshared.a. (scripts/test-dist-c.sh also links a program
against the archive with zig's glibc 2.17, the ground truth for one version.)

Prints one line per file, with the symbols that need the newest version, and exits 1 when a
file needs a glibc newer than --max (or cannot be read). Needs binutils (objdump, nm) and, for
archives, a C compiler to find glibc's libraries.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

Version = Tuple[int, ...]

# Functions that glibc before 2.33 gave every program statically, from libc_nonshared.a (the
# library libc.so's linker script adds), and since 2.33 exports from libc.so under GLIBC_2.33
# (glibc 2.33 NEWS): a reference to one of them links against any glibc, whatever the oldest
# version of the shared symbol says.
NONSHARED_BEFORE_2_33 = {"stat", "stat64", "fstat", "fstat64", "lstat", "lstat64", "fstatat", "fstatat64",
                         "mknod", "mknodat"}

# The libraries of glibc a program may take symbols from.
GLIBC_LIBS = ["libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
              "ld-linux-x86-64.so.2"]


def parse_version(text: str) -> Version:
    return tuple(int(p) for p in text.split("."))


def show(v: Version) -> str:
    return ".".join(str(p) for p in v)


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def is_archive(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"!<arch>\n"


def dynamic_needs(path: Path) -> Tuple[Version, List[str]]:
    """The newest GLIBC_ version the file's version needs name, and the symbols bound to it."""
    refs = re.findall(r"\bGLIBC_(\d+(?:\.\d+)+)\b", run("objdump", "-p", str(path)).split("Version References", 1)[-1])
    if not refs:
        return (0,), []
    newest = max(parse_version(r) for r in refs)
    symbols = sorted({m.group(1) for m in re.finditer(r"\(?GLIBC_" + re.escape(show(newest)) + r"\)?\s+(\S+)$",
                                                       run("objdump", "-T", str(path)), re.M)})
    return newest, symbols


def glibc_minima() -> Dict[str, Version]:
    """Each symbol glibc's libraries define, with the oldest version it is defined under."""
    minima: Dict[str, Version] = {}
    for lib in GLIBC_LIBS:
        found = run("cc", "-print-file-name=" + lib).strip()
        if "/" not in found or not Path(found).exists():
            continue
        for line in run("objdump", "-T", found).splitlines():
            m = re.search(r"\s\(?GLIBC_(\d+(?:\.\d+)+)\)?\s+(?:\S+\s+)?(\S+)$", line)
            # Defined symbols only (an undefined one has *UND* as its section).
            if not m or "*UND*" in line:
                continue
            v, name = parse_version(m.group(1)), m.group(2)
            if name not in minima or v < minima[name]:
                minima[name] = v
    if "memcpy" not in minima:
        raise SystemExit("glibc-needs: cannot read glibc's symbols (cc -print-file-name=libc.so.6)")
    return minima


def archive_needs(path: Path, minima: Dict[str, Version]) -> Tuple[Version, List[str]]:
    undefined: Set[str] = set()
    defined: Set[str] = set()
    for line in run("nm", "--format=posix", str(path)).splitlines():
        fields = line.split()
        # "NAME TYPE [VALUE SIZE]"; member headers ("lib.a[obj.o]:") have no type.
        if len(fields) < 2 or fields[0].endswith(":"):
            continue
        name, kind = fields[0], fields[1]
        if kind == "U":
            undefined.add(name)
        elif kind not in ("w", "v"):
            defined.add(name)
    needed = {name: minima[name] for name in undefined - defined - NONSHARED_BEFORE_2_33 if name in minima}
    if not needed:
        return (0,), []
    newest = max(needed.values())
    return newest, sorted(n for n, v in needed.items() if v == newest)


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=parse_version, help="fail for a file needing a newer glibc (e.g. 2.17)")
    ap.add_argument("files", nargs="+", type=Path)
    args = ap.parse_args(argv)
    minima: Dict[str, Version] = {}
    status = 0
    for path in args.files:
        if is_archive(path):
            minima = minima or glibc_minima()
            newest, symbols = archive_needs(path, minima)
            how = "a program linked against it needs"
        else:
            newest, symbols = dynamic_needs(path)
            how = "needs"
        over = args.max is not None and newest > args.max
        status |= int(over)
        what = f"glibc {show(newest)}" if newest != (0,) else "no versioned glibc symbol"
        shown = ", ".join(symbols[:6]) + (", ..." if len(symbols) > 6 else "")
        print(f"{'FAIL ' if over else ''}{path}: {how} {what}" + (f" ({shown})" if symbols else "")
              + (f", newer than {show(args.max)}" if over else ""))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
