"""Request verification (DPoP, RFC 9449; certificate-bound tokens, RFC 8705): the request to
verify, the client certificate, the answer to a refused request, and the callbacks through
which a replay store or a nonce source of the caller's plugs into the library.

The checks and the answers are the library's (``jwks_verify_request``,
``jwks_verifier_refusal``): this module only carries values across.
"""

from __future__ import annotations

import ctypes
import enum
import itertools
import logging
import threading
from ctypes import byref, c_void_p
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._cstr import _text
from .errors import InvalidArgument

lib = _ffi.lib

__all__ = [
    "ClientCert",
    "Request",
    "Refusal",
    "ReplayVerdict",
    "ReplayStore",
    "NonceSource",
    "HeaderValues",
]

_log = logging.getLogger("jwkskit")

#: One header's value, or every value of a header that a request carried, in order.
HeaderValues = Union[None, str, Sequence[str]]


class ReplayVerdict(enum.IntEnum):
    """What a replay store answers for a proof's key (``jwks_replay_verdict``)."""

    #: The key was not recorded (or its record had expired): the store recorded it now.
    FRESH = 0
    #: The key is recorded and unexpired: the proof is a replay.
    SEEN = 1
    #: The store could not answer (unreachable, timed out, full): the request is refused
    #: with :class:`~jwkskit.ReplayStoreUnavailable` (answer 503), never accepted unrecorded.
    UNAVAILABLE = 2


#: A replay store: ``check(key, expires_at, now)`` records ``key`` (43 ASCII characters) until
#: the unix time ``expires_at`` unless it is recorded and unexpired already, atomically, and
#: answers a :class:`ReplayVerdict`. Called from any thread, concurrently; it must not call
#: the verifier. An exception, or an answer that is not a verdict, counts as ``UNAVAILABLE``.
ReplayStore = Callable[[str, int, int], ReplayVerdict]


class NonceSource:
    """A source of server nonces (RFC 9449 §9) of the caller's, for ``dpop_nonce_source=``:
    subclass it, or pass any object with these two methods. Both are called from any thread,
    concurrently, and must not call the verifier. An exception in :meth:`issue` sends no nonce;
    one in :meth:`check` refuses the proof's nonce."""

    def issue(self, now: int) -> str:
        """The nonce to send at unix time ``now``: 1 to 256 printable ASCII characters, no
        ``"`` and no ``\\``."""
        raise NotImplementedError

    def check(self, nonce: str, now: int) -> bool:
        """Whether ``nonce`` is one this source issued recently enough to accept at ``now``."""
        raise NotImplementedError


