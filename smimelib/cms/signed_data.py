"""SignedData and SignerInfo as immutable values (RFC 5652 sections 5.1-5.3, 11.4).

::

    SignerInfo ::= SEQUENCE {
        version CMSVersion,
        sid SignerIdentifier,
        digestAlgorithm DigestAlgorithmIdentifier,
        signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
        signatureAlgorithm SignatureAlgorithmIdentifier,
        signature SignatureValue,
        unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }

Parsing is tolerant of what other implementations write (BER indefinite lengths,
constructed eContent, unsorted SETs, PKCS #7 v1.5 content that is not an OCTET
STRING) and reports it in :attr:`SignedData.findings`; malformed structures raise
:class:`~smimelib.errors.DecodeError` with the byte offset. Every part keeps its
received octets (signatures are checked over them, never over a re-encoding).

Limits (THREATS 4.4, all raise :class:`~smimelib.errors.LimitExceeded`): at most 16
SignerInfos, 64 certificates, 16 countersignatures per SignerInfo and countersignatures
nested 4 deep, configurable through :class:`SignedDataLimits`.

Verification lives in :mod:`smimelib.cms.verify`; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms import _sd_parse
from smimelib.cms.attributes import OID_COUNTERSIGNATURE, Attributes
from smimelib.cms.certsets import parse_certificate_set, parse_revocation_info
from smimelib.cms.content_info import ID_DATA, ID_SIGNED_DATA, encode_content_info, load_cms
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki.certificate import Certificate

__all__ = [
    "DEFAULT_SIGNED_DATA_LIMITS",
    "SignedData",
    "SignedDataLimits",
    "SignerInfo",
    "parse_signer_infos",
]

_CTX0 = tlv.Tag.context(0, constructed=True)
_CTX1 = tlv.Tag.context(1, constructed=True)


def cms_version(elem: tlv.Element, what: str) -> int:
    """A CMSVersion value, range-checked (RFC 5652 section 10.2.5: v0 .. v5).

    A value inside the range that the structure's rules do not give is reported
    by the caller as a finding; one outside it is no CMS at all (THREATS 4.1).
    """
    try:
        version = elem.as_int(max_octets=2)
    except DecodeError as exc:
        raise DecodeError(f"{what} version: {exc.message}", offset=exc.offset) from None
    if not 0 <= version <= 5:
        raise DecodeError(
            f"{what} version {version} is not a CMSVersion (0 to 5, RFC 5652 section 10.2.5)",
            offset=elem.offset,
        )
    return version


@dataclass(frozen=True, slots=True)
class SignedDataLimits:
    """Bounds on the work one SignedData may cause (THREATS 4.4)."""

    #: most SignerInfos in one SignedData
    max_signers: int = 16
    #: most CertificateChoices in the certificates field
    max_certificates: int = 64
    #: most countersignatures directly on one SignerInfo
    max_countersignatures: int = 16
    #: deepest nesting of countersignatures (a countersignature on a signer is depth 1)
    max_countersignature_depth: int = 4


DEFAULT_SIGNED_DATA_LIMITS = SignedDataLimits()


def _finding(code: str, message: str) -> str:
    return f"{code}: {message}"


@dataclass(frozen=True, slots=True, eq=False)
class SignerInfo:
    """One SignerInfo as received (RFC 5652 section 5.3).

    :ivar version: 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
    :ivar sid: the SignerIdentifier.
    :ivar digest_algorithm: digestAlgorithm.
    :ivar signed_attrs: the signed attributes with their received octets, or ``None``.
    :ivar signature_algorithm: signatureAlgorithm.
    :ivar signature: the signature value (contents octets of the OCTET STRING).
    :ivar unsigned_attrs: the unsigned attributes, or ``None``.
    :ivar raw: the received octets of the whole SignerInfo.
    :ivar offset: its absolute offset in the message.
    :ivar countersignatures: the SignerInfos of its countersignature attributes (RFC 5652
        11.4), in received order.
    :ivar findings: structural remarks (``"code: message"``), e.g. a version that does not
        fit the SignerIdentifier.
    """

    version: int
    sid: CertificateIdentifier
    digest_algorithm: AlgorithmIdentifier
    signed_attrs: Attributes | None
    signature_algorithm: AlgorithmIdentifier
    signature: bytes
    unsigned_attrs: Attributes | None
    raw: bytes = field(repr=False)
    offset: int
    countersignatures: tuple[SignerInfo, ...] = ()
    findings: tuple[str, ...] = ()

    @classmethod
    def from_element(
        cls,
        elem: tlv.Element,
        *,
        limits: SignedDataLimits = DEFAULT_SIGNED_DATA_LIMITS,
        depth: int = 0,
    ) -> SignerInfo:
        """Parse a SignerInfo SEQUENCE (RFC 5652 5.3) and its countersignatures (11.4).

        :param depth: countersignature nesting of this SignerInfo (0 for a signer).
        :raises DecodeError: malformed, with the byte offset.
        :raises LimitExceeded: too many or too deeply nested countersignatures.
        """
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError(
                f"SignerInfo: expected SEQUENCE, found {elem.tag}", offset=elem.offset
            )
        parts = elem.children()
        if not 5 <= len(parts) <= 7:
            raise DecodeError(
                f"SignerInfo has {len(parts)} components (expected 5 to 7)", offset=elem.offset
            )
        version = cms_version(parts[0], "SignerInfo")
        sid = CertificateIdentifier.from_element(parts[1])
        digest_algorithm = AlgorithmIdentifier.from_element(parts[2])
        index = 3
        signed_attrs: Attributes | None = None
        findings: list[str] = []
        if parts[index].tag.cls == tlv.TagClass.CONTEXT and parts[index].tag.number == 0:
            signed_attrs = _attributes(parts[index], "signedAttrs", findings)
            index += 1
        if len(parts) < index + 2:
            raise DecodeError(
                "SignerInfo lacks signatureAlgorithm or signature", offset=elem.offset
            )
        signature_algorithm = AlgorithmIdentifier.from_element(parts[index])
        sig_elem = parts[index + 1]
        if sig_elem.tag.with_constructed(False) != tlv.Tag.OCTET_STRING:
            raise DecodeError(
                f"SignerInfo signature: expected OCTET STRING, found {sig_elem.tag}",
                offset=sig_elem.offset,
            )
        signature = sig_elem.as_octets()
        index += 2
        unsigned_attrs: Attributes | None = None
        unsigned_elem: tlv.Element | None = None
        if index < len(parts):
            unsigned_elem = parts[index]
            if unsigned_elem.tag.cls != tlv.TagClass.CONTEXT or unsigned_elem.tag.number != 1:
                raise DecodeError(
                    f"SignerInfo: expected unsignedAttrs [1], found {unsigned_elem.tag}",
                    offset=unsigned_elem.offset,
                )
            unsigned_attrs = _attributes(unsigned_elem, "unsignedAttrs", findings)
            index += 1
        if index != len(parts):
            extra = parts[index]
            raise DecodeError(f"SignerInfo: unexpected {extra.tag}", offset=extra.offset)
        counters = _countersignatures(unsigned_elem, limits, depth) if unsigned_elem else ()
        expected = 3 if sid.is_subject_key_identifier else 1
        if version != expected:
            findings.append(
                _finding(
                    "signer-info-version",
                    f"SignerInfo version is {version}; with this SignerIdentifier it MUST be "
                    f"{expected} (RFC 5652 5.3)",
                )
            )
        return cls(
            version,
            sid,
            digest_algorithm,
            signed_attrs,
            signature_algorithm,
            signature,
            unsigned_attrs,
            elem.raw,
            elem.offset,
            counters,
            tuple(findings),
        )

    @classmethod
    def from_der(
        cls,
        data: bytes,
        *,
        limits: Limits = DEFAULT_LIMITS,
        signed_data_limits: SignedDataLimits = DEFAULT_SIGNED_DATA_LIMITS,
        base_offset: int = 0,
    ) -> SignerInfo:
        """Parse one encoded SignerInfo; trailing data is an error."""
        elem = tlv.parse_one(bytes(data), limits=limits, base_offset=base_offset, what="SignerInfo")
        return cls.from_element(elem, limits=signed_data_limits)

    def to_der(self) -> bytes:
        """The received octets (a re-encoding could break the signature over signedAttrs)."""
        return self.raw

    @property
    def has_signed_attributes(self) -> bool:
        return self.signed_attrs is not None


def _attributes(elem: tlv.Element, what: str, findings: list[str]) -> Attributes:
    if not elem.tag.constructed:
        raise DecodeError(f"SignerInfo {what} must be constructed (SET OF)", offset=elem.offset)
    try:
        attrs = Attributes.from_element(elem, allow_empty=True)
    except LimitExceeded:
        raise
    except DecodeError as exc:
        raise DecodeError(f"SignerInfo {what}: {exc.message}", offset=exc.offset) from None
    if not len(attrs):
        # Governikus Signer writes an empty unsignedAttrs; an empty signedAttrs then fails
        # verification for lack of content-type and message-digest
        findings.append(
            _finding(
                "empty-attributes",
                f"{what} at offset {elem.offset} is an empty SET (SIZE (1..MAX), RFC 5652 5.3)",
            )
        )
    return attrs


def _countersignatures(
    unsigned: tlv.Element, limits: SignedDataLimits, depth: int
) -> tuple[SignerInfo, ...]:
    """SignerInfos of the countersignature attributes (RFC 5652 11.4), bounded."""
    found: list[SignerInfo] = []
    for attr in unsigned.children():
        parts = attr.children()  # Attributes.from_element checked SEQUENCE { OID, SET }
        if parts[0].as_oid() != OID_COUNTERSIGNATURE:
            continue
        for value in parts[1].children():
            if depth + 1 > limits.max_countersignature_depth:
                raise LimitExceeded(
                    f"countersignatures nested deeper than {limits.max_countersignature_depth}",
                    limit="max_countersignature_depth",
                    offset=value.offset,
                )
            if len(found) >= limits.max_countersignatures:
                raise LimitExceeded(
                    f"more than {limits.max_countersignatures} countersignatures on one SignerInfo",
                    limit="max_countersignatures",
                    offset=value.offset,
                )
            try:
                found.append(SignerInfo.from_element(value, limits=limits, depth=depth + 1))
            except LimitExceeded:
                raise
            except DecodeError as exc:
                raise DecodeError(f"countersignature: {exc.message}", offset=exc.offset) from None
    return tuple(found)


def parse_signer_infos(
    elem: tlv.Element, *, limits: SignedDataLimits = DEFAULT_SIGNED_DATA_LIMITS
) -> tuple[SignerInfo, ...]:
    """Parse ``SignerInfos ::= SET OF SignerInfo`` (RFC 5652 5.1).

    :raises DecodeError: not a SET, or a malformed SignerInfo.
    :raises LimitExceeded: more than ``limits.max_signers`` SignerInfos.
    """
    if elem.tag != tlv.Tag.SET:
        raise DecodeError(f"signerInfos: expected SET, found {elem.tag}", offset=elem.offset)
    children = elem.children()
    if len(children) > limits.max_signers:
        raise LimitExceeded(
            f"{len(children)} SignerInfos, more than the limit of {limits.max_signers}",
            limit="max_signers",
            offset=elem.offset,
        )
    return tuple(SignerInfo.from_element(c, limits=limits) for c in children)


@dataclass(frozen=True, slots=True)
class _Encoded:
    """Received parts kept for :meth:`SignedData.to_der`."""

    digest_algorithms: tlv.Element
    certificates: tlv.Element | None
    crls: tlv.Element | None
    signer_infos: tlv.Element
    content: tlv.Element | None


@dataclass(frozen=True, slots=True, eq=False)
class SignedData:
    """A SignedData (RFC 5652 section 5.1), parsed from a ContentInfo.

    :ivar version: CMSVersion.
    :ivar digest_algorithms: the digestAlgorithms SET, in received order.
    :ivar content_type: eContentType.
    :ivar has_content: eContent is present (attached); ``False`` for a detached signature
        or a certs-only message.
    :ivar content: the eContent octets (OCTET STRING value, BER segments joined), or for
        PKCS #7 content that is not an OCTET STRING the contents octets of the inner value
        (RFC 5652 5.2.1; see :attr:`pkcs7_content`). ``None`` when absent, or when the
        message was read as a stream.
    :ivar certificates: the X.509 certificates of the message (untrusted), in received order.
    :ivar other_certificates: other CertificateChoices, raw.
    :ivar crls: the RevocationInfoChoices, raw.
    :ivar signer_infos: the SignerInfos, in received order.
    :ivar raw: the ContentInfo as received (empty when read as a stream).
    :ivar pkcs7_content: the content is PKCS #7 ``[0] EXPLICIT ANY`` and not an OCTET STRING.
    :ivar findings: remarks about the encoding (``"code: message"``).
    """

    version: int
    digest_algorithms: tuple[AlgorithmIdentifier, ...]
    content_type: str
    has_content: bool
    content: bytes | None
    certificates: tuple[Certificate, ...]
    other_certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    signer_infos: tuple[SignerInfo, ...]
    raw: bytes = field(repr=False)
    pkcs7_content: bool = False
    findings: tuple[str, ...] = ()
    _encoded: _Encoded | None = field(default=None, repr=False)

    @classmethod
    def from_bytes(
        cls,
        data: bytes | bytearray | memoryview | str,
        *,
        limits: Limits = DEFAULT_LIMITS,
        signed_data_limits: SignedDataLimits = DEFAULT_SIGNED_DATA_LIMITS,
    ) -> SignedData:
        """Parse a SignedData ContentInfo given as DER, BER or PEM (RFC 5652 5.1, RFC 7468).

        :raises DecodeError: malformed, not a SignedData, or trailing data that is not
            whitespace.
        :raises LimitExceeded: a limit of ``limits`` or ``signed_data_limits`` is exceeded.
        """
        octets = load_cms(data)
        skeleton = _sd_parse.parse_bytes(octets, limits)
        encap = skeleton.encap
        content: bytes | None = None
        if encap.element is not None:
            content = encap.element.content if encap.pkcs7 else encap.element.as_octets()
        raw = octets[: len(octets) - len(skeleton.trailing)]
        return build_signed_data(skeleton, content, raw, signed_data_limits)

    @property
    def detached(self) -> bool:
        """No eContent: the content travels separately (RFC 5652 5.2)."""
        return not self.has_content

    def to_der(self) -> bytes:
        """Re-encode the ContentInfo with definite lengths (DER framing, X.690 10.1).

        For DER input the result is the input, byte for byte. For BER input, indefinite
        lengths become definite and constructed OCTET STRINGs primitive; SET order and
        every other octet are kept, so signatures over the parts stay valid unless the
        signed attributes themselves were BER (which RFC 5652 5.3 forbids).

        :raises UsageError: the message was read as a stream, so its content was not kept.
        """
        enc = self._encoded
        if enc is None or (self.has_content and self.content is None):
            raise UsageError("this SignedData was read as a stream; its content was not kept")
        if not self.has_content:
            encap = der.sequence(der.encode_oid(self.content_type))
        elif enc.content is not None:
            encap = der.sequence(
                der.encode_oid(self.content_type), der.explicit(0, _definite(enc.content))
            )
        else:
            assert self.content is not None
            encap = der.sequence(
                der.encode_oid(self.content_type), der.explicit(0, der.encode_octets(self.content))
            )
        parts = [der.encode_int(self.version), _definite(enc.digest_algorithms), encap]
        if enc.certificates is not None:
            parts.append(_definite(enc.certificates))
        if enc.crls is not None:
            parts.append(_definite(enc.crls))
        parts.append(_definite(enc.signer_infos))
        return encode_content_info(ID_SIGNED_DATA, der.sequence(*parts))


def _definite(elem: tlv.Element) -> bytes:
    """``elem`` with definite, minimal lengths and primitive OCTET STRINGs (X.690 10.1, 10.2)."""
    tag = elem.tag
    if not tag.constructed:
        return elem.raw
    if tag.cls == tlv.TagClass.UNIVERSAL and tag.number == 4:
        return der.encode_octets(elem.as_octets())
    inner = b"".join(_definite(child) for child in elem.children())
    return der.encode_tlv(tag, inner)


def build_signed_data(
    skeleton: _sd_parse.Skeleton,
    content: bytes | None,
    raw: bytes,
    limits: SignedDataLimits,
) -> SignedData:
    """Decode the parts of a walked SignedData into a :class:`SignedData` (RFC 5652 5.1)."""
    findings: list[str] = []
    version = cms_version(skeleton.version, "SignedData")
    algs = tuple(AlgorithmIdentifier.from_element(e) for e in skeleton.digest_algorithms.children())
    if not algs:
        findings.append(
            _finding(
                "empty-digest-algorithms",
                "the digestAlgorithms SET is empty; digests are taken from each SignerInfo "
                "(RFC 5652 5.1)",
            )
        )
    certs: tuple[Certificate, ...] = ()
    other: tuple[bytes, ...] = ()
    if skeleton.certificates is not None:
        cert_set = parse_certificate_set(
            skeleton.certificates, max_certificates=limits.max_certificates
        )
        certs, other = cert_set.certificates, cert_set.other
    crls: tuple[bytes, ...] = ()
    if skeleton.crls is not None:
        crls = parse_revocation_info(skeleton.crls)
    signer_infos = parse_signer_infos(skeleton.signer_infos, limits=limits)
    encap = skeleton.encap
    listed = {a.oid for a in algs}
    for index, si in enumerate(signer_infos):
        if algs and si.digest_algorithm.oid not in listed:
            findings.append(
                _finding(
                    "digest-algorithm-not-listed",
                    f"signer {index} uses {oids.describe(si.digest_algorithm.oid)}, which the "
                    "digestAlgorithms SET does not list (RFC 5652 5.3)",
                )
            )
    expected = _expected_version(other, crls, signer_infos, encap.content_type)
    if version != expected:
        findings.append(
            _finding(
                "signed-data-version",
                f"SignedData version is {version}; RFC 5652 5.1 gives {expected} for this content",
            )
        )
    if skeleton.indefinite:
        findings.append(
            _finding(
                "ber-encoding",
                "the SignedData uses BER indefinite lengths or a constructed eContent "
                "(accepted; X.690 8.1.3.6, 8.7)",
            )
        )
    if encap.pkcs7:
        assert encap.element is not None
        findings.append(
            _finding(
                "pkcs7-content",
                f"the content is a {encap.element.tag} (PKCS #7 content [0] EXPLICIT ANY), "
                "not an OCTET STRING; it is digested over its contents octets, without tag "
                "and length (RFC 5652 5.2.1)",
            )
        )
    if skeleton.trailing:
        findings.append(
            _finding(
                "trailing-whitespace",
                f"{len(skeleton.trailing)} octets of whitespace after the ContentInfo were ignored",
            )
        )
    encoded = _Encoded(
        skeleton.digest_algorithms,
        skeleton.certificates,
        skeleton.crls,
        skeleton.signer_infos,
        encap.element if encap.pkcs7 else None,
    )
    return SignedData(
        version,
        algs,
        encap.content_type,
        encap.present,
        content,
        certs,
        other,
        crls,
        signer_infos,
        raw,
        encap.pkcs7,
        tuple(findings),
        encoded,
    )


def _expected_version(
    other_certs: tuple[bytes, ...],
    crls: tuple[bytes, ...],
    signer_infos: tuple[SignerInfo, ...],
    content_type: str,
) -> int:
    """The version RFC 5652 section 5.1 prescribes for this content."""
    cert_tags = {c[0] for c in other_certs}
    if 0xA3 in cert_tags or any(c[:1] == b"\xa1" for c in crls):
        return 5
    if 0xA2 in cert_tags:
        return 4
    if 0xA1 in cert_tags or any(si.version == 3 for si in signer_infos) or content_type != ID_DATA:
        return 3
    return 1
