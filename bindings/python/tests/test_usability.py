"""What a first user runs into: every failure of verify() is one of the package's exceptions,
error messages name the likely mistake, and type checkers catch misspelt or mistyped options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import jwkskit

from conftest import NOW, b64, claims, ec_coordinates, jwks_of, key

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def ed():
    return key("EdDSA", "ed-usability")


@pytest.fixture
def verifier(ed):
    with jwkskit.Verifier.from_jwks(jwks_of(ed), audiences="api://test") as v:
        yield v


def sign_raw(k, payload: bytes) -> str:
    """Signs payload bytes as they are (PyJWT's jwt.encode would serialise a dict itself)."""
    return jwt.api_jws.encode(payload, k.private, algorithm=k.alg, headers={"kid": k.kid})


# ------------------------------------------------------------------------------------------
# A valid token whose claims Python cannot decode


def test_a_huge_integer_claim_is_an_invalid_claim_not_a_valueerror(verifier, ed):
    body = json.dumps(claims()).encode()
    # 5000 digits: beyond what the library's JSON reader takes as a number, and beyond
    # CPython's default limit for int <-> str conversion (4300 digits).
    payload = body[:-1] + b', "big": 1' + b"0" * 4999 + b"}"
    token = sign_raw(ed, payload)
    for call in (verifier.verify, verifier.verify_token):
        with pytest.raises(jwkskit.InvalidClaim) as info:
            call(token, now=NOW)
        assert isinstance(info.value, jwkskit.TokenRejected)
        assert not isinstance(info.value, ValueError)
        assert info.value.message


def test_claims_python_cannot_decode_are_an_invalid_claim(verifier, ed, monkeypatch):
    # Whatever Python's JSON decoder refuses in claims the library accepted (a limit of this
    # interpreter) is reported as InvalidClaim, never as a bare ValueError.
    from jwkskit import _verifier

    def refuse(payload):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(_verifier, "_decode_claims", refuse)
    token = ed.sign(claims())
    for call in (verifier.verify, verifier.verify_token):
        with pytest.raises(jwkskit.InvalidClaim) as info:
            call(token, now=NOW)
        assert "the signature is valid, but Python cannot decode the claims" in info.value.message
        assert "4300 digits" in info.value.message


def test_now_that_is_not_a_number_is_invalid_argument(verifier, ed):
    token = ed.sign(claims())
    with pytest.raises(jwkskit.InvalidArgument, match="unix time"):
        verifier.verify(token, now="soon")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Messages that name the likely mistake


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_bearer_prefix_is_named_in_the_error(verifier, ed, scheme):
    token = ed.sign(claims())
    for call in (verifier.verify, verifier.verify_token):
        with pytest.raises(jwkskit.MalformedToken) as info:
            call(f"{scheme} {token}", now=NOW)
        message = info.value.message
        assert "not strict base64url" in message  # the library's own reason is kept
        assert f'starts with "{scheme} "' in message and "pass only the token" in message
    with pytest.raises(jwkskit.MalformedToken, match="pass only the token"):
        verifier.verify_signature(f"{scheme} {token}")
    # Without the prefix, the same token verifies.
    assert verifier.verify(token, now=NOW)["sub"] == "user-1"


def test_other_malformed_tokens_get_no_bearer_hint(verifier):
    with pytest.raises(jwkskit.MalformedToken) as info:
        verifier.verify("Basic dXNlcjpwdw==.e30.AAAA")
    assert "Bearer" not in info.value.message and "pass only the token" not in info.value.message


def test_from_jwks_given_a_path_points_to_from_file(tmp_path, ed):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_of(ed)))
    with pytest.raises(jwkskit.KeySetInvalid) as info:
        jwkskit.Verifier.from_jwks(str(path))
    assert "not valid JSON" in info.value.message
    assert f"Verifier.from_file({str(path)!r})" in info.value.message
    # A path that does not exist yet still gets the general hint; so does bytes.
    for missing in (str(tmp_path / "nope.json"), os.fsencode(tmp_path / "nope.json")):
        with pytest.raises(jwkskit.KeySetInvalid, match=r"use Verifier\.from_file\(path\)"):
            jwkskit.Verifier.from_jwks(missing)
    # A pathlib.Path is refused before the library is called.
    with pytest.raises(TypeError, match=r"from_file"):
        jwkskit.Verifier.from_jwks(path)  # type: ignore[arg-type]
    # What the hint says works.
    with jwkskit.Verifier.from_file(path) as v:
        assert v.stats().key_count == 1
    # Broken JSON text gets no path hint.
    with pytest.raises(jwkskit.KeySetInvalid) as info:
        jwkskit.Verifier.from_jwks('{"keys": [')
    assert "from_file" not in info.value.message


