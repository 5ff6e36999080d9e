"""End-to-end tests of the ``smime`` command through subprocess (DESIGN command line contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from smimelib.pki import load_certificates, private_key_to_pem, write_pkcs12
from smimelib.pki.builder import make_ca, make_smime_identity
from tests.peers import openssl


@dataclass(frozen=True)
class Pki:
    dir: Path
    root: Path
    root_key: Path
    other_root: Path
    alice_cert: Path
    alice_key: Path
    bob_cert: Path
    bob_key: Path
    carol_cert: Path
    carol_key: Path
    message: Path
    bob_p12: Path
    alice_key_encrypted: Path
    password: Path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


_PW = "s3cret pass"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("cli-pki")
    root = make_ca("CN=CLI test root")
    other = make_ca("CN=CLI other root")
    alice = make_smime_identity("alice@example.org", issuer=root, name="Alice")
    bob = make_smime_identity("bob@example.org", issuer=root, name="Bob")
    carol = make_smime_identity("carol@example.org", issuer=other, name="Carol")
    msg = EmailMessage()
    msg["From"] = "alice@example.org"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "cli test"
    msg.set_content("Hello from the command line test.\n")
    return Pki(
        dir=d,
        root=_write(d / "root.pem", root.certificate.to_pem()),
        root_key=_write(d / "root.key", private_key_to_pem(root.key)),
        other_root=_write(d / "other.pem", other.certificate.to_pem()),
        alice_cert=_write(d / "alice.pem", alice.certificate.to_pem()),
        alice_key=_write(d / "alice.key", private_key_to_pem(alice.key)),
        bob_cert=_write(d / "bob.pem", bob.certificate.to_pem()),
        bob_key=_write(d / "bob.key", private_key_to_pem(bob.key)),
        carol_cert=_write(d / "carol.pem", carol.certificate.to_pem()),
        carol_key=_write(d / "carol.key", private_key_to_pem(carol.key)),
        message=_write(d / "msg.eml", msg.as_bytes()),
        bob_p12=_write(
            d / "bob.p12",
            write_pkcs12(
                bob.key, bob.certificate, [root.certificate], password=_PW, iterations=2048
            ),
        ),
        alice_key_encrypted=_write(
            d / "alice-enc.key", private_key_to_pem(alice.key, _PW, iterations=2048)
        ),
        password=_write(d / "password.txt", _PW.encode() + b"\nsecond line is ignored\n"),
    )


def smime(*args: str | Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "smimelib", *map(str, args)],
        input=input,
        capture_output=True,
        timeout=120,
    )


def _one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("smime: error: ")
    return lines[0]


def _sign(pki: Pki, *extra: str | Path, key: Path | None = None) -> bytes:
    proc = smime(
        "sign", "--cert", pki.alice_cert, "--key", key or pki.alice_key, "--in", pki.message, *extra
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- sign / verify ---------------------------------------------------------------------------


def test_sign_verify_roundtrip_stdin_stdout(pki: Pki) -> None:
    signed = _sign(pki)
    assert b"multipart/signed" in signed
    proc = smime("verify", "--trust", pki.root, input=signed)
    assert proc.returncode == 0, proc.stderr
    assert b"Hello from the command line test." in proc.stdout


def test_sign_opaque(pki: Pki) -> None:
    signed = _sign(pki, "--opaque")
    assert b"smime-type=signed-data" in signed
    proc = smime("verify", "--trust", pki.root, input=signed)
    assert proc.returncode == 0, proc.stderr
    assert b"Hello from the command line test." in proc.stdout


@pytest.mark.parametrize("opaque", [False, True])
def test_sign_mime_pss_no_certs(pki: Pki, opaque: bool) -> None:
    signed = _sign(pki, "--pss", "--no-certs", *(["--opaque"] if opaque else []))
    der = smime("dump", input=signed).stdout.decode()
    assert "id-RSASSA-PSS" in der
    assert "'Alice'" not in der  # alice's certificate (subject CN=Alice) is not inside
    proc = smime("verify", "--trust", pki.root, input=signed)
    assert proc.returncode == 1
    assert b"signer-certificate-not-found" in proc.stderr
    # --certs supplies the signer's certificate from elsewhere, for MIME input too
    proc = smime("verify", "--trust", pki.root, "--certs", pki.alice_cert, input=signed)
    assert proc.returncode == 0, proc.stderr
    opened = smime("open", "--trust", pki.root, "--certs", pki.alice_cert, input=signed)
    assert opened.returncode == 0, opened.stderr


@pytest.mark.interop
def test_openssl_verifies_mime_pss_no_certs(pki: Pki, tmp_path: Path) -> None:
    # openssl smime (the PKCS7 code) has no RSASSA-PSS; openssl cms has
    signed = _write(tmp_path / "signed.eml", _sign(pki, "--pss", "--no-certs"))
    proc = openssl(["cms", "-verify", "-CAfile", pki.root, "-certfile", pki.alice_cert,
                    "-in", signed])  # fmt: skip
    assert b"Hello from the command line test." in proc.stdout


def test_verify_tampered_exit_1(pki: Pki) -> None:
    signed = _sign(pki)
    tampered = signed.replace(b"Hello from", b"Jello from", 1)
    assert tampered != signed
    proc = smime("verify", "--trust", pki.root, input=tampered)
    assert proc.returncode == 1
    assert b"invalid" in proc.stderr
    assert proc.stdout == b""


def test_verify_untrusted_exit_1_and_no_trust_check(pki: Pki) -> None:
    signed = _sign(pki)
    proc = smime("verify", "--trust", pki.other_root, input=signed)
    assert proc.returncode == 1
    assert b"not trusted" in proc.stderr
    proc = smime("verify", "--no-trust-check", input=signed)
    assert proc.returncode == 0, proc.stderr


def test_sign_raw_cms_detached_and_content(pki: Pki, tmp_path: Path) -> None:
    content = _write(tmp_path / "content.bin", b"\x00raw content\xff")
    sig = tmp_path / "sig.pem"
    proc = smime(
        "sign", "--cert", pki.alice_cert, "--key", pki.alice_key, "--inform", "binary",
        "--outform", "pem", "--detached", "--pss", "--in", content, "--out", sig,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sig.read_bytes().startswith(b"-----BEGIN CMS-----")
    proc = smime(
        "verify", "--inform", "pem", "--in", sig, "--content", content, "--trust", pki.root
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"\x00raw content\xff"
    other = _write(tmp_path / "other.bin", b"\x00raw content\xfe")
    proc = smime("verify", "--inform", "pem", "--in", sig, "--content", other, "--trust", pki.root)
    assert proc.returncode == 1


def test_sign_no_certs_needs_certs_to_verify(pki: Pki, tmp_path: Path) -> None:
    der = smime(
        "sign", "--cert", pki.alice_cert, "--key", pki.alice_key, "--inform", "binary",
        "--outform", "der", "--no-certs", input=b"payload",
    )  # fmt: skip
    assert der.returncode == 0, der.stderr
    assert load_certificates(pki.alice_cert.read_bytes())[0].der not in der.stdout
    cms_file = _write(tmp_path / "s.der", der.stdout)
    args = ("verify", "--inform", "der", "--in", cms_file, "--trust", pki.root)
    assert smime(*args).returncode == 1
    proc = smime(*args, "--certs", pki.alice_cert)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"payload"


def test_verify_trust_directory_and_system_trust(pki: Pki, tmp_path: Path) -> None:
    signed = _sign(pki)
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    _write(anchors / "root.pem", pki.root.read_bytes())
    proc = smime("verify", "--trust", anchors, input=signed)
    assert proc.returncode == 0, proc.stderr
    # the system's anchors do not include the test root: not trusted, exit 1
    proc = smime("verify", "--system-trust", input=signed)
    assert proc.returncode == 1 and b"not trusted" in proc.stderr
    proc = smime("verify", "--system-trust", "--trust", pki.root, input=signed)
    assert proc.returncode == 0, proc.stderr
    help_text = smime("verify", "--help").stdout
    for option in (b"--system-trust", b"--ocsp", b"--revocation", b"--at-signing-time", b"--at"):
        assert option in help_text


def test_open_json_sender_address_and_validation(pki: Pki) -> None:
    # PKITS through the command: tests/test_message_trust.py
    proc = smime("open", "--json", "--trust", pki.root, input=_sign(pki))
    assert proc.returncode == 0, proc.stderr
    (sig,) = json.loads(proc.stdout)["signatures"]
    assert sig["sender_match"] is True and sig["sender_address"] == "alice@example.org"
    assert sig["validation"]["status"] == "valid" and sig["validation"]["time_source"] == "now"
    text = smime("open", "--trust", pki.root, input=_sign(pki)).stdout.decode()
    assert "path: valid" in text and "matched certificate address: alice@example.org" in text


_CA_CONFIG = b"""[ca]
default_ca = CA_default
[CA_default]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 30
"""


@pytest.fixture(scope="module")
def revoked_alice(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An OpenSSL-made CRL (PEM) and OCSP response (DER) revoking alice's certificate."""
    d = tmp_path_factory.mktemp("openssl-ca")
    config = _write(d / "ca.cnf", _CA_CONFIG)
    _write(d / "index.txt", b"")
    _write(d / "crlnumber", b"01\n")
    ca: list[str | Path] = ["-config", config, "-keyfile", pki.root_key, "-cert", pki.root]
    openssl(["ca", *ca, "-revoke", pki.alice_cert, "-crl_reason", "keyCompromise"], cwd=d)
    openssl(["ca", *ca, "-gencrl", "-out", d / "crl.pem"], cwd=d)
    openssl(["ocsp", "-index", d / "index.txt", "-rsigner", pki.root, "-rkey", pki.root_key,
             "-CA", pki.root, "-issuer", pki.root, "-cert", pki.alice_cert,
             "-respout", d / "ocsp.der", "-ndays", "1"], cwd=d)  # fmt: skip
    return d / "crl.pem", d / "ocsp.der"


