"""Reading the encryption structures as a stream (RFC 5652 sections 6.1 and 8, RFC 5083).

The three structures share one layout::

    ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT SEQUENCE {
        version CMSVersion,
        ... originatorInfo [0] IMPLICIT, recipientInfos SET (not in EncryptedData) ...
        encryptedContentInfo EncryptedContentInfo,
        ... unprotectedAttrs [1] / authAttrs [1], mac, unauthAttrs [2] ... } }

    EncryptedContentInfo ::= SEQUENCE {
        contentType ContentType,
        contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
        encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }

:class:`EnvelopeParser` walks it with the sans-IO :class:`smimelib.asn1.stream.Reader`
(through :class:`smimelib.cms._stream_walk.StreamWalker`, shared with SignedData) from
bytes or a binary file object: the small parts before and after the encrypted
content are captured as :class:`~smimelib.asn1.tlv.Element` values with their received
octets and absolute offsets (each bounded by ``limits.max_input_size``); the
encryptedContent octets -- primitive, or BER constructed segments as ``openssl cms
-stream`` writes -- flow through in chunks and are never held. :meth:`Input.reread`
reads them a second time from a seekable source (AEAD decryption needs the authAttrs,
which follow the content, before the first ciphertext octet).

Trailing octets after the ContentInfo are refused, except whitespace (space, tab, CR,
LF), which files gain from editors; the caller reports it (as SignedData does).
Writing is in :mod:`smimelib.cms._encrypt_write`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from smimelib.asn1 import oids, stream, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.cms._stream_walk import StreamWalker, describe
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
    load_cms,
)
from smimelib.errors import DecodeError, LimitExceeded, UsageError

__all__ = [
    "CHUNK_SIZE",
    "STRUCTURE_NAMES",
    "EncryptedContentInfo",
    "EnvelopeParser",
    "Head",
    "Input",
    "Tail",
    "expect_content_type",
    "finding",
    "open_input",
    "parse_whole",
    "read_stream",
    "tell",
    "version_of",
    "write_stream",
]

#: size of the reads from file objects (message, content to encrypt, spools)
CHUNK_SIZE = 64 * 1024
#: octets tolerated (and reported) after the ContentInfo
TRAILING_WHITESPACE = b" \t\r\n"

#: the structure name of each content type handled here
STRUCTURE_NAMES = {
    ID_ENVELOPED_DATA: "EnvelopedData",
    ID_AUTH_ENVELOPED_DATA: "AuthEnvelopedData",
    ID_ENCRYPTED_DATA: "EncryptedData",
}

_CTX0 = tlv.Tag.context(0, constructed=True)
_OCTET_STRING = 4
_UNBOUNDED = 1 << 62
_Bytes = (bytes, bytearray, memoryview)


def _streaming_limits(limits: Limits) -> Limits:
    """The reader's limits: streamed content is never held, so neither its size nor its
    number of segments (``openssl cms -stream`` writes one per 1-4 KiB) is bounded. Every
    captured part is re-parsed with the caller's ``limits`` (see
    ``StreamWalker.capture``), and the walk itself accepts at most three fields per level."""
    return limits.replace(max_input_size=_UNBOUNDED, max_elements=_UNBOUNDED)


def finding(code: str, message: str) -> str:
    """A finding as the CMS layer writes them: ``"code: message"``."""
    return f"{code}: {message}"


# -- input ----------------------------------------------------------------------------------


def read_stream(fileobj: BinaryIO, size: int, what: str, offset: int | None = None) -> bytes:
    """One ``read(size)``; I/O errors become DecodeError, text streams UsageError."""
    try:
        data = fileobj.read(size)
    except OSError as exc:
        raise DecodeError(f"cannot read the {what}: {exc}", offset=offset) from None
    if data is None:
        raise UsageError(f"the {what} stream has no data ready (non-blocking streams unsupported)")
    if not isinstance(data, _Bytes):
        raise UsageError(f"the {what} must be a binary stream (read() gave {type(data).__name__})")
    return bytes(data)


def write_stream(fileobj: BinaryIO, data: bytes, what: str) -> None:
    """One ``write``; I/O errors become UsageError (the caller's file failed)."""
    try:
        fileobj.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write the {what}: {exc}") from None


def tell(fileobj: BinaryIO) -> int | None:
    """The position of a seekable file object, ``None`` when it cannot seek."""
    try:
        if not fileobj.seekable():
            return None
        position = fileobj.tell()
    except (OSError, AttributeError, ValueError):
        return None
    return position if isinstance(position, int) else None


class Input:
    """The message as a binary file object, and where it starts if it is seekable.

    :ivar start: file position of the first octet of the ContentInfo, ``None`` when the
        file cannot seek (then a second pass over the content needs a spool).
    """

    def __init__(self, fileobj: BinaryIO, start: int | None, prefix: bytes = b"") -> None:
        self.fileobj = fileobj
        self.start = start
        self._pending = prefix

    def read(self, offset: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return read_stream(self.fileobj, CHUNK_SIZE, "message", offset)

    def reread(self, offset: int, limits: Limits) -> Iterator[bytes]:
        """The octets of the encryptedContent ``[0]`` element at ``offset``, read again."""
        assert self.start is not None
        try:
            self.fileobj.seek(self.start + offset)
        except (OSError, ValueError) as exc:
            raise DecodeError(f"cannot seek in the message: {exc}", offset=offset) from None
        reader = stream.Reader(limits=_streaming_limits(limits), base_offset=offset)

        def next_event() -> stream.Event:
            while True:
                event = reader.next_event()
                if event is stream.NEED_DATA:
                    data = read_stream(self.fileobj, CHUNK_SIZE, "message", reader.offset)
                    if data:
                        reader.feed(data)
                    else:
                        reader.close()
                    continue
                if event is stream.EOF:
                    raise DecodeError("the message changed while it was read", offset=offset)
                assert not isinstance(event, stream.Sentinel)
                return event

        first = next_event()
        if not isinstance(first, stream.Header) or first.tag.number != 0:
            raise DecodeError("the message changed while it was read", offset=offset)
        yield from _content_octets(next_event, first)


def open_input(source: object, limits: Limits) -> Input:
    """The message from DER/BER/PEM bytes (or PEM text) or a binary file object.

    PEM is decoded whole (bounded by ``limits.max_input_size``); binary files are read in
    :data:`CHUNK_SIZE` chunks.

    :raises UsageError: ``source`` is neither bytes nor a binary file object.
    :raises LimitExceeded: bytes input (or a PEM file) longer than ``max_input_size``.
    """
    if isinstance(source, (*_Bytes, str)):
        data = load_cms(source)
        if len(data) > limits.max_input_size:
            raise LimitExceeded(
                f"message longer than {limits.max_input_size} octets",
                limit="max_input_size",
                offset=limits.max_input_size,
            )
        return Input(io.BytesIO(data), 0)
    if not hasattr(source, "read"):
        raise UsageError("source must be bytes or a binary file object")
    fileobj: BinaryIO = source  # type: ignore[assignment]
    start = tell(fileobj)
    first = read_stream(fileobj, 1, "message", 0)
    if first and first != b"\x30":
        # PEM (or junk, which load_cms names): base64 is decoded whole, within the limit
        parts = [first]
        size = 1
        while chunk := read_stream(fileobj, CHUNK_SIZE, "message"):
            size += len(chunk)
            if size > limits.max_input_size:
                raise LimitExceeded(
                    f"PEM message longer than {limits.max_input_size} octets",
                    limit="max_input_size",
                    offset=limits.max_input_size,
                )
            parts.append(chunk)
        return open_input(b"".join(parts), limits)
    return Input(fileobj, start, first)


# -- the walk -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncryptedContentInfo:
    """EncryptedContentInfo as found (RFC 5652 section 6.1).

    :ivar content_type: the contentType of the encrypted content.
    :ivar algorithm: contentEncryptionAlgorithm with its parameters' exact octets.
    :ivar present: encryptedContent is present (``[0] IMPLICIT OCTET STRING OPTIONAL``).
    :ivar offset: absolute offset of the EncryptedContentInfo SEQUENCE.
    :ivar content_offset: absolute offset of the ``[0]`` element, if present.
    :ivar constructed: encryptedContent is in BER constructed (segmented) form.
    """

    content_type: str
    algorithm: AlgorithmIdentifier
    present: bool
    offset: int
    content_offset: int | None = None
    constructed: bool = False


@dataclass(frozen=True, slots=True)
class Head:
    """The parts of a structure up to its encrypted content.

    :ivar content_type: the ContentInfo contentType.
    :ivar offset: absolute offset of the ContentInfo.
    :ivar version: the version INTEGER element.
    :ivar parts: the elements between version and encryptedContentInfo.
    :ivar eci: the EncryptedContentInfo.
    """

    content_type: str
    offset: int
    version: tlv.Element
    parts: tuple[tlv.Element, ...]
    eci: EncryptedContentInfo


@dataclass(frozen=True, slots=True)
class Tail:
    """The parts after the encrypted content, and what was learnt on the way.

    :ivar parts: the elements after encryptedContentInfo.
    :ivar content_length: octets of encrypted content seen.
    :ivar trailing: the whitespace octets found after the ContentInfo.
    :ivar indefinite: the structure used BER indefinite lengths or constructed content.
    """

    parts: tuple[tlv.Element, ...]
    content_length: int
    trailing: bytes
    indefinite: bool


def _content_octets(
    next_event: Callable[[], stream.Event], header: stream.Header
) -> Iterator[bytes]:
    """The value octets of encryptedContent ``[0] IMPLICIT OCTET STRING`` whose header was
    just read: primitive, or constructed from OCTET STRING segments (X.690 8.7.3)."""
    if not header.tag.constructed:
        while True:
            event = next_event()
            if isinstance(event, stream.Data):
                yield event.data
            elif isinstance(event, stream.End):
                return
    depth = 1
    while depth:
        event = next_event()
        if isinstance(event, stream.Data):
            yield event.data
        elif isinstance(event, stream.Header):
            tag = event.tag
            if depth == 1 and (tag.cls != tlv.TagClass.UNIVERSAL or tag.number != _OCTET_STRING):
                raise DecodeError(
                    f"segment of the constructed encryptedContent is {tag}, not an OCTET STRING "
                    "(X.690 8.7.3.2)",
                    offset=event.offset,
                )
            depth += 1
        else:
            depth -= 1


class EnvelopeParser:
    """Pull the parts of an enveloped, auth-enveloped or encrypted ContentInfo.

    Call :meth:`content_type`, :meth:`head`, then iterate :meth:`content` to the end
    (or :meth:`skip_content`), then :meth:`finish`. Memory: one read chunk plus the
    captured small parts, each bounded by ``limits.max_input_size``.
    """

    def __init__(self, source: Input, limits: Limits) -> None:
        self._source = source
        self._walk = StreamWalker(
            source.read, limits, _streaming_limits(limits), check_declared=True
        )
        self._offset = 0
        self._ci_type: str | None = None
        self._head: Head | None = None
        self._content_length = 0
        self._content_done = False
        self._content_header: stream.Header | None = None

    # -- phases -----------------------------------------------------------------------------

    def content_type(self) -> str:
        """The ContentInfo contentType (RFC 5652 section 3); reads up to its content."""
        root = self._walk.header("ContentInfo", tlv.Tag.SEQUENCE)
        self._offset = root.offset
        oid = self._walk.field("ContentInfo contentType", "contentType", tlv.Tag.OID)
        self._ci_type = oid.as_oid()
        event = self._walk.next()
        if not isinstance(event, stream.Header):
            raise DecodeError(
                f"ContentInfo has no content ({oids.describe(self._ci_type)})", offset=root.offset
            )
        if event.tag != _CTX0:
            raise DecodeError(
                f"ContentInfo content: expected [0] EXPLICIT (constructed), found {event.tag}",
                offset=event.offset,
            )
        return self._ci_type

    def head(self, name: str) -> Head:
        """version, the parts before encryptedContentInfo, and the EncryptedContentInfo
        up to its content. ``name`` names the structure in messages."""
        assert self._ci_type is not None
        self._walk.header(name, tlv.Tag.SEQUENCE)
        version = self._walk.field(f"{name} version", "version", tlv.Tag.INTEGER)
        parts: list[tlv.Element] = []
        while True:
            event = self._walk.header(f"{name} encryptedContentInfo")
            if event.tag == tlv.Tag.SEQUENCE:
                break
            if len(parts) >= 2:
                raise DecodeError(
                    f"{name}: expected encryptedContentInfo (SEQUENCE), found {event.tag}",
                    offset=event.offset,
                )
            parts.append(self._walk.capture(event, f"{name} {_part_name(event.tag)}"))
        eci_offset = event.offset
        ct_elem = self._walk.field("EncryptedContentInfo contentType", "contentType")
        if ct_elem.tag != tlv.Tag.OID:
            raise DecodeError(
                f"EncryptedContentInfo contentType: expected OBJECT IDENTIFIER, found "
                f"{ct_elem.tag}",
                offset=ct_elem.offset,
            )
        alg_elem = self._walk.field(
            "contentEncryptionAlgorithm", "contentEncryptionAlgorithm", tlv.Tag.SEQUENCE
        )
        algorithm = AlgorithmIdentifier.from_element(alg_elem)
        nxt = self._walk.next()
        if isinstance(nxt, stream.End):
            eci = EncryptedContentInfo(ct_elem.as_oid(), algorithm, False, eci_offset)
            self._content_done = True
        elif (
            isinstance(nxt, stream.Header)
            and nxt.tag.cls == tlv.TagClass.CONTEXT
            and nxt.tag.number == 0
        ):
            self._content_header = nxt
            eci = EncryptedContentInfo(
                ct_elem.as_oid(),
                algorithm,
                True,
                eci_offset,
                nxt.offset,
                nxt.tag.constructed,
            )
        else:
            raise DecodeError(
                f"EncryptedContentInfo: expected encryptedContent [0], found {describe(nxt)}",
                offset=nxt.offset,
            )
        self._head = Head(self._ci_type, self._offset, version, tuple(parts), eci)
        return self._head

    def content(self) -> Iterator[bytes]:
        """The encryptedContent octets in chunks (nothing when it is absent)."""
        assert self._head is not None
        if self._content_done:
            return
        assert self._content_header is not None
        for chunk in _content_octets(self._walk.next, self._content_header):
            self._content_length += len(chunk)
            yield chunk
        self._content_done = True
        self._walk.end("EncryptedContentInfo")

    def skip_content(self, spool: BinaryIO | None = None) -> int:
        """Read past the encrypted content, copying it to ``spool`` if given; its length."""
        for chunk in self.content():
            if spool is not None:
                write_stream(spool, chunk, "spool")
        return self._content_length

    def finish(self, name: str) -> Tail:
        """The parts after encryptedContentInfo; then the end of the input."""
        if not self._content_done:
            raise UsageError("EnvelopeParser.finish() before the content was read")
        parts: list[tlv.Element] = []
        while True:
            event = self._walk.next()
            if isinstance(event, stream.End):
                break
            assert isinstance(event, stream.Header)
            if len(parts) >= 3:
                raise DecodeError(f"{name}: unexpected {event.tag}", offset=event.offset)
            parts.append(self._walk.capture(event, f"{name} {_tail_name(event.tag)}"))
        self._walk.end("ContentInfo content [0]")
        self._walk.end("ContentInfo")
        assert self._head is not None
        constructed = self._head.eci.constructed
        return Tail(
            tuple(parts),
            self._content_length,
            self._trailing(),
            self._walk.indefinite or constructed,
        )

    def _trailing(self) -> bytes:
        end = self._walk.offset
        seen = bytearray(self._walk.rest())
        total = end + len(seen)
        while True:
            if seen.strip(TRAILING_WHITESPACE):
                raise DecodeError(
                    f"{len(seen)} octets of trailing data after the ContentInfo (only "
                    "whitespace is tolerated)",
                    offset=end,
                )
            data = self._source.read(total)
            if not data:
                return bytes(seen)
            total += len(data)
            if total - end > CHUNK_SIZE:
                raise DecodeError("trailing data after the ContentInfo", offset=end)
            seen += data


def _part_name(tag: tlv.Tag) -> str:
    if tag == _CTX0:
        return "originatorInfo"
    return "recipientInfos" if tag == tlv.Tag.SET else "field"


def _tail_name(tag: tlv.Tag) -> str:
    if tag.cls == tlv.TagClass.CONTEXT:
        return {1: "[1] attributes", 2: "unauthAttrs"}.get(tag.number, "field")
    return "mac" if tag == tlv.Tag.OCTET_STRING else "field"


# -- whole-message parsing (inspection) -----------------------------------------------------


def expect_content_type(parser: EnvelopeParser, expected: str) -> None:
    """Read the ContentInfo contentType and require ``expected``."""
    found = parser.content_type()
    if found != expected:
        raise DecodeError(
            f"ContentInfo contentType is {oids.describe(found)}, expected "
            f"{oids.describe(expected)}",
            offset=0,
        )


def parse_whole(
    data: bytes | bytearray | memoryview | str, expected: str, limits: Limits
) -> tuple[Head, bytes | None, Tail]:
    """Walk a whole message held in memory: its head, encryptedContent octets (``None``
    when absent) and tail."""
    parser = EnvelopeParser(open_input(data, limits), limits)
    expect_content_type(parser, expected)
    name = STRUCTURE_NAMES[expected]
    head = parser.head(name)
    content = b"".join(parser.content()) if head.eci.present else None
    return head, content, parser.finish(name)


def version_of(head: Head, name: str) -> int:
    """The version INTEGER of a structure."""
    try:
        return head.version.as_int()
    except DecodeError as exc:
        raise DecodeError(f"{name} version: {exc.message}", offset=exc.offset) from None
