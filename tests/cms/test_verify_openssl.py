"""OpenSSL-written SignedData verified by smimelib (interop; RFC 5652 5, RFC 8551 2).

Identities come from ``cms_pki`` (smimelib's builder); ``openssl cms -sign -binary``
writes the messages: RSA PKCS #1 v1.5, RSASSA-PSS, ECDSA P-256 and P-384, attached and
detached, DER and PEM, ``-stream`` indefinite-length output with the content spread
over many segments, and the option variants (``-noattr``, ``-nosmimecap``, ``-keyid``,
``-md``, several signers, ``-nocerts``). OpenSSL 3.0 cannot sign with EdDSA in CMS, so
Ed25519/Ed448 are covered by the hand-built messages of ``test_verify.py``.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from smimelib.asn1 import tlv
from smimelib.cms.attributes import OID_SMIME_CAPABILITIES
from smimelib.cms.results import Reason, VerificationResult
from smimelib.cms.signed_data import SignedData
from smimelib.cms.verify import verify_signed_data
from tests.cms.conftest import CmsPKI
from tests.peers import openssl

pytestmark = pytest.mark.interop

#: 150 KB with line breaks and every octet value: many 4 KiB segments under -stream,
#: and any text-mode canonicalisation would break the signatures (-binary is used)
CONTENT = b"".join(hashlib.sha512(i.to_bytes(4, "big")).digest() + b"\n\r\x00" for i in range(2240))

#: (name, identity in cms_pki, extra options after -inkey)
SIGNERS = {
    "rsa": ("rsa", ()),
    "rsa-pss": ("rsa", ("-keyopt", "rsa_padding_mode:pss")),
    "p-256": ("p-256", ()),
    "p-384": ("p-384", ()),
}


class OneWay(io.RawIOBase):
    """A non-seekable stream delivering small reads."""

    def __init__(self, data: bytes, step: int = 4093) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(len(buffer), self._step))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture(scope="module")
def content_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openssl-cms") / "content.bin"
    path.write_bytes(CONTENT)
    return path


def openssl_sign(
    pki: CmsPKI,
    content_file: Path,
    out: Path,
    signers: list[str],
    *,
    detached: bool = False,
    outform: str = "DER",
    stream: bool = False,
    options: tuple[str, ...] = (),
) -> bytes:
    args: list[str | Path] = ["cms", "-sign", "-binary", "-in", content_file]
    args += ["-outform", outform, "-out", out]
    for name in signers:
        identity, extra = SIGNERS[name]
        args += ["-signer", pki[identity].cert, "-inkey", pki[identity].key, *extra]
    if not detached:
        args.append("-nodetach")
    if stream:
        args.append("-stream")
    args += options
    openssl(args)
    return out.read_bytes()


def check_valid(result: VerificationResult, count: int = 1) -> None:
    assert len(result.signers) == count
    assert result.ok, [s.describe() for s in result.signers]
    for signer in result.signers:
        assert signer.signature_valid is True and not signer.weak


#: (detached, stream): OpenSSL's -stream with DER/PEM output always encapsulates the
#: content; and OpenSSL 3.0 fails to write -stream output with -keyopt rsa_padding_mode:pss
#: ("illegal zero content"), so RSASSA-PSS is only tested with definite lengths
MATRIX = [
    pytest.param(signer, detached, stream, outform, id=f"{signer}-{layout}-{outform}")
    for signer in SIGNERS
    for detached, stream, layout in (
        (False, False, "attached"),
        (False, True, "attached-stream"),
        (True, False, "detached"),
    )
    for outform in ("DER", "PEM")
    if not (stream and signer == "rsa-pss")
]


@pytest.mark.parametrize(("signer", "detached", "stream", "outform"), MATRIX)
def test_openssl_signatures_verify(
    cms_pki: CmsPKI,
    content_file: Path,
    tmp_path: Path,
    signer: str,
    detached: bool,
    outform: str,
    stream: bool,
) -> None:
    message = openssl_sign(
        cms_pki,
        content_file,
        tmp_path / "signed",
        [signer],
        detached=detached,
        outform=outform,
        stream=stream,
    )
    content = CONTENT if detached else None
    result = verify_signed_data(message, content=content)
    check_valid(result)
    assert result.detached is detached
    assert result.content == CONTENT
    got = result.signers[0]
    assert got.certificate == cms_pki[SIGNERS[signer][0]].certificate
    assert got.intact is True and got.signing_time is not None
    if signer == "rsa-pss":
        assert got.signature_algorithm.oid == "1.2.840.113549.1.1.10"
    # the same through the streaming API, from a file that cannot seek
    out = io.BytesIO()
    streamed = verify_signed_data(
        OneWay(message), content=OneWay(CONTENT) if detached else None, content_out=out
    )
    check_valid(streamed)
    assert out.getvalue() == CONTENT and streamed.content is None


def test_stream_output_is_indefinite_with_many_segments(
    cms_pki: CmsPKI, content_file: Path, tmp_path: Path
) -> None:
    message = openssl_sign(cms_pki, content_file, tmp_path / "s.der", ["rsa"], stream=True)
    assert message[:2] == b"\x30\x80"
    sd = SignedData.from_bytes(message)
    assert any(f.startswith("ber-encoding") for f in sd.findings)
    assert sd.content == CONTENT
    assert message.count(b"\x04\x82\x10\x00") >= len(CONTENT) // 4096  # 4 KiB segments
    check_valid(verify_signed_data(io.BytesIO(message)))


@pytest.mark.parametrize(
    ("options", "check"),
    [
        (("-noattr",), "noattr"),
        (("-nosmimecap",), "nosmimecap"),
        (("-keyid",), "keyid"),
        (("-md", "sha384"), "sha384"),
        (("-md", "sha512"), "sha512"),
    ],
    ids=["noattr", "nosmimecap", "keyid", "sha384", "sha512"],
)
@pytest.mark.parametrize("signer", ["rsa", "p-256"])
def test_openssl_option_variants(
    cms_pki: CmsPKI,
    content_file: Path,
    tmp_path: Path,
    signer: str,
    options: tuple[str, ...],
    check: str,
) -> None:
    message = openssl_sign(
        cms_pki, content_file, tmp_path / "signed.der", [signer], options=options
    )
    result = verify_signed_data(message)
    check_valid(result)
    si = result.signers[0].signer_info
    if check == "noattr":
        assert si.signed_attrs is None and result.signers[0].intact is None
    elif check == "nosmimecap":
        assert si.signed_attrs is not None and OID_SMIME_CAPABILITIES not in si.signed_attrs
    elif check == "keyid":
        assert si.sid.is_subject_key_identifier and si.version == 3
    else:
        assert (
            si.digest_algorithm.oid
            == {"sha384": "2.16.840.1.101.3.4.2.2", "sha512": "2.16.840.1.101.3.4.2.3"}[check]
        )


def test_openssl_several_signers_and_nocerts(
    cms_pki: CmsPKI, content_file: Path, tmp_path: Path
) -> None:
    names = ["rsa", "p-256", "p-384"]
    message = openssl_sign(cms_pki, content_file, tmp_path / "multi.der", names, stream=True)
    result = verify_signed_data(OneWay(message))
    check_valid(result, 3)
    # OpenSSL writes signerInfos as a DER-sorted SET OF
    assert {s.certificate.der for s in result.signers if s.certificate} == {
        cms_pki[n].certificate.der for n in names
    }
    pss = openssl_sign(cms_pki, content_file, tmp_path / "pss.der", ["rsa-pss", "p-384"])
    check_valid(verify_signed_data(pss), 2)
    nocerts = openssl_sign(
        cms_pki, content_file, tmp_path / "nocerts.der", ["rsa", "p-256"], options=("-nocerts",)
    )
    missing = verify_signed_data(nocerts)
    assert [s.reason for s in missing.signers] == [Reason.SIGNER_CERTIFICATE_NOT_FOUND] * 2
    given = verify_signed_data(
        nocerts, certificates=[cms_pki["rsa"].certificate, cms_pki["p-256"].certificate]
    )
    check_valid(given, 2)
    assert given.certificates == ()


# -- tampering with OpenSSL's output: exactly the affected signer ------------------------------


@pytest.fixture
def two_signers(cms_pki: CmsPKI, content_file: Path, tmp_path: Path) -> bytes:
    return openssl_sign(cms_pki, content_file, tmp_path / "two.der", ["rsa", "p-256"])


def _flip(message: bytes, index: int, xor: int = 0x01) -> bytes:
    out = bytearray(message)
    out[index] ^= xor
    return bytes(out)


def test_tampered_content(two_signers: bytes) -> None:
    index = two_signers.index(CONTENT[5000:5064]) + 10
    result = verify_signed_data(_flip(two_signers, index))
    assert [s.reason for s in result.signers] == [Reason.DIGEST_MISMATCH] * 2
    assert all(s.signature_valid and s.intact is False for s in result.signers)


@pytest.mark.parametrize("victim", [0, 1])
def test_tampered_signature(two_signers: bytes, victim: int) -> None:
    signature = SignedData.from_bytes(two_signers).signer_infos[victim].signature
    index = two_signers.index(signature) + len(signature) // 2
    result = verify_signed_data(_flip(two_signers, index))
    expected: list[Reason | None] = [None, None]
    expected[victim] = Reason.BAD_SIGNATURE
    assert [s.reason for s in result.signers] == expected
    assert result.signers[victim].intact is True and not result.ok


@pytest.mark.parametrize("victim", [0, 1])
def test_tampered_signed_attribute(two_signers: bytes, victim: int) -> None:
    sd = SignedData.from_bytes(two_signers)
    si = sd.signer_infos[victim]
    assert si.signed_attrs is not None
    time_value = si.signed_attrs.get("1.2.840.113549.1.9.5")[0].values[0]
    element = tlv.parse_one(time_value)
    assert element.tag == tlv.Tag.UTC_TIME
    index = two_signers.index(time_value, si.offset) + 3  # a digit of the year or month
    result = verify_signed_data(_flip(two_signers, index))
    expected: list[Reason | None] = [None, None]
    expected[victim] = Reason.BAD_SIGNATURE
    assert [s.reason for s in result.signers] == expected
