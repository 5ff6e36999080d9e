"""PKCS#12 files: read what OpenSSL, Windows, macOS and Java write; write modern ones (RFC 7292).

:func:`load_pkcs12` returns a frozen :class:`PKCS12`: the private key, the
certificate that belongs to it, the other certificates in file order, every
SafeBag with its attributes, and what protected the file (MAC and encryption
algorithms) with findings for legacy or missing protection.

The integrity MAC (RFC 7292 section 5 with the appendix B key derivation, or
PBMAC1, RFC 9579) is checked *before* anything is decrypted, in constant time;
a MAC that does not verify means a wrong password (or an altered file) and
raises :class:`~smimelib.errors.PasswordError`. As OpenSSL does, an empty or
absent password is tried both as an empty BMPString with its NUL terminator
(RFC 7292 appendix B.1) and as no octets at all, and a non-ASCII password also
in the byte-per-character encoding of OpenSSL before 1.1.0 (reported).

Reading accepts legacy protection (SHA-1 MAC, 3DES and RC2 PBE) by default:
refusing a file its owner already holds protects nothing, and Windows and
OpenSSL 1.x still write it. Every legacy algorithm is named in
:attr:`PKCS12.findings` and makes :attr:`PKCS12.weak` true; pass
``policy=DEFAULT_POLICY`` to refuse them instead.

:func:`write_pkcs12` writes the layout OpenSSL 3 writes by default, with more
iterations: PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) for the shrouded key bag
and the certificate safe, an HMAC-SHA-256 MAC, and friendlyName and
localKeyId attributes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smimelib.asn1 import der
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.asn1.tlv import Tag
from smimelib.crypto import pbe
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.keys import PrivateKey
from smimelib.errors import CertificateError, DecodeError, UsageError
from smimelib.pki import _pkcs12_asn1 as asn
from smimelib.pki._pkcs12_read import (
    BagAttribute,
    KeyEntry,
    PKCS12Finding,
    Reader,
    SafeBag,
    is_empty,
    password_forms,
    password_octets,
    same_public_key,
)
from smimelib.pki.certificate import Certificate
from smimelib.pki.keys import private_key_to_pkcs8
from smimelib.pki.pem import is_pem, pem_blocks

if TYPE_CHECKING:
    from smimelib.pki.identity import Identity

__all__ = [
    "DEFAULT_ITERATIONS",
    "PKCS12",
    "PKCS12_READ_POLICY",
    "BagAttribute",
    "KeyEntry",
    "PKCS12Finding",
    "SafeBag",
    "load_pkcs12",
    "write_pkcs12",
]

#: what :func:`load_pkcs12` accepts by default: legacy protection is read and reported
PKCS12_READ_POLICY = Policy(allow_weak=True, allow_legacy=True)

#: PBKDF2 and MAC iterations :func:`write_pkcs12` uses by default: OWASP's 2023
#: advice for PBKDF2-HMAC-SHA-256. OpenSSL 3 writes 2048, 300 times cheaper to guess.
DEFAULT_ITERATIONS = 600_000

_MAC_DIGESTS_WRITTEN = ("sha256", "sha384", "sha512")
_SALT_SIZE = 16  # NIST SP 800-132 section 5.1: at least 128 bits


@dataclass(frozen=True, slots=True)
class PKCS12:
    """The contents of a PKCS#12 file and how it was protected (RFC 7292).

    :param key: the first private key of the file, or None (certificates only).
    :param certificate: the certificate of ``key``: the one with the same localKeyId
        and public key, else the first with the same public key; None if none matches.
    :param additional_certificates: every other certificate, in file order.
    :param friendly_name: friendlyName of the key's bag, else of its certificate's,
        else (no key) of the first certificate's.
    :param entries: every private key with its certificate (RFC 9216's files carry a
        signing and an encryption key); ``entries[0]`` is ``key``.
    :param bags: every SafeBag, in file order (nested bags after their container).
    :param mac_algorithm: ``"HMAC-SHA256"``, ``"PBMAC1/PBKDF2-HMAC-SHA256/HMAC-SHA256"``...;
        None when the file has no MAC.
    :param mac_iterations: the MAC key derivation's iteration count.
    :param encryption_algorithms: each scheme that encrypted something, in order of first
        use: ``"pbeWithSHAAnd3-KeyTripleDES-CBC"``, ``"PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC"``.
    :param findings: legacy algorithms, missing integrity, low iteration counts...
    :param weak_algorithms: the legacy or weak MAC and encryption schemes among the above.
    """

    key: PrivateKey | None = field(repr=False)
    certificate: Certificate | None
    additional_certificates: tuple[Certificate, ...]
    friendly_name: str | None
    entries: tuple[KeyEntry, ...] = field(repr=False)
    bags: tuple[SafeBag, ...] = field(repr=False)
    mac_algorithm: str | None
    mac_iterations: int | None
    encryption_algorithms: tuple[str, ...]
    findings: tuple[PKCS12Finding, ...]
    weak_algorithms: tuple[str, ...] = ()

    @property
    def integrity_protected(self) -> bool:
        """Whether a MAC protected the file's contents (RFC 7292 section 4)."""
        return self.mac_algorithm is not None

    @property
    def weak(self) -> bool:
        """Whether anything about the file's protection is weak or legacy (see ``findings``)."""
        return any(f.weak for f in self.findings)

    def identity(self) -> Identity:
        """The key, its certificate and the chain as an :class:`~smimelib.pki.identity.Identity`.

        The chain holds the file's certificates that belong to no key of the file.

        :raises CertificateError: the file has no key, or no certificate for it.
        """
        if self.key is None:
            raise CertificateError("the PKCS#12 file holds no private key")
        if self.certificate is None:
            raise CertificateError("no certificate in the PKCS#12 file matches its private key")
        return self._identity_of(self.entries[0])

    def identities(self) -> tuple[Identity, ...]:
        """An Identity for every key that has a certificate, in file order."""
        return tuple(self._identity_of(e) for e in self.entries if e.certificate is not None)

    def _identity_of(self, entry: KeyEntry) -> Identity:
        from smimelib.pki.identity import Identity

        owned = {e.certificate for e in self.entries if e.certificate is not None}
        first = (self.certificate,) if self.certificate is not None else ()
        chain = tuple(c for c in first + self.additional_certificates if c not in owned)
        assert entry.certificate is not None
        return Identity(entry.key, entry.certificate, chain)


