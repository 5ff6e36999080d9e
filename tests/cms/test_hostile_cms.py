"""Hostile input to the SignedData parser and verifier (THREATS C1-C3, section 4.1, 4.4).

Three kinds of input:

* mutations (truncation, bit flips, insertions, deletions, duplicated regions) of real
  SignedData vectors and of smimelib-signed messages: only ``smimelib.errors``
  exceptions leave the API, every field of what parses can be read, and a stream
  gives the same outcome as bytes (one parser);
* crafted messages whose signatures are genuinely valid over hostile signed
  attributes, so that only the RFC 5652 section 5.3/11 checks can catch them: each
  gives its precise :class:`Reason`;
* resource bombs (nested countersignatures, signers, certificates, a deeply nested
  constructed eContent), refused with LimitExceeded before the work starts.

A SIGALRM guard turns a hang into a failure.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SIGNING_TIME,
    algorithm_protection_attr,
    signing_certificate_v2_attr,
)
from smimelib.cms.certsets import encode_certificate_set
from smimelib.cms.content_info import ID_CT_TST_INFO, ID_DATA, ID_SIGNED_DATA, encode_content_info
from smimelib.cms.countersign import add_countersignature
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.cms.results import Reason, SignatureStatus, VerificationResult
from smimelib.cms.signed_data import SignedData
from smimelib.cms.signing import Signer, certs_only, sign
from smimelib.cms.verify import verify_signed_data
from smimelib.crypto import digests, signatures
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import DecodeError, LimitExceeded, SignatureError, SmimeError
from smimelib.pki.identity import Identity
from tests.cms.conftest import CmsPKI
from tests.guard import no_hang
from tests.vectors import load_vector

HANG_SECONDS = 20
CONTENT = b"hostile content\r\n"


# -- crafting ----------------------------------------------------------------------------------


def _attr(oid: str, *values: bytes) -> bytes:
    """One Attribute; values in the order given (a SET OF of one value is DER anyway)."""
    return der.sequence(der.encode_oid(oid), der.encode_tlv(tlv.Tag.SET, b"".join(values)))


def _ct(oid: str = ID_DATA) -> bytes:
    return _attr(OID_CONTENT_TYPE, der.encode_oid(oid))


def _md(content: bytes, name: str = "sha256") -> bytes:
    return _attr(OID_MESSAGE_DIGEST, der.encode_octets(digests.digest(name, content)))


class Craft:
    """Hand-made SignerInfos and SignedData with signatures that really verify."""

    def __init__(self, ident: Identity, digest: str = "sha256") -> None:
        self.ident = ident
        self.digest_alg = digests.digest_algorithm(digest)
        self.sig_alg = signatures.signature_algorithm(ident.key, digest)

    def signer_info(
        self,
        content: bytes,
        attrs: list[bytes] | None,
        *,
        unsigned: list[bytes] | None = None,
        unsorted: bool = False,
        sign_sorted: bool = False,
        sig_alg: AlgorithmIdentifier | None = None,
    ) -> bytes:
        sig_alg = sig_alg or self.sig_alg
        sid = CertificateIdentifier.from_certificate(self.ident.certificate).to_der()
        parts = [der.encode_int(1), sid, self.digest_alg.to_der()]
        if attrs is None:
            tbs = content
        else:
            body = b"".join(attrs) if unsorted else b"".join(sorted(attrs))
            received = der.encode_tlv(tlv.Tag.SET, body)
            tbs = der.set_of(attrs) if sign_sorted else received
            parts.append(der.implicit(0, received))
        signature = signatures.sign(
            self.ident.key, self.sig_alg, tbs, digest_algorithm=self.digest_alg
        )
        parts += [sig_alg.to_der(), der.encode_octets(signature)]
        if unsigned:
            parts.append(der.implicit(1, der.set_of(unsigned)))
        return der.sequence(*parts)

    def good_attrs(self, content: bytes, ct: str = ID_DATA) -> list[bytes]:
        return [_ct(ct), _md(content)]

    def signed_data(
        self,
        signer_infos: list[bytes],
        content: bytes | None = CONTENT,
        *,
        econtent_type: str = ID_DATA,
        digest_algorithms: list[bytes] | None = None,
        certificates: bool | bytes = True,
        encap: bytes | None = None,
    ) -> bytes:
        algs = [self.digest_alg.to_der()] if digest_algorithms is None else digest_algorithms
        if encap is None:
            eci = [der.encode_oid(econtent_type)]
            if content is not None:
                eci.append(der.explicit(0, der.encode_octets(content)))
            encap = der.sequence(*eci)
        parts = [der.encode_int(1), der.set_of(algs), encap]
        if isinstance(certificates, bytes):
            parts.append(certificates)
        elif certificates:
            parts.append(encode_certificate_set([self.ident.certificate], 0))
        parts.append(der.encode_tlv(tlv.Tag.SET, b"".join(signer_infos)))
        return encode_content_info(ID_SIGNED_DATA, der.sequence(*parts))


@pytest.fixture(scope="module")
def craft(cms_pki: CmsPKI) -> Craft:
    return Craft(cms_pki["p-256"].identity)


@pytest.fixture(scope="module")
def other(cms_pki: CmsPKI) -> Craft:
    return Craft(cms_pki["ed25519"].identity, digest="sha512")


def _one(result: VerificationResult) -> tuple[SignatureStatus, Reason | None]:
    (signer,) = result.signers
    return signer.status, signer.reason


# -- crafted signed attributes (RFC 5652 5.3, 11) -------------------------------------------


def test_crafted_baseline_is_valid(craft: Craft) -> None:
    """The crafting itself is right: a well-formed hand-made message verifies."""
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    result = verify_signed_data(craft.signed_data([si]))
    assert _one(result) == (SignatureStatus.VALID, None) and result.ok


def _digest_as(tag: tlv.Tag) -> Callable[[bytes], bytes]:
    def build(content: bytes) -> bytes:
        return _attr(OID_MESSAGE_DIGEST, der.encode_tlv(tag, digests.digest("sha256", content)))

    return build


CRAFTED: dict[str, tuple[Callable[[bytes], list[bytes]], Reason]] = {
    # CVE-2026-22796: messageDigest carried in another universal type
    "message-digest-utf8": (
        lambda c: [_ct(), _digest_as(tlv.Tag.UTF8_STRING)(c)],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "message-digest-bit-string": (
        lambda c: [_ct(), _digest_as(tlv.Tag.BIT_STRING)(c)],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "content-type-as-octets": (
        lambda c: [_attr(OID_CONTENT_TYPE, der.encode_octets(der.encode_oid(ID_DATA))), _md(c)],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "duplicate-content-type": (lambda c: [_ct(), _ct(), _md(c)], Reason.DUPLICATE_CONTENT_TYPE),
    "content-type-two-values": (
        lambda c: [
            _attr(OID_CONTENT_TYPE, der.encode_oid(ID_DATA), der.encode_oid(ID_CT_TST_INFO)),
            _md(c),
        ],
        Reason.DUPLICATE_CONTENT_TYPE,
    ),
    "duplicate-message-digest": (
        lambda c: [_ct(), _md(c), _md(c)],
        Reason.DUPLICATE_MESSAGE_DIGEST,
    ),
    "message-digest-two-values": (
        lambda c: [
            _ct(),
            _attr(
                OID_MESSAGE_DIGEST,
                der.encode_octets(digests.digest("sha256", c)),
                der.encode_octets(bytes(32)),
            ),
        ],
        Reason.DUPLICATE_MESSAGE_DIGEST,
    ),
    "missing-content-type": (lambda c: [_md(c)], Reason.MISSING_CONTENT_TYPE),
    "missing-message-digest": (lambda c: [_ct()], Reason.MISSING_MESSAGE_DIGEST),
    "content-type-mismatch": (
        lambda c: [_ct(ID_CT_TST_INFO), _md(c)],
        Reason.CONTENT_TYPE_MISMATCH,
    ),
    "signing-time-not-a-time": (
        lambda c: [_ct(), _md(c), _attr(OID_SIGNING_TIME, der.encode_utf8("yesterday"))],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "signed-countersignature": (
        lambda c: [_ct(), _md(c), _attr(OID_COUNTERSIGNATURE, der.sequence(der.encode_int(1)))],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "algorithm-protection-as-octets": (
        lambda c: [_ct(), _md(c), _attr(OID_ALGORITHM_PROTECTION, der.encode_octets(b"x"))],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "signing-certificate-v2-as-integer": (
        lambda c: [_ct(), _md(c), _attr(OID_SIGNING_CERTIFICATE_V2, der.encode_int(5))],
        Reason.MALFORMED_ATTRIBUTES,
    ),
    "wrong-digest": (lambda c: [_ct(), _md(c + b"!")], Reason.DIGEST_MISMATCH),
    "empty-signed-attributes": (lambda c: [], Reason.MISSING_CONTENT_TYPE),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_signed_attributes(name: str, craft: Craft) -> None:
    build, reason = CRAFTED[name]
    message = craft.signed_data([craft.signer_info(CONTENT, build(CONTENT))])
    with no_hang(HANG_SECONDS):
        result = verify_signed_data(message)
        streamed = verify_signed_data(io.BytesIO(message))
    assert _one(result) == (SignatureStatus.INVALID, reason), result.signers[0].describe()
    assert _one(streamed) == _one(result)
    assert not result.ok
    # the signature itself is good: only the attribute rules can have caught it
    assert result.signers[0].signature_valid in (True, None)


def test_algorithm_protection_mismatch(craft: Craft) -> None:
    """RFC 6211 3.1: the protected algorithms must be the SignerInfo's."""
    sha384 = digests.digest_algorithm("sha384")
    prot = algorithm_protection_attr(sha384, craft.sig_alg)
    attrs = [*craft.good_attrs(CONTENT), _attr(OID_ALGORITHM_PROTECTION, *prot.values)]
    result = verify_signed_data(craft.signed_data([craft.signer_info(CONTENT, attrs)]))
    assert _one(result) == (SignatureStatus.INVALID, Reason.ALGORITHM_PROTECTION_MISMATCH)


