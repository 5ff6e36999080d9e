"""Legacy content ciphers, decrypt only: DES-EDE3-CBC, DES-CBC and RC2-CBC.

Quarantined here because they are obsolete (RFC 8551 section 2.7 keeps 3DES
for reading old mail only) and smimelib never writes them: they are
registered ``LEGACY | CONSUME_ONLY`` (single DES ``WEAK | CONSUME_ONLY``) and
a policy must allow them. They plug into
:func:`smimelib.crypto.ciphers.content_decryptor` and serve the PBES1, PBES2
and PKCS #12 schemes of :mod:`smimelib.crypto.pbe`.

Parameters:

* DES-EDE3-CBC (RFC 3370 section 5.1) and DES-CBC (RFC 8018 appendix B.2.1):
  the 8-octet IV as an OCTET STRING.
* RC2-CBC (RFC 2268 section 6, RFC 3370 section 5.2)::

      RC2-CBCParameter ::= CHOICE {
          iv IV,                                 -- 32 effective key bits
          params SEQUENCE { version RC2Version OPTIONAL, iv IV } }

  The version encodes the effective key bits through the table of RFC 2268
  section 6 (160 = 40 bits, 120 = 64 bits, 58 = 128 bits); versions of 256 and
  more are the bit count itself.

RC2 with an effective key length below 128 bits (the 40-bit export grade of
old PKCS #12 files) additionally needs ``Policy.allow_weak``.
"""

from __future__ import annotations

from typing import Any

from Crypto.Cipher import ARC2, ARC4, DES, DES3

from smimelib.asn1 import oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Policy,
    lookup,
    register,
)
from smimelib.crypto.ciphers import DECRYPTION_FAILED, CbcDecryptor
from smimelib.errors import DecodeError, DecryptionError, PolicyError, UnsupportedAlgorithm

__all__ = [
    "DES_CBC",
    "DES_EDE3_CBC",
    "RC2_CBC",
    "des_cbc_decryptor",
    "des_ede3_cbc_decryptor",
    "legacy_decryptor",
    "parse_rc2_parameters",
    "rc2_cbc_decryptor",
    "rc2_effective_bits",
    "rc2_version",
    "rc4_decrypt",
]

#: des-ede3-cbc (RFC 3370 section 5.1)
DES_EDE3_CBC = "1.2.840.113549.3.7"
#: desCBC (OIW; RFC 8018 appendix B.2.1)
DES_CBC = "1.3.14.3.2.7"
#: rc2CBC (RFC 2268 section 6, RFC 3370 section 5.2)
RC2_CBC = "1.2.840.113549.3.2"

for _info in (
    AlgorithmInfo(
        DES_EDE3_CBC,
        "des-ede3-cbc",
        Kind.CONTENT_CIPHER,
        Flag.LEGACY | Flag.CONSUME_ONLY,
        rfc="RFC 3370 section 5.1",
        key_size=24,
        aliases=("3des-cbc", "des3-cbc", "tripledes-cbc"),
    ),
    AlgorithmInfo(
        DES_CBC,
        "desCBC",
        Kind.CONTENT_CIPHER,
        Flag.WEAK | Flag.CONSUME_ONLY,
        rfc="RFC 8018 appendix B.2.1",
        key_size=8,
        aliases=("des-cbc",),
    ),
    AlgorithmInfo(
        RC2_CBC,
        "rc2CBC",
        Kind.CONTENT_CIPHER,
        Flag.LEGACY | Flag.CONSUME_ONLY,
        rfc="RFC 3370 section 5.2",
        key_size=16,
        aliases=("rc2-cbc",),
    ),
):
    register(_info)
    if oids.name_of(_info.oid) == _info.oid:
        oids.register(_info.oid, _info.name)

# RFC 2268 section 2: PITABLE, the key-expansion permutation.
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_PITABLE_INV = bytes(_PITABLE.index(i) for i in range(256))
# RFC 2268 section 6: effective key bits (index) -> RC2Version.
_VERSION_TABLE = bytes.fromhex(
    "bd56eaf2a2f1ac2ab093d19c1b33fdd03004b6dc7ddf324bf7cb459b31bb215a"
    "419fe1d94a4d9edaa0682cc3275f80363eeefb951afecea834a913f0a63fd80c"
    "7824af2352c16717f56690e7e807b86048e61e53f392a4728c08156e860084fa"
    "f47f8a4219f6dbcd148d5012ba3c064eecb33511a1888e2b9499b77174d3e4bf"
    "3ade960ebc0aed77fc376b03798962c6d7c0d27c6a8b22a35b055d0275d561e3"
    "188f5551ad1f0b5e85e5c25763ca3d6cb4c5cc70b291590d4720c84f58e001e2"
    "1638c46f3b0f6546be7e2d7b82f940b51d73f8eb26c787972554b128aa989da5"
    "646d7ad4108144ef49d6ae2edd765c2fa71cc909699a83cf2939b9e94cff43ab"
)
_BITS_BY_VERSION = {v: bits for bits, v in enumerate(_VERSION_TABLE)}
_RC2_BARE_IV_BITS = 32  # RFC 2268 section 6: the default when only an IV is given


