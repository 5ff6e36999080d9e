"""RFC 5280 section 6.1 path validation (``smimelib.pki.validation.validate_path``).

Main evidence: NIST PKITS. Every run of ``vectors/pkits/pkits.json`` is validated
with the run's own ``path`` (trust anchor first), its four 6.1.1 inputs and the
suite's validation time; the status must equal the run's ``reason`` (``valid`` for
valid runs) and, for valid runs, the user-constrained policy set must be the
expected one.

* The 175 runs that do not depend on CRL processing are run with revocation OFF.
* All 250 runs are run again with hard-fail revocation through helper R's
  ``StandardRevocationChecker`` fed the test's CRLs and ``other_certs``.

Then builder-minted paths (EC P-256 keys) for each failure the algorithm can
report, the revocation modes, the algorithm policy and the result's shape.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from smimelib.asn1 import der
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Policy
from smimelib.errors import UsageError
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import (
    CRLReason,
    KeyPurpose,
    PolicySettings,
    RevocationMode,
    RevocationOutcome,
    RevocationState,
    TimeSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.validation import validate_path
from tests.vectors import load_vector

UTC = datetime.UTC

# -- PKITS ----------------------------------------------------------------------------------


@functools.cache
def _suite() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load_vector("pkits/pkits.json"))
    return data


@functools.cache
def _cert(name: str) -> Certificate:
    return Certificate.from_der(load_vector("pkits/" + name))


def _runs(*, revocation_dependent: bool | None) -> list[Any]:
    out = []
    for test in _suite()["tests"]:
        if (
            revocation_dependent is not None
            and test["revocation_dependent"] != revocation_dependent
        ):
            continue
        for run in test["runs"]:
            out.append(pytest.param(test, run, id=f"{test['id']}-run{run['run']}"))
    return out


def _pkits_policy(
    test: dict[str, Any], run: dict[str, Any], mode: RevocationMode
) -> ValidationPolicy:
    s = run["settings"]
    settings = PolicySettings(
        initial_policy_set=frozenset(s["initial_policy_set"]),
        initial_explicit_policy=s["initial_explicit_policy"],
        initial_policy_mapping_inhibit=s["initial_policy_mapping_inhibit"],
        initial_inhibit_any_policy=s["initial_inhibit_any_policy"],
    )
    # The DSA tests (4.1.4-4.1.6) are DSA with SHA-1: legacy algorithms, allowed here only.
    algorithms = LEGACY_POLICY if "dsa" in test["features"] else DEFAULT_POLICY
    return ValidationPolicy(settings=settings, revocation=mode, algorithms=algorithms)


def _pkits_time() -> datetime.datetime:
    text = _suite()["defaults"]["validation_time"]
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _assert_pkits(result: TrustResult, test: dict[str, Any], run: dict[str, Any]) -> None:
    expected = run["reason"] or "valid"
    assert result.status.value == expected, (test["id"], result.reason)
    if expected == "valid":
        want = frozenset(run["expected_user_constrained_policy_set"])
        assert result.user_constrained_policy_set == want
        assert result.chain == tuple(reversed([_cert(p) for p in test["path"]]))
        assert result.failing_certificate is None
    else:
        assert result.failing_certificate is not None
        assert result.reason


def test_pkits_counts() -> None:
    assert len(_runs(revocation_dependent=None)) == 250
    assert len(_runs(revocation_dependent=False)) == 175


@pytest.mark.parametrize(("test", "run"), _runs(revocation_dependent=False))
def test_pkits_path_without_revocation(test: dict[str, Any], run: dict[str, Any]) -> None:
    path = [_cert(p) for p in test["path"]]
    policy = _pkits_policy(test, run, RevocationMode.OFF)
    result = validate_path(path, at=_pkits_time(), policy=policy)
    _assert_pkits(result, test, run)
    assert all(o.state is RevocationState.NOT_CHECKED for o in result.revocation)


def _revocation_checker(test: dict[str, Any], policy: ValidationPolicy) -> Any:
    revocation = pytest.importorskip(
        "smimelib.pki.revocation", reason="pending: helper R's StandardRevocationChecker"
    )
    from smimelib.pki.crl import CertificateList

    crls = [(CertificateList.from_der(load_vector("pkits/" + c)), "caller") for c in test["crls"]]
    others = [_cert(p) for p in test["other_certs"]]
    anchor = _cert(test["trust_anchor"])
    pool = [*(_cert(p) for p in test["path"][1:]), *others]

    def validate_signer(
        signer: Certificate, path: Sequence[Certificate], at: datetime.datetime
    ) -> TrustResult:
        # A tiny path builder for CRL signers: by name from the signer up to the anchor.
        chain = [signer]
        while not chain[-1].issuer.matches(anchor.subject) and len(chain) < 6:
            parent = next((c for c in pool if c.subject.matches(chain[-1].issuer)), None)
            if parent is None or parent in chain:
                break
            chain.append(parent)
        chain.append(anchor)
        inner = revocation.StandardRevocationChecker(crls=crls, certificates=pool)
        return validate_path(list(reversed(chain)), at=at, policy=policy, revocation=inner)

    return revocation.StandardRevocationChecker(
        crls=crls, certificates=pool, validate_signer=validate_signer, algorithms=policy.algorithms
    )


@pytest.mark.parametrize(("test", "run"), _runs(revocation_dependent=None))
def test_pkits_path_with_crls(test: dict[str, Any], run: dict[str, Any]) -> None:
    policy = _pkits_policy(test, run, RevocationMode.HARD_FAIL)
    checker = _revocation_checker(test, policy)
    path = [_cert(p) for p in test["path"]]
    result = validate_path(path, at=_pkits_time(), policy=policy, revocation=checker)
    _assert_pkits(result, test, run)
    if result.trusted:
        assert all(o.state is RevocationState.GOOD for o in result.revocation)


def test_pkits_dsa_refused_by_default_policy() -> None:
    test = next(t for t in _suite()["tests"] if t["id"] == "4.1.5")
    path = [_cert(p) for p in test["path"]]
    result = validate_path(
        path, at=_pkits_time(), policy=ValidationPolicy(revocation=RevocationMode.OFF)
    )
    assert result.status is ValidationStatus.ALGORITHM


# -- builder-minted paths ---------------------------------------------------------------------

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
START = NOW - datetime.timedelta(days=30)
OFF = ValidationPolicy(revocation=RevocationMode.OFF)


@dataclass(frozen=True)
class _PKI:
    root: Identity
    ca: Identity
    leaf: Certificate
    leaf_key: Any = field(repr=False)


def _leaf(
    issuer: Identity,
    *,
    subject: str = "CN=leaf,O=Test",
    key: Any = None,
    not_before: datetime.datetime = START,
    not_after: datetime.datetime | None = None,
    extra: tuple[tuple[str, bytes, bool], ...] = (),
    ca: bool | None = None,
) -> Certificate:
    key = key or generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(subject)
        .public_key(key)
        .not_valid_before(not_before)
        .not_valid_after(not_after or NOW + datetime.timedelta(days=300))
    )
    if ca is not None:
        builder = builder.basic_constraints(ca=ca)
    for oid, value, critical in extra:
        builder = builder.add_extension(oid, value, critical=critical)
    return builder.sign(issuer.key, issuer=issuer.certificate)


@pytest.fixture(scope="module")
def pki() -> _PKI:
    root = make_ca("CN=Root,O=Test", key_type="p-256", not_before=START)
    ca = make_ca("CN=CA,O=Test", key_type="p-256", issuer=root, not_before=START)
    key = generate_key("p-256")
    return _PKI(root, ca, _leaf(ca, key=key), key)


def _path(pki: _PKI, leaf: Certificate | None = None) -> list[Certificate]:
    return [pki.root.certificate, pki.ca.certificate, leaf or pki.leaf]


def test_valid_minted_path(pki: _PKI) -> None:
    result = validate_path(_path(pki), at=NOW, policy=OFF, time_source=TimeSource.CALLER)
    assert result.status is ValidationStatus.VALID
    assert result.trusted
    assert result.chain == (pki.leaf, pki.ca.certificate, pki.root.certificate)
    assert result.user_constrained_policy_set == frozenset()  # no policies, none required
    assert result.validation_time == NOW
    assert result.time_source is TimeSource.CALLER
    assert len(result.revocation) == 2


def test_anchor_only_path(pki: _PKI) -> None:
    result = validate_path([pki.root.certificate], at=NOW, policy=OFF)
    assert result.status is ValidationStatus.VALID
    assert result.chain == (pki.root.certificate,)
    assert result.revocation == ()


def test_expired_and_not_yet_valid(pki: _PKI) -> None:
    expired = _leaf(pki.ca, not_after=NOW - datetime.timedelta(days=1))
    result = validate_path(_path(pki, expired), at=NOW, policy=OFF)
    assert result.status is ValidationStatus.EXPIRED
    assert result.failing_certificate == expired
    assert "CN=leaf" in (result.reason or "")
    future = _leaf(pki.ca, not_before=NOW + datetime.timedelta(days=1))
    assert validate_path(_path(pki, future), at=NOW, policy=OFF).status is (
        ValidationStatus.NOT_YET_VALID
    )


def test_expired_anchor(pki: _PKI) -> None:
    late = pki.root.certificate.not_after + datetime.timedelta(days=1)
    result = validate_path([pki.root.certificate], at=late, policy=OFF)
    assert result.status is ValidationStatus.EXPIRED
    assert result.failing_certificate == pki.root.certificate


def test_bad_signature_and_name_chaining(pki: _PKI) -> None:
    impostor = make_ca("CN=CA,O=Test", key_type="p-256", issuer=pki.root, not_before=START)
    forged = _leaf(impostor)  # same issuer name, other key
    result = validate_path(_path(pki, forged), at=NOW, policy=OFF)
    assert result.status is ValidationStatus.INVALID_SIGNATURE
    assert result.failing_certificate == forged
    other = make_ca("CN=Other CA,O=Test", key_type="p-256", issuer=pki.root, not_before=START)
    result = validate_path(_path(pki, _leaf(other)), at=NOW, policy=OFF)
    assert result.status is ValidationStatus.NAME_CHAINING


def test_intermediate_not_a_ca(pki: _PKI) -> None:
    key = generate_key("p-256")
    not_ca = Identity(key, _leaf(pki.root, subject="CN=EE as CA", key=key, ca=False))
    result = validate_path(
        [pki.root.certificate, not_ca.certificate, _leaf(not_ca)], at=NOW, policy=OFF
    )
    assert result.status is ValidationStatus.NOT_CA
    assert result.failing_certificate == not_ca.certificate
    no_bc = Identity(key, _leaf(pki.root, subject="CN=No BC", key=key))
    result = validate_path(
        [pki.root.certificate, no_bc.certificate, _leaf(no_bc)], at=NOW, policy=OFF
    )
    assert result.status is ValidationStatus.NOT_CA


def test_path_length_constraint() -> None:
    root = make_ca("CN=PL Root", key_type="p-256", path_length=0, not_before=START)
    ca = make_ca("CN=PL CA", key_type="p-256", issuer=root, not_before=START)
    leaf = _leaf(ca)
    # the anchor's own pathLenConstraint binds the path too (RFC 5937 section 3)
    result = validate_path([root.certificate, ca.certificate, leaf], at=NOW, policy=OFF)
    assert result.status is ValidationStatus.PATH_LENGTH
    assert result.failing_certificate == ca.certificate
    free = make_ca("CN=PL Free Root", key_type="p-256", not_before=START)
    ca0 = make_ca("CN=PL CA0", key_type="p-256", issuer=free, path_length=0, not_before=START)
    sub = make_ca("CN=PL Sub", key_type="p-256", issuer=ca0, not_before=START)
    result = validate_path(
        [free.certificate, ca0.certificate, sub.certificate, _leaf(sub)], at=NOW, policy=OFF
    )
    assert result.status is ValidationStatus.PATH_LENGTH
    assert result.failing_certificate == sub.certificate
    assert validate_path(
        [free.certificate, ca0.certificate, _leaf(ca0)], at=NOW, policy=OFF
    ).trusted


def test_ca_without_key_cert_sign(pki: _PKI) -> None:
    key = generate_key("p-256")
    ku = ext.encode_key_usage({ext.KeyUsage.CRL_SIGN})
    cert = _leaf(
        pki.root, subject="CN=No KCS", key=key, ca=True, extra=((ext.OID_KEY_USAGE, ku, True),)
    )
    ca = Identity(key, cert)
    result = validate_path([pki.root.certificate, cert, _leaf(ca)], at=NOW, policy=OFF)
    assert result.status is ValidationStatus.KEY_USAGE
    assert result.failing_certificate == cert


def test_unknown_critical_extension(pki: _PKI) -> None:
    odd = ("1.3.6.1.4.1.99999.1", der.encode_null(), True)
    leaf = _leaf(pki.ca, extra=(odd,))
    result = validate_path(_path(pki, leaf), at=NOW, policy=OFF)
    assert result.status is ValidationStatus.UNKNOWN_CRITICAL_EXTENSION
    assert "1.3.6.1.4.1.99999.1" in (result.reason or "")
    harmless = _leaf(pki.ca, extra=(("1.3.6.1.4.1.99999.1", der.encode_null(), False),))
    assert validate_path(_path(pki, harmless), at=NOW, policy=OFF).trusted


def test_max_chain_length(pki: _PKI) -> None:
    policy = ValidationPolicy(revocation=RevocationMode.OFF, max_chain_length=2)
    result = validate_path(_path(pki), at=NOW, policy=policy)
    assert result.status is ValidationStatus.PATH_BUILDING_LIMIT


def test_usage_errors(pki: _PKI) -> None:
    with pytest.raises(UsageError):
        validate_path([], at=NOW)
    with pytest.raises(UsageError):
        validate_path(_path(pki), at=NOW.replace(tzinfo=None))
    with pytest.raises(UsageError):
        validate_path([b"not a certificate"], at=NOW)  # type: ignore[list-item]


# -- revocation -------------------------------------------------------------------------------


@dataclass
class _Recorder:
    """A RevocationChecker answering from a table, recording every call."""

    answers: dict[bytes, RevocationOutcome]
    calls: list[tuple[Certificate, Certificate, tuple[Certificate, ...]]] = field(
        default_factory=list
    )

    def check(
        self,
        cert: Certificate,
        issuer: Certificate,
        *,
        path: Sequence[Certificate],
        at: datetime.datetime,
    ) -> RevocationOutcome:
        self.calls.append((cert, issuer, tuple(path)))
        return self.answers.get(cert.der, RevocationOutcome(RevocationState.GOOD))


def _mode(mode: RevocationMode) -> ValidationPolicy:
    return ValidationPolicy(revocation=mode)


def test_revocation_checker_called_per_certificate(pki: _PKI) -> None:
    checker = _Recorder({})
    result = validate_path(
        _path(pki), at=NOW, policy=_mode(RevocationMode.HARD_FAIL), revocation=checker
    )
    assert result.trusted
    path = _path(pki)
    assert checker.calls == [
        (path[1], path[0], tuple(path[:2])),
        (path[2], path[1], tuple(path)),
    ]
    assert [o.state for o in result.revocation] == [RevocationState.GOOD] * 2


def test_revoked(pki: _PKI) -> None:
    when = NOW - datetime.timedelta(days=2)
    revoked = RevocationOutcome(
        RevocationState.REVOKED, reason=CRLReason.KEY_COMPROMISE, revocation_date=when
    )
    checker = _Recorder({pki.ca.certificate.der: revoked})
    for mode in (RevocationMode.SOFT_FAIL, RevocationMode.HARD_FAIL):
        result = validate_path(_path(pki), at=NOW, policy=_mode(mode), revocation=checker)
        assert result.status is ValidationStatus.REVOKED
        assert result.failing_certificate == pki.ca.certificate
        assert "key_compromise" in (result.reason or "")
        # outcomes are in chain order (EE first); the EE was not reached
        assert result.revocation[1] == revoked
        assert result.revocation[0].state is RevocationState.NOT_CHECKED


def test_unknown_status_soft_and_hard(pki: _PKI) -> None:
    unknown = RevocationOutcome(RevocationState.UNKNOWN, detail="no CRL in scope")
    checker = _Recorder({pki.leaf.der: unknown})
    soft = validate_path(
        _path(pki), at=NOW, policy=_mode(RevocationMode.SOFT_FAIL), revocation=checker
    )
    assert soft.status is ValidationStatus.VALID
    assert any("no CRL in scope" in f for f in soft.findings)
    hard = validate_path(
        _path(pki), at=NOW, policy=_mode(RevocationMode.HARD_FAIL), revocation=checker
    )
    assert hard.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    assert hard.failing_certificate == pki.leaf


def test_unknown_status_with_a_definite_failure(pki: _PKI) -> None:
    unknown = RevocationOutcome(
        RevocationState.UNKNOWN,
        detail="the CRL issuer's keyUsage lacks cRLSign",
        failure=ValidationStatus.KEY_USAGE,
    )
    checker = _Recorder({pki.leaf.der: unknown})
    hard = validate_path(
        _path(pki), at=NOW, policy=_mode(RevocationMode.HARD_FAIL), revocation=checker
    )
    assert hard.status is ValidationStatus.KEY_USAGE
    assert "cRLSign" in (hard.reason or "")
    soft = validate_path(
        _path(pki), at=NOW, policy=_mode(RevocationMode.SOFT_FAIL), revocation=checker
    )
    assert soft.trusted


def test_revocation_off_never_calls_the_checker(pki: _PKI) -> None:
    checker = _Recorder({pki.leaf.der: RevocationOutcome(RevocationState.REVOKED)})
    result = validate_path(_path(pki), at=NOW, policy=OFF, revocation=checker)
    assert result.trusted
    assert checker.calls == []


def test_no_checker(pki: _PKI) -> None:
    soft = validate_path(_path(pki), at=NOW, policy=_mode(RevocationMode.SOFT_FAIL))
    assert soft.trusted
    assert soft.findings
    hard = validate_path(_path(pki), at=NOW, policy=_mode(RevocationMode.HARD_FAIL))
    assert hard.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN


# -- purpose and strictness -------------------------------------------------------------------


def test_purpose_applied_to_the_end_entity(pki: _PKI) -> None:
    ku = ext.encode_key_usage({ext.KeyUsage.KEY_AGREEMENT})
    leaf = _leaf(pki.ca, extra=((ext.OID_KEY_USAGE, ku, True),))
    path = _path(pki, leaf)
    assert validate_path(path, at=NOW, policy=OFF, purpose=KeyPurpose.ENCRYPT).trusted
    result = validate_path(path, at=NOW, policy=OFF, purpose=KeyPurpose.SIGN)
    assert result.status is ValidationStatus.KEY_USAGE
    assert result.purpose is KeyPurpose.SIGN


def test_profile_findings_versus_strict(pki: _PKI) -> None:
    # keyCertSign without cA: a finding normally, fatal under strict
    ku = ext.encode_key_usage({ext.KeyUsage.KEY_CERT_SIGN, ext.KeyUsage.DIGITAL_SIGNATURE})
    leaf = _leaf(pki.ca, extra=((ext.OID_KEY_USAGE, ku, True),))
    lax = validate_path(_path(pki, leaf), at=NOW, policy=OFF)
    assert lax.trusted
    assert any("keyCertSign" in f for f in lax.findings)
    strict = ValidationPolicy(revocation=RevocationMode.OFF, strict=True)
    result = validate_path(_path(pki, leaf), at=NOW, policy=strict)
    assert result.status is ValidationStatus.MALFORMED
    assert result.failing_certificate == leaf


def _rsa_path(bits: int, digest: str) -> list[Certificate]:
    """A v1 root and leaf signed with pycryptodome directly: smimelib never writes
    weak signatures, so the builder cannot make these."""
    from Crypto.Hash import MD5, SHA1
    from Crypto.PublicKey import RSA
    from Crypto.Signature import pkcs1_15

    from smimelib.asn1.algid import AlgorithmIdentifier

    oid, hash_module = {"md5": ("4", MD5), "sha1": ("5", SHA1)}[digest]
    algorithm = AlgorithmIdentifier("1.2.840.113549.1.1." + oid, der.encode_null()).to_der()
    rsa = RSA.generate(bits)
    spki = rsa.public_key().export_key("DER")
    validity = der.sequence(
        der.encode_time(START), der.encode_time(NOW + datetime.timedelta(days=9))
    )

    def name(cn: str) -> bytes:
        attr = der.sequence(der.encode_oid("2.5.4.3"), der.encode_utf8(cn))
        return der.sequence(der.set_of([attr]))

    out = []
    for serial, subject in ((7, "weak root"), (8, "weak leaf")):
        tbs = der.sequence(
            der.encode_int(serial), algorithm, name("weak root"), validity, name(subject), spki
        )
        signature = pkcs1_15.new(rsa).sign(hash_module.new(tbs))
        out.append(
            Certificate.from_der(der.sequence(tbs, algorithm, der.encode_bit_string(signature)))
        )
    return out


@pytest.fixture(scope="module")
def sha1_path() -> list[Certificate]:
    return _rsa_path(2048, "sha1")


def test_sha1_per_policy(sha1_path: list[Certificate]) -> None:
    refused = validate_path(sha1_path, at=NOW, policy=OFF)
    assert refused.status is ValidationStatus.ALGORITHM
    assert refused.failing_certificate == sha1_path[1]
    legacy = ValidationPolicy(revocation=RevocationMode.OFF, algorithms=LEGACY_POLICY)
    allowed = validate_path(sha1_path, at=NOW, policy=legacy)
    assert allowed.status is ValidationStatus.VALID
    assert any("sha1WithRSAEncryption" in f for f in allowed.findings)


def test_md5_is_refused_whatever_the_policy() -> None:
    path = _rsa_path(2048, "md5")
    permissive = ValidationPolicy(
        revocation=RevocationMode.OFF,
        algorithms=Policy(
            allow_weak=True, allow_legacy=True, allow_non_standard=True, min_rsa_bits=0
        ),
    )
    result = validate_path(path, at=NOW, policy=permissive)
    assert result.status is ValidationStatus.ALGORITHM
    assert "md5" in (result.reason or "").lower()


def test_small_rsa_issuer_key_per_policy() -> None:
    path = _rsa_path(1024, "sha1")
    assert validate_path(path, at=NOW, policy=OFF).status is ValidationStatus.ALGORITHM
    legacy = ValidationPolicy(revocation=RevocationMode.OFF, algorithms=LEGACY_POLICY)
    assert validate_path(path, at=NOW, policy=legacy).trusted
    stricter = ValidationPolicy(
        revocation=RevocationMode.OFF, algorithms=Policy(allow_weak=True, min_rsa_bits=2048)
    )
    result = validate_path(path, at=NOW, policy=stricter)
    assert result.status is ValidationStatus.ALGORITHM
    assert "1024" in (result.reason or "")


def test_mutated_extensions_give_a_result_never_an_exception(pki: _PKI) -> None:
    """Hostile extension contents, correctly signed by the CA, reach every decoder of
    the validator: each gives a TrustResult (MALFORMED or another status)."""
    import random

    from smimelib.crypto.signatures import sign
    from smimelib.errors import DecodeError
    from smimelib.pki.general_names import GeneralName

    rich = (
        CertificateBuilder()
        .subject_name("CN=rich,O=Test,emailAddress=rich@example.com")
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .subject_alt_names([GeneralName.email("rich@example.com"), GeneralName.dns("example.com")])
        .key_usage({ext.KeyUsage.DIGITAL_SIGNATURE})
        .extended_key_usage([ext.OID_EKU_EMAIL_PROTECTION])
        .certificate_policies(["1.2.3.4"])
        .sign(pki.ca.key, issuer=pki.ca.certificate)
    )
    tbs = bytearray(rich.tbs_der)
    start = len(tbs) - sum(len(e.to_der()) for e in rich.extensions)
    rng = random.Random(5280)
    statuses = set()
    for _ in range(300):
        mutated = bytearray(tbs)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(start, len(mutated))] = rng.randrange(256)
        signature = sign(pki.ca.key, rich.signature_algorithm, bytes(mutated))
        encoded = der.sequence(
            bytes(mutated), rich.signature_algorithm.to_der(), der.encode_bit_string(signature)
        )
        try:
            cert = Certificate.from_der(encoded)
        except DecodeError:
            continue
        for purpose in KeyPurpose:
            result = validate_path(_path(pki, cert), at=NOW, policy=OFF, purpose=purpose)
            statuses.add(result.status)
    assert ValidationStatus.MALFORMED in statuses
    assert ValidationStatus.VALID in statuses
