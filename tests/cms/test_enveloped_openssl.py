"""Interop with the OpenSSL CLI (issue M3, item 2), in both directions.

OpenSSL writes EnvelopedData and AuthEnvelopedData that smimelib decrypts, and reads what
smimelib writes: RSA PKCS #1 v1.5 and RSAES-OAEP (RFC 8017, RFC 3560) key transport, ECDH
P-256/P-384 key agreement with the standard and cofactor X9.63 KDFs (RFC 5753), KEK
(RFC 3394 key wrap) and password (RFC 3211 PWRI) recipients, AES-CBC (RFC 3565) and
AES-GCM (RFC 5084, AuthEnvelopedData RFC 5083), several recipients in one message, and
OpenSSL's DES-EDE3 messages under the legacy policy. X25519/X448 are not here: OpenSSL 3.0
does not write them in CMS (see test_vectors_enveloped.py and the property tests).

Certificates come from ``env_pki`` (tests/cms/conftest.py): RSA-2048 with keyEncipherment,
P-256/P-384 with keyAgreement, minted by smimelib.pki.builder.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_ENVELOPED_DATA,
    parse_content_info,
)
from smimelib.cms.decryption import DecryptionResult, decrypt
from smimelib.cms.encryption import encrypt
from smimelib.cms.recipients import (
    KEK,
    KEKRecipient,
    KeyAgreeRecipient,
    KeyPair,
    KeyTransRecipient,
    Password,
    PasswordRecipient,
    PasswordRecipientInfo,
    Recipient,
    RecipientInfo,
    RecipientKey,
)
from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import PolicyError
from tests.cms.conftest import EnvPKI, PemIdentity
from tests.peers import openssl

pytestmark = pytest.mark.interop

#: binary content with every octet value, bare LF, CRLF and NUL (``-binary`` keeps it exact)
PLAINTEXT = bytes(range(256)) * 3 + b"line one\r\nline two\nend\x00"

KEK_128 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
KEK_256 = bytes(range(0x40, 0x60))
KEK_ID = bytes.fromhex("c0ffee01")
PASSWORD = "correct horse battery staple"

#: name -> (env_pki identity, OpenSSL -keyopt options after its -recip)
OPENSSL_RECIPIENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rsa-pkcs1v15": ("rsa", ()),
    "rsa-oaep-sha256": ("rsa", ("rsa_padding_mode:oaep", "rsa_oaep_md:sha256")),
    "p256-stddh-sha1kdf": ("p-256", ()),
    "p256-stddh-sha256kdf": ("p-256", ("ecdh_kdf_md:sha256",)),
    "p256-cofactor-sha256kdf": ("p-256", ("ecdh_cofactor_mode:1", "ecdh_kdf_md:sha256")),
    "p384-stddh-sha384kdf": ("p-384", ("ecdh_kdf_md:sha384",)),
    "p384-cofactor-sha256kdf": ("p-384", ("ecdh_cofactor_mode:1", "ecdh_kdf_md:sha256")),
}

#: OpenSSL cipher option -> the structure it writes (OpenSSL 3.0: GCM = AuthEnvelopedData)
OPENSSL_CIPHERS = {
    "-aes-128-cbc": ID_ENVELOPED_DATA,
    "-aes-192-cbc": ID_ENVELOPED_DATA,
    "-aes-256-cbc": ID_ENVELOPED_DATA,
    "-aes-128-gcm": ID_AUTH_ENVELOPED_DATA,
    "-aes-256-gcm": ID_AUTH_ENVELOPED_DATA,
}


def _recip_args(pki: EnvPKI, name: str, keyopts: Sequence[str]) -> list[str]:
    args = ["-recip", str(pki[name].cert)]
    for opt in keyopts:
        args += ["-keyopt", opt]
    return args


def _openssl_encrypt(tmp_path: Path, args: Sequence[str], content: bytes = PLAINTEXT) -> bytes:
    src = tmp_path / "plain.bin"
    out = tmp_path / "openssl.der"
    src.write_bytes(content)
    openssl(["cms", "-encrypt", "-binary", "-outform", "DER", "-in", src, "-out", out, *args])
    return out.read_bytes()


def _openssl_decrypt(tmp_path: Path, message: bytes, args: Sequence[str]) -> bytes:
    src = tmp_path / "smimelib.der"
    out = tmp_path / "decrypted.bin"
    src.write_bytes(message)
    out.unlink(missing_ok=True)
    openssl(["cms", "-decrypt", "-binary", "-inform", "DER", "-in", src, "-out", out, *args])
    return out.read_bytes()


def _used(result: DecryptionResult) -> RecipientInfo:
    assert result.recipient_info is not None
    return result.recipient_info


def _key_pair(identity: PemIdentity) -> KeyPair:
    return KeyPair(identity.identity.key, identity.certificate)


def _decrypt_as(identity: PemIdentity) -> list[str]:
    return ["-recip", str(identity.cert), "-inkey", str(identity.key)]


# -- OpenSSL writes, smimelib reads -----------------------------------------------------------


@pytest.mark.parametrize("cipher", sorted(OPENSSL_CIPHERS))
@pytest.mark.parametrize("recipient", sorted(OPENSSL_RECIPIENTS))
def test_openssl_encrypts_smimelib_decrypts(
    env_pki: EnvPKI, tmp_path: Path, recipient: str, cipher: str
) -> None:
    name, keyopts = OPENSSL_RECIPIENTS[recipient]
    message = _openssl_encrypt(tmp_path, [cipher, *_recip_args(env_pki, name, keyopts)])
    assert parse_content_info(message).content_type == OPENSSL_CIPHERS[cipher]
    result = decrypt(message, [_key_pair(env_pki[name])])
    assert result.content == PLAINTEXT
    assert result.weak is False
    aead = OPENSSL_CIPHERS[cipher] == ID_AUTH_ENVELOPED_DATA
    assert result.integrity_protected is aead
    assert result.structure == ("auth-enveloped-data" if aead else "enveloped-data")
    assert _used(result).kind == ("ktri" if name == "rsa" else "kari")


@pytest.mark.parametrize("cipher", ["-aes-128-cbc", "-aes-256-cbc", "-aes-128-gcm"])
@pytest.mark.parametrize("kek", [KEK_128, KEK_256], ids=["aes128-wrap", "aes256-wrap"])
def test_openssl_kek_smimelib_decrypts(tmp_path: Path, cipher: str, kek: bytes) -> None:
    message = _openssl_encrypt(
        tmp_path, [cipher, "-secretkey", kek.hex(), "-secretkeyid", KEK_ID.hex()]
    )
    result = decrypt(message, [KEK(key_id=KEK_ID, key=kek)])
    assert result.content == PLAINTEXT
    assert _used(result).kind == "kekri"


@pytest.mark.parametrize("cipher", ["-aes-128-cbc", "-aes-256-cbc"])
def test_openssl_password_smimelib_decrypts(tmp_path: Path, cipher: str) -> None:
    """OpenSSL's PWRI: PBKDF2 (HMAC-SHA1 PRF by default), id-alg-PWRI-KEK (RFC 3211)."""
    message = _openssl_encrypt(tmp_path, [cipher, "-pwri_password", PASSWORD])
    result = decrypt(message, [Password(PASSWORD)])
    assert result.content == PLAINTEXT
    info = _used(result)
    assert isinstance(info, PasswordRecipientInfo)
    assert info.key_derivation_algorithm is not None


