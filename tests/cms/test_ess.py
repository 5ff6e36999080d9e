"""ESS attribute values (RFC 2634, RFC 5035) and their attribute-level codecs."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms import ess
from smimelib.cms.attributes import (
    OID_CONTENT_HINT,
    OID_CONTENT_REFERENCE,
    OID_EQUIVALENT_LABELS,
    OID_ML_EXPANSION_HISTORY,
    OID_RECEIPT_REQUEST,
    OID_SECURITY_LABEL,
    OID_SIGNING_CERTIFICATE,
    OID_SIGNING_CERTIFICATE_V2,
    Attribute,
    Attributes,
    content_hint_attr,
    decode_content_hints,
    decode_content_reference,
    decode_equivalent_labels,
    decode_ml_expansion_history,
    decode_receipt_request,
    decode_security_label,
    decode_signing_certificate,
    decode_signing_certificate_v2,
    receipt_request_attr,
    security_label_attr,
    signing_certificate_attr,
    signing_certificate_v2_attr,
)
from smimelib.cms.content_info import ID_DATA, parse_content_info
from smimelib.cms.ess import (
    ContentHints,
    ESSCertIDv2,
    IssuerSerial,
    MLReceiptPolicy,
    ReceiptRequest,
    SecurityCategory,
    SecurityLabel,
)
from smimelib.crypto import digests
from smimelib.errors import DecodeError, PolicyError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.general_names import GeneralName
from smimelib.pki.names import Name
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

UTC = datetime.UTC
LAMPS = "examples-cms/certs-and-keys/"


def _signed_attrs(data: bytes) -> Attributes:
    signed_data = parse_content_info(data).require_content()
    fields = signed_data.children()[-1].children()[0].children()
    return Attributes.from_element(next(f for f in fields if f.tag == tlv.Tag.context(0)))


@pytest.fixture(scope="module")
def rfc4134_4_10() -> Attributes:
    return _signed_attrs(load_vector("rfc4134/4.10.bin"))


@pytest.fixture(scope="module")
def alice() -> Certificate:
    return Certificate.from_pem(load_vector(LAMPS + "lamps-alice.crt"))


@pytest.fixture(scope="module")
def carlos() -> Certificate:
    return Certificate.from_pem(load_vector(LAMPS + "lamps-carlos.crt"))


def _one(attrs: Attributes, oid: str) -> Attribute:
    attr = attrs.single(oid)
    assert attr is not None
    return attr


def _value_element(attr: Attribute) -> tlv.Element:
    return attr.value_elements()[0]


def _vda(cn: str) -> Name:
    return Name.build(
        [("C", "US"), ("O", "US Government"), ("OU", "VDA Site"), ("OU", "VDA"), ("CN", cn)]
    )


# -- RFC 4134 section 4.10: every ESS attribute of the vector --------------------------------


def test_rfc4134_content_hints(rfc4134_4_10: Attributes) -> None:
    attr = _one(rfc4134_4_10, OID_CONTENT_HINT)
    hints = decode_content_hints(attr)
    assert hints == ContentHints(ID_DATA, "Content Hints Description Buffer")
    assert ess.encode_content_hints(hints) == attr.values[0]
    assert content_hint_attr(ID_DATA, "Content Hints Description Buffer") == attr


def test_rfc4134_security_label(rfc4134_4_10: Attributes) -> None:
    attr = _one(rfc4134_4_10, OID_SECURITY_LABEL)
    label = decode_security_label(attr)
    assert label.policy == "1.2.3.4.5.6.7.8"
    assert label.classification == 1
    assert label.privacy_mark == "THIS IS A PRIVACY MARK TEST"
    assert not label.privacy_mark_utf8
    (category,) = label.categories
    assert category.type == "1.2.3.4.5.6.7.888"
    assert tlv.parse_one(category.value).as_string() == "THIS IS A TEST SECURITY-CATEGORY."
    # DER in, DER out: the SET components are in tag order (X.690 10.3)
    assert ess.encode_security_label(label) == attr.values[0]
    assert security_label_attr(label) == attr


def test_rfc4134_equivalent_labels(rfc4134_4_10: Attributes) -> None:
    labels = decode_equivalent_labels(_one(rfc4134_4_10, OID_EQUIVALENT_LABELS))
    assert [lbl.policy for lbl in labels] == ["1.2.3.4.5.6.7.9", "1.2.3.4.5.6.7.10"]
    assert [lbl.privacy_mark for lbl in labels] == [
        "EQUIVALENT THIS IS A PRIVACY MARK TEST",
        "EQUIVALENT THIS IS A SECOND PRIVACY MARK TEST",
    ]
    assert all(lbl.classification == 1 and len(lbl.categories) == 1 for lbl in labels)


def test_rfc4134_content_reference(rfc4134_4_10: Attributes) -> None:
    ref = decode_content_reference(_one(rfc4134_4_10, OID_CONTENT_REFERENCE))
    assert ref == ess.ContentReference(
        "1.2.3.4.5.6",
        b"Content Reference Content Identifier Buffer",
        b"Content Reference Signature Value Buffer",
    )


def test_rfc4134_ml_expansion_history(rfc4134_4_10: Attributes) -> None:
    (entry,) = decode_ml_expansion_history(_one(rfc4134_4_10, OID_ML_EXPANSION_HISTORY))
    # EntityIdentifier is untagged: this mail list is named by a plain OCTET STRING key id
    assert entry.mail_list_identifier.subject_key_identifier == b"5738299"
    assert entry.mail_list_identifier.to_der() == der.encode_octets(b"5738299")
    assert entry.expansion_time == datetime.datetime(1999, 3, 11, 10, 44, 33, tzinfo=UTC)
    assert entry.receipt_policy is not None
    assert entry.receipt_policy.kind == "insteadOf"
    (names,) = entry.receipt_policy.names
    assert [str(n) for n in names] == [
        f"DirName:{_vda('Bugs Bunny DSA').rfc4514()}",
        f"DirName:{_vda('Elmer Fudd DSA').rfc4514()}",
    ]


def test_rfc4134_every_signed_attribute_is_recognised(rfc4134_4_10: Attributes) -> None:
    assert [a.name for a in rfc4134_4_10] == [
        "id-contentType",
        "id-messageDigest",
        "1.2.5555",
        "id-aa-contentHint",
        "smimeCapabilities",
        "id-aa-securityLabel",
        "id-aa-contentReference",
        "id-aa-encrypKeyPref",
        "id-aa-mlExpandHistory",
        "id-aa-equivalentLabels",
    ]
    unknown = rfc4134_4_10.items[2]
    assert _value_element(unknown).as_octets().startswith(b"This is a test General ASN")


# -- signingCertificateV2 (RFC 5035) and signingCertificate (RFC 2634 5.4) --------------------


def test_signing_certificate_v2_of_our_own(alice: Certificate, carlos: Certificate) -> None:
    attr = signing_certificate_v2_attr([alice, carlos])
    ids = decode_signing_certificate_v2(attr)
    assert len(ids) == 2
    first = ids[0]
    assert first.hash_algorithm == AlgorithmIdentifier("2.16.840.1.101.3.4.2.1")
    assert not first.hash_algorithm_explicit
    assert first.cert_hash == digests.digest("sha256", alice.der)
    assert first.issuer_serial == IssuerSerial.from_certificate(alice)
    assert first.matches(alice) and not first.matches(carlos)
    assert ids[1].matches(carlos)
    # SHA-256 is the DEFAULT: the ESSCertIDv2 starts with the certHash OCTET STRING
    first_der = tlv.parse_one(attr.values[0]).children()[0].children()[0]
    assert first_der.children()[0].tag == tlv.Tag.OCTET_STRING
    assert first.to_der() == first_der.raw


def test_signing_certificate_v2_with_sha384(alice: Certificate) -> None:
    attr = signing_certificate_v2_attr([alice], hash="sha384")
    (cid,) = decode_signing_certificate_v2(attr)
    assert cid.hash_algorithm.oid == "2.16.840.1.101.3.4.2.2"
    assert len(cid.cert_hash) == 48
    assert cid.matches(alice)
    with pytest.raises(PolicyError):
        signing_certificate_v2_attr([alice], hash="sha1")
    with pytest.raises(UsageError):
        signing_certificate_v2_attr([])


def test_explicit_default_hash_is_accepted_and_flagged(alice: Certificate) -> None:
    sha256 = AlgorithmIdentifier("2.16.840.1.101.3.4.2.1")
    body = der.sequence(sha256.to_der(), der.encode_octets(digests.digest("sha256", alice.der)))
    value = der.sequence(der.sequence(body))
    (cid,) = ess.parse_signing_certificate_v2(tlv.parse_one(value)).certs
    assert cid.hash_algorithm_explicit
    assert cid.issuer_serial is None
    assert cid.matches(alice)
    assert cid.to_der() != body  # re-encoding omits the DEFAULT


def test_issuer_serial_must_match(alice: Certificate) -> None:
    good = ESSCertIDv2.from_certificate(alice)
    assert good.issuer_serial is not None
    wrong_serial = IssuerSerial(good.issuer_serial.issuer, alice.serial_number + 1)
    assert not ESSCertIDv2(good.hash_algorithm, good.cert_hash, wrong_serial).matches(alice)
    wrong_issuer = IssuerSerial((GeneralName.directory(alice.subject),), alice.serial_number)
    assert not ESSCertIDv2(good.hash_algorithm, good.cert_hash, wrong_issuer).matches(alice)
    not_a_dirname = IssuerSerial((GeneralName.email("ca@example.com"),), alice.serial_number)
    assert not ESSCertIDv2(good.hash_algorithm, good.cert_hash, not_a_dirname).matches(alice)
    unknown_hash = ESSCertIDv2(AlgorithmIdentifier("1.2.3.4"), good.cert_hash)
    assert not unknown_hash.matches(alice)


def test_signing_certificate_v2_policies() -> None:
    policy = der.sequence(der.encode_oid("2.5.29.32.0"))
    cid = der.sequence(der.encode_octets(b"\x00" * 32))
    parsed = ess.parse_signing_certificate_v2(
        tlv.parse_one(der.sequence(der.sequence(cid), der.sequence(policy)))
    )
    assert parsed.policies == (policy,)


def test_signing_certificate_v1(alice: Certificate, carlos: Certificate) -> None:
    attr = signing_certificate_attr([alice])
    assert attr.oid == OID_SIGNING_CERTIFICATE
    (cid,) = decode_signing_certificate(attr)
    assert cid.cert_hash == digests.digest("sha1", alice.der)
    assert cid.matches(alice) and not cid.matches(carlos)
    assert cid.to_der() == tlv.parse_one(attr.values[0]).children()[0].children()[0].raw


@pytest.mark.parametrize(
    "value",
    [
        der.sequence(),
        der.sequence(der.sequence()),
        der.sequence(der.sequence(der.sequence(der.encode_utf8("hash")))),
        der.sequence(der.sequence(der.sequence(der.encode_octets(b"h"), der.encode_int(1)))),
        der.set_of([der.sequence(der.sequence(der.encode_octets(b"h")))]),
    ],
)
def test_malformed_signing_certificate_v2(value: bytes) -> None:
    attr = Attribute(OID_SIGNING_CERTIFICATE_V2, (value,))
    with pytest.raises(DecodeError, match="signingCertificateV2"):
        decode_signing_certificate_v2(attr)


@pytest.mark.interop
def test_openssl_cades_and_receipt_request_attributes(tmp_path: Path, alice: Certificate) -> None:
    message = tmp_path / "m.txt"
    message.write_bytes(b"hello\r\n")
    out = tmp_path / "s.der"
    openssl(
        ["cms", "-sign", "-in", message, "-signer", vector_path(LAMPS + "lamps-alice.crt"),
         "-inkey", vector_path(LAMPS + "lamps-alice.p8.pem"), "-cades", "-receipt_request_all",
         "-receipt_request_to", "bob@example.com", "-outform", "DER", "-out", out, "-nodetach"]
    )  # fmt: skip
    attrs = _signed_attrs(out.read_bytes())
    cid = decode_signing_certificate_v2(_one(attrs, OID_SIGNING_CERTIFICATE_V2))[0]
    assert cid.matches(alice)
    request = decode_receipt_request(_one(attrs, OID_RECEIPT_REQUEST))
    assert request.all_or_first_tier == 0
    assert request.receipt_list is None
    assert request.receipts_to == ((GeneralName.email("bob@example.com"),),)
    assert len(request.signed_content_identifier) > 0
    assert ess.encode_receipt_request(request) == _one(attrs, OID_RECEIPT_REQUEST).values[0]


# -- receiptRequest (RFC 2634 section 2.7) ----------------------------------------------------


def test_receipt_request_round_trips() -> None:
    to = ((GeneralName.email("bob@example.com"), GeneralName.directory(_vda("Bob"))),)
    for request in (
        ReceiptRequest(b"id-1", to, all_or_first_tier=1),
        ReceiptRequest(b"id-2", to, receipt_list=((GeneralName.email("a@example.com"),),)),
    ):
        attr = receipt_request_attr(request)
        assert decode_receipt_request(attr) == request


def test_receipt_request_errors() -> None:
    to = ((GeneralName.email("bob@example.com"),),)
    with pytest.raises(UsageError):
        ess.encode_receipt_request(ReceiptRequest(b"x", to))
    with pytest.raises(UsageError):
        ess.encode_receipt_request(ReceiptRequest(b"x", (), all_or_first_tier=0))
    with pytest.raises(UsageError):
        ess.encode_receipt_request(ReceiptRequest(b"x", to * 17, all_or_first_tier=0))
    good = ess.encode_receipt_request(ReceiptRequest(b"x", to, all_or_first_tier=0))
    bad_tier = good.replace(b"\x80\x01\x00", b"\x80\x01\x02")
    with pytest.raises(DecodeError, match="AllOrFirstTier value 2"):
        ess.parse_receipt_request(tlv.parse_one(bad_tier))
    names = ess.encode_receipt_request(ReceiptRequest(b"x", to, all_or_first_tier=0))
    too_many = names.replace(b"\x80\x01\x00", b"\x80\x01\x00", 1)
    body = tlv.parse_one(too_many).children()
    seventeen = der.sequence(
        body[0].raw, body[1].raw, der.sequence(*([body[2].children()[0].raw] * 17))
    )
    with pytest.raises(DecodeError, match="receiptsTo holds 17"):
        ess.parse_receipt_request(tlv.parse_one(seventeen))
    wrong_choice = der.sequence(body[0].raw, der.encode_int(0), body[2].raw)
    with pytest.raises(DecodeError, match="ReceiptsFrom"):
        ess.parse_receipt_request(tlv.parse_one(wrong_choice))


# -- securityLabel details, contentHints, mlExpansionHistory errors --------------------------


def test_security_label_round_trip_with_utf8_mark() -> None:
    label = SecurityLabel(
        "1.2.3", 3, "vertraulich \u00e4", (SecurityCategory("1.2.3.9", der.encode_int(5)),), True
    )
    encoded = ess.encode_security_label(label)
    assert tlv.is_der(encoded)
    assert ess.parse_security_label(tlv.parse_one(encoded)) == label
    minimal = SecurityLabel("1.2.3")
    assert ess.parse_security_label(tlv.parse_one(ess.encode_security_label(minimal))) == minimal


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (der.encode_set(der.encode_int(1)), "no security-policy-identifier"),
        (der.encode_set(der.encode_oid("1.2"), der.encode_int(257)), "out of range"),
        (der.encode_set(der.encode_oid("1.2"), der.encode_printable("A" * 129)), "privacy-mark"),
        (der.encode_set(der.encode_oid("1.2"), der.encode_utf8("")), "privacy-mark"),
        (
            der.encode_set(der.encode_oid("1.2"), der.encode_utf8("a"), der.encode_printable("b")),
            "repeats",
        ),
        (der.encode_set(der.encode_oid("1.2"), der.encode_oid("1.3")), "repeats"),
        (der.encode_set(der.encode_oid("1.2"), der.encode_bool(True)), "unexpected"),
        (der.encode_set(der.encode_oid("1.2"), der.set_of([])), "0 security categories"),
        (
            der.encode_set(
                der.encode_oid("1.2"), der.set_of([der.sequence(der.encode_oid("1.2"))])
            ),
            "SecurityCategory",
        ),
        (der.sequence(der.encode_oid("1.2")), "expected SET"),
    ],
)
def test_malformed_security_label(value: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_security_label(Attribute(OID_SECURITY_LABEL, (value,)))


def test_content_hints_errors() -> None:
    good = ContentHints(ID_DATA)
    assert decode_content_hints(content_hint_attr(ID_DATA)) == good
    printable = der.sequence(der.encode_printable("desc"), der.encode_oid(ID_DATA))
    with pytest.raises(DecodeError, match="expected UTF8String"):
        decode_content_hints(Attribute(OID_CONTENT_HINT, (printable,)))
    empty = der.sequence(der.encode_utf8(""), der.encode_oid(ID_DATA))
    with pytest.raises(DecodeError, match="empty contentDescription"):
        decode_content_hints(Attribute(OID_CONTENT_HINT, (empty,)))
    no_type = der.sequence(der.encode_utf8("x"))
    with pytest.raises(DecodeError, match="OBJECT IDENTIFIER"):
        decode_content_hints(Attribute(OID_CONTENT_HINT, (no_type,)))


def test_ml_expansion_history_variants_and_errors() -> None:
    when = der.encode_generalized_time(datetime.datetime(2020, 1, 1, tzinfo=UTC))
    ias = der.sequence(_vda("List").der, der.encode_int(5))
    none_policy = der.implicit(0, der.encode_null())
    history = der.sequence(der.sequence(ias, when, none_policy), der.sequence(ias, when))
    first, second = ess.parse_ml_expansion_history(tlv.parse_one(history))
    assert first.receipt_policy == MLReceiptPolicy("none")
    assert second.receipt_policy is None
    assert first.mail_list_identifier.issuer_and_serial is not None
    assert first.mail_list_identifier.issuer_and_serial.serial_number == 5
    utc_time = der.encode_utc_time(datetime.datetime(2020, 1, 1, tzinfo=UTC))
    for bad, message in (
        (der.sequence(), "0 entries"),
        (der.sequence(der.sequence(ias, utc_time)), "expected GeneralizedTime"),
        (der.sequence(der.sequence(der.encode_int(1), when)), "EntityIdentifier"),
        (
            der.sequence(der.sequence(ias, when, der.implicit(3, der.encode_null()))),
            "MLReceiptPolicy",
        ),
        (der.sequence(der.sequence(ias, when, der.encode_tlv(tlv.Tag.context(1), b""))), "empty"),
        (der.sequence(*([der.sequence(ias, when)] * 65)), "65 entries"),
    ):
        with pytest.raises(DecodeError, match=message):
            decode_ml_expansion_history(Attribute(OID_ML_EXPANSION_HISTORY, (bad,)))
