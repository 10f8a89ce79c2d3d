"""The rules every integration shares (jwkskit.integrations.rules), without a server, and the
README's integration snippets (each an example file the other tests serve)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import NOW, claims, jwks_of, key

import jwkskit
from jwkskit.integrations.rules import AuthError, BearerRules, bearer_token, required_scopes, token_scopes

HERE = Path(__file__).resolve().parent.parent
EXAMPLES = ["asgi_app.py", "fastapi_app.py", "flask_app.py", "django_app.py"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_readme_shows_each_integration_example_verbatim_in_ten_lines(name):
    text = (HERE / "examples" / name).read_text().strip()
    assert "```python\n" + text + "\n```" in (HERE / "README.md").read_text()
    assert len([line for line in text.splitlines() if line.strip()]) <= 10


@pytest.mark.parametrize(
    "header, token",
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("BEARER   abc.def.ghi", "abc.def.ghi"),
        ("  Bearer abc-_~+/==  ", "abc-_~+/=="),
    ],
)
def test_bearer_token_reads_one_credential_case_insensitively(header, token):
    assert bearer_token([header]) == token


@pytest.mark.parametrize(
    "headers, query, status, error",
    [
        ([], "", 401, None),
        (["Basic dXNlcjpwYXNz"], "", 401, None),
        (["Bearer"], "", 400, "invalid_request"),
        (["Bearer a b"], "", 400, "invalid_request"),
        (["Bearer a,b"], "", 400, "invalid_request"),
        (["Bearer a=b"], "", 400, "invalid_request"),
        (["Bearer\ta"], "", 400, "invalid_request"),
        (["Bearer a", "Bearer a"], "", 400, "invalid_request"),
        ([""], "", 400, "invalid_request"),
        ([], "access_token=a.b.c", 400, "invalid_request"),
        (["Bearer a.b.c"], "x=1&access_token=", 400, "invalid_request"),
        ([], b"access_token=a", 400, "invalid_request"),
    ],
)
def test_bearer_token_refusals(headers, query, status, error):
    with pytest.raises(AuthError) as e:
        bearer_token(headers, query)
    assert (e.value.status, e.value.error) == (status, error)
    www = dict(e.value.headers)["WWW-Authenticate"]
    assert www.startswith("Bearer")
    assert ("error=" in www) == (error is not None)


def test_a_query_parameter_merely_containing_the_name_is_fine():
    assert bearer_token(["Bearer t"], "my_access_token=1&q=access_token") == "t"


def rules(**kw):
    v = jwkskit.Verifier.from_jwks(jwks_of(key("RS256")), audiences="api://orders")
    return BearerRules(v, **kw)


def verified(**extra):
    """A verified token with the standard claims and ``extra`` (None deletes)."""
    k = key("RS256")
    c = claims(aud="api://orders")
    for name, value in extra.items():
        if value is None:
            c.pop(name, None)
        else:
            c[name] = value
    with jwkskit.Verifier.from_jwks(jwks_of(k), audiences="api://orders") as v:
        return v.verify_token(k.sign(c), now=NOW)


@pytest.mark.parametrize(
    "extra, scopes",
    [
        ({}, ()),
        ({"scope": "a b  c"}, ("a", "b", "c")),
        ({"scp": ["a", "b"]}, ("a", "b")),
        ({"scp": "a b"}, ("a", "b")),
        ({"scope": "a", "scp": ["b"]}, ("a", "b")),
        ({"scope": ""}, ()),
        # The space character alone separates (str.split() also split on these before).
        ({"scope": "a\tb\u00a0c\u3000d\x1ce"}, ("a\tb\u00a0c\u3000d\x1ce",)),
        # An scp element is one scope, taken whole (it was split before).
        ({"scp": ["a b", "c"]}, ("a b", "c")),
    ],
)
def test_token_scopes_union_of_scope_and_scp(extra, scopes):
    assert token_scopes(verified(**extra)) == scopes


@pytest.mark.parametrize("extra", [{"scope": ["a"]}, {"scope": 1}, {"scp": [1]}, {"scp": {"a": 1}}])
def test_token_scopes_refuses_other_shapes(extra):
    with pytest.raises(jwkskit.InvalidClaim):
        token_scopes(verified(**extra))


def test_required_scopes_validates():
    assert required_scopes("a b a") == ("a", "b")
    assert required_scopes("  a  b ") == ("a", "b")
    assert required_scopes(["a", "b", "a"]) == ("a", "b")
    assert required_scopes(None) == ()
    # Each item of an iterable is one scope (items were split on whitespace before).
    for bad in ('a"b', "a\\b", "é", ["a", "b c"], ["a\tb"], ["read", ""], "a\tb", "a\u00a0b"):
        with pytest.raises(ValueError):
            required_scopes(bad)
    with pytest.raises(ValueError):
        rules(scopes=["orders:read", "orders write"])


def test_scope_check_and_malformed_scope_claims():
    r = rules(scopes="read")
    r.check_scopes(verified(scope="read write"))
    with pytest.raises(AuthError) as e:
        r.check_scopes(verified(scope="write"), ["admin"])
    assert e.value.status == 403 and e.value.scope == "read admin"
    with pytest.raises(AuthError) as e:
        r.check_scopes(verified(scope=["read"]))
    assert (e.value.status, e.value.error) == (401, "invalid_token")
    rules().check_scopes(verified(scope=["ignored when nothing is required"]))
    # Extra scopes as a list, a tuple or a space-separated string.
    for extra in (["write"], ("write",), "write", " write "):
        r.check_scopes(verified(scope="read write"), extra)
        with pytest.raises(AuthError):
            r.check_scopes(verified(scope="read"), extra)
    with pytest.raises(ValueError):
        r.check_scopes(verified(scope="read"), ["a b"])
    # A scope with a tab is one scope, not two.
    with pytest.raises(AuthError) as e:
        rules(scopes="read write").check_scopes(verified(scope="read\twrite"))
    assert e.value.status == 403


def test_every_rejection_has_its_codes_description():
    """The error_description is the code's one-line description from the core's catalogue (the
    one C's jwks_result_description and the Go middleware give), never the detailed message."""
    r = rules(realm='a "quoted" realm')
    for code, name in jwkskit.CODE_NAMES.items():
        if 1 <= code < 100:
            e = r.refusal(jwkskit.error_class(code)(code, 'detail naming kid "secret-kid" and https://idp'))
            assert e.status == 401 and e.error == "invalid_token"
            www = dict(e.headers)["WWW-Authenticate"]
            description = jwkskit.result_description(code)
            assert e.description == description == e.body["error_description"]
            assert www == f'Bearer realm="a quoted realm", error="invalid_token", error_description="{description}"'
            assert "secret-kid" not in www and "idp" not in www and "secret-kid" not in e.body_bytes().decode()
    down = r.refusal(jwkskit.KeyFetchFailed(100, "GET https://idp/jwks: 500"))
    assert down.status == 503 and dict(down.headers) == {"Retry-After": "5"}
    assert "idp" not in down.body_bytes().decode()
    with pytest.raises(jwkskit.VerifierClosed):
        r.refusal(jwkskit.VerifierClosed())


def test_rules_settings_are_checked():
    with pytest.raises(TypeError):
        BearerRules("not a verifier")  # type: ignore[arg-type]
    for bad in (-1, 1.5, True, "5"):
        with pytest.raises(ValueError):
            rules(retry_after=bad)
    assert dict(rules(retry_after=30).refusal(jwkskit.KeysUnavailable(100, "x")).headers)["Retry-After"] == "30"


@pytest.mark.parametrize("is_async", [False, True])
def test_authenticate_answers_like_bearer_token_whatever_the_credential(is_async):
    """authenticate() checks the token68 syntax only when the verifier refuses the token (a
    verified token always has it): every Authorization value still gets bearer_token's answer,
    and a good token its claims."""
    import asyncio

    k = key("RS256")
    v = jwkskit.Verifier.from_jwks(jwks_of(k), audiences="api://orders")
    r = BearerRules(v)
    now = int(time.time())
    good = k.sign(claims(aud="api://orders", iat=now - 10, exp=now + 600))
    values = [
        ["Bearer " + good], ["bearer   " + good + " "], [], [""], ["Basic dXNlcjpwYXNz"], ["Bearer"],
        ["Bearer   "], ["Bearer\t" + good], ["Bearer a b"], ["Bearer " + good + " x"], ["Bearer " + good + ",x"],
        ["Bearer " + good, "Bearer " + good], ["Bearer a=b"], ["Bearer ===="], ["Bearer " + good + "\x00"],
        ["Bearer " + good + "=="], ["Bearer abc-_~+/=="], ["Bearer " + good[:-1] + "é"], ["Bearer " + good + "\n"],
    ]
    for authorization in values:
        try:
            expected = ("ok", bearer_token(authorization))
        except AuthError as e:
            expected = ("refused", e.status, e.error, e.description)
        try:
            if is_async:
                result = asyncio.run(r.authenticate_async(authorization))
            else:
                result = r.authenticate(authorization)
            got = ("ok", result["sub"])
        except AuthError as e:
            got = ("refused", e.status, e.error, e.description)
        if expected[0] == "refused":
            assert got == expected, authorization
        elif expected[1] == good:
            assert got[0] == "ok", authorization
        else:
            # A token68 that is not a good token: the verifier's verdict.
            assert got[:3] == ("refused", 401, "invalid_token"), authorization