# -- reading -----------------------------------------------------------------------------------
def load_pkcs12(
    data: bytes,
    password: bytes | str | None,
    *,
    policy: Policy = PKCS12_READ_POLICY,
    limits: Limits = DEFAULT_LIMITS,
) -> PKCS12:
    """Open a PKCS#12 file: DER, or PEM with the label ``PKCS12`` (RFC 7292).

    :param password: the password as text or UTF-8 octets; None or empty for files
        written without one (both encodings of the empty password are tried).
    :param policy: which schemes are accepted; the default reads legacy ones and
        reports them. ``policy.max_pbkdf2_iterations`` bounds each key derivation
        (the MAC's too), and four times it bounds all of the file's together.
    :raises PasswordError: wrong password: the MAC does not verify or, in a file
        without MAC, the contents do not decrypt.
    :raises DecodeError: malformed file (:class:`LimitExceeded`: a limit was hit).
    :raises UnsupportedAlgorithm: public-key integrity or privacy mode, unknown schemes.
    :raises PolicyError: a scheme ``policy`` refuses.
    """
    der_data = _unarmour(data, limits)
    pfx = asn.parse_pfx(der_data, limits)
    reader = Reader(policy, limits, password_forms(password))
    if pfx.mac is None:
        reader.finding(
            "no-integrity",
            "no integrity protection: the file has no MAC, so changes to it go unnoticed",
            weak=True,
            rfc="RFC 7292 section 4",
        )
    else:
        reader.verify_mac(pfx.auth_safe, pfx.mac)
    if is_empty(password):
        reader.finding("empty-password", "the file is protected by an empty password", weak=True)
    for entry in asn.parse_authenticated_safe(pfx.auth_safe, limits, pfx.auth_safe_offset):
        reader.read(entry)
    entries = reader.entries()
    first = entries[0] if entries else None
    certs = [cert for cert, _ in reader.certs]
    main = next((i for i, c in enumerate(certs) if first and c is first.certificate), None)
    friendly_name: str | None = None
    if first is not None:
        friendly_name = first.friendly_name
        if friendly_name is None and main is not None:
            friendly_name = reader.certs[main][1].friendly_name
    elif reader.certs:
        friendly_name = reader.certs[0][1].friendly_name
    return PKCS12(
        key=first.key if first else None,
        certificate=first.certificate if first else None,
        additional_certificates=tuple(c for i, c in enumerate(certs) if i != main),
        friendly_name=friendly_name,
        entries=tuple(entries),
        bags=tuple(reader.bags),
        mac_algorithm=reader.mac_name if pfx.mac is not None else None,
        mac_iterations=reader.mac_iterations if pfx.mac is not None else None,
        encryption_algorithms=tuple(reader.schemes),
        findings=tuple(reader.findings),
        weak_algorithms=tuple(reader.weak_names),
    )


