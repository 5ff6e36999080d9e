"""multipart_signed, pkcs7_mime, base64 and decode_body (RFC 8551 3.2-3.5, RFC 2045 6)."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.errors import DecodeError, UsageError
from smimelib.mime import (
    SmimeKind,
    classify,
    decode_body,
    encode_base64,
    encode_base64_stream,
    fold_header,
    multipart_signed,
    parse_raw,
    pkcs7_mime,
    pkcs7_mime_stream,
    split_headers,
)

ENTITY = b"Content-Type: text/plain; charset=utf-8\r\n\r\nsigned text\r\n"


def test_encode_base64_lines() -> None:
    data = os.urandom(1000)
    out = encode_base64(data)
    lines = out.split(b"\r\n")
    assert lines[-1] == b""
    assert all(len(line) == 76 for line in lines[:-2])
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert base64.b64decode(out) == data
    assert out == base64.encodebytes(data).replace(b"\n", b"\r\n")
    assert encode_base64(b"") == b""


@given(st.lists(st.binary(max_size=70_000), max_size=5))
def test_base64_stream_equals_whole(chunks: list[bytes]) -> None:
    whole = b"".join(chunks)
    assert b"".join(encode_base64_stream(iter(chunks))) == encode_base64(whole)
    assert encode_base64(whole) == base64.encodebytes(whole).replace(b"\n", b"\r\n")


def test_multipart_signed_layout() -> None:
    out = multipart_signed(
        ENTITY,
        b"\x30\x03\x02\x01\x00",
        "sha-256",
        boundary="----=_b1",
        outer_headers=[("From", "a@example.com"), ("Subject", "Grüße"), ("Content-Type", "x/y")],
    )
    root = parse_raw(out)
    assert root.content_type == "multipart/signed"
    assert root.params == {
        "protocol": "application/pkcs7-signature",
        "micalg": "sha-256",
        "boundary": "----=_b1",
    }
    assert root.get("MIME-Version") == "1.0"
    assert root.get("Subject") == "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    assert root.get_all("Content-Type") == (root.get("Content-Type"),)
    signed, sig = root.children
    assert signed.raw == ENTITY
    assert classify(sig.content_type, sig.params, sig.filename) is SmimeKind.SIGNATURE
    assert sig.filename == "smime.p7s"
    assert sig.params["name"] == "smime.p7s"
    assert decode_body(sig) == b"\x30\x03\x02\x01\x00"
    assert out.endswith(b"------=_b1--\r\n")


def test_multipart_signed_random_boundary() -> None:
    a = multipart_signed(ENTITY, b"\x30\x00", "sha-256")
    b = multipart_signed(ENTITY, b"\x30\x00", "sha-256")
    assert parse_raw(a).params["boundary"] != parse_raw(b).params["boundary"]
    assert parse_raw(a).children[0].raw == ENTITY


def test_multipart_signed_refuses_bad_input() -> None:
    with pytest.raises(UsageError, match="occurs in the signed content"):
        multipart_signed(b"x\r\n--abc\r\n", b"\x30\x00", "sha-256", boundary="abc")
    with pytest.raises(UsageError, match="boundary"):
        multipart_signed(ENTITY, b"\x30\x00", "sha-256", boundary='bad"quote')
    with pytest.raises(UsageError, match="micalg"):
        multipart_signed(ENTITY, b"\x30\x00", "SHA256;x=y")


@pytest.mark.parametrize(
    ("smime_type", "name", "kind"),
    [
        ("signed-data", "smime.p7m", SmimeKind.SIGNED_DATA),
        ("enveloped-data", "smime.p7m", SmimeKind.ENVELOPED_DATA),
        ("authEnveloped-data", "smime.p7m", SmimeKind.AUTH_ENVELOPED_DATA),
        ("compressed-data", "smime.p7z", SmimeKind.COMPRESSED_DATA),
        ("certs-only", "smime.p7c", SmimeKind.CERTS_ONLY),
    ],
)
def test_pkcs7_mime(smime_type: str, name: str, kind: SmimeKind) -> None:
    der = os.urandom(500)
    out = pkcs7_mime(der, smime_type, outer_headers=[("To", "b@example.com")])
    root = parse_raw(out)
    assert root.params["smime-type"] == smime_type
    assert root.filename == name
    assert classify(root.content_type, root.params, root.filename) is kind
    assert decode_body(root) == der
    assert root.get("To") == "b@example.com"
    streamed = b"".join(
        pkcs7_mime_stream(
            iter([der[:7], der[7:]]), smime_type, outer_headers=[("To", "b@example.com")]
        )
    )
    assert streamed == out


def test_pkcs7_mime_usage() -> None:
    with pytest.raises(UsageError):
        pkcs7_mime(b"x", "enveloped")
    with pytest.raises(UsageError):
        pkcs7_mime(b"x", "signed-data", name="a b;c")


def _entity(body: bytes, cte: str) -> bytes:
    return b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body


def test_decode_body_base64_strict() -> None:
    assert (
        decode_body(parse_raw(_entity(b"AAEC\r\n  AwQ=\r\n", "Base64"))) == b"\x00\x01\x02\x03\x04"
    )
    data = _entity(b"AAEC\r\nA*wQ=\r\n", "base64")
    with pytest.raises(DecodeError, match="non-alphabet") as info:
        decode_body(parse_raw(data))
    assert info.value.offset == data.index(b"*")
    with pytest.raises(DecodeError, match="non-alphabet"):
        decode_body(parse_raw(_entity(b"AA\x00EC", "base64")))
    with pytest.raises(DecodeError, match="non-alphabet"):
        decode_body(parse_raw(_entity(b"AA==AAAA", "base64")))
    with pytest.raises(DecodeError, match="padded"):
        decode_body(parse_raw(_entity(b"AAE", "base64")))


def test_decode_body_other_encodings() -> None:
    assert decode_body(parse_raw(_entity(b"a=3Db=\r\nc", "quoted-printable"))) == b"a=bc"
    assert decode_body(parse_raw(_entity(b"\xff\x00raw", "binary"))) == b"\xff\x00raw"
    assert decode_body(parse_raw(b"\r\nplain")) == b"plain"
    with pytest.raises(DecodeError, match="x-uuencode"):
        decode_body(parse_raw(_entity(b"x", "x-uuencode")))


def test_fold_header() -> None:
    subject = "S" * 40 + " " + "T" * 30 + " end"  # 70-77 chars: CZ-NIC/envelope#32
    folded = fold_header("Subject", subject)
    assert all(len(line) <= 76 for line in folded.split(b"\r\n"))
    assert folded.endswith(b"\r\n")
    assert parse_raw(folded + b"\r\n").get("Subject") is not None
    assert fold_header("Subject", "Ünïcode").isascii()
    with pytest.raises(UsageError):
        fold_header("Bad:Name", "x")
    with pytest.raises(UsageError):
        fold_header("Subject", "a\r\nBcc: injected")


def test_split_headers() -> None:
    inside, outside = split_headers(
        [
            ("From", "a"),
            ("Content-Type", "text/plain"),
            ("Subject", "s"),
            ("content-transfer-encoding", "7bit"),
            ("MIME-Version", "1.0"),
        ]
    )
    assert inside == (("Content-Type", "text/plain"), ("content-transfer-encoding", "7bit"))
    assert outside == (("From", "a"), ("Subject", "s"), ("MIME-Version", "1.0"))
