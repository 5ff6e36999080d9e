"""PEM textual encoding of DER objects (RFC 7468), with RFC 1421 headers.

::

    textualmsg = preeb *WSP eol *eolWSP base64text posteb *WSP [eol]
    preeb      = "-----BEGIN " label "-----"
    posteb     = "-----END " label "-----"

Reading follows RFC 7468 section 2: text before, between and after the blocks
is ignored, any newline convention is accepted, blanks inside and around the
base64 lines are skipped, and a file may hold several blocks (a key and its
certificate, a chain). The base64 itself is decoded strictly: a character
outside the alphabet is a :class:`~smimelib.errors.DecodeError` naming its
line and byte offset, because a lax decoder that skips it hides corruption.

Legacy PEM (RFC 1421 section 4.6) puts headers between the BEGIN line and the
base64 text; OpenSSL still writes them for its "traditional" encrypted keys
(``Proc-Type: 4,ENCRYPTED`` and ``DEK-Info: AES-128-CBC,<iv>``). They are
returned in :attr:`PemBlock.headers`.

Writing produces the strict form of RFC 7468 section 3 (figure 3): 64-column
lines and LF line ends.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.errors import DecodeError, LimitExceeded, UsageError

__all__ = ["PemBlock", "is_pem", "pem_blocks", "pem_encode"]

# RFC 7468 section 3: labelchar = %x21-2C / %x2E-7E; single "-" or SP between labelchars.
_LABEL = rb"[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*"
# The boundary must start a line (after optional blanks, as the lax grammar of
# RFC 7468 figure 2 allows); the rest of its line may hold only blanks.
# A boundary line: optional blanks, the boundary, optional blanks, a line end (RFC 7468
# section 3; "eol" is CRLF, CR or LF). Searching for the line end that precedes it keeps
# the scan inside the regex engine: a look-behind for line starts is ten times slower.
_BOUNDARY = rb"[ \t]*-----%s (" + _LABEL + rb"|)-----[ \t]*(?:\r\n|\r|\n|\Z)"
_BEGIN_AT = re.compile(_BOUNDARY % b"BEGIN")
_BEGIN_AFTER_EOL = re.compile(rb"[\r\n]" + _BOUNDARY % b"BEGIN")
_END_AT = re.compile(_BOUNDARY % b"END")
_END_AFTER_EOL = re.compile(rb"[\r\n]" + _BOUNDARY % b"END")
_LINE_RE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?")
_WHITESPACE = b" \t\r\n\x0b\x0c"
_BAD_BASE64_RE = re.compile(rb"[^A-Za-z0-9+/= \t\r\n\x0b\x0c]")
_LABEL_RE = re.compile(_LABEL.decode("ascii"))
_HEADER_RE = re.compile(rb"([!-9;-~]+)[ \t]*:[ \t]*(.*)")


@dataclass(frozen=True, slots=True)
class PemBlock:
    """One ``-----BEGIN label-----`` ... ``-----END label-----`` block (RFC 7468 section 2).

    :param label: the label of the BEGIN line, e.g. ``"PRIVATE KEY"``.
    :param der: the decoded base64 text (usually a DER object).
    :param headers: RFC 1421 headers between the BEGIN line and the base64 text
        (``{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,..."}``); empty
        for RFC 7468 blocks.
    :param offset: byte offset of the BEGIN line in the input.

    A block unpacks as ``label, der, headers = block``.
    """

    label: str
    der: bytes = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    offset: int = 0

    def __iter__(self) -> Iterator[object]:
        return iter((self.label, self.der, self.headers))


def is_pem(data: bytes) -> bool:
    """Whether ``data`` contains at least one BEGIN line (RFC 7468 section 2): a line
    starting with ``-----BEGIN``, a label and ``-----``."""
    return _find_boundary(bytes(data), 0, _BEGIN_AT, _BEGIN_AFTER_EOL) is not None


def pem_blocks(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> list[PemBlock]:
    """Every PEM block in ``data``, in order (RFC 7468 section 2).

    Text outside the blocks is ignored. Each block must end with an END line of
    the same label; its body may start with RFC 1421 headers (section 4.6)
    followed by a blank line.

    :raises LimitExceeded: ``data`` is larger than ``limits.max_input_size``.
    :raises DecodeError: a block has no END line, the END label differs, a
        header line is malformed, or the base64 text has a character outside
        the alphabet or bad padding (the message names the line, the error
        carries the byte offset).
    """
    data = bytes(data)
    if len(data) > limits.max_input_size:
        raise LimitExceeded(
            f"PEM input of {len(data)} bytes exceeds the limit of {limits.max_input_size}",
            limit="max_input_size",
        )
    blocks: list[PemBlock] = []
    pos = 0
    while True:
        begin = _find_boundary(data, pos, _BEGIN_AT, _BEGIN_AFTER_EOL)
        if begin is None:
            return blocks
        begin_start, label, begin_end = begin
        end = _find_boundary(data, begin_end, _END_AT, _END_AFTER_EOL)
        if end is None:
            raise DecodeError(
                f"PEM block {label!r} (line {_line_of(data, begin_start)}) has no END line",
                offset=begin_start,
            )
        end_start, end_label, pos = end
        if end_label != label:
            raise DecodeError(
                f"PEM block {label!r} ends with END label {end_label!r}"
                f" (line {_line_of(data, end_start)})",
                offset=end_start,
            )
        headers, der = _decode_body(data, begin_end, end_start, label)
        blocks.append(PemBlock(label, der, headers, begin_start))


def pem_encode(label: str, der: bytes) -> bytes:
    """Encode ``der`` as one strict PEM block (RFC 7468 section 3, figure 3).

    :raises UsageError: ``label`` is not a valid RFC 7468 label.
    """
    if label and not _LABEL_RE.fullmatch(label):
        raise UsageError(f"invalid PEM label {label!r} (RFC 7468 section 3)")
    text = base64.b64encode(bytes(der))
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    head = f"-----BEGIN {label}-----\n".encode("ascii")
    tail = f"-----END {label}-----\n".encode("ascii")
    return head + b"".join(line + b"\n" for line in lines) + tail


# -- helpers -----------------------------------------------------------------


def _find_boundary(
    data: bytes, pos: int, at: re.Pattern[bytes], after_eol: re.Pattern[bytes]
) -> tuple[int, str, int] | None:
    """(line start, label, end) of the first boundary line at or after ``pos``."""
    if pos == 0 or data[pos - 1] in b"\r\n":
        match = at.match(data, pos)
        if match is not None:
            return pos, match.group(1).decode("ascii"), match.end()
    match = after_eol.search(data, pos)
    if match is None:
        return None
    return match.start() + 1, match.group(1).decode("ascii"), match.end()


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of ``offset``, counting CRLF, CR and LF as line ends."""
    prefix = data[:offset]
    return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1


def _decode_body(data: bytes, start: int, stop: int, label: str) -> tuple[dict[str, str], bytes]:
    """Headers and decoded base64 of ``data[start:stop]``, the text inside one block."""
    headers, body = _parse_headers(data, start, stop, label)
    bad = _BAD_BASE64_RE.search(data, body, stop)
    if bad is not None:
        char = bad.group()
        raise DecodeError(
            f"PEM block {label!r}: character {char!r} outside the base64 alphabet"
            f" on line {_line_of(data, bad.start())}",
            offset=bad.start(),
        )
    text = data[body:stop].translate(None, _WHITESPACE)
    pad = text.find(b"=")
    if pad != -1 and (text[pad:].strip(b"=") or len(text) - pad > 2):
        raise DecodeError(
            f"PEM block {label!r}: base64 padding '=' before the end of the data", offset=body
        )
    if len(text) % 4:
        raise DecodeError(
            f"PEM block {label!r}: base64 text of {len(text)} characters is not a multiple of 4"
            " (truncated?)",
            offset=body,
        )
    try:
        return headers, base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError(f"PEM block {label!r}: invalid base64 text", offset=body) from None


def _parse_headers(data: bytes, start: int, stop: int, label: str) -> tuple[dict[str, str], int]:
    """RFC 1421 section 4.6 headers at the top of a block, and the offset where the body starts.

    A header line holds a ``:`` (which base64 never does); a line starting with
    a blank continues the previous header; a blank line ends the headers.
    """
    headers: dict[str, str] = {}
    name: str | None = None
    for match in _LINE_RE.finditer(data, start, stop):
        line = match.group().rstrip(b"\r\n")
        if not match.group():
            break
        if not line.strip(_WHITESPACE):
            if headers:
                return headers, match.end()
            continue
        if name is not None and line[:1] in (b" ", b"\t"):
            headers[name] += " " + line.strip(_WHITESPACE).decode("ascii", "replace")
            continue
        if b":" not in line:
            return headers, match.start()
        header = _HEADER_RE.fullmatch(line.strip(_WHITESPACE))
        if header is None:
            raise DecodeError(
                f"PEM block {label!r}: malformed header on line {_line_of(data, match.start())}",
                offset=match.start(),
            )
        name = header.group(1).decode("ascii")
        if name in headers:
            raise DecodeError(
                f"PEM block {label!r}: duplicate header {name!r}"
                f" on line {_line_of(data, match.start())}",
                offset=match.start(),
            )
        headers[name] = header.group(2).strip(_WHITESPACE).decode("ascii", "replace")
    # Only headers (or nothing at all): the body is empty.
    return headers, stop
