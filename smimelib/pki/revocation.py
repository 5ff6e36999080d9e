"""Revocation checking: CRLs (RFC 5280 section 6.3) and OCSP (RFC 6960).

:class:`StandardRevocationChecker` implements the
:class:`~smimelib.pki.path_results.RevocationChecker` protocol that the RFC 5280
section 6.1 validator calls for every certificate of a path. It is built from the
revocation data at hand (CRLs and OCSP responses from the message, the trust store or
the caller, each with its origin), a pool of untrusted certificates in which CRL signers
and OCSP responders are looked up, a callback that validates such a signer to the same
trust anchor, and optionally an application's :class:`RevocationFetcher`. Nothing is
fetched over the network unless a fetcher is given.

For one certificate it runs, in order: the CRL algorithm of RFC 5280 6.3.3 over the
given CRLs (:mod:`smimelib.pki._crl_check`), the given OCSP responses
(:mod:`smimelib.pki._ocsp_check`), and, when neither decided, the fetcher (CRLs first,
then an OCSP request built with :func:`~smimelib.pki.ocsp.build_ocsp_request`). A
revocation found by any usable source wins. The outcome lists every source consulted,
used or not and why not. Whether an UNKNOWN status fails the path (soft or hard fail)
is decided by the validator, not here.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence

from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import SmimeError, UsageError
from smimelib.pki._crl_check import CRLContext, CRLVerdict, SignerValidator, check_crls
from smimelib.pki._ocsp_check import OCSPVerdict, check_ocsp
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList, load_crls
from smimelib.pki.ocsp import OCSPResponse, build_ocsp_request
from smimelib.pki.path_results import (
    CRLReason,
    RevocationFetcher,
    RevocationOutcome,
    RevocationSource,
    RevocationState,
)

__all__ = ["SignerValidator", "StandardRevocationChecker"]


#: most CRLs / OCSP responses taken from one fetcher call
_MAX_FETCHED = 16


class StandardRevocationChecker:
    """RFC 5280 section 6.3 CRL processing plus RFC 6960 OCSP, over the data it is given.

    :param crls: ``(crl, origin)`` pairs; origin is ``"message"``, ``"store"``,
        ``"caller"``... and is reported with each source.
    :param ocsp_responses: ``(response, origin)`` pairs.
    :param certificates: untrusted pool in which CRL signers and OCSP responders are
        looked up (never trusted by being here: see ``validate_signer``).
    :param validate_signer: validates a CRL signer or delegated OCSP responder that is not
        on the path to the same trust anchor (RFC 5280 6.3.3 (f)); without it, only
        signers on the path itself are accepted.
    :param fetcher: the application's way to fetch CRLs / OCSP responses, asked only when
        the given data does not decide; its exceptions are reported, never propagated.
    :param algorithms: algorithm policy for CRL and OCSP signatures.
    :param ocsp_nonce: the nonce sent in the request that produced ``ocsp_responses``;
        responses must echo it (RFC 6960 4.4.1).
    :param max_ocsp_age: refuse OCSP responses whose thisUpdate is older than this at the
        validation time, whatever their nextUpdate says (RFC 6960 4.2.2.1).
    :param max_crl_age: the same for CRLs and delta CRLs (RFC 5280 6.3.3 (a)(2)).
    :param require_next_update: refuse CRLs and OCSP responses without nextUpdate (RFC
        5280 5.1.2.5 requires it of CRL issuers). Without this they are used, reported
        with ``next_update=None`` in :attr:`RevocationOutcome.sources`: nothing but
        ``max_*_age`` then limits how old they may be.
    """

    def __init__(
        self,
        *,
        crls: Sequence[tuple[CertificateList, str]] = (),
        ocsp_responses: Sequence[tuple[OCSPResponse, str]] = (),
        certificates: Sequence[Certificate] = (),
        validate_signer: SignerValidator | None = None,
        fetcher: RevocationFetcher | None = None,
        algorithms: Policy = DEFAULT_POLICY,
        ocsp_nonce: bytes | None = None,
        max_ocsp_age: datetime.timedelta | None = None,
        max_crl_age: datetime.timedelta | None = None,
        require_next_update: bool = False,
    ) -> None:
        for limit in (max_ocsp_age, max_crl_age):
            if limit is not None and (
                not isinstance(limit, datetime.timedelta) or limit < datetime.timedelta(0)
            ):
                raise UsageError("max_ocsp_age and max_crl_age must be non-negative timedeltas")
        for crl, origin in crls:
            if not isinstance(crl, CertificateList) or not isinstance(origin, str):
                raise UsageError("crls must be (CertificateList, origin) pairs")
        for resp, origin in ocsp_responses:
            if not isinstance(resp, OCSPResponse) or not isinstance(origin, str):
                raise UsageError("ocsp_responses must be (OCSPResponse, origin) pairs")
        for cert in certificates:
            if not isinstance(cert, Certificate):
                raise UsageError("certificates must be Certificate objects")
        self._crls = tuple(crls)
        self._ocsp = tuple(ocsp_responses)
        self._ctx = CRLContext(
            tuple(certificates),
            validate_signer,
            algorithms,
            max_crl_age=max_crl_age,
            require_next_update=bool(require_next_update),
        )
        self._fetcher = fetcher
        self._nonce = ocsp_nonce
        self._max_age = max_ocsp_age

    def __repr__(self) -> str:
        return (
            f"<StandardRevocationChecker crls={len(self._crls)} ocsp={len(self._ocsp)}"
            f" pool={len(self._ctx.pool)} fetcher={self._fetcher is not None}>"
        )

    def check(
        self,
        cert: Certificate,
        issuer: Certificate,
        *,
        path: Sequence[Certificate],
        at: datetime.datetime,
    ) -> RevocationOutcome:
        """The revocation status of ``cert`` issued by ``issuer`` at ``at`` (RFC 5280
        6.1.3 (a)(3), 6.3; RFC 6960). ``path`` is trust anchor first, ending with ``cert``.
        """
        if at.tzinfo is None:
            raise UsageError("the revocation check needs an aware datetime")
        if not path:
            path = (issuer, cert)
        sources: list[RevocationSource] = []
        crl_v = check_crls(cert, issuer, path, at, self._crls, self._ctx)
        sources += crl_v.sources
        if crl_v.state is RevocationState.REVOKED:
            return _revoked_by_crl(crl_v, sources)
        ocsp_v = check_ocsp(
            cert, issuer, path, at, self._ocsp, self._ctx, nonce=self._nonce, max_age=self._max_age
        )
        sources += ocsp_v.sources
        if ocsp_v.state is RevocationState.REVOKED:
            return _revoked_by_ocsp(ocsp_v, sources)
        for verdict in (crl_v, ocsp_v):
            if verdict.state is RevocationState.GOOD:
                return RevocationOutcome(
                    RevocationState.GOOD, sources=tuple(sources), detail=verdict.detail
                )
        details = [v.detail for v in (crl_v, ocsp_v) if v.detail]
        failure = crl_v.failure
        if self._fetcher is not None:
            fetched = self._fetch(cert, issuer, path, at, sources)
            if fetched is not None:
                return fetched
            details.append("nothing usable was fetched")
        return RevocationOutcome(
            RevocationState.UNKNOWN,
            sources=tuple(sources),
            detail="; ".join(details) or "no revocation information",
            failure=failure,
        )

    # -- fetching ---------------------------------------------------------------------------
    def _fetch(
        self,
        cert: Certificate,
        issuer: Certificate,
        path: Sequence[Certificate],
        at: datetime.datetime,
        sources: list[RevocationSource],
    ) -> RevocationOutcome | None:
        """Ask the fetcher for CRLs, then OCSP; the outcome if that decided, else None."""
        fetcher = self._fetcher
        assert fetcher is not None
        fetched: list[tuple[CertificateList, str]] = []
        try:
            blobs = list(fetcher.fetch_crls(cert, issuer))[:_MAX_FETCHED]
        except Exception as exc:  # an application hook: reported, never propagated
            sources.append(_fetch_problem("crl", f"the CRL fetcher failed: {exc!r}"))
            blobs = []
        for blob in blobs:
            try:
                fetched.extend((crl, "fetched") for crl in load_crls(bytes(blob)))
            except (SmimeError, TypeError) as exc:
                sources.append(_fetch_problem("crl", f"a fetched CRL is unusable: {exc}"))
        if fetched:
            crl_v = check_crls(cert, issuer, path, at, fetched, self._ctx)
            sources += crl_v.sources
            if crl_v.state is RevocationState.REVOKED:
                return _revoked_by_crl(crl_v, sources)
            if crl_v.state is RevocationState.GOOD:
                return RevocationOutcome(
                    RevocationState.GOOD, sources=tuple(sources), detail=crl_v.detail
                )
        nonce = os.urandom(16)
        try:
            request = build_ocsp_request(cert, issuer, nonce=nonce)
            raw = fetcher.fetch_ocsp(cert, issuer, request)
        except Exception as exc:  # an application hook: reported, never propagated
            sources.append(_fetch_problem("ocsp", f"the OCSP fetcher failed: {exc!r}"))
            return None
        if raw is None:
            return None
        try:
            resp = OCSPResponse.from_der(bytes(raw))
        except (SmimeError, TypeError) as exc:
            sources.append(_fetch_problem("ocsp", f"the fetched OCSP response is unusable: {exc}"))
            return None
        # A responder may ignore the nonce (RFC 8954 section 2.1); one it echoes must match.
        expected = nonce if resp.nonce is not None else None
        ocsp_v = check_ocsp(
            cert,
            issuer,
            path,
            at,
            [(resp, "fetched")],
            self._ctx,
            nonce=expected,
            max_age=self._max_age,
        )
        sources += ocsp_v.sources
        if ocsp_v.state is RevocationState.REVOKED:
            return _revoked_by_ocsp(ocsp_v, sources)
        if ocsp_v.state is RevocationState.GOOD:
            return RevocationOutcome(
                RevocationState.GOOD, sources=tuple(sources), detail=ocsp_v.detail
            )
        return None


def _fetch_problem(kind: str, problem: str) -> RevocationSource:
    return RevocationSource(kind=kind, origin="fetched", issuer="", problem=problem)


def _revoked_by_crl(verdict: CRLVerdict, sources: list[RevocationSource]) -> RevocationOutcome:
    entry = verdict.entry
    assert entry is not None
    return RevocationOutcome(
        RevocationState.REVOKED,
        reason=entry.reason or CRLReason.UNSPECIFIED,
        revocation_date=entry.revocation_date,
        invalidity_date=entry.invalidity_date,
        sources=tuple(sources),
        detail=verdict.detail,
    )


def _revoked_by_ocsp(verdict: OCSPVerdict, sources: list[RevocationSource]) -> RevocationOutcome:
    single = verdict.single
    assert single is not None
    return RevocationOutcome(
        RevocationState.REVOKED,
        reason=single.revocation_reason or CRLReason.UNSPECIFIED,
        revocation_date=single.revocation_time,
        sources=tuple(sources),
        detail=verdict.detail,
    )
