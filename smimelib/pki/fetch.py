"""Fetching CRLs and OCSP responses over HTTP: an opt-in :class:`RevocationFetcher`.

smimelib never touches the network by itself. An application that wants revocation data
fetched from the locations certificates name gives a :class:`HttpRevocationFetcher` to
its :class:`~smimelib.pki.trust.TrustStore` (``TrustStore(anchors, fetcher=...)``) or
passes ``--fetch-revocation`` to ``smime verify`` / ``smime open``.

* CRLs come from the ``http`` URIs of the certificate's cRLDistributionPoints (RFC 5280
  section 4.2.1.13: "the URI MUST point to a single DER encoded CRL"; PEM is accepted
  too) and of its freshestCRL extension (delta CRLs, section 4.2.1.15);
* OCSP requests are POSTed, as DER with ``Content-Type: application/ocsp-request``
  (RFC 6960 appendix A.1), to the ``http`` URIs of the certificate's
  authorityInfoAccess id-ad-ocsp access descriptions (RFC 5280 section 4.2.2.1).

Every response is read with a hard size cap and a per-URL deadline; redirects never lead
to another scheme; only a few URIs are tried per call; failures become
:class:`FetchError` (which the revocation checker records as a problem of the source,
never propagating it). Only the Python standard library (:mod:`urllib.request`) is used.
"""

from __future__ import annotations

import datetime
import http.client
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import IO, Any

from smimelib.errors import FetchError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.crl import OID_FRESHEST_CRL, load_crls
from smimelib.pki.extensions import DistributionPoint
from smimelib.pki.general_names import GeneralNameKind
from smimelib.pki.ocsp import OCSPResponse, OCSPResponseStatus

__all__ = ["FetchError", "HttpRevocationFetcher"]

#: id-ad-ocsp (RFC 5280 section 4.2.2.1)
OID_AD_OCSP = "1.3.6.1.5.5.7.48.1"

