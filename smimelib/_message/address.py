"""A strict RFC 5322 section 3.4 mailbox parser for sender binding (THREATS I1-I3, Mailsploit).

The stdlib's address parsing picks the wrong addr-spec on crafted input
(CVE-2023-27043) and decodes RFC 2047 encoded words inside addresses
(cpython#152519); sender binding must not depend on it. This parser accepts
exactly one ``mailbox`` (``addr-spec`` or ``[display-name] "<" addr-spec ">"``)
and nothing else: no groups, no lists, no comments, no obsolete syntax, no
domain literals, no control characters, and no encoded word inside the
addr-spec (RFC 2047 section 5 forbids them there). Anything it does not
accept gives ``None``: the sender is then unbound, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

__all__ = ["addresses_match", "matching_address", "parse_mailbox"]

# RFC 5322 3.2.3 atext, plus UTF-8 (RFC 6532 3.2)
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]"
_DOT_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# RFC 5322 3.2.4 quoted-string without CFWS: qtext or quoted-pair of VCHAR/WSP
_QUOTED = re.compile(r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x20-\x7e\t])*"')
_PHRASE_WORD = re.compile(rf'(?:{_ATEXT}|\.)+|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x20-\x7e\t])*"')
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MAX_LENGTH = 998  # RFC 5322 2.1.1
#: Unicode categories never accepted in an addr-spec: format, control, surrogate,
#: private use, unassigned, and separators other than ASCII space
_INVISIBLE = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def _addr_spec(text: str) -> str | None:
    at = text.rfind("@")
    if at <= 0:
        return None
    local, domain = text[:at], text[at + 1 :]
    if not (_DOT_ATOM.fullmatch(local) or _QUOTED.fullmatch(local)):
        return None
    if not _DOT_ATOM.fullmatch(domain):
        return None
    if "=?" in local or "=?" in domain:
        return None  # an encoded word where RFC 2047 section 5 forbids one
    if any(unicodedata.category(char) in _INVISIBLE for char in text if ord(char) > 0x7E):
        # Format and separator characters (zero-width space, soft hyphen, bidi
        # overrides) render as nothing or reorder the text: "alice\u200b@good.com" shows
        # as alice@good.com. RFC 6532 3.2 allows UTF-8 but no such character has a
        # place in an address (RFC 8264 9.1 disallows them in identifiers).
        return None
    return text


def _phrase_ok(text: str) -> bool:
    pos = 0
    text = text.strip(" \t")
    while pos < len(text):
        if text[pos] in " \t":
            pos += 1
            continue
        match = _PHRASE_WORD.match(text, pos)
        if match is None:
            return False
        pos = match.end()
    return True


def parse_mailbox(value: str) -> str | None:
    """The addr-spec of a header value holding exactly one mailbox, or ``None``.

    RFC 5322 section 3.4 without CFWS comments and obsolete forms; the display name
    is checked for syntax and then ignored (display names never bind, THREATS I2).
    """
    if len(value) > _MAX_LENGTH or _CONTROL.search(value):
        return None
    text = value.strip(" \t")
    if "<" not in text and ">" not in text:
        return _addr_spec(text)
    # the angle bracket must be outside any quoted display name
    in_quote = escaped = False
    open_at = -1
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and in_quote:
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif char == "<" and not in_quote:
            open_at = index
            break
    if open_at < 0 or not text.endswith(">"):
        return None
    inner = text[open_at + 1 : -1]
    if "<" in inner or ">" in inner or not _phrase_ok(text[:open_at]):
        return None
    return _addr_spec(inner)


def _ascii_lower(text: str) -> str:
    # only A-Z fold: str.lower() would also fold e.g. KELVIN SIGN U+212A to "k", letting a
    # look-alike domain match (RFC 8550 section 3 asks for ASCII case-insensitivity)
    return text.translate(_ASCII_FOLD)


_ASCII_FOLD = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _domain_key(domain: str) -> str:
    """A domain in the form compared: labels ASCII lower-cased, A-labels as U-labels
    (RFC 8398 section 5: an SmtpUTF8Mailbox holds U-labels, a From header either)."""
    return ".".join(_u_label(label) for label in _ascii_lower(domain).split("."))


def _u_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        u_label = label[4:].encode("ascii").decode("punycode")
        # Only a real A-label stands for a U-label (RFC 5890 2.3.2.1): "xn--good-" decodes
        # to the ASCII "good" and must not bind mail from good.com, and a non-canonical
        # encoding (upper-case basic code points) is not the A-label of its decoding.
        if u_label.isascii() or u_label.encode("punycode").decode("ascii") != label[4:]:
            return label
        return u_label
    except (UnicodeError, ValueError):
        return label  # not a valid A-label: compared as written


def addresses_match(addr_spec: str, candidate: str) -> bool:
    """Local parts equal exactly, domains equal ignoring ASCII case (RFC 8550 section 3;
    RFC 8398 section 5 for internationalized addresses: A-labels compare as U-labels)."""
    left, _, left_domain = addr_spec.rpartition("@")
    right, _, right_domain = candidate.rpartition("@")
    if not left or not right or not left_domain or not right_domain:
        return False
    return left == right and _domain_key(left_domain) == _domain_key(right_domain)


def matching_address(addr_spec: str, candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` (a certificate's addresses, RFC 8550 section 3) that
    :func:`addresses_match` ``addr_spec``, or ``None``."""
    for candidate in candidates[:_MAX_CANDIDATES]:
        if addresses_match(addr_spec, candidate):
            return candidate
    return None


#: most certificate addresses compared (a hostile certificate may list thousands)
_MAX_CANDIDATES = 256
