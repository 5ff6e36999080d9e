"""StandardRevocationChecker: RFC 5280 section 6.3 CRL processing on PKITS sections 4.4,
4.5, 4.14, 4.15 (and 4.7.4/4.7.5, 4.1.4-4.1.6), on x509-limbo's ``crl::`` cases, on CRLs
made by ``openssl ca`` and on hand-built CRLs for scope, reasons, delta and indirect
CRLs; plus the fetcher hook. OCSP through the checker is in ``test_ocsp.py``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

import pytest

from smimelib.errors import UsageError
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.crl import CertificateList, load_crls
from smimelib.pki.extensions import DistributionPoint, KeyUsage
from smimelib.pki.general_names import GeneralName
from smimelib.pki.identity import Identity
from smimelib.pki.names import RDN, Name, NameAttribute
from smimelib.pki.path_extensions import ReasonFlag
from smimelib.pki.path_results import (
    CRLReason,
    RevocationOutcome,
    RevocationState,
    TrustResult,
    ValidationStatus,
)
from smimelib.pki.revocation import SignerValidator, StandardRevocationChecker
from tests.pki._crl_builders import (
    LEGACY,
    NOW,
    UTC,
    Entry,
    Fetcher,
    build_crl,
    chain_validator,
    check_path,
    encode_idp,
    make_ee,
    make_identity,
)
from tests.vectors import load_vector

GOOD, REVOKED, UNKNOWN = RevocationState.GOOD, RevocationState.REVOKED, RevocationState.UNKNOWN


# -- PKITS ------------------------------------------------------------------------------------

PKITS = json.loads(load_vector("pkits/pkits.json"))
PKITS_TIME = datetime.datetime(2011, 4, 15, tzinfo=UTC)
PKITS_CASES = [
    t
    for t in PKITS["tests"]
    if (t["revocation_dependent"] and t["runs"][0]["reason"] != "not_ca")
    or t["id"] in ("4.1.4", "4.1.5", "4.5.8")
]


def _pkits(path: str) -> bytes:
    return load_vector("pkits/" + path)


def _pkits_outcomes(test: dict[str, Any]) -> list[RevocationOutcome]:
    path = [Certificate.from_der(_pkits(p)) for p in test["path"]]
    others = [Certificate.from_der(_pkits(p)) for p in test["other_certs"]]
    crls = [(CertificateList.from_der(_pkits(p)), "message") for p in test["crls"]]
    pool = [*path[1:-1], *others]
    checker = StandardRevocationChecker(
        crls=crls,
        certificates=pool,
        validate_signer=chain_validator(crls, [*pool, path[0]]),
        algorithms=LEGACY,
    )
    return check_path(checker, path, PKITS_TIME)


def test_pkits_selection_covers_the_revocation_sections() -> None:
    sections = {t["section"] for t in PKITS_CASES}
    assert sections == {"4.1", "4.4", "4.5", "4.7", "4.14", "4.15"}
    assert len(PKITS_CASES) == 2 + 21 + 8 + 2 + 35 + 10  # 4.1.4-5, 4.4, 4.5, 4.7.4-5, 4.14, 4.15


@pytest.mark.parametrize("test", PKITS_CASES, ids=[t["id"] for t in PKITS_CASES])
def test_pkits(test: dict[str, Any]) -> None:
    """Each certificate of the PKITS path, checked in order: the final revocation state
    matches the run's expected result (revoked, unknown, key_usage for a CRL issuer
    without cRLSign, or good all the way for valid runs)."""
    expected = test["runs"][0]["reason"] or "valid"
    outcomes = _pkits_outcomes(test)
    last = outcomes[-1]
    if expected in ("valid", "not_ca"):
        assert [o.state for o in outcomes] == [GOOD] * len(outcomes), last.detail
        assert all(any(s.used for s in o.sources) for o in outcomes)
    elif expected == "revoked":
        assert last.state is REVOKED, last.detail
        assert last.reason is not None and last.revocation_date is not None
    elif expected == "key_usage":
        assert last.state is UNKNOWN and last.failure is ValidationStatus.KEY_USAGE
    else:
        assert expected == "revocation_status_unknown"
        assert last.state is UNKNOWN and last.failure is None, last.detail


def _pkits_test(test_id: str) -> dict[str, Any]:
    return next(t for t in PKITS["tests"] if t["id"] == test_id)


def test_pkits_revoked_details() -> None:
    ee = _pkits_outcomes(_pkits_test("4.4.3"))[-1]
    assert ee.reason is CRLReason.KEY_COMPROMISE
    assert ee.revocation_date == datetime.datetime(2010, 1, 1, 8, 30, 1, tzinfo=UTC)
    assert ee.detail is not None and "Good CA" in ee.detail
    (used,) = [s for s in ee.sources if s.used]
    assert (used.kind, used.origin, used.number) == ("crl", "message", 1)
    hold = _pkits_outcomes(_pkits_test("4.14.16"))[-1]
    assert hold.reason is CRLReason.CERTIFICATE_HOLD
    delta = _pkits_outcomes(_pkits_test("4.15.4"))[-1]
    assert delta.state is REVOKED
    assert sorted(s.kind for s in delta.sources if s.used) == ["crl", "delta-crl"]


def test_pkits_revoked_ca_is_found_above_the_end_entity() -> None:
    outcomes = _pkits_outcomes(_pkits_test("4.4.2"))
    assert [o.state for o in outcomes] == [GOOD, REVOKED]  # Revoked subCA, on Good CA's CRL


def test_pkits_unknown_reasons_are_explained() -> None:
    stale = _pkits_outcomes(_pkits_test("4.4.11"))[-1]
    assert stale.detail is not None and "stale" in stale.detail
    (source,) = [s for s in stale.sources if s.issuer.startswith("CN=Old CRL")]
    assert not source.used and source.problem is not None and "nextUpdate" in source.problem
    reasons = _pkits_outcomes(_pkits_test("4.14.17"))[-1]
    assert reasons.detail is not None and "key_compromise" in reasons.detail
    signer = _pkits_outcomes(_pkits_test("4.4.21"))[-1]
    assert signer.detail is not None and "does not validate" in signer.detail


def test_pkits_separate_crl_key_needs_a_signer_validator() -> None:
    """4.4.19: the CRL is signed by a certificate that is not on the path; without a
    validate_signer it cannot be trusted (RFC 5280 6.3.3 (f))."""
    test = _pkits_test("4.4.19")
    path = [Certificate.from_der(_pkits(p)) for p in test["path"]]
    others = [Certificate.from_der(_pkits(p)) for p in test["other_certs"]]
    crls = [(CertificateList.from_der(_pkits(p)), "store") for p in test["crls"]]
    checker = StandardRevocationChecker(crls=crls, certificates=others, algorithms=LEGACY)
    last = check_path(checker, path, PKITS_TIME)[-1]
    assert last.state is UNKNOWN and last.detail is not None
    assert "no signer validator" in last.detail


# -- x509-limbo crl:: cases -------------------------------------------------------------------

LIMBO = [
    t
    for t in json.loads(load_vector("limbo/limbo.json"))["testcases"]
    if t["id"].startswith("crl::")
]


@pytest.mark.parametrize("case", LIMBO, ids=[t["id"] for t in LIMBO])
def test_limbo_crl_cases(case: dict[str, Any]) -> None:
    """The leaf's revocation status against the anchor's CRLs: GOOD exactly for the
    cases limbo expects to succeed."""
    anchors = [c for pem in case["trusted_certs"] for c in load_certificates(pem)]
    leaf = Certificate.from_pem(case["peer_certificate"])
    crls = [(c, "caller") for pem in case["crls"] for c in load_crls(pem)]
    at = datetime.datetime.fromisoformat(case["validation_time"])
    (anchor,) = [a for a in anchors if a.subject.matches(leaf.issuer)]
    outcome = StandardRevocationChecker(crls=crls).check(leaf, anchor, path=[anchor, leaf], at=at)
    assert (outcome.state is GOOD) is (case["expected_result"] == "SUCCESS"), outcome.detail


# -- hand-built PKIs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca("CN=Revocation CA,O=smimelib tests", key_type="p-256")


def status(
    cert: Certificate,
    issuer: Certificate,
    crls: Sequence[CertificateList],
    *,
    at: datetime.datetime = NOW,
    **kwargs: Any,
) -> RevocationOutcome:
    checker = StandardRevocationChecker(crls=[(c, "caller") for c in crls], **kwargs)
    return checker.check(cert, issuer, path=[issuer, cert], at=at)


def test_good_and_revoked(ca: Identity) -> None:
    ee = make_ee(ca)
    assert status(ee, ca.certificate, [build_crl(ca, [Entry(ee.serial_number + 1)])]).state is GOOD
    when = NOW - datetime.timedelta(days=3)
    invalid = NOW - datetime.timedelta(days=5)
    crl = build_crl(ca, [Entry(ee.serial_number, when, reason=1, invalidity=invalid)])
    outcome = status(ee, ca.certificate, [crl])
    assert outcome.state is REVOKED and outcome.reason is CRLReason.KEY_COMPROMISE
    assert outcome.revocation_date == when and outcome.invalidity_date == invalid
    assert [s.used for s in outcome.sources] == [True]


@pytest.mark.parametrize("reason", [r for r in CRLReason if r is not CRLReason.REMOVE_FROM_CRL])
def test_every_reason_revokes(ca: Identity, reason: CRLReason) -> None:
    ee = make_ee(ca)
    outcome = status(ee, ca.certificate, [build_crl(ca, [Entry(ee.serial_number, reason=reason)])])
    assert outcome.state is REVOKED and outcome.reason is reason


def test_entry_without_reason_is_unspecified_and_remove_is_not_revoked(ca: Identity) -> None:
    ee = make_ee(ca)
    plain = status(ee, ca.certificate, [build_crl(ca, [Entry(ee.serial_number)])])
    assert plain.state is REVOKED and plain.reason is CRLReason.UNSPECIFIED
    removed = status(ee, ca.certificate, [build_crl(ca, [Entry(ee.serial_number, reason=8)])])
    assert removed.state is GOOD  # 6.3.3 (j)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"number": None}, "no cRLNumber"),
        ({"number_critical": True}, "critical"),
        ({"next_update": NOW - datetime.timedelta(minutes=1)}, "stale"),
        ({"tamper": True}, "does not verify"),
        ({"extensions": [ext.Extension("1.2.3.4", True, b"\x05\x00")]}, "unknown critical"),
        ({"idp": encode_idp(only_ca=True)}, "only CA certificates"),
        ({"idp": encode_idp(only_attribute=True)}, "attribute certificates"),
        ({"idp": encode_idp(full_name=[GeneralName.uri("http://x/")])}, "distribution point"),
        ({"idp": encode_idp(indirect=True, reasons=[ReasonFlag.KEY_COMPROMISE])}, "reason"),
    ],
)
def test_unusable_crls(ca: Identity, kwargs: dict[str, Any], problem: str) -> None:
    ee = make_ee(ca)
    outcome = status(ee, ca.certificate, [build_crl(ca, **kwargs)])
    assert outcome.state is UNKNOWN and outcome.detail is not None
    assert problem in outcome.detail
    if problem != "reason":  # an onlySomeReasons CRL is used, it just does not cover all
        assert all(not s.used for s in outcome.sources)


def test_no_next_update_is_current(ca: Identity) -> None:
    ee = make_ee(ca)
    assert status(ee, ca.certificate, [build_crl(ca, next_update=None)]).state is GOOD


def test_unknown_critical_entry_extension_still_revokes(ca: Identity) -> None:
    """X.509 7.3 note 4 (PKITS 4.4.8/4.4.9): listed certificates are revoked."""
    ee = make_ee(ca)
    odd = ext.Extension("1.2.3.4", True, b"\x05\x00")
    crl = build_crl(ca, [Entry(ee.serial_number, reason=4, extra=[odd])])
    outcome = status(ee, ca.certificate, [crl])
    assert outcome.state is REVOKED and outcome.detail is not None
    assert "unknown critical" in outcome.detail


def test_other_issuers_crl_is_not_consulted(ca: Identity) -> None:
    ee = make_ee(ca)
    other = make_ca("CN=Other CA", key_type="p-256")
    foreign = build_crl(other, [Entry(ee.serial_number, reason=1)])
    outcome = status(ee, ca.certificate, [foreign])
    assert outcome.state is UNKNOWN and outcome.sources == ()
    assert status(ee, ca.certificate, [foreign, build_crl(ca)]).state is GOOD


def test_crl_signer_key_usage(ca: Identity) -> None:
    """RFC 5280 6.3.3 (f): a CRL issuer whose keyUsage lacks cRLSign is refused (limbo
    crl::issuer-missing-crlsign); without keyUsage it may sign CRLs."""
    no_crl_sign = make_identity(
        ca, "CN=No cRLSign", key_usage=frozenset({KeyUsage.KEY_CERT_SIGN}), is_ca=True
    )
    no_ku = make_identity(ca, "CN=No KU", is_ca=True)
    for issuer, expected in ((no_crl_sign, UNKNOWN), (no_ku, GOOD)):
        ee = make_ee(issuer)
        outcome = status(ee, issuer.certificate, [build_crl(issuer)])
        assert outcome.state is expected
    ee = make_ee(no_crl_sign)
    failed = status(ee, no_crl_sign.certificate, [build_crl(no_crl_sign)])
    assert failed.failure is ValidationStatus.KEY_USAGE


def test_separate_crl_signer_is_validated(ca: Identity) -> None:
    """A CRL signed by another certificate of the same name (PKITS 4.4.19): used only when
    validate_signer says the signer validates to the same anchor."""
    signer = make_identity(ca, "CN=Revocation CA,O=smimelib tests")
    ee = make_ee(ca)
    crl = build_crl(signer, [Entry(ee.serial_number, reason=1)])
    calls: list[tuple[Certificate, int]] = []

    def validator(verdict: ValidationStatus) -> SignerValidator:
        def run(
            cand: Certificate, path: Sequence[Certificate], at: datetime.datetime
        ) -> TrustResult:
            calls.append((cand, len(path)))
            return TrustResult(verdict, reason="test verdict")

        return run

    ok = status(
        ee,
        ca.certificate,
        [crl],
        certificates=[signer.certificate],
        validate_signer=validator(ValidationStatus.VALID),
    )
    assert ok.state is REVOKED and calls == [(signer.certificate, 2)]
    bad = status(
        ee,
        ca.certificate,
        [crl],
        certificates=[signer.certificate],
        validate_signer=validator(ValidationStatus.REVOKED),
    )
    assert bad.state is UNKNOWN and bad.detail is not None and "test verdict" in bad.detail
    none = status(ee, ca.certificate, [crl], certificates=[signer.certificate])
    assert none.state is UNKNOWN


def test_validator_exception_is_reported(ca: Identity) -> None:
    signer = make_identity(ca, "CN=Revocation CA,O=smimelib tests")
    ee = make_ee(ca)

    def boom(cand: Certificate, path: Sequence[Certificate], at: datetime.datetime) -> TrustResult:
        raise UsageError("validator exploded")

    outcome = status(
        ee,
        ca.certificate,
        [build_crl(signer)],
        certificates=[signer.certificate],
        validate_signer=boom,
    )
    assert outcome.state is UNKNOWN and outcome.detail is not None
    assert "validator exploded" in outcome.detail


def test_only_some_reasons_need_every_reason(ca: Identity) -> None:
    """6.3.3 (c), (d), (k): two CRLs partitioning the reasons give GOOD; one alone UNKNOWN."""
    ee = make_ee(ca)
    some = [ReasonFlag.KEY_COMPROMISE, ReasonFlag.CA_COMPROMISE]
    rest = [r for r in ReasonFlag if r not in some and r is not ReasonFlag.UNUSED]
    first = build_crl(ca, idp=encode_idp(reasons=some), number=3)
    second = build_crl(ca, idp=encode_idp(reasons=rest), number=4)
    assert status(ee, ca.certificate, [first]).state is UNKNOWN
    both = status(ee, ca.certificate, [first, second])
    assert both.state is GOOD and all(s.used for s in both.sources)
    revoked = build_crl(ca, [Entry(ee.serial_number, reason=3)], idp=encode_idp(reasons=rest))
    assert status(ee, ca.certificate, [first, revoked]).state is REVOKED


def test_distribution_point_names(ca: Identity) -> None:
    """6.3.3 (b)(2)(i): full names and nameRelativeToCRLIssuer on either side."""
    uri = GeneralName.uri("http://crl.example/a.crl")
    ee = make_ee(ca, dps=[DistributionPoint(full_name=(uri,))])
    assert (
        status(ee, ca.certificate, [build_crl(ca, idp=encode_idp(full_name=[uri]))]).state is GOOD
    )
    other = encode_idp(full_name=[GeneralName.uri("http://crl.example/b.crl")])
    assert status(ee, ca.certificate, [build_crl(ca, idp=other)]).state is UNKNOWN
    assert status(ee, ca.certificate, [build_crl(ca)]).state is GOOD  # no IDP: whole CA
    rdn = RDN((NameAttribute.build("CN", "partition 1"),))
    full = Name((*ca.certificate.subject.rdns, rdn))
    by_rel = make_ee(ca, dps=[DistributionPoint(relative_name=rdn)])
    by_full = make_ee(ca, dps=[DistributionPoint(full_name=(GeneralName.directory(full),))])
    rel_crl = build_crl(ca, idp=encode_idp(relative_name=rdn))
    full_crl = build_crl(ca, idp=encode_idp(full_name=[GeneralName.directory(full)]))
    for cert in (by_rel, by_full):
        for crl in (rel_crl, full_crl):
            assert status(cert, ca.certificate, [crl]).state is GOOD
    plain = make_ee(ca)  # no cRLDistributionPoints: an IDP naming a partition does not cover it
    assert status(plain, ca.certificate, [rel_crl]).state is UNKNOWN


def test_only_user_and_only_ca(ca: Identity) -> None:
    user = make_ee(ca)
    sub_ca = make_ee(ca, "sub ca", is_ca=True)
    users_crl = build_crl(ca, idp=encode_idp(only_user=True))
    cas_crl = build_crl(ca, idp=encode_idp(only_ca=True))
    assert status(user, ca.certificate, [users_crl]).state is GOOD
    assert status(user, ca.certificate, [cas_crl]).state is UNKNOWN
    assert status(sub_ca, ca.certificate, [cas_crl]).state is GOOD
    assert status(sub_ca, ca.certificate, [users_crl]).state is UNKNOWN
    both = status(sub_ca, ca.certificate, [users_crl, cas_crl])
    assert both.state is GOOD and [s.used for s in both.sources].count(True) == 1


def test_indirect_crl(ca: Identity) -> None:
    """A cRLIssuer in the distribution point and an indirect CRL whose entries carry
    certificateIssuer (RFC 5280 5.2.5, 5.3.3, 6.3.3 (b)(1))."""
    crl_issuer = make_identity(ca, "CN=Indirect CRL Issuer,O=smimelib tests")
    pointer = DistributionPoint(crl_issuer=(GeneralName.directory(crl_issuer.certificate.subject),))
    ee = make_ee(ca, dps=[pointer])
    ca_name = [GeneralName.directory(ca.certificate.subject)]
    revoking = build_crl(
        crl_issuer,
        [
            Entry(ee.serial_number, reason=9),
            Entry(ee.serial_number, certificate_issuer=ca_name, reason=10),
        ],
        idp=encode_idp(indirect=True),
    )
    validate = chain_validator([(build_crl(ca), "store")], [ca.certificate], LEGACY)
    outcome = status(
        ee,
        ca.certificate,
        [revoking],
        certificates=[crl_issuer.certificate],
        validate_signer=validate,
    )
    assert outcome.state is REVOKED and outcome.reason is CRLReason.AA_COMPROMISE
    clean = build_crl(
        crl_issuer, [Entry(ee.serial_number, reason=1)], idp=encode_idp(indirect=True)
    )  # same serial, but for the CRL issuer's own certificates
    assert (
        status(
            ee,
            ca.certificate,
            [clean],
            certificates=[crl_issuer.certificate],
            validate_signer=validate,
        ).state
        is GOOD
    )
    direct = build_crl(crl_issuer)
    assert (
        status(
            ee,
            ca.certificate,
            [direct],
            certificates=[crl_issuer.certificate],
            validate_signer=validate,
        ).state
        is UNKNOWN
    )  # not marked indirect
    assert status(ee, ca.certificate, [build_crl(ca)]).state is UNKNOWN  # not the cRLIssuer


def test_delta_crls(ca: Identity) -> None:
    """RFC 5280 5.2.4, 6.3.3 (g)-(j): a delta CRL applies to a complete CRL numbered at
    least its BaseCRLNumber and lower than its own number; the delta decides first."""
    held, fresh, fine = make_ee(ca, "held"), make_ee(ca, "fresh"), make_ee(ca, "fine")
    base = build_crl(ca, [Entry(held.serial_number, reason=6)], number=10)
    delta = build_crl(
        ca,
        [Entry(held.serial_number, reason=8), Entry(fresh.serial_number, reason=1)],
        number=12,
        delta_base=9,
    )
    assert status(held, ca.certificate, [base]).reason is CRLReason.CERTIFICATE_HOLD
    released = status(held, ca.certificate, [base, delta])
    assert released.state is GOOD
    assert sorted(s.kind for s in released.sources if s.used) == ["crl", "delta-crl"]
    assert status(fresh, ca.certificate, [base, delta]).state is REVOKED
    assert status(fine, ca.certificate, [base, delta]).state is GOOD
    too_new = build_crl(ca, [Entry(fresh.serial_number, reason=1)], number=13, delta_base=11)
    outcome = status(fresh, ca.certificate, [base, too_new])
    assert outcome.state is GOOD  # the delta does not apply, the complete CRL stands
    (delta_src,) = [s for s in outcome.sources if s.kind == "delta-crl"]
    assert not delta_src.used and delta_src.problem is not None and "5.2.4" in delta_src.problem
    assert status(fresh, ca.certificate, [delta]).state is UNKNOWN  # a delta alone (4.15.1)


def test_stale_complete_crl_with_current_delta(ca: Identity) -> None:
    ee = make_ee(ca)
    stale = build_crl(
        ca,
        number=5,
        this_update=NOW - datetime.timedelta(days=9),
        next_update=NOW - datetime.timedelta(days=2),
    )
    delta = build_crl(ca, number=6, delta_base=5)
    assert status(ee, ca.certificate, [stale]).state is UNKNOWN
    assert status(ee, ca.certificate, [stale, delta]).state is GOOD


def test_newest_complete_crl_decides(ca: Identity) -> None:
    ee = make_ee(ca)
    old = build_crl(
        ca,
        [Entry(ee.serial_number, reason=6)],
        number=1,
        this_update=NOW - datetime.timedelta(days=2),
    )
    new = build_crl(ca, number=2, this_update=NOW - datetime.timedelta(hours=1))
    assert status(ee, ca.certificate, [old, new]).state is GOOD
    outcome = status(ee, ca.certificate, [new, old])
    assert outcome.state is GOOD
    assert [(s.number, s.used) for s in outcome.sources] == [(2, True), (1, False)]
    assert outcome.sources[1].problem == "not needed: other CRLs already decided the status"


def test_usage_errors(ca: Identity) -> None:
    ee = make_ee(ca)
    with pytest.raises(UsageError):
        StandardRevocationChecker(crls=[(b"not a crl", "caller")])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        StandardRevocationChecker(certificates=[b"x"])  # type: ignore[list-item]
    checker = StandardRevocationChecker()
    with pytest.raises(UsageError, match="aware"):
        checker.check(
            ee, ca.certificate, path=[ca.certificate, ee], at=datetime.datetime(2025, 1, 1)
        )
    outcome = checker.check(ee, ca.certificate, path=[ca.certificate, ee], at=NOW)
    assert outcome.state is UNKNOWN and outcome.sources == ()
    assert "crls=0" in repr(checker)


# -- the fetcher hook -------------------------------------------------------------------------


def test_fetcher_is_asked_when_nothing_decides(ca: Identity) -> None:
    ee = make_ee(ca)
    crl = build_crl(ca, [Entry(ee.serial_number, reason=5)])
    fetcher = Fetcher([crl.to_pem()])
    outcome = status(ee, ca.certificate, [], fetcher=fetcher)
    assert outcome.state is REVOKED and outcome.reason is CRLReason.CESSATION_OF_OPERATION
    assert [(s.origin, s.used) for s in outcome.sources] == [("fetched", True)]
    assert fetcher.requests == []  # the CRL decided; OCSP was not needed
    local = status(ee, ca.certificate, [build_crl(ca)], fetcher=fetcher)
    assert local.state is GOOD and all(s.origin == "caller" for s in local.sources)


def test_fetcher_failures_are_sources_with_problems(ca: Identity) -> None:
    ee = make_ee(ca)
    broken = status(ee, ca.certificate, [], fetcher=Fetcher(error=OSError("network down")))
    assert broken.state is UNKNOWN
    assert [s.kind for s in broken.sources] == ["crl", "ocsp"]
    assert all(s.problem is not None and "network down" in s.problem for s in broken.sources)
    garbage = Fetcher([b"\x30\x03\x02\x01\x01"], ocsp=b"garbage")
    outcome = status(ee, ca.certificate, [], fetcher=garbage)
    assert outcome.state is UNKNOWN and len(outcome.sources) == 2
    assert all(not s.used and s.origin == "fetched" for s in outcome.sources)
    assert len(garbage.requests) == 1


# -- policy and bounded work ------------------------------------------------------------------


def test_crl_signature_algorithm_refused_by_policy() -> None:
    """PKITS 4.1.4 (DSA with SHA-1) under the default policy: the CRL cannot be used and
    the cause is the algorithm (RFC 8550 section 4.3)."""
    test = _pkits_test("4.1.4")
    path = [Certificate.from_der(_pkits(p)) for p in test["path"]]
    crls = [(CertificateList.from_der(_pkits(p)), "message") for p in test["crls"]]
    checker = StandardRevocationChecker(crls=crls)
    outcome = checker.check(path[2], path[1], path=path, at=PKITS_TIME)
    assert outcome.state is UNKNOWN and outcome.failure is ValidationStatus.ALGORITHM
    assert outcome.detail is not None and "refused" in outcome.detail


def test_many_bogus_crls_are_bounded(ca: Identity) -> None:
    """A message full of CRLs with the issuer's name and bad signatures: at most 64 are
    looked at (newest first), each signature checked once."""
    ee = make_ee(ca)
    bogus = [
        build_crl(ca, number=n, tamper=True, this_update=NOW - datetime.timedelta(minutes=n))
        for n in range(1, 101)
    ]
    outcome = status(ee, ca.certificate, bogus)
    assert outcome.state is UNKNOWN and len(outcome.sources) == 64
    assert {s.number for s in outcome.sources} == set(range(1, 65))


def test_many_distribution_points_are_bounded(ca: Identity) -> None:
    points = [
        DistributionPoint(full_name=(GeneralName.uri(f"http://crl.example/{i}.crl"),))
        for i in range(40)
    ]
    ee = make_ee(ca, dps=points)
    last = encode_idp(full_name=[GeneralName.uri("http://crl.example/39.crl")])
    first = encode_idp(full_name=[GeneralName.uri("http://crl.example/0.crl")])
    assert status(ee, ca.certificate, [build_crl(ca, idp=first)]).state is GOOD
    # only the first 16 distribution points are tried
    assert status(ee, ca.certificate, [build_crl(ca, idp=last)]).state is UNKNOWN


def test_malformed_extensions_do_not_escape(ca: Identity) -> None:
    """A certificate with a malformed cRLDistributionPoints is UNKNOWN (MALFORMED), and a
    pool certificate with a malformed extension is simply not a CRL signer."""
    key = generate_key("p-256")
    broken = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", "broken dp")]))
        .public_key(key)
        .add_extension(ext.OID_CRL_DISTRIBUTION_POINTS, b"\x30\x03\x02\x01\x01")
        .sign(ca.key, issuer=ca.certificate)
    )
    outcome = status(broken, ca.certificate, [build_crl(ca)])
    assert outcome.state is UNKNOWN and outcome.failure is ValidationStatus.MALFORMED
    impostor = (
        CertificateBuilder()
        .subject_name(ca.certificate.subject)
        .public_key(generate_key("p-256"))
        .add_extension(ext.OID_SUBJECT_KEY_IDENTIFIER, b"\x02\x01\x01")
        .sign(ca.key, issuer=ca.certificate)
    )
    ee = make_ee(ca)
    crl = build_crl(ca, [Entry(ee.serial_number, reason=1)])
    assert status(ee, ca.certificate, [crl], certificates=[impostor]).state is REVOKED
