"""Per-vector details beyond the outcome table of test_vectors_signed.py (RFC 5652 section 5).

What one row cannot say: who countersigned RFC 4134 4.4, what RFC 4134 4.10's ESS
attributes decode to, that certs-only messages are reproduced byte for byte by
``certs_only``, that a stream and bytes give the same report, that detached content
is required and refused where it must be (THREATS C1), and how malformed
SignerInfos and trailing octets are rejected.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import Any

import pytest

from smimelib.asn1 import tlv
from smimelib.cms.attributes import (
    OID_CONTENT_HINT,
    OID_CONTENT_REFERENCE,
    OID_CONTENT_TYPE,
    OID_ENCRYPTION_KEY_PREFERENCE,
    OID_EQUIVALENT_LABELS,
    OID_MESSAGE_DIGEST,
    OID_ML_EXPANSION_HISTORY,
    OID_SECURITY_LABEL,
    OID_SIGNING_TIME,
    OID_SMIME_CAPABILITIES,
    decode_content_hints,
    decode_content_reference,
    decode_encryption_key_preference,
    decode_equivalent_labels,
    decode_message_digest,
    decode_ml_expansion_history,
    decode_security_label,
    decode_smime_capabilities,
)
from smimelib.cms.content_info import ID_DATA
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.cms.results import Reason, SignatureStatus, VerificationResult
from smimelib.cms.signed_data import SignedData, SignerInfo, parse_signer_infos
from smimelib.cms.signing import certs_only
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import DecodeError, SignatureError
from smimelib.pki.certificate import Certificate
from smimelib.pki.pem import pem_blocks
from tests.cms.test_vectors_signed import (
    CASES,
    EX_CONTENT,
    HEIMDAL_SHA256,
    Case,
    _certs,
    _external,
    _message,
    _policy,
)
from tests.vectors import load_vector

UTC = datetime.UTC


def _cert(path: str) -> Certificate:
    return Certificate.from_der(load_vector(path))


def _summary(result: VerificationResult) -> list[tuple[object, ...]]:
    return [
        (r.status, r.reason, r.signer_info.offset, r.intact, r.signature_valid, r.weak)
        for s in result.signers
        for r in s.walk()
    ]


# -- RFC 4134 ----------------------------------------------------------------------------------


def test_rfc4134_4_4_countersignature_is_alices_rsa_key() -> None:
    """RFC 4134 4.4 says "countersignature by Diane"; its SignerIdentifier and key are
    AliceRSASignByCarl's (the certificate the message carries "also")."""
    result = verify_signed_data(load_vector("rfc4134/4.4.bin"), policy=LEGACY_POLICY)
    (signer,) = result.signers
    assert signer.certificate == _cert("rfc4134/AliceDSSSignByCarlNoInherit.cer")
    assert signer.signing_time == datetime.datetime(2003, 5, 14, 15, 39, tzinfo=UTC)
    assert signer.intact is True
    (counter,) = signer.countersignatures
    alice_rsa = _cert("rfc4134/AliceRSASignByCarl.cer")
    assert counter.valid and counter.certificate == alice_rsa
    assert counter.signer_info.sid == CertificateIdentifier.from_certificate(alice_rsa)
    assert counter.signing_time == datetime.datetime(2003, 5, 14, 15, 39, tzinfo=UTC)
    attrs = counter.signer_info.signed_attrs
    assert attrs is not None
    assert OID_CONTENT_TYPE not in attrs  # RFC 5652 11.4
    assert set(attrs.oids()) == {OID_SIGNING_TIME, OID_MESSAGE_DIGEST}
    # the countersignature covers the signature value of Alice's DSA SignerInfo
    md = attrs.single(OID_MESSAGE_DIGEST)
    assert md is not None
    assert decode_message_digest(md) == hashlib.sha1(signer.signer_info.signature).digest()
    assert result.ok and result.weak
    unsigned = signer.signer_info.unsigned_attrs
    assert unsigned is not None
    hints = unsigned.single(OID_CONTENT_HINT)
    assert hints is not None
    decoded = decode_content_hints(hints)
    assert decoded.content_type == ID_DATA
    assert decoded.description == "Content Hints Description Buffer"