@pytest.mark.parametrize("cipher", ["-aes-256-gcm", "-aes-128-cbc"])
def test_openssl_several_recipients_each_decrypts(
    env_pki: EnvPKI, tmp_path: Path, cipher: str
) -> None:
    """One OpenSSL message to RSA v1.5, RSA OAEP, P-256, P-384, a KEK (and, with CBC, a
    password; OpenSSL 3.0 cannot write PWRI next to GCM): smimelib decrypts it with each
    key alone."""
    args = [
        cipher,
        *_recip_args(env_pki, "rsa", ()),
        *_recip_args(env_pki, "rsa-b", ("rsa_padding_mode:oaep", "rsa_oaep_md:sha256")),
        *_recip_args(env_pki, "p-256", ("ecdh_kdf_md:sha256",)),
        *_recip_args(env_pki, "p-384", ("ecdh_cofactor_mode:1",)),
        *("-secretkey", KEK_128.hex(), "-secretkeyid", KEK_ID.hex()),
    ]
    keys: list[RecipientKey] = [
        _key_pair(env_pki["rsa"]),
        _key_pair(env_pki["rsa-b"]),
        _key_pair(env_pki["p-256"]),
        _key_pair(env_pki["p-384"]),
        KEK(key_id=KEK_ID, key=KEK_128),
    ]
    expected_kinds = ["ktri", "ktri", "kari", "kari", "kekri"]
    if cipher.endswith("cbc"):
        args += ["-pwri_password", PASSWORD]
        keys.append(Password(PASSWORD))
        expected_kinds.append("pwri")
    message = _openssl_encrypt(tmp_path, args)
    kinds = []
    for key in keys:
        result = decrypt(message, [key])
        assert result.content == PLAINTEXT
        kinds.append(_used(result).kind)
        assert sorted(ri.kind for ri in result.recipient_infos) == sorted(expected_kinds)
    assert kinds == expected_kinds


