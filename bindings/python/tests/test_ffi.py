"""The ctypes declarations against include/jwks.h, so that the header and Python cannot drift."""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from ctypes import POINTER, c_bool, c_char_p, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path

import pytest

import jwkskit
from jwkskit import _ffi
from jwkskit.errors import CODE_NAMES, Category, category_of, description_of, error_class

from conftest import REPO

HEADER = REPO / "include" / "jwks.h"


def header_text() -> str:
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # block and doc comments
    return re.sub(r"//[^\n]*", "", text)


def header_functions():
    """name -> (return type, [argument types]) for every function prototype in the header."""
    text = header_text()
    found = {}
    for m in re.finditer(r"^([A-Za-z_][\w \*]*?[\s\*])(jwks_\w+)\s*\(([^)]*)\)\s*;", text, flags=re.M):
        ret, name, args = m.group(1).strip(), m.group(2), m.group(3).strip()
        params = [] if args in ("", "void") else [a.strip() for a in args.split(",")]
        types = []
        for p in params:
            p = " ".join(p.split())
            pm = re.match(r"^(.*?[\s\*])(\w+)$", p)
            assert pm, f"{name}: cannot parse parameter {p!r}"
            types.append(" ".join(pm.group(1).replace("*", " * ").split()))
        found[name] = (" ".join(ret.replace("*", " * ").split()), types)
    return found


def ctype_for(c: str, *, returned: bool):
    """The ctypes types acceptable for a C type of the header."""
    c = c.replace("const ", "")
    scalars = {
        "jwks_result": [c_uint32],
        "jwks_category": [c_uint32],
        "uint32_t": [c_uint32],
        "jwks_scope_match": [c_uint32],
        "jwks_claim_kind": [c_uint32],
        "int64_t": [c_int64],
        "size_t": [c_size_t],
        "bool": [c_bool],
        "void": [None],
    }
    if c in scalars:
        return scalars[c]
    if c == "char *":
        # A NUL-terminated string (c_char_p), or bytes read with a length (c_void_p).
        return [c_char_p, c_void_p]
    if c == "char * *":
        # An out-parameter for a string, or an array of strings (const char *const *).
        return [POINTER(c_void_p), POINTER(c_char_p)]
    if re.fullmatch(r"struct jwks_stats \*", c):
        return [POINTER(_ffi.jwks_stats)]
    if re.fullmatch(r"struct jwks_token_cache_stats \*", c):
        return [POINTER(_ffi.jwks_token_cache_stats)]
    if re.fullmatch(r"struct jwks_claims \*", c):
        return [POINTER(_ffi.jwks_claims)]
    if re.fullmatch(r"struct jwks_claim_value \*", c):
        return [POINTER(_ffi.jwks_claim_value)]
    if re.fullmatch(r"struct jwks_dpop_stats \*", c):
        return [POINTER(_ffi.jwks_dpop_stats)]
    callbacks = {
        "jwks_replay_check_fn": _ffi.REPLAY_CHECK_FN,
        "jwks_free_fn": _ffi.FREE_FN,
        "jwks_nonce_issue_fn": _ffi.NONCE_ISSUE_FN,
        "jwks_nonce_check_fn": _ffi.NONCE_CHECK_FN,
    }
    if c in callbacks:
        return [callbacks[c]]
    if c == "void *":
        return [c_void_p]
    if c == "uint8_t *":
        return [c_void_p, c_char_p]
    if re.fullmatch(r"struct jwks_\w+ \*", c):
        return [c_void_p]
    if re.fullmatch(r"struct jwks_\w+ \* \*", c):
        return [POINTER(c_void_p)]
    pointed = {"size_t *": c_size_t, "int64_t *": c_int64, "bool *": c_bool, "uint32_t *": c_uint32, "uint64_t *": c_uint64}
    if c in pointed:
        base = pointed[c]
        return [POINTER(base)]
    raise AssertionError(f"no ctypes mapping for C type {c!r}")


def test_header_is_parsed():
    funcs = header_functions()
    assert len(funcs) >= 50, sorted(funcs)
    assert "jwks_verify" in funcs and "jwks_verifier_skipped_keys" in funcs
    assert funcs["jwks_verify_at"][1] == [
        "struct jwks_verifier *",
        "char *",
        "size_t",
        "int64_t",
        "struct jwks_token * *",
        "struct jwks_error * *",
    ] or funcs["jwks_verify_at"][1][0] == "const struct jwks_verifier *"


def test_every_header_function_is_declared_with_matching_types():
    funcs = header_functions()
    missing = sorted(set(funcs) - set(_ffi.SIGNATURES))
    extra = sorted(set(_ffi.SIGNATURES) - set(funcs))
    assert not missing, f"functions of jwks.h not declared in _ffi.py: {missing}"
    assert not extra, f"functions declared in _ffi.py but not in jwks.h: {extra}"
    for name, (ret, args) in funcs.items():
        restype, argtypes = _ffi.SIGNATURES[name]
        assert restype in ctype_for(ret, returned=True), f"{name}: return type {ret} vs {restype}"
        assert len(argtypes) == len(args), f"{name}: {len(args)} arguments in jwks.h, {len(argtypes)} in _ffi.py"
        for i, (c, py) in enumerate(zip(args, argtypes)):
            assert py in ctype_for(c, returned=False), f"{name} argument {i}: {c} vs {py}"


def test_declarations_are_applied_to_the_library():
    for name, (restype, argtypes) in _ffi.SIGNATURES.items():
        fn = getattr(_ffi.lib, name)
        assert fn.restype is restype, name
        assert list(fn.argtypes) == list(argtypes), name


