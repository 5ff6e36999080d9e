"""An immutable X.509 certificate builder, and test-PKI conveniences (RFC 5280, RFC 8550).

Every setter returns a new builder; setting the same field (or adding the same
extension) twice is a :class:`~smimelib.errors.UsageError`.
:meth:`CertificateBuilder.sign` writes a v3 certificate in DER::

    cert = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", "Alice")]))
        .public_key(alice_key.public_key())
        .email_addresses("alice@example.com")
        .key_usage({KeyUsage.DIGITAL_SIGNATURE}, critical=True)
        .sign(ca.key, issuer=ca.certificate)
    )

What it writes follows RFC 5280 and RFC 8550 section 4.4: a positive 16-octet
random serial (4.1.2.2), UTCTime through 2049 and GeneralizedTime after
(4.1.2.5), a subjectKeyIdentifier computed with method 1 of 4.2.1.2 (SHA-1 of
the subjectPublicKey bits) and an authorityKeyIdentifier taken from the issuer
(4.2.1.1), critical keyUsage (RFC 8550 4.4.2) and critical basicConstraints for
CAs (4.2.1.9). :func:`make_ca` and :func:`make_smime_identity` mint throwaway
PKIs for tests and ``smime demo``.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from smimelib.asn1 import der, tlv
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key
from smimelib.errors import UsageError
from smimelib.pki import extensions as ext
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.general_names import GeneralName, encode_general_names
from smimelib.pki.identity import Identity
from smimelib.pki.names import Name

__all__ = [
    "CertificateBuilder",
    "KeySpec",
    "generate_key",
    "key_identifier",
    "make_ca",
    "make_smime_identity",
]

#: default digest for ECDSA by curve (RFC 5480 section 4, RFC 8551 section 2.1 practice)
_EC_DIGESTS = {"P-256": "sha256", "P-384": "sha384", "P-521": "sha512"}
_CAN_SIGN = (KeyType.RSA, KeyType.EC, KeyType.ED25519, KeyType.ED448)


def key_identifier(key: PublicKey) -> bytes:
    """Key identifier by RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING
    value (excluding tag, length and unused-bits octet)."""
    from smimelib.pki.keys import public_key_to_spki

    spki = tlv.parse_one(public_key_to_spki(key), what="SubjectPublicKeyInfo")
    _, bits = spki.children()[1].as_bit_string()
    return hashlib.sha1(bits, usedforsecurity=False).digest()


@dataclass(frozen=True)
class CertificateBuilder:
    """Immutable builder of X.509 v3 certificates (RFC 5280 section 4.1)."""

    _subject: Name | None = None
    _issuer: Name | None = None
    _public_key: PublicKey | None = None
    _serial: int | None = None
    _not_before: datetime.datetime | None = None
    _not_after: datetime.datetime | None = None
    _extensions: tuple[ext.Extension, ...] = ()

    # -- fields ---------------------------------------------------------------------------
    def _set(self, field: str, value: Any, what: str) -> CertificateBuilder:
        if getattr(self, field) is not None:
            raise UsageError(f"{what} is already set")
        return dataclasses.replace(self, **{field: value})

    def subject_name(self, name: Name | str) -> CertificateBuilder:
        """The subject (a :class:`Name` or an RFC 4514 string)."""
        return self._set("_subject", _name(name), "subject name")

    def issuer_name(self, name: Name | str) -> CertificateBuilder:
        """The issuer name; normally taken from the issuer certificate given to :meth:`sign`."""
        return self._set("_issuer", _name(name), "issuer name")

    def public_key(self, key: PublicKey | PrivateKey) -> CertificateBuilder:
        """The subject public key (a private key is reduced to its public half)."""
        if isinstance(key, PrivateKey):
            key = key.public_key()
        if not isinstance(key, PublicKey):
            raise UsageError(f"public_key() needs a PublicKey, not {type(key).__name__}")
        return self._set("_public_key", key, "public key")

    def serial_number(self, serial: int) -> CertificateBuilder:
        """A positive serial of at most 20 octets (RFC 5280 4.1.2.2); default: random."""
        if serial <= 0 or (serial.bit_length() + 8) // 8 > 20:
            raise UsageError("serial number must be positive and at most 20 octets")
        return self._set("_serial", serial, "serial number")

    def not_valid_before(self, moment: datetime.datetime) -> CertificateBuilder:
        """Start of validity (aware datetime); default: five minutes ago."""
        return self._set("_not_before", _aware(moment), "notBefore")

    def not_valid_after(self, moment: datetime.datetime) -> CertificateBuilder:
        """End of validity (aware datetime); default: one year after notBefore."""
        return self._set("_not_after", _aware(moment), "notAfter")

    # -- extensions -----------------------------------------------------------------------
    def add_extension(
        self, oid: str, value: bytes, *, critical: bool = False
    ) -> CertificateBuilder:
        """Add an extension with its DER ``extnValue`` contents; one per OID (RFC 5280 4.2)."""
        if any(e.oid == oid for e in self._extensions):
            raise UsageError(f"extension {oid} is already set")
        new = ext.Extension(oid, bool(critical), bytes(value))
        return dataclasses.replace(self, _extensions=(*self._extensions, new))

    def subject_alt_names(self, names: Iterable[GeneralName]) -> CertificateBuilder:
        """subjectAltName (RFC 5280 4.2.1.6); critical when the subject name is empty."""
        names = tuple(names)
        critical = self._subject is not None and self._subject.is_empty()
        value = encode_general_names(names)
        return self.add_extension(ext.OID_SUBJECT_ALT_NAME, value, critical=critical)

    def email_addresses(self, *addresses: str) -> CertificateBuilder:
        """subjectAltName rfc822Names (RFC 8550 section 3); non-ASCII local parts become
        SmtpUTF8Mailbox otherNames (RFC 9598 section 3)."""
        if not addresses:
            raise UsageError("email_addresses() needs at least one address")
        names = []
        for addr in addresses:
            local, at, domain = addr.rpartition("@")
            if not at or not local or not domain:
                raise UsageError(f"{addr!r} is not an addr-spec")
            if addr.isascii():
                names.append(GeneralName.email(addr))
            else:
                names.append(GeneralName.smtp_utf8_mailbox(addr))
        return self.subject_alt_names(names)

    def key_usage(self, usages: Iterable[KeyUsage], *, critical: bool = True) -> CertificateBuilder:
        """keyUsage (RFC 5280 4.2.1.3), critical by default (RFC 8550 section 4.4.2)."""
        usages = frozenset(usages)
        if not usages:
            raise UsageError("keyUsage needs at least one bit (RFC 5280 4.2.1.3)")
        return self.add_extension(
            ext.OID_KEY_USAGE, ext.encode_key_usage(usages), critical=critical
        )

    def extended_key_usage(
        self, purposes: Iterable[str], *, critical: bool = False
    ) -> CertificateBuilder:
        """extendedKeyUsage KeyPurposeIds (RFC 5280 4.2.1.12), e.g. emailProtection."""
        value = ext.encode_extended_key_usage(purposes)
        return self.add_extension(ext.OID_EXTENDED_KEY_USAGE, value, critical=critical)

    def basic_constraints(
        self, *, ca: bool, path_length: int | None = None, critical: bool = True
    ) -> CertificateBuilder:
        """basicConstraints (RFC 5280 4.2.1.9); critical, as CA certificates require."""
        if path_length is not None and not ca:
            raise UsageError("pathLenConstraint is only meaningful when cA is TRUE")
        value = ext.BasicConstraints(ca, path_length).to_der()
        return self.add_extension(ext.OID_BASIC_CONSTRAINTS, value, critical=critical)

    def subject_key_identifier(self, value: bytes) -> CertificateBuilder:
        """An explicit subjectKeyIdentifier; by default :meth:`sign` computes one."""
        return self.add_extension(ext.OID_SUBJECT_KEY_IDENTIFIER, der.encode_octets(value))

    def authority_key_identifier(self, value: bytes) -> CertificateBuilder:
        """An explicit keyIdentifier; by default :meth:`sign` takes it from the issuer."""
        aki = ext.AuthorityKeyIdentifier(key_identifier=value).to_der()
        return self.add_extension(ext.OID_AUTHORITY_KEY_IDENTIFIER, aki)

    def certificate_policies(
        self, policies: Iterable[ext.PolicyInformation | str]
    ) -> CertificateBuilder:
        """certificatePolicies (RFC 5280 4.2.1.4): policy OIDs or PolicyInformation values."""
        infos = [
            p if isinstance(p, ext.PolicyInformation) else ext.PolicyInformation(p)
            for p in policies
        ]
        value = ext.PolicyInformation.encode_all(infos)
        return self.add_extension(ext.OID_CERTIFICATE_POLICIES, value)

    def crl_distribution_points(self, uris: Iterable[str]) -> CertificateBuilder:
        """cRLDistributionPoints with one full-name URI per point (RFC 5280 4.2.1.13)."""
        points = [ext.DistributionPoint(full_name=(GeneralName.uri(u),)) for u in uris]
        value = ext.DistributionPoint.encode_all(points)
        return self.add_extension(ext.OID_CRL_DISTRIBUTION_POINTS, value)

    def name_constraints(
        self, constraints: ext.NameConstraints, *, critical: bool = True
    ) -> CertificateBuilder:
        """nameConstraints (RFC 5280 4.2.1.10), critical as RFC 5280 requires."""
        return self.add_extension(ext.OID_NAME_CONSTRAINTS, constraints.to_der(), critical=critical)

    # -- signing --------------------------------------------------------------------------
    def sign(
        self,
        issuer_key: PrivateKey,
        *,
        issuer: Certificate | None = None,
        digest: str | None = None,
        pss: bool = False,
    ) -> Certificate:
        """Sign and return the certificate.

        :param issuer_key: the issuer's private key (the subject's own for a self-signed one).
        :param issuer: the issuer certificate; its subject becomes the issuer name and its
            key identifier the authorityKeyIdentifier. ``None``: self-signed.
        :param digest: hash for RSA/ECDSA; default SHA-256, or by curve for ECDSA
            (P-384: SHA-384, P-521: SHA-512). Ignored for EdDSA.
        :param pss: RSASSA-PSS instead of PKCS #1 v1.5 for an RSA issuer key (RFC 4055).
        :raises UsageError: missing fields, a key that cannot sign, or an issuer key that
            does not belong to ``issuer``.
        """
        from smimelib.crypto.signatures import sign, signature_algorithm
        from smimelib.pki.keys import public_key_to_spki

        if self._subject is None or self._public_key is None:
            raise UsageError("a certificate needs a subject name and a public key")
        if issuer_key.type not in _CAN_SIGN:
            raise UsageError(f"{issuer_key.type.value} keys cannot sign certificates")
        signer_public = issuer_key.public_key()
        if issuer is not None:
            if issuer.public_key != signer_public:
                raise UsageError("issuer_key does not belong to the issuer certificate")
            issuer_name = issuer.subject
            if self._issuer is not None and self._issuer != issuer_name:
                raise UsageError("issuer_name() differs from the issuer certificate's subject")
        else:
            issuer_name = self._issuer or self._subject
            if self._issuer is None and signer_public != self._public_key:
                raise UsageError(
                    "no issuer certificate, and issuer_key is not the subject's key"
                    " (a self-signed certificate is signed with its own key)"
                )

        builder = self
        present = {e.oid for e in self._extensions}
        if ext.OID_SUBJECT_KEY_IDENTIFIER not in present:
            builder = builder.subject_key_identifier(key_identifier(self._public_key))
        if issuer is not None and ext.OID_AUTHORITY_KEY_IDENTIFIER not in present:
            issuer_kid = issuer.subject_key_identifier or key_identifier(signer_public)
            builder = builder.authority_key_identifier(issuer_kid)

        if digest is None:
            digest = _EC_DIGESTS.get(issuer_key.curve or "", "sha256")
        algorithm = signature_algorithm(issuer_key, digest, pss=pss)
        not_before = self._not_before or _now() - datetime.timedelta(minutes=5)
        not_after = self._not_after or not_before + datetime.timedelta(days=365)
        if not_after <= not_before:
            raise UsageError("notAfter must be later than notBefore")
        serial = self._serial if self._serial is not None else _random_serial()

        parts = []
        if builder._extensions:
            parts.append(der.explicit(0, der.encode_int(2)))  # v3 (RFC 5280 4.1.2.1)
        parts += [
            der.encode_int(serial),
            algorithm.to_der(),
            issuer_name.der,
            der.sequence(der.encode_time(not_before), der.encode_time(not_after)),
            self._subject.der,
            public_key_to_spki(self._public_key),
        ]
        if builder._extensions:
            parts.append(der.explicit(3, der.sequence(*(e.to_der() for e in builder._extensions))))
        tbs = der.sequence(*parts)
        signature = sign(issuer_key, algorithm, tbs)
        return Certificate.from_der(
            der.sequence(tbs, algorithm.to_der(), der.encode_bit_string(signature))
        )


# -- conveniences -----------------------------------------------------------------------------

#: a key type name for :func:`generate_key`: "rsa", "rsa-3072", "p-256", "p-384", "p-521",
#: "ed25519", "ed448", "x25519", "x448" (or a KeyType)
KeySpec = KeyType | str


def generate_key(
    spec: KeySpec = KeyType.RSA, *, bits: int = 2048, curve: str = "P-256"
) -> PrivateKey:
    """Generate a key from a :data:`KeySpec` (``"rsa-3072"``, ``"p-384"``, ``KeyType.ED25519``)."""
    if isinstance(spec, KeyType):
        return generate_private_key(spec, bits=bits, curve=curve)
    text = spec.strip().lower().replace("_", "-")
    if text.startswith("rsa"):
        size = text[3:].lstrip("-")
        return generate_private_key(KeyType.RSA, bits=int(size) if size.isdigit() else bits)
    if text in ("ec", "ecdsa"):
        return generate_private_key(KeyType.EC, curve=curve)
    for name in ("P-256", "P-384", "P-521"):
        if text in (name.lower(), name.lower().replace("-", ""), "ec-" + name.lower()):
            return generate_private_key(KeyType.EC, curve=name)
    for key_type in (KeyType.ED25519, KeyType.ED448, KeyType.X25519, KeyType.X448):
        if text == key_type.value:
            return generate_private_key(key_type)
    raise UsageError(f"unknown key type {spec!r}")


def make_ca(
    subject: Name | str,
    *,
    key: PrivateKey | None = None,
    key_type: KeySpec = KeyType.RSA,
    issuer: Identity | None = None,
    path_length: int | None = None,
    days: int = 3650,
    not_before: datetime.datetime | None = None,
    digest: str | None = None,
    pss: bool = False,
    name_constraints: ext.NameConstraints | None = None,
) -> Identity:
    """A CA identity: self-signed root when ``issuer`` is None, else an intermediate.

    The certificate has critical basicConstraints cA TRUE (RFC 5280 4.2.1.9),
    critical keyUsage keyCertSign + cRLSign (4.2.1.3), SKI and (for intermediates) AKI.
    """
    if key is None:
        key = generate_key(key_type)
    if key.type not in _CAN_SIGN:
        raise UsageError(f"a CA needs a signing key, not {key.type.value}")
    start = _aware(not_before) if not_before is not None else _now() - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=days)
    if issuer is not None:
        end = min(end, issuer.certificate.not_after)
    builder = (
        CertificateBuilder()
        .subject_name(_name(subject))
        .public_key(key)
        .not_valid_before(start)
        .not_valid_after(end)
        .basic_constraints(ca=True, path_length=path_length)
        .key_usage({KeyUsage.KEY_CERT_SIGN, KeyUsage.CRL_SIGN})
    )
    if name_constraints is not None:
        builder = builder.name_constraints(name_constraints)
    if issuer is None:
        cert = builder.sign(key, digest=digest, pss=pss)
        return Identity(key, cert)
    cert = builder.sign(issuer.key, issuer=issuer.certificate, digest=digest, pss=pss)
    return Identity(key, cert, (issuer.certificate, *issuer.chain))


Usage = Literal["sign", "encrypt", "both"]


def _smime_key_usage(key_type: KeyType, usage: Usage) -> frozenset[KeyUsage]:
    """keyUsage for an S/MIME end entity (RFC 8550 section 4.4.2; RFC 8410 section 5)."""
    signing = {KeyUsage.DIGITAL_SIGNATURE, KeyUsage.NON_REPUDIATION}
    if key_type in (KeyType.X25519, KeyType.X448):
        if usage == "sign":
            raise UsageError(f"{key_type.value} keys cannot sign")
        return frozenset({KeyUsage.KEY_AGREEMENT})
    if key_type in (KeyType.ED25519, KeyType.ED448):
        if usage == "encrypt":
            raise UsageError(f"{key_type.value} keys cannot encrypt")
        return frozenset(signing)
    if key_type is KeyType.RSA:
        encrypting = {KeyUsage.KEY_ENCIPHERMENT}
    elif key_type is KeyType.EC:
        encrypting = {KeyUsage.KEY_AGREEMENT}
    else:
        raise UsageError(f"no S/MIME certificate profile for {key_type.value} keys")
    if usage == "sign":
        return frozenset(signing)
    if usage == "encrypt":
        return frozenset(encrypting)
    return frozenset(signing | encrypting)


def make_smime_identity(
    email: str,
    *,
    issuer: Identity,
    key: PrivateKey | None = None,
    key_type: KeySpec = KeyType.RSA,
    name: str | None = None,
    usage: Usage = "both",
    extra_emails: Iterable[str] = (),
    days: int = 365,
    not_before: datetime.datetime | None = None,
    digest: str | None = None,
    pss: bool = False,
    policies: Iterable[str] = (),
    crl_uris: Iterable[str] = (),
) -> Identity:
    """An S/MIME end-entity identity issued by ``issuer`` (RFC 8550 section 4.4).

    The certificate carries subjectAltName rfc822Name ``email`` (RFC 8550 section 3),
    critical keyUsage matching the key type and ``usage``, extendedKeyUsage
    emailProtection (4.4.4), SKI and AKI; subject ``CN=name or email``.
    """
    if key is None:
        key = generate_key(key_type)
    usages = _smime_key_usage(key.type, usage)
    start = _aware(not_before) if not_before is not None else _now() - datetime.timedelta(minutes=5)
    end = min(start + datetime.timedelta(days=days), issuer.certificate.not_after)
    builder = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", name or email)]))
        .public_key(key)
        .not_valid_before(start)
        .not_valid_after(end)
        .email_addresses(email, *extra_emails)
        .key_usage(usages)
        .extended_key_usage([ext.OID_EKU_EMAIL_PROTECTION])
    )
    policies = tuple(policies)
    if policies:
        builder = builder.certificate_policies(policies)
    crl_uris = tuple(crl_uris)
    if crl_uris:
        builder = builder.crl_distribution_points(crl_uris)
    cert = builder.sign(issuer.key, issuer=issuer.certificate, digest=digest, pss=pss)
    return Identity(key, cert, (issuer.certificate, *issuer.chain))


# -- helpers ------------------------------------------------------------------------------------


def _name(name: Name | str) -> Name:
    if isinstance(name, Name):
        return name
    if "=" in name:
        return Name.from_rfc4514(name)
    return Name.build([("CN", name)])


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise UsageError("certificate times must be aware datetimes (use datetime.UTC)")
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _random_serial() -> int:
    # 16 random octets, top bit cleared (positive) and the next one set (exactly 16
    # octets, never zero): RFC 5280 4.1.2.2, CA/B-style 64+ bits of entropy.
    raw = bytearray(os.urandom(16))
    raw[0] = (raw[0] & 0x3F) | 0x40
    return int.from_bytes(raw, "big")
