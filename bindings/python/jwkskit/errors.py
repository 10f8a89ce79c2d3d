"""Exceptions: one class per stable result code of libjwks, grouped by category.

::

    JwksError                      every failure; .code, .name, .message, .category
    ├── TokenRejected              codes 1-99: the token is bad (answer HTTP 401)
    │   ├── MalformedToken         1      ├── ExpiredToken      9
    │   ├── TokenTooLarge          2      ├── NotYetValid       10
    │   ├── AlgorithmNotAllowed    3      ├── IssuedInFuture    11
    │   ├── CritUnsupported        4      ├── TokenTooOld       12
    │   ├── UnknownKey             5      ├── WrongIssuer       13
    │   ├── AmbiguousKey           6      ├── WrongAudience     14
    │   ├── KeyMismatch            7      ├── MissingClaim      15
    │   └── BadSignature           8      ├── InvalidClaim      16
    │                                     └── WrongType         17
    ├── KeysUnavailable            codes 100-199: no usable keys (answer 503, retry later)
    │   ├── KeyFetchFailed         100
    │   └── KeySetInvalid          101
    ├── Misuse                     codes 200-299 and unknown codes: a bug in the caller
    │   ├── NullArgument           200
    │   ├── InvalidArgument        201 (also a ValueError)
    │   │   └── VerifierClosed     the verifier was used after close()
    │   ├── InsecureURL            202
    │   └── InternalError          203
    └── LookupFailed               codes 300-399: a claim lookup found nothing
        ├── ClaimNotFound          300
        └── ClaimTypeMismatch      301
"""

from __future__ import annotations

from typing import Dict, Type

__all__ = [
    "Category",
    "JwksError",
    "TokenRejected",
    "MalformedToken",
    "TokenTooLarge",
    "AlgorithmNotAllowed",
    "CritUnsupported",
    "UnknownKey",
    "AmbiguousKey",
    "KeyMismatch",
    "BadSignature",
    "ExpiredToken",
    "NotYetValid",
    "IssuedInFuture",
    "TokenTooOld",
    "WrongIssuer",
    "WrongAudience",
    "MissingClaim",
    "InvalidClaim",
    "WrongType",
    "KeysUnavailable",
    "KeyFetchFailed",
    "KeySetInvalid",
    "Misuse",
    "NullArgument",
    "InvalidArgument",
    "VerifierClosed",
    "InsecureURL",
    "InternalError",
    "LookupFailed",
    "ClaimNotFound",
    "ClaimTypeMismatch",
    "CODE_NAMES",
    "error_class",
]


class Category:
    """The categories of ``jwks_result_category`` (``JWKS_CATEGORY_*``)."""

    OK = 0
    TOKEN_REJECTED = 1
    KEYS_UNAVAILABLE = 2
    MISUSE = 3
    LOOKUP = 4


#: The stable name of every result code (``jwks_result_name``), kept here so that raising an
#: error costs no extra foreign call; a test checks that both agree.
CODE_NAMES: Dict[int, str] = {
    0: "OK",
    1: "MALFORMED",
    2: "TOO_LARGE",
    3: "ALGORITHM_NOT_ALLOWED",
    4: "CRIT_UNSUPPORTED",
    5: "UNKNOWN_KEY",
    6: "AMBIGUOUS_KEY",
    7: "KEY_MISMATCH",
    8: "BAD_SIGNATURE",
    9: "EXPIRED",
    10: "NOT_YET_VALID",
    11: "ISSUED_IN_FUTURE",
    12: "TOO_OLD",
    13: "WRONG_ISSUER",
    14: "WRONG_AUDIENCE",
    15: "MISSING_CLAIM",
    16: "INVALID_CLAIM",
    17: "WRONG_TYPE",
    100: "KEYS_UNAVAILABLE",
    101: "KEY_SET_INVALID",
    200: "NULL_ARGUMENT",
    201: "INVALID_ARGUMENT",
    202: "INSECURE_URL",
    203: "INTERNAL",
    300: "NOT_FOUND",
    301: "TYPE_MISMATCH",
}


def category_of(code: int) -> int:
    """The category of a result code, as ``jwks_result_category`` computes it."""
    if code == 0:
        return Category.OK
    if code not in CODE_NAMES:
        return Category.MISUSE
    if code < 100:
        return Category.TOKEN_REJECTED
    if code < 200:
        return Category.KEYS_UNAVAILABLE
    if 300 <= code < 400:
        return Category.LOOKUP
    return Category.MISUSE


class JwksError(Exception):
    """A failure reported by libjwks.

    Attributes:
        code: the stable result code (``JWKS_RESULT_*`` of ``jwks.h``).
        name: its stable name, e.g. ``"EXPIRED"`` (``"UNKNOWN"`` for a code this package does
            not know).
        message: the library's precise message (which never contains key material).
        category: one of :class:`Category`.
    """

    code: int
    name: str
    message: str
    category: int

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.name = CODE_NAMES.get(code, "UNKNOWN")
        self.message = message
        self.category = category_of(code)
        super().__init__(code, message)

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.code, self.message))


class TokenRejected(JwksError):
    """The token is bad: answer HTTP 401 (codes 1-99)."""


