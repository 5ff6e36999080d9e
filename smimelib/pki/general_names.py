"""X.509 GeneralName, the CHOICE of subjectAltName, authorityKeyIdentifier, CRL
distribution points and name constraints (RFC 5280 section 4.2.1.6)::

    GeneralName ::= CHOICE {
        otherName                 [0] OtherName,
        rfc822Name                [1] IA5String,
        dNSName                   [2] IA5String,
        x400Address               [3] ORAddress,
        directoryName             [4] Name,
        ediPartyName              [5] EDIPartyName,
        uniformResourceIdentifier [6] IA5String,
        iPAddress                 [7] OCTET STRING,
        registeredID              [8] OBJECT IDENTIFIER }

Tags are IMPLICIT except directoryName (a CHOICE, hence EXPLICIT). IA5String
names that carry 8-bit octets (a common misuse for internationalised
addresses) are decoded as UTF-8, else Latin-1, rather than refused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.names import Name, decode_text, is_text_tag

__all__ = [
    "OID_SMTP_UTF8_MAILBOX",
    "GeneralName",
    "GeneralNameKind",
    "OtherName",
    "encode_general_names",
    "parse_general_names",
]

#: id-on-SmtpUTF8Mailbox (RFC 9598 section 3)
OID_SMTP_UTF8_MAILBOX = "1.3.6.1.5.5.7.8.9"


class GeneralNameKind(enum.IntEnum):
    """The alternatives of GeneralName, valued by their context tag (RFC 5280 4.2.1.6)."""

    OTHER_NAME = 0
    RFC822_NAME = 1
    DNS_NAME = 2
    X400_ADDRESS = 3
    DIRECTORY_NAME = 4
    EDI_PARTY_NAME = 5
    URI = 6
    IP_ADDRESS = 7
    REGISTERED_ID = 8


@dataclass(frozen=True, slots=True)
class OtherName:
    """``OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }``.

    ``value`` is the DER of the inner value (inside the ``[0]`` wrapper).
    """

    type_id: str
    value: bytes

    @property
    def text(self) -> str | None:
        """The value as text when it is a character string (e.g. SmtpUTF8Mailbox)."""
        try:
            elem = tlv.parse_one(self.value, what="otherName value")
        except DecodeError:
            return None
        if elem.tag.constructed or not is_text_tag(elem.tag):
            return None
        return decode_text(elem.tag, elem.content)


GeneralNameValue = str | bytes | Name | OtherName


@dataclass(frozen=True, slots=True)
class GeneralName:
    """One GeneralName.

    ``value`` is ``str`` for rfc822Name, dNSName, uniformResourceIdentifier and
    registeredID (dotted OID); :class:`Name` for directoryName; :class:`OtherName`
    for otherName; ``bytes`` for iPAddress (4 or 16 octets, or address+mask in name
    constraints) and for the raw content of x400Address and ediPartyName.
    """

    kind: GeneralNameKind
    value: GeneralNameValue

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def email(cls, address: str) -> GeneralName:
        """An rfc822Name (RFC 5280 4.2.1.6; an ASCII addr-spec)."""
        return cls(GeneralNameKind.RFC822_NAME, address)

    @classmethod
    def dns(cls, name: str) -> GeneralName:
        """A dNSName (RFC 5280 4.2.1.6)."""
        return cls(GeneralNameKind.DNS_NAME, name)

    @classmethod
    def uri(cls, uri: str) -> GeneralName:
        """A uniformResourceIdentifier (RFC 5280 4.2.1.6)."""
        return cls(GeneralNameKind.URI, uri)

    @classmethod
    def directory(cls, name: Name) -> GeneralName:
        """A directoryName (RFC 5280 4.2.1.6)."""
        return cls(GeneralNameKind.DIRECTORY_NAME, name)

    @classmethod
    def smtp_utf8_mailbox(cls, address: str) -> GeneralName:
        """An SmtpUTF8Mailbox otherName (RFC 9598 section 3)."""
        return cls(
            GeneralNameKind.OTHER_NAME, OtherName(OID_SMTP_UTF8_MAILBOX, der.encode_utf8(address))
        )

    # -- parsing / encoding ---------------------------------------------------------------
    @classmethod
    def from_element(cls, elem: tlv.Element) -> GeneralName:
        """Parse one GeneralName (IMPLICIT context tags, directoryName EXPLICIT)."""
        tag = elem.tag
        if tag.cls != tlv.TagClass.CONTEXT or tag.number > 8:
            raise DecodeError(f"GeneralName has unexpected tag {tag}", offset=elem.offset)
        kind = GeneralNameKind(tag.number)
        constructed = kind in (
            GeneralNameKind.OTHER_NAME,
            GeneralNameKind.X400_ADDRESS,
            GeneralNameKind.DIRECTORY_NAME,
            GeneralNameKind.EDI_PARTY_NAME,
        )
        if tag.constructed != constructed:
            raise DecodeError(
                f"GeneralName {kind.name} has the wrong primitive/constructed form",
                offset=elem.offset,
            )
        value: GeneralNameValue
        if kind is GeneralNameKind.OTHER_NAME:
            parts = elem.children()
            if len(parts) != 2 or parts[1].tag != tlv.Tag.context(0, constructed=True):
                raise DecodeError("malformed otherName", offset=elem.offset)
            inner = parts[1].children()
            if len(inner) != 1:
                raise DecodeError("otherName value must be one element", offset=parts[1].offset)
            value = OtherName(parts[0].as_oid(), inner[0].raw)
        elif kind is GeneralNameKind.DIRECTORY_NAME:
            inner = elem.children()
            if len(inner) != 1:
                raise DecodeError("directoryName must hold one Name", offset=elem.offset)
            value = Name.from_element(inner[0])
        elif kind is GeneralNameKind.REGISTERED_ID:
            value = elem.as_oid(implicit=True)
        elif kind in (GeneralNameKind.RFC822_NAME, GeneralNameKind.DNS_NAME, GeneralNameKind.URI):
            text = decode_text(tlv.Tag.IA5_STRING, elem.content)
            value = text if text is not None else ""
        else:
            value = elem.content
        return cls(kind, value)

    def to_der(self) -> bytes:
        """DER of this GeneralName."""
        kind, value = self.kind, self.value
        if kind is GeneralNameKind.OTHER_NAME:
            assert isinstance(value, OtherName)
            body = der.encode_oid(value.type_id) + der.explicit(0, value.value)
            return der.encode_tlv(tlv.Tag.context(0, constructed=True), body)
        if kind is GeneralNameKind.DIRECTORY_NAME:
            if not isinstance(value, Name):
                raise UsageError("directoryName needs a Name")
            return der.explicit(4, value.der)
        if kind is GeneralNameKind.REGISTERED_ID:
            if not isinstance(value, str):
                raise UsageError("registeredID needs a dotted OID")
            return der.implicit(8, der.encode_oid(value), constructed=False)
        if isinstance(value, str):
            if not value.isascii():
                raise UsageError(f"{kind.name} must be ASCII (IA5String): {value!r}")
            return der.encode_tlv(tlv.Tag.context(kind.value, constructed=False), value.encode())
        if isinstance(value, bytes):
            constructed = kind in (GeneralNameKind.X400_ADDRESS, GeneralNameKind.EDI_PARTY_NAME)
            return der.encode_tlv(tlv.Tag.context(kind.value, constructed=constructed), value)
        raise UsageError(f"GeneralName {kind.name} cannot hold {type(value).__name__}")

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, Name):
            return f"DirName:{value.rfc4514()}"
        if isinstance(value, OtherName):
            return f"othername:{value.type_id}:{value.text or value.value.hex()}"
        if isinstance(value, bytes):
            if self.kind is GeneralNameKind.IP_ADDRESS and len(value) == 4:
                return "IP:" + ".".join(str(b) for b in value)
            return f"{self.kind.name}:{value.hex()}"
        prefix = {
            GeneralNameKind.RFC822_NAME: "email",
            GeneralNameKind.DNS_NAME: "DNS",
            GeneralNameKind.URI: "URI",
            GeneralNameKind.REGISTERED_ID: "RID",
        }.get(self.kind, self.kind.name)
        return f"{prefix}:{value}"


def parse_general_names(elem: tlv.Element) -> tuple[GeneralName, ...]:
    """``GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName`` (any constructed wrapper)."""
    names = tuple(GeneralName.from_element(c) for c in elem.children())
    if not names:
        raise DecodeError("empty GeneralNames (SIZE (1..MAX))", offset=elem.offset)
    return names


def encode_general_names(names: Iterable[GeneralName]) -> bytes:
    """DER SEQUENCE OF GeneralName."""
    parts = [n.to_der() for n in names]
    if not parts:
        raise UsageError("GeneralNames needs at least one name")
    return der.sequence(*parts)
