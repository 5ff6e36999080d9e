"""One run of :meth:`smimelib.pki.trust.TrustStore.validate`: paths, validation, revocation.

A :class:`ValidationRun` holds what one call knows (anchors, the untrusted pool, the
CRLs and OCSP responses with their origins, the fetcher, the policy) and wires the
three parts together: candidate paths from :mod:`smimelib.pki.pathbuild`, RFC 5280
section 6.1 validation from :func:`smimelib.pki.validation.validate_path`, and RFC 5280
section 6.3 / RFC 6960 revocation from
:class:`smimelib.pki.revocation.StandardRevocationChecker`.

CRL and OCSP signers that are not the certificate's issuer are validated to the same
trust anchor (RFC 5280 6.3.3 (f)) with revocation checking too, which may need further
signers: that recursion is limited to :data:`MAX_SIGNER_DEPTH` levels and memoised per
run. A signer met again while its own validation is in progress (an indirect CRL
issuer covered by the CRL it signs, PKITS 4.14.30) is validated without revocation at
that inner level; its status still comes from the outer level's CRLs.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import (
    KeyPurpose,
    PolicySettings,
    RevocationChecker,
    RevocationFetcher,
    RevocationMode,
    TimeSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.pathbuild import PathSearch

if TYPE_CHECKING:
    from smimelib.pki.crl import CertificateList
    from smimelib.pki.ocsp import OCSPResponse

__all__ = ["MAX_SIGNER_DEPTH", "ValidationRun"]

#: how deep CRL/OCSP signer validation may nest (signer of a signer of a signer)
MAX_SIGNER_DEPTH = 3

_MemoKey = tuple[bytes, bytes, datetime.datetime]


class _InProgress:
    """Marks a signer whose validation has started but not finished."""


_IN_PROGRESS = _InProgress()


@dataclasses.dataclass(frozen=True, slots=True)
class _Signers:
    """The ``validate_signer`` callback of one nesting level (see revocation.SignerValidator)."""

    run: ValidationRun
    depth: int

    def __call__(
        self, signer: Certificate, path: Sequence[Certificate], at: datetime.datetime
    ) -> TrustResult:
        return self.run.validate_signer(signer, path, at, depth=self.depth)


class ValidationRun:
    """The inputs of one validation and the memo of its signer validations."""

    __slots__ = ("_anchors", "_crls", "_fetcher", "_memo", "_ocsp", "_policy", "_pool")

    def __init__(
        self,
        *,
        anchors: Sequence[Certificate],
        pool: Sequence[Certificate],
        crls: Sequence[tuple[CertificateList, str]],
        ocsp_responses: Sequence[tuple[OCSPResponse, str]],
        fetcher: RevocationFetcher | None,
        policy: ValidationPolicy,
    ) -> None:
        self._anchors = tuple(anchors)
        anchor_ders = {a.der for a in self._anchors}
        seen: set[bytes] = set()
        pool_list: list[Certificate] = []
        for cert in pool:
            if cert.der not in seen and cert.der not in anchor_ders:
                seen.add(cert.der)
                pool_list.append(cert)
        self._pool = tuple(pool_list)
        self._crls = tuple(crls)
        self._ocsp = tuple(ocsp_responses)
        self._fetcher = fetcher
        self._policy = policy
        self._memo: dict[_MemoKey, TrustResult | _InProgress] = {}

    def validate(
        self,
        cert: Certificate,
        *,
        at: datetime.datetime,
        purpose: KeyPurpose,
        time_source: TimeSource,
    ) -> TrustResult:
        """Validate ``cert`` to any anchor of the run (the top level, depth 0)."""
        return self._validate(
            cert,
            self._anchors,
            at=at,
            policy=self._policy,
            purpose=purpose,
            time_source=time_source,
            depth=0,
        )

    def validate_signer(
        self,
        signer: Certificate,
        path: Sequence[Certificate],
        at: datetime.datetime,
        *,
        depth: int,
    ) -> TrustResult:
        """Validate a CRL or OCSP signer to the anchor ``path[0]`` (RFC 5280 6.3.3 (f)).

        The signer is validated for no particular purpose, with the default policy
        inputs (the certificate policies asked of the end entity are not asked of its
        CRL issuer) and the run's revocation mode.
        """
        if not path:
            return TrustResult(
                ValidationStatus.NAME_CHAINING,
                reason="no trust anchor to validate the CRL/OCSP signer against",
                validation_time=at,
            )
        anchor = path[0]
        key: _MemoKey = (signer.der, anchor.der, at)
        known = self._memo.get(key)
        policy = dataclasses.replace(
            self._policy, settings=PolicySettings(), extended_key_usages=None
        )
        if isinstance(known, TrustResult):
            return known
        if isinstance(known, _InProgress):
            # a signer vouching for its own status: judge the path without revocation
            # here; the outer level still checks the signer against every CRL it has
            return self._validate(
                signer,
                (anchor,),
                at=at,
                policy=dataclasses.replace(policy, revocation=RevocationMode.OFF),
                purpose=KeyPurpose.ANY,
                time_source=TimeSource.CALLER,
                depth=depth + 1,
            )
        if depth + 1 > MAX_SIGNER_DEPTH:
            return TrustResult(
                ValidationStatus.REVOCATION_STATUS_UNKNOWN,
                reason=(
                    f"the CRL/OCSP signer {signer.subject.rfc4514()!r} was not validated:"
                    f" signer validation nests deeper than {MAX_SIGNER_DEPTH} levels"
                ),
                failing_certificate=signer,
                validation_time=at,
            )
        self._memo[key] = _IN_PROGRESS
        try:
            result = self._validate(
                signer,
                (anchor,),
                at=at,
                policy=policy,
                purpose=KeyPurpose.ANY,
                time_source=TimeSource.CALLER,
                depth=depth + 1,
            )
        except BaseException:
            del self._memo[key]
            raise
        self._memo[key] = result
        return result

    def _validate(
        self,
        cert: Certificate,
        anchors: Sequence[Certificate],
        *,
        at: datetime.datetime,
        policy: ValidationPolicy,
        purpose: KeyPurpose,
        time_source: TimeSource,
        depth: int,
    ) -> TrustResult:
        from smimelib.pki.validation import validate_path

        checker = None if policy.revocation is RevocationMode.OFF else self._checker(policy, depth)
        search = PathSearch(cert, anchors, self._pool, at=at, policy=policy)
        first_failure: TrustResult | None = None
        for path in search:
            result = validate_path(
                path,
                at=at,
                policy=policy,
                purpose=purpose,
                revocation=checker,
                time_source=time_source,
            )
            if result.status is ValidationStatus.VALID:
                return result
            if first_failure is None:
                first_failure = result
        if first_failure is not None:
            if search.limit_reached:
                note = (
                    f"path building stopped at its limits after {search.paths_found} candidate"
                    " path(s); other paths to a trust anchor were not tried"
                )
                return dataclasses.replace(first_failure, findings=(*first_failure.findings, note))
            return first_failure
        failure = search.failure()
        return TrustResult(
            failure.status,
            reason=failure.reason,
            chain=failure.partial_chain,
            failing_certificate=failure.certificate,
            validation_time=at,
            time_source=time_source,
            purpose=purpose,
        )

    def _checker(self, policy: ValidationPolicy, depth: int) -> RevocationChecker:
        from smimelib.pki.revocation import StandardRevocationChecker

        return StandardRevocationChecker(
            crls=self._crls,
            ocsp_responses=self._ocsp,
            certificates=(*self._pool, *self._anchors),
            validate_signer=_Signers(self, depth),
            fetcher=self._fetcher,
            algorithms=policy.algorithms,
            max_ocsp_age=policy.max_revocation_age,
            max_crl_age=policy.max_revocation_age,
            require_next_update=policy.require_next_update,
        )
