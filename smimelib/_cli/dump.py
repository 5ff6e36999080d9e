"""``smime dump``: the structure of a CMS object or S/MIME message as an annotated tree.

CMS (RFC 5652) is shown element by element (X.690): offset, header and content
lengths, definite or indefinite length, tag, and a value for simple types with OID
names from :mod:`smimelib.asn1.oids`. An OCTET STRING whose content is itself one
BER element (eContent, extension values) is shown opened. For MIME (RFC 8551 3), the
part tree with paths and S/MIME kinds comes first, then the CMS tree of each S/MIME part.
"""

from __future__ import annotations

import argparse
import sys

from smimelib._cli.io import cms_in, read_input
from smimelib.asn1 import tlv
from smimelib.asn1.oids import describe
from smimelib.asn1.tlv import Element, Tag, TagClass
from smimelib.errors import SmimeError
from smimelib.mime import SmimeKind, classify, decode_body, parse_raw

__all__ = ["cmd_dump", "dump_cms", "dump_mime"]

_STRINGS = frozenset({12, 19, 20, 22, 26, 28, 30})
#: octets of a primitive value shown in hex before it is abbreviated
_HEX_PREVIEW = 16


def _tag_name(tag: Tag) -> str:
    return tag.name


def _hex(data: bytes) -> str:
    if len(data) <= _HEX_PREVIEW:
        return data.hex()
    return f"{data[:_HEX_PREVIEW].hex()}... ({len(data)} octets)"


def _value(elem: Element) -> str:
    tag = elem.tag
    if tag.cls is not TagClass.UNIVERSAL or tag.constructed:
        return ""
    try:
        if tag.number == 6:
            return describe(elem.as_oid())
        if tag.number in (2, 10):
            return (
                str(elem.as_int(max_octets=8)) if elem.content_length <= 8 else _hex(elem.content)
            )
        if tag.number == 1:
            return str(elem.as_bool())
        if tag.number in _STRINGS:
            return repr(elem.as_string())
        if tag.number in (23, 24):
            return elem.as_time().isoformat()
    except SmimeError:
        pass
    return _hex(elem.content) if elem.content_length else ""


def _encapsulated(elem: Element) -> Element | None:
    """The element an OCTET STRING or BIT STRING wraps, when its content is exactly one."""
    tag = elem.tag
    if tag.cls is not TagClass.UNIVERSAL or tag.constructed or tag.number not in (3, 4):
        return None
    content = elem.content
    start = 1 if tag.number == 3 else 0
    if tag.number == 3 and (not content or content[0] != 0):
        return None
    if len(content) < start + 2 or content[start] not in (0x30, 0x31):
        return None
    try:
        return tlv.parse_one(
            content[start:], base_offset=elem.content_offset + start, limits=elem.limits
        )
    except SmimeError:
        return None


def dump_cms(der: bytes, *, base_offset: int = 0, indent: str = "") -> list[str]:
    """The annotated element tree of one BER/DER object (X.690; RFC 5652 structures)."""
    root = tlv.parse_one(der, base_offset=base_offset, what="CMS object")
    lines: list[str] = []
    stack: list[tuple[Element, int, str]] = [(root, 0, "")]
    while stack:
        elem, depth, note = stack.pop()
        length = "indefinite" if elem.indefinite else f"len={elem.content_length}"
        head = f"{indent}{elem.offset:>6}: hl={elem.header_length} {length:<12}"
        text = f"{head} {'  ' * depth}{_tag_name(elem.tag)}"
        value = _value(elem)
        inner = _encapsulated(elem)
        if inner is not None:
            value = "encapsulates:"
        lines.append(f"{text} {value}{note}".rstrip())
        if elem.tag.constructed:
            stack.extend((child, depth + 1, "") for child in reversed(elem.children()))
        elif inner is not None:
            stack.append((inner, depth + 1, ""))
    return lines


def dump_mime(data: bytes) -> list[str]:
    """The MIME part tree with paths and S/MIME kinds, then each S/MIME part's CMS tree."""
    root = parse_raw(data)
    lines = ["MIME structure:"]
    cms_parts: list[tuple[str, bytes, int]] = []
    for entity in root.walk():
        kind = classify(entity.content_type, entity.params, entity.filename)
        depth = 0 if entity.path == "/" else entity.path.count("/")
        label = "" if kind is SmimeKind.NONE else f"  [S/MIME {kind.value}]"
        lines.append(
            f"{'  ' * depth}{entity.path} {entity.content_type} "
            f"(offset {entity.offset}, {entity.end - entity.offset} octets){label}"
        )
        if kind not in (SmimeKind.NONE, SmimeKind.SIGNED_MULTIPART) and not entity.children:
            cms_parts.append((entity.path, decode_body(entity), entity.body_offset))
    for path, der, body_offset in cms_parts:
        lines.append("")
        lines.append(f"CMS of part {path} (body at offset {body_offset}; offsets below are in the")
        lines.append("decoded body):")
        lines.extend(dump_cms(der, indent="  "))
    return lines


def cmd_dump(args: argparse.Namespace) -> int:
    """Print the structure of the input (``--inform mime``, ``der`` or ``pem``)."""
    data = read_input(args)
    lines = dump_mime(data) if args.inform == "mime" else dump_cms(cms_in(data, args.inform))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
