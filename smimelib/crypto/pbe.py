"""Password-based encryption: PBES2, PBES1 and the PKCS #12 PBE schemes.

Used for encrypted private keys (PKCS #8 ``EncryptedPrivateKeyInfo``, RFC
5958 section 3) and PKCS #12 bags (RFC 7292):

* PBES2 (RFC 8018 section 6.2) with PBKDF2 and AES-128/192/256-CBC, or (read
  only) DES-EDE3-CBC, DES-CBC and RC2-CBC::

      PBES2-params ::= SEQUENCE {
          keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
          encryptionScheme  AlgorithmIdentifier {{PBES2-Encs}} }

* PBES1 (RFC 8018 section 6.1, read only): pbeWithMD5AndDES-CBC,
  pbeWithSHA1AndDES-CBC, pbeWithMD5AndRC2-CBC, pbeWithSHA1AndRC2-CBC with
  ``PBEParameter ::= SEQUENCE { salt OCTET STRING (SIZE(8)), iterationCount INTEGER }``.
* PKCS #12 PBE (RFC 7292 appendix C, read only), key and IV from the
  appendix B KDF with SHA-1, ``pkcs-12PbeParams ::= SEQUENCE { salt OCTET
  STRING, iterations INTEGER }``.

Passwords are the bytes the caller gives (UTF-8 for text). PBES1 and PBES2 use
them as they are; the PKCS #12 schemes use the BMPString (big-endian UTF-16)
of the password followed by two zero octets (RFC 7292 appendix B.1), see
:func:`pkcs12_password`.

A wrong password shows as a padding failure and raises :class:`PasswordError`.
The RC4 schemes have no padding and cannot detect it; their output must be
checked by the caller (it should parse as the expected ASN.1).

The legacy schemes protect keys the caller already holds (the PKCS #12 files
of OpenSSL 1.x and Windows use 3DES and 40-bit RC2), so :func:`pbe_decrypt`
reads them by default (:data:`PBE_READ_POLICY`); pass
:data:`~smimelib.crypto.algorithms.DEFAULT_POLICY` to refuse them. The
iteration counts are bounded by ``Policy.max_pbkdf2_iterations`` in every case.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from Crypto.Random import get_random_bytes

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto import ciphers, legacy
from smimelib.crypto.algorithms import (
    AlgorithmInfo,
    Flag,
    Kind,
    Policy,
    Use,
    lookup,
    lookup_name,
    register,
)
from smimelib.crypto.kdf import (
    Pbkdf2Params,
    check_iterations,
    pbkdf2_from_algorithm,
    prf_algorithm,
    prf_digest,
)
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    PasswordError,
    UnsupportedAlgorithm,
    UsageError,
)

__all__ = [
    "PBES2",
    "PBE_READ_POLICY",
    "pbe_decrypt",
    "pbes2_encrypt",
    "pkcs12_kdf",
    "pkcs12_mac_key",
    "pkcs12_password",
]

#: id-PBES2 (RFC 8018 appendix A.4)
PBES2 = "1.2.840.113549.1.5.13"
#: what :func:`pbe_decrypt` accepts by default: legacy and weak schemes are read
PBE_READ_POLICY = Policy(allow_weak=True, allow_legacy=True)

_WRONG_PASSWORD = "wrong password, or the data is corrupt"
_PKCS5 = "1.2.840.113549.1.5."
_PKCS12_PBE = "1.2.840.113549.1.12.1."


@dataclass(frozen=True, slots=True)
class _Pbes1:
    digest: str
    cipher: str  # "des" or "rc2"


@dataclass(frozen=True, slots=True)
class _Pkcs12Pbe:
    cipher: str  # "rc4", "des-ede3", "rc2"
    key_size: int


_PBES1: dict[str, _Pbes1] = {
    f"{_PKCS5}3": _Pbes1("md5", "des"),
    f"{_PKCS5}6": _Pbes1("md5", "rc2"),
    f"{_PKCS5}10": _Pbes1("sha1", "des"),
    f"{_PKCS5}11": _Pbes1("sha1", "rc2"),
}
_PKCS12: dict[str, _Pkcs12Pbe] = {
    f"{_PKCS12_PBE}1": _Pkcs12Pbe("rc4", 16),
    f"{_PKCS12_PBE}2": _Pkcs12Pbe("rc4", 5),
    f"{_PKCS12_PBE}3": _Pkcs12Pbe("des-ede3", 24),
    f"{_PKCS12_PBE}4": _Pkcs12Pbe("des-ede3", 16),
    f"{_PKCS12_PBE}5": _Pkcs12Pbe("rc2", 16),
    f"{_PKCS12_PBE}6": _Pkcs12Pbe("rc2", 5),
}

_CONSUME_LEGACY = Flag.LEGACY | Flag.CONSUME_ONLY
_CONSUME_WEAK = Flag.WEAK | Flag.LEGACY | Flag.CONSUME_ONLY
for _info in (
    AlgorithmInfo(PBES2, "id-PBES2", Kind.PBE, rfc="RFC 8018 section 6.2", aliases=("pbes2",)),
    AlgorithmInfo(
        f"{_PKCS5}3", "pbeWithMD5AndDES-CBC", Kind.PBE, _CONSUME_WEAK, "RFC 8018 section 6.1",
        digest="md5",
    ),
    AlgorithmInfo(
        f"{_PKCS5}6", "pbeWithMD5AndRC2-CBC", Kind.PBE, _CONSUME_WEAK, "RFC 8018 section 6.1",
        digest="md5",
    ),
    AlgorithmInfo(
        f"{_PKCS5}10", "pbeWithSHA1AndDES-CBC", Kind.PBE, _CONSUME_WEAK, "RFC 8018 section 6.1",
        digest="sha1",
    ),
    AlgorithmInfo(
        f"{_PKCS5}11", "pbeWithSHA1AndRC2-CBC", Kind.PBE, _CONSUME_WEAK, "RFC 8018 section 6.1",
        digest="sha1",
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}1", "pbeWithSHAAnd128BitRC4", Kind.PBE, _CONSUME_WEAK,
        "RFC 7292 appendix C", key_size=16, digest="sha1",
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}2", "pbeWithSHAAnd40BitRC4", Kind.PBE, _CONSUME_WEAK,
        "RFC 7292 appendix C", key_size=5, digest="sha1",
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}3", "pbeWithSHAAnd3-KeyTripleDES-CBC", Kind.PBE, _CONSUME_LEGACY,
        "RFC 7292 appendix C", key_size=24, digest="sha1", aliases=("pbe-sha1-3des",),
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}4", "pbeWithSHAAnd2-KeyTripleDES-CBC", Kind.PBE, _CONSUME_WEAK,
        "RFC 7292 appendix C", key_size=16, digest="sha1", aliases=("pbe-sha1-2des",),
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}5", "pbeWithSHAAnd128BitRC2-CBC", Kind.PBE, _CONSUME_LEGACY,
        "RFC 7292 appendix C", key_size=16, digest="sha1", aliases=("pbe-sha1-rc2-128",),
    ),
    AlgorithmInfo(
        f"{_PKCS12_PBE}6", "pbeWithSHAAnd40BitRC2-CBC", Kind.PBE, _CONSUME_WEAK,
        "RFC 7292 appendix C", key_size=5, digest="sha1", aliases=("pbe-sha1-rc2-40",),
    ),
):  # fmt: skip
    register(_info)
    if oids.name_of(_info.oid) == _info.oid:
        oids.register(_info.oid, _info.name)


# ---------------------------------------------------------------------------
# PKCS #12 key derivation (RFC 7292 appendix B)


def pkcs12_password(password: bytes | None) -> bytes:
    """The PKCS #12 encoding of a password (RFC 7292 appendix B.1): the BMPString
    (big-endian UTF-16) of the UTF-8 ``password`` followed by two zero octets.

    ``None`` (no password) is the empty string; ``b""`` (an empty password) is
    ``b"\\x00\\x00"``. OpenSSL writes either for an empty password, so readers
    try both (as :func:`pbe_decrypt` does). Bytes that are not UTF-8 are taken
    one octet per character, as OpenSSL does.
    """
    if password is None:
        return b""
    try:
        text = bytes(password).decode("utf-8")
    except UnicodeDecodeError:
        text = bytes(password).decode("latin-1")
    return text.encode("utf-16-be") + b"\x00\x00"


def _hash_name(hash_name: str) -> str:
    name = hash_name.lower().replace("-", "").replace("_", "").replace("/", "")
    name = {"sha512224": "sha512_224", "sha512256": "sha512_256"}.get(name, name)
    try:
        hashlib.new(name)
    except (ValueError, TypeError):
        raise UnsupportedAlgorithm(f"unsupported hash {hash_name!r}") from None
    return name


def pkcs12_kdf(
    hash_name: str, password_bmp: bytes, salt: bytes, id: int, iterations: int, length: int
) -> bytes:
    """The PKCS #12 key derivation (RFC 7292 appendix B.2).

    :param hash_name: ``"sha1"``, ``"sha256"``, ... (``"md5"`` for old files).
    :param password_bmp: the password already encoded by :func:`pkcs12_password`.
    :param id: 1 for key material, 2 for an IV, 3 for a MAC key (appendix B.3).
    :raises UsageError: bad ``id``, ``iterations`` or ``length``.
    """
    name = _hash_name(hash_name)
    if id not in (1, 2, 3) or iterations < 1 or length < 1:
        raise UsageError("PKCS #12 KDF needs id 1..3, iterations >= 1 and length >= 1")
    first = hashlib.new(name)
    u, v = first.digest_size, first.block_size
    d = bytes([id]) * v

    def _fill(data: bytes) -> bytes:
        if not data:
            return b""
        total = v * -(-len(data) // v)
        return (data * (total // len(data) + 1))[:total]

    # the named constructor (hashlib.sha256) costs a third less per call than
    # hashlib.new, and this loop runs once per iteration (600,000 by default)
    ctor = getattr(hashlib, name, None) or functools.partial(hashlib.new, name)
    i = bytearray(_fill(bytes(salt)) + _fill(bytes(password_bmp)))
    out = bytearray()
    while True:
        a = ctor(d + bytes(i)).digest()
        for _ in range(iterations - 1):
            a = ctor(a).digest()
        out += a
        if len(out) >= length:
            return bytes(out[:length])
        b = int.from_bytes((a * (v // u + 1))[:v], "big") + 1
        for j in range(0, len(i), v):
            block = (int.from_bytes(i[j : j + v], "big") + b) % (1 << (8 * v))
            i[j : j + v] = block.to_bytes(v, "big")


def pkcs12_mac_key(
    hash_name: str,
    password: bytes | None,
    salt: bytes,
    iterations: int,
    *,
    policy: Policy = PBE_READ_POLICY,
) -> bytes:
    """The PKCS #12 MAC key (RFC 7292 appendix B.4: the appendix B.2 KDF, ID 3,
    as long as the hash output).

    ``password`` is the caller's UTF-8 password; ``None`` and ``b""`` give the
    two encodings of an empty password seen in the wild (see :func:`pkcs12_password`).

    :raises LimitExceeded: ``iterations`` above ``policy.max_pbkdf2_iterations``.
    """
    check_iterations(iterations, policy, what="PKCS #12 MAC")
    size = hashlib.new(_hash_name(hash_name)).digest_size
    return pkcs12_kdf(hash_name, pkcs12_password(password), salt, 3, iterations, size)


# ---------------------------------------------------------------------------
# Parameter parsing


def _salt_and_iterations(params: bytes | None, what: str) -> tuple[bytes, int]:
    """``SEQUENCE { salt OCTET STRING, iterations INTEGER }`` (PBES1 and PKCS #12)."""
    if params is None:
        raise DecodeError(f"{what} parameters are missing")
    elem = tlv.parse_one(params, what=what)
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset)
    fields = elem.children()
    if len(fields) != 2 or fields[0].tag != tlv.Tag.OCTET_STRING:
        raise DecodeError(f"malformed {what}", offset=elem.offset)
    if fields[1].tag != tlv.Tag.INTEGER:
        raise DecodeError(f"{what} iteration count is not an INTEGER", offset=fields[1].offset)
    return fields[0].as_octets(), fields[1].as_int(max_octets=8)


