"""Key agreement: RFC 7748 vectors, ECDH on the NIST curves, scheme OIDs, OpenSSL interop."""

from __future__ import annotations

from pathlib import Path

import pytest
from Crypto.Protocol import DH
from Crypto.PublicKey import ECC

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto import keyagreement
from smimelib.crypto.algorithms import Flag, Kind, lookup, lookup_name
from smimelib.crypto.keys import KeyType, PrivateKey, PublicKey, generate_private_key
from smimelib.errors import DecryptionError, PolicyError, UnsupportedAlgorithm, UsageError
from tests.peers import openssl
from tests.vectors import load_vector

# RFC 7748 section 5.2: (type, scalar, input u-coordinate, output u-coordinate). The second
# X25519 vector's u has its top bit set, which X25519 must mask (RFC 7748 section 5).
RFC7748_FUNCTION = [
    (
        KeyType.X25519,
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ),
    (
        KeyType.X25519,
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ),
    (
        KeyType.X448,
        "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121"
        "700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
        "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9"
        "814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
        "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239f"
        "e14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f",
    ),
    (
        KeyType.X448,
        "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c5"
        "38345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
        "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b"
        "165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
        "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7"
        "ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d",
    ),
]


@pytest.mark.parametrize(("kind", "scalar", "u", "out"), RFC7748_FUNCTION)
def test_rfc7748_function_vectors(kind: KeyType, scalar: str, u: str, out: str) -> None:
    private = PrivateKey.raw(kind, bytes.fromhex(scalar))
    peer = PublicKey.raw(kind, bytes.fromhex(u))
    assert keyagreement.shared_secret(private, peer).hex() == out
    assert keyagreement.shared_secret(private, peer, cofactor=True).hex() == out


# RFC 7748 sections 6.1 and 6.2: (type, a, K_A, b, K_B, K)
RFC7748_DH = [
    (
        KeyType.X25519,
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
    ),
    (
        KeyType.X448,
        "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
        "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
        "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
        "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
        "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
        "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
        "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
        "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
        "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
        "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d",
    ),
]


@pytest.mark.parametrize(("kind", "a", "ka", "b", "kb", "k"), RFC7748_DH)
def test_rfc7748_diffie_hellman(kind: KeyType, a: str, ka: str, b: str, kb: str, k: str) -> None:
    alice = PrivateKey.raw(kind, bytes.fromhex(a))
    bob = PrivateKey.raw(kind, bytes.fromhex(b))
    assert alice.public_key().raw_bytes().hex() == ka
    assert bob.public_key().raw_bytes().hex() == kb
    assert keyagreement.shared_secret(alice, bob.public_key()).hex() == k
    assert keyagreement.shared_secret(bob, alice.public_key()).hex() == k


def test_all_zero_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # RFC 7748 section 6 / RFC 8418 section 2: abort when K is all zeros (a small-order
    # peer point). pycryptodome already refuses such points on import, so the check
    # is exercised by making the primitive return what such a point would give.
    with pytest.raises(UsageError):
        PublicKey.raw(KeyType.X25519, bytes(32))
    alice = PrivateKey.raw(KeyType.X25519, bytes.fromhex(RFC7748_DH[0][1]))
    bob = PrivateKey.raw(KeyType.X25519, bytes.fromhex(RFC7748_DH[0][3]))
    monkeypatch.setattr(DH, "key_agreement", lambda **_: bytes(32))
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        keyagreement.shared_secret(alice, bob.public_key())


@pytest.mark.parametrize(("curve", "size"), [("P-256", 32), ("P-384", 48), ("P-521", 66)])
def test_ecdh_is_the_x_coordinate(curve: str, size: int) -> None:
    # SEC 1 section 3.3.1: Z = x-coordinate of d_A * Q_B, as a field-size octet string
    a = generate_private_key(KeyType.EC, curve=curve)
    b = generate_private_key(KeyType.EC, curve=curve)
    z = keyagreement.shared_secret(a, b.public_key())
    assert len(z) == size
    point = b.public_key().key.pointQ * a.ec_scalar()
    assert z == int(point.x).to_bytes(size, "big")
    assert z == keyagreement.shared_secret(b, a.public_key())
    # cofactor ECDH: h = 1 on these curves, the same Z (SEC 1 section 3.3.2)
    assert z == keyagreement.shared_secret(a, b.public_key(), cofactor=True)


def test_rfc9216_x25519_keys() -> None:
    # Carlos and Dana (RFC 9216 sections 7.4 and 8.4) agree on one secret
    def load(relative: str) -> PrivateKey:
        return PrivateKey(KeyType.X25519, ECC.import_key(load_vector(relative)))

    carlos, dana = load("rfc9216/carlos.decrypt.key"), load("rfc9216/dana.decrypt.key")
    z = keyagreement.shared_secret(carlos, dana.public_key())
    assert z == keyagreement.shared_secret(dana, carlos.public_key())
    assert len(z) == 32 and any(z)


