"""The vocabulary of certificate-path validation: inputs, statuses and results.

One module holds the types every part of validation shares, so the revocation
checker, the RFC 5280 section 6.1 validator, the path builder, the trust store and the
message-layer reports speak the same language:

* :class:`PolicySettings` -- the four policy inputs of RFC 5280 section 6.1.1 (c), (e),
  (f), (g);
* :class:`ValidationStatus` -- why a path is valid or not, one enum member per RFC 5280
  / RFC 8550 failure, each with a human-readable description;
* :class:`RevocationMode`, :class:`CRLReason`, :class:`RevocationState`,
  :class:`RevocationSource`, :class:`RevocationOutcome` -- revocation (RFC 5280 section
  6.3, RFC 6960);
* :class:`RevocationChecker` and :class:`RevocationFetcher` -- the protocols through
  which the validator asks for revocation status and an application fetches CRLs or
  OCSP responses itself (nothing is fetched over the network by default);
* :class:`TimeSource`, :class:`ValidationPolicy` -- how a validation is run;
* :class:`TrustResult` -- the outcome of validating one certificate.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy

if TYPE_CHECKING:
    from smimelib.pki.certificate import Certificate

__all__ = [
    "ANY_POLICY",
    "CRLReason",
    "KeyPurpose",
    "PolicySettings",
    "RevocationChecker",
    "RevocationFetcher",
    "RevocationMode",
    "RevocationOutcome",
    "RevocationSource",
    "RevocationState",
    "TimeSource",
    "TrustResult",
    "UserNotice",
    "ValidationPolicy",
    "ValidationStatus",
]

#: anyPolicy (RFC 5280 section 4.2.1.4)
ANY_POLICY = "2.5.29.32.0"


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The policy inputs of RFC 5280 section 6.1.1.

    :ivar initial_policy_set: user-initial-policy-set (c); ``{anyPolicy}`` by default.
    :ivar initial_explicit_policy: initial-explicit-policy (e).
    :ivar initial_policy_mapping_inhibit: initial-policy-mapping-inhibit (f).
    :ivar initial_inhibit_any_policy: initial-any-policy-inhibit (g).
    """

    initial_policy_set: frozenset[str] = frozenset({ANY_POLICY})
    initial_explicit_policy: bool = False
    initial_policy_mapping_inhibit: bool = False
    initial_inhibit_any_policy: bool = False


