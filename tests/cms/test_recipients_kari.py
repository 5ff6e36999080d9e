"""KeyAgreeRecipientInfo (RFC 5652 section 6.2.2, RFC 5753, RFC 8418): vectors from
examples-cms, Bouncy Castle and OpenSSL, the RFC 8418 HKDF derivation by hand, round trips
on every curve, grouping, static-static ECDH and failure uniformity."""

from __future__ import annotations

import base64
import datetime
import glob
import hashlib
import hmac
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from Crypto.Cipher import AES

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.content_info import (
    load_cms,
    parse_content_info,
)
from smimelib.cms.recipients import (
    DECRYPTION_FAILED,
    NO_MATCHING_RECIPIENT,
    KeyAgreeRecipient,
    KeyAgreeRecipientInfo,
    KeyPair,
    OriginatorPublicKey,
    RecipientEncryptedKey,
    RecipientInfo,
    decrypt_cek,
    encode_recipient_infos,
    parse_recipient_infos,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.crypto.kdf import ecc_cms_shared_info, x963_kdf
from smimelib.crypto.keyagreement import shared_secret
from smimelib.crypto.keys import KeyType, PublicKey
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    PolicyError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key, private_key_to_pem
from tests.cms.enveloped_reader import enveloped
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

SAMPLE = b"This is some sample content."
EXAMPLES = "examples-cms/binary-files/"
ECDH_SHA256 = "1.3.132.1.11.1"
HKDF_SHA256_SCHEME = "1.2.840.113549.1.9.16.3.19"
AES128_WRAP = "2.16.840.1.101.3.4.1.5"
AES256_WRAP = "2.16.840.1.101.3.4.1.45"
SOME_DATE = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)


# -- helpers ------------------------------------------------------------------------------


def walk(data: bytes) -> tuple[tuple[RecipientInfo, ...], AlgorithmIdentifier, bytes, bytes]:
    """(RecipientInfos, content algorithm, encrypted content, mac) of Enveloped- or
    AuthEnvelopedData (mac is empty for EnvelopedData)."""
    parts = parse_content_info(load_cms(data)).require_content().children()
    index = 2 if parts[1].tag == tlv.Tag.context(0) else 1
    infos = parse_recipient_infos(parts[index])
    eci = parts[index + 1].children()
    mac = parts[-1].as_octets() if parts[-1].tag == tlv.Tag.OCTET_STRING else b""
    alg = AlgorithmIdentifier.from_element(eci[1])
    return infos, alg, eci[2].as_octets(implicit=True), mac


def encode(recipients: list[KeyAgreeRecipient], cek: bytes) -> tuple[RecipientInfo, ...]:
    name = {16: "aes-128-cbc", 32: "aes-256-cbc"}[len(cek)]
    encoded, version = encode_recipient_infos(recipients, cek, ciphers.content_algorithm(name))
    assert version == 2
    return parse_recipient_infos(tlv.parse_one(encoded))


@pytest.fixture(scope="module")
def dana() -> Identity:
    return Identity(
        load_private_key(load_vector("rfc9216/dana.decrypt.key")),
        Certificate.from_file(vector_path("rfc9216/dana.encrypt.crt")),
    )


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca("CN=KARI test CA", key_type="p-256")


@pytest.fixture(scope="module")
def people(ca: Identity) -> dict[str, Identity]:
    specs: dict[str, Any] = {
        "p-256": "p-256",
        "p-256b": "p-256",
        "p-384": "p-384",
        "p-521": "p-521",
        "x25519": KeyType.X25519,
        "x448": KeyType.X448,
    }
    return {
        name: make_smime_identity(f"{name}@example.com", issuer=ca, key_type=spec, usage="encrypt")
        for name, spec in specs.items()
    }


# -- vectors ------------------------------------------------------------------------------


