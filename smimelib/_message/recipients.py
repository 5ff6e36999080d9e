"""Checking recipient certificates before encrypting (RFC 8550 sections 4.4.2 and 4.4.4).

A certificate whose keyUsage forbids key transport and key agreement, or whose
extendedKeyUsage excludes e-mail protection, is never encrypted to: that is the
certificate issuer's statement about the key, whatever the caller's trust settings.
With a trust store, every recipient certificate must also validate (RFC 5280 section 6)
for :attr:`~smimelib.pki.path_results.KeyPurpose.ENCRYPT`; without one it must at least
be within its validity period. The caller's policy can say ``allow_invalid_recipients``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from smimelib._message.signers import purpose_problem
from smimelib.cms import KeyAgreeRecipient, KeyTransRecipient, Recipient
from smimelib.crypto import KeyType
from smimelib.errors import PolicyError, SmimeError
from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import KeyPurpose, ValidationPolicy
from smimelib.pki.trust import TrustStore

__all__ = ["check_recipients"]


def _certificate(recipient: Certificate | Recipient) -> Certificate | None:
    if isinstance(recipient, Certificate):
        return recipient
    if isinstance(recipient, KeyTransRecipient | KeyAgreeRecipient):
        return recipient.certificate
    return None  # password and KEK recipients have no certificate


def _sign_only(cert: Certificate) -> bool:
    # EdDSA and DSA keys cannot encrypt at all: the CMS layer refuses them as caller
    # misuse (UsageError), which says more than a keyUsage complaint would
    try:
        return cert.public_key.type in _SIGN_ONLY_KEYS
    except SmimeError:
        return False  # an unknown key algorithm: the keyUsage rules still apply


_SIGN_ONLY_KEYS = frozenset({KeyType.ED25519, KeyType.ED448, KeyType.DSA})


def _name(cert: Certificate) -> str:
    subject = cert.subject.rfc4514() or "(empty subject)"
    return f"recipient certificate {subject!r} (serial {cert.serial_hex})"


def check_recipients(
    recipients: Sequence[Certificate | Recipient],
    *,
    trust: TrustStore | None,
    policy: ValidationPolicy,
    certificates: Sequence[Certificate] = (),
    at: datetime.datetime | None = None,
) -> None:
    """Refuse (PolicyError naming the certificate and the reason) a recipient certificate
    that may not be encrypted to (RFC 8550 4.4.2, 4.4.4) or, with ``trust``, whose path
    does not validate for encryption (RFC 5280 section 6) unless
    ``policy.allow_invalid_recipients``."""
    for recipient in recipients:
        cert = _certificate(recipient)
        if cert is None or _sign_only(cert):
            continue
        problem = purpose_problem(cert, KeyPurpose.ENCRYPT, policy)
        if problem is not None:
            status, reason = problem
            raise PolicyError(f"refused recipient {reason} ({status.value})")
        if policy.allow_invalid_recipients:
            continue
        if trust is None:
            # no anchors to build a path to, but an expired certificate's key may be
            # long retired or compromised unnoticed (RFC 5280 4.1.2.5): never encrypt to
            # it silently
            moment = at if at is not None else datetime.datetime.now(datetime.UTC)
            if not cert.valid_at(moment):
                raise PolicyError(
                    f"{_name(cert)} is not valid at {moment.isoformat(timespec='seconds')}"
                    f" (valid {cert.not_before.isoformat()} to {cert.not_after.isoformat()});"
                    " ValidationPolicy(allow_invalid_recipients=True) encrypts to it anyway"
                )
            continue
        result = trust.validate(cert, certificates, at, policy=policy, purpose=KeyPurpose.ENCRYPT)
        if not result.trusted:
            why = result.reason or result.status.description
            raise PolicyError(
                f"{_name(cert)} does not validate ({result.status.value}): {why}; "
                "ValidationPolicy(allow_invalid_recipients=True) encrypts to it anyway"
            )
