"""PKCS#12 (RFC 7292): reading real files, writing OpenSSL-compatible ones, hostile input."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.asn1.tlv import Tag
from smimelib.crypto import pbe
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.crypto.keys import KeyType, PrivateKey
from smimelib.errors import (
    CertificateError,
    DecodeError,
    LimitExceeded,
    PasswordError,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import load_der_private_key, load_private_key
from smimelib.pki.pem import pem_blocks, pem_encode
from smimelib.pki.pkcs12 import PKCS12, load_pkcs12, write_pkcs12
from tests.peers import openssl
from tests.vectors import load_vector

#: (vector, password, first key type, keys, certificates, MAC) - passwords from vectors/README.md;
#: the asn1crypto files' password "password123" comes from asn1crypto's own test suite.
VECTORS = [
    ("rfc9216/alice.p12", "alice", "rsa", 2, 3, "HMAC-SHA1"),
    ("rfc9216/alice.p12.pem", "alice", "rsa", 2, 3, "HMAC-SHA1"),
    ("rfc9216/bob.p12", "bob", "rsa", 2, 3, "HMAC-SHA1"),
    ("rfc9216/bob.p12.pem", "bob", "rsa", 2, 3, "HMAC-SHA1"),
    ("rfc9216/carlos.p12", "carlos", "x25519", 2, 3, "HMAC-SHA1"),
    ("rfc9216/carlos.p12.pem", "carlos", "x25519", 2, 3, "HMAC-SHA1"),
    ("rfc9216/dana.p12", "dana", "x25519", 2, 3, "HMAC-SHA1"),
    ("rfc9216/dana.p12.pem", "dana", "x25519", 2, 3, "HMAC-SHA1"),
    ("header-protection/bob.p12", "bob", "rsa", 1, 2, "HMAC-SHA512"),
    ("header-protection/bob.p12.der", "bob", "rsa", 1, 2, "HMAC-SHA512"),
    ("heimdal/test.p12", "foobar", "rsa", 1, 2, "HMAC-SHA1"),
    ("heimdal/test-nopw.p12", "foobar", "rsa", 1, 2, "HMAC-SHA1"),
    ("rustcrypto/example.pfx", "hunter42", "rsa", 1, 1, "HMAC-SHA1"),
    ("bc/mail/johndoe.p12", "", "rsa", 1, 1, "HMAC-SHA1"),
    ("covert-content/assets/secret-keys/manager@bigcorporation.pfx", "test12345678", "rsa", 1, 2,
     "HMAC-SHA1"),
    ("openssl/pkcs12/v3-certs-RC2.p12", "v3-certs", None, 0, 2, "HMAC-SHA1"),
    ("openssl/pkcs12/v3-certs-TDES.p12", "v3-certs", None, 0, 2, "HMAC-SHA1"),
    ("asn1crypto/test-tripledes.p12", "password123", "rsa", 1, 1, "HMAC-SHA1"),
    ("asn1crypto/keys/test-rc2.p12", "password123", "rsa", 1, 1, "HMAC-SHA1"),
    ("mimekit/certificate-authority.pfx", "no.secret", "rsa", 1, 1, "HMAC-SHA1"),
    ("mimekit/dnsnames-smime.pfx", "no.secret", "rsa", 1, 4, "HMAC-SHA1"),
    ("mimekit/dsa-smime.pfx", "no.secret", "dsa", 1, 4, "HMAC-SHA1"),
    ("mimekit/intermediate1.pfx", "no.secret", "rsa", 1, 2, "HMAC-SHA1"),
    ("mimekit/intermediate2.pfx", "no.secret", "rsa", 1, 3, "HMAC-SHA1"),
    ("mimekit/nochain-smime.pfx", "no.secret", "rsa", 1, 1, "HMAC-SHA1"),
    ("mimekit/revoked-intermediate.pfx", "no.secret", "rsa", 1, 2, "HMAC-SHA1"),
    ("mimekit/revoked-smime.pfx", "no.secret", "rsa", 1, 4, "HMAC-SHA1"),
    ("mimekit/revokednochain-smime.pfx", "no.secret", "rsa", 1, 1, "HMAC-SHA1"),
    ("mimekit/revokedsubca-smime.pfx", "no.secret", "rsa", 1, 3, "HMAC-SHA1"),
    ("mimekit/rsa-smime.pfx", "no.secret", "rsa", 1, 4, "HMAC-SHA1"),
    ("pyca/pkcs12/cert-aes256cbc-no-key.p12", "cryptography", None, 0, 1, "HMAC-SHA1"),
    ("pyca/pkcs12/cert-key-aes256cbc.p12", "cryptography", "ec", 1, 1, "HMAC-SHA1"),
    ("pyca/pkcs12/cert-none-key-none.p12", "cryptography", "ec", 1, 1, "HMAC-SHA1"),
    ("pyca/pkcs12/cert-rc2-key-3des.p12", "cryptography", "ec", 1, 1, "HMAC-SHA1"),
    ("pyca/pkcs12/java-truststore.p12", None, None, 0, 2, "HMAC-SHA256"),
    ("pyca/pkcs12/no-cert-key-aes256cbc.p12", "cryptography", "ec", 1, 0, "HMAC-SHA1"),
    ("pyca/pkcs12/no-password.p12", None, "ec", 1, 1, "HMAC-SHA1"),
] + [
    (f"pyca/pkcs12/{prefix}{name}-{pw_kind}.p12", password, key, keys, certs, "HMAC-SHA1")
    for prefix, key, keys, certs in (("", "ec", 1, 3), ("no-cert-", None, 0, 2))
    for name in ("name-2", "name-3", "name-all", "name-unicode", "no-name")
    + (("name-1", "name-2-3") if not prefix else ())
    for pw_kind, password in (("pwd", "password"), ("no-pwd", None))
]  # fmt: skip

#: RFC 9579 appendix A.1: PBMAC1 with HMAC-SHA-256 and PBKDF2-HMAC-SHA-256, password "1234"
RFC9579_A1 = base64.b64decode(
    """
