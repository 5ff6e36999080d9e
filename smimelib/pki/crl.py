"""X.509 certificate revocation lists as immutable values (RFC 5280 section 5).

::

    CertificateList  ::=  SEQUENCE  {
        tbsCertList          TBSCertList,
        signatureAlgorithm   AlgorithmIdentifier,
        signatureValue       BIT STRING  }

    TBSCertList  ::=  SEQUENCE  {
        version                 Version OPTIONAL,  -- if present, MUST be v2
        signature               AlgorithmIdentifier,
        issuer                  Name,
        thisUpdate              Time,
        nextUpdate              Time OPTIONAL,
        revokedCertificates     SEQUENCE OF SEQUENCE  {
             userCertificate         CertificateSerialNumber,
             revocationDate          Time,
             crlEntryExtensions      Extensions OPTIONAL } OPTIONAL,
        crlExtensions           [0] EXPLICIT Extensions OPTIONAL }

A CRL is walked with the TLV reader (no pyasn1) and its extensions (5.2) and entry
extensions (5.3) are decoded when it is loaded. The received DER (``.der``) and
TBSCertList bytes (``.tbs_der``) are kept; the signature is checked over the received
TBS bytes. What a CRL *means* for a certificate (scope, reasons, delta CRLs) is RFC 5280
section 6.3 and lives in :mod:`smimelib.pki.revocation`.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smimelib.asn1 import tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import (
    CertificateError,
    DecodeError,
    LimitExceeded,
    SignatureError,
    UsageError,
)
from smimelib.pki._crl_parse import (
    CRL_ENTRY_HANDLED,
    CRL_HANDLED,
    OID_CERTIFICATE_ISSUER,
    OID_CRL_NUMBER,
    OID_DELTA_CRL_INDICATOR,
    OID_FRESHEST_CRL,
    OID_HOLD_INSTRUCTION_CODE,
    OID_INVALIDITY_DATE,
    OID_ISSUING_DISTRIBUTION_POINT,
    OID_REASON_CODE,
    EntryFields,
    IssuingDistributionPoint,
    parse_crl_fields,
)
from smimelib.pki.extensions import AuthorityKeyIdentifier, DistributionPoint, Extension
from smimelib.pki.general_names import GeneralName
from smimelib.pki.names import Name
from smimelib.pki.path_results import CRLReason

if TYPE_CHECKING:
    from smimelib.crypto.keys import PublicKey
    from smimelib.pki.certificate import Certificate

__all__ = [
    "CRL_LIMITS",
    "OID_CERTIFICATE_ISSUER",
    "OID_CRL_NUMBER",
    "OID_DELTA_CRL_INDICATOR",
    "OID_FRESHEST_CRL",
    "OID_HOLD_INSTRUCTION_CODE",
    "OID_INVALIDITY_DATE",
    "OID_ISSUING_DISTRIBUTION_POINT",
    "OID_REASON_CODE",
    "CertificateList",
    "IssuingDistributionPoint",
    "RevokedEntry",
    "load_crls",
]

#: decoding limits for CRLs: large CAs publish CRLs with far more than the default
#: 10 000 entries in one SEQUENCE OF, so the element count is raised (the walk stays linear)
CRL_LIMITS = DEFAULT_LIMITS.replace(max_elements=4_000_000)

_CRL_LABELS = ("X509 CRL", "CRL")


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    """One entry of revokedCertificates (RFC 5280 sections 5.1.2.6 and 5.3).

    :ivar serial_number: userCertificate, the revoked certificate's serial number.
    :ivar revocation_date: when the CA processed the revocation.
    :ivar reason: the reasonCode entry extension (5.3.1); ``None`` when absent.
    :ivar invalidity_date: the invalidityDate entry extension (5.3.2), if any.
    :ivar hold_instruction: the holdInstructionCode OID (RFC 5280 5.3, X.509), if any.
    :ivar certificate_issuer: the issuer of the revoked certificate (5.3.3): the entry's
        certificateIssuer extension, else the previous entry's, else the CRL issuer.
    :ivar explicit_certificate_issuer: this entry itself carries certificateIssuer.
    :ivar extensions: every entry extension, raw, in received order.
    """

    serial_number: int
    revocation_date: datetime.datetime
    reason: CRLReason | None
    invalidity_date: datetime.datetime | None
    hold_instruction: str | None
    certificate_issuer: tuple[GeneralName, ...]
    explicit_certificate_issuer: bool
    extensions: tuple[Extension, ...]

    @property
    def unhandled_critical_extensions(self) -> tuple[str, ...]:
        """OIDs of critical entry extensions smimelib does not process (RFC 5280 5.3)."""
        return tuple(
            e.oid for e in self.extensions if e.critical and e.oid not in CRL_ENTRY_HANDLED
        )

    def issued_by(self, name: Name) -> bool:
        """Whether ``name`` is this entry's certificate issuer (RFC 5280 5.3.3, 7.1)."""
        return any(
            isinstance(n.value, Name) and n.value.matches(name) for n in self.certificate_issuer
        )


