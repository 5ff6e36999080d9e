"""RSA key transport: RSAES-PKCS1-v1_5 and RSAES-OAEP (RFC 3370 section 4.2, RFC 3560, RFC 8017).

Used by CMS KeyTransRecipientInfo (RFC 5652 section 6.2.1) to carry the
content-encryption key. ``algorithm`` is the ``keyEncryptionAlgorithm``:

* ``rsaEncryption`` (parameters NULL or absent): RSAES-PKCS1-v1_5 (RFC 8017
  section 7.2, RFC 3370 section 4.2.1). rsaEncryption is registered once, as a
  PUBLIC_KEY algorithm (see :mod:`smimelib.crypto.signatures`); this module
  accepts it in its key transport role.
* ``id-RSAES-OAEP`` with ``RSAES-OAEP-params`` (RFC 3560 section 2.2, RFC 4055
  section 4.1); absent parameters or an empty SEQUENCE mean all defaults
  (SHA-1, MGF1-SHA-1, empty label). NULL parameters are malformed: an
  rsaEncryption NULL is never read as OAEP (FIELD-NOTES row 8).

Decryption is no padding oracle (RFC 3218 section 2.3, DESIGN.md): every
failure raises the same :class:`DecryptionError` ("decryption failed"), and
with ``implicit_rejection_length`` set no failure raises at all. Then a
ciphertext whose padding is wrong, whose length is wrong, or whose key has
another length than expected yields a pseudo-random key of the expected length
instead, and the caller fails later, at the same point as with a wrong key.
That key is derived from the private key and the ciphertext, like the implicit
rejection of draft-irtf-cfrg-rsa-guidance section 7: a fresh random key per
call would let an attacker who can submit one ciphertext twice tell a padding
failure (the outcome changes) from a valid padding (the outcome is stable). So
bad ciphertexts give different keys from each other, but the same key each
time one is submitted. For v1.5 it is the sentinel of pycryptodome's
constant-time decoding, so valid and invalid paddings take the same path.
"""

from __future__ import annotations

import hashlib
import hmac

from Crypto.Cipher import PKCS1_OAEP, PKCS1_v1_5
from Crypto.Hash import SHA1, SHA3_224, SHA3_256, SHA3_384, SHA3_512, SHA224, SHA256, SHA384, SHA512
from Crypto.PublicKey.RSA import RsaKey
from Crypto.Signature.pss import MGF1

from smimelib.asn1 import oids
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto.algorithms import AlgorithmInfo, Kind, lookup, register
from smimelib.crypto.digests import digest_spec
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey
from smimelib.crypto.params import (
    ID_RSAES_OAEP,
    RSA_ENCRYPTION,
    OaepParams,
    decode_oaep_params,
    encode_oaep_params,
)
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)

__all__ = [
    "ID_RSAES_OAEP",
    "RSA_ENCRYPTION",
    "decrypt_key",
    "encrypt_key",
    "oaep_algorithm",
    "pkcs1_algorithm",
]

#: smallest RSA modulus smimelib encrypts to (as for signatures, RFC 8551 section 4.1)
MIN_RSA_ENCRYPT_BITS = 2048
#: returned by pycryptodome's v1.5 decryption in place of a plaintext when the padding is wrong
_FAILED = object()
#: longest implicit-rejection key accepted (CMS content keys are at most 64 bytes)
_MAX_REJECTION_LENGTH = 1024

register(
    AlgorithmInfo(
        ID_RSAES_OAEP,
        "id-RSAES-OAEP",
        Kind.KEY_TRANSPORT,
        rfc="RFC 8017 section 7.1; RFC 4055 section 4; RFC 3560",
        aliases=("rsaes-oaep", "oaep"),
    )
)
if oids.name_of(ID_RSAES_OAEP) == ID_RSAES_OAEP:
    oids.register(ID_RSAES_OAEP, "id-RSAES-OAEP")

