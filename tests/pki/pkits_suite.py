"""The NIST PKITS harness shared by the PKITS tests (not a test module).

``vectors/pkits/pkits.json`` describes the 224 tests (250 runs); see
``vectors/pkits/README.md``, "How to run a test". Each run is asked with the trust
anchor as the only trusted certificate, ``path[1:-1] + other_certs`` as untrusted hints
(in file-name order, not path order: the path builder must find the path), every CRL the
test supplies, the run's four RFC 5280 6.1.1 inputs and hard-fail CRL checking, at the
suite's validation time. ``legacy=True`` selects the original 2003 data set
(``legacy-v1.0/``: RSA-1024, SHA-1) with its own validation time and algorithm policies.
Every certificate and CRL file is parsed once per session.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from typing import Any

import smimelib
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Policy
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.path_results import (
    PolicySettings,
    RevocationMode,
    TrustResult,
    ValidationPolicy,
)
from smimelib.pki.trust import TrustStore
from smimelib.report import OpenedMessage
from tests.vectors import load_vector

__all__ = [
    "AT",
    "LEGACY_ALGORITHMS",
    "LEGACY_AT",
    "LEGACY_DSA_ALGORITHMS",
    "LEGACY_ROOT",
    "LEGACY_RUNS",
    "ROOT",
    "RUNS",
    "PkitsRun",
    "cert",
    "crl",
    "suite",
]

#: the vector directory of PKITS 1.0.1, and of the 2003 PKITS 1.0 data set inside it
ROOT = "pkits/"
LEGACY_ROOT = ROOT + "legacy-v1.0/"

# The 2003 data can only be read with SHA-1 signatures and 1024-bit RSA keys allowed:
# every certificate, CRL and message of the set uses them, and RFC 8551 section 2 /
# RFC 8550 make a conforming default refuse both. A caller reading an old mail archive
# must say so explicitly; nothing else is relaxed (no MD5, no non-standard uses).
LEGACY_ALGORITHMS = Policy(allow_weak=True, min_rsa_bits=1024)
# 4.1.4-4.1.6 are DSA-1024 (a LEGACY algorithm): allowed for those three tests only
LEGACY_DSA_ALGORITHMS = Policy(allow_weak=True, allow_legacy=True, min_rsa_bits=1024)


@functools.cache
def suite() -> dict[str, Any]:
    """``pkits.json``, parsed once."""
    data: dict[str, Any] = json.loads(load_vector(ROOT + "pkits.json"))
    return data


def _root(legacy: bool) -> str:
    return LEGACY_ROOT if legacy else ROOT


@functools.cache
def _certificate(path: str) -> Certificate:
    return Certificate.from_der(load_vector(path))


@functools.cache
def _certificate_list(path: str) -> CertificateList:
    return CertificateList.from_der(load_vector(path))


def cert(name: str, *, legacy: bool = False) -> Certificate:
    """The certificate ``name`` (``certs/...``) of the 1.0.1 or the legacy 1.0 data set."""
    return _certificate(_root(legacy) + name)


def crl(name: str, *, legacy: bool = False) -> CertificateList:
    """The CRL ``name`` (``crls/...``) of the 1.0.1 or the legacy 1.0 data set."""
    return _certificate_list(_root(legacy) + name)


AT = datetime.datetime.fromisoformat(suite()["defaults"]["validation_time"])
LEGACY_AT = datetime.datetime.fromisoformat(suite()["defaults"]["legacy_v1_0"]["validation_time"])


@dataclass(frozen=True)
class PkitsRun:
    """One run of one PKITS test, on the 1.0.1 data or (``legacy``) on the 1.0 data."""

    test: dict[str, Any]
    run: dict[str, Any]
    legacy: bool = False

    @property
    def id(self) -> str:
        return f"{self.test['id']}-run{self.run['run']}"

    @property
    def expected(self) -> str:
        """``valid``, or the PKITS reason name of an invalid run."""
        return "valid" if self.run["expected"] == "valid" else str(self.run["reason"])

    @property
    def dsa(self) -> bool:
        return "dsa" in self.test["features"]

    @property
    def at(self) -> datetime.datetime:
        """The validation time of the run's data set."""
        return LEGACY_AT if self.legacy else AT

    @property
    def hints(self) -> list[str]:
        """The untrusted certificates: the path's intermediates and the other certificates."""
        return sorted({*self.test["path"][1:-1], *self.test["other_certs"]})

    def accepts(self, status: str) -> bool:
        # 4.8.19: an explicitText over 200 characters may also be rejected, for any reason
        if self.run.get("also_acceptable") == "invalid" and status != "valid":
            return True
        return status == self.expected

    @property
    def settings(self) -> PolicySettings:
        """The run's four RFC 5280 6.1.1 inputs."""
        s = self.run["settings"]
        return PolicySettings(
            initial_policy_set=frozenset(s["initial_policy_set"]),
            initial_explicit_policy=s["initial_explicit_policy"],
            initial_policy_mapping_inhibit=s["initial_policy_mapping_inhibit"],
            initial_inhibit_any_policy=s["initial_inhibit_any_policy"],
        )

    def policy(
        self,
        algorithms: Policy | None = None,
        revocation: RevocationMode = RevocationMode.HARD_FAIL,
    ) -> ValidationPolicy:
        if algorithms is None:
            if self.legacy:
                algorithms = LEGACY_DSA_ALGORITHMS if self.dsa else LEGACY_ALGORITHMS
            else:
                # 4.1.4-4.1.6 are DSA-1024 with SHA-1: legacy algorithms the caller must allow
                algorithms = LEGACY_POLICY if self.dsa else DEFAULT_POLICY
        return ValidationPolicy(
            settings=self.settings, revocation=revocation, algorithms=algorithms
        )

    def _cert(self, name: str) -> Certificate:
        return cert(name, legacy=self.legacy)

    def validate(self, policy: ValidationPolicy | None = None) -> TrustResult:
        """RFC 5280 section 6 directly: ``TrustStore([anchor]).validate(target, ...)``."""
        test = self.test
        return TrustStore([self._cert(test["trust_anchor"])]).validate(
            self._cert(test["target"]),
            intermediates=[self._cert(name) for name in self.hints],
            at=self.at,
            policy=self.policy() if policy is None else policy,
            crls=[crl(name, legacy=self.legacy) for name in test["crls"]],
        )

    def open(self, policy: ValidationPolicy | None = None) -> OpenedMessage:
        """``smimelib.open`` of the test's signed message, trusting only the anchor."""
        return smimelib.open(
            load_vector(_root(self.legacy) + self.test["smime"]["file"]),
            trust=TrustStore([self._cert(self.test["trust_anchor"])]),
            validation=self.policy() if policy is None else policy,
            validation_time=self.at,
        )


RUNS = [PkitsRun(t, r) for t in suite()["tests"] for r in t["runs"]]
LEGACY_RUNS = [PkitsRun(t, r, legacy=True) for t in suite()["tests"] for r in t["runs"]]
