"""Attribute sets and the RFC 5652 section 11 attributes (RFC 5652 5.3, 5.4, 11)."""

from __future__ import annotations

import contextlib
import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.cms import attributes as attributes_module
from smimelib.cms.attributes import (
    OID_CONTENT_HINT,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_MESSAGE_DIGEST,
    OID_SECURITY_LABEL,
    OID_SIGNING_TIME,
    Attribute,
    AttributeMultiplicityError,
    Attributes,
    content_type_attr,
    decode_content_hints,
    decode_content_type,
    decode_countersignatures,
    decode_message_digest,
    decode_security_label,
    decode_signing_time,
    decode_signing_time_info,
    encode_attributes,
    message_digest_attr,
    signing_time_attr,
)
from smimelib.cms.content_info import ID_DATA, ID_SIGNED_DATA, parse_content_info
from smimelib.errors import DecodeError, LimitExceeded, SmimeError, UsageError
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

UTC = datetime.UTC
RFC4134_DIGEST = bytes.fromhex("406aec085279ba6e16022d9e0629c0229687dd48")


def signer_info_fields(vector: str, index: int = 0) -> tuple[tlv.Element, ...]:
    """The fields of one SignerInfo: ContentInfo -> SignedData -> signerInfos[index]."""
    signed_data = parse_content_info(load_vector(vector)).require_content()
    return signed_data.children()[-1].children()[index].children()


def attrs_of(vector: str, number: int = 0, index: int = 0) -> Attributes:
    """The signed ([0]) or unsigned ([1]) attributes of a SignerInfo."""
    tag = tlv.Tag.context(number)
    (elem,) = [f for f in signer_info_fields(vector, index) if f.tag == tag]
    return Attributes.from_element(elem)


def _attr_set(*attrs: bytes, tag: int = 0) -> tlv.Element:
    return tlv.parse_one(der.encode_tlv(tlv.Tag.context(tag), b"".join(attrs)), base_offset=10)


def _attr(oid: str, *values: bytes) -> bytes:
    return der.sequence(der.encode_oid(oid), der.encode_tlv(tlv.Tag.SET, b"".join(values)))


# -- known answers from vectors ---------------------------------------------------------------


def test_rfc4134_4_4_signed_attributes() -> None:
    attrs = attrs_of("rfc4134/4.4.bin")
    assert attrs.oids() == (OID_CONTENT_TYPE, OID_SIGNING_TIME, OID_MESSAGE_DIGEST)
    assert [a.name for a in attrs] == ["id-contentType", "id-signingTime", "id-messageDigest"]
    assert decode_content_type(attrs.get(OID_CONTENT_TYPE)[0]) == ID_DATA
    assert decode_message_digest(attrs.get(OID_MESSAGE_DIGEST)[0]) == RFC4134_DIGEST
    st_attr = attrs.single(OID_SIGNING_TIME)
    assert st_attr is not None
    assert decode_signing_time(st_attr) == datetime.datetime(2003, 5, 14, 15, 39, tzinfo=UTC)
    info = decode_signing_time_info(st_attr)
    assert not info.generalized and info.conforming
    assert attrs.is_der()
    assert attrs.duplicates() == ()
    assert len(attrs) == 3 and OID_SIGNING_TIME in attrs and OID_CONTENT_HINT not in attrs


def test_rfc4134_4_4_unsigned_attributes_with_countersignature() -> None:
    attrs = attrs_of("rfc4134/4.4.bin", number=1)
    assert attrs.oids() == (OID_CONTENT_HINT, OID_COUNTERSIGNATURE)
    hints = decode_content_hints(attrs.get(OID_CONTENT_HINT)[0])
    assert hints.content_type == ID_DATA
    (counter,) = decode_countersignatures(attrs.get(OID_COUNTERSIGNATURE)[0])
    assert counter.tag == tlv.Tag.SEQUENCE
    fields = counter.children()
    assert fields[0].as_int() == 1  # SignerInfo version
    # the countersignature's own signed attributes carry a message digest, no content type
    inner = Attributes.from_element(fields[3])
    assert OID_MESSAGE_DIGEST in inner and OID_CONTENT_TYPE not in inner