class ClientCert:
    """The client certificate of a request, for certificate-bound tokens (RFC 8705): build one
    with :meth:`der`, :meth:`pem`, :meth:`nginx` or :meth:`xfcc`. (``verify_request`` also
    takes DER ``bytes`` or PEM ``str`` directly.)"""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Union[str, bytes]) -> None:
        if kind not in ("der", "pem", "nginx", "xfcc"):
            raise ValueError(f"ClientCert: unknown kind {kind!r} (der, pem, nginx or xfcc)")
        #: ``"der"``, ``"pem"``, ``"nginx"`` or ``"xfcc"``.
        self.kind = kind
        #: The certificate or header value as given.
        self.value = value

    @classmethod
    def der(cls, data: Union[bytes, bytearray, memoryview]) -> "ClientCert":
        """The certificate as DER, as a TLS library hands it over."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"ClientCert.der: expected bytes, got {type(data).__name__}")
        return cls("der", bytes(data))

    @classmethod
    def pem(cls, text: Union[str, bytes]) -> "ClientCert":
        """The certificate as PEM (its first ``CERTIFICATE`` block is used)."""
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("ascii", "replace")
        if not isinstance(text, str):
            raise TypeError(f"ClientCert.pem: expected str, got {type(text).__name__}")
        return cls("pem", text)

    @classmethod
    def nginx(cls, escaped: str) -> "ClientCert":
        """nginx's ``$ssl_client_escaped_cert`` (URL-encoded PEM; empty or ``-`` when the client
        sent none), forwarded by a trusted nginx that overwrites the header."""
        if not isinstance(escaped, str):
            raise TypeError(f"ClientCert.nginx: expected str, got {type(escaped).__name__}")
        return cls("nginx", escaped)

    @classmethod
    def xfcc(cls, header: str) -> "ClientCert":
        """Envoy's ``x-forwarded-client-cert``, set by a trusted Envoy that sanitises the
        client's: its last element's ``Cert``, else its ``Hash``."""
        if not isinstance(header, str):
            raise TypeError(f"ClientCert.xfcc: expected str, got {type(header).__name__}")
        return cls("xfcc", header)

    def _apply(self, req: c_void_p) -> int:
        if self.kind == "der":
            data = bytes(self.value) if isinstance(self.value, (bytes, bytearray)) else b""
            buf = ctypes.create_string_buffer(data, len(data))
            return int(lib.jwks_request_set_client_cert_der(req, ctypes.cast(buf, c_void_p), len(data)))
        text = _text("client_cert", self.value if isinstance(self.value, str) else "")
        if self.kind == "pem":
            return int(lib.jwks_request_set_client_cert_pem(req, text, len(text)))
        if self.kind == "nginx":
            return int(lib.jwks_request_set_client_cert_nginx(req, text))
        return int(lib.jwks_request_set_client_cert_xfcc(req, text))

    def __repr__(self) -> str:
        return f"ClientCert.{self.kind}(...)"


def _client_cert(value: Union[None, bytes, bytearray, memoryview, str, ClientCert]) -> Optional[ClientCert]:
    if value is None or isinstance(value, ClientCert):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ClientCert.der(value)
    if isinstance(value, str):
        return ClientCert.pem(value)
    raise TypeError(
        "client_cert: expected DER bytes, a PEM str or a jwkskit.ClientCert "
        f"(ClientCert.nginx(...), ClientCert.xfcc(...)), got {type(value).__name__}"
    )


def _values(name: str, given: HeaderValues) -> List[bytes]:
    if given is None:
        return []
    items = [given] if isinstance(given, str) else list(given)
    return [_text(name, v) for v in items]


def _refused(what: str, rc: int) -> InvalidArgument:
    description = lib.jwks_result_description(rc).decode("utf-8", "replace")
    return InvalidArgument(201 if rc == 0 else rc, f"{what}: {description}")


_SCHEMES = ("bearer", "dpop", "either")


def check_token_scheme(scheme: Optional[str]) -> Optional[str]:
    """``scheme`` if it is ``None``, ``"bearer"``, ``"dpop"`` or ``"either"`` (any case);
    :class:`~jwkskit.InvalidArgument` otherwise."""
    if scheme is None:
        return None
    if not isinstance(scheme, str) or scheme.lower() not in _SCHEMES:
        raise InvalidArgument(201, f"token_scheme: {scheme!r} is not one of bearer, dpop, either")
    return scheme.lower()


class Request:
    """A request to verify with :meth:`Verifier.verify_request() <jwkskit.Verifier.verify_request>`:
    its method, the absolute URI the client addressed (behind a proxy, the external one), every
    ``Authorization`` and ``DPoP`` header value it carried (a str, or a list with one entry per
    header: two are refused by the verification, not merged), its client certificate and the
    route's schemes (``token_scheme``: ``"bearer"``, ``"dpop"`` or ``"either"``; None for the
    verifier's). Immutable once made, so it may be verified from several threads."""

    __slots__ = ("_ptr", "method", "uri", "token_scheme", "__weakref__")

    def __init__(
        self,
        method: str,
        uri: str,
        *,
        authorization: HeaderValues = None,
        dpop: HeaderValues = None,
        client_cert: Union[None, bytes, bytearray, memoryview, str, ClientCert] = None,
        token_scheme: Optional[str] = None,
    ) -> None:
        self._ptr: Optional[c_void_p] = None
        #: The method, e.g. ``"GET"``.
        self.method = method
        #: The absolute request URI.
        self.uri = uri
        #: The route's schemes, or None for the verifier's.
        self.token_scheme = check_token_scheme(token_scheme)
        raw_method = _text("method", method)
        raw_uri = _text("uri", uri)
        auth = _values("authorization", authorization)
        proofs = _values("dpop", dpop)
        cert = _client_cert(client_cert)
        out = c_void_p()
        rc = lib.jwks_request_new(raw_method, raw_uri, byref(out))
        if rc:
            raise _refused(f"request {method!r} {uri!r}", rc)
        self._ptr = out
        for value in auth:
            rc = lib.jwks_request_add_authorization(out, value)
            if rc:
                raise _refused("authorization", rc)
        # One call per header: the library refuses a request with two DPoP headers.
        for value in proofs:
            rc = lib.jwks_request_add_dpop(out, value)
            if rc:
                raise _refused("dpop", rc)
        if cert is not None:
            rc = cert._apply(out)
            if rc:
                raise _refused(f"client_cert ({cert.kind})", rc)
        if self.token_scheme is not None:
            rc = lib.jwks_request_set_token_scheme(out, self.token_scheme.encode("ascii"))
            if rc:
                raise _refused("token_scheme", rc)

    def __del__(self) -> None:
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr is not None:
            try:
                lib.jwks_request_free(ptr)
            except Exception:  # interpreter shutdown: the module may be half torn down
                pass

    def __repr__(self) -> str:
        return f"jwkskit.Request({self.method!r}, {self.uri!r})"


