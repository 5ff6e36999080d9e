"""EnvelopedData: content encrypted for recipients (RFC 5652 section 6.1, RFC 3565).

::

    EnvelopedData ::= SEQUENCE {
        version CMSVersion,
        originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
        recipientInfos RecipientInfos,
        encryptedContentInfo EncryptedContentInfo,
        unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }

    OriginatorInfo ::= SEQUENCE {
        certs [0] IMPLICIT CertificateSet OPTIONAL,
        crls [1] IMPLICIT RevocationInfoChoices OPTIONAL }

The version is computed exactly as RFC 5652 section 6.1 states it
(:func:`enveloped_data_version`); a received version that breaks the rule is reported as
a finding, not refused (RFC 5652 section 1.3).

smimelib writes EnvelopedData with AES-CBC (RFC 3565); AEAD ciphers go into
AuthEnvelopedData (:mod:`smimelib.cms.auth_enveloped_data`). Reading also accepts the
legacy ciphers under a legacy policy, and -- with ``Policy(allow_non_standard=True)``
only -- AES-GCM, AES-CCM and ChaCha20-Poly1305 inside EnvelopedData with the tag
appended to encryptedContent, as BouncyCastle and PKI.js write them (FIELD-NOTES 7;
PKI.js's bare 16-octet IV instead of GCMParameters included). The Go package
smallstep/pkcs7 writes its GCM parameters under a primitive SEQUENCE identifier (0x10),
which is not BER (X.690 8.9.1); such messages are refused as malformed.
Decryption is described in :mod:`smimelib.cms.decryption`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._decrypt_engine import (
    ContentCipher,
    Key,
    Options,
    check_integrity_requirement,
    common_findings,
    content_cipher,
    decrypt_content,
    recover_cek,
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
from smimelib.cms.certsets import (
    encode_certificate_set,
    encode_revocation_info,
    parse_certificate_set,
    parse_revocation_info,
)
from smimelib.cms.content_info import ID_DATA, ID_ENVELOPED_DATA
from smimelib.cms.decryption import DecryptionResult
from smimelib.crypto.algorithms import DEFAULT_POLICY, Kind, Policy, Use, lookup
from smimelib.crypto.ciphers import content_algorithm, content_encryptor, generate_key
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate

if TYPE_CHECKING:
    from smimelib.cms.recipients import CekResult, Recipient, RecipientInfo, RecipientKey

__all__ = [
    "EnvelopedData",
    "OriginatorInfo",
    "decrypt_enveloped_data",
    "encrypt_enveloped_data",
    "enveloped_data_version",
]

_NAME = "EnvelopedData"
_CTX0 = tlv.Tag.context(0, constructed=True)
_CTX1 = tlv.Tag.context(1, constructed=True)


@dataclass(frozen=True, slots=True)
class OriginatorInfo:
    """originatorInfo (RFC 5652 section 6.1): certificates and CRLs of the originator,
    untrusted hints (for static-static key agreement and path building).

    :ivar certificates: the X.509 certificates, in received order.
    :ivar other_certificates: received octets of every other CertificateChoices
        alternative (``[0]``..``[3]``).
    :ivar crls: received octets of every RevocationInfoChoice (CRLs and ``other [1]``).
    :ivar raw: the received ``[0] IMPLICIT`` encoding (``None`` when built).
    """

    certificates: tuple[Certificate, ...] = ()
    other_certificates: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()
    raw: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> OriginatorInfo:
        """Parse ``[0] IMPLICIT OriginatorInfo``.

        :raises DecodeError: a field other than certs [0] then crls [1].
        """
        if elem.tag != _CTX0:
            raise DecodeError(
                f"originatorInfo: expected [0] (constructed), found {elem.tag}", offset=elem.offset
            )
        parts = list(elem.children())
        certs: tuple[Certificate, ...] = ()
        other: tuple[bytes, ...] = ()
        crls: tuple[bytes, ...] = ()
        if parts and parts[0].tag == _CTX0:
            cert_set = parse_certificate_set(parts.pop(0))
            certs, other = cert_set.certificates, cert_set.other
        if parts and parts[0].tag == _CTX1:
            crls = parse_revocation_info(parts.pop(0))
        if parts:
            raise DecodeError(
                f"originatorInfo: unexpected {parts[0].tag} (expected certs [0], crls [1])",
                offset=parts[0].offset,
            )
        return cls(certs, other, crls, elem.raw)

    @classmethod
    def build(
        cls, certificates: Iterable[Certificate] = (), crls: Iterable[bytes] = ()
    ) -> OriginatorInfo | None:
        """An originatorInfo to write, or ``None`` when there is nothing to carry."""
        certs = tuple(certificates)
        for cert in certs:
            if not isinstance(cert, Certificate):
                raise UsageError("originator certificates must be Certificate objects")
        crl_list = tuple(bytes(c) for c in crls)
        if not certs and not crl_list:
            return None
        return cls(certs, (), crl_list)

    @property
    def has_other_formats(self) -> bool:
        """Certificates or CRLs of type other are present (version 4)."""
        return any(c[:1] == b"\xa3" for c in self.other_certificates) or any(
            c[:1] == b"\xa1" for c in self.crls
        )

    @property
    def has_v2_attribute_certificates(self) -> bool:
        """Version 2 attribute certificates are present (version 3)."""
        return any(c[:1] == b"\xa2" for c in self.other_certificates)

    def to_der(self) -> bytes:
        """``[0] IMPLICIT OriginatorInfo``: the received octets, or DER (SETs sorted)."""
        if self.raw is not None:
            return self.raw
        body = b""
        if self.certificates or self.other_certificates:
            body += encode_certificate_set(
                self.certificates, 0, other=self.other_certificates, der_sort=True
            )
        if self.crls:
            body += encode_revocation_info(sorted(self.crls), 1)
        return der.encode_tlv(_CTX0, body)


def enveloped_data_version(
    originator_info: OriginatorInfo | None,
    recipient_infos: Sequence[RecipientInfo],
    *,
    unprotected_attributes: bool,
) -> int:
    """The EnvelopedData version, as RFC 5652 section 6.1 assigns it::

    IF (originatorInfo is present) AND
       ((any certificates with a type of other are present) OR
       (any crls with a type of other are present))
    THEN version is 4
    ELSE
       IF ((originatorInfo is present) AND
          (any version 2 attribute certificates are present)) OR
          (any RecipientInfo structures include pwri) OR
          (any RecipientInfo structures include ori)
       THEN version is 3
       ELSE
          IF (originatorInfo is absent) AND
             (unprotectedAttrs is absent) AND
             (all RecipientInfo structures are version 0)
          THEN version is 0
          ELSE version is 2
    """
    if originator_info is not None and originator_info.has_other_formats:
        return 4
    kinds = [info.kind for info in recipient_infos]
    if (
        (originator_info is not None and originator_info.has_v2_attribute_certificates)
        or "pwri" in kinds
        or "ori" in kinds
    ):
        return 3
    if (
        originator_info is None
        and not unprotected_attributes
        and all(info.version == 0 for info in recipient_infos)
    ):
        return 0
    return 2


def envelope_parts(head: Head, name: str) -> tuple[OriginatorInfo | None, tlv.Element]:
    """originatorInfo and the recipientInfos element of an Enveloped/AuthEnvelopedData."""
    parts = list(head.parts)
    originator: OriginatorInfo | None = None
    if parts and parts[0].tag == _CTX0:
        originator = OriginatorInfo.from_element(parts.pop(0))
    if not parts:
        raise DecodeError(f"{name} has no recipientInfos", offset=head.eci.offset)
    recipient_infos = parts.pop(0)
    if recipient_infos.tag != tlv.Tag.SET or parts:
        bad = parts[0] if parts else recipient_infos
        raise DecodeError(
            f"{name}: expected recipientInfos (SET), found {bad.tag}", offset=bad.offset
        )
    return originator, recipient_infos


def envelope_fields(originator: OriginatorInfo | None, recipient_infos: bytes) -> list[bytes]:
    """The encoded originatorInfo (if any) and recipientInfos of an Enveloped or
    AuthEnvelopedData (RFC 5652 section 6.1, RFC 5083 section 2.1): the fields between
    version and the EncryptedContentInfo."""
    return ([originator.to_der()] if originator is not None else []) + [recipient_infos]


class Recipients:
    """The recipient side of an Enveloped or AuthEnvelopedData being decrypted (RFC 5652
    section 6.2, RFC 5083 section 2.1): originatorInfo, the parsed RecipientInfos, and
    the content-encryption key recovered from them when the decryption asks for it
    (:meth:`key`, called once).
    """

    def __init__(
        self,
        originator: OriginatorInfo | None,
        recipient_infos: tlv.Element,
        keys: Sequence[RecipientKey],
        cipher: ContentCipher,
        limits: Limits,
    ) -> None:
        from smimelib.cms.recipients import parse_recipient_infos

        self.originator = originator
        self.infos = parse_recipient_infos(recipient_infos, limits=limits)
        self.certificates = originator.certificates if originator is not None else ()
        self.crls = originator.crls if originator is not None else ()
        self._keys = keys
        self._cipher = cipher
        self._key: Key | None = None

    def key(self) -> Key:
        """Recover the CEK (:func:`~smimelib.cms._decrypt_engine.recover_cek`)."""
        self._key = recover_cek(self.infos, self._keys, self._cipher, self.certificates)
        return self._key

    def cek(self) -> CekResult:
        """The CEK and the RecipientInfo that gave it, once the content decrypted."""
        assert self._key is not None and self._key.result is not None
        return self._key.result


def _version_findings(
    version: int,
    originator: OriginatorInfo | None,
    infos: Sequence[RecipientInfo],
    attrs: Attributes | None,
) -> list[str]:
    expected = enveloped_data_version(originator, infos, unprotected_attributes=attrs is not None)
    if version == expected:
        return []
    return [
        finding(
            "enveloped-data-version",
            f"EnvelopedData version is {version}; RFC 5652 section 6.1 gives {expected}",
        )
    ]


@dataclass(frozen=True, slots=True)
class EnvelopedData:
    """A parsed EnvelopedData (RFC 5652 section 6.1), for inspection without a key.

    :ivar encrypted_content: the encryptedContent octets (segments joined), ``None``
        when absent.
    :ivar findings: remarks about the encoding (``"code: message"``).
    """

    version: int
    originator_info: OriginatorInfo | None
    recipient_infos: tuple[RecipientInfo, ...]
    content_type: str
    content_encryption_algorithm: AlgorithmIdentifier
    encrypted_content: bytes | None = field(repr=False)
    unprotected_attributes: Attributes | None = None
    findings: tuple[str, ...] = ()
    recipient_infos_der: bytes = field(default=b"", repr=False)

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray | memoryview | str, *, limits: Limits = DEFAULT_LIMITS
    ) -> EnvelopedData:
        """Parse a DER/BER/PEM EnvelopedData ContentInfo (RecipientInfo versions are
        checked exactly, RFC 5652 section 6.2).

        :raises DecodeError: malformed, another content type, or trailing data.
        :raises LimitExceeded: more than 256 RecipientInfos, or another limit.
        """
        from smimelib.cms.recipients import parse_recipient_infos

        head, content, tail = parse_whole(data, ID_ENVELOPED_DATA, limits)
        originator, ri_elem = envelope_parts(head, _NAME)
        infos = parse_recipient_infos(ri_elem, limits=limits)
        attrs = unprotected_attributes(tail, _NAME)
        version = version_of(head, _NAME)
        findings = _version_findings(version, originator, infos, attrs)
        return cls(
            version,
            originator,
            infos,
            head.eci.content_type,
            head.eci.algorithm,
            content,
            attrs,
            tuple(findings),
            ri_elem.raw,
        )

    def to_der(self) -> bytes:
        """DER re-encoding (encryptedContent primitive, the other parts as received);
        identical to DER input."""
        attrs = self.unprotected_attributes
        return encode_structure(
            ID_ENVELOPED_DATA,
            self.version,
            envelope_fields(self.originator_info, self.recipient_infos_der),
            self.content_type,
            self.content_encryption_algorithm,
            self.encrypted_content,
            [attributes_der(attrs, 1)] if attrs is not None else [],
        )


def encrypt_enveloped_data(
    content: bytes | bytearray | memoryview | BinaryIO,
    recipients: Sequence[Recipient],
    *,
    cipher: str = "aes-256-cbc",
    content_type: str = ID_DATA,
    originator_certificates: Iterable[Certificate] = (),
    originator_crls: Iterable[bytes] = (),
    unprotected_attributes: Iterable[Attribute] = (),
    output: BinaryIO | None = None,
) -> bytes:
    """Encrypt ``content`` for ``recipients`` as EnvelopedData (RFC 5652 section 6).

    Prefer :func:`smimelib.cms.encryption.encrypt`, which writes AuthEnvelopedData with
    AES-GCM by default (RFC 8551 section 2.7): CBC content has no integrity protection.

    :param recipients: recipient specs (:mod:`smimelib.cms.recipients`), any mix.
    :param cipher: ``aes-128-cbc``, ``aes-192-cbc`` or ``aes-256-cbc`` (RFC 3565).
    :param content_type: the content type of ``content``.
    :param originator_certificates: written in originatorInfo (DER-sorted).
    :param originator_crls: CertificateList encodings for originatorInfo.
    :param unprotected_attributes: written as ``[1] IMPLICIT`` unprotectedAttrs.
    :param output: binary file object to write to (the return value is then ``b""``).
    :returns: the ContentInfo: DER for bytes content, indefinite-length BER with a chunked
        encryptedContent for a stream (written to ``output`` as the stream is read).
    :raises UsageError: an AEAD cipher (use AuthEnvelopedData), no recipients, a bad
        recipient or attribute.
    :raises PolicyError: a legacy cipher or a key smimelib does not encrypt to.
    """
    from smimelib.cms.recipients import encode_recipient_infos, parse_recipient_infos

    alg = content_algorithm(cipher)
    info = lookup(alg.oid)
    DEFAULT_POLICY.check(info, Use.PRODUCE)
    if info.kind is not Kind.CONTENT_CIPHER:
        raise UsageError(
            f"{info.name} is an AEAD cipher; it belongs in AuthEnvelopedData (RFC 5083), "
            "not EnvelopedData"
        )
    cek = generate_key(alg)
    encryptor = content_encryptor(alg, cek)
    ri_der, _ = encode_recipient_infos(recipients, cek, alg)
    infos = parse_recipient_infos(tlv.parse_one(ri_der, what="RecipientInfos"))
    originator = OriginatorInfo.build(originator_certificates, originator_crls)
    attrs = tuple(unprotected_attributes)
    version = enveloped_data_version(originator, infos, unprotected_attributes=bool(attrs))
    after = [attributes_der(attrs, 1)] if attrs else []
    return write_envelope(
        content_type=ID_ENVELOPED_DATA,
        version=version,
        before=envelope_fields(originator, ri_der),
        encrypted_type=content_type,
        encryptor=encryptor,
        content=content_source(content),
        after=lambda tag: after,
        output=output,
    )


def decrypt_enveloped_data(
    source: bytes | bytearray | memoryview | str | BinaryIO,
    keys: Sequence[RecipientKey],
    *,
    policy: Policy = DEFAULT_POLICY,
    require_integrity: bool = False,
    output: BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DecryptionResult:
    """Decrypt an EnvelopedData ContentInfo (RFC 5652 section 6) with one of the caller's
    keys. Streaming, errors and options as :func:`smimelib.cms.decryption.decrypt`."""
    inp, parser = open_structure(source, ID_ENVELOPED_DATA, output, limits)
    return decrypt_parsed(
        inp, parser, list(keys), Options(policy, require_integrity, output, limits)
    )


def decrypt_parsed(
    inp: Input, parser: EnvelopeParser, keys: Sequence[RecipientKey], options: Options
) -> DecryptionResult:
    """Continue :func:`decrypt_enveloped_data` after the ContentInfo contentType."""
    head = parser.head(_NAME)
    version = version_of(head, _NAME)
    originator, ri_elem = envelope_parts(head, _NAME)
    eci = head.eci
    cipher = content_cipher(eci.algorithm, "enveloped-data", options.policy)
    check_integrity_requirement(cipher, eci.content_type, "enveloped-data", options)
    recipients = Recipients(originator, ri_elem, keys, cipher, options.limits)
    found: list[Attributes | None] = []

    def parse_tail(tail: Tail) -> tuple[bytes, bytes | None]:
        found.append(unprotected_attributes(tail, _NAME))
        return b"", None

    done = decrypt_content(
        inp, parser, head, cipher, "enveloped-data", recipients.key, parse_tail, options
    )
    attrs = found[0]
    cek = recipients.cek()
    findings = [
        *_version_findings(version, originator, recipients.infos, attrs),
        *cek.findings,
        *common_findings(cipher, "enveloped-data", done.tail),
        *done.findings,
    ]
    return DecryptionResult(
        content_type=eci.content_type,
        content=done.content,
        structure="enveloped-data",
        content_encryption_algorithm=eci.algorithm,
        algorithm_name=cipher.name,
        integrity_protected=cipher.integrity_protected,
        recipient_info=cek.recipient_info,
        recipient_infos=recipients.infos,
        originator_certificates=recipients.certificates,
        originator_crls=recipients.crls,
        unprotected_attributes=attrs,
        weak=cipher.weak or cek.weak,
        findings=tuple(findings),
        version=version,
        content_length=done.length,
        signed_content=done.signed,
    )