MIIKigIBAzCCCgUGCSqGSIb3DQEHAaCCCfYEggnyMIIJ7jCCBGIGCSqGSIb3DQEH
BqCCBFMwggRPAgEAMIIESAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqG
SIb3DQEFDDAcBAg9pxXxY2yscwICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQME
ASoEEK7yYaFQDi1pYwWzm9F/fs+AggPgFIT2XapyaFgDppdvLkdvaF3HXw+zjzKb
7xFC76DtVPhVTWVHD+kIss+jsj+XyvMwY0aCuAhAG/Dig+vzWomnsqB5ssw5/kTb
+TMQ5PXLkNeoBmB6ArKeGc/QmCBQvQG/a6b+nXSWmxNpP+71772dmWmB8gcSJ0kF
Fj75NrIbmNiDMCb71Q8gOzBMFf6BpXf/3xWAJtxyic+tSNETfOJa8zTZb0+lV0w9
5eUmDrPUpuxEVbb0KJtIc63gRkcfrPtDd6Ii4Zzbzj2Evr4/S4hnrQBsiryVzJWy
IEjaD0y6+DmG0JwMgRuGi1wBoGowi37GMrDCOyOZWC4n5wHLtYyhR6JaElxbrhxP
H46z2USLKmZoF+YgEQgYcSBXMgP0t36+XQocFWYi2N5niy02TnctwF430FYsQlhJ
Suma4I33E808dJuMv8T/soF66HsD4Zj46hOf4nWmas7IaoSAbGKXgIa7KhGRJvij
xM3WOX0aqNi/8bhnxSA7fCmIy/7opyx5UYJFWGBSmHP1pBHBVmx7Ad8SAsB9MSsh
nbGjGiUk4h0QcOi29/M9WwFlo4urePyI8PK2qtVAmpD3rTLlsmgzguZ69L0Q/CFU
fbtqsMF0bgEuh8cfivd1DYFABEt1gypuwCUtCqQ7AXK2nQqOjsQCxVz9i9K8NDeD
aau98VAl0To2sk3/VR/QUq0PRwU1jPN5BzUevhE7SOy/ImuJKwpGqqFljYdrQmj5
jDe+LmYH9QGVRlfN8zuU+48FY8CAoeBeHn5AAPml0PYPVUnt3/jQN1+v+CahNVI+
La8q1Nen+j1R44aa2I3y/pUgtzXRwK+tPrxTQbG030EU51LYJn8amPWmn3w75ZIA
MJrXWeKj44de7u4zdUsEBVC2uM44rIHM8MFjyYAwYsey0rcp0emsaxzar+7ZA67r
lDoXvvS3NqsnTXHcn3T9tkPRoee6L7Dh3x4Od96lcRwgdYT5BwyH7e34ld4VTUmJ
bDEq7Ijvn4JKrwQJh1RCC+Z/ObfkC42xAm7G010u3g08xB0Qujpdg4a7VcuWrywF
c7hLNquuaF4qoDaVwYXHH3iuX6YlJ/3siTKbYCVXPEZOAMBP9lF/OU76UMJBQNfU
0xjDx+3AhUVgnGuCsmYlK6ETDp8qOZKGyV0KrNSGtqLx3uMhd7PETeW+ML3tDQ/0
X9fMkcZHi4C2fXnoHV/qa2dGhBj4jjQ0Xh1poU6mxGn2Mebe2hDsBZkkBpnn7pK4
wP/VqXdQTwqEuvzGHLVFsCuADe40ZFBmtBrf70wG7ZkO8SUZ8Zz1IX3+S024g7yj
QRev/6x6TtkwggWEBgkqhkiG9w0BBwGgggV1BIIFcTCCBW0wggVpBgsqhkiG9w0B
DAoBAqCCBTEwggUtMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhTxzw+
VptrYAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEK9nSqc1I2t4tMVG
bWHpdtQEggTQzCwI7j34gCTvfj6nuOSndAjShGv7mN2j7WMV0pslTpq2b9Bn3vn1
Y0JMvL4E7sLrUzNU02pdOcfCnEpMFccNv2sQrLp1mOCKxu8OjSqHZLoKVL0ROVsZ
8dMECLLigDlPKRiSyLErl14tErX4/zbkUaWMROO28kFbTbubQ8YoHlRUwsKW1xLg
vfi0gRkG/zHXRfQHjX/8NStv7hXlehn7/Gy2EKPsRFhadm/iUHAfmCMkMgHTU248
JER9+nsXltd59H+IeDpj/kbxZ+YvHow9XUZKu828d3MQnUpLZ1BfJGhMBPVwbVUD
A40CiQBVdCoGtPJyalL28xoS3H0ILFCnwQOr6u0HwleNJPGHq78HUyH6Hwxnh0b0
5o163r6wTFZn5cMOxpbs/Ttd+3TrxmrYpd2XnuRme3cnaYJ0ILvpc/8eLLR7SKjD
T4JhZ0h/CfcV2WWvhpQugkY0pWrZ+EIMneB1dZB96mJVLxOi148OeSgi0PsxZMNi
YM33rTpwQT5WqOsEyDwUQpne5b8Kkt/s7EN0LJNnPyJJRL1LcqOdr6j+6YqRtPa7
a9oWJqMcuTP+bqzGRJh+3HDlFBw2Yzp9iadv4KmB2MzhStLUoi2MSjvnnkkd5Led
sshAd6WbKfF7kLAHQHT4Ai6dMEO4EKkEVF9JBtxCR4JEn6C98Lpg+Lk+rfY7gHOf
ZxtgGURwgXRY3aLUrdT55ZKgk3ExVKPzi5EhdpAau7JKhpOwyKozAp/OKWMNrz6h
obu2Mbn1B+IA60psYHHxynBgsJHv7WQmbYh8HyGfHgVvaA8pZCYqxxjpLjSJrR8B
Bu9H9xkTh7KlhxgreXYv19uAYbUd95kcox9izad6VPnovgFSb+Omdy6PJACPj6hF
W6PJbucP0YPpO0VtWtQdZZ3df1P0hZ7qvKwOPFA+gKZSckgqASfygiP9V3Zc8jIi
wjNzoDM2QT+UUJKiiGYXJUEOO9hxzFHlGj759DcNRhpgl5AgR57ofISD9yBuCAJY
PQ/aZHPFuRTrcVG3RaIbCAS73nEznKyFaLOXfzyfyaSmyhsH253tnyL1MejC+2bR
Eko/yldgFUxvU5JI+Q3KJ6Awj+PnduHXx71E4UwSuu2xXYMpxnQwI6rroQpZBX82
HhqgcLV83P8lpzQwPdHjH5zkoxmWdC0+jU/tcQfNXYpJdyoaX7tDmVclLhwl9ps/
O841pIsNLJWXwvxG6B+3LN/kw4QjwN194PopiOD7+oDm5mhttO78CrBrRxHMD/0Q
qniZjKzSZepxlZq+J792u8vtMnuzzChxu0Bf3PhIXcJNcVhwUtr0yKe/N+NvC0tm
p8wyik/BlndxN9eKbdTOi2wIi64h2QG8nOk66wQ/PSIJYwZl6eDNEQSzH/1mGCfU
QnUT17UC/p+Qgenf6Auap2GWlvsJrB7u/pytz65rtjt/ouo6Ih6EwWqwVVpGXZD0
7gVWH0Ke/Vr6aPGNvkLcmftPuDZsn9jiig3guhdeyRVf10Ox369kKWcG75q77hxE
IzSzDyUlBNbnom9SIjut3r+qVYmWONatC6q/4D0I42Lnjd3dEyZx7jmH3g/S2ASM
FzWr9pvXc61dsYOkdZ4PYa9XPUZxXFagZsoS3F1sU799+IJVU0tC0MExJTAjBgkq
hkiG9w0BCRUxFgQUwWO5DorvVWYF3BWUmAw0rUEajScwfDBtMEkGCSqGSIb3DQEF
DjA8MCwGCSqGSIb3DQEFDDAfBAhvRzw4sC4xcwICCAACASAwDAYIKoZIhvcNAgkF
ADAMBggqhkiG9w0CCQUABCB6pW2FOdcCNj87zS64NUXG36K5aXDnFHctIk5Bf4kG
3QQITk9UIFVTRUQCAQE=
"""
)

#: keys much cheaper to derive than the default, for files the tests write
FAST = 2048
#: hostile inputs may not spend more than this on one key derivation
SMALL_POLICY = Policy(allow_weak=True, allow_legacy=True, max_pbkdf2_iterations=20_000)


def _with_mac(infos: list[bytes], bmp_password: bytes, iterations: int = FAST) -> bytes:
    """A PFX over the given AuthenticatedSafe ContentInfos, MACed with HMAC-SHA-256 keyed by
    the RFC 7292 appendix B derivation of ``bmp_password`` (already in its BMPString form)."""
    auth_safe = der.sequence(*infos)
    salt = b"saltsalt"
    key = pbe.pkcs12_kdf("sha256", bmp_password, salt, 3, iterations, 32)
    mac_data = der.sequence(
        der.sequence(
            AlgorithmIdentifier("2.16.840.1.101.3.4.2.1", NULL).to_der(),
            der.encode_octets(hmac.new(key, auth_safe, "sha256").digest()),
        ),
        der.encode_octets(salt),
        der.encode_int(iterations),
    )
    info = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.1"), der.explicit(0, der.encode_octets(auth_safe))
    )
    return der.sequence(der.encode_int(3), info, mac_data)


def _content_infos(data: bytes) -> list[bytes]:
    """The AuthenticatedSafe ContentInfos of a DER PFX."""
    auth_safe = tlv.parse_one(data).children()[1].children()[1].children()[0].as_octets()
    return [info.raw for info in tlv.parse_one(auth_safe).children()]


def _load(name: str, password: bytes | str | None) -> PKCS12:
    return load_pkcs12(load_vector(name), password)


def _certificates(p12: PKCS12) -> list[Certificate]:
    return ([p12.certificate] if p12.certificate else []) + list(p12.additional_certificates)


@pytest.fixture(scope="module")
def alice() -> Identity:
    """RFC 9216 Alice: RSA-2048 signing key, its certificate and the RSA CA."""
    key = load_private_key(load_vector("rfc9216/alice.sign.key"))
    cert = Certificate.from_pem(load_vector("rfc9216/alice.sign.crt"))
    return Identity(key, cert, (Certificate.from_pem(load_vector("rfc9216/ca.rsa.crt")),))


@pytest.fixture(scope="module")
def carlos() -> Identity:
    """RFC 9216 Carlos: Ed25519 signing key, its certificate and the Ed25519 CA."""
    key = load_private_key(load_vector("rfc9216/carlos.sign.key"))
    cert = Certificate.from_pem(load_vector("rfc9216/carlos.sign.crt"))
    return Identity(key, cert, (Certificate.from_pem(load_vector("rfc9216/ca.25519.crt")),))


@pytest.fixture(scope="module")
def p256() -> Identity:
    """pyca's P-256 "cryptography CA" (self-signed)."""
    key = load_private_key(load_vector("pyca/x509-custom-ca/ca_key.pem"))
    return Identity(key, Certificate.from_pem(load_vector("pyca/x509-custom-ca/ca.pem")))