def test_signing_certificate_names_another_certificate(craft: Craft, other: Craft) -> None:
    """RFC 5035 5.4: signingCertificateV2 must identify the signer certificate."""
    ess = signing_certificate_v2_attr([other.ident.certificate])
    attrs = [*craft.good_attrs(CONTENT), _attr(ess.oid, *ess.values)]
    result = verify_signed_data(craft.signed_data([craft.signer_info(CONTENT, attrs)]))
    assert _one(result) == (SignatureStatus.INVALID, Reason.SIGNING_CERTIFICATE_MISMATCH)


def test_digest_algorithm_contradicts_signature_algorithm(craft: Craft) -> None:
    """RFC 8933 3: digestAlgorithm sha256 with ecdsa-with-SHA384."""
    lying = signatures.signature_algorithm(craft.ident.key, "sha384")
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT), sig_alg=lying)
    result = verify_signed_data(craft.signed_data([si]))
    assert _one(result) == (SignatureStatus.INVALID, Reason.ALGORITHM_MISMATCH)


def test_non_data_content_needs_signed_attributes(craft: Craft) -> None:
    """RFC 5652 5.3: signedAttrs MUST be present when eContentType is not id-data."""
    si = craft.signer_info(CONTENT, None)
    result = verify_signed_data(craft.signed_data([si], econtent_type=ID_CT_TST_INFO))
    assert _one(result) == (SignatureStatus.INVALID, Reason.MISSING_SIGNED_ATTRIBUTES)


