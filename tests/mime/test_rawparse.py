"""parse_raw: the byte-exact MIME splitter (RFC 2045/2046/5322, RFC 1847)."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage

import pytest

from smimelib.errors import DecodeError, LimitExceeded
from smimelib.mime import MimeLimits, parse_raw, to_email_message

SIGNED = (
    b"MIME-Version: 1.0\r\n"
    b"Subject: test\r\n"
    b"  folded\r\n"
    b'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\r\n'
    b'\tmicalg=sha-256; boundary="XX"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b"hello\r\n"
    b"\r\n"
    b"--XX  \t\r\n"
    b"Content-Type: application/pkcs7-signature\r\n"
    b"\r\n"
    b"AAAA\r\n"
    b"--XX--\r\n"
    b"epilogue\r\n"
)


def test_structure_and_exact_bytes() -> None:
    root = parse_raw(SIGNED)
    assert root.raw == SIGNED
    assert root.path == "/" and root.offset == 0
    assert root.content_type == "multipart/signed"
    assert root.params["micalg"] == "sha-256"
    assert root.params["boundary"] == "XX"
    assert root.headers[1] == ("Subject", "test  folded")
    assert root.get("subject") == "test  folded"
    assert root.preamble == b"preamble"
    assert root.epilogue == b"epilogue\r\n"
    first, second = root.children
    # the CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1)
    assert first.raw == b"Content-Type: text/plain\r\n\r\nhello\r\n"
    assert first.body == b"hello\r\n"
    assert first.header_bytes == b"Content-Type: text/plain\r\n\r\n"
    assert (first.path, second.path) == ("/0", "/1")
    assert SIGNED[first.offset : first.offset + len(first.raw)] == first.raw
    assert SIGNED[second.offset : second.offset + len(second.raw)] == second.raw
    assert second.body == b"AAAA"
    assert first.body_offset == SIGNED.index(b"hello")
    assert root.walk() == (root, first, second)
    with pytest.raises(dataclasses.FrozenInstanceError):
        root.offset = 5  # type: ignore[misc]


def test_lf_only_and_mixed_line_ends() -> None:
    lf = SIGNED.replace(b"\r\n", b"\n")
    root = parse_raw(lf)
    assert root.children[0].raw == b"Content-Type: text/plain\n\nhello\n"
    assert root.children[1].body == b"AAAA"
    mixed = SIGNED.replace(b"hello\r\n\r\n", b"hello\n\n")
    assert parse_raw(mixed).children[0].raw == b"Content-Type: text/plain\r\n\r\nhello\n"


def test_defaults_and_no_headers() -> None:
    root = parse_raw(b"\r\nbody only")
    assert root.content_type == "text/plain"
    assert root.headers == ()
    assert root.body == b"body only"
    assert root.transfer_encoding == "7bit"
    assert parse_raw(b"Content-Type: garbage\r\n\r\nx").content_type == "text/plain"


def test_nested_and_rfc822() -> None:
    inner = b"Subject: inner\r\nContent-Type: text/plain\r\n\r\ninner body\r\n"
    data = (
        b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n'
        b'--a\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n"
        b"--a\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--a--\r\n"
    )
    root = parse_raw(data)
    paths = [(e.path, e.content_type) for e in root.walk()]
    assert paths == [
        ("/", "multipart/mixed"),
        ("/0", "multipart/alternative"),
        ("/0/0", "text/plain"),
        ("/0/1", "text/plain"),
        ("/1", "message/rfc822"),
        ("/1/0", "text/plain"),
    ]
    assert root.children[1].children[0].raw == inner[:-2]  # CRLF belongs to "--a--"
    assert root.children[0].epilogue == b""
    assert root.children[0].children[1].body == b"two"


def test_digest_default_type() -> None:
    data = (
        b'Content-Type: multipart/digest; boundary="d"\r\n\r\n'
        b"--d\r\n\r\nSubject: x\r\n\r\nb\r\n--d--\r\n"
    )
    child = parse_raw(data).children[0]
    assert child.content_type == "message/rfc822"
    assert child.children[0].get("Subject") == "x"


def test_duplicate_content_type_header() -> None:
    data = SIGNED.replace(
        b"Content-Type: text/plain\r\n", b"Content-Type: text/plain\r\nContent-type: text/html\r\n"
    )
    with pytest.raises(DecodeError) as info:
        parse_raw(data)
    assert info.value.mime_part == "/0"
    assert info.value.offset == data.index(b"Content-type: text/html")


def test_duplicate_boundary_parameter() -> None:
    data = SIGNED.replace(b'boundary="XX"', b'boundary="XX"; Boundary="YY"')
    with pytest.raises(DecodeError, match="boundary") as info:
        parse_raw(data)
    assert info.value.mime_part == "/"


def test_boundary_prefix_of_body_line() -> None:
    data = SIGNED.replace(b"hello\r\n", b"hello\r\n--XXtrailing text\r\n")
    with pytest.raises(DecodeError, match="ambiguous boundary") as info:
        parse_raw(data)
    assert info.value.offset == data.index(b"--XXtrailing")
    assert info.value.mime_part == "/"


def test_signed_without_close_delimiter() -> None:
    data = SIGNED[: SIGNED.index(b"--XX--")]
    with pytest.raises(DecodeError, match="close delimiter") as info:
        parse_raw(data)
    assert info.value.mime_part == "/"


def test_mixed_without_close_delimiter_is_tolerated() -> None:
    data = b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n\r\na\r\n--m\r\n\r\nb\r\n'
    root = parse_raw(data)
    assert [c.body for c in root.children] == [b"a", b"b\r\n"]
    assert root.findings


def test_multipart_errors() -> None:
    with pytest.raises(DecodeError, match="boundary parameter"):
        parse_raw(b"Content-Type: multipart/mixed\r\n\r\n--x\r\n")
    with pytest.raises(DecodeError, match="without any body part"):
        parse_raw(b'Content-Type: multipart/mixed; boundary="x"\r\n\r\nno parts\r\n')
    with pytest.raises(DecodeError, match="without any body part"):
        parse_raw(b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x--\r\n')


def test_third_part_and_empty_parts_are_kept() -> None:
    data = SIGNED.replace(b"--XX--", b"--XX\r\n\r\nthird\r\n--XX\r\n--XX--")
    root = parse_raw(data)
    assert len(root.children) == 4
    assert root.children[3].raw == b""


def test_limits_are_enforced_by_the_parser() -> None:
    with pytest.raises(LimitExceeded):
        parse_raw(SIGNED, MimeLimits(max_parts=2))
    with pytest.raises(LimitExceeded):
        parse_raw(SIGNED, MimeLimits(max_depth=0))


def test_non_ascii_headers() -> None:
    data = "Subject: Grüße\r\nX: =?utf-8?q?a?=\r\n\r\nb".encode()
    root = parse_raw(data)
    assert root.get("subject") == "Grüße"
    assert root.get("x") == "=?utf-8?q?a?="
    assert parse_raw(b"Subject: \xff\r\n\r\n").get("Subject") == "\ufffd"


def test_filename() -> None:
    data = (
        b"Content-Type: application/octet-stream; name=a.p7m\r\n"
        b'Content-Disposition: attachment; filename="b.p7s"\r\n\r\n'
    )
    assert parse_raw(data).filename == "b.p7s"
    assert parse_raw(b"Content-Type: application/x; name=a.p7m\r\n\r\n").filename == "a.p7m"


def test_to_email_message() -> None:
    msg = to_email_message(parse_raw(SIGNED))
    assert isinstance(msg, EmailMessage)
    assert msg.get_content_type() == "multipart/signed"
    assert msg["Subject"] == "test  folded"
    assert to_email_message(SIGNED).get_param("micalg") == "sha-256"


def test_not_bytes() -> None:
    with pytest.raises(DecodeError):
        parse_raw("text")  # type: ignore[arg-type]


def test_nesting_does_not_multiply_memory() -> None:
    import tracemalloc

    out = []
    for i in range(32):
        out.append(b'Content-Type: multipart/mixed; boundary="b%d="\r\n\r\n--b%d=\r\n' % (i, i))
    out.append(b"\r\n" + b"x" * 4_000_000 + b"\r\n")
    out.extend(b"--b%d=--\r\n" % i for i in reversed(range(32)))
    data = b"".join(out)
    tracemalloc.start()
    try:
        root = parse_raw(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(root.walk()) == 33
    assert peak < 2 * len(data)


def test_nested_boundary_that_prefixes_the_outer_one_is_refused() -> None:
    # inner "--b1" lines start with the outer "--b" delimiter: parsers disagree
    data = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n\r\nx\r\n--b1--\r\n'
        b"--b--\r\n"
    )
    with pytest.raises(DecodeError, match="ambiguous boundary") as info:
        parse_raw(data)
    assert info.value.mime_part == "/"
    assert info.value.offset == data.index(b"--b1")
