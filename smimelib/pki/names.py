"""X.501 distinguished names and X.509 GeneralNames (RFC 5280 sections 4.1.2.4, 4.2.1.6).

::

    Name ::= CHOICE { rdnSequence  RDNSequence }
    RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
    RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
    AttributeTypeAndValue ::= SEQUENCE { type AttributeType, value AttributeValue }

A parsed :class:`Name` keeps its received DER (``.der``) and every attribute's
value exactly as received (string type included), and renders the RFC 4514
string form (``.rfc4514()``) the way ``openssl -nameopt RFC2253`` does for the
usual attributes. Decoding is lenient where real certificates are sloppy
(``@`` in a PrintableString, Latin-1 in a T61String): the text is decoded as
well as it can be and the raw bytes stay available.

GeneralNames live in :mod:`smimelib.pki.general_names`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, UsageError

__all__ = [
    "RDN",
    "Name",
    "NameAttribute",
    "attribute_oid",
    "decode_text",
    "is_text_tag",
]

OID_EMAIL_ADDRESS = "1.2.840.113549.1.9.1"

# Short names: RFC 4514 section 3 table first, then the descriptors OpenSSL prints
# with -nameopt RFC2253 (emailAddress included, as OpenSSL does).
_SHORT_NAMES: dict[str, str] = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    OID_EMAIL_ADDRESS: "emailAddress",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.12": "title",
    "2.5.4.13": "description",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
}

# Names accepted when parsing RFC 4514 strings (case-insensitive).
_ALIASES: dict[str, str] = {name.lower(): oid for oid, name in _SHORT_NAMES.items()}
_ALIASES.update(
    {
        "commonname": "2.5.4.3",
        "localityname": "2.5.4.7",
        "stateorprovincename": "2.5.4.8",
        "organizationname": "2.5.4.10",
        "organizationalunitname": "2.5.4.11",
        "countryname": "2.5.4.6",
        "streetaddress": "2.5.4.9",
        "domaincomponent": "0.9.2342.19200300.100.1.25",
        "userid": "0.9.2342.19200300.100.1.1",
        "e": OID_EMAIL_ADDRESS,
        "email": OID_EMAIL_ADDRESS,
        "surname": "2.5.4.4",
        "givenname": "2.5.4.42",
    }
)

# String types that render as text (X.680 character string types).
_TEXT_TAGS = {
    tlv.Tag.UTF8_STRING,
    tlv.Tag.PRINTABLE_STRING,
    tlv.Tag.T61_STRING,
    tlv.Tag.IA5_STRING,
    tlv.Tag.VISIBLE_STRING,
    tlv.Tag.UNIVERSAL_STRING,
    tlv.Tag.BMP_STRING,
    tlv.Tag.NUMERIC_STRING,
}
_PRINTABLE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")


def attribute_oid(name_or_oid: str) -> str:
    """The OID of an attribute given by short name (``"CN"``), long name or dotted OID."""
    key = name_or_oid.strip()
    oid = _ALIASES.get(key.lower())
    if oid is not None:
        return oid
    if _is_dotted_oid(key):
        return key
    raise UsageError(f"unknown name attribute type {name_or_oid!r}")


def _is_dotted_oid(text: str) -> bool:
    parts = text.split(".")
    return len(parts) >= 2 and all(p.isdigit() and p.isascii() for p in parts)


def is_text_tag(tag: tlv.Tag) -> bool:
    """Whether ``tag`` is a universal character string type (X.680 section 41)."""
    return tag in _TEXT_TAGS


def decode_text(tag: tlv.Tag, content: bytes) -> str | None:
    """Decode the content of a character string leniently (see the module docstring);
    ``None`` if ``tag`` is not a string type or the octets are not valid for it."""
    try:
        if tag == tlv.Tag.UTF8_STRING:
            return content.decode("utf-8")
        if tag == tlv.Tag.BMP_STRING:
            return content.decode("utf-16-be")
        if tag == tlv.Tag.UNIVERSAL_STRING:
            return content.decode("utf-32-be")
    except UnicodeDecodeError:
        return None
    if tag == tlv.Tag.T61_STRING:
        # T.61 is in practice Latin-1 (what OpenSSL and most CAs assume).
        return content.decode("latin-1")
    if tag in _TEXT_TAGS:
        try:
            return content.decode("ascii")
        except UnicodeDecodeError:
            # 8-bit data in an ASCII type: most often UTF-8 written by a careless CA.
            try:
                return content.decode("utf-8")
            except UnicodeDecodeError:
                return content.decode("latin-1")
    return None


# -- RFC 4514 escaping ------------------------------------------------------------------------

_ALWAYS_ESCAPE = frozenset('"+,;<>\\')


def _escape_value(text: str) -> str:
    """Escape an attribute value for the string form (RFC 4514 section 2.4)."""
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch in _ALWAYS_ESCAPE or (i == 0 and ch in " #") or (i == last and ch == " "):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            # NUL must be escaped; other controls are escaped as hex pairs like OpenSSL's
            # esc_ctrl so that the string form never carries raw control characters.
            out.append(f"\\{ord(ch):02X}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class NameAttribute:
    """One AttributeTypeAndValue (RFC 5280 section 4.1.2.4).

    :ivar oid: the attribute type.
    :ivar value: the value as text, or ``None`` if the value is not a character string
        (or is an undecodable one); then the string form shows it as ``#hex``.
    :ivar tag: the value's tag as received (UTF8String, PrintableString, BMPString, ...).
    :ivar raw_value: the value element's exact encoding.
    """

    oid: str
    value: str | None
    tag: tlv.Tag
    raw_value: bytes

    @classmethod
    def build(cls, type: str, value: str, *, string_tag: tlv.Tag | None = None) -> NameAttribute:
        """A new attribute with the string type RFC 5280 prescribes for ``type``.

        countryName, serialNumber and dnQualifier are PrintableString, emailAddress and
        domainComponent IA5String (RFC 5280 appendix A, RFC 4519); everything else is
        UTF8String (RFC 5280 section 4.1.2.4) unless ``string_tag`` says otherwise.
        """
        oid = attribute_oid(type)
        if string_tag is None:
            if oid in ("2.5.4.6", "2.5.4.5", "2.5.4.46"):
                string_tag = tlv.Tag.PRINTABLE_STRING
            elif oid in (OID_EMAIL_ADDRESS, "0.9.2342.19200300.100.1.25"):
                string_tag = tlv.Tag.IA5_STRING
            else:
                string_tag = tlv.Tag.UTF8_STRING
        if oid == "2.5.4.6" and len(value) != 2:
            raise UsageError(f"countryName must be two letters (ISO 3166), not {value!r}")
        if string_tag == tlv.Tag.PRINTABLE_STRING:
            if not set(value) <= _PRINTABLE:
                raise UsageError(f"{value!r} cannot be a PrintableString")
            encoded = der.encode_printable(value)
        elif string_tag == tlv.Tag.IA5_STRING:
            if not value.isascii():
                raise UsageError(f"{value!r} cannot be an IA5String (ASCII only)")
            encoded = der.encode_ia5(value)
        elif string_tag == tlv.Tag.BMP_STRING:
            encoded = der.encode_bmp(value)
        elif string_tag == tlv.Tag.UTF8_STRING:
            encoded = der.encode_utf8(value)
        else:
            raise UsageError(f"unsupported string type {string_tag} for a name attribute")
        return cls(oid, value, string_tag, encoded)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> NameAttribute:
        """Parse an AttributeTypeAndValue SEQUENCE."""
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError("AttributeTypeAndValue is not a SEQUENCE", offset=elem.offset)
        children = elem.children()
        if len(children) != 2:
            raise DecodeError(
                f"AttributeTypeAndValue has {len(children)} elements (expected 2)",
                offset=elem.offset,
            )
        oid = children[0].as_oid()
        value_elem = children[1]
        text = (
            None if value_elem.tag.constructed else decode_text(value_elem.tag, value_elem.content)
        )
        return cls(oid, text, value_elem.tag, value_elem.raw)

    @property
    def short_name(self) -> str | None:
        """The RFC 4514 / OpenSSL short name (``"CN"``), or ``None`` if it has none."""
        return _SHORT_NAMES.get(self.oid)

    def to_der(self) -> bytes:
        """DER of the AttributeTypeAndValue (the value's received encoding is kept)."""
        return der.sequence(der.encode_oid(self.oid), self.raw_value)

    def rfc4514(self) -> str:
        """``type=value`` per RFC 4514 section 2.3/2.4; ``#hex`` for unknown types."""
        short = self.short_name
        if short is None or self.value is None:
            return f"{short or self.oid}=#{self.raw_value.hex().upper()}"
        return f"{short}={_escape_value(self.value)}"

    def _match_key(self) -> tuple[str, object]:
        if self.value is not None and self.tag in _TEXT_TAGS:
            return (self.oid, _normalise(self.value))
        return (self.oid, self.raw_value)


def _der_key(attr: NameAttribute) -> bytes:
    return attr.to_der()


def _normalise(text: str) -> str:
    # A practical subset of RFC 4518 string preparation (RFC 5280 section 7.1):
    # compatibility-normalise, case-fold, and compress insignificant white space.
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


@dataclass(frozen=True, slots=True)
class RDN:
    """A RelativeDistinguishedName: a non-empty set of attributes (usually one)."""

    attributes: tuple[NameAttribute, ...]

    def __post_init__(self) -> None:
        if not self.attributes:
            raise UsageError("an RDN needs at least one attribute (RFC 5280 SIZE (1..MAX))")

    def to_der(self) -> bytes:
        """DER SET OF the attributes (sorted per X.690 section 11.6)."""
        return der.set_of(a.to_der() for a in self.attributes)

    def rfc4514(self) -> str:
        """Attributes joined with ``+`` (RFC 4514 section 2.2: any order), last encoded
        first as ``openssl -nameopt RFC2253`` prints them."""
        return "+".join(a.rfc4514() for a in reversed(self.attributes))

    def _match_key(self) -> tuple[tuple[str, object], ...]:
        return tuple(sorted((a._match_key() for a in self.attributes), key=repr))


class Name:
    """An X.501 Name (RDNSequence), immutable; equal when the DER is equal.

    Build one with :meth:`build` or :meth:`from_rfc4514`; parse one with
    :meth:`from_der` / :meth:`from_element`. ``rdns`` is in encoded order (most
    significant first); the string form reverses it (RFC 4514 section 2.1).
    """

    __slots__ = ("_der", "_key", "_rdns")

    _der: bytes
    _rdns: tuple[RDN, ...]
    _key: tuple[tuple[tuple[str, object], ...], ...] | None

    def __init__(self, rdns: Iterable[RDN] = ()) -> None:
        # A built name holds its attributes in the DER order it is encoded in (X.690 11.6),
        # so that parsing the encoding gives back an identical value.
        rdn_tuple = tuple(RDN(tuple(sorted(r.attributes, key=_der_key))) for r in rdns)
        object.__setattr__(self, "_rdns", rdn_tuple)
        object.__setattr__(self, "_der", der.sequence(*(r.to_der() for r in rdn_tuple)))
        object.__setattr__(self, "_key", None)

    @classmethod
    def _received(cls, rdns: tuple[RDN, ...], encoded: bytes) -> Name:
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_rdns", rdns)
        object.__setattr__(obj, "_der", encoded)
        object.__setattr__(obj, "_key", None)
        return obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Name is immutable")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def build(cls, attributes: Iterable[tuple[str, str]]) -> Name:
        """A name of single-valued RDNs, most significant first.

        ``Name.build([("C", "DE"), ("O", "Example"), ("CN", "Alice")])`` renders as
        ``CN=Alice,O=Example,C=DE``.
        """
        return cls(RDN((NameAttribute.build(t, v),)) for t, v in attributes)

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> Name:
        """Parse a DER Name; trailing data is an error."""
        return cls.from_element(tlv.parse_one(bytes(data), base_offset=base_offset, what="Name"))

    @classmethod
    def from_element(cls, elem: tlv.Element) -> Name:
        """Parse an already located Name SEQUENCE, keeping its received bytes."""
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError("Name is not a SEQUENCE (RDNSequence)", offset=elem.offset)
        rdns: list[RDN] = []
        for rdn_elem in elem.children():
            if rdn_elem.tag != tlv.Tag.SET:
                raise DecodeError("RelativeDistinguishedName is not a SET", offset=rdn_elem.offset)
            attrs = tuple(NameAttribute.from_element(a) for a in rdn_elem.children())
            if not attrs:
                raise DecodeError(
                    "empty RelativeDistinguishedName (SIZE (1..MAX))", offset=rdn_elem.offset
                )
            rdns.append(RDN(attrs))
        return cls._received(tuple(rdns), elem.raw)

    @classmethod
    def from_rfc4514(cls, text: str) -> Name:
        """Parse an RFC 4514 string (``"CN=Alice,O=Example,C=DE"``).

        Types are short names, long names or dotted OIDs; ``#hex`` values are BER
        encodings (RFC 4514 section 3). Spaces after ``,``/``+`` are tolerated as
        RFC 2253 allowed.
        """
        rdns = [RDN(tuple(attrs)) for attrs in _parse_rfc4514(text)]
        rdns.reverse()
        return cls(rdns)

    # -- access ---------------------------------------------------------------------------
    @property
    def der(self) -> bytes:
        """The Name's encoding: as received when parsed, DER when built."""
        return self._der

    @property
    def rdns(self) -> tuple[RDN, ...]:
        """The RDNs in encoded order (most significant first)."""
        return self._rdns

    @property
    def attributes(self) -> tuple[NameAttribute, ...]:
        """Every attribute, in encoded order."""
        return tuple(a for rdn in self._rdns for a in rdn.attributes)

    def get(self, type: str) -> tuple[str, ...]:
        """Text values of one attribute type (``"CN"``, ``"emailAddress"`` or an OID)."""
        oid = attribute_oid(type)
        return tuple(a.value for a in self.attributes if a.oid == oid and a.value is not None)

    @property
    def common_name(self) -> str | None:
        """The last (most specific) commonName, if any."""
        values = self.get("CN")
        return values[-1] if values else None

    @property
    def email_addresses(self) -> tuple[str, ...]:
        """Legacy emailAddress attributes (PKCS #9; RFC 8550 section 3 still honours them)."""
        return self.get(OID_EMAIL_ADDRESS)

    def is_empty(self) -> bool:
        """An empty RDNSequence (allowed when subjectAltName is critical, RFC 5280 4.1.2.6)."""
        return not self._rdns

    def rfc4514(self) -> str:
        """The string form of RFC 4514 section 2 (last RDN first, ``,`` separated)."""
        return ",".join(r.rfc4514() for r in reversed(self._rdns))

    def matches(self, other: Name) -> bool:
        """Name comparison of RFC 5280 section 7.1: equal DER, or equal after case folding
        and white-space compression of string values (a subset of RFC 4518), with the
        attributes of each RDN compared as a set."""
        if self._der == other._der:
            return True
        if len(self._rdns) != len(other._rdns):
            return False
        return self.match_key == other.match_key

    @property
    def match_key(self) -> tuple[tuple[tuple[str, object], ...], ...]:
        """A hashable key equal for two names exactly when :meth:`matches` says so.

        Computed once per name: path building and CRL-signer searches compare one
        name with hundreds, and the string preparation dominates otherwise.
        """
        key = self._key
        if key is None:
            key = tuple(r._match_key() for r in self._rdns)
            object.__setattr__(self, "_key", key)
        return key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Name):
            return NotImplemented
        return self._der == other._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __str__(self) -> str:
        return self.rfc4514()

    def __repr__(self) -> str:
        return f"Name({self.rfc4514()!r})"