_SUPPORTED_SCHEMES = frozenset({"http", "https"})
_MAX_REDIRECTS = 4
_READ_CHUNK = 64 * 1024
#: most entries the cache holds, whatever their size
_MAX_CACHE_ENTRIES = 256


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to the allowed schemes, a few times, and never for a POST
    (urllib would turn the OCSP POST into a GET without the request)."""

    max_redirections = _MAX_REDIRECTS

    def __init__(self, schemes: frozenset[str]) -> None:
        self._schemes = schemes

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if req.get_method() != "GET" or scheme not in self._schemes:
            why = "a POST" if req.get_method() != "GET" else f"the {scheme!r} scheme"
            fp.close()
            raise FetchError(
                f"refused redirect of {req.full_url} to {newurl} ({why})", url=req.full_url
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpRevocationFetcher:
    """Fetches CRLs (RFC 5280 4.2.1.13) and OCSP responses (RFC 6960 appendix A.1) over
    HTTP; implements :class:`~smimelib.pki.path_results.RevocationFetcher`.

    :param timeout: seconds allowed for one URL: for each network operation, and for
        the whole response body to arrive.
    :param max_bytes: the largest response accepted; a longer one is refused without
        being read further (the read is never unbounded).
    :param allowed_schemes: URI schemes fetched, ``("http",)`` by default as RFC 5280
        4.2.1.13 / 4.2.2.1 and RFC 5019 describe; ``"https"`` may be added. ``ldap``
        and every other scheme are ignored; redirects to a scheme not listed are refused.
    :param opener: the :class:`urllib.request.OpenerDirector` to use (proxies,
        authentication...); by default one whose redirect handling follows the rules
        above. Responses from any opener whose final URL has a refused scheme are refused.
    :param max_uris: most URLs contacted by one :meth:`fetch_crls` or :meth:`fetch_ocsp`
        call, whatever the certificate lists.
    :param cache_bytes: size of the in-memory cache of CRLs and nonce-less OCSP
        responses, kept by URL until their nextUpdate; ``0`` disables it.
    :raises UsageError: an argument out of range.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_bytes: int = 10 * 2**20,
        allowed_schemes: Iterable[str] = ("http",),
        opener: urllib.request.OpenerDirector | None = None,
        max_uris: int = 4,
        cache_bytes: int = 32 * 2**20,
    ) -> None:
        if not isinstance(timeout, int | float) or not math.isfinite(timeout) or timeout <= 0:
            raise UsageError("timeout must be a positive number of seconds")
        for name, value in (("max_bytes", max_bytes), ("max_uris", max_uris)):
            if not isinstance(value, int) or value < 1:
                raise UsageError(f"{name} must be a positive integer")
        if not isinstance(cache_bytes, int) or cache_bytes < 0:
            raise UsageError("cache_bytes must be a non-negative integer")
        if isinstance(allowed_schemes, str):
            raise UsageError("allowed_schemes must be a sequence of scheme names")
        schemes = frozenset(str(s).lower() for s in allowed_schemes)
        if not schemes or not schemes <= _SUPPORTED_SCHEMES:
            raise UsageError(
                f"allowed_schemes must be 'http' and/or 'https', not {sorted(schemes)}"
            )
        if opener is not None and not isinstance(opener, urllib.request.OpenerDirector):
            raise UsageError("opener must be a urllib.request.OpenerDirector")
        self._timeout = float(timeout)
        self._max_bytes = max_bytes
        self._schemes = schemes
        self._opener = opener or urllib.request.build_opener(_RedirectHandler(schemes))
        self._max_uris = max_uris
        self._cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[str, bytes], tuple[datetime.datetime, bytes]]
        self._cache = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"<HttpRevocationFetcher schemes={sorted(self._schemes)} timeout={self._timeout}"
            f" max_bytes={self._max_bytes} cached={len(self._cache)}>"
        )

    # -- locations --------------------------------------------------------------------------
    def crl_locations(self, cert: Certificate) -> tuple[tuple[str, ...], ...]:
        """The fetchable URLs of each distribution point of ``cert``: cRLDistributionPoints
        then freshestCRL (RFC 5280 4.2.1.13, 4.2.1.15); the URIs of one point are
        alternatives for the same CRL. Points named only relative to the CRL issuer, and
        URIs of schemes not allowed (``ldap``...), are left out.

        :raises DecodeError: a malformed extension.
        """
        points = list(cert.crl_distribution_points or ())
        freshest = cert.extension(OID_FRESHEST_CRL)
        if freshest is not None:
            points += DistributionPoint.parse_all(freshest.value, base_offset=freshest.value_offset)
        groups = (self._allowed(p.uris) for p in points)
        return tuple(g for g in groups if g)

    def ocsp_locations(self, cert: Certificate) -> tuple[str, ...]:
        """The fetchable id-ad-ocsp URLs of ``cert``'s authorityInfoAccess (RFC 5280
        4.2.2.1), in order.

        :raises DecodeError: a malformed extension.
        """
        uris = [
            a.location.value
            for a in cert.authority_info_access or ()
            if a.method == OID_AD_OCSP
            and a.location.kind is GeneralNameKind.URI
            and isinstance(a.location.value, str)
        ]
        return self._allowed(uris)

    def _allowed(self, uris: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for uri in uris:
            try:
                parts = urllib.parse.urlsplit(uri)
            except ValueError:  # not a URL at all: nothing to fetch there
                continue
            if parts.scheme.lower() in self._schemes and parts.hostname and uri not in out:
                out.append(uri)
        return tuple(out)

    # -- the RevocationFetcher protocol -------------------------------------------------------
    def fetch_crls(self, cert: Certificate, issuer: Certificate) -> Sequence[bytes]:
        """The CRLs (DER or PEM) of ``cert``'s distribution points (RFC 5280 4.2.1.13).

        For each point its URLs are tried in order until one answers; at most
        ``max_uris`` URLs are contacted in all. Cached CRLs are served until their
        nextUpdate. Returns nothing when ``cert`` names no fetchable location.

        :raises FetchError: locations were named but no CRL could be fetched.
        """
        del issuer  # the CRL locations are the certificate's own
        budget = self._max_uris
        blobs: list[bytes] = []
        errors: list[str] = []
        for group in self.crl_locations(cert):
            for url in group:
                cached = self._cached(url, b"")
                if cached is not None:
                    blobs.append(cached)
                    break
                if budget == 0:
                    break
                budget -= 1
                try:
                    blob = self._get(url)
                except FetchError as exc:
                    errors.append(str(exc))
                    continue
                blobs.append(blob)
                self._remember_crl(url, blob)
                break
        if not blobs and errors:
            raise FetchError(f"no CRL could be fetched for {cert.subject}: {'; '.join(errors)}")
        return blobs

    def fetch_ocsp(self, cert: Certificate, issuer: Certificate, request: bytes) -> bytes | None:
        """POST the DER OCSPRequest ``request`` to ``cert``'s OCSP responders (RFC 6960
        appendix A.1.1; RFC 5280 4.2.2.1) and return the first response with status
        successful (or, failing that, the last unsuccessful one, for the report).

        A cached nonce-less response for the same certificate is returned while its
        nextUpdate has not passed (a response echoing a nonce only fits its request).
        Returns ``None`` when ``cert`` names no fetchable responder.

        :raises FetchError: responders were named but none answered.
        """
        key = _cert_key(cert, issuer)
        errors: list[str] = []
        unsuccessful: bytes | None = None
        for url in self.ocsp_locations(cert)[: self._max_uris]:
            cached = self._cached(url, key)
            if cached is not None:
                return cached
            try:
                raw = self._post(url, bytes(request))
            except FetchError as exc:
                errors.append(str(exc))
                continue
            try:
                status = OCSPResponse.from_der(raw).response_status
            except SmimeError as exc:
                errors.append(f"{url} did not answer with an OCSP response: {exc}")
                continue
            if status is OCSPResponseStatus.SUCCESSFUL:
                self._remember_ocsp(url, key, raw, cert)
                return raw
            errors.append(f"{url} answered {status.name}")
            unsuccessful = raw
        if unsuccessful is not None:
            return unsuccessful
        if errors:
            raise FetchError(
                f"no OCSP response could be fetched for {cert.subject}: {'; '.join(errors)}"
            )
        return None

    def clear_cache(self) -> None:
        """Forget every cached CRL and OCSP response."""
        with self._lock:
            self._cache.clear()

    # -- HTTP -------------------------------------------------------------------------------
    def _get(self, url: str) -> bytes:
        return self._open(urllib.request.Request(url, headers={"Accept": "*/*"}))

    def _post(self, url: str, request: bytes) -> bytes:
        headers = {
            "Content-Type": "application/ocsp-request",
            "Accept": "application/ocsp-response",
        }
        return self._open(urllib.request.Request(url, data=request, headers=headers))

    def _open(self, req: urllib.request.Request) -> bytes:
        url = req.full_url
        deadline = time.monotonic() + self._timeout
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                final = urllib.parse.urlsplit(resp.geturl()).scheme.lower()
                if final not in self._schemes:
                    raise FetchError(f"{url} led to a refused {final!r} URL", url=url)
                status = getattr(resp, "status", 200)
                if status != 200:
                    raise FetchError(f"{url} answered HTTP {status}", url=url)
                return self._read(resp, url, deadline)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()
            raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}", url=url) from None
        except urllib.error.URLError as exc:
            raise FetchError(f"{url} could not be fetched: {exc.reason}", url=url) from None
        except TimeoutError:
            raise FetchError(f"{url} timed out after {self._timeout:g} s", url=url) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise FetchError(f"{url} could not be fetched: {exc!r}", url=url) from None

    def _read(self, resp: Any, url: str, deadline: float) -> bytes:
        """The body, refusing more than ``max_bytes`` (announced or received) and a
        server that keeps trickling past the deadline."""
        limit = self._max_bytes
        length = resp.headers.get("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            raise FetchError(
                f"{url}: the response of {int(length)} bytes exceeds the {limit} byte limit",
                url=url,
            )
        read = getattr(resp, "read1", resp.read)
        chunks: list[bytes] = []
        total = 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"{url} timed out after {self._timeout:g} s", url=url)
            chunk = read(min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:
                raise FetchError(f"{url}: the response exceeds the {limit} byte limit", url=url)
            chunks.append(chunk)

    # -- cache ------------------------------------------------------------------------------
    def _now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    def _cached(self, url: str, key: bytes) -> bytes | None:
        with self._lock:
            entry = self._cache.get((url, key))
            if entry is None:
                return None
            if self._now() >= entry[0]:
                del self._cache[(url, key)]
                return None
            self._cache.move_to_end((url, key))
            return entry[1]

    def _store(self, url: str, key: bytes, until: datetime.datetime, data: bytes) -> None:
        if len(data) > self._cache_bytes or until <= self._now():
            return
        with self._lock:
            self._cache[(url, key)] = (until, data)
            self._cache.move_to_end((url, key))
            total = sum(len(v) for _, v in self._cache.values())
            while total > self._cache_bytes or len(self._cache) > _MAX_CACHE_ENTRIES:
                _, (_, dropped) = self._cache.popitem(last=False)
                total -= len(dropped)

    def _remember_crl(self, url: str, blob: bytes) -> None:
        try:
            crls = load_crls(blob)
        except SmimeError:  # kept out of the cache; the checker reports it unusable
            return
        updates = [c.next_update for c in crls]
        if crls and all(u is not None for u in updates):
            self._store(url, b"", min(u for u in updates if u is not None), blob)

    def _remember_ocsp(self, url: str, key: bytes, raw: bytes, cert: Certificate) -> None:
        try:
            resp = OCSPResponse.from_der(raw)
        except SmimeError:
            return
        if resp.nonce is not None:
            return
        updates = [
            s.next_update for s in resp.responses if s.cert_id.serial_number == cert.serial_number
        ]
        if updates and all(u is not None for u in updates):
            self._store(url, key, min(u for u in updates if u is not None), raw)


def _cert_key(cert: Certificate, issuer: Certificate) -> bytes:
    """What identifies ``cert`` for the OCSP cache: issuer name, issuer key, serial."""
    number = cert.serial_number
    serial = number.to_bytes((number.bit_length() + 8) // 8, "big", signed=True)
    return b"\0".join((cert.issuer.der, issuer.spki_der, serial))
