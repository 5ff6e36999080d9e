"""pyasn1 glue: limits first, trailing data, strict DER, error mapping."""

from __future__ import annotations

import time

import pytest
from pyasn1.type import univ
from pyasn1_modules import rfc5280

from smimelib.asn1 import codec, der
from smimelib.asn1.limits import DEFAULT_LIMITS
from smimelib.errors import DecodeError, LimitExceeded
from tests.asn1.test_tlv import pem_der


@pytest.fixture(scope="module")
def cert_der() -> bytes:
    return pem_der("rfc9216/alice.sign.crt")


def _to_indefinite_outer(data: bytes) -> bytes:
    """The same Certificate, its outer SEQUENCE re-encoded with an indefinite length (BER)."""
    assert data[:2] == b"\x30\x82"
    return b"\x30\x80" + data[4:] + b"\x00\x00"


def test_decode_certificate(cert_der: bytes) -> None:
    cert = codec.decode(cert_der, rfc5280.Certificate(), what="certificate", strict_der=True)
    assert int(cert["tbsCertificate"]["version"]) == 2
    assert codec.encode(cert) == cert_der


def test_strict_der_rejects_ber_encoding_of_valid_certificate(cert_der: bytes) -> None:
    ber = _to_indefinite_outer(cert_der)
    relaxed = codec.decode(ber, rfc5280.Certificate(), what="certificate")
    assert codec.encode(relaxed) == cert_der
    with pytest.raises(DecodeError, match="certificate: indefinite length is not DER"):
        codec.decode(ber, rfc5280.Certificate(), what="certificate", strict_der=True)


def test_strict_der_rejects_non_minimal_length(cert_der: bytes) -> None:
    # the serial number INTEGER with a long-form length
    ber = bytearray(cert_der)
    offset = 4 + 4 + 5  # outer header, TBS header, version [0] INTEGER
    assert ber[offset] == 0x02
    length = ber[offset + 1]
    ber[offset + 1 : offset + 2] = bytes([0x81, length])
    ber[2:4] = (int.from_bytes(ber[2:4], "big") + 1).to_bytes(2, "big")
    ber[6:8] = (int.from_bytes(ber[6:8], "big") + 1).to_bytes(2, "big")
    data = bytes(ber)
    assert codec.decode(data, rfc5280.Certificate(), what="certificate")
    with pytest.raises(DecodeError, match="minimal") as info:
        codec.decode(
            data, rfc5280.Certificate(), what="certificate", strict_der=True, base_offset=7
        )
    assert info.value.offset == 7 + offset


def test_strict_der_rejects_encoded_default_value() -> None:
    # BasicConstraints with cA FALSE written out: valid BER, not DER (X.690 11.5)
    data = der.sequence(der.encode_bool(False))
    value = codec.decode(data, rfc5280.BasicConstraints(), what="basicConstraints")
    assert not bool(value["cA"])
    with pytest.raises(DecodeError, match="not DER") as info:
        codec.decode(data, rfc5280.BasicConstraints(), what="basicConstraints", strict_der=True)
    assert info.value.offset is not None


def test_trailing_data_is_rejected(cert_der: bytes) -> None:
    with pytest.raises(DecodeError, match="trailing") as info:
        codec.decode(cert_der + b"\x00", rfc5280.Certificate(), what="certificate", base_offset=3)
    assert info.value.offset == 3 + len(cert_der)


def test_pyasn1_errors_are_mapped(cert_der: bytes) -> None:
    with pytest.raises(DecodeError, match="malformed certificate"):
        codec.decode(der.encode_int(5), rfc5280.Certificate(), what="certificate")
    # structurally valid TLV, wrong content for the schema
    bad = der.sequence(der.encode_oid("1.2.3"), der.encode_int(1), der.encode_int(2))
    with pytest.raises(DecodeError, match="malformed AlgorithmIdentifier"):
        codec.decode(bad, rfc5280.AlgorithmIdentifier(), what="AlgorithmIdentifier")
    with pytest.raises(DecodeError, match="malformed INTEGER"):
        codec.decode(b"\x04\x01\x00", univ.Integer(), what="INTEGER")
    # pyasn1 reads an empty INTEGER as 0; the TLV validator refuses it first
    with pytest.raises(DecodeError, match="INTEGER: INTEGER with no content octets"):
        codec.decode(b"\x02\x00", univ.Integer(), what="INTEGER")
    with pytest.raises(DecodeError):
        codec.decode(cert_der[:-1], rfc5280.Certificate(), what="certificate")


def test_limits_are_enforced_before_pyasn1() -> None:
    start = time.perf_counter()
    with pytest.raises(LimitExceeded):
        codec.decode(b"\x30\x80" * 1_000_000, rfc5280.Certificate(), what="certificate")
    with pytest.raises(LimitExceeded):
        codec.decode(
            b"\x06\x82\x0f\xa0" + b"\x81" * 3999 + b"\x01", univ.ObjectIdentifier(), what="OID"
        )
    with pytest.raises(LimitExceeded):
        codec.decode(b"\x9f" + b"\xff" * 50_000 + b"\x01\x00", univ.Any(), what="value")
    assert time.perf_counter() - start < 1.0
    tight = DEFAULT_LIMITS.replace(max_depth=2)
    with pytest.raises(LimitExceeded):
        codec.decode(der.sequence(der.sequence(der.sequence())), univ.Any(), what="x", limits=tight)


def test_encode_maps_errors() -> None:
    with pytest.raises(DecodeError, match="cannot DER-encode"):
        codec.encode(rfc5280.AlgorithmIdentifier())
