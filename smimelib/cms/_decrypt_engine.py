"""The decryption engine shared by EnvelopedData, AuthEnvelopedData and EncryptedData.

It checks the content-encryption algorithm for the structure and the policy
(:func:`content_cipher`), recovers the content-encryption key without giving an oracle
(:func:`recover_cek`), decrypts in one pass (CBC: the content follows the recipient infos)
or two (AEAD: the AAD and the mac follow the content), holds the plaintext until the tag
or padding checked, applies ``require_integrity``, and releases. The behaviour is
described for callers in :mod:`smimelib.cms.decryption`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Literal

from Crypto.Cipher import AES

from smimelib.asn1 import der, oids, stream, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._encrypt_stream import (
    CHUNK_SIZE,
    EnvelopeParser,
    Head,
    Input,
    Tail,
    finding,
)
from smimelib.cms._encrypt_write import ChainedReader, PlaintextSink, new_spool
from smimelib.cms.attributes import Attributes
from smimelib.cms.content_info import ID_SIGNED_DATA, content_info_header, encode_content_info
from smimelib.crypto import legacy
from smimelib.crypto.algorithms import DEFAULT_POLICY, Kind, Policy, Use, lookup
from smimelib.crypto.ciphers import DECRYPTION_FAILED, Decryptor, content_decryptor
from smimelib.errors import (
    DecodeError,
    DecryptionError,
    LimitExceeded,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
)
from smimelib.pki.certificate import Certificate

if TYPE_CHECKING:
    from smimelib.cms.recipients import CekResult, RecipientInfo, RecipientKey
    from smimelib.cms.results import VerificationResult

__all__ = [
    "MAX_ATTRIBUTES",
    "STRUCTURE_NAMES",
    "ContentCipher",
    "Decrypted",
    "Key",
    "Options",
    "Structure",
    "attributes",
    "check_integrity_requirement",
    "common_findings",
    "content_cipher",
    "decrypt_content",
    "recover_cek",
    "require_content",
]

#: the three structures
Structure = Literal["enveloped-data", "auth-enveloped-data", "encrypted-data"]
#: their ASN.1 names, for messages
STRUCTURE_NAMES: dict[Structure, str] = {
    "enveloped-data": "EnvelopedData",
    "auth-enveloped-data": "AuthEnvelopedData",
    "encrypted-data": "EncryptedData",
}
#: most attributes accepted in one unprotectedAttrs / authAttrs / unauthAttrs set
MAX_ATTRIBUTES = 256

_AES = "2.16.840.1.101.3.4.1."
_GCM = frozenset(_AES + arc for arc in ("6", "26", "46"))
_CCM = frozenset(_AES + arc for arc in ("7", "27", "47"))
_CHACHA = "1.2.840.113549.1.9.16.3.18"
_GCM_ICV = frozenset(range(12, 17))
_CCM_ICV = frozenset({4, 6, 8, 10, 12, 14, 16})
_DEFAULT_ICV = 12  # RFC 5084: aes-ICVlen DEFAULT 12


@dataclass(frozen=True, slots=True)
class Options:
    """The caller's decryption options."""

    policy: Policy = DEFAULT_POLICY
    require_integrity: bool = False
    output: BinaryIO | None = None
    limits: Limits = DEFAULT_LIMITS


class _BareIvGcm(Decryptor):
    """AES-GCM whose parameters are a bare IV OCTET STRING, as PKI.js writes inside
    EnvelopedData (WebCrypto: 16-octet IV, 16-octet tag); read only under
    ``allow_non_standard``."""

    aead = True

    def __init__(self, algorithm: AlgorithmIdentifier, key: bytes, iv: bytes, size: int):
        if len(key) != size:
            raise DecryptionError(DECRYPTION_FAILED)
        self.algorithm = algorithm
        self.tag_length = 16
        self._cipher = AES.new(key, AES.MODE_GCM, nonce=iv, mac_len=16)

    def update(self, data: bytes) -> bytes:
        return bytes(self._cipher.decrypt(data))

    def verify(self, tag: bytes) -> bytes:
        try:
            self._cipher.verify(tag)
        except (ValueError, TypeError):
            raise DecryptionError(DECRYPTION_FAILED) from None
        return b""


