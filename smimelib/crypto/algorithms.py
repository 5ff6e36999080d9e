"""The algorithm registry: one table from OIDs to what smimelib does with them.

Each module of ``smimelib.crypto`` registers the algorithms it implements
(:func:`register`) with their kind and policy flags; :func:`lookup` answers
for an OID or raises :class:`~smimelib.errors.UnsupportedAlgorithm` naming the
OID. :class:`Policy` decides whether a registered algorithm may be used to
produce (sign, encrypt) or to consume (verify, decrypt) data, following
RFC 8551 section 2 by default: SHA-1, MD5, DSA, 3DES, RC2 and RSA keys under
2048 bits are refused unless a policy allows them, and are then reported as
weak.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.errors import PolicyError, UnsupportedAlgorithm, UsageError

__all__ = [
    "DEFAULT_POLICY",
    "LEGACY_POLICY",
    "STRONG_RSA_BITS",
    "AlgorithmInfo",
    "Flag",
    "Kind",
    "Policy",
    "Use",
    "all_algorithms",
    "lookup",
    "lookup_name",
    "register",
]


class Kind(enum.Enum):
    """What an algorithm is for."""

    DIGEST = "digest"
    SIGNATURE = "signature"
    KEY_TRANSPORT = "key-transport"
    KEY_AGREEMENT = "key-agreement"
    KDF = "kdf"
    KEY_WRAP = "key-wrap"
    CONTENT_CIPHER = "content-cipher"
    AEAD = "aead"
    MAC = "mac"
    PBE = "pbe"
    PUBLIC_KEY = "public-key"


class Flag(enum.Flag):
    """Policy flags of an algorithm."""

    NONE = 0
    #: cryptographically weak (collisions, small keys): refused by default, reported when allowed
    WEAK = enum.auto()
    #: obsolete but still met in old mail (3DES, RC2, DSA): needs a legacy policy
    LEGACY = enum.auto()
    #: smimelib reads (verify/decrypt) but never writes it
    CONSUME_ONLY = enum.auto()
    #: not what the standards define for this use (e.g. GCM inside EnvelopedData)
    NON_STANDARD = enum.auto()


class Use(enum.Enum):
    """Whether data is being produced (sign, encrypt) or consumed (verify, decrypt)."""

    PRODUCE = "produce"
    CONSUME = "consume"


@dataclass(frozen=True, slots=True)
class AlgorithmInfo:
    """A registered algorithm.

    :param oid: dotted OID.
    :param name: the RFC's name for it (``sha256WithRSAEncryption``).
    :param kind: what it is for.
    :param flags: policy flags.
    :param rfc: where it is specified, e.g. ``"RFC 5754 section 3.2"``.
    :param key_size: key size in bytes for ciphers and key wraps, when fixed.
    :param digest: the digest's registry name for combined signature OIDs and
        digest-based KDFs (``"sha256"``), if any.
    """

    oid: str
    name: str
    kind: Kind
    flags: Flag = Flag.NONE
    rfc: str = ""
    key_size: int | None = None
    digest: str | None = None
    aliases: tuple[str, ...] = field(default=(), repr=False)

    @property
    def weak(self) -> bool:
        return bool(self.flags & (Flag.WEAK | Flag.LEGACY))


_BY_OID: dict[str, AlgorithmInfo] = {}
_BY_NAME: dict[str, AlgorithmInfo] = {}


def register(info: AlgorithmInfo) -> AlgorithmInfo:
    """Add an algorithm to the registry; registering one OID twice differently is a bug."""
    old = _BY_OID.get(info.oid)
    if old is not None and old != info:
        raise UsageError(f"algorithm {info.oid} registered twice ({old.name}, {info.name})")
    _BY_OID[info.oid] = info
    for name in (info.name, *info.aliases):
        _BY_NAME[name.lower()] = info
    return info


def _ensure_loaded() -> None:
    # The primitive modules register themselves on import; importing them here
    # keeps lookup() complete whichever module the caller imported first.
    from smimelib.crypto import _registry_all  # noqa: F401


def lookup(oid: str | AlgorithmIdentifier, *, kind: Kind | None = None) -> AlgorithmInfo:
    """The registered algorithm for an OID.

    :raises UnsupportedAlgorithm: the OID is unknown, or is not of ``kind``.
    """
    _ensure_loaded()
    if isinstance(oid, AlgorithmIdentifier):
        oid = oid.oid
    info = _BY_OID.get(oid)
    if info is None or (kind is not None and info.kind is not kind):
        from smimelib.asn1.oids import name_of

        what = f" as {kind.value}" if kind is not None else ""
        name = name_of(oid)
        raise UnsupportedAlgorithm(
            f"unsupported algorithm{what}: {name if name != oid else 'unknown OID'}",
            oid=oid,
            oid_name=name if name != oid else None,
        )
    return info


def lookup_name(name: str) -> AlgorithmInfo:
    """The registered algorithm for a name or alias (case-insensitive), e.g. ``"sha256"``."""
    _ensure_loaded()
    info = _BY_NAME.get(name.lower())
    if info is None:
        raise UnsupportedAlgorithm(f"unsupported algorithm name {name!r}")
    return info


def all_algorithms() -> tuple[AlgorithmInfo, ...]:
    """Every registered algorithm, in registration order."""
    _ensure_loaded()
    return tuple(_BY_OID.values())


#: the smallest RSA modulus that is not weak (RFC 8551 section 4.1; RFC 8550 section 4.3)
STRONG_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class Policy:
    """Which algorithms and key sizes may be used.

    The default follows RFC 8551 section 2 and RFC 8550: weak and legacy
    algorithms are refused, RSA keys must have at least 2048 bits. A policy
    that allows more is explicit, and callers report what it let through.
    """

    #: accept WEAK algorithms (SHA-1 signatures, MD5 digests) when consuming
    allow_weak: bool = False
    #: accept LEGACY algorithms (3DES, RC2, DSA) when consuming
    allow_legacy: bool = False
    #: accept NON_STANDARD uses (GCM inside EnvelopedData) when consuming
    allow_non_standard: bool = False
    #: smallest RSA modulus accepted, in bits
    min_rsa_bits: int = STRONG_RSA_BITS
    #: most PBKDF2 iterations accepted from untrusted input (CPU bound, FIELD-NOTES 15)
    max_pbkdf2_iterations: int = 10_000_000

    def check(self, info: AlgorithmInfo, use: Use) -> None:
        """Raise :class:`PolicyError` if ``info`` may not be used for ``use``."""
        if use is Use.PRODUCE:
            if info.flags & Flag.CONSUME_ONLY:
                raise PolicyError(
                    f"{info.name} is only accepted on input, never produced",
                    oid=info.oid,
                    oid_name=info.name,
                )
            if info.flags & (Flag.WEAK | Flag.LEGACY | Flag.NON_STANDARD):
                raise PolicyError(
                    f"{info.name} is weak or obsolete and is not used for new messages",
                    oid=info.oid,
                    oid_name=info.name,
                )
            return
        if info.flags & Flag.WEAK and not self.allow_weak:
            raise PolicyError(
                f"{info.name} is weak and refused by policy (allow_weak to accept it)",
                oid=info.oid,
                oid_name=info.name,
            )
        if info.flags & Flag.LEGACY and not self.allow_legacy:
            raise PolicyError(
                f"{info.name} is a legacy algorithm refused by policy (allow_legacy to accept it)",
                oid=info.oid,
                oid_name=info.name,
            )
        if info.flags & Flag.NON_STANDARD and not self.allow_non_standard:
            raise PolicyError(
                f"{info.name} is used in a non-standard way and refused by policy",
                oid=info.oid,
                oid_name=info.name,
            )

    def check_rsa_bits(self, bits: int) -> None:
        """Raise :class:`PolicyError` for an RSA key smaller than ``min_rsa_bits``."""
        if bits < self.min_rsa_bits:
            raise PolicyError(
                f"RSA key of {bits} bits is below the policy minimum of {self.min_rsa_bits}"
            )


DEFAULT_POLICY = Policy()
#: reads what old mail carries (SHA-1, MD5 digests, 3DES, RC2, DSA, RSA-1024); still never writes it
LEGACY_POLICY = Policy(allow_weak=True, allow_legacy=True, min_rsa_bits=1024)
