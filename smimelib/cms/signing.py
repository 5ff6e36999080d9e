"""Building SignedData (RFC 5652 section 5): sign bytes or streams, one or many signers.

::

    SignedData ::= SEQUENCE {
      version CMSVersion,
      digestAlgorithms DigestAlgorithmIdentifiers,
      encapContentInfo EncapsulatedContentInfo,
      certificates [0] IMPLICIT CertificateSet OPTIONAL,
      crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
      signerInfos SignerInfos }

    SignerInfo ::= SEQUENCE {
      version CMSVersion,
      sid SignerIdentifier,
      digestAlgorithm DigestAlgorithmIdentifier,
      signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
      signatureAlgorithm SignatureAlgorithmIdentifier,
      signature SignatureValue,
      unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }

What is written, and why:

* Content given as ``bytes`` gives a DER ContentInfo with definite lengths.
  Content given as a binary file object is read in :data:`CHUNK_SIZE` pieces and
  digested as it is read; attached, it is written at once to ``output`` as
  indefinite-length BER, ``eContent`` being a constructed OCTET STRING of
  :data:`CHUNK_SIZE` segments (X.690 8.7.3), as ``openssl cms -stream`` writes.
  Everything after the content (certificates, CRLs, signer infos) is DER.
* ``version`` follows RFC 5652 section 5.1 (:func:`signed_data_version`);
  SignerInfo ``version`` is 1 for issuerAndSerialNumber and 3 for
  subjectKeyIdentifier (section 5.3).
* ``digestAlgorithms`` is the DER SET of the distinct signer digest algorithms.
* Signed attributes (section 5.3, 11; RFC 8551 2.5): content-type,
  message-digest, signing-time, SMIMECapabilities, SMIMEEncryptionKeyPreference
  (when the signer names an encryption certificate), ESS signingCertificateV2
  (RFC 5035, SHA-256) and CMSAlgorithmProtection (RFC 6211), then the caller's
  own. They are DER (a sorted SET OF); the signature covers their encoding
  under the universal SET tag, the SignerInfo carries them ``[0] IMPLICIT``
  (section 5.4).
* Signature algorithms: RSA PKCS#1 v1.5 ``sha*WithRSAEncryption``, RSASSA-PSS
  with explicit parameters (RFC 4056), ECDSA (RFC 5753, RFC 5754), Ed25519 and
  Ed448 (RFC 8419: digest SHA-512 for Ed25519; for Ed448 ``id-shake256-len``
  with 512 bits when signed attributes are present, ``id-shake256`` otherwise).
  Without signed attributes EdDSA signs the whole content (PureEdDSA); content
  read from a stream is then buffered up to :data:`PURE_EDDSA_STREAM_LIMIT`.
* Certificates go into ``[0]`` through :func:`smimelib.cms.certsets.encode_certificate_set`
  (signers' certificates, encryption-preference certificates, chains on request,
  extra ones; duplicates dropped); CRLs, raw, into ``[1]``.
* Nothing weak is produced: SHA-1, MD5 and DSA raise
  :class:`~smimelib.errors.PolicyError` naming the algorithm, RSA below 2048 bits too.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final

from smimelib.asn1 import der, tlv
from smimelib.asn1.oids import describe
from smimelib.cms._signer import NOW, Signer, build_signer_info, new_content_hash
from smimelib.cms.certsets import encode_certificate_set, encode_revocation_info
from smimelib.cms.content_info import (
    ID_DATA,
    ID_SIGNED_DATA,
    content_info_header,
    encode_content_info,
)
from smimelib.crypto.digests import Hash
from smimelib.errors import SmimeError, UsageError
from smimelib.pki.certificate import Certificate

__all__ = [
    "CHUNK_SIZE",
    "NOW",
    "PURE_EDDSA_STREAM_LIMIT",
    "Signer",
    "certs_only",
    "sign",
    "signed_data_version",
]

#: content is read, digested and written in pieces of this size (64 KiB)
CHUNK_SIZE: Final = 64 * 1024
#: most content read from a stream that PureEdDSA without signed attributes buffers
#: (RFC 8419 section 4: PureEdDSA needs the whole content; 16 MiB)
PURE_EDDSA_STREAM_LIMIT: Final = 16 * 1024 * 1024


# -- version ---------------------------------------------------------------------------------


def signed_data_version(
    *,
    content_type: str,
    signer_info_versions: Iterable[int] = (),
    other_certificates: bool = False,
    v2_attribute_certificates: bool = False,
    v1_attribute_certificates: bool = False,
    other_crls: bool = False,
) -> int:
    """The SignedData version, exactly as RFC 5652 section 5.1 assigns it.

    :param other_certificates: the certificates field holds an ``other`` [3] choice.
    :param v2_attribute_certificates: it holds a ``v2AttrCert`` [2].
    :param v1_attribute_certificates: it holds a ``v1AttrCert`` [1].
    :param other_crls: the crls field holds an ``other`` [1] RevocationInfoChoice.
    """
    if other_certificates or other_crls:
        return 5
    if v2_attribute_certificates:
        return 4
    if (
        v1_attribute_certificates
        or any(v == 3 for v in signer_info_versions)
        or content_type != ID_DATA
    ):
        return 3
    return 1


# -- SignedData ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Frame:
    """Everything of a SignedData that is known before the content is read."""

    version: int
    digest_algorithms: bytes  # the DER SET
    certificates: bytes  # [0] IMPLICIT SET, or b""
    crls: bytes  # [1] IMPLICIT SET, or b""


def _frame(
    signers: Sequence[Signer],
    content_type: str,
    *,
    include_certificates: bool,
    include_chain: bool,
    extra_certificates: Iterable[Certificate],
    crls: Iterable[bytes],
) -> _Frame:
    certs: dict[bytes, Certificate] = {}
    for signer in signers:
        mine: list[Certificate] = []
        if include_certificates:
            mine.append(signer.certificate)
            if signer.encryption_key_preference is not None:
                mine.append(signer.encryption_key_preference)
        if include_chain:
            mine.extend(signer.chain)
        for cert in mine:
            certs.setdefault(cert.der, cert)
    for cert in extra_certificates:
        if not isinstance(cert, Certificate):
            raise UsageError(f"extra_certificates must be Certificates, not {type(cert).__name__}")
        certs.setdefault(cert.der, cert)
    crl_list, other_crls = _check_crls(crls)
    version = signed_data_version(
        content_type=content_type,
        signer_info_versions=[s.signer_info_version for s in signers],
        other_crls=other_crls,
    )
    digest_set = der.set_of({s.digest_algorithm.to_der() for s in signers})
    cert_der = encode_certificate_set(certs.values(), 0) if certs else b""
    crl_der = encode_revocation_info(crl_list, 1) if crl_list else b""
    return _Frame(version, digest_set, cert_der, crl_der)


def _check_crls(crls: Iterable[bytes]) -> tuple[list[bytes], bool]:
    """Each CRL must be one BER element: a CertificateList or ``other`` [1] (RFC 5652 10.2.1)."""
    out: list[bytes] = []
    other = False
    for crl in crls:
        if not isinstance(crl, bytes | bytearray | memoryview):
            raise UsageError(f"crls must be DER bytes, not {type(crl).__name__}")
        data = bytes(crl)
        try:
            elem = tlv.parse_one(data, what="revocation information")
        except SmimeError as exc:
            raise UsageError(f"a CRL is not one DER element: {exc}") from None
        if elem.tag == tlv.Tag.context(1, True):
            other = True
        elif elem.tag != tlv.Tag.SEQUENCE:
            raise UsageError(
                f"a RevocationInfoChoice is a CertificateList or [1] other, not {elem.tag}"
            )
        out.append(data)
    return out, other


def _check_signers(signers: Sequence[Signer], content_type: str) -> None:
    if not signers:
        raise UsageError("sign() needs at least one Signer (certs_only() writes none)")
    for signer in signers:
        if not isinstance(signer, Signer):
            raise UsageError(f"signers must be Signer values, not {type(signer).__name__}")
        if content_type != ID_DATA and not signer.signed_attributes:
            raise UsageError(
                f"content type {describe(content_type)} needs signed attributes "
                "(RFC 5652 section 5.3); signed_attributes=False is only for id-data"
            )
    der.encode_oid(content_type)  # a malformed OID is a UsageError here, before any output


class _Digester:
    """Running digests of the content, one per distinct digest algorithm.

    Keeps the content only when a PureEdDSA signer without signed attributes needs it
    (RFC 8419 section 3.2), up to ``limit`` octets.
    """

    def __init__(self, signers: Sequence[Signer], limit: int | None) -> None:
        self._hashes: dict[bytes, Hash] = {}
        for signer in signers:
            key = signer.digest_algorithm.to_der()
            if key not in self._hashes:
                self._hashes[key] = new_content_hash(signer)
        self._keep = any(s.is_eddsa and not s.signed_attributes for s in signers)
        self._limit = limit
        self._kept = bytearray()

    def update(self, chunk: bytes) -> None:
        for h in self._hashes.values():
            h.update(chunk)
        if self._keep:
            if self._limit is not None and len(self._kept) + len(chunk) > self._limit:
                raise UsageError(
                    "EdDSA without signed attributes signs the whole content (PureEdDSA, "
                    f"RFC 8419 section 4); a stream longer than {self._limit} bytes is refused: "
                    "sign with signed attributes"
                )
            self._kept += chunk

    def digest(self, signer: Signer) -> bytes:
        return self._hashes[signer.digest_algorithm.to_der()].copy().digest()

    @property
    def data(self) -> bytes | None:
        return bytes(self._kept) if self._keep else None


def _signer_infos(signers: Sequence[Signer], content_type: str, digester: _Digester) -> bytes:
    data = digester.data
    infos = [
        build_signer_info(s, content_type, digest=digester.digest(s), data=data) for s in signers
    ]
    return der.set_of(infos)


def _read_chunks(stream: BinaryIO) -> Iterable[bytes]:
    while True:
        try:
            chunk = stream.read(CHUNK_SIZE)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the content stream: {exc}") from None
        if not chunk:
            return
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise UsageError("the content stream must be binary (read() returned text)")
        yield bytes(chunk)


def _write(output: BinaryIO, data: bytes) -> None:
    try:
        output.write(data)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot write the output stream: {exc}") from None


def sign(
    content: bytes | BinaryIO,
    signers: Sequence[Signer],
    *,
    detached: bool = False,
    content_type: str = ID_DATA,
    include_certificates: bool = True,
    include_chain: bool = False,
    extra_certificates: Iterable[Certificate] = (),
    crls: Iterable[bytes] = (),
    output: BinaryIO | None = None,
) -> bytes:
    """Sign ``content``: a ContentInfo holding a SignedData (RFC 5652 sections 3 and 5).

    :param content: the content octets (bytes), or a binary file object read in
        :data:`CHUNK_SIZE` pieces. For a ``content_type`` other than id-data, the
        DER of the inner content itself (e.g. the SignedData value, not a ContentInfo,
        for id-signedData: RFC 5652 sections 3 and 5.2).
    :param signers: one or more :class:`Signer`.
    :param detached: leave eContent out ("external signature", RFC 5652 5.2).
    :param content_type: the eContentType (RFC 5652 5.2); not id-data needs signed attributes.
    :param include_certificates: write each signer's certificate (and its encryption
        preference certificate) into ``certificates``.
    :param include_chain: also write each signer's chain.
    :param extra_certificates: more certificates for ``certificates``.
    :param crls: DER CertificateLists (or ``[1]`` other revocation info) for ``crls``.
    :param output: where the ContentInfo goes. Given, it is written there and ``b""``
        returned; else it is returned.
    :returns: DER when ``content`` is bytes or the signature is detached; indefinite-length
        BER (eContent as a constructed OCTET STRING) when attached content comes from a
        stream, written to ``output`` while the content is read.
    :raises UsageError: misuse (no signers, conflicting options, unreadable stream, a long
        stream for PureEdDSA without signed attributes). Nothing is written to ``output``
        for errors found before the content is read.
    :raises PolicyError: a weak algorithm (SHA-1, MD5, DSA) or an RSA key below 2048 bits.
    """
    signers = tuple(signers)
    _check_signers(signers, content_type)
    frame = _frame(
        signers,
        content_type,
        include_certificates=include_certificates,
        include_chain=include_chain,
        extra_certificates=extra_certificates,
        crls=crls,
    )
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
        digester = _Digester(signers, None)
        digester.update(data)
        result = _assemble(frame, content_type, None if detached else data, signers, digester)
        return _deliver(result, output)
    if not hasattr(content, "read"):
        raise UsageError(f"content must be bytes or a binary file object, not {type(content)}")
    digester = _Digester(signers, PURE_EDDSA_STREAM_LIMIT)
    if detached:
        for chunk in _read_chunks(content):
            digester.update(chunk)
        return _deliver(_assemble(frame, content_type, None, signers, digester), output)
    sink: BinaryIO = output if output is not None else io.BytesIO()
    _stream_attached(sink, frame, content_type, content, signers, digester)
    if output is not None:
        return b""
    assert isinstance(sink, io.BytesIO)
    return sink.getvalue()


def _deliver(result: bytes, output: BinaryIO | None) -> bytes:
    if output is None:
        return result
    _write(output, result)
    return b""


def _assemble(
    frame: _Frame,
    content_type: str,
    econtent: bytes | None,
    signers: Sequence[Signer],
    digester: _Digester,
) -> bytes:
    """The whole DER ContentInfo (definite lengths)."""
    eci = [der.encode_oid(content_type)]
    if econtent is not None:
        eci.append(der.explicit(0, der.encode_octets(econtent)))
    signed_data = der.sequence(
        der.encode_int(frame.version),
        frame.digest_algorithms,
        der.sequence(*eci),
        frame.certificates,
        frame.crls,
        _signer_infos(signers, content_type, digester) if signers else der.set_of(()),
    )
    return encode_content_info(ID_SIGNED_DATA, signed_data)


def _stream_attached(
    sink: BinaryIO,
    frame: _Frame,
    content_type: str,
    content: BinaryIO,
    signers: Sequence[Signer],
    digester: _Digester,
) -> None:
    """Write indefinite-length BER while reading, as ``openssl cms -stream`` does (X.690 8.1.3.6).

    ContentInfo, ``[0]``, SignedData, EncapsulatedContentInfo and ``eContent [0]`` get
    indefinite lengths; the content goes out segment by segment as it is read.
    """
    seq, ctx0 = tlv.Tag.SEQUENCE, tlv.Tag.context(0, True)
    _write(
        sink,
        content_info_header(ID_SIGNED_DATA)
        + der.indefinite_header(seq)
        + der.encode_int(frame.version)
        + frame.digest_algorithms
        + der.indefinite_header(seq)
        + der.encode_oid(content_type)
        + der.indefinite_header(ctx0),
    )
    chunker = der.OctetStringChunker(chunk_size=CHUNK_SIZE)
    _write(sink, chunker.begin())
    for chunk in _read_chunks(content):
        digester.update(chunk)
        segment = chunker.update(chunk)
        if segment:
            _write(sink, segment)
    tail = chunker.finish() + der.EOC + der.EOC  # eContent [0], EncapsulatedContentInfo
    tail += frame.certificates + frame.crls + _signer_infos(signers, content_type, digester)
    _write(sink, tail + der.EOC * 3)  # SignedData, [0] content, ContentInfo


def certs_only(certificates: Iterable[Certificate], crls: Iterable[bytes] = ()) -> bytes:
    """A degenerate SignedData carrying certificates and CRLs only (RFC 8551 3.8).

    No signers, eContentType id-data without eContent, digestAlgorithms empty
    (RFC 5652 5.2); DER.
    """
    frame = _frame(
        (),
        ID_DATA,
        include_certificates=False,
        include_chain=False,
        extra_certificates=certificates,
        crls=crls,
    )
    return _assemble(frame, ID_DATA, None, (), _Digester((), None))
