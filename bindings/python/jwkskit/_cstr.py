"""Python strings as the C library takes them: UTF-8 bytes without NUL."""

from __future__ import annotations

from .errors import InvalidArgument


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
