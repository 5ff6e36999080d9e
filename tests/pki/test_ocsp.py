"""OCSP (RFC 6960): requests read by ``openssl ocsp``, responses made by ``openssl ocsp
-index ... -rsigner ... -respout`` parsed and verified, and judged by the
StandardRevocationChecker (CertID, responder authorisation, times, nonce); hostile
responses.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, SignatureError, UnsupportedAlgorithm, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_private_key
from smimelib.pki.ocsp import (
    OID_OCSP_NONCE,
    CertStatus,
    OCSPResponse,
    OCSPResponseStatus,
    build_ocsp_request,
    cert_id_for,
)
from smimelib.pki.path_results import (
    CRLReason,
    RevocationOutcome,
    RevocationState,
    TrustResult,
    ValidationStatus,
)
from smimelib.pki.revocation import SignerValidator, StandardRevocationChecker
from tests.peers import openssl
from tests.pki._crl_builders import Fetcher, OpenSSLCA, make_ee
from tests.vectors import load_vector

UTC = datetime.UTC
GOOD, REVOKED, UNKNOWN = RevocationState.GOOD, RevocationState.REVOKED, RevocationState.UNKNOWN


class Responder:
    """An OpenSSL CA with a delegated OCSP responder, answering with ``openssl ocsp``."""

    def __init__(self, root: Path) -> None:
        self.ca = OpenSSLCA(root / "ca", "OCSP Test CA")
        self.root = root
        self.signer_pem, self.signer = self.ca.issue("OCSP Responder", extensions="v3_ocsp")
        self.plain_pem, self.plain = self.ca.issue("Not A Responder")
        self.good_pem, self.good = self.ca.issue("good user")
        self.revoked_pem, self.revoked = self.ca.issue("revoked user")
        self.ca.revoke(self.revoked_pem, "-crl_reason", "keyCompromise")
        self.held_pem, self.held = self.ca.issue("held user")
        self.ca.revoke(self.held_pem, "-crl_hold", "holdInstructionReject")
        ca_key = load_private_key((root / "ca" / "ca.key").read_bytes())
        self.identity = Identity(ca_key, self.ca.cert)
        self._n = itertools.count()

    def answer(
        self,
        request: bytes,
        *,
        signer: tuple[Path, Path] | None = None,
        extra: Sequence[str] = (),
    ) -> bytes:
        """``openssl ocsp`` over the CA's index for the DER ``request``."""
        n = next(self._n)
        req, out = self.root / f"req{n}.der", self.root / f"resp{n}.der"
        req.write_bytes(request)
        cert, key = signer or (self.signer_pem, self.signer_pem.with_suffix(".key"))
        args: list[str | Path] = ["ocsp", "-index", self.ca.root / "index.txt"]
        args += ["-CA", self.ca.cert_path, "-rsigner", cert, "-rkey", key]
        openssl([*args, "-reqin", req, "-respout", out, "-ndays", "1", *extra])
        return out.read_bytes()

    def response_for(
        self,
        cert: Certificate,
        *,
        signer: tuple[Path, Path] | None = None,
        extra: Sequence[str] = (),
    ) -> OCSPResponse:
        raw = self.answer(build_ocsp_request(cert, self.ca.cert), signer=signer, extra=extra)
        return OCSPResponse.from_der(raw)


@pytest.fixture(scope="module")
def responder(tmp_path_factory: pytest.TempPathFactory) -> Responder:
    return Responder(tmp_path_factory.mktemp("ocsp"))


def judge(
    responder: Responder,
    cert: Certificate,
    responses: Sequence[OCSPResponse],
    *,
    at: datetime.datetime | None = None,
    **kwargs: Any,
) -> RevocationOutcome:
    checker = StandardRevocationChecker(ocsp_responses=[(r, "caller") for r in responses], **kwargs)
    moment = at or datetime.datetime.now(UTC)
    return checker.check(cert, responder.ca.cert, path=[responder.ca.cert, cert], at=moment)


# -- requests ---------------------------------------------------------------------------------


