"""IssuerAndSerialNumber and the SignerIdentifier / RecipientIdentifier CHOICE (RFC 5652)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.cms.content_info import parse_content_info
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.names import Name
from tests.vectors import load_vector


def _cert(name: str) -> Certificate:
    return Certificate.from_der(load_vector(f"rfc4134/{name}"))


@pytest.fixture(scope="module")
def alice_dss() -> Certificate:
    return _cert("AliceDSSSignByCarlNoInherit.cer")


@pytest.fixture(scope="module")
def others() -> list[Certificate]:
    return [_cert(n) for n in ("CarlDSSSelf.cer", "AliceRSASignByCarl.cer", "CarlRSASelf.cer")]


def _sid_element(vector: str) -> tlv.Element:
    """The sid of the first SignerInfo: ContentInfo -> SignedData -> signerInfos[0][1]."""
    signed_data = parse_content_info(load_vector(vector)).require_content()
    signer_infos = signed_data.children()[-1]
    return signer_infos.children()[0].children()[1]


# -- IssuerAndSerialNumber --------------------------------------------------------------------


def test_issuer_and_serial_from_certificate(alice_dss: Certificate) -> None:
    ias = IssuerAndSerialNumber.from_certificate(alice_dss)
    assert ias.serial_number == 0xC8
    assert ias.issuer == alice_dss.issuer
    assert ias.der == alice_dss.issuer_and_serial_der
    assert ias.to_der() == ias.der
    assert IssuerAndSerialNumber.from_der(ias.der) == ias
    assert IssuerAndSerialNumber.build(alice_dss.issuer, 0xC8) == ias
    assert str(ias) == "issuer CN=CarlDSS, serial 0xc8"


def test_issuer_and_serial_of_the_rfc4134_signer(
    alice_dss: Certificate, others: list[Certificate]
) -> None:
    sid = CertificateIdentifier.from_element(_sid_element("rfc4134/4.4.bin"))
    assert sid.issuer_and_serial is not None
    assert sid.issuer_and_serial.matches(alice_dss)
    assert not any(sid.matches(c) for c in others)
    assert sid.find([*others, alice_dss]) is alice_dss
    assert sid.find(others) is None


def test_matching_compares_names_per_rfc5280_7_1(alice_dss: Certificate) -> None:
    # a UTF8String, differently cased, space-padded issuer still names the certificate
    issuer = Name.from_der(
        der.sequence(
            der.set_of([der.sequence(der.encode_oid("2.5.4.3"), der.encode_utf8("  carldss "))])
        )
    )
    ias = IssuerAndSerialNumber.build(issuer, 0xC8)
    assert ias.der != alice_dss.issuer_and_serial_der
    assert ias.matches(alice_dss)
    assert not IssuerAndSerialNumber.build(issuer, 0xC9).matches(alice_dss)
    other = Name.build([("CN", "CarlRSA")])
    assert not IssuerAndSerialNumber.build(other, 0xC8).matches(alice_dss)


def test_negative_and_long_serials_round_trip() -> None:
    name = Name.build([("CN", "x")])
    for serial in (-1, -(2**70), 2**200, 0):
        ias = IssuerAndSerialNumber.build(name, serial)
        assert IssuerAndSerialNumber.from_der(ias.der).serial_number == serial
    assert str(IssuerAndSerialNumber.build(name, -255)).endswith("serial -0xff")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (der.set_of([der.encode_int(1)]), "expected SEQUENCE"),
        (der.sequence(Name.build([("CN", "x")]).der), "1 components"),
        (der.sequence(Name.build([("CN", "x")]).der, der.encode_octets(b"\x01")), "serialNumber"),
        (der.sequence(der.encode_int(1), der.encode_int(1)), "Name"),
    ],
)
def test_malformed_issuer_and_serial(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        IssuerAndSerialNumber.from_der(data)


def test_implicitly_tagged_issuer_and_serial(alice_dss: Certificate) -> None:
    tagged = der.implicit(0, alice_dss.issuer_and_serial_der)
    elem = tlv.parse_one(tagged)
    with pytest.raises(DecodeError):
        IssuerAndSerialNumber.from_element(elem)
    ias = IssuerAndSerialNumber.from_element(elem, implicit=True)
    assert ias.matches(alice_dss)
    assert ias.der == alice_dss.issuer_and_serial_der  # re-tagged as a SEQUENCE
    with pytest.raises(DecodeError, match="constructed"):
        IssuerAndSerialNumber.from_element(tlv.parse_one(b"\x80\x00"), implicit=True)


# -- CertificateIdentifier --------------------------------------------------------------------


def test_subject_key_identifier_sid_of_rfc4134_4_7(
    alice_dss: Certificate, others: list[Certificate]
) -> None:
    elem = _sid_element("rfc4134/4.7.bin")
    sid = CertificateIdentifier.from_element(elem)
    assert sid.is_subject_key_identifier
    assert sid.subject_key_identifier == alice_dss.subject_key_identifier
    assert sid.matches(alice_dss)
    assert sid.find([*others, alice_dss]) is alice_dss
    assert sid.to_der() == elem.raw
    assert (
        str(sid)
        == "subjectKeyIdentifier be:6c:a1:b3:e3:c1:f7:ed:43:70:a4:ce:13:01:e2:fd:e3:97:fe:cd"
    )


def test_from_certificate_both_ways(alice_dss: Certificate) -> None:
    by_ias = CertificateIdentifier.from_certificate(alice_dss)
    assert by_ias.to_der() == alice_dss.issuer_and_serial_der
    assert not by_ias.is_subject_key_identifier
    by_ski = CertificateIdentifier.from_certificate(alice_dss, use_ski=True)
    assert by_ski.to_der() == b"\x80\x14" + bytes.fromhex(
        "be6ca1b3e3c1f7ed4370a4ce1301e2fde397fecd"
    )
    for ident in (by_ias, by_ski):
        assert ident.matches(alice_dss)
        assert CertificateIdentifier.from_der(ident.to_der()) == ident


def test_use_ski_without_ski_is_a_usage_error() -> None:
    betsy = Certificate.from_der(load_vector("libksba/betsy.crt"))
    assert betsy.subject_key_identifier is None
    with pytest.raises(UsageError, match="no subjectKeyIdentifier"):
        CertificateIdentifier.from_certificate(betsy, use_ski=True)
    # and no SKI identifier matches it
    assert not CertificateIdentifier.from_subject_key_identifier(b"\x01").matches(betsy)


def test_exactly_one_alternative() -> None:
    name = Name.build([("CN", "x")])
    with pytest.raises(UsageError):
        CertificateIdentifier()
    with pytest.raises(UsageError):
        CertificateIdentifier(IssuerAndSerialNumber.build(name, 1), b"\x01")


def test_ber_constructed_subject_key_identifier(alice_dss: Certificate) -> None:
    ski = alice_dss.subject_key_identifier
    assert ski is not None
    ber = b"\xa0\x80" + der.encode_octets(ski[:5]) + der.encode_octets(ski[5:]) + b"\x00\x00"
    sid = CertificateIdentifier.from_der(ber)
    assert sid.subject_key_identifier == ski
    assert sid.to_der() == ber  # received octets kept
    assert sid.matches(alice_dss)


def test_empty_subject_key_identifier_matches_nothing() -> None:
    sid = CertificateIdentifier.from_der(b"\x80\x00")
    assert sid.subject_key_identifier == b""
    betsy = Certificate.from_der(load_vector("libksba/betsy.crt"))
    assert not sid.matches(betsy)
    assert str(sid) == "subjectKeyIdentifier (empty)"


@pytest.mark.parametrize("data", [b"\x04\x01\x00", b"\x81\x01\x00", b"\xa1\x00", b"\x31\x00"])
def test_other_tags_are_refused(data: bytes) -> None:
    with pytest.raises(DecodeError, match="certificate identifier") as info:
        CertificateIdentifier.from_element(tlv.parse_one(data, base_offset=40))
    assert info.value.offset == 40


_names = st.lists(
    st.tuples(
        st.sampled_from(["CN", "O", "OU", "C"]), st.text("abcXYZ 09-", min_size=1, max_size=8)
    ),
    min_size=1,
    max_size=4,
).map(lambda attrs: Name.build([(t, v if t != "C" else "DE") for t, v in attrs]))


@given(name=_names, serial=st.integers(-(2**160), 2**160))
def test_issuer_and_serial_identifier_round_trip(name: Name, serial: int) -> None:
    ident = CertificateIdentifier(IssuerAndSerialNumber.build(name, serial))
    parsed = CertificateIdentifier.from_der(ident.to_der())
    assert parsed == ident
    assert parsed.issuer_and_serial is not None
    assert parsed.issuer_and_serial.serial_number == serial
    assert parsed.issuer_and_serial.issuer.matches(name)


@given(ski=st.binary(max_size=64))
def test_subject_key_identifier_round_trip(ski: bytes) -> None:
    ident = CertificateIdentifier.from_subject_key_identifier(ski)
    parsed = CertificateIdentifier.from_der(ident.to_der())
    assert parsed == ident
    assert parsed.to_der() == ident.to_der()
