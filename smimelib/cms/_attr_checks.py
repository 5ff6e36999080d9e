"""Rules on the attributes of one SignerInfo (RFC 5652 5.3, 11; RFC 6211; RFC 5035 5.4).

Each check records what it finds in a :class:`State`: a problem (a
:class:`~smimelib.cms.results.Reason` with a detail) or a finding that does not make
the signature invalid. :mod:`smimelib.cms._signer_check` ranks the problems.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smimelib.asn1 import oids, tlv
from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.cms.attributes import (
    OID_ALGORITHM_PROTECTION,
    OID_CONTENT_TYPE,
    OID_COUNTERSIGNATURE,
    OID_MESSAGE_DIGEST,
    OID_SIGNING_CERTIFICATE,
    OID_SIGNING_CERTIFICATE_V2,
    OID_SIGNING_TIME,
    Attribute,
    Attributes,
    ESSCertID,
    ESSCertIDv2,
    decode_algorithm_protection,
    decode_content_type,
    decode_message_digest,
    decode_signing_certificate,
    decode_signing_certificate_v2,
    decode_signing_time_info,
)
from smimelib.cms.content_info import ID_DATA
from smimelib.cms.results import Reason
from smimelib.cms.signed_data import SignerInfo
from smimelib.crypto.params import ID_RSASSA_PSS, decode_pss_params
from smimelib.errors import DecodeError, SmimeError
from smimelib.pki.certificate import Certificate

__all__ = [
    "State",
    "check_protection",
    "check_signed_attributes",
    "check_signing_certificate",
    "check_unsigned",
    "same_algorithm",
    "single",
]


@dataclass
class State:
    """What is learnt about one SignerInfo while checking it."""

    problems: list[tuple[Reason, str]]
    findings: list[str]
    weak: bool = False
    signing_time: datetime.datetime | None = None
    certificate: Certificate | None = None
    signature_valid: bool | None = None
    intact: bool | None = None

    def problem(self, reason: Reason, detail: str) -> None:
        """Record something that makes the signature INVALID."""
        self.problems.append((reason, detail))

    def note(self, code: str, message: str) -> None:
        """Record a finding (``"code: message"``) once."""
        text = f"{code}: {message}"
        if text not in self.findings:
            self.findings.append(text)


def check_signed_attributes(
    si: SignerInfo, state: State, *, content_type: str, counter: bool, require_der: bool
) -> bytes | None:
    """The signed-attribute rules of RFC 5652 5.3, 11 and RFC 6211; the message digest."""
    attrs = si.signed_attrs
    if attrs is None:
        if not counter and content_type != ID_DATA:
            state.problem(
                Reason.MISSING_SIGNED_ATTRIBUTES,
                f"eContentType is {oids.describe(content_type)}, so signedAttrs MUST "
                "be present (RFC 5652 5.3)",
            )
        return None
    if not attrs.is_der():
        text = (
            "signedAttrs are not DER (unsorted SET or non-minimal encoding); the signature "
            "was checked over the received octets (RFC 5652 5.3)"
        )
        if require_der:
            state.problem(Reason.SIGNED_ATTRS_NOT_DER, text)
        else:
            state.note("signed-attrs-not-der", text)
    content_types = attrs.get(OID_CONTENT_TYPE)
    if counter:
        if content_types:
            state.problem(
                Reason.COUNTERSIGNATURE_CONTENT_TYPE,
                "a countersignature MUST NOT carry a content-type attribute (RFC 5652 11.4)",
            )
    else:
        found = single(
            attrs,
            OID_CONTENT_TYPE,
            state,
            Reason.MISSING_CONTENT_TYPE,
            Reason.DUPLICATE_CONTENT_TYPE,
            "RFC 5652 11.1",
        )
        if found is not None:
            try:
                declared = decode_content_type(found)
            except DecodeError as exc:
                state.problem(Reason.MALFORMED_ATTRIBUTES, str(exc))
            else:
                if declared != content_type:
                    state.problem(
                        Reason.CONTENT_TYPE_MISMATCH,
                        f"the content-type attribute says {oids.describe(declared)}, "
                        f"eContentType is {oids.describe(content_type)} "
                        "(RFC 5652 5.6)",
                    )
    digest: bytes | None = None
    found = single(
        attrs,
        OID_MESSAGE_DIGEST,
        state,
        Reason.MISSING_MESSAGE_DIGEST,
        Reason.DUPLICATE_MESSAGE_DIGEST,
        "RFC 5652 11.2",
    )
    if found is not None:
        try:
            digest = decode_message_digest(found)
        except DecodeError as exc:
            state.problem(Reason.MALFORMED_ATTRIBUTES, str(exc))
    times = attrs.get(OID_SIGNING_TIME)
    if times:
        if len(times) > 1 or len(times[0].values) != 1:
            state.problem(
                Reason.MALFORMED_ATTRIBUTES,
                "the signing-time attribute MUST occur once with one value (RFC 5652 11.3)",
            )
        else:
            try:
                info = decode_signing_time_info(times[0])
            except DecodeError as exc:
                state.problem(Reason.MALFORMED_ATTRIBUTES, str(exc))
            else:
                state.signing_time = info.time
                if not info.conforming:
                    state.note(
                        "signing-time-encoding",
                        "signing time in 1950..2049 encoded as GeneralizedTime "
                        "(RFC 5652 11.3 requires UTCTime)",
                    )
                _check_time_form(times[0].value_elements()[0], state)
    check_protection(si, attrs, state)
    if OID_COUNTERSIGNATURE in attrs:
        state.problem(
            Reason.MALFORMED_ATTRIBUTES,
            "the countersignature attribute MUST NOT be a signed attribute (RFC 5652 11.4)",
        )
    return digest


#: the only forms RFC 5652 11.3 allows: Zulu, seconds present, no fraction
_TIME_FORMS = {
    tlv.Tag.UTC_TIME: re.compile(rb"[0-9]{12}Z"),
    tlv.Tag.GENERALIZED_TIME: re.compile(rb"[0-9]{14}Z"),
}


def _check_time_form(elem: tlv.Element, state: State) -> None:
    form = _TIME_FORMS.get(elem.tag)
    if form is None or not form.fullmatch(elem.content):
        state.note(
            "signing-time-encoding",
            f"signing time {elem.content.decode('ascii', 'replace')!r} is not "
            "YYMMDDHHMMSSZ (UTCTime) or YYYYMMDDHHMMSSZ (GeneralizedTime): seconds are "
            "required and fractions forbidden (RFC 5652 11.3)",
        )


def single(
    attrs: Attributes, oid: str, state: State, missing: Reason, duplicate: Reason, rfc: str
) -> Attribute | None:
    """The one attribute of ``oid`` with one value, or record why not."""
    found = attrs.get(oid)
    name = oids.name_of(oid)
    if not found:
        state.problem(missing, f"signedAttrs lack the {name} attribute ({rfc})")
        return None
    if len(found) > 1:
        state.problem(duplicate, f"signedAttrs hold {len(found)} {name} attributes ({rfc})")
        return None
    if len(found[0].values) != 1:
        state.problem(duplicate, f"the {name} attribute has {len(found[0].values)} values ({rfc})")
        return None
    return found[0]


def same_algorithm(a: AlgorithmIdentifier, b: AlgorithmIdentifier) -> bool:
    """Equal modulo encoding (RFC 6211 section 3): NULL and absent parameters alike, and
    RSASSA-PSS parameters compared by value (DEFAULT fields written out or not)."""
    if a.oid != b.oid:
        return False
    if a.parameters == b.parameters:
        return True
    if a.parameters in (None, NULL) and b.parameters in (None, NULL):
        return True
    if a.oid == ID_RSASSA_PSS and a.parameters is not None and b.parameters is not None:
        try:
            return decode_pss_params(a.parameters) == decode_pss_params(b.parameters)
        except SmimeError:
            return False
    return False


def check_protection(si: SignerInfo, attrs: Attributes, state: State) -> None:
    """CMSAlgorithmProtection must name the SignerInfo's algorithms (RFC 6211 3.1)."""
    found = attrs.get(OID_ALGORITHM_PROTECTION)
    if not found:
        return
    if len(found) > 1 or len(found[0].values) != 1:
        state.problem(
            Reason.MALFORMED_ATTRIBUTES,
            "the CMSAlgorithmProtection attribute MUST occur once with one value (RFC 6211 2)",
        )
        return
    try:
        protection = decode_algorithm_protection(found[0])
    except DecodeError as exc:
        state.problem(Reason.MALFORMED_ATTRIBUTES, str(exc))
        return
    if not same_algorithm(protection.digest_algorithm, si.digest_algorithm):
        state.problem(
            Reason.ALGORITHM_PROTECTION_MISMATCH,
            f"CMSAlgorithmProtection names digest {protection.digest_algorithm}, the SignerInfo "
            f"uses {si.digest_algorithm} (RFC 6211 3.1)",
        )
    signed = protection.signature_algorithm
    if signed is None or protection.mac_algorithm is not None:
        state.problem(
            Reason.ALGORITHM_PROTECTION_MISMATCH,
            "CMSAlgorithmProtection in a SignerInfo must name a signatureAlgorithm and no "
            "macAlgorithm (RFC 6211 2)",
        )
    elif not same_algorithm(signed, si.signature_algorithm):
        state.problem(
            Reason.ALGORITHM_PROTECTION_MISMATCH,
            f"CMSAlgorithmProtection names signature {signed}, the SignerInfo uses "
            f"{si.signature_algorithm} (RFC 6211 3.1)",
        )