def test_rfc4134_4_6_diane_needs_carls_dsa_parameters() -> None:
    """Without CarlDSSSelf (which 4.6 does not carry), Diane's key has no p, q, g."""
    result = verify_signed_data(load_vector("rfc4134/4.6.bin"), policy=LEGACY_POLICY)
    alice, diane = result.signers
    assert alice.valid and alice.certificate == _cert("rfc4134/AliceDSSSignByCarlNoInherit.cer")
    assert diane.reason is Reason.SIGNER_KEY_UNUSABLE
    assert diane.certificate == _cert("rfc4134/DianeDSSSignByCarlInherit.cer")
    assert not result.ok  # THREATS C2: one bad signer spoils the message


def test_rfc4134_4_7_subject_key_identifier() -> None:
    sd = SignedData.from_bytes(load_vector("rfc4134/4.7.bin"))
    (si,) = sd.signer_infos
    alice = _cert("rfc4134/AliceDSSSignByCarlNoInherit.cer")
    assert si.sid.subject_key_identifier == alice.subject_key_identifier
    assert si.sid.subject_key_identifier == bytes.fromhex(
        "be6ca1b3e3c1f7ed4370a4ce1301e2fde397fecd"
    )
    assert si.sid.matches(alice)
    assert sd.version == 3  # RFC 5652 5.1: a v3 SignerInfo makes the SignedData v3


def test_rfc4134_4_10_ess_attributes() -> None:
    """RFC 4134 4.10: ESS (RFC 2634) attributes, decoded to the values the RFC lists."""
    (si,) = SignedData.from_bytes(load_vector("rfc4134/4.10.bin")).signer_infos
    attrs = si.signed_attrs
    assert attrs is not None
    assert attrs.is_der()
    assert list(attrs.oids()) == [
        OID_CONTENT_TYPE,
        OID_MESSAGE_DIGEST,
        "1.2.5555",
        OID_CONTENT_HINT,
        OID_SMIME_CAPABILITIES,
        OID_SECURITY_LABEL,
        OID_CONTENT_REFERENCE,
        OID_ENCRYPTION_KEY_PREFERENCE,
        OID_ML_EXPANSION_HISTORY,
        OID_EQUIVALENT_LABELS,
    ]

    def one(oid: str):  # type: ignore[no-untyped-def]
        found = attrs.single(oid)
        assert found is not None
        return found

    unknown = one("1.2.5555")
    assert tlv.parse_one(unknown.values[0]).as_octets() == (
        b"This is a test General ASN Attribute, number 1."
    )
    caps = decode_smime_capabilities(one(OID_SMIME_CAPABILITIES))
    assert [c.oid for c in caps] == ["1.2.3.4.5.6", "1.2.3.4.5.6.77"]
    label = decode_security_label(one(OID_SECURITY_LABEL))
    assert label.policy == "1.2.3.4.5.6.7.8"
    assert label.classification == 1
    assert label.privacy_mark == "THIS IS A PRIVACY MARK TEST"
    assert len(label.categories) == 1
    reference = decode_content_reference(one(OID_CONTENT_REFERENCE))
    assert reference.content_type == "1.2.3.4.5.6"
    assert reference.signed_content_identifier == b"Content Reference Content Identifier Buffer"
    assert reference.originator_signature_value == b"Content Reference Signature Value Buffer"
    pref = decode_encryption_key_preference(one(OID_ENCRYPTION_KEY_PREFERENCE))
    assert pref.identifier.issuer_and_serial is not None
    assert pref.identifier.issuer_and_serial.serial_number == 0x0A554433
    history = decode_ml_expansion_history(one(OID_ML_EXPANSION_HISTORY))
    assert history[0].mail_list_identifier.subject_key_identifier == b"5738299"
    assert history[0].expansion_time == datetime.datetime(1999, 3, 11, 10, 44, 33, tzinfo=UTC)
    labels = decode_equivalent_labels(one(OID_EQUIVALENT_LABELS))
    assert [lb.policy for lb in labels] == ["1.2.3.4.5.6.7.9", "1.2.3.4.5.6.7.10"]
    assert labels[1].privacy_mark == "EQUIVALENT THIS IS A SECOND PRIVACY MARK TEST"


def test_rfc4134_4_11_certs_only() -> None:
    result = verify_signed_data(load_vector("rfc4134/4.11.bin"))
    assert result.no_signers and not result.ok
    assert any(f.startswith("no-signers") for f in result.findings)
    with pytest.raises(SignatureError):
        result.raise_for_status()
    assert [c.subject.rfc4514() for c in result.certificates] == ["CN=CarlDSS", "CN=AliceDSS"]
    assert result.crls == (load_vector("rfc4134/CarlDSSCRLForAll.crl"),)


# -- certs-only messages reproduced by certs_only (RFC 8551 3.8) -------------------------------


