"""Content octets of primitive universal types (X.690 section 8), decoded with limits.

Pure functions over the content octets of one element; ``offset`` is the
absolute offset of the element for error messages. Used by
:class:`smimelib.asn1.tlv.Element` accessors, by the TLV validator (OIDs are
checked before pyasn1 ever sees them) and by the sans-IO reader.
"""

from __future__ import annotations

import datetime
import re

from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, LimitExceeded

_OID_CACHE: dict[bytes, str] = {}
_OID_CACHE_MAX = 4096


def decode_oid(content: bytes, offset: int, limits: Limits, *, relative: bool = False) -> str:
    """Dotted form of OBJECT IDENTIFIER (or RELATIVE-OID) content (X.690 8.19, 8.20).

    Rejects empty content, non-minimal subidentifiers (leading 0x80, 8.19.2), a
    truncated last subidentifier, more than ``max_oid_arcs`` arcs and arcs longer
    than ``max_oid_arc_octets`` octets (CVE-2023-2650 class). Linear in the input.
    """
    if not relative:
        cached = _OID_CACHE.get(content)
        if cached is not None:
            return cached
    what = "RELATIVE-OID" if relative else "OBJECT IDENTIFIER"
    if not content:
        raise DecodeError(f"empty {what} (X.690 8.19.2)", offset=offset)
    max_octets = limits.max_oid_arc_octets
    # the first subidentifier of an absolute OID carries two arcs (X.690 8.19.4)
    max_subids = limits.max_oid_arcs if relative else limits.max_oid_arcs - 1
    subids: list[int] = []
    value = 0
    octets = 0
    for b in content:
        if octets == 0 and b == 0x80:
            raise DecodeError(
                f"{what} subidentifier with a leading 0x80 octet (not minimal, X.690 8.19.2)",
                offset=offset,
            )
        octets += 1
        if octets > max_octets:
            raise LimitExceeded(
                f"{what} arc longer than {max_octets} octets",
                limit="max_oid_arc_octets",
                offset=offset,
            )
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            if len(subids) >= max_subids:
                raise LimitExceeded(
                    f"{what} with more than {limits.max_oid_arcs} arcs",
                    limit="max_oid_arcs",
                    offset=offset,
                )
            subids.append(value)
            value = 0
            octets = 0
    if octets:
        raise DecodeError(f"{what} ends inside a subidentifier", offset=offset)
    if relative:
        return ".".join(map(str, subids))
    first = subids[0]
    if first < 40:
        head = f"0.{first}"
    elif first < 80:
        head = f"1.{first - 40}"
    else:
        head = f"2.{first - 80}"
    text = ".".join([head, *map(str, subids[1:])])
    if len(_OID_CACHE) < _OID_CACHE_MAX:
        _OID_CACHE[bytes(content)] = text
    return text


def check_oid_limits(content: bytes, offset: int, limits: Limits) -> None:
    """Enforce only the OID limits (arcs, octets per arc) on OBJECT IDENTIFIER content.

    Structural validation uses this rather than :func:`decode_oid`: a malformed but
    small OID (empty, say, as some deployed signers write in attributes nobody reads)
    must not make a whole message unreadable; it fails when its value is asked for.
    """
    if len(content) > limits.max_oid_arcs * limits.max_oid_arc_octets:
        raise LimitExceeded(
            f"OBJECT IDENTIFIER of {len(content)} octets exceeds the arc limits",
            limit="max_oid_arcs",
            offset=offset,
        )
    arcs = 1
    octets = 0
    max_octets = limits.max_oid_arc_octets
    for b in content:
        octets += 1
        if octets > max_octets:
            raise LimitExceeded(
                f"OBJECT IDENTIFIER arc longer than {max_octets} octets",
                limit="max_oid_arc_octets",
                offset=offset,
            )
        if not b & 0x80:
            arcs += 1
            octets = 0
    if arcs > limits.max_oid_arcs:
        raise LimitExceeded(
            f"OBJECT IDENTIFIER with more than {limits.max_oid_arcs} arcs",
            limit="max_oid_arcs",
            offset=offset,
        )


def decode_int(content: bytes, offset: int, max_octets: int, limit_name: str) -> int:
    """Value of INTEGER / ENUMERATED content (X.690 8.3), two's complement.

    Rejects empty content and redundant leading octets (8.3.2, a BER rule), and
    content longer than ``max_octets`` (so that no caller formats a huge int).
    """
    n = len(content)
    if n == 0:
        raise DecodeError("INTEGER with no content octets (X.690 8.3.1)", offset=offset)
    if n > max_octets:
        raise LimitExceeded(
            f"INTEGER of {n} octets (limit {max_octets})", limit=limit_name, offset=offset
        )
    if n > 1 and (
        (content[0] == 0 and not content[1] & 0x80) or (content[0] == 0xFF and content[1] & 0x80)
    ):
        raise DecodeError("INTEGER has redundant leading octets (X.690 8.3.2)", offset=offset)
    return int.from_bytes(content, "big", signed=True)


def decode_bool(content: bytes, offset: int) -> bool:
    """BOOLEAN content (X.690 8.2): one octet, zero is FALSE."""
    if len(content) != 1:
        raise DecodeError(
            f"BOOLEAN with {len(content)} content octets (X.690 8.2.1)", offset=offset
        )
    return content[0] != 0


def decode_null(content: bytes, offset: int) -> None:
    """NULL content (X.690 8.8): no octets."""
    if content:
        raise DecodeError(f"NULL with {len(content)} content octets (X.690 8.8.2)", offset=offset)