@dataclass(frozen=True, slots=True)
class ContentCipher:
    """The content-encryption algorithm of one message, checked for its structure.

    :ivar key_length: the content-encryption key size in octets (RC2: its effective key
        bits / 8, as OpenSSL and the RFC 4134 examples use).
    :ivar tag_length: the AEAD tag length (``aes-ICVlen``), 0 for CBC.
    :ivar non_standard: an AEAD cipher outside AuthEnvelopedData; its tag is the last
        ``tag_length`` octets of encryptedContent.
    """

    algorithm: AlgorithmIdentifier
    name: str
    aead: bool
    key_length: int
    tag_length: int
    non_standard: bool
    weak: bool
    policy: Policy
    bare_iv: bytes | None = None

    @property
    def integrity_protected(self) -> bool:
        """Whether an authentication tag covers the content."""
        return self.aead

    def decryptor(
        self, key: bytes, *, aad: bytes = b"", message_length: int | None = None
    ) -> Decryptor:
        """A decryptor for ``key``.

        :raises DecryptionError: a key of the wrong length (the uniform text).
        """
        if self.bare_iv is not None:
            return _BareIvGcm(self.algorithm, bytes(key), self.bare_iv, self.key_length)
        return content_decryptor(
            self.algorithm, key, aad=aad, message_length=message_length, policy=self.policy
        )

    def findings(self, structure: Structure) -> tuple[str, ...]:
        """What the report says about the algorithm in ``structure``."""
        out: list[str] = []
        if not self.aead:
            out.append(
                finding(
                    "not-integrity-protected",
                    f"content encrypted with {self.name} without integrity protection "
                    "(EFAIL; RFC 8551 section 2.7 prefers AuthEnvelopedData)",
                )
            )
        if self.weak:
            out.append(
                finding(
                    "weak-content-cipher",
                    f"{self.name} is a legacy cipher, read because the policy allows it "
                    "(RFC 8551 section 2.7)",
                )
            )
        if self.non_standard:
            out.append(
                finding(
                    "aead-outside-auth-enveloped-data",
                    f"{self.name} inside {STRUCTURE_NAMES[structure]} is non-standard "
                    "(RFC 5083; RFC 5084 and RFC 8103 define it for AuthEnvelopedData); the tag "
                    "was taken from the end of encryptedContent",
                )
            )
        if self.bare_iv is not None:
            out.append(
                finding(
                    "gcm-bare-iv",
                    f"the {self.name} parameters are a bare {len(self.bare_iv)}-octet IV, not "
                    "GCMParameters (RFC 5084 section 3.2)",
                )
            )
        return tuple(out)


def _key_length(alg: AlgorithmIdentifier, size: int | None) -> int:
    if alg.oid == legacy.RC2_CBC:
        bits, _iv = legacy.parse_rc2_parameters(alg.parameters)
        return (bits + 7) // 8
    if size is None:
        raise UnsupportedAlgorithm(f"{alg} has no fixed key size", oid=alg.oid)
    return size


def _bare_iv(alg: AlgorithmIdentifier) -> bytes | None:
    """The IV of GCM parameters written as a bare OCTET STRING (PKI.js), if they are."""
    if alg.parameters is None or alg.parameters[:1] != b"\x04":
        return None
    iv = tlv.parse_one(alg.parameters, what="GCM IV").as_octets()
    return iv if 12 <= len(iv) <= 16 else None