@pytest.mark.parametrize(
    ("path", "crls"),
    [
        ("rfc4134/4.11.bin", ("rfc4134/CarlDSSCRLForAll.crl",)),
        ("pyca/pkcs7/amazon-roots.der", ()),
        ("pyca/pkcs7/isrg.pem", ()),
    ],
)
def test_certs_only_reproduces_vector(path: str, crls: tuple[str, ...]) -> None:
    data = load_vector(path)
    expected = pem_blocks(data)[0].der if path.endswith(".pem") else data
    sd = SignedData.from_bytes(data)
    assert certs_only(sd.certificates, [load_vector(p) for p in crls]) == expected


def test_amazon_roots_ber_and_der_carry_the_same_certificates() -> None:
    ber = SignedData.from_bytes(load_vector("pyca/pkcs7/amazon-roots.p7b"))
    der_ = SignedData.from_bytes(load_vector("pyca/pkcs7/amazon-roots.der"))
    assert ber.certificates == der_.certificates
    assert certs_only(ber.certificates) == load_vector("pyca/pkcs7/amazon-roots.der")
    # the BER file has an (empty) eContent, the DER one none
    assert ber.has_content and ber.content == b""
    assert not der_.has_content


# -- RustCrypto ------------------------------------------------------------------------------


def test_rustcrypto_ber_and_der_decode_to_the_same_structure() -> None:
    """cms_ber.bin and cms_der.bin are two signings of one content (different keys and
    certificates), one streamed as BER and one DER: the same shape must come out."""
    ber = SignedData.from_bytes(load_vector("rustcrypto/cms_ber.bin"))
    der_ = SignedData.from_bytes(load_vector("rustcrypto/cms_der.bin"))
    assert ber.content == der_.content and len(ber.content or b"") == 10034
    for field in ("version", "digest_algorithms", "content_type", "has_content"):
        assert getattr(ber, field) == getattr(der_, field), field
    assert len(ber.certificates) == len(der_.certificates) == 1
    (b,), (d,) = ber.signer_infos, der_.signer_infos
    assert b.signed_attrs is not None and d.signed_attrs is not None
    assert b.signed_attrs.oids() == d.signed_attrs.oids()
    assert b.signature_algorithm == d.signature_algorithm
    assert b.digest_algorithm == d.digest_algorithm
    assert any(f.startswith("ber-encoding") for f in ber.findings)
    assert not any(f.startswith("ber-encoding") for f in der_.findings)


def _signer_infos_element(path: str) -> tlv.Element:
    return tlv.parse_one(load_vector(path))


def test_rustcrypto_signer_info_with_explicit_attributes_is_rejected() -> None:
    """``[0] EXPLICIT SET OF Attribute`` where RFC 5652 5.3 has ``[0] IMPLICIT``: the [0]
    holds a SET, not Attributes."""
    elem = _signer_infos_element("rustcrypto/signer_info_explicit_attrs.bin")
    assert elem.tag == tlv.Tag.SET
    with pytest.raises(DecodeError):
        parse_signer_infos(elem)
    with pytest.raises(DecodeError):
        SignerInfo.from_element(elem.children()[0])


def test_rustcrypto_signer_infos_as_sequence_is_rejected() -> None:
    """SignerInfos encoded as SEQUENCE instead of SET (RFC 5652 5.1); the SignerInfo
    inside is itself well formed."""
    elem = _signer_infos_element("rustcrypto/signer_info_sequence_not_set.bin")
    assert elem.tag == tlv.Tag.SEQUENCE
    with pytest.raises(DecodeError):
        parse_signer_infos(elem)
    (inner,) = elem.children()
    si = SignerInfo.from_element(inner)
    assert si.signed_attrs is not None and OID_MESSAGE_DIGEST in si.signed_attrs


def test_apple_mdm_keeps_pkcs7_content() -> None:
    """eContent is a SEQUENCE under id-data (PKCS #7 ``[0] EXPLICIT ANY``, RFC 5652 5.2.1)."""
    data = load_vector("rustcrypto/apple_mdm_signature_der.bin")
    sd = SignedData.from_bytes(data)
    assert sd.pkcs7_content and sd.content is not None and len(sd.content) == 1093
    assert sd.to_der() == data


@pytest.mark.parametrize("path", ["bc/cms/SignedMSPkcs7.sig", "pyca/pkcs7/authenticode.der"])
def test_pkcs7_content_is_digested_as_contents_octets(path: str) -> None:
    sd = SignedData.from_bytes(load_vector(path))
    assert sd.pkcs7_content
    inner = tlv.parse_one(load_vector(path)).children()[1].children()[0].children()[2]
    assert sd.content == inner.children()[1].children()[0].content