def _pbes2_parts(params: bytes | None) -> tuple[AlgorithmIdentifier, AlgorithmIdentifier]:
    if params is None:
        raise DecodeError("id-PBES2 without PBES2-params")
    elem = tlv.parse_one(params, what="PBES2-params")
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError("PBES2-params is not a SEQUENCE", offset=elem.offset)
    fields = elem.children()
    if len(fields) != 2:
        raise DecodeError(f"PBES2-params has {len(fields)} fields (expected 2)", offset=elem.offset)
    return AlgorithmIdentifier.from_element(fields[0]), AlgorithmIdentifier.from_element(fields[1])


# ---------------------------------------------------------------------------
# Decryption


def _run(dec: ciphers.Decryptor, data: bytes) -> bytes:
    try:
        return dec.update(data) + dec.finalize()
    except DecryptionError:
        raise PasswordError(_WRONG_PASSWORD) from None


def _pbes2_decrypt(alg: AlgorithmIdentifier, password: bytes, data: bytes, policy: Policy) -> bytes:
    kdf_alg, enc_alg = _pbes2_parts(alg.parameters)
    params = pbkdf2_from_algorithm(kdf_alg)
    enc_info = lookup(enc_alg.oid)
    if enc_info.kind is not Kind.CONTENT_CIPHER:
        raise UnsupportedAlgorithm(
            f"{enc_info.name} is not a PBES2 encryption scheme",
            oid=enc_alg.oid,
            oid_name=enc_info.name,
        )
    # RC2 has a variable key length, given by keyLength (OpenSSL's default is 16)
    rc2 = enc_alg.oid == legacy.RC2_CBC
    length = (params.key_length or 16) if rc2 else ciphers.key_size(enc_alg)
    key = params.derive(password, length, policy=policy)
    return _run(ciphers.content_decryptor(enc_alg, key, policy=policy), data)


