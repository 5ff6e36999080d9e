"""The decryption entry point (RFC 5652 sections 6 and 8, RFC 5083): dispatch, uniform
errors (RFC 3218), plaintext released only after the tag or padding checked,
require_integrity (EFAIL), streaming with tiny reads, bounded memory, limits."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import pytest

from smimelib.asn1.limits import Limits
from smimelib.cms.attributes import content_type_attr
from smimelib.cms.content_info import ID_DATA, ID_SIGNED_DATA, parse_content_info
from smimelib.cms.decryption import ContentKey, DecryptionResult, decrypt
from smimelib.cms.encrypted_data import encrypt_data
from smimelib.cms.encryption import DEFAULT_CIPHER, encrypt
from smimelib.cms.recipients import KEK, KEKRecipient, KeyAgreeRecipient, Password
from smimelib.cms.signing import Signer, sign
from smimelib.crypto import ciphers
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    LimitExceeded,
    PolicyError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.pem import pem_encode
from tests.vectors import load_vector

KEK_ID = b"decrypt-tests"
KEK_KEY = bytes(range(64, 96))
CONTENT = bytes(range(256)) * 97  # 24832 octets: several chunks and segments


def _kek() -> KEK:
    return KEK(KEK_ID, KEK_KEY)


def _to_kek(content: bytes | io.BytesIO, cipher: str = DEFAULT_CIPHER, **options: object) -> bytes:
    return encrypt(content, [KEKRecipient(KEK_KEY, KEK_ID)], cipher=cipher, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def signer_identity() -> Identity:
    root = make_ca("CN=Decryption Test Root", key_type="p-256")
    return make_smime_identity("alice@decrypt.example", issuer=root, key_type="p-256")


class TinyReads(io.RawIOBase):
    """A non-seekable stream that returns 1 to 7 octets per read."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._step = self._step % 7 + 1
        size = min(len(buffer), self._step, len(self._data) - self._pos)
        buffer[:size] = self._data[self._pos : self._pos + size]
        self._pos += size
        return size


def _tiny(data: bytes) -> io.BufferedReader:
    # a BufferedReader would merge the tiny reads; read straight from the raw stream
    return TinyReads(data)  # type: ignore[return-value]


# -- dispatch -----------------------------------------------------------------------------------


def test_dispatches_on_the_content_type() -> None:
    enveloped = _to_kek(CONTENT, "aes-256-cbc")
    auth = _to_kek(CONTENT)
    encrypted = encrypt_data(CONTENT, KEK_KEY)
    keys: list[KEK | ContentKey] = [_kek(), ContentKey(KEK_KEY)]
    assert decrypt(enveloped, keys).structure == "enveloped-data"
    assert decrypt(auth, keys).structure == "auth-enveloped-data"
    result = decrypt(encrypted, keys)
    assert result.structure == "encrypted-data" and result.content == CONTENT
    assert isinstance(result, DecryptionResult)


def test_key_kinds_must_fit_the_structure() -> None:
    with pytest.raises(UsageError, match="ContentKey"):
        decrypt(encrypt_data(CONTENT, KEK_KEY), [_kek()])
    with pytest.raises(UsageError, match="no Identity, KeyPair, KEK or Password"):
        decrypt(_to_kek(CONTENT), [ContentKey(KEK_KEY)])
    with pytest.raises(UsageError, match="not a decryption key"):
        decrypt(_to_kek(CONTENT), [b"raw key"])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        decrypt(_to_kek(CONTENT), _kek())  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        ContentKey(b"")


def test_other_content_types_are_refused(signer_identity: Identity) -> None:
    signed = sign(b"hello", [Signer.from_identity(signer_identity)])
    with pytest.raises(
        DecodeError, match="is not EnvelopedData, AuthEnvelopedData or EncryptedData"
    ):
        decrypt(signed, [_kek()])


def test_pem_input() -> None:
    data = _to_kek(CONTENT)
    assert decrypt(pem_encode("CMS", data), [_kek()]).content == CONTENT
    assert decrypt(io.BytesIO(pem_encode("CMS", data)), [_kek()]).content == CONTENT


