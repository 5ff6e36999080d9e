"""BER/DER TLV reader over bytes that keeps every element's received octets (X.690).

:func:`parse_one` validates the whole TLV tree of one element *iteratively*
(an explicit stack, never recursion) against :class:`~smimelib.asn1.limits.Limits`
and returns the root :class:`Element`. Elements are views into the input: the
``raw`` and ``content`` properties slice it on demand, so walking a large
SignedData copies nothing but what is asked for. Signatures are checked over
these exact received bytes (DESIGN "Original encodings are kept").

BER features accepted (X.690 section 8): definite and indefinite lengths,
long-form lengths, high tag numbers, constructed strings. Rejected with
:class:`~smimelib.errors.DecodeError` (and the absolute byte offset): indefinite
length on a primitive (8.1.3.2 a), the reserved length octet 0xFF (8.1.3.5 c),
end-of-contents outside an indefinite-length element or not ``00 00`` (8.1.5),
non-minimal high tag numbers (8.1.2.4.2 c), universal types in the wrong form,
truncation, declared lengths beyond what remains, trailing data. Limits raise
:class:`~smimelib.errors.LimitExceeded`. :func:`check` with ``der=True`` also
enforces the DER rules of X.690 section 10 and 11 that need no schema.

The sans-IO streaming reader is :class:`smimelib.asn1.stream.Reader`, re-exported here.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import NoReturn

from smimelib.asn1 import _content
from smimelib.asn1._ber import (
    BAD_FORM,
    LOW_TAGS,
    SEGMENTED,
    STRING_TYPES,
    Tag,
    TagClass,
    check_form,
    parse_header,
)
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.asn1.stream import (
    EOF,
    NEED_DATA,
    Data,
    End,
    Event,
    Header,
    Reader,
    Sentinel,
    iter_events,
    iter_file,
)
from smimelib.errors import DecodeError, LimitExceeded

__all__ = [
    "EOF",
    "NEED_DATA",
    "Data",
    "Element",
    "End",
    "Event",
    "Header",
    "Reader",
    "Sentinel",
    "Tag",
    "TagClass",
    "check",
    "is_der",
    "iter_events",
    "iter_file",
    "parse_one",
]

_EOC_TAG = LOW_TAGS[0]


class _Doc:
    """One validated input shared by all its elements (no copies per element)."""

    __slots__ = ("base", "data", "ends", "limits")

    def __init__(self, data: bytes, base: int, limits: Limits) -> None:
        self.data = data
        self.base = base
        self.limits = limits
        #: index of an indefinite-length element -> index of its end-of-contents octets
        self.ends: dict[int, int] = {}


@dataclass(frozen=True, slots=True, eq=False)
class Element:
    """One BER/DER element of a validated input (X.690 section 8.1).

    Offsets are absolute (``base_offset`` of the parse plus the index in the
    input). ``raw`` is the element's exact received octets (identifier, length,
    content and, for indefinite lengths, the end-of-contents octets); ``content``
    is the content octets as received, without end-of-contents.
    """

    tag: Tag
    offset: int
    header_length: int
    content_offset: int
    content_length: int
    indefinite: bool
    _doc: _Doc = field(repr=False)

    # -- octets ------------------------------------------------------------------------

    @property
    def length(self) -> int:
        """Total number of octets: header, content and end-of-contents."""
        return self.header_length + self.content_length + (2 if self.indefinite else 0)

    @property
    def end_offset(self) -> int:
        """Absolute offset just past the element."""
        return self.offset + self.length

    @property
    def raw(self) -> bytes:
        """The element's exact received octets, header to end-of-contents (a slice)."""
        start = self.offset - self._doc.base
        return self._doc.data[start : start + self.length]

    @property
    def content(self) -> bytes:
        """The content octets as received (X.690 8.1.4), without end-of-contents."""
        start = self.content_offset - self._doc.base
        return self._doc.data[start : start + self.content_length]

    @property
    def limits(self) -> Limits:
        """The limits the element was parsed with."""
        return self._doc.limits

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Element):
            return NotImplemented
        return (
            self.tag == other.tag
            and self.offset == other.offset
            and self.header_length == other.header_length
            and self.content_length == other.content_length
            and self.indefinite == other.indefinite
            and self.raw == other.raw
        )

    def __hash__(self) -> int:
        return hash((self.tag, self.offset, self.header_length, self.content_length))

    # -- structure ---------------------------------------------------------------------

    def children(self) -> tuple[Element, ...]:
        """The elements directly inside this constructed element (X.690 8.1.1)."""
        if not self.tag.constructed:
            raise DecodeError(f"{self.tag} is primitive and has no components", offset=self.offset)
        doc = self._doc
        data, base, limits, ends = doc.data, doc.base, doc.limits, doc.ends
        pos = self.content_offset - base
        end = pos + self.content_length
        out: list[Element] = []
        length: int | None
        while pos < end:
            b0 = data[pos]
            if b0 & 0x1F != 0x1F and data[pos + 1] < 0x80:
                tag, hl, length = LOW_TAGS[b0], 2, data[pos + 1]
            else:
                hdr = parse_header(data, pos, end, base + pos, limits)
                if hdr is None:  # cannot happen after validation; keep the guarantee anyway
                    raise DecodeError("truncated element", offset=base + pos)
                tag, hl, length = hdr
            if length is None:
                clen = ends[pos] - pos - hl
                out.append(Element(tag, base + pos, hl, base + pos + hl, clen, True, doc))
                pos += hl + clen + 2
            else:
                out.append(Element(tag, base + pos, hl, base + pos + hl, length, False, doc))
                pos += hl + length
        return tuple(out)

    def expect(self, tag: Tag, what: str) -> Element:
        """Return ``self`` if it has ``tag``, else raise a DecodeError naming ``what``."""
        if self.tag != tag:
            raise DecodeError(f"{what}: expected {tag}, found {self.tag}", offset=self.offset)
        return self

    # -- primitive values --------------------------------------------------------------

    def _require(self, number: int, implicit: bool, constructed_ok: bool = False) -> None:
        tag = self.tag
        if not implicit and (tag.cls != TagClass.UNIVERSAL or tag.number != number):
            raise DecodeError(f"expected {Tag.universal(number)}, found {tag}", offset=self.offset)
        if tag.constructed and not constructed_ok:
            raise DecodeError(f"{tag} must be primitive here", offset=self.offset)

    def as_oid(self, *, implicit: bool = False) -> str:
        """Dotted OBJECT IDENTIFIER value (X.690 8.19) within the OID limits."""
        self._require(6, implicit)
        return _content.decode_oid(self.content, self.offset, self._doc.limits)

    def as_int(self, max_octets: int | None = None, *, implicit: bool = False) -> int:
        """INTEGER or ENUMERATED value (X.690 8.3, 8.4).

        :param max_octets: largest content accepted; default ``limits.max_integer_octets``
            (pass ``limits.max_key_integer_octets`` for key material and signatures).
        """
        tag = self.tag
        if not implicit and not (tag.cls == TagClass.UNIVERSAL and tag.number in (2, 10)):
            raise DecodeError(f"expected INTEGER, found {tag}", offset=self.offset)
        if tag.constructed:
            raise DecodeError(f"{tag} must be primitive here", offset=self.offset)
        limits = self._doc.limits
        if max_octets is None:
            return _content.decode_int(
                self.content, self.offset, limits.max_integer_octets, "max_integer_octets"
            )
        return _content.decode_int(self.content, self.offset, max_octets, "max_octets")

    def as_bool(self, *, implicit: bool = False) -> bool:
        """BOOLEAN value (X.690 8.2; any non-zero octet is TRUE in BER)."""
        self._require(1, implicit)
        return _content.decode_bool(self.content, self.offset)

    def as_null(self, *, implicit: bool = False) -> None:
        """Check a NULL (X.690 8.8)."""
        self._require(5, implicit)
        _content.decode_null(self.content, self.offset)

    def as_octets(self, *, implicit: bool = False) -> bytes:
        """OCTET STRING value; BER constructed segments are concatenated (X.690 8.7)."""
        self._require(4, implicit, constructed_ok=True)
        if not self.tag.constructed:
            return self.content
        return b"".join(seg.content for seg in self._segments(4))

    def as_bit_string(self, *, implicit: bool = False) -> tuple[int, bytes]:
        """BIT STRING value as (unused bits, octets); BER segments joined (X.690 8.6)."""
        self._require(3, implicit, constructed_ok=True)
        if not self.tag.constructed:
            return _content.decode_bit_string(self.content, self.offset)
        parts: list[bytes] = []
        unused = 0
        segments = self._segments(3)
        for i, seg in enumerate(segments):
            unused, octets = _content.decode_bit_string(seg.content, seg.offset)
            if unused and i != len(segments) - 1:
                raise DecodeError(
                    "only the last BIT STRING segment may have unused bits (X.690 8.6.4)",
                    offset=seg.offset,
                )
            parts.append(octets)
        return unused, b"".join(parts)

    def as_string(self, *, as_type: Tag | None = None) -> str:
        """Text of a character string (UTF8, Printable, IA5, T61, BMP, Universal,
        Visible, Numeric; X.680 41). ``as_type`` reads an IMPLICIT-tagged string as
        that universal type."""
        number = self._string_type(as_type)
        if number in (23, 24) or number not in STRING_TYPES or number in (3, 4):
            raise DecodeError(f"expected a character string, found {self.tag}", offset=self.offset)
        return _content.decode_string(number, self._joined(number), self.offset)

    def as_time(self, *, as_type: Tag | None = None) -> datetime.datetime:
        """UTCTime or GeneralizedTime as an aware UTC datetime (X.680 46, 47; RFC 5280
        4.1.2.5)."""
        number = self._string_type(as_type)
        if number not in (23, 24):
            raise DecodeError(f"expected a time, found {self.tag}", offset=self.offset)
        return _content.decode_time(number, self._joined(number), self.offset)

    def _string_type(self, as_type: Tag | None) -> int:
        if as_type is not None:
            return as_type.number
        if self.tag.cls != TagClass.UNIVERSAL:
            raise DecodeError(
                f"expected a universal string type, found {self.tag}", offset=self.offset
            )
        return self.tag.number

    def _joined(self, number: int) -> bytes:
        if not self.tag.constructed:
            return self.content
        return b"".join(seg.content for seg in self._segments(number))

    def _segments(self, number: int) -> list[Element]:
        """Primitive segments of a constructed string, in order (X.690 8.7.3, iterative)."""
        out: list[Element] = []
        stack = [iter(self.children())]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            if child.tag.cls != TagClass.UNIVERSAL or child.tag.number != number:
                raise DecodeError(
                    f"segment of a constructed {Tag.universal(number)} is {child.tag} "
                    "(X.690 8.7.3.2)",
                    offset=child.offset,
                )
            if child.tag.constructed:
                stack.append(iter(child.children()))
            else:
                out.append(child)
        return out


