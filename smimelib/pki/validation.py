"""Certification path validation, RFC 5280 section 6.1.

:func:`validate_path` runs the basic path validation algorithm on one given path
(trust anchor first, target last) and returns a :class:`TrustResult`; it never
searches for issuers (that is :mod:`smimelib.pki.pathbuild`). The steps follow the
RFC's numbering:

* 6.1.2 initialisation from :attr:`ValidationPolicy.settings`, narrowed by the trust
  anchor's own nameConstraints and pathLenConstraint (RFC 5937 section 3);
* 6.1.3 for every certificate: (a)(4) name chaining, (a)(1) the signature over the
  received TBSCertificate with the working public key (DSA parameters inherited per
  RFC 3279 2.3.2), (a)(2) validity, (a)(3) revocation through a
  :class:`RevocationChecker`, (b)-(c) name constraints, (d)-(f) the valid_policy_tree;
* 6.1.4 preparation of every CA certificate: policy mappings, names and keys, name
  constraints, policy and anyPolicy counters, basicConstraints, pathLenConstraint,
  keyCertSign, unknown critical extensions;
* 6.1.5 wrap-up, the 6.1.6 user-constrained policy set and its user notices.

Name chaining is tested before the signature (the RFC lists it last in 6.1.3 (a)),
so that a path whose names do not chain is reported as such rather than as a bad
signature. Around the RFC algorithm: the algorithm policy (MD5 always refused,
SHA-1 and short RSA keys per :attr:`ValidationPolicy.algorithms`), the RFC 5280
profile rules of :mod:`smimelib.pki.profile` (fatal under ``strict``, else
findings) and the RFC 8550 purpose of the end entity.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smimelib.crypto.algorithms import STRONG_RSA_BITS
from smimelib.crypto.keys import KeyType
from smimelib.crypto.signatures import resolve_signature
from smimelib.errors import (
    CertificateError,
    DecodeError,
    LimitExceeded,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki import profile
from smimelib.pki._policy_tree import PolicyTree
from smimelib.pki._revocation_verdict import judge_revocation, utc_text
from smimelib.pki._signed import refuse_broken_digest
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.name_constraints import NameConstraintState
from smimelib.pki.path_results import (
    ANY_POLICY,
    KeyPurpose,
    RevocationChecker,
    RevocationMode,
    RevocationOutcome,
    RevocationState,
    TimeSource,
    TrustResult,
    UserNotice,
    ValidationPolicy,
    ValidationStatus,
)

if TYPE_CHECKING:
    from smimelib.crypto.keys import PublicKey

__all__ = ["validate_path"]


class _Failed(Exception):
    """Internal: ends the algorithm with a status (never leaves this module)."""

    def __init__(self, status: ValidationStatus, reason: str, cert: Certificate | None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.cert = cert


def validate_path(
    path: Sequence[Certificate],
    *,
    at: datetime.datetime,
    policy: ValidationPolicy = ValidationPolicy(),  # noqa: B008 - frozen value
    purpose: KeyPurpose = KeyPurpose.ANY,
    revocation: RevocationChecker | None = None,
    time_source: TimeSource = TimeSource.NOW,
) -> TrustResult:
    """Validate ``path`` at time ``at`` (RFC 5280 section 6.1).

    :param path: trust anchor first, target last; a path of one certificate means the
        target is itself the trust anchor.
    :param at: the validation time (aware).
    :param policy: the four policy inputs (``policy.settings``), revocation mode,
        algorithm policy, strictness and limits.
    :param purpose: what the end entity is for (RFC 8550 4.4, :func:`profile.check_purpose`).
    :param revocation: asked for every certificate except the anchor, after its
        signature and validity were checked (``None``: nothing is checked, which a
        hard-fail policy treats as unknown status). Not called when the mode is OFF.
    :param time_source: where ``at`` came from (reported).
    :returns: a :class:`TrustResult`; ``chain`` is the path end entity first, and for
        a valid path ``user_constrained_policy_set`` is the 6.1.6 output.
    :raises UsageError: an empty path, a naive time, or something not a Certificate.
    """
    if not path:
        raise UsageError("validate_path needs at least one certificate (the trust anchor)")
    if at.tzinfo is None:
        raise UsageError("validate_path needs an aware datetime")
    for cert in path:
        if not isinstance(cert, Certificate):
            raise UsageError(f"the path holds a {type(cert).__name__}, not a Certificate")
    return _Validation(tuple(path), at, policy, purpose, revocation, time_source).run()


def _who(cert: Certificate) -> str:
    subject = cert.subject.rfc4514()
    return f"certificate {subject!r}" if subject else f"certificate with serial {cert.serial_hex}"


@dataclass(slots=True)
class _State:
    """The RFC 5280 6.1.2 state variables that change from certificate to certificate."""

    tree: PolicyTree | None
    names: NameConstraintState
    explicit_policy: int
    inhibit_any_policy: int
    policy_mapping: int
    max_path_length: int
    working_key: PublicKey | None


class _Validation:
    __slots__ = (
        "at",
        "findings",
        "n",
        "notices",
        "outcomes",
        "path",
        "policy",
        "purpose",
        "revocation",
        "time_source",
    )

    def __init__(
        self,
        path: tuple[Certificate, ...],
        at: datetime.datetime,
        policy: ValidationPolicy,
        purpose: KeyPurpose,
        revocation: RevocationChecker | None,
        time_source: TimeSource,
    ) -> None:
        self.path = path
        self.n = len(path) - 1
        self.at = at
        self.policy = policy
        self.purpose = purpose
        self.revocation = revocation
        self.time_source = time_source
        self.findings: list[str] = []
        self.outcomes: dict[int, RevocationOutcome] = {}
        self.notices: tuple[UserNotice, ...] = ()

    # -- the result -----------------------------------------------------------------------
    def _result(
        self,
        status: ValidationStatus,
        reason: str | None,
        cert: Certificate | None,
        policies: frozenset[str] = frozenset(),
    ) -> TrustResult:
        not_reached = RevocationOutcome(
            RevocationState.NOT_CHECKED, detail="not reached: validation stopped earlier"
        )
        outcomes = tuple(self.outcomes.get(i, not_reached) for i in range(self.n, 0, -1))
        return TrustResult(
            status=status,
            reason=reason,
            chain=tuple(reversed(self.path)),
            failing_certificate=cert,
            revocation=outcomes,
            user_constrained_policy_set=policies,
            validation_time=self.at,
            time_source=self.time_source,
            purpose=self.purpose,
            findings=tuple(dict.fromkeys(self.findings)),
            user_notices=self.notices if status is ValidationStatus.VALID else (),
        )

    def run(self) -> TrustResult:
        try:
            policies = self._run()
        except _Failed as failure:
            return self._result(failure.status, failure.reason, failure.cert)
        target = self.path[-1]
        reason = f"{_who(target)}: the path to the trust anchor is valid (RFC 5280 6.1)"
        return self._result(ValidationStatus.VALID, reason, None, policies)

    # -- 6.1.2 to 6.1.6 -------------------------------------------------------------------
    def _run(self) -> frozenset[str]:
        path, n, settings = self.path, self.n, self.policy.settings
        # As for pathLenConstraint (6.1.4 (l)), self-issued intermediates (key rollover)
        # do not count, but no path may hold more than twice the limit.
        limit = self.policy.max_chain_length
        logical = 2 + sum(1 for c in path[1:-1] if not c.is_self_issued) if n else 1
        if logical > limit or len(path) > 2 * limit:
            raise _Failed(
                ValidationStatus.PATH_BUILDING_LIMIT,
                f"the path has {len(path)} certificates, more than the policy's"
                f" max_chain_length of {limit}",
                path[-1],
            )
        anchor = path[0]
        self._profile(anchor, 0)
        self._validity(anchor)
        state = _State(
            tree=PolicyTree.initial(),
            names=NameConstraintState(),
            explicit_policy=0 if settings.initial_explicit_policy else n + 1,
            inhibit_any_policy=0 if settings.initial_inhibit_any_policy else n + 1,
            policy_mapping=0 if settings.initial_policy_mapping_inhibit else n + 1,
            max_path_length=n,
            working_key=None,
        )
        if n == 0:
            self._purpose(anchor)
            return settings.initial_policy_set
        state.working_key = self._load_key(anchor, None)
        self._anchor_constraints(anchor, state)
        for i in range(1, n + 1):
            cert = path[i]
            try:
                self._basic(i, cert, state)
                if i < n:
                    self._prepare(i, cert, state)
                else:
                    self._wrap_up(cert, state)
            except DecodeError as exc:
                raise _Failed(
                    ValidationStatus.MALFORMED,
                    f"{_who(cert)}: an extension cannot be decoded ({exc})",
                    cert,
                ) from None
        self._purpose(path[-1])
        tree = state.tree
        if tree is None:
            return frozenset()
        self.notices, found = tree.user_notices(path)  # RFC 5280 4.2.1.4
        self.findings.extend(found)
        return tree.user_constrained_policy_set()

    def _anchor_constraints(self, anchor: Certificate, state: _State) -> None:
        # The anchor's own name constraints and path length bind the path (RFC 5937
        # section 3 allows it; OpenSSL and browsers do the same): a caller who trusts a
        # name-constrained root trusts it only within those names. Its unknown critical
        # extensions are judged only under a strict policy.
        try:
            state.names = state.names.updated(anchor.name_constraints)
            bc = anchor.basic_constraints
        except DecodeError as exc:
            raise _Failed(
                ValidationStatus.MALFORMED,
                f"{_who(anchor)}: an extension cannot be decoded ({exc})",
                anchor,
            ) from None
        if bc is not None and bc.path_length is not None:
            state.max_path_length = min(state.max_path_length, bc.path_length)
        if self.policy.strict:
            self._critical(anchor, "4.2")

    def _basic(self, i: int, cert: Certificate, state: _State) -> None:
        """RFC 5280 6.1.3 for certificate i."""
        issuer = self.path[i - 1]
        self._profile(cert, i)
        # (a)(4) name chaining
        if not cert.issuer.matches(issuer.subject):
            raise _Failed(
                ValidationStatus.NAME_CHAINING,
                f"{_who(cert)}: issuer name {cert.issuer.rfc4514()!r} does not match the"
                f" subject {issuer.subject.rfc4514()!r} of the previous certificate"
                " (RFC 5280 6.1.3 (a)(4))",
                cert,
            )
        # (a)(1) signature, (a)(2) validity, (a)(3) revocation
        assert state.working_key is not None
        self._signature(cert, state.working_key)
        self._validity(cert)
        self._revocation(i, cert, issuer)
        # (b), (c) name constraints (self-issued intermediates are exempt)
        if i == self.n or not cert.is_self_issued:
            violation = state.names.check(
                cert.subject, cert.subject_alt_names, strict=self.policy.strict
            )
            if violation is not None:
                raise _Failed(
                    ValidationStatus.NAME_CONSTRAINTS,
                    f"{_who(cert)}: {violation.reason} (RFC 5280 6.1.3 (b), (c))",
                    cert,
                )
        # (d), (e) certificate policies
        policies = cert.certificate_policies
        if state.tree is not None:
            if policies is None:
                state.tree = None
            else:
                any_allowed = state.inhibit_any_policy > 0 or (i < self.n and cert.is_self_issued)
                try:
                    alive = state.tree.add_certificate_policies(
                        i,
                        (p.policy_id for p in policies),
                        any_policy_allowed=any_allowed,
                        qualifiers={p.policy_id: p.qualifiers for p in policies if p.qualifiers},
                    )
                except LimitExceeded as exc:
                    raise _Failed(ValidationStatus.POLICY, f"{_who(cert)}: {exc}", cert) from None
                if not alive:
                    state.tree = None
        # (f)
        if state.explicit_policy <= 0 and state.tree is None:
            raise _Failed(
                ValidationStatus.POLICY,
                f"{_who(cert)}: no acceptable certificate policy remains while an explicit"
                " policy is required (RFC 5280 6.1.3 (f))",
                cert,
            )

    def _prepare(self, i: int, cert: Certificate, state: _State) -> None:
        """RFC 5280 6.1.4 for CA certificate i."""
        who = _who(cert)
        # (a), (b) policy mappings
        mappings = cert.policy_mappings
        if mappings is not None:
            table: dict[str, set[str]] = {}
            for m in mappings:
                if ANY_POLICY in (m.issuer_domain_policy, m.subject_domain_policy):
                    raise _Failed(
                        ValidationStatus.POLICY,
                        f"{who}: policyMappings maps to or from anyPolicy (RFC 5280 6.1.4 (a))",
                        cert,
                    )
                table.setdefault(m.issuer_domain_policy, set()).add(m.subject_domain_policy)
            if state.tree is not None:
                frozen = {k: frozenset(v) for k, v in table.items()}
                try:
                    alive = state.tree.apply_mappings(
                        i, frozen, mapping_allowed=state.policy_mapping > 0
                    )
                except LimitExceeded as exc:
                    raise _Failed(ValidationStatus.POLICY, f"{who}: {exc}", cert) from None
                if not alive:
                    state.tree = None
        # (c)-(f) working issuer name and key
        state.working_key = self._load_key(cert, state.working_key)
        # (g) name constraints
        state.names = state.names.updated(cert.name_constraints)
        # (h) counters
        self_issued = cert.is_self_issued
        if not self_issued:
            state.explicit_policy = max(state.explicit_policy - 1, 0)
            state.policy_mapping = max(state.policy_mapping - 1, 0)
            state.inhibit_any_policy = max(state.inhibit_any_policy - 1, 0)
        # (i), (j)
        pc = cert.policy_constraints
        if pc is not None:
            if pc.require_explicit_policy is not None:
                state.explicit_policy = min(state.explicit_policy, pc.require_explicit_policy)
            if pc.inhibit_policy_mapping is not None:
                state.policy_mapping = min(state.policy_mapping, pc.inhibit_policy_mapping)
        inhibit = cert.inhibit_any_policy
        if inhibit is not None:
            state.inhibit_any_policy = min(state.inhibit_any_policy, inhibit)
        # (k) basicConstraints
        bc = cert.basic_constraints
        if cert.version < 3:
            raise _Failed(
                ValidationStatus.NOT_CA,
                f"{who}: a version {cert.version} certificate cannot be shown to be a CA"
                " (RFC 5280 6.1.4 (k))",
                cert,
            )
        if bc is None or not bc.ca:
            raise _Failed(
                ValidationStatus.NOT_CA,
                f"{who}: issues a certificate but basicConstraints cA is not TRUE"
                " (RFC 5280 6.1.4 (k))",
                cert,
            )
        # (l), (m) path length
        if not self_issued:
            if state.max_path_length <= 0:
                raise _Failed(
                    ValidationStatus.PATH_LENGTH,
                    f"{who}: a pathLenConstraint above it allows no further CA certificate"
                    " (RFC 5280 6.1.4 (l))",
                    cert,
                )
            state.max_path_length -= 1
        if bc.path_length is not None:
            state.max_path_length = min(state.max_path_length, bc.path_length)
        # (n) keyCertSign
        usages = cert.key_usage
        if usages is not None and KeyUsage.KEY_CERT_SIGN not in usages:
            raise _Failed(
                ValidationStatus.KEY_USAGE,
                f"{who}: keyUsage does not assert keyCertSign (RFC 5280 6.1.4 (n))",
                cert,
            )
        # (o) unknown critical extensions
        self._critical(cert, "6.1.4 (o)")

    def _wrap_up(self, cert: Certificate, state: _State) -> None:
        """RFC 5280 6.1.5 for the target certificate n."""
        # (a), (b)
        if state.explicit_policy > 0:
            state.explicit_policy -= 1
        pc = cert.policy_constraints
        if pc is not None and pc.require_explicit_policy == 0:
            state.explicit_policy = 0
        # (f)
        self._critical(cert, "6.1.5 (f)")
        # (g) intersection with the user-initial-policy-set
        if state.tree is not None:
            try:
                alive = state.tree.intersect(self.policy.settings.initial_policy_set)
            except LimitExceeded as exc:
                raise _Failed(ValidationStatus.POLICY, f"{_who(cert)}: {exc}", cert) from None
            if not alive:
                state.tree = None
        if state.explicit_policy <= 0 and state.tree is None:
            raise _Failed(
                ValidationStatus.POLICY,
                f"{_who(cert)}: no certificate policy of the path is acceptable to the"
                " user-initial-policy-set while an explicit policy is required"
                " (RFC 5280 6.1.5 (g))",
                cert,
            )

    # -- single checks --------------------------------------------------------------------
    def _critical(self, cert: Certificate, step: str) -> None:
        unknown = cert.unhandled_critical_extensions
        if unknown:
            raise _Failed(
                ValidationStatus.UNKNOWN_CRITICAL_EXTENSION,
                f"{_who(cert)}: unrecognised critical extension {', '.join(unknown)}"
                f" (RFC 5280 {step})",
                cert,
            )

    def _profile(self, cert: Certificate, index: int) -> None:
        is_anchor = index == 0
        problems = profile.profile_problems(
            cert, is_anchor=is_anchor, is_ca=index < self.n, is_leaf=index == self.n
        )
        for status, reason in problems:
            fatal = self.policy.strict or (
                status is ValidationStatus.MALFORMED and "more than once" in reason
            )
            if is_anchor and not self.policy.strict and not fatal:
                continue  # a trust anchor is the caller's choice; its profile is not judged
            if fatal:
                raise _Failed(status, reason, cert)
            self.findings.append(reason)

    def _purpose(self, cert: Certificate) -> None:
        problem = profile.check_purpose(cert, self.purpose, self.policy.extended_key_usages)
        if problem is not None:
            raise _Failed(problem[0], problem[1], cert)

    def _validity(self, cert: Certificate) -> None:
        # Validity times have a granularity of one second (RFC 5280 4.1.2.5): compare at
        # that granularity, as the CA/Browser Forum reads it.
        at = self.at.replace(microsecond=0)
        if at < cert.not_before:
            raise _Failed(
                ValidationStatus.NOT_YET_VALID,
                f"{_who(cert)}: not valid before {utc_text(cert.not_before)}, the validation time"
                f" is {utc_text(self.at)} (RFC 5280 6.1.3 (a)(2))",
                cert,
            )
        if at > cert.not_after:
            raise _Failed(
                ValidationStatus.EXPIRED,
                f"{_who(cert)}: expired at {utc_text(cert.not_after)}, the validation time is"
                f" {utc_text(self.at)} (RFC 5280 6.1.3 (a)(2))",
                cert,
            )

    def _load_key(self, cert: Certificate, working: PublicKey | None) -> PublicKey:
        # RFC 5280 6.1.4 (d)-(f): DSA parameters absent from the SPKI are those of the
        # working public key (RFC 3279 section 2.3.2).
        try:
            if cert.has_inherited_dsa_parameters:
                if working is None:
                    raise CertificateError("a trust anchor's DSA key has no parameters")
                return cert.public_key_with_params(working)
            return cert.public_key
        except UnsupportedAlgorithm as exc:
            raise _Failed(
                ValidationStatus.ALGORITHM, f"{_who(cert)}: public key not usable ({exc})", cert
            ) from None
        except SmimeError as exc:
            raise _Failed(
                ValidationStatus.MALFORMED, f"{_who(cert)}: public key not usable ({exc})", cert
            ) from None

    def _signature(self, cert: Certificate, key: PublicKey) -> None:
        who = _who(cert)
        try:
            scheme = resolve_signature(cert.signature_algorithm)
        except SmimeError as exc:
            raise _Failed(
                ValidationStatus.ALGORITHM, f"{who}: signature algorithm refused ({exc})", cert
            ) from None
        try:
            refuse_broken_digest(cert.signature_algorithm)
        except PolicyError:
            raise _Failed(
                ValidationStatus.ALGORITHM,
                f"{who}: signed with {scheme.name}, which is never accepted (RFC 6151)",
                cert,
            ) from None
        try:
            cert.verify_signature(key, policy=self.policy.algorithms)
        except (PolicyError, UnsupportedAlgorithm) as exc:
            raise _Failed(
                ValidationStatus.ALGORITHM,
                f"{who}: signature refused by the algorithm policy ({exc})",
                cert,
            ) from None
        except SmimeError as exc:
            raise _Failed(
                ValidationStatus.INVALID_SIGNATURE,
                f"{who}: the signature does not verify with the issuer's key ({exc})"
                " (RFC 5280 6.1.3 (a)(1))",
                cert,
            ) from None
        if scheme.weak:
            self.findings.append(f"{who}: signed with {scheme.name}, accepted by the policy")
        if key.type is KeyType.RSA and key.size_bits < STRONG_RSA_BITS:
            self.findings.append(
                f"{who}: signed with an RSA key of {key.size_bits} bits, accepted by the policy"
                " (RFC 8551 section 4.1)"
            )

    def _revocation(self, i: int, cert: Certificate, issuer: Certificate) -> None:
        mode = self.policy.revocation
        if mode is RevocationMode.OFF:
            self.outcomes[i] = RevocationOutcome(
                RevocationState.NOT_CHECKED, detail="revocation checking is off"
            )
            return
        if self.revocation is None:
            outcome = RevocationOutcome(
                RevocationState.NOT_CHECKED, detail="no revocation checker was given"
            )
        else:
            try:
                outcome = self.revocation.check(cert, issuer, path=self.path[: i + 1], at=self.at)
            except SmimeError as exc:
                outcome = RevocationOutcome(
                    RevocationState.UNKNOWN, detail=f"revocation check failed: {exc}"
                )
        self.outcomes[i] = outcome
        findings, failure = judge_revocation(
            outcome,
            _who(cert),
            mode=mode,
            age_limited=self.policy.max_revocation_age is not None,
        )
        self.findings.extend(findings)
        if failure is not None:
            raise _Failed(failure[0], failure[1], cert)
