"""The Django middleware behind a threaded WSGI server on loopback, with httpx as the client
(examples/django_app.py, as the README shows it, is the URLconf and the settings)."""

from __future__ import annotations

import django
import pytest
from django.conf import settings
from test_integrations_support import (  # puts examples/ on sys.path
    Wsgi,
    check_common_answers,
    check_keys_down,
    get,
    remote_verifier,
    serve_fixture,
    token,
)

import django_app  # noqa: E402,I001  (examples/django_app.py)

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF="django_app",
        MIDDLEWARE=django_app.MIDDLEWARE,
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

import jwkskit  # noqa: E402


def example_settings(url: str):
    """The example's JWKSKIT with the loopback key server (plain http allowed for it)."""
    conf = dict(django_app.JWKSKIT)
    conf["JWKS_URL"] = url
    conf["OPTIONS"] = {**conf["OPTIONS"], "allow_http": True}
    return conf


def django_app_with(conf) -> WSGIHandler:
    with override_settings(JWKSKIT=conf):
        return WSGIHandler()  # loads the middleware, which reads JWKSKIT once


serve = serve_fixture(Wsgi)


def test_django_middleware_answers_as_rfc_6750_says(server, serve):
    remote_verifier(server)  # makes the server publish the key
    base = serve(django_app_with(example_settings(server.url)))
    check_common_answers(base, lambda r: r.json()["user"])
    assert server.count() == 1


def test_django_middleware_keys_down_is_503(server, serve):
    check_keys_down(lambda v: serve(django_app_with({"VERIFIER": v})), server)


def test_django_settings_scopes_and_exempt_paths(server, serve):
    v = remote_verifier(server)
    base = serve(django_app_with({"VERIFIER": v, "SCOPES": "api", "EXEMPT_PATHS": ["/orders"], "REALM": "shop"}))
    # /orders is exempt: the view's own decorator then finds no claims, a configuration error.
    assert get(base, "/orders").status_code == 500
    base = serve(django_app_with({"VERIFIER": v, "SCOPES": "api", "REALM": "shop"}))
    r = get(base, auth="Bearer " + token(scope="orders:read"))
    assert r.status_code == 403
    assert r.headers["www-authenticate"].startswith('Bearer realm="shop", error="insufficient_scope"')
    assert r.headers["www-authenticate"].endswith('scope="api"'), "the middleware's own scope first"
    r = get(base, auth="Bearer " + token(scope="api"))
    assert r.status_code == 403
    assert r.headers["www-authenticate"].endswith('scope="api orders:read"'), "then the view's, with the settings' scopes"
    assert get(base, auth="Bearer " + token(scope="api orders:read")).status_code == 200


@pytest.mark.parametrize(
    "conf, message",
    [
        ({}, "exactly one of"),
        ({"JWKS_URL": "https://a.test/jwks", "ISSUER": "https://a.test"}, "exactly one of"),
        ({"JWKS_URL": "https://a.test/jwks", "OPTIONS": {"nope": 1}}, "nope"),
        ({"JWKS_URL": "https://a.test/jwks", "SCOPE": "x"}, "unknown keys: SCOPE"),
        ({"JWKS_URL": "http://a.test/jwks"}, "http"),
        ({"JWKS_URL": "https://a.test/jwks", "RETRY_AFTER": -1}, "retry_after"),
        ({"VERIFIER": "not a verifier"}, "not a jwkskit.Verifier"),
    ],
)
def test_django_bad_settings_are_refused_at_startup(conf, message):
    with pytest.raises((ImproperlyConfigured, jwkskit.JwksError, TypeError)) as e:
        django_app_with(conf)
    assert message in str(e.value)
