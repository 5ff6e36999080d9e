"""Signature primitives on resolved inputs, for :mod:`smimelib.crypto.signatures`.

Signing goes through pycryptodome (blinded, fault-checked RSA; FIPS 186 ECDSA
nonces; RFC 8032 EdDSA), and so do RSA and EdDSA verification, fed with digests
from our hashlib objects. Done here, because CMS needs them otherwise than
pycryptodome does them: strict DER signature values, ECDSA with any hash the
policy allows (SHA-1 included under a legacy policy), and DSA (FIPS 186-4
section 4.7) with any domain size up to a bound. A bad signature raises
:class:`Invalid` with the reason; the public module turns it into a
SignatureError.
"""

from __future__ import annotations

from typing import Any, cast

from Crypto.Signature import DSS, eddsa, pkcs1_15, pss

from smimelib.asn1 import der, tlv
from smimelib.crypto.digests import DigestSpec, Hash
from smimelib.crypto.keys import PrivateKey, PublicKey, ec_curve_parameters
from smimelib.errors import DecodeError


class Invalid(Exception):
    """A signature did not verify; ``args[0]`` says why ("" when nothing more is known)."""


class _Prehashed:
    """A computed digest dressed as the pycryptodome hash object its signers expect."""

    __slots__ = ("_spec", "_value", "digest_size", "oid")

    def __init__(self, spec: DigestSpec, value: bytes) -> None:
        self._spec = spec
        self._value = value
        self.digest_size = spec.size
        self.oid = spec.oid

    def digest(self) -> bytes:
        return self._value

    def new(self, data: bytes | None = None) -> Hash:
        h = self._spec.new()
        if data:
            h.update(data)
        return h


def mgf1(spec: DigestSpec, seed: bytes, length: int) -> bytes:
    """MGF1 (RFC 8017 appendix B.2.1) over a hashlib hash."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        h = spec.new()
        h.update(seed + counter.to_bytes(4, "big"))
        out += h.digest()
        counter += 1
    return bytes(out[:length])


# -- signing (pycryptodome errors propagate; the caller maps them) ---------------------------


def sign_pkcs1(key: PrivateKey, digest: DigestSpec, mhash: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5-SIGN (RFC 8017 section 8.2.1), DigestInfo with NULL parameters."""
    return bytes(pkcs1_15.new(key.key).sign(_Prehashed(digest, mhash)))


def sign_pss(
    key: PrivateKey, digest: DigestSpec, mgf: DigestSpec, salt_length: int, mhash: bytes
) -> bytes:
    """RSASSA-PSS-SIGN (RFC 8017 section 8.1.1) with MGF1 over ``mgf``."""
    signer = pss.new(key.key, mask_func=lambda seed, n: mgf1(mgf, seed, n), salt_bytes=salt_length)
    return bytes(signer.sign(cast(Any, _Prehashed(digest, mhash))))


def sign_ecdsa(key: PrivateKey, digest: DigestSpec, mhash: bytes) -> bytes:
    """ECDSA (FIPS 186-4 section 6.4) with a random nonce, as DER Ecdsa-Sig-Value."""
    return bytes(DSS.new(key.key, "fips-186-3", encoding="der").sign(_Prehashed(digest, mhash)))


def sign_eddsa(key: PrivateKey, data: bytes) -> bytes:
    """PureEdDSA (RFC 8032 sections 5.1.6 and 5.2.6)."""
    return bytes(eddsa.new(key.key, "rfc8032").sign(data))


# -- verification ----------------------------------------------------------------------------


def verify_pkcs1(key: PublicKey, digest: DigestSpec, mhash: bytes, sig: bytes) -> None:
    """RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 section 8.2.2).

    pycryptodome re-encodes EMSA-PKCS1-v1_5 and compares whole encodings: the
    DigestInfo with NULL hash parameters, and for non-MD hashes also with absent
    ones (signatures module docstring); anything else in the block is a failure.
    """
    try:
        pkcs1_15.new(key.key).verify(_Prehashed(digest, mhash), sig)
    except (ValueError, TypeError):
        raise Invalid("") from None