def _icv_length(alg: AlgorithmIdentifier, name: str) -> int:
    """``aes-ICVlen`` of GCMParameters / CCMParameters (RFC 5084 section 3), checked for
    its range; the nonce is checked when the decryptor is made."""
    what = "GCMParameters" if alg.oid in _GCM else "CCMParameters"
    if alg.parameters is None:
        raise DecodeError(f"{name} parameters are missing", oid=alg.oid)
    elem = tlv.parse_one(alg.parameters, what=what)
    if elem.tag != tlv.Tag.SEQUENCE:
        raise DecodeError(f"{what} is not a SEQUENCE", offset=elem.offset, oid=alg.oid)
    fields = elem.children()
    if not 1 <= len(fields) <= 2:
        raise DecodeError(f"malformed {what}", offset=elem.offset, oid=alg.oid)
    icv = fields[1].as_int(max_octets=2) if len(fields) == 2 else _DEFAULT_ICV
    allowed = _GCM_ICV if alg.oid in _GCM else _CCM_ICV
    if icv not in allowed:
        raise DecodeError(
            f"{what} aes-ICVlen {icv} is not one of {sorted(allowed)} (RFC 5084)", oid=alg.oid
        )
    return icv


def content_cipher(alg: AlgorithmIdentifier, structure: Structure, policy: Policy) -> ContentCipher:
    """Check ``alg`` for ``structure`` and the policy, before any key is touched.

    The remaining parameter checks (IV and nonce lengths) happen when the decryptor is
    made, with the recovered key.

    :raises UnsupportedAlgorithm: not a content cipher smimelib knows, or a non-AEAD
        cipher in AuthEnvelopedData (RFC 5083 section 2.1).
    :raises PolicyError: refused by ``policy`` (legacy ciphers, RC2 under 128 bits
        without ``allow_weak``; AEAD ciphers outside AuthEnvelopedData without
        ``allow_non_standard``).
    :raises DecodeError: malformed RC2, GCM or CCM parameters.
    """
    info = lookup(alg.oid)
    if info.kind not in (Kind.CONTENT_CIPHER, Kind.AEAD):
        raise UnsupportedAlgorithm(
            f"{info.name} is not a content-encryption algorithm", oid=alg.oid, oid_name=info.name
        )
    aead = info.kind is Kind.AEAD
    name = STRUCTURE_NAMES[structure]
    if structure == "auth-enveloped-data" and not aead:
        raise UnsupportedAlgorithm(
            f"{info.name} is not an authenticated-encryption algorithm; AuthEnvelopedData "
            "carries only AEAD ciphers (RFC 5083 section 2.1)",
            oid=alg.oid,
            oid_name=info.name,
        )
    non_standard = aead and structure != "auth-enveloped-data"
    if non_standard and not policy.allow_non_standard:
        raise PolicyError(
            f"AEAD in {name} is non-standard (RFC 5083): {info.name} belongs in "
            "AuthEnvelopedData; Policy(allow_non_standard=True) reads it",
            oid=alg.oid,
            oid_name=info.name,
        )
    policy.check(info, Use.CONSUME)
    key_length = _key_length(alg, info.key_size)
    weak = info.weak
    if alg.oid == legacy.RC2_CBC and key_length < 16:
        weak = True
        if not policy.allow_weak:
            raise PolicyError(
                f"RC2 with {key_length * 8} effective key bits is weak and refused by policy "
                "(allow_weak to accept it)",
                oid=alg.oid,
                oid_name=info.name,
            )
    bare_iv: bytes | None = None
    tag_length = 0
    if alg.oid == _CHACHA:
        tag_length = 16  # RFC 8103 section 2
    elif alg.oid in _GCM or alg.oid in _CCM:
        bare_iv = _bare_iv(alg) if non_standard and alg.oid in _GCM else None
        tag_length = 16 if bare_iv is not None else _icv_length(alg, info.name)
    return ContentCipher(
        alg, info.name, aead, key_length, tag_length, non_standard, weak, policy, bare_iv
    )


