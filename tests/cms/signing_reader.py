"""An independent reader of SignedData for the signing tests (RFC 5652 section 5).

It walks the output with the TLV reader only (not smimelib's SignedData parser) and checks
signatures with the signature primitive over exactly the bytes RFC 5652 5.4 names: the
signed attributes re-tagged as SET, or the content itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms.attributes import OID_MESSAGE_DIGEST
from smimelib.cms.content_info import ID_SIGNED_DATA
from smimelib.crypto import signatures
from smimelib.crypto.digests import SHA256, SHA384, SHA512, SHAKE256, SHAKE256_LEN
from smimelib.pki.certificate import Certificate


@dataclass
class SI:
    elem: tlv.Element
    version: int
    sid: tlv.Element
    digest_algorithm: AlgorithmIdentifier
    signed_attrs: tlv.Element | None
    signature_algorithm: AlgorithmIdentifier
    signature: bytes
    unsigned_attrs: tlv.Element | None

    def attrs(self) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {}
        assert self.signed_attrs is not None
        for a in self.signed_attrs.children():
            oid, values = a.children()
            assert oid.as_oid() not in out, "attribute written twice"
            out[oid.as_oid()] = [v.raw for v in values.children()]
        return out

    def signed_bytes(self) -> bytes:
        assert self.signed_attrs is not None
        return b"\x31" + self.signed_attrs.raw[1:]


@dataclass
class SD:
    root: tlv.Element
    version: int
    digest_algorithms: list[bytes]
    content_type: str
    econtent: bytes | None
    certificates: list[bytes] | None
    crls: list[bytes] | None
    signer_infos: list[SI]


def parse_si(elem: tlv.Element) -> SI:
    parts = list(elem.children())
    version = parts.pop(0).as_int()
    sid = parts.pop(0)
    dig = AlgorithmIdentifier.from_element(parts.pop(0))
    signed = parts.pop(0) if parts[0].tag == tlv.Tag.context(0, True) else None
    sig_alg = AlgorithmIdentifier.from_element(parts.pop(0))
    signature = parts.pop(0).as_octets()
    unsigned = parts.pop(0) if parts else None
    assert not parts
    return SI(elem, version, sid, dig, signed, sig_alg, signature, unsigned)


def parse(data: bytes) -> SD:
    root = tlv.parse_one(data)
    oid, wrapper = root.children()
    assert oid.as_oid() == ID_SIGNED_DATA
    (sd,) = wrapper.children()
    f = list(sd.children())
    version = f.pop(0).as_int()
    digests_ = [c.raw for c in f.pop(0).children()]
    eci = f.pop(0).children()
    econtent = eci[1].children()[0].as_octets() if len(eci) == 2 else None
    certs = crls = None
    if f[0].tag == tlv.Tag.context(0, True):
        certs = [c.raw for c in f.pop(0).children()]
    if f[0].tag == tlv.Tag.context(1, True):
        crls = [c.raw for c in f.pop(0).children()]
    (infos,) = f
    assert infos.tag == tlv.Tag.SET
    return SD(
        root,
        version,
        digests_,
        eci[0].as_oid(),
        econtent,
        certs,
        crls,
        [parse_si(c) for c in infos.children()],
    )


def check_signature(si: SI, cert: Certificate, content: bytes) -> None:
    """Verify like RFC 5652 5.6, with the primitive only."""
    if si.signed_attrs is None:
        signed = content
    else:
        signed = si.signed_bytes()
        digest = hashlib.new(hashlib_name(si.digest_algorithm), content)
        md = si.attrs()[OID_MESSAGE_DIGEST]
        want = digest.digest(64) if isinstance(digest, _SHAKE) else digest.digest()
        assert md == [der.encode_octets(want)]
    signatures.verify(
        cert.public_key,
        si.signature_algorithm,
        signed,
        si.signature,
        digest_algorithm=si.digest_algorithm,
    )


_SHAKE = type(hashlib.shake_256())


def hashlib_name(alg: AlgorithmIdentifier) -> str:
    return {
        SHA256: "sha256",
        SHA384: "sha384",
        SHA512: "sha512",
        SHAKE256: "shake_256",
        SHAKE256_LEN: "shake_256",
    }[alg.oid]
