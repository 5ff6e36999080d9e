"""How fresh revocation data must be (RFC 5280 5.1.2.5, 6.3.3 (a)(2); RFC 6960 4.2.2.1).

``ValidationPolicy.max_revocation_age`` refuses CRLs, delta CRLs and OCSP responses
whose thisUpdate is older than the limit whatever their nextUpdate says, and
``require_next_update`` refuses those without nextUpdate; by default such data is used
and reported in the findings. CRLs come from ``openssl ca -gencrl -crldays`` (OpenSSL
3.0 cannot make one without nextUpdate: those come from the test CRL writer), OCSP
responses from ``openssl ocsp`` with ``-ndays`` and without (no nextUpdate). Everything
goes through :meth:`TrustStore.validate` with soft and hard fail, and the CLI options
``--max-revocation-age`` / ``--require-next-update`` through ``smime verify``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from smimelib.errors import UsageError
from smimelib.pki import private_key_to_pem
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key
from smimelib.pki.ocsp import OCSPResponse, build_ocsp_request
from smimelib.pki.path_results import (
    RevocationMode,
    RevocationSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.revocation import StandardRevocationChecker
from smimelib.pki.trust import TrustStore
from tests.peers import openssl
from tests.pki._crl_builders import OpenSSLCA, build_crl
from tests.test_cli import smime as run_smime

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
HARD = RevocationMode.HARD_FAIL
SOFT = RevocationMode.SOFT_FAIL
UNKNOWN = ValidationStatus.REVOCATION_STATUS_UNKNOWN


def _z(moment: datetime.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _World:
    ca: OpenSSLCA
    identity: Identity
    ee: Certificate
    #: shortly after the OpenSSL-made data was issued, and 8 days later
    soon: datetime.datetime
    later: datetime.datetime
    crl_30_days: CertificateList
    ocsp_30_days: OCSPResponse
    ocsp_open_ended: OCSPResponse


def _ocsp(ca: OpenSSLCA, ee: Certificate, work: Path, name: str, *extra: str) -> OCSPResponse:
    """``openssl ocsp`` answering for ``ee``, signed by the CA itself (RFC 6960 4.2.2.2)."""
    req, out = work / f"{name}.req", work / f"{name}.der"
    req.write_bytes(build_ocsp_request(ee, ca.cert))
    args: list[str | Path] = ["ocsp", "-index", ca.root / "index.txt", "-CA", ca.cert_path]
    args += ["-rsigner", ca.cert_path, "-rkey", ca.key_path, "-reqin", req, "-respout", out]
    openssl([*args, *extra])
    return OCSPResponse.from_der(out.read_bytes())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> _World:
    work = tmp_path_factory.mktemp("freshness")
    ca = OpenSSLCA(work / "ca", "Freshness Test CA")
    _, ee = ca.issue("fresh user")
    identity = Identity(load_private_key(ca.key_path.read_bytes()), ca.cert)
    crl = ca.gencrl("-crldays", "30")
    far = _ocsp(ca, ee, work, "far", "-ndays", "30")
    # neither -ndays nor -nmin: OpenSSL leaves nextUpdate out
    open_ended = _ocsp(ca, ee, work, "open")
    soon = crl.this_update + datetime.timedelta(hours=1)
    return _World(ca, identity, ee, soon, soon + 8 * DAY, crl, far, open_ended)


def _validate(
    world: _World,
    at: datetime.datetime,
    *,
    mode: RevocationMode = HARD,
    store_crls: tuple[CertificateList, ...] = (),
    store_ocsp: tuple[OCSPResponse, ...] = (),
    message_crls: tuple[CertificateList, ...] = (),
    **policy: Any,
) -> TrustResult:
    store = TrustStore([world.ca.cert], crls=store_crls, ocsp_responses=store_ocsp)
    return store.validate(
        world.ee,
        at=at,
        policy=ValidationPolicy(revocation=mode, **policy),
        crls=message_crls,
    )


def _only_source(result: TrustResult) -> RevocationSource:
    (outcome,) = result.revocation
    (source,) = outcome.sources
    return source


def _soft_unknown(result: TrustResult) -> bool:
    return result.trusted and any(
        "revocation status unknown" in f and "soft-fail" in f for f in result.findings
    )


def _no_next_update_finding(result: TrustResult) -> str | None:
    return next((f for f in result.findings if "without nextUpdate" in f), None)


# -- CRLs -------------------------------------------------------------------------------------


@pytest.mark.interop
def test_openssl_crl_age_limit_overrides_far_next_update(world: _World) -> None:
    crl = world.crl_30_days
    assert crl.next_update is not None and crl.next_update - crl.this_update == 30 * DAY
    fresh = _validate(world, world.soon, store_crls=(crl,), max_revocation_age=7 * DAY)
    assert fresh.trusted, fresh.reason
    assert _only_source(fresh).used and _no_next_update_finding(fresh) is None
    # 8 days old, nextUpdate 22 days ahead: current for RFC 5280 alone ...
    plain = _validate(world, world.later, store_crls=(crl,))
    assert plain.trusted and _only_source(plain).used
    # ... but not under a 7-day limit
    hard = _validate(world, world.later, store_crls=(crl,), max_revocation_age=7 * DAY)
    assert hard.status is UNKNOWN
    source = _only_source(hard)
    assert not source.used and source.kind == "crl" and source.origin == "store"
    expected = f"thisUpdate {_z(crl.this_update)} is older than the 7-day limit"
    assert source.problem is not None and expected in source.problem
    assert hard.reason is not None and expected in hard.reason
    soft = _validate(world, world.later, mode=SOFT, store_crls=(crl,), max_revocation_age=7 * DAY)
    assert _soft_unknown(soft) and not _only_source(soft).used
    roomy = _validate(world, world.later, store_crls=(crl,), max_revocation_age=10 * DAY)
    assert roomy.trusted and _only_source(roomy).used


def test_crl_without_next_update(world: _World) -> None:
    at = world.later
    # an old CRL without nextUpdate carried in a message: never stale by itself
    old = build_crl(world.identity, number=5, this_update=at - 20 * DAY, next_update=None)
    used = _validate(world, at, message_crls=(old,))
    assert used.trusted, used.reason
    source = _only_source(used)
    assert source.used and source.origin == "message" and source.next_update is None
    note = _no_next_update_finding(used)
    assert note is not None and "no maximum age is set" in note and "crl" in note
    assert _z(old.this_update) in note
    # refused when the policy requires nextUpdate
    required = _validate(world, at, message_crls=(old,), require_next_update=True)
    assert required.status is UNKNOWN
    problem = _only_source(required).problem
    assert problem is not None and "has no nextUpdate" in problem
    soft = _validate(world, at, mode=SOFT, message_crls=(old,), require_next_update=True)
    assert _soft_unknown(soft) and _no_next_update_finding(soft) is None
    # or when it is older than the maximum age
    aged = _validate(world, at, message_crls=(old,), max_revocation_age=7 * DAY)
    assert aged.status is UNKNOWN
    problem = _only_source(aged).problem
    assert problem is not None and f"thisUpdate {_z(old.this_update)} is older" in problem
    # a recent one is used within the limit; the finding no longer says "no maximum age"
    recent = build_crl(world.identity, number=6, this_update=at - DAY, next_update=None)
    bounded = _validate(world, at, message_crls=(recent,), max_revocation_age=7 * DAY)
    assert bounded.trusted, bounded.reason
    note = _no_next_update_finding(bounded)
    assert note is not None and "no maximum age" not in note


def test_stale_next_update_still_refused(world: _World) -> None:
    at = world.later
    stale = build_crl(world.identity, number=7, this_update=at - 3 * DAY, next_update=at - DAY)
    result = _validate(world, at, message_crls=(stale,), max_revocation_age=30 * DAY)
    assert result.status is UNKNOWN
    problem = _only_source(result).problem
    assert problem is not None and f"nextUpdate {_z(at - DAY)} has passed" in problem


def test_delta_crl_age_limit(world: _World) -> None:
    at = world.later
    # a complete CRL past its nextUpdate, brought up to date by a delta CRL (6.3.3 (a)(2))
    base = build_crl(world.identity, number=10, this_update=at - 3 * DAY, next_update=at - DAY)
    delta = build_crl(
        world.identity, number=11, delta_base=10, this_update=at - 2 * DAY, next_update=at + DAY
    )
    ok = _validate(world, at, message_crls=(base, delta))
    assert ok.trusted, ok.reason
    assert all(s.used for s in ok.revocation_sources)
    # under a 1-day limit the delta CRL is too old: nothing current remains
    refused = _validate(world, at, message_crls=(base, delta), max_revocation_age=DAY)
    assert refused.status is UNKNOWN
    by_kind = {s.kind: s for s in refused.revocation_sources}
    problem = by_kind["delta-crl"].problem
    assert problem is not None and "the delta CRL is too old" in problem
    assert f"thisUpdate {_z(delta.this_update)} is older than the 1-day limit" in problem
    assert not by_kind["crl"].used


# -- OCSP -------------------------------------------------------------------------------------


@pytest.mark.interop
def test_openssl_ocsp_age_limit_overrides_far_next_update(world: _World) -> None:
    resp = world.ocsp_30_days
    (single,) = resp.responses
    assert single.next_update is not None
    fresh = _validate(world, world.soon, store_ocsp=(resp,), max_revocation_age=7 * DAY)
    assert fresh.trusted and _only_source(fresh).used
    plain = _validate(world, world.later, store_ocsp=(resp,))
    assert plain.trusted and _only_source(plain).used
    hard = _validate(world, world.later, store_ocsp=(resp,), max_revocation_age=7 * DAY)
    assert hard.status is UNKNOWN
    source = _only_source(hard)
    assert source.kind == "ocsp" and not source.used
    expected = f"thisUpdate {_z(single.this_update)} is older than the 7-day limit"
    assert source.problem is not None and expected in source.problem
    assert "the OCSP response is too old" in source.problem
    soft = _validate(world, world.later, mode=SOFT, store_ocsp=(resp,), max_revocation_age=7 * DAY)
    assert _soft_unknown(soft)


@pytest.mark.interop
def test_openssl_ocsp_without_next_update(world: _World) -> None:
    resp = world.ocsp_open_ended
    (single,) = resp.responses
    assert single.next_update is None
    used = _validate(world, world.later, store_ocsp=(resp,))
    assert used.trusted, used.reason
    assert _only_source(used).used
    note = _no_next_update_finding(used)
    assert note is not None and "ocsp" in note and "no maximum age is set" in note
    required = _validate(world, world.later, store_ocsp=(resp,), require_next_update=True)
    assert required.status is UNKNOWN
    problem = _only_source(required).problem
    assert problem is not None and "the OCSP response has no nextUpdate" in problem
    soft = _validate(world, world.later, mode=SOFT, store_ocsp=(resp,), require_next_update=True)
    assert _soft_unknown(soft)
    aged = _validate(world, world.later, store_ocsp=(resp,), max_revocation_age=7 * DAY)
    assert aged.status is UNKNOWN
    bounded = _validate(world, world.soon, store_ocsp=(resp,), max_revocation_age=7 * DAY)
    assert bounded.trusted
    note = _no_next_update_finding(bounded)
    assert note is not None and "no maximum age" not in note


def test_checker_refuses_negative_limits() -> None:
    with pytest.raises(UsageError):
        StandardRevocationChecker(max_crl_age=-DAY)
    with pytest.raises(UsageError):
        StandardRevocationChecker(max_ocsp_age=-DAY)
    checker = StandardRevocationChecker(max_crl_age=DAY, require_next_update=True)
    assert "StandardRevocationChecker" in repr(checker)


# -- the command line -------------------------------------------------------------------------

_CLI_CA_CONFIG = """\
[ ca ]
default_ca = CA_default
[ CA_default ]
database = {dir}/index.txt
crlnumber = {dir}/crlnumber
certificate = {dir}/root.pem
private_key = {dir}/root.key
default_md = sha256
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
"""


def _index_line(cert: Certificate) -> bytes:
    """An ``openssl ca`` database line for a valid certificate."""
    expiry = cert.not_after.astimezone(UTC).strftime("%y%m%d%H%M%SZ")
    return f"V\t{expiry}\t\t{cert.serial_hex}\tunknown\t/CN=Alice\n".encode()


@pytest.mark.interop
def test_cli_max_revocation_age_and_require_next_update(tmp_path: Path) -> None:
    root = make_ca("CN=Freshness CLI root")
    alice = make_smime_identity("alice@example.org", issuer=root, name="Alice")
    files = {
        "root.pem": root.certificate.to_pem(),
        "root.key": private_key_to_pem(root.key),
        "alice.pem": alice.certificate.to_pem(),
        "alice.key": private_key_to_pem(alice.key),
        # alice as a valid entry, so that ``openssl ocsp`` answers "good" for her
        "index.txt": _index_line(alice.certificate),
        "crlnumber": b"01\n",
        "ca.cnf": _CLI_CA_CONFIG.format(dir=tmp_path).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    openssl(["ca", "-config", tmp_path / "ca.cnf", "-gencrl", "-crldays", "30",
             "-out", tmp_path / "crl.pem"])  # fmt: skip
    (tmp_path / "req.der").write_bytes(build_ocsp_request(alice.certificate, root.certificate))
    openssl(["ocsp", "-index", tmp_path / "index.txt", "-CA", tmp_path / "root.pem",
             "-rsigner", tmp_path / "root.pem", "-rkey", tmp_path / "root.key",
             "-reqin", tmp_path / "req.der", "-respout", tmp_path / "ocsp.der"])  # fmt: skip
    msg = EmailMessage()
    msg["From"] = "alice@example.org"
    msg["Subject"] = "freshness"
    msg.set_content("hello\n")
    (tmp_path / "msg.eml").write_bytes(msg.as_bytes())
    signed = run_smime("sign", "--cert", tmp_path / "alice.pem", "--key", tmp_path / "alice.key",
                       "--in", tmp_path / "msg.eml")  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    later = _z(datetime.datetime.now(UTC) + 8 * DAY)
    base = ("verify", "--trust", tmp_path / "root.pem", "--revocation", "hard", "--at", later)

    def verify(*extra: str | Path) -> tuple[int, str]:
        proc = run_smime(*base, *extra, input=signed.stdout)
        return proc.returncode, proc.stderr.decode()

    crl = ("--crl", tmp_path / "crl.pem")
    assert verify(*crl)[0] == 0
    code, err = verify(*crl, "--max-revocation-age", "7")
    assert code == 1 and "revocation_status_unknown" in err
    assert verify(*crl, "--max-revocation-age", "10.5")[0] == 0
    ocsp = ("--ocsp", tmp_path / "ocsp.der")
    assert verify(*ocsp)[0] == 0
    code, err = verify(*ocsp, "--require-next-update")
    assert code == 1 and "revocation_status_unknown" in err
    code, err = verify(*crl, "--max-revocation-age", "soon")
    assert code == 2 and "--max-revocation-age" in err
    assert verify(*crl, "--max-revocation-age", "-1")[0] == 2