@pytest.mark.interop
def test_request_is_read_by_openssl(responder: Responder, tmp_path: Path) -> None:
    request = build_ocsp_request(responder.good, responder.ca.cert, nonce=b"\x01" * 16)
    path = tmp_path / "req.der"
    path.write_bytes(request)
    text = openssl(["ocsp", "-reqin", path, "-req_text", "-noverify"]).stdout.decode()
    assert f"Serial Number: {responder.good.serial_hex}" in text
    assert "Hash Algorithm: sha1" in text
    # OpenSSL prints the extnValue: an OCTET STRING (04 10) holding the nonce (RFC 8954)
    assert "OCSP Nonce" in text and "0410" + "01" * 16 in text
    cid = cert_id_for(responder.good, responder.ca.cert)
    assert f"Issuer Key Hash: {cid.issuer_key_hash.hex().upper()}" in text


@pytest.mark.interop
def test_request_structure(responder: Responder) -> None:
    request = tlv.parse_one(build_ocsp_request(responder.good, responder.ca.cert))
    (tbs,) = request.children()
    (request_list,) = tbs.children()
    (single,) = request_list.children()
    (cert_id,) = single.children()
    assert cert_id.raw == cert_id_for(responder.good, responder.ca.cert).to_der()
    with pytest.raises(UsageError):
        build_ocsp_request(responder.good, responder.ca.cert, nonce=b"")
    sha256 = cert_id_for(responder.good, responder.ca.cert, "sha256")
    assert len(sha256.issuer_name_hash) == 32


# -- responses --------------------------------------------------------------------------------


@pytest.mark.interop
def test_good_response_fields(responder: Responder) -> None:
    nonce = b"nonce-0123456789"
    raw = responder.answer(build_ocsp_request(responder.good, responder.ca.cert, nonce=nonce))
    resp = OCSPResponse.from_der(raw)
    assert resp.successful and resp.response_status is OCSPResponseStatus.SUCCESSFUL
    assert resp.der == raw and resp.tbs_response_data in raw
    assert resp.responder_id is not None and resp.responder_id.by_name == responder.signer.subject
    assert resp.nonce == nonce
    assert resp.extension(OID_OCSP_NONCE) is not None
    assert responder.signer in resp.certs
    (single,) = resp.responses
    assert single.status is CertStatus.GOOD and single.revocation_time is None
    assert single.cert_id == cert_id_for(responder.good, responder.ca.cert)
    assert single.next_update is not None and single.next_update > single.this_update
    resp.verify_signature(responder.signer)
    with pytest.raises(SignatureError):
        resp.verify_signature(responder.plain)
    assert "successful" in repr(resp) and resp == OCSPResponse.from_der(raw)


@pytest.mark.interop
def test_revoked_and_unknown_responses(responder: Responder) -> None:
    revoked = responder.response_for(responder.revoked).responses[0]
    assert revoked.status is CertStatus.REVOKED
    assert revoked.revocation_reason is CRLReason.KEY_COMPROMISE
    assert revoked.revocation_time is not None
    held = responder.response_for(responder.held).responses[0]
    assert held.status is CertStatus.REVOKED
    assert held.revocation_reason is CRLReason.CERTIFICATE_HOLD
    stranger = make_ee(responder.identity, "not in the index")
    unknown = responder.response_for(stranger).responses[0]
    assert unknown.status is CertStatus.UNKNOWN


@pytest.mark.interop
def test_responder_by_key(responder: Responder) -> None:
    resp = responder.response_for(responder.good, extra=["-resp_key_id"])
    assert resp.responder_id is not None and resp.responder_id.by_key is not None
    assert resp.responder_id.by_name is None
    assert judge(responder, responder.good, [resp]).state is GOOD


def test_unsuccessful_statuses() -> None:
    for status in (1, 2, 3, 5, 6):
        resp = OCSPResponse.from_der(der.sequence(der.encode_enumerated(status)))
        assert resp.response_status is OCSPResponseStatus(status) and not resp.successful
        assert resp.responses == () and resp.nonce is None
        with pytest.raises(SignatureError, match="nothing is signed"):
            resp.verify_signature(Certificate.from_der(load_vector("pkits/certs/GoodCACert.crt")))


# -- judged by the checker --------------------------------------------------------------------


