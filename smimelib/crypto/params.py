"""Parameters of RSA and EC algorithm identifiers (RFC 4055, RFC 8017 appendix A.2, RFC 5480).

* ``RSASSA-PSS-params`` (RFC 4055 section 3.1, RFC 8017 appendix A.2.3)::

      RSASSA-PSS-params ::= SEQUENCE {
          hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
          maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
          saltLength         [2] INTEGER DEFAULT 20,
          trailerField       [3] INTEGER DEFAULT 1 }

* ``RSAES-OAEP-params`` (RFC 4055 section 4.1, RFC 8017 appendix A.2.1)::

      RSAES-OAEP-params ::= SEQUENCE {
          hashFunc      [0] AlgorithmIdentifier DEFAULT sha1Identifier,
          maskGenFunc   [1] AlgorithmIdentifier DEFAULT mgf1SHA1Identifier,
          pSourceFunc   [2] AlgorithmIdentifier DEFAULT pSpecifiedEmptyIdentifier }

* ``ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }`` (RFC 5480
  section 2.1.1): only ``namedCurve`` is supported, as RFC 5480 requires.

Reading accepts what RFC 4055 says validators MUST accept: absent fields for
the defaults, explicitly encoded defaults, and hash identifiers with absent or
NULL parameters. Writing omits every field equal to its DEFAULT (X.690 11.5)
and writes the hash identifiers with NULL parameters, as the RFC 4055
``sha256Identifier`` and OpenSSL do.
"""

from __future__ import annotations

from dataclasses import dataclass

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.crypto.digests import digest_spec
from smimelib.crypto.keys import EC_CURVES
from smimelib.errors import DecodeError, UnsupportedAlgorithm, UsageError

__all__ = [
    "ID_EC_PUBLIC_KEY",
    "ID_MGF1",
    "ID_P_SPECIFIED",
    "ID_RSAES_OAEP",
    "ID_RSASSA_PSS",
    "RSA_ENCRYPTION",
    "OaepParams",
    "PssParams",
    "decode_ec_parameters",
    "decode_oaep_params",
    "decode_pss_params",
    "encode_ec_parameters",
    "encode_oaep_params",
    "encode_pss_params",
    "hash_identifier",
    "parse_hash_identifier",
]

RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
ID_RSAES_OAEP = "1.2.840.113549.1.1.7"
ID_MGF1 = "1.2.840.113549.1.1.8"
ID_P_SPECIFIED = "1.2.840.113549.1.1.9"
ID_RSASSA_PSS = "1.2.840.113549.1.1.10"
ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"

for _oid, _name in (
    (ID_MGF1, "id-mgf1"),
    (ID_P_SPECIFIED, "id-pSpecified"),
):
    if oids.name_of(_oid) == _oid:
        oids.register(_oid, _name)

#: hashes allowed inside PSS and OAEP parameters (RFC 4055 section 2.1, RFC 8017 B.1;
#: SHA-3 as OpenSSL and BouncyCastle accept it)
_PARAM_HASHES = frozenset(
    {
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha512-224",
        "sha512-256",
        "sha3-224",
        "sha3-256",
        "sha3-384",
        "sha3-512",
    }
)
#: largest saltLength accepted from input; the key size bounds it further at use
_MAX_SALT = 1 << 16


@dataclass(frozen=True, slots=True)
class PssParams:
    """RSASSA-PSS parameters (RFC 4055 section 3.1); hashes are digest registry names."""

    hash: str = "sha1"
    mgf_hash: str = "sha1"
    salt_length: int = 20
    trailer_field: int = 1


@dataclass(frozen=True, slots=True)
class OaepParams:
    """RSAES-OAEP parameters (RFC 4055 section 4.1); ``label`` is the pSpecified P value."""

    hash: str = "sha1"
    mgf_hash: str = "sha1"
    label: bytes = b""


# -- hash and MGF identifiers ---------------------------------------------------------------


def hash_identifier(name: str) -> bytes:
    """DER of the hash AlgorithmIdentifier used inside PSS/OAEP parameters (NULL parameters,
    RFC 4055 section 2.1)."""
    if name not in _PARAM_HASHES:
        raise UsageError(f"{name} cannot be used in RSASSA-PSS or RSAES-OAEP parameters")
    return AlgorithmIdentifier(digest_spec(name).oid, NULL).to_der()


