"""Content-encryption ciphers: AES-CBC, AES-GCM, AES-CCM and ChaCha20-Poly1305.

Streaming encryptors and decryptors for the content-encryption algorithms of
CMS, with the parameter encodings of the RFCs checked strictly (THREATS 4.1,
CVE-2025-15467):

* AES-128/192/256-CBC (RFC 3565 section 4.1): parameters are the 16-octet IV
  as an OCTET STRING; PKCS #7 padding (RFC 5652 section 6.3).
* AES-128/192/256-GCM and -CCM (RFC 5084 section 3)::

      GCMParameters ::= SEQUENCE {
        aes-nonce   OCTET STRING,               -- only 12 octets accepted here
        aes-ICVlen  AES-GCM-ICVlen DEFAULT 12 } -- 12..16
      CCMParameters ::= SEQUENCE {
        aes-nonce   OCTET STRING (SIZE(7..13)),
        aes-ICVlen  AES-CCM-ICVlen DEFAULT 12 } -- 4, 6, 8, 10, 12, 14, 16

* ChaCha20-Poly1305 (RFC 8103 section 3): parameters are the 12-octet nonce
  as an OCTET STRING; the tag is 16 octets.

The legacy ciphers (3DES, DES, RC2) are in :mod:`smimelib.crypto.legacy`,
decrypt only; :func:`content_decryptor` dispatches to them.

Every failure that depends on the key or the ciphertext (bad padding, bad tag,
wrong key length on decryption) raises the same
``DecryptionError("decryption failed")``, so that no error is an oracle
(RFC 3218). A key of the wrong length for the OID is refused: on encryption
with :class:`UsageError`, on decryption with that same DecryptionError,
because the key there usually comes from an unwrap the sender controls
(FIELD-NOTES: a BouncyCastle sample carries a 24-byte key under AES-128).

AEAD decryption streams plaintext *before* the tag is checked: a caller must
hold back (or discard) everything :meth:`Decryptor.update` returned until
:meth:`Decryptor.verify` succeeds.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Literal

from Crypto.Cipher import AES, ChaCha20_Poly1305
from Crypto.Random import get_random_bytes

from smimelib.asn1 import der, oids, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.crypto.algorithms import (
    DEFAULT_POLICY,
    AlgorithmInfo,
    Kind,
    Policy,
    Use,
    lookup,
    lookup_name,
    register,
)
from smimelib.errors import DecodeError, DecryptionError, UnsupportedAlgorithm, UsageError

__all__ = [
    "DECRYPTION_FAILED",
    "CbcDecryptor",
    "CbcEncryptor",
    "Decryptor",
    "Encryptor",
    "content_algorithm",
    "content_decryptor",
    "content_encryptor",
    "decrypt",
    "encrypt",
    "generate_key",
    "key_size",
]

#: the one message of every decryption failure (RFC 3218)
DECRYPTION_FAILED = "decryption failed"

_Mode = Literal["cbc", "gcm", "ccm", "chacha20-poly1305"]
_CBC: _Mode = "cbc"
_GCM: _Mode = "gcm"
_CCM: _Mode = "ccm"
_CHACHA: _Mode = "chacha20-poly1305"
_GCM_ICV = frozenset(range(12, 17))
_CCM_ICV = frozenset({4, 6, 8, 10, 12, 14, 16})
_DEFAULT_ICV = 12  # RFC 5084 DEFAULT
_WRITE_ICV = 16  # what we write (and OpenSSL writes): the full tag


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    mode: _Mode
    key_size: int


_SPECS: dict[str, _Spec] = {}


def _add(oid: str, name: str, mode: _Mode, key_size: int, rfc: str, *aliases: str) -> None:
    kind = Kind.CONTENT_CIPHER if mode == _CBC else Kind.AEAD
    register(AlgorithmInfo(oid, name, kind, rfc=rfc, key_size=key_size, aliases=aliases))
    if oids.name_of(oid) == oid:
        oids.register(oid, name)
    _SPECS[oid] = _Spec(name, mode, key_size)


for _bits, _arc in ((128, 0), (192, 20), (256, 40)):
    _base = "2.16.840.1.101.3.4.1."
    _add(
        f"{_base}{_arc + 2}", f"id-aes{_bits}-CBC", _CBC, _bits // 8, "RFC 3565 section 4.1",
        f"aes-{_bits}-cbc", f"aes{_bits}-cbc",
    )  # fmt: skip
    _add(
        f"{_base}{_arc + 6}", f"id-aes{_bits}-GCM", _GCM, _bits // 8, "RFC 5084 section 3.2",
        f"aes-{_bits}-gcm", f"aes{_bits}-gcm",
    )  # fmt: skip
    _add(
        f"{_base}{_arc + 7}", f"id-aes{_bits}-CCM", _CCM, _bits // 8, "RFC 5084 section 3.1",
        f"aes-{_bits}-ccm", f"aes{_bits}-ccm",
    )  # fmt: skip
_add(
    "1.2.840.113549.1.9.16.3.18", "id-alg-AEADChaCha20Poly1305", _CHACHA, 32,
    "RFC 8103 section 3", "chacha20-poly1305",
)  # fmt: skip


def _fail() -> DecryptionError:
    return DecryptionError(DECRYPTION_FAILED)


# ---------------------------------------------------------------------------
# Streaming interfaces


class Encryptor(abc.ABC):
    """A streaming content encryptor: :meth:`update` any number of times, then
    :meth:`finalize`; AEAD encryptors then give the tag with :meth:`finalize_tag`."""

    #: the AlgorithmIdentifier (with its parameters) to write next to the ciphertext
    algorithm: AlgorithmIdentifier
    #: whether this is an AEAD cipher with a tag
    aead: bool = False

    @abc.abstractmethod
    def update(self, data: bytes) -> bytes:
        """Encrypt a chunk; returns the ciphertext available so far (maybe empty)."""

    @abc.abstractmethod
    def finalize(self) -> bytes:
        """The rest of the ciphertext (CBC: the padded last block)."""

    def finalize_tag(self) -> bytes:
        """The authentication tag (AEAD only), after :meth:`finalize`."""
        raise UsageError(f"{self.algorithm} is not an AEAD cipher and has no tag")


class Decryptor(abc.ABC):
    """A streaming content decryptor.

    CBC: :meth:`update` any number of times, then :meth:`finalize` (which checks
    and strips the padding; the last block is held back until then).
    AEAD: :meth:`update` any number of times, then :meth:`verify` with the tag.
    The plaintext of AEAD :meth:`update` calls is *unauthenticated* until
    :meth:`verify` returns: callers must withhold or discard it on failure.
    """

    algorithm: AlgorithmIdentifier
    aead: bool = False
    #: the expected tag length in octets (AEAD), else ``None``
    tag_length: int | None = None

    @abc.abstractmethod
    def update(self, data: bytes) -> bytes:
        """Decrypt a chunk; returns the plaintext available so far (maybe empty)."""

    def finalize(self) -> bytes:
        """The rest of the plaintext (CBC); raises DecryptionError on bad padding."""
        raise UsageError(f"{self.algorithm} is an AEAD cipher: finish with verify(tag)")

    def verify(self, tag: bytes) -> bytes:
        """Check the AEAD tag; returns the rest of the plaintext (AEAD only).

        :raises DecryptionError: the tag does not verify or has the wrong length.
        """
        raise UsageError(f"{self.algorithm} is not an AEAD cipher and has no tag")


class _Finished:
    """Guards against use after finalize (a caller bug, not an input fault)."""

    _done = False

    def _check_open(self) -> None:
        if self._done:
            raise UsageError("cipher already finalized")


class _Blockwise(_Finished):
    """State shared by the CBC encryptor and decryptor: the cipher and a partial block."""

    def __init__(self, algorithm: AlgorithmIdentifier, cipher: Any, block_size: int) -> None:
        self.algorithm = algorithm
        self._cipher = cipher
        self._bs = block_size
        self._buf = b""


class CbcEncryptor(_Blockwise, Encryptor):
    """CBC with PKCS #7 padding (RFC 5652 section 6.3) over a pycryptodome CBC object."""

    def update(self, data: bytes) -> bytes:
        self._check_open()
        buf = self._buf + bytes(data)
        cut = len(buf) - len(buf) % self._bs
        self._buf = buf[cut:]
        return bytes(self._cipher.encrypt(buf[:cut])) if cut else b""

    def finalize(self) -> bytes:
        self._check_open()
        self._done = True
        pad = self._bs - len(self._buf)
        return bytes(self._cipher.encrypt(self._buf + bytes([pad]) * pad))