# -- trailing data -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in CASES if c.trailing], ids=lambda c: c.id)
def test_trailing_junk_is_refused(case: Case) -> None:
    data = load_vector(case.path)
    whole = pem_blocks(data)[0].der if case.loader == "pem" else data
    with pytest.raises(DecodeError, match="trailing"):
        SignedData.from_bytes(whole)
    with pytest.raises(DecodeError):
        verify_signed_data(whole)


def test_trailing_whitespace_is_a_finding() -> None:
    data = load_vector("asn1crypto/cms-signed-indefinite-length.der")
    assert data.endswith(b"\n")
    sd = SignedData.from_bytes(data)
    assert any(f.startswith("trailing-whitespace") for f in sd.findings)
    assert sd.raw == data[:-1]


# -- streams, detached content, content_out ----------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_stream_gives_the_same_report(case: Case) -> None:
    """One parser: a file object and bytes give the same per-signer outcome."""
    kwargs: dict[str, object] = {"certificates": _certs(case.certificates), "policy": _policy(case)}
    external = _external(case)
    from_bytes = verify_signed_data(_message(case), content=external, **kwargs)  # type: ignore[arg-type]
    sink = io.BytesIO()
    streamed = verify_signed_data(
        io.BytesIO(_message(case)),
        content=None if external is None else io.BytesIO(external),
        content_out=sink,
        **kwargs,  # type: ignore[arg-type]
    )
    assert _summary(streamed) == _summary(from_bytes)
    assert streamed.ok is from_bytes.ok
    if from_bytes.content is not None:
        assert sink.getvalue() == from_bytes.content


def test_heimdal_content_out_matches_the_manifest() -> None:
    sink = io.BytesIO()
    result = verify_signed_data(
        io.BytesIO(load_vector("heimdal/test-signed-data")), content_out=sink
    )
    assert result.ok
    assert len(sink.getvalue()) == 2865
    assert hashlib.sha256(sink.getvalue()).hexdigest() == HEIMDAL_SHA256


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("rfc4134/4.3.bin", LEGACY_POLICY),
        ("examples-cms/binary-files/signedByCarlosDetached.p7m", None),
        ("bc/cms/PSSSignDataSHA256.sig", None),
        ("libksba/ecdsa-sample1.p7s", None),
    ],
)
def test_detached_without_content_is_content_missing(path: str, policy: object) -> None:
    kwargs = {} if policy is None else {"policy": policy}
    result = verify_signed_data(load_vector(path), **kwargs)  # type: ignore[arg-type]
    assert result.detached
    assert [s.reason for s in result.signers] == [Reason.CONTENT_MISSING]
    assert result.signers[0].status is SignatureStatus.INVALID
    assert not result.ok


@pytest.mark.parametrize(
    "path",
    ["rfc4134/4.2.bin", "examples-cms/binary-files/signedByAliceRSA.p7m", "rustcrypto/cms_ber.bin"],
)
def test_detached_content_for_attached_message_is_ambiguous(path: str) -> None:
    """THREATS C1 (eContent confusion): never pick one of two contents silently."""
    with pytest.raises(SignatureError, match="ambiguous"):
        verify_signed_data(load_vector(path), content=EX_CONTENT, policy=LEGACY_POLICY)
    with pytest.raises(SignatureError, match="ambiguous"):
        verify_signed_data(
            io.BytesIO(load_vector(path)), content=io.BytesIO(EX_CONTENT), policy=LEGACY_POLICY
        )


def test_one_way_stream_with_pure_eddsa_signer() -> None:
    """signedByAliceAndCarlosNoCerts read from a pipe: Carlos signs the content itself
    (PureEdDSA, RFC 8419 3.1), which a one-pass reader has streamed past by the time the
    SignerInfo arrives. The RSA signer is VALID; Carlos is VALID or, if the library did
    not keep the content, DIGEST_NOT_COMPUTED -- never a verdict on the signature."""

    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    message = load_vector("examples-cms/binary-files/signedByAliceAndCarlosNoCerts.p7m")
    certs = _certs(("rfc9216/alice.sign.crt", "rfc9216/carlos.sign.crt"))
    result = verify_signed_data(OneWay(message), certificates=certs)
    carlos, alice = result.signers
    assert alice.valid
    assert carlos.valid or carlos.reason is Reason.DIGEST_NOT_COMPUTED
