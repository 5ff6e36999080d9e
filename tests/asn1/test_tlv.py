"""The BER/DER TLV reader over bytes: structure, accessors, X.690 rules, limits."""

from __future__ import annotations

import base64
import datetime
import re

import pytest

from smimelib.asn1 import tlv
from smimelib.asn1.limits import DEFAULT_LIMITS
from smimelib.asn1.tlv import Element, Tag, TagClass, check, is_der, parse_one
from smimelib.errors import DecodeError, LimitExceeded
from tests.vectors import load_vector

UTC = datetime.UTC


def pem_der(relative: str) -> bytes:
    text = load_vector(relative)
    body = re.search(rb"-----BEGIN [^-]+-----(.*?)-----END", text, re.S)
    assert body is not None
    return base64.b64decode(re.sub(rb"\s", b"", body.group(1)))


# -- tags ------------------------------------------------------------------------------


def test_tag_constants_and_context() -> None:
    assert Tag(TagClass.UNIVERSAL, True, 16) == Tag.SEQUENCE
    assert Tag(TagClass.UNIVERSAL, True, 17) == Tag.SET
    assert Tag(TagClass.UNIVERSAL, False, 4) == Tag.OCTET_STRING
    assert Tag.BMP_STRING.number == 30 and not Tag.BMP_STRING.constructed
    assert Tag.context(0) == Tag(TagClass.CONTEXT, True, 0)
    assert Tag.context(3, constructed=False) == Tag(TagClass.CONTEXT, False, 3)
    assert hash(Tag.context(5)) == hash(Tag(TagClass.CONTEXT, True, 5))
    assert Tag.SEQUENCE != Tag.SET
    assert str(Tag.SEQUENCE) == "SEQUENCE"
    assert str(Tag.context(2, False)) == "[2]"
    assert str(Tag(TagClass.APPLICATION, True, 7)) == "[APPLICATION 7] (constructed)"


@pytest.mark.parametrize(
    ("tag", "octets"),
    [
        (Tag.SEQUENCE, b"\x30"),
        (Tag.context(0), b"\xa0"),
        (Tag(TagClass.PRIVATE, False, 30), b"\xde"),
        (Tag(TagClass.CONTEXT, False, 31), b"\x9f\x1f"),
        (Tag(TagClass.APPLICATION, True, 128), b"\x7f\x81\x00"),
        (Tag(TagClass.CONTEXT, True, 0x3FFF), b"\xbf\xff\x7f"),
    ],
)
def test_tag_encoding_round_trip(tag: Tag, octets: bytes) -> None:
    assert tag.encode() == octets
    elem = parse_one(octets + b"\x00")
    assert elem.tag == tag
    assert elem.header_length == len(octets) + 1


# -- elements and offsets ----------------------------------------------------------------


def test_definite_structure_offsets_and_raw() -> None:
    data = bytes.fromhex("300d06092a864886f70d01010b0500")
    root = parse_one(data, base_offset=100)
    assert root.tag == Tag.SEQUENCE
    assert (root.offset, root.header_length, root.content_offset) == (100, 2, 102)
    assert root.content_length == 13 and not root.indefinite
    assert root.raw == data and root.content == data[2:]
    assert root.length == 15 and root.end_offset == 115
    oid, null = root.children()
    assert oid.offset == 102 and oid.content_offset == 104
    assert oid.as_oid() == "1.2.840.113549.1.1.11"
    assert null.raw == b"\x05\x00"
    null.as_null()
    assert root.limits is DEFAULT_LIMITS


def test_indefinite_keeps_exact_bytes_including_eoc() -> None:
    # [0] indefinite { OCTET STRING constructed indefinite { "ab" "c" } } -- OpenSSL -stream
    data = bytes.fromhex("a08024800402616204016300000000")
    root = parse_one(data)
    assert root.indefinite and root.raw == data
    assert root.content == data[2:-2]
    assert root.content_length == len(data) - 4
    (inner,) = root.children()
    assert inner.indefinite and inner.tag == Tag.OCTET_STRING.with_constructed(True)
    assert inner.raw == bytes.fromhex("2480040261620401630000")
    assert inner.as_octets() == b"abc"
    assert [c.as_octets() for c in inner.children()] == [b"ab", b"c"]


