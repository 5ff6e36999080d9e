"""Message digests: SHA-1, SHA-2, SHA-3, SHAKE and MD5 by OID (RFC 3370, RFC 5754, RFC 8702).

The one-way hash functions CMS uses as ``DigestAlgorithmIdentifier``
(RFC 5652 section 10.1.1), computed with :mod:`hashlib` (about three times
less overhead per call than pycryptodome's hash objects, DESIGN.md).

Parameters (RFC 5754 section 2, RFC 3370 section 2.1): the SHA-1, SHA-2 and
SHA-3 identifiers are read with absent *or* NULL parameters and written with
absent ones. ``id-shake128`` / ``id-shake256`` (RFC 8702 section 2) take no
parameters at all; ``id-shake128-len`` / ``id-shake256-len`` (RFC 8419
section 2.3) carry ``ShakeOutputLen ::= INTEGER``, the output length in bits
(read leniently when absent: 256 / 512 bits, the lengths RFC 8702 uses).
Anything else in the parameters is a :class:`~smimelib.errors.DecodeError`.

MD2 and MD4 are recognised by OID but always refused with
:class:`~smimelib.errors.UnsupportedAlgorithm`: they are broken beyond any
policy (RFC 6149, RFC 6150), so no :class:`~smimelib.crypto.algorithms.Policy`
can enable them. MD5 is registered WEAK and consume-only, SHA-1 WEAK.

This module computes digests; it does not apply a policy. A caller that
consumes data checks ``policy.check(digest_spec(alg).info, Use.CONSUME)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Flag,
    Kind,
    Use,
    lookup,
    lookup_name,
    register,
)
from smimelib.errors import DecodeError, SmimeError, UnsupportedAlgorithm

__all__ = [
    "MD5",
    "SHA1",
    "SHA3_224",
    "SHA3_256",
    "SHA3_384",
    "SHA3_512",
    "SHA224",
    "SHA256",
    "SHA384",
    "SHA512",
    "SHA512_224",
    "SHA512_256",
    "SHAKE128",
    "SHAKE128_LEN",
    "SHAKE256",
    "SHAKE256_LEN",
    "DigestSpec",
    "Hash",
    "digest",
    "digest_algorithm",
    "digest_spec",
    "new_digest",
]

_NIST = "2.16.840.1.101.3.4.2."
MD2 = "1.2.840.113549.2.2"
MD4 = "1.2.840.113549.2.4"
MD5 = "1.2.840.113549.2.5"
SHA1 = "1.3.14.3.2.26"
SHA256 = _NIST + "1"
SHA384 = _NIST + "2"
SHA512 = _NIST + "3"
SHA224 = _NIST + "4"
SHA512_224 = _NIST + "5"
SHA512_256 = _NIST + "6"
SHA3_224 = _NIST + "7"
SHA3_256 = _NIST + "8"
SHA3_384 = _NIST + "9"
SHA3_512 = _NIST + "10"
SHAKE128 = _NIST + "11"
SHAKE256 = _NIST + "12"
SHAKE128_LEN = _NIST + "17"
SHAKE256_LEN = _NIST + "18"

#: most output bits accepted in ShakeOutputLen from untrusted input (8 KiB)
_MAX_SHAKE_BITS = 65536


class Hash(Protocol):
    """A running hash: :mod:`hashlib` objects and the SHAKE wrapper satisfy it."""

    @property
    def digest_size(self) -> int: ...

    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...

    def copy(self) -> Hash: ...


class _ShakeLike(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self, length: int, /) -> bytes: ...

    def copy(self) -> _ShakeLike: ...


class _Xof:
    """A SHAKE instance with a fixed output length, so it looks like any other hash."""

    __slots__ = ("_h", "digest_size")

    def __init__(self, h: _ShakeLike, size: int) -> None:
        self._h = h
        self.digest_size = size

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        return self._h.digest(self.digest_size)

    def copy(self) -> _Xof:
        return _Xof(self._h.copy(), self.digest_size)


@dataclass(frozen=True, slots=True)
class DigestSpec:
    """A digest algorithm resolved from an AlgorithmIdentifier or a name.

    :param info: the registry entry (name, flags for the policy).
    :param size: output length in bytes (for SHAKE, the length in use).
    """

    info: AlgorithmInfo
    size: int
    _factory: Callable[[], Hash] = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def oid(self) -> str:
        return self.info.oid

    @property
    def xof(self) -> bool:
        """True for the SHAKE extendable-output functions (RFC 8702)."""
        return self.info.oid in _XOF_OIDS

    def new(self) -> Hash:
        """A fresh running hash."""
        return self._factory()


def _shake(name: str, size: int) -> Callable[[], Hash]:
    constructor = getattr(hashlib, name)
    return lambda: _Xof(constructor(), size)


# oid -> (name, output bytes, factory, flags, rfc, aliases)
_TABLE: tuple[tuple[str, str, int, Callable[[], Hash], Flag, str, tuple[str, ...]], ...] = (
    (
        MD5,
        "md5",
        16,
        lambda: hashlib.md5(usedforsecurity=False),
        Flag.WEAK | Flag.CONSUME_ONLY,
        "RFC 3370 section 2.2; RFC 6151",
        ("id-md5",),
    ),
    (SHA1, "sha1", 20, hashlib.sha1, Flag.WEAK, "RFC 3370 section 2.1", ("sha-1", "id-sha1")),
    (
        SHA224,
        "sha224",
        28,
        hashlib.sha224,
        Flag.NONE,
        "RFC 5754 section 2.1",
        ("sha-224", "id-sha224"),
    ),
    (
        SHA256,
        "sha256",
        32,
        hashlib.sha256,
        Flag.NONE,
        "RFC 5754 section 2.2",
        ("sha-256", "id-sha256"),
    ),
    (
        SHA384,
        "sha384",
        48,
        hashlib.sha384,
        Flag.NONE,
        "RFC 5754 section 2.3",
        ("sha-384", "id-sha384"),
    ),
    (
        SHA512,
        "sha512",
        64,
        hashlib.sha512,
        Flag.NONE,
        "RFC 5754 section 2.4",
        ("sha-512", "id-sha512"),
    ),
    (
        SHA512_224,
        "sha512-224",
        28,
        lambda: hashlib.new("sha512_224"),
        Flag.NONE,
        "FIPS 180-4; RFC 8017 appendix B.1",
        ("sha-512/224", "sha512/224", "id-sha512-224"),
    ),
    (
        SHA512_256,
        "sha512-256",
        32,
        lambda: hashlib.new("sha512_256"),
        Flag.NONE,
        "FIPS 180-4; RFC 8017 appendix B.1",
        ("sha-512/256", "sha512/256", "id-sha512-256"),
    ),
    (SHA3_224, "sha3-224", 28, hashlib.sha3_224, Flag.NONE, "FIPS 202", ("id-sha3-224",)),
    (SHA3_256, "sha3-256", 32, hashlib.sha3_256, Flag.NONE, "FIPS 202", ("id-sha3-256",)),
    (SHA3_384, "sha3-384", 48, hashlib.sha3_384, Flag.NONE, "FIPS 202", ("id-sha3-384",)),
    (SHA3_512, "sha3-512", 64, hashlib.sha3_512, Flag.NONE, "FIPS 202", ("id-sha3-512",)),
    (
        SHAKE128,
        "shake128",
        32,
        _shake("shake_128", 32),
        Flag.NONE,
        "RFC 8702 section 2",
        ("id-shake128",),
    ),
    (
        SHAKE256,
        "shake256",
        64,
        _shake("shake_256", 64),
        Flag.NONE,
        "RFC 8702 section 2; RFC 8419 section 2.3",
        ("id-shake256",),
    ),
    (
        SHAKE128_LEN,
        "shake128-len",
        32,
        _shake("shake_128", 32),
        Flag.NONE,
        "NIST CSOR hashAlgs 17",
        ("id-shake128-len",),
    ),
    (
        SHAKE256_LEN,
        "shake256-len",
        64,
        _shake("shake_256", 64),
        Flag.NONE,
        "RFC 8419 section 2.3",
        ("id-shake256-len",),
    ),
)

_XOF_OIDS = frozenset({SHAKE128, SHAKE256, SHAKE128_LEN, SHAKE256_LEN})
_LEN_OIDS = {SHAKE128_LEN: "shake_128", SHAKE256_LEN: "shake_256"}
#: identifiers whose parameters must be absent, with no NULL tolerance (RFC 8702 section 2)
_ABSENT_ONLY = frozenset({SHAKE128, SHAKE256})
#: broken digests recognised only to refuse them by name
_REFUSED = {MD2: ("md2", "RFC 6149"), MD4: ("md4", "RFC 6150")}

_SPECS: dict[str, DigestSpec] = {}


def _register_all() -> None:
    for oid, name, size, factory, flags, rfc, aliases in _TABLE:
        info = register(
            AlgorithmInfo(oid, name, Kind.DIGEST, flags=flags, rfc=rfc, aliases=aliases)
        )
        if oids.name_of(oid) == oid:
            oids.register(oid, name)
        _SPECS[oid] = DigestSpec(info, size, factory)
    for oid, (name, _) in _REFUSED.items():
        if oids.name_of(oid) == oid:
            oids.register(oid, name)


_register_all()


def digest_spec(alg: AlgorithmIdentifier | str) -> DigestSpec:
    """Resolve a DigestAlgorithmIdentifier (or a registry name such as ``"sha256"``).

    Checks the parameters as described in the module docstring.

    :raises UnsupportedAlgorithm: unknown OID or name, or MD2/MD4.
    :raises DecodeError: parameters not allowed for this digest.
    """
    if isinstance(alg, str):
        try:
            info = lookup_name(alg)
        except UnsupportedAlgorithm:
            info = None
        if info is None or info.kind is not Kind.DIGEST:
            raise UnsupportedAlgorithm(f"unsupported digest algorithm name {alg!r}")
        return _SPECS[info.oid]
    oid, params = alg.oid, alg.parameters
    spec = _SPECS.get(oid)
    if spec is None:
        refused = _REFUSED.get(oid)
        if refused is not None:
            raise UnsupportedAlgorithm(
                f"{refused[0]} is broken and not supported (Historic, {refused[1]})",
                oid=oid,
                oid_name=refused[0],
            )
        lookup(oid, kind=Kind.DIGEST)  # raises UnsupportedAlgorithm naming the OID
        raise UnsupportedAlgorithm("unsupported digest algorithm", oid=oid)
    if params is None:
        return spec
    if oid in _LEN_OIDS:
        return _with_length(spec, params)
    if params == NULL and oid not in _ABSENT_ONLY:
        return spec
    rule = "absent" if oid in _ABSENT_ONLY else "absent or NULL"
    raise DecodeError(f"{spec.name} parameters must be {rule}", oid=oid, oid_name=spec.name)


def _with_length(spec: DigestSpec, params: bytes) -> DigestSpec:
    """SHAKE with ``ShakeOutputLen ::= INTEGER`` bits in the parameters (RFC 8419 2.3)."""
    try:
        bits = tlv.parse_one(params, what=f"{spec.name} ShakeOutputLen").as_int(max_octets=4)
    except SmimeError as exc:
        raise DecodeError(
            f"malformed {spec.name} parameters: {exc.message}", oid=spec.oid, oid_name=spec.name
        ) from None
    if bits <= 0 or bits % 8 or bits > _MAX_SHAKE_BITS:
        raise DecodeError(
            f"{spec.name} output length of {bits} bits is not a positive multiple of 8 "
            f"up to {_MAX_SHAKE_BITS}",
            oid=spec.oid,
            oid_name=spec.name,
        )
    size = bits // 8
    if size == spec.size:
        return spec
    return DigestSpec(spec.info, size, _shake(_LEN_OIDS[spec.oid], size))


def new_digest(alg: AlgorithmIdentifier | str) -> Hash:
    """A running hash for a DigestAlgorithmIdentifier or a name (RFC 5652 section 10.1.1).

    :raises UnsupportedAlgorithm: unknown or refused digest.
    :raises DecodeError: bad parameters.
    """
    return digest_spec(alg).new()


def digest(alg: AlgorithmIdentifier | str, data: bytes) -> bytes:
    """The digest of ``data`` with ``alg`` (an AlgorithmIdentifier or a registry name)."""
    h = digest_spec(alg).new()
    h.update(data)
    return h.digest()


def digest_algorithm(name: str) -> AlgorithmIdentifier:
    """The DigestAlgorithmIdentifier smimelib writes for ``name`` (RFC 5754 section 2).

    Parameters are absent; ``shake128-len`` / ``shake256-len`` carry their
    default output length (256 / 512 bits, RFC 8419 section 2.3).

    :raises UnsupportedAlgorithm: unknown name.
    :raises PolicyError: a weak digest (SHA-1, MD5), which smimelib never writes.
    """
    spec = digest_spec(name)
    DEFAULT_POLICY.check(spec.info, Use.PRODUCE)
    if spec.oid in _LEN_OIDS:
        return AlgorithmIdentifier(spec.oid, der.encode_int(spec.size * 8))
    return AlgorithmIdentifier(spec.oid)
