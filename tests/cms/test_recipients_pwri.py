"""PasswordRecipientInfo (RFC 5652 section 6.2.4, RFC 3211): vectors, the [0] IMPLICIT
keyDerivationAlgorithm, round trips with both PRFs, the iteration cap (FIELD-NOTES row 15),
an absent keyDerivationAlgorithm, and OpenSSL -pwri_password interop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import (
    ID_ENVELOPED_DATA,
    encode_content_info,
)
from smimelib.cms.recipients import (
    DECRYPTION_FAILED,
    DEFAULT_PBKDF2_ITERATIONS,
    NO_MATCHING_RECIPIENT,
    KEKRecipient,
    Password,
    PasswordRecipient,
    PasswordRecipientInfo,
    RecipientInfo,
    decrypt_cek,
    encode_recipient_infos,
    parse_recipient_infos,
)
from smimelib.cms.recipients.pwri import decrypt_pwri
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.crypto.kdf import PBKDF2, Pbkdf2Params, pbkdf2_from_algorithm
from smimelib.crypto.keywrap import PWRI_KEK
from smimelib.errors import DecodeError, DecryptionError, LimitExceeded, UsageError
from tests.cms.enveloped_reader import walk
from tests.peers import openssl
from tests.vectors import load_vector

AES256_CBC = "2.16.840.1.101.3.4.1.42"


def encode(recipients: list[PasswordRecipient], cek: bytes) -> tuple[RecipientInfo, ...]:
    name = {16: "aes-128-cbc", 32: "aes-256-cbc"}[len(cek)]
    encoded, version = encode_recipient_infos(recipients, cek, ciphers.content_algorithm(name))
    assert version == 3  # a pwri makes the EnvelopedData version 3 (RFC 5652 section 6.1)
    return parse_recipient_infos(tlv.parse_one(encoded))


# -- vectors ------------------------------------------------------------------------------


def test_rustcrypto_pwri_vector() -> None:
    infos, alg, ciphertext = walk(load_vector("rustcrypto/enveloped_data_pwri.bin"))
    info = infos[0]
    assert isinstance(info, PasswordRecipientInfo) and info.version == 0 and info.kind == "pwri"
    assert info.key_derivation_algorithm is not None
    params = pbkdf2_from_algorithm(info.key_derivation_algorithm)
    assert params == Pbkdf2Params(bytes.fromhex("7FEEA8FD568E8F07"), 2048, None, "sha1")
    assert info.key_encryption_algorithm.oid == PWRI_KEK
    result = decrypt_cek(infos, [Password("password")], cek_length=16)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == load_vector("rustcrypto/data.txt")
    assert decrypt_cek(infos, [Password(b"password")], cek_length=16).cek == result.cek


def test_rustcrypto_multi_vector_pwri() -> None:
    infos, alg, ciphertext = walk(load_vector("rustcrypto/enveloped_data_multi.bin"))
    result = decrypt_cek(infos, [Password("password")], cek_length=32)
    assert result.recipient_info is infos[3]
    plain = ciphers.decrypt(alg, result.cek, ciphertext)
    assert plain == load_vector("rustcrypto/data.txt").rstrip(b"\n") + b"\r\n"


def test_iteration_cap_from_policy() -> None:
    infos, _, _ = walk(load_vector("rustcrypto/enveloped_data_pwri.bin"))
    with pytest.raises(LimitExceeded, match="max_pbkdf2_iterations"):
        decrypt_cek(
            infos, [Password("password")], cek_length=16, policy=Policy(max_pbkdf2_iterations=2047)
        )
    decrypt_cek(
        infos, [Password("password")], cek_length=16, policy=Policy(max_pbkdf2_iterations=2048)
    )


# -- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("prf", ["hmac-sha1", "hmac-sha256", "hmac-sha512"])
@pytest.mark.parametrize("cek_size", [16, 32])
def test_round_trip(prf: str, cek_size: int) -> None:
    cek = bytes(range(cek_size))
    password = "pässwörd ✓"
    infos = encode([PasswordRecipient(password, iterations=1000, prf=prf)], cek)
    info = infos[0]
    assert isinstance(info, PasswordRecipientInfo) and info.version == 0
    kda = info.key_derivation_algorithm
    assert kda is not None and kda.oid == PBKDF2
    params = pbkdf2_from_algorithm(kda)
    assert params.iterations == 1000 and len(params.salt) == 16 and params.key_length is None
    assert params.prf == prf.removeprefix("hmac-")
    kea = info.key_encryption_algorithm
    assert kea.oid == PWRI_KEK and kea.parameters is not None
    assert AlgorithmIdentifier.from_der(kea.parameters).oid == AES256_CBC
    assert decrypt_cek(infos, [Password(password)], cek_length=cek_size).cek == cek
    assert decrypt_cek(infos, [Password(password.encode())], cek_length=cek_size).cek == cek


def test_key_derivation_algorithm_is_implicitly_tagged() -> None:
    """RFC 3211 section 2.1: [0] replaces the AlgorithmIdentifier SEQUENCE tag."""
    salt = bytes(range(8))
    infos = encode([PasswordRecipient(b"pw", iterations=5, salt=salt)], bytes(16))
    info = infos[0]
    assert isinstance(info, PasswordRecipientInfo)
    body = tlv.parse_one(info.raw).children()
    kda = body[1]
    assert kda.tag == tlv.Tag.context(0)
    assert [c.tag for c in kda.children()] == [tlv.Tag.OID, tlv.Tag.SEQUENCE]
    expected_params = der.sequence(
        der.encode_octets(salt),
        der.encode_int(5),
        AlgorithmIdentifier("1.2.840.113549.2.9", b"\x05\x00").to_der(),
    )
    assert kda.raw == der.implicit(0, der.sequence(der.encode_oid(PBKDF2), expected_params))


def test_default_iterations() -> None:
    assert DEFAULT_PBKDF2_ITERATIONS >= 600_000
    assert PasswordRecipient("x").iterations == DEFAULT_PBKDF2_ITERATIONS
    assert DEFAULT_POLICY.max_pbkdf2_iterations >= DEFAULT_PBKDF2_ITERATIONS


def test_recipient_options_are_checked() -> None:
    for bad in (
        {"password": ""},
        {"password": "x", "iterations": 0},
        {"password": "x", "salt": b"short"},
        {"password": "x", "prf": "hmac-md5"},
    ):
        with pytest.raises(UsageError):
            PasswordRecipient(**bad)


# -- failures -----------------------------------------------------------------------------


def test_failures_share_one_message() -> None:
    infos = encode([PasswordRecipient("right", iterations=10)], bytes(range(16)))
    info = infos[0]
    assert isinstance(info, PasswordRecipientInfo)
    tampered = replace(
        info, encrypted_key=bytes([info.encrypted_key[0] ^ 1]) + info.encrypted_key[1:]
    )
    for case, password, length in (
        (info, "wrong", 16),
        (tampered, "right", 16),
        (info, "right", 32),
    ):
        with pytest.raises(DecryptionError) as caught:
            decrypt_cek([case], [Password(password)], cek_length=length)
        assert str(caught.value) == DECRYPTION_FAILED and caught.value.__cause__ is None


def test_several_password_entries_are_tried_in_turn() -> None:
    cek = bytes(range(16))
    infos = encode(
        [PasswordRecipient("first", iterations=10), PasswordRecipient("second", iterations=10)],
        cek,
    )
    assert decrypt_cek(infos, [Password("second")], cek_length=16).cek == cek
    assert decrypt_cek(infos, [Password("first")], cek_length=16).cek == cek
    # the PBKDF2 work of one call is bounded in total, not per entry
    with pytest.raises(LimitExceeded):
        decrypt_cek(
            infos, [Password("nope")], cek_length=16, policy=Policy(max_pbkdf2_iterations=15)
        )


def _without_kda(info: PasswordRecipientInfo) -> bytes:
    body = der.sequence(
        der.encode_int(0),
        info.key_encryption_algorithm.to_der(),
        der.encode_octets(info.encrypted_key),
    )
    return der.set_of([der.implicit(3, body)])


def test_absent_key_derivation_algorithm() -> None:
    """CVE-2026-45447 class: an absent keyDerivationAlgorithm never crashes; a password
    does not match such an entry."""
    info = encode([PasswordRecipient("pw", iterations=10)], bytes(16))[0]
    assert isinstance(info, PasswordRecipientInfo)
    infos = parse_recipient_infos(tlv.parse_one(_without_kda(info)))
    bare = infos[0]
    assert isinstance(bare, PasswordRecipientInfo) and bare.key_derivation_algorithm is None
    assert "no key derivation" in bare.describe()
    with pytest.raises(DecryptionError, match=f"^{NO_MATCHING_RECIPIENT}$"):
        decrypt_cek(infos, [Password("pw")], cek_length=16)
    with pytest.raises(DecryptionError, match="keyDerivationAlgorithm"):
        decrypt_pwri(bare, Password("pw"), cek_length=16, policy=DEFAULT_POLICY)


def test_parse_checks() -> None:
    info = encode([PasswordRecipient("pw", iterations=10)], bytes(16))[0]
    assert isinstance(info, PasswordRecipientInfo)
    bad_version = b"\xa3" + info.raw[1:].replace(b"\x02\x01\x00", b"\x02\x01\x01", 1)
    with pytest.raises(DecodeError, match="version"):
        parse_recipient_infos(tlv.parse_one(der.set_of([bad_version])))
    no_params = replace(info, key_encryption_algorithm=AlgorithmIdentifier(PWRI_KEK))
    with pytest.raises(DecodeError, match="inner cipher"):
        decrypt_cek([no_params], [Password("pw")], cek_length=16)
    # a password and a KEK recipient in one message give version 3
    _, version = encode_recipient_infos(
        [KEKRecipient(bytes(16), b"k"), PasswordRecipient("pw", iterations=10)],
        bytes(16),
        ciphers.content_algorithm("aes-128-cbc"),
    )
    assert version == 3


# -- OpenSSL ------------------------------------------------------------------------------


@pytest.mark.interop
def test_openssl_pwri_password_to_us(tmp_path: Path) -> None:
    content = b"password recipient interop\n"
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
            "-pwri_password",
            "s3cret",
        ]
    )
    infos, alg, ciphertext = walk((tmp_path / "out.der").read_bytes())
    result = decrypt_cek(infos, [Password("s3cret")], cek_length=32)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == content


@pytest.mark.interop
@pytest.mark.parametrize("prf", ["hmac-sha1", "hmac-sha256"])
def test_openssl_decrypts_our_pwri(tmp_path: Path, prf: str) -> None:
    cek = bytes(range(32))
    alg = ciphers.content_algorithm("aes-256-cbc")
    infos, version = encode_recipient_infos(
        [PasswordRecipient("s3cret", iterations=2048, prf=prf)], cek, alg
    )
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
            "-pwri_password",
            "s3cret",
        ]
    )
    assert out.stdout == b"hello from smimelib"
