"""Certificates (RFC 5280 section 4): loading every vector, fields against OpenSSL,
signatures against issuers, and hostile input."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.crypto.algorithms import LEGACY_POLICY, Policy
from smimelib.errors import (
    CertificateError,
    DecodeError,
    PolicyError,
    SignatureError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.certificate import Certificate, load_certificates
from smimelib.pki.extensions import KeyUsage
from smimelib.pki.pem import is_pem, pem_blocks
from tests.peers import openssl
from tests.vectors import VECTORS, load_vector, vector_path

# Files named like certificates that hold no certificate (keys, CMS in raw base64).
_NOT_CERTIFICATES = {
    "openssl/pkcs7/pkcs7.pem": "raw base64 PKCS #7 without PEM armour",
}


def _certificate_files() -> list[str]:
    out = []
    for path in sorted(VECTORS.rglob("*")):
        if path.suffix not in (".crt", ".cer", ".pem") or not path.is_file():
            continue
        rel = path.relative_to(VECTORS).as_posix()
        if rel in _NOT_CERTIFICATES:
            continue
        data = path.read_bytes()
        if is_pem(data) and not any(b.label == "CERTIFICATE" for b in pem_blocks(data)):
            continue  # keys and CMS objects in PEM
        out.append(rel)
    return out


CERT_FILES = _certificate_files()


def _cert(rel: str) -> Certificate:
    return Certificate.from_file(vector_path(rel))


def _touch_everything(cert: Certificate) -> None:
    for name in dir(cert):
        if name.startswith("_"):
            continue
        try:
            value = getattr(cert, name)
        except SmimeError:
            continue
        repr(value)
    cert.subject.rfc4514()
    cert.issuer.rfc4514()
    cert.fingerprint()


# -- every vector loads -------------------------------------------------------------------------


def test_vector_inventory_is_complete() -> None:
    # the families the brief names must all be present, so a lost directory fails here
    for prefix in (
        "rfc4134/",
        "rfc9216/",
        "examples-cms/certs-and-keys/",
        "openssl/smime-certs/",
        "openssl/cms-data/ee-cert.pem",
        "bc/mail/",
        "bc/cms/ecdh/ecc.crt",
        "pyca/x509-custom-ca/",
        "pyca/pkcs7/ascii-san.pem",
        "pyca/pkcs7/non-ascii-san.pem",
        "asn1crypto/keys/",
        "heimdal/",
        "libksba/",
        "johnny-fired/",
        "covert-content/",
    ):
        assert any(f.startswith(prefix) for f in CERT_FILES), prefix
    assert len(CERT_FILES) >= 90


@pytest.mark.parametrize("rel", CERT_FILES)
def test_every_vector_certificate_loads(rel: str) -> None:
    certs = load_certificates(load_vector(rel))
    assert certs
    for cert in certs:
        assert Certificate.from_der(cert.der) == cert
        assert cert.der.startswith(b"\x30") and cert.tbs_der in cert.der
        assert cert.version in (1, 2, 3)
        assert cert.not_before.tzinfo is not None
        _touch_everything(cert)


def test_pem_bundle_skips_other_blocks() -> None:
    bundle = load_vector("openssl/smime-certs/smrsa1.pem")  # key + certificate
    labels = [b.label for b in pem_blocks(bundle)]
    assert "CERTIFICATE" in labels and len(labels) > 1
    certs = load_certificates(bundle)
    assert len(certs) == 1
    assert Certificate.from_pem(bundle) == certs[0]
    two = load_vector("rfc9216/ca.rsa.crt") + load_vector("rfc9216/alice.sign.crt")
    assert [c.subject.common_name for c in load_certificates(two)] == [
        "Sample LAMPS RSA Certification Authority",
        "Alice Lovelace",
    ]
    with pytest.raises(UsageError):
        Certificate.from_pem(two)
    with pytest.raises(DecodeError):
        load_certificates(load_vector("openssl/cms-data/ee-key.pem"))


def test_der_and_pem_give_the_same_certificate() -> None:
    der_cert = _cert("rfc4134/CarlRSASelf.cer")
    assert Certificate.from_pem(der_cert.to_pem()) == der_cert
    assert hash(Certificate.from_der(der_cert.der)) == hash(der_cert)
    assert der_cert != _cert("rfc4134/CarlDSSSelf.cer")


def test_from_file_errors_are_smime_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        Certificate.from_file(tmp_path / "missing.pem")


# -- fields ---------------------------------------------------------------------------------


def test_rfc9216_alice_fields() -> None:
    cert = _cert("rfc9216/alice.sign.crt")
    assert cert.version == 3
    assert cert.serial_number == 0x37410579ED757F42A9A25C3AF4F86ACE9AA9D7
    assert cert.serial_hex == "37410579ED757F42A9A25C3AF4F86ACE9AA9D7"
    assert cert.signature_algorithm.oid == "1.2.840.113549.1.1.13"  # sha512WithRSAEncryption
    assert cert.signature_algorithm == cert.tbs_signature_algorithm
    assert cert.not_before == datetime.datetime(2019, 11, 20, 6, 54, 18, tzinfo=datetime.UTC)
    assert cert.not_after == datetime.datetime(2052, 9, 27, 6, 54, 18, tzinfo=datetime.UTC)
    assert cert.email_addresses == ("alice@smime.example",)
    assert cert.key_usage == frozenset({KeyUsage.DIGITAL_SIGNATURE, KeyUsage.NON_REPUDIATION})
    assert cert.extended_key_usage == ("1.3.6.1.5.5.7.3.4",)
    assert cert.basic_constraints is not None and not cert.basic_constraints.ca
    assert not cert.is_ca
    assert cert.subject_key_identifier == bytes.fromhex("BBF6CCB22D1D06121C97AE296A9010D320666673")
    aki = cert.authority_key_identifier
    assert aki is not None
    assert aki.key_identifier == bytes.fromhex("91308E7C07170CA7F1092865361A671C6876F459")
    assert cert.unhandled_critical_extensions == ()
    assert cert.anomalies == ()
    assert cert.public_key.size_bits == 2048
    assert cert.valid_at(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
    assert not cert.valid_at(datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC))


def test_utctime_before_1950_rule() -> None:
    # RFC 4134 certificates are valid 1999-2039: UTCTime 99 -> 1999, 39 -> 2039
    cert = _cert("rfc4134/CarlRSASelf.cer")
    assert cert.not_before.year == 1999
    assert cert.not_after.year == 2039


def test_emails_from_san_and_legacy_subject_attribute() -> None:
    # RFC 4134 certificates carry the address only in subjectAltName
    assert _cert("rfc4134/AliceRSASignByCarl.cer").email_addresses == ("AliceRSA@example.com",)
    # non-ASCII rfc822Name (IA5String misuse) is still read, as the text it spells
    assert _cert("pyca/pkcs7/non-ascii-san.pem").email_addresses == ("retourné@example.com",)
    ascii_san = _cert("pyca/pkcs7/ascii-san.pem")
    assert ascii_san.smtp_utf8_mailboxes == ("retourne@example.com",)
    assert ascii_san.email_addresses == ()
    assert ascii_san.mailboxes == ("retourne@example.com",)
    legacy = [c for c in map(_cert, CERT_FILES) if c.subject.email_addresses]
    assert legacy, "some vector certificate has an emailAddress attribute"
    for cert in legacy:
        for addr in cert.subject.email_addresses:
            assert any(a.lower() == addr.lower() for a in cert.email_addresses)


def test_ed25519_rfc8410_explicit_default_is_accepted_and_noted() -> None:
    cert = _cert("libksba/ed25519-rfc8410.crt")
    assert [e.critical for e in cert.extensions] == [True, False, False]
    assert cert.basic_constraints is not None and not cert.basic_constraints.ca  # cA FALSE written
    assert any("critical FALSE encoded explicitly" in a for a in cert.anomalies)
    assert cert.public_key.type.value == "x25519"
    assert cert.key_usage == frozenset({KeyUsage.KEY_AGREEMENT})


def test_md2_certificates_parse_and_are_refused() -> None:
    authority = _cert("libksba/authority.crt")
    bull = _cert("libksba/bull.crt")
    assert bull.signature_algorithm.oid == "1.2.840.113549.1.1.2"
    assert bull.subject.get("OU") == ("Threatening Looks™",)  # BMPString
    for policy in (Policy(), LEGACY_POLICY):
        with pytest.raises(UnsupportedAlgorithm) as info:
            bull.verify_issued_by(authority, policy=policy)
        assert info.value.oid == "1.2.840.113549.1.1.2"
    # authority.crt encodes pathLenConstraint -1, which RFC 5280 4.2.1.9 forbids
    with pytest.raises(DecodeError):
        authority.basic_constraints  # noqa: B018
    assert not authority.is_self_signed  # MD2 cannot be checked


def test_negative_serial_is_read_and_flagged() -> None:
    cert = _cert("heimdal/sf-class2-root.pem")
    assert cert.serial_number == 0
    assert any("not positive" in a for a in cert.anomalies)


def test_typed_extension_accessors_on_a_real_ca() -> None:
    cert = _cert("johnny-fired/assets/certificates/manager@bigcorporation.crt")
    policies = cert.certificate_policies
    assert policies and all(p.policy_id.count(".") >= 2 for p in policies)
    points = cert.crl_distribution_points
    assert points and all(u.startswith("http") for p in points for u in p.uris)
    aia = cert.authority_info_access
    assert aia and {a.method for a in aia} <= {"1.3.6.1.5.5.7.48.1", "1.3.6.1.5.5.7.48.2"}
    assert cert.extended_key_usage == ("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4")
    assert cert.name_constraints is None and cert.policy_mappings is None
    assert cert.inhibit_any_policy is None and cert.policy_constraints is None


def test_smime_capabilities_extension() -> None:
    dotnet = _cert("bc/mail/dotnet_enc_cert.pem").smime_capabilities
    assert dotnet is not None
    assert [c.oid for c in dotnet] == [
        "1.2.840.113549.3.2",  # rc2-cbc
        "1.2.840.113549.3.4",  # rc4
        "1.3.14.3.2.7",  # des-cbc
        "1.2.840.113549.3.7",  # des-ede3-cbc
    ]
    assert dotnet[0].parameters == der.encode_int(128)
    dana = _cert("rfc9216/dana.encrypt.crt").smime_capabilities
    assert dana is not None and [c.oid for c in dana] == ["1.2.840.113549.1.9.16.3.19"]
    assert _cert("rfc9216/alice.sign.crt").smime_capabilities is None


# -- field-by-field comparison with OpenSSL ----------------------------------------------------

SAMPLE = [
    "rfc9216/alice.sign.crt",
    "rfc9216/carlos.sign.crt",
    "rfc9216/dana.encrypt.crt",
    "rfc9216/ca.rsa.cross.crt",
    "rfc4134/CarlDSSSelf.cer",
    "rfc4134/DianeRSASignByCarl.cer",
    "asn1crypto/keys/test-ec-named.crt",
    "asn1crypto/keys/test-rsapss.crt",
    "asn1crypto/keys/test-ed448.crt",
    "libksba/bull.crt",
    "libksba/ed25519-rfc8410.crt",
    "heimdal/test.crt",
    "johnny-fired/assets/certificates/manager@bigcorporation.crt",
    "openssl/smime-certs/smec1.pem",
    "openssl/smime-certs/smdsa1.pem",
    "bc/mail/certpath_end1.crt",
    "pyca/x509-custom-ca/rsa_ca.pem",
]

_KU_NAMES = {
    KeyUsage.DIGITAL_SIGNATURE: "Digital Signature",
    KeyUsage.NON_REPUDIATION: "Non Repudiation",
    KeyUsage.KEY_ENCIPHERMENT: "Key Encipherment",
    KeyUsage.DATA_ENCIPHERMENT: "Data Encipherment",
    KeyUsage.KEY_AGREEMENT: "Key Agreement",
    KeyUsage.KEY_CERT_SIGN: "Certificate Sign",
    KeyUsage.CRL_SIGN: "CRL Sign",
    KeyUsage.ENCIPHER_ONLY: "Encipher Only",
    KeyUsage.DECIPHER_ONLY: "Decipher Only",
}
_EKU_NAMES = {
    "1.3.6.1.5.5.7.3.1": "TLS Web Server Authentication",
    "1.3.6.1.5.5.7.3.2": "TLS Web Client Authentication",
    "1.3.6.1.5.5.7.3.3": "Code Signing",
    "1.3.6.1.5.5.7.3.4": "E-mail Protection",
    "1.3.6.1.5.5.7.3.8": "Time Stamping",
    "1.3.6.1.5.5.7.3.9": "OCSP Signing",
    "2.5.29.37.0": "Any Extended Key Usage",
}


def _openssl_lines(rel: str, *options: str) -> list[str]:
    path = vector_path(rel)
    form = "PEM" if is_pem(path.read_bytes()) else "DER"
    out = openssl(["x509", "-inform", form, "-in", path, "-noout", *options]).stdout
    return out.decode("utf-8").splitlines()


def _openssl_extensions(rel: str) -> dict[str, tuple[bool, list[str]]]:
    names = "subjectKeyIdentifier,authorityKeyIdentifier,keyUsage,extendedKeyUsage,basicConstraints"
    blocks: dict[str, tuple[bool, list[str]]] = {}
    current: list[str] = []
    for line in _openssl_lines(rel, "-ext", names):
        if line.startswith("X509v3 "):
            head, _, rest = line[len("X509v3 ") :].partition(":")
            current = []
            blocks[head] = ("critical" in rest, current)
        elif line.strip():
            current.append(line.strip())
    return blocks


def _openssl_time(text: str) -> datetime.datetime:
    parsed = datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y GMT")
    return parsed.replace(tzinfo=datetime.UTC)


def _hex_colons(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


@pytest.mark.interop
@pytest.mark.parametrize("rel", SAMPLE)
def test_fields_match_openssl(rel: str) -> None:
    cert = _cert(rel)
    lines = _openssl_lines(
        rel,
        "-subject",
        "-issuer",
        "-nameopt",
        "RFC2253,-esc_msb",
        "-serial",
        "-startdate",
        "-enddate",
        "-fingerprint",
        "-sha256",
    )
    fields = dict(line.split("=", 1) for line in lines)
    assert fields["subject"] == cert.subject.rfc4514()
    assert fields["issuer"] == cert.issuer.rfc4514()
    assert fields["serial"] == cert.serial_hex
    assert _openssl_time(fields["notBefore"]) == cert.not_before
    assert _openssl_time(fields["notAfter"]) == cert.not_after
    assert fields["sha256 Fingerprint"] == cert.fingerprint_hex()
    emails = _openssl_lines(rel, "-email")
    assert sorted(emails) == sorted(cert.email_addresses)

    ext = _openssl_extensions(rel)
    ski = cert.subject_key_identifier
    assert ("Subject Key Identifier" in ext) == (ski is not None)
    if ski is not None:
        assert ext["Subject Key Identifier"][1] == [_hex_colons(ski)]
    aki = cert.authority_key_identifier
    assert ("Authority Key Identifier" in ext) == (aki is not None)
    if aki is not None and aki.key_identifier is not None:
        first = ext["Authority Key Identifier"][1][0].removeprefix("keyid:")
        assert first == _hex_colons(aki.key_identifier)
    ku = cert.key_usage
    assert ("Key Usage" in ext) == (ku is not None)
    if ku is not None:
        critical, text = ext["Key Usage"]
        assert critical == cert.extension("2.5.29.15").critical  # type: ignore[union-attr]
        assert set(text[0].split(", ")) == {_KU_NAMES[k] for k in ku}
    eku = cert.extended_key_usage
    assert ("Extended Key Usage" in ext) == (eku is not None)
    if eku is not None:
        assert ext["Extended Key Usage"][1][0].split(", ") == [_EKU_NAMES.get(o, o) for o in eku]
    bc = cert.basic_constraints
    assert ("Basic Constraints" in ext) == (bc is not None)
    if bc is not None:
        expected = "CA:TRUE" if bc.ca else "CA:FALSE"
        if bc.path_length is not None:
            expected += f", pathlen:{bc.path_length}"
        assert ext["Basic Constraints"][1] == [expected]


# -- signatures -------------------------------------------------------------------------------

_WEAK_OK = Policy(allow_weak=True, allow_legacy=True, min_rsa_bits=512)

CHAINS = [
    ("rfc9216/alice.sign.crt", "rfc9216/ca.rsa.crt", Policy()),
    ("rfc9216/bob.encrypt.crt", "rfc9216/ca.rsa.crt", Policy()),
    ("rfc9216/carlos.sign.crt", "rfc9216/ca.25519.crt", Policy()),
    ("rfc9216/dana.encrypt.crt", "rfc9216/ca.25519.crt", Policy()),
    ("rfc9216/ca.rsa.cross.crt", "rfc9216/ca.25519.crt", Policy()),
    ("rfc9216/ca.25519.cross.crt", "rfc9216/ca.rsa.crt", Policy()),
    ("rfc4134/AliceRSASignByCarl.cer", "rfc4134/CarlRSASelf.cer", LEGACY_POLICY),
    ("rfc4134/AliceDSSSignByCarlNoInherit.cer", "rfc4134/CarlDSSSelf.cer", LEGACY_POLICY),
    ("rfc4134/DianeDSSSignByCarlInherit.cer", "rfc4134/CarlDSSSelf.cer", LEGACY_POLICY),
    ("heimdal/test.crt", "heimdal/ca.crt", LEGACY_POLICY),
    ("asn1crypto/keys/test-inter.crt", "asn1crypto/keys/test.crt", Policy()),
    ("openssl/smime-certs/smec1.pem", "openssl/smime-certs/smroot.pem", Policy()),
    (
        "johnny-fired/assets/certificates/manager@bigcorporation.crt",
        "johnny-fired/assets/certificates/intermediate_ca.crt",
        Policy(),
    ),
    ("heimdal/yutaka-pad-ok-cert.pem", "heimdal/yutaka-pad-ok-ca.pem", _WEAK_OK),
    ("heimdal/bleichenbacher-good.pem", "heimdal/bleichenbacher-good.pem", _WEAK_OK),
]


@pytest.mark.parametrize(("leaf", "issuer", "policy"), CHAINS, ids=[c[0] for c in CHAINS])
def test_vector_signatures_verify_against_their_issuers(
    leaf: str, issuer: str, policy: Policy
) -> None:
    _cert(leaf).verify_issued_by(_cert(issuer), policy=policy)


@pytest.mark.parametrize(
    ("leaf", "issuer"),
    [
        ("heimdal/bleichenbacher-bad.pem", "heimdal/bleichenbacher-bad.pem"),
        ("heimdal/yutaka-pad-broken-cert.pem", "heimdal/yutaka-pad-broken-ca.pem"),
        ("heimdal/bleichenbacher-sf-pad-correct.pem", "heimdal/sf-class2-root.pem"),
    ],
)
def test_forged_pkcs1_signatures_fail(leaf: str, issuer: str) -> None:
    with pytest.raises(SignatureError):
        _cert(leaf).verify_issued_by(_cert(issuer), policy=_WEAK_OK)


def test_weak_signatures_need_a_legacy_policy() -> None:
    with pytest.raises(PolicyError):
        _cert("rfc4134/AliceRSASignByCarl.cer").verify_issued_by(_cert("rfc4134/CarlRSASelf.cer"))


def test_wrong_issuer_is_refused_by_name_then_by_signature() -> None:
    alice = _cert("rfc9216/alice.sign.crt")
    with pytest.raises(CertificateError):
        alice.verify_issued_by(_cert("rfc9216/ca.25519.crt"))
    # the cross certificate has the right subject but a different key
    with pytest.raises(SignatureError):
        alice.verify_signature(_cert("rfc9216/ca.25519.crt").public_key)


def test_ed25519_rfc8410_certificate_verifies_with_the_published_key() -> None:
    from smimelib.pki.keys import load_private_key

    key = load_private_key(load_vector("libksba/ed25519-rfc8410.key"))
    cert = _cert("libksba/ed25519-rfc8410.crt")
    cert.verify_signature(key.public_key())
    assert not cert.is_self_signed  # X25519 subject key, signed by an Ed25519 CA key


def test_inherited_dsa_parameters() -> None:
    from smimelib.pki.keys import load_private_key

    carl = _cert("rfc4134/CarlDSSSelf.cer")
    diane = _cert("rfc4134/DianeDSSSignByCarlInherit.cer")
    assert diane.has_inherited_dsa_parameters
    assert not _cert("rfc4134/AliceDSSSignByCarlNoInherit.cer").has_inherited_dsa_parameters
    with pytest.raises(CertificateError):
        diane.public_key  # noqa: B018
    key = diane.public_key_with_params(carl)
    p, q, g, _ = carl.public_key.dsa_numbers()
    assert key.dsa_numbers()[:3] == (p, q, g)
    private = load_private_key(load_vector("rfc4134/DianePrivDSSSign.pri"))
    assert private.public_key() == key
    assert diane.public_key_with_params(carl.public_key) == key
    with pytest.raises(CertificateError):
        diane.public_key_with_params(_cert("rfc4134/CarlRSASelf.cer"))


@pytest.mark.parametrize(
    "rel",
    [
        "rfc9216/ca.rsa.crt",
        "rfc9216/ca.25519.crt",
        "rfc4134/CarlDSSSelf.cer",
        "asn1crypto/keys/test-rsapss.crt",
        "asn1crypto/keys/test-ed448.crt",
        "asn1crypto/keys/test-ec-named.crt",
        "asn1crypto/keys/test-dsa.crt",
    ],
)
def test_self_signed_roots(rel: str) -> None:
    cert = _cert(rel)
    assert cert.is_self_issued and cert.is_self_signed


def test_issued_certificates_are_not_self_signed() -> None:
    alice = _cert("rfc9216/alice.sign.crt")
    assert not alice.is_self_issued and not alice.is_self_signed


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1 and len(old) == len(new)
    return data.replace(old, new)


def test_tampered_tbs_fails() -> None:
    ca = _cert("rfc9216/ca.rsa.crt")
    original = _cert("rfc9216/alice.sign.crt")
    tampered = Certificate.from_der(
        _replace_once(original.der, b"Alice Lovelace", b"Alice Lovelacf")
    )
    assert tampered.subject.common_name == "Alice Lovelacf"
    with pytest.raises(SignatureError):
        tampered.verify_issued_by(ca)
    # a self-signed root whose notBefore second changed no longer verifies itself
    validity = tlv.parse_one(ca.tbs_der, base_offset=ca.der.index(ca.tbs_der)).children()[4]
    not_before = validity.children()[0]
    pos = not_before.content_offset + not_before.content_length - 2  # last digit before "Z"
    changed = bytearray(ca.der)
    changed[pos] = ord("0") + (changed[pos] - ord("0") + 1) % 10
    tampered_root = Certificate.from_der(bytes(changed))
    assert tampered_root.not_before != ca.not_before
    assert tampered_root.is_self_issued and not tampered_root.is_self_signed
    assert ca.is_self_signed


def test_signature_algorithm_mismatch_is_flagged_and_fails() -> None:
    ca = _cert("rfc9216/ca.rsa.crt")
    alice = _cert("rfc9216/alice.sign.crt")
    sha512 = der.encode_oid("1.2.840.113549.1.1.13")
    sha256 = der.encode_oid("1.2.840.113549.1.1.11")
    # change only the outer signatureAlgorithm (the last occurrence)
    head, _, tail = alice.der.rpartition(sha512)
    swapped = Certificate.from_der(head + sha256 + tail)
    assert swapped.signature_algorithm != swapped.tbs_signature_algorithm
    assert any("4.1.1.2" in a for a in swapped.anomalies)
    with pytest.raises(SignatureError):
        swapped.verify_issued_by(ca)


def test_duplicate_extension_is_a_decode_error() -> None:
    cert = _cert("rfc9216/alice.sign.crt")
    ku = cert.extension("2.5.29.15")
    assert ku is not None
    elems = tlv.parse_one(cert.tbs_der).children()
    ext_wrapper = elems[-1]
    extensions = ext_wrapper.children()[0].children()
    doubled = der.explicit(3, der.sequence(*(e.raw for e in extensions), ku.to_der()))
    tbs = der.sequence(*(e.raw for e in elems[:-1]), doubled)
    outer = tlv.parse_one(cert.der).children()
    with pytest.raises(DecodeError, match="more than once"):
        Certificate.from_der(der.sequence(tbs, outer[1].raw, outer[2].raw))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30\x00",
        der.sequence(der.encode_int(1)),
        der.sequence(der.sequence(), der.sequence(), der.encode_bit_string(b"")),
        load_vector("rfc4134/CarlRSASelf.cer") + b"\x00",
    ],
)
def test_malformed_certificates(data: bytes) -> None:
    with pytest.raises(DecodeError):
        Certificate.from_der(data)


def test_unknown_version_is_refused() -> None:
    cert = _cert("rfc9216/alice.sign.crt")
    assert cert.der.count(b"\xa0\x03\x02\x01\x02") == 1
    bad = cert.der.replace(b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x07")
    with pytest.raises(DecodeError, match="version"):
        Certificate.from_der(bad)


def test_certificate_is_immutable() -> None:
    cert = _cert("rfc9216/alice.sign.crt")
    with pytest.raises(AttributeError):
        cert.serial_number = 1  # type: ignore[misc]


# -- hostile input ------------------------------------------------------------------------------

_SEEDS = [
    load_vector("rfc4134/DianeDSSSignByCarlInherit.cer"),
    load_vector("libksba/ed25519-rfc8410.crt"),
    _cert("johnny-fired/assets/certificates/manager@bigcorporation.crt").der,
]


def test_every_truncation_raises_a_decode_error_quickly() -> None:
    data = _SEEDS[0]
    start = time.perf_counter()
    for n in range(len(data)):
        with pytest.raises(DecodeError):
            Certificate.from_der(data[:n])
    assert time.perf_counter() - start < 10


@given(st.sampled_from(_SEEDS), st.data())
def test_bit_flips_raise_only_smime_errors(seed: bytes, data: st.DataObject) -> None:
    out = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(out) - 1))
        out[i] ^= 1 << data.draw(st.integers(0, 7))
    start = time.perf_counter()
    try:
        cert = Certificate.from_der(bytes(out))
    except SmimeError:
        return
    _touch_everything(cert)
    assert time.perf_counter() - start < 5


def test_parsing_is_fast() -> None:
    data = _SEEDS[2]
    start = time.perf_counter()
    for _ in range(200):
        Certificate.from_der(data)
    per_cert = (time.perf_counter() - start) / 200
    assert per_cert < 0.002, f"{per_cert * 1000:.2f} ms per certificate"


def test_key_usage_names_follow_rfc_5280() -> None:
    from smimelib.pki.extensions import KeyUsage

    assert KeyUsage.DIGITAL_SIGNATURE.rfc_name == "digitalSignature"
    assert KeyUsage.NON_REPUDIATION.rfc_name == "nonRepudiation"
    assert KeyUsage.KEY_CERT_SIGN.rfc_name == "keyCertSign"
    assert KeyUsage.CRL_SIGN.rfc_name == "cRLSign"
    assert KeyUsage.DECIPHER_ONLY.rfc_name == "decipherOnly"
