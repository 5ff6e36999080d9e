"""Certification path building: from a target certificate up to a trust anchor.

RFC 5280 section 6.1 validates a path it is *given*; finding that path is left to the
implementation (RFC 5280 section 6, RFC 4158). :class:`PathSearch` builds candidate
paths by names and key identifiers only -- never by signatures, which are the
validator's business -- and yields them best first, trust anchor first and target
last, the shape :func:`smimelib.pki.validation.validate_path` takes:

* the issuer candidates of a certificate are the certificates whose subject matches its
  issuer name (RFC 5280 section 7.1 name comparison);
* they are tried in order: authorityKeyIdentifier keyIdentifier equal to the
  candidate's subjectKeyIdentifier first (RFC 5280 4.2.1.1), then candidates where one
  of the two is absent, then those whose identifiers differ; within each rank, trust
  anchors before untrusted certificates, certificates valid at the validation time
  before the others, then the order given;
* several candidates, cross-certificates and self-issued key-rollover certificates
  are explored depth first; no certificate appears twice in a path, by DER or by
  (subject, subjectPublicKeyInfo), so cycles end;
* the work is bounded by :class:`~smimelib.pki.path_results.ValidationPolicy`
  ``max_chain_length`` (certificates in a path, anchor and target included; like
  pathLenConstraint, RFC 5280 6.1.4 (l), self-issued intermediates -- key rollover --
  do not count, but no path ever holds more than twice that many certificates),
  ``max_candidates`` (issuer candidates examined over the whole search) and
  ``max_paths`` (complete paths yielded).

When nothing is found, :meth:`PathSearch.failure` says why: no issuer certificate by
name (``NAME_CHAINING``), a self-issued certificate that is not a trust anchor
(``UNTRUSTED_ROOT``), or a work limit (``PATH_BUILDING_LIMIT``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from smimelib.errors import SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import ValidationPolicy, ValidationStatus

__all__ = ["PathFailure", "PathSearch", "build_paths"]

# ranks of the key-identifier comparison between a child's AKI and a candidate's SKI
_KEY_ID_MATCH = 0
_KEY_ID_UNKNOWN = 1
_KEY_ID_MISMATCH = 2


@dataclass(frozen=True, slots=True)
class PathFailure:
    """Why no complete candidate path was found.

    :ivar status: ``NAME_CHAINING``, ``UNTRUSTED_ROOT`` or ``PATH_BUILDING_LIMIT``.
    :ivar reason: a sentence naming the certificate concerned and the rule.
    :ivar certificate: the certificate the search could not get past (``None`` for a
        limit that stopped the search as a whole).
    :ivar partial_chain: the longest chain reached from the target, target first.
    """

    status: ValidationStatus
    reason: str
    certificate: Certificate | None
    partial_chain: tuple[Certificate, ...]


def _key_id(cert: Certificate) -> bytes | None:
    # a malformed extension is the validator's finding; for ranking it is just unknown
    try:
        return cert.subject_key_identifier
    except SmimeError:
        return None


def _authority_key_id(cert: Certificate) -> bytes | None:
    try:
        aki = cert.authority_key_identifier
    except SmimeError:
        return None
    return None if aki is None else aki.key_identifier


def _identity(cert: Certificate) -> tuple[bytes, bytes]:
    # a "logical" certificate: the same subject with the same key is the same CA
    return (cert.subject.der, cert.spki_der)


class PathSearch:
    """The candidate paths from ``target`` to one of ``anchors``, best first.

    Iterate it once: each item is a path, trust anchor first and ``target`` last; a
    target that is itself an anchor (same DER) gives the one-element path. Paths are
    found lazily, so a caller that stops at the first path that validates does no
    more work than needed. After the iteration, :attr:`limit_reached` and
    :meth:`failure` describe what stopped the search.

    :param target: the end-entity (or any) certificate to build a path for.
    :param anchors: the trust anchors (RFC 5280 6.1.1 (d)) as certificates.
    :param intermediates: untrusted certificates that may be used as issuers.
    :param at: validation time; only used to try currently valid issuers first.
    :param policy: supplies the limits ``max_chain_length``, ``max_candidates``,
        ``max_paths``.
    """

    __slots__ = (
        "_anchor_ders",
        "_at",
        "_budget",
        "_by_name",
        "_dead_ends",
        "_issuers",
        "_max_candidates",
        "_max_length",
        "_max_paths",
        "_paths",
        "_started",
        "_target",
        "limit_reached",
    )

    def __init__(
        self,
        target: Certificate,
        anchors: Iterable[Certificate],
        intermediates: Iterable[Certificate] = (),
        *,
        at: datetime.datetime | None = None,
        policy: ValidationPolicy | None = None,
    ) -> None:
        limits = policy if policy is not None else ValidationPolicy()
        if limits.max_chain_length < 1 or limits.max_candidates < 0 or limits.max_paths < 1:
            raise UsageError(
                "path building limits must be positive"
                " (max_chain_length >= 1, max_candidates >= 0, max_paths >= 1)"
            )
        if at is not None and at.tzinfo is None:
            raise UsageError("path building needs an aware datetime")
        anchor_list = _dedupe(anchors)
        self._anchor_ders = frozenset(c.der for c in anchor_list)
        pool = [c for c in _dedupe(intermediates) if c.der not in self._anchor_ders]
        # (certificate, is_anchor), anchors first; the index breaks ranking ties
        self._issuers: tuple[tuple[Certificate, bool], ...] = (
            *((c, True) for c in anchor_list),
            *((c, False) for c in pool),
        )
        # candidates bucketed by the RFC 5280 7.1 name key, so that one expansion looks
        # only at issuers whose subject matches, not at the whole pool
        self._by_name: dict[object, list[int]] = {}
        for index, (cand, _) in enumerate(self._issuers):
            self._by_name.setdefault(cand.subject.match_key, []).append(index)
        self._target = target
        self._at = at
        self._max_length = limits.max_chain_length
        self._max_paths = limits.max_paths
        self._max_candidates = limits.max_candidates
        self._budget = limits.max_candidates
        self._paths = 0
        self._dead_ends: list[tuple[ValidationStatus, tuple[Certificate, ...]]] = []
        self._started = False
        #: the search stopped (somewhere) at max_chain_length, max_candidates or max_paths
        self.limit_reached = False

    def __iter__(self) -> Iterator[tuple[Certificate, ...]]:
        if self._started:
            raise UsageError("a PathSearch can be iterated only once")
        self._started = True
        return self._search()

    @property
    def paths_found(self) -> int:
        """How many complete candidate paths were yielded so far."""
        return self._paths

    def failure(self) -> PathFailure:
        """Why the search yielded no path (call after iterating).

        A work limit wins over the dead ends (the path may lie beyond it); a
        self-issued certificate that is not an anchor wins over a missing issuer.
        """
        target = self._target
        if self.limit_reached:
            return PathFailure(
                ValidationStatus.PATH_BUILDING_LIMIT,
                f"no path to a trust anchor found for {_subject(target)} within the path"
                f" building limits (max_chain_length {self._max_length}, max_candidates"
                f" {self._max_candidates}, max_paths {self._max_paths})",
                None,
                self._longest_partial(),
            )
        for status, chain in self._dead_ends:
            if status is ValidationStatus.UNTRUSTED_ROOT:
                root = chain[-1]
                return PathFailure(
                    status,
                    f"the path from {_subject(target)} ends at the self-issued certificate"
                    f" {_subject(root)}, which is not a trust anchor (RFC 5280 section 6.1)",
                    root,
                    chain,
                )
        if self._dead_ends:
            _, chain = self._dead_ends[0]
            last = chain[-1]
            return PathFailure(
                ValidationStatus.NAME_CHAINING,
                f"no issuer certificate named {last.issuer.rfc4514()!r} was found for"
                f" {_subject(last)} (RFC 5280 section 6.1.3 (a)(4))",
                last,
                chain,
            )
        return PathFailure(
            ValidationStatus.NAME_CHAINING,
            f"no issuer certificate was found for {_subject(target)}"
            " (RFC 5280 section 6.1.3 (a)(4))",
            target,
            (target,),
        )

    # -- the search ---------------------------------------------------------------------
    def _search(self) -> Iterator[tuple[Certificate, ...]]:
        target = self._target
        if target.der in self._anchor_ders:
            self._paths += 1
            yield (target,)
            return
        if self._max_length < 2:
            self.limit_reached = True
            return
        chain = [target]
        yield from self._extend(chain, 1, {target.der}, {_identity(target)})

    def _extend(
        self,
        chain: list[Certificate],
        length: int,
        ders: set[bytes],
        identities: set[tuple[bytes, bytes]],
    ) -> Iterator[tuple[Certificate, ...]]:
        # ``length`` is the logical length of ``chain``: self-issued intermediates (key
        # rollover, RFC 5280 6.1.4 (l)) do not count; the real length is capped at
        # twice the limit, so recursion depth stays bounded
        child = chain[-1]
        candidates = self._candidates(child)
        usable = [
            (cand, is_anchor)
            for cand, is_anchor in candidates
            if cand.der not in ders and _identity(cand) not in identities
        ]
        if not usable:
            status = (
                ValidationStatus.UNTRUSTED_ROOT
                if _self_issued(child)
                else ValidationStatus.NAME_CHAINING
            )
            self._dead_ends.append((status, tuple(chain)))
            return
        for cand, is_anchor in usable:
            if self._paths >= self._max_paths:
                self.limit_reached = True
                return
            if self._budget <= 0:
                self.limit_reached = True
                return
            self._budget -= 1
            if is_anchor:
                # the anchor ends the path
                if length + 1 > self._max_length:
                    self.limit_reached = True
                    continue
                self._paths += 1
                yield (cand, *reversed(chain))
                continue
            # an untrusted issuer needs at least an anchor above it
            grown = length if _self_issued(cand) else length + 1
            if grown + 1 > self._max_length or len(chain) + 2 > 2 * self._max_length:
                self.limit_reached = True
                continue
            chain.append(cand)
            ders.add(cand.der)
            identities.add(_identity(cand))
            try:
                yield from self._extend(chain, grown, ders, identities)
            finally:
                chain.pop()
                ders.discard(cand.der)
                identities.discard(_identity(cand))

    def _candidates(self, child: Certificate) -> list[tuple[Certificate, bool]]:
        wanted = _authority_key_id(child)
        found: list[tuple[tuple[int, int, int, int], Certificate, bool]] = []
        for index in self._by_name.get(child.issuer.match_key, ()):
            cand, is_anchor = self._issuers[index]
            key_id = _key_id(cand)
            if wanted is None or key_id is None:
                rank = _KEY_ID_UNKNOWN
            else:
                rank = _KEY_ID_MATCH if key_id == wanted else _KEY_ID_MISMATCH
            current = 0 if self._at is None or _valid_at(cand, self._at) else 1
            found.append(((rank, 0 if is_anchor else 1, current, index), cand, is_anchor))
        found.sort(key=lambda item: item[0])
        return [(cand, is_anchor) for _, cand, is_anchor in found]

    def _longest_partial(self) -> tuple[Certificate, ...]:
        if not self._dead_ends:
            return (self._target,)
        return max((chain for _, chain in self._dead_ends), key=len)


def build_paths(
    target: Certificate,
    anchors: Iterable[Certificate],
    intermediates: Iterable[Certificate] = (),
    *,
    at: datetime.datetime | None = None,
    policy: ValidationPolicy | None = None,
) -> PathSearch:
    """The candidate certification paths for ``target`` (see :class:`PathSearch`).

    Paths are built by names and key identifiers (RFC 5280 sections 4.2.1.1, 4.2.1.2,
    7.1) for RFC 5280 section 6.1 validation; nothing is verified here.
    """
    return PathSearch(target, anchors, intermediates, at=at, policy=policy)


def _dedupe(certs: Iterable[Certificate]) -> list[Certificate]:
    seen: set[bytes] = set()
    out: list[Certificate] = []
    for cert in certs:
        if not isinstance(cert, Certificate):
            raise UsageError(f"expected Certificate objects, got {type(cert).__name__}")
        if cert.der not in seen:
            seen.add(cert.der)
            out.append(cert)
    return out


def _self_issued(cert: Certificate) -> bool:
    return cert.is_self_issued


def _valid_at(cert: Certificate, at: datetime.datetime) -> bool:
    return cert.not_before <= at <= cert.not_after


def _subject(cert: Certificate) -> str:
    text = cert.subject.rfc4514()
    return repr(text) if text else f"the certificate with serial {cert.serial_hex}"
