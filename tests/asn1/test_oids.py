"""OID names: known answers from the RFC ASN.1 modules, registry behaviour."""

from __future__ import annotations

import pytest

from smimelib.asn1 import der, oids
from smimelib.asn1.tlv import parse_one
from smimelib.errors import UsageError

# (dotted, name) pairs as the RFC modules define them
KNOWN = [
    ("1.2.840.113549.1.1.1", "rsaEncryption"),  # RFC 8017 appendix C
    ("1.2.840.113549.1.1.7", "id-RSAES-OAEP"),
    ("1.2.840.113549.1.1.8", "id-mgf1"),
    ("1.2.840.113549.1.1.9", "id-pSpecified"),
    ("1.2.840.113549.1.1.10", "id-RSASSA-PSS"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.5.12", "id-PBKDF2"),  # RFC 8018
    ("1.2.840.113549.1.5.13", "id-PBES2"),
    ("1.2.840.113549.1.5.3", "pbeWithMD5AndDES-CBC"),
    ("1.2.840.113549.2.9", "hmacWithSHA256"),
    ("1.2.840.113549.3.7", "des-ede3-cbc"),
    ("1.2.840.113549.3.2", "rc2-cbc"),
    ("1.3.14.3.2.7", "desCBC"),
    ("1.2.840.113549.1.7.2", "id-signedData"),  # RFC 5652 section 5.1
    ("1.2.840.113549.1.7.3", "id-envelopedData"),
    ("1.2.840.113549.1.9.3", "id-contentType"),  # RFC 5652 section 11
    ("1.2.840.113549.1.9.4", "id-messageDigest"),
    ("1.2.840.113549.1.9.5", "id-signingTime"),
    ("1.2.840.113549.1.9.6", "id-countersignature"),
    ("1.2.840.113549.1.9.15", "smimeCapabilities"),  # RFC 8551 2.5.2
    ("1.2.840.113549.1.9.20", "friendlyName"),
    ("1.2.840.113549.1.9.21", "localKeyId"),
    ("1.2.840.113549.1.9.22.1", "x509Certificate"),  # RFC 7292 4.2.3
    ("1.2.840.113549.1.9.52", "id-aa-CMSAlgorithmProtection"),  # RFC 6211
    ("1.2.840.113549.1.9.16.1.2", "id-ct-authData"),
    ("1.2.840.113549.1.9.16.1.9", "id-ct-compressedData"),  # RFC 3274
    ("1.2.840.113549.1.9.16.1.23", "id-ct-authEnvelopedData"),  # RFC 5083
    ("1.2.840.113549.1.9.16.2.1", "id-aa-receiptRequest"),  # RFC 2634
    ("1.2.840.113549.1.9.16.2.11", "id-aa-encrypKeyPref"),  # RFC 8551
    ("1.2.840.113549.1.9.16.2.12", "id-aa-signingCertificate"),
    ("1.2.840.113549.1.9.16.2.47", "id-aa-signingCertificateV2"),  # RFC 5035
    ("1.2.840.113549.1.9.16.3.8", "id-alg-zlibCompress"),
    ("1.2.840.113549.1.9.16.3.9", "id-alg-PWRI-KEK"),  # RFC 3211
    ("1.2.840.113549.1.9.16.3.18", "id-alg-AEADChaCha20Poly1305"),  # RFC 8103
    ("1.2.840.113549.1.9.16.3.19", "dhSinglePass-stdDH-hkdf-sha256-scheme"),  # RFC 8418
    ("1.2.840.113549.1.9.16.3.28", "id-alg-hkdf-with-sha256"),
    ("1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC"),  # RFC 7292 appendix C
    ("1.2.840.113549.1.12.1.6", "pbewithSHAAnd40BitRC2-CBC"),
    ("1.2.840.113549.1.12.10.1.2", "pkcs8ShroudedKeyBag"),
    ("2.16.840.1.101.3.4.1.2", "id-aes128-CBC"),  # RFC 3565
    ("2.16.840.1.101.3.4.1.45", "id-aes256-wrap"),
    ("2.16.840.1.101.3.4.1.46", "id-aes256-GCM"),  # RFC 5084
    ("2.16.840.1.101.3.4.1.27", "id-aes192-CCM"),
    ("2.16.840.1.101.3.4.1.48", "id-aes256-wrap-pad"),  # RFC 5649
    ("2.16.840.1.101.3.4.2.1", "sha256"),
    ("2.16.840.1.101.3.4.2.12", "shake256"),  # RFC 8702
    ("2.16.840.1.101.3.4.3.2", "id-dsa-with-sha256"),
    ("1.2.840.10040.4.3", "id-dsa-with-sha1"),
    ("1.2.840.10045.2.1", "id-ecPublicKey"),  # RFC 5480
    ("1.2.840.10045.3.1.7", "secp256r1"),
    ("1.3.132.0.34", "secp384r1"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.3.133.16.840.63.0.2", "dhSinglePass-stdDH-sha1kdf-scheme"),  # RFC 5753
    ("1.3.132.1.11.1", "dhSinglePass-stdDH-sha256kdf-scheme"),
    ("1.3.132.1.14.2", "dhSinglePass-cofactorDH-sha384kdf-scheme"),
    ("1.3.101.112", "id-Ed25519"),  # RFC 8410
    ("1.3.101.110", "id-X25519"),
    ("1.3.6.1.5.5.7.6.32", "id-ecdsa-with-shake128"),
    ("2.5.4.3", "id-at-commonName"),
    ("2.5.29.17", "id-ce-subjectAltName"),  # RFC 5280 4.2.1.6
    ("2.5.29.37.0", "anyExtendedKeyUsage"),
    ("2.5.29.32.0", "anyPolicy"),
    ("1.3.6.1.5.5.7.3.4", "id-kp-emailProtection"),
    ("1.3.6.1.5.5.7.48.2", "id-ad-caIssuers"),
    ("1.3.6.1.5.5.7.48.1.1", "id-pkix-ocsp-basic"),
    ("1.3.6.1.4.1.311.16.4", "microsoftEncryptionKeyPreference"),
]


@pytest.mark.parametrize(("dotted", "name"), KNOWN)
def test_known_names(dotted: str, name: str) -> None:
    assert oids.name_of(dotted) == name
    assert oids.oid_of(name) == dotted
    assert oids.describe(dotted) == f"{name} ({dotted})"


def test_contract_example() -> None:
    assert oids.describe("2.16.840.1.101.3.4.2.1") == "sha256 (2.16.840.1.101.3.4.2.1)"


def test_aliases_and_case() -> None:
    assert oids.oid_of("id-sha256") == oids.oid_of("SHA256") == "2.16.840.1.101.3.4.2.1"
    assert oids.oid_of("CN") == oids.oid_of("commonName") == "2.5.4.3"
    assert oids.oid_of("contentType") == "1.2.840.113549.1.9.3"
    assert oids.oid_of("smimeEncryptionKeyPreference") == "1.2.840.113549.1.9.16.2.11"
    assert oids.oid_of("id-aa-timeStampToken") == "1.2.840.113549.1.9.16.2.14"


def test_unknown() -> None:
    assert oids.name_of("1.2.3.4.5.6.7") == "1.2.3.4.5.6.7"
    assert oids.describe("1.2.3.4.5.6.7") == "1.2.3.4.5.6.7"
    with pytest.raises(UsageError):
        oids.oid_of("no-such-algorithm")


def test_register() -> None:
    oids.register("1.3.6.1.4.1.55555.1", "testOidPrimary")
    oids.register("1.3.6.1.4.1.55555.1", "testOidAlias")
    oids.register("1.3.6.1.4.1.55555.1", "testOidPrimary")  # idempotent
    assert oids.name_of("1.3.6.1.4.1.55555.1") == "testOidPrimary"
    assert oids.oid_of("testOidAlias") == "1.3.6.1.4.1.55555.1"
    with pytest.raises(UsageError, match="already names"):
        oids.register("1.3.6.1.4.1.55555.2", "testOidPrimary")
    for bad in ("1", "a.b", "1..2", ""):
        with pytest.raises(UsageError):
            oids.register(bad, "whatever")


def test_every_registered_oid_is_well_formed_and_round_trips() -> None:
    table = oids.names()
    assert len(table) > 350
    for dotted, name in table.items():
        assert parse_one(der.encode_oid(dotted)).as_oid() == dotted
        assert oids.oid_of(name) == dotted


def test_required_families_are_present() -> None:
    names = set(oids.names().values())
    required = {
        "id-RSASSA-PSS", "id-RSAES-OAEP", "id-mgf1", "id-pSpecified", "id-PBES2",
        "hmacWithSHA1", "hmacWithSHA224", "hmacWithSHA384", "hmacWithSHA512",
        "pbeWithSHA1AndRC2-CBC", "id-data", "id-digestedData", "id-encryptedData",
        "challengePassword", "emailAddress", "x509Crl", "sdsiCertificate",
        "keyBag", "certBag", "crlBag", "secretBag", "safeContentsBag",
        "pbeWithSHAAnd128BitRC4", "pbeWithSHAAnd40BitRC4", "pbeWithSHAAnd2-KeyTripleDES-CBC",
        "pbeWithSHAAnd128BitRC2-CBC", "sha224", "sha384", "sha512", "sha512-224", "sha512-256",
        "sha3-224", "sha3-256", "sha3-384", "sha3-512", "shake128", "sha1", "md5", "md2", "md4",
        "id-aes128-GCM", "id-aes128-CCM", "id-aes128-wrap", "id-aes128-wrap-pad",
        "id-aes192-CBC", "id-aes192-GCM", "id-aes192-wrap", "id-aes192-wrap-pad",
        "id-aes256-CBC", "id-aes256-CCM",
        "id-alg-hkdf-with-sha384", "id-alg-hkdf-with-sha512",
        "dhSinglePass-stdDH-sha224kdf-scheme", "dhSinglePass-stdDH-sha384kdf-scheme",
        "dhSinglePass-stdDH-sha512kdf-scheme", "dhSinglePass-cofactorDH-sha1kdf-scheme",
        "dhSinglePass-cofactorDH-sha224kdf-scheme", "dhSinglePass-cofactorDH-sha256kdf-scheme",
        "dhSinglePass-cofactorDH-sha512kdf-scheme",
        "ecdsa-with-SHA1", "ecdsa-with-SHA224", "ecdsa-with-SHA256", "ecdsa-with-SHA512",
        "id-ecdsa-with-sha3-256", "secp521r1", "secp256k1", "id-Ed448", "id-X448",
        "id-dsa", "id-dsa-with-sha224",
        "id-aa-securityLabel", "id-aa-mlExpandHistory", "id-aa-contentHint",
        "id-aa-contentReference", "id-aa-equivalentLabels", "id-aa-signatureTimeStampToken",
        "id-at-countryName", "id-at-organizationName", "id-at-organizationalUnitName",
        "id-at-localityName", "id-at-stateOrProvinceName", "id-at-streetAddress",
        "id-at-serialNumber", "id-at-title", "id-at-givenName", "id-at-surname",
        "id-at-initials", "id-at-pseudonym", "id-at-generationQualifier", "id-at-dnQualifier",
        "id-domainComponent", "id-uid",
        "id-ce-subjectKeyIdentifier", "id-ce-keyUsage", "id-ce-basicConstraints",
        "id-ce-authorityKeyIdentifier", "id-ce-extKeyUsage", "id-ce-cRLDistributionPoints",
        "id-ce-certificatePolicies", "id-ce-nameConstraints", "id-ce-policyConstraints",
        "id-ce-inhibitAnyPolicy", "id-pe-authorityInfoAccess", "id-pe-subjectInfoAccess",
        "id-kp-serverAuth", "id-kp-clientAuth", "id-kp-codeSigning", "id-kp-timeStamping",
        "id-kp-OCSPSigning", "id-qt-cps", "id-qt-unotice", "id-ad-ocsp",
        "id-pkix-ocsp-nonce", "id-ct-receipt", "id-ct-contentInfo", "id-ct-TSTInfo",
    }  # fmt: skip
    assert required <= names, sorted(required - names)
