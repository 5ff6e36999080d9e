"""The windowed walk shared by the streaming CMS readers (RFC 5652 sections 5, 6, 8; X.690 8.1).

The SignedData reader (:mod:`smimelib.cms._sd_parse`) and the reader of the encryption
structures (:mod:`smimelib.cms._encrypt_stream`) both pull events from one sans-IO
:class:`smimelib.asn1.stream.Reader`: the large content flows through in chunks, and the
small parts around it are captured whole as :class:`~smimelib.asn1.tlv.Element` values
with their received octets and absolute offsets.

To hand over received octets exactly, the walker keeps a window of the input the reader
was fed. While a part is being captured the window is pinned at the part's start;
otherwise octets the reader has consumed are dropped, so memory stays at one read chunk
plus the part being captured (bounded by ``limits.max_input_size``).
"""

from __future__ import annotations

from collections.abc import Callable

from smimelib.asn1 import stream, tlv
from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, LimitExceeded

__all__ = ["StreamWalker", "describe"]


def describe(event: stream.Event) -> str:
    """An event as error messages name it: its tag, or what it is."""
    if isinstance(event, stream.Header):
        return str(event.tag)
    return "end of element" if isinstance(event, stream.End) else "content octets"


class StreamWalker:
    """Events from a :class:`~smimelib.asn1.stream.Reader` fed by ``read``, with capture.

    :param read: called with the reader's offset when it needs input; ``b""`` at the end.
    :param limits: the caller's limits; every captured part is bounded by and re-parsed
        with them.
    :param reader_limits: the reader's own limits (streamed content is never held, so the
        callers lift ``max_input_size`` there).
    :param check_declared: refuse a captured part whose definite length is over the
        limit from its header alone, before reading it.
    :ivar indefinite: some element read so far used the BER indefinite length form.
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        limits: Limits,
        reader_limits: Limits,
        *,
        check_declared: bool = False,
    ) -> None:
        self.reader = stream.Reader(limits=reader_limits)
        self.indefinite = False
        self._read = read
        self._limits = limits
        self._check_declared = check_declared
        self._window = bytearray()
        self._window_start = 0
        self._pin: int | None = None

    @property
    def offset(self) -> int:
        """Absolute offset of the next octet the reader will look at."""
        return self.reader.offset

    def next(self) -> stream.Event:
        """The next event, reading input as needed; the end of the input is truncation."""
        reader = self.reader
        while True:
            event = reader.next_event()
            if event is stream.NEED_DATA:
                if self._pin is None:
                    # nothing is being captured: consumed octets are no longer needed
                    drop = reader.offset - self._window_start
                    if drop > 0:
                        del self._window[:drop]
                        self._window_start += drop
                data = self._read(reader.offset)
                if data:
                    reader.feed(data)
                    self._window += data
                else:
                    reader.close()
                continue
            if event is stream.EOF:
                raise DecodeError("truncated: the message ends early", offset=reader.offset)
            assert not isinstance(event, stream.Sentinel)
            if isinstance(event, stream.Header) and event.length is None:
                self.indefinite = True
            return event

    def header(self, what: str, tag: tlv.Tag | None = None) -> stream.Header:
        """The next event, which must start an element (with ``tag`` if given)."""
        event = self.next()
        if not isinstance(event, stream.Header):
            raise DecodeError(f"{what} is missing", offset=event.offset)
        if tag is not None and event.tag != tag:
            raise DecodeError(f"{what}: expected {tag}, found {event.tag}", offset=event.offset)
        return event

    def end(self, what: str, *, name_event: bool = True) -> None:
        """The next event, which must end ``what``; the message names what came instead
        when ``name_event`` is set."""
        event = self.next()
        if not isinstance(event, stream.End):
            found = describe(event) if name_event else "data"
            raise DecodeError(f"unexpected {found} at the end of {what}", offset=event.offset)

    def capture(self, header: stream.Header, what: str) -> tlv.Element:
        """The whole element that ``header`` starts, with absolute offsets."""
        limit = self._limits.max_input_size
        if self._check_declared and header.length is not None and header.length > limit:
            raise LimitExceeded(
                f"{what} declares {header.length} octets, more than {limit}",
                limit="max_input_size",
                offset=header.offset,
            )
        self._pin = header.offset
        depth = 1
        end = header.offset
        bound = header.offset + limit
        while depth:
            event = self.next()
            if isinstance(event, stream.Header):
                depth += 1
            elif isinstance(event, stream.End):
                depth -= 1
                end = event.offset
            # checked as the octets arrive: an indefinite length declares nothing
            if self.reader.offset > bound:
                raise LimitExceeded(
                    f"{what} is longer than {limit} octets",
                    limit="max_input_size",
                    offset=header.offset,
                )
        start = header.offset - self._window_start
        raw = bytes(self._window[start : start + end - header.offset])
        self._pin = None
        return tlv.parse_one(raw, limits=self._limits, base_offset=header.offset, what=what)

    def field(self, what: str, name: str, tag: tlv.Tag | None = None) -> tlv.Element:
        """The next element, which must start here (see :meth:`header`), captured whole;
        ``name`` names it in limit and parse errors."""
        return self.capture(self.header(what, tag), name)

    def rest(self) -> bytes:
        """The octets already read past the reader's position (after the last element)."""
        return bytes(self._window[self.reader.offset - self._window_start :])