def decode_bit_string(content: bytes, offset: int) -> tuple[int, bytes]:
    """Primitive BIT STRING content (X.690 8.6.2): (unused bits, octets)."""
    if not content:
        raise DecodeError("BIT STRING without its initial octet (X.690 8.6.2)", offset=offset)
    unused = content[0]
    if unused > 7:
        raise DecodeError(f"BIT STRING with {unused} unused bits (X.690 8.6.2.2)", offset=offset)
    if unused and len(content) == 1:
        raise DecodeError("empty BIT STRING with unused bits (X.690 8.6.2.3)", offset=offset)
    return unused, bytes(content[1:])


_PRINTABLE_OK = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
_NUMERIC_OK = frozenset(b"0123456789 ")


def decode_string(number: int, content: bytes, offset: int) -> str:
    """Text of a universal character string type (X.680 section 41, X.690 8.23).

    PrintableString is read leniently: real certificates carry ``@``, ``*``,
    ``&`` or ``_`` in it, so any printable ASCII is accepted; control characters
    and non-ASCII octets are refused. T61String is read as Latin-1, as deployed
    software does.
    """
    try:
        if number == 12:
            return content.decode("utf-8")
        if number == 30:
            if len(content) % 2:
                raise DecodeError("BMPString of odd length", offset=offset)
            return content.decode("utf-16-be")
        if number == 28:
            if len(content) % 4:
                raise DecodeError("UniversalString length not a multiple of 4", offset=offset)
            return content.decode("utf-32-be")
        if number == 20:
            return content.decode("latin-1")
        if number == 19:
            if any(b < 0x20 or b > 0x7E for b in content):
                raise DecodeError("PrintableString with a non-printable octet", offset=offset)
            return content.decode("ascii")
        if number == 18:
            if any(b not in _NUMERIC_OK for b in content):
                raise DecodeError("NumericString with a non-numeric octet", offset=offset)
            return content.decode("ascii")
        if number == 22:
            return content.decode("ascii")
        if number == 26:
            if any(b < 0x20 or b > 0x7E for b in content):
                raise DecodeError("VisibleString with a non-visible octet", offset=offset)
            return content.decode("ascii")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"invalid character encoding: {exc.reason}", offset=offset) from None
    raise DecodeError(f"universal type {number} is not a character string", offset=offset)


_UTC_RE = re.compile(rb"(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(Z|[+-]\d{4})")
_GEN_RE = re.compile(
    rb"(\d{4})(\d\d)(\d\d)(\d\d)(?:(\d\d)(?:(\d\d)(?:[.,](\d+))?)?)?(Z|[+-]\d{4})?"
)


def _zone(text: bytes, offset: int) -> datetime.timezone:
    if text == b"Z":
        return datetime.UTC
    hours, minutes = int(text[1:3]), int(text[3:5])
    if hours > 23 or minutes > 59:
        raise DecodeError("time zone offset out of range", offset=offset)
    delta = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-delta if text[:1] == b"-" else delta)


def decode_time(number: int, content: bytes, offset: int) -> datetime.datetime:
    """UTCTime (X.680 47) or GeneralizedTime (X.680 46) as an aware datetime in UTC.

    UTCTime years 50..99 are 1950..1999 and 00..49 are 2000..2049 (RFC 5280
    4.1.2.5.1). A GeneralizedTime without time zone (local time) is refused:
    its instant is unknown. Fractions beyond microseconds are truncated.
    """
    if len(content) > 40:
        raise DecodeError("time value too long", offset=offset)
    if number == 23:
        m = _UTC_RE.fullmatch(content)
        if m is None:
            raise DecodeError(f"malformed UTCTime {content!r}", offset=offset)
        yy = int(m[1])
        year = 1900 + yy if yy >= 50 else 2000 + yy
        month, day, hour, minute = int(m[2]), int(m[3]), int(m[4]), int(m[5])
        second, micro, zone = int(m[6] or 0), 0, m[7]
    elif number == 24:
        m = _GEN_RE.fullmatch(content)
        if m is None:
            raise DecodeError(f"malformed GeneralizedTime {content!r}", offset=offset)
        if m[8] is None:
            raise DecodeError("GeneralizedTime without time zone (local time)", offset=offset)
        year, month, day, hour = int(m[1]), int(m[2]), int(m[3]), int(m[4])
        minute, second = int(m[5] or 0), int(m[6] or 0)
        micro = int((m[7] or b"0")[:6].ljust(6, b"0"))
        zone = m[8]
    else:
        raise DecodeError(f"universal type {number} is not a time type", offset=offset)
    try:
        value = datetime.datetime(
            year, month, day, hour, minute, second, micro, tzinfo=_zone(zone, offset)
        )
    except ValueError:
        raise DecodeError(f"time value out of range: {content!r}", offset=offset) from None
    return value.astimezone(datetime.UTC)


_DER_GEN_RE = re.compile(rb"\d{14}(?:\.\d*[1-9])?Z")


def check_der_primitive(number: int, content: bytes, offset: int) -> None:
    """DER rules on primitive universal content (X.690 11.1, 11.2, 11.7, 11.8)."""
    if number == 1 and content not in (b"\x00", b"\xff"):
        raise DecodeError("DER BOOLEAN must be 00 or FF (X.690 11.1)", offset=offset)
    elif number == 3 and len(content) > 1 and content[0]:
        if content[-1] & ((1 << content[0]) - 1):
            raise DecodeError("DER BIT STRING unused bits not zero (X.690 11.2.1)", offset=offset)
    elif number == 23:
        if len(content) != 13 or _UTC_RE.fullmatch(content) is None:
            raise DecodeError("DER UTCTime must be YYMMDDHHMMSSZ (X.690 11.8)", offset=offset)
    elif number == 24 and _DER_GEN_RE.fullmatch(content) is None:
        raise DecodeError(
            "DER GeneralizedTime must be YYYYMMDDHHMMSS[.f]Z (X.690 11.7)", offset=offset
        )