class ValidationStatus(enum.Enum):
    """The result of validating a certificate, with the first reason it failed.

    Values of the RFC 5280 failures are the reason names NIST PKITS uses.
    """

    VALID = "valid"
    #: a certificate's (or CRL's) signature does not verify (RFC 5280 6.1.3 (a)(1))
    INVALID_SIGNATURE = "invalid_signature"
    #: the validation time is before notBefore (6.1.3 (a)(2))
    NOT_YET_VALID = "not_yet_valid"
    #: the validation time is after notAfter (6.1.3 (a)(2))
    EXPIRED = "expired"
    #: no issuer certificate whose subject matches the issuer name (6.1.3 (a)(4))
    NAME_CHAINING = "name_chaining"
    #: the chain ends at a certificate that is not a trust anchor
    UNTRUSTED_ROOT = "untrusted_root"
    #: revoked (6.1.3 (a)(3)); :attr:`TrustResult.revocation` has reason and date
    REVOKED = "revoked"
    #: revocation status could not be determined under a hard-fail policy
    REVOCATION_STATUS_UNKNOWN = "revocation_status_unknown"
    #: an issuer is not a CA (basicConstraints, 6.1.4 (k))
    NOT_CA = "not_ca"
    #: pathLenConstraint exceeded (6.1.4 (l), (m))
    PATH_LENGTH = "path_length"
    #: keyUsage forbids the use (keyCertSign 6.1.4 (n); cRLSign 6.3.3 (f); RFC 8550 4.4.2)
    KEY_USAGE = "key_usage"
    #: extendedKeyUsage lacks emailProtection and anyExtendedKeyUsage (RFC 8550 4.4.4)
    EXTENDED_KEY_USAGE = "extended_key_usage"
    #: the valid_policy_tree is NULL where a policy is required (6.1.3 (f), 6.1.5 (g))
    POLICY = "policy"
    #: a name is outside permittedSubtrees or inside excludedSubtrees (6.1.3 (b), (c))
    NAME_CONSTRAINTS = "name_constraints"
    #: an unrecognised critical extension (6.1.4 (o), 6.1.5 (f))
    UNKNOWN_CRITICAL_EXTENSION = "unknown_critical_extension"
    #: an algorithm or key size refused by policy (RFC 8550 section 4.3)
    ALGORITHM = "algorithm"
    #: the certificate or CRL could not be processed (malformed extension, ...)
    MALFORMED = "malformed"
    #: path building stopped at its work limits before finding a valid path
    PATH_BUILDING_LIMIT = "path_building_limit"

    @property
    def description(self) -> str:
        """A short human-readable sentence for reports."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS: dict[ValidationStatus, str] = {
    ValidationStatus.VALID: "the certificate path is valid",
    ValidationStatus.INVALID_SIGNATURE: "a signature in the certificate path does not verify",
    ValidationStatus.NOT_YET_VALID: "a certificate in the path is not yet valid",
    ValidationStatus.EXPIRED: "a certificate in the path has expired",
    ValidationStatus.NAME_CHAINING: "no issuer certificate was found for a certificate",
    ValidationStatus.UNTRUSTED_ROOT: "the path does not end at a trust anchor",
    ValidationStatus.REVOKED: "a certificate in the path is revoked",
    ValidationStatus.REVOCATION_STATUS_UNKNOWN: "the revocation status could not be determined",
    ValidationStatus.NOT_CA: "an issuing certificate is not a CA certificate",
    ValidationStatus.PATH_LENGTH: "a path length constraint is exceeded",
    ValidationStatus.KEY_USAGE: "a key usage extension forbids this use",
    ValidationStatus.EXTENDED_KEY_USAGE: "the extended key usage does not allow e-mail protection",
    ValidationStatus.POLICY: "no acceptable certificate policy",
    ValidationStatus.NAME_CONSTRAINTS: "a name violates the name constraints",
    ValidationStatus.UNKNOWN_CRITICAL_EXTENSION: "a certificate has an unknown critical extension",
    ValidationStatus.ALGORITHM: "an algorithm or key size is refused by policy",
    ValidationStatus.MALFORMED: "a certificate or CRL in the path is malformed",
    ValidationStatus.PATH_BUILDING_LIMIT: "path building gave up at its work limit",
}


class KeyPurpose(enum.Enum):
    """What the end-entity certificate is validated for (RFC 8550 section 4.4)."""

    #: no S/MIME key usage rules: plain RFC 5280 validation
    ANY = "any"
    #: signing (digitalSignature or nonRepudiation; EKU emailProtection when present)
    SIGN = "sign"
    #: encryption (keyEncipherment or keyAgreement; EKU emailProtection when present)
    ENCRYPT = "encrypt"


class RevocationMode(enum.Enum):
    """What to do when revocation status cannot be determined (explicit policy)."""

    #: no revocation checking at all (reported as not checked)
    OFF = "off"
    #: unknown status is reported but the path stays valid (the default for mail)
    SOFT_FAIL = "soft-fail"
    #: unknown status makes the path invalid (REVOCATION_STATUS_UNKNOWN)
    HARD_FAIL = "hard-fail"


class CRLReason(enum.IntEnum):
    """CRLReason (RFC 5280 section 5.3.1); value 7 is not used."""

    UNSPECIFIED = 0
    KEY_COMPROMISE = 1
    CA_COMPROMISE = 2
    AFFILIATION_CHANGED = 3
    SUPERSEDED = 4
    CESSATION_OF_OPERATION = 5
    CERTIFICATE_HOLD = 6
    REMOVE_FROM_CRL = 8
    PRIVILEGE_WITHDRAWN = 9
    AA_COMPROMISE = 10


class RevocationState(enum.Enum):
    """Revocation status of one certificate."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True, slots=True)
class RevocationSource:
    """One CRL or OCSP response that was consulted, and what came of it.

    :ivar kind: ``"crl"``, ``"delta-crl"`` or ``"ocsp"``.
    :ivar origin: where it came from: ``"message"``, ``"store"``, ``"caller"`` or
        ``"fetched"`` (through a :class:`RevocationFetcher`).
    :ivar issuer: RFC 4514 string of the CRL issuer or OCSP responder.
    :ivar this_update: thisUpdate (``None`` if not parsed).
    :ivar next_update: nextUpdate, ``None`` when absent.
    :ivar number: the cRLNumber, ``None`` for OCSP or when absent.
    :ivar used: the source was valid and in scope, and contributed to the outcome.
    :ivar problem: why it was not used (bad signature, out of scope, stale, ...).
    :ivar signature_algorithm: the name of the algorithm it is signed with, when known.
    :ivar weak_signature: that algorithm is weak (SHA-1: accepted only by policy).
    """

    kind: str
    origin: str
    issuer: str
    this_update: datetime.datetime | None = None
    next_update: datetime.datetime | None = None
    number: int | None = None
    used: bool = False
    problem: str | None = None
    signature_algorithm: str | None = None
    weak_signature: bool = False