@pytest.mark.interop
def test_verify_crl_and_ocsp_files(pki: Pki, revoked_alice: tuple[Path, Path]) -> None:
    crl, ocsp = revoked_alice
    signed = _sign(pki)
    proc = smime("verify", "--trust", pki.root, "--crl", crl, input=signed)
    assert proc.returncode == 1 and b"not trusted (revoked)" in proc.stderr
    assert b"key_compromise" in proc.stderr
    proc = smime("verify", "--trust", pki.root, "--ocsp", ocsp, "--revocation", "hard",
                 input=signed)  # fmt: skip
    assert proc.returncode == 1 and b"not trusted (revoked)" in proc.stderr
    proc = smime("verify", "--trust", pki.root, "--revocation", "hard", input=signed)
    assert proc.returncode == 1 and b"revocation_status_unknown" in proc.stderr
    # a trust directory's CRLs are the store's too
    anchors = crl.parent / "anchors"
    anchors.mkdir(exist_ok=True)
    _write(anchors / "root.pem", pki.root.read_bytes())
    _write(anchors / "root.crl", crl.read_bytes())
    proc = smime("verify", "--trust", anchors, input=signed)
    assert proc.returncode == 1 and b"not trusted (revoked)" in proc.stderr
    proc = smime("verify", "--trust", pki.root, input=signed)  # soft-fail by default
    assert proc.returncode == 0, proc.stderr
    proc = smime("open", "--json", "--trust", pki.root, "--crl", crl, input=signed)
    (sig,) = json.loads(proc.stdout)["signatures"]
    assert [s["origin"] for s in sig["validation"]["revocation"]] == ["store"]
    assert sig["validation"]["revocation_status"][0]["reason"] == "key_compromise"