def check_integrity_requirement(
    cipher: ContentCipher, content_type: str, structure: Structure, options: Options
) -> None:
    """Refuse unprotected content under ``require_integrity`` before decrypting it, unless
    it may prove itself as a verifying SignedData (EFAIL, RFC 8551 section 2.7)."""
    if not options.require_integrity or cipher.integrity_protected:
        return
    if content_type != ID_SIGNED_DATA:
        raise PolicyError(
            f"content is not integrity-protected (EFAIL): {STRUCTURE_NAMES[structure]} with "
            f"{cipher.name} carries {oids.describe(content_type)}, not signed data; "
            "require_integrity=True refuses it (RFC 8551 section 2.7)"
        )


def require_content(head: Head, structure: Structure) -> None:
    """encryptedContent is OPTIONAL in the syntax; smimelib needs it in the message."""
    if not head.eci.present:
        raise DecodeError(
            f"{STRUCTURE_NAMES[structure]}: encryptedContent is absent (detached encrypted "
            "content is not supported)",
            offset=head.eci.offset,
        )


@dataclass(frozen=True, slots=True)
class Key:
    """A content-encryption key as recovered: ``failed`` when recovery failed
    cryptographically and ``cek`` is a random stand-in (the failure shows at the end)."""

    cek: bytes = field(repr=False)
    failed: bool = False
    result: CekResult | None = None


def recover_cek(
    infos: Sequence[RecipientInfo],
    keys: Sequence[RecipientKey],
    cipher: ContentCipher,
    originator_certificates: Sequence[Certificate],
) -> Key:
    """The CEK from the caller's keys (RFC 5652 section 6.2), or a random stand-in when a
    selected RecipientInfo fails cryptographically (RFC 3218: fail later, uniformly).

    :raises DecryptionError: ``"no recipient info matches the given keys"`` (public data).
    """
    from smimelib.cms.recipients import decrypt_cek

    try:
        result = decrypt_cek(
            infos,
            keys,
            cek_length=cipher.key_length,
            policy=cipher.policy,
            originator_certificates=originator_certificates,
        )
    except DecryptionError as exc:
        if exc.message != DECRYPTION_FAILED:
            raise DecryptionError(exc.message) from None
        return Key(os.urandom(cipher.key_length), True)
    return Key(result.cek, False, result)


@dataclass(frozen=True, slots=True)
class Decrypted:
    """The outcome of :func:`decrypt_content`.

    :ivar content: the released plaintext (``None`` when written to ``output``).
    :ivar length: plaintext octets.
    :ivar tail: the parts after encryptedContentInfo.
    :ivar signed: the inner SignedData's report under ``require_integrity``.
    :ivar findings: remarks from checking the inner SignedData.
    """

    content: bytes | None
    length: int
    tail: Tail
    signed: VerificationResult | None = None
    findings: tuple[str, ...] = ()


#: parses the tail parts; returns (AAD, mac) -- both ``b""`` / ``None`` outside AuthEnvelopedData
TailParser = Callable[[Tail], tuple[bytes, bytes | None]]


def decrypt_content(
    inp: Input,
    parser: EnvelopeParser,
    head: Head,
    cipher: ContentCipher,
    structure: Structure,
    key: Callable[[], Key],
    parse_tail: TailParser,
    options: Options,
) -> Decrypted:
    """Decrypt the encryptedContent of ``head`` into a sink, check it, then release it.

    ``key`` is called once, after the parts before the content (CBC: the content then
    decrypts in one pass) or after the whole message (AEAD: two passes, since the AAD
    and the mac follow the content).

    :raises DecryptionError: ``"decryption failed"`` whatever went wrong cryptographically.
    """
    require_content(head, structure)
    sink = PlaintextSink(options.output, options.limits.max_input_size)
    try:
        if cipher.aead:
            ok, tail = _two_pass(
                inp, parser, head, cipher, structure, key, parse_tail, sink, options.limits
            )
        else:
            ok, tail = _one_pass(parser, cipher, structure, key, parse_tail, sink)
        if not ok:
            sink.discard()
            raise DecryptionError(DECRYPTION_FAILED) from None
        signed, remarks = _check_signed_content(
            cipher, head.eci.content_type, structure, sink, options
        )
        length = sink.size
        return Decrypted(sink.release(), length, tail, signed, remarks)
    except BaseException:
        sink.discard()
        raise


