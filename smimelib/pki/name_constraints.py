"""Name constraints processing (RFC 5280 sections 4.2.1.10, 6.1.3 (b)-(c), 6.1.4 (g)).

:class:`NameConstraintState` holds the ``permitted_subtrees`` and
``excluded_subtrees`` state variables of RFC 5280 section 6.1. Instead of computing
the intersection of permitted subtrees (6.1.4 (g)(1)) explicitly, the state keeps
every CA's permittedSubtrees as one set: a name of type T is permitted when, for
each set that constrains type T, it lies within one of that set's type-T subtrees.
That is exactly membership in the intersection, without the set algebra. The
excluded subtrees are a plain union (6.1.4 (g)(2)).

Name forms handled (4.2.1.10):

* directoryName: the subject DN (when not empty) and SAN directoryNames; a subtree
  matches the names that begin with its RDNs (RFC 5280 7.1 comparison per RDN);
* rfc822Name: SAN rfc822Names, SmtpUTF8Mailbox otherNames (RFC 8398 section 6, the
  domain as A-labels, without IDNA2003 mapping) and the subject's legacy emailAddress
  attributes, with the three constraint forms ``user@host`` (one mailbox, a quoted
  local part equal to its unquoted form), ``host`` (every mailbox at the host) and
  ``.domain`` (every mailbox at a host under the domain);
* dNSName: zero or more labels added on the left (``example.com`` matches
  ``www.example.com`` but not ``badexample.com``), case-insensitive; a wildcard
  name ``*.example.com`` is excluded when any name it stands for would be
  (CVE-2025-61727);
* uniformResourceIdentifier: the constraint applies to the URI's host (``host`` or
  ``.domain``); a URI whose host is not a domain name (none, an IP address, a
  percent-encoded name) is refused wherever URI constraints apply;
* iPAddress: address and mask (8 octets for IPv4, 32 for IPv6).

A dNSName or rfc822Name that is not well-formed (RFC 5280 4.2.1.6) lies within no
subtree, so it is refused wherever its form is constrained.

Any other form (otherName of a given type-id, x400Address, ediPartyName,
registeredID) is not processed: a certificate that carries a name of a form that
some constraint restricts is rejected, as 4.2.1.10 requires of an application that
does not process that form.

Work is bounded: every check counts name/subtree comparisons against
:data:`MAX_NAME_CONSTRAINT_CHECKS`, and a certificate with more names than
:data:`MAX_NAMES_CHECKED` is refused.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from smimelib.pki.extensions import GeneralSubtree, NameConstraints
from smimelib.pki.general_names import (
    OID_SMTP_UTF8_MAILBOX,
    GeneralName,
    GeneralNameKind,
    OtherName,
)
from smimelib.pki.names import Name

__all__ = [
    "MAX_NAMES_CHECKED",
    "MAX_NAME_CONSTRAINT_CHECKS",
    "NameConstraintState",
    "NameConstraintViolation",
    "dns_name_matches",
    "ip_address_matches",
    "is_valid_dns_name",
    "is_valid_mailbox",
    "name_within_subtree",
    "rfc822_name_matches",
    "uri_matches",
]

#: most name-to-subtree comparisons for one certificate (hostile name-constraint sets)
MAX_NAME_CONSTRAINT_CHECKS = 1 << 16
#: most names (subject, SAN entries, emailAddress attributes) checked in one certificate
MAX_NAMES_CHECKED = 1024

_PROCESSED = frozenset(
    {
        GeneralNameKind.RFC822_NAME,
        GeneralNameKind.DNS_NAME,
        GeneralNameKind.DIRECTORY_NAME,
        GeneralNameKind.URI,
        GeneralNameKind.IP_ADDRESS,
    }
)


@dataclass(frozen=True, slots=True)
class NameConstraintViolation:
    """Why a certificate's names fail the constraints (a human-readable ``reason``)."""

    reason: str
    name: GeneralName | None = None


