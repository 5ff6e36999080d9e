"""CMS attributes (RFC 5652 sections 5.3, 11; RFC 2985; RFC 8551 2.5; RFC 6211; ESS).

::

    Attribute ::= SEQUENCE {
        attrType    OBJECT IDENTIFIER,
        attrValues  SET OF AttributeValue }       -- SIZE (1..MAX)

    SignedAttributes ::= SET SIZE (1..MAX) OF Attribute   -- [0] IMPLICIT in SignerInfo

:class:`Attributes` keeps the received octets of the whole set and of every
value, in received order: the signature covers the received ``[0] IMPLICIT``
encoding re-tagged as a universal SET (RFC 5652 section 5.4,
:meth:`Attributes.signed_bytes`), never a re-encoding. :func:`encode_attributes`
writes the DER SET OF for signing (sorted, X.690 11.6).

Typed constructors build the attributes smimelib writes; typed decoders check
the universal type of each value (type confusion, CVE-2026-22796), the number
of values, and raise :class:`~smimelib.errors.DecodeError` with byte offsets.
The values of ESS attributes (RFC 2634, RFC 5035) are decoded and encoded in
:mod:`smimelib.cms.ess`, those of SMIMECapabilities, SMIMEEncryptionKeyPreference (RFC 8551 2.5) and
CMSAlgorithmProtection (RFC 6211) in :mod:`smimelib.cms.attribute_values`; their
types are re-exported here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms import ess
from smimelib.cms.attribute_values import (
    DEFAULT_CAPABILITIES,
    AlgorithmProtection,
    EncryptionKeyPreference,
    capability_preference,
    encode_encryption_key_preference,
    encode_smime_capabilities,
    parse_algorithm_protection,
    parse_encryption_key_preference,
    parse_smime_capabilities,
)
from smimelib.cms.ess import (
    ContentHints,
    ContentReference,
    ESSCertID,
    ESSCertIDv2,
    MLData,
    ReceiptRequest,
    SecurityLabel,
)
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki.certificate import Certificate

__all__ = [
    "DEFAULT_CAPABILITIES",
    "OID_ALGORITHM_PROTECTION",
    "OID_CONTENT_HINT",
    "OID_CONTENT_IDENTIFIER",
    "OID_CONTENT_REFERENCE",
    "OID_CONTENT_TYPE",
    "OID_COUNTERSIGNATURE",
    "OID_ENCRYPTION_KEY_PREFERENCE",
    "OID_EQUIVALENT_LABELS",
    "OID_MESSAGE_DIGEST",
    "OID_ML_EXPANSION_HISTORY",
    "OID_MSG_SIG_DIGEST",
    "OID_MS_ENCRYPTION_KEY_PREFERENCE",
    "OID_RECEIPT_REQUEST",
    "OID_SECURITY_LABEL",
    "OID_SIGNING_CERTIFICATE",
    "OID_SIGNING_CERTIFICATE_V2",
    "OID_SIGNING_TIME",
    "OID_SMIME_CAPABILITIES",
    "AlgorithmProtection",
    "Attribute",
    "AttributeMultiplicityError",
    "Attributes",
    "ContentHints",
    "ContentReference",
    "ESSCertID",
    "ESSCertIDv2",
    "EncryptionKeyPreference",
    "MLData",
    "ReceiptRequest",
    "SecurityLabel",
    "SigningTime",
    "algorithm_protection_attr",
    "capability_preference",
    "content_hint_attr",
    "content_type_attr",
    "decode_algorithm_protection",
    "decode_content_hints",
    "decode_content_reference",
    "decode_content_type",
    "decode_countersignatures",
    "decode_encryption_key_preference",
    "decode_equivalent_labels",
    "decode_message_digest",
    "decode_ml_expansion_history",
    "decode_ms_encryption_key_preference",
    "decode_receipt_request",
    "decode_security_label",
    "decode_signing_certificate",
    "decode_signing_certificate_v2",
    "decode_signing_time",
    "decode_signing_time_info",
    "decode_smime_capabilities",
    "encode_attributes",
    "encryption_key_preference_attr",
    "message_digest_attr",
    "ms_encryption_key_preference_attr",
    "receipt_request_attr",
    "security_label_attr",
    "signing_certificate_attr",
    "signing_certificate_v2_attr",
    "signing_time_attr",
    "smime_capabilities_attr",
]

_T = TypeVar("_T")

_PKCS9 = "1.2.840.113549.1.9"
_AA = _PKCS9 + ".16.2"

#: id-contentType (RFC 5652 section 11.1)
OID_CONTENT_TYPE = _PKCS9 + ".3"
#: id-messageDigest (RFC 5652 section 11.2)
OID_MESSAGE_DIGEST = _PKCS9 + ".4"
#: id-signingTime (RFC 5652 section 11.3)
OID_SIGNING_TIME = _PKCS9 + ".5"
#: id-countersignature (RFC 5652 section 11.4)
OID_COUNTERSIGNATURE = _PKCS9 + ".6"
#: smimeCapabilities (RFC 8551 section 2.5.2, RFC 2985)
OID_SMIME_CAPABILITIES = _PKCS9 + ".15"
#: id-aa-CMSAlgorithmProtection (RFC 6211 section 2)
OID_ALGORITHM_PROTECTION = _PKCS9 + ".52"
#: id-aa-receiptRequest (RFC 2634 section 2.7)
OID_RECEIPT_REQUEST = _AA + ".1"
#: id-aa-securityLabel (RFC 2634 section 3.2)
OID_SECURITY_LABEL = _AA + ".2"
#: id-aa-mlExpandHistory (RFC 2634 section 4.2)
OID_ML_EXPANSION_HISTORY = _AA + ".3"
#: id-aa-contentHint (RFC 2634 section 2.9)
OID_CONTENT_HINT = _AA + ".4"
#: id-aa-msgSigDigest (RFC 2634 section 2.12)
OID_MSG_SIG_DIGEST = _AA + ".5"
#: id-aa-contentIdentifier (RFC 2634 section 2.10)
OID_CONTENT_IDENTIFIER = _AA + ".7"
#: id-aa-equivalentLabels (RFC 2634 section 3.4)
OID_EQUIVALENT_LABELS = _AA + ".9"
#: id-aa-contentReference (RFC 2634 section 2.11)
OID_CONTENT_REFERENCE = _AA + ".10"
#: id-aa-encrypKeyPref (RFC 8551 section 2.5.3)
OID_ENCRYPTION_KEY_PREFERENCE = _AA + ".11"
#: id-aa-signingCertificate (RFC 2634 section 5.4)
OID_SIGNING_CERTIFICATE = _AA + ".12"
#: id-aa-signingCertificateV2 (RFC 5035 section 3)
OID_SIGNING_CERTIFICATE_V2 = _AA + ".47"
#: Microsoft's encryption key preference: a plain IssuerAndSerialNumber (Outlook, Thunderbird)
OID_MS_ENCRYPTION_KEY_PREFERENCE = "1.3.6.1.4.1.311.16.4"


class AttributeMultiplicityError(DecodeError):
    """An attribute that must occur once with one value occurs several times or has several
    values (RFC 5652 sections 5.3, 11; RFC 8551 2.5). A :class:`DecodeError`.

    :ivar occurrences: how many attributes of that type the set holds.
    :ivar values: how many values the (first) attribute has.
    """

    def __init__(
        self, message: str, *, oid: str, occurrences: int, values: int, offset: int | None
    ) -> None:
        self.occurrences = occurrences
        self.values = values
        super().__init__(message, offset=offset, oid=oid, oid_name=oids.name_of(oid))


@dataclass(frozen=True, slots=True)
class Attribute:
    """One Attribute: its type and the exact encoding of each value, in received order.

    :ivar offset: absolute offset of the Attribute SEQUENCE when parsed.
    :ivar elements: the parsed value elements (``None`` for a built attribute).
    """

    oid: str
    values: tuple[bytes, ...]
    offset: int | None = field(default=None, compare=False)
    elements: tuple[tlv.Element, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.values:
            raise UsageError(f"attribute {oids.describe(self.oid)} needs at least one value")

    @classmethod
    def from_element(cls, elem: tlv.Element) -> Attribute:
        """Parse one Attribute SEQUENCE (RFC 5652 section 5.3).

        :raises DecodeError: not ``SEQUENCE { OID, SET }``, or an empty attrValues SET.
        """
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError(f"Attribute: expected SEQUENCE, found {elem.tag}", offset=elem.offset)
        parts = elem.children()
        if len(parts) != 2:
            raise DecodeError(
                f"Attribute has {len(parts)} components (expected 2)", offset=elem.offset
            )
        oid = parts[0].as_oid()
        if parts[1].tag != tlv.Tag.SET:
            raise DecodeError(
                f"attribute {oids.describe(oid)}: attrValues is {parts[1].tag}, not a SET",
                offset=parts[1].offset,
            )
        elements = parts[1].children()
        if not elements:
            raise DecodeError(
                f"attribute {oids.describe(oid)} has no values (attrValues SIZE (1..MAX))",
                offset=parts[1].offset,
            )
        return cls(oid, tuple(e.raw for e in elements), elem.offset, elements)

    @property
    def name(self) -> str:
        """The registered name of the attribute type (the OID when unknown)."""
        return oids.name_of(self.oid)

    def value_elements(self) -> tuple[tlv.Element, ...]:
        """The values as TLV elements, with absolute offsets when parsed."""
        if self.elements is not None:
            return self.elements
        return tuple(tlv.parse_one(v, what=f"{self.name} value") for v in self.values)

    def single_value(self) -> tlv.Element:
        """The one value of a single-valued attribute.

        :raises AttributeMultiplicityError: the attribute has several values.
        """
        if len(self.values) != 1:
            raise AttributeMultiplicityError(
                f"attribute {self.name} has {len(self.values)} values (exactly one allowed)",
                oid=self.oid,
                occurrences=1,
                values=len(self.values),
                offset=self.offset,
            )
        return self.value_elements()[0]

    def to_der(self) -> bytes:
        """DER Attribute: the values in DER order (X.690 11.6), each as held."""
        return der.sequence(der.encode_oid(self.oid), der.set_of(self.values))


def _identifier_length(raw: bytes) -> int:
    if raw[0] & 0x1F != 0x1F:
        return 1
    i = 1
    while raw[i] & 0x80:
        i += 1
    return i + 1


@dataclass(frozen=True, slots=True)
class Attributes:
    """A SET OF Attribute as received (or as built), in received order.

    :ivar items: the attributes, in received order.
    :ivar raw: the received encoding of the whole set, tag included (``[0]``/``[1]``
        IMPLICIT in a SignerInfo); for a built set, the DER universal SET.
    :ivar offset: absolute offset of the set when parsed.
    """

    items: tuple[Attribute, ...]
    raw: bytes | None = field(default=None, repr=False)
    offset: int | None = None

    @classmethod
    def from_element(cls, elem: tlv.Element, *, allow_empty: bool = False) -> Attributes:
        """Parse ``[n] IMPLICIT SET OF Attribute`` (or a universal SET), keeping its octets.

        :param allow_empty: accept an empty set (SignedAttributes, UnsignedAttributes and
            UnprotectedAttributes are SIZE (1..MAX), so the default refuses it).
        :raises DecodeError: a primitive element, an empty set, or a malformed Attribute.
        """
        if not elem.tag.constructed:
            raise DecodeError(
                f"attributes: {elem.tag} must be constructed (SET OF)", offset=elem.offset
            )
        items = tuple(Attribute.from_element(c) for c in elem.children())
        if not items and not allow_empty:
            raise DecodeError(
                "empty attribute set (SET SIZE (1..MAX) OF Attribute)", offset=elem.offset
            )
        return cls(items, elem.raw, elem.offset)

    @classmethod
    def build(cls, attrs: Iterable[Attribute]) -> Attributes:
        """A set in DER order (X.690 11.6) whose ``raw`` is :func:`encode_attributes`."""
        items = tuple(attrs)
        encoded = encode_attributes(items)
        return cls.from_element(tlv.parse_one(encoded, what="SignedAttributes"))

    def signed_bytes(self) -> bytes:
        """The received encoding re-tagged as a universal SET (``0x31``): what a signature
        over signed attributes covers (RFC 5652 section 5.4)."""
        raw = self._raw()
        return b"\x31" + raw[_identifier_length(raw) :]

    def canonical_bytes(self) -> bytes:
        """The set re-encoded with its attributes (and each attribute's values) in DER order,
        values as held: what a DER encoder would have signed when the received set is
        unsorted (``smime lint`` reports both; RFC 5652 5.3 requires DER)."""
        return der.set_of(a.to_der() for a in self.items)

    def is_der(self) -> bool:
        """Whether :meth:`signed_bytes` is valid DER (X.690 section 10, 11), sort order included."""
        return tlv.is_der(self.signed_bytes())

    def _raw(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return encode_attributes(self.items)

    def get(self, oid: str) -> tuple[Attribute, ...]:
        """Every attribute of type ``oid``, in received order."""
        return tuple(a for a in self.items if a.oid == oid)

    def single(self, oid: str) -> Attribute | None:
        """The one attribute of type ``oid`` with exactly one value, or ``None`` if absent.

        :raises AttributeMultiplicityError: it occurs more than once, or has several values.
        """
        found = self.get(oid)
        if not found:
            return None
        if len(found) > 1 or len(found[0].values) != 1:
            raise AttributeMultiplicityError(
                f"attribute {oids.name_of(oid)} occurs {len(found)} times with "
                f"{len(found[0].values)} value(s) in the first (exactly one of each allowed)",
                oid=oid,
                occurrences=len(found),
                values=len(found[0].values),
                offset=found[1].offset if len(found) > 1 else found[0].offset,
            )
        return found[0]

    def duplicates(self) -> tuple[str, ...]:
        """OIDs of attribute types that occur more than once, in first-seen order."""
        seen: set[str] = set()
        dups: list[str] = []
        for a in self.items:
            if a.oid in seen and a.oid not in dups:
                dups.append(a.oid)
            seen.add(a.oid)
        return tuple(dups)

    def oids(self) -> tuple[str, ...]:
        """The attribute types in received order."""
        return tuple(a.oid for a in self.items)

    def __contains__(self, oid: object) -> bool:
        return any(a.oid == oid for a in self.items)

    def __iter__(self) -> Iterator[Attribute]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode_attributes(attrs: Iterable[Attribute]) -> bytes:
    """The DER ``SET OF Attribute`` (universal tag ``0x31``), sorted (X.690 11.6): the bytes a
    signature over signed attributes covers (RFC 5652 5.4). A SignerInfo carries it re-tagged,
    ``der.implicit(0, encode_attributes(...))``.

    :raises UsageError: no attributes, or a value that is not one complete BER element.
    """
    encoded: list[bytes] = []
    for attr in attrs:
        for value in attr.values:
            try:
                tlv.check(value, what=f"{attr.name} value")
            except DecodeError as exc:
                raise UsageError(
                    f"attribute {attr.name}: value is not one encoding: {exc.message}"
                ) from None
        encoded.append(attr.to_der())
    if not encoded:
        raise UsageError("an attribute set needs at least one attribute (SIZE (1..MAX))")
    return der.set_of(encoded)


# -- shared decoding helpers ---------------------------------------------------------------


def _value(attr: Attribute, oid: str) -> tlv.Element:
    if attr.oid != oid:
        raise UsageError(
            f"expected a {oids.describe(oid)} attribute, got {oids.describe(attr.oid)}"
        )
    return attr.single_value()


def _typed(attr: Attribute, oid: str, what: str, tag: tlv.Tag) -> tlv.Element:
    elem = _value(attr, oid)
    if elem.tag != tag and not (elem.tag.with_constructed(False) == tag and tag in _SEGMENTABLE):
        raise DecodeError(
            f"{what} attribute value is {elem.tag}, expected {tag}",
            offset=elem.offset,
            oid=oid,
            oid_name=oids.name_of(oid),
        )
    return elem


_SEGMENTABLE = frozenset({tlv.Tag.OCTET_STRING})


def _wrap(attr: Attribute, what: str, exc: DecodeError) -> DecodeError:
    message = f"{what} attribute: {exc.message}"
    if isinstance(exc, LimitExceeded):
        return LimitExceeded(message, limit=exc.limit, offset=exc.offset)
    return DecodeError(message, offset=exc.offset, oid=attr.oid, oid_name=attr.name)


# -- content-type, message-digest, signing-time, countersignature (RFC 5652 section 11) ----


def content_type_attr(content_type: str) -> Attribute:
    """A content-type attribute (RFC 5652 section 11.1)."""
    return Attribute(OID_CONTENT_TYPE, (der.encode_oid(content_type),))


def decode_content_type(attr: Attribute) -> str:
    """The OBJECT IDENTIFIER of a content-type attribute (RFC 5652 section 11.1).

    :raises AttributeMultiplicityError: several values.
    :raises DecodeError: the value is not an OBJECT IDENTIFIER.
    """
    elem = _typed(attr, OID_CONTENT_TYPE, "content-type", tlv.Tag.OID)
    try:
        return elem.as_oid()
    except DecodeError as exc:
        raise _wrap(attr, "content-type", exc) from None


def message_digest_attr(digest: bytes) -> Attribute:
    """A message-digest attribute (RFC 5652 section 11.2)."""
    return Attribute(OID_MESSAGE_DIGEST, (der.encode_octets(digest),))


def decode_message_digest(attr: Attribute) -> bytes:
    """The OCTET STRING of a message-digest attribute (RFC 5652 section 11.2).

    :raises AttributeMultiplicityError: several values.
    :raises DecodeError: the value is not an OCTET STRING.
    """
    elem = _typed(attr, OID_MESSAGE_DIGEST, "message-digest", tlv.Tag.OCTET_STRING)
    try:
        return elem.as_octets()
    except DecodeError as exc:
        raise _wrap(attr, "message-digest", exc) from None


@dataclass(frozen=True, slots=True)
class SigningTime:
    """A decoded signing-time value (RFC 5652 section 11.3).

    :ivar time: the time, aware, UTC.
    :ivar generalized: encoded as GeneralizedTime (else UTCTime).
    """

    time: datetime.datetime
    generalized: bool

    @property
    def conforming(self) -> bool:
        """False when a date in 1950..2049 was written as GeneralizedTime, which RFC 5652
        section 11.3 forbids ("MUST be encoded as UTCTime")."""
        return not (self.generalized and 1950 <= self.time.year <= 2049)

    @property
    def finding(self) -> str | None:
        """A report line when the encoding breaks RFC 5652 section 11.3, else ``None``."""
        if self.conforming:
            return None
        return (
            f"signing-time {self.time:%Y-%m-%d} is encoded as GeneralizedTime; dates in "
            "1950..2049 MUST be UTCTime (RFC 5652 section 11.3)"
        )


def signing_time_attr(moment: datetime.datetime) -> Attribute:
    """A signing-time attribute: UTCTime for 1950..2049, else GeneralizedTime, whole
    seconds (RFC 5652 section 11.3).

    :raises UsageError: a naive datetime.
    """
    return Attribute(OID_SIGNING_TIME, (der.encode_time(moment),))


def decode_signing_time_info(attr: Attribute) -> SigningTime:
    """The signing-time value with its encoding (RFC 5652 section 11.3); see
    :attr:`SigningTime.conforming`.

    :raises AttributeMultiplicityError: several values.
    :raises DecodeError: the value is not a UTCTime or GeneralizedTime.
    """
    elem = _value(attr, OID_SIGNING_TIME)
    if elem.tag.with_constructed(False) not in (tlv.Tag.UTC_TIME, tlv.Tag.GENERALIZED_TIME):
        raise DecodeError(
            f"signing-time attribute value is {elem.tag}, expected UTCTime or GeneralizedTime",
            offset=elem.offset,
            oid=attr.oid,
            oid_name=attr.name,
        )
    try:
        moment = elem.as_time()
    except DecodeError as exc:
        raise _wrap(attr, "signing-time", exc) from None
    return SigningTime(moment, elem.tag.number == tlv.Tag.GENERALIZED_TIME.number)


def decode_signing_time(attr: Attribute) -> datetime.datetime:
    """The time of a signing-time attribute (aware, UTC; RFC 5652 section 11.3)."""
    return decode_signing_time_info(attr).time


def decode_countersignatures(attr: Attribute) -> tuple[tlv.Element, ...]:
    """The SignerInfo SEQUENCEs of a countersignature attribute (RFC 5652 section 11.4), kept
    as elements for the SignedData layer to parse; the attribute may have several values.

    :raises DecodeError: a value that is not a SEQUENCE.
    """
    if attr.oid != OID_COUNTERSIGNATURE:
        raise UsageError(f"expected a countersignature attribute, got {oids.describe(attr.oid)}")
    elems = attr.value_elements()
    for elem in elems:
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError(
                f"countersignature value is {elem.tag}, expected SignerInfo (SEQUENCE)",
                offset=elem.offset,
                oid=attr.oid,
                oid_name=attr.name,
            )
    return elems


# -- ESS attributes (RFC 2634, RFC 5035): values in smimelib.cms.ess ------------------------


def _ess(attr: Attribute, oid: str, what: str, parse: Callable[[tlv.Element], _T]) -> _T:
    elem = _value(attr, oid)
    try:
        return parse(elem)
    except DecodeError as exc:
        raise _wrap(attr, what, exc) from None


def signing_certificate_v2_attr(certs: Iterable[Certificate], hash: str = "sha256") -> Attribute:
    """A signingCertificateV2 attribute (RFC 5035 section 3): one ESSCertIDv2 per certificate,
    the signer's first; SHA-256 (the DEFAULT) is omitted from the DER.

    :raises PolicyError: a weak ``hash`` (SHA-1: use :func:`signing_certificate_attr`).
    """
    return Attribute(OID_SIGNING_CERTIFICATE_V2, (ess.encode_signing_certificate_v2(certs, hash),))


def decode_signing_certificate_v2(attr: Attribute) -> tuple[ESSCertIDv2, ...]:
    """The ESSCertIDv2 list of a signingCertificateV2 attribute (RFC 5035 section 3); the
    policies are available from :func:`smimelib.cms.ess.parse_signing_certificate_v2`."""
    return _ess(
        attr, OID_SIGNING_CERTIFICATE_V2, "signingCertificateV2", ess.parse_signing_certificate_v2
    ).certs


def signing_certificate_attr(certs: Iterable[Certificate]) -> Attribute:
    """A signingCertificate attribute (RFC 2634 section 5.4, SHA-1 ESSCertIDs), for peers
    that understand only version 1; new signers use :func:`signing_certificate_v2_attr`."""
    return Attribute(OID_SIGNING_CERTIFICATE, (ess.encode_signing_certificate(certs),))


def decode_signing_certificate(attr: Attribute) -> tuple[ESSCertID, ...]:
    """The ESSCertID list of a signingCertificate attribute (RFC 2634 section 5.4)."""
    return _ess(
        attr, OID_SIGNING_CERTIFICATE, "signingCertificate", ess.parse_signing_certificate
    ).certs


def content_hint_attr(content_type: str, description: str | None = None) -> Attribute:
    """A contentHints attribute (RFC 2634 section 2.9)."""
    return Attribute(
        OID_CONTENT_HINT, (ess.encode_content_hints(ContentHints(content_type, description)),)
    )


def decode_content_hints(attr: Attribute) -> ContentHints:
    """The value of a contentHints attribute (RFC 2634 section 2.9)."""
    return _ess(attr, OID_CONTENT_HINT, "contentHints", ess.parse_content_hints)


def security_label_attr(label: SecurityLabel) -> Attribute:
    """An ESS securityLabel attribute (RFC 2634 section 3.2)."""
    return Attribute(OID_SECURITY_LABEL, (ess.encode_security_label(label),))


def decode_security_label(attr: Attribute) -> SecurityLabel:
    """The ESSSecurityLabel of a securityLabel attribute (RFC 2634 section 3.2)."""
    return _ess(attr, OID_SECURITY_LABEL, "securityLabel", ess.parse_security_label)


def decode_equivalent_labels(attr: Attribute) -> tuple[SecurityLabel, ...]:
    """The labels of an equivalentLabels attribute (RFC 2634 section 3.4)."""
    return _ess(attr, OID_EQUIVALENT_LABELS, "equivalentLabels", ess.parse_equivalent_labels)


def receipt_request_attr(request: ReceiptRequest) -> Attribute:
    """A receiptRequest attribute (RFC 2634 section 2.7)."""
    return Attribute(OID_RECEIPT_REQUEST, (ess.encode_receipt_request(request),))


def decode_receipt_request(attr: Attribute) -> ReceiptRequest:
    """The value of a receiptRequest attribute (RFC 2634 section 2.7)."""
    return _ess(attr, OID_RECEIPT_REQUEST, "receiptRequest", ess.parse_receipt_request)


def decode_ml_expansion_history(attr: Attribute) -> tuple[MLData, ...]:
    """The entries of an mlExpansionHistory attribute (RFC 2634 section 4.2)."""
    return _ess(
        attr, OID_ML_EXPANSION_HISTORY, "mlExpansionHistory", ess.parse_ml_expansion_history
    )


def decode_content_reference(attr: Attribute) -> ContentReference:
    """The value of a contentReference attribute (RFC 2634 section 2.11)."""
    return _ess(attr, OID_CONTENT_REFERENCE, "contentReference", ess.parse_content_reference)


# -- S/MIME attributes (RFC 8551 section 2.5): values in smimelib.cms.attribute_values ---------


def smime_capabilities_attr(caps: Iterable[AlgorithmIdentifier] | None = None) -> Attribute:
    """An SMIMECapabilities attribute (RFC 8551 section 2.5.2) listing ``caps`` in order;
    by default :data:`DEFAULT_CAPABILITIES`, what smimelib supports, strongest first."""
    return Attribute(OID_SMIME_CAPABILITIES, (encode_smime_capabilities(caps),))


def decode_smime_capabilities(attr: Attribute) -> tuple[AlgorithmIdentifier, ...]:
    """The capabilities of an SMIMECapabilities attribute, in the announcer's order (RFC 8551
    2.5.2: a single value); see :func:`capability_preference`."""
    return _ess(attr, OID_SMIME_CAPABILITIES, "SMIMECapabilities", parse_smime_capabilities)


def encryption_key_preference_attr(
    identifier: CertificateIdentifier | EncryptionKeyPreference,
) -> Attribute:
    """An SMIMEEncryptionKeyPreference attribute (RFC 8551 section 2.5.3): an
    issuerAndSerialNumber identifier is written as ``[0]``, a key identifier as
    ``subjectAltKeyIdentifier [2]`` (or as given in an :class:`EncryptionKeyPreference`)."""
    return Attribute(OID_ENCRYPTION_KEY_PREFERENCE, (encode_encryption_key_preference(identifier),))


def decode_encryption_key_preference(attr: Attribute) -> EncryptionKeyPreference:
    """The preferred encryption certificate of an SMIMEEncryptionKeyPreference attribute."""
    return _ess(
        attr,
        OID_ENCRYPTION_KEY_PREFERENCE,
        "SMIMEEncryptionKeyPreference",
        parse_encryption_key_preference,
    )


def ms_encryption_key_preference_attr(cert: Certificate | IssuerAndSerialNumber) -> Attribute:
    """Microsoft's encryption key preference attribute (1.3.6.1.4.1.311.16.4), whose value is
    a plain IssuerAndSerialNumber; Outlook and Thunderbird write it next to RFC 8551's."""
    ias = (
        cert
        if isinstance(cert, IssuerAndSerialNumber)
        else IssuerAndSerialNumber.from_certificate(cert)
    )
    return Attribute(OID_MS_ENCRYPTION_KEY_PREFERENCE, (ias.der,))


