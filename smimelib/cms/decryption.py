"""Decrypt EnvelopedData, AuthEnvelopedData and EncryptedData: the entry point and the report.

:func:`decrypt` reads a ContentInfo from bytes (DER, BER or PEM) or a binary file object
and dispatches on its content type (RFC 5652 sections 6 and 8, RFC 5083); it returns a
:class:`DecryptionResult`. The per-structure functions are
:func:`smimelib.cms.enveloped_data.decrypt_enveloped_data`,
:func:`smimelib.cms.auth_enveloped_data.decrypt_auth_enveloped_data` and
:func:`smimelib.cms.encrypted_data.decrypt_encrypted_data`.

Security behaviour (THREATS "No decryption oracle", RFC 3218, RFC 5083 section 2):

* The recipient is selected by the caller's certificate, KEK identifier or password
  (:func:`smimelib.cms.recipients.decrypt_cek`), never by trial. A bad RSAES-PKCS1-v1_5
  encryptedKey yields the implicit-rejection key of
  :func:`smimelib.crypto.keytransport.decrypt_key` (RFC 3218 section 2.3); any other
  cryptographic failure of the selected entry is remembered and decryption continues
  with a random stand-in key of the right length. Either way the failure surfaces only
  after the content was processed, as the one error ``DecryptionError("decryption
  failed")`` -- the same text and type as a bad authentication tag, bad CBC padding, or
  a key of the wrong length for the cipher (the BouncyCastle sample with a 24-octet key
  under an AES-128 OID fails this way). Only "no recipient info matches the given keys"
  differs, and it depends on public data alone.
* Plaintext is released only after the tag (AEAD) or the padding (CBC) checked. With
  ``output`` it is first written to an anonymous spool (memory up to 1 MiB, then an
  unnamed temporary file in :func:`tempfile.gettempdir`, gone when closed) and copied to
  ``output`` after the checks; on failure the spool is destroyed and ``output`` receives
  nothing (it is never written to and truncated back, so no reader of ``output`` sees
  unverified plaintext). Without ``output`` the plaintext is collected in memory (at
  most ``limits.max_input_size`` octets).
* AEAD: the AAD (authAttrs) follows the ciphertext in AuthEnvelopedData, so the content
  is read twice: a first pass finds the length, authAttrs and mac (spooling the
  ciphertext when the source cannot seek), a second pass decrypts. Memory stays bounded.
* CBC content is not integrity-protected (EFAIL): the result says so, and
  ``require_integrity=True`` refuses it unless the content type is id-signedData and
  :func:`smimelib.cms.verify.verify_signed_data` reports every signature valid (checked
  after decryption, before release). That is a cryptographic check of the inner
  signatures, not of who signed: binding the signer to the expected sender, and
  MIME-level signed content (multipart/signed), belong to the S/MIME layer (M4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from smimelib.asn1 import oids
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._decrypt_engine import MAX_ATTRIBUTES, Options, Structure
from smimelib.cms._encrypt_stream import EnvelopeParser, open_input
from smimelib.cms.attributes import Attributes
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
)
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate

if TYPE_CHECKING:
    from smimelib.cms.recipients import RecipientInfo, RecipientKey
    from smimelib.cms.results import VerificationResult

__all__ = [
    "MAX_ATTRIBUTES",
    "ContentKey",
    "DecryptionResult",
    "Structure",
    "decrypt",
]


@dataclass(frozen=True, slots=True)
class ContentKey:
    """The content-encryption key itself, for EncryptedData, whose keys "MUST be managed
    by other means" (RFC 5652 section 8)."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, (bytes, bytearray)) or not self.key:
            raise UsageError("ContentKey key must be non-empty bytes")
        object.__setattr__(self, "key", bytes(self.key))


@dataclass(frozen=True, slots=True)
class DecryptionResult:
    """What :func:`decrypt` found and decrypted.

    :ivar content_type: the content type of the encrypted content (EncryptedContentInfo).
    :ivar content: the plaintext, or ``None`` when it was written to ``output``.
    :ivar structure: which structure carried it.
    :ivar content_encryption_algorithm: contentEncryptionAlgorithm, parameters included.
    :ivar algorithm_name: its registered name (``id-aes256-GCM``).
    :ivar integrity_protected: an authentication tag covered the content (AEAD); False
        for CBC and the legacy ciphers (EFAIL, RFC 8551 section 2.7).
    :ivar recipient_info: the RecipientInfo that gave the key (``None`` for EncryptedData).
    :ivar recipient_infos: every RecipientInfo, in message order.
    :ivar originator_certificates: X.509 certificates of originatorInfo (untrusted).
    :ivar originator_crls: revocation entries of originatorInfo, raw.
    :ivar unprotected_attributes: unprotectedAttrs (EnvelopedData, EncryptedData) or
        unauthAttrs (AuthEnvelopedData): not covered by any integrity check.
    :ivar authenticated_attributes: authAttrs (AuthEnvelopedData), covered by the tag.
    :ivar weak: a legacy or weak algorithm (content cipher, key transport, key wrap,
        KDF) was accepted by the policy.
    :ivar findings: remarks (``"code: message"``) about algorithms and encoding.
    :ivar version: the structure's version field.
    :ivar content_length: octets of plaintext.
    :ivar signed_content: with ``require_integrity=True`` and a CBC envelope, the report
        of the inner SignedData that made the content acceptable.
    """

    content_type: str
    content: bytes | None
    structure: Structure
    content_encryption_algorithm: AlgorithmIdentifier
    algorithm_name: str
    integrity_protected: bool
    recipient_info: RecipientInfo | None = None
    recipient_infos: tuple[RecipientInfo, ...] = ()
    originator_certificates: tuple[Certificate, ...] = ()
    originator_crls: tuple[bytes, ...] = ()
    unprotected_attributes: Attributes | None = None
    authenticated_attributes: Attributes | None = None
    weak: bool = False
    findings: tuple[str, ...] = ()
    version: int = 0
    content_length: int = 0
    signed_content: VerificationResult | None = None

    @property
    def content_type_name(self) -> str:
        """The registered name of :attr:`content_type`."""
        return oids.name_of(self.content_type)


