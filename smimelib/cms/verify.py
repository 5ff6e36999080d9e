"""Verify a SignedData, streaming the content (RFC 5652 sections 5.4, 5.6, 11.4).

:func:`verify_signed_data` reads a SignedData ContentInfo from bytes or from a binary
file object. Attached content (eContent) is digested while it is read, in the chunks
the stream delivers, and optionally copied to ``content_out``; detached content given
by the caller is read in 64 KiB chunks. So a signature over a large file is checked in
bounded memory (the content is never held, except for pure EdDSA signatures without
signed attributes, RFC 8419, which need the whole content).

Digests computed while attached content streams by: those named in the
digestAlgorithms SET (RFC 5652 5.1 lists them "to facilitate one-pass signature
verification"). A signer whose algorithm is missing from the SET gets a second pass
over the content when the source is bytes or a seekable file; otherwise it is INVALID
with :attr:`~smimelib.cms.results.Reason.DIGEST_NOT_COMPUTED`.

Each signer is checked by :mod:`smimelib.cms._signer_check`; this module deals with the
sources, the content and the report. Errors: malformed input raises
:class:`~smimelib.errors.DecodeError` (or :class:`~smimelib.errors.LimitExceeded`);
detached content given for a message that also carries eContent raises
:class:`~smimelib.errors.SignatureError` ("ambiguous content", THREATS C1); a
well-formed message with bad signatures returns a report with INVALID results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms import _sd_parse
from smimelib.cms._sd_parse import BinaryReader
from smimelib.cms._signer_check import Content, SignerChecker, digest_key
from smimelib.cms.content_info import load_cms
from smimelib.cms.results import VerificationResult
from smimelib.cms.signed_data import (
    DEFAULT_SIGNED_DATA_LIMITS,
    SignedData,
    SignedDataLimits,
    build_signed_data,
)
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.crypto.digests import DigestSpec, Hash, digest_spec
from smimelib.errors import LimitExceeded, SignatureError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate

__all__ = ["CHUNK_SIZE", "BinaryReader", "BinaryWriter", "verify_signed_data"]

#: size of the reads from file objects (message and detached content)
CHUNK_SIZE = 64 * 1024

_Bytes = (bytes, bytearray, memoryview)


class BinaryWriter(Protocol):
    """Where ``content_out`` goes: anything with a binary ``write()``."""

    def write(self, data: bytes, /) -> object: ...


_Reread = Callable[[], Iterator[bytes]]


def verify_signed_data(
    source: bytes | bytearray | memoryview | str | BinaryReader,
    *,
    content: bytes | bytearray | memoryview | BinaryReader | None = None,
    certificates: Iterable[Certificate] = (),
    policy: Policy = DEFAULT_POLICY,
    content_out: BinaryWriter | None = None,
    limits: Limits = DEFAULT_LIMITS,
    signed_data_limits: SignedDataLimits = DEFAULT_SIGNED_DATA_LIMITS,
    require_der_signed_attributes: bool = False,
) -> VerificationResult:
    """Verify every signature of a SignedData (RFC 5652 sections 5.4, 5.6 and 11.4).

    :param source: the ContentInfo as DER/BER/PEM bytes, or a binary file object (read in
        chunks; PEM files are read whole).
    :param content: the signed content of a detached signature, as bytes or a binary file
        object (read in chunks). Giving it for a message that carries eContent is refused.
    :param certificates: extra certificates in which to find signer certificates (searched
        before those of the message; both are untrusted: trust is not judged here).
    :param policy: which algorithms and key sizes are accepted (RFC 8551 section 2);
        ``LEGACY_POLICY`` accepts SHA-1, MD5 digests, DSA and RSA-1024, reported as weak.
    :param content_out: receives the content the signatures cover, as it is read.
    :param limits: ASN.1 decoding limits for the message. Streamed eContent is not held,
        so it is not bounded by ``max_input_size``; every other part is.
    :param signed_data_limits: signers, certificates and countersignature bounds.
    :param require_der_signed_attributes: make non-DER signedAttrs INVALID
        (``SIGNED_ATTRS_NOT_DER``) instead of a finding (RFC 5652 5.3 requires DER, but
        some implementations sort no SETs and other verifiers accept them).
    :returns: the report, one result per SignerInfo.
    :raises DecodeError: malformed message (with the byte offset), or unreadable input.
    :raises LimitExceeded: a limit is exceeded.
    :raises SignatureError: ``content`` given although the message carries eContent
        ("ambiguous content", THREATS C1).
    :raises UsageError: arguments of the wrong type.
    """
    certs = _caller_certificates(certificates)
    if content is not None and not isinstance(content, _Bytes) and not hasattr(content, "read"):
        raise UsageError("content must be bytes or a binary file object")
    if content_out is not None and not hasattr(content_out, "write"):
        raise UsageError("content_out must be a binary file object")
    options = _Options(certs, policy, require_der_signed_attributes, limits.max_input_size)
    if isinstance(source, (*_Bytes, str)):
        sd = SignedData.from_bytes(source, limits=limits, signed_data_limits=signed_data_limits)
        return _verify_parsed(sd, content, content_out, options, keep_content=True)
    if not hasattr(source, "read"):
        raise UsageError("source must be bytes or a binary file object")
    return _verify_stream(source, content, content_out, options, limits, signed_data_limits)


def _caller_certificates(certificates: Iterable[Certificate]) -> tuple[Certificate, ...]:
    certs = tuple(certificates)
    for cert in certs:
        if not isinstance(cert, Certificate):
            raise UsageError(f"certificates must be Certificate objects, not {type(cert).__name__}")
    return certs


def _ambiguous() -> SignatureError:
    return SignatureError(
        "ambiguous content: the message carries eContent and detached content was given too; "
        "verify one or the other (THREATS C1, CVE-2018-18509)"
    )


@dataclass(frozen=True, slots=True)
class _Options:
    certificates: tuple[Certificate, ...]
    policy: Policy
    require_der: bool
    #: most content held in memory for pure EdDSA without signed attributes
    max_whole: int


def _verify_parsed(
    sd: SignedData,
    content: bytes | bytearray | memoryview | BinaryReader | None,
    content_out: BinaryWriter | None,
    options: _Options,
    *,
    keep_content: bool,
) -> VerificationResult:
    """Verify a SignedData parsed whole (its eContent, if any, is in ``sd.content``)."""
    if sd.has_content and content is not None:
        raise _ambiguous()
    covered: Content
    if sd.has_content:
        assert sd.content is not None
        covered = _BytesContent(sd.content)
        if content_out is not None:
            _write(content_out, sd.content)
    elif content is None:
        covered = _NoContent()
    elif isinstance(content, _Bytes):
        covered = _BytesContent(bytes(content))
        if content_out is not None:
            _write(content_out, covered.data)
    else:
        covered = _detached_stream(sd, content, content_out, options.max_whole)
    shown = covered.data if keep_content and isinstance(covered, _BytesContent) else None
    return _report(sd, covered, options, shown)


def _verify_stream(
    source: BinaryReader,
    content: bytes | bytearray | memoryview | BinaryReader | None,
    content_out: BinaryWriter | None,
    options: _Options,
    limits: Limits,
    sd_limits: SignedDataLimits,
) -> VerificationResult:
    start = _tell(source)
    first = _read(source, 1, "message")
    if first and first != b"\x30":
        # PEM (or junk, which load_cms names): base64 is decoded whole
        rest = _read_all(source, limits.max_input_size)
        sd = SignedData.from_bytes(
            load_cms(first + rest), limits=limits, signed_data_limits=sd_limits
        )
        return _verify_parsed(sd, content, content_out, options, keep_content=False)
    parser = _sd_parse.StreamParser(source, limits, chunk_size=CHUNK_SIZE, prefix=first)
    _, algs_elem, encap = parser.head()
    if encap.present and content is not None:
        raise _ambiguous()
    listed = [AlgorithmIdentifier.from_element(e) for e in algs_elem.children()]
    hashes = _Hashes(_resolvable(listed))
    pkcs7_bytes: bytes | None = None
    if encap.present and encap.pkcs7:
        assert encap.element is not None
        pkcs7_bytes = encap.element.content
        if content_out is not None:
            _write(content_out, pkcs7_bytes)
    elif encap.present:
        for chunk in parser.content_chunks():
            hashes.update(chunk)
            if content_out is not None:
                _write(content_out, chunk)
    skeleton = parser.finish()
    sd = build_signed_data(skeleton, pkcs7_bytes, b"", sd_limits)
    if not encap.present:
        return _verify_parsed(sd, content, content_out, options, keep_content=False)
    if pkcs7_bytes is not None:
        return _report(sd, _BytesContent(pkcs7_bytes), options, None)
    reread = None
    if start is not None and encap.offset is not None:
        offset = encap.offset

        def reread() -> Iterator[bytes]:
            assert start is not None
            return _sd_parse.reread_content(source, start, offset, limits, chunk_size=CHUNK_SIZE)

    covered = _StreamedContent(hashes.digests(), reread, limits.max_input_size)
    return _report(sd, covered, options, None)


def _report(
    sd: SignedData, covered: Content, options: _Options, shown: bytes | None
) -> VerificationResult:
    checker = SignerChecker(
        sd.content_type,
        covered,
        (*options.certificates, *sd.certificates),
        options.policy,
        require_der=options.require_der,
    )
    signers = tuple(checker.check(si) for si in sd.signer_infos)
    findings = list(sd.findings)
    if not signers:
        findings.append(
            "no-signers: the SignedData has no SignerInfo; nothing is signed (THREATS C3)"
        )
    return VerificationResult(
        signers,
        sd.content_type,
        shown,
        not sd.has_content,
        sd.certificates,
        sd.crls,
        tuple(findings),
    )


# -- content sources ------------------------------------------------------------------------


class _NoContent(Content):
    """A detached signature verified without its content."""

    def digest(self, spec: DigestSpec) -> bytes | str:
        return "content-missing"

    def whole(self) -> bytes | str:
        return "content-missing"


class _BytesContent(Content):
    """Content held in memory (the bytes API)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._cache: dict[tuple[str, int], bytes] = {}

    def digest(self, spec: DigestSpec) -> bytes | str:
        key = digest_key(spec)
        found = self._cache.get(key)
        if found is None:
            h = spec.new()
            h.update(self.data)
            found = self._cache[key] = h.digest()
        return found

    def whole(self) -> bytes | str:
        return self.data


