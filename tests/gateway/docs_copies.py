#!/usr/bin/env python3
"""docs/gateway.md shows the configurations the gateway tests run: each block between
`<!-- BEGIN COPY: tests/gateway/FILE -->` and `<!-- END COPY -->` must be that file, byte for
byte (one fenced code block). Exits 1, with a diff, when a copy differs or one is missing.

    python3 tests/gateway/docs_copies.py [--write] [docs/gateway.md]

--write replaces each copy with the file's current text instead (after editing a file).
"""
import difflib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The files the document must show.
REQUIRED = {"tests/gateway/nginx.conf", "tests/gateway/Caddyfile", "tests/gateway/authz.toml"}
BLOCK = re.compile(
    r"<!-- BEGIN COPY: (?P<path>\S+) -->\n```(?P<lang>[a-z]*)\n(?P<body>.*?)```\n<!-- END COPY -->",
    re.S,
)


def write(doc_path, doc):
    def refresh(m):
        with open(os.path.join(ROOT, m["path"])) as f:
            text = f.read()
        return f"<!-- BEGIN COPY: {m['path']} -->\n```{m['lang']}\n{text}```\n<!-- END COPY -->"
    new = BLOCK.sub(refresh, doc)
    with open(doc_path, "w") as f:
        f.write(new)
    print(f"{doc_path}: copies rewritten")


def main():
    args = sys.argv[1:]
    rewrite = "--write" in args
    args = [a for a in args if a != "--write"]
    doc_path = args[0] if args else os.path.join(ROOT, "docs", "gateway.md")
    with open(doc_path) as f:
        doc = f.read()
    if rewrite:
        return write(doc_path, doc)
    found = {}
    for m in BLOCK.finditer(doc):
        found.setdefault(m["path"], []).append(m["body"])
    begins = doc.count("<!-- BEGIN COPY:")
    errors = []
    if begins != sum(len(v) for v in found.values()):
        errors.append(f"{begins} BEGIN COPY markers, {sum(len(v) for v in found.values())} "
                      "well-formed blocks (marker, one fenced block, END COPY)")
    for path in sorted(REQUIRED - set(found)):
        errors.append(f"no copy of {path}")
    for path, bodies in sorted(found.items()):
        with open(os.path.join(ROOT, path)) as f:
            want = f.read()
        for body in bodies:
            if body != want:
                diff = "".join(difflib.unified_diff(
                    want.splitlines(True), body.splitlines(True), path, doc_path + " copy"))
                errors.append(f"the copy of {path} differs:\n{diff}")
            else:
                print(f"  ok    docs/gateway.md shows {path} as tested")
    for e in errors:
        print(f"  FAIL  {e}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
