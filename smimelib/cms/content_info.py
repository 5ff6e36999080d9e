"""ContentInfo, the outer wrapper of every CMS object (RFC 5652 section 3).

::

    ContentInfo ::= SEQUENCE {
        contentType  ContentType,                      -- OBJECT IDENTIFIER
        content      [0] EXPLICIT ANY DEFINED BY contentType }

RFC 5652 makes ``content`` mandatory; PKCS #7 (RFC 2315 section 7) made it
OPTIONAL, and readers that assumed it present crashed on messages without it
(CVE-2015-0289). :func:`parse_content_info` accepts a missing ``content`` only
for content types that may have none (id-data and unknown types) and refuses it
with :class:`~smimelib.errors.DecodeError` for the structured CMS types, so
callers of those never meet ``content is None``.

:func:`load_cms` turns the PEM armour OpenSSL and others write (labels ``CMS``,
``PKCS7`` and ``PKCS #7 SIGNED DATA``, RFC 7468 section 9) into the BER octets;
un-armoured base64 is not guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.pem import is_pem, pem_blocks

__all__ = [
    "CMS_PEM_LABELS",
    "ID_AUTH_DATA",
    "ID_AUTH_ENVELOPED_DATA",
    "ID_COMPRESSED_DATA",
    "ID_CT_CONTENT_INFO",
    "ID_CT_RECEIPT",
    "ID_CT_TST_INFO",
    "ID_DATA",
    "ID_DIGESTED_DATA",
    "ID_ENCRYPTED_DATA",
    "ID_ENVELOPED_DATA",
    "ID_SIGNED_AND_ENVELOPED_DATA",
    "ID_SIGNED_DATA",
    "ContentInfo",
    "content_info_from_element",
    "content_info_header",
    "encode_content_info",
    "load_cms",
    "parse_content_info",
]

_PKCS7 = "1.2.840.113549.1.7"
_CT = "1.2.840.113549.1.9.16.1"

#: id-data (RFC 5652 section 4)
ID_DATA = _PKCS7 + ".1"
#: id-signedData (RFC 5652 section 5)
ID_SIGNED_DATA = _PKCS7 + ".2"
#: id-envelopedData (RFC 5652 section 6)
ID_ENVELOPED_DATA = _PKCS7 + ".3"
#: signedAndEnvelopedData (PKCS #7, RFC 2315 section 11; not in CMS)
ID_SIGNED_AND_ENVELOPED_DATA = _PKCS7 + ".4"
#: id-digestedData (RFC 5652 section 7)
ID_DIGESTED_DATA = _PKCS7 + ".5"
#: id-encryptedData (RFC 5652 section 8)
ID_ENCRYPTED_DATA = _PKCS7 + ".6"
#: id-ct-receipt (RFC 2634 section 2.4)
ID_CT_RECEIPT = _CT + ".1"
#: id-ct-authData (RFC 5652 section 9)
ID_AUTH_DATA = _CT + ".2"
#: id-ct-TSTInfo (RFC 3161 section 2.4.2)
ID_CT_TST_INFO = _CT + ".4"
#: id-ct-contentInfo (RFC 5652 section 14 / RFC 6268)
ID_CT_CONTENT_INFO = _CT + ".6"
#: id-ct-compressedData (RFC 3274 section 1.1)
ID_COMPRESSED_DATA = _CT + ".9"
#: id-ct-authEnvelopedData (RFC 5083 section 2.1)
ID_AUTH_ENVELOPED_DATA = _CT + ".23"

#: content types whose ContentInfo must carry content (CVE-2015-0289)
_NEEDS_CONTENT = frozenset(
    {
        ID_SIGNED_DATA,
        ID_ENVELOPED_DATA,
        ID_SIGNED_AND_ENVELOPED_DATA,
        ID_DIGESTED_DATA,
        ID_ENCRYPTED_DATA,
        ID_AUTH_DATA,
        ID_AUTH_ENVELOPED_DATA,
        ID_COMPRESSED_DATA,
        ID_CT_RECEIPT,
        ID_CT_TST_INFO,
    }
)

#: PEM labels of a CMS object: RFC 7468 section 9 ("CMS", "PKCS7") and the older
#: "PKCS #7 SIGNED DATA" that OpenSSL still reads
CMS_PEM_LABELS = ("CMS", "PKCS7", "PKCS #7 SIGNED DATA")


@dataclass(frozen=True, slots=True)
class ContentInfo:
    """A parsed ContentInfo (RFC 5652 section 3).

    :ivar content_type: the dotted contentType OID.
    :ivar content: the element *inside* the ``[0] EXPLICIT`` wrapper, with its received
        octets and absolute offsets; ``None`` only when the content is absent, which
        :func:`parse_content_info` allows for id-data and unknown content types alone.
        Callers that need content use :meth:`require_content`.
    :ivar element: the whole ContentInfo SEQUENCE as received (``None`` if built by hand).
    """

    content_type: str
    content: tlv.Element | None
    element: tlv.Element | None = field(default=None, repr=False, compare=False)

    @property
    def raw(self) -> bytes:
        """The received octets of the whole ContentInfo (empty if not parsed)."""
        return self.element.raw if self.element is not None else b""

    @property
    def content_type_name(self) -> str:
        """The registered name of the content type (the OID when unknown)."""
        return oids.name_of(self.content_type)

    def require_content(self) -> tlv.Element:
        """The content element, or DecodeError "ContentInfo has no content"."""
        if self.content is None:
            offset = self.element.offset if self.element is not None else None
            raise DecodeError(
                f"ContentInfo has no content ({oids.describe(self.content_type)})", offset=offset
            )
        return self.content


def parse_content_info(
    data: bytes | bytearray | memoryview,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
    expected_type: str | None = None,
) -> ContentInfo:
    """Parse one BER or DER ContentInfo (RFC 5652 section 3); trailing data is an error.

    :param expected_type: if given, any other contentType is a DecodeError naming both.
    :raises DecodeError: malformed input, trailing data, a ``[0]`` wrapper that is not
        constructed or does not hold exactly one element, or no content for a content
        type that needs one.
    :raises LimitExceeded: the input exceeds ``limits``.
    """
    root = tlv.parse_one(data, limits=limits, base_offset=base_offset, what="ContentInfo")
    return content_info_from_element(root, expected_type=expected_type)


def content_info_from_element(
    root: tlv.Element, *, expected_type: str | None = None
) -> ContentInfo:
    """Build a :class:`ContentInfo` from an already parsed SEQUENCE element (e.g. the
    ContentInfo of a triple-wrapped message); same checks as :func:`parse_content_info`."""
    if root.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"ContentInfo: expected SEQUENCE, found {root.tag}", offset=root.offset)
    parts = root.children()
    if not parts or len(parts) > 2:
        raise DecodeError(
            f"ContentInfo has {len(parts)} components (expected contentType and content)",
            offset=root.offset,
        )
    try:
        content_type = parts[0].as_oid()
    except DecodeError as exc:
        raise DecodeError(f"ContentInfo contentType: {exc.message}", offset=exc.offset) from None
    if expected_type is not None and content_type != expected_type:
        raise DecodeError(
            f"ContentInfo contentType is {oids.describe(content_type)}, expected "
            f"{oids.describe(expected_type)}",
            offset=parts[0].offset,
        )
    content: tlv.Element | None = None
    if len(parts) == 2:
        wrapper = parts[1]
        if wrapper.tag != tlv.Tag.context(0, constructed=True):
            raise DecodeError(
                f"ContentInfo content: expected [0] EXPLICIT (constructed), found {wrapper.tag}",
                offset=wrapper.offset,
            )
        inner = wrapper.children()
        if len(inner) != 1:
            raise DecodeError(
                f"ContentInfo content [0] holds {len(inner)} elements (expected 1)",
                offset=wrapper.offset,
            )
        content = inner[0]
    elif content_type in _NEEDS_CONTENT:
        raise DecodeError(
            f"ContentInfo has no content ({oids.describe(content_type)})", offset=root.offset
        )
    return ContentInfo(content_type, content, root)


def load_cms(data: bytes | bytearray | memoryview | str) -> bytes:
    """The BER/DER octets of a CMS object given as DER/BER or as PEM.

    PEM must hold exactly one block labelled ``CMS``, ``PKCS7`` or ``PKCS #7 SIGNED
    DATA`` (RFC 7468 section 9); other blocks (certificates, keys) are ignored. Binary
    input starting with a SEQUENCE identifier (``0x30``) is returned unchanged (it is
    parsed later). Anything else, including bare base64, is a DecodeError.

    :raises DecodeError: neither PEM nor BER, no CMS block, several CMS blocks, or bad
        base64 inside the block.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    data = bytes(data)
    if data[:1] == b"\x30":
        return data
    if not is_pem(data):
        raise DecodeError("input is neither BER/DER (SEQUENCE) nor PEM", offset=0)
    blocks = [b for b in pem_blocks(data) if b.label in CMS_PEM_LABELS]
    if len(blocks) != 1:
        found = sorted({b.label for b in pem_blocks(data)})
        raise DecodeError(
            f"PEM input holds {len(blocks)} CMS blocks (labels {', '.join(CMS_PEM_LABELS)}); "
            f"found labels: {', '.join(found) or 'none'}",
            offset=blocks[1].offset if len(blocks) > 1 else None,
        )
    return blocks[0].der


def encode_content_info(content_type: str, content: bytes | None) -> bytes:
    """DER ContentInfo (RFC 5652 section 3) around ``content``, the complete encoding of
    the inner value (e.g. a SignedData SEQUENCE); ``None`` omits the ``[0]`` field
    (PKCS #7 style, only meaningful for id-data)."""
    if content is None:
        if content_type in _NEEDS_CONTENT:
            raise UsageError(f"{oids.describe(content_type)} needs content")
        return der.sequence(der.encode_oid(content_type))
    if not content:
        raise UsageError("content must be a complete encoding")
    return der.sequence(der.encode_oid(content_type), der.explicit(0, content))


def content_info_header(content_type: str) -> bytes:
    """The start of an indefinite-length ContentInfo for streaming writers (X.690 8.1.3.6):
    ``30 80 <contentType> A0 80``; the inner value follows, then two end-of-contents
    (``00 00 00 00``), as ``openssl cms -stream`` writes."""
    return (
        der.indefinite_header(tlv.Tag.SEQUENCE)
        + der.encode_oid(content_type)
        + der.indefinite_header(tlv.Tag.context(0, constructed=True))
    )