def test_unsorted_signed_attributes_verify_over_received_octets(craft: Craft) -> None:
    """FIELD-NOTES 1: the signature covers the received (unsorted) SET; a verifier that
    re-sorted would fail. DER is demanded only on request (RFC 5652 5.3)."""
    attrs = list(reversed(sorted(craft.good_attrs(CONTENT))))
    message = craft.signed_data([craft.signer_info(CONTENT, attrs, unsorted=True)])
    lenient = verify_signed_data(message)
    assert _one(lenient) == (SignatureStatus.VALID, None)
    assert any(f.startswith("signed-attrs-not-der") for f in lenient.signers[0].findings)
    strict = verify_signed_data(message, require_der_signed_attributes=True)
    assert _one(strict) == (SignatureStatus.INVALID, Reason.SIGNED_ATTRS_NOT_DER)
    resorted = craft.signer_info(CONTENT, attrs, unsorted=True, sign_sorted=True)
    assert _one(verify_signed_data(craft.signed_data([resorted]))) == (
        SignatureStatus.INVALID,
        Reason.BAD_SIGNATURE,
    )


def _with_unsigned(si: bytes, unsigned: list[bytes]) -> bytes:
    """``si`` with unsigned attributes appended, its signature untouched."""
    children = [c.raw for c in tlv.parse_one(si).children()]
    return der.sequence(*children, der.implicit(1, der.set_of(unsigned)))


