"""Judging signer certificates: path validation, S/MIME key usage, sender binding.

RFC 8550 section 3 (the signer's mail addresses against the message's From), section
4.4 (keyUsage and extendedKeyUsage of signing certificates) and RFC 5280 section 6
through :meth:`smimelib.pki.trust.TrustStore.validate`. The certificates and CRLs a
message carries are hints for path building and revocation only: they are handed to
the store for one validation and never become part of it (RFC 8550 section 4.1).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from smimelib._message.address import matching_address, parse_mailbox
from smimelib.cms import VerificationResult
from smimelib.cms.results import SignerResult
from smimelib.errors import SmimeError
from smimelib.mime import RawEntity
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList
from smimelib.pki.path_results import (
    KeyPurpose,
    TimeSource,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.profile import check_purpose
from smimelib.pki.trust import TrustStore
from smimelib.report import Finding, SignatureReport

__all__ = ["MAX_MESSAGE_CRLS", "SignerJudge", "message_crls", "purpose_problem", "sender_of"]

#: most CRLs taken from one SignedData (each is parsed and may be signature-checked)
MAX_MESSAGE_CRLS = 32


def sender_of(root: RawEntity) -> tuple[str | None, Finding | None]:
    """The addr-spec of the message's single From (RFC 5322 3.6.2, RFC 8550 section 3).

    Exactly one From header holding exactly one mailbox binds; anything else (no From,
    two From headers, a list, a group, an encoded word inside the address, a malformed
    value) binds nothing and says why in a finding. Sender never substitutes for From.
    """
    froms = root.get_all("From")
    if not froms:
        return None, Finding(
            "from-missing", "the message has no From header: no sender to bind", "RFC 5322 3.6.2"
        )
    if len(froms) > 1:
        return None, Finding(
            "from-multiple",
            f"the message has {len(froms)} From headers: the sender is ambiguous and no "
            "signer is bound to it",
            "RFC 5322 3.6; RFC 8550 section 3",
        )
    addr = parse_mailbox(froms[0])
    if addr is None:
        return None, Finding(
            "from-unparsable",
            "the From header is not exactly one well-formed mailbox (list, group, encoded "
            "word in the address, control characters ...): no signer is bound to it",
            "RFC 5322 3.4; RFC 2047 section 5; RFC 8550 section 3",
        )
    return addr, None


def purpose_problem(
    cert: Certificate, purpose: KeyPurpose, policy: ValidationPolicy
) -> tuple[ValidationStatus, str] | None:
    """Why ``cert`` may not be used for ``purpose`` under RFC 8550 section 4.4 (keyUsage
    4.4.2, extendedKeyUsage 4.4.4), or ``None``; a malformed extension is MALFORMED."""
    try:
        return check_purpose(cert, purpose, policy.extended_key_usages)
    except SmimeError as exc:
        return ValidationStatus.MALFORMED, f"{cert.subject.rfc4514()}: {exc}"


def message_crls(result: VerificationResult) -> tuple[list[CertificateList], list[Finding]]:
    """The CRLs a SignedData carries (RFC 5652 10.2.1), parsed; other revocation formats
    and malformed CRLs are skipped with a finding (they never abort opening)."""
    crls: list[CertificateList] = []
    findings: list[Finding] = []
    for index, raw in enumerate(result.crls):
        if index >= MAX_MESSAGE_CRLS:
            findings.append(
                Finding(
                    "crl-limit",
                    f"the message carries {len(result.crls)} revocation entries; only the first "
                    f"{MAX_MESSAGE_CRLS} were considered",
                )
            )
            break
        if raw[:1] != b"\x30":
            # [1] OtherRevocationInfoFormat (RFC 5652 10.2.1), e.g. an OCSP response
            findings.append(
                Finding(
                    "revocation-info-ignored",
                    f"revocation entry {index} of the message is not a CRL and was not used",
                    "RFC 5652 10.2.1",
                )
            )
            continue
        try:
            crls.append(CertificateList.from_der(raw))
        except SmimeError as exc:
            findings.append(
                Finding("crl-malformed", f"CRL {index} of the message was not used: {exc}")
            )
    return crls, findings


class SignerJudge:
    """Validates signer certificates and binds them to the sender for one message.

    :param trust: the caller's store, ``None`` when trust is not judged.
    :param policy: how paths are validated (RFC 5280 6.1 inputs, revocation mode,
        algorithms, at-signing-time).
    :param certificates: the caller's untrusted certificates (path-building hints).
    :param validation_time: the caller's explicit validation time, or ``None``.
    :param sender: the From addr-spec, ``None`` when there is none to bind.
    """

    def __init__(
        self,
        *,
        trust: TrustStore | None,
        policy: ValidationPolicy,
        certificates: Sequence[Certificate],
        validation_time: datetime.datetime | None,
        sender: str | None,
    ) -> None:
        self._trust = trust
        self._policy = policy
        self._certificates = tuple(certificates)
        self._time = validation_time
        self._sender = sender
        self.findings: list[Finding] = []

    def reports(self, result: VerificationResult, layer: int, covers: str) -> list[SignatureReport]:
        """One report per SignerInfo of ``result`` (RFC 5652 5.6, RFC 8550 3 and 4)."""
        crls: list[CertificateList] = []
        if self._trust is not None and result.crls:
            crls, findings = message_crls(result)
            self.findings.extend(findings)
        out: list[SignatureReport] = []
        for signer in result.signers:
            cert = signer.certificate
            if cert is None:
                out.append(SignatureReport(signer, layer, covers, None, None))
                continue
            trust = self._validate(cert, signer, result.certificates, crls)
            matched = None
            if self._sender is not None:
                matched = matching_address(self._sender, cert.mailboxes)
            match = None if self._sender is None else matched is not None
            usage = purpose_problem(cert, KeyPurpose.SIGN, self._policy)
            out.append(SignatureReport(signer, layer, covers, trust, match, matched, usage))
        return out

    def _validate(
        self,
        cert: Certificate,
        signer: SignerResult,
        carried: Sequence[Certificate],
        crls: Sequence[CertificateList],
    ) -> TrustResult | None:
        if self._trust is None:
            return None
        at, source = self._moment(signer)
        return self._trust.validate(
            cert,
            # the caller's certificates first: path building tries candidates of equal
            # rank in the order given, and message certificates are hints that must never
            # be preferred over the caller's (RFC 8550 4.1, THREATS "key replacement")
            (*self._certificates, *carried),
            at,
            policy=self._policy,
            purpose=KeyPurpose.SIGN,
            crls=crls,
            time_source=source,
        )

    def _moment(self, signer: SignerResult) -> tuple[datetime.datetime | None, TimeSource | None]:
        """The validation time and where it came from: the caller's, the claimed signing
        time when the policy asks for it explicitly, else now (RFC 5280 6.1.1 (b))."""
        if self._time is not None:
            return self._time, TimeSource.CALLER
        if not self._policy.at_signing_time:
            return None, None
        if signer.signing_time is None:
            self.findings.append(
                Finding(
                    "no-signing-time",
                    "validation at the signing time was asked for, but the signature has no "
                    "signing-time attribute: validated at the current time",
                    "RFC 5652 11.3",
                )
            )
            return None, None
        return signer.signing_time, TimeSource.SIGNING_TIME