# pycryptodome's OAEP takes a hash module (it calls .new() and reads .digest_size)
_HASH_MODULES = {
    "sha1": SHA1,
    "sha224": SHA224,
    "sha256": SHA256,
    "sha384": SHA384,
    "sha512": SHA512,
    "sha3-224": SHA3_224,
    "sha3-256": SHA3_256,
    "sha3-384": SHA3_384,
    "sha3-512": SHA3_512,
}


def pkcs1_algorithm() -> AlgorithmIdentifier:
    """``rsaEncryption`` with NULL parameters, as written for v1.5 key transport
    (RFC 3370 section 4.2.1)."""
    return AlgorithmIdentifier(RSA_ENCRYPTION, NULL)


def oaep_algorithm(
    hash: str = "sha256", mgf_hash: str | None = None, label: bytes = b""
) -> AlgorithmIdentifier:
    """``id-RSAES-OAEP`` with explicit RSAES-OAEP-params (RFC 3560 section 2.2).

    Fields equal to their default are omitted, so ``oaep_algorithm("sha1")`` has an
    empty parameters SEQUENCE (RFC 4055 section 4.1). ``mgf_hash`` defaults to
    ``hash`` (RFC 4055: "strongly RECOMMENDED").

    :raises UsageError: a hash that cannot be used with OAEP.
    """
    params = OaepParams(_hash_name(hash), _hash_name(mgf_hash or hash), bytes(label))
    return AlgorithmIdentifier(ID_RSAES_OAEP, encode_oaep_params(params))


def _hash_name(name: str) -> str:
    try:
        canonical = digest_spec(name).name
    except SmimeError:
        raise UsageError(f"{name!r} cannot be used with RSAES-OAEP") from None
    if canonical not in _HASH_MODULES:
        raise UsageError(f"{canonical} cannot be used with RSAES-OAEP")
    return canonical


def _scheme(algorithm: AlgorithmIdentifier) -> OaepParams | None:
    """``None`` for PKCS#1 v1.5, the OAEP parameters for RSAES-OAEP."""
    if algorithm.oid == RSA_ENCRYPTION:
        if algorithm.parameters not in (None, NULL):
            raise DecodeError(
                "rsaEncryption parameters must be NULL (RFC 3370 section 4.2.1)",
                oid=RSA_ENCRYPTION,
                oid_name="rsaEncryption",
            )
        return None
    if algorithm.oid == ID_RSAES_OAEP:
        if algorithm.parameters == NULL:
            raise DecodeError(
                "id-RSAES-OAEP parameters are NULL, not RSAES-OAEP-params (RFC 4055 4.1)",
                oid=ID_RSAES_OAEP,
                oid_name="id-RSAES-OAEP",
            )
        return decode_oaep_params(algorithm.parameters)
    info = lookup(algorithm.oid)  # raises UnsupportedAlgorithm naming unknown OIDs
    raise UnsupportedAlgorithm(
        f"{info.name} is not a key transport algorithm", oid=info.oid, oid_name=info.name
    )


def _oaep_cipher(key: RsaKey, params: OaepParams) -> PKCS1_OAEP.PKCS1OAEP_Cipher:
    mgf_module = _HASH_MODULES[params.mgf_hash]
    return PKCS1_OAEP.new(
        key,
        hashAlgo=_HASH_MODULES[params.hash],
        mgfunc=lambda seed, n: MGF1(seed, n, mgf_module),
        label=params.label,
    )


