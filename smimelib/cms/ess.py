"""Enhanced Security Services values (RFC 2634, RFC 5035) as typed frozen values.

This module holds the attribute *values* of ESS: their ASN.1, decoders from an
already parsed :class:`~smimelib.asn1.tlv.Element` and DER encoders. The
attribute-level constructors and decoders (``signing_certificate_v2_attr``,
``decode_content_hints`` ...) are in :mod:`smimelib.cms.attributes`, which
re-exports the types defined here.

Every decoder checks the universal type of each component and raises
:class:`~smimelib.errors.DecodeError` with the byte offset; bounds of RFC 2634
(``ub-receiptsTo`` 16, ``ub-ml-expansion-history`` 64, ``ub-security-categories``
64, ``ub-privacy-mark-length`` 128, ``ub-integer-options`` 256) are enforced.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.crypto import digests
from smimelib.errors import DecodeError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.general_names import (
    GeneralName,
    GeneralNameKind,
    encode_general_names,
    parse_general_names,
)
from smimelib.pki.names import Name

__all__ = [
    "ContentHints",
    "ContentReference",
    "ESSCertID",
    "ESSCertIDv2",
    "IssuerSerial",
    "MLData",
    "MLReceiptPolicy",
    "ReceiptRequest",
    "SecurityCategory",
    "SecurityLabel",
    "SigningCertificate",
    "SigningCertificateV2",
    "encode_content_hints",
    "encode_receipt_request",
    "encode_security_label",
    "encode_signing_certificate",
    "encode_signing_certificate_v2",
    "parse_content_hints",
    "parse_content_reference",
    "parse_equivalent_labels",
    "parse_ml_expansion_history",
    "parse_receipt_request",
    "parse_security_label",
    "parse_signing_certificate",
    "parse_signing_certificate_v2",
]

#: id-sha256, the DEFAULT hashAlgorithm of ESSCertIDv2 (RFC 5035 section 4)
_SHA256 = "2.16.840.1.101.3.4.2.1"
UB_RECEIPTS_TO = 16
UB_ML_EXPANSION_HISTORY = 64
UB_SECURITY_CATEGORIES = 64
UB_PRIVACY_MARK_LENGTH = 128
UB_INTEGER_OPTIONS = 256


def _parts(
    elem: tlv.Element, what: str, tag: tlv.Tag | None = tlv.Tag.SEQUENCE
) -> tuple[tlv.Element, ...]:
    if tag is not None and elem.tag != tag:
        raise DecodeError(f"{what}: expected {tag}, found {elem.tag}", offset=elem.offset)
    if not elem.tag.constructed:
        raise DecodeError(f"{what} must be constructed", offset=elem.offset)
    return elem.children()


def _policies(elem: tlv.Element) -> tuple[bytes, ...]:
    return tuple(p.raw for p in _parts(elem, "policies (SEQUENCE OF PolicyInformation)"))


# -- SigningCertificate (RFC 2634 section 5.4) and V2 (RFC 5035 section 4) -----------------


@dataclass(frozen=True, slots=True)
class IssuerSerial:
    """``IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }``
    (RFC 5035 section 4, RFC 2634 section 5.4.1)."""

    issuer: tuple[GeneralName, ...]
    serial_number: int

    @classmethod
    def from_certificate(cls, cert: Certificate) -> IssuerSerial:
        """The IssuerSerial of ``cert``: its issuer as one directoryName and its serial."""
        return cls((GeneralName.directory(cert.issuer),), cert.serial_number)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> IssuerSerial:
        """Decode an IssuerSerial SEQUENCE (RFC 5035 section 4)."""
        parts = _parts(elem, "IssuerSerial")
        if len(parts) != 2:
            raise DecodeError(
                f"IssuerSerial has {len(parts)} components (expected 2)", offset=elem.offset
            )
        return cls(parse_general_names(parts[0]), parts[1].as_int())

    def to_der(self) -> bytes:
        """DER IssuerSerial (RFC 5035 section 4)."""
        return der.sequence(encode_general_names(self.issuer), der.encode_int(self.serial_number))

    def matches(self, cert: Certificate) -> bool:
        """Serial equal and one directoryName of ``issuer`` matching the certificate's issuer
        (RFC 5280 section 7.1)."""
        if cert.serial_number != self.serial_number:
            return False
        return any(
            g.kind is GeneralNameKind.DIRECTORY_NAME
            and isinstance(g.value, Name)
            and g.value.matches(cert.issuer)
            for g in self.issuer
        )


@dataclass(frozen=True, slots=True)
class ESSCertID:
    """``ESSCertID ::= SEQUENCE { certHash Hash, issuerSerial IssuerSerial OPTIONAL }``
    (RFC 2634 section 5.4.1); ``certHash`` is the SHA-1 hash of the whole certificate."""

    cert_hash: bytes
    issuer_serial: IssuerSerial | None = None

    @classmethod
    def from_element(cls, elem: tlv.Element) -> ESSCertID:
        """Decode an ESSCertID SEQUENCE (RFC 2634 section 5.4.1)."""
        parts = _parts(elem, "ESSCertID")
        if not 1 <= len(parts) <= 2:
            raise DecodeError(f"ESSCertID has {len(parts)} components", offset=elem.offset)
        serial = IssuerSerial.from_element(parts[1]) if len(parts) == 2 else None
        return cls(parts[0].as_octets(), serial)

    @classmethod
    def from_certificate(cls, cert: Certificate) -> ESSCertID:
        """SHA-1 over the certificate's DER, with its IssuerSerial (RFC 2634 section 5.4.1)."""
        return cls(digests.digest("sha1", cert.der), IssuerSerial.from_certificate(cert))

    def to_der(self) -> bytes:
        """DER ESSCertID (RFC 2634 section 5.4.1)."""
        serial = self.issuer_serial.to_der() if self.issuer_serial is not None else b""
        return der.sequence(der.encode_octets(self.cert_hash), serial)

    def matches(self, cert: Certificate) -> bool:
        """SHA-1 over the certificate's DER equals ``cert_hash`` and ``issuer_serial``, if
        present, names it (RFC 2634 section 5.4.1)."""
        if digests.digest("sha1", cert.der) != self.cert_hash:
            return False
        return self.issuer_serial is None or self.issuer_serial.matches(cert)


