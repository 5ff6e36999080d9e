"""Key-wrap algorithms: AES key wrap, with padding, the PWRI-KEK wrap and 3DES wrap.

* AES key wrap (RFC 3394), id-aes128/192/256-wrap (RFC 3565 section 2.3.2):
  the AlgorithmIdentifier parameters MUST be absent. NULL parameters are
  accepted on input because old PKI.js and other encoders wrote them
  (FIELD-NOTES row 9); callers that report quirks can check
  ``alg.has_null_parameters``.
* AES key wrap with padding (RFC 5649), id-aes128/192/256-wrap-pad.
* The PWRI-KEK wrap (RFC 3211 section 2.3, id-alg-PWRI-KEK): the CEK is
  formatted (length, check bytes, padding) and encrypted twice in CBC mode with
  the inner cipher named by the parameters (AES-CBC, or 3DES-CBC on input).
  Used by CMS PasswordRecipientInfo.
* The Triple-DES key wrap (RFC 3217 section 3, id-alg-CMS3DESwrap): unwrap
  only, legacy.

Every unwrap failure raises ``DecryptionError("decryption failed")``, the same
text as every other decryption failure (RFC 3218). A KEK of the wrong length
is caller misuse (:class:`UsageError`): KEKs derived by smimelib always have
the size of the algorithm.
"""

from __future__ import annotations

import hashlib
from typing import Any

from Crypto.Cipher import AES, DES3
from Crypto.Random import get_random_bytes

from smimelib.asn1 import oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import ciphers
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Policy,
    Use,
    lookup,
    lookup_name,
    register,
)
from smimelib.errors import DecodeError, DecryptionError, UnsupportedAlgorithm, UsageError

__all__ = [
    "CMS3DES_WRAP",
    "PWRI_KEK",
    "aes_key_unwrap",
    "aes_key_unwrap_pad",
    "aes_key_wrap",
    "aes_key_wrap_pad",
    "cms3des_unwrap",
    "kek_size",
    "pwri_kek_algorithm",
    "pwri_unwrap",
    "pwri_wrap",
    "unwrap",
    "wrap",
    "wrap_algorithm",
]

#: id-alg-PWRI-KEK (RFC 3211 section 2.3)
PWRI_KEK = "1.2.840.113549.1.9.16.3.9"
#: id-alg-CMS3DESwrap (RFC 3217 section 3.3)
CMS3DES_WRAP = "1.2.840.113549.1.9.16.3.6"

_AES_WRAP: dict[str, int] = {}  # OID -> KEK size
_AES_WRAP_PAD: dict[str, int] = {}
_3DES_WRAP_IV = bytes.fromhex("4adda22c79e82105")  # RFC 3217 section 3.1


def _register(info: AlgorithmInfo) -> None:
    register(info)
    if oids.name_of(info.oid) == info.oid:
        oids.register(info.oid, info.name)


for _bits, _arc in ((128, 0), (192, 20), (256, 40)):
    _oid = f"2.16.840.1.101.3.4.1.{_arc + 5}"
    _AES_WRAP[_oid] = _bits // 8
    _register(
        AlgorithmInfo(
            _oid, f"id-aes{_bits}-wrap", Kind.KEY_WRAP, rfc="RFC 3565 section 2.3.2",
            key_size=_bits // 8, aliases=(f"aes-{_bits}-wrap", f"aes{_bits}-wrap"),
        )
    )  # fmt: skip
    _oid = f"2.16.840.1.101.3.4.1.{_arc + 8}"
    _AES_WRAP_PAD[_oid] = _bits // 8
    _register(
        AlgorithmInfo(
            _oid, f"id-aes{_bits}-wrap-pad", Kind.KEY_WRAP, rfc="RFC 5649 section 3",
            key_size=_bits // 8, aliases=(f"aes-{_bits}-wrap-pad", f"aes{_bits}-wrap-pad"),
        )
    )  # fmt: skip
_register(
    AlgorithmInfo(
        PWRI_KEK, "id-alg-PWRI-KEK", Kind.KEY_WRAP, rfc="RFC 3211 section 2.3",
        aliases=("pwri-kek",),
    )
)  # fmt: skip
_register(
    AlgorithmInfo(
        CMS3DES_WRAP, "id-alg-CMS3DESwrap", Kind.KEY_WRAP, Flag.LEGACY | Flag.CONSUME_ONLY,
        rfc="RFC 3217 section 3", key_size=24, aliases=("3des-wrap",),
    )
)  # fmt: skip


def _fail() -> DecryptionError:
    return DecryptionError(ciphers.DECRYPTION_FAILED)


