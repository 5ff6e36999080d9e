"""Trust stores: anchors, untrusted certificates and revocation data, and validation.

A :class:`TrustStore` holds what the relying party trusts and knows (RFC 5280 section
6.1.1 (d), RFC 8550 section 4):

* **trust anchors**, from PEM bundles, DER files, directories (``c_rehash`` layouts
  included) or, only when asked for, the operating system's store
  (:meth:`TrustStore.system`);
* a pool of **untrusted intermediates** the caller knows about;
* **CRLs** (RFC 5280 section 5) and **OCSP responses** (RFC 6960) the caller holds, and
  an optional :class:`~smimelib.pki.path_results.RevocationFetcher` through which the
  application fetches more itself (nothing is fetched over the network otherwise).

:meth:`TrustStore.validate` builds candidate paths from a certificate to an anchor
(:mod:`smimelib.pki.pathbuild`), validates each with RFC 5280 section 6.1
(:func:`smimelib.pki.validation.validate_path`) and checks revocation with a
:class:`~smimelib.pki.revocation.StandardRevocationChecker` (RFC 5280 section 6.3,
RFC 6960). Certificates and CRLs carried in a message are hints for one validation
only: they are never trusted and never added to the store (RFC 8550 section 4.1).

A store is immutable: ``with_anchors`` and its siblings return a new store.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from smimelib.crypto.algorithms import Policy
from smimelib.errors import DecodeError, LimitExceeded, UsageError
from smimelib.pki._trust_context import ValidationRun
from smimelib.pki.certificate import Certificate
from smimelib.pki.path_results import (
    KeyPurpose,
    RevocationFetcher,
    TimeSource,
    TrustResult,
    ValidationPolicy,
)

if TYPE_CHECKING:
    from smimelib.pki.crl import CertificateList
    from smimelib.pki.ocsp import OCSPResponse

__all__ = ["SYSTEM_TRUST_PATHS", "TrustResult", "TrustStore"]

#: where operating systems keep their CA bundle (first match wins) or directory
SYSTEM_TRUST_PATHS: tuple[str, ...] = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL 7+
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/ssl/cert.pem",  # macOS, Alpine, OpenBSD
    "/usr/local/etc/ssl/cert.pem",  # FreeBSD
    "/etc/ssl/certs",  # a c_rehash directory
)

#: most files read from one directory (a trust directory is not a dumping ground)
MAX_DIRECTORY_FILES = 10_000
#: largest trust store file read (system bundles are well under 1 MiB)
MAX_TRUST_FILE_SIZE = 64 * 1024 * 1024

_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")
_CRL_SUFFIXES = (".crl",)
# c_rehash / openssl rehash names: <8 hex digits>.<n> for certificates, .r<n> for CRLs
_REHASH_CERT = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
_REHASH_CRL = re.compile(r"^[0-9a-f]{8}\.r[0-9]+$")
_CERT_LABELS = ("CERTIFICATE", "X509 CERTIFICATE")
_CRL_LABELS = ("X509 CRL",)
_DEFAULT_POLICY = ValidationPolicy()


class TrustStore:
    """Trust anchors, untrusted intermediates, CRLs and OCSP responses (RFC 5280 6.1.1).

    :param anchors: the trust anchors, as certificates (duplicates dropped).
    :param intermediates: untrusted certificates offered to path building.
    :param crls: CRLs (parsed, or DER / PEM bytes) used for revocation checking.
    :param ocsp_responses: OCSP responses (parsed or DER) used for revocation checking.
    :param fetcher: an application hook to fetch CRLs / OCSP responses; ``None``
        (the default) means no fetching at all.
    :raises UsageError: an argument of the wrong type.
    :raises DecodeError: a CRL or OCSP response given as bytes is malformed.
    """

    __slots__ = ("_anchors", "_crls", "_fetcher", "_intermediates", "_ocsp")

    def __init__(
        self,
        anchors: Iterable[Certificate] = (),
        *,
        intermediates: Iterable[Certificate] = (),
        crls: Iterable[CertificateList | bytes] = (),
        ocsp_responses: Iterable[OCSPResponse | bytes] = (),
        fetcher: RevocationFetcher | None = None,
    ) -> None:
        self._anchors = _certificates(anchors, "anchors")
        anchor_ders = {c.der for c in self._anchors}
        self._intermediates = tuple(
            c for c in _certificates(intermediates, "intermediates") if c.der not in anchor_ders
        )
        self._crls: tuple[CertificateList, ...] = _parse_crls(crls)
        self._ocsp: tuple[OCSPResponse, ...] = _parse_ocsp(ocsp_responses)
        self._fetcher = fetcher

    # -- loading ------------------------------------------------------------------------
    @classmethod
    def from_pem(cls, data: bytes | str) -> TrustStore:
        """A store whose anchors are every certificate of a PEM bundle (RFC 7468), or the
        one certificate of DER ``data``.

        :raises DecodeError: no certificate, or a malformed one.
        """
        return cls(Certificate.load_certificates(data))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TrustStore:
        """A store of the anchors in a PEM bundle or DER certificate file.

        :raises UsageError: the file cannot be read.
        :raises DecodeError: the file holds no certificate, or a malformed one.
        :raises LimitExceeded: the file is larger than :data:`MAX_TRUST_FILE_SIZE`.
        """
        return cls(_load_anchor_file(path))

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> TrustStore:
        """A store of every certificate file in a directory (not recursive).

        Reads ``*.pem``, ``*.crt``, ``*.cer``, ``*.der`` and the ``<hash>.<n>`` names of
        ``c_rehash`` / ``openssl rehash`` directories as certificates (PEM files without
        a certificate, e.g. keys, are skipped), and ``*.crl`` and ``<hash>.r<n>`` as
        CRLs. Symbolic links to the same certificate count once.

        :raises UsageError: the directory cannot be read.
        :raises DecodeError: a certificate or CRL file is malformed (the file is named).
        :raises LimitExceeded: more than :data:`MAX_DIRECTORY_FILES` files to read, or a
            file larger than :data:`MAX_TRUST_FILE_SIZE`.
        """
        certs, crls = _load_directory(os.fspath(path))
        return cls(certs, crls=crls)

    @classmethod
    def system(cls, paths: Sequence[str | os.PathLike[str]] | None = None) -> TrustStore:
        """The operating system's trust anchors, only when a caller asks for them.

        With ``paths`` (files or directories), all of them are loaded; without, the
        first of :data:`SYSTEM_TRUST_PATHS` that exists.

        :raises UsageError: nothing found, or a path cannot be read.
        """
        if paths is None:
            for candidate in SYSTEM_TRUST_PATHS:
                if os.path.exists(candidate):
                    return cls._from_paths([candidate])
            raise UsageError("no system trust store found; tried " + ", ".join(SYSTEM_TRUST_PATHS))
        if isinstance(paths, (str, os.PathLike)):
            raise UsageError("system() takes a sequence of paths, not a single path")
        if not paths:
            raise UsageError("system() needs at least one path (or None for the defaults)")
        return cls._from_paths(paths)

    @classmethod
    def _from_paths(cls, paths: Sequence[str | os.PathLike[str]]) -> TrustStore:
        anchors: list[Certificate] = []
        crls: list[CertificateList] = []
        for entry in paths:
            name = os.fspath(entry)
            if os.path.isdir(name):
                found, found_crls = _load_directory(name)
                anchors.extend(found)
                crls.extend(found_crls)
            elif os.path.exists(name):
                anchors.extend(_load_anchor_file(name))
            else:
                raise UsageError(f"trust store path {name!r} does not exist")
        return cls(anchors, crls=crls)

    # -- contents -----------------------------------------------------------------------
    @property
    def anchors(self) -> tuple[Certificate, ...]:
        """The trust anchors, in the order given, without duplicates."""
        return self._anchors

    @property
    def intermediates(self) -> tuple[Certificate, ...]:
        """The store's untrusted certificates (never anchors)."""
        return self._intermediates

    @property
    def crls(self) -> tuple[CertificateList, ...]:
        """The store's CRLs."""
        return self._crls

    @property
    def ocsp_responses(self) -> tuple[OCSPResponse, ...]:
        """The store's OCSP responses."""
        return self._ocsp

    @property
    def fetcher(self) -> RevocationFetcher | None:
        """The application's fetch hook, if any."""
        return self._fetcher

    def _replace(
        self,
        *,
        anchors: Iterable[Certificate] | None = None,
        intermediates: Iterable[Certificate] | None = None,
        crls: Iterable[CertificateList | bytes] | None = None,
        ocsp_responses: Iterable[OCSPResponse | bytes] | None = None,
    ) -> TrustStore:
        return TrustStore(
            self._anchors if anchors is None else anchors,
            intermediates=self._intermediates if intermediates is None else intermediates,
            crls=self._crls if crls is None else crls,
            ocsp_responses=self._ocsp if ocsp_responses is None else ocsp_responses,
            fetcher=self._fetcher,
        )

    def with_anchors(self, anchors: Iterable[Certificate]) -> TrustStore:
        """A new store with ``anchors`` added."""
        return self._replace(anchors=(*self._anchors, *anchors))

    def with_intermediates(self, intermediates: Iterable[Certificate]) -> TrustStore:
        """A new store with untrusted ``intermediates`` added."""
        return self._replace(intermediates=(*self._intermediates, *intermediates))

    def with_crls(self, crls: Iterable[CertificateList | bytes]) -> TrustStore:
        """A new store with ``crls`` (parsed, DER or PEM) added."""
        return self._replace(crls=(*self._crls, *crls))

    def with_ocsp_responses(self, responses: Iterable[OCSPResponse | bytes]) -> TrustStore:
        """A new store with OCSP ``responses`` (parsed or DER) added."""
        return self._replace(ocsp_responses=(*self._ocsp, *responses))

    def with_fetcher(self, fetcher: RevocationFetcher | None) -> TrustStore:
        """A new store that fetches revocation data through ``fetcher`` (or not, if None)."""
        return TrustStore(
            self._anchors,
            intermediates=self._intermediates,
            crls=self._crls,
            ocsp_responses=self._ocsp,
            fetcher=fetcher,
        )

    def __repr__(self) -> str:
        parts = [f"{len(self._anchors)} anchors"]
        if self._intermediates:
            parts.append(f"{len(self._intermediates)} intermediates")
        if self._crls:
            parts.append(f"{len(self._crls)} CRLs")
        if self._ocsp:
            parts.append(f"{len(self._ocsp)} OCSP responses")
        if self._fetcher is not None:
            parts.append("fetcher")
        return f"TrustStore({', '.join(parts)})"

    # -- validation ---------------------------------------------------------------------
    def validate(
        self,
        cert: Certificate,
        intermediates: Sequence[Certificate] = (),
        at: datetime.datetime | None = None,
        *,
        policy: ValidationPolicy | Policy = _DEFAULT_POLICY,
        purpose: KeyPurpose = KeyPurpose.ANY,
        crls: Sequence[CertificateList | bytes] = (),
        ocsp_responses: Sequence[OCSPResponse | bytes] = (),
        time_source: TimeSource | None = None,
    ) -> TrustResult:
        """Validate ``cert`` to one of the anchors at ``at`` (RFC 5280 section 6).

        Candidate paths are built from ``cert`` through the store's and the given
        ``intermediates`` to an anchor (:mod:`smimelib.pki.pathbuild`) and validated
        one by one with RFC 5280 section 6.1 (:func:`~smimelib.pki.validation.validate_path`,
        with the ``purpose`` rules of RFC 8550 section 4.4); the first valid path wins,
        otherwise the first complete path's failure is returned, or why no path exists.

        Unless ``policy.revocation`` is OFF, revocation is checked (RFC 5280 6.3,
        RFC 6960) from the store's CRLs and OCSP responses and the given ``crls`` and
        ``ocsp_responses`` (origin ``"message"``), and through the store's fetcher; CRL
        and OCSP signers other than the issuer are validated to the same anchor.

        ``intermediates``, ``crls`` and ``ocsp_responses`` are hints for this call only,
        never added to the store. ``at`` ``None`` means now (:attr:`TimeSource.NOW`); a
        given ``at`` is reported as :attr:`TimeSource.CALLER` unless ``time_source``
        says otherwise (e.g. :attr:`TimeSource.SIGNING_TIME`). A plain algorithm
        :class:`~smimelib.crypto.algorithms.Policy` is accepted as ``policy`` (M4 callers)
        and means ``ValidationPolicy(algorithms=policy)``.

        Failures are not exceptions: the returned
        :class:`~smimelib.pki.path_results.TrustResult` says why.

        :raises UsageError: ``cert`` is not a Certificate, ``at`` is naive, a bad argument.
        :raises DecodeError: a CRL or OCSP response given as bytes is malformed.
        """
        if not isinstance(cert, Certificate):
            raise UsageError("validate() needs a Certificate")
        vpolicy = _validation_policy(policy)
        moment, source = _moment(at, time_source)
        if not isinstance(purpose, KeyPurpose):
            raise UsageError("purpose must be a KeyPurpose")
        hint_certs = _certificates(intermediates, "intermediates")
        run = ValidationRun(
            anchors=self._anchors,
            pool=(*self._intermediates, *hint_certs),
            crls=(
                *((c, "store") for c in self._crls),
                *((c, "message") for c in _parse_crls(crls)),
            ),
            ocsp_responses=(
                *((r, "store") for r in self._ocsp),
                *((r, "message") for r in _parse_ocsp(ocsp_responses)),
            ),
            fetcher=self._fetcher,
            policy=vpolicy,
        )
        return run.validate(cert, at=moment, purpose=purpose, time_source=source)


