"""RSA key transport: real EnvelopedData vectors, OAEP parameters, implicit rejection,
uniform errors, policy and OpenSSL interop."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from Crypto.Cipher import AES, DES3
from Crypto.PublicKey import RSA
from Crypto.Util.Padding import unpad
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import keytransport
from smimelib.crypto.algorithms import Kind, lookup
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key
from smimelib.crypto.params import OaepParams, decode_oaep_params
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    PolicyError,
    UnsupportedAlgorithm,
    UsageError,
)
from tests.peers import openssl
from tests.vectors import load_vector

CONTENT = b"This is some sample content."  # RFC 4134 ExContent.bin, examples-cms plaintext


def load_rsa(relative: str) -> PrivateKey:
    data = load_vector(relative)
    if b"-----BEGIN" in data:
        m = re.search(rb"-----BEGIN PRIVATE KEY-----(.*?)-----END", data, re.S)
        assert m is not None
        data = base64.b64decode(b"".join(m.group(1).split()))
    return PrivateKey(KeyType.RSA, RSA.import_key(data))


@pytest.fixture(scope="module")
def bob() -> PrivateKey:
    return load_rsa("rfc9216/bob.decrypt.key")  # RSA-2048, RFC 9216 section 5.4


def first_ktri(relative: str) -> tuple[AlgorithmIdentifier, bytes, AlgorithmIdentifier, bytes]:
    """(keyEncryptionAlgorithm, encryptedKey, contentEncryptionAlgorithm, encryptedContent)
    of an EnvelopedData's first KeyTransRecipientInfo (RFC 5652 sections 6.1, 6.2.1)."""
    env = tlv.parse_one(load_vector(relative)).children()[1].children()[0].children()
    recipients, eci = env[-2], env[-1]
    ktri = recipients.children()[0].children()
    eci_parts = eci.children()
    return (
        AlgorithmIdentifier.from_element(ktri[2]),
        ktri[3].as_octets(),
        AlgorithmIdentifier.from_element(eci_parts[1]),
        eci_parts[2].as_octets(implicit=True),
    )


def test_examples_cms_oaep_vector(bob: PrivateKey) -> None:
    # draft-ireland-examples-cms: RSAES-OAEP SHA-256 / MGF1-SHA-256 to Bob, AES-128-CBC
    alg, wrapped, cea, ciphertext = first_ktri(
        "examples-cms/binary-files/encryptedForBobRSAOaep.p7m"
    )
    assert decode_oaep_params(alg.parameters) == OaepParams("sha256", "sha256")
    cek = keytransport.decrypt_key(bob, alg, wrapped)
    assert len(cek) == 16
    iv = tlv.parse_one(cea.parameters or b"").as_octets()
    assert unpad(AES.new(cek, AES.MODE_CBC, iv).decrypt(ciphertext), 16) == CONTENT
    assert keytransport.decrypt_key(bob, alg, wrapped, implicit_rejection_length=16) == cek


def test_rfc4134_v15_vector() -> None:
    # RFC 4134 section 5.1: rsaEncryption (PKCS#1 v1.5) to Bob's RSA-1024 key, 3DES content
    key = load_rsa("rfc4134/BobPrivRSAEncrypt.pri")
    alg, wrapped, cea, ciphertext = first_ktri("rfc4134/5.1.bin")
    assert alg == AlgorithmIdentifier(keytransport.RSA_ENCRYPTION, NULL)
    cek = keytransport.decrypt_key(key, alg, wrapped)
    iv = tlv.parse_one(cea.parameters or b"").as_octets()
    assert unpad(DES3.new(cek, DES3.MODE_CBC, iv).decrypt(ciphertext), 8) == CONTENT
    assert keytransport.decrypt_key(key, alg, wrapped, implicit_rejection_length=24) == cek


ALGORITHMS = [
    keytransport.pkcs1_algorithm(),
    AlgorithmIdentifier(keytransport.RSA_ENCRYPTION),  # absent parameters are read too
    keytransport.oaep_algorithm(),  # SHA-256 / MGF1-SHA-256
    keytransport.oaep_algorithm("sha1"),  # explicit defaults: empty SEQUENCE
    AlgorithmIdentifier(keytransport.ID_RSAES_OAEP),  # absent parameters = SHA-1 defaults
    keytransport.oaep_algorithm("sha384", "sha1"),
    keytransport.oaep_algorithm("sha512", label=b"a label"),
    keytransport.oaep_algorithm("sha224", "sha512"),
]


@pytest.mark.parametrize("alg", ALGORITHMS, ids=lambda a: (a.parameters or b"-").hex()[:24])
def test_round_trip(bob: PrivateKey, alg: AlgorithmIdentifier) -> None:
    cek = bytes(range(32))
    wrapped = keytransport.encrypt_key(bob.public_key(), alg, cek)
    assert len(wrapped) == 256
    assert keytransport.decrypt_key(bob, alg, wrapped) == cek
    assert keytransport.decrypt_key(bob, alg, wrapped, implicit_rejection_length=32) == cek