def test_trailing_octets() -> None:
    data = _to_kek(CONTENT)
    result = decrypt(data + b"\r\n", [_kek()])
    assert result.content == CONTENT
    assert any(f.startswith("trailing-whitespace:") for f in result.findings)
    for source in (data + b"\x00junk", io.BytesIO(data + b"junk")):
        with pytest.raises(DecodeError, match="trailing") as info:
            decrypt(source, [_kek()])
        assert info.value.offset == len(data)


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "aes-128-cbc"])
def test_truncation_is_a_decode_error_with_an_offset(cipher: str) -> None:
    data = _to_kek(CONTENT, cipher)
    for cut in (1, 30, len(data) // 2, len(data) - 1):
        for source in (data[:cut], io.BytesIO(data[:cut])):
            out = io.BytesIO()
            with pytest.raises(DecodeError) as info:
                decrypt(source, [_kek()], output=out)
            assert info.value.offset is not None
            assert out.getvalue() == b""


def test_unknown_content_cipher() -> None:
    data = _to_kek(CONTENT, "aes-128-cbc")
    forged = data.replace(
        bytes.fromhex("0609608648016503040102"), bytes.fromhex("06092a0304050607080901")
    )
    with pytest.raises(UnsupportedAlgorithm):
        decrypt(forged, [_kek()])


# -- uniform errors (RFC 3218; THREATS "No decryption oracle") ---------------------------------


def _failures() -> dict[str, tuple[bytes, list[KEK]]]:
    wrong_kek = [KEK(KEK_ID, bytes(32))]
    auth = bytearray(_to_kek(CONTENT))
    auth[-20] ^= 0x01  # inside the mac
    cbc = bytearray(_to_kek(CONTENT, "aes-256-cbc"))
    # The last byte of the next-to-last ciphertext block XORs into the last plaintext
    # byte, the pad length p: p ^ 1 is never valid padding (0 is not a length, and for
    # p >= 2 the byte before it is still p). Garbling the last block instead would leave
    # valid padding by chance once in 256 runs: CBC has no integrity to notice.
    cbc[-17] ^= 0x01
    return {
        "wrong KEK (AEAD)": (_to_kek(CONTENT), wrong_kek),
        "wrong KEK (CBC)": (_to_kek(CONTENT, "aes-256-cbc"), wrong_kek),
        "bad tag": (bytes(auth), [_kek()]),
        "bad padding": (bytes(cbc), [_kek()]),
    }


@pytest.mark.parametrize("case", list(_failures()))
@pytest.mark.parametrize("as_stream", [False, True])
def test_every_cryptographic_failure_is_the_same_error(case: str, as_stream: bool) -> None:
    data, keys = _failures()[case]
    out = io.BytesIO()
    with pytest.raises(DecryptionError) as info:
        decrypt(io.BytesIO(data) if as_stream else data, keys, output=out)
    assert type(info.value) is DecryptionError
    assert str(info.value) == "decryption failed"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert out.getvalue() == b""


def test_no_matching_recipient_is_a_different_public_error() -> None:
    with pytest.raises(DecryptionError, match=r"^no recipient info matches the given keys$"):
        decrypt(_to_kek(CONTENT), [KEK(b"another id", KEK_KEY)])
    with pytest.raises(DecryptionError, match="no recipient info matches"):
        decrypt(_to_kek(CONTENT), [Password("pw")])


# -- plaintext release --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cipher", ["aes-256-gcm", "chacha20-poly1305", "aes-128-ccm", "aes-128-cbc"]
)
def test_output_gets_nothing_on_failure_and_everything_on_success(cipher: str) -> None:
    data = bytearray(_to_kek(CONTENT, cipher))
    out = io.BytesIO()
    out.write(b"already here|")
    result = decrypt(bytes(data), [_kek()], output=out)
    assert result.content is None and result.content_length == len(CONTENT)
    assert out.getvalue() == b"already here|" + CONTENT
    # one octet in the middle of the ciphertext (the AEAD tag catches it) and one in the
    # next-to-last CBC block (the CBC padding catches that; the messages end with it)
    data[len(data) // 2] ^= 0x40
    data[-20] ^= 0x40
    out = io.BytesIO()
    out.write(b"already here|")
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(bytes(data), [_kek()], output=out)
    assert out.getvalue() == b"already here|"


def test_non_seekable_output_is_fed_after_the_check() -> None:
    written: list[bytes] = []

    class Sink:
        def write(self, data: bytes) -> int:
            written.append(bytes(data))
            return len(data)

    decrypt(_to_kek(CONTENT), [_kek()], output=Sink())  # type: ignore[arg-type]
    assert b"".join(written) == CONTENT
    written.clear()
    broken = bytearray(_to_kek(CONTENT))
    broken[-20] ^= 1
    with pytest.raises(DecryptionError):
        decrypt(bytes(broken), [_kek()], output=Sink())  # type: ignore[arg-type]
    assert written == []


# -- require_integrity (EFAIL, RFC 8551 section 2.7) -------------------------------------------


def test_require_integrity_accepts_aead() -> None:
    result = decrypt(_to_kek(CONTENT), [_kek()], require_integrity=True)
    assert result.content == CONTENT and result.integrity_protected
    assert result.signed_content is None


def test_require_integrity_refuses_cbc_data_before_decrypting() -> None:
    data = _to_kek(CONTENT, "aes-256-cbc")
    assert decrypt(data, [_kek()]).integrity_protected is False
    with pytest.raises(PolicyError, match=r"content is not integrity-protected \(EFAIL\)"):
        decrypt(data, [KEK(KEK_ID, bytes(32))], require_integrity=True)  # even with a wrong key
    with pytest.raises(PolicyError, match="EFAIL"):
        decrypt(encrypt_data(CONTENT, KEK_KEY), [ContentKey(KEK_KEY)], require_integrity=True)


def _signed_data_value(signed: bytes) -> bytes:
    """The SignedData inside a ContentInfo: what id-signedData content is (RFC 5652 6.1)."""
    return parse_content_info(signed).require_content().raw


@pytest.mark.parametrize("with_output", [False, True])
def test_require_integrity_accepts_cbc_around_a_valid_signed_data(
    signer_identity: Identity, with_output: bool
) -> None:
    signed = _signed_data_value(sign(b"signed inner", [Signer.from_identity(signer_identity)]))
    data = _to_kek(signed, "aes-256-cbc", content_type=ID_SIGNED_DATA)
    out = io.BytesIO() if with_output else None
    result = decrypt(data, [_kek()], require_integrity=True, output=out)
    assert (out.getvalue() if out is not None else result.content) == signed
    assert result.integrity_protected is False
    assert result.signed_content is not None and result.signed_content.ok
    if not with_output:
        assert result.signed_content.content == b"signed inner"
    assert not any(f.startswith("signed-content-in-content-info") for f in result.findings)


def test_require_integrity_tolerates_a_content_info_as_signed_content(
    signer_identity: Identity,
) -> None:
    """BouncyCastle-style: the whole ContentInfo encrypted as id-signedData content."""
    signed = sign(b"signed inner", [Signer.from_identity(signer_identity)])
    data = _to_kek(io.BytesIO(signed), "aes-256-cbc", content_type=ID_SIGNED_DATA)
    out = io.BytesIO()
    result = decrypt(io.BytesIO(data), [_kek()], require_integrity=True, output=out)
    assert out.getvalue() == signed
    assert result.signed_content is not None and result.signed_content.ok
    assert any(f.startswith("signed-content-in-content-info:") for f in result.findings)


def test_require_integrity_refuses_cbc_around_a_broken_signed_data(
    signer_identity: Identity,
) -> None:
    signed = _signed_data_value(sign(b"signed inner", [Signer.from_identity(signer_identity)]))
    forged = signed.replace(b"signed inner", b"SIGNED inner")
    data = _to_kek(forged, "aes-256-cbc", content_type=ID_SIGNED_DATA)
    for source in (data, io.BytesIO(data)):
        out = io.BytesIO()
        with pytest.raises(PolicyError, match="does not verify"):
            decrypt(source, [_kek()], require_integrity=True, output=out)
        assert out.getvalue() == b""
    garbage = _to_kek(b"not a SignedData", "aes-256-cbc", content_type=ID_SIGNED_DATA)
    with pytest.raises(PolicyError, match="cannot be verified"):
        decrypt(garbage, [_kek()], require_integrity=True)
    # without require_integrity the same content is returned, flagged
    result = decrypt(data, [_kek()])
    assert result.content == forged
    assert any(f.startswith("not-integrity-protected:") for f in result.findings)


# -- streaming ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "aes-256-ccm", "aes-128-cbc"])
@pytest.mark.parametrize("streamed_input", [False, True])
def test_tiny_reads(cipher: str, streamed_input: bool) -> None:
    content: bytes | io.BytesIO = io.BytesIO(CONTENT) if streamed_input else CONTENT
    data = _to_kek(content, cipher)
    out = io.BytesIO()
    result = decrypt(_tiny(data), [_kek()], output=out)
    assert out.getvalue() == CONTENT
    assert result.content_length == len(CONTENT)


def test_tiny_reads_of_a_tampered_message() -> None:
    data = bytearray(_to_kek(io.BytesIO(CONTENT)))
    data[len(data) // 2] ^= 1
    out = io.BytesIO()
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(_tiny(bytes(data)), [_kek()], output=out)
    assert out.getvalue() == b""


def test_key_agreement_round_trip_from_a_file(signer_identity: Identity) -> None:
    for recipient in (KeyAgreeRecipient(signer_identity.certificate), signer_identity.certificate):
        data = encrypt(CONTENT, [recipient])
        result = decrypt(io.BytesIO(data), [signer_identity])
        assert result.content == CONTENT
        assert result.recipient_info is not None and result.recipient_info.kind == "kari"
    with pytest.raises(UsageError):
        encrypt(CONTENT, [])
    with pytest.raises(UsageError, match="authenticated attributes"):
        encrypt(CONTENT, [signer_identity.certificate], cipher="aes-128-cbc",
                authenticated_attributes=[content_type_attr(ID_DATA)])  # fmt: skip


def test_content_in_memory_is_bounded() -> None:
    data = _to_kek(CONTENT)
    small = Limits(max_input_size=len(CONTENT) - 1)
    with pytest.raises(LimitExceeded):
        decrypt(data, [_kek()], limits=small)  # the bytes input itself is too long
    with pytest.raises(LimitExceeded, match="output"):
        decrypt(io.BytesIO(data), [_kek()], limits=small)
    out = io.BytesIO()
    decrypt(io.BytesIO(data), [_kek()], limits=small, output=out)
    assert out.getvalue() == CONTENT


def test_openssl_vector_from_the_auth_enveloped_pem() -> None:
    """The dispatcher reads a PEM file object (OpenSSL's authEnveloped sample)."""
    kek = KEK(bytes.fromhex("C0FEE0"), bytes.fromhex("000102030405060708090A0B0C0D0E0F"))
    data = load_vector("openssl/cms-data/authenveloped_attrs.pem")
    assert decrypt(io.BytesIO(data), [kek]).content == b"Hello AuthEnvelopedData world\n"


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import io, resource, sys, tempfile
    from smimelib.cms.decryption import decrypt
    from smimelib.cms.encryption import encrypt
    from smimelib.cms.recipients import KEK, KEKRecipient

    SIZE = 200 * 1024 * 1024

    class Pattern(io.RawIOBase):
        # non-seekable: the whole content never exists in memory
        def __init__(self):
            self.left = SIZE
        def readable(self):
            return True
        def readinto(self, buffer):
            n = min(len(buffer), self.left)
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    with tempfile.TemporaryFile() as sealed, tempfile.TemporaryFile() as opened:
        encrypt(Pattern(), [KEKRecipient(bytes(32), b"k")], cipher=sys.argv[1], output=sealed)
        size = sealed.tell()
        sealed.seek(0)
        result = decrypt(sealed, [KEK(b"k", bytes(32))], output=opened)
        assert result.content is None and result.content_length == SIZE, result
        assert opened.tell() == SIZE and size > SIZE
    # VmHWM: the peak of this process image. ru_maxrss would also count the pages of the
    # (large) pytest process this one was forked from, since Linux keeps it across exec.
    try:
        with open("/proc/self/status") as status:
            hwm = [line for line in status if line.startswith("VmHWM:")]
        print(int(hwm[0].split()[1]))
    except OSError:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "aes-256-cbc"])
