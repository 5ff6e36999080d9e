"""DER writer helpers: known answers from X.690 / RFCs, round trips, and BER streaming output."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.asn1.stream import Data, iter_events
from smimelib.asn1.tlv import Tag, TagClass, is_der, parse_one
from smimelib.errors import UsageError
from tests.peers import openssl
from tests.vectors import vector_path

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("n", "octets"),
    [(0, "00"), (127, "7f"), (128, "8180"), (255, "81ff"), (256, "820100"), (2**24, "8401000000")],
)
def test_encode_length(n: int, octets: str) -> None:
    assert der.encode_length(n).hex() == octets


def test_encode_length_rejects_negative() -> None:
    with pytest.raises(UsageError):
        der.encode_length(-1)


@pytest.mark.parametrize(
    ("dotted", "octets"),
    [
        ("1.2.840.113549", "06062a864886f70d"),  # X.690 / PKCS #1 arc
        ("2.16.840.1.101.3.4.2.1", "0609608648016503040201"),  # id-sha256, RFC 5754
        ("1.2.840.113549.1.9.16.3.18", "060b2a864886f70d0109100312"),  # RFC 8103
        ("2.999.3", "0603883703"),  # X.690 8.19.5 example
        ("0.0", "060100"),
        ("1.3.101.112", "06032b6570"),  # id-Ed25519, RFC 8410 section 3
    ],
)
def test_encode_oid(dotted: str, octets: str) -> None:
    assert der.encode_oid(dotted).hex() == octets
    assert parse_one(bytes.fromhex(octets)).as_oid() == dotted


@pytest.mark.parametrize("bad", ["1", "3.1", "1.40", "a.b", "1.02", "1..2", "", "1.-2", "0.39.+1"])
def test_encode_oid_rejects(bad: str) -> None:
    with pytest.raises(UsageError):
        der.encode_oid(bad)


@given(
    st.sampled_from([0, 1, 2]),
    st.integers(0, 39),
    st.lists(st.integers(0, 2**70), max_size=12),
    st.integers(0, 2**40),
)
def test_oid_round_trip(first: int, second: int, rest: list[int], big: int) -> None:
    if first == 2:
        second += big
    dotted = ".".join(map(str, [first, second, *rest]))
    encoded = der.encode_oid(dotted)
    assert parse_one(encoded).as_oid() == dotted and is_der(encoded)


@pytest.mark.parametrize(
    ("n", "octets"),
    [(0, "020100"), (127, "02017f"), (128, "02020080"), (-128, "020180"), (-129, "0202ff7f")],
)
def test_encode_int(n: int, octets: str) -> None:
    assert der.encode_int(n).hex() == octets


@given(st.integers(-(2**600), 2**600))
def test_int_round_trip(n: int) -> None:
    encoded = der.encode_int(n)
    assert parse_one(encoded).as_int(max_octets=80) == n and is_der(encoded)
    assert parse_one(der.encode_enumerated(n)).as_int(max_octets=80) == n


def test_encode_int_rejects_non_int() -> None:
    with pytest.raises(UsageError):
        der.encode_int(True)
    with pytest.raises(UsageError):
        der.encode_int(1.5)  # type: ignore[arg-type]


def test_simple_values() -> None:
    assert der.encode_null() == der.NULL == b"\x05\x00"
    assert der.encode_bool(True) == b"\x01\x01\xff" and der.encode_bool(False) == b"\x01\x01\x00"
    assert der.encode_octets(b"ab") == b"\x04\x02ab"
    assert der.encode_tlv(Tag.context(1, False), b"x") == b"\x81\x01x"
    assert der.encode_tag(Tag(TagClass.PRIVATE, True, 200)) == b"\xff\x81\x48"
    assert der.sequence(der.encode_int(1), der.NULL) == bytes.fromhex("30050201010500")
    assert der.sequence() == b"\x30\x00"


@given(st.binary(max_size=40), st.integers(0, 7))
def test_bit_string_round_trip(data: bytes, unused: int) -> None:
    if not data:
        unused = 0
    encoded = der.encode_bit_string(data, unused)
    got_unused, got = parse_one(encoded).as_bit_string()
    assert got_unused == unused and len(got) == len(data)
    if data:
        mask = 0xFF ^ ((1 << unused) - 1)
        assert got[:-1] == data[:-1] and got[-1] == data[-1] & mask
    assert is_der(encoded)


def test_bit_string_rejects() -> None:
    with pytest.raises(UsageError):
        der.encode_bit_string(b"", 1)
    with pytest.raises(UsageError):
        der.encode_bit_string(b"a", 8)


def test_strings() -> None:
    assert der.encode_utf8("\u20ac") == bytes.fromhex("0c03e282ac")
    assert der.encode_printable("Example CA") == b"\x13\x0aExample CA"
    assert der.encode_ia5("a@b.example") == b"\x16\x0ba@b.example"
    assert der.encode_bmp("\u00e9") == bytes.fromhex("1e0200e9")
    assert der.encode_visible("x y") == b"\x1a\x03x y"
    for encoded, text in [
        (der.encode_utf8("h\u00e9llo \U0001f600"), "h\u00e9llo \U0001f600"),
        (der.encode_bmp("caf\u00e9"), "caf\u00e9"),
        (der.encode_ia5("me@example.org"), "me@example.org"),
    ]:
        assert parse_one(encoded).as_string() == text
    for call, arg in [
        (der.encode_printable, "a@b"),
        (der.encode_printable, "\u00e9"),
        (der.encode_ia5, "\u00e9"),
        (der.encode_bmp, "\U0001f600"),
        (der.encode_visible, "\n"),
        (der.encode_utf8, "\ud800"),
    ]:
        with pytest.raises(UsageError):
            call(arg)


@given(st.text(max_size=30))
def test_utf8_round_trip(text: str) -> None:
    try:
        encoded = der.encode_utf8(text)
    except UsageError:
        return  # lone surrogates
    assert parse_one(encoded).as_string() == text


def test_times() -> None:
    dt = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert der.encode_utc_time(dt) == b"\x17\x0d491231235959Z"
    assert der.encode_time(dt) == der.encode_utc_time(dt)
    later = datetime.datetime(2050, 1, 1, tzinfo=UTC)
    assert der.encode_time(later) == b"\x18\x0f20500101000000Z"
    early = datetime.datetime(1949, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert der.encode_time(early) == b"\x18\x0f19491231235959Z"
    assert der.encode_time(datetime.datetime(1950, 1, 1, tzinfo=UTC))[:1] == b"\x17"
    frac = datetime.datetime(2024, 2, 29, 1, 2, 3, 250000, tzinfo=UTC)
    assert der.encode_generalized_time(frac) == b"\x18\x1220240229010203.25Z"
    assert der.encode_time(frac) == b"\x17\x0d240229010203Z"  # RFC 5280: whole seconds
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    assert der.encode_utc_time(datetime.datetime(2024, 1, 1, 2, tzinfo=plus2)) == (
        b"\x17\x0d240101000000Z"
    )
    with pytest.raises(UsageError):
        der.encode_utc_time(later)
    with pytest.raises(UsageError):
        der.encode_time(datetime.datetime(2024, 1, 1))


@given(
    st.datetimes(
        min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)
    ).map(lambda d: d.replace(tzinfo=UTC))
)
def test_time_round_trip(dt: datetime.datetime) -> None:
    encoded = der.encode_generalized_time(dt)
    assert parse_one(encoded).as_time() == dt and is_der(encoded)
    whole = dt.replace(microsecond=0)
    assert parse_one(der.encode_time(dt)).as_time() == whole
    assert is_der(der.encode_time(dt))


def test_explicit_and_implicit() -> None:
    assert der.explicit(0, der.encode_int(2)) == bytes.fromhex("a003020102")
    assert der.explicit(40, b"\x05\x00") == bytes.fromhex("bf28020500")
    assert der.explicit(1, b"\x05\x00", cls=TagClass.APPLICATION) == bytes.fromhex("61020500")
    assert der.implicit(1, der.encode_octets(b"ab")) == bytes.fromhex("81026162")
    assert der.implicit(0, der.sequence(der.NULL)) == bytes.fromhex("a0020500")
    signed_attrs = der.implicit(0, der.set_of([der.NULL]))
    assert signed_attrs[0] == 0xA0
    # signed attributes are hashed with the SET tag back (RFC 5652 section 5.4)
    assert der.implicit(17, signed_attrs, cls=TagClass.UNIVERSAL) == der.set_of([der.NULL])
    assert der.implicit(2, b"\x05\x00", constructed=True) == b"\xa2\x00"
    high = der.implicit(31, der.encode_octets(b"z"))
    assert high == b"\x9f\x1f\x01z"
    assert der.implicit(3, high) == b"\x83\x01z"
    for bad in (b"", b"\x04", b"\x1f\x81"):
        with pytest.raises(UsageError):
            der.implicit(0, bad)


def test_encode_set_orders_by_tag() -> None:
    a = der.encode_tlv(Tag.context(1, False), b"")
    b = der.explicit(0, der.NULL)
    c = der.encode_int(1)
    encoded = der.encode_set(a, b, c)
    tags = [e.tag for e in parse_one(encoded).children()]
    assert tags == [Tag.INTEGER, Tag.context(0), Tag.context(1, False)]
    assert is_der(encoded)


def test_set_of_known_answer() -> None:
    # X.690 11.6: shorter encodings padded with zeros: 0401 00 < 0402 0000 < 0402 0101
    items = [bytes.fromhex("04020101"), bytes.fromhex("040100"), bytes.fromhex("04020000")]
    assert der.set_of(items) == bytes.fromhex("310b0401000402000004020101")


def test_indefinite_helpers() -> None:
    assert der.indefinite_header(Tag.SEQUENCE) == b"\x30\x80"
    assert der.indefinite_header(Tag.context(0)) == b"\xa0\x80"
    encoded = der.encode_indefinite(Tag.SEQUENCE, der.encode_int(1))
    assert encoded == bytes.fromhex("30800201010000")
    elem = parse_one(encoded)
    assert elem.indefinite and elem.children()[0].as_int() == 1
    with pytest.raises(UsageError):
        der.indefinite_header(Tag.OCTET_STRING)


@given(st.lists(st.binary(max_size=50), max_size=10), st.integers(1, 17))
def test_octet_string_chunker(pieces: list[bytes], size: int) -> None:
    chunker = der.OctetStringChunker(chunk_size=size)
    out = chunker.begin() + b"".join(chunker.update(p) for p in pieces) + chunker.finish()
    elem = parse_one(out)
    data = b"".join(pieces)
    assert elem.indefinite and elem.as_octets() == data
    segments = elem.children()
    assert all(s.tag == Tag.OCTET_STRING for s in segments)
    assert all(s.content_length == size for s in segments[:-1])
    assert len(segments) == (len(data) + size - 1) // size
    assert b"".join(e.data for e in iter_events(out) if isinstance(e, Data)) == data


def test_octet_string_chunker_misuse() -> None:
    chunker = der.OctetStringChunker()
    with pytest.raises(UsageError):
        chunker.update(b"x")
    chunker.begin()
    with pytest.raises(UsageError):
        chunker.begin()
    assert chunker.finish() == b"\x00\x00"
    with pytest.raises(UsageError):
        chunker.finish()
    with pytest.raises(UsageError):
        der.OctetStringChunker(chunk_size=0)


@pytest.mark.interop
def test_openssl_reads_our_indefinite_output(tmp_path: Path) -> None:
    chunker = der.OctetStringChunker(chunk_size=1000)
    content = bytes(range(256)) * 20
    body = chunker.begin() + chunker.update(content) + chunker.finish()
    blob = der.encode_indefinite(Tag.SEQUENCE, der.encode_oid("1.2.840.113549.1.7.1"), body)
    path = tmp_path / "stream.ber"
    path.write_bytes(blob)
    out = openssl(["asn1parse", "-inform", "DER", "-in", path]).stdout.decode()
    assert "cons: SEQUENCE" in out and "inf" in out
    assert out.count("prim: OCTET STRING") == 6  # 5 full segments and the last 120 octets


@pytest.mark.interop
def test_we_read_openssl_stream_output(tmp_path: Path) -> None:
    content = b"streamed content\r\n" * 500
    (tmp_path / "in.txt").write_bytes(content)
    openssl(
        [
            "cms", "-sign", "-stream", "-binary", "-nodetach", "-outform", "DER",
            "-in", tmp_path / "in.txt", "-out", tmp_path / "out.ber",
            "-signer", vector_path("rfc9216/alice.sign.crt"),
            "-inkey", vector_path("rfc9216/alice.sign.key"),
        ]
    )  # fmt: skip
    data = (tmp_path / "out.ber").read_bytes()
    root = parse_one(data)
    assert root.indefinite and not is_der(data)
    oid, explicit = root.children()
    assert oid.as_oid() == "1.2.840.113549.1.7.2"
    signed_data = explicit.children()[0]
    _version, _digests, encap = signed_data.children()[:3]
    econtent = encap.children()[1].children()[0]
    assert econtent.tag == Tag.OCTET_STRING.with_constructed(True)
    assert econtent.as_octets() == content
