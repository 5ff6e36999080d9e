"""KeyTransRecipientInfo: RSA key transport (RFC 5652 section 6.2.1, RFC 3370 section 4.2,
RFC 3560 for RSAES-OAEP).

::

    KeyTransRecipientInfo ::= SEQUENCE {
        version                 CMSVersion,  -- always set to 0 or 2
        rid                     RecipientIdentifier,
        keyEncryptionAlgorithm  KeyEncryptionAlgorithmIdentifier,
        encryptedKey            EncryptedKey }

    RecipientIdentifier ::= CHOICE {
        issuerAndSerialNumber  IssuerAndSerialNumber,
        subjectKeyIdentifier   [0] SubjectKeyIdentifier }

The version is 0 for issuerAndSerialNumber and 2 for subjectKeyIdentifier, and it is
checked exactly on input. smimelib writes ``rsaEncryption`` (NULL parameters,
RSAES-PKCS1-v1_5) or ``id-RSAES-OAEP`` with explicit RSAES-OAEP-params (hash and MGF1
hash both SHA-256 by default, RFC 3560 section 3); on input absent or empty OAEP
parameters mean the SHA-1 defaults (RFC 4055 section 4.1), as OpenSSL writes them.

PKCS#1 v1.5 decryption uses implicit rejection (RFC 3218 section 2.3): a bad padding
yields a pseudo-random key of the content cipher's length instead of an error, so the
failure surfaces at content decryption like every other one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.identifiers import CertificateIdentifier
from smimelib.cms.recipients._base import (
    ReceivedEncoding,
    check_key_usage,
    check_version,
    decryption_failed,
    identifier_matches,
    octets,
)
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.keys import KeyType, PrivateKey
from smimelib.crypto.keytransport import (
    ID_RSAES_OAEP,
    RSA_ENCRYPTION,
    decrypt_key,
    encrypt_key,
    oaep_algorithm,
    pkcs1_algorithm,
)
from smimelib.errors import DecodeError, DecryptionError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate

__all__ = ["KeyTransRecipient", "KeyTransRecipientInfo"]

_MIN_STRONG_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class KeyTransRecipient:
    """Encrypt the content-encryption key to an RSA certificate (RFC 5652 section 6.2.1).

    :param certificate: the recipient's RSA certificate.
    :param oaep: use RSAES-OAEP (RFC 3560) instead of RSAES-PKCS1-v1_5.
    :param oaep_hash: hash of OAEP and of its MGF1 (``"sha256"``, ``"sha384"``, ``"sha512"``).
    :param use_ski: identify the certificate by subjectKeyIdentifier (version 2) instead of
        issuerAndSerialNumber (version 0).
    """

    certificate: Certificate
    oaep: bool = False
    oaep_hash: str = "sha256"
    use_ski: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.certificate, Certificate):
            raise UsageError("KeyTransRecipient needs a Certificate")


@dataclass(frozen=True, slots=True)
class KeyTransRecipientInfo(ReceivedEncoding):
    """A parsed KeyTransRecipientInfo (RFC 5652 section 6.2.1).

    :ivar version: 0 (issuerAndSerialNumber) or 2 (subjectKeyIdentifier).
    :ivar rid: the recipient's certificate identifier.
    :ivar key_encryption_algorithm: rsaEncryption or id-RSAES-OAEP with its parameters.
    :ivar encrypted_key: the encrypted content-encryption key.
    :ivar raw: the received encoding; ``offset`` its position in the input.
    """

    kind: ClassVar[str] = "ktri"
    version: int
    rid: CertificateIdentifier
    key_encryption_algorithm: AlgorithmIdentifier
    encrypted_key: bytes = field(repr=False)
    raw: bytes = field(repr=False)
    offset: int

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"ktri: {oids.name_of(self.key_encryption_algorithm.oid)} key transport to {self.rid}"
        )


def parse_ktri(elem: tlv.Element) -> KeyTransRecipientInfo:
    """Parse a KeyTransRecipientInfo SEQUENCE.

    :raises DecodeError: malformed, or a version that does not fit the identifier.
    """
    parts = elem.children()
    if len(parts) != 4:
        raise DecodeError(
            f"KeyTransRecipientInfo has {len(parts)} components (expected 4)", offset=elem.offset
        )
    rid = CertificateIdentifier.from_element(parts[1])
    expected = 2 if rid.is_subject_key_identifier else 0
    version = check_version(parts[0], expected, "KeyTransRecipientInfo")
    alg = AlgorithmIdentifier.from_element(parts[2])
    encrypted = octets(parts[3], "KeyTransRecipientInfo encryptedKey")
    return KeyTransRecipientInfo(version, rid, alg, encrypted, elem.raw, elem.offset)


def encode_ktri(recipient: KeyTransRecipient, cek: bytes) -> tuple[bytes, int]:
    """DER KeyTransRecipientInfo carrying ``cek`` for ``recipient`` and its version.

    :raises UsageError: not an RSA certificate, keyUsage without keyEncipherment, or
        ``use_ski`` for a certificate without a subjectKeyIdentifier.
    :raises PolicyError: an RSA key below 2048 bits.
    """
    cert = recipient.certificate
    try:
        public = cert.public_key
    except SmimeError as exc:
        raise UsageError(f"recipient certificate key unusable: {exc.message}") from None
    if public.type is not KeyType.RSA:
        raise UsageError(
            f"key transport needs an RSA certificate, {cert.subject.rfc4514()!r} has a "
            f"{public.type.value} key (use KeyAgreeRecipient)"
        )
    check_key_usage(cert, "KEY_ENCIPHERMENT", "key transport")
    rid = CertificateIdentifier.from_certificate(cert, use_ski=recipient.use_ski)
    version = 2 if recipient.use_ski else 0
    alg = oaep_algorithm(recipient.oaep_hash) if recipient.oaep else pkcs1_algorithm()
    encrypted = encrypt_key(public, alg, cek)
    encoded = der.sequence(
        der.encode_int(version), rid.to_der(), alg.to_der(), der.encode_octets(encrypted)
    )
    return encoded, version


def ktri_matches(info: KeyTransRecipientInfo, cert: Certificate) -> tuple[bool, str | None]:
    """Whether the entry names ``cert`` (with a finding for a computed SKI match)."""
    return identifier_matches(info.rid, cert)


_EMPTY_SEQUENCE = b"\x30\x00"


def decrypt_ktri(
    info: KeyTransRecipientInfo,
    private_key: PrivateKey,
    *,
    cek_length: int | None,
    policy: Policy,
) -> tuple[bytes, tuple[str, ...], bool]:
    """Recover the content-encryption key: (cek, findings, weak).

    RSAES-PKCS1-v1_5 with ``cek_length`` uses implicit rejection and never fails here.

    :raises DecryptionError: ``"decryption failed"`` (OAEP failure, wrong key type or
        length).
    :raises PolicyError: an RSA key below ``policy.min_rsa_bits``.
    :raises UnsupportedAlgorithm / DecodeError: a bad keyEncryptionAlgorithm.
    """
    if private_key.type is not KeyType.RSA:
        raise decryption_failed()
    bits = private_key.size_bits
    policy.check_rsa_bits(bits)
    findings: list[str] = []
    weak = bits < _MIN_STRONG_RSA_BITS
    if weak:
        findings.append(f"RSA key of {bits} bits accepted by policy (weak)")
    alg = info.key_encryption_algorithm
    if alg.oid == ID_RSAES_OAEP and alg.parameters in (None, _EMPTY_SEQUENCE):
        findings.append(
            "id-RSAES-OAEP without explicit parameters: read as the SHA-1/MGF1-SHA-1 defaults;"
            " RFC 4055 section 4.1 requires them to be present with an encrypted value"
        )
    implicit = cek_length if alg.oid == RSA_ENCRYPTION else None
    try:
        cek = decrypt_key(private_key, alg, info.encrypted_key, implicit_rejection_length=implicit)
    except (DecryptionError, UsageError):
        raise decryption_failed() from None
    if cek_length is not None and len(cek) != cek_length:
        raise decryption_failed()
    return cek, tuple(findings), weak
