"""PKCS#12 structures walked with the TLV reader (RFC 7292), and the names of their OIDs.

Private to :mod:`smimelib.pki.pkcs12`. Only the outer structures are parsed
here; keys, certificates and the password-based encryption schemes belong to
other modules (this one only names the schemes and reads their iteration
counts, for the report and for the work bound). Every parse function takes a
:class:`~smimelib.asn1.tlv.Element` (or bytes plus the limits) and raises
:class:`~smimelib.errors.DecodeError` with the offset of the offending element.

::

    PFX ::= SEQUENCE {
        version     INTEGER {v3(3)}(v3,...),
        authSafe    ContentInfo,
        macData     MacData OPTIONAL }

    MacData ::= SEQUENCE {
        mac         DigestInfo,
        macSalt     OCTET STRING,
        iterations  INTEGER DEFAULT 1 }

    AuthenticatedSafe ::= SEQUENCE OF ContentInfo
    SafeContents ::= SEQUENCE OF SafeBag
    SafeBag ::= SEQUENCE {
        bagId          BAG-TYPE.&id ({PKCS12BagSet}),
        bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
        bagAttributes  SET OF PKCS12Attribute OPTIONAL }
"""

from __future__ import annotations

from dataclasses import dataclass

from smimelib.asn1 import oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, LimitExceeded, UnsupportedAlgorithm

# -- object identifiers (RFC 7292 appendix D, RFC 5652, RFC 2985, RFC 8018, RFC 9579) ---------
ID_DATA = "1.2.840.113549.1.7.1"
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
ID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"

BAG_KEY = "1.2.840.113549.1.12.10.1.1"
BAG_SHROUDED_KEY = "1.2.840.113549.1.12.10.1.2"
BAG_CERT = "1.2.840.113549.1.12.10.1.3"
BAG_CRL = "1.2.840.113549.1.12.10.1.4"
BAG_SECRET = "1.2.840.113549.1.12.10.1.5"
BAG_SAFE_CONTENTS = "1.2.840.113549.1.12.10.1.6"

CERT_X509 = "1.2.840.113549.1.9.22.1"
CERT_SDSI = "1.2.840.113549.1.9.22.2"
CRL_X509 = "1.2.840.113549.1.9.23.1"

ATTR_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
ATTR_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"

PKCS12_PBE_PREFIX = "1.2.840.113549.1.12.1."
ID_PBES2 = "1.2.840.113549.1.5.13"
ID_PBKDF2 = "1.2.840.113549.1.5.12"
ID_PBMAC1 = "1.2.840.113549.1.5.14"
ID_SCRYPT = "1.3.6.1.4.1.11591.4.11"

