"""DER writer helpers (X.690 sections 10 and 11), plus indefinite-length BER output.

Every helper returns the complete encoding of one element as ``bytes`` with
minimal lengths. Builders compose them (``sequence(encode_oid(...), NULL)``);
only builders re-encode -- parsed values keep their received octets.

Indefinite-length output (X.690 8.1.3.6) is for streaming writers that do not
know the content size in advance, as ``openssl cms -stream`` writes:
:func:`indefinite_header` / :data:`EOC`, and :class:`OctetStringChunker`
for a constructed OCTET STRING made of primitive segments (X.690 8.7.3).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from smimelib.asn1._ber import Tag, TagClass
from smimelib.errors import UsageError

__all__ = [
    "EOC",
    "NULL",
    "OctetStringChunker",
    "encode_bit_string",
    "encode_bmp",
    "encode_bool",
    "encode_enumerated",
    "encode_generalized_time",
    "encode_ia5",
    "encode_indefinite",
    "encode_int",
    "encode_length",
    "encode_null",
    "encode_octets",
    "encode_oid",
    "encode_printable",
    "encode_set",
    "encode_tag",
    "encode_time",
    "encode_tlv",
    "encode_utc_time",
    "encode_utf8",
    "encode_visible",
    "explicit",
    "implicit",
    "indefinite_header",
    "sequence",
    "set_of",
]

#: end-of-contents octets that close an indefinite-length element (X.690 8.1.5)
EOC = b"\x00\x00"
#: the DER encoding of NULL (X.690 8.8)
NULL = b"\x05\x00"


def encode_length(n: int) -> bytes:
    """Definite length octets in minimal form (X.690 8.1.3, 10.1)."""
    if n < 0:
        raise UsageError(f"negative length {n}")
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(body) > 126:
        raise UsageError("length too large to encode")
    return bytes((0x80 | len(body),)) + body


def encode_tag(tag: Tag) -> bytes:
    """Identifier octets of ``tag`` (X.690 8.1.2)."""
    if tag.number < 0:
        raise UsageError(f"negative tag number {tag.number}")
    return tag.encode()


def encode_tlv(tag: Tag, content: bytes) -> bytes:
    """One definite-length element: identifier, minimal length, content (X.690 8.1)."""
    return encode_tag(tag) + encode_length(len(content)) + content


def sequence(*parts: bytes) -> bytes:
    """SEQUENCE (or SEQUENCE OF) of already encoded components (X.690 8.9)."""
    body = b"".join(parts)
    return b"\x30" + encode_length(len(body)) + body


def set_of(items: Iterable[bytes]) -> bytes:
    """SET OF with members in DER order: ascending encodings (X.690 11.6).

    Members are complete encodings, none a prefix of another, so plain octet
    comparison equals the zero-padded comparison of X.690 11.6.
    """
    body = b"".join(sorted(items))
    return b"\x31" + encode_length(len(body)) + body


def encode_set(*parts: bytes) -> bytes:
    """SET (not SET OF) with components in canonical tag order (X.690 10.3, X.680 8.6)."""

    def key(part: bytes) -> tuple[int, int]:
        return _tag_of(part)

    ordered = sorted(parts, key=key)
    body = b"".join(ordered)
    return b"\x31" + encode_length(len(body)) + body


def _tag_of(encoded: bytes) -> tuple[int, int]:
    if not encoded:
        raise UsageError("empty encoding")
    b0 = encoded[0]
    number = b0 & 0x1F
    if number == 0x1F:
        number = 0
        for b in encoded[1:]:
            number = (number << 7) | (b & 0x7F)
            if not b & 0x80:
                break
    return b0 >> 6, number


_MAX_ARC_COUNT = 256


def encode_oid(dotted: str) -> bytes:
    """OBJECT IDENTIFIER from its dotted form (X.690 8.19)."""
    try:
        arcs = [int(a) for a in dotted.split(".")]
    except ValueError:
        raise UsageError(f"malformed OID {dotted!r}") from None
    if len(arcs) < 2 or len(arcs) > _MAX_ARC_COUNT or any(a < 0 for a in arcs):
        raise UsageError(f"malformed OID {dotted!r}")
    if arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise UsageError(f"malformed OID {dotted!r} (X.660 first arcs)")
    if not all(p.isdigit() and (p == "0" or not p.startswith("0")) for p in dotted.split(".")):
        raise UsageError(f"malformed OID {dotted!r}")
    out = bytearray()
    for sub in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [sub & 0x7F]
        sub >>= 7
        while sub:
            chunk.append(0x80 | (sub & 0x7F))
            sub >>= 7
        out += bytes(reversed(chunk))
    return b"\x06" + encode_length(len(out)) + bytes(out)


def _int_content(n: int) -> bytes:
    return n.to_bytes(max(1, (n + (n < 0)).bit_length() // 8 + 1), "big", signed=True)


def encode_int(n: int) -> bytes:
    """INTEGER in minimal two's complement (X.690 8.3)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise UsageError(f"encode_int needs an int, not {type(n).__name__}")
    content = _int_content(n)
    return b"\x02" + encode_length(len(content)) + content