@dataclass(frozen=True, slots=True)
class ESSCertIDv2:
    """``ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {id-sha256},
    certHash Hash, issuerSerial IssuerSerial OPTIONAL }`` (RFC 5035 section 4).

    :ivar hash_algorithm_explicit: the DEFAULT SHA-256 was written out, which DER forbids
        (X.690 11.5); accepted when reading and reported through this flag.
    """

    hash_algorithm: AlgorithmIdentifier
    cert_hash: bytes
    issuer_serial: IssuerSerial | None = None
    hash_algorithm_explicit: bool = field(default=False, compare=False)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> ESSCertIDv2:
        """Decode an ESSCertIDv2 SEQUENCE (RFC 5035 section 4); an explicit SHA-256
        hashAlgorithm is accepted and flagged."""
        parts = list(_parts(elem, "ESSCertIDv2"))
        alg = AlgorithmIdentifier(_SHA256)
        explicit = False
        if parts and parts[0].tag == tlv.Tag.SEQUENCE:
            alg = AlgorithmIdentifier.from_element(parts.pop(0))
            explicit = alg.oid == _SHA256
        if not 1 <= len(parts) <= 2:
            raise DecodeError(
                "ESSCertIDv2 needs certHash and an optional issuerSerial", offset=elem.offset
            )
        serial = IssuerSerial.from_element(parts[1]) if len(parts) == 2 else None
        return cls(alg, parts[0].as_octets(), serial, explicit)

    @classmethod
    def from_certificate(cls, cert: Certificate, hash: str = "sha256") -> ESSCertIDv2:
        """The ESSCertIDv2 smimelib writes: ``hash`` over the certificate's DER, with the
        issuerSerial (RFC 5035 section 4)."""
        alg = digests.digest_algorithm(hash)
        return cls(alg, digests.digest(alg, cert.der), IssuerSerial.from_certificate(cert))

    def to_der(self) -> bytes:
        """DER; the hashAlgorithm is omitted when it is the DEFAULT SHA-256 (X.690 11.5)."""
        alg = self.hash_algorithm
        head = b"" if alg.oid == _SHA256 and alg.parameters is None else alg.to_der()
        serial = self.issuer_serial.to_der() if self.issuer_serial is not None else b""
        return der.sequence(head, der.encode_octets(self.cert_hash), serial)

    def matches(self, cert: Certificate) -> bool:
        """The hash over the certificate's DER equals ``cert_hash`` and ``issuer_serial``, if
        present, names it (RFC 5035 section 4). An unsupported hash never matches."""
        try:
            computed = digests.digest(self.hash_algorithm, cert.der)
        except SmimeError:
            return False
        if computed != self.cert_hash:
            return False
        return self.issuer_serial is None or self.issuer_serial.matches(cert)