class _Frame:
    __slots__ = ("count", "end", "limit", "set_spans", "start", "string_type")

    def __init__(
        self, start: int, end: int, limit: int, string_type: int, set_spans: list[int] | None
    ) -> None:
        self.start = start
        self.end = end  # -1 while indefinite
        self.limit = limit  # nearest enclosing definite end
        self.count = 0
        self.string_type = string_type  # universal string number of a segmented string, else -1
        self.set_spans = set_spans  # DER mode: flat [start, end, start, end, ...] of SET members


def _walk(doc: _Doc, der: bool) -> tuple[Tag, int, int | None]:
    """Validate exactly one element spanning ``doc.data``; return the root header.

    Iterative: the explicit stack is bounded by ``max_depth`` and every step
    consumes at least one octet, so time is linear in the input.
    """
    data, base, limits, ends = doc.data, doc.base, doc.limits, doc.ends
    n = len(data)
    max_depth = limits.max_depth
    max_elements = limits.max_elements
    stack: list[_Frame] = []
    root: tuple[Tag, int, int | None] | None = None
    pos = 0
    while True:
        if stack:
            top = stack[-1]
            if top.end == pos:
                stack.pop()
                _close(doc, top, pos, stack, der)
                if not stack:
                    break
                continue
            limit = top.limit
        elif root is not None:
            break
        else:
            limit = n
        # fast path: low tag number, short definite length (almost every element)
        length: int | None
        if (
            pos + 1 < limit
            and (b0 := data[pos]) & 0x1F != 0x1F
            and data[pos + 1] < 0x80
            and b0 & 0xDF  # universal tag 0 (EOC or reserved) takes the full path
        ):
            tag, hl, length = LOW_TAGS[b0], 2, data[pos + 1]
        else:
            hdr = parse_header(data, pos, limit, base + pos, limits)
            if hdr is None:
                _raise_truncated(doc, pos, limit, stack)
            tag, hl, length = hdr
            b0 = data[pos]
            if tag is _EOC_TAG:
                if not stack or stack[-1].end >= 0:
                    raise DecodeError(
                        "end-of-contents where no indefinite-length element is open (X.690 8.1.5)",
                        offset=base + pos,
                    )
                top = stack.pop()
                ends[top.start] = pos
                pos += 2
                _close(doc, top, pos, stack, der)
                if not stack:
                    break
                continue
        if BAD_FORM[b0]:
            check_form(tag, base + pos)
        if stack:
            top = stack[-1]
            top.count += 1
            if top.string_type >= 0:
                if tag.cls != TagClass.UNIVERSAL or tag.number != top.string_type:
                    raise DecodeError(
                        f"segment of a constructed {Tag.universal(top.string_type)} is {tag} "
                        "(X.690 8.7.3.2)",
                        offset=base + pos,
                    )
            elif top.count > max_elements:
                raise LimitExceeded(
                    f"more than {max_elements} elements in one constructed element",
                    limit="max_elements",
                    offset=base + top.start,
                )
        elif root is None:
            root = (tag, hl, length)
        cstart = pos + hl
        if length is None:
            if der:
                raise DecodeError("indefinite length is not DER (X.690 10.1)", offset=base + pos)
        else:
            if length > limit - cstart:
                where = "its enclosing element" if limit < n else "the input"
                raise DecodeError(
                    f"declared length {length} exceeds the {limit - cstart} octets "
                    f"remaining in {where}",
                    offset=base + pos,
                )
            if der and hl != len(tag.encode()) + _length_octets(length):
                raise DecodeError("length not in minimal form (X.690 10.1)", offset=base + pos)
        if tag.constructed:
            if len(stack) >= max_depth:
                raise LimitExceeded(
                    f"nesting deeper than {max_depth} levels",
                    limit="max_depth",
                    offset=base + pos,
                )
            string_type = SEGMENTED[b0]
            if der and string_type >= 0:
                raise DecodeError(
                    f"constructed {Tag.universal(tag.number)} is not DER (X.690 10.2)",
                    offset=base + pos,
                )
            spans: list[int] | None = [] if der and b0 == 0x31 else None
            if length is None:
                stack.append(_Frame(pos, -1, limit, string_type, spans))
            else:
                stack.append(_Frame(pos, cstart + length, cstart + length, string_type, spans))
            pos = cstart
            continue
        assert length is not None  # parse_header refuses indefinite primitives
        end = cstart + length
        if tag.cls == TagClass.UNIVERSAL:
            number = tag.number
            if number == 6 or number == 13:
                _content.check_oid_limits(data[cstart:end], base + pos, limits)
            elif number == 1:
                _content.decode_bool(data[cstart:end], base + pos)
            elif number == 5:
                _content.decode_null(data[cstart:end], base + pos)
            elif (number == 2 or number == 10) and (length == 0 or der):
                # empty is malformed BER (8.3.1); redundant leading octets are refused by
                # as_int() and in DER mode, but tolerated while merely walking BER
                _content.decode_int(data[cstart:end], base + pos, length or 1, "max_octets")
            if der and number in (1, 3, 23, 24):
                _content.check_der_primitive(number, data[cstart:end], base + pos)
        if stack:
            parent_spans = stack[-1].set_spans
            if parent_spans is not None:
                parent_spans += (pos, end)
        pos = end
        if not stack:
            break
    if pos != n:
        raise DecodeError(f"{n - pos} octets of trailing data", offset=base + pos)
    assert root is not None
    return root


