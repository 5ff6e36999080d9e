"""CertificateList parsing and signatures (RFC 5280 section 5) on PKITS, RFC 4134,
BouncyCastle, OpenSSL-made (``openssl ca -gencrl``) and hand-built CRLs, and hostile input.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.crypto.signatures import signature_algorithm
from smimelib.errors import (
    DecodeError,
    PolicyError,
    SignatureError,
    UsageError,
)
from smimelib.pki.builder import make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import (
    OID_CERTIFICATE_ISSUER,
    OID_CRL_NUMBER,
    OID_DELTA_CRL_INDICATOR,
    OID_INVALIDITY_DATE,
    OID_ISSUING_DISTRIBUTION_POINT,
    OID_REASON_CODE,
    CertificateList,
    load_crls,
)
from smimelib.pki.extensions import AuthorityKeyIdentifier, DistributionPoint, Extension
from smimelib.pki.general_names import GeneralName, encode_general_names
from smimelib.pki.identity import Identity
from smimelib.pki.names import Name
from smimelib.pki.path_extensions import ReasonFlag
from smimelib.pki.path_results import (
    CRLReason,
    RevocationOutcome,
    RevocationState,
    ValidationStatus,
)
from smimelib.pki.revocation import StandardRevocationChecker
from tests.peers import openssl
from tests.pki._crl_builders import LEGACY, NOW, UTC, Entry, OpenSSLCA, build_crl
from tests.vectors import load_vector, vector_path

GOOD, REVOKED = RevocationState.GOOD, RevocationState.REVOKED
UNKNOWN = RevocationState.UNKNOWN


@pytest.fixture(scope="module")
def ec_ca() -> Identity:
    return make_ca("CN=CRL Test CA,O=smimelib tests", key_type="p-256")


@pytest.fixture(scope="module")
def openssl_ca(tmp_path_factory: pytest.TempPathFactory) -> OpenSSLCA:
    return OpenSSLCA(tmp_path_factory.mktemp("openssl-ca"))


# -- PKITS ------------------------------------------------------------------------------------

PKITS_CRLS = sorted(p.name for p in vector_path("pkits/crls").glob("*.crl"))


def pkits_crl(name: str) -> CertificateList:
    return CertificateList.from_der(load_vector(f"pkits/crls/{name}.crl"))


def pkits_cert(name: str) -> Certificate:
    return Certificate.from_der(load_vector(f"pkits/certs/{name}.crt"))


def test_every_pkits_crl_parses_and_keeps_its_bytes() -> None:
    assert len(PKITS_CRLS) == 173
    for name in PKITS_CRLS:
        raw = load_vector(f"pkits/crls/{name}")
        crl = CertificateList.from_der(raw)
        assert crl.der == raw
        header = 2 + (raw[1] & 0x7F if raw[1] & 0x80 else 0)
        assert raw.index(crl.tbs_der) == header  # the TBSCertList follows the outer header
        assert crl.version == 2
        assert crl.signature_algorithm == crl.tbs_signature_algorithm


def test_good_ca_crl_fields() -> None:
    crl = pkits_crl("GoodCACRL")
    assert crl.issuer.rfc4514() == "CN=Good CA,O=Test Certificates 2011,C=US"
    assert crl.this_update == datetime.datetime(2010, 1, 1, 8, 30, tzinfo=UTC)
    assert crl.next_update == datetime.datetime(2030, 12, 31, 8, 30, tzinfo=UTC)
    assert crl.crl_number == 1
    assert crl.delta_crl_indicator is None and not crl.is_delta
    assert crl.issuing_distribution_point is None
    assert crl.authority_key_identifier is not None
    assert crl.authority_key_identifier.key_identifier == (
        pkits_cert("GoodCACert").subject_key_identifier
    )
    assert [e.serial_number for e in crl.entries] == [14, 15]
    assert all(e.reason is CRLReason.KEY_COMPROMISE for e in crl.entries)
    assert crl.unhandled_critical_extensions == ()
    revoked = pkits_cert("InvalidRevokedEETest3EE")
    entry = crl.find(revoked.serial_number, revoked.issuer)
    assert entry is not None and entry.reason is CRLReason.KEY_COMPROMISE
    assert crl.find(revoked.serial_number, pkits_cert("TrustAnchorRootCertificate").subject) is None
    assert "Good CA" in repr(crl)


def test_pkits_crl_signatures() -> None:
    pkits_crl("GoodCACRL").verify_signature(pkits_cert("GoodCACert"))
    pkits_crl("TrustAnchorRootCRL").verify_signature(pkits_cert("TrustAnchorRootCertificate"))
    with pytest.raises(SignatureError):
        pkits_crl("BadCRLSignatureCACRL").verify_signature(pkits_cert("BadCRLSignatureCACert"))
    with pytest.raises(SignatureError):
        pkits_crl("GoodCACRL").verify_signature(pkits_cert("TrustAnchorRootCertificate"))


def test_pkits_dsa_crl_with_inherited_parameters() -> None:
    """RFC 3279 2.3.2: the CRL of a CA whose DSA key inherits p, q, g verifies with the key
    completed from its issuer; the bare certificate cannot verify on its own."""
    ca = pkits_cert("DSACACert")
    inherited = pkits_cert("DSAParametersInheritedCACert")
    crl = pkits_crl("DSAParametersInheritedCACRL")
    crl.verify_signature(inherited.public_key_with_params(ca), policy=LEGACY)
    with pytest.raises(SignatureError, match="inherits"):
        crl.verify_signature(inherited, policy=LEGACY)
    pkits_crl("DSACACRL").verify_signature(ca, policy=LEGACY)


def test_pkits_extensions_decoded() -> None:
    delta = pkits_crl("deltaCRLCA1deltaCRL")
    assert delta.is_delta and delta.delta_crl_indicator is not None
    assert [e.reason for e in delta.entries if e.serial_number == 4] == [CRLReason.REMOVE_FROM_CRL]
    idp = pkits_crl("onlySomeReasonsCA1compromiseCRL").issuing_distribution_point
    assert idp is not None and idp.only_some_reasons == frozenset(
        {ReasonFlag.KEY_COMPROMISE, ReasonFlag.CA_COMPROMISE}
    )
    rel = pkits_crl("distributionPoint2CACRL").issuing_distribution_point
    assert rel is not None and rel.relative_name is not None and rel.full_name is None
    user = pkits_crl("onlyContainsUserCertsCACRL").issuing_distribution_point
    assert user is not None and user.only_contains_user_certs and not user.only_contains_ca_certs
    attr = pkits_crl("onlyContainsAttributeCertsCACRL").issuing_distribution_point
    assert attr is not None and attr.only_contains_attribute_certs
    unknown = pkits_crl("UnknownCRLExtensionCACRL")
    assert len(unknown.unhandled_critical_extensions) == 1
    entry_ext = pkits_crl("UnknownCRLEntryExtensionCACRL")
    assert any(e.unhandled_critical_extensions for e in entry_ext.entries)


def test_pkits_indirect_crl_certificate_issuer_propagates() -> None:
    """RFC 5280 5.3.3: an entry without certificateIssuer inherits the previous entry's;
    the first defaults to the CRL issuer."""
    crl = pkits_crl("indirectCRLCA5CRL")
    assert crl.is_indirect
    ca5 = crl.issuer
    ca6 = pkits_cert("indirectCRLCA6Cert").subject
    issuers = [e.certificate_issuer[0].value for e in crl.entries]
    assert issuers[0] == ca5 and not crl.entries[0].explicit_certificate_issuer
    assert issuers[1] == ca6 and crl.entries[1].explicit_certificate_issuer
    assert issuers[2] == ca6 and not crl.entries[2].explicit_certificate_issuer
    assert crl.entries[2].issued_by(ca6) and not crl.entries[2].issued_by(ca5)


def test_pkits_times_and_serials() -> None:
    assert pkits_crl("pre2000CRLnextUpdateCACRL").next_update == datetime.datetime(
        1999, 1, 1, 12, 1, tzinfo=UTC
    )
    gen = pkits_crl("GeneralizedTimeCRLnextUpdateCACRL").next_update
    assert gen is not None and gen.year == 2050
    negative = pkits_crl("NegativeSerialNumberCACRL")
    assert any(e.serial_number < 0 for e in negative.entries)
    long_serial = pkits_crl("LongSerialNumberCACRL")
    assert any(e.serial_number.bit_length() > 64 for e in long_serial.entries)


# -- loading ----------------------------------------------------------------------------------


def test_pem_bundle_and_der(ec_ca: Identity) -> None:
    a = build_crl(ec_ca, [Entry(5, reason=1)], number=7)
    b = build_crl(ec_ca, number=8)
    bundle = a.to_pem() + ec_ca.certificate.to_pem() + b.to_pem()
    assert load_crls(bundle) == [a, b]
    assert load_crls(bundle.decode()) == [a, b]
    assert load_crls(a.der) == [a]
    assert CertificateList.from_pem(a.to_pem()) == a
    with pytest.raises(UsageError):
        CertificateList.from_pem(bundle)
    with pytest.raises(DecodeError, match="no X509 CRL"):
        load_crls(ec_ca.certificate.to_pem())
    assert hash(a) == hash(CertificateList.from_der(a.der)) and a != b


def test_every_reason_code_round_trips(ec_ca: Identity) -> None:
    reasons = list(CRLReason)
    crl = build_crl(ec_ca, [Entry(100 + r.value, reason=r.value) for r in reasons])
    assert [e.reason for e in crl.entries] == reasons
    crl.verify_signature(ec_ca.certificate)


def test_unknown_reason_code_is_malformed(ec_ca: Identity) -> None:
    with pytest.raises(DecodeError, match="CRLReason 7"):
        build_crl(ec_ca, [Entry(1, reason=7)])


def test_entry_extensions(ec_ca: Identity) -> None:
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    other = Name.build([("CN", "Other CA")])
    crl = build_crl(
        ec_ca,
        [
            Entry(1, invalidity=when),
            Entry(2, certificate_issuer=[GeneralName.directory(other)]),
            Entry(3, extra=[Extension("1.2.3.4", True, der.encode_null())]),
        ],
    )
    first, second, third = crl.entries
    assert first.invalidity_date == when and first.reason is None
    assert second.issued_by(other) and third.issued_by(other)  # propagated (5.3.3)
    assert third.unhandled_critical_extensions == ("1.2.3.4",)


def test_signature_checks(ec_ca: Identity) -> None:
    crl = build_crl(ec_ca)
    crl.verify_signature(ec_ca.certificate)
    crl.verify_signature(ec_ca.certificate.public_key)
    with pytest.raises(SignatureError):
        build_crl(ec_ca, tamper=True).verify_signature(ec_ca.certificate)
    other = make_ca("CN=Other", key_type="p-256")
    with pytest.raises(SignatureError):
        crl.verify_signature(other.certificate)


def test_signature_algorithm_mismatch_fails(ec_ca: Identity) -> None:
    crl = build_crl(ec_ca)
    alg = signature_algorithm(ec_ca.key, "sha384").to_der()
    swapped = der.sequence(crl.tbs_der, alg, der.encode_bit_string(crl.signature_value))
    with pytest.raises(SignatureError, match=r"5\.1\.1\.2"):
        CertificateList.from_der(swapped).verify_signature(ec_ca.certificate)


def test_duplicate_crl_extension_is_malformed(ec_ca: Identity) -> None:
    dup = Extension("2.5.29.35", False, AuthorityKeyIdentifier(b"x").to_der())
    with pytest.raises(DecodeError, match="more than once"):
        build_crl(ec_ca, extensions=[dup])


def test_freshest_crl_and_issuer_alt_name(ec_ca: Identity) -> None:
    """freshestCRL (RFC 5280 5.2.6) says where delta CRLs are; issuerAltName (5.2.2) is
    known: neither is an unhandled critical extension."""
    where = DistributionPoint(full_name=(GeneralName.uri("http://crl.example/delta.crl"),))
    freshest = Extension("2.5.29.46", False, DistributionPoint.encode_all([where]))
    alt_name = Extension("2.5.29.18", True, encode_general_names([GeneralName.email("ca@x")]))
    crl = build_crl(ec_ca, extensions=[freshest, alt_name])
    assert crl.freshest_crl == (where,)
    assert crl.unhandled_critical_extensions == ()


def test_crl_without_optional_parts(ec_ca: Identity) -> None:
    crl = build_crl(ec_ca, number=None, next_update=None, aki=False)
    assert crl.next_update is None and crl.crl_number is None and crl.entries == ()
    assert crl.authority_key_identifier is None and crl.extensions == ()


# -- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x00",
        b"\x30\x03\x02\x01\x01",
        b"\x30\x80\x00\x00",
        b"\x04\x03abc",
        b"\x30\x84\xff\xff\xff\xff",
    ],
)
def test_garbage_is_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        CertificateList.from_der(data)


def test_truncations_are_decode_errors() -> None:
    raw = load_vector("pkits/crls/indirectCRLCA5CRL.crl")
    for cut in range(0, len(raw), 7):
        with pytest.raises(DecodeError):
            CertificateList.from_der(raw[:cut])
    with pytest.raises(DecodeError, match="trailing"):
        CertificateList.from_der(raw + b"\x00")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_crls_raise_only_decode_errors(data: st.DataObject) -> None:
    raw = bytearray(load_vector("pkits/crls/deltaCRLCA1deltaCRL.crl"))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    try:
        crl = CertificateList.from_der(bytes(raw))
    except DecodeError:
        return
    assert crl.der == bytes(raw)


def test_large_crl_parses_linearly(ec_ca: Identity) -> None:
    """A CRL with more entries than the generic element limit (10 000) is read."""
    entry = der.sequence(der.encode_int(1), der.encode_time(NOW))
    alg = signature_algorithm(ec_ca.key, "sha256").to_der()
    tbs = der.sequence(
        der.encode_int(1),
        alg,
        ec_ca.certificate.subject.der,
        der.encode_time(NOW),
        der.sequence(*([entry] * 20_000)),
    )
    crl = CertificateList.from_der(der.sequence(tbs, alg, der.encode_bit_string(b"\x00")))
    assert len(crl.entries) == 20_000 and len(crl.entries_for(1)) == 20_000


# -- OpenSSL-made CRLs ------------------------------------------------------------------------

OPENSSL_REASONS = {
    "unspecified": CRLReason.UNSPECIFIED,
    "keyCompromise": CRLReason.KEY_COMPROMISE,
    "CACompromise": CRLReason.CA_COMPROMISE,
    "affiliationChanged": CRLReason.AFFILIATION_CHANGED,
    "superseded": CRLReason.SUPERSEDED,
    "cessationOfOperation": CRLReason.CESSATION_OF_OPERATION,
    "certificateHold": CRLReason.CERTIFICATE_HOLD,
    "removeFromCRL": CRLReason.REMOVE_FROM_CRL,
}


@pytest.mark.interop
def test_openssl_gencrl_reasons_hold_and_compromise_time(openssl_ca: OpenSSLCA) -> None:
    """``openssl ca -revoke -crl_reason`` for every reason OpenSSL writes, ``-crl_hold``
    and ``-crl_compromise`` (invalidityDate), then ``openssl ca -gencrl``."""
    serials: dict[int, CRLReason] = {}
    for name, reason in OPENSSL_REASONS.items():
        pem, cert = openssl_ca.issue(f"reason {name}")
        openssl_ca.revoke(pem, "-crl_reason", name)
        serials[cert.serial_number] = reason
    hold_pem, hold = openssl_ca.issue("held")
    openssl_ca.revoke(hold_pem, "-crl_hold", "holdInstructionReject")
    kc_pem, kc = openssl_ca.issue("compromised")
    openssl_ca.revoke(kc_pem, "-crl_compromise", "20240102030405Z")
    crl = openssl_ca.gencrl()
    crl.verify_signature(openssl_ca.cert)
    assert crl.issuer == openssl_ca.cert.subject and crl.crl_number is not None
    by_serial = {e.serial_number: e for e in crl.entries}
    for serial, reason in serials.items():
        assert by_serial[serial].reason is reason
    held = by_serial[hold.serial_number]
    assert held.reason is CRLReason.CERTIFICATE_HOLD
    assert held.hold_instruction == "1.2.840.10040.2.3"  # holdInstructionReject
    compromised = by_serial[kc.serial_number]
    assert compromised.reason is CRLReason.KEY_COMPROMISE
    assert compromised.invalidity_date == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert crl.next_update is not None and crl.next_update > crl.this_update


@pytest.mark.interop
def test_openssl_idp_and_delta_extensions(openssl_ca: OpenSSLCA) -> None:
    idp_crl = openssl_ca.gencrl("-crlexts", "idp_ext")
    idp = idp_crl.issuing_distribution_point
    assert idp is not None and idp.full_name == (GeneralName.uri("http://crl.example/ca.crl"),)
    assert idp.only_some_reasons == frozenset({ReasonFlag.KEY_COMPROMISE, ReasonFlag.CA_COMPROMISE})
    openssl_ca.add_section("[ delta_x ]\n2.5.29.27 = critical,ASN1:INTEGER:3")
    delta = openssl_ca.gencrl("-crlexts", "delta_x")
    assert delta.delta_crl_indicator == 3 and delta.is_delta
    assert "delta CRL" in repr(delta)


@pytest.mark.interop
def test_openssl_reads_what_we_parse(openssl_ca: OpenSSLCA, tmp_path: Path) -> None:
    """OpenSSL and smimelib agree on issuer, number and serials of an OpenSSL CRL."""
    pem, cert = openssl_ca.issue("agree")
    openssl_ca.revoke(pem, "-crl_reason", "superseded")
    crl = openssl_ca.gencrl()
    path = tmp_path / "crl.der"
    path.write_bytes(crl.der)
    text = openssl(["crl", "-inform", "DER", "-in", path, "-noout", "-text"]).stdout.decode()
    assert f"Serial Number: {cert.serial_hex}" in text
    assert re.search(rf"CRL Number: *\n *{crl.crl_number}\n", text)
    verified = openssl(
        ["crl", "-inform", "DER", "-in", path, "-noout", "-CAfile", openssl_ca.cert_path]
    )
    assert b"verify OK" in verified.stderr + verified.stdout


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**159), 2**159),
            st.sampled_from([None, *CRLReason]),
            st.datetimes(
                min_value=datetime.datetime(1990, 1, 1),
                max_value=datetime.datetime(2070, 1, 1),
                timezones=st.just(UTC),
            ).map(lambda d: d.replace(microsecond=0)),
        ),
        max_size=8,
    )
)
def test_entries_round_trip(
    ec_ca: Identity, items: list[tuple[int, CRLReason | None, datetime.datetime]]
) -> None:
    """Whatever entries a CA writes (serials of up to 20 octets, any reason, UTCTime and
    GeneralizedTime dates) are read back unchanged."""
    entries = [Entry(serial, date, None if r is None else r.value) for serial, r, date in items]
    crl = build_crl(ec_ca, entries)
    got = [(e.serial_number, e.reason, e.revocation_date) for e in crl.entries]
    assert got == items
    assert load_crls(crl.to_pem()) == [crl]


# -- other implementations' CRLs --------------------------------------------------------------


def _rfc4134(name: str) -> bytes:
    return load_vector(f"rfc4134/{name}")


def test_rfc4134_v1_crls() -> None:
    """RFC 4134's CarlDSS / CarlRSA v1 CRLs (no extensions, no nextUpdate): DSA with SHA-1
    verifies under a legacy policy; MD5 is refused outright (RFC 6151)."""
    carl_dss = Certificate.from_der(_rfc4134("CarlDSSSelf.cer"))
    alice_dss = Certificate.from_der(_rfc4134("AliceDSSSignByCarlNoInherit.cer"))
    for_all = CertificateList.from_der(_rfc4134("CarlDSSCRLForAll.crl"))
    assert for_all.version == 1 and for_all.extensions == () and for_all.next_update is None
    assert for_all.crl_number is None and for_all.issuer == carl_dss.subject
    for_all.verify_signature(carl_dss, policy=LEGACY)
    assert for_all.find(alice_dss.serial_number, alice_dss.issuer) is not None
    empty = CertificateList.from_der(_rfc4134("CarlDSSCRLEmpty.crl"))
    empty.verify_signature(carl_dss, policy=LEGACY)
    assert empty.entries == ()
    with pytest.raises(PolicyError):
        empty.verify_signature(carl_dss)  # DSA and SHA-1 are refused by the default policy
    carl_rsa = Certificate.from_der(_rfc4134("CarlRSASelf.cer"))
    rsa = CertificateList.from_der(_rfc4134("CarlRSACRLForCarl.crl"))
    assert rsa.find(carl_rsa.serial_number, carl_rsa.subject) is not None
    rsa.verify_signature(carl_rsa, policy=LEGACY)  # MD5: the policy's call here ...
    checker = StandardRevocationChecker(crls=[(rsa, "caller")], algorithms=LEGACY)
    outcome = checker.check(carl_rsa, carl_rsa, path=[carl_rsa, carl_rsa], at=NOW)
    assert outcome.state is RevocationState.UNKNOWN  # ... but never for revocation
    assert outcome.failure is ValidationStatus.ALGORITHM
    with pytest.raises(SignatureError):
        rsa.verify_signature(carl_dss, policy=LEGACY)


def test_bouncycastle_validator_crl() -> None:
    """BouncyCastle's SignedMailValidator test CRL (v2, SHA-1, no cRLNumber)."""
    crl = CertificateList.from_der(load_vector("bc/mail/validator.revoked.crl"))
    root = Certificate.from_pem(load_vector("bc/mail/validator.root.crt"))
    crl.verify_signature(root, policy=LEGACY)
    (entry,) = crl.entries
    assert entry.reason is CRLReason.KEY_COMPROMISE and entry.serial_number == 17
    assert crl.version == 2 and crl.crl_number is None


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        (Extension(OID_CRL_NUMBER, False, der.encode_int(-1)), "negative"),
        (Extension(OID_CRL_NUMBER, False, der.encode_octets(b"1")), "not an INTEGER"),
        (Extension(OID_DELTA_CRL_INDICATOR, True, der.encode_null()), "BaseCRLNumber"),
        (
            Extension(
                OID_ISSUING_DISTRIBUTION_POINT,
                True,
                der.sequence(
                    der.implicit(2, der.encode_bool(True), constructed=False),
                    der.implicit(1, der.encode_bool(True), constructed=False),
                ),
            ),
            "IssuingDistributionPoint",
        ),
        (
            Extension(
                OID_ISSUING_DISTRIBUTION_POINT,
                True,
                der.sequence(der.implicit(7, der.encode_bool(True), constructed=False)),
            ),
            "IssuingDistributionPoint",
        ),
        (
            Extension(
                OID_ISSUING_DISTRIBUTION_POINT,
                True,
                der.sequence(der.explicit(0, der.implicit(2, b"\x30\x00"))),
            ),
            "DistributionPointName",
        ),
        (Extension("2.5.29.35", False, der.encode_null()), "AuthorityKeyIdentifier"),
    ],
)
def test_malformed_crl_extensions(ec_ca: Identity, extension: Extension, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        build_crl(ec_ca, number=None, aki=False, extensions=[extension])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (Entry(1, extra=[Extension(OID_REASON_CODE, False, der.encode_int(1))]), "ENUMERATED"),
        (
            Entry(1, extra=[Extension(OID_INVALIDITY_DATE, False, der.encode_utc_time(NOW))]),
            "GeneralizedTime",
        ),
        (
            Entry(1, extra=[Extension(OID_CERTIFICATE_ISSUER, True, der.encode_null())]),
            "CertificateIssuer",
        ),
        (
            Entry(1, reason=1, extra=[Extension(OID_REASON_CODE, False, b"\x0a\x01\x01")]),
            "more than once",
        ),
    ],
)
def test_malformed_entry_extensions(ec_ca: Identity, entry: Entry, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        build_crl(ec_ca, [entry])


# -- OpenSSL-made CRLs judged by the revocation checker -------------------------------------


def _ossl_status(
    ca: OpenSSLCA, cert: Certificate, crls: Sequence[CertificateList]
) -> RevocationOutcome:
    checker = StandardRevocationChecker(crls=[(c, "caller") for c in crls])
    return checker.check(cert, ca.cert, path=[ca.cert, cert], at=datetime.datetime.now(UTC))


@pytest.mark.interop
@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [
        ("-crl_reason", "keyCompromise", CRLReason.KEY_COMPROMISE),
        ("-crl_reason", "superseded", CRLReason.SUPERSEDED),
        ("-crl_reason", "unspecified", CRLReason.UNSPECIFIED),
        ("-crl_hold", "holdInstructionCallIssuer", CRLReason.CERTIFICATE_HOLD),
        ("-crl_CA_compromise", "20250101000000Z", CRLReason.CA_COMPROMISE),
    ],
)
def test_openssl_revoked(openssl_ca: OpenSSLCA, flag: str, value: str, reason: CRLReason) -> None:
    pem, cert = openssl_ca.issue(f"revoked {value}")
    _, good = openssl_ca.issue(f"kept {value}")
    openssl_ca.revoke(pem, flag, value)
    crl = openssl_ca.gencrl()
    outcome = _ossl_status(openssl_ca, cert, [crl])
    assert outcome.state is REVOKED and outcome.reason is reason
    assert _ossl_status(openssl_ca, good, [crl]).state is GOOD