@dataclass(frozen=True, slots=True)
class NameConstraintState:
    """permitted_subtrees and excluded_subtrees (RFC 5280 6.1.2 (b), (c)), immutable.

    The initial state (no constraints) permits every name and excludes none.
    """

    permitted: tuple[tuple[GeneralSubtree, ...], ...] = ()
    excluded: tuple[GeneralSubtree, ...] = field(default=())

    def updated(self, constraints: NameConstraints | None) -> NameConstraintState:
        """The state after a CA certificate's nameConstraints (RFC 5280 6.1.4 (g))."""
        if constraints is None:
            return self
        permitted = self.permitted
        if constraints.permitted:
            permitted = (*permitted, constraints.permitted)
        excluded = self.excluded
        if constraints.excluded:
            excluded = (*excluded, *constraints.excluded)
        return NameConstraintState(permitted, excluded)

    @property
    def is_unconstrained(self) -> bool:
        """No constraint has been imposed yet."""
        return not self.permitted and not self.excluded

    def check(
        self,
        subject: Name,
        subject_alt_names: Sequence[GeneralName],
        *,
        strict: bool = False,
        max_checks: int = MAX_NAME_CONSTRAINT_CHECKS,
    ) -> NameConstraintViolation | None:
        """RFC 5280 6.1.3 (b), (c): ``None`` when the subject DN, its emailAddress
        attributes and every subjectAltName lie within the permitted subtrees and
        outside the excluded subtrees; otherwise the first violation.

        A dNSName or rfc822Name that is not well-formed (RFC 5280 4.2.1.6) lies within
        no subtree, and is refused wherever its form is constrained. ``strict`` also
        refuses dNSName constraints with a leading period (a URI-constraint form that
        4.2.1.10 does not allow for DNS names; treated as "subdomains only" otherwise).
        """
        if self.is_unconstrained:
            return None
        names = list(_names_of(subject, subject_alt_names))
        if len(names) > MAX_NAMES_CHECKED:
            return NameConstraintViolation(
                f"the certificate carries {len(names)} names, more than the"
                f" {MAX_NAMES_CHECKED} checked against name constraints"
            )
        budget = [max_checks]
        index = _Index(self)
        for name in names:
            problem = _check_one(name, index, budget, strict)
            if problem is not None:
                return problem
        return None


class _Index:
    """The subtrees of a state grouped by name form, built once per check so that a
    name is only ever compared with subtrees of its own form."""

    __slots__ = ("excluded", "forms", "permitted")

    def __init__(self, state: NameConstraintState) -> None:
        self.excluded: dict[GeneralNameKind, list[GeneralSubtree]] = {}
        for subtree in state.excluded:
            self.excluded.setdefault(subtree.base.kind, []).append(subtree)
        self.permitted: dict[GeneralNameKind, list[list[GeneralSubtree]]] = {}
        for group in state.permitted:
            by_kind: dict[GeneralNameKind, list[GeneralSubtree]] = {}
            for subtree in group:
                by_kind.setdefault(subtree.base.kind, []).append(subtree)
            for kind, subtrees in by_kind.items():
                self.permitted.setdefault(kind, []).append(subtrees)
        everything = [*state.excluded, *(s for group in state.permitted for s in group)]
        self.forms = frozenset(_form(s.base) for s in everything)


