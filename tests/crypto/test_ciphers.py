"""Content ciphers: AES-CBC/GCM/CCM and ChaCha20-Poly1305 with strict parameters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import LEGACY_POLICY, Kind, lookup, lookup_name
from smimelib.crypto.ciphers import (
    content_algorithm,
    content_decryptor,
    content_encryptor,
    decrypt,
    encrypt,
    generate_key,
    key_size,
)
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    PolicyError,
    UnsupportedAlgorithm,
    UsageError,
)
from tests.peers import openssl

AES_CBC = {
    16: "2.16.840.1.101.3.4.1.2",
    24: "2.16.840.1.101.3.4.1.22",
    32: "2.16.840.1.101.3.4.1.42",
}
AES_GCM = {
    16: "2.16.840.1.101.3.4.1.6",
    24: "2.16.840.1.101.3.4.1.26",
    32: "2.16.840.1.101.3.4.1.46",
}
AES_CCM = {
    16: "2.16.840.1.101.3.4.1.7",
    24: "2.16.840.1.101.3.4.1.27",
    32: "2.16.840.1.101.3.4.1.47",
}
CHACHA = "1.2.840.113549.1.9.16.3.18"
ALL_NAMES = [
    *(f"aes-{bits}-{mode}" for mode in ("cbc", "gcm", "ccm") for bits in (128, 192, 256)),
    "chacha20-poly1305",
]


def _gcm(key_len: int, nonce: bytes, icv: int | None = None) -> AlgorithmIdentifier:
    parts = [der.encode_octets(nonce)] + ([der.encode_int(icv)] if icv is not None else [])
    return AlgorithmIdentifier(AES_GCM[key_len], der.sequence(*parts))


def _ccm(key_len: int, nonce: bytes, icv: int | None = None) -> AlgorithmIdentifier:
    parts = [der.encode_octets(nonce)] + ([der.encode_int(icv)] if icv is not None else [])
    return AlgorithmIdentifier(AES_CCM[key_len], der.sequence(*parts))


# -- registry --------------------------------------------------------------------------------


def test_registry() -> None:
    assert lookup(AES_CBC[16]).kind is Kind.CONTENT_CIPHER
    assert lookup(AES_GCM[32]).kind is Kind.AEAD
    assert lookup(AES_CCM[24]).kind is Kind.AEAD
    assert lookup(CHACHA).kind is Kind.AEAD
    assert lookup_name("aes-192-gcm").key_size == 24
    assert lookup_name("id-aes256-CBC").oid == AES_CBC[32]
    assert key_size("chacha20-poly1305") == 32
    assert key_size(AES_CCM[16]) == 16
    assert len(generate_key(content_algorithm("aes-256-gcm"))) == 32


# -- known answers ------------------------------------------------------------------------------


GCM_KEY = bytes.fromhex("feffe9928665731c6d6a8f9467308308")
GCM_IV = bytes.fromhex("cafebabefacedbaddecaf888")
GCM_P = bytes.fromhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
GCM_A = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")


@pytest.mark.parametrize(
    ("key", "plaintext", "aad", "ciphertext", "tag"),
    [
        # McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test case 3
        (
            GCM_KEY,
            GCM_P,
            b"",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4",
        ),
        # test case 4 (with additional authenticated data)
        (
            GCM_KEY,
            GCM_P[:60],
            GCM_A,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
        # test case 16 (AES-256, with additional authenticated data)
        (
            GCM_KEY * 2,
            GCM_P[:60],
            GCM_A,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ],
)
def test_aes_gcm_known_answers(
    key: bytes, plaintext: bytes, aad: bytes, ciphertext: str, tag: str
) -> None:
    alg = _gcm(len(key), GCM_IV, 16)
    assert encrypt(alg, key, plaintext, aad=aad) == (bytes.fromhex(ciphertext), bytes.fromhex(tag))
    assert (
        decrypt(alg, key, bytes.fromhex(ciphertext), tag=bytes.fromhex(tag), aad=aad) == plaintext
    )
    # a 12-octet ICV is the first 12 octets of the tag (RFC 5084 DEFAULT)
    short = _gcm(len(key), GCM_IV)
    assert encrypt(short, key, plaintext, aad=aad)[1] == bytes.fromhex(tag)[:12]


def test_chacha20_poly1305_rfc8439() -> None:
    # RFC 8439 section 2.8.2
    key = bytes(range(0x80, 0xA0))
    nonce = bytes.fromhex("070000004041424344454647")
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    plaintext = (
        b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        b"the future, sunscreen would be it."
    )
    ciphertext = bytes.fromhex(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116"
    )
    tag = bytes.fromhex("1ae10b594f09e26a7e902ecbd0600691")
    alg = content_algorithm("chacha20-poly1305", nonce)
    assert alg == AlgorithmIdentifier(CHACHA, der.encode_octets(nonce))
    assert encrypt(alg, key, plaintext, aad=aad) == (ciphertext, tag)
    assert decrypt(alg, key, ciphertext, tag=tag, aad=aad) == plaintext


def test_aes_ccm_rfc3610_packet_vector_1() -> None:
    # RFC 3610 section 8, packet vector #1: 13-octet nonce, 8-octet tag, 8 octets of AAD
    key = bytes(range(0xC0, 0xD0))
    nonce = bytes.fromhex("00000003020100a0a1a2a3a4a5")
    aad = bytes(range(8))
    plaintext = bytes(range(8, 0x1F))
    expected = bytes.fromhex("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384")
    tag = bytes.fromhex("17e8d12cfdf926e0")
    alg = _ccm(16, nonce, 8)
    assert encrypt(alg, key, plaintext, aad=aad) == (expected, tag)
    assert decrypt(alg, key, expected, tag=tag, aad=aad) == plaintext
    # streaming without a known length buffers until the end
    dec = content_decryptor(alg, key, aad=aad)
    assert dec.update(expected[:5]) + dec.update(expected[5:]) == b""
    assert dec.verify(tag) == plaintext


def test_aes_cbc_sp800_38a() -> None:
    # NIST SP 800-38A appendix F.2.1 (CBC-AES128.Encrypt), first two blocks
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    iv = bytes(range(16))
    plaintext = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
    expected = bytes.fromhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")
    alg = content_algorithm("aes-128-cbc", iv)
    assert alg == AlgorithmIdentifier(AES_CBC[16], der.encode_octets(iv))
    ciphertext, tag = encrypt(alg, key, plaintext)
    assert tag == b""
    # PKCS #7 padding adds a whole block (RFC 5652 section 6.3)
    assert ciphertext[:32] == expected and len(ciphertext) == 48
    assert decrypt(alg, key, ciphertext) == plaintext


# -- parameter encoding ----------------------------------------------------------------------------


def test_content_algorithm_encodings() -> None:
    nonce = bytes(range(12))
    # GCM: we write ICVlen 16 explicitly; the DEFAULT 12 is omitted (X.690 11.5)
    assert content_algorithm("aes-256-gcm", nonce) == _gcm(32, nonce, 16)
    assert content_algorithm("aes-128-gcm", nonce, icv_len=12) == _gcm(16, nonce)
    assert content_algorithm("aes-128-ccm", nonce[:7], icv_len=8) == _ccm(16, nonce[:7], 8)
    assert content_algorithm("aes-192-ccm", nonce, icv_len=12) == _ccm(24, nonce)
    fresh = [content_algorithm("aes-128-gcm") for _ in range(3)]
    assert len({alg.parameters for alg in fresh}) == 3  # random nonces
    bad_arguments: list[tuple[str, bytes | None, int | None]] = [
        ("aes-128-gcm", bytes(16), None),
        ("aes-128-gcm", None, 11),
        ("aes-128-ccm", bytes(6), None),
        ("aes-128-ccm", None, 5),
        ("aes-128-cbc", bytes(8), None),
        ("aes-128-cbc", None, 16),
        ("chacha20-poly1305", bytes(8), None),
    ]
    for name, nonce_or_iv, icv in bad_arguments:
        with pytest.raises(UsageError):
            content_algorithm(name, nonce_or_iv, icv_len=icv)
    with pytest.raises(PolicyError):
        content_algorithm("des-ede3-cbc")
    with pytest.raises(UnsupportedAlgorithm):
        content_algorithm("aes-128-wrap")


KEY16 = bytes(range(16))


@pytest.mark.parametrize(
    ("alg", "what"),
    [
        # THREATS 4.1 / CVE-2025-15467: exact lengths
        (_gcm(16, bytes(16)), "GCM nonce of 16 octets"),
        (_gcm(16, bytes(4096)), "GCM nonce of 4096 octets"),
        (_gcm(16, bytes(12), 1), "ICVlen 1"),
        (_gcm(16, bytes(12), 11), "ICVlen 11"),
        (_gcm(16, bytes(12), 17), "ICVlen 17"),
        (_ccm(16, bytes(6)), "CCM nonce of 6 octets"),
        (_ccm(16, bytes(14)), "CCM nonce of 14 octets"),
        (_ccm(16, bytes(12), 5), "CCM ICVlen 5"),
        (AlgorithmIdentifier(AES_CBC[16], der.encode_octets(bytes(64))), "CBC IV of 64 octets"),
        (AlgorithmIdentifier(AES_CBC[16], der.encode_octets(bytes(15))), "CBC IV of 15 octets"),
        (AlgorithmIdentifier(AES_CBC[16], None), "CBC IV absent"),
        (AlgorithmIdentifier(AES_CBC[16], NULL), "CBC IV NULL"),
        (AlgorithmIdentifier(AES_GCM[16], der.encode_octets(bytes(12))), "GCM bare nonce"),
        (AlgorithmIdentifier(AES_GCM[16], der.sequence()), "GCMParameters empty"),
        (
            AlgorithmIdentifier(
                AES_GCM[16],
                der.sequence(der.encode_octets(bytes(12)), der.encode_int(16), der.encode_int(1)),
            ),
            "GCMParameters with 3 fields",
        ),
        (
            AlgorithmIdentifier(
                AES_GCM[16], der.sequence(der.encode_octets(bytes(12)), der.encode_octets(b"x"))
            ),
            "ICVlen not an INTEGER",
        ),
        (AlgorithmIdentifier(CHACHA, der.encode_octets(bytes(8))), "ChaCha20 nonce of 8 octets"),
        (AlgorithmIdentifier(CHACHA, None), "ChaCha20 nonce absent"),
        (AlgorithmIdentifier(AES_CBC[16], b"\x04\x10" + bytes(8)), "truncated IV"),
    ],
)
def test_strict_parameters(alg: AlgorithmIdentifier, what: str) -> None:
    key = bytes(32) if alg.oid == CHACHA else KEY16
    with pytest.raises(DecodeError):
        content_decryptor(alg, key)
    with pytest.raises(UsageError):
        content_encryptor(alg, key)


def test_explicit_default_icvlen_is_read() -> None:
    # BER allows the DEFAULT to be encoded; it means the same as absent
    explicit = _gcm(16, bytes(12), 12)
    ciphertext, tag = encrypt(_gcm(16, bytes(12)), KEY16, b"data")
    assert len(tag) == 12
    assert decrypt(explicit, KEY16, ciphertext, tag=tag) == b"data"


# -- key length --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_NAMES)
def test_wrong_key_length(name: str) -> None:
    alg = content_algorithm(name)
    size = key_size(alg)
    for bad in (size - 8, size + 8, 0):
        # a sender-controlled CEK of the wrong length fails like any other decryption
        # (FIELD-NOTES: a BouncyCastle sample has a 24-octet key under AES-128)
        with pytest.raises(DecryptionError, match=r"^decryption failed$"):
            content_decryptor(alg, bytes(max(bad, 0)))
        with pytest.raises(UsageError):
            content_encryptor(alg, bytes(max(bad, 0)))


# -- uniform failures ------------------------------------------------------------------------------


def _failure(call: Callable[[], object]) -> DecryptionError:
    with pytest.raises(DecryptionError) as info:
        call()
    return info.value


def test_every_failure_looks_the_same() -> None:
    # a fixed IV: with a random one, the wrong key and the zeroed last block below would
    # give valid padding by chance once in 256 runs (CBC has no integrity)
    cbc = content_algorithm("aes-256-cbc", bytes(range(16)))
    key = bytes(range(32))
    ciphertext, _ = encrypt(cbc, key, b"x" * 20)
    gcm = content_algorithm("aes-256-gcm")
    gct, tag = encrypt(gcm, key, b"x" * 20)
    errors = [
        _failure(lambda: decrypt(cbc, key, ciphertext[:-1])),  # not a whole block
        _failure(lambda: decrypt(cbc, key, b"")),  # nothing at all
        _failure(lambda: decrypt(cbc, bytes(32), ciphertext)),  # wrong key (bad padding)
        _failure(lambda: decrypt(cbc, key, ciphertext[:-16] + bytes(16))),  # bad padding
        _failure(lambda: decrypt(cbc, key[:16], ciphertext)),  # wrong key length
        _failure(lambda: decrypt(gcm, key, gct, tag=bytes(16))),  # bad tag
        _failure(lambda: decrypt(gcm, key, gct, tag=tag[:12])),  # short tag
        _failure(lambda: decrypt(gcm, bytes(32), gct, tag=tag)),  # wrong key
        _failure(lambda: decrypt(gcm, key, gct, tag=tag, aad=b"a")),  # wrong AAD
    ]
    assert {(type(e), str(e)) for e in errors} == {(DecryptionError, "decryption failed")}
    for exc in errors:
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


@pytest.mark.parametrize("pad", [bytes([0] * 16), bytes([17] * 16), bytes(15) + b"\x02"])
def test_cbc_padding_strict(pad: bytes) -> None:
    from Crypto.Cipher import AES

    iv = bytes(16)
    alg = content_algorithm("aes-128-cbc", iv)
    ciphertext = AES.new(KEY16, AES.MODE_CBC, iv=iv).encrypt(pad)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(alg, KEY16, ciphertext)


def test_cbc_holds_back_last_block() -> None:
    alg = content_algorithm("aes-128-cbc")
    ciphertext, _ = encrypt(alg, KEY16, b"a" * 40)  # 48 octets
    dec = content_decryptor(alg, KEY16)
    assert dec.update(ciphertext) == b"a" * 32
    assert dec.finalize() == b"a" * 8
    with pytest.raises(UsageError):
        dec.update(b"")


# -- API misuse ---------------------------------------------------------------------------------


def test_api_misuse() -> None:
    cbc = content_algorithm("aes-128-cbc")
    gcm = content_algorithm("aes-128-gcm")
    with pytest.raises(UsageError):
        content_encryptor(cbc, KEY16, aad=b"x")
    with pytest.raises(UsageError):
        content_decryptor(cbc, KEY16, aad=b"x")
    with pytest.raises(UsageError):
        content_encryptor(cbc, KEY16).finalize_tag()
    with pytest.raises(UsageError):
        content_decryptor(cbc, KEY16).verify(b"")
    with pytest.raises(UsageError):
        content_encryptor(gcm, KEY16).finalize_tag()  # before finalize()
    with pytest.raises(UsageError):
        content_decryptor(gcm, KEY16).finalize()  # AEAD ends with verify(tag)
    with pytest.raises(UsageError):
        decrypt(gcm, KEY16, b"")  # no tag
    with pytest.raises(UsageError):
        decrypt(cbc, KEY16, bytes(16), tag=b"")
    with pytest.raises(UnsupportedAlgorithm):
        content_decryptor(AlgorithmIdentifier("2.16.840.1.101.3.4.1.5"), KEY16)  # a key wrap
    with pytest.raises(UnsupportedAlgorithm):
        content_decryptor(AlgorithmIdentifier("1.2.3.4"), KEY16)
    with pytest.raises(PolicyError):
        content_encryptor(
            AlgorithmIdentifier("1.2.840.113549.3.7", der.encode_octets(bytes(8))), bytes(24)
        )
    with pytest.raises(UsageError):
        # a CCM message longer than declared
        enc = content_encryptor(_ccm(16, bytes(12)), KEY16, message_length=3)
        enc.update(b"toolong")
        enc.finalize()


def test_aead_flags() -> None:
    enc = content_encryptor(content_algorithm("aes-128-gcm"), KEY16)
    dec = content_decryptor(content_algorithm("aes-128-gcm", icv_len=13), KEY16)
    assert enc.aead and dec.aead and dec.tag_length == 13
    assert not content_decryptor(content_algorithm("aes-128-cbc"), KEY16).aead


# -- properties ------------------------------------------------------------------------------------


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in [*points, len(data)]:
        pieces.append(data[last:p])
        last = p
    return pieces


@given(
    st.sampled_from(ALL_NAMES),
    st.binary(max_size=300),
    st.binary(max_size=40),
    st.lists(st.integers(0, 400), max_size=6),
    st.lists(st.integers(0, 400), max_size=6),
    st.booleans(),
)
def test_round_trip_any_chunking(
    name: str, data: bytes, aad: bytes, cuts_in: list[int], cuts_out: list[int], known: bool
) -> None:
    alg = content_algorithm(name)
    key = generate_key(alg)
    aead = lookup(alg).kind is Kind.AEAD
    aad = aad if aead else b""
    length = len(data) if known else None
    enc = content_encryptor(alg, key, aad=aad, message_length=length)
    ciphertext = b"".join(enc.update(piece) for piece in _chunks(data, cuts_in)) + enc.finalize()
    tag = enc.finalize_tag() if aead else b""
    dec = content_decryptor(alg, key, aad=aad, message_length=length)
    out = b"".join(dec.update(piece) for piece in _chunks(ciphertext, cuts_out))
    out += dec.verify(tag) if aead else dec.finalize()
    assert out == data


@given(
    st.sampled_from([n for n in ALL_NAMES if not n.endswith("cbc")]),
    st.binary(max_size=100),
    st.data(),
)
def test_aead_any_bit_flip_fails(name: str, data: bytes, draw: st.DataObject) -> None:
    alg = content_algorithm(name)
    key = generate_key(alg)
    ciphertext, tag = encrypt(alg, key, data, aad=b"attrs")
    blob = ciphertext + tag
    bit = draw.draw(st.integers(0, len(blob) * 8 - 1))
    flipped = bytearray(blob)
    flipped[bit // 8] ^= 1 << (bit % 8)
    bad_ct, bad_tag = bytes(flipped[: len(ciphertext)]), bytes(flipped[len(ciphertext) :])
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(alg, key, bad_ct, tag=bad_tag, aad=b"attrs")


# -- OpenSSL interop -------------------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize("bits", [128, 192, 256])
@pytest.mark.parametrize("size", [0, 15, 16, 1000])
def test_openssl_enc_cbc(tmp_path: Path, bits: int, size: int) -> None:
    alg = content_algorithm(f"aes-{bits}-cbc")
    key = generate_key(alg)
    iv = tlv.parse_one(alg.parameters or b"").as_octets()
    data = bytes(range(256)) * 4
    data = data[:size]
    (tmp_path / "plain").write_bytes(data)
    args = ["-K", key.hex(), "-iv", iv.hex()]
    theirs = openssl(["enc", f"-aes-{bits}-cbc", "-e", "-in", tmp_path / "plain", *args]).stdout
    ours, _ = encrypt(alg, key, data)
    assert ours == theirs
    (tmp_path / "ct").write_bytes(ours)
    assert openssl(["enc", f"-aes-{bits}-cbc", "-d", "-in", tmp_path / "ct", *args]).stdout == data
    assert decrypt(alg, key, theirs) == data


def test_legacy_dispatch() -> None:
    # content_decryptor hands the legacy OIDs to smimelib.crypto.legacy
    from Crypto.Cipher import DES3

    key = DES3.adjust_key_parity(bytes(range(1, 25)))
    iv = bytes(8)
    alg = AlgorithmIdentifier("1.2.840.113549.3.7", der.encode_octets(iv))
    ciphertext = DES3.new(key, DES3.MODE_CBC, iv=iv).encrypt(b"legacy!!" + b"\x08" * 8)
    with pytest.raises(PolicyError):
        decrypt(alg, key, ciphertext)
    assert decrypt(alg, key, ciphertext, policy=LEGACY_POLICY) == b"legacy!!"
    assert ciphers.DECRYPTION_FAILED == "decryption failed"
