#!/usr/bin/env bash
# Install checks from the release artefacts that `make dist` wrote into dist/:
#   - dist/SHA256SUMS matches the files;
#   - sizes (scripts/sizes.py check): each artefact within its limit (stripped libjwks.so,
#     the wheel, each Go module zip), dist/sizes.json the sizes of the files beside it, and
#     every size figure of the READMEs the artefacts' own; a kind may be absent only while the
#     script that makes it (scripts/dist-{c,python,go}.sh) does not exist;
#   - glibc (scripts/glibc-needs.py): libjwks.so and bin/jwks of the C tarball and the
#     wheel's libjwks.so need no GLIBC_ symbol version above 2.17, and libjwks.a (the
#     tarball's, and the Go module's, the same file) uses nothing a glibc 2.17 lacks;
#   - scripts/test-dist-c.sh and scripts/test-dist-go.sh when they exist, each with a PATH that
#     has no cargo or rustc (as a user of the packages has), scripts/test-dist-python.sh,
#     which takes cargo off PATH itself for the wheel and builds the sdist with it, and
#     scripts/test-dist-rust.sh, which installs the crates with cargo.
# Usage: scripts/test-dist.sh [DIST_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=$(cd "${1:-$root/dist}" && pwd)
fail() { echo "test-dist: FAIL: $*" >&2; exit 1; }
[ -f "$dist/SHA256SUMS" ] || fail "no $dist/SHA256SUMS: run \`make dist\` first"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== SHA256SUMS"
(cd "$dist" && sha256sum --quiet --strict -c SHA256SUMS) || fail "checksums do not match"
listed=$(awk '{print $2}' "$dist/SHA256SUMS" | sed 's/^\*//; s|^\./||' | sort)
present=$(cd "$dist" && { find . -maxdepth 1 -type f ! -name SHA256SUMS; \
  find . -path './goproxy/*' -type f -name '*.zip'; } | sed 's|^\./||' | sort)
[ "$listed" = "$present" ] || fail "SHA256SUMS does not list exactly the artefacts:
listed:
$listed
present:
$present"

echo "== sizes (scripts/sizes.py check)"
shopt -s nullglob globstar
tarballs=("$dist"/jwks-*-linux-x86_64.tar.gz)
wheels=("$dist"/*.whl)
zips=("$dist"/goproxy/**/*.zip)
missing=()
if [ -x scripts/dist-c.sh ] && [ ${#tarballs[@]} = 0 ]; then missing+=("C tarball"); fi
if [ -x scripts/dist-python.sh ] && [ ${#wheels[@]} = 0 ]; then missing+=("Python wheel"); fi
if [ -x scripts/dist-go.sh ] && [ ${#zips[@]} = 0 ]; then missing+=("Go module zip"); fi
[ ${#missing[@]} = 0 ] || fail "missing from $dist: ${missing[*]}"
python3 scripts/sizes.py check "$dist" || fail "sizes (above)"

echo "== glibc: no binary needs a glibc newer than 2.17"
bins=$tmp/bins
mkdir -p "$bins"
glibc_files=()
for t in "${tarballs[@]}"; do
  v=$(basename "$t" | sed 's/^jwks-\(.*\)-linux-x86_64\.tar\.gz$/\1/')
  tar -xzf "$t" -C "$bins" "jwks-$v/lib/libjwks.so.$v" "jwks-$v/lib/libjwks.a" "jwks-$v/bin/jwks"
  glibc_files+=("$bins/jwks-$v/lib/libjwks.so.$v" "$bins/jwks-$v/bin/jwks" "$bins/jwks-$v/lib/libjwks.a")
done
for w in "${wheels[@]}"; do
  mkdir -p "$bins/wheel"
  unzip -q -o "$w" jwkskit/libjwks.so -d "$bins/wheel"
  glibc_files+=("$bins/wheel/jwkskit/libjwks.so")
done
go_archives=()
for z in "${zips[@]}"; do
  if unzip -Z1 "$z" | grep -q '/lib/linux_amd64/libjwks\.a$'; then
    mkdir -p "$bins/go"
    unzip -q -o "$z" '*/lib/linux_amd64/libjwks.a' -d "$bins/go"
    go_archives+=("$bins"/go/**/libjwks.a)
  fi
done
# The Go module ships the tarball's archive (the one release build), so the check of one is the
# check of the other, and scripts/test-dist-c.sh links a program against it with glibc 2.17.
for a in "${go_archives[@]}"; do
  for t in "${tarballs[@]}"; do
    cmp -s "$a" "$bins/$(basename "$t" .tar.gz | sed 's/-linux-x86_64$//')/lib/libjwks.a" \
      || fail "the Go module's libjwks.a is not the C tarball's"
  done
  glibc_files+=("$a")
done
[ ${#glibc_files[@]} -gt 0 ] || fail "no binary to check in $dist"
python3 scripts/glibc-needs.py --max 2.17 "${glibc_files[@]}" || fail "a binary needs a glibc newer than 2.17 (above)"

# A PATH without cargo and rustc: every directory of PATH that has one of the Rust tools is
# replaced by a directory of links to its other programs.
no_rust=$tmp/path
mkdir -p "$no_rust"
clean_path=
IFS=: read -r -a dirs <<<"$PATH"
i=0
for dir in "${dirs[@]}"; do
  [ -n "$dir" ] && [ -d "$dir" ] || continue
  if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ]; then
    i=$((i + 1))
    mkdir -p "$no_rust/$i"
    for prog in "$dir"/*; do
      case ${prog##*/} in cargo | cargo-* | rustc | rustup | rustdoc | rust-* | clippy-driver | rustfmt) continue ;; esac
      ln -s "$prog" "$no_rust/$i/"
    done
    dir=$no_rust/$i
  fi
  clean_path=${clean_path:+$clean_path:}$dir
done
if PATH=$clean_path command -v cargo >/dev/null || PATH=$clean_path command -v rustc >/dev/null; then
  fail "could not take cargo and rustc out of PATH"
fi

ran=0
for kind in c python go rust; do
  script=scripts/test-dist-$kind.sh
  if [ -x "$script" ]; then
    if [ "$kind" = python ]; then
      # It takes cargo off PATH itself for the wheel installs, and needs it for the sdist.
      echo "== $script (wheel: PATH without cargo and rustc; sdist: built by cargo)"
      "$script" "$dist"
    elif [ "$kind" = rust ]; then
      echo "== $script (the crates, with cargo)"
      "$script" "$dist"
    else
      echo "== $script (PATH without cargo and rustc)"
      env PATH="$clean_path" "$script" "$dist"
    fi
    ran=$((ran + 1))
  else
    echo "== $script does not exist: skipped"
  fi
done
echo "test-dist: sizes, glibc versions and $ran install checks passed"
