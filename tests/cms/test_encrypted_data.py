"""EncryptedData (RFC 5652 section 8): RFC 4134 examples 7.1 and 7.2, version rule, writing
DER and streamed BER, legacy policy, uniform errors, non-standard AEAD, OpenSSL interop."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import Attribute
from smimelib.cms.content_info import ID_DATA, ID_ENCRYPTED_DATA, encode_content_info
from smimelib.cms.decryption import DecryptionResult
from smimelib.cms.encrypted_data import (
    EncryptedData,
    decrypt_encrypted_data,
    encrypt_data,
    encrypted_data_version,
)
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import LEGACY_POLICY, Policy
from smimelib.errors import DecodeError, DecryptionError, PolicyError, UsageError
from tests.peers import openssl
from tests.vectors import load_vector

#: RFC 4134 section 7.1: the 3DES key of examples 7.1 and 7.2
RFC4134_KEY = bytes.fromhex("737c791f25ead0e04629254352f7dc6291e5cb26917ada32")
AES_KEY = bytes(range(32))
ATTR = Attribute("1.3.6.1.4.1.99999.7", (der.encode_utf8("note"),))


def _ex_content() -> bytes:
    return load_vector("rfc4134/ExContent.bin")


# -- RFC 4134 examples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["7.1.bin", "7.2.bin"])
def test_rfc4134_decrypts_under_legacy_policy(name: str) -> None:
    result = decrypt_encrypted_data(
        load_vector(f"rfc4134/{name}"), RFC4134_KEY, policy=LEGACY_POLICY
    )
    assert result.content == _ex_content()
    assert result.structure == "encrypted-data"
    assert result.algorithm_name == "des-ede3-cbc"
    assert result.content_type == ID_DATA
    assert result.weak is True
    assert result.integrity_protected is False
    codes = [f.split(":")[0] for f in result.findings]
    assert "weak-content-cipher" in codes
    assert "not-integrity-protected" in codes
    assert "encrypted-data-version" not in codes


def test_rfc4134_7_2_unprotected_attributes_and_version() -> None:
    result = decrypt_encrypted_data(
        load_vector("rfc4134/7.2.bin"), RFC4134_KEY, policy=LEGACY_POLICY
    )
    assert result.version == 2
    assert result.unprotected_attributes is not None
    (attr,) = result.unprotected_attributes.items
    assert attr.oid == "1.2.5555"
    assert tlv.parse_one(attr.values[0]).as_octets().startswith(b"This is a test General ASN")
    first = decrypt_encrypted_data(
        load_vector("rfc4134/7.1.bin"), RFC4134_KEY, policy=LEGACY_POLICY
    )
    assert first.version == 0
    assert first.unprotected_attributes is None


@pytest.mark.parametrize("name", ["7.1.bin", "7.2.bin"])
def test_rfc4134_refused_by_default(name: str) -> None:
    with pytest.raises(PolicyError, match="des-ede3-cbc"):
        decrypt_encrypted_data(load_vector(f"rfc4134/{name}"), RFC4134_KEY)


@pytest.mark.parametrize("name", ["7.1.bin", "7.2.bin"])
def test_rfc4134_parse_and_reencode(name: str) -> None:
    data = load_vector(f"rfc4134/{name}")
    parsed = EncryptedData.from_bytes(data)
    assert parsed.content_type == ID_DATA
    assert parsed.content_encryption_algorithm.oid == "1.2.840.113549.3.7"
    assert parsed.encrypted_content is not None and len(parsed.encrypted_content) % 8 == 0
    assert parsed.findings == ()
    assert parsed.to_der() == data


def test_wrong_key_and_wrong_key_length_fail_uniformly() -> None:
    data = load_vector("rfc4134/7.1.bin")
    wrong = bytes(b ^ 0x02 for b in RFC4134_KEY[:8]) + RFC4134_KEY[8:]  # 0x01 is parity
    errors = []
    for key in (wrong, RFC4134_KEY[:16], RFC4134_KEY + b"\x00"):
        with pytest.raises(DecryptionError) as info:
            decrypt_encrypted_data(data, key, policy=LEGACY_POLICY)
        errors.append(info.value)
    assert {str(e) for e in errors} == {"decryption failed"}
    assert all(e.__cause__ is None and e.__suppress_context__ for e in errors)


# -- version rule and writing -----------------------------------------------------------------


def test_version_rule() -> None:
    assert encrypted_data_version(unprotected_attributes=False) == 0
    assert encrypted_data_version(unprotected_attributes=True) == 2


@pytest.mark.parametrize(("attrs", "version"), [((), 0), ((ATTR,), 2)])
def test_encrypt_bytes_writes_der(attrs: tuple[Attribute, ...], version: int) -> None:
    data = encrypt_data(b"secret text", AES_KEY, unprotected_attributes=attrs)
    assert tlv.is_der(data)
    parsed = EncryptedData.from_bytes(data)
    assert parsed.version == version
    assert parsed.findings == ()
    assert parsed.content_encryption_algorithm.oid == "2.16.840.1.101.3.4.1.42"
    assert parsed.to_der() == data
    result = decrypt_encrypted_data(data, AES_KEY)
    assert result.content == b"secret text"
    assert result.version == version
    if attrs:
        assert result.unprotected_attributes is not None
        assert result.unprotected_attributes.items == attrs


@pytest.mark.parametrize("cipher", ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc"])
def test_encrypt_each_cbc_size(cipher: str) -> None:
    key = bytes(ciphers.key_size(cipher))
    data = encrypt_data(b"x" * 33, key, cipher=cipher, content_type="1.2.840.113549.1.7.2")
    result = decrypt_encrypted_data(data, key)
    assert result.content == b"x" * 33
    assert result.content_type == "1.2.840.113549.1.7.2"


def test_encrypt_stream_writes_indefinite_ber() -> None:
    content = bytes(range(256)) * 1000
    out = io.BytesIO()
    assert encrypt_data(io.BytesIO(content), AES_KEY, output=out) == b""
    data = out.getvalue()
    assert data.startswith(b"\x30\x80")
    assert not tlv.is_der(data)
    root = tlv.parse_one(data)
    eci = root.children()[1].children()[0].children()[1]
    encrypted = eci.children()[2]
    assert encrypted.tag == tlv.Tag.context(0, constructed=True) and encrypted.indefinite
    result = decrypt_encrypted_data(io.BytesIO(data), AES_KEY)
    assert result.content == content
    assert any(f.startswith("ber-encoding:") for f in result.findings)


def test_encrypt_refuses_aead_legacy_and_bad_keys() -> None:
    with pytest.raises(UsageError, match="AuthEnvelopedData"):
        encrypt_data(b"x", AES_KEY, cipher="aes-256-gcm")
    with pytest.raises(PolicyError):
        encrypt_data(b"x", RFC4134_KEY, cipher="des-ede3-cbc")
    with pytest.raises(UsageError):
        encrypt_data(b"x", AES_KEY[:16], cipher="aes-256-cbc")
    with pytest.raises(UsageError):
        encrypt_data("text", AES_KEY)  # type: ignore[arg-type]


# -- malformed and unusual structures ---------------------------------------------------------


def _encrypted_data(version: int, eci: bytes, *tail: bytes) -> bytes:
    return encode_content_info(ID_ENCRYPTED_DATA, der.sequence(der.encode_int(version), eci, *tail))


def _eci(alg: AlgorithmIdentifier, encrypted: bytes | None, content_type: str = ID_DATA) -> bytes:
    parts = [der.encode_oid(content_type), alg.to_der()]
    if encrypted is not None:
        parts.append(der.encode_tlv(tlv.Tag.context(0, constructed=False), encrypted))
    return der.sequence(*parts)


def test_version_mismatch_is_a_finding() -> None:
    alg = ciphers.content_algorithm("aes-256-cbc")
    ciphertext, _ = ciphers.encrypt(alg, AES_KEY, b"payload")
    data = _encrypted_data(2, _eci(alg, ciphertext))
    result = decrypt_encrypted_data(data, AES_KEY)
    assert result.content == b"payload"
    assert any(f.startswith("encrypted-data-version:") for f in result.findings)
    assert any(
        f.startswith("encrypted-data-version:") for f in EncryptedData.from_bytes(data).findings
    )


def test_absent_encrypted_content_is_refused() -> None:
    data = _encrypted_data(0, _eci(ciphers.content_algorithm("aes-256-cbc"), None))
    assert EncryptedData.from_bytes(data).encrypted_content is None
    with pytest.raises(DecodeError, match="encryptedContent is absent") as info:
        decrypt_encrypted_data(data, AES_KEY)
    assert info.value.offset is not None


def test_unexpected_fields_are_refused() -> None:
    alg = ciphers.content_algorithm("aes-256-cbc")
    ciphertext, _ = ciphers.encrypt(alg, AES_KEY, b"payload")
    extra = der.encode_octets(b"junk")
    with pytest.raises(DecodeError, match="unexpected") as info:
        decrypt_encrypted_data(_encrypted_data(0, _eci(alg, ciphertext), extra), AES_KEY)
    assert info.value.offset is not None
    with pytest.raises(DecodeError, match="unexpected"):
        decrypt_encrypted_data(
            encode_content_info(
                ID_ENCRYPTED_DATA,
                der.sequence(der.encode_int(0), der.encode_tlv(tlv.Tag.SET, b""), _eci(alg, b"")),
            ),
            AES_KEY,
        )


def test_another_content_type_is_refused() -> None:
    data = encode_content_info("1.2.840.113549.1.7.3", der.sequence(der.encode_int(0)))
    with pytest.raises(DecodeError, match="expected"):
        decrypt_encrypted_data(data, AES_KEY)


def test_appended_tag_gcm_needs_allow_non_standard() -> None:
    """AES-GCM in EncryptedData with the tag appended (as other libraries put AEAD into
    EnvelopedData): read only under allow_non_standard."""
    alg = ciphers.content_algorithm("aes-128-gcm")
    key = AES_KEY[:16]
    ciphertext, tag = ciphers.encrypt(alg, key, b"go content")
    data = _encrypted_data(0, _eci(alg, ciphertext + tag))
    with pytest.raises(PolicyError, match=r"AEAD in EncryptedData is non-standard \(RFC 5083\)"):
        decrypt_encrypted_data(data, key)
    result = decrypt_encrypted_data(data, key, policy=Policy(allow_non_standard=True))
    assert result.content == b"go content"
    assert result.integrity_protected is True
    assert any(f.startswith("aead-outside-auth-enveloped-data:") for f in result.findings)
    broken = _encrypted_data(0, _eci(alg, ciphertext + bytes(16)))
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt_encrypted_data(broken, key, policy=Policy(allow_non_standard=True))


def test_output_receives_content_only_after_padding_check() -> None:
    data = bytearray(encrypt_data(b"A" * 100, AES_KEY))
    out = io.BytesIO()
    result = decrypt_encrypted_data(bytes(data), AES_KEY, output=out)
    assert result.content is None and result.content_length == 100
    assert out.getvalue() == b"A" * 100
    data[-1] ^= 0x55  # last ciphertext block: the padding no longer checks
    out = io.BytesIO(b"kept")
    out.seek(0, io.SEEK_END)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt_encrypted_data(bytes(data), AES_KEY, output=out)
    assert out.getvalue() == b"kept"


def test_result_type() -> None:
    result = decrypt_encrypted_data(encrypt_data(b"", AES_KEY), AES_KEY)
    assert isinstance(result, DecryptionResult)
    assert result.content == b""
    assert result.recipient_info is None and result.recipient_infos == ()


# -- OpenSSL ------------------------------------------------------------------------------------


@pytest.mark.interop
def test_openssl_reads_ours(tmp_path: Path) -> None:
    content = b"interop content\n" * 500
    for name, data in (
        ("der", encrypt_data(content, AES_KEY)),
        ("ber", encrypt_data(io.BytesIO(content), AES_KEY)),
    ):
        path = tmp_path / f"ed-{name}.der"
        path.write_bytes(data)
        proc = openssl(
            ["cms", "-EncryptedData_decrypt", "-inform", "DER", "-in", path, "-secretkey",
             AES_KEY.hex()]
        )  # fmt: skip
        assert proc.stdout == content


@pytest.mark.interop
def test_we_read_openssl(tmp_path: Path) -> None:
    content = b"from openssl\n" * 300
    src = tmp_path / "in.bin"
    src.write_bytes(content)
    for extra in ([], ["-stream"]):
        out = tmp_path / "ed.der"
        openssl(
            ["cms", "-EncryptedData_encrypt", "-aes-128-cbc", "-binary", "-secretkey",
             AES_KEY[:16].hex(), "-in", src, "-outform", "DER", "-out", out, *extra]
        )  # fmt: skip
        with out.open("rb") as fh:
            assert decrypt_encrypted_data(fh, AES_KEY[:16]).content == content
