"""Shared pieces of the RecipientInfo family (RFC 5652 section 6.2): the keys a caller
decrypts with, the result of recovering a content-encryption key, OtherRecipientInfo,
and the small parsing helpers every recipient type uses.

Decryption keys (what the caller holds):

* :class:`~smimelib.pki.identity.Identity` or :class:`KeyPair` — a private key with its
  certificate; selects KeyTransRecipientInfo and KeyAgreeRecipientInfo entries whose
  recipient identifier names the certificate (issuerAndSerialNumber or
  subjectKeyIdentifier, RFC 5652 sections 6.2.1 and 6.2.2).
* :class:`KEK` — a symmetric key-encryption key with its key identifier; selects
  KEKRecipientInfo entries with that identifier (RFC 5652 section 6.2.3).
* :class:`Password` — selects PasswordRecipientInfo entries (RFC 3211), which carry no
  identifier and are therefore tried in turn.

Errors follow RFC 3218 and THREATS "No decryption oracle": once an entry is selected every
cryptographic failure is ``DecryptionError("decryption failed")`` raised ``from None``.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from smimelib.asn1 import der, tlv
from smimelib.crypto.keys import PrivateKey
from smimelib.errors import DecodeError, DecryptionError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity

if TYPE_CHECKING:
    from smimelib.cms.identifiers import CertificateIdentifier
    from smimelib.cms.recipients import RecipientInfo

__all__ = [
    "DECRYPTION_FAILED",
    "KEK",
    "MAX_RECIPIENT_INFOS",
    "NO_MATCHING_RECIPIENT",
    "CekResult",
    "KeyPair",
    "OtherRecipientInfo",
    "Password",
    "ReceivedEncoding",
    "RecipientKey",
]

#: most RecipientInfo entries accepted in one message (THREATS section 4.4)
MAX_RECIPIENT_INFOS = 256
#: the one text of every cryptographic failure after an entry was selected (RFC 3218)
DECRYPTION_FAILED = "decryption failed"
#: no entry names any of the caller's keys (depends only on public data: not an oracle)
NO_MATCHING_RECIPIENT = "no recipient info matches the given keys"


def decryption_failed() -> DecryptionError:
    """The uniform decryption failure (raise it ``from None``)."""
    return DecryptionError(DECRYPTION_FAILED)


# ---------------------------------------------------------------------------------------
# Decryption keys


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A private key with the certificate that identifies it in RecipientInfos.

    Unlike :class:`~smimelib.pki.identity.Identity` the pair is not checked for a match
    (the check costs a public-key comparison per load); a key that does not belong to the
    certificate simply fails with ``DecryptionError("decryption failed")``.
    """

    key: PrivateKey
    certificate: Certificate

    def __post_init__(self) -> None:
        if not isinstance(self.key, PrivateKey):
            raise UsageError(f"KeyPair key must be a PrivateKey, not {type(self.key).__name__}")
        if not isinstance(self.certificate, Certificate):
            raise UsageError("KeyPair certificate must be a Certificate")


@dataclass(frozen=True, slots=True)
class KEK:
    """A symmetric key-encryption key and its identifier (RFC 5652 section 6.2.3).

    :ivar key_id: the ``KEKIdentifier.keyIdentifier`` octets it is known by.
    :ivar key: the key-encryption key (16, 24 or 32 octets for the AES key wraps).
    """

    key_id: bytes
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key_id, (bytes, bytearray)):
            raise UsageError("KEK key_id must be bytes")
        if not isinstance(self.key, (bytes, bytearray)) or not self.key:
            raise UsageError("KEK key must be non-empty bytes")
        object.__setattr__(self, "key_id", bytes(self.key_id))
        object.__setattr__(self, "key", bytes(self.key))


@dataclass(frozen=True, slots=True)
class Password:
    """A password for PasswordRecipientInfo (RFC 3211); a ``str`` is used as UTF-8."""

    password: bytes | str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.password, (bytes, bytearray, str)):
            raise UsageError("Password must be bytes or str")

    @property
    def encoded(self) -> bytes:
        """The password octets fed to the key derivation function (UTF-8 for ``str``)."""
        if isinstance(self.password, str):
            return self.password.encode("utf-8")
        return bytes(self.password)


#: what a caller may hold to decrypt
RecipientKey = Identity | KeyPair | KEK | Password