def _raise_truncated(doc: _Doc, pos: int, limit: int, stack: list[_Frame]) -> NoReturn:
    offset = doc.base + pos
    if limit < len(doc.data):
        raise DecodeError("element runs past the end of its enclosing element", offset=offset)
    if stack:
        raise DecodeError(f"truncated: input ends inside {_open_tags(doc, stack)}", offset=offset)
    if pos < len(doc.data):
        raise DecodeError("truncated: input ends inside an element header", offset=offset)
    raise DecodeError("no data", offset=offset)


def _close(doc: _Doc, frame: _Frame, end: int, stack: list[_Frame], der: bool) -> None:
    """A constructed element ended at ``end``: DER SET order, and record it in its parent."""
    spans = frame.set_spans
    if spans is not None and len(spans) > 2:
        _check_set_order(doc, spans, frame.start)
    if stack:
        parent_spans = stack[-1].set_spans
        if parent_spans is not None:
            parent_spans += (frame.start, end)


def _check_set_order(doc: _Doc, spans: list[int], start: int) -> None:
    """DER order of SET / SET OF members (X.690 10.3, 11.6), without a schema.

    Members with one tag are a SET OF and must ascend by encoding; members with
    different tags may also be a SET in canonical tag order (X.680 8.6).
    """
    data = doc.data
    members = [data[spans[i] : spans[i + 1]] for i in range(0, len(spans), 2)]
    if all(a <= b for a, b in itertools.pairwise(members)):
        return
    tags = [_tag_key(doc, spans[i]) for i in range(0, len(spans), 2)]
    if len(set(tags)) == len(tags) and tags == sorted(tags):
        return
    raise DecodeError("SET members are not in DER order (X.690 11.6)", offset=doc.base + start)


