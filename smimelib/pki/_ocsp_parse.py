"""Walking an OCSPResponse with the TLV reader (RFC 6960 section 4.2.1).

Used by :mod:`smimelib.pki.ocsp`. The ASN.1 module of RFC 6960 uses EXPLICIT tags,
except where the CertStatus alternatives say IMPLICIT.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.errors import DecodeError, UnsupportedAlgorithm
from smimelib.pki._certparse import MAX_SERIAL_OCTETS
from smimelib.pki.extensions import Extension
from smimelib.pki.names import Name
from smimelib.pki.path_results import CRLReason

if TYPE_CHECKING:
    from smimelib.pki.certificate import Certificate

__all__ = [
    "OID_OCSP_BASIC",
    "OID_OCSP_NONCE",
    "BasicFields",
    "CertID",
    "CertStatus",
    "ResponderID",
    "SingleResponse",
    "parse_basic_response",
    "parse_response_envelope",
]

#: id-pkix-ocsp-basic (RFC 6960 section 4.2.1)
OID_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1"
#: id-pkix-ocsp-nonce (RFC 6960 section 4.4.1)
OID_OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2"

#: most certificates taken from a response's certs field
_MAX_RESPONSE_CERTS = 16


class CertStatus(enum.Enum):
    """``CertStatus ::= CHOICE { good [0], revoked [1], unknown [2] }`` (RFC 6960 4.2.1)."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CertID:
    """``CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING,
    issuerKeyHash OCTET STRING, serialNumber }`` (RFC 6960 section 4.1.1)."""

    hash_algorithm: AlgorithmIdentifier
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial_number: int

    def to_der(self) -> bytes:
        """DER of the CertID SEQUENCE."""
        return der.sequence(
            self.hash_algorithm.to_der(),
            der.encode_octets(self.issuer_name_hash),
            der.encode_octets(self.issuer_key_hash),
            der.encode_int(self.serial_number),
        )


@dataclass(frozen=True, slots=True)
class ResponderID:
    """``ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }`` (RFC 6960 4.2.1);
    ``by_key`` is the SHA-1 of the responder's subjectPublicKey BIT STRING value."""

    by_name: Name | None = None
    by_key: bytes | None = None

    def __str__(self) -> str:
        if self.by_name is not None:
            return self.by_name.rfc4514()
        return f"key {self.by_key.hex() if self.by_key else '?'}"


@dataclass(frozen=True, slots=True)
class SingleResponse:
    """One ``SingleResponse`` (RFC 6960 section 4.2.1).

    :ivar cert_id: which certificate.
    :ivar status: good, revoked or unknown.
    :ivar revocation_time: revocationTime when revoked.
    :ivar revocation_reason: revocationReason when revoked and given.
    :ivar this_update: thisUpdate.
    :ivar next_update: nextUpdate, ``None`` when absent.
    :ivar extensions: singleExtensions (raw).
    """

    cert_id: CertID
    status: CertStatus
    revocation_time: datetime.datetime | None
    revocation_reason: CRLReason | None
    this_update: datetime.datetime
    next_update: datetime.datetime | None
    extensions: tuple[Extension, ...] = ()


class BasicFields(NamedTuple):
    """The decoded fields of a BasicOCSPResponse."""

    tbs_der: bytes
    version: int
    responder_id: ResponderID
    produced_at: datetime.datetime
    responses: tuple[SingleResponse, ...]
    extensions: tuple[Extension, ...]
    signature_algorithm: AlgorithmIdentifier
    signature_value: bytes
    signature_unused_bits: int
    certs: tuple[Certificate, ...]


def _seq(elem: tlv.Element, what: str) -> tuple[tlv.Element, ...]:
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset)
    return elem.children()


def _explicit(elem: tlv.Element, what: str) -> tlv.Element:
    inner = elem.children() if elem.tag.constructed else ()
    if len(inner) != 1:
        raise DecodeError(f"{what} must hold exactly one element", offset=elem.offset)
    return inner[0]


def _gtime(elem: tlv.Element, what: str) -> datetime.datetime:
    if elem.tag != tlv.Tag.GENERALIZED_TIME:
        raise DecodeError(f"{what} is not a GeneralizedTime", offset=elem.offset)
    return elem.as_time()