# -- reading the vectors -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "password", "key_type", "keys", "certs", "mac"), VECTORS)
def test_vectors_load(
    name: str, password: str | None, key_type: str | None, keys: int, certs: int, mac: str
) -> None:
    p12 = _load(name, password)
    assert (p12.key.type.value if p12.key else None) == key_type
    assert len(p12.entries) == keys
    assert len(_certificates(p12)) == certs
    assert p12.mac_algorithm == mac
    assert p12.integrity_protected
    for entry in p12.entries:
        if entry.certificate is not None:
            assert entry.certificate.public_key == entry.key.public_key()
    if p12.key is not None and name != "pyca/pkcs12/no-cert-key-aes256cbc.p12":
        assert p12.certificate is not None
        assert p12.certificate.public_key == p12.key.public_key()
        assert p12.identity().key == p12.key


def test_pem_armour_gives_the_same_contents() -> None:
    der_p12 = _load("header-protection/bob.p12.der", "bob")
    pem_p12 = _load("header-protection/bob.p12", "bob")
    assert load_vector("header-protection/bob.p12").startswith(b"-----BEGIN PKCS12-----")
    assert pem_p12.certificate == der_p12.certificate
    assert pem_p12.key == der_p12.key
    assert pem_p12.additional_certificates == der_p12.additional_certificates


def test_rfc9216_alice_holds_signing_and_encryption_keys() -> None:
    p12 = _load("rfc9216/alice.p12", "alice")
    sign = Certificate.from_pem(load_vector("rfc9216/alice.sign.crt"))
    encrypt = Certificate.from_pem(load_vector("rfc9216/alice.encrypt.crt"))
    # RFC 9216 section 4.5 ships the RSA CA cross-signed by the Ed25519 CA.
    ca = Certificate.from_pem(load_vector("rfc9216/ca.rsa.cross.crt"))
    assert {e.certificate for e in p12.entries} == {sign, encrypt}
    # The first key bag of the file holds the decryption key.
    assert p12.key == load_private_key(load_vector("rfc9216/alice.decrypt.key"))
    assert p12.certificate == encrypt
    assert p12.friendly_name == "alice"
    # The chain of each identity is the CA, never the other key's certificate.
    for identity in p12.identities():
        assert identity.chain == (ca,)
    assert len(p12.identities()) == 2
    assert p12.encryption_algorithms == ("pbeWithSHAAnd3-KeyTripleDES-CBC",)
    assert p12.mac_iterations == 10240


def test_carlos_keys_pair_with_their_certificates_by_local_key_id() -> None:
    p12 = _load("rfc9216/carlos.p12", "carlos")
    by_type = {e.key.type: e for e in p12.entries}
    assert set(by_type) == {KeyType.X25519, KeyType.ED25519}
    assert by_type[KeyType.ED25519].certificate == Certificate.from_pem(
        load_vector("rfc9216/carlos.sign.crt")
    )
    assert by_type[KeyType.X25519].certificate == Certificate.from_pem(
        load_vector("rfc9216/carlos.encrypt.crt")
    )
    assert all(e.local_key_id is not None and len(e.local_key_id) == 20 for e in p12.entries)
    # OpenSSL's choice too: the first key bag of the file is the key.
    assert p12.key is p12.entries[0].key


def test_certificates_only_files() -> None:
    p12 = _load("openssl/pkcs12/v3-certs-TDES.p12", "v3-certs")
    assert p12.key is None and p12.certificate is None
    assert len(p12.additional_certificates) == 2
    with pytest.raises(CertificateError, match="no private key"):
        p12.identity()
    assert p12.identities() == ()


def test_key_without_certificate_is_reported() -> None:
    p12 = _load("pyca/pkcs12/no-cert-key-aes256cbc.p12", "cryptography")
    assert p12.key is not None and p12.certificate is None
    assert "unmatched-key" in {f.code for f in p12.findings}
    with pytest.raises(CertificateError, match="matches"):
        p12.identity()


def test_friendly_names_and_bags() -> None:
    p12 = _load("pyca/pkcs12/name-unicode-pwd.p12", "password")
    assert p12.friendly_name == "☺"
    names = {b.name for b in p12.bags}
    assert names == {"certBag", "pkcs8ShroudedKeyBag"}
    key_bag = next(b for b in p12.bags if b.name == "pkcs8ShroudedKeyBag")
    assert key_bag.protection == "pbeWithSHAAnd3-KeyTripleDES-CBC"
    assert key_bag.friendly_name == "☺"
    truststore = _load("pyca/pkcs12/java-truststore.p12", None)
    assert truststore.friendly_name == "cert1"
    attrs = {a.name for b in truststore.bags for a in b.attributes}
    assert "friendlyName" in attrs
    assert "oracleTrustedKeyUsage" in attrs  # Java's trusted-certificate marker, kept raw
    assert all(b.value_type == "1.2.840.113549.1.9.22.1" for b in truststore.bags)


