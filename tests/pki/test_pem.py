"""PEM textual encoding (RFC 7468) and RFC 1421 headers."""

from __future__ import annotations

import base64
import contextlib
import subprocess
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, LimitExceeded, SmimeError, UsageError
from smimelib.pki.pem import PemBlock, is_pem, pem_blocks, pem_encode
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

DER = bytes(range(200))


def test_encode_is_the_strict_form() -> None:
    """RFC 7468 figure 3: 64-column lines, LF, label on both boundaries."""
    pem = pem_encode("CERTIFICATE", DER)
    lines = pem.split(b"\n")
    assert lines[0] == b"-----BEGIN CERTIFICATE-----"
    assert lines[-2] == b"-----END CERTIFICATE-----"
    assert lines[-1] == b""
    body = lines[1:-2]
    assert all(len(line) == 64 for line in body[:-1])
    assert 0 < len(body[-1]) <= 64
    assert base64.b64decode(b"".join(body)) == DER


def test_encode_empty_and_exact_multiple() -> None:
    assert pem_encode("X", b"") == b"-----BEGIN X-----\n-----END X-----\n"
    pem = pem_encode("X", b"\x00" * 48)  # exactly 64 base64 characters
    assert pem.count(b"\n") == 3
    assert pem_blocks(pem)[0].der == b"\x00" * 48


def test_encode_rejects_bad_labels() -> None:
    for label in ("A--B", "A  B", "-A", "A-", " A", "A\nB", "ÄB"):
        with pytest.raises(UsageError):
            pem_encode(label, DER)


@given(der=st.binary(max_size=600), label=st.sampled_from(["PRIVATE KEY", "CMS", "X509 CRL", ""]))
def test_round_trip(der: bytes, label: str) -> None:
    (block,) = pem_blocks(pem_encode(label, der))
    assert (block.label, block.der, dict(block.headers), block.offset) == (label, der, {}, 0)


@given(
    der=st.binary(min_size=1, max_size=300),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    width=st.integers(4, 80),
    before=st.binary(max_size=40).filter(lambda b: b"-----" not in b),
)
def test_tolerant_of_newlines_widths_and_leading_text(
    der: bytes, newline: bytes, width: int, before: bytes
) -> None:
    text = base64.b64encode(der)
    body = newline.join(text[i : i + width] + b"  " for i in range(0, len(text), width))
    prefix = before + newline if before else b""
    pem = (
        prefix
        + b"-----BEGIN CMS-----  "
        + newline
        + newline
        + body
        + newline
        + b"-----END CMS-----"
        + newline
        + b"trailing text"
    )
    (block,) = pem_blocks(pem)
    assert block.der == der
    assert block.offset == len(prefix)


def test_multiple_blocks_with_text_around() -> None:
    data = load_vector("openssl/smime-certs/smrsa1.pem")
    blocks = pem_blocks(data)
    assert [b.label for b in blocks] == ["PRIVATE KEY", "CERTIFICATE"]
    assert data[blocks[1].offset :].startswith(b"-----BEGIN CERTIFICATE-----")
    # the certificate decodes to what OpenSSL reads
    cert_der = openssl_der(vector_path("openssl/smime-certs/smrsa1.pem"))
    if cert_der is not None:
        assert blocks[1].der == cert_der


def openssl_der(path: object) -> bytes | None:
    try:
        proc = subprocess.run(
            ["openssl", "x509", "-in", str(path), "-outform", "DER"],
            capture_output=True,
            timeout=60,
        )
    except FileNotFoundError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def test_bag_attributes_prefix() -> None:
    data = load_vector("covert-content/assets/secret-keys/manager@bigcorporation.key")
    assert data.startswith(b"Bag Attributes")
    (block,) = pem_blocks(data)
    assert block.label == "ENCRYPTED PRIVATE KEY"
    assert block.der[:1] == b"\x30"


def test_rfc1421_headers() -> None:
    block = pem_blocks(load_vector("asn1crypto/keys/test-aes128.key"))[0]
    assert block.label == "RSA PRIVATE KEY"
    assert dict(block.headers) == {
        "Proc-Type": "4,ENCRYPTED",
        "DEK-Info": "AES-128-CBC,01F6EE04516C912788B11BD7377626C2",
    }
    assert len(block.der) % 16 == 0


def test_header_continuation_lines() -> None:
    pem = (
        b"-----BEGIN X-----\r\nComment: one\r\n  two\r\nProc-Type: 4,ENCRYPTED\r\n\r\n"
        + base64.b64encode(DER)
        + b"\r\n-----END X-----\r\n"
    )
    (block,) = pem_blocks(pem)
    assert dict(block.headers) == {"Comment": "one two", "Proc-Type": "4,ENCRYPTED"}
    assert block.der == DER


