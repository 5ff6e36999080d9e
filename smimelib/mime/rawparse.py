"""A byte-exact MIME splitter (RFC 5322 section 2, RFC 2045, RFC 2046 section 5.1.1).

Verification of ``multipart/signed`` hashes the first body part exactly as it
was received (RFC 1847 section 2.1, RFC 8551 section 3.5.3); a
re-serialisation by :mod:`email` refolds headers and rewrites line ends and
breaks real signatures (python/cpython#99533). :func:`parse_raw` therefore
splits the input itself and keeps, for every entity, the exact slice of the
input it came from, its offset and its MIME part path.

It is strict where parsers are known to disagree (THREATS 4.2, "Composition
Kills"): a duplicate Content-Type header, a duplicate Content-Type parameter,
a line that starts with a delimiter but continues with other text, a
multipart without body parts and a ``multipart/signed`` without its close
delimiter are refused with :class:`~smimelib.errors.DecodeError` naming the
part and offset. LF-only and mixed line ends are accepted.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import MappingProxyType

from smimelib.errors import DecodeError, LimitExceeded
from smimelib.mime.limits import DEFAULT_MIME_LIMITS, MimeLimits, parse_content_type, prescan

__all__ = ["RawEntity", "parse_raw", "to_email_message"]

_ENCAPSULATING = frozenset({"message/rfc822", "message/global"})
_IDENTITY_CTE = frozenset({"7bit", "8bit", "binary"})
_LWSP = b" \t"


@dataclass(frozen=True, slots=True, eq=False)
class RawEntity:
    """One MIME entity exactly as received (RFC 2045 section 2.4).

    The parsed input is held once (``source``) and shared by every entity;
    ``raw``, ``header_bytes``, ``body``, ``preamble`` and ``epilogue`` are
    slices made on access, so nesting never multiplies memory. Entities
    compare by identity.

    :param source: the whole parsed input.
    :param offset: offset of ``raw`` in ``source``.
    :param end: offset just after ``raw`` in ``source``.
    :param body_offset: offset of the body in ``source``.
    :param raw: the entity's bytes (headers, separator line and body); for a
        body part of a multipart this excludes the line break that precedes
        the next delimiter, which belongs to the delimiter (RFC 2046 5.1.1).
    :param header_bytes: the header block including the blank separator line.
    :param body: the body as received (still transfer-encoded).
    :param headers: ``(name, value)`` pairs in order, unfolded (RFC 5322
        2.2.3), duplicates kept; values are decoded as UTF-8 (RFC 6532) with
        replacement characters, RFC 2047 encoded words are left alone.
    :param content_type: ``type/subtype`` lower-cased; ``text/plain`` when the
        header is absent (``message/rfc822`` inside ``multipart/digest``).
    :param params: Content-Type parameters, names lower-cased.
    :param children: body parts of a multipart, or the encapsulated message
        of a ``message/rfc822`` entity that is not transfer-encoded.
    :param preamble: multipart preamble (before the first delimiter's line break).
    :param epilogue: multipart epilogue (after the close delimiter line).
    :param path: MIME part path: ``"/"`` for the root, ``"/0"``, ``"/1/0"``.
    :param findings: tolerated deviations (e.g. a missing close delimiter).
    """

    source: bytes = field(repr=False)
    offset: int
    end: int
    body_offset: int
    headers: tuple[tuple[str, str], ...]
    content_type: str
    params: Mapping[str, str]
    children: tuple[RawEntity, ...]
    path: str
    preamble_span: tuple[int, int] = (0, 0)
    epilogue_span: tuple[int, int] = (0, 0)
    findings: tuple[str, ...] = ()

    @property
    def raw(self) -> bytes:
        """The entity's exact received bytes."""
        return self.source[self.offset : self.end]

    @property
    def header_bytes(self) -> bytes:
        """The header block as received, with the blank separator line."""
        return self.source[self.offset : self.body_offset]

    @property
    def body(self) -> bytes:
        """The body as received (still transfer-encoded)."""
        return self.source[self.body_offset : self.end]

    @property
    def preamble(self) -> bytes:
        """The multipart preamble (RFC 2046 5.1.1), empty for other entities."""
        return self.source[self.preamble_span[0] : self.preamble_span[1]]

    @property
    def epilogue(self) -> bytes:
        """The multipart epilogue (RFC 2046 5.1.1), empty for other entities."""
        return self.source[self.epilogue_span[0] : self.epilogue_span[1]]

    @property
    def is_multipart(self) -> bool:
        """True for a ``multipart/*`` entity (RFC 2046 section 5.1)."""
        return self.content_type.startswith("multipart/")

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of header ``name`` (case-insensitive), in order."""
        key = name.lower()
        return tuple(v for k, v in self.headers if k.lower() == key)

    def get(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        values = self.get_all(name)
        return values[0] if values else None

    @property
    def transfer_encoding(self) -> str:
        """Content-Transfer-Encoding lower-cased, ``7bit`` when absent (RFC 2045 6.1)."""
        value = self.get("Content-Transfer-Encoding")
        return value.strip().lower() if value else "7bit"

    @property
    def filename(self) -> str | None:
        """The Content-Disposition ``filename`` or Content-Type ``name`` parameter."""
        disposition = self.get("Content-Disposition")
        if disposition is not None:
            _, dparams, _ = parse_content_type("x/x;" + disposition.partition(";")[2])
            if "filename" in dparams:
                return dparams["filename"]
        return self.params.get("name")

    def walk(self) -> tuple[RawEntity, ...]:
        """This entity and all its descendants, depth first, in document order."""
        out: list[RawEntity] = []
        stack: list[RawEntity] = [self]
        while stack:
            entity = stack.pop()
            out.append(entity)
            stack.extend(reversed(entity.children))
        return tuple(out)


def _child_path(path: str, index: int) -> str:
    return f"/{index}" if path == "/" else f"{path}/{index}"


def _line_break_before(data: bytes, pos: int, floor: int) -> int:
    """Start of the line break that ends just before ``pos`` (CRLF or LF)."""
    if pos - 2 >= floor and data[pos - 2 : pos] == b"\r\n":
        return pos - 2
    if pos - 1 >= floor and data[pos - 1 : pos] == b"\n":
        return pos - 1
    return pos


class _Parser:
    def __init__(self, data: bytes, limits: MimeLimits) -> None:
        self.data = data
        self.limits = limits
        self.parts = 0

    def entity(
        self, start: int, end: int, path: str, depth: int, *, digest: bool = False
    ) -> RawEntity:
        data = self.data
        if depth > self.limits.max_depth:
            raise LimitExceeded(
                f"MIME nesting deeper than {self.limits.max_depth}",
                limit="max_depth",
                offset=start,
                mime_part=path,
            )
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise LimitExceeded(
                f"more than {self.limits.max_parts} MIME parts",
                limit="max_parts",
                offset=start,
                mime_part=path,
            )
        headers, body_start, ctype_offsets = self._headers(start, end)
        if len(ctype_offsets) > 1:
            raise DecodeError(
                "duplicate Content-Type header (ambiguous, RFC 2045 section 5)",
                offset=ctype_offsets[1],
                mime_part=path,
            )
        ctype_value = next((v for k, v in headers if k.lower() == "content-type"), None)
        params: dict[str, str]
        if ctype_value is None:
            ctype, params = ("message/rfc822" if digest else "text/plain"), {}
        else:
            ctype, params, dups = parse_content_type(ctype_value)
            if dups:
                raise DecodeError(
                    f"duplicate Content-Type parameter {dups[0]!r} (ambiguous)",
                    offset=ctype_offsets[0],
                    mime_part=path,
                )
            if "/" not in ctype:
                # RFC 2045 5.2: an invalid Content-Type means text/plain
                ctype, params = "text/plain", {}
        children: tuple[RawEntity, ...] = ()
        preamble = epilogue = (0, 0)
        findings: list[str] = []
        cte_values = [v for k, v in headers if k.lower() == "content-transfer-encoding"]
        cte = cte_values[0].strip().lower() if cte_values else "7bit"
        if ctype.startswith("multipart/"):
            boundary = params.get("boundary")
            if not boundary:
                raise DecodeError(
                    f"{ctype} without a boundary parameter (RFC 2046 5.1.1)",
                    offset=start,
                    mime_part=path,
                )
            children, preamble, epilogue, closed = self._split(
                body_start, end, boundary, path, depth, digest=ctype == "multipart/digest"
            )
            if not closed:
                if ctype == "multipart/signed":
                    raise DecodeError(
                        "multipart/signed without its close delimiter (RFC 1847 section 2.1)",
                        offset=end,
                        mime_part=path,
                    )
                findings.append("multipart without close delimiter (RFC 2046 5.1.1)")
        elif ctype in _ENCAPSULATING and cte in _IDENTITY_CTE:
            children = (self.entity(body_start, end, _child_path(path, 0), depth + 1),)
        return RawEntity(
            source=data,
            offset=start,
            end=max(end, start),
            body_offset=max(body_start, start),
            headers=tuple(headers),
            content_type=ctype,
            params=MappingProxyType(params),
            children=children,
            path=path,
            preamble_span=preamble,
            epilogue_span=epilogue,
            findings=tuple(findings),
        )

    def _headers(self, start: int, end: int) -> tuple[list[tuple[str, str]], int, list[int]]:
        """Header fields of the block at ``start``; returns (fields, body start, CT offsets)."""
        data = self.data
        fields: list[tuple[str, str]] = []
        ctype_offsets: list[int] = []
        cur: list[bytes] | None = None
        cur_name = ""
        pos = start
        body_start = end

        def _flush() -> None:
            if cur is not None:
                value = b"".join(cur).strip(b" \t")
                fields.append((cur_name, value.decode("utf-8", "replace")))

        while pos < end:
            nl = data.find(b"\n", pos, end)
            line_end = end if nl < 0 else nl + 1
            line = data[pos:line_end].rstrip(b"\r\n")
            if not line:
                body_start = line_end
                break
            if line[:1] in _LWSP and cur is not None:
                cur.append(line)
            else:
                colon = line.find(b":")
                if colon <= 0:
                    body_start = pos  # no separator line: the body starts here
                    break
                _flush()
                cur_name = line[:colon].strip(b" \t").decode("utf-8", "replace")
                cur = [line[colon + 1 :]]
                if cur_name.lower() == "content-type":
                    ctype_offsets.append(pos)
            pos = line_end
        _flush()
        return fields, body_start, ctype_offsets

    def _split(
        self, body_start: int, end: int, boundary: str, path: str, depth: int, *, digest: bool
    ) -> tuple[tuple[RawEntity, ...], tuple[int, int], tuple[int, int], bool]:
        """Body parts by the RFC 2046 5.1.1 delimiter rule; returns (parts, pre, epi, closed)."""
        data = self.data
        dash = b"--" + boundary.encode("utf-8", "surrogateescape")
        delimiters: list[tuple[int, int, int, bool]] = []  # (break start, line start, next, close)
        pos = body_start
        closed = False
        while pos < end:
            if pos == body_start and data.startswith(dash, pos):
                line_start = pos
            else:
                hit = data.find(b"\n" + dash, pos - 1 if pos > body_start else pos, end)
                if hit < 0:
                    break
                line_start = hit + 1
            nl = data.find(b"\n", line_start, end)
            line_end = end if nl < 0 else nl + 1
            rest = data[line_start + len(dash) : line_end].rstrip(b"\r\n")
            close = rest.startswith(b"--")
            if close:
                rest = rest[2:]
            if rest.strip(b" \t"):
                raise DecodeError(
                    "a body line starts with the multipart delimiter but is not one "
                    "(ambiguous boundary, RFC 2046 5.1.1)",
                    offset=line_start,
                    mime_part=path,
                )
            brk = _line_break_before(data, line_start, body_start)
            delimiters.append((brk, line_start, line_end, close))
            pos = line_end
            if close:
                closed = True
                break
        if not delimiters or (delimiters[0][3]):
            raise DecodeError(
                "multipart without any body part (RFC 2046 5.1.1)",
                offset=body_start,
                mime_part=path,
            )
        preamble = (body_start, delimiters[0][0])
        children: list[RawEntity] = []
        for index, (_, _, part_start, _) in enumerate(delimiters):
            if index + 1 < len(delimiters):
                part_end = delimiters[index + 1][0]
            elif closed:
                break
            else:
                part_end = end
            part_end = max(part_end, part_start)
            children.append(
                self.entity(
                    part_start, part_end, _child_path(path, index), depth + 1, digest=digest
                )
            )
        epilogue = (delimiters[-1][2], end) if closed else (end, end)
        return tuple(children), preamble, epilogue, closed


def parse_raw(data: bytes, limits: MimeLimits = DEFAULT_MIME_LIMITS) -> RawEntity:
    """Split a MIME message into :class:`RawEntity` values that keep the exact bytes.

    Runs :func:`~smimelib.mime.limits.prescan` first. Multipart bodies are
    split by the delimiter rule of RFC 2046 section 5.1.1: a delimiter is a
    line break, ``--``, the boundary and optional transport padding; the line
    break belongs to the delimiter, so each body part's ``raw`` is exactly
    what a ``multipart/signed`` signature covers (RFC 1847 2.1). Encapsulated
    ``message/rfc822`` bodies that are not transfer-encoded are parsed as a
    child entity (RFC 2046 5.2.1).

    :raises LimitExceeded: the input exceeds ``limits``.
    :raises DecodeError: ambiguous framing (see the module docstring).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError("MIME input must be bytes")
    data = bytes(data)
    prescan(data, limits)
    return _Parser(data, limits).entity(0, len(data), "/", 0)


def to_email_message(
    raw: RawEntity | bytes, limits: MimeLimits = DEFAULT_MIME_LIMITS
) -> EmailMessage:
    """The stdlib view of ``raw`` (``email.policy.default``), after the pre-scan.

    For display and convenience only: signatures are verified over
    :attr:`RawEntity.raw`, never over this object's serialisation.
    """
    data = raw.raw if isinstance(raw, RawEntity) else bytes(raw)
    prescan(data, limits)
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except (RecursionError, ValueError, LookupError) as exc:  # pragma: no cover - guarded
        raise DecodeError(f"the email parser failed: {type(exc).__name__}") from None
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default guarantees it
        raise DecodeError("the email parser did not return an EmailMessage")
    return message
