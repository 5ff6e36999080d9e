"""The key structures inside PKCS#8 and SubjectPublicKeyInfo: parse and write.

One function per ASN.1 structure, each working on :class:`~smimelib.asn1.tlv.Element`
values so that every error carries the byte offset of the element at fault:

* RSAPublicKey / RSAPrivateKey (PKCS#1, RFC 8017 appendix A.1),
* ECPrivateKey (SEC1, RFC 5915) and ECParameters (RFC 5480 section 2.1.1),
* Dss-Parms and DSAPublicKey (RFC 3279 section 2.3.2), OpenSSL's
  "traditional" DSA private key,
* CurvePrivateKey (RFC 8410 section 7),
* PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958 section 2),
* SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) for every key type above.

The public entry points are in :mod:`smimelib.pki.keys`.
"""

from __future__ import annotations

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.limits import Limits
from smimelib.crypto.keys import EC_CURVES, KeyType, PrivateKey, PublicKey, ec_curve_parameters
from smimelib.errors import DecodeError, UnsupportedAlgorithm, UsageError

OID_RSA = "1.2.840.113549.1.1.1"
OID_RSASSA_PSS = "1.2.840.113549.1.1.10"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_DSA = "1.2.840.10040.4.1"
OID_DH_X942 = "1.2.840.10046.2.1"
OID_X25519 = "1.3.101.110"
OID_X448 = "1.3.101.111"
OID_ED25519 = "1.3.101.112"
OID_ED448 = "1.3.101.113"

# Binary curves that OpenSSL's test keys use (SEC 2 section A.2), so that the
# UnsupportedAlgorithm raised for them names the curve.
_CURVE_NAMES = {
    "1.3.132.0.1": "sect163k1",
    "1.3.132.0.16": "sect283k1",
    "1.3.132.0.17": "sect283r1",
    "1.3.132.0.36": "sect409k1",
    "1.3.132.0.38": "sect571k1",
}
for _oid, _name in _CURVE_NAMES.items():
    if oids.name_of(_oid) == _oid:
        oids.register(_oid, _name)

#: RFC 8410 section 3: algorithm OID <-> key type, and the raw key sizes (section 7).
RAW_TYPES: dict[str, KeyType] = {
    OID_X25519: KeyType.X25519,
    OID_X448: KeyType.X448,
    OID_ED25519: KeyType.ED25519,
    OID_ED448: KeyType.ED448,
}
RAW_OIDS: dict[KeyType, str] = {kind: oid for oid, kind in RAW_TYPES.items()}
_RAW_SIZES = {KeyType.X25519: 32, KeyType.X448: 56, KeyType.ED25519: 32, KeyType.ED448: 57}
_CURVE_BY_OID = {oid: name for name, (_, _, oid) in EC_CURVES.items()}
#: curve order size in bytes = ceiling(log2(n)/8) (RFC 5915 section 3)
_CURVE_SIZES = {name: size for name, (_, size, _) in EC_CURVES.items()}


def unsupported(what: str, oid: str) -> UnsupportedAlgorithm:
    """UnsupportedAlgorithm naming ``oid`` and its registered name."""
    name = oids.name_of(oid)
    return UnsupportedAlgorithm(
        f"unsupported {what}: {name if name != oid else 'unknown OID'}",
        oid=oid,
        oid_name=name if name != oid else None,
    )


# -- element helpers ------------------------------------------------------------


def sequence(elem: tlv.Element, what: str, sizes: range) -> tuple[tlv.Element, ...]:
    """The children of a SEQUENCE, checking its tag and its number of elements."""
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset)
    children = elem.children()
    if len(children) not in sizes:
        expected = f"{sizes.start}" if len(sizes) == 1 else f"{sizes.start} to {sizes.stop - 1}"
        raise DecodeError(
            f"{what} has {len(children)} elements (expected {expected})", offset=elem.offset
        )
    return children


def key_int(elem: tlv.Element, what: str, limits: Limits) -> int:
    """A positive INTEGER that is key material, of at most ``limits.max_key_integer_octets``."""
    if elem.tag != tlv.Tag.INTEGER:
        raise DecodeError(f"{what} is not an INTEGER", offset=elem.offset)
    value = elem.as_int(max_octets=limits.max_key_integer_octets)
    if value <= 0:
        raise DecodeError(f"{what} must be a positive INTEGER", offset=elem.offset)
    return value