def _check_one(
    name: GeneralName, index: _Index, budget: list[int], strict: bool
) -> NameConstraintViolation | None:
    kind = name.kind
    if _form(name) not in index.forms:
        return None  # nothing constrains this form
    if kind not in _PROCESSED:
        return NameConstraintViolation(
            f"name {name} is of a form whose name constraints smimelib does not"
            " process (RFC 5280 4.2.1.10)",
            name,
        )
    value = name.value
    if isinstance(value, str) and not _well_formed(kind, value):
        return NameConstraintViolation(
            f"name {name} is not well-formed, so it lies within no subtree"
            " (RFC 5280 4.2.1.6, 4.2.1.10)",
            name,
        )
    for subtree in index.excluded.get(kind, ()):
        if _spend(budget):
            return _over_budget(name)
        verdict = _within(name, subtree, strict, excluded=True)
        if verdict is not False:
            return NameConstraintViolation(
                f"name {name} is within the excluded subtree {subtree.base}"
                if verdict
                else f"name constraint {subtree.base} is malformed (RFC 5280 4.2.1.10)",
                name,
            )
    # one group per CA that constrained this form: the name must be in each (intersection)
    for relevant in index.permitted.get(kind, ()):
        found = False
        for subtree in relevant:
            if _spend(budget):
                return _over_budget(name)
            if _within(name, subtree, strict, excluded=False) is True:
                found = True
                break
        if not found:
            return NameConstraintViolation(
                f"name {name} is not within the permitted subtrees"
                f" ({', '.join(str(s.base) for s in relevant[:4])}"
                f"{', ...' if len(relevant) > 4 else ''}) (RFC 5280 4.2.1.10)",
                name,
            )
    return None


def _names_of(subject: Name, alt_names: Sequence[GeneralName]) -> Iterable[GeneralName]:
    # RFC 5280 4.2.1.10: directoryName constraints apply to a non-empty subject, and
    # rfc822Name constraints to the subject's emailAddress attributes (PKCS #9).
    if not subject.is_empty():
        yield GeneralName.directory(subject)
    for address in subject.email_addresses:
        yield GeneralName.email(address)
    for name in alt_names:
        yield name
        value = name.value
        if isinstance(value, OtherName) and value.type_id == OID_SMTP_UTF8_MAILBOX:
            # RFC 8398 section 6 (RFC 9598): rfc822Name constraints bind SmtpUTF8Mailbox
            # names too, the domain compared in its A-label form.
            yield GeneralName.email(_a_label_address(value.text or ""))


def _a_label_address(address: str) -> str:
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    labels = [_a_label(label) for label in domain.split(".")]
    if any(label is None for label in labels):
        return "@"  # no valid domain: not a mailbox, so within no subtree
    return f"{local}@{'.'.join(label for label in labels if label is not None)}"


def _a_label(label: str) -> str | None:
    """The A-label of one U-label (RFC 5890 2.3.2.1), or None.

    Python's "idna" codec is IDNA2003: its nameprep maps ``ß`` to ``ss``, drops
    zero-width characters, folds width and case, and splits on U+3002 and other dots.
    The check would then judge another domain than the one the certificate holds
    (``alice@straße.de`` as ``strasse.de``) while sender binding compares the name as
    written, so a name escapes an excluded subtree (RFC 8398 section 6 and RFC 9598
    section 6 ask for the A-label of the name itself). A label that nameprep would
    change is no valid IDNA2008 U-label: it lies within no subtree.
    """
    label = label.translate(_ASCII_FOLD)
    if label.isascii():
        return label
    try:
        a_label = "xn--" + label.encode("punycode").decode("ascii")
        if label.encode("idna").decode("ascii") != a_label:
            return None
    except UnicodeError:
        return None
    return a_label


_ASCII_FOLD = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


#: a name form: the GeneralName alternative, and the type-id for otherName
_Form = tuple[GeneralNameKind, str | None]


def _form(name: GeneralName) -> _Form:
    value = name.value
    return (name.kind, value.type_id if isinstance(value, OtherName) else None)


def _well_formed(kind: GeneralNameKind, value: str) -> bool:
    if kind is GeneralNameKind.DNS_NAME:
        return is_valid_dns_name(value, wildcard=True)
    if kind is GeneralNameKind.RFC822_NAME:
        return is_valid_mailbox(value)
    if kind is GeneralNameKind.URI:
        # RFC 5280 4.2.1.10: a URI whose authority has no fully qualified domain name
        # (none at all, an IP address, or a percent-encoded host such as %65vil.com)
        # MUST be rejected when URI constraints apply, excluded ones included.
        host = _uri_host(value)
        return host is not None and is_valid_dns_name(host.rstrip("."))
    return True


