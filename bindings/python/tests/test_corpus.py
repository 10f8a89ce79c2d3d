"""The cross-language corpus (tests/vectors/corpus/cases.txt, format in its README.md) through
the public API: every case verified with ``Verifier.verify_token`` (a JWT at its time) or
``Verifier.verify_jws`` (by its signature alone), and every query asked of the
:class:`~jwkskit.VerifiedToken`'s getters. Python expresses every query kind: none is skipped.

Where the ``claims`` dict can say the same, it is checked too: a claim read as a string, an
integer, a boolean or a JSON value equals the dict's value (``-0`` as ``-0.0``), an absent one
is not in it, one of another type is not of the type asked, ``contains`` agrees with it, and a
payload that is not claims makes ``claims`` raise the readable verdict. ``Verifier.verify``'s
dict equals ``claims``, and ``verify_signature`` returns the payload.
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import pytest

import jwkskit
from jwkskit import JwksError

from conftest import VECTORS

CORPUS = VECTORS / "corpus" / "cases.txt"

#: The query kinds this runner cannot ask (asserted: a kind moved here is a decision).
SKIPPED_KINDS: Tuple[str, ...] = ()


def decode(field_text: str) -> bytes:
    """A field's bytes (percent-encoded: every byte outside ``!``..``~``, and ``%`` and ``=``)."""
    if field_text == "=>":
        return b"=>"
    out = bytearray()
    i = 0
    raw = field_text.encode("ascii")
    while i < len(raw):
        c = raw[i]
        if c == ord("%"):
            digits = raw[i + 1 : i + 3].decode("ascii")
            if len(digits) != 2 or not all(d in string.hexdigits for d in digits):
                raise ValueError(f"bad escape in {field_text!r}")
            out.append(int(digits, 16))
            i += 3
        elif 0x21 <= c <= 0x7E and c != ord("="):
            out.append(c)
            i += 1
        else:
            raise ValueError(f"byte {c:#04x} not encoded in {field_text!r}")
    return bytes(out)


@dataclass
class Query:
    line: int
    kind: str
    args: List[bytes]
    code: str
    values: List[bytes]


@dataclass
class Case:
    name: str
    keys: str = ""
    policy: List[Tuple[str, str]] = field(default_factory=list)
    token: str = ""
    verify: Optional[Query] = None
    queries: List[Query] = field(default_factory=list)


@dataclass
class Corpus:
    keysets: Dict[str, bytes]
    cases: List[Case]
    end: Tuple[int, int]