def _fail() -> DecryptionError:
    return DecryptionError(DECRYPTION_FAILED)


def rc2_effective_bits(version: int) -> int:
    """Effective key bits of an RC2 ``RC2Version`` (RFC 2268 section 6).

    :raises DecodeError: a version outside 0..1024.
    """
    if 256 <= version <= 1024:
        return version
    if 0 <= version < 256:
        return _BITS_BY_VERSION[version]
    raise DecodeError(f"RC2 parameter version {version} is out of range 0..1024")


def rc2_version(effective_bits: int) -> int:
    """The ``RC2Version`` for an effective key length (RFC 2268 section 6)."""
    if 256 <= effective_bits <= 1024:
        return effective_bits
    if 1 <= effective_bits < 256:
        return _VERSION_TABLE[effective_bits]
    raise UnsupportedAlgorithm(f"RC2 effective key length {effective_bits} out of range 1..1024")


def parse_rc2_parameters(params: bytes | None) -> tuple[int, bytes]:
    """Parse ``RC2-CBCParameter``; returns ``(effective key bits, 8-octet IV)``.

    Accepts the SEQUENCE form (version present, or absent as RFC 3370 allows:
    32 bits) and the bare-IV form of RFC 2268 (32 bits).

    :raises DecodeError: malformed parameters or an IV that is not 8 octets.
    """
    if params is None:
        raise DecodeError("rc2CBC parameters are missing", oid=RC2_CBC)
    elem = tlv.parse_one(params, what="RC2-CBCParameter")
    bits = _RC2_BARE_IV_BITS
    if elem.tag == tlv.Tag.OCTET_STRING:
        iv_elem = elem
    elif elem.tag == tlv.Tag.SEQUENCE:
        fields = elem.children()
        if not 1 <= len(fields) <= 2:
            raise DecodeError("malformed RC2-CBCParameter", offset=elem.offset)
        if len(fields) == 2:
            if fields[0].tag != tlv.Tag.INTEGER:
                raise DecodeError(
                    "RC2 parameter version is not an INTEGER", offset=fields[0].offset
                )
            bits = rc2_effective_bits(fields[0].as_int(max_octets=3))
        iv_elem = fields[-1]
        if iv_elem.tag != tlv.Tag.OCTET_STRING:
            raise DecodeError("RC2 IV is not an OCTET STRING", offset=iv_elem.offset)
    else:
        raise DecodeError("malformed RC2-CBCParameter", offset=elem.offset)
    iv = iv_elem.as_octets()
    if len(iv) != 8:
        raise DecodeError(f"RC2-CBC IV must be 8 octets, not {len(iv)}", oid=RC2_CBC)
    return bits, iv