def test_examples_cms_x25519_x963_kdf(dana: Identity) -> None:
    infos, alg, ciphertext, _ = walk(load_vector(EXAMPLES + "encryptedForBobAndDana.p7m"))
    kari = infos[1]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert kari.version == 3 and kari.ukm is None
    assert kari.key_encryption_algorithm.oid == ECDH_SHA256
    assert kari.key_wrap_algorithm == AlgorithmIdentifier(AES128_WRAP)
    assert isinstance(kari.originator, OriginatorPublicKey)
    assert kari.originator.algorithm == AlgorithmIdentifier("1.3.101.110")
    result = decrypt_cek(infos, [dana], cek_length=16)
    assert result.recipient_info is kari
    assert ciphers.decrypt(alg, result.cek, ciphertext) == SAMPLE


def test_examples_cms_x25519_hkdf_known_answer(dana: Identity) -> None:
    """RFC 8418 section 2.2 by hand: no ukm, so HKDF-Extract without salt; info is the
    DER ECC-CMS-SharedInfo for id-aes256-wrap and 256 bits."""
    infos, alg, ciphertext, mac = walk(load_vector(EXAMPLES + "authEnvelopedForDanaX25519HKDF.p7m"))
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert kari.key_encryption_algorithm.oid == HKDF_SHA256_SCHEME
    assert isinstance(kari.originator, OriginatorPublicKey)
    peer = PublicKey.raw(KeyType.X25519, kari.originator.public_key)
    z = shared_secret(dana.key, peer)
    shared_info = bytes.fromhex("3015300b060960864801650304012da2060404" + "00000100")
    assert shared_info == ecc_cms_shared_info(AlgorithmIdentifier(AES256_WRAP), 256, None)
    prk = hmac.new(bytes(32), z, hashlib.sha256).digest()
    kek = hmac.new(prk, shared_info + b"\x01", hashlib.sha256).digest()
    expected = AES.new(kek, AES.MODE_KW).unseal(kari.recipient_encrypted_keys[0].encrypted_key)
    result = decrypt_cek(infos, [dana], cek_length=16)
    assert result.cek == expected and len(result.cek) == 16
    assert ciphers.decrypt(alg, result.cek, ciphertext, tag=mac) == SAMPLE


BC_ECDH = sorted(Path(p).name for p in glob.glob(str(vector_path("bc/cms/ecdh")) + "/encSess*"))


@pytest.mark.parametrize("name", BC_ECDH)
def test_bouncy_castle_ecdh_vectors(name: str) -> None:
    infos, alg, ciphertext, _ = walk(load_vector(f"bc/cms/ecdh/{name}"))
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    pair = KeyPair(
        load_private_key(load_vector("bc/cms/ecdh/ecc.key")),
        Certificate.from_file(vector_path("bc/cms/ecdh/ecc.crt")),
    )
    result = decrypt_cek(infos, [pair], cek_length=ciphers.key_size(alg), policy=LEGACY_POLICY)
    plain = ciphers.decrypt(alg, result.cek, ciphertext, policy=LEGACY_POLICY)
    assert plain == b"abcdefghijklmnopqrstuvwxyz0123456789\r\n"
    # encSess1..8 write the wrap AlgorithmIdentifier with NULL parameters, A..H without
    # (the 3DES wrap always has NULL); keyInfo of the SharedInfo uses them as received
    is_aes = kari.key_wrap_algorithm.oid.startswith("2.16.840.1.101.3.4.1.")
    null_aes = is_aes and name[7] in "12345678"
    assert kari.key_wrap_algorithm.has_null_parameters == (null_aes or not is_aes)
    assert any("NULL parameters" in f for f in result.findings) == null_aes
    assert result.weak == (not is_aes)
    if not is_aes:
        with pytest.raises(PolicyError):
            decrypt_cek(infos, [pair], cek_length=24)


def test_openssl_111_sha1kdf_3des_vector() -> None:
    text = load_vector("openssl/cms-data/ciphertext_from_1_1_1.cms").replace(b"\r\n", b"\n")
    infos, alg, ciphertext, _ = walk(base64.b64decode(text.split(b"\n\n", 1)[1]))
    assert len(infos) == 2 and all(isinstance(i, KeyAgreeRecipientInfo) for i in infos)
    pem = load_vector("openssl/smime-certs/smec3.pem")
    pair = KeyPair(load_private_key(pem), load_certificates(pem)[0])
    result = decrypt_cek(infos, [pair], cek_length=24, policy=LEGACY_POLICY)
    used = result.recipient_info
    assert isinstance(used, KeyAgreeRecipientInfo)
    assert used.recipient_encrypted_keys[0].rid.identifier.matches(pair.certificate)
    plain = ciphers.decrypt(alg, result.cek, ciphertext, policy=LEGACY_POLICY)
    assert plain.replace(b"\r\n", b"\n") == load_vector("openssl/cms-data/smcont.txt")


