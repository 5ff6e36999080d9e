"""Identifier and length octets (X.690 sections 8.1.2 and 8.1.3), shared by every reader.

This module holds :class:`Tag` and the one function that parses an element header,
so that the bytes API (``smimelib.asn1.tlv``) and the sans-IO reader
(``smimelib.asn1.stream``) apply exactly the same rules and limits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, LimitExceeded

__all__ = ["Tag", "TagClass"]


class TagClass(enum.IntEnum):
    """The class of a tag (X.690 section 8.1.2.2, Table 1)."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT = 2
    PRIVATE = 3


_UNIVERSAL_NAMES = {
    0: "END-OF-CONTENTS",
    1: "BOOLEAN",
    2: "INTEGER",
    3: "BIT STRING",
    4: "OCTET STRING",
    5: "NULL",
    6: "OBJECT IDENTIFIER",
    7: "ObjectDescriptor",
    8: "EXTERNAL",
    9: "REAL",
    10: "ENUMERATED",
    11: "EMBEDDED PDV",
    12: "UTF8String",
    13: "RELATIVE-OID",
    14: "TIME",
    16: "SEQUENCE",
    17: "SET",
    18: "NumericString",
    19: "PrintableString",
    20: "T61String",
    21: "VideotexString",
    22: "IA5String",
    23: "UTCTime",
    24: "GeneralizedTime",
    25: "GraphicString",
    26: "VisibleString",
    27: "GeneralString",
    28: "UniversalString",
    29: "CHARACTER STRING",
    30: "BMPString",
}

#: universal types whose encoding is always primitive (X.690 8.2, 8.3, 8.8, 8.19, 8.20, 8.5)
PRIMITIVE_ONLY = frozenset({1, 2, 5, 6, 9, 10, 13})
#: universal types whose encoding is always constructed (X.690 8.9, 8.11)
CONSTRUCTED_ONLY = frozenset({8, 11, 16, 17, 29})
#: universal string types that BER may split into constructed segments (X.690 8.6, 8.7, 8.23)
STRING_TYPES = frozenset({3, 4, 7, 12, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30})


@dataclass(frozen=True, slots=True)
class Tag:
    """An ASN.1 tag: class, primitive/constructed bit and number (X.690 section 8.1.2).

    Tags compare by value; the common universal tags are class constants
    (``Tag.SEQUENCE``, ``Tag.OCTET_STRING`` ...).
    """

    cls: TagClass
    constructed: bool
    number: int

    # class constants, assigned below; declared only for type checkers so that they are
    # not pseudo-fields in __dataclass_fields__ (tools that print dataclasses walk those)
    if TYPE_CHECKING:
        SEQUENCE: ClassVar[Tag]
        SET: ClassVar[Tag]
        BOOLEAN: ClassVar[Tag]
        INTEGER: ClassVar[Tag]
        BIT_STRING: ClassVar[Tag]
        OCTET_STRING: ClassVar[Tag]
        NULL: ClassVar[Tag]
        OID: ClassVar[Tag]
        ENUMERATED: ClassVar[Tag]
        UTF8_STRING: ClassVar[Tag]
        NUMERIC_STRING: ClassVar[Tag]
        PRINTABLE_STRING: ClassVar[Tag]
        T61_STRING: ClassVar[Tag]
        IA5_STRING: ClassVar[Tag]
        UTC_TIME: ClassVar[Tag]
        GENERALIZED_TIME: ClassVar[Tag]
        VISIBLE_STRING: ClassVar[Tag]
        UNIVERSAL_STRING: ClassVar[Tag]
        BMP_STRING: ClassVar[Tag]

    @classmethod
    def context(cls, number: int, constructed: bool = True) -> Tag:
        """A context-specific tag ``[number]`` (constructed by default, as EXPLICIT tags are)."""
        return cls(TagClass.CONTEXT, constructed, number)

    @classmethod
    def universal(cls, number: int, constructed: bool = False) -> Tag:
        """A universal tag (primitive by default)."""
        return cls(TagClass.UNIVERSAL, constructed, number)

    @property
    def is_universal(self) -> bool:
        return self.cls == TagClass.UNIVERSAL

    def with_constructed(self, constructed: bool) -> Tag:
        """The same class and number with the given primitive/constructed bit."""
        return Tag(self.cls, constructed, self.number)

    def encode(self) -> bytes:
        """The identifier octets of this tag (X.690 8.1.2), low- or high-tag-number form."""
        first = (int(self.cls) << 6) | (0x20 if self.constructed else 0)
        if self.number < 0:
            raise ValueError("tag number must not be negative")
        if self.number < 31:
            return bytes((first | self.number,))
        arcs = [self.number & 0x7F]
        n = self.number >> 7
        while n:
            arcs.append(0x80 | (n & 0x7F))
            n >>= 7
        return bytes((first | 0x1F, *reversed(arcs)))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not Tag:
            return NotImplemented
        assert isinstance(other, Tag)
        return (
            self.number == other.number
            and self.cls == other.cls
            and self.constructed == other.constructed
        )

    def __hash__(self) -> int:
        return hash((int(self.cls), self.constructed, self.number))

    @property
    def name(self) -> str:
        """The tag's name without its form: ``SEQUENCE``, ``[0]``, ``[APPLICATION 1]``."""
        if self.cls == TagClass.UNIVERSAL:
            return _UNIVERSAL_NAMES.get(self.number, f"UNIVERSAL {self.number}")
        if self.cls == TagClass.CONTEXT:
            return f"[{self.number}]"
        return f"[{self.cls.name} {self.number}]"

    def __str__(self) -> str:
        form = " (constructed)" if self.constructed else ""
        if self.cls == TagClass.UNIVERSAL:
            name = _UNIVERSAL_NAMES.get(self.number, f"UNIVERSAL {self.number}")
            expected_constructed = self.number in CONSTRUCTED_ONLY
            if expected_constructed:
                form = "" if self.constructed else " (primitive)"
            return name + form
        if self.cls == TagClass.CONTEXT:
            return f"[{self.number}]{form}"
        return f"[{self.cls.name} {self.number}]{form}"


