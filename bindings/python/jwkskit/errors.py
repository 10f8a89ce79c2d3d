# BEGIN GENERATED: module docstring
"""Exceptions: one class per stable result code of libjwks, grouped by category.

::

    JwksError                      every failure; .code, .name, .message, .description,
    │                              .category
    ├── TokenRejected              codes 1-99: token rejected (HTTP 401)
    │   ├── MalformedToken         1
    │   ├── TokenTooLarge          2
    │   ├── AlgorithmNotAllowed    3
    │   ├── CritUnsupported        4
    │   ├── UnknownKey             5
    │   ├── AmbiguousKey           6
    │   ├── KeyMismatch            7
    │   ├── BadSignature           8
    │   ├── ExpiredToken           9
    │   ├── NotYetValid            10
    │   ├── IssuedInFuture         11
    │   ├── TokenTooOld            12
    │   ├── WrongIssuer            13
    │   ├── WrongAudience          14
    │   ├── MissingClaim           15
    │   ├── InvalidClaim           16
    │   ├── WrongType              17
    │   ├── NoCredentials          18
    │   ├── InvalidRequest         19
    │   ├── SchemeNotAllowed       20
    │   ├── InsufficientScope      21
    │   ├── InvalidDpopProof       22
    │   ├── DpopProofMismatch      23
    │   ├── DpopProofStale         24
    │   ├── DpopProofReplayed      25
    │   ├── UseDpopNonce           26
    │   ├── BindingMismatch        27
    │   ├── TokenNotBound          28
    │   └── BoundTokenAsBearer     29
    ├── KeysUnavailable            codes 100-199: keys unavailable (HTTP 503)
    │   ├── KeyFetchFailed         100
    │   ├── KeySetInvalid          101
    │   └── ReplayStoreUnavailable 102
    ├── Misuse                     codes 200-299 and unknown: misuse (HTTP 500)
    │   ├── NullArgument           200
    │   ├── InvalidArgument        201 (also a ValueError)
    │   ├── InsecureURL            202
    │   └── InternalError          203
    └── LookupFailed               codes 300-399: lookup
        ├── ClaimNotFound          300
        └── ClaimTypeMismatch      301

:class:`VerifierClosed`, a subclass of :class:`InvalidArgument`, is raised when a verifier
is used after ``close()``.
"""
# END GENERATED: module docstring

from __future__ import annotations

from typing import Dict, Type

from ._generated import CODES, UNKNOWN_DESCRIPTION, UNKNOWN_NAME, Category

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
    "NoCredentials",
    "InvalidRequest",
    "SchemeNotAllowed",
    "InsufficientScope",
    "InvalidDpopProof",
    "DpopProofMismatch",
    "DpopProofStale",
    "DpopProofReplayed",
    "UseDpopNonce",
    "BindingMismatch",
    "TokenNotBound",
    "BoundTokenAsBearer",
    "KeysUnavailable",
    "KeyFetchFailed",
    "KeySetInvalid",
    "ReplayStoreUnavailable",
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


#: The stable name of every result code (``jwks_result_name``), kept here so that raising an
#: error costs no extra foreign call; a test checks that both agree.
CODE_NAMES: Dict[int, str] = {code: entry[0] for code, entry in CODES.items()}

_UNKNOWN = (UNKNOWN_NAME, Category.MISUSE, UNKNOWN_DESCRIPTION)


def category_of(code: int) -> int:
    """The category of a result code, as ``jwks_result_category`` computes it."""
    return CODES.get(code, _UNKNOWN)[1]


def description_of(code: int) -> str:
    """The one-line description of a result code (``jwks_result_description``): the same text
    in every language, which the integrations send as ``error_description``."""
    return CODES.get(code, _UNKNOWN)[2]


class JwksError(Exception):
    """A failure reported by libjwks.

    Attributes:
        code: the stable result code (``JWKS_RESULT_*`` of ``jwks.h``).
        name: its stable name, e.g. ``"EXPIRED"`` (``"UNKNOWN"`` for a code this package does
            not know).
        message: the library's precise message (which never contains key material).
        description: the code's one-line description, the same in every language (no key
            id, URL or claim value: fit for an ``error_description`` sent to a client).
        category: one of :class:`Category`.
    """

    code: int
    name: str
    message: str
    description: str
    category: int

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.name, self.category, self.description = CODES.get(code, _UNKNOWN)
        self.message = message
        super().__init__(code, message)

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.message else self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.code, self.message))


