"""KeyTransRecipientInfo (RFC 5652 section 6.2.1): vectors, round trips, failure uniformity,
and the RecipientInfos dispatch (parse_recipient_infos, decrypt_cek selection)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import parse_content_info
from smimelib.cms.recipients import (
    DECRYPTION_FAILED,
    NO_MATCHING_RECIPIENT,
    KeyAgreeRecipient,
    KeyPair,
    KeyTransRecipient,
    KeyTransRecipientInfo,
    OtherRecipientInfo,
    decrypt_cek,
    encode_recipient_infos,
    enveloped_data_version,
    parse_recipient_infos,
    recipient_for,
    recipient_infos_version,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.crypto.keytransport import ID_RSAES_OAEP, RSA_ENCRYPTION, oaep_algorithm
from smimelib.errors import DecodeError, DecryptionError, LimitExceeded, PolicyError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key
from tests.cms.enveloped_reader import enveloped, walk
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

SAMPLE = b"This is some sample content."
EXAMPLES = "examples-cms/binary-files/"


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bob() -> Identity:
    return Identity(
        load_private_key(load_vector("rfc9216/bob.decrypt.key")),
        Certificate.from_der(Certificate.from_file(vector_path("rfc9216/bob.encrypt.crt")).der),
    )


@pytest.fixture(scope="module")
def alice_sign() -> Identity:
    return Identity(
        load_private_key(load_vector("rfc9216/alice.sign.key")),
        Certificate.from_file(vector_path("rfc9216/alice.sign.crt")),
    )


@pytest.fixture(scope="module")
def dana_cert() -> Certificate:
    return Certificate.from_file(vector_path("rfc9216/dana.encrypt.crt"))


# -- vectors ------------------------------------------------------------------------------


def test_examples_cms_oaep_vector(bob: Identity) -> None:
    infos, alg, ciphertext = walk(
        load_vector("examples-cms/binary-files/encryptedForBobRSAOaep.p7m")
    )
    assert len(infos) == 1
    info = infos[0]
    assert isinstance(info, KeyTransRecipientInfo)
    assert info.version == 0 and info.kind == "ktri"
    assert info.key_encryption_algorithm == oaep_algorithm("sha256")
    result = decrypt_cek(infos, [bob], cek_length=16)
    assert result.recipient_info is info
    assert ciphers.decrypt(alg, result.cek, ciphertext) == SAMPLE


def test_examples_cms_bob_and_dana_ktri(bob: Identity) -> None:
    infos, alg, ciphertext = walk(
        load_vector("examples-cms/binary-files/encryptedForBobAndDana.p7m")
    )
    assert [info.kind for info in infos] == ["ktri", "kari"]
    result = decrypt_cek(infos, [bob], cek_length=16)
    assert result.recipient_info is infos[0]
    assert ciphers.decrypt(alg, result.cek, ciphertext) == SAMPLE


def test_rfc4134_pkcs1v15_needs_legacy_policy() -> None:
    infos, alg, ciphertext = walk(load_vector("rfc4134/5.1.bin"))
    info = infos[0]
    assert isinstance(info, KeyTransRecipientInfo)
    assert info.key_encryption_algorithm.oid == RSA_ENCRYPTION
    pair = KeyPair(
        load_private_key(load_vector("rfc4134/BobPrivRSAEncrypt.pri")),
        Certificate.from_der(load_vector("rfc4134/BobRSASignByCarl.cer")),
    )
    with pytest.raises(PolicyError):
        decrypt_cek(infos, [pair], cek_length=24)
    result = decrypt_cek(infos, [pair], cek_length=24, policy=LEGACY_POLICY)
    assert result.weak and any("1024 bits" in f for f in result.findings)
    plain = ciphers.decrypt(alg, result.cek, ciphertext, policy=LEGACY_POLICY)
    assert plain == load_vector("rfc4134/ExContent.bin")


def test_outlook_ski_computed_for_certificate_without_extension() -> None:
    eml = load_vector("bc/mail/outlook_2010_beta_sime_msg.eml").replace(b"\r\n", b"\n")
    infos, alg, ciphertext = walk(base64.b64decode(eml.split(b"\n\n", 1)[1]))
    info = infos[0]
    assert isinstance(info, KeyTransRecipientInfo)
    assert info.version == 2 and info.rid.is_subject_key_identifier
    identity = Identity.from_pkcs12(load_vector("bc/mail/johndoe.p12"), "")
    assert identity.certificate.subject_key_identifier is None
    result = decrypt_cek(infos, [identity], cek_length=24, policy=LEGACY_POLICY)
    assert any("computed" in f for f in result.findings)
    plain = ciphers.decrypt(alg, result.cek, ciphertext, policy=LEGACY_POLICY)
    assert b"Created with Outlook 2010 Beta" in plain


def test_rustcrypto_multi_vector_parses_four_kinds() -> None:
    infos, _, _ = walk(load_vector("rustcrypto/enveloped_data_multi.bin"))
    assert [info.kind for info in infos] == ["ktri", "kari", "kekri", "pwri"]
    assert [info.version for info in infos] == [0, 3, 4, 0]
    assert recipient_infos_version(infos) == 3
    ktri = infos[0]
    assert isinstance(ktri, KeyTransRecipientInfo)
    assert ktri.rid.matches(Certificate.from_der(load_vector("rustcrypto/rsa_cert.der")))
    for info in infos:
        assert (
            info.raw
            == load_vector("rustcrypto/enveloped_data_multi.bin")[
                info.offset : info.offset + len(info.raw)
            ]
        )
        assert info.describe().startswith(info.kind + ":")


# -- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "oid"),
    [
        ({}, RSA_ENCRYPTION),
        ({"oaep": True}, ID_RSAES_OAEP),
        ({"oaep": True, "oaep_hash": "sha384"}, ID_RSAES_OAEP),
        ({"oaep": True, "oaep_hash": "sha512", "use_ski": True}, ID_RSAES_OAEP),
        ({"use_ski": True}, RSA_ENCRYPTION),
    ],
)
def test_round_trip(bob: Identity, options: dict[str, object], oid: str) -> None:
    cek = bytes(range(32))
    encoded, version = encode_recipient_infos(
        [KeyTransRecipient(bob.certificate, **options)],  # type: ignore[arg-type]
        cek,
        ciphers.content_algorithm("aes-256-cbc"),
    )
    infos = parse_recipient_infos(tlv.parse_one(encoded))
    info = infos[0]
    assert isinstance(info, KeyTransRecipientInfo)
    expected_version = 2 if options.get("use_ski") else 0
    assert info.version == version == expected_version
    assert info.rid.is_subject_key_identifier == bool(options.get("use_ski"))
    assert info.key_encryption_algorithm.oid == oid
    if options.get("oaep"):
        hash_name = str(options.get("oaep_hash", "sha256"))
        assert info.key_encryption_algorithm == oaep_algorithm(hash_name)
    else:
        assert info.key_encryption_algorithm.parameters == b"\x05\x00"
    assert decrypt_cek(infos, [bob], cek_length=32).cek == cek


def test_oaep_default_writes_explicit_sha256_params(bob: Identity) -> None:
    encoded, _ = encode_recipient_infos(
        [KeyTransRecipient(bob.certificate, oaep=True)],
        bytes(16),
        ciphers.content_algorithm("aes-128-cbc"),
    )
    info = parse_recipient_infos(tlv.parse_one(encoded))[0]
    assert isinstance(info, KeyTransRecipientInfo)
    params = info.key_encryption_algorithm.parameters
    assert params is not None and der.encode_oid("2.16.840.1.101.3.4.2.1") in params


def test_recipient_for_picks_the_recipient_type(bob: Identity, dana_cert: Certificate) -> None:
    assert isinstance(recipient_for(bob.certificate, oaep=True), KeyTransRecipient)
    assert isinstance(recipient_for(dana_cert), KeyAgreeRecipient)
    with pytest.raises(UsageError, match="not valid"):
        recipient_for(dana_cert, oaep=True)
    ed = Certificate.from_file(vector_path("rfc9216/carlos.sign.crt"))
    with pytest.raises(UsageError):
        recipient_for(ed)


def test_encode_refuses_unusable_certificates(dana_cert: Certificate, alice_sign: Identity) -> None:
    alg = ciphers.content_algorithm("aes-128-cbc")
    with pytest.raises(UsageError, match="RSA"):
        encode_recipient_infos([KeyTransRecipient(dana_cert)], bytes(16), alg)
    with pytest.raises(UsageError, match="keyEncipherment"):
        encode_recipient_infos([KeyTransRecipient(alice_sign.certificate)], bytes(16), alg)
    with pytest.raises(UsageError, match="needs 16"):
        encode_recipient_infos([KeyTransRecipient(dana_cert)], bytes(32), alg)
    with pytest.raises(UsageError):
        encode_recipient_infos([], bytes(16), alg)


# -- failures -----------------------------------------------------------------------------


def _single(bob: Identity, *, oaep: bool) -> KeyTransRecipientInfo:
    encoded, _ = encode_recipient_infos(
        [KeyTransRecipient(bob.certificate, oaep=oaep)],
        bytes(range(16)),
        ciphers.content_algorithm("aes-128-cbc"),
    )
    info = parse_recipient_infos(tlv.parse_one(encoded))[0]
    assert isinstance(info, KeyTransRecipientInfo)
    return info


def _tampered(info: KeyTransRecipientInfo) -> KeyTransRecipientInfo:
    from dataclasses import replace

    flipped = bytes([info.encrypted_key[0] ^ 1]) + info.encrypted_key[1:]
    return replace(info, encrypted_key=flipped)


def test_oaep_failures_share_one_message(bob: Identity, alice_sign: Identity) -> None:
    info = _single(bob, oaep=True)
    wrong = KeyPair(alice_sign.key, bob.certificate)
    messages = []
    for infos, keys in (([info], [wrong]), ([_tampered(info)], [bob])):
        with pytest.raises(DecryptionError) as caught:
            decrypt_cek(infos, keys, cek_length=16)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        messages.append(str(caught.value))
    assert messages == [DECRYPTION_FAILED, DECRYPTION_FAILED]


def test_pkcs1v15_implicit_rejection(bob: Identity, alice_sign: Identity) -> None:
    info = _single(bob, oaep=False)
    bad = _tampered(info)
    first = decrypt_cek([bad], [bob], cek_length=16).cek
    assert len(first) == 16 and first != bytes(range(16))
    assert decrypt_cek([bad], [bob], cek_length=16).cek == first  # stable per ciphertext
    wrong = decrypt_cek([info], [KeyPair(alice_sign.key, bob.certificate)], cek_length=16).cek
    assert len(wrong) == 16 and wrong != bytes(range(16))
    # without a length to reject into, the failure is the uniform error
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        decrypt_cek([bad], [bob], cek_length=None)


def test_wrong_cek_length_is_a_decryption_failure(bob: Identity) -> None:
    info = _single(bob, oaep=True)
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        decrypt_cek([info], [bob], cek_length=32)


def test_no_match(bob: Identity, alice_sign: Identity) -> None:
    info = _single(bob, oaep=True)
    with pytest.raises(DecryptionError, match=f"^{NO_MATCHING_RECIPIENT}$"):
        decrypt_cek([info], [alice_sign], cek_length=16)
    # the non-matching key is skipped, the matching one used
    assert decrypt_cek([info], [alice_sign, bob], cek_length=16).cek == bytes(range(16))


# -- parsing ------------------------------------------------------------------------------


def _ktri_der(version: int, rid: bytes) -> bytes:
    alg = AlgorithmIdentifier(RSA_ENCRYPTION, b"\x05\x00").to_der()
    return der.sequence(der.encode_int(version), rid, alg, der.encode_octets(b"\x01" * 8))


def test_versions_are_checked_exactly(bob: Identity) -> None:
    ias = bob.certificate.issuer_and_serial_der
    ski = der.encode_tlv(tlv.Tag.context(0, constructed=False), b"\x01\x02")
    assert parse_recipient_infos(tlv.parse_one(der.set_of([_ktri_der(0, ias)])))[0].version == 0
    assert parse_recipient_infos(tlv.parse_one(der.set_of([_ktri_der(2, ski)])))[0].version == 2
    for version, rid in ((2, ias), (0, ski), (3, ias)):
        with pytest.raises(DecodeError, match="version"):
            parse_recipient_infos(tlv.parse_one(der.set_of([_ktri_der(version, rid)])))


def test_parse_recipient_infos_structure(bob: Identity) -> None:
    ias = bob.certificate.issuer_and_serial_der
    with pytest.raises(DecodeError, match="empty"):
        parse_recipient_infos(tlv.parse_one(der.set_of([])))
    with pytest.raises(DecodeError, match="SET"):
        parse_recipient_infos(tlv.parse_one(der.sequence(_ktri_der(0, ias))))
    with pytest.raises(DecodeError, match="unknown alternative"):
        parse_recipient_infos(tlv.parse_one(der.set_of([der.explicit(5, der.encode_null())])))
    with pytest.raises(LimitExceeded):
        parse_recipient_infos(tlv.parse_one(der.set_of([_ktri_der(0, ias)] * 257)))
    ori = der.implicit(4, der.sequence(der.encode_oid("1.2.3.4"), der.encode_octets(b"x")))
    infos = parse_recipient_infos(tlv.parse_one(der.set_of([ori])))
    assert isinstance(infos[0], OtherRecipientInfo) and infos[0].ori_type == "1.2.3.4"
    assert infos[0].version is None
    with pytest.raises(DecryptionError, match=NO_MATCHING_RECIPIENT):
        decrypt_cek(infos, [bob], cek_length=16)


def test_enveloped_data_version_rule() -> None:
    assert enveloped_data_version(0) == 0
    assert enveloped_data_version(0, unprotected_attributes=True) == 2
    assert enveloped_data_version(0, originator_info=True) == 2
    assert enveloped_data_version(2) == 2
    assert enveloped_data_version(3) == 3
    assert enveloped_data_version(0, originator_info=True, v2_attribute_certificates=True) == 3
    assert enveloped_data_version(3, originator_info=True, other_certificates_or_crls=True) == 4


# -- OpenSSL ------------------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize("oaep", [False, True])
def test_openssl_encrypts_to_us(tmp_path: Path, bob: Identity, oaep: bool) -> None:
    (tmp_path / "in.txt").write_bytes(SAMPLE)
    args: list[str | Path] = [
        "cms",
        "-encrypt",
        "-binary",
        "-aes128",
        "-in",
        tmp_path / "in.txt",
        "-outform",
        "DER",
        "-out",
        tmp_path / "out.der",
        "-recip",
        vector_path("rfc9216/bob.encrypt.crt"),
    ]
    if oaep:
        args += ["-keyopt", "rsa_padding_mode:oaep"]
    openssl(args)
    infos, alg, ciphertext = walk((tmp_path / "out.der").read_bytes())
    result = decrypt_cek(infos, [bob], cek_length=16)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == SAMPLE


@pytest.mark.interop
@pytest.mark.parametrize("options", [{}, {"oaep": True}, {"oaep": True, "use_ski": True}])
def test_openssl_decrypts_our_ktri(tmp_path: Path, bob: Identity, options: dict[str, Any]) -> None:
    cek = bytes(range(16))
    infos, version = encode_recipient_infos(
        [KeyTransRecipient(bob.certificate, **options)],
        cek,
        ciphers.content_algorithm("aes-128-cbc"),
    )
    (tmp_path / "msg.der").write_bytes(enveloped(infos, version, cek, SAMPLE))
    out = openssl(
        [
            "cms",
            "-decrypt",
            "-inform",
            "DER",
            "-in",
            tmp_path / "msg.der",
            "-inkey",
            vector_path("rfc9216/bob.decrypt.key"),
            "-recip",
            vector_path("rfc9216/bob.encrypt.crt"),
        ]
    )
    assert out.stdout == SAMPLE


def test_mutated_recipient_infos_raise_only_smime_errors(bob: Identity) -> None:
    """Corrupted RecipientInfos (bytes flipped, dropped, inserted) never escape as anything
    but a SmimeError, for parsing and for key recovery with every kind of key."""
    import random

    from smimelib.cms.content_info import load_cms
    from smimelib.cms.recipients import KEK, Password, RecipientKey
    from smimelib.errors import SmimeError

    sources = []
    for name in ("rustcrypto/enveloped_data_multi.bin", EXAMPLES + "encryptedForBobAndDana.p7m"):
        parts = parse_content_info(load_cms(load_vector(name))).require_content().children()
        sources.append(parts[1].raw)
    dana = KeyPair(
        load_private_key(load_vector("rfc9216/dana.decrypt.key")),
        Certificate.from_file(vector_path("rfc9216/dana.encrypt.crt")),
    )
    keys: list[RecipientKey] = [
        bob,
        dana,
        KEK(bytes.fromhex("DEADBEEF"), bytes(16)),
        Password("pw"),
    ]
    rng = random.Random(5652)
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.6:
                data[pos] = rng.randrange(256)
            elif roll < 0.8:
                del data[pos]
            else:
                data.insert(pos, rng.randrange(256))
        try:
            infos = parse_recipient_infos(tlv.parse_one(bytes(data)))
            decrypt_cek(infos, keys, cek_length=16, policy=LEGACY_POLICY)
        except SmimeError:
            pass
