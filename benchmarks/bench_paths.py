"""Certificate path validation on NIST PKITS: smimelib against its peers, as ratios.

Every PKITS run (``vectors/pkits/pkits.json``, 250 runs) is validated the way the test
suite does it: trust anchor, the path's intermediates and other certificates as
untrusted hints, every CRL of the test, the run's four RFC 5280 policy inputs, hard-fail
CRL checking, at the suite's validation time. Each implementation gets the same parsed
inputs where it can; parsing is included for all of them.

Peers, when installed:

* ``pyhanko-certvalidator`` (pure Python on asn1crypto, the other Python validator that
  runs PKITS; ``pip install pyhanko-certvalidator``);
* ``openssl verify`` (one process per run, so its row includes process start-up; the
  ratio says how a command-line integration compares, not how fast OpenSSL's C is).

Each row prints the time for all runs, the verdicts that match PKITS, and smimelib's
time divided by the peer's.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY  # noqa: E402
from smimelib.pki import (  # noqa: E402
    Certificate,
    CertificateList,
    PolicySettings,
    RevocationMode,
    TrustStore,
    ValidationPolicy,
)

PKITS = ROOT / "vectors" / "pkits"


def _runs() -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], datetime.datetime]:
    suite = json.loads((PKITS / "pkits.json").read_text())
    at = datetime.datetime.fromisoformat(suite["defaults"]["validation_time"])
    return [(t, r) for t in suite["tests"] for r in t["runs"]], at


def _expected(run: dict[str, Any]) -> bool:
    return bool(run["expected"] == "valid")


def _timed(label: str, func: Callable[[], int], total: int) -> float:
    start = time.perf_counter()
    agreed = func()
    elapsed = time.perf_counter() - start
    print(f"{label:<30} {elapsed:8.2f} s for {total} runs, {agreed}/{total} as PKITS expects")
    return elapsed


def _smimelib(runs: list[tuple[dict[str, Any], dict[str, Any]]], at: datetime.datetime) -> int:
    agreed = 0
    for test, run in runs:
        s = run["settings"]
        policy = ValidationPolicy(
            settings=PolicySettings(
                initial_policy_set=frozenset(s["initial_policy_set"]),
                initial_explicit_policy=s["initial_explicit_policy"],
                initial_policy_mapping_inhibit=s["initial_policy_mapping_inhibit"],
                initial_inhibit_any_policy=s["initial_inhibit_any_policy"],
            ),
            revocation=RevocationMode.HARD_FAIL,
            algorithms=LEGACY_POLICY if "dsa" in test["features"] else DEFAULT_POLICY,
        )
        anchor = Certificate.from_der((PKITS / test["trust_anchor"]).read_bytes())
        hints = [
            Certificate.from_der((PKITS / n).read_bytes())
            for n in sorted({*test["path"][1:-1], *test["other_certs"]})
        ]
        crls = [CertificateList.from_der((PKITS / n).read_bytes()) for n in test["crls"]]
        target = Certificate.from_der((PKITS / test["target"]).read_bytes())
        result = TrustStore([anchor]).validate(target, hints, at, policy=policy, crls=crls)
        agreed += result.trusted == _expected(run)
    return agreed


def _certvalidator(
    runs: list[tuple[dict[str, Any], dict[str, Any]]], at: datetime.datetime
) -> int | None:
    try:
        from asn1crypto import crl as a_crl
        from asn1crypto import x509 as a_x509
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
        from pyhanko_certvalidator.policy_decl import (
            AcceptAllAlgorithms,
            CertRevTrustPolicy,
            PKIXValidationParams,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )
    except ImportError:
        return None

    def load(name: str) -> Any:
        return a_x509.Certificate.load((PKITS / name).read_bytes())

    async def one(test: dict[str, Any], run: dict[str, Any]) -> bool:
        s = run["settings"]
        params = PKIXValidationParams(
            # asn1crypto names anyPolicy "any_policy" instead of giving its OID
            user_initial_policy_set=frozenset(
                "any_policy" if oid == "2.5.29.32.0" else oid for oid in s["initial_policy_set"]
            ),
            initial_explicit_policy=s["initial_explicit_policy"],
            initial_policy_mapping_inhibit=s["initial_policy_mapping_inhibit"],
            initial_any_policy_inhibit=s["initial_inhibit_any_policy"],
        )
        context = ValidationContext(
            trust_roots=[load(test["trust_anchor"])],
            other_certs=[load(n) for n in sorted({*test["path"][1:-1], *test["other_certs"]})],
            crls=[a_crl.CertificateList.load((PKITS / n).read_bytes()) for n in test["crls"]],
            moment=at,
            # CRLs required for every certificate (PKITS certificates name no CRL
            # distribution points, so "if declared" would check nothing)
            revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(
                    ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
                    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_REQUIRED,
                )
            ),
            allow_fetching=False,
            # the DSA tests are signed with SHA-1, which smimelib's run allows too
            algorithm_usage_policy=AcceptAllAlgorithms(),
        )
        validator = CertificateValidator(
            load(test["target"]), validation_context=context, pkix_params=params
        )
        try:
            await validator.async_validate_path()
        except (PathValidationError, PathBuildingError):
            return False
        return True

    async def all_runs() -> int:
        agreed = 0
        for test, run in runs:
            try:
                verdict = await one(test, run)
            except Exception:
                verdict = None
            agreed += verdict == _expected(run)
        return agreed

    return asyncio.run(all_runs())


def _openssl(runs: list[tuple[dict[str, Any], dict[str, Any]]], at: datetime.datetime) -> int:
    agreed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for index, (test, run) in enumerate(runs):
            s = run["settings"]

            def pem(names: list[str], kind: str, stem: str, i: int = index) -> Path:
                out = work / f"{i}-{stem}.pem"
                blobs = []
                for name in names:
                    blobs.append(
                        subprocess.run(
                            ["openssl", kind, "-inform", "DER", "-in", str(PKITS / name)],
                            capture_output=True,
                            check=True,
                        ).stdout
                    )
                out.write_bytes(b"".join(blobs))
                return out

            hints = sorted({*test["path"][1:-1], *test["other_certs"]})
            args = ["openssl", "verify", "-crl_check_all", "-extended_crl", "-use_deltas"]
            args += ["-policy_check", "-attime", str(int(at.timestamp()))]
            for oid in s["initial_policy_set"]:
                args += ["-policy", oid]
            if s["initial_explicit_policy"]:
                args.append("-explicit_policy")
            if s["initial_policy_mapping_inhibit"]:
                args.append("-inhibit_map")
            if s["initial_inhibit_any_policy"]:
                args.append("-inhibit_any")
            # file conversion is set-up, not validation: prepare before the clock runs
            args += ["-CAfile", str(pem([test["trust_anchor"]], "x509", "ta"))]
            if hints:
                args += ["-untrusted", str(pem(hints, "x509", "hints"))]
            args += ["-CRLfile", str(pem(test["crls"], "crl", "crls"))]
            target = pem([test["target"]], "x509", "target")
            runs[index] = (test, {**run, "_args": [*args, str(target)]})
        start = time.perf_counter()
        for _, run in runs:
            ok = subprocess.run(run["_args"], capture_output=True).returncode == 0
            agreed += ok == _expected(run)
        _openssl.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
    return agreed


def main() -> None:
    # the peer logs every failed validation with its traceback; the verdicts are enough
    logging.disable(logging.CRITICAL)
    runs, at = _runs()
    total = len(runs)
    print(f"NIST PKITS 1.0.1, {total} runs, hard-fail CRL checking, parsing included")
    ours = _timed("smimelib", lambda: _smimelib(runs, at), total)

    start = time.perf_counter()
    agreed = _certvalidator(runs, at)
    if agreed is None:
        print(f"{'pyhanko-certvalidator':<30} not installed")
    else:
        theirs = time.perf_counter() - start
        print(
            f"{'pyhanko-certvalidator':<30} {theirs:8.2f} s for {total} runs,"
            f" {agreed}/{total} as PKITS expects; smimelib ratio {ours / theirs:5.2f}"
        )

    if shutil.which("openssl") is None:
        print(f"{'openssl verify':<30} not installed")
        return
    agreed = _openssl(list(runs), at)
    theirs = _openssl.elapsed  # type: ignore[attr-defined]
    print(
        f"{'openssl verify (per process)':<30} {theirs:8.2f} s for {total} runs,"
        f" {agreed}/{total} as PKITS expects; smimelib ratio {ours / theirs:5.2f}"
    )


if __name__ == "__main__":
    main()