#: low-tag-number identifier octet -> Tag, so the hot path allocates no Tag objects
LOW_TAGS: tuple[Tag, ...] = tuple(
    Tag(TagClass(b >> 6), bool(b & 0x20), b & 0x1F) for b in range(256)
)

Tag.SEQUENCE = LOW_TAGS[0x30]
Tag.SET = LOW_TAGS[0x31]
Tag.BOOLEAN = LOW_TAGS[0x01]
Tag.INTEGER = LOW_TAGS[0x02]
Tag.BIT_STRING = LOW_TAGS[0x03]
Tag.OCTET_STRING = LOW_TAGS[0x04]
Tag.NULL = LOW_TAGS[0x05]
Tag.OID = LOW_TAGS[0x06]
Tag.ENUMERATED = LOW_TAGS[0x0A]
Tag.UTF8_STRING = LOW_TAGS[0x0C]
Tag.NUMERIC_STRING = LOW_TAGS[0x12]
Tag.PRINTABLE_STRING = LOW_TAGS[0x13]
Tag.T61_STRING = LOW_TAGS[0x14]
Tag.IA5_STRING = LOW_TAGS[0x16]
Tag.UTC_TIME = LOW_TAGS[0x17]
Tag.GENERALIZED_TIME = LOW_TAGS[0x18]
Tag.VISIBLE_STRING = LOW_TAGS[0x1A]
Tag.UNIVERSAL_STRING = LOW_TAGS[0x1C]
Tag.BMP_STRING = LOW_TAGS[0x1E]


#: identifier octet -> True when that (low-number) tag is a universal type in the wrong form
BAD_FORM: tuple[bool, ...] = tuple(
    b >> 6 == 0
    and (
        (bool(b & 0x20) and (b & 0x1F) in PRIMITIVE_ONLY)
        or (not b & 0x20 and (b & 0x1F) in CONSTRUCTED_ONLY)
    )
    for b in range(256)
)
#: identifier octet -> string type number of a constructed universal string, else -1
SEGMENTED: tuple[int, ...] = tuple(
    (b & 0x1F) if b >> 6 == 0 and b & 0x20 and (b & 0x1F) in STRING_TYPES else -1
    for b in range(256)
)