# BEGIN GENERATED: exception classes (make generate, from src/error.rs)
class TokenRejected(JwksError):
    """The token is bad: answer HTTP 401 (codes 1-99)."""


class MalformedToken(TokenRejected):
    """The token is not a well-formed compact JWS/JWT (segments, base64url, JSON, UTF-8)
    (``MALFORMED``, 1)."""


class TokenTooLarge(TokenRejected):
    """A size or nesting limit was exceeded (``TOO_LARGE``, 2)."""


class AlgorithmNotAllowed(TokenRejected):
    """The header's ``alg`` is ``none``, unknown, or not allowed by the policy or the key
    (``ALGORITHM_NOT_ALLOWED``, 3)."""


class CritUnsupported(TokenRejected):
    """The header lists a ``crit`` extension this library does not implement, or ``crit`` is invalid
    (``CRIT_UNSUPPORTED``, 4)."""


class UnknownKey(TokenRejected):
    """No key in the set matches the token's ``kid`` (or, without ``kid``, its ``alg``)
    (``UNKNOWN_KEY``, 5)."""


class AmbiguousKey(TokenRejected):
    """The token's ``kid`` names more than one key of the set, so no key is chosen
    (``AMBIGUOUS_KEY``, 6)."""


class KeyMismatch(TokenRejected):
    """The key named by ``kid`` cannot verify this ``alg`` (type, curve, ``alg``, ``use``,
    ``key_ops``) (``KEY_MISMATCH``, 7)."""


class BadSignature(TokenRejected):
    """The signature does not verify (``BAD_SIGNATURE``, 8)."""


class ExpiredToken(TokenRejected):
    """``exp`` is in the past (beyond the leeway) (``EXPIRED``, 9)."""


class NotYetValid(TokenRejected):
    """``nbf`` is in the future (beyond the leeway) (``NOT_YET_VALID``, 10)."""


class IssuedInFuture(TokenRejected):
    """``iat`` is in the future (beyond the leeway) (``ISSUED_IN_FUTURE``, 11)."""


class TokenTooOld(TokenRejected):
    """``iat`` is older than the policy's maximum token age (``TOO_OLD``, 12)."""


class WrongIssuer(TokenRejected):
    """``iss`` is missing or not on the allowlist (``WRONG_ISSUER``, 13)."""


class WrongAudience(TokenRejected):
    """``aud`` is missing or names none of the allowed audiences (``WRONG_AUDIENCE``, 14)."""


class MissingClaim(TokenRejected):
    """A required claim is absent (``MISSING_CLAIM``, 15)."""


class InvalidClaim(TokenRejected):
    """A claim has the wrong JSON type, or the payload is not a JSON object (``INVALID_CLAIM``, 16)."""


class WrongType(TokenRejected):
    """The header's ``typ`` is not the expected one (``WRONG_TYPE``, 17)."""


class NoCredentials(TokenRejected):
    """The request carries no access token (no ``Authorization`` header, or one of another scheme):
    answered with a challenge and no error code (RFC 6750 §3.1) (``NO_CREDENTIALS``, 18)."""


class InvalidRequest(TokenRejected):
    """The request is malformed: several ``Authorization`` headers, one that is not ``scheme
    token68``, an unusable request URI (HTTP 400, ``invalid_request``) (``INVALID_REQUEST``, 19)."""


class SchemeNotAllowed(TokenRejected):
    """The ``Authorization`` scheme (``Bearer`` or ``DPoP``) is not one the verifier or the route
    accepts (``token_scheme``) (``SCHEME_NOT_ALLOWED``, 20)."""


class InsufficientScope(TokenRejected):
    """The token grants none or not all of the scopes the request needs (HTTP 403,
    ``insufficient_scope``) (``INSUFFICIENT_SCOPE``, 21)."""


class InvalidDpopProof(TokenRejected):
    """The DPoP proof is not a valid proof (RFC 9449 §4.3): missing or repeated ``DPoP`` header,
    not a compact JWS, ``typ`` not ``dpop+jwt``, ``alg`` not an allowed asymmetric algorithm,
    ``jwk`` missing, private or unusable, bad signature, a required claim missing
    (``DPOP_PROOF_INVALID``, 22)."""


class DpopProofMismatch(TokenRejected):
    """The DPoP proof was made for another request: ``htm``, ``htu`` or ``ath`` differ from the
    request's method, URI or access token (``DPOP_PROOF_MISMATCH``, 23)."""


