"""Sans-IO incremental BER reader (X.690 section 8.1), in the style of h11.

Bring your own I/O: :meth:`Reader.feed` bytes as they arrive, then pull
:meth:`Reader.next_event` until it returns :data:`NEED_DATA`. Events are
frozen values:

* :class:`Header` -- an element starts (tag, offsets, ``length`` or ``None``
  for an indefinite length);
* :class:`Data` -- a chunk of a primitive element's content octets, in order;
* :class:`End` -- an element ends (for every :class:`Header` exactly one
  :class:`End`, primitive elements included).

After :meth:`Reader.close` the reader returns :data:`EOF` once the input ended
at an element boundary, and raises :class:`~smimelib.errors.DecodeError` when it
ended inside an element. The rules and limits are those of
:func:`smimelib.asn1.tlv.parse_one` (the same header parser); in addition no
element may end beyond ``limits.max_input_size`` and no more input than that is
accepted. Memory stays bounded by the caller's chunk size plus one header.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

from smimelib.asn1 import _content
from smimelib.asn1._ber import (
    LOW_TAGS,
    Tag,
    TagClass,
    check_form,
    is_string_container,
    parse_header,
)
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.errors import DecodeError, LimitExceeded, UsageError

__all__ = [
    "EOF",
    "NEED_DATA",
    "Data",
    "End",
    "Event",
    "Header",
    "Reader",
    "Sentinel",
    "iter_events",
    "iter_file",
]

_EOC_TAG = LOW_TAGS[0]
_COMPACT_AT = 1 << 16


class Sentinel(enum.Enum):
    """Non-event results of :meth:`Reader.next_event`."""

    NEED_DATA = "need more data"
    EOF = "end of input"


NEED_DATA: Literal[Sentinel.NEED_DATA] = Sentinel.NEED_DATA
EOF: Literal[Sentinel.EOF] = Sentinel.EOF


@dataclass(frozen=True, slots=True)
class Header:
    """An element starts at ``offset`` (identifier octet). Do not subclass."""

    tag: Tag
    offset: int
    header_length: int
    #: content length, or ``None`` for an indefinite length
    length: int | None


@dataclass(frozen=True, slots=True)
class Data:
    """Content octets of the current primitive element, starting at ``offset``."""

    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class End:
    """An element with ``tag`` ends; ``offset`` is just past it (after any end-of-contents)."""

    tag: Tag
    offset: int


Event = Header | Data | End


class _Open:
    __slots__ = ("count", "end", "start", "string_type", "tag")

    def __init__(self, tag: Tag, start: int, end: int | None) -> None:
        self.tag = tag
        self.start = start
        self.end = end  # absolute end of a definite element, None while indefinite
        self.count = 0
        self.string_type = tag.number if is_string_container(tag) else -1


class Reader:
    """Incremental BER reader: ``feed()`` bytes, pull ``next_event()`` (X.690 8.1).

    :param limits: resource bounds (depth, element count, tag and length octets,
        OID arcs, and ``max_input_size`` for the whole stream).
    :param base_offset: absolute offset of the first octet fed.
    :param multiple: accept a sequence of top-level elements; by default exactly
        one, and data after it is a DecodeError.
    """

    def __init__(
        self,
        *,
        limits: Limits = DEFAULT_LIMITS,
        base_offset: int = 0,
        multiple: bool = False,
    ) -> None:
        self._limits = limits
        self._base = base_offset
        self._multiple = multiple
        self._buf = bytearray()
        self._pos = 0  # index in _buf of the next unread octet
        self._dropped = 0  # octets removed from the front of _buf
        self._fed = 0
        self._closed = False
        self._stack: list[_Open] = []
        self._prim: Tag | None = None  # primitive element whose content is being read
        self._prim_left = 0
        self._prim_start = 0
        self._elements = 0

    @property
    def offset(self) -> int:
        """Absolute offset of the next octet the reader will look at."""
        return self._base + self._dropped + self._pos

    @property
    def depth(self) -> int:
        """Number of constructed elements currently open."""
        return len(self._stack)

    @property
    def at_boundary(self) -> bool:
        """True between top-level elements (nothing open, nothing pending)."""
        return not self._stack and self._prim is None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Append input octets."""
        if self._closed:
            raise UsageError("Reader.feed() after close()")
        self._fed += len(data)
        if self._fed > self._limits.max_input_size:
            raise LimitExceeded(
                f"input longer than {self._limits.max_input_size} octets",
                limit="max_input_size",
                offset=self._base + self._limits.max_input_size,
            )
        if self._pos >= _COMPACT_AT:
            del self._buf[: self._pos]
            self._dropped += self._pos
            self._pos = 0
        self._buf += data

    def close(self) -> None:
        """Signal the end of the input."""
        self._closed = True

    def next_event(self) -> Event | Literal[Sentinel.NEED_DATA, Sentinel.EOF]:
        """The next event, :data:`NEED_DATA` or :data:`EOF` (X.690 8.1)."""
        stack = self._stack
        if self._prim is not None:
            return self._primitive_data()
        here = self.offset
        if stack:
            top = stack[-1]
            if top.end == here:
                stack.pop()
                return End(top.tag, here)
        elif self._elements and not self._multiple:
            if self._pos < len(self._buf):
                raise DecodeError(
                    f"{len(self._buf) - self._pos} octets of trailing data", offset=here
                )
            return EOF if self._closed else NEED_DATA
        buf = self._buf
        avail = len(buf)
        limit = avail
        parent_end: int | None = None
        for frame in reversed(stack):
            if frame.end is not None:
                parent_end = frame.end
                break
        if parent_end is not None:
            limit = min(avail, self._pos + parent_end - here)
        hdr = parse_header(buf, self._pos, limit, here, self._limits)
        if hdr is None:
            if limit < avail:
                raise DecodeError("element runs past the end of its enclosing element", offset=here)
            if self._closed:
                if not stack and self._pos == avail:
                    if not self._elements and not self._multiple:
                        raise DecodeError("no data", offset=here)
                    return EOF
                raise DecodeError("truncated: input ends inside an element", offset=here)
            return NEED_DATA
        tag, hl, length = hdr
        if tag is _EOC_TAG:
            if not stack or stack[-1].end is not None:
                raise DecodeError(
                    "end-of-contents where no indefinite-length element is open (X.690 8.1.5)",
                    offset=here,
                )
            self._pos += 2
            return End(stack.pop().tag, here + 2)
        check_form(tag, here)
        if stack:
            top = stack[-1]
            top.count += 1
            if top.string_type >= 0:
                if tag.cls != TagClass.UNIVERSAL or tag.number != top.string_type:
                    raise DecodeError(
                        f"segment of a constructed {Tag.universal(top.string_type)} is {tag} "
                        "(X.690 8.7.3.2)",
                        offset=here,
                    )
            elif top.count > self._limits.max_elements:
                raise LimitExceeded(
                    f"more than {self._limits.max_elements} elements in one constructed element",
                    limit="max_elements",
                    offset=top.start,
                )
        cstart = here + hl
        if length is not None:
            room = self._base + self._limits.max_input_size - cstart
            if parent_end is not None and length > parent_end - cstart:
                raise DecodeError(
                    f"declared length {length} exceeds the {parent_end - cstart} octets "
                    "remaining in its enclosing element",
                    offset=here,
                )
            if length > room:
                raise LimitExceeded(
                    f"declared length {length} exceeds the input size limit",
                    limit="max_input_size",
                    offset=here,
                )
        if not stack:
            self._elements += 1
        if tag.constructed:
            if len(stack) >= self._limits.max_depth:
                raise LimitExceeded(
                    f"nesting deeper than {self._limits.max_depth} levels",
                    limit="max_depth",
                    offset=here,
                )
            stack.append(_Open(tag, here, None if length is None else cstart + length))
        else:
            assert length is not None  # parse_header refuses indefinite primitives
            if tag.cls == TagClass.UNIVERSAL:
                _check_primitive_length(tag.number, length, here, self._limits)
            self._prim = tag
            self._prim_left = length
            self._prim_start = here
        self._pos += hl
        return Header(tag, here, hl, length)

    def _primitive_data(self) -> Event | Literal[Sentinel.NEED_DATA, Sentinel.EOF]:
        tag = self._prim
        assert tag is not None
        here = self.offset
        left = self._prim_left
        if left == 0:
            self._prim = None
            return End(tag, here)
        buf = self._buf
        avail = len(buf) - self._pos
        # OIDs are validated whole, before any of their content is emitted
        is_oid = tag.cls == TagClass.UNIVERSAL and tag.number in (6, 13)
        if avail == 0 or (is_oid and avail < left):
            if self._closed:
                raise DecodeError(f"truncated: input ends inside {tag}", offset=here)
            return NEED_DATA
        take = min(avail, left)
        chunk = bytes(buf[self._pos : self._pos + take])
        if is_oid:
            _content.check_oid_limits(chunk, self._prim_start, self._limits)
        self._pos += take
        self._prim_left = left - take
        return Data(here, chunk)