def test_mismatched_keys() -> None:
    p256 = generate_private_key(KeyType.EC, curve="P-256")
    p384 = generate_private_key(KeyType.EC, curve="P-384")
    x25519 = generate_private_key(KeyType.X25519)
    x448 = generate_private_key(KeyType.X448)
    ed = generate_private_key(KeyType.ED25519)
    for mine, theirs in [
        (p256, p384.public_key()),
        (p256, x25519.public_key()),
        (x25519, x448.public_key()),
        (ed, ed.public_key()),
    ]:
        with pytest.raises(UsageError):
            keyagreement.shared_secret(mine, theirs)
    with pytest.raises(UsageError):
        keyagreement.shared_secret(p256.public_key(), p256.public_key())  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        keyagreement.ephemeral_key(ed.public_key())


@pytest.mark.parametrize(
    ("kind", "curve"),
    [(KeyType.EC, "P-256"), (KeyType.EC, "P-521"), (KeyType.X25519, None), (KeyType.X448, None)],
)
def test_ephemeral_key_on_the_peer_curve(kind: KeyType, curve: str | None) -> None:
    static = generate_private_key(kind, curve=curve or "P-256")
    eph = keyagreement.ephemeral_key(static.public_key())
    assert eph.type is kind and eph.curve == static.curve
    assert keyagreement.shared_secret(eph, static.public_key()) == keyagreement.shared_secret(
        static, eph.public_key()
    )


SCHEMES = [
    ("1.3.133.16.840.63.0.2", "dhSinglePass-stdDH-sha1kdf-scheme", "sha1", False),
    ("1.3.132.1.11.0", "dhSinglePass-stdDH-sha224kdf-scheme", "sha224", False),
    ("1.3.132.1.11.1", "dhSinglePass-stdDH-sha256kdf-scheme", "sha256", False),
    ("1.3.132.1.11.2", "dhSinglePass-stdDH-sha384kdf-scheme", "sha384", False),
    ("1.3.132.1.11.3", "dhSinglePass-stdDH-sha512kdf-scheme", "sha512", False),
    ("1.3.133.16.840.63.0.3", "dhSinglePass-cofactorDH-sha1kdf-scheme", "sha1", True),
    ("1.3.132.1.14.0", "dhSinglePass-cofactorDH-sha224kdf-scheme", "sha224", True),
    ("1.3.132.1.14.1", "dhSinglePass-cofactorDH-sha256kdf-scheme", "sha256", True),
    ("1.3.132.1.14.2", "dhSinglePass-cofactorDH-sha384kdf-scheme", "sha384", True),
    ("1.3.132.1.14.3", "dhSinglePass-cofactorDH-sha512kdf-scheme", "sha512", True),
]


@pytest.mark.parametrize(("oid", "name", "kdf_hash", "cofactor"), SCHEMES)
def test_scheme_oids(oid: str, name: str, kdf_hash: str, cofactor: bool) -> None:
    # RFC 5753 section 7.1.4
    scheme = keyagreement.ecdh_scheme(AlgorithmIdentifier(oid))
    assert (scheme.name, scheme.kdf_hash, scheme.cofactor) == (name, kdf_hash, cofactor)
    info = lookup(oid)
    assert info.kind is Kind.KEY_AGREEMENT and info.digest == kdf_hash
    assert bool(info.flags & Flag.CONSUME_ONLY) == (kdf_hash == "sha1")
    assert lookup_name(name) is info


def test_kari_algorithm() -> None:
    wrap = AlgorithmIdentifier("2.16.840.1.101.3.4.1.5")  # id-aes128-wrap, params absent
    alg = keyagreement.kari_algorithm(wrap)
    assert alg.oid == "1.3.132.1.11.1"
    assert alg.parameters == wrap.to_der()  # RFC 5753 section 7.1.4: KeyWrapAlgorithm
    assert keyagreement.kari_algorithm(wrap, kdf_hash="sha384", cofactor=True).oid == (
        "1.3.132.1.14.2"
    )
    with pytest.raises(PolicyError):
        keyagreement.kari_algorithm(wrap, kdf_hash="sha1")
    with pytest.raises(UsageError):
        keyagreement.kari_algorithm(wrap, kdf_hash="md5")
    with pytest.raises(UnsupportedAlgorithm):
        keyagreement.ecdh_scheme("2.16.840.1.101.3.4.1.5")
    with pytest.raises(UnsupportedAlgorithm):
        keyagreement.ecdh_scheme("1.2.3.4")


def test_key_oids_registered() -> None:
    for oid, name in (("1.3.101.110", "id-X25519"), ("1.3.101.111", "id-X448")):
        info = lookup(oid)
        assert info.kind is Kind.PUBLIC_KEY and info.name == name


@pytest.mark.interop
@pytest.mark.parametrize(
    ("kind", "curve"),
    [
        (KeyType.EC, "P-256"),
        (KeyType.EC, "P-384"),
        (KeyType.EC, "P-521"),
        (KeyType.X25519, None),
        (KeyType.X448, None),
    ],
)
def test_openssl_derive(tmp_path: Path, kind: KeyType, curve: str | None) -> None:
    a = generate_private_key(kind, curve=curve or "P-256")
    b = generate_private_key(kind, curve=curve or "P-256")
    (tmp_path / "a.pem").write_text(a.key.export_key(format="PEM"))
    (tmp_path / "b.pub").write_text(b.key.public_key().export_key(format="PEM"))
    out = openssl(
        ["pkeyutl", "-derive", "-inkey", tmp_path / "a.pem", "-peerkey", tmp_path / "b.pub"]
    )
    assert out.stdout == keyagreement.shared_secret(a, b.public_key())