def test_local_key_id_attribute_is_reported() -> None:
    p12 = _load("heimdal/test.p12", "foobar")
    key_bag = next(b for b in p12.bags if b.bag_id.endswith(".10.1.2"))
    cert_bags = [b for b in p12.bags if b.name == "certBag"]
    assert key_bag.local_key_id is not None
    assert key_bag.local_key_id in {b.local_key_id for b in cert_bags}
    assert {a.oid for a in key_bag.attributes} >= {"1.2.840.113549.1.9.21"}


# -- protection and findings ---------------------------------------------------------------------
def test_openssl_1_1_layout_is_reported_as_legacy() -> None:
    p12 = _load("pyca/pkcs12/cert-rc2-key-3des.p12", "cryptography")
    assert p12.encryption_algorithms == (
        "pbeWithSHAAnd40BitRC2-CBC",
        "pbeWithSHAAnd3-KeyTripleDES-CBC",
    )
    codes = {f.code for f in p12.findings}
    assert {"legacy-mac", "weak-encryption", "legacy-encryption"} <= codes
    assert p12.weak
    assert set(p12.weak_algorithms) == {
        "HMAC-SHA1",
        "pbeWithSHAAnd40BitRC2-CBC",
        "pbeWithSHAAnd3-KeyTripleDES-CBC",
    }


def test_rc2_40_for_key_and_certificates() -> None:
    p12 = _load("rustcrypto/example.pfx", "hunter42")
    assert p12.encryption_algorithms == ("pbeWithSHAAnd40BitRC2-CBC",)
    key_bag = next(b for b in p12.bags if b.name == "pkcs8ShroudedKeyBag")
    assert key_bag.protection == "pbeWithSHAAnd40BitRC2-CBC"


def test_pbes2_names_and_iterations() -> None:
    p12 = _load("pyca/pkcs12/cert-key-aes256cbc.p12", "cryptography")
    assert p12.encryption_algorithms == ("PBES2/PBKDF2-HMAC-SHA1/AES-256-CBC",)
    assert "hmacWithSHA1" in " ".join(f.message for f in p12.findings)


def test_unencrypted_key_bag_and_no_mac_findings(p256: Identity) -> None:
    heimdal = _load("heimdal/test-nopw.p12", "foobar")
    assert "unencrypted-key" in {f.code for f in heimdal.findings}
    assert heimdal.encryption_algorithms == ()
    data = write_pkcs12(p256.key, p256.certificate, password=None)
    plain = load_pkcs12(data, None)
    assert not plain.integrity_protected
    assert plain.mac_algorithm is None and plain.mac_iterations is None
    assert {"no-integrity", "unencrypted-key", "empty-password"} <= {f.code for f in plain.findings}
    assert any(f.rfc == "RFC 7292 section 4" for f in plain.findings)


def test_low_mac_iteration_count_is_reported() -> None:
    p12 = _load("pyca/pkcs12/name-1-pwd.p12", "password")
    assert p12.mac_iterations == 1
    assert "low-iterations" in {f.code for f in p12.findings}


def test_strict_policy_refuses_legacy_protection() -> None:
    data = load_vector("rfc9216/bob.p12")
    with pytest.raises(PolicyError, match="HMAC-SHA1"):
        load_pkcs12(data, "bob", policy=DEFAULT_POLICY)
    # A SHA-512 MAC passes; the 3DES bags are then refused by the PBE policy.
    with pytest.raises(PolicyError, match="TripleDES"):
        load_pkcs12(load_vector("header-protection/bob.p12.der"), "bob", policy=DEFAULT_POLICY)


def test_modern_files_pass_the_strict_policy(alice: Identity) -> None:
    data = write_pkcs12(alice.key, alice.certificate, password="pw", iterations=FAST)
    p12 = load_pkcs12(data, "pw", policy=DEFAULT_POLICY)
    assert not p12.weak
    assert p12.findings == ()


# -- passwords -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("rfc9216/alice.p12", "bob"),
        ("pyca/pkcs12/cert-key-aes256cbc.p12", ""),
        ("bc/mail/johndoe.p12", "x"),
        ("pyca/pkcs12/name-2-no-pwd.p12", "password"),
    ],
)
def test_wrong_password(name: str, wrong: str) -> None:
    with pytest.raises(PasswordError, match=r"wrong password for the PKCS#12 file \(MAC check"):
        _load(name, wrong)


def test_empty_password_has_two_encodings() -> None:
    """OpenSSL writes "" as the empty BMPString (00 00); pyca's files use no octets at all."""
    for password in (None, "", b""):
        assert _load("bc/mail/johndoe.p12", password).key is not None
        assert _load("pyca/pkcs12/no-password.p12", password).key is not None


def test_password_as_bytes_or_text() -> None:
    assert _load("heimdal/test.p12", b"foobar").key == _load("heimdal/test.p12", "foobar").key
    with pytest.raises(UsageError):
        load_pkcs12(load_vector("heimdal/test.p12"), 1234)  # type: ignore[arg-type]


def test_unicode_password_round_trip(p256: Identity) -> None:
    password = "pässwörd ☺"
    data = write_pkcs12(p256.key, p256.certificate, password=password, iterations=FAST)
    assert load_pkcs12(data, password).key == p256.key
    assert load_pkcs12(data, password.encode("utf-8")).key == p256.key
    with pytest.raises(PasswordError):
        load_pkcs12(data, "passwort ☺")


def test_openssl_1_0_password_encoding_is_accepted_and_reported(p256: Identity) -> None:
    """Before 1.1.0 OpenSSL widened each byte of the UTF-8 password into one BMP code unit."""
    password = "grüße"
    plain = write_pkcs12(p256.key, p256.certificate, password=None)
    widened = password.encode("utf-8").decode("latin-1").encode("utf-16-be") + b"\x00\x00"
    data = _with_mac(_content_infos(plain), widened)
    p12 = load_pkcs12(data, password)
    assert p12.key == p256.key
    assert "legacy-password-encoding" in {f.code for f in p12.findings}
    with pytest.raises(PasswordError):
        load_pkcs12(data, "grusse")


def test_file_without_mac_and_wrong_password(p256: Identity) -> None:
    good = write_pkcs12(p256.key, p256.certificate, password="right", iterations=FAST)
    # Rebuild the PFX without its MacData: only decryption can notice the wrong password.
    pfx = tlv.parse_one(good)
    no_mac = der.sequence(der.encode_int(3), pfx.children()[1].raw)
    assert load_pkcs12(no_mac, "right").key == p256.key
    with pytest.raises(PasswordError, match="has no MAC"):
        load_pkcs12(no_mac, "wrong")


