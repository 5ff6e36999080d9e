"""Certificate identifiers of CMS: IssuerAndSerialNumber and the SignerIdentifier /
RecipientIdentifier CHOICE (RFC 5652 sections 5.3, 6.2.1 and 10.2.4).

::

    IssuerAndSerialNumber ::= SEQUENCE {
        issuer        Name,
        serialNumber  CertificateSerialNumber }

    SignerIdentifier ::= CHOICE {
        issuerAndSerialNumber  IssuerAndSerialNumber,
        subjectKeyIdentifier   [0] SubjectKeyIdentifier }   -- IMPLICIT OCTET STRING

    RecipientIdentifier ::= CHOICE {                        -- the same two alternatives
        issuerAndSerialNumber  IssuerAndSerialNumber,
        subjectKeyIdentifier   [0] SubjectKeyIdentifier }

Both CHOICEs have the same alternatives and encodings, so one value type,
:class:`CertificateIdentifier`, serves for signers, recipients and the ESS
``EntityIdentifier`` (RFC 2634 section 4.4). Parsed identifiers keep their
received octets; :meth:`CertificateIdentifier.to_der` returns them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.names import Name

__all__ = ["CertificateIdentifier", "IssuerAndSerialNumber"]

_SKI_TAG = tlv.Tag.context(0, constructed=False)
_SKI_TAG_BER = tlv.Tag.context(0, constructed=True)


def _hex_serial(n: int) -> str:
    digits = f"{abs(n):x}"
    if len(digits) % 2:
        digits = "0" + digits
    return ("-0x" if n < 0 else "0x") + digits


@dataclass(frozen=True, slots=True)
class IssuerAndSerialNumber:
    """A certificate named by its issuer and serial number (RFC 5652 section 10.2.4).

    :ivar issuer: the issuer Name (its received encoding is kept in ``issuer.der``).
    :ivar serial_number: the serial number; may be negative or longer than RFC 5280's
        20 octets in certificates from careless CAs, so it is compared as an integer.
    :ivar der: the exact encoding of the SEQUENCE (as received, or DER when built).
    """

    issuer: Name
    serial_number: int
    der: bytes = field(repr=False)

    @classmethod
    def from_certificate(cls, cert: Certificate) -> IssuerAndSerialNumber:
        """The IssuerAndSerialNumber of ``cert``, built from its received issuer and serial."""
        return cls(cert.issuer, cert.serial_number, cert.issuer_and_serial_der)

    @classmethod
    def build(cls, issuer: Name, serial_number: int) -> IssuerAndSerialNumber:
        """A DER IssuerAndSerialNumber from a Name and a serial number."""
        return cls(issuer, serial_number, der.sequence(issuer.der, der.encode_int(serial_number)))

    @classmethod
    def from_element(cls, elem: tlv.Element, *, implicit: bool = False) -> IssuerAndSerialNumber:
        """Parse an IssuerAndSerialNumber SEQUENCE.

        :param implicit: accept any constructed tag in place of SEQUENCE (an
            ``[n] IMPLICIT IssuerAndSerialNumber``, as in RFC 8551 section 2.5.3); ``der``
            is then the received octets re-tagged as a SEQUENCE.
        :raises DecodeError: malformed, with the byte offset.
        """
        if implicit:
            if not elem.tag.constructed:
                raise DecodeError("IssuerAndSerialNumber must be constructed", offset=elem.offset)
        elif elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError(
                f"IssuerAndSerialNumber: expected SEQUENCE, found {elem.tag}", offset=elem.offset
            )
        parts = elem.children()
        if len(parts) != 2:
            raise DecodeError(
                f"IssuerAndSerialNumber has {len(parts)} components (expected 2)",
                offset=elem.offset,
            )
        issuer = Name.from_element(parts[0])
        try:
            serial = parts[1].as_int()
        except DecodeError as exc:
            raise DecodeError(
                f"IssuerAndSerialNumber serialNumber: {exc.message}", offset=exc.offset
            ) from None
        raw = elem.raw
        if implicit and elem.tag != tlv.Tag.SEQUENCE:
            # keep the universal SEQUENCE form: what a SignerIdentifier or an identifier built
            # from the certificate encodes, so that equal identifiers compare equal
            raw = b"\x30" + raw[len(elem.tag.encode()) :]
        return cls(issuer, serial, raw)

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> IssuerAndSerialNumber:
        """Parse one encoded IssuerAndSerialNumber; trailing data is an error."""
        elem = tlv.parse_one(bytes(data), base_offset=base_offset, what="IssuerAndSerialNumber")
        return cls.from_element(elem)

    def to_der(self) -> bytes:
        """The encoding (received octets when parsed)."""
        return self.der

    def matches(self, cert: Certificate) -> bool:
        """True when ``cert`` has this serial number and an issuer that matches by the
        name comparison of RFC 5280 section 7.1."""
        return cert.serial_number == self.serial_number and self.issuer.matches(cert.issuer)

    def __str__(self) -> str:
        return f"issuer {self.issuer.rfc4514()}, serial {_hex_serial(self.serial_number)}"


@dataclass(frozen=True, slots=True)
class CertificateIdentifier:
    """SignerIdentifier / RecipientIdentifier (RFC 5652 sections 5.3 and 6.2.1).

    Exactly one of ``issuer_and_serial`` and ``subject_key_identifier`` is set.

    :ivar issuer_and_serial: the issuerAndSerialNumber alternative.
    :ivar subject_key_identifier: the subjectKeyIdentifier ``[0]`` alternative (its octets).
    :ivar der: the exact encoding (as received, or DER when built); ``None`` until
        computed by :meth:`to_der`.
    """

    issuer_and_serial: IssuerAndSerialNumber | None = None
    subject_key_identifier: bytes | None = None
    der: bytes | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.issuer_and_serial is None) == (self.subject_key_identifier is None):
            raise UsageError(
                "a CertificateIdentifier needs exactly one of issuer_and_serial and "
                "subject_key_identifier"
            )

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_element(cls, elem: tlv.Element) -> CertificateIdentifier:
        """Parse the CHOICE: a SEQUENCE (issuerAndSerialNumber) or ``[0]`` (subjectKeyIdentifier,
        IMPLICIT OCTET STRING; a BER constructed form is accepted).

        :raises DecodeError: any other tag, or a malformed alternative.
        """
        tag = elem.tag
        if tag == tlv.Tag.SEQUENCE:
            return cls(IssuerAndSerialNumber.from_element(elem), None, elem.raw)
        if tag in (_SKI_TAG, _SKI_TAG_BER):
            return cls(None, elem.as_octets(implicit=True), elem.raw)
        raise DecodeError(
            f"certificate identifier: expected IssuerAndSerialNumber (SEQUENCE) or "
            f"subjectKeyIdentifier [0], found {tag}",
            offset=elem.offset,
        )

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> CertificateIdentifier:
        """Parse one encoded identifier; trailing data is an error."""
        elem = tlv.parse_one(bytes(data), base_offset=base_offset, what="certificate identifier")
        return cls.from_element(elem)

    @classmethod
    def from_certificate(cls, cert: Certificate, *, use_ski: bool = False) -> CertificateIdentifier:
        """The identifier to write for ``cert``.

        :param use_ski: identify by subjectKeyIdentifier (RFC 5652 5.3, version 3
            SignerInfo) instead of issuerAndSerialNumber.
        :raises UsageError: ``use_ski`` and the certificate has no subjectKeyIdentifier.
        """
        if not use_ski:
            return cls(IssuerAndSerialNumber.from_certificate(cert))
        try:
            ski = cert.subject_key_identifier
        except SmimeError as exc:
            raise UsageError(f"certificate subjectKeyIdentifier unusable: {exc.message}") from None
        if ski is None:
            raise UsageError(
                f"certificate {cert.subject.rfc4514()!r} has no subjectKeyIdentifier extension"
            )
        return cls(None, ski)

    @classmethod
    def from_subject_key_identifier(cls, ski: bytes) -> CertificateIdentifier:
        """The subjectKeyIdentifier alternative for a key identifier."""
        return cls(None, bytes(ski))

    # -- encoding and matching ------------------------------------------------------------
    @property
    def is_subject_key_identifier(self) -> bool:
        """True for the ``[0]`` subjectKeyIdentifier alternative."""
        return self.subject_key_identifier is not None

    def to_der(self) -> bytes:
        """The encoding: as received when parsed, else DER (RFC 5652 5.3)."""
        if self.der is not None:
            return self.der
        if self.issuer_and_serial is not None:
            return self.issuer_and_serial.der
        assert self.subject_key_identifier is not None
        return der.encode_tlv(_SKI_TAG, self.subject_key_identifier)

    def matches(self, cert: Certificate) -> bool:
        """Whether ``cert`` is the certificate this identifier names.

        issuerAndSerialNumber: serial equal and issuer names match (RFC 5280 7.1).
        subjectKeyIdentifier: the certificate's subjectKeyIdentifier extension has the same
        octets; an empty identifier matches nothing, and a certificate whose extension is
        malformed does not match.
        """
        if self.issuer_and_serial is not None:
            return self.issuer_and_serial.matches(cert)
        if not self.subject_key_identifier:
            return False
        try:
            return cert.subject_key_identifier == self.subject_key_identifier
        except SmimeError:
            return False

    def find(self, certs: Iterable[Certificate]) -> Certificate | None:
        """The first certificate in ``certs`` that :meth:`matches`, or ``None``."""
        for cert in certs:
            if self.matches(cert):
                return cert
        return None

    def __str__(self) -> str:
        if self.issuer_and_serial is not None:
            return str(self.issuer_and_serial)
        assert self.subject_key_identifier is not None
        return "subjectKeyIdentifier " + (self.subject_key_identifier.hex(":") or "(empty)")
