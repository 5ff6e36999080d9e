"""Key agreement primitives: ECDH on P-256/P-384/P-521 and X25519/X448 (RFC 5753, RFC 8418).

:func:`shared_secret` computes the Diffie-Hellman shared secret ``Z`` that a
CMS KeyAgreeRecipientInfo feeds into its KDF (RFC 5753 section 3.1.2, RFC 8418
section 2). The KDFs themselves live in :mod:`smimelib.crypto.kdf`.

* ECDH (SEC 1 section 3.3.1): ``Z`` is the x-coordinate of ``d * Q``, as many
  bytes as the field (32, 48, 66). *Cofactor* ECDH (SEC 1 section 3.3.2)
  multiplies by the cofactor ``h``; P-256, P-384 and P-521 have ``h = 1``, so
  ``cofactor=True`` gives the same value there. It is accepted so that the
  ``dhSinglePass-cofactorDH-*`` schemes (RFC 5753 section 7.1.4) work.
* X25519/X448 (RFC 7748 section 5): the scalar is clamped to a multiple of the
  cofactor, so the function is cofactor DH by construction and ``cofactor`` is
  accepted and changes nothing. An all-zero shared secret (a small-order peer
  point) is refused, as RFC 7748 section 6 and RFC 8418 section 2 require.

Errors: a key of the wrong type or curve is a :class:`UsageError` (callers pick
the recipient key that matches the originator key's algorithm and curve, and
must check this themselves, before calling, for keys that come from a
message); a peer key that yields no usable secret (point at infinity, all-zero
X25519/X448 output) is a :class:`DecryptionError` with the uniform text
"decryption failed", like every other key-recovery failure.

The ``dhSinglePass-*`` OIDs registered here name the ECDH variant and the hash
of the X9.63 KDF; the HKDF-based identifiers of RFC 8418 are registered by
:mod:`smimelib.crypto.kdf`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from Crypto.Protocol import DH

from smimelib.asn1 import oids
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Use,
    lookup,
    register,
)
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key
from smimelib.errors import DecryptionError, UnsupportedAlgorithm, UsageError

__all__ = [
    "ID_X448",
    "ID_X25519",
    "EcdhScheme",
    "ecdh_scheme",
    "ephemeral_key",
    "kari_algorithm",
    "shared_secret",
]

ID_X25519 = "1.3.101.110"
ID_X448 = "1.3.101.111"

_X963 = "1.3.133.16.840.63.0."
_SECG = "1.3.132.1."

# (oid, name, kdf hash, cofactor); RFC 5753 section 7.1.4
_SCHEMES: tuple[tuple[str, str, str, bool], ...] = (
    (_X963 + "2", "dhSinglePass-stdDH-sha1kdf-scheme", "sha1", False),
    (_SECG + "11.0", "dhSinglePass-stdDH-sha224kdf-scheme", "sha224", False),
    (_SECG + "11.1", "dhSinglePass-stdDH-sha256kdf-scheme", "sha256", False),
    (_SECG + "11.2", "dhSinglePass-stdDH-sha384kdf-scheme", "sha384", False),
    (_SECG + "11.3", "dhSinglePass-stdDH-sha512kdf-scheme", "sha512", False),
    (_X963 + "3", "dhSinglePass-cofactorDH-sha1kdf-scheme", "sha1", True),
    (_SECG + "14.0", "dhSinglePass-cofactorDH-sha224kdf-scheme", "sha224", True),
    (_SECG + "14.1", "dhSinglePass-cofactorDH-sha256kdf-scheme", "sha256", True),
    (_SECG + "14.2", "dhSinglePass-cofactorDH-sha384kdf-scheme", "sha384", True),
    (_SECG + "14.3", "dhSinglePass-cofactorDH-sha512kdf-scheme", "sha512", True),
)


@dataclass(frozen=True, slots=True)
class EcdhScheme:
    """A ``dhSinglePass-*`` key agreement scheme (RFC 5753 section 7.1.4).

    :param info: the registry entry.
    :param kdf_hash: hash of the ANSI X9.63 KDF (a hashlib name: ``"sha256"``).
    :param cofactor: cofactor ECDH (SEC 1 section 3.3.2) rather than standard ECDH.
    """

    info: AlgorithmInfo
    kdf_hash: str
    cofactor: bool

    @property
    def name(self) -> str:
        return self.info.name


_BY_OID: dict[str, EcdhScheme] = {}
_BY_CHOICE: dict[tuple[str, bool], str] = {}


def _register_all() -> None:
    for oid, name, kdf_hash, cofactor in _SCHEMES:
        # The SHA-1 KDF is not a collision use of SHA-1, and OpenSSL writes it by
        # default (FIELD-NOTES row 9): read it, but never write it.
        flags = Flag.CONSUME_ONLY if kdf_hash == "sha1" else Flag.NONE
        info = register(
            AlgorithmInfo(
                oid,
                name,
                Kind.KEY_AGREEMENT,
                flags,
                "RFC 5753 section 7.1.4; RFC 8418 section 2",
                digest=kdf_hash,
            )
        )
        _BY_OID[oid] = EcdhScheme(info, kdf_hash, cofactor)
        _BY_CHOICE[(kdf_hash, cofactor)] = oid
        if oids.name_of(oid) == oid:
            oids.register(oid, name)
    for oid, name in ((ID_X25519, "id-X25519"), (ID_X448, "id-X448")):
        register(
            AlgorithmInfo(
                oid,
                name,
                Kind.PUBLIC_KEY,
                rfc="RFC 8410 section 3; RFC 8418 section 2",
                aliases=(name[3:].lower(),),
            )
        )
        if oids.name_of(oid) == oid:
            oids.register(oid, name)


_register_all()


def ecdh_scheme(algorithm: AlgorithmIdentifier | str) -> EcdhScheme:
    """The ``dhSinglePass-*`` scheme of a KARI keyEncryptionAlgorithm (or its OID).

    The parameters (the KeyWrapAlgorithm, RFC 5753 section 7.1.4) are the caller's.

    :raises UnsupportedAlgorithm: not one of the dhSinglePass schemes.
    """
    oid = algorithm if isinstance(algorithm, str) else algorithm.oid
    scheme = _BY_OID.get(oid)
    if scheme is None:
        info = lookup(oid)
        raise UnsupportedAlgorithm(
            f"{info.name} is not an ECDH key agreement scheme", oid=oid, oid_name=info.name
        )
    return scheme


def kari_algorithm(
    wrap: AlgorithmIdentifier, *, kdf_hash: str = "sha256", cofactor: bool = False
) -> AlgorithmIdentifier:
    """The KARI ``keyEncryptionAlgorithm`` smimelib writes: ``dhSinglePass-*`` with the key
    wrap AlgorithmIdentifier as parameters (RFC 5753 sections 3.1.1 and 7.1.4).

    :raises UsageError: no scheme for ``kdf_hash``.
    :raises PolicyError: the SHA-1 KDF, which smimelib only reads.
    """
    oid = _BY_CHOICE.get((kdf_hash, cofactor))
    if oid is None:
        raise UsageError(f"no dhSinglePass scheme with a {kdf_hash} KDF")
    DEFAULT_POLICY.check(_BY_OID[oid].info, Use.PRODUCE)
    return AlgorithmIdentifier(oid, wrap.to_der())


_AGREEMENT_TYPES = (KeyType.EC, KeyType.X25519, KeyType.X448)


def ephemeral_key(peer_public_key: PublicKey) -> PrivateKey:
    """A fresh key on the peer's curve, for the originator side (RFC 5753 section 3.1.1)."""
    if not isinstance(peer_public_key, PublicKey) or peer_public_key.type not in _AGREEMENT_TYPES:
        raise UsageError("key agreement needs an EC, X25519 or X448 public key")
    return generate_private_key(peer_public_key.type, curve=peer_public_key.curve or "P-256")


