"""CertificateSet and RevocationInfoChoices (RFC 5652 sections 10.2.1-10.2.3)."""

from __future__ import annotations

import pytest

from smimelib.asn1 import der, tlv
from smimelib.cms.certsets import (
    MAX_CERTIFICATES,
    CertificateSet,
    encode_certificate_set,
    encode_revocation_info,
    parse_certificate_set,
    parse_revocation_info,
)
from smimelib.cms.content_info import parse_content_info
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki.certificate import Certificate
from tests.vectors import load_vector

CTX0 = tlv.Tag.context(0)
CTX1 = tlv.Tag.context(1)


def _fields(vector: str) -> dict[tlv.Tag, tlv.Element]:
    signed_data = parse_content_info(load_vector(vector)).require_content()
    return {e.tag: e for e in signed_data.children()}


def _certs(*names: str) -> list[Certificate]:
    return [Certificate.from_der(load_vector(f"rfc4134/{n}")) for n in names]


def _set(*entries: bytes, tag: int = 0) -> tlv.Element:
    return tlv.parse_one(der.encode_tlv(tlv.Tag.context(tag), b"".join(entries)), base_offset=100)


def test_rfc4134_4_4_certificates_in_received_order() -> None:
    fields = _fields("rfc4134/4.4.bin")
    cset = parse_certificate_set(fields[CTX0])
    assert [c.subject.rfc4514() for c in cset.certificates] == [
        "CN=AliceRSA",
        "CN=CarlDSS",
        "CN=AliceDSS",
    ]
    assert cset.other == ()
    expected = _certs(
        "AliceRSASignByCarl.cer", "CarlDSSSelf.cer", "AliceDSSSignByCarlNoInherit.cer"
    )
    assert [c.der for c in cset.certificates] == [c.der for c in expected]


def test_rfc4134_4_4_crl_kept_raw() -> None:
    fields = _fields("rfc4134/4.4.bin")
    crls = parse_revocation_info(fields[CTX1])
    assert crls == (load_vector("rfc4134/CarlDSSCRLForAll.crl"),)


def test_signed_data_without_certificates() -> None:
    fields = _fields("examples-cms/binary-files/signedByAliceAndCarlosNoCerts.p7m")
    assert CTX0 not in fields


def test_encode_keeps_order_and_drops_duplicates() -> None:
    alice, carl, diane = _certs(
        "AliceRSASignByCarl.cer", "CarlRSASelf.cer", "DianeRSASignByCarl.cer"
    )
    encoded = encode_certificate_set([diane, alice, diane, carl])
    assert encoded[0] == 0xA0
    parsed = parse_certificate_set(tlv.parse_one(encoded))
    assert parsed == CertificateSet((diane, alice, carl), ())
    assert encoded == der.encode_tlv(CTX0, diane.der + alice.der + carl.der)


def test_encode_der_sorted_on_request() -> None:
    certs = _certs("AliceRSASignByCarl.cer", "CarlRSASelf.cer", "DianeRSASignByCarl.cer")
    encoded = encode_certificate_set(reversed(certs), der_sort=True)
    assert encoded == der.encode_tlv(CTX0, b"".join(sorted(c.der for c in certs)))
    assert tlv.is_der(der.implicit(17, encoded, cls=tlv.TagClass.UNIVERSAL))
    assert encode_certificate_set(certs, 3)[0] == 0xA3


def test_other_certificate_formats_are_kept_raw() -> None:
    (alice,) = _certs("AliceRSASignByCarl.cer")
    attr_v2 = der.encode_tlv(tlv.Tag.context(2), der.encode_int(7))
    other = der.encode_tlv(tlv.Tag.context(3), der.encode_oid("1.2.3") + der.encode_null())
    extended = der.encode_tlv(tlv.Tag.context(0), der.encode_int(1))
    v1 = der.encode_tlv(tlv.Tag.context(1), der.encode_int(1))
    cset = parse_certificate_set(_set(attr_v2, alice.der, other, extended, v1))
    assert cset.certificates == (alice,)
    assert cset.other == (attr_v2, other, extended, v1)
    encoded = encode_certificate_set(cset.certificates, other=cset.other)
    assert parse_certificate_set(tlv.parse_one(encoded)) == cset


