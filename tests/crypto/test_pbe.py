"""Password-based encryption: PBES2, PBES1, PKCS #12 PBE and the PKCS #12 KDF."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto import pbe
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy, lookup
from smimelib.crypto.pbe import (
    pbe_decrypt,
    pbes2_encrypt,
    pkcs12_kdf,
    pkcs12_mac_key,
    pkcs12_password,
)
from smimelib.errors import DecodeError, LimitExceeded, PasswordError, PolicyError, UsageError
from tests.peers import openssl
from tests.vectors import load_vector

SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
DATA = "1.2.840.113549.1.7.1"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"


# -- PKCS #12 password encoding and KDF --------------------------------------------------


def test_pkcs12_password_encoding() -> None:
    assert pkcs12_password(b"smeg") == b"\x00s\x00m\x00e\x00g\x00\x00"
    assert pkcs12_password("ü".encode()) == b"\x00\xfc\x00\x00"
    assert pkcs12_password(None) == b""
    assert pkcs12_password(b"") == b"\x00\x00"
    # not UTF-8: one character per octet, as OpenSSL does
    assert pkcs12_password(b"\xff") == b"\x00\xff\x00\x00"
    # outside the BMP: a surrogate pair
    assert pkcs12_password("\U0001f600".encode()) == b"\xd8\x3d\xde\x00\x00\x00"


@pytest.mark.parametrize(
    ("password", "salt", "id_", "iterations", "expected"),
    [
        # The PKCS #12 KDF test vectors published by Peter Gutmann (also used by
        # BouncyCastle's PKCS12 tests): SHA-1, RFC 7292 appendix B.2.
        (b"smeg", "0a58cf64530d823f", 1, 1, "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"),
        (b"smeg", "0a58cf64530d823f", 2, 1, "79993dfe048d3b76"),
        (b"smeg", "3d83c0e4546ac140", 3, 1, "8d967d88f6caa9d714800ab3d48051d63f73a312"),
        (
            b"queeg",
            "1682c0fc5b3f7ec5",
            1,
            1000,
            "483dd6e919d7de2e8e648ba8f862f3fbfbdc2bcb2c02957f",
        ),
        (b"queeg", "1682c0fc5b3f7ec5", 2, 1000, "9d461d1b00355c50"),
    ],
)
def test_pkcs12_kdf_known_answers(
    password: bytes, salt: str, id_: int, iterations: int, expected: str
) -> None:
    out = pkcs12_kdf(
        "sha1", pkcs12_password(password), bytes.fromhex(salt), id_, iterations, len(expected) // 2
    )
    assert out.hex() == expected


def test_pkcs12_kdf_rejects_bad_arguments() -> None:
    with pytest.raises(UsageError):
        pkcs12_kdf("sha1", b"", b"salt", 4, 1, 8)
    with pytest.raises(UsageError):
        pkcs12_kdf("sha1", b"", b"salt", 1, 0, 8)


# -- RFC 9216 PKCS #12 files: MAC key and 3DES shrouded key bag ---------------------------


def _pfx(data: bytes) -> tuple[bytes, tlv.Element | None]:
    """(authSafe content octets, MacData element) of a PFX (RFC 7292 section 4)."""
    pfx = tlv.parse_one(data).children()
    content_info = pfx[1].children()
    assert content_info[0].as_oid() == DATA
    auth_safe = content_info[1].children()[0].as_octets()
    return auth_safe, (pfx[2] if len(pfx) > 2 else None)


def _bags(auth_safe: bytes) -> list[tuple[AlgorithmIdentifier, bytes, str]]:
    """Every encrypted item: (algorithm, ciphertext, "key" | "safe")."""
    out = []
    for ci in tlv.parse_one(auth_safe).children():
        oid, content = ci.children()
        inner = content.children()[0]
        if oid.as_oid() == ENCRYPTED_DATA:
            eci = inner.children()[1].children()
            out.append(
                (AlgorithmIdentifier.from_element(eci[1]), eci[2].as_octets(implicit=True), "safe")
            )
        else:
            for bag in tlv.parse_one(inner.as_octets()).children():
                fields = bag.children()
                if fields[0].as_oid() == SHROUDED_KEY_BAG:
                    epki = fields[1].children()[0].children()
                    out.append(
                        (AlgorithmIdentifier.from_element(epki[0]), epki[1].as_octets(), "key")
                    )
    return out


def _mac_ok(auth_safe: bytes, mac_data: tlv.Element, password: bytes | None) -> bool:
    digest_info, salt, *rest = mac_data.children()
    alg, value = digest_info.children()
    hash_name = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256"}[
        alg.children()[0].as_oid()
    ]
    iterations = rest[0].as_int() if rest else 1
    key = pkcs12_mac_key(hash_name, password, salt.as_octets(), iterations)
    return hmac.compare_digest(hmac.new(key, auth_safe, hash_name).digest(), value.as_octets())


def _pem_der(pem: bytes) -> bytes:
    import base64

    body = b"".join(line for line in pem.splitlines() if line and not line.startswith(b"-----"))
    return base64.b64decode(body)


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_rfc9216_p12_mac_and_shrouded_key(name: str) -> None:
    auth_safe, mac_data = _pfx(load_vector(f"rfc9216/{name}.p12"))
    assert mac_data is not None
    assert _mac_ok(auth_safe, mac_data, name.encode())
    assert not _mac_ok(auth_safe, mac_data, b"wrong")
    keys = {_pem_der(load_vector(f"rfc9216/{name}.{kind}.key")) for kind in ("sign", "decrypt")}
    found = set()
    for alg, ciphertext, kind in _bags(auth_safe):
        assert lookup(alg).name == "pbeWithSHAAnd3-KeyTripleDES-CBC"
        plain = pbe_decrypt(alg, name.encode(), ciphertext)
        if kind == "key":
            found.add(plain)
        else:
            assert plain[0] == 0x30  # SafeContents
        with pytest.raises(PasswordError, match="wrong password, or the data is corrupt"):
            pbe_decrypt(alg, b"not-" + name.encode(), ciphertext)
    assert found == keys  # both RFC 9216 keys (signing, decryption) are in the file


def test_openssl_rc2_40_certs_p12() -> None:
    auth_safe, mac_data = _pfx(load_vector("openssl/pkcs12/v3-certs-RC2.p12"))
    assert mac_data is not None and _mac_ok(auth_safe, mac_data, b"v3-certs")
    (alg, ciphertext, _kind), *_ = _bags(auth_safe)
    assert lookup(alg).name == "pbeWithSHAAnd40BitRC2-CBC"
    assert pbe_decrypt(alg, "v3-certs", ciphertext)[0] == 0x30
    # 40-bit RC2 is weak: the default policy refuses it
    with pytest.raises(PolicyError):
        pbe_decrypt(alg, b"v3-certs", ciphertext, policy=DEFAULT_POLICY)


def test_empty_password_both_encodings() -> None:
    # pyca's no-password.p12: RC2-40 certificates and a 3DES key under an empty password
    auth_safe, mac_data = _pfx(load_vector("pyca/pkcs12/no-password.p12"))
    assert mac_data is not None
    assert _mac_ok(auth_safe, mac_data, None) or _mac_ok(auth_safe, mac_data, b"")
    items = _bags(auth_safe)
    assert items
    for alg, ciphertext, _kind in items:
        expected = pbe_decrypt(alg, None, ciphertext)
        assert pbe_decrypt(alg, b"", ciphertext) == expected
        assert expected[0] == 0x30


def test_pyca_pbes2_aes256_p12() -> None:
    auth_safe, mac_data = _pfx(load_vector("pyca/pkcs12/cert-key-aes256cbc.p12"))
    assert mac_data is not None and _mac_ok(auth_safe, mac_data, b"cryptography")
    items = _bags(auth_safe)
    assert {lookup(alg).name for alg, _c, _k in items} == {"id-PBES2"}
    for alg, ciphertext, _kind in items:
        assert pbe_decrypt(alg, b"cryptography", ciphertext)[0] == 0x30


# -- PBES2 ---------------------------------------------------------------------------------


def test_pbes2_round_trip_and_encoding() -> None:
    alg, ciphertext = pbes2_encrypt(b"secret", b"data" * 10, iterations=1000, salt=b"s" * 16)
    assert alg.oid == pbe.PBES2
    params = tlv.parse_one(alg.parameters or b"").children()
    kdf = params[0].children()
    assert kdf[0].as_oid() == "1.2.840.113549.1.5.12"
    pbkdf2 = kdf[1].children()
    # salt, iterationCount, prf hmacWithSHA256 with NULL parameters; no keyLength
    assert [e.tag for e in pbkdf2] == [tlv.Tag.OCTET_STRING, tlv.Tag.INTEGER, tlv.Tag.SEQUENCE]
    assert pbkdf2[0].as_octets() == b"s" * 16 and pbkdf2[1].as_int() == 1000
    assert pbkdf2[2].raw == der.sequence(der.encode_oid("1.2.840.113549.2.9"), der.encode_null())
    enc = params[1].children()
    assert enc[0].as_oid() == "2.16.840.1.101.3.4.1.42"  # aes256-CBC
    assert len(enc[1].as_octets()) == 16
    assert len(ciphertext) == 48
    assert pbe_decrypt(alg, b"secret", ciphertext) == b"data" * 10
    assert pbe_decrypt(alg, "secret", ciphertext, policy=DEFAULT_POLICY) == b"data" * 10
    with pytest.raises(PasswordError):
        pbe_decrypt(alg, b"Secret", ciphertext)


@pytest.mark.parametrize("cipher", ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc"])
@pytest.mark.parametrize("prf", ["hmac-sha1", "hmac-sha224", "hmac-sha384", "hmac-sha512"])
def test_pbes2_ciphers_and_prfs(cipher: str, prf: str) -> None:
    alg, ciphertext = pbes2_encrypt("pässword", b"", iterations=3, cipher=cipher, prf=prf)
    assert len(ciphertext) == 16
    assert pbe_decrypt(alg, "pässword".encode(), ciphertext) == b""


def test_pbes2_sha1_prf_is_omitted() -> None:
    # the DEFAULT algid-hmacWithSHA1 must not be encoded (X.690 11.5)
    alg, _ = pbes2_encrypt(b"pw", b"x", iterations=5, prf="hmac-sha1", salt=b"12345678")
    kdf_params = tlv.parse_one(alg.parameters or b"").children()[0].children()[1]
    assert len(kdf_params.children()) == 2


def test_pbes2_encrypt_refuses_legacy_and_bad_arguments() -> None:
    with pytest.raises(UsageError):
        pbes2_encrypt(b"pw", b"x", iterations=5, cipher="des-ede3-cbc")
    with pytest.raises(UsageError):
        pbes2_encrypt(b"pw", b"x", iterations=5, cipher="aes-128-gcm")
    with pytest.raises(UsageError):
        pbes2_encrypt(b"pw", b"x", iterations=0)
    with pytest.raises(UsageError):
        pbes2_encrypt(b"pw", b"x", iterations=1, salt=b"")


def test_iteration_cap() -> None:
    alg, ciphertext = pbes2_encrypt(b"pw", b"x", iterations=2000)
    with pytest.raises(LimitExceeded, match="max_pbkdf2_iterations"):
        pbe_decrypt(alg, b"pw", ciphertext, policy=Policy(max_pbkdf2_iterations=1999))
    assert pbe_decrypt(alg, b"pw", ciphertext, policy=Policy(max_pbkdf2_iterations=2000)) == b"x"


def _pbes2_with(kdf_params: bytes, enc: AlgorithmIdentifier) -> AlgorithmIdentifier:
    kdf = AlgorithmIdentifier("1.2.840.113549.1.5.12", kdf_params)
    return AlgorithmIdentifier(pbe.PBES2, der.sequence(kdf.to_der(), enc.to_der()))


def test_pbes2_malformed_parameters() -> None:
    enc = AlgorithmIdentifier("2.16.840.1.101.3.4.1.2", der.encode_octets(b"\x00" * 16))
    salt, one = der.encode_octets(b"salt"), der.encode_int(1)
    cases = [
        der.sequence(salt),  # no iteration count
        der.sequence(salt, der.encode_int(0)),  # iterationCount 0
        der.sequence(salt, one, der.encode_int(24)),  # keyLength 24 for AES-128
        der.sequence(der.encode_int(1), one),  # salt not an OCTET STRING
        der.sequence(salt, one, der.encode_null()),  # junk where prf goes
    ]
    for params in cases:
        with pytest.raises(DecodeError):
            pbe_decrypt(_pbes2_with(params, enc), b"pw", b"\x00" * 16)
    with pytest.raises(DecodeError):
        pbe_decrypt(AlgorithmIdentifier(pbe.PBES2, None), b"pw", b"\x00" * 16)


def test_pbes2_unsupported_prf_and_scheme() -> None:
    from smimelib.errors import UnsupportedAlgorithm

    enc = AlgorithmIdentifier("2.16.840.1.101.3.4.1.2", der.encode_octets(b"\x00" * 16))
    md5_prf = der.sequence(der.encode_oid("1.2.840.113549.2.5"), der.encode_null())
    params = der.sequence(der.encode_octets(b"salt"), der.encode_int(1), md5_prf)
    with pytest.raises(UnsupportedAlgorithm):
        pbe_decrypt(_pbes2_with(params, enc), b"pw", b"\x00" * 16)
    gcm = AlgorithmIdentifier(
        "2.16.840.1.101.3.4.1.6", der.sequence(der.encode_octets(b"\x00" * 12))
    )
    with pytest.raises(UnsupportedAlgorithm):
        pbe_decrypt(
            _pbes2_with(der.sequence(der.encode_octets(b"s"), der.encode_int(1)), gcm),
            b"pw",
            b"\x00" * 16,
        )


def test_pbe_decrypt_rejects_non_pbe() -> None:
    from smimelib.errors import UnsupportedAlgorithm

    with pytest.raises(UnsupportedAlgorithm):
        pbe_decrypt(AlgorithmIdentifier("2.16.840.1.101.3.4.1.2", None), b"pw", b"")


def test_pbes1_known_answer() -> None:
    # PBES1 pbeWithSHA1AndDES-CBC by hand (RFC 8018 section 6.1): PBKDF1 then DES-CBC
    from Crypto.Cipher import DES

    salt, iterations, password = b"saltsalt", 7, b"password"
    t = hashlib.sha1(password + salt).digest()
    for _ in range(iterations - 1):
        t = hashlib.sha1(t).digest()
    plaintext = b"PBES1 test data"
    padded = plaintext + b"\x01"
    ciphertext = DES.new(t[:8], DES.MODE_CBC, iv=t[8:16]).encrypt(padded)
    params = der.sequence(der.encode_octets(salt), der.encode_int(iterations))
    alg = AlgorithmIdentifier("1.2.840.113549.1.5.10", params)
    assert pbe_decrypt(alg, password, ciphertext) == plaintext
    with pytest.raises(PolicyError):
        pbe_decrypt(alg, password, ciphertext, policy=DEFAULT_POLICY)
    bad_salt = der.sequence(der.encode_octets(b"short"), der.encode_int(iterations))
    with pytest.raises(DecodeError):
        pbe_decrypt(AlgorithmIdentifier("1.2.840.113549.1.5.10", bad_salt), password, ciphertext)


# -- OpenSSL interop ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ec_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("pbe") / "key.pem"
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
    plain = openssl(["pkcs8", "-topk8", "-nocrypt", "-in", path, "-outform", "DER"]).stdout
    return path, plain


def _epki(der_bytes: bytes) -> tuple[AlgorithmIdentifier, bytes]:
    """Parse EncryptedPrivateKeyInfo (RFC 5958 section 3) with pyasn1-modules."""
    from pyasn1_modules import rfc5208

    from smimelib.asn1 import codec

    value = codec.decode(der_bytes, rfc5208.EncryptedPrivateKeyInfo(), what="EPKI")
    alg = AlgorithmIdentifier.from_der(codec.encode(value["encryptionAlgorithm"]))
    return alg, bytes(value["encryptedData"])


LEGACY_PROVIDERS = ["-provider", "legacy", "-provider", "default"]


@pytest.mark.interop
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["-v1", "PBE-SHA1-3DES"], "pbeWithSHAAnd3-KeyTripleDES-CBC"),
        (["-v1", "PBE-SHA1-2DES"], "pbeWithSHAAnd2-KeyTripleDES-CBC"),
        (["-v1", "PBE-SHA1-RC2-40", *LEGACY_PROVIDERS], "pbeWithSHAAnd40BitRC2-CBC"),
        (["-v1", "PBE-SHA1-RC2-128", *LEGACY_PROVIDERS], "pbeWithSHAAnd128BitRC2-CBC"),
        (["-v1", "PBE-SHA1-RC4-128", *LEGACY_PROVIDERS], "pbeWithSHAAnd128BitRC4"),
        (["-v1", "PBE-SHA1-RC4-40", *LEGACY_PROVIDERS], "pbeWithSHAAnd40BitRC4"),
        (["-v1", "PBE-MD5-DES", *LEGACY_PROVIDERS], "pbeWithMD5AndDES-CBC"),
        (["-v1", "PBE-SHA1-DES", *LEGACY_PROVIDERS], "pbeWithSHA1AndDES-CBC"),
        (["-v1", "PBE-MD5-RC2-64", *LEGACY_PROVIDERS], "pbeWithMD5AndRC2-CBC"),
        (["-v1", "PBE-SHA1-RC2-64", *LEGACY_PROVIDERS], "pbeWithSHA1AndRC2-CBC"),
        (["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"], "id-PBES2"),
        (["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA512"], "id-PBES2"),
        (["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA1"], "id-PBES2"),
        (["-v2", "des3"], "id-PBES2"),
        (["-v2", "des", *LEGACY_PROVIDERS], "id-PBES2"),
        (["-v2", "rc2", *LEGACY_PROVIDERS], "id-PBES2"),
        (["-v2", "rc2-40-cbc", *LEGACY_PROVIDERS], "id-PBES2"),
    ],
)
def test_openssl_pkcs8_decrypts(ec_key: tuple[Path, bytes], args: list[str], name: str) -> None:
    path, plain = ec_key
    encrypted = openssl(
        ["pkcs8", "-topk8", "-in", path, "-outform", "DER", "-passout", "pass:sésame",
         "-iter", "50", *args]
    ).stdout  # fmt: skip
    alg, ciphertext = _epki(encrypted)
    assert lookup(alg).name == name
    assert pbe_decrypt(alg, "sésame".encode(), ciphertext) == plain
    if "RC4" not in name:  # RC4 has no padding to detect a wrong password
        with pytest.raises(PasswordError):
            pbe_decrypt(alg, b"sesame", ciphertext)


@pytest.mark.interop
@pytest.mark.parametrize("cipher", ["aes-128-cbc", "aes-256-cbc"])
def test_openssl_reads_pbes2(ec_key: tuple[Path, bytes], tmp_path: Path, cipher: str) -> None:
    _path, plain = ec_key
    alg, ciphertext = pbes2_encrypt("sésame", plain, iterations=1000, cipher=cipher)
    epki = der.sequence(alg.to_der(), der.encode_octets(ciphertext))
    (tmp_path / "enc.der").write_bytes(epki)
    out = openssl(
        ["pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", tmp_path / "enc.der",
         "-passin", "pass:sésame", "-outform", "DER"]
    ).stdout  # fmt: skip
    assert out == plain
