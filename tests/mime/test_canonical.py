"""canonicalize / prepare_for_signing (RFC 8551 3.1.1-3.1.3)."""

from __future__ import annotations

import base64
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.errors import UsageError
from smimelib.mime import (
    canonicalize,
    decode_body,
    parse_raw,
    prepare_for_signing,
    verification_candidates,
)


def test_canonicalize() -> None:
    assert canonicalize(b"a\nb\r\nc\n") == b"a\r\nb\r\nc\r\n"
    assert canonicalize(b"no line end") == b"no line end"
    assert canonicalize(b"bare\rcr\n") == b"bare\rcr\r\n"
    with pytest.raises(UsageError):
        canonicalize("text")  # type: ignore[arg-type]


@given(st.binary(max_size=200))
def test_canonicalize_idempotent(data: bytes) -> None:
    once = canonicalize(data)
    assert canonicalize(once) == once
    assert once.replace(b"\r\n", b"").count(b"\n") == 0


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Grüße aus Köln, a subject long enough to need folding at seventy-six"
    msg.set_content("Zeile eins: äöü\nline two\n" + "x" * 300 + "\n", cte="8bit")
    msg.add_attachment(
        bytes(range(256)) * 4, maintype="application", subtype="octet-stream", filename="blob.bin"
    )
    return msg


def test_prepare_for_signing_is_7bit_crlf() -> None:
    msg = _message()
    before = msg.as_bytes()
    signed = prepare_for_signing(msg)
    assert msg.as_bytes() == before  # the caller's message is not changed
    assert signed.isascii()
    assert b"\n" not in signed.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in signed.split(b"\r\n"))
    root = parse_raw(signed)
    text, blob = root.children
    assert text.transfer_encoding == "quoted-printable"
    assert decode_body(text).decode("utf-8") == (
        "Zeile eins: äöü\r\nline two\r\n" + "x" * 300 + "\r\n"
    )
    assert blob.transfer_encoding == "base64"
    assert decode_body(blob) == bytes(range(256)) * 4
    parsed = email.message_from_bytes(signed, policy=email.policy.default)
    assert parsed["Subject"].startswith("Grüße aus Köln")


def test_prepare_for_signing_keeps_7bit_text() -> None:
    msg = EmailMessage()
    msg.set_content("plain ascii\nsecond line\n")
    signed = prepare_for_signing(msg)
    assert b"Content-Transfer-Encoding: 7bit" in signed
    assert signed.endswith(b"\r\n\r\nplain ascii\r\nsecond line\r\n")


def test_prepare_for_signing_binary_cte() -> None:
    msg = EmailMessage()
    msg.set_content(b"\x00\x01\xff" * 10, maintype="application", subtype="x", cte="binary")
    signed = prepare_for_signing(msg)
    root = parse_raw(signed)
    assert root.transfer_encoding == "base64"
    assert decode_body(root) == b"\x00\x01\xff" * 10
    assert base64.b64encode(b"\x00\x01\xff" * 10) in signed


def test_prepare_for_signing_usage() -> None:
    with pytest.raises(UsageError):
        prepare_for_signing(b"bytes")  # type: ignore[arg-type]


def test_verification_candidates() -> None:
    assert verification_candidates(b"a\r\nb") == (("as-received", b"a\r\nb"),)
    assert verification_candidates(b"a\nb\n") == (
        ("as-received", b"a\nb\n"),
        ("crlf-canonicalized", b"a\r\nb\r\n"),
    )