def test_mac_is_checked_before_anything_is_decrypted(
    p256: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_pkcs12(p256.key, p256.certificate, password="right", iterations=FAST)

    def must_not_run(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decryption attempted before the MAC verified")

    monkeypatch.setattr(pbe, "pbe_decrypt", must_not_run)
    with pytest.raises(PasswordError, match="MAC check failed"):
        load_pkcs12(data, "wrong")


def test_privacy_password_differing_from_the_integrity_password(p256: Identity) -> None:
    """RFC 7292 allows two passwords; we use one, so such a file is a password error."""
    written = write_pkcs12(p256.key, p256.certificate, password="privacy", iterations=FAST)
    integrity = "integrity".encode("utf-16-be") + b"\x00\x00"
    data = _with_mac(_content_infos(written), integrity)
    with pytest.raises(PasswordError, match="different privacy password"):
        load_pkcs12(data, "integrity")


# -- PBMAC1 (RFC 9579) ---------------------------------------------------------------------------
def test_rfc9579_pbmac1_vector() -> None:
    p12 = load_pkcs12(RFC9579_A1, "1234")
    assert p12.mac_algorithm == "PBMAC1/PBKDF2-HMAC-SHA256/HMAC-SHA256"
    assert p12.mac_iterations == 2048
    assert p12.encryption_algorithms == ("PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",)
    assert p12.key is not None and p12.certificate is not None
    assert p12.certificate.public_key == p12.key.public_key()
    with pytest.raises(PasswordError):
        load_pkcs12(RFC9579_A1, "12345")


def test_rfc9579_pbmac1_invalid_variants() -> None:
    # RFC 9579 A.4: a changed PBKDF2 iteration count (2048 -> 2049) must fail the MAC.
    params = bytes.fromhex("0408 6f473c38b02e3173 02020800 020120".replace(" ", ""))
    assert RFC9579_A1.count(params) == 1
    changed = RFC9579_A1.replace(params, params.replace(b"\x02\x02\x08\x00", b"\x02\x02\x08\x01"))
    with pytest.raises(PasswordError):
        load_pkcs12(changed, "1234")
    # RFC 9579 A.6: PBKDF2-params without keyLength must be rejected.
    pfx = tlv.parse_one(RFC9579_A1)
    version, auth_safe, mac_data = pfx.children()
    digest_info, salt, iterations = mac_data.children()
    algorithm, value = digest_info.children()
    prf = der.sequence(der.encode_oid("1.2.840.113549.2.9"), NULL)
    kdf = der.sequence(
        der.encode_oid("1.2.840.113549.1.5.12"),
        der.sequence(
            der.encode_octets(bytes.fromhex("6f473c38b02e3173")), der.encode_int(2048), prf
        ),
    )
    pbmac1 = der.sequence(der.encode_oid("1.2.840.113549.1.5.14"), der.sequence(kdf, prf))
    broken_mac = der.sequence(der.sequence(pbmac1, value.raw), salt.raw, iterations.raw)
    broken = der.sequence(version.raw, auth_safe.raw, broken_mac)
    assert algorithm.raw != pbmac1
    with pytest.raises(DecodeError, match="keyLength"):
        load_pkcs12(broken, "1234")


# -- writing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["alice", "carlos", "p256"])
def test_write_then_read(who: str, request: pytest.FixtureRequest) -> None:
    identity: Identity = request.getfixturevalue(who)
    data = write_pkcs12(
        identity.key,
        identity.certificate,
        identity.chain,
        password="secret",
        friendly_name="Me",
        iterations=FAST,
    )
    p12 = load_pkcs12(data, "secret")
    assert p12.key == identity.key
    assert p12.certificate == identity.certificate
    assert p12.additional_certificates == identity.chain
    assert p12.friendly_name == "Me"
    assert p12.mac_algorithm == "HMAC-SHA256"
    assert p12.mac_iterations == FAST
    assert p12.encryption_algorithms == ("PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",)
    assert not p12.weak
    local_key_id = hashlib.sha1(identity.certificate.der).digest()
    assert p12.entries[0].local_key_id == local_key_id
    assert [b.local_key_id for b in p12.bags] == [local_key_id] + [None] * len(identity.chain) + [
        local_key_id
    ]
    round_trip = p12.identity()
    assert (round_trip.key, round_trip.certificate, round_trip.chain) == (
        identity.key,
        identity.certificate,
        identity.chain,
    )


def test_write_layout_is_openssl_3s() -> None:
    key = load_private_key(load_vector("pyca/x509-custom-ca/ca_key.pem"))
    cert = Certificate.from_pem(load_vector("pyca/x509-custom-ca/ca.pem"))
    data = write_pkcs12(key, cert, password="pw", iterations=FAST, mac="sha512")
    pfx = tlv.parse_one(data)
    assert tlv.is_der(data)
    version, auth_safe_info, mac_data = pfx.children()
    assert version.as_int() == 3
    infos = tlv.parse_one(auth_safe_info.children()[1].children()[0].as_octets()).children()
    # certificates in an EncryptedData, the shrouded key in plain data: as OpenSSL 3
    assert [i.children()[0].as_oid() for i in infos] == [
        "1.2.840.113549.1.7.6",
        "1.2.840.113549.1.7.1",
    ]
    digest_info, salt, iterations = mac_data.children()
    assert AlgorithmIdentifier.from_element(digest_info.children()[0]) == AlgorithmIdentifier(
        "2.16.840.1.101.3.4.2.3", NULL
    )
    assert len(salt.as_octets()) == 16
    assert iterations.as_int() == FAST
    assert load_pkcs12(data, "pw").mac_algorithm == "HMAC-SHA512"


def test_default_iterations_are_600000(p256: Identity, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = pbe.pbes2_encrypt

    def spy(password: bytes, data: bytes, **kwargs: object) -> tuple[AlgorithmIdentifier, bytes]:
        seen.append(int(kwargs["iterations"]))  # type: ignore[call-overload]
        return real(password, data, **{**kwargs, "iterations": FAST})  # type: ignore[arg-type]

    monkeypatch.setattr(pbe, "pbes2_encrypt", spy)
    data = write_pkcs12(p256.key, p256.certificate, password="pw", mac_iterations=FAST)
    assert seen == [600_000, 600_000]
    assert load_pkcs12(data, "pw").mac_iterations == FAST


def test_write_key_only_and_certificates_only(p256: Identity, alice: Identity) -> None:
    key_only = load_pkcs12(write_pkcs12(p256.key, None, password="pw", iterations=FAST), "pw")
    assert key_only.key == p256.key and key_only.certificate is None
    certs_only = load_pkcs12(
        write_pkcs12(None, None, [alice.certificate, *alice.chain], password="pw", iterations=FAST),
        "pw",
    )
    assert certs_only.key is None
    assert certs_only.additional_certificates == (alice.certificate, *alice.chain)


def test_write_empty_password_uses_the_bmp_encoding(p256: Identity) -> None:
    data = write_pkcs12(p256.key, p256.certificate, password="", iterations=FAST)
    for password in (None, "", b""):
        assert load_pkcs12(data, password).key == p256.key


def test_write_refuses_bad_arguments(alice: Identity, p256: Identity) -> None:
    with pytest.raises(CertificateError, match="does not belong"):
        write_pkcs12(alice.key, p256.certificate, password="pw", iterations=FAST)
    with pytest.raises(UsageError, match="needs a key"):
        write_pkcs12(None, None, password="pw")
    with pytest.raises(UsageError, match="mac must be"):
        write_pkcs12(p256.key, p256.certificate, password="pw", mac="sha1")
    with pytest.raises(UsageError, match="iteration"):
        write_pkcs12(p256.key, p256.certificate, password="pw", iterations=0)
    with pytest.raises(UsageError):
        write_pkcs12(p256.key, p256.certificate, password="pw", friendly_name="\U0001f600")
    with pytest.raises(UsageError):
        write_pkcs12(p256.key, b"not a cert", password="pw")  # type: ignore[arg-type]


# -- hand-built structures -----------------------------------------------------------------------
def _bag(bag_id: str, value: bytes, attributes: bytes = b"") -> bytes:
    return der.sequence(der.encode_oid(bag_id), der.explicit(0, value), attributes)


def _pfx(*safes: bytes, version: int = 3, content_type: str = "1.2.840.113549.1.7.1") -> bytes:
    """An unprotected PFX whose AuthenticatedSafe holds plain SafeContents."""
    infos = [
        der.sequence(
            der.encode_oid("1.2.840.113549.1.7.1"), der.explicit(0, der.encode_octets(safe))
        )
        for safe in safes
    ]
    auth_safe = der.sequence(*infos)
    info = der.sequence(der.encode_oid(content_type), der.explicit(0, der.encode_octets(auth_safe)))
    return der.sequence(der.encode_int(version), info)


def _ber_octets(payload: bytes, chunk: int = 100) -> bytes:
    """A constructed, indefinite-length OCTET STRING in ``chunk``-octet segments (X.690 8.7.3)."""
    segments = [der.encode_octets(payload[i : i + chunk]) for i in range(0, len(payload), chunk)]
    return der.encode_indefinite(Tag.OCTET_STRING.with_constructed(True), *segments)


def test_ber_indefinite_lengths_as_windows_writes(alice: Identity) -> None:
    """Windows and Java write the PFX with indefinite lengths and chunked OCTET STRINGs."""
    written = write_pkcs12(
        alice.key, alice.certificate, alice.chain, password="pw", iterations=FAST
    )
    version, info, mac_data = tlv.parse_one(written).children()
    auth_safe = info.children()[1].children()[0].as_octets()
    ber_info = der.encode_indefinite(
        Tag.SEQUENCE,
        der.encode_oid("1.2.840.113549.1.7.1"),
        der.encode_indefinite(Tag.context(0), _ber_octets(auth_safe)),
    )
    ber = der.encode_indefinite(Tag.SEQUENCE, version.raw, ber_info, mac_data.raw)
    assert not tlv.is_der(ber)
    p12 = load_pkcs12(ber, "pw")
    assert (p12.key, p12.certificate, p12.additional_certificates) == (
        alice.key,
        alice.certificate,
        alice.chain,
    )
    # Inside the MACed octets too: indefinite ContentInfos and a chunked encryptedContent.
    infos = []
    for raw in _content_infos(written):
        oid, content = tlv.parse_one(raw).children()
        inner = content.children()[0]
        if oid.as_oid() == "1.2.840.113549.1.7.1":
            body = _ber_octets(inner.as_octets())
        else:
            enc_version, eci = inner.children()
            content_type, algorithm, ciphertext = eci.children()
            chunked = der.encode_indefinite(
                Tag.context(0),
                *(der.encode_octets(c) for c in (ciphertext.content[:50], ciphertext.content[50:])),
            )
            body = der.encode_indefinite(
                Tag.SEQUENCE,
                enc_version.raw,
                der.encode_indefinite(Tag.SEQUENCE, content_type.raw, algorithm.raw, chunked),
            )
        infos.append(
            der.encode_indefinite(
                Tag.SEQUENCE, oid.raw, der.encode_indefinite(Tag.context(0), body)
            )
        )
    p12 = load_pkcs12(_with_mac(infos, "pw".encode("utf-16-be") + b"\x00\x00"), "pw")
    assert (p12.key, p12.certificate) == (alice.key, alice.certificate)


def test_crl_secret_and_nested_bags_are_kept(p256: Identity) -> None:
    cert_bag = der.sequence(
        der.encode_oid("1.2.840.113549.1.9.22.1"),
        der.explicit(0, der.encode_octets(p256.certificate.der)),
    )
    crl_bag = der.sequence(
        der.encode_oid("1.2.840.113549.1.9.23.1"), der.explicit(0, der.encode_octets(b"crl"))
    )
    secret_bag = der.sequence(der.encode_oid("1.2.3.4"), der.explicit(0, der.encode_octets(b"k")))
    nested = der.sequence(_bag("1.2.840.113549.1.12.10.1.3", cert_bag))
    safe = der.sequence(
        _bag("1.2.840.113549.1.12.10.1.4", crl_bag),
        _bag("1.2.840.113549.1.12.10.1.5", secret_bag),
        _bag("1.2.840.113549.1.12.10.1.6", nested),
        _bag("1.2.3.99", der.encode_null()),
    )
    p12 = load_pkcs12(_pfx(safe), None)
    assert [(b.name, b.depth) for b in p12.bags] == [
        ("crlBag", 0),
        ("secretBag", 0),
        ("safeContentsBag", 0),
        ("certBag", 1),
        ("1.2.3.99", 0),
    ]
    assert p12.bags[0].value_type == "1.2.840.113549.1.9.23.1"
    assert p12.bags[0].value == crl_bag
    assert p12.bags[1].value_type == "1.2.3.4"
    assert p12.additional_certificates == (p256.certificate,)
    assert "unknown-bag" in {f.code for f in p12.findings}


def test_malformed_plain_bags_are_decode_errors_with_offsets() -> None:
    bad_value = der.sequence(der.encode_oid("1.2.840.113549.1.12.10.1.3"), der.encode_null())
    data = _pfx(der.sequence(bad_value))
    with pytest.raises(DecodeError, match=r"not tagged \[0\] EXPLICIT") as info:
        load_pkcs12(data, None)
    offset = info.value.offset
    assert offset is not None and data[offset : offset + 2] == b"\x05\x00"
    # A broken key in a file without MAC is malformed input, not a wrong password.
    key_bag = _bag("1.2.840.113549.1.12.10.1.1", der.sequence(der.encode_int(5)))
    with pytest.raises(DecodeError):
        load_pkcs12(_pfx(der.sequence(key_bag)), "any")


def test_nesting_is_bounded() -> None:
    inner = der.sequence()
    for _ in range(10):
        inner = der.sequence(_bag("1.2.840.113549.1.12.10.1.6", inner))
    with pytest.raises(LimitExceeded, match="nested"):
        load_pkcs12(_pfx(inner), None)


def test_bag_count_is_bounded_across_safes() -> None:
    safe = der.sequence(*[_bag("1.2.3.99", der.encode_null())] * 2)
    assert len(load_pkcs12(_pfx(safe, safe, safe), None).bags) == 6
    with pytest.raises(LimitExceeded, match="more than 4 bags"):
        load_pkcs12(_pfx(safe, safe, safe), None, limits=Limits(max_elements=4))


def test_other_integrity_and_privacy_modes_are_refused() -> None:
    with pytest.raises(UnsupportedAlgorithm, match="public-key integrity mode"):
        load_pkcs12(_pfx(der.sequence(), content_type="1.2.840.113549.1.7.2"), None)
    enveloped = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.3"), der.explicit(0, der.sequence(der.encode_int(0)))
    )
    auth_safe = der.sequence(enveloped)
    info = der.sequence(
        der.encode_oid("1.2.840.113549.1.7.1"), der.explicit(0, der.encode_octets(auth_safe))
    )
    with pytest.raises(UnsupportedAlgorithm, match="public-key privacy mode"):
        load_pkcs12(der.sequence(der.encode_int(3), info), None)
    with pytest.raises(DecodeError, match="version"):
        load_pkcs12(_pfx(der.sequence(), version=2), None)


def test_mac_iterations_are_bounded(p256: Identity) -> None:
    data = write_pkcs12(p256.key, p256.certificate, password="pw", iterations=FAST)
    policy = Policy(allow_weak=True, allow_legacy=True, max_pbkdf2_iterations=FAST - 1)
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match="max_pbkdf2_iterations"):
        load_pkcs12(data, "pw", policy=policy)
    assert time.monotonic() - start < 1


def test_total_key_derivation_work_is_bounded(p256: Identity) -> None:
    written = write_pkcs12(p256.key, p256.certificate, password="pw", iterations=FAST)
    certificates, key = _content_infos(written)
    policy = Policy(max_pbkdf2_iterations=FAST)
    # MAC, two certificate safes and the key: 4 derivations, within 4 x the per-item bound.
    bmp = "pw".encode("utf-16-be") + b"\x00\x00"
    assert load_pkcs12(_with_mac([certificates] * 2 + [key], bmp), "pw", policy=policy).key
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match="in total"):
        load_pkcs12(_with_mac([certificates] * 50 + [key], bmp), "pw", policy=policy)
    assert time.monotonic() - start < 2


