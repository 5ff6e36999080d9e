"""Load an S/MIME identity (certificate + private key) and describe it.

Run from the project root after ``pip install .``::

    python examples/identity.py [CERT KEY [PASSWORD]]

Without arguments it loads Alice's RFC 9216 example signing identity from
``vectors/rfc9216``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import smimelib

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    if len(argv) >= 2:
        cert_path, key_path = Path(argv[0]), Path(argv[1])
        password = argv[2] if len(argv) > 2 else None
    else:
        cert_path = ROOT / "vectors/rfc9216/alice.sign.crt"
        key_path = ROOT / "vectors/rfc9216/alice.sign.key"
        password = None
    try:
        identity = smimelib.Identity.from_pem(
            cert_path.read_bytes(), key_path.read_bytes(), password=password
        )
    except (OSError, smimelib.SmimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cert = identity.certificate
    print(f"subject:     {cert.subject.rfc4514()}")
    print(f"issuer:      {cert.issuer.rfc4514()}")
    print(f"serial:      {cert.serial_number:#x}")
    print(f"valid:       {cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}")
    print(f"e-mail:      {', '.join(cert.email_addresses) or '(none)'}")
    print(f"key:         {identity.key.type.value}, {identity.key.size_bits} bits")
    usages = sorted(cert.key_usage or (), key=lambda usage: usage.value)
    print(f"key usage:   {', '.join(u.rfc_name for u in usages) or '(none)'}")
    print(f"sha256:      {cert.fingerprint('sha256').hex(':')}")
    print("the private key matches the certificate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
