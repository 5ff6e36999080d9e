"""Interop: SignedData written by smimelib, checked by the OpenSSL CLI (``openssl cms``).

OpenSSL 3.0 cannot verify EdDSA SignedData (it has no CMS digest rules for
Ed25519/Ed448), so for those the RFC 8419 rules are checked piecewise with
``openssl dgst`` (the message digest) and ``openssl pkeyutl -rawin`` (PureEdDSA
over the DER signed attributes, or over the content without them).
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.cms.attributes import OID_MESSAGE_DIGEST
from smimelib.cms.content_info import ID_CT_TST_INFO
from smimelib.cms.countersign import add_countersignature
from smimelib.cms.signing import Signer, sign
from smimelib.cms.verify import verify_signed_data
from smimelib.pki.keys import private_key_to_pem, public_key_to_spki
from smimelib.pki.pem import pem_encode
from tests.cms.conftest import SignPKI
from tests.cms.signing_reader import parse
from tests.peers import in_ci, openssl, require_tool

pytestmark = pytest.mark.interop

CONTENT = b"Interop content\r\nwith CRLF line ends and \x00 binary \xff octets\r\n"


@pytest.fixture(scope="module")
def pki(sign_pki: SignPKI) -> SignPKI:
    return sign_pki


def signer(pki: SignPKI, kt: str, **options: object) -> Signer:
    return Signer.from_identity(pki.leaves[kt], **options)


def openssl_verify(
    pki: SignPKI,
    tmp_path: Path,
    message: bytes,
    *,
    pem: bool = False,
    content: bytes | None = None,
    chain_in_message: bool = False,
    check: bool = True,
) -> tuple[int, bytes]:
    """``openssl cms -verify -binary``; returns (exit code, the content OpenSSL output)."""
    src = tmp_path / ("msg.pem" if pem else "msg.der")
    src.write_bytes(pem_encode("CMS", message) if pem else message)
    out = tmp_path / "out.bin"
    args: list[str | Path] = ["cms", "-verify", "-binary", "-in", src, "-out", out]
    # openssl cms has no -untrusted: without the chain in the message, the intermediate
    # goes into the CA file; with it, the CA file holds the root only
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(
        (pki.directory / "root.pem").read_bytes()
        + (b"" if chain_in_message else (pki.directory / "intermediate.pem").read_bytes())
    )
    args += ["-inform", "PEM" if pem else "DER", "-CAfile", anchors]
    if content is not None:
        detached = tmp_path / "content.bin"
        detached.write_bytes(content)
        args += ["-content", detached]
    proc = openssl(args, check=check)
    return proc.returncode, out.read_bytes() if out.exists() else b""


def openssl_print(tmp_path: Path, message: bytes) -> str:
    src = tmp_path / "print.der"
    src.write_bytes(message)
    proc = openssl(["cms", "-cmsout", "-print", "-inform", "DER", "-in", src, "-noout"])
    return proc.stdout.decode("utf-8", "replace")


SIGNERS: dict[str, tuple[str, dict[str, object]]] = {
    "rsa-sha256": ("rsa", {}),
    "rsa-sha512": ("rsa", {"digest": "sha512"}),
    "rsa-pss-sha256": ("rsa", {"pss": True}),
    "rsa-pss-sha384": ("rsa", {"pss": True, "digest": "sha384"}),
    "p-256": ("p-256", {}),
    "p-384-sha384": ("p-384", {"digest": "sha384"}),
    "p-521-sha512": ("p-521", {"digest": "sha512"}),
}


@pytest.mark.parametrize("name", sorted(SIGNERS))
@pytest.mark.parametrize("detached", [False, True], ids=["attached", "detached"])
@pytest.mark.parametrize("pem", [False, True], ids=["der", "pem"])
def test_openssl_verifies(
    pki: SignPKI, tmp_path: Path, name: str, detached: bool, pem: bool
) -> None:
    kt, options = SIGNERS[name]
    message = sign(CONTENT, [signer(pki, kt, **options)], detached=detached)
    _, out = openssl_verify(pki, tmp_path, message, pem=pem, content=CONTENT if detached else None)
    assert out == CONTENT


def test_openssl_rejects_tampered_content(pki: SignPKI, tmp_path: Path) -> None:
    message = sign(CONTENT, [signer(pki, "rsa")], detached=True)
    code, _ = openssl_verify(pki, tmp_path, message, content=CONTENT + b"!", check=False)
    assert code != 0


def test_several_signers(pki: SignPKI, tmp_path: Path) -> None:
    signers = [
        signer(pki, "rsa", pss=True, digest="sha512"),
        signer(pki, "p-256"),
        signer(pki, "p-384", digest="sha384", use_ski=True),
    ]
    message = sign(CONTENT, signers)
    _, out = openssl_verify(pki, tmp_path, message)
    assert out == CONTENT
    text = openssl_print(tmp_path, message)
    assert text.count("signatureAlgorithm:") == 3


@pytest.mark.parametrize("kt", ["rsa", "p-256", "p-384"])
def test_subject_key_identifier(pki: SignPKI, tmp_path: Path, kt: str) -> None:
    message = sign(CONTENT, [signer(pki, kt, use_ski=True)])
    _, out = openssl_verify(pki, tmp_path, message)
    assert out == CONTENT
    assert "d.subjectKeyIdentifier" in openssl_print(tmp_path, message)


@pytest.mark.parametrize("kt", ["rsa", "p-256", "p-384"])
@pytest.mark.parametrize("detached", [False, True], ids=["attached", "detached"])
def test_no_signed_attributes(pki: SignPKI, tmp_path: Path, kt: str, detached: bool) -> None:
    message = sign(CONTENT, [signer(pki, kt, signed_attributes=False)], detached=detached)
    _, out = openssl_verify(pki, tmp_path, message, content=CONTENT if detached else None)
    assert out == CONTENT
    assert "signedAttrs:\n          <ABSENT>" in openssl_print(tmp_path, message)


def test_chain_in_message(pki: SignPKI, tmp_path: Path) -> None:
    message = sign(CONTENT, [signer(pki, "p-256")], include_chain=True)
    _, out = openssl_verify(pki, tmp_path, message, chain_in_message=True)
    assert out == CONTENT
    # without the chain OpenSSL cannot build the path to the root
    lonely = sign(CONTENT, [signer(pki, "p-256")])
    code, _ = openssl_verify(pki, tmp_path, lonely, chain_in_message=True, check=False)
    assert code != 0


@pytest.mark.parametrize("size", [0, 1, 200_000])
def test_streamed_indefinite_length(pki: SignPKI, tmp_path: Path, size: int) -> None:
    content = bytes(i % 251 for i in range(size))
    sink = io.BytesIO()
    sign(io.BytesIO(content), [signer(pki, "rsa"), signer(pki, "p-384")], output=sink)
    message = sink.getvalue()
    assert message[:2] == b"\x30\x80"
    _, out = openssl_verify(pki, tmp_path, message)
    assert out == content


def test_other_content_type(pki: SignPKI, tmp_path: Path) -> None:
    message = sign(CONTENT, [signer(pki, "p-256")], content_type=ID_CT_TST_INFO)
    _, out = openssl_verify(pki, tmp_path, message)
    assert out == CONTENT
    assert "eContentType: id-smime-ct-TSTInfo" in openssl_print(tmp_path, message)


def test_printed_attributes(pki: SignPKI, tmp_path: Path) -> None:
    enc = pki.leaves["rsa"].certificate
    message = sign(CONTENT, [signer(pki, "p-256", encryption_key_preference=enc)])
    text = openssl_print(tmp_path, message)
    for name in (
        "contentType (1.2.840.113549.1.9.3)",
        "signingTime (1.2.840.113549.1.9.5)",
        "messageDigest (1.2.840.113549.1.9.4)",
        "S/MIME Capabilities (1.2.840.113549.1.9.15)",
        "id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)",
        "id-smime-aa-encrypKeyPref (1.2.840.113549.1.9.16.2.11)",
        "(1.2.840.113549.1.9.52)",  # CMSAlgorithmProtection, unnamed in OpenSSL 3.0
    ):
        assert name in text, name
    assert "UTCTIME:" in text
    assert ":aes-256-gcm" in text  # first capability
    # the messageDigest value as OpenSSL dumps it: offset - hex bytes  ascii
    section = text.split("messageDigest (1.2.840.113549.1.9.4)")[1].split("object:")[0]
    dumped = "".join(
        m.group(1).replace("-", " ").replace(" ", "")
        for m in re.finditer(r"^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})", section, re.M)
    )
    assert dumped == hashlib.sha256(CONTENT).hexdigest()


def test_rsa_signature_equals_openssl(pki: SignPKI, tmp_path: Path) -> None:
    """Known answer: PKCS#1 v1.5 is deterministic, so without signed attributes OpenSSL
    and smimelib must produce the same signature value over the same content."""
    ident = pki.leaves["rsa"]
    (tmp_path / "key.pem").write_bytes(private_key_to_pem(ident.key))
    (tmp_path / "cert.pem").write_bytes(ident.certificate.to_pem())
    (tmp_path / "content.bin").write_bytes(CONTENT)
    for md in ("sha256", "sha384"):
        openssl(
            [
                "cms", "-sign", "-binary", "-noattr", "-nodetach", "-md", md,
                "-signer", tmp_path / "cert.pem", "-inkey", tmp_path / "key.pem",
                "-in", tmp_path / "content.bin", "-outform", "DER", "-out", tmp_path / "o.der",
            ]
        )  # fmt: skip
        theirs = parse((tmp_path / "o.der").read_bytes()).signer_infos[0]
        ours = parse(
            sign(CONTENT, [Signer.from_identity(ident, digest=md, signed_attributes=False)])
        )
        assert ours.signer_infos[0].signature == theirs.signature


@pytest.mark.parametrize("kt", ["ed25519", "ed448"])
@pytest.mark.parametrize("with_attrs", [True, False], ids=["signed-attrs", "pure"])
def test_eddsa_rfc8419_with_openssl_primitives(
    pki: SignPKI, tmp_path: Path, kt: str, with_attrs: bool
) -> None:
    ident = pki.leaves[kt]
    message = sign(CONTENT, [signer(pki, kt, signed_attributes=with_attrs)])
    assert verify_signed_data(message).ok
    si = parse(message).signer_infos[0]
    (tmp_path / "pub.pem").write_bytes(
        pem_encode("PUBLIC KEY", public_key_to_spki(ident.key.public_key()))
    )
    (tmp_path / "sig.bin").write_bytes(si.signature)
    (tmp_path / "content.bin").write_bytes(CONTENT)
    if with_attrs:
        # RFC 8419 3.1: message digest with SHA-512 / SHAKE256 (512 bits) via openssl dgst
        dgst = ["-sha512"] if kt == "ed25519" else ["-shake256", "-xoflen", "64"]
        proc = openssl(["dgst", *dgst, "-r", tmp_path / "content.bin"])
        expected = bytes.fromhex(proc.stdout.split()[0].decode())
        assert si.attrs()[OID_MESSAGE_DIGEST] == [der.encode_octets(expected)]
        signed = si.signed_bytes()
        assert tlv.is_der(signed)
    else:
        signed = CONTENT
    (tmp_path / "signed.bin").write_bytes(signed)
    proc = openssl(
        [
            "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "pub.pem", "-rawin",
            "-in", tmp_path / "signed.bin", "-sigfile", tmp_path / "sig.bin",
        ]
    )  # fmt: skip
    assert b"Signature Verified Successfully" in proc.stdout


def test_countersignature_printed(pki: SignPKI, tmp_path: Path) -> None:
    message = sign(CONTENT, [signer(pki, "rsa")])
    message = add_countersignature(message, signer(pki, "p-256", use_ski=True))
    _, out = openssl_verify(pki, tmp_path, message)  # the main signature still verifies
    assert out == CONTENT
    text = openssl_print(tmp_path, message)
    assert "countersignature (1.2.840.113549.1.9.6)" in text
    unsigned = text.split("unsignedAttrs:")[1]
    assert "messageDigest" in unsigned and "contentType" not in unsigned
    assert verify_signed_data(message).signers[0].countersignatures[0].valid


# -- BouncyCastle (a second, independent peer; verifies EdDSA SignedData too) ------------------

BC_JARS = [Path("/usr/share/java") / f"{name}.jar" for name in ("bcprov", "bcpkix", "bcutil")]

#: verifies every signer and countersignature of each message; prints one line per message
BC_VERIFY = """
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Security;
import java.util.Collection;
import java.util.HexFormat;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.util.Store;