def test_wrong_mac_length_is_malformed(p256: Identity) -> None:
    data = bytearray(write_pkcs12(p256.key, p256.certificate, password="pw", iterations=FAST))
    pfx = tlv.parse_one(bytes(data))
    value = pfx.children()[2].children()[0].children()[1]
    short = der.sequence(
        pfx.children()[0].raw,
        pfx.children()[1].raw,
        der.sequence(
            der.sequence(
                pfx.children()[2].children()[0].children()[0].raw,
                der.encode_octets(value.as_octets()[:20]),
            ),
            *(c.raw for c in pfx.children()[2].children()[1:]),
        ),
    )
    with pytest.raises(DecodeError, match="MAC value is 20 bytes"):
        load_pkcs12(short, "pw")


# -- hostile input -------------------------------------------------------------------------------
@pytest.mark.parametrize("number", [1, 2, 3])
def test_openssl_bad_files(number: int) -> None:
    data = load_vector(f"openssl/pkcs12/bad{number}.p12")
    # bad2/bad3 carry a MAC for the empty password over a ContentInfo without content.
    with pytest.raises(DecodeError, match="no content"):
        load_pkcs12(data, "")
    with pytest.raises(SmimeError):
        load_pkcs12(data, "wrong")


def test_ec_key_with_explicit_curve_parameters_loads_as_its_named_curve() -> None:
    """MimeKit's ec-smime.pfx (BouncyCastle) encodes its P-384 key with specifiedCurve;
    parameters equal to a named curve are recognised as that curve."""
    p12 = _load("mimekit/ec-smime.pfx", "no.secret")
    assert p12.key is not None and p12.key.curve == "P-384"
    assert p12.certificate is not None
    assert p12.key.public_key() == p12.certificate.public_key


