"""The S/MIME message API: sign, encrypt, sign_and_encrypt, triple_wrap, open (RFC 8551).

Input and output are :class:`email.message.EmailMessage` (or bytes). The outer
header fields (From, To, Subject, Date, Message-ID, ...) are kept outside and
copied byte for byte; the ``Content-*`` fields and the body become the protected
entity (RFC 8551 section 3.1). Every function that writes returns a *new*
EmailMessage, parsed from the exact bytes smimelib wrote, so that
``result.as_bytes(policy=email.policy.SMTP)`` reproduces them and the signature
survives (tested).

::

    signed = sign(msg, alice)                      # multipart/signed, SHA-256
    sealed = encrypt(signed, [bob_cert])           # AES-256-GCM AuthEnvelopedData
    report = open(raw, keys=[bob], trust=TrustStore([root]))
    report.ok                                      # valid, trusted and bound to From
    report.raise_for_status()

:func:`open` returns an :class:`~smimelib.report.OpenedMessage` (no ``__bool__``).
Trust is judged by a :class:`~smimelib.pki.trust.TrustStore` the caller passes: every
signer certificate is validated (RFC 5280 section 6, revocation included, under a
:class:`~smimelib.pki.path_results.ValidationPolicy`) for signing (RFC 8550 4.4) and
bound to the message's From address (RFC 8550 section 3). :func:`encrypt` refuses
recipient certificates that may not encrypt, and with a store ones that do not validate.
"""

from __future__ import annotations

import builtins
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage, Message

from smimelib._message.build import (
    cipher_is_aead,
    encrypt_bytes,
    message_bytes,
    parse_output,
    recipient_list,
    sign_bytes,
)
from smimelib._message.capabilities import Capabilities, CapabilitiesCache, choose_cipher
from smimelib._message.opener import MAX_LAYERS, open_message
from smimelib._message.recipients import check_recipients
from smimelib.cms import ContentKey, Recipient, RecipientKey
from smimelib.cms.encryption import DEFAULT_CIPHER
from smimelib.crypto.algorithms import DEFAULT_POLICY, Policy
from smimelib.errors import UsageError
from smimelib.mime import DEFAULT_MIME_LIMITS, MimeLimits
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import ValidationPolicy
from smimelib.pki.trust import TrustStore
from smimelib.report import OpenedMessage

__all__ = [
    "DEFAULT_CIPHER",
    "MAX_LAYERS",
    "CapabilitiesCache",
    "encrypt",
    "open",
    "sign",
    "sign_and_encrypt",
    "sign_to_bytes",
    "triple_wrap",
]

MessageInput = EmailMessage | Message | bytes


def sign(
    message: MessageInput,
    identity: Identity,
    *,
    opaque: bool = False,
    digest: str | None = None,
    detached_binary: bool = False,
    include_chain: bool = True,
    pss: bool = False,
    include_certificates: bool = True,
) -> EmailMessage:
    """Sign ``message`` with ``identity`` (RFC 8551 sections 3.5.2 and 3.5.3).

    :param opaque: write ``application/pkcs7-mime; smime-type=signed-data`` (3.5.2)
        instead of clear-signed ``multipart/signed`` (3.5.3, the default).
    :param digest: the digest name (default SHA-256; SHA-512 for Ed25519, RFC 8419).
    :param detached_binary: sign the entity as given, without canonicalisation or
        transfer encoding (binary transport, RFC 8551 3.1.2). Only with ``opaque=True``
        here: the stdlib converts line ends of a binary body inside a multipart when it
        serialises, which breaks the signature; use :func:`sign_to_bytes` for
        clear-signed binary content. The default makes the entity 7-bit with CRLF line
        ends first (3.1.1-3.1.3).
    :param include_chain: put the identity's chain into the SignedData certificates.
    :param pss: sign with RSASSA-PSS (RFC 4056) instead of PKCS #1 v1.5 (RSA keys).
    :param include_certificates: put the signer's certificate (and chain) into the
        message; without it, receivers need the certificate from elsewhere.
    :returns: a new EmailMessage; ``micalg`` names the digest used (3.5.3.2).
    :raises UsageError: not a message, no Identity, or clear-signed ``detached_binary``.
    :raises PolicyError: a weak digest or key.
    """
    if detached_binary and not opaque:
        raise UsageError(
            "a clear-signed binary entity does not survive EmailMessage serialisation; "
            "use sign_to_bytes(..., detached_binary=True) or opaque=True"
        )
    return parse_output(
        sign_to_bytes(
            message,
            identity,
            opaque=opaque,
            digest=digest,
            detached_binary=detached_binary,
            include_chain=include_chain,
            pss=pss,
            include_certificates=include_certificates,
        )
    )