def verify_pss(
    key: PublicKey,
    digest: DigestSpec,
    mgf: DigestSpec,
    salt_length: int,
    mhash: bytes,
    sig: bytes,
) -> None:
    """RSASSA-PSS-VERIFY (RFC 8017 sections 8.1.2 and 9.1.2) with exactly ``salt_length``."""
    verifier = pss.new(
        key.key, mask_func=lambda seed, n: mgf1(mgf, seed, n), salt_bytes=salt_length
    )
    try:
        verifier.verify(cast(Any, _Prehashed(digest, mhash)), sig)
    except (ValueError, TypeError):
        raise Invalid("") from None


def _dss_sig_value(sig: bytes, order: int) -> tuple[int, int]:
    """(r, s) of a DER Ecdsa-Sig-Value / Dss-Sig-Value (RFC 3279 2.2.2/2.2.3), 0 < r, s < n."""
    size = (order.bit_length() + 7) // 8 + 1
    if len(sig) > 2 * (size + 4) + 4:
        raise Invalid(f"{len(sig)} bytes is too long for this key")
    try:
        seq = tlv.parse_one(sig, what="signature value").expect(tlv.Tag.SEQUENCE, "signature")
        parts = seq.children()
        if len(parts) != 2:
            raise Invalid("not a SEQUENCE of two INTEGERs")
        r, s = parts[0].as_int(max_octets=size), parts[1].as_int(max_octets=size)
    except DecodeError as exc:
        raise Invalid(f"malformed: {exc.message}") from None
    if der.sequence(der.encode_int(r), der.encode_int(s)) != sig:
        raise Invalid("not DER-encoded")
    if not (0 < r < order and 0 < s < order):
        raise Invalid("r or s out of range")
    return r, s


def verify_ecdsa(key: PublicKey, digest: DigestSpec, mhash: bytes, sig: bytes) -> None:
    """ECDSA verification (FIPS 186-4 section 6.4) of a DER Ecdsa-Sig-Value."""
    order = ec_curve_parameters(key.curve or "").order
    r, s = _dss_sig_value(sig, order)
    size = (order.bit_length() + 7) // 8
    # The verification equations are the same in every DSS mode; the deterministic
    # scheme has no hash-strength gate (the policy decides), so it also checks SHA-1.
    verifier = DSS.new(key.key, "deterministic-rfc6979", encoding="binary")
    try:
        verifier.verify(_Prehashed(digest, mhash), r.to_bytes(size) + s.to_bytes(size))
    except ValueError:
        raise Invalid("") from None


def verify_dsa(key: PublicKey, mhash: bytes, sig: bytes) -> None:
    """DSA verification (FIPS 186-4 section 4.7), any (L, N) up to 8192/512 bits."""
    p, q, g, y = key.dsa_numbers()
    if p.bit_length() > 8192 or q.bit_length() > 512 or not (1 < g < p and 1 < y < p):
        raise Invalid("DSA domain parameters out of range")
    if q < 2 or (p - 1) % q:
        raise Invalid("DSA q does not divide p - 1")
    r, s = _dss_sig_value(sig, q)
    z = int.from_bytes(mhash, "big")
    excess = len(mhash) * 8 - q.bit_length()
    if excess > 0:  # the leftmost min(N, outlen) bits of the hash
        z >>= excess
    try:
        w = pow(s, -1, q)
    except ValueError:  # q not prime
        raise Invalid("DSA s has no inverse modulo q") from None
    if pow(g, z * w % q, p) * pow(y, r * w % q, p) % p % q != r:
        raise Invalid("")


def verify_eddsa(key: PublicKey, data: bytes, sig: bytes) -> None:
    """PureEdDSA verification (RFC 8032 sections 5.1.7 and 5.2.7)."""
    try:
        eddsa.new(key.key, "rfc8032").verify(data, sig)
    except ValueError:
        raise Invalid("") from None