# -- RFC 4514 parsing -------------------------------------------------------------------------

_HEX = frozenset("0123456789abcdefABCDEF")


def _parse_rfc4514(text: str) -> list[list[NameAttribute]]:
    rdns: list[list[NameAttribute]] = []
    if not text.strip():
        return rdns
    pos = 0
    current: list[NameAttribute] = []
    n = len(text)
    while True:
        while pos < n and text[pos] == " ":
            pos += 1
        eq = text.find("=", pos)
        if eq < 0:
            raise UsageError(f"RFC 4514 name: missing '=' after position {pos} in {text!r}")
        type_text = text[pos:eq].strip()
        if not type_text:
            raise UsageError(f"RFC 4514 name: empty attribute type at position {pos}")
        oid = attribute_oid(type_text)
        pos = eq + 1
        if pos < n and text[pos] == "#":
            end = pos + 1
            while end < n and text[end] not in ",+":
                end += 1
            attr = _hex_attribute(oid, text[pos + 1 : end].strip())
            pos = end
        else:
            value, pos = _scan_value(text, pos)
            attr = NameAttribute.build(oid, value)
        current.append(attr)
        if pos >= n:
            rdns.append(current)
            return rdns
        sep = text[pos]
        pos += 1
        if sep == ",":
            rdns.append(current)
            current = []


