"""Private DER helpers shared by the extension value parsers (RFC 5280 section 4.2)."""

from __future__ import annotations

from collections.abc import Iterable

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError

#: BaseDistance, SkipCerts and pathLenConstraint values are small; 8 octets is plenty.
SMALL_INT_OCTETS = 8


def parse(data: bytes, base_offset: int, what: str) -> tlv.Element:
    """Parse exactly one element of an extnValue, offsets relative to the certificate."""
    return tlv.parse_one(bytes(data), base_offset=base_offset, what=what)


def sequence(elem: tlv.Element, what: str) -> tuple[tlv.Element, ...]:
    """The components of a SEQUENCE, or DecodeError naming ``what``."""
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset)
    return elem.children()


def non_empty(items: tuple[tlv.Element, ...], elem: tlv.Element, what: str) -> None:
    """Enforce ``SIZE (1..MAX)``."""
    if not items:
        raise DecodeError(f"empty {what} (SIZE (1..MAX))", offset=elem.offset)


def small_uint(elem: tlv.Element, what: str) -> int:
    """An INTEGER (0..MAX) that counts something, possibly IMPLICIT-tagged."""
    if elem.tag.constructed:
        raise DecodeError(f"{what} must be a primitive INTEGER", offset=elem.offset)
    value = elem.as_int(max_octets=SMALL_INT_OCTETS, implicit=True)
    if value < 0:
        raise DecodeError(f"{what} is negative ({value})", offset=elem.offset)
    return value


def implicit_octets(elem: tlv.Element) -> bytes:
    """An IMPLICIT-tagged OCTET STRING's value (BER segments joined)."""
    return elem.as_octets(implicit=True)


def named_bits(elem: tlv.Element) -> set[int]:
    """Positions of the set bits of a named BIT STRING (bit 0 is the first octet's MSB)."""
    if elem.tag.constructed:
        raise DecodeError("named BIT STRING must be primitive", offset=elem.offset)
    unused, data = elem.as_bit_string(implicit=True)
    total = len(data) * 8 - unused
    return {i for i in range(min(total, 64)) if data[i // 8] & (0x80 >> (i % 8))}


def encode_named_bits(bits: Iterable[int]) -> bytes:
    """DER BIT STRING of named bits: trailing zero bits removed (X.690 section 11.2.2)."""
    positions = sorted(set(bits))
    if not positions:
        return der.encode_bit_string(b"", 0)
    nbytes = positions[-1] // 8 + 1
    out = bytearray(nbytes)
    for i in positions:
        out[i // 8] |= 0x80 >> (i % 8)
    unused = 7 - positions[-1] % 8
    return der.encode_bit_string(bytes(out), unused)
