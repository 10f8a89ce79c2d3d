"""The Verifier: a key source plus a policy, shared by every thread."""

from __future__ import annotations

import ctypes
import json
import json.scanner
import os
import re
import sysconfig
import threading
import time
import weakref
from ctypes import byref, c_bool, c_char, c_char_p, c_int64, c_size_t, c_void_p, string_at
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _ffi
from ._generated import (
    VERIFICATION_RESULTS,
    VERIFY_COUNTS_LEN,
    DPoPStats,
    Stats,
    TokenCacheStats,
    dpop_stats_from_c,
    stats_from_c,
    token_cache_stats_from_c,
)
from ._cstr import _text
from ._options import (
    COptions,
    FromIssuersOptions,
    Strings,
    VerifierOptions,
    options_of,
)
from ._request import (
    ClientCert,
    HeaderValues,
    Refusal,
    Request,
    check_token_scheme,
    refusal_from_c,
    scope_text,
)
from .errors import (
    ClaimNotFound,
    ClaimTypeMismatch,
    InvalidArgument,
    InvalidClaim,
    JwksError,
    KeySetInvalid,
    MalformedToken,
    NullArgument,
    VerifierClosed,
    error_class,
)

if TYPE_CHECKING:
    # Only for type checkers (mypy ships typing_extensions): never evaluated at run time, so
    # typing_extensions is no runtime dependency.
    from typing_extensions import Unpack

__all__ = ["Verifier", "VerifiedToken", "Stats", "TokenCacheStats", "DPoPStats", "Token", "KeySet", "check_scope"]

#: A client certificate as ``verify_request`` takes it: DER bytes, PEM text or a ClientCert.
ClientCertArg = Union[None, bytes, bytearray, memoryview, str, ClientCert]

lib = _ffi.lib

#: A token as received: the compact serialisation as ``str`` or ASCII ``bytes``.
Token = Union[str, bytes, bytearray, memoryview]
#: A key set: JWKS (or single JWK) JSON text, or the already-decoded object.
KeySet = Union[str, bytes, bytearray, Mapping[str, Any]]

# Pre-bound for the verification path.
_verify = lib.jwks_verify
_verify_at = lib.jwks_verify_at
_verify_payload = _ffi.verify_payload_untyped
_verify_payload_at = _ffi.verify_payload_at_untyped
_verify_signature = lib.jwks_verify_signature
_token_payload = lib.jwks_token_payload
_token_header = lib.jwks_token_header
_token_free = lib.jwks_token_free
_error_code = lib.jwks_error_code
_error_message = lib.jwks_error_message
_error_free = lib.jwks_error_free
_json_loads = json.loads
# The C scanner that json.loads uses, called directly: json.loads(bytes) first detects the
# encoding, decodes, and matches whitespace around the value, which together cost as much
# again as the scan (docs/benchmarks.md, "Measured while designing"). Anything unusual falls
# back to json.loads.
# (json.scanner.make_scanner is the C scanner when the C accelerator is available.)
_scanner: Any = json.scanner
_scan_once: Callable[[str, int], Tuple[Any, int]] = _scanner.make_scanner(json.JSONDecoder())


def _parse_int(text: str) -> Any:
    # The library reads -0 as the floating-point negative zero, not as the integer 0 (its
    # claim_int answers TYPE_MISMATCH): so does Python's reading of the claims.
    return -0.0 if text == "-0" else int(text)


_scan_once_minus_zero: Callable[[str, int], Tuple[Any, int]] = _scanner.make_scanner(
    json.JSONDecoder(parse_int=_parse_int)
)
_MINUS_ZERO = re.compile("-0").search


def _decode_claims(payload: bytes) -> Any:
    """The claims of a payload the library read and accepted, read as the library reads them.

    Every way Python's ``json`` reads JSON differently from the library is refused by the
    library before Python sees the payload (a member name twice, a lone surrogate, ``NaN``,
    numbers beyond 64 bits, nesting beyond the limit), but one: ``-0``, which is the float
    ``-0.0`` here as there (``json`` alone would make it the integer ``0``). Integers are read
    exactly by both (the library refuses those beyond [-2^63, 2^64-1]); other numbers are the
    correctly rounded float in both."""
    try:
        text = payload.decode("utf-8")
        # The hook costs a Python call per integer: only when the text may hold a -0 (a
        # regular expression finds that sooner than `in`, for this short a needle).
        scan = _scan_once_minus_zero if _MINUS_ZERO(text) else _scan_once
        value, end = scan(text, 0)
        if end == len(text):
            return value
    except (UnicodeDecodeError, StopIteration, ValueError):
        pass
    return _json_loads(payload, parse_int=_parse_int)


def _undecodable_claims(e: ValueError) -> InvalidClaim:
    """The error for a verified token whose claims Python cannot decode. The library has read
    them as JSON; what fails is Python's own limit, e.g. an integer of more than 4300 digits
    (``sys.get_int_max_str_digits()``). Such a token is refused like an invalid claim, so that
    a service mapping this package's exceptions to HTTP answers gives 401, not 500."""
    return InvalidClaim(16, f"the signature is valid, but Python cannot decode the claims: {e}")


def _hint(e: JwksError, token: bytes) -> JwksError:
    """Adds the likely cause to an error about a malformed token, where one is recognisable."""
    if isinstance(e, MalformedToken) and token[:7].lower() == b"bearer ":
        return MalformedToken(
            e.code,
            f'{e.message}: the token starts with "{token[:6].decode()} "; pass only the token, '
            "without the Authorization header's scheme",
        )
    return e


def _not_json_hint(jwks: Any) -> Optional[str]:
    """A hint for ``from_jwks()`` given something that is not JSON text, such as a file path."""
    if isinstance(jwks, (bytes, bytearray, memoryview)):
        try:
            jwks = bytes(jwks).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(jwks, str):
        return None
    text = jwks.strip()
    if text[:1] in ("{", "["):
        return None
    if text and os.path.exists(text):
        return (
            f"{text!r} is a path: from_jwks() takes the key set's JSON text; "
            f"use Verifier.from_file({text!r}) to read a file"
        )
    return "from_jwks() takes the key set's JSON text; use Verifier.from_file(path) to read a file"


#: Whether calls in progress are counted under a lock (see Verifier._enter): on builds that
#: can run without the GIL. With the GIL, appending to a list is enough.
_LOCK_CALLS = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

#: Bytes of a thread's scratch buffer for payloads: enough for any token up to this length
#: (a payload is decoded from part of the token); longer tokens get a buffer of their own.
_SCRATCH_LEN = 8192
_ScratchBuffer = c_char * _SCRATCH_LEN
# Arguments of the untyped call are kept as ctypes "cparam" objects (what from_param() and
# byref() return): ctypes copies their value into the call as it is, where a c_size_t, a
# c_void_p or an array is first converted into a new cparam on every call (for the four of
# them, a share of the binding's instructions: docs/benchmarks.md, "Measured while designing").
_SCRATCH_CAP = c_size_t.from_param(_SCRATCH_LEN)


def _size_arg(n: int) -> Any:
    return c_size_t.from_param(n)


