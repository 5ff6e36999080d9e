"""Names (RFC 5280 4.1.2.4), their RFC 4514 string form, and GeneralNames (RFC 5280 4.2.1.6)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.general_names import GeneralName, GeneralNameKind, OtherName
from smimelib.pki.names import RDN, Name, NameAttribute, attribute_oid
from tests.peers import openssl
from tests.vectors import vector_path


def _atav(oid: str, value_der: bytes) -> bytes:
    return der.sequence(der.encode_oid(oid), value_der)


def _name_der(*rdns: list[bytes]) -> bytes:
    return der.sequence(*(der.set_of(rdn) for rdn in rdns))


# -- string form ---------------------------------------------------------------------------------


def test_vector_names_render_in_reverse_order() -> None:
    cert = Certificate.from_file(vector_path("rfc9216/alice.sign.crt"))
    assert cert.subject.rfc4514() == "CN=Alice Lovelace,OU=LAMPS WG,O=IETF"
    assert cert.issuer.rfc4514() == (
        "CN=Sample LAMPS RSA Certification Authority,OU=LAMPS WG,O=IETF"
    )
    assert cert.subject.common_name == "Alice Lovelace"
    assert [a.short_name for a in cert.subject.attributes] == ["O", "OU", "CN"]


def test_escaping_rfc4514_section_2_4() -> None:
    name = Name.build([("CN", ' #lead, "q" + <x>; back\\slash trailing ')])
    assert name.rfc4514() == 'CN=\\ #lead\\, \\"q\\" \\+ \\<x\\>\\; back\\\\slash trailing\\ '
    assert Name.build([("CN", "#x")]).rfc4514() == "CN=\\#x"
    assert Name.build([("CN", "a#b=c")]).rfc4514() == "CN=a#b=c"
    assert Name.build([("CN", "nul\x00ctl\x01")]).rfc4514() == "CN=nul\\00ctl\\01"


def test_multi_valued_rdn_and_short_names() -> None:
    rdn = RDN((NameAttribute.build("OU", "Sales"), NameAttribute.build("CN", "Bob")))
    name = Name([RDN((NameAttribute.build("C", "DE"),)), rdn])
    assert name.rfc4514() == "OU=Sales+CN=Bob,C=DE"
    dc = Name.build([("DC", "com"), ("DC", "example"), ("UID", "jdoe"), ("STREET", "Main St")])
    assert dc.rfc4514() == "STREET=Main St,UID=jdoe,DC=example,DC=com"


def test_email_address_attribute_is_named_like_openssl() -> None:
    name = Name.build([("CN", "Alice"), ("emailAddress", "alice@example.com")])
    assert name.rfc4514() == "emailAddress=alice@example.com,CN=Alice"
    assert name.email_addresses == ("alice@example.com",)
    # IA5String as PKCS #9 prescribes
    assert name.attributes[1].tag == tlv.Tag.IA5_STRING


def test_unknown_type_and_non_string_value_render_as_hex() -> None:
    encoded = _name_der(
        [_atav("1.2.3.4", der.encode_utf8("abc"))], [_atav("2.5.4.3", der.encode_int(5))]
    )
    name = Name.from_der(encoded)
    assert name.rfc4514() == "CN=#020105,1.2.3.4=#0C03616263"
    assert name.attributes[0].value == "abc"
    assert name.attributes[1].value is None
    assert Name.from_rfc4514(name.rfc4514()).der == encoded


def test_string_types_are_decoded_and_kept() -> None:
    encoded = _name_der(
        [_atav("2.5.4.3", der.encode_tlv(tlv.Tag.T61_STRING, "Müller".encode("latin-1")))],
        [_atav("2.5.4.11", der.encode_bmp("Looks™"))],
        [_atav("2.5.4.10", der.encode_tlv(tlv.Tag.UNIVERSAL_STRING, "Ωmega".encode("utf-32-be")))],
        [_atav("2.5.4.7", der.encode_tlv(tlv.Tag.PRINTABLE_STRING, b"a@b_c"))],
    )
    name = Name.from_der(encoded)
    assert [a.value for a in name.attributes] == ["Müller", "Looks™", "Ωmega", "a@b_c"]
    assert [a.tag for a in name.attributes] == [
        tlv.Tag.T61_STRING,
        tlv.Tag.BMP_STRING,
        tlv.Tag.UNIVERSAL_STRING,
        tlv.Tag.PRINTABLE_STRING,
    ]
    assert name.der == encoded
    assert name.rfc4514() == "L=a@b_c,O=Ωmega,OU=Looks™,CN=Müller"


def test_undecodable_utf8_falls_back_to_hex() -> None:
    encoded = _name_der([_atav("2.5.4.3", der.encode_tlv(tlv.Tag.UTF8_STRING, b"\xff\xfe"))])
    name = Name.from_der(encoded)
    assert name.attributes[0].value is None
    assert name.rfc4514() == "CN=#0C02FFFE"


@pytest.mark.parametrize(
    "encoded",
    [
        der.sequence(der.encode_tlv(tlv.Tag.SET, b"")),  # empty RDN
        der.sequence(der.set_of([der.sequence(der.encode_oid("2.5.4.3"))])),  # no value
        der.encode_set(der.encode_utf8("x")),  # not a SEQUENCE
        der.sequence(der.sequence(_atav("2.5.4.3", der.encode_utf8("x")))),  # RDN not a SET
    ],
)
def test_malformed_names_raise_decode_error(encoded: bytes) -> None:
    with pytest.raises(DecodeError):
        Name.from_der(encoded)


# -- parsing RFC 4514 strings ----------------------------------------------------------------------


def test_from_rfc4514_string_types_follow_rfc5280() -> None:
    name = Name.from_rfc4514("CN=Alice,emailAddress=a@example.com,O=Ex\\2C Inc,C=DE")
    assert [a.tag for a in name.attributes] == [
        tlv.Tag.PRINTABLE_STRING,
        tlv.Tag.UTF8_STRING,
        tlv.Tag.IA5_STRING,
        tlv.Tag.UTF8_STRING,
    ]
    assert name.get("O") == ("Ex, Inc",)
    assert name.rfc4514() == "CN=Alice,emailAddress=a@example.com,O=Ex\\, Inc,C=DE"


def test_from_rfc4514_tolerates_rfc2253_spaces() -> None:
    assert Name.from_rfc4514("CN=Alice, O=Example") == Name.from_rfc4514("CN=Alice,O=Example")
    assert Name.from_rfc4514("commonName=x + OU=y").rfc4514() == "OU=y+CN=x"
    assert Name.from_rfc4514("") == Name()


@pytest.mark.parametrize(
    "text", ["CN", "=x", "XX=1", "CN=a\\", 'CN=a"b', "1.2.3=#0C0", "1.2.3=#zz", "C=DEU"]
)
def test_from_rfc4514_rejects_bad_strings(text: str) -> None:
    with pytest.raises(UsageError):
        Name.from_rfc4514(text)


def test_attribute_oid_accepts_names_and_oids() -> None:
    assert attribute_oid("cn") == "2.5.4.3"
    assert attribute_oid("E") == "1.2.840.113549.1.9.1"
    assert attribute_oid("2.5.4.99") == "2.5.4.99"
    with pytest.raises(UsageError):
        attribute_oid("nonsense")


_TYPES = st.sampled_from(["CN", "O", "OU", "L", "ST", "STREET", "title", "SN", "GN"])
_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_ATTR = st.one_of(
    st.tuples(_TYPES, _TEXT),
    st.tuples(st.just("C"), st.text(string.ascii_uppercase, min_size=2, max_size=2)),
    st.tuples(st.just("DC"), st.text(string.ascii_lowercase, max_size=8)),
)
# plain (type, value) tuples: hypothesis reports failures with readable examples
_NAMES = st.lists(st.lists(_ATTR, min_size=1, max_size=3), max_size=5)


@given(_NAMES)
def test_rfc4514_round_trip(spec: list[list[tuple[str, str]]]) -> None:
    name = Name(RDN(tuple(NameAttribute.build(t, v) for t, v in rdn)) for rdn in spec)
    again = Name.from_rfc4514(name.rfc4514())
    assert again == name
    assert Name.from_der(name.der) == name
    assert Name.from_der(name.der).rfc4514() == name.rfc4514()


# -- comparison (RFC 5280 section 7.1) -------------------------------------------------------------


def test_matches_folds_case_space_and_string_type() -> None:
    printable = Name.from_der(
        _name_der(
            [_atav("2.5.4.10", der.encode_printable("Example  Corp"))],
            [_atav("2.5.4.3", der.encode_printable("Alice"))],
        )
    )
    utf8 = Name.build([("O", " example corp "), ("CN", "ALICE")])
    assert printable != utf8
    assert printable.matches(utf8) and utf8.matches(printable)
    assert not printable.matches(Name.build([("O", "Example Corp"), ("CN", "Bob")]))
    assert not printable.matches(Name.build([("CN", "Alice")]))
    # the match key is what path building buckets issuers by: equal exactly when matching
    assert printable.match_key == utf8.match_key
    assert printable.match_key != Name.build([("O", "Example Corp"), ("CN", "Bob")]).match_key
    assert printable.match_key != Name.build([("CN", "Alice")]).match_key


def test_matches_treats_an_rdn_as_a_set() -> None:
    a = Name([RDN((NameAttribute.build("OU", "x"), NameAttribute.build("CN", "y")))])
    b = Name([RDN((NameAttribute.build("CN", "Y"), NameAttribute.build("OU", "X")))])
    assert a.matches(b)
    assert a.match_key == b.match_key


def test_name_is_immutable_and_hashable() -> None:
    name = Name.build([("CN", "x")])
    with pytest.raises(AttributeError):
        name._der = b""
    assert {name: 1}[Name.build([("CN", "x")])] == 1


# -- GeneralName -----------------------------------------------------------------------------------

_GENERAL_NAMES = [
    GeneralName.email("alice@example.com"),
    GeneralName.dns("mail.example.com"),
    GeneralName.uri("http://crl.example.com/ca.crl"),
    GeneralName.directory(Name.build([("CN", "Dir")])),
    GeneralName.smtp_utf8_mailbox("retourné@example.com"),
    GeneralName(GeneralNameKind.IP_ADDRESS, bytes([192, 0, 2, 1])),
    GeneralName(GeneralNameKind.REGISTERED_ID, "1.2.3.4.5"),
]


@pytest.mark.parametrize("general_name", _GENERAL_NAMES, ids=lambda g: g.kind.name)
def test_general_name_round_trip(general_name: GeneralName) -> None:
    encoded = general_name.to_der()
    parsed = GeneralName.from_element(tlv.parse_one(encoded))
    assert parsed == general_name
    assert parsed.to_der() == encoded


def test_general_name_encodings_are_the_rfc5280_tags() -> None:
    assert GeneralName.email("a@b").to_der() == b"\x81\x03a@b"
    assert GeneralName.uri("u").to_der() == b"\x86\x01u"
    dirname = Name.build([("CN", "x")])
    assert (
        GeneralName.directory(dirname).to_der()
        == b"\xa4" + der.encode_length(len(dirname.der)) + dirname.der
    )
    other = GeneralName.smtp_utf8_mailbox("é@x")
    assert isinstance(other.value, OtherName)
    assert other.value.text == "é@x"
    assert str(GeneralName(GeneralNameKind.IP_ADDRESS, b"\x7f\x00\x00\x01")) == "IP:127.0.0.1"


@pytest.mark.parametrize(
    "encoded",
    [
        b"\x89\x00",  # [9] is no GeneralName
        b"\xa1\x00",  # rfc822Name must be primitive
        b"\x80\x00",  # otherName must be constructed
        b"\xa0\x03\x06\x01\x2a",  # otherName without [0] value
        b"\x04\x00",  # universal tag
    ],
)
def test_malformed_general_names(encoded: bytes) -> None:
    with pytest.raises(DecodeError):
        GeneralName.from_element(tlv.parse_one(encoded))


def test_non_ascii_ia5_name_is_refused_when_building() -> None:
    with pytest.raises(UsageError):
        GeneralName.email("retourné@example.com").to_der()


# -- interop: OpenSSL's -nameopt RFC2253 -----------------------------------------------------------

_OPENSSL_SUBJECTS = [
    '/C=DE/O=Example, Inc./OU=R+D/CN=Alice \\"Al\\" <al@example.com>',
    "/DC=com/DC=example/UID=jdoe/CN=back\\\\slash;semi",
    "/O=Ünïcödé GmbH/CN=#hash lead/emailAddress=x@example.com",
    "/CN=a+OU=b/O=multi",
]


@pytest.mark.interop
@pytest.mark.parametrize("subject", _OPENSSL_SUBJECTS)
def test_rfc4514_matches_openssl_rfc2253(subject: str, tmp_path: Path) -> None:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    args: list[str | Path] = [
        "req",
        "-x509",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
    ]
    args += ["-nodes", "-keyout", key, "-out", cert, "-subj", subject, "-utf8", "-days", "1"]
    if "+" in subject:
        args.append("-multivalue-rdn")
    openssl(args)
    shown = openssl(
        ["x509", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"]
    ).stdout.decode("utf-8")
    parsed = Certificate.from_file(cert)
    assert shown.strip() == "subject=" + parsed.subject.rfc4514()
