"""AES key wrap (RFC 3394), with padding (RFC 5649), PWRI-KEK (RFC 3211), 3DES wrap (RFC 3217)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import ciphers, kdf, keywrap
from smimelib.crypto.algorithms import LEGACY_POLICY, Kind, lookup
from smimelib.crypto.keywrap import (
    aes_key_unwrap,
    aes_key_unwrap_pad,
    aes_key_wrap,
    aes_key_wrap_pad,
    cms3des_unwrap,
    pwri_kek_algorithm,
    pwri_unwrap,
    pwri_wrap,
    unwrap,
    wrap,
    wrap_algorithm,
)
from smimelib.errors import DecodeError, DecryptionError, PolicyError, UsageError
from tests.peers import openssl

KEY_DATA = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
KEK_256 = bytes(range(32))


@pytest.mark.parametrize(
    ("kek_len", "key_len", "expected"),
    [
        # RFC 3394 section 4.1 .. 4.6
        (16, 16, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"),
        (24, 16, "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"),
        (32, 16, "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"),
        (24, 24, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"),
        (32, 24, "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"),
        (
            32,
            32,
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
        ),
    ],
)
def test_aes_key_wrap_rfc3394(kek_len: int, key_len: int, expected: str) -> None:
    kek, key = KEK_256[:kek_len], KEY_DATA[:key_len]
    wrapped = aes_key_wrap(kek, key)
    assert wrapped.hex().upper() == expected
    assert aes_key_unwrap(kek, wrapped) == key
    alg = AlgorithmIdentifier(f"2.16.840.1.101.3.4.1.{5 + {16: 0, 24: 20, 32: 40}[kek_len]}")
    assert wrap(alg, kek, key) == wrapped
    assert unwrap(alg, kek, wrapped, expected_length=key_len) == key


RFC5649_KEK = bytes.fromhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # RFC 5649 section 6
        (
            "c37b7e6492584340bed12207808941155068f738",
            "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
        ),
        ("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"),
    ],
)
def test_aes_key_wrap_pad_rfc5649(key: str, expected: str) -> None:
    wrapped = aes_key_wrap_pad(RFC5649_KEK, bytes.fromhex(key))
    assert wrapped.hex() == expected
    assert aes_key_unwrap_pad(RFC5649_KEK, wrapped).hex() == key
    alg = wrap_algorithm("aes-192-wrap-pad")
    assert alg == AlgorithmIdentifier("2.16.840.1.101.3.4.1.28", None)
    assert unwrap(alg, RFC5649_KEK, wrapped) == bytes.fromhex(key)


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@given(st.binary(min_size=2, max_size=8).map(lambda b: b * 8), st.data())
def test_aes_key_wrap_tamper(key: bytes, data: st.DataObject) -> None:
    key = key[: len(key) - len(key) % 8]
    wrapped = aes_key_wrap(KEK_256, key)
    assert aes_key_unwrap(KEK_256, wrapped) == key
    bit = data.draw(st.integers(0, len(wrapped) * 8 - 1))
    with pytest.raises(DecryptionError) as info:
        aes_key_unwrap(KEK_256, _flip(wrapped, bit))
    assert str(info.value) == "decryption failed"


@given(st.binary(min_size=1, max_size=70), st.data())
def test_aes_key_wrap_pad_round_trip_and_tamper(key: bytes, data: st.DataObject) -> None:
    wrapped = aes_key_wrap_pad(KEK_256[:16], key)
    assert aes_key_unwrap_pad(KEK_256[:16], wrapped) == key
    bit = data.draw(st.integers(0, len(wrapped) * 8 - 1))
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        aes_key_unwrap_pad(KEK_256[:16], _flip(wrapped, bit))


def test_unwrap_failures_are_uniform() -> None:
    wrapped = aes_key_wrap(KEK_256, KEY_DATA)
    alg = wrap_algorithm("aes-256-wrap")
    failures: list[tuple[bytes, bytes, int | None]] = [
        (bytes(32), wrapped, None),  # wrong KEK
        (KEK_256, wrapped[:-8], None),  # truncated
        (KEK_256, wrapped + b"\x00", None),  # not a multiple of 8
        (KEK_256, b"", None),
        (KEK_256, wrapped, 16),  # wrong CEK size
    ]
    for kek, data, length in failures:
        with pytest.raises(DecryptionError) as info:
            unwrap(alg, kek, data, expected_length=length)
        assert str(info.value) == "decryption failed"
        # nothing of the underlying failure leaks through the exception chain
        exc = info.value
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_wrap_parameters() -> None:
    wrapped = aes_key_wrap(KEK_256, KEY_DATA[:16])
    # NULL parameters tolerated on input (FIELD-NOTES row 9)
    null_alg = AlgorithmIdentifier("2.16.840.1.101.3.4.1.45", NULL)
    assert unwrap(null_alg, KEK_256, wrapped) == KEY_DATA[:16]
    junk = AlgorithmIdentifier("2.16.840.1.101.3.4.1.45", der.encode_octets(b"x"))
    with pytest.raises(DecodeError, match="absent"):
        unwrap(junk, KEK_256, wrapped)
    # a KEK of the wrong size for the OID is a caller error
    with pytest.raises(UsageError):
        unwrap(wrap_algorithm("aes-128-wrap"), KEK_256, wrapped)
    with pytest.raises(UsageError):
        wrap(wrap_algorithm("aes-128-wrap"), KEK_256, KEY_DATA)
    with pytest.raises(UsageError):
        aes_key_wrap(KEK_256, b"\x00" * 12)
    with pytest.raises(UsageError):
        wrap_algorithm("aes-128-cbc")
    assert keywrap.kek_size(wrap_algorithm("aes-192-wrap")) == 24
    assert lookup("2.16.840.1.101.3.4.1.5").kind is Kind.KEY_WRAP


# -- Triple-DES key wrap (RFC 3217) -------------------------------------------------------------

RFC3217_KEK = bytes.fromhex("255e0d1c07b646dfb3134cc843ba8aa71f025b7c0838251f")
RFC3217_CEK = bytes.fromhex("2923bf85e06dd6ae529149f1f1bae9eab3a7da3d860d3e98")
RFC3217_RESULT = bytes.fromhex(
    "690107618ef092b3b48ca1796b234ae9fa33ebb4159604037db5d6a84eb3aac2768c632775a467d4"
)


def test_cms3des_unwrap_rfc3217_example() -> None:
    # RFC 3217 section 3.4
    assert cms3des_unwrap(RFC3217_KEK, RFC3217_RESULT) == RFC3217_CEK
    alg = AlgorithmIdentifier(keywrap.CMS3DES_WRAP, NULL)
    assert unwrap(alg, RFC3217_KEK, RFC3217_RESULT, policy=LEGACY_POLICY) == RFC3217_CEK
    with pytest.raises(PolicyError):
        unwrap(alg, RFC3217_KEK, RFC3217_RESULT)
    with pytest.raises(PolicyError):
        wrap(alg, RFC3217_KEK, RFC3217_CEK)
    for bad in (RFC3217_RESULT[:-8], _flip(RFC3217_RESULT, 3), _flip(RFC3217_RESULT, 300)):
        with pytest.raises(DecryptionError, match=r"^decryption failed$"):
            cms3des_unwrap(RFC3217_KEK, bad)


# -- PWRI-KEK (RFC 3211) --------------------------------------------------------------------------


def _format_check(formatted_len: int, inner: AlgorithmIdentifier, kek: bytes, cek: bytes) -> None:
    wrapped = pwri_wrap(kek, cek, inner)
    assert len(wrapped) == formatted_len
    assert pwri_unwrap(kek, wrapped, inner, expected_length=len(cek)) == cek


def test_pwri_wrap_sizes() -> None:
    kek = bytes(range(16))
    inner = ciphers.content_algorithm("aes-128-cbc")
    # 1 + 3 + 16 = 20 octets -> two AES blocks; 1 + 3 + 32 = 36 -> three blocks
    _format_check(32, inner, kek, bytes(16))
    _format_check(48, inner, kek, bytes(range(32)))
    # a 5-octet key still takes two blocks (RFC 3211 2.3.1 step 4)
    _format_check(32, inner, kek, b"\x01\x02\x03\x04\x05")


def test_pwri_by_algorithm_identifier() -> None:
    kek = bytes(range(32))
    alg = pwri_kek_algorithm("aes-256-cbc")
    inner = AlgorithmIdentifier.from_der(alg.parameters or b"")
    assert inner.oid == "2.16.840.1.101.3.4.1.42"
    assert keywrap.kek_size(alg) == 32
    cek = bytes(range(100, 116))
    wrapped = wrap(alg, kek, cek)
    assert unwrap(alg, kek, wrapped, expected_length=16) == cek
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        unwrap(alg, kek, wrapped, expected_length=32)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        unwrap(alg, bytes(32), wrapped)
    with pytest.raises(DecodeError):
        unwrap(AlgorithmIdentifier(keywrap.PWRI_KEK, None), kek, wrapped)


@given(st.binary(min_size=5, max_size=64), st.data())
def test_pwri_tamper(cek: bytes, data: st.DataObject) -> None:
    kek = bytes(range(16))
    inner = AlgorithmIdentifier("2.16.840.1.101.3.4.1.2", der.encode_octets(bytes(16)))
    wrapped = pwri_wrap(kek, cek, inner)
    assert pwri_unwrap(kek, wrapped, inner) == cek
    bit = data.draw(st.integers(0, len(wrapped) * 8 - 1))
    # The format check catches most corruptions; the rest must at least change the key.
    try:
        assert pwri_unwrap(kek, _flip(wrapped, bit), inner, expected_length=len(cek)) != cek
    except DecryptionError as exc:
        assert str(exc) == "decryption failed"


def test_pwri_3des_inner_needs_legacy_policy() -> None:
    from Crypto.Cipher import DES3

    kek = DES3.adjust_key_parity(bytes(range(1, 25)))
    iv = bytes(range(8))
    inner = AlgorithmIdentifier("1.2.840.113549.3.7", der.encode_octets(iv))
    cek = bytes(range(50, 66))
    # wrap by hand (RFC 3211 2.3.1) since smimelib never writes 3DES
    formatted = bytes([16]) + bytes(b ^ 0xFF for b in cek[:3]) + cek + b"\x00" * 4
    first = DES3.new(kek, DES3.MODE_CBC, iv=iv).encrypt(formatted)
    wrapped = DES3.new(kek, DES3.MODE_CBC, iv=first[-8:]).encrypt(first)
    assert pwri_unwrap(kek, wrapped, inner, policy=LEGACY_POLICY) == cek
    with pytest.raises(PolicyError):
        pwri_unwrap(kek, wrapped, inner)
    with pytest.raises(PolicyError):
        pwri_wrap(kek, cek, inner)


@pytest.mark.interop
@pytest.mark.parametrize("cipher", ["-aes128", "-aes256", "-des3"])
def test_openssl_pwri(tmp_path: Path, cipher: str) -> None:
    """Unwrap the CEK of an OpenSSL PasswordRecipientInfo and decrypt the content."""
    content = b"PWRI interop content\n" * 5
    (tmp_path / "in.txt").write_bytes(content)
    openssl(
        ["cms", "-encrypt", "-binary", "-in", tmp_path / "in.txt", "-outform", "DER",
         "-out", tmp_path / "out.der", "-pwri_password", "pässword", cipher]
    )  # fmt: skip
    ci = tlv.parse_one((tmp_path / "out.der").read_bytes()).children()
    enveloped = ci[1].children()[0].children()
    pwri = enveloped[1].children()[0]  # RecipientInfos SET, [3] PasswordRecipientInfo
    assert pwri.tag == tlv.Tag.context(3, constructed=True)
    _version, kdf_elem, kek_alg_elem, encrypted_key = pwri.children()
    kdf_alg = AlgorithmIdentifier(kdf_elem.children()[0].as_oid(), kdf_elem.children()[1].raw)
    kek_alg = AlgorithmIdentifier.from_element(kek_alg_elem)
    params = kdf.pbkdf2_from_algorithm(kdf_alg)
    kek = params.derive("pässword".encode(), keywrap.kek_size(kek_alg), policy=LEGACY_POLICY)
    eci = enveloped[2].children()
    content_alg = AlgorithmIdentifier.from_element(eci[1])
    size = ciphers.key_size(content_alg)
    cek = unwrap(
        kek_alg, kek, encrypted_key.as_octets(), expected_length=size, policy=LEGACY_POLICY
    )
    plain = ciphers.decrypt(content_alg, cek, eci[2].as_octets(implicit=True), policy=LEGACY_POLICY)
    assert plain == content
    with pytest.raises(DecryptionError):
        unwrap(kek_alg, bytes(len(kek)), encrypted_key.as_octets(), policy=LEGACY_POLICY)
