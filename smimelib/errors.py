"""The one exception hierarchy of smimelib.

Every exception that leaves the public API is a :class:`SmimeError`. Input
faults (the data could not be processed: :class:`DecodeError`,
:class:`LimitExceeded`, :class:`UnsupportedAlgorithm`, ...) are kept apart from
caller misuse (:class:`UsageError`, which is also a :class:`ValueError`).

A bad signature is *not* an exception: verification returns a report whose
status says why (see ``smimelib.cms``). Exceptions mean the input could not be
processed at all.

Errors carry typed context where it is known: the byte ``offset`` into the
input, the ``mime_part`` path, the ``oid`` involved and its name. ``str(err)``
always names what is wrong and where.
"""

from __future__ import annotations

__all__ = [
    "CertificateError",
    "DecodeError",
    "DecryptionError",
    "FetchError",
    "LimitExceeded",
    "PasswordError",
    "PathValidationError",
    "PolicyError",
    "SignatureError",
    "SmimeError",
    "UnsupportedAlgorithm",
    "UsageError",
]


class SmimeError(Exception):
    """Root of every exception smimelib raises.

    :param message: what is wrong, in one line.
    :param offset: byte offset into the input where the problem was found.
    :param mime_part: MIME part path (``"/"``, ``"/1/0"``) where it was found.
    :param oid: dotted OID involved, if any.
    :param oid_name: the OID's registered name, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int | None = None,
        mime_part: str | None = None,
        oid: str | None = None,
        oid_name: str | None = None,
    ) -> None:
        self.message = message
        self.offset = offset
        self.mime_part = mime_part
        self.oid = oid
        self.oid_name = oid_name
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.message
        where: list[str] = []
        if self.oid is not None and self.oid not in text:
            where.append(f"{self.oid_name} ({self.oid})" if self.oid_name else self.oid)
        if self.offset is not None:
            where.append(f"at byte offset {self.offset}")
        if self.mime_part is not None:
            where.append(f"in MIME part {self.mime_part}")
        if where:
            text = f"{text} [{', '.join(where)}]"
        return text


class DecodeError(SmimeError):
    """Malformed input: ASN.1 (BER/DER), PEM, MIME or base64 that cannot be decoded."""


class LimitExceeded(DecodeError):
    """A configured resource limit (nesting depth, length, element count...) was hit.

    A subclass of :class:`DecodeError`: input that exceeds a limit is refused the
    same way as malformed input, and callers may catch either.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str | None = None,
        offset: int | None = None,
        mime_part: str | None = None,
    ) -> None:
        self.limit = limit
        super().__init__(message, offset=offset, mime_part=mime_part)


class UnsupportedAlgorithm(SmimeError):
    """An algorithm identifier (or parameter set) smimelib does not implement."""


class PolicyError(SmimeError):
    """An algorithm or key is known but refused by the active policy (e.g. SHA-1, RSA < 2048)."""


class DecryptionError(SmimeError):
    """Decryption failed.

    Deliberately uninformative: every key-transport, key-unwrap, padding and
    authentication-tag failure gives the same text, so that the error is no
    oracle (RFC 3218).
    """


class PasswordError(SmimeError):
    """A password is wrong (a PKCS#12 MAC or a password-encrypted key did not check)."""


class SignatureError(SmimeError):
    """A signature could not be checked or is invalid, where an exception is the contract.

    CMS verification reports bad signatures as a status; this is raised by
    lower-level calls such as :meth:`Certificate.verify_signature` and by
    ``raise_for_status()`` on reports.
    """


class CertificateError(SmimeError):
    """A certificate is malformed for its purpose, or does not match a key."""


class PathValidationError(CertificateError):
    """A certification path could not be built or did not validate (RFC 5280 section 6)."""


class FetchError(SmimeError):
    """Revocation data could not be fetched: a network error, an HTTP error status, a
    response over the size limit, a redirect to a refused scheme, or a timeout.

    Raised only by fetchers the caller chose (nothing is fetched by default); the
    revocation checker records it as the problem of that source.

    :ivar url: the URL concerned, when there is one.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


class UsageError(SmimeError, ValueError):
    """The caller used the API wrongly (bad argument, conflicting options).

    Also a :class:`ValueError`, so callers may catch either.
    """