@dataclass(frozen=True, slots=True)
class RevocationOutcome:
    """The revocation status of one certificate (RFC 5280 6.1.3 (a)(3), RFC 6960).

    :ivar state: good, revoked, unknown or not checked.
    :ivar reason: the CRL reason code when revoked (``UNSPECIFIED`` when none given).
    :ivar revocation_date: when it was revoked.
    :ivar invalidity_date: the invalidityDate entry extension, when given.
    :ivar sources: every CRL and OCSP response consulted.
    :ivar detail: human-readable explanation (why unknown, which CRL revoked it).
    :ivar failure: when ``state`` is UNKNOWN because of a specific validation failure
        (e.g. the CRL issuer's keyUsage lacks cRLSign, RFC 5280 6.3.3 (f): KEY_USAGE),
        the status a hard-failing validator reports instead of REVOCATION_STATUS_UNKNOWN.
    """

    state: RevocationState
    reason: CRLReason | None = None
    revocation_date: datetime.datetime | None = None
    invalidity_date: datetime.datetime | None = None
    sources: tuple[RevocationSource, ...] = ()
    detail: str | None = None
    failure: ValidationStatus | None = None


class RevocationChecker(Protocol):
    """Asks for the revocation status of one certificate of a path being validated.

    The validator calls :meth:`check` for every certificate of the path except the
    trust anchor, after the certificate's signature and validity were checked.
    """

    def check(
        self,
        cert: Certificate,
        issuer: Certificate,
        *,
        path: Sequence[Certificate],
        at: datetime.datetime,
    ) -> RevocationOutcome:
        """Status of ``cert``, issued by ``issuer``; ``path`` is the path being validated,
        trust anchor first, ending with ``cert``; ``at`` the validation time."""
        ...


class RevocationFetcher(Protocol):
    """An application's own way to fetch revocation data (never used unless given).

    Either method may return nothing; errors it raises are reported as problems of
    the fetch, never propagated.
    """

    def fetch_crls(self, cert: Certificate, issuer: Certificate) -> Sequence[bytes]:
        """DER or PEM CRLs for ``cert`` (e.g. from its CRL distribution points)."""
        ...

    def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes | None:
        """A DER OCSPResponse for the DER OCSPRequest ``request``, or ``None``."""
        ...


class TimeSource(enum.Enum):
    """Where the validation time came from (reported with every result)."""

    #: the current time (the default)
    NOW = "now"
    #: a time the caller gave explicitly
    CALLER = "caller"
    #: the signer's claimed signing time: only when the caller asked for it explicitly
    SIGNING_TIME = "signing-time"


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """How a certificate is validated; the defaults follow RFC 5280 and RFC 8550.

    :ivar settings: the four RFC 5280 policy inputs.
    :ivar revocation: soft-fail by default: no network, unknown status reported.
    :ivar algorithms: algorithm and key-size policy for certificate and CRL signatures.
    :ivar at_signing_time: validate signer certificates at the claimed signing time
        instead of now (only when asked; reported as :attr:`TimeSource.SIGNING_TIME`).
    :ivar allow_invalid_recipients: ``encrypt`` accepts recipient certificates that
        fail validation (the caller's explicit override).
    :ivar extended_key_usages: EKU purposes the end-entity certificate must allow when
        it has an EKU extension (anyExtendedKeyUsage always does); ``None`` means "as
        the purpose says" (emailProtection for SIGN and ENCRYPT, nothing for ANY).
    :ivar strict: enforce the RFC 5280 certificate-profile MUSTs that real-world mail
        certificates often break (AKI/SKI presence, serial number range, DER time
        forms, anchor basicConstraints and unknown critical extensions); when False they
        are reported as findings. The anchor's nameConstraints and pathLenConstraint
        always apply.
    :ivar max_chain_length: longest path tried, end entity and anchor included;
        self-issued intermediates (key rollover) are not counted, as for
        pathLenConstraint (RFC 5280 6.1.4 (l)), but no path is ever longer than twice
        this limit.
    :ivar max_candidates: most issuer candidates examined over one path search.
    :ivar max_paths: most complete candidate paths validated before giving up.
    :ivar max_revocation_age: revocation data (a CRL, a delta CRL or an OCSP response)
        whose thisUpdate is older than this at the validation time is not used, whatever
        its nextUpdate says; ``None``: only nextUpdate decides (RFC 5280 6.3.3 (a)(2),
        RFC 6960 4.2.2.1).
    :ivar require_next_update: refuse CRLs and OCSP responses without nextUpdate. By
        default they are used (RFC 5280 5.1.2.5 makes nextUpdate a MUST for CRL issuers,
        but a CRL or response without it never goes stale, so an old one can be
        replayed): each use is reported in :attr:`TrustResult.findings`, and
        ``max_revocation_age`` still limits their age.
    """

    settings: PolicySettings = field(default_factory=PolicySettings)
    revocation: RevocationMode = RevocationMode.SOFT_FAIL
    algorithms: Policy = DEFAULT_POLICY
    at_signing_time: bool = False
    allow_invalid_recipients: bool = False
    extended_key_usages: frozenset[str] | None = None
    strict: bool = False
    max_chain_length: int = 10
    max_candidates: int = 64
    max_paths: int = 16
    max_revocation_age: datetime.timedelta | None = None
    require_next_update: bool = False