def encrypt_key(public_key: PublicKey, algorithm: AlgorithmIdentifier, key: bytes) -> bytes:
    """Encrypt a content-encryption key for ``public_key`` (RFC 5652 section 6.2.1).

    :raises PolicyError: an RSA key below 2048 bits (smimelib never encrypts to it).
    :raises UsageError: not an RSA public key, or a key too long for the modulus.
    :raises UnsupportedAlgorithm / DecodeError: a bad ``algorithm``.
    """
    if not isinstance(public_key, PublicKey) or public_key.type is not KeyType.RSA:
        raise UsageError("RSA key transport needs an RSA PublicKey")
    if public_key.rsa_pss:
        raise UsageError("an RSASSA-PSS key cannot encrypt (RFC 4055 section 1.2)")
    if public_key.size_bits < MIN_RSA_ENCRYPT_BITS:
        raise PolicyError(
            f"smimelib never encrypts to RSA keys below {MIN_RSA_ENCRYPT_BITS} bits "
            f"(this key has {public_key.size_bits})"
        )
    params = _scheme(algorithm)
    try:
        if params is None:
            return bytes(PKCS1_v1_5.new(public_key.key).encrypt(bytes(key)))
        return bytes(_oaep_cipher(public_key.key, params).encrypt(bytes(key)))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot encrypt a {len(key)}-byte key: {exc}") from None


def decrypt_key(
    private_key: PrivateKey,
    algorithm: AlgorithmIdentifier,
    encrypted: bytes,
    *,
    implicit_rejection_length: int | None = None,
) -> bytes:
    """Decrypt a content-encryption key (RFC 5652 section 6.2.1).

    :param implicit_rejection_length: the key length the content cipher needs. When
        given, no decryption failure raises: a wrong padding, ciphertext length or key
        length returns a pseudo-random key of this length (RFC 3218 section 2.3; see the
        module docstring).
    :raises DecryptionError: ``"decryption failed"``, whatever failed (without
        ``implicit_rejection_length``).
    :raises UsageError: not an RSA private key, or a bad ``implicit_rejection_length``.
    :raises UnsupportedAlgorithm / DecodeError: a bad ``algorithm`` (before any RSA
        operation, so these say nothing about the ciphertext).
    """
    if not isinstance(private_key, PrivateKey) or private_key.type is not KeyType.RSA:
        raise UsageError("RSA key transport needs an RSA PrivateKey")
    length = implicit_rejection_length
    if length is not None and not 1 <= length <= _MAX_REJECTION_LENGTH:
        raise UsageError(f"implicit_rejection_length must be 1..{_MAX_REJECTION_LENGTH}")
    params = _scheme(algorithm)
    encrypted = bytes(encrypted)
    rsa = private_key.key
    k = rsa.size_in_bytes()
    if length is not None and (len(encrypted) != k or int.from_bytes(encrypted) >= rsa.n):
        return _rejection_key(private_key, encrypted, length)
    try:
        if params is None:
            if length is not None:
                # The sentinel path decodes in (near) constant time and returns the
                # sentinel on a wrong padding or a plaintext of another length.
                sentinel = _rejection_key(private_key, encrypted, length)
                return bytes(PKCS1_v1_5.new(rsa).decrypt(encrypted, sentinel, length))
            result = PKCS1_v1_5.new(rsa).decrypt(encrypted, _FAILED)
            if not isinstance(result, bytes):
                raise DecryptionError("decryption failed") from None
            return result
        plain = bytes(_oaep_cipher(rsa, params).decrypt(encrypted))
    except (ValueError, TypeError, IndexError):
        if length is not None:
            return _rejection_key(private_key, encrypted, length)
        raise DecryptionError("decryption failed") from None
    if length is not None and len(plain) != length:
        return _rejection_key(private_key, encrypted, length)
    return plain


def _rejection_key(private_key: PrivateKey, ciphertext: bytes, length: int) -> bytes:
    """A key that only the private key holder can compute, stable per ciphertext.

    HMAC-SHA256 keyed with a hash of the private exponent, in counter mode over the
    ciphertext (the key-derivation key of draft-irtf-cfrg-rsa-guidance section 7.1).
    """
    d = int(private_key.key.d)
    kdk = hmac.new(
        hashlib.sha256(d.to_bytes((d.bit_length() + 7) // 8 or 1, "big")).digest(),
        ciphertext,
        hashlib.sha256,
    ).digest()
    out = b"".join(
        hmac.new(kdk, i.to_bytes(2, "big") + b"smimelib rejection", hashlib.sha256).digest()
        for i in range((length + 31) // 32)
    )
    return out[:length]