@dataclass(frozen=True, eq=False)
class CertificateList:
    """An X.509 v1 or v2 CRL (RFC 5280 section 5.1), immutable; equal when the DER is equal.

    Create one with :meth:`from_der`, :meth:`from_pem` or :func:`load_crls`, never with
    the constructor.

    :ivar der: the CRL exactly as received.
    :ivar tbs_der: the received TBSCertList bytes (what the signature covers).
    :ivar version: 1 or 2 (the X.509 version, not the encoded value).
    :ivar signature_algorithm: the outer signatureAlgorithm.
    :ivar tbs_signature_algorithm: the TBSCertList ``signature`` field (must be equal,
        RFC 5280 5.1.1.2; a mismatch fails verification).
    :ivar issuer: the CRL issuer's Name (5.1.2.3).
    :ivar this_update: thisUpdate (5.1.2.4), aware UTC.
    :ivar next_update: nextUpdate (5.1.2.5), ``None`` when absent.
    :ivar entries: the revokedCertificates entries in received order.
    :ivar extensions: every CRL extension in received order (raw, with criticality).
    :ivar signature_value: the signature octets.
    """

    der: bytes
    tbs_der: bytes
    version: int
    signature_algorithm: AlgorithmIdentifier
    tbs_signature_algorithm: AlgorithmIdentifier
    issuer: Name
    this_update: datetime.datetime
    next_update: datetime.datetime | None
    entries: tuple[RevokedEntry, ...]
    extensions: tuple[Extension, ...]
    signature_value: bytes
    _signature_unused_bits: int
    _crl_number: int | None
    _delta_crl_indicator: int | None
    _idp: IssuingDistributionPoint | None
    _aki: AuthorityKeyIdentifier | None
    _freshest: tuple[DistributionPoint, ...] | None

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def from_der(cls, data: bytes, *, limits: Limits = CRL_LIMITS) -> CertificateList:
        """Parse one DER (or BER) CRL; trailing data is an error (RFC 5280 5.1).

        :raises DecodeError: malformed CRL or extension (with the byte offset).
        :raises LimitExceeded: the input exceeds ``limits``.
        """
        data = bytes(data)
        if len(data) > limits.max_input_size:
            raise LimitExceeded(
                f"CRL of {len(data)} bytes exceeds the input limit", limit="max_input_size"
            )
        return _build(tlv.parse_one(data, limits=limits, what="CertificateList"))

    @classmethod
    def from_pem(cls, data: bytes | str) -> CertificateList:
        """The one ``X509 CRL`` block of PEM ``data`` (RFC 7468 section 6).

        :raises DecodeError: no CRL block, or a malformed one.
        :raises UsageError: more than one CRL (use :func:`load_crls`).
        """
        crls = _pem_crls(data)
        if len(crls) != 1:
            raise UsageError(f"PEM input holds {len(crls)} CRLs; use load_crls() for bundles")
        return crls[0]

    # -- extensions -----------------------------------------------------------------------
    def extension(self, oid: str) -> Extension | None:
        """The CRL extension with ``oid``, if present."""
        for e in self.extensions:
            if e.oid == oid:
                return e
        return None

    @property
    def crl_number(self) -> int | None:
        """cRLNumber (RFC 5280 5.2.3); ``None`` when absent."""
        return self._crl_number

    @property
    def delta_crl_indicator(self) -> int | None:
        """The BaseCRLNumber of a delta CRL (RFC 5280 5.2.4); ``None`` for a complete CRL."""
        return self._delta_crl_indicator

    @property
    def is_delta(self) -> bool:
        """This is a delta CRL (it carries deltaCRLIndicator)."""
        return self._delta_crl_indicator is not None

    @property
    def issuing_distribution_point(self) -> IssuingDistributionPoint | None:
        """issuingDistributionPoint (RFC 5280 5.2.5); ``None`` when absent."""
        return self._idp

    @property
    def is_indirect(self) -> bool:
        """The IDP says indirectCRL: entries may concern other issuers (RFC 5280 5.2.5)."""
        return self._idp is not None and self._idp.indirect_crl

    @property
    def authority_key_identifier(self) -> AuthorityKeyIdentifier | None:
        """authorityKeyIdentifier (RFC 5280 5.2.1); ``None`` when absent."""
        return self._aki

    @property
    def freshest_crl(self) -> tuple[DistributionPoint, ...] | None:
        """freshestCRL, where delta CRLs are found (RFC 5280 5.2.6); ``None`` when absent."""
        return self._freshest

    @property
    def unhandled_critical_extensions(self) -> tuple[str, ...]:
        """OIDs of critical CRL extensions smimelib does not process (RFC 5280 5.2)."""
        return tuple(e.oid for e in self.extensions if e.critical and e.oid not in CRL_HANDLED)

    # -- entries --------------------------------------------------------------------------
    @functools.cached_property
    def _by_serial(self) -> Mapping[int, tuple[RevokedEntry, ...]]:
        index: dict[int, list[RevokedEntry]] = {}
        for entry in self.entries:
            index.setdefault(entry.serial_number, []).append(entry)
        return {k: tuple(v) for k, v in index.items()}

    def entries_for(self, serial_number: int) -> tuple[RevokedEntry, ...]:
        """Every entry with this serial number (several issuers may share one in an
        indirect CRL), in received order; constant time after the first call."""
        return self._by_serial.get(serial_number, ())

    def find(self, serial_number: int, issuer: Name) -> RevokedEntry | None:
        """The entry revoking the certificate ``(issuer, serial_number)``, if listed
        (RFC 5280 6.3.3 (i): serial and certificate issuer, 5.3.3)."""
        for entry in self.entries_for(serial_number):
            if entry.issued_by(issuer):
                return entry
        return None

    # -- signature ------------------------------------------------------------------------
    def verify_signature(
        self, issuer: Certificate | PublicKey, *, policy: Policy = DEFAULT_POLICY
    ) -> None:
        """Check the signature over the received TBSCertList (RFC 5280 5.1.1.3).

        ``issuer`` is the CRL issuer's certificate or public key; for a DSA key whose
        parameters are inherited pass ``Certificate.public_key_with_params(...)``.

        :raises SignatureError: the signature is invalid, the two signature algorithm
            fields differ (5.1.1.2), or the certificate's key cannot be used on its own.
        :raises PolicyError: the algorithm or key is refused by ``policy``.
        :raises UnsupportedAlgorithm: the signature algorithm is not implemented.
        """
        from smimelib.pki._signed import verify_signed
        from smimelib.pki.certificate import Certificate

        if isinstance(issuer, Certificate):
            try:
                key = issuer.public_key
            except CertificateError as exc:
                raise SignatureError(f"cannot verify the CRL: {exc.message}") from None
        else:
            key = issuer
        verify_signed(
            key,
            self.signature_algorithm,
            self.tbs_der,
            self.signature_value,
            self._signature_unused_bits,
            policy=policy,
            what="CRL",
            inner_algorithm=self.tbs_signature_algorithm,
            section="5.1.1.2",
        )

    # -- encodings and value semantics ----------------------------------------------------
    def to_pem(self) -> bytes:
        """PEM encoding (RFC 7468 section 6, label ``X509 CRL``)."""
        from smimelib.pki.pem import pem_encode

        return pem_encode("X509 CRL", self.der)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CertificateList):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        kind = "delta CRL" if self.is_delta else "CRL"
        return (
            f"<CertificateList ({kind}) issuer={self.issuer.rfc4514()!r}"
            f" number={self.crl_number} entries={len(self.entries)}>"
        )


