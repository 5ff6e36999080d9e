"""Fields shared by EnvelopedData, AuthEnvelopedData and EncryptedData (RFC 5652 sections
6.1 and 8, RFC 5083 section 2.1).

The three structures differ only in the fields around one common core::

    SEQUENCE {
        version CMSVersion,
        ... originatorInfo [0] IMPLICIT, recipientInfos SET (not in EncryptedData) ...
        encryptedContentInfo EncryptedContentInfo,
        ... [1] IMPLICIT attributes, mac, unauthAttrs [2] IMPLICIT ... }

The core is encoded by :func:`smimelib.cms._encrypt_write.encode_structure`; this module
encodes the ``[n] IMPLICIT`` attribute sets around it (:func:`attributes_der`), parses
the ``unprotectedAttrs [1]`` tail that EnvelopedData and EncryptedData share
(:func:`unprotected_attributes`), opens a message to decrypt (:func:`open_structure`)
and takes the content to encrypt (:func:`content_source`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from smimelib.asn1 import der, tlv
from smimelib.asn1.limits import Limits
from smimelib.cms._decrypt_engine import attributes
from smimelib.cms._encrypt_stream import (
    EnvelopeParser,
    Input,
    Tail,
    expect_content_type,
    open_input,
)
from smimelib.cms.attributes import Attribute, Attributes, encode_attributes
from smimelib.errors import DecodeError, UsageError

__all__ = [
    "attributes_der",
    "content_source",
    "open_structure",
    "unprotected_attributes",
]

_CTX1 = tlv.Tag.context(1, constructed=True)


def attributes_der(attrs: Attributes | Iterable[Attribute], number: int) -> bytes:
    """``[number] IMPLICIT SET OF Attribute``: the received octets when they carry that
    tag (so re-encoding a parsed structure is exact, and an AAD over authAttrs stays
    what was authenticated, RFC 5083 section 2.2), else DER (X.690 11.6 order)."""
    if isinstance(attrs, Attributes):
        # a built set holds the universal SET encoding: it needs the context tag
        if attrs.raw is not None and attrs.raw[:1] == bytes([0xA0 | number]):
            return attrs.raw
        attrs = attrs.items
    return der.implicit(number, encode_attributes(attrs))


def unprotected_attributes(tail: Tail, name: str) -> Attributes | None:
    """The optional ``unprotectedAttrs [1] IMPLICIT`` that ends EnvelopedData (RFC 5652
    section 6.1) and EncryptedData (section 8); nothing else may follow it."""
    attrs: Attributes | None = None
    for part in tail.parts:
        if part.tag != _CTX1 or attrs is not None:
            raise DecodeError(f"{name}: unexpected {part.tag}", offset=part.offset)
        attrs = attributes(part, "unprotectedAttrs")
    return attrs


def open_structure(
    source: object, expected: str, output: object, limits: Limits
) -> tuple[Input, EnvelopeParser]:
    """The message opened and its ContentInfo contentType read, which must be
    ``expected`` (RFC 5652 section 3): the start of every ``decrypt_*`` function.

    :raises UsageError: ``output`` is given but cannot be written to.
    """
    if output is not None and not hasattr(output, "write"):
        raise UsageError("output must be a binary file object")
    inp = open_input(source, limits)
    parser = EnvelopeParser(inp, limits)
    expect_content_type(parser, expected)
    return inp, parser


def content_source(content: object) -> bytes | BinaryIO:
    """The content to encrypt: bytes-like as bytes, or a binary file object as is."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    if not hasattr(content, "read"):
        raise UsageError("content must be bytes or a binary file object")
    return content  # type: ignore[return-value]
