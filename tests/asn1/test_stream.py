"""The sans-IO streaming reader: same events however the input is split, and the same rules."""

from __future__ import annotations

import io
import time
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import stream
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.asn1.stream import EOF, NEED_DATA, Data, End, Header, Reader, iter_events, iter_file
from smimelib.asn1.tlv import Tag, parse_one
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from tests.asn1.strategies import Node, element_events, encode, trees
from tests.asn1.test_tlv import pem_der


def normalise(events: Iterable[stream.Event]) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for ev in events:
        if isinstance(ev, Header):
            out.append(("header", ev.tag, ev.offset, ev.header_length, ev.length))
        elif isinstance(ev, Data):
            if out and out[-1][0] == "data":
                _, offset, data = out[-1]
                assert isinstance(data, bytes) and isinstance(offset, int)
                assert offset + len(data) == ev.offset  # chunks are contiguous
                out[-1] = ("data", offset, data + ev.data)
            else:
                out.append(("data", ev.offset, ev.data))
        else:
            assert isinstance(ev, End)
            out.append(("end", ev.tag, ev.offset))
    return out


def feed_in_chunks(
    data: bytes, sizes: Iterable[int], *, limits: Limits = DEFAULT_LIMITS, base_offset: int = 0
) -> list[stream.Event]:
    reader = Reader(limits=limits, base_offset=base_offset)
    events: list[stream.Event] = []
    pos = 0
    sizes = iter(sizes)
    while True:
        ev = reader.next_event()
        if ev is EOF:
            return events
        if ev is NEED_DATA:
            if pos >= len(data):
                reader.close()
                continue
            size = max(1, next(sizes, 1))
            reader.feed(data[pos : pos + size])
            pos += size
            continue
        events.append(ev)


# -- equivalence with the bytes API ----------------------------------------------------


@given(trees)
def test_whole_input_matches_bytes_api(node: Node) -> None:
    data = encode(node)
    expected = element_events(parse_one(data, base_offset=5))
    assert normalise(iter_events(data, base_offset=5)) == expected


@given(trees)
def test_byte_by_byte_matches_bytes_api(node: Node) -> None:
    data = encode(node)
    expected = element_events(parse_one(data))
    assert normalise(feed_in_chunks(data, iter(lambda: 1, 0))) == expected


@given(trees, st.lists(st.integers(1, 40), min_size=1))
def test_random_chunks_match_bytes_api(node: Node, sizes: list[int]) -> None:
    data = encode(node)
    expected = element_events(parse_one(data))
    assert normalise(feed_in_chunks(data, sizes * (len(data) + 1))) == expected


def test_real_certificate_events() -> None:
    der = pem_der("rfc9216/alice.sign.crt")
    expected = element_events(parse_one(der))
    assert normalise(feed_in_chunks(der, [7] * len(der))) == expected
    assert normalise(iter_file(io.BytesIO(der), chunk_size=3)) == expected
    headers = [ev for ev in iter_events(der) if isinstance(ev, Header)]
    assert headers[0] == Header(Tag.SEQUENCE, 0, 4, len(der) - 4)


def test_event_sequence_for_indefinite_octet_string() -> None:
    data = bytes.fromhex("2480040261620401630000")
    events = list(iter_events(data))
    constructed = Tag.OCTET_STRING.with_constructed(True)
    assert events == [
        Header(constructed, 0, 2, None),
        Header(Tag.OCTET_STRING, 2, 2, 2),
        Data(4, b"ab"),
        End(Tag.OCTET_STRING, 6),
        Header(Tag.OCTET_STRING, 6, 2, 1),
        Data(8, b"c"),
        End(Tag.OCTET_STRING, 9),
        End(constructed, 11),
    ]


def test_large_primitive_is_streamed_in_chunks() -> None:
    payload = bytes(range(256)) * 400
    data = b"\x04\x83" + len(payload).to_bytes(3, "big") + payload
    reader = Reader()
    chunks = []
    for i in range(0, len(data), 1000):
        reader.feed(data[i : i + 1000])
        while (ev := reader.next_event()) is not NEED_DATA:
            assert ev is not EOF
            if isinstance(ev, Data):
                assert len(ev.data) <= 1000
                chunks.append(ev.data)
    reader.close()
    assert reader.next_event() is EOF
    assert b"".join(chunks) == payload


# -- file objects -----------------------------------------------------------------------


def test_iter_file_reads_in_chunks_and_reports_truncation(tmp_path: object) -> None:
    data = bytes.fromhex("3080040361626330030201010000")
    f = io.BytesIO(data)
    events = list(iter_file(f, chunk_size=2))
    assert normalise(events) == element_events(parse_one(data))
    with pytest.raises(DecodeError, match="truncated"):
        list(iter_file(io.BytesIO(data[:-1]), chunk_size=4))
    with pytest.raises(UsageError):
        list(iter_file(io.BytesIO(data), chunk_size=0))


def test_iter_file_maps_os_errors() -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            raise OSError("disk on fire")

    with pytest.raises(DecodeError, match="disk on fire"):
        list(iter_file(Broken()))  # type: ignore[arg-type]