def test_rustcrypto_multi_kari_parses() -> None:
    infos, _, _, _ = walk(load_vector("rustcrypto/enveloped_data_multi.bin"))
    kari = infos[1]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert isinstance(kari.originator, OriginatorPublicKey)
    assert kari.originator.algorithm.oid == "1.2.840.10045.2.1"
    assert len(kari.originator.public_key) == 97  # an uncompressed P-384 point
    cert = Certificate.from_der(load_vector("rustcrypto/ec384-ee-key.der"))
    assert kari.recipient_encrypted_keys[0].rid.identifier.matches(cert)


# -- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["p-256", "p-384", "p-521", "x25519", "x448"])
@pytest.mark.parametrize(
    "options",
    [{}, {"kdf_hash": "sha384", "wrap": "aes-256-wrap"}, {"ukm": b"\x07" * 16, "use_ski": True}],
)
def test_round_trip(people: dict[str, Identity], who: str, options: dict[str, Any]) -> None:
    person = people[who]
    cek = bytes(range(32))
    infos = encode([KeyAgreeRecipient(person.certificate, **options)], cek)
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo) and kari.version == 3
    assert isinstance(kari.originator, OriginatorPublicKey)
    assert kari.originator.algorithm.parameters is None  # absent, as OpenSSL writes it
    assert kari.ukm == options.get("ukm")
    assert kari.key_wrap_algorithm == AlgorithmIdentifier(AES256_WRAP)
    rid = kari.recipient_encrypted_keys[0].rid.identifier
    assert rid.is_subject_key_identifier == bool(options.get("use_ski"))
    assert decrypt_cek(infos, [person], cek_length=32).cek == cek


@pytest.mark.parametrize("who", ["p-256", "p-384"])
def test_cofactor_round_trip(people: dict[str, Identity], who: str) -> None:
    infos = encode([KeyAgreeRecipient(people[who].certificate, cofactor=True)], bytes(16))
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert kari.key_encryption_algorithm.oid == "1.3.132.1.14.1"  # cofactorDH-sha256kdf
    assert kari.key_wrap_algorithm == AlgorithmIdentifier(AES128_WRAP)
    assert decrypt_cek(infos, [people[who]], cek_length=16).cek == bytes(16)


@pytest.mark.parametrize("who", ["x25519", "x448"])
@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_hkdf_round_trip(people: dict[str, Identity], who: str, digest: str) -> None:
    ukm = b"user keying material"
    recipient = KeyAgreeRecipient(people[who].certificate, hkdf=True, kdf_hash=digest, ukm=ukm)
    infos = encode([recipient], bytes(range(16)))
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert kari.key_encryption_algorithm.oid.startswith("1.2.840.113549.1.9.16.3.")
    # the ukm is the HKDF salt (RFC 8418 section 2.2): check by hand
    assert isinstance(kari.originator, OriginatorPublicKey)
    key_type = KeyType.X25519 if who == "x25519" else KeyType.X448
    z = shared_secret(people[who].key, PublicKey.raw(key_type, kari.originator.public_key))
    info = ecc_cms_shared_info(AlgorithmIdentifier(AES128_WRAP), 128, ukm)
    prk = hmac.new(ukm, z, digest).digest()
    kek = hmac.new(prk, info + b"\x01", digest).digest()[:16]
    wrapped = kari.recipient_encrypted_keys[0].encrypted_key
    assert AES.new(kek, AES.MODE_KW).unseal(wrapped) == bytes(range(16))
    assert decrypt_cek(infos, [people[who]], cek_length=16).cek == bytes(range(16))


