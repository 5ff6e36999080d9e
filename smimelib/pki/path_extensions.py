"""X.509 extensions that drive path validation and revocation checking (RFC 5280).

certificatePolicies (4.2.1.4), policyMappings (4.2.1.5), policyConstraints
(4.2.1.11), inhibitAnyPolicy (4.2.1.14), nameConstraints (4.2.1.10),
cRLDistributionPoints (4.2.1.13) and authorityInfoAccess (4.2.2.1): typed
values with a parser of the ``extnValue`` contents and, where smimelib writes
them, an encoder. Re-exported by :mod:`smimelib.pki.extensions`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError, UsageError
from smimelib.pki import _extcodec as c
from smimelib.pki._user_notice import (
    OID_USER_NOTICE_QUALIFIER,
    DisplayTextType,
    UserNoticeQualifier,
    decode_user_notice,
    encode_user_notice,
)
from smimelib.pki.general_names import GeneralName, encode_general_names, parse_general_names
from smimelib.pki.names import RDN, NameAttribute

__all__ = [
    "OID_ANY_POLICY",
    "OID_CPS_QUALIFIER",
    "OID_USER_NOTICE_QUALIFIER",
    "AccessDescription",
    "DistributionPoint",
    "GeneralSubtree",
    "NameConstraints",
    "PolicyConstraints",
    "PolicyInformation",
    "PolicyMapping",
    "PolicyQualifier",
    "ReasonFlag",
    "UserNoticeQualifier",
    "parse_inhibit_any_policy",
    "parse_policy_mappings",
]

OID_ANY_POLICY = "2.5.29.32.0"
OID_CPS_QUALIFIER = "1.3.6.1.5.5.7.2.1"


def parse_inhibit_any_policy(data: bytes, *, base_offset: int = 0) -> int:
    """``InhibitAnyPolicy ::= SkipCerts`` (RFC 5280 4.2.1.14)."""
    elem = c.parse(data, base_offset, "InhibitAnyPolicy")
    if elem.tag != tlv.Tag.INTEGER:
        raise DecodeError("InhibitAnyPolicy is not an INTEGER", offset=elem.offset)
    return c.small_uint(elem, "InhibitAnyPolicy")


# -- certificate policies ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyQualifier:
    """``PolicyQualifierInfo`` with the qualifier's raw DER (RFC 5280 4.2.1.4)."""

    oid: str
    qualifier: bytes

    @property
    def cps_uri(self) -> str | None:
        """The CPS pointer (id-qt-cps, an IA5String), if this is one."""
        if self.oid != OID_CPS_QUALIFIER:
            return None
        try:
            elem = tlv.parse_one(self.qualifier, what="CPSuri")
        except DecodeError:
            return None
        if elem.tag != tlv.Tag.IA5_STRING:
            return None
        return elem.content.decode("ascii", errors="replace")

    @property
    def user_notice(self) -> UserNoticeQualifier | None:
        """The decoded user notice (id-qt-unotice, RFC 5280 4.2.1.4), if this is one.

        :raises DecodeError: the qualifier is a userNotice but malformed.
        """
        if self.oid != OID_USER_NOTICE_QUALIFIER:
            return None
        return decode_user_notice(self.qualifier)