def _check_aes_kek(kek: bytes, size: int | None = None) -> bytes:
    kek = bytes(kek)
    if len(kek) not in (16, 24, 32) or (size is not None and len(kek) != size):
        want = f"{size}" if size is not None else "16, 24 or 32"
        raise UsageError(f"the AES key-encryption key must be {want} octets, not {len(kek)}")
    return kek


# ---------------------------------------------------------------------------
# AES key wrap (RFC 3394) and with padding (RFC 5649)


def aes_key_wrap(kek: bytes, key: bytes) -> bytes:
    """AES key wrap (RFC 3394 section 2.2.1); ``key`` is a multiple of 8 octets, at least 16."""
    key = bytes(key)
    if len(key) < 16 or len(key) % 8:
        raise UsageError("AES key wrap needs a key of 16 or more octets, a multiple of 8")
    return bytes(AES.new(_check_aes_kek(kek), AES.MODE_KW).seal(key))


def aes_key_unwrap(kek: bytes, wrapped: bytes) -> bytes:
    """AES key unwrap (RFC 3394 section 2.2.2) with the default IV check (2.2.3.1).

    :raises DecryptionError: the integrity check failed or the length is impossible.
    """
    kek = _check_aes_kek(kek)
    wrapped = bytes(wrapped)
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise _fail()
    try:
        return bytes(AES.new(kek, AES.MODE_KW).unseal(wrapped))
    except (ValueError, TypeError):
        raise _fail() from None


def aes_key_wrap_pad(kek: bytes, key: bytes) -> bytes:
    """AES key wrap with padding (RFC 5649 section 4.1) of 1 or more octets."""
    key = bytes(key)
    if not key:
        raise UsageError("AES key wrap with padding needs at least one octet")
    return bytes(AES.new(_check_aes_kek(kek), AES.MODE_KWP).seal(key))


def aes_key_unwrap_pad(kek: bytes, wrapped: bytes) -> bytes:
    """AES key unwrap with padding (RFC 5649 section 4.2), checking the AIV and padding.

    :raises DecryptionError: the integrity check failed.
    """
    kek = _check_aes_kek(kek)
    wrapped = bytes(wrapped)
    if len(wrapped) < 16 or len(wrapped) % 8:
        raise _fail()
    try:
        return bytes(AES.new(kek, AES.MODE_KWP).unseal(wrapped))
    except (ValueError, TypeError):
        raise _fail() from None


# ---------------------------------------------------------------------------
# PWRI-KEK (RFC 3211 section 2.3)

# inner cipher OID -> (pycryptodome module, block size, key size)
_PWRI_INNER: dict[str, tuple[Any, int, int]] = {
    "2.16.840.1.101.3.4.1.2": (AES, 16, 16),
    "2.16.840.1.101.3.4.1.22": (AES, 16, 24),
    "2.16.840.1.101.3.4.1.42": (AES, 16, 32),
    "1.2.840.113549.3.7": (DES3, 8, 24),
}


def _inner(
    inner: AlgorithmIdentifier, kek: bytes, policy: Policy, use: Use
) -> tuple[Any, int, bytes]:
    """(cipher factory taking an IV, block size, IV) of a PWRI-KEK inner CBC cipher."""
    info = lookup(inner.oid)
    policy.check(info, use)
    if info.kind is not Kind.CONTENT_CIPHER or inner.oid not in _PWRI_INNER:
        raise UnsupportedAlgorithm(
            f"{info.name} is not supported inside id-alg-PWRI-KEK",
            oid=inner.oid,
            oid_name=info.name,
        )
    module, block, key_len = _PWRI_INNER[inner.oid]
    if inner.parameters is None:
        raise DecodeError(f"{info.name} IV is missing in id-alg-PWRI-KEK", oid=inner.oid)
    elem = tlv.parse_one(inner.parameters, what=f"{info.name} IV")
    if elem.tag != tlv.Tag.OCTET_STRING:
        raise DecodeError(f"{info.name} IV is not an OCTET STRING", offset=elem.offset)
    iv = elem.as_octets()
    if len(iv) != block:
        raise DecodeError(f"{info.name} IV must be {block} octets, not {len(iv)}", oid=inner.oid)
    kek = bytes(kek)
    if len(kek) != key_len:
        raise UsageError(f"{info.name} needs a {key_len}-octet key-encryption key, not {len(kek)}")

    def factory(iv_: bytes) -> Any:
        try:
            return module.new(kek, module.MODE_CBC, iv=iv_)
        except ValueError:  # a 3DES key that degenerates to single DES
            raise _fail() from None

    return factory, block, iv


