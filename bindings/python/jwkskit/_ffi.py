"""The C ABI of libjwks through ctypes: loading the library and declaring every symbol.

Every function of ``include/jwks.h`` is listed in :data:`SIGNATURES` with its return and
argument types; a test parses the header and checks that both agree, so they cannot drift.
Opaque handles (``jwks_verifier *``, ``jwks_token *``, ...) are plain ``c_void_p``.

The library is looked up in this order:

1. the path in the ``JWKS_LIBRARY`` environment variable, if set;
2. the copy bundled inside this package at install time;
3. ``target/release`` of the source checkout this package lives in (development use).
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import CFUNCTYPE, POINTER, c_bool, c_char_p, c_int64, c_size_t, c_uint32, c_void_p
from pathlib import Path
from typing import Any, Dict, List, Tuple

from ._generated import SETTER_SIGNATURES
from ._generated import jwks_dpop_stats as jwks_dpop_stats
from ._generated import jwks_stats as jwks_stats, jwks_token_cache_stats as jwks_token_cache_stats

#: The major version of libjwks this package is written for.
EXPECTED_MAJOR = 0
#: The lowest minor version providing every symbol declared here (while the major is 0, a
#: minor version may add symbols, so an older library is refused).
MINIMUM_MINOR = 2


class jwks_claims(ctypes.Structure):
    """``struct jwks_claims``: a copy of a verified token's payload and members' index."""

    _fields_ = [
        ("payload", c_void_p),
        ("payload_len", c_size_t),
        ("index", POINTER(c_uint32)),
        ("members", c_size_t),
    ]


class jwks_claim_value(ctypes.Structure):
    """``struct jwks_claim_value``: the answer of ``jwks_claims_get``."""

    _fields_ = [
        ("str", c_void_p),
        ("len", c_size_t),
        ("integer", c_int64),
        ("boolean", c_bool),
    ]


_P = c_void_p  # any opaque handle: jwks_options *, jwks_verifier *, jwks_token *, jwks_error *
_PP = POINTER(c_void_p)  # an out-parameter for a handle (jwks_token **, jwks_error **, char **)
_RESULT = c_uint32  # jwks_result
_STR = c_char_p  # a NUL-terminated string, in or out (copied to bytes by ctypes)
_RAW = c_void_p  # a pointer whose bytes are read with a length (payload, header, claim string)

#: name -> (restype, argtypes), for every function of include/jwks.h.
#: ``jwks_replay_check_fn``: ``uint32_t (*)(void *ctx, const char *key, int64_t expires_at,
#: int64_t now)``, answering a ``jwks_replay_verdict`` (called from any thread).
REPLAY_CHECK_FN = CFUNCTYPE(c_uint32, c_void_p, c_char_p, c_int64, c_int64)
#: ``jwks_free_fn``: ``void (*)(void *ctx)``, called once when nothing holds the callbacks.
FREE_FN = CFUNCTYPE(None, c_void_p)
#: ``jwks_nonce_issue_fn``: ``size_t (*)(void *ctx, int64_t now, char *buf, size_t cap)``.
NONCE_ISSUE_FN = CFUNCTYPE(c_size_t, c_void_p, c_int64, c_void_p, c_size_t)
#: ``jwks_nonce_check_fn``: ``bool (*)(void *ctx, const char *nonce, int64_t now)``.
NONCE_CHECK_FN = CFUNCTYPE(c_bool, c_void_p, c_char_p, c_int64)

SIGNATURES: Dict[str, Tuple[object, List[object]]] = {
    "jwks_version": (_STR, []),
    "jwks_error_code": (_RESULT, [_P]),
    "jwks_error_message": (_STR, [_P]),
    "jwks_error_free": (None, [_P]),
    "jwks_string_free": (None, [_P]),
    "jwks_options_new": (_P, []),
    "jwks_options_free": (None, [_P]),
    # The option setters, one per option of the core's catalogue.
    **SETTER_SIGNATURES,
    "jwks_result_category": (c_uint32, [c_uint32]),
    "jwks_result_is_token_rejected": (c_bool, [c_uint32]),
    "jwks_result_is_keys_unavailable": (c_bool, [c_uint32]),
    "jwks_result_name": (_STR, [c_uint32]),
    "jwks_result_description": (_STR, [c_uint32]),
    "jwks_token_payload": (_RAW, [_P, POINTER(c_size_t)]),
    "jwks_token_header": (_RAW, [_P, POINTER(c_size_t)]),
    "jwks_token_alg": (_STR, [_P]),
    "jwks_token_kid": (_STR, [_P]),
    "jwks_token_key_id": (_STR, [_P]),
    "jwks_token_key_thumbprint": (_STR, [_P]),
    "jwks_token_free": (None, [_P]),
    "jwks_token_claim_string": (_RESULT, [_P, _STR, _PP, POINTER(c_size_t)]),
    "jwks_token_claim_int": (_RESULT, [_P, _STR, POINTER(c_int64)]),
    "jwks_token_claim_bool": (_RESULT, [_P, _STR, POINTER(c_bool)]),
    "jwks_token_claim_contains": (_RESULT, [_P, _STR, _STR, POINTER(c_bool)]),
    "jwks_token_claim_json": (_RESULT, [_P, _STR, _PP, POINTER(c_size_t)]),
    "jwks_token_claims_readable": (_RESULT, [_P, _PP]),
    "jwks_token_claims_case_unique": (_RESULT, [_P, _PP]),
    "jwks_token_scope_count": (_RESULT, [_P, POINTER(c_size_t), _PP]),
    "jwks_token_scope": (_RESULT, [_P, c_size_t, _PP, POINTER(c_size_t)]),
    "jwks_token_has_scopes": (_RESULT, [_P, POINTER(c_char_p), c_size_t, c_uint32, POINTER(c_bool), _PP]),
    "jwks_scope_check": (_RESULT, [_STR, _PP]),
    "jwks_token_claims_index": (_RESULT, [_P, POINTER(c_uint32), c_size_t, POINTER(c_size_t), _PP]),
    "jwks_claims_get": (
        _RESULT,
        [POINTER(jwks_claims), c_uint32, _RAW, c_size_t, _RAW, c_size_t, _RAW, c_size_t, POINTER(jwks_claim_value)],
    ),
    "jwks_claims_scopes": (
        _RESULT,
        [POINTER(jwks_claims), _RAW, c_size_t, POINTER(c_size_t), c_size_t, POINTER(c_size_t), POINTER(c_size_t), _PP],
    ),
    "jwks_claims_has_scopes": (
        _RESULT,
        [POINTER(jwks_claims), _RAW, POINTER(c_size_t), c_size_t, c_uint32, POINTER(c_bool), _PP],
    ),
    "jwks_claims_case_unique": (_RESULT, [POINTER(jwks_claims), _PP]),
    "jwks_verifier_from_json": (_RESULT, [_STR, c_size_t, _P, _PP, _PP]),
    "jwks_verifier_from_url": (_RESULT, [_STR, _P, _PP, _PP]),
    "jwks_verifier_from_issuer": (_RESULT, [_STR, _P, _PP, _PP]),
    "jwks_verifier_from_issuers": (_RESULT, [_P, _PP, _PP]),
    "jwks_verifier_from_file": (_RESULT, [_STR, _P, _PP, _PP]),
    "jwks_verifier_free": (None, [_P]),
    "jwks_verify": (_RESULT, [_P, _STR, c_size_t, _PP, _PP]),
    "jwks_verify_at": (_RESULT, [_P, _STR, c_size_t, c_int64, _PP, _PP]),
    "jwks_verify_payload": (_RESULT, [_P, _STR, c_size_t, _RAW, c_size_t, POINTER(c_size_t), _PP]),
    "jwks_verify_payload_at": (
        _RESULT,
        [_P, _STR, c_size_t, c_int64, _RAW, c_size_t, POINTER(c_size_t), _PP],
    ),
    "jwks_verify_signature": (_RESULT, [_P, _STR, c_size_t, _PP, _PP]),
    "jwks_verifier_refresh": (_RESULT, [_P, _PP]),
    "jwks_verifier_stats": (_RESULT, [_P, POINTER(jwks_stats)]),
    "jwks_verifier_last_error": (_RESULT, [_P, _PP]),
    "jwks_verifier_skipped_keys": (_RESULT, [_P, _PP, _PP]),
    "jwks_verifier_would_block": (_RESULT, [_P, _STR, c_size_t, POINTER(c_bool)]),
    "jwks_verifier_token_cache_stats": (_RESULT, [_P, POINTER(jwks_token_cache_stats), c_size_t]),
    # Request verification (DPoP, RFC 9449; certificate binding, RFC 8705) and its answers.
    "jwks_request_new": (_RESULT, [_STR, _STR, _PP]),
    "jwks_request_free": (None, [_P]),
    "jwks_request_add_authorization": (_RESULT, [_P, _STR]),
    "jwks_request_add_dpop": (_RESULT, [_P, _STR]),
    "jwks_request_set_client_cert_der": (_RESULT, [_P, _RAW, c_size_t]),
    "jwks_request_set_client_cert_pem": (_RESULT, [_P, _STR, c_size_t]),
    "jwks_request_set_client_cert_nginx": (_RESULT, [_P, _STR]),
    "jwks_request_set_client_cert_xfcc": (_RESULT, [_P, _STR]),
    "jwks_request_set_token_scheme": (_RESULT, [_P, _STR]),
    "jwks_verify_request": (_RESULT, [_P, _P, _PP, _PP]),
    "jwks_verify_request_at": (_RESULT, [_P, _P, c_int64, _PP, _PP]),
    "jwks_token_scheme": (_STR, [_P]),
    "jwks_token_dpop_jkt": (_STR, [_P]),
    "jwks_token_certificate_thumbprint": (_STR, [_P]),
    "jwks_token_dpop_nonce": (_STR, [_P]),
    "jwks_verifier_refusal": (_RESULT, [_P, _P, c_uint32, _STR, _STR, c_int64, _PP]),
    "jwks_refusal_status": (c_uint32, [_P]),
    "jwks_refusal_error": (_STR, [_P]),
    "jwks_refusal_description": (_STR, [_P]),
    "jwks_refusal_challenge_count": (c_size_t, [_P]),
    "jwks_refusal_challenge": (_STR, [_P, c_size_t]),
    "jwks_refusal_dpop_nonce": (_STR, [_P]),
    "jwks_refusal_free": (None, [_P]),
    "jwks_result_http_status": (c_uint32, [c_uint32]),
    "jwks_result_oauth_error": (_STR, [c_uint32]),
    "jwks_options_set_dpop_replay_store": (_RESULT, [_P, REPLAY_CHECK_FN, FREE_FN, c_void_p]),
    "jwks_options_set_dpop_nonce_source": (
        _RESULT,
        [_P, NONCE_ISSUE_FN, NONCE_CHECK_FN, FREE_FN, c_void_p],
    ),
    "jwks_verifier_dpop_nonce": (_RESULT, [_P, c_int64, _PP, _PP]),
    "jwks_verify_dpop_proof_at": (
        _RESULT,
        [_P, _STR, c_size_t, _STR, _STR, _STR, c_size_t, c_int64, _PP, _PP],
    ),
    "jwks_verifier_dpop_stats": (_RESULT, [_P, POINTER(jwks_dpop_stats), c_size_t]),
    "jwks_verifier_ready": (_RESULT, [_P, POINTER(c_bool)]),
    "jwks_verifier_verify_counts": (_RESULT, [_P, POINTER(ctypes.c_uint64), c_size_t]),
}


class LibraryError(ImportError):
    """libjwks could not be found or loaded, or its version does not fit this package."""


def _library_file_name() -> str:
    if sys.platform == "darwin":
        return "libjwks.dylib"
    if sys.platform == "win32":
        return "jwks.dll"
    return "libjwks.so"


def _candidates() -> List[Path]:
    override = os.environ.get("JWKS_LIBRARY")
    if override:
        return [Path(override)]
    name = _library_file_name()
    here = Path(__file__).resolve().parent
    found = [here / name]
    # A source checkout: bindings/python/jwkskit/_ffi.py -> <repo>/target/release/.
    repo = here.parent.parent.parent
    if (repo / "include" / "jwks.h").is_file():
        target = os.environ.get("CARGO_TARGET_DIR")
        if target:
            found.append(Path(target) / "release" / name)
        found.append(repo / "target" / "release" / name)
    return found


def _load() -> Tuple[ctypes.CDLL, Path]:
    candidates = _candidates()
    for path in candidates:
        if not path.is_file():
            continue
        try:
            return ctypes.CDLL(str(path)), path
        except OSError as e:
            raise LibraryError(f"cannot load libjwks from {path}: {e}") from e
    where = ", ".join(str(p) for p in candidates)
    hint = (
        "JWKS_LIBRARY points at a missing file"
        if os.environ.get("JWKS_LIBRARY")
        else "reinstall the package (the wheel carries the library; from a checkout, `pip install "
        "./bindings/python` builds and bundles it), or set JWKS_LIBRARY to the path of libjwks"
    )
    raise LibraryError(f"libjwks not found (looked at: {where}); {hint}")


def _declare(lib: ctypes.CDLL, path: Path) -> None:
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            raise LibraryError(
                f"{path} has no symbol {name}: it is older than this package expects"
            ) from e
        fn.restype = restype
        fn.argtypes = argtypes


def _check_version(lib: ctypes.CDLL, path: Path) -> str:
    raw = lib.jwks_version()
    version = raw.decode("ascii", "replace") if raw else ""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise LibraryError(f"{path} reports an unreadable version {version!r}") from None
    if major != EXPECTED_MAJOR or (major == 0 and minor < MINIMUM_MINOR):
        raise LibraryError(
            f"{path} is libjwks {version}, but this package needs "
            f"{EXPECTED_MAJOR}.{MINIMUM_MINOR} or a later {EXPECTED_MAJOR}.x; "
            "set JWKS_LIBRARY to a matching library or reinstall the package"
        )
    return version


def _open() -> Tuple[ctypes.CDLL, Path, str]:
    lib, path = _load()
    # The version function is declared first, so that a library too old to have the other
    # symbols is reported by its version.
    try:
        version_fn = lib.jwks_version
    except AttributeError:
        raise LibraryError(f"{path} is not libjwks: it has no jwks_version symbol") from None
    version_fn.restype = c_char_p
    version_fn.argtypes = []
    version = _check_version(lib, path)
    _declare(lib, path)
    return lib, path, version


lib, library_path, library_version = _open()

def _untyped(name: str, restype: Any) -> Any:
    """A second function object for symbol ``name`` with ``restype`` but no ``argtypes``."""
    fn = lib._FuncPtr((name, lib))
    fn.restype = restype
    return fn


#: ``jwks_verify_payload`` and ``jwks_verify_payload_at`` again, without ``argtypes``: with them,
#: ctypes runs a ``from_param`` conversion per argument, a sizeable share of the binding's
#: whole cost per verification (docs/benchmarks.md, "Measured while designing"). The one caller
#: (``Verifier.verify``) passes the token as ``bytes`` and every other argument as a cparam of
#: the exact C type of its parameter (``c_void_p.from_param`` handle, ``c_size_t.from_param``
#: lengths, ``c_int64.from_param`` time, ``byref`` buffer and out-parameters), which ctypes
#: hands over unconverted.
verify_payload_untyped = _untyped("jwks_verify_payload", _RESULT)
verify_payload_at_untyped = _untyped("jwks_verify_payload_at", _RESULT)
