"""Key derivation functions: PBKDF2, the ANSI X9.63 KDF and HKDF.

* PBKDF2 (RFC 8018 section 5.2) with the HMAC-SHA-1/-2 PRFs of RFC 8018
  appendix B.1, and its ``PBKDF2-params`` (appendix A.2). Used by PBES2
  (``smimelib.crypto.pbe``), PBMAC1 and CMS PasswordRecipientInfo (RFC 3211).
* The ANSI X9.63 KDF (SEC 1 section 3.6.1) used by ECDH key agreement in
  CMS (RFC 5753 section 7.2) with the DER ``ECC-CMS-SharedInfo`` as SharedInfo.
* HKDF (RFC 5869) with the RFC 8619 identifiers, used by RFC 8418 (X25519 and
  X448 key agreement in CMS, with the same ``ECC-CMS-SharedInfo`` as ``info``).

The iteration count of PBKDF2 comes from untrusted input, so it is bounded by
:attr:`Policy.max_pbkdf2_iterations` (a CPU denial of service otherwise,
FIELD-NOTES row 15).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Kind,
    Policy,
    lookup,
    register,
)
from smimelib.errors import DecodeError, LimitExceeded, UnsupportedAlgorithm, UsageError

__all__ = [
    "HKDF_SHA256",
    "HKDF_SHA384",
    "HKDF_SHA512",
    "PBKDF2",
    "Pbkdf2Params",
    "check_iterations",
    "ecc_cms_shared_info",
    "hkdf",
    "hkdf_digest",
    "hkdf_expand",
    "hkdf_extract",
    "pbkdf2",
    "pbkdf2_algorithm",
    "pbkdf2_from_algorithm",
    "prf_algorithm",
    "prf_digest",
    "x963_kdf",
]

#: id-PBKDF2 (RFC 8018 appendix A.2)
PBKDF2 = "1.2.840.113549.1.5.12"
#: id-alg-hkdf-with-sha256/384/512 (RFC 8619 section 2)
HKDF_SHA256 = "1.2.840.113549.1.9.16.3.28"
HKDF_SHA384 = "1.2.840.113549.1.9.16.3.29"
HKDF_SHA512 = "1.2.840.113549.1.9.16.3.30"

# hashlib digest name -> (PRF OID, RFC 8018 name); RFC 8018 appendix B.1.2
_PRFS: dict[str, tuple[str, str]] = {
    "sha1": ("1.2.840.113549.2.7", "hmacWithSHA1"),
    "sha224": ("1.2.840.113549.2.8", "hmacWithSHA224"),
    "sha256": ("1.2.840.113549.2.9", "hmacWithSHA256"),
    "sha384": ("1.2.840.113549.2.10", "hmacWithSHA384"),
    "sha512": ("1.2.840.113549.2.11", "hmacWithSHA512"),
}
_PRF_BY_OID = {oid: digest for digest, (oid, _name) in _PRFS.items()}
_HKDFS = {HKDF_SHA256: "sha256", HKDF_SHA384: "sha384", HKDF_SHA512: "sha512"}
_DIGEST_SIZES = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}
_DEFAULT_PRF = "sha1"


def _register(info: AlgorithmInfo) -> None:
    register(info)
    if oids.name_of(info.oid) == info.oid:
        oids.register(info.oid, info.name)


_register(
    AlgorithmInfo(PBKDF2, "id-PBKDF2", Kind.KDF, rfc="RFC 8018 section 5.2", aliases=("pbkdf2",))
)
for _digest, (_oid, _name) in _PRFS.items():
    _register(
        AlgorithmInfo(
            _oid,
            _name,
            Kind.MAC,
            rfc="RFC 8018 appendix B.1.2" if _digest != "sha1" else "RFC 8018 appendix B.1.1",
            digest=_digest,
            aliases=(f"hmac-{_digest}",),
        )
    )
for _oid, _digest in _HKDFS.items():
    _register(
        AlgorithmInfo(
            _oid,
            f"id-alg-hkdf-with-{_digest}",
            Kind.KDF,
            rfc="RFC 8619 section 2",
            digest=_digest,
            aliases=(f"hkdf-{_digest}",),
        )
    )


def _digest_size(hash_name: str) -> int:
    size = _DIGEST_SIZES.get(hash_name)
    if size is None:
        raise UnsupportedAlgorithm(f"unsupported hash for key derivation: {hash_name!r}")
    return size


def _prf_name(prf: str) -> str:
    """Accept ``"sha256"``, ``"hmac-sha256"`` or ``"hmacWithSHA256"``."""
    key = prf.lower().removeprefix("hmac-").removeprefix("hmacwith").replace("-", "")
    if key not in _PRFS:
        raise UnsupportedAlgorithm(f"unsupported PBKDF2 PRF {prf!r}")
    return key


# ---------------------------------------------------------------------------
# PBKDF2 (RFC 8018 section 5.2)


def check_iterations(iterations: int, policy: Policy = DEFAULT_POLICY, *, what: str) -> None:
    """Refuse an iteration count below 1 or above ``policy.max_pbkdf2_iterations``.

    :raises DecodeError: the count is below 1 (RFC 8018 ``INTEGER (1..MAX)``).
    :raises LimitExceeded: the count exceeds the policy's bound.
    """
    if iterations < 1:
        raise DecodeError(f"{what} iteration count {iterations} is below 1")
    if iterations > policy.max_pbkdf2_iterations:
        raise LimitExceeded(
            f"{what} iteration count {iterations} exceeds the limit of "
            f"{policy.max_pbkdf2_iterations} (Policy.max_pbkdf2_iterations)",
            limit="max_pbkdf2_iterations",
        )


def pbkdf2(
    password: bytes, salt: bytes, iterations: int, length: int, prf: str = "sha256"
) -> bytes:
    """PBKDF2 (RFC 8018 section 5.2) with HMAC over ``prf`` (``"sha1"`` ... ``"sha512"``).

    :raises UsageError: ``iterations`` or ``length`` below 1.
    :raises UnsupportedAlgorithm: unknown PRF.
    """
    digest = _prf_name(prf)
    if iterations < 1 or length < 1:
        raise UsageError("PBKDF2 needs at least one iteration and one output byte")
    return hashlib.pbkdf2_hmac(digest, bytes(password), bytes(salt), iterations, length)


@dataclass(frozen=True, slots=True)
class Pbkdf2Params:
    """``PBKDF2-params`` (RFC 8018 appendix A.2)::

        PBKDF2-params ::= SEQUENCE {
            salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
            iterationCount INTEGER (1..MAX),
            keyLength INTEGER (1..MAX) OPTIONAL,
            prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }

    ``prf`` is the hashlib name of the HMAC hash (``"sha1"`` when the field is
    absent). Only the ``specified`` salt is defined; ``otherSource`` is refused.
    """

    salt: bytes
    iterations: int
    key_length: int | None = None
    prf: str = _DEFAULT_PRF

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> Pbkdf2Params:
        """Parse ``PBKDF2-params``.

        :raises DecodeError: malformed structure.
        :raises UnsupportedAlgorithm: a salt source or PRF that is not defined.
        """
        elem = tlv.parse_one(data, base_offset=base_offset, what="PBKDF2-params")
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError("PBKDF2-params is not a SEQUENCE", offset=elem.offset)
        fields = list(elem.children())
        if len(fields) < 2 or len(fields) > 4:
            raise DecodeError(
                f"PBKDF2-params has {len(fields)} fields (expected 2 to 4)", offset=elem.offset
            )
        salt_elem = fields.pop(0)
        if salt_elem.tag == tlv.Tag.SEQUENCE:
            raise UnsupportedAlgorithm(
                "PBKDF2 otherSource salt is reserved and not supported (RFC 8018 appendix A.2)"
            )
        if salt_elem.tag != tlv.Tag.OCTET_STRING:
            raise DecodeError("PBKDF2 salt is not an OCTET STRING", offset=salt_elem.offset)
        salt = salt_elem.as_octets()
        iter_elem = fields.pop(0)
        if iter_elem.tag != tlv.Tag.INTEGER:
            raise DecodeError("PBKDF2 iterationCount is not an INTEGER", offset=iter_elem.offset)
        iterations = iter_elem.as_int(max_octets=8)
        if iterations < 1:
            raise DecodeError(
                f"PBKDF2 iterationCount {iterations} is below 1", offset=iter_elem.offset
            )
        key_length: int | None = None
        if fields and fields[0].tag == tlv.Tag.INTEGER:
            kl_elem = fields.pop(0)
            key_length = kl_elem.as_int(max_octets=4)
            if key_length < 1:
                raise DecodeError(
                    f"PBKDF2 keyLength {key_length} is below 1", offset=kl_elem.offset
                )
        prf = _DEFAULT_PRF
        if fields:
            prf_elem = fields.pop(0)
            if prf_elem.tag != tlv.Tag.SEQUENCE:
                raise DecodeError(
                    "PBKDF2 prf is not an AlgorithmIdentifier", offset=prf_elem.offset
                )
            prf = prf_digest(AlgorithmIdentifier.from_element(prf_elem))
        if fields:
            raise DecodeError("unexpected field in PBKDF2-params", offset=fields[0].offset)
        return cls(salt, iterations, key_length, prf)

    def to_der(self) -> bytes:
        """DER ``PBKDF2-params``; the DEFAULT prf (hmacWithSHA1) is omitted (X.690 11.5)."""
        parts = [der.encode_octets(self.salt), der.encode_int(self.iterations)]
        if self.key_length is not None:
            parts.append(der.encode_int(self.key_length))
        if _prf_name(self.prf) != _DEFAULT_PRF:
            parts.append(prf_algorithm(self.prf).to_der())
        return der.sequence(*parts)

    def to_algorithm(self) -> AlgorithmIdentifier:
        """The ``id-PBKDF2`` AlgorithmIdentifier carrying these parameters."""
        return AlgorithmIdentifier(PBKDF2, self.to_der())

    def derive(self, password: bytes, length: int, *, policy: Policy = DEFAULT_POLICY) -> bytes:
        """Derive ``length`` bytes; ``keyLength``, when present, must equal ``length``.

        :raises DecodeError: ``keyLength`` differs from the key size the scheme needs.
        :raises LimitExceeded: the iteration count exceeds the policy's bound.
        """
        if self.key_length is not None and self.key_length != length:
            raise DecodeError(
                f"PBKDF2 keyLength {self.key_length} does not match the {length}-byte key "
                "the scheme needs"
            )
        check_iterations(self.iterations, policy, what="PBKDF2")
        return pbkdf2(password, self.salt, self.iterations, length, self.prf)


def prf_algorithm(prf: str) -> AlgorithmIdentifier:
    """The PRF AlgorithmIdentifier (NULL parameters, RFC 8018 appendix B.1.2), e.g.
    ``prf_algorithm("sha256")`` is hmacWithSHA256."""
    return AlgorithmIdentifier(_PRFS[_prf_name(prf)][0], NULL)


def prf_digest(alg: AlgorithmIdentifier) -> str:
    """The hash name of an HMAC PRF AlgorithmIdentifier (parameters NULL or absent).

    :raises UnsupportedAlgorithm: not an RFC 8018 PRF.
    :raises DecodeError: parameters other than NULL.
    """
    digest = _PRF_BY_OID.get(alg.oid)
    if digest is None:
        name = oids.name_of(alg.oid)
        raise UnsupportedAlgorithm(
            f"unsupported PBKDF2 PRF {name if name != alg.oid else 'unknown OID'}",
            oid=alg.oid,
            oid_name=name if name != alg.oid else None,
        )
    if not alg.parameters_absent_or_null:
        raise DecodeError(f"{_PRFS[digest][1]} parameters must be NULL or absent")
    return digest


def pbkdf2_algorithm(
    salt: bytes, iterations: int, *, key_length: int | None = None, prf: str = "sha256"
) -> AlgorithmIdentifier:
    """An ``id-PBKDF2`` AlgorithmIdentifier to write (RFC 8018 appendix A.2)."""
    if iterations < 1:
        raise UsageError("PBKDF2 needs at least one iteration")
    if key_length is not None and key_length < 1:
        raise UsageError("PBKDF2 keyLength must be positive")
    return Pbkdf2Params(bytes(salt), iterations, key_length, _prf_name(prf)).to_algorithm()


def pbkdf2_from_algorithm(alg: AlgorithmIdentifier) -> Pbkdf2Params:
    """The parameters of an ``id-PBKDF2`` AlgorithmIdentifier.

    :raises UnsupportedAlgorithm: the OID is not id-PBKDF2.
    :raises DecodeError: parameters absent or malformed.
    """
    if alg.oid != PBKDF2:
        lookup(alg.oid, kind=Kind.KDF)  # names the OID in the error
        raise UnsupportedAlgorithm("expected id-PBKDF2", oid=alg.oid)
    if alg.parameters is None:
        raise DecodeError("id-PBKDF2 without PBKDF2-params")
    return Pbkdf2Params.from_der(alg.parameters)


# ---------------------------------------------------------------------------
# ANSI X9.63 KDF (SEC 1 section 3.6.1) and ECC-CMS-SharedInfo (RFC 5753 section 7.2)


def x963_kdf(hash_name: str, shared_secret: bytes, length: int, shared_info: bytes = b"") -> bytes:
    """The ANSI X9.63 KDF (SEC 1 section 3.6.1): ``K_i = Hash(Z || Counter_i || SharedInfo)``
    with a 32-bit big-endian counter starting at 1, truncated to ``length`` bytes.

    :raises UsageError: ``length`` is not positive or needs 2^32 - 1 blocks or more.
    """
    size = _digest_size(hash_name)
    if length < 1 or length >= size * 0xFFFFFFFF:
        raise UsageError(f"X9.63 KDF output length {length} out of range")
    out = bytearray()
    counter = 1
    while len(out) < length:
        out += hashlib.new(
            hash_name, bytes(shared_secret) + counter.to_bytes(4, "big") + bytes(shared_info)
        ).digest()
        counter += 1
    return bytes(out[:length])


def ecc_cms_shared_info(wrap_alg: AlgorithmIdentifier, key_bits: int, ukm: bytes | None) -> bytes:
    """DER ``ECC-CMS-SharedInfo`` (RFC 5753 section 7.2, also RFC 8418 section 2)::

        ECC-CMS-SharedInfo ::= SEQUENCE {
            keyInfo         AlgorithmIdentifier,
            entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
            suppPubInfo [2] EXPLICIT OCTET STRING }

    ``keyInfo`` is the key-wrap algorithm exactly as it appears in the
    KeyAgreeRecipientInfo (AES wraps: parameters absent; 3DES wrap: NULL),
    ``entityUInfo`` the ukm when present, and ``suppPubInfo`` the KEK length in
    bits as a 4-octet big-endian integer. The result is the SharedInfo of the
    X9.63 KDF (RFC 5753) or the ``info`` of HKDF (RFC 8418).
    """
    if not 0 < key_bits < 2**32:
        raise UsageError(f"key length of {key_bits} bits out of range for suppPubInfo")
    parts = [wrap_alg.to_der()]
    if ukm is not None:
        parts.append(der.explicit(0, der.encode_octets(ukm)))
    parts.append(der.explicit(2, der.encode_octets(key_bits.to_bytes(4, "big"))))
    return der.sequence(*parts)


# ---------------------------------------------------------------------------
# HKDF (RFC 5869)


def hkdf_extract(hash_name: str, ikm: bytes, salt: bytes = b"") -> bytes:
    """HKDF-Extract (RFC 5869 section 2.2); an empty salt is HashLen zero octets."""
    size = _digest_size(hash_name)
    return hmac.new(bytes(salt) or b"\x00" * size, bytes(ikm), hash_name).digest()


def hkdf_expand(hash_name: str, prk: bytes, length: int, info: bytes = b"") -> bytes:
    """HKDF-Expand (RFC 5869 section 2.3).

    :raises UsageError: ``length`` is not in 1..255*HashLen.
    """
    size = _digest_size(hash_name)
    if not 1 <= length <= 255 * size:
        raise UsageError(f"HKDF output length {length} out of range 1..{255 * size}")
    out = bytearray()
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.new(bytes(prk), block + bytes(info) + bytes([counter]), hash_name).digest()
        out += block
        counter += 1
    return bytes(out[:length])


def hkdf(hash_name: str, ikm: bytes, length: int, *, salt: bytes = b"", info: bytes = b"") -> bytes:
    """HKDF (RFC 5869 section 2): Extract then Expand."""
    return hkdf_expand(hash_name, hkdf_extract(hash_name, ikm, salt), length, info)


def hkdf_digest(alg: AlgorithmIdentifier) -> str:
    """The hash name of an RFC 8619 HKDF AlgorithmIdentifier.

    RFC 8619 section 2 says the parameters MUST be absent; NULL is refused too.

    :raises UnsupportedAlgorithm: not an HKDF OID.
    :raises DecodeError: parameters present.
    """
    digest = _HKDFS.get(alg.oid)
    if digest is None:
        lookup(alg.oid, kind=Kind.KDF)
        raise UnsupportedAlgorithm("not an HKDF algorithm", oid=alg.oid)
    if alg.parameters is not None:
        raise DecodeError(
            f"id-alg-hkdf-with-{digest} parameters must be absent (RFC 8619 section 2)"
        )
    return digest
