#!/usr/bin/env bash
# Checks the Python artefacts that scripts/dist-python.sh wrote to dist/, installed the way users
# install them, from a directory outside the repository:
#
# 1. the wheel: its name, version, size (<= 2,000,000 bytes) and manylinux tag (`auditwheel
#    show`); then, with no cargo or rustc on PATH (and HOME elsewhere, so not in ~/.cargo/bin
#    either), `pip install --no-index` into a fresh venv of each interpreter of
#    $JWKS_DIST_PYTHONS (default: python3), where a valid token of each algorithm family must
#    verify and tampered and expired ones must be rejected, with the stripped libjwks.so of the
#    wheel being the library the process loaded, and the package source parsing as Python 3.8;
#    then, still without cargo, `pip install 'WHEEL[fastapi,flask,django]'` (the frameworks from
#    PyPI) into another venv, where the README's FastAPI, ASGI, Flask and Django apps
#    (bindings/python/examples/) answer a request with a token granting their scope (200), one
#    without it (403) and none (401);
# 2. the sdist: with cargo on PATH, `pip install` into another fresh venv (cargo builds libjwks
#    from the sources under rust/ of the sdist, not from the checkout), then the same checks.
#
# The tokens are made beforehand with PyJWT and cryptography (from PyPI) in a separate venv,
# as the Python tests make theirs. Needs python3 (with venv), readelf (binutils), cargo for
# the sdist step, and PyPI (auditwheel, PyJWT, cryptography, and the sdist's build backend).
# Writes only in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n--- %s\n' "$*"; }
die() { echo "test-dist-python.sh: FAILED: $*" >&2; exit 1; }

python=${PYTHON:-python3}
read -ra pythons <<<"${JWKS_DIST_PYTHONS:-$python}"
max_wheel_bytes=$("$python" scripts/sizes.py limit wheel)

command -v "$python" >/dev/null || die "$python is not installed"
command -v readelf >/dev/null || die "readelf (binutils) is not installed"

step "artefacts in dist/"
py_version=$(sed -n 's/^version = "\(.*\)"/\1/p' bindings/python/pyproject.toml | head -n 1)
crate_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[ "$py_version" = "$crate_version" ] ||
    die "bindings/python/pyproject.toml has version $py_version but Cargo.toml has $crate_version"
version=$py_version
shopt -s nullglob
wheels=(dist/jwkskit-*.whl)
sdists=(dist/jwkskit-*.tar.gz)
shopt -u nullglob
[ "${#wheels[@]}" -eq 1 ] || die "expected one dist/jwkskit-*.whl, found ${#wheels[@]} (run scripts/dist-python.sh)"
[ "${#sdists[@]}" -eq 1 ] || die "expected one dist/jwkskit-*.tar.gz, found ${#sdists[@]} (run scripts/dist-python.sh)"
wheel=$root/${wheels[0]}
sdist=$root/${sdists[0]}
wheel_name=$(basename "$wheel")
# One or more platform tags joined by dots (glibc 2.17 has two spellings: manylinux2014 and
# manylinux_2_17), each of them manylinux for x86-64.
[[ $wheel_name =~ ^jwkskit-([^-]+)-py3-none-([a-z0-9_.]+)\.whl$ ]] ||
    die "$wheel_name is not named jwkskit-VERSION-py3-none-PLATFORM.whl"
[ "${BASH_REMATCH[1]}" = "$version" ] || die "$wheel_name is version ${BASH_REMATCH[1]}, the sources are $version"
IFS=. read -ra platform_tags <<<"${BASH_REMATCH[2]}"
for tag in "${platform_tags[@]}"; do
    [[ $tag =~ ^manylinux(_[0-9]+_[0-9]+|1|2010|2014)_x86_64$ ]] || die "$wheel_name has the platform tag $tag, not manylinux x86_64"
done
[ "$(basename "$sdist")" = "jwkskit-$version.tar.gz" ] || die "$(basename "$sdist") is not jwkskit-$version.tar.gz"
wheel_bytes=$(stat -c %s "$wheel")
echo "$wheel_name: $wheel_bytes bytes (limit $max_wheel_bytes)"
echo "$(basename "$sdist"): $(stat -c %s "$sdist") bytes"
[ "$wheel_bytes" -le "$max_wheel_bytes" ] || die "$wheel_name is $wheel_bytes bytes, over $max_wheel_bytes"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jwkskit-dist-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The installs and checks run from here, outside the repository.
mkdir "$tmp/outside" "$tmp/home"

