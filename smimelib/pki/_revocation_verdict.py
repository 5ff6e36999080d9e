"""What a revocation outcome means for the path (RFC 5280 6.1.3 (a)(3)).

The checker says good, revoked or unknown (with the sources it consulted); the
validator turns that into a failure or findings according to the
:class:`~smimelib.pki.path_results.RevocationMode`: revoked always fails, unknown fails
only under hard-fail (with the definite reason when the checker gives one, e.g. a CRL
issuer without cRLSign, RFC 5280 6.3.3 (f)), and what the policy let through -- weak
signatures, data without nextUpdate -- is reported.
"""

from __future__ import annotations

import datetime

from smimelib.pki.path_results import (
    RevocationMode,
    RevocationOutcome,
    RevocationState,
    ValidationStatus,
)

__all__ = ["judge_revocation", "utc_text"]


def utc_text(moment: datetime.datetime) -> str:
    """``2026-01-01T00:00:00Z``: how reasons and findings write a time."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def judge_revocation(
    outcome: RevocationOutcome,
    who: str,
    *,
    mode: RevocationMode,
    age_limited: bool,
) -> tuple[list[str], tuple[ValidationStatus, str] | None]:
    """The findings ``outcome`` gives for the certificate ``who`` names, and the failure
    (status, reason) it makes under ``mode``, if any.

    ``age_limited`` says a maximum age of revocation data is set, which bounds data
    without nextUpdate.
    """
    findings: list[str] = []
    for source in outcome.sources:
        if not source.used:
            continue
        if source.weak_signature:
            findings.append(
                f"{who}: revocation status from a {source.kind} of {source.issuer!r} signed"
                f" with {source.signature_algorithm}, accepted by the policy"
            )
        if source.next_update is None:
            # Never stale by itself (RFC 5280 5.1.2.5 makes nextUpdate a MUST): an old
            # one can be replayed; ValidationPolicy.max_revocation_age bounds it.
            since = f", thisUpdate {utc_text(source.this_update)}" if source.this_update else ""
            unbounded = "" if age_limited else " and no maximum age is set"
            findings.append(
                f"{who}: revocation status from a {source.kind} of {source.issuer!r}"
                f" without nextUpdate{since}: it never goes stale{unbounded}"
                " (RFC 5280 5.1.2.5)"
            )
    if outcome.state is RevocationState.REVOKED:
        reason = outcome.reason.name.lower() if outcome.reason is not None else "unspecified"
        date = f" on {utc_text(outcome.revocation_date)}" if outcome.revocation_date else ""
        detail = f"; {outcome.detail}" if outcome.detail else ""
        return findings, (
            ValidationStatus.REVOKED,
            f"{who}: revoked{date}, reason {reason}{detail} (RFC 5280 6.1.3 (a)(3))",
        )
    if outcome.state is RevocationState.GOOD:
        return findings, None
    why = outcome.detail or "no usable CRL or OCSP response"
    if mode is not RevocationMode.HARD_FAIL:
        findings.append(f"{who}: revocation status unknown ({why}); soft-fail policy")
        return findings, None
    failure = outcome.failure
    if failure is not None and failure is not ValidationStatus.VALID:
        # A definite failure is why the status is unknown, e.g. the CRL issuer may not
        # sign CRLs (RFC 5280 6.3.3 (f), PKITS 4.7.4/4.7.5).
        return findings, (
            failure,
            f"{who}: revocation status unknown ({why}); {failure.description}"
            " (RFC 5280 6.1.3 (a)(3), 6.3.3)",
        )
    return findings, (
        ValidationStatus.REVOCATION_STATUS_UNKNOWN,
        f"{who}: revocation status unknown ({why}) under a hard-fail policy",
    )
