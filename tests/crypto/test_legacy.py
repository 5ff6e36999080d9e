"""Legacy decrypt-only ciphers: DES-EDE3-CBC, DES-CBC, RC2-CBC (and RC4 for PKCS #12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from Crypto.Cipher import ARC2, DES, DES3
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto import legacy
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Flag, Policy, lookup
from smimelib.crypto.ciphers import content_decryptor, decrypt
from smimelib.crypto.legacy import (
    parse_rc2_parameters,
    rc2_cbc_decryptor,
    rc2_effective_bits,
    rc2_version,
    rc4_decrypt,
)
from smimelib.errors import DecodeError, DecryptionError, PolicyError, UnsupportedAlgorithm
from tests.peers import openssl
from tests.vectors import load_vector

LEGACY_ONLY = Policy(allow_legacy=True)


def test_registry_flags() -> None:
    assert lookup(legacy.DES_EDE3_CBC).flags == Flag.LEGACY | Flag.CONSUME_ONLY
    assert lookup(legacy.RC2_CBC).flags == Flag.LEGACY | Flag.CONSUME_ONLY
    assert lookup(legacy.DES_CBC).flags == Flag.WEAK | Flag.CONSUME_ONLY
    assert lookup(legacy.DES_EDE3_CBC).key_size == 24


# -- RC2 (RFC 2268) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "bits", "plaintext", "ciphertext"),
    [
        # RFC 2268 section 5, all eight test vectors
        ("0000000000000000", 63, "0000000000000000", "ebb773f993278eff"),
        ("ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"),
        ("3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"),
        ("88", 64, "0000000000000000", "61a8a244adacccf0"),
        ("88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"),
        ("88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"),
        ("88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"),
        (
            "88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e",
            129,
            "0000000000000000",
            "5b78d3a43dfff1f1",
        ),
    ],
)
def test_rc2_rfc2268_vectors(key: str, bits: int, plaintext: str, ciphertext: str) -> None:
    alg = AlgorithmIdentifier(legacy.RC2_CBC)
    dec = rc2_cbc_decryptor(bytes.fromhex(key), bits, bytes(8), algorithm=alg)
    # With a zero IV the first CBC block is the raw block cipher; the decryptor holds
    # back the last block, so a second (ignored) block releases the first.
    assert dec.update(bytes.fromhex(ciphertext) + bytes(8)).hex() == plaintext


def test_rc2_version_table() -> None:
    # RFC 3370 section 5.2 / RFC 2268 section 6
    assert rc2_version(40) == 160 and rc2_effective_bits(160) == 40
    assert rc2_version(64) == 120 and rc2_effective_bits(120) == 64
    assert rc2_version(128) == 58 and rc2_effective_bits(58) == 128
    assert rc2_version(56) == 52
    assert rc2_version(256) == 256 and rc2_effective_bits(1024) == 1024
    assert [rc2_effective_bits(rc2_version(b)) for b in range(1, 1025)] == list(range(1, 1025))
    with pytest.raises(DecodeError):
        rc2_effective_bits(1025)
    with pytest.raises(DecodeError):
        rc2_effective_bits(-1)
    with pytest.raises(UnsupportedAlgorithm):
        rc2_version(0)


IV8 = bytes(range(8))


def test_rc2_parameter_forms() -> None:
    iv = der.encode_octets(IV8)
    # version 160 must be two octets (00 A0), RFC 3370 section 5.2
    assert der.encode_int(160) == b"\x02\x02\x00\xa0"
    assert parse_rc2_parameters(der.sequence(der.encode_int(160), iv)) == (40, IV8)
    assert parse_rc2_parameters(der.sequence(der.encode_int(58), iv)) == (128, IV8)
    assert parse_rc2_parameters(der.sequence(der.encode_int(512), iv)) == (512, IV8)
    # bare IV and version absent: 32 effective bits (RFC 2268 section 6)
    assert parse_rc2_parameters(iv) == (32, IV8)
    assert parse_rc2_parameters(der.sequence(iv)) == (32, IV8)
    for bad in (
        None,
        der.encode_octets(bytes(7)),
        der.sequence(der.encode_int(58), der.encode_octets(bytes(16))),
        der.sequence(der.encode_int(2000), iv),
        der.sequence(der.encode_octets(b"x"), iv),
        der.sequence(),
        der.encode_null(),
    ):
        with pytest.raises(DecodeError):
            parse_rc2_parameters(bad)


def _pad(data: bytes) -> bytes:
    n = 8 - len(data) % 8
    return data + bytes([n]) * n


def _rc2_alg(bits: int) -> AlgorithmIdentifier:
    return AlgorithmIdentifier(
        legacy.RC2_CBC, der.sequence(der.encode_int(rc2_version(bits)), der.encode_octets(IV8))
    )


@given(st.binary(max_size=100), st.sampled_from([40, 64, 128]), st.integers(1, 50))
def test_rc2_round_trip(data: bytes, bits: int, cut: int) -> None:
    key = bytes(range(1, 17))[: max(bits // 8, 5)]
    ciphertext = ARC2.new(key, ARC2.MODE_CBC, iv=IV8, effective_keylen=bits).encrypt(_pad(data))
    dec = content_decryptor(_rc2_alg(bits), key, policy=LEGACY_POLICY)
    assert dec.update(ciphertext[:cut]) + dec.update(ciphertext[cut:]) + dec.finalize() == data


def test_rc2_policy() -> None:
    key = bytes(range(16))
    ciphertext = ARC2.new(key, ARC2.MODE_CBC, iv=IV8, effective_keylen=128).encrypt(_pad(b"x"))
    assert decrypt(_rc2_alg(128), key, ciphertext, policy=LEGACY_ONLY) == b"x"
    with pytest.raises(PolicyError):
        decrypt(_rc2_alg(128), key, ciphertext)
    # 40 effective bits is weak as well as legacy
    with pytest.raises(PolicyError, match="40 effective key bits"):
        decrypt(_rc2_alg(40), key[:5], ciphertext, policy=LEGACY_ONLY)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(_rc2_alg(128), b"", ciphertext, policy=LEGACY_POLICY)


# -- DES and 3DES ---------------------------------------------------------------------------------

KEY24 = DES3.adjust_key_parity(bytes(range(1, 25)))


def _iv_alg(oid: str, iv: bytes = IV8) -> AlgorithmIdentifier:
    return AlgorithmIdentifier(oid, der.encode_octets(iv))


@given(st.binary(max_size=100), st.lists(st.integers(0, 120), max_size=4))
def test_3des_and_des_round_trip(data: bytes, cuts: list[int]) -> None:
    for oid, cipher, key in (
        (legacy.DES_EDE3_CBC, DES3.new(KEY24, DES3.MODE_CBC, iv=IV8), KEY24),
        (legacy.DES_CBC, DES.new(KEY24[:8], DES.MODE_CBC, iv=IV8), KEY24[:8]),
    ):
        ciphertext = cipher.encrypt(_pad(data))
        dec = content_decryptor(_iv_alg(oid), key, policy=LEGACY_POLICY)
        out, last = b"", 0
        for cut in sorted(c % (len(ciphertext) + 1) for c in cuts):
            out += dec.update(ciphertext[last:cut])
            last = cut
        assert out + dec.update(ciphertext[last:]) + dec.finalize() == data


def test_des_policies_and_failures() -> None:
    ciphertext = DES3.new(KEY24, DES3.MODE_CBC, iv=IV8).encrypt(_pad(b"abc"))
    alg = _iv_alg(legacy.DES_EDE3_CBC)
    assert decrypt(alg, KEY24, ciphertext, policy=LEGACY_ONLY) == b"abc"
    with pytest.raises(PolicyError):
        decrypt(alg, KEY24, ciphertext, policy=DEFAULT_POLICY)
    # single DES is weak: allow_legacy is not enough
    des = _iv_alg(legacy.DES_CBC)
    with pytest.raises(PolicyError):
        decrypt(des, KEY24[:8], ciphertext[:8], policy=LEGACY_ONLY)
    failures = [
        (alg, KEY24[:16], ciphertext),  # des-ede3-cbc needs three keys
        (alg, KEY24[:8] * 3, ciphertext),  # degenerates to single DES
        (alg, bytes(24), ciphertext),  # wrong key: bad padding
        (alg, KEY24, ciphertext[:-1]),
        (des, KEY24, ciphertext),  # wrong key length
    ]
    for fail_alg, key, data in failures:
        with pytest.raises(DecryptionError, match=r"^decryption failed$"):
            decrypt(fail_alg, key, data, policy=LEGACY_POLICY)
    for bad_iv in (bytes(16), bytes(7)):
        with pytest.raises(DecodeError):
            content_decryptor(_iv_alg(legacy.DES_EDE3_CBC, bad_iv), KEY24, policy=LEGACY_POLICY)
    with pytest.raises(DecodeError):
        content_decryptor(AlgorithmIdentifier(legacy.DES_EDE3_CBC), KEY24, policy=LEGACY_POLICY)


def test_rfc4134_encrypted_data_3des() -> None:
    # RFC 4134 section 7.1: EncryptedData with 3DES-CBC under a published key
    ci = tlv.parse_one(load_vector("rfc4134/7.1.bin")).children()
    encrypted_data = ci[1].children()[0].children()
    eci = encrypted_data[1].children()
    alg = AlgorithmIdentifier.from_element(eci[1])
    assert alg.oid == legacy.DES_EDE3_CBC
    key = bytes.fromhex("737c791f25ead0e04629254352f7dc6291e5cb26917ada32")
    plaintext = decrypt(alg, key, eci[2].as_octets(implicit=True), policy=LEGACY_POLICY)
    assert plaintext == load_vector("rfc4134/ExContent.bin")


def test_rc4() -> None:
    # RFC 6229 section 2, 40-bit key 0x0102030405: the first 16 octets of keystream
    assert rc4_decrypt(bytes.fromhex("0102030405"), bytes(16)).hex() == (
        "b2396305f03dc027ccc3524a0a1118a8"
    )
    with pytest.raises(DecryptionError):
        rc4_decrypt(b"", b"x")


# -- OpenSSL interop -------------------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize(
    ("cipher", "oid", "key_len", "params", "providers"),
    [
        ("des-ede3-cbc", legacy.DES_EDE3_CBC, 24, None, False),
        ("des-cbc", legacy.DES_CBC, 8, None, True),
        ("rc2-cbc", legacy.RC2_CBC, 16, 128, True),
        ("rc2-64-cbc", legacy.RC2_CBC, 8, 64, True),
        ("rc2-40-cbc", legacy.RC2_CBC, 5, 40, True),
    ],
)
def test_openssl_enc(
    tmp_path: Path, cipher: str, oid: str, key_len: int, params: int | None, providers: bool
) -> None:
    key = bytes(range(0x41, 0x41 + key_len))
    data = b"legacy content " * 9
    (tmp_path / "plain").write_bytes(data)
    extra = ["-provider", "legacy", "-provider", "default"] if providers else []
    ciphertext = openssl(
        ["enc", f"-{cipher}", "-e", "-in", tmp_path / "plain", "-K", key.hex(), "-iv", IV8.hex(),
         *extra]
    ).stdout  # fmt: skip
    alg = _rc2_alg(params) if params is not None else _iv_alg(oid)
    assert decrypt(alg, key, ciphertext, policy=LEGACY_POLICY) == data