@pytest.mark.parametrize(
    "entry",
    [der.encode_int(1), der.encode_tlv(tlv.Tag.context(4), der.encode_int(1)), b"\x82\x01\x00"],
)
def test_unknown_choice_is_refused(entry: bytes) -> None:
    (alice,) = _certs("AliceRSASignByCarl.cer")
    with pytest.raises(DecodeError, match="entry #1") as info:
        parse_certificate_set(_set(alice.der, entry))
    assert info.value.offset == 100 + 4 + len(alice.der)


def test_malformed_certificate_names_index_and_offset() -> None:
    alice, carl = _certs("AliceRSASignByCarl.cer", "CarlRSASelf.cer")
    broken = der.sequence(der.encode_int(1), der.encode_int(2))
    with pytest.raises(DecodeError, match="malformed certificate #1") as info:
        parse_certificate_set(_set(alice.der, broken, carl.der))
    start = 100 + 4 + len(alice.der)
    assert info.value.offset is not None
    assert start <= info.value.offset < start + len(broken)


def test_certificate_count_is_capped() -> None:
    (alice,) = _certs("AliceRSASignByCarl.cer")
    assert MAX_CERTIFICATES == 64
    many = _set(*([alice.der] * 65))
    with pytest.raises(LimitExceeded, match="65 entries") as info:
        parse_certificate_set(many)
    assert info.value.limit == "max_certificates"
    assert len(parse_certificate_set(_set(*([alice.der] * 64))).certificates) == 64
    with pytest.raises(LimitExceeded):
        parse_certificate_set(_set(alice.der, alice.der), max_certificates=1)


def test_primitive_set_is_refused() -> None:
    with pytest.raises(DecodeError, match="constructed"):
        parse_certificate_set(tlv.parse_one(b"\x80\x00"))
    with pytest.raises(DecodeError, match="constructed"):
        parse_revocation_info(tlv.parse_one(b"\x81\x00"))


def test_empty_sets() -> None:
    assert parse_certificate_set(_set()) == CertificateSet()
    assert parse_revocation_info(_set(tag=1)) == ()


def test_encode_other_must_be_an_alternative() -> None:
    with pytest.raises(UsageError):
        encode_certificate_set([], other=[der.encode_int(1)])
    with pytest.raises(UsageError):
        encode_certificate_set([], other=[b""])


# -- revocation information -------------------------------------------------------------------


def test_revocation_other_format_and_round_trip() -> None:
    crl = load_vector("rfc4134/CarlRSACRLForAll.crl")
    other = der.encode_tlv(CTX1, der.encode_oid("1.3.6.1.5.5.7.16.2") + der.sequence())
    encoded = encode_revocation_info([crl, other, crl])
    assert encoded[0] == 0xA1
    assert parse_revocation_info(tlv.parse_one(encoded)) == (crl, other)


@pytest.mark.parametrize("entry", [der.set_of([]), der.encode_int(1), b"\xa0\x00"])
def test_revocation_entry_with_wrong_tag(entry: bytes) -> None:
    crl = load_vector("rfc4134/CarlRSACRLForAll.crl")
    with pytest.raises(DecodeError, match="entry #1") as info:
        parse_revocation_info(_set(crl, entry, tag=1))
    assert info.value.offset == 100 + 4 + len(crl)


def test_revocation_count_is_capped() -> None:
    crl = load_vector("rfc4134/CarlRSACRLForAll.crl")
    with pytest.raises(LimitExceeded):
        parse_revocation_info(_set(*([crl] * 3), tag=1), max_entries=2)


def test_encode_revocation_refuses_other_encodings() -> None:
    with pytest.raises(UsageError):
        encode_revocation_info([der.encode_int(1)])
