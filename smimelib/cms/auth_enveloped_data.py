"""AuthEnvelopedData: authenticated encryption for recipients (RFC 5083, RFC 5084, RFC 8103).

::

    AuthEnvelopedData ::= SEQUENCE {
        version CMSVersion,                              -- always 0
        originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
        recipientInfos RecipientInfos,
        authEncryptedContentInfo EncryptedContentInfo,
        authAttrs [1] IMPLICIT AuthAttributes OPTIONAL,
        mac MessageAuthenticationCode,                   -- the AEAD tag
        unauthAttrs [2] IMPLICIT UnauthAttributes OPTIONAL }

Only AEAD ciphers are accepted (AES-GCM and AES-CCM with the RFC 5084 parameters,
ChaCha20-Poly1305 per RFC 8103); CBC here is refused. ``mac`` must be exactly the tag
length the parameters give (``aes-ICVlen``; 16 for ChaCha20-Poly1305).

The AAD is the DER encoding of authAttrs with the universal SET OF tag in place of the
``[1] IMPLICIT`` tag (RFC 5083 section 2.2); without authAttrs the AAD is empty. smimelib
uses the received octets re-tagged (reporting authAttrs that are not DER, which RFC 5083
section 2.1 requires) and writes DER.

"authAttrs MUST be present if the content type carried in EncryptedContentInfo is not
id-data" (RFC 5083 section 2.1), so that the content type is authenticated: smimelib
writes a content-type attribute then. On reading, a content-type attribute that
contradicts the EncryptedContentInfo is refused (:class:`DecodeError`); missing authAttrs
or a missing content-type attribute for non-data content are reported as findings (the
content type is then unauthenticated). A message-digest attribute, which "SHOULD NOT be
included", is reported too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._decrypt_engine import (
    ContentCipher,
    Options,
    attributes,
    common_findings,
    content_cipher,
    decrypt_content,
)
from smimelib.cms._encrypt_stream import (
    EnvelopeParser,
    Input,
    Tail,
    finding,
    parse_whole,
    version_of,
)
from smimelib.cms._encrypt_write import (
    encode_structure,
    new_spool,
    read_chunks,
    remaining_length,
    write_envelope,
)
from smimelib.cms._structure import attributes_der, open_structure
from smimelib.cms.attributes import (
    OID_CONTENT_TYPE,
    OID_MESSAGE_DIGEST,
    Attribute,
    Attributes,
    content_type_attr,
    decode_content_type,
    encode_attributes,
)
from smimelib.cms.content_info import ID_AUTH_ENVELOPED_DATA, ID_DATA
from smimelib.cms.decryption import DecryptionResult
from smimelib.cms.enveloped_data import (
    OriginatorInfo,
    Recipients,
    envelope_fields,
    envelope_parts,
)
from smimelib.crypto.algorithms import DEFAULT_POLICY, Kind, Policy, Use, lookup
from smimelib.crypto.ciphers import content_algorithm, content_encryptor, generate_key
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate

if TYPE_CHECKING:
    from smimelib.cms.recipients import Recipient, RecipientInfo, RecipientKey

__all__ = [
    "AUTH_ENVELOPED_DATA_VERSION",
    "AuthEnvelopedData",
    "decrypt_auth_enveloped_data",
    "encrypt_auth_enveloped_data",
]

#: the only AuthEnvelopedData version (RFC 5083 section 2.1)
AUTH_ENVELOPED_DATA_VERSION = 0

_NAME = "AuthEnvelopedData"
_CTX1 = tlv.Tag.context(1, constructed=True)
_CTX2 = tlv.Tag.context(2, constructed=True)


@dataclass(frozen=True, slots=True)
class _TailFields:
    auth_attrs: Attributes | None
    mac: bytes
    unauth_attrs: Attributes | None


def _tail_fields(tail: Tail) -> _TailFields:
    """authAttrs [1]?, mac OCTET STRING, unauthAttrs [2]? (RFC 5083 section 2.1)."""
    parts = list(tail.parts)
    auth: Attributes | None = None
    unauth: Attributes | None = None
    if parts and parts[0].tag == _CTX1:
        auth = attributes(parts.pop(0), "authAttrs")
    if not parts or parts[0].tag.cls != tlv.TagClass.UNIVERSAL or parts[0].tag.number != 4:
        where = parts[0] if parts else None
        raise DecodeError(
            f"{_NAME}: expected mac (OCTET STRING)"
            + (f", found {where.tag}" if where is not None else ", found nothing"),
            offset=where.offset if where is not None else None,
        )
    mac = parts.pop(0).as_octets()
    if parts and parts[0].tag == _CTX2:
        unauth = attributes(parts.pop(0), "unauthAttrs")
    if parts:
        raise DecodeError(f"{_NAME}: unexpected {parts[0].tag}", offset=parts[0].offset)
    return _TailFields(auth, mac, unauth)


def _attribute_findings(content_type: str, auth: Attributes | None) -> list[str]:
    """Check authAttrs against the content type (RFC 5083 section 2.1).

    :raises DecodeError: a content-type attribute that contradicts the content type.
    """
    findings: list[str] = []
    if auth is None:
        if content_type != ID_DATA:
            findings.append(
                finding(
                    "auth-attributes-missing",
                    f"the content is {oids.describe(content_type)} but authAttrs is absent "
                    "(RFC 5083 section 2.1: MUST be present); the content type is not "
                    "authenticated",
                )
            )
        return findings
    attr = auth.single(OID_CONTENT_TYPE)
    if attr is not None:
        claimed = decode_content_type(attr)
        if claimed != content_type:
            raise DecodeError(
                f"the authenticated content-type attribute says {oids.describe(claimed)}, "
                f"the EncryptedContentInfo says {oids.describe(content_type)}",
                offset=attr.offset,
            )
    elif content_type != ID_DATA:
        findings.append(
            finding(
                "content-type-not-authenticated",
                f"the content is {oids.describe(content_type)} and authAttrs has no "
                "content-type attribute; the content type is not authenticated (RFC 5083 2.1)",
            )
        )
    if OID_MESSAGE_DIGEST in auth:
        findings.append(
            finding(
                "message-digest-in-auth-attributes",
                "authAttrs carries a message-digest attribute, which RFC 5083 section 2.1 says "
                "SHOULD NOT be included",
            )
        )
    if not auth.is_der():
        findings.append(
            finding(
                "auth-attributes-not-der",
                "authAttrs is not DER (RFC 5083 section 2.1 requires it); the AAD was taken "
                "from the received octets",
            )
        )
    return findings


def _check_mac(cipher: ContentCipher, fields: _TailFields, tail: Tail) -> None:
    if len(fields.mac) != cipher.tag_length:
        offset = next((p.offset for p in tail.parts if p.tag.number == 4), None)
        raise DecodeError(
            f"mac is {len(fields.mac)} octets but {cipher.name} gives a {cipher.tag_length}-octet "
            "tag (RFC 5084 aes-ICVlen; RFC 8103)",
            offset=offset,
        )


@dataclass(frozen=True, slots=True)
class AuthEnvelopedData:
    """A parsed AuthEnvelopedData (RFC 5083 section 2.1), for inspection without a key.

    :ivar encrypted_content: the authEncryptedContentInfo encryptedContent octets
        (segments joined), ``None`` when absent.
    :ivar findings: remarks about the encoding and attributes (``"code: message"``).
    """

    version: int
    originator_info: OriginatorInfo | None
    recipient_infos: tuple[RecipientInfo, ...]
    content_type: str
    content_encryption_algorithm: AlgorithmIdentifier
    encrypted_content: bytes | None = field(repr=False)
    authenticated_attributes: Attributes | None
    mac: bytes
    unauthenticated_attributes: Attributes | None = None
    findings: tuple[str, ...] = ()
    recipient_infos_der: bytes = field(default=b"", repr=False)

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray | memoryview | str, *, limits: Limits = DEFAULT_LIMITS
    ) -> AuthEnvelopedData:
        """Parse a DER/BER/PEM AuthEnvelopedData ContentInfo.

        :raises DecodeError: malformed, another content type, trailing data, or a
            content-type attribute contradicting the content type.
        """
        from smimelib.cms.recipients import parse_recipient_infos

        head, content, tail = parse_whole(data, ID_AUTH_ENVELOPED_DATA, limits)
        originator, ri_elem = envelope_parts(head, _NAME)
        infos = parse_recipient_infos(ri_elem, limits=limits)
        fields = _tail_fields(tail)
        version = version_of(head, _NAME)
        findings = _version_findings(version)
        findings += _attribute_findings(head.eci.content_type, fields.auth_attrs)
        return cls(
            version,
            originator,
            infos,
            head.eci.content_type,
            head.eci.algorithm,
            content,
            fields.auth_attrs,
            fields.mac,
            fields.unauth_attrs,
            tuple(findings),
            ri_elem.raw,
        )

    @property
    def aad(self) -> bytes:
        """The additional authenticated data: authAttrs re-tagged as SET (RFC 5083 2.2)."""
        attrs = self.authenticated_attributes
        return attrs.signed_bytes() if attrs is not None else b""

    def to_der(self) -> bytes:
        """DER re-encoding (encryptedContent primitive, the other parts as received);
        identical to DER input."""
        return encode_structure(
            ID_AUTH_ENVELOPED_DATA,
            self.version,
            envelope_fields(self.originator_info, self.recipient_infos_der),
            self.content_type,
            self.content_encryption_algorithm,
            self.encrypted_content,
            _tail_der(self.authenticated_attributes, self.mac, self.unauthenticated_attributes),
        )


def _tail_der(
    auth: Attributes | Sequence[Attribute] | None,
    mac: bytes,
    unauth: Attributes | Sequence[Attribute] | None,
) -> list[bytes]:
    """The fields after authEncryptedContentInfo (RFC 5083 section 2.1), encoded:
    authAttrs [1] and unauthAttrs [2] unless ``None``, and the mac."""
    parts = [attributes_der(auth, 1)] if auth is not None else []
    parts.append(der.encode_octets(mac))
    if unauth is not None:
        parts.append(attributes_der(unauth, 2))
    return parts


def _version_findings(version: int) -> list[str]:
    if version == AUTH_ENVELOPED_DATA_VERSION:
        return []
    return [
        finding(
            "auth-enveloped-data-version",
            f"AuthEnvelopedData version is {version}; RFC 5083 section 2.1 requires 0",
        )
    ]


def _auth_attributes(content_type: str, attrs: Iterable[Attribute]) -> tuple[Attribute, ...]:
    """The authAttrs to write: the caller's, plus content-type when the content is not
    id-data (RFC 5083 section 2.1)."""
    items = tuple(attrs)
    for attr in items:
        if not isinstance(attr, Attribute):
            raise UsageError("authenticated attributes must be Attribute objects")
        if attr.oid == OID_MESSAGE_DIGEST:
            raise UsageError("authAttrs SHOULD NOT include message-digest (RFC 5083 section 2.1)")
    types = [a for a in items if a.oid == OID_CONTENT_TYPE]
    if len(types) > 1:
        raise UsageError("authAttrs may hold one content-type attribute")
    if types:
        try:
            claimed = decode_content_type(types[0])
        except DecodeError as exc:
            raise UsageError(f"bad content-type attribute: {exc.message}") from None
        if claimed != content_type:
            raise UsageError(
                f"the content-type attribute says {oids.describe(claimed)} but the content is "
                f"{oids.describe(content_type)}"
            )
    elif content_type != ID_DATA:
        items += (content_type_attr(content_type),)
    return items


def encrypt_auth_enveloped_data(
    content: bytes | bytearray | memoryview | BinaryIO,
    recipients: Sequence[Recipient],
    *,
    cipher: str = "aes-256-gcm",
    content_type: str = ID_DATA,
    originator_certificates: Iterable[Certificate] = (),
    originator_crls: Iterable[bytes] = (),
    authenticated_attributes: Iterable[Attribute] = (),
    unauthenticated_attributes: Iterable[Attribute] = (),
    output: BinaryIO | None = None,
) -> bytes:
    """Encrypt ``content`` for ``recipients`` as AuthEnvelopedData (RFC 5083).

    :param cipher: ``aes-128-gcm``, ``aes-192-gcm``, ``aes-256-gcm`` (12-octet nonce,
        16-octet tag, RFC 5084), ``aes-128-ccm`` ... ``aes-256-ccm``, or
        ``chacha20-poly1305`` (RFC 8103).
    :param content_type: the content type of ``content``; when it is not id-data a
        content-type attribute is added to authAttrs (RFC 5083 section 2.1).
    :param authenticated_attributes: authAttrs, written DER and authenticated as the AAD.
    :param unauthenticated_attributes: unauthAttrs (neither encrypted nor authenticated).
    :param output: binary file object to write to (the return value is then ``b""``).
    :returns: the ContentInfo: DER for bytes content, indefinite-length BER with a chunked
        encryptedContent for a stream. AES-CCM needs the content length first: a
        seekable stream is measured, any other stream is spooled (memory up to 1 MiB, then
        a temporary file) before encryption.
    :raises UsageError: a non-AEAD cipher, no recipients, bad attributes.
    :raises PolicyError: a key smimelib does not encrypt to.
    """
    from smimelib.cms.recipients import encode_recipient_infos

    alg = content_algorithm(cipher)
    info = lookup(alg.oid)
    DEFAULT_POLICY.check(info, Use.PRODUCE)
    if info.kind is not Kind.AEAD:
        raise UsageError(
            f"{info.name} is not an AEAD cipher; AuthEnvelopedData needs one (RFC 5083 "
            "section 2.1) -- CBC goes into EnvelopedData"
        )
    auth = _auth_attributes(content_type, authenticated_attributes)
    aad = encode_attributes(auth) if auth else b""
    unauth = tuple(unauthenticated_attributes)
    source, spool = _measured(content, "CCM" in info.name)
    try:
        length = len(source) if isinstance(source, bytes) else remaining_length(source)
        if "CCM" in info.name and length is not None:
            alg = content_algorithm(cipher, os.urandom(_ccm_nonce_length(length)))
        cek = generate_key(alg)
        encryptor = content_encryptor(alg, cek, aad=aad, message_length=length)
        ri_der, _ = encode_recipient_infos(recipients, cek, alg)
        originator = OriginatorInfo.build(originator_certificates, originator_crls)
        return write_envelope(
            content_type=ID_AUTH_ENVELOPED_DATA,
            version=AUTH_ENVELOPED_DATA_VERSION,
            before=envelope_fields(originator, ri_der),
            encrypted_type=content_type,
            encryptor=encryptor,
            content=source,
            after=lambda tag: _tail_der(auth or None, tag, unauth or None),
            output=output,
        )
    finally:
        if spool is not None:
            spool.close()


def _ccm_nonce_length(length: int) -> int:
    """The longest CCM nonce (7..13 octets) whose length field (15 - nonce octets, RFC 3610
    section 2) can count ``length`` octets; 12 octets reach 16 MiB only."""
    for size in range(13, 6, -1):
        if length < 1 << (8 * (15 - size)):
            return size
    raise UsageError("content too long for AES-CCM")


def _measured(content: object, need_length: bool) -> tuple[bytes | BinaryIO, BinaryIO | None]:
    """The content, spooled first when AES-CCM needs the length of a non-seekable stream."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content), None
    if not hasattr(content, "read"):
        raise UsageError("content must be bytes or a binary file object")
    stream: BinaryIO = content  # type: ignore[assignment]
    if not need_length or remaining_length(stream) is not None:
        return stream, None
    spool = new_spool()
    try:
        for chunk in read_chunks(stream):
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, spool