@pytest.mark.interop
def test_openssl_hold_released_by_delta(openssl_ca: OpenSSLCA) -> None:
    """``-crl_hold`` in a complete CRL, then the same certificate as removeFromCRL in a
    delta CRL (deltaCRLIndicator through ``-crlexts``): the hold is released."""
    pem, cert = openssl_ca.issue("held then released")
    openssl_ca.revoke(pem, "-crl_hold", "holdInstructionReject")
    base = openssl_ca.gencrl()
    assert base.crl_number is not None
    assert _ossl_status(openssl_ca, cert, [base]).reason is CRLReason.CERTIFICATE_HOLD
    # openssl ca has no "release" command: mark the database entry removeFromCRL
    index = openssl_ca.root / "index.txt"
    lines = index.read_text().splitlines()
    serial = cert.serial_hex
    fixed = []
    for line in lines:
        fields = line.split("\t")
        if fields[3] == serial:
            fields[2] = fields[2].split(",")[0] + ",removeFromCRL"
        fixed.append("\t".join(fields))
    index.write_text("\n".join(fixed) + "\n")
    section = f"delta_{base.crl_number}"
    openssl_ca.add_section(
        f"[ {section} ]\nauthorityKeyIdentifier = keyid:always\n"
        f"2.5.29.27 = critical,ASN1:INTEGER:{base.crl_number}"
    )
    delta = openssl_ca.gencrl("-crlexts", section)
    assert delta.delta_crl_indicator == base.crl_number
    outcome = _ossl_status(openssl_ca, cert, [base, delta])
    assert outcome.state is GOOD, outcome.detail
    assert sorted(s.kind for s in outcome.sources if s.used) == ["crl", "delta-crl"]