def test_not_pkcs12_at_all() -> None:
    with pytest.raises(DecodeError):
        load_pkcs12(b"", None)
    with pytest.raises(DecodeError):
        load_pkcs12(b"hello", None)
    with pytest.raises(DecodeError, match="no PKCS12 block"):
        load_pkcs12(pem_encode("CERTIFICATE", b"\x30\x00"), None)
    with pytest.raises(UsageError):
        load_pkcs12("text", None)  # type: ignore[arg-type]


def _expect_clean(data: bytes, password: str | None) -> None:
    with contextlib.suppress(SmimeError):
        load_pkcs12(data, password, policy=SMALL_POLICY)


@pytest.mark.parametrize(
    ("name", "password"),
    [("pyca/pkcs12/cert-rc2-key-3des.p12", "cryptography"), ("heimdal/test-nopw.p12", "foobar")],
)
def test_every_truncation_fails_cleanly(name: str, password: str) -> None:
    data = load_vector(name)
    start = time.monotonic()
    for end in range(0, len(data), 7):
        with pytest.raises(SmimeError):
            load_pkcs12(data[:end], password, policy=SMALL_POLICY)
    assert time.monotonic() - start < 30


@pytest.fixture(scope="module")
def unprotected(p256: Identity) -> bytes:
    """No MAC and no encryption: corruption reaches every parser, not just the MAC."""
    return write_pkcs12(p256.key, p256.certificate, p256.chain, password=None, friendly_name="x")