def test_encrypt_trust_validates_recipients(pki: Pki) -> None:
    proc = smime("encrypt", "--recipient", pki.bob_cert, "--trust", pki.root, "--in", pki.message)
    assert proc.returncode == 0, proc.stderr
    proc = smime("encrypt", "--recipient", pki.carol_cert, "--trust", pki.root,
                 "--in", pki.message)  # fmt: skip
    assert proc.returncode == 2
    assert "does not validate" in _one_line_error(proc)
    # without --trust nothing is validated
    proc = smime("encrypt", "--recipient", pki.carol_cert, "--in", pki.message)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("verify", "--trust", "ROOT", "--no-trust-check"),
        ("verify", "--system-trust", "--no-trust-check"),
        ("verify", "--trust", "ROOT", "--at", "yesterday"),
        ("verify", "--trust", "ROOT", "--at", "2020-01-01", "--at-signing-time"),
        ("verify", "--trust", "ROOT", "--revocation", "sometimes"),
        ("verify", "--trust", "ROOT", "--crl", "ROOT"),  # a certificate is no CRL
        ("verify", "--trust", "ROOT", "--ocsp", "ROOT"),
        ("verify", "--trust", "/nonexistent/anchors"),
        ("encrypt", "--recipient", "BOB", "--crl", "ROOT"),  # a CRL needs a store
    ],
)
def test_trust_option_errors_exit_2(pki: Pki, args: tuple[str, ...]) -> None:
    names = {"ROOT": str(pki.root), "BOB": str(pki.bob_cert)}
    proc = smime(*(names.get(a, a) for a in args), input=_sign(pki))
    assert proc.returncode == 2
    _one_line_error(proc)


