"""Properties of encryption and decryption (issue M3, item 4).

* Round trip: any content (empty and multi-megabyte included) under any content cipher
  smimelib writes, to any mix of one to four recipients (KTRI v1.5 and OAEP, KARI P-256,
  P-384, X25519, X448 with the X9.63 KDF or HKDF, KEKRI, PWRI), decrypts to the same
  octets with each recipient's key alone, as bytes and as streams.
* AEAD integrity (RFC 5083 section 2.2, RFC 5084, RFC 8103): a single bit flipped anywhere
  in an AuthEnvelopedData message never yields other content; flipped inside the
  encrypted content, the tag or an authenticated attribute's value it is DecryptionError;
  a wrong key is DecryptionError; nothing but smimelib errors ever escapes.

Keys come from the session fixture ``env_pki`` (RSA generation is slow).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO, cast

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import Attribute
from smimelib.cms.content_info import (
    ID_AUTH_ENVELOPED_DATA,
    ID_ENCRYPTED_DATA,
    ID_ENVELOPED_DATA,
    parse_content_info,
)
from smimelib.cms.decryption import ContentKey, decrypt
from smimelib.cms.encrypted_data import decrypt_encrypted_data, encrypt_data
from smimelib.cms.encryption import encrypt
from smimelib.cms.recipients import (
    KEK,
    KEKRecipient,
    KeyAgreeRecipient,
    KeyAgreeRecipientInfo,
    KeyPair,
    KeyTransRecipient,
    OriginatorPublicKey,
    Password,
    PasswordRecipient,
    Recipient,
    RecipientKey,
)
from smimelib.crypto.keys import KeyType, PrivateKey, generate_private_key
from smimelib.errors import DecryptionError, SmimeError
from tests.cms.conftest import EnvPKI

CBC = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc"]
AEAD = [
    "aes-128-gcm",
    "aes-192-gcm",
    "aes-256-gcm",
    "aes-128-ccm",
    "aes-192-ccm",
    "aes-256-ccm",
    "chacha20-poly1305",
]
KINDS = [
    "ktri-v15",
    "ktri-oaep",
    "kari-p256",
    "kari-p384",
    "kari-x25519",
    "kari-x448",
    "kekri",
    "pwri",
]
PWRI_ITERATIONS = 1000  # small: the property is the structure, not the work factor

# fixtures are session-scoped; hypothesis must not complain about them
_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    """Mostly small content, sometimes empty, rarely 1-3 MiB built cheaply."""
    choice = draw(st.integers(0, 19))
    if choice == 0:
        return b""
    if choice == 1:
        size = draw(st.integers(1 << 20, 3 << 20))
        head = draw(st.binary(min_size=1, max_size=32))
        return head + bytes(size - len(head) - 1) + b"\xff"
    return draw(st.binary(max_size=3000))


@dataclass(frozen=True)
class Choice:
    """One recipient of a drawn mix, with the options drawn for it."""

    kind: str
    hash: str = "sha256"
    flag: bool = False  # OAEP: n/a; KARI: cofactor (NIST) / HKDF (X25519, X448)
    secret: bytes = b""  # KEKRI: the KEK; PWRI: the password
    key_id: bytes = b""


@st.composite
def recipient_mixes(draw: st.DrawFn) -> list[Choice]:
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True))
    out = []
    for kind in kinds:
        if kind == "ktri-oaep":
            out.append(Choice(kind, hash=draw(st.sampled_from(["sha256", "sha384", "sha512"]))))
        elif kind.startswith("kari"):
            hash_name = draw(st.sampled_from(["sha256", "sha384", "sha512"]))
            out.append(Choice(kind, hash=hash_name, flag=draw(st.booleans())))
        elif kind == "kekri":
            kek = draw(
                st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
            )
            out.append(Choice(kind, secret=kek, key_id=draw(st.binary(min_size=1, max_size=20))))
        elif kind == "pwri":
            password = draw(st.text(min_size=1, max_size=24)).encode("utf-8")
            out.append(
                Choice(
                    kind,
                    hash=draw(st.sampled_from(["hmac-sha1", "hmac-sha256", "hmac-sha512"])),
                    secret=password,
                )
            )
        else:
            out.append(Choice(kind))
    return out


def _pair(pki: EnvPKI, name: str) -> KeyPair:
    return KeyPair(pki[name].identity.key, pki[name].certificate)


_KARI_CERT = {
    "kari-p256": "p-256",
    "kari-p384": "p-384",
    "kari-x25519": "x25519",
    "kari-x448": "x448",
}


def _build(pki: EnvPKI, choice: Choice) -> tuple[Recipient, RecipientKey]:
    """The recipient spec to encrypt to, and the key that decrypts."""
    if choice.kind == "ktri-v15":
        return KeyTransRecipient(pki["rsa"].certificate), _pair(pki, "rsa")
    if choice.kind == "ktri-oaep":
        spec = KeyTransRecipient(pki["rsa-b"].certificate, oaep=True, oaep_hash=choice.hash)
        return spec, _pair(pki, "rsa-b")
    if choice.kind in _KARI_CERT:
        name = _KARI_CERT[choice.kind]
        if name.startswith("x"):
            kari = KeyAgreeRecipient(pki[name].certificate, kdf_hash=choice.hash, hkdf=choice.flag)
        else:
            kari = KeyAgreeRecipient(
                pki[name].certificate, kdf_hash=choice.hash, cofactor=choice.flag
            )
        return kari, _pair(pki, name)
    if choice.kind == "kekri":
        return KEKRecipient(choice.secret, choice.key_id), KEK(
            key_id=choice.key_id, key=choice.secret
        )
    if choice.kind == "pwri":
        password = PasswordRecipient(choice.secret, iterations=PWRI_ITERATIONS, prf=choice.hash)
        return password, Password(choice.secret)
    raise AssertionError(choice.kind)


def _expected_type(cipher: str) -> str:
    return ID_ENVELOPED_DATA if cipher in CBC else ID_AUTH_ENVELOPED_DATA


# -- round trips ------------------------------------------------------------------------------


@_SETTINGS
@given(content=contents(), cipher=st.sampled_from(CBC + AEAD), mix=recipient_mixes())
def test_round_trip_each_recipient(
    env_pki: EnvPKI, content: bytes, cipher: str, mix: list[Choice]
) -> None:
    event("multi-megabyte content" if len(content) > 1 << 20 else "small content")
    built = [_build(env_pki, c) for c in mix]
    message = encrypt(content, [spec for spec, _ in built], cipher=cipher)
    assert parse_content_info(message).content_type == _expected_type(cipher)
    for (_, key), choice in zip(built, mix, strict=True):
        result = decrypt(message, [key])
        assert result.content == content, choice
        assert result.integrity_protected is (cipher in AEAD)
        assert result.weak is False
        kind = choice.kind.split("-")[0]
        assert result.recipient_info is not None
        assert result.recipient_info.kind == kind


@_SETTINGS
@given(
    content=contents(),
    cipher=st.sampled_from([c for c in CBC + AEAD if "ccm" not in c]),
    mix=recipient_mixes(),
    chunk=st.sampled_from([1, 7, 4096, 1 << 16]),
)
def test_round_trip_streams(
    env_pki: EnvPKI, content: bytes, cipher: str, mix: list[Choice], chunk: int
) -> None:
    """Streams in, streams out: indefinite-length BER written as the content is read, and
    decryption written to an output object (AEAD: only once the tag verified)."""
    built = [_build(env_pki, c) for c in mix[:2]]
    sink = io.BytesIO()
    encrypt(io.BytesIO(content), [spec for spec, _ in built], cipher=cipher, output=sink)
    message = sink.getvalue()
    assert parse_content_info(message).content_type == _expected_type(cipher)
    for _, key in built:
        out = io.BytesIO()
        # one-octet reads of a multi-megabyte message would only measure Python overhead
        size = chunk if len(message) < (1 << 17) else max(chunk, 4096)
        result = decrypt(cast(BinaryIO, _Chunked(message, size)), [key], output=out)
        assert result.content is None
        assert out.getvalue() == content
    # and the streamed message is an ordinary message for the bytes API
    assert decrypt(message, [built[0][1]]).content == content


class _Chunked(io.RawIOBase):
    """A non-seekable reader that returns at most ``chunk`` octets per read."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._chunk, len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


