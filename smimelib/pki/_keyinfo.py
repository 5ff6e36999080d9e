"""PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958) and SubjectPublicKeyInfo (RFC 5280).

These two containers name the key's algorithm with an AlgorithmIdentifier and
carry the algorithm-specific structure (see :mod:`smimelib.pki._keyformats`)
inside an OCTET STRING or a BIT STRING. This module dispatches on the
algorithm OID, checks the parameters each RFC prescribes, and writes both
containers. The public entry points are in :mod:`smimelib.pki.keys`.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.crypto.keys import EC_CURVES, KeyType, PrivateKey, PublicKey
from smimelib.errors import DecodeError, UsageError
from smimelib.pki import _keyformats as kf

#: Dss-Parms (p, q, g) that a caller supplies for a DSA key whose SPKI omits them
DsaParameters = tuple[int, int, int]


def algorithm(elem: tlv.Element) -> tuple[str, tlv.Element | None]:
    """The OID and the parameters element (``None`` when absent) of an AlgorithmIdentifier.

    ::

        AlgorithmIdentifier ::= SEQUENCE {
            algorithm   OBJECT IDENTIFIER,
            parameters  ANY DEFINED BY algorithm OPTIONAL }   -- RFC 5280 section 4.1.1.2
    """
    children = kf.sequence(elem, "AlgorithmIdentifier", range(1, 3))
    if children[0].tag != tlv.Tag.OID:
        raise DecodeError("AlgorithmIdentifier does not start with an OID", offset=elem.offset)
    return children[0].as_oid(), (children[1] if len(children) == 2 else None)


def _inner(data: bytes, holder: tlv.Element, what: str, limits: Limits) -> tlv.Element:
    """Parse the DER carried inside an OCTET STRING or BIT STRING ``holder``."""
    skip = 0 if holder.tag == tlv.Tag.OCTET_STRING else 1  # a BIT STRING's unused-bits octet
    return kf.parse_element(data, what, limits, holder.content_offset + skip)


def _rsa_params(oid: str, params: tlv.Element | None) -> bytes | None:
    """Check the parameters of rsaEncryption / id-RSASSA-PSS; return the PSS ones' DER.

    rsaEncryption takes NULL (RFC 3279 section 2.3.1; absent is tolerated, as
    several writers omit it). id-RSASSA-PSS takes nothing or RSASSA-PSS-params
    (RFC 4055 section 3.1): ``SEQUENCE { [0] hashAlgorithm, [1] maskGenAlgorithm,
    [2] saltLength, [3] trailerField }``, every field optional.
    """
    if params is None:
        return None
    if oid == kf.OID_RSA:
        if params.tag != tlv.Tag.NULL:
            raise DecodeError(
                "rsaEncryption parameters must be NULL (RFC 3279 section 2.3.1)",
                offset=params.offset,
            )
        params.as_null()
        return None
    fields = kf.sequence(params, "RSASSA-PSS-params", range(0, 5))
    last = -1
    for item in fields:
        if (
            item.tag.cls != tlv.TagClass.CONTEXT
            or not item.tag.constructed
            or not last < item.tag.number <= 3
        ):
            raise DecodeError(
                "malformed RSASSA-PSS-params (RFC 4055 section 3.1)", offset=item.offset
            )
        last = item.tag.number
    return params.raw


def _no_params(oid: str, params: tlv.Element | None) -> None:
    """RFC 8410 section 3: the parameters of the four curve OIDs MUST be absent."""
    if params is not None:
        raise DecodeError(
            f"{oids.describe(oid)} parameters must be absent (RFC 8410 section 3)",
            offset=params.offset,
        )


# -- SubjectPublicKeyInfo --------------------------------------------------------------


_K = TypeVar("_K", PublicKey, PrivateKey)


def _restrict_to_pss(key: _K, oid: str, pss_params: bytes | None) -> _K:
    """Keep an id-RSASSA-PSS key's restriction to PSS (RFC 4055 section 1.2)."""
    if oid == kf.OID_RSASSA_PSS:
        return dataclasses.replace(key, rsa_pss=True, pss_params=pss_params)
    return key


def _ec_curve(params: tlv.Element | None, holder: tlv.Element) -> str:
    if params is None:
        raise DecodeError(
            "id-ecPublicKey without curve parameters (RFC 5480 section 2.1.1)",
            offset=holder.offset,
        )
    return kf.named_curve(params)


