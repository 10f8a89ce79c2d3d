#!/usr/bin/env python3
"""Verification cost: this package versus PyJWT (+cryptography), and versus a bare ring verify.

For every token of the fixtures, in one process, on the same tokens and keys:

* ``jwks``: ``Verifier.verify(token)`` with ``token`` a ``str``, as it arrives from an
  ``Authorization`` header (kid lookup, signature, iss/aud/exp checks, claims decoded to a
  dict), through ctypes;
* ``pyjwt``: PyJWT with the keys at hand: ``get_unverified_header`` for the kid, a dict lookup
  in the keys of a ``PyJWKSet`` built from the same JWKS, then ``jwt.decode`` with the
  algorithm allowlist, ``issuer``, ``audience`` and ``require=["exp"]`` (the least PyJWT can
  do per request; ``PyJWKClient.get_signing_key_from_jwt`` also decodes the payload and filters
  the key list on every call);
* ``cabi``: the one ``jwks_verify_payload`` call of ``verify`` alone through ctypes (no claims
  decoding), to split the cost between the Rust core and the Python layer;
* ``hit``: ``verify(token)`` through a second verifier with the token cache on (its default),
  cycling over the same tokens as ``jwks``: cache hits once warm, claims dict included (the other rows run with the
  cache off, so that they time a whole verification);
* ``ring``: the bare ring verify of the same signature (``bench/ring_floor``, a small Rust
  library timed inside Rust; built with cargo on first use, skipped with ``--no-ring``).

Each side cycles over the case's distinct tokens (``variants`` in the fixtures: the same
claims but for the ``jti``), the same ``str`` objects for ``jwks`` and ``pyjwt``, so that no
per-argument cache hits on every call. Rounds are interleaved (10 ms per side, the order
rotating every round: ring, jwks, pyjwt, cabi, then jwks, pyjwt, cabi, ring, ...; as the Rust,
Go and C benchmarks do); the times reported are medians over the rounds and the ratios the medians of
the per-round ratios, so that the noise of a shared machine hits every side alike: ``jwks`` is
timed right next to the two sides it is compared with.

Fixtures: ``--fixtures DIR`` reads ``DIR/jwks.json`` (a public JWKS) and ``DIR/tokens.json``
(``{"issuer", "audience", "tokens": [{"name", "alg", "kid", "token"}, ...]}``); without it,
fixtures in that format are generated with ``cryptography`` (and written to ``--write-fixtures
DIR`` if given). ``--json OUT`` writes ``{"python": {name: {"jwks_us", "pyjwt_us",
"cabi_us", "hit_us", "ring_us", "pyjwt_over_jwks", "jwks_over_ring", "tokens"}}}``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ISSUER = "https://login.example.com/tenant-7f3a"
AUDIENCE = "https://api.example.com"
ALLOWED = ["RS256", "PS256", "ES256", "ES384", "EdDSA"]


def b64d(s: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# --------------------------------------------------------------------------------------------
# Fixtures


def generate_fixtures() -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """A JWKS of several keys (the ones under test among decoys) and one token per case."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    def make(alg: str, kid: str):
        if alg in ("RS256", "PS256"):
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "ES384":
            private = ec.generate_private_key(ec.SECP384R1())
        else:
            private = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(private.public_key()))
        jwk.update(kid=kid, alg=alg, use="sig")
        return private, jwk

    now = int(time.time())
    cases = [("RS256-2048", "RS256", "rsa-2048"), ("PS256", "PS256", "rsa-pss-2048"),
             ("ES256", "ES256", "ec-p256"), ("EdDSA", "EdDSA", "ed25519")]
    decoys = [("RS256", "rsa-2048-previous"), ("ES256", "ec-p256-next"), ("EdDSA", "ed25519-next")]
    keys, tokens = [], []
    for i, (name, alg, kid) in enumerate(cases):
        private, jwk = make(alg, kid)
        keys.append(jwk)
        if i < len(decoys):
            keys.append(make(*decoys[i])[1])
        claims = {
            "iss": ISSUER, "sub": "auth0|5f8a2c1e9b3d4a0071c2e8f1",
            "aud": [AUDIENCE, "https://login.example.com/userinfo"],
            "iat": now - 60, "exp": now + 24 * 3600, "azp": "k3JxN0pQr8sT2uV4wX6yZ8aB",
            "scope": "openid profile email read:orders write:orders",
            "email": "jane.doe@example.com", "email_verified": True,
            "jti": f"9f1c2e3d-4b5a-6789-abcd-{alg}",
        }
        variants = [jwt.encode({**claims, "jti": f"{claims['jti']}-{v}"}, private, algorithm=alg,
                               headers={"kid": kid, "typ": "JWT"}) for v in range(8)]
        tokens.append({"name": name, "alg": alg, "kid": kid, "token": variants[0], "variants": variants})
    return {"keys": keys}, {"issuer": ISSUER, "audience": AUDIENCE, "tokens": tokens}


