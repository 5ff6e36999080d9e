"""Adversarial review of revocation: who may sign the CRL or OCSP response that decides a
certificate's status (RFC 5280 6.3.3 (f), 4.2.1.3; RFC 6960 4.1.1, 4.2.2.2).

Tests marked "regression" failed before the fix they name.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.names import Name
from smimelib.pki.ocsp import OCSPResponse, build_ocsp_request
from smimelib.pki.path_results import (
    RevocationMode,
    RevocationState,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.revocation import StandardRevocationChecker
from smimelib.pki.trust import TrustStore
from tests.peers import openssl

VALID = ValidationStatus.VALID


def _leaf(ca: Identity, subject: str, start: datetime.datetime) -> Certificate:
    return (
        CertificateBuilder()
        .subject_name(Name.from_rfc4514(subject))
        .public_key(generate_key("p-256"))
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=60))
        .sign(ca.key, issuer=ca.certificate)
    )


# -- revocation: a certificate never vouches for itself --------------------------------------


def test_self_issued_end_entity_cannot_sign_its_own_crl() -> None:
    # regression: a certificate whose subject is its issuer's name (self-issued, RFC 5280
    # 3.2) was taken as a CRL signer for itself ("on the path"): its holder's own CRL,
    # newer than the CA's, cleared it although the CA had revoked it
    from tests.pki._crl_builders import NOW as CRL_NOW
    from tests.pki._crl_builders import Entry, build_crl

    root = make_ca("CN=Rev Root", key_type="p-256")
    ca = make_ca("CN=Rev CA", key_type="p-256", issuer=root)
    key = generate_key("p-256")
    leaf = (
        CertificateBuilder()
        .subject_name(ca.certificate.subject)
        .public_key(key)
        .not_valid_before(CRL_NOW - datetime.timedelta(days=1))
        .not_valid_after(CRL_NOW + datetime.timedelta(days=30))
        .sign(ca.key, issuer=ca.certificate)
    )
    assert leaf.is_self_issued and not leaf.is_ca
    hard = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)
    root_crl = build_crl(root)
    ca_crl = build_crl(ca, [Entry(leaf.serial_number)])
    forged = build_crl(
        Identity(key, leaf), number=99, this_update=CRL_NOW - datetime.timedelta(minutes=1)
    )
    store = TrustStore([root.certificate])
    crls = [root_crl, ca_crl]
    assert store.validate(leaf, [ca.certificate], CRL_NOW, policy=hard, crls=crls).status is (
        ValidationStatus.REVOKED
    )
    result = store.validate(leaf, [ca.certificate], CRL_NOW, policy=hard, crls=[*crls, forged])
    assert result.status is ValidationStatus.REVOKED, result.reason
    # alone, the forged CRL proves nothing
    alone = store.validate(leaf, [ca.certificate], CRL_NOW, policy=hard, crls=[root_crl, forged])
    assert not alone.trusted


def test_same_named_end_entity_under_a_sibling_ca_cannot_sign_crls() -> None:
    # regression: a certificate another CA of the same anchor issued with the victim
    # CA's name, no keyUsage, signed a CRL "from" the victim CA that cleared a revoked
    # certificate (RFC 5280 4.2.1.3: a CRL signer's certificate MUST carry keyUsage)
    from tests.pki._crl_builders import NOW as CRL_NOW
    from tests.pki._crl_builders import Entry, build_crl

    root = make_ca("CN=Sib Root", key_type="p-256")
    victim_ca = make_ca("CN=Victim CA", key_type="p-256", issuer=root)
    sibling = make_ca("CN=Sibling CA", key_type="p-256", issuer=root)
    leaf = _leaf(victim_ca, "CN=revoked user", CRL_NOW - datetime.timedelta(days=1))
    impostor_key = generate_key("p-256")
    impostor = (
        CertificateBuilder()
        .subject_name(victim_ca.certificate.subject)
        .public_key(impostor_key)
        .not_valid_before(CRL_NOW - datetime.timedelta(days=1))
        .not_valid_after(CRL_NOW + datetime.timedelta(days=30))
        .sign(sibling.key, issuer=sibling.certificate)
    )
    hard = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)
    store = TrustStore([root.certificate])
    crls = [
        build_crl(root),
        build_crl(sibling),
        build_crl(victim_ca, [Entry(leaf.serial_number)]),
    ]
    forged = build_crl(
        Identity(impostor_key, impostor),
        number=99,
        this_update=CRL_NOW - datetime.timedelta(minutes=1),
    )
    hints = [victim_ca.certificate, sibling.certificate, impostor]
    at = CRL_NOW
    assert store.validate(leaf, hints, at, policy=hard, crls=crls).status is (
        ValidationStatus.REVOKED
    )
    result = store.validate(leaf, hints, at, policy=hard, crls=[*crls, forged])
    assert result.status is ValidationStatus.REVOKED, result.reason


def test_same_named_ca_under_another_root_cannot_clear_or_revoke() -> None:
    from tests.pki._crl_builders import NOW as CRL_NOW
    from tests.pki._crl_builders import Entry, build_crl

    root = make_ca("CN=Twin Root", key_type="p-256")
    ca = make_ca("CN=Twin CA", key_type="p-256", issuer=root)
    evil_root = make_ca("CN=Evil Root", key_type="p-256")
    twin = make_ca("CN=Twin CA", key_type="p-256", issuer=evil_root)  # same name, other key
    revoked = _leaf(ca, "CN=revoked", CRL_NOW - datetime.timedelta(days=1))
    fine = _leaf(ca, "CN=fine", CRL_NOW - datetime.timedelta(days=1))
    hard = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)
    newer = CRL_NOW - datetime.timedelta(minutes=1)
    crls = [build_crl(root), build_crl(ca, [Entry(revoked.serial_number)])]
    clearing = build_crl(twin, number=50, this_update=newer)
    revoking = build_crl(twin, [Entry(fine.serial_number)], number=51, this_update=newer)
    store = TrustStore([root.certificate])
    hints = [ca.certificate, twin.certificate, evil_root.certificate]
    all_crls = [*crls, clearing, revoking]
    result = store.validate(revoked, hints, CRL_NOW, policy=hard, crls=all_crls)
    assert result.status is ValidationStatus.REVOKED
    assert store.validate(fine, hints, CRL_NOW, policy=hard, crls=all_crls).status is VALID


# -- OCSP: a twin CA (same name, same serials, other key) ------------------------------------


@pytest.mark.interop
def test_ocsp_good_for_a_twin_cas_serial_does_not_answer(tmp_path: Path) -> None:
    """RFC 6960 4.1.1: the CertID's issuerKeyHash tells two same-named CAs apart; an
    OpenSSL responder's "good" for CA 1's serial says nothing about CA 2's certificate
    with that serial."""
    from tests.peers import require_tool
    from tests.pki._crl_builders import OpenSSLCA

    require_tool("openssl")
    first = OpenSSLCA(tmp_path / "one", "Twin OCSP CA")
    twin = OpenSSLCA(tmp_path / "two", "Twin OCSP CA")
    _, mine = first.issue("user")
    twin_pem, theirs = twin.issue("user")
    twin.revoke(twin_pem, "-crl_reason", "keyCompromise")
    assert mine.serial_number == theirs.serial_number
    assert mine.issuer.matches(theirs.issuer)
    request = tmp_path / "req.der"
    request.write_bytes(build_ocsp_request(mine, first.cert))
    out = tmp_path / "resp.der"
    args: list[str | Path] = ["ocsp", "-index", first.root / "index.txt", "-CA", first.cert_path]
    args += ["-rsigner", first.cert_path, "-rkey", first.key_path, "-reqin", request]
    openssl([*args, "-respout", out, "-ndays", "1"])
    response = OCSPResponse.from_der(out.read_bytes())
    now = datetime.datetime.now(datetime.UTC)

    def state(cert: Certificate, issuer: Certificate) -> RevocationState:
        checker = StandardRevocationChecker(ocsp_responses=[(response, "caller")])
        return checker.check(cert, issuer, path=[issuer, cert], at=now).state

    assert state(mine, first.cert) is RevocationState.GOOD
    assert state(theirs, twin.cert) is RevocationState.UNKNOWN
    # nor is CA 1's response usable when the twin is (wrongly) named as the issuer
    assert state(mine, twin.cert) is RevocationState.UNKNOWN


# -- MD5 is never accepted, delta CRLs included -----------------------------------------------


def test_md5_delta_crl_is_refused_even_under_a_legacy_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # regression: complete CRLs and OCSP responses refuse MD5 whatever the policy
    # (RFC 6151, RFC 8550 4.3), but a delta CRL was checked with the policy alone: an
    # MD5 delta saying removeFromCRL cleared a revoked certificate under LEGACY
    from Crypto.Hash import MD5
    from Crypto.Signature import pkcs1_15

    import tests.pki._crl_builders as builders
    from smimelib.asn1 import der
    from smimelib.asn1.algid import AlgorithmIdentifier
    from smimelib.crypto.keys import PrivateKey
    from tests.pki._crl_builders import LEGACY, Entry, build_crl

    ca = make_ca("CN=MD5 Delta CA", key_type="rsa")
    leaf = _leaf(ca, "CN=md5 victim", builders.NOW - datetime.timedelta(days=1))
    complete = build_crl(ca, [Entry(leaf.serial_number)], number=1)
    md5_rsa = AlgorithmIdentifier.from_der(
        der.sequence(der.encode_oid("1.2.840.113549.1.1.4"), der.encode_null())
    )

    def md5_sign(key: PrivateKey, alg: object, data: bytes) -> bytes:
        return bytes(pkcs1_15.new(key.key).sign(MD5.new(data)))

    monkeypatch.setattr(builders, "signature_algorithm", lambda key, digest: md5_rsa)
    monkeypatch.setattr(builders, "sign", md5_sign)
    delta = build_crl(ca, [Entry(leaf.serial_number, reason=8)], number=2, delta_base=1)
    monkeypatch.undo()
    assert delta.is_delta
    checker = StandardRevocationChecker(
        crls=[(complete, "store"), (delta, "message")], algorithms=LEGACY
    )
    outcome = checker.check(leaf, ca.certificate, path=[ca.certificate, leaf], at=builders.NOW)
    assert outcome.state is RevocationState.REVOKED, outcome.detail