class MalformedToken(TokenRejected):
    """The token is not a well-formed compact JWS/JWT (``MALFORMED``, 1)."""


class TokenTooLarge(TokenRejected):
    """A size or nesting limit was exceeded (``TOO_LARGE``, 2)."""


class AlgorithmNotAllowed(TokenRejected):
    """The algorithm is ``none``, unknown, or not allowed (``ALGORITHM_NOT_ALLOWED``, 3)."""


class CritUnsupported(TokenRejected):
    """The header requires an unsupported extension (``CRIT_UNSUPPORTED``, 4)."""


class UnknownKey(TokenRejected):
    """No key matches the token's ``kid`` (``UNKNOWN_KEY``, 5)."""


class AmbiguousKey(TokenRejected):
    """The token's ``kid`` names more than one key (``AMBIGUOUS_KEY``, 6)."""


class KeyMismatch(TokenRejected):
    """The key cannot verify this algorithm (``KEY_MISMATCH``, 7)."""


class BadSignature(TokenRejected):
    """The signature does not verify (``BAD_SIGNATURE``, 8)."""


class ExpiredToken(TokenRejected):
    """``exp`` is in the past (``EXPIRED``, 9)."""


class NotYetValid(TokenRejected):
    """``nbf`` is in the future (``NOT_YET_VALID``, 10)."""


class IssuedInFuture(TokenRejected):
    """``iat`` is in the future (``ISSUED_IN_FUTURE``, 11)."""


class TokenTooOld(TokenRejected):
    """The token is older than the maximum age (``TOO_OLD``, 12)."""


class WrongIssuer(TokenRejected):
    """``iss`` is missing or not allowed (``WRONG_ISSUER``, 13)."""


class WrongAudience(TokenRejected):
    """``aud`` is missing or not allowed (``WRONG_AUDIENCE``, 14)."""


class MissingClaim(TokenRejected):
    """A required claim is missing (``MISSING_CLAIM``, 15)."""


class InvalidClaim(TokenRejected):
    """A claim has an invalid type or value, or the payload is not a JSON object
    (``INVALID_CLAIM``, 16)."""


class WrongType(TokenRejected):
    """The header ``typ`` is not the expected one (``WRONG_TYPE``, 17)."""


class KeysUnavailable(JwksError):
    """No usable keys: answer HTTP 503 and retry later (codes 100-199)."""


class KeyFetchFailed(KeysUnavailable):
    """The keys could not be obtained and none usable are cached (``KEYS_UNAVAILABLE``, 100)."""


class KeySetInvalid(KeysUnavailable):
    """The key set is malformed, too large, or has no usable key (``KEY_SET_INVALID``, 101)."""


class Misuse(JwksError):
    """The API was misused, a bug in the caller (codes 200-299, and unknown codes)."""


class NullArgument(Misuse):
    """A required argument was missing (``NULL_ARGUMENT``, 200)."""


class InvalidArgument(Misuse, ValueError):
    """An argument or option is invalid (``INVALID_ARGUMENT``, 201)."""


class VerifierClosed(InvalidArgument):
    """The verifier was used after :meth:`~jwkskit.Verifier.close` (code ``INVALID_ARGUMENT``)."""

    def __init__(self, code: int = 201, message: str = "the verifier is closed") -> None:
        super().__init__(code, message)


class InsecureURL(Misuse):
    """The URL is not https and plain http was not allowed (``INSECURE_URL``, 202)."""


class InternalError(Misuse):
    """An internal error was caught at the library boundary, a bug (``INTERNAL``, 203)."""


class LookupFailed(JwksError):
    """A claim lookup on a verified token found nothing (codes 300-399)."""


class ClaimNotFound(LookupFailed):
    """The claim is not present (``NOT_FOUND``, 300)."""


class ClaimTypeMismatch(LookupFailed):
    """The claim has a different JSON type (``TYPE_MISMATCH``, 301)."""


_BY_CODE: Dict[int, Type[JwksError]] = {
    1: MalformedToken,
    2: TokenTooLarge,
    3: AlgorithmNotAllowed,
    4: CritUnsupported,
    5: UnknownKey,
    6: AmbiguousKey,
    7: KeyMismatch,
    8: BadSignature,
    9: ExpiredToken,
    10: NotYetValid,
    11: IssuedInFuture,
    12: TokenTooOld,
    13: WrongIssuer,
    14: WrongAudience,
    15: MissingClaim,
    16: InvalidClaim,
    17: WrongType,
    100: KeyFetchFailed,
    101: KeySetInvalid,
    200: NullArgument,
    201: InvalidArgument,
    202: InsecureURL,
    203: InternalError,
    300: ClaimNotFound,
    301: ClaimTypeMismatch,
}

_BY_CATEGORY: Dict[int, Type[JwksError]] = {
    Category.TOKEN_REJECTED: TokenRejected,
    Category.KEYS_UNAVAILABLE: KeysUnavailable,
    Category.MISUSE: Misuse,
    Category.LOOKUP: LookupFailed,
}


def error_class(code: int) -> Type[JwksError]:
    """The exception class raised for a result code (its category's class for an unknown code)."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    return _BY_CATEGORY.get(category_of(code), Misuse)
