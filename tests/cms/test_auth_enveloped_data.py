"""AuthEnvelopedData (RFC 5083, RFC 5084, RFC 8103): OpenSSL's authAttrs sample and its
tampered twin, every AEAD cipher, the AAD, authAttrs rules, mac length, AEAD-only,
release of plaintext only after the tag verified."""

from __future__ import annotations

import dataclasses
import io

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import (
    OID_CONTENT_TYPE,
    Attribute,
    Attributes,
    content_type_attr,
    encode_attributes,
    message_digest_attr,
)
from smimelib.cms.auth_enveloped_data import (
    AuthEnvelopedData,
    decrypt_auth_enveloped_data,
    encrypt_auth_enveloped_data,
)
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_DATA,
    ID_SIGNED_DATA,
    encode_content_info,
)
from smimelib.cms.recipients import KEK, KEKRecipient, encode_recipient_infos
from smimelib.crypto import ciphers
from smimelib.errors import DecodeError, DecryptionError, UnsupportedAlgorithm, UsageError
from tests.vectors import load_vector

#: the KEK of OpenSSL's test/recipes/80-test_cms_data/authenveloped_attrs.pem
OPENSSL_KEK = KEK(bytes.fromhex("C0FEE0"), bytes.fromhex("000102030405060708090A0B0C0D0E0F"))
KEK_ID = b"aed"
KEK_KEY = bytes(range(32))
CONTENT = b"AuthEnvelopedData test content\n" * 40
AEAD_CIPHERS = [
    "aes-128-gcm",
    "aes-192-gcm",
    "aes-256-gcm",
    "aes-128-ccm",
    "aes-192-ccm",
    "aes-256-ccm",
    "chacha20-poly1305",
]


def _recipients() -> list[KEKRecipient]:
    return [KEKRecipient(KEK_KEY, KEK_ID)]


def _kek() -> KEK:
    return KEK(KEK_ID, KEK_KEY)


# -- OpenSSL's samples ------------------------------------------------------------------------


@pytest.mark.parametrize("as_stream", [False, True])
def test_openssl_auth_attrs_sample(as_stream: bool) -> None:
    data = load_vector("openssl/cms-data/authenveloped_attrs.pem")
    out = io.BytesIO()
    source: bytes | io.BytesIO = io.BytesIO(data) if as_stream else data
    result = decrypt_auth_enveloped_data(source, [OPENSSL_KEK], output=out)
    assert out.getvalue() == b"Hello AuthEnvelopedData world\n"
    assert result.content is None and result.content_length == 30
    assert result.structure == "auth-enveloped-data"
    assert result.algorithm_name == "id-aes128-GCM"
    assert result.integrity_protected is True
    assert result.version == 0
    assert result.recipient_info is not None and result.recipient_info.kind == "kekri"
    auth = result.authenticated_attributes
    assert auth is not None and [a.oid for a in auth] == ["1.3.6.1.4.1.99999.1"]
    assert tlv.parse_one(auth.items[0].values[0]).as_string() == "hello"
    unauth = result.unprotected_attributes
    assert unauth is not None and [a.oid for a in unauth] == ["1.3.6.1.4.1.99999.2"]
    assert tlv.parse_one(unauth.items[0].values[0]).as_string() == "world"
    assert not any(f.startswith("not-integrity-protected") for f in result.findings)


@pytest.mark.parametrize("as_stream", [False, True])
def test_openssl_tampered_auth_attrs_fail_uniformly(as_stream: bool) -> None:
    data = load_vector("openssl/cms-data/bad_authenveloped_attrs.pem")
    out = io.BytesIO()
    source: bytes | io.BytesIO = io.BytesIO(data) if as_stream else data
    with pytest.raises(DecryptionError) as info:
        decrypt_auth_enveloped_data(source, [OPENSSL_KEK], output=out)
    assert str(info.value) == "decryption failed"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert out.getvalue() == b""


