"""KEKRecipientInfo: a previously distributed symmetric key-encryption key (RFC 5652
section 6.2.3, RFC 3565 for the AES key wraps).

::

    KEKRecipientInfo ::= SEQUENCE {
        version                 CMSVersion,  -- always set to 4
        kekid                   KEKIdentifier,
        keyEncryptionAlgorithm  KeyEncryptionAlgorithmIdentifier,
        encryptedKey            EncryptedKey }

    KEKIdentifier ::= SEQUENCE {
        keyIdentifier  OCTET STRING,
        date           GeneralizedTime OPTIONAL,
        other          OtherKeyAttribute OPTIONAL }

smimelib writes id-aes128/192/256-wrap (parameters absent, RFC 3565 section 2.3.2) chosen
by the KEK length (16, 24 or 32 octets) and reads every key wrap of
:mod:`smimelib.crypto.keywrap` (AES wrap with NULL parameters is read and reported; the
Triple-DES wrap needs a legacy policy).
"""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass, field
from typing import ClassVar

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.cms.recipients._base import (
    KEK,
    KeyIdentifierFields,
    ReceivedEncoding,
    check_version,
    decryption_failed,
    encode_key_identifier_fields,
    octets,
    parse_key_identifier_fields,
)
from smimelib.crypto import keywrap
from smimelib.crypto.algorithms import Kind, Policy, Use, lookup
from smimelib.errors import DecodeError, DecryptionError, UsageError

__all__ = ["KEKRecipient", "KEKRecipientInfo"]

_AES_WRAP_BY_SIZE = {16: "aes-128-wrap", 24: "aes-192-wrap", 32: "aes-256-wrap"}


@dataclass(frozen=True, slots=True)
class KEKRecipient:
    """Wrap the content-encryption key under a shared key-encryption key (RFC 5652 6.2.3).

    :param key: the key-encryption key: 16, 24 or 32 octets (AES-128/192/256 key wrap).
    :param key_id: the keyIdentifier the recipient knows the key by.
    :param date: the optional KEKIdentifier date (GeneralizedTime).
    """

    key: bytes = field(repr=False)
    key_id: bytes
    date: datetime.datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, (bytes, bytearray)) or len(self.key) not in _AES_WRAP_BY_SIZE:
            raise UsageError("KEKRecipient key must be 16, 24 or 32 octets (AES key wrap)")
        if not isinstance(self.key_id, (bytes, bytearray)):
            raise UsageError("KEKRecipient key_id must be bytes")
        if self.date is not None and not isinstance(self.date, datetime.datetime):
            raise UsageError("KEKRecipient date must be a datetime")
        object.__setattr__(self, "key", bytes(self.key))
        object.__setattr__(self, "key_id", bytes(self.key_id))


@dataclass(frozen=True, slots=True)
class KEKIdentifier:
    """``KEKIdentifier`` (RFC 5652 section 6.2.3); ``other`` is the raw OtherKeyAttribute."""

    key_identifier: bytes
    date: datetime.datetime | None = None
    other: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class KEKRecipientInfo(ReceivedEncoding):
    """A parsed KEKRecipientInfo (RFC 5652 section 6.2.3); ``version`` is always 4."""

    kind: ClassVar[str] = "kekri"
    version: int
    kek_id: KEKIdentifier
    key_encryption_algorithm: AlgorithmIdentifier
    encrypted_key: bytes = field(repr=False)
    raw: bytes = field(repr=False)
    offset: int

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"kekri: {oids.name_of(self.key_encryption_algorithm.oid)} with the key-encryption "
            f"key {self.kek_id.key_identifier.hex()!r}"
        )


def parse_kekri(elem: tlv.Element) -> KEKRecipientInfo:
    """Parse ``kekri [2] IMPLICIT KEKRecipientInfo`` (the element with tag [2]).

    :raises DecodeError: malformed, or a version other than 4.
    """
    parts = elem.children()
    if len(parts) != 4:
        raise DecodeError(
            f"KEKRecipientInfo has {len(parts)} components (expected 4)", offset=elem.offset
        )
    version = check_version(parts[0], 4, "KEKRecipientInfo")
    fields = parse_key_identifier_fields(
        parts[1].expect(tlv.Tag.SEQUENCE, "KEKIdentifier"), "KEKIdentifier"
    )
    kek_id = KEKIdentifier(fields.key_identifier, fields.date, fields.other)
    alg = AlgorithmIdentifier.from_element(parts[2])
    encrypted = octets(parts[3], "KEKRecipientInfo encryptedKey")
    return KEKRecipientInfo(version, kek_id, alg, encrypted, elem.raw, elem.offset)


def encode_kekri(recipient: KEKRecipient, cek: bytes) -> bytes:
    """DER ``[2] KEKRecipientInfo`` wrapping ``cek`` under ``recipient.key``."""
    alg = keywrap.wrap_algorithm(_AES_WRAP_BY_SIZE[len(recipient.key)])
    wrapped = keywrap.wrap(alg, recipient.key, cek)
    kek_id = encode_key_identifier_fields(KeyIdentifierFields(recipient.key_id, recipient.date))
    body = der.sequence(der.encode_int(4), kek_id, alg.to_der(), der.encode_octets(wrapped))
    return der.implicit(2, body)


def kekri_matches(info: KEKRecipientInfo, kek: KEK) -> bool:
    """Whether ``kek`` is the key the entry names."""
    return hmac.compare_digest(info.kek_id.key_identifier, kek.key_id)


def decrypt_kekri(
    info: KEKRecipientInfo, kek: KEK, *, cek_length: int | None, policy: Policy
) -> tuple[bytes, tuple[str, ...], bool]:
    """Unwrap the content-encryption key: (cek, findings, weak).

    :raises DecryptionError: ``"decryption failed"`` (wrong key, corrupt data, wrong length).
    :raises UsageError: the KEK has another size than the key wrap needs.
    :raises UnsupportedAlgorithm / PolicyError / DecodeError: the keyEncryptionAlgorithm.
    """
    alg = info.key_encryption_algorithm
    info_ = lookup(alg.oid, kind=Kind.KEY_WRAP)
    policy.check(info_, Use.CONSUME)
    size = keywrap.kek_size(alg)
    if len(kek.key) != size:
        raise UsageError(
            f"the key-encryption key {kek.key_id.hex()!r} has {len(kek.key)} octets, "
            f"{info_.name} needs {size}"
        )
    findings: list[str] = []
    weak = info_.weak
    if weak:
        findings.append(f"{info_.name} key wrap (legacy) accepted by policy")
    if alg.parameters == NULL and alg.oid != keywrap.CMS3DES_WRAP:
        findings.append("AES key wrap with NULL parameters (RFC 3565 section 2.3.2: absent)")
    try:
        cek = keywrap.unwrap(
            alg, kek.key, info.encrypted_key, expected_length=cek_length, policy=policy
        )
    except DecryptionError:
        raise decryption_failed() from None
    return cek, tuple(findings), weak