def load_fixtures(directory: Path) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    jwks_doc = json.loads((directory / "jwks.json").read_text())
    tokens = json.loads((directory / "tokens.json").read_text())
    return jwks_doc, tokens


# --------------------------------------------------------------------------------------------
# The ring floor


def load_ring_floor(rebuild: bool) -> Optional[ctypes.CDLL]:
    crate = REPO / "bench" / "ring_floor"
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "python-bench"
    lib_path = target / "release" / "libring_floor.so"
    if rebuild or not lib_path.is_file():
        cmd = ["cargo", "build", "--release", "--quiet", "--manifest-path", str(crate / "Cargo.toml"),
               "--target-dir", str(target)]
        print("building the ring floor:", " ".join(cmd), file=sys.stderr)
        try:
            subprocess.run(cmd, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"no ring floor ({e}); use --no-ring to silence this", file=sys.stderr)
            return None
    lib = ctypes.CDLL(str(lib_path))
    lib.ring_floor_run.restype = ctypes.c_int64
    lib.ring_floor_run.argtypes = [ctypes.c_char_p] + [ctypes.c_char_p, ctypes.c_size_t] * 4 + [ctypes.c_uint64]
    return lib


def ring_runner(lib: ctypes.CDLL, alg: str, jwk: Dict[str, Any], token: str) -> Callable[[int], float]:
    if alg in ("RS256", "PS256"):
        a, b = b64d(jwk["n"]), b64d(jwk["e"])
    elif alg == "EdDSA":
        a, b = b64d(jwk["x"]), b""
    else:
        a, b = b64d(jwk["x"]), b64d(jwk["y"])
    signing_input, _, sig64 = token.rpartition(".")
    msg, sig = signing_input.encode(), b64d(sig64)
    alg_b = alg.encode()

    def run(n: int) -> float:
        ns = lib.ring_floor_run(alg_b, a, len(a), b, len(b), msg, len(msg), sig, len(sig), n)
        if ns < 0:
            raise RuntimeError(f"ring floor: {alg} signature does not verify ({ns})")
        return ns / 1e9

    return run


# --------------------------------------------------------------------------------------------
# The contenders


def jwks_runner(verifier: Any, tokens: List[str]) -> Callable[[int], float]:
    verify = verifier.verify

    def run(n: int) -> float:
        perf = time.perf_counter
        toks = islice(cycle(tokens), n)
        start = perf()
        for tok in toks:
            verify(tok)
        return perf() - start

    return run


def cabi_runner(verifier: Any, tokens: List[str]) -> Callable[[int], float]:
    """The C ABI alone through ctypes: one ``jwks_verify_payload`` call (as ``verify`` makes),
    without the lock, the buffer handling, the ``str`` encoding and the claims decoding of the
    Python layer."""
    from jwkskit import _ffi

    handle = verifier._handle
    toks = [(t.encode(), ctypes.c_size_t(len(t.encode()))) for t in tokens]
    call = _ffi.verify_payload_untyped
    longest = max(len(t) for t, _ in toks)
    cap = ctypes.c_size_t(longest)
    buf = (ctypes.c_char * longest)()
    size, err = ctypes.c_size_t(), ctypes.c_void_p()
    size_ref, err_ref = ctypes.byref(size), ctypes.byref(err)

    def run(count: int) -> float:
        perf = time.perf_counter
        args = islice(cycle(toks), count)
        start = perf()
        for tok, n in args:
            if call(handle, tok, n, buf, cap, size_ref, err_ref):
                raise RuntimeError("jwks_verify_payload failed")
        return perf() - start

    return run


def pyjwt_runner(keys_by_kid: Dict[str, Any], issuer: str, audience: str, tokens: List[str]) -> Callable[[int], float]:
    import jwt

    decode, header_of = jwt.decode, jwt.get_unverified_header
    options = {"require": ["exp"]}

    def verify(tok: str) -> Dict[str, Any]:
        key = keys_by_kid[header_of(tok)["kid"]]
        return decode(tok, key.key, algorithms=ALLOWED, issuer=issuer, audience=audience, options=options)

    def run(n: int) -> float:
        perf = time.perf_counter
        toks = islice(cycle(tokens), n)
        start = perf()
        for tok in toks:
            verify(tok)
        return perf() - start

    run.verify = verify  # type: ignore[attr-defined]
    return run


