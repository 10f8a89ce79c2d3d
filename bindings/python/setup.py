"""Builds libjwks with cargo and bundles it inside the ``jwkskit`` package.

The metadata is in pyproject.toml; this file only adds the build steps:

* ``build_py`` runs ``cargo build --release --lib`` on the libjwks crate and copies the shared
  library into the package, so an installed ``jwkskit`` needs no environment variable. The
  wheel is platform-specific (it carries a native library) but not tied to a Python version
  (the library is loaded with ctypes): ``py3-none-<platform>``.
* ``sdist`` copies the Rust sources the build needs (:data:`RUST_SOURCES`) into ``rust/`` of
  the source distribution, so that it builds with cargo anywhere, not only inside a checkout.

The crate is looked up in this order: ``JWKS_SOURCE_DIR`` if set, ``rust/`` beside this file
(an unpacked sdist), then the repository that contains this directory (two levels up).

Build-time environment variables:

* ``JWKS_SOURCE_DIR``: the repository root, when this directory was copied away from it.
* ``JWKS_PREBUILT_LIBRARY``: bundle this already-built library instead of running cargo
  (``scripts/dist-python.sh`` passes the stripped release library this way).
* ``CARGO``: the cargo executable (default: ``cargo`` on ``PATH``, then ``~/.cargo/bin``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
#: Where an sdist carries the Rust sources (see :class:`SdistWithRustSources`).
BUNDLED_SOURCES = HERE / "rust"
#: What of the repository the sdist carries under ``rust/``: the workspace manifest and lock,
#: the crate (``src/``), the C library member (``capi/``), the header and its cbindgen
#: configuration, ``bench/rust/`` (Cargo.toml names a bench target there, and cargo refuses
#: a manifest whose named targets are missing) and the tool's member ``cli/`` (cargo loads every
#: member of the workspace; it is not built). Tests, fuzz targets and docs stay out.
RUST_SOURCES = ("Cargo.toml", "Cargo.lock", "cbindgen.toml", "include", "src", "capi", "cli", "bench/rust")
#: Files of the repository root that go into ``rust/`` when they exist.
OPTIONAL_SOURCES = ("LICENSE", "LICENSE-APACHE", "NOTICE")


def library_file_name() -> str:
    if sys.platform == "darwin":
        return "libjwks.dylib"
    if sys.platform == "win32":
        return "jwks.dll"
    return "libjwks.so"


def is_repo_root(path: Path) -> bool:
    return (path / "Cargo.toml").is_file() and (path / "include" / "jwks.h").is_file() and (
        path / "src" / "ffi"
    ).is_dir()


def source_candidates() -> List[Path]:
    """Where the crate may be, in the order they are tried."""
    override = os.environ.get("JWKS_SOURCE_DIR")
    candidates = [Path(override).resolve()] if override else []
    candidates.append(BUNDLED_SOURCES)  # an unpacked sdist
    candidates.append(HERE.parent.parent)  # <repo>/bindings/python
    return candidates


def find_repo_root() -> Path:
    candidates = source_candidates()
    for path in candidates:
        if is_repo_root(path):
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise SystemExit(
        "jwkskit: cannot find the libjwks crate to build (looked for Cargo.toml, include/jwks.h and "
        f"src/ffi/ in: {looked}). Install a released wheel (`pip install jwkskit`), or the sdist "
        "(jwkskit-VERSION.tar.gz, which carries the crate under rust/), or from the repository "
        "checkout (`pip install ./bindings/python`, with pip >= 21.3, which builds in place); or set "
        "JWKS_SOURCE_DIR to the repository root, or JWKS_PREBUILT_LIBRARY to a built libjwks."
    )


def find_cargo() -> str:
    candidates = [os.environ.get("CARGO"), shutil.which("cargo"), str(Path.home() / ".cargo" / "bin" / "cargo")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    raise SystemExit(
        "jwkskit: cargo (the Rust toolchain) is needed to build libjwks but was not found on PATH "
        "or in ~/.cargo/bin; install it from https://rustup.rs, set CARGO to its path, or set "
        "JWKS_PREBUILT_LIBRARY to an already-built libjwks."
    )


def cargo_build(root: Path) -> Path:
    """Runs cargo and returns the path of the shared library it produced."""
    cargo = find_cargo()
    cmd = [
        cargo,
        "build",
        "--release",
        # libjwks on its own: built with the workspace, the crate would get the features the
        # command line tool turns on (its HTTP server and key generation), which the library
        # never uses.
        "-p",
        "jwks-capi",
        "--lib",
        "--message-format=json-render-diagnostics",
        "--manifest-path",
        str(root / "Cargo.toml"),
    ]
    if root == BUNDLED_SOURCES:
        # An sdist builds exactly the dependency versions it was released with.
        cmd.append("--locked")
    print("jwkskit: building libjwks:", " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"jwkskit: cargo build failed (exit status {proc.returncode}); see the output above")
    name = library_file_name()
    found = None
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact" or "cdylib" not in msg["target"]["kind"]:
            continue
        for f in msg.get("filenames", []):
            if Path(f).name == name:
                found = Path(f)
    if found is None or not found.is_file():
        raise SystemExit(f"jwkskit: cargo build succeeded but reported no {name}")
    return found


class BuildPyWithLibrary(build_py):
    """build_py, then build libjwks and copy it into the built package."""

    def run(self) -> None:
        super().run()
        prebuilt = os.environ.get("JWKS_PREBUILT_LIBRARY")
        if prebuilt:
            library = Path(prebuilt)
            if not library.is_file():
                raise SystemExit(f"jwkskit: JWKS_PREBUILT_LIBRARY={prebuilt} is not a file")
        else:
            library = cargo_build(find_repo_root())
        dest = Path(self.build_lib) / "jwkskit" / library_file_name()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, dest)
        os.chmod(dest, 0o755)
        print(f"jwkskit: bundled {library} as {dest}", file=sys.stderr, flush=True)


def copy_rust_sources(root: Path, dest: Path) -> None:
    """Copies what cargo needs to build libjwks from ``root`` into ``dest`` (``rust/``)."""
    ignore = shutil.ignore_patterns("target", "__pycache__", "*.pyc", ".*")
    dest.mkdir(parents=True, exist_ok=True)
    for name in RUST_SOURCES + OPTIONAL_SOURCES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / name)
        elif name in RUST_SOURCES:
            raise SystemExit(f"jwkskit: {src} is missing; the sdist needs it to build libjwks")
    cargo = shutil.which(os.environ.get("CARGO") or "cargo")
    if cargo:
        # Catch a manifest that names a file left out of RUST_SOURCES now, not on a user's machine.
        proc = subprocess.run(
            [cargo, "metadata", "--no-deps", "--format-version", "1", "--manifest-path", str(dest / "Cargo.toml")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"jwkskit: the Rust sources copied into the sdist do not form a valid crate:\n{proc.stderr}")


class SdistWithRustSources(sdist):
    """sdist, plus the Rust sources under ``rust/`` so that the sdist builds anywhere."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = find_repo_root()
        dest = Path(base_dir) / "rust"
        copy_rust_sources(root, dest)
        print(f"jwkskit: copied the Rust sources of {root} into {dest}", file=sys.stderr, flush=True)


class PlatformWheel(bdist_wheel):
    """A wheel for this platform (it carries a native library), any Python 3 (ctypes)."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):  # type: ignore[no-untyped-def]
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    """Installs into platlib: the package holds a native library."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel, "sdist": SdistWithRustSources},
    distclass=BinaryDistribution,
)