def public_from_algorithm(
    oid: str,
    params: tlv.Element | None,
    key_bytes: bytes,
    holder: tlv.Element,
    limits: Limits,
    dsa_parameters: DsaParameters | None = None,
) -> PublicKey:
    """The public key in ``key_bytes`` (the contents of a subjectPublicKey BIT STRING)."""
    if oid in (kf.OID_RSA, kf.OID_RSASSA_PSS):
        pss_params = _rsa_params(oid, params)
        key = kf.parse_rsa_public(_inner(key_bytes, holder, "RSAPublicKey", limits), limits)
        return _restrict_to_pss(key, oid, pss_params)
    if oid == kf.OID_EC_PUBLIC_KEY:
        return kf.ec_public(_ec_curve(params, holder), key_bytes, holder)
    kind = kf.RAW_TYPES.get(oid)
    if kind is not None:
        _no_params(oid, params)
        return kf.raw_public(kind, key_bytes, holder)
    if oid == kf.OID_DSA:
        y_elem = _inner(key_bytes, holder, "DSAPublicKey", limits)
        y = kf.key_int(y_elem, "DSA public key y", limits)
        if params is not None:
            p, q, g = kf.parse_dss_parms(params, limits)
        elif dsa_parameters is not None:
            p, q, g = dsa_parameters
        else:
            raise DecodeError(
                "DSA public key without domain parameters: they are inherited from the"
                " issuer's certificate (RFC 3279 section 2.3.2); pass dsa_parameters",
                offset=holder.offset,
            )
        return kf.dsa_public(p, q, g, y, y_elem)
    raise kf.unsupported("public key algorithm", oid)


def spki_parts(elem: tlv.Element) -> tuple[str, tlv.Element | None, bytes, tlv.Element]:
    """(OID, parameters, subjectPublicKey octets, the BIT STRING element) of an SPKI.

    ::

        SubjectPublicKeyInfo ::= SEQUENCE {
            algorithm         AlgorithmIdentifier,
            subjectPublicKey  BIT STRING }          -- RFC 5280 section 4.1.2.7
    """
    alg_elem, key_elem = kf.sequence(elem, "SubjectPublicKeyInfo", range(2, 3))
    oid, params = algorithm(alg_elem)
    return oid, params, kf.bit_string_octets(key_elem, "subjectPublicKey"), key_elem


def parse_spki(
    elem: tlv.Element, limits: Limits, dsa_parameters: DsaParameters | None = None
) -> PublicKey:
    """The public key of a SubjectPublicKeyInfo element (RFC 5280 section 4.1.2.7)."""
    oid, params, key_bytes, key_elem = spki_parts(elem)
    return public_from_algorithm(oid, params, key_bytes, key_elem, limits, dsa_parameters)


def dsa_public_value(elem: tlv.Element, limits: Limits) -> int:
    """y of a DSA SubjectPublicKeyInfo, with or without Dss-Parms (RFC 3279 section 2.3.2)."""
    oid, _, key_bytes, key_elem = spki_parts(elem)
    if oid != kf.OID_DSA:
        raise UsageError(f"not a DSA public key: {oids.describe(oid)}")
    y = kf.key_int(_inner(key_bytes, key_elem, "DSAPublicKey", limits), "DSA y", limits)
    return y


def _algorithm_of_public(key: PublicKey) -> AlgorithmIdentifier:
    if key.type is KeyType.RSA:
        if key.rsa_pss:
            return AlgorithmIdentifier(kf.OID_RSASSA_PSS, key.pss_params)
        return AlgorithmIdentifier(kf.OID_RSA, NULL)
    if key.type is KeyType.EC:
        return AlgorithmIdentifier(
            kf.OID_EC_PUBLIC_KEY, der.encode_oid(EC_CURVES[key.curve or ""][2])
        )
    if key.type is KeyType.DSA:
        p, q, g, _ = key.dsa_numbers()
        return AlgorithmIdentifier(kf.OID_DSA, kf.encode_dss_parms(p, q, g))
    return AlgorithmIdentifier(kf.RAW_OIDS[key.type])


def public_key_bytes(key: PublicKey) -> bytes:
    """The subjectPublicKey octets of ``key``."""
    if key.type is KeyType.RSA:
        return kf.encode_rsa_public(key)
    if key.type is KeyType.EC:
        return key.ec_point()
    if key.type is KeyType.DSA:
        return der.encode_int(key.dsa_numbers()[3])
    return key.raw_bytes()