@pytest.mark.parametrize("algorithms", ["none", ["RS256", "none"], "None", ["NONE"]])
def test_algorithm_none_says_it_is_never_accepted(ed, algorithms):
    with pytest.raises(jwkskit.InvalidArgument) as info:
        jwkskit.Verifier.from_jwks(jwks_of(ed), algorithms=algorithms)
    assert 'unsigned tokens (alg "none") are never accepted' in info.value.message


# ------------------------------------------------------------------------------------------
# Type checking of the options


def mypy(*args: str) -> subprocess.CompletedProcess:
    # mypy is part of the `test` extra; running it from this directory checks the installed
    # package (or the one on PYTHONPATH), as a user's type checker would see it.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull, *args],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_mypy_catches_misspelt_and_mistyped_options():
    out = mypy("typing_bad_calls.py")
    report = out.stdout + out.stderr
    assert out.returncode == 1, report
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    marked = [
        i
        for i, line in enumerate((HERE / "typing_bad_calls.py").read_text().splitlines(), 1)
        if "# error:" in line
    ]
    assert sorted({int(line.split(":")[1]) for line in errors}) == marked, report
    assert any('Unexpected keyword argument "audience"' in e for e in errors), report
    assert any('"leeway"' in e and '"str"' in e for e in errors), report
    assert any('"require_exp"' in e and '"str"' in e for e in errors), report


def test_the_package_is_clean_under_mypy_strict():
    # -m finds each module as an import would (the installed package, through its py.typed).
    # The core modules are checked; the framework integrations (jwkskit.integrations) import
    # frameworks that ship without type information, so --strict cannot be clean there.
    package = Path(jwkskit.__file__).resolve().parent
    modules = ["jwkskit"] + [
        f"jwkskit.{f.stem}" for f in sorted(package.glob("*.py")) if f.stem != "__init__"
    ]
    assert {"jwkskit._verifier", "jwkskit._options", "jwkskit.errors"} <= set(modules)
    out = mypy(*(arg for m in modules for arg in ("-m", m)))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout, out.stdout


def test_an_unknown_option_is_a_typeerror_naming_it(ed):
    # The options are **kwargs checked at run time: an unknown one fails as an unexpected
    # keyword argument would, with the option it most likely means.
    source = jwks_of(ed)
    calls = {
        "from_jwks": lambda **o: jwkskit.Verifier.from_jwks(source, **o),
        "from_url": lambda **o: jwkskit.Verifier.from_url("https://issuer.test/jwks.json", **o),
        "from_issuer": lambda **o: jwkskit.Verifier.from_issuer("https://issuer.test", **o),
        "from_issuers": lambda **o: jwkskit.Verifier.from_issuers(["https://issuer.test"], **o),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError) as info:
            call(audience="api://orders")
        assert str(info.value) == (
            f"Verifier.{name}() got an unexpected keyword argument 'audience'; "
            "did you mean 'audiences'?"
        )
        with pytest.raises(TypeError, match=r"unexpected keyword argument 'no_such_option'$"):
            call(no_such_option=1)
    # from_issuers takes the issuers as its argument, not as an option.
    with pytest.raises(TypeError, match="issuers"):
        jwkskit.Verifier.from_issuers(["https://a.test"], issuers=["https://b.test"])  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'issuer'$"):
        jwkskit.Verifier.from_issuers(["https://a.test"], issuer="https://b.test")  # type: ignore[call-arg]