def private_key_and_certificate(key: RecipientKey) -> tuple[PrivateKey, Certificate] | None:
    """(private key, certificate) of an Identity or KeyPair, else ``None``."""
    if isinstance(key, (Identity, KeyPair)):
        return key.key, key.certificate
    return None


# ---------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class CekResult:
    """The recovered content-encryption key and the RecipientInfo that gave it.

    :ivar cek: the content-encryption key. For RSAES-PKCS1-v1_5 key transport it may be a
        pseudo-random key of the requested length (implicit rejection, RFC 3218 section
        2.3): the failure then surfaces when the content is decrypted.
    :ivar recipient_info: the entry used.
    :ivar findings: notes for the caller's report (legacy algorithms, encoding quirks).
    :ivar weak: a weak or legacy algorithm was accepted by the policy.
    """

    cek: bytes = field(repr=False)
    recipient_info: RecipientInfo
    findings: tuple[str, ...] = ()
    weak: bool = False


class ReceivedEncoding:
    """Mixin for the parsed RecipientInfo alternatives (RFC 5652 section 6.2): each keeps
    its received octets in ``raw`` and writes them back unchanged, so that re-encoding a
    parsed structure never alters a recipient's wrapped key or its identifiers."""

    __slots__ = ()
    raw: bytes

    def to_der(self) -> bytes:
        """The received encoding."""
        return self.raw


@dataclass(frozen=True, slots=True)
class OtherRecipientInfo:
    """``ori [4] OtherRecipientInfo`` (RFC 5652 section 6.2.5), kept raw and never used.

    ::

        OtherRecipientInfo ::= SEQUENCE {
            oriType   OBJECT IDENTIFIER,
            oriValue  ANY DEFINED BY oriType }

    KEMRecipientInfo (draft-ietf-lamps-cms-kemri) arrives here; it is reported, not
    decrypted. ``version`` is ``None``: the structure has no version field.
    """

    kind: ClassVar[str] = "ori"
    ori_type: str
    ori_value: bytes = field(repr=False)
    raw: bytes = field(repr=False)
    offset: int
    version: int | None = None

    def describe(self) -> str:
        """One line for reports."""
        from smimelib.asn1.oids import describe

        return f"ori: other recipient info of type {describe(self.ori_type)} (not supported)"


def parse_ori(elem: tlv.Element) -> OtherRecipientInfo:
    """Parse ``[4] IMPLICIT OtherRecipientInfo`` (RFC 5652 section 6.2.5)."""
    parts = elem.children()
    if len(parts) != 2:
        raise DecodeError(
            f"OtherRecipientInfo has {len(parts)} components (expected 2)", offset=elem.offset
        )
    return OtherRecipientInfo(parts[0].as_oid(), parts[1].raw, elem.raw, elem.offset)


# ---------------------------------------------------------------------------------------
# Parsing helpers


def check_version(elem: tlv.Element, expected: int, what: str) -> int:
    """Read a CMSVersion INTEGER and require ``expected`` (RFC 5652 section 6.2)."""
    version = elem.as_int()
    if version != expected:
        raise DecodeError(
            f"{what} version is {version}, RFC 5652 section 6.2 requires {expected}",
            offset=elem.offset,
        )
    return version


def octets(elem: tlv.Element, what: str) -> bytes:
    """An OCTET STRING value, with ``what`` named in the error."""
    if elem.tag.cls != tlv.TagClass.UNIVERSAL or elem.tag.number != 4:
        raise DecodeError(f"{what}: expected OCTET STRING, found {elem.tag}", offset=elem.offset)
    return elem.as_octets()


@dataclass(frozen=True, slots=True)
class KeyIdentifierFields:
    """The common shape of ``KEKIdentifier`` and ``RecipientKeyIdentifier`` (RFC 5652
    sections 6.2.2 and 6.2.3): an identifier, an optional date and an optional
    ``OtherKeyAttribute`` (kept raw)."""

    key_identifier: bytes
    date: datetime.datetime | None = None
    other: bytes | None = field(default=None, repr=False)


