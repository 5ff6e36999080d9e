"""Certificate, key and PKCS#12 loading: smimelib against its peers, as ratios.

Peers: pyasn1-modules' rfc5280 schema (what a naive design would use, see
DESIGN.md "Performance facts") and python ``cryptography`` (OpenSSL-backed),
when installed. Each row prints the time per operation and smimelib's time
divided by the peer's.
"""

from __future__ import annotations

import base64
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smimelib.pki import Certificate, load_pkcs12, load_private_key  # noqa: E402


def _pem_der(path: Path) -> bytes:
    lines = [ln for ln in path.read_bytes().splitlines() if ln and not ln.startswith(b"-----")]
    return base64.b64decode(b"".join(lines))


def _per_call(func: Callable[[], object], budget: float = 0.5) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    runs = max(1, int(budget / max(timer.timeit(number) / number, 1e-9)))
    return min(timer.repeat(repeat=3, number=min(runs, number))) / min(runs, number)


def _row(name: str, ours: float, peers: dict[str, float | None]) -> None:
    cells = [f"{name:<34} smimelib {ours * 1e6:9.1f} us"]
    for peer, value in peers.items():
        if value is None:
            cells.append(f"{peer}: not installed")
        else:
            cells.append(f"{peer} {value * 1e6:9.1f} us  ratio {ours / value:5.2f}")
    print("  |  ".join(cells))


def main() -> None:
    cert_der = _pem_der(ROOT / "vectors/rfc9216/alice.sign.crt")
    key_pem = (ROOT / "vectors/rfc9216/alice.sign.key").read_bytes()
    p12 = (ROOT / "vectors/rfc9216/alice.p12").read_bytes()

    def ours_cert() -> object:
        cert = Certificate.from_der(cert_der)
        return (cert.subject, cert.public_key, cert.email_addresses, cert.key_usage)

    peers: dict[str, float | None] = {}
    try:
        from pyasn1.codec.der import decoder
        from pyasn1_modules import rfc5280

        peers["pyasn1-modules"] = _per_call(
            lambda: decoder.decode(cert_der, asn1Spec=rfc5280.Certificate())
        )
    except ImportError:
        peers["pyasn1-modules"] = None
    try:
        from cryptography import x509

        def pyca_cert() -> object:
            cert = x509.load_der_x509_certificate(cert_der)
            return (cert.subject, cert.public_key(), cert.extensions)

        peers["cryptography"] = _per_call(pyca_cert)
    except ImportError:
        peers["cryptography"] = None
    _row("certificate: parse + main fields", _per_call(ours_cert), peers)

    key_peers: dict[str, float | None] = {}
    try:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        key_peers["cryptography"] = _per_call(lambda: load_pem_private_key(key_pem, None))
    except ImportError:
        key_peers["cryptography"] = None
    _row("RSA-2048 PKCS#8 key: load", _per_call(lambda: load_private_key(key_pem)), key_peers)

    p12_peers: dict[str, float | None] = {}
    try:
        from cryptography.hazmat.primitives.serialization import pkcs12

        p12_peers["cryptography"] = _per_call(
            lambda: pkcs12.load_key_and_certificates(p12, b"alice"), budget=2.0
        )
    except ImportError:
        p12_peers["cryptography"] = None
    _row(
        "PKCS#12 (3DES, SHA-1 MAC): load",
        _per_call(lambda: load_pkcs12(p12, "alice"), budget=2.0),
        p12_peers,
    )


if __name__ == "__main__":
    main()