# -- AEAD integrity ---------------------------------------------------------------------------

ATTR_OID = "1.3.6.1.4.1.55555.7.1"


@dataclass(frozen=True)
class Regions:
    """Absolute [start, end) spans of an AuthEnvelopedData message."""

    ciphertext: tuple[int, int]
    mac: tuple[int, int]
    auth_attrs: tuple[int, int] | None
    attr_value: tuple[int, int] | None  # content octets of our OCTET STRING attribute value


def _regions(message: bytes) -> Regions:
    fields = parse_content_info(message).require_content().children()
    eci = next(f for f in fields if f.tag == tlv.Tag.SEQUENCE)
    encrypted = eci.children()[2]
    mac = next(f for f in fields if f.tag == tlv.Tag.OCTET_STRING)
    auth = [f for f in fields if f.tag == tlv.Tag.context(1)]
    auth_span = value_span = None
    if auth:
        auth_span = (auth[0].offset, auth[0].end_offset)
        for attr in auth[0].children():
            oid, values = attr.children()
            if oid.as_oid() == ATTR_OID:
                (value,) = values.children()
                value_span = (value.content_offset, value.content_offset + value.content_length)
    return Regions(
        (encrypted.content_offset, encrypted.content_offset + encrypted.content_length),
        (mac.content_offset, mac.content_offset + mac.content_length),
        auth_span,
        value_span,
    )


