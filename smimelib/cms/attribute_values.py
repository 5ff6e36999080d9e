"""Values of the S/MIME attributes (RFC 8551 sections 2.5.2, 2.5.3) and of
CMSAlgorithmProtection (RFC 6211).

::

    SMIMECapabilities ::= SEQUENCE OF SMIMECapability
    SMIMECapability ::= SEQUENCE {
        capabilityID  OBJECT IDENTIFIER,
        parameters    ANY DEFINED BY capabilityID OPTIONAL }

    SMIMEEncryptionKeyPreference ::= CHOICE {           -- IMPLICIT TAGS module
        issuerAndSerialNumber   [0] IssuerAndSerialNumber,
        receipentKeyId          [1] RecipientKeyIdentifier,
        subjectAltKeyIdentifier [2] SubjectKeyIdentifier }

Capabilities are :class:`~smimelib.asn1.algid.AlgorithmIdentifier` values whose
parameters keep their exact DER, because RFC 8551 2.5.2 compares them byte for
byte. :data:`DEFAULT_CAPABILITIES` is what smimelib announces, in preference
order; :func:`capability_preference` turns anyone's list into the
content-encryption algorithms smimelib can encrypt with, in that sender's order
(RFC 8551 2.7.1 rule 1). The attribute-level constructors and decoders are in
:mod:`smimelib.cms.attributes`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate

__all__ = [
    "DEFAULT_CAPABILITIES",
    "KEY_PREFERENCE_KINDS",
    "AlgorithmProtection",
    "EncryptionKeyPreference",
    "capability_key_bits",
    "capability_preference",
    "encode_encryption_key_preference",
    "encode_smime_capabilities",
    "parse_algorithm_protection",
    "parse_encryption_key_preference",
    "parse_smime_capabilities",
]

_AES = "2.16.840.1.101.3.4.1."
_RC2 = "1.2.840.113549.3.2"
_OAEP = "1.2.840.113549.1.1.7"
_CHACHA = "1.2.840.113549.1.9.16.3.18"
_ECDH_SHA256_KDF = "1.3.132.1.11.1"
_ECDH_HKDF_SHA256 = "1.2.840.113549.1.9.16.3.19"
_AES128_WRAP = _AES + "5"
_AES256_WRAP = _AES + "45"

#: content-encryption OIDs smimelib can encrypt with -> the name ``ciphers.content_algorithm``
#: takes; CCM is listed so that a peer announcing it is understood
_CONTENT_CIPHERS = {
    _AES + "46": "aes-256-gcm",
    _AES + "26": "aes-192-gcm",
    _AES + "6": "aes-128-gcm",
    _CHACHA: "chacha20-poly1305",
    _AES + "47": "aes-256-ccm",
    _AES + "27": "aes-192-ccm",
    _AES + "7": "aes-128-ccm",
    _AES + "42": "aes-256-cbc",
    _AES + "22": "aes-192-cbc",
    _AES + "2": "aes-128-cbc",
}

# RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 3560 section 5, rSAES-OAEP-SHA256-
# Identifier; its DER is given there byte for byte)
_OAEP_SHA256_PARAMS = bytes.fromhex(
    "302b300d06096086480165030402010500301a06092a864886f70d010108300d06096086480165030402010500"
)

#: What smimelib announces in SMIMECapabilities, in preference order (RFC 8551 2.5.2):
#: AEAD ciphers first (RFC 8551 2.7: AES-128/256-GCM MUST, ChaCha20-Poly1305 SHOULD+), then
#: AES-CBC (2.7: AES-128-CBC MUST-; RFC 3565 section 5: parameters absent), then key
#: management: RSAES-OAEP with SHA-256 (RFC 3560 section 5; RFC 8551 2.3 SHOULD+), ECDH
#: P-256 with the X9.63 SHA-256 KDF (RFC 5753 section 6; 2.3 MUST) and X25519 with HKDF-SHA-256
#: (RFC 8418 section 8; 2.3 MUST), each with AES-256 then AES-128 key wrap as parameters.
#: rsaEncryption is not listed: RSA PKCS #1 v1.5 is the MUST- baseline every agent assumes,
#: and the OID is ambiguous between signature and key transport (RFC 8551 2.5.2).
DEFAULT_CAPABILITIES: tuple[AlgorithmIdentifier, ...] = (
    AlgorithmIdentifier(_AES + "46"),
    AlgorithmIdentifier(_AES + "6"),
    AlgorithmIdentifier(_CHACHA),
    AlgorithmIdentifier(_AES + "42"),
    AlgorithmIdentifier(_AES + "22"),
    AlgorithmIdentifier(_AES + "2"),
    AlgorithmIdentifier(_OAEP, _OAEP_SHA256_PARAMS),
    AlgorithmIdentifier(_ECDH_SHA256_KDF, AlgorithmIdentifier(_AES256_WRAP).to_der()),
    AlgorithmIdentifier(_ECDH_SHA256_KDF, AlgorithmIdentifier(_AES128_WRAP).to_der()),
    AlgorithmIdentifier(_ECDH_HKDF_SHA256, AlgorithmIdentifier(_AES256_WRAP).to_der()),
    AlgorithmIdentifier(_ECDH_HKDF_SHA256, AlgorithmIdentifier(_AES128_WRAP).to_der()),
)


def capability_preference(caps: Iterable[AlgorithmIdentifier]) -> list[str]:
    """The content-encryption algorithms in ``caps`` that smimelib can encrypt with, as
    names for ``smimelib.crypto.ciphers.content_algorithm`` (``"aes-256-gcm"`` ...), in the
    order given (the announcer's preference, RFC 8551 2.7.1), without repeats.

    Parameters must be absent (RFC 3565 section 5, RFC 5084 section 3, RFC 8103 section 4);
    NULL is tolerated. RC2, DES and 3DES are never returned: smimelib does not encrypt with
    them.
    """
    out: list[str] = []
    for cap in caps:
        name = _CONTENT_CIPHERS.get(cap.oid)
        if name is not None and cap.parameters_absent_or_null and name not in out:
            out.append(name)
    return out


def capability_key_bits(cap: AlgorithmIdentifier) -> int | None:
    """The effective key bits an RC2-CBC capability announces (its INTEGER parameter, RFC
    8551 2.5.2 / RFC 5751 appendix: 40, 64 or 128), else ``None``.

    :raises DecodeError: an RC2 capability whose parameter is not an INTEGER.
    """
    if cap.oid != _RC2 or cap.parameters is None:
        return None
    elem = tlv.parse_one(cap.parameters, what="RC2 capability parameter")
    return elem.as_int(max_octets=4)


def parse_smime_capabilities(elem: tlv.Element) -> tuple[AlgorithmIdentifier, ...]:
    """Decode an SMIMECapabilities value (SEQUENCE OF SMIMECapability), order kept.

    :raises DecodeError: not a SEQUENCE of ``SEQUENCE { OID, ANY OPTIONAL }``.
    """
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(
            f"SMIMECapabilities: expected SEQUENCE, found {elem.tag}", offset=elem.offset
        )
    return tuple(AlgorithmIdentifier.from_element(c) for c in elem.children())


def encode_smime_capabilities(caps: Iterable[AlgorithmIdentifier] | None = None) -> bytes:
    """DER SMIMECapabilities in the order given (:data:`DEFAULT_CAPABILITIES` if ``None``)."""
    chosen = DEFAULT_CAPABILITIES if caps is None else tuple(caps)
    return der.sequence(*(c.to_der() for c in chosen))


#: the SMIMEEncryptionKeyPreference alternatives by context tag number
KEY_PREFERENCE_KINDS = {
    0: "issuerAndSerialNumber",
    1: "receipentKeyId",
    2: "subjectAltKeyIdentifier",
}


@dataclass(frozen=True, slots=True)
class EncryptionKeyPreference:
    """A decoded SMIMEEncryptionKeyPreference (RFC 8551 section 2.5.3).

    :ivar identifier: the preferred certificate (issuerAndSerialNumber, or the key
        identifier of ``receipentKeyId`` / ``subjectAltKeyIdentifier``).
    :ivar kind: which alternative was used (a value of :data:`KEY_PREFERENCE_KINDS`).
    :ivar date: the RecipientKeyIdentifier ``date``, if present.
    :ivar other: the received OtherKeyAttribute of a RecipientKeyIdentifier, if present.
    """

    identifier: CertificateIdentifier
    kind: str = "issuerAndSerialNumber"
    date: datetime.datetime | None = None
    other: bytes | None = None

    @classmethod
    def for_certificate(
        cls, cert: Certificate, *, use_ski: bool = False
    ) -> EncryptionKeyPreference:
        """Prefer ``cert``: by issuerAndSerialNumber, or by subjectAltKeyIdentifier."""
        ident = CertificateIdentifier.from_certificate(cert, use_ski=use_ski)
        return cls(ident, "subjectAltKeyIdentifier" if use_ski else "issuerAndSerialNumber")

    def matches(self, cert: Certificate) -> bool:
        """Whether ``cert`` is the preferred certificate."""
        return self.identifier.matches(cert)


def parse_encryption_key_preference(elem: tlv.Element) -> EncryptionKeyPreference:
    """Decode an SMIMEEncryptionKeyPreference value (RFC 8551 section 2.5.3; IMPLICIT tags).

    :raises DecodeError: an unknown alternative or a malformed one.
    """
    tag = elem.tag
    kind = KEY_PREFERENCE_KINDS.get(tag.number) if tag.cls == tlv.TagClass.CONTEXT else None
    if kind is None:
        raise DecodeError(f"SMIMEEncryptionKeyPreference: unexpected {tag}", offset=elem.offset)
    if tag.number == 0:
        ias = IssuerAndSerialNumber.from_element(elem, implicit=True)
        return EncryptionKeyPreference(CertificateIdentifier(ias), kind)
    if tag.number == 2:
        return EncryptionKeyPreference(
            CertificateIdentifier(None, elem.as_octets(implicit=True)), kind
        )
    # RecipientKeyIdentifier ::= SEQUENCE { subjectKeyIdentifier, date GeneralizedTime
    #     OPTIONAL, other OtherKeyAttribute OPTIONAL } (RFC 5652 section 6.2.2)
    if not tag.constructed:
        raise DecodeError("receipentKeyId must be constructed", offset=elem.offset)
    parts = list(elem.children())
    if not 1 <= len(parts) <= 3:
        raise DecodeError(f"RecipientKeyIdentifier has {len(parts)} components", offset=elem.offset)
    ski = parts.pop(0).as_octets()
    date: datetime.datetime | None = None
    if parts and parts[0].tag.with_constructed(False) == tlv.Tag.GENERALIZED_TIME:
        date = parts.pop(0).as_time()
    other: bytes | None = None
    if parts:
        if parts[0].tag != tlv.Tag.SEQUENCE or len(parts) > 1:
            raise DecodeError(
                "RecipientKeyIdentifier: malformed date/other", offset=parts[0].offset
            )
        other = parts[0].raw
    return EncryptionKeyPreference(CertificateIdentifier(None, ski), kind, date, other)


def encode_encryption_key_preference(
    pref: EncryptionKeyPreference | CertificateIdentifier,
) -> bytes:
    """DER SMIMEEncryptionKeyPreference. A bare :class:`CertificateIdentifier` is written as
    ``issuerAndSerialNumber [0]`` or ``subjectAltKeyIdentifier [2]``.

    :raises UsageError: ``kind`` does not fit the identifier.
    """
    if isinstance(pref, CertificateIdentifier):
        kind = (
            "subjectAltKeyIdentifier" if pref.is_subject_key_identifier else "issuerAndSerialNumber"
        )
        pref = EncryptionKeyPreference(pref, kind)
    ident = pref.identifier
    if pref.kind == "issuerAndSerialNumber":
        if ident.issuer_and_serial is None:
            raise UsageError("issuerAndSerialNumber preference needs an IssuerAndSerialNumber")
        return der.implicit(0, ident.issuer_and_serial.der)
    if ident.subject_key_identifier is None:
        raise UsageError(f"{pref.kind} preference needs a subject key identifier")
    if pref.kind == "subjectAltKeyIdentifier":
        return der.implicit(2, der.encode_octets(ident.subject_key_identifier))
    if pref.kind != "receipentKeyId":
        raise UsageError(f"unknown key preference kind {pref.kind!r}")
    parts = [der.encode_octets(ident.subject_key_identifier)]
    if pref.date is not None:
        parts.append(der.encode_generalized_time(pref.date))
    if pref.other is not None:
        parts.append(pref.other)
    return der.implicit(1, der.sequence(*parts))


# -- CMSAlgorithmProtection (RFC 6211 section 2) ------------------------------------------


@dataclass(frozen=True, slots=True)
class AlgorithmProtection:
    """``CMSAlgorithmProtection ::= SEQUENCE { digestAlgorithm DigestAlgorithmIdentifier,
    signatureAlgorithm [1] SignatureAlgorithmIdentifier OPTIONAL, macAlgorithm [2]
    MessageAuthenticationCodeAlgorithm OPTIONAL }`` with exactly one of ``[1]``/``[2]``
    (RFC 6211 section 2; the module uses IMPLICIT tags)."""

    digest_algorithm: AlgorithmIdentifier
    signature_algorithm: AlgorithmIdentifier | None = None
    mac_algorithm: AlgorithmIdentifier | None = None

    def matches(
        self,
        digest_algorithm: AlgorithmIdentifier,
        signature_algorithm: AlgorithmIdentifier | None = None,
        mac_algorithm: AlgorithmIdentifier | None = None,
    ) -> bool:
        """Whether the protected algorithms equal those of the SignerInfo (or
        AuthenticatedData), OIDs and parameter encodings alike (RFC 6211 section 3)."""
        return (
            self.digest_algorithm == digest_algorithm
            and self.signature_algorithm == signature_algorithm
            and self.mac_algorithm == mac_algorithm
        )


def _implicit_algid(elem: tlv.Element) -> AlgorithmIdentifier:
    if not elem.tag.constructed:
        raise DecodeError(f"{elem.tag} AlgorithmIdentifier must be constructed", offset=elem.offset)
    parts = elem.children()
    if not 1 <= len(parts) <= 2:
        raise DecodeError(f"AlgorithmIdentifier has {len(parts)} components", offset=elem.offset)
    return AlgorithmIdentifier(parts[0].as_oid(), parts[1].raw if len(parts) == 2 else None)


def parse_algorithm_protection(elem: tlv.Element) -> AlgorithmProtection:
    """Decode a CMSAlgorithmProtection value (RFC 6211 section 2).

    :raises DecodeError: not digestAlgorithm plus exactly one of ``[1]`` / ``[2]``.
    """
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(
            f"CMSAlgorithmProtection: expected SEQUENCE, found {elem.tag}", offset=elem.offset
        )
    parts = elem.children()
    if len(parts) != 2:
        raise DecodeError(
            f"CMSAlgorithmProtection has {len(parts)} components (digestAlgorithm and exactly "
            "one of signatureAlgorithm [1] / macAlgorithm [2])",
            offset=elem.offset,
        )
    digest = AlgorithmIdentifier.from_element(parts[0])
    tag = parts[1].tag
    if tag == tlv.Tag.context(1):
        return AlgorithmProtection(digest, signature_algorithm=_implicit_algid(parts[1]))
    if tag == tlv.Tag.context(2):
        return AlgorithmProtection(digest, mac_algorithm=_implicit_algid(parts[1]))
    raise DecodeError(f"CMSAlgorithmProtection: unexpected {tag}", offset=parts[1].offset)