def _pbkdf1(digest: str, password: bytes, salt: bytes, iterations: int) -> bytes:
    """PBKDF1 (RFC 8018 section 5.1), 16 octets: DES/RC2 key then IV (section 6.1.1)."""
    t = hashlib.new(digest, password + salt).digest()
    for _ in range(iterations - 1):
        t = hashlib.new(digest, t).digest()
    return t[:16]


def _pbes1_decrypt(
    alg: AlgorithmIdentifier, scheme: _Pbes1, password: bytes, data: bytes, policy: Policy
) -> bytes:
    salt, iterations = _salt_and_iterations(alg.parameters, "PBEParameter")
    if len(salt) != 8:
        raise DecodeError(f"PBES1 salt must be 8 octets, not {len(salt)}")
    check_iterations(iterations, policy, what="PBES1")
    dk = _pbkdf1(scheme.digest, password, salt, iterations)
    key, iv = dk[:8], dk[8:16]
    if scheme.cipher == "des":
        dec: ciphers.Decryptor = legacy.des_cbc_decryptor(key, iv, algorithm=alg)
    else:
        # RFC 8018 section 6.1.1: RC2 with 64 effective key bits
        dec = legacy.rc2_cbc_decryptor(key, 64, iv, algorithm=alg)
    return _run(dec, data)


