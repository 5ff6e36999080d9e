"""Digest algorithms by OID: known answers, parameters, refusals, registry flags."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import digests
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    LEGACY_POLICY,
    Flag,
    Kind,
    Use,
    lookup,
    lookup_name,
)
from smimelib.errors import DecodeError, PolicyError, SmimeError, UnsupportedAlgorithm

# Known answers for the message "abc": FIPS 180-4 / FIPS 202 example values (NIST CSRC
# "Examples with Intermediate Values"), MD5 from RFC 1321 appendix A.5.
ABC = {
    digests.MD5: "900150983cd24fb0d6963f7d28e17f72",
    digests.SHA1: "a9993e364706816aba3e25717850c26c9cd0d89d",
    digests.SHA224: "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    digests.SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    digests.SHA384: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
    "8086072ba1e7cc2358baeca134c825a7",
    digests.SHA512: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    digests.SHA512_224: "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
    digests.SHA512_256: "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
    digests.SHA3_224: "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    digests.SHA3_256: "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    digests.SHA3_384: "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2"
    "98d88cea927ac7f539f1edf228376d25",
    digests.SHA3_512: "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
}
# SHAKE of the empty message (FIPS 202 examples): 256 bits of SHAKE128, 512 of SHAKE256,
# the output lengths RFC 8702 section 2 fixes for id-shake128 / id-shake256.
SHAKE128_EMPTY = "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"
SHAKE256_EMPTY = (
    "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
    "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be"
)


@pytest.mark.parametrize("oid", sorted(ABC))
def test_known_answers_abc(oid: str) -> None:
    expected = bytes.fromhex(ABC[oid])
    assert digests.digest(AlgorithmIdentifier(oid), b"abc") == expected
    if oid not in (digests.SHA3_224, digests.SHA3_256, digests.SHA3_384, digests.SHA3_512):
        # RFC 5754 section 2 / RFC 3370 section 2.1: NULL parameters are accepted too
        assert digests.digest(AlgorithmIdentifier(oid, NULL), b"abc") == expected
    assert digests.digest_spec(AlgorithmIdentifier(oid)).size == len(expected)


def test_shake_known_answers() -> None:
    assert digests.digest(AlgorithmIdentifier(digests.SHAKE128), b"").hex() == SHAKE128_EMPTY
    assert digests.digest(AlgorithmIdentifier(digests.SHAKE256), b"").hex() == SHAKE256_EMPTY
    # RFC 8419 section 2.3: id-shake256-len with ShakeOutputLen 512 for Ed448
    alg = AlgorithmIdentifier(digests.SHAKE256_LEN, der.encode_int(512))
    assert digests.digest(alg, b"").hex() == SHAKE256_EMPTY
    # a shorter output is a prefix of the XOF stream
    short = AlgorithmIdentifier(digests.SHAKE256_LEN, der.encode_int(256))
    assert digests.digest(short, b"").hex() == SHAKE256_EMPTY[:64]
    assert digests.digest_spec(short).size == 32
    longer = AlgorithmIdentifier(digests.SHAKE128_LEN, der.encode_int(512))
    assert digests.digest(longer, b"").hex().startswith(SHAKE128_EMPTY)


def test_names_and_aliases() -> None:
    assert digests.digest("sha256", b"abc") == digests.digest("SHA-256", b"abc")
    assert digests.digest("id-sha256", b"abc").hex() == ABC[digests.SHA256]
    assert digests.digest_spec("sha-1").oid == digests.SHA1
    with pytest.raises(UnsupportedAlgorithm):
        digests.digest_spec("whirlpool")
    with pytest.raises(UnsupportedAlgorithm):
        digests.digest_spec("sha256WithRSAEncryption")  # a registered name, not a digest


def test_streaming_and_copy() -> None:
    h = digests.new_digest("sha384")
    h.update(b"a")
    fork = h.copy()
    h.update(b"bc")
    assert h.digest().hex() == ABC[digests.SHA384]
    fork.update(b"bc")
    assert fork.digest() == h.digest()
    x = digests.new_digest(AlgorithmIdentifier(digests.SHAKE256))
    x.update(b"")
    assert x.copy().digest().hex() == SHAKE256_EMPTY
    assert x.digest_size == 64


@pytest.mark.parametrize(
    ("oid", "params"),
    [
        (digests.SHA256, der.encode_octets(b"")),  # not NULL
        (digests.SHA256, der.encode_int(0)),
        (digests.SHA1, b"\x05\x01\x00"),  # malformed NULL
        (digests.SHAKE256, NULL),  # RFC 8702 section 2: MUST be absent
        (digests.SHAKE128, der.encode_int(256)),
        (digests.SHAKE256_LEN, NULL),
        (digests.SHAKE256_LEN, der.encode_int(0)),
        (digests.SHAKE256_LEN, der.encode_int(-512)),
        (digests.SHAKE256_LEN, der.encode_int(511)),
        (digests.SHAKE256_LEN, der.encode_int(1 << 40)),
        (digests.SHAKE256_LEN, der.encode_octets(b"\x02\x00")),
        (digests.SHAKE256_LEN, der.encode_int(512) + b"\x00"),
    ],
)
def test_bad_parameters_are_decode_errors(oid: str, params: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        digests.digest_spec(AlgorithmIdentifier(oid, params))
    assert info.value.oid == oid


def test_shake_len_needs_its_parameter() -> None:
    # absent ShakeOutputLen: the RFC 8419 default (512 bits) is used
    assert digests.digest_spec(AlgorithmIdentifier(digests.SHAKE256_LEN)).size == 64


@pytest.mark.parametrize(
    ("oid", "name"), [("1.2.840.113549.2.2", "md2"), ("1.2.840.113549.2.4", "md4")]
)
def test_md2_md4_refused_by_name(oid: str, name: str) -> None:
    with pytest.raises(UnsupportedAlgorithm) as info:
        digests.new_digest(AlgorithmIdentifier(oid, NULL))
    assert info.value.oid == oid
    assert name in str(info.value)
    assert "Historic" in str(info.value)
    # no policy can enable them: they are not in the registry at all
    with pytest.raises(UnsupportedAlgorithm):
        lookup(oid)


@pytest.mark.parametrize("oid", ["1.2.3.4", "2.16.840.1.101.3.4.1.2", "1.2.840.113549.1.1.11"])
def test_unknown_or_non_digest_oids(oid: str) -> None:
    with pytest.raises(UnsupportedAlgorithm) as info:
        digests.digest(AlgorithmIdentifier(oid), b"")
    assert info.value.oid == oid


def test_digest_algorithm_writes_absent_parameters() -> None:
    # RFC 5754 section 2: "Implementations MUST generate SHA2 AlgorithmIdentifiers with
    # absent parameters"; the DER is given in RFC 5754 section 2.2.
    assert digests.digest_algorithm("sha256").to_der().hex() == "300b0609608648016503040201"
    assert digests.digest_algorithm("sha-512").parameters is None
    assert digests.digest_algorithm("sha3-256").oid == digests.SHA3_256
    shake = digests.digest_algorithm("shake256-len")
    assert shake.parameters == der.encode_int(512)


@pytest.mark.parametrize("name", ["sha1", "md5"])
def test_digest_algorithm_never_writes_weak(name: str) -> None:
    with pytest.raises(PolicyError):
        digests.digest_algorithm(name)


def test_registry_flags_and_policy() -> None:
    sha1 = lookup(digests.SHA1)
    assert sha1.kind is Kind.DIGEST and sha1.flags & Flag.WEAK
    md5 = lookup_name("md5")
    assert md5.flags & Flag.WEAK and md5.flags & Flag.CONSUME_ONLY
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.check(md5, Use.CONSUME)
    LEGACY_POLICY.check(md5, Use.CONSUME)
    DEFAULT_POLICY.check(lookup(digests.SHA256), Use.PRODUCE)
    assert "RFC 5754" in lookup(digests.SHA256).rfc
    spec = digests.digest_spec(AlgorithmIdentifier(digests.SHA1, NULL))
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.check(spec.info, Use.CONSUME)


ALL_FIXED = [*sorted(ABC), digests.SHAKE128, digests.SHAKE256, digests.SHAKE256_LEN]


@given(data=st.binary(max_size=600), cut=st.integers(0, 600), index=st.integers(0, 100))
def test_chunked_update_equals_one_shot(data: bytes, cut: int, index: int) -> None:
    alg = AlgorithmIdentifier(ALL_FIXED[index % len(ALL_FIXED)])
    h = digests.new_digest(alg)
    h.update(data[:cut])
    h.update(data[cut:])
    assert h.digest() == digests.digest(alg, data)


@given(params=st.binary(max_size=40), index=st.integers(0, 100))
def test_arbitrary_parameters_raise_only_smimelib_errors(params: bytes, index: int) -> None:
    alg = AlgorithmIdentifier(ALL_FIXED[index % len(ALL_FIXED)], params)
    with contextlib.suppress(SmimeError):
        digests.digest_spec(alg)
