#!/usr/bin/env bash
# Install checks from the release artefacts that `make dist` wrote into dist/:
#   - dist/SHA256SUMS matches the files;
#   - sizes: stripped libjwks.so <= 3.5 MB (inside the C tarball), the wheel <= 2 MB, each Go
#     module zip of dist/goproxy <= 12 MB; a kind may be absent only while the script that makes
#     it (scripts/dist-{c,python,go}.sh) does not exist;
#   - scripts/test-dist-c.sh and scripts/test-dist-go.sh when they exist, each with a PATH that
#     has no cargo or rustc (as a user of the packages has), and scripts/test-dist-python.sh,
#     which takes cargo off PATH itself for the wheel and builds the sdist with it.
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

echo "== sizes"
MB=1000000
checked=0
shopt -s nullglob globstar
tarballs=("$dist"/jwks-*-linux-x86_64.tar.gz)
wheels=("$dist"/*.whl)
zips=("$dist"/goproxy/**/*.zip)
# size_ok WHAT BYTES LIMIT_BYTES
size_ok() {
  printf '  %-48s %9d bytes (limit %d)\n' "$1" "$2" "$3"
  [ "$2" -le "$3" ] || fail "$1 is $2 bytes, over the limit of $3"
  checked=$((checked + 1))
}
for t in "${tarballs[@]}"; do
  v=$(basename "$t" | sed 's/^jwks-\(.*\)-linux-x86_64\.tar\.gz$/\1/')
  tar -xzf "$t" -C "$tmp" "jwks-$v/lib/libjwks.so.$v"
  size_ok "libjwks.so.$v (stripped, in $(basename "$t"))" "$(stat -c %s "$tmp/jwks-$v/lib/libjwks.so.$v")" $((35 * MB / 10))
done
for w in "${wheels[@]}"; do size_ok "$(basename "$w")" "$(stat -c %s "$w")" $((2 * MB)); done
for z in "${zips[@]}"; do size_ok "${z#"$dist"/}" "$(stat -c %s "$z")" $((12 * MB)); done
missing=()
if [ -x scripts/dist-c.sh ] && [ ${#tarballs[@]} = 0 ]; then missing+=("C tarball"); fi
if [ -x scripts/dist-python.sh ] && [ ${#wheels[@]} = 0 ]; then missing+=("Python wheel"); fi
if [ -x scripts/dist-go.sh ] && [ ${#zips[@]} = 0 ]; then missing+=("Go module zip"); fi
[ ${#missing[@]} = 0 ] || fail "missing from $dist: ${missing[*]}"
[ "$checked" -gt 0 ] || fail "no artefact in $dist"

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
for kind in c python go; do
  script=scripts/test-dist-$kind.sh
  if [ -x "$script" ]; then
    if [ "$kind" = python ]; then
      # It takes cargo off PATH itself for the wheel installs, and needs it for the sdist.
      echo "== $script (wheel: PATH without cargo and rustc; sdist: built by cargo)"
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
echo "test-dist: $checked sizes within limits, $ran install checks passed"
