"""Hypothesis: random BER trees parse back to the same structure and the same bytes."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.asn1.tlv import Tag, TagClass, check, is_der, parse_one
from smimelib.errors import DecodeError
from tests.asn1.strategies import Node, assert_matches, encode, trees


@given(trees)
@example(Node(Tag(TagClass.CONTEXT, True, 2**20), indefinite=True, children=()))
@example(
    Node(
        Tag.SEQUENCE,
        children=(Node(Tag.OCTET_STRING.with_constructed(True), indefinite=True, children=()),),
        extra_length_octets=2,
    )
)
def test_tree_round_trip(node: Node) -> None:
    data = encode(node)
    root = parse_one(data)
    assert_matches(root, node)
    assert root.raw == data
    check(data)


@given(trees, st.integers(0, 1 << 40))
def test_offsets_shift_with_base_offset(node: Node, base: int) -> None:
    data = encode(node)
    a, b = parse_one(data), parse_one(data, base_offset=base)
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        assert y.offset == x.offset + base and y.content_offset == x.content_offset + base
        assert x.raw == y.raw
        if x.tag.constructed:
            stack.extend(zip(x.children(), y.children(), strict=True))


def _is_ber_only(node: Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.indefinite or n.extra_length_octets:
            return True
        if n.tag.constructed and n.tag.cls == TagClass.UNIVERSAL and n.tag.number == 4:
            return True
        if n.tag == Tag.SET:
            members = [encode(c) for c in n.children]
            if members != sorted(members):
                return True
        stack.extend(n.children)
    return False


@given(trees)
def test_der_check_agrees_with_construction(node: Node) -> None:
    data = encode(node)
    assert is_der(data) == (not _is_ber_only(node))


@given(trees, st.integers(0, 200))
def test_truncation_is_always_refused(node: Node, cut: int) -> None:
    data = encode(node)
    cut %= len(data)
    with pytest.raises(DecodeError):
        parse_one(data[:cut])


@given(trees, st.binary(min_size=1, max_size=4))
def test_trailing_data_is_always_refused(node: Node, extra: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_one(encode(node) + extra)


@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_decode_errors(data: bytes) -> None:
    try:
        root = parse_one(data)
    except DecodeError:
        return
    stack = [root]
    while stack:
        elem = stack.pop()
        if elem.tag.constructed:
            stack.extend(elem.children())
        else:
            for accessor in (elem.as_oid, elem.as_int, elem.as_octets, elem.as_string):
                with contextlib.suppress(DecodeError):
                    accessor()


@given(st.lists(st.binary(max_size=6).map(der.encode_octets), max_size=8), st.randoms())
def test_set_of_is_sorted_and_order_independent(items: list[bytes], rnd: object) -> None:
    encoded = der.set_of(items)
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert der.set_of(shuffled) == encoded
    assert is_der(encoded)
    members = [c.raw for c in parse_one(encoded).children()]
    assert members == sorted(items)
    assert all(a <= b for a, b in itertools.pairwise(members))