class CbcDecryptor(_Blockwise, Decryptor):
    """CBC decryption with a strict PKCS #7 padding check (RFC 5652 section 6.3).

    The last complete block is held back until :meth:`finalize`, which removes
    the padding; any failure is ``DecryptionError("decryption failed")``.
    """

    def update(self, data: bytes) -> bytes:
        self._check_open()
        buf = self._buf + bytes(data)
        keep = len(buf) % self._bs or (self._bs if buf else 0)
        cut = len(buf) - keep
        self._buf = buf[cut:]
        return bytes(self._cipher.decrypt(buf[:cut])) if cut else b""

    def finalize(self) -> bytes:
        self._check_open()
        self._done = True
        if len(self._buf) != self._bs:
            raise _fail()
        block = bytes(self._cipher.decrypt(self._buf))
        pad = block[-1]
        # Accumulate instead of returning early so that every padding failure
        # takes the same path.
        bad = int(pad == 0) | int(pad > self._bs)
        for i in range(1, self._bs + 1):
            in_pad = int(i <= pad)
            bad |= in_pad & int(block[-i] != pad)
        if bad:
            raise _fail()
        return block[: self._bs - pad]


class _AeadEncryptor(_Finished, Encryptor):
    aead = True

    def __init__(
        self, algorithm: AlgorithmIdentifier, cipher: Any, tag_length: int, buffered: bool
    ) -> None:
        self.algorithm = algorithm
        self._cipher = cipher
        self._tag_length = tag_length
        self._buffered = buffered  # CCM without a known length: one encrypt() call only
        self._chunks: list[bytes] = []
        self._tag: bytes | None = None

    def update(self, data: bytes) -> bytes:
        self._check_open()
        if self._buffered:
            self._chunks.append(bytes(data))
            return b""
        return self._run(bytes(data))

    def _run(self, data: bytes) -> bytes:
        try:
            return bytes(self._cipher.encrypt(data))
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{self.algorithm}: cannot encrypt: {exc}") from None

    def finalize(self) -> bytes:
        self._check_open()
        self._done = True
        out = self._run(b"".join(self._chunks)) if self._buffered else b""
        self._chunks = []
        try:
            self._tag = bytes(self._cipher.digest())
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{self.algorithm}: cannot finish encryption: {exc}") from None
        return out

    def finalize_tag(self) -> bytes:
        if self._tag is None:
            raise UsageError("call finalize() before finalize_tag()")
        return self._tag