def _spend(budget: list[int]) -> bool:
    budget[0] -= 1
    return budget[0] < 0


def _over_budget(name: GeneralName) -> NameConstraintViolation:
    return NameConstraintViolation(
        f"checking name {name} exceeds the name-constraint work limit", name
    )


def _within(
    name: GeneralName, subtree: GeneralSubtree, strict: bool, *, excluded: bool
) -> bool | None:
    """True/False: ``name`` is / is not within ``subtree``; None: malformed constraint
    (which fails both a permitted and an excluded check)."""
    base = subtree.base
    value, constraint = name.value, base.value
    kind = name.kind
    if kind is GeneralNameKind.DIRECTORY_NAME:
        if isinstance(value, Name) and isinstance(constraint, Name):
            return name_within_subtree(value, constraint)
        return None
    if kind is GeneralNameKind.IP_ADDRESS:
        if not isinstance(value, bytes) or not isinstance(constraint, bytes):
            return None
        if len(constraint) not in (8, 32):
            return None
        return ip_address_matches(value, constraint)
    if not isinstance(value, str) or not isinstance(constraint, str):
        return None
    if kind is GeneralNameKind.RFC822_NAME:
        return rfc822_name_matches(value, constraint)
    if kind is GeneralNameKind.DNS_NAME:
        if strict and constraint.startswith("."):
            return None
        if excluded and value.startswith("*."):
            # A wildcard stands for every one-label expansion: it is excluded when
            # any of them could be (CVE-2025-61727).
            return _wildcard_meets(value[2:], constraint)
        return dns_name_matches(value, constraint)
    return uri_matches(value, constraint)


def _wildcard_meets(parent: str, constraint: str) -> bool:
    if dns_name_matches(parent, constraint):
        return True
    constraint = constraint.lower().lstrip(".").rstrip(".")
    parent = parent.lower().rstrip(".")
    head, dot, rest = constraint.partition(".")
    return bool(dot) and bool(head) and rest == parent


def is_valid_dns_name(name: str, *, wildcard: bool = False) -> bool:
    """RFC 5280 4.2.1.6: a dNSName in the preferred name syntax (RFC 1034 3.5, RFC 1123
    2.1): dot-separated labels of letters, digits and inner hyphens, at most 63 octets
    each, and a top-level label that is not all digits. ``wildcard`` allows a ``*``
    as the whole leftmost label."""
    if not name or len(name) > 253 or not name.isascii():
        return False
    labels = name.split(".")
    if wildcard and labels[0] == "*" and len(labels) > 2:
        labels = labels[1:]
    for label in labels:
        if not 0 < len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not all(ch.isalnum() or ch == "-" for ch in label):
            return False
    return not labels[-1].isdigit()