def load_crls(data: bytes | str) -> list[CertificateList]:
    """Every CRL of a PEM bundle (``X509 CRL`` blocks; others skipped), or one DER CRL.

    :raises DecodeError: no CRL found, or a malformed one.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    from smimelib.pki.pem import is_pem

    if is_pem(raw):
        return _pem_crls(raw)
    return [CertificateList.from_der(raw)]


def _pem_crls(data: bytes | str) -> list[CertificateList]:
    from smimelib.pki.pem import pem_blocks

    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    crls = [CertificateList.from_der(b.der) for b in pem_blocks(raw) if b.label in _CRL_LABELS]
    if not crls:
        raise DecodeError("no X509 CRL block in the PEM input")
    return crls


def _entry(f: EntryFields) -> RevokedEntry:
    return RevokedEntry(
        serial_number=f.serial_number,
        revocation_date=f.revocation_date,
        reason=f.reason,
        invalidity_date=f.invalidity_date,
        hold_instruction=f.hold_instruction,
        certificate_issuer=f.certificate_issuer,
        explicit_certificate_issuer=f.explicit_certificate_issuer,
        extensions=f.extensions,
    )


def _build(elem: tlv.Element) -> CertificateList:
    f = parse_crl_fields(elem)
    return CertificateList(
        der=f.der,
        tbs_der=f.tbs_der,
        version=f.version,
        signature_algorithm=f.signature_algorithm,
        tbs_signature_algorithm=f.tbs_signature_algorithm,
        issuer=f.issuer,
        this_update=f.this_update,
        next_update=f.next_update,
        entries=tuple(_entry(e) for e in f.entries),
        extensions=f.extensions,
        signature_value=f.signature_value,
        _signature_unused_bits=f.signature_unused_bits,
        _crl_number=f.crl_number,
        _delta_crl_indicator=f.delta_crl_indicator,
        _idp=f.issuing_distribution_point,
        _aki=f.authority_key_identifier,
        _freshest=f.freshest_crl,
    )
