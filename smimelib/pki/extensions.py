"""Typed X.509 v3 extension values (RFC 5280 section 4.2, RFC 8551 section 2.5.2).

::

    Extension ::= SEQUENCE {
        extnID      OBJECT IDENTIFIER,
        critical    BOOLEAN DEFAULT FALSE,
        extnValue   OCTET STRING }

:class:`Extension` is the raw record a certificate carries. Each typed value
below parses the ``extnValue`` contents (``from_der``) and encodes them again
(``to_der``, used by the certificate builder). The policy, name-constraint,
CRL distribution point and authority-information-access values live in
:mod:`smimelib.pki.path_extensions` and are re-exported here. Parsers raise
:class:`~smimelib.errors.DecodeError` with the byte offset; offsets are
relative to the certificate when the caller passes ``base_offset``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.errors import DecodeError, UsageError
from smimelib.pki import _extcodec as c
from smimelib.pki.general_names import GeneralName, encode_general_names, parse_general_names
from smimelib.pki.path_extensions import (
    OID_ANY_POLICY,
    OID_CPS_QUALIFIER,
    AccessDescription,
    DistributionPoint,
    GeneralSubtree,
    NameConstraints,
    PolicyConstraints,
    PolicyInformation,
    PolicyMapping,
    PolicyQualifier,
    ReasonFlag,
    parse_inhibit_any_policy,
    parse_policy_mappings,
)

__all__ = [
    "OID_ANY_POLICY",
    "OID_AUTHORITY_INFO_ACCESS",
    "OID_AUTHORITY_KEY_IDENTIFIER",
    "OID_BASIC_CONSTRAINTS",
    "OID_CERTIFICATE_POLICIES",
    "OID_CPS_QUALIFIER",
    "OID_CRL_DISTRIBUTION_POINTS",
    "OID_EKU_ANY",
    "OID_EKU_EMAIL_PROTECTION",
    "OID_EXTENDED_KEY_USAGE",
    "OID_INHIBIT_ANY_POLICY",
    "OID_ISSUER_ALT_NAME",
    "OID_KEY_USAGE",
    "OID_NAME_CONSTRAINTS",
    "OID_POLICY_CONSTRAINTS",
    "OID_POLICY_MAPPINGS",
    "OID_SMIME_CAPABILITIES",
    "OID_SUBJECT_ALT_NAME",
    "OID_SUBJECT_KEY_IDENTIFIER",
    "AccessDescription",
    "AuthorityKeyIdentifier",
    "BasicConstraints",
    "DistributionPoint",
    "Extension",
    "GeneralSubtree",
    "KeyUsage",
    "NameConstraints",
    "PolicyConstraints",
    "PolicyInformation",
    "PolicyMapping",
    "PolicyQualifier",
    "ReasonFlag",
    "encode_extended_key_usage",
    "encode_key_usage",
    "parse_extended_key_usage",
    "parse_general_names_value",
    "parse_inhibit_any_policy",
    "parse_key_usage",
    "parse_policy_mappings",
    "parse_smime_capabilities",
    "parse_subject_key_identifier",
]

OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
OID_KEY_USAGE = "2.5.29.15"
OID_SUBJECT_ALT_NAME = "2.5.29.17"
OID_ISSUER_ALT_NAME = "2.5.29.18"
OID_BASIC_CONSTRAINTS = "2.5.29.19"
OID_NAME_CONSTRAINTS = "2.5.29.30"
OID_CRL_DISTRIBUTION_POINTS = "2.5.29.31"
OID_CERTIFICATE_POLICIES = "2.5.29.32"
OID_POLICY_MAPPINGS = "2.5.29.33"
OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"
OID_POLICY_CONSTRAINTS = "2.5.29.36"
OID_EXTENDED_KEY_USAGE = "2.5.29.37"
OID_INHIBIT_ANY_POLICY = "2.5.29.54"
OID_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1"
OID_SMIME_CAPABILITIES = "1.2.840.113549.1.9.15"
OID_EKU_EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
OID_EKU_ANY = "2.5.29.37.0"


# -- the raw record ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Extension:
    """One extension as received: OID, criticality and the extnValue contents.

    ``explicit_default`` records a ``critical FALSE`` written out although DER
    omits DEFAULT values (X.690 section 11.5); such certificates exist (RFC 8410
    section 10.2's example) and are accepted.
    """

    oid: str
    critical: bool
    value: bytes
    value_offset: int = dataclasses.field(default=0, compare=False, repr=False)
    explicit_default: bool = dataclasses.field(default=False, compare=False, repr=False)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> Extension:
        """Parse one Extension SEQUENCE (RFC 5280 section 4.1)."""
        children = c.sequence(elem, "Extension")
        if len(children) not in (2, 3):
            raise DecodeError(
                f"Extension has {len(children)} elements (expected 2 or 3)", offset=elem.offset
            )
        oid = children[0].as_oid()
        critical = False
        explicit_default = False
        if len(children) == 3:
            critical = children[1].as_bool()
            explicit_default = not critical
        value_elem = children[-1]
        if value_elem.tag.cls != tlv.TagClass.UNIVERSAL or value_elem.tag.number != 4:
            raise DecodeError("extnValue is not an OCTET STRING", offset=value_elem.offset)
        value = value_elem.as_octets()
        return cls(oid, critical, value, value_elem.content_offset, explicit_default)

    def to_der(self) -> bytes:
        """DER of the Extension (criticality omitted when FALSE)."""
        parts = [der.encode_oid(self.oid)]
        if self.critical:
            parts.append(der.encode_bool(True))
        parts.append(der.encode_octets(self.value))
        return der.sequence(*parts)


# -- subjectKeyIdentifier, keyUsage, extendedKeyUsage, inhibitAnyPolicy ----------------------


def parse_subject_key_identifier(data: bytes, *, base_offset: int = 0) -> bytes:
    """``SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING)`` (RFC 5280 4.2.1.2)."""
    elem = c.parse(data, base_offset, "SubjectKeyIdentifier")
    if elem.tag.cls != tlv.TagClass.UNIVERSAL or elem.tag.number != 4:
        raise DecodeError("SubjectKeyIdentifier is not an OCTET STRING", offset=elem.offset)
    return elem.as_octets()


class KeyUsage(enum.Enum):
    """The named bits of ``KeyUsage ::= BIT STRING`` (RFC 5280 section 4.2.1.3)."""

    DIGITAL_SIGNATURE = 0
    NON_REPUDIATION = 1  # contentCommitment
    KEY_ENCIPHERMENT = 2
    DATA_ENCIPHERMENT = 3
    KEY_AGREEMENT = 4
    KEY_CERT_SIGN = 5
    CRL_SIGN = 6
    ENCIPHER_ONLY = 7
    DECIPHER_ONLY = 8

    @property
    def rfc_name(self) -> str:
        """The name RFC 5280 gives the bit (``digitalSignature``, ``keyCertSign``...)."""
        if self is KeyUsage.CRL_SIGN:
            return "cRLSign"
        head, *rest = self.name.lower().split("_")
        return head + "".join(word.capitalize() for word in rest)


def parse_key_usage(data: bytes, *, base_offset: int = 0) -> frozenset[KeyUsage]:
    """The asserted key usages; bits beyond decipherOnly are ignored (RFC 5280 4.2.1.3)."""
    elem = c.parse(data, base_offset, "KeyUsage")
    if elem.tag != tlv.Tag.BIT_STRING:
        raise DecodeError("KeyUsage is not a BIT STRING", offset=elem.offset)
    bits = c.named_bits(elem)
    return frozenset(KeyUsage(b) for b in bits if b <= 8)


def encode_key_usage(usages: Iterable[KeyUsage]) -> bytes:
    """DER KeyUsage BIT STRING."""
    return c.encode_named_bits(u.value for u in usages)


def parse_extended_key_usage(data: bytes, *, base_offset: int = 0) -> tuple[str, ...]:
    """``ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId`` (RFC 5280 4.2.1.12)."""
    elem = c.parse(data, base_offset, "ExtKeyUsageSyntax")
    items = c.sequence(elem, "ExtKeyUsageSyntax")
    c.non_empty(items, elem, "ExtKeyUsageSyntax")
    return tuple(i.as_oid() for i in items)


def encode_extended_key_usage(purposes: Iterable[str]) -> bytes:
    """DER ExtKeyUsageSyntax."""
    oids = [der.encode_oid(p) for p in purposes]
    if not oids:
        raise UsageError("extendedKeyUsage needs at least one purpose")
    return der.sequence(*oids)


def parse_general_names_value(data: bytes, *, base_offset: int = 0) -> tuple[GeneralName, ...]:
    """subjectAltName / issuerAltName: ``GeneralNames`` (RFC 5280 4.2.1.6, 4.2.1.7)."""
    elem = c.parse(data, base_offset, "GeneralNames")
    c.sequence(elem, "GeneralNames")
    return parse_general_names(elem)


# -- basicConstraints, authorityKeyIdentifier ------------------------------------------------


@dataclass(frozen=True, slots=True)
class BasicConstraints:
    """``SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }``
    (RFC 5280 section 4.2.1.9)."""

    ca: bool = False
    path_length: int | None = None

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> BasicConstraints:
        """Parse the extnValue contents (DER) of this extension."""
        elem = c.parse(data, base_offset, "BasicConstraints")
        items = list(c.sequence(elem, "BasicConstraints"))
        ca = False
        if items and items[0].tag == tlv.Tag.BOOLEAN:
            ca = items.pop(0).as_bool()
        path_length = None
        if items and items[0].tag == tlv.Tag.INTEGER:
            path_length = c.small_uint(items.pop(0), "pathLenConstraint")
        if items:
            raise DecodeError("unexpected element in BasicConstraints", offset=items[0].offset)
        return cls(ca, path_length)

    def to_der(self) -> bytes:
        """DER of the extnValue contents of this extension."""
        parts = []
        if self.ca:
            parts.append(der.encode_bool(True))
        if self.path_length is not None:
            if self.path_length < 0:
                raise UsageError("pathLenConstraint must not be negative")
            parts.append(der.encode_int(self.path_length))
        return der.sequence(*parts)


@dataclass(frozen=True, slots=True)
class AuthorityKeyIdentifier:
    """``AuthorityKeyIdentifier`` (RFC 5280 section 4.2.1.1)::

    SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL,
               authorityCertIssuer [1] GeneralNames OPTIONAL,
               authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }
    """

    key_identifier: bytes | None = None
    authority_cert_issuer: tuple[GeneralName, ...] | None = None
    authority_cert_serial_number: int | None = None

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> AuthorityKeyIdentifier:
        """Parse the extnValue contents (DER) of this extension."""
        elem = c.parse(data, base_offset, "AuthorityKeyIdentifier")
        key_id: bytes | None = None
        issuer: tuple[GeneralName, ...] | None = None
        serial: int | None = None
        last = -1
        for item in c.sequence(elem, "AuthorityKeyIdentifier"):
            number = item.tag.number
            if item.tag.cls != tlv.TagClass.CONTEXT or number > 2 or number <= last:
                raise DecodeError(
                    "unexpected element in AuthorityKeyIdentifier", offset=item.offset
                )
            last = number
            if number == 0:
                key_id = c.implicit_octets(item)
            elif number == 1:
                issuer = parse_general_names(item)
            else:
                serial = item.as_int(max_octets=64, implicit=True)
        return cls(key_id, issuer, serial)

    def to_der(self) -> bytes:
        """DER of the extnValue contents of this extension."""
        parts = []
        if self.key_identifier is not None:
            parts.append(der.implicit(0, der.encode_octets(self.key_identifier), constructed=False))
        if self.authority_cert_issuer is not None:
            names = encode_general_names(self.authority_cert_issuer)
            parts.append(der.implicit(1, names, constructed=True))
        if self.authority_cert_serial_number is not None:
            serial = der.encode_int(self.authority_cert_serial_number)
            parts.append(der.implicit(2, serial, constructed=False))
        return der.sequence(*parts)


def parse_smime_capabilities(
    data: bytes, *, base_offset: int = 0
) -> tuple[AlgorithmIdentifier, ...]:
    """``SMIMECapabilities ::= SEQUENCE OF SMIMECapability`` (RFC 8551 2.5.2, RFC 4262).

    Each capability has the shape of an AlgorithmIdentifier and is returned as one,
    in the sender's order of preference.
    """
    elem = c.parse(data, base_offset, "SMIMECapabilities")
    return tuple(AlgorithmIdentifier.from_element(c) for c in c.sequence(elem, "SMIMECapabilities"))
