"""x509-limbo: every case of the non-TLS namespaces through TrustStore.validate.

The namespaces ``crl``, ``cve``, ``invalid``, ``pathlen``, ``pathological`` and
``rfc5280`` of ``vectors/limbo/limbo.json`` are RFC 5280 path validation; ``webpki``
and ``online`` are the CA/Browser Forum TLS profile and recorded TLS chains, and are
not run. Each case is validated with ``policy.strict`` (the RFC 5280 profile MUSTs
fail the path), the case's extended key usages, ``max_chain_depth`` intermediates at
most, its CRLs with hard-fail revocation checking (no CRL, no revocation checking),
at its validation time (``null``: now). Peer names are not matched: smimelib
validates mail certificates, and the From-address binding is the message layer's job.

Two cases cannot give limbo's expected result, and the test asserts what smimelib
gives instead, with the reason in a table: a case whose expected FAILURE comes from TLS
host-name matching alone (:data:`TLS_HOSTNAME_ONLY`) must validate, since its chain is
valid; a case that contradicts another case (:data:`CONFLICTING`) must get the other
case's result. Every other case must give its expected result.
A certificate smimelib refuses to parse counts as a failure when it is the leaf or an
anchor (only rfc5280::duplicate-extensions: Certificate.from_der refuses a repeated
extension, RFC 5280 4.2); an unparsable untrusted intermediate would only be left out
of path building.
"""

from __future__ import annotations

import datetime
import functools
import json
from typing import Any

import pytest

from smimelib.errors import DecodeError
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.path_results import RevocationMode, ValidationPolicy
from smimelib.pki.trust import TrustStore
from tests.vectors import load_vector

#: namespaces that are RFC 5280 path validation, not the TLS server profile
NON_TLS_NAMESPACES = frozenset({"crl", "cve", "invalid", "pathlen", "pathological", "rfc5280"})

#: cases whose expected FAILURE comes only from matching the TLS peer name (the
#: chain is valid under RFC 5280); smimelib does no host-name matching
TLS_HOSTNAME_ONLY: dict[str, str] = {
    "rfc5280::ca-as-leaf-wrong-san": (
        "the chain is the valid one of rfc5280::ca-as-leaf; it fails only because the"
        " leaf's dNSName 'ca.example.com' is not the expected peer name"
        " 'some-other-ca.example.com' (TLS host-name matching, RFC 6125 / RFC 9525)"
    ),
}

#: cases whose expected result contradicts another case's for the same certificate shape:
#: id -> (the case it contradicts, why smimelib follows the other one)
CONFLICTING: dict[str, tuple[str, str]] = {
    "rfc5280::aki::cross-signed-root-missing-aki": (
        "cve::cve-2024-0567",
        "both trust anchors are a root certificate issued by another CA (CN=x509-limbo-root)"
        " without authorityKeyIdentifier and with the same extensions; this pedantic case"
        " (feature pedantic-rfc5280) expects FAILURE, cve-2024-0567 expects SUCCESS."
        " smimelib does not apply the AKI-presence rule to a trust anchor: RFC 5280 6.1.1 (d)"
        " takes only the anchor's name and key, and the AKI exists to build paths towards"
        " it (pyca/cryptography makes the same choice and skips this case)",
    ),
}

_EKU_OIDS = {
    "anyExtendedKeyUsage": "2.5.29.37.0",
    "serverAuth": "1.3.6.1.5.5.7.3.1",
    "clientAuth": "1.3.6.1.5.5.7.3.2",
    "codeSigning": "1.3.6.1.5.5.7.3.3",
    "emailProtection": "1.3.6.1.5.5.7.3.4",
    "timeStamping": "1.3.6.1.5.5.7.3.8",
    "OCSPSigning": "1.3.6.1.5.5.7.3.9",
}


@functools.cache
def _cases() -> tuple[dict[str, Any], ...]:
    suite = json.loads(load_vector("limbo/limbo.json"))
    return tuple(c for c in suite["testcases"] if c["id"].split("::", 1)[0] in NON_TLS_NAMESPACES)


def _policy(case: dict[str, Any]) -> ValidationPolicy:
    ekus = case.get("extended_key_usage") or []
    depth = case.get("max_chain_depth")
    return ValidationPolicy(
        strict=True,
        extended_key_usages=frozenset(_EKU_OIDS.get(e, e) for e in ekus) if ekus else None,
        # limbo counts intermediates; max_chain_length adds the leaf and the anchor
        max_chain_length=depth + 2 if depth is not None else ValidationPolicy().max_chain_length,
        revocation=RevocationMode.HARD_FAIL if case.get("crls") else RevocationMode.OFF,
    )


def _judge(case: dict[str, Any]) -> tuple[str, str]:
    """("SUCCESS" or "FAILURE", what smimelib said)."""
    try:
        anchors = [Certificate.from_pem(pem) for pem in case["trusted_certs"]]
        leaf = Certificate.from_pem(case["peer_certificate"])
    except DecodeError as exc:
        return "FAILURE", f"refused to parse: {exc}"
    intermediates = []
    for pem in case["untrusted_intermediates"]:
        try:
            intermediates.append(Certificate.from_pem(pem))
        except DecodeError:
            continue
    crls = [CertificateList.from_pem(pem) for pem in case.get("crls") or []]
    moment = case.get("validation_time")
    at = datetime.datetime.fromisoformat(moment) if moment else None
    result = TrustStore(anchors).validate(leaf, intermediates, at, policy=_policy(case), crls=crls)
    verdict = "SUCCESS" if result.trusted else "FAILURE"
    return verdict, f"{result.status.value}: {result.reason}"


def test_selection() -> None:
    cases = _cases()
    ids = {c["id"] for c in cases}
    assert len(cases) == 138
    assert set(TLS_HOSTNAME_ONLY) <= ids and set(CONFLICTING) <= ids
    for case_id in TLS_HOSTNAME_ONLY:
        case = next(c for c in cases if c["id"] == case_id)
        assert case["expected_result"] == "FAILURE" and case["expected_peer_name"] is not None


@pytest.mark.parametrize("case", _cases(), ids=[c["id"] for c in _cases()])
def test_limbo(case: dict[str, Any]) -> None:
    verdict, detail = _judge(case)
    conflict = CONFLICTING.get(case["id"])
    if conflict is not None:
        other_id, why = conflict
        other = next(c for c in _cases() if c["id"] == other_id)
        # the case gets the result of the case it contradicts, which does pass
        assert other["expected_result"] != case["expected_result"]
        assert verdict == other["expected_result"], f"{case['id']}: {detail}"
        assert _judge(other)[0] == other["expected_result"], f"{other_id} ({why})"
        return
    if case["id"] in TLS_HOSTNAME_ONLY:
        # the chain itself validates: the TLS peer name is all that makes it fail
        assert verdict == "SUCCESS", f"{case['id']}: {detail}"
        return
    assert verdict == case["expected_result"], f"{case['id']}: {detail}"