def _unarmour(data: bytes, limits: Limits) -> bytes:
    """The DER of a PKCS#12 file, taken out of PEM armour (RFC 7468) when there is one."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UsageError(f"PKCS#12 data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if data[:1] == b"\x30" or not is_pem(data):
        return data
    for block in pem_blocks(data, limits=limits):
        if block.label.replace(" ", "").replace("#", "").upper() == "PKCS12":
            return block.der
    raise DecodeError("the PEM input has no PKCS12 block", offset=0)


# -- writing -----------------------------------------------------------------------------------
def write_pkcs12(
    key: PrivateKey | None,
    certificate: Certificate | None,
    additional_certificates: Iterable[Certificate] = (),
    *,
    password: bytes | str | None,
    friendly_name: str | None = None,
    iterations: int = DEFAULT_ITERATIONS,
    mac: str = "sha256",
    mac_iterations: int | None = None,
) -> bytes:
    """Write a PKCS#12 file (RFC 7292) as OpenSSL 3 does; returns its DER.

    The certificates go into an EncryptedData and the key into a
    pkcs8ShroudedKeyBag, both PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC
    (RFC 8018 section 6.2); the MAC is HMAC over ``mac`` keyed by the appendix B
    derivation (RFC 7292 section 5). The key's bag and its certificate's bag
    carry ``friendly_name`` and a localKeyId, the SHA-1 of the certificate as
    OpenSSL writes it. ``certificate`` comes first, then
    ``additional_certificates`` in the order given (an Identity's chain), so
    ``write_pkcs12(identity.key, identity.certificate, identity.chain, ...)``
    round-trips an :class:`~smimelib.pki.identity.Identity`.

    :param password: text or UTF-8 octets (an empty one is written as the empty
        BMPString, RFC 7292 appendix B.1); None writes an unprotected file (keyBag,
        no encryption, no MAC) for callers who protect it otherwise.
    :param friendly_name: friendlyName of the key and its certificate (a BMPString:
        characters outside the Basic Multilingual Plane are refused).
    :param iterations: PBKDF2 iterations (default 600,000, OWASP's advice for
        PBKDF2-HMAC-SHA-256; OpenSSL 3 writes 2048).
    :param mac: ``"sha256"``, ``"sha384"`` or ``"sha512"``.
    :param mac_iterations: iterations of the MAC key derivation; default ``iterations``,
        because a cheaper MAC would let a guesser test passwords against it instead.
    :raises CertificateError: ``certificate`` does not belong to ``key``.
    :raises UsageError: nothing to write, or bad arguments.
    """
    extra = tuple(additional_certificates)
    _check_write_arguments(key, certificate, extra, mac)
    mac_iterations = iterations if mac_iterations is None else mac_iterations
    if iterations < 1 or mac_iterations < 1:
        raise UsageError("iteration counts must be at least 1")
    text = password_octets(password)

    local_key_id = None
    if key is not None and certificate is not None:
        local_key_id = hashlib.sha1(certificate.der).digest()
    attributes = _attributes_der(friendly_name, local_key_id)
    cert_bags = [_cert_bag(c, b"") for c in extra]
    if certificate is not None:
        cert_bags.insert(0, _cert_bag(certificate, attributes))
    contents: list[bytes] = []
    if cert_bags:
        safe = der.sequence(*cert_bags)
        if text is None:
            contents.append(_data_content_info(safe))
        else:
            contents.append(_encrypted_content_info(*_encrypt(text, safe, iterations)))
    if key is not None:
        pkcs8 = private_key_to_pkcs8(key)
        if text is None:
            bag = _safe_bag(asn.BAG_KEY, pkcs8, attributes)
        else:
            algorithm, ciphertext = _encrypt(text, pkcs8, iterations)
            shrouded = der.sequence(algorithm.to_der(), der.encode_octets(ciphertext))
            bag = _safe_bag(asn.BAG_SHROUDED_KEY, shrouded, attributes)
        contents.append(_data_content_info(der.sequence(bag)))
    auth_safe = der.sequence(*contents)
    mac_data = b""
    if text is not None:
        salt = os.urandom(_SALT_SIZE)
        size = hashlib.new(mac).digest_size
        mac_key = pbe.pkcs12_kdf(mac, pbe.pkcs12_password(text), salt, 3, mac_iterations, size)
        digest_algorithm = AlgorithmIdentifier(asn.DIGEST_OID_BY_NAME[mac], NULL)
        mac_data = der.sequence(
            der.sequence(
                digest_algorithm.to_der(),
                der.encode_octets(hmac.new(mac_key, auth_safe, mac).digest()),
            ),
            der.encode_octets(salt),
            der.encode_int(mac_iterations),
        )
    return der.sequence(der.encode_int(3), _data_content_info(auth_safe), mac_data)


def _check_write_arguments(
    key: PrivateKey | None,
    certificate: Certificate | None,
    extra: tuple[Certificate, ...],
    mac: str,
) -> None:
    if key is None and certificate is None and not extra:
        raise UsageError("write_pkcs12 needs a key or at least one certificate")
    if key is not None and not isinstance(key, PrivateKey):
        raise UsageError(f"expected a PrivateKey, got {type(key).__name__}")
    for item in (certificate, *extra):
        if item is not None and not isinstance(item, Certificate):
            raise UsageError(f"expected a Certificate, got {type(item).__name__}")
    if mac not in _MAC_DIGESTS_WRITTEN:
        raise UsageError(f"mac must be one of {', '.join(_MAC_DIGESTS_WRITTEN)}, not {mac!r}")
    if (
        key is not None
        and certificate is not None
        and not same_public_key(certificate, key.public_key())
    ):
        raise CertificateError("the certificate does not belong to the private key")


def _encrypt(text: bytes, data: bytes, iterations: int) -> tuple[AlgorithmIdentifier, bytes]:
    return pbe.pbes2_encrypt(
        text, data, iterations=iterations, cipher="aes-256-cbc", prf="hmac-sha256"
    )


def _attributes_der(friendly_name: str | None, local_key_id: bytes | None) -> bytes:
    """``SET OF PKCS12Attribute``: friendlyName (BMPString) and localKeyId (RFC 2985 5.5)."""
    attributes: list[bytes] = []
    if friendly_name is not None:
        value = der.encode_bmp(friendly_name)
        attributes.append(der.sequence(der.encode_oid(asn.ATTR_FRIENDLY_NAME), der.set_of([value])))
    if local_key_id is not None:
        value = der.encode_octets(local_key_id)
        attributes.append(der.sequence(der.encode_oid(asn.ATTR_LOCAL_KEY_ID), der.set_of([value])))
    return der.set_of(attributes) if attributes else b""


def _safe_bag(bag_id: str, value: bytes, attributes: bytes) -> bytes:
    return der.sequence(der.encode_oid(bag_id), der.explicit(0, value), attributes)


def _cert_bag(certificate: Certificate, attributes: bytes) -> bytes:
    value = der.explicit(0, der.encode_octets(certificate.der))
    return _safe_bag(asn.BAG_CERT, der.sequence(der.encode_oid(asn.CERT_X509), value), attributes)


def _data_content_info(payload: bytes) -> bytes:
    return der.sequence(der.encode_oid(asn.ID_DATA), der.explicit(0, der.encode_octets(payload)))


def _encrypted_content_info(algorithm: AlgorithmIdentifier, ciphertext: bytes) -> bytes:
    """ContentInfo of an EncryptedData v0 (RFC 5652 section 8), ``[0] IMPLICIT`` content."""
    content = der.encode_tlv(Tag.context(0, constructed=False), ciphertext)
    info = der.sequence(der.encode_oid(asn.ID_DATA), algorithm.to_der(), content)
    encrypted_data = der.sequence(der.encode_int(0), info)
    return der.sequence(der.encode_oid(asn.ID_ENCRYPTED_DATA), der.explicit(0, encrypted_data))