class _StreamedContent(Content):
    """Attached content that streamed by: digests of the listed algorithms, and a second
    pass through ``reread`` (seekable sources) for anything else."""

    def __init__(
        self,
        digests: dict[tuple[str, int], bytes],
        reread: _Reread | None,
        max_whole: int,
    ) -> None:
        self._digests = digests
        self._reread = reread
        self._max_whole = max_whole
        self._whole: bytes | None = None

    def digest(self, spec: DigestSpec) -> bytes | str:
        key = digest_key(spec)
        found = self._digests.get(key)
        if found is not None:
            return found
        if self._reread is None:
            return "not-listed"
        h = spec.new()
        for chunk in self._reread():
            h.update(chunk)
        found = self._digests[key] = h.digest()
        return found

    def whole(self) -> bytes | str:
        if self._whole is not None:
            return self._whole
        if self._reread is None:
            return "not-seekable"
        self._whole = _collect(self._reread(), self._max_whole)
        return self._whole if self._whole is not None else "too-large"


class _DetachedStream(Content):
    """Detached content read once from the caller's file object, after the message."""

    def __init__(self, digests: dict[tuple[str, int], bytes], whole: bytes | None, big: bool):
        self._digests = digests
        self._whole = whole
        self._big = big

    def digest(self, spec: DigestSpec) -> bytes | str:
        return self._digests.get(digest_key(spec), "not-listed")

    def whole(self) -> bytes | str:
        if self._whole is not None:
            return self._whole
        return "too-large" if self._big else "not-seekable"