def _pkcs12_decrypt_once(
    alg: AlgorithmIdentifier, scheme: _Pkcs12Pbe, bmp: bytes, data: bytes, salt: bytes, it: int
) -> bytes:
    key = pkcs12_kdf("sha1", bmp, salt, 1, it, scheme.key_size)
    if scheme.cipher == "rc4":
        return legacy.rc4_decrypt(key, data)
    iv = pkcs12_kdf("sha1", bmp, salt, 2, it, 8)
    dec: ciphers.Decryptor
    if scheme.cipher == "des-ede3":
        dec = legacy.des_ede3_cbc_decryptor(key, iv, algorithm=alg)
    else:
        dec = legacy.rc2_cbc_decryptor(key, scheme.key_size * 8, iv, algorithm=alg)
    return _run(dec, data)


def _pkcs12_decrypt(
    alg: AlgorithmIdentifier,
    scheme: _Pkcs12Pbe,
    password: bytes | None,
    data: bytes,
    policy: Policy,
) -> bytes:
    salt, iterations = _salt_and_iterations(alg.parameters, "pkcs-12PbeParams")
    check_iterations(iterations, policy, what="PKCS #12 PBE")
    # An empty password has two encodings in the wild (pkcs12_password).
    candidates = [pkcs12_password(password)]
    if not password:
        candidates.append(pkcs12_password(b"" if password is None else None))
    for n, bmp in enumerate(candidates):
        try:
            return _pkcs12_decrypt_once(alg, scheme, bmp, data, salt, iterations)
        except PasswordError:
            if n == len(candidates) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def pbe_decrypt(
    algorithm: AlgorithmIdentifier,
    password: bytes | str | None,
    data: bytes,
    *,
    policy: Policy = PBE_READ_POLICY,
) -> bytes:
    """Decrypt password-encrypted data (PBES2, PBES1 or a PKCS #12 PBE scheme).

    :param algorithm: the encryption AlgorithmIdentifier, e.g. from a PKCS #8
        ``EncryptedPrivateKeyInfo`` (RFC 5958 section 3) or a PKCS #12 bag.
    :param password: the password as UTF-8 bytes (a ``str`` is encoded as
        UTF-8); ``None`` for no password (PKCS #12: the empty string).
    :raises PasswordError: wrong password or corrupt data (bad padding).
    :raises UnsupportedAlgorithm: an unknown scheme, KDF or cipher.
    :raises PolicyError: a scheme ``policy`` refuses.
    :raises LimitExceeded: an iteration count above ``policy.max_pbkdf2_iterations``.
    :raises DecodeError: malformed parameters.
    """
    if isinstance(password, str):
        password = password.encode("utf-8")
    info = lookup(algorithm.oid)
    if info.kind is not Kind.PBE:
        raise UnsupportedAlgorithm(
            f"{info.name} is not a password-based encryption scheme",
            oid=algorithm.oid,
            oid_name=info.name,
        )
    policy.check(info, Use.CONSUME)
    data = bytes(data)
    if algorithm.oid == PBES2:
        return _pbes2_decrypt(algorithm, password or b"", data, policy)
    pbes1 = _PBES1.get(algorithm.oid)
    if pbes1 is not None:
        return _pbes1_decrypt(algorithm, pbes1, password or b"", data, policy)
    pkcs12 = _PKCS12.get(algorithm.oid)
    if pkcs12 is not None:
        return _pkcs12_decrypt(algorithm, pkcs12, password, data, policy)
    raise UnsupportedAlgorithm(
        f"{info.name} is not implemented", oid=algorithm.oid, oid_name=info.name
    )  # pragma: no cover


