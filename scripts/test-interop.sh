#!/usr/bin/env bash
# Interoperability of DPoP with the npm packages `dpop` and `jose` (pinned by
# tests/interop/dpop/package-lock.json and installed here with `npm ci`), both ways:
# - proofs and DPoP-bound access tokens minted by them are verified by the library, each with
#   its expected verdict (tests/interop/dpop/mint.mjs, examples/dpop_interop.rs);
# - proofs and bound tokens minted by the `jwks` tool (`jwks dpop proof`, `jwks sign
#   --dpop-key`), one per proof algorithm, are verified by `jose` (tests/interop/dpop/verify.mjs).
# Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null || { echo "test-interop.sh: node and npm are required" >&2; exit 1; }
out=target/interop
mkdir -p "$out"
(cd tests/interop/dpop && npm ci --no-audit --no-fund --silent)
node tests/interop/dpop/mint.mjs > "$out/dpop.json"
cargo run --quiet --example dpop_interop -- "$out/dpop.json"

cargo build --quiet -p jwkskit-cli
jwks=target/debug/jwks
keys="$out/jwks-keys"
rm -rf "$keys" && mkdir -p "$keys"
"$jwks" keygen --alg ES256 --kid as-1 --out "$keys/as.key" --jwk-out "$keys/as.jwk" 2>/dev/null
uri='https://api.example/orders?page=2'
for alg in ES256 ES384 EdDSA RS256 PS256; do
  bits=(); [[ $alg == [RP]S* ]] && bits=(--bits 2048)
  "$jwks" keygen --alg "$alg" "${bits[@]}" --out "$keys/$alg.key" --jwk-out "$keys/$alg.jwk" 2>/dev/null
  token=$("$jwks" sign --key "$keys/as.key" --aud https://api.example --dpop-key "$keys/$alg.key")
  proof=$("$jwks" dpop proof --key "$keys/$alg.key" --htm GET --htu "$uri" --ath-of "$token")
  printf '{"alg":"%s","uri":"%s","jwks":{"keys":[%s]},"token":"%s","proof":"%s"}\n' \
    "$alg" "$uri" "$(tr -d '\n' < "$keys/as.jwk")" "$token" "$proof"
done > "$out/jwks-minted.jsonl"
node tests/interop/dpop/verify.mjs < "$out/jwks-minted.jsonl"
