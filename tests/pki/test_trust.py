"""TrustStore: loading anchors, immutability, and validate() wiring path building,
RFC 5280 6.1 validation, RFC 8550 4.4 purposes, time sources and revocation."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from smimelib.crypto.algorithms import LEGACY_POLICY
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.identity import Identity
from smimelib.pki.keys import private_key_to_pem
from smimelib.pki.path_results import (
    CRLReason,
    KeyPurpose,
    RevocationMode,
    RevocationState,
    TimeSource,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from tests.peers import in_ci, openssl
from tests.vectors import load_vector

_HARD = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)
_OFF = ValidationPolicy(revocation=RevocationMode.OFF)


@dataclass(frozen=True)
class _PKI:
    root: Identity
    inter: Identity
    leaf: Identity
    signer_only: Identity
    encrypt_only: Identity
    impostor_root: Identity
    other_root: Identity


@pytest.fixture(scope="module")
def pki() -> _PKI:
    root = make_ca("CN=Trust Root,O=smimelib tests", key_type="p-256")
    inter = make_ca("CN=Trust Inter,O=smimelib tests", key_type="p-256", issuer=root)
    return _PKI(
        root=root,
        inter=inter,
        leaf=make_smime_identity("leaf@example.com", issuer=inter, key_type="p-256"),
        signer_only=make_smime_identity(
            "sign@example.com", issuer=inter, key_type="p-256", usage="sign"
        ),
        encrypt_only=make_smime_identity(
            "enc@example.com", issuer=inter, key_type="p-256", usage="encrypt"
        ),
        impostor_root=make_ca("CN=Trust Root,O=smimelib tests", key_type="p-256"),
        other_root=make_ca("CN=Other Root", key_type="p-256"),
    )


# -- validate: paths ------------------------------------------------------------------------


def test_chain_through_intermediate(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_OFF)
    assert result.status is ValidationStatus.VALID and result.trusted
    assert result.chain == (pki.leaf.certificate, pki.inter.certificate, pki.root.certificate)
    assert result.time_source is TimeSource.NOW
    assert result.validation_time is not None
    now = datetime.datetime.now(datetime.UTC)
    assert abs((now - result.validation_time).total_seconds()) < 60
    assert result.purpose is KeyPurpose.ANY


def test_missing_intermediate_is_name_chaining(pki: _PKI) -> None:
    result = TrustStore([pki.root.certificate]).validate(pki.leaf.certificate, policy=_OFF)
    assert result.status is ValidationStatus.NAME_CHAINING
    assert result.failing_certificate == pki.leaf.certificate
    assert result.chain == (pki.leaf.certificate,)
    assert "CN=Trust Inter" in (result.reason or "")


def test_same_name_other_key_is_not_the_anchor(pki: _PKI) -> None:
    store = TrustStore([pki.impostor_root.certificate])
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_OFF)
    assert not result.trusted
    assert result.status is ValidationStatus.INVALID_SIGNATURE


def test_untrusted_root(pki: _PKI) -> None:
    store = TrustStore([pki.other_root.certificate])
    hints = [pki.inter.certificate, pki.root.certificate]
    result = store.validate(pki.leaf.certificate, hints, policy=_OFF)
    assert result.status is ValidationStatus.UNTRUSTED_ROOT
    assert result.failing_certificate == pki.root.certificate


def test_anchor_itself(pki: _PKI) -> None:
    result = TrustStore([pki.root.certificate]).validate(pki.root.certificate, policy=_OFF)
    assert result.trusted and result.chain == (pki.root.certificate,)


def test_hints_are_never_persisted(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    assert store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_OFF).trusted
    assert store.intermediates == ()
    assert not store.validate(pki.leaf.certificate, policy=_OFF).trusted
    with_pool = store.with_intermediates([pki.inter.certificate])
    assert with_pool.validate(pki.leaf.certificate, policy=_OFF).trusted
    assert store.intermediates == () and with_pool.intermediates == (pki.inter.certificate,)


def test_second_candidate_path_wins(pki: _PKI) -> None:
    # the impostor root is tried (same name) and fails; the real root then validates
    store = TrustStore([pki.impostor_root.certificate, pki.root.certificate])
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_OFF)
    assert result.trusted and result.chain[-1] == pki.root.certificate


def test_limit_reached_after_failing_paths_is_reported(pki: _PKI) -> None:
    # the same intermediate key certified by the impostor root: a path that fails first
    rogue = make_ca("CN=Trust Inter,O=smimelib tests", key=pki.inter.key, issuer=pki.impostor_root)
    store = TrustStore([pki.root.certificate])
    hints = [rogue.certificate, pki.inter.certificate]
    assert store.validate(pki.leaf.certificate, hints, policy=_OFF).trusted
    one = ValidationPolicy(revocation=RevocationMode.OFF, max_paths=1)
    result = store.validate(pki.leaf.certificate, hints, policy=one)
    assert result.status is ValidationStatus.INVALID_SIGNATURE
    assert any("path building stopped" in f for f in result.findings)


# -- validate: time -------------------------------------------------------------------------


def test_time_sources(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    at = datetime.datetime.now(datetime.UTC).replace(microsecond=654321)
    given = store.validate(pki.leaf.certificate, [pki.inter.certificate], at, policy=_OFF)
    assert given.time_source is TimeSource.CALLER
    # certificate times have whole seconds: the fraction is dropped, never rounded up
    assert given.validation_time == at.replace(microsecond=0)
    signing = store.validate(
        pki.leaf.certificate,
        [pki.inter.certificate],
        at,
        policy=_OFF,
        time_source=TimeSource.SIGNING_TIME,
    )
    assert signing.time_source is TimeSource.SIGNING_TIME and signing.trusted
    with pytest.raises(UsageError):
        store.validate(pki.leaf.certificate, at=datetime.datetime(2030, 1, 1))


def test_expired_and_not_yet_valid(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    leaf = pki.leaf.certificate
    late = leaf.not_after + datetime.timedelta(days=1)
    early = leaf.not_before - datetime.timedelta(days=1)
    expired = store.validate(leaf, [pki.inter.certificate], late, policy=_OFF)
    assert expired.status is ValidationStatus.EXPIRED
    not_yet = store.validate(leaf, [pki.inter.certificate], early, policy=_OFF)
    assert not_yet.status is ValidationStatus.NOT_YET_VALID


# -- validate: purposes and policies --------------------------------------------------------


def test_purposes(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate]).with_intermediates([pki.inter.certificate])

    def status(cert: Certificate, purpose: KeyPurpose) -> ValidationStatus:
        result = store.validate(cert, policy=_OFF, purpose=purpose)
        assert result.purpose is purpose
        return result.status

    assert status(pki.leaf.certificate, KeyPurpose.SIGN) is ValidationStatus.VALID
    assert status(pki.leaf.certificate, KeyPurpose.ENCRYPT) is ValidationStatus.VALID
    assert status(pki.signer_only.certificate, KeyPurpose.SIGN) is ValidationStatus.VALID
    assert status(pki.signer_only.certificate, KeyPurpose.ENCRYPT) is ValidationStatus.KEY_USAGE
    assert status(pki.encrypt_only.certificate, KeyPurpose.SIGN) is ValidationStatus.KEY_USAGE
    assert status(pki.encrypt_only.certificate, KeyPurpose.ANY) is ValidationStatus.VALID


def test_eku_from_policy(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate], intermediates=[pki.inter.certificate])
    server_auth = ValidationPolicy(
        revocation=RevocationMode.OFF, extended_key_usages=frozenset({"1.3.6.1.5.5.7.3.1"})
    )
    result = store.validate(pki.leaf.certificate, policy=server_auth)
    assert result.status is ValidationStatus.EXTENDED_KEY_USAGE


def test_algorithm_policy_is_accepted_for_m4_callers(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=LEGACY_POLICY)
    assert result.trusted
    with pytest.raises(UsageError):
        store.validate(pki.leaf.certificate, policy="strict")  # type: ignore[arg-type]


def test_path_building_limit(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    tight = ValidationPolicy(revocation=RevocationMode.OFF, max_chain_length=2)
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=tight)
    assert result.status is ValidationStatus.PATH_BUILDING_LIMIT


def test_usage_errors(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate])
    with pytest.raises(UsageError):
        store.validate(pki.leaf.certificate.der)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        store.validate(pki.leaf.certificate, [b"junk"])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        store.validate(pki.leaf.certificate, purpose="sign")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        TrustStore([pki.root.certificate.der])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        TrustStore(crls=[42])  # type: ignore[list-item]
    with pytest.raises(DecodeError):
        TrustStore(crls=[b"not a CRL"])


# -- building stores ------------------------------------------------------------------------


def test_immutability_and_repr(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate, pki.root.certificate])
    assert store.anchors == (pki.root.certificate,)
    assert repr(store) == "TrustStore(1 anchors)"
    bigger = store.with_anchors([pki.other_root.certificate])
    assert store.anchors == (pki.root.certificate,)
    assert bigger.anchors == (pki.root.certificate, pki.other_root.certificate)
    pooled = bigger.with_intermediates([pki.inter.certificate, pki.root.certificate])
    # an anchor is never also an untrusted intermediate
    assert pooled.intermediates == (pki.inter.certificate,)
    assert repr(pooled) == "TrustStore(2 anchors, 1 intermediates)"
    assert pooled.crls == () and pooled.ocsp_responses == () and pooled.fetcher is None


def test_from_pem_bundle_and_der(pki: _PKI) -> None:
    bundle = pki.root.certificate.to_pem() + pki.other_root.certificate.to_pem()
    assert TrustStore.from_pem(bundle).anchors == (
        pki.root.certificate,
        pki.other_root.certificate,
    )
    assert TrustStore.from_pem(bundle.decode()).anchors[0] == pki.root.certificate
    assert TrustStore.from_pem(pki.root.certificate.der).anchors == (pki.root.certificate,)
    with pytest.raises(DecodeError):
        TrustStore.from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_from_file(pki: _PKI, tmp_path: Path) -> None:
    pem = tmp_path / "roots.pem"
    pem.write_bytes(pki.root.certificate.to_pem() + pki.other_root.certificate.to_pem())
    der = tmp_path / "root.der"
    der.write_bytes(pki.root.certificate.der)
    assert len(TrustStore.from_file(pem).anchors) == 2
    assert TrustStore.from_file(str(der)).anchors == (pki.root.certificate,)
    with pytest.raises(UsageError):
        TrustStore.from_file(tmp_path / "missing.pem")
    bad = tmp_path / "bad.der"
    bad.write_bytes(b"\x30\x03\x02\x01")
    with pytest.raises(DecodeError, match=r"bad\.der"):
        TrustStore.from_file(bad)


def _trust_directory(pki: _PKI, tmp_path: Path, crl: bytes) -> Path:
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "root.pem").write_bytes(pki.root.certificate.to_pem())
    (directory / "other.der").write_bytes(pki.other_root.certificate.der)
    # c_rehash layout: <hash>.0 links to a certificate file, <hash>.r0 to a CRL
    os.symlink("root.pem", directory / "0a1b2c3d.0")
    (directory / "4e5f6a7b.1").write_bytes(pki.inter.certificate.to_pem())
    (directory / "4e5f6a7b.r0").write_bytes(crl)
    (directory / "key.pem").write_bytes(private_key_to_pem(pki.leaf.key))
    (directory / "README").write_text("not a certificate")
    return directory


def test_from_directory(pki: _PKI, tmp_path: Path) -> None:
    crl = CertificateList.from_der(load_vector("pkits/crls/TrustAnchorRootCRL.crl")).to_pem()
    directory = _trust_directory(pki, tmp_path, crl)
    store = TrustStore.from_directory(directory)
    assert set(store.anchors) == {
        pki.root.certificate,
        pki.other_root.certificate,
        pki.inter.certificate,
    }
    assert len(store.anchors) == 3
    assert [c.der for c in store.crls] == [CertificateList.from_pem(crl).der]
    (directory / "broken.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    with pytest.raises(DecodeError, match=r"broken\.crt"):
        TrustStore.from_directory(directory)
    with pytest.raises(UsageError):
        TrustStore.from_directory(tmp_path / "nowhere")


def test_system_store(pki: _PKI, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(pki.root.certificate.to_pem())
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "other.crt").write_bytes(pki.other_root.certificate.to_pem())
    store = TrustStore.system([bundle, str(directory)])
    assert set(store.anchors) == {pki.root.certificate, pki.other_root.certificate}
    with pytest.raises(UsageError):
        TrustStore.system([tmp_path / "missing"])
    with pytest.raises(UsageError):
        TrustStore.system(str(bundle))
    with pytest.raises(UsageError):
        TrustStore.system([])


def test_default_system_store() -> None:
    from smimelib.pki.trust import SYSTEM_TRUST_PATHS

    if not any(os.path.exists(p) for p in SYSTEM_TRUST_PATHS):
        message = "this machine has no system trust store (Debian: ca-certificates)"
        if in_ci():
            pytest.fail(message + "; CI must have one")
        pytest.skip(message)
    store = TrustStore.system()
    assert store.anchors
    assert all(isinstance(c, Certificate) for c in store.anchors)


# -- revocation (CRLs made by the OpenSSL CLI) ----------------------------------------------


class _OpenSSLCA:
    """``openssl ca`` state for one of our CAs, enough for -revoke and -gencrl."""

    def __init__(self, work: Path, ca: Identity) -> None:
        work.mkdir()
        self.work = work
        (work / "index.txt").write_text("")
        (work / "crlnumber").write_text("1000\n")
        (work / "ca.pem").write_bytes(ca.certificate.to_pem())
        (work / "ca.key").write_bytes(private_key_to_pem(ca.key))
        self.config = work / "ca.cnf"
        self.config.write_text(
            "[ ca ]\ndefault_ca = CA_default\n"
            "[ CA_default ]\n"
            f"database = {work / 'index.txt'}\n"
            f"crlnumber = {work / 'crlnumber'}\n"
            f"certificate = {work / 'ca.pem'}\n"
            f"private_key = {work / 'ca.key'}\n"
            "default_md = sha256\ndefault_crl_days = 30\n"
            "crl_extensions = crl_ext\n"
            "[ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n"
        )

    def revoke(self, cert: Certificate, reason: str) -> None:
        pem = self.work / f"{cert.serial_hex}.pem"
        pem.write_bytes(cert.to_pem())
        openssl(["ca", "-config", self.config, "-revoke", pem, "-crl_reason", reason])

    def crl(self) -> bytes:
        out = self.work / "crl.pem"
        openssl(["ca", "-config", self.config, "-gencrl", "-out", out])
        return out.read_bytes()


@pytest.fixture(scope="module")
def root_crl(pki: _PKI, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _OpenSSLCA(tmp_path_factory.mktemp("root") / "ca", pki.root).crl()


@pytest.fixture(scope="module")
def inter_crl(pki: _PKI, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    ca = _OpenSSLCA(tmp_path_factory.mktemp("inter") / "ca", pki.inter)
    ca.revoke(pki.signer_only.certificate, "keyCompromise")
    return ca.crl()


@pytest.mark.interop
def test_store_crls_give_good_and_revoked(pki: _PKI, root_crl: bytes, inter_crl: bytes) -> None:
    store = TrustStore(
        [pki.root.certificate], intermediates=[pki.inter.certificate], crls=[root_crl, inter_crl]
    )
    assert len(store.crls) == 2 and "2 CRLs" in repr(store)
    good = store.validate(pki.leaf.certificate, policy=_HARD)
    assert good.trusted, good.reason
    assert [o.state for o in good.revocation] == [RevocationState.GOOD, RevocationState.GOOD]
    assert {s.origin for s in good.revocation_sources if s.used} == {"store"}
    revoked = store.validate(pki.signer_only.certificate, policy=_HARD)
    assert revoked.status is ValidationStatus.REVOKED
    assert revoked.failing_certificate == pki.signer_only.certificate
    assert revoked.revocation[0].reason is CRLReason.KEY_COMPROMISE


@pytest.mark.interop
def test_message_crls_are_hints_only(pki: _PKI, root_crl: bytes, inter_crl: bytes) -> None:
    store = TrustStore([pki.root.certificate])
    result = store.validate(
        pki.leaf.certificate,
        [pki.inter.certificate],
        policy=_HARD,
        crls=[CertificateList.from_pem(root_crl), inter_crl],
    )
    assert result.trusted, result.reason
    assert {s.origin for s in result.revocation_sources if s.used} == {"message"}
    assert store.crls == ()
    # without them, hard-fail cannot determine the status
    unknown = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_HARD)
    assert unknown.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN


def test_revocation_modes_without_crls(pki: _PKI) -> None:
    store = TrustStore([pki.root.certificate], intermediates=[pki.inter.certificate])
    soft = store.validate(pki.leaf.certificate)  # soft-fail is the default
    assert soft.trusted and soft.findings
    assert all(o.state is RevocationState.UNKNOWN for o in soft.revocation)
    off = store.validate(pki.leaf.certificate, policy=_OFF)
    assert off.trusted
    assert all(o.state is RevocationState.NOT_CHECKED for o in off.revocation)


class _Fetcher:
    def __init__(self, crls: Sequence[bytes], fail: bool = False) -> None:
        self.crls = crls
        self.fail = fail
        self.asked: list[Certificate] = []

    def fetch_crls(self, cert: Certificate, issuer: Certificate) -> Sequence[bytes]:
        self.asked.append(cert)
        if self.fail:
            raise OSError("network is unreachable")
        return self.crls

    def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes | None:
        if self.fail:
            raise OSError("network is unreachable")
        return None


@pytest.mark.interop
def test_fetcher(pki: _PKI, root_crl: bytes, inter_crl: bytes) -> None:
    fetcher = _Fetcher([root_crl, inter_crl])
    store = TrustStore([pki.root.certificate], fetcher=fetcher)
    assert store.fetcher is fetcher and "fetcher" in repr(store)
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_HARD)
    assert result.trusted, result.reason
    assert fetcher.asked
    assert "fetched" in {s.origin for s in result.revocation_sources if s.used}
    # a failing fetcher is a problem of the sources, never an exception
    broken = store.with_fetcher(_Fetcher([], fail=True))
    failed = broken.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_HARD)
    assert failed.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    assert store.with_fetcher(None).fetcher is None


@pytest.fixture(scope="module")
def inter_ocsp(pki: _PKI, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One OpenSSL OCSP response from the intermediate: leaf good, signer_only revoked."""
    work = tmp_path_factory.mktemp("ocsp")
    (work / "inter.pem").write_bytes(pki.inter.certificate.to_pem())
    (work / "inter.key").write_bytes(private_key_to_pem(pki.inter.key))
    lines = []
    for ident, status in ((pki.leaf, "V\t"), (pki.signer_only, "R\t250101000000Z,keyCompromise")):
        cert = ident.certificate
        (work / f"{cert.serial_hex}.pem").write_bytes(cert.to_pem())
        expiry = cert.not_after.strftime("%y%m%d%H%M%SZ")
        state, _, revoked = status.partition("\t")
        lines.append(f"{state}\t{expiry}\t{revoked}\t{cert.serial_hex}\tunknown\t/CN=x\n")
    (work / "index.txt").write_text("".join(lines))
    certs = [
        a
        for ident in (pki.leaf, pki.signer_only)
        for a in ("-cert", work / f"{ident.certificate.serial_hex}.pem")
    ]
    openssl(
        ["ocsp", "-issuer", work / "inter.pem", *certs, "-no_nonce", "-reqout", work / "req.der"]
    )
    openssl(
        [
            "ocsp",
            "-index",
            work / "index.txt",
            "-rsigner",
            work / "inter.pem",
            "-rkey",
            work / "inter.key",
            "-CA",
            work / "inter.pem",
            "-reqin",
            work / "req.der",
            "-respout",
            work / "resp.der",
            "-ndays",
            "1",
        ]
    )
    return (work / "resp.der").read_bytes()