def _open_decryptor(
    cipher: ContentCipher, key: Key, aad: bytes, length: int | None
) -> tuple[Decryptor, bool]:
    """The decryptor, and whether the key already failed (a stand-in key then)."""
    try:
        return cipher.decryptor(key.cek, aad=aad, message_length=length), key.failed
    except DecryptionError:
        stand_in = os.urandom(cipher.key_length)
        return cipher.decryptor(stand_in, aad=aad, message_length=length), True


def _one_pass(
    parser: EnvelopeParser,
    cipher: ContentCipher,
    structure: Structure,
    key: Callable[[], Key],
    parse_tail: TailParser,
    sink: PlaintextSink,
) -> tuple[bool, Tail]:
    decryptor, failed = _open_decryptor(cipher, key(), b"", None)
    for chunk in parser.content():
        sink.write(decryptor.update(chunk))
    try:
        sink.write(decryptor.finalize())
    except DecryptionError:
        failed = True
    tail = parser.finish(STRUCTURE_NAMES[structure])
    parse_tail(tail)
    return not failed, tail


def _spool_chunks(spool: BinaryIO) -> Iterator[bytes]:
    spool.seek(0)
    while chunk := spool.read(CHUNK_SIZE):
        yield chunk


def _two_pass(
    inp: Input,
    parser: EnvelopeParser,
    head: Head,
    cipher: ContentCipher,
    structure: Structure,
    key: Callable[[], Key],
    parse_tail: TailParser,
    sink: PlaintextSink,
    limits: Limits,
) -> tuple[bool, Tail]:
    spool = new_spool() if inp.start is None else None
    try:
        length = parser.skip_content(spool)
        tail = parser.finish(STRUCTURE_NAMES[structure])
        aad, mac = parse_tail(tail)
        strip = cipher.tag_length if cipher.non_standard else 0
        if length < strip:
            raise DecodeError(
                f"encryptedContent has {length} octets, fewer than the {strip}-octet tag",
                offset=head.eci.content_offset,
            )
        body = length - strip
        decryptor, failed = _open_decryptor(cipher, key(), aad, body)
        if spool is not None:
            chunks = _spool_chunks(spool)
        else:
            assert head.eci.content_offset is not None
            chunks = inp.reread(head.eci.content_offset, limits)
        # a failed key still decrypts everything (with its stand-in), so that every
        # failure takes the same path to the same error; only a broken decryptor stops
        broken = False
        seen = 0
        tag_parts: list[bytes] = []
        for chunk in chunks:
            take = max(0, min(len(chunk), body - seen))
            if take and not broken:
                try:
                    sink.write(decryptor.update(chunk[:take]))
                except DecryptionError:
                    broken = True
            if take < len(chunk):
                tag_parts.append(chunk[take:])
            seen += len(chunk)
        if seen != length:
            raise DecodeError(
                "the message changed while it was read", offset=head.eci.content_offset
            )
        tag = b"".join(tag_parts) if strip else (mac or b"")
        if not broken:
            try:
                sink.write(decryptor.verify(tag))
            except DecryptionError:
                broken = True
        failed = failed or broken
        return not failed, tail
    finally:
        if spool is not None:
            spool.close()


