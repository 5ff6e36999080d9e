"""A real SMTP exchange: smtplib sends signed and encrypted messages to a local server, and
the bytes the server received open and verify (RFC 5321 transport of RFC 8551 messages).

aiosmtpd is not installed here, so the server is a minimal RFC 5321 receiver on a thread
(EHLO, MAIL, RCPT, DATA with dot-unstuffing, QUIT), enough to capture what smtplib sends.
"""

from __future__ import annotations

import smtplib
import socketserver
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from smimelib import message as smime
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.trust import TrustStore


class _Handler(socketserver.StreamRequestHandler):
    def _send(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        received: list[bytes] = self.server.received  # type: ignore[attr-defined]
        self._send("220 localhost test SMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._send("250-localhost")
                self._send("250 8BITMIME")
            elif verb == b"DATA":
                self._send("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                received.append(bytes(data))
                self._send("250 queued")
            elif verb == b"QUIT":
                self._send("221 bye")
                return
            else:
                self._send("250 ok")


@pytest.fixture(scope="module")
def server() -> Iterator[socketserver.ThreadingTCPServer]:
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def people() -> tuple[Identity, Identity, TrustStore]:
    root = make_ca("CN=SMTP Root", key_type="p-256")
    alice = make_smime_identity("alice@example.com", issuer=root, key_type="p-256")
    bob = make_smime_identity("bob@example.org", issuer=root, key_type="p-256")
    return alice, bob, TrustStore([root.certificate])


def _send(server: socketserver.ThreadingTCPServer, msg: EmailMessage) -> bytes:
    host, port = server.server_address[:2]
    with smtplib.SMTP(str(host), int(port), timeout=30) as client:
        client.send_message(msg)
    received: list[bytes] = server.received  # type: ignore[attr-defined]
    return received[-1]


@pytest.mark.parametrize("how", ["sign", "sign_and_encrypt", "triple_wrap"])
def test_smtp_exchange(
    server: socketserver.ThreadingTCPServer,
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