def parse_hash_identifier(elem: tlv.Element, what: str) -> str:
    """Registry name of a hash AlgorithmIdentifier element inside PSS/OAEP parameters."""
    alg = AlgorithmIdentifier.from_element(elem)
    try:
        spec = digest_spec(alg)
    except DecodeError as exc:
        raise DecodeError(f"{what}: {exc.message}", offset=elem.offset, oid=alg.oid) from None
    if spec.name not in _PARAM_HASHES:
        raise UnsupportedAlgorithm(
            f"{spec.name} is not supported as {what}", oid=alg.oid, oid_name=spec.name
        )
    return spec.name


def _mgf_identifier(hash_name: str) -> bytes:
    return der.sequence(der.encode_oid(ID_MGF1) + hash_identifier(hash_name))


def _parse_mgf(elem: tlv.Element, what: str) -> str:
    """Hash name of an MGF1 AlgorithmIdentifier (RFC 8017 appendix B.2.1)."""
    alg = AlgorithmIdentifier.from_element(elem)
    if alg.oid != ID_MGF1:
        raise UnsupportedAlgorithm(
            f"{what}: only MGF1 is supported", oid=alg.oid, oid_name=oids.name_of(alg.oid)
        )
    if alg.parameters is None:
        raise DecodeError(f"{what}: MGF1 without its hash algorithm", offset=elem.offset)
    children = elem.children()
    return parse_hash_identifier(children[1], f"{what} MGF1 hash")


def _fields(data: bytes, what: str, base_offset: int, allowed: int) -> dict[int, tlv.Element]:
    """The [n] EXPLICIT fields of a parameters SEQUENCE, each once and in order."""
    seq = tlv.parse_one(data, base_offset=base_offset, what=what)
    seq.expect(tlv.Tag.SEQUENCE, what)
    out: dict[int, tlv.Element] = {}
    last = -1
    for child in seq.children():
        tag = child.tag
        if tag.cls != tlv.TagClass.CONTEXT or not tag.constructed or tag.number >= allowed:
            raise DecodeError(f"{what}: unexpected {tag}", offset=child.offset)
        if tag.number <= last:
            raise DecodeError(f"{what}: field [{tag.number}] out of order", offset=child.offset)
        last = tag.number
        inner = child.children()
        if len(inner) != 1:
            raise DecodeError(
                f"{what}: [{tag.number}] must hold exactly one element", offset=child.offset
            )
        out[tag.number] = inner[0]
    return out


# -- RSASSA-PSS ------------------------------------------------------------------------------


def decode_pss_params(data: bytes, *, base_offset: int = 0) -> PssParams:
    """Parse DER ``RSASSA-PSS-params`` (RFC 4055 section 3.1), applying the defaults.

    :raises DecodeError: malformed parameters, a negative salt length.
    :raises UnsupportedAlgorithm: a hash or MGF smimelib does not support, or a
        trailerField other than 1 (RFC 4055 section 3.1 allows only 1).
    """
    what = "RSASSA-PSS-params"
    fields = _fields(data, what, base_offset, 4)
    hash_name = mgf_hash = "sha1"
    salt, trailer = 20, 1
    if 0 in fields:
        hash_name = parse_hash_identifier(fields[0], "RSASSA-PSS hashAlgorithm")
    if 1 in fields:
        mgf_hash = _parse_mgf(fields[1], "RSASSA-PSS maskGenAlgorithm")
    if 2 in fields:
        salt = fields[2].as_int(max_octets=4)
        if not 0 <= salt <= _MAX_SALT:
            raise DecodeError(f"{what}: saltLength {salt} out of range", offset=fields[2].offset)
    if 3 in fields:
        trailer = fields[3].as_int(max_octets=4)
        if trailer != 1:
            raise UnsupportedAlgorithm(
                f"{what}: trailerField {trailer} is not supported (RFC 4055 section 3.1 "
                "allows only 1)",
                oid=ID_RSASSA_PSS,
                oid_name="id-RSASSA-PSS",
            )
    return PssParams(hash_name, mgf_hash, salt, trailer)


def encode_pss_params(params: PssParams) -> bytes:
    """DER ``RSASSA-PSS-params``; fields equal to their DEFAULT are omitted (X.690 11.5)."""
    if params.trailer_field != 1:
        raise UsageError("RSASSA-PSS trailerField must be 1 (RFC 4055 section 3.1)")
    if params.salt_length < 0:
        raise UsageError("RSASSA-PSS saltLength must not be negative")
    parts: list[bytes] = []
    if params.hash != "sha1":
        parts.append(der.explicit(0, hash_identifier(params.hash)))
    if params.mgf_hash != "sha1":
        parts.append(der.explicit(1, _mgf_identifier(params.mgf_hash)))
    if params.salt_length != 20:
        parts.append(der.explicit(2, der.encode_int(params.salt_length)))
    return der.sequence(*parts)