def test_countersignature_with_content_type(craft: Craft, other: Craft) -> None:
    """RFC 5652 11.4: a countersignature has no content-type; the message is not ok even
    though the signer itself is valid."""
    main = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    signature = SignedData.from_bytes(craft.signed_data([main])).signer_infos[0].signature
    md = _attr(OID_MESSAGE_DIGEST, der.encode_octets(digests.digest("sha512", signature)))
    for attrs, want in (
        ([md], (SignatureStatus.VALID, None)),
        ([_ct(), md], (SignatureStatus.INVALID, Reason.COUNTERSIGNATURE_CONTENT_TYPE)),
    ):
        counter = other.signer_info(signature, attrs)
        countersigned = _with_unsigned(main, [_attr(OID_COUNTERSIGNATURE, counter)])
        message = craft.signed_data([countersigned])
        result = verify_signed_data(message, certificates=[other.ident.certificate])
        (signer,) = result.signers
        assert signer.valid
        assert [(c.status, c.reason) for c in signer.countersignatures] == [want]
        assert result.ok is (want[1] is None)


def test_signing_time_as_unsigned_attribute(craft: Craft) -> None:
    """RFC 5652 11.3: signing-time MUST NOT be unsigned (OpenSSL's bad_signtime_attr)."""
    when = der.encode_utc_time(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    si = craft.signer_info(
        CONTENT, craft.good_attrs(CONTENT), unsigned=[_attr(OID_SIGNING_TIME, when)]
    )
    result = verify_signed_data(craft.signed_data([si]))
    assert _one(result) == (SignatureStatus.INVALID, Reason.MALFORMED_ATTRIBUTES)


@pytest.mark.parametrize(
    "value",
    [
        der.encode_tlv(tlv.Tag.GENERALIZED_TIME, b"20510101120000.5Z"),  # fractional seconds
        der.encode_tlv(tlv.Tag.GENERALIZED_TIME, b"20200101120000Z"),  # 1950..2049 not UTCTime
        der.encode_tlv(tlv.Tag.UTC_TIME, b"2101011200Z"),  # no seconds
    ],
    ids=["fraction", "generalized-in-utc-range", "utc-without-seconds"],
)
def test_nonconforming_signing_time_is_reported(craft: Craft, value: bytes) -> None:
    """RFC 5652 11.3: UTCTime for 1950..2049, seconds always, GeneralizedTime "MUST NOT
    include fractional seconds". A verifier may accept such a time, but never silently."""
    attrs = [*craft.good_attrs(CONTENT), _attr(OID_SIGNING_TIME, value)]
    result = verify_signed_data(craft.signed_data([craft.signer_info(CONTENT, attrs)]))
    (signer,) = result.signers
    reported = [
        f for f in signer.findings if f.startswith(("signing-time", "signed-attrs-not-der"))
    ]
    assert reported or signer.reason is Reason.MALFORMED_ATTRIBUTES, signer.describe()


def test_econtent_replaced_by_signed_attributes(craft: Craft) -> None:
    """THREATS C1 refinement: eContent := the signed-attribute SET, attributes removed.
    Without signed attributes the old signature covers that "content"; the report must
    then name exactly those octets as what is signed."""
    attrs = craft.good_attrs(CONTENT)
    si = SignedData.from_bytes(craft.signed_data([craft.signer_info(CONTENT, attrs)]))
    original = si.signer_infos[0]
    assert original.signed_attrs is not None
    fake = original.signed_attrs.signed_bytes()
    sid = CertificateIdentifier.from_certificate(craft.ident.certificate).to_der()
    stripped = der.sequence(
        der.encode_int(1),
        sid,
        craft.digest_alg.to_der(),
        craft.sig_alg.to_der(),
        der.encode_octets(original.signature),
    )
    result = verify_signed_data(craft.signed_data([stripped], fake))
    assert result.content == fake
    assert result.signers[0].intact is None  # nothing but the signature covers the content


# -- structure: empty and absent parts (THREATS 4.1) ------------------------------------------


def test_empty_digest_algorithms(craft: Craft) -> None:
    """DigestAlgorithmIdentifiers may be empty in the ASN.1; the bytes path still digests,
    with a finding; a one-pass stream that cannot re-read says so (RFC 5652 5.1)."""
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    message = craft.signed_data([si], digest_algorithms=[])
    result = verify_signed_data(message)
    assert _one(result) == (SignatureStatus.VALID, None)
    assert result.findings

    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    streamed = verify_signed_data(OneWay(message))
    assert _one(streamed) == (SignatureStatus.INVALID, Reason.DIGEST_NOT_COMPUTED)


@pytest.mark.parametrize(
    "encap",
    [
        der.sequence(),  # eContentType absent
        der.sequence(der.encode_oid(ID_DATA), b"\xa0\x00"),  # [0] without its OCTET STRING
        der.sequence(der.encode_oid(ID_DATA), der.explicit(1, der.encode_octets(b"x"))),
        der.sequence(der.encode_int(1)),  # eContentType not an OID
    ],
    ids=["no-econtent-type", "empty-econtent", "wrong-tag", "not-an-oid"],
)
def test_malformed_encapsulated_content_info(craft: Craft, encap: bytes) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    message = craft.signed_data([si], encap=encap)
    with no_hang(HANG_SECONDS), pytest.raises(DecodeError):
        verify_signed_data(message)
    with no_hang(HANG_SECONDS), pytest.raises(DecodeError):
        verify_signed_data(io.BytesIO(message))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        der.sequence(der.encode_oid(ID_SIGNED_DATA)),  # openssl/pkcs7/malformed.pkcs7
        der.sequence(der.encode_oid(ID_SIGNED_DATA), der.explicit(0, der.sequence())),
        der.sequence(der.encode_oid(ID_DATA), der.explicit(0, der.encode_octets(b"x"))),
        load_vector("openssl/cms-data/bad-cms.der"),
        load_vector("openssl/pkcs7/malformed.pkcs7"),
    ],
    ids=["empty", "no-content", "empty-signed-data", "not-signed-data", "bad-cms", "malformed"],
)
def test_malformed_content_info(data: bytes) -> None:
    with no_hang(HANG_SECONDS), pytest.raises(DecodeError):
        verify_signed_data(data)
    with no_hang(HANG_SECONDS), pytest.raises(DecodeError):
        SignedData.from_bytes(data)