@pytest.mark.interop
def test_ocsp_responses(pki: _PKI, root_crl: bytes, inter_ocsp: bytes) -> None:
    store = TrustStore(
        [pki.root.certificate],
        intermediates=[pki.inter.certificate],
        crls=[root_crl],
        ocsp_responses=[inter_ocsp],
    )
    assert len(store.ocsp_responses) == 1 and "1 OCSP responses" in repr(store)
    good = store.validate(pki.leaf.certificate, policy=_HARD)
    assert good.trusted, (good.reason, good.revocation)
    leaf_sources = good.revocation[0].sources
    assert any(s.kind == "ocsp" and s.used and s.origin == "store" for s in leaf_sources)
    revoked = store.validate(pki.signer_only.certificate, policy=_HARD)
    assert revoked.status is ValidationStatus.REVOKED
    assert revoked.revocation[0].reason is CRLReason.KEY_COMPROMISE
    # the same response given with the message: origin "message", never kept
    bare = TrustStore([pki.root.certificate], crls=[root_crl])
    hinted = bare.validate(
        pki.leaf.certificate, [pki.inter.certificate], policy=_HARD, ocsp_responses=[inter_ocsp]
    )
    assert hinted.trusted, hinted.reason
    assert any(s.kind == "ocsp" and s.origin == "message" for s in hinted.revocation_sources)
    assert bare.ocsp_responses == ()
    with pytest.raises(DecodeError):
        bare.with_ocsp_responses([b"\x30\x00"])