@dataclass(frozen=True, slots=True)
class SigningCertificate:
    """``SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies SEQUENCE OF
    PolicyInformation OPTIONAL }`` (RFC 2634 section 5.4); policies kept as received."""

    certs: tuple[ESSCertID, ...]
    policies: tuple[bytes, ...] | None = None


@dataclass(frozen=True, slots=True)
class SigningCertificateV2:
    """``SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE
    OF PolicyInformation OPTIONAL }`` (RFC 5035 section 3); policies kept as received. The
    first ESSCertIDv2 names the signing certificate."""

    certs: tuple[ESSCertIDv2, ...]
    policies: tuple[bytes, ...] | None = None


def _signing_certificate_parts(
    elem: tlv.Element, what: str
) -> tuple[tuple[tlv.Element, ...], tuple[bytes, ...] | None]:
    parts = _parts(elem, what)
    if not 1 <= len(parts) <= 2:
        raise DecodeError(f"{what} has {len(parts)} components", offset=elem.offset)
    certs = _parts(parts[0], f"{what} certs")
    if not certs:
        raise DecodeError(f"{what} has no certificate identifiers", offset=parts[0].offset)
    policies = _policies(parts[1]) if len(parts) == 2 else None
    return certs, policies


def parse_signing_certificate(elem: tlv.Element) -> SigningCertificate:
    """Decode a SigningCertificate value (RFC 2634 section 5.4)."""
    certs, policies = _signing_certificate_parts(elem, "SigningCertificate")
    return SigningCertificate(tuple(ESSCertID.from_element(c) for c in certs), policies)


def parse_signing_certificate_v2(elem: tlv.Element) -> SigningCertificateV2:
    """Decode a SigningCertificateV2 value (RFC 5035 section 3)."""
    certs, policies = _signing_certificate_parts(elem, "SigningCertificateV2")
    return SigningCertificateV2(tuple(ESSCertIDv2.from_element(c) for c in certs), policies)


def encode_signing_certificate(certs: Iterable[Certificate]) -> bytes:
    """DER SigningCertificate (SHA-1 ESSCertIDs with issuerSerial; RFC 2634 section 5.4)."""
    ids = [ESSCertID.from_certificate(c).to_der() for c in certs]
    if not ids:
        raise UsageError("SigningCertificate needs at least one certificate")
    return der.sequence(der.sequence(*ids))


def encode_signing_certificate_v2(certs: Iterable[Certificate], hash: str = "sha256") -> bytes:
    """DER SigningCertificateV2 (RFC 5035 section 3); the signer's certificate comes first."""
    ids = [ESSCertIDv2.from_certificate(c, hash).to_der() for c in certs]
    if not ids:
        raise UsageError("SigningCertificateV2 needs at least one certificate")
    return der.sequence(der.sequence(*ids))


# -- ContentHints (RFC 2634 section 2.9) and ContentReference (section 2.11) ---------------


@dataclass(frozen=True, slots=True)
class ContentHints:
    """``ContentHints ::= SEQUENCE { contentDescription UTF8String (SIZE (1..MAX)) OPTIONAL,
    contentType ContentType }`` (RFC 2634 section 2.9)."""

    content_type: str
    description: str | None = None


def parse_content_hints(elem: tlv.Element) -> ContentHints:
    """Decode a ContentHints value (RFC 2634 section 2.9)."""
    parts = _parts(elem, "ContentHints")
    if len(parts) == 1:
        return ContentHints(parts[0].as_oid())
    if len(parts) != 2:
        raise DecodeError(f"ContentHints has {len(parts)} components", offset=elem.offset)
    if parts[0].tag != tlv.Tag.UTF8_STRING:
        raise DecodeError(
            f"ContentHints contentDescription: expected UTF8String, found {parts[0].tag}",
            offset=parts[0].offset,
        )
    description = parts[0].as_string()
    if not description:
        raise DecodeError("empty contentDescription (SIZE (1..MAX))", offset=parts[0].offset)
    return ContentHints(parts[1].as_oid(), description)


