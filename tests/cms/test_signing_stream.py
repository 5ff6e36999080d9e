"""Signing from streams (RFC 5652 5.2, X.690 8.1.3.6): indefinite-length BER output,
chunked digesting, the PureEdDSA buffer limit, and bounded memory for 200 MB."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smimelib.asn1 import der, tlv
from smimelib.cms import signing
from smimelib.cms.content_info import ID_CT_TST_INFO, ID_SIGNED_DATA
from smimelib.cms.signing import Signer, sign
from smimelib.errors import UsageError
from tests.cms.conftest import SignPKI
from tests.cms.signing_reader import check_signature, parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pki(sign_pki: SignPKI) -> SignPKI:
    return sign_pki


def ident_signer(pki: SignPKI, kt: str, **options: object) -> Signer:
    return Signer.from_identity(pki.leaves[kt], **options)


def test_stream_attached_is_indefinite_ber(pki: SignPKI) -> None:
    content = os.urandom(3 * signing.CHUNK_SIZE + 123)
    signer = ident_signer(pki, "p-256")
    sink = io.BytesIO()
    assert sign(io.BytesIO(content), [signer], output=sink) == b""
    data = sink.getvalue()
    assert data.startswith(
        b"\x30\x80\x06\x09" + der.encode_oid(ID_SIGNED_DATA)[2:] + b"\xa0\x80\x30\x80"
    )
    sd = parse(data)
    assert sd.econtent == content
    root = sd.root
    eci = root.children()[1].children()[0].children()[2]
    assert root.indefinite and eci.indefinite
    octets = eci.children()[1].children()[0]
    assert octets.tag == tlv.Tag.OCTET_STRING.with_constructed(True) and octets.indefinite
    segments = octets.children()
    assert [len(s.content) for s in segments] == [signing.CHUNK_SIZE] * 3 + [123]
    check_signature(sd.signer_infos[0], signer.certificate, content)
    # without output the same BER comes back
    again = sign(io.BytesIO(content), [ident_signer(pki, "ed25519", signing_time=None)])
    assert parse(again).econtent == content and again[:2] == b"\x30\x80"


def test_stream_empty_content(pki: SignPKI) -> None:
    signer = ident_signer(pki, "rsa")
    data = sign(io.BytesIO(b""), [signer])
    sd = parse(data)
    assert sd.econtent == b""
    check_signature(sd.signer_infos[0], signer.certificate, b"")


def test_stream_detached_is_der(pki: SignPKI) -> None:
    content = os.urandom(2 * signing.CHUNK_SIZE + 5)
    signer = ident_signer(pki, "p-384", digest="sha384")
    data = sign(io.BytesIO(content), [signer], detached=True)
    assert tlv.is_der(data)
    sd = parse(data)
    assert sd.econtent is None
    check_signature(sd.signer_infos[0], signer.certificate, content)


class _Trickle(io.RawIOBase):
    """A stream that returns at most 1000 bytes per read (like a pipe)."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = bytes(self._data[: min(1000, n if n >= 0 else 1000)])
        self._data = self._data[len(chunk) :]
        return chunk


def test_stream_short_reads(pki: SignPKI) -> None:
    content = os.urandom(70_000)
    signer = ident_signer(pki, "ed448", signed_attributes=False)
    sd = parse(sign(_Trickle(content), [signer]))  # type: ignore[arg-type]
    assert sd.econtent == content
    check_signature(sd.signer_infos[0], signer.certificate, content)


def test_pure_eddsa_stream_limit(pki: SignPKI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "PURE_EDDSA_STREAM_LIMIT", 100_000)
    plain = ident_signer(pki, "ed25519", signed_attributes=False)
    with pytest.raises(UsageError, match="PureEdDSA"):
        sign(io.BytesIO(b"\0" * 100_001), [plain], detached=True)
    ok = parse(sign(io.BytesIO(b"\0" * 100_000), [plain], detached=True))
    check_signature(ok.signer_infos[0], plain.certificate, b"\0" * 100_000)
    # with signed attributes there is no limit: only the digest is needed
    attrs = ident_signer(pki, "ed25519")
    parse(sign(io.BytesIO(b"\0" * 300_000), [attrs], detached=True))


def test_nothing_written_on_early_errors(pki: SignPKI) -> None:
    sink = io.BytesIO()
    plain = ident_signer(pki, "p-256", signed_attributes=False)
    with pytest.raises(UsageError):
        sign(io.BytesIO(b"abc"), [plain], content_type=ID_CT_TST_INFO, output=sink)
    assert sink.getvalue() == b""


MEMORY_SCRIPT = textwrap.dedent(
    """
    import io, resource, sys, tracemalloc
    from smimelib.cms.signing import Signer, sign
    from smimelib.pki.builder import make_ca, make_smime_identity

    SIZE = 200 * 1024 * 1024
    BLOCK = bytes(range(256)) * 4096  # 1 MiB

    class Source(io.RawIOBase):
        def __init__(self):
            self.left = SIZE
        def readable(self):
            return True
        def read(self, n=-1):
            n = min(n if n >= 0 else len(BLOCK), len(BLOCK), self.left)
            self.left -= n
            return BLOCK[:n]

    ca = make_ca("CN=mem", key_type="p-256")
    leaf = make_smime_identity("m@example.net", issuer=ca, key_type="p-256")
    signer = Signer.from_identity(leaf)
    tracemalloc.start()
    out = open(sys.argv[1], "wb") if sys.argv[1] != "-" else None
    result = sign(Source(), [signer], detached=out is None, output=out)
    if out is not None:
        out.close()
    peak = tracemalloc.get_traced_memory()[1]
    try:  # VmHWM is this image's peak; ru_maxrss also counts the forked parent's pages
        with open("/proc/self/status") as status:
            hwm = [l for l in status if l.startswith("VmHWM:")][0]
        rss = int(hwm.split()[1]) * 1024
    except OSError:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(peak, rss, len(result))
    """
)


@pytest.mark.parametrize("mode", ["attached", "detached"])
def test_streaming_memory_is_bounded(tmp_path: Path, mode: str) -> None:
    out = tmp_path / "signed.ber" if mode == "attached" else "-"
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(out)],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    peak, rss, returned = map(int, proc.stdout.split())
    assert peak < 8 * 1024 * 1024, f"traced peak {peak} bytes"
    assert rss < 64 * 1024 * 1024, f"max RSS {rss} bytes"
    if mode == "attached":
        assert returned == 0
        size = Path(out).stat().st_size
        assert 200 * 1024 * 1024 < size < 201 * 1024 * 1024
    else:
        assert 0 < returned < 4096
