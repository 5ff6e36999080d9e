"""KeyAgreeRecipientInfo: ECDH on P-256/P-384/P-521 (RFC 5753) and X25519/X448 (RFC 8418)
(RFC 5652 section 6.2.2).

::

    KeyAgreeRecipientInfo ::= SEQUENCE {
        version                 CMSVersion,  -- always set to 3
        originator              [0] EXPLICIT OriginatorIdentifierOrKey,
        ukm                     [1] EXPLICIT UserKeyingMaterial OPTIONAL,
        keyEncryptionAlgorithm  KeyEncryptionAlgorithmIdentifier,
        recipientEncryptedKeys  RecipientEncryptedKeys }

    OriginatorIdentifierOrKey ::= CHOICE {
        issuerAndSerialNumber  IssuerAndSerialNumber,
        subjectKeyIdentifier   [0] SubjectKeyIdentifier,
        originatorKey          [1] OriginatorPublicKey }

    OriginatorPublicKey ::= SEQUENCE { algorithm AlgorithmIdentifier, publicKey BIT STRING }

    RecipientEncryptedKey ::= SEQUENCE {
        rid           KeyAgreeRecipientIdentifier,
        encryptedKey  EncryptedKey }

    KeyAgreeRecipientIdentifier ::= CHOICE {
        issuerAndSerialNumber  IssuerAndSerialNumber,
        rKeyId                 [0] IMPLICIT RecipientKeyIdentifier }

    RecipientKeyIdentifier ::= SEQUENCE {
        subjectKeyIdentifier  SubjectKeyIdentifier,
        date                  GeneralizedTime OPTIONAL,
        other                 OtherKeyAttribute OPTIONAL }

The keyEncryptionAlgorithm is a ``dhSinglePass-*`` scheme whose parameters are the
KeyWrapAlgorithm (RFC 5753 section 7.1.4). The key-encryption key is derived from the
shared secret ``Z`` and the DER ``ECC-CMS-SharedInfo`` (keyInfo = the wrap
AlgorithmIdentifier exactly as received, entityUInfo = the ukm, suppPubInfo = the KEK
length in bits): by the ANSI X9.63 KDF (RFC 5753 section 7.2, RFC 8418 section 2.1), or
by HKDF for the ``dhSinglePass-stdDH-hkdf-*`` schemes of RFC 8418 section 2.2 (salt = the
ukm when present, info = the SharedInfo).

What smimelib writes: an ephemeral originator key per message (``originatorKey``, the
id-ecPublicKey parameters absent as OpenSSL writes them, RFC 5753 section 3.1.1; id-X25519
/ id-X448 without parameters, RFC 8418 section 3.2), AES key wrap with absent parameters,
and one KeyAgreeRecipientInfo per group of recipients that share key type, curve, scheme,
wrap and ukm, with one RecipientEncryptedKey each (OpenSSL writes one KARI per recipient;
both shapes are read). A static originator (issuerAndSerialNumber or subjectKeyIdentifier)
is static-static ECDH: decrypted when the originator's certificate is supplied (from
originatorInfo), refused with a clear error otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.cms.identifiers import CertificateIdentifier, IssuerAndSerialNumber
from smimelib.cms.recipients._base import (
    MAX_RECIPIENT_INFOS,
    KeyIdentifierFields,
    ReceivedEncoding,
    check_key_usage,
    check_version,
    decryption_failed,
    encode_key_identifier_fields,
    identifier_matches,
    octets,
    parse_key_identifier_fields,
)
from smimelib.crypto import kdf, keyagreement, keywrap
from smimelib.crypto.algorithms import (
    AlgorithmInfo,
    Kind,
    Policy,
    Use,
    lookup,
    register,
)
from smimelib.crypto.keys import EC_CURVES, KeyType, PrivateKey, PublicKey
from smimelib.crypto.params import ID_EC_PUBLIC_KEY
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    LimitExceeded,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.certificate import Certificate

__all__ = [
    "HKDF_SCHEMES",
    "KeyAgreeRecipient",
    "KeyAgreeRecipientIdentifier",
    "KeyAgreeRecipientInfo",
    "OriginatorPublicKey",
    "RecipientEncryptedKey",
]

_SMIME_ALG = "1.2.840.113549.1.9.16.3."
#: dhSinglePass-stdDH-hkdf-shaN-scheme (RFC 8418 section 2.2 and its ASN.1 module)
HKDF_SCHEMES: dict[str, str] = {
    _SMIME_ALG + "19": "sha256",
    _SMIME_ALG + "20": "sha384",
    _SMIME_ALG + "21": "sha512",
}
_HKDF_BY_HASH = {digest: oid for oid, digest in HKDF_SCHEMES.items()}


def _register_hkdf_schemes() -> None:
    for oid, digest in HKDF_SCHEMES.items():
        try:
            lookup(oid)
            continue  # already registered by the crypto layer
        except UnsupportedAlgorithm:
            pass
        name = f"dhSinglePass-stdDH-hkdf-{digest}-scheme"
        register(
            AlgorithmInfo(oid, name, Kind.KEY_AGREEMENT, rfc="RFC 8418 section 2.2", digest=digest)
        )
        if oids.name_of(oid) == oid:
            oids.register(oid, name)


_register_hkdf_schemes()

_RAW_KEY_OIDS = {keyagreement.ID_X25519: KeyType.X25519, keyagreement.ID_X448: KeyType.X448}
_RAW_OID_BY_TYPE = {kt: oid for oid, kt in _RAW_KEY_OIDS.items()}
_AES_WRAP_BY_SIZE = {16: "aes-128-wrap", 24: "aes-192-wrap", 32: "aes-256-wrap"}
_AGREEMENT_TYPES = (KeyType.EC, KeyType.X25519, KeyType.X448)


# ---------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class KeyAgreeRecipient:
    """Agree a key-encryption key with an EC, X25519 or X448 certificate (RFC 5753, RFC 8418).

    :param certificate: the recipient's key agreement certificate.
    :param kdf_hash: hash of the KDF (``"sha256"``, ``"sha384"``, ``"sha512"``, ``"sha224"``).
    :param wrap: the AES key wrap (``"aes-128-wrap"`` ...); default: the wrap whose key
        size equals the content-encryption key's (RFC 5753 section 8, RFC 8418 section 6).
    :param cofactor: cofactor ECDH (``dhSinglePass-cofactorDH-*``); NIST curves only.
    :param use_ski: identify the certificate by ``rKeyId`` (its subjectKeyIdentifier).
    :param ukm: user keying material, placed in the ukm field and the SharedInfo.
    :param hkdf: derive with HKDF (``dhSinglePass-stdDH-hkdf-*``, RFC 8418 section 2.2)
        instead of the X9.63 KDF; X25519/X448 only.
    """

    certificate: Certificate
    kdf_hash: str = "sha256"
    wrap: str | None = None
    cofactor: bool = False
    use_ski: bool = False
    ukm: bytes | None = field(default=None, repr=False)
    hkdf: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.certificate, Certificate):
            raise UsageError("KeyAgreeRecipient needs a Certificate")
        if self.ukm is not None:
            if not isinstance(self.ukm, (bytes, bytearray)):
                raise UsageError("KeyAgreeRecipient ukm must be bytes")
            object.__setattr__(self, "ukm", bytes(self.ukm))


@dataclass(frozen=True, slots=True)
class OriginatorPublicKey:
    """``originatorKey [1] OriginatorPublicKey`` (RFC 5652 section 6.2.2).

    :ivar algorithm: id-ecPublicKey (parameters absent, NULL or the named curve) or
        id-X25519 / id-X448.
    :ivar public_key: the BIT STRING octets (an X9.62 point or the raw X25519/X448 key).
    """

    algorithm: AlgorithmIdentifier
    public_key: bytes = field(repr=False)

    def __str__(self) -> str:
        return f"originatorKey {oids.name_of(self.algorithm.oid)} ({len(self.public_key)} octets)"


@dataclass(frozen=True, slots=True)
class KeyAgreeRecipientIdentifier:
    """``KeyAgreeRecipientIdentifier`` (RFC 5652 section 6.2.2): issuerAndSerialNumber, or
    ``rKeyId`` whose subjectKeyIdentifier is in ``identifier`` with its optional date and
    OtherKeyAttribute (raw)."""

    identifier: CertificateIdentifier
    date: datetime.datetime | None = None
    other: bytes | None = field(default=None, repr=False)

    @property
    def is_subject_key_identifier(self) -> bool:
        """True for ``rKeyId``."""
        return self.identifier.is_subject_key_identifier

    def matches(self, cert: Certificate) -> bool:
        """Whether the identifier names ``cert`` (see :meth:`CertificateIdentifier.matches`)."""
        return self.identifier.matches(cert)

    def __str__(self) -> str:
        return str(self.identifier)


class RecipientEncryptedKey(NamedTuple):
    """``RecipientEncryptedKey`` (RFC 5652 section 6.2.2): ``(rid, encrypted_key)``."""

    rid: KeyAgreeRecipientIdentifier
    encrypted_key: bytes


@dataclass(frozen=True, slots=True)
class KeyAgreeRecipientInfo(ReceivedEncoding):
    """A parsed KeyAgreeRecipientInfo (RFC 5652 section 6.2.2).

    :ivar version: always 3.
    :ivar originator: the originator's certificate identifier (static-static ECDH) or
        its :class:`OriginatorPublicKey`.
    :ivar ukm: the user keying material, if present.
    :ivar key_encryption_algorithm: the ``dhSinglePass-*`` scheme with the
        KeyWrapAlgorithm as parameters.
    :ivar recipient_encrypted_keys: one ``(rid, encrypted_key)`` per recipient.
    """

    kind: ClassVar[str] = "kari"
    version: int
    originator: CertificateIdentifier | OriginatorPublicKey
    ukm: bytes | None
    key_encryption_algorithm: AlgorithmIdentifier
    recipient_encrypted_keys: tuple[RecipientEncryptedKey, ...]
    raw: bytes = field(repr=False)
    offset: int

    @property
    def key_wrap_algorithm(self) -> AlgorithmIdentifier:
        """The KeyWrapAlgorithm carried in the keyEncryptionAlgorithm parameters.

        :raises DecodeError: parameters absent or malformed.
        """
        return _wrap_of(self.key_encryption_algorithm)

    def describe(self) -> str:
        """One line for reports."""
        rids = ", ".join(str(rek.rid) for rek in self.recipient_encrypted_keys)
        return (
            f"kari: {oids.name_of(self.key_encryption_algorithm.oid)} key agreement "
            f"({self.originator}) to {rids}"
        )


# ---------------------------------------------------------------------------------------
# Parsing


def parse_kari(elem: tlv.Element) -> KeyAgreeRecipientInfo:
    """Parse ``kari [1] IMPLICIT KeyAgreeRecipientInfo`` (the element with tag [1]).

    :raises DecodeError: malformed, or a version other than 3.
    :raises LimitExceeded: more than 256 RecipientEncryptedKeys.
    """
    parts = list(elem.children())
    if not 4 <= len(parts) <= 5:
        raise DecodeError(
            f"KeyAgreeRecipientInfo has {len(parts)} components (expected 4 or 5)",
            offset=elem.offset,
        )
    version = check_version(parts.pop(0), 3, "KeyAgreeRecipientInfo")
    originator = _parse_originator(parts.pop(0))
    ukm: bytes | None = None
    if parts[0].tag == tlv.Tag.context(1):
        ukm_elem = parts.pop(0)
        inner = ukm_elem.children()
        if len(inner) != 1:
            raise DecodeError(
                "KeyAgreeRecipientInfo ukm [1] must hold one OCTET STRING", offset=ukm_elem.offset
            )
        ukm = octets(inner[0], "KeyAgreeRecipientInfo ukm")
    if len(parts) != 2:
        raise DecodeError("KeyAgreeRecipientInfo has an unexpected component", offset=elem.offset)
    alg = AlgorithmIdentifier.from_element(parts[0])
    keys_elem = parts[1].expect(tlv.Tag.SEQUENCE, "RecipientEncryptedKeys")
    items = keys_elem.children()
    if not items:
        raise DecodeError("RecipientEncryptedKeys is empty", offset=keys_elem.offset)
    if len(items) > MAX_RECIPIENT_INFOS:
        raise LimitExceeded(
            f"{len(items)} RecipientEncryptedKeys exceed the limit of {MAX_RECIPIENT_INFOS}",
            limit="max_recipient_infos",
            offset=keys_elem.offset,
        )
    keys = tuple(_parse_recipient_encrypted_key(item) for item in items)
    return KeyAgreeRecipientInfo(version, originator, ukm, alg, keys, elem.raw, elem.offset)


def _parse_originator(elem: tlv.Element) -> CertificateIdentifier | OriginatorPublicKey:
    if elem.tag != tlv.Tag.context(0):
        raise DecodeError(
            f"KeyAgreeRecipientInfo originator: expected [0], found {elem.tag}", offset=elem.offset
        )
    inner = elem.children()
    if len(inner) != 1:
        raise DecodeError(
            "originator [0] must hold one OriginatorIdentifierOrKey", offset=elem.offset
        )
    choice = inner[0]
    if choice.tag == tlv.Tag.context(1):
        parts = choice.children()
        if len(parts) != 2:
            raise DecodeError(
                f"OriginatorPublicKey has {len(parts)} components (expected 2)",
                offset=choice.offset,
            )
        alg = AlgorithmIdentifier.from_element(parts[0])
        unused, bits = parts[1].as_bit_string()
        if unused:
            raise DecodeError(
                "OriginatorPublicKey publicKey has unused bits", offset=parts[1].offset
            )
        return OriginatorPublicKey(alg, bits)
    return CertificateIdentifier.from_element(choice)


def _parse_recipient_encrypted_key(elem: tlv.Element) -> RecipientEncryptedKey:
    elem.expect(tlv.Tag.SEQUENCE, "RecipientEncryptedKey")
    parts = elem.children()
    if len(parts) != 2:
        raise DecodeError(
            f"RecipientEncryptedKey has {len(parts)} components (expected 2)", offset=elem.offset
        )
    rid_elem = parts[0]
    if rid_elem.tag == tlv.Tag.SEQUENCE:
        rid = KeyAgreeRecipientIdentifier(
            CertificateIdentifier(IssuerAndSerialNumber.from_element(rid_elem), None, rid_elem.raw)
        )
    elif rid_elem.tag == tlv.Tag.context(0):
        fields = parse_key_identifier_fields(rid_elem, "RecipientKeyIdentifier")
        rid = KeyAgreeRecipientIdentifier(
            CertificateIdentifier.from_subject_key_identifier(fields.key_identifier),
            fields.date,
            fields.other,
        )
    else:
        raise DecodeError(
            f"KeyAgreeRecipientIdentifier: expected IssuerAndSerialNumber or rKeyId [0], "
            f"found {rid_elem.tag}",
            offset=rid_elem.offset,
        )
    return RecipientEncryptedKey(rid, octets(parts[1], "RecipientEncryptedKey encryptedKey"))


# ---------------------------------------------------------------------------------------
# Schemes


@dataclass(frozen=True, slots=True)
class _Scheme:
    info: AlgorithmInfo
    kdf_hash: str
    cofactor: bool
    hkdf: bool


def _scheme_of(alg: AlgorithmIdentifier) -> _Scheme:
    digest = HKDF_SCHEMES.get(alg.oid)
    if digest is not None:
        return _Scheme(lookup(alg.oid), digest, False, True)
    ecdh = keyagreement.ecdh_scheme(alg)  # UnsupportedAlgorithm names unknown OIDs
    return _Scheme(ecdh.info, ecdh.kdf_hash, ecdh.cofactor, False)


def _wrap_of(alg: AlgorithmIdentifier) -> AlgorithmIdentifier:
    if alg.parameters is None or alg.parameters == NULL:
        raise DecodeError(
            f"{oids.name_of(alg.oid)} parameters must be the KeyWrapAlgorithm "
            "(RFC 5753 section 7.1.4)",
            oid=alg.oid,
        )
    return AlgorithmIdentifier.from_der(alg.parameters)


def _derive_kek(
    scheme: _Scheme, z: bytes, wrap: AlgorithmIdentifier, size: int, ukm: bytes | None
) -> bytes:
    shared_info = kdf.ecc_cms_shared_info(wrap, size * 8, ukm)
    if scheme.hkdf:
        return kdf.hkdf(scheme.kdf_hash, z, size, salt=ukm or b"", info=shared_info)
    return kdf.x963_kdf(scheme.kdf_hash, z, size, shared_info)


# ---------------------------------------------------------------------------------------
# Encoding


def _recipient_public_key(recipient: KeyAgreeRecipient) -> PublicKey:
    cert = recipient.certificate
    try:
        public = cert.public_key
    except SmimeError as exc:
        raise UsageError(f"recipient certificate key unusable: {exc.message}") from None
    if public.type not in _AGREEMENT_TYPES:
        raise UsageError(
            f"key agreement needs an EC, X25519 or X448 certificate, {cert.subject.rfc4514()!r}"
            f" has a {public.type.value} key (use KeyTransRecipient for RSA)"
        )
    check_key_usage(cert, "KEY_AGREEMENT", "key agreement")
    return public


def _key_encryption_algorithm(
    recipient: KeyAgreeRecipient, public: PublicKey, cek: bytes
) -> tuple[AlgorithmIdentifier, AlgorithmIdentifier]:
    """(keyEncryptionAlgorithm, wrap) to write for ``recipient``."""
    name = recipient.wrap or _AES_WRAP_BY_SIZE.get(len(cek), "aes-256-wrap")
    wrap = keywrap.wrap_algorithm(name)
    raw_curve = public.type in (KeyType.X25519, KeyType.X448)
    if recipient.hkdf:
        if not raw_curve:
            raise UsageError("HKDF key agreement (RFC 8418) is defined for X25519/X448 only")
        if recipient.cofactor:
            raise UsageError("RFC 8418 defines no cofactor HKDF scheme")
        oid = _HKDF_BY_HASH.get(recipient.kdf_hash)
        if oid is None:
            raise UsageError(f"no dhSinglePass-stdDH-hkdf scheme with {recipient.kdf_hash}")
        return AlgorithmIdentifier(oid, wrap.to_der()), wrap
    if recipient.cofactor and raw_curve:
        raise UsageError("X25519/X448 use the stdDH schemes (RFC 8418 section 2); no cofactor")
    alg = keyagreement.kari_algorithm(
        wrap, kdf_hash=recipient.kdf_hash, cofactor=recipient.cofactor
    )
    return alg, wrap


def _originator_key_der(ephemeral: PrivateKey) -> bytes:
    public = ephemeral.public_key()
    if public.type is KeyType.EC:
        alg = AlgorithmIdentifier(ID_EC_PUBLIC_KEY, None)  # absent, as OpenSSL writes it
        point = public.ec_point()
    else:
        alg = AlgorithmIdentifier(_RAW_OID_BY_TYPE[public.type], None)
        point = public.raw_bytes()
    body = der.sequence(alg.to_der(), der.encode_bit_string(point))
    return der.explicit(0, der.implicit(1, body))


def _rid_der(recipient: KeyAgreeRecipient) -> bytes:
    ident = CertificateIdentifier.from_certificate(recipient.certificate, use_ski=recipient.use_ski)
    if ident.subject_key_identifier is not None:
        fields = KeyIdentifierFields(ident.subject_key_identifier)
        return der.implicit(0, encode_key_identifier_fields(fields))
    return ident.to_der()


def encode_kari_group(recipients: Sequence[KeyAgreeRecipient], cek: bytes) -> list[bytes]:
    """DER KeyAgreeRecipientInfos for ``recipients``: one per group sharing key type,
    curve, keyEncryptionAlgorithm and ukm, each with a fresh ephemeral key (RFC 5753
    section 3.1.2, RFC 8418 section 2).

    :raises UsageError: a certificate without a key agreement key, bad options.
    :raises PolicyError: an algorithm smimelib does not write (the SHA-1 KDF).
    """
    groups: dict[tuple[object, ...], list[tuple[KeyAgreeRecipient, PublicKey]]] = {}
    algs: dict[tuple[object, ...], tuple[AlgorithmIdentifier, AlgorithmIdentifier]] = {}
    for recipient in recipients:
        public = _recipient_public_key(recipient)
        alg, wrap = _key_encryption_algorithm(recipient, public, cek)
        group: tuple[object, ...] = (public.type, public.curve, alg, recipient.ukm)
        groups.setdefault(group, []).append((recipient, public))
        algs[group] = (alg, wrap)
    out: list[bytes] = []
    for key, members in groups.items():
        alg, wrap = algs[key]
        scheme = _scheme_of(alg)
        size = keywrap.kek_size(wrap)
        ukm = members[0][0].ukm
        ephemeral = keyagreement.ephemeral_key(members[0][1])
        encrypted_keys = []
        for recipient, public in members:
            z = keyagreement.shared_secret(ephemeral, public, cofactor=scheme.cofactor)
            kek = _derive_kek(scheme, z, wrap, size, ukm)
            wrapped = keywrap.wrap(wrap, kek, cek)
            encrypted_keys.append(der.sequence(_rid_der(recipient), der.encode_octets(wrapped)))
        parts = [der.encode_int(3), _originator_key_der(ephemeral)]
        if ukm is not None:
            parts.append(der.explicit(1, der.encode_octets(ukm)))
        parts += [alg.to_der(), der.sequence(*encrypted_keys)]
        out.append(der.implicit(1, der.sequence(*parts)))
    return out


# ---------------------------------------------------------------------------------------
# Decryption


def kari_match(info: KeyAgreeRecipientInfo, cert: Certificate) -> tuple[int, str | None] | None:
    """(index of the RecipientEncryptedKey naming ``cert``, finding), or ``None``."""
    for index, rek in enumerate(info.recipient_encrypted_keys):
        matched, finding = identifier_matches(rek.rid.identifier, cert)
        if matched:
            return index, finding
    return None


def _originator_public_key(
    info: KeyAgreeRecipientInfo,
    private_key: PrivateKey,
    originator_certificates: Sequence[Certificate],
    findings: list[str],
) -> PublicKey:
    originator = info.originator
    if isinstance(originator, CertificateIdentifier):
        cert = originator.find(originator_certificates)
        if cert is None:
            raise DecryptionError(
                f"static-static ECDH: the originator certificate ({originator}) is not in "
                "originatorInfo nor among the supplied certificates"
            )
        findings.append("static-static ECDH: the originator is identified by its certificate")
        try:
            public = cert.public_key
        except SmimeError:
            raise decryption_failed() from None
        if public.type is not private_key.type or public.curve != private_key.curve:
            raise DecodeError(
                "static-static ECDH: the originator and recipient keys differ in type or curve"
            )
        return public
    alg = originator.algorithm
    if alg.oid == ID_EC_PUBLIC_KEY:
        if private_key.type is not KeyType.EC or private_key.curve is None:
            raise DecodeError(
                "originator key is id-ecPublicKey, the recipient key is not EC", oid=alg.oid
            )
        curve = private_key.curve
        if alg.parameters == NULL:
            findings.append("originator key with NULL parameters (RFC 5753 section 3.1.1: legacy)")
        elif alg.parameters is not None:
            try:
                named = tlv.parse_one(alg.parameters, what="ECParameters").as_oid()
            except DecodeError:
                raise UnsupportedAlgorithm(
                    "originator key ECParameters other than namedCurve (RFC 5753 section 3.1.1)",
                    oid=alg.oid,
                ) from None
            if named != EC_CURVES[curve][2]:
                raise DecodeError(
                    f"originator key is on {oids.describe(named)}, the recipient key on {curve}"
                )
        try:
            return PublicKey.ec(curve, originator.public_key)
        except UsageError:  # not a point on the curve
            raise decryption_failed() from None
    key_type = _RAW_KEY_OIDS.get(alg.oid)
    if key_type is None:
        raise UnsupportedAlgorithm(
            f"unsupported originator key algorithm {oids.name_of(alg.oid)}", oid=alg.oid
        )
    if private_key.type is not key_type:
        raise DecodeError(
            f"originator key is {oids.name_of(alg.oid)}, the recipient key is "
            f"{private_key.type.value}",
            oid=alg.oid,
        )
    if alg.parameters == NULL:
        findings.append(
            f"originator key {oids.name_of(alg.oid)} with NULL parameters "
            "(RFC 8410 section 3: absent)"
        )
    elif alg.parameters is not None:
        raise DecodeError(
            f"{oids.name_of(alg.oid)} parameters must be absent (RFC 8410 section 3)",
            oid=alg.oid,
        )
    try:
        return PublicKey.raw(key_type, originator.public_key)
    except UsageError:
        raise decryption_failed() from None


def decrypt_kari(
    info: KeyAgreeRecipientInfo,
    index: int,
    private_key: PrivateKey,
    *,
    cek_length: int | None,
    policy: Policy,
    originator_certificates: Sequence[Certificate] = (),
) -> tuple[bytes, tuple[str, ...], bool]:
    """Recover the content-encryption key from ``recipient_encrypted_keys[index]``:
    (cek, findings, weak).

    :raises DecryptionError: ``"decryption failed"`` for every cryptographic failure; a
        distinct message when a static originator's certificate is missing.
    :raises UnsupportedAlgorithm / PolicyError / DecodeError: an algorithm smimelib does
        not implement or the policy refuses, malformed parameters.
    """
    if private_key.type not in _AGREEMENT_TYPES:
        raise decryption_failed()
    scheme = _scheme_of(info.key_encryption_algorithm)
    policy.check(scheme.info, Use.CONSUME)
    wrap = _wrap_of(info.key_encryption_algorithm)
    wrap_info = lookup(wrap.oid, kind=Kind.KEY_WRAP)
    policy.check(wrap_info, Use.CONSUME)
    if wrap.oid == keywrap.PWRI_KEK:
        raise UnsupportedAlgorithm("id-alg-PWRI-KEK cannot wrap a key-agreement key", oid=wrap.oid)
    size = keywrap.kek_size(wrap)
    findings: list[str] = []
    weak = wrap_info.weak
    if weak:
        findings.append(f"{wrap_info.name} key wrap (legacy) accepted by policy")
    if wrap.parameters == NULL and wrap.oid != keywrap.CMS3DES_WRAP:
        findings.append("AES key wrap with NULL parameters (RFC 3565 section 2.3.2: absent)")
    if scheme.kdf_hash == "sha1":
        findings.append(f"{scheme.info.name}: X9.63 KDF with SHA-1 (OpenSSL's old default)")
    peer = _originator_public_key(info, private_key, originator_certificates, findings)
    try:
        z = keyagreement.shared_secret(private_key, peer, cofactor=scheme.cofactor)
        kek = _derive_kek(scheme, z, wrap, size, info.ukm)
        encrypted = info.recipient_encrypted_keys[index].encrypted_key
        cek = keywrap.unwrap(wrap, kek, encrypted, expected_length=cek_length, policy=policy)
    except (DecryptionError, UsageError):
        raise decryption_failed() from None
    return cek, tuple(findings), weak