# -- encrypt / decrypt / open ------------------------------------------------------------------


def test_encrypt_decrypt_roundtrip(pki: Pki) -> None:
    proc = smime("encrypt", "--recipient", pki.bob_cert, "--in", pki.message)
    assert proc.returncode == 0, proc.stderr
    assert b"authEnveloped-data" in proc.stdout
    out = smime("decrypt", "--cert", pki.bob_cert, "--key", pki.bob_key, input=proc.stdout)
    assert out.returncode == 0, out.stderr
    assert b"Hello from the command line test." in out.stdout


@pytest.mark.parametrize("cipher", ["aes-128-cbc", "chacha20-poly1305"])
def test_encrypt_cipher_oaep(pki: Pki, cipher: str) -> None:
    proc = smime("encrypt", "--recipient", pki.bob_cert, "--cipher", cipher, "--oaep",
                 "--outform", "der", "--inform", "binary", input=b"secret bytes")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = smime("decrypt", "--inform", "der", "--cert", pki.bob_cert, "--key", pki.bob_key,
                input=proc.stdout)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"secret bytes"


def test_password_and_kek_recipients(pki: Pki, tmp_path: Path) -> None:
    pw = _write(tmp_path / "pw.txt", b"correct horse\nignored\n")
    kek = _write(tmp_path / "kek.hex", (bytes(range(32)).hex() + "\n").encode())
    proc = smime("encrypt", "--password-file", pw, "--kek-file", kek, "--kek-id", "0a0b",
                 "--outform", "pem", "--inform", "binary", input=b"shared secret")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = smime("decrypt", "--inform", "pem", "--password-file", pw, input=proc.stdout)
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"shared secret"
    out = smime("decrypt", "--inform", "pem", "--kek-file", kek, "--kek-id", "0a0b",
                input=proc.stdout)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"shared secret"


def test_pkcs12_identity_and_encrypted_key(pki: Pki, tmp_path: Path) -> None:
    signed = _sign(pki, "--password-file", pki.password, key=pki.alice_key_encrypted)
    sealed = smime("encrypt", "--recipient", pki.bob_cert, input=signed).stdout
    proc = smime("open", "--identity", pki.bob_p12, "--password-file", pki.password,
                 "--trust", pki.root, input=sealed)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert b"status: ok" in proc.stdout
    wrong = _write(tmp_path / "wrong.txt", b"not it\n")
    proc = smime("decrypt", "--identity", pki.bob_p12, "--password-file", wrong, input=sealed)
    assert proc.returncode == 2
    _one_line_error(proc)


def test_decrypt_no_matching_key_exit_3(pki: Pki) -> None:
    sealed = smime("encrypt", "--recipient", pki.bob_cert, "--in", pki.message).stdout
    proc = smime("decrypt", "--cert", pki.carol_cert, "--key", pki.carol_key, input=sealed)
    assert proc.returncode == 3
    _one_line_error(proc)
    proc = smime("open", "--cert", pki.carol_cert, "--key", pki.carol_key, "--trust", pki.root,
                 input=sealed)  # fmt: skip
    assert proc.returncode == 3
    _one_line_error(proc)


