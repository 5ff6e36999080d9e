"""Walking a DER/BER CertificateList with the TLV reader (RFC 5280 section 5).

Used by :mod:`smimelib.pki.crl`; kept apart so that the value classes stay readable.
Decodes the TBSCertList, the CRL extensions of section 5.2 and the entry extensions
of section 5.3 eagerly, so a malformed CRL is refused when it is loaded (with the byte
offset) instead of when a revocation check happens to look at it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from smimelib.asn1 import tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.errors import DecodeError
from smimelib.pki import _extcodec as c
from smimelib.pki._certparse import MAX_SERIAL_OCTETS
from smimelib.pki.extensions import AuthorityKeyIdentifier, DistributionPoint, Extension
from smimelib.pki.general_names import GeneralName, parse_general_names
from smimelib.pki.names import RDN, Name, NameAttribute
from smimelib.pki.path_extensions import ReasonFlag
from smimelib.pki.path_results import CRLReason

__all__ = [
    "CRL_ENTRY_HANDLED",
    "CRL_HANDLED",
    "OID_CERTIFICATE_ISSUER",
    "OID_CRL_NUMBER",
    "OID_DELTA_CRL_INDICATOR",
    "OID_FRESHEST_CRL",
    "OID_HOLD_INSTRUCTION_CODE",
    "OID_INVALIDITY_DATE",
    "OID_ISSUING_DISTRIBUTION_POINT",
    "OID_REASON_CODE",
    "CRLFields",
    "EntryFields",
    "IssuingDistributionPoint",
    "parse_crl_fields",
]

OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"
OID_ISSUER_ALT_NAME = "2.5.29.18"
OID_CRL_NUMBER = "2.5.29.20"
OID_REASON_CODE = "2.5.29.21"
OID_HOLD_INSTRUCTION_CODE = "2.5.29.23"
OID_INVALIDITY_DATE = "2.5.29.24"
OID_DELTA_CRL_INDICATOR = "2.5.29.27"
OID_ISSUING_DISTRIBUTION_POINT = "2.5.29.28"
OID_CERTIFICATE_ISSUER = "2.5.29.29"
OID_FRESHEST_CRL = "2.5.29.46"
OID_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1"

#: CRL extensions whose semantics smimelib implements (RFC 5280 5.2)
CRL_HANDLED = frozenset(
    {
        OID_AUTHORITY_KEY_IDENTIFIER,
        OID_ISSUER_ALT_NAME,
        OID_CRL_NUMBER,
        OID_DELTA_CRL_INDICATOR,
        OID_ISSUING_DISTRIBUTION_POINT,
        OID_FRESHEST_CRL,
        OID_AUTHORITY_INFO_ACCESS,
    }
)
#: CRL entry extensions whose semantics smimelib implements (RFC 5280 5.3)
CRL_ENTRY_HANDLED = frozenset(
    {OID_REASON_CODE, OID_HOLD_INSTRUCTION_CODE, OID_INVALIDITY_DATE, OID_CERTIFICATE_ISSUER}
)

#: cRLNumber and BaseCRLNumber are at most 20 octets (RFC 5280 5.2.3); read a little more
_CRL_NUMBER_OCTETS = 32


@dataclass(frozen=True, slots=True)
class IssuingDistributionPoint:
    """``IssuingDistributionPoint`` (RFC 5280 section 5.2.5)::

    SEQUENCE { distributionPoint          [0] DistributionPointName OPTIONAL,
               onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
               onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
               onlySomeReasons            [3] ReasonFlags OPTIONAL,
               indirectCRL                [4] BOOLEAN DEFAULT FALSE,
               onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
    """

    full_name: tuple[GeneralName, ...] | None = None
    relative_name: RDN | None = None
    only_contains_user_certs: bool = False
    only_contains_ca_certs: bool = False
    only_some_reasons: frozenset[ReasonFlag] | None = None
    indirect_crl: bool = False
    only_contains_attribute_certs: bool = False

    @property
    def has_name(self) -> bool:
        """The IDP names a distribution point (full or relative)."""
        return self.full_name is not None or self.relative_name is not None

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> IssuingDistributionPoint:
        """Parse the extnValue contents of the issuingDistributionPoint extension."""
        elem = c.parse(data, base_offset, "IssuingDistributionPoint")
        full: tuple[GeneralName, ...] | None = None
        rel: RDN | None = None
        flags = {1: False, 2: False, 4: False, 5: False}
        reasons: frozenset[ReasonFlag] | None = None
        last = -1
        for item in c.sequence(elem, "IssuingDistributionPoint"):
            number = item.tag.number
            if item.tag.cls != tlv.TagClass.CONTEXT or number > 5 or number <= last:
                raise DecodeError(
                    "unexpected element in IssuingDistributionPoint", offset=item.offset
                )
            last = number
            if number == 0:
                full, rel = parse_distribution_point_name(item)
            elif number == 3:
                reasons = _reason_flags(item)
            else:
                if item.tag.constructed:
                    raise DecodeError("IDP flag must be a primitive BOOLEAN", offset=item.offset)
                flags[number] = item.as_bool(implicit=True)
        return cls(full, rel, flags[1], flags[2], reasons, flags[4], flags[5])


def parse_distribution_point_name(
    item: tlv.Element,
) -> tuple[tuple[GeneralName, ...] | None, RDN | None]:
    """``[0] DistributionPointName`` (EXPLICIT: a CHOICE) -> (fullName, relative name)."""
    choice = item.children()
    if len(choice) != 1 or choice[0].tag.cls != tlv.TagClass.CONTEXT:
        raise DecodeError("malformed DistributionPointName", offset=item.offset)
    inner = choice[0]
    if not inner.tag.constructed:
        raise DecodeError("DistributionPointName must be constructed", offset=inner.offset)
    if inner.tag.number == 0:
        return parse_general_names(inner), None
    if inner.tag.number == 1:
        attrs = tuple(NameAttribute.from_element(a) for a in inner.children())
        if not attrs:
            raise DecodeError("empty nameRelativeToCRLIssuer", offset=inner.offset)
        return None, RDN(attrs)
    raise DecodeError("malformed DistributionPointName", offset=inner.offset)


def _reason_flags(item: tlv.Element) -> frozenset[ReasonFlag]:
    return frozenset(ReasonFlag(b) for b in c.named_bits(item) if b <= 8)


class EntryFields(NamedTuple):
    """The decoded fields of one revokedCertificates entry (RFC 5280 5.1.2.6, 5.3)."""

    serial_number: int
    revocation_date: datetime.datetime
    reason: CRLReason | None
    invalidity_date: datetime.datetime | None
    hold_instruction: str | None
    certificate_issuer: tuple[GeneralName, ...]
    explicit_certificate_issuer: bool
    extensions: tuple[Extension, ...]


class CRLFields(NamedTuple):
    """The decoded fields of one CertificateList (as :class:`smimelib.pki.crl.CertificateList`)."""

    der: bytes
    tbs_der: bytes
    version: int
    signature_algorithm: AlgorithmIdentifier
    tbs_signature_algorithm: AlgorithmIdentifier
    issuer: Name
    this_update: datetime.datetime
    next_update: datetime.datetime | None
    entries: tuple[EntryFields, ...]
    extensions: tuple[Extension, ...]
    signature_value: bytes
    signature_unused_bits: int
    crl_number: int | None
    delta_crl_indicator: int | None
    issuing_distribution_point: IssuingDistributionPoint | None
    authority_key_identifier: AuthorityKeyIdentifier | None
    freshest_crl: tuple[DistributionPoint, ...] | None


def _expect(elem: tlv.Element, tag: tlv.Tag, what: str) -> tlv.Element:
    if elem.tag != tag:
        raise DecodeError(f"{what}: unexpected tag {elem.tag}", offset=elem.offset)
    return elem


def _time(elem: tlv.Element, what: str) -> datetime.datetime:
    if elem.tag not in (tlv.Tag.UTC_TIME, tlv.Tag.GENERALIZED_TIME):
        raise DecodeError(f"{what} is neither UTCTime nor GeneralizedTime", offset=elem.offset)
    return elem.as_time()


def _extensions(seq: tlv.Element, what: str) -> tuple[Extension, ...]:
    _expect(seq, tlv.Tag.SEQUENCE, what)
    children = seq.children()
    items = tuple(Extension.from_element(e) for e in children)
    seen: set[str] = set()
    for e, e_elem in zip(items, children, strict=True):
        if e.oid in seen:
            raise DecodeError(
                f"{what}: extension {e.oid} appears more than once (RFC 5280 section 4.2)",
                offset=e_elem.offset,
            )
        seen.add(e.oid)
    return items


def _find(extensions: Iterable[Extension], oid: str) -> Extension | None:
    for e in extensions:
        if e.oid == oid:
            return e
    return None


def _crl_number(e: Extension, what: str) -> int:
    elem = c.parse(e.value, e.value_offset, what)
    if elem.tag != tlv.Tag.INTEGER:
        raise DecodeError(f"{what} is not an INTEGER", offset=elem.offset)
    value = elem.as_int(max_octets=_CRL_NUMBER_OCTETS)
    if value < 0:
        raise DecodeError(f"{what} is negative (RFC 5280 5.2.3)", offset=elem.offset)
    return value


def parse_crl_fields(elem: tlv.Element) -> CRLFields:
    """Walk a CertificateList element (RFC 5280 section 5.1) and decode its fields."""
    _expect(elem, tlv.Tag.SEQUENCE, "CertificateList")
    outer = elem.children()
    if len(outer) != 3:
        raise DecodeError(
            f"CertificateList has {len(outer)} elements (expected 3)", offset=elem.offset
        )
    tbs_elem, sig_alg_elem, sig_elem = outer
    _expect(tbs_elem, tlv.Tag.SEQUENCE, "TBSCertList")
    signature_algorithm = AlgorithmIdentifier.from_element(
        _expect(sig_alg_elem, tlv.Tag.SEQUENCE, "signatureAlgorithm")
    )
    unused, signature = _expect(sig_elem, tlv.Tag.BIT_STRING, "signatureValue").as_bit_string()

    fields = tbs_elem.children()
    pos = 0

    def take(what: str) -> tlv.Element:
        nonlocal pos
        if pos >= len(fields):
            raise DecodeError(f"TBSCertList ends before {what}", offset=tbs_elem.offset)
        item = fields[pos]
        pos += 1
        return item

    version = 1
    if fields and fields[0].tag == tlv.Tag.INTEGER:
        v_elem = take("version")
        encoded = v_elem.as_int(max_octets=4)
        if encoded not in (0, 1):
            raise DecodeError(
                f"unknown CRL version {encoded} (RFC 5280 5.1.2.1)", offset=v_elem.offset
            )
        version = encoded + 1
    tbs_sig = AlgorithmIdentifier.from_element(
        _expect(take("signature"), tlv.Tag.SEQUENCE, "signature")
    )
    issuer = Name.from_element(_expect(take("issuer"), tlv.Tag.SEQUENCE, "issuer"))
    this_update = _time(take("thisUpdate"), "thisUpdate")
    next_update = None
    if pos < len(fields) and fields[pos].tag in (tlv.Tag.UTC_TIME, tlv.Tag.GENERALIZED_TIME):
        next_update = _time(take("nextUpdate"), "nextUpdate")
    revoked_elem: tlv.Element | None = None
    if pos < len(fields) and fields[pos].tag == tlv.Tag.SEQUENCE:
        revoked_elem = take("revokedCertificates")
    extensions: tuple[Extension, ...] = ()
    if pos < len(fields):
        wrapper = take("crlExtensions")
        if wrapper.tag != tlv.Tag.context(0, constructed=True):
            raise DecodeError(
                f"unexpected element {wrapper.tag} in TBSCertList", offset=wrapper.offset
            )
        inner = wrapper.children()
        if len(inner) != 1:
            raise DecodeError("crlExtensions [0] must hold one SEQUENCE", offset=wrapper.offset)
        extensions = _extensions(inner[0], "crlExtensions")
    if pos < len(fields):
        raise DecodeError("unexpected element after crlExtensions", offset=fields[pos].offset)

    idp = None
    idp_ext = _find(extensions, OID_ISSUING_DISTRIBUTION_POINT)
    if idp_ext is not None:
        idp = IssuingDistributionPoint.from_der(idp_ext.value, base_offset=idp_ext.value_offset)
    number_ext = _find(extensions, OID_CRL_NUMBER)
    delta_ext = _find(extensions, OID_DELTA_CRL_INDICATOR)
    aki_ext = _find(extensions, OID_AUTHORITY_KEY_IDENTIFIER)
    freshest_ext = _find(extensions, OID_FRESHEST_CRL)
    entries: tuple[EntryFields, ...] = ()
    if revoked_elem is not None:
        entries = _parse_entries(revoked_elem, issuer)
    return CRLFields(
        der=elem.raw,
        tbs_der=tbs_elem.raw,
        version=version,
        signature_algorithm=signature_algorithm,
        tbs_signature_algorithm=tbs_sig,
        issuer=issuer,
        this_update=this_update,
        next_update=next_update,
        entries=entries,
        extensions=extensions,
        signature_value=signature,
        signature_unused_bits=unused,
        crl_number=None if number_ext is None else _crl_number(number_ext, "CRLNumber"),
        delta_crl_indicator=(
            None if delta_ext is None else _crl_number(delta_ext, "BaseCRLNumber")
        ),
        issuing_distribution_point=idp,
        authority_key_identifier=(
            None
            if aki_ext is None
            else AuthorityKeyIdentifier.from_der(aki_ext.value, base_offset=aki_ext.value_offset)
        ),
        freshest_crl=(
            None
            if freshest_ext is None
            else DistributionPoint.parse_all(
                freshest_ext.value, base_offset=freshest_ext.value_offset
            )
        ),
    )


def _parse_entries(seq: tlv.Element, crl_issuer: Name) -> tuple[EntryFields, ...]:
    # RFC 5280 5.3.3: without a certificateIssuer extension, the first entry's certificate
    # issuer is the CRL issuer and each later one inherits the previous entry's.
    current: tuple[GeneralName, ...] = (GeneralName.directory(crl_issuer),)
    out: list[EntryFields] = []
    for entry in seq.children():
        parts = _expect(entry, tlv.Tag.SEQUENCE, "revokedCertificates entry").children()
        if len(parts) not in (2, 3):
            raise DecodeError("malformed revokedCertificates entry", offset=entry.offset)
        serial_elem = _expect(parts[0], tlv.Tag.INTEGER, "userCertificate")
        serial = serial_elem.as_int(max_octets=MAX_SERIAL_OCTETS)
        revocation_date = _time(parts[1], "revocationDate")
        extensions: tuple[Extension, ...] = ()
        if len(parts) == 3:
            extensions = _extensions(parts[2], "crlEntryExtensions")
        reason = invalidity = hold = None
        explicit_issuer = False
        for e in extensions:
            if e.oid == OID_REASON_CODE:
                reason = _reason_code(e)
            elif e.oid == OID_INVALIDITY_DATE:
                elem = c.parse(e.value, e.value_offset, "InvalidityDate")
                if elem.tag != tlv.Tag.GENERALIZED_TIME:
                    raise DecodeError("InvalidityDate is not a GeneralizedTime", offset=elem.offset)
                invalidity = elem.as_time()
            elif e.oid == OID_HOLD_INSTRUCTION_CODE:
                hold = c.parse(e.value, e.value_offset, "HoldInstructionCode").as_oid()
            elif e.oid == OID_CERTIFICATE_ISSUER:
                elem = c.parse(e.value, e.value_offset, "CertificateIssuer")
                c.sequence(elem, "CertificateIssuer")
                current = parse_general_names(elem)
                explicit_issuer = True
        out.append(
            EntryFields(
                serial,
                revocation_date,
                reason,
                invalidity,
                hold,
                current,
                explicit_issuer,
                extensions,
            )
        )
    return tuple(out)


def _reason_code(e: Extension) -> CRLReason:
    elem = c.parse(e.value, e.value_offset, "CRLReason")
    if elem.tag != tlv.Tag.ENUMERATED:
        raise DecodeError("CRLReason is not an ENUMERATED", offset=elem.offset)
    value = elem.as_int(max_octets=4)
    try:
        return CRLReason(value)
    except ValueError:
        raise DecodeError(
            f"unknown CRLReason {value} (RFC 5280 5.3.1)", offset=elem.offset
        ) from None