def _rc2_expanded_key(key: bytes, effective_bits: int) -> bytes:
    """A 128-octet key that gives pycryptodome (at 1024 effective bits) the RC2 key
    schedule of ``key`` at ``effective_bits`` (RFC 2268 section 2).

    pycryptodome refuses keys under 5 octets and effective lengths under 40
    bits. With T = 128 and T1 = 1024 its expansion only maps L[0] through
    PITABLE, so running the expansion here and undoing that last step on L[0]
    reproduces any key length and effective length exactly.
    """
    t = len(key)
    t8 = (effective_bits + 7) // 8
    tm = 255 % (1 << (8 + effective_bits - 8 * t8))
    buf = bytearray(key) + bytearray(128 - t)
    for i in range(t, 128):
        buf[i] = _PITABLE[(buf[i - 1] + buf[i - t]) % 256]
    buf[128 - t8] = _PITABLE[buf[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        buf[i] = _PITABLE[buf[i + 1] ^ buf[i + t8]]
    buf[0] = _PITABLE_INV[buf[0]]
    return bytes(buf)


def _rc2(key: bytes, effective_bits: int, iv: bytes) -> Any:
    if not 1 <= len(key) <= 128 or not 1 <= effective_bits <= 1024:
        raise _fail()
    return ARC2.new(
        _rc2_expanded_key(key, effective_bits), ARC2.MODE_CBC, iv=iv, effective_keylen=1024
    )


def rc2_cbc_decryptor(
    key: bytes, effective_bits: int, iv: bytes, *, algorithm: AlgorithmIdentifier
) -> CbcDecryptor:
    """RC2-CBC decryption (RFC 2268) with PKCS #7 padding; no policy check here."""
    if len(iv) != 8:
        raise DecodeError("RC2-CBC IV must be 8 octets")
    return CbcDecryptor(algorithm, _rc2(bytes(key), effective_bits, bytes(iv)), 8)


def des_ede3_cbc_decryptor(
    key: bytes, iv: bytes, *, algorithm: AlgorithmIdentifier
) -> CbcDecryptor:
    """Triple-DES (EDE, three keys or two keys K1 K2 K1) CBC decryption; no policy check."""
    if len(iv) != 8:
        raise DecodeError("DES-EDE3-CBC IV must be 8 octets")
    try:
        cipher = DES3.new(bytes(key), DES3.MODE_CBC, iv=bytes(iv))
    except (ValueError, TypeError):
        # wrong length, or a key that degenerates to single DES
        raise _fail() from None
    return CbcDecryptor(algorithm, cipher, 8)


def des_cbc_decryptor(key: bytes, iv: bytes, *, algorithm: AlgorithmIdentifier) -> CbcDecryptor:
    """Single-DES CBC decryption; no policy check."""
    if len(iv) != 8:
        raise DecodeError("DES-CBC IV must be 8 octets")
    if len(key) != 8:
        raise _fail()
    return CbcDecryptor(algorithm, DES.new(bytes(key), DES.MODE_CBC, iv=bytes(iv)), 8)


def rc4_decrypt(key: bytes, data: bytes) -> bytes:
    """RC4 (for the PKCS #12 RC4 PBE schemes only); a stream cipher, so it cannot
    detect a wrong key."""
    try:
        return bytes(ARC4.new(bytes(key)).decrypt(bytes(data)))
    except (ValueError, TypeError):
        raise _fail() from None


def _iv(alg: AlgorithmIdentifier, name: str) -> bytes:
    if alg.parameters is None:
        raise DecodeError(f"{name} parameters (the IV) are missing", oid=alg.oid)
    elem = tlv.parse_one(alg.parameters, what=f"{name} IV")
    if elem.tag != tlv.Tag.OCTET_STRING:
        raise DecodeError(f"{name} IV is not an OCTET STRING", offset=elem.offset)
    iv = elem.as_octets()
    if len(iv) != 8:
        raise DecodeError(f"{name} IV must be 8 octets, not {len(iv)}", oid=alg.oid)
    return iv


def legacy_decryptor(
    alg: AlgorithmIdentifier, key: bytes, *, policy: Policy = DEFAULT_POLICY
) -> CbcDecryptor:
    """A decryptor for a legacy content cipher, after the policy check.

    :raises PolicyError: refused by ``policy`` (RC2 under 128 effective bits needs
        ``allow_weak`` as well as ``allow_legacy``).
    :raises UnsupportedAlgorithm: not a legacy cipher.
    :raises DecodeError: malformed parameters.
    :raises DecryptionError: a key of the wrong length.
    """
    from smimelib.crypto.algorithms import Use

    info = lookup(alg.oid)
    policy.check(info, Use.CONSUME)
    key = bytes(key)
    if alg.oid == DES_EDE3_CBC:
        iv = _iv(alg, info.name)
        if len(key) != 24:
            raise _fail()
        return des_ede3_cbc_decryptor(key, iv, algorithm=alg)
    if alg.oid == DES_CBC:
        return des_cbc_decryptor(key, _iv(alg, info.name), algorithm=alg)
    if alg.oid == RC2_CBC:
        bits, iv = parse_rc2_parameters(alg.parameters)
        if bits < 128 and not policy.allow_weak:
            raise PolicyError(
                f"RC2 with {bits} effective key bits is weak and refused by policy "
                "(allow_weak to accept it)",
                oid=alg.oid,
                oid_name=info.name,
            )
        return rc2_cbc_decryptor(key, bits, iv, algorithm=alg)
    raise UnsupportedAlgorithm(
        f"{info.name} is not a legacy content cipher", oid=alg.oid, oid_name=info.name
    )