# ---------------------------------------------------------------------------
# Encryption (PBES2 only)


def pbes2_encrypt(
    password: bytes | str,
    data: bytes,
    *,
    iterations: int = 600_000,
    cipher: str = "aes-256-cbc",
    prf: str = "hmac-sha256",
    salt: bytes | None = None,
) -> tuple[AlgorithmIdentifier, bytes]:
    """Encrypt with PBES2 (RFC 8018 section 6.2.1); returns ``(algorithm, ciphertext)``.

    The defaults write what OpenSSL 3 writes: PBKDF2 with hmacWithSHA256 and a
    16-octet random salt (no keyLength: the cipher fixes it), AES-256-CBC with a
    random 16-octet IV. The 600,000 iterations follow the OWASP 2023 advice for
    PBKDF2-HMAC-SHA256.

    :param cipher: ``"aes-128-cbc"``, ``"aes-192-cbc"`` or ``"aes-256-cbc"``.
    :param prf: ``"hmac-sha1"`` ... ``"hmac-sha512"`` (or ``"sha256"``...).
    :raises UsageError: bad iteration count, salt or cipher.
    """
    if isinstance(password, str):
        password = password.encode("utf-8")
    if iterations < 1:
        raise UsageError("PBES2 needs at least one iteration")
    info = lookup_name(cipher)
    if info.kind is not Kind.CONTENT_CIPHER or not info.name.lower().startswith("id-aes"):
        raise UsageError(f"PBES2 encryption supports AES-CBC only, not {cipher!r}")
    salt = get_random_bytes(16) if salt is None else bytes(salt)
    if not salt:
        raise UsageError("PBES2 salt must not be empty")
    enc_alg = ciphers.content_algorithm(info.name)
    kdf_params = Pbkdf2Params(salt, iterations, None, _prf(prf))
    key = kdf_params.derive(password, ciphers.key_size(enc_alg), policy=_NO_LIMIT)
    ciphertext, _tag = ciphers.encrypt(enc_alg, key, data)
    params = der.sequence(kdf_params.to_algorithm().to_der(), enc_alg.to_der())
    return AlgorithmIdentifier(PBES2, params), ciphertext


def _prf(prf: str) -> str:
    return prf_digest(prf_algorithm(prf))


# Our own writes are not untrusted input: no iteration bound.
_NO_LIMIT = Policy(max_pbkdf2_iterations=2**62)