def _tag_key(doc: _Doc, index: int) -> tuple[int, int]:
    hdr = parse_header(doc.data, index, len(doc.data), doc.base + index, doc.limits)
    assert hdr is not None
    return int(hdr[0].cls), hdr[0].number


def _length_octets(length: int) -> int:
    return 1 if length < 0x80 else 1 + (length.bit_length() + 7) // 8


def _open_tags(doc: _Doc, stack: list[_Frame]) -> str:
    hdr = parse_header(doc.data, stack[-1].start, len(doc.data), 0, doc.limits)
    name = str(hdr[0]) if hdr else "an element"
    return f"{name} opened at offset {doc.base + stack[-1].start}"


def _prepare(
    data: bytes | bytearray | memoryview, limits: Limits, base_offset: int, what: str
) -> _Doc:
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > limits.max_input_size:
        raise LimitExceeded(
            f"{what}: input of {len(data)} octets exceeds {limits.max_input_size}",
            limit="max_input_size",
            offset=base_offset,
        )
    return _Doc(data, base_offset, limits)


def _run(doc: _Doc, der: bool, what: str) -> tuple[Tag, int, int | None]:
    try:
        return _walk(doc, der)
    except LimitExceeded as exc:
        raise LimitExceeded(f"{what}: {exc.message}", limit=exc.limit, offset=exc.offset) from None
    except DecodeError as exc:
        raise DecodeError(f"{what}: {exc.message}", offset=exc.offset) from None


