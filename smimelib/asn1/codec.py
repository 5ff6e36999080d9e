"""pyasn1 glue: decode small structures with a schema, encode DER, map every error.

Only small, bounded structures go through pyasn1 (certificates, keys,
attributes, algorithm parameters); bulk content never does (see
``smimelib.asn1.tlv``). Every pyasn1 exception is mapped to
:class:`~smimelib.errors.DecodeError` with what was being decoded, and the
input is checked against :class:`~smimelib.asn1.limits.Limits` by the TLV
reader before pyasn1 sees it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pyasn1.codec.ber import decoder as _ber_decoder
from pyasn1.codec.der import decoder as _der_decoder
from pyasn1.codec.der import encoder as _der_encoder
from pyasn1.error import PyAsn1Error

from smimelib.asn1 import tlv
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.errors import DecodeError, SmimeError

__all__ = ["decode", "encode"]

T = TypeVar("T")

# everything pyasn1 is known to raise on bad input or values (its own errors, and Python
# errors from its internals); mapped to DecodeError so that none reaches a caller
_PYASN1_FAILURES = (
    PyAsn1Error,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    AttributeError,
    OverflowError,
    RecursionError,
    UnicodeError,
)


def decode(
    data: bytes,
    spec: T,
    *,
    what: str,
    strict_der: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
) -> T:
    """Decode ``data`` as exactly one ``spec`` value (X.690 BER, or DER with ``strict_der``).

    :param spec: a pyasn1 schema instance (from pyasn1-modules or ``smimelib.asn1.schemas``).
    :param what: a short name of the structure, used in error messages.
    :param strict_der: require the encoding to be DER (X.690 section 10): the value must
        re-encode to the very same bytes.
    :param base_offset: offset of ``data`` inside a larger input, for error messages.
    :raises DecodeError: malformed input, trailing data, or not DER in strict mode.
    :raises LimitExceeded: the input exceeds ``limits``.
    """
    data = bytes(data)
    # pyasn1 never sees input that breaks the limits (depth, lengths, tags, OIDs): the
    # TLV validator is iterative and checks them all first; in strict mode it also
    # enforces the schema-independent DER rules (X.690 10, 11) with offsets.
    tlv.check(data, limits=limits, base_offset=base_offset, what=what, der=strict_der)
    decoder = _der_decoder if strict_der else _ber_decoder
    try:
        value, rest = decoder.decode(data, asn1Spec=spec)
    except SmimeError:
        raise
    except _PYASN1_FAILURES as exc:
        raise DecodeError(f"malformed {what}: {_short(exc)}", offset=base_offset) from None
    if rest:
        raise DecodeError(
            f"{len(rest)} bytes of trailing data after {what}",
            offset=base_offset + len(data) - len(rest),
        )
    if strict_der:
        # DEFAULT values encoded explicitly and similar schema-level DER rules (X.690 11.5)
        # are only visible with the schema: the value must re-encode to the same octets.
        try:
            again = bytes(_der_encoder.encode(value))
        except _PYASN1_FAILURES as exc:
            raise DecodeError(f"malformed {what}: {_short(exc)}", offset=base_offset) from None
        if again != data:
            raise DecodeError(
                f"{what} is not DER-encoded (X.690 section 10)",
                offset=base_offset + _first_difference(again, data),
            )
    return value  # type: ignore[no-any-return]


def encode(value: Any) -> bytes:
    """Encode a pyasn1 value as DER (X.690 section 10)."""
    try:
        return bytes(_der_encoder.encode(value))
    except _PYASN1_FAILURES as exc:
        raise DecodeError(f"cannot DER-encode {type(value).__name__}: {_short(exc)}") from None


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