def encode_enumerated(n: int) -> bytes:
    """ENUMERATED (X.690 8.4)."""
    content = _int_content(n)
    return b"\x0a" + encode_length(len(content)) + content


def encode_octets(b: bytes) -> bytes:
    """Primitive OCTET STRING (X.690 8.7, 10.2)."""
    return b"\x04" + encode_length(len(b)) + bytes(b)


def encode_bit_string(b: bytes, unused_bits: int = 0) -> bytes:
    """Primitive BIT STRING with ``unused_bits`` trailing bits zeroed (X.690 8.6, 11.2)."""
    if not 0 <= unused_bits <= 7 or (unused_bits and not b):
        raise UsageError(f"invalid unused bit count {unused_bits}")
    data = bytearray(b)
    if unused_bits:
        data[-1] &= 0xFF ^ ((1 << unused_bits) - 1)
    content = bytes((unused_bits,)) + bytes(data)
    return b"\x03" + encode_length(len(content)) + content


def encode_null() -> bytes:
    """NULL (X.690 8.8)."""
    return NULL


def encode_bool(v: bool) -> bytes:
    """BOOLEAN, TRUE as FF (X.690 11.1)."""
    return b"\x01\x01\xff" if v else b"\x01\x01\x00"


def encode_utf8(s: str) -> bytes:
    """UTF8String (X.680 41)."""
    try:
        return encode_tlv(Tag.UTF8_STRING, s.encode("utf-8"))
    except UnicodeEncodeError:
        raise UsageError("string is not encodable as UTF-8 (lone surrogate?)") from None


_PRINTABLE_RE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*")


def encode_printable(s: str) -> bytes:
    """PrintableString; refuses characters outside its set (X.680 41.4, Table 10)."""
    if _PRINTABLE_RE.fullmatch(s) is None:
        raise UsageError(f"{s!r} is not a PrintableString")
    return encode_tlv(Tag.PRINTABLE_STRING, s.encode("ascii"))


def encode_ia5(s: str) -> bytes:
    """IA5String (ASCII, X.680 41)."""
    if not s.isascii():
        raise UsageError(f"{s!r} is not an IA5String")
    return encode_tlv(Tag.IA5_STRING, s.encode("ascii"))


def encode_visible(s: str) -> bytes:
    """VisibleString (printable ASCII, X.680 41)."""
    if not all(" " <= c <= "~" for c in s):
        raise UsageError(f"{s!r} is not a VisibleString")
    return encode_tlv(Tag.VISIBLE_STRING, s.encode("ascii"))


def encode_bmp(s: str) -> bytes:
    """BMPString (UCS-2 big-endian, X.680 41); characters beyond the BMP are refused."""
    if any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise UsageError("BMPString holds only Basic Multilingual Plane characters")
    return encode_tlv(Tag.BMP_STRING, s.encode("utf-16-be"))


def _utc(dt: datetime.datetime) -> datetime.datetime:
    if dt.tzinfo is None:
        raise UsageError("datetime must be timezone-aware")
    return dt.astimezone(datetime.UTC)


def encode_utc_time(dt: datetime.datetime) -> bytes:
    """UTCTime ``YYMMDDHHMMSSZ`` (X.690 11.8, RFC 5280 4.1.2.5.1) for 1950..2049."""
    dt = _utc(dt)
    if not 1950 <= dt.year <= 2049:
        raise UsageError(f"UTCTime cannot represent the year {dt.year}")
    return encode_tlv(Tag.UTC_TIME, dt.strftime("%y%m%d%H%M%SZ").encode("ascii"))