def sign_to_bytes(
    message: MessageInput,
    identity: Identity,
    *,
    opaque: bool = False,
    digest: str | None = None,
    detached_binary: bool = False,
    include_chain: bool = True,
    pss: bool = False,
    include_certificates: bool = True,
) -> bytes:
    """:func:`sign`, returning the exact bytes written (for binary transport, AS2 style)."""
    return sign_bytes(
        message_bytes(message),
        identity,
        opaque=opaque,
        digest=digest,
        detached_binary=detached_binary,
        include_chain=include_chain,
        pss=pss,
        include_certificates=include_certificates,
    )


@dataclass(frozen=True, slots=True)
class _RecipientCheck:
    """How recipient certificates are judged before encrypting (RFC 8550 4.4, RFC 5280 6)."""

    trust: TrustStore | None = None
    validation: ValidationPolicy | None = None
    certificates: Sequence[Certificate] = ()

    def run(self, recipients: Sequence[Certificate | Recipient]) -> None:
        if self.trust is not None and not isinstance(self.trust, TrustStore):
            raise UsageError("trust must be a TrustStore")
        policy = _validation_policy(self.validation, None)
        check_recipients(
            recipients,
            trust=self.trust,
            policy=policy,
            certificates=_certificate_list(self.certificates),
        )


def _encrypted_bytes(
    data: bytes,
    recipients: Sequence[Certificate | Recipient],
    cipher: str | None,
    encrypt_to_self: Identity | Certificate | None,
    capabilities: Capabilities | CapabilitiesCache | None,
    check: _RecipientCheck,
) -> bytes:
    full = recipient_list(recipients, encrypt_to_self)
    check.run(full)
    chosen = cipher
    if chosen is None and capabilities is not None:
        # the sender reads whatever it writes: only the other recipients decide
        chosen = choose_cipher(recipients, capabilities)
    if chosen is None:
        chosen = DEFAULT_CIPHER
    if not isinstance(chosen, str):
        raise UsageError("cipher must be a cipher name such as 'aes-256-gcm'")
    cipher_is_aead(chosen)  # an unknown name raises UnsupportedAlgorithm before any work
    return encrypt_bytes(data, full, cipher=chosen)


def encrypt(
    message: MessageInput,
    recipients: Sequence[Certificate | Recipient],
    *,
    cipher: str | None = None,
    encrypt_to_self: Identity | Certificate | None = None,
    capabilities: Capabilities | CapabilitiesCache | None = None,
    trust: TrustStore | None = None,
    validation: ValidationPolicy | None = None,
    certificates: Sequence[Certificate] = (),
) -> EmailMessage:
    """Encrypt ``message`` for ``recipients`` (RFC 8551 section 3.3).

    :param recipients: certificates (RSA: key transport; EC/X25519/X448: key agreement)
        or recipient specs of :mod:`smimelib.cms.recipients`.
    :param cipher: ``None`` gives AES-256-GCM in AuthEnvelopedData (RFC 8551 2.7,
        ``smime-type=authEnveloped-data``); an AES-CBC name gives EnvelopedData
        (``smime-type=enveloped-data``), which is not integrity-protected (EFAIL).
    :param encrypt_to_self: also encrypt to this certificate (the sender's own).
    :param capabilities: what recipients can read (RFC 8551 2.5.2, 2.7.1): a mapping of
        e-mail address to algorithm OIDs, or a :class:`CapabilitiesCache`. With
        ``cipher=None`` and every certificate recipient known, the strongest cipher all
        of them listed is used (AES-128-CBC if they share none); otherwise the default.
    :param trust: validate every recipient certificate (RFC 5280 section 6) for
        encryption against this store, now, and refuse one that fails.
    :param validation: how (revocation mode, policy inputs, algorithms);
        ``ValidationPolicy(allow_invalid_recipients=True)`` encrypts to recipients whose
        path does not validate.
    :param certificates: untrusted intermediates for building the recipients' paths.
    :returns: a new EmailMessage, ``application/pkcs7-mime; name=smime.p7m``, base64.
    :raises PolicyError: a recipient certificate whose keyUsage or extendedKeyUsage
        forbids encryption (RFC 8550 4.4.2, 4.4.4; refused with or without a store, no
        override), or one that fails validation against ``trust``.
    """
    data = message_bytes(message)
    check = _RecipientCheck(trust, validation, certificates)
    return parse_output(
        _encrypted_bytes(data, recipients, cipher, encrypt_to_self, capabilities, check)
    )