def test_oaep_algorithm_encoding() -> None:
    # RFC 4055 section 4.1: defaults are omitted; SHA-1 everywhere gives an empty SEQUENCE
    assert keytransport.oaep_algorithm("sha1").to_der().hex() == "300d06092a864886f70d0101073000"
    sha256 = keytransport.oaep_algorithm()
    assert decode_oaep_params(sha256.parameters) == OaepParams("sha256", "sha256", b"")
    labelled = keytransport.oaep_algorithm("sha256", "sha384", b"L")
    assert decode_oaep_params(labelled.parameters) == OaepParams("sha256", "sha384", b"L")
    assert keytransport.pkcs1_algorithm().to_der().hex() == "300d06092a864886f70d0101010500"
    for bad in ("md5", "shake256", "nonsense"):
        with pytest.raises(UsageError):
            keytransport.oaep_algorithm(bad)


def test_parameters_are_never_confused(bob: PrivateKey) -> None:
    wrapped = keytransport.encrypt_key(bob.public_key(), keytransport.pkcs1_algorithm(), b"k" * 16)
    # FIELD-NOTES row 8: NULL parameters are not OAEP defaults
    with pytest.raises(DecodeError):
        keytransport.decrypt_key(
            bob, AlgorithmIdentifier(keytransport.ID_RSAES_OAEP, NULL), wrapped
        )
    with pytest.raises(DecodeError):
        keytransport.decrypt_key(
            bob, AlgorithmIdentifier(keytransport.RSA_ENCRYPTION, b"\x30\x00"), wrapped
        )
    with pytest.raises(UnsupportedAlgorithm):
        keytransport.decrypt_key(bob, AlgorithmIdentifier("2.16.840.1.101.3.4.1.2"), wrapped)
    with pytest.raises(UnsupportedAlgorithm):
        keytransport.decrypt_key(bob, AlgorithmIdentifier("1.2.3.4"), wrapped)
    md5_oaep = der.sequence(
        der.explicit(0, AlgorithmIdentifier("1.2.840.113549.2.5", NULL).to_der())
    )
    with pytest.raises(UnsupportedAlgorithm):
        keytransport.decrypt_key(
            bob, AlgorithmIdentifier(keytransport.ID_RSAES_OAEP, md5_oaep), wrapped
        )


def bad_ciphertexts(bob: PrivateKey, alg: AlgorithmIdentifier) -> list[bytes]:
    good = keytransport.encrypt_key(bob.public_key(), alg, b"k" * 16)
    n, _ = bob.public_key().rsa_numbers()
    other = generate_other_key()
    return [
        good[:-1] + bytes([good[-1] ^ 1]),
        good[:-1],  # wrong length
        good + b"\x00",
        bytes(256),
        n.to_bytes(256, "big"),  # not below the modulus
        b"\xff" * 256,
        keytransport.encrypt_key(other.public_key(), alg, b"k" * 16),  # for another key
        b"",
    ]


_OTHER: list[PrivateKey] = []


def generate_other_key() -> PrivateKey:
    if not _OTHER:
        _OTHER.append(load_rsa("rfc9216/alice.decrypt.key"))
    return _OTHER[0]


@pytest.mark.parametrize("alg", [ALGORITHMS[0], ALGORITHMS[2], ALGORITHMS[6]])
def test_failures_are_uniform(bob: PrivateKey, alg: AlgorithmIdentifier) -> None:
    messages = set()
    for bad in bad_ciphertexts(bob, alg):
        with pytest.raises(DecryptionError) as info:
            keytransport.decrypt_key(bob, alg, bad)
        messages.add(str(info.value))
        assert info.value.__cause__ is None and info.value.__suppress_context__
    assert messages == {"decryption failed"}


@pytest.mark.parametrize("alg", [ALGORITHMS[0], ALGORITHMS[2], ALGORITHMS[6]])
def test_implicit_rejection(bob: PrivateKey, alg: AlgorithmIdentifier) -> None:
    # RFC 3218 section 2.3: a wrong padding never raises, it yields a key of the expected
    # length; that key is stable per ciphertext (no "does it change?" oracle) and differs
    # between ciphertexts and from the real key.
    outputs = []
    for bad in bad_ciphertexts(bob, alg):
        first = keytransport.decrypt_key(bob, alg, bad, implicit_rejection_length=16)
        assert len(first) == 16
        assert first != b"k" * 16
        assert keytransport.decrypt_key(bob, alg, bad, implicit_rejection_length=16) == first
        outputs.append(first)
    assert len(set(outputs)) == len(outputs)
    # a correct padding with a key of another length is rejected the same way
    wrapped = keytransport.encrypt_key(bob.public_key(), alg, b"k" * 24)
    wrong_length = keytransport.decrypt_key(bob, alg, wrapped, implicit_rejection_length=16)
    assert len(wrong_length) == 16 and wrong_length != b"k" * 16
    assert keytransport.decrypt_key(bob, alg, wrapped, implicit_rejection_length=24) == b"k" * 24