def version(elem: tlv.Element, what: str, allowed: tuple[int, ...]) -> int:
    """A structure's version INTEGER, which must be one of ``allowed``."""
    if elem.tag != tlv.Tag.INTEGER:
        raise DecodeError(f"{what} version is not an INTEGER", offset=elem.offset)
    value = elem.as_int(max_octets=4)
    if value not in allowed:
        raise DecodeError(
            f"{what} version {value} is not supported (expected {' or '.join(map(str, allowed))})",
            offset=elem.offset,
        )
    return value


def is_universal(tag: tlv.Tag, number: int) -> bool:
    """Whether ``tag`` is universal ``number``, primitive or (BER strings) constructed."""
    return tag.cls == tlv.TagClass.UNIVERSAL and tag.number == number


def octets(elem: tlv.Element, what: str) -> bytes:
    """Contents of an OCTET STRING (BER constructed segments joined, X.690 8.7)."""
    if not is_universal(elem.tag, tlv.Tag.OCTET_STRING.number):
        raise DecodeError(f"{what} is not an OCTET STRING", offset=elem.offset)
    return elem.as_octets()


def bit_string_octets(elem: tlv.Element, what: str, *, implicit: bool = False) -> bytes:
    """Contents of a BIT STRING that must hold whole octets (a key is never bit-aligned).

    ``implicit`` reads an IMPLICIT-tagged BIT STRING (OneAsymmetricKey publicKey [1]).
    """
    if not implicit and not is_universal(elem.tag, tlv.Tag.BIT_STRING.number):
        raise DecodeError(f"{what} is not a BIT STRING", offset=elem.offset)
    unused, data = elem.as_bit_string(implicit=implicit)
    if unused:
        raise DecodeError(f"{what} has {unused} unused bits (expected 0)", offset=elem.offset)
    return data


def parse_element(data: bytes, what: str, limits: Limits, base_offset: int = 0) -> tlv.Element:
    """Exactly one BER element spanning ``data``, checked against ``limits``."""
    return tlv.parse_one(data, limits=limits, base_offset=base_offset, what=what)


def _bad_key(what: str, exc: UsageError, elem: tlv.Element) -> DecodeError:
    return DecodeError(f"invalid {what}: {exc.message}", offset=elem.offset)


# -- RSA (RFC 8017 appendix A.1) ------------------------------------------------


def parse_rsa_public(elem: tlv.Element, limits: Limits) -> PublicKey:
    """RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)."""
    n_elem, e_elem = sequence(elem, "RSAPublicKey", range(2, 3))
    n = key_int(n_elem, "RSA modulus", limits)
    e = key_int(e_elem, "RSA public exponent", limits)
    try:
        return PublicKey.rsa(n, e)
    except UsageError as exc:
        raise _bad_key("RSA public key", exc, elem) from None


def parse_rsa_private(elem: tlv.Element, limits: Limits) -> PrivateKey:
    """RSAPrivateKey (RFC 8017 appendix A.1.2); two-prime keys only.

    ::

        RSAPrivateKey ::= SEQUENCE {
            version Version, modulus INTEGER, publicExponent INTEGER,
            privateExponent INTEGER, prime1 INTEGER, prime2 INTEGER,
            exponent1 INTEGER, exponent2 INTEGER, coefficient INTEGER,
            otherPrimeInfos OtherPrimeInfos OPTIONAL }
    """
    children = sequence(elem, "RSAPrivateKey", range(9, 11))
    if version(children[0], "RSAPrivateKey", (0, 1)) == 1 or len(children) == 10:
        raise UnsupportedAlgorithm(
            "multi-prime RSA private keys (RFC 8017 appendix A.1.2, version 1) are not supported",
            oid=OID_RSA,
            oid_name=oids.name_of(OID_RSA),
        )
    names = (
        "modulus",
        "publicExponent",
        "privateExponent",
        "prime1",
        "prime2",
        "exponent1",
        "exponent2",
        "coefficient",
    )
    n, e, d, p, q, dp, dq, qinv = (
        key_int(child, f"RSA {name}", limits)
        for child, name in zip(children[1:9], names, strict=True)
    )
    if p < 3 or q < 3 or n != p * q:
        raise DecodeError("invalid RSA private key: n is not prime1 * prime2", offset=elem.offset)
    if dp != d % (p - 1) or dq != d % (q - 1) or (qinv * q) % p != 1:
        raise DecodeError(
            "invalid RSA private key: the CRT exponents or coefficient do not match",
            offset=elem.offset,
        )
    try:
        return PrivateKey.rsa(n, e, d, p, q)
    except UsageError as exc:
        raise _bad_key("RSA private key", exc, elem) from None