def _hex_attribute(oid: str, hex_text: str) -> NameAttribute:
    if not hex_text or len(hex_text) % 2 or not set(hex_text) <= _HEX:
        raise UsageError(f"RFC 4514 name: bad hex value #{hex_text}")
    try:
        elem = tlv.parse_one(bytes.fromhex(hex_text), what="attribute value")
    except DecodeError as exc:
        raise UsageError(f"RFC 4514 name: #{hex_text} is not one BER element: {exc}") from None
    text = None if elem.tag.constructed else decode_text(elem.tag, elem.content)
    return NameAttribute(oid, text, elem.tag, elem.raw)


def _scan_value(text: str, pos: int) -> tuple[str, int]:
    """Read an escaped string value up to an unescaped ``,``/``+``; return (value, new pos)."""
    out = bytearray()
    n = len(text)
    trailing_unescaped_spaces = 0
    while pos < n:
        ch = text[pos]
        if ch in ",+":
            break
        if ch == "\\":
            if pos + 1 >= n:
                raise UsageError("RFC 4514 name: dangling '\\' at the end")
            nxt = text[pos + 1]
            if nxt in _HEX and pos + 2 < n and text[pos + 2] in _HEX:
                out.append(int(text[pos + 1 : pos + 3], 16))
                pos += 3
            else:
                out.extend(nxt.encode("utf-8"))
                pos += 2
            trailing_unescaped_spaces = 0
            continue
        if ch in '";<>':
            raise UsageError(f"RFC 4514 name: {ch!r} must be escaped (position {pos})")
        out.extend(ch.encode("utf-8"))
        trailing_unescaped_spaces = trailing_unescaped_spaces + 1 if ch == " " else 0
        pos += 1
    if trailing_unescaped_spaces:
        del out[-trailing_unescaped_spaces:]
    try:
        return out.decode("utf-8"), pos
    except UnicodeDecodeError:
        raise UsageError("RFC 4514 name: escaped octets are not UTF-8") from None
