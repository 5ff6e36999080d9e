"""Output side of the encryption structures: writing them, and holding decrypted content.

:func:`write_envelope` writes an EnvelopedData, AuthEnvelopedData or EncryptedData
around content encrypted on the fly: DER with definite lengths when the content is
bytes, indefinite-length BER with the ``[0] IMPLICIT`` encryptedContent in primitive
OCTET STRING segments (X.690 8.7.3) when it is a stream, as ``openssl cms -stream``
writes -- each segment goes out as soon as it is encrypted, so memory stays bounded.

:class:`PlaintextSink` holds decrypted content until it may be released (RFC 5083
section 2: the recipient "MUST verify the integrity of the received content before
releasing any information"); the same rule is applied to CBC padding, so that a bad
padding and a bad tag look alike.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms._encrypt_stream import CHUNK_SIZE, read_stream, tell, write_stream
from smimelib.cms.content_info import content_info_header, encode_content_info
from smimelib.crypto.ciphers import Encryptor
from smimelib.errors import LimitExceeded

__all__ = [
    "SEGMENT_SIZE",
    "SPOOL_SIZE",
    "ChainedReader",
    "PlaintextSink",
    "encode_encrypted_content_info",
    "encode_structure",
    "new_spool",
    "read_chunks",
    "remaining_length",
    "write_envelope",
]

#: size of the primitive segments of a streamed encryptedContent
SEGMENT_SIZE = 64 * 1024
#: octets held in memory before a spool moves to a temporary file
SPOOL_SIZE = 1024 * 1024

_CTX0 = tlv.Tag.context(0, constructed=True)
_CTX0_PRIMITIVE = tlv.Tag.context(0, constructed=False)
_Bytes = (bytes, bytearray, memoryview)


def new_spool() -> BinaryIO:
    """An anonymous spool: in memory up to :data:`SPOOL_SIZE`, then a temporary file."""
    # the caller owns the spool and closes it (discard/release)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE)  # noqa: SIM115
    return spool  # type: ignore[return-value]


class PlaintextSink:
    """Decrypted content, held until it may be released.

    Without ``output`` the content is collected in memory (at most ``max_memory``
    octets; beyond that :class:`LimitExceeded` asks for ``output``). With ``output`` it
    goes to an anonymous :class:`tempfile.SpooledTemporaryFile` (in memory up to
    :data:`SPOOL_SIZE`, then a temporary file) and is copied to ``output`` only by
    :meth:`release`, after the tag or padding checked: ``output`` never sees plaintext
    that is later refused, and its position is never moved backwards.
    """

    def __init__(self, output: BinaryIO | None, max_memory: int) -> None:
        self._output = output
        self._max = max_memory
        self._chunks: list[bytes] | None = [] if output is None else None
        self._size = 0
        self._spool: BinaryIO | None = None
        if output is not None:
            self._spool = new_spool()

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._size += len(data)
        if self._chunks is not None:
            if self._size > self._max:
                self.discard()
                raise LimitExceeded(
                    f"decrypted content longer than {self._max} octets; pass `output` to stream it",
                    limit="max_input_size",
                )
            self._chunks.append(data)
        else:
            assert self._spool is not None
            write_stream(self._spool, data, "decryption spool")

    @property
    def size(self) -> int:
        return self._size

    def chunks(self) -> Iterator[bytes]:
        """The held content from the start, in chunks (for checks before release)."""
        if self._chunks is not None:
            yield from self._chunks
            return
        assert self._spool is not None
        self._spool.seek(0)
        while chunk := self._spool.read(CHUNK_SIZE):
            yield chunk

    def head(self, size: int) -> bytes:
        """The first ``size`` octets held (fewer if the content is shorter)."""
        if self._chunks is not None:
            out = b""
            for chunk in self._chunks:
                out += chunk[: size - len(out)]
                if len(out) >= size:
                    break
            return out
        assert self._spool is not None
        self._spool.seek(0)
        return self._spool.read(size)

    def held(self) -> bytes | BinaryIO:
        """The held content: bytes when collected in memory, else the spool at its start."""
        if self._chunks is not None:
            data = b"".join(self._chunks)
            self._chunks = [data]
            return data
        assert self._spool is not None
        self._spool.seek(0)
        return self._spool

    def discard(self) -> None:
        """Destroy the held content (RFC 5083 section 2)."""
        self._chunks = [] if self._chunks is not None else None
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def release(self) -> bytes | None:
        """The content (``None`` when copied to ``output``)."""
        if self._chunks is not None:
            data = b"".join(self._chunks)
            self._chunks = []
            return data
        assert self._output is not None
        for chunk in self.chunks():
            write_stream(self._output, chunk, "output")
        self.discard()
        return None


class ChainedReader(io.RawIOBase):
    """A readable, non-seekable stream: ``prefix``, then ``middle`` read to its end, then
    ``suffix`` (to wrap held content in an indefinite-length header without copying it)."""

    def __init__(self, prefix: bytes, middle: BinaryIO, suffix: bytes) -> None:
        self._parts: list[bytes | BinaryIO] = [prefix, middle, suffix]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._parts:
            part = self._parts[0]
            if isinstance(part, bytes):
                data = part[: len(buffer)]
                if len(data) < len(part):
                    self._parts[0] = part[len(data) :]
                else:
                    self._parts.pop(0)
            else:
                data = read_stream(part, len(buffer), "held content")
                if not data:
                    self._parts.pop(0)
            if data:
                buffer[: len(data)] = data
                return len(data)
        return 0


# -- writing --------------------------------------------------------------------------------


def read_chunks(content: BinaryIO) -> Iterator[bytes]:
    """A binary stream read to its end in :data:`CHUNK_SIZE` chunks."""
    while chunk := read_stream(content, CHUNK_SIZE, "content"):
        yield chunk


def remaining_length(content: BinaryIO) -> int | None:
    """Octets left in a seekable stream (``None`` if it cannot tell)."""
    position = tell(content)
    if position is None:
        return None
    try:
        end = content.seek(0, io.SEEK_END)
        content.seek(position)
    except (OSError, ValueError):
        return None
    return end - position if isinstance(end, int) else None


def write_envelope(
    *,
    content_type: str,
    version: int,
    before: Sequence[bytes],
    encrypted_type: str,
    encryptor: Encryptor,
    content: bytes | BinaryIO,
    after: Callable[[bytes], Sequence[bytes]],
    output: BinaryIO | None,
) -> bytes:
    """Write one structure around content encrypted on the fly.

    :param content_type: the ContentInfo contentType.
    :param before: encoded fields between version and encryptedContentInfo.
    :param encrypted_type: the EncryptedContentInfo contentType.
    :param after: given the AEAD tag (``b""`` for CBC), the encoded fields after
        encryptedContentInfo.
    :param output: where to write; the return value is then ``b""``.
    :returns: the ContentInfo: DER when ``content`` is bytes, else indefinite-length BER
        with ``[0]`` encryptedContent in primitive segments (X.690 8.7.3).
    """
    head = der.encode_int(version) + b"".join(before)
    eci_head = der.encode_oid(encrypted_type) + encryptor.algorithm.to_der()
    if isinstance(content, _Bytes):
        ciphertext = encryptor.update(bytes(content)) + encryptor.finalize()
        tag = encryptor.finalize_tag() if encryptor.aead else b""
        encoded = encode_structure(
            content_type,
            version,
            before,
            encrypted_type,
            encryptor.algorithm,
            ciphertext,
            after(tag),
        )
        if output is None:
            return encoded
        write_stream(output, encoded, "output")
        return b""
    parts: list[bytes] = []

    def emit(data: bytes) -> None:
        if not data:
            return
        if output is None:
            parts.append(data)
        else:
            write_stream(output, data, "output")

    emit(content_info_header(content_type) + der.indefinite_header(tlv.Tag.SEQUENCE) + head)
    emit(der.indefinite_header(tlv.Tag.SEQUENCE) + eci_head)
    chunker = der.OctetStringChunker(chunk_size=SEGMENT_SIZE, tag=_CTX0)
    emit(chunker.begin())
    for chunk in read_chunks(content):
        emit(chunker.update(encryptor.update(chunk)))
    emit(chunker.update(encryptor.finalize()))
    emit(chunker.finish() + der.EOC)
    tag = encryptor.finalize_tag() if encryptor.aead else b""
    emit(b"".join(after(tag)) + der.EOC + der.EOC + der.EOC)
    return b"".join(parts)


def encode_encrypted_content_info(
    content_type: str, algorithm: AlgorithmIdentifier, encrypted: bytes | None
) -> bytes:
    """DER EncryptedContentInfo (RFC 5652 section 6.1), encryptedContent primitive."""
    parts = [der.encode_oid(content_type), algorithm.to_der()]
    if encrypted is not None:
        parts.append(der.encode_tlv(_CTX0_PRIMITIVE, encrypted))
    return der.sequence(*parts)


def encode_structure(
    content_type: str,
    version: int,
    before: Sequence[bytes],
    encrypted_type: str,
    algorithm: AlgorithmIdentifier,
    encrypted: bytes | None,
    after: Sequence[bytes],
) -> bytes:
    """An EnvelopedData, AuthEnvelopedData or EncryptedData (RFC 5652 sections 6.1 and 8,
    RFC 5083 section 2.1) in its ContentInfo: DER lengths, encryptedContent primitive.

    :param content_type: the ContentInfo contentType (which structure this is).
    :param before: encoded fields between version and encryptedContentInfo.
    :param encrypted_type: the EncryptedContentInfo contentType.
    :param encrypted: the encryptedContent octets, ``None`` when absent.
    :param after: encoded fields after encryptedContentInfo.
    """
    eci = encode_encrypted_content_info(encrypted_type, algorithm, encrypted)
    body = der.sequence(der.encode_int(version), *before, eci, *after)
    return encode_content_info(content_type, body)