def test_recipients_on_one_curve_share_one_kari(
    people: dict[str, Identity], dana: Identity
) -> None:
    cek = bytes(range(16))
    recipients = [
        KeyAgreeRecipient(people["p-256"].certificate),
        KeyAgreeRecipient(dana.certificate),
        KeyAgreeRecipient(people["p-256b"].certificate, use_ski=True),
    ]
    infos = encode(recipients, cek)
    assert len(infos) == 2
    karis = [info for info in infos if isinstance(info, KeyAgreeRecipientInfo)]
    shared = next(k for k in karis if len(k.recipient_encrypted_keys) == 2)
    assert isinstance(shared.recipient_encrypted_keys[0], RecipientEncryptedKey)
    for person in (people["p-256"], people["p-256b"], dana):
        result = decrypt_cek(infos, [person], cek_length=16)
        assert result.cek == cek
    assert decrypt_cek(infos, [people["p-256b"]], cek_length=16).recipient_info is shared


def test_ephemeral_key_is_fresh_per_message(people: dict[str, Identity]) -> None:
    recipient = KeyAgreeRecipient(people["p-256"].certificate)
    first, second = (encode([recipient], bytes(16))[0] for _ in range(2))
    assert isinstance(first, KeyAgreeRecipientInfo) and isinstance(second, KeyAgreeRecipientInfo)
    assert first.originator != second.originator


def test_encode_refuses_bad_options(people: dict[str, Identity], dana: Identity) -> None:
    rsa = Certificate.from_file(vector_path("rfc9216/bob.encrypt.crt"))
    with pytest.raises(UsageError, match="RSA"):
        encode([KeyAgreeRecipient(rsa)], bytes(16))
    with pytest.raises(UsageError, match="X25519/X448 only"):
        encode([KeyAgreeRecipient(people["p-256"].certificate, hkdf=True)], bytes(16))
    with pytest.raises(UsageError, match="cofactor"):
        encode([KeyAgreeRecipient(dana.certificate, cofactor=True)], bytes(16))
    with pytest.raises(PolicyError):
        encode([KeyAgreeRecipient(people["p-256"].certificate, kdf_hash="sha1")], bytes(16))
    signing = Certificate.from_file(vector_path("rfc9216/carlos.sign.crt"))
    with pytest.raises(UsageError):
        encode([KeyAgreeRecipient(signing)], bytes(16))


# -- failures -----------------------------------------------------------------------------


