"""Private and public key containers: vectors, OpenSSL interop, round trips, hostile input."""

from __future__ import annotations

import base64
import contextlib
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import DEFAULT_POLICY
from smimelib.crypto.keys import (
    EC_CURVES,
    KeyType,
    PrivateKey,
    PublicKey,
    ec_curve_parameters,
    generate_private_key,
)
from smimelib.errors import (
    DecodeError,
    PasswordError,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.keys import (
    dsa_public_key_without_params,
    dsa_public_value,
    load_der_private_key,
    load_der_public_key,
    load_pem_private_key,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    private_key_to_pkcs8,
    public_key_from_spki_element,
    public_key_to_pem,
    public_key_to_spki,
)
from smimelib.pki.pem import is_pem, pem_blocks, pem_encode
from tests.vectors import load_vector

# -- helpers --------------------------------------------------------------------------------------


def cert_spki(data: bytes) -> bytes:
    """The exact SubjectPublicKeyInfo bytes of a PEM or DER certificate (RFC 5280 4.1)."""
    if is_pem(data):
        data = next(b.der for b in pem_blocks(data) if b.label == "CERTIFICATE")
    tbs = tlv.parse_one(data).children()[0]
    fields = tbs.children()
    first = 1 if fields[0].tag == tlv.Tag.context(0) else 0
    return fields[first + 5].raw


def secret(key: PrivateKey) -> tuple[object, ...]:
    """Everything private about a key, to compare loaded keys exactly."""
    if key.type is KeyType.RSA:
        return (key.type, *key.rsa_numbers())
    if key.type is KeyType.EC:
        return (key.type, key.curve, key.ec_scalar())
    if key.type is KeyType.DSA:
        return (key.type, *key.dsa_numbers())
    return (key.type, key.raw_bytes())


# (key file, password, certificate file or None, expected type)
VECTOR_KEYS: list[tuple[str, str | None, str | None, KeyType]] = [
    ("rfc4134/AlicePrivDSSSign.pri", None, "rfc4134/AliceDSSSignByCarlNoInherit.cer", KeyType.DSA),
    ("rfc4134/AlicePrivRSASign.pri", None, "rfc4134/AliceRSASignByCarl.cer", KeyType.RSA),
    ("rfc4134/BobPrivRSAEncrypt.pri", None, "rfc4134/BobRSASignByCarl.cer", KeyType.RSA),
    ("rfc4134/CarlPrivDSSSign.pri", None, "rfc4134/CarlDSSSelf.cer", KeyType.DSA),
    ("rfc4134/CarlPrivRSASign.pri", None, "rfc4134/CarlRSASelf.cer", KeyType.RSA),
    ("rfc4134/DianePrivRSASignEncrypt.pri", None, "rfc4134/DianeRSASignByCarl.cer", KeyType.RSA),
    ("rfc4134/DianePrivDSSSign.pri", None, None, KeyType.DSA),
    ("rfc9216/alice.sign.key", None, "rfc9216/alice.sign.crt", KeyType.RSA),
    ("rfc9216/alice.decrypt.key", None, "rfc9216/alice.encrypt.crt", KeyType.RSA),
    ("rfc9216/bob.sign.key", None, "rfc9216/bob.sign.crt", KeyType.RSA),
    ("rfc9216/bob.decrypt.key", None, "rfc9216/bob.encrypt.crt", KeyType.RSA),
    ("rfc9216/ca.rsa.key", None, "rfc9216/ca.rsa.crt", KeyType.RSA),
    ("rfc9216/ca.25519.key", None, "rfc9216/ca.25519.crt", KeyType.ED25519),
    ("rfc9216/carlos.sign.key", None, "rfc9216/carlos.sign.crt", KeyType.ED25519),
    ("rfc9216/carlos.decrypt.key", None, "rfc9216/carlos.encrypt.crt", KeyType.X25519),
    ("rfc9216/dana.sign.key", None, "rfc9216/dana.sign.crt", KeyType.ED25519),
    ("rfc9216/dana.decrypt.key", None, "rfc9216/dana.encrypt.crt", KeyType.X25519),
    (
        "examples-cms/certs-and-keys/lamps-alice.p8.pem",
        None,
        "examples-cms/certs-and-keys/lamps-alice.crt",
        KeyType.RSA,
    ),
    (
        "examples-cms/certs-and-keys/lamps-bob.decrypt.p8.pem",
        None,
        "examples-cms/certs-and-keys/lamps-bob.encrypt.crt",
        KeyType.RSA,
    ),
    (
        "examples-cms/certs-and-keys/lamps-carlos.p8.pem",
        None,
        "examples-cms/certs-and-keys/lamps-carlos.crt",
        KeyType.ED25519,
    ),
    (
        "examples-cms/certs-and-keys/lamps-dana.decrypt.p8.pem",
        None,
        "examples-cms/certs-and-keys/lamps-dana.encrypt.crt",
        KeyType.X25519,
    ),
    *(
        (f"openssl/smime-certs/{name}.pem", None, f"openssl/smime-certs/{name}.pem", kind)
        for name, kind in [
            ("csrsa1", KeyType.RSA),
            ("smroot", KeyType.RSA),
            ("smrsa1", KeyType.RSA),
            ("smrsa1024", KeyType.RSA),
            ("smrsa2", KeyType.RSA),
            ("smrsa3", KeyType.RSA),
            ("smdsa1", KeyType.DSA),
            ("smdsa2", KeyType.DSA),
            ("smdsa3", KeyType.DSA),
            ("smec1", KeyType.EC),
            ("smec3", KeyType.EC),
        ]
    ),
    (
        "openssl/smime-certs/smrsa3-key.pem",
        None,
        "openssl/smime-certs/smrsa3-cert.pem",
        KeyType.RSA,
    ),
    ("asn1crypto/keys/test.key", None, "asn1crypto/keys/test.crt", KeyType.RSA),
    ("asn1crypto/keys/test-der.key", None, "asn1crypto/keys/test-der.crt", KeyType.RSA),
    ("asn1crypto/keys/test-pkcs8.key", None, "asn1crypto/keys/test.crt", KeyType.RSA),
    ("asn1crypto/keys/test-aes128.key", "password123", "asn1crypto/keys/test.crt", KeyType.RSA),
    ("asn1crypto/keys/test-dsa.key", None, "asn1crypto/keys/test-dsa.crt", KeyType.DSA),
    ("asn1crypto/keys/test-ec-named.key", None, "asn1crypto/keys/test-ec-named.crt", KeyType.EC),
    ("asn1crypto/keys/test-ed25519.key", None, "asn1crypto/keys/test-ed25519.crt", KeyType.ED25519),
    ("asn1crypto/keys/test-ed448.key", None, "asn1crypto/keys/test-ed448.crt", KeyType.ED448),
    ("asn1crypto/keys/test-rsapss.key", None, "asn1crypto/keys/test-rsapss.crt", KeyType.RSA),
    ("pyca/x509-custom-ca/ca_key.pem", None, "pyca/x509-custom-ca/ca.pem", KeyType.EC),
    ("pyca/x509-custom-ca/rsa_key.pem", None, "pyca/x509-custom-ca/rsa_ca.pem", KeyType.RSA),
    ("rustcrypto/rsa2048-priv.der", None, None, KeyType.RSA),
    ("rustcrypto/p256-priv.der", None, None, KeyType.EC),
    ("rustcrypto/rsa_sk.pkcs1.pem", None, "rustcrypto/cert.pem", KeyType.RSA),
    ("libksba/ed25519-rfc8410.key", None, None, KeyType.ED25519),
    (
        "covert-content/assets/secret-keys/manager@bigcorporation.key",
        "test12345678",
        "covert-content/assets/secret-keys/manager@bigcorporation.crt",
        KeyType.RSA,
    ),
    (
        "covert-content/assets/secret-keys/manager@bigcorporation.pem",
        None,
        "covert-content/assets/secret-keys/manager@bigcorporation.crt",
        KeyType.RSA,
    ),
    ("heimdal/test.key", None, "heimdal/test.crt", KeyType.RSA),
    ("heimdal/yutaka-pad.key", None, "heimdal/yutaka-pad-ok-cert.pem", KeyType.RSA),
    ("bc/cms/ecdh/ecc.key", None, "bc/cms/ecdh/ecc.crt", KeyType.EC),
    ("bc/mail/key.pem", None, None, KeyType.RSA),
]


# -- every vector key loads -----------------------------------------------------------------------


@pytest.mark.parametrize(("path", "password", "cert", "kind"), VECTOR_KEYS, ids=lambda v: str(v))
def test_vector_key_loads_and_matches_its_certificate(
    path: str, password: str | None, cert: str | None, kind: KeyType
) -> None:
    key = load_private_key(load_vector(path), password)
    assert key.type is kind
    if cert is None:
        return
    spki = cert_spki(load_vector(cert))
    cert_key = load_der_public_key(spki)
    assert key.public_key() == cert_key
    # our SPKI writer reproduces the certificate's bytes
    assert public_key_to_spki(cert_key) == spki
    assert public_key_to_spki(key.public_key()) == spki


def test_vector_keys_cover_every_format() -> None:
    """The vector list exercises every container the loader claims to read."""
    labels = set()
    for path, *_ in VECTOR_KEYS:
        data = load_vector(path)
        labels |= {b.label for b in pem_blocks(data)} if is_pem(data) else {"DER"}
    assert {
        "DER",
        "PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "DSA PRIVATE KEY",
    } <= labels


def test_inherited_dsa_parameters() -> None:
    """Diane's DSA certificate omits Dss-Parms; they come from Carl's (RFC 3279 2.3.2)."""
    spki = cert_spki(load_vector("rfc4134/DianeDSSSignByCarlInherit.cer"))
    with pytest.raises(DecodeError, match="inherited"):
        load_der_public_key(spki)
    carl = load_der_public_key(cert_spki(load_vector("rfc4134/CarlDSSSelf.cer")))
    p, q, g, _ = carl.dsa_numbers()
    y = dsa_public_value(spki)
    assert dsa_public_key_without_params(spki) == y
    assert dsa_public_value(tlv.parse_one(spki)) == y
    key = load_private_key(load_vector("rfc4134/DianePrivDSSSign.pri"))
    assert key.public_key() == PublicKey.dsa(p, q, g, y)
    assert load_der_public_key(spki, dsa_parameters=(p, q, g)) == key.public_key()
    with pytest.raises(UsageError):
        dsa_public_value(cert_spki(load_vector("rfc4134/AliceRSASignByCarl.cer")))


def test_spki_element_offsets_are_absolute() -> None:
    data = load_vector("rfc4134/AliceRSASignByCarl.cer")
    spki = cert_spki(data)
    start = data.index(spki)
    elem = tlv.parse_one(spki, base_offset=start)
    assert public_key_from_spki_element(elem) == load_der_public_key(spki)
    broken = bytearray(data)
    # the OID of rsaEncryption becomes an unknown one
    oid_at = data.index(bytes.fromhex("2a864886f70d010101"), start)
    broken[oid_at + 8] = 0x7F
    elem = tlv.parse_one(bytes(broken[start : start + len(spki)]), base_offset=start)
    with pytest.raises(UnsupportedAlgorithm) as info:
        public_key_from_spki_element(elem)
    assert info.value.oid == "1.2.840.113549.1.1.127"


def test_rsa_pss_keys() -> None:
    """id-RSASSA-PSS (RFC 4055 section 1.2) in PKCS#8 and in a certificate."""
    spki = cert_spki(load_vector("asn1crypto/keys/test-rsapss.crt"))
    public = load_der_public_key(spki)
    assert public.type is KeyType.RSA and public.rsa_pss
    assert AlgorithmIdentifier.from_der(tlv.parse_one(spki).children()[0].raw).oid == (
        "1.2.840.113549.1.1.10"
    )
    private = load_private_key(load_vector("asn1crypto/keys/test-rsapss.key"))
    assert private.type is KeyType.RSA and private.public_key() == public
    # the PSS restriction survives loading and writing (RFC 4055 section 1.2)
    assert private.rsa_pss and private.public_key().rsa_pss
    assert public_key_to_spki(private.public_key()) == spki
    again = load_der_private_key(private_key_to_pkcs8(private))
    assert again.rsa_pss and again.pss_params == private.pss_params
    # without parameters
    n, e = public.rsa_numbers()
    bare = der.sequence(
        AlgorithmIdentifier("1.2.840.113549.1.1.10").to_der(),
        der.encode_bit_string(der.sequence(der.encode_int(n), der.encode_int(e))),
    )
    key = load_der_public_key(bare)
    assert key.rsa_pss and key.pss_params is None
    assert public_key_to_spki(key) == bare


def test_rfc8410_examples() -> None:
    """RFC 8410 section 10: the Ed25519 public key and both private key examples."""
    spki_pem = (
        b"-----BEGIN PUBLIC KEY-----\n"
        b"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        b"-----END PUBLIC KEY-----\n"
    )
    v1 = (
        b"-----BEGIN PRIVATE KEY-----\n"
        b"MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
        b"-----END PRIVATE KEY-----\n"
    )
    v2 = (
        b"-----BEGIN PRIVATE KEY-----\n"
        b"MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
        b"oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB\n"
        b"Z9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        b"-----END PRIVATE KEY-----\n"
    )
    public = load_public_key(spki_pem)
    assert public.raw_bytes().hex() == (
        "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
    )
    k1 = load_private_key(v1)
    k2 = load_private_key(v2)
    assert k1.raw_bytes().hex() == (
        "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
    )
    assert secret(k1) == secret(k2)
    assert k1.public_key() == public
    assert public_key_to_pem(public) == spki_pem
    assert private_key_to_pem(k1) == v1
    # libksba ships the same key as DER
    assert secret(load_private_key(load_vector("libksba/ed25519-rfc8410.key"))) == secret(k1)
    # a publicKey [1] that is not the private key's is refused (RFC 5958 section 2)
    der_v2 = pem_blocks(v2)[0].der
    other = generate_private_key(KeyType.ED25519).public_key().raw_bytes()
    bad = der_v2[:-32] + other
    with pytest.raises(DecodeError, match="does not match"):
        load_der_private_key(bad)
    with pytest.raises(DecodeError):  # not a point at all
        load_der_private_key(der_v2[:-32] + b"\xff" * 32)


def test_sec1_public_key_mismatch() -> None:
    data = pem_blocks(load_vector("asn1crypto/keys/test-ec-named.key"))[0].der
    key = load_der_private_key(data)
    other = generate_private_key(KeyType.EC).public_key().ec_point()
    bad = data[: -len(other)] + other
    with pytest.raises(DecodeError, match="does not match"):
        load_der_private_key(bad)
    # without publicKey and parameters inside PKCS#8, the curve comes from the algorithm
    elem = tlv.parse_one(data).children()
    bare = der.sequence(elem[0].raw, elem[1].raw)
    pkcs8 = der.sequence(
        der.encode_int(0),
        AlgorithmIdentifier("1.2.840.10045.2.1", der.encode_oid("1.2.840.10045.3.1.7")).to_der(),
        der.encode_octets(bare),
    )
    assert secret(load_der_private_key(pkcs8)) == secret(key)
    with pytest.raises(DecodeError, match="curve"):
        load_der_private_key(bare)  # SEC1 alone needs its parameters
    # parameters naming another curve than the algorithm identifier
    p384 = pkcs8.replace(der.encode_oid("1.2.840.10045.3.1.7"), der.encode_oid("1.3.132.0.34"))
    with pytest.raises(DecodeError):
        load_der_private_key(p384.replace(bare, data))


def test_ec_parameters_other_than_named_curve() -> None:
    point = generate_private_key(KeyType.EC).public_key().ec_point()
    explicit = der.sequence(der.encode_int(1), der.sequence(der.encode_oid("1.2.840.10045.1.1")))
    c = ec_curve_parameters("P-256")
    size = 32

    def domain(b: int) -> bytes:
        return der.sequence(
            der.encode_int(1),
            der.sequence(der.encode_oid("1.2.840.10045.1.1"), der.encode_int(c.p)),
            der.sequence(
                der.encode_octets(c.a.to_bytes(size, "big")),
                der.encode_octets(b.to_bytes(size, "big")),
            ),
            der.encode_octets(b"\x04" + c.gx.to_bytes(size, "big") + c.gy.to_bytes(size, "big")),
            der.encode_int(c.order),
            der.encode_int(1),
        )

    for params, error in [
        (explicit, DecodeError),  # SpecifiedECDomain with fields missing
        (domain(c.b ^ 1), UnsupportedAlgorithm),  # a curve that is not P-256
        (der.encode_null(), UnsupportedAlgorithm),
        (der.encode_oid("1.3.132.0.10"), UnsupportedAlgorithm),  # secp256k1
        (der.encode_int(7), DecodeError),
    ]:
        spki = der.sequence(
            AlgorithmIdentifier("1.2.840.10045.2.1", params).to_der(),
            der.encode_bit_string(point),
        )
        with pytest.raises(error):
            load_der_public_key(spki)
    # the full explicit domain of P-256 is recognised as P-256 (Windows, BouncyCastle)
    spki = der.sequence(
        AlgorithmIdentifier("1.2.840.10045.2.1", domain(c.b)).to_der(),
        der.encode_bit_string(point),
    )
    assert load_der_public_key(spki) == PublicKey.ec("P-256", point)


def test_compressed_ec_points() -> None:
    for curve, (_, _, oid) in EC_CURVES.items():
        public = generate_private_key(KeyType.EC, curve=curve).public_key()
        compressed = der.sequence(
            AlgorithmIdentifier("1.2.840.10045.2.1", der.encode_oid(oid)).to_der(),
            der.encode_bit_string(public.ec_point(compressed=True)),
        )
        loaded = load_der_public_key(compressed)
        assert loaded == public
        assert public_key_to_spki(loaded) == public_key_to_spki(public)  # written uncompressed


def test_bad_ec_points() -> None:
    public = generate_private_key(KeyType.EC).public_key()
    point = public.ec_point()
    algorithm = tlv.parse_one(public_key_to_spki(public)).children()[0].raw
    for bad in (b"\x00", point[:-1], b"\x05" + point[1:], point[:-1] + bytes([point[-1] ^ 1])):
        spki = der.sequence(algorithm, der.encode_bit_string(bad))
        with pytest.raises(DecodeError):
            load_der_public_key(spki)


def test_rfc8410_parameters_must_be_absent() -> None:
    public = generate_private_key(KeyType.ED25519).public_key()
    spki = der.sequence(
        AlgorithmIdentifier("1.3.101.112", der.encode_null()).to_der(),
        der.encode_bit_string(public.raw_bytes()),
    )
    with pytest.raises(DecodeError, match="absent"):
        load_der_public_key(spki)
    short = der.sequence(
        AlgorithmIdentifier("1.3.101.112").to_der(), der.encode_bit_string(b"\x01" * 31)
    )
    with pytest.raises(DecodeError, match="31 bytes"):
        load_der_public_key(short)


def test_rsa_parameters_and_unused_bits() -> None:
    public = load_der_public_key(cert_spki(load_vector("rfc9216/alice.sign.crt")))
    n, e = public.rsa_numbers()
    body = der.sequence(der.encode_int(n), der.encode_int(e))
    absent = der.sequence(
        AlgorithmIdentifier("1.2.840.113549.1.1.1").to_der(), der.encode_bit_string(body)
    )
    assert load_der_public_key(absent) == public
    wrong = der.sequence(
        AlgorithmIdentifier("1.2.840.113549.1.1.1", der.encode_int(0)).to_der(),
        der.encode_bit_string(body),
    )
    with pytest.raises(DecodeError, match="NULL"):
        load_der_public_key(wrong)
    unused = der.sequence(
        AlgorithmIdentifier("1.2.840.113549.1.1.1", b"\x05\x00").to_der(),
        der.encode_bit_string(body, unused_bits=1),
    )
    with pytest.raises(DecodeError, match="unused"):
        load_der_public_key(unused)


def test_unsupported_algorithms_name_the_oid() -> None:
    with pytest.raises(UnsupportedAlgorithm, match="sect283k1") as info:
        load_private_key(load_vector("openssl/smime-certs/smec2.pem"))  # a binary curve
    assert info.value.oid == "1.3.132.0.16"
    with pytest.raises(UnsupportedAlgorithm) as info:
        load_private_key(load_vector("openssl/smime-certs/smdh.pem"))
    assert info.value.oid == "1.2.840.10046.2.1"
    assert "dhpublicnumber" in str(info.value)
    for path in [
        "lamps-pq/cms-kyber/ML-KEM-512-seed.priv",
        "lamps-pq/cms-kyber/mldsa65RootCA.priv",
        "bc/test-data/pkix/cert/mldsa/ML-DSA-44.pem",
    ]:
        with pytest.raises(UnsupportedAlgorithm) as info:
            load_private_key(load_vector(path))
        assert info.value.oid is not None and info.value.oid.startswith("2.16.840.1.101.3.4")


def test_multi_prime_rsa_is_unsupported() -> None:
    data = der.sequence(*(der.encode_int(v) for v in (1, 3, 3, 3, 3, 3, 3, 3, 3)), der.sequence())
    with pytest.raises(UnsupportedAlgorithm, match="multi-prime"):
        load_der_private_key(data)


def test_inconsistent_rsa_private_key() -> None:
    key = load_private_key(load_vector("rustcrypto/rsa2048-priv.der"))
    n, e, d, p, q = key.rsa_numbers()
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    for index, delta in [(1, 2), (3, 2), (6, 2), (8, 1)]:
        bad = list(fields)
        bad[index] += delta
        with pytest.raises(DecodeError):
            load_der_private_key(der.sequence(*(der.encode_int(v) for v in bad)))
    ok = der.sequence(*(der.encode_int(v) for v in fields))
    assert secret(load_der_private_key(ok)) == secret(key)


def test_dsa_traditional_consistency() -> None:
    key = load_private_key(load_vector("asn1crypto/keys/test-dsa.key"))
    p, q, g, x = key.dsa_numbers()
    y = key.public_key().dsa_numbers()[3]
    good = der.sequence(*(der.encode_int(v) for v in (0, p, q, g, y, x)))
    assert secret(load_der_private_key(good)) == secret(key)
    bad = der.sequence(*(der.encode_int(v) for v in (0, p, q, g, y + 1, x)))
    with pytest.raises(DecodeError, match="does not match"):
        load_der_private_key(bad)
    with pytest.raises(DecodeError):
        load_der_private_key(der.sequence(*(der.encode_int(v) for v in (0, p, q, g, y, q))))


# -- passwords and policy -------------------------------------------------------------------------


COVERT = "covert-content/assets/secret-keys/manager@bigcorporation.key"
AES128 = "asn1crypto/keys/test-aes128.key"


@pytest.mark.parametrize("path", [COVERT, AES128])
def test_missing_and_wrong_passwords(path: str) -> None:
    data = load_vector(path)
    with pytest.raises(PasswordError, match="password is required"):
        load_private_key(data)
    with pytest.raises(PasswordError):
        load_private_key(data, b"wrong password")
    with pytest.raises(PasswordError):
        load_private_key(data, "")


def test_password_types() -> None:
    data = load_vector(COVERT)
    a = load_private_key(data, "test12345678")
    b = load_private_key(data, bytearray(b"test12345678"))  # type: ignore[arg-type]
    assert secret(a) == secret(b)
    with pytest.raises(UsageError):
        load_private_key(data, 12345678)  # type: ignore[arg-type]
    # a password given for an unencrypted key is ignored
    plain = load_vector("rfc9216/alice.sign.key")
    assert load_private_key(plain, b"unused").type is KeyType.RSA


def test_strict_policy_refuses_weak_key_encryption() -> None:
    with pytest.raises(PolicyError, match="MD5"):
        load_private_key(load_vector(AES128), "password123", policy=DEFAULT_POLICY)
    with pytest.raises(PolicyError):  # PBES2 with DES-EDE3-CBC
        load_private_key(load_vector(COVERT), "test12345678", policy=DEFAULT_POLICY)


def test_encrypted_pem_headers_are_checked() -> None:
    block = pem_blocks(load_vector(AES128))[0]
    body = base64.encodebytes(block.der)

    def pem(headers: bytes) -> bytes:
        return (
            b"-----BEGIN RSA PRIVATE KEY-----\n"
            + headers
            + b"\n"
            + body
            + (b"-----END RSA PRIVATE KEY-----\n")
        )

    iv = block.headers["DEK-Info"].split(",")[1].encode()
    with pytest.raises(UnsupportedAlgorithm):
        load_private_key(pem(b"Proc-Type: 4,ENCRYPTED\nDEK-Info: CAMELLIA-128-CBC," + iv + b"\n"))
    with pytest.raises(UnsupportedAlgorithm):
        load_private_key(pem(b"Proc-Type: 4,MIC-ONLY\nDEK-Info: AES-128-CBC," + iv + b"\n"))
    with pytest.raises(DecodeError):
        load_private_key(pem(b"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n"), "x")
    with pytest.raises(DecodeError):
        load_private_key(pem(b"Proc-Type: 4,ENCRYPTED\n"), "x")
    good = load_private_key(
        pem(b"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC," + iv + b"\n"), "password123"
    )
    assert good.type is KeyType.RSA


# -- PEM selection --------------------------------------------------------------------------------


def test_pem_selection() -> None:
    cert = load_vector("rfc9216/alice.sign.crt")
    key = load_vector("rfc9216/alice.sign.key")
    with pytest.raises(DecodeError, match="no private key"):
        load_private_key(cert)
    assert load_pem_private_key(cert + key).type is KeyType.RSA
    with pytest.raises(DecodeError, match="2 private keys"):
        load_private_key(key + key)
    with pytest.raises(UnsupportedAlgorithm, match="OPENSSH"):
        load_private_key(pem_encode("OPENSSH PRIVATE KEY", b"openssh-key-v1\x00"))
    with pytest.raises(DecodeError, match="neither DER"):
        load_private_key(b"\x00\x01")
    with pytest.raises(DecodeError):
        load_private_key(pem_encode("PRIVATE KEY", pem_blocks(load_vector(COVERT))[0].der))
    # a PEM error names the block
    broken = pem_encode("PRIVATE KEY", der.sequence(der.encode_int(0)))
    with pytest.raises(DecodeError, match="PEM block 'PRIVATE KEY'"):
        load_private_key(broken)


def test_public_key_loaders() -> None:
    spki = cert_spki(load_vector("rfc9216/carlos.sign.crt"))
    key = load_public_key(spki)
    assert load_public_key(pem_encode("PUBLIC KEY", spki)) == key
    assert load_public_key(public_key_to_pem(key)) == key
    rsa = load_private_key(load_vector("rfc9216/alice.sign.key")).public_key()
    n, e = rsa.rsa_numbers()
    pkcs1 = pem_encode("RSA PUBLIC KEY", der.sequence(der.encode_int(n), der.encode_int(e)))
    assert load_public_key(pkcs1) == rsa
    assert (
        load_public_key(load_vector("rustcrypto/p256-pub.der"))
        == load_private_key(load_vector("rustcrypto/p256-priv.der")).public_key()
    )
    with pytest.raises(DecodeError):
        load_public_key(load_vector("rfc9216/alice.sign.key"))
    with pytest.raises(DecodeError):
        load_public_key(b"nothing")


def test_writer_type_checks() -> None:
    with pytest.raises(UsageError):
        private_key_to_pkcs8("key")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        public_key_to_spki("key")  # type: ignore[arg-type]
    key = generate_private_key(KeyType.ED25519)
    with pytest.raises(UsageError):
        private_key_to_pkcs8(key, "pw", iterations=0)


def test_ec_private_key_is_written_per_rfc5915() -> None:
    """ECPrivateKey with parameters [0] and publicKey [1], privateKey of ceil(log2(n)/8) bytes."""
    key = PrivateKey.ec("P-521", 5)
    outer = tlv.parse_one(private_key_to_pkcs8(key)).children()
    inner = tlv.parse_one(outer[2].as_octets()).children()
    assert [c.tag for c in inner] == [
        tlv.Tag.INTEGER,
        tlv.Tag.OCTET_STRING,
        tlv.Tag.context(0),
        tlv.Tag.context(1),
    ]
    assert inner[1].as_octets() == (5).to_bytes(66, "big")
    assert inner[2].children()[0].as_oid() == "1.3.132.0.35"


# -- round trips ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rsa_pool() -> list[PrivateKey]:
    """One RSA-1024 and one RSA-2048 key, generated once (RSA generation is slow)."""
    return [generate_private_key(KeyType.RSA, bits=1024), generate_private_key(KeyType.RSA)]


_DSA_PARAMS = None


def _dsa_params() -> tuple[int, int, int]:
    global _DSA_PARAMS
    if _DSA_PARAMS is None:
        p, q, g, _ = load_private_key(load_vector("openssl/smime-certs/smdsa1.pem")).dsa_numbers()
        _DSA_PARAMS = (p, q, g)
    return _DSA_PARAMS


_ORDERS = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "P-521": int(
        "1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "a51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        16,
    ),
}
_RAW_SIZES = {KeyType.ED25519: 32, KeyType.ED448: 57, KeyType.X25519: 32, KeyType.X448: 56}