@dataclass(frozen=True, slots=True)
class PolicyInformation:
    """``PolicyInformation ::= SEQUENCE { policyIdentifier, policyQualifiers OPTIONAL }``."""

    policy_id: str
    qualifiers: tuple[PolicyQualifier, ...] = ()

    @staticmethod
    def parse_all(data: bytes, *, base_offset: int = 0) -> tuple[PolicyInformation, ...]:
        """``certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation``."""
        elem = c.parse(data, base_offset, "CertificatePolicies")
        items = c.sequence(elem, "CertificatePolicies")
        c.non_empty(items, elem, "CertificatePolicies")
        out = []
        for item in items:
            parts = c.sequence(item, "PolicyInformation")
            if len(parts) not in (1, 2):
                raise DecodeError("malformed PolicyInformation", offset=item.offset)
            qualifiers: list[PolicyQualifier] = []
            if len(parts) == 2:
                quals = c.sequence(parts[1], "policyQualifiers")
                c.non_empty(quals, parts[1], "policyQualifiers")
                for q in quals:
                    qp = c.sequence(q, "PolicyQualifierInfo")
                    if len(qp) != 2:
                        raise DecodeError("malformed PolicyQualifierInfo", offset=q.offset)
                    qualifiers.append(PolicyQualifier(qp[0].as_oid(), qp[1].raw))
            out.append(PolicyInformation(parts[0].as_oid(), tuple(qualifiers)))
        seen = [p.policy_id for p in out]
        if len(set(seen)) != len(seen):
            # RFC 5280 4.2.1.4: a policy OID MUST NOT appear more than once.
            raise DecodeError("certificatePolicies repeats a policy OID", offset=elem.offset)
        return tuple(out)

    @staticmethod
    def encode_all(policies: Iterable[PolicyInformation]) -> bytes:
        """DER of the extnValue contents for a sequence of these values."""
        parts = []
        for p in policies:
            body = [der.encode_oid(p.policy_id)]
            if p.qualifiers:
                quals = (der.sequence(der.encode_oid(q.oid), q.qualifier) for q in p.qualifiers)
                body.append(der.sequence(*quals))
            parts.append(der.sequence(*body))
        if not parts:
            raise UsageError("certificatePolicies needs at least one policy")
        return der.sequence(*parts)

    @classmethod
    def with_cps(cls, policy_id: str, cps_uri: str | None = None) -> PolicyInformation:
        """A policy, optionally with a CPS URI qualifier."""
        if cps_uri is None:
            return cls(policy_id)
        return cls(policy_id, (PolicyQualifier(OID_CPS_QUALIFIER, der.encode_ia5(cps_uri)),))

    @classmethod
    def with_user_notice(
        cls,
        policy_id: str,
        explicit_text: str | None = None,
        *,
        organization: str | None = None,
        notice_numbers: tuple[int, ...] = (),
        text_type: DisplayTextType = "utf8",
    ) -> PolicyInformation:
        """A policy with a userNotice qualifier (RFC 5280 4.2.1.4); ``text_type`` is the
        DisplayText alternative: ``"utf8"``, ``"ia5"``, ``"visible"`` or ``"bmp"``."""
        notice = encode_user_notice(
            explicit_text,
            organization=organization,
            notice_numbers=notice_numbers,
            text_type=text_type,
        )
        return cls(policy_id, (PolicyQualifier(OID_USER_NOTICE_QUALIFIER, notice),))


@dataclass(frozen=True, slots=True)
class PolicyMapping:
    """One ``{ issuerDomainPolicy, subjectDomainPolicy }`` pair (RFC 5280 4.2.1.5)."""

    issuer_domain_policy: str
    subject_domain_policy: str


def parse_policy_mappings(data: bytes, *, base_offset: int = 0) -> tuple[PolicyMapping, ...]:
    """``PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE {...}`` (RFC 5280 4.2.1.5)."""
    elem = c.parse(data, base_offset, "PolicyMappings")
    items = c.sequence(elem, "PolicyMappings")
    c.non_empty(items, elem, "PolicyMappings")
    out = []
    for item in items:
        pair = c.sequence(item, "PolicyMapping")
        if len(pair) != 2:
            raise DecodeError("malformed PolicyMapping", offset=item.offset)
        out.append(PolicyMapping(pair[0].as_oid(), pair[1].as_oid()))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PolicyConstraints:
    """``SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL,
    inhibitPolicyMapping [1] SkipCerts OPTIONAL }`` (RFC 5280 4.2.1.11)."""

    require_explicit_policy: int | None = None
    inhibit_policy_mapping: int | None = None

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> PolicyConstraints:
        """Parse the extnValue contents (DER) of this extension."""
        elem = c.parse(data, base_offset, "PolicyConstraints")
        values: dict[int, int] = {}
        last = -1
        for item in c.sequence(elem, "PolicyConstraints"):
            number = item.tag.number
            if item.tag.cls != tlv.TagClass.CONTEXT or number > 1 or number <= last:
                raise DecodeError("unexpected element in PolicyConstraints", offset=item.offset)
            last = number
            values[number] = c.small_uint(item, "SkipCerts")
        return cls(values.get(0), values.get(1))