def test_signed_bytes_is_the_received_set_retagged() -> None:
    fields = signer_info_fields("rfc4134/4.4.bin")
    elem = next(f for f in fields if f.tag == tlv.Tag.context(0))
    attrs = Attributes.from_element(elem)
    assert attrs.raw == elem.raw
    assert attrs.offset == elem.offset
    assert elem.raw[0] == 0xA0
    assert attrs.signed_bytes() == b"\x31" + elem.raw[1:]
    for a, child in zip(attrs, elem.children(), strict=True):
        assert a.offset == child.offset
        assert a.to_der() == child.raw  # DER vector: re-encoding is identical


def test_thunderbird_attributes_are_der() -> None:
    attrs = attrs_of("asn1crypto/smime-signature-generated-by-thunderbird.p7s")
    assert attrs.is_der()
    assert attrs.canonical_bytes() == attrs.signed_bytes()
    assert decode_signing_time(attrs.get(OID_SIGNING_TIME)[0]) == datetime.datetime(
        2022, 2, 12, 19, 15, 45, tzinfo=UTC
    )


@pytest.mark.interop
def test_decoded_values_agree_with_openssl() -> None:
    out = openssl(
        ["cms", "-cmsout", "-print", "-inform", "DER", "-in", vector_path("rfc4134/4.4.bin")]
    ).stdout.decode()
    match = re.search(r"object: signingTime .*?\n\s+set:\n\s+UTCTIME:(.+?) GMT", out)
    assert match is not None
    when = datetime.datetime.strptime(match.group(1), "%b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    attrs = attrs_of("rfc4134/4.4.bin")
    assert decode_signing_time(attrs.get(OID_SIGNING_TIME)[0]) == when
    match = re.search(r"object: contentType .*?\n\s+set:\n\s+OBJECT:.*?\((\S+)\)", out)
    assert match is not None
    assert decode_content_type(attrs.get(OID_CONTENT_TYPE)[0]) == match.group(1)


# -- DER output ------------------------------------------------------------------------------


def test_encode_attributes_sorts_per_x690_11_6() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    items = [
        signing_time_attr(when),
        message_digest_attr(b"\x11" * 32),
        content_type_attr(ID_DATA),
        Attribute("1.2.3.4", (der.encode_int(300), der.encode_int(2), der.encode_utf8("z"))),
    ]
    encoded = encode_attributes(items)
    assert encoded[0] == 0x31
    assert tlv.is_der(encoded)
    children = [c.raw for c in tlv.parse_one(encoded).children()]
    assert children == sorted(children)
    # the length octet decides first: 1.2.3.4 (30 11) < content-type (30 18) < signing-time
    # (30 1c) < message-digest (30 2f); the order of the input does not matter
    assert [tlv.parse_one(c).children()[0].as_oid() for c in children] == [
        "1.2.3.4",
        OID_CONTENT_TYPE,
        OID_SIGNING_TIME,
        OID_MESSAGE_DIGEST,
    ]
    assert encode_attributes(reversed(items)) == encoded
    # values within one attribute are sorted too
    multi = next(c for c in children if b"\x2a\x03\x04" in c)
    values = [v.raw for v in tlv.parse_one(multi).children()[1].children()]
    assert values == sorted(values)
    parsed = Attributes.from_element(tlv.parse_one(encoded))
    assert parsed.signed_bytes() == encoded
    assert {a.oid: set(a.values) for a in parsed} == {a.oid: set(a.values) for a in items}


def test_build_equals_encode() -> None:
    items = [message_digest_attr(b"\x00"), content_type_attr(ID_SIGNED_DATA)]
    built = Attributes.build(items)
    assert built.raw == encode_attributes(items)
    assert built.signed_bytes() == built.raw
    # a one-octet digest makes the message-digest attribute (30 10) sort first
    assert built.oids() == (OID_MESSAGE_DIGEST, OID_CONTENT_TYPE)
    assert built.is_der()


def test_unsorted_received_set_keeps_its_order_and_is_not_der() -> None:
    ct = _attr(OID_CONTENT_TYPE, der.encode_oid(ID_DATA))
    md = _attr(OID_MESSAGE_DIGEST, der.encode_octets(b"\x01" * 20))
    elem = _attr_set(md, ct)
    attrs = Attributes.from_element(elem)
    assert attrs.oids() == (OID_MESSAGE_DIGEST, OID_CONTENT_TYPE)
    assert not attrs.is_der()
    assert attrs.signed_bytes() == b"\x31" + elem.raw[1:]
    assert attrs.canonical_bytes() == der.encode_tlv(tlv.Tag.SET, ct + md)
    assert attrs.canonical_bytes() != attrs.signed_bytes()


def test_ber_set_is_not_der_but_signed_bytes_keep_it() -> None:
    ct = _attr(OID_CONTENT_TYPE, der.encode_oid(ID_DATA))
    ber = b"\xa0\x80" + ct + b"\x00\x00"
    attrs = Attributes.from_element(tlv.parse_one(ber))
    assert attrs.signed_bytes() == b"\x31\x80" + ct + b"\x00\x00"
    assert not attrs.is_der()


def test_encode_attributes_refuses_bad_input() -> None:
    with pytest.raises(UsageError):
        encode_attributes([])
    with pytest.raises(UsageError, match="value is not one encoding"):
        encode_attributes([Attribute("1.2.3", (b"\x04\x05ab",))])
    with pytest.raises(UsageError):
        Attribute("1.2.3", ())


# -- structural errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        (_attr(OID_CONTENT_TYPE), r"no values \(attrValues SIZE \(1\.\.MAX\)\)"),
        (
            der.sequence(der.encode_oid(OID_CONTENT_TYPE), der.sequence(der.encode_oid(ID_DATA))),
            "not a SET",
        ),
        (der.sequence(der.encode_oid(OID_CONTENT_TYPE)), "1 components"),
        (der.set_of([der.encode_oid(OID_CONTENT_TYPE)]), "expected SEQUENCE"),
        (der.sequence(der.encode_int(3), der.set_of([der.encode_null()])), "OBJECT IDENTIFIER"),
    ],
)
def test_malformed_attribute(attr: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as info:
        Attributes.from_element(_attr_set(attr))
    assert info.value.offset is not None and info.value.offset >= 12


def test_empty_attribute_set() -> None:
    with pytest.raises(DecodeError, match="empty attribute set"):
        Attributes.from_element(_attr_set())
    assert len(Attributes.from_element(_attr_set(), allow_empty=True)) == 0
    with pytest.raises(DecodeError, match="constructed"):
        Attributes.from_element(tlv.parse_one(b"\x80\x00"))


# -- typed values: type confusion (CVE-2026-22796) and multiplicity ---------------------------


@pytest.mark.parametrize(
    ("oid", "value", "decode"),
    [
        (OID_MESSAGE_DIGEST, der.encode_utf8("abc"), decode_message_digest),
        (OID_MESSAGE_DIGEST, der.sequence(der.encode_octets(b"x")), decode_message_digest),
        (OID_MESSAGE_DIGEST, der.implicit(0, der.encode_octets(b"x")), decode_message_digest),
        (OID_CONTENT_TYPE, der.encode_octets(b"\x2a\x03"), decode_content_type),
        (OID_CONTENT_TYPE, der.encode_utf8("1.2.3"), decode_content_type),
        (OID_SIGNING_TIME, der.encode_int(20260101), decode_signing_time),
        (OID_SIGNING_TIME, der.encode_printable("260101000000Z"), decode_signing_time),
    ],
)
def test_type_confusion_is_a_decode_error(oid: str, value: bytes, decode: object) -> None:
    attrs = Attributes.from_element(_attr_set(_attr(oid, value)))
    assert callable(decode)
    with pytest.raises(DecodeError) as info:
        decode(attrs.items[0])
    assert info.value.oid == oid
    assert info.value.offset == attrs.items[0].value_elements()[0].offset


def test_countersignature_value_must_be_a_signer_info() -> None:
    attr = Attributes.from_element(_attr_set(_attr(OID_COUNTERSIGNATURE, der.encode_int(1))))
    with pytest.raises(DecodeError, match="SignerInfo"):
        decode_countersignatures(attr.items[0])


def test_multi_valued_and_duplicate_attributes() -> None:
    two_values = _attr(OID_CONTENT_TYPE, der.encode_oid(ID_DATA), der.encode_oid(ID_SIGNED_DATA))
    attrs = Attributes.from_element(_attr_set(two_values))
    with pytest.raises(AttributeMultiplicityError) as info:
        attrs.single(OID_CONTENT_TYPE)
    assert (info.value.occurrences, info.value.values) == (1, 2)
    with pytest.raises(AttributeMultiplicityError, match="2 values"):
        decode_content_type(attrs.items[0])

    md = _attr(OID_MESSAGE_DIGEST, der.encode_octets(b"\x01"))
    md2 = _attr(OID_MESSAGE_DIGEST, der.encode_octets(b"\x02"))
    ct = _attr(OID_CONTENT_TYPE, der.encode_oid(ID_DATA))
    attrs = Attributes.from_element(_attr_set(md, ct, md2, ct))
    assert attrs.duplicates() == (OID_MESSAGE_DIGEST, OID_CONTENT_TYPE)
    assert [decode_message_digest(a) for a in attrs.get(OID_MESSAGE_DIGEST)] == [b"\x01", b"\x02"]
    with pytest.raises(AttributeMultiplicityError) as info:
        attrs.single(OID_MESSAGE_DIGEST)
    assert isinstance(info.value, DecodeError)
    assert info.value.occurrences == 2
    assert info.value.offset == attrs.items[2].offset
    assert attrs.single(OID_SIGNING_TIME) is None


def test_decoder_for_the_wrong_attribute_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        decode_message_digest(content_type_attr(ID_DATA))


def test_limits_inside_values_stay_limit_errors() -> None:
    huge = der.encode_int(2**600)  # more than limits.max_integer_octets
    label = der.encode_tlv(tlv.Tag.SET, huge + der.encode_oid("1.2.3"))
    attrs = Attributes.from_element(_attr_set(_attr(OID_SECURITY_LABEL, label)))
    with pytest.raises(LimitExceeded) as info:
        decode_security_label(attrs.items[0])
    assert info.value.message.startswith("securityLabel attribute: ")
    assert info.value.offset == attrs.items[0].value_elements()[0].offset + 2


def test_ber_constructed_message_digest() -> None:
    value = b"\x24\x80" + der.encode_octets(b"\x01\x02") + der.encode_octets(b"\x03") + b"\x00\x00"
    attrs = Attributes.from_element(_attr_set(_attr(OID_MESSAGE_DIGEST, value)))
    assert decode_message_digest(attrs.items[0]) == b"\x01\x02\x03"


# -- signing time (RFC 5652 section 11.3) ----------------------------------------------------


@pytest.mark.parametrize(
    ("when", "tag"),
    [
        (datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC), 0x17),
        (datetime.datetime(1950, 1, 1, tzinfo=UTC), 0x17),
        (datetime.datetime(2050, 1, 1, tzinfo=UTC), 0x18),
        (datetime.datetime(1949, 12, 31, 23, 59, 59, tzinfo=UTC), 0x18),
    ],
)
def test_signing_time_encoding_follows_the_year(when: datetime.datetime, tag: int) -> None:
    attr = signing_time_attr(when)
    assert attr.values[0][0] == tag
    info = decode_signing_time_info(attr)
    assert info.time == when
    assert info.generalized == (tag == 0x18)
    assert info.conforming


