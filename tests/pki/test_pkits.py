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

import dataclasses
import datetime
import functools
import json
from dataclasses import dataclass
from typing import Any

import pytest

import smimelib
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.path_results import (
    PolicySettings,
    RevocationMode,
    RevocationState,
    TrustResult,
    ValidationPolicy,
)
from smimelib.pki.trust import TrustStore
from tests.vectors import load_vector, vector_path

_ROOT = "pkits/"


@functools.cache
def _suite() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load_vector(_ROOT + "pkits.json"))
    return data


@functools.cache
def _cert(name: str) -> Certificate:
    return Certificate.from_der(load_vector(_ROOT + name))


@functools.cache
def _crl(name: str) -> CertificateList:
    return CertificateList.from_der(load_vector(_ROOT + name))


@dataclass(frozen=True)
class _Run:
    test: dict[str, Any]
    run: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.test['id']}-run{self.run['run']}"

    @property
    def expected(self) -> str:
        return "valid" if self.run["expected"] == "valid" else str(self.run["reason"])

    def accepts(self, status: str) -> bool:
        # 4.8.19: an explicitText over 200 characters may also be rejected, for any reason
        if self.run.get("also_acceptable") == "invalid" and status != "valid":
            return True
        return status == self.expected

    def policy(self) -> ValidationPolicy:
        s = self.run["settings"]
        settings = PolicySettings(
            initial_policy_set=frozenset(s["initial_policy_set"]),
            initial_explicit_policy=s["initial_explicit_policy"],
            initial_policy_mapping_inhibit=s["initial_policy_mapping_inhibit"],
            initial_inhibit_any_policy=s["initial_inhibit_any_policy"],
        )
        # 4.1.4-4.1.6 are DSA-1024 with SHA-1: legacy algorithms the caller must allow
        algorithms = LEGACY_POLICY if "dsa" in self.test["features"] else DEFAULT_POLICY
        return ValidationPolicy(
            settings=settings, revocation=RevocationMode.HARD_FAIL, algorithms=algorithms
        )


def _runs() -> list[_Run]:
    return [_Run(t, r) for t in _suite()["tests"] for r in t["runs"]]


_RUNS = _runs()
_AT = datetime.datetime.fromisoformat(_suite()["defaults"]["validation_time"])


def test_suite_is_complete() -> None:
    counts = _suite()["counts"]
    assert len(_RUNS) == counts["runs"] == 250
    assert len({r.test["id"] for r in _RUNS}) == counts["tests"] == 224
    assert sum(r.expected == "valid" for r in _RUNS) == counts["valid_runs"] == 115


def _check(run: _Run, result: TrustResult, *, where: str, signer: str) -> None:
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
            path = tuple(_cert(name) for name in reversed(run.test["path"]))
            assert result.chain == path, f"{run.id} {where}: unexpected chain"
    if result.chain:
        assert result.chain[0] == _cert(signer), f"{run.id} {where}: chain of another certificate"


@pytest.mark.parametrize("run", _RUNS, ids=[r.id for r in _RUNS])
def test_pkits_direct(run: _Run) -> None:
    test = run.test
    anchor = _cert(test["trust_anchor"])
    hints = sorted({*test["path"][1:-1], *test["other_certs"]})
    store = TrustStore([anchor])
    result = store.validate(
        _cert(test["target"]),
        intermediates=[_cert(name) for name in hints],
        at=_AT,
        policy=run.policy(),
        crls=[_crl(name) for name in test["crls"]],
    )
    _check(run, result, where="direct", signer=test["target"])
    assert result.validation_time == _AT


@pytest.mark.parametrize("run", _RUNS, ids=[r.id for r in _RUNS])
def test_pkits_smime(run: _Run) -> None:
    test = run.test
    anchor = _cert(test["trust_anchor"])
    report = smimelib.open(
        load_vector(_ROOT + test["smime"]["file"]),
        trust=TrustStore([anchor]),
        validation=run.policy(),
        validation_time=_AT,
    )
    assert len(report.signatures) == 1, f"{run.id}: one signature expected"
    signature = report.signatures[0]
    # PKITS: the message signature itself is good in every case
    assert signature.valid, f"{run.id}: the S/MIME signature does not verify"
    assert signature.trust is not None
    # the 4.14.18 message of the NIST data is signed by the 4.14.19 end entity (with
    # its CA), so the S/MIME run checks the chain of the certificate that signed
    _check(run, signature.trust, where="S/MIME", signer=test["smime"]["signer"])


@functools.cache
def _every_certificate() -> tuple[Certificate, ...]:
    names = sorted(p.name for p in vector_path(_ROOT + "certs").iterdir())
    return tuple(_cert("certs/" + name) for name in names)


_PATH_RUNS = [r for r in _RUNS if not r.test["revocation_dependent"]]


@pytest.mark.parametrize("run", _PATH_RUNS, ids=[r.id for r in _PATH_RUNS])
def test_pkits_path_building_among_every_certificate(run: _Run) -> None:
    # All 405 PKITS certificates as untrusted hints: the builder must still find the
    # run's path among same-named CAs, cross-signed and self-issued look-alikes.
    # Revocation is off here (the runs whose verdict needs CRLs are left out), so the
    # CRLs of unrelated tests cannot decide anything.
    test = run.test
    policy = dataclasses.replace(run.policy(), revocation=RevocationMode.OFF)
    result = TrustStore([_cert(test["trust_anchor"])]).validate(
        _cert(test["target"]), _every_certificate(), _AT, policy=policy
    )
    got = result.status.value
    assert run.accepts(got), f"{run.id}: expected {run.expected}, got {got}: {result.reason}"
    if got == "valid" and run.expected == "valid":
        assert result.chain == tuple(_cert(name) for name in reversed(test["path"]))
