# Sourced by scripts/dist-{c,python,go}.sh: the one way release binaries are built.
#
#   dist_build CARGO_ARGS...   cargo build --release CARGO_ARGS..., linked against glibc
#                              $dist_glibc; the outputs are in $dist_out
#
# Every shipped binary (libjwks.so and libjwks.a in the C tarball, the wheel and the Go module;
# bin/jwks) is built by `cargo zigbuild` (zig as the C compiler and linker, with the glibc 2.17
# stubs it ships), so that all of them run on any Linux x86-64 with glibc 2.17 or later; a
# plain `cargo build` links against the build machine's glibc (2.36 on Debian 12), and its
# binaries then need 2.34 (the version of __libc_start_main and the pthread functions since
# glibc merged libpthread into libc). scripts/test-dist.sh checks the newest GLIBC_ version of
# each. JWKS_DIST_GLIBC=system builds with plain cargo instead (no zig needed; the artefacts
# then need the build machine's glibc and the dist test refuses them).
#
# zig and cargo-zigbuild come from PyPI (ziglang, cargo-zigbuild), pinned, into a virtual
# environment kept in the target directory and reused while the pins are the same. The target
# triple names the host's (x86_64-unknown-linux-gnu), so cargo keeps these builds apart from
# target/release in target/x86_64-unknown-linux-gnu/release. The scripts build the capi
# library and the tool in separate cargo invocations, so that libjwks is never built with the
# tool's dependencies (cargo unifies features within one invocation).
#
# Needs python3 (with venv) and cargo; the caller has done `cd` to the repository root.

dist_glibc=${JWKS_DIST_GLIBC:-2.17}
# Pinned so that a release is built by the tools it was checked with.
dist_zig_tools=(ziglang==0.17.1 cargo-zigbuild==0.24.1)

dist_target_dir=$(cargo metadata --format-version 1 --no-deps |
    "${PYTHON:-python3}" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
if [ "$dist_glibc" = system ]; then
    dist_out=$dist_target_dir/release
else
    dist_out=$dist_target_dir/x86_64-unknown-linux-gnu/release
fi

# The venv of the zig tools: created on first use, reused while it holds exactly the pins.
dist_zig_venv() {
    local venv=$dist_target_dir/dist-tools/zig-venv
    local stamp="$venv/pins"
    if [ ! -x "$venv/bin/cargo-zigbuild" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${dist_zig_tools[*]}" ]; then
        rm -rf "$venv"
        "${PYTHON:-python3}" -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet "${dist_zig_tools[@]}" >&2
        printf '%s' "${dist_zig_tools[*]}" >"$stamp"
    fi
    printf '%s\n' "$venv"
}

dist_build() {
    if [ "$dist_glibc" = system ]; then
        echo "dist: cargo build --release $* (against the system glibc)" >&2
        cargo build --release "$@"
    else
        local venv
        venv=$(dist_zig_venv)
        echo "dist: cargo zigbuild --release $* --target x86_64-unknown-linux-gnu.$dist_glibc" >&2
        PATH=$venv/bin:$PATH cargo-zigbuild zigbuild --release "$@" \
            --target "x86_64-unknown-linux-gnu.$dist_glibc"
    fi
}
