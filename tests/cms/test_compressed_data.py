"""CompressedData (RFC 3274): vectors, round trips and decompression bombs.

The OpenSSL 3.0 on these machines is built without zlib, so no CLI peer compresses here.
"""

from __future__ import annotations

import contextlib
import time
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der, tlv
from smimelib.cms.compressed_data import (
    ID_ALG_ZLIB_COMPRESS,
    DecompressedContent,
    compress,
    decompress,
)
from smimelib.cms.content_info import ID_COMPRESSED_DATA, ID_DATA, encode_content_info
from smimelib.errors import (
    DecodeError,
    LimitExceeded,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from tests.vectors import load_vector

ASN1CRYPTO_TEXT = b"This is the message to encapsulate in PKCS#7/CMS\n"
MiB = 1024 * 1024


def _build(
    stream: bytes,
    *,
    version: bytes = b"\x02\x01\x00",
    algorithm: bytes | None = None,
    content_type: str = ID_DATA,
    econtent: bytes | None = None,
) -> bytes:
    """A hand-made CompressedData ContentInfo around a raw eContent value."""
    alg = algorithm if algorithm is not None else der.sequence(der.encode_oid(ID_ALG_ZLIB_COMPRESS))
    inner = econtent if econtent is not None else der.encode_octets(stream)
    encap = der.sequence(der.encode_oid(content_type), der.explicit(0, inner))
    return encode_content_info(ID_COMPRESSED_DATA, der.sequence(version, alg, encap))


# -- vectors -----------------------------------------------------------------------------


def test_asn1crypto_der_vector() -> None:
    result = decompress(load_vector("asn1crypto/cms-compressed.der"))
    assert isinstance(result, DecompressedContent)
    assert result.content == ASN1CRYPTO_TEXT
    assert result.content_type == ID_DATA
    assert result.compressed_size == 55
    assert result.findings == ()


def test_asn1crypto_pem_vector() -> None:
    pem = load_vector("asn1crypto/cms-compressed.pem")
    assert decompress(pem).content == ASN1CRYPTO_TEXT
    assert decompress(pem.decode("ascii")).content == ASN1CRYPTO_TEXT


def test_rustcrypto_vector() -> None:
    result = decompress(load_vector("rustcrypto/compressed_data.bin"))
    assert result.content == load_vector("rustcrypto/data.txt")
    assert result.compressed_size == 272


def test_compress_writes_rfc3274_der() -> None:
    out = compress(ASN1CRYPTO_TEXT)
    root = tlv.parse_one(out)
    tlv.check(out, der=True)
    oid, wrapper = root.children()
    assert oid.as_oid() == ID_COMPRESSED_DATA
    version, alg, encap = wrapper.children()[0].children()
    assert version.as_int() == 0
    # parameters omitted (RFC 3274 section 2): the exact SMIMECapability octets
    assert alg.raw == bytes.fromhex("300D060B2A864886F70D0109100308")
    ect, econtent = encap.children()
    assert ect.as_oid() == ID_DATA
    assert zlib.decompress(econtent.children()[0].as_octets()) == ASN1CRYPTO_TEXT


# -- round trips -------------------------------------------------------------------------


@given(
    content=st.binary(max_size=4096),
    level=st.integers(min_value=0, max_value=9),
    content_type=st.sampled_from([ID_DATA, "1.2.840.113549.1.7.2", "1.3.6.1.4.1.99999.1"]),
)
def test_round_trip(content: bytes, level: int, content_type: str) -> None:
    result = decompress(compress(content, content_type=content_type, level=level))
    assert result.content == content
    assert result.content_type == content_type
    assert result.findings == ()


def test_round_trip_large_multi_step() -> None:
    content = bytes(range(256)) * 8 * 1024 + b"tail"  # 2 MiB, inflated over several steps
    assert decompress(compress(content)).content == content


def test_null_parameters_accepted() -> None:
    alg = der.sequence(der.encode_oid(ID_ALG_ZLIB_COMPRESS), der.encode_null())
    assert decompress(_build(zlib.compress(b"abc"), algorithm=alg)).content == b"abc"


def test_constructed_econtent_octet_string() -> None:
    stream = zlib.compress(b"chunked content" * 10)
    chunks = [der.encode_octets(stream[i : i + 7]) for i in range(0, len(stream), 7)]
    ber = der.encode_indefinite(tlv.Tag(tlv.TagClass.UNIVERSAL, True, 4), *chunks)
    result = decompress(_build(b"", econtent=ber))
    assert result.content == b"chunked content" * 10
    assert result.compressed_size == len(stream)


def test_version_not_zero_is_a_finding() -> None:
    result = decompress(_build(zlib.compress(b"x"), version=der.encode_int(2)))
    assert result.content == b"x"
    assert len(result.findings) == 1
    assert result.findings[0].startswith("compressed-data-version:")


@pytest.mark.parametrize("version", [-1, 6, 1000])
def test_version_outside_cmsversion_refused(version: int) -> None:
    with pytest.raises(DecodeError, match="not a CMSVersion"):
        decompress(_build(zlib.compress(b"x"), version=der.encode_int(version)))


def test_unknown_algorithm() -> None:
    other = "1.2.840.113549.1.9.16.3.99"
    with pytest.raises(UnsupportedAlgorithm) as info:
        decompress(_build(b"", algorithm=der.sequence(der.encode_oid(other))))
    assert info.value.oid == other


def test_bad_parameters_refused() -> None:
    alg = der.sequence(der.encode_oid(ID_ALG_ZLIB_COMPRESS), der.encode_int(1))
    with pytest.raises(DecodeError, match="parameters"):
        decompress(_build(zlib.compress(b"x"), algorithm=alg))


def test_missing_econtent_refused() -> None:
    encap = der.sequence(der.encode_oid(ID_DATA))
    alg = der.sequence(der.encode_oid(ID_ALG_ZLIB_COMPRESS))
    body = der.sequence(der.encode_int(0), alg, encap)
    with pytest.raises(DecodeError, match="no eContent"):
        decompress(encode_content_info(ID_COMPRESSED_DATA, body))


def test_other_content_type_refused() -> None:
    with pytest.raises(DecodeError, match="expected"):
        decompress(load_vector("rustcrypto/digested_data.bin"))


def test_bad_caps_are_usage_errors() -> None:
    vector = load_vector("asn1crypto/cms-compressed.der")
    with pytest.raises(UsageError, match="max_output"):
        decompress(vector, max_output=-1)
    with pytest.raises(UsageError, match="max_ratio"):
        decompress(vector, max_ratio=0)


@pytest.mark.parametrize("level", [-1, 10])
def test_bad_level_is_usage_error(level: int) -> None:
    with pytest.raises(UsageError, match="level"):
        compress(b"x", level=level)


# -- malformed zlib ------------------------------------------------------------------------


def test_corrupt_zlib_stream() -> None:
    with pytest.raises(DecodeError, match="malformed zlib stream"):
        decompress(_build(b"\x78\x9c\xff\xff\xff\xff not deflate"))


def test_raw_deflate_without_zlib_header_refused() -> None:
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    with pytest.raises(DecodeError, match="malformed zlib stream"):
        decompress(_build(raw.compress(b"hello" * 20) + raw.flush()))


@pytest.mark.parametrize("cut", [0, 1, 2, 10])
def test_truncated_zlib_stream(cut: int) -> None:
    stream = zlib.compress(b"hello world " * 50)
    with pytest.raises(DecodeError, match="zlib stream"):
        decompress(_build(stream[:cut]))


def test_truncated_checksum() -> None:
    stream = zlib.compress(b"hello world " * 50)
    with pytest.raises(DecodeError, match="truncated zlib stream"):
        decompress(_build(stream[:-2]))


def test_bad_adler32() -> None:
    stream = bytearray(zlib.compress(b"hello world " * 50))
    stream[-1] ^= 1
    with pytest.raises(DecodeError, match="malformed zlib stream"):
        decompress(_build(bytes(stream)))


def test_trailing_data_after_stream() -> None:
    with pytest.raises(DecodeError, match="trailing data"):
        decompress(_build(zlib.compress(b"hello") + b"\x00junk"))


def test_two_concatenated_streams_refused() -> None:
    with pytest.raises(DecodeError, match="trailing data"):
        decompress(_build(zlib.compress(b"one") + zlib.compress(b"two")))


# -- bombs ---------------------------------------------------------------------------------


def test_100_mb_of_zeros_refused_quickly() -> None:
    bomb = compress(bytes(100 * 1000 * 1000))
    assert len(bomb) < 200_000
    start = time.monotonic()
    with pytest.raises(LimitExceeded) as info:
        decompress(bomb)
    assert time.monotonic() - start < 5
    assert info.value.limit in ("max_decompressed_size", "max_compression_ratio")


def test_two_mb_ratio_bomb() -> None:
    stream = zlib.compress(bytes(2 * MiB), 9)
    assert 2 * MiB > 1000 * len(stream)  # zeros deflate beyond 1000:1
    bomb = _build(stream)
    with pytest.raises(LimitExceeded, match="max_ratio") as info:
        decompress(bomb)
    assert info.value.limit == "max_compression_ratio"
    # the same content with a looser ratio is fine, and 1 MiB is never refused for ratio
    assert len(decompress(bomb, max_ratio=2000).content) == 2 * MiB
    assert len(decompress(_build(zlib.compress(bytes(MiB))), max_ratio=1).content) == MiB


def test_ratio_bomb_of_random_like_text() -> None:
    content = b"abcdefgh" * 300_000  # 2.4 MB, compresses far below 1/100
    with pytest.raises(LimitExceeded) as info:
        decompress(compress(content), max_ratio=100)
    assert info.value.limit == "max_compression_ratio"


def test_max_output_honoured_exactly() -> None:
    content = bytes(range(256)) * 40
    bomb = compress(content)
    assert decompress(bomb, max_output=len(content)).content == content
    with pytest.raises(LimitExceeded, match="max_output") as info:
        decompress(bomb, max_output=len(content) - 1)
    assert info.value.limit == "max_decompressed_size"
    assert decompress(compress(b""), max_output=0).content == b""
    with pytest.raises(LimitExceeded):
        decompress(compress(b"x"), max_output=0)


# -- mutations -----------------------------------------------------------------------------

_VECTORS = ("asn1crypto/cms-compressed.der", "rustcrypto/compressed_data.bin")


@pytest.mark.parametrize("name", _VECTORS)
def test_every_single_byte_mutation_raises_only_smime_errors(name: str) -> None:
    original = load_vector(name)
    for i in range(len(original)):
        for value in (original[i] ^ 0x01, original[i] ^ 0x80, 0x00, 0xFF):
            mutated = original[:i] + bytes([value]) + original[i + 1 :]
            with contextlib.suppress(SmimeError):
                decompress(mutated)
    for cut in range(len(original)):
        with pytest.raises(SmimeError):
            decompress(original[:cut])


@given(data=st.data())
def test_random_mutations_raise_only_smime_errors(data: st.DataObject) -> None:
    original = bytearray(load_vector("rustcrypto/compressed_data.bin"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        index = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
        original[index] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        result = decompress(bytes(original))
    except SmimeError:
        return
    assert isinstance(result.content, bytes)