@pytest.mark.interop
def test_checker_good_revoked_unknown(responder: Responder) -> None:
    good = judge(responder, responder.good, [responder.response_for(responder.good)])
    assert good.state is GOOD
    (source,) = good.sources
    assert (source.kind, source.origin, source.used) == ("ocsp", "caller", True)
    assert source.issuer == responder.signer.subject.rfc4514()
    revoked = judge(responder, responder.revoked, [responder.response_for(responder.revoked)])
    assert revoked.state is REVOKED and revoked.reason is CRLReason.KEY_COMPROMISE
    assert revoked.revocation_date is not None
    stranger = make_ee(responder.identity, "stranger")
    unknown = judge(responder, stranger, [responder.response_for(stranger)])
    assert unknown.state is UNKNOWN and unknown.detail is not None
    assert "does not know" in unknown.detail


@pytest.mark.interop
def test_response_for_another_certificate_is_ignored(responder: Responder) -> None:
    outcome = judge(responder, responder.revoked, [responder.response_for(responder.good)])
    assert outcome.state is UNKNOWN and outcome.sources == ()


@pytest.mark.interop
def test_sha256_cert_id(responder: Responder) -> None:
    """A request and response whose CertID uses SHA-256 still name the certificate
    (RFC 6960 4.1.1: SHA-1 is not the only CertID hash)."""
    request = build_ocsp_request(responder.revoked, responder.ca.cert, digest="sha256")
    resp = OCSPResponse.from_der(responder.answer(request))
    assert len(resp.responses[0].cert_id.issuer_key_hash) == 32
    assert judge(responder, responder.revoked, [resp]).state is REVOKED


@pytest.mark.interop
def test_ca_signed_response(responder: Responder) -> None:
    signer = (responder.ca.cert_path, responder.ca.key_path)
    resp = responder.response_for(responder.good, signer=signer)
    assert judge(responder, responder.good, [resp]).state is GOOD


@pytest.mark.interop
def test_unauthorised_responders(responder: Responder) -> None:
    """RFC 6960 4.2.2.2: a certificate of the CA without id-kp-OCSPSigning, or a
    responder of another CA, may not answer for the CA's certificates."""
    plain = (responder.plain_pem, responder.plain_pem.with_suffix(".key"))
    resp = responder.response_for(responder.revoked, signer=plain)
    outcome = judge(responder, responder.revoked, [resp])
    assert outcome.state is UNKNOWN and outcome.detail is not None
    assert "OCSPSigning" in outcome.detail


@pytest.mark.interop
def test_delegated_responder_is_validated_when_a_validator_is_given(responder: Responder) -> None:
    seen: list[Certificate] = []

    def validator(verdict: ValidationStatus) -> SignerValidator:
        def run(c: Certificate, path: Sequence[Certificate], at: datetime.datetime) -> TrustResult:
            seen.append(c)
            return TrustResult(verdict, reason="responder verdict")

        return run

    resp = responder.response_for(responder.good)
    ok = judge(responder, responder.good, [resp], validate_signer=validator(ValidationStatus.VALID))
    assert ok.state is GOOD and seen == [responder.signer]
    bad = judge(
        responder, responder.good, [resp], validate_signer=validator(ValidationStatus.REVOKED)
    )
    assert bad.state is UNKNOWN and bad.detail is not None and "responder verdict" in bad.detail


@pytest.mark.interop
def test_nonce_and_times(responder: Responder) -> None:
    nonce = b"expected-nonce-1"
    with_nonce = OCSPResponse.from_der(
        responder.answer(build_ocsp_request(responder.good, responder.ca.cert, nonce=nonce))
    )
    assert judge(responder, responder.good, [with_nonce], ocsp_nonce=nonce).state is GOOD
    wrong = judge(responder, responder.good, [with_nonce], ocsp_nonce=b"another-nonce")
    assert wrong.state is UNKNOWN and wrong.detail is not None and "nonce" in wrong.detail
    without = responder.response_for(responder.good)
    assert judge(responder, responder.good, [without], ocsp_nonce=nonce).state is UNKNOWN
    later = datetime.datetime.now(UTC) + datetime.timedelta(days=2)
    stale = judge(responder, responder.good, [without], at=later)
    assert stale.state is UNKNOWN and stale.detail is not None and "stale" in stale.detail
    soon = datetime.datetime.now(UTC) + datetime.timedelta(hours=2)
    old = judge(
        responder, responder.good, [without], at=soon, max_ocsp_age=datetime.timedelta(hours=1)
    )
    assert old.state is UNKNOWN and old.detail is not None and "maximum age" in old.detail