# -- RSAES-OAEP ------------------------------------------------------------------------------


def decode_oaep_params(data: bytes | None, *, base_offset: int = 0) -> OaepParams:
    """Parse ``RSAES-OAEP-params`` (RFC 4055 section 4.1); ``None`` (absent) = all defaults.

    NULL is not RSAES-OAEP-params (FIELD-NOTES row 8: an rsaEncryption NULL must
    never be read as OAEP defaults) and raises :class:`DecodeError`.

    :raises DecodeError: malformed parameters.
    :raises UnsupportedAlgorithm: unsupported hash, MGF or pSourceFunc.
    """
    if data is None:
        return OaepParams()
    what = "RSAES-OAEP-params"
    fields = _fields(data, what, base_offset, 3)
    hash_name = mgf_hash = "sha1"
    label = b""
    if 0 in fields:
        hash_name = parse_hash_identifier(fields[0], "RSAES-OAEP hashFunc")
    if 1 in fields:
        mgf_hash = _parse_mgf(fields[1], "RSAES-OAEP maskGenFunc")
    if 2 in fields:
        label = _parse_p_source(fields[2])
    return OaepParams(hash_name, mgf_hash, label)


def _parse_p_source(elem: tlv.Element) -> bytes:
    alg = AlgorithmIdentifier.from_element(elem)
    if alg.oid != ID_P_SPECIFIED:
        raise UnsupportedAlgorithm(
            "RSAES-OAEP pSourceFunc must be id-pSpecified (RFC 4055 section 4.1)",
            oid=alg.oid,
            oid_name=oids.name_of(alg.oid),
        )
    children = elem.children()
    if len(children) != 2:
        raise DecodeError("id-pSpecified without its OCTET STRING", offset=elem.offset)
    return children[1].as_octets()


def encode_oaep_params(params: OaepParams) -> bytes:
    """DER ``RSAES-OAEP-params``; fields equal to their DEFAULT are omitted (RFC 4055 4.1)."""
    parts: list[bytes] = []
    if params.hash != "sha1":
        parts.append(der.explicit(0, hash_identifier(params.hash)))
    if params.mgf_hash != "sha1":
        parts.append(der.explicit(1, _mgf_identifier(params.mgf_hash)))
    if params.label:
        p_source = der.sequence(der.encode_oid(ID_P_SPECIFIED) + der.encode_octets(params.label))
        parts.append(der.explicit(2, p_source))
    return der.sequence(*parts)


# -- ECParameters ----------------------------------------------------------------------------

_CURVE_BY_OID = {oid: name for name, (_, _, oid) in EC_CURVES.items()}


def decode_ec_parameters(data: bytes | None, *, base_offset: int = 0) -> str:
    """Curve name (``"P-256"``...) of ``ECParameters`` (RFC 5480 section 2.1.1).

    :raises DecodeError: absent or malformed parameters.
    :raises UnsupportedAlgorithm: implicitCurve, specifiedCurve (both forbidden by
        RFC 5480 section 2.1.1) or a named curve other than P-256/P-384/P-521.
    """
    if data is None:
        raise DecodeError("ECParameters are missing (RFC 5480 section 2.1.1)", offset=base_offset)
    elem = tlv.parse_one(data, base_offset=base_offset, what="ECParameters")
    if elem.tag != tlv.Tag.OID:
        form = "implicitCurve" if elem.tag == tlv.Tag.NULL else "specifiedCurve"
        raise UnsupportedAlgorithm(
            f"ECParameters {form} is not supported (RFC 5480 section 2.1.1 requires namedCurve)",
            oid=ID_EC_PUBLIC_KEY,
            oid_name="id-ecPublicKey",
        )
    oid = elem.as_oid()
    curve = _CURVE_BY_OID.get(oid)
    if curve is None:
        raise UnsupportedAlgorithm(
            "unsupported elliptic curve", oid=oid, oid_name=oids.name_of(oid)
        )
    return curve


def encode_ec_parameters(curve: str) -> bytes:
    """DER ``ECParameters`` naming ``curve`` (RFC 5480 section 2.1.1.1)."""
    if curve not in EC_CURVES:
        raise UsageError(f"unsupported EC curve {curve!r}")
    return der.encode_oid(EC_CURVES[curve][2])