def _flip(message: bytes, position: int, bit: int) -> bytes:
    data = bytearray(message)
    data[position] ^= 1 << bit
    return bytes(data)


@cache
def _aead_message(cipher: str, attrs: bool) -> tuple[bytes, KEK, bytes]:
    content = b"AEAD protects every octet of this text." * 3
    kek = KEK(key_id=b"flip", key=bytes(range(32)))
    extra = (Attribute(ATTR_OID, (der.encode_octets(b"authenticated value"),)),) if attrs else ()
    message = encrypt(
        content, [KEKRecipient(kek.key, kek.key_id)], cipher=cipher, authenticated_attributes=extra
    )
    return message, kek, content


@_SETTINGS
@given(cipher=st.sampled_from(AEAD), attrs=st.booleans(), data=st.data())
def test_bit_flip_anywhere_never_changes_content(
    env_pki: EnvPKI, cipher: str, attrs: bool, data: st.DataObject
) -> None:
    message, kek, content = _aead_message(cipher, attrs)
    position = data.draw(st.integers(0, len(message) - 1), label="position")
    flipped = _flip(message, position, data.draw(st.integers(0, 7), label="bit"))
    try:
        result = decrypt(flipped, [kek])
    except SmimeError:
        return
    # the flip hit something unauthenticated that still parses (e.g. a length-preserving
    # OID): the content must be exactly what was encrypted
    assert result.content == content


@_SETTINGS
@given(cipher=st.sampled_from(AEAD), attrs=st.booleans(), data=st.data())
def test_bit_flip_in_ciphertext_or_tag_is_decryption_error(
    env_pki: EnvPKI, cipher: str, attrs: bool, data: st.DataObject
) -> None:
    message, kek, _ = _aead_message(cipher, attrs)
    regions = _regions(message)
    spans = [regions.ciphertext, regions.mac]
    if regions.attr_value is not None:
        spans.append(regions.attr_value)
    start, end = data.draw(st.sampled_from(spans), label="region")
    position = data.draw(st.integers(start, end - 1), label="position")
    flipped = _flip(message, position, data.draw(st.integers(0, 7), label="bit"))
    with pytest.raises(DecryptionError) as info:
        decrypt(flipped, [kek])
    assert info.value.message == "decryption failed"
    assert info.value.__cause__ is None


