"""A minimal trust store: chains to caller-given anchors (RFC 5280 section 6, partially).

This is the M4 trust judgement: a certificate is trusted when a chain of at most
:data:`MAX_CHAIN_LENGTH` certificates leads from it to one of the store's anchors, each
link matching by name (the issuer name equals the next subject, RFC 5280 7.1) and
verifying by signature (:meth:`Certificate.verify_issued_by`), every certificate valid
at the given moment (RFC 5280 4.1.2.5), and every issuer above the end entity a CA
(basicConstraints cA, RFC 5280 4.2.1.9). Intermediates given by the caller or carried
in a message are untrusted hints for building the chain only (THREATS "key
replacement"): they are never added to the store.

It is **not** full RFC 5280 path validation: key usage, extended key usage, name
constraints, policies, path length constraints and revocation are not checked. That
is milestone M5; until then a :class:`TrustResult` says so in :attr:`TrustResult.scope`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import SmimeError, UsageError
from smimelib.pki.certificate import Certificate

__all__ = ["MAX_CANDIDATES", "MAX_CHAIN_LENGTH", "TrustResult", "TrustStore"]

#: longest chain built, end entity and anchor included (THREATS 4.4)
MAX_CHAIN_LENGTH = 10
#: most issuer candidates tried over one whole search (path-building DoS, BC CVE-2025-8916)
MAX_CANDIDATES = 64

_SCOPE = "chain to an anchor: names, signatures, validity dates, CA flag (no RFC 5280 M5 checks)"


@dataclass(frozen=True, slots=True)
class TrustResult:
    """The outcome of :meth:`TrustStore.validate`.

    :ivar trusted: a chain to an anchor was found.
    :ivar chain: that chain, end entity first and anchor last (empty when untrusted).
    :ivar reason: why no chain was found (``None`` when trusted).
    :ivar scope: what was checked (not full RFC 5280 path validation, see the module).
    """

    trusted: bool
    chain: tuple[Certificate, ...] = ()
    reason: str | None = None
    scope: str = _SCOPE


class TrustStore:
    """Trust anchors given by the caller (RFC 5280 section 6.1.1 (d), minimal form).

    Immutable once built: :meth:`with_anchors` returns a new store.
    """

    __slots__ = ("_anchors",)

    def __init__(self, anchors: Iterable[Certificate] = ()) -> None:
        found: dict[bytes, Certificate] = {}
        for cert in anchors:
            if not isinstance(cert, Certificate):
                raise UsageError("TrustStore anchors must be Certificate objects")
            found.setdefault(cert.der, cert)
        self._anchors: tuple[Certificate, ...] = tuple(found.values())

    @classmethod
    def from_pem(cls, data: bytes | str) -> TrustStore:
        """A store of every certificate in a PEM bundle (or one DER certificate)."""
        return cls(Certificate.load_certificates(data))

    @classmethod
    def from_file(cls, path: str) -> TrustStore:
        """:meth:`from_pem` of a file's contents."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read trust anchors from {path!r}: {exc.strerror}") from None
        return cls.from_pem(data)

    @property
    def anchors(self) -> tuple[Certificate, ...]:
        """The anchors, in the order given, without duplicates."""
        return self._anchors

    def with_anchors(self, anchors: Iterable[Certificate]) -> TrustStore:
        """A new store with ``anchors`` added."""
        return TrustStore((*self._anchors, *anchors))

    def __repr__(self) -> str:
        return f"TrustStore({len(self._anchors)} anchors)"

    def validate(
        self,
        cert: Certificate,
        intermediates: Sequence[Certificate] = (),
        at: datetime.datetime | None = None,
        *,
        policy: Policy = DEFAULT_POLICY,
    ) -> TrustResult:
        """Find a chain from ``cert`` to an anchor at moment ``at`` (default: now, UTC).

        Depth-first over issuer candidates whose subject matches the issuer name,
        anchors first; never more than :data:`MAX_CHAIN_LENGTH` certificates in a chain
        or :data:`MAX_CANDIDATES` candidate checks in total, and never a certificate
        twice in one chain (loop-safe). ``cert`` that is itself an anchor is trusted
        when valid at ``at``. Certificate signatures are checked under ``policy``
        (SHA-1 signed certificates need ``LEGACY_POLICY``).
        """
        moment = at if at is not None else datetime.datetime.now(datetime.UTC)
        if moment.tzinfo is None:
            raise UsageError("validate() needs an aware datetime")
        if not cert.valid_at(moment):
            return TrustResult(False, reason="the certificate is not valid at that time")
        anchor_ders = {a.der for a in self._anchors}
        if cert.der in anchor_ders:
            return TrustResult(True, chain=(cert,))
        pool = [*self._anchors, *(c for c in intermediates if c.der not in anchor_ders)]
        budget = [MAX_CANDIDATES]
        chain = self._search([cert], pool, anchor_ders, moment, budget, policy)
        if chain is not None:
            return TrustResult(True, chain=tuple(chain))
        if budget[0] <= 0:
            return TrustResult(False, reason="chain building gave up (candidate limit reached)")
        return TrustResult(False, reason="no chain to a trust anchor")

    def _search(
        self,
        chain: list[Certificate],
        pool: Sequence[Certificate],
        anchors: set[bytes],
        moment: datetime.datetime,
        budget: list[int],
        policy: Policy,
    ) -> list[Certificate] | None:
        # recursion depth is bounded by MAX_CHAIN_LENGTH
        if len(chain) >= MAX_CHAIN_LENGTH:
            return None
        child = chain[-1]
        seen = {c.der for c in chain}
        for issuer in pool:
            if issuer.der in seen or not issuer.subject.matches(child.issuer):
                continue
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            if not issuer.valid_at(moment) or not issuer.is_ca:
                continue
            try:
                child.verify_issued_by(issuer, policy=policy)
            except SmimeError:
                continue
            if issuer.der in anchors:
                return [*chain, issuer]
            found = self._search([*chain, issuer], pool, anchors, moment, budget, policy)
            if found is not None:
                return found
        return None