class _AeadDecryptor(_Finished, Decryptor):
    aead = True

    def __init__(
        self, algorithm: AlgorithmIdentifier, cipher: Any, tag_length: int, buffered: bool
    ) -> None:
        self.algorithm = algorithm
        self._cipher = cipher
        self.tag_length = tag_length
        self._buffered = buffered
        self._chunks: list[bytes] = []

    def update(self, data: bytes) -> bytes:
        self._check_open()
        if self._buffered:
            self._chunks.append(bytes(data))
            return b""
        try:
            return bytes(self._cipher.decrypt(bytes(data)))
        except (ValueError, TypeError):
            raise _fail() from None

    def verify(self, tag: bytes) -> bytes:
        self._check_open()
        self._done = True
        try:
            if len(tag) != self.tag_length:
                raise ValueError("tag length")
            if self._buffered:
                data = b"".join(self._chunks)
                self._chunks = []
                return bytes(self._cipher.decrypt_and_verify(data, bytes(tag)))
            self._cipher.verify(bytes(tag))
        except (ValueError, TypeError, KeyError):
            raise _fail() from None
        return b""


# ---------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True, slots=True)
class _Params:
    iv: bytes
    tag_length: int | None


def _spec(alg: AlgorithmIdentifier) -> _Spec | None:
    return _SPECS.get(alg.oid)


def _octets(data: bytes, what: str) -> bytes:
    elem = tlv.parse_one(data, what=what)
    if elem.tag != tlv.Tag.OCTET_STRING:
        raise DecodeError(f"{what} is not an OCTET STRING", offset=elem.offset)
    return elem.as_octets()


