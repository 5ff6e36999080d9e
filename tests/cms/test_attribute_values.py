"""SMIMECapabilities, SMIMEEncryptionKeyPreference (RFC 8551 2.5) and CMSAlgorithmProtection
(RFC 6211)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.cms.attribute_values import (
    DEFAULT_CAPABILITIES,
    EncryptionKeyPreference,
    capability_key_bits,
    capability_preference,
    encode_encryption_key_preference,
    parse_encryption_key_preference,
)
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_ENCRYPTION_KEY_PREFERENCE,
    OID_MS_ENCRYPTION_KEY_PREFERENCE,
    OID_SMIME_CAPABILITIES,
    AlgorithmProtection,
    Attribute,
    Attributes,
    algorithm_protection_attr,
    decode_algorithm_protection,
    decode_encryption_key_preference,
    decode_ms_encryption_key_preference,
    decode_smime_capabilities,
    encryption_key_preference_attr,
    ms_encryption_key_preference_attr,
    smime_capabilities_attr,
)
from smimelib.cms.content_info import parse_content_info
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.crypto import ciphers
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.names import Name
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

THUNDERBIRD = "asn1crypto/smime-signature-generated-by-thunderbird.p7s"
LAMPS = "examples-cms/certs-and-keys/"


def _signer(data: bytes) -> tuple[tuple[tlv.Element, ...], Attributes, tuple[Certificate, ...]]:
    signed_data = parse_content_info(data).require_content()
    children = signed_data.children()
    certs = tuple(
        Certificate.from_element(c)
        for e in children
        if e.tag == tlv.Tag.context(0)
        for c in e.children()
    )
    fields = children[-1].children()[0].children()
    attrs = Attributes.from_element(next(f for f in fields if f.tag == tlv.Tag.context(0)))
    return fields, attrs, certs


def _one(attrs: Attributes, oid: str) -> Attribute:
    attr = attrs.single(oid)
    assert attr is not None
    return attr


# -- SMIMECapabilities -----------------------------------------------------------------------


def test_thunderbird_capabilities_in_order() -> None:
    _, attrs, _ = _signer(load_vector(THUNDERBIRD))
    caps = decode_smime_capabilities(_one(attrs, OID_SMIME_CAPABILITIES))
    # vectors/README.md: AES-256, AES-128, 3DES, RC2-128, RC2-64, DES, RC2-40
    assert [c.oid for c in caps] == [
        "2.16.840.1.101.3.4.1.42",
        "2.16.840.1.101.3.4.1.2",
        "1.2.840.113549.3.7",
        "1.2.840.113549.3.2",
        "1.2.840.113549.3.2",
        "1.3.14.3.2.7",
        "1.2.840.113549.3.2",
    ]
    assert [capability_key_bits(c) for c in caps] == [None, None, None, 128, 64, None, 40]
    assert capability_preference(caps) == ["aes-256-cbc", "aes-128-cbc"]


def test_rfc4134_4_10_unknown_capabilities_keep_parameters() -> None:
    _, attrs, _ = _signer(load_vector("rfc4134/4.10.bin"))
    caps = decode_smime_capabilities(_one(attrs, OID_SMIME_CAPABILITIES))
    assert caps == (
        AlgorithmIdentifier("1.2.3.4.5.6"),
        AlgorithmIdentifier(
            "1.2.3.4.5.6.77", der.encode_octets(b"Smime Capabilities parameters buffer 2")
        ),
    )
    assert capability_preference(caps) == []


def test_default_capabilities_exact_encodings() -> None:
    encoded = [c.to_der() for c in DEFAULT_CAPABILITIES]
    # RFC 5084: AES-GCM capabilities carry no parameters; RFC 8103 section 4 for ChaCha20
    assert encoded[0] == bytes.fromhex("300b060960864801650304012e")
    assert encoded[1] == bytes.fromhex("300b06096086480165030401 06".replace(" ", ""))
    assert encoded[2] == bytes.fromhex("300d060b2a864886f70d0109100312")
    # RFC 3560 section 5: rSAES-OAEP-SHA256-Identifier, byte for byte
    assert (
        bytes.fromhex(
            "3038 0609 2A864886F70D010107 302B 300D 0609 608648016503040201 0500 301A 0609"
            " 2A864886F70D010108 300D 0609 608648016503040201 0500".replace(" ", "")
        )
        in encoded
    )
    # RFC 5753 section 6 / RFC 8418 section 8: ECDH X9.63-SHA-256 and HKDF-SHA-256 with AES-128 wrap
    assert (
        bytes.fromhex("3015 0606 2B8104010B01 300B 0609 608648016503040105".replace(" ", ""))
        in encoded
    )
    assert (
        bytes.fromhex(
            "301A 060B 2A864886F70D0109100313 300B 0609 608648016503040105".replace(" ", "")
        )
        in encoded
    )
    assert all(c.parameters != NULL for c in DEFAULT_CAPABILITIES)


def test_default_preference_is_encryptable() -> None:
    names = capability_preference(DEFAULT_CAPABILITIES)
    assert names == [
        "aes-256-gcm",
        "aes-128-gcm",
        "chacha20-poly1305",
        "aes-256-cbc",
        "aes-192-cbc",
        "aes-128-cbc",
    ]
    for name in names:
        assert ciphers.content_algorithm(name).oid in {c.oid for c in DEFAULT_CAPABILITIES}


def test_capability_preference_rules() -> None:
    gcm = AlgorithmIdentifier("2.16.840.1.101.3.4.1.6")
    cbc = AlgorithmIdentifier("2.16.840.1.101.3.4.1.2", NULL)  # NULL tolerated
    with_params = AlgorithmIdentifier("2.16.840.1.101.3.4.1.46", der.sequence())
    rc2 = AlgorithmIdentifier("1.2.840.113549.3.2", der.encode_int(128))
    ccm = AlgorithmIdentifier("2.16.840.1.101.3.4.1.7")
    assert capability_preference([rc2, cbc, with_params, gcm, cbc, ccm]) == [
        "aes-128-cbc",
        "aes-128-gcm",
        "aes-128-ccm",
    ]
    assert capability_preference([]) == []


def test_capability_key_bits_errors() -> None:
    assert capability_key_bits(AlgorithmIdentifier("1.2.840.113549.3.2")) is None
    with pytest.raises(DecodeError):
        capability_key_bits(AlgorithmIdentifier("1.2.840.113549.3.2", der.encode_octets(b"x")))


def test_smime_capabilities_attribute_round_trip() -> None:
    attr = smime_capabilities_attr()
    assert attr.oid == OID_SMIME_CAPABILITIES
    assert decode_smime_capabilities(attr) == DEFAULT_CAPABILITIES
    custom = (AlgorithmIdentifier("1.2.840.113549.3.2", der.encode_int(40)),)
    assert decode_smime_capabilities(smime_capabilities_attr(custom)) == custom
    assert decode_smime_capabilities(smime_capabilities_attr([])) == ()


@pytest.mark.parametrize(
    "value",
    [der.set_of([]), der.sequence(der.encode_oid("1.2.3")), der.sequence(der.sequence())],
)
def test_malformed_capabilities(value: bytes) -> None:
    with pytest.raises(DecodeError, match="SMIMECapabilities"):
        decode_smime_capabilities(Attribute(OID_SMIME_CAPABILITIES, (value,)))


def test_two_capability_values_are_refused() -> None:
    value = smime_capabilities_attr().values[0]
    with pytest.raises(DecodeError, match="2 values"):
        decode_smime_capabilities(Attribute(OID_SMIME_CAPABILITIES, (value, der.sequence())))


@pytest.mark.interop
def test_openssl_capabilities_are_understood(tmp_path: Path) -> None:
    message = tmp_path / "m.txt"
    message.write_bytes(b"hello\r\n")
    out = tmp_path / "s.der"
    openssl(
        ["cms", "-sign", "-in", message, "-signer", vector_path(LAMPS + "lamps-alice.crt"),
         "-inkey", vector_path(LAMPS + "lamps-alice.p8.pem"), "-outform", "DER", "-out", out]
    )  # fmt: skip
    _, attrs, _ = _signer(out.read_bytes())
    caps = decode_smime_capabilities(_one(attrs, OID_SMIME_CAPABILITIES))
    names = capability_preference(caps)
    assert names[:3] == ["aes-256-cbc", "aes-192-cbc", "aes-128-cbc"]
    assert 40 in [capability_key_bits(c) for c in caps]


# -- SMIMEEncryptionKeyPreference and Microsoft's variant -----------------------------------


def test_thunderbird_key_preferences_name_the_signer() -> None:
    _, attrs, certs = _signer(load_vector(THUNDERBIRD))
    (cert,) = certs
    pref = decode_encryption_key_preference(_one(attrs, OID_ENCRYPTION_KEY_PREFERENCE))
    assert pref.kind == "issuerAndSerialNumber"
    assert pref.matches(cert)
    ms = decode_ms_encryption_key_preference(_one(attrs, OID_MS_ENCRYPTION_KEY_PREFERENCE))
    assert ms.matches(cert)
    assert ms.der == cert.issuer_and_serial_der
    assert ms_encryption_key_preference_attr(cert) == _one(attrs, OID_MS_ENCRYPTION_KEY_PREFERENCE)
    assert encryption_key_preference_attr(pref.identifier) == _one(
        attrs, OID_ENCRYPTION_KEY_PREFERENCE
    )


def test_rfc4134_key_preference_names_daisy() -> None:
    _, attrs, _ = _signer(load_vector("rfc4134/4.10.bin"))
    pref = decode_encryption_key_preference(_one(attrs, OID_ENCRYPTION_KEY_PREFERENCE))
    ias = pref.identifier.issuer_and_serial
    assert ias is not None
    assert ias.serial_number == 0x0A554433
    assert ias.issuer.common_name == "Daisy RSA"


def test_key_preference_alternatives_round_trip() -> None:
    alice = Certificate.from_pem(load_vector(LAMPS + "lamps-alice.crt"))
    ski = alice.subject_key_identifier
    assert ski is not None
    by_ias = EncryptionKeyPreference.for_certificate(alice)
    by_ski = EncryptionKeyPreference.for_certificate(alice, use_ski=True)
    rkey = EncryptionKeyPreference(
        CertificateIdentifier.from_subject_key_identifier(ski),
        "receipentKeyId",
        datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        der.sequence(der.encode_oid("1.2.3")),
    )
    for pref, first in ((by_ias, 0xA0), (by_ski, 0x82), (rkey, 0xA1)):
        encoded = encode_encryption_key_preference(pref)
        assert encoded[0] == first
        parsed = parse_encryption_key_preference(tlv.parse_one(encoded))
        assert parsed == pref
        assert parsed.matches(alice)
    plain = EncryptionKeyPreference(
        CertificateIdentifier.from_subject_key_identifier(ski), "receipentKeyId"
    )
    assert (
        parse_encryption_key_preference(tlv.parse_one(encode_encryption_key_preference(plain)))
        == plain
    )
    # a bare identifier picks [0] or [2]
    ski_id = CertificateIdentifier.from_subject_key_identifier(ski)
    assert encryption_key_preference_attr(ski_id).values[0] == der.implicit(
        2, der.encode_octets(ski)
    )


def test_key_preference_errors() -> None:
    name = Name.build([("CN", "x")])
    ias = CertificateIdentifier(IssuerAndSerialNumber.build(name, 1))
    with pytest.raises(UsageError):
        encode_encryption_key_preference(EncryptionKeyPreference(ias, "subjectAltKeyIdentifier"))
    ski = CertificateIdentifier.from_subject_key_identifier(b"\x01")
    with pytest.raises(UsageError):
        encode_encryption_key_preference(EncryptionKeyPreference(ski, "issuerAndSerialNumber"))
    with pytest.raises(UsageError):
        encode_encryption_key_preference(EncryptionKeyPreference(ski, "other"))
    for bad in (
        der.implicit(3, der.encode_octets(b"\x01")),
        der.encode_octets(b"\x01"),
        der.implicit(1, der.encode_octets(b"\x01")),
        der.encode_tlv(tlv.Tag.context(1), der.encode_octets(b"\x01") + der.encode_int(1)),
    ):
        with pytest.raises(DecodeError):
            decode_encryption_key_preference(Attribute(OID_ENCRYPTION_KEY_PREFERENCE, (bad,)))
    with pytest.raises(DecodeError):
        decode_ms_encryption_key_preference(
            Attribute(OID_MS_ENCRYPTION_KEY_PREFERENCE, (der.implicit(0, ias.to_der()),))
        )


# -- CMSAlgorithmProtection (RFC 6211) -------------------------------------------------------


def test_pss_vector_protection_matches_its_signer_info() -> None:
    fields, attrs, _ = _signer(load_vector("examples-cms/binary-files/signedByAliceRSAPSS.p7m"))
    digest_alg = AlgorithmIdentifier.from_element(fields[2])
    signature_alg = AlgorithmIdentifier.from_element(fields[4])
    assert signature_alg.oid == "1.2.840.113549.1.1.10"  # id-RSASSA-PSS
    protection = decode_algorithm_protection(_one(attrs, OID_ALGORITHM_PROTECTION))
    assert protection == AlgorithmProtection(digest_alg, signature_alg)
    assert protection.matches(digest_alg, signature_alg)
    assert not protection.matches(AlgorithmIdentifier("2.16.840.1.101.3.4.2.3"), signature_alg)
    assert not protection.matches(digest_alg, AlgorithmIdentifier(signature_alg.oid))
    assert not protection.matches(digest_alg, mac_algorithm=signature_alg)
    rebuilt = algorithm_protection_attr(digest_alg, signature_alg)
    assert rebuilt == _one(attrs, OID_ALGORITHM_PROTECTION)


def test_mac_protection_round_trip() -> None:
    sha256 = AlgorithmIdentifier("2.16.840.1.101.3.4.2.1")
    hmac = AlgorithmIdentifier("1.2.840.113549.2.9", NULL)
    attr = algorithm_protection_attr(sha256, mac_alg=hmac)
    assert tlv.parse_one(attr.values[0]).children()[1].tag == tlv.Tag.context(2)
    assert decode_algorithm_protection(attr) == AlgorithmProtection(sha256, mac_algorithm=hmac)


def test_protection_needs_exactly_one_algorithm() -> None:
    sha256 = AlgorithmIdentifier("2.16.840.1.101.3.4.2.1")
    with pytest.raises(UsageError):
        algorithm_protection_attr(sha256)
    with pytest.raises(UsageError):
        algorithm_protection_attr(sha256, sha256, sha256)
    d, s = sha256.to_der(), AlgorithmIdentifier("1.2.840.113549.1.1.11", NULL).to_der()
    for bad, message in (
        (der.sequence(d), "1 components"),
        (der.sequence(d, der.implicit(1, s), der.implicit(2, s)), "3 components"),
        (der.sequence(d, der.implicit(3, s)), "unexpected"),
        (der.sequence(d, s), "unexpected"),
        (der.sequence(d, der.implicit(1, s, constructed=False)), "unexpected"),
        (der.sequence(d, der.encode_tlv(tlv.Tag.context(1), b"")), "0 components"),
        (der.set_of([d]), "expected SEQUENCE"),
    ):
        with pytest.raises(DecodeError, match=message):
            decode_algorithm_protection(Attribute(OID_ALGORITHM_PROTECTION, (bad,)))


_algids = st.builds(
    AlgorithmIdentifier,
    st.sampled_from(["2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.11", "1.3.101.112"]),
    st.one_of(st.none(), st.just(NULL), st.binary(max_size=8).map(der.encode_octets)),
)


@given(digest=_algids, other=_algids, mac=st.booleans())
def test_protection_round_trip(
    digest: AlgorithmIdentifier, other: AlgorithmIdentifier, mac: bool
) -> None:
    attr = algorithm_protection_attr(digest, None if mac else other, other if mac else None)
    decoded = decode_algorithm_protection(attr)
    assert decoded.matches(digest, None if mac else other, other if mac else None)