# -- C1, C2, C3 --------------------------------------------------------------------------------


def test_c3_zero_signers_with_certificates_is_never_ok(craft: Craft) -> None:
    for message in (
        certs_only([craft.ident.certificate]),
        craft.signed_data([]),  # content, digest algorithms and certificates, no signer
    ):
        result = verify_signed_data(message)
        assert result.no_signers and not result.ok
        assert result.certificates == (craft.ident.certificate,)
        with pytest.raises(SignatureError, match="no signers"):
            result.raise_for_status()


def test_c2_valid_and_invalid_signer_is_not_ok(craft: Craft, other: Craft) -> None:
    good = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    bad = other.signer_info(CONTENT + b"tampered", other.good_attrs(CONTENT + b"tampered"))
    stranger = other.signer_info(CONTENT, None)
    for second, reason, extra in (
        (bad, Reason.DIGEST_MISMATCH, [other.ident.certificate]),
        (stranger, Reason.SIGNER_CERTIFICATE_NOT_FOUND, []),
    ):
        result = verify_signed_data(craft.signed_data([good, second]), certificates=extra)
        statuses = sorted((s.status.value, s.reason) for s in result.signers)
        assert [r for _, r in statuses] in ([None, reason], [reason, None])
        assert not result.ok
        with pytest.raises(SignatureError):
            result.raise_for_status()


def test_c1_detached_content_with_econtent_is_refused(craft: Craft) -> None:
    message = craft.signed_data([craft.signer_info(CONTENT, craft.good_attrs(CONTENT))])
    for content in (CONTENT, b"what the user sees"):
        with pytest.raises(SignatureError, match="ambiguous"):
            verify_signed_data(message, content=content)


# -- limits (THREATS 4.4) ----------------------------------------------------------------------


