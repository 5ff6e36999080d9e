"""Canonical form of MIME entities for signing (RFC 8551 sections 3.1.1, 3.1.2, 3.1.3).

Text is signed with CRLF line ends (3.1.1), and every part is made 7-bit
safe before signing (3.1.2, 3.1.3) so that transport re-encoding cannot
change the signed bytes (FIELD-NOTES rows 2, 3, 11). The signer serialises
the entity once with :func:`prepare_for_signing`; those exact bytes are signed
and spliced verbatim into ``multipart/signed`` (:func:`smimelib.mime.wrap.multipart_signed`).
"""

from __future__ import annotations

import base64
import copy
import email.policy
import quopri
from collections.abc import Sequence
from email.message import EmailMessage, Message

from smimelib.errors import UsageError

__all__ = [
    "SIGNING_POLICY",
    "binary_entity",
    "canonicalize",
    "prepare_for_signing",
    "verification_candidates",
]

#: The policy signed entities are written with: CRLF line ends, 7-bit headers
#: (RFC 2047 encoded words), lines folded at 76 columns so no transport refolds
#: them (RFC 5322 2.1.1 recommends 78; FIELD-NOTES row 3, CZ-NIC/envelope#32).
SIGNING_POLICY = email.policy.SMTP.clone(max_line_length=76, cte_type="7bit")

_MAX_7BIT_LINE = 76


def canonicalize(entity: bytes) -> bytes:
    """Convert line ends to CRLF (RFC 8551 3.1.1); bare CR is left alone.

    Idempotent: ``canonicalize(canonicalize(x)) == canonicalize(x)``. Used for
    text before signing, and on verification as the second attempt after the
    received bytes as they are (FIELD-NOTES row 2: LF-only stored mail).
    Binary content (AS2 style, FIELD-NOTES row 11) must not be canonicalised.
    """
    if not isinstance(entity, bytes | bytearray | memoryview):
        raise UsageError("canonicalize() takes bytes")
    data = bytes(entity)
    if b"\n" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def verification_candidates(received: bytes) -> tuple[tuple[str, bytes], ...]:
    """The forms of a received signed entity to hash, in order (RFC 8551 3.1.1, 3.5.3).

    First the bytes exactly as received (``"as-received"``); then, if it
    differs, the CRLF-canonical form (``"crlf-canonicalized"``) for messages
    stored with LF line ends (FIELD-NOTES row 2). The verifier reports which
    label matched; a signature that only verifies in the second form was
    made over canonical text and altered in storage, not in content.
    """
    canonical = canonicalize(received)
    if canonical == received:
        return (("as-received", received),)
    return (("as-received", received), ("crlf-canonicalized", canonical))


def _needs_encoding(payload: bytes) -> bool:
    if not payload.isascii() or b"\0" in payload:
        return True
    return any(len(line.rstrip(b"\r")) > _MAX_7BIT_LINE for line in payload.split(b"\n"))


def _make_7bit(part: Message) -> None:
    """Transfer-encode one leaf part (RFC 8551 3.1.2): text as QP, other types as base64."""
    cte = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if cte in ("base64", "quoted-printable"):
        return
    raw = part.get_payload(decode=True)
    payload = raw if isinstance(raw, bytes) else b""
    if cte in ("7bit", "") and not _needs_encoding(payload):
        return
    del part["Content-Transfer-Encoding"]
    if part.get_content_maintype() == "text":
        # quopri leaves line ends alone; CRLF them first so the encoded
        # text decodes to canonical text (RFC 8551 3.1.1)
        encoded = quopri.encodestring(canonicalize(payload).replace(b"\r\n", b"\n"))
        part.set_payload(encoded.decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
    else:
        part.set_payload(base64.encodebytes(payload).decode("ascii"))
        part["Content-Transfer-Encoding"] = "base64"


def prepare_for_signing(msg: EmailMessage | Message) -> bytes:
    """The exact bytes to sign for MIME entity ``msg`` (RFC 8551 3.1.1-3.1.3).

    Works on a copy: every 8bit or binary leaf part (or a 7bit one with
    non-ASCII octets or lines over 76 characters) is transfer-encoded, text
    as quoted-printable and everything else as base64; headers are folded at
    76 columns with RFC 2047 encoded words for non-ASCII text; line ends are
    CRLF. ``message/*`` parts are walked like multiparts. The result is what
    :func:`smimelib.cms.sign` signs (detached) and what
    :func:`smimelib.mime.wrap.multipart_signed` splices in unchanged.
    """
    if not isinstance(msg, Message):
        raise UsageError("prepare_for_signing() takes an email.message.Message")
    work = copy.deepcopy(msg)
    for part in work.walk():
        if part.is_multipart():
            continue
        _make_7bit(part)
    try:
        out = work.as_bytes(policy=SIGNING_POLICY)
    except (ValueError, LookupError, UnicodeError) as exc:
        raise UsageError(f"message cannot be serialised for signing: {exc}") from None
    return canonicalize(out)


def binary_entity(
    content_type: str, body: bytes, *, headers: Sequence[tuple[str, str]] = ()
) -> bytes:
    """A MIME entity whose body is signed as binary, without canonicalisation.

    Binary mode for AS2-style content (RFC 8551 3.1.2 allows binary transport
    where it is available; FIELD-NOTES row 11): the header block is
    ``Content-Type``, ``Content-Transfer-Encoding: binary`` and the extra
    ``Content-*`` ``headers``, with CRLF; ``body`` follows byte for byte and
    is never converted. The result is the exact bytes to sign and splice.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise UsageError("binary_entity() takes the body as bytes")
    if not content_type or any(c in content_type for c in "\r\n") or not content_type.isascii():
        raise UsageError(f"invalid Content-Type {content_type!r}")
    lines = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: binary"]
    for name, value in headers:
        lower = name.lower()
        if not lower.startswith("content-") or lower in (
            "content-type",
            "content-transfer-encoding",
        ):
            raise UsageError(f"binary_entity() takes extra Content-* headers only, not {name!r}")
        if any(c in name + value for c in "\r\n") or not (name + value).isascii():
            raise UsageError(f"header {name} must be one line of ASCII")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + bytes(body)
