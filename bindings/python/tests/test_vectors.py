"""Public test vectors through the Python API (and so through the C ABI): the RFC 7515 / 8037
examples, the RFC 7520 cookbook and the Wycheproof JWS/JWK files, read from tests/vectors.

Every vector is counted: matched, known label issue (either outcome; listed in
wycheproof_known_issues.json), or a mismatch, which fails the test. ES512 (P-521) vectors run
like the others and are counted apart as well.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import pytest

import jwkskit

from conftest import b64, load_vector

HMAC = {"algorithms": ["HS256", "HS384", "HS512"]}


@dataclass
class Tally:
    file: str
    matched: int = 0
    known_issue: int = 0
    es512: int = 0
    mismatches: List[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.matched + self.known_issue + len(self.mismatches)

    def label(self, id: str, label: str, err: Optional[Exception]) -> None:
        if (label == "valid" and err is None) or (label == "invalid" and err is not None):
            self.matched += 1
        elif label == "valid":
            self.mismatches.append(f"{id}: valid vector rejected: {err!r}")
        elif label == "invalid":
            self.mismatches.append(f"{id}: invalid vector accepted")
        else:
            self.mismatches.append(f"{id}: unknown label {label!r}")

    def check(self) -> None:
        print(
            f"{self.file}: total {self.total} | matched {self.matched} | known-issue "
            f"{self.known_issue} | ES512 {self.es512} | mismatches {len(self.mismatches)}"
        )
        assert not self.mismatches, "\n".join(self.mismatches)


def header_alg(jws: str) -> str:
    head = jws.split(".", 1)[0]
    try:
        return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("alg", "")
    except Exception:
        return ""


def known_issues() -> Dict[str, set]:
    doc = load_vector("wycheproof_known_issues.json")
    either = set()
    for issue in doc["issues"]:
        if "suggest" in issue:  # labels needing a policy we enforce are asserted like others
            either.update(issue["tcIds"])
    return {doc["file"].rsplit("/", 1)[-1]: either}


def run_wycheproof(name: str) -> Tally:
    doc = load_vector("wycheproof/" + name)
    either = known_issues().get(name, set())
    tally = Tally(name)
    for group in doc["testGroups"]:
        # Verifiers get the public keys; symmetric groups only have the (secret) private set.
        keys, opts = group.get("public"), {}
        if keys is None:
            keys, opts = group["private"], HMAC
        verifier = None
        create_err: Optional[Exception] = None
        try:
            verifier = jwkskit.Verifier.from_jwks(keys, **opts)
        except jwkskit.JwksError as e:
            create_err = e
        for test in group["tests"]:
            id = f"tcId {test['tcId']} ({test['comment']})"
            jws = test["jws"] if isinstance(test["jws"], str) else json.dumps(test["jws"])
            err = create_err
            if verifier is not None:
                try:
                    token = verifier.verify_jws(jws)
                    assert token.alg, "verified token without an algorithm"
                except jwkskit.JwksError as e:
                    err = e
            if err is not None and (isinstance(err, jwkskit.Misuse) or not err.message):
                tally.mismatches.append(f"{id}: not a proper rejection: {err!r}")
                continue
            if header_alg(jws) == "ES512":
                tally.es512 += 1
            if test["tcId"] in either:
                tally.known_issue += 1
            else:
                tally.label(id, test["result"], err)
        if verifier is not None:
            verifier.close()
    return tally


def test_wycheproof_json_web_signature():
    tally = run_wycheproof("json_web_signature_test.json")
    assert tally.total == 401
    assert tally.matched >= 300
    assert tally.es512 == 2  # RFC 7520 figure 27 (tcIds 347, 351: a known label issue)
    tally.check()


def test_wycheproof_json_web_key():
    tally = run_wycheproof("json_web_key_test.json")
    assert tally.total == 26
    tally.check()


def flip_signature_bit(jws: str) -> str:
    head, sig = jws.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[0] ^= 1
    return head + "." + b64(bytes(raw))


def options_for(jwk: Dict[str, Any]) -> Dict[str, Any]:
    return HMAC if jwk.get("kty") == "oct" else {}


def test_rfc7515_and_rfc8037_examples():
    doc = load_vector("rfc/rfc7515_rfc8037_rfc7638_examples.json")
    tally = Tally("rfc7515_rfc8037_rfc7638_examples.json")
    # The RFC 8037 key, for the unsecured A.5 example which comes without one.
    fallback = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    for test in doc["tests"]:
        id, alg, jws = test["id"], test["alg"], test["jws"]
        key = test.get("publicJwk") or fallback
        err: Optional[Exception] = None
        token = None
        try:
            with jwkskit.Verifier.from_jwks(key, **options_for(key)) as v:
                token = v.verify_jws(jws)
        except jwkskit.JwksError as e:
            err = e
        if alg == "ES512":
            tally.es512 += 1
        if alg == "none":
            assert isinstance(err, jwkskit.AlgorithmNotAllowed), f"{id}: {err!r}"
        elif test["expected"] == "invalid":
            assert isinstance(err, jwkskit.BadSignature), f"{id}: {err!r}"
        if token is not None:
            if "payload" in test:
                assert token.payload == test["payload"].encode(), id
            assert token.alg == alg, id
        tally.label(id, test["expected"], err)
    assert tally.total == doc["numberOfTests"]
    assert tally.es512 == 2  # RFC 7515 A.4 verifies; its flipped-bit copy does not
    tally.check()


def test_rfc7638_thumbprint_through_a_token():
    doc = load_vector("rfc/rfc7515_rfc8037_rfc7638_examples.json")
    thumbs = {t["id"]: t for t in doc["thumbprints"]}
    ed = thumbs["rfc8037-A.3"]
    example = next(t for t in doc["tests"] if t["alg"] == "EdDSA" and t["expected"] == "valid")
    with jwkskit.Verifier.from_jwks(ed["jwk"]) as v:
        assert v.skipped_keys() == []
        assert v.verify_jws(example["jws"]).key_thumbprint == ed["thumbprint"]
    rsa = thumbs["rfc7638-3.1"]
    with jwkskit.Verifier.from_jwks(rsa["jwk"]) as v:  # the bare RSA key is accepted as a key
        assert v.skipped_keys() == [] and v.stats().key_count == 1


def public_part(jwk: Dict[str, Any]) -> Dict[str, Any]:
    if jwk.get("kty") == "oct":
        return dict(jwk)
    return {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth")}


@pytest.mark.parametrize(
    "file",
    [
        "rfc7520/jws/4_1.rsa_v15_signature.json",
        "rfc7520/jws/4_2.rsa-pss_signature.json",
        "rfc7520/jws/4_3.ecdsa_signature.json",
        "rfc7520/jws/4_4.hmac-sha2_integrity_protection.json",
        "rfc7520/curve25519/jws.json",
    ],
)
def test_rfc7520_cookbook(file):
    doc = load_vector(file)
    inp = doc["input"]
    key = public_part(inp["key"])
    compact = doc["output"]["compact"]
    with jwkskit.Verifier.from_jwks(key, **options_for(key)) as v:
        token = v.verify_jws(compact)
        assert token.payload == inp["payload"].encode()
        assert token.alg == inp["alg"]
        assert token.kid == key.get("kid") and token.key_id == key.get("kid")
        assert token.header["alg"] == inp["alg"]
        assert v.verify_signature(compact) == inp["payload"].encode()
        with pytest.raises(jwkskit.BadSignature):
            v.verify_signature(flip_signature_bit(compact))