def parse_key_identifier_fields(elem: tlv.Element, what: str) -> KeyIdentifierFields:
    """Parse ``SEQUENCE { OCTET STRING, date GeneralizedTime OPTIONAL,
    other OtherKeyAttribute OPTIONAL }`` (the outer tag is the caller's to check)."""
    parts = list(elem.children())
    if not parts or len(parts) > 3:
        raise DecodeError(
            f"{what} has {len(parts)} components (expected 1 to 3)", offset=elem.offset
        )
    key_id = octets(parts.pop(0), f"{what} identifier")
    date: datetime.datetime | None = None
    if parts and parts[0].tag == tlv.Tag.GENERALIZED_TIME:
        date = parts.pop(0).as_time()
    other: bytes | None = None
    if parts and parts[0].tag == tlv.Tag.SEQUENCE:
        other_elem = parts.pop(0)
        other_parts = other_elem.children()
        if not 1 <= len(other_parts) <= 2:
            raise DecodeError(f"{what} OtherKeyAttribute is malformed", offset=other_elem.offset)
        other_parts[0].as_oid()
        other = other_elem.raw
    if parts:
        raise DecodeError(f"unexpected component in {what}: {parts[0].tag}", offset=parts[0].offset)
    return KeyIdentifierFields(key_id, date, other)


def encode_key_identifier_fields(fields: KeyIdentifierFields) -> bytes:
    """The DER SEQUENCE contents-and-tag of :func:`parse_key_identifier_fields`."""
    parts = [der.encode_octets(fields.key_identifier)]
    if fields.date is not None:
        parts.append(der.encode_generalized_time(fields.date))
    if fields.other is not None:
        parts.append(fields.other)
    return der.sequence(*parts)


# ---------------------------------------------------------------------------------------
# Certificate matching


def computed_key_identifiers(cert: Certificate) -> tuple[bytes, ...]:
    """Key identifiers computed for a certificate without a subjectKeyIdentifier extension.

    * RFC 5280 section 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value;
    * SHA-1 of the whole DER SubjectPublicKeyInfo, what Windows CryptoAPI computes as the
      key identifier of such a certificate (Outlook 2010 writes it, vector
      bc/mail/outlook_2010_beta_sime_msg.eml).
    """
    out = [hashlib.sha1(cert.spki_der).digest()]
    try:
        spki = tlv.parse_one(cert.spki_der, what="SubjectPublicKeyInfo")
        parts = spki.children()
        if len(parts) == 2:
            out.insert(0, hashlib.sha1(parts[1].as_bit_string()[1]).digest())
    except SmimeError:
        pass
    return tuple(out)


COMPUTED_SKI_FINDING = (
    "recipient identified by a subjectKeyIdentifier computed from the public key "
    "(RFC 5280 section 4.2.1.2 method 1, or the SHA-1 of the SubjectPublicKeyInfo as "
    "Windows computes it); the certificate has no such extension"
)


def identifier_matches(ident: CertificateIdentifier, cert: Certificate) -> tuple[bool, str | None]:
    """Whether ``ident`` names ``cert``: (matched, finding).

    A subjectKeyIdentifier also matches a certificate without the extension when it
    equals a computed identifier (:func:`computed_key_identifiers`), with a finding.
    """
    if ident.matches(cert):
        return True, None
    ski = ident.subject_key_identifier
    if not ski:
        return False, None
    try:
        has_ski = cert.subject_key_identifier is not None
    except SmimeError:
        return False, None
    if not has_ski and ski in computed_key_identifiers(cert):
        return True, COMPUTED_SKI_FINDING
    return False, None


def check_key_usage(cert: Certificate, bit: str, purpose: str) -> None:
    """Refuse to encrypt to a certificate whose keyUsage extension lacks ``bit``
    (RFC 8550 section 4.4.2: keyEncipherment for key transport, keyAgreement for key
    agreement). A certificate without the extension is accepted.

    :raises UsageError: the bit is missing, or the extension is unreadable.
    """
    from smimelib.pki.extensions import KeyUsage

    try:
        usage = cert.key_usage
    except SmimeError as exc:
        raise UsageError(f"certificate keyUsage unreadable: {exc.message}") from None
    if usage is not None and KeyUsage[bit] not in usage:
        raise UsageError(
            f"certificate {cert.subject.rfc4514()!r} does not allow {purpose}: its keyUsage "
            f"lacks {KeyUsage[bit].rfc_name} (RFC 8550 section 4.4.2)"
        )