@_SETTINGS
@given(cipher=st.sampled_from(AEAD), data=st.data())
def test_bit_flip_in_auth_attrs_is_an_smimelib_error(
    env_pki: EnvPKI, cipher: str, data: st.DataObject
) -> None:
    """authAttrs are the AAD (RFC 5083 section 2.2): any change is refused -- as a
    DecodeError when the flip breaks their DER, else as DecryptionError."""
    message, kek, _ = _aead_message(cipher, True)
    span = _regions(message).auth_attrs
    assert span is not None
    position = data.draw(st.integers(span[0], span[1] - 1), label="position")
    flipped = _flip(message, position, data.draw(st.integers(0, 7), label="bit"))
    with pytest.raises(SmimeError):
        decrypt(flipped, [kek])


@_SETTINGS
@given(
    cipher=st.sampled_from(AEAD),
    kind=st.sampled_from(["ktri-v15", "ktri-oaep", "kari-p256", "kari-x25519", "kekri", "pwri"]),
)
def test_wrong_key_is_decryption_error(env_pki: EnvPKI, cipher: str, kind: str) -> None:
    """The right recipient identifier with the wrong secret: DecryptionError, always the
    same text (for v1.5 through implicit rejection and the AEAD tag)."""
    spec, _ = _build(env_pki, Choice(kind, secret=b"sesame" * 4, key_id=b"id"))
    message = encrypt(b"wrong keys learn nothing", [spec], cipher=cipher)
    wrong: RecipientKey
    if kind == "ktri-v15":
        wrong = KeyPair(env_pki["rsa-b"].identity.key, env_pki["rsa"].certificate)
    elif kind == "ktri-oaep":
        wrong = KeyPair(env_pki["rsa"].identity.key, env_pki["rsa-b"].certificate)
    elif kind == "kari-p256":
        wrong = KeyPair(_stranger("P-256"), env_pki["p-256"].certificate)
    elif kind == "kari-x25519":
        wrong = KeyPair(_stranger("x25519"), env_pki["x25519"].certificate)
    elif kind == "kekri":
        wrong = KEK(key_id=b"id", key=b"SESAME" * 4)
    else:
        wrong = Password(b"not the password")
    with pytest.raises(DecryptionError) as info:
        decrypt(message, [wrong])
    assert info.value.message == "decryption failed"
    assert info.value.__cause__ is None


@cache
def _stranger(curve: str) -> PrivateKey:
    """A private key that belongs to no env_pki certificate (same type and curve)."""
    if curve == "x25519":
        return generate_private_key(KeyType.X25519)
    return generate_private_key(KeyType.EC, curve=curve)


def _keys_of(pki: EnvPKI, mix: Sequence[Choice]) -> list[RecipientKey]:
    return [_build(pki, c)[1] for c in mix]


@_SETTINGS
@given(cipher=st.sampled_from(CBC + AEAD), mix=recipient_mixes())
def test_all_keys_at_once(env_pki: EnvPKI, cipher: str, mix: list[Choice]) -> None:
    """Given every key at once, decryption uses one matching recipient info and succeeds."""
    specs = [_build(env_pki, c)[0] for c in mix]
    message = encrypt(b"one of you will do", specs, cipher=cipher)
    result = decrypt(message, _keys_of(env_pki, mix))
    assert result.content == b"one of you will do"
    assert len(result.recipient_infos) >= 1


# -- X25519 / X448 (RFC 8418): no interop peer writes them here --------------------------------

_HKDF_SCHEME = {"sha256": "1.2.840.113549.1.9.16.3.19", "sha384": "1.2.840.113549.1.9.16.3.20",
                "sha512": "1.2.840.113549.1.9.16.3.21"}  # fmt: skip
_X963_SCHEME = {"sha256": "1.3.132.1.11.1", "sha384": "1.3.132.1.11.2", "sha512": "1.3.132.1.11.3"}
_CURVE_OID = {"x25519": "1.3.101.110", "x448": "1.3.101.111"}


