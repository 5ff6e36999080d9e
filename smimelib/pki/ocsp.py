"""OCSP responses and requests (RFC 6960).

::

    OCSPResponse ::= SEQUENCE {
       responseStatus         OCSPResponseStatus,
       responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
    ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }
    BasicOCSPResponse ::= SEQUENCE {
       tbsResponseData      ResponseData,
       signatureAlgorithm   AlgorithmIdentifier,
       signature            BIT STRING,
       certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
    ResponseData ::= SEQUENCE {
       version              [0] EXPLICIT Version DEFAULT v1,
       responderID              ResponderID,
       producedAt               GeneralizedTime,
       responses                SEQUENCE OF SingleResponse,
       responseExtensions   [1] EXPLICIT Extensions OPTIONAL }

A response is walked with the TLV reader; the received tbsResponseData bytes are kept
and the signature is checked over them. Whether a response may be *trusted* for a
certificate (CertID match, responder authorisation, times, nonce) is decided by
:mod:`smimelib.pki.revocation`. :func:`build_ocsp_request` writes the DER OCSPRequest
of RFC 6960 section 4.1.1 that ``openssl ocsp -reqin`` reads.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import LimitExceeded, SignatureError, SmimeError, UsageError
from smimelib.pki._ocsp_parse import (
    OID_OCSP_BASIC,
    OID_OCSP_NONCE,
    CertID,
    CertStatus,
    ResponderID,
    SingleResponse,
    parse_basic_response,
    parse_response_envelope,
)
from smimelib.pki.extensions import Extension

if TYPE_CHECKING:
    from smimelib.pki.certificate import Certificate

__all__ = [
    "OID_OCSP_BASIC",
    "OID_OCSP_NOCHECK",
    "OID_OCSP_NONCE",
    "OID_OCSP_SIGNING",
    "CertID",
    "CertStatus",
    "OCSPResponse",
    "OCSPResponseStatus",
    "ResponderID",
    "SingleResponse",
    "build_ocsp_request",
    "cert_id_for",
]

#: id-kp-OCSPSigning (RFC 6960 section 4.2.2.2)
OID_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
#: id-pkix-ocsp-nocheck (RFC 6960 section 4.2.2.2.1)
OID_OCSP_NOCHECK = "1.3.6.1.5.5.7.48.1.5"


class OCSPResponseStatus(enum.IntEnum):
    """``OCSPResponseStatus ::= ENUMERATED`` (RFC 6960 section 4.2.1); 4 is not used."""

    SUCCESSFUL = 0
    MALFORMED_REQUEST = 1
    INTERNAL_ERROR = 2
    TRY_LATER = 3
    SIG_REQUIRED = 5
    UNAUTHORIZED = 6


@dataclass(frozen=True, eq=False)
class OCSPResponse:
    """An OCSPResponse (RFC 6960 section 4.2.1), immutable; equal when the DER is equal.

    Only ``response_status`` is meaningful when the status is not SUCCESSFUL; the other
    fields are then empty (``None`` / ``()``). Create one with :meth:`from_der`.

    :ivar der: the response exactly as received.
    :ivar response_status: responseStatus.
    :ivar response_type: responseType OID (id-pkix-ocsp-basic), ``None`` without bytes.
    :ivar tbs_response_data: the received ResponseData bytes (what the signature covers).
    :ivar version: ResponseData version (1).
    :ivar responder_id: byName or byKey (4.2.2.3).
    :ivar produced_at: producedAt.
    :ivar responses: every SingleResponse, in received order.
    :ivar extensions: responseExtensions (raw).
    :ivar signature_algorithm: the signature algorithm.
    :ivar signature_value: the signature octets.
    :ivar certs: certificates the responder included (to help find its certificate).
    """

    der: bytes
    response_status: OCSPResponseStatus
    response_type: str | None
    tbs_response_data: bytes
    version: int
    responder_id: ResponderID | None
    produced_at: datetime.datetime | None
    responses: tuple[SingleResponse, ...]
    extensions: tuple[Extension, ...]
    signature_algorithm: AlgorithmIdentifier | None
    signature_value: bytes
    certs: tuple[Certificate, ...]
    _signature_unused_bits: int

    @classmethod
    def from_der(cls, data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> OCSPResponse:
        """Parse a DER OCSPResponse (RFC 6960 section 4.2.1).

        :raises DecodeError: malformed response (with the byte offset).
        :raises UnsupportedAlgorithm: a successful response of another type than
            id-pkix-ocsp-basic.
        :raises LimitExceeded: the input exceeds ``limits``.
        """
        data = bytes(data)
        if len(data) > limits.max_input_size:
            raise LimitExceeded(
                f"OCSP response of {len(data)} bytes exceeds the input limit",
                limit="max_input_size",
            )
        root = tlv.parse_one(data, limits=limits, what="OCSPResponse")
        status, rtype, body = parse_response_envelope(root)
        if body is None:
            return cls(
                der=data,
                response_status=OCSPResponseStatus(status),
                response_type=rtype,
                tbs_response_data=b"",
                version=1,
                responder_id=None,
                produced_at=None,
                responses=(),
                extensions=(),
                signature_algorithm=None,
                signature_value=b"",
                certs=(),
                _signature_unused_bits=0,
            )
        f = parse_basic_response(body, limits)
        return cls(
            der=data,
            response_status=OCSPResponseStatus(status),
            response_type=rtype,
            tbs_response_data=f.tbs_der,
            version=f.version,
            responder_id=f.responder_id,
            produced_at=f.produced_at,
            responses=f.responses,
            extensions=f.extensions,
            signature_algorithm=f.signature_algorithm,
            signature_value=f.signature_value,
            certs=f.certs,
            _signature_unused_bits=f.signature_unused_bits,
        )

    @property
    def successful(self) -> bool:
        """responseStatus is successful and a BasicOCSPResponse is present."""
        return (
            self.response_status is OCSPResponseStatus.SUCCESSFUL
            and self.signature_algorithm is not None
        )

    def extension(self, oid: str) -> Extension | None:
        """The response extension with ``oid``, if present."""
        for e in self.extensions:
            if e.oid == oid:
                return e
        return None

    @property
    def nonce(self) -> bytes | None:
        """The nonce extension's value (RFC 8954: an OCTET STRING inside extnValue; a
        bare value, as some responders send, is returned as is)."""
        e = self.extension(OID_OCSP_NONCE)
        if e is None:
            return None
        try:
            elem = tlv.parse_one(e.value, what="Nonce")
            if elem.tag == tlv.Tag.OCTET_STRING:
                return elem.as_octets()
        except SmimeError:
            pass
        return e.value

    def verify_signature(self, responder: Certificate, *, policy: Policy = DEFAULT_POLICY) -> None:
        """Check the signature over the received tbsResponseData (RFC 6960 4.2.1) with
        the responder certificate's key.

        :raises SignatureError: invalid signature, no BasicOCSPResponse, or a key that
            cannot be used on its own.
        :raises PolicyError: the algorithm or key is refused by ``policy``.
        :raises UnsupportedAlgorithm: the signature algorithm is not implemented.
        """
        if self.signature_algorithm is None:
            raise SignatureError(
                f"the OCSP response is {self.response_status.name.lower()}: nothing is signed"
            )
        from smimelib.errors import CertificateError
        from smimelib.pki._signed import verify_signed

        try:
            key = responder.public_key
        except CertificateError as exc:
            raise SignatureError(f"cannot verify the OCSP response: {exc.message}") from None
        verify_signed(
            key,
            self.signature_algorithm,
            self.tbs_response_data,
            self.signature_value,
            self._signature_unused_bits,
            policy=policy,
            what="OCSP response",
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OCSPResponse):
            return NotImplemented
        return self.der == other.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return (
            f"<OCSPResponse status={self.response_status.name.lower()}"
            f" responses={len(self.responses)}>"
        )


def cert_id_for(cert: Certificate, issuer: Certificate, digest: str = "sha1") -> CertID:
    """The CertID of ``cert`` (RFC 6960 4.1.1): hashes of the issuer's name (the DER
    of the certificate's issuer field) and of the issuer's subjectPublicKey BIT STRING
    value, and the serial number."""
    from smimelib.crypto.digests import digest_spec

    # SHA-1 is the CertID hash RFC 5019 requires and OpenSSL uses: an identifier, not a
    # signature, so the weak-digest policy for signatures does not apply here.
    spec = digest_spec(digest)
    spki = tlv.parse_one(issuer.spki_der, what="SubjectPublicKeyInfo")
    _, key_bits = spki.children()[1].as_bit_string()
    name_hash, key_hash = spec.new(), spec.new()
    name_hash.update(cert.issuer.der)
    key_hash.update(key_bits)
    return CertID(
        hash_algorithm=AlgorithmIdentifier(spec.oid, NULL),
        issuer_name_hash=name_hash.digest(),
        issuer_key_hash=key_hash.digest(),
        serial_number=cert.serial_number,
    )


def build_ocsp_request(
    cert: Certificate,
    issuer: Certificate,
    *,
    nonce: bytes | None = None,
    digest: str = "sha1",
) -> bytes:
    """A DER OCSPRequest for ``cert`` (RFC 6960 section 4.1.1), unsigned, with one
    Request and, when ``nonce`` is given, the nonce extension (RFC 8954: an OCTET
    STRING of 1 to 32 octets, wrapped in extnValue as OpenSSL writes it).

    :raises UsageError: a nonce of the wrong size.
    """
    cid = cert_id_for(cert, issuer, digest)
    request = der.sequence(cid.to_der())
    tbs_parts = [der.sequence(request)]
    if nonce is not None:
        if not 1 <= len(nonce) <= 32:
            raise UsageError("an OCSP nonce has 1 to 32 octets (RFC 8954 section 2.1)")
        ext = Extension(OID_OCSP_NONCE, False, der.encode_octets(nonce))
        tbs_parts.append(der.explicit(2, der.sequence(ext.to_der())))
    return der.sequence(der.sequence(*tbs_parts))