def encode_generalized_time(dt: datetime.datetime) -> bytes:
    """GeneralizedTime ``YYYYMMDDHHMMSS[.fff]Z`` (X.690 11.7, RFC 5280 4.1.2.5.2).

    Fractions of a second are written without trailing zeros (X.690 11.7.3).
    """
    dt = _utc(dt)
    text = f"{dt.year:04d}{dt:%m%d%H%M%S}"
    if dt.microsecond:
        text += "." + f"{dt.microsecond:06d}".rstrip("0")
    return encode_tlv(Tag.GENERALIZED_TIME, (text + "Z").encode("ascii"))


def encode_time(dt: datetime.datetime) -> bytes:
    """RFC 5280 4.1.2.5 Time: UTCTime through 2049, GeneralizedTime from 2050.

    Fractions are dropped, as RFC 5280 requires whole seconds.
    """
    dt = _utc(dt).replace(microsecond=0)
    if 1950 <= dt.year <= 2049:
        return encode_utc_time(dt)
    return encode_generalized_time(dt)


def explicit(number: int, encoded: bytes, *, cls: TagClass = TagClass.CONTEXT) -> bytes:
    """``[number] EXPLICIT``: wrap a complete encoding in a constructed tag (X.690 8.14)."""
    return encode_tlv(Tag(cls, True, number), encoded)


def implicit(
    number: int,
    encoded: bytes,
    *,
    constructed: bool | None = None,
    cls: TagClass = TagClass.CONTEXT,
) -> bytes:
    """``[number] IMPLICIT``: replace the identifier octets of one encoding (X.690 8.14.3).

    :param constructed: the form bit of the new tag; by default that of ``encoded``.
    """
    if not encoded:
        raise UsageError("implicit() needs a complete encoding")
    first = encoded[0]
    i = 1
    if first & 0x1F == 0x1F:
        while i < len(encoded) and encoded[i] & 0x80:
            i += 1
        i += 1
    if i >= len(encoded):
        raise UsageError("implicit() needs a complete encoding")
    is_constructed = bool(first & 0x20) if constructed is None else constructed
    return Tag(cls, is_constructed, number).encode() + encoded[i:]


def indefinite_header(tag: Tag) -> bytes:
    """Identifier and indefinite length octets of a constructed element (X.690 8.1.3.6).

    The content follows; :data:`EOC` closes it.
    """
    if not tag.constructed:
        raise UsageError("indefinite length needs a constructed tag (X.690 8.1.3.2 a)")
    return tag.encode() + b"\x80"


def encode_indefinite(tag: Tag, *parts: bytes) -> bytes:
    """A whole indefinite-length constructed element: header, ``parts``, EOC (BER)."""
    return indefinite_header(tag) + b"".join(parts) + EOC


class OctetStringChunker:
    """Write a BER constructed OCTET STRING of unknown size, as ``openssl cms -stream`` does.

    Output is ``24 80`` (or ``tag`` with indefinite length), then primitive OCTET
    STRING segments of ``chunk_size`` octets (X.690 8.7.3.2), then ``00 00``.
    Sans-IO: every method returns the octets to write next.
    """

    def __init__(self, *, chunk_size: int = 4096, tag: Tag | None = None) -> None:
        if chunk_size <= 0:
            raise UsageError("chunk_size must be positive")
        self._chunk = chunk_size
        self._tag = tag if tag is not None else Tag.OCTET_STRING.with_constructed(True)
        self._pending = bytearray()
        self._started = False
        self._finished = False

    def begin(self) -> bytes:
        """The header ``24 80``; written once, before any data."""
        if self._started:
            raise UsageError("OctetStringChunker.begin() called twice")
        self._started = True
        return indefinite_header(self._tag)

    def update(self, data: bytes) -> bytes:
        """Buffer ``data``; return the complete segments now ready."""
        if not self._started or self._finished:
            raise UsageError("OctetStringChunker.update() outside begin()/finish()")
        self._pending += data
        size = self._chunk
        full = len(self._pending) // size * size
        if not full:
            return b""
        head = _segment_header(size)
        view = memoryview(self._pending)
        out = b"".join(head + view[i : i + size] for i in range(0, full, size))
        view.release()
        del self._pending[:full]
        return out

    def finish(self) -> bytes:
        """The last (short) segment, if any, and the end-of-contents octets."""
        if not self._started or self._finished:
            raise UsageError("OctetStringChunker.finish() outside begin()")
        self._finished = True
        tail = encode_octets(bytes(self._pending)) if self._pending else b""
        self._pending.clear()
        return tail + EOC


def _segment_header(size: int) -> bytes:
    return b"\x04" + encode_length(size)