class Refusal:
    """How to answer a refused request (RFC 6750 §3, RFC 9449 §7.1, §9), as the library builds
    it: send :attr:`status`, one ``WWW-Authenticate`` header per entry of :attr:`challenges`
    and, when :attr:`dpop_nonce` is set, a ``DPoP-Nonce`` header; :meth:`headers` lists them."""

    __slots__ = ("status", "error", "description", "challenges", "dpop_nonce", "code")

    def __init__(
        self,
        status: int,
        error: Optional[str],
        description: str,
        challenges: List[str],
        dpop_nonce: Optional[str],
        code: int,
    ) -> None:
        #: The HTTP status: 400, 401, 403, 500 or 503.
        self.status = status
        #: The ``error`` code (``"invalid_token"``, ``"invalid_dpop_proof"``,
        #: ``"use_dpop_nonce"``, ``"invalid_request"``, ``"insufficient_scope"``), or None when
        #: the answer has none (no credentials, 500, 503).
        self.error = error
        #: The code's one-line description (the same in every language).
        self.description = description
        #: The value of each ``WWW-Authenticate`` header, in order (none for 500 and 503).
        self.challenges = challenges
        #: The value of the ``DPoP-Nonce`` header to send, or None.
        self.dpop_nonce = dpop_nonce
        #: The result code refused.
        self.code = code

    def headers(self) -> List[Tuple[str, str]]:
        """The answer's headers: every ``WWW-Authenticate`` challenge as its own header, then
        ``DPoP-Nonce`` if one is to be sent."""
        out = [("WWW-Authenticate", c) for c in self.challenges]
        if self.dpop_nonce is not None:
            out.append(("DPoP-Nonce", self.dpop_nonce))
        return out

    def __repr__(self) -> str:
        return f"Refusal(status={self.status}, error={self.error!r}, challenges={self.challenges!r})"


def refusal_from_c(ptr: c_void_p, code: int) -> Refusal:
    """Reads a ``jwks_refusal`` (which the caller frees)."""

    def text(raw: Optional[bytes]) -> Optional[str]:
        return None if raw is None else raw.decode("utf-8", "replace")

    n = lib.jwks_refusal_challenge_count(ptr)
    challenges = [text(lib.jwks_refusal_challenge(ptr, i)) or "" for i in range(n)]
    return Refusal(
        int(lib.jwks_refusal_status(ptr)),
        text(lib.jwks_refusal_error(ptr)),
        text(lib.jwks_refusal_description(ptr)) or "",
        challenges,
        text(lib.jwks_refusal_dpop_nonce(ptr)),
        code,
    )


# ----------------------------------------------------------------------------------------------
# Callbacks
#
# The library holds a callback context until the last options or verifier holding it is freed,
# and then calls the free function once. The Python objects a context needs (the callable and
# the ctypes function objects wrapping it, which must outlive every call) are kept here under
# an integer context, and dropped by that free function.

_held: Dict[int, Tuple[Any, ...]] = {}
_held_lock = threading.Lock()
_context_ids = itertools.count(1)


