"""PKCS #1 v1.5 implicit rejection in KeyTransRecipientInfo (issue M3, item 5).

RFC 3218 section 2.3 and THREATS "No decryption oracle": whatever is wrong with an
RSAES-PKCS1-v1_5 encryptedKey -- padding that does not start 00 02, a well padded key of
the wrong length, a key encrypted for another modulus -- decryption carries on with a
pseudo-random content-encryption key and fails where a wrong key fails: after content
decryption, with the same exception type and text, and no chained cause that could tell
the cases apart. The content decryptor is spied on to show that it was reached.

The messages are AuthEnvelopedData with AES-256-GCM: a wrong key then always fails at the
tag (with CBC a random key passes the padding check once in ~256 tries, which is the
reason RFC 8551 prefers AEAD, not a property of the rejection).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from Crypto.Random import get_random_bytes

from smimelib.asn1 import tlv
from smimelib.cms.content_info import parse_content_info
from smimelib.cms.decryption import decrypt
from smimelib.cms.encryption import encrypt
from smimelib.cms.recipients import (
    KeyPair,
    KeyTransRecipient,
    KeyTransRecipientInfo,
    parse_recipient_infos,
)
from smimelib.crypto import ciphers, keytransport
from smimelib.errors import DecryptionError
from tests.cms.conftest import EnvPKI

CONTENT = b"implicit rejection keeps this secret " * 8
CEK_LENGTH = 32  # AES-256-GCM


@dataclass(frozen=True)
class Rsa:
    n: int
    e: int
    k: int  # modulus length in octets


def _rsa(env_pki: EnvPKI, name: str) -> Rsa:
    key = env_pki[name].certificate.public_key.key
    return Rsa(int(key.n), int(key.e), (int(key.n).bit_length() + 7) // 8)


def _encrypted_key(message: bytes) -> bytes:
    fields = parse_content_info(message).require_content().children()
    (ri_set,) = [f for f in fields if f.tag == tlv.Tag.SET]
    (ktri,) = parse_recipient_infos(ri_set, limits=ri_set.limits)
    assert isinstance(ktri, KeyTransRecipientInfo)
    return ktri.encrypted_key


def _splice(message: bytes, encrypted_key: bytes) -> bytes:
    """The message with its one encryptedKey replaced by another of the same length."""
    old = _encrypted_key(message)
    assert len(old) == len(encrypted_key)
    assert message.count(old) == 1
    return message.replace(old, encrypted_key)


def _raw_rsa(rsa: Rsa, block: bytes) -> bytes:
    """Textbook RSA of a k-octet block (no padding added): pow(m, e, n)."""
    assert len(block) == rsa.k
    m = int.from_bytes(block, "big")
    assert m < rsa.n
    return pow(m, rsa.e, rsa.n).to_bytes(rsa.k, "big")


def _nonzero(length: int) -> bytes:
    out = bytearray()
    while len(out) < length:
        out += bytes(b for b in get_random_bytes(length) if b)
    return bytes(out[:length])


def _v15_block(rsa: Rsa, key: bytes) -> bytes:
    """EME-PKCS1-v1_5 encoding (RFC 8017 section 7.2.1): 00 02 PS 00 M."""
    return b"\x00\x02" + _nonzero(rsa.k - 3 - len(key)) + b"\x00" + key


@pytest.fixture(scope="module")
def target(env_pki: EnvPKI) -> tuple[bytes, KeyPair]:
    """A valid v1.5 AuthEnvelopedData for the ``rsa`` identity, and its decryption key."""
    identity = env_pki["rsa"]
    message = encrypt(CONTENT, [KeyTransRecipient(identity.certificate)], cipher="aes-256-gcm")
    return message, KeyPair(identity.identity.key, identity.certificate)


def _crafted(env_pki: EnvPKI, kind: str) -> bytes:
    rsa = _rsa(env_pki, "rsa")
    if kind == "bad-padding":
        # 00 01 ...: a signature block, not an encryption block
        return _raw_rsa(rsa, b"\x00\x01" + get_random_bytes(rsa.k - 2))
    if kind == "no-leading-zero":
        # 01 02 ...: below n, since n has its top bit set
        return _raw_rsa(rsa, b"\x01\x02" + get_random_bytes(rsa.k - 2))
    if kind == "no-separator":
        return _raw_rsa(rsa, b"\x00\x02" + _nonzero(rsa.k - 2))
    if kind == "short-key":
        return _raw_rsa(rsa, _v15_block(rsa, get_random_bytes(16)))
    if kind == "long-key":
        return _raw_rsa(rsa, _v15_block(rsa, get_random_bytes(48)))
    if kind == "empty-key":
        return _raw_rsa(rsa, b"\x00\x02" + _nonzero(rsa.k - 3) + b"\x00")
    if kind == "other-modulus":
        # a valid encryption of a fresh CEK, for the other RSA-2048 key of env_pki
        other = env_pki["rsa-b"].certificate.public_key
        return keytransport.encrypt_key(other, keytransport.pkcs1_algorithm(), get_random_bytes(32))
    if kind == "wrong-cek":
        # perfectly valid padding and length: only the content decryption can fail
        return _raw_rsa(rsa, _v15_block(rsa, get_random_bytes(CEK_LENGTH)))
    if kind == "all-zero":
        return bytes(rsa.k)
    raise AssertionError(kind)


KINDS = [
    "bad-padding",
    "no-leading-zero",
    "no-separator",
    "short-key",
    "long-key",
    "empty-key",
    "other-modulus",
    "wrong-cek",
    "all-zero",
]


@dataclass
class Spy:
    """Records the keys content_decryptor was called with."""

    keys: list[bytes]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    """Wrap smimelib.crypto.ciphers.content_decryptor wherever smimelib imported it."""
    original: Callable[..., Any] = ciphers.content_decryptor
    record = Spy([])

    def spying(alg: Any, key: bytes, **kwargs: Any) -> Any:
        record.keys.append(bytes(key))
        return original(alg, key, **kwargs)

    monkeypatch.setattr(ciphers, "content_decryptor", spying)
    for name, module in list(sys.modules.items()):
        if name.startswith("smimelib.") and getattr(module, "content_decryptor", None) is original:
            monkeypatch.setattr(module, "content_decryptor", spying)
    yield record


def _failure(message: bytes, key: KeyPair) -> DecryptionError:
    with pytest.raises(DecryptionError) as info:
        decrypt(message, [key])
    return info.value


def test_valid_message_decrypts(target: tuple[bytes, KeyPair], spy: Spy) -> None:
    message, key = target
    assert decrypt(message, [key]).content == CONTENT
    assert len(spy.keys) == 1 and len(spy.keys[0]) == CEK_LENGTH


@pytest.mark.parametrize("kind", KINDS)
def test_every_bad_encrypted_key_fails_after_content_decryption(
    env_pki: EnvPKI, target: tuple[bytes, KeyPair], spy: Spy, kind: str
) -> None:
    message, key = target
    crafted = _splice(message, _crafted(env_pki, kind))
    error = _failure(crafted, key)
    # reached content decryption with a key of the length the cipher needs
    assert len(spy.keys) == 1, f"{kind}: content decryptor not reached (failed earlier)"
    assert len(spy.keys[0]) == CEK_LENGTH
    # one exception, one text, nothing chained
    assert type(error) is DecryptionError
    assert error.message == ciphers.DECRYPTION_FAILED
    assert str(error) == ciphers.DECRYPTION_FAILED
    assert error.offset is None and error.oid is None
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_all_failures_are_indistinguishable(
    env_pki: EnvPKI, target: tuple[bytes, KeyPair], spy: Spy
) -> None:
    """Same type, text, repr and attributes for every kind of bad encryptedKey."""
    message, key = target
    seen = set()
    for kind in KINDS:
        error = _failure(_splice(message, _crafted(env_pki, kind)), key)
        seen.add((type(error), str(error), repr(error), error.offset, error.oid, error.oid_name))
    assert len(seen) == 1, seen
    assert len(spy.keys) == len(KINDS)


def test_rejection_key_is_stable_per_ciphertext(
    env_pki: EnvPKI, target: tuple[bytes, KeyPair], spy: Spy
) -> None:
    """Submitting one bad ciphertext twice gives the same pseudo-random key (a fresh random
    key each time would let an attacker tell a padding failure from a valid padding);
    two different bad ciphertexts give different keys."""
    message, key = target
    first = _splice(message, _crafted(env_pki, "bad-padding"))
    second = _splice(message, _crafted(env_pki, "short-key"))
    _failure(first, key)
    _failure(first, key)
    _failure(second, key)
    assert spy.keys[0] == spy.keys[1]
    assert spy.keys[0] != spy.keys[2]


def test_same_issuer_and_serial_other_key(env_pki: EnvPKI, target: tuple[bytes, KeyPair]) -> None:
    """The caller holds a certificate with the right issuer and serial number but another
    RSA key of the same size (the message's recipient identifier matches it): the message
    fails like any other wrong key, not earlier."""
    message, _ = target
    wrong = KeyPair(env_pki["rsa-b"].identity.key, env_pki["rsa"].certificate)
    good_cek_for_other = _splice(message, _crafted(env_pki, "wrong-cek"))
    reference = _failure(
        good_cek_for_other, KeyPair(env_pki["rsa"].identity.key, env_pki["rsa"].certificate)
    )
    error = _failure(message, wrong)
    assert (type(error), str(error)) == (type(reference), str(reference))
    assert error.__cause__ is None


def test_oaep_failures_say_the_same(env_pki: EnvPKI) -> None:
    """RSAES-OAEP has no padding oracle by construction (RFC 8017 7.1.2 note), but its
    failures still read exactly like every other decryption failure."""
    identity = env_pki["rsa"]
    key = KeyPair(identity.identity.key, identity.certificate)
    message = encrypt(
        CONTENT, [KeyTransRecipient(identity.certificate, oaep=True)], cipher="aes-256-gcm"
    )
    rsa = _rsa(env_pki, "rsa")
    for block in (
        _raw_rsa(rsa, b"\x00\x01" + get_random_bytes(rsa.k - 2)),
        _raw_rsa(rsa, _v15_block(rsa, get_random_bytes(CEK_LENGTH))),
    ):
        error = _failure(_splice(message, block), key)
        assert str(error) == ciphers.DECRYPTION_FAILED
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