def test_openssl_des3_needs_legacy_policy(env_pki: EnvPKI, tmp_path: Path) -> None:
    """DES-EDE3-CBC (RFC 3370 section 5.1): refused by default (RFC 8551 2.7 SHOULD NOT),
    decrypted under the legacy policy and reported weak, without integrity protection."""
    message = _openssl_encrypt(tmp_path, ["-des3", *_recip_args(env_pki, "rsa", ())])
    with pytest.raises(PolicyError):
        decrypt(message, [_key_pair(env_pki["rsa"])])
    result = decrypt(message, [_key_pair(env_pki["rsa"])], policy=LEGACY_POLICY)
    assert result.content == PLAINTEXT
    assert result.weak is True
    assert result.integrity_protected is False


# -- smimelib writes, OpenSSL reads -----------------------------------------------------------

SMIMELIB_CIPHERS = [
    "aes-128-cbc",
    "aes-192-cbc",
    "aes-256-cbc",
    "aes-128-gcm",
    "aes-192-gcm",
    "aes-256-gcm",
]


def _smimelib_recipient(pki: EnvPKI, kind: str) -> tuple[Recipient, str]:
    """A recipient spec and the env_pki identity whose key decrypts it."""
    specs: dict[str, tuple[Recipient, str]] = {
        "rsa-pkcs1v15": (KeyTransRecipient(pki["rsa"].certificate), "rsa"),
        "rsa-oaep-sha256": (KeyTransRecipient(pki["rsa"].certificate, oaep=True), "rsa"),
        "rsa-oaep-sha384": (
            KeyTransRecipient(pki["rsa"].certificate, oaep=True, oaep_hash="sha384"),
            "rsa",
        ),
        "rsa-oaep-sha512-ski": (
            KeyTransRecipient(pki["rsa"].certificate, oaep=True, oaep_hash="sha512", use_ski=True),
            "rsa",
        ),
        "p256-sha256kdf": (KeyAgreeRecipient(pki["p-256"].certificate), "p-256"),
        "p256-cofactor-sha256kdf": (
            KeyAgreeRecipient(pki["p-256"].certificate, cofactor=True),
            "p-256",
        ),
        "p384-sha384kdf": (KeyAgreeRecipient(pki["p-384"].certificate, kdf_hash="sha384"), "p-384"),
        "p384-cofactor-sha512kdf-ski": (
            KeyAgreeRecipient(
                pki["p-384"].certificate, kdf_hash="sha512", cofactor=True, use_ski=True
            ),
            "p-384",
        ),
    }
    return specs[kind]


SMIMELIB_RECIPIENTS = [
    "rsa-pkcs1v15",
    "rsa-oaep-sha256",
    "rsa-oaep-sha384",
    "rsa-oaep-sha512-ski",
    "p256-sha256kdf",
    "p256-cofactor-sha256kdf",
    "p384-sha384kdf",
    "p384-cofactor-sha512kdf-ski",
]


@pytest.mark.parametrize("cipher", SMIMELIB_CIPHERS)
@pytest.mark.parametrize("recipient", SMIMELIB_RECIPIENTS)
def test_smimelib_encrypts_openssl_decrypts(
    env_pki: EnvPKI, tmp_path: Path, recipient: str, cipher: str
) -> None:
    spec, name = _smimelib_recipient(env_pki, recipient)
    message = encrypt(PLAINTEXT, [spec], cipher=cipher)
    expected = ID_AUTH_ENVELOPED_DATA if cipher.endswith("gcm") else ID_ENVELOPED_DATA
    assert parse_content_info(message).content_type == expected
    assert _openssl_decrypt(tmp_path, message, _decrypt_as(env_pki[name])) == PLAINTEXT