# -- helpers ------------------------------------------------------------------------------


def _validation_policy(policy: ValidationPolicy | Policy) -> ValidationPolicy:
    if isinstance(policy, ValidationPolicy):
        return policy
    if isinstance(policy, Policy):
        return ValidationPolicy(algorithms=policy)
    raise UsageError("policy must be a ValidationPolicy (or an algorithm Policy)")


def _moment(
    at: datetime.datetime | None, time_source: TimeSource | None
) -> tuple[datetime.datetime, TimeSource]:
    if time_source is not None and not isinstance(time_source, TimeSource):
        raise UsageError("time_source must be a TimeSource")
    if at is None:
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        return now, time_source or TimeSource.NOW
    if not isinstance(at, datetime.datetime) or at.tzinfo is None:
        raise UsageError("validate() needs an aware datetime for 'at'")
    # certificate and CRL times have whole seconds (RFC 5280 4.1.2.5): a fraction of a
    # second is dropped, never rounded up past a notBefore
    moment = at.astimezone(datetime.UTC).replace(microsecond=0)
    return moment, time_source or TimeSource.CALLER


def _certificates(certs: Iterable[Certificate], what: str) -> tuple[Certificate, ...]:
    if isinstance(certs, (bytes, str, Certificate)):
        raise UsageError(f"{what} must be an iterable of Certificate objects")
    found: dict[bytes, Certificate] = {}
    for cert in certs:
        if not isinstance(cert, Certificate):
            raise UsageError(f"{what} must be Certificate objects, got {type(cert).__name__}")
        found.setdefault(cert.der, cert)
    return tuple(found.values())


