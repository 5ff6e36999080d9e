"""Building and decoding S/MIME MIME structures as bytes (RFC 8551 sections 3.2-3.5).

The signed entity is serialised once (:func:`smimelib.mime.canonical.prepare_for_signing`),
signed, and spliced verbatim between the delimiters of ``multipart/signed``
(RFC 1847 2.1, RFC 8551 3.5.3): nothing here re-serialises it. CMS parts are
written base64 in 76-column CRLF lines (RFC 2045 6.8), encoded in large
blocks of whole 57-byte lines.
"""

from __future__ import annotations

import binascii
import email.policy
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence

from smimelib.errors import DecodeError, UsageError
from smimelib.mime.rawparse import RawEntity

__all__ = [
    "decode_body",
    "encode_base64",
    "encode_base64_stream",
    "fold_header",
    "multipart_signed",
    "pkcs7_mime",
    "pkcs7_mime_stream",
    "split_headers",
]

_LINE_INPUT = 57  # 57 input bytes -> one 76-character base64 line
_BLOCK_LINES = 1024
_BLOCK = _LINE_INPUT * _BLOCK_LINES

_SMIME_NAMES = {
    "signed-data": "smime.p7m",
    "enveloped-data": "smime.p7m",
    "authEnveloped-data": "smime.p7m",
    "compressed-data": "smime.p7z",
    "certs-only": "smime.p7c",
}

_HEADER_POLICY = email.policy.SMTP.clone(max_line_length=76)


def _encode_block(block: bytes | memoryview) -> bytes:
    """Base64 of ``block`` (a multiple of 57 bytes, or the final rest) in CRLF lines."""
    encoded = binascii.b2a_base64(block, newline=False)
    if len(encoded) <= 76:
        return encoded + b"\r\n" if encoded else b""
    view = memoryview(encoded)
    lines = [view[i : i + 76] for i in range(0, len(encoded), 76)]
    return b"\r\n".join(lines) + b"\r\n"


def encode_base64(data: bytes) -> bytes:
    """Base64 in 76-column lines, each ending in CRLF (RFC 2045 section 6.8)."""
    return b"".join(encode_base64_stream((data,)))