def _signed_data_source(sink: PlaintextSink) -> tuple[bytes | BinaryIO, str | None]:
    """The held id-signedData content as a ContentInfo for the verifier, and a finding.

    Content of type id-signedData is a SignedData value (RFC 5652 sections 3 and 6.1: the
    contentType says what the content is). Some senders encrypt a whole ContentInfo
    instead (BouncyCastle's ``CMSSignedData.getEncoded()``); that is accepted and
    reported. The two differ in the first field: an OID (ContentInfo) or an INTEGER.
    """
    # only the first two headers are looked at; the lengths they declare may be any
    reader = stream.Reader(limits=DEFAULT_LIMITS.replace(max_input_size=1 << 62))
    reader.feed(sink.head(24))
    events = [reader.next_event(), reader.next_event()]
    second = events[1]
    if isinstance(second, stream.Header) and second.tag == tlv.Tag.OID:
        return sink.held(), finding(
            "signed-content-in-content-info",
            "the id-signedData content is a ContentInfo, not a SignedData value (RFC 5652 "
            "section 6.1); read as such",
        )
    held = sink.held()
    if isinstance(held, bytes):
        return encode_content_info(ID_SIGNED_DATA, held), None
    wrapped = ChainedReader(content_info_header(ID_SIGNED_DATA), held, der.EOC + der.EOC)
    return wrapped, None  # type: ignore[return-value]


def _check_signed_content(
    cipher: ContentCipher,
    content_type: str,
    structure: Structure,
    sink: PlaintextSink,
    options: Options,
) -> tuple[VerificationResult | None, tuple[str, ...]]:
    """Under ``require_integrity``, unprotected content must be a SignedData whose every
    signature verifies (RFC 8551 section 2.7; THREATS EFAIL). Returns the report and
    findings."""
    if not options.require_integrity or cipher.integrity_protected:
        return None, ()
    if content_type != ID_SIGNED_DATA:  # refused before decryption; kept for safety
        raise PolicyError("content is not integrity-protected (EFAIL)")
    from smimelib.cms.verify import verify_signed_data

    prefix = (
        f"content is not integrity-protected (EFAIL): {STRUCTURE_NAMES[structure]} with "
        f"{cipher.name}, and the SignedData inside"
    )
    try:
        source, remark = _signed_data_source(sink)
        report = verify_signed_data(source, policy=options.policy, limits=options.limits)
    except SmimeError as exc:
        raise PolicyError(f"{prefix} cannot be verified: {exc}") from None
    if not report.ok:
        if report.no_signers:
            why = "has no signers"
        else:
            bad = next(s for s in report.signers if not s.all_valid)
            why = f"does not verify ({bad.reason.value if bad.reason else 'invalid'})"
        raise PolicyError(f"{prefix} {why}; require_integrity=True refuses it")
    return report, (remark,) if remark else ()


def attributes(elem: tlv.Element, what: str) -> Attributes:
    """An ``[n] IMPLICIT SET OF Attribute`` field, at most :data:`MAX_ATTRIBUTES` long."""
    try:
        parsed = Attributes.from_element(elem)
    except LimitExceeded:
        raise
    except DecodeError as exc:
        raise DecodeError(f"{what}: {exc.message}", offset=exc.offset) from None
    if len(parsed) > MAX_ATTRIBUTES:
        raise LimitExceeded(
            f"{what} holds {len(parsed)} attributes, more than {MAX_ATTRIBUTES}",
            limit="max_attributes",
            offset=elem.offset,
        )
    return parsed


def common_findings(cipher: ContentCipher, structure: Structure, tail: Tail) -> list[str]:
    """Findings every structure reports: the algorithm's, BER, trailing whitespace."""
    out = list(cipher.findings(structure))
    if tail.indefinite:
        out.append(
            finding(
                "ber-encoding",
                f"the {STRUCTURE_NAMES[structure]} uses BER indefinite lengths or a constructed "
                "encryptedContent (accepted; RFC 5652 allows BER)",
            )
        )
    if tail.trailing:
        out.append(
            finding(
                "trailing-whitespace",
                f"{len(tail.trailing)} octets of whitespace after the ContentInfo (ignored)",
            )
        )
    return out
