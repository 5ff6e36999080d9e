"""The certificate builder (RFC 5280 section 4, RFC 8550 section 4.4) and its conveniences."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.crypto.keys import KeyType, generate_private_key
from smimelib.errors import UsageError
from smimelib.pki import extensions as ext
from smimelib.pki.builder import (
    CertificateBuilder,
    generate_key,
    key_identifier,
    make_ca,
    make_smime_identity,
)
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.general_names import GeneralName
from smimelib.pki.names import Name
from tests.peers import openssl
from tests.pki.conftest import LEAF_KEY_TYPES, MintedPKI

UTC = datetime.UTC
EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"


def _validity_tags(cert: Certificate) -> list[tlv.Tag]:
    validity = tlv.parse_one(cert.tbs_der).children()[4]
    return [t.tag for t in validity.children()]


# -- the minted PKI -----------------------------------------------------------------------------


def test_root_and_intermediate_profiles(minted_pki: MintedPKI) -> None:
    root = minted_pki.root.certificate
    inter = minted_pki.intermediate.certificate
    assert root.is_self_signed and not inter.is_self_signed
    inter.verify_issued_by(root)
    for cert, path_len in ((root, None), (inter, 0)):
        assert cert.version == 3
        bc_ext = cert.extension(ext.OID_BASIC_CONSTRAINTS)
        assert bc_ext is not None and bc_ext.critical
        assert cert.basic_constraints == ext.BasicConstraints(True, path_len)
        ku_ext = cert.extension(ext.OID_KEY_USAGE)
        assert ku_ext is not None and ku_ext.critical
        assert cert.key_usage == frozenset({KeyUsage.KEY_CERT_SIGN, KeyUsage.CRL_SIGN})
        assert cert.subject_key_identifier == key_identifier(cert.public_key)
        assert cert.anomalies == ()
        assert cert.signature_algorithm.oid == "1.2.840.113549.1.1.11"
        assert cert.signature_algorithm.parameters == der.NULL
    assert root.authority_key_identifier is None
    aki = inter.authority_key_identifier
    assert aki is not None and aki.key_identifier == root.subject_key_identifier
    assert minted_pki.intermediate.chain == (root,)


@pytest.mark.parametrize("key_type", LEAF_KEY_TYPES)
def test_smime_leaf_profile(minted_pki: MintedPKI, key_type: str) -> None:
    leaf = minted_pki.leaf(key_type)
    cert = leaf.certificate
    inter = minted_pki.intermediate.certificate
    cert.verify_issued_by(inter)
    assert leaf.chain == (inter, minted_pki.root.certificate)
    assert cert.email_addresses == (f"{key_type}@example.com",)
    assert cert.subject.common_name == f"Test {key_type}"
    assert cert.extended_key_usage == (EMAIL_PROTECTION,)
    assert cert.basic_constraints is None  # RFC 8550 4.4.1: SHOULD NOT in end entities
    ku_ext = cert.extension(ext.OID_KEY_USAGE)
    assert ku_ext is not None and ku_ext.critical  # RFC 8550 4.4.2
    ku = cert.key_usage
    assert ku is not None
    if key_type == "x25519":
        assert ku == frozenset({KeyUsage.KEY_AGREEMENT})
    else:
        assert {KeyUsage.DIGITAL_SIGNATURE, KeyUsage.NON_REPUDIATION} <= ku
    if key_type == "rsa":
        assert KeyUsage.KEY_ENCIPHERMENT in ku
    assert cert.subject_key_identifier == key_identifier(leaf.key.public_key())
    aki = cert.authority_key_identifier
    assert aki is not None and aki.key_identifier == inter.subject_key_identifier
    # 16 random octets, positive, exactly 16 octets long (RFC 5280 4.1.2.2)
    assert cert.serial_number.bit_length() == 127
    assert inter.not_before <= cert.not_before < cert.not_after <= inter.not_after
    assert cert.anomalies == ()
    assert cert.public_key == leaf.key.public_key()


def test_x25519_leaf_under_an_ed25519_ca(minted_pki: MintedPKI) -> None:
    ca = minted_pki.ed25519_root.certificate
    leaf = minted_pki.x25519_leaf.certificate
    assert ca.signature_algorithm.oid == "1.3.101.112" and ca.signature_algorithm.parameters is None
    assert ca.is_self_signed
    leaf.verify_issued_by(ca)
    assert leaf.public_key.type is KeyType.X25519
    assert leaf.key_usage == frozenset({KeyUsage.KEY_AGREEMENT})


@pytest.mark.parametrize(
    ("curve", "oid"),
    [
        ("P-256", "1.2.840.10045.4.3.2"),
        ("P-384", "1.2.840.10045.4.3.3"),
        ("P-521", "1.2.840.10045.4.3.4"),
    ],
)
def test_ecdsa_issuers_hash_by_curve(curve: str, oid: str) -> None:
    ca = make_ca(f"CN=EC {curve}", key=generate_private_key(KeyType.EC, curve=curve))
    assert ca.certificate.signature_algorithm.oid == oid
    assert ca.certificate.signature_algorithm.parameters is None
    assert ca.certificate.is_self_signed


def test_rsa_pss_signatures(minted_pki: MintedPKI) -> None:
    leaf = make_smime_identity(
        "pss@example.com", issuer=minted_pki.intermediate, key_type="ed25519", pss=True
    )
    assert leaf.certificate.signature_algorithm.oid == "1.2.840.113549.1.1.10"
    assert leaf.certificate.signature_algorithm.parameters  # explicit RSASSA-PSS-params
    leaf.certificate.verify_issued_by(minted_pki.intermediate.certificate)


# -- builder semantics ----------------------------------------------------------------------------


def test_setters_return_new_builders_and_refuse_a_second_value() -> None:
    empty = CertificateBuilder()
    named = empty.subject_name("CN=x")
    assert empty != named and empty._subject is None
    with pytest.raises(UsageError):
        named.subject_name("CN=y")
    with_ku = named.key_usage({KeyUsage.DIGITAL_SIGNATURE})
    with pytest.raises(UsageError):
        with_ku.key_usage({KeyUsage.KEY_AGREEMENT})
    with pytest.raises(UsageError):
        with_ku.add_extension(ext.OID_KEY_USAGE, b"\x03\x01\x00")
    with pytest.raises(UsageError):
        empty.serial_number(1).serial_number(2)
    with pytest.raises(AttributeError):
        empty._subject = Name()  # type: ignore[misc]


def test_misuse_is_reported(minted_pki: MintedPKI) -> None:
    ed_key = generate_private_key(KeyType.ED25519)
    base = CertificateBuilder().subject_name("CN=x").public_key(ed_key)
    with pytest.raises(UsageError):
        CertificateBuilder().public_key(ed_key).sign(ed_key)  # no subject
    with pytest.raises(UsageError):
        base.sign(generate_private_key(KeyType.X25519))  # cannot sign
    with pytest.raises(UsageError):
        base.sign(generate_private_key(KeyType.ED25519))  # not its own key, no issuer
    with pytest.raises(UsageError):
        base.sign(ed_key, issuer=minted_pki.intermediate.certificate)  # key not the issuer's
    with pytest.raises(UsageError):
        base.not_valid_before(datetime.datetime(2030, 1, 1))  # naive
    start = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(UsageError):
        base.not_valid_before(start).not_valid_after(start).sign(ed_key)
    for serial in (0, -5, 1 << 160):
        with pytest.raises(UsageError):
            base.serial_number(serial)
    with pytest.raises(UsageError):
        base.basic_constraints(ca=False, path_length=1)
    with pytest.raises(UsageError):
        base.email_addresses("not-an-address")
    with pytest.raises(UsageError):
        make_smime_identity(
            "a@example.com", issuer=minted_pki.ed25519_root, key_type="x25519", usage="sign"
        )


def test_explicit_fields_and_time_encodings() -> None:
    key = generate_private_key(KeyType.ED25519)
    start = datetime.datetime(2049, 6, 1, 12, 0, 0, tzinfo=UTC)
    end = datetime.datetime(2051, 6, 1, 12, 0, 0, tzinfo=UTC)
    cert = (
        CertificateBuilder()
        .subject_name(Name.build([("C", "DE"), ("O", "Example"), ("CN", "Zoë")]))
        .public_key(key)
        .serial_number(0x1234)
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key)
    )
    assert cert.serial_number == 0x1234
    assert (cert.not_before, cert.not_after) == (start, end)
    # RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050
    assert _validity_tags(cert) == [tlv.Tag.UTC_TIME, tlv.Tag.GENERALIZED_TIME]
    assert cert.anomalies == ()
    assert cert.subject.rfc4514() == "CN=Zoë,O=Example,C=DE"
    assert cert.issuer == cert.subject and cert.is_self_signed


def test_no_extensions_gives_a_v3_with_ski_and_sorted_behaviour() -> None:
    key = generate_private_key(KeyType.ED25519)
    cert = CertificateBuilder().subject_name("CN=x").public_key(key).sign(key)
    assert cert.version == 3  # the automatic SKI makes it v3
    assert [e.oid for e in cert.extensions] == [ext.OID_SUBJECT_KEY_IDENTIFIER]


def test_optional_extensions_round_trip(minted_pki: MintedPKI) -> None:
    key = generate_private_key(KeyType.ED25519)
    constraints = ext.NameConstraints(
        permitted=(ext.GeneralSubtree(GeneralName.email("example.com")),),
        excluded=(ext.GeneralSubtree(GeneralName.dns("bad.example.com"), 0, 3),),
    )
    caps = der.sequence(der.sequence(der.encode_oid("2.16.840.1.101.3.4.1.46")))
    cert = (
        CertificateBuilder()
        .subject_name("CN=Constrained CA")
        .public_key(key)
        .basic_constraints(ca=True, path_length=2)
        .key_usage({KeyUsage.KEY_CERT_SIGN})
        .certificate_policies(
            [
                ext.PolicyInformation.with_cps("1.3.6.1.4.1.99999.1", "https://cps.example"),
                "2.5.29.32.0",
            ]
        )
        .crl_distribution_points(["http://crl.example/ca.crl", "ldap://ldap.example/cn=ca"])
        .name_constraints(constraints)
        .subject_alt_names([GeneralName.uri("https://ca.example"), GeneralName.dns("ca.example")])
        .add_extension(ext.OID_SMIME_CAPABILITIES, caps)
        .sign(minted_pki.intermediate.key, issuer=minted_pki.intermediate.certificate)
    )
    assert cert.name_constraints == constraints
    nc_ext = cert.extension(ext.OID_NAME_CONSTRAINTS)
    assert nc_ext is not None and nc_ext.critical
    policies = cert.certificate_policies
    assert policies is not None
    assert [p.policy_id for p in policies] == ["1.3.6.1.4.1.99999.1", "2.5.29.32.0"]
    assert policies[0].qualifiers[0].cps_uri == "https://cps.example"
    points = cert.crl_distribution_points
    assert points is not None
    assert [u for p in points for u in p.uris] == [
        "http://crl.example/ca.crl",
        "ldap://ldap.example/cn=ca",
    ]
    assert cert.subject_alt_names == (
        GeneralName.uri("https://ca.example"),
        GeneralName.dns("ca.example"),
    )
    assert cert.smime_capabilities is not None
    assert [c.oid for c in cert.smime_capabilities] == ["2.16.840.1.101.3.4.1.46"]
    assert cert.basic_constraints == ext.BasicConstraints(True, 2)
    assert cert.email_addresses == ()


def test_non_ascii_address_becomes_smtp_utf8_mailbox(minted_pki: MintedPKI) -> None:
    leaf = make_smime_identity(
        "zoë@example.com",
        issuer=minted_pki.ed25519_root,
        key_type="ed25519",
        extra_emails=["zoe@example.com"],
    )
    assert leaf.certificate.email_addresses == ("zoe@example.com",)
    assert leaf.certificate.smtp_utf8_mailboxes == ("zoë@example.com",)
    assert leaf.certificate.mailboxes == ("zoe@example.com", "zoë@example.com")


@pytest.mark.parametrize(
    ("spec", "key_type", "detail"),
    [
        ("rsa-1024", KeyType.RSA, 1024),
        ("p-384", KeyType.EC, "P-384"),
        ("P521", KeyType.EC, "P-521"),
        ("ed25519", KeyType.ED25519, None),
        ("x25519", KeyType.X25519, None),
        ("ed448", KeyType.ED448, None),
    ],
)
def test_generate_key_specs(spec: str, key_type: KeyType, detail: object) -> None:
    key = generate_key(spec)
    assert key.type is key_type
    if key_type is KeyType.RSA:
        assert key.size_bits == detail
    elif key_type is KeyType.EC:
        assert key.curve == detail
    with pytest.raises(UsageError):
        generate_key("dsa")


_CONTROL: list[Literal["Cc"]] = ["Cc"]
_LOCAL = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20)
_DOMAIN = st.from_regex(r"[a-z]{1,10}\.(com|org|example)", fullmatch=True)
_EMAIL = st.builds(lambda lp, d: f"{lp}@{d}", _LOCAL, _DOMAIN)


@given(
    email=_EMAIL,
    extra=st.lists(_EMAIL, max_size=3, unique=True),
    name=st.text(
        st.characters(codec="utf-8", exclude_categories=_CONTROL), min_size=1, max_size=30
    ),
    days=st.integers(1, 40_000),
    serial=st.integers(1, (1 << 159) - 1),
    usage=st.sampled_from(["sign", "both"]),
)
def test_builder_round_trip_property(
    minted_pki: MintedPKI,
    email: str,
    extra: list[str],
    name: str,
    days: int,
    serial: int,
    usage: str,
) -> None:
    ca = minted_pki.ed25519_root
    key = generate_private_key(KeyType.ED25519)
    start = ca.certificate.not_before
    end = start + datetime.timedelta(days=days)
    builder = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", name)]))
        .public_key(key)
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .email_addresses(email, *extra)
        .key_usage(
            {KeyUsage.DIGITAL_SIGNATURE}
            | ({KeyUsage.NON_REPUDIATION} if usage == "both" else set())
        )
        .extended_key_usage([EMAIL_PROTECTION])
    )
    cert = builder.sign(ca.key, issuer=ca.certificate)
    again = Certificate.from_der(cert.der)
    assert again == cert
    assert cert.subject.common_name == name
    assert cert.serial_number == serial
    assert (cert.not_before, cert.not_after) == (start, end)
    expected: list[str] = []
    for addr in (email, *extra):
        if all(a.lower() != addr.lower() for a in expected):
            expected.append(addr)
    assert [a.lower() for a in cert.email_addresses] == [a.lower() for a in expected]
    cert.verify_issued_by(ca.certificate)
    assert cert.anomalies == ()


# -- interop: OpenSSL ------------------------------------------------------------------------------


def _write(path: Path, *certs: Certificate) -> Path:
    path.write_bytes(b"".join(c.to_pem() for c in certs))
    return path


@pytest.mark.interop
@pytest.mark.parametrize("key_type", LEAF_KEY_TYPES)
def test_openssl_parses_and_verifies_minted_chains(
    minted_pki: MintedPKI, key_type: str, tmp_path: Path
) -> None:
    root = _write(tmp_path / "root.pem", minted_pki.root.certificate)
    inter = _write(tmp_path / "inter.pem", minted_pki.intermediate.certificate)
    leaf_cert = minted_pki.leaf(key_type).certificate
    leaf = _write(tmp_path / "leaf.pem", leaf_cert)
    for cert in (root, inter, leaf):
        text = openssl(["x509", "-in", cert, "-noout", "-text"])
        assert b"error" not in text.stderr.lower()
    base: list[str | Path] = ["verify", "-x509_strict", "-CAfile", root, "-untrusted", inter]
    assert openssl([*base, leaf]).stdout.strip().endswith(b"OK")
    if key_type != "x25519":
        openssl([*base, "-purpose", "smimesign", leaf])
    if key_type == "rsa":
        openssl([*base, "-purpose", "smimeencrypt", leaf])
    shown = openssl(["x509", "-in", leaf, "-noout", "-email", "-serial"]).stdout.decode()
    assert f"{key_type}@example.com" in shown.splitlines()
    assert f"serial={leaf_cert.serial_hex}" in shown.splitlines()


@pytest.mark.interop
def test_openssl_verifies_x25519_under_ed25519(minted_pki: MintedPKI, tmp_path: Path) -> None:
    root = _write(tmp_path / "root.pem", minted_pki.ed25519_root.certificate)
    leaf = _write(tmp_path / "leaf.pem", minted_pki.x25519_leaf.certificate)
    openssl(["verify", "-x509_strict", "-CAfile", root, leaf])


@pytest.mark.interop
def test_openssl_verifies_pss_and_ecdsa_chains(tmp_path: Path) -> None:
    root = make_ca("CN=PSS Root", key_type="rsa", pss=True)
    inter = make_ca("CN=P-384 Inter", key_type="p-384", issuer=root)
    leaf = make_smime_identity("e@example.com", issuer=inter, key_type="p-521")
    root_pem = _write(tmp_path / "root.pem", root.certificate)
    inter_pem = _write(tmp_path / "inter.pem", inter.certificate)
    leaf_pem = _write(tmp_path / "leaf.pem", leaf.certificate)
    openssl(
        [
            "verify",
            "-x509_strict",
            "-CAfile",
            root_pem,
            "-untrusted",
            inter_pem,
            "-purpose",
            "smimesign",
            leaf_pem,
        ]
    )
    assert leaf.certificate.signature_algorithm.oid == "1.2.840.10045.4.3.3"  # P-384 issuer


@pytest.mark.interop
def test_openssl_reads_optional_extensions(minted_pki: MintedPKI, tmp_path: Path) -> None:
    leaf = make_smime_identity(
        "opt@example.com",
        issuer=minted_pki.intermediate,
        key_type="p-256",
        policies=["1.3.6.1.4.1.99999.7"],
        crl_uris=["http://crl.example/i.crl"],
    )
    path = _write(tmp_path / "leaf.pem", leaf.certificate)
    text = openssl(["x509", "-in", path, "-noout", "-text"]).stdout.decode()
    assert "Policy: 1.3.6.1.4.1.99999.7" in text
    assert "URI:http://crl.example/i.crl" in text


def test_email_addresses_merge_san_and_legacy_subject_attribute() -> None:
    # RFC 8550 section 3: rfc822Name first, then the legacy emailAddress attribute;
    # repeats (domain compared case-insensitively) are dropped, local parts kept exact
    key = generate_private_key(KeyType.ED25519)
    subject = Name.build(
        [("CN", "Alice"), ("emailAddress", "Alice@Example.com"), ("emailAddress", "old@x.org")]
    )
    cert = (
        CertificateBuilder()
        .subject_name(subject)
        .public_key(key)
        .email_addresses("Alice@example.COM", "alice@example.com")
        .sign(key)
    )
    assert cert.subject.email_addresses == ("Alice@Example.com", "old@x.org")
    assert cert.email_addresses == ("Alice@example.COM", "alice@example.com", "old@x.org")