def encode_content_hints(hints: ContentHints) -> bytes:
    """DER ContentHints (RFC 2634 section 2.9); an empty description is omitted."""
    desc = der.encode_utf8(hints.description) if hints.description else b""
    return der.sequence(desc, der.encode_oid(hints.content_type))


@dataclass(frozen=True, slots=True)
class ContentReference:
    """``ContentReference ::= SEQUENCE { contentType ContentType, signedContentIdentifier
    ContentIdentifier, originatorSignatureValue OCTET STRING }`` (RFC 2634 section 2.11)."""

    content_type: str
    signed_content_identifier: bytes
    originator_signature_value: bytes


def parse_content_reference(elem: tlv.Element) -> ContentReference:
    """Decode a ContentReference value (RFC 2634 section 2.11)."""
    parts = _parts(elem, "ContentReference")
    if len(parts) != 3:
        raise DecodeError(f"ContentReference has {len(parts)} components", offset=elem.offset)
    return ContentReference(parts[0].as_oid(), parts[1].as_octets(), parts[2].as_octets())


# -- ReceiptRequest (RFC 2634 section 2.7) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptRequest:
    """``ReceiptRequest ::= SEQUENCE { signedContentIdentifier ContentIdentifier, receiptsFrom
    ReceiptsFrom, receiptsTo SEQUENCE SIZE (1..ub-receiptsTo) OF GeneralNames }``
    (RFC 2634 section 2.7).

    ``receiptsFrom`` is a CHOICE: ``all_or_first_tier`` (``[0]`` INTEGER, 0 = allReceipts,
    1 = firstTierRecipients) or ``receipt_list`` (``[1]`` SEQUENCE OF GeneralNames);
    exactly one is set.
    """

    signed_content_identifier: bytes
    receipts_to: tuple[tuple[GeneralName, ...], ...]
    all_or_first_tier: int | None = None
    receipt_list: tuple[tuple[GeneralName, ...], ...] | None = None


def parse_receipt_request(elem: tlv.Element) -> ReceiptRequest:
    """Decode a ReceiptRequest value (RFC 2634 section 2.7)."""
    parts = _parts(elem, "ReceiptRequest")
    if len(parts) != 3:
        raise DecodeError(f"ReceiptRequest has {len(parts)} components", offset=elem.offset)
    ident, source, targets = parts
    tier: int | None = None
    rlist: tuple[tuple[GeneralName, ...], ...] | None = None
    if source.tag == tlv.Tag.context(0, constructed=False):
        tier = source.as_int(implicit=True)
        if tier not in (0, 1):
            raise DecodeError(f"AllOrFirstTier value {tier} is not 0 or 1", offset=source.offset)
    elif source.tag == tlv.Tag.context(1, constructed=True):
        rlist = tuple(parse_general_names(n) for n in source.children())
    else:
        raise DecodeError(f"ReceiptsFrom: unexpected {source.tag}", offset=source.offset)
    to = tuple(parse_general_names(n) for n in _parts(targets, "receiptsTo"))
    if not 1 <= len(to) <= UB_RECEIPTS_TO:
        raise DecodeError(
            f"receiptsTo holds {len(to)} entries (1..{UB_RECEIPTS_TO})", offset=targets.offset
        )
    return ReceiptRequest(ident.as_octets(), to, tier, rlist)


def encode_receipt_request(req: ReceiptRequest) -> bytes:
    """DER ReceiptRequest (RFC 2634 section 2.7).

    :raises UsageError: not exactly one receiptsFrom alternative, or 0 or more than 16
        receiptsTo entries.
    """
    if (req.all_or_first_tier is None) == (req.receipt_list is None):
        raise UsageError("ReceiptRequest needs exactly one of all_or_first_tier and receipt_list")
    if not 1 <= len(req.receipts_to) <= UB_RECEIPTS_TO:
        raise UsageError(f"receiptsTo needs 1..{UB_RECEIPTS_TO} entries")
    if req.all_or_first_tier is not None:
        source = der.implicit(0, der.encode_int(req.all_or_first_tier))
    else:
        assert req.receipt_list is not None
        body = b"".join(encode_general_names(n) for n in req.receipt_list)
        source = der.encode_tlv(tlv.Tag.context(1), body)
    to = der.sequence(*(encode_general_names(n) for n in req.receipts_to))
    return der.sequence(der.encode_octets(req.signed_content_identifier), source, to)


# -- ESSSecurityLabel (RFC 2634 section 3.2) and EquivalentLabels (section 3.4) ------------