@pytest.mark.parametrize("cipher", ["aes-128-cbc", "aes-256-gcm"])
@pytest.mark.parametrize("kek", [KEK_128, KEK_256], ids=["aes128-wrap", "aes256-wrap"])
def test_smimelib_kek_openssl_decrypts(tmp_path: Path, cipher: str, kek: bytes) -> None:
    message = encrypt(PLAINTEXT, [KEKRecipient(kek, KEK_ID)], cipher=cipher)
    args = ["-secretkey", kek.hex(), "-secretkeyid", KEK_ID.hex()]
    assert _openssl_decrypt(tmp_path, message, args) == PLAINTEXT


@pytest.mark.parametrize("prf", ["hmac-sha256", "hmac-sha1"])
def test_smimelib_password_openssl_decrypts(tmp_path: Path, prf: str) -> None:
    message = encrypt(
        PLAINTEXT, [PasswordRecipient(PASSWORD, iterations=1000, prf=prf)], cipher="aes-256-cbc"
    )
    assert _openssl_decrypt(tmp_path, message, ["-pwri_password", PASSWORD]) == PLAINTEXT


def test_smimelib_several_recipients_openssl_decrypts_each(env_pki: EnvPKI, tmp_path: Path) -> None:
    """One smimelib message to RSA v1.5, RSA OAEP, P-256, P-384 (cofactor), a KEK and a
    password: OpenSSL decrypts it with each key in turn."""
    specs: list[Recipient] = [
        KeyTransRecipient(env_pki["rsa"].certificate),
        KeyTransRecipient(env_pki["rsa-b"].certificate, oaep=True),
        KeyAgreeRecipient(env_pki["p-256"].certificate),
        KeyAgreeRecipient(env_pki["p-384"].certificate, cofactor=True, kdf_hash="sha384"),
        KEKRecipient(KEK_256, KEK_ID),
        PasswordRecipient(PASSWORD, iterations=1000),
    ]
    message = encrypt(PLAINTEXT, specs, cipher="aes-256-gcm")
    for name in ("rsa", "rsa-b", "p-256", "p-384"):
        assert _openssl_decrypt(tmp_path, message, _decrypt_as(env_pki[name])) == PLAINTEXT
    kek_args = ["-secretkey", KEK_256.hex(), "-secretkeyid", KEK_ID.hex()]
    assert _openssl_decrypt(tmp_path, message, kek_args) == PLAINTEXT
    assert _openssl_decrypt(tmp_path, message, ["-pwri_password", PASSWORD]) == PLAINTEXT


@pytest.mark.parametrize("cipher", ["aes-256-cbc", "aes-128-gcm"])
def test_smimelib_stream_openssl_decrypts(env_pki: EnvPKI, tmp_path: Path, cipher: str) -> None:
    """A streamed message (indefinite-length BER, chunked encryptedContent, like ``openssl
    cms -encrypt -stream``) of a few hundred KiB, written to an output stream."""
    content = PLAINTEXT * 400
    out = io.BytesIO()
    encrypt(
        io.BytesIO(content),
        [KeyTransRecipient(env_pki["rsa"].certificate)],
        cipher=cipher,
        output=out,
    )
    message = out.getvalue()
    assert message[1:2] == b"\x80"  # indefinite length outer SEQUENCE (X.690 8.1.3.6)
    assert _openssl_decrypt(tmp_path, message, _decrypt_as(env_pki["rsa"])) == content
    assert decrypt(message, [_key_pair(env_pki["rsa"])]).content == content


def test_smimelib_empty_content_openssl_decrypts(env_pki: EnvPKI, tmp_path: Path) -> None:
    message = encrypt(b"", [KeyAgreeRecipient(env_pki["p-256"].certificate)], cipher="aes-128-gcm")
    assert _openssl_decrypt(tmp_path, message, _decrypt_as(env_pki["p-256"])) == b""