def test_indefinite_inside_definite_and_vice_versa() -> None:
    inner_indef = bytes.fromhex("30800201010000")
    outer_def = b"\x30" + bytes([len(inner_indef) + 3]) + inner_indef + b"\x02\x01\x02"
    root = parse_one(outer_def)
    a, b = root.children()
    assert a.indefinite and a.raw == inner_indef and a.children()[0].as_int() == 1
    assert b.as_int() == 2
    data = bytes.fromhex("30803003020103308000000000")
    root = parse_one(data)
    first, second = root.children()
    assert first.children()[0].as_int() == 3 and not first.indefinite
    assert second.indefinite and second.children() == ()


def test_long_form_lengths_are_accepted_in_ber_but_not_der() -> None:
    data = b"\x04\x81\x03abc"
    assert parse_one(data).as_octets() == b"abc"
    assert parse_one(b"\x04\x82\x00\x01z").as_octets() == b"z"
    assert not is_der(data)
    with pytest.raises(DecodeError, match="minimal"):
        check(data, der=True)
    big = b"\x04\x82\x01\x00" + b"x" * 256
    assert parse_one(big).content_length == 256 and is_der(big)


def test_high_tag_numbers() -> None:
    data = b"\xbf\x87\x68\x03\x02\x01\x07"  # [1000] constructed { INTEGER 7 }
    root = parse_one(data)
    assert root.tag == Tag(TagClass.CONTEXT, True, 1000)
    assert root.header_length == 4
    assert root.children()[0].as_int() == 7


def test_children_of_primitive_is_an_error() -> None:
    with pytest.raises(DecodeError, match="primitive") as info:
        parse_one(b"\x02\x01\x05", base_offset=7).children()
    assert info.value.offset == 7


def test_expect() -> None:
    elem = parse_one(b"\x02\x01\x05")
    assert elem.expect(Tag.INTEGER, "version") is elem
    with pytest.raises(DecodeError, match="version: expected SEQUENCE, found INTEGER"):
        elem.expect(Tag.SEQUENCE, "version")


def test_element_equality_uses_bytes() -> None:
    a = parse_one(b"\x02\x01\x05")
    assert a == parse_one(b"\x02\x01\x05")
    assert a != parse_one(b"\x02\x01\x06")
    assert len({a, parse_one(b"\x02\x01\x05")}) == 1
    assert isinstance(a, Element)


# -- accessors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hexdata", "value"),
    [
        ("020100", 0),
        ("02017f", 127),
        ("02020080", 128),
        ("0201ff", -1),
        ("020180", -128),
        ("0202ff7f", -129),
        ("0209010000000000000000", 2**64),
        ("0a0102", 2),  # ENUMERATED
    ],
)
def test_as_int(hexdata: str, value: int) -> None:
    assert parse_one(bytes.fromhex(hexdata)).as_int() == value


@pytest.mark.parametrize("hexdata", ["0202007f", "0202ff80", "0a02007f"])
def test_as_int_rejects_non_minimal(hexdata: str) -> None:
    elem = parse_one(bytes.fromhex(hexdata))  # tolerated while walking BER
    with pytest.raises(DecodeError, match="redundant leading octets"):
        elem.as_int()
    assert not is_der(bytes.fromhex(hexdata))


def test_empty_integer_is_malformed_ber() -> None:
    for data in (b"\x02\x00", b"\x0a\x00", b"\x30\x02\x02\x00"):
        with pytest.raises(DecodeError, match="no content octets"):
            parse_one(data)


def test_as_int_limits() -> None:
    big = b"\x02\x41\x01" + b"\x00" * 64  # 65 octets
    with pytest.raises(LimitExceeded) as info:
        parse_one(big).as_int()
    assert info.value.limit == "max_integer_octets"
    assert parse_one(big).as_int(max_octets=65) == 1 << 512
    with pytest.raises(LimitExceeded):
        parse_one(b"\x02\x02\x01\x00").as_int(max_octets=1)
    assert parse_one(b"\x80\x01\x05").as_int(implicit=True) == 5
    with pytest.raises(DecodeError, match="expected INTEGER"):
        parse_one(b"\x80\x01\x05").as_int()