class DpopProofStale(TokenRejected):
    """The DPoP proof's ``iat`` lies outside the accepted window (``dpop_max_age``, ``dpop_leeway``)
    (``DPOP_PROOF_STALE``, 24)."""


class DpopProofReplayed(TokenRejected):
    """The DPoP proof's ``jti`` was seen before within its window: a replay
    (``DPOP_PROOF_REPLAYED``, 25)."""


class UseDpopNonce(TokenRejected):
    """The DPoP proof lacks the server's current nonce, or carries one that is not valid (RFC 9449
    §8, §9: answered ``use_dpop_nonce`` with a ``DPoP-Nonce`` header) (``DPOP_NONCE_REQUIRED``,
    26)."""


class BindingMismatch(TokenRejected):
    """The token is bound (``cnf.jkt``, ``cnf.x5t#S256``) to another key or certificate than the
    request's DPoP proof key or client certificate, or to a certificate the request did not
    present (``BINDING_MISMATCH``, 27)."""


class TokenNotBound(TokenRejected):
    """The token is not bound as the request requires: a token without ``cnf.jkt`` sent with the
    ``DPoP`` scheme, or one without ``cnf.x5t#S256`` where certificate binding is required
    (``TOKEN_NOT_BOUND``, 28)."""


class BoundTokenAsBearer(TokenRejected):
    """A DPoP-bound token (``cnf.jkt``) was sent with the ``Bearer`` scheme (RFC 9449 §7.2), and
    the policy refuses it (``allow_dpop_bound_bearer`` off) (``BOUND_TOKEN_AS_BEARER``, 29)."""


class KeysUnavailable(JwksError):
    """The keys are unavailable: answer HTTP 503 and retry later (codes 100-199)."""


class KeyFetchFailed(KeysUnavailable):
    """The keys could not be obtained (network, HTTP status, timeout, file) and none usable are
    cached (``KEYS_UNAVAILABLE``, 100)."""


class KeySetInvalid(KeysUnavailable):
    """The key set is malformed, too large, or has no usable key (``KEY_SET_INVALID``, 101)."""


class ReplayStoreUnavailable(KeysUnavailable):
    """The DPoP replay store refused to record a proof: the in-memory store is full of proofs still
    inside their window (it refuses rather than forgets), or a shared store failed. Answer 503:
    the request may succeed later with a new proof (``REPLAY_STORE_UNAVAILABLE``, 102)."""


class Misuse(JwksError):
    """The API was misused (a bug in the caller), or the code is unknown (codes 200-299, and unknown
    codes)."""


class NullArgument(Misuse):
    """A required pointer argument was NULL (``NULL_ARGUMENT``, 200)."""


class InvalidArgument(Misuse, ValueError):
    """An argument is invalid (bad UTF-8, unknown algorithm name, out-of-range value...)
    (``INVALID_ARGUMENT``, 201)."""


class InsecureURL(Misuse):
    """A key URL is not https and plain http was not allowed (``INSECURE_URL``, 202)."""


class InternalError(Misuse):
    """An internal error was caught at the API boundary (a bug; please report it) (``INTERNAL``,
    203)."""


class LookupFailed(JwksError):
    """A claim lookup on a verified token found nothing (codes 300-399)."""


class ClaimNotFound(LookupFailed):
    """The requested claim is not present in the token (``NOT_FOUND``, 300)."""


class ClaimTypeMismatch(LookupFailed):
    """The requested claim is present but has a different JSON type (``TYPE_MISMATCH``, 301)."""


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
    18: NoCredentials,
    19: InvalidRequest,
    20: SchemeNotAllowed,
    21: InsufficientScope,
    22: InvalidDpopProof,
    23: DpopProofMismatch,
    24: DpopProofStale,
    25: DpopProofReplayed,
    26: UseDpopNonce,
    27: BindingMismatch,
    28: TokenNotBound,
    29: BoundTokenAsBearer,
    100: KeyFetchFailed,
    101: KeySetInvalid,
    102: ReplayStoreUnavailable,
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
# END GENERATED: exception classes


class VerifierClosed(InvalidArgument):
    """The verifier was used after :meth:`~jwkskit.Verifier.close` (code ``INVALID_ARGUMENT``)."""

    def __init__(self, code: int = 201, message: str = "the verifier is closed") -> None:
        super().__init__(code, message)


def error_class(code: int) -> Type[JwksError]:
    """The exception class raised for a result code (its category's class for an unknown code)."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    return _BY_CATEGORY.get(category_of(code), Misuse)
