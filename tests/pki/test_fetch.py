"""HttpRevocationFetcher (RFC 5280 4.2.1.13 / 4.2.2.1, RFC 6960 appendix A.1) against real
servers on localhost: an ``openssl ocsp -port 0`` responder over an ``openssl ca`` index,
and an ``http.server`` thread serving CRLs made by ``openssl ca -gencrl``; certificates
minted with smimelib's builder point to them. Also: nothing is contacted without a
fetcher, a responder that is down gives UNKNOWN (soft-fail finding, hard-fail status),
oversized responses and non-http locations are refused, redirects do not change scheme,
the URI cap, the cache, ``smime verify/open --fetch-revocation``.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from smimelib.asn1 import der
from smimelib.cli import main
from smimelib.crypto.keys import PrivateKey
from smimelib.errors import UsageError
from smimelib.pki import extensions as ext
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.crl import OID_FRESHEST_CRL, load_crls
from smimelib.pki.fetch import OID_AD_OCSP, FetchError, HttpRevocationFetcher
from smimelib.pki.general_names import GeneralName
from smimelib.pki.identity import Identity
from smimelib.pki.keys import private_key_to_pem
from smimelib.pki.names import Name
from smimelib.pki.ocsp import OCSPResponse, build_ocsp_request
from smimelib.pki.path_results import (
    CRLReason,
    RevocationMode,
    RevocationState,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from tests.peers import openssl, require_tool

pytestmark = pytest.mark.interop

NOW = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
HARD = ValidationPolicy(revocation=RevocationMode.HARD_FAIL)
SOFT = ValidationPolicy(revocation=RevocationMode.SOFT_FAIL)


# -- an HTTP server thread ------------------------------------------------------------------


@dataclass
class Route:
    """What the test server answers on one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    length: bool = True  # send Content-Length (else the body ends when the connection does)
    delay: float = 0.0