def test_as_oid() -> None:
    assert parse_one(bytes.fromhex("0603550403")).as_oid() == "2.5.4.3"
    assert parse_one(bytes.fromhex("06092a864886f70d010701")).as_oid() == "1.2.840.113549.1.7.1"
    assert parse_one(bytes.fromhex("060100")).as_oid() == "0.0"
    assert parse_one(bytes.fromhex("0603883703")).as_oid() == "2.999.3"  # X.690 8.19.5 example
    assert parse_one(bytes.fromhex("8003550403")).as_oid(implicit=True) == "2.5.4.3"
    with pytest.raises(DecodeError, match="expected OBJECT IDENTIFIER"):
        parse_one(bytes.fromhex("0403550403")).as_oid()


@pytest.mark.parametrize(
    ("hexdata", "message"),
    [
        ("0600", "empty"),
        ("0602802a", "leading 0x80"),
        ("06022a86", "ends inside"),
    ],
)
def test_as_oid_rejects_malformed(hexdata: str, message: str) -> None:
    # structural validation only enforces the OID limits; the value access is strict
    elem = parse_one(bytes.fromhex(hexdata))
    with pytest.raises(DecodeError, match=message):
        elem.as_oid()


def test_as_bool_null() -> None:
    assert parse_one(b"\x01\x01\xff").as_bool() is True
    assert parse_one(b"\x01\x01\x01").as_bool() is True  # BER: any non-zero
    assert parse_one(b"\x01\x01\x00").as_bool() is False
    with pytest.raises(DecodeError, match="BOOLEAN"):
        parse_one(b"\x01\x02\x00\x00")
    with pytest.raises(DecodeError, match="NULL"):
        parse_one(b"\x05\x01\x00")
    with pytest.raises(DecodeError, match="expected NULL"):
        parse_one(b"\x01\x01\x00").as_null()


def test_as_octets_and_nested_constructed_chunks() -> None:
    assert parse_one(b"\x04\x03abc").as_octets() == b"abc"
    nested = bytes.fromhex("248024060401610401620401630000")
    assert parse_one(nested).as_octets() == b"abc"
    implicit = bytes.fromhex("a0060401610401620000")[:8]
    assert parse_one(implicit).as_octets(implicit=True) == b"ab"
    with pytest.raises(DecodeError, match="segment"):
        parse_one(bytes.fromhex("2403020101"))  # INTEGER inside constructed OCTET STRING
    with pytest.raises(DecodeError, match="expected OCTET STRING"):
        parse_one(b"\x0c\x01a").as_octets()


def test_as_bit_string() -> None:
    assert parse_one(bytes.fromhex("030206c0")).as_bit_string() == (6, b"\xc0")
    assert parse_one(bytes.fromhex("030100")).as_bit_string() == (0, b"")
    seg = bytes.fromhex("238003030000ff030206c00000")
    assert parse_one(seg).as_bit_string() == (6, b"\x00\xff\xc0")
    with pytest.raises(DecodeError, match="unused bits"):
        parse_one(bytes.fromhex("2380030201c0030200ff0000")).as_bit_string()
    for bad in ("0300", "030108", "03020880"):
        with pytest.raises(DecodeError):
            parse_one(bytes.fromhex(bad)).as_bit_string()


@pytest.mark.parametrize(
    ("hexdata", "text"),
    [
        ("0c03e282ac", "\u20ac"),
        ("130548656c6c6f", "Hello"),
        ("1603612e62", "a.b"),
        ("1e0400e90041", "\u00e9A"),
        ("1c080001f600000000e9", "\U0001f600\u00e9"),
        ("1401e9", "\u00e9"),
        ("1a0141", "A"),
        ("1203312033", "1 3"),
    ],
)
def test_as_string(hexdata: str, text: str) -> None:
    assert parse_one(bytes.fromhex(hexdata)).as_string() == text


@pytest.mark.parametrize("hexdata", ["0c01ff", "1e0141", "16018a", "130101", "1c0100", "1201aa"])
def test_as_string_rejects_bad_content(hexdata: str) -> None:
    with pytest.raises(DecodeError):
        parse_one(bytes.fromhex(hexdata)).as_string()


def test_as_string_tags() -> None:
    assert parse_one(b"\x81\x03a@b").as_string(as_type=Tag.IA5_STRING) == "a@b"
    with pytest.raises(DecodeError, match="character string"):
        parse_one(b"\x04\x01a").as_string()
    with pytest.raises(DecodeError, match="universal"):
        parse_one(b"\x81\x01a").as_string()
    assert parse_one(bytes.fromhex("2c800c01610c01620000")).as_string() == "ab"


