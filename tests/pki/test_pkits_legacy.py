"""NIST PKITS 1.0 (2003 data: RSA-1024, SHA-1): all 250 runs, twice, plus the refusal.

``vectors/pkits/legacy-v1.0/`` holds the original PKITS data set: the same 224 tests,
file names and expected results as 1.0.1 (``pkits.json``), but RSA-1024 keys, SHA-1
signatures, certificates valid 2001-2011, and S/MIME messages in the old shape real
mail archives still hold: opaque ``application/pkcs7-mime`` signed-data, SHA-1, no
signed attributes (RFC 5652 5.4: the signature is over the content itself).

Every run is judged as in ``test_pkits.py`` (RFC 5280 section 6 with hard-fail CRL
checking, the run's four 6.1.1 inputs, at ``defaults.legacy_v1_0.validation_time``):

* directly through ``TrustStore([anchor]).validate(...)``, and
* through ``smimelib.open`` of the test's opaque signed message, trusting only the
  anchor (certificates and CRLs come from the message);

with an algorithm policy that explicitly allows SHA-1 and 1024-bit RSA. Under the
default policy (RFC 8551 section 2, RFC 8550) the same data must be refused: the path
with status ``ALGORITHM`` at the first certificate below the anchor, the message
signature with ``algorithm-refused``.
"""

from __future__ import annotations

import pytest

from smimelib.cms.results import Reason, SignerResult
from smimelib.crypto.algorithms import Policy
from smimelib.pki.path_results import RevocationState, TrustResult, ValidationStatus
from smimelib.report import LayerType, OpenedMessage
from tests.pki.pkits_suite import LEGACY_AT, LEGACY_ROOT, LEGACY_RUNS, ROOT, PkitsRun, cert, suite
from tests.vectors import load_vector, vector_path

_SHA1 = "1.3.14.3.2.26"

# one run per test (the first: PKITS' default inputs) for the default-policy refusal
_FIRST_RUNS = [r for r in LEGACY_RUNS if r.run["run"] == 1]


def test_legacy_set_is_complete_and_is_the_2003_issue() -> None:
    assert suite()["defaults"]["legacy_v1_0"]["directory"] == "legacy-v1.0/"
    assert len(LEGACY_RUNS) == 250 and len(_FIRST_RUNS) == 224
    counts = {
        d: len(list(vector_path(LEGACY_ROOT + d).iterdir())) for d in ("certs", "crls", "smime")
    }
    assert counts == {"certs": 405, "crls": 173, "smime": 224}
    # same names as 1.0.1, different objects: a 1.0 key never matches a 1.0.1 certificate
    for name in sorted(p.name for p in vector_path(LEGACY_ROOT + "certs").iterdir()):
        assert load_vector(LEGACY_ROOT + "certs/" + name) != load_vector(ROOT + "certs/" + name)
    anchor = cert(suite()["defaults"]["trust_anchor"], legacy=True)
    assert anchor.public_key.size_bits == 1024
    assert anchor.signature_algorithm.oid == "1.2.840.113549.1.1.5"  # sha1WithRSAEncryption
    assert anchor.not_before.year == 2001 and anchor.not_after.year == 2011
    assert anchor.valid_at(LEGACY_AT)


def _check(run: PkitsRun, result: TrustResult, *, where: str, signer: str) -> None:
    got = result.status.value
    assert run.accepts(got), (
        f"{run.id} ({run.test['title']}) {where}: expected {run.expected}, got {got}:"
        f" {result.reason}"
    )
    assert result.validation_time == LEGACY_AT
    if result.chain:
        assert result.chain[0] == cert(signer, legacy=True), (
            f"{run.id} {where}: chain of another certificate"
        )
    if got != "valid" or run.expected != "valid":
        return
    expected_set = frozenset(run.run["expected_user_constrained_policy_set"])
    assert result.user_constrained_policy_set == expected_set, f"{run.id} {where}: policy set"
    # hard-fail CRL checking: every certificate but the anchor was found good
    assert len(result.revocation) == len(result.chain) - 1
    assert all(o.state is RevocationState.GOOD for o in result.revocation), run.id
    assert all(s.origin == "message" for s in result.revocation_sources if s.used)
    if signer == run.test["target"]:
        path = tuple(cert(name, legacy=True) for name in reversed(run.test["path"]))
        assert result.chain == path, f"{run.id} {where}: unexpected chain"
    # what the policy let through is reported (one sentence per certificate name: a
    # self-issued certificate and its CA share one): SHA-1 certificate signatures,
    # 1024-bit RSA issuer keys, and the SHA-1 CRLs that decided revocation
    accepted = [f for f in result.findings if "accepted by the policy" in f]
    weak_crls = [f for f in accepted if "revocation status from a " in f]
    small_keys = [f for f in accepted if "an RSA key of 1024 bits" in f]
    sha1_certs = [f for f in accepted if f not in weak_crls and f not in small_keys]
    assert 1 <= len(sha1_certs) <= len(result.chain) - 1, f"{run.id} {where}: {accepted}"
    assert all("sha1" in f.split("signed with ")[1].lower() for f in sha1_certs), run.id
    assert weak_crls and all("sha1" in f.lower() for f in weak_crls), f"{run.id} {where}"
    if not run.dsa:
        assert 1 <= len(small_keys) <= len(result.chain) - 1, f"{run.id} {where}: {accepted}"


