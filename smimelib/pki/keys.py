"""Load and write private and public keys: PEM or DER, every common container.

Private keys are read from

* PKCS#8 ``PrivateKeyInfo`` and ``OneAsymmetricKey`` v1/v2 (RFC 5208, RFC 5958
  section 2; PEM label ``PRIVATE KEY``), holding RSA (also ``id-RSASSA-PSS``,
  RFC 4055), EC on P-256/P-384/P-521 (RFC 5915), Ed25519/Ed448/X25519/X448
  (RFC 8410 section 7) and DSA (RFC 3279) keys;
* ``EncryptedPrivateKeyInfo`` (RFC 5958 section 3; ``ENCRYPTED PRIVATE KEY``)
  with PBES2, PBES1 or the PKCS#12 PBE schemes (RFC 8018, RFC 7292 appendix C);
* the "traditional" forms: PKCS#1 ``RSAPrivateKey`` (RFC 8017 appendix A.1.2;
  ``RSA PRIVATE KEY``), SEC1 ``ECPrivateKey`` (RFC 5915; ``EC PRIVATE KEY``) and
  OpenSSL's ``DSA PRIVATE KEY``, optionally with OpenSSL's legacy PEM
  encryption (``Proc-Type: 4,ENCRYPTED``).

DER input is recognised by its structure, PEM input by its label. Public keys
are read and written as SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7; PEM
label ``PUBLIC KEY``). Private keys are written as PKCS#8, encrypted with
PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) when a password is given.

Key files are the caller's own material, so loading uses
:data:`~smimelib.crypto.pbe.PBE_READ_POLICY` by default: a key protected with
3DES, RC2, an old PBE scheme or OpenSSL's MD5-based PEM encryption opens. Pass
``policy=DEFAULT_POLICY`` to refuse those.
"""

from __future__ import annotations

from collections.abc import Callable

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.keys import PrivateKey, PublicKey
from smimelib.crypto.pbe import PBE_READ_POLICY, pbe_decrypt, pbes2_encrypt
from smimelib.errors import DecodeError, PasswordError, UnsupportedAlgorithm, UsageError
from smimelib.pki import _keyformats as kf
from smimelib.pki import _keyinfo, _pemcrypt
from smimelib.pki._keyinfo import DsaParameters
from smimelib.pki.pem import PemBlock, is_pem, pem_blocks, pem_encode

__all__ = [
    "DsaParameters",
    "dsa_public_key_without_params",
    "dsa_public_value",
    "load_der_private_key",
    "load_der_public_key",
    "load_pem_private_key",
    "load_pem_public_key",
    "load_private_key",
    "load_public_key",
    "private_key_to_pem",
    "private_key_to_pkcs8",
    "public_key_from_spki_element",
    "public_key_to_pem",
    "public_key_to_spki",
]

Password = bytes | str | None

#: PBKDF2 iterations used when writing an encrypted PKCS#8 key (OWASP 2023 for SHA-256)
DEFAULT_ITERATIONS = 600_000

_TRADITIONAL: dict[str, Callable[[tlv.Element, Limits], PrivateKey]] = {
    "RSA PRIVATE KEY": kf.parse_rsa_private,
    "EC PRIVATE KEY": lambda elem, limits: kf.parse_ec_private(elem, None, limits),
    "DSA PRIVATE KEY": kf.parse_dsa_traditional,
}


# -- loading private keys --------------------------------------------------------------------