def decrypt_auth_enveloped_data(
    source: bytes | bytearray | memoryview | str | BinaryIO,
    keys: Sequence[RecipientKey],
    *,
    policy: Policy = DEFAULT_POLICY,
    require_integrity: bool = False,
    output: BinaryIO | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> DecryptionResult:
    """Decrypt an AuthEnvelopedData ContentInfo (RFC 5083) with one of the caller's keys.

    The plaintext is released (returned or written to ``output``) only after the tag
    verified; streaming, errors and options as :func:`smimelib.cms.decryption.decrypt`
    (``require_integrity`` is always met here: the content is authenticated).
    """
    inp, parser = open_structure(source, ID_AUTH_ENVELOPED_DATA, output, limits)
    options = Options(policy, require_integrity, output, limits)
    return decrypt_parsed(inp, parser, list(keys), options)


def decrypt_parsed(
    inp: Input, parser: EnvelopeParser, keys: Sequence[RecipientKey], options: Options
) -> DecryptionResult:
    """Continue :func:`decrypt_auth_enveloped_data` after the ContentInfo contentType."""
    head = parser.head(_NAME)
    version = version_of(head, _NAME)
    originator, ri_elem = envelope_parts(head, _NAME)
    eci = head.eci
    cipher = content_cipher(eci.algorithm, "auth-enveloped-data", options.policy)
    recipients = Recipients(originator, ri_elem, keys, cipher, options.limits)
    found: list[tuple[_TailFields, list[str]]] = []

    def parse_tail(tail: Tail) -> tuple[bytes, bytes | None]:
        fields = _tail_fields(tail)
        _check_mac(cipher, fields, tail)
        found.append((fields, _attribute_findings(eci.content_type, fields.auth_attrs)))
        aad = fields.auth_attrs.signed_bytes() if fields.auth_attrs is not None else b""
        return aad, fields.mac

    done = decrypt_content(
        inp, parser, head, cipher, "auth-enveloped-data", recipients.key, parse_tail, options
    )
    fields, attr_findings = found[0]
    cek = recipients.cek()
    findings = [
        *_version_findings(version),
        *attr_findings,
        *cek.findings,
        *common_findings(cipher, "auth-enveloped-data", done.tail),
    ]
    return DecryptionResult(
        content_type=eci.content_type,
        content=done.content,
        structure="auth-enveloped-data",
        content_encryption_algorithm=eci.algorithm,
        algorithm_name=cipher.name,
        integrity_protected=True,
        recipient_info=cek.recipient_info,
        recipient_infos=recipients.infos,
        originator_certificates=recipients.certificates,
        originator_crls=recipients.crls,
        unprotected_attributes=fields.unauth_attrs,
        authenticated_attributes=fields.auth_attrs,
        weak=cipher.weak or cek.weak,
        findings=tuple(findings),
        version=version,
        content_length=done.length,
    )