def pwri_kek_algorithm(inner: AlgorithmIdentifier | str) -> AlgorithmIdentifier:
    """An ``id-alg-PWRI-KEK`` AlgorithmIdentifier whose parameters are the inner
    cipher (RFC 3211 section 2.3); a name such as ``"aes-256-cbc"`` gets a random IV."""
    if isinstance(inner, str):
        inner = ciphers.content_algorithm(inner)
    if inner.oid not in _PWRI_INNER:
        raise UsageError(f"{inner} cannot be used inside id-alg-PWRI-KEK")
    return AlgorithmIdentifier(PWRI_KEK, inner.to_der())


def _pwri_params(alg: AlgorithmIdentifier) -> AlgorithmIdentifier:
    if alg.parameters is None:
        raise DecodeError("id-alg-PWRI-KEK parameters (the inner cipher) are missing", oid=alg.oid)
    return AlgorithmIdentifier.from_der(alg.parameters)


def pwri_wrap(kek: bytes, cek: bytes, inner: AlgorithmIdentifier) -> bytes:
    """Wrap ``cek`` with the RFC 3211 section 2.3.1 key wrap (``inner``: AES-CBC with IV)."""
    factory, block, iv = _inner(inner, kek, DEFAULT_POLICY, Use.PRODUCE)
    cek = bytes(cek)
    if not 5 <= len(cek) <= 255:
        raise UsageError("the PWRI key wrap takes a key of 5 to 255 octets (RFC 3211 2.3.2)")
    formatted = bytes([len(cek)]) + bytes(b ^ 0xFF for b in cek[:3]) + cek
    size = max(2 * block, -(-len(formatted) // block) * block)
    formatted += get_random_bytes(size - len(formatted))
    first = factory(iv).encrypt(formatted)
    return bytes(factory(first[-block:]).encrypt(first))


def pwri_unwrap(
    kek: bytes,
    wrapped: bytes,
    inner: AlgorithmIdentifier,
    *,
    expected_length: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> bytes:
    """Unwrap an RFC 3211 section 2.3.2 wrapped key and check its format.

    :param expected_length: the CEK size the content cipher needs, when fixed.
    :raises DecryptionError: wrong KEK or corrupt data (the same for every cause).
    :raises PolicyError: a 3DES inner cipher the policy refuses.
    """
    factory, block, iv = _inner(inner, kek, policy, Use.CONSUME)
    wrapped = bytes(wrapped)
    if len(wrapped) < 2 * block or len(wrapped) % block:
        raise _fail()
    # Undo the outer pass: its IV was the last block of the inner ciphertext.
    last = factory(wrapped[-2 * block : -block]).decrypt(wrapped[-block:])
    head = factory(last).decrypt(wrapped[:-block])
    formatted = bytes(factory(iv).decrypt(head + last))
    length = formatted[0]
    check = bytes(b ^ 0xFF for b in formatted[1:4])
    bad = int(length < 5) | int(length > len(formatted) - 4)
    bad |= int(check != formatted[4:7])
    if expected_length is not None:
        bad |= int(length != expected_length)
    if bad:
        raise _fail()
    return formatted[4 : 4 + length]


# ---------------------------------------------------------------------------
# Triple-DES key wrap (RFC 3217 section 3), unwrap only


def _odd_parity(key: bytes) -> bool:
    return all(bin(b).count("1") % 2 == 1 for b in key)


def cms3des_unwrap(kek: bytes, wrapped: bytes) -> bytes:
    """Triple-DES key unwrap (RFC 3217 section 3.2): checks the SHA-1 ICV and parity.

    :raises DecryptionError: any failure.
    """
    kek = bytes(kek)
    if len(kek) != 24:
        raise UsageError("the Triple-DES key-encryption key must be 24 octets")
    wrapped = bytes(wrapped)
    if len(wrapped) != 40:
        raise _fail()
    try:
        temp3 = DES3.new(kek, DES3.MODE_CBC, iv=_3DES_WRAP_IV).decrypt(wrapped)
        temp2 = temp3[::-1]
        cekicv = DES3.new(kek, DES3.MODE_CBC, iv=temp2[:8]).decrypt(temp2[8:])
    except ValueError:
        raise _fail() from None
    cek, icv = cekicv[:24], cekicv[24:]
    if hashlib.sha1(cek).digest()[:8] != icv or not _odd_parity(cek):
        raise _fail()
    return bytes(cek)


# ---------------------------------------------------------------------------
# By AlgorithmIdentifier


def wrap_algorithm(name: str) -> AlgorithmIdentifier:
    """The AlgorithmIdentifier of an AES key wrap to write (parameters absent,
    RFC 3565 section 2.3.2 and RFC 5649 section 3): ``"aes-256-wrap"``,
    ``"aes-128-wrap-pad"``..."""
    info = lookup_name(name)
    if info.oid not in _AES_WRAP and info.oid not in _AES_WRAP_PAD:
        raise UsageError(f"{name!r} is not an AES key wrap (use pwri_kek_algorithm for PWRI)")
    return AlgorithmIdentifier(info.oid, None)


def _check_aes_params(alg: AlgorithmIdentifier) -> None:
    # absent per RFC 3565 2.3.2 / RFC 5649 3; NULL tolerated (FIELD-NOTES 9)
    if alg.parameters is not None and alg.parameters != NULL:
        raise DecodeError(f"{oids.name_of(alg.oid)} parameters must be absent", oid=alg.oid)


def kek_size(alg: AlgorithmIdentifier) -> int:
    """The key-encryption key size in octets for a wrap AlgorithmIdentifier
    (for PWRI-KEK: the inner cipher's key size)."""
    if alg.oid == PWRI_KEK:
        inner = _pwri_params(alg)
        if inner.oid not in _PWRI_INNER:
            raise UnsupportedAlgorithm(f"{inner} is not supported inside id-alg-PWRI-KEK")
        return _PWRI_INNER[inner.oid][2]
    size = lookup(alg.oid, kind=Kind.KEY_WRAP).key_size
    assert size is not None
    return size


def wrap(alg: AlgorithmIdentifier, kek: bytes, key: bytes) -> bytes:
    """Wrap ``key`` under ``kek`` with the algorithm ``alg`` (AES wrap, wrap-pad, PWRI-KEK).

    :raises PolicyError: a consume-only algorithm (3DES wrap).
    """
    info = lookup(alg.oid, kind=Kind.KEY_WRAP)
    DEFAULT_POLICY.check(info, Use.PRODUCE)
    if alg.oid in _AES_WRAP:
        _check_aes_params(alg)
        return aes_key_wrap(_check_aes_kek(kek, _AES_WRAP[alg.oid]), key)
    if alg.oid in _AES_WRAP_PAD:
        _check_aes_params(alg)
        return aes_key_wrap_pad(_check_aes_kek(kek, _AES_WRAP_PAD[alg.oid]), key)
    if alg.oid == PWRI_KEK:
        return pwri_wrap(kek, key, _pwri_params(alg))
    raise UnsupportedAlgorithm(f"{info.name} cannot wrap", oid=alg.oid)  # pragma: no cover


def unwrap(
    alg: AlgorithmIdentifier,
    kek: bytes,
    wrapped: bytes,
    *,
    expected_length: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> bytes:
    """Unwrap ``wrapped`` with the key-wrap algorithm ``alg``.

    :param expected_length: the CEK size the content cipher needs (checked for
        every algorithm, with the same error as an integrity failure).
    :raises DecryptionError: ``"decryption failed"`` for any unwrap failure.
    :raises DecodeError: malformed parameters.
    :raises UnsupportedAlgorithm: not a key-wrap algorithm.
    :raises PolicyError: refused by ``policy`` (3DES wrap needs ``allow_legacy``).
    """
    info = lookup(alg.oid, kind=Kind.KEY_WRAP)
    policy.check(info, Use.CONSUME)
    if alg.oid in _AES_WRAP:
        _check_aes_params(alg)
        key = aes_key_unwrap(_check_aes_kek(kek, _AES_WRAP[alg.oid]), wrapped)
    elif alg.oid in _AES_WRAP_PAD:
        _check_aes_params(alg)
        key = aes_key_unwrap_pad(_check_aes_kek(kek, _AES_WRAP_PAD[alg.oid]), wrapped)
    elif alg.oid == PWRI_KEK:
        key = pwri_unwrap(
            kek, wrapped, _pwri_params(alg), expected_length=expected_length, policy=policy
        )
    elif alg.oid == CMS3DES_WRAP:
        if not alg.parameters_absent_or_null:
            raise DecodeError("id-alg-CMS3DESwrap parameters must be NULL", oid=alg.oid)
        key = cms3des_unwrap(kek, wrapped)
    else:  # pragma: no cover - every registered wrap is handled above
        raise UnsupportedAlgorithm(f"{info.name} cannot unwrap", oid=alg.oid)
    if expected_length is not None and len(key) != expected_length:
        raise _fail()
    return key