step "tools venv: auditwheel, and PyJWT + cryptography for the tokens"
"$python" -m venv "$tmp/tools"
"$tmp/tools/bin/python" -m pip install --quiet auditwheel==6.8.2 "PyJWT>=2.8" "cryptography>=41"

step "auditwheel show"
show=$("$tmp/tools/bin/auditwheel" show "$wheel")
echo "$show"
# auditwheel prints the tag over a line break; join the lines first.
shown=$(tr '\n' ' ' <<<"$show" | sed -n 's/.*is consistent with the following platform tag: "\([^"]*\)".*/\1/p')
[ -n "$shown" ] || die "auditwheel show does not find $wheel_name consistent with a platform tag"
[[ " ${platform_tags[*]} " == *" $shown "* ]] || die "auditwheel show gives $shown, the wheel is tagged ${platform_tags[*]}"
echo "auditwheel show: consistent with $shown"

step "wheel contents"
"$tmp/tools/bin/python" - "$wheel" "$tmp/wheel-libjwks.so" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    libs = [n for n in names if ".so" in n.rsplit("/", 1)[-1]]
    assert libs == ["jwkskit/libjwks.so"], f"native libraries in the wheel: {libs}"
    wheel_meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    meta = z.read(wheel_meta).decode()
    assert "Root-Is-Purelib: false" in meta, meta
    tags = [l.split(": ", 1)[1] for l in meta.splitlines() if l.startswith("Tag: ")]
    assert tags and all(t.startswith("py3-none-manylinux") for t in tags), tags
    with open(out, "wb") as f:
        f.write(z.read("jwkskit/libjwks.so"))
    for n in sorted(names):
        print(f"  {z.getinfo(n).file_size:>9}  {n}")
PY
if readelf -S -W "$tmp/wheel-libjwks.so" | grep -E '\.debug_|\.symtab'; then
    die "the libjwks.so in the wheel is not stripped (sections above)"
fi
readelf -d "$tmp/wheel-libjwks.so" | grep -q 'SONAME.*libjwks\.so' || die "the libjwks.so in the wheel has no soname"
wheel_lib_sha=$(sha256sum "$tmp/wheel-libjwks.so" | cut -d' ' -f1)

step "fixtures: JWKS and tokens (ES256, EdDSA, RS256)"
"$tmp/tools/bin/python" - "$tmp/fixtures.json" <<'PY'
import base64, json, sys
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

NOW = 1_700_000_000
ISSUER, AUDIENCE = "https://issuer.dist.test", "api://dist"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


private = {
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
}
fx = {"now": NOW, "issuer": ISSUER, "audience": AUDIENCE, "jwks": {"keys": []},
      "valid": [], "bad_signature": [], "expired": []}
for alg, key in private.items():
    kid = f"dist-{alg}"
    jwk = json.loads(jwt.get_algorithm_by_name(alg).to_jwk(key.public_key()))
    jwk["kid"] = kid
    fx["jwks"]["keys"].append(jwk)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": f"user-{alg}", "iat": NOW - 10, "exp": NOW + 600}
    token = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})
    fx["valid"].append([token, claims["sub"]])
    header, payload, signature = token.split(".")
    flipped = bytearray(unb64(signature))
    flipped[len(flipped) // 2] ^= 0x01
    fx["bad_signature"].append(f"{header}.{payload}.{b64(bytes(flipped))}")
    forged = json.dumps(dict(claims, sub="admin"), separators=(",", ":")).encode()
    fx["bad_signature"].append(f"{header}.{b64(forged)}.{signature}")
    old = dict(claims, iat=NOW - 7200, exp=NOW - 3600)
    fx["expired"].append(jwt.encode(old, key, algorithm=alg, headers={"kid": kid}))
# For the framework apps, which verify against the clock: valid for an hour from now, with and
# without the scope their routes require.
import time
live = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-live", "iat": int(time.time()) - 10,
        "exp": int(time.time()) + 3600}
fx["scoped"] = jwt.encode(dict(live, scope="orders:read"), private["ES256"], algorithm="ES256",
                          headers={"kid": "dist-ES256"})
fx["unscoped"] = jwt.encode(live, private["ES256"], algorithm="ES256", headers={"kid": "dist-ES256"})
with open(sys.argv[1], "w") as f:
    json.dump(fx, f)
print(f"{len(fx['valid'])} valid, {len(fx['bad_signature'])} tampered, {len(fx['expired'])} expired tokens")
PY

