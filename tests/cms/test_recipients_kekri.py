"""KEKRecipientInfo (RFC 5652 section 6.2.3, RFC 3565): vectors from RustCrypto, OpenSSL and
examples-cms, round trips, failures, and OpenSSL -secretkey interop."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import (
    ID_ENVELOPED_DATA,
    encode_content_info,
    load_cms,
    parse_content_info,
)
from smimelib.cms.recipients import (
    DECRYPTION_FAILED,
    KEK,
    NO_MATCHING_RECIPIENT,
    KEKRecipient,
    KEKRecipientInfo,
    RecipientInfo,
    decrypt_cek,
    encode_recipient_infos,
    parse_recipient_infos,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import Policy
from smimelib.errors import DecodeError, DecryptionError, PolicyError, UsageError
from tests.cms.enveloped_reader import walk
from tests.peers import openssl
from tests.vectors import load_vector

RUST_KEK = KEK(bytes.fromhex("DEADBEEF"), bytes.fromhex("0102030405060708090A0B0C0D0E0F00"))
OPENSSL_KEK = KEK(bytes.fromhex("C0FEE0"), bytes.fromhex("000102030405060708090A0B0C0D0E0F"))
WRAPS = {16: "2.16.840.1.101.3.4.1.5", 24: "2.16.840.1.101.3.4.1.25", 32: "2.16.840.1.101.3.4.1.45"}


def encode(recipients: list[KEKRecipient], cek: bytes) -> tuple[RecipientInfo, ...]:
    name = {16: "aes-128-cbc", 24: "aes-192-cbc", 32: "aes-256-cbc"}[len(cek)]
    encoded, version = encode_recipient_infos(recipients, cek, ciphers.content_algorithm(name))
    assert version == 2
    return parse_recipient_infos(tlv.parse_one(encoded))


# -- vectors ------------------------------------------------------------------------------


def test_rustcrypto_kekri_vector() -> None:
    infos, alg, ciphertext = walk(load_vector("rustcrypto/enveloped_data_kekri.bin"))
    info = infos[0]
    assert isinstance(info, KEKRecipientInfo) and info.version == 4 and info.kind == "kekri"
    assert info.kek_id.key_identifier == bytes.fromhex("DEADBEEF")
    assert info.key_encryption_algorithm == AlgorithmIdentifier(WRAPS[16])
    result = decrypt_cek(infos, [RUST_KEK], cek_length=16)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == load_vector("rustcrypto/data.txt")


def test_rustcrypto_multi_vector_kekri() -> None:
    infos, alg, ciphertext = walk(load_vector("rustcrypto/enveloped_data_multi.bin"))
    result = decrypt_cek(infos, [RUST_KEK], cek_length=32)
    assert result.recipient_info is infos[2]
    plain = ciphers.decrypt(alg, result.cek, ciphertext)
    assert plain == load_vector("rustcrypto/data.txt").rstrip(b"\n") + b"\r\n"


def test_openssl_auth_enveloped_kekri_vector() -> None:
    """AuthEnvelopedData with authAttrs: the GCM tag over the DER authAttrs (re-tagged as
    SET, RFC 5083 section 2.2) verifies only with the right CEK."""
    parts = (
        parse_content_info(load_cms(load_vector("openssl/cms-data/authenveloped_attrs.pem")))
        .require_content()
        .children()
    )
    infos = parse_recipient_infos(parts[1])
    eci = parts[2].children()
    alg = AlgorithmIdentifier.from_element(eci[1])
    auth_attrs, mac = parts[3], parts[4].as_octets()
    aad = b"\x31" + auth_attrs.raw[1:]
    result = decrypt_cek(infos, [OPENSSL_KEK], cek_length=16)
    plain = ciphers.decrypt(alg, result.cek, eci[2].as_octets(implicit=True), tag=mac, aad=aad)
    assert plain == b"Hello AuthEnvelopedData world\n"


def test_examples_cms_kekri_parses() -> None:
    infos, _, _ = walk(load_vector("examples-cms/binary-files/encryptedKekri.p7m"))
    info = infos[0]
    assert isinstance(info, KEKRecipientInfo)
    assert info.kek_id.key_identifier == b"keyid" and info.kek_id.date is None
    assert info.key_encryption_algorithm == AlgorithmIdentifier(WRAPS[32])
    assert "6b65796964" in info.describe()
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        decrypt_cek(infos, [KEK(b"keyid", bytes(32))], cek_length=24)


# -- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("kek_size", [16, 24, 32])
@pytest.mark.parametrize("cek_size", [16, 32])
def test_round_trip(kek_size: int, cek_size: int) -> None:
    kek = bytes(range(100, 100 + kek_size))
    date = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    cek = bytes(range(cek_size))
    infos = encode([KEKRecipient(kek, b"key-1", date=date)], cek)
    info = infos[0]
    assert isinstance(info, KEKRecipientInfo) and info.version == 4
    assert info.kek_id.key_identifier == b"key-1" and info.kek_id.date == date
    assert info.key_encryption_algorithm == AlgorithmIdentifier(WRAPS[kek_size])  # absent params
    assert info.raw[0] == 0xA2
    assert decrypt_cek(infos, [KEK(b"key-1", kek)], cek_length=cek_size).cek == cek


def test_selection_by_key_identifier() -> None:
    cek = bytes(range(16))
    infos = encode([KEKRecipient(bytes(16), b"a"), KEKRecipient(b"\x01" * 32, b"b")], cek)
    assert len(infos) == 2
    result = decrypt_cek(infos, [KEK(b"x", bytes(16)), KEK(b"b", b"\x01" * 32)], cek_length=16)
    assert result.cek == cek
    assert isinstance(result.recipient_info, KEKRecipientInfo)
    assert result.recipient_info.kek_id.key_identifier == b"b"
    with pytest.raises(DecryptionError, match=f"^{NO_MATCHING_RECIPIENT}$"):
        decrypt_cek(infos, [KEK(b"c", bytes(16))], cek_length=16)


def test_failures_share_one_message() -> None:
    infos = encode([KEKRecipient(bytes(16), b"id")], bytes(range(16)))
    info = infos[0]
    assert isinstance(info, KEKRecipientInfo)
    tampered = replace(info, encrypted_key=info.encrypted_key[:-1] + b"\x00")
    for case, key, length in (
        (info, KEK(b"id", b"\x01" * 16), 16),
        (tampered, KEK(b"id", bytes(16)), 16),
        (info, KEK(b"id", bytes(16)), 32),
    ):
        with pytest.raises(DecryptionError) as caught:
            decrypt_cek([case], [key], cek_length=length)
        assert str(caught.value) == DECRYPTION_FAILED and caught.value.__cause__ is None


def test_wrong_kek_size_is_usage_error() -> None:
    infos = encode([KEKRecipient(bytes(16), b"id")], bytes(16))
    with pytest.raises(UsageError, match="needs 16"):
        decrypt_cek(infos, [KEK(b"id", bytes(32))], cek_length=16)
    with pytest.raises(UsageError):
        KEKRecipient(bytes(20), b"id")
    with pytest.raises(UsageError):
        KEK(b"id", b"")


def _kekri_der(version: int, alg: AlgorithmIdentifier, wrapped: bytes) -> bytes:
    kek_id = der.sequence(der.encode_octets(b"id"))
    body = der.sequence(der.encode_int(version), kek_id, alg.to_der(), der.encode_octets(wrapped))
    return der.set_of([der.implicit(2, body)])


def test_parse_checks() -> None:
    alg = AlgorithmIdentifier(WRAPS[16])
    with pytest.raises(DecodeError, match="version"):
        parse_recipient_infos(tlv.parse_one(_kekri_der(2, alg, bytes(24))))
    # NULL wrap parameters are read and reported (FIELD-NOTES row 9)
    infos = encode([KEKRecipient(bytes(16), b"id")], bytes(range(16)))
    info = infos[0]
    assert isinstance(info, KEKRecipientInfo)
    null_alg = AlgorithmIdentifier(WRAPS[16], b"\x05\x00")
    data = _kekri_der(4, null_alg, info.encrypted_key)
    result = decrypt_cek(
        parse_recipient_infos(tlv.parse_one(data)), [KEK(b"id", bytes(16))], cek_length=16
    )
    assert result.cek == bytes(range(16))
    assert any("NULL parameters" in f for f in result.findings)
    # the Triple-DES wrap needs a legacy policy
    tdes = _kekri_der(4, AlgorithmIdentifier("1.2.840.113549.1.9.16.3.6", b"\x05\x00"), bytes(40))
    with pytest.raises(PolicyError):
        decrypt_cek(
            parse_recipient_infos(tlv.parse_one(tdes)), [KEK(b"id", bytes(24))], cek_length=24
        )
    with pytest.raises(DecryptionError, match=DECRYPTION_FAILED):
        decrypt_cek(
            parse_recipient_infos(tlv.parse_one(tdes)),
            [KEK(b"id", bytes(range(24)))],
            cek_length=24,
            policy=Policy(allow_legacy=True),
        )


# -- OpenSSL ------------------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize("kek_size", [16, 32])
def test_openssl_secretkey_to_us(tmp_path: Path, kek_size: int) -> None:
    kek = bytes(range(kek_size))
    content = b"KEK recipient interop\n"
    (tmp_path / "in.txt").write_bytes(content)
    openssl(
        [
            "cms",
            "-encrypt",
            "-binary",
            "-aes256",
            "-in",
            tmp_path / "in.txt",
            "-outform",
            "DER",
            "-out",
            tmp_path / "out.der",
            "-secretkey",
            kek.hex(),
            "-secretkeyid",
            "0a0b0c",
        ]
    )
    infos, alg, ciphertext = walk((tmp_path / "out.der").read_bytes())
    result = decrypt_cek(infos, [KEK(bytes.fromhex("0a0b0c"), kek)], cek_length=32)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == content


@pytest.mark.interop
def test_openssl_decrypts_our_kekri(tmp_path: Path) -> None:
    kek, cek = bytes(range(32)), bytes(range(16, 48))
    infos, version = encode_recipient_infos(
        [KEKRecipient(kek, b"\x0a\x0b")], cek, ciphers.content_algorithm("aes-256-cbc")
    )
    alg = ciphers.content_algorithm("aes-256-cbc")
    ciphertext, _ = ciphers.encrypt(alg, cek, b"hello from smimelib")
    encrypted_content = der.encode_tlv(tlv.Tag.context(0, constructed=False), ciphertext)
    eci = der.sequence(der.encode_oid("1.2.840.113549.1.7.1"), alg.to_der(), encrypted_content)
    body = der.sequence(der.encode_int(version), infos, eci)
    (tmp_path / "msg.der").write_bytes(encode_content_info(ID_ENVELOPED_DATA, body))
    out = openssl(
        [
            "cms",
            "-decrypt",
            "-inform",
            "DER",
            "-in",
            tmp_path / "msg.der",
            "-secretkey",
            kek.hex(),
            "-secretkeyid",
            "0a0b",
        ]
    )
    assert out.stdout == b"hello from smimelib"
