"""The Message API against the OpenSSL CLI, both directions (RFC 8551 interop)."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from smimelib import message as smime
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.keys import private_key_to_pem
from smimelib.pki.trust import TrustStore
from smimelib.report import LayerType
from tests.peers import openssl

pytestmark = pytest.mark.interop
SMTP = email.policy.SMTP


class _Pki:
    def __init__(self) -> None:
        self.root = make_ca("CN=Interop Root")
        self.alice = make_smime_identity("alice@example.com", issuer=self.root)
        self.bob = make_smime_identity("bob@example.org", issuer=self.root)
        self.trust = TrustStore([self.root.certificate])


@pytest.fixture(scope="module")
def pki() -> _Pki:
    return _Pki()


@pytest.fixture()
def files(pki: _Pki, tmp_path: Path) -> Path:
    (tmp_path / "root.pem").write_bytes(pki.root.certificate.to_pem())
    for name in ("alice", "bob"):
        ident = getattr(pki, name)
        (tmp_path / f"{name}.pem").write_bytes(ident.certificate.to_pem())
        (tmp_path / f"{name}.key").write_bytes(private_key_to_pem(ident.key))
    return tmp_path


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Prüfbericht für Jürgen"
    msg.set_content("Grüße,\nder Bericht hängt an.\n", cte="8bit")
    msg.add_attachment(
        b"\x00\x01binary\xff" * 50,
        maintype="application",
        subtype="octet-stream",
        filename="report.bin",
    )
    return msg


def test_openssl_verifies_clear_signed(pki: _Pki, files: Path) -> None:
    (files / "signed.eml").write_bytes(smime.sign(_message(), pki.alice).as_bytes(policy=SMTP))
    proc = openssl(
        [
            "smime",
            "-verify",
            "-in",
            files / "signed.eml",
            "-CAfile",
            files / "root.pem",
            "-out",
            files / "out.eml",
        ]
    )
    assert b"Verification successful" in proc.stderr
    assert b"report.bin" in (files / "out.eml").read_bytes()


def test_openssl_verifies_opaque_signed(pki: _Pki, files: Path) -> None:
    signed = smime.sign(_message(), pki.alice, opaque=True)
    (files / "signed.eml").write_bytes(signed.as_bytes(policy=SMTP))
    proc = openssl(["smime", "-verify", "-in", files / "signed.eml", "-CAfile", files / "root.pem"])
    assert b"Verification successful" in proc.stderr


def test_openssl_decrypts_cbc(pki: _Pki, files: Path) -> None:
    sealed = smime.sign_and_encrypt(
        _message(), pki.alice, [pki.bob.certificate], cipher="aes-256-cbc"
    )
    (files / "sealed.eml").write_bytes(sealed.as_bytes(policy=SMTP))
    openssl(
        [
            "smime",
            "-decrypt",
            "-in",
            files / "sealed.eml",
            "-recip",
            files / "bob.pem",
            "-inkey",
            files / "bob.key",
            "-out",
            files / "inner.eml",
        ]
    )
    proc = openssl(["smime", "-verify", "-in", files / "inner.eml", "-CAfile", files / "root.pem"])
    assert b"Verification successful" in proc.stderr


def test_openssl_cms_decrypts_auth_enveloped(pki: _Pki, files: Path) -> None:
    sealed = smime.encrypt(_message(), [pki.bob.certificate])
    (files / "sealed.eml").write_bytes(sealed.as_bytes(policy=SMTP))
    proc = openssl(
        [
            "cms",
            "-decrypt",
            "-in",
            files / "sealed.eml",
            "-recip",
            files / "bob.pem",
            "-inkey",
            files / "bob.key",
        ]
    )
    assert b"report.bin" in proc.stdout


def _openssl_message(files: Path) -> Path:
    msg = _message()
    body = msg.as_bytes(policy=SMTP)
    # openssl signs the entity it reads: give it the Content-* part only
    entity = (
        b"\r\n".join(
            line
            for line in body.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            if line.lower().startswith(b"content-") or line.startswith((b" ", b"\t"))
        )
        + b"\r\n\r\n"
        + body.split(b"\r\n\r\n", 1)[1]
    )
    (files / "entity.eml").write_bytes(entity)
    return files / "entity.eml"


@pytest.mark.parametrize("opaque", [False, True])
def test_open_reads_openssl_signed(pki: _Pki, files: Path, opaque: bool) -> None:
    entity = _openssl_message(files)
    args: list[str | Path] = [
        "smime",
        "-sign",
        "-in",
        entity,
        "-signer",
        files / "alice.pem",
        "-inkey",
        files / "alice.key",
        "-from",
        "alice@example.com",
        "-to",
        "bob@example.org",
        "-subject",
        "Prüfbericht",
        "-out",
        files / "signed.eml",
    ]
    if opaque:
        args.append("-nodetach")
    openssl(args)
    report = smime.open((files / "signed.eml").read_bytes(), trust=pki.trust)
    assert report.ok, report.problems()
    assert any(p.get_filename() == "report.bin" for p in report.message.iter_attachments())


def test_open_reads_openssl_sign_then_encrypt(pki: _Pki, files: Path) -> None:
    entity = _openssl_message(files)
    openssl(
        [
            "smime",
            "-sign",
            "-in",
            entity,
            "-signer",
            files / "alice.pem",
            "-inkey",
            files / "alice.key",
            "-out",
            files / "signed.eml",
        ]
    )
    openssl(
        [
            "smime",
            "-encrypt",
            "-aes256",
            "-in",
            files / "signed.eml",
            "-from",
            "alice@example.com",
            "-to",
            "bob@example.org",
            "-subject",
            "x",
            "-out",
            files / "sealed.eml",
            files / "bob.pem",
        ]
    )
    report = smime.open(
        (files / "sealed.eml").read_bytes(), keys=[pki.bob], trust=pki.trust, require_integrity=True
    )
    assert report.ok, report.problems()
    assert [layer.type for layer in report.layers] == [LayerType.ENVELOPED, LayerType.SIGNED]
    assert report.layers[0].integrity_protected is False


def test_open_reads_openssl_encrypted(pki: _Pki, files: Path) -> None:
    entity = _openssl_message(files)
    openssl(
        [
            "smime",
            "-encrypt",
            "-aes128",
            "-in",
            entity,
            "-out",
            files / "sealed.eml",
            files / "bob.pem",
        ]
    )
    report = smime.open((files / "sealed.eml").read_bytes(), keys=[pki.bob])
    assert report.layers[0].type is LayerType.ENVELOPED
    assert "Bericht" in report.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
