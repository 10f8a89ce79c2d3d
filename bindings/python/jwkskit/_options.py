"""Keyword options -> a C ``jwks_options`` builder."""

from __future__ import annotations

import ctypes
import datetime
import difflib
import math
import os
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    TypedDict,
    Union,
)

from . import _ffi
from .errors import InvalidArgument, error_class

lib = _ffi.lib

#: A duration: seconds as a number, or a ``datetime.timedelta``.
Duration = Union[int, float, datetime.timedelta]

#: One string or several (``"RS256"`` or ``["RS256", "ES256"]``).
Strings = Union[str, Iterable[str]]
#: HTTP headers: a mapping or (name, value) pairs.
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

_U32_MAX = 2**32 - 1


class FromIssuersOptions(TypedDict, total=False):
    """The keyword options of :meth:`Verifier.from_issuers() <jwkskit.Verifier.from_issuers>`:
    every option of :class:`VerifierOptions` but ``issuers``, which is its argument there."""

    audiences: Optional[Strings]
    algorithms: Optional[Strings]
    leeway: Optional[Duration]
    require_exp: Optional[bool]
    typ: Optional[str]
    required_claims: Optional[Strings]
    max_token_age: Optional[Duration]
    max_token_size: Optional[int]
    allow_http: Optional[bool]
    cache_ttl: Optional[Duration]
    cache_ttl_bounds: Optional[Tuple[Duration, Duration]]
    refresh_cooldown: Optional[Duration]
    max_stale: Optional[Duration]
    http_timeout: Optional[Duration]
    connect_timeout: Optional[Duration]
    max_response_size: Optional[int]
    headers: Optional[Headers]
    ca_pem: Optional[Union[str, bytes]]
    ca_file: Optional[Union[str, "os.PathLike[str]"]]
    proxy: Optional[str]
    token_cache: Optional[int]
    token_cache_bytes: Optional[int]
    token_cache_max_reuse: Optional[Duration]


class VerifierOptions(FromIssuersOptions, total=False):
    """The keyword options of the :class:`~jwkskit.Verifier` constructors, declared once (the
    class docstring of :class:`~jwkskit.Verifier` describes each). The constructors take them
    as ``**options: Unpack[VerifierOptions]`` (PEP 692), so type checkers catch a misspelt or
    mistyped option; at run time an unknown one raises ``TypeError``. None means "not given"."""

    issuers: Optional[Strings]


#: The options a verifier accepts, in the order of the documentation.
OPTION_NAMES: Tuple[str, ...] = ("issuers", *FromIssuersOptions.__annotations__)


def options_of(function: str, given: Mapping[str, Any], names: Iterable[str] = OPTION_NAMES) -> Dict[str, Any]:
    """The options given to a constructor (its ``**options``) that are not None. A name that is
    not among ``names`` raises ``TypeError`` as Python does for an unexpected keyword argument,
    with the option it most likely means."""
    allowed = tuple(names)
    for name in given:
        if name not in allowed:
            message = f"Verifier.{function}() got an unexpected keyword argument {name!r}"
            close = difflib.get_close_matches(name, allowed, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            raise TypeError(message)
    return {n: given[n] for n in allowed if given.get(n) is not None}


def _strings(name: str, value: Union[str, Iterable[str]]) -> List[bytes]:
    items = [value] if isinstance(value, str) else list(value)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name}: expected str, got {type(item).__name__}")
        out.append(_text(name, item))
    return out