def test_200_mb_in_and_out_in_bounded_memory(cipher: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, cipher],
        capture_output=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert proc.returncode == 0, proc.stderr.decode()
    peak_kib = int(proc.stdout.split()[-1])  # VmHWM / Linux ru_maxrss: KiB
    assert peak_kib < 64 * 1024, f"peak RSS {peak_kib} KiB"


def test_content_type_of_result() -> None:
    result = decrypt(_to_kek(CONTENT), [_kek()])
    assert result.content_type == ID_DATA and result.content_type_name != ID_DATA


# -- the failure path is the success path ----------------------------------------------------


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "aes-256-cbc"])
def test_a_failed_key_still_decrypts_the_whole_content(
    cipher: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KEK that does not unwrap the CEK (AES key wrap integrity check) must not end
    early: the content is decrypted with a stand-in key and the error comes at the end."""
    from smimelib.cms import _decrypt_engine

    decrypted: list[int] = []
    original = ciphers.content_decryptor

    def counting(*args: object, **kwargs: object) -> object:
        decryptor = original(*args, **kwargs)  # type: ignore[arg-type]
        update = decryptor.update

        def counted(data: bytes) -> bytes:
            decrypted.append(len(data))
            return update(data)

        decryptor.update = counted  # type: ignore[method-assign]
        return decryptor

    monkeypatch.setattr(_decrypt_engine, "content_decryptor", counting)
    data = _to_kek(CONTENT, cipher)
    with pytest.raises(DecryptionError, match=r"^decryption failed$"):
        decrypt(io.BytesIO(data), [KEK(KEK_ID, bytes(32))])
    assert sum(decrypted) >= len(CONTENT)


def test_declared_lengths_beyond_the_limit_are_refused_early() -> None:
    # ContentInfo { envelopedData, [0] { SEQUENCE { version, SET of 2 GiB ... } } }
    head = bytes.fromhex("308006092a864886f70d010703a0803080020100")
    huge = head + b"\x31\x84\x80\x00\x00\x00" + bytes(100)
    with pytest.raises(LimitExceeded) as info:
        decrypt(io.BytesIO(huge), [_kek()])
    assert info.value.offset == len(head)