def calibrate(run: Callable[[int], float], target: float) -> int:
    n = 1
    while True:
        t = run(n)
        if t >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(t, 1e-9)))
        n *= 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", type=Path, help="directory with jwks.json and tokens.json")
    ap.add_argument("--write-fixtures", type=Path, help="write the generated fixtures here")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--rounds", type=int, default=61, help="interleaved rounds (default 61)")
    ap.add_argument("--round-time", type=float, default=0.01, help="seconds per round and contender")
    ap.add_argument("--no-ring", action="store_true", help="skip the bare ring floor")
    ap.add_argument("--rebuild-ring", action="store_true", help="rebuild the ring floor first")
    args = ap.parse_args()

    import jwt

    import jwkskit

    if args.fixtures:
        jwks_doc, fixtures = load_fixtures(args.fixtures)
    else:
        jwks_doc, fixtures = generate_fixtures()
        if args.write_fixtures:
            args.write_fixtures.mkdir(parents=True, exist_ok=True)
            (args.write_fixtures / "jwks.json").write_text(json.dumps(jwks_doc))
            (args.write_fixtures / "tokens.json").write_text(json.dumps(fixtures, indent=1))
    issuer, audience = fixtures["issuer"], fixtures["audience"]
    ring = None if args.no_ring else load_ring_floor(args.rebuild_ring)

    # The full-verification rows run with the token cache off (repeating one token would
    # otherwise time cache hits); the "hit" column is a second verifier with the cache on.
    verifier = jwkskit.Verifier.from_jwks(jwks_doc, issuers=issuer, audiences=audience, token_cache=0)
    cached = jwkskit.Verifier.from_jwks(jwks_doc, issuers=issuer, audiences=audience)
    keyset = jwt.PyJWKSet.from_dict(jwks_doc)
    keys_by_kid = {k.key_id: k for k in keyset.keys}
    jwk_by_kid = {k["kid"]: k for k in jwks_doc["keys"] if "kid" in k}

    results: Dict[str, Dict[str, float]] = {}
    rows: List[Tuple[str, ...]] = []
    warmed_up = False
    for case in fixtures["tokens"]:
        name, alg, token = case["name"], case["alg"], case["token"]
        # The same str objects for both libraries; fixtures without variants give one token.
        tokens = [str(t) for t in case.get("variants") or [token]]
        if alg not in ALLOWED:
            print(f"skipping {name}: {alg} is not compared", file=sys.stderr)
            continue
        # The order of a round: jwks next to both sides it is compared with.
        runners: Dict[str, Callable[[int], float]] = {}
        if ring is not None:
            runners["ring"] = ring_runner(ring, alg, jwk_by_kid[case["kid"]], token)
        runners["jwks"] = jwks_runner(verifier, tokens)
        runners["pyjwt"] = pyjwt_runner(keys_by_kid, issuer, audience, tokens)
        runners["cabi"] = cabi_runner(verifier, tokens)
        runners["hit"] = jwks_runner(cached, tokens)
        # Both must accept every token, with the same claims, before anything is timed.
        for tok in tokens:
            claims = verifier.verify(tok)
            if runners["pyjwt"].verify(tok) != claims:  # type: ignore[attr-defined]
                raise SystemExit(f"{name}: PyJWT and jwks disagree on the claims")
        if not warmed_up:
            # The first timed case would otherwise also pay for the machine settling (caches,
            # clock speed) while the others do not.
            for r in runners.values():
                r(calibrate(r, 4 * args.round_time))
            warmed_up = True
        counts = {k: calibrate(r, args.round_time) for k, r in runners.items()}
        samples: Dict[str, List[float]] = {k: [] for k in runners}
        order = list(runners)
        for i in range(args.rounds):
            # The order rotates every round, so that no side always follows the same one.
            start = i % len(order)
            for k in order[start:] + order[:start]:
                samples[k].append(runners[k](counts[k]) / counts[k] * 1e6)
        med = {k: statistics.median(v) for k, v in samples.items()}
        # Ratios are the median of the per-round ratios: sides timed in the same round saw the
        # same machine, which the medians of each side taken apart do not guarantee.
        pyjwt_ratio = statistics.median(p / j for p, j in zip(samples["pyjwt"], samples["jwks"]))
        res = {"jwks_us": round(med["jwks"], 2), "pyjwt_us": round(med["pyjwt"], 2),
               "cabi_us": round(med["cabi"], 2), "pyjwt_over_jwks": round(pyjwt_ratio, 3),
               "hit_us": round(med["hit"], 3), "tokens": len(tokens)}
        ring_ratio = None
        if "ring" in med:
            res["ring_us"] = round(med["ring"], 2)
            ring_ratio = statistics.median(j / f for j, f in zip(samples["jwks"], samples["ring"]))
            res["jwks_over_ring"] = round(ring_ratio, 4)
        results[name] = res
        rows.append((
            name,
            f"{med['jwks']:.1f}",
            f"{med['pyjwt']:.1f}",
            f"{med['cabi']:.1f}",
            f"{med['hit']:.2f}",
            f"{med['ring']:.1f}" if "ring" in med else "-",
            f"{pyjwt_ratio:.2f}x",
            f"{ring_ratio:.3f}x" if ring_ratio is not None else "-",
        ))
    verifier.close()
    cached.close()

    header = ("token", "jwks µs", "PyJWT µs", "C ABI µs", "hit µs", "ring µs", "PyJWT/jwks", "jwks/ring")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(f"Python {platform.python_version()}, PyJWT {jwt.__version__}, libjwks {jwkskit.library_version}, "
          f"{os.cpu_count()} CPUs; median of {args.rounds} interleaved rounds, "
          f"{len(tokens)} distinct str tokens per case")
    for r in [header] + rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if args.json:
        args.json.write_text(json.dumps({"python": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
