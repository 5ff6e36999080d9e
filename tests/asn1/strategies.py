"""Hypothesis strategies and helpers for random BER trees (shared by the asn1 tests).

The encoder here is written independently of ``smimelib.asn1.der`` so that the
round-trip tests do not check the library against itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from smimelib.asn1.tlv import Element, Tag, TagClass


@dataclass(frozen=True)
class Node:
    tag: Tag
    indefinite: bool = False
    content: bytes = b""  # primitive content
    children: tuple[Node, ...] = ()
    extra_length_octets: int = 0  # > 0: non-minimal long-form length (BER)


def identifier(tag: Tag) -> bytes:
    first = (int(tag.cls) << 6) | (0x20 if tag.constructed else 0)
    if tag.number < 31:
        return bytes([first | tag.number])
    groups = []
    n = tag.number
    while True:
        groups.append(n & 0x7F)
        n >>= 7
        if not n:
            break
    groups.reverse()
    return bytes([first | 0x1F, *(g | 0x80 for g in groups[:-1]), groups[-1]])


def length_octets(n: int, extra: int) -> bytes:
    if n < 0x80 and not extra:
        return bytes([n])
    body = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    body = b"\x00" * extra + body
    return bytes([0x80 | len(body)]) + body


def encode(node: Node) -> bytes:
    if node.tag.constructed:
        body = b"".join(encode(c) for c in node.children)
        if node.indefinite:
            return identifier(node.tag) + b"\x80" + body + b"\x00\x00"
    else:
        body = node.content
    return identifier(node.tag) + length_octets(len(body), node.extra_length_octets) + body


_NON_UNIVERSAL = st.sampled_from([TagClass.APPLICATION, TagClass.CONTEXT, TagClass.PRIVATE])
_NUMBERS = st.one_of(st.integers(0, 30), st.integers(31, 2**21 - 1))
_EXTRA = st.sampled_from([0, 0, 0, 1, 2])


@st.composite
def primitives(draw: st.DrawFn) -> Node:
    if draw(st.booleans()):
        tag = Tag(draw(_NON_UNIVERSAL), False, draw(_NUMBERS))
    else:
        tag = Tag.OCTET_STRING
    return Node(tag, content=draw(st.binary(max_size=20)), extra_length_octets=draw(_EXTRA))


@st.composite
def segmented_octet_strings(draw: st.DrawFn, depth: int = 2) -> Node:
    children: list[Node] = []
    for _ in range(draw(st.integers(0, 4))):
        if depth > 0 and draw(st.integers(0, 4)) == 0:
            children.append(draw(segmented_octet_strings(depth - 1)))
        else:
            children.append(Node(Tag.OCTET_STRING, content=draw(st.binary(max_size=8))))
    return Node(
        Tag.OCTET_STRING.with_constructed(True),
        indefinite=draw(st.booleans()),
        children=tuple(children),
        extra_length_octets=draw(_EXTRA),
    )


def _constructed(children: st.SearchStrategy[list[Node]]) -> st.SearchStrategy[Node]:
    tags = st.one_of(
        st.sampled_from([Tag.SEQUENCE, Tag.SET]),
        st.builds(lambda c, n: Tag(c, True, n), _NON_UNIVERSAL, _NUMBERS),
    )
    return st.builds(
        lambda tag, kids, indef, extra: Node(
            tag, indefinite=indef, children=tuple(kids), extra_length_octets=extra
        ),
        tags,
        children,
        st.booleans(),
        _EXTRA,
    )


trees: st.SearchStrategy[Node] = st.recursive(
    st.one_of(primitives(), segmented_octet_strings()),
    lambda inner: _constructed(st.lists(inner, max_size=4)),
    max_leaves=16,
)


def assert_matches(elem: Element, node: Node) -> None:
    """The parsed element has the node's structure and exactly its encoding (iterative)."""
    stack = [(elem, node)]
    while stack:
        e, n = stack.pop()
        assert e.tag == n.tag
        assert e.raw == encode(n)
        assert e.indefinite == n.indefinite
        if n.tag.constructed:
            kids = e.children()
            assert len(kids) == len(n.children)
            stack.extend(zip(kids, n.children, strict=True))
        else:
            assert e.content == n.content


def element_events(root: Element) -> list[tuple[object, ...]]:
    """Normalised events of an element tree, as the streaming reader should produce."""
    out: list[tuple[object, ...]] = []
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        e, closing = stack.pop()
        if closing:
            out.append(("end", e.tag, e.end_offset))
            continue
        length = None if e.indefinite else e.content_length
        out.append(("header", e.tag, e.offset, e.header_length, length))
        stack.append((e, True))
        if e.tag.constructed:
            stack.extend((c, False) for c in reversed(e.children()))
        elif e.content_length:
            out.append(("data", e.content_offset, e.content))
    return out