@pytest.mark.interop
def test_tampered_response_is_not_used(responder: Responder) -> None:
    raw = bytearray(responder.answer(build_ocsp_request(responder.good, responder.ca.cert)))
    signature = OCSPResponse.from_der(bytes(raw)).signature_value
    raw[bytes(raw).index(signature) + len(signature) - 1] ^= 1
    outcome = judge(responder, responder.good, [OCSPResponse.from_der(bytes(raw))])
    assert outcome.state is UNKNOWN and outcome.detail is not None
    assert "does not verify" in outcome.detail


@pytest.mark.interop
def test_unsuccessful_response_is_reported(responder: Responder) -> None:
    resp = OCSPResponse.from_der(der.sequence(der.encode_enumerated(3)))
    outcome = judge(responder, responder.good, [resp])
    assert outcome.state is UNKNOWN
    (source,) = outcome.sources
    assert not source.used and source.problem == "the OCSP response status is try_later"


@pytest.mark.interop
def test_fetcher_round_trip_through_openssl(responder: Responder) -> None:
    """The checker builds a request with a fresh nonce, the application's fetcher hands it
    to ``openssl ocsp``, and the echoed nonce and signature are checked."""

    class OpenSSLFetcher(Fetcher):
        def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes:
            self.requests.append(request)
            return responder.answer(request)

    fetcher = OpenSSLFetcher()
    checker = StandardRevocationChecker(fetcher=fetcher)
    now = datetime.datetime.now(UTC)
    path = [responder.ca.cert, responder.revoked]
    outcome = checker.check(responder.revoked, responder.ca.cert, path=path, at=now)
    assert outcome.state is REVOKED
    assert [(s.kind, s.origin, s.used) for s in outcome.sources] == [("ocsp", "fetched", True)]
    (request,) = fetcher.requests
    good = checker.check(
        responder.good, responder.ca.cert, path=[*path[:1], responder.good], at=now
    )
    assert good.state is GOOD and len(fetcher.requests) == 2 and request != fetcher.requests[1]


# -- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x00",
        b"\x30\x03\x0a\x01\x00",  # successful without responseBytes
        b"\x30\x03\x0a\x01\x04",  # status 4 is not used
        b"\x30\x03\x02\x01\x00",  # INTEGER instead of ENUMERATED
        b"\x30\x05\x0a\x01\x00\xa0\x00",
    ],
)
def test_malformed_responses(data: bytes) -> None:
    with pytest.raises(DecodeError):
        OCSPResponse.from_der(data)


def test_other_response_type_is_unsupported() -> None:
    body = der.sequence(der.encode_oid("1.2.3.4"), der.encode_octets(b"\x05\x00"))
    with pytest.raises(UnsupportedAlgorithm):
        OCSPResponse.from_der(der.sequence(der.encode_enumerated(0), der.explicit(0, body)))


@pytest.mark.interop
def test_truncated_responses(responder: Responder) -> None:
    raw = responder.answer(build_ocsp_request(responder.revoked, responder.ca.cert, nonce=b"n"))
    for cut in range(0, len(raw), 5):
        with pytest.raises(DecodeError):
            OCSPResponse.from_der(raw[:cut])


@pytest.fixture(scope="module")
def sample_response(responder: Responder) -> bytes:
    return responder.answer(build_ocsp_request(responder.revoked, responder.ca.cert, nonce=b"n"))


@pytest.mark.interop
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_mutated_responses_raise_only_documented_errors(
    sample_response: bytes, data: st.DataObject
) -> None:
    raw = bytearray(sample_response)
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        resp = OCSPResponse.from_der(bytes(raw))
    except (DecodeError, UnsupportedAlgorithm):
        return
    assert resp.der == bytes(raw)
