"""The userNotice policy qualifier of RFC 5280 section 4.2.1.4.

::

    UserNotice ::= SEQUENCE {
         noticeRef        NoticeReference OPTIONAL,
         explicitText     DisplayText OPTIONAL }
    NoticeReference ::= SEQUENCE {
         organization     DisplayText,
         noticeNumbers    SEQUENCE OF INTEGER }
    DisplayText ::= CHOICE {
         ia5String        IA5String      (SIZE (1..200)),
         visibleString    VisibleString  (SIZE (1..200)),
         bmpString        BMPString      (SIZE (1..200)),
         utf8String       UTF8String     (SIZE (1..200)) }

Decoding is strict about the structure (a malformed UserNotice raises
:class:`~smimelib.errors.DecodeError` with the offset) but lenient about the 200
character bound, which RFC 5280 says conforming CAs SHOULD NOT exceed and
certificate users SHOULD handle gracefully (PKITS 4.8.19): a longer text is returned
and flagged by :attr:`UserNoticeQualifier.too_long`. A hard cap far above it bounds
the work on hostile input. Path validation never fails because of a qualifier
(qualifiers do not change the meaning of a policy, RFC 5280 4.2.1.4): the caller
reports an undecodable notice as a finding and does not display it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, UsageError

__all__ = [
    "DISPLAY_TEXT_LIMIT",
    "MAX_DISPLAY_TEXT_OCTETS",
    "MAX_NOTICE_NUMBERS",
    "OID_USER_NOTICE_QUALIFIER",
    "DisplayTextType",
    "UserNoticeQualifier",
    "decode_user_notice",
    "encode_user_notice",
]

#: id-qt-unotice (RFC 5280 4.2.1.4)
OID_USER_NOTICE_QUALIFIER = "1.3.6.1.5.5.7.2.2"
#: the SIZE (1..200) of DisplayText: longer texts are accepted but flagged
DISPLAY_TEXT_LIMIT = 200
#: hard cap on one DisplayText's encoded size (hostile input)
MAX_DISPLAY_TEXT_OCTETS = 8192
#: hard cap on the noticeNumbers of one noticeRef
MAX_NOTICE_NUMBERS = 64
#: a notice number is a small INTEGER
_NOTICE_NUMBER_OCTETS = 8

#: the DisplayText alternatives, for :func:`encode_user_notice`
DisplayTextType = Literal["ia5", "visible", "bmp", "utf8"]


@dataclass(frozen=True, slots=True)
class UserNoticeQualifier:
    """A decoded ``UserNotice`` (RFC 5280 4.2.1.4).

    :ivar explicit_text: the explicitText, if present.
    :ivar organization: the noticeRef organization, if a noticeRef is present.
    :ivar notice_numbers: the noticeRef noticeNumbers (empty without a noticeRef).
    """

    explicit_text: str | None = None
    organization: str | None = None
    notice_numbers: tuple[int, ...] = ()

    @property
    def too_long(self) -> bool:
        """explicitText or organization exceeds the 200 characters of DisplayText."""
        return any(
            t is not None and len(t) > DISPLAY_TEXT_LIMIT
            for t in (self.explicit_text, self.organization)
        )


def _display_text(elem: tlv.Element, what: str) -> str:
    """One DisplayText CHOICE alternative (RFC 5280 4.2.1.4)."""
    if elem.tag.constructed or elem.tag.cls != tlv.TagClass.UNIVERSAL:
        raise DecodeError(f"{what} is not a DisplayText string", offset=elem.offset)
    if elem.content_length > MAX_DISPLAY_TEXT_OCTETS:
        raise DecodeError(
            f"{what} has {elem.content_length} octets, more than {MAX_DISPLAY_TEXT_OCTETS}",
            offset=elem.offset,
        )
    content = elem.content
    try:
        if elem.tag == tlv.Tag.IA5_STRING:
            text = content.decode("ascii")
        elif elem.tag == tlv.Tag.VISIBLE_STRING:
            text = content.decode("ascii")
            if not all(" " <= ch <= "~" for ch in text):
                raise ValueError("control character")
        elif elem.tag == tlv.Tag.BMP_STRING:
            if len(content) % 2:
                raise ValueError("odd length")
            text = content.decode("utf-16-be")
            if any(0xD800 <= ord(ch) <= 0xDFFF or ord(ch) > 0xFFFF for ch in text):
                raise ValueError("surrogate")
        elif elem.tag == tlv.Tag.UTF8_STRING:
            text = content.decode("utf-8")
        else:
            raise DecodeError(
                f"{what} is not an IA5String, VisibleString, BMPString or UTF8String",
                offset=elem.offset,
            )
    except ValueError:
        raise DecodeError(f"{what} is not a valid {elem.tag} string", offset=elem.offset) from None
    if not text:
        raise DecodeError(f"{what} is empty (SIZE (1..200))", offset=elem.offset)
    return text


def decode_user_notice(data: bytes, *, base_offset: int = 0) -> UserNoticeQualifier:
    """Decode the DER of a ``UserNotice`` qualifier (RFC 5280 4.2.1.4).

    :raises DecodeError: not a UserNotice, an invalid or oversized DisplayText, or
        more than :data:`MAX_NOTICE_NUMBERS` notice numbers.
    """
    elem = tlv.parse_one(bytes(data), base_offset=base_offset, what="UserNotice")
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError("UserNotice is not a SEQUENCE", offset=elem.offset)
    parts = list(elem.children())
    organization: str | None = None
    numbers: tuple[int, ...] = ()
    if parts and parts[0].tag == tlv.Tag.SEQUENCE:
        ref = parts.pop(0)
        items = ref.children()
        if len(items) != 2 or items[1].tag != tlv.Tag.SEQUENCE:
            raise DecodeError("malformed NoticeReference", offset=ref.offset)
        organization = _display_text(items[0], "NoticeReference organization")
        values = items[1].children()
        if len(values) > MAX_NOTICE_NUMBERS:
            raise DecodeError(
                f"NoticeReference has {len(values)} noticeNumbers, more than {MAX_NOTICE_NUMBERS}",
                offset=items[1].offset,
            )
        for value in values:
            if value.tag != tlv.Tag.INTEGER:
                raise DecodeError("a noticeNumber is not an INTEGER", offset=value.offset)
        numbers = tuple(v.as_int(max_octets=_NOTICE_NUMBER_OCTETS) for v in values)
    explicit: str | None = None
    if parts:
        explicit = _display_text(parts.pop(0), "explicitText")
    if parts:
        raise DecodeError("unexpected element in UserNotice", offset=parts[0].offset)
    return UserNoticeQualifier(explicit, organization, numbers)


_ENCODERS = {
    "ia5": der.encode_ia5,
    "visible": der.encode_visible,
    "bmp": der.encode_bmp,
    "utf8": der.encode_utf8,
}


def encode_user_notice(
    explicit_text: str | None = None,
    *,
    organization: str | None = None,
    notice_numbers: Sequence[int] = (),
    text_type: DisplayTextType = "utf8",
) -> bytes:
    """DER of a ``UserNotice`` (RFC 5280 4.2.1.4); ``text_type`` picks the DisplayText
    alternative (RFC 5280 recommends UTF8String) of both texts.

    :raises UsageError: an unknown ``text_type``, a text the type cannot hold, or a
        noticeRef without an organization.
    """
    encode = _ENCODERS.get(text_type)
    if encode is None:
        raise UsageError(f"unknown DisplayText type {text_type!r} (ia5, visible, bmp, utf8)")
    parts = []
    if organization is not None:
        numbers = der.sequence(*(der.encode_int(n) for n in notice_numbers))
        parts.append(der.sequence(encode(organization), numbers))
    elif notice_numbers:
        raise UsageError("noticeNumbers need an organization (RFC 5280 NoticeReference)")
    if explicit_text is not None:
        parts.append(encode(explicit_text))
    return der.sequence(*parts)
