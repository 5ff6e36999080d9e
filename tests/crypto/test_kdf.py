"""PBKDF2, the X9.63 KDF, HKDF and ECC-CMS-SharedInfo."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import kdf
from smimelib.crypto.algorithms import Kind, Policy, lookup, lookup_name
from smimelib.crypto.kdf import (
    Pbkdf2Params,
    ecc_cms_shared_info,
    hkdf,
    hkdf_digest,
    hkdf_expand,
    hkdf_extract,
    pbkdf2,
    pbkdf2_algorithm,
    pbkdf2_from_algorithm,
    x963_kdf,
)
from smimelib.errors import DecodeError, LimitExceeded, UnsupportedAlgorithm, UsageError
from tests.peers import openssl

# -- PBKDF2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "salt", "iterations", "expected"),
    [
        # RFC 6070 section 2 (PBKDF2-HMAC-SHA1)
        (b"password", b"salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
        (b"password", b"salt", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
        (b"password", b"salt", 4096, "4b007901b765489abead49d926f721d065a429c1"),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
        ),
        (b"pass\0word", b"sa\0lt", 4096, "56fa6aa75548099dcc37d7f03425e0c3"),
    ],
)
def test_pbkdf2_rfc6070(password: bytes, salt: bytes, iterations: int, expected: str) -> None:
    assert pbkdf2(password, salt, iterations, len(expected) // 2, "sha1").hex() == expected


def test_pbkdf2_prf_names() -> None:
    expected = hashlib.pbkdf2_hmac("sha512", b"pw", b"salt", 3, 64)
    for name in ("sha512", "hmac-sha512", "hmacWithSHA512"):
        assert pbkdf2(b"pw", b"salt", 3, 64, name) == expected
    with pytest.raises(UnsupportedAlgorithm):
        pbkdf2(b"pw", b"salt", 1, 16, "md5")
    with pytest.raises(UsageError):
        pbkdf2(b"pw", b"salt", 0, 16)


def test_pbkdf2_params_openssl_encoding() -> None:
    # PBKDF2-params as written by `openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 100` (3.0)
    params = bytes.fromhex("301b040823534ed914d43a67020164300c06082a864886f70d0209" + "0500")
    parsed = Pbkdf2Params.from_der(params)
    assert parsed == Pbkdf2Params(bytes.fromhex("23534ed914d43a67"), 100, None, "sha256")
    assert parsed.to_der() == params


def test_pbkdf2_params_default_prf_and_key_length() -> None:
    params = Pbkdf2Params(b"saltsalt", 2048, 16, "sha1")
    encoded = params.to_der()
    # DEFAULT hmacWithSHA1 omitted (X.690 11.5); keyLength present
    assert encoded == der.sequence(
        der.encode_octets(b"saltsalt"), der.encode_int(2048), der.encode_int(16)
    )
    assert Pbkdf2Params.from_der(encoded) == params
    assert params.derive(b"pw", 16) == pbkdf2(b"pw", b"saltsalt", 2048, 16, "sha1")
    with pytest.raises(DecodeError, match="keyLength"):
        params.derive(b"pw", 32)
    # a prf written out with absent parameters is accepted too
    absent = der.sequence(
        der.encode_octets(b"s"),
        der.encode_int(1),
        der.sequence(der.encode_oid("1.2.840.113549.2.9")),
    )
    assert Pbkdf2Params.from_der(absent).prf == "sha256"


@pytest.mark.parametrize(
    "params",
    [
        der.sequence(der.encode_octets(b"s")),
        der.sequence(der.encode_octets(b"s"), der.encode_int(0)),
        der.sequence(der.encode_octets(b"s"), der.encode_int(-5)),
        der.sequence(der.encode_octets(b"s"), der.encode_int(1), der.encode_int(0)),
        der.sequence(der.encode_bool(True), der.encode_int(1)),
        der.sequence(der.encode_octets(b"s"), der.encode_int(1), der.encode_int(1), NULL),
        der.sequence(
            der.encode_octets(b"s"),
            der.encode_int(1),
            der.sequence(der.encode_oid("1.2.840.113549.2.9"), der.encode_int(1)),
        ),
        der.encode_octets(b"not a sequence"),
        b"\x30\x05\x04\x03ab",  # truncated
    ],
)
def test_pbkdf2_params_malformed(params: bytes) -> None:
    with pytest.raises(DecodeError):
        Pbkdf2Params.from_der(params)


def test_pbkdf2_params_unsupported() -> None:
    other_source = der.sequence(der.sequence(der.encode_oid("1.2.3.4")), der.encode_int(1))
    with pytest.raises(UnsupportedAlgorithm):
        Pbkdf2Params.from_der(other_source)
    md5 = der.sequence(
        der.encode_octets(b"s"),
        der.encode_int(1),
        der.sequence(der.encode_oid("1.2.840.113549.2.5")),
    )
    with pytest.raises(UnsupportedAlgorithm):
        Pbkdf2Params.from_der(md5)


def test_pbkdf2_algorithm_round_trip_and_cap() -> None:
    alg = pbkdf2_algorithm(b"0123456789abcdef", 5000, prf="hmac-sha384")
    assert alg.oid == kdf.PBKDF2
    params = pbkdf2_from_algorithm(alg)
    assert params == Pbkdf2Params(b"0123456789abcdef", 5000, None, "sha384")
    with pytest.raises(LimitExceeded, match="max_pbkdf2_iterations") as info:
        params.derive(b"pw", 16, policy=Policy(max_pbkdf2_iterations=4999))
    assert info.value.limit == "max_pbkdf2_iterations"
    with pytest.raises(DecodeError):
        pbkdf2_from_algorithm(AlgorithmIdentifier(kdf.PBKDF2, None))
    with pytest.raises(UnsupportedAlgorithm):
        pbkdf2_from_algorithm(AlgorithmIdentifier(kdf.HKDF_SHA256, None))


def test_registry() -> None:
    assert lookup(kdf.PBKDF2).kind is Kind.KDF
    assert lookup_name("hmac-sha256").oid == "1.2.840.113549.2.9"
    assert lookup_name("hkdf-sha384").oid == kdf.HKDF_SHA384
    assert lookup("1.2.840.113549.1.9.16.3.30").digest == "sha512"


# -- HKDF (RFC 5869) ---------------------------------------------------------------------------


def _h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


@pytest.mark.parametrize(
    ("ikm", "salt", "info", "length", "prk", "okm"),
    [
        # RFC 5869 appendix A.1
        (
            b"\x0b" * 22,
            _h("000102030405060708090a0b0c"),
            _h("f0f1f2f3f4f5f6f7f8f9"),
            42,
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        # RFC 5869 appendix A.2
        (
            bytes(range(0x00, 0x50)),
            bytes(range(0x60, 0xB0)),
            bytes(range(0xB0, 0x100)),
            82,
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
            "cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        # RFC 5869 appendix A.3 (empty salt and info)
        (
            b"\x0b" * 22,
            b"",
            b"",
            42,
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ],
)
def test_hkdf_rfc5869(
    ikm: bytes, salt: bytes, info: bytes, length: int, prk: str, okm: str
) -> None:
    assert hkdf_extract("sha256", ikm, salt).hex() == prk
    assert hkdf_expand("sha256", bytes.fromhex(prk), length, info).hex() == okm
    assert hkdf("sha256", ikm, length, salt=salt, info=info).hex() == okm


def test_hkdf_bounds_and_identifiers() -> None:
    assert len(hkdf("sha384", b"k", 255 * 48)) == 255 * 48
    with pytest.raises(UsageError):
        hkdf("sha256", b"k", 255 * 32 + 1)
    with pytest.raises(UsageError):
        hkdf("sha256", b"k", 0)
    assert hkdf_digest(AlgorithmIdentifier(kdf.HKDF_SHA256, None)) == "sha256"
    assert hkdf_digest(AlgorithmIdentifier(kdf.HKDF_SHA512, None)) == "sha512"
    # RFC 8619 section 2: parameters MUST be absent
    with pytest.raises(DecodeError):
        hkdf_digest(AlgorithmIdentifier(kdf.HKDF_SHA256, NULL))
    with pytest.raises(UnsupportedAlgorithm):
        hkdf_digest(AlgorithmIdentifier("1.2.3.4", None))


# -- X9.63 KDF and ECC-CMS-SharedInfo -----------------------------------------------------------


def test_x963_kdf_definition() -> None:
    z, info = b"\x11" * 32, b"shared info"
    expected = b"".join(
        hashlib.sha256(z + counter.to_bytes(4, "big") + info).digest() for counter in (1, 2)
    )
    assert x963_kdf("sha256", z, 40, info) == expected[:40]
    assert x963_kdf("sha1", z, 20) == hashlib.sha1(z + b"\x00\x00\x00\x01").digest()
    with pytest.raises(UsageError):
        x963_kdf("sha256", z, 0)
    with pytest.raises(UnsupportedAlgorithm):
        x963_kdf("md5", z, 16)


AES128_WRAP = AlgorithmIdentifier("2.16.840.1.101.3.4.1.5", None)


def test_ecc_cms_shared_info_encoding() -> None:
    # keyInfo id-aes128-wrap (parameters absent), no ukm, suppPubInfo = 128 bits
    assert ecc_cms_shared_info(AES128_WRAP, 128, None).hex() == (
        "3015" "300b0609608648016503040105" "a206" "0404" "00000080"
    )  # fmt: skip
    # with a ukm: entityUInfo [0] EXPLICIT OCTET STRING
    assert ecc_cms_shared_info(AES128_WRAP, 128, b"\xaa\xbb").hex() == (
        "301b" "300b0609608648016503040105" "a004" "0402aabb" "a206" "0404" "00000080"
    )  # fmt: skip
    # the 3DES wrap has NULL parameters, kept as given
    des3wrap = AlgorithmIdentifier("1.2.840.113549.1.9.16.3.6", NULL)
    assert ecc_cms_shared_info(des3wrap, 192, None).hex() == (
        "3019" "300f060b2a864886f70d0109100306" "0500" "a206" "0404" "000000c0"
    )  # fmt: skip
    with pytest.raises(UsageError):
        ecc_cms_shared_info(AES128_WRAP, 0, None)


@given(st.binary(max_size=64), st.integers(1, 2**32 - 1))
def test_ecc_cms_shared_info_parses(ukm: bytes, bits: int) -> None:
    from smimelib.asn1 import tlv

    fields = tlv.parse_one(ecc_cms_shared_info(AES128_WRAP, bits, ukm)).children()
    assert AlgorithmIdentifier.from_element(fields[0]) == AES128_WRAP
    assert fields[1].children()[0].as_octets() == ukm
    assert int.from_bytes(fields[2].children()[0].as_octets(), "big") == bits


# -- OpenSSL interop ---------------------------------------------------------------------------


def _openssl_kdf(*args: str) -> bytes:
    out = openssl(["kdf", *args]).stdout.decode().strip()
    return bytes.fromhex(out.replace(":", ""))


@pytest.mark.interop
@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_openssl_x963kdf(digest: str) -> None:
    z, info = bytes(range(32)), b"\x30\x03\x02\x01\x05"
    theirs = _openssl_kdf(
        "-keylen", "100", "-kdfopt", f"digest:{digest}", "-kdfopt", f"hexsecret:{z.hex()}",
        "-kdfopt", f"hexinfo:{info.hex()}", "X963KDF",
    )  # fmt: skip
    assert x963_kdf(digest, z, 100, info) == theirs


@pytest.mark.interop
@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
def test_openssl_hkdf(digest: str) -> None:
    theirs = _openssl_kdf(
        "-keylen", "77", "-kdfopt", f"digest:{digest}", "-kdfopt", "hexkey:0b0b0b0b",
        "-kdfopt", "hexsalt:0001", "-kdfopt", "hexinfo:f0f1", "HKDF",
    )  # fmt: skip
    assert hkdf(digest, b"\x0b" * 4, 77, salt=b"\x00\x01", info=b"\xf0\xf1") == theirs


@pytest.mark.interop
@pytest.mark.parametrize("digest", ["sha224", "sha256", "sha384", "sha512"])
def test_openssl_pbkdf2(digest: str) -> None:
    theirs = _openssl_kdf(
        "-keylen", "48", "-kdfopt", f"digest:{digest}", "-kdfopt", "pass:pässword",
        "-kdfopt", "salt:NaCl", "-kdfopt", "iter:1000", "PBKDF2",
    )  # fmt: skip
    assert pbkdf2("pässword".encode(), b"NaCl", 1000, 48, digest) == theirs
