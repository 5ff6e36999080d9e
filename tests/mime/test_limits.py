"""MimeLimits and prescan: the THREATS 4.2 resource bombs are refused quickly."""

from __future__ import annotations

import dataclasses
import time

import pytest

from smimelib.errors import LimitExceeded
from smimelib.mime import (
    DEFAULT_MIME_LIMITS,
    MimeLimits,
    parse_content_type,
    parse_raw,
    prescan,
    to_email_message,
)
from tests.guard import no_hang


def _nested_multiparts(depth: int) -> bytes:
    out = [b"MIME-Version: 1.0\r\n"]
    for i in range(depth):
        out.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i))
    out.append(b"Content-Type: text/plain\r\n\r\nx\r\n")
    for i in reversed(range(depth)):
        out.append(b"--b%d--\r\n" % i)
    return b"".join(out)


def _nested_rfc822(depth: int) -> bytes:
    return b"Content-Type: message/rfc822\r\n\r\n" * depth + b"Subject: x\r\n\r\nbody\r\n"


def _many_parts(count: int) -> bytes:
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + part * count + b"--b--\r\n"


def _refused(data: bytes, limit: str) -> LimitExceeded:
    with no_hang():
        start = time.monotonic()
        with pytest.raises(LimitExceeded) as info:
            prescan(data)
        assert time.monotonic() - start < 5
    assert info.value.limit == limit
    assert info.value.offset is not None
    assert info.value.mime_part is not None
    return info.value


def test_defaults_match_threats_4_4() -> None:
    limits = DEFAULT_MIME_LIMITS
    assert limits.max_depth == 32
    assert limits.max_parts == 1000
    assert limits.max_header_fields == 1000
    assert limits.max_header_length == 64 * 1024
    assert limits.max_header_block == 1024 * 1024
    assert limits.max_input_size == 64 * 1024 * 1024
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_depth = 5  # type: ignore[misc]


def test_10k_nested_multiparts() -> None:
    err = _refused(_nested_multiparts(10_000), "max_depth")
    assert err.mime_part is not None and err.mime_part.count("/") == 33


def test_5k_nested_rfc822() -> None:
    err = _refused(_nested_rfc822(5_000), "max_depth")
    assert err.mime_part == "/0" * 33


def test_120k_parts() -> None:
    err = _refused(_many_parts(120_000), "max_parts")
    assert err.mime_part == "/999"


def test_huge_cc_of_encoded_words() -> None:
    addresses = ", ".join(f"=?utf-8?q?user{i}?= <u{i}@example.com>" for i in range(40_000))
    data = b"From: a@example.com\r\nCc: " + addresses.encode() + b"\r\n\r\nbody\r\n"
    assert len(data) > 1_000_000
    err = _refused(data, "max_header_length")
    assert err.offset == data.index(b"Cc:")


def test_2mb_folded_header() -> None:
    data = b"Subject: x\r\n" + b" folded line\r\n" * 170_000 + b"\r\nbody"
    err = _refused(data, "max_header_length")
    assert err.offset == 0


def test_header_block_of_many_long_fields() -> None:
    field = b"X-Long: " + b"a" * 60_000 + b"\r\n"
    _refused(field * 40 + b"\r\nbody", "max_header_block")


def test_100k_header_fields() -> None:
    data = b"X-A: 1\r\n" * 100_000 + b"\r\nbody"
    err = _refused(data, "max_header_fields")
    assert err.offset == 8 * 1000


def test_200k_leading_blank_lines() -> None:
    _refused(b"\r\n" * 200_000 + b"Subject: x\r\n\r\n", "max_leading_blank_lines")


def test_input_size() -> None:
    small = MimeLimits(max_input_size=100)
    with pytest.raises(LimitExceeded) as info:
        prescan(b"x" * 101, small)
    assert info.value.limit == "max_input_size"
    prescan(b"x" * 100, small)


def test_headers_in_nested_part_are_counted_per_part() -> None:
    limits = MimeLimits(max_header_fields=3)
    ok = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nA: 1\r\nB: 2\r\n\r\nx\r\n--b--\r\n"
    )
    prescan(ok, limits)
    bad = ok.replace(b"B: 2\r\n", b"B: 2\r\nC: 3\r\nD: 4\r\n")
    with pytest.raises(LimitExceeded) as info:
        prescan(bad, limits)
    assert info.value.mime_part == "/0"


def test_within_limits_passes() -> None:
    prescan(_nested_multiparts(32))
    prescan(_many_parts(998))
    prescan(_nested_rfc822(32))


def test_limits_are_configurable() -> None:
    with pytest.raises(LimitExceeded):
        prescan(_nested_multiparts(5), MimeLimits(max_depth=4))
    prescan(_nested_multiparts(5), MimeLimits(max_depth=5))


def test_encoded_rfc822_body_is_not_descended() -> None:
    # a base64 message/rfc822 body is opaque: no nesting can hide in it
    data = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + (
        _nested_rfc822(100)
    )
    prescan(data)


@pytest.mark.parametrize(
    "bomb",
    [_nested_multiparts(10_000), _nested_rfc822(5_000), _many_parts(120_000)],
    ids=["multiparts", "rfc822", "parts"],
)
def test_parsers_refuse_bombs_before_parsing(bomb: bytes) -> None:
    with no_hang():
        with pytest.raises(LimitExceeded):
            parse_raw(bomb)
        with pytest.raises(LimitExceeded):
            to_email_message(bomb)


def test_outer_delimiter_closes_inner_multiparts() -> None:
    # the inner multipart is never closed; the outer delimiter ends it, so the
    # following parts are siblings at depth 1, not ever deeper nesting
    inner = b'--o\r\nContent-Type: multipart/mixed; boundary="i"\r\n\r\n--i\r\n\r\nx\r\n'
    data = b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n' + inner * 40 + b"--o--\r\n"
    prescan(data, MimeLimits(max_depth=2))


def test_parse_content_type() -> None:
    ctype, params, dups = parse_content_type(
        ' Multipart/Signed; micalg=SHA1;\r\n\tboundary="a\\"b;c"; protocol="application/x"; x'
    )
    assert ctype == "multipart/signed"
    assert params == {"micalg": "SHA1", "boundary": 'a"b;c', "protocol": "application/x"}
    assert dups == ()
    _, params, dups = parse_content_type('multipart/mixed; boundary=a; BOUNDARY="b"')
    assert params["boundary"] == "a"
    assert dups == ("boundary",)
    assert parse_content_type("") == ("", {}, ())