_NAMES: dict[str, str] = {
    ID_DATA: "data",
    ID_SIGNED_DATA: "signedData",
    ID_ENVELOPED_DATA: "envelopedData",
    ID_ENCRYPTED_DATA: "encryptedData",
    BAG_KEY: "keyBag",
    BAG_SHROUDED_KEY: "pkcs8ShroudedKeyBag",
    BAG_CERT: "certBag",
    BAG_CRL: "crlBag",
    BAG_SECRET: "secretBag",
    BAG_SAFE_CONTENTS: "safeContentsBag",
    CERT_X509: "x509Certificate",
    CERT_SDSI: "sdsiCertificate",
    CRL_X509: "x509CRL",
    ATTR_FRIENDLY_NAME: "friendlyName",
    ATTR_LOCAL_KEY_ID: "localKeyId",
    "1.3.6.1.4.1.311.17.1": "msCSPName",
    "1.3.6.1.4.1.311.17.2": "msLocalMachineKeyset",
    "2.16.840.1.113894.746875.1.1": "oracleTrustedKeyUsage",
    PKCS12_PBE_PREFIX + "1": "pbeWithSHAAnd128BitRC4",
    PKCS12_PBE_PREFIX + "2": "pbeWithSHAAnd40BitRC4",
    PKCS12_PBE_PREFIX + "3": "pbeWithSHAAnd3-KeyTripleDES-CBC",
    PKCS12_PBE_PREFIX + "4": "pbeWithSHAAnd2-KeyTripleDES-CBC",
    PKCS12_PBE_PREFIX + "5": "pbeWithSHAAnd128BitRC2-CBC",
    PKCS12_PBE_PREFIX + "6": "pbeWithSHAAnd40BitRC2-CBC",
    "1.2.840.113549.1.5.1": "pbeWithMD2AndDES-CBC",
    "1.2.840.113549.1.5.3": "pbeWithMD5AndDES-CBC",
    "1.2.840.113549.1.5.4": "pbeWithMD2AndRC2-CBC",
    "1.2.840.113549.1.5.6": "pbeWithMD5AndRC2-CBC",
    "1.2.840.113549.1.5.10": "pbeWithSHA1AndDES-CBC",
    "1.2.840.113549.1.5.11": "pbeWithSHA1AndRC2-CBC",
    ID_PBES2: "PBES2",
    ID_PBKDF2: "PBKDF2",
    ID_PBMAC1: "PBMAC1",
    ID_SCRYPT: "scrypt",
}


def _register_names() -> None:
    # Register what the shared OID table lacks, so errors name these OIDs too.
    for oid, name in _NAMES.items():
        if oids.name_of(oid) == oid:
            oids.register(oid, name)


_register_names()


def name_of(oid: str) -> str:
    """Our name for a PKCS#12-related OID, else the shared table's, else the dotted OID."""
    return _NAMES.get(oid) or oids.name_of(oid)


#: digest OID -> (hashlib name, display name, weak); the MAC digests RFC 7292 and OpenSSL accept
MAC_DIGESTS: dict[str, tuple[str, str, bool]] = {
    "1.2.840.113549.2.5": ("md5", "MD5", True),
    "1.3.14.3.2.26": ("sha1", "SHA1", True),
    "2.16.840.1.101.3.4.2.4": ("sha224", "SHA224", False),
    "2.16.840.1.101.3.4.2.1": ("sha256", "SHA256", False),
    "2.16.840.1.101.3.4.2.2": ("sha384", "SHA384", False),
    "2.16.840.1.101.3.4.2.3": ("sha512", "SHA512", False),
    "2.16.840.1.101.3.4.2.5": ("sha512_224", "SHA512-224", False),
    "2.16.840.1.101.3.4.2.6": ("sha512_256", "SHA512-256", False),
}
DIGEST_OID_BY_NAME = {info[0]: oid for oid, info in MAC_DIGESTS.items()}

#: HMAC OID (PBKDF2 prf, PBMAC1 messageAuthScheme; RFC 8018 appendix B.1) -> hashlib name
HMAC_OIDS: dict[str, str] = {
    "1.2.840.113549.2.7": "sha1",
    "1.2.840.113549.2.8": "sha224",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
    "1.2.840.113549.2.12": "sha512_224",
    "1.2.840.113549.2.13": "sha512_256",
}
_HMAC_SHA1 = "1.2.840.113549.2.7"

#: PBES2 encryption schemes -> (display name, weakness: "" / "legacy" / "weak")
_PBES2_CIPHERS: dict[str, tuple[str, str]] = {
    "2.16.840.1.101.3.4.1.2": ("AES-128-CBC", ""),
    "2.16.840.1.101.3.4.1.22": ("AES-192-CBC", ""),
    "2.16.840.1.101.3.4.1.42": ("AES-256-CBC", ""),
    "1.2.840.113549.3.7": ("DES-EDE3-CBC", "legacy"),
    "1.3.14.3.2.7": ("DES-CBC", "weak"),
    "1.2.840.113549.3.2": ("RC2-CBC", "weak"),
}

