"""SignedData / SignerInfo parsing (RFC 5652 5.1-5.3, 11.4; X.690; THREATS 4.1, 4.4)."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import OID_COUNTERSIGNATURE, OID_MESSAGE_DIGEST, Attribute
from smimelib.cms.content_info import ID_DATA, ID_DIGESTED_DATA, ID_SIGNED_DATA, encode_content_info
from smimelib.cms.signed_data import (
    DEFAULT_SIGNED_DATA_LIMITS,
    SignedData,
    SignedDataLimits,
    SignerInfo,
    parse_signer_infos,
)
from smimelib.crypto.digests import SHA256
from smimelib.errors import DecodeError, LimitExceeded, SmimeError
from tests.vectors import load_vector

EX_CONTENT = b"This is some sample content."

#: vectors whose encoding is DER: parse + to_der() must give the input back
DER_VECTORS = [
    "rfc4134/4.1.bin",
    "rfc4134/4.2.bin",
    "rfc4134/4.3.bin",
    "rfc4134/4.4.bin",
    "rfc4134/4.6.bin",
    "rfc4134/4.7.bin",
    "rfc4134/4.10.bin",
    "rfc4134/4.11.bin",
    "examples-cms/binary-files/signedByAliceRSA.p7m",
    "examples-cms/binary-files/signedByAliceRSAPSS.p7m",
    "examples-cms/binary-files/signedByCarlosEd25519.p7m",
    "examples-cms/binary-files/signedByCarlosDetached.p7m",
    "examples-cms/binary-files/signedByAliceAndCarlosNoCerts.p7m",
    "bc/cms/PSSSignDataSHA256.sig",
    "bc/cms/PSSSignDataSHA512Enc.sig",
    "bc/cms/SignedMSPkcs7.sig",
    "heimdal/test-signed-data",
    "heimdal/test-signed-data-noattr-nocerts",
    "asn1crypto/cms-signed.der",
    "asn1crypto/pkcs7-signed-digested.der",
    "rustcrypto/sd.cms",
    "rustcrypto/cms_der.bin",
    "rustcrypto/apple_mdm_signature_der.bin",
]


@pytest.mark.parametrize("name", DER_VECTORS)
def test_der_vectors_reencode_byte_identically(name: str) -> None:
    data = load_vector(name)
    assert tlv.is_der(data), "the vector list must hold DER only"
    sd = SignedData.from_bytes(data)
    assert sd.raw == data
    assert sd.to_der() == data


def test_rfc4134_fields() -> None:
    sd = SignedData.from_bytes(load_vector("rfc4134/4.4.bin"))
    assert sd.version == 1 and sd.content_type == ID_DATA
    assert sd.has_content and sd.content == EX_CONTENT and not sd.detached
    assert [a.oid for a in sd.digest_algorithms] == ["1.3.14.3.2.26"]
    assert len(sd.certificates) == 3 and len(sd.crls) == 1
    (si,) = sd.signer_infos
    assert si.version == 1 and not si.sid.is_subject_key_identifier
    assert si.sid.matches(sd.certificates[0]) or any(si.sid.matches(c) for c in sd.certificates)
    assert si.signed_attrs is not None and OID_MESSAGE_DIGEST in si.signed_attrs
    assert si.unsigned_attrs is not None and OID_COUNTERSIGNATURE in si.unsigned_attrs
    (counter,) = si.countersignatures
    assert counter.signed_attrs is not None
    assert si.to_der() == si.raw and si.raw in sd.raw
    assert si.offset == sd.raw.index(si.raw)
    assert SignerInfo.from_der(si.raw, base_offset=si.offset).signature == si.signature


def test_ski_signer_and_detached_and_certs_only() -> None:
    ski = SignedData.from_bytes(load_vector("rfc4134/4.7.bin")).signer_infos[0]
    assert ski.version == 3 and ski.sid.is_subject_key_identifier and not ski.findings
    detached = SignedData.from_bytes(load_vector("rfc4134/4.3.bin"))
    assert detached.detached and detached.content is None
    certs_only = SignedData.from_bytes(load_vector("rfc4134/4.11.bin"))
    assert certs_only.signer_infos == () and len(certs_only.certificates) == 2
    assert any(f.startswith("empty-digest-algorithms") for f in certs_only.findings)


def test_pem_input() -> None:
    pem = SignedData.from_bytes(load_vector("examples-cms/pem-encoded/signedByAliceRSA.pem"))
    binary = SignedData.from_bytes(load_vector("examples-cms/binary-files/signedByAliceRSA.p7m"))
    assert pem.to_der() == binary.raw


def test_ber_and_der_encodings_give_the_same_structure() -> None:
    """FIELD-NOTES 5: indefinite lengths and constructed eContent (rustcrypto cms_ber/cms_der)."""
    ber = SignedData.from_bytes(load_vector("rustcrypto/cms_ber.bin"))
    der_sd = SignedData.from_bytes(load_vector("rustcrypto/cms_der.bin"))
    assert ber.content == der_sd.content and len(ber.content or b"") == 10034
    assert ber.digest_algorithms == der_sd.digest_algorithms
    assert (ber.version, ber.content_type) == (der_sd.version, der_sd.content_type)
    assert [s.signed_attrs.oids() for s in ber.signer_infos if s.signed_attrs] == [
        s.signed_attrs.oids() for s in der_sd.signer_infos if s.signed_attrs
    ]
    assert any(f.startswith("ber-encoding") for f in ber.findings)
    assert not any(f.startswith("ber-encoding") for f in der_sd.findings)
    again = ber.to_der()
    assert tlv.is_der(again) or b"\x80" not in again[:4]
    reparsed = SignedData.from_bytes(again)
    assert reparsed.content == ber.content and reparsed.to_der() == again


def test_pkcs7_content_that_is_not_an_octet_string() -> None:
    """RFC 5652 5.2.1: content [0] EXPLICIT ANY; the contents octets of the inner value."""
    for name in (
        "bc/cms/SignedMSPkcs7.sig",
        "asn1crypto/pkcs7-signed-digested.der",
        "pyca/pkcs7/authenticode.der",
    ):
        data = load_vector(name)
        sd = SignedData.from_bytes(data)
        assert sd.pkcs7_content, name
        assert sd.content is not None and der.sequence(sd.content) in data, name
        assert any(f.startswith("pkcs7-content") for f in sd.findings), name
    digested = SignedData.from_bytes(load_vector("asn1crypto/pkcs7-signed-digested.der"))
    assert digested.content_type == ID_DIGESTED_DATA


def test_trailing_whitespace_is_accepted_with_a_finding() -> None:
    data = load_vector("asn1crypto/cms-signed-indefinite-length.der")
    assert data.endswith(b"\x00\x00\n")
    sd = SignedData.from_bytes(data)
    assert sd.raw == data[:-1]
    assert any(f.startswith("trailing-whitespace: 1 octets") for f in sd.findings)
    der_message = load_vector("rfc4134/4.2.bin")
    for tail in (b"\n", b"\r\n", b" \t\r\n  "):
        assert SignedData.from_bytes(der_message + tail).to_der() == der_message


@pytest.mark.parametrize("tail", [b"\x00", b"\n\x00", b"x", b"\x30\x00", b"\n-----END"])
def test_other_trailing_data_is_refused(tail: bytes) -> None:
    der_message = load_vector("rfc4134/4.2.bin")
    with pytest.raises(DecodeError, match="trailing data") as info:
        SignedData.from_bytes(der_message + tail)
    assert info.value.offset == len(der_message)


def test_trailing_byte_of_openssl_pkcs7_1_is_refused() -> None:
    """openssl/pkcs7/pkcs7-1.pem decodes to the ContentInfo and one extra octet 0xE1."""
    with pytest.raises(DecodeError, match="1 octets of trailing data") as info:
        SignedData.from_bytes(load_vector("openssl/pkcs7/pkcs7-1.pem"))
    assert info.value.offset == 596


def test_bare_base64_is_not_guessed() -> None:
    raw = load_vector("openssl/pkcs7/pkcs7.pem")
    with pytest.raises(DecodeError):
        SignedData.from_bytes(raw)
    sd = SignedData.from_bytes(base64.b64decode(b"".join(raw.split())))
    assert sd.signer_infos == () and len(sd.certificates) >= 1


def test_empty_unsigned_attributes_are_reported() -> None:
    """libksba ecdsa-sample1.p7s (Governikus Signer) carries an empty unsignedAttrs SET."""
    sd = SignedData.from_bytes(load_vector("libksba/ecdsa-sample1.p7s"))
    (si,) = sd.signer_infos
    assert si.unsigned_attrs is not None and len(si.unsigned_attrs) == 0
    assert any(f.startswith("empty-attributes") for f in si.findings)


@pytest.mark.parametrize(
    "name",
    ["rustcrypto/signer_info_explicit_attrs.bin", "rustcrypto/signer_info_sequence_not_set.bin"],
)
def test_malformed_signer_infos_are_rejected(name: str) -> None:
    elem = tlv.parse_one(load_vector(name))
    with pytest.raises(DecodeError):
        parse_signer_infos(elem)


def test_signer_info_explicit_attrs_names_the_fault() -> None:
    elem = tlv.parse_one(load_vector("rustcrypto/signer_info_explicit_attrs.bin"))
    with pytest.raises(DecodeError, match="signedAttrs") as info:
        SignerInfo.from_element(elem.children()[0])
    assert info.value.offset is not None and info.value.offset > 180


# -- hand-built structures: limits and malformed parts -----------------------------------------


def _algid() -> bytes:
    return AlgorithmIdentifier(SHA256).to_der()


def _signer_info(unsigned: bytes = b"", version: int = 1) -> bytes:
    sid = der.sequence(der.sequence(), der.encode_int(7))
    parts = [der.encode_int(version), sid, _algid(), _algid(), der.encode_octets(b"sig")]
    if unsigned:
        parts.append(der.implicit(1, der.encode_tlv(tlv.Tag.SET, unsigned)))
    return der.sequence(*parts)


def _countersigned(depth: int) -> bytes:
    si = _signer_info()
    for _ in range(depth):
        attr = Attribute(OID_COUNTERSIGNATURE, (si,)).to_der()
        si = _signer_info(attr)
    return si


def _message(signer_infos: list[bytes], certs: list[bytes] | None = None) -> bytes:
    parts = [
        der.encode_int(1),
        der.set_of([_algid()]),
        der.sequence(der.encode_oid(ID_DATA), der.explicit(0, der.encode_octets(b"x"))),
    ]
    if certs is not None:
        parts.append(der.encode_tlv(tlv.Tag.context(0), b"".join(certs)))
    parts.append(der.encode_tlv(tlv.Tag.SET, b"".join(signer_infos)))
    return encode_content_info(ID_SIGNED_DATA, der.sequence(*parts))


def test_countersignature_depth_limit() -> None:
    limit = DEFAULT_SIGNED_DATA_LIMITS.max_countersignature_depth
    sd = SignedData.from_bytes(_message([_countersigned(limit)]))
    depth, si = 0, sd.signer_infos[0]
    while si.countersignatures:
        depth, si = depth + 1, si.countersignatures[0]
    assert depth == limit
    with pytest.raises(LimitExceeded) as info:
        SignedData.from_bytes(_message([_countersigned(limit + 1)]))
    assert info.value.limit == "max_countersignature_depth"
    shallow = SignedDataLimits(max_countersignature_depth=1)
    with pytest.raises(LimitExceeded):
        SignedData.from_bytes(_message([_countersigned(2)]), signed_data_limits=shallow)


def test_signer_and_certificate_limits() -> None:
    si = _signer_info()
    assert len(SignedData.from_bytes(_message([si] * 16)).signer_infos) == 16
    with pytest.raises(LimitExceeded) as info:
        SignedData.from_bytes(_message([si] * 17))
    assert info.value.limit == "max_signers"
    cert = load_vector("rfc4134/AliceRSASignByCarl.cer")
    assert len(SignedData.from_bytes(_message([si], [cert] * 64)).certificates) == 64
    with pytest.raises(LimitExceeded):
        SignedData.from_bytes(_message([si], [cert] * 65))


def test_signer_info_version_mismatch_is_a_finding() -> None:
    sd = SignedData.from_bytes(_message([_signer_info(version=3)]))
    assert any(f.startswith("signer-info-version") for f in sd.signer_infos[0].findings)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda sd: sd.replace(b"\x31\x0d", b"\x30\x0d", 1), "digestAlgorithms"),
        (lambda sd: sd + der.encode_int(5), "unexpected"),
    ],
    ids=["digest-algorithms-not-a-set", "element-after-signer-infos"],
)
def test_malformed_signed_data(mutate: object, message: str) -> None:
    parts = [
        der.encode_int(1),
        der.set_of([_algid()]),
        der.sequence(der.encode_oid(ID_DATA)),
        der.encode_tlv(tlv.Tag.SET, _signer_info()),
    ]
    body = b"".join(parts)
    body = mutate(body)  # type: ignore[operator]
    data = encode_content_info(ID_SIGNED_DATA, der.encode_tlv(tlv.Tag.SEQUENCE, body))
    with pytest.raises(DecodeError, match=message):
        SignedData.from_bytes(data)


def test_not_a_signed_data() -> None:
    with pytest.raises(DecodeError, match="expected id-signedData"):
        SignedData.from_bytes(load_vector("rfc4134/5.1.bin"))
    with pytest.raises(DecodeError):
        SignedData.from_bytes(load_vector("openssl/pkcs7/malformed.pkcs7"))


def test_every_truncation_is_a_decode_error() -> None:
    data = load_vector("rfc4134/4.7.bin")
    for end in range(len(data)):
        with pytest.raises(DecodeError):
            SignedData.from_bytes(data[:end])


@given(st.integers(0, 10_000), st.integers(1, 255))
def test_bit_flips_raise_only_decode_errors(position: int, xor: int) -> None:
    data = bytearray(load_vector("rfc4134/4.10.bin"))
    data[position % len(data)] ^= xor
    with contextlib.suppress(SmimeError):
        SignedData.from_bytes(bytes(data))
