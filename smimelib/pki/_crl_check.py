"""CRL processing for one certificate: the algorithm of RFC 5280 section 6.3.3.

Used by :class:`smimelib.pki.revocation.StandardRevocationChecker`. Given the
certificate, its issuer, the path being validated and every CRL at hand, this walks the
certificate's distribution points (or the implicit one of its issuer), checks each
complete CRL's issuer and scope (6.3.3 (b)), accumulates the reasons mask (c, d, k),
finds and validates the CRL signer (e, f), applies a matching delta CRL (g, h) and the
complete CRL (i, j), and says REVOKED, GOOD or UNKNOWN with every CRL it looked at.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.signatures import resolve_signature
from smimelib.errors import PolicyError, SmimeError, UnsupportedAlgorithm
from smimelib.pki._signed import refuse_broken_digest
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList, IssuingDistributionPoint, RevokedEntry
from smimelib.pki.extensions import DistributionPoint, KeyUsage
from smimelib.pki.general_names import GeneralName, GeneralNameKind
from smimelib.pki.names import RDN, Name
from smimelib.pki.path_extensions import ReasonFlag
from smimelib.pki.path_results import (
    CRLReason,
    RevocationSource,
    RevocationState,
    TrustResult,
    ValidationStatus,
)

if TYPE_CHECKING:
    from smimelib.crypto.keys import PublicKey

__all__ = [
    "ALL_REASONS",
    "CRLContext",
    "CRLVerdict",
    "SignerValidator",
    "check_crls",
    "freshness_problem",
]

#: all-reasons of RFC 5280 6.3.2 (b): every reason flag except "unused"
ALL_REASONS = frozenset(r for r in ReasonFlag if r is not ReasonFlag.UNUSED)

#: most CRL signer candidates examined for one CRL (hostile pools stay cheap)
_MAX_SIGNER_CANDIDATES = 16
#: most distribution points of one certificate, and most CRLs, looked at for one check
_MAX_DISTRIBUTION_POINTS = 16
_MAX_CRLS = 64

#: (candidate CRL/OCSP signer certificate, path of the certificate being checked -- trust
#: anchor first --, time) -> the result of validating that signer to the same anchor
#: ``path[0]``, revocation included (the trust store supplies it and bounds recursion);
#: re-exported by :mod:`smimelib.pki.revocation`
SignerValidator = Callable[[Certificate, Sequence[Certificate], datetime.datetime], TrustResult]


@dataclass
class _Signer:
    cert: Certificate | None
    problem: str | None = None
    failure: ValidationStatus | None = None


@dataclass
class CRLContext:
    """What CRL processing needs besides the CRLs: the signer pool and policies."""

    pool: Sequence[Certificate]
    validate_signer: SignerValidator | None
    algorithms: Policy
    #: CRLs whose thisUpdate is older than this at the validation time are not used
    max_crl_age: datetime.timedelta | None = None
    #: CRLs and OCSP responses without nextUpdate are not used
    require_next_update: bool = False
    #: memo of validate_signer results: (signer DER, anchor DER, time) -> status, reason
    signer_memo: dict[tuple[bytes, bytes, datetime.datetime], tuple[bool, str]] = field(
        default_factory=dict
    )
    #: memo of CRL signers: (CRL DER, issuer DER, path DERs, time) -> signer or problem
    crl_signers: dict[tuple[bytes, bytes, tuple[bytes, ...], datetime.datetime], _Signer] = field(
        default_factory=dict
    )


@dataclass
class CRLVerdict:
    """The outcome of CRL processing for one certificate."""

    state: RevocationState
    entry: RevokedEntry | None = None
    sources: list[RevocationSource] = field(default_factory=list)
    detail: str | None = None
    #: a specific validation failure that made the status unknown (cRLSign -> KEY_USAGE)
    failure: ValidationStatus | None = None


@dataclass
class _Source:
    crl: CertificateList
    origin: str
    used: bool = False
    problem: str | None = None

    def refuse(self, problem: str) -> None:
        if self.problem is None and not self.used:
            self.problem = problem

    def to_source(self) -> RevocationSource:
        algorithm, weak = describe_signature(self.crl.signature_algorithm)
        return RevocationSource(
            kind="delta-crl" if self.crl.is_delta else "crl",
            origin=self.origin,
            issuer=self.crl.issuer.rfc4514(),
            this_update=self.crl.this_update,
            next_update=self.crl.next_update,
            number=self.crl.crl_number,
            used=self.used,
            problem=None if self.used else self.problem,
            signature_algorithm=algorithm,
            weak_signature=weak,
        )


def describe_signature(algorithm: AlgorithmIdentifier | None) -> tuple[str | None, bool]:
    """The name of a CRL's or OCSP response's signature algorithm, and whether it is weak
    (a weak one was accepted by policy, and the validator reports it)."""
    if algorithm is None:
        return None, False
    try:
        scheme = resolve_signature(algorithm)
    except SmimeError:
        return algorithm.oid, False
    return scheme.name, scheme.weak


# -- names ------------------------------------------------------------------------------------


def _name_matches(a: GeneralName, b: GeneralName) -> bool:
    if a.kind is not b.kind:
        return False
    if isinstance(a.value, Name) and isinstance(b.value, Name):
        return a.value.matches(b.value)
    return a.value == b.value


def _any_match(left: Sequence[GeneralName], right: Sequence[GeneralName]) -> bool:
    # Both sides come from one certificate and one CRL: small, but cap the product anyway.
    return any(_name_matches(a, b) for a in left[:64] for b in right[:64])


def _directory_names(names: Sequence[GeneralName] | None) -> list[Name]:
    return [n.value for n in names or () if isinstance(n.value, Name)]


def _append_rdn(base: Name, dp_rdn: RDN) -> GeneralName:
    return GeneralName(GeneralNameKind.DIRECTORY_NAME, Name((*base.rdns, dp_rdn)))


def _idp_names(idp: IssuingDistributionPoint, crl: CertificateList) -> list[GeneralName]:
    if idp.full_name is not None:
        return list(idp.full_name)
    if idp.relative_name is not None:
        # RFC 5280 5.2.5: the fragment is appended to the CRL issuer's name
        return [_append_rdn(crl.issuer, idp.relative_name)]
    return []


def _dp_names(dp: DistributionPoint, cert: Certificate) -> list[GeneralName]:
    if dp.full_name is not None:
        return list(dp.full_name)
    if dp.relative_name is not None:
        # RFC 5280 4.2.1.13: appended to the cRLIssuer's name, else the certificate issuer's
        bases = _directory_names(dp.crl_issuer) or [cert.issuer]
        return [_append_rdn(b, dp.relative_name) for b in bases]
    return []


# -- scope (6.3.3 (b)) ------------------------------------------------------------------------


def _scope_problem(crl: CertificateList, dp: DistributionPoint, cert: Certificate) -> str | None:
    """Why ``crl`` does not cover ``cert`` through ``dp`` (6.3.3 (b)), or None."""
    idp = crl.issuing_distribution_point
    if dp.crl_issuer is not None:
        if not any(n.matches(crl.issuer) for n in _directory_names(dp.crl_issuer)):
            return "the CRL issuer is not the cRLIssuer of the distribution point (6.3.3 (b)(1))"
        if not crl.is_indirect:
            return (
                "the distribution point names a cRLIssuer; the CRL is not indirect (6.3.3 (b)(1))"
            )
    elif not crl.issuer.matches(cert.issuer):
        return "the CRL issuer is not the certificate issuer (6.3.3 (b)(1))"
    if idp is None:
        return None
    if idp.has_name:
        idp_names = _idp_names(idp, crl)
        if dp.full_name is not None or dp.relative_name is not None:
            cert_names = _dp_names(dp, cert)
        elif dp.crl_issuer is not None:
            cert_names = list(dp.crl_issuer)
        else:
            # No distribution point in the certificate: the CRL is in scope only when its
            # distribution point names the issuer itself.
            cert_names = [GeneralName.directory(cert.issuer)]
        if not _any_match(idp_names, cert_names):
            return "the CRL's issuing distribution point does not match (6.3.3 (b)(2)(i))"
    is_ca = cert.is_ca
    if idp.only_contains_user_certs and is_ca:
        return "the CRL covers only end-entity certificates (6.3.3 (b)(2)(ii))"
    if idp.only_contains_ca_certs and not is_ca:
        return "the CRL covers only CA certificates (6.3.3 (b)(2)(iii))"
    if idp.only_contains_attribute_certs:
        return "the CRL covers only attribute certificates (6.3.3 (b)(2)(iv))"
    return None


def _interim_reasons(crl: CertificateList, dp: DistributionPoint) -> frozenset[ReasonFlag]:
    """6.3.3 (c): the reasons this CRL covers through this distribution point."""
    idp = crl.issuing_distribution_point
    mask = ALL_REASONS
    if idp is not None and idp.only_some_reasons is not None:
        mask = mask & idp.only_some_reasons
    if dp.reasons is not None:
        mask = mask & dp.reasons
    return mask


def _structural_problem(crl: CertificateList) -> str | None:
    """Defects that make a CRL unusable whatever the time (RFC 5280 5.2.3)."""
    number = crl.extension("2.5.29.20")
    if number is None:
        return "the CRL has no cRLNumber (RFC 5280 5.2.3)"
    if number.critical:
        return "the CRL's cRLNumber is marked critical (RFC 5280 5.2.3)"
    return None


def _stale_problem(crl: CertificateList, at: datetime.datetime, ctx: CRLContext) -> str | None:
    """6.3.3 (a): a CRL whose nextUpdate has passed is not current; nor, by the caller's
    policy, one older than the maximum age or one without nextUpdate."""
    if crl.next_update is not None and crl.next_update < at:
        return f"the CRL is stale: nextUpdate {_utc(crl.next_update)} has passed"
    what = "delta CRL" if crl.is_delta else "CRL"
    return freshness_problem(
        what, crl.this_update, crl.next_update, at, ctx.max_crl_age, ctx.require_next_update
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _limit_text(limit: datetime.timedelta) -> str:
    seconds = int(limit.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}-day"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}-hour"
    if seconds % 60 == 0:
        return f"{seconds // 60}-minute"
    return f"{limit.total_seconds():g}-second"


def freshness_problem(
    what: str,
    this_update: datetime.datetime,
    next_update: datetime.datetime | None,
    at: datetime.datetime,
    max_age: datetime.timedelta | None,
    require_next_update: bool,
) -> str | None:
    """Why revocation data is too old for the caller's policy, or None (RFC 5280 6.3.3
    (a)(2), RFC 6960 4.2.2.1): older than ``max_age`` at ``at`` whatever its nextUpdate,
    or without nextUpdate when ``require_next_update``. (A passed nextUpdate is the
    caller's own check: its wording differs between CRLs and OCSP.)"""
    if max_age is not None and at - this_update > max_age:
        return (
            f"the {what} is too old: thisUpdate {_utc(this_update)} is older than the"
            f" {_limit_text(max_age)} limit (maximum age of revocation data)"
        )
    if next_update is None and require_next_update:
        return (
            f"the {what} has no nextUpdate, and the policy requires one"
            " (RFC 5280 5.1.2.5, RFC 6960 4.2.2.1)"
        )
    return None


# -- signer (6.3.3 (e), (f)) ------------------------------------------------------------------


def _key_for(cert: Certificate, path: Sequence[Certificate]) -> PublicKey:
    """The public key of ``cert``, completing inherited DSA parameters along ``path``."""
    if not cert.has_inherited_dsa_parameters:
        return cert.public_key
    for i in range(len(path) - 1, 0, -1):
        if path[i] == cert:
            issuer_key = _key_for(path[i - 1], path[:i])
            return cert.public_key_with_params(issuer_key)
    return cert.public_key


def _find_signer(
    crl: CertificateList,
    exclude: Certificate | None,
    issuer: Certificate,
    path: Sequence[Certificate],
    at: datetime.datetime,
    ctx: CRLContext,
) -> _Signer:
    """The certificate whose key signed ``crl`` and may sign CRLs (6.3.3 (e), (f));
    never ``exclude`` (the end entity being checked, on the direct-CRL route)."""
    seen: set[bytes] = set() if exclude is None else {exclude.der}
    candidates: list[Certificate] = []
    for cand in (issuer, *reversed(path), *ctx.pool):
        if cand.der in seen or not cand.subject.matches(crl.issuer):
            continue
        seen.add(cand.der)
        candidates.append(cand)
        if len(candidates) >= _MAX_SIGNER_CANDIDATES:
            break
    aki = crl.authority_key_identifier
    key_id = aki.key_identifier if aki is not None else None
    problem = "no certificate of the CRL issuer was found"
    failure: ValidationStatus | None = None
    for cand in candidates:
        try:
            ski = cand.subject_key_identifier
            ku = cand.key_usage
        except SmimeError:
            continue  # a pool certificate with malformed extensions signs nothing here
        if key_id is not None and ski is not None and ski != key_id:
            continue
        try:
            refuse_broken_digest(crl.signature_algorithm)
            key = _key_for(cand, path)
            crl.verify_signature(key, policy=ctx.algorithms)
        except (PolicyError, UnsupportedAlgorithm) as exc:
            problem = f"the CRL signature algorithm is refused: {exc.message}"
            failure = ValidationStatus.ALGORITHM
            continue
        except SmimeError:
            problem = "the CRL signature does not verify with any certificate of its issuer"
            continue
        if ku is not None and KeyUsage.CRL_SIGN not in ku:
            return _Signer(
                None,
                "the CRL issuer's keyUsage lacks cRLSign (RFC 5280 6.3.3 (f), 4.2.1.3)",
                ValidationStatus.KEY_USAGE,
            )
        if cand in path:
            # Certificates of the path are validated by the path validation itself.
            return _Signer(cand)
        if ku is None and not (
            cand.issuer.matches(issuer.subject) or cand.issuer.matches(issuer.issuer)
        ):
            # RFC 5280 4.2.1.3: a certificate whose key verifies CRLs MUST carry keyUsage
            # with cRLSign. Without it, accept only a signer certified by the issuer or by
            # the issuer's own CA (PKITS 4.4.19): otherwise an end entity that any other
            # CA under the anchor named like the issuer could clear a revoked certificate.
            problem = (
                "the CRL signer off the path has no keyUsage asserting cRLSign and was not"
                " certified by the issuer or its CA (RFC 5280 4.2.1.3, 6.3.3 (f))"
            )
            continue
        verdict = _validate_signer(cand, path, at, ctx)
        if verdict is not None:
            problem = verdict
            continue
        return _Signer(cand)
    return _Signer(None, problem, failure)


def _validate_signer(
    cand: Certificate, path: Sequence[Certificate], at: datetime.datetime, ctx: CRLContext
) -> str | None:
    """None when ``cand`` validates to the path's anchor, else why not (6.3.3 (f))."""
    if ctx.validate_signer is None:
        return "the CRL signer is not on the path and no signer validator was given"
    reason = signer_problem(cand, path, at, ctx)
    if reason is None:
        return None
    return f"the CRL signer {cand.subject.rfc4514()!r} does not validate: {reason}"


def signer_problem(
    cand: Certificate, path: Sequence[Certificate], at: datetime.datetime, ctx: CRLContext
) -> str | None:
    """Why ``cand`` (a CRL signer or OCSP responder off the path) does not validate to
    the path's anchor, or None when it does; asked once per signer, anchor and time."""
    if ctx.validate_signer is None:
        return "no signer validator was given"
    key = (cand.der, path[0].der, at)
    memo = ctx.signer_memo.get(key)
    if memo is None:
        try:
            result = ctx.validate_signer(cand, path, at)
            memo = (result.status is ValidationStatus.VALID, result.reason or result.status.value)
        except SmimeError as exc:
            memo = (False, exc.message)
        ctx.signer_memo[key] = memo
    return None if memo[0] else memo[1]


# -- delta CRLs (6.3.3 (g)) -------------------------------------------------------------------


def _delta_for(
    base: CertificateList,
    signer: Certificate,
    deltas: Sequence[_Source],
    path: Sequence[Certificate],
    at: datetime.datetime,
    ctx: CRLContext,
) -> _Source | None:
    """The newest usable delta CRL for the complete CRL ``base`` (RFC 5280 5.2.4, 6.3.3 (g))."""
    best: _Source | None = None
    base_number = base.crl_number
    for src in deltas:
        delta = src.crl
        if not delta.issuer.matches(base.issuer):
            continue
        if delta.issuing_distribution_point != base.issuing_distribution_point:
            src.refuse("the delta CRL's scope differs from the complete CRL's (6.3.3 (g)(1))")
            continue
        base_aki, delta_aki = base.authority_key_identifier, delta.authority_key_identifier
        if (base_aki and base_aki.key_identifier) != (delta_aki and delta_aki.key_identifier):
            src.refuse("the delta CRL is signed by another key than the complete CRL")
            continue
        base_ref = delta.delta_crl_indicator
        assert base_ref is not None
        if base_number is None or base_ref > base_number:
            src.refuse(
                f"the delta CRL needs a complete CRL numbered {base_ref} or later (RFC 5280 5.2.4)"
            )
            continue
        if delta.crl_number is None or delta.crl_number <= base_number:
            src.refuse("the delta CRL is not newer than the complete CRL (RFC 5280 5.2.4)")
            continue
        problem = _structural_problem(delta) or _stale_problem(delta, at, ctx)
        if problem is None and delta.unhandled_critical_extensions:
            problem = "the delta CRL has unknown critical extensions"
        if problem is None:
            try:
                # MD5 is refused whatever the policy, as for complete CRLs (RFC 6151)
                refuse_broken_digest(delta.signature_algorithm)
                delta.verify_signature(_key_for(signer, path), policy=ctx.algorithms)
            except (PolicyError, UnsupportedAlgorithm) as exc:
                problem = f"the delta CRL signature algorithm is refused: {exc.message}"
            except SmimeError:
                problem = "the delta CRL signature does not verify (6.3.3 (g)(2))"
        if problem is not None:
            src.refuse(problem)
            continue
        if best is None or (delta.crl_number or 0) > (best.crl.crl_number or 0):
            best = src
    return best


# -- the algorithm ----------------------------------------------------------------------------


def _listed(crl: CertificateList, cert: Certificate) -> RevokedEntry | None:
    return crl.find(cert.serial_number, cert.issuer)


def check_crls(
    cert: Certificate,
    issuer: Certificate,
    path: Sequence[Certificate],
    at: datetime.datetime,
    crls: Sequence[tuple[CertificateList, str]],
    ctx: CRLContext,
) -> CRLVerdict:
    """RFC 5280 section 6.3.3 for ``cert``: REVOKED, GOOD (all reasons covered) or UNKNOWN."""
    try:
        declared = cert.crl_distribution_points
        cert.basic_constraints  # noqa: B018 -- decoded here so that scope checks cannot fail
    except SmimeError as exc:
        detail = f"the certificate's extensions are malformed: {exc.message}"
        return CRLVerdict(RevocationState.UNKNOWN, None, [], detail, ValidationStatus.MALFORMED)
    dps = (declared or (DistributionPoint(),))[:_MAX_DISTRIBUTION_POINTS]
    relevant_names = [cert.issuer]
    for dp in dps:
        relevant_names.extend(_directory_names(dp.crl_issuer))
    sources: list[_Source] = []
    seen: set[bytes] = set()
    for crl, origin in crls:
        if crl.der in seen or not any(n.matches(crl.issuer) for n in relevant_names):
            continue
        seen.add(crl.der)
        sources.append(_Source(crl, origin))
    # Newest first, so that a current CRL decides before an older one of the same scope.
    sources.sort(key=lambda s: s.crl.this_update, reverse=True)
    del sources[_MAX_CRLS:]
    complete = [s for s in sources if not s.crl.is_delta]
    deltas = [s for s in sources if s.crl.is_delta]

    reasons_mask: frozenset[ReasonFlag] = frozenset()
    failure: ValidationStatus | None = None
    for dp in dps:
        for src in complete:
            if reasons_mask >= ALL_REASONS:
                break
            crl = src.crl
            scope = _scope_problem(crl, dp, cert)
            if scope is not None:
                src.refuse(scope)
                continue
            interim = _interim_reasons(crl, dp)
            if not interim - reasons_mask:
                src.refuse("covers no reasons beyond those already checked (6.3.3 (d))")
                continue
            # A direct CRL is signed by the certificate's issuer (RFC 5280 5.1.1, 6.3.3 (f)),
            # never by the end entity itself: a self-issued one (3.2) carries its issuer's
            # name and, being on the path, would be trusted as the signer, so its holder
            # could clear its own revocation. (A cRLIssuer in the certificate's own
            # distribution point is the CA's word and may name it: PKITS 4.14.30.)
            exclude = cert if dp.crl_issuer is None and not cert.is_ca else None
            # the path is part of the key: signers on the path are trusted through it
            path_key = tuple(c.der for c in path) + (() if exclude is None else (b"-" + cert.der,))
            memo_key = (crl.der, issuer.der, path_key, at)
            signer = ctx.crl_signers.get(memo_key)
            if signer is None:
                signer = _find_signer(crl, exclude, issuer, path, at, ctx)
                ctx.crl_signers[memo_key] = signer
            if signer.cert is None:
                src.refuse(signer.problem or "no CRL signer")
                failure = failure or signer.failure
                continue
            delta = _delta_for(crl, signer.cert, deltas, path, at, ctx)
            defect = _structural_problem(crl)
            # a current delta CRL brings a stale complete CRL up to date (6.3.3 (a)(2))
            stale = _stale_problem(crl, at, ctx) if delta is None else None
            # 6.3.3 (h): the delta CRL decides first, (i) then the complete CRL
            entry = _listed(delta.crl, cert) if delta is not None else None
            from_delta = entry is not None
            if entry is None:
                entry = _listed(crl, cert)
            if entry is not None and entry.reason is CRLReason.REMOVE_FROM_CRL:
                entry = None  # 6.3.3 (j)
            critical = bool(crl.unhandled_critical_extensions) or (
                entry is not None and bool(entry.unhandled_critical_extensions)
            )
            if entry is not None and stale is None:
                # Listed on a current CRL its issuer signed: revoked, even when the CRL
                # cannot prove the opposite (X.509 7.3 note 4: unknown critical extensions;
                # a missing or critical cRLNumber breaks the profile, not the signature).
                src.used = True
                if delta is not None and from_delta:
                    delta.used = True
                note = defect or ("an unknown critical extension" if critical else None)
                detail = _revoked_detail(delta if from_delta and delta else src, entry, note)
                return CRLVerdict(RevocationState.REVOKED, entry, _emit(sources), detail)
            problem = defect or stale
            if problem is not None:
                src.refuse(problem)
                continue
            if critical:
                src.refuse("the CRL has an unknown critical extension (RFC 5280 5.2)")
                continue
            src.used = True
            if delta is not None:
                delta.used = True
            reasons_mask |= interim
    if reasons_mask >= ALL_REASONS:
        return CRLVerdict(RevocationState.GOOD, None, _emit(sources), "not listed on a current CRL")
    if not sources:
        detail = "no CRL from the certificate's issuer or CRL issuer is available"
    elif reasons_mask:
        missing = ", ".join(sorted(r.name.lower() for r in ALL_REASONS - reasons_mask))
        detail = f"the usable CRLs do not cover every reason (missing: {missing})"
    else:
        problems = sorted({s.problem for s in sources if s.problem})
        detail = "no usable CRL: " + "; ".join(problems) if problems else "no usable CRL"
    return CRLVerdict(RevocationState.UNKNOWN, None, _emit(sources), detail, failure)


def _emit(sources: list[_Source]) -> list[RevocationSource]:
    for s in sources:
        if s.crl.is_delta:
            s.refuse("no usable complete CRL for this delta CRL (6.3.3 (g))")
        else:
            s.refuse("not needed: other CRLs already decided the status")
    return [s.to_source() for s in sources]


def _revoked_detail(src: _Source, entry: RevokedEntry, note: str | None) -> str:
    reason = (entry.reason or CRLReason.UNSPECIFIED).name.lower()
    text = (
        f"listed on the CRL of {src.crl.issuer.rfc4514()!r} (number {src.crl.crl_number},"
        f" {src.origin}) since {entry.revocation_date.isoformat()}, reason {reason}"
    )
    if note:
        text += f" (the CRL is taken as revoking although: {note})"
    return text