public class BcVerify {
    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        for (String arg : args) {
            String[] parts = arg.split(",");
            try {
                byte[] msg = Files.readAllBytes(Paths.get(parts[1]));
                CMSSignedData sd = parts.length > 2
                    ? new CMSSignedData(
                        new CMSProcessableByteArray(Files.readAllBytes(Paths.get(parts[2]))), msg)
                    : new CMSSignedData(msg);
                int n = 0;
                for (SignerInformation si : sd.getSignerInfos().getSigners()) {
                    n += check(si, sd.getCertificates());
                }
                String content = parts.length > 2
                    ? "-" : HexFormat.of().formatHex((byte[]) sd.getSignedContent().getContent());
                System.out.println(parts[0] + " VERIFIED " + n + " " + content);
            } catch (Exception e) {
                System.out.println(parts[0] + " FAILED " + e);
            }
        }
    }

    static int check(SignerInformation si, Store<X509CertificateHolder> certs) throws Exception {
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> found = certs.getMatches(si.getSID());
        X509CertificateHolder cert = found.iterator().next();
        if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert))) {
            throw new IllegalStateException("signature does not verify: " + si.getSID());
        }
        int n = 1;
        for (SignerInformation cs : si.getCounterSignatures().getSigners()) {
            n += check(cs, certs);
        }
        return n;
    }
}
"""


def _bc_verifier(tmp_path: Path) -> list[str]:
    """``java`` command line running BcVerify; skips when no JDK or BC jars are installed
    (Debian: ``apt-get install default-jdk-headless libbcpkix-java``)."""
    javac, java = require_tool("javac"), require_tool("java")
    missing = [str(j) for j in BC_JARS if not j.exists()]
    if missing:
        message = f"BouncyCastle peer needs {', '.join(missing)} (Debian libbcpkix-java)"
        if in_ci():
            pytest.fail(message + " (CI must install it)")
        pytest.skip(message)
    classpath = ":".join(str(j) for j in BC_JARS)
    source = tmp_path / "BcVerify.java"
    source.write_text(BC_VERIFY)
    subprocess.run(
        [javac, "-cp", classpath, "-d", str(tmp_path), str(source)], check=True, timeout=120
    )
    return [java, "-cp", f"{tmp_path}:{classpath}", "BcVerify"]


def test_bouncycastle_verifies(pki: SignPKI, tmp_path: Path) -> None:
    command = _bc_verifier(tmp_path)
    cases: dict[str, tuple[bytes, bool, int]] = {}  # name -> (message, detached, signatures)
    for kt in ("ed25519", "ed448"):
        for with_attrs in (True, False):
            s = signer(pki, kt, signed_attributes=with_attrs)
            name = f"{kt}-{'attrs' if with_attrs else 'pure'}"
            cases[name] = (sign(CONTENT, [s]), False, 1)
            cases[name + "-detached"] = (sign(CONTENT, [s], detached=True), True, 1)
    cases["rsa-pss-ski"] = (sign(CONTENT, [signer(pki, "rsa", pss=True, use_ski=True)]), False, 1)
    mixed = [signer(pki, "p-521", digest="sha512"), signer(pki, "ed448"), signer(pki, "rsa")]
    cases["mixed"] = (sign(CONTENT, mixed), False, 3)
    sink = io.BytesIO()
    sign(io.BytesIO(CONTENT * 3000), [signer(pki, "ed25519"), signer(pki, "p-256")], output=sink)
    cases["streamed"] = (sink.getvalue(), False, 2)
    counter = sign(CONTENT, [signer(pki, "p-384", digest="sha384")])
    counter = add_countersignature(counter, signer(pki, "ed25519"))
    counter = add_countersignature(counter, signer(pki, "rsa", pss=True), path=(0,))
    cases["countersigned"] = (counter, False, 3)
    (tmp_path / "content.bin").write_bytes(CONTENT)
    (tmp_path / "other.bin").write_bytes(CONTENT + b".")
    args = []
    for name, (message, detached, _) in cases.items():
        (tmp_path / f"{name}.der").write_bytes(message)
        detached_arg = f",{tmp_path / 'content.bin'}" if detached else ""
        args.append(f"{name},{tmp_path / f'{name}.der'}{detached_arg}")
    # the peer must be able to say no: a detached signature over other content
    args.append(f"tampered,{tmp_path / 'ed448-attrs-detached.der'},{tmp_path / 'other.bin'}")
    proc = subprocess.run([*command, *args], capture_output=True, timeout=300, check=True)
    lines = dict(line.split(" ", 1) for line in proc.stdout.decode().splitlines())
    assert set(lines) == {*cases, "tampered"}
    assert lines["tampered"].startswith("FAILED")
    for name, (_, detached, count) in cases.items():
        status = lines[name].split()
        assert status[:2] == ["VERIFIED", str(count)], f"{name}: {lines[name]}"
        expected = "-" if detached else (CONTENT * (3000 if name == "streamed" else 1)).hex()
        assert status[2] == expected, name
