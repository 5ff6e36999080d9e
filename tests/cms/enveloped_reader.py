"""An independent reader and writer of minimal EnvelopedData for the RecipientInfo tests
(RFC 5652 section 6.1).

:func:`walk` reads the fields with the TLV reader only (not smimelib's EnvelopedData
parser), so that a test sees exactly what was written; :func:`enveloped` wraps encoded
RecipientInfos in the smallest EnvelopedData OpenSSL will decrypt.
"""

from __future__ import annotations

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import (
    ID_ENVELOPED_DATA,
    encode_content_info,
    load_cms,
    parse_content_info,
)
from smimelib.cms.recipients import RecipientInfo, parse_recipient_infos
from smimelib.crypto import ciphers


def walk(data: bytes) -> tuple[tuple[RecipientInfo, ...], AlgorithmIdentifier, bytes]:
    """(RecipientInfos, content-encryption algorithm, encrypted content) of EnvelopedData."""
    parts = parse_content_info(load_cms(data)).require_content().children()
    index = 2 if parts[1].tag == tlv.Tag.context(0) else 1
    eci = parts[index + 1].children()
    return (
        parse_recipient_infos(parts[index]),
        AlgorithmIdentifier.from_element(eci[1]),
        eci[2].as_octets(implicit=True),
    )


def enveloped(infos_der: bytes, version: int, cek: bytes, content: bytes) -> bytes:
    """A minimal DER EnvelopedData (AES-CBC, RFC 3565) around encoded RecipientInfos."""
    alg = ciphers.content_algorithm({16: "aes-128-cbc", 32: "aes-256-cbc"}[len(cek)])
    ciphertext, _ = ciphers.encrypt(alg, cek, content)
    eci = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.1"),
        alg.to_der(),
        der.encode_tlv(tlv.Tag.context(0, constructed=False), ciphertext),
    )
    body = der.sequence(der.encode_int(version), infos_der, eci)
    return encode_content_info(ID_ENVELOPED_DATA, body)
