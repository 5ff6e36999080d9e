"""SignedData verification: reports, reasons, streaming (RFC 5652 5.4, 5.6, 11; RFC 6211;
RFC 5035; THREATS C1-C3; FIELD-NOTES 1, 5, 13).

Messages are built here by hand from smimelib's DER writer and signature primitives
(not from ``smimelib.cms.signing``), so that every field can be made wrong on purpose;
real vectors cover what other implementations write.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.cms.attributes import (
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_MESSAGE_DIGEST,
    Attribute,
    algorithm_protection_attr,
    content_type_attr,
    encode_attributes,
    message_digest_attr,
    signing_certificate_v2_attr,
    signing_time_attr,
)
from smimelib.cms.content_info import (
    ID_DATA,
    ID_DIGESTED_DATA,
    ID_SIGNED_DATA,
    encode_content_info,
)
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.cms.results import Reason, SignatureStatus, VerificationResult
from smimelib.cms.signed_data import SignerInfo
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto import digests, signatures
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY
from smimelib.errors import LimitExceeded, SignatureError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.identity import Identity
from tests.cms.conftest import CmsPKI
from tests.vectors import load_vector

CONTENT = b"This is some sample content.\r\n"
WHEN = datetime.datetime(2026, 5, 17, 10, 30, 0, tzinfo=datetime.UTC)
DEFAULT: Any = object()


# -- hand-built messages --------------------------------------------------------------------


def default_attrs(
    covered: bytes, *, content_type: str | None = ID_DATA, digest: str = "sha256"
) -> list[Attribute]:
    attrs = [message_digest_attr(digests.digest(digest, covered)), signing_time_attr(WHEN)]
    if content_type is not None:
        attrs.insert(0, content_type_attr(content_type))
    return attrs


def make_signer_info(
    signer: Identity,
    covered: bytes,
    *,
    signed: Any = DEFAULT,
    content_type: str = ID_DATA,
    digest: str = "sha256",
    pss: bool = False,
    unsigned: Sequence[Attribute] = (),
    use_ski: bool = False,
    digest_alg: AlgorithmIdentifier | None = None,
    sig_alg: AlgorithmIdentifier | None = None,
    signature: bytes | None = None,
) -> bytes:
    """A DER SignerInfo (RFC 5652 5.3). ``signed``: DEFAULT (content-type, message-digest,
    signing-time), a list of attributes (DER-sorted), raw SET octets (used as they are), or
    None (no signed attributes: the signature covers ``covered`` itself)."""
    dalg = digest_alg or digests.digest_algorithm(digest)
    salg = sig_alg or signatures.signature_algorithm(signer.key, digest, pss=pss)
    if signed is DEFAULT:
        signed = default_attrs(covered, content_type=content_type, digest=digest)
    signed_set: bytes | None
    if signed is None:
        signed_set = None
    elif isinstance(signed, bytes):
        signed_set = signed
    else:
        signed_set = encode_attributes(signed)
    if signature is None:
        data = signed_set if signed_set is not None else covered
        signature = signatures.sign(signer.key, salg, data, digest_algorithm=dalg)
    sid = CertificateIdentifier.from_certificate(signer.certificate, use_ski=use_ski)
    parts = [der.encode_int(3 if use_ski else 1), sid.to_der(), dalg.to_der()]
    if signed_set is not None:
        parts.append(der.implicit(0, signed_set))
    parts += [salg.to_der(), der.encode_octets(signature)]
    if unsigned:
        parts.append(der.implicit(1, encode_attributes(unsigned)))
    return der.sequence(*parts)


def make_signed_data(
    signer_infos: Sequence[bytes],
    *,
    content: bytes | None,
    content_type: str = ID_DATA,
    certs: Sequence[Certificate] = (),
    digest_algs: Sequence[str] = ("sha256",),
) -> bytes:
    """A DER-framed SignedData ContentInfo (SET OF in the given order)."""
    encap = [der.encode_oid(content_type)]
    if content is not None:
        encap.append(der.explicit(0, der.encode_octets(content)))
    parts = [
        der.encode_int(1),
        der.set_of(digests.digest_algorithm(d).to_der() for d in digest_algs),
        der.sequence(*encap),
    ]
    if certs:
        parts.append(der.encode_tlv(tlv.Tag.context(0), b"".join(c.der for c in certs)))
    parts.append(der.encode_tlv(tlv.Tag.SET, b"".join(signer_infos)))
    return encode_content_info(ID_SIGNED_DATA, der.sequence(*parts))


def countersignature_attr(*values: bytes) -> Attribute:
    return Attribute(OID_COUNTERSIGNATURE, values)


def signature_of(signer_info: bytes) -> bytes:
    return SignerInfo.from_der(signer_info).signature


def only(result: VerificationResult) -> Any:
    assert len(result.signers) == 1
    return result.signers[0]


def reason(result: VerificationResult) -> Reason | None:
    assert len(result.signers) == 1
    return result.signers[0].reason


@pytest.fixture(scope="module")
def rsa(cms_pki: CmsPKI) -> Identity:
    return cms_pki["rsa"].identity


@pytest.fixture(scope="module")
def ec(cms_pki: CmsPKI) -> Identity:
    return cms_pki["p-256"].identity


def attached(signer: Identity, content: bytes = CONTENT, **kwargs: Any) -> bytes:
    si = make_signer_info(signer, content, **kwargs)
    return make_signed_data([si], content=content, certs=[signer.certificate])


# -- valid messages and the report ----------------------------------------------------------


@pytest.mark.parametrize("key_type", ["rsa", "p-256", "p-384", "ed25519", "ed448"])
def test_valid_attached_every_key_type(cms_pki: CmsPKI, key_type: str) -> None:
    signer = cms_pki[key_type].identity
    digest = {"p-384": "sha384", "ed448": "shake256-len"}.get(key_type, "sha512")
    result = verify_signed_data(attached(signer, digest=digest))
    assert result.ok, only(result).describe()
    got = only(result)
    assert got.status is SignatureStatus.VALID and got.reason is None
    assert got.certificate == signer.certificate
    assert got.intact is True and got.signature_valid is True
    assert got.signing_time == WHEN
    assert not got.weak
    assert result.content == CONTENT and not result.detached
    assert result.certificates == (signer.certificate,)
    assert result.content_type == ID_DATA
    assert result.raise_for_status() is result


def test_rsa_pss_and_ski_signer(rsa: Identity) -> None:
    result = verify_signed_data(attached(rsa, pss=True, use_ski=True))
    assert result.ok
    assert only(result).signer_info.sid.is_subject_key_identifier


def test_detached_with_caller_content_and_certificates(rsa: Identity) -> None:
    si = make_signer_info(rsa, CONTENT)
    message = make_signed_data([si], content=None)
    result = verify_signed_data(message, content=CONTENT, certificates=[rsa.certificate])
    assert result.ok and result.detached
    assert result.content == CONTENT
    missing = verify_signed_data(message, content=CONTENT)
    assert reason(missing) is Reason.SIGNER_CERTIFICATE_NOT_FOUND
    assert "no certificate" in only(missing).detail


def test_detached_without_content_is_content_missing(rsa: Identity) -> None:
    message = make_signed_data(
        [make_signer_info(rsa, CONTENT)], content=None, certs=[rsa.certificate]
    )
    result = verify_signed_data(message)
    assert reason(result) is Reason.CONTENT_MISSING
    # the signature over the signed attributes was still checked
    assert only(result).signature_valid is True
    assert not result.ok


def test_ambiguous_content_is_refused(rsa: Identity) -> None:
    """THREATS C1: eContent present and detached content given -> refused, never merged."""
    message = attached(rsa)
    with pytest.raises(SignatureError, match="ambiguous content"):
        verify_signed_data(message, content=CONTENT)
    with pytest.raises(SignatureError, match="ambiguous content"):
        verify_signed_data(io.BytesIO(message), content=io.BytesIO(b"other"))


def test_zero_signers_is_never_valid(rsa: Identity) -> None:
    """THREATS C3."""
    message = make_signed_data([], content=CONTENT, certs=[rsa.certificate])
    result = verify_signed_data(message)
    assert result.no_signers and not result.ok
    assert any(f.startswith("no-signers") for f in result.findings)
    with pytest.raises(SignatureError, match="no signers"):
        result.raise_for_status()
    certs_only = verify_signed_data(load_vector("rfc4134/4.11.bin"))
    assert certs_only.no_signers and not certs_only.ok and len(certs_only.certificates) == 2


def test_no_signed_attributes_id_data(rsa: Identity, ec: Identity) -> None:
    for signer in (rsa, ec):
        result = verify_signed_data(attached(signer, signed=None))
        assert result.ok
        assert only(result).intact is None and only(result).signing_time is None


# -- representative vectors (the exhaustive table is tests/cms/test_vectors_signed.py) ----------


@pytest.mark.parametrize(
    ("name", "legacy", "expected"),
    [
        ("rfc4134/4.2.bin", True, [None]),
        ("rfc4134/4.7.bin", True, [None]),
        ("rfc4134/4.10.bin", True, [None]),
        ("examples-cms/binary-files/signedByAliceRSAPSS.p7m", False, [None]),
        ("examples-cms/binary-files/signedByCarlosEd25519.p7m", False, [None]),
        ("bc/cms/PSSSignDataSHA512Enc.sig", False, [None]),
        ("bc/cms/PSSSignDataSHA1Enc.sig", False, [Reason.ALGORITHM_REFUSED]),
        ("bc/cms/bc1639test.p7m", False, [None]),
        ("heimdal/test-signed-sha-512", False, [None]),
        ("heimdal/test-signed-data-noattr-nocerts", False, [Reason.SIGNER_CERTIFICATE_NOT_FOUND]),
        ("asn1crypto/cms-signed.der", False, [None]),
        ("asn1crypto/pkcs7-signed.der", False, [None]),
        # OpenSSL reports the same content digest failure for this one
        ("asn1crypto/cms-signed-indefinite-length.der", False, [Reason.DIGEST_MISMATCH]),
        ("asn1crypto/cms-signed-digested.der", False, [Reason.MISSING_SIGNED_ATTRIBUTES]),
        ("openssl/cms-data/no_md_attr.cms", True, [Reason.MISSING_MESSAGE_DIGEST]),
        ("openssl/cms-data/no_ct_attr.cms", True, [Reason.MISSING_CONTENT_TYPE]),
        ("openssl/cms-data/ct_multiple_attr.cms", True, [Reason.DUPLICATE_CONTENT_TYPE]),
        ("openssl/cms-data/bad_signtime_attr.cms", True, [Reason.MALFORMED_ATTRIBUTES]),
        ("openssl/cms-data/pkcs7-md4.pem", True, [Reason.UNKNOWN_ALGORITHM]),
        ("rustcrypto/sd.cms", False, [None]),
        ("rustcrypto/cms_ber.bin", False, [None]),
        ("libksba/rsa-sample1.p7s", False, [None]),
    ],
)
def test_representative_vectors(name: str, legacy: bool, expected: list[Reason | None]) -> None:
    policy = LEGACY_POLICY if legacy else DEFAULT_POLICY
    result = verify_signed_data(load_vector(name), policy=policy)
    assert [s.reason for s in result.signers] == expected, [s.describe() for s in result.signers]
    assert result.ok is all(r is None for r in expected)


def test_rawsha256nonull_is_accepted() -> None:
    """bc/cms/rawsha256nonull.p7m: a PKCS #1 v1.5 DigestInfo without the NULL parameters.

    Decision: VALID, as in BouncyCastle (OpenSSL refuses it). The absent-parameters
    DigestInfo is a distinct, exact encoding of the same SHA-256 digest (RFC 5754 section 2
    made absent parameters the preferred form), so accepting it admits no forgery; the
    check is smimelib.crypto.signatures', which compares whole encoded messages.
    """
    result = verify_signed_data(load_vector("bc/cms/rawsha256nonull.p7m"))
    assert result.ok and not only(result).weak


def test_pkcs7_md4_fails_cleanly() -> None:
    result = verify_signed_data(load_vector("openssl/cms-data/pkcs7-md4.pem"), policy=LEGACY_POLICY)
    assert reason(result) is Reason.UNKNOWN_ALGORITHM and "md4" in only(result).detail


# -- tampering: exactly the affected signer -------------------------------------------------


def _two_signers(rsa: Identity, ec: Identity, content: bytes = CONTENT) -> tuple[bytes, bytes]:
    return make_signer_info(rsa, content), make_signer_info(ec, content, digest="sha384")


def test_tampered_content_is_digest_mismatch_for_every_signer(rsa: Identity, ec: Identity) -> None:
    a, b = _two_signers(rsa, ec)
    message = make_signed_data(
        [a, b],
        content=b"This is some sample content!\r\n",
        certs=[rsa.certificate, ec.certificate],
        digest_algs=("sha256", "sha384"),
    )
    result = verify_signed_data(message)
    assert [s.reason for s in result.signers] == [Reason.DIGEST_MISMATCH] * 2
    assert all(s.signature_valid is True and s.intact is False for s in result.signers)


def test_tampered_signature_affects_only_that_signer(rsa: Identity, ec: Identity) -> None:
    a, b = _two_signers(rsa, ec)
    bad_sig = bytearray(signature_of(a))
    bad_sig[10] ^= 1
    a = make_signer_info(rsa, CONTENT, signature=bytes(bad_sig))
    message = make_signed_data(
        [a, b],
        content=CONTENT,
        certs=[rsa.certificate, ec.certificate],
        digest_algs=("sha256", "sha384"),
    )
    result = verify_signed_data(message)
    assert [s.reason for s in result.signers] == [Reason.BAD_SIGNATURE, None]
    assert result.signers[0].signature_valid is False
    assert result.signers[0].intact is True
    assert not result.ok  # THREATS C2: never "any signer"
    with pytest.raises(SignatureError, match="signer 0"):
        result.raise_for_status()


def test_tampered_signed_attribute_is_bad_signature(rsa: Identity) -> None:
    si = make_signer_info(rsa, CONTENT)
    when = der.encode_utc_time(WHEN)
    assert when in si
    forged = si.replace(when, der.encode_utc_time(WHEN + datetime.timedelta(days=1)))
    result = verify_signed_data(
        make_signed_data([forged], content=CONTENT, certs=[rsa.certificate])
    )
    assert reason(result) is Reason.BAD_SIGNATURE
    assert only(result).intact is True


def test_tampered_bytes_in_the_message_flip_the_right_reason(rsa: Identity) -> None:
    message = attached(rsa)
    index = message.index(CONTENT)
    flipped = bytearray(message)
    flipped[index] ^= 0x20
    assert reason(verify_signed_data(bytes(flipped))) is Reason.DIGEST_MISMATCH
    flipped = bytearray(message)
    flipped[-5] ^= 1  # inside the signature value, the last element
    assert reason(verify_signed_data(bytes(flipped))) is Reason.BAD_SIGNATURE


# -- signed attribute rules (RFC 5652 5.3, 11) ----------------------------------------------

_MD = message_digest_attr(hashlib.sha256(CONTENT).digest())
_CT = content_type_attr(ID_DATA)


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ([_MD], Reason.MISSING_CONTENT_TYPE),
        ([_CT], Reason.MISSING_MESSAGE_DIGEST),
        ([_CT, _CT, _MD], Reason.DUPLICATE_CONTENT_TYPE),
        (
            [
                Attribute(
                    OID_CONTENT_TYPE, (der.encode_oid(ID_DATA), der.encode_oid(ID_DIGESTED_DATA))
                ),
                _MD,
            ],
            Reason.DUPLICATE_CONTENT_TYPE,
        ),
        ([_CT, _MD, message_digest_attr(b"\x00" * 32)], Reason.DUPLICATE_MESSAGE_DIGEST),
        ([content_type_attr(ID_DIGESTED_DATA), _MD], Reason.CONTENT_TYPE_MISMATCH),
        (
            [_CT, Attribute(OID_MESSAGE_DIGEST, (der.encode_utf8("not a digest"),))],
            Reason.MALFORMED_ATTRIBUTES,
        ),
        (
            [_CT, _MD, Attribute("1.2.840.113549.1.9.5", (der.encode_utf8("yesterday"),))],
            Reason.MALFORMED_ATTRIBUTES,
        ),
        (
            [_CT, _MD, countersignature_attr(der.sequence(der.encode_int(1)))],
            Reason.MALFORMED_ATTRIBUTES,
        ),
    ],
    ids=[
        "missing-content-type",
        "missing-message-digest",
        "two-content-types",
        "multi-valued-content-type",
        "two-message-digests",
        "content-type-mismatch",
        "message-digest-type-confusion",
        "signing-time-type-confusion",
        "signed-countersignature",
    ],
)
def test_signed_attribute_rules(rsa: Identity, attrs: list[Attribute], expected: Reason) -> None:
    result = verify_signed_data(attached(rsa, signed=attrs))
    got = only(result)
    assert got.reason is expected, got.describe()
    assert got.detail and not result.ok
    # the other checks still ran: the signature over the received attributes is good
    assert got.signature_valid is True


def test_unsigned_signing_time_is_malformed(rsa: Identity) -> None:
    """openssl/cms-data/bad_signtime_attr.cms carries the same fault."""
    message = attached(rsa, unsigned=[signing_time_attr(WHEN)])
    assert reason(verify_signed_data(message)) is Reason.MALFORMED_ATTRIBUTES


@pytest.mark.parametrize(
    "value",
    [
        der.encode_tlv(tlv.Tag.GENERALIZED_TIME, b"20510101120000.5Z"),
        der.encode_tlv(tlv.Tag.GENERALIZED_TIME, b"20300101120000Z"),
        der.encode_tlv(tlv.Tag.UTC_TIME, b"3001011200Z"),
    ],
    ids=["fraction", "generalized-before-2050", "no-seconds"],
)
def test_nonconforming_signing_time_is_a_finding(rsa: Identity, value: bytes) -> None:
    """RFC 5652 11.3 fixes the form of signing-time; other forms are read and reported."""
    attrs = [_CT, _MD, Attribute("1.2.840.113549.1.9.5", (value,))]
    result = verify_signed_data(attached(rsa, signed=attrs))
    got = only(result)
    assert got.valid and got.signing_time is not None
    assert any(f.startswith("signing-time-encoding") for f in got.findings), got.findings


def test_signed_attributes_required_for_other_content_types(rsa: Identity) -> None:
    """RFC 5652 5.3; the C1 refinement of THREATS (eContent := old signedAttrs)."""
    si = make_signer_info(rsa, CONTENT, signed=None)
    message = make_signed_data(
        [si], content=CONTENT, content_type=ID_DIGESTED_DATA, certs=[rsa.certificate]
    )
    result = verify_signed_data(message)
    assert reason(result) is Reason.MISSING_SIGNED_ATTRIBUTES
    assert only(result).signature_valid is True


def test_unsorted_signed_attributes_verify_over_received_octets(rsa: Identity) -> None:
    """FIELD-NOTES 1: never re-encode signedAttrs; report non-DER as a finding."""
    attrs = [a.to_der() for a in default_attrs(CONTENT)]
    unsorted = der.encode_tlv(tlv.Tag.SET, b"".join(sorted(attrs, reverse=True)))
    assert unsorted != der.set_of(attrs)
    message = attached(rsa, signed=unsorted)
    result = verify_signed_data(message)
    assert result.ok
    assert any(f.startswith("signed-attrs-not-der") for f in only(result).findings)
    strict = verify_signed_data(message, require_der_signed_attributes=True)
    assert reason(strict) is Reason.SIGNED_ATTRS_NOT_DER
    # a signature over the DER re-encoding instead does not verify
    resorted = make_signer_info(
        rsa, CONTENT, signed=unsorted, signature=signature_of(make_signer_info(rsa, CONTENT))
    )
    wrong = make_signed_data([resorted], content=CONTENT, certs=[rsa.certificate])
    assert verify_signed_data(wrong).signers[0].reason is Reason.BAD_SIGNATURE


# -- RFC 6211 and ESS signingCertificate -----------------------------------------------------


def test_algorithm_protection(rsa: Identity) -> None:
    dalg = digests.digest_algorithm("sha256")
    salg = signatures.signature_algorithm(rsa.key, "sha256")
    good = [*default_attrs(CONTENT), algorithm_protection_attr(dalg, salg)]
    assert verify_signed_data(attached(rsa, signed=good)).ok
    # NULL versus absent parameters compare equal (RFC 6211 section 3)
    with_null = [
        *default_attrs(CONTENT),
        algorithm_protection_attr(AlgorithmIdentifier(dalg.oid, NULL), salg),
    ]
    assert verify_signed_data(attached(rsa, signed=with_null)).ok
    for wrong in (
        algorithm_protection_attr(digests.digest_algorithm("sha384"), salg),
        algorithm_protection_attr(
            dalg, signatures.signature_algorithm(rsa.key, "sha256", pss=True)
        ),
        algorithm_protection_attr(dalg, mac_alg=AlgorithmIdentifier("1.2.840.113549.2.9")),
    ):
        result = verify_signed_data(attached(rsa, signed=[*default_attrs(CONTENT), wrong]))
        assert reason(result) is Reason.ALGORITHM_PROTECTION_MISMATCH, only(result).detail


def test_signing_certificate_v2(rsa: Identity, ec: Identity) -> None:
    good = [*default_attrs(CONTENT), signing_certificate_v2_attr([rsa.certificate])]
    assert verify_signed_data(attached(rsa, signed=good)).ok
    other = [*default_attrs(CONTENT), signing_certificate_v2_attr([ec.certificate])]
    result = verify_signed_data(attached(rsa, signed=other))
    assert reason(result) is Reason.SIGNING_CERTIFICATE_MISMATCH
    assert only(result).signature_valid is True and only(result).intact is True


# -- algorithms and policy ------------------------------------------------------------------


def test_unknown_and_mismatched_algorithms_are_per_signer(rsa: Identity, ec: Identity) -> None:
    good = make_signer_info(ec, CONTENT)
    unknown = make_signer_info(
        rsa, CONTENT, sig_alg=AlgorithmIdentifier("1.2.3.4.5"), signature=b"\x01" * 256
    )
    no_pss_params = make_signer_info(
        rsa, CONTENT, sig_alg=AlgorithmIdentifier("1.2.840.113549.1.1.10"), signature=b"\x01"
    )
    mismatch = make_signer_info(
        rsa,
        CONTENT,
        sig_alg=signatures.signature_algorithm(rsa.key, "sha384"),
        signature=b"\x01" * 256,
    )
    unknown_digest = make_signer_info(
        rsa, CONTENT, digest_alg=AlgorithmIdentifier("1.2.3.4.6"), signature=b"\x01"
    )
    message = make_signed_data(
        [good, unknown, no_pss_params, mismatch, unknown_digest],
        content=CONTENT,
        certs=[rsa.certificate, ec.certificate],
    )
    result = verify_signed_data(message)
    assert [s.reason for s in result.signers] == [
        None,
        Reason.UNKNOWN_ALGORITHM,
        Reason.UNKNOWN_ALGORITHM,
        Reason.ALGORITHM_MISMATCH,
        Reason.UNKNOWN_ALGORITHM,
    ]
    assert "1.2.3.4.5" in result.signers[1].detail


def test_sha1_refused_by_default_and_weak_under_legacy() -> None:
    message = load_vector("rfc4134/4.2.bin")
    refused = only(verify_signed_data(message))
    assert refused.reason is Reason.ALGORITHM_REFUSED
    assert "sha1" in refused.detail and "policy" in refused.detail
    legacy = verify_signed_data(message, policy=LEGACY_POLICY)
    got = only(legacy)
    assert legacy.ok and got.weak and legacy.weak
    assert any(f.startswith("weak-algorithm: sha1") for f in got.findings)
    assert any(f.startswith("weak-key: RSA key of 1024 bits") for f in got.findings)


def test_small_rsa_key_refused(cms_pki: CmsPKI) -> None:
    """RSA below policy.min_rsa_bits -> ALGORITHM_REFUSED, whatever the digest."""
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA
    from Crypto.Signature import pkcs1_15

    from smimelib.crypto.keys import PrivateKey
    from smimelib.pki.builder import make_smime_identity

    raw = RSA.generate(1024)
    key = PrivateKey.rsa(raw.n, raw.e, raw.d, raw.p, raw.q)
    small = make_smime_identity("small@cms.example", issuer=cms_pki.root, key=key, usage="sign")
    signed = encode_attributes(default_attrs(CONTENT))
    sig = pkcs1_15.new(raw).sign(SHA256.new(signed))
    message = attached(
        small,
        signed=signed,
        signature=sig,
        sig_alg=AlgorithmIdentifier("1.2.840.113549.1.1.11", NULL),
    )
    result = verify_signed_data(message)
    assert reason(result) is Reason.ALGORITHM_REFUSED
    assert "1024" in only(result).detail
    legacy = verify_signed_data(message, policy=LEGACY_POLICY)
    assert legacy.ok and only(legacy).weak


def test_dsa_inherited_parameters_from_the_issuer() -> None:
    """RFC 4134 4.6: Diane's DSA key takes p, q, g from Carl's certificate."""
    carl = load_certificates(load_vector("rfc4134/CarlDSSSelf.cer"))
    message = load_vector("rfc4134/4.6.bin")
    result = verify_signed_data(message, certificates=carl, policy=LEGACY_POLICY)
    assert result.ok, [s.describe() for s in result.signers]
    alone = verify_signed_data(message, policy=LEGACY_POLICY)
    assert [s.reason for s in alone.signers] == [None, Reason.SIGNER_KEY_UNUSABLE]
    assert "DSA" in alone.signers[1].detail
    default = verify_signed_data(message, certificates=carl)
    assert all(s.reason is Reason.ALGORITHM_REFUSED for s in default.signers)


def test_forged_certificate_with_the_same_issuer_and_serial(cms_pki: CmsPKI, rsa: Identity) -> None:
    """A certificate in the message that claims the signer's issuer and serial but holds
    another key does not hide the real one given by the caller."""
    from smimelib.pki.builder import CertificateBuilder

    other = cms_pki["p-256"].identity
    forged = (
        CertificateBuilder()
        .subject_name(rsa.certificate.subject)
        .public_key(other.key)
        .serial_number(rsa.certificate.serial_number)
        .not_valid_before(rsa.certificate.not_before)
        .not_valid_after(rsa.certificate.not_after)
        .sign(cms_pki.root.key, issuer=cms_pki.root.certificate)
    )
    si = make_signer_info(rsa, CONTENT)
    message = make_signed_data([si], content=CONTENT, certs=[forged])
    assert reason(verify_signed_data(message)) is Reason.BAD_SIGNATURE
    result = verify_signed_data(message, certificates=[rsa.certificate])
    assert result.ok and only(result).certificate == rsa.certificate


# -- countersignatures (RFC 5652 11.4) --------------------------------------------------------


def _countersigned(rsa: Identity, ec: Identity, **counter_kwargs: Any) -> bytes:
    parent = make_signer_info(rsa, CONTENT)
    covered = signature_of(parent)
    counter_kwargs.setdefault("signed", default_attrs(covered, content_type=None))
    counter = make_signer_info(ec, covered, **counter_kwargs)
    parent = make_signer_info(
        rsa, CONTENT, unsigned=[countersignature_attr(counter)], signature=covered
    )
    return make_signed_data([parent], content=CONTENT, certs=[rsa.certificate, ec.certificate])


def test_countersignature_valid(rsa: Identity, ec: Identity) -> None:
    result = verify_signed_data(_countersigned(rsa, ec))
    got = only(result)
    assert result.ok and got.valid and len(got.countersignatures) == 1
    counter = got.countersignatures[0]
    assert counter.valid and counter.certificate == ec.certificate and counter.intact is True
    assert [r.certificate for r in got.walk()] == [rsa.certificate, ec.certificate]


@pytest.mark.parametrize(
    ("make_attrs", "expected"),
    [
        (lambda covered: default_attrs(covered), Reason.COUNTERSIGNATURE_CONTENT_TYPE),
        (lambda covered: [signing_time_attr(WHEN)], Reason.MISSING_MESSAGE_DIGEST),
        (
            lambda covered: default_attrs(b"not the signature", content_type=None),
            Reason.DIGEST_MISMATCH,
        ),
    ],
    ids=["content-type", "no-message-digest", "wrong-digest"],
)
def test_countersignature_rules(
    rsa: Identity, ec: Identity, make_attrs: Any, expected: Reason
) -> None:
    parent = make_signer_info(rsa, CONTENT)
    covered = signature_of(parent)
    counter = make_signer_info(ec, covered, signed=make_attrs(covered))
    parent = make_signer_info(
        rsa, CONTENT, unsigned=[countersignature_attr(counter)], signature=covered
    )
    result = verify_signed_data(
        make_signed_data([parent], content=CONTENT, certs=[rsa.certificate, ec.certificate])
    )
    got = only(result)
    assert got.valid  # the signature itself is fine
    assert got.countersignatures[0].reason is expected
    assert not result.ok  # every signature in the report counts
    with pytest.raises(SignatureError, match="countersignature"):
        result.raise_for_status()


def test_countersignature_without_signed_attributes(rsa: Identity, ec: Identity) -> None:
    result = verify_signed_data(_countersigned(rsa, ec, signed=None))
    assert result.ok and result.signers[0].countersignatures[0].intact is None


def test_countersignature_vectors() -> None:
    for name in ("bc/cms/counterSig.p7m", "rfc4134/4.4.bin"):
        result = verify_signed_data(load_vector(name), policy=LEGACY_POLICY)
        assert result.ok, name
        assert [len(s.countersignatures) for s in result.signers] == [1], name
        assert result.signers[0].countersignatures[0].valid


# -- streaming ---------------------------------------------------------------------------------


class OneWay(io.RawIOBase):
    """A non-seekable stream that returns at most ``step`` octets per read."""

    def __init__(self, data: bytes, step: int = 997) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), self._step))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def streamed_message(
    signer: Identity,
    content: bytes,
    *,
    chunk: int = 1000,
    listed: Sequence[str] = ("sha256",),
    digest: str = "sha256",
) -> bytes:
    """An indefinite-length SignedData with eContent in ``chunk``-octet segments, as
    ``openssl cms -stream`` writes it."""
    si = make_signer_info(signer, content, digest=digest)
    chunker = der.OctetStringChunker(chunk_size=chunk)
    econtent = chunker.begin() + chunker.update(content) + chunker.finish()
    encap = der.encode_indefinite(
        tlv.Tag.SEQUENCE,
        der.encode_oid(ID_DATA),
        der.encode_indefinite(tlv.Tag.context(0), econtent),
    )
    sd = der.encode_indefinite(
        tlv.Tag.SEQUENCE,
        der.encode_int(1),
        der.set_of(digests.digest_algorithm(d).to_der() for d in listed),
        encap,
        der.encode_tlv(tlv.Tag.context(0), signer.certificate.der),
        der.encode_tlv(tlv.Tag.SET, si),
    )
    return der.encode_indefinite(
        tlv.Tag.SEQUENCE,
        der.encode_oid(ID_SIGNED_DATA),
        der.encode_indefinite(tlv.Tag.context(0), sd),
    )


def test_streamed_attached_content_in_many_chunks(rsa: Identity) -> None:
    content = bytes(range(256)) * 1200  # 300 KB in 300 segments
    message = streamed_message(rsa, content)
    for source in (message, io.BytesIO(message), OneWay(message)):
        out = io.BytesIO()
        result = verify_signed_data(source, content_out=out)
        assert result.ok, only(result).describe()
        assert out.getvalue() == content
        assert result.content == (content if isinstance(source, bytes) else None)
        assert any(f.startswith("ber-encoding") for f in result.findings)


def test_streamed_digest_not_listed(rsa: Identity) -> None:
    """A signer digest missing from digestAlgorithms: second pass when seekable."""
    content = b"x" * 200_000
    message = streamed_message(rsa, content, listed=("sha512",), digest="sha384")
    for source in (message, io.BytesIO(message)):
        result = verify_signed_data(source)
        assert result.ok
        assert any(f.startswith("digest-algorithm-not-listed") for f in result.findings)
    one_way = verify_signed_data(OneWay(message))
    assert reason(one_way) is Reason.DIGEST_NOT_COMPUTED
    assert only(one_way).signature_valid is True


def test_detached_content_as_a_stream(rsa: Identity, cms_pki: CmsPKI) -> None:
    content = b"line\r\n" * 50_000
    message = make_signed_data(
        [make_signer_info(rsa, content)], content=None, certs=[rsa.certificate]
    )
    out = io.BytesIO()
    result = verify_signed_data(io.BytesIO(message), content=OneWay(content), content_out=out)
    assert result.ok and result.detached and result.content is None
    assert out.getvalue() == content
    # pure EdDSA without signed attributes needs the content itself (RFC 8419)
    ed = cms_pki["ed25519"].identity
    si = make_signer_info(ed, content, signed=None)
    eddsa = make_signed_data([si], content=None, certs=[ed.certificate])
    assert verify_signed_data(eddsa, content=OneWay(content)).ok
    bad = verify_signed_data(eddsa, content=OneWay(content[:-1]))
    assert reason(bad) is Reason.BAD_SIGNATURE


def test_stream_sources_match_the_bytes_api() -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("rfc4134/4.4.bin", {}),
        (
            "rfc4134/4.6.bin",
            {"certificates": load_certificates(load_vector("rfc4134/CarlDSSSelf.cer"))},
        ),
        ("bc/cms/SignedMSPkcs7.sig", {}),
        ("bc/cms/PSSSignDataSHA256.sig", {"content": load_vector("bc/cms/PSSSignData.data")}),
        ("rustcrypto/cms_ber.bin", {}),
        ("asn1crypto/cms-signed-indefinite-length.der", {}),
        ("examples-cms/pem-encoded/signedByAliceRSAPSS.pem", {}),
        ("openssl/cms-data/ct_multiple_attr.cms", {}),
    ]

    def summary(result: VerificationResult) -> Any:
        return (
            [
                (
                    s.status,
                    s.reason,
                    s.intact,
                    s.signature_valid,
                    s.weak,
                    s.findings,
                    [(c.status, c.reason) for c in s.countersignatures],
                )
                for s in result.signers
            ],
            result.findings,
            result.detached,
            len(result.certificates),
        )

    for name, kwargs in cases:
        data = load_vector(name)
        expected = summary(verify_signed_data(data, policy=LEGACY_POLICY, **kwargs))
        for wrap in (io.BytesIO, OneWay):
            args = dict(kwargs)
            if "content" in args:
                args["content"] = wrap(args["content"])
            got = verify_signed_data(wrap(data), policy=LEGACY_POLICY, **args)
            assert summary(got) == expected, (name, wrap)


def test_smimelib_streamed_signature_round_trip(cms_pki: CmsPKI) -> None:
    """smimelib's own streaming signer (indefinite lengths, chunked eContent) read back as
    a one-way stream, with signers of three key types."""
    from smimelib.cms.signing import Signer, sign

    content = hashlib.sha256(b"seed").digest() * 10_000
    out = io.BytesIO()
    names = ("rsa", "p-384", "ed25519")
    sign(
        io.BytesIO(content), [Signer.from_identity(cms_pki[n].identity) for n in names], output=out
    )
    copied = io.BytesIO()
    result = verify_signed_data(OneWay(out.getvalue()), content_out=copied)
    assert result.ok, [s.describe() for s in result.signers]
    assert len(result.signers) == 3 and copied.getvalue() == content


def test_pkcs7_content_vector() -> None:
    """SignedMSPkcs7.sig: content is a SEQUENCE, digested over its contents octets."""
    message = load_vector("bc/cms/SignedMSPkcs7.sig")
    assert reason(verify_signed_data(message)) is Reason.ALGORITHM_REFUSED  # MD5
    result = verify_signed_data(message, policy=LEGACY_POLICY)
    assert result.ok and result.weak
    assert any(f.startswith("weak-algorithm: md5") for f in only(result).findings)
    assert any(f.startswith("pkcs7-content") for f in result.findings)
    assert result.content is not None
    # the covered octets are the SEQUENCE's contents: its tag and length are not included
    assert b"\xa0\x44" + der.sequence(result.content) in message


# -- argument and input errors ---------------------------------------------------------------


def test_usage_errors(rsa: Identity) -> None:
    message = attached(rsa)
    with pytest.raises(UsageError):
        verify_signed_data(message, certificates=[b"not a certificate"])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        verify_signed_data(12345)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        verify_signed_data(message, content_out="file.bin")  # type: ignore[arg-type]


def test_limits(rsa: Identity) -> None:
    si = make_signer_info(rsa, CONTENT)
    too_many = make_signed_data([si] * 17, content=CONTENT, certs=[rsa.certificate])
    with pytest.raises(LimitExceeded):
        verify_signed_data(too_many)
    with pytest.raises(LimitExceeded):
        verify_signed_data(io.BytesIO(too_many))
    sixteen = make_signed_data([si] * 16, content=CONTENT, certs=[rsa.certificate])
    assert verify_signed_data(sixteen).ok


@given(st.data())
def test_mutations_raise_only_smimelib_errors(data: st.DataObject) -> None:
    message = _MUTATION_BASE
    position = data.draw(st.integers(0, len(message) - 1))
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if kind == "flip":
        mutated = bytearray(message)
        mutated[position] ^= data.draw(st.integers(1, 255))
        candidate = bytes(mutated)
    elif kind == "truncate":
        candidate = message[:position]
    else:
        candidate = (
            message[:position] + data.draw(st.binary(min_size=1, max_size=4)) + message[position:]
        )
    for source in (candidate, OneWay(candidate)):
        try:
            result = verify_signed_data(source, policy=LEGACY_POLICY)
        except SmimeError:
            continue
        assert isinstance(result, VerificationResult)


_MUTATION_BASE = load_vector("rfc4134/4.4.bin")


# -- memory: a 200 MB detached signature --------------------------------------------------------


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import resource, sys, tracemalloc
    from smimelib.cms.verify import verify_signed_data
    from smimelib.pki.certificate import Certificate
    cert = Certificate.from_file(sys.argv[3])
    tracemalloc.start()
    with open(sys.argv[1], "rb") as message, open(sys.argv[2], "rb") as content:
        result = verify_signed_data(message, content=content, certificates=[cert])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # VmHWM is this process's own peak; ru_maxrss can carry the forking parent's over exec
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    print(result.ok, peak, rss)
    """
)


@pytest.mark.slow
def test_detached_200_mb_in_bounded_memory(tmp_path: Path, rsa: Identity) -> None:
    content_path = tmp_path / "big.bin"
    block = hashlib.sha256(b"smimelib").digest() * 2048  # 64 KiB
    h = hashlib.sha256()
    with content_path.open("wb") as out:
        for i in range(3200):  # 200 MiB
            piece = block[i % 7 :] + block[: i % 7]
            out.write(piece)
            h.update(piece)
    si = make_signer_info(
        rsa, b"", signed=[_CT, message_digest_attr(h.digest()), signing_time_attr(WHEN)]
    )
    message = tmp_path / "big.p7s"
    message.write_bytes(make_signed_data([si], content=None))
    cert = tmp_path / "signer.crt"
    cert.write_bytes(rsa.certificate.to_pem())
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, str(message), str(content_path), str(cert)],
        capture_output=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr.decode()
    ok, peak, rss = proc.stdout.split()
    assert ok == b"True"
    assert int(peak) < 8 * 1024 * 1024  # Python allocations while verifying
    assert int(rss) < 64 * 1024 * 1024  # the whole process
