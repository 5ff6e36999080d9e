"""Walking a DER/BER Certificate with the TLV reader (RFC 5280 section 4.1).

Used by :mod:`smimelib.pki.certificate`; kept apart so that the value class
stays readable. Decodes the fields every caller needs and records RFC 5280
deviations that do not prevent reading as human-readable anomalies.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from smimelib.asn1 import tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.errors import DecodeError, LimitExceeded
from smimelib.pki.extensions import Extension
from smimelib.pki.names import Name

__all__ = ["MAX_SERIAL_OCTETS", "CertificateFields", "parse_certificate_fields"]

#: serial numbers up to this many octets are read (RFC 5280 allows 20; THREATS 4.4)
MAX_SERIAL_OCTETS = 64


class CertificateFields(NamedTuple):
    """The decoded fields of one certificate (as :class:`smimelib.pki.certificate.Certificate`)."""

    der: bytes
    tbs_der: bytes
    version: int
    serial_number: int
    signature_algorithm: AlgorithmIdentifier
    tbs_signature_algorithm: AlgorithmIdentifier
    issuer: Name
    subject: Name
    not_before: datetime.datetime
    not_after: datetime.datetime
    spki_der: bytes
    public_key_algorithm: AlgorithmIdentifier
    extensions: tuple[Extension, ...]
    signature_value: bytes
    anomalies: tuple[str, ...]
    serial_der: bytes
    signature_unused_bits: int


def _expect(elem: tlv.Element, tag: tlv.Tag, what: str) -> tlv.Element:
    if elem.tag != tag:
        raise DecodeError(f"{what}: unexpected tag {elem.tag}", offset=elem.offset)
    return elem


def parse_certificate_fields(elem: tlv.Element) -> CertificateFields:
    """Walk a Certificate element (RFC 5280 section 4.1) and decode its fields."""
    _expect(elem, tlv.Tag.SEQUENCE, "Certificate")
    outer = elem.children()
    if len(outer) != 3:
        raise DecodeError(f"Certificate has {len(outer)} elements (expected 3)", offset=elem.offset)
    tbs_elem, sig_alg_elem, sig_elem = outer
    _expect(tbs_elem, tlv.Tag.SEQUENCE, "TBSCertificate")
    anomalies: list[str] = []
    if elem.indefinite or tbs_elem.indefinite:
        anomalies.append("indefinite-length encoding (not DER; X.690 section 10.1)")
    signature_algorithm = AlgorithmIdentifier.from_element(
        _expect(sig_alg_elem, tlv.Tag.SEQUENCE, "signatureAlgorithm")
    )
    unused, signature = _expect(sig_elem, tlv.Tag.BIT_STRING, "signatureValue").as_bit_string()
    if unused:
        anomalies.append("signatureValue has unused bits")

    fields = list(tbs_elem.children())
    pos = 0

    def take(what: str) -> tlv.Element:
        nonlocal pos
        if pos >= len(fields):
            raise DecodeError(f"TBSCertificate ends before {what}", offset=tbs_elem.offset)
        item = fields[pos]
        pos += 1
        return item

    version = 1
    if fields and fields[0].tag == tlv.Tag.context(0, constructed=True):
        wrapper = take("version")
        inner = wrapper.children()
        if len(inner) != 1:
            raise DecodeError("version must hold one INTEGER", offset=wrapper.offset)
        encoded = _expect(inner[0], tlv.Tag.INTEGER, "version").as_int(max_octets=4)
        if encoded not in (0, 1, 2):
            raise DecodeError(
                f"unknown certificate version {encoded} (RFC 5280 4.1.2.1)", offset=inner[0].offset
            )
        version = encoded + 1
        if encoded == 0:
            anomalies.append("version v1 encoded explicitly (DEFAULT; X.690 11.5)")

    serial_elem = _expect(take("serialNumber"), tlv.Tag.INTEGER, "serialNumber")
    if serial_elem.content_length > MAX_SERIAL_OCTETS:
        raise LimitExceeded(
            f"serial number of {serial_elem.content_length} octets (limit {MAX_SERIAL_OCTETS})",
            limit="max_integer_octets",
            offset=serial_elem.offset,
        )
    serial = serial_elem.as_int(max_octets=MAX_SERIAL_OCTETS)
    if serial <= 0:
        anomalies.append("serial number is not positive (RFC 5280 4.1.2.2)")
    if serial_elem.content_length > 20:
        anomalies.append("serial number longer than 20 octets (RFC 5280 4.1.2.2)")

    tbs_sig_elem = _expect(take("signature"), tlv.Tag.SEQUENCE, "signature")
    tbs_signature_algorithm = AlgorithmIdentifier.from_element(tbs_sig_elem)
    if tbs_signature_algorithm != signature_algorithm:
        anomalies.append(
            "signatureAlgorithm differs from the TBSCertificate signature (RFC 5280 4.1.1.2)"
        )
    issuer = Name.from_element(_expect(take("issuer"), tlv.Tag.SEQUENCE, "issuer"))

    validity = _expect(take("validity"), tlv.Tag.SEQUENCE, "validity").children()
    if len(validity) != 2:
        raise DecodeError(
            "Validity must hold notBefore and notAfter", offset=fields[pos - 1].offset
        )
    times = []
    for t in validity:
        if t.tag not in (tlv.Tag.UTC_TIME, tlv.Tag.GENERALIZED_TIME):
            raise DecodeError(
                "validity time is neither UTCTime nor GeneralizedTime", offset=t.offset
            )
        value = t.as_time()
        if t.tag == tlv.Tag.GENERALIZED_TIME and value.year < 2050:
            anomalies.append("GeneralizedTime used for a date before 2050 (RFC 5280 4.1.2.5)")
        times.append(value)
    subject = Name.from_element(_expect(take("subject"), tlv.Tag.SEQUENCE, "subject"))

    spki_elem = _expect(take("subjectPublicKeyInfo"), tlv.Tag.SEQUENCE, "subjectPublicKeyInfo")
    spki_parts = spki_elem.children()
    if len(spki_parts) != 2 or spki_parts[1].tag != tlv.Tag.BIT_STRING:
        raise DecodeError("malformed SubjectPublicKeyInfo", offset=spki_elem.offset)
    key_alg = AlgorithmIdentifier.from_element(
        _expect(spki_parts[0], tlv.Tag.SEQUENCE, "SubjectPublicKeyInfo algorithm")
    )

    extensions: tuple[Extension, ...] = ()
    last_optional = 0
    while pos < len(fields):
        item = take("optional fields")
        tag = item.tag
        if (
            tag.cls != tlv.TagClass.CONTEXT
            or not 1 <= tag.number <= 3
            or tag.number <= last_optional
        ):
            raise DecodeError(f"unexpected element {tag} in TBSCertificate", offset=item.offset)
        last_optional = tag.number
        if tag.number in (1, 2):
            if version < 2:
                anomalies.append("unique identifier in a v1 certificate (RFC 5280 4.1.2.8)")
            continue
        extensions = _parse_extensions(item, anomalies)
        if version != 3:
            anomalies.append("extensions in a certificate that is not v3 (RFC 5280 4.1.2.9)")

    return CertificateFields(
        der=elem.raw,
        tbs_der=tbs_elem.raw,
        version=version,
        serial_number=serial,
        signature_algorithm=signature_algorithm,
        tbs_signature_algorithm=tbs_signature_algorithm,
        issuer=issuer,
        subject=subject,
        not_before=times[0],
        not_after=times[1],
        spki_der=spki_elem.raw,
        public_key_algorithm=key_alg,
        extensions=extensions,
        signature_value=signature,
        anomalies=tuple(anomalies),
        serial_der=serial_elem.raw,
        signature_unused_bits=unused,
    )


def _parse_extensions(wrapper: tlv.Element, anomalies: list[str]) -> tuple[Extension, ...]:
    inner = wrapper.children()
    if len(inner) != 1:
        raise DecodeError("extensions [3] must hold one SEQUENCE", offset=wrapper.offset)
    seq = _expect(inner[0], tlv.Tag.SEQUENCE, "Extensions")
    items = tuple(Extension.from_element(e) for e in seq.children())
    if not items:
        anomalies.append("empty Extensions (SIZE (1..MAX); RFC 5280 4.1)")
    seen: set[str] = set()
    for e, e_elem in zip(items, seq.children(), strict=True):
        if e.oid in seen:
            raise DecodeError(
                f"extension {e.oid} appears more than once (RFC 5280 section 4.2)",
                offset=e_elem.offset,
            )
        seen.add(e.oid)
        if e.explicit_default:
            anomalies.append(f"extension {e.oid}: critical FALSE encoded explicitly (X.690 11.5)")
    return items
