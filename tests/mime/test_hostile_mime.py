"""Hostile MIME: mutated real messages give only smimelib errors, and never hang."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.errors import SmimeError
from smimelib.mime import decode_body, parse_raw, to_email_message
from tests.guard import no_hang
from tests.vectors import load_vector

SEEDS = [
    load_vector("rfc4134/4.8.eml"),
    load_vector("bc/mail/extra-nl.eml"),
    load_vector("johnny-fired/03-mime/m1-prepending-text/m1-smime.eml"),
]


def _exercise(data: bytes) -> None:
    with no_hang():
        try:
            root = parse_raw(data)
        except SmimeError:
            return
        for entity in root.walk():
            assert data[entity.offset : entity.offset + len(entity.raw)] == entity.raw
            with contextlib.suppress(SmimeError):
                decode_body(entity)
        with contextlib.suppress(SmimeError):
            to_email_message(root)


@given(st.sampled_from(SEEDS), st.data())
def test_truncation_and_flips(seed: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(seed)))
    pos = data.draw(st.integers(0, max(len(seed) - 1, 0)))
    octet = data.draw(st.integers(0, 255))
    _exercise(seed[:cut])
    _exercise(seed[:pos] + bytes([octet]) + seed[pos + 1 :])


@given(st.sampled_from(SEEDS), st.data())
def test_inserted_delimiters(seed: bytes, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(seed)))
    insert = data.draw(
        st.sampled_from(
            [
                b"\r\n--",
                b"\n--",
                b"\r\n\r\n",
                b"\nContent-Type: multipart/mixed; boundary=x\n\n--x\n",
            ]
        )
    )
    _exercise(seed[:pos] + insert + seed[pos:])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n",
        b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
        b"Content-Type: multipart/signed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\n\r\ny",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Transfer-Encoding: base64\r\n\r\n\x00\x00",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--garbage\r\n",
        b":\r\n: \r\n \r\n\r\n",
    ],
)
def test_odd_inputs(data: bytes) -> None:
    _exercise(data)
