// Mints DPoP proofs and DPoP-bound access tokens with the npm packages `dpop` (the client
// side of RFC 9449) and `jose` (the access tokens, and proofs built by hand), and prints
// them as JSON for examples/dpop_interop.rs, which verifies each with the library and
// expects its verdict. Run by scripts/test-interop.sh.
import { generateKeyPair as dpopKeyPair, generateProof, calculateThumbprint } from 'dpop';
import { generateKeyPair, exportJWK, SignJWT, calculateJwkThumbprint } from 'jose';

const now = Math.floor(Date.now() / 1000);
const ISSUER = 'https://as.example';
const AUDIENCE = 'https://api.example';
const URI = 'https://api.example/orders?page=2';

const as = await generateKeyPair('ES256');
const asJwk = { ...(await exportJWK(as.publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' };

const accessToken = (claims) =>
  new SignJWT({ sub: 'user-42', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'as-1', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(as.privateKey);

const cases = [];
const add = (name, fields) => cases.push({ name, method: 'GET', uri: URI, now, dpop: [], ...fields });

// Proofs from the `dpop` package, one per algorithm it offers.
for (const alg of ['ES256', 'PS256', 'RS256', 'Ed25519']) {
  const keys = await dpopKeyPair(alg);
  const jkt = await calculateThumbprint(keys.publicKey);
  // The two packages' RFC 7638 thumbprints agree.
  if (jkt !== (await calculateJwkThumbprint(await exportJWK(keys.publicKey)))) throw new Error('thumbprints differ');
  const at = await accessToken({ cnf: { jkt } });
  const proof = await generateProof(keys, URI, 'GET', undefined, at);
  // `Ed25519` is the fully-specified algorithm name of RFC 9864; the library knows `EdDSA`.
  const expect = alg === 'Ed25519' ? ['DPOP_PROOF_INVALID'] : ['OK', 'DPOP_PROOF_REPLAYED'];
  add(`dpop_package_${alg}`, { authorization: [`DPoP ${at}`], dpop: [proof], expect });
  if (alg === 'ES256') {
    const post = await generateProof(keys, URI, 'POST', undefined, at);
    add('dpop_package_wrong_method', { authorization: [`DPoP ${at}`], dpop: [post], expect: ['DPOP_PROOF_MISMATCH'] });
    const other = await accessToken({ cnf: { jkt }, scope: 'other' });
    const forOther = await generateProof(keys, URI, 'GET', undefined, other);
    add('dpop_package_ath_of_another_token', { authorization: [`DPoP ${at}`], dpop: [forOther], expect: ['DPOP_PROOF_MISMATCH'] });
    add('dpop_package_bound_token_as_bearer', { authorization: [`Bearer ${at}`], expect: ['BOUND_TOKEN_AS_BEARER'] });
    // Verified ten minutes after it was made (dpop_max_age is 60 s).
    const late = await generateProof(keys, URI, 'GET', undefined, at);
    add('dpop_package_stale', { authorization: [`DPoP ${at}`], dpop: [late], now: now + 600, expect: ['DPOP_PROOF_STALE'] });
  }
}

// A proof built with `jose` alone: EdDSA over Ed25519, the header jwk as jose exports it.
{
  const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(keys.publicKey);
  const jkt = await calculateJwkThumbprint(jwk);
  const at = await accessToken({ cnf: { jkt } });
  const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(at))).toString('base64url');
  const proof = await new SignJWT({ htm: 'GET', htu: 'https://api.example/orders', ath })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .sign(keys.privateKey);
  add('jose_eddsa_proof', { authorization: [`DPoP ${at}`], dpop: [proof], expect: ['OK'] });
  // A private jwk in the header (jose exports the private key's members when asked).
  const priv = await exportJWK(keys.privateKey);
  const leaky = await new SignJWT({ htm: 'GET', htu: 'https://api.example/orders', ath })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: priv })
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .sign(keys.privateKey);
  add('jose_private_jwk', { authorization: [`DPoP ${at}`], dpop: [leaky], expect: ['DPOP_PROOF_INVALID'] });
}

process.stdout.write(JSON.stringify({ jwks: { keys: [asJwk] }, issuer: ISSUER, audience: AUDIENCE, cases }, null, 1) + '\n');