#: PKCS#12 and PBES1 schemes -> weakness (RFC 7292 appendix C, RFC 8018 section 6.1)
_SCHEME_WEAKNESS: dict[str, str] = {
    PKCS12_PBE_PREFIX + "1": "weak",
    PKCS12_PBE_PREFIX + "2": "weak",
    PKCS12_PBE_PREFIX + "3": "legacy",
    PKCS12_PBE_PREFIX + "4": "weak",
    PKCS12_PBE_PREFIX + "5": "legacy",
    PKCS12_PBE_PREFIX + "6": "weak",
    "1.2.840.113549.1.5.1": "weak",
    "1.2.840.113549.1.5.3": "weak",
    "1.2.840.113549.1.5.4": "weak",
    "1.2.840.113549.1.5.6": "weak",
    "1.2.840.113549.1.5.10": "weak",
    "1.2.840.113549.1.5.11": "weak",
}

_MAX_SALT = 1024
_MAX_ITERATION_OCTETS = 8


# -- small TLV helpers -------------------------------------------------------------------------
def expect(elem: tlv.Element, tag: tlv.Tag, what: str) -> None:
    if elem.tag != tag:
        raise DecodeError(f"{what}: expected {tag}, found {elem.tag}", offset=elem.offset)


def unsupported(message: str, oid: str) -> UnsupportedAlgorithm:
    """An UnsupportedAlgorithm naming ``oid`` (and its name when it has one)."""
    name = name_of(oid)
    return UnsupportedAlgorithm(message, oid=oid, oid_name=name if name != oid else None)


def sequence(elem: tlv.Element, what: str, least: int, most: int) -> tuple[tlv.Element, ...]:
    """The children of a SEQUENCE with ``least..most`` elements."""
    expect(elem, tlv.Tag.SEQUENCE, what)
    children = elem.children()
    if not least <= len(children) <= most:
        want = str(least) if least == most else f"{least} to {most}"
        raise DecodeError(
            f"{what} has {len(children)} elements (expected {want})", offset=elem.offset
        )
    return children


def explicit(elem: tlv.Element, number: int, what: str) -> tlv.Element:
    """The single element inside a ``[number] EXPLICIT`` wrapper."""
    if elem.tag != tlv.Tag.context(number, constructed=True):
        raise DecodeError(f"{what} is not tagged [{number}] EXPLICIT", offset=elem.offset)
    children = elem.children()
    if len(children) != 1:
        raise DecodeError(f"{what} holds {len(children)} elements (expected 1)", offset=elem.offset)
    return children[0]


def octets(elem: tlv.Element, what: str) -> bytes:
    if elem.tag.number != tlv.Tag.OCTET_STRING.number or elem.tag.cls != tlv.TagClass.UNIVERSAL:
        raise DecodeError(f"{what} is not an OCTET STRING", offset=elem.offset)
    return elem.as_octets()


def small_int(elem: tlv.Element, what: str, octets_max: int = _MAX_ITERATION_OCTETS) -> int:
    expect(elem, tlv.Tag.INTEGER, what)
    return elem.as_int(max_octets=octets_max)


def iteration_count(elem: tlv.Element, what: str) -> int:
    value = small_int(elem, what)
    if value < 1:
        raise DecodeError(f"{what} is {value} (must be at least 1)", offset=elem.offset)
    return value


def salt_value(elem: tlv.Element, what: str) -> bytes:
    value = octets(elem, what)
    if len(value) > _MAX_SALT:
        raise LimitExceeded(
            f"{what} is {len(value)} bytes (at most {_MAX_SALT} accepted)",
            limit="pkcs12 salt size",
            offset=elem.offset,
        )
    return value


# -- PFX ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MacData:
    """The parsed MacData (RFC 7292 section 4)."""

    algorithm: AlgorithmIdentifier
    digest: bytes
    salt: bytes
    iterations: int
    offset: int


