#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the public test vectors.

Writes fuzz/corpus/<target>/seed-<hash> files (the corpus directory is not committed).
Usage: python3 fuzz/seed.py [VECTORS_DIR]   (default: tests/vectors of the repository)
"""

import base64
import hashlib
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "vectors")
CORPUS = os.path.join(HERE, "corpus")

# The claims target's fixed prefix (see fuzz_targets/claims.rs): now, leeway, max_age (0 =
# none), flags (bit 0: require exp), JSON depth, issuer mask, audience mask, required-claims mask.
CLAIMS_PREFIX = "<qQQBBBBB3x"


def load(*parts):
    with open(os.path.join(VECTORS, *parts), encoding="utf-8") as f:
        return json.load(f)


def b64decode(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def tokens():
    out = []
    wycheproof = load("wycheproof", "json_web_signature_test.json")
    for group in wycheproof["testGroups"]:
        out += [t["jws"] for t in group["tests"] if isinstance(t.get("jws"), str)]
    crypto = load("wycheproof", "json_web_crypto_test.json")
    for group in crypto["testGroups"]:
        out += [t["jws"] for t in group["tests"] if isinstance(t.get("jws"), str)]
    out += [t["jws"] for t in load("rfc", "rfc7515_rfc8037_rfc7638_examples.json")["tests"]]
    for sub in ("jws", "curve25519", "rfc7797"):
        directory = os.path.join(VECTORS, "rfc7520", sub)
        for name in sorted(os.listdir(directory)):
            doc = load("rfc7520", sub, name)
            compact = doc.get("output", {}).get("compact")
            if isinstance(compact, str):
                out.append(compact)
    return sorted(set(out))


def key_documents():
    docs = []
    for name in ("json_web_signature_test.json", "json_web_key_test.json",
                 "json_web_crypto_test.json"):
        for group in load("wycheproof", name)["testGroups"]:
            for member in ("public", "private"):
                if member in group:
                    docs.append(group[member])
    rfc = load("rfc", "rfc7515_rfc8037_rfc7638_examples.json")
    docs += [t["publicJwk"] for t in rfc["tests"] if "publicJwk" in t]
    directory = os.path.join(VECTORS, "rfc7520", "jwk")
    docs += [load("rfc7520", "jwk", name) for name in sorted(os.listdir(directory))]
    out = []
    single_keys = []
    for doc in docs:
        out.append(json.dumps(doc))
        if isinstance(doc, dict) and "kty" in doc:
            single_keys.append(doc)
            out.append(json.dumps({"keys": [doc]}))
    # One large set with every single key (duplicate kids, mixed families, oct beside RSA).
    out.append(json.dumps({"keys": single_keys}))
    return sorted(set(out))


def payloads(all_tokens):
    out = set()
    for token in all_tokens:
        parts = token.split(".")
        if len(parts) == 3:
            try:
                out.add(b64decode(parts[1]))
            except ValueError:
                pass
    out.update(p.encode() for p in [
        '{"exp":1300819381,"iss":"joe","aud":["api","web"],"sub":"u","iat":1300000000}',
        '{"exp":1.3e9,"nbf":1299999999.5,"aud":"api"}',
        '{"exp":-1,"nbf":1e308,"iat":-9223372036854775808}',
        '{"exp":18446744073709551616,"iss":7,"aud":[1]}',
        '{"exp":1300819381,"exp":1300819381}',
        '{"a":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}',
        '{"iss":"\\u006aoe","exp":1300819381}',
    ])
    return sorted(out)


def main():
    all_tokens = tokens()
    for token in all_tokens:
        write("token_parse", token)
    for doc in key_documents():
        write("jwks_parse", doc)
    for payload in payloads(all_tokens):
        for flags, issuers, audiences, required in [(1, 1, 3, 0), (0, 0, 0, 0), (1, 2, 1, 1)]:
            prefix = struct.pack(CLAIMS_PREFIX, 1_300_000_000, 0, 0, flags, 16,
                                 issuers, audiences, required)
            write("claims", prefix + payload)
    # The structured and C-API targets decode their input with `arbitrary`: a few fixed
    # pseudo-random seeds give the fuzzer varied starting shapes.
    rng = random.Random(7638)
    for target in ("verify_structured", "ffi"):
        for size in (16, 64, 256, 1024, 4096):
            write(target, bytes(rng.randrange(256) for _ in range(size)))
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} files")


if __name__ == "__main__":
    main()
