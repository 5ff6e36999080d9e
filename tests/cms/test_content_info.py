"""ContentInfo parsing, PEM loading and encoding (RFC 5652 section 3, RFC 7468 section 9)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.limits import Limits
from smimelib.cms.content_info import (
    ID_AUTH_DATA,
    ID_AUTH_ENVELOPED_DATA,
    ID_COMPRESSED_DATA,
    ID_CT_RECEIPT,
    ID_CT_TST_INFO,
    ID_DATA,
    ID_DIGESTED_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
    ID_SIGNED_DATA,
    ContentInfo,
    content_info_from_element,
    content_info_header,
    encode_content_info,
    load_cms,
    parse_content_info,
)
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki.pem import pem_encode
from tests.vectors import load_vector

ALICE_RSA = "examples-cms/binary-files/signedByAliceRSA.p7m"


def _vector_without_newline(name: str) -> bytes:
    data = load_vector(name)
    return data[:-1] if data.endswith(b"\x00\x00\n") else data


def test_content_type_constants_are_the_registered_oids() -> None:
    assert oids.name_of(ID_DATA) == "id-data"
    assert oids.name_of(ID_SIGNED_DATA) == "id-signedData"
    assert oids.name_of(ID_ENVELOPED_DATA) == "id-envelopedData"
    assert oids.name_of(ID_DIGESTED_DATA) == "id-digestedData"
    assert oids.name_of(ID_ENCRYPTED_DATA) == "id-encryptedData"
    assert oids.name_of(ID_AUTH_DATA) == "id-ct-authData"
    assert oids.name_of(ID_AUTH_ENVELOPED_DATA) == "id-ct-authEnvelopedData"
    assert oids.name_of(ID_COMPRESSED_DATA) == "id-ct-compressedData"
    assert oids.name_of(ID_CT_RECEIPT) == "id-ct-receipt"
    assert oids.name_of(ID_CT_TST_INFO) == "id-ct-TSTInfo"


def test_parse_signed_data_vector() -> None:
    data = load_vector("rfc4134/4.4.bin")
    ci = parse_content_info(data)
    assert ci.content_type == ID_SIGNED_DATA
    assert ci.content_type_name == "id-signedData"
    assert ci.raw == data
    content = ci.require_content()
    assert content.tag == tlv.Tag.SEQUENCE
    # the [0] EXPLICIT wrapper is peeled: the SignedData starts after its header
    assert content.end_offset == len(data)
    assert data[content.offset : content.end_offset] == content.raw
    assert content.children()[0].as_int() == 1  # SignedData version


@pytest.mark.parametrize(
    "name",
    [
        "asn1crypto/cms-signed-indefinite-length.der",
        "asn1crypto/cms-enveloped.der",
        "asn1crypto/cms-compressed.der",
        "asn1crypto/cms-digested.der",
        "asn1crypto/cms-encrypted.der",
    ],
)
def test_parse_other_content_types_and_ber(name: str) -> None:
    data = _vector_without_newline(name)
    ci = parse_content_info(data)
    expected = {
        "cms-signed-indefinite-length.der": ID_SIGNED_DATA,
        "cms-enveloped.der": ID_ENVELOPED_DATA,
        "cms-compressed.der": ID_COMPRESSED_DATA,
        "cms-digested.der": ID_DIGESTED_DATA,
        "cms-encrypted.der": ID_ENCRYPTED_DATA,
    }[name.rsplit("/", 1)[1]]
    assert ci.content_type == expected
    assert ci.content is not None and ci.content.tag == tlv.Tag.SEQUENCE


def test_indefinite_length_content_info_is_accepted() -> None:
    data = _vector_without_newline("asn1crypto/cms-signed-indefinite-length.der")
    ci = parse_content_info(data)
    assert ci.element is not None and ci.element.indefinite
    assert ci.raw == data


def test_trailing_newline_is_trailing_data() -> None:
    # the vector ends with a newline (vectors/README.md); only callers that choose to
    # tolerate trailing white space (the SignedData reader reports it) may strip it
    with pytest.raises(DecodeError, match="trailing"):
        parse_content_info(load_vector("asn1crypto/cms-signed-indefinite-length.der"))


def test_base_offset_shifts_every_offset() -> None:
    data = load_vector(ALICE_RSA)
    ci = parse_content_info(data, base_offset=1000)
    assert ci.element is not None and ci.element.offset == 1000
    assert ci.require_content().offset == 1000 + parse_content_info(data).require_content().offset


def test_trailing_data_is_refused() -> None:
    data = load_vector(ALICE_RSA)
    with pytest.raises(DecodeError):
        parse_content_info(data + b"\x00")


def test_expected_type() -> None:
    data = load_vector(ALICE_RSA)
    assert parse_content_info(data, expected_type=ID_SIGNED_DATA).content_type == ID_SIGNED_DATA
    with pytest.raises(DecodeError, match="expected id-envelopedData"):
        parse_content_info(data, expected_type=ID_ENVELOPED_DATA)


def test_limits_apply() -> None:
    data = load_vector(ALICE_RSA)
    with pytest.raises(LimitExceeded):
        parse_content_info(data, limits=Limits(max_input_size=100))
    with pytest.raises(LimitExceeded):
        parse_content_info(data, limits=Limits(max_depth=3))


# -- missing content (CVE-2015-0289 class) ---------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [ID_SIGNED_DATA, ID_ENVELOPED_DATA, ID_DIGESTED_DATA, ID_ENCRYPTED_DATA, ID_AUTH_DATA,
     ID_AUTH_ENVELOPED_DATA, ID_COMPRESSED_DATA],
)  # fmt: skip
def test_structured_type_without_content_is_a_decode_error(content_type: str) -> None:
    data = der.sequence(der.encode_oid(content_type))
    with pytest.raises(DecodeError, match="ContentInfo has no content") as info:
        parse_content_info(data)
    assert info.value.offset == 0


def test_data_without_content_is_allowed_and_require_content_refuses() -> None:
    ci = parse_content_info(der.sequence(der.encode_oid(ID_DATA)))
    assert ci.content_type == ID_DATA
    assert ci.content is None
    with pytest.raises(DecodeError, match="no content"):
        ci.require_content()


def test_unknown_type_without_content_is_allowed() -> None:
    ci = parse_content_info(der.sequence(der.encode_oid("1.2.3.4")))
    assert ci.content is None


# -- malformed structure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (der.set_of([der.encode_oid(ID_DATA)]), "expected SEQUENCE"),
        (der.sequence(), "0 components"),
        (der.sequence(der.encode_octets(b"x")), "contentType"),
        (
            der.sequence(
                der.encode_oid(ID_DATA), der.implicit(0, der.encode_octets(b"x"), constructed=False)
            ),
            r"expected \[0\] EXPLICIT",
        ),
        (
            der.sequence(der.encode_oid(ID_DATA), der.explicit(1, der.encode_octets(b"x"))),
            r"expected \[0\] EXPLICIT",
        ),
        (
            der.sequence(
                der.encode_oid(ID_DATA),
                der.explicit(0, der.encode_octets(b"x") + der.encode_octets(b"y")),
            ),
            "holds 2 elements",
        ),
        (
            der.sequence(
                der.encode_oid(ID_DATA), der.explicit(0, der.encode_octets(b"x")), der.encode_null()
            ),
            "3 components",
        ),
        (der.sequence(der.encode_oid(ID_DATA), der.explicit(0, b"")), "holds 0 elements"),
    ],
)
def test_malformed_content_info(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        parse_content_info(data)


def test_error_offset_points_at_the_bad_wrapper() -> None:
    oid = der.encode_oid(ID_DATA)
    data = der.sequence(oid, der.explicit(1, der.encode_octets(b"x")))
    with pytest.raises(DecodeError) as info:
        parse_content_info(data)
    assert info.value.offset == 2 + len(oid)


def test_content_info_from_element_of_a_nested_value() -> None:
    inner = encode_content_info(ID_DATA, der.encode_octets(b"inner"))
    outer = der.sequence(der.encode_int(1), inner)
    elem = tlv.parse_one(outer).children()[1]
    ci = content_info_from_element(elem)
    assert ci.content is not None and ci.content.as_octets() == b"inner"
    assert ci.content.offset == elem.offset + len(inner) - len(der.encode_octets(b"inner"))


# -- PEM --------------------------------------------------------------------------------------


def test_load_cms_of_pem_equals_the_binary_vector() -> None:
    pem = load_vector("examples-cms/pem-encoded/signedByAliceRSA.pem")
    assert pem.startswith(b"-----BEGIN CMS-----")
    assert load_cms(pem) == load_vector(ALICE_RSA)
    assert load_cms(pem.decode("ascii")) == load_vector(ALICE_RSA)


@pytest.mark.parametrize("label", ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"])
def test_load_cms_accepts_every_cms_label(label: str) -> None:
    data = load_vector(ALICE_RSA)
    text = b"leading text\r\n" + pem_encode(label, data).replace(b"\n", b"\r\n")
    assert load_cms(text) == data


def test_load_cms_skips_other_blocks() -> None:
    data = load_vector(ALICE_RSA)
    cert = load_vector("examples-cms/certs-and-keys/lamps-alice.crt")
    assert load_cms(cert + b"\n" + pem_encode("PKCS7", data)) == data


def test_load_cms_passes_binary_through() -> None:
    data = _vector_without_newline("asn1crypto/cms-signed-indefinite-length.der")
    assert load_cms(data) == data
    assert load_cms(bytearray(data)) == data


def test_load_cms_refuses_bare_base64_and_garbage() -> None:
    data = load_vector(ALICE_RSA)
    with pytest.raises(DecodeError, match="neither"):
        load_cms(base64.b64encode(data))
    with pytest.raises(DecodeError):
        load_cms(b"")
    with pytest.raises(DecodeError):
        load_cms(b"\x04\x00")


def test_load_cms_refuses_pem_without_or_with_two_cms_blocks() -> None:
    data = load_vector(ALICE_RSA)
    cert = load_vector("examples-cms/certs-and-keys/lamps-alice.crt")
    with pytest.raises(DecodeError, match=r"0 CMS blocks.*CERTIFICATE"):
        load_cms(cert)
    with pytest.raises(DecodeError, match="2 CMS blocks"):
        load_cms(pem_encode("CMS", data) + pem_encode("PKCS7", data))


# -- encoding ---------------------------------------------------------------------------------


def test_encode_content_info_is_der_and_parses_back() -> None:
    inner = der.encode_octets(b"hello")
    data = encode_content_info(ID_DATA, inner)
    assert tlv.is_der(data)
    assert data == bytes.fromhex("301406092a864886f70d010701a0070405") + b"hello"
    ci = parse_content_info(data)
    assert ci == ContentInfo(ID_DATA, ci.content)
    assert ci.content is not None and ci.content.raw == inner


def test_encode_content_info_without_content() -> None:
    assert encode_content_info(ID_DATA, None) == der.sequence(der.encode_oid(ID_DATA))
    with pytest.raises(UsageError):
        encode_content_info(ID_SIGNED_DATA, None)
    with pytest.raises(UsageError):
        encode_content_info(ID_DATA, b"")


def test_streaming_header_gives_the_same_content() -> None:
    inner = der.sequence(der.encode_int(1), der.encode_octets(b"streamed"))
    ber = content_info_header(ID_SIGNED_DATA) + inner + der.EOC + der.EOC
    ci = parse_content_info(ber)
    assert ci.content_type == ID_SIGNED_DATA
    assert ci.element is not None and ci.element.indefinite
    assert ci.require_content().raw == inner
    assert ci.require_content().offset == len(content_info_header(ID_SIGNED_DATA))


_oids = st.builds(
    lambda first, second, rest: ".".join(map(str, [first, second, *rest])),
    st.integers(0, 2),
    st.integers(0, 39),
    st.lists(st.integers(0, 2**40), max_size=8),
)


@given(content_type=_oids, payload=st.binary(max_size=300))
def test_encode_parse_round_trip(content_type: str, payload: bytes) -> None:
    inner = der.encode_octets(payload)
    ci = parse_content_info(encode_content_info(content_type, inner))
    assert ci.content_type == content_type
    assert ci.require_content().as_octets() == payload