@dataclass(frozen=True, slots=True)
class UserNotice:
    """A user notice to display for a valid path (RFC 5280 4.2.1.4, 6.1.3 (d), 6.1.6).

    For each policy of the user-constrained policy set, the notice comes from the
    certificate nearest the end entity that attached a userNotice qualifier to the
    policy (or to anyPolicy standing for it) on that policy's branch of the
    valid_policy_tree: an end entity's notice wins over its CA's (PKITS 4.8.16-4.8.18,
    4.10.12-4.10.14).

    :ivar policy: the policy OID the qualifier is attached to in that certificate
        (anyPolicy when the notice came with anyPolicy).
    :ivar explicit_text: the explicitText, if any (may exceed the 200 characters RFC
        5280 allows; a finding of the result says so).
    :ivar organization: the noticeRef organization, if any.
    :ivar notice_numbers: the noticeRef noticeNumbers.
    :ivar certificate: the certificate that carries the notice.
    """

    policy: str
    explicit_text: str | None
    organization: str | None
    notice_numbers: tuple[int, ...]
    certificate: Certificate

    @property
    def subject(self) -> str:
        """The RFC 4514 subject of the certificate that carries the notice."""
        return self.certificate.subject.rfc4514()


@dataclass(frozen=True, slots=True)
class TrustResult:
    """The outcome of validating one certificate against a trust store.

    :ivar status: :attr:`ValidationStatus.VALID` or the first reason it failed.
    :ivar reason: a human-readable explanation naming the certificate concerned.
    :ivar chain: the path found (or the best candidate), end entity first and trust
        anchor last; empty when none could be built.
    :ivar failing_certificate: the certificate the failure concerns, if any.
    :ivar revocation: one outcome per certificate of ``chain`` except the anchor, in
        the order of ``chain``.
    :ivar user_constrained_policy_set: the RFC 5280 6.1.6 output (OIDs; empty when the
        valid_policy_tree is NULL).
    :ivar validation_time: the time the path was validated at.
    :ivar time_source: where that time came from.
    :ivar purpose: what the end-entity certificate was validated for.
    :ivar findings: warnings that did not fail validation (soft-failed revocation,
        legacy algorithms allowed by policy, ...).
    :ivar user_notices: for a valid path, the user notices a relying party should
        display (RFC 5280 4.2.1.4): those of the policies that end in the
        user-constrained policy set, see :class:`UserNotice`.
    """

    status: ValidationStatus
    reason: str | None = None
    chain: tuple[Certificate, ...] = ()
    failing_certificate: Certificate | None = None
    revocation: tuple[RevocationOutcome, ...] = ()
    user_constrained_policy_set: frozenset[str] = frozenset()
    validation_time: datetime.datetime | None = None
    time_source: TimeSource = TimeSource.NOW
    purpose: KeyPurpose = KeyPurpose.ANY
    findings: tuple[str, ...] = ()
    user_notices: tuple[UserNotice, ...] = ()

    @property
    def trusted(self) -> bool:
        """The path is valid: :attr:`status` is :attr:`ValidationStatus.VALID`."""
        return self.status is ValidationStatus.VALID

    @property
    def revocation_sources(self) -> tuple[RevocationSource, ...]:
        """Every CRL and OCSP response consulted for any certificate of the chain."""
        return tuple(s for outcome in self.revocation for s in outcome.sources)