def test_failures_share_one_message(people: dict[str, Identity]) -> None:
    person = people["p-256"]
    infos = encode([KeyAgreeRecipient(person.certificate)], bytes(16))
    kari = infos[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    rek = kari.recipient_encrypted_keys[0]
    flipped = bytes([rek.encrypted_key[0] ^ 1]) + rek.encrypted_key[1:]
    tampered = replace(kari, recipient_encrypted_keys=(rek._replace(encrypted_key=flipped),))
    wrong_key = KeyPair(people["p-256b"].key, person.certificate)
    wrong_curve = KeyPair(people["p-384"].key, person.certificate)
    for case_infos, keys in (
        ([tampered], [person]),
        ([kari], [wrong_key]),
        ([kari], [wrong_curve]),
    ):
        with pytest.raises(DecryptionError) as caught:
            decrypt_cek(case_infos, keys, cek_length=16)
        assert str(caught.value) == DECRYPTION_FAILED
        assert caught.value.__cause__ is None
    with pytest.raises(DecryptionError, match=DECRYPTION_FAILED):
        decrypt_cek([kari], [person], cek_length=32)  # the CEK length must match
    with pytest.raises(DecryptionError, match=NO_MATCHING_RECIPIENT):
        decrypt_cek([kari], [people["p-256b"]], cek_length=16)


def _kari_der(originator: bytes, alg: AlgorithmIdentifier, rid: bytes, encrypted: bytes) -> bytes:
    rek = der.sequence(rid, der.encode_octets(encrypted))
    body = der.sequence(
        der.encode_int(3), der.explicit(0, originator), alg.to_der(), der.sequence(rek)
    )
    return der.set_of([der.implicit(1, body)])


def test_static_static_ecdh(people: dict[str, Identity]) -> None:
    sender, receiver = people["p-256b"], people["p-256"]
    wrap = AlgorithmIdentifier(AES128_WRAP)
    z = shared_secret(sender.key, receiver.certificate.public_key)
    kek = x963_kdf("sha256", z, 16, ecc_cms_shared_info(wrap, 128, None))
    encrypted = AES.new(kek, AES.MODE_KW).seal(bytes(range(16)))
    data = _kari_der(
        sender.certificate.issuer_and_serial_der,
        AlgorithmIdentifier(ECDH_SHA256, wrap.to_der()),
        receiver.certificate.issuer_and_serial_der,
        encrypted,
    )
    infos = parse_recipient_infos(tlv.parse_one(data))
    result = decrypt_cek(
        infos, [receiver], cek_length=16, originator_certificates=[sender.certificate]
    )
    assert result.cek == bytes(range(16))
    assert any("static-static" in f for f in result.findings)
    with pytest.raises(DecryptionError, match="static-static"):
        decrypt_cek(infos, [receiver], cek_length=16)


def test_originator_key_variants(people: dict[str, Identity]) -> None:
    person = people["p-256"]
    kari = encode([KeyAgreeRecipient(person.certificate)], bytes(16))[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert isinstance(kari.originator, OriginatorPublicKey)
    point = kari.originator.public_key
    ec = "1.2.840.10045.2.1"
    named = replace(
        kari.originator, algorithm=AlgorithmIdentifier(ec, der.encode_oid("1.2.840.10045.3.1.7"))
    )
    null = replace(kari.originator, algorithm=AlgorithmIdentifier(ec, b"\x05\x00"))
    assert decrypt_cek([replace(kari, originator=named)], [person], cek_length=16).cek == bytes(16)
    result = decrypt_cek([replace(kari, originator=null)], [person], cek_length=16)
    assert any("NULL parameters" in f for f in result.findings)
    other_curve = replace(
        kari.originator, algorithm=AlgorithmIdentifier(ec, der.encode_oid("1.3.132.0.34"))
    )
    with pytest.raises(DecodeError, match="P-256"):
        decrypt_cek([replace(kari, originator=other_curve)], [person], cek_length=16)
    off_curve = replace(kari.originator, public_key=point[:-1] + bytes([point[-1] ^ 1]))
    with pytest.raises(DecryptionError, match=f"^{DECRYPTION_FAILED}$"):
        decrypt_cek([replace(kari, originator=off_curve)], [person], cek_length=16)


def test_rkeyid_with_date_and_other(people: dict[str, Identity]) -> None:
    person = people["p-256"]
    kari = encode([KeyAgreeRecipient(person.certificate, use_ski=True)], bytes(16))[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    ski = person.certificate.subject_key_identifier
    assert ski is not None
    other = der.sequence(der.encode_oid("1.2.3.4"), der.encode_null())
    rkeyid = der.implicit(
        0, der.sequence(der.encode_octets(ski), der.encode_generalized_time(SOME_DATE), other)
    )
    rek = kari.recipient_encrypted_keys[0].encrypted_key
    assert isinstance(kari.originator, OriginatorPublicKey)
    originator = der.implicit(
        1,
        der.sequence(
            kari.originator.algorithm.to_der(), der.encode_bit_string(kari.originator.public_key)
        ),
    )
    data = _kari_der(originator, kari.key_encryption_algorithm, rkeyid, rek)
    infos = parse_recipient_infos(tlv.parse_one(data))
    parsed = infos[0]
    assert isinstance(parsed, KeyAgreeRecipientInfo)
    rid = parsed.recipient_encrypted_keys[0].rid
    assert rid.date == SOME_DATE and rid.other == other
    assert rid.identifier.subject_key_identifier == ski
    assert decrypt_cek(infos, [person], cek_length=16).cek == bytes(16)


def test_x25519_originator_with_null_parameters(dana: Identity) -> None:
    kari = encode([KeyAgreeRecipient(dana.certificate)], bytes(16))[0]
    assert isinstance(kari, KeyAgreeRecipientInfo)
    assert isinstance(kari.originator, OriginatorPublicKey)
    null = replace(kari.originator, algorithm=AlgorithmIdentifier("1.3.101.110", b"\x05\x00"))
    result = decrypt_cek([replace(kari, originator=null)], [dana], cek_length=16)
    assert result.cek == bytes(16) and any("NULL parameters" in f for f in result.findings)
    bad = replace(kari.originator, algorithm=AlgorithmIdentifier("1.3.101.110", b"\x04\x00"))
    with pytest.raises(DecodeError, match="absent"):
        decrypt_cek([replace(kari, originator=bad)], [dana], cek_length=16)


def test_parse_errors(people: dict[str, Identity]) -> None:
    person = people["p-256"]
    ias = person.certificate.issuer_and_serial_der
    originator = der.implicit(
        1,
        der.sequence(
            AlgorithmIdentifier("1.2.840.10045.2.1").to_der(), der.encode_bit_string(b"\x04" * 65)
        ),
    )
    no_params = _kari_der(originator, AlgorithmIdentifier(ECDH_SHA256), ias, bytes(24))
    infos = parse_recipient_infos(tlv.parse_one(no_params))
    with pytest.raises(DecodeError, match="KeyWrapAlgorithm"):
        decrypt_cek(infos, [person], cek_length=16)
    wrap = AlgorithmIdentifier(AES128_WRAP).to_der()
    ok = _kari_der(originator, AlgorithmIdentifier(ECDH_SHA256, wrap), ias, bytes(24))
    parse_recipient_infos(tlv.parse_one(ok))
    bad_version = ok.replace(b"\x02\x01\x03", b"\x02\x01\x02", 1)
    with pytest.raises(DecodeError, match="version"):
        parse_recipient_infos(tlv.parse_one(bad_version))
    unknown = _kari_der(originator, AlgorithmIdentifier("1.2.3.4", wrap), ias, bytes(24))
    with pytest.raises(UnsupportedAlgorithm):
        decrypt_cek(parse_recipient_infos(tlv.parse_one(unknown)), [person], cek_length=16)


# -- OpenSSL ------------------------------------------------------------------------------


def _write_identity(tmp_path: Path, name: str, identity: Identity) -> tuple[Path, Path]:
    cert, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert.write_bytes(identity.certificate.to_pem())
    key.write_bytes(private_key_to_pem(identity.key))
    return cert, key


@pytest.mark.interop
@pytest.mark.parametrize("kdf", [None, "sha256", "sha384"])
def test_openssl_encrypts_to_us(
    tmp_path: Path, people: dict[str, Identity], kdf: str | None
) -> None:
    cert, _ = _write_identity(tmp_path, "r", people["p-384"])
    (tmp_path / "in.txt").write_bytes(SAMPLE)
    args: list[str | Path] = [
        "cms",
        "-encrypt",
        "-binary",
        "-aes256",
        "-recip",
        cert,
        "-in",
        tmp_path / "in.txt",
        "-outform",
        "DER",
        "-out",
        tmp_path / "out.der",
    ]
    if kdf:
        args += ["-keyopt", f"ecdh_kdf_md:{kdf}"]
    openssl(args)
    infos, alg, ciphertext, _ = walk((tmp_path / "out.der").read_bytes())
    result = decrypt_cek(infos, [people["p-384"]], cek_length=32)
    assert ciphers.decrypt(alg, result.cek, ciphertext) == SAMPLE


@pytest.mark.interop
@pytest.mark.parametrize("who", ["p-256", "p-384", "p-521"])
@pytest.mark.parametrize(
    "options", [{}, {"ukm": b"\x01" * 8, "use_ski": True, "kdf_hash": "sha512"}, {"cofactor": True}]
)
def test_openssl_decrypts_our_kari(
    tmp_path: Path, people: dict[str, Identity], who: str, options: dict[str, Any]
) -> None:
    cek = bytes(range(32))
    recipient = KeyAgreeRecipient(people[who].certificate, **options)
    infos, version = encode_recipient_infos(
        [recipient], cek, ciphers.content_algorithm("aes-256-cbc")
    )
    cert, key = _write_identity(tmp_path, who, people[who])
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
            key,
            "-recip",
            cert,
        ]
    )
    assert out.stdout == SAMPLE
