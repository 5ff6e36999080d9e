"""RSASSA-PSS-params, RSAES-OAEP-params and ECParameters (RFC 4055, RFC 5480)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.asn1 import der
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto import params
from smimelib.crypto.params import OaepParams, PssParams
from smimelib.errors import DecodeError, SmimeError, UnsupportedAlgorithm, UsageError

SHA1_ID = AlgorithmIdentifier("1.3.14.3.2.26", NULL).to_der()
SHA256_ABSENT = AlgorithmIdentifier("2.16.840.1.101.3.4.2.1").to_der()
SHA256_NULL = AlgorithmIdentifier("2.16.840.1.101.3.4.2.1", NULL).to_der()


def mgf1(hash_id: bytes) -> bytes:
    return der.sequence(der.encode_oid(params.ID_MGF1) + hash_id)


# The parameters OpenSSL 3.0 writes for `openssl req -x509 -sha256 -sigopt
# rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32` (hash identifiers with NULL).
OPENSSL_PSS_SHA256_32 = bytes.fromhex(
    "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d0609608648016503"
    "0402010500a203020120"
)
# vectors/asn1crypto/keys/test-rsapss.crt signatureAlgorithm parameters (hash identifiers
# with absent parameters, saltLength 222).
ASN1CRYPTO_PSS = bytes.fromhex(
    "3031a00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201"
    "a204020200de"
)
# The RSAES-OAEP-params OpenSSL 3.0 `cms -encrypt -keyopt rsa_oaep_md:sha256` writes.
OPENSSL_OAEP_SHA256 = bytes.fromhex(
    "302ba00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201"
)


class TestPss:
    def test_empty_sequence_is_all_defaults(self) -> None:
        # RFC 4055 section 3.1: SHA-1, MGF1 with SHA-1, salt 20, trailer 1
        assert params.decode_pss_params(b"\x30\x00") == PssParams("sha1", "sha1", 20, 1)

    def test_openssl_parameters(self) -> None:
        assert params.decode_pss_params(OPENSSL_PSS_SHA256_32) == PssParams("sha256", "sha256", 32)

    def test_absent_hash_parameters_and_long_salt(self) -> None:
        assert params.decode_pss_params(ASN1CRYPTO_PSS) == PssParams("sha256", "sha256", 222)

    def test_explicit_defaults_accepted(self) -> None:
        # RFC 4055: validators MUST accept sha1Identifier / mgf1SHA1Identifier / trailer 1
        # present explicitly
        data = der.sequence(
            der.explicit(0, SHA1_ID),
            der.explicit(1, mgf1(SHA1_ID)),
            der.explicit(2, der.encode_int(20)),
            der.explicit(3, der.encode_int(1)),
        )
        assert params.decode_pss_params(data) == PssParams()

    def test_encode_matches_openssl(self) -> None:
        assert params.encode_pss_params(PssParams("sha256", "sha256", 32)) == OPENSSL_PSS_SHA256_32

    def test_encode_omits_defaults(self) -> None:
        # X.690 11.5 and RFC 4055 section 3.1 ("MUST omit")
        assert params.encode_pss_params(PssParams()) == b"\x30\x00"
        mixed = params.encode_pss_params(PssParams("sha384", "sha1", 20))
        assert params.decode_pss_params(mixed) == PssParams("sha384", "sha1", 20)
        assert mixed == der.sequence(
            der.explicit(0, AlgorithmIdentifier("2.16.840.1.101.3.4.2.2", NULL).to_der())
        )

    def test_trailer_other_than_one(self) -> None:
        data = der.sequence(der.explicit(3, der.encode_int(2)))
        with pytest.raises(UnsupportedAlgorithm):
            params.decode_pss_params(data)

    @pytest.mark.parametrize(
        "data",
        [
            NULL,
            der.sequence(der.explicit(2, der.encode_int(-1))),
            der.sequence(der.explicit(2, der.encode_int(1 << 20))),
            der.sequence(der.explicit(2, der.encode_octets(b"\x14"))),
            der.sequence(der.explicit(2, der.encode_int(20)), der.explicit(0, SHA256_NULL)),
            der.sequence(der.explicit(0, SHA256_NULL), der.explicit(0, SHA256_NULL)),
            der.sequence(der.explicit(4, der.encode_int(1))),
            der.sequence(der.implicit(2, der.encode_int(20), constructed=False)),
            der.sequence(der.explicit(0, SHA256_NULL + SHA256_NULL)),
            der.sequence(der.explicit(1, der.sequence(der.encode_oid(params.ID_MGF1)))),
            der.sequence(der.explicit(0, der.encode_int(5))),
            b"\x30\x00\x00",
            b"\x30\x03\xa2\x01",
        ],
    )
    def test_malformed(self, data: bytes) -> None:
        with pytest.raises(DecodeError):
            params.decode_pss_params(data)

    @pytest.mark.parametrize(
        "data",
        [
            # MD5 and SHAKE are not PSS hashes here; RSASSA-PSS-SHAKE has its own OIDs
            der.sequence(der.explicit(0, AlgorithmIdentifier("1.2.840.113549.2.5", NULL).to_der())),
            der.sequence(der.explicit(0, AlgorithmIdentifier("2.16.840.1.101.3.4.2.12").to_der())),
            # an MGF other than MGF1
            der.sequence(der.explicit(1, der.sequence(der.encode_oid("1.2.3.4") + SHA1_ID))),
        ],
    )
    def test_unsupported(self, data: bytes) -> None:
        with pytest.raises(UnsupportedAlgorithm):
            params.decode_pss_params(data)

    def test_encode_refuses_bad_values(self) -> None:
        with pytest.raises(UsageError):
            params.encode_pss_params(PssParams("sha256", "sha256", -1))
        with pytest.raises(UsageError):
            params.encode_pss_params(PssParams("sha256", "sha256", 32, 2))
        with pytest.raises(UsageError):
            params.encode_pss_params(PssParams("md5", "sha256", 32))


HASHES = ["sha1", "sha224", "sha256", "sha384", "sha512", "sha512-224", "sha3-256", "sha3-512"]


@given(h=st.sampled_from(HASHES), m=st.sampled_from(HASHES), salt=st.integers(0, 600))
def test_pss_round_trip(h: str, m: str, salt: int) -> None:
    value = PssParams(h, m, salt)
    assert params.decode_pss_params(params.encode_pss_params(value)) == value


class TestOaep:
    def test_absent_and_empty_are_defaults(self) -> None:
        assert params.decode_oaep_params(None) == OaepParams("sha1", "sha1", b"")
        assert params.decode_oaep_params(b"\x30\x00") == OaepParams()

    def test_null_is_not_oaep_params(self) -> None:
        # FIELD-NOTES row 8 (PKI.js#246): never read NULL as the OAEP defaults
        with pytest.raises(DecodeError):
            params.decode_oaep_params(NULL)

    def test_openssl_parameters(self) -> None:
        assert params.decode_oaep_params(OPENSSL_OAEP_SHA256) == OaepParams("sha256", "sha256")

    def test_label_and_mixed_hashes(self) -> None:
        p_source = der.sequence(der.encode_oid(params.ID_P_SPECIFIED) + der.encode_octets(b"L"))
        data = der.sequence(
            der.explicit(0, SHA256_ABSENT),
            der.explicit(1, mgf1(SHA1_ID)),
            der.explicit(2, p_source),
        )
        assert params.decode_oaep_params(data) == OaepParams("sha256", "sha1", b"L")
        assert params.encode_oaep_params(OaepParams("sha256", "sha1", b"L")) == der.sequence(
            der.explicit(0, SHA256_NULL), der.explicit(2, p_source)
        )

    def test_encode_omits_defaults(self) -> None:
        # RFC 4055 section 4.1: encryptors MUST omit default fields
        assert params.encode_oaep_params(OaepParams()) == b"\x30\x00"
        encoded = params.encode_oaep_params(OaepParams("sha256", "sha256"))
        assert encoded == der.sequence(
            der.explicit(0, SHA256_NULL), der.explicit(1, mgf1(SHA256_NULL))
        )

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (
                der.sequence(der.explicit(2, AlgorithmIdentifier("1.2.3.4").to_der())),
                UnsupportedAlgorithm,
            ),
            (
                der.sequence(der.explicit(2, AlgorithmIdentifier(params.ID_P_SPECIFIED).to_der())),
                DecodeError,
            ),
            (der.sequence(der.explicit(3, SHA256_NULL)), DecodeError),
            (der.sequence(der.explicit(0, b"\x05\x00")), DecodeError),
            (
                der.sequence(
                    der.explicit(1, mgf1(AlgorithmIdentifier("2.16.840.1.101.3.4.2.11").to_der()))
                ),
                UnsupportedAlgorithm,
            ),
        ],
    )
    def test_bad(self, data: bytes, error: type[Exception]) -> None:
        with pytest.raises(error):
            params.decode_oaep_params(data)


@given(h=st.sampled_from(HASHES), m=st.sampled_from(HASHES), label=st.binary(max_size=40))
def test_oaep_round_trip(h: str, m: str, label: bytes) -> None:
    value = OaepParams(h, m, label)
    assert params.decode_oaep_params(params.encode_oaep_params(value)) == value


class TestEcParameters:
    @pytest.mark.parametrize(
        ("curve", "oid"),
        [("P-256", "1.2.840.10045.3.1.7"), ("P-384", "1.3.132.0.34"), ("P-521", "1.3.132.0.35")],
    )
    def test_named_curves(self, curve: str, oid: str) -> None:
        assert params.encode_ec_parameters(curve) == der.encode_oid(oid)
        assert params.decode_ec_parameters(der.encode_oid(oid)) == curve

    @pytest.mark.parametrize(
        "data",
        [
            NULL,  # implicitCurve
            der.sequence(der.encode_int(1)),  # specifiedCurve
            der.encode_oid("1.3.132.0.10"),  # secp256k1
        ],
    )
    def test_unsupported(self, data: bytes) -> None:
        with pytest.raises(UnsupportedAlgorithm):
            params.decode_ec_parameters(data)

    def test_missing_or_malformed(self) -> None:
        with pytest.raises(DecodeError):
            params.decode_ec_parameters(None)
        with pytest.raises(DecodeError):
            params.decode_ec_parameters(b"\x06\x00")
        with pytest.raises(UsageError):
            params.encode_ec_parameters("secp256k1")


@given(data=st.binary(max_size=80))
def test_arbitrary_bytes_raise_only_smimelib_errors(data: bytes) -> None:
    for decode in (
        params.decode_pss_params,
        params.decode_oaep_params,
        params.decode_ec_parameters,
    ):
        with contextlib.suppress(SmimeError):
            decode(data)
