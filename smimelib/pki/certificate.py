"""X.509 certificates as immutable values (RFC 5280 section 4).

::

    Certificate  ::=  SEQUENCE  {
        tbsCertificate       TBSCertificate,
        signatureAlgorithm   AlgorithmIdentifier,
        signatureValue       BIT STRING  }

    TBSCertificate  ::=  SEQUENCE  {
        version         [0]  EXPLICIT Version DEFAULT v1,
        serialNumber         CertificateSerialNumber,
        signature            AlgorithmIdentifier,
        issuer               Name,
        validity             Validity,
        subject              Name,
        subjectPublicKeyInfo SubjectPublicKeyInfo,
        issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
        subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
        extensions      [3]  EXPLICIT Extensions OPTIONAL }

The certificate is walked with the TLV reader (no pyasn1): the fields every
caller needs are decoded when it is loaded; the public key and the typed
extension values are decoded on first use and cached. The received DER
(``.der``) and TBSCertificate bytes (``.tbs_der``) are kept, and signatures
are always checked over the received TBS bytes, never a re-encoding.

Real certificates are read as they are: explicit DEFAULT values, T61String or
BMPString names, serial numbers longer than 20 octets or negative, MD2/MD5
signatures (which parse, and are then refused by the signature policy).
Deviations from RFC 5280 that do not prevent reading are listed in
:attr:`Certificate.anomalies`.
"""

from __future__ import annotations

import datetime
import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import (
    CertificateError,
    DecodeError,
    LimitExceeded,
    SmimeError,
    UsageError,
)
from smimelib.pki import extensions as ext
from smimelib.pki._certparse import parse_certificate_fields
from smimelib.pki.general_names import (
    OID_SMTP_UTF8_MAILBOX,
    GeneralName,
    GeneralNameKind,
    OtherName,
)
from smimelib.pki.names import Name

if TYPE_CHECKING:
    from smimelib.crypto.keys import PublicKey

__all__ = ["Certificate", "load_certificates"]

OID_DSA = "1.2.840.10040.4.1"

# Extensions whose semantics smimelib implements (for the "unrecognised critical
# extension" rule of RFC 5280 section 4.2).
_HANDLED_EXTENSIONS = frozenset(
    {
        ext.OID_SUBJECT_KEY_IDENTIFIER,
        ext.OID_KEY_USAGE,
        ext.OID_SUBJECT_ALT_NAME,
        ext.OID_ISSUER_ALT_NAME,
        ext.OID_BASIC_CONSTRAINTS,
        ext.OID_NAME_CONSTRAINTS,
        ext.OID_CRL_DISTRIBUTION_POINTS,
        ext.OID_CERTIFICATE_POLICIES,
        ext.OID_POLICY_MAPPINGS,
        ext.OID_AUTHORITY_KEY_IDENTIFIER,
        ext.OID_POLICY_CONSTRAINTS,
        ext.OID_EXTENDED_KEY_USAGE,
        ext.OID_INHIBIT_ANY_POLICY,
        ext.OID_AUTHORITY_INFO_ACCESS,
        ext.OID_SMIME_CAPABILITIES,
    }
)

_CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE")


def _structural_policy() -> Policy:
    # "Does the certificate's own key verify its signature" is a structural question:
    # weak algorithms and small keys are accepted for it, never for trust decisions.
    return Policy(allow_weak=True, allow_legacy=True, allow_non_standard=True, min_rsa_bits=0)


