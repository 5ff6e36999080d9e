"""CompressedData: content compressed with zlib (RFC 3274).

::

    CompressedData ::= SEQUENCE {
        version CMSVersion,                       -- always 0
        compressionAlgorithm CompressionAlgorithmIdentifier,
        encapContentInfo EncapsulatedContentInfo }

The only algorithm is id-alg-zlibCompress (RFC 3274 section 2): a zlib stream (RFC 1950
framing around RFC 1951 deflate). Its parameters SHOULD be absent but MAY be NULL (section
2.1); both are read, absent is written.

Inflating untrusted input is a resource attack (THREATS 4.3: 1 GiB of zeros compresses
to about 1 MB), so :func:`decompress` inflates in bounded steps and refuses output beyond
``max_output`` octets, and output beyond 1 MiB that is more than ``max_ratio`` times the
compressed size, before it is produced rather than after.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms.content_info import (
    ID_COMPRESSED_DATA,
    ID_DATA,
    encode_content_info,
    load_cms,
    parse_content_info,
)
from smimelib.errors import DecodeError, LimitExceeded, UnsupportedAlgorithm, UsageError

__all__ = [
    "ID_ALG_ZLIB_COMPRESS",
    "DecompressedContent",
    "compress",
    "decompress",
]

#: id-alg-zlibCompress (RFC 3274 section 2)
ID_ALG_ZLIB_COMPRESS = "1.2.840.113549.1.9.16.3.8"

#: the CompressedData version (RFC 3274 section 1.1: "It MUST be 0")
_VERSION = 0
#: CMSVersion values of RFC 5652 section 10.2.5; anything else is not a CMSVersion
_CMS_VERSIONS = range(0, 6)
#: output below this size is never refused for its ratio (small messages compress well)
_RATIO_FLOOR = 1024 * 1024
#: octets of compressed input handed to zlib at once (keeps unconsumed_tail copies small)
_IN_STEP = 64 * 1024
#: most octets inflated in one step, so a limit is checked at least this often
_OUT_STEP = 256 * 1024
#: zlib's window bits for RFC 1950 framing with the largest window
_ZLIB_WBITS = 15


@dataclass(frozen=True, slots=True)
class DecompressedContent:
    """The inflated content of a CompressedData (RFC 3274 section 1.1).

    :ivar content_type: eContentType, the type of the content before compression.
    :ivar content: the inflated octets.
    :ivar compressed_size: octets of the zlib stream (the eContent value).
    :ivar findings: remarks about the encoding (``"code: message"``).
    """

    content_type: str
    content: bytes = field(repr=False)
    compressed_size: int
    findings: tuple[str, ...] = ()


def decompress(
    source: bytes | bytearray | memoryview | str,
    *,
    max_output: int = 64 * 1024 * 1024,
    max_ratio: int = 1000,
    limits: Limits = DEFAULT_LIMITS,
) -> DecompressedContent:
    """Parse a DER/BER/PEM CompressedData ContentInfo and inflate its content (RFC 3274).

    :param max_output: most octets of inflated content accepted.
    :param max_ratio: most inflated octets per compressed octet once the output exceeds
        1 MiB (THREATS 4.3, decompression bombs).
    :param limits: ASN.1 decoding limits.
    :raises DecodeError: malformed ASN.1, another content type, no eContent, a version
        that is not a CMSVersion, or a malformed, truncated or trailing-data zlib stream.
    :raises LimitExceeded: the output would exceed ``max_output`` (``limit=
        "max_decompressed_size"``) or ``max_ratio`` (``limit="max_compression_ratio"``).
    :raises UnsupportedAlgorithm: a compression algorithm other than zlib.
    :raises UsageError: ``max_output`` negative or ``max_ratio`` below 1.
    """
    if isinstance(max_output, bool) or not isinstance(max_output, int) or max_output < 0:
        raise UsageError(f"max_output must be a non-negative int, not {max_output!r}")
    if isinstance(max_ratio, bool) or not isinstance(max_ratio, int) or max_ratio < 1:
        raise UsageError(f"max_ratio must be an int of at least 1, not {max_ratio!r}")
    data = load_cms(source)
    info = parse_content_info(data, limits=limits, expected_type=ID_COMPRESSED_DATA)
    body = info.require_content().expect(tlv.Tag.SEQUENCE, "CompressedData")
    parts = body.children()
    if len(parts) != 3:
        raise DecodeError(
            f"CompressedData has {len(parts)} components (expected version, "
            "compressionAlgorithm and encapContentInfo)",
            offset=body.offset,
        )
    findings = _check_version(parts[0])
    _check_algorithm(parts[1])
    content_type, econtent = _encap(parts[2])
    compressed = econtent.as_octets()
    content = _inflate(compressed, econtent.offset, max_output, max_ratio)
    return DecompressedContent(content_type, content, len(compressed), tuple(findings))


def compress(
    content: bytes | bytearray | memoryview, *, content_type: str = ID_DATA, level: int = 9
) -> bytes:
    """DER ContentInfo holding a CompressedData of ``content`` (RFC 3274 section 1.1).

    The content is compressed as a zlib stream (RFC 1950), with id-alg-zlibCompress
    parameters omitted as RFC 3274 section 2 recommends.

    :param content_type: the eContentType (the type of ``content``).
    :param level: zlib compression level, 0 (stored) to 9 (smallest).
    :raises UsageError: a level outside 0..9, content that is not bytes, or a malformed
        content type OID.
    """
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 9:
        raise UsageError(f"zlib compression level must be 0..9, not {level!r}")
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise UsageError(f"content must be bytes, not {type(content).__name__}")
    encoder = zlib.compressobj(level, zlib.DEFLATED, _ZLIB_WBITS)
    stream = encoder.compress(content) + encoder.flush()
    body = der.sequence(
        der.encode_int(_VERSION),
        AlgorithmIdentifier(ID_ALG_ZLIB_COMPRESS).to_der(),
        der.sequence(der.encode_oid(content_type), der.explicit(0, der.encode_octets(stream))),
    )
    return encode_content_info(ID_COMPRESSED_DATA, body)


def _check_version(elem: tlv.Element) -> list[str]:
    """RFC 3274 1.1 fixes version 0; other CMSVersions are a finding (RFC 5652 1.3)."""
    version = elem.expect(tlv.Tag.INTEGER, "CompressedData version").as_int()
    if version not in _CMS_VERSIONS:
        raise DecodeError(
            f"CompressedData version {version} is not a CMSVersion (0..5)", offset=elem.offset
        )
    if version != _VERSION:
        return [
            f"compressed-data-version: CompressedData version is {version}; "
            "RFC 3274 section 1.1 says it MUST be 0"
        ]
    return []


def _check_algorithm(elem: tlv.Element) -> None:
    """id-alg-zlibCompress with absent or NULL parameters (RFC 3274 sections 2, 2.1)."""
    alg = AlgorithmIdentifier.from_element(elem)
    if alg.oid != ID_ALG_ZLIB_COMPRESS:
        raise UnsupportedAlgorithm(
            f"compression algorithm {oids.describe(alg.oid)} is not supported "
            "(only id-alg-zlibCompress, RFC 3274 section 2)",
            offset=elem.offset,
            oid=alg.oid,
            oid_name=oids.name_of(alg.oid),
        )
    if alg.parameters not in (None, NULL):
        raise DecodeError(
            "id-alg-zlibCompress parameters must be absent or NULL (RFC 3274 section 2)",
            offset=elem.offset,
        )


def _encap(elem: tlv.Element) -> tuple[str, tlv.Element]:
    """eContentType and the eContent OCTET STRING element (RFC 5652 section 5.2)."""
    parts = elem.expect(tlv.Tag.SEQUENCE, "EncapsulatedContentInfo").children()
    if len(parts) == 1:
        raise DecodeError(
            "CompressedData has no eContent (nothing to decompress)", offset=elem.offset
        )
    if len(parts) != 2:
        raise DecodeError(
            f"EncapsulatedContentInfo has {len(parts)} components (expected 1 or 2)",
            offset=elem.offset,
        )
    content_type = parts[0].expect(tlv.Tag.OID, "eContentType").as_oid()
    wrapper = parts[1].expect(tlv.Tag.context(0, constructed=True), "eContent")
    inner = wrapper.children()
    if len(inner) != 1:
        raise DecodeError(
            f"eContent [0] holds {len(inner)} elements (expected 1)", offset=wrapper.offset
        )
    econtent = inner[0]
    if econtent.tag.cls != tlv.TagClass.UNIVERSAL or econtent.tag.number != 4:
        raise DecodeError(
            f"eContent: expected OCTET STRING, found {econtent.tag}", offset=econtent.offset
        )
    return content_type, econtent


def _inflate(stream: bytes, offset: int, max_output: int, max_ratio: int) -> bytes:
    """Inflate one zlib stream (RFC 1950) within the caps, in bounded steps.

    Each step asks zlib for at most enough output to exceed ``max_output`` by one octet,
    so no more than ``max_output + 1`` octets are ever produced. The ratio is measured
    against the whole compressed size: output only grows, so once it is too large the
    final ratio is too.
    """
    ratio_cap = max(_RATIO_FLOOR, max_ratio * len(stream))
    inflater = zlib.decompressobj(_ZLIB_WBITS)
    view = memoryview(stream)
    out = bytearray()
    pos = 0
    pending: bytes = b""
    try:
        while not inflater.eof:
            if not pending and pos < len(view):
                pending = bytes(view[pos : pos + _IN_STEP])
                pos += len(pending)
            budget = min(_OUT_STEP, max_output + 1 - len(out))
            chunk = inflater.decompress(pending, budget)
            pending = inflater.unconsumed_tail
            if not chunk and not pending and pos >= len(view):
                break
            out += chunk
            if len(out) > max_output:
                raise LimitExceeded(
                    f"compressed content inflates to more than max_output={max_output} octets",
                    limit="max_decompressed_size",
                    offset=offset,
                )
            if len(out) > ratio_cap:
                raise LimitExceeded(
                    f"compressed content inflates by more than max_ratio={max_ratio} "
                    f"({len(stream)} compressed octets already gave {len(out)})",
                    limit="max_compression_ratio",
                    offset=offset,
                )
    except zlib.error as exc:
        raise DecodeError(f"malformed zlib stream in eContent: {exc}", offset=offset) from None
    if not inflater.eof:
        raise DecodeError("truncated zlib stream in eContent (no end of stream)", offset=offset)
    trailing = len(inflater.unused_data) + len(pending) + (len(view) - pos)
    if trailing:
        raise DecodeError(
            f"{trailing} octets of trailing data after the zlib stream in eContent",
            offset=offset,
        )
    return bytes(out)
