"""Verification reports for SignedData (RFC 5652 sections 5.4 and 5.6).

A verification never answers with a bare boolean (FIELD-NOTES 13, THREATS C2/C3):
every SignerInfo gets a :class:`SignerResult` with a status, a precise
:class:`Reason` when it is invalid, a human-readable ``detail`` and the
findings collected on the way (non-DER signed attributes, weak algorithms
let through by a legacy policy, PKCS #7 content, ...). The message gets a
:class:`VerificationResult` whose :attr:`~VerificationResult.ok` is true only
when there is at least one signer and every signature in the report --
countersignatures included -- is valid.

Certificate trust (path validation, RFC 5280 section 6) is not judged here:
the report carries the signer certificate that verified the signature and the
message's certificates, and the trust layer decides about them.

Findings are strings ``"<code>: <message>"``; the code is stable (for JSON
reports and tests), the message names the RFC section where one applies.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.oids import name_of
from smimelib.errors import SignatureError

if TYPE_CHECKING:
    from smimelib.cms.signed_data import SignerInfo
    from smimelib.pki.certificate import Certificate

__all__ = ["Reason", "SignatureStatus", "SignerResult", "VerificationResult"]


class SignatureStatus(enum.Enum):
    """Outcome of one signature."""

    VALID = "valid"
    INVALID = "invalid"


class Reason(enum.Enum):
    """Why a signature is INVALID; the value is a stable code for reports."""

    #: the content digest differs from the message-digest attribute (RFC 5652 5.6)
    DIGEST_MISMATCH = "digest-mismatch"
    #: the signature value does not verify with the signer's public key (RFC 5652 5.6)
    BAD_SIGNATURE = "bad-signature"
    #: no certificate in the message or given by the caller matches the SignerIdentifier
    SIGNER_CERTIFICATE_NOT_FOUND = "signer-certificate-not-found"
    #: the signer certificate's public key cannot be used (inherited DSA parameters
    #: without an issuer, malformed SubjectPublicKeyInfo)
    SIGNER_KEY_UNUSABLE = "signer-key-unusable"
    #: signed attributes without a content-type attribute (RFC 5652 5.3, 11.1)
    MISSING_CONTENT_TYPE = "missing-content-type"
    #: content-type attribute repeated or with other than one value (RFC 5652 11.1)
    DUPLICATE_CONTENT_TYPE = "duplicate-content-type"
    #: signed attributes without a message-digest attribute (RFC 5652 5.3, 11.2)
    MISSING_MESSAGE_DIGEST = "missing-message-digest"
    #: message-digest attribute repeated or with other than one value (RFC 5652 11.2)
    DUPLICATE_MESSAGE_DIGEST = "duplicate-message-digest"
    #: content-type attribute differs from eContentType (RFC 5652 5.6, 11.1)
    CONTENT_TYPE_MISMATCH = "content-type-mismatch"
    #: a countersignature carries a content-type attribute (RFC 5652 11.4)
    COUNTERSIGNATURE_CONTENT_TYPE = "countersignature-content-type"
    #: signedAttrs absent although eContentType is not id-data (RFC 5652 5.3)
    MISSING_SIGNED_ATTRIBUTES = "missing-signed-attributes"
    #: a signed attribute value has the wrong type or form (RFC 5652 11; CVE-2026-22796)
    MALFORMED_ATTRIBUTES = "malformed-attributes"
    #: signedAttrs are not DER, and the caller required DER (RFC 5652 5.3)
    SIGNED_ATTRS_NOT_DER = "signed-attrs-not-der"
    #: the CMSAlgorithmProtection attribute names other algorithms (RFC 6211 3.1)
    ALGORITHM_PROTECTION_MISMATCH = "algorithm-protection-mismatch"
    #: ESS signingCertificate(V2) does not identify the signer certificate (RFC 5035 5.4)
    SIGNING_CERTIFICATE_MISMATCH = "signing-certificate-mismatch"
    #: an algorithm or key size refused by the policy (RFC 8551 2.1, 2.2)
    ALGORITHM_REFUSED = "algorithm-refused"
    #: an algorithm smimelib does not implement, or malformed algorithm parameters
    UNKNOWN_ALGORITHM = "unknown-algorithm"
    #: digestAlgorithm contradicts the hash of signatureAlgorithm (RFC 5652 5.3, RFC 8933 3)
    ALGORITHM_MISMATCH = "algorithm-mismatch"
    #: detached signature (no eContent) and the caller gave no content (RFC 5652 5.2)
    CONTENT_MISSING = "content-missing"
    #: the signer's digest algorithm is not in digestAlgorithms and the streamed content
    #: cannot be read a second time (RFC 5652 5.3: implementations MAY fail it)
    DIGEST_NOT_COMPUTED = "digest-not-computed"


@dataclass(frozen=True, slots=True)
class SignerResult:
    """The verification outcome of one SignerInfo (RFC 5652 section 5.6).

    :ivar signer_info: the SignerInfo as parsed.
    :ivar status: VALID or INVALID.
    :ivar reason: why it is INVALID (``None`` when VALID).
    :ivar detail: one line saying what was checked or what failed, and where.
    :ivar certificate: the certificate whose key verified (or failed to verify) the
        signature; ``None`` when no certificate matched the SignerIdentifier.
    :ivar digest_algorithm: the SignerInfo's digestAlgorithm.
    :ivar signature_algorithm: the SignerInfo's signatureAlgorithm.
    :ivar intact: whether the content digest matched the message-digest attribute;
        ``None`` when not determined (no signed attributes: the signature alone covers the
        content; or the check could not be made).
    :ivar signature_valid: whether the signature value verified; ``None`` when not checked.
    :ivar signing_time: the signing-time attribute (RFC 5652 11.3), as the signer claims it.
    :ivar countersignatures: the results of the countersignatures on this signature
        (RFC 5652 11.4), each verified over this signature value.
    :ivar weak: a weak or legacy algorithm or key size was accepted by a legacy policy.
    :ivar findings: remarks that do not make the signature invalid (``"code: message"``).
    """

    signer_info: SignerInfo
    status: SignatureStatus
    reason: Reason | None
    detail: str
    certificate: Certificate | None
    digest_algorithm: AlgorithmIdentifier
    signature_algorithm: AlgorithmIdentifier
    intact: bool | None = None
    signature_valid: bool | None = None
    signing_time: datetime.datetime | None = None
    countersignatures: tuple[SignerResult, ...] = ()
    weak: bool = False
    findings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when this signature (not its countersignatures) is VALID."""
        return self.status is SignatureStatus.VALID

    @property
    def all_valid(self) -> bool:
        """True when this signature and every countersignature below it are VALID."""
        return self.valid and all(c.all_valid for c in self.countersignatures)

    def walk(self) -> Iterator[SignerResult]:
        """This result, then its countersignature results depth first."""
        yield self
        for counter in self.countersignatures:
            yield from counter.walk()

    def describe(self) -> str:
        """One line: status, signer, algorithms, and the reason when invalid."""
        sid = str(self.signer_info.sid)
        algs = f"{name_of(self.digest_algorithm.oid)}/{name_of(self.signature_algorithm.oid)}"
        if self.valid:
            return f"valid signature by {sid} ({algs})"
        assert self.reason is not None
        return f"invalid signature by {sid} ({algs}): {self.reason.value}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The verification report of one SignedData (RFC 5652 section 5).

    :ivar signers: one result per SignerInfo, in message order.
    :ivar content_type: eContentType.
    :ivar content: the content the signatures cover: the eContent octets (attached) or
        the caller's bytes (detached), when they were given as bytes; ``None`` when the
        content was streamed (it went to ``content_out``) or is missing.
    :ivar detached: True when the message carries no eContent.
    :ivar certificates: the certificates carried in the message (untrusted hints).
    :ivar crls: the revocation information carried in the message, raw.
    :ivar findings: message-level remarks (``"code: message"``).
    """

    signers: tuple[SignerResult, ...]
    content_type: str
    content: bytes | None
    detached: bool
    certificates: tuple[Certificate, ...]
    crls: tuple[bytes, ...]
    findings: tuple[str, ...] = ()

    @property
    def no_signers(self) -> bool:
        """True when the message has no SignerInfo at all (THREATS C3: never valid)."""
        return not self.signers

    @property
    def ok(self) -> bool:
        """At least one signer, and every signature -- countersignatures included -- VALID.

        Never "any signer is valid" (THREATS C2, FIELD-NOTES 13).
        """
        return bool(self.signers) and all(s.all_valid for s in self.signers)

    @property
    def weak(self) -> bool:
        """True when any accepted signature used a weak or legacy algorithm."""
        return any(r.weak for s in self.signers for r in s.walk())

    def raise_for_status(self) -> VerificationResult:
        """Return ``self`` if :attr:`ok`, else raise SignatureError naming the first failure."""
        if not self.signers:
            raise SignatureError("no signers: the SignedData has no SignerInfo (nothing signed)")
        for index, signer in enumerate(self.signers):
            for result in signer.walk():
                if not result.valid:
                    assert result.reason is not None
                    label = (
                        f"signer {index}"
                        if result is signer
                        else f"countersignature of signer {index}"
                    )
                    raise SignatureError(
                        f"{label} ({result.signer_info.sid}): {result.reason.value}: "
                        f"{result.detail}"
                    )
        return self