def parse_one(
    data: bytes | bytearray | memoryview,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
    what: str = "ASN.1 element",
) -> Element:
    """Parse exactly one BER element spanning ``data`` (X.690 8.1) and validate its tree.

    :param base_offset: offset of ``data`` inside a larger input; added to every offset.
    :param what: name of the structure for error messages.
    :raises DecodeError: malformed BER, truncation, or trailing data.
    :raises LimitExceeded: the input exceeds ``limits``.
    """
    doc = _prepare(data, limits, base_offset, what)
    tag, hl, length = _run(doc, False, what)
    if length is None:
        clen = doc.ends[0] - hl
        return Element(tag, base_offset, hl, base_offset + hl, clen, True, doc)
    return Element(tag, base_offset, hl, base_offset + hl, length, False, doc)


def check(
    data: bytes | bytearray | memoryview,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
    what: str = "ASN.1 element",
    der: bool = False,
) -> None:
    """Validate one element's whole TLV tree against ``limits``, iteratively (X.690 8.1).

    With ``der=True`` also require the schema-independent DER rules: definite,
    minimal lengths (10.1), primitive strings (10.2), BOOLEAN 00/FF (11.1),
    zero BIT STRING padding (11.2), DER times (11.7, 11.8) and SET ordering (11.6).

    :raises DecodeError: malformed (or, with ``der``, non-DER) input or trailing data.
    :raises LimitExceeded: the input exceeds ``limits``.
    """
    _run(_prepare(data, limits, base_offset, what), der, what)


def is_der(data: bytes | bytearray | memoryview, *, limits: Limits = DEFAULT_LIMITS) -> bool:
    """True when ``data`` is one element that passes :func:`check` with ``der=True``."""
    try:
        check(data, limits=limits, der=True)
    except DecodeError:
        return False
    return True