@st.composite
def private_keys(draw: st.DrawFn, pool: list[PrivateKey]) -> PrivateKey:
    kind = draw(st.sampled_from(["rsa", "ec", "raw", "dsa"]))
    if kind == "rsa":
        return draw(st.sampled_from(pool))
    if kind == "ec":
        curve = draw(st.sampled_from(sorted(_ORDERS)))
        return PrivateKey.ec(curve, draw(st.integers(1, _ORDERS[curve] - 1)))
    if kind == "raw":
        raw = draw(st.sampled_from(sorted(_RAW_SIZES, key=lambda k: k.value)))
        seed = draw(st.binary(min_size=_RAW_SIZES[raw], max_size=_RAW_SIZES[raw]))
        return PrivateKey.raw(raw, seed)
    p, q, g = _dsa_params()
    return PrivateKey.dsa(p, q, g, draw(st.integers(1, q - 1)))


@given(data=st.data())
def test_pkcs8_round_trip(rsa_pool: list[PrivateKey], data: st.DataObject) -> None:
    key = data.draw(private_keys(rsa_pool))
    encoded = private_key_to_pkcs8(key)
    assert tlv.is_der(encoded)
    loaded = load_private_key(encoded)
    assert secret(loaded) == secret(key)
    assert private_key_to_pkcs8(loaded) == encoded
    assert secret(load_private_key(private_key_to_pem(key))) == secret(key)
    public = key.public_key()
    spki = public_key_to_spki(public)
    assert load_der_public_key(spki) == public
    assert public_key_to_spki(load_public_key(public_key_to_pem(public))) == spki


