"""Signer path validation through ``open()`` (RFC 5280 section 6, RFC 8550 section 4).

Real vectors where they exist: the NIST PKITS S/MIME messages carry their path and
CRLs, so they show the message's CRLs reaching the trust store as revocation hints
(hard-fail revocation is only satisfiable with them), through the API and through the
``smime`` command's trust options. Validation times and their sources (now, the
caller's, the claimed signing time) use builder-minted certificates.
"""

from __future__ import annotations

import datetime
import email.policy
import json
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from smimelib import message as smime_api
from smimelib import mime
from smimelib._message.signers import MAX_MESSAGE_CRLS
from smimelib.cms import Signer
from smimelib.cms import sign as cms_sign
from smimelib.errors import UsageError
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import (
    RevocationMode,
    RevocationState,
    TimeSource,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from tests.test_cli import _one_line_error
from tests.test_cli import smime as run_smime
from tests.vectors import load_vector, vector_path

PKITS_TIME = datetime.datetime(2011, 4, 15, tzinfo=datetime.UTC)
HARD = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)


@pytest.fixture(scope="module")
def pkits_store() -> TrustStore:
    return TrustStore([_pkits_cert("TrustAnchorRootCertificate")])


def _pkits_cert(name: str) -> Certificate:
    return Certificate.from_der(load_vector(f"pkits/certs/{name}.crt"))


def _pkits_message(name: str) -> bytes:
    return load_vector(f"pkits/smime/Signed{name}.eml")


def test_pkits_valid_path_needs_the_message_crls(pkits_store: TrustStore) -> None:
    eml = _pkits_message("ValidSignaturesTest1")
    report = smime_api.open(eml, trust=pkits_store, validation=HARD, validation_time=PKITS_TIME)
    (sig,) = report.signatures
    assert sig.valid and sig.trust is not None
    assert sig.trust.status is ValidationStatus.VALID, sig.trust.reason
    assert [c.subject.rfc4514() for c in sig.trust.chain] == [
        "CN=Valid EE Certificate Test1,O=Test Certificates 2011,C=US",
        "CN=Good CA,O=Test Certificates 2011,C=US",
        "CN=Trust Anchor,O=Test Certificates 2011,C=US",
    ]
    assert sig.trust.time_source is TimeSource.CALLER
    assert sig.trust.validation_time == PKITS_TIME
    assert [o.state for o in sig.trust.revocation] == [RevocationState.GOOD] * 2
    used = [s for s in sig.trust.revocation_sources if s.used]
    assert used and {s.origin for s in used} == {"message"}
    assert sig.trust.user_constrained_policy_set == {"2.16.840.1.101.3.2.1.48.1"}
    # hints only: nothing the message carried was added to the store
    assert not pkits_store.crls and not pkits_store.intermediates
    # the PKITS messages are from sender@testcertificates.gov, a certificate without
    # addresses: the path is valid, the signer is not bound, so the message is not ok
    assert sig.sender_match is False and not report.ok
    # the same CRLs given to the store instead
    crls = [load_vector(f"pkits/crls/{n}.crl") for n in ("TrustAnchorRootCRL", "GoodCACRL")]
    off = ValidationPolicy(revocation=RevocationMode.OFF)
    bare = smime_api.open(eml, trust=pkits_store, validation=off, validation_time=PKITS_TIME)
    assert bare.signatures[0].trusted is True
    assert {o.state for o in bare.signatures[0].trust.revocation} == {  # type: ignore[union-attr]
        RevocationState.NOT_CHECKED
    }
    with_crls = TrustStore([_pkits_cert("TrustAnchorRootCertificate")], crls=crls)
    again = smime_api.open(eml, trust=with_crls, validation=HARD, validation_time=PKITS_TIME)
    assert again.signatures[0].trusted is True


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("InvalidRevokedCATest2", ValidationStatus.REVOKED),
        ("InvalidRevokedEETest3", ValidationStatus.REVOKED),
        ("InvalidEESignatureTest3", ValidationStatus.INVALID_SIGNATURE),
        ("InvalidEEnotAfterDateTest6", ValidationStatus.EXPIRED),
        ("InvalidcAFalseTest2", ValidationStatus.NOT_CA),
    ],
)
def test_pkits_invalid_paths_are_reported(
    pkits_store: TrustStore, name: str, status: ValidationStatus
) -> None:
    report = smime_api.open(
        _pkits_message(name), trust=pkits_store, validation=HARD, validation_time=PKITS_TIME
    )
    (sig,) = report.signatures
    assert sig.valid  # the message signature is good; the path is not
    assert sig.trust is not None and sig.trust.status is status
    assert sig.trusted is False and not report.ok
    assert any(f"not trusted ({status.value})" in p for p in report.problems())
    if status is ValidationStatus.REVOKED:
        revoked = [o for o in sig.trust.revocation if o.state is RevocationState.REVOKED]
        assert revoked and revoked[0].revocation_date is not None