def _detached_stream(
    sd: SignedData, content: BinaryReader, content_out: BinaryWriter | None, limit: int
) -> _DetachedStream:
    """Read the caller's content once, with every digest the signers need (RFC 5652 5.4)."""
    algs = list(sd.digest_algorithms) + [si.digest_algorithm for si in sd.signer_infos]
    hashes = _Hashes(_resolvable(algs))
    need_whole = any(SignerChecker.needs_whole_content(si) for si in sd.signer_infos)
    kept: list[bytes] | None = [] if need_whole else None
    size = 0
    big = False
    if sd.signer_infos or content_out is not None:
        while True:
            chunk = _read(content, CHUNK_SIZE, "content")
            if not chunk:
                break
            hashes.update(chunk)
            if content_out is not None:
                _write(content_out, chunk)
            if kept is not None:
                size += len(chunk)
                if size > limit:
                    kept, big = None, True
                else:
                    kept.append(chunk)
    whole = b"".join(kept) if kept is not None else None
    return _DetachedStream(hashes.digests(), whole, big)


class _Hashes:
    """Several running digests fed the same chunks."""

    def __init__(self, specs: Iterable[DigestSpec]) -> None:
        self._running: dict[tuple[str, int], Hash] = {}
        for spec in specs:
            self._running.setdefault(digest_key(spec), spec.new())

    def update(self, chunk: bytes) -> None:
        for h in self._running.values():
            h.update(chunk)

    def digests(self) -> dict[tuple[str, int], bytes]:
        return {key: h.digest() for key, h in self._running.items()}


def _resolvable(algs: Iterable[AlgorithmIdentifier]) -> list[DigestSpec]:
    """The digest algorithms smimelib can compute (unknown ones fail per signer later)."""
    specs: list[DigestSpec] = []
    for alg in algs:
        try:
            specs.append(digest_spec(alg))
        except SmimeError:
            continue
    return specs


def _collect(chunks: Iterator[bytes], limit: int) -> bytes | None:
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


# -- I/O ------------------------------------------------------------------------------------


def _tell(fileobj: BinaryReader) -> int | None:
    try:
        if not fileobj.seekable():  # type: ignore[attr-defined]
            return None
        position = fileobj.tell()  # type: ignore[attr-defined]
    except (OSError, AttributeError, ValueError):
        return None
    return position if isinstance(position, int) else None


def _read(fileobj: BinaryReader, size: int, what: str) -> bytes:
    return _sd_parse.read_chunk(fileobj, size, what)


def _read_all(fileobj: BinaryReader, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while chunk := _read(fileobj, CHUNK_SIZE, "message"):
        size += len(chunk)
        if size > limit:
            raise LimitExceeded(
                f"PEM message longer than {limit} octets", limit="max_input_size", offset=limit
            )
        parts.append(chunk)
    return b"".join(parts)


def _write(fileobj: BinaryWriter, data: bytes) -> None:
    try:
        fileobj.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write the content to content_out: {exc}") from None