class _Scratch:
    """The out-parameters of one ``jwks_verify_payload`` call, made once per thread instead of
    once per call (building them costs about as much as the call's own argument passing).

    A call owns its scratch from start to end: it takes this thread's scratch out of the
    thread's slot and puts it back when done (see :func:`_take_scratch`), so a signal handler
    that verifies in the middle of a call finds the slot empty and uses a scratch of its own,
    never the fields of the call it interrupted."""

    __slots__ = ("buf", "buf_arg", "cap", "size", "size_ref", "err", "err_ref", "n", "token_len")

    def __init__(self, length: int = _SCRATCH_LEN) -> None:
        self.buf = _ScratchBuffer() if length == _SCRATCH_LEN else (c_char * length)()
        self.buf_arg = byref(self.buf)
        self.cap = _SCRATCH_CAP if length == _SCRATCH_LEN else _size_arg(length)
        self.size = c_size_t()
        self.size_ref = byref(self.size)
        self.err = c_void_p()
        self.err_ref = byref(self.err)
        # The last token length, as int and as the argument passed (made again only when it
        # changes: the tokens of one service tend to have one length).
        self.n = 0
        self.token_len = _size_arg(0)

    def set_length(self, n: int) -> None:
        if self.n != n:
            self.token_len = _size_arg(n)
            self.n = n


_thread_scratch = threading.local()


def _take_scratch(length: int) -> _Scratch:
    """A scratch space that no other call uses until :func:`_give_back` returns it: this
    thread's, taken out of its slot (one dict operation, which no signal handler can split),
    or a new one if the slot is empty (a call in progress on this thread has it) or the token
    is longer than a thread's scratch."""
    if length > _SCRATCH_LEN:
        return _Scratch(length)
    s: Optional[_Scratch] = _thread_scratch.__dict__.pop("s", None)
    return _Scratch() if s is None else s


def _give_back(s: _Scratch) -> None:
    """Puts a thread-sized scratch back into this thread's slot for the next call."""
    if s.cap is _SCRATCH_CAP:
        _thread_scratch.s = s


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _unix_time(now: Any) -> int:
    """``now`` as the int64 the library takes: ctypes would silently wrap a larger value."""
    try:
        t = int(now)
    except (ValueError, OverflowError):
        raise InvalidArgument(201, f"now: {now!r} is not a unix time in seconds") from None
    if not _INT64_MIN <= t <= _INT64_MAX:
        raise InvalidArgument(201, f"now: {now!r} is outside the range of a 64-bit unix time")
    return t


def _take_error(rc: int, err: c_void_p) -> JwksError:
    """Builds the exception for a failed call and frees the C error at once."""
    if err.value:
        try:
            code = _error_code(err)
            raw = _error_message(err)
        finally:
            _error_free(err)
            err.value = None
        message = raw.decode("utf-8", "replace") if raw else ""
    else:
        code = rc
        message = lib.jwks_result_description(rc).decode("utf-8", "replace")
    return error_class(code)(code, message)


def _token_bytes(token: Token) -> bytes:
    if isinstance(token, str):
        try:
            return token.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedToken(1, "the token is not valid UTF-8") from None
    if isinstance(token, (bytes, bytearray, memoryview)):
        return bytes(token)
    raise TypeError(f"token: expected str or bytes, got {type(token).__name__}")


