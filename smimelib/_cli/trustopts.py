"""The trust options of ``smime verify``, ``open`` and ``encrypt`` (RFC 5280 6, RFC 8550).

``--trust F`` (repeatable: a PEM bundle, a DER certificate or a directory of them),
``--system-trust`` (the operating system's anchors, opt-in), ``--no-trust-check``,
``--certs F`` (untrusted certificates for path building), ``--crl F`` (PEM or DER CRLs),
``--ocsp F`` (DER OCSP responses), ``--revocation off|soft|hard``,
``--max-revocation-age DAYS`` / ``--require-next-update`` (how fresh CRLs and OCSP
responses must be: RFC 5280 6.3.3 (a)(2), RFC 6960 4.2.2.1), and for verifying
``--at TIME`` / ``--at-signing-time`` and ``--fetch-revocation`` (opt-in: fetch CRLs and
OCSP responses over HTTP from the locations certificates name, RFC 5280 4.2.1.13 /
4.2.2.1, RFC 6960; nothing is fetched without it). Files given here become part of the
store for this run only; certificates and CRLs carried by a message never do.
"""

from __future__ import annotations

import argparse
import datetime
import os
from dataclasses import dataclass

from smimelib._cli.io import read_certs, read_file
from smimelib.errors import UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import CertificateList, load_crls
from smimelib.pki.fetch import HttpRevocationFetcher
from smimelib.pki.path_results import RevocationMode, ValidationPolicy
from smimelib.pki.trust import TrustStore

__all__ = ["TrustOptions", "add_store_options", "add_trust_options", "trust_options"]

_MODES = {
    "off": RevocationMode.OFF,
    "soft": RevocationMode.SOFT_FAIL,
    "hard": RevocationMode.HARD_FAIL,
}


@dataclass(frozen=True, slots=True)
class TrustOptions:
    """What the trust options asked for.

    :ivar store: the trust store (``None``: ``--no-trust-check``, or no ``--trust`` for
        ``encrypt``).
    :ivar policy: the validation policy (revocation mode, at-signing-time).
    :ivar certificates: the ``--certs`` certificates (untrusted).
    :ivar at: the ``--at`` validation time, ``None`` for now.
    """

    store: TrustStore | None
    policy: ValidationPolicy
    certificates: tuple[Certificate, ...]
    at: datetime.datetime | None


def add_store_options(p: argparse.ArgumentParser) -> None:
    """The options that build a trust store and a validation policy."""
    p.add_argument(
        "--trust",
        action="append",
        metavar="CA",
        help="trust anchors: PEM bundle, DER certificate or directory (repeatable)",
    )
    p.add_argument(
        "--system-trust", action="store_true", help="also trust the system's CA certificates"
    )
    p.add_argument("--certs", action="append", metavar="FILE", help="extra untrusted certificates")
    p.add_argument("--crl", action="append", metavar="FILE", help="CRLs, PEM or DER (repeatable)")
    p.add_argument("--ocsp", action="append", metavar="FILE", help="DER OCSP response (repeatable)")
    p.add_argument(
        "--revocation",
        choices=tuple(_MODES),
        default="soft",
        help="revocation checking: off, soft (unknown status is reported; default) or hard "
        "(unknown status fails)",
    )
    p.add_argument(
        "--max-revocation-age",
        metavar="DAYS",
        help="do not use CRLs or OCSP responses whose thisUpdate is older than DAYS (may be "
        "fractional) at the validation time, whatever their nextUpdate says",
    )
    p.add_argument(
        "--require-next-update",
        action="store_true",
        help="do not use CRLs or OCSP responses without nextUpdate",
    )


def add_trust_options(p: argparse.ArgumentParser) -> None:
    """:func:`add_store_options` plus what verifying signatures needs."""
    add_store_options(p)
    p.add_argument("--no-trust-check", action="store_true", help="judge signatures alone")
    p.add_argument(
        "--at",
        metavar="TIME",
        help="validate certificates at this ISO 8601 time (UTC unless an offset is given)",
    )
    p.add_argument(
        "--at-signing-time",
        action="store_true",
        help="validate certificates at each signature's claimed signing time",
    )
    p.add_argument(
        "--fetch-revocation",
        action="store_true",
        help="fetch CRLs and OCSP responses over HTTP from the URLs in the certificates "
        "when the given ones do not decide (off by default: no network access)",
    )