def test_implicit_rejection_length_bounds(bob: PrivateKey) -> None:
    for bad in (0, -1, 4096):
        with pytest.raises(UsageError):
            keytransport.decrypt_key(bob, ALGORITHMS[0], bytes(256), implicit_rejection_length=bad)


def test_usage_and_policy(bob: PrivateKey) -> None:
    small = load_rsa("openssl/smime-certs/smrsa1024.pem")
    with pytest.raises(PolicyError):  # smimelib never encrypts to RSA keys under 2048 bits
        keytransport.encrypt_key(small.public_key(), ALGORITHMS[2], b"k" * 16)
    ec = generate_private_key(KeyType.EC)
    with pytest.raises(UsageError):
        keytransport.encrypt_key(ec.public_key(), ALGORITHMS[2], b"k" * 16)
    with pytest.raises(UsageError):
        keytransport.decrypt_key(ec, ALGORITHMS[2], bytes(256))
    with pytest.raises(UsageError):
        keytransport.decrypt_key(bob.public_key(), ALGORITHMS[2], bytes(256))  # type: ignore[arg-type]
    with pytest.raises(UsageError):  # longer than OAEP-SHA-512 can carry in 2048 bits
        keytransport.encrypt_key(bob.public_key(), ALGORITHMS[6], bytes(200))
    pss_only = PublicKey(KeyType.RSA, bob.public_key().key, rsa_pss=True)
    with pytest.raises(UsageError):
        keytransport.encrypt_key(pss_only, ALGORITHMS[2], b"k" * 16)


def test_registry() -> None:
    info = lookup(keytransport.ID_RSAES_OAEP)
    assert info.kind is Kind.KEY_TRANSPORT and "RFC 3560" in info.rfc
    # rsaEncryption is registered once, as a public-key algorithm (see module docstring)
    assert lookup(keytransport.RSA_ENCRYPTION).kind is Kind.PUBLIC_KEY


@given(key=st.binary(min_size=1, max_size=100), which=st.integers(0, 100))
def test_random_keys_round_trip(bob: PrivateKey, key: bytes, which: int) -> None:
    alg = ALGORITHMS[which % len(ALGORITHMS)]
    wrapped = keytransport.encrypt_key(bob.public_key(), alg, key)
    assert keytransport.decrypt_key(bob, alg, wrapped) == key


@given(data=st.binary(max_size=300), which=st.integers(0, 100))
def test_random_ciphertexts(bob: PrivateKey, data: bytes, which: int) -> None:
    alg = ALGORITHMS[which % len(ALGORITHMS)]
    with pytest.raises(DecryptionError):
        keytransport.decrypt_key(bob, alg, data)
    assert len(keytransport.decrypt_key(bob, alg, data, implicit_rejection_length=32)) == 32


# -- OpenSSL interop ------------------------------------------------------------------------------

OPENSSL_CASES = [
    ([], keytransport.pkcs1_algorithm()),
    (
        ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha256"],
        keytransport.oaep_algorithm("sha256"),
    ),
    (["rsa_padding_mode:oaep"], keytransport.oaep_algorithm("sha1")),
    (
        ["rsa_padding_mode:oaep", "rsa_oaep_md:sha384", "rsa_mgf1_md:sha1", "rsa_oaep_label:6c61"],
        keytransport.oaep_algorithm("sha384", "sha1", b"la"),
    ),
]


@pytest.mark.interop
@pytest.mark.parametrize(("opts", "alg"), OPENSSL_CASES)
def test_openssl_interop(
    tmp_path: Path, bob: PrivateKey, opts: list[str], alg: AlgorithmIdentifier
) -> None:
    priv, pub = tmp_path / "key.pem", tmp_path / "pub.pem"
    priv.write_bytes(bob.key.export_key("PEM", pkcs=8))
    pub.write_bytes(bob.key.public_key().export_key("PEM"))
    flags = [x for o in opts for x in ("-pkeyopt", o)]
    cek = bytes(range(1, 33))
    (tmp_path / "cek").write_bytes(cek)
    wrapped = tmp_path / "wrapped"
    openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", pub, *flags,
             "-in", tmp_path / "cek", "-out", wrapped])  # fmt: skip
    assert keytransport.decrypt_key(bob, alg, wrapped.read_bytes()) == cek
    wrapped.write_bytes(keytransport.encrypt_key(bob.public_key(), alg, cek))
    out = openssl(["pkeyutl", "-decrypt", "-inkey", priv, *flags, "-in", wrapped])
    assert out.stdout == cek
