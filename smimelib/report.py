"""The report :func:`smimelib.message.open` returns (RFC 8551 sections 3-3.9, THREATS).

Every value is frozen. :class:`OpenedMessage` has :attr:`~OpenedMessage.ok` and
:meth:`~OpenedMessage.raise_for_status` and deliberately no ``__bool__``: a report is
never silently truthy (STYLE "truthy results").
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from email.message import EmailMessage

from smimelib.cms.results import SignerResult
from smimelib.errors import SignatureError
from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import TrustResult, ValidationStatus

__all__ = ["Finding", "Layer", "LayerType", "OpenedMessage", "SignatureReport", "SignerSummary"]


class LayerType(enum.Enum):
    """What one peeled S/MIME layer was (RFC 8551 3.2.2 smime-type, plus multipart/signed)."""

    SIGNED = "signed"
    ENVELOPED = "enveloped"
    AUTH_ENVELOPED = "auth-enveloped"
    ENCRYPTED = "encrypted"
    COMPRESSED = "compressed"
    CERTS_ONLY = "certs-only"


@dataclass(frozen=True, slots=True)
class Finding:
    """A remark about the message: a stable ``code``, a sentence, and the RFC section."""

    code: str
    message: str
    rfc: str = ""

    def __str__(self) -> str:
        where = f" ({self.rfc})" if self.rfc else ""
        return f"{self.code}: {self.message}{where}"


@dataclass(frozen=True, slots=True)
class Layer:
    """One S/MIME layer, outermost first.

    :ivar type: what the layer was.
    :ivar depth: 0 for the outermost layer, then 1, 2, ...
    :ivar path: MIME part path of the layer's entity inside the content it was found in
        (``"/"`` when that content's root entity is the layer).
    :ivar form: ``"multipart/signed"`` (clear-signed) or ``"application/pkcs7-mime"``.
    :ivar algorithms: algorithm names (digest and signature for signed layers, the content
        cipher for encryption layers).
    :ivar integrity_protected: for encryption layers, whether an authentication tag covered
        the content (AEAD); ``None`` for other layers.
    :ivar problems: why this layer is not fine (structure, refused decryption, ...).
    """

    type: LayerType
    depth: int
    path: str
    form: str
    algorithms: tuple[str, ...] = ()
    integrity_protected: bool | None = None
    problems: tuple[Finding, ...] = ()

    @property
    def fine(self) -> bool:
        """True when the layer had no problems."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class SignerSummary:
    """Who a signer certificate names (RFC 5280 4.1.2.4/4.1.2.6, RFC 8550 section 3)."""

    subject: str
    issuer: str
    serial: str
    emails: tuple[str, ...]

    @classmethod
    def of(cls, cert: Certificate) -> SignerSummary:
        """The summary of ``cert``."""
        return cls(cert.subject.rfc4514(), cert.issuer.rfc4514(), cert.serial_hex, cert.mailboxes)


@dataclass(frozen=True, slots=True)
class SignatureReport:
    """One signature of the message, with what it covers and whom it binds.

    :ivar result: the CMS layer's per-signer result (RFC 5652 5.6).
    :ivar layer: depth of the signed layer it belongs to.
    :ivar covers: MIME path of the covered entity within that layer's content
        (``"/"``: the whole message there); never more than that entity.
    :ivar trust: the RFC 5280 path validation of the signer certificate for signing
        (:class:`~smimelib.pki.path_results.TrustResult`: status, reason, chain,
        revocation sources, validation time and its source); ``None`` when no trust
        store was given or no signer certificate was found.
    :ivar sender_match: the single From addr-spec equals one of the signer certificate's
        addresses (local part exact, domain case-insensitive, RFC 8550 section 3);
        ``None`` when the message has not exactly one From with one parsable address.
    :ivar sender_address: the certificate address that matched the From address
        (subjectAltName rfc822Name, SmtpUTF8Mailbox or legacy emailAddress), ``None``
        when none did.
    :ivar usage: why the signer certificate may not sign mail under RFC 8550 section 4.4
        (keyUsage without digitalSignature/nonRepudiation: ``KEY_USAGE``; extendedKeyUsage
        without emailProtection or anyExtendedKeyUsage: ``EXTENDED_KEY_USAGE``), with a
        sentence; ``None`` when it may. Checked even without a trust store.
    """

    result: SignerResult
    layer: int
    covers: str
    trust: TrustResult | None
    sender_match: bool | None
    sender_address: str | None = None
    usage: tuple[ValidationStatus, str] | None = None

    @property
    def status(self) -> str:
        """``"valid"`` or ``"invalid"`` (the CMS status)."""
        return self.result.status.value

    @property
    def reason(self) -> str | None:
        """The CMS reason code when invalid."""
        return None if self.result.reason is None else self.result.reason.value

    @property
    def intact(self) -> bool | None:
        """The content digest matched the message-digest attribute."""
        return self.result.intact

    @property
    def valid(self) -> bool:
        """The signature (and its countersignatures) verified cryptographically."""
        return self.result.all_valid

    @property
    def trusted(self) -> bool | None:
        """The signer certificate's path validated (RFC 5280 6.1, RFC 8550 4.4) for
        signing; ``None`` when not judged (no trust store given or no certificate)."""
        return None if self.trust is None else self.trust.trusted

    @property
    def validation_status(self) -> ValidationStatus | None:
        """The path validation status, ``None`` when not judged."""
        return None if self.trust is None else self.trust.status

    @property
    def signer(self) -> SignerSummary | None:
        """The signer certificate's names, ``None`` when no certificate matched."""
        cert = self.result.certificate
        return None if cert is None else SignerSummary.of(cert)

    @property
    def signing_time(self) -> datetime.datetime | None:
        """The signing-time attribute, as the signer claims it (never used for trust)."""
        return self.result.signing_time


@dataclass(frozen=True, slots=True, eq=False)
class OpenedMessage:
    """Everything :func:`smimelib.message.open` found (DESIGN "Results are reports").

    :ivar layers: the S/MIME layers peeled, outermost first.
    :ivar signatures: every signature, outer layers first.
    :ivar message: the innermost message: the outer headers (From, To, Subject, ...)
        with the innermost entity. Parts beside a signed part are never merged into it.
    :ivar content_bytes: the innermost entity's bytes as they were signed / decrypted.
    :ivar findings: remarks on the whole message.
    :ivar trust_checked: a trust store was given.
    :ivar sender: the addr-spec of the message's single From header, parsed strictly
        (RFC 5322 3.4; display names dropped); ``None`` when there is not exactly one From
        with one well-formed mailbox. Sender never substitutes for From (THREATS I3).
    """

    layers: tuple[Layer, ...]
    signatures: tuple[SignatureReport, ...]
    message: EmailMessage
    content_bytes: bytes
    findings: tuple[Finding, ...]
    trust_checked: bool
    sender: str | None = None

    @property
    def covering(self) -> tuple[SignatureReport, ...]:
        """The signatures over the whole message of their layer (``covers == "/"``).

        Signatures on parts (a signed part beside unsigned ones, a forwarded signed
        message inside) are in :attr:`signatures` but never sign the message.
        """
        return tuple(s for s in self.signatures if s.covers == "/")

    @property
    def signed(self) -> bool:
        """At least one signature covers the whole message of its layer."""
        return bool(self.covering)

    @property
    def valid(self) -> bool:
        """Cryptographic validity alone: every layer fine, :attr:`signed`, and every
        covering signature valid. Says nothing about trust or the sender."""
        return (
            all(layer.fine for layer in self.layers)
            and self.signed
            and all(s.valid for s in self.covering)
            and not any(f.code in _BLOCKING for f in self.findings)
        )

    @property
    def ok(self) -> bool:
        """One line: :attr:`valid`, every covering signer trusted (its path valid for
        signing, RFC 5280 6 and RFC 8550 4.4) and bound to From (RFC 8550 section 3).

        Without a trust store, trust is unknown and ``ok`` is False: use :attr:`valid`
        for cryptographic validity alone.
        """
        return (
            self.valid
            and self.trust_checked
            and all(s.trusted is True for s in self.covering)
            and all(s.sender_match is True for s in self.covering)
            and all(s.usage is None for s in self.covering)
        )

    def problems(self) -> tuple[str, ...]:
        """Why :attr:`ok` is False, one line each (empty when ok)."""
        out: list[str] = []
        for layer in self.layers:
            out.extend(f"layer {layer.depth} ({layer.type.value}): {p}" for p in layer.problems)
        out.extend(str(f) for f in self.findings if f.code in _BLOCKING)
        if not self.signatures:
            out.append("not signed: the message carries no signature")
        for i, sig in enumerate(self.signatures):
            label = f"signature {i}"
            if sig.covers != "/":
                out.append(f"{label}: covers only the MIME part {sig.covers}")
                continue
            if not sig.valid:
                out.append(f"{label}: invalid: {sig.reason}: {sig.result.detail}")
            if not self.trust_checked:
                out.append(f"{label}: trust not judged (no trust store given)")
            elif sig.trust is None:
                out.append(f"{label}: not trusted: no signer certificate")
            elif not sig.trust.trusted:
                why = sig.trust.reason or sig.trust.status.description
                out.append(f"{label}: not trusted ({sig.trust.status.value}): {why}")
            if sig.usage is not None and (sig.trust is None or sig.trust.trusted):
                out.append(f"{label}: {sig.usage[0].value}: {sig.usage[1]}")
            if sig.sender_match is False:
                out.append(
                    f"{label}: no address of the signer's certificate is the From address"
                    f" {self.sender} (RFC 8550 section 3)"
                )
            elif sig.sender_match is None:
                out.append(
                    f"{label}: the message has no single From address to bind the signer to"
                    " (RFC 8550 section 3)"
                )
        return tuple(out)

    def raise_for_status(self) -> OpenedMessage:
        """Return ``self`` when :attr:`ok`, else raise SignatureError naming every problem."""
        if self.ok:
            return self
        raise SignatureError("; ".join(self.problems()))


#: findings that make a message not valid
_BLOCKING = frozenset({"root-not-signed", "unsigned-encryption-refused"})