def load_private_key(
    data: bytes,
    password: Password = None,
    *,
    policy: Policy = PBE_READ_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> PrivateKey:
    """Load a private key from PEM or DER, in any supported format (see the module docs).

    :param password: for encrypted keys; ``str`` is encoded as UTF-8. It is
        ignored when the key is not encrypted.
    :param policy: decides which password-based encryption schemes are accepted.
    :raises DecodeError: the data is not a well-formed private key.
    :raises UnsupportedAlgorithm: the key's algorithm or format is not supported
        (e.g. X9.42 DH keys, explicit EC curve parameters, multi-prime RSA).
    :raises PasswordError: the key is encrypted and the password is missing or wrong.
    :raises PolicyError: the key's encryption is refused by ``policy``.
    """
    data = _as_bytes(data)
    if _is_der(data):
        return load_der_private_key(data, password, policy=policy, limits=limits)
    return load_pem_private_key(data, password, policy=policy, limits=limits)


def load_der_private_key(
    data: bytes,
    password: Password = None,
    *,
    policy: Policy = PBE_READ_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> PrivateKey:
    """Load a DER private key; the format is recognised by its structure.

    Accepts PrivateKeyInfo / OneAsymmetricKey (RFC 5958 section 2),
    EncryptedPrivateKeyInfo (RFC 5958 section 3), RSAPrivateKey (RFC 8017
    appendix A.1.2), ECPrivateKey (RFC 5915) and OpenSSL's DSA private key.
    Errors as for :func:`load_private_key`.
    """
    secret = _password(password)
    elem = kf.parse_element(_as_bytes(data), "private key", limits)
    kind = _der_kind(elem)
    if kind == "encrypted":
        return _decrypt_pkcs8(elem, secret, policy, limits)
    if kind == "pkcs8":
        return _keyinfo.parse_pkcs8(elem, limits)
    return _TRADITIONAL[kind](elem, limits)


def load_pem_private_key(
    data: bytes,
    password: Password = None,
    *,
    policy: Policy = PBE_READ_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> PrivateKey:
    """Load the one private key of PEM text (RFC 7468 sections 10 and 11, or traditional).

    Other blocks (certificates, ``EC PARAMETERS``) and text around them are
    ignored; more than one private key block is an error. Labels:
    ``PRIVATE KEY``, ``ENCRYPTED PRIVATE KEY``, ``RSA PRIVATE KEY``,
    ``EC PRIVATE KEY``, ``DSA PRIVATE KEY`` (the last three possibly with
    OpenSSL's ``Proc-Type: 4,ENCRYPTED`` headers). Errors as for
    :func:`load_private_key`.
    """
    secret = _password(password)
    blocks = pem_blocks(_as_bytes(data), limits=limits)
    keys = [block for block in blocks if block.label.endswith("PRIVATE KEY")]
    if not blocks:
        raise DecodeError("not a private key: neither DER (a SEQUENCE) nor PEM", offset=0)
    if not keys:
        labels = ", ".join(sorted({repr(block.label) for block in blocks})) or "none"
        raise DecodeError(f"no private key in the PEM data (PEM blocks found: {labels})")
    if len(keys) > 1:
        raise DecodeError(
            f"the PEM data holds {len(keys)} private keys; expected one", offset=keys[1].offset
        )
    block = keys[0]
    try:
        return _load_pem_block(block, secret, policy, limits)
    except DecodeError as exc:
        if type(exc) is not DecodeError:
            raise
        raise DecodeError(
            f"PEM block {block.label!r} at byte {block.offset}, in its DER: {exc.message}",
            offset=exc.offset,
        ) from None


def _load_pem_block(
    block: PemBlock, password: bytes | None, policy: Policy, limits: Limits
) -> PrivateKey:
    label = block.label
    encrypted = _pemcrypt.is_encrypted(block.headers)
    if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        if encrypted:
            raise DecodeError(
                f"PEM block {label!r} must not carry RFC 1421 encryption headers",
                offset=block.offset,
            )
        elem = kf.parse_element(block.der, label, limits)
        if label == "PRIVATE KEY":
            return _keyinfo.parse_pkcs8(elem, limits)
        kf.sequence(elem, "EncryptedPrivateKeyInfo", range(2, 3))
        return _decrypt_pkcs8(elem, password, policy, limits)
    parse = _TRADITIONAL.get(label)
    if parse is None:
        raise UnsupportedAlgorithm(f"unsupported private key format: PEM label {label!r}")
    if not encrypted:
        return parse(kf.parse_element(block.der, label, limits), limits)
    plaintext = _pemcrypt.decrypt(block.headers, block.der, password, policy, label)
    try:
        return parse(kf.parse_element(plaintext, label, limits), limits)
    except DecodeError:
        raise PasswordError(
            "wrong password for the encrypted key (the decrypted data is not a key)"
        ) from None


def _der_kind(elem: tlv.Element) -> str:
    """Which private key structure a DER SEQUENCE is, from the types of its elements."""
    children = kf.sequence(elem, "private key", range(2, 11))
    first, second = children[0].tag, children[1].tag
    second_is_octets = kf.is_universal(second, tlv.Tag.OCTET_STRING.number)
    if len(children) == 2 and first == tlv.Tag.SEQUENCE and second_is_octets:
        return "encrypted"
    if first == tlv.Tag.INTEGER:
        if second == tlv.Tag.SEQUENCE:
            return "pkcs8"
        if second_is_octets:
            return "EC PRIVATE KEY"
        integers = next(
            (i for i, child in enumerate(children) if child.tag != tlv.Tag.INTEGER), len(children)
        )
        if integers == len(children) == 6:
            return "DSA PRIVATE KEY"
        if integers >= 9:  # a tenth element is otherPrimeInfos
            return "RSA PRIVATE KEY"
    raise DecodeError(
        "not a private key: expected PKCS#8 (plain or encrypted), PKCS#1 RSAPrivateKey,"
        " SEC1 ECPrivateKey or a DSA private key",
        offset=elem.offset,
    )


def _decrypt_pkcs8(
    elem: tlv.Element, password: bytes | None, policy: Policy, limits: Limits
) -> PrivateKey:
    """EncryptedPrivateKeyInfo (RFC 5958 section 3).

    ::

        EncryptedPrivateKeyInfo ::= SEQUENCE {
            encryptionAlgorithm  EncryptionAlgorithmIdentifier,
            encryptedData        EncryptedData }        -- OCTET STRING
    """
    alg_elem, data_elem = elem.children()
    algorithm = AlgorithmIdentifier.from_element(alg_elem)
    ciphertext = kf.octets(data_elem, "EncryptedPrivateKeyInfo encryptedData")
    if password is None:
        raise PasswordError(
            f"key is encrypted ({oids.describe(algorithm.oid)}); a password is required"
        )
    plaintext = pbe_decrypt(algorithm, password, ciphertext, policy=policy)
    try:
        inner = kf.parse_element(plaintext, "decrypted PrivateKeyInfo", limits)
        return _keyinfo.parse_pkcs8(inner, limits)
    except DecodeError:
        # Padding passes by chance for about 1 wrong password in 256; the garbage
        # that comes out is then no PrivateKeyInfo.
        raise PasswordError(
            "wrong password for the encrypted key (the decrypted data is not a PrivateKeyInfo)"
        ) from None


# -- public keys -----------------------------------------------------------------------------


def load_der_public_key(
    spki: bytes,
    *,
    dsa_parameters: DsaParameters | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> PublicKey:
    """Load a DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7).

    Supported: rsaEncryption (RFC 3279 section 2.3.1), id-RSASSA-PSS (RFC 4055
    section 1.2; the result has ``rsa_pss=True`` and the parameters' DER),
    id-ecPublicKey with a namedCurve (RFC 5480; compressed points accepted),
    id-Ed25519/id-Ed448/id-X25519/id-X448 without parameters (RFC 8410 section
    3) and id-dsa (RFC 3279 section 2.3.2).

    :param dsa_parameters: (p, q, g) for a DSA key whose SPKI omits them because
        they are inherited from the issuer (RFC 3279 section 2.3.2).
    :raises DecodeError: malformed SPKI or key, or a DSA key without parameters
        and no ``dsa_parameters``.
    :raises UnsupportedAlgorithm: an algorithm or curve not listed above.
    """
    elem = kf.parse_element(_as_bytes(spki), "SubjectPublicKeyInfo", limits)
    return _keyinfo.parse_spki(elem, limits, dsa_parameters)


def public_key_from_spki_element(
    elem: tlv.Element,
    *,
    dsa_parameters: DsaParameters | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> PublicKey:
    """Like :func:`load_der_public_key`, for an SPKI already parsed by the TLV reader.

    Error offsets are those of ``elem`` (absolute in the certificate).
    """
    return _keyinfo.parse_spki(elem, limits, dsa_parameters)


def load_pem_public_key(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> PublicKey:
    """Load the one ``PUBLIC KEY`` block (RFC 7468 section 13) of PEM text.

    ``RSA PUBLIC KEY`` (a bare PKCS#1 RSAPublicKey, RFC 8017 appendix A.1.1) is
    accepted too.
    """
    blocks = [
        block
        for block in pem_blocks(_as_bytes(data), limits=limits)
        if block.label in ("PUBLIC KEY", "RSA PUBLIC KEY")
    ]
    if len(blocks) != 1:
        raise DecodeError(f"expected one PUBLIC KEY block in the PEM data, found {len(blocks)}")
    block = blocks[0]
    elem = kf.parse_element(block.der, block.label, limits)
    if block.label == "RSA PUBLIC KEY":
        return kf.parse_rsa_public(elem, limits)
    return _keyinfo.parse_spki(elem, limits)


def load_public_key(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> PublicKey:
    """Load a public key from PEM (``PUBLIC KEY``) or DER SubjectPublicKeyInfo."""
    data = _as_bytes(data)
    if _is_der(data):
        return load_der_public_key(data, limits=limits)
    return load_pem_public_key(data, limits=limits)


def dsa_public_value(spki: bytes | tlv.Element, *, limits: Limits = DEFAULT_LIMITS) -> int:
    """The DSA public value y of a DSA SubjectPublicKeyInfo, with or without Dss-Parms.

    For certificates whose DSA parameters are inherited from the issuer (RFC
    3279 section 2.3.2): combine y with the issuer's (p, q, g), or pass those as
    ``dsa_parameters`` to :func:`load_der_public_key`.

    :raises UsageError: the SPKI is not a DSA key.
    """
    if not isinstance(spki, tlv.Element):
        spki = kf.parse_element(_as_bytes(spki), "SubjectPublicKeyInfo", limits)
    return _keyinfo.dsa_public_value(spki, limits)


#: the name the shared contract uses for :func:`dsa_public_value`
dsa_public_key_without_params = dsa_public_value


def public_key_to_spki(key: PublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of ``key`` (RFC 5280 section 4.1.2.7).

    RSA: rsaEncryption with NULL parameters, or id-RSASSA-PSS with the key's
    ``pss_params`` when ``key.rsa_pss``; EC: id-ecPublicKey with the namedCurve
    and an uncompressed point (RFC 5480); Ed/X: the RFC 8410 OID without
    parameters; DSA: id-dsa with Dss-Parms.
    """
    if not isinstance(key, PublicKey):
        raise UsageError(f"expected a PublicKey, got {type(key).__name__}")
    return _keyinfo.encode_spki(key)


def public_key_to_pem(key: PublicKey) -> bytes:
    """PEM ``PUBLIC KEY`` block of ``key`` (RFC 7468 section 13)."""
    return pem_encode("PUBLIC KEY", public_key_to_spki(key))


# -- writing private keys --------------------------------------------------------------------


def private_key_to_pkcs8(
    key: PrivateKey, password: Password = None, *, iterations: int = DEFAULT_ITERATIONS
) -> bytes:
    """DER PKCS#8 of ``key``: PrivateKeyInfo v1 (RFC 5208 section 5) or, with a password,
    EncryptedPrivateKeyInfo (RFC 5958 section 3) with PBES2, PBKDF2-HMAC-SHA256 and
    AES-256-CBC (RFC 8018 section 6.2).

    :param iterations: PBKDF2 iteration count when a password is given.
    :raises UsageError: ``key`` is not a PrivateKey, or ``iterations`` < 1.
    """
    if not isinstance(key, PrivateKey):
        raise UsageError(f"expected a PrivateKey, got {type(key).__name__}")
    plain = _keyinfo.encode_pkcs8(key)
    secret = _password(password)
    if secret is None:
        return plain
    if iterations < 1:
        raise UsageError(f"PBKDF2 iterations must be positive, not {iterations}")
    algorithm, ciphertext = pbes2_encrypt(
        secret, plain, iterations=iterations, cipher="aes-256-cbc", prf="hmac-sha256"
    )
    return der.sequence(algorithm.to_der(), der.encode_octets(ciphertext))


def private_key_to_pem(
    key: PrivateKey, password: Password = None, *, iterations: int = DEFAULT_ITERATIONS
) -> bytes:
    """PEM ``PRIVATE KEY`` (RFC 7468 section 10) or, with a password, ``ENCRYPTED
    PRIVATE KEY`` (section 11) of ``key``; see :func:`private_key_to_pkcs8`."""
    label = "PRIVATE KEY" if password is None else "ENCRYPTED PRIVATE KEY"
    return pem_encode(label, private_key_to_pkcs8(key, password, iterations=iterations))


# -- helpers ---------------------------------------------------------------------------------


def _is_der(data: bytes) -> bool:
    """DER (a SEQUENCE) rather than PEM? ``0x30`` is also the text "0", so PEM wins when
    a BEGIN line is present; neither is reported as not PEM."""
    if data[:1] != b"\x30":
        return False
    return not is_pem(data)


def _as_bytes(data: object) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        # PEM text given as str: it is ASCII by definition.
        return data.encode("utf-8")
    raise UsageError(f"expected bytes, got {type(data).__name__}")


def _password(password: object) -> bytes | None:
    if password is None:
        return None
    if isinstance(password, str):
        return password.encode("utf-8")
    if isinstance(password, (bytes, bytearray, memoryview)):
        return bytes(password)
    raise UsageError(f"password must be bytes or str, not {type(password).__name__}")