# -- boundaries, trailing data, multiple elements ---------------------------------------


def test_need_data_then_eof() -> None:
    reader = Reader()
    assert reader.next_event() is NEED_DATA
    reader.feed(b"\x05")
    assert reader.next_event() is NEED_DATA
    reader.feed(b"\x00")
    assert reader.next_event() == Header(Tag.NULL, 0, 2, 0)
    assert reader.next_event() == End(Tag.NULL, 2)
    assert reader.next_event() is NEED_DATA  # one element done, trailing data unknown yet
    assert reader.at_boundary and reader.depth == 0 and reader.offset == 2
    reader.close()
    assert reader.next_event() is EOF
    with pytest.raises(UsageError):
        reader.feed(b"x")


def test_trailing_data_is_refused_in_single_mode() -> None:
    with pytest.raises(DecodeError, match="trailing") as info:
        list(iter_events(b"\x05\x00\x05\x00", base_offset=10))
    assert info.value.offset == 12


def test_multiple_mode() -> None:
    data = b"\x05\x00" + b"\x02\x01\x07"
    events = list(iter_events(data, multiple=True))
    assert [type(e).__name__ for e in events] == ["Header", "End", "Header", "Data", "End"]
    assert list(iter_events(b"", multiple=True)) == []
    with pytest.raises(DecodeError, match="no data"):
        list(iter_events(b""))


@pytest.mark.parametrize(
    ("hexdata", "message"),
    [
        ("0480", "indefinite length on primitive"),
        ("04ff", "0xFF"),
        ("0000", "end-of-contents"),
        ("30020000", "end-of-contents"),
        ("3080050000", "truncated"),
        ("30030402aaaa", "enclosing"),
        ("1f800100", "leading 0x80"),
        ("2201", "must be primitive"),
        ("2403020101", "segment"),
        ("01020000", "BOOLEAN"),
        ("050100", "NULL"),
        ("0200", "no content octets"),
        ("02820001", "truncated"),
    ],
)
def test_stream_rejects_what_the_bytes_api_rejects(hexdata: str, message: str) -> None:
    data = bytes.fromhex(hexdata)
    with pytest.raises(DecodeError):
        parse_one(data)
    with pytest.raises(DecodeError, match=message):
        list(iter_events(data))
    with pytest.raises(DecodeError):
        feed_in_chunks(data, [1] * len(data))


# -- limits and hostile input -----------------------------------------------------------


def _quick(data: bytes, exc: type[Exception], **kwargs: object) -> DecodeError:
    start = time.perf_counter()
    with pytest.raises(exc) as info:
        list(iter_events(data, **kwargs))  # type: ignore[arg-type]
    assert time.perf_counter() - start < 1.0
    assert isinstance(info.value, DecodeError)
    return info.value


def test_million_deep_nest_stream() -> None:
    err = _quick(b"\x30\x80" * 1_000_000, LimitExceeded)
    assert isinstance(err, LimitExceeded) and err.limit == "max_depth"


def test_huge_declared_length_stream() -> None:
    err = _quick(b"\x04\x88" + (2**62).to_bytes(8, "big"), LimitExceeded)
    assert isinstance(err, LimitExceeded) and err.limit == "max_input_size"
    limits = DEFAULT_LIMITS.replace(max_input_size=10)
    reader = Reader(limits=limits)
    reader.feed(b"\x04\x20")
    with pytest.raises(LimitExceeded):
        reader.next_event()
    with pytest.raises(LimitExceeded):
        Reader(limits=limits).feed(b"x" * 11)


def test_tag_and_oid_limits_stream() -> None:
    err = _quick(b"\x1f" + b"\xff" * 100_000 + b"\x01\x00", LimitExceeded)
    assert isinstance(err, LimitExceeded) and err.limit == "max_tag_octets"
    _quick(b"\x06\x82\x0f\xa0" + b"\x81" * 3999 + b"\x01", LimitExceeded)
    _quick(b"\x06\x82\x00\x20" + b"\x81" * 31 + b"\x01", LimitExceeded)


def test_element_count_limit_stream() -> None:
    limits = DEFAULT_LIMITS.replace(max_elements=2)
    with pytest.raises(LimitExceeded) as info:
        list(iter_events(b"\x30\x06" + b"\x05\x00" * 3, limits=limits))
    assert info.value.limit == "max_elements"
    assert len(list(iter_events(b"\x30\x04" + b"\x05\x00" * 2, limits=limits))) == 6


def test_buffer_is_compacted_while_streaming() -> None:
    payload = b"z" * (1 << 20)
    data = b"\x04\x83" + len(payload).to_bytes(3, "big") + payload
    reader = Reader()
    total = 0
    for i in range(0, len(data), 4096):
        reader.feed(data[i : i + 4096])
        while (ev := reader.next_event()) is not NEED_DATA:
            if isinstance(ev, Data):
                total += len(ev.data)
        assert len(reader._buf) < 3 * 65536  # bounded by chunk size + compaction threshold
    assert total == len(payload)