def encode_rsa_public(key: PublicKey) -> bytes:
    """DER RSAPublicKey (RFC 8017 appendix A.1.1)."""
    n, e = key.rsa_numbers()
    return der.sequence(der.encode_int(n), der.encode_int(e))


def encode_rsa_private(key: PrivateKey) -> bytes:
    """DER RSAPrivateKey, version 0 (RFC 8017 appendix A.1.2)."""
    n, e, d, p, q = key.rsa_numbers()
    return der.sequence(
        *(der.encode_int(v) for v in (0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)))
    )


# -- EC (RFC 5480, RFC 5915) -------------------------------------------------------


def named_curve(elem: tlv.Element) -> str:
    """Our curve name from ECParameters (RFC 5480 section 2.1.1); only namedCurve is allowed.

    ::

        ECParameters ::= CHOICE {
            namedCurve      OBJECT IDENTIFIER
            -- implicitCurve   NULL
            -- specifiedCurve  SpecifiedECDomain }
    """
    if elem.tag == tlv.Tag.OID:
        oid = elem.as_oid()
        curve = _CURVE_BY_OID.get(oid)
        if curve is None:
            raise unsupported("elliptic curve", oid)
        return curve
    if elem.tag == tlv.Tag.SEQUENCE:
        return _specified_curve(elem)
    if elem.tag == tlv.Tag.NULL:
        raise UnsupportedAlgorithm(
            "EC parameters inherited from the issuer (implicitCurve) are not supported;"
            " RFC 5480 section 2.1.1 requires namedCurve",
            oid=OID_EC_PUBLIC_KEY,
            oid_name=oids.name_of(OID_EC_PUBLIC_KEY),
        )
    raise DecodeError("ECParameters is not a namedCurve OID", offset=elem.offset)


_PRIME_FIELD = "1.2.840.10045.1.1"


def _specified_curve(elem: tlv.Element) -> str:
    """Recognise explicit parameters (SpecifiedECDomain, SEC 1 C.2) that equal a named curve.

    RFC 5480 forbids specifiedCurve in certificates, but Windows and old
    OpenSSL builds write it inside private keys (MimeKit's ec-smime.pfx). Like
    OpenSSL and BouncyCastle, accept it when every parameter (p, a, b, G, n,
    cofactor) equals one of our named curves; anything else stays unsupported.
    ::

        SpecifiedECDomain ::= SEQUENCE {
            version   INTEGER { ecdpVer1(1), ecdpVer2(2), ecdpVer3(3) },
            fieldID   FieldID,    -- prime-field: SEQUENCE { OID, p INTEGER }
            curve     Curve,      -- SEQUENCE { a, b OCTET STRING, seed BIT STRING OPTIONAL }
            base      ECPoint,
            order     INTEGER,
            cofactor  INTEGER OPTIONAL, ... }
    """
    unsupported_explicit = UnsupportedAlgorithm(
        "explicit EC curve parameters (specifiedCurve) that match no supported named curve;"
        " RFC 5480 section 2.1.1 requires namedCurve",
        oid=OID_EC_PUBLIC_KEY,
        oid_name=oids.name_of(OID_EC_PUBLIC_KEY),
    )
    fields = elem.children()
    if len(fields) < 5:
        raise DecodeError("SpecifiedECDomain has too few fields", offset=elem.offset)
    version_, field_id, curve_elem, base, order = fields[:5]
    cofactor = (
        fields[5].as_int(max_octets=8)
        if len(fields) > 5 and fields[5].tag == tlv.Tag.INTEGER
        else 1
    )
    if version_.as_int(max_octets=1) not in (1, 2, 3):
        raise DecodeError("SpecifiedECDomain version is not 1, 2 or 3", offset=version_.offset)
    fid = field_id.children()
    if len(fid) != 2 or fid[0].as_oid() != _PRIME_FIELD:
        raise unsupported_explicit
    prime = fid[1].as_int(max_octets=80)
    ab = curve_elem.children()
    if len(ab) < 2:
        raise DecodeError("SpecifiedECDomain curve lacks a or b", offset=curve_elem.offset)
    a = int.from_bytes(ab[0].as_octets(), "big")
    b = int.from_bytes(ab[1].as_octets(), "big")
    n = order.as_int(max_octets=80)
    for name in EC_CURVES:
        c = ec_curve_parameters(name)
        if (prime, a, b, n, cofactor) != (c.p, c.a, c.b, c.order, c.cofactor):
            continue
        try:
            g = PublicKey.ec(name, base.as_octets())
        except UsageError:
            raise DecodeError(
                "SpecifiedECDomain base point is invalid", offset=base.offset
            ) from None
        if (int(g.key.pointQ.x), int(g.key.pointQ.y)) == (c.gx, c.gy):
            return name
    raise unsupported_explicit


