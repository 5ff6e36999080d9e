"""EncryptedData: content encrypted under a key managed by other means (RFC 5652 section 8).

::

    EncryptedData ::= SEQUENCE {
        version CMSVersion,
        encryptedContentInfo EncryptedContentInfo,
        unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }

"If unprotectedAttrs is present, then the version MUST be 2. If unprotectedAttrs is
absent, then version MUST be 0." A received version that breaks the rule is reported as
a finding (RFC 5652 section 1.3: versions guard decoding, they do not reject).

smimelib writes EncryptedData with AES-CBC only: the syntax has no field for an
authentication tag, so AEAD ciphers belong in AuthEnvelopedData. Reading accepts AES-CBC;
3DES, DES and RC2 under a legacy policy (reported weak); and, under
``Policy(allow_non_standard=True)`` only, AEAD ciphers with the tag appended to the
ciphertext (the layout other libraries use for AEAD in EnvelopedData).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._decrypt_engine import (
    Key,
    Options,
    check_integrity_requirement,
    common_findings,
    content_cipher,
    decrypt_content,
)
from smimelib.cms._encrypt_stream import (
    EnvelopeParser,
    Head,
    Input,
    Tail,
    finding,
    parse_whole,
    version_of,
)
from smimelib.cms._encrypt_write import encode_structure, write_envelope
from smimelib.cms._structure import (
    attributes_der,
    content_source,
    open_structure,
    unprotected_attributes,
)
from smimelib.cms.attributes import Attribute, Attributes
from smimelib.cms.content_info import ID_DATA, ID_ENCRYPTED_DATA
from smimelib.cms.decryption import DecryptionResult
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.crypto.ciphers import content_algorithm, content_encryptor
from smimelib.errors import DecodeError, UsageError

__all__ = [
    "EncryptedData",
    "decrypt_encrypted_data",
    "encrypt_data",
    "encrypted_data_version",
]

_NAME = "EncryptedData"


def encrypted_data_version(*, unprotected_attributes: bool) -> int:
    """The EncryptedData version (RFC 5652 section 8): 2 with unprotectedAttrs, else 0."""
    return 2 if unprotected_attributes else 0


@dataclass(frozen=True, slots=True)
class EncryptedData:
    """A parsed EncryptedData (RFC 5652 section 8), for inspection without the key.

    :ivar encrypted_content: the encryptedContent octets (segments joined), ``None``
        when absent.
    :ivar findings: remarks about the encoding (``"code: message"``).
    """

    version: int
    content_type: str
    content_encryption_algorithm: AlgorithmIdentifier
    encrypted_content: bytes | None = field(repr=False)
    unprotected_attributes: Attributes | None = None
    findings: tuple[str, ...] = ()

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray | memoryview | str, *, limits: Limits = DEFAULT_LIMITS
    ) -> EncryptedData:
        """Parse a DER/BER/PEM EncryptedData ContentInfo.

        :raises DecodeError: malformed, another content type, or trailing data.
        """
        head, content, tail = parse_whole(data, ID_ENCRYPTED_DATA, limits)
        version, attrs, findings = _fields(head, tail)
        return cls(
            version,
            head.eci.content_type,
            head.eci.algorithm,
            content,
            attrs,
            tuple(findings),
        )

    def to_der(self) -> bytes:
        """DER re-encoding (encryptedContent primitive); identical to DER input."""
        attrs = self.unprotected_attributes
        return encode_structure(
            ID_ENCRYPTED_DATA,
            self.version,
            (),
            self.content_type,
            self.content_encryption_algorithm,
            self.encrypted_content,
            [attributes_der(attrs, 1)] if attrs is not None else [],
        )


def _fields(head: Head, tail: Tail) -> tuple[int, Attributes | None, list[str]]:
    """version, unprotectedAttrs and findings of the structure (RFC 5652 section 8)."""
    if head.parts:
        extra = head.parts[0]
        raise DecodeError(
            f"{_NAME}: unexpected {extra.tag} before encryptedContentInfo", offset=extra.offset
        )
    attrs = unprotected_attributes(tail, _NAME)
    version = version_of(head, _NAME)
    findings: list[str] = []
    expected = encrypted_data_version(unprotected_attributes=attrs is not None)
    if version != expected:
        findings.append(
            finding(
                "encrypted-data-version",
                f"EncryptedData version is {version}; RFC 5652 section 8 gives {expected}",
            )
        )
    return version, attrs, findings


def encrypt_data(
    content: bytes | bytearray | memoryview | BinaryIO,
    key: bytes,
    *,
    cipher: str = "aes-256-cbc",
    content_type: str = ID_DATA,
    unprotected_attributes: Iterable[Attribute] = (),
    output: BinaryIO | None = None,
) -> bytes:
    """Encrypt ``content`` under a caller-managed ``key`` as EncryptedData (RFC 5652 8).

    :param key: the content-encryption key, of the cipher's size (16, 24 or 32 octets).
    :param cipher: an AES-CBC cipher name (``aes-128-cbc``, ``aes-192-cbc``,
        ``aes-256-cbc``); AEAD ciphers have no place for their tag here.
    :param content_type: the content type of ``content``.
    :param unprotected_attributes: written as ``[1] IMPLICIT`` (version 2).
    :param output: binary file object to write to (the return value is then ``b""``).
    :returns: the ContentInfo: DER for bytes content, indefinite-length BER with a
        chunked encryptedContent for a stream (written as the stream is read).
    :raises UsageError: a key of the wrong length, or an AEAD cipher.
    :raises PolicyError: a legacy cipher (never written).
    """
    alg = content_algorithm(cipher)
    encryptor = content_encryptor(alg, bytes(key), policy=DEFAULT_POLICY)
    if encryptor.aead:
        raise UsageError(
            f"{cipher} is an AEAD cipher; EncryptedData has no field for its tag (use "
            "AuthEnvelopedData)"
        )
    attrs = tuple(unprotected_attributes)
    after = [attributes_der(attrs, 1)] if attrs else []
    return write_envelope(
        content_type=ID_ENCRYPTED_DATA,
        version=encrypted_data_version(unprotected_attributes=bool(attrs)),
        before=(),
        encrypted_type=content_type,
        encryptor=encryptor,
        content=content_source(content),
        after=lambda tag: after,
        output=output,
    )


def decrypt_encrypted_data(
    source: bytes | bytearray | memoryview | str | BinaryIO,
    key: bytes,
    *,
    policy: Policy = DEFAULT_POLICY,
    require_integrity: bool = False,
    output: BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DecryptionResult:
    """Decrypt an EncryptedData ContentInfo with the content-encryption ``key``
    (RFC 5652 section 8). Streaming, errors and options as
    :func:`smimelib.cms.decryption.decrypt`.

    :raises DecryptionError: ``"decryption failed"`` for a wrong key (bad padding or tag)
        or a key of the wrong length.
    """
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise UsageError("key must be non-empty bytes")
    inp, parser = open_structure(source, ID_ENCRYPTED_DATA, output, limits)
    return decrypt_parsed(
        inp, parser, bytes(key), Options(policy, require_integrity, output, limits)
    )


def decrypt_parsed(
    inp: Input, parser: EnvelopeParser, key: bytes, options: Options
) -> DecryptionResult:
    """Continue :func:`decrypt_encrypted_data` after the ContentInfo contentType."""
    head = parser.head(_NAME)
    if head.parts:
        extra = head.parts[0]
        raise DecodeError(
            f"{_NAME}: unexpected {extra.tag} before encryptedContentInfo", offset=extra.offset
        )
    eci = head.eci
    cipher = content_cipher(eci.algorithm, "encrypted-data", options.policy)
    check_integrity_requirement(cipher, eci.content_type, "encrypted-data", options)
    fields: list[tuple[int, Attributes | None, list[str]]] = []

    def parse_tail(tail: Tail) -> tuple[bytes, bytes | None]:
        # called before any plaintext is released: a malformed tail discards it
        fields.append(_fields(head, tail))
        return b"", None

    done = decrypt_content(
        inp,
        parser,
        head,
        cipher,
        "encrypted-data",
        lambda: Key(key),
        parse_tail,
        options,
    )
    version, attrs, findings = fields[0]
    return DecryptionResult(
        content_type=eci.content_type,
        content=done.content,
        structure="encrypted-data",
        content_encryption_algorithm=eci.algorithm,
        algorithm_name=cipher.name,
        integrity_protected=cipher.integrity_protected,
        unprotected_attributes=attrs,
        weak=cipher.weak,
        findings=(*findings, *common_findings(cipher, "encrypted-data", done.tail), *done.findings),
        version=version,
        content_length=done.length,
        signed_content=done.signed,
    )