@pytest.mark.parametrize(
    ("hexdata", "value"),
    [
        (b"491231235959Z", datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (b"500101000000Z", datetime.datetime(1950, 1, 1, tzinfo=UTC)),
        (b"9912312359Z", datetime.datetime(1999, 12, 31, 23, 59, tzinfo=UTC)),
        (b"200101010000+0100", datetime.datetime(2020, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_as_time_utc(hexdata: bytes, value: datetime.datetime) -> None:
    assert parse_one(b"\x17" + bytes([len(hexdata)]) + hexdata).as_time() == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"20500101000000Z", datetime.datetime(2050, 1, 1, tzinfo=UTC)),
        (b"20240229123456.5Z", datetime.datetime(2024, 2, 29, 12, 34, 56, 500000, tzinfo=UTC)),
        (b"2024022912-0130", datetime.datetime(2024, 2, 29, 13, 30, tzinfo=UTC)),
        (b"19991231235959.1234567Z", datetime.datetime(1999, 12, 31, 23, 59, 59, 123456, UTC)),
    ],
)
def test_as_time_generalized(text: bytes, value: datetime.datetime) -> None:
    assert parse_one(b"\x18" + bytes([len(text)]) + text).as_time() == value


@pytest.mark.parametrize(
    "raw",
    [
        b"\x17\x0d491331235959Z",  # month 13
        b"\x17\x0b4912312359",  # no zone
        b"\x18\x0e20240101000000",  # local time
        b"\x18\x0f20230229000000Z",  # not a leap year
        b"\x17\x11491231235959+2500",
        b"\x04\x01a",
    ],
)
def test_as_time_rejects(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_one(raw).as_time()


def test_as_time_implicit() -> None:
    raw = b"\x80\x0f20500101000000Z"
    assert parse_one(raw).as_time(as_type=Tag.GENERALIZED_TIME).year == 2050


# -- X.690 structural rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("hexdata", "message"),
    [
        ("0480", "indefinite length on primitive"),
        ("04ff", "0xFF is reserved"),
        ("3004020105", "exceeds"),
        ("0000", "end-of-contents where no indefinite"),
        ("300400000000", "end-of-contents where no indefinite"),
        ("30800001", "universal tag 0"),
        ("2000", "universal tag 0"),
        ("30810000", "trailing"),
        ("3080050000", "truncated"),
        ("3080", "truncated"),
        ("1f800100", "leading 0x80"),
        ("1f1e00", "high-tag-number form"),
        ("02820001", "exceeds"),
        ("", "no data"),
        ("30", "truncated"),
        ("30030402aaaa", "enclosing"),
        ("30023080", "truncated"),
        ("3004308005000000", "enclosing"),
        ("2201", "must be primitive"),
        ("220100", "must be primitive"),
        ("1000", "must be constructed"),
        ("00800000", "indefinite length on primitive"),
        ("000100", "universal tag 0"),
    ],
)
def test_x690_violations(hexdata: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as info:
        parse_one(bytes.fromhex(hexdata), what="thing")
    assert info.value.offset is not None
    assert str(info.value).startswith("thing: ")


def test_eoc_must_be_two_zero_octets() -> None:
    with pytest.raises(DecodeError, match="00 00"):
        parse_one(bytes.fromhex("30800081000000"))


def test_error_offsets_are_absolute() -> None:
    data = bytes.fromhex("30050201010480")
    with pytest.raises(DecodeError) as info:
        parse_one(data, base_offset=1000)
    assert info.value.offset == 1005


def test_accepts_memoryview_and_bytearray() -> None:
    data = bytes.fromhex("3003020105")
    assert parse_one(memoryview(data)).raw == data
    assert parse_one(bytearray(data)).children()[0].as_int() == 5


# -- DER checks -------------------------------------------------------------------------


def test_der_checks() -> None:
    assert is_der(bytes.fromhex("3003020105"))
    assert not is_der(bytes.fromhex("30800201050000"))  # indefinite
    assert not is_der(bytes.fromhex("2403040161"))  # constructed string
    assert not is_der(bytes.fromhex("010101"))  # BOOLEAN not FF
    assert is_der(bytes.fromhex("0101ff"))
    assert not is_der(bytes.fromhex("030207c1"))  # non-zero padding
    assert is_der(bytes.fromhex("030207 80".replace(" ", "")))
    assert not is_der(b"\x17\x0b4912312359Z")  # no seconds
    assert not is_der(b"\x18\x1120240101000000.0Z")  # trailing zero fraction
    assert is_der(b"\x18\x1220240101000000.25Z")
    assert not is_der(b"\x02\x01")  # malformed at all


def test_der_set_order() -> None:
    sorted_set = bytes.fromhex("3106020101020102")
    unsorted_set = bytes.fromhex("3106020102020101")
    assert is_der(sorted_set)
    with pytest.raises(DecodeError, match="DER order") as info:
        check(unsorted_set, der=True, base_offset=10)
    assert info.value.offset == 10
    assert parse_one(unsorted_set).children()[0].as_int() == 2  # fine as BER
    # a SET with different tags in canonical tag order ([0] constructed before [1] primitive)
    assert is_der(bytes.fromhex("3107a0020500810100"))
    # same tags unsorted, nested one level down
    assert not is_der(bytes.fromhex("30083106020102020101"))


# -- limits and hostile input -----------------------------------------------------------


def _raises_quickly(data: bytes, exc: type[Exception] = DecodeError, **kwargs: object) -> None:
    import time

    start = time.perf_counter()
    with pytest.raises(exc):
        parse_one(data, **kwargs)  # type: ignore[arg-type]
    assert time.perf_counter() - start < 1.0


def test_million_deep_indefinite_nest() -> None:
    data = b"\x30\x80" * 1_000_000
    _raises_quickly(data, LimitExceeded)
    with pytest.raises(LimitExceeded) as info:
        check(data)
    assert info.value.limit == "max_depth"
    assert info.value.offset == 2 * 64


def test_deep_definite_nest() -> None:
    depth = 100_000
    # every level has a 4-octet long-form length, so level i (from the inside) holds
    # the NULL plus i inner headers of 6 octets
    lengths = [2 + 6 * i for i in range(depth)]
    data = b"".join(b"\x30\x84" + n.to_bytes(4, "big") for n in reversed(lengths)) + b"\x05\x00"
    _raises_quickly(data, LimitExceeded)


def test_depth_limit_is_exact() -> None:
    limits = DEFAULT_LIMITS.replace(max_depth=3)
    assert parse_one(bytes.fromhex("300430023000"), limits=limits)  # depth 3
    with pytest.raises(LimitExceeded):
        parse_one(bytes.fromhex("3006300430023000"), limits=limits)


@pytest.mark.parametrize(
    "data",
    [
        b"\x30\x88" + (2**62).to_bytes(8, "big"),
        b"\x04\x88" + (2**62).to_bytes(8, "big") + b"abc",
        b"\x04\x84\xff\xff\xff\xff",
        b"\x30\x80" + b"\x04\x88" + (2**63 - 1).to_bytes(8, "big"),
    ],
)
def test_huge_declared_lengths(data: bytes) -> None:
    _raises_quickly(data)


def test_length_of_length_limit() -> None:
    with pytest.raises(LimitExceeded) as info:
        parse_one(b"\x04\x89" + b"\x00" * 9)
    assert info.value.limit == "max_length_octets"
    _raises_quickly(b"\x04\xff" + b"\x00" * 200)


def test_huge_tag_number() -> None:
    data = b"\x1f" + b"\xff" * 100_000 + b"\x01\x00"
    _raises_quickly(data, LimitExceeded)
    with pytest.raises(LimitExceeded) as info:
        parse_one(data)
    assert info.value.limit == "max_tag_octets"
    assert parse_one(b"\x9f\xff\xff\xff\x7f\x00").tag.number == 2**28 - 1
    with pytest.raises(LimitExceeded):
        parse_one(b"\x9f\x81\x80\x80\x80\x00\x00")


def test_long_oid_arc_and_many_arcs() -> None:
    arc = b"\x06\x82\x0f\xa0" + b"\x81" * 3999 + b"\x01"
    _raises_quickly(arc, LimitExceeded)
    with pytest.raises(LimitExceeded) as info:
        parse_one(arc)
    assert info.value.limit in ("max_oid_arc_octets", "max_oid_arcs")
    many = b"\x06\x83\x03\x0d\x40" + b"\x01" * 200_000
    _raises_quickly(many, LimitExceeded)
    limits = DEFAULT_LIMITS.replace(max_oid_arcs=4, max_oid_arc_octets=2)
    with pytest.raises(LimitExceeded, match="arcs"):
        parse_one(bytes.fromhex("06042a030405"), limits=limits)
    with pytest.raises(LimitExceeded, match="arc longer"):
        parse_one(bytes.fromhex("06042a818101"), limits=limits)
    assert parse_one(bytes.fromhex("06032a0304"), limits=limits).as_oid() == "1.2.3.4"
    # the OID inside a SEQUENCE is checked during validation too
    with pytest.raises(LimitExceeded):
        check(b"\x30\x07" + bytes.fromhex("06042a030405") + b"\x05", limits=limits)


def test_element_count_limit() -> None:
    limits = DEFAULT_LIMITS.replace(max_elements=3)
    assert len(parse_one(b"\x30\x06" + b"\x05\x00" * 3, limits=limits).children()) == 3
    with pytest.raises(LimitExceeded) as info:
        parse_one(b"\x30\x08" + b"\x05\x00" * 4, limits=limits)
    assert info.value.limit == "max_elements"
    # segments of a constructed string are not members: bounded by the input size only
    segmented = b"\x24\x80" + b"\x04\x01a" * 10 + b"\x00\x00"
    assert parse_one(segmented, limits=limits).as_octets() == b"a" * 10


def test_input_size_limit() -> None:
    limits = DEFAULT_LIMITS.replace(max_input_size=4)
    with pytest.raises(LimitExceeded) as info:
        parse_one(b"\x04\x03abc", limits=limits)
    assert info.value.limit == "max_input_size"


def test_every_truncation_of_a_real_certificate_is_refused() -> None:
    der = pem_der("rfc9216/alice.sign.crt")
    cert = parse_one(der)
    assert cert.raw == der and is_der(der)
    for cut in range(len(der)):
        with pytest.raises(DecodeError):
            parse_one(der[:cut])
    # and every extension by one byte is trailing data
    with pytest.raises(DecodeError, match="trailing"):
        parse_one(der + b"\x00")


def test_bit_flips_in_a_real_certificate_raise_only_decode_errors() -> None:
    der = pem_der("rfc9216/alice.sign.crt")
    for i in range(0, len(der), 3):
        for bit in (0x01, 0x80):
            mutated = der[:i] + bytes([der[i] ^ bit]) + der[i + 1 :]
            try:
                root = parse_one(mutated)
            except DecodeError:
                continue
            stack = [root]
            while stack:
                elem = stack.pop()
                if elem.tag.constructed:
                    stack.extend(elem.children())


def test_walk_of_real_certificate() -> None:
    cert = parse_one(pem_der("rfc9216/alice.sign.crt"), base_offset=0)
    tbs, alg, sig = cert.children()
    version, serial, sig_alg, _issuer, validity, subject, spki, exts = tbs.children()
    assert version.tag == Tag.context(0) and version.children()[0].as_int() == 2
    assert sig_alg.raw == alg.raw
    assert alg.children()[0].as_oid() == "1.2.840.113549.1.1.13"  # sha512WithRSAEncryption
    not_before, not_after = validity.children()
    assert not_before.as_time() < not_after.as_time()
    cn = [
        atv.children()[1].as_string()
        for rdn in subject.children()
        for atv in rdn.children()
        if atv.children()[0].as_oid() == "2.5.4.3"
    ]
    assert cn == ["Alice Lovelace"]
    unused, bits = sig.as_bit_string()
    assert unused == 0 and len(bits) > 60
    assert serial.as_int(max_octets=20) > 0
    # the TBS bytes are exactly the received slice
    der = pem_der("rfc9216/alice.sign.crt")
    assert tbs.raw == der[tbs.offset : tbs.end_offset]
    assert spki.tag == Tag.SEQUENCE and exts.tag == Tag.context(3)


def test_tlv_reexports_stream_api() -> None:
    reader = tlv.Reader()
    assert reader.next_event() is tlv.NEED_DATA