def encode_base64_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Like :func:`encode_base64` for an iterator of chunks; yields encoded blocks.

    Input is regrouped into blocks of whole 57-byte lines, so memory stays at
    one block (about 58 KB) plus the largest incoming chunk.
    """
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        if len(pending) >= _BLOCK:
            usable = len(pending) - len(pending) % _LINE_INPUT
            view = memoryview(pending)
            for start in range(0, usable, _BLOCK):
                yield _encode_block(view[start : min(start + _BLOCK, usable)])
            view.release()
            del pending[:usable]
    if pending:
        yield _encode_block(bytes(pending))


def fold_header(name: str, value: str) -> bytes:
    """One header field folded at 76 columns with CRLF, non-ASCII as RFC 2047 words.

    Folding below 78 columns keeps transports from refolding signed headers
    (RFC 5322 2.1.1; FIELD-NOTES row 3, CZ-NIC/envelope#32).
    """
    if not name or any(c in name for c in ": \t\r\n") or not name.isascii():
        raise UsageError(f"invalid header field name {name!r}")
    if "\r" in value or "\n" in value:
        raise UsageError(f"header {name} value contains a line break")
    try:
        header = _HEADER_POLICY.header_factory(name, value)
        folded: str = _HEADER_POLICY.fold(name, header)
        return folded.encode("ascii")
    except (ValueError, LookupError, UnicodeError) as exc:
        raise UsageError(f"header {name} cannot be encoded: {exc}") from None


def split_headers(
    headers: Iterable[tuple[str, str]],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Split headers into (inside the protected entity, outside) per RFC 8551 3.1.

    ``Content-*`` fields describe the entity and go inside; every other field
    (From, To, Subject, Date, Message-ID, MIME-Version, ...) stays on the
    outer message, in order.
    """
    inside: list[tuple[str, str]] = []
    outside: list[tuple[str, str]] = []
    for name, value in headers:
        (inside if name.lower().startswith("content-") else outside).append((name, value))
    return tuple(inside), tuple(outside)


def _outer(outer_headers: Sequence[tuple[str, str]]) -> bytes:
    out = [fold_header(n, v) for n, v in outer_headers if not n.lower().startswith("content-")]
    if not any(n.lower() == "mime-version" for n, _ in outer_headers):
        out.insert(0, b"MIME-Version: 1.0\r\n")
    return b"".join(out)


def _check_boundary(boundary: str) -> None:
    # RFC 2046 5.1.1 bchars, 1..70 characters, not ending in a space
    if not re.fullmatch(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]", boundary):
        raise UsageError(f"invalid multipart boundary {boundary!r} (RFC 2046 5.1.1)")


def multipart_signed(
    signed_entity: bytes,
    signature_der: bytes,
    micalg: str,
    *,
    boundary: str | None = None,
    outer_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """A ``multipart/signed`` message (RFC 1847 2.1, RFC 8551 3.5.3) as bytes.

    ``signed_entity`` is spliced verbatim as the first body part: it must be
    the exact bytes the detached signature ``signature_der`` covers. The
    second part is ``application/pkcs7-signature; name=smime.p7s`` in base64.
    ``outer_headers`` (From, To, Subject, ...) are folded and written first;
    ``MIME-Version: 1.0`` is added unless given. A random boundary is made
    when none is given; any boundary whose delimiter occurs in the content
    is refused.
    """
    if not micalg or not re.fullmatch(r"[a-z0-9\-]+(,[a-z0-9\-]+)*", micalg):
        raise UsageError(f"invalid micalg {micalg!r} (RFC 8551 3.5.3.2)")
    signature = encode_base64(signature_der)
    if boundary is None:
        boundary = "----=_smimelib_" + secrets.token_hex(16)
    _check_boundary(boundary)
    dash = b"--" + boundary.encode("ascii")
    if dash in signed_entity:
        raise UsageError("the multipart boundary occurs in the signed content")
    header = _outer(outer_headers) + (
        f'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
        f'\tmicalg={micalg}; boundary="{boundary}"\r\n\r\n'
    ).encode("ascii")
    return b"".join(
        [
            header,
            b"This is an S/MIME signed message\r\n\r\n",
            dash,
            b"\r\n",
            signed_entity,
            b"\r\n",
            dash,
            b"\r\n",
            b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            b"Content-Disposition: attachment; filename=smime.p7s\r\n\r\n",
            signature,
            b"\r\n",
            dash,
            b"--\r\n",
        ]
    )


def _pkcs7_header(smime_type: str, name: str | None, outer: Sequence[tuple[str, str]]) -> bytes:
    if smime_type not in _SMIME_NAMES:
        raise UsageError(f"unknown smime-type {smime_type!r} (RFC 8551 3.2.2)")
    if name is None:
        name = _SMIME_NAMES[smime_type]
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
        raise UsageError(f"invalid file name {name!r} for the pkcs7-mime part")
    return _outer(outer) + (
        f"Content-Type: application/pkcs7-mime; smime-type={smime_type}; name={name}\r\n"
        f"Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; filename={name}\r\n\r\n"
    ).encode("ascii")


def pkcs7_mime(
    der: bytes,
    smime_type: str,
    *,
    name: str | None = None,
    outer_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An ``application/pkcs7-mime`` entity (RFC 8551 3.2, 3.3, 3.4, 3.5.2, 3.6, 3.8).

    ``smime_type`` is ``signed-data``, ``enveloped-data``,
    ``authEnveloped-data``, ``compressed-data`` or ``certs-only``; the file
    name defaults to ``smime.p7m``, ``smime.p7z`` or ``smime.p7c`` (3.2.1).
    """
    return _pkcs7_header(smime_type, name, outer_headers) + encode_base64(der)


def pkcs7_mime_stream(
    chunks: Iterable[bytes],
    smime_type: str,
    *,
    name: str | None = None,
    outer_headers: Sequence[tuple[str, str]] = (),
) -> Iterator[bytes]:
    """:func:`pkcs7_mime` for CMS output produced in chunks; yields the entity in blocks."""
    yield _pkcs7_header(smime_type, name, outer_headers)
    yield from encode_base64_stream(chunks)


_B64_STRIP = bytes.maketrans(b"", b"")
_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_OK = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def _first_bad_base64(body: bytes) -> int:
    """Index of the first octet that breaks the base64 alphabet (data after ``=`` too)."""
    seen_pad = False
    for index, octet in enumerate(body):
        if octet in b" \t\r\n":
            continue
        if octet == 0x3D:
            seen_pad = True
        elif seen_pad or octet not in _B64_ALPHABET:
            return index
    return 0


def _decode_base64(body: bytes, path: str, offset: int) -> bytes:
    compact = body.translate(_B64_STRIP, b" \t\r\n")
    if not _B64_OK.fullmatch(compact):
        raise DecodeError(
            "base64 body contains a non-alphabet octet (RFC 2045 6.8)",
            offset=offset + _first_bad_base64(body),
            mime_part=path,
        )
    try:
        return binascii.a2b_base64(compact, strict_mode=True)
    except binascii.Error:
        raise DecodeError(
            "base64 body is truncated or badly padded (RFC 2045 6.8)",
            offset=offset,
            mime_part=path,
        ) from None


def decode_body(entity: RawEntity) -> bytes:
    """The body of ``entity`` with its Content-Transfer-Encoding removed (RFC 2045 6).

    base64 is strict: whitespace is skipped, any other non-alphabet octet (or
    ``=`` inside the data) is a DecodeError; quoted-printable is decoded as
    RFC 2045 6.7 says (invalid escapes are passed through, as receivers must
    be robust and the signature covers the encoded bytes anyway); 7bit, 8bit
    and binary bodies are returned unchanged.
    """
    cte = entity.transfer_encoding
    if cte == "base64":
        return _decode_base64(entity.body, entity.path, entity.body_offset)
    if cte == "quoted-printable":
        return binascii.a2b_qp(entity.body)
    if cte in ("7bit", "8bit", "binary"):
        return entity.body
    raise DecodeError(
        f"unknown Content-Transfer-Encoding {cte!r} (RFC 2045 6.1)",
        offset=entity.offset,
        mime_part=entity.path,
    )
