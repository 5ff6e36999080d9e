"""The outer layers of a SignedData ContentInfo, from bytes or from a stream (RFC 5652 5.1, 5.2).

::

    ContentInfo ::= SEQUENCE { contentType id-signedData, content [0] EXPLICIT SignedData }
    SignedData ::= SEQUENCE {
        version CMSVersion,
        digestAlgorithms DigestAlgorithmIdentifiers,        -- SET OF
        encapContentInfo EncapsulatedContentInfo,
        certificates [0] IMPLICIT CertificateSet OPTIONAL,
        crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
        signerInfos SignerInfos }                            -- SET OF
    EncapsulatedContentInfo ::= SEQUENCE {
        eContentType ContentType,
        eContent [0] EXPLICIT OCTET STRING OPTIONAL }

The walk never goes through pyasn1 (it fails on OpenSSL's streamed output, DESIGN
"Performance facts"): bytes are validated whole with :func:`smimelib.asn1.tlv.parse_one`,
streams with the sans-IO :class:`smimelib.asn1.stream.Reader` (through
:class:`smimelib.cms._stream_walk.StreamWalker`), whose events let the
eContent octets flow through in chunks while the small parts around them (version,
digestAlgorithms, eContentType, certificates, crls, signerInfos) are captured as exact
received octets and handed over as :class:`~smimelib.asn1.tlv.Element` values with
absolute offsets. Both paths produce the same :class:`Skeleton`.

PKCS #7 v1.5 content (RFC 2315 section 9.1, ``content [0] EXPLICIT ANY``) that is not an
OCTET STRING is accepted and marked (RFC 5652 section 5.2.1); it is captured whole.

Trailing data after the ContentInfo is refused, except whitespace only (space, tab, CR,
LF), which files often gain from editors and ``echo``; the caller reports it as a
finding. NUL is not whitespace here: it is also the end-of-contents octet, and padding
of zeros after an indefinite-length encoding could not be told apart from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from smimelib.asn1 import oids, stream, tlv
from smimelib.asn1.limits import Limits
from smimelib.cms._stream_walk import StreamWalker
from smimelib.cms.content_info import ID_SIGNED_DATA, content_info_from_element
from smimelib.errors import DecodeError, UsageError

__all__ = [
    "TRAILING_WHITESPACE",
    "BinaryReader",
    "Encap",
    "Skeleton",
    "StreamParser",
    "parse_bytes",
    "read_chunk",
    "reread_content",
]

#: octets accepted (and reported) after the ContentInfo
TRAILING_WHITESPACE = b" \t\r\n"

_OCTET_STRING = 4
_CTX0 = tlv.Tag.context(0, constructed=True)
_CTX1 = tlv.Tag.context(1, constructed=True)
_UNBOUNDED = 1 << 62
#: largest BER header: identifier (1 + tag octets) and length (1 + length octets)
_MAX_HEADER = 16


@dataclass(frozen=True, slots=True)
class Encap:
    """EncapsulatedContentInfo as found (RFC 5652 5.2).

    :ivar content_type: eContentType.
    :ivar present: eContent is present (attached signature).
    :ivar element: the OCTET STRING (bytes path) or, for PKCS #7 content, the inner value
        (both paths); ``None`` when absent or streamed.
    :ivar pkcs7: the content is not an OCTET STRING (RFC 5652 5.2.1).
    :ivar offset: absolute offset of the content element inside ``[0]``.
    :ivar indefinite: the OCTET STRING was constructed or of indefinite length (BER).
    """

    content_type: str
    present: bool
    element: tlv.Element | None
    pkcs7: bool
    offset: int | None
    indefinite: bool = False


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The parts of one SignedData, each an element with its received octets."""

    offset: int
    version: tlv.Element
    digest_algorithms: tlv.Element
    encap: Encap
    certificates: tlv.Element | None
    crls: tlv.Element | None
    signer_infos: tlv.Element
    #: the whitespace octets found after the ContentInfo (accepted, to be reported)
    trailing: bytes
    #: the outer layers used BER indefinite lengths
    indefinite: bool


class BinaryReader(Protocol):
    """A binary stream: a file opened ``"rb"``, :class:`io.BytesIO`, a raw or buffered
    stream. Seekable ones (``seekable()``, ``tell()``, ``seek()``) allow a second pass."""

    def read(self, size: int = ..., /) -> bytes | None: ...