def parse_header(
    data: bytes | bytearray,
    pos: int,
    limit: int,
    abs_pos: int,
    limits: Limits,
) -> tuple[Tag, int, int | None] | None:
    """Parse the identifier and length octets at ``data[pos]`` (X.690 8.1.2, 8.1.3).

    Only ``data[pos:limit]`` is looked at. Returns ``None`` when the header is not
    complete within it (the caller decides whether that is truncation or a need for more
    data). ``abs_pos`` is the absolute offset of ``data[pos]`` for error messages.

    Enforced here: minimal high-tag-number form (8.1.2.4), ``max_tag_octets``,
    the reserved length octet 0xFF (8.1.3.5 c), indefinite length only for
    constructed encodings (8.1.3.2 a), ``max_length_octets``, and the reserved
    universal tag 0 outside a proper end-of-contents ``00 00`` (8.1.5).
    The end-of-contents octets themselves come back as universal primitive tag 0,
    length 0; the caller decides whether an EOC is allowed where it stands.
    """
    if pos >= limit:
        return None
    b0 = data[pos]
    p = pos + 1
    number = b0 & 0x1F
    if number == 0x1F:
        number = 0
        count = 0
        while True:
            if p >= limit:
                return None
            b = data[p]
            count += 1
            if count == 1 and b == 0x80:
                raise DecodeError(
                    "tag number in high-tag-number form has a leading 0x80 octet "
                    "(not minimal, X.690 8.1.2.4.2 c)",
                    offset=abs_pos,
                )
            if count > limits.max_tag_octets:
                raise LimitExceeded(
                    f"tag number longer than {limits.max_tag_octets} octets",
                    limit="max_tag_octets",
                    offset=abs_pos,
                )
            number = (number << 7) | (b & 0x7F)
            p += 1
            if not b & 0x80:
                break
        if number < 31:
            raise DecodeError(
                f"tag number {number} encoded in high-tag-number form "
                "(numbers below 31 use one octet, X.690 8.1.2.2)",
                offset=abs_pos,
            )
        tag = Tag(TagClass(b0 >> 6), bool(b0 & 0x20), number)
    else:
        tag = LOW_TAGS[b0]
    if p >= limit:
        return None
    lb = data[p]
    p += 1
    if lb < 0x80:
        length: int | None = lb
    elif lb == 0x80:
        if not b0 & 0x20:
            raise DecodeError(
                f"indefinite length on primitive {tag} (X.690 8.1.3.2 a)", offset=abs_pos
            )
        length = None
    elif lb == 0xFF:
        raise DecodeError("length octet 0xFF is reserved (X.690 8.1.3.5 c)", offset=abs_pos)
    else:
        n = lb & 0x7F
        if n > limits.max_length_octets:
            raise LimitExceeded(
                f"length field of {n} octets (limit {limits.max_length_octets})",
                limit="max_length_octets",
                offset=abs_pos,
            )
        if p + n > limit:
            return None
        length = int.from_bytes(data[p : p + n], "big")
        p += n
    if b0 == 0 or b0 == 0x20:
        # universal tag 0 is reserved for the end-of-contents octets 00 00 (X.690 8.1.5)
        if b0 == 0x20 or length != 0:
            raise DecodeError(
                "universal tag 0 is reserved for end-of-contents, which must be 00 00 "
                "(X.690 8.1.5)",
                offset=abs_pos,
            )
        if p - pos != 2:
            raise DecodeError("end-of-contents must be exactly 00 00 (X.690 8.1.5)", offset=abs_pos)
    return tag, p - pos, length


def check_form(tag: Tag, abs_pos: int) -> None:
    """Reject universal types in the wrong form (primitive vs constructed, X.690 8.x)."""
    if tag.cls != TagClass.UNIVERSAL:
        return
    if tag.constructed and tag.number in PRIMITIVE_ONLY:
        raise DecodeError(f"{_UNIVERSAL_NAMES[tag.number]} must be primitive", offset=abs_pos)
    if not tag.constructed and tag.number in CONSTRUCTED_ONLY:
        raise DecodeError(f"{_UNIVERSAL_NAMES[tag.number]} must be constructed", offset=abs_pos)


def is_string_container(tag: Tag) -> bool:
    """A constructed universal string: its children are segments, not members."""
    return tag.constructed and tag.cls == TagClass.UNIVERSAL and tag.number in STRING_TYPES