def sign_and_encrypt(
    message: MessageInput,
    identity: Identity,
    recipients: Sequence[Certificate | Recipient],
    *,
    cipher: str | None = None,
    encrypt_to_self: bool | Certificate | Identity = False,
    opaque: bool = False,
    digest: str | None = None,
    capabilities: Capabilities | CapabilitiesCache | None = None,
    trust: TrustStore | None = None,
    validation: ValidationPolicy | None = None,
    certificates: Sequence[Certificate] = (),
) -> EmailMessage:
    """Sign, then encrypt the signed message (RFC 8551 section 3.7).

    ``encrypt_to_self`` adds the sender as a recipient, so that the sender can read
    its own sent mail: ``True`` for the signing certificate (it must allow key
    transport or key agreement), or the sender's encryption certificate (or an
    Identity holding it) when signing and encryption keys are separate (RFC 8550
    section 4.4.2). Default: not added. ``trust``, ``validation`` and ``certificates``
    judge the recipient certificates as in :func:`encrypt`.
    """
    data = message_bytes(message)
    check = _RecipientCheck(trust, validation, certificates)
    signed = sign_bytes(
        data, identity, opaque=opaque, digest=digest, detached_binary=False, include_chain=True
    )
    self_cert = _self_certificate(identity, encrypt_to_self)
    return parse_output(
        _encrypted_bytes(signed, recipients, cipher, self_cert, capabilities, check)
    )


def _self_certificate(
    identity: Identity, encrypt_to_self: bool | Certificate | Identity
) -> Certificate | None:
    if isinstance(encrypt_to_self, Identity):
        return encrypt_to_self.certificate
    if isinstance(encrypt_to_self, Certificate):
        return encrypt_to_self
    return identity.certificate if encrypt_to_self else None


def triple_wrap(
    message: MessageInput,
    identity: Identity,
    recipients: Sequence[Certificate | Recipient],
    *,
    cipher: str | None = None,
    encrypt_to_self: bool | Certificate | Identity = False,
    outer_identity: Identity | None = None,
    digest: str | None = None,
    capabilities: Capabilities | CapabilitiesCache | None = None,
    trust: TrustStore | None = None,
    validation: ValidationPolicy | None = None,
    certificates: Sequence[Certificate] = (),
) -> EmailMessage:
    """Triple-wrap ``message`` (RFC 2634 section 1.1): sign, encrypt, sign again.

    The inner signature binds the author to the content, the outer one (by
    ``outer_identity``, default the same identity, e.g. a mail list agent) covers the
    encrypted body. Both are clear-signed ``multipart/signed``. ``trust``,
    ``validation`` and ``certificates`` judge the recipient certificates as in
    :func:`encrypt`.
    """
    data = message_bytes(message)
    check = _RecipientCheck(trust, validation, certificates)
    inner = sign_bytes(
        data, identity, opaque=False, digest=digest, detached_binary=False, include_chain=True
    )
    self_cert = _self_certificate(identity, encrypt_to_self)
    sealed = _encrypted_bytes(inner, recipients, cipher, self_cert, capabilities, check)
    outer = sign_bytes(
        sealed,
        outer_identity if outer_identity is not None else identity,
        opaque=False,
        digest=digest,
        detached_binary=False,
        include_chain=True,
    )
    return parse_output(outer)


def _validation_policy(
    validation: ValidationPolicy | None, policy: Policy | None
) -> ValidationPolicy:
    if validation is None:
        return ValidationPolicy(algorithms=policy if policy is not None else DEFAULT_POLICY)
    if not isinstance(validation, ValidationPolicy):
        raise UsageError("validation must be a ValidationPolicy")
    return validation


def _certificate_list(certificates: Sequence[Certificate]) -> list[Certificate]:
    if isinstance(certificates, Certificate) or not isinstance(certificates, Sequence):
        raise UsageError("certificates must be a sequence of Certificate objects")
    out = builtins.list(certificates)
    if not all(isinstance(c, Certificate) for c in out):
        raise UsageError("certificates must be a sequence of Certificate objects")
    return out