def read_chunk(fileobj: BinaryReader, size: int, what: str, offset: int | None = None) -> bytes:
    """One ``read(size)``; I/O errors become DecodeError, text streams UsageError."""
    try:
        data = fileobj.read(size)
    except OSError as exc:
        raise DecodeError(f"cannot read the {what}: {exc}", offset=offset) from None
    if data is None:
        raise UsageError(
            f"the {what} stream has no data ready (non-blocking streams are not supported)"
        )
    if not isinstance(data, bytes | bytearray):
        raise UsageError(
            f"the {what} must be a binary stream (read() returned {type(data).__name__})"
        )
    return bytes(data)


# -- shared checks --------------------------------------------------------------------------


def _check_version(elem: tlv.Element) -> None:
    if elem.tag != tlv.Tag.INTEGER:
        raise DecodeError(
            f"SignedData version: expected INTEGER, found {elem.tag}", offset=elem.offset
        )


def _check_digest_algorithms(elem: tlv.Element) -> None:
    if elem.tag != tlv.Tag.SET:
        raise DecodeError(
            f"SignedData digestAlgorithms: expected SET, found {elem.tag}", offset=elem.offset
        )


def _content_type(elem: tlv.Element) -> str:
    if elem.tag != tlv.Tag.OID:
        raise DecodeError(
            f"EncapsulatedContentInfo eContentType: expected OBJECT IDENTIFIER, found {elem.tag}",
            offset=elem.offset,
        )
    return elem.as_oid()


def _split_tail(
    parts: list[tlv.Element], end_offset: int
) -> tuple[tlv.Element | None, tlv.Element | None, tlv.Element]:
    """certificates [0]?, crls [1]?, signerInfos SET, nothing else (RFC 5652 5.1)."""
    certs: tlv.Element | None = None
    crls: tlv.Element | None = None
    index = 0
    if index < len(parts) and parts[index].tag == _CTX0:
        certs = parts[index]
        index += 1
    if index < len(parts) and parts[index].tag == _CTX1:
        crls = parts[index]
        index += 1
    if index >= len(parts):
        raise DecodeError("SignedData has no signerInfos", offset=end_offset)
    signer_infos = parts[index]
    if signer_infos.tag != tlv.Tag.SET:
        raise DecodeError(
            f"SignedData: expected certificates [0], crls [1] or signerInfos (SET), found "
            f"{signer_infos.tag}",
            offset=signer_infos.offset,
        )
    if index + 1 < len(parts):
        extra = parts[index + 1]
        raise DecodeError(
            f"SignedData: unexpected {extra.tag} after signerInfos", offset=extra.offset
        )
    return certs, crls, signer_infos


def _check_content_type(ci_type: str, offset: int) -> None:
    if ci_type != ID_SIGNED_DATA:
        raise DecodeError(
            f"ContentInfo contentType is {oids.describe(ci_type)}, expected "
            f"{oids.describe(ID_SIGNED_DATA)}",
            offset=offset,
        )


def _trailing_error(trailing: bytes, offset: int) -> DecodeError:
    return DecodeError(
        f"{len(trailing)} octets of trailing data after the ContentInfo (only whitespace is "
        "tolerated)",
        offset=offset,
    )


# -- bytes ----------------------------------------------------------------------------------


def _element_end(data: bytes, limits: Limits) -> int:
    """Where the first element of ``data`` ends, without validating it yet."""
    reader = stream.Reader(limits=limits)
    reader.feed(data[:_MAX_HEADER])
    event = reader.next_event()
    if not isinstance(event, stream.Header):
        return len(data)  # too short for a header: parse_one reports it precisely
    if event.length is not None:
        return min(len(data), event.header_length + event.length)
    # an indefinite length ends with 00 00, never with whitespace
    return len(data.rstrip(TRAILING_WHITESPACE))


def parse_bytes(data: bytes, limits: Limits) -> Skeleton:
    """Walk a whole BER/DER SignedData ContentInfo (RFC 5652 5.1) held in memory.

    :raises DecodeError: malformed, not a SignedData, or non-whitespace trailing data.
    """
    end = _element_end(data, limits)
    trailing = data[end:]
    if trailing.strip(TRAILING_WHITESPACE):
        raise _trailing_error(trailing, end)
    if trailing:
        data = data[:end]
    root = tlv.parse_one(data, limits=limits, what="SignedData ContentInfo")
    ci = content_info_from_element(root)
    _check_content_type(ci.content_type, root.offset)
    sd = ci.require_content()
    if sd.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"SignedData: expected SEQUENCE, found {sd.tag}", offset=sd.offset)
    parts = list(sd.children())
    if len(parts) < 4:
        raise DecodeError(
            f"SignedData has {len(parts)} components (expected at least version, "
            "digestAlgorithms, encapContentInfo and signerInfos)",
            offset=sd.offset,
        )
    version, digest_algorithms, encap_elem = parts[:3]
    _check_version(version)
    _check_digest_algorithms(digest_algorithms)
    encap = _encap_from_element(encap_elem)
    certs, crls, signer_infos = _split_tail(parts[3:], sd.end_offset)
    wrapper_indefinite = root.indefinite or sd.indefinite or encap_elem.indefinite
    return Skeleton(
        root.offset,
        version,
        digest_algorithms,
        encap,
        certs,
        crls,
        signer_infos,
        trailing,
        wrapper_indefinite or encap.indefinite,
    )


