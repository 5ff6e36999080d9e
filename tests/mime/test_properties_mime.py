"""Hypothesis: random MIME trees serialise and split back to the same structure and bytes."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from hypothesis import given
from hypothesis import strategies as st

from smimelib.mime import RawEntity, canonicalize, decode_body, parse_raw, prepare_for_signing


@dataclass(frozen=True)
class Node:
    ctype: str
    header_value: str
    body: bytes
    children: tuple[Node, ...]


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=30)
_leaf_body = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"-", b"_")),
    _text.map(lambda t: t.replace("-", "_").encode("utf-8")),
)


def _leaf() -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        st.sampled_from(["text/plain", "application/octet-stream", "image/png"]),
        _text.map(lambda t: t.replace("\r", "").replace("\n", "")),
        _leaf_body,
        st.just(()),
    )


def _multipart(children: st.SearchStrategy[tuple[Node, ...]]) -> st.SearchStrategy[Node]:
    return st.builds(
        Node,
        st.sampled_from(["multipart/mixed", "multipart/alternative", "multipart/related"]),
        st.just(""),
        st.just(b""),
        children,
    )


_tree = st.recursive(
    _leaf(),
    lambda inner: _multipart(st.lists(inner, min_size=1, max_size=3).map(tuple)),
    max_leaves=8,
)


def _serialise(node: Node, eol: bytes, counter: list[int]) -> bytes:
    head = b"X-Note: " + node.header_value.encode("utf-8") + eol
    if not node.children:
        return b"Content-Type: " + node.ctype.encode() + eol + head + eol + node.body
    counter[0] += 1
    boundary = b"=_b%d=" % counter[0]
    out = [b"Content-Type: " + node.ctype.encode() + b'; boundary="' + boundary + b'"' + eol]
    out.append(head + eol + b"preamble" + eol)
    for child in node.children:
        out.append(b"--" + boundary + eol)
        out.append(_serialise(child, eol, counter))
        out.append(eol)
    out.append(b"--" + boundary + b"--" + eol + b"epilogue")
    return b"".join(out)


def _check(node: Node, entity_data: bytes, parsed: RawEntity, whole: bytes) -> None:
    assert parsed.raw == entity_data
    assert whole[parsed.offset : parsed.offset + len(parsed.raw)] == parsed.raw
    assert parsed.content_type == node.ctype
    assert parsed.get("X-Note") == node.header_value.strip(" \t")
    assert len(parsed.children) == len(node.children)
    if not node.children:
        assert parsed.body == node.body
    for child, got in zip(node.children, parsed.children, strict=True):
        _check(child, got.raw, got, whole)


@given(_tree, st.sampled_from([b"\r\n", b"\n"]))
def test_random_trees_split_exactly(tree: Node, eol: bytes) -> None:
    data = _serialise(tree, eol, [0])
    root = parse_raw(data)  # bodies never contain "--", so no delimiter ambiguity
    _check(tree, data, root, data)
    paths = [e.path for e in root.walk()]
    assert len(paths) == len(set(paths))


@given(st.lists(_text, min_size=1, max_size=4), st.binary(max_size=200))
def test_prepared_entities_parse_and_decode(lines: list[str], blob: bytes) -> None:
    msg = EmailMessage(policy=email.policy.default)
    msg.set_content("\n".join(lines) + "\n", cte="8bit")
    msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename="f.bin")
    signed = prepare_for_signing(msg)
    assert signed.isascii()
    assert canonicalize(signed) == signed
    root = parse_raw(signed)
    assert root.raw == signed
    assert decode_body(root.children[1]) == blob