def _parse_params(spec: _Spec, alg: AlgorithmIdentifier) -> _Params:
    """Parse and strictly check the parameters (THREATS 4.1, CVE-2025-15467)."""
    if alg.parameters is None:
        raise DecodeError(f"{spec.name} parameters are missing", oid=alg.oid)
    if spec.mode == _CBC:
        iv = _octets(alg.parameters, f"{spec.name} IV")
        if len(iv) != 16:
            raise DecodeError(f"{spec.name} IV must be 16 octets, not {len(iv)}", oid=alg.oid)
        return _Params(iv, None)
    if spec.mode == _CHACHA:
        nonce = _octets(alg.parameters, f"{spec.name} nonce")
        if len(nonce) != 12:
            raise DecodeError(f"{spec.name} nonce must be 12 octets, not {len(nonce)}", oid=alg.oid)
        return _Params(nonce, 16)
    what = "GCMParameters" if spec.mode == _GCM else "CCMParameters"
    elem = tlv.parse_one(alg.parameters, what=what)
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset, oid=alg.oid)
    fields = elem.children()
    if not 1 <= len(fields) <= 2 or fields[0].tag != tlv.Tag.OCTET_STRING:
        raise DecodeError(f"malformed {what}", offset=elem.offset, oid=alg.oid)
    nonce = fields[0].as_octets()
    icv = _DEFAULT_ICV
    if len(fields) == 2:
        if fields[1].tag != tlv.Tag.INTEGER:
            raise DecodeError(f"{what} aes-ICVlen is not an INTEGER", offset=fields[1].offset)
        icv = fields[1].as_int(max_octets=2)
    if spec.mode == _GCM:
        # RFC 5084 allows any nonce length; 12 is the only one anybody writes and
        # other lengths have been an attack vector (CVE-2025-15467).
        if len(nonce) != 12:
            raise DecodeError(f"AES-GCM nonce must be 12 octets, not {len(nonce)}", oid=alg.oid)
        if icv not in _GCM_ICV:
            raise DecodeError(f"AES-GCM aes-ICVlen {icv} is not in 12..16", oid=alg.oid)
    else:
        if not 7 <= len(nonce) <= 13:
            raise DecodeError(f"AES-CCM nonce must be 7..13 octets, not {len(nonce)}", oid=alg.oid)
        if icv not in _CCM_ICV:
            raise DecodeError(
                f"AES-CCM aes-ICVlen {icv} is not one of 4, 6, 8, 10, 12, 14, 16", oid=alg.oid
            )
    return _Params(nonce, icv)


def content_algorithm(
    name: str, iv_or_nonce: bytes | None = None, *, icv_len: int | None = None
) -> AlgorithmIdentifier:
    """A fresh content-encryption AlgorithmIdentifier to write.

    :param name: ``"aes-128-cbc"`` ... ``"aes-256-gcm"``, ``"aes-128-ccm"``,
        ``"chacha20-poly1305"`` (or the RFC name / OID name of the registry).
    :param iv_or_nonce: the IV (CBC, 16 octets) or nonce (GCM 12; CCM 7..13;
        ChaCha20-Poly1305 12); random (``get_random_bytes``) when ``None``.
    :param icv_len: the AEAD tag length; default 16. The RFC 5084 DEFAULT of 12
        is omitted from the DER (X.690 section 11.5).
    :raises UsageError: a bad IV, nonce or tag length.
    :raises PolicyError: a legacy cipher (never written).
    """
    info = lookup_name(name)
    spec = _SPECS.get(info.oid)
    if spec is None:
        DEFAULT_POLICY.check(info, Use.PRODUCE)
        raise UnsupportedAlgorithm(f"{info.name} is not a content cipher", oid=info.oid)
    if spec.mode == _CBC:
        if icv_len is not None:
            raise UsageError(f"{spec.name} has no tag; icv_len does not apply")
        iv = get_random_bytes(16) if iv_or_nonce is None else bytes(iv_or_nonce)
        if len(iv) != 16:
            raise UsageError(f"{spec.name} IV must be 16 octets")
        return AlgorithmIdentifier(info.oid, der.encode_octets(iv))
    if spec.mode == _CHACHA:
        if icv_len not in (None, 16):
            raise UsageError("ChaCha20-Poly1305 has a 16-octet tag")
        nonce = get_random_bytes(12) if iv_or_nonce is None else bytes(iv_or_nonce)
        if len(nonce) != 12:
            raise UsageError("ChaCha20-Poly1305 nonce must be 12 octets")
        return AlgorithmIdentifier(info.oid, der.encode_octets(nonce))
    icv = _WRITE_ICV if icv_len is None else icv_len
    nonce = get_random_bytes(12) if iv_or_nonce is None else bytes(iv_or_nonce)
    if spec.mode == _GCM and (len(nonce) != 12 or icv not in _GCM_ICV):
        raise UsageError("AES-GCM needs a 12-octet nonce and a tag of 12..16 octets")
    if spec.mode == _CCM and (not 7 <= len(nonce) <= 13 or icv not in _CCM_ICV):
        raise UsageError("AES-CCM needs a 7..13-octet nonce and a tag of 4, 6, ..., 16 octets")
    parts = [der.encode_octets(nonce)]
    if icv != _DEFAULT_ICV:
        parts.append(der.encode_int(icv))
    return AlgorithmIdentifier(info.oid, der.sequence(*parts))