# Runs inside each install's venv: which library is loaded, the version, the syntax of the
# package sources, and the verifications. Prints a JSON line about the library it loaded.
cat >"$tmp/check.py" <<'PY'
import ast, hashlib, json, os, sys

fixtures_path, expected_version = sys.argv[1], sys.argv[2]
assert "JWKS_LIBRARY" not in os.environ, "JWKS_LIBRARY is set"
import jwkskit

try:
    from importlib.metadata import version as dist_version
except ImportError:  # pragma: no cover - Python < 3.8 is not supported
    raise SystemExit("Python >= 3.8 is required")

prefix = os.path.realpath(sys.prefix)
package = os.path.dirname(os.path.realpath(jwkskit.__file__))
assert package.startswith(prefix + os.sep), f"jwkskit imported from {package}, not from the venv {prefix}"
library = os.path.realpath(jwkskit.library_path)
assert library == os.path.join(package, "libjwks.so"), f"libjwks loaded from {library}, not from {package}"
with open("/proc/self/maps") as maps:
    mapped = {f[5] for f in (line.split(None, 5) for line in maps) if len(f) == 6 and "libjwks" in f[5]}
mapped = {os.path.realpath(m.strip()) for m in mapped}
assert mapped == {library}, f"libjwks mapped into the process: {mapped}, expected {library}"

assert jwkskit.__version__ == expected_version, (jwkskit.__version__, expected_version)
assert dist_version("jwkskit") == expected_version, (dist_version("jwkskit"), expected_version)
assert jwkskit.library_version == expected_version, (jwkskit.library_version, expected_version)

# Syntax newer than Python 3.8 would break the oldest supported interpreter.
parsed = 0
for folder, _, names in os.walk(package):
    for name in sorted(names):
        if name.endswith(".py"):
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                ast.parse(f.read(), filename=path, feature_version=(3, 8))
            parsed += 1
assert parsed >= 5, f"only {parsed} Python files in {package}"

with open(fixtures_path) as f:
    fx = json.load(f)
now = fx["now"]
verifier = jwkskit.Verifier.from_jwks(fx["jwks"], issuers=fx["issuer"], audiences=fx["audience"])
for token, sub in fx["valid"]:
    claims = verifier.verify(token, now=now)
    assert claims["sub"] == sub, claims


def rejected(token, error):
    try:
        verifier.verify(token, now=now)
    except error:
        return
    raise AssertionError(f"{token[:40]}... was not rejected with {error.__name__}")


for token in fx["bad_signature"]:
    rejected(token, jwkskit.BadSignature)
for token in fx["expired"]:
    rejected(token, jwkskit.ExpiredToken)
verifier.close()

with open(library, "rb") as f:
    sha = hashlib.sha256(f.read()).hexdigest()
print(json.dumps({"python": sys.version.split()[0], "library": library, "sha256": sha, "sources": parsed,
                  "verified": len(fx["valid"]), "rejected": len(fx["bad_signature"]) + len(fx["expired"])}))
PY

# PATH without any directory holding cargo or rustc, for the wheel installs.
nocargo_path=
IFS=: read -ra path_dirs <<<"$PATH"
for d in "${path_dirs[@]}"; do
    [ -n "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ] && nocargo_path+=${nocargo_path:+:}$d
done
without_cargo() {
    env -u CARGO -u RUSTC -u CARGO_HOME -u RUSTUP_HOME -u JWKS_LIBRARY -u JWKS_SOURCE_DIR \
        -u JWKS_PREBUILT_LIBRARY -u PYTHONPATH HOME="$tmp/home" PATH="$nocargo_path" "$@"
}
without_cargo bash -c '! command -v cargo && ! command -v rustc' >/dev/null ||
    die "cargo or rustc is still on the PATH meant to have neither"

n=0
for py in "${pythons[@]}"; do
    n=$((n + 1))
    real=$("$py" -c 'import sys; print(sys.executable)') || die "$py does not run"
    "$real" -c 'import sys; sys.exit(sys.version_info < (3, 8))' || die "$py is older than Python 3.8"
    step "wheel in a fresh venv of $("$real" --version 2>&1), no cargo on PATH"
    venv=$tmp/wheel-venv-$n
    (cd "$tmp/outside" && without_cargo "$real" -m venv "$venv")
    (cd "$tmp/outside" && without_cargo "$venv/bin/python" -m pip install --quiet --no-index --no-cache-dir "$wheel")
    out=$(cd "$tmp/outside" && without_cargo "$venv/bin/python" "$tmp/check.py" "$tmp/fixtures.json" "$version")
    echo "$out"
    grep -q "\"sha256\": \"$wheel_lib_sha\"" <<<"$out" || die "the library loaded is not the one inside the wheel"
done

step "wheel with the framework extras: pip install '$wheel_name[fastapi,flask,django]', no cargo on PATH"
# As the README says to install it; the frameworks come from PyPI. Then the README's apps
# (bindings/python/examples/, copied outside the repository) each answer three requests.
venv=$tmp/extras-venv
cp -r "$root/bindings/python/examples" "$tmp/examples"
(cd "$tmp/outside" && without_cargo "$python" -m venv "$venv")
(cd "$tmp/outside" && without_cargo "$venv/bin/python" -m pip install --quiet --no-cache-dir \
    "$wheel[fastapi,flask,django]")
cat >"$tmp/check_apps.py" <<'PY'
import asyncio, json, sys

examples, fixtures_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, examples)
import jwkskit