@pytest.mark.parametrize("hash_name", ["sha256", "sha384", "sha512"])
@pytest.mark.parametrize("hkdf", [False, True], ids=["x963-kdf", "hkdf"])
@pytest.mark.parametrize("curve", ["x25519", "x448"])
@pytest.mark.parametrize("cipher", ["aes-128-gcm", "aes-256-cbc"])
def test_x25519_x448_round_trip(
    env_pki: EnvPKI, curve: str, hkdf: bool, hash_name: str, cipher: str
) -> None:
    """RFC 8418 section 2: the X9.63 KDF (dhSinglePass-stdDH-shaNkdf) or HKDF
    (dhSinglePass-stdDH-hkdf-shaN); section 3.2: the ephemeral originatorKey is id-X25519 /
    id-X448 with parameters absent. The message decrypts with the recipient's key, and
    with a ukm too (entityUInfo; for HKDF also the salt)."""
    for ukm in (None, b"user keying material"):
        spec = KeyAgreeRecipient(env_pki[curve].certificate, kdf_hash=hash_name, hkdf=hkdf, ukm=ukm)
        message = encrypt(b"montgomery", [spec], cipher=cipher)
        result = decrypt(message, [_pair(env_pki, curve)])
        assert result.content == b"montgomery"
        info = result.recipient_info
        assert isinstance(info, KeyAgreeRecipientInfo)
        expected = (_HKDF_SCHEME if hkdf else _X963_SCHEME)[hash_name]
        assert info.key_encryption_algorithm.oid == expected
        assert isinstance(info.originator, OriginatorPublicKey)
        assert info.originator.algorithm == AlgorithmIdentifier(_CURVE_OID[curve], None)
        assert len(info.originator.public_key) == (32 if curve == "x25519" else 56)
        assert info.ukm == ukm


# -- EncryptedData (RFC 5652 section 8) ---------------------------------------------------------


@_SETTINGS
@given(
    content=contents(),
    cipher=st.sampled_from(CBC),
    attrs=st.booleans(),
    stream=st.booleans(),
    data=st.data(),
)
def test_encrypted_data_round_trip(
    content: bytes, cipher: str, attrs: bool, stream: bool, data: st.DataObject
) -> None:
    """EncryptedData under a caller key: the same content back through
    ``decrypt_encrypted_data`` and through ``decrypt`` with a ContentKey; version 2 with
    unprotectedAttrs (reported), else 0."""
    size = {"aes-128-cbc": 16, "aes-192-cbc": 24, "aes-256-cbc": 32}[cipher]
    key = data.draw(st.binary(min_size=size, max_size=size), label="key")
    extra = (Attribute(ATTR_OID, (der.encode_octets(b"not secret"),)),) if attrs else ()
    if stream:
        sink = io.BytesIO()
        encrypt_data(
            io.BytesIO(content), key, cipher=cipher, unprotected_attributes=extra, output=sink
        )
        message = sink.getvalue()
    else:
        message = encrypt_data(content, key, cipher=cipher, unprotected_attributes=extra)
    assert parse_content_info(message).content_type == ID_ENCRYPTED_DATA
    result = decrypt_encrypted_data(message, key)
    assert result.content == content
    assert result.structure == "encrypted-data"
    assert result.integrity_protected is False
    assert result.version == (2 if attrs else 0)
    got = (
        {a.oid for a in result.unprotected_attributes.items}
        if result.unprotected_attributes
        else set()
    )
    assert got == ({ATTR_OID} if attrs else set())
    assert decrypt(message, [ContentKey(key)]).content == content
    wrong = bytes(b ^ 0xFF for b in key)
    try:
        outcome = decrypt_encrypted_data(message, wrong)
    except DecryptionError as exc:
        assert exc.message == "decryption failed"
    else:
        # CBC has no integrity: a wrong key passes the padding check about once in 256
        assert outcome.content != content