def test_none_means_an_option_is_not_given(ed):
    # Every declared option is accepted; None leaves the library's default.
    names = list(jwkskit.VerifierOptions.__annotations__)
    assert set(names) == set(jwkskit.FromIssuersOptions.__annotations__) | {"issuers"}
    with jwkskit.Verifier.from_jwks(jwks_of(ed), **{n: None for n in names}) as v:
        assert v.token_cache_stats().max_entries == 4096
    with jwkskit.Verifier.from_jwks(jwks_of(ed), token_cache=7, leeway=None) as v:
        assert v.token_cache_stats().max_entries == 7


def test_every_constructor_hands_every_option_to_the_builder(ed, monkeypatch):
    from jwkskit import _verifier

    seen = []

    class Stop(Exception):
        pass

    def fake_options(options, extra_issuers=()):
        seen.append((dict(options), list(extra_issuers)))
        raise Stop

    monkeypatch.setattr(_verifier, "COptions", fake_options)
    given = {n: f"value of {n}" for n in jwkskit.VerifierOptions.__annotations__}
    but_issuers = {n: v for n, v in given.items() if n != "issuers"}
    calls = [
        (lambda: jwkskit.Verifier.from_jwks(jwks_of(ed), **given), given, []),
        (lambda: jwkskit.Verifier.from_url("https://a.test/jwks", **given), given, []),
        (lambda: jwkskit.Verifier.from_issuer("https://a.test", **given), given, []),
        (lambda: jwkskit.Verifier.from_file("jwks.json", **given), given, []),
        (lambda: jwkskit.Verifier.from_issuers("https://a.test", **but_issuers), but_issuers, ["https://a.test"]),
        (lambda: jwkskit.Verifier.from_jwks(jwks_of(ed), leeway=None, typ="at+jwt"), {"typ": "at+jwt"}, []),
    ]
    for call, options, extra in calls:
        with pytest.raises(Stop):
            call()
        assert seen.pop() == (options, extra)


# ------------------------------------------------------------------------------------------
# ES512 end to end, with keys and tokens made by PyJWT + cryptography


def test_es512_tokens_verify():
    k = key("ES512", "p521")
    assert k.jwk["crv"] == "P-521"
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences="api://test") as v:
        token = k.sign(claims(scope="read"))
        t = v.verify_token(token, now=NOW)
        assert t.alg == "ES512" and t.claims["scope"] == "read"
        head, payload, sig = token.split(".")
        tampered = f"{head}.{b64(json.dumps(claims(scope='admin')).encode())}.{sig}"
        with pytest.raises(jwkskit.BadSignature):
            v.verify(tampered, now=NOW)
    with jwkskit.Verifier.from_jwks(jwks_of(k), algorithms="ES384") as v:
        with pytest.raises(jwkskit.AlgorithmNotAllowed):
            v.verify(k.sign(claims()), now=NOW)


def test_p521_coordinates_must_be_66_bytes():
    # Some issuers drop the leading zero bytes of a coordinate; RFC 7518 s.6.2.1.2 requires the
    # full 66 bytes for P-521, and the key is skipped with a reason that says so.
    while True:  # about one key in two has a coordinate below 2**520
        private = ec.generate_private_key(ec.SECP521R1())
        numbers = private.public_key().public_numbers()
        if numbers.x < 2**520:
            break
    full = ec_coordinates(private.public_key())
    short = {"kty": "EC", "crv": "P-521", "kid": "short", **full}
    short["x"] = b64(numbers.x.to_bytes(65, "big"))
    good = dict(short, kid="full", x=full["x"])
    with jwkskit.Verifier.from_jwks({"keys": [short, good]}) as v:
        skipped = v.skipped_keys()
        assert [s["kid"] for s in skipped] == ["short"]
        assert "66 bytes" in skipped[0]["reason"]
        assert v.stats().key_count == 1
    with pytest.raises(jwkskit.KeySetInvalid, match="66 bytes"):
        jwkskit.Verifier.from_jwks(short)