def test_openssl_sample_parses_and_gives_the_aad() -> None:
    parsed = AuthEnvelopedData.from_bytes(load_vector("openssl/cms-data/authenveloped_attrs.pem"))
    assert parsed.version == 0 and parsed.findings == ()
    assert parsed.mac == bytes.fromhex("D786AB821701DD4E8AFF21325FA51D93")
    assert parsed.aad[:1] == b"\x31"  # the SET OF tag replaces [1] IMPLICIT (RFC 5083 2.2)
    assert parsed.authenticated_attributes is not None
    assert parsed.aad[1:] == parsed.authenticated_attributes.raw[1:]  # type: ignore[index]


# -- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", AEAD_CIPHERS)
def test_round_trip_every_aead_cipher(cipher: str) -> None:
    data = encrypt_auth_enveloped_data(CONTENT, _recipients(), cipher=cipher)
    assert tlv.is_der(data)
    parsed = AuthEnvelopedData.from_bytes(data)
    assert parsed.version == 0
    assert parsed.findings == ()
    assert len(parsed.mac) == 16
    assert parsed.authenticated_attributes is None and parsed.aad == b""
    assert parsed.to_der() == data
    result = decrypt_auth_enveloped_data(data, [_kek()])
    assert result.content == CONTENT
    streamed = encrypt_auth_enveloped_data(io.BytesIO(CONTENT), _recipients(), cipher=cipher)
    assert streamed[:2] == b"\x30\x80"
    assert decrypt_auth_enveloped_data(io.BytesIO(streamed), [_kek()]).content == CONTENT


def test_authenticated_attributes_are_the_aad() -> None:
    attr = Attribute("1.3.6.1.4.1.99999.9", (der.encode_utf8("authenticated"),))
    other = Attribute("1.3.6.1.4.1.99999.8", (der.encode_utf8("not authenticated"),))
    data = encrypt_auth_enveloped_data(
        CONTENT, _recipients(), authenticated_attributes=[attr], unauthenticated_attributes=[other]
    )
    parsed = AuthEnvelopedData.from_bytes(data)
    assert parsed.aad == encode_attributes([attr])
    result = decrypt_auth_enveloped_data(data, [_kek()])
    assert result.authenticated_attributes is not None
    assert result.authenticated_attributes.items == (attr,)
    assert result.unprotected_attributes is not None
    assert result.unprotected_attributes.items == (other,)
    # changing an authenticated value breaks the tag; an unauthenticated one does not
    forged = data.replace(b"authenticated", b"AUTHENTICATED", 1)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt_auth_enveloped_data(forged, [_kek()])
    relabelled = data.replace(b"not authenticated", b"NOT authenticated")
    assert decrypt_auth_enveloped_data(relabelled, [_kek()]).content == CONTENT


def test_non_data_content_gets_a_content_type_attribute() -> None:
    data = encrypt_auth_enveloped_data(CONTENT, _recipients(), content_type=ID_SIGNED_DATA)
    parsed = AuthEnvelopedData.from_bytes(data)
    assert parsed.authenticated_attributes is not None
    assert parsed.authenticated_attributes.oids() == (OID_CONTENT_TYPE,)
    assert parsed.findings == ()
    result = decrypt_auth_enveloped_data(data, [_kek()])
    assert result.content_type == ID_SIGNED_DATA
    # the EncryptedContentInfo contentType is outside the AAD; the attribute catches a change
    swapped = data.replace(der.encode_oid(ID_SIGNED_DATA), der.encode_oid(ID_DATA), 1)
    with pytest.raises(DecodeError, match="content-type attribute says"):
        decrypt_auth_enveloped_data(swapped, [_kek()])