@dataclass(frozen=True, slots=True)
class Pfx:
    """The parsed PFX: the authSafe content octets (what the MAC covers) and the MacData."""

    auth_safe: bytes
    auth_safe_offset: int
    mac: MacData | None


def parse_pfx(data: bytes, limits: Limits) -> Pfx:
    """Parse the PFX PDU (RFC 7292 section 4) up to the AuthenticatedSafe octets."""
    root = tlv.parse_one(data, limits=limits, what="PKCS#12 PFX")
    children = sequence(root, "PKCS#12 PFX", 2, 3)
    version = small_int(children[0], "PFX version", 4)
    if version != 3:
        raise DecodeError(
            f"PFX version is {version} (RFC 7292 section 4 defines only v3)",
            offset=children[0].offset,
        )
    info = sequence(children[1], "PFX authSafe ContentInfo", 1, 2)
    content_type = info[0].as_oid()
    if content_type == ID_SIGNED_DATA:
        raise UnsupportedAlgorithm(
            "PKCS#12 public-key integrity mode (authSafe is signedData) is not supported; "
            "only password integrity mode is (RFC 7292 section 4)",
            oid=content_type,
            oid_name="signedData",
        )
    if content_type != ID_DATA:
        raise unsupported(
            f"PFX authSafe has content type {name_of(content_type)}, expected data "
            "(RFC 7292 section 4)",
            content_type,
        )
    if len(info) != 2:
        raise DecodeError("PFX authSafe has no content", offset=children[1].offset)
    inner = explicit(info[1], 0, "PFX authSafe content")
    auth_safe = octets(inner, "PFX authSafe content")
    # Offsets inside a constructed (BER) OCTET STRING do not map onto the input.
    offset = inner.content_offset if not inner.tag.constructed else 0
    mac = parse_mac_data(children[2]) if len(children) == 3 else None
    return Pfx(auth_safe, offset, mac)


def parse_mac_data(elem: tlv.Element) -> MacData:
    """Parse MacData (RFC 7292 section 4); ``iterations`` defaults to 1."""
    children = sequence(elem, "PFX macData", 2, 3)
    digest_info = sequence(children[0], "macData DigestInfo", 2, 2)
    algorithm = AlgorithmIdentifier.from_element(digest_info[0])
    digest = octets(digest_info[1], "macData digest")
    salt = salt_value(children[1], "macData macSalt")
    iterations = iteration_count(children[2], "macData iterations") if len(children) == 3 else 1
    return MacData(algorithm, digest, salt, iterations, elem.offset)


# -- AuthenticatedSafe -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SafeEntry:
    """One ContentInfo of the AuthenticatedSafe.

    ``encrypted`` is None for plain data, else the PBE algorithm; ``payload`` is
    the SafeContents DER (plain) or the ciphertext; ``offset`` is where a plain
    payload starts in the input (for error messages).
    """

    encrypted: AlgorithmIdentifier | None
    payload: bytes
    offset: int


def parse_authenticated_safe(data: bytes, limits: Limits, base_offset: int) -> list[SafeEntry]:
    """Parse ``AuthenticatedSafe ::= SEQUENCE OF ContentInfo`` (RFC 7292 section 4.1)."""
    root = tlv.parse_one(data, limits=limits, base_offset=base_offset, what="AuthenticatedSafe")
    expect(root, tlv.Tag.SEQUENCE, "AuthenticatedSafe")
    entries: list[SafeEntry] = []
    for info in root.children():
        parts = sequence(info, "AuthenticatedSafe ContentInfo", 1, 2)
        content_type = parts[0].as_oid()
        if len(parts) != 2:
            raise DecodeError("AuthenticatedSafe ContentInfo has no content", offset=info.offset)
        content = explicit(parts[1], 0, "AuthenticatedSafe ContentInfo content")
        if content_type == ID_DATA:
            payload = octets(content, "AuthenticatedSafe data")
            # Offsets inside a constructed (BER) OCTET STRING do not map onto the input.
            start = content.content_offset if not content.tag.constructed else 0
            entries.append(SafeEntry(None, payload, start))
        elif content_type == ID_ENCRYPTED_DATA:
            algorithm, ciphertext = _parse_encrypted_data(content)
            entries.append(SafeEntry(algorithm, ciphertext, content.offset))
        elif content_type == ID_ENVELOPED_DATA:
            raise UnsupportedAlgorithm(
                "PKCS#12 public-key privacy mode (envelopedData in the AuthenticatedSafe) is "
                "not supported; only password privacy mode is (RFC 7292 section 4.1)",
                oid=content_type,
                oid_name="envelopedData",
            )
        else:
            raise unsupported(
                f"AuthenticatedSafe holds an unknown content type {name_of(content_type)}",
                content_type,
            )
    return entries