def test_pkits_missing_crl_soft_and_hard(pkits_store: TrustStore) -> None:
    eml = _pkits_message("MissingCRLTest1")
    hard = smime_api.open(eml, trust=pkits_store, validation=HARD, validation_time=PKITS_TIME)
    trust = hard.signatures[0].trust
    assert trust is not None and trust.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    soft = smime_api.open(eml, trust=pkits_store, validation_time=PKITS_TIME)  # soft by default
    trust = soft.signatures[0].trust
    assert trust is not None and trust.status is ValidationStatus.VALID
    assert trust.findings and "revocation status unknown" in trust.findings[0]


def test_pkits_dsa_message_reads_with_the_validation_algorithms(
    pkits_store: TrustStore,
) -> None:
    """``open(policy=None)`` verifies the message with ``validation.algorithms``."""
    eml = _pkits_message("ValidDSASignaturesTest4")
    refused = smime_api.open(eml, trust=pkits_store, validation=HARD, validation_time=PKITS_TIME)
    assert not refused.signatures[0].valid
    assert refused.signatures[0].trust.status is ValidationStatus.ALGORITHM  # type: ignore[union-attr]
    from smimelib.crypto import LEGACY_POLICY

    legacy = ValidationPolicy(revocation=RevocationMode.HARD_FAIL, algorithms=LEGACY_POLICY)
    report = smime_api.open(eml, trust=pkits_store, validation=legacy, validation_time=PKITS_TIME)
    assert report.signatures[0].valid and report.signatures[0].trusted is True


# -- validation time ------------------------------------------------------------------------

_SIGNED_AT = datetime.datetime(2020, 6, 1, 12, 0, tzinfo=datetime.UTC)


class _Past:
    """A signer whose certificate was valid in 2020 only, and messages it signed then."""

    def __init__(self) -> None:
        start = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
        self.root = make_ca("CN=Time Root", key_type="p-256", not_before=start)
        self.alice = make_smime_identity(
            "alice@example.com",
            issuer=self.root,
            key_type="p-256",
            not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
            days=365,
        )
        self.trust = TrustStore([self.root.certificate])
        self.timed = _opaque(self.alice, _SIGNED_AT)
        self.untimed = _opaque(self.alice, None)


def _opaque(identity: Identity, signing_time: datetime.datetime | None) -> bytes:
    entity = b"Content-Type: text/plain\r\n\r\nsigned in 2020\r\n"
    signer = Signer(identity.key, identity.certificate, signing_time=signing_time)
    der = cms_sign(entity, [signer])
    return b"From: alice@example.com\r\n" + mime.pkcs7_mime(der, "signed-data")


@pytest.fixture(scope="module")
def past() -> _Past:
    return _Past()


def test_now_is_the_default(past: _Past) -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    report = smime_api.open(past.timed, trust=past.trust)
    trust = report.signatures[0].trust
    assert report.signatures[0].valid and trust is not None
    assert trust.status is ValidationStatus.EXPIRED and trust.time_source is TimeSource.NOW
    assert trust.validation_time is not None and trust.validation_time >= before
    assert report.signatures[0].signing_time == _SIGNED_AT  # claimed, not used


def test_at_signing_time_only_when_asked(past: _Past) -> None:
    policy = ValidationPolicy(at_signing_time=True)
    report = smime_api.open(past.timed, trust=past.trust, validation=policy)
    trust = report.signatures[0].trust
    assert trust is not None and trust.status is ValidationStatus.VALID, trust
    assert trust.time_source is TimeSource.SIGNING_TIME
    assert trust.validation_time == _SIGNED_AT
    assert report.ok
    # an explicit time wins, reported as the caller's
    late = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    report = smime_api.open(past.timed, trust=past.trust, validation=policy, validation_time=late)
    trust = report.signatures[0].trust
    assert trust is not None and trust.time_source is TimeSource.CALLER
    assert trust.status is ValidationStatus.EXPIRED


