// Verifies, with the npm package `jose`, DPoP proofs and DPoP-bound access tokens minted by the
// `jwks` tool (`jwks dpop proof`, `jwks sign --dpop-key`): each line of stdin is a JSON case
// {alg, uri, jwks, token, proof}. The proof's signature under its own header jwk, its typ,
// htm, htu, iat, jti and ath, the access token under the issuer's JWKS, and the token's cnf.jkt
// as the jwk's RFC 7638 thumbprint; an altered proof must fail. Run by scripts/test-interop.sh.
import { createInterface } from 'node:readline';
import { jwtVerify, EmbeddedJWK, createLocalJWKSet, calculateJwkThumbprint, decodeProtectedHeader } from 'jose';

const sha256 = async (text) =>
  Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))).toString('base64url');

let checked = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const c = JSON.parse(line);
  const { payload: proof, protectedHeader } = await jwtVerify(c.proof, EmbeddedJWK, {
    typ: 'dpop+jwt',
    algorithms: [c.alg],
  });
  const want = { htm: 'GET', htu: c.uri.split(/[?#]/)[0], ath: await sha256(c.token) };
  for (const [name, value] of Object.entries(want)) {
    if (proof[name] !== value) throw new Error(`${c.alg}: ${name} is ${proof[name]}, expected ${value}`);
  }
  if (!Number.isInteger(proof.iat) || typeof proof.jti !== 'string' || proof.jti.length < 16) {
    throw new Error(`${c.alg}: iat or jti missing`);
  }
  if ('d' in protectedHeader.jwk) throw new Error(`${c.alg}: the proof's jwk carries a private key`);
  const { payload: token } = await jwtVerify(c.token, createLocalJWKSet(c.jwks));
  const jkt = await calculateJwkThumbprint(protectedHeader.jwk);
  if (token.cnf?.jkt !== jkt) throw new Error(`${c.alg}: cnf.jkt ${token.cnf?.jkt} is not the proof key's ${jkt}`);
  // One character of the signature changed: jose must refuse it.
  const [h, p, s] = c.proof.split('.');
  const altered = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
  const refused = await jwtVerify(altered, EmbeddedJWK, { typ: 'dpop+jwt' }).then(() => false, () => true);
  if (!refused) throw new Error(`${c.alg}: an altered proof verified`);
  if (decodeProtectedHeader(c.proof).alg !== c.alg) throw new Error(`${c.alg}: header alg`);
  checked += 1;
}
if (checked === 0) throw new Error('no proofs on stdin');
console.log(`jose verified ${checked} proofs and bound tokens minted by jwks`);