def _extensions(elem: tlv.Element, what: str) -> tuple[Extension, ...]:
    items = tuple(Extension.from_element(e) for e in _seq(elem, what))
    oids = [e.oid for e in items]
    if len(set(oids)) != len(oids):
        raise DecodeError(f"{what}: an extension appears more than once", offset=elem.offset)
    return items


def parse_response_envelope(root: tlv.Element) -> tuple[int, str | None, tlv.Element | None]:
    """OCSPResponse -> (responseStatus, responseType, BasicOCSPResponse element or None)."""
    parts = _seq(root, "OCSPResponse")
    if not parts or len(parts) > 2:
        raise DecodeError("OCSPResponse must hold 1 or 2 elements", offset=root.offset)
    if parts[0].tag != tlv.Tag.ENUMERATED:
        raise DecodeError("responseStatus is not an ENUMERATED", offset=parts[0].offset)
    status = parts[0].as_int(max_octets=2)
    if status not in (0, 1, 2, 3, 5, 6):
        raise DecodeError(f"unknown OCSP responseStatus {status}", offset=parts[0].offset)
    if len(parts) == 1:
        if status == 0:
            raise DecodeError("successful OCSPResponse without responseBytes", offset=root.offset)
        return status, None, None
    if parts[1].tag != tlv.Tag.context(0, constructed=True):
        raise DecodeError("responseBytes must be [0] EXPLICIT", offset=parts[1].offset)
    rb = _seq(_explicit(parts[1], "responseBytes"), "ResponseBytes")
    if len(rb) != 2:
        raise DecodeError("ResponseBytes must hold 2 elements", offset=parts[1].offset)
    rtype = rb[0].as_oid()
    if status != 0:
        return status, rtype, None
    if rtype != OID_OCSP_BASIC:
        raise UnsupportedAlgorithm(
            f"OCSP response type {rtype} is not id-pkix-ocsp-basic", oid=rtype
        )
    body = rb[1].as_octets()
    base = rb[1].offset if rb[1].tag.constructed else rb[1].content_offset
    return (
        status,
        rtype,
        tlv.parse_one(body, base_offset=base, limits=root.limits, what="BasicOCSPResponse"),
    )


def parse_basic_response(elem: tlv.Element, limits: Limits) -> BasicFields:
    """Walk a BasicOCSPResponse (RFC 6960 section 4.2.1)."""
    parts = _seq(elem, "BasicOCSPResponse")
    if len(parts) not in (3, 4):
        raise DecodeError("BasicOCSPResponse must hold 3 or 4 elements", offset=elem.offset)
    tbs, alg_elem, sig_elem = parts[:3]
    sig_alg = AlgorithmIdentifier.from_element(alg_elem)
    if sig_elem.tag != tlv.Tag.BIT_STRING:
        raise DecodeError("signature is not a BIT STRING", offset=sig_elem.offset)
    unused, signature = sig_elem.as_bit_string()
    certs: tuple[Certificate, ...] = ()
    if len(parts) == 4:
        if parts[3].tag != tlv.Tag.context(0, constructed=True):
            raise DecodeError("certs must be [0] EXPLICIT", offset=parts[3].offset)
        from smimelib.pki.certificate import Certificate

        items = _seq(_explicit(parts[3], "certs"), "certs")
        if len(items) > _MAX_RESPONSE_CERTS:
            raise DecodeError(
                f"more than {_MAX_RESPONSE_CERTS} certificates in an OCSP response",
                offset=parts[3].offset,
            )
        certs = tuple(Certificate.from_element(c) for c in items)

    fields = _seq(tbs, "ResponseData")
    pos = 0
    version = 1
    if fields and fields[0].tag == tlv.Tag.context(0, constructed=True):
        v = _explicit(fields[0], "version").as_int(max_octets=2)
        if v != 0:
            raise DecodeError(f"unknown ResponseData version {v}", offset=fields[0].offset)
        pos = 1
    if len(fields) < pos + 3:
        raise DecodeError("ResponseData is too short", offset=tbs.offset)
    rid_elem = fields[pos]
    if rid_elem.tag == tlv.Tag.context(1, constructed=True):
        responder = ResponderID(by_name=Name.from_element(_explicit(rid_elem, "byName")))
    elif rid_elem.tag == tlv.Tag.context(2, constructed=True):
        key = _explicit(rid_elem, "byKey")
        if key.tag != tlv.Tag.OCTET_STRING:
            raise DecodeError("byKey is not an OCTET STRING", offset=key.offset)
        responder = ResponderID(by_key=key.as_octets())
    else:
        raise DecodeError("ResponderID is neither byName nor byKey", offset=rid_elem.offset)
    produced_at = _gtime(fields[pos + 1], "producedAt")
    responses = tuple(_single(r) for r in _seq(fields[pos + 2], "responses"))
    extensions: tuple[Extension, ...] = ()
    rest = fields[pos + 3 :]
    if rest:
        if len(rest) != 1 or rest[0].tag != tlv.Tag.context(1, constructed=True):
            raise DecodeError("unexpected element in ResponseData", offset=rest[0].offset)
        extensions = _extensions(_explicit(rest[0], "responseExtensions"), "responseExtensions")
    return BasicFields(
        tbs.raw,
        version,
        responder,
        produced_at,
        responses,
        extensions,
        sig_alg,
        signature,
        unused,
        certs,
    )