@given(data=st.data())
def test_bit_flips_fail_cleanly(unprotected: bytes, data: st.DataObject) -> None:
    flips = data.draw(st.lists(st.integers(0, len(unprotected) * 8 - 1), min_size=1, max_size=4))
    mutated = bytearray(unprotected)
    for bit in flips:
        mutated[bit // 8] ^= 1 << (bit % 8)
    start = time.monotonic()
    _expect_clean(bytes(mutated), None)
    assert time.monotonic() - start < 5


@given(data=st.data())
def test_bit_flips_in_a_legacy_file_fail_cleanly(data: st.DataObject) -> None:
    original = load_vector("pyca/pkcs12/no-password.p12")
    bit = data.draw(st.integers(0, len(original) * 8 - 1))
    mutated = bytearray(original)
    mutated[bit // 8] ^= 1 << (bit % 8)
    _expect_clean(bytes(mutated), None)


# -- interoperability with OpenSSL --------------------------------------------------------------
def _openssl_contents(path: Path, password: str | None) -> tuple[list[PrivateKey], list[bytes]]:
    """Keys and certificate DERs as ``openssl pkcs12`` extracts them, in file order."""
    passin = f"pass:{password or ''}"
    common: list[str | Path] = ["pkcs12", "-legacy", "-in", path, "-passin", passin]
    keys_pem = openssl([*common, "-nocerts", "-nodes"]).stdout
    certs_pem = openssl([*common, "-nokeys"]).stdout
    keys = [load_der_private_key(b.der) for b in pem_blocks(keys_pem) if b.label == "PRIVATE KEY"]
    certs = [b.der for b in pem_blocks(certs_pem) if b.label == "CERTIFICATE"]
    return keys, certs


#: one or two files of every source, for the comparison with OpenSSL
OPENSSL_SAMPLE = {
    "rfc9216/alice.p12",
    "rfc9216/carlos.p12.pem",
    "header-protection/bob.p12",
    "heimdal/test.p12",
    "heimdal/test-nopw.p12",
    "rustcrypto/example.pfx",
    "bc/mail/johndoe.p12",
    "covert-content/assets/secret-keys/manager@bigcorporation.pfx",
    "openssl/pkcs12/v3-certs-RC2.p12",
    "asn1crypto/test-tripledes.p12",
    "asn1crypto/keys/test-rc2.p12",
    "mimekit/dsa-smime.pfx",
    "mimekit/rsa-smime.pfx",
    "pyca/pkcs12/cert-rc2-key-3des.p12",
    "pyca/pkcs12/java-truststore.p12",
    "pyca/pkcs12/name-unicode-no-pwd.p12",
    "pyca/pkcs12/no-password.p12",
    "pyca/pkcs12/no-cert-key-aes256cbc.p12",
}


@pytest.mark.interop
@pytest.mark.parametrize(("name", "password"), [v[:2] for v in VECTORS if v[0] in OPENSSL_SAMPLE])
def test_vectors_match_openssl(name: str, password: str | None, tmp_path: Path) -> None:
    path = tmp_path / "in.p12"
    data = load_vector(name)
    path.write_bytes(pem_blocks(data)[0].der if data.startswith(b"-----") else data)
    keys, certs = _openssl_contents(path, password)
    p12 = load_pkcs12(data, password)
    assert [e.key for e in p12.entries] == keys
    assert sorted(c.der for c in _certificates(p12)) == sorted(certs)
    assert [c.der for c in p12.additional_certificates] == [
        c for c in certs if p12.certificate is None or c != p12.certificate.der
    ]


@pytest.mark.interop
def test_openssl_fingerprint_of_rfc9216_bob(tmp_path: Path) -> None:
    path = tmp_path / "bob.p12"
    path.write_bytes(load_vector("rfc9216/bob.p12"))
    pem = openssl(
        ["pkcs12", "-legacy", "-in", path, "-passin", "pass:bob", "-nokeys", "-clcerts"]
    ).stdout
    out = openssl(["x509", "-noout", "-fingerprint", "-sha256"], input=pem).stdout.decode()
    p12 = _load("rfc9216/bob.p12", "bob")
    assert p12.certificate is not None
    assert out.strip().split("=", 1)[1] == p12.certificate.fingerprint_hex("sha256")


@pytest.fixture(scope="module")
def openssl_material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Key and self-signed certificate files made by ``openssl req -x509`` (RSA, P-256, Ed25519)."""
    base = tmp_path_factory.mktemp("p12-openssl")
    material: dict[str, tuple[Path, Path]] = {}
    for kind, newkey in (
        ("rsa", ["-newkey", "rsa:2048"]),
        ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        ("ed25519", ["-newkey", "ed25519"]),
    ):
        key, cert = base / f"{kind}.key", base / f"{kind}.crt"
        openssl(
            ["req", "-x509", *newkey, "-nodes", "-keyout", key, "-out", cert, "-days", "2",
             "-subj", f"/CN=pkcs12 {kind}"]
        )  # fmt: skip
        material[kind] = (key, cert)
    return material


EXPORTS = {
    "default": [],
    "legacy": ["-legacy"],
    "openssl-1.1": ["-legacy", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-RC2-40",
                    "-macalg", "sha1"],
    "descert": ["-descert"],
    "nomac": ["-nomac"],
    "aes128-sha512": ["-keypbe", "AES-128-CBC", "-certpbe", "AES-128-CBC", "-macalg", "sha512",
                      "-iter", "1500"],
    "unencrypted": ["-keypbe", "NONE", "-certpbe", "NONE"],
}  # fmt: skip


@pytest.mark.interop
@pytest.mark.parametrize("kind", ["rsa", "ec", "ed25519"])
@pytest.mark.parametrize("variant", sorted(EXPORTS))
def test_openssl_export_loads(
    kind: str, variant: str, openssl_material: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    key_path, cert_path = openssl_material[kind]
    out = tmp_path / "out.p12"
    openssl(
        ["pkcs12", "-export", *EXPORTS[variant], "-inkey", key_path, "-in", cert_path,
         "-name", "friend", "-passout", "pass:s3cret", "-out", out]
    )  # fmt: skip
    p12 = load_pkcs12(out.read_bytes(), "s3cret")
    assert p12.key == load_private_key(key_path.read_bytes())
    assert p12.certificate == Certificate.from_pem(cert_path.read_bytes())
    assert p12.friendly_name == "friend"
    assert p12.integrity_protected == (variant != "nomac")
    assert p12.weak == (variant in ("legacy", "openssl-1.1", "descert", "nomac", "unencrypted"))
    if variant == "default":
        assert p12.mac_algorithm == "HMAC-SHA256"
        assert p12.encryption_algorithms == ("PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",)
    if variant == "openssl-1.1":
        assert p12.encryption_algorithms == (
            "pbeWithSHAAnd40BitRC2-CBC",
            "pbeWithSHAAnd3-KeyTripleDES-CBC",
        )
    # A MAC that fails, or (-nomac) a bag that does not decrypt.
    with pytest.raises(PasswordError, match="wrong password"):
        load_pkcs12(out.read_bytes(), "s3cre7")


@pytest.mark.interop
@pytest.mark.parametrize("password", ["", "grüße ☺"])
def test_openssl_passwords(
    password: str, openssl_material: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    key_path, cert_path = openssl_material["ec"]
    out = tmp_path / "out.p12"
    openssl(
        ["pkcs12", "-export", "-inkey", key_path, "-in", cert_path, "-passout",
         f"pass:{password}", "-out", out]
    )  # fmt: skip
    assert load_pkcs12(out.read_bytes(), password).key == load_private_key(key_path.read_bytes())


@pytest.mark.interop
@pytest.mark.parametrize("who", ["alice", "carlos", "p256"])
@pytest.mark.parametrize("password", ["pw", "", "grüße ☺"])
def test_openssl_reads_what_we_write(
    who: str, password: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    identity: Identity = request.getfixturevalue(who)
    path = tmp_path / "ours.p12"
    path.write_bytes(
        write_pkcs12(
            identity.key,
            identity.certificate,
            identity.chain,
            password=password,
            friendly_name="ours",
            iterations=FAST,
        )
    )
    info = openssl(["pkcs12", "-info", "-in", path, "-passin", f"pass:{password}", "-noout"])
    text = info.stderr.decode() + info.stdout.decode()
    assert "MAC: sha256" in text
    assert "PBES2, PBKDF2, AES-256-CBC" in text
    keys, certs = _openssl_contents(path, password)
    assert keys == [identity.key]
    assert certs == [identity.certificate.der] + [c.der for c in identity.chain]
    attributes = openssl(
        ["pkcs12", "-in", path, "-passin", f"pass:{password}", "-nokeys", "-clcerts"]
    ).stdout.decode()
    assert "friendlyName: ours" in attributes
    lkid = hashlib.sha1(identity.certificate.der).hexdigest().upper()
    assert " ".join(lkid[i : i + 2] for i in range(0, 40, 2)) in attributes


@pytest.mark.interop
def test_openssl_rejects_our_file_with_a_wrong_password(p256: Identity, tmp_path: Path) -> None:
    path = tmp_path / "ours.p12"
    path.write_bytes(write_pkcs12(p256.key, p256.certificate, password="pw", iterations=FAST))
    proc = openssl(["pkcs12", "-info", "-in", path, "-passin", "pass:nope", "-noout"], check=False)
    assert proc.returncode != 0
    assert b"Mac verify error" in proc.stderr


@pytest.mark.interop
def test_openssl_reads_our_unprotected_file(p256: Identity, tmp_path: Path) -> None:
    path = tmp_path / "plain.p12"
    path.write_bytes(write_pkcs12(p256.key, p256.certificate, password=None))
    keys, certs = _openssl_contents(path, "")
    assert keys == [p256.key]
    assert certs == [p256.certificate.der]


def test_garbage_from_a_wrong_password_without_mac_is_a_password_error() -> None:
    # Without a MAC, a wrong password is only noticed when the decrypted bytes are
    # parsed; about one wrong password in 256 passes the padding check, and the garbage
    # may then trip any decoding limit. That must read as a wrong password, not as a
    # hostile file (seen once in CI-like runs of test_openssl_export_loads[nomac-ec]).
    from smimelib.asn1.limits import DEFAULT_LIMITS
    from smimelib.crypto.algorithms import DEFAULT_POLICY
    from smimelib.errors import LimitExceeded
    from smimelib.pki._pkcs12_read import Reader

    def garbage() -> None:
        raise LimitExceeded("length field of 54 octets (limit 8)", limit=8, offset=0)

    reader = Reader(DEFAULT_POLICY, DEFAULT_LIMITS, [])
    with pytest.raises(PasswordError, match="wrong password"):
        reader.decrypted(garbage)
    reader.verified = True  # with a verified MAC the data is the file's own: no masking
    with pytest.raises(LimitExceeded):
        reader.decrypted(garbage)