def is_valid_mailbox(address: str) -> bool:
    """RFC 5280 4.2.1.6: an rfc822Name is an RFC 5322 addr-spec ``local@domain``: one
    unquoted ``@``, a non-empty dot-atom (or quoted) local part, and a domain in DNS
    syntax (A-labels)."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not is_valid_dns_name(domain):
        return False
    # RFC 6531 local parts may be UTF-8 (SmtpUTF8Mailbox, RFC 9598), but not invisible
    # format or separator characters: "alice\u200b" would escape an excluded mailbox
    # "alice@..." while looking the same (RFC 8264 9.1 disallows them in identifiers)
    if any(ord(ch) > 0x7E and unicodedata.category(ch) in _INVISIBLE for ch in local):
        return False
    if local.startswith('"') and local.endswith('"') and len(local) >= 2:
        return True
    specials = set('()<>[]:;@\\,"') | {" "}
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return not any(ch in specials or ord(ch) < 33 for ch in local)


_INVISIBLE = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


# -- the matching rules of RFC 5280 4.2.1.10 ---------------------------------------------------


def name_within_subtree(name: Name, base: Name) -> bool:
    """directoryName: ``name`` begins with the RDNs of ``base`` (each compared by the
    rules of RFC 5280 section 7.1)."""
    count = len(base.rdns)
    if count > len(name.rdns):
        return False
    if count == 0:
        return True
    return Name(name.rdns[:count]).matches(Name(base.rdns))


def _host_matches(host: str, constraint: str) -> bool:
    host = host.lower().rstrip(".") if host != "." else host
    constraint = constraint.lower()
    if constraint.startswith("."):
        return host.endswith(constraint) and len(host) > len(constraint)
    return host == constraint


def rfc822_name_matches(address: str, constraint: str) -> bool:
    """rfc822Name: ``constraint`` is a mailbox (``user@host``: that mailbox, local part
    exact, host case-insensitive), a host (every mailbox there) or ``.domain`` (every
    mailbox at a host under the domain) (RFC 5280 4.2.1.10)."""
    local, at, host = address.rpartition("@")
    if not at or not local or not host:
        return False  # not an addr-spec: never within a subtree
    if "@" in constraint:
        c_local, _, c_host = constraint.rpartition("@")
        return _local_key(local) == _local_key(c_local) and host.lower() == c_host.lower()
    if not constraint:
        return True
    return _host_matches(host, constraint)


def _local_key(local: str) -> str:
    # RFC 5321 4.1.2: a quoted-string local part names the same mailbox as its unquoted
    # content ("boss"@good.com is boss@good.com); without this, a certificate for
    # "boss"@good.com escaped an excluded boss@good.com and bound mail from it.
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        out: list[str] = []
        escaped = False
        for char in local[1:-1]:
            if escaped or char != "\\":
                out.append(char)
                escaped = False
            else:
                escaped = True
        return "".join(out)
    return local


def dns_name_matches(name: str, constraint: str) -> bool:
    """dNSName: ``name`` is ``constraint`` with zero or more labels added on the left
    (case-insensitive; a leading ``.`` in the constraint means "subdomains only")
    (RFC 5280 4.2.1.10)."""
    name = name.lower().rstrip(".")
    constraint = constraint.lower().rstrip(".")
    if not constraint:
        return True
    if constraint.startswith("."):
        return name.endswith(constraint) and len(name) > len(constraint)
    return name == constraint or name.endswith("." + constraint)


def uri_matches(uri: str, constraint: str) -> bool:
    """uniformResourceIdentifier: the constraint applies to the host of the URI's
    authority (RFC 3986 3.2.2); ``host`` exact, ``.domain`` any host under it
    (RFC 5280 4.2.1.10). A URI without a host matches nothing."""
    host = _uri_host(uri)
    if host is None or not host:
        return False
    if not constraint:
        return True
    return _host_matches(host, constraint)


def _uri_host(uri: str) -> str | None:
    scheme, colon, rest = uri.partition(":")
    if not colon or not scheme or not rest.startswith("//"):
        return None
    authority = rest[2:]
    for stop in "/?#":
        authority = authority.split(stop, 1)[0]
    authority = authority.rpartition("@")[2]
    if authority.startswith("["):
        return None  # an IP literal is no host name
    host = authority.split(":", 1)[0]
    return host or None


def ip_address_matches(address: bytes, constraint: bytes) -> bool:
    """iPAddress: ``constraint`` is address + mask (8 or 32 octets); ``address`` (4 or
    16 octets) of the same family lies in that range (RFC 5280 4.2.1.10)."""
    half = len(constraint) // 2
    if len(address) != half or half not in (4, 16):
        return False
    net, mask = constraint[:half], constraint[half:]
    return all((a & m) == (n & m) for a, n, m in zip(address, net, mask, strict=True))
