"""NIST PKITS (RFC 5280 path validation conformance): all 250 runs, twice.

Every run of ``vectors/pkits/pkits.json`` is judged

* directly: ``TrustStore([anchor]).validate(target, ...)`` with the path's
  intermediates and the test's other certificates as untrusted hints (in file-name
  order, not path order: the path builder must find the path), every CRL the test
  supplies, the run's four RFC 5280 6.1.1 inputs, hard-fail CRL checking, at the
  suite's validation time; and
* through the S/MIME layer: ``smimelib.open`` of the test's signed message with only
  the trust anchor trusted (certificates and CRLs come from the message);

and the runs that do not depend on CRLs once more with every PKITS certificate as an
untrusted hint (path building among look-alikes).

The status must be the run's expected reason (``valid`` or the PKITS reason name),
and for valid runs the user-constrained policy set (RFC 5280 6.1.6) and the chain
(the PKITS path) must be the expected ones. Every certificate and CRL file is
parsed once per session.
"""

from __future__ import annotations

import functools

import pytest

from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import RevocationMode, RevocationState, TrustResult
from smimelib.pki.trust import TrustStore
from tests.pki.pkits_suite import AT, ROOT, RUNS, PkitsRun, cert, suite
from tests.vectors import vector_path


def test_suite_is_complete() -> None:
    counts = suite()["counts"]
    assert len(RUNS) == counts["runs"] == 250
    assert len({r.test["id"] for r in RUNS}) == counts["tests"] == 224
    assert sum(r.expected == "valid" for r in RUNS) == counts["valid_runs"] == 115


def _check(run: PkitsRun, result: TrustResult, *, where: str, signer: str) -> None:
    got = result.status.value
    assert run.accepts(got), (
        f"{run.id} ({run.test['title']}) {where}: expected {run.expected}, got {got}:"
        f" {result.reason}"
    )
    if got == "valid" and run.expected == "valid":
        expected_set = frozenset(run.run["expected_user_constrained_policy_set"])
        assert result.user_constrained_policy_set == expected_set, (
            f"{run.id} {where}: user-constrained policy set"
        )
        # hard-fail CRL checking: every certificate but the anchor was found good
        assert len(result.revocation) == len(result.chain) - 1
        assert all(o.state is RevocationState.GOOD for o in result.revocation), run.id
        assert all(s.origin == "message" for s in result.revocation_sources if s.used)
        if signer == run.test["target"]:
            path = tuple(cert(name) for name in reversed(run.test["path"]))
            assert result.chain == path, f"{run.id} {where}: unexpected chain"
    if result.chain:
        assert result.chain[0] == cert(signer), f"{run.id} {where}: chain of another certificate"


@pytest.mark.parametrize("run", RUNS, ids=[r.id for r in RUNS])
def test_pkits_direct(run: PkitsRun) -> None:
    result = run.validate()
    _check(run, result, where="direct", signer=run.test["target"])
    assert result.validation_time == AT


@pytest.mark.parametrize("run", RUNS, ids=[r.id for r in RUNS])
def test_pkits_smime(run: PkitsRun) -> None:
    report = run.open()
    assert len(report.signatures) == 1, f"{run.id}: one signature expected"
    signature = report.signatures[0]
    # PKITS: the message signature itself is good in every case
    assert signature.valid, f"{run.id}: the S/MIME signature does not verify"
    assert signature.trust is not None
    # the 4.14.18 message of the NIST data is signed by the 4.14.19 end entity (with
    # its CA), so the S/MIME run checks the chain of the certificate that signed
    _check(run, signature.trust, where="S/MIME", signer=run.test["smime"]["signer"])


@functools.cache
def _every_certificate() -> tuple[Certificate, ...]:
    names = sorted(p.name for p in vector_path(ROOT + "certs").iterdir())
    return tuple(cert("certs/" + name) for name in names)


_PATH_RUNS = [r for r in RUNS if not r.test["revocation_dependent"]]


@pytest.mark.parametrize("run", _PATH_RUNS, ids=[r.id for r in _PATH_RUNS])
def test_pkits_path_building_among_every_certificate(run: PkitsRun) -> None:
    # All 405 PKITS certificates as untrusted hints: the builder must still find the
    # run's path among same-named CAs, cross-signed and self-issued look-alikes.
    # Revocation is off here (the runs whose verdict needs CRLs are left out), so the
    # CRLs of unrelated tests cannot decide anything.
    test = run.test
    policy = run.policy(revocation=RevocationMode.OFF)
    result = TrustStore([cert(test["trust_anchor"])]).validate(
        cert(test["target"]), _every_certificate(), AT, policy=policy
    )
    got = result.status.value
    assert run.accepts(got), f"{run.id}: expected {run.expected}, got {got}: {result.reason}"
    if got == "valid" and run.expected == "valid":
        assert result.chain == tuple(cert(name) for name in reversed(test["path"]))