def _nested_countersignatures(si: bytes, depth: int) -> bytes:
    """A SignerInfo countersigned ``depth`` times in series, indefinite lengths (so that
    building it is linear): SignerInfo [1] { Attribute { OID, SET { SignerInfo ... }}}."""
    body = b"".join(c.raw for c in tlv.parse_one(si).children())
    opening = (
        b"\x30\x80"
        + body
        + b"\xa1\x80\x30\x80"
        + der.encode_oid(OID_COUNTERSIGNATURE)
        + b"\x31\x80"
    )
    closing = b"\x00\x00" * 4
    return opening * depth + si + closing * depth


def _assert_limit(message: bytes, limit: str) -> None:
    """Refused with LimitExceeded naming ``limit``, from bytes and from a stream."""
    with no_hang(HANG_SECONDS):
        for source in (message, io.BytesIO(message)):
            with pytest.raises(LimitExceeded) as info:
                verify_signed_data(source)
            assert info.value.limit == limit, str(info.value)


def test_deeply_nested_countersignatures(craft: Craft) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    _assert_limit(craft.signed_data([_nested_countersignatures(si, 100_000)]), "max_depth")


def test_countersignature_depth_limit(craft: Craft) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    with pytest.raises(LimitExceeded) as info:
        verify_signed_data(craft.signed_data([_nested_countersignatures(si, 5)]))
    assert info.value.limit == "max_countersignature_depth"
    # within the limit it parses (the countersignatures are not valid, but they are read)
    result = verify_signed_data(craft.signed_data([_nested_countersignatures(si, 4)]))
    depth, node = 0, result.signers[0]
    while node.countersignatures:
        depth, node = depth + 1, node.countersignatures[0]
    assert depth == 4


def test_many_countersignatures_on_one_signer(craft: Craft) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    flood = [_attr(OID_COUNTERSIGNATURE, si)] * 17
    message = craft.signed_data(
        [craft.signer_info(CONTENT, craft.good_attrs(CONTENT), unsigned=flood)]
    )
    with pytest.raises(LimitExceeded) as info:
        verify_signed_data(message)
    assert info.value.limit == "max_countersignatures"


@pytest.mark.parametrize("count", [17, 10_000])
def test_too_many_signers(craft: Craft, count: int) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    _assert_limit(craft.signed_data([si] * count), "max_signers")


@pytest.mark.parametrize("count", [65, 100_000])
def test_too_many_certificates(craft: Craft, count: int) -> None:
    si = craft.signer_info(CONTENT, craft.good_attrs(CONTENT))
    # 65 real certificates exceed max_certificates; 100k empty SEQUENCEs max_elements
    entry = craft.ident.certificate.der if count < 1000 else der.sequence()
    certs = der.encode_tlv(tlv.Tag.context(0, constructed=True), entry * count)
    limit = "max_certificates" if count < 1000 else "max_elements"
    _assert_limit(craft.signed_data([si], certificates=certs), limit)


def test_deeply_nested_constructed_econtent(craft: Craft) -> None:
    """eContent as a constructed OCTET STRING nested 1,000,000 deep (CVE-2018-0739 class)."""
    depth = 1_000_000
    nest = b"\x24\x80" * depth + b"\x04\x01x" + b"\x00\x00" * depth
    encap = b"\x30\x80" + der.encode_oid(ID_DATA) + b"\xa0\x80" + nest + b"\x00\x00\x00\x00"
    si = craft.signer_info(b"x", craft.good_attrs(b"x"))
    _assert_limit(craft.signed_data([si], encap=encap), "max_depth")


# -- mutations ---------------------------------------------------------------------------------

SEEDS = {
    "rfc4134-4.4": load_vector("rfc4134/4.4.bin"),
    "rsapss": load_vector("examples-cms/binary-files/signedByAliceRSAPSS.p7m"),
    "bc-countersig": load_vector("bc/cms/counterSig.p7m"),
    "libksba-ber": load_vector("libksba/rsa-sample1.p7s"),
    "heimdal-noattr": load_vector("heimdal/test-signed-data-noattr"),
    "asn1crypto-pkcs7": load_vector("asn1crypto/pkcs7-signed-digested.der"),
}