def decrypt(
    source: bytes | bytearray | memoryview | str | BinaryIO,
    keys: Sequence[RecipientKey | ContentKey],
    *,
    policy: Policy = DEFAULT_POLICY,
    require_integrity: bool = False,
    output: BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DecryptionResult:
    """Decrypt an EnvelopedData, AuthEnvelopedData or EncryptedData ContentInfo
    (RFC 5652 sections 6 and 8, RFC 5083).

    :param source: DER/BER/PEM bytes, or a binary file object read in 64 KiB chunks.
    :param keys: the caller's keys: Identity / KeyPair / KEK / Password for the two
        enveloped types (the RecipientInfo is chosen by them, never by trial), and a
        :class:`ContentKey` for EncryptedData. Keys of the other kind are ignored.
    :param policy: accepted algorithms; ``LEGACY_POLICY`` reads 3DES, RC2 and DES
        (reported weak); ``Policy(allow_non_standard=True)`` reads AEAD ciphers inside
        EnvelopedData / EncryptedData (PKI.js and BouncyCastle write them there).
    :param require_integrity: refuse content that no authentication tag covers, unless
        it is a SignedData whose signatures all verify (see the module docstring).
    :param output: binary file object receiving the plaintext once it checked; the
        result's ``content`` is then ``None``.
    :param limits: ASN.1 decoding limits (the encrypted content streams and is not bound
        by ``max_input_size``, except when collected in memory without ``output``).
    :raises DecryptionError: ``"decryption failed"`` for every cryptographic failure;
        ``"no recipient info matches the given keys"`` when no entry names a key.
    :raises DecodeError: malformed input (with the byte offset), including an absent
        encryptedContent.
    :raises PolicyError: a refused algorithm, or unprotected content under
        ``require_integrity``.
    :raises UnsupportedAlgorithm: an algorithm smimelib does not implement.
    :raises UsageError: bad arguments (no key of the kind the structure needs).
    """
    options = Options(policy, require_integrity, _check_output(output), limits)
    key_list = _key_list(keys)
    inp = open_input(source, limits)
    parser = EnvelopeParser(inp, limits)
    content_type = parser.content_type()
    if content_type == ID_ENVELOPED_DATA:
        from smimelib.cms.enveloped_data import decrypt_parsed as enveloped

        return enveloped(inp, parser, _recipient_keys(key_list), options)
    if content_type == ID_AUTH_ENVELOPED_DATA:
        from smimelib.cms.auth_enveloped_data import decrypt_parsed as auth_enveloped

        return auth_enveloped(inp, parser, _recipient_keys(key_list), options)
    if content_type == ID_ENCRYPTED_DATA:
        from smimelib.cms.encrypted_data import decrypt_parsed as encrypted

        content_keys = [k for k in key_list if isinstance(k, ContentKey)]
        if len(content_keys) != 1:
            raise UsageError(
                "EncryptedData (RFC 5652 section 8) is decrypted with exactly one ContentKey, "
                f"{len(content_keys)} given"
            )
        return encrypted(inp, parser, content_keys[0].key, options)
    raise DecodeError(
        f"{oids.describe(content_type)} is not EnvelopedData, AuthEnvelopedData or EncryptedData",
        offset=0,
    )


def _key_list(keys: object) -> list[object]:
    if isinstance(keys, (bytes, bytearray, str)) or not isinstance(keys, Iterable):
        raise UsageError("keys must be a sequence of keys")
    return list(keys)


def _recipient_keys(keys: list[object]) -> list[RecipientKey]:
    from smimelib.cms.recipients import KEK, KeyPair, Password
    from smimelib.pki.identity import Identity

    usable: list[RecipientKey] = []
    for key in keys:
        if isinstance(key, (Identity, KeyPair, KEK, Password)):
            usable.append(key)
        elif not isinstance(key, ContentKey):
            raise UsageError(f"not a decryption key: {type(key).__name__}")
    if not usable:
        raise UsageError("no Identity, KeyPair, KEK or Password given to open the envelope")
    return usable


def _check_output(output: BinaryIO | None) -> BinaryIO | None:
    if output is not None and not hasattr(output, "write"):
        raise UsageError("output must be a binary file object")
    return output