def decode_ms_encryption_key_preference(attr: Attribute) -> IssuerAndSerialNumber:
    """The IssuerAndSerialNumber of Microsoft's encryption key preference attribute."""
    return _ess(
        attr,
        OID_MS_ENCRYPTION_KEY_PREFERENCE,
        "MS encryption key preference",
        IssuerAndSerialNumber.from_element,
    )


# -- CMSAlgorithmProtection (RFC 6211): value in smimelib.cms.attribute_values ---------------


def algorithm_protection_attr(
    digest_alg: AlgorithmIdentifier,
    signature_alg: AlgorithmIdentifier | None = None,
    mac_alg: AlgorithmIdentifier | None = None,
) -> Attribute:
    """A CMSAlgorithmProtection attribute (RFC 6211 section 2).

    :raises UsageError: not exactly one of ``signature_alg`` and ``mac_alg``.
    """
    if (signature_alg is None) == (mac_alg is None):
        raise UsageError("CMSAlgorithmProtection needs exactly one of signature_alg and mac_alg")
    if signature_alg is not None:
        tagged = der.implicit(1, signature_alg.to_der())
    else:
        assert mac_alg is not None
        tagged = der.implicit(2, mac_alg.to_der())
    return Attribute(OID_ALGORITHM_PROTECTION, (der.sequence(digest_alg.to_der(), tagged),))


def decode_algorithm_protection(attr: Attribute) -> AlgorithmProtection:
    """The value of a CMSAlgorithmProtection attribute (RFC 6211 section 2)."""
    return _ess(
        attr, OID_ALGORITHM_PROTECTION, "CMSAlgorithmProtection", parse_algorithm_protection
    )