class HttpServer:
    """A threaded ``http.server`` on 127.0.0.1, port chosen by the OS, recording requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self._answer("POST")

            def _answer(self, method: str) -> None:
                owner.requests.append((method, self.path))
                route = owner.routes.get(self.path, Route(b"not found", 404))
                time.sleep(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                # the client may give up reading, as it should for oversized bodies
                with contextlib.suppress(OSError):
                    self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def seen(self, path: str) -> int:
        return sum(1 for _, p in self.requests if p == path)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


# -- an openssl ocsp responder process --------------------------------------------------------


class OCSPResponder:
    """``openssl ocsp -port 0`` answering from an ``openssl ca`` index; the port is read
    from its ``ACCEPT`` line and the requests it received are counted from its log."""

    def __init__(self, root: Path, index: Path, ca_pem: Path, ca_key: Path) -> None:
        self._out, self._err = root / "ocsp.out", root / "ocsp.err"
        args = ["ocsp", "-port", "0", "-index", index, "-CA", ca_pem, "-rsigner", ca_pem]
        args += ["-rkey", ca_key, "-nmin", "10", "-ignore_err"]
        with self._out.open("wb") as out, self._err.open("wb") as err:
            self._proc = subprocess.Popen(
                [require_tool("openssl"), *map(str, args)], stdout=out, stderr=err
            )
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            text = self._out.read_text(errors="replace")
            if "ACCEPT" in text:
                # "ACCEPT [::]:41005 PID=123" or "ACCEPT 0.0.0.0:41005 ..."
                return int(text.split("ACCEPT", 1)[1].split()[0].rsplit(":", 1)[1])
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail("openssl ocsp did not start: " + self._err.read_text(errors="replace"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def requests(self) -> int:
        return self._err.read_text(errors="replace").count("Received request")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)


# -- the test PKI -----------------------------------------------------------------------------

_CA_CONFIG = """\
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}
certificate = {dir}/ca.pem
private_key = {dir}/ca.key
serial = {dir}/serial
crlnumber = {dir}/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
"""


def aia_ocsp(*uris: str) -> bytes:
    """authorityInfoAccess with id-ad-ocsp URIs (RFC 5280 4.2.2.1)."""
    return der.sequence(
        *(der.sequence(der.encode_oid(OID_AD_OCSP), GeneralName.uri(u).to_der()) for u in uris)
    )


@dataclass
class PKI:
    root: Path
    ca: Identity
    http: HttpServer
    responder: OCSPResponder
    dead_url: str
    certs: dict[str, Identity]
    crl_der: bytes

    def mint(self, name: str, crl_uris: Sequence[str] = (), ocsp: Sequence[str] = ()) -> Identity:
        return mint(self.ca, name, crl_uris=crl_uris, ocsp_uris=ocsp)

    def store(self, fetcher: HttpRevocationFetcher | None = None) -> TrustStore:
        return TrustStore([self.ca.certificate], fetcher=fetcher)


def mint(
    ca: Identity,
    name: str,
    *,
    crl_uris: Sequence[str] = (),
    ocsp_uris: Sequence[str] = (),
    serial: int | None = None,
    key: PrivateKey | None = None,
) -> Identity:
    """A builder-made end entity; the same serial and key with other locations when asked."""
    private = key or generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(Name.build([("CN", name)]))
        .public_key(private)
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .email_addresses(f"{name}@example.com")
    )
    if serial is not None:
        builder = builder.serial_number(serial)
    if crl_uris:
        builder = builder.crl_distribution_points(crl_uris)
    if ocsp_uris:
        builder = builder.add_extension(ext.OID_AUTHORITY_INFO_ACCESS, aia_ocsp(*ocsp_uris))
    cert = builder.sign(ca.key, issuer=ca.certificate)
    return Identity(private, cert, (ca.certificate,))


# name: (serial, revocation args for openssl ca, locations)
_CERTS: dict[str, tuple[int, Sequence[str] | None, str]] = {
    "ocsp-good": (0x1001, None, "ocsp"),
    "ocsp-revoked": (0x1002, ("-crl_reason", "keyCompromise"), "ocsp"),
    "crl-revoked": (0x1003, ("-crl_reason", "superseded"), "crl"),
    "crl-good": (0x1004, None, "crl-pem"),
    "down": (0x1005, None, "dead"),
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PKI]:
    require_tool("openssl")
    root = tmp_path_factory.mktemp("fetch")
    ca = make_ca("CN=Fetch Test CA,O=smimelib tests", key_type="p-256")
    ca_pem, ca_key = root / "ca.pem", root / "ca.key"
    ca_pem.write_bytes(ca.certificate.to_pem())
    ca_key.write_bytes(private_key_to_pem(ca.key))
    (root / "index.txt").write_text("")
    (root / "serial").write_text("2000\n")
    (root / "crlnumber").write_text("01\n")
    config = root / "ca.cnf"
    config.write_text(_CA_CONFIG.format(dir=root))

    # The index is complete before the responder starts (it rereads it only lazily), so
    # each certificate is first minted without locations, with its final serial and key.
    keys = {}
    for name, (serial, revoke, _) in _CERTS.items():
        draft = mint(ca, name, serial=serial)
        keys[name] = draft.key
        path = root / f"{name}-draft.pem"
        path.write_bytes(draft.certificate.to_pem())
        if revoke is None:
            openssl(["ca", "-config", config, "-valid", path])
        else:
            openssl(["ca", "-config", config, "-revoke", path, *revoke])
    crl_pem = root / "ca.crl.pem"
    openssl(["ca", "-config", config, "-gencrl", "-out", crl_pem])
    crl_der = openssl(["crl", "-in", crl_pem, "-outform", "DER"]).stdout

    with contextlib.ExitStack() as stack:
        http = HttpServer()
        stack.callback(http.stop)
        dead = stack.enter_context(socket.socket())  # bound, not listening: refuses
        dead.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}/"
        http.routes["/ca.crl"] = Route(crl_der, headers={"Content-Type": "application/pkix-crl"})
        http.routes["/ca.pem.crl"] = Route(crl_pem.read_bytes())
        responder = OCSPResponder(root, root / "index.txt", ca_pem, ca_key)
        stack.callback(responder.stop)
        where = {
            "ocsp": {"ocsp_uris": [responder.url]},
            "crl": {"crl_uris": [http.url("/ca.crl")]},
            "crl-pem": {"crl_uris": [http.url("/ca.pem.crl")]},
            "dead": {"ocsp_uris": [dead_url], "crl_uris": [dead_url + "ca.crl"]},
        }
        certs = {
            name: mint(ca, name, serial=serial, key=keys[name], **where[kind])
            for name, (serial, _, kind) in _CERTS.items()
        }
        yield PKI(root, ca, http, responder, dead_url, certs, crl_der)


def validate(pki: PKI, name: str, policy: ValidationPolicy) -> TrustResult:
    return pki.store(HttpRevocationFetcher(timeout=5)).validate(
        pki.certs[name].certificate, policy=policy
    )


# -- OCSP through the responder -----------------------------------------------------------------


def test_good_via_fetched_ocsp(pki: PKI) -> None:
    before = pki.responder.requests
    result = validate(pki, "ocsp-good", HARD)
    assert result.status is ValidationStatus.VALID, result.reason
    outcome = result.revocation[0]
    assert outcome.state is RevocationState.GOOD
    used = [s for s in outcome.sources if s.used]
    assert [(s.kind, s.origin) for s in used] == [("ocsp", "fetched")]
    assert used[0].next_update is not None  # -nmin 10
    assert pki.responder.requests == before + 1


def test_revoked_via_fetched_ocsp(pki: PKI) -> None:
    result = validate(pki, "ocsp-revoked", SOFT)
    assert result.status is ValidationStatus.REVOKED
    outcome = result.revocation[0]
    assert outcome.state is RevocationState.REVOKED
    assert outcome.reason is CRLReason.KEY_COMPROMISE
    assert outcome.revocation_date is not None
    assert any(s.used and s.origin == "fetched" and s.kind == "ocsp" for s in outcome.sources)


def test_nonce_less_ocsp_response_is_cached(pki: PKI) -> None:
    """A response without nonce (here: to a request without one) is reused until its
    nextUpdate; a response echoing a nonce is not (it only fits its own request)."""
    leaf, ca = pki.certs["ocsp-good"].certificate, pki.ca.certificate
    fetcher = HttpRevocationFetcher(timeout=5)
    before = pki.responder.requests
    plain = build_ocsp_request(leaf, ca)
    first = fetcher.fetch_ocsp(leaf, ca, plain)
    assert first is not None and OCSPResponse.from_der(first).nonce is None
    assert fetcher.fetch_ocsp(leaf, ca, plain) == first
    assert pki.responder.requests == before + 1
    fetcher.clear_cache()
    for n in range(2):  # the POSTed DER request reaches openssl: it echoes the nonce
        raw = fetcher.fetch_ocsp(leaf, ca, build_ocsp_request(leaf, ca, nonce=bytes([n]) * 8))
        resp = OCSPResponse.from_der(raw or b"")
        assert resp.nonce == bytes([n]) * 8
        assert [s.cert_id.serial_number for s in resp.responses] == [leaf.serial_number]
    assert pki.responder.requests == before + 3


# -- CRLs through the HTTP server -------------------------------------------------------------


def test_revoked_via_fetched_crl(pki: PKI) -> None:
    before = pki.http.seen("/ca.crl")
    result = validate(pki, "crl-revoked", HARD)
    assert result.status is ValidationStatus.REVOKED
    outcome = result.revocation[0]
    assert outcome.reason is CRLReason.SUPERSEDED
    assert any(s.used and s.kind == "crl" and s.origin == "fetched" for s in outcome.sources)
    assert pki.http.seen("/ca.crl") == before + 1


def test_pem_crl_and_cache_until_next_update(pki: PKI) -> None:
    """A PEM CRL is accepted; the cache serves it again without a request while its
    nextUpdate (7 days ahead) has not passed."""
    fetcher = HttpRevocationFetcher(timeout=5)
    before = pki.http.seen("/ca.pem.crl")
    store = pki.store(fetcher)
    leaf = pki.certs["crl-good"].certificate
    for _ in range(2):
        result = store.validate(leaf, policy=HARD)
        assert result.status is ValidationStatus.VALID, result.reason
        assert result.revocation[0].state is RevocationState.GOOD
    assert pki.http.seen("/ca.pem.crl") == before + 1
    fetcher.clear_cache()
    assert fetcher.fetch_crls(leaf, pki.ca.certificate)
    assert pki.http.seen("/ca.pem.crl") == before + 2


def test_stale_crl_is_not_cached(pki: PKI, tmp_path: Path) -> None:
    config = pki.root / "ca.cnf"
    out = tmp_path / "stale.pem"
    args = ["-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200102000000Z"]
    openssl(["ca", "-config", config, "-gencrl", "-out", out, *args])
    pki.http.routes["/stale.crl"] = Route(out.read_bytes())
    leaf = pki.mint("stale", crl_uris=[pki.http.url("/stale.crl")]).certificate
    fetcher = HttpRevocationFetcher(timeout=5)
    for _ in range(2):
        assert load_crls(fetcher.fetch_crls(leaf, pki.ca.certificate)[0])
    assert pki.http.seen("/stale.crl") == 2
    # and the checker refuses it as stale: unknown under hard fail
    result = pki.store(fetcher).validate(leaf, policy=HARD)
    assert result.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN


# -- failures ---------------------------------------------------------------------------------


def test_responder_down_is_unknown(pki: PKI) -> None:
    soft = validate(pki, "down", SOFT)
    assert soft.status is ValidationStatus.VALID
    assert soft.revocation[0].state is RevocationState.UNKNOWN
    assert soft.findings, "a soft-failed revocation check is reported"
    problems = [s.problem or "" for s in soft.revocation[0].sources]
    assert any(pki.dead_url in p and "ocsp" in p.lower() for p in problems), problems
    assert any(pki.dead_url + "ca.crl" in p for p in problems), problems

    hard = validate(pki, "down", HARD)
    assert hard.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    assert hard.failing_certificate == pki.certs["down"].certificate

    leaf = pki.certs["down"].certificate
    with pytest.raises(FetchError, match="could not be fetched"):
        HttpRevocationFetcher(timeout=5).fetch_ocsp(leaf, pki.ca.certificate, b"\x30\x00")


@pytest.mark.parametrize("send_length", [True, False])
def test_oversized_response_is_refused(pki: PKI, send_length: bool) -> None:
    path = f"/big-{send_length}.crl"
    pki.http.routes[path] = Route(pki.crl_der * 64, length=send_length)
    leaf = pki.mint("big", crl_uris=[pki.http.url(path)]).certificate
    fetcher = HttpRevocationFetcher(timeout=5, max_bytes=len(pki.crl_der) * 2)
    # announced: refused from the header; not announced: the read stops past the limit
    announced = r"of .* bytes exceeds" if send_length else "the response exceeds"
    with pytest.raises(FetchError, match=announced + r" the .* byte limit"):
        fetcher.fetch_crls(leaf, pki.ca.certificate)
    result = pki.store(fetcher).validate(leaf, policy=HARD)
    assert result.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
    assert any("byte limit" in (s.problem or "") for s in result.revocation[0].sources)


def test_size_limit_is_exact(pki: PKI) -> None:
    leaf = pki.mint("exact", crl_uris=[pki.http.url("/ca.crl")]).certificate
    size = len(pki.crl_der)
    fits = HttpRevocationFetcher(timeout=5, max_bytes=size, cache_bytes=0)
    assert list(fits.fetch_crls(leaf, pki.ca.certificate)) == [pki.crl_der]
    with pytest.raises(FetchError, match="byte limit"):
        HttpRevocationFetcher(timeout=5, max_bytes=size - 1).fetch_crls(leaf, pki.ca.certificate)


def test_non_http_locations_are_ignored(pki: PKI) -> None:
    port = pki.http.port
    others = [
        f"ldap://127.0.0.1:{port}/cn=Fetch%20Test%20CA?certificateRevocationList",
        f"https://127.0.0.1:{port}/ca.crl",
        "file:///etc/passwd",
        f"ftp://127.0.0.1:{port}/ca.crl",
    ]
    http_url = pki.http.url("/ca.crl")
    leaf = pki.mint("schemes", [*others, http_url], others).certificate
    fetcher = HttpRevocationFetcher(timeout=5)
    assert fetcher.crl_locations(leaf) == ((http_url,),)
    assert fetcher.ocsp_locations(leaf) == ()
    with_https = HttpRevocationFetcher(allowed_schemes=("http", "https"))
    assert with_https.crl_locations(leaf) == ((others[1],), (http_url,))

    before = list(pki.http.requests)
    assert list(fetcher.fetch_crls(leaf, pki.ca.certificate)) == [pki.crl_der]
    assert pki.http.requests[len(before) :] == [("GET", "/ca.crl")]
    assert fetcher.fetch_ocsp(leaf, pki.ca.certificate, b"\x30\x00") is None

    only_other = pki.mint("ldap-only", others[:1], others[:1]).certificate
    count = len(pki.http.requests)
    assert list(fetcher.fetch_crls(only_other, pki.ca.certificate)) == []
    assert fetcher.fetch_ocsp(only_other, pki.ca.certificate, b"\x30\x00") is None
    assert len(pki.http.requests) == count


def test_delta_crl_locations(pki: PKI) -> None:
    """freshestCRL (RFC 5280 4.2.1.15) locations are fetched after the CRL DPs."""
    delta = pki.http.url("/delta.crl")
    value = ext.DistributionPoint.encode_all([ext.DistributionPoint((GeneralName.uri(delta),))])
    ca = pki.ca
    builder = CertificateBuilder().subject_name("CN=delta").public_key(generate_key("p-256"))
    builder = builder.crl_distribution_points([pki.http.url("/ca.crl")])
    leaf = builder.add_extension(OID_FRESHEST_CRL, value).sign(ca.key, issuer=ca.certificate)
    fetcher = HttpRevocationFetcher(timeout=5, cache_bytes=0)
    assert fetcher.crl_locations(leaf) == ((pki.http.url("/ca.crl"),), (delta,))
    pki.http.routes["/delta.crl"] = Route(pki.crl_der)
    assert list(fetcher.fetch_crls(leaf, ca.certificate)) == [pki.crl_der] * 2
    assert pki.http.seen("/delta.crl") == 1


def test_redirects_keep_the_scheme(pki: PKI) -> None:
    http_routes = pki.http.routes
    http_routes["/to-crl"] = Route(status=302, headers={"Location": "/ca.crl"})
    http_routes["/to-ftp"] = Route(status=302, headers={"Location": "ftp://127.0.0.1/ca.crl"})
    https = f"https://127.0.0.1:{pki.http.port}/ca.crl"
    http_routes["/to-https"] = Route(status=301, headers={"Location": https})
    ca = pki.ca.certificate
    fetcher = HttpRevocationFetcher(timeout=5, cache_bytes=0)

    followed = pki.mint("redirected", crl_uris=[pki.http.url("/to-crl")]).certificate
    assert list(fetcher.fetch_crls(followed, ca)) == [pki.crl_der]
    for path, scheme in (("/to-ftp", "ftp"), ("/to-https", "https")):
        leaf = pki.mint("redirect-" + scheme, crl_uris=[pki.http.url(path)]).certificate
        with pytest.raises(FetchError, match=rf"refused redirect .*'{scheme}'"):
            fetcher.fetch_crls(leaf, ca)
    # an OCSP POST is never redirected (it would become a GET without the request)
    http_routes["/ocsp-moved"] = Route(status=302, headers={"Location": pki.responder.url})
    leaf = pki.mint("ocsp-moved", ocsp=[pki.http.url("/ocsp-moved")]).certificate
    with pytest.raises(FetchError, match=r"refused redirect .*POST"):
        fetcher.fetch_ocsp(leaf, ca, build_ocsp_request(leaf, ca))


def test_uris_per_call_are_capped(pki: PKI) -> None:
    paths = [f"/missing-{i}.crl" for i in range(6)]
    leaf = pki.mint("many", crl_uris=[pki.http.url(p) for p in paths]).certificate
    with pytest.raises(FetchError, match="HTTP 404") as info:
        HttpRevocationFetcher(timeout=5, max_uris=3).fetch_crls(leaf, pki.ca.certificate)
    assert [pki.http.seen(p) for p in paths] == [1, 1, 1, 0, 0, 0]
    assert str(info.value).count("HTTP 404") == 3


def test_bad_answers_are_fetch_errors(pki: PKI) -> None:
    pki.http.routes["/garbage"] = Route(b"<html>not OCSP</html>")
    pki.http.routes["/slow.crl"] = Route(pki.crl_der, delay=1.5)
    ca = pki.ca.certificate
    garbage = pki.mint("garbage", ocsp=[pki.http.url("/garbage")]).certificate
    with pytest.raises(FetchError, match="did not answer with an OCSP response"):
        HttpRevocationFetcher(timeout=5).fetch_ocsp(garbage, ca, build_ocsp_request(garbage, ca))
    slow = pki.mint("slow", crl_uris=[pki.http.url("/slow.crl")]).certificate
    with pytest.raises(FetchError, match="timed out"):
        HttpRevocationFetcher(timeout=0.5).fetch_crls(slow, ca)
    # through the checker: the fetch problem is a source, never an exception
    result = pki.store(HttpRevocationFetcher(timeout=5)).validate(garbage, policy=SOFT)
    assert result.status is ValidationStatus.VALID
    problems = [s.problem or "" for s in result.revocation[0].sources]
    assert any("did not answer with an OCSP response" in p for p in problems), problems


def test_nothing_is_contacted_without_a_fetcher(pki: PKI) -> None:
    http_before, ocsp_before = len(pki.http.requests), pki.responder.requests
    for name in ("ocsp-good", "ocsp-revoked", "crl-revoked", "crl-good"):
        result = pki.store().validate(pki.certs[name].certificate, policy=HARD)
        assert result.status is ValidationStatus.REVOCATION_STATUS_UNKNOWN
        assert all(s.origin != "fetched" for s in result.revocation_sources)
    assert len(pki.http.requests) == http_before
    assert pki.responder.requests == ocsp_before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": float("nan")},
        {"max_bytes": 0},
        {"max_uris": 0},
        {"cache_bytes": -1},
        {"allowed_schemes": ("ldap",)},
        {"allowed_schemes": ()},
        {"allowed_schemes": "http"},
        {"opener": object()},
    ],
)
def test_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        HttpRevocationFetcher(**kwargs)  # type: ignore[arg-type]


# -- the command line ---------------------------------------------------------------------------


def _signed(pki: PKI, name: str, tmp_path: Path) -> Path:
    ident = pki.certs[name]
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert.write_bytes(ident.certificate.to_pem())
    key.write_bytes(private_key_to_pem(ident.key))
    msg, out = tmp_path / "msg.eml", tmp_path / f"{name}.eml"
    msg.write_bytes(
        f"From: {name}@example.com\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nhello\r\n".encode()
    )
    argv = ["sign", "--in", msg, "--out", out, "--cert", cert, "--key", key]
    assert main([str(a) for a in argv]) == 0
    return out


def test_cli_fetch_revocation(pki: PKI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = str(pki.root / "ca.pem")
    good, revoked = _signed(pki, "ocsp-good", tmp_path), _signed(pki, "ocsp-revoked", tmp_path)
    crl_revoked = _signed(pki, "crl-revoked", tmp_path)
    run: Callable[..., int] = lambda eml, *more: main(  # noqa: E731
        ["verify", "--in", str(eml), "--out", str(tmp_path / "out"), "--trust", ca, *more]
    )
    before = pki.responder.requests, len(pki.http.requests)
    # without the flag nothing is fetched: hard fail on the unknown status
    assert run(good, "--revocation", "hard") == 1
    assert (pki.responder.requests, len(pki.http.requests)) == before
    capsys.readouterr()

    assert run(good, "--revocation", "hard", "--fetch-revocation") == 0
    assert run(revoked, "--fetch-revocation") == 1
    assert "revoked" in capsys.readouterr().err.lower()
    assert run(crl_revoked, "--revocation", "hard", "--fetch-revocation") == 1
    assert pki.responder.requests == before[0] + 2

    assert main(["open", "--in", str(good), "--trust", ca, "--fetch-revocation", "--json"]) == 0
    (signature,) = json.loads(capsys.readouterr().out)["signatures"]
    sources = signature["validation"]["revocation"]
    assert [(s["kind"], s["origin"], s["used"]) for s in sources] == [("ocsp", "fetched", True)]

    assert run(good, "--revocation", "off", "--fetch-revocation") == 2
    assert "--fetch-revocation" in capsys.readouterr().err