@dataclass(frozen=True, eq=False)
class Certificate:
    """An X.509 certificate (RFC 5280 section 4.1), immutable; equal when the DER is equal.

    Create one with :meth:`from_der`, :meth:`from_pem`, :meth:`from_file` or
    :func:`load_certificates`, never with the constructor.

    :ivar der: the certificate exactly as received.
    :ivar tbs_der: the received TBSCertificate bytes (what the signature covers).
    :ivar version: 1, 2 or 3 (the X.509 version, not the encoded 0..2).
    :ivar serial_number: the serial number (may be negative or longer than 20 octets
        in the wild; see :attr:`anomalies`).
    :ivar signature_algorithm: the outer signatureAlgorithm.
    :ivar tbs_signature_algorithm: the TBS ``signature`` field (RFC 5280 4.1.1.2 requires
        it to equal ``signature_algorithm``; a mismatch is an anomaly and fails verification).
    :ivar issuer: issuer Name.
    :ivar subject: subject Name.
    :ivar not_before: start of the validity period (aware, UTC).
    :ivar not_after: end of the validity period (aware, UTC).
    :ivar spki_der: the received SubjectPublicKeyInfo.
    :ivar public_key_algorithm: the SubjectPublicKeyInfo's algorithm.
    :ivar extensions: every extension in received order (raw, with criticality).
    :ivar signature_value: the signature octets.
    :ivar anomalies: RFC 5280 deviations found while reading (human-readable, with sections).
    """

    der: bytes
    tbs_der: bytes
    version: int
    serial_number: int
    signature_algorithm: AlgorithmIdentifier
    tbs_signature_algorithm: AlgorithmIdentifier
    issuer: Name
    subject: Name
    not_before: datetime.datetime
    not_after: datetime.datetime
    spki_der: bytes
    public_key_algorithm: AlgorithmIdentifier
    extensions: tuple[ext.Extension, ...]
    signature_value: bytes
    anomalies: tuple[str, ...]
    _serial_der: bytes
    _signature_unused_bits: int

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def from_der(cls, data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Certificate:
        """Parse one DER (or BER) certificate; trailing data is an error.

        :raises DecodeError: malformed certificate (with the byte offset).
        :raises LimitExceeded: the input exceeds ``limits``.
        """
        data = bytes(data)
        if len(data) > limits.max_input_size:
            raise LimitExceeded(
                f"certificate of {len(data)} bytes exceeds the input limit",
                limit="max_input_size",
            )
        return _parse_certificate(tlv.parse_one(data, limits=limits, what="Certificate"))

    @classmethod
    def from_element(cls, elem: tlv.Element) -> Certificate:
        """Build from an already parsed Certificate element (e.g. inside a SignedData)."""
        return _parse_certificate(elem)

    @classmethod
    def from_pem(cls, data: bytes | str) -> Certificate:
        """The one certificate in PEM ``data`` (RFC 7468 section 5); other blocks are skipped.

        :raises DecodeError: no CERTIFICATE block, or a malformed one.
        :raises UsageError: more than one certificate (use :func:`load_certificates`).
        """
        certs = _pem_certificates(data)
        if len(certs) != 1:
            raise UsageError(
                f"PEM input holds {len(certs)} certificates; use load_certificates() for bundles"
            )
        return certs[0]

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Certificate:
        """Read one certificate from a PEM or DER file."""
        data = _read_file(path)
        return cls.from_pem(data) if _looks_pem(data) else cls.from_der(data)

    @classmethod
    def load_certificates(cls, data: bytes | str) -> list[Certificate]:
        """Every certificate of a PEM bundle, or the single certificate of DER ``data``."""
        return load_certificates(data)

    # -- encodings ------------------------------------------------------------------------
    def to_pem(self) -> bytes:
        """PEM encoding (RFC 7468 section 5, label CERTIFICATE)."""
        from smimelib.pki.pem import pem_encode

        return pem_encode("CERTIFICATE", self.der)

    @functools.cached_property
    def issuer_and_serial_der(self) -> bytes:
        """DER ``IssuerAndSerialNumber`` (RFC 5652 10.2.4) from the received encodings."""
        return der.sequence(self.issuer.der, self._serial_der)

    # -- public key -----------------------------------------------------------------------
    @property
    def has_inherited_dsa_parameters(self) -> bool:
        """A DSA key whose p, q, g come from the issuer (RFC 3279 section 2.3.2)."""
        alg = self.public_key_algorithm
        return alg.oid == OID_DSA and alg.parameters_absent_or_null

    @functools.cached_property
    def public_key(self) -> PublicKey:
        """The subject public key (RFC 5280 4.1.2.7).

        :raises CertificateError: a DSA key inherits its parameters from the issuer;
            use :meth:`public_key_with_params`.
        :raises DecodeError: the SubjectPublicKeyInfo is malformed.
        :raises UnsupportedAlgorithm: the key algorithm is not implemented.
        """
        if self.has_inherited_dsa_parameters:
            raise CertificateError(
                "the DSA public key inherits p, q, g from its issuer (RFC 3279 section 2.3.2);"
                " use public_key_with_params(issuer)"
            )
        from smimelib.pki.keys import load_der_public_key

        return load_der_public_key(self.spki_der)

    def public_key_with_params(self, issuer: Certificate | PublicKey) -> PublicKey:
        """The public key, completing inherited DSA parameters from ``issuer``.

        RFC 3279 section 2.3.2: when the DSA parameters are absent, they are those of
        the issuer's DSA key. Keys that need no inheritance are returned as is.
        """
        if not self.has_inherited_dsa_parameters:
            return self.public_key
        issuer_key = issuer.public_key if isinstance(issuer, Certificate) else issuer
        from smimelib.crypto.keys import KeyType
        from smimelib.pki.keys import load_der_public_key

        if issuer_key.type is not KeyType.DSA:
            raise CertificateError(
                "DSA parameters are inherited, but the issuer key is"
                f" {issuer_key.type.value}, not DSA (RFC 3279 section 2.3.2)"
            )
        p, q, g, _ = issuer_key.dsa_numbers()
        return load_der_public_key(self.spki_der, dsa_parameters=(p, q, g))

    # -- signatures -----------------------------------------------------------------------
    def verify_signature(
        self, issuer_public_key: PublicKey, *, policy: Policy = DEFAULT_POLICY
    ) -> None:
        """Check the signature over the received TBSCertificate (RFC 5280 4.1.1.3).

        :raises SignatureError: the signature is invalid, or the two signature algorithm
            fields differ (RFC 5280 4.1.1.2).
        :raises PolicyError: the algorithm or key is refused by ``policy``.
        :raises UnsupportedAlgorithm: the signature algorithm is not implemented.
        """
        from smimelib.pki._signed import verify_signed

        verify_signed(
            issuer_public_key,
            self.signature_algorithm,
            self.tbs_der,
            self.signature_value,
            self._signature_unused_bits,
            policy=policy,
            what="certificate",
            inner_algorithm=self.tbs_signature_algorithm,
            section="4.1.1.2",
        )

    def verify_issued_by(self, issuer: Certificate, *, policy: Policy = DEFAULT_POLICY) -> None:
        """Check that ``issuer`` issued this certificate: its subject matches this issuer
        name (RFC 5280 section 7.1) and its public key verifies the signature over the
        received TBSCertificate. An issuer whose own DSA parameters are inherited cannot
        verify on its own (CertificateError): verify with
        ``verify_signature(issuer.public_key_with_params(...))`` instead.

        :raises CertificateError: the issuer's subject does not match this issuer name.
        :raises SignatureError, PolicyError, UnsupportedAlgorithm: as :meth:`verify_signature`.
        """
        if not issuer.subject.matches(self.issuer):
            raise CertificateError(
                f"issuer name {self.issuer.rfc4514()!r} does not match the subject"
                f" {issuer.subject.rfc4514()!r} of the presumed issuer (RFC 5280 section 7.1)"
            )
        self.verify_signature(issuer.public_key, policy=policy)

    @property
    def is_self_issued(self) -> bool:
        """Subject and issuer are the same name (RFC 5280 section 6.1)."""
        return self.subject.matches(self.issuer)

    @functools.cached_property
    def is_self_signed(self) -> bool:
        """Self-issued, and the certificate's own key verifies its signature.

        Algorithm strength is not judged here (weak algorithms count); an unsupported
        algorithm or a key that cannot be loaded gives ``False``.
        """
        if not self.is_self_issued:
            return False
        try:
            self.verify_signature(self.public_key, policy=_structural_policy())
        except SmimeError:
            return False
        return True

    # -- fingerprints and validity --------------------------------------------------------
    def fingerprint(self, algorithm: str = "sha256") -> bytes:
        """Digest of the DER certificate (``"sha256"``, ``"sha1"``, ``"sha512"``, ...)."""
        from smimelib.crypto.digests import digest

        return digest(algorithm, self.der)

    def fingerprint_hex(self, algorithm: str = "sha256", *, separator: str = ":") -> str:
        """Upper-case hex fingerprint, ``separator``-joined as ``openssl x509 -fingerprint``."""
        return separator.join(f"{b:02X}" for b in self.fingerprint(algorithm))

    def valid_at(self, moment: datetime.datetime) -> bool:
        """Whether ``moment`` (aware) lies within the validity period (RFC 5280 4.1.2.5)."""
        if moment.tzinfo is None:
            raise UsageError("valid_at needs an aware datetime")
        return self.not_before <= moment <= self.not_after

    # -- extensions -----------------------------------------------------------------------
    def extension(self, oid: str) -> ext.Extension | None:
        """The extension with ``oid``, if present."""
        for e in self.extensions:
            if e.oid == oid:
                return e
        return None

    @property
    def unhandled_critical_extensions(self) -> tuple[str, ...]:
        """OIDs of critical extensions smimelib does not process (RFC 5280 section 4.2)."""
        return tuple(
            e.oid for e in self.extensions if e.critical and e.oid not in _HANDLED_EXTENSIONS
        )

    @functools.cached_property
    def subject_key_identifier(self) -> bytes | None:
        """subjectKeyIdentifier (RFC 5280 4.2.1.2)."""
        e = self.extension(ext.OID_SUBJECT_KEY_IDENTIFIER)
        if e is None:
            return None
        return ext.parse_subject_key_identifier(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def authority_key_identifier(self) -> ext.AuthorityKeyIdentifier | None:
        """authorityKeyIdentifier (RFC 5280 4.2.1.1)."""
        e = self.extension(ext.OID_AUTHORITY_KEY_IDENTIFIER)
        if e is None:
            return None
        return ext.AuthorityKeyIdentifier.from_der(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def key_usage(self) -> frozenset[ext.KeyUsage] | None:
        """keyUsage bits, or ``None`` when the extension is absent (RFC 5280 4.2.1.3)."""
        e = self.extension(ext.OID_KEY_USAGE)
        if e is None:
            return None
        return ext.parse_key_usage(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def extended_key_usage(self) -> tuple[str, ...] | None:
        """KeyPurposeId OIDs, or ``None`` when absent (any purpose; RFC 5280 4.2.1.12)."""
        e = self.extension(ext.OID_EXTENDED_KEY_USAGE)
        if e is None:
            return None
        return ext.parse_extended_key_usage(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def basic_constraints(self) -> ext.BasicConstraints | None:
        """basicConstraints (RFC 5280 4.2.1.9), ``None`` when absent."""
        e = self.extension(ext.OID_BASIC_CONSTRAINTS)
        if e is None:
            return None
        return ext.BasicConstraints.from_der(e.value, base_offset=e.value_offset)

    @property
    def is_ca(self) -> bool:
        """basicConstraints cA is TRUE."""
        bc = self.basic_constraints
        return bc is not None and bc.ca

    @functools.cached_property
    def subject_alt_names(self) -> tuple[GeneralName, ...]:
        """subjectAltName GeneralNames, empty when absent (RFC 5280 4.2.1.6)."""
        return self._general_names(ext.OID_SUBJECT_ALT_NAME)

    @functools.cached_property
    def issuer_alt_names(self) -> tuple[GeneralName, ...]:
        """issuerAltName GeneralNames, empty when absent (RFC 5280 4.2.1.7)."""
        return self._general_names(ext.OID_ISSUER_ALT_NAME)

    def _general_names(self, oid: str) -> tuple[GeneralName, ...]:
        e = self.extension(oid)
        if e is None:
            return ()
        return ext.parse_general_names_value(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def email_addresses(self) -> tuple[str, ...]:
        """The subject's mail addresses (RFC 8550 section 3): subjectAltName rfc822Names,
        then legacy emailAddress attributes of the subject name; in order, without
        repeats (the domain compared case-insensitively)."""
        found = [
            n.value
            for n in self.subject_alt_names
            if n.kind is GeneralNameKind.RFC822_NAME and isinstance(n.value, str)
        ]
        found.extend(self.subject.email_addresses)
        return _dedupe_addresses(found)

    @functools.cached_property
    def smtp_utf8_mailboxes(self) -> tuple[str, ...]:
        """SmtpUTF8Mailbox otherNames of subjectAltName (RFC 9598 section 3)."""
        out = []
        for n in self.subject_alt_names:
            if isinstance(n.value, OtherName) and n.value.type_id == OID_SMTP_UTF8_MAILBOX:
                text = n.value.text
                if text is not None:
                    out.append(text)
        return _dedupe_addresses(out)

    @property
    def mailboxes(self) -> tuple[str, ...]:
        """Every address the certificate binds: :attr:`email_addresses` then
        :attr:`smtp_utf8_mailboxes` (RFC 8550 section 3 as updated by RFC 9598)."""
        return _dedupe_addresses([*self.email_addresses, *self.smtp_utf8_mailboxes])

    @functools.cached_property
    def certificate_policies(self) -> tuple[ext.PolicyInformation, ...] | None:
        """certificatePolicies (RFC 5280 4.2.1.4), qualifiers kept raw."""
        e = self.extension(ext.OID_CERTIFICATE_POLICIES)
        if e is None:
            return None
        return ext.PolicyInformation.parse_all(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def policy_mappings(self) -> tuple[ext.PolicyMapping, ...] | None:
        """policyMappings (RFC 5280 4.2.1.5)."""
        e = self.extension(ext.OID_POLICY_MAPPINGS)
        if e is None:
            return None
        return ext.parse_policy_mappings(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def policy_constraints(self) -> ext.PolicyConstraints | None:
        """policyConstraints (RFC 5280 4.2.1.11)."""
        e = self.extension(ext.OID_POLICY_CONSTRAINTS)
        if e is None:
            return None
        return ext.PolicyConstraints.from_der(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def inhibit_any_policy(self) -> int | None:
        """inhibitAnyPolicy SkipCerts (RFC 5280 4.2.1.14)."""
        e = self.extension(ext.OID_INHIBIT_ANY_POLICY)
        if e is None:
            return None
        return ext.parse_inhibit_any_policy(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def name_constraints(self) -> ext.NameConstraints | None:
        """nameConstraints (RFC 5280 4.2.1.10)."""
        e = self.extension(ext.OID_NAME_CONSTRAINTS)
        if e is None:
            return None
        return ext.NameConstraints.from_der(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def crl_distribution_points(self) -> tuple[ext.DistributionPoint, ...] | None:
        """cRLDistributionPoints (RFC 5280 4.2.1.13)."""
        e = self.extension(ext.OID_CRL_DISTRIBUTION_POINTS)
        if e is None:
            return None
        return ext.DistributionPoint.parse_all(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def authority_info_access(self) -> tuple[ext.AccessDescription, ...] | None:
        """authorityInfoAccess (RFC 5280 4.2.2.1)."""
        e = self.extension(ext.OID_AUTHORITY_INFO_ACCESS)
        if e is None:
            return None
        return ext.AccessDescription.parse_all(e.value, base_offset=e.value_offset)

    @functools.cached_property
    def smime_capabilities(self) -> tuple[AlgorithmIdentifier, ...] | None:
        """The smimeCapabilities extension (RFC 4262; RFC 8551 section 2.5.2), if present."""
        e = self.extension(ext.OID_SMIME_CAPABILITIES)
        if e is None:
            return None
        return ext.parse_smime_capabilities(e.value, base_offset=e.value_offset)

    # -- value semantics ------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return (
            f"<Certificate subject={self.subject.rfc4514()!r}"
            f" issuer={self.issuer.rfc4514()!r} serial={self.serial_hex}>"
        )

    @property
    def serial_hex(self) -> str:
        """The serial number in hex as OpenSSL prints it (``-serial``), ``-`` if negative."""
        n = self.serial_number
        digits = f"{abs(n):X}"
        if len(digits) % 2:
            digits = "0" + digits
        return ("-" if n < 0 else "") + digits


def load_certificates(data: bytes | str) -> list[Certificate]:
    """Every certificate in ``data``: the CERTIFICATE blocks of PEM text (other blocks,
    such as keys, are skipped; RFC 7468) or one DER certificate.

    :raises DecodeError: no certificate found, or a malformed one.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if _looks_pem(data):
        certs = _pem_certificates(data)
        if not certs:
            raise DecodeError("no CERTIFICATE block in the PEM input")
        return certs
    return [Certificate.from_der(data)]


# -- parsing ------------------------------------------------------------------------------------


def _looks_pem(data: bytes) -> bool:
    from smimelib.pki.pem import is_pem

    return is_pem(data)


def _pem_certificates(data: bytes | str) -> list[Certificate]:
    from smimelib.pki.pem import pem_blocks

    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    certs = [Certificate.from_der(b.der) for b in pem_blocks(raw) if b.label in _CERTIFICATE_LABELS]
    if not certs:
        raise DecodeError("no CERTIFICATE block in the PEM input")
    return certs


def _read_file(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(DEFAULT_LIMITS.max_input_size + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {os.fspath(path)!r}: {exc.strerror}") from None


def _dedupe_addresses(addresses: list[str]) -> tuple[str, ...]:
    seen: set[tuple[str, str]] = set()
    out: list[str] = []
    for addr in addresses:
        local, at, domain = addr.rpartition("@")
        key = (local, domain.lower()) if at else (addr, "")
        if key not in seen:
            seen.add(key)
            out.append(addr)
    return tuple(out)


def _parse_certificate(elem: tlv.Element) -> Certificate:
    f = parse_certificate_fields(elem)
    return Certificate(
        der=f.der,
        tbs_der=f.tbs_der,
        version=f.version,
        serial_number=f.serial_number,
        signature_algorithm=f.signature_algorithm,
        tbs_signature_algorithm=f.tbs_signature_algorithm,
        issuer=f.issuer,
        subject=f.subject,
        not_before=f.not_before,
        not_after=f.not_after,
        spki_der=f.spki_der,
        public_key_algorithm=f.public_key_algorithm,
        extensions=f.extensions,
        signature_value=f.signature_value,
        anomalies=f.anomalies,
        _serial_der=f.serial_der,
        _signature_unused_bits=f.signature_unused_bits,
    )