@dataclass(frozen=True, slots=True)
class SecurityCategory:
    """``SecurityCategory ::= SEQUENCE { type [0] OBJECT IDENTIFIER, value [1] ANY }``;
    ``value`` is the received encoding of the inner value."""

    type: str
    value: bytes


@dataclass(frozen=True, slots=True)
class SecurityLabel:
    """``ESSSecurityLabel ::= SET { security-policy-identifier OBJECT IDENTIFIER,
    security-classification INTEGER (0..256) OPTIONAL, privacy-mark ESSPrivacyMark OPTIONAL,
    security-categories SET OF SecurityCategory OPTIONAL }`` (RFC 2634 section 3.2).

    ``privacy_mark_utf8`` says which ESSPrivacyMark alternative carries the mark
    (UTF8String, else PrintableString).
    """

    policy: str
    classification: int | None = None
    privacy_mark: str | None = None
    categories: tuple[SecurityCategory, ...] = ()
    privacy_mark_utf8: bool = False


def parse_security_label(elem: tlv.Element) -> SecurityLabel:
    """Decode an ESSSecurityLabel (RFC 2634 section 3.2); components in any order, each once."""
    parts = _parts(elem, "ESSSecurityLabel", tlv.Tag.SET)
    policy: str | None = None
    classification: int | None = None
    mark: str | None = None
    utf8 = False
    cats: tuple[SecurityCategory, ...] = ()
    seen: set[tlv.Tag] = set()
    for part in parts:
        tag = part.tag
        if tag in seen or (
            tag in (tlv.Tag.UTF8_STRING, tlv.Tag.PRINTABLE_STRING) and mark is not None
        ):
            raise DecodeError(f"ESSSecurityLabel repeats {tag}", offset=part.offset)
        seen.add(tag)
        if tag == tlv.Tag.OID:
            policy = part.as_oid()
        elif tag == tlv.Tag.INTEGER:
            classification = part.as_int()
            if not 0 <= classification <= UB_INTEGER_OPTIONS:
                raise DecodeError(
                    f"security-classification {classification} out of range", offset=part.offset
                )
        elif tag in (tlv.Tag.UTF8_STRING, tlv.Tag.PRINTABLE_STRING):
            mark = part.as_string()
            utf8 = tag == tlv.Tag.UTF8_STRING
            if not mark or (not utf8 and len(mark) > UB_PRIVACY_MARK_LENGTH):
                raise DecodeError(
                    f"privacy-mark of {len(mark)} characters (SIZE (1..128) PrintableString, "
                    "(1..MAX) UTF8String)",
                    offset=part.offset,
                )
        elif tag == tlv.Tag.SET:
            cats = tuple(_security_category(c) for c in part.children())
            if not 1 <= len(cats) <= UB_SECURITY_CATEGORIES:
                raise DecodeError(
                    f"{len(cats)} security categories (1..{UB_SECURITY_CATEGORIES})",
                    offset=part.offset,
                )
        else:
            raise DecodeError(f"ESSSecurityLabel has unexpected {tag}", offset=part.offset)
    if policy is None:
        raise DecodeError("ESSSecurityLabel has no security-policy-identifier", offset=elem.offset)
    return SecurityLabel(policy, classification, mark, cats, utf8)


def _security_category(elem: tlv.Element) -> SecurityCategory:
    parts = _parts(elem, "SecurityCategory")
    if (
        len(parts) != 2
        or parts[0].tag != tlv.Tag.context(0, constructed=False)
        or parts[1].tag != tlv.Tag.context(1, constructed=True)
    ):
        raise DecodeError(
            "SecurityCategory must be { type [0] OID, value [1] ANY }", offset=elem.offset
        )
    inner = parts[1].children()
    if len(inner) != 1:
        raise DecodeError("SecurityCategory value must be one element", offset=parts[1].offset)
    return SecurityCategory(parts[0].as_oid(implicit=True), inner[0].raw)