with open(fixtures_path) as f:
    fx = json.load(f)
verifier = jwkskit.Verifier.from_jwks(fx["jwks"], issuers=fx["issuer"], audiences=fx["audience"])
cases = [("scoped", 200), ("unscoped", 403), (None, 401)]


def headers_for(case):
    return {} if case is None else {"Authorization": "Bearer " + fx[case]}


def asgi_get(app, path, headers):
    """One GET through an ASGI app, as a server would make it; (status, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def check(name, get):
    for case, want in cases:
        status, body = get(headers_for(case))
        assert status == want, f"{name}, {case or 'no'} token: {status} {body!r}, want {want}"
        if want == 200:
            assert b"user-live" in body, f"{name}: {body!r}"
    print(f"{name}: 200 with the scope, 403 without it, 401 without a token")


import fastapi_app, asgi_app, flask_app

check("FastAPI", lambda h: asgi_get(fastapi_app.make_app(verifier), "/orders", h))
check("ASGI middleware", lambda h: asgi_get(asgi_app.make_app(verifier), "/orders", h))
flask_client = flask_app.make_app(verifier).test_client()


def flask_get(h):
    r = flask_client.get("/orders", headers=h)
    return r.status_code, r.data


check("Flask", flask_get)

import django
from django.conf import settings

import django_app

settings.configure(ROOT_URLCONF="django_app", MIDDLEWARE=django_app.MIDDLEWARE, ALLOWED_HOSTS=["testserver"],
                   JWKSKIT={"VERIFIER": verifier})
django.setup()
from django.test import Client

django_client = Client()


def django_get(h):
    r = django_client.get("/orders", **{"HTTP_" + k.upper(): v for k, v in h.items()})
    return r.status_code, r.content


check("Django", django_get)
verifier.close()
PY
(cd "$tmp/outside" && without_cargo "$venv/bin/python" "$tmp/check_apps.py" "$tmp/examples" "$tmp/fixtures.json")

step "sdist in a fresh venv of $("$python" --version 2>&1), built by cargo from its rust/ sources"
command -v cargo >/dev/null || die "cargo is not on PATH: the sdist check builds libjwks with it"
venv=$tmp/sdist-venv
"$python" -m venv "$venv"
log=$tmp/sdist-build.log
# -v shows setup.py's output (the cargo command line); the build happens in pip's own temporary
# copy of the unpacked sdist, where nothing of the checkout is within reach.
if ! (cd "$tmp/outside" && env -u CARGO_TARGET_DIR -u JWKS_SOURCE_DIR -u JWKS_PREBUILT_LIBRARY -u JWKS_LIBRARY \
    "$venv/bin/python" -m pip install -v --no-cache-dir "$sdist" >"$log" 2>&1); then
    tail -n 60 "$log"
    die "pip install $(basename "$sdist") failed (log above)"
fi
grep -E 'jwkskit: building libjwks:' "$log" || die "the sdist install ran no cargo build (log: $log)"
grep -E 'jwkskit: building libjwks:.*--manifest-path [^ ]*/rust/Cargo\.toml.*--locked' "$log" >/dev/null ||
    die "cargo did not build the sdist's own rust/ sources with --locked"
# The only mention of the checkout is the sdist file given to pip.
if grep -F "$root" "$log" | grep -vF "$sdist"; then
    die "the sdist build referred to the checkout (above)"
fi
out=$(cd "$tmp/outside" && "$venv/bin/python" "$tmp/check.py" "$tmp/fixtures.json" "$version")
echo "$out"

echo
echo "python artefacts checked: $wheel_name ($wheel_bytes bytes) on ${#pythons[@]} interpreter(s), $(basename "$sdist") built with cargo"