def _parse_crls(crls: Iterable[CertificateList | bytes]) -> tuple[CertificateList, ...]:
    if isinstance(crls, (bytes, str)):
        raise UsageError("crls must be an iterable of CRLs (CertificateList, DER or PEM bytes)")
    items = tuple(crls)
    if not items:
        return ()
    from smimelib.pki.crl import CertificateList, load_crls

    out: list[CertificateList] = []
    seen: set[bytes] = set()
    for item in items:
        if isinstance(item, CertificateList):
            parsed = [item]
        elif isinstance(item, (bytes, bytearray, memoryview)):
            parsed = load_crls(bytes(item))
        else:
            raise UsageError(f"a CRL must be a CertificateList or bytes, got {type(item).__name__}")
        for crl in parsed:
            if crl.der not in seen:
                seen.add(crl.der)
                out.append(crl)
    return tuple(out)


def _parse_ocsp(responses: Iterable[OCSPResponse | bytes]) -> tuple[OCSPResponse, ...]:
    if isinstance(responses, (bytes, str)):
        raise UsageError("ocsp_responses must be an iterable of OCSP responses")
    items = tuple(responses)
    if not items:
        return ()
    from smimelib.pki.ocsp import OCSPResponse

    out: list[OCSPResponse] = []
    for item in items:
        if isinstance(item, OCSPResponse):
            out.append(item)
        elif isinstance(item, (bytes, bytearray, memoryview)):
            out.append(OCSPResponse.from_der(bytes(item)))
        else:
            raise UsageError(
                f"an OCSP response must be an OCSPResponse or bytes, got {type(item).__name__}"
            )
    return tuple(out)