def _text(name: str, value: str) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected str, got {type(value).__name__}")
    if "\0" in value:
        # A C string ends at the first NUL: refuse it rather than silently cut the value.
        raise InvalidArgument(201, f"{name}: {value!r} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgument(201, f"{name}: not valid UTF-8: {e}") from None


def _whole(name: str, value: Duration, unit: float, unit_name: str) -> int:
    """A duration in whole ``unit``s (``unit`` in seconds); fractions are refused, not rounded."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected a number of seconds or a timedelta, got bool")
    if isinstance(value, datetime.timedelta):
        seconds: float = value.total_seconds()
    elif isinstance(value, (int, float)):
        seconds = value
    else:
        raise TypeError(f"{name}: expected a number of seconds or a timedelta, got {type(value).__name__}")
    count = seconds / unit
    if isinstance(value, int) and unit == 1:
        count_int = value
    else:
        if not math.isfinite(count) or abs(count - round(count)) > 1e-6:
            raise InvalidArgument(201, f"{name}: {value!r} is not a whole number of {unit_name}")
        count_int = int(round(count))
    if count_int < 0:
        raise InvalidArgument(201, f"{name}: negative duration {value!r}")
    if count_int > _U32_MAX:
        raise InvalidArgument(201, f"{name}: {value!r} is too large")
    return count_int


_SIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1


def _size(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int number of bytes, got {type(value).__name__}")
    if value < 0:
        raise InvalidArgument(201, f"{name}: negative size {value}")
    if value > _SIZE_MAX:
        # ctypes would pass it modulo 2**64: a huge limit would become a small one.
        raise InvalidArgument(201, f"{name}: {value} is larger than any size_t")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected bool, got {type(value).__name__}")
    return value


def _check(name: str, shown: Any, rc: int) -> None:
    if rc:
        description = lib.jwks_result_description(rc).decode("utf-8", "replace")
        raise error_class(rc)(rc, f"option {name}={shown!r}: {description}")


class COptions:
    """Owns a C ``jwks_options`` built from keyword options; use as a context manager."""

    def __init__(self, options: Mapping[str, Any], extra_issuers: Iterable[str] = ()) -> None:
        unknown = sorted(set(options) - set(OPTION_NAMES))
        if unknown:
            raise TypeError(
                f"unknown option(s) {', '.join(unknown)}; the options are: {', '.join(OPTION_NAMES)}"
            )
        self.ptr = lib.jwks_options_new()
        if not self.ptr:
            raise MemoryError("jwks_options_new returned NULL")
        try:
            self._apply(options, list(extra_issuers))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "COptions":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        ptr, self.ptr = self.ptr, None
        if ptr:
            lib.jwks_options_free(ptr)

    def _apply(self, o: Mapping[str, Any], extra_issuers: List[str]) -> None:
        p = self.ptr

        def each(name: str, setter: Callable[[Any, bytes], int]) -> None:
            if o.get(name) is None:
                return
            for value in _strings(name, o[name]):
                _check(name, value.decode(), setter(p, value))

        def seconds(name: str, setter: Callable[[Any, int], int]) -> None:
            if o.get(name) is not None:
                _check(name, o[name], setter(p, _whole(name, o[name], 1, "seconds")))

        def millis(name: str, setter: Callable[[Any, int], int]) -> None:
            if o.get(name) is not None:
                _check(name, o[name], setter(p, _whole(name, o[name], 0.001, "milliseconds")))

        for issuer in extra_issuers:
            _check("issuers", issuer, lib.jwks_options_add_issuer(p, _text("issuers", issuer)))
        each("issuers", lib.jwks_options_add_issuer)
        each("audiences", lib.jwks_options_add_audience)
        if o.get("algorithms") is not None:
            for alg in _strings("algorithms", o["algorithms"]):
                if alg.lower() == b"none":
                    raise InvalidArgument(
                        201,
                        f"option algorithms={alg.decode()!r}: unsigned tokens (alg \"none\") are "
                        "never accepted; list the signature algorithms your issuer uses, "
                        'e.g. "RS256"',
                    )
        each("algorithms", lib.jwks_options_add_algorithm)
        each("required_claims", lib.jwks_options_add_required_claim)
        seconds("leeway", lib.jwks_options_set_leeway)
        if o.get("require_exp") is not None:
            flag = _flag("require_exp", o["require_exp"])
            _check("require_exp", flag, lib.jwks_options_set_require_exp(p, flag))
        if o.get("typ") is not None:
            _check("typ", o["typ"], lib.jwks_options_set_typ(p, _text("typ", o["typ"])))
        seconds("max_token_age", lib.jwks_options_set_max_token_age)
        if o.get("max_token_size") is not None:
            size = _size("max_token_size", o["max_token_size"])
            _check("max_token_size", size, lib.jwks_options_set_max_token_size(p, size))

        if o.get("allow_http") is not None:
            flag = _flag("allow_http", o["allow_http"])
            _check("allow_http", flag, lib.jwks_options_set_allow_http(p, flag))
        seconds("cache_ttl", lib.jwks_options_set_cache_ttl)
        if o.get("cache_ttl_bounds") is not None:
            bounds: Tuple[Duration, Duration] = tuple(o["cache_ttl_bounds"])
            if len(bounds) != 2:
                raise TypeError("cache_ttl_bounds: expected a (minimum, maximum) pair")
            low = _whole("cache_ttl_bounds", bounds[0], 1, "seconds")
            high = _whole("cache_ttl_bounds", bounds[1], 1, "seconds")
            _check("cache_ttl_bounds", bounds, lib.jwks_options_set_cache_ttl_bounds(p, low, high))
        seconds("refresh_cooldown", lib.jwks_options_set_refresh_cooldown)
        seconds("max_stale", lib.jwks_options_set_max_stale)
        millis("http_timeout", lib.jwks_options_set_http_timeout_ms)
        millis("connect_timeout", lib.jwks_options_set_connect_timeout_ms)
        if o.get("max_response_size") is not None:
            size = _size("max_response_size", o["max_response_size"])
            _check("max_response_size", size, lib.jwks_options_set_max_response_size(p, size))
        if o.get("headers") is not None:
            for name, value in _items(o["headers"]):
                rc = lib.jwks_options_add_http_header(
                    p, _text("headers", name), _text("headers", value)
                )
                _check("headers", name, rc)
        pems = []
        if o.get("ca_pem") is not None:
            pem = o["ca_pem"]
            pems.append(pem.encode("utf-8") if isinstance(pem, str) else bytes(pem))
        if o.get("ca_file") is not None:
            with open(os.fspath(o["ca_file"]), "rb") as f:
                pems.append(f.read())
        if pems:
            pem_bytes = b"\n".join(pems)
            rc = lib.jwks_options_set_ca_pem(p, pem_bytes, len(pem_bytes))
            _check("ca_pem" if o.get("ca_pem") is not None else "ca_file", "<PEM>", rc)
        if o.get("proxy") is not None:
            _check("proxy", o["proxy"], lib.jwks_options_set_proxy(p, _text("proxy", o["proxy"])))

        # The verified-token cache.
        if o.get("token_cache") is not None:
            entries = _size("token_cache", o["token_cache"])
            if entries > 0xFFFFFFFF:
                raise InvalidArgument(201, f"token_cache: {entries} is more than 2**32 - 1 entries")
            _check("token_cache", entries, lib.jwks_options_set_token_cache(p, entries))
        if o.get("token_cache_bytes") is not None:
            size = _size("token_cache_bytes", o["token_cache_bytes"])
            _check("token_cache_bytes", size, lib.jwks_options_set_token_cache_bytes(p, size))
        seconds("token_cache_max_reuse", lib.jwks_options_set_token_cache_max_reuse)


def _items(headers: Any) -> Iterator[Tuple[str, str]]:
    if isinstance(headers, Mapping):
        return iter(headers.items())
    return iter(headers)