# -- name constraints -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeneralSubtree:
    """``SEQUENCE { base GeneralName, minimum [0] BaseDistance DEFAULT 0,
    maximum [1] BaseDistance OPTIONAL }`` (RFC 5280 4.2.1.10)."""

    base: GeneralName
    minimum: int = 0
    maximum: int | None = None


def _parse_subtrees(elem: tlv.Element) -> tuple[GeneralSubtree, ...]:
    items = elem.children()
    c.non_empty(items, elem, "GeneralSubtrees")
    out = []
    for item in items:
        parts = c.sequence(item, "GeneralSubtree")
        if not parts:
            raise DecodeError("empty GeneralSubtree", offset=item.offset)
        base = GeneralName.from_element(parts[0])
        minimum, maximum = 0, None
        for extra in parts[1:]:
            if extra.tag.cls != tlv.TagClass.CONTEXT or extra.tag.number > 1:
                raise DecodeError("unexpected element in GeneralSubtree", offset=extra.offset)
            if extra.tag.number == 0:
                minimum = c.small_uint(extra, "minimum")
            else:
                maximum = c.small_uint(extra, "maximum")
        out.append(GeneralSubtree(base, minimum, maximum))
    return tuple(out)


def _encode_subtrees(number: int, subtrees: tuple[GeneralSubtree, ...]) -> bytes:
    parts = []
    for s in subtrees:
        body = [s.base.to_der()]
        if s.minimum:
            body.append(der.implicit(0, der.encode_int(s.minimum), constructed=False))
        if s.maximum is not None:
            body.append(der.implicit(1, der.encode_int(s.maximum), constructed=False))
        parts.append(der.sequence(*body))
    return der.implicit(number, der.sequence(*parts), constructed=True)


@dataclass(frozen=True, slots=True)
class NameConstraints:
    """``SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL,
    excludedSubtrees [1] GeneralSubtrees OPTIONAL }`` (RFC 5280 4.2.1.10)."""

    permitted: tuple[GeneralSubtree, ...] | None = None
    excluded: tuple[GeneralSubtree, ...] | None = None

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> NameConstraints:
        """Parse the extnValue contents (DER) of this extension."""
        elem = c.parse(data, base_offset, "NameConstraints")
        permitted = excluded = None
        last = -1
        for item in c.sequence(elem, "NameConstraints"):
            number = item.tag.number
            ok = item.tag.cls == tlv.TagClass.CONTEXT and item.tag.constructed
            if not ok or number > 1 or number <= last:
                raise DecodeError("unexpected element in NameConstraints", offset=item.offset)
            last = number
            if number == 0:
                permitted = _parse_subtrees(item)
            else:
                excluded = _parse_subtrees(item)
        return cls(permitted, excluded)

    def to_der(self) -> bytes:
        """DER of the extnValue contents of this extension."""
        if not self.permitted and not self.excluded:
            raise UsageError("nameConstraints needs permitted or excluded subtrees")
        parts = []
        if self.permitted:
            parts.append(_encode_subtrees(0, self.permitted))
        if self.excluded:
            parts.append(_encode_subtrees(1, self.excluded))
        return der.sequence(*parts)


# -- CRL distribution points, authority information access ------------------------------------


class ReasonFlag(enum.Enum):
    """The named bits of ``ReasonFlags`` (RFC 5280 section 4.2.1.13)."""

    UNUSED = 0
    KEY_COMPROMISE = 1
    CA_COMPROMISE = 2
    AFFILIATION_CHANGED = 3
    SUPERSEDED = 4
    CESSATION_OF_OPERATION = 5
    CERTIFICATE_HOLD = 6
    PRIVILEGE_WITHDRAWN = 7
    AA_COMPROMISE = 8


