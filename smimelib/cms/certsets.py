"""CertificateSet and RevocationInfoChoices (RFC 5652 sections 10.2.2, 10.2.3, 10.2.1).

::

    CertificateSet ::= SET OF CertificateChoices

    CertificateChoices ::= CHOICE {
        certificate           Certificate,
        extendedCertificate   [0] IMPLICIT ExtendedCertificate,  -- Obsolete
        v1AttrCert            [1] IMPLICIT AttributeCertificateV1,  -- Obsolete
        v2AttrCert            [2] IMPLICIT AttributeCertificateV2,
        other                 [3] IMPLICIT OtherCertificateFormat }

    RevocationInfoChoices ::= SET OF RevocationInfoChoice

    RevocationInfoChoice ::= CHOICE {
        crl    CertificateList,
        other  [1] IMPLICIT OtherRevocationInfoFormat }

Certificates inside a message are untrusted hints for chain building; they are
parsed with :class:`~smimelib.pki.certificate.Certificate` from the TLV reader's
elements (no re-encoding), in received order. Non-X.509 choices are kept as
their received octets. The number of entries is capped (THREATS 4.4: 64 per
message by default).

Writing: RFC 5652 defines a SET OF, which DER would sort (X.690 11.6), but the
order of certificates is what many clients use to build the chain, and
re-sorting broke Outlook and OpenSSL (pyca/cryptography#8127, FIELD-NOTES 12).
SignedData is not required to be DER outside its signed attributes, so
:func:`encode_certificate_set` writes the certificates **in the order given**
(the signer's certificate first, then its chain, as OpenSSL does), dropping
exact duplicates; ``der_sort=True`` gives the DER order when a caller needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki.certificate import Certificate

__all__ = [
    "MAX_CERTIFICATES",
    "MAX_REVOCATION_ENTRIES",
    "CertificateSet",
    "encode_certificate_set",
    "encode_revocation_info",
    "parse_certificate_set",
    "parse_revocation_info",
]

#: most CertificateChoices accepted in one set (THREATS 4.4)
MAX_CERTIFICATES = 64
#: most RevocationInfoChoice entries accepted in one set
MAX_REVOCATION_ENTRIES = 64

_CHOICE_NAMES = {
    0: "extendedCertificate [0]",
    1: "v1AttrCert [1]",
    2: "v2AttrCert [2]",
    3: "other [3]",
}


@dataclass(frozen=True, slots=True)
class CertificateSet:
    """The certificates of a CertificateSet, in received order (RFC 5652 10.2.3).

    :ivar certificates: the X.509 certificates (``certificate`` alternative).
    :ivar other: received octets of every other alternative (extended certificates,
        attribute certificates, OtherCertificateFormat), in received order.
    """

    certificates: tuple[Certificate, ...] = ()
    other: tuple[bytes, ...] = ()


def _check_set(
    elem: tlv.Element, what: str, limit: int, limit_name: str
) -> tuple[tlv.Element, ...]:
    if not elem.tag.constructed:
        raise DecodeError(
            f"{what} must be constructed (SET OF), found {elem.tag}", offset=elem.offset
        )
    children = elem.children()
    if len(children) > limit:
        raise LimitExceeded(
            f"{what} holds {len(children)} entries, more than the limit of {limit}",
            limit=limit_name,
            offset=elem.offset,
        )
    return children


def parse_certificate_set(
    elem: tlv.Element, *, max_certificates: int = MAX_CERTIFICATES
) -> CertificateSet:
    """Parse a CertificateSet from its element (the ``[0] IMPLICIT`` field of SignedData or
    OriginatorInfo; any constructed tag is accepted, the caller located it by tag).

    :raises DecodeError: an entry with an unknown tag, or a malformed X.509 certificate
        (the message names its index; the offset is the certificate's).
    :raises LimitExceeded: more than ``max_certificates`` entries.
    """
    children = _check_set(elem, "CertificateSet", max_certificates, "max_certificates")
    certs: list[Certificate] = []
    other: list[bytes] = []
    for index, child in enumerate(children):
        tag = child.tag
        if tag == tlv.Tag.SEQUENCE:
            try:
                certs.append(Certificate.from_element(child))
            except LimitExceeded:
                raise
            except DecodeError as exc:
                raise DecodeError(
                    f"malformed certificate #{index} in the CertificateSet: {exc.message}",
                    offset=exc.offset if exc.offset is not None else child.offset,
                ) from None
        elif tag.cls == tlv.TagClass.CONTEXT and tag.constructed and tag.number in _CHOICE_NAMES:
            other.append(child.raw)
        else:
            raise DecodeError(
                f"CertificateSet entry #{index} has tag {tag}; expected a Certificate or one "
                "of [0]..[3] (RFC 5652 10.2.2)",
                offset=child.offset,
            )
    return CertificateSet(tuple(certs), tuple(other))


def encode_certificate_set(
    certs: Iterable[Certificate],
    tag_number: int = 0,
    *,
    other: Iterable[bytes] = (),
    der_sort: bool = False,
) -> bytes:
    """``[tag_number] IMPLICIT CertificateSet`` with ``certs`` in the order given (see the
    module docstring), followed by ``other`` (complete encodings of other alternatives);
    exact duplicates are written once.

    :param der_sort: sort the entries into DER order (X.690 11.6) instead.
    :raises UsageError: an entry of ``other`` that is not a [0]..[3] encoding.
    """
    parts: list[bytes] = []
    seen: set[bytes] = set()
    for cert in certs:
        if cert.der not in seen:
            seen.add(cert.der)
            parts.append(cert.der)
    for raw in other:
        raw = bytes(raw)
        if not raw or raw[0] & 0xE0 != 0xA0 or raw[0] & 0x1F > 3:
            raise UsageError("other certificate formats must be [0]..[3] IMPLICIT encodings")
        if raw not in seen:
            seen.add(raw)
            parts.append(raw)
    if der_sort:
        parts.sort()
    return der.encode_tlv(tlv.Tag.context(tag_number, constructed=True), b"".join(parts))


def parse_revocation_info(
    elem: tlv.Element, *, max_entries: int = MAX_REVOCATION_ENTRIES
) -> tuple[bytes, ...]:
    """The received octets of each RevocationInfoChoice (RFC 5652 10.2.1), in order.

    CRLs (SEQUENCE) and ``other [1]`` entries are kept raw; parsing CRLs is the PKI
    layer's job.

    :raises DecodeError: an entry that is neither a SEQUENCE nor a constructed ``[1]``.
    :raises LimitExceeded: more than ``max_entries`` entries.
    """
    children = _check_set(elem, "RevocationInfoChoices", max_entries, "max_revocation_entries")
    out: list[bytes] = []
    other_tag = tlv.Tag.context(1, constructed=True)
    for index, child in enumerate(children):
        if child.tag != tlv.Tag.SEQUENCE and child.tag != other_tag:
            raise DecodeError(
                f"RevocationInfoChoices entry #{index} has tag {child.tag}; expected a "
                "CertificateList (SEQUENCE) or other [1]",
                offset=child.offset,
            )
        out.append(child.raw)
    return tuple(out)


def encode_revocation_info(crls: Iterable[bytes], tag_number: int = 1) -> bytes:
    """``[tag_number] IMPLICIT RevocationInfoChoices`` with the entries (complete
    encodings of CertificateList SEQUENCEs or ``[1]`` other formats) in the order given,
    exact duplicates written once.

    :raises UsageError: an entry that is not a SEQUENCE or ``[1]`` encoding.
    """
    parts: list[bytes] = []
    for raw in crls:
        raw = bytes(raw)
        if raw[:1] not in (b"\x30", b"\xa1"):
            raise UsageError("revocation entries must be CertificateList or [1] encodings")
        if raw not in parts:
            parts.append(raw)
    return der.encode_tlv(tlv.Tag.context(tag_number, constructed=True), b"".join(parts))
