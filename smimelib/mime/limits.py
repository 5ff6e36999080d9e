"""MIME resource limits and the pre-scan that enforces them (THREATS 4.2 / 4.4).

CPython's :mod:`email` parser is recursive and partly quadratic: it raises
``RecursionError`` on 10k nested multiparts or 5k nested ``message/rfc822``
entities, takes seconds on 120k parts and does not finish on a 1.3 MB ``Cc:``
of encoded words. :func:`prescan` walks the raw message once, iteratively and
in linear time, and refuses such input with :class:`~smimelib.errors.LimitExceeded`
before any parser (ours in :mod:`smimelib.mime.rawparse` or the stdlib's)
sees it.

The header syntax follows RFC 5322 section 2.2 (fields, folding) and the
multipart framing RFC 2046 section 5.1.1 (``--boundary`` delimiter lines).
"""

from __future__ import annotations

from dataclasses import dataclass

from smimelib.errors import LimitExceeded

__all__ = ["DEFAULT_MIME_LIMITS", "MimeLimits", "prescan"]


@dataclass(frozen=True, slots=True)
class MimeLimits:
    """Resource limits for MIME input (THREATS section 4.4); all raise LimitExceeded.

    :param max_input_size: bytes of the whole message.
    :param max_depth: nesting of multiparts and encapsulated messages (root = 0).
    :param max_parts: MIME entities in the whole message (the root included).
    :param max_header_fields: header fields of one entity.
    :param max_header_length: bytes of one header field, unfolded.
    :param max_header_block: bytes of one entity's header block.
    :param max_leading_blank_lines: blank lines before the first header of the input.
    """

    max_input_size: int = 64 * 1024 * 1024
    max_depth: int = 32
    max_parts: int = 1000
    max_header_fields: int = 1000
    max_header_length: int = 64 * 1024
    max_header_block: int = 1024 * 1024
    max_leading_blank_lines: int = 1000


DEFAULT_MIME_LIMITS = MimeLimits()

# Encapsulated messages whose body is itself a MIME entity (RFC 2046 5.2.1, RFC 6532 3.7).
_ENCAPSULATING = frozenset({"message/rfc822", "message/global"})
_IDENTITY_CTE = frozenset({"", "7bit", "8bit", "binary"})


