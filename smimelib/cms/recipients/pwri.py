"""PasswordRecipientInfo: a key-encryption key derived from a password (RFC 5652 section
6.2.4, RFC 3211).

::

    PasswordRecipientInfo ::= SEQUENCE {
        version                 CMSVersion,   -- always set to 0
        keyDerivationAlgorithm  [0] KeyDerivationAlgorithmIdentifier OPTIONAL,
        keyEncryptionAlgorithm  KeyEncryptionAlgorithmIdentifier,
        encryptedKey            EncryptedKey }

``keyDerivationAlgorithm`` is ``[0] IMPLICIT``: the tag replaces the AlgorithmIdentifier's
SEQUENCE tag (RFC 3211 section 2.1; the CMS module has IMPLICIT TAGS). smimelib writes
PBKDF2 (RFC 8018; HMAC-SHA-256 by default, no keyLength) and id-alg-PWRI-KEK whose
parameters are AES-256-CBC with its own IV (RFC 3211 section 2.3), and reads PBKDF2 with
the HMAC-SHA-1/-2 PRFs and any key wrap of :mod:`smimelib.crypto.keywrap`. The iteration
count comes from the message and is bounded by ``Policy.max_pbkdf2_iterations`` (a CPU
denial of service otherwise; FIELD-NOTES row 15). An entry without
keyDerivationAlgorithm (its KEK is distributed by other means) is never matched by a
password. Passwords given as ``str`` are UTF-8 encoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from Crypto.Random import get_random_bytes

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.recipients._base import (
    Password,
    ReceivedEncoding,
    check_version,
    decryption_failed,
    octets,
)
from smimelib.crypto import kdf, keywrap
from smimelib.crypto.algorithms import Kind, Policy, Use, lookup
from smimelib.errors import DecodeError, DecryptionError, SmimeError, UsageError

__all__ = ["DEFAULT_PBKDF2_ITERATIONS", "PasswordRecipient", "PasswordRecipientInfo"]

#: PBKDF2-HMAC-SHA256 iterations written by default (OWASP 2023 guidance; ~0.3 s)
DEFAULT_PBKDF2_ITERATIONS = 600_000
_SALT_LENGTH = 16
_INNER_CIPHER = "aes-256-cbc"


@dataclass(frozen=True, slots=True)
class PasswordRecipient:
    """Protect the content-encryption key with a password (RFC 3211).

    :param password: the password; ``str`` is UTF-8 encoded.
    :param iterations: PBKDF2 iteration count.
    :param prf: PBKDF2 PRF (``"hmac-sha256"``, ``"hmac-sha512"``, ``"hmac-sha1"`` ...).
    :param salt: PBKDF2 salt; default 16 random octets per message.
    """

    password: bytes | str = field(repr=False)
    iterations: int = DEFAULT_PBKDF2_ITERATIONS
    prf: str = "hmac-sha256"
    salt: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.password, (bytes, bytearray, str)) or not self.password:
            raise UsageError("PasswordRecipient needs a non-empty password (bytes or str)")
        if not isinstance(self.iterations, int) or self.iterations < 1:
            raise UsageError("PasswordRecipient iterations must be a positive integer")
        if self.salt is not None and (
            not isinstance(self.salt, (bytes, bytearray)) or len(self.salt) < 8
        ):
            raise UsageError("PasswordRecipient salt must be at least 8 octets (RFC 8018 4.1)")
        try:
            kdf.prf_algorithm(self.prf)
        except SmimeError:
            raise UsageError(f"unsupported PBKDF2 PRF {self.prf!r}") from None

    @property
    def encoded_password(self) -> bytes:
        """The password octets (UTF-8 for ``str``)."""
        return Password(self.password).encoded


@dataclass(frozen=True, slots=True)
class PasswordRecipientInfo(ReceivedEncoding):
    """A parsed PasswordRecipientInfo (RFC 5652 section 6.2.4); ``version`` is always 0.

    :ivar key_derivation_algorithm: the KDF (id-PBKDF2), or ``None`` when absent.
    :ivar key_encryption_algorithm: id-alg-PWRI-KEK (inner cipher as parameters) or
        another key wrap.
    """

    kind: ClassVar[str] = "pwri"
    version: int
    key_derivation_algorithm: AlgorithmIdentifier | None
    key_encryption_algorithm: AlgorithmIdentifier
    encrypted_key: bytes = field(repr=False)
    raw: bytes = field(repr=False)
    offset: int

    def describe(self) -> str:
        """One line for reports."""
        kda = self.key_derivation_algorithm
        derived = oids.name_of(kda.oid) if kda is not None else "no key derivation"
        return f"pwri: {oids.name_of(self.key_encryption_algorithm.oid)} with {derived}"


def _implicit_algorithm(elem: tlv.Element, what: str) -> AlgorithmIdentifier:
    """An ``[n] IMPLICIT AlgorithmIdentifier``: its components, under the context tag."""
    parts = elem.children()
    if not 1 <= len(parts) <= 2:
        raise DecodeError(
            f"{what} has {len(parts)} components (expected 1 or 2)", offset=elem.offset
        )
    return AlgorithmIdentifier(parts[0].as_oid(), parts[1].raw if len(parts) == 2 else None)


def parse_pwri(elem: tlv.Element) -> PasswordRecipientInfo:
    """Parse ``pwri [3] IMPLICIT PasswordRecipientInfo`` (the element with tag [3]).

    :raises DecodeError: malformed, or a version other than 0.
    """
    parts = list(elem.children())
    if not 3 <= len(parts) <= 4:
        raise DecodeError(
            f"PasswordRecipientInfo has {len(parts)} components (expected 3 or 4)",
            offset=elem.offset,
        )
    version = check_version(parts.pop(0), 0, "PasswordRecipientInfo")
    kda: AlgorithmIdentifier | None = None
    if parts[0].tag == tlv.Tag.context(0):
        kda = _implicit_algorithm(parts.pop(0), "PasswordRecipientInfo keyDerivationAlgorithm")
    if len(parts) != 2:
        raise DecodeError("PasswordRecipientInfo has an unexpected component", offset=elem.offset)
    alg = AlgorithmIdentifier.from_element(parts[0])
    encrypted = octets(parts[1], "PasswordRecipientInfo encryptedKey")
    return PasswordRecipientInfo(version, kda, alg, encrypted, elem.raw, elem.offset)


def encode_pwri(recipient: PasswordRecipient, cek: bytes) -> bytes:
    """DER ``[3] PasswordRecipientInfo``: PBKDF2 and id-alg-PWRI-KEK with AES-256-CBC."""
    salt = recipient.salt if recipient.salt is not None else get_random_bytes(_SALT_LENGTH)
    kea = keywrap.pwri_kek_algorithm(_INNER_CIPHER)
    kda = kdf.pbkdf2_algorithm(salt, recipient.iterations, prf=recipient.prf)
    kek = kdf.pbkdf2(
        recipient.encoded_password,
        salt,
        recipient.iterations,
        keywrap.kek_size(kea),
        recipient.prf,
    )
    wrapped = keywrap.wrap(kea, kek, cek)
    body = der.sequence(
        der.encode_int(0), der.implicit(0, kda.to_der()), kea.to_der(), der.encode_octets(wrapped)
    )
    return der.implicit(3, body)


def pwri_usable(info: PasswordRecipientInfo) -> bool:
    """Whether a password can decrypt the entry (its keyDerivationAlgorithm is present)."""
    return info.key_derivation_algorithm is not None


def decrypt_pwri(
    info: PasswordRecipientInfo, password: Password, *, cek_length: int | None, policy: Policy
) -> tuple[bytes, tuple[str, ...], bool]:
    """Derive the KEK from ``password`` and unwrap the content-encryption key:
    (cek, findings, weak).

    :raises DecryptionError: ``"decryption failed"`` (wrong password, corrupt data), or
        an entry without keyDerivationAlgorithm.
    :raises LimitExceeded: an iteration count above ``policy.max_pbkdf2_iterations``.
    :raises UnsupportedAlgorithm / PolicyError / DecodeError: the algorithms or parameters.
    """
    kda = info.key_derivation_algorithm
    if kda is None:
        # RFC 3211 2.1: the KEK is then supplied by other means (CVE-2026-45447 class)
        raise DecryptionError(
            "PasswordRecipientInfo has no keyDerivationAlgorithm: its key-encryption key is "
            "not derived from a password"
        )
    params = kdf.pbkdf2_from_algorithm(kda)
    kea = info.key_encryption_algorithm
    wrap_info = lookup(kea.oid, kind=Kind.KEY_WRAP)
    policy.check(wrap_info, Use.CONSUME)
    weak = wrap_info.weak
    findings: list[str] = []
    if kea.oid == keywrap.PWRI_KEK:
        if kea.parameters is None:
            raise DecodeError(
                "id-alg-PWRI-KEK parameters (the inner cipher) are missing", oid=kea.oid
            )
        inner = lookup(AlgorithmIdentifier.from_der(kea.parameters).oid)
        policy.check(inner, Use.CONSUME)
        if inner.weak:
            weak = True
            findings.append(f"{inner.name} inside id-alg-PWRI-KEK (legacy) accepted by policy")
    size = keywrap.kek_size(kea)
    kek = params.derive(password.encoded, size, policy=policy)
    try:
        cek = keywrap.unwrap(
            kea, kek, info.encrypted_key, expected_length=cek_length, policy=policy
        )
    except (DecryptionError, UsageError):
        raise decryption_failed() from None
    return cek, tuple(findings), weak