def ec_public(curve: str, point: bytes, elem: tlv.Element) -> PublicKey:
    """An EC public key from its X9.62 point (RFC 5480 section 2.2; compressed accepted)."""
    size = _CURVE_SIZES[curve]
    if (
        not point
        or point[0] not in (2, 3, 4)
        or len(point) != (1 + 2 * size if point[0] == 4 else 1 + size)
    ):
        raise DecodeError(
            f"invalid {curve} public point encoding ({len(point)} bytes)", offset=elem.offset
        )
    try:
        return PublicKey.ec(curve, point)
    except UsageError as exc:
        raise _bad_key(f"{curve} public key", exc, elem) from None


def parse_ec_private(elem: tlv.Element, algid_curve: str | None, limits: Limits) -> PrivateKey:
    """ECPrivateKey (RFC 5915 section 3).

    ::

        ECPrivateKey ::= SEQUENCE {
            version        INTEGER { ecPrivkeyVer1(1) },
            privateKey     OCTET STRING,
            parameters [0] ECParameters {{ NamedCurve }} OPTIONAL,
            publicKey  [1] BIT STRING OPTIONAL }

    The curve comes from ``parameters`` or, inside PKCS#8, from the algorithm
    identifier (``algid_curve``); when both are present they must agree. A
    ``publicKey`` that does not belong to ``privateKey`` is an error.
    """
    children = sequence(elem, "ECPrivateKey", range(2, 5))
    version(children[0], "ECPrivateKey", (1,))
    secret = octets(children[1], "ECPrivateKey privateKey")
    curve = algid_curve
    public_elem: tlv.Element | None = None
    expected_next = 0
    for child in children[2:]:
        number = child.tag.number
        if (
            child.tag.cls != tlv.TagClass.CONTEXT
            or not child.tag.constructed
            or number not in (0, 1)
            or number < expected_next
        ):
            raise DecodeError("unexpected element in ECPrivateKey", offset=child.offset)
        expected_next = number + 1
        inner = child.children()
        if len(inner) != 1:
            raise DecodeError(
                f"ECPrivateKey [{number}] must hold exactly one element", offset=child.offset
            )
        if number == 0:
            own_curve = named_curve(inner[0])
            if curve is not None and own_curve != curve:
                raise DecodeError(
                    f"ECPrivateKey parameters ({own_curve}) differ from the algorithm's ({curve})",
                    offset=child.offset,
                )
            curve = own_curve
        else:
            public_elem = inner[0]
    if curve is None:
        raise DecodeError("EC private key without curve parameters", offset=elem.offset)
    size = _CURVE_SIZES[curve]
    # RFC 5915 fixes the length; older writers dropped leading zeros, so accept shorter.
    if not secret or len(secret) > size:
        raise DecodeError(
            f"{curve} private key is {len(secret)} bytes (expected {size})",
            offset=children[1].offset,
        )
    try:
        key = PrivateKey.ec(curve, int.from_bytes(secret, "big"))
    except UsageError as exc:
        raise _bad_key(f"{curve} private key", exc, children[1]) from None
    if public_elem is not None:
        point = bit_string_octets(public_elem, "ECPrivateKey publicKey")
        if ec_public(curve, point, public_elem) != key.public_key():
            raise DecodeError(
                "the public key in ECPrivateKey does not match its private key",
                offset=public_elem.offset,
            )
    return key


def encode_ec_private(key: PrivateKey) -> bytes:
    """ECPrivateKey with parameters and publicKey, as RFC 5915 section 3 asks."""
    curve = key.curve or ""
    size = _CURVE_SIZES[curve]
    point = key.public_key().ec_point()
    return der.sequence(
        der.encode_int(1),
        der.encode_octets(key.ec_scalar().to_bytes(size, "big")),
        der.explicit(0, der.encode_oid(EC_CURVES[curve][2])),
        der.explicit(1, der.encode_bit_string(point)),
    )