def test_signing_time_drops_fractions_and_converts_to_utc() -> None:
    cet = datetime.timezone(datetime.timedelta(hours=1))
    attr = signing_time_attr(datetime.datetime(2026, 3, 1, 12, 0, 0, 999_999, tzinfo=cet))
    assert attr.values[0] == der.encode_tlv(tlv.Tag.UTC_TIME, b"260301110000Z")
    with pytest.raises(UsageError):
        signing_time_attr(datetime.datetime(2026, 3, 1))


def test_generalized_time_before_2050_is_reported() -> None:
    value = der.encode_generalized_time(datetime.datetime(2020, 6, 1, tzinfo=UTC))
    attrs = Attributes.from_element(_attr_set(_attr(OID_SIGNING_TIME, value)))
    info = decode_signing_time_info(attrs.items[0])
    assert info.generalized and not info.conforming
    assert info.finding is not None and "RFC 5652 section 11.3" in info.finding
    assert decode_signing_time_info(signing_time_attr(info.time)).finding is None
    assert info.time == datetime.datetime(2020, 6, 1, tzinfo=UTC)


# -- properties ------------------------------------------------------------------------------

_oids = st.builds(
    lambda a, b, rest: ".".join(map(str, [a, b, *rest])),
    st.integers(0, 2),
    st.integers(0, 39),
    st.lists(st.integers(0, 2**32), max_size=6),
)
_values = st.one_of(
    st.binary(max_size=40).map(der.encode_octets),
    st.integers(-(2**64), 2**64).map(der.encode_int),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20).map(der.encode_utf8),
    _oids.map(der.encode_oid),
)
_attributes = st.builds(
    lambda oid, values: Attribute(oid, tuple(values)),
    _oids,
    st.lists(_values, min_size=1, max_size=4),
)