def parse_content_type(value: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """Split a Content-Type value (RFC 2045 section 5.1) linearly.

    Returns the lower-cased ``type/subtype`` (empty when the value has none),
    the parameters (names lower-cased, quoted-string values unquoted) and the
    names of parameters that occurred more than once (the first value is kept).
    RFC 2231 continuations are not joined: ``name*0`` stays its own name.
    """
    n = len(value)
    i = value.find(";")
    if i < 0:
        i = n
    ctype = value[:i].strip().lower()
    params: dict[str, str] = {}
    dups: list[str] = []
    while i < n:
        i += 1  # the ';'
        eq = value.find("=", i)
        semi = value.find(";", i)
        if eq < 0 or (0 <= semi < eq):
            # a parameter without '=' carries no value; skip it
            i = n if semi < 0 else semi
            continue
        name = value[i:eq].strip().lower()
        j = eq + 1
        while j < n and value[j] in " \t\r\n":
            j += 1
        if j < n and value[j] == '"':
            out: list[str] = []
            j += 1
            start = j
            while j < n and value[j] != '"':
                if value[j] == "\\" and j + 1 < n:
                    out.append(value[start:j])
                    start = j + 1
                    j += 2
                    continue
                j += 1
            out.append(value[start:j])
            val = "".join(out)
            semi = value.find(";", j)
            i = n if semi < 0 else semi
        else:
            semi = value.find(";", j)
            end = n if semi < 0 else semi
            val = value[j:end].strip()
            i = end
        if not name:
            continue
        if name in params:
            dups.append(name)
        else:
            params[name] = val
    return ctype, params, tuple(dups)


def _child_path(path: str, index: int) -> str:
    return f"/{index}" if path == "/" else f"{path}/{index}"


@dataclass(slots=True)
class _Frame:
    """An open multipart: its delimiter, depth, path and next child index."""

    dash_boundary: bytes
    depth: int
    path: str
    next_index: int = 0


def _scan_headers(
    data: bytes, pos: int, limits: MimeLimits, path: str
) -> tuple[int, str | None, str | None]:
    """Check one header block starting at ``pos``; return (body start, Content-Type, CTE).

    Linear in the block size: every line is visited once, unfolded lengths
    are summed rather than built.
    """
    n = len(data)
    block_start = pos
    fields = 0
    cur_name: bytes | None = None
    cur_len = 0
    cur_start = pos
    ctype_parts: list[bytes] | None = None
    ctype: str | None = None
    cte: str | None = None

    def _finish() -> None:
        nonlocal ctype, cte, ctype_parts
        if cur_name == b"content-type" and ctype is None and ctype_parts is not None:
            ctype = b"".join(ctype_parts).decode("latin-1")
        elif cur_name == b"content-transfer-encoding" and cte is None and ctype_parts is not None:
            cte = b"".join(ctype_parts).decode("latin-1").strip().lower()
        ctype_parts = None

    while pos < n:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl + 1
        line = data[pos:end]
        stripped = line.rstrip(b"\r\n")
        if not stripped:
            _finish()
            return end, ctype, cte
        if stripped[:1] in (b" ", b"\t") and cur_name is not None:
            cur_len += len(stripped)
            if ctype_parts is not None:
                ctype_parts.append(stripped)
        else:
            _finish()
            colon = stripped.find(b":")
            if colon <= 0:
                # not a header line: the stdlib ends the header block here too
                return pos, ctype, cte
            fields += 1
            if fields > limits.max_header_fields:
                raise LimitExceeded(
                    f"more than {limits.max_header_fields} header fields",
                    limit="max_header_fields",
                    offset=pos,
                    mime_part=path,
                )
            cur_name = stripped[:colon].strip().lower()
            cur_len = len(stripped)
            cur_start = pos
            if cur_name in (b"content-type", b"content-transfer-encoding"):
                ctype_parts = [stripped[colon + 1 :]]
        if cur_len > limits.max_header_length:
            raise LimitExceeded(
                f"header field longer than {limits.max_header_length} bytes unfolded",
                limit="max_header_length",
                offset=cur_start,
                mime_part=path,
            )
        if end - block_start > limits.max_header_block:
            raise LimitExceeded(
                f"header block longer than {limits.max_header_block} bytes",
                limit="max_header_block",
                offset=pos,
                mime_part=path,
            )
        pos = end
    _finish()
    return n, ctype, cte


def prescan(data: bytes, limits: MimeLimits = DEFAULT_MIME_LIMITS) -> None:
    """Refuse a message that exceeds ``limits`` before any MIME parser sees it.

    One iterative pass over ``data``: header blocks (field count, unfolded
    field length, block size; RFC 5322 2.2.3 folding), Content-Type boundary
    parameters, multipart delimiter lines (RFC 2046 5.1.1, an outer delimiter
    closing inner multiparts as parsers do) and encapsulated
    ``message/rfc822`` / ``message/global`` bodies (RFC 2046 5.2.1) are
    followed to count depth and parts. It does not judge well-formedness;
    :func:`smimelib.mime.rawparse.parse_raw` does.

    :raises LimitExceeded: with ``limit`` naming the limit, ``offset`` and
        ``mime_part`` saying where.
    """
    n = len(data)
    if n > limits.max_input_size:
        raise LimitExceeded(
            f"message of {n} bytes exceeds {limits.max_input_size} bytes",
            limit="max_input_size",
            offset=limits.max_input_size,
            mime_part="/",
        )
    pos = 0
    blanks = 0
    while pos < n:
        if data.startswith(b"\r\n", pos):
            pos += 2
        elif data.startswith(b"\n", pos):
            pos += 1
        else:
            break
        blanks += 1
        if blanks > limits.max_leading_blank_lines:
            raise LimitExceeded(
                f"more than {limits.max_leading_blank_lines} blank lines before the headers",
                limit="max_leading_blank_lines",
                offset=pos,
                mime_part="/",
            )
    # The blank-line run is measured only; the entity itself starts at 0 (a
    # first blank line means "no headers", RFC 5322 3.5).
    stack: list[_Frame] = []
    parts = 1
    depth = 0
    path = "/"
    pos = 0
    while True:
        # -- an entity starts at pos: read its header block
        body, ctype_value, cte = _scan_headers(data, pos, limits, path)
        ctype, params, _ = parse_content_type(ctype_value or "")
        boundary = params.get("boundary")
        if ctype.startswith("multipart/") and boundary:
            stack.append(_Frame(b"--" + boundary.encode("utf-8", "surrogateescape"), depth, path))
            pos = body
        elif ctype in _ENCAPSULATING and (cte or "") in _IDENTITY_CTE:
            depth += 1
            path = _child_path(path, 0)
            parts = _count_part(parts, depth, limits, body, path)
            pos = body
            continue
        else:
            pos = body
        if not stack:
            return
        # -- inside the body of the innermost open multipart: find the next delimiter;
        # a close delimiter ends that multipart and the search goes on in its parent
        while True:
            found = _next_delimiter(data, pos, stack)
            if found is None:
                return
            frame_index, line_start, line_end, closing = found
            del stack[frame_index + 1 :]
            pos = line_end
            if not closing:
                break
            stack.pop()
            if not stack:
                return
        frame = stack[-1]
        depth = frame.depth + 1
        path = _child_path(frame.path, frame.next_index)
        frame.next_index += 1
        parts = _count_part(parts, depth, limits, line_start, path)


def _count_part(parts: int, depth: int, limits: MimeLimits, offset: int, path: str) -> int:
    if depth > limits.max_depth:
        raise LimitExceeded(
            f"MIME nesting deeper than {limits.max_depth}",
            limit="max_depth",
            offset=offset,
            mime_part=path,
        )
    parts += 1
    if parts > limits.max_parts:
        raise LimitExceeded(
            f"more than {limits.max_parts} MIME parts",
            limit="max_parts",
            offset=offset,
            mime_part=path,
        )
    return parts


def _next_delimiter(
    data: bytes, pos: int, stack: list[_Frame]
) -> tuple[int, int, int, bool] | None:
    """Next line from ``pos`` that starts with an open multipart's ``--boundary``.

    Returns (index of the frame in ``stack``, line start, position after the
    line, closing?) or None at the end of the input. Only lines starting with
    ``--`` are looked at, found with ``bytes.find``; the innermost frame wins
    when boundaries share a prefix.
    """
    n = len(data)
    while pos < n:
        if data.startswith(b"--", pos):
            start = pos
        else:
            hit = data.find(b"\n--", pos)
            if hit < 0:
                return None
            start = hit + 1
        nl = data.find(b"\n", start)
        end = n if nl < 0 else nl + 1
        for index in range(len(stack) - 1, -1, -1):
            dash = stack[index].dash_boundary
            if data.startswith(dash, start):
                closing = data.startswith(b"--", start + len(dash))
                return index, start, end, closing
        pos = end
    return None