# -- DSA (RFC 3279 section 2.3.2) ---------------------------------------------------


def parse_dss_parms(elem: tlv.Element, limits: Limits) -> tuple[int, int, int]:
    """Dss-Parms ::= SEQUENCE { p INTEGER, q INTEGER, g INTEGER } (RFC 3279 section 2.3.2)."""
    return _dss_numbers(sequence(elem, "Dss-Parms", range(3, 4)), elem, limits)


def _dss_numbers(
    fields: tuple[tlv.Element, ...], where: tlv.Element, limits: Limits
) -> tuple[int, int, int]:
    p, q, g = (
        key_int(field, f"DSA {name}", limits) for field, name in zip(fields, "pqg", strict=True)
    )
    # FIPS 186-4 section 4.1 in outline: q divides p - 1 and g lies in (1, p).
    if p < 5 or not p & 1 or q < 3 or q >= p or not 1 < g < p or (p - 1) % q:
        raise DecodeError("invalid DSA domain parameters", offset=where.offset)
    return p, q, g


def dsa_public(p: int, q: int, g: int, y: int, elem: tlv.Element) -> PublicKey:
    """A DSA public key; errors point at ``elem``."""
    if not 1 < y < p:
        raise DecodeError("invalid DSA public key: y out of range", offset=elem.offset)
    try:
        return PublicKey.dsa(p, q, g, y)
    except UsageError as exc:
        raise _bad_key("DSA public key", exc, elem) from None


def dsa_private(
    p: int, q: int, g: int, x: int, elem: tlv.Element, y: int | None = None
) -> PrivateKey:
    """A DSA private key; when ``y`` is given it must be g^x mod p."""
    if not 0 < x < q:
        raise DecodeError("invalid DSA private key: x out of range", offset=elem.offset)
    try:
        key = PrivateKey.dsa(p, q, g, x)
    except UsageError as exc:
        raise _bad_key("DSA private key", exc, elem) from None
    if y is not None and key.public_key().dsa_numbers()[3] != y:
        raise DecodeError(
            "the DSA public value y does not match the private key", offset=elem.offset
        )
    return key


def parse_dsa_traditional(elem: tlv.Element, limits: Limits) -> PrivateKey:
    """OpenSSL's "DSA PRIVATE KEY": SEQUENCE { version 0, p, q, g, y, x } (no RFC)."""
    children = sequence(elem, "DSA private key", range(6, 7))
    version(children[0], "DSA private key", (0,))
    p, q, g = _dss_numbers(children[1:4], elem, limits)
    y = key_int(children[4], "DSA y", limits)
    x = key_int(children[5], "DSA x", limits)
    return dsa_private(p, q, g, x, elem, y)


def encode_dss_parms(p: int, q: int, g: int) -> bytes:
    """DER Dss-Parms (RFC 3279 section 2.3.2)."""
    return der.sequence(der.encode_int(p), der.encode_int(q), der.encode_int(g))


# -- RFC 8410 -----------------------------------------------------------------------


def raw_private(kind: KeyType, data: bytes, elem: tlv.Element) -> PrivateKey:
    """CurvePrivateKey ::= OCTET STRING, the raw key (RFC 8410 section 7)."""
    size = _RAW_SIZES[kind]
    if len(data) != size:
        raise DecodeError(
            f"{kind.value} private key is {len(data)} bytes (expected {size})",
            offset=elem.offset,
        )
    try:
        return PrivateKey.raw(kind, data)
    except UsageError as exc:
        raise _bad_key(f"{kind.value} private key", exc, elem) from None


def raw_public(kind: KeyType, data: bytes, elem: tlv.Element) -> PublicKey:
    """An Ed25519/Ed448/X25519/X448 public key from its raw form (RFC 8410 section 4)."""
    size = _RAW_SIZES[kind]
    if len(data) != size:
        raise DecodeError(
            f"{kind.value} public key is {len(data)} bytes (expected {size})",
            offset=elem.offset,
        )
    try:
        return PublicKey.raw(kind, data)
    except UsageError as exc:
        raise _bad_key(f"{kind.value} public key", exc, elem) from None
