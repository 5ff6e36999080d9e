"""Public and private keys as frozen values over pycryptodome key objects.

One type for every key smimelib handles: RSA (RFC 8017), EC on the NIST
curves P-256/P-384/P-521 (RFC 5480), Ed25519/Ed448 (RFC 8032, RFC 8410),
X25519/X448 (RFC 7748, RFC 8410) and DSA (FIPS 186, verify only). The
serialisation formats (SubjectPublicKeyInfo, PKCS#1, PKCS#8, SEC1) live in
``smimelib.pki.keys``; this module only constructs, generates and exposes key
material.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

from Crypto.Protocol import DH
from Crypto.PublicKey import DSA, ECC, RSA
from Crypto.Signature import eddsa

from smimelib.errors import UsageError

__all__ = [
    "EC_CURVES",
    "CurveParameters",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "ec_curve_parameters",
    "generate_private_key",
]


class KeyType(enum.Enum):
    """The kind of asymmetric key."""

    RSA = "rsa"
    EC = "ec"
    ED25519 = "ed25519"
    ED448 = "ed448"
    X25519 = "x25519"
    X448 = "x448"
    DSA = "dsa"


#: our curve name -> (pycryptodome curve name, coordinate size in bytes, OID)
EC_CURVES: dict[str, tuple[str, int, str]] = {
    "P-256": ("NIST P-256", 32, "1.2.840.10045.3.1.7"),
    "P-384": ("NIST P-384", 48, "1.3.132.0.34"),
    "P-521": ("NIST P-521", 66, "1.3.132.0.35"),
}

_RAW_CURVES: dict[KeyType, tuple[str, int]] = {
    KeyType.ED25519: ("Ed25519", 32),
    KeyType.ED448: ("Ed448", 57),
    KeyType.X25519: ("Curve25519", 32),
    KeyType.X448: ("Curve448", 56),
}


_RAW_PUBLIC_IMPORT: dict[KeyType, Any] = {
    KeyType.ED25519: eddsa.import_public_key,
    KeyType.ED448: eddsa.import_public_key,
    KeyType.X25519: DH.import_x25519_public_key,
    KeyType.X448: DH.import_x448_public_key,
}


def _curve_of(key: Any) -> str:
    for name, (pycurve, _, _) in EC_CURVES.items():
        if key.curve == pycurve:
            return name
    raise UsageError(f"unsupported EC curve {key.curve}")


@dataclass(frozen=True, slots=True, eq=False)
class PublicKey:
    """A public key. ``key`` is the pycryptodome object (RsaKey, EccKey or DsaKey).

    ``rsa_pss`` marks an RSA key whose SubjectPublicKeyInfo used id-RSASSA-PSS
    (RFC 4055 section 1.2); ``pss_params`` keeps that SPKI's parameters DER, if any.
    """

    type: KeyType
    key: Any = field(repr=False)
    curve: str | None = None
    rsa_pss: bool = False
    pss_params: bytes | None = field(default=None, repr=False)

    # -- construction -------------------------------------------------------
    @classmethod
    def rsa(cls, n: int, e: int) -> PublicKey:
        try:
            return cls(KeyType.RSA, RSA.construct((n, e), consistency_check=True))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid RSA public key: {exc}") from None

    @classmethod
    def ec(cls, curve: str, point: bytes) -> PublicKey:
        """From an X9.62 encoded point (uncompressed ``04||X||Y`` or compressed)."""
        if curve not in EC_CURVES:
            raise UsageError(f"unsupported EC curve {curve}")
        try:
            key = ECC.import_key(bytes(point), curve_name=EC_CURVES[curve][0])
        except (ValueError, TypeError, IndexError) as exc:
            raise UsageError(f"invalid {curve} public point: {exc}") from None
        return cls(KeyType.EC, key, curve)

    @classmethod
    def raw(cls, type: KeyType, data: bytes) -> PublicKey:
        """Ed25519/Ed448/X25519/X448 public key from its raw encoding (RFC 8410 section 3)."""
        if type not in _RAW_CURVES:
            raise UsageError(f"{type.value} keys have no raw encoding")
        _, size = _RAW_CURVES[type]
        if len(data) != size:
            raise UsageError(f"{type.value} public key must be {size} bytes, not {len(data)}")
        try:
            key = _RAW_PUBLIC_IMPORT[type](bytes(data))
        except (ValueError, TypeError, IndexError) as exc:
            raise UsageError(f"invalid {type.value} public key: {exc}") from None
        return cls(type, key)

    @classmethod
    def dsa(cls, p: int, q: int, g: int, y: int) -> PublicKey:
        try:
            return cls(KeyType.DSA, DSA.construct((y, g, p, q), consistency_check=False))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid DSA public key: {exc}") from None

    # -- properties ---------------------------------------------------------
    @property
    def size_bits(self) -> int:
        """Modulus size for RSA/DSA (p), curve order size for EC, nominal size otherwise."""
        if self.type is KeyType.RSA:
            return int(self.key.n.bit_length())
        if self.type is KeyType.DSA:
            return int(self.key.p.bit_length())
        if self.type is KeyType.EC:
            return {"P-256": 256, "P-384": 384, "P-521": 521}[self.curve or ""]
        return {
            KeyType.ED25519: 256,
            KeyType.ED448: 456,
            KeyType.X25519: 255,
            KeyType.X448: 448,
        }[self.type]

    def rsa_numbers(self) -> tuple[int, int]:
        """(n, e) of an RSA key."""
        self._need(KeyType.RSA)
        return int(self.key.n), int(self.key.e)

    def dsa_numbers(self) -> tuple[int, int, int, int]:
        """(p, q, g, y) of a DSA key."""
        self._need(KeyType.DSA)
        return int(self.key.p), int(self.key.q), int(self.key.g), int(self.key.y)

    def ec_point(self, *, compressed: bool = False) -> bytes:
        """X9.62 encoding of an EC public point (uncompressed by default, RFC 5480 2.2)."""
        self._need(KeyType.EC)
        return bytes(self.key.export_key(format="SEC1", compress=compressed))

    def raw_bytes(self) -> bytes:
        """Raw encoding of an Ed25519/Ed448/X25519/X448 public key (RFC 8410 section 3)."""
        if self.type not in _RAW_CURVES:
            raise UsageError(f"{self.type.value} keys have no raw encoding")
        return bytes(self.key.export_key(format="raw"))

    def _need(self, type: KeyType) -> None:
        if self.type is not type:
            raise UsageError(f"expected a {type.value} key, got {self.type.value}")

    def _identity(self) -> tuple[object, ...]:
        if self.type is KeyType.RSA:
            return (self.type, *self.rsa_numbers())
        if self.type is KeyType.DSA:
            return (self.type, *self.dsa_numbers())
        if self.type is KeyType.EC:
            return (self.type, self.curve, self.ec_point())
        return (self.type, self.raw_bytes())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


@dataclass(frozen=True, slots=True, eq=False)
class PrivateKey:
    """A private key. ``key`` is the pycryptodome object (RsaKey, EccKey or DsaKey)."""

    type: KeyType
    key: Any = field(repr=False)
    curve: str | None = None
    #: an RSA key restricted to RSASSA-PSS (id-RSASSA-PSS in PKCS#8, RFC 4055 section 1.2)
    rsa_pss: bool = False
    pss_params: bytes | None = field(default=None, repr=False)

    @classmethod
    def rsa(cls, n: int, e: int, d: int, p: int | None = None, q: int | None = None) -> PrivateKey:
        """An RSA private key from its numbers (RFC 8017 section 3.2).

        With both primes given the numbers are checked arithmetically (n = pq,
        ed = 1 mod lcm(p-1, q-1)) instead of by pycryptodome's primality tests,
        which cost ~15 ms per RSA-2048 key and seconds on a hostile large key.
        """
        if p is None or q is None:
            try:
                return cls(KeyType.RSA, RSA.construct((n, e, d), consistency_check=True))
            except (ValueError, TypeError) as exc:
                raise UsageError(f"invalid RSA private key: {exc}") from None
        if min(p, q) < 3 or n != p * q or not 1 < e < n or not 1 < d < n:
            raise UsageError("invalid RSA private key: inconsistent n, e, d, p, q")
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        if (e * d) % lam != 1:
            raise UsageError("invalid RSA private key: d is not the inverse of e")
        try:
            key = RSA.construct((n, e, d, p, q), consistency_check=False)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid RSA private key: {exc}") from None
        return cls(KeyType.RSA, key)

    @classmethod
    def ec(cls, curve: str, d: int) -> PrivateKey:
        if curve not in EC_CURVES:
            raise UsageError(f"unsupported EC curve {curve}")
        try:
            key = ECC.construct(curve=EC_CURVES[curve][0], d=d)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid {curve} private key: {exc}") from None
        return cls(KeyType.EC, key, curve)

    @classmethod
    def raw(cls, type: KeyType, seed: bytes) -> PrivateKey:
        """Ed25519/Ed448/X25519/X448 private key from its raw form (RFC 8410 section 7)."""
        if type not in _RAW_CURVES:
            raise UsageError(f"{type.value} keys have no raw encoding")
        pycurve, size = _RAW_CURVES[type]
        if len(seed) != size:
            raise UsageError(f"{type.value} private key must be {size} bytes, not {len(seed)}")
        try:
            key = ECC.construct(curve=pycurve, seed=bytes(seed))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid {type.value} private key: {exc}") from None
        return cls(type, key)

    @classmethod
    def dsa(cls, p: int, q: int, g: int, x: int) -> PrivateKey:
        y = pow(g, x, p)
        try:
            return cls(KeyType.DSA, DSA.construct((y, g, p, q, x), consistency_check=False))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid DSA private key: {exc}") from None

    def public_key(self) -> PublicKey:
        return PublicKey(
            self.type, self.key.public_key(), self.curve, self.rsa_pss, self.pss_params
        )

    @property
    def size_bits(self) -> int:
        return self.public_key().size_bits

    def rsa_numbers(self) -> tuple[int, int, int, int, int]:
        """(n, e, d, p, q) of an RSA key."""
        self._need(KeyType.RSA)
        k = self.key
        return int(k.n), int(k.e), int(k.d), int(k.p), int(k.q)

    def ec_scalar(self) -> int:
        self._need(KeyType.EC)
        return int(self.key.d)

    def raw_bytes(self) -> bytes:
        """The raw private key (seed) of an Ed25519/Ed448/X25519/X448 key (RFC 8410 section 7)."""
        if self.type not in _RAW_CURVES:
            raise UsageError(f"{self.type.value} keys have no raw encoding")
        return bytes(self.key.seed)

    def dsa_numbers(self) -> tuple[int, int, int, int]:
        """(p, q, g, x) of a DSA key."""
        self._need(KeyType.DSA)
        k = self.key
        return int(k.p), int(k.q), int(k.g), int(k.x)

    def _need(self, type: KeyType) -> None:
        if self.type is not type:
            raise UsageError(f"expected a {type.value} key, got {self.type.value}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return self.public_key() == other.public_key()

    def __hash__(self) -> int:
        return hash(self.public_key())


def generate_private_key(type: KeyType, *, bits: int = 2048, curve: str = "P-256") -> PrivateKey:
    """Generate a fresh key: RSA of ``bits``, EC on ``curve``, or an Ed/X key.

    DSA generation is not offered: smimelib verifies DSA but never signs with it.
    """
    if type is KeyType.RSA:
        if bits < 1024:
            raise UsageError("RSA keys must be at least 1024 bits")
        return PrivateKey(KeyType.RSA, RSA.generate(bits))
    if type is KeyType.EC:
        if curve not in EC_CURVES:
            raise UsageError(f"unsupported EC curve {curve}")
        return PrivateKey(KeyType.EC, ECC.generate(curve=EC_CURVES[curve][0]), curve)
    if type in _RAW_CURVES:
        return PrivateKey(type, ECC.generate(curve=_RAW_CURVES[type][0]))
    raise UsageError(f"cannot generate {type.value} keys")


@dataclass(frozen=True, slots=True)
class CurveParameters:
    """Domain parameters of a NIST prime curve (SEC 2 section 2.4; a = p - 3, cofactor 1)."""

    p: int
    b: int
    order: int
    gx: int
    gy: int
    cofactor: int = 1

    @property
    def a(self) -> int:
        return self.p - 3


def _hex(digits: str) -> int:
    return int(digits, 16)


# SEC 2 version 2, sections 2.4.2, 2.5.1 and 2.6.1 (= FIPS 186-4 appendix D.1.2)
_CURVE_PARAMETERS: dict[str, CurveParameters] = {
    "P-256": CurveParameters(
        p=_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
        b=_hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
        order=_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
        gx=_hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
        gy=_hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
    ),
    "P-384": CurveParameters(
        p=_hex(
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
            "ffffffff0000000000000000ffffffff"
        ),
        b=_hex(
            "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a"
            "c656398d8a2ed19d2a85c8edd3ec2aef"
        ),
        order=_hex(
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
            "581a0db248b0a77aecec196accc52973"
        ),
        gx=_hex(
            "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
            "5502f25dbf55296c3a545e3872760ab7"
        ),
        gy=_hex(
            "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
            "0a60b1ce1d7e819d7a431d7c90ea0e5f"
        ),
    ),
    "P-521": CurveParameters(
        p=_hex(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "fff"
        ),
        b=_hex(
            "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109"
            "e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f"
            "00"
        ),
        order=_hex(
            "1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            "ffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386"
            "409"
        ),
        gx=_hex(
            "c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3d"
            "baa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd"
            "66"
        ),
        gy=_hex(
            "11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e6"
            "62c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16"
            "650"
        ),
    ),
}


def ec_curve_parameters(curve: str) -> CurveParameters:
    """The domain parameters of ``"P-256"``, ``"P-384"`` or ``"P-521"``."""
    try:
        return _CURVE_PARAMETERS[curve]
    except KeyError:
        raise UsageError(f"unsupported EC curve {curve}") from None


def ec_curve_name(key: Any) -> str:
    """Our curve name ("P-256"...) of a pycryptodome NIST EccKey."""
    return _curve_of(key)