def test_unauthenticated_non_data_content_type_is_reported() -> None:
    """RFC 5083 2.1: authAttrs MUST be present for non-data content; a message without them
    still decrypts (the tag checks) but the report says the content type is unauthenticated."""
    data = encrypt_auth_enveloped_data(CONTENT, _recipients())
    relabelled = data.replace(der.encode_oid(ID_DATA), der.encode_oid(ID_SIGNED_DATA), 1)
    result = decrypt_auth_enveloped_data(relabelled, [_kek()])
    assert result.content == CONTENT
    assert any(f.startswith("auth-attributes-missing:") for f in result.findings)
    attr = Attribute("1.3.6.1.4.1.99999.9", (der.encode_utf8("x"),))
    data = encrypt_auth_enveloped_data(CONTENT, _recipients(), authenticated_attributes=[attr])
    relabelled = data.replace(der.encode_oid(ID_DATA), der.encode_oid(ID_SIGNED_DATA), 1)
    result = decrypt_auth_enveloped_data(relabelled, [_kek()])
    assert any(f.startswith("content-type-not-authenticated:") for f in result.findings)


def test_attribute_misuse_is_refused_on_writing() -> None:
    with pytest.raises(UsageError, match="content-type attribute says"):
        encrypt_auth_enveloped_data(
            CONTENT, _recipients(), authenticated_attributes=[content_type_attr(ID_SIGNED_DATA)]
        )
    with pytest.raises(UsageError, match="message-digest"):
        encrypt_auth_enveloped_data(
            CONTENT, _recipients(), authenticated_attributes=[message_digest_attr(bytes(32))]
        )
    with pytest.raises(UsageError, match="AEAD"):
        encrypt_auth_enveloped_data(CONTENT, _recipients(), cipher="aes-256-cbc")
    # a matching content-type attribute is kept as given, not duplicated
    data = encrypt_auth_enveloped_data(
        CONTENT, _recipients(), content_type=ID_SIGNED_DATA,
        authenticated_attributes=[content_type_attr(ID_SIGNED_DATA)],
    )  # fmt: skip
    attrs = AuthEnvelopedData.from_bytes(data).authenticated_attributes
    assert attrs is not None and len(attrs) == 1


# -- hand-built messages ------------------------------------------------------------------------


def _build(
    alg: AlgorithmIdentifier,
    *,
    auth_raw: bytes | None = None,
    content: bytes = CONTENT,
    mac_length: int | None = None,
    cek: bytes | None = None,
) -> bytes:
    """An AuthEnvelopedData with whatever authAttrs encoding and mac length we like."""
    cek = cek if cek is not None else bytes(range(ciphers.key_size(alg)))
    aad = b"\x31" + auth_raw[1:] if auth_raw is not None else b""
    ciphertext, tag = ciphers.encrypt(alg, cek, content, aad=aad)
    if mac_length is not None:
        tag = (tag + bytes(32))[:mac_length]
    infos, _ = encode_recipient_infos([KEKRecipient(KEK_KEY, KEK_ID)], cek, alg)
    eci = der.sequence(
        der.encode_oid(ID_DATA),
        alg.to_der(),
        der.encode_tlv(tlv.Tag.context(0, constructed=False), ciphertext),
    )
    parts = [der.encode_int(0), infos, eci]
    if auth_raw is not None:
        parts.append(auth_raw)
    parts.append(der.encode_octets(tag))
    return encode_content_info(ID_AUTH_ENVELOPED_DATA, der.sequence(*parts))


def test_non_der_auth_attributes_are_reported_and_the_received_octets_authenticated() -> None:
    first = Attribute("1.3.6.1.4.1.99999.2", (der.encode_utf8("b"),)).to_der()
    second = Attribute("1.3.6.1.4.1.99999.1", (der.encode_utf8("a"),)).to_der()
    unsorted = der.encode_tlv(tlv.Tag.context(1, constructed=True), first + second)
    data = _build(ciphers.content_algorithm("aes-256-gcm"), auth_raw=unsorted)
    result = decrypt_auth_enveloped_data(data, [_kek()])
    assert result.content == CONTENT
    assert any(f.startswith("auth-attributes-not-der:") for f in result.findings)


def test_message_digest_in_auth_attributes_is_reported() -> None:
    raw = der.implicit(1, encode_attributes([message_digest_attr(bytes(32))]))
    result = decrypt_auth_enveloped_data(
        _build(ciphers.content_algorithm("aes-128-gcm"), auth_raw=raw), [_kek()]
    )
    assert any(f.startswith("message-digest-in-auth-attributes:") for f in result.findings)