@pytest.fixture(scope="module")
def smimelib_seeds(cms_pki: CmsPKI) -> dict[str, bytes]:
    """Messages smimelib wrote: two signers with every attribute, one countersigned, and
    a streamed (BER, indefinite) one."""
    signers = [Signer.from_identity(cms_pki[k].identity) for k in ("p-256", "ed25519")]
    attached = sign(CONTENT, signers)
    counter = add_countersignature(attached, Signer.from_identity(cms_pki["p-384"].identity))
    streamed = sign(io.BytesIO(CONTENT * 50), signers[:1])
    return {"two-signers": attached, "countersigned": counter, "streamed": streamed}


@st.composite
def _mutation(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "duplicate"]))
    n = len(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, n - 1))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            out[draw(st.integers(0, n - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "insert":
        i = draw(st.integers(0, n))
        return data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        return data[:i] + data[draw(st.integers(i + 1, min(n, i + 16))) :]
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(i + 1, min(n, i + 64)))
    return data[:j] + data[i:j] * draw(st.integers(1, 50)) + data[j:]


def _outcome(run: Callable[[], VerificationResult]) -> object:
    try:
        result = run()
    except SmimeError as exc:
        assert not isinstance(exc, SignatureError), repr(exc)  # no content was given
        return "error"
    for signer in result.signers:
        for r in signer.walk():
            assert isinstance(r.status, SignatureStatus)
            assert (r.reason is None) is (r.status is SignatureStatus.VALID)
            r.describe()
            repr(r.findings)
    return [(r.status, r.reason) for s in result.signers for r in s.walk()]


def _exercise(message: bytes) -> None:
    with no_hang(HANG_SECONDS):
        from_bytes = _outcome(lambda: verify_signed_data(message, policy=LEGACY_POLICY))
        streamed = _outcome(lambda: verify_signed_data(io.BytesIO(message), policy=LEGACY_POLICY))
        try:
            sd = SignedData.from_bytes(message)
        except SmimeError:
            parsed = False
        else:
            parsed = True
            repr(sd)
            for si in sd.signer_infos:
                str(si.sid)
                if si.signed_attrs is not None:
                    si.signed_attrs.signed_bytes()
            sd.to_der()
    assert streamed == from_bytes
    assert parsed is (from_bytes != "error")


@pytest.mark.parametrize("name", sorted(SEEDS))
@given(data=st.data())
def test_mutated_vectors(name: str, data: st.DataObject) -> None:
    _exercise(data.draw(_mutation(SEEDS[name])))


@pytest.mark.parametrize("name", ["two-signers", "countersigned", "streamed"])
@given(data=st.data())
def test_mutated_smimelib_messages(
    name: str, data: st.DataObject, smimelib_seeds: dict[str, bytes]
) -> None:
    _exercise(data.draw(_mutation(smimelib_seeds[name])))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_unmutated_seeds(name: str) -> None:
    """The seeds parse, so that mutations start from real structure."""
    SignedData.from_bytes(SEEDS[name])


def _with_version(message: bytes, path: tuple[int, ...], value: int) -> bytes:
    """``message`` with the INTEGER at ``path`` (child indexes from the ContentInfo) replaced."""
    elem = tlv.parse_one(message)
    for index in path:
        elem = elem.children()[index]
    assert elem.tag == tlv.Tag.INTEGER
    new = der.encode_int(value)
    assert len(new) == len(elem.raw), "test helper keeps lengths unchanged"
    return message[: elem.offset] + new + message[elem.offset + len(elem.raw) :]


@pytest.mark.parametrize("value", [-1, 6, 99])
def test_versions_outside_cmsversion_are_refused(craft: Craft, value: int) -> None:
    """CMSVersion is v0..v5 (RFC 5652 10.2.5); anything else is no CMS (THREATS 4.1)."""
    message = sign(b"content", [Signer.from_identity(craft.ident)])
    assert verify_signed_data(message).ok
    # ContentInfo -> [0] -> SignedData -> version
    with pytest.raises(DecodeError, match="SignedData version"):
        verify_signed_data(_with_version(message, (1, 0, 0), value))
    # ContentInfo -> [0] -> SignedData -> signerInfos (last) -> first SignerInfo -> version
    signed_data = tlv.parse_one(message).children()[1].children()[0]
    last = len(signed_data.children()) - 1
    with pytest.raises(DecodeError, match="SignerInfo version"):
        verify_signed_data(_with_version(message, (1, 0, last, 0, 0), value))