def encode_spki(key: PublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of ``key`` (RFC 3279, RFC 4055, RFC 5480, RFC 8410)."""
    return der.sequence(
        _algorithm_of_public(key).to_der(), der.encode_bit_string(public_key_bytes(key))
    )


# -- PrivateKeyInfo / OneAsymmetricKey -------------------------------------------------------


def _private_from_algorithm(
    oid: str,
    params: tlv.Element | None,
    data: bytes,
    holder: tlv.Element,
    limits: Limits,
) -> PrivateKey:
    if oid in (kf.OID_RSA, kf.OID_RSASSA_PSS):
        pss_params = _rsa_params(oid, params)
        key = kf.parse_rsa_private(_inner(data, holder, "RSAPrivateKey", limits), limits)
        return _restrict_to_pss(key, oid, pss_params)
    if oid == kf.OID_EC_PUBLIC_KEY:
        curve = _ec_curve(params, holder)
        return kf.parse_ec_private(_inner(data, holder, "ECPrivateKey", limits), curve, limits)
    kind = kf.RAW_TYPES.get(oid)
    if kind is not None:
        _no_params(oid, params)
        inner = _inner(data, holder, "CurvePrivateKey", limits)
        return kf.raw_private(kind, kf.octets(inner, "CurvePrivateKey"), inner)
    if oid == kf.OID_DSA:
        if params is None:
            raise DecodeError(
                "DSA private key without Dss-Parms (RFC 5958 needs them)", offset=holder.offset
            )
        p, q, g = kf.parse_dss_parms(params, limits)
        x_elem = _inner(data, holder, "DSA private key", limits)
        return kf.dsa_private(p, q, g, kf.key_int(x_elem, "DSA x", limits), x_elem)
    raise kf.unsupported("private key algorithm", oid)


def parse_pkcs8(elem: tlv.Element, limits: Limits) -> PrivateKey:
    """PrivateKeyInfo (RFC 5208 section 5) or OneAsymmetricKey v1/v2 (RFC 5958 section 2).

    ::

        OneAsymmetricKey ::= SEQUENCE {
            version                   Version,        -- v1(0), v2(1)
            privateKeyAlgorithm       PrivateKeyAlgorithmIdentifier,
            privateKey                PrivateKey,     -- OCTET STRING
            attributes            [0] Attributes OPTIONAL,
            ...,
            [[2: publicKey        [1] PublicKey OPTIONAL ]],
            ... }

    Attributes (e.g. the RFC 8479 validation parameters) are accepted and not
    interpreted. A ``publicKey`` must match the private key.
    """
    children = kf.sequence(elem, "PrivateKeyInfo", range(3, 6))
    kf.version(children[0], "PrivateKeyInfo", (0, 1))
    oid, params = algorithm(children[1])
    private_elem = children[2]
    data = kf.octets(private_elem, "PrivateKeyInfo privateKey")
    public_elem: tlv.Element | None = None
    expected = 0
    for child in children[3:]:
        number = child.tag.number
        if child.tag.cls != tlv.TagClass.CONTEXT or number not in (0, 1) or number < expected:
            raise DecodeError("unexpected element in PrivateKeyInfo", offset=child.offset)
        expected = number + 1
        if number == 0:
            if not child.tag.constructed:
                raise DecodeError(
                    "PrivateKeyInfo attributes [0] must be constructed", offset=child.offset
                )
            child.children()
        else:
            public_elem = child
    key = _private_from_algorithm(oid, params, data, private_elem, limits)
    if public_elem is not None:
        public_bytes = kf.bit_string_octets(
            public_elem, "OneAsymmetricKey publicKey", implicit=True
        )
        dsa_parameters = key.dsa_numbers()[:3] if key.type is KeyType.DSA else None
        public = public_from_algorithm(
            oid, params, public_bytes, public_elem, limits, dsa_parameters
        )
        if public != key.public_key():
            raise DecodeError(
                "the public key in OneAsymmetricKey does not match its private key"
                " (RFC 5958 section 2)",
                offset=public_elem.offset,
            )
    return key


def encode_pkcs8(key: PrivateKey) -> bytes:
    """DER PrivateKeyInfo, version v1 (RFC 5208 section 5), of ``key``.

    RSA keys use rsaEncryption with NULL parameters, EC keys id-ecPublicKey with
    the namedCurve (and an ECPrivateKey holding the curve and the public key,
    RFC 5915 section 3), Ed/X keys their RFC 8410 OID without parameters and a
    CurvePrivateKey, DSA keys id-dsa with Dss-Parms and the INTEGER x.
    """
    if key.type is KeyType.RSA:
        alg = (
            AlgorithmIdentifier(kf.OID_RSASSA_PSS, key.pss_params)
            if key.rsa_pss
            else AlgorithmIdentifier(kf.OID_RSA, NULL)
        )
        body = kf.encode_rsa_private(key)
    elif key.type is KeyType.EC:
        alg = AlgorithmIdentifier(
            kf.OID_EC_PUBLIC_KEY, der.encode_oid(EC_CURVES[key.curve or ""][2])
        )
        body = kf.encode_ec_private(key)
    elif key.type is KeyType.DSA:
        p, q, g, x = key.dsa_numbers()
        alg = AlgorithmIdentifier(kf.OID_DSA, kf.encode_dss_parms(p, q, g))
        body = der.encode_int(x)
    else:
        alg = AlgorithmIdentifier(kf.RAW_OIDS[key.type])
        body = der.encode_octets(key.raw_bytes())
    return der.sequence(der.encode_int(0), alg.to_der(), der.encode_octets(body))
