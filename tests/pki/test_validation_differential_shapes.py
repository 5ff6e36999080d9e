"""Deterministic shapes of the differential test against ``openssl verify``.

The hypothesis-driven half, the PKI model and the documented differences between
OpenSSL 3.0 and RFC 5280 section 6 live in :mod:`tests.pki.test_validation_differential`;
this module pins the interesting shapes found with it, one test each, and the shapes the
generator avoids with OpenSSL's exact error for each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from smimelib.pki.extensions import KeyUsage
from smimelib.pki.general_names import GeneralName
from smimelib.pki.path_extensions import GeneralSubtree, NameConstraints
from smimelib.pki.path_results import ANY_POLICY, PolicySettings, ValidationStatus
from tests.pki.test_validation_differential import (
    _CA,
    _DIR,
    _LEAF_SANS,
    _P1,
    _P2,
    Case,
    CertSpec,
    _openssl_not_after_exclusive,
    _openssl_skips_mappings_without_policies,
    build,
    check_agreement,
    openssl_verdict,
    smimelib_result,
)

pytestmark = pytest.mark.interop


def _ca(**changes: object) -> CertSpec:
    return dataclasses.replace(_CA, **changes)  # type: ignore[arg-type]


def _nc(
    *, permitted: Sequence[GeneralName] = (), excluded: Sequence[GeneralName] = ()
) -> NameConstraints:
    return NameConstraints(
        tuple(GeneralSubtree(n) for n in permitted) or None,
        tuple(GeneralSubtree(n) for n in excluded) or None,
    )


def _email(address: str) -> tuple[GeneralName, ...]:
    return (GeneralName.email(address),)


_EXPLICIT = PolicySettings(initial_explicit_policy=True)


def _permit(*names: GeneralName) -> CertSpec:
    return _ca(name_constraints=_nc(permitted=names))


def _exclude(*names: GeneralName) -> CertSpec:
    return _ca(name_constraints=_nc(excluded=names))


def _policy_case(
    *cas: CertSpec, leaf: tuple[str, ...] = (_P1,), initial: str = ANY_POLICY, **flags: bool
) -> Case:
    settings = PolicySettings(frozenset({initial}), initial_explicit_policy=True, **flags)
    return Case(cas, leaf=CertSpec(policies=leaf), settings=settings)


_E = GeneralName.email
_ALICE, _ALICE_UP, _ALICE_DOM = (
    _E("alice@example.com"),
    _E("Alice@example.com"),
    _E("alice@EXAMPLE.com"),
)
_BOB_SUB, _HOST, _DOMAIN = _E("bob@mail.example.com"), _E("example.com"), _E(".example.com")
_MAIL_OU = GeneralName.directory(_DIR["O=Example,OU=Mail"])
_ANY_CA = _ca(policies=(ANY_POLICY,))
_MAP_CA = _ca(policies=(_P1,), mappings=((_P1, _P2),))
_INHIBIT_ANY_0 = _ca(policies=(ANY_POLICY,), inhibit_any=0)
_PATHLEN_0 = _ca(basic=(True, 0))

#: (id, case, the verdict both must give)
SHAPES: list[tuple[str, Case, bool]] = [
    ("plain-two-intermediates", Case((_CA, _CA)), True),
    ("mailbox-local-part-case", Case((_permit(_ALICE),), san=(_ALICE_UP,)), False),
    ("mailbox-domain-case", Case((_permit(_ALICE),), san=(_ALICE_DOM,)), True),
    ("host-form-not-subdomain", Case((_permit(_HOST),), san=(_BOB_SUB,)), False),
    ("domain-form-subdomain", Case((_permit(_DOMAIN),), san=(_BOB_SUB,)), True),
    ("domain-form-not-host", Case((_permit(_DOMAIN),), san=(_ALICE,)), False),
    (
        "dn-email-despite-san",
        Case((_exclude(_E("other.org")),), san=(_ALICE,), dn_email="c@other.org"),
        False,
    ),
    ("dn-email-without-san", Case((_permit(_ALICE),), dn_email="alice@example.com"), True),
    ("dns-subdomain", Case((_exclude(GeneralName.dns("other.org")),), san=_LEAF_SANS[2:3]), False),
    ("dirname-binds-next-ca", Case((_permit(_MAIL_OU), _CA)), False),
    ("dirname-skips-self-issued", Case((_permit(_MAIL_OU), _CA), self_issued=True), True),
    ("dirname-leaf-only", Case((_permit(_MAIL_OU),)), True),
    ("pathlen-0-above-ca", Case((_PATHLEN_0, _CA)), False),
    ("pathlen-0-above-self-issued", Case((_PATHLEN_0, _CA), self_issued=True), True),
    ("pathlen-0-above-leaf", Case((_CA, _PATHLEN_0)), True),
    ("ca-without-bc-but-keycertsign", Case((_ca(basic=None),)), False),
    ("leaf-keycertsign", Case(leaf=CertSpec(key_usage=frozenset({KeyUsage.KEY_CERT_SIGN}))), True),
    ("inhibit-any-0", _policy_case(_INHIBIT_ANY_0, _ANY_CA), False),
    ("inhibit-any-1", _policy_case(_ca(policies=(ANY_POLICY,), inhibit_any=1), _ANY_CA), True),
    (
        "inhibit-any-0-self-issued",
        dataclasses.replace(_policy_case(_INHIBIT_ANY_0, _ANY_CA), self_issued=True),
        True,
    ),
    ("require-explicit-0-in-leaf", Case(leaf=CertSpec(policy_constraints=(0, None))), False),
    ("require-explicit-1-in-leaf", Case(leaf=CertSpec(policy_constraints=(1, None))), True),
    ("mapping-p1-to-p2", _policy_case(_MAP_CA, leaf=(_P2,), initial=_P1), True),
    (
        "mapping-inhibited",
        _policy_case(_MAP_CA, leaf=(_P2,), initial=_P1, initial_policy_mapping_inhibit=True),
        False,
    ),
    (
        "mapping-inhibited-by-ca",
        _policy_case(
            _ca(policies=(_P1,), policy_constraints=(None, 0)), _MAP_CA, leaf=(_P2,), initial=_P1
        ),
        False,
    ),
    ("anypolicy-mapping", Case((_ca(policies=(_P1,), mappings=((ANY_POLICY, _P1),)),)), False),
    ("unknown-critical-in-leaf", Case(leaf=CertSpec(unknown_critical=True)), False),
    ("root-not-yet-valid", Case(root_validity="before"), False),
    ("leaf-expired", Case(leaf=CertSpec(validity="after")), False),
]


@pytest.mark.usefixtures("openssl_present")
@pytest.mark.parametrize(("case", "valid"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_shape(case: Case, valid: bool) -> None:
    ours, theirs = check_agreement(case)
    assert ours.trusted is valid, ours.reason
    assert theirs.valid is valid


@pytest.mark.usefixtures("openssl_present")
def test_openssl_ignores_anypolicy_mapping_without_policies() -> None:
    # RFC 5280 6.1.4 (a): invalid; OpenSSL never reads the mapping (see the predicate)
    case = Case(intermediates=(_ca(mappings=((_P1, ANY_POLICY),)),))
    pki = build(case)
    ours = smimelib_result(case, pki)
    theirs = openssl_verdict(case, pki)
    assert ours.status is ValidationStatus.POLICY, ours.reason
    assert ours.failing_certificate == pki.intermediates[0]
    assert theirs.valid, theirs.output
    assert _openssl_skips_mappings_without_policies(case, ours, theirs, pki)


@pytest.mark.usefixtures("openssl_present")
@pytest.mark.parametrize("where", ["root", "intermediate", "leaf"])
def test_openssl_not_after_is_exclusive(where: str) -> None:
    # RFC 5280 4.1.2.5: notAfter is inclusive; OpenSSL says expired (error 10)
    ends = "ends-at"
    case = {
        "root": Case(root_validity=ends),
        "intermediate": Case(intermediates=(_ca(validity=ends),)),
        "leaf": Case(leaf=CertSpec(validity=ends)),
    }[where]
    pki = build(case)
    ours = smimelib_result(case, pki)
    theirs = openssl_verdict(case, pki)
    assert ours.trusted, ours.reason
    assert theirs.errors == [(10, 1 if where != "leaf" else 0)], theirs.output
    assert _openssl_not_after_exclusive(case, ours, theirs, pki)


#: shapes the generator avoids: (id, case, OpenSSL's errors); smimelib says valid
AVOIDED: list[tuple[str, Case, list[tuple[int, int]]]] = [
    # RFC 5280 6.1.1 (d): only the anchor's name and key are inputs (smimelib judges the
    # anchor's extensions only under ValidationPolicy.strict); OpenSSL refuses a trusted
    # root with an unknown critical extension (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION)
    ("root-unknown-critical", Case(root_unknown_critical=True), [(34, 1)]),
    # RFC 5280 4.2.1.10 binds dNSName constraints to dNSNames; OpenSSL also matches a
    # host-like CN when there is no dNSName SAN (RFC 6125 practice): error 48
    (
        "host-like-cn",
        Case(
            intermediates=(_ca(name_constraints=_nc(excluded=(GeneralName.dns("other.org"),))),),
            leaf_cn="www.other.org",
        ),
        [(48, 0)],
    ),
    # RFC 5280 6.1.5 does not process a leaf's policyMappings; OpenSSL's policy cache
    # rejects its anyPolicy mapping (X509_V_ERR_INVALID_POLICY_EXTENSION, 42)
    (
        "leaf-anypolicy-mapping",
        Case(
            intermediates=(_CA,),
            leaf=CertSpec(policies=(_P1,), mappings=((ANY_POLICY, _P1),)),
        ),
        [(42, 0)],
    ),
]


@pytest.mark.usefixtures("openssl_present")
@pytest.mark.parametrize(("case", "errors"), [a[1:] for a in AVOIDED], ids=[a[0] for a in AVOIDED])
def test_avoided_shapes_still_differ(case: Case, errors: list[tuple[int, int]]) -> None:
    # why the generator keeps away from these shapes: OpenSSL goes beyond RFC 5280 6.1
    pki = build(case)
    ours = smimelib_result(case, pki)
    theirs = openssl_verdict(case, pki)
    assert ours.trusted, ours.reason
    assert theirs.errors == errors, theirs.output