def key_size(alg: AlgorithmIdentifier | str) -> int:
    """The key size in octets of a content cipher (an AlgorithmIdentifier, OID or name).

    RC2 has a variable key; its size here is 16 (128 bits, RFC 3370 section 5.2).
    """
    if isinstance(alg, AlgorithmIdentifier):
        info = lookup(alg.oid)
    elif alg[:1].isdigit():
        info = lookup(alg)
    else:
        info = lookup_name(alg)
    if info.key_size is None:
        raise UnsupportedAlgorithm(f"{info.name} has no fixed key size", oid=info.oid)
    return info.key_size


def generate_key(alg: AlgorithmIdentifier | str) -> bytes:
    """A random content-encryption key of the algorithm's size."""
    return get_random_bytes(key_size(alg))


def _checked_info(alg: AlgorithmIdentifier, policy: Policy, use: Use) -> AlgorithmInfo:
    info = lookup(alg.oid)
    if info.kind not in (Kind.CONTENT_CIPHER, Kind.AEAD):
        raise UnsupportedAlgorithm(
            f"{info.name} is not a content-encryption algorithm", oid=alg.oid, oid_name=info.name
        )
    policy.check(info, use)
    return info


def _new_aead(
    spec: _Spec,
    params: _Params,
    key: bytes,
    aad: bytes,
    message_length: int | None,
) -> tuple[Any, bool]:
    """A pycryptodome AEAD object with the AAD absorbed; ``True`` if it must buffer."""
    buffered = False
    tag_length = params.tag_length or 16
    cipher: Any
    if spec.mode == _GCM:
        cipher = AES.new(key, AES.MODE_GCM, nonce=params.iv, mac_len=tag_length)
    elif spec.mode == _CCM:
        buffered = message_length is None
        # msg_len is missing from pycryptodome's type stubs
        ccm_options: dict[str, Any] = {"msg_len": message_length, "assoc_len": len(aad)}
        cipher = AES.new(key, AES.MODE_CCM, nonce=params.iv, mac_len=tag_length, **ccm_options)
    else:
        cipher = ChaCha20_Poly1305.new(key=key, nonce=params.iv)
    if aad:
        cipher.update(aad)
    return cipher, buffered


