"""PKITS 1.0.1 differential: smimelib's verdict against ``openssl verify`` (OpenSSL 3.0).

For every one of the 250 runs of ``vectors/pkits/pkits.json``, OpenSSL is asked the
same question smimelib answers in ``test_pkits.py`` (RFC 5280 section 6 with the run's
four 6.1.1 inputs and hard-fail CRL checking, at the suite's validation time):

    openssl verify -attime <epoch> -crl_check_all -extended_crl -use_deltas
        -policy_check -policy <oid>... [-explicit_policy] [-inhibit_map] [-inhibit_any]
        -CAfile <anchor> -untrusted <path[1:-1] + other_certs> -CRLfile <crls> <target>

* ``-policy_check`` always: PKITS expects policy processing on every run (6.1.3 (d)-(f)),
  OpenSSL only does it when asked or when a policy input is set.
* ``-extended_crl -use_deltas``: without them OpenSSL ignores indirect CRLs, cRLIssuer
  distribution points and delta CRLs (RFC 5280 5.2.4, 5.3.3, 6.3), and 11 valid and
  3 invalid runs would differ for that reason alone.
* no ``-x509_strict``: it adds OpenSSL's RFC 5280 section 4 profile checks (rules for
  issuers, not the section 6 algorithm), and PKITS 4.6.4 ("Valid basicConstraints Not
  Critical") is deliberately non-conformant there and expects success; with the flag
  OpenSSL fails it with error 89 (checked below), every other verdict is unchanged.

OpenSSL's verdict (valid/invalid) must equal smimelib's for every run, except the runs
in :data:`OPENSSL_DISAGREES`, where smimelib must give the PKITS result and OpenSSL must
fail with exactly the listed error. The table is exact: a listed run that agrees, or an
unlisted run that does not, fails. The OpenSSL calls run once per session on two
threads (about 2 s).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from smimelib.pki.path_results import ValidationStatus
from tests.peers import openssl, require_tool
from tests.pki.pkits_suite import AT, ROOT, RUNS, PkitsRun, suite
from tests.vectors import load_vector

pytestmark = pytest.mark.interop


#: run id -> (OpenSSL verify error code, why OpenSSL differs from PKITS and smimelib)
OPENSSL_DISAGREES: dict[str, tuple[int, str]] = {
    "4.1.5-run1": (
        20,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        "the CA and EE DSA keys carry no parameters and must inherit them from the issuer"
        " (RFC 3279 2.3.2, RFC 5280 6.1.4 (f)); OpenSSL cannot decode such a key"
        " (X509_PUBKEY_get0 decode error) and so finds no issuer",
    ),
    "4.14.30-run1": (
        54,  # X509_V_ERR_CRL_PATH_VALIDATION_ERROR
        "the indirect CRL's issuer certificate is itself covered by that CRL; OpenSSL"
        " refuses the circular CRL path (its own PKITS table expects error 54), PKITS"
        " expects the path to be valid",
    ),
}


def _accepts(run: PkitsRun, valid: bool) -> bool:
    """The PKITS expected verdict, valid or invalid (4.8.19 may also be rejected)."""
    if run.run.get("also_acceptable") == "invalid":
        return True
    expected_valid: bool = run.run["expected"] == "valid"
    return valid == expected_valid


@dataclass(frozen=True)
class _Verdict:
    valid: bool
    error: int | None  # OpenSSL's X509_V_ERR code of the failure, None when valid
    output: str


def _pem(label: str, ders: Iterable[bytes]) -> str:
    blocks = []
    for der in ders:
        body = base64.b64encode(der).decode("ascii")
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        blocks.append(f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n")
    return "".join(blocks)


def _write(path: Path, label: str, names: Iterable[str]) -> Path:
    path.write_text(_pem(label, (load_vector(ROOT + name) for name in names)))
    return path


_ERROR = re.compile(r"^error (\d+) at \d+ depth lookup", re.MULTILINE)


def _verify(args: list[str | Path]) -> _Verdict:
    proc = openssl(["verify", *args], check=False)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    if proc.returncode == 0 and proc.stdout.rstrip().endswith(b": OK"):
        return _Verdict(True, None, out)
    found = _ERROR.search(out)
    # exit status 2 is "verification failed"; anything else is a usage or file error
    if proc.returncode != 2 or found is None:
        pytest.fail(f"openssl verify {' '.join(map(str, args))} did not run:\n{out}")
    return _Verdict(False, int(found.group(1)), out)


def _arguments(run: PkitsRun, files: dict[str, Path], anchor: Path) -> list[str | Path]:
    s = run.run["settings"]
    args: list[str | Path] = ["-attime", str(int(AT.timestamp()))]
    args += ["-crl_check_all", "-extended_crl", "-use_deltas", "-policy_check"]
    for oid in s["initial_policy_set"]:
        args += ["-policy", oid]
    if s["initial_explicit_policy"]:
        args.append("-explicit_policy")
    if s["initial_policy_mapping_inhibit"]:
        args.append("-inhibit_map")
    if s["initial_inhibit_any_policy"]:
        args.append("-inhibit_any")
    args += ["-CAfile", anchor, "-CRLfile", files["crls"]]
    if run.hints:
        args += ["-untrusted", files["untrusted"]]
    args.append(files["target"])
    return args


def _files(tmp: Path, anchor_name: str) -> tuple[Path, dict[str, dict[str, Path]]]:
    anchor = _write(tmp / "anchor.pem", "CERTIFICATE", [anchor_name])
    files: dict[str, dict[str, Path]] = {}
    for test in suite()["tests"]:
        assert test["trust_anchor"] == anchor_name
        stem = test["id"].replace(".", "_")
        hints = PkitsRun(test, test["runs"][0]).hints
        files[test["id"]] = {
            "target": _write(tmp / f"{stem}-target.pem", "CERTIFICATE", [test["target"]]),
            "untrusted": _write(tmp / f"{stem}-untrusted.pem", "CERTIFICATE", hints),
            "crls": _write(tmp / f"{stem}-crls.pem", "X509 CRL", test["crls"]),
        }
    return anchor, files


@pytest.fixture(scope="session")
def pkits_pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Path]]]:
    """The anchor, and per test its target, untrusted hints and CRLs as PEM files."""
    tmp = tmp_path_factory.mktemp("pkits-pem")
    return _files(tmp, suite()["defaults"]["trust_anchor"])


@pytest.fixture(scope="session")
def openssl_verdicts(
    pkits_pem: tuple[Path, dict[str, dict[str, Path]]],
) -> dict[str, _Verdict]:
    """``openssl verify`` on every run, once per session, on two threads."""
    require_tool("openssl")  # skip (or fail under CI) here, not inside a worker thread
    anchor, files = pkits_pem
    jobs = [_arguments(run, files[run.test["id"]], anchor) for run in RUNS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(_verify, jobs))
    return {run.id: verdict for run, verdict in zip(RUNS, verdicts, strict=True)}


def test_disagreement_table_names_real_runs() -> None:
    ids = {run.id for run in RUNS}
    assert len(ids) == 250
    assert set(OPENSSL_DISAGREES) <= ids


def test_openssl_is_3_0() -> None:
    version = openssl(["version"]).stdout.decode()
    assert version.startswith("OpenSSL 3."), version


@pytest.mark.parametrize("run", RUNS, ids=[r.id for r in RUNS])
def test_pkits_openssl_agrees(run: PkitsRun, openssl_verdicts: dict[str, _Verdict]) -> None:
    ours = run.validate().status is ValidationStatus.VALID
    theirs = openssl_verdicts[run.id]
    assert _accepts(run, ours), f"{run.id}: smimelib differs from PKITS"
    if run.id not in OPENSSL_DISAGREES:
        assert theirs.valid == ours, (
            f"{run.id} ({run.test['title']}): smimelib says"
            f" {'valid' if ours else 'invalid'}, OpenSSL:\n{theirs.output}"
        )
        return
    error, why = OPENSSL_DISAGREES[run.id]
    assert theirs.valid != ours, f"{run.id}: OpenSSL now agrees ({why}); update the table"
    assert theirs.error == error, f"{run.id}: OpenSSL fails differently:\n{theirs.output}"


def test_x509_strict_rejects_pkits_4_6_4(
    pkits_pem: tuple[Path, dict[str, dict[str, Path]]],
    openssl_verdicts: dict[str, _Verdict],
) -> None:
    # why the differential runs without -x509_strict: PKITS 4.6.4 expects a CA
    # certificate with a non-critical basicConstraints to be accepted (RFC 5280 4.2.1.9
    # binds the issuer, section 6 does not check it); OpenSSL's strict mode refuses it
    (run,) = [r for r in RUNS if r.id == "4.6.4-run1"]
    anchor, files = pkits_pem
    assert run.validate().status is ValidationStatus.VALID
    assert openssl_verdicts[run.id].valid
    strict = _verify(["-x509_strict", *_arguments(run, files["4.6.4"], anchor)])
    assert not strict.valid
    assert strict.error == 89, strict.output  # X509_V_ERR_CA_BCONS_NOT_CRITICAL