def _encap_from_element(elem: tlv.Element) -> Encap:
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(
            f"EncapsulatedContentInfo: expected SEQUENCE, found {elem.tag}", offset=elem.offset
        )
    parts = elem.children()
    if not parts or len(parts) > 2:
        raise DecodeError(
            f"EncapsulatedContentInfo has {len(parts)} components (expected 1 or 2)",
            offset=elem.offset,
        )
    content_type = _content_type(parts[0])
    if len(parts) == 1:
        return Encap(content_type, False, None, False, None)
    wrapper = parts[1]
    if wrapper.tag != _CTX0:
        raise DecodeError(
            f"EncapsulatedContentInfo eContent: expected [0] EXPLICIT, found {wrapper.tag}",
            offset=wrapper.offset,
        )
    inner = wrapper.children()
    if len(inner) != 1:
        raise DecodeError(
            f"eContent [0] holds {len(inner)} elements (expected 1)", offset=wrapper.offset
        )
    content = inner[0]
    is_octets = content.tag.cls == tlv.TagClass.UNIVERSAL and content.tag.number == _OCTET_STRING
    ber = is_octets and (content.tag.constructed or content.indefinite)
    return Encap(content_type, True, content, not is_octets, content.offset, ber)


# -- streams --------------------------------------------------------------------------------