def content_encryptor(
    alg: AlgorithmIdentifier,
    key: bytes,
    *,
    aad: bytes = b"",
    message_length: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Encryptor:
    """A streaming encryptor for ``alg`` (from :func:`content_algorithm`).

    :param aad: additional authenticated data (AEAD only; AuthEnvelopedData
        authAttrs, RFC 5083 section 2.2).
    :param message_length: the plaintext length when known in advance; AES-CCM
        streams only then (its first block encodes the length), and otherwise
        buffers the whole content until :meth:`Encryptor.finalize`.
    :raises UsageError: wrong key length, AAD for a non-AEAD cipher, bad parameters.
    :raises PolicyError: a legacy cipher.
    """
    info = _checked_info(alg, policy, Use.PRODUCE)
    spec = _SPECS.get(info.oid)
    if spec is None:
        raise UnsupportedAlgorithm(f"{info.name} cannot encrypt", oid=alg.oid, oid_name=info.name)
    key = bytes(key)
    if len(key) != spec.key_size:
        raise UsageError(f"{spec.name} needs a {spec.key_size}-octet key, not {len(key)} octets")
    try:
        params = _parse_params(spec, alg)
    except DecodeError as exc:
        raise UsageError(f"bad parameters for {spec.name}: {exc.message}") from None
    if spec.mode == _CBC:
        if aad:
            raise UsageError(f"{spec.name} is not an AEAD cipher; it cannot take AAD")
        return CbcEncryptor(alg, AES.new(key, AES.MODE_CBC, iv=params.iv), 16)
    assert params.tag_length is not None
    try:
        cipher, buffered = _new_aead(spec, params, key, bytes(aad), message_length)
    except (ValueError, TypeError, OverflowError) as exc:
        raise UsageError(f"{spec.name}: {exc}") from None
    return _AeadEncryptor(alg, cipher, params.tag_length, buffered)


def content_decryptor(
    alg: AlgorithmIdentifier,
    key: bytes,
    *,
    aad: bytes = b"",
    message_length: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Decryptor:
    """A streaming decryptor for ``alg`` (AES, ChaCha20-Poly1305, and the legacy
    ciphers of :mod:`smimelib.crypto.legacy` when ``policy`` allows them).

    :param message_length: the ciphertext length when known (AES-CCM streams only then).
    :raises DecodeError: malformed or out-of-range parameters.
    :raises UnsupportedAlgorithm: not a content cipher smimelib knows.
    :raises PolicyError: refused by ``policy``.
    :raises DecryptionError: a key of the wrong length (same text as every other failure).
    """
    info = _checked_info(alg, policy, Use.CONSUME)
    spec = _SPECS.get(info.oid)
    if spec is None:
        from smimelib.crypto import legacy

        if aad:
            raise UsageError(f"{info.name} is not an AEAD cipher; it cannot take AAD")
        return legacy.legacy_decryptor(alg, key, policy=policy)
    params = _parse_params(spec, alg)
    key = bytes(key)
    if len(key) != spec.key_size:
        raise _fail()
    if spec.mode == _CBC:
        if aad:
            raise UsageError(f"{spec.name} is not an AEAD cipher; it cannot take AAD")
        return CbcDecryptor(alg, AES.new(key, AES.MODE_CBC, iv=params.iv), 16)
    assert params.tag_length is not None
    try:
        cipher, buffered = _new_aead(spec, params, key, bytes(aad), message_length)
    except (ValueError, TypeError, OverflowError):
        raise _fail() from None
    return _AeadDecryptor(alg, cipher, params.tag_length, buffered)


def encrypt(
    alg: AlgorithmIdentifier, key: bytes, data: bytes, *, aad: bytes = b""
) -> tuple[bytes, bytes]:
    """Encrypt ``data`` in one call; returns ``(ciphertext, tag)`` (tag ``b""`` for CBC)."""
    enc = content_encryptor(alg, key, aad=aad, message_length=len(data))
    out = enc.update(data) + enc.finalize()
    return out, (enc.finalize_tag() if enc.aead else b"")


def decrypt(
    alg: AlgorithmIdentifier,
    key: bytes,
    data: bytes,
    *,
    tag: bytes | None = None,
    aad: bytes = b"",
    policy: Policy = DEFAULT_POLICY,
) -> bytes:
    """Decrypt ``data`` in one call; AEAD ciphers need ``tag`` and return nothing
    unless it verifies.

    :raises DecryptionError: ``"decryption failed"`` whatever went wrong with the
        key, padding or tag.
    """
    dec = content_decryptor(alg, key, aad=aad, message_length=len(data), policy=policy)
    if dec.aead:
        if tag is None:
            raise UsageError(f"{alg} is an AEAD cipher: decrypt needs the tag")
        out = dec.update(data)
        return out + dec.verify(tag)
    if tag is not None:
        raise UsageError(f"{alg} is not an AEAD cipher; it has no tag")
    return dec.update(data) + dec.finalize()