def test_tuple_unpacking() -> None:
    label, der, headers = pem_blocks(pem_encode("CMS", DER))[0]
    assert (label, der, headers) == ("CMS", DER, {})
    assert isinstance(pem_blocks(pem_encode("CMS", DER))[0], PemBlock)


def test_is_pem() -> None:
    assert is_pem(pem_encode("CMS", DER))
    assert is_pem(b"text before\n" + pem_encode("CMS", DER))
    assert not is_pem(b"\x30\x03\x02\x01\x00")
    assert not is_pem(b"xx-----BEGIN CMS-----\n")  # not at the start of a line
    assert not is_pem(b"-----BEGIN  CMS-----\n")  # two spaces
    assert not is_pem(b"")


def test_no_blocks() -> None:
    assert pem_blocks(b"") == []
    assert pem_blocks(b"just text\n-----END X-----\n") == []


def _error(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        pem_blocks(data)
    return info.value


def test_missing_end() -> None:
    err = _error(b"junk\n-----BEGIN CMS-----\nAAAA\n")
    assert "no END line" in str(err) and err.offset == 5


def test_label_mismatch() -> None:
    data = b"-----BEGIN CMS-----\nAAAA\n-----END PKCS7-----\n"
    err = _error(data)
    assert "'PKCS7'" in str(err) and err.offset == data.index(b"-----END")


def test_non_alphabet_character_names_line_and_offset() -> None:
    data = b"-----BEGIN CMS-----\nAAAA\nAA*A\n-----END CMS-----\n"
    err = _error(data)
    assert err.offset == data.index(b"*")
    assert "line 3" in str(err) and "'*'" in str(err)
    data = b"-----BEGIN CMS-----\r\nAAAA\r\nAAA\xffA\r\n-----END CMS-----\r\n"
    err = _error(data)
    assert err.offset == data.index(b"\xff") and "line 3" in str(err)


@pytest.mark.parametrize(
    "body",
    [b"AAA", b"AA=A", b"A===", b"AAAA=", b"AA==AAAA", b"A"],
)
def test_bad_padding_or_length(body: bytes) -> None:
    _error(b"-----BEGIN CMS-----\n" + body + b"\n-----END CMS-----\n")


def test_malformed_and_duplicate_headers() -> None:
    _error(b"-----BEGIN X-----\n: no name\n\nAAAA\n-----END X-----\n")
    _error(b"-----BEGIN X-----\nA: 1\nA: 2\n\nAAAA\n-----END X-----\n")


def test_nested_begin_is_an_error() -> None:
    _error(b"-----BEGIN A-----\n-----BEGIN B-----\nAAAA\n-----END B-----\n-----END A-----\n")


def test_size_limit() -> None:
    data = pem_encode("CMS", DER)
    with pytest.raises(LimitExceeded):
        pem_blocks(data, limits=Limits(max_input_size=len(data) - 1))
    assert pem_blocks(data, limits=Limits(max_input_size=len(data)))[0].der == DER


@given(data=st.binary(max_size=400), cut=st.integers(0, 2000))
def test_garbage_and_truncation_raise_only_smime_errors(data: bytes, cut: int) -> None:
    pem = pem_encode("CMS", data)
    for candidate in (pem[:cut], data, pem[:cut] + data):
        with contextlib.suppress(SmimeError):
            pem_blocks(candidate)


def test_large_input_is_linear() -> None:
    # 8 MB of base64 in one block, and 200k lines of text without a block.
    big = pem_encode("CMS", b"\x00" * (6 * 1024 * 1024))
    start = time.perf_counter()
    assert len(pem_blocks(big)[0].der) == 6 * 1024 * 1024
    assert pem_blocks(b"-----BEG\n" * 200_000) == []
    assert time.perf_counter() - start < 10


@pytest.mark.interop
def test_openssl_reads_our_pem(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    der = openssl(["genpkey", "-algorithm", "ed25519", "-outform", "DER"]).stdout
    path = tmp_path / "key.pem"
    path.write_bytes(pem_encode("PRIVATE KEY", der))
    out = openssl(["pkey", "-in", path, "-outform", "DER"]).stdout
    assert out == der
    # and we read OpenSSL's PEM
    pem = openssl(["pkey", "-in", path]).stdout
    assert pem_blocks(pem)[0].der == der