def open(
    data: bytes | EmailMessage | Message,
    *,
    keys: Sequence[RecipientKey | ContentKey] = (),
    trust: TrustStore | None = None,
    policy: Policy | None = None,
    require_integrity: bool = False,
    limits: MimeLimits = DEFAULT_MIME_LIMITS,
    certificates: Sequence[Certificate] = (),
    validation_time: datetime.datetime | None = None,
    validation: ValidationPolicy | None = None,
) -> OpenedMessage:
    """Peel every S/MIME layer of a message and report on all of them (RFC 8551 3).

    Layers are peeled while the *root* entity is S/MIME: multipart/signed (verified over
    the received bytes of its first part, RFC 8551 3.5.3), opaque signed-data, enveloped
    and authEnveloped data (decrypted with ``keys``), in any nesting; certs-only ends
    the walk. A signed or encrypted part beside other parts is never peeled: signatures
    on it are reported with the part they cover (``covers``) and the finding
    ``root-not-signed``; an encrypted part that is not the root is not decrypted.

    Every signer certificate is validated with ``trust.validate`` (RFC 5280 section 6)
    for :attr:`~smimelib.pki.path_results.KeyPurpose.SIGN` (RFC 8550 4.4): the
    certificates the message carries and ``certificates`` are untrusted path-building
    hints, the CRLs the SignedData carries are revocation hints (RFC 5652 10.2.1); none
    of them is added to the store. Each signature's report carries the
    :class:`~smimelib.pki.path_results.TrustResult` and whether the signer is bound to
    the single From address (RFC 8550 section 3).

    :param keys: the caller's decryption keys (Identity, KeyPair, KEK, Password).
    :param trust: anchors to judge signer certificates; without it ``trusted`` is None
        and :attr:`~smimelib.report.OpenedMessage.ok` is False (use ``.valid``).
    :param policy: accepted algorithms for the message (``LEGACY_POLICY`` reads SHA-1,
        3DES, RC2); default: ``validation.algorithms`` when ``validation`` is given, else
        ``DEFAULT_POLICY``.
    :param require_integrity: refuse (PolicyError) a layer without integrity protection
        (CBC EnvelopedData) unless the entity inside it is a signed S/MIME message whose
        signatures are all valid (RFC 8551 2.7, EFAIL).
    :param limits: MIME limits applied before any parser sees the input.
    :param certificates: untrusted certificates from elsewhere (a directory, an earlier
        message) used to find signers that did not include theirs and to build chains;
        never trusted themselves (RFC 8550 section 4.1).
    :param validation_time: judge trust at this moment instead of now (reported as
        :attr:`~smimelib.pki.path_results.TimeSource.CALLER`). Only ever an explicit
        choice of the caller (a signer-claimed signing time proves nothing).
    :param validation: how signer paths are validated: the RFC 5280 6.1.1 policy inputs,
        the revocation mode (soft-fail by default), certificate algorithms, and
        ``at_signing_time`` (validate at each signature's claimed signing time, reported
        as :attr:`~smimelib.pki.path_results.TimeSource.SIGNING_TIME`; an explicit
        ``validation_time`` wins). Default: ``ValidationPolicy(algorithms=policy)``.
    :raises DecodeError, LimitExceeded: malformed or oversized input.
    :raises DecryptionError: an encrypted layer could not be decrypted with ``keys``.
    :raises PolicyError: a refused algorithm, or ``require_integrity`` refused a layer.
    :raises UsageError: wrong argument types, or a naive ``validation_time``.
    """
    raw = message_bytes(data)
    if isinstance(keys, Identity) or not isinstance(keys, Sequence):
        raise UsageError("keys must be a sequence of recipient keys")
    if trust is not None and not isinstance(trust, TrustStore):
        raise UsageError("trust must be a TrustStore")
    if policy is not None and not isinstance(policy, Policy):
        raise UsageError("policy must be an algorithms Policy")
    judged = _validation_policy(validation, policy)
    algorithms = policy if policy is not None else judged.algorithms
    return open_message(
        raw,
        keys=builtins.list(keys),
        trust=trust,
        policy=algorithms,
        require_integrity=require_integrity,
        limits=limits,
        validation=judged,
        certificates=_certificate_list(certificates),
        validation_time=_aware(validation_time),
    )


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime.datetime):
        raise UsageError("validation_time must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError("validation_time must be an aware datetime (e.g. tzinfo=datetime.UTC)")
    return moment