def test_stats_struct_matches_header():
    text = header_text()
    body = re.search(r"typedef struct jwks_stats \{(.*?)\} jwks_stats;", text, flags=re.S).group(1)
    fields = re.findall(r"(u?int\d+_t)\s+(\w+);", body)
    mapping = {"uint64_t": c_uint64, "int64_t": c_int64}
    assert [(n, mapping[t]) for t, n in fields] == list(_ffi.jwks_stats._fields_)


def test_claims_structs_match_header():
    text = header_text()
    for name, struct in (("jwks_claims", _ffi.jwks_claims), ("jwks_claim_value", _ffi.jwks_claim_value)):
        body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), text, flags=re.S).group(1)
        fields = re.findall(r"(\w+ ?\*?)\s*(\w+);", re.sub(r"/\*.*?\*/", "", body, flags=re.S))
        assert [n for _, n in fields] == [n for n, _ in struct._fields_], name


def test_token_cache_stats_struct_matches_header():
    text = header_text()
    body = re.search(
        r"typedef struct jwks_token_cache_stats \{(.*?)\} jwks_token_cache_stats;", text, flags=re.S
    ).group(1)
    fields = re.findall(r"(u?int\d+_t)\s+(\w+);", body)
    mapping = {"uint64_t": c_uint64, "int64_t": c_int64}
    assert [(n, mapping[t]) for t, n in fields] == list(_ffi.jwks_token_cache_stats._fields_)


def test_result_codes_match_header_and_library():
    text = header_text()
    codes = {int(v): n for n, v in re.findall(r"JWKS_RESULT_(\w+) = (\d+)", text)}
    assert codes == CODE_NAMES
    for code, name in CODE_NAMES.items():
        assert jwkskit.result_name(code) == name
        assert _ffi.lib.jwks_result_category(code) == category_of(code)
        assert jwkskit.result_description(code) == description_of(code)
    for code in (30, 99, 103, 250, 302, 400, 10**6):
        assert jwkskit.result_name(code) == "UNKNOWN" == jwkskit.JwksError(code).name
        assert jwkskit.result_description(code) == description_of(code)
        assert _ffi.lib.jwks_result_category(code) == category_of(code) == Category.MISUSE
    categories = {n: int(v) for n, v in re.findall(r"JWKS_CATEGORY_(\w+) = (\d+)", text)}
    assert categories == {
        "OK": Category.OK,
        "TOKEN_REJECTED": Category.TOKEN_REJECTED,
        "KEYS_UNAVAILABLE": Category.KEYS_UNAVAILABLE,
        "MISUSE": Category.MISUSE,
        "LOOKUP": Category.LOOKUP,
    }


def test_every_code_has_its_own_exception_class_in_its_category():
    by_category = {
        Category.TOKEN_REJECTED: jwkskit.TokenRejected,
        Category.KEYS_UNAVAILABLE: jwkskit.KeysUnavailable,
        Category.MISUSE: jwkskit.Misuse,
        Category.LOOKUP: jwkskit.LookupFailed,
    }
    seen = set()
    for code in CODE_NAMES:
        if code == 0:
            continue
        cls = error_class(code)
        assert cls not in seen, f"{code} shares {cls}"
        seen.add(cls)
        assert issubclass(cls, by_category[category_of(code)])
        assert bool(_ffi.lib.jwks_result_is_token_rejected(code)) == issubclass(cls, jwkskit.TokenRejected)
        assert bool(_ffi.lib.jwks_result_is_keys_unavailable(code)) == issubclass(cls, jwkskit.KeysUnavailable)
        e = cls(code, "msg")
        assert (e.code, e.name, e.message, str(e)) == (code, CODE_NAMES[code], "msg", f"{CODE_NAMES[code]}: msg")
    assert error_class(55) is jwkskit.Misuse  # unknown codes are misuse, like jwks_result_category


def test_version_matches_header():
    text = HEADER.read_text()
    parts = [re.search(rf"#define JWKS_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    assert jwkskit.library_version == ".".join(parts)
    assert int(parts[0]) == _ffi.EXPECTED_MAJOR


class _FakeLib:
    def __init__(self, version: bytes) -> None:
        self.jwks_version = lambda: version


@pytest.mark.parametrize("version", [b"1.0.0", b"2.3.4", b"0.0.9", b"0.1.0", b"garbage", b""])
def test_version_mismatch_is_refused_with_a_clear_error(version):
    with pytest.raises(_ffi.LibraryError, match="libjwks|version"):
        _ffi._check_version(_FakeLib(version), Path("/x/libjwks.so"))


def test_matching_versions_are_accepted():
    assert _ffi._check_version(_FakeLib(b"0.2.0"), Path("x")) == "0.2.0"
    assert _ffi._check_version(_FakeLib(b"0.7.2"), Path("x")) == "0.7.2"


def _import_with(env_value: str) -> subprocess.CompletedProcess:
    code = "import jwkskit; print(jwkskit.library_path)"
    env = dict(__import__("os").environ, JWKS_LIBRARY=env_value)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_jwks_library_overrides_the_bundled_library(tmp_path):
    copy = tmp_path / "libjwks-copy.so"
    copy.write_bytes(Path(jwkskit.library_path).read_bytes())
    out = _import_with(str(copy))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(copy)


def test_missing_library_is_a_clear_import_error(tmp_path):
    out = _import_with(str(tmp_path / "nope.so"))
    assert out.returncode != 0
    assert "libjwks not found" in out.stderr and "JWKS_LIBRARY" in out.stderr


def test_a_library_that_is_not_libjwks_is_refused():
    import _ctypes  # a shared object without any jwks_* symbol

    out = _import_with(_ctypes.__file__)
    assert out.returncode != 0
    assert "LibraryError" in out.stderr and "jwks_version" in out.stderr