def _parse_encrypted_data(elem: tlv.Element) -> tuple[AlgorithmIdentifier, bytes]:
    """EncryptedData (RFC 5652 section 8) holding a password-encrypted SafeContents."""
    parts = sequence(elem, "EncryptedData", 2, 3)
    version = small_int(parts[0], "EncryptedData version", 4)
    if version not in (0, 2):
        raise DecodeError(
            f"EncryptedData version is {version} (expected 0 or 2)", offset=elem.offset
        )
    eci = sequence(parts[1], "EncryptedContentInfo", 2, 3)
    content_type = eci[0].as_oid()
    if content_type != ID_DATA:
        raise DecodeError(
            f"encrypted SafeContents has content type {name_of(content_type)}, expected data "
            "(RFC 7292 section 4.1)",
            offset=eci[0].offset,
        )
    algorithm = AlgorithmIdentifier.from_element(eci[1])
    if len(eci) != 3:
        raise DecodeError("EncryptedData carries no encryptedContent", offset=parts[1].offset)
    tag = eci[2].tag
    if tag.cls != tlv.TagClass.CONTEXT or tag.number != 0:
        raise DecodeError("encryptedContent is not tagged [0]", offset=eci[2].offset)
    return algorithm, eci[2].as_octets(implicit=True)


# -- SafeContents ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RawBag:
    """One SafeBag as found: its id, the DER inside ``[0]``, and its attributes."""

    bag_id: str
    value: tlv.Element
    attributes: tuple[tuple[str, tuple[tlv.Element, ...]], ...]
    offset: int


def parse_safe_contents(data: bytes, limits: Limits, base_offset: int, what: str) -> list[RawBag]:
    """Parse ``SafeContents ::= SEQUENCE OF SafeBag`` (RFC 7292 section 4.2)."""
    root = tlv.parse_one(data, limits=limits, base_offset=base_offset, what=what)
    return safe_bags(root, what)


def safe_bags(root: tlv.Element, what: str) -> list[RawBag]:
    expect(root, tlv.Tag.SEQUENCE, what)
    bags: list[RawBag] = []
    for bag in root.children():
        parts = sequence(bag, "SafeBag", 2, 3)
        bag_id = parts[0].as_oid()
        value = explicit(parts[1], 0, f"{name_of(bag_id)} bagValue")
        attributes = parse_attributes(parts[2]) if len(parts) == 3 else ()
        bags.append(RawBag(bag_id, value, attributes, bag.offset))
    return bags


def parse_attributes(elem: tlv.Element) -> tuple[tuple[str, tuple[tlv.Element, ...]], ...]:
    """``SET OF PKCS12Attribute``; each attribute is ``SEQUENCE {attrId, SET OF value}``."""
    expect(elem, tlv.Tag.SET, "SafeBag bagAttributes")
    result: list[tuple[str, tuple[tlv.Element, ...]]] = []
    seen: set[str] = set()
    for attr in elem.children():
        parts = sequence(attr, "PKCS12Attribute", 2, 2)
        oid = parts[0].as_oid()
        expect(parts[1], tlv.Tag.SET, f"{name_of(oid)} attrValues")
        values = parts[1].children()
        # PKCS#9 (RFC 2985 section 5.5) defines both as SINGLE VALUE.
        if oid in (ATTR_FRIENDLY_NAME, ATTR_LOCAL_KEY_ID) and (oid in seen or len(values) != 1):
            raise DecodeError(
                f"{name_of(oid)} attribute must occur once with one value",
                offset=attr.offset,
            )
        seen.add(oid)
        result.append((oid, values))
    return tuple(result)