def encode_security_label(label: SecurityLabel) -> bytes:
    """DER ESSSecurityLabel. A SET's components go in canonical tag order (X.690 10.3,
    X.680 8.6), where the untagged ESSPrivacyMark CHOICE ranks by its smallest alternative
    tag (UTF8String, 12): classification (2), policy (6), privacy-mark, categories (17)."""
    parts = []
    if label.classification is not None:
        parts.append(der.encode_int(label.classification))
    parts.append(der.encode_oid(label.policy))
    if label.privacy_mark is not None:
        encode = der.encode_utf8 if label.privacy_mark_utf8 else der.encode_printable
        parts.append(encode(label.privacy_mark))
    if label.categories:
        cats = (
            der.sequence(der.implicit(0, der.encode_oid(c.type)), der.explicit(1, c.value))
            for c in label.categories
        )
        parts.append(der.set_of(cats))
    return der.encode_tlv(tlv.Tag.SET, b"".join(parts))


def parse_equivalent_labels(elem: tlv.Element) -> tuple[SecurityLabel, ...]:
    """``EquivalentLabels ::= SEQUENCE OF ESSSecurityLabel`` (RFC 2634 section 3.4)."""
    return tuple(parse_security_label(e) for e in _parts(elem, "EquivalentLabels"))


# -- MLExpansionHistory (RFC 2634 section 4.2) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class MLReceiptPolicy:
    """``MLReceiptPolicy ::= CHOICE { none [0] NULL, insteadOf [1] SEQUENCE OF GeneralNames,
    inAdditionTo [2] SEQUENCE OF GeneralNames }``; ``kind`` is ``"none"``, ``"insteadOf"``
    or ``"inAdditionTo"``."""

    kind: str
    names: tuple[tuple[GeneralName, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class MLData:
    """``MLData ::= SEQUENCE { mailListIdentifier EntityIdentifier, expansionTime
    GeneralizedTime, mlReceiptPolicy MLReceiptPolicy OPTIONAL }`` (RFC 2634 section 4.2).

    EntityIdentifier is untagged: issuerAndSerialNumber or a plain OCTET STRING key
    identifier; both land in :class:`CertificateIdentifier`.
    """

    mail_list_identifier: CertificateIdentifier
    expansion_time: datetime.datetime
    receipt_policy: MLReceiptPolicy | None = None


_POLICY_KINDS = {0: "none", 1: "insteadOf", 2: "inAdditionTo"}


def _entity_identifier(elem: tlv.Element) -> CertificateIdentifier:
    if elem.tag == tlv.Tag.SEQUENCE:
        return CertificateIdentifier(IssuerAndSerialNumber.from_element(elem), None, elem.raw)
    if elem.tag.cls == tlv.TagClass.UNIVERSAL and elem.tag.number == 4:
        return CertificateIdentifier(None, elem.as_octets(), elem.raw)
    raise DecodeError(f"EntityIdentifier: unexpected {elem.tag}", offset=elem.offset)


def parse_ml_expansion_history(elem: tlv.Element) -> tuple[MLData, ...]:
    """``MLExpansionHistory ::= SEQUENCE SIZE (1..ub-ml-expansion-history) OF MLData``."""
    entries = _parts(elem, "MLExpansionHistory")
    if not 1 <= len(entries) <= UB_ML_EXPANSION_HISTORY:
        raise DecodeError(
            f"MLExpansionHistory holds {len(entries)} entries (1..64)", offset=elem.offset
        )
    out: list[MLData] = []
    for entry in entries:
        parts = _parts(entry, "MLData")
        if not 2 <= len(parts) <= 3:
            raise DecodeError(f"MLData has {len(parts)} components", offset=entry.offset)
        if parts[1].tag != tlv.Tag.GENERALIZED_TIME:
            raise DecodeError(
                f"expansionTime: expected GeneralizedTime, found {parts[1].tag}",
                offset=parts[1].offset,
            )
        policy = _ml_receipt_policy(parts[2]) if len(parts) == 3 else None
        out.append(MLData(_entity_identifier(parts[0]), parts[1].as_time(), policy))
    return tuple(out)


def _ml_receipt_policy(elem: tlv.Element) -> MLReceiptPolicy:
    tag = elem.tag
    kind = _POLICY_KINDS.get(tag.number) if tag.cls == tlv.TagClass.CONTEXT else None
    if kind is None:
        raise DecodeError(f"MLReceiptPolicy: unexpected {tag}", offset=elem.offset)
    if kind == "none":
        elem.as_null(implicit=True)
        return MLReceiptPolicy(kind)
    names = tuple(parse_general_names(n) for n in _parts(elem, f"MLReceiptPolicy {kind}", None))
    if not names:
        raise DecodeError(f"MLReceiptPolicy {kind} is empty (SIZE (1..MAX))", offset=elem.offset)
    return MLReceiptPolicy(kind, names)