def _cert_id(elem: tlv.Element) -> CertID:
    parts = _seq(elem, "CertID")
    if len(parts) != 4:
        raise DecodeError("CertID must hold 4 elements", offset=elem.offset)
    for p, what in ((parts[1], "issuerNameHash"), (parts[2], "issuerKeyHash")):
        if p.tag != tlv.Tag.OCTET_STRING:
            raise DecodeError(f"{what} is not an OCTET STRING", offset=p.offset)
    if parts[3].tag != tlv.Tag.INTEGER:
        raise DecodeError("CertID serialNumber is not an INTEGER", offset=parts[3].offset)
    return CertID(
        AlgorithmIdentifier.from_element(parts[0]),
        parts[1].as_octets(),
        parts[2].as_octets(),
        parts[3].as_int(max_octets=MAX_SERIAL_OCTETS),
    )


def _single(elem: tlv.Element) -> SingleResponse:
    parts = _seq(elem, "SingleResponse")
    if len(parts) < 3:
        raise DecodeError("SingleResponse is too short", offset=elem.offset)
    cert_id = _cert_id(parts[0])
    st = parts[1]
    revocation_time = None
    reason = None
    if st.tag.cls != tlv.TagClass.CONTEXT or st.tag.number > 2:
        raise DecodeError("certStatus is not good, revoked or unknown", offset=st.offset)
    if st.tag.number == 0:
        status = CertStatus.GOOD
        if st.tag.constructed or st.content_length:
            raise DecodeError("certStatus good must be an IMPLICIT NULL", offset=st.offset)
    elif st.tag.number == 2:
        status = CertStatus.UNKNOWN
        if st.tag.constructed or st.content_length:
            raise DecodeError("certStatus unknown must be an IMPLICIT NULL", offset=st.offset)
    else:
        status = CertStatus.REVOKED
        if not st.tag.constructed:
            raise DecodeError("RevokedInfo must be constructed", offset=st.offset)
        info = st.children()
        if not info or len(info) > 2:
            raise DecodeError("malformed RevokedInfo", offset=st.offset)
        revocation_time = _gtime(info[0], "revocationTime")
        if len(info) == 2:
            if info[1].tag != tlv.Tag.context(0, constructed=True):
                raise DecodeError("revocationReason must be [0] EXPLICIT", offset=info[1].offset)
            code = _explicit(info[1], "revocationReason")
            if code.tag != tlv.Tag.ENUMERATED:
                raise DecodeError("CRLReason is not an ENUMERATED", offset=code.offset)
            value = code.as_int(max_octets=2)
            try:
                reason = CRLReason(value)
            except ValueError:
                raise DecodeError(f"unknown CRLReason {value}", offset=code.offset) from None
    this_update = _gtime(parts[2], "thisUpdate")
    next_update = None
    extensions: tuple[Extension, ...] = ()
    last = -1
    for extra in parts[3:]:
        number = extra.tag.number
        if extra.tag.cls != tlv.TagClass.CONTEXT or number > 1 or number <= last:
            raise DecodeError("unexpected element in SingleResponse", offset=extra.offset)
        last = number
        if number == 0:
            next_update = _gtime(_explicit(extra, "nextUpdate"), "nextUpdate")
        else:
            extensions = _extensions(_explicit(extra, "singleExtensions"), "singleExtensions")
    return SingleResponse(
        cert_id, status, revocation_time, reason, this_update, next_update, extensions
    )