def test_at_signing_time_without_a_signing_time(past: _Past) -> None:
    policy = ValidationPolicy(at_signing_time=True)
    report = smime_api.open(past.untimed, trust=past.trust, validation=policy)
    trust = report.signatures[0].trust
    assert trust is not None and trust.time_source is TimeSource.NOW
    assert trust.status is ValidationStatus.EXPIRED
    assert "no-signing-time" in {f.code for f in report.findings}


def test_caller_time(past: _Past) -> None:
    at = datetime.datetime(2020, 3, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    report = smime_api.open(past.timed, trust=past.trust, validation_time=at)
    trust = report.signatures[0].trust
    assert trust is not None and trust.trusted and trust.time_source is TimeSource.CALLER
    assert trust.validation_time == at


def test_bad_arguments(past: _Past) -> None:
    with pytest.raises(UsageError, match="aware"):
        smime_api.open(past.timed, trust=past.trust, validation_time=datetime.datetime(2020, 3, 1))
    with pytest.raises(UsageError, match="ValidationPolicy"):
        smime_api.open(past.timed, trust=past.trust, validation="hard")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="certificates"):
        smime_api.open(past.timed, certificates=past.alice.certificate)  # type: ignore[arg-type]


# -- CRLs carried by a message --------------------------------------------------------------


def _with_crls(identity: Identity, crls: list[bytes]) -> bytes:
    entity = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    der = cms_sign(entity, [Signer(identity.key, identity.certificate)], crls=crls)
    return b"From: alice@example.com\r\n" + mime.pkcs7_mime(der, "signed-data")


def test_malformed_or_foreign_message_crls_are_skipped() -> None:
    root = make_ca("CN=CRL Root", key_type="p-256")
    alice = make_smime_identity("alice@example.com", issuer=root, key_type="p-256")
    trust = TrustStore([root.certificate])
    # a SEQUENCE that is no CertificateList, and an [1] OtherRevocationInfoFormat
    other = bytes.fromhex("a10c06082b060105050710020500")  # id-ri-ocsp-response, NULL
    wire = _with_crls(alice, [b"\x30\x03\x02\x01\x05", other])
    report = smime_api.open(wire, trust=trust)
    codes = [f.code for f in report.findings]
    assert "crl-malformed" in codes and "revocation-info-ignored" in codes
    assert report.signatures[0].trusted is True  # soft-fail: the path itself is fine
    assert report.ok
    # a real CRL of another issuer is used as a hint and does not apply
    pkits_crl = load_vector("pkits/crls/GoodCACRL.crl")
    report = smime_api.open(_with_crls(alice, [pkits_crl]), trust=trust, validation=HARD)
    assert report.signatures[0].trust is not None
    assert report.signatures[0].trust.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN


def test_message_crls_are_bounded() -> None:
    root = make_ca("CN=CRL Root", key_type="p-256")
    alice = make_smime_identity("alice@example.com", issuer=root, key_type="p-256")
    # the CMS layer refuses more than 64 entries; the message layer uses at most 32
    wire = _with_crls(alice, [b"\x30\x03\x02\x01" + bytes([i]) for i in range(64)])
    report = smime_api.open(wire, trust=TrustStore([root.certificate]))
    codes = [f.code for f in report.findings]
    assert codes.count("crl-limit") == 1 and codes.count("crl-malformed") == MAX_MESSAGE_CRLS
    assert report.signatures[0].trusted is True


def test_json_like_fields_for_reports(pkits_store: TrustStore) -> None:
    from smimelib._cli.report import validation_json

    eml = _pkits_message("InvalidRevokedEETest3")
    report = smime_api.open(eml, trust=pkits_store, validation=HARD, validation_time=PKITS_TIME)
    trust = report.signatures[0].trust
    assert trust is not None
    doc = validation_json(trust)
    assert doc["status"] == "revoked" and doc["time_source"] == "caller"
    assert doc["time"] == "2011-04-15T00:00:00+00:00" and doc["purpose"] == "sign"
    assert doc["chain"][-1] == "CN=Trust Anchor,O=Test Certificates 2011,C=US"
    assert doc["failing_certificate"] == doc["chain"][0]
    assert any(s["used"] and s["origin"] == "message" for s in doc["revocation"])
    ee = doc["revocation_status"][0]
    assert ee["state"] == "revoked" and ee["reason"] == "key_compromise"
    assert ee["revocation_date"] is not None