@given(
    data=st.data(),
    password=st.one_of(st.text(max_size=20), st.binary(max_size=20)),
    iterations=st.integers(1, 50),
)
def test_encrypted_pkcs8_round_trip(
    rsa_pool: list[PrivateKey], data: st.DataObject, password: str | bytes, iterations: int
) -> None:
    key = data.draw(private_keys(rsa_pool))
    encrypted = private_key_to_pkcs8(key, password, iterations=iterations)
    assert tlv.parse_one(encrypted).children()[0].children()[0].as_oid() == (
        "1.2.840.113549.1.5.13"
    )
    assert secret(load_private_key(encrypted, password)) == secret(key)
    pem = private_key_to_pem(key, password, iterations=iterations)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert secret(load_private_key(pem, password)) == secret(key)
    wrong = (password.encode() if isinstance(password, str) else password) + b"!"
    with pytest.raises(PasswordError):
        load_private_key(encrypted, wrong)


def test_default_iterations_are_written() -> None:
    key = generate_private_key(KeyType.X25519)
    encrypted = private_key_to_pkcs8(key, "pw")
    params = tlv.parse_one(encrypted).children()[0].children()[1]
    pbkdf2 = params.children()[0].children()[1].children()
    assert pbkdf2[1].as_int() == 600_000
    assert secret(load_private_key(encrypted, "pw")) == secret(key)