def _opt_str(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


class _CToken:
    """Owns a library token (``jwks_token *``), freed when the last reference goes: a
    :class:`VerifiedToken` and its copies share one. The library token is immutable, so its
    getters may be called from any thread."""

    __slots__ = ("ptr",)

    def __init__(self, ptr: c_void_p) -> None:
        self.ptr: Optional[c_void_p] = ptr

    def __del__(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr is not None:
            try:
                _token_free(ptr)
            except Exception:  # interpreter shutdown: the module may be half torn down
                pass


_claim_string = lib.jwks_token_claim_string
_claim_json = lib.jwks_token_claim_json
_claim_int = lib.jwks_token_claim_int
_claim_bool = lib.jwks_token_claim_bool
_claim_contains = lib.jwks_token_claim_contains


class VerifiedToken:
    """A verified token: its header, its payload as received, the key that verified it, and
    its claims, read by the library.

    The typed getters (:meth:`claim_string`, :meth:`claim_int`, :meth:`claim_bool`,
    :meth:`claim_contains`, :meth:`claim_json`, :meth:`scopes`, :meth:`has_scopes`) ask the
    library, which reads the payload with the reader that validated it: they answer as the C,
    C++ and Go getters do. ``claims`` is the payload decoded by Python's ``json``, read as the
    library reads it (see :meth:`claims`). Valid after the verifier is closed, and safe to
    read from any thread.
    """

    __slots__ = ("payload", "_parts", "_claims", "_header", "_token", "_jws")

    #: The decoded payload (the claims JSON of a JWT), byte for byte as signed.
    payload: bytes

    def __init__(
        self,
        payload: bytes,
        header_json: Optional[bytes],
        alg: str = "",
        kid: Optional[str] = None,
        key_id: Optional[str] = None,
        key_thumbprint: str = "",
        claims: Optional[Dict[str, Any]] = None,
        *,
        _token: Optional[_CToken] = None,
        _jws: bool = False,
    ) -> None:
        self.payload = payload
        # The header, alg, kids and thumbprint; read from the library token on first use when
        # it made this one (header_json None): most callers only want the claims.
        self._parts: Optional[Tuple[bytes, str, Optional[str], Optional[str], str]] = (
            None if header_json is None else (header_json, alg, kid, key_id, key_thumbprint)
        )
        self._claims = claims
        self._header: Optional[Dict[str, Any]] = None
        self._token = _token
        self._jws = _jws

    def _read_parts(self) -> Tuple[bytes, str, Optional[str], Optional[str], str]:
        parts = self._parts
        if parts is None:
            t = self._ptr()
            n = c_size_t()
            header = string_at(_token_header(t, byref(n)), n.value)
            alg = _opt_str(lib.jwks_token_alg(t)) or ""
            kid = _opt_str(lib.jwks_token_kid(t))
            key_id = _opt_str(lib.jwks_token_key_id(t))
            thumbprint = _opt_str(lib.jwks_token_key_thumbprint(t)) or ""
            parts = self._parts = (header, alg, kid, key_id, thumbprint)
        return parts

    @property
    def header_json(self) -> bytes:
        """The decoded protected header JSON, as received."""
        return self._read_parts()[0]

    @property
    def alg(self) -> str:
        """The algorithm that verified the token, e.g. ``"RS256"``."""
        return self._read_parts()[1]

    @property
    def kid(self) -> Optional[str]:
        """The header's ``kid``, or None."""
        return self._read_parts()[2]

    @property
    def key_id(self) -> Optional[str]:
        """The ``kid`` of the key that verified the signature, or None if that key has none."""
        return self._read_parts()[3]

    @property
    def key_thumbprint(self) -> str:
        """The RFC 7638 thumbprint of the key that verified the signature."""
        return self._read_parts()[4]

    @property
    def claims(self) -> Dict[str, Any]:
        """The claims, decoded by Python's ``json`` from the payload the library validated:
        the values the library reads (``-0`` is ``-0.0``; every other difference between the
        two readers is refused by the library). For a token from :meth:`Verifier.verify_jws`,
        whose payload the library has not checked as claims, raises the library's verdict
        when it does not read the payload as claims (:meth:`claims_readable`: not JSON, not an
        object, a member name twice, a lone surrogate...), as every getter then answers
        :class:`~jwkskit.ClaimNotFound`."""
        if self._claims is None:
            if self._jws:
                self.claims_readable()
            try:
                claims = _decode_claims(self.payload)
            except ValueError as e:
                raise _undecodable_claims(e) from e
            if not isinstance(claims, dict):
                raise InvalidClaim(16, "the payload is not a JSON object")
            self._claims = claims
        return self._claims

    @property
    def header(self) -> Dict[str, Any]:
        """The protected header, decoded."""
        if self._header is None:
            self._header = _json_loads(self.header_json)
        return self._header

    # ----------------------------------------------------------------------------------------
    # Claim getters: the library's (jwks_token_claim_*, jwks_token_scope*)

    def _ptr(self) -> c_void_p:
        token = self._token
        if token is None or token.ptr is None:
            raise NullArgument(200, "this VerifiedToken was not made by a Verifier")
        return token.ptr

    def _claim(self, name: str) -> bytes:
        return _text("name", name)

    def _lookup_error(self, rc: int, name: str, what: str) -> JwksError:
        # The getters take no jwks_error: the message is made here.
        cls = error_class(rc)
        if cls is ClaimNotFound:
            return cls(rc, f"no claim {name!r}")
        if cls is ClaimTypeMismatch:
            return cls(rc, f"the claim {name!r} is not {what}")
        return cls(rc, lib.jwks_result_description(rc).decode("utf-8", "replace"))

    def _bytes_claim(self, fn: Any, name: str, what: str) -> bytes:
        out = c_void_p()
        n = c_size_t()
        rc = fn(self._ptr(), self._claim(name), byref(out), byref(n))
        if rc:
            raise self._lookup_error(rc, name, what)
        return string_at(out, n.value) if n.value else b""

    def claim_string(self, name: str) -> str:
        """The string claim ``name``. Raises :class:`~jwkskit.ClaimNotFound` when absent (or
        when the payload is not claims), :class:`~jwkskit.ClaimTypeMismatch` when not a
        string."""
        return self._bytes_claim(_claim_string, name, "a string").decode("utf-8")

    def claim_json(self, name: str) -> str:
        """The JSON text of claim ``name``'s value, exactly as the payload holds it (a string
        with its quotes and escapes, a number as written). Raises
        :class:`~jwkskit.ClaimNotFound`."""
        return self._bytes_claim(_claim_json, name, "").decode("utf-8")

    def claim_int(self, name: str) -> int:
        """The integer claim ``name``: a number without fraction or exponent that fits in a
        signed 64-bit integer (``-0`` is not one). Raises :class:`~jwkskit.ClaimNotFound` or
        :class:`~jwkskit.ClaimTypeMismatch`."""
        out = c_int64()
        rc = _claim_int(self._ptr(), self._claim(name), byref(out))
        if rc:
            raise self._lookup_error(rc, name, "an integer")
        return out.value

    def claim_bool(self, name: str) -> bool:
        """The boolean claim ``name``. Raises :class:`~jwkskit.ClaimNotFound` or
        :class:`~jwkskit.ClaimTypeMismatch`."""
        out = c_bool()
        rc = _claim_bool(self._ptr(), self._claim(name), byref(out))
        if rc:
            raise self._lookup_error(rc, name, "a boolean")
        return out.value

    def claim_contains(self, name: str, value: str) -> bool:
        """Whether claim ``name`` equals ``value`` (a string claim) or holds it (an array
        claim such as ``aud`` or ``groups``). Raises :class:`~jwkskit.ClaimNotFound`, or
        :class:`~jwkskit.ClaimTypeMismatch` for a claim of another type."""
        out = c_bool()
        rc = _claim_contains(self._ptr(), self._claim(name), _text("value", value), byref(out))
        if rc:
            raise self._lookup_error(rc, name, "a string or an array")
        return out.value

    def _checked(self, fn: Any) -> None:
        err = c_void_p()
        rc = fn(self._ptr(), byref(err))
        if rc:
            raise _take_error(rc, err)

    def claims_readable(self) -> None:
        """Returns if the library reads the payload as claims (always, for a token from
        :meth:`Verifier.verify_token`); raises what :meth:`Verifier.verify` would raise for
        that payload otherwise (:class:`~jwkskit.InvalidClaim`, or
        :class:`~jwkskit.TokenTooLarge` when nested too deep), saying why."""
        self._checked(lib.jwks_token_claims_readable)

    def claims_case_unique(self) -> None:
        """Returns if no two member names of one object of the payload (at any depth) are
        equal under case folding (``iss``, ``Iss`` and ``ISS``; ``k``, ``K`` and the Kelvin
        sign); raises :class:`~jwkskit.InvalidClaim` naming two such names otherwise. Claim
        names are case-sensitive and the getters read the exact name, but a decoder that
        matches names case-insensitively would not: check before handing the payload to one."""
        self._checked(lib.jwks_token_claims_case_unique)

    def scopes(self) -> Tuple[str, ...]:
        """The scopes the token grants, read by the library: the claim ``scope``, a string
        split on the space character U+0020 alone (leading, trailing and repeated spaces
        separate nothing; a tab, NBSP, NEL or U+3000 is part of a scope), then the claim
        ``scp``, either such a string or an array of strings, each element one scope taken
        whole; in order, each once. An absent or ``null`` claim grants nothing. Raises
        :class:`~jwkskit.InvalidClaim` when ``scope`` is not a string or ``scp`` neither a
        string nor an array of strings (a token granting scopes in a form that is not read is
        refused, not read as granting none)."""
        ptr = self._ptr()
        n = c_size_t()
        err = c_void_p()
        rc = lib.jwks_token_scope_count(ptr, byref(n), byref(err))
        if rc:
            raise _take_error(rc, err)
        out = c_void_p()
        size = c_size_t()
        scopes = []
        for i in range(n.value):
            rc = lib.jwks_token_scope(ptr, i, byref(out), byref(size))
            if rc:
                raise _take_error(rc, c_void_p())
            scopes.append(string_at(out, size.value).decode("utf-8"))
        return tuple(scopes)

    def has_scopes(self, *scopes: str, any: bool = False) -> bool:
        """Whether the token grants every one of ``scopes`` (or, with ``any=True``, at least
        one of them; an empty list is always met, or with ``any`` never). Each must be a
        valid scope (see :func:`check_scope`), else :class:`~jwkskit.InvalidArgument`; the
        errors of :meth:`scopes` otherwise."""
        return self._has_scopes(_scope_array(scopes), any)

    def _has_scopes(self, required: "_ScopeArray", any: bool = False) -> bool:
        array, n = required
        out = c_bool()
        err = c_void_p()
        how = _SCOPE_MATCH_ANY if any else _SCOPE_MATCH_ALL
        rc = lib.jwks_token_has_scopes(self._ptr(), array, n, how, byref(out), byref(err))
        if rc:
            raise _take_error(rc, err)
        return out.value

    # ----------------------------------------------------------------------------------------
    # What bound a token of Verifier.verify_request (None for the other verifications)

    def _request_str(self, fn: Any) -> Optional[str]:
        token = self._token
        if token is None or token.ptr is None:
            return None
        return _opt_str(fn(token.ptr))

    @property
    def scheme(self) -> Optional[str]:
        """The ``Authorization`` scheme the token came with, ``"Bearer"`` or ``"DPoP"``
        (:meth:`Verifier.verify_request`); None for a token verified on its own."""
        return self._request_str(lib.jwks_token_scheme)

    @property
    def dpop_jkt(self) -> Optional[str]:
        """The RFC 7638 thumbprint of the DPoP proof's key (the token's ``cnf.jkt``), when the
        token came with the ``DPoP`` scheme; else None."""
        return self._request_str(lib.jwks_token_dpop_jkt)

    @property
    def certificate_thumbprint(self) -> Optional[str]:
        """The ``x5t#S256`` of the client certificate the token is bound to (its
        ``cnf.x5t#S256``), or None when it is not certificate-bound."""
        return self._request_str(lib.jwks_token_certificate_thumbprint)

    @property
    def dpop_nonce(self) -> Optional[str]:
        """With server nonces on, the nonce to send in a ``DPoP-Nonce`` header of the response
        (the client's is no longer the current one); else None."""
        return self._request_str(lib.jwks_token_dpop_nonce)

    def __repr__(self) -> str:
        return f"VerifiedToken(alg={self.alg!r}, kid={self.kid!r}, payload={len(self.payload)} bytes)"


#: jwks_scope_match
_SCOPE_MATCH_ALL = 0
_SCOPE_MATCH_ANY = 1

#: Required scopes as the library takes them: an array of C strings and its length.
_ScopeArray = Tuple[Any, int]


def _scope_array(scopes: Iterable[str]) -> _ScopeArray:
    """``scopes`` as an array of C strings, for :meth:`VerifiedToken.has_scopes` (made once by
    the integrations for the scopes they require)."""
    encoded = [_text("scope", s) for s in scopes]
    return (c_char_p * max(len(encoded), 1))(*encoded), len(encoded)


def check_scope(scope: str) -> None:
    """Returns if ``scope`` can be a required scope, raises :class:`~jwkskit.InvalidArgument`
    saying why not otherwise: an RFC 6749 §3.3 scope-token, one or more printable ASCII
    characters other than space, ``"`` and ``\\`` (the library's rule, ``jwks_scope_check``).
    A required scope then holds no separator of any reading of a token's scopes."""
    err = c_void_p()
    rc = lib.jwks_scope_check(_text("scope", scope), byref(err))
    if rc:
        raise _take_error(rc, err)


# Every live verifier, so that their locks can be renewed in a forked child.
_live: "weakref.WeakSet[Verifier]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for v in list(_live):
        v._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Verifier:
    """Verifies JWTs and JWS against a key set, with a policy fixed at creation.

    Create one with :meth:`from_jwks`, :meth:`from_url`, :meth:`from_issuer`,
    :meth:`from_issuers` or :meth:`from_file`, and share it between all threads: verification
    runs in parallel (the GIL is released during the library call) and never waits on a key
    fetch for known keys. Close it with :meth:`close` or a ``with`` block; calls after that
    raise :class:`~jwkskit.VerifierClosed`. A verifier that is garbage-collected is closed.

    Keyword options (all optional; the defaults are the library's safe ones):

    .. BEGIN GENERATED: options (make generate, from src/catalogue/options.rs)
    Policy:
        issuers (str | list[str]): The allowed values of ``iss`` (none may be empty); with
            none, ``iss`` is not checked. Default: none.
        audiences (str | list[str]): The allowed audiences: a token's ``aud`` must name one
            of them; with none, tokens that carry ``aud`` are rejected (RFC 7519 §4.1.3).
            Default: none.
        algorithms (str | list[str]): The allowed algorithms by JWA name (``RS256``,
            ``ES256``, ``EdDSA``, ``HS256``...). With none, every asymmetric algorithm that fits
            the key; HMAC only ever when listed. ``none`` and unknown names are refused.
            Default: none.
        leeway (seconds): The clock-skew leeway for ``exp``, ``nbf`` and ``iat``. Default:
            0 s. Range: 0 to 86400 s.
        require_exp (bool): Whether ``exp`` must be present. Default: on.
        typ (str): The required header ``typ`` (case-insensitive; ``application/``
            optional), e.g. ``at+jwt`` for OAuth access tokens (RFC 9068). Default: none.
        required_claims (str | list[str]): Claims every token must carry (e.g. ``sub``).
            Default: none.
        max_token_age (seconds): Rejects tokens whose ``iat`` is older than this (then
            ``iat`` is required). Default: off. Range: 1 to 4294967295 s, or 0 for off.
        max_token_size (int, bytes): The largest accepted token. Default: 16384 bytes.
            Range: 256 to 1048576 bytes.
        token_scheme (str): The ``Authorization`` schemes a request verification accepts:
            ``bearer`` (RFC 6750), ``dpop`` (RFC 9449: the token with a DPoP proof of its key),
            or ``either``. A route may ask for another when it verifies a request. Default:
            `bearer`.
        dpop_max_age (seconds): The oldest a DPoP proof may be, from its ``iat``; its
            ``jti`` is remembered that long (plus the leeway) to refuse a replay. Default: 60 s.
            Range: above 0 s, at most 3600 s.
        dpop_leeway (seconds): The clock-skew leeway for a DPoP proof's ``iat``: how far
            ahead of the server's clock it may be, and how much older than ``dpop_max_age``.
            Default: 5 s. Range: 0 to 300 s.
        dpop_replay_cache_bytes (int, bytes): The most memory the in-memory DPoP replay
            store takes (each shard's table is allocated on its first proof). It never forgets a
            ``jti`` inside its window: when full of them it refuses new proofs
            (``REPLAY_STORE_UNAVAILABLE``, answer 503). About 45,000 proofs per MiB: the default
            holds 66 s of proofs (window and leeway) at 11,000 a second. Unused with a shared
            replay store. Default: 16777216 bytes. Range: at least 262144 bytes.
        dpop_nonce_lifetime (seconds): Server nonces (RFC 9449 §9): a proof must carry a
            nonce the server issued (sent in ``DPoP-Nonce`` with a ``use_dpop_nonce`` refusal);
            the built-in nonce changes this often and is accepted for one period more. Default:
            off. Range: 1 to 86400 s, or 0 for off.
        dpop_nonce_secret (str): The secret (at least 32 bytes) under which the built-in
            nonces are made, so that every server of a fleet accepts the others' nonces; by
            default each verifier draws its own. Default: none.
        allow_dpop_bound_bearer (bool): Accepts a DPoP-bound token (one with ``cnf.jkt``)
            sent with the ``Bearer`` scheme, without a proof; RFC 9449 §7.2 says to refuse it,
            which is the default. Default: off.
        require_certificate_binding (bool): Requires every token of a request verification
            to be bound to the client certificate (``cnf.x5t#S256``, RFC 8705 §3). Without it,
            a token that is bound is still checked against the certificate, and refused without
            one. Default: off.

    Remote key sets (URL, issuer, file):
        allow_http (bool): Allows plain ``http://`` key URLs (for tests and private
            networks). Default: off.
        cache_ttl (seconds): How long fetched keys are cached when the response has no
            ``Cache-Control: max-age``. Used as given, never clamped: it must also lie within
            ``cache_ttl_bounds``, which is checked when a verifier is created (so the two may be
            set in either order). Default: 600 s. Range: above 0 s, at most 4294967295 s.
        cache_ttl_bounds ((min, max) seconds): The minimum and maximum that a response's
            ``max-age`` is clamped to (the server's value, not a setting); the minimum is also
            the lifetime of a ``no-store``/``no-cache`` response. The minimum may not exceed the
            maximum. Default: 60 s and 86400 s. Range: above 0 s, at most 4294967295 s.
        refresh_cooldown (seconds): The minimum interval between refetches caused by unknown
            ``kid``s; in between, tokens with unknown ``kid``s are rejected at once. Default:
            30 s. Range: 0 to 4294967295 s.
        max_stale (seconds): How long past their expiry cached keys keep verifying while
            refreshes fail. Default: 86400 s. Range: 0 to 4294967295 s.
        http_timeout (seconds, whole milliseconds): The total time allowed for one key fetch
            (connect, TLS, redirects, headers and body; one deadline covers a whole refresh,
            discovery included). Default: 5000 ms. Range: above 0 ms, at most 3600000 ms.
        connect_timeout (seconds, whole milliseconds): The time allowed to connect (TCP,
            proxy and TLS handshake); the total timeout bounds the whole fetch, connection
            included, whichever ends first. Default: 2000 ms. Range: above 0 ms, at most
            3600000 ms.
        max_response_size (int, bytes): The largest accepted key-set response (after
            decompression). Default: 1048576 bytes. Range: at least 1024 bytes.
        headers (dict[str, str]): Headers sent with every key fetch (e.g. an API key; not
            sent to another host after a redirect). Names and values must be UTF-8 without CR,
            LF or NUL; names not empty and without ``:`` or spaces. Default: none.
        ca_pem (str | bytes): CA certificates (PEM) trusted for key fetches in addition to
            the system's web roots, for private identity providers. Default: none.
        proxy (str): An explicit proxy URL for key fetches, for https and http URLs alike
            (default: from the environment: ``https_proxy``/``HTTPS_PROXY`` for https URLs,
            ``http_proxy``/``HTTP_PROXY`` for http URLs unless ``REQUEST_METHOD`` is set, then
            ``all_proxy``/``ALL_PROXY``; hosts on ``NO_PROXY``/``no_proxy`` are fetched
            directly). Default: none.
        max_keys (int): The most entries a fetched key set (URL, issuer, file) may hold; a
            larger set is refused as invalid and the keys already held stay in use. Raise it for
            identity providers that publish many keys (multi-tenant sets). Default: 256. Range:
            1 to 4294967295.
        fetch_at_start (bool): Loads every issuer's keys when the verifier is created (URL,
            issuer, issuers; a file is always read then) and fails there with the fetch's error,
            so that a wrong URL or issuer, an unreachable endpoint or an invalid key set stops a
            service at start instead of answering 503 to every request. Off, the first
            verification fetches. Default: off.
        ca_file (path): a file of extra trusted CA certificates (PEM), added to ``ca_pem``.

    Verified-token cache (a repeated token is answered without its signature check, with the
    same verdict):
        token_cache (int): How many verified tokens a verifier keeps, so that a token seen
            again is answered without its signature check, with the verdict a full verification
            would give (the time rules are checked again at each call's time; an entry is
            dropped when the key set changes). Once the cache is full, a token is stored on its
            second miss, so that one-off tokens displace nothing. Memory grows with the entries
            stored, up to ``token_cache_bytes``. Default: 4096. Range: 1 to 4294967295, or 0 for
            off.
        token_cache_bytes (int, bytes): The most memory the token cache may take, allocator
            overhead included; it is taken as entries are stored, not up front. Default:
            8388608 bytes. Range: at least 4096 bytes.
        token_cache_max_reuse (seconds): The longest time a cached verification is reused,
            after which the token is verified again; never past the token's ``exp`` either.
            Default: 300 s. Range: above 0 s, at most 86400 s.

    .. END GENERATED: options

    Request verification (:meth:`verify_request`) also takes Python objects that the library
    calls back, from any thread, concurrently (they must not call the verifier):
        dpop_replay_store: a replay store shared by a fleet, instead of the in-memory one: a
            callable ``check(key, expires_at, now) -> ReplayVerdict`` (or an object with such a
            ``check`` method), e.g. :class:`jwkskit.redis.RedisReplayStore`. An exception or
            an answer that is not a :class:`~jwkskit.ReplayVerdict` refuses the proof
            (:class:`~jwkskit.ReplayStoreUnavailable`, answer 503), logged on the ``jwkskit``
            logger. Kept alive as long as a verifier made with it.
        dpop_nonce_source: a :class:`~jwkskit.NonceSource` (``issue(now)``,
            ``check(nonce, now)``) instead of the built-in nonces.

    Durations are numbers of seconds or ``datetime.timedelta``; fractions of the unit are
    refused, never rounded. The ranges are the library's, checked by it (the same for every
    language): a value outside raises :class:`~jwkskit.InvalidArgument`; an unknown keyword
    raises ``TypeError``. The options are declared once, as the ``TypedDict``
    ``jwkskit.VerifierOptions``, which every constructor takes as ``**options`` (PEP 692), so
    type checkers catch a misspelt or mistyped option.
    """

    __slots__ = ("_handle", "_owned", "_active", "_lock", "_source", "_request_policy", "__weakref__")

    # The library handle as a ctypes argument; None once closed.
    _handle: Any
    # The handle still to be freed; None once freed.
    _owned: Any
    _active: List[None]
    _lock: threading.Lock
    _source: str
    # The request verification policy this verifier was made with: (token_scheme,
    # require_certificate_binding), for the integrations' choice of the fast path.
    _request_policy: Tuple[str, bool]

    def __init__(self) -> None:
        raise TypeError(
            "use Verifier.from_jwks(), from_url(), from_issuer(), from_issuers() or from_file()"
        )

    @classmethod
    def _adopt(cls, handle: c_void_p, source: str) -> "Verifier":
        self = object.__new__(cls)
        # Kept as a cparam (see _SCRATCH_CAP), which typed c_void_p parameters accept too.
        arg = c_void_p.from_param(handle.value)
        self._handle = arg  # None once closed: no new call may start
        self._owned = arg  # freed by close(), or by the last call in progress after it
        self._active = []  # one entry per call in progress
        self._lock = threading.Lock()
        self._source = source
        self._request_policy = ("bearer", False)
        _live.add(self)
        return self

    @classmethod
    def _create(cls, source: str, make: Any, options: Mapping[str, Any], extra_issuers: Iterable[str] = ()) -> "Verifier":
        out = c_void_p()
        err = c_void_p()
        with COptions(options, extra_issuers) as opts:
            rc = make(opts.ptr, byref(out), byref(err))
        if rc:
            raise _take_error(rc, err)
        self = cls._adopt(out, source)
        scheme = check_token_scheme(options.get("token_scheme")) or "bearer"
        self._request_policy = (scheme, bool(options.get("require_certificate_binding")))
        return self

    # ----------------------------------------------------------------------------------------
    # Construction

    @classmethod
    def from_jwks(cls, jwks: KeySet, **options: Unpack[VerifierOptions]) -> "Verifier":
        """A verifier over a JWKS document (or a single JWK): JSON text (``str``/``bytes``) or
        the decoded ``dict``. Keys that are unsupported or broken are skipped (see
        :meth:`skipped_keys`); a set with no usable key raises :class:`~jwkskit.KeySetInvalid`.
        ``oct`` (HMAC) keys are used only when an ``HS*`` algorithm is in ``algorithms``. To read
        a file, use :meth:`from_file`. The keyword options are those of :class:`Verifier`."""
        given = options_of("from_jwks", options)
        if isinstance(jwks, str):
            data = jwks.encode("utf-8")
        elif isinstance(jwks, (bytes, bytearray, memoryview)):
            data = bytes(jwks)
        elif isinstance(jwks, Mapping):
            data = json.dumps(jwks, separators=(",", ":")).encode("utf-8")
        elif isinstance(jwks, os.PathLike):
            raise TypeError(
                f"jwks: expected the key set's JSON (str, bytes or dict), got the path {jwks!r}; "
                "use Verifier.from_file() to read a file"
            )
        else:
            raise TypeError(f"jwks: expected str, bytes or dict, got {type(jwks).__name__}")
        try:
            return cls._create(
                "key set",
                lambda opts, out, err: lib.jwks_verifier_from_json(data, len(data), opts, out, err),
                given,
            )
        except KeySetInvalid as e:
            hint = _not_json_hint(jwks)
            if hint is None:
                raise
            raise KeySetInvalid(e.code, f"{e.message}; {hint}") from None

    @classmethod
    def from_url(cls, url: str, **options: Unpack[VerifierOptions]) -> "Verifier":
        """A verifier over a JWKS URL (https unless ``allow_http=True``). No network I/O happens
        here: the first verification fetches the keys, which are then cached and refreshed.
        The keyword options are those of :class:`Verifier`."""
        given = options_of("from_url", options)
        raw = _text("url", url)
        return cls._create(
            url, lambda opts, out, err: lib.jwks_verifier_from_url(raw, opts, out, err), given
        )

    @classmethod
    def from_issuer(cls, issuer: str, **options: Unpack[VerifierOptions]) -> "Verifier":
        """A verifier for an OpenID Connect issuer: the ``jwks_uri`` is read from
        ``{issuer}/.well-known/openid-configuration`` on first use (its ``issuer`` must match
        exactly), and ``issuer`` is added to the allowed issuers. The keyword options are those
        of :class:`Verifier`."""
        given = options_of("from_issuer", options)
        raw = _text("issuer", issuer)
        return cls._create(
            issuer,
            lambda opts, out, err: lib.jwks_verifier_from_issuer(raw, opts, out, err),
            given,
        )

    @classmethod
    def from_issuers(cls, issuers: Strings, **options: Unpack[FromIssuersOptions]) -> "Verifier":
        """A verifier for several OpenID Connect issuers, each with its own key set found by
        discovery; a token is routed by its ``iss``, and only to one of these issuers. The
        keyword options are those of :class:`Verifier`, but ``issuers`` (this argument)."""
        given = options_of("from_issuers", options, FromIssuersOptions.__annotations__)
        listed = [issuers] if isinstance(issuers, str) else list(issuers)
        return cls._create(
            "issuers " + ", ".join(listed),
            lambda opts, out, err: lib.jwks_verifier_from_issuers(opts, out, err),
            given,
            listed,
        )

    @classmethod
    def from_file(
        cls, path: Union[str, "os.PathLike[str]"], **options: Unpack[VerifierOptions]
    ) -> "Verifier":
        """A verifier over a JWKS file, read now and reloaded when it changes. The keyword
        options are those of :class:`Verifier`."""
        given = options_of("from_file", options)
        raw = _text("path", os.fspath(path))
        return cls._create(
            str(path), lambda opts, out, err: lib.jwks_verifier_from_file(raw, opts, out, err), given
        )

    # ----------------------------------------------------------------------------------------
    # Lifecycle

    # Calls in progress are tracked so that close() never frees the library object under one:
    # a call appends to self._active before it reads self._handle and pops after the library
    # returns, and whoever then sees the handle gone and the list empty frees the object (once:
    # _free_once swaps self._owned under self._lock). Under the GIL, list append/pop and
    # attribute access are sequentially consistent, so the hot path takes no lock; a build
    # that can run without the GIL takes self._lock around both steps instead (_LOCK_CALLS).

    def _enter(self) -> Any:
        active = self._active
        if _LOCK_CALLS:
            with self._lock:
                active.append(None)
                handle = self._handle
        else:
            active.append(None)
            handle = self._handle
        if handle is None:
            self._leave()
            raise VerifierClosed()
        return handle

    def _leave(self) -> None:
        active = self._active
        if _LOCK_CALLS:
            with self._lock:
                active.pop()
                if self._handle is None and not active:
                    self._free_locked()
        else:
            active.pop()
            if self._handle is None and not active:
                self._free_once()

    def _free_once(self) -> None:
        with self._lock:
            self._free_locked()

    def _free_locked(self) -> None:
        owned, self._owned = self._owned, None
        if owned is not None:
            lib.jwks_verifier_free(owned)

    def close(self) -> None:
        """Releases the verifier. Idempotent. Calls in progress in other threads finish
        normally (the library object is freed when the last one returns); later calls raise
        :class:`~jwkskit.VerifierClosed`."""
        try:
            lock = self._lock
        except AttributeError:  # never fully created
            return
        with lock:
            self._handle = None
            if not self._active:
                self._free_locked()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._handle is None

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be half torn down
            pass

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else "open"
        return f"<jwkskit.Verifier {self._source} ({state})>"

    def _reset_after_fork(self) -> None:
        # Only the forking thread exists in the child: calls other threads had in progress
        # will never return there, and a lock they held is never released.
        self._lock = threading.Lock()
        self._active = []
        if self._handle is None and self._owned is not None:
            self._free_locked()

    # ----------------------------------------------------------------------------------------
    # Verification

    def verify(self, token: Token, *, now: Optional[int] = None) -> Dict[str, Any]:
        """Verifies a JWT (signature, header policy and claims) and returns its claims.

        Args:
            token: the compact JWT, as ``str`` or ``bytes``.
            now: the unix time (seconds) to check ``exp``/``nbf``/``iat`` against, instead of
                the system clock.

        Raises:
            TokenRejected: a subclass naming the reason (``ExpiredToken``, ``BadSignature``...).
            KeysUnavailable: the keys could not be obtained (answer 503, retry later).
            VerifierClosed: the verifier was closed.
        """
        data = token if type(token) is bytes else _token_bytes(token)
        when: Any = None if now is None else c_int64.from_param(_unix_time(now))
        s = _take_scratch(len(data))
        s.set_length(len(data))
        if _LOCK_CALLS:
            handle = self._enter()
        else:
            # _enter() inlined (this is the hot path), with _leave() in the finally below.
            active = self._active
            active.append(None)
            handle = self._handle
            if handle is None:
                self._leave()
                _give_back(s)
                raise VerifierClosed()
        try:
            # One foreign call: verify, and copy the claims into the scratch buffer. Every
            # argument is already its C type (see _ffi.verify_payload_untyped).
            if when is None:
                rc = _verify_payload(handle, data, s.token_len, s.buf_arg, s.cap, s.size_ref, s.err_ref)
            else:
                rc = _verify_payload_at(handle, data, s.token_len, when, s.buf_arg, s.cap, s.size_ref, s.err_ref)
            if rc:
                raise _hint(_take_error(rc, s.err), data)
            payload: bytes = s.buf[: s.size.value]  # type: ignore[assignment]
        finally:
            _give_back(s)
            if _LOCK_CALLS:
                self._leave()
            else:
                active.pop()
                if self._handle is None and not active:
                    self._free_once()
        try:
            return _decode_claims(payload)  # type: ignore[no-any-return]
        except ValueError as e:
            raise _undecodable_claims(e) from e

    def verify_token(self, token: Token, *, now: Optional[int] = None) -> VerifiedToken:
        """Like :meth:`verify`, but returns a :class:`VerifiedToken` with the header, the
        algorithm, the ``kid`` and the key that verified the token as well as the claims."""
        t = self._call(token, now, signature_only=False)
        return self._take_token(t, decode_claims=True)

    def verify_signature(self, jws: Token) -> bytes:
        """Verifies a compact JWS: signature and header policy only, no claims (the payload
        need not be JSON). Returns the payload."""
        t = self._call(jws, None, signature_only=True)
        try:
            n = c_size_t()
            return string_at(_token_payload(t, byref(n)), n.value)
        finally:
            _token_free(t)

    def verify_jws(self, jws: Token) -> VerifiedToken:
        """Like :meth:`verify_signature`, but returns a :class:`VerifiedToken`, whose claims
        are read only when asked for: its getters answer :class:`~jwkskit.ClaimNotFound` and
        ``claims`` raises when the library does not read the payload as claims (see
        :meth:`VerifiedToken.claims_readable`)."""
        t = self._call(jws, None, signature_only=True)
        return self._take_token(t, decode_claims=False)

    def _call(self, token: Token, now: Optional[int], signature_only: bool) -> c_void_p:
        data = _token_bytes(token)
        out = c_void_p()
        err = c_void_p()
        handle = self._enter()
        try:
            if signature_only:
                rc = _verify_signature(handle, data, len(data), byref(out), byref(err))
            elif now is None:
                rc = _verify(handle, data, len(data), byref(out), byref(err))
            else:
                rc = _verify_at(handle, data, len(data), _unix_time(now), byref(out), byref(err))
        finally:
            self._leave()
        if rc:
            raise _hint(_take_error(rc, err), data)
        return out

    @staticmethod
    def _take_token(t: c_void_p, decode_claims: bool) -> VerifiedToken:
        # Owned from here on: freed with the last VerifiedToken that shares it. The header,
        # alg, kids and thumbprint are read from it when first asked for.
        owner = _CToken(t)
        n = c_size_t()
        payload = string_at(_token_payload(t, byref(n)), n.value)
        try:
            claims = _decode_claims(payload) if decode_claims else None
        except ValueError as e:
            raise _undecodable_claims(e) from e
        return VerifiedToken(payload, None, claims=claims, _token=owner, _jws=not decode_claims)

    # ----------------------------------------------------------------------------------------
    # Requests: DPoP (RFC 9449) and certificate-bound tokens (RFC 8705)

    @property
    def token_scheme(self) -> str:
        """The ``Authorization`` schemes this verifier accepts by default (its ``token_scheme``
        option): ``"bearer"``, ``"dpop"`` or ``"either"``."""
        return self._request_policy[0]

    @property
    def requires_certificate_binding(self) -> bool:
        """Whether this verifier was made with ``require_certificate_binding=True``."""
        return self._request_policy[1]

    def verify_request(
        self,
        method: Union[str, Request],
        uri: Optional[str] = None,
        *,
        authorization: HeaderValues = None,
        dpop: HeaderValues = None,
        client_cert: ClientCertArg = None,
        token_scheme: Optional[str] = None,
        now: Optional[int] = None,
    ) -> VerifiedToken:
        """Verifies a request as a whole: its one ``Authorization`` header (``Bearer`` or
        ``DPoP``, as ``token_scheme`` allows), its DPoP proof (RFC 9449 §4.3: method, URI,
        age, ``ath``; recorded in the replay store last), the access token (as
        :meth:`verify_token`) and the token's binding (``cnf.jkt`` to the proof's key,
        ``cnf.x5t#S256`` to the client certificate). Returns the :class:`VerifiedToken`, whose
        :attr:`~VerifiedToken.scheme`, :attr:`~VerifiedToken.dpop_jkt`,
        :attr:`~VerifiedToken.certificate_thumbprint` and :attr:`~VerifiedToken.dpop_nonce`
        say what bound it.

        Args:
            method: the request method (``"GET"``), or a ready :class:`~jwkskit.Request` (then
                no other request argument is given).
            uri: the absolute URI the client addressed (``https://api.example.com/orders``;
                the query is ignored); behind a proxy, the external one, never one built
                from an unchecked ``Host`` header.
            authorization: the ``Authorization`` header's value, or a list of every value
                the request carried (two are refused as ``InvalidRequest``).
            dpop: the ``DPoP`` header's value, or a list of every value (two are refused).
            client_cert: the client certificate: DER ``bytes``, PEM ``str``, or a
                :class:`~jwkskit.ClientCert` (``ClientCert.nginx(header)``,
                ``ClientCert.xfcc(header)``).
            token_scheme: the route's schemes instead of the verifier's: ``"bearer"``,
                ``"dpop"`` or ``"either"``.
            now: the unix time to verify at, instead of the system clock.

        Raises:
            TokenRejected: a subclass naming the reason (``InvalidDpopProof``,
                ``DpopProofReplayed``, ``UseDpopNonce``, ``BoundTokenAsBearer``...), with the
                request as ``e.request``: :meth:`refusal` (e) builds the answer.
            KeysUnavailable: keys unavailable, or ``ReplayStoreUnavailable`` (answer 503).
        """
        if isinstance(method, Request):
            if uri is not None or authorization is not None or dpop is not None or client_cert is not None or token_scheme is not None:
                raise TypeError("verify_request: give either a Request or the request's parts, not both")
            request = method
        else:
            if uri is None:
                raise TypeError("verify_request: missing the request's uri")
            request = Request(
                method,
                uri,
                authorization=authorization,
                dpop=dpop,
                client_cert=client_cert,
                token_scheme=token_scheme,
            )
        when = None if now is None else _unix_time(now)
        out = c_void_p()
        err = c_void_p()
        handle = self._enter()
        try:
            if when is None:
                rc = lib.jwks_verify_request(handle, request._ptr, byref(out), byref(err))
            else:
                rc = lib.jwks_verify_request_at(handle, request._ptr, when, byref(out), byref(err))
        finally:
            self._leave()
        if rc:
            e = _take_error(rc, err)
            e.request = request  # type: ignore[attr-defined]
            raise e
        return self._take_token(out, decode_claims=True)

    def refusal(
        self,
        error: Union[JwksError, int],
        request: Optional[Request] = None,
        *,
        realm: Optional[str] = None,
        scope: Union[None, str, Iterable[str]] = None,
        now: Optional[int] = None,
    ) -> Refusal:
        """How to answer a request refused with ``error`` (what :meth:`verify_request`
        raised, or its code; or :class:`~jwkskit.InsufficientScope` after a scope check of
        yours): the status, every ``WWW-Authenticate`` challenge (one per scheme the route
        accepts, the error on the scheme the client used) and the ``DPoP-Nonce`` to send.

        Args:
            error: the exception or its result code.
            request: the request, which tells the scheme the client used and the route's;
                by default the one the exception of :meth:`verify_request` carries.
            realm: the challenges' ``realm``.
            scope: the scopes the request needed (a space-separated string or an iterable).
            now: the unix time for the DPoP nonce, instead of the system clock.
        """
        if isinstance(error, JwksError):
            code = error.code
            if request is None:
                request = getattr(error, "request", None)
        elif isinstance(error, int) and not isinstance(error, bool):
            code = error
        else:
            raise TypeError(f"error: expected a jwkskit.JwksError or a result code, got {type(error).__name__}")
        if request is not None and not isinstance(request, Request):
            raise TypeError(f"request: expected a jwkskit.Request, got {type(request).__name__}")
        raw_realm = None if realm is None else _text("realm", realm)
        raw_scope = scope_text(scope)
        when = int(time.time()) if now is None else _unix_time(now)
        out = c_void_p()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_refusal(
                handle, None if request is None else request._ptr, code, raw_realm, raw_scope, when, byref(out)
            )
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        try:
            return refusal_from_c(out, code)
        finally:
            lib.jwks_refusal_free(out)

    def dpop_nonce(self, *, now: Optional[int] = None) -> Optional[str]:
        """The DPoP nonce to send now (e.g. in a ``DPoP-Nonce`` header of a token endpoint's
        answer), or None when server nonces are off."""
        when = int(time.time()) if now is None else _unix_time(now)
        out = c_void_p()
        err = c_void_p()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_dpop_nonce(handle, when, byref(out), byref(err))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, err)
        if not out.value:
            return None
        try:
            return string_at(out).decode("ascii")
        finally:
            lib.jwks_string_free(out)

    def verify_dpop_proof(
        self,
        proof: str,
        method: str,
        uri: str,
        *,
        access_token: Optional[Token] = None,
        now: Optional[int] = None,
    ) -> str:
        """Checks a DPoP proof on its own (as an authorization server's token endpoint does,
        with no access token) for a request of ``method`` and ``uri``, records it in the replay
        store, and returns the RFC 7638 thumbprint of its key (the ``jkt`` to bind a token
        to). Raises the errors of :meth:`verify_request`."""
        data = _token_bytes(proof)
        at = None if access_token is None else _token_bytes(access_token)
        when = int(time.time()) if now is None else _unix_time(now)
        out = c_void_p()
        err = c_void_p()
        raw_method = _text("method", method)
        raw_uri = _text("uri", uri)
        handle = self._enter()
        try:
            rc = lib.jwks_verify_dpop_proof_at(
                handle, data, len(data), raw_method, raw_uri, at, 0 if at is None else len(at), when, byref(out), byref(err)
            )
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, err)
        try:
            return string_at(out).decode("ascii")
        finally:
            lib.jwks_string_free(out)

    # ----------------------------------------------------------------------------------------
    # Keys and metrics

    def refresh(self) -> None:
        """Fetches the keys now (remote and file sources; a no-op for a static set). Blocks for
        at most the HTTP timeout. Raises :class:`~jwkskit.KeysUnavailable` if the fetch fails."""
        err = c_void_p()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_refresh(handle, byref(err))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, err)

    def stats(self) -> Stats:
        """The verifier's counters."""
        s = _ffi.jwks_stats()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_stats(handle, byref(s))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return stats_from_c(s)

    def token_cache_stats(self) -> TokenCacheStats:
        """The verified-token cache's counters (all 0 when it is off)."""
        s = _ffi.jwks_token_cache_stats()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_token_cache_stats(handle, byref(s), ctypes.sizeof(s))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return token_cache_stats_from_c(s)

    def dpop_stats(self) -> DPoPStats:
        """The DPoP proof counters and the in-memory replay store's occupancy."""
        s = _ffi.jwks_dpop_stats()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_dpop_stats(handle, byref(s), ctypes.sizeof(s))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return dpop_stats_from_c(s)

    def verify_counts(self) -> Dict[str, int]:
        """How many verifications this verifier answered since it was made, by result: a dict
        from the result's stable name (``"OK"`` for the successes, ``"EXPIRED"``,
        ``"BAD_SIGNATURE"``, ``"KEYS_UNAVAILABLE"``...) to its count, with every result a
        verification can end with (zeros included). :meth:`verify`, :meth:`verify_token`,
        :meth:`verify_signature` and :meth:`verify_jws` are counted as the library decided
        them, token cache hits included. Reading takes no lock that a verification holds."""
        counts = (ctypes.c_uint64 * VERIFY_COUNTS_LEN)()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_verify_counts(handle, counts, VERIFY_COUNTS_LEN)
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return {name: counts[code] for code, name, _ in VERIFICATION_RESULTS}

    def ready(self) -> bool:
        """Whether the verifier can verify now without waiting for a key fetch: every issuer it
        serves has keys that are not past their stale bound. Always true over a fixed key set
        or a file; over a URL or issuer(s), false until the first fetch succeeds (at creation
        with ``fetch_at_start=True``, or the first verification or :meth:`refresh`), and again
        if the keys go past their stale bound while fetches fail; for several issuers, true
        only when every issuer is. Never fetches, waits or does I/O: a readiness probe may call
        it on every request."""
        out = ctypes.c_bool()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_ready(handle, byref(out))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return out.value

    def last_error(self) -> Optional[JwksError]:
        """The error of the last key fetch, or None if it succeeded or none was made."""
        out = c_void_p()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_last_error(handle, byref(out))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        if not out.value:
            return None
        return _take_error(0, out)

    def skipped_keys(self) -> List[Dict[str, Any]]:
        """The entries of the current key set that are not used, each a dict with ``index``,
        ``kid`` (when the entry has one) and ``reason``. For a remote source with no keys yet,
        this fetches them."""
        out = c_void_p()
        err = c_void_p()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_skipped_keys(handle, byref(out), byref(err))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, err)
        try:
            text = ctypes.string_at(out)
        finally:
            lib.jwks_string_free(out)
        return json.loads(text)  # type: ignore[no-any-return]

    # ----------------------------------------------------------------------------------------
    # Event loops

    def would_block(self, token: Token) -> bool:
        """Whether verifying ``token`` now would wait for a key fetch (no keys yet, keys past
        their stale bound, or a ``kid`` the keys lack while a refetch is allowed or running).
        Returns at once: it never fetches. ``True`` may turn out pessimistic; ``False`` is
        exact when asked."""
        data = token if type(token) is bytes else _token_bytes(token)
        out = ctypes.c_bool()
        handle = self._enter()
        try:
            rc = lib.jwks_verifier_would_block(handle, data, len(data), byref(out))
        finally:
            self._leave()
        if rc:
            raise _take_error(rc, c_void_p())
        return out.value

    async def verify_async(self, token: Token, *, now: Optional[int] = None) -> Dict[str, Any]:
        """Like :meth:`verify`, for asyncio code: never blocks the event loop on a key fetch.

        When the keys are at hand (the common case) this is a direct call of :meth:`verify`;
        only a verification that would wait for a fetch (see :meth:`would_block`: cold start,
        unknown ``kid``, keys past their stale bound) runs in the loop's default executor.
        """
        data = token if type(token) is bytes else _token_bytes(token)
        if not self.would_block(data):
            return self.verify(data, now=now)
        import asyncio
        import functools

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.verify, data, now=now))