class StreamParser:
    """Pull the parts of a SignedData ContentInfo from a binary file object (RFC 5652 5.1).

    Call :meth:`head`, then (for attached OCTET STRING content) iterate
    :meth:`content_chunks`, then :meth:`finish`. Memory: the reader's buffer (one chunk
    plus a little), and the captured small parts.

    :param prefix: octets already read from ``fileobj`` (they come first).
    """

    def __init__(
        self,
        fileobj: BinaryReader,
        limits: Limits,
        *,
        chunk_size: int = 65536,
        prefix: bytes = b"",
    ) -> None:
        self._file = fileobj
        self._chunk = chunk_size
        self._pending = prefix
        # streamed eContent is never held, so it is not bounded by max_input_size; the
        # captured parts are (see StreamWalker.capture)
        self._walk = StreamWalker(self._read, limits, limits.replace(max_input_size=_UNBOUNDED))
        self._limits = limits
        self._head_parts: tuple[tlv.Element, tlv.Element, Encap] | None = None
        self._offset = 0
        # only the outer layers count here (the walker also sees inside captured parts)
        self._indefinite = False

    # -- plumbing -------------------------------------------------------------------------

    def _read(self, offset: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return read_chunk(self._file, self._chunk, "message", offset)

    def _header(self, what: str, tag: tlv.Tag | None = None) -> stream.Header:
        event = self._walk.header(what, tag)
        if event.length is None:
            self._indefinite = True
        return event

    # -- the three phases -------------------------------------------------------------------

    def head(self) -> tuple[tlv.Element, tlv.Element, Encap]:
        """version, digestAlgorithms and the EncapsulatedContentInfo up to its content."""
        root = self._header("ContentInfo", tlv.Tag.SEQUENCE)
        self._offset = root.offset
        ci_type = self._walk.capture(
            self._header("ContentInfo contentType", tlv.Tag.OID), "contentType"
        )
        _check_content_type(ci_type.as_oid(), ci_type.offset)
        self._header("ContentInfo content [0]", _CTX0)
        self._header("SignedData", tlv.Tag.SEQUENCE)
        version = self._walk.capture(self._header("SignedData version"), "SignedData version")
        _check_version(version)
        algs = self._walk.capture(self._header("SignedData digestAlgorithms"), "digestAlgorithms")
        _check_digest_algorithms(algs)
        self._header("EncapsulatedContentInfo", tlv.Tag.SEQUENCE)
        ect = self._walk.capture(self._header("eContentType"), "eContentType")
        content_type = _content_type(ect)
        event = self._walk.next()
        if isinstance(event, stream.End):
            encap = Encap(content_type, False, None, False, None)
        else:
            if not isinstance(event, stream.Header) or event.tag != _CTX0:
                where = event.offset
                raise DecodeError(
                    "EncapsulatedContentInfo eContent: expected [0] EXPLICIT", offset=where
                )
            if event.length is None:
                self._indefinite = True
            inner = self._header("eContent value")
            tag = inner.tag
            if tag.cls == tlv.TagClass.UNIVERSAL and tag.number == _OCTET_STRING:
                ber = tag.constructed or inner.length is None
                encap = Encap(content_type, True, None, False, inner.offset, ber)
            else:
                value = self._walk.capture(inner, "PKCS #7 content")
                self._walk.end("eContent [0]", name_event=False)
                self._walk.end("EncapsulatedContentInfo", name_event=False)
                encap = Encap(content_type, True, value, True, inner.offset)
        self._head_parts = (version, algs, encap)
        return self._head_parts

    def content_chunks(self) -> Iterator[bytes]:
        """The eContent OCTET STRING value in chunks (RFC 5652 5.4: value octets only)."""
        depth = 1
        while depth:
            event = self._walk.next()
            if isinstance(event, stream.Data):
                yield event.data
            elif isinstance(event, stream.Header):
                depth += 1
            else:
                depth -= 1
        self._walk.end("eContent [0]", name_event=False)
        self._walk.end("EncapsulatedContentInfo", name_event=False)

    def finish(self) -> Skeleton:
        """certificates, crls and signerInfos; then the end of the input."""
        assert self._head_parts is not None
        version, algs, encap = self._head_parts
        parts: list[tlv.Element] = []
        while True:
            event = self._walk.next()
            if isinstance(event, stream.End):
                sd_end = event.offset
                break
            assert isinstance(event, stream.Header)
            if len(parts) >= 3:
                raise DecodeError(
                    f"SignedData: unexpected {event.tag} after signerInfos", offset=event.offset
                )
            parts.append(self._walk.capture(event, "SignedData " + _part_name(event.tag)))
        certs, crls, signer_infos = _split_tail(parts, sd_end)
        self._walk.end("ContentInfo content [0]", name_event=False)
        self._walk.end("ContentInfo", name_event=False)
        trailing = self._trailing()
        return Skeleton(
            self._offset,
            version,
            algs,
            encap,
            certs,
            crls,
            signer_infos,
            trailing,
            self._indefinite or encap.indefinite,
        )

    def _trailing(self) -> bytes:
        """Whitespace after the ContentInfo, read to the end of the input (bounded)."""
        end = self._walk.offset
        rest = self._walk.rest()
        seen = bytearray(rest)
        total = end + len(rest)
        while True:
            if seen.strip(TRAILING_WHITESPACE):
                raise _trailing_error(bytes(seen), end)
            data = self._read(self._walk.offset)
            if not data:
                return bytes(seen)
            total += len(data)
            if total > self._limits.max_input_size:
                raise _trailing_error(bytes(seen) + data, end)
            seen += data


def _part_name(tag: tlv.Tag) -> str:
    if tag == _CTX0:
        return "certificates"
    if tag == _CTX1:
        return "crls"
    return "signerInfos"


def reread_content(
    fileobj: BinaryReader, start: int, offset: int, limits: Limits, *, chunk_size: int = 65536
) -> Iterator[bytes]:
    """Read the eContent OCTET STRING again from a seekable file (a second digest pass).

    :param start: file position where the ContentInfo began.
    :param offset: offset of the OCTET STRING inside the message.
    """
    try:
        fileobj.seek(start + offset)  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError) as exc:
        raise DecodeError(f"cannot seek in the message: {exc}", offset=offset) from None
    reader = stream.Reader(limits=limits.replace(max_input_size=_UNBOUNDED), base_offset=offset)
    depth = 0
    while True:
        event = reader.next_event()
        if event is stream.NEED_DATA:
            data = read_chunk(fileobj, chunk_size, "message", reader.offset)
            if data:
                reader.feed(data)
            else:
                reader.close()
            continue
        if event is stream.EOF:
            raise DecodeError("the message changed while it was read", offset=reader.offset)
        if isinstance(event, stream.Data):
            yield event.data
        elif isinstance(event, stream.Header):
            depth += 1
        elif isinstance(event, stream.End):
            depth -= 1
            if depth == 0:
                return