@pytest.mark.parametrize(("icv", "mac_length"), [(16, 12), (12, 16), (12, 13), (14, 15)])
def test_mac_length_must_equal_the_icv_length(icv: int, mac_length: int) -> None:
    alg = ciphers.content_algorithm("aes-128-gcm", icv_len=icv)
    with pytest.raises(DecodeError, match="mac is") as info:
        decrypt_auth_enveloped_data(_build(alg, mac_length=mac_length), [_kek()])
    assert info.value.offset is not None


@pytest.mark.parametrize("mac_length", [12, 15, 17])
def test_chacha_mac_must_be_16_octets(mac_length: int) -> None:
    alg = ciphers.content_algorithm("chacha20-poly1305")
    with pytest.raises(DecodeError, match="16-octet tag"):
        decrypt_auth_enveloped_data(_build(alg, mac_length=mac_length), [_kek()])
    assert decrypt_auth_enveloped_data(_build(alg), [_kek()]).content == CONTENT


@pytest.mark.parametrize("icv", [12, 13, 14, 15, 16])
def test_every_gcm_icv_length_reads(icv: int) -> None:
    alg = ciphers.content_algorithm("aes-128-gcm", icv_len=icv)
    assert decrypt_auth_enveloped_data(_build(alg), [_kek()]).content == CONTENT


def test_ccm_short_tags_and_nonces() -> None:
    alg = ciphers.content_algorithm("aes-128-ccm", bytes(7), icv_len=8)
    assert decrypt_auth_enveloped_data(_build(alg), [_kek()]).content == CONTENT


def test_cbc_inside_auth_enveloped_data_is_refused() -> None:
    data = encrypt_auth_enveloped_data(CONTENT, _recipients(), cipher="aes-128-gcm")
    parsed = AuthEnvelopedData.from_bytes(data)
    cbc = ciphers.content_algorithm("aes-128-cbc")
    forged = dataclasses.replace(parsed, content_encryption_algorithm=cbc).to_der()
    with pytest.raises(UnsupportedAlgorithm, match="RFC 5083"):
        decrypt_auth_enveloped_data(forged, [_kek()])


def test_malformed_tails() -> None:
    data = encrypt_auth_enveloped_data(CONTENT, _recipients())
    parsed = AuthEnvelopedData.from_bytes(data)
    body = tlv.parse_one(data).children()[1].children()[0]
    parts = [p.raw for p in body.children()]
    no_mac = encode_content_info(ID_AUTH_ENVELOPED_DATA, der.sequence(*parts[:-1]))
    with pytest.raises(DecodeError, match="expected mac"):
        decrypt_auth_enveloped_data(no_mac, [_kek()])
    extra = encode_content_info(
        ID_AUTH_ENVELOPED_DATA, der.sequence(*parts, der.encode_octets(b"second mac"))
    )
    with pytest.raises(DecodeError, match="unexpected"):
        decrypt_auth_enveloped_data(extra, [_kek()])
    wrong_version = dataclasses.replace(parsed, version=2).to_der()
    result = decrypt_auth_enveloped_data(wrong_version, [_kek()])
    assert any(f.startswith("auth-enveloped-data-version:") for f in result.findings)


def test_empty_attribute_sets_are_refused() -> None:
    raw = der.encode_tlv(tlv.Tag.context(1, constructed=True), b"")
    with pytest.raises(DecodeError, match="authAttrs"):
        decrypt_auth_enveloped_data(
            _build(ciphers.content_algorithm("aes-128-gcm"), auth_raw=raw), [_kek()]
        )


def test_attributes_are_kept_as_received() -> None:
    attr = Attribute("1.3.6.1.4.1.99999.9", (der.encode_utf8("v"),))
    data = encrypt_auth_enveloped_data(CONTENT, _recipients(), authenticated_attributes=[attr])
    parsed = AuthEnvelopedData.from_bytes(data)
    assert isinstance(parsed.authenticated_attributes, Attributes)
    assert parsed.authenticated_attributes.is_der()
