"""Keyword options -> a C ``jwks_options`` builder.

The options, their C setters, units, defaults and ranges are the core's catalogue
(``_generated.py``); this module only converts Python values by unit (numbers and
``timedelta`` to whole seconds or milliseconds, strings to UTF-8) and raises the library's
refusals. Ranges are not checked here: the library checks them, the same for every language.
"""

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
    Union,
)

from . import _ffi
from ._cstr import _text
from ._generated import OPTIONS, CatalogueOptions, Duration, Headers, Option, Strings
from .errors import InvalidArgument, description_of, error_class

lib = _ffi.lib

__all__ = ["Duration", "Headers", "Strings", "FromIssuersOptions", "VerifierOptions", "COptions", "options_of"]

_U32_MAX = 2**32 - 1


class FromIssuersOptions(CatalogueOptions, total=False):
    """The keyword options of :meth:`Verifier.from_issuers() <jwkskit.Verifier.from_issuers>`:
    every option of :class:`VerifierOptions` but ``issuers``, which is its argument there."""

    ca_file: Optional[Union[str, "os.PathLike[str]"]]
    #: A replay store shared by a fleet (see :data:`jwkskit.ReplayStore`): a callable
    #: ``check(key, expires_at, now) -> ReplayVerdict``, or an object with such a ``check``.
    dpop_replay_store: Optional[Any]
    #: A server nonce source of the caller's (see :class:`jwkskit.NonceSource`).
    dpop_nonce_source: Optional[Any]


class VerifierOptions(FromIssuersOptions, total=False):
    """The keyword options of the :class:`~jwkskit.Verifier` constructors, declared once (the
    class docstring of :class:`~jwkskit.Verifier` describes each). The constructors take them
    as ``**options: Unpack[VerifierOptions]`` (PEP 692), so type checkers catch a misspelt or
    mistyped option; at run time an unknown one raises ``TypeError``. None means "not given"."""

    issuers: Optional[Strings]


_BY_NAME: Dict[str, Option] = {option.name: option for option in OPTIONS}

#: The options a verifier accepts, in the order of the documentation.
OPTION_NAMES: Tuple[str, ...] = (
    *(option.name for option in OPTIONS),
    "ca_file",
    "dpop_replay_store",
    "dpop_nonce_source",
)


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


def _check(option: Option, shown: Any, rc: int) -> None:
    if rc:
        if option.hidden:
            shown = "<hidden>"
        message = f"option {option.name}={shown!r}: {description_of(rc)}"
        if option.range:
            message += f" (range: {option.range})"
        raise error_class(rc)(rc, message)


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < 0 or value > _U32_MAX:
        # ctypes would pass it modulo 2**32: a huge count would become a small one.
        raise InvalidArgument(201, f"{name}: {value} is not a count the C API can take (0 to {_U32_MAX})")
    return value


def _pem(name: str, value: Union[str, bytes]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name}: expected str or bytes, got {type(value).__name__}")


def _c_args(option: Option, value: Any) -> Iterator[Tuple[Any, Tuple[Any, ...]]]:
    """The C arguments of each setter call for ``value``, with what a message shows of it."""
    name, unit = option.name, option.unit
    if unit == "seconds":
        yield value, (_whole(name, value, 1, "seconds"),)
    elif unit == "milliseconds":
        yield value, (_whole(name, value, 0.001, "milliseconds"),)
    elif unit == "bytes":
        yield value, (_size(name, value),)
    elif unit == "count":
        yield value, (_count(name, value),)
    elif unit == "flag":
        yield value, (_flag(name, value),)
    elif unit == "text":
        yield value, (_text(name, value),)
    elif unit == "text_list":
        for item in _strings(name, value):
            yield item.decode(), (item,)
    elif unit == "seconds_pair":
        pair: Tuple[Duration, Duration] = tuple(value)
        if len(pair) != 2:
            raise TypeError(f"{name}: expected a (minimum, maximum) pair")
        yield pair, (_whole(name, pair[0], 1, "seconds"), _whole(name, pair[1], 1, "seconds"))
    elif unit == "text_pairs":
        for key, header in _items(value):
            yield key, (_text(name, key), _text(name, header))
    elif unit == "pem":
        pem = _pem(name, value)
        yield value, (pem, len(pem))
    else:  # pragma: no cover - a unit this package does not know (a newer _generated.py)
        raise TypeError(f"{name}: unsupported option unit {unit!r}")


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
        given = dict(o)
        if extra_issuers:
            issuers = given.get("issuers")
            given["issuers"] = [*extra_issuers, *([] if issuers is None else _listed(issuers))]
        for alg in _listed(given.get("algorithms") or ()):
            if isinstance(alg, str) and alg.lower() == "none":
                raise InvalidArgument(
                    201,
                    f"option algorithms={alg!r}: unsigned tokens (alg \"none\") are never "
                    'accepted; list the signature algorithms your issuer uses, e.g. "RS256"',
                )
        if given.get("ca_file") is not None:
            # A file of certificates is its PEM text, added to ca_pem's.
            with open(os.fspath(given["ca_file"]), "rb") as f:
                from_file = f.read()
            pem = given.get("ca_pem")
            given["ca_pem"] = from_file if pem is None else _pem("ca_pem", pem) + b"\n" + from_file
        for option in OPTIONS:
            value = given.get(option.name)
            if value is None:
                continue
            setter: Callable[..., int] = getattr(lib, option.setter)
            for shown, args in _c_args(option, value):
                _check(option, shown, setter(self.ptr, *args))
        self._apply_callbacks(given)

    def _apply_callbacks(self, given: Mapping[str, Any]) -> None:
        """The options that are Python objects the library calls back (a replay store, a nonce
        source): their contexts are held until the library releases them (see _request)."""
        # Imported here, not with this module: imported with it, the test suite's interpreter
        # crashed at exit, in the garbage collection while a verifier holding a Python replay
        # store was freed (the order in which modules are torn down changed).
        from . import _request

        store = given.get("dpop_replay_store")
        if store is not None:
            check, free, ctx = _request.replay_store_args(store)
            rc = lib.jwks_options_set_dpop_replay_store(self.ptr, check, free, ctx)
            if rc:
                free(ctx)
                raise error_class(rc)(rc, f"option dpop_replay_store: {description_of(rc)}")
        source = given.get("dpop_nonce_source")
        if source is not None:
            issue, check_nonce, free, ctx = _request.nonce_source_args(source)
            rc = lib.jwks_options_set_dpop_nonce_source(self.ptr, issue, check_nonce, free, ctx)
            if rc:
                free(ctx)
                raise error_class(rc)(rc, f"option dpop_nonce_source: {description_of(rc)}")


def _listed(value: Any) -> List[Any]:
    return [value] if isinstance(value, str) else list(value)


def _items(headers: Any) -> Iterator[Tuple[str, str]]:
    if isinstance(headers, Mapping):
        return iter(headers.items())
    return iter(headers)