@pytest.mark.parametrize("run", LEGACY_RUNS, ids=[r.id for r in LEGACY_RUNS])
def test_pkits_legacy_direct(run: PkitsRun) -> None:
    result = run.validate(run.policy())
    _check(run, result, where="direct", signer=run.test["target"])


def _legacy_shape(run: PkitsRun, report: OpenedMessage) -> SignerResult:
    assert len(report.layers) == 1 and report.layers[0].type is LayerType.SIGNED
    assert report.layers[0].form == "application/pkcs7-mime", run.id
    assert len(report.signatures) == 1, f"{run.id}: one signature expected"
    result = report.signatures[0].result
    assert result.signer_info.signed_attrs is None, f"{run.id}: signed attributes"
    assert result.digest_algorithm.oid == _SHA1, run.id
    return result


@pytest.mark.parametrize("run", LEGACY_RUNS, ids=[r.id for r in LEGACY_RUNS])
def test_pkits_legacy_smime(run: PkitsRun) -> None:
    report = run.open(run.policy())
    result = _legacy_shape(run, report)
    signature = report.signatures[0]
    # PKITS: the message signature itself is good in every case
    assert signature.valid, f"{run.id}: the S/MIME signature does not verify: {result.detail}"
    assert result.weak, f"{run.id}: SHA-1 accepted by policy must be reported as weak"
    codes = {finding.split(":", 1)[0] for finding in result.findings}
    assert "weak-algorithm" in codes, run.id
    if not run.dsa:
        assert "weak-key" in codes, f"{run.id}: RSA-1024 accepted by policy must be reported"
    assert signature.trust is not None
    _check(run, signature.trust, where="S/MIME", signer=run.test["smime"]["signer"])


@pytest.mark.parametrize("run", _FIRST_RUNS, ids=[r.id for r in _FIRST_RUNS])
def test_pkits_legacy_refused_by_default_policy(run: PkitsRun) -> None:
    # RFC 5280 6.1.3 (a)(1) checks the signatures from the anchor down: the first
    # certificate below the anchor is SHA-1-signed by an RSA-1024 key, so that is where
    # the default policy stops, whatever the PKITS test is about. Only the two
    # name-chaining tests end earlier: no path can be built, so nothing is verified.
    policy = run.policy(Policy())
    direct = run.validate(policy)
    report = run.open(policy)
    result = _legacy_shape(run, report)
    signature = report.signatures[0]
    assert signature.trust is not None
    for where, trust in (("direct", direct), ("S/MIME", signature.trust)):
        if run.expected == "name_chaining":
            assert trust.status is ValidationStatus.NAME_CHAINING, f"{run.id} {where}"
            continue
        assert trust.status is ValidationStatus.ALGORITHM, (
            f"{run.id} {where}: {trust.status.value}: {trust.reason}"
        )
        # the chain tried ends with the anchor; the certificate it signed is the one refused
        assert trust.chain[-1] == cert(run.test["trust_anchor"], legacy=True), f"{run.id} {where}"
        assert trust.failing_certificate == trust.chain[-2], f"{run.id} {where}"
        if where == "direct" or run.test["smime"]["signer"] == run.test["target"]:
            assert trust.chain[-2] == cert(run.test["path"][1], legacy=True), f"{run.id} {where}"
        assert trust.reason is not None and "refused by the algorithm policy" in trust.reason
        assert "sha1WithRSAEncryption is weak" in trust.reason, trust.reason
    # the message signature is refused too (its SHA-1 digest first), never verified
    assert not signature.valid and not report.ok, run.id
    assert result.reason is Reason.ALGORITHM_REFUSED, f"{run.id}: {result.reason}"
    assert result.detail is not None and result.detail.startswith("sha1 is weak"), result.detail
    assert result.signature_valid is None


def test_pkits_legacy_needs_both_allowances() -> None:
    # Each of the two explicit allowances is needed on its own: SHA-1 alone still
    # fails on the 1024-bit keys, 1024-bit RSA alone still fails on SHA-1.
    run = LEGACY_RUNS[0]
    assert run.id == "4.1.1-run1"
    assert run.validate(run.policy()).status is ValidationStatus.VALID
    sha1_only = run.validate(run.policy(Policy(allow_weak=True)))
    assert sha1_only.status is ValidationStatus.ALGORITHM
    assert sha1_only.reason is not None and "RSA key of 1024 bits" in sha1_only.reason
    rsa1024_only = run.validate(run.policy(Policy(min_rsa_bits=1024)))
    assert rsa1024_only.status is ValidationStatus.ALGORITHM
    assert rsa1024_only.reason is not None
    assert "sha1WithRSAEncryption is weak" in rsa1024_only.reason
    report = run.open(run.policy(Policy(allow_weak=True)))
    assert report.signatures[0].result.reason is Reason.ALGORITHM_REFUSED
    assert "RSA key of 1024 bits" in (report.signatures[0].result.detail or "")
