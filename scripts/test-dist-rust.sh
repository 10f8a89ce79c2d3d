#!/usr/bin/env bash
# Installs the Rust crates that `make dist` wrote (dist/jwkskit-VERSION.crate and
# dist/jwkskit-cli-VERSION.crate) the way the README says, from a directory outside the
# repository, with cargo (a Rust user has it) and nothing of the checkout:
#   1. the library as a path dependency of a new program: `cargo tree -e normal` of that
#      program shows no tokio, hyper or rsa (the tool's server stack is behind the optional
#      features `serve` and `rsa-keygen`), and the program verifies a token it signed with
#      the crate's issuer module and prints the subject;
#   2. the tool: `cargo install --path` on the unpacked jwkskit-cli crate, its jwkskit
#      dependency patched to the unpacked library crate (neither is on crates.io yet), then
#      `jwks --version`, and a key, a token and its verification made with the installed jwks.
# The crates' dependencies come from the local cargo registry cache, else crates.io. Debug
# builds (the install's profile does not matter here) in a target directory of its own.
# Usage: scripts/test-dist-rust.sh [DIST_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=$(cd "${1:-$root/dist}" && pwd)
fail() { echo "test-dist-rust: FAIL: $*" >&2; exit 1; }
command -v cargo >/dev/null || fail "cargo is not on PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
lib_crate=$dist/jwkskit-$version.crate
cli_crate=$dist/jwkskit-cli-$version.crate
[ -f "$lib_crate" ] || fail "no $lib_crate"
[ -f "$cli_crate" ] || fail "no $cli_crate"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
crates=$tmp/crates
mkdir -p "$crates"
tar -xzf "$lib_crate" -C "$crates"
tar -xzf "$cli_crate" -C "$crates"
lib=$crates/jwkskit-$version
cli=$crates/jwkskit-cli-$version
# Nothing of the checkout: no workspace above, no target directory or lock of the repository.
export CARGO_TARGET_DIR=$tmp/target
unset CARGO_BUILD_TARGET RUSTFLAGS

echo "== the library as a path dependency"
app=$tmp/app
mkdir -p "$app/src"
cat >"$app/Cargo.toml" <<EOF
[package]
name = "app"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
jwkskit = { path = "$lib" }
serde_json = "1"

[workspace]
EOF
cat >"$app/src/main.rs" <<'EOF'
//! Signs a token with the crate's issuer module and verifies it as the README's Rust example
//! does; prints the subject.
use jwkskit::issuer::{jwks_document, SigningKey};
use jwkskit::{Algorithm, Policy, Verifier};

fn main() -> Result<(), jwkskit::Error> {
    let key = SigningKey::generate(Algorithm::ES256)?;
    let jwks_json = jwks_document(&[&key]).to_string();
    let exp = jwkskit::unix_now() + 600;
    let claims = serde_json::json!({"iss": "https://issuer.example", "aud": "api", "sub": "alice", "exp": exp});
    let bearer = key.sign(&claims)?;
    let policy = Policy {
        issuers: vec!["https://issuer.example".into()],
        audiences: vec!["api".into()],
        ..Policy::default()
    };
    let verifier = Verifier::from_json(jwks_json.as_bytes(), policy)?;
    let token = verifier.verify(bearer.as_bytes())?;
    let sub = token.claim("sub").and_then(|v| v.as_str());
    println!("{}", sub.unwrap_or("(no sub)"));
    Ok(())
}
EOF
# The versions the repository is tested with, so that the check does not depend on a
# resolution made today; cargo drops what the program does not use.
cp "$root/Cargo.lock" "$app/Cargo.lock"
(cd "$app" && cargo tree -e normal --prefix none --format '{p}') >"$tmp/tree.txt"
deps=$(awk '{print $1}' "$tmp/tree.txt" | sort -u)
for c in tokio hyper hyper-util rsa; do
  if grep -qx "$c" <<<"$deps"; then fail "a plain jwkskit dependency brings $c"; fi
done
echo "  the program depends on $(($(wc -l <<<"$deps") - 1)) packages, none of the tool's server stack"
said=$(cd "$app" && cargo run --quiet)
[ "$said" = "alice" ] || fail "the program printed '$said', not alice"
echo "  the program verified its token: $said"

echo "== the tool: cargo install --path jwkskit-cli-$version, jwkskit patched to the library crate"
# --locked: the versions of the lock file packaged with the tool.
(cd "$tmp" && cargo install --locked --debug --path "$cli" --root "$tmp/inst" \
  --config "patch.crates-io.jwkskit.path=\"$lib\"") >"$tmp/install.log" 2>&1 \
  || { tail -n 40 "$tmp/install.log"; fail "cargo install of jwkskit-cli failed"; }
jwks=$tmp/inst/bin/jwks
[ -x "$jwks" ] || fail "cargo install did not install bin/jwks"
said=$("$jwks" --version)
[ "$said" = "jwks $version" ] || fail "jwks --version said '$said'"
"$jwks" keygen --alg ES256 --kid k1 --out "$tmp/k.key" --jwk-out "$tmp/k.jwk" >/dev/null
token=$("$jwks" sign --key "$tmp/k.key" --iss https://issuer.example --aud api --sub bob --exp-in 1h)
"$jwks" verify --jwks "$tmp/k.jwk" --iss https://issuer.example --aud api "$token" >"$tmp/verify.txt" \
  || { cat "$tmp/verify.txt"; fail "the installed jwks rejected its own token"; }
echo "  $said installed; keygen, sign and verify work"

echo "test-dist-rust: the library crate builds as a path dependency without the server stack;" \
  "jwkskit-cli installs from the crate files"