def check_signing_certificate(attrs: Attributes, cert: Certificate, state: State) -> None:
    """The first ESSCertID(v2) must identify the signer certificate (RFC 5035 5.4,
    RFC 2634 5.4)."""
    decoders: tuple[tuple[str, Callable[[Attribute], Sequence[ESSCertID | ESSCertIDv2]], str], ...]
    decoders = (
        (OID_SIGNING_CERTIFICATE_V2, decode_signing_certificate_v2, "signingCertificateV2"),
        (OID_SIGNING_CERTIFICATE, decode_signing_certificate, "signingCertificate"),
    )
    for oid, decode, name in decoders:
        found = attrs.get(oid)
        if not found:
            continue
        if len(found) > 1 or len(found[0].values) != 1:
            state.problem(
                Reason.MALFORMED_ATTRIBUTES,
                f"the {name} attribute MUST occur once with one value (RFC 5035 5.4)",
            )
            continue
        try:
            ids = decode(found[0])
        except DecodeError as exc:
            state.problem(Reason.MALFORMED_ATTRIBUTES, str(exc))
            continue
        if not ids:
            state.problem(Reason.MALFORMED_ATTRIBUTES, f"the {name} attribute lists no certificate")
        elif not ids[0].matches(cert):
            state.problem(
                Reason.SIGNING_CERTIFICATE_MISMATCH,
                f"the first certificate in {name} is not the signer certificate "
                f"{cert.subject.rfc4514()!r} (RFC 5035 section 5.4)",
            )


def check_unsigned(attrs: Attributes, state: State) -> None:
    """Attributes that MUST be signed make the SignerInfo invalid when found unsigned
    (RFC 5652 11.1-11.3, RFC 6211 2), as in OpenSSL: their presence there is no accident."""
    for oid, section in (
        (OID_CONTENT_TYPE, "RFC 5652 11.1"),
        (OID_MESSAGE_DIGEST, "RFC 5652 11.2"),
        (OID_SIGNING_TIME, "RFC 5652 11.3"),
        (OID_ALGORITHM_PROTECTION, "RFC 6211 2"),
    ):
        if oid in attrs:
            state.problem(
                Reason.MALFORMED_ATTRIBUTES,
                f"the {oids.name_of(oid)} attribute MUST NOT be an unsigned attribute ({section})",
            )