def read_corpus(text: str) -> Corpus:
    keysets: Dict[str, bytes] = {}
    cases: List[Case] = []
    end: Optional[Tuple[int, int]] = None
    format_seen = False
    for n, line in enumerate(text.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        assert end is None, f"line {n}: a record after end"
        f = [decode(x) for x in line.split("\t")]
        kind = f[0].decode()
        if not format_seen:
            assert f == [b"format", b"jwks-corpus", b"1"], f"line {n}: not `format jwks-corpus 1`"
            format_seen = True
        elif kind == "keyset" and len(f) == 3:
            keysets[f[1].decode()] = f[2]
        elif kind == "case" and len(f) == 2:
            cases.append(Case(f[1].decode()))
        elif kind == "end" and len(f) == 3:
            end = (int(f[1]), int(f[2]))
        elif kind == "keys" and len(f) == 2:
            cases[-1].keys = f[1].decode()
        elif kind == "policy" and len(f) == 3:
            cases[-1].policy.append((f[1].decode(), f[2].decode()))
        elif kind == "token" and len(f) == 2:
            cases[-1].token = f[1].decode()
        else:
            assert b"=>" in f[1:-1], f"line {n}: not a known record, nor a query (`kind args => code`)"
            arrow = f.index(b"=>", 1)
            q = Query(n, kind, f[1:arrow], f[arrow + 1].decode(), f[arrow + 2 :])
            case = cases[-1]
            if kind == "verify":
                case.verify = q
            else:
                assert case.verify is not None and case.verify.code == "OK", f"line {n}: a query on no token"
                case.queries.append(q)
    assert end is not None, "the file has no end record: cut short"
    return Corpus(keysets, cases, end)


def verifier_of(corpus: Corpus, case: Case) -> jwkskit.Verifier:
    options: Dict[str, List[str]] = {}
    names = {"iss": "issuers", "aud": "audiences", "alg": "algorithms"}
    for name, value in case.policy:
        assert name in names, f"{case.name}: unknown policy setting {name}"
        options.setdefault(names[name], []).append(value)
    return jwkskit.Verifier.from_jwks(corpus.keysets[case.keys], **options)  # type: ignore[arg-type]


Answer = Tuple[str, List[bytes]]


def flag(b: bool) -> List[bytes]:
    return [b"true" if b else b"false"]


def ask(t: jwkskit.VerifiedToken, q: Query) -> Answer:
    """The getter's answer: ("OK", values) or (the error's name, [])."""
    a = [x.decode("utf-8") for x in q.args]
    k = q.kind
    try:
        if k == "payload":
            return "OK", [t.payload]
        if k == "alg":
            return "OK", [t.alg.encode()]
        if k in ("kid", "key_id"):
            v = t.kid if k == "kid" else t.key_id
            return ("NOT_FOUND", []) if v is None else ("OK", [v.encode()])
        if k == "readable":
            t.claims_readable()
            return "OK", []
        if k == "case_unique":
            t.claims_case_unique()
            return "OK", []
        if k == "string":
            return "OK", [t.claim_string(a[0]).encode()]
        if k == "json":
            return "OK", [t.claim_json(a[0]).encode()]
        if k == "int":
            return "OK", [str(t.claim_int(a[0])).encode()]
        if k == "bool":
            return "OK", flag(t.claim_bool(a[0]))
        if k == "contains":
            return "OK", flag(t.claim_contains(a[0], a[1]))
        if k == "scopes":
            return "OK", [s.encode() for s in t.scopes()]
        if k == "has_scopes":
            assert a[0] in ("all", "any"), f"line {q.line}: has_scopes takes all or any"
            return "OK", flag(t.has_scopes(*a[1:], any=a[0] == "any"))
    except JwksError as e:
        assert e.message or e.name in ("NOT_FOUND", "TYPE_MISMATCH"), f"line {q.line}: no message"
        return e.name, []
    raise AssertionError(f"line {q.line}: unknown query kind {k}")


def _minus_zero(text: str) -> Any:
    # The library's reading of -0: the float negative zero (README, "one reading of the claims").
    return -0.0 if text == "-0" else int(text)


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types, floats to the sign of zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def dict_says(claims: Dict[str, Any], q: Query) -> Optional[str]:
    """What is wrong with the claims dict for this query's expected answer, or None; the
    queries the dict cannot express return None unchecked (see check_dict's count)."""
    name = q.args[0].decode() if q.args else ""
    present = name in claims
    value = claims.get(name)
    if q.code == "NOT_FOUND":
        return f"{name!r} is in the dict" if present else None
    if not present:
        return f"{name!r} is not in the dict"
    if q.kind == "string":
        ok = isinstance(value, str) and value.encode() == q.values[0] if q.code == "OK" else not isinstance(value, str)
    elif q.kind == "int":
        is_int = type(value) is int and -(2**63) <= value < 2**63
        ok = is_int and value == int(q.values[0]) if q.code == "OK" else not is_int
    elif q.kind == "bool":
        ok = value is (q.values[0] == b"true") if q.code == "OK" else type(value) is not bool
    elif q.kind == "json":
        ok = same(value, json.loads(q.values[0], parse_int=_minus_zero))
    elif q.kind == "contains":
        wanted = q.args[1].decode()
        if q.code == "OK":
            held = value == wanted if isinstance(value, str) else wanted in [x for x in value if isinstance(x, str)]
            ok = held == (q.values[0] == b"true")
        else:
            ok = not isinstance(value, (str, list))
    else:
        return None
    return None if ok else f"the dict has {value!r}"


DICT_KINDS = ("string", "int", "bool", "json", "contains")


def test_corpus_through_the_public_api(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = read_corpus(CORPUS.read_text(encoding="ascii"))
    problems: List[str] = []
    queries = dict_checks = 0
    for case in corpus.cases:
        assert case.verify is not None
        v = case.verify
        mode = v.args[0]
        with verifier_of(corpus, case) as verifier:
            try:
                if mode == b"jwt":
                    now = int(v.args[1])
                    t = verifier.verify_token(case.token, now=now)
                else:
                    assert mode == b"jws" and len(v.args) == 1, f"line {v.line}: verify takes `jwt NOW` or `jws`"
                    t = verifier.verify_jws(case.token)
                got = "OK"
            except JwksError as e:
                got = e.name
            if got != v.code:
                problems.append(f"{case.name}: verify gave {got}, expected {v.code}")
                continue
            # The dict and bytes APIs give the same verdict and the same content.
            try:
                if mode == b"jwt":
                    d = verifier.verify(case.token, now=int(v.args[1]))
                    if got == "OK" and not same(d, t.claims):
                        problems.append(f"{case.name}: verify()'s dict differs from claims")
                else:
                    p = verifier.verify_signature(case.token)
                    if got == "OK" and p != t.payload:
                        problems.append(f"{case.name}: verify_signature() differs from the payload")
                other = "OK"
            except JwksError as e:
                other = e.name
            if other != got:
                problems.append(f"{case.name}: verify() or verify_signature() gave {other}, expected {got}")
        if got != "OK":
            continue
        for q in case.queries:
            assert q.kind not in SKIPPED_KINDS
            queries += 1
            code, values = ask(t, q)
            if (code, values) != (q.code, q.values):
                problems.append(f"{case.name} line {q.line}: {q.kind} {q.args} gave {code} {values}, expected {q.code} {q.values}")
            if q.kind == "readable":
                dict_checks += 1
                try:
                    t.claims
                    raised = "OK"
                except JwksError as e:
                    raised = e.name
                if raised != q.code:
                    problems.append(f"{case.name} line {q.line}: claims gave {raised}, readable {q.code}")
            elif q.kind in DICT_KINDS:
                try:
                    claims = t.claims
                except JwksError:
                    # Not claims: every getter answers NOT_FOUND, which the getter checked.
                    continue
                dict_checks += 1
                wrong = dict_says(claims, q)
                if wrong:
                    problems.append(f"{case.name} line {q.line}: {q.kind} {q.args} {q.code}: {wrong}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert (len(corpus.cases), queries) == corpus.end, f"ran {len(corpus.cases)} cases and {queries} queries; the file counts {corpus.end}"
    assert dict_checks > 0
    with capsys.disabled():
        print(
            f"\ncorpus (Python): {len(corpus.cases)} cases, {queries} queries checked through VerifiedToken, "
            f"{dict_checks} of them also on the claims dict; query kinds skipped: "
            f"{', '.join(SKIPPED_KINDS) or 'none'}"
        )


def test_the_reader_refuses_a_file_cut_short() -> None:
    text = CORPUS.read_text(encoding="ascii")
    with pytest.raises(AssertionError, match="cut short"):
        read_corpus(text[: text.rindex("\nend\t") + 1])
    with pytest.raises(ValueError):
        decode("a%4")