def _parse_time(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--at {text!r} is not an ISO 8601 time (2026-11-29T12:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _parse_days(text: str) -> datetime.timedelta:
    try:
        days = float(text.strip())
    except ValueError:
        days = float("nan")
    if not (0 <= days <= 36500):  # also refuses NaN and infinities
        raise UsageError(
            f"--max-revocation-age {text!r} is not a number of days between 0 and 36500"
        )
    return datetime.timedelta(days=days)


def _anchors(paths: list[str], system: bool) -> tuple[list[Certificate], list[CertificateList]]:
    """Anchors from files and directories (with the CRLs a directory holds, c_rehash
    ``.r0`` files included), plus the system's when asked."""
    anchors: list[Certificate] = []
    crls: list[CertificateList] = []
    for path in paths:
        if os.path.isdir(path):
            found = TrustStore.from_directory(path)
            if not found.anchors:
                raise UsageError(f"trust anchor directory {path!r} holds no certificate")
            anchors.extend(found.anchors)
            crls.extend(found.crls)
        else:
            anchors.extend(read_certs(path, "trust anchor file"))
    if system:
        anchors.extend(TrustStore.system().anchors)
    return anchors, crls


def _crls(paths: list[str]) -> list[CertificateList]:
    out: list[CertificateList] = []
    for path in paths:
        found = load_crls(read_file(path, "CRL file"))
        if not found:
            raise UsageError(f"CRL file {path!r} holds no CRL")
        out.extend(found)
    return out


def trust_options(args: argparse.Namespace, *, required: bool = True) -> TrustOptions:
    """The store, policy, certificates and time the options ask for.

    With ``required`` (verify, open) one of ``--trust``, ``--system-trust`` or
    ``--no-trust-check`` must be given; without it (encrypt) no store means no
    validation of recipients.
    """
    no_check: bool = getattr(args, "no_trust_check", False)
    paths: list[str] = args.trust or []
    if no_check and (paths or args.system_trust):
        raise UsageError("--trust/--system-trust and --no-trust-check exclude each other")
    at_text: str | None = getattr(args, "at", None)
    at_signing: bool = getattr(args, "at_signing_time", False)
    if at_text is not None and at_signing:
        raise UsageError("--at and --at-signing-time exclude each other")
    if required and not (no_check or paths or args.system_trust):
        raise UsageError("give --trust CA (repeatable), --system-trust, or --no-trust-check")
    fetch: bool = getattr(args, "fetch_revocation", False)
    if fetch and (no_check or args.revocation == "off"):
        raise UsageError("--fetch-revocation needs a trust check with --revocation soft or hard")
    certificates: list[Certificate] = []
    for path in args.certs or ():
        certificates.extend(read_certs(path, "certificate file"))
    age_text: str | None = getattr(args, "max_revocation_age", None)
    policy = ValidationPolicy(
        revocation=_MODES[args.revocation],
        at_signing_time=at_signing,
        max_revocation_age=_parse_days(age_text) if age_text is not None else None,
        require_next_update=bool(getattr(args, "require_next_update", False)),
    )
    at = _parse_time(at_text) if at_text is not None else None
    store = None
    if paths or args.system_trust:
        anchors, directory_crls = _anchors(paths, args.system_trust)
        crls = [*directory_crls, *_crls(args.crl or [])]
        responses = [read_file(path, "OCSP response file") for path in args.ocsp or ()]
        fetcher = HttpRevocationFetcher() if fetch else None
        store = TrustStore(anchors, crls=crls, ocsp_responses=responses, fetcher=fetcher)
    elif args.crl or args.ocsp:
        for path in args.crl or ():
            read_file(path, "CRL file")  # an unreadable file is still a usage error
        if not no_check:
            raise UsageError("--crl and --ocsp need --trust or --system-trust")
    return TrustOptions(store, policy, tuple(certificates), at)