def test_message_without_from_binding_and_email_message_input(past: _Past) -> None:
    msg = EmailMessage()
    msg.set_content("no From at all\n")
    signer = make_smime_identity("x@example.com", issuer=past.root, key_type="p-256")
    signed = smime_api.sign(msg, signer)
    report = smime_api.open(signed.as_bytes(policy=email.policy.SMTP), trust=past.trust)
    assert report.signatures[0].sender_match is None
    assert "from-missing" in {f.code for f in report.findings}


# -- the same through the smime command ------------------------------------------------------

_PKITS_ANCHOR = vector_path("pkits/certs/TrustAnchorRootCertificate.crt")
_PKITS_AT = "2011-04-15T00:00:00Z"


def _pkits(name: str, *args: str | Path) -> subprocess.CompletedProcess[bytes]:
    eml = vector_path(f"pkits/smime/Signed{name}.eml")
    return run_smime("verify", "--trust", _PKITS_ANCHOR, "--in", eml, *args)


@pytest.mark.parametrize(
    ("name", "args", "status", "reason"),
    [
        ("ValidSignaturesTest1", ("--revocation", "hard", "--at", _PKITS_AT), 0, None),
        ("ValidSignaturesTest1", ("--revocation", "hard", "--at-signing-time"), 0, None),
        ("InvalidRevokedEETest3", ("--revocation", "hard", "--at", _PKITS_AT), 1, "revoked"),
        ("InvalidRevokedEETest3", ("--revocation", "soft"), 1, "revoked"),
        ("InvalidRevokedEETest3", ("--revocation", "off"), 0, None),
        ("MissingCRLTest1", ("--revocation", "hard"), 1, "revocation_status_unknown"),
        ("MissingCRLTest1", ("--revocation", "soft"), 0, None),
        ("InvalidEEnotAfterDateTest6", ("--at", "2011-04-15"), 1, "expired"),
        ("InvalidEEnotAfterDateTest6", ("--at", "2011-04-15", "--no-trust-check"), 2, None),
    ],
)
def test_cli_verify_pkits_trust_options(
    name: str, args: tuple[str, ...], status: int, reason: str | None
) -> None:
    proc = _pkits(name, *args)
    assert proc.returncode == status, proc.stderr
    if reason is not None:
        assert f"not trusted ({reason})".encode() in proc.stderr
    if status == 2:
        _one_line_error(proc)


def test_cli_open_json_validation() -> None:
    eml = vector_path("pkits/smime/SignedInvalidRevokedCATest2.eml")
    proc = run_smime("open", "--json", "--trust", _PKITS_ANCHOR, "--at", _PKITS_AT,
                     "--revocation", "hard", "--in", eml)  # fmt: skip
    assert proc.returncode == 1
    (sig,) = json.loads(proc.stdout)["signatures"]
    assert sig["status"] == "valid" and sig["trusted"] is False
    assert sig["sender_match"] is False and sig["sender_address"] is None
    val = sig["validation"]
    assert set(val) >= {"status", "reason", "chain", "revocation", "time", "time_source"}
    assert val["status"] == "revoked" and "Revoked subCA" in val["reason"]
    assert val["chain"][0].startswith("CN=Invalid Revoked CA Certificate Test2")
    assert val["chain"][-1].startswith("CN=Trust Anchor")
    assert val["time"] == "2011-04-15T00:00:00+00:00" and val["time_source"] == "caller"
    assert all(s["origin"] == "message" for s in val["revocation"])
    assert any(s["kind"] == "crl" and s["used"] for s in val["revocation"])


def test_cli_open_text_warns_about_an_unbound_sender() -> None:
    # PKITS end-entity certificates carry no e-mail address: the path is valid, the exit
    # status (which judges validity and trust) is 0, and the missing sender binding is
    # printed as a warning, not as a problem contradicting "status: ok"
    eml = vector_path("pkits/smime/SignedValidSignaturesTest1.eml")
    proc = run_smime("open", "--trust", _PKITS_ANCHOR, "--at", _PKITS_AT, "--in", eml)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == "status: ok"
    assert not any(line.startswith("problem:") for line in lines)
    assert any(
        line.startswith("warning: signature 0: no address of the signer's certificate is the From")
        for line in lines
    )
    revoked = vector_path("pkits/smime/SignedInvalidRevokedEETest3.eml")
    proc = run_smime("open", "--trust", _PKITS_ANCHOR, "--at", _PKITS_AT, "--in", revoked)
    assert proc.returncode == 1
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == "status: NOT ok"
    assert any(line.startswith("problem: signature 0: not trusted (revoked)") for line in lines)