def shared_secret(
    private_key: PrivateKey, peer_public_key: PublicKey, *, cofactor: bool = False
) -> bytes:
    """The Diffie-Hellman shared secret ``Z`` (SEC 1 section 3.3.1 / 3.3.2, RFC 7748 section 6).

    :param cofactor: cofactor ECDH; the same value for every curve smimelib supports
        (see the module docstring).
    :raises UsageError: keys of different types or curves, or not key agreement keys.
    :raises DecryptionError: the peer key gives no usable secret.
    """
    if not isinstance(private_key, PrivateKey) or not isinstance(peer_public_key, PublicKey):
        raise UsageError("shared_secret needs a PrivateKey and the peer's PublicKey")
    if private_key.type not in _AGREEMENT_TYPES:
        raise UsageError(f"{private_key.type.value} keys do not do key agreement")
    if peer_public_key.type is not private_key.type or peer_public_key.curve != private_key.curve:
        mine = private_key.curve or private_key.type.value
        theirs = peer_public_key.curve or peer_public_key.type.value
        raise UsageError(f"cannot agree a key between a {mine} key and a {theirs} key")
    # ``cofactor`` changes nothing: h = 1 for the NIST curves, and X25519/X448 clamp the
    # scalar to a multiple of h (module docstring)
    point = getattr(peer_public_key.key, "pointQ", None)
    if point is None or point.is_point_at_infinity():
        raise DecryptionError("decryption failed")
    try:
        z = bytes(
            DH.key_agreement(
                static_priv=private_key.key, static_pub=peer_public_key.key, kdf=lambda x: x
            )
        )
    except (ValueError, TypeError):
        raise DecryptionError("decryption failed") from None
    if hmac.compare_digest(z, bytes(len(z))):
        # RFC 7748 section 6.1 / 6.2 and RFC 8418 section 2: abort on an all-zero secret
        raise DecryptionError("decryption failed")
    return z
