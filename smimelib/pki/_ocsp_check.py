"""Judging OCSP responses for one certificate (RFC 6960 sections 3.2, 4.2.2).

Used by :class:`smimelib.pki.revocation.StandardRevocationChecker`. A response counts
for a certificate when one of its SingleResponses carries the certificate's CertID, it
is signed by an authorised responder (the issuer itself, or a certificate the issuer
issued with id-kp-OCSPSigning: 4.2.2.2), it is current at the validation time
(thisUpdate / nextUpdate, optionally a maximum age and a required nextUpdate: 3.2,
4.2.2.1) and, when the caller
sent one, it echoes the nonce (4.4.1).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from smimelib.asn1 import tlv
from smimelib.errors import PolicyError, SmimeError, UnsupportedAlgorithm
from smimelib.pki._crl_check import (
    CRLContext,
    describe_signature,
    freshness_problem,
    signer_problem,
)
from smimelib.pki._signed import refuse_broken_digest
from smimelib.pki.certificate import Certificate
from smimelib.pki.ocsp import (
    OID_OCSP_NOCHECK,
    OID_OCSP_SIGNING,
    CertStatus,
    OCSPResponse,
    SingleResponse,
)
from smimelib.pki.path_results import RevocationSource, RevocationState

__all__ = ["OCSPVerdict", "check_ocsp"]

#: most responder candidates examined for one response
_MAX_RESPONDER_CANDIDATES = 16
#: most OCSP responses, and SingleResponses per response, looked at for one check
_MAX_RESPONSES = 32
_MAX_SINGLES = 256
#: clock skew tolerated between a responder and the validation time
_SKEW = datetime.timedelta(minutes=5)


@dataclass
class OCSPVerdict:
    """The outcome of OCSP processing for one certificate."""

    state: RevocationState
    single: SingleResponse | None = None
    sources: list[RevocationSource] = field(default_factory=list)
    detail: str | None = None


def _key_bits(cert: Certificate) -> bytes:
    spki = tlv.parse_one(cert.spki_der, what="SubjectPublicKeyInfo")
    return spki.children()[1].as_bit_string()[1]


def _matches(single: SingleResponse, cert: Certificate, issuer: Certificate) -> bool:
    """RFC 6960 4.1.1 / 3.2 (1): the CertID names ``cert`` as issued by ``issuer``."""
    cid = single.cert_id
    if cid.serial_number != cert.serial_number:
        return False
    from smimelib.crypto.digests import digest

    try:
        name_hash = digest(cid.hash_algorithm, cert.issuer.der)
        key_hash = digest(cid.hash_algorithm, _key_bits(issuer))
    except SmimeError:
        return False
    return name_hash == cid.issuer_name_hash and key_hash == cid.issuer_key_hash


def _responder_candidates(
    resp: OCSPResponse, issuer: Certificate, pool: Sequence[Certificate]
) -> list[Certificate]:
    rid = resp.responder_id
    out: list[Certificate] = []
    seen: set[bytes] = set()
    for cand in (issuer, *resp.certs, *pool):
        if cand.der in seen or rid is None:
            continue
        seen.add(cand.der)
        if rid.by_name is not None:
            ok = cand.subject.matches(rid.by_name)
        else:
            try:
                ok = hashlib.sha1(_key_bits(cand), usedforsecurity=False).digest() == rid.by_key
            except SmimeError:
                ok = False
        if ok:
            out.append(cand)
            if len(out) >= _MAX_RESPONDER_CANDIDATES:
                break
    return out


def _authorised(
    cand: Certificate,
    issuer: Certificate,
    path: Sequence[Certificate],
    at: datetime.datetime,
    ctx: CRLContext,
) -> str | None:
    """None when ``cand`` may answer for certificates of ``issuer`` (RFC 6960 4.2.2.2)."""
    if cand == issuer or (
        cand.subject.matches(issuer.subject) and cand.spki_der == issuer.spki_der
    ):
        return None
    if not cand.issuer.matches(issuer.subject):
        return "the responder is neither the issuer nor a certificate it issued (RFC 6960 4.2.2.2)"
    eku = cand.extended_key_usage
    if eku is None or OID_OCSP_SIGNING not in eku:
        return "the delegated responder lacks id-kp-OCSPSigning (RFC 6960 4.2.2.2)"
    try:
        refuse_broken_digest(cand.signature_algorithm)
        cand.verify_signature(issuer.public_key, policy=ctx.algorithms)
    except PolicyError as exc:
        return f"the delegated responder certificate's signature is refused: {exc.message}"
    except SmimeError:
        return "the delegated responder certificate is not signed by the issuer"
    if not cand.valid_at(at):
        return "the delegated responder certificate is not valid at the validation time"
    if cand.extension(OID_OCSP_NOCHECK) is not None or ctx.validate_signer is None:
        # id-pkix-ocsp-nocheck: the client trusts the responder for its lifetime (4.2.2.2.1)
        return None
    reason = signer_problem(cand, path, at, ctx)
    return None if reason is None else f"the delegated responder does not validate: {reason}"


def _judge(
    resp: OCSPResponse,
    cert: Certificate,
    issuer: Certificate,
    path: Sequence[Certificate],
    at: datetime.datetime,
    ctx: CRLContext,
    nonce: bytes | None,
    max_age: datetime.timedelta | None,
) -> tuple[SingleResponse | None, str | None]:
    """(the SingleResponse for ``cert`` if the response may be used, why not otherwise)."""
    if not resp.successful:
        return None, f"the OCSP response status is {resp.response_status.name.lower()}"
    single = next((s for s in resp.responses[:_MAX_SINGLES] if _matches(s, cert, issuer)), None)
    if single is None:
        return None, "no SingleResponse for this certificate (CertID mismatch)"
    if nonce is not None and resp.nonce != nonce:
        return None, "the OCSP response does not echo the request nonce (RFC 6960 4.4.1)"
    if single.this_update > at + _SKEW:
        # RFC 6960 4.2.2.1: a thisUpdate later than the local time is unreliable
        return None, "the OCSP response's thisUpdate is after the validation time"
    if single.next_update is not None and single.next_update < at:
        return None, "the OCSP response is stale: nextUpdate has passed (RFC 6960 4.2.2.1)"
    too_old = freshness_problem(
        "OCSP response",
        single.this_update,
        single.next_update,
        at,
        max_age,
        ctx.require_next_update,
    )
    if too_old is not None:
        return None, too_old
    problem = "no certificate of the OCSP responder was found"
    for cand in _responder_candidates(resp, issuer, ctx.pool):
        try:
            if resp.signature_algorithm is not None:
                refuse_broken_digest(resp.signature_algorithm)
            resp.verify_signature(cand, policy=ctx.algorithms)
        except (PolicyError, UnsupportedAlgorithm) as exc:
            problem = f"the OCSP signature algorithm is refused: {exc.message}"
            continue
        except SmimeError:
            problem = "the OCSP response signature does not verify"
            continue
        try:
            why = _authorised(cand, issuer, path, at, ctx)
        except SmimeError as exc:  # malformed extensions of a candidate responder
            why = f"the responder certificate is malformed: {exc.message}"
        if why is not None:
            problem = why
            continue
        return single, None
    return None, problem


def check_ocsp(
    cert: Certificate,
    issuer: Certificate,
    path: Sequence[Certificate],
    at: datetime.datetime,
    responses: Sequence[tuple[OCSPResponse, str]],
    ctx: CRLContext,
    *,
    nonce: bytes | None,
    max_age: datetime.timedelta | None,
) -> OCSPVerdict:
    """The OCSP status of ``cert``: the first usable response decides (REVOKED first)."""
    sources: list[RevocationSource] = []
    good: SingleResponse | None = None
    unknown: SingleResponse | None = None
    for resp, origin in responses[:_MAX_RESPONSES]:
        single, problem = _judge(resp, cert, issuer, path, at, ctx, nonce, max_age)
        if single is None and problem == "no SingleResponse for this certificate (CertID mismatch)":
            continue  # a response about other certificates was not consulted for this one
        algorithm, weak = describe_signature(resp.signature_algorithm)
        sources.append(
            RevocationSource(
                kind="ocsp",
                origin=origin,
                issuer=str(resp.responder_id) if resp.responder_id is not None else "",
                this_update=single.this_update if single is not None else None,
                next_update=single.next_update if single is not None else None,
                used=single is not None,
                problem=problem,
                signature_algorithm=algorithm,
                weak_signature=weak,
            )
        )
        if single is None:
            continue
        if single.status is CertStatus.REVOKED:
            when = single.revocation_time.isoformat() if single.revocation_time else "?"
            said = f"the OCSP responder {resp.responder_id} says revoked since {when}"
            return OCSPVerdict(RevocationState.REVOKED, single, sources, said)
        if single.status is CertStatus.GOOD:
            good = good or single
        else:
            unknown = unknown or single
    if good is not None:
        return OCSPVerdict(RevocationState.GOOD, good, sources, "the OCSP responder says good")
    if unknown is not None:
        return OCSPVerdict(
            RevocationState.UNKNOWN, unknown, sources, "the OCSP responder does not know it"
        )
    problems = sorted({s.problem for s in sources if s.problem})
    detail: str | None = None
    if problems:
        detail = "no usable OCSP response: " + "; ".join(problems)
    return OCSPVerdict(RevocationState.UNKNOWN, None, sources, detail)