@given(items=st.lists(_attributes, min_size=1, max_size=8))
def test_attribute_sets_round_trip(items: list[Attribute]) -> None:
    encoded = encode_attributes(items)
    assert tlv.is_der(encoded)
    parsed = Attributes.from_element(tlv.parse_one(encoded))
    assert parsed.is_der()
    assert parsed.signed_bytes() == encoded
    assert parsed.canonical_bytes() == encoded
    assert sorted(a.to_der() for a in parsed) == sorted(a.to_der() for a in items)
    # re-tagged as [0] IMPLICIT, as a SignerInfo carries it, the signed bytes are unchanged
    tagged = Attributes.from_element(tlv.parse_one(der.implicit(0, encoded)))
    assert tagged.signed_bytes() == encoded


# every attribute decoder, by the attribute type it decodes
_DECODERS = {
    getattr(attributes_module, oid_name): getattr(attributes_module, decoder)
    for oid_name, decoder in (
        ("OID_CONTENT_TYPE", "decode_content_type"),
        ("OID_MESSAGE_DIGEST", "decode_message_digest"),
        ("OID_SIGNING_TIME", "decode_signing_time_info"),
        ("OID_COUNTERSIGNATURE", "decode_countersignatures"),
        ("OID_SMIME_CAPABILITIES", "decode_smime_capabilities"),
        ("OID_ENCRYPTION_KEY_PREFERENCE", "decode_encryption_key_preference"),
        ("OID_MS_ENCRYPTION_KEY_PREFERENCE", "decode_ms_encryption_key_preference"),
        ("OID_ALGORITHM_PROTECTION", "decode_algorithm_protection"),
        ("OID_SIGNING_CERTIFICATE", "decode_signing_certificate"),
        ("OID_SIGNING_CERTIFICATE_V2", "decode_signing_certificate_v2"),
        ("OID_CONTENT_HINT", "decode_content_hints"),
        ("OID_SECURITY_LABEL", "decode_security_label"),
        ("OID_EQUIVALENT_LABELS", "decode_equivalent_labels"),
        ("OID_RECEIPT_REQUEST", "decode_receipt_request"),
        ("OID_ML_EXPANSION_HISTORY", "decode_ml_expansion_history"),
        ("OID_CONTENT_REFERENCE", "decode_content_reference"),
    )
}
_SOURCES = (
    ("rfc4134/4.10.bin", 0),
    ("rfc4134/4.4.bin", 1),
    ("asn1crypto/smime-signature-generated-by-thunderbird.p7s", 0),
    ("examples-cms/binary-files/signedByAliceRSAPSS.p7m", 0),
)


def test_every_decoder_is_exercised_by_the_sources() -> None:
    seen = {a.oid for vector, number in _SOURCES for a in attrs_of(vector, number)}
    assert set(_DECODERS) - seen <= {
        attributes_module.OID_SIGNING_CERTIFICATE,
        attributes_module.OID_SIGNING_CERTIFICATE_V2,
        attributes_module.OID_RECEIPT_REQUEST,
    }
    for vector, number in _SOURCES:
        for attr in attrs_of(vector, number):
            decoder = _DECODERS.get(attr.oid)
            if decoder is not None:
                decoder(attr)  # the unmutated vectors decode cleanly


@given(data=st.data())
def test_mutated_attributes_raise_only_smimelib_errors(data: st.DataObject) -> None:
    vector, number = data.draw(st.sampled_from(_SOURCES))
    raw = bytearray(attrs_of(vector, number).raw or b"")
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        attrs = Attributes.from_element(tlv.parse_one(bytes(raw)))
    except SmimeError:
        return
    attrs.is_der()
    attrs.canonical_bytes()
    for attr in attrs:
        decoder = _DECODERS.get(attr.oid)
        if decoder is None:
            continue
        with contextlib.suppress(SmimeError):
            decoder(attr)