def two_fields(elem: tlv.Element, what: str) -> tuple[str, tlv.Element]:
    """CertBag, CRLBag, SecretBag: ``SEQUENCE {typeId OID, value [0] EXPLICIT ...}``."""
    parts = sequence(elem, what, 2, 2)
    return parts[0].as_oid(), explicit(parts[1], 0, f"{what} value")


def encrypted_private_key_info(elem: tlv.Element) -> tuple[AlgorithmIdentifier, bytes]:
    """``EncryptedPrivateKeyInfo ::= SEQUENCE {encryptionAlgorithm, encryptedData}`` (RFC 5958)."""
    parts = sequence(elem, "EncryptedPrivateKeyInfo", 2, 2)
    return AlgorithmIdentifier.from_element(parts[0]), octets(parts[1], "encryptedData")


# -- describing password-based schemes ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SchemeInfo:
    """What a password-based scheme is, for reports and for the iteration budget.

    ``weakness`` is ``""`` (fine), ``"legacy"`` or ``"weak"``; ``weak_parts``
    names the legacy components (``"hmacWithSHA1"``, ``"DES-EDE3-CBC"``).
    """

    name: str
    iterations: int | None
    weakness: str
    weak_parts: tuple[str, ...]


def describe_pbe(algorithm: AlgorithmIdentifier, limits: Limits) -> SchemeInfo:
    """Name and iteration count of a PBE AlgorithmIdentifier (RFC 7292 C, RFC 8018 6 and A)."""
    oid = algorithm.oid
    if oid in _SCHEME_WEAKNESS:
        iterations = _pbe_params_iterations(algorithm, limits)
        weakness = _SCHEME_WEAKNESS[oid]
        return SchemeInfo(name_of(oid), iterations, weakness, (name_of(oid),))
    if oid == ID_PBES2:
        return _describe_pbes2(algorithm, limits)
    raise unsupported(f"unsupported password-based encryption scheme {name_of(oid)}", oid)


def _params(algorithm: AlgorithmIdentifier, limits: Limits, what: str) -> tlv.Element:
    if algorithm.parameters is None:
        raise DecodeError(f"{what} parameters are missing")
    return tlv.parse_one(algorithm.parameters, limits=limits, what=f"{what} parameters")


def _pbe_params_iterations(algorithm: AlgorithmIdentifier, limits: Limits) -> int:
    """``pkcs-12PbeParams`` / PBES1 ``PBEParameter``: ``SEQUENCE {salt, iterations}``."""
    what = name_of(algorithm.oid)
    parts = sequence(_params(algorithm, limits, what), f"{what} parameters", 2, 2)
    salt_value(parts[0], f"{what} salt")
    return iteration_count(parts[1], f"{what} iterations")