def test_signer_validation_limits(pki: _PKI) -> None:
    from smimelib.pki._trust_context import MAX_SIGNER_DEPTH, ValidationRun

    run = ValidationRun(
        anchors=[pki.root.certificate],
        pool=[pki.inter.certificate],
        crls=(),
        ocsp_responses=(),
        fetcher=None,
        policy=_HARD,
    )
    at = datetime.datetime.now(datetime.UTC)
    path = (pki.root.certificate, pki.inter.certificate, pki.leaf.certificate)
    too_deep = run.validate_signer(pki.inter.certificate, path, at, depth=MAX_SIGNER_DEPTH)
    assert too_deep.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    assert "nests deeper" in (too_deep.reason or "")
    assert run.validate_signer(pki.inter.certificate, (), at, depth=0).status is (
        ValidationStatus.NAME_CHAINING
    )
    # validated once, then remembered (the same object comes back)
    first = run.validate_signer(pki.inter.certificate, path, at, depth=0)
    assert first is run.validate_signer(pki.inter.certificate, path, at, depth=0)


class _OCSPFetcher:
    """CRLs for the intermediate, an OCSP response for everything it issued."""

    def __init__(self, pki: _PKI, root_crl: bytes, response: bytes) -> None:
        self.pki = pki
        self.root_crl = root_crl
        self.response = response
        self.requests: list[bytes] = []

    def fetch_crls(self, cert: Certificate, issuer: Certificate) -> Sequence[bytes]:
        return [self.root_crl] if issuer == self.pki.root.certificate else []

    def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes | None:
        self.requests.append(request)
        return self.response if issuer == self.pki.inter.certificate else None


@pytest.mark.interop
def test_ocsp_through_the_fetcher(
    pki: _PKI, root_crl: bytes, inter_ocsp: bytes, tmp_path: Path
) -> None:
    fetcher = _OCSPFetcher(pki, root_crl, inter_ocsp)
    store = TrustStore([pki.root.certificate], fetcher=fetcher)
    result = store.validate(pki.leaf.certificate, [pki.inter.certificate], policy=_HARD)
    assert result.trusted, (result.reason, result.revocation)
    leaf_used = [s for s in result.revocation[0].sources if s.used]
    assert [(s.kind, s.origin) for s in leaf_used] == [("ocsp", "fetched")]
    # the request the fetcher got is a DER OCSPRequest OpenSSL reads
    request = tmp_path / "req.der"
    request.write_bytes(fetcher.requests[0])
    text = openssl(["ocsp", "-reqin", request, "-req_text"]).stdout.decode()
    assert f"Serial Number: {pki.leaf.certificate.serial_hex}" in text
    revoked = store.validate(pki.signer_only.certificate, [pki.inter.certificate], policy=_HARD)
    assert revoked.status is ValidationStatus.REVOKED
