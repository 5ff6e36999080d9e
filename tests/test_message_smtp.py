"""A real SMTP exchange: smtplib sends signed and encrypted messages to an aiosmtpd
server on localhost, and the bytes the server received open and verify (RFC 5321
transport of RFC 8551 messages, dot-stuffing and line lengths included).
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from smimelib import message as smime
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.trust import TrustStore


class _Capture:
    """aiosmtpd handler that keeps the exact bytes of every message received."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(bytes(envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Controller, _Capture]]:
    capture = _Capture()
    # aiosmtpd 1.4 connects to its own port to check it started, so it needs a real one
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, capture
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def people() -> tuple[Identity, Identity, TrustStore]:
    root = make_ca("CN=SMTP Root", key_type="p-256")
    alice = make_smime_identity("alice@example.com", issuer=root, key_type="p-256")
    bob = make_smime_identity("bob@example.org", issuer=root, key_type="p-256")
    return alice, bob, TrustStore([root.certificate])


def _send(server: tuple[Controller, _Capture], msg: EmailMessage) -> bytes:
    controller, capture = server
    with smtplib.SMTP(controller.hostname, controller.port, timeout=30) as client:
        client.send_message(msg)
    return capture.received[-1]


@pytest.mark.parametrize("how", ["sign", "sign_and_encrypt", "triple_wrap"])
def test_smtp_exchange(
    server: tuple[Controller, _Capture],
    people: tuple[Identity, Identity, TrustStore],
    how: str,
) -> None:
    alice, bob, trust = people
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Quartalszahlen für Q3"
    msg.set_content("Die Zahlen:\n.\n..punkt am Zeilenanfang\nÜberschuss\n")
    msg.add_attachment(
        b"\x00\x01\x02" * 100, maintype="application", subtype="octet-stream", filename="zahlen.bin"
    )
    if how == "sign":
        out = smime.sign(msg, alice)
    elif how == "sign_and_encrypt":
        out = smime.sign_and_encrypt(msg, alice, [bob.certificate])
    else:
        out = smime.triple_wrap(msg, alice, [bob.certificate])
    wire = _send(server, out)
    report = smime.open(wire, keys=[bob], trust=trust)
    assert report.ok, report.problems()
    body = report.message.get_body(("plain",))
    assert body is not None and "..punkt" in body.get_content()