@pytest.mark.interop
def test_openssl_partial_crl_is_not_enough(openssl_ca: OpenSSLCA) -> None:
    """An OpenSSL CRL with an IDP (fullName URI, onlySomeReasons) does not cover a
    certificate without that distribution point."""
    _, cert = openssl_ca.issue("partial")
    idp_crl = openssl_ca.gencrl("-crlexts", "idp_ext")
    outcome = _ossl_status(openssl_ca, cert, [idp_crl])
    assert outcome.state is UNKNOWN and outcome.detail is not None
    assert "distribution point" in outcome.detail


@pytest.mark.interop
def test_openssl_agrees_on_revocation(openssl_ca: OpenSSLCA, tmp_path: Path) -> None:
    """``openssl verify -crl_check`` and the checker agree on a revoked and a good
    certificate under the same CRL."""
    from tests.peers import openssl

    bad_pem, bad = openssl_ca.issue("verify revoked")
    good_pem, good = openssl_ca.issue("verify good")
    openssl_ca.revoke(bad_pem, "-crl_reason", "affiliationChanged")
    crl = openssl_ca.gencrl()
    crl_path = tmp_path / "crl.pem"
    crl_path.write_bytes(crl.to_pem())
    for pem, cert, ok in ((bad_pem, bad, False), (good_pem, good, True)):
        proc = openssl(
            ["verify", "-crl_check", "-CAfile", openssl_ca.cert_path, "-CRLfile", crl_path, pem],
            check=False,
        )
        assert (proc.returncode == 0) is ok
        assert (_ossl_status(openssl_ca, cert, [crl]).state is GOOD) is ok
