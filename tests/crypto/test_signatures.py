"""Signatures: real certificates and CMS signers, RFC 8032 vectors, policy, hostile inputs,
round trips and OpenSSL interop."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import re
from pathlib import Path

import pytest
from Crypto.PublicKey import DSA, ECC, RSA
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import signatures
from smimelib.crypto.algorithms import DEFAULT_POLICY, LEGACY_POLICY, Flag, Kind, Policy, lookup
from smimelib.crypto.digests import digest_algorithm
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key
from smimelib.crypto.params import PssParams, encode_pss_params
from smimelib.errors import (
    DecodeError,
    PolicyError,
    SignatureError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from tests.peers import openssl
from tests.vectors import load_vector, vector_path

SHA256 = digest_algorithm("sha256")
SHA1_NULL = AlgorithmIdentifier("1.3.14.3.2.26", NULL)
RSA_ENC = AlgorithmIdentifier("1.2.840.113549.1.1.1", NULL)
EC_PUB = AlgorithmIdentifier("1.2.840.10045.2.1")
ED25519 = AlgorithmIdentifier("1.3.101.112")
ED448 = AlgorithmIdentifier("1.3.101.113")
_PY_CURVES = {"NIST P-256": "P-256", "NIST P-384": "P-384", "NIST P-521": "P-521"}


# -- helpers: keys and certificates without smimelib.pki (tests only) --------------------------


def pem_block(data: bytes, label: str) -> bytes:
    m = re.search(rb"-----BEGIN " + label.encode() + rb"-----(.*?)-----END", data, re.S)
    assert m is not None, f"no {label} block"
    return base64.b64decode(b"".join(m.group(1).split()))


def load_cert(relative: str) -> bytes:
    data = load_vector(relative)
    return pem_block(data, "CERTIFICATE") if b"-----BEGIN" in data else data


def wrap_private(key: object) -> PrivateKey:
    if isinstance(key, RSA.RsaKey):
        return PrivateKey(KeyType.RSA, key)
    if isinstance(key, DSA.DsaKey):
        return PrivateKey(KeyType.DSA, key)
    assert isinstance(key, ECC.EccKey)
    if key.curve in _PY_CURVES:
        return PrivateKey(KeyType.EC, key, _PY_CURVES[key.curve])
    return PrivateKey({"Ed25519": KeyType.ED25519, "Ed448": KeyType.ED448}[key.curve], key)


def load_private(relative: str) -> PrivateKey:
    data = load_vector(relative)
    der_key = pem_block(data, "PRIVATE KEY") if b"-----BEGIN" in data else data
    for module in (RSA, ECC, DSA):
        with contextlib.suppress(ValueError, IndexError, TypeError):
            return wrap_private(module.import_key(der_key))
    raise AssertionError(f"cannot load {relative}")


def spki_key(spki: tlv.Element) -> PublicKey:
    """PublicKey of a SubjectPublicKeyInfo element (RFC 5280 4.1.2.7)."""
    alg_elem, bits = spki.children()
    alg = AlgorithmIdentifier.from_element(alg_elem)
    raw = bits.as_bit_string()[1]
    if alg.oid == "1.2.840.113549.1.1.10":  # RFC 4055 section 1.2
        n, e = (c.as_int(max_octets=1024) for c in tlv.parse_one(raw).children())
        return dataclasses.replace(PublicKey.rsa(n, e), rsa_pss=True, pss_params=alg.parameters)
    raw_types = {
        "1.3.101.110": KeyType.X25519,
        "1.3.101.111": KeyType.X448,
        "1.3.101.112": KeyType.ED25519,
        "1.3.101.113": KeyType.ED448,
    }
    if alg.oid in raw_types:
        return PublicKey.raw(raw_types[alg.oid], raw)
    if alg.oid == "1.2.840.10045.2.1":
        k = ECC.import_key(spki.raw)
        return PublicKey(KeyType.EC, k, _PY_CURVES[k.curve])
    if alg.oid == "1.2.840.10040.4.1":
        return PublicKey(KeyType.DSA, DSA.import_key(spki.raw))
    return PublicKey(KeyType.RSA, RSA.import_key(spki.raw))


@dataclasses.dataclass
class Cert:
    tbs: bytes
    algorithm: AlgorithmIdentifier
    signature: bytes
    public_key: PublicKey


def parse_cert(relative: str) -> Cert:
    root = tlv.parse_one(load_cert(relative))
    tbs, alg, sig = root.children()
    fields = tbs.children()
    spki = fields[6] if fields[0].tag == tlv.Tag.context(0) else fields[5]
    return Cert(
        tbs.raw, AlgorithmIdentifier.from_element(alg), sig.as_bit_string()[1], spki_key(spki)
    )


@dataclasses.dataclass
class Signer:
    signed: bytes  # DER signedAttrs re-tagged as SET, or the eContent
    digest_algorithm: AlgorithmIdentifier
    algorithm: AlgorithmIdentifier
    signature: bytes


def first_signer(relative: str) -> Signer:
    """The first SignerInfo of a ContentInfo/SignedData (RFC 5652 sections 5.1, 5.3, 5.4)."""
    signed_data = tlv.parse_one(load_vector(relative)).children()[1].children()[0]
    parts = signed_data.children()
    encap = parts[2].children()
    content = encap[1].children()[0].as_octets() if len(encap) == 2 else b""
    info = parts[-1].children()[0].children()
    digest_alg = AlgorithmIdentifier.from_element(info[2])
    rest = list(info[3:])
    signed = content
    if rest[0].tag == tlv.Tag.context(0):
        signed = b"\x31" + rest.pop(0).raw[1:]  # RFC 5652 section 5.4: EXPLICIT SET OF tag
    return Signer(
        signed, digest_alg, AlgorithmIdentifier.from_element(rest[0]), rest[1].as_octets()
    )


def flip(data: bytes, index: int) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> PrivateKey:
    return load_private("rfc9216/alice.sign.key")  # RSA-2048, RFC 9216 section 4.2


@pytest.fixture(scope="module")
def ec_keys() -> dict[str, PrivateKey]:
    return {c: generate_private_key(KeyType.EC, curve=c) for c in ("P-256", "P-384", "P-521")}


@pytest.fixture(scope="module")
def ed_keys() -> dict[KeyType, PrivateKey]:
    return {t: generate_private_key(t) for t in (KeyType.ED25519, KeyType.ED448)}


# -- real certificates -------------------------------------------------------------------------

CERTS = [
    # (certificate, issuer certificate or None when self-signed, policy)
    ("rfc9216/ca.rsa.crt", None, None),  # sha512WithRSAEncryption
    ("rfc9216/alice.sign.crt", "rfc9216/ca.rsa.crt", None),
    ("rfc9216/ca.25519.crt", None, None),  # Ed25519
    ("rfc9216/carlos.sign.crt", "rfc9216/ca.25519.crt", None),
    ("rfc9216/ca.rsa.cross.crt", "rfc9216/ca.25519.crt", None),
    ("rfc9216/ca.25519.cross.crt", "rfc9216/ca.rsa.crt", None),  # sha256WithRSAEncryption
    ("asn1crypto/keys/test-rsapss.crt", None, None),  # RSASSA-PSS SHA-256, salt 222
    ("asn1crypto/keys/test-ec-named.crt", None, None),  # ecdsa-with-SHA256, P-256
    ("asn1crypto/keys/test-ed448.crt", None, None),  # Ed448
    ("asn1crypto/keys/test-inter.crt", "asn1crypto/keys/test.crt", None),
    ("openssl/smime-certs/smec1.pem", "openssl/smime-certs/smroot.pem", None),
    ("asn1crypto/keys/test-dsa.crt", None, LEGACY_POLICY),  # id-dsa-with-sha256
    ("rfc4134/CarlDSSSelf.cer", None, LEGACY_POLICY),  # id-dsa-with-sha1, DSA-1024
    ("rfc4134/CarlRSASelf.cer", None, LEGACY_POLICY),  # sha1WithRSAEncryption, RSA-1024
]


@pytest.mark.parametrize(("cert", "issuer", "policy"), CERTS)
def test_certificate_signatures(cert: str, issuer: str | None, policy: Policy | None) -> None:
    c = parse_cert(cert)
    key = parse_cert(issuer).public_key if issuer else c.public_key
    use = policy or DEFAULT_POLICY
    signatures.verify(key, c.algorithm, c.tbs, c.signature, policy=use)
    with pytest.raises(SignatureError):
        signatures.verify(key, c.algorithm, flip(c.tbs, len(c.tbs) // 2), c.signature, policy=use)
    with pytest.raises(SignatureError):
        signatures.verify(key, c.algorithm, c.tbs, flip(c.signature, 7), policy=use)
    if policy is not None:  # the legacy vectors are refused by default
        with pytest.raises(PolicyError):
            signatures.verify(key, c.algorithm, c.tbs, c.signature)


def test_rfc8410_example_certificate() -> None:
    # RFC 8410 section 10.2: an X25519 certificate signed with the Ed25519 key of 10.3
    seed = tlv.parse_one(load_vector("libksba/ed25519-rfc8410.key")).children()[2].as_octets()
    key = PrivateKey.raw(KeyType.ED25519, tlv.parse_one(seed).as_octets())
    c = parse_cert("libksba/ed25519-rfc8410.crt")
    assert c.public_key.type is KeyType.X25519
    signatures.verify(key.public_key(), c.algorithm, c.tbs, c.signature)
    with pytest.raises(SignatureError):  # the certified key is X25519: it cannot verify
        signatures.verify(c.public_key, c.algorithm, c.tbs, c.signature)


def test_pss_certificate_salt_is_enforced() -> None:
    c = parse_cert("asn1crypto/keys/test-rsapss.crt")
    assert signatures.resolve_signature(c.algorithm).pss == PssParams("sha256", "sha256", 222)
    other_salt = AlgorithmIdentifier(
        c.algorithm.oid, encode_pss_params(PssParams("sha256", "sha256", 32))
    )
    with pytest.raises(SignatureError):
        signatures.verify(c.public_key, other_salt, c.tbs, c.signature)


# -- real CMS signers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "cert", "policy"),
    [
        # rsaEncryption + SHA-256 digestAlgorithm (CMS style, RFC 3370 section 3.2)
        ("examples-cms/binary-files/signedByAliceRSA.p7m", "rfc9216/alice.sign.crt", None),
        # RSASSA-PSS SHA-256 / MGF1-SHA-256 / salt 32 (RFC 4056)
        ("examples-cms/binary-files/signedByAliceRSAPSS.p7m", "rfc9216/alice.sign.crt", None),
        # Ed25519 with signed attributes (RFC 8419)
        ("examples-cms/binary-files/signedByCarlosEd25519.p7m", "rfc9216/carlos.sign.crt", None),
        # RFC 4134 4.1: id-dsa-with-sha1 over the content; 4.2: rsaEncryption + SHA-1
        ("rfc4134/4.1.bin", "rfc4134/AliceDSSSignByCarlNoInherit.cer", LEGACY_POLICY),
        ("rfc4134/4.2.bin", "rfc4134/AliceRSASignByCarl.cer", LEGACY_POLICY),
    ],
)
def test_cms_signer_infos(message: str, cert: str, policy: Policy | None) -> None:
    s = first_signer(message)
    key = parse_cert(cert).public_key
    use = policy or DEFAULT_POLICY
    digest = s.digest_algorithm
    signatures.verify(key, s.algorithm, s.signed, s.signature, digest_algorithm=digest, policy=use)
    with pytest.raises(SignatureError):
        tampered = flip(s.signed, 3)
        signatures.verify(
            key, s.algorithm, tampered, s.signature, digest_algorithm=digest, policy=use
        )
    if policy is not None:
        with pytest.raises(PolicyError):
            signatures.verify(
                key, s.algorithm, s.signed, s.signature, digest_algorithm=s.digest_algorithm
            )


def test_cms_rsa_encryption_needs_the_digest() -> None:
    s = first_signer("examples-cms/binary-files/signedByAliceRSA.p7m")
    key = parse_cert("rfc9216/alice.sign.crt").public_key
    with pytest.raises(SignatureError, match="digest algorithm"):
        signatures.verify(key, s.algorithm, s.signed, s.signature)
    with pytest.raises(SignatureError):  # the wrong hash
        signatures.verify(
            key, s.algorithm, s.signed, s.signature, digest_algorithm=digest_algorithm("sha384")
        )


def test_pss_digest_algorithm_must_match() -> None:
    s = first_signer("examples-cms/binary-files/signedByAliceRSAPSS.p7m")
    key = parse_cert("rfc9216/alice.sign.crt").public_key
    with pytest.raises(SignatureError, match="sha512"):
        signatures.verify(
            key, s.algorithm, s.signed, s.signature, digest_algorithm=digest_algorithm("sha512")
        )


# -- RFC 8032 known answers --------------------------------------------------------------------

# RFC 8032 section 7.1 (Ed25519 TEST 1, 2, 3) and section 7.4 (Ed448 "Blank", "1 octet"):
# (type, secret key, public key, message, signature)
RFC8032 = [
    (
        KeyType.ED25519,
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
        "39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        KeyType.ED25519,
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f"
        "3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        KeyType.ED25519,
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67"
        "f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        KeyType.ED448,
        "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3"
        "fc5b94492f8f032e7549a20098f95b",
        "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6"
        "783df1e50f6cd1fa1abeafe8256180",
        "",
        "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd"
        "7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db9"
        "9ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
    ),
    (
        KeyType.ED448,
        "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3b"
        "c397a659949ef8021e954e0a12274e",
        "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b843"
        "8ea4cb82169c235160627b4c3a9480",
        "03",
        "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f"
        "62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7"
        "e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00",
    ),
]


@pytest.mark.parametrize(("kind", "secret", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(
    kind: KeyType, secret: str, public: str, message: str, signature: str
) -> None:
    key = PrivateKey.raw(kind, bytes.fromhex(secret))
    assert key.public_key().raw_bytes().hex() == public
    alg = ED25519 if kind is KeyType.ED25519 else ED448
    msg = bytes.fromhex(message)
    assert signatures.sign(key, alg, msg).hex() == signature  # EdDSA is deterministic
    pub = PublicKey.raw(kind, bytes.fromhex(public))
    signatures.verify(pub, alg, msg, bytes.fromhex(signature))
    with pytest.raises(SignatureError):
        signatures.verify(pub, alg, msg + b"\x00", bytes.fromhex(signature))
    with pytest.raises(SignatureError):  # truncated
        signatures.verify(pub, alg, msg, bytes.fromhex(signature)[:-1])


def test_eddsa_parameters_must_be_absent(ed_keys: dict[KeyType, PrivateKey]) -> None:
    key = ed_keys[KeyType.ED25519]
    sig = signatures.sign(key, ED25519, b"m")
    with pytest.raises(DecodeError):
        signatures.verify(key.public_key(), AlgorithmIdentifier(ED25519.oid, NULL), b"m", sig)
    with pytest.raises(SignatureError):  # Ed25519 key, Ed448 algorithm
        signatures.verify(key.public_key(), ED448, b"m", sig)


# -- round trips for every algorithm -----------------------------------------------------------

RSA_DIGESTS = [
    *("sha224", "sha256", "sha384", "sha512", "sha512-224", "sha512-256"),
    *("sha3-224", "sha3-256", "sha3-384", "sha3-512"),
]
EC_DIGESTS = [
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
]


def all_signers(
    rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey], ed_keys: dict[KeyType, PrivateKey]
) -> list[tuple[PrivateKey, AlgorithmIdentifier]]:
    out = [(rsa_key, signatures.signature_algorithm(rsa_key, d)) for d in RSA_DIGESTS]
    out += [(rsa_key, signatures.signature_algorithm(rsa_key, d, pss=True)) for d in RSA_DIGESTS]
    out += [(k, signatures.signature_algorithm(k, d)) for k in ec_keys.values() for d in EC_DIGESTS]
    out += [(k, signatures.signature_algorithm(k)) for k in ed_keys.values()]
    return out


@given(message=st.binary(max_size=300), which=st.integers(0, 1000), bit=st.integers(0, 10_000))
def test_sign_verify_and_bit_flips(
    rsa_key: PrivateKey,
    ec_keys: dict[str, PrivateKey],
    ed_keys: dict[KeyType, PrivateKey],
    message: bytes,
    which: int,
    bit: int,
) -> None:
    signers = all_signers(rsa_key, ec_keys, ed_keys)
    key, alg = signers[which % len(signers)]
    sig = signatures.sign(key, alg, message)
    signatures.verify(key.public_key(), alg, message, sig)
    bad = bytearray(sig)
    bad[(bit // 8) % len(bad)] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError):
        signatures.verify(key.public_key(), alg, message, bytes(bad))
    if message:
        tampered = bytearray(message)
        tampered[(bit // 8) % len(tampered)] ^= 1 << (bit % 8)
        with pytest.raises(SignatureError):
            signatures.verify(key.public_key(), alg, bytes(tampered), sig)


def test_every_signer_algorithm_is_registered(
    rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey], ed_keys: dict[KeyType, PrivateKey]
) -> None:
    for _, alg in all_signers(rsa_key, ec_keys, ed_keys):
        info = lookup(alg)
        assert info.kind is Kind.SIGNATURE and info.rfc
    # every signature OID smimelib writes: 10 RSA PKCS#1 v1.5, PSS, 8 ECDSA, 2 EdDSA
    assert len({alg.oid for _, alg in all_signers(rsa_key, ec_keys, ed_keys)}) == 21


def test_cms_style_key_algorithms(rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey]) -> None:
    sig = signatures.sign(rsa_key, RSA_ENC, b"data", digest_algorithm=SHA256)
    # the same bytes as sha256WithRSAEncryption: PKCS#1 v1.5 is deterministic
    combined = signatures.signature_algorithm(rsa_key, "sha256")
    assert sig == signatures.sign(rsa_key, combined, b"data")
    signatures.verify(rsa_key.public_key(), RSA_ENC, b"data", sig, digest_algorithm=SHA256)
    signatures.verify(rsa_key.public_key(), combined, b"data", sig, digest_algorithm=SHA256)
    key = ec_keys["P-384"]
    sig = signatures.sign(key, EC_PUB, b"data", digest_algorithm=digest_algorithm("sha384"))
    for params in (None, NULL, der.encode_oid("1.3.132.0.34")):
        signatures.verify(
            key.public_key(),
            AlgorithmIdentifier(EC_PUB.oid, params),
            b"data",
            sig,
            digest_algorithm=digest_algorithm("sha384"),
        )
    with pytest.raises(SignatureError, match="curve"):
        signatures.verify(
            key.public_key(),
            AlgorithmIdentifier(EC_PUB.oid, der.encode_oid("1.2.840.10045.3.1.7")),
            b"data",
            sig,
            digest_algorithm=digest_algorithm("sha384"),
        )
    with pytest.raises(UsageError):
        signatures.sign(rsa_key, RSA_ENC, b"data")


def test_sign_digest_and_verify_digest(rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey]) -> None:
    h = hashlib.sha256(b"streamed").digest()
    alg = signatures.signature_algorithm(rsa_key, "sha256", pss=True)
    sig = signatures.sign_digest(rsa_key, alg, h)
    signatures.verify(rsa_key.public_key(), alg, b"streamed", sig)
    signatures.verify_digest(rsa_key.public_key(), alg, h, sig)
    key = ec_keys["P-256"]
    alg = signatures.signature_algorithm(key, "sha256")
    signatures.verify_digest(key.public_key(), alg, h, signatures.sign(key, alg, b"streamed"))
    with pytest.raises(UsageError):
        signatures.verify_digest(key.public_key(), alg, h[:-1], b"x")
    with pytest.raises(UsageError):
        signatures.sign_digest(PrivateKey.raw(KeyType.ED25519, bytes(32)), ED25519, h)


# -- RSA details -------------------------------------------------------------------------------


def raw_rsa_sign(key: PrivateKey, em: bytes) -> bytes:
    """RSASP1 on a chosen encoded message, to forge test encodings."""
    n, _, d, _, _ = key.rsa_numbers()
    return pow(int.from_bytes(em, "big"), d, n).to_bytes(len(em), "big")


def pkcs1_em(key: PrivateKey, digest_info: bytes, pad: int | None = None) -> bytes:
    k = (key.size_bits + 7) // 8
    pad = k - len(digest_info) - 3 if pad is None else pad
    em = b"\x00\x01" + b"\xff" * pad + b"\x00" + digest_info
    return em + bytes(k - len(em))


def test_pkcs1_digest_info_forms(rsa_key: PrivateKey) -> None:
    alg = signatures.signature_algorithm(rsa_key, "sha256")
    h = der.encode_octets(hashlib.sha256(b"m").digest())
    oid = der.encode_oid("2.16.840.1.101.3.4.2.1")
    pub = rsa_key.public_key()
    with_null = der.sequence(der.sequence(oid + NULL) + h)
    signatures.verify(pub, alg, b"m", raw_rsa_sign(rsa_key, pkcs1_em(rsa_key, with_null)))
    # absent NULL: accepted, it is an exact encoding (see the module docstring)
    absent = der.sequence(der.sequence(oid) + h)
    signatures.verify(pub, alg, b"m", raw_rsa_sign(rsa_key, pkcs1_em(rsa_key, absent)))
    bad_forms = [
        # Bleichenbacher 2006: shorter padding, garbage after the DigestInfo
        pkcs1_em(rsa_key, with_null, pad=100)[:-1] + b"\x01",
        # other parameters than NULL
        pkcs1_em(rsa_key, der.sequence(der.sequence(oid + der.encode_octets(b"")) + h)),
        # non-minimal DER length inside the DigestInfo
        pkcs1_em(rsa_key, b"\x30\x81" + with_null[1:]),
        # block type 2 instead of 1
        b"\x00\x02" + pkcs1_em(rsa_key, with_null)[2:],
    ]
    for em in bad_forms:
        with pytest.raises(SignatureError):
            signatures.verify(pub, alg, b"m", raw_rsa_sign(rsa_key, em))


def test_rsa_signature_length_and_range(rsa_key: PrivateKey) -> None:
    alg = signatures.signature_algorithm(rsa_key, "sha256")
    sig = signatures.sign(rsa_key, alg, b"m")
    n, _ = rsa_key.public_key().rsa_numbers()
    for bad in (b"\x00" + sig, sig[1:], n.to_bytes(256, "big"), b"\xff" * 256, b""):
        with pytest.raises(SignatureError):
            signatures.verify(rsa_key.public_key(), alg, b"m", bad)


@pytest.mark.parametrize("salt", [0, 20, 64, 222])
def test_pss_salt_lengths(rsa_key: PrivateKey, salt: int) -> None:
    alg = signatures.signature_algorithm(rsa_key, "sha256", pss=True, salt_length=salt)
    assert signatures.resolve_signature(alg).pss == PssParams("sha256", "sha256", salt)
    sig = signatures.sign(rsa_key, alg, b"m")
    signatures.verify(rsa_key.public_key(), alg, b"m", sig)
    other = signatures.signature_algorithm(rsa_key, "sha256", pss=True, salt_length=salt + 1)
    with pytest.raises(SignatureError):
        signatures.verify(rsa_key.public_key(), other, b"m", sig)


def test_pss_errors(rsa_key: PrivateKey) -> None:
    with pytest.raises(DecodeError):  # RFC 4055 section 3.1: parameters MUST be present
        signatures.resolve_signature(AlgorithmIdentifier("1.2.840.113549.1.1.10"))
    too_long = signatures.signature_algorithm(rsa_key, "sha512", pss=True, salt_length=200)
    with pytest.raises(UsageError):
        signatures.sign(rsa_key, too_long, b"m")
    with pytest.raises(SignatureError):
        signatures.verify(rsa_key.public_key(), too_long, b"m", bytes(256))


def test_pss_key_restrictions(rsa_key: PrivateKey) -> None:
    # RFC 4055 section 3.3: a key with RSASSA-PSS parameters bounds the signature's
    restricted = encode_pss_params(PssParams("sha256", "sha256", 32))
    pss_key = dataclasses.replace(rsa_key.public_key(), rsa_pss=True, pss_params=restricted)
    good = signatures.signature_algorithm(rsa_key, "sha256", pss=True, salt_length=48)
    signatures.verify(pss_key, good, b"m", signatures.sign(rsa_key, good, b"m"))
    for alg in (
        signatures.signature_algorithm(rsa_key, "sha384", pss=True),
        signatures.signature_algorithm(rsa_key, "sha256", pss=True, salt_length=16),
        signatures.signature_algorithm(rsa_key, "sha256"),  # an RSASSA-PSS key: PSS only
    ):
        with pytest.raises(SignatureError, match="RFC 4055"):
            signatures.verify(pss_key, alg, b"m", signatures.sign(rsa_key, alg, b"m"))
    assert signatures.signature_algorithm(pss_key, "sha256").oid == "1.2.840.113549.1.1.10"
    # the restriction holds for the private half too: no PKCS#1 v1.5 signature from it
    pss_private = dataclasses.replace(rsa_key, rsa_pss=True, pss_params=restricted)
    assert signatures.signature_algorithm(pss_private, "sha256").oid == "1.2.840.113549.1.1.10"
    with pytest.raises(UsageError, match="RFC 4055"):
        signatures.sign(pss_private, signatures.signature_algorithm(rsa_key, "sha256"), b"m")


# -- ECDSA signature values --------------------------------------------------------------------


def test_ecdsa_signature_value_strictness(ec_keys: dict[str, PrivateKey]) -> None:
    key = ec_keys["P-256"]
    alg = signatures.signature_algorithm(key, "sha256")
    pub = key.public_key()
    sig = signatures.sign(key, alg, b"m")
    r, s = (c.as_int() for c in tlv.parse_one(sig).children())
    n = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    r_der, s_der = der.encode_int(r), der.encode_int(s)
    # ECDSA malleability: (r, n - s) is the other valid signature, not an error
    signatures.verify(pub, alg, b"m", der.sequence(r_der, der.encode_int(n - s)))
    bad = [
        sig + b"\x00",  # trailing data
        b"\x30\x81" + sig[1:],  # non-minimal length (X.690 10.1)
        der.sequence(b"\x02" + bytes([len(r_der) - 1]) + b"\x00" + r_der[2:], s_der),  # 8.3.2
        b"\x30\x80" + r_der + s_der + b"\x00\x00",  # BER indefinite length
        der.sequence(r_der, s_der, der.encode_int(1)),  # three integers
        der.sequence(r_der),
        der.encode_octets(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
        r.to_bytes(32, "big") + s.to_bytes(32, "big"),  # IEEE P1363 form, not DER
        der.sequence(der.encode_int(0), s_der),  # out of range
        der.sequence(r_der, der.encode_int(n)),
        der.sequence(r_der, der.encode_int(s + n)),  # the same value modulo n
        der.sequence(der.encode_int(-r), s_der),
        b"",
        b"\x30" + b"\xff" * 300,
    ]
    for value in bad:
        with pytest.raises(SignatureError):
            signatures.verify(pub, alg, b"m", value)


@given(sig=st.binary(max_size=150), which=st.integers(0, 1000))
def test_random_signatures_raise_only_signature_error(
    rsa_key: PrivateKey,
    ec_keys: dict[str, PrivateKey],
    ed_keys: dict[KeyType, PrivateKey],
    sig: bytes,
    which: int,
) -> None:
    signers = all_signers(rsa_key, ec_keys, ed_keys)
    key, alg = signers[which % len(signers)]
    with pytest.raises(SignatureError):
        signatures.verify(key.public_key(), alg, b"m", sig)


@given(params=st.binary(max_size=60), which=st.integers(0, 1000))
def test_random_parameters_raise_only_smimelib_errors(
    rsa_key: PrivateKey,
    ec_keys: dict[str, PrivateKey],
    ed_keys: dict[KeyType, PrivateKey],
    params: bytes,
    which: int,
) -> None:
    signers = all_signers(rsa_key, ec_keys, ed_keys)
    key, alg = signers[which % len(signers)]
    with contextlib.suppress(SmimeError):
        signatures.verify(key.public_key(), AlgorithmIdentifier(alg.oid, params), b"m", b"s")


# -- DSA ---------------------------------------------------------------------------------------


def test_dsa_is_verify_only() -> None:
    key = load_private("openssl/smime-certs/smdsa1.pem")
    alg = AlgorithmIdentifier("2.16.840.1.101.3.4.3.2")  # id-dsa-with-sha256
    with pytest.raises(PolicyError):
        signatures.sign(key, alg, b"m")
    with pytest.raises(PolicyError):
        signatures.signature_algorithm(key, "sha256")
    assert lookup(alg).flags & Flag.LEGACY and lookup(alg).flags & Flag.CONSUME_ONLY
    assert lookup("1.2.840.10040.4.3").flags & Flag.WEAK  # id-dsa-with-sha1


# -- policy and misuse -------------------------------------------------------------------------


def test_sha1_refused_by_default() -> None:
    c = parse_cert("rfc4134/CarlRSASelf.cer")
    with pytest.raises(PolicyError, match="sha1WithRSAEncryption"):
        signatures.verify(c.public_key, c.algorithm, c.tbs, c.signature)
    relaxed = Policy(allow_weak=True, min_rsa_bits=1024)
    signatures.verify(c.public_key, c.algorithm, c.tbs, c.signature, policy=relaxed)
    with pytest.raises(PolicyError, match="1024"):  # SHA-1 allowed, RSA-1024 still not
        signatures.verify(
            c.public_key, c.algorithm, c.tbs, c.signature, policy=Policy(allow_weak=True)
        )


def test_small_rsa_keys() -> None:
    key = load_private("openssl/smime-certs/smrsa1024.pem")
    assert key.size_bits == 1024
    alg = AlgorithmIdentifier("1.2.840.113549.1.1.11", NULL)
    with pytest.raises(PolicyError):
        signatures.sign(key, alg, b"m")
    # a signature made outside smimelib by the same key
    oid = der.encode_oid("2.16.840.1.101.3.4.2.1")
    info = der.sequence(der.sequence(oid + NULL) + der.encode_octets(hashlib.sha256(b"m").digest()))
    sig = raw_rsa_sign(key, pkcs1_em(key, info))
    with pytest.raises(PolicyError):
        signatures.verify(key.public_key(), alg, b"m", sig)
    signatures.verify(key.public_key(), alg, b"m", sig, policy=LEGACY_POLICY)


def test_never_signs_weak(rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey]) -> None:
    for alg in (
        AlgorithmIdentifier("1.2.840.113549.1.1.5", NULL),  # sha1WithRSAEncryption
        AlgorithmIdentifier("1.2.840.113549.1.1.4", NULL),  # md5WithRSAEncryption
    ):
        with pytest.raises(PolicyError):
            signatures.sign(rsa_key, alg, b"m")
    with pytest.raises(PolicyError):
        signatures.sign(rsa_key, RSA_ENC, b"m", digest_algorithm=SHA1_NULL)
    with pytest.raises(PolicyError):
        signatures.signature_algorithm(ec_keys["P-256"], "sha1")
    with pytest.raises(PolicyError):
        signatures.signature_algorithm(rsa_key, "sha1", pss=True)


def test_key_algorithm_mismatch(
    rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey], ed_keys: dict[KeyType, PrivateKey]
) -> None:
    ec = ec_keys["P-256"]
    rsa_alg = signatures.signature_algorithm(rsa_key, "sha256")
    ec_alg = signatures.signature_algorithm(ec, "sha256")
    with pytest.raises(UsageError):
        signatures.sign(ec, rsa_alg, b"m")
    with pytest.raises(UsageError):
        signatures.sign(rsa_key, ec_alg, b"m")
    with pytest.raises(UsageError):
        signatures.sign(ed_keys[KeyType.ED448], ED25519, b"m")
    with pytest.raises(SignatureError):
        signatures.verify(ec.public_key(), rsa_alg, b"m", signatures.sign(rsa_key, rsa_alg, b"m"))
    with pytest.raises(SignatureError):
        signatures.verify(rsa_key.public_key(), ec_alg, b"m", signatures.sign(ec, ec_alg, b"m"))
    with pytest.raises(UsageError):
        signatures.sign(rsa_key.public_key(), rsa_alg, b"m")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        signatures.verify(rsa_key, rsa_alg, b"m", b"")  # type: ignore[arg-type]
    x25519 = generate_private_key(KeyType.X25519)
    with pytest.raises(UsageError):
        signatures.signature_algorithm(x25519)
    with pytest.raises(UsageError):
        signatures.signature_algorithm(ec, pss=True)


def test_combined_oid_and_digest_algorithm_must_agree(rsa_key: PrivateKey) -> None:
    alg = signatures.signature_algorithm(rsa_key, "sha256")
    sig = signatures.sign(rsa_key, alg, b"m", digest_algorithm=SHA256)
    with pytest.raises(SignatureError, match="sha384"):
        signatures.verify(
            rsa_key.public_key(), alg, b"m", sig, digest_algorithm=digest_algorithm("sha384")
        )
    with pytest.raises(UsageError):
        signatures.sign(rsa_key, alg, b"m", digest_algorithm=digest_algorithm("sha512"))


@pytest.mark.parametrize(
    ("oid", "params", "error"),
    [
        ("1.2.840.113549.1.1.2", NULL, UnsupportedAlgorithm),  # md2WithRSAEncryption
        ("1.2.840.113549.1.1.3", NULL, UnsupportedAlgorithm),  # md4WithRSAEncryption
        ("2.16.840.1.101.3.4.1.2", None, UnsupportedAlgorithm),  # aes128-CBC
        ("1.2.3.4.5", None, UnsupportedAlgorithm),
        ("1.2.840.113549.1.1.11", der.encode_octets(b""), DecodeError),
        ("1.2.840.10045.4.3.2", der.encode_int(0), DecodeError),
        ("1.2.840.10045.2.1", NULL + NULL, DecodeError),
    ],
)
def test_bad_algorithm_identifiers(oid: str, params: bytes | None, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        signatures.resolve_signature(AlgorithmIdentifier(oid, params))
    assert isinstance(info.value, SmimeError)


def test_signature_algorithm_encodings(
    rsa_key: PrivateKey, ec_keys: dict[str, PrivateKey], ed_keys: dict[KeyType, PrivateKey]
) -> None:
    # RFC 4055 section 5 (NULL), RFC 5758 section 3.2 (absent), RFC 8410 section 9 (absent)
    assert (
        signatures.signature_algorithm(rsa_key).to_der().hex() == "300d06092a864886f70d01010b0500"
    )
    assert signatures.signature_algorithm(ec_keys["P-256"]).to_der().hex() == (
        "300a06082a8648ce3d040302"
    )
    assert (
        signatures.signature_algorithm(ed_keys[KeyType.ED25519]).to_der().hex() == "300506032b6570"
    )
    assert signatures.signature_algorithm(ed_keys[KeyType.ED448]).to_der().hex() == "300506032b6571"
    # the same bytes OpenSSL 3.0 writes for RSASSA-PSS with SHA-256 and a 32-byte salt
    assert signatures.signature_algorithm(rsa_key, "sha256", pss=True).to_der().hex() == (
        "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886"
        "f70d010108300d06096086480165030402010500a203020120"
    )
    assert signatures.signature_algorithm(rsa_key, "sha3-256").oid == "2.16.840.1.101.3.4.3.14"
    with pytest.raises(UnsupportedAlgorithm):
        signatures.signature_algorithm(rsa_key, "shake256")


def test_registry_entries() -> None:
    rsa = lookup("1.2.840.113549.1.1.1")
    assert rsa.kind is Kind.PUBLIC_KEY and rsa.name == "rsaEncryption"
    assert lookup("1.2.840.10045.2.1").kind is Kind.PUBLIC_KEY
    assert lookup("1.2.840.10040.4.1").flags & Flag.LEGACY
    assert lookup("1.2.840.113549.1.1.5").flags & Flag.WEAK
    assert lookup("1.2.840.113549.1.1.11").digest == "sha256"
    assert lookup("1.3.101.112").kind is Kind.SIGNATURE


# -- OpenSSL interop ---------------------------------------------------------------------------


def _write_key(tmp_path: Path, key: PrivateKey) -> tuple[Path, Path]:
    priv, pub = tmp_path / "key.pem", tmp_path / "pub.pem"
    if key.type is KeyType.RSA:
        priv.write_bytes(key.key.export_key("PEM", pkcs=8))
        pub.write_bytes(key.key.public_key().export_key("PEM"))
    else:
        priv.write_text(key.key.export_key(format="PEM"))
        pub.write_text(key.key.public_key().export_key(format="PEM"))
    return priv, pub


PSS_CASES = [("sha256", "sha256", 20), ("sha256", "sha384", 64), ("sha512", "sha512", 0)]


@pytest.mark.interop
@pytest.mark.parametrize(("digest", "mgf", "salt"), [("sha256", None, None), *PSS_CASES])
def test_openssl_rsa_interop(
    tmp_path: Path, rsa_key: PrivateKey, digest: str, mgf: str | None, salt: int | None
) -> None:
    priv, pub = _write_key(tmp_path, rsa_key)
    msg = tmp_path / "msg"
    msg.write_bytes(b"interop message\r\n")
    opts: list[str] = []
    if mgf is not None:
        opts = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{salt}"]
        opts += ["-sigopt", f"rsa_mgf1_md:{mgf}"]
        alg = AlgorithmIdentifier(
            "1.2.840.113549.1.1.10", encode_pss_params(PssParams(digest, mgf, salt or 0))
        )
    else:
        alg = signatures.signature_algorithm(rsa_key, digest)
    sig = tmp_path / "sig"
    openssl(["dgst", f"-{digest}", *opts, "-sign", priv, "-out", sig, msg])
    signatures.verify(rsa_key.public_key(), alg, msg.read_bytes(), sig.read_bytes())
    sig.write_bytes(signatures.sign(rsa_key, alg, msg.read_bytes()))
    out = openssl(
        [
            "dgst",
            f"-{digest}",
            *[o.replace("_saltlen:0", "_saltlen:0") for o in opts],
            "-verify",
            pub,
            "-signature",
            sig,
            msg,
        ]
    )
    assert b"Verified OK" in out.stdout


@pytest.mark.interop
@pytest.mark.parametrize(
    ("curve", "digest"), [("P-256", "sha256"), ("P-384", "sha384"), ("P-521", "sha512")]
)
def test_openssl_ecdsa_interop(
    tmp_path: Path, ec_keys: dict[str, PrivateKey], curve: str, digest: str
) -> None:
    key = ec_keys[curve]
    priv, pub = _write_key(tmp_path, key)
    msg = tmp_path / "msg"
    msg.write_bytes(b"interop message")
    alg = signatures.signature_algorithm(key, digest)
    sig = tmp_path / "sig"
    openssl(["dgst", f"-{digest}", "-sign", priv, "-out", sig, msg])
    signatures.verify(key.public_key(), alg, msg.read_bytes(), sig.read_bytes())
    sig.write_bytes(signatures.sign(key, alg, msg.read_bytes()))
    assert (
        b"Verified OK"
        in openssl(["dgst", f"-{digest}", "-verify", pub, "-signature", sig, msg]).stdout
    )


@pytest.mark.interop
@pytest.mark.parametrize("kind", [KeyType.ED25519, KeyType.ED448])
def test_openssl_eddsa_interop(
    tmp_path: Path, ed_keys: dict[KeyType, PrivateKey], kind: KeyType
) -> None:
    key = ed_keys[kind]
    priv, pub = _write_key(tmp_path, key)
    msg = tmp_path / "msg"
    msg.write_bytes(b"interop message")
    alg = signatures.signature_algorithm(key)
    sig = tmp_path / "sig"
    openssl(["pkeyutl", "-sign", "-rawin", "-inkey", priv, "-in", msg, "-out", sig])
    assert sig.read_bytes() == signatures.sign(key, alg, msg.read_bytes())  # deterministic
    signatures.verify(key.public_key(), alg, msg.read_bytes(), sig.read_bytes())
    out = openssl(
        ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", pub, "-in", msg, "-sigfile", sig]
    )
    assert b"Signature Verified Successfully" in out.stdout


@pytest.mark.interop
def test_openssl_dsa_interop(tmp_path: Path) -> None:
    # OpenSSL signs with the DSA-2048/256 key of its S/MIME test suite; smimelib verifies
    pem = vector_path("openssl/smime-certs/smdsa1.pem")
    key = load_private("openssl/smime-certs/smdsa1.pem")
    msg = tmp_path / "msg"
    msg.write_bytes(b"interop message")
    sig = tmp_path / "sig"
    openssl(["dgst", "-sha256", "-sign", pem, "-out", sig, msg])
    alg = AlgorithmIdentifier("2.16.840.1.101.3.4.3.2")  # id-dsa-with-sha256
    pub = key.public_key()
    signatures.verify(pub, alg, msg.read_bytes(), sig.read_bytes(), policy=LEGACY_POLICY)
    with pytest.raises(PolicyError):
        signatures.verify(pub, alg, msg.read_bytes(), sig.read_bytes())
    with pytest.raises(SignatureError):
        signatures.verify(pub, alg, b"other", sig.read_bytes(), policy=LEGACY_POLICY)