def _describe_pbes2(algorithm: AlgorithmIdentifier, limits: Limits) -> SchemeInfo:
    parts = sequence(_params(algorithm, limits, "PBES2"), "PBES2-params", 2, 2)
    kdf = AlgorithmIdentifier.from_element(parts[0])
    scheme = AlgorithmIdentifier.from_element(parts[1])
    weak_parts: list[str] = []
    weakness = ""
    if kdf.oid == ID_PBKDF2:
        prf, iterations = pbkdf2_parameters(kdf, limits)
        kdf_name = f"PBKDF2-HMAC-{display_hash(prf)}"
        if prf == "sha1":
            weak_parts.append("hmacWithSHA1")
            weakness = "legacy"
    elif kdf.oid == ID_SCRYPT:
        kdf_name, iterations = "scrypt", None
    else:
        raise unsupported(f"unsupported PBES2 key derivation function {name_of(kdf.oid)}", kdf.oid)
    cipher, cipher_weakness = _PBES2_CIPHERS.get(scheme.oid, (name_of(scheme.oid), ""))
    if cipher_weakness:
        weak_parts.append(cipher)
        weakness = "weak" if "weak" in (weakness, cipher_weakness) else "legacy"
    return SchemeInfo(f"PBES2/{kdf_name}/{cipher}", iterations, weakness, tuple(weak_parts))


def pbkdf2_parameters(kdf: AlgorithmIdentifier, limits: Limits) -> tuple[str, int]:
    """(PRF hashlib name, iterationCount) of PBKDF2-params (RFC 8018 appendix A.2)."""
    parts = sequence(_params(kdf, limits, "PBKDF2"), "PBKDF2-params", 2, 4)
    if parts[0].tag == tlv.Tag.OCTET_STRING:
        salt_value(parts[0], "PBKDF2 salt")
    iterations = iteration_count(parts[1], "PBKDF2 iterationCount")
    prf_oid = _HMAC_SHA1
    rest = list(parts[2:])
    if rest and rest[0].tag == tlv.Tag.INTEGER:
        rest.pop(0)
    if rest:
        prf_oid = AlgorithmIdentifier.from_element(rest[0]).oid
    if prf_oid not in HMAC_OIDS:
        raise unsupported(f"unsupported PBKDF2 pseudorandom function {name_of(prf_oid)}", prf_oid)
    return HMAC_OIDS[prf_oid], iterations


def pbmac1_parameters(
    algorithm: AlgorithmIdentifier, limits: Limits
) -> tuple[str, bytes, int, int, str]:
    """PBMAC1-params (RFC 8018 appendix A.5, RFC 9579 section 3).

    Returns (PBKDF2 PRF, salt, iterations, keyLength, HMAC hash), all hashlib names.
    """
    parts = sequence(_params(algorithm, limits, "PBMAC1"), "PBMAC1-params", 2, 2)
    kdf = AlgorithmIdentifier.from_element(parts[0])
    scheme = AlgorithmIdentifier.from_element(parts[1])
    if kdf.oid != ID_PBKDF2:
        raise unsupported(f"unsupported PBMAC1 key derivation function {name_of(kdf.oid)}", kdf.oid)
    prf, iterations = pbkdf2_parameters(kdf, limits)
    kdf_parts = sequence(_params(kdf, limits, "PBKDF2"), "PBKDF2-params", 2, 4)
    if kdf_parts[0].tag != tlv.Tag.OCTET_STRING:
        raise UnsupportedAlgorithm("PBKDF2 salt from another source is not supported")
    salt = salt_value(kdf_parts[0], "PBKDF2 salt")
    if len(kdf_parts) < 3 or kdf_parts[2].tag != tlv.Tag.INTEGER:
        # RFC 9579 section 3: keyLength MUST be present.
        raise DecodeError("PBMAC1 PBKDF2-params lack keyLength (RFC 9579 section 3)")
    key_length = small_int(kdf_parts[2], "PBKDF2 keyLength", 2)
    if not 1 <= key_length <= 512:
        raise DecodeError(f"PBMAC1 keyLength {key_length} is out of range")
    if scheme.oid not in HMAC_OIDS:
        raise unsupported(
            f"unsupported PBMAC1 message authentication scheme {name_of(scheme.oid)}", scheme.oid
        )
    return prf, salt, iterations, key_length, HMAC_OIDS[scheme.oid]


def display_hash(hashlib_name: str) -> str:
    """``"sha512_256"`` -> ``"SHA512-256"``."""
    return hashlib_name.upper().replace("_", "-")
