"""RFC 8550 4.4 purposes and RFC 5280 profile rules (``smimelib.pki.profile``).

Certificates come from the M1 builder, or -- for what the builder refuses to write
(zero serials, missing key identifiers, empty issuers) -- from a raw TBSCertificate
assembled here and signed with a P-256 key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

import pytest

from smimelib.asn1 import der
from smimelib.crypto.keys import PrivateKey
from smimelib.crypto.signatures import sign, signature_algorithm
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, key_identifier, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import Extension, KeyUsage
from smimelib.pki.general_names import GeneralName, encode_general_names
from smimelib.pki.identity import Identity
from smimelib.pki.keys import public_key_to_spki
from smimelib.pki.names import Name
from smimelib.pki.path_results import (
    KeyPurpose,
    RevocationMode,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.profile import check_purpose, profile_problems
from smimelib.pki.validation import validate_path

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
START = NOW - datetime.timedelta(days=10)
EMAIL = ext.OID_EKU_EMAIL_PROTECTION
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
KU, EKU = ValidationStatus.KEY_USAGE, ValidationStatus.EXTENDED_KEY_USAGE


@pytest.fixture(scope="module")
def ca() -> Identity:
    return make_ca("CN=Profile CA,O=Test", key_type="p-256", not_before=START)


@pytest.fixture(scope="module")
def rsa_key() -> PrivateKey:
    return generate_key("rsa")


def _leaf(
    ca: Identity,
    *,
    key: PrivateKey | None = None,
    usages: Iterable[KeyUsage] | None = None,
    ekus: Iterable[str] | None = None,
    extra: Iterable[Extension] = (),
) -> Certificate:
    builder = (
        CertificateBuilder()
        .subject_name("CN=leaf,O=Test")
        .public_key(key or generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .email_addresses("leaf@example.com")
    )
    if usages is not None:
        builder = builder.key_usage(usages)
    if ekus is not None:
        builder = builder.extended_key_usage(ekus)
    for e in extra:
        builder = builder.add_extension(e.oid, e.value, critical=e.critical)
    return builder.sign(ca.key, issuer=ca.certificate)


# -- check_purpose ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usages", "expected"),
    [
        (None, None),
        ({KeyUsage.DIGITAL_SIGNATURE}, None),
        ({KeyUsage.NON_REPUDIATION}, None),
        ({KeyUsage.KEY_AGREEMENT}, KU),
        ({KeyUsage.KEY_CERT_SIGN}, KU),
    ],
)
def test_signing_key_usage(
    ca: Identity, usages: set[KeyUsage] | None, expected: ValidationStatus | None
) -> None:
    problem = check_purpose(_leaf(ca, usages=usages), KeyPurpose.SIGN)
    assert (problem[0] if problem else None) is expected
    if problem:
        assert "RFC 8550" in problem[1] and "CN=leaf" in problem[1]


def test_encryption_key_usage_by_key_type(ca: Identity, rsa_key: PrivateKey) -> None:
    enc = KeyPurpose.ENCRYPT
    assert check_purpose(_leaf(ca, key=rsa_key, usages={KeyUsage.KEY_ENCIPHERMENT}), enc) is None
    rsa_wrong = check_purpose(_leaf(ca, key=rsa_key, usages={KeyUsage.KEY_AGREEMENT}), enc)
    assert rsa_wrong is not None and rsa_wrong[0] is KU and "keyEncipherment" in rsa_wrong[1]
    assert check_purpose(_leaf(ca, usages={KeyUsage.KEY_AGREEMENT}), enc) is None
    ec_wrong = check_purpose(_leaf(ca, usages={KeyUsage.KEY_ENCIPHERMENT}), enc)
    assert ec_wrong is not None and ec_wrong[0] is KU and "keyAgreement" in ec_wrong[1]
    signing_only = check_purpose(_leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}), enc)
    assert signing_only is not None and signing_only[0] is KU
    assert check_purpose(_leaf(ca), enc) is None  # no keyUsage: any use
    x25519 = _leaf(ca, key=generate_key("x25519"), usages={KeyUsage.KEY_AGREEMENT})
    assert check_purpose(x25519, enc) is None
    # ANY does not apply the S/MIME key usage rules
    assert check_purpose(_leaf(ca, usages={KeyUsage.KEY_CERT_SIGN}), KeyPurpose.ANY) is None


@pytest.mark.parametrize(
    ("ekus", "purpose", "required", "expected"),
    [
        (None, KeyPurpose.SIGN, None, None),
        ([EMAIL], KeyPurpose.SIGN, None, None),
        ([EMAIL], KeyPurpose.ENCRYPT, None, None),
        ([ext.OID_EKU_ANY], KeyPurpose.SIGN, None, None),
        ([SERVER_AUTH], KeyPurpose.SIGN, None, EKU),
        ([SERVER_AUTH], KeyPurpose.ENCRYPT, None, EKU),
        ([SERVER_AUTH], KeyPurpose.ANY, None, None),
        ([SERVER_AUTH, EMAIL], KeyPurpose.SIGN, None, None),
        ([SERVER_AUTH], KeyPurpose.ANY, {SERVER_AUTH}, None),
        ([EMAIL], KeyPurpose.ANY, {SERVER_AUTH}, EKU),
        ([SERVER_AUTH], KeyPurpose.SIGN, {SERVER_AUTH}, None),
    ],
)
def test_extended_key_usage(
    ca: Identity,
    ekus: list[str] | None,
    purpose: KeyPurpose,
    required: set[str] | None,
    expected: ValidationStatus | None,
) -> None:
    problem = check_purpose(_leaf(ca, ekus=ekus), purpose, required)
    assert (problem[0] if problem else None) is expected


def test_empty_eku_is_malformed(ca: Identity) -> None:
    empty = Extension(ext.OID_EXTENDED_KEY_USAGE, False, der.sequence())
    problem = check_purpose(_leaf(ca, extra=[empty]), KeyPurpose.ANY)
    assert problem is not None and problem[0] is ValidationStatus.MALFORMED


def test_purpose_through_validate_path(ca: Identity) -> None:
    leaf = _leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}, ekus=[SERVER_AUTH])
    policy = ValidationPolicy(revocation=RevocationMode.OFF)
    path = [ca.certificate, leaf]
    assert validate_path(path, at=NOW, policy=policy).trusted
    assert validate_path(path, at=NOW, policy=policy, purpose=KeyPurpose.SIGN).status is EKU
    tls = ValidationPolicy(
        revocation=RevocationMode.OFF, extended_key_usages=frozenset({SERVER_AUTH})
    )
    assert validate_path(path, at=NOW, policy=tls, purpose=KeyPurpose.SIGN).trusted


# -- profile_problems -------------------------------------------------------------------------


def _name(cn: str | None) -> Name:
    return Name.build([("CN", cn)]) if cn else Name()


def _raw(
    signer: PrivateKey,
    *,
    subject: str | None = "raw",
    issuer: str | None = "Profile CA",
    serial: int = 1000,
    extensions: Iterable[Extension] = (),
    key: PrivateKey | None = None,
) -> Certificate:
    """A v3 certificate written field by field, for what the builder refuses to write."""
    key = key or generate_key("p-256")
    algorithm = signature_algorithm(signer, "sha256")
    exts = [e.to_der() for e in extensions]
    parts = [
        der.explicit(0, der.encode_int(2)),
        der.encode_int(serial),
        algorithm.to_der(),
        _name(issuer).der,
        der.sequence(der.encode_time(START), der.encode_time(NOW + datetime.timedelta(days=9))),
        _name(subject).der,
        public_key_to_spki(key.public_key()),
    ]
    if exts:
        parts.append(der.explicit(3, der.sequence(*exts)))
    tbs = der.sequence(*parts)
    signature = sign(signer, algorithm, tbs)
    return Certificate.from_der(
        der.sequence(tbs, algorithm.to_der(), der.encode_bit_string(signature))
    )


def _aki(ca: Identity, *, critical: bool = False) -> Extension:
    value = ext.AuthorityKeyIdentifier(key_identifier(ca.certificate.public_key)).to_der()
    return Extension(ext.OID_AUTHORITY_KEY_IDENTIFIER, critical, value)


def _messages(cert: Certificate, **roles: bool) -> list[str]:
    kwargs = {"is_anchor": False, "is_ca": False, "is_leaf": True} | roles
    return [reason for _, reason in profile_problems(cert, **kwargs)]


def test_builder_certificates_have_no_problems(ca: Identity) -> None:
    assert profile_problems(ca.certificate, is_anchor=True, is_ca=True, is_leaf=False) == []
    sub = make_ca("CN=Sub", key_type="p-256", issuer=ca, not_before=START)
    assert profile_problems(sub.certificate, is_anchor=False, is_ca=True, is_leaf=False) == []
    assert _messages(_leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}, ekus=[EMAIL])) == []


@pytest.mark.parametrize(
    ("serial", "fragment"),
    [(0, "not positive"), (-7, "not positive"), (1 << 170, "longer than 20 octets")],
)
def test_serial_numbers(ca: Identity, serial: int, fragment: str) -> None:
    cert = _raw(ca.key, serial=serial, extensions=[_aki(ca)])
    assert any(fragment in m for m in _messages(cert))


def test_key_identifiers(ca: Identity) -> None:
    assert any("authorityKeyIdentifier is missing" in m for m in _messages(_raw(ca.key)))
    critical = _raw(ca.key, extensions=[_aki(ca, critical=True)])
    assert any("authorityKeyIdentifier is critical" in m for m in _messages(critical))
    ski = Extension(ext.OID_SUBJECT_KEY_IDENTIFIER, True, der.encode_octets(b"\x01" * 20))
    assert any(
        "subjectKeyIdentifier is critical" in m
        for m in _messages(_raw(ca.key, extensions=[_aki(ca), ski]))
    )
    bc = Extension(ext.OID_BASIC_CONSTRAINTS, True, ext.BasicConstraints(True).to_der())
    ca_without_ski = _raw(ca.key, extensions=[_aki(ca), bc])
    assert any("without subjectKeyIdentifier" in m for m in _messages(ca_without_ski, is_ca=True))
    # a self-signed certificate needs no authorityKeyIdentifier
    key = generate_key("p-256")
    own = _raw(key, subject="self", issuer="self", key=key)
    assert not any("authorityKeyIdentifier" in m for m in _messages(own))


def test_names(ca: Identity) -> None:
    assert any(
        "issuer name is empty" in m
        for m in _messages(_raw(ca.key, issuer=None, extensions=[_aki(ca)]))
    )
    empty_subject = _raw(ca.key, subject=None, extensions=[_aki(ca)])
    assert any("empty subject without a critical" in m for m in _messages(empty_subject))
    san = Extension(
        ext.OID_SUBJECT_ALT_NAME, True, encode_general_names([GeneralName.email("a@b.example")])
    )
    fine = _raw(ca.key, subject=None, extensions=[_aki(ca), san])
    assert _messages(fine) == []
    assert any("CA certificate with an empty subject" in m for m in _messages(fine, is_ca=True))
    bad_san = Extension(
        ext.OID_SUBJECT_ALT_NAME, False, encode_general_names([GeneralName.dns("foo_bar.example")])
    )
    assert any(
        "not well-formed" in m for m in _messages(_raw(ca.key, extensions=[_aki(ca), bad_san]))
    )


def test_ca_and_extension_rules(ca: Identity) -> None:
    kcs = ext.Extension(ext.OID_KEY_USAGE, True, ext.encode_key_usage({KeyUsage.KEY_CERT_SIGN}))
    assert any(
        "keyCertSign is asserted" in m for m in _messages(_raw(ca.key, extensions=[_aki(ca), kcs]))
    )
    nc = ext.NameConstraints((ext.GeneralSubtree(GeneralName.dns("example.com")),))
    in_ee = Extension(ext.OID_NAME_CONSTRAINTS, True, nc.to_der())
    assert any("end-entity" in m for m in _messages(_raw(ca.key, extensions=[_aki(ca), in_ee])))
    loose = Extension(ext.OID_NAME_CONSTRAINTS, False, nc.to_der())
    bc = Extension(ext.OID_BASIC_CONSTRAINTS, True, ext.BasicConstraints(True).to_der())
    ski = Extension(ext.OID_SUBJECT_KEY_IDENTIFIER, False, der.encode_octets(b"\x02" * 20))
    msgs = _messages(_raw(ca.key, extensions=[_aki(ca), ski, bc, loose]), is_ca=True, is_leaf=False)
    assert any("nameConstraints is not critical" in m for m in msgs)
    aia_value = der.sequence(
        der.sequence(
            der.encode_oid("1.3.6.1.5.5.7.48.1"), GeneralName.uri("http://ocsp.example/").to_der()
        )
    )
    aia = Extension(ext.OID_AUTHORITY_INFO_ACCESS, True, aia_value)
    assert any(
        "must not be critical" in m for m in _messages(_raw(ca.key, extensions=[_aki(ca), aia]))
    )


def test_anchor_rules(ca: Identity) -> None:
    key = generate_key("p-256")
    v3_no_bc = _raw(key, subject="anchor", issuer="anchor", key=key)
    problems = profile_problems(v3_no_bc, is_anchor=True, is_ca=True, is_leaf=False)
    assert any("trust anchor without critical basicConstraints" in r for _, r in problems)
    # under a lax policy the anchor's profile is not judged; under strict it fails
    leaf = (
        CertificateBuilder()
        .subject_name("CN=under raw anchor")
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=5))
        .sign(key, issuer=v3_no_bc)
    )
    lax = ValidationPolicy(revocation=RevocationMode.OFF)
    assert validate_path([v3_no_bc, leaf], at=NOW, policy=lax).trusted
    strict = ValidationPolicy(revocation=RevocationMode.OFF, strict=True)
    result = validate_path([v3_no_bc, leaf], at=NOW, policy=strict)
    assert result.status is ValidationStatus.MALFORMED
    assert result.failing_certificate == v3_no_bc


@pytest.mark.interop
def test_openssl_agrees_on_smime_signing_purpose(ca: Identity, tmp_path: Path) -> None:
    """``openssl verify -purpose smimesign`` applies the same keyUsage / EKU rules for
    signing (anyExtendedKeyUsage aside, which OpenSSL does not accept for S/MIME)."""
    from tests.peers import openssl

    variants: dict[str, Certificate] = {
        "no extensions": _leaf(ca),
        "digitalSignature": _leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}),
        "nonRepudiation": _leaf(ca, usages={KeyUsage.NON_REPUDIATION}),
        "keyAgreement only": _leaf(ca, usages={KeyUsage.KEY_AGREEMENT}),
        "email EKU": _leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}, ekus=[EMAIL]),
        "server EKU": _leaf(ca, usages={KeyUsage.DIGITAL_SIGNATURE}, ekus=[SERVER_AUTH]),
        "both EKUs": _leaf(ca, ekus=[SERVER_AUTH, EMAIL]),
    }
    anchor = tmp_path / "ca.pem"
    anchor.write_bytes(ca.certificate.to_pem())
    verdicts = {}
    for number, (label, leaf) in enumerate(variants.items()):
        path = tmp_path / f"leaf{number}.pem"
        path.write_bytes(leaf.to_pem())
        args = ["verify", "-attime", str(int(NOW.timestamp())), "-purpose", "smimesign"]
        theirs = openssl([*args, "-CAfile", anchor, path], check=False).returncode == 0
        verdicts[label] = (check_purpose(leaf, KeyPurpose.SIGN) is None, theirs)
    assert all(ours == theirs for ours, theirs in verdicts.values()), verdicts
    assert {ours for ours, _ in verdicts.values()} == {True, False}