def _release(ctx: Optional[int]) -> None:
    try:
        with _held_lock:
            _held.pop(ctx or 0, None)
    except Exception:  # interpreter shutdown
        pass


# Module-level, so that it outlives every context it may be called for.
_release_fn = _ffi.FREE_FN(_release)


def _hold(*objects: Any) -> int:
    ctx = next(_context_ids)
    with _held_lock:
        _held[ctx] = objects
    return ctx


def _log_failure(what: str) -> None:
    try:
        _log.exception("jwkskit: the %s raised; the request is refused", what)
    except BaseException:  # logging itself failed: the verdict stands
        pass


def _verdict(answer: Any) -> int:
    # A bool is an int to Python: True would read as SEEN. Refused, like any other non-verdict.
    if isinstance(answer, bool) or not isinstance(answer, int) or answer not in (0, 1, 2):
        _log.error("jwkskit: the DPoP replay store answered %r, not a ReplayVerdict; refused", answer)
        return int(ReplayVerdict.UNAVAILABLE)
    return int(answer)


def replay_store_args(store: Any) -> Tuple[Any, Any, int]:
    """The ``check``, ``free_ctx`` and ``ctx`` arguments of
    ``jwks_options_set_dpop_replay_store`` for a Python replay store: a callable
    ``check(key, expires_at, now)``, or an object with such a ``check`` method."""
    check = store if callable(store) else getattr(store, "check", None)
    if not callable(check):
        raise TypeError(
            "dpop_replay_store: expected a callable check(key, expires_at, now) -> ReplayVerdict "
            f"(or an object with such a check method), got {type(store).__name__}"
        )

    def call(_ctx: Any, key: Optional[bytes], expires_at: int, now: int) -> int:
        # Every exception becomes UNAVAILABLE: ctypes would otherwise print it and answer 0,
        # which is FRESH, i.e. accept the proof unrecorded.
        try:
            return _verdict(check((key or b"").decode("ascii"), expires_at, now))
        except BaseException:
            _log_failure("DPoP replay store")
            return int(ReplayVerdict.UNAVAILABLE)

    fn = _ffi.REPLAY_CHECK_FN(call)
    return fn, _release_fn, _hold(store, fn)


def nonce_source_args(source: Any) -> Tuple[Any, Any, Any, int]:
    """The ``issue``, ``check``, ``free_ctx`` and ``ctx`` arguments of
    ``jwks_options_set_dpop_nonce_source`` for a :class:`NonceSource`."""
    issue = getattr(source, "issue", None)
    check = getattr(source, "check", None)
    if not callable(issue) or not callable(check):
        raise TypeError(
            "dpop_nonce_source: expected an object with issue(now) -> str and "
            f"check(nonce, now) -> bool (a jwkskit.NonceSource), got {type(source).__name__}"
        )

    def call_issue(_ctx: Any, now: int, buf: Optional[int], cap: int) -> int:
        try:
            nonce = issue(now)
            data = nonce.encode("ascii") if isinstance(nonce, str) else b""
            if not data or len(data) > cap or buf is None:
                _log.error("jwkskit: the DPoP nonce source issued %r, not a nonce of 1 to %d ASCII characters", nonce, cap)
                return 0
            ctypes.memmove(buf, data, len(data))
            return len(data)
        except BaseException:
            _log_failure("DPoP nonce source (issue)")
            return 0

    def call_check(_ctx: Any, nonce: Optional[bytes], now: int) -> bool:
        try:
            return check((nonce or b"").decode("ascii", "replace"), now) is True
        except BaseException:
            _log_failure("DPoP nonce source (check)")
            return False

    issue_fn = _ffi.NONCE_ISSUE_FN(call_issue)
    check_fn = _ffi.NONCE_CHECK_FN(call_check)
    return issue_fn, check_fn, _release_fn, _hold(source, issue_fn, check_fn)


def scope_text(scope: Union[None, str, Iterable[str]]) -> Optional[bytes]:
    """The scopes a refusal names, space-separated, as the library takes them."""
    if scope is None:
        return None
    text = scope if isinstance(scope, str) else " ".join(scope)
    return _text("scope", text) if text else None