# -- hostile input --------------------------------------------------------------------------------


HOSTILE_SEEDS = [
    ("rfc4134/AlicePrivDSSSign.pri", None),
    ("rfc9216/alice.sign.key", None),
    ("asn1crypto/keys/test-ec-named.key", None),
    ("asn1crypto/keys/test-aes128.key", "password123"),
    ("asn1crypto/keys/test-dsa.key", None),
    ("rfc9216/dana.decrypt.key", None),
    (COVERT, "test12345678"),
]


def _der_of(data: bytes) -> bytes:
    return pem_blocks(data)[0].der if is_pem(data) else data


@pytest.mark.parametrize(("path", "password"), HOSTILE_SEEDS)
@given(data=st.data())
def test_mutated_keys_raise_only_smime_errors(
    path: str, password: str | None, data: st.DataObject
) -> None:
    original = load_vector(path)
    target = data.draw(st.sampled_from([original, _der_of(original)]))
    kind = data.draw(st.sampled_from(["truncate", "flip"]))
    if kind == "truncate":
        mutated = target[: data.draw(st.integers(0, len(target) - 1))]
    else:
        buf = bytearray(target)
        for _ in range(data.draw(st.integers(1, 3))):
            buf[data.draw(st.integers(0, len(buf) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        mutated = bytes(buf)
    start = time.perf_counter()
    with contextlib.suppress(SmimeError):
        load_private_key(mutated, password)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(("path", "password"), HOSTILE_SEEDS)
def test_every_truncation_fails_cleanly(path: str, password: str | None) -> None:
    original = _der_of(load_vector(path))
    for cut in range(len(original)):
        with pytest.raises(SmimeError):
            load_der_private_key(original[:cut], password)


@given(
    fields=st.lists(
        st.one_of(st.integers(0, 12), st.sampled_from([65537, 2**64 + 1, 2**521 - 1])),
        min_size=5,
        max_size=8,
    ),
    factor=st.booleans(),
)
@example(fields=[0, 3, 5, 1, 6, 1, 1, 1], factor=True)  # prime1 = 1
@example(fields=[0, 3, 5, 7, 7, 1, 1, 1], factor=True)  # prime1 = prime2
def test_random_integer_keys_raise_only_smime_errors(fields: list[int], factor: bool) -> None:
    """PKCS#1 / DSA SEQUENCEs of arbitrary small INTEGERs (p = 1, p = q, d = 0 ...)."""
    fields = [0, *fields]
    if factor and len(fields) == 9:
        fields[1] = fields[4] * fields[5]
    with contextlib.suppress(SmimeError):
        load_der_private_key(der.sequence(*(der.encode_int(v) for v in fields)))


def test_hostile_spki() -> None:
    for data in [
        b"",
        b"\x30\x80" * 10_000,
        b"\x30\x84\xff\xff\xff\xff",
        der.sequence(der.sequence(der.encode_oid("1.2.840.113549.1.1.1")), b"\x03\x01\x00"),
        der.sequence(
            AlgorithmIdentifier("1.2.840.113549.1.1.1", b"\x05\x00").to_der(),
            der.encode_bit_string(der.sequence(der.encode_int(-5), der.encode_int(3))),
        ),
        der.sequence(
            AlgorithmIdentifier("1.2.840.113549.1.1.1", b"\x05\x00").to_der(),
            der.encode_bit_string(der.sequence(der.encode_int(1 << 20000), der.encode_int(65537))),
        ),
    ]:
        with pytest.raises(SmimeError):
            load_der_public_key(data)