def _signed_and_sealed(pki: Pki) -> bytes:
    signed = _sign(pki)
    proc = smime("encrypt", "--recipient", pki.bob_cert, input=signed)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_open_text_and_out(pki: Pki, tmp_path: Path) -> None:
    sealed = _write(tmp_path / "sealed.eml", _signed_and_sealed(pki))
    inner = tmp_path / "inner.eml"
    proc = smime("open", "--cert", pki.bob_cert, "--key", pki.bob_key, "--trust", pki.root,
                 "--in", sealed, "--out", inner)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "status: ok" in text
    assert "auth-enveloped" in text and "signed" in text
    assert b"Hello from the command line test." in inner.read_bytes()


def test_open_unsigned_exit_1(pki: Pki) -> None:
    sealed = smime("encrypt", "--recipient", pki.bob_cert, "--in", pki.message).stdout
    proc = smime("open", "--cert", pki.bob_cert, "--key", pki.bob_key, "--no-trust-check",
                 input=sealed)  # fmt: skip
    assert proc.returncode == 1
    assert b"not signed" in proc.stdout
    assert b"Hello from the command line test." in proc.stdout


def test_open_json_schema(pki: Pki) -> None:
    sealed = _signed_and_sealed(pki)
    proc = smime("open", "--json", "--cert", pki.bob_cert, "--key", pki.bob_key,
                 "--trust", pki.root, input=sealed)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True
    assert [layer["type"] for layer in doc["layers"]] == ["auth-enveloped", "signed"]
    assert doc["layers"][0]["integrity_protected"] is True
    assert doc["layers"][0]["algorithms"]
    (sig,) = doc["signatures"]
    assert set(sig) >= {"status", "reason", "trusted", "signer", "signing_time", "covers",
                        "sender_match"}  # fmt: skip
    assert sig["status"] == "valid" and sig["reason"] is None and sig["trusted"] is True
    assert sig["covers"] == "/" and sig["sender_match"] is True
    assert set(sig["signer"]) >= {"subject", "issuer", "serial", "email"}
    assert sig["signer"]["email"] == ["alice@example.org"]
    assert isinstance(sig["signing_time"], str)
    assert isinstance(doc["findings"], list)


def test_open_json_untrusted_exit_1(pki: Pki, tmp_path: Path) -> None:
    sealed = _signed_and_sealed(pki)
    out = tmp_path / "inner.eml"
    proc = smime("open", "--json", "--cert", pki.bob_cert, "--key", pki.bob_key,
                 "--trust", pki.other_root, "--out", out, input=sealed)  # fmt: skip
    assert not out.exists()
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False
    assert any("not trusted" in p for p in doc["problems"])
    assert doc["signatures"][0]["trusted"] is False


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nMIIB!!!notbase64\r\n",
        b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nMAMCAQc=\r\n",
    ],
)
def test_open_malformed_exit_2(pki: Pki, data: bytes) -> None:
    proc = smime("open", "--no-trust-check", "--cert", pki.bob_cert, "--key", pki.bob_key,
                 input=data)  # fmt: skip
    assert proc.returncode == 2
    _one_line_error(proc)


def test_malformed_input_exit_2(pki: Pki) -> None:
    proc = smime(
        "verify", "--inform", "der", "--trust", pki.root, input=b"\x30\x82\xff\xff garbage"
    )
    assert proc.returncode == 2
    _one_line_error(proc)
    proc = smime("decrypt", "--cert", pki.bob_cert, "--key", pki.bob_key, input=b"not a message")
    assert proc.returncode == 2
    _one_line_error(proc)


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("sign", "--digest"),
        ("verify",),  # neither --trust nor --no-trust-check
        ("sign", "--cert", "/nonexistent/cert.pem", "--key", "/nonexistent/key.pem"),
        ("encrypt", "--cipher", "rot13", "--recipient", "x.pem"),
        (),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    proc = smime(*args, input=b"")
    assert proc.returncode == 2
    _one_line_error(proc)