def _check_primitive_length(number: int, length: int, offset: int, limits: Limits) -> None:
    """Refuse impossible lengths of small universal types before any content is read."""
    if number == 1 and length != 1:
        raise DecodeError(f"BOOLEAN with {length} content octets (X.690 8.2.1)", offset=offset)
    if number == 5 and length:
        raise DecodeError(f"NULL with {length} content octets (X.690 8.8.2)", offset=offset)
    if number in (2, 10) and not length:
        raise DecodeError("INTEGER with no content octets (X.690 8.3.1)", offset=offset)
    if number in (6, 13) and length > limits.max_oid_arcs * limits.max_oid_arc_octets:
        raise LimitExceeded(
            f"OBJECT IDENTIFIER of {length} octets exceeds the arc limits",
            limit="max_oid_arcs",
            offset=offset,
        )


def iter_events(
    data: bytes | bytearray | memoryview,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
    multiple: bool = False,
) -> Iterator[Event]:
    """All events of complete input ``data`` (a :class:`Reader` fed whole and closed)."""
    reader = Reader(limits=limits, base_offset=base_offset, multiple=multiple)
    reader.feed(data)
    reader.close()
    while True:
        event = reader.next_event()
        if event is EOF:
            return
        if event is NEED_DATA:  # pragma: no cover - closed readers never need data
            raise DecodeError("reader stalled", offset=reader.offset)
        yield event


def iter_file(
    fileobj: BinaryIO,
    *,
    chunk_size: int = 64 * 1024,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
    multiple: bool = False,
) -> Iterator[Event]:
    """Events of a binary file object read in ``chunk_size`` chunks (bounded memory)."""
    if chunk_size <= 0:
        raise UsageError("chunk_size must be positive")
    reader = Reader(limits=limits, base_offset=base_offset, multiple=multiple)
    while True:
        event = reader.next_event()
        if event is EOF:
            return
        if event is NEED_DATA:
            try:
                chunk = fileobj.read(chunk_size)
            except OSError as exc:
                raise DecodeError(f"cannot read input: {exc}", offset=reader.offset) from None
            if chunk:
                reader.feed(chunk)
            else:
                reader.close()
            continue
        yield event