def _read(path: str) -> bytes:
    # Read at most one octet more than the limit: a path to /dev/zero, a FIFO or a
    # runaway file must not exhaust memory (the input size limit of THREATS 4.4).
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TRUST_FILE_SIZE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path!r}: {exc.strerror}") from None
    if len(data) > MAX_TRUST_FILE_SIZE:
        raise LimitExceeded(
            f"{path!r} is larger than {MAX_TRUST_FILE_SIZE} octets; not a trust store file",
            limit="max_trust_file_size",
        )
    return data


def _load_anchor_file(path: str | os.PathLike[str]) -> list[Certificate]:
    name = os.fspath(path)
    data = _read(name)
    try:
        return Certificate.load_certificates(data)
    except DecodeError as exc:
        raise DecodeError(f"{name}: {exc.message}", offset=exc.offset) from None


def _load_directory(path: str) -> tuple[list[Certificate], list[CertificateList]]:
    from smimelib.pki.crl import load_crls
    from smimelib.pki.pem import is_pem, pem_blocks

    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        raise UsageError(f"cannot read the directory {path!r}: {exc.strerror}") from None
    cert_files = [n for n in names if n.lower().endswith(_CERT_SUFFIXES) or _REHASH_CERT.match(n)]
    crl_files = [n for n in names if n.lower().endswith(_CRL_SUFFIXES) or _REHASH_CRL.match(n)]
    if len(cert_files) + len(crl_files) > MAX_DIRECTORY_FILES:
        raise LimitExceeded(
            f"{path!r} holds more than {MAX_DIRECTORY_FILES} certificate and CRL files",
            limit="max_directory_files",
        )
    certs: list[Certificate] = []
    crls: list[CertificateList] = []
    seen_files: set[str] = set()
    for name in cert_files:
        full = os.path.join(path, name)
        real = os.path.realpath(full)
        if real in seen_files or not os.path.isfile(full):
            continue
        seen_files.add(real)
        data = _read(full)
        try:
            if is_pem(data):
                blocks = pem_blocks(data)
                certs.extend(Certificate.from_der(b.der) for b in blocks if b.label in _CERT_LABELS)
                crls.extend(c for b in blocks if b.label in _CRL_LABELS for c in load_crls(b.der))
            else:
                certs.append(Certificate.from_der(data))
        except DecodeError as exc:
            raise DecodeError(f"{full}: {exc.message}", offset=exc.offset) from None
    for name in crl_files:
        full = os.path.join(path, name)
        real = os.path.realpath(full)
        if real in seen_files or not os.path.isfile(full):
            continue
        seen_files.add(real)
        data = _read(full)
        try:
            crls.extend(load_crls(data))
        except DecodeError as exc:
            raise DecodeError(f"{full}: {exc.message}", offset=exc.offset) from None
    return certs, crls