def test_failing_command_leaves_no_output_file(pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "out.eml"
    proc = smime("sign", "--cert", pki.alice_cert, "--key", pki.bob_key,  # key mismatch
                 "--in", pki.message, "--out", out)  # fmt: skip
    assert proc.returncode == 2
    _one_line_error(proc)
    tampered = _sign(pki).replace(b"Hello from", b"Jello from", 1)
    proc = smime("verify", "--trust", pki.root, "--out", out, input=tampered)
    assert proc.returncode == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_out_file_written(pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "signed.eml"
    _sign(pki, "--out", out)
    assert b"multipart/signed" in out.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signed.eml"]


def test_demo() -> None:
    proc = smime("demo")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "status: ok" in text
    assert "signer matches From alice@example.org: yes" in text
    assert "smimelib demo" in text and "Hello Bob" in text


# -- interop ---------------------------------------------------------------------------------------


@pytest.mark.interop
def test_openssl_verifies_smime_sign(pki: Pki, tmp_path: Path) -> None:
    signed = _write(tmp_path / "signed.eml", _sign(pki))
    proc = openssl(["smime", "-verify", "-CAfile", pki.root, "-in", signed])
    assert b"Hello from the command line test." in proc.stdout


@pytest.mark.interop
def test_smime_verifies_openssl_sign(pki: Pki, tmp_path: Path) -> None:
    signed = openssl(["smime", "-sign", "-signer", pki.alice_cert, "-inkey", pki.alice_key,
                      "-in", pki.message]).stdout  # fmt: skip
    proc = smime("verify", "--trust", pki.root, input=signed)
    assert proc.returncode == 0, proc.stderr
    assert b"Hello from the command line test." in proc.stdout
    proc = smime("verify", "--trust", pki.other_root, input=signed)
    assert proc.returncode == 1


# -- dump ------------------------------------------------------------------------------------------


def test_dump_mime_then_cms(pki: Pki) -> None:
    proc = smime("dump", input=_sign(pki))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "/ multipart/signed" in text
    assert "/1 application/pkcs7-signature" in text and "[S/MIME signature]" in text
    assert "CMS of part /1" in text
    assert "id-signedData (1.2.840.113549.1.7.2)" in text
    assert "sha256 (2.16.840.1.101.3.4.2.1)" in text


def test_dump_der_encapsulated_and_offsets(pki: Pki) -> None:
    der = smime("sign", "--cert", pki.alice_cert, "--key", pki.alice_key, "--inform", "binary",
                "--outform", "der", input=b"\x30\x03\x02\x01\x07").stdout  # fmt: skip
    proc = smime("dump", "--inform", "der", input=der)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split()[:4] == ["0:", "hl=4", f"len={len(der) - 4}", "SEQUENCE"]
    # the eContent OCTET STRING holds one element, shown opened
    assert any("OCTET STRING encapsulates:" in line for line in lines)
    assert any(line.rstrip().endswith("INTEGER 7") for line in lines)


@pytest.mark.interop
def test_dump_indefinite_length(pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "stream.der"
    openssl(["cms", "-sign", "-stream", "-binary", "-nodetach", "-signer", pki.alice_cert,
             "-inkey", pki.alice_key, "-in", pki.message,
             "-outform", "DER", "-out", out])  # fmt: skip
    proc = smime("dump", "--inform", "der", "--in", out)
    assert proc.returncode == 0, proc.stderr
    assert "indefinite" in proc.stdout.decode()


def test_dump_malformed_exit_2() -> None:
    proc = smime("dump", "--inform", "der", input=b"\x30\x05\x02\x01")
    assert proc.returncode == 2
    _one_line_error(proc)


@pytest.mark.interop
def test_openssl_decrypts_smime_encrypt(pki: Pki, tmp_path: Path) -> None:
    sealed = _write(tmp_path / "sealed.eml", smime("encrypt", "--recipient", pki.bob_cert,
                                                   "--in", pki.message).stdout)  # fmt: skip
    proc = openssl(["cms", "-decrypt", "-recip", pki.bob_cert, "-inkey", pki.bob_key,
                    "-in", sealed])  # fmt: skip
    assert b"Hello from the command line test." in proc.stdout


@pytest.mark.interop
def test_smime_decrypts_openssl_encrypt(pki: Pki) -> None:
    sealed = openssl(["cms", "-encrypt", "-aes-128-cbc", "-in", pki.message, pki.bob_cert]).stdout
    proc = smime("decrypt", "--cert", pki.bob_cert, "--key", pki.bob_key, input=sealed)
    assert proc.returncode == 0, proc.stderr
    assert b"Hello from the command line test." in proc.stdout