@dataclass(frozen=True, slots=True)
class DistributionPoint:
    """``DistributionPoint`` (RFC 5280 section 4.2.1.13)::

    SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL,
               reasons [1] ReasonFlags OPTIONAL, cRLIssuer [2] GeneralNames OPTIONAL }
    DistributionPointName ::= CHOICE { fullName [0] GeneralNames,
                                       nameRelativeToCRLIssuer [1] RelativeDistinguishedName }
    """

    full_name: tuple[GeneralName, ...] | None = None
    relative_name: RDN | None = None
    reasons: frozenset[ReasonFlag] | None = None
    crl_issuer: tuple[GeneralName, ...] | None = None

    @property
    def uris(self) -> tuple[str, ...]:
        """The URIs of the full name (where the CRL can be fetched)."""
        return tuple(
            n.value
            for n in self.full_name or ()
            if n.kind.name == "URI" and isinstance(n.value, str)
        )

    @staticmethod
    def parse_all(data: bytes, *, base_offset: int = 0) -> tuple[DistributionPoint, ...]:
        """``CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint``."""
        elem = c.parse(data, base_offset, "CRLDistributionPoints")
        items = c.sequence(elem, "CRLDistributionPoints")
        c.non_empty(items, elem, "CRLDistributionPoints")
        return tuple(DistributionPoint._parse_one(i) for i in items)

    @staticmethod
    def _parse_one(elem: tlv.Element) -> DistributionPoint:
        full = rel = crl_issuer = None
        reasons = None
        last = -1
        for item in c.sequence(elem, "DistributionPoint"):
            number = item.tag.number
            if item.tag.cls != tlv.TagClass.CONTEXT or number > 2 or number <= last:
                raise DecodeError("unexpected element in DistributionPoint", offset=item.offset)
            last = number
            if number == 0:
                choice = item.children()
                if len(choice) != 1 or choice[0].tag.cls != tlv.TagClass.CONTEXT:
                    raise DecodeError("malformed DistributionPointName", offset=item.offset)
                if choice[0].tag.number == 0:
                    full = parse_general_names(choice[0])
                elif choice[0].tag.number == 1:
                    attrs = tuple(NameAttribute.from_element(a) for a in choice[0].children())
                    if not attrs:
                        raise DecodeError("empty nameRelativeToCRLIssuer", offset=item.offset)
                    rel = RDN(attrs)
                else:
                    raise DecodeError("malformed DistributionPointName", offset=item.offset)
            elif number == 1:
                reasons = frozenset(ReasonFlag(b) for b in c.named_bits(item) if b <= 8)
            else:
                crl_issuer = parse_general_names(item)
        return DistributionPoint(full, rel, reasons, crl_issuer)

    @staticmethod
    def encode_all(points: Iterable[DistributionPoint]) -> bytes:
        """DER of the extnValue contents for a sequence of these values."""
        parts = []
        for p in points:
            body = []
            if p.full_name is not None:
                names = der.implicit(0, encode_general_names(p.full_name), constructed=True)
                body.append(der.explicit(0, names))
            elif p.relative_name is not None:
                rdn = der.implicit(1, p.relative_name.to_der(), constructed=True)
                body.append(der.explicit(0, rdn))
            if p.reasons is not None:
                bits = c.encode_named_bits(r.value for r in p.reasons)
                body.append(der.implicit(1, bits, constructed=False))
            if p.crl_issuer is not None:
                issuer = encode_general_names(p.crl_issuer)
                body.append(der.implicit(2, issuer, constructed=True))
            parts.append(der.sequence(*body))
        if not parts:
            raise UsageError("cRLDistributionPoints needs at least one point")
        return der.sequence(*parts)


@dataclass(frozen=True, slots=True)
class AccessDescription:
    """``AccessDescription ::= SEQUENCE { accessMethod, accessLocation GeneralName }``
    (RFC 5280 section 4.2.2.1): id-ad-ocsp (1.3.6.1.5.5.7.48.1), id-ad-caIssuers (.48.2)."""

    method: str
    location: GeneralName

    @staticmethod
    def parse_all(data: bytes, *, base_offset: int = 0) -> tuple[AccessDescription, ...]:
        """Parse the extnValue contents (a SEQUENCE SIZE (1..MAX) OF these)."""
        elem = c.parse(data, base_offset, "AuthorityInfoAccessSyntax")
        items = c.sequence(elem, "AuthorityInfoAccessSyntax")
        c.non_empty(items, elem, "AuthorityInfoAccessSyntax")
        out = []
        for item in items:
            pair = c.sequence(item, "AccessDescription")
            if len(pair) != 2:
                raise DecodeError("malformed AccessDescription", offset=item.offset)
            out.append(AccessDescription(pair[0].as_oid(), GeneralName.from_element(pair[1])))
        return tuple(out)
